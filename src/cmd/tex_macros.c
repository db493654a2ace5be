/* tex-macros: turns summary files (`key value` rows) into LaTeX macros, so
 * that the paper shows regenerated numbers and never a typed one.
 *
 *   tex-macros OUT.tex SUMMARY.tsv [SUMMARY.tsv ...]
 *
 * A key such as circles_acc_p10 becomes \circlesAccPOneZero: underscores start
 * a capitalised word and digits are spelled out, because TeX control words
 * are letters only.  Two keys that give one macro name (k9 and k_9, a_b and
 * aB, or a key repeated in one file or across files) are refused, naming both
 * keys and where they are, and nothing is written.  Fractional values are
 * rounded to 4 significant digits (write_value).
 *
 * A value is a finite number in plain decimal notation, or plain text: letters,
 * digits and - + . , : ; / ( ) = * @ ! ?, with _ % & # $ escaped.  Anything
 * else (inf, nan, 0x10, 1^2, a backslash, a brace, a control character, a
 * non-ASCII byte) is refused with its file and line, and nothing is written.
 * Refused, not escaped: the pipeline's own summaries never hold such a value,
 * so one means a broken or hostile summary, and a macro that quietly typesets
 * it would hide that; refusing also leaves nothing in the value that TeX could
 * read as code (\input, a closing brace).  A NUL byte in a summary is an error
 * naming its line (core/table.h). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/table.h"
#include "core/util.h"

/* A macro written so far: its name and where its key came from. */
typedef struct {
    char name[256];
    const char *key, *file;
    int line;
} macro_t;

static void macro_name(const char *key, char *out, size_t cap)
{
    static const char *digit[] = {"Zero", "One", "Two", "Three", "Four",
                                  "Five", "Six", "Seven", "Eight", "Nine"};
    size_t n = 0;
    int upper = 0;
    for (const char *c = key; *c && n + 8 < cap; c++) {
        if (*c == '_') {
            upper = 1;
        } else if (isdigit((unsigned char)*c)) {
            n += (size_t)snprintf(out + n, cap - n, "%s", digit[*c - '0']);
            upper = 1;
        } else {
            out[n++] = upper ? (char)toupper((unsigned char)*c) : *c;
            upper = 0;
        }
    }
    out[n] = '\0';
}

/* A number in plain decimal notation: [+-]digits[.digits][e[+-]digits] (or
 * .digits); no inf, nan, hex or other form strtod would accept. */
static int is_decimal(const char *v)
{
    const char *c = v + (*v == '+' || *v == '-');
    size_t before = strspn(c, "0123456789");
    c += before;
    size_t after = 0;
    if (*c == '.') {
        after = strspn(c + 1, "0123456789");
        c += 1 + after;
    }
    if (before + after == 0)
        return 0;
    if (*c == 'e' || *c == 'E') {
        c++;
        c += *c == '+' || *c == '-';
        size_t exp = strspn(c, "0123456789");
        if (!exp)
            return 0;
        c += exp;
    }
    return *c == '\0';
}

/* Checks a value (see the top of this file); a message for err_set if refused. */
static int check_value(const char *v, char *why, size_t cap)
{
    double x;
    if (parse_double(v, &x) == 0 || is_decimal(v)) {
        if (is_decimal(v) && parse_double(v, &x) == 0 && isfinite(x))
            return 0;
        snprintf(why, cap, "value '%s' is not a finite number in decimal notation", v);
        return -1;
    }
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (!isalnum(*c) && !strchr("-+.,:;/()=*@!?_%&#$", *c)) {
            if (*c < 0x20 || *c >= 0x7f)
                snprintf(why, cap, "value holds the byte 0x%02x: not plain text", *c);
            else
                snprintf(why, cap, "value '%s' holds '%c': not plain text (letters, digits, "
                                   "- + . , : ; / ( ) = * @ ! ? _ %% & # $)", v, *c);
            return -1;
        }
    return 0;
}

/* A fractional number (digits with a '.' or an exponent) is printed with
 * at most 4 significant digits (0.4072671272 -> 0.4073), unless that would
 * need an exponent; integers and words are written as they are.  Summaries
 * keep every digit; the paper shows what a reader can use.  Otherwise the
 * few characters a number-like value may carry are escaped. */
static void write_value(FILE *fp, const char *v)
{
    double x;
    if ((strchr(v, '.') || strchr(v, 'e') || strchr(v, 'E')) && parse_double(v, &x) == 0 &&
        isfinite(x)) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.4g", x);
        if (!strchr(buf, 'e') && strlen(buf) < strlen(v)) {
            fputs(buf, fp);
            return;
        }
    }
    for (const char *c = v; *c; c++) {
        if (strchr("%&#_$", *c))
            fputc('\\', fp);
        fputc(*c, fp);
    }
}

/* The macros written so far. */
typedef struct {
    macro_t *v;
    int n, cap;
} macros_t;

/* One summary's rows as macros, after "% from PATH"; dies (aborting af)
 * on an invalid key, a refused value or a macro name given before. */
static void write_table(atomic_file_t *af, const char *path, const table_t *t, macros_t *ms)
{
    fprintf(af->fp, "%% from %s\n", path);
    for (int r = 0; r < t->nrows; r++) {
        const char *key = t->rows[r].col[0], *value = t->rows[r].col[1];
        int line = t->rows[r].line;
        char name[256];
        if (!key_is_valid(key)) {
            atomic_abort(af);
            die("%s:%d: invalid key '%s'", path, line, key);
        }
        char why[512];
        if (check_value(value, why, sizeof why) != 0) {
            atomic_abort(af);
            die("%s:%d: key '%s': %s", path, line, key, why);
        }
        macro_name(key, name, sizeof name);
        for (int m = 0; m < ms->n; m++)
            if (!strcmp(ms->v[m].name, name)) {
                atomic_abort(af);
                die("%s:%d: key '%s' gives the macro \\%s, as does key '%s' at %s:%d", path,
                    line, key, name, ms->v[m].key, ms->v[m].file, ms->v[m].line);
            }
        if (ms->n == ms->cap) {
            ms->cap *= 2;
            macro_t *grown = realloc(ms->v, (size_t)ms->cap * sizeof *ms->v);
            if (!grown)
                die("out of memory");
            ms->v = grown;
        }
        macro_t *mac = &ms->v[ms->n++];
        *mac = (macro_t){.key = key, .file = path, .line = line};
        snprintf(mac->name, sizeof mac->name, "%s", name);
        fprintf(af->fp, "\\newcommand{\\%s}{", name);
        write_value(af->fp, value);
        fprintf(af->fp, "}\n");
    }
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: tex-macros OUT.tex SUMMARY.tsv [SUMMARY.tsv ...]\n"
               "Writes one \\newcommand per `key value` row of the summaries.\n");
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: tex-macros OUT.tex SUMMARY.tsv [SUMMARY.tsv ...]\n");
        return 2;
    }
    err_t e;
    io_path_t *in = xcalloc((size_t)(argc - 2), sizeof *in);
    for (int s = 2; s < argc; s++)
        in[s - 2] = (io_path_t){"summary", argv[s]};
    const io_path_t out[] = {{"OUT.tex", argv[1]}};
    if (check_io_paths(in, (size_t)(argc - 2), out, 1, &e) != 0)
        die("%s", e.msg);
    free(in);
    atomic_file_t af;
    if (atomic_open(&af, argv[1], &e) != 0)
        die("%s", e.msg);
    fprintf(af.fp, "%% Generated by tex-macros from the pipeline's summaries: do not edit.\n");
    int nt = argc - 2;
    table_t *tables = xcalloc((size_t)nt, sizeof *tables);
    macros_t ms = {.cap = 64};
    ms.v = xmalloc((size_t)ms.cap * sizeof *ms.v);
    for (int s = 2; s < argc; s++) {
        if (table_read(argv[s], 2, 2, &tables[s - 2], &e) != 0) {
            atomic_abort(&af);
            die("%s", e.msg);
        }
        write_table(&af, argv[s], &tables[s - 2], &ms);
    }
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    for (int s = 0; s < nt; s++)
        table_free(&tables[s]);
    free(tables);
    free(ms.v);
    return 0;
}
