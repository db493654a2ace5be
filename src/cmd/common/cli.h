/* Option parsing shared by the commands: one getopt_long loop's checks,
 * so that every command says the same thing about the same mistake.
 *
 *   static const cli_t cli = {.longopts = options, .usage = usage};
 *   int c;
 *   while ((c = cli_next(&cli, argc, argv)) != -1)
 *       switch (c) { case 'm': model = optarg; break; ... }
 *
 * cli_next returns the next option as getopt_long does (optarg holds its
 * value) and handles the rest itself: -h and --help print the usage to
 * stdout and exit 0; a missing value, an unknown option and (once the
 * options are done, unless the command takes positionals) a positional
 * argument die naming the word.  The table
 * must map {"help", no_argument, NULL, 'h'}; its other options are long
 * ones only (the optstring is ":h").  optind is the caller's: 1 at the
 * start of a process, reset it to parse another argv (a subcommand's).
 *
 * The messages (die adds "PROG: " in front):
 *   what NULL (a command):
 *     --model: missing value (see --help)
 *     unknown argument '--modle' (see --help)
 *     unexpected argument 'x' (see --help)
 *   what "moons" (a subcommand, as gen-data's):
 *     moons: --points needs a value
 *     moons: unknown option '--pionts' (see gen-data moons --help)
 *     moons: unexpected argument 'x' (see gen-data moons --help)
 * A short option is named as -x even inside a cluster (-xy). */
#ifndef CMD_COMMON_CLI_H
#define CMD_COMMON_CLI_H

#include <getopt.h>
#include <stdio.h>

typedef struct {
    const struct option *longopts; /* getopt_long's table, ended by {0} */
    /* --help prints the usage: usage(stdout) or, if usage is NULL,
     * "usage: USAGE_LINE". */
    void (*usage)(FILE *fp);
    const char *usage_line;
    const char *what; /* NULL, or the subcommand's name (see above) */
    int positionals;  /* arguments follow the options (judge's samples files) */
} cli_t;

/* The next option (getopt_long's result, never 'h', ':' or '?'), or -1
 * when the options are done and no argument is left. */
int cli_next(const cli_t *cli, int argc, char **argv);

#endif
