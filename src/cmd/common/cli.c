/* Option parsing shared by the commands (cli.h). */
#define _POSIX_C_SOURCE 200809L
#include "common/cli.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* The word getopt_long refused: a long option is the whole word just
 * passed; a short one is optopt (it may sit inside a cluster such as -xy,
 * where optind has not moved past the word yet). */
static const char *refused_word(int before, char **argv, char *buf, size_t size)
{
    const char *word = optind > before ? argv[optind - 1] : "";
    if (!strncmp(word, "--", 2))
        return word;
    snprintf(buf, size, "-%c", optopt);
    return buf;
}

int cli_next(const cli_t *cli, int argc, char **argv)
{
    int before = optind;
    opterr = 0;
    int c = getopt_long(argc, argv, ":h", cli->longopts, NULL);
    if (c == 'h') {
        if (cli->usage)
            cli->usage(stdout);
        else
            printf("usage: %s\n", cli->usage_line);
        exit(0);
    }
    const char *what = cli->what;
    if (c == ':') {
        if (what)
            die("%s: %s needs a value", what, argv[optind - 1]);
        die("%s: missing value (see --help)", argv[optind - 1]);
    }
    if (c == '?') {
        char buf[8];
        const char *word = refused_word(before, argv, buf, sizeof buf);
        if (what)
            die("%s: unknown option '%s' (see %s %s --help)", what, word, progname(), what);
        die("unknown argument '%s' (see --help)", word);
    }
    if (c == -1 && optind < argc && !cli->positionals) {
        if (what)
            die("%s: unexpected argument '%s' (see %s %s --help)", what, argv[optind],
                progname(), what);
        die("unexpected argument '%s' (see --help)", argv[optind]);
    }
    return c;
}
