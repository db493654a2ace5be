/* check-numbers: compares regenerated numbers against expected values.
 *
 *   check-numbers EXPECTED.tsv SUMMARY.tsv [SUMMARY.tsv ...]
 *
 * EXPECTED rows are `key value tolerance`:
 *   value      a number, checked as |measured - value| <= tolerance, where the
 *              tolerance is absolute ("0.02") or relative to |value| ("5%");
 *   >=v, <=v   a bound (a claim such as "accuracy above NODE's"); the
 *              tolerance column is then "-".
 * Summaries are `key value` rows written by the stages.  Every expected row is
 * printed with measured, expected, tolerance and verdict; a key missing from
 * all summaries fails.  The last line is "N passed, N failed"; the exit status
 * is 0 only if nothing failed.  An expected file with no rows (nothing would
 * be checked), a key listed twice in it, or a key given by two summaries (or
 * twice by one) is an error. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "util.h"

typedef struct {
    const char *key, *value, *source;
} measured_t;

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: check-numbers EXPECTED.tsv SUMMARY.tsv [SUMMARY.tsv ...]\n"
            "Compares regenerated numbers (key value rows) with expected rows\n"
            "`key value tolerance` (tolerance absolute, or relative as N%%;\n"
            "value may be a bound >=v or <=v with tolerance -).\n"
            "Prints every row and a closing `N passed, N failed` line.\n");
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc < 3) {
        usage(stderr);
        return 2;
    }
    err_t e;
    table_t expected;
    if (table_read(argv[1], 3, 3, &expected, &e) != 0)
        die("%s", e.msg);
    if (expected.nrows == 0)
        die("%s: no expected rows: nothing would be checked", argv[1]);
    for (int r = 0; r < expected.nrows; r++)
        for (int q = 0; q < r; q++)
            if (!strcmp(expected.rows[r].col[0], expected.rows[q].col[0]))
                die("%s:%d: key '%s' already expected at line %d", argv[1],
                    expected.rows[r].line, expected.rows[r].col[0], expected.rows[q].line);

    int nsum = argc - 2, nmeasured = 0, cap = 64;
    table_t *sums = xcalloc(nsum, sizeof *sums);
    measured_t *measured = xmalloc(cap * sizeof *measured);
    for (int s = 0; s < nsum; s++) {
        const char *path = argv[2 + s];
        if (table_read(path, 2, 2, &sums[s], &e) != 0)
            die("%s", e.msg);
        for (int r = 0; r < sums[s].nrows; r++) {
            const char *key = sums[s].rows[r].col[0];
            for (int m = 0; m < nmeasured; m++)
                if (!strcmp(measured[m].key, key))
                    die("%s:%d: key '%s' already given by %s", path, sums[s].rows[r].line,
                        key, measured[m].source);
            if (nmeasured == cap) {
                cap *= 2;
                measured = realloc(measured, cap * sizeof *measured);
                if (!measured)
                    die("out of memory");
            }
            measured[nmeasured++] = (measured_t){key, sums[s].rows[r].col[1], path};
        }
    }

    int passed = 0, failed = 0;
    printf("%-40s %14s %14s %10s  %s\n", "key", "measured", "expected", "tolerance", "verdict");
    for (int r = 0; r < expected.nrows; r++) {
        table_row_t *row = &expected.rows[r];
        const char *key = row->col[0], *want = row->col[1], *tol_text = row->col[2];
        const char *got = NULL;
        for (int m = 0; m < nmeasured; m++)
            if (!strcmp(measured[m].key, key))
                got = measured[m].value;

        /* Parse the expectation first: a malformed expected file is an error,
         * not a failed check. */
        int bound = 0; /* +1: >=, -1: <= */
        double want_v, tol = 0;
        const char *num = want;
        if (!strncmp(want, ">=", 2)) {
            bound = 1;
            num = want + 2;
        } else if (!strncmp(want, "<=", 2)) {
            bound = -1;
            num = want + 2;
        }
        if (parse_double(num, &want_v) != 0)
            die("%s:%d: expected value '%s' is not a number or bound", argv[1], row->line,
                want);
        if (bound) {
            if (strcmp(tol_text, "-"))
                die("%s:%d: a bound takes '-' as its tolerance, not '%s'", argv[1],
                    row->line, tol_text);
        } else {
            char buf[64];
            size_t n = strlen(tol_text);
            int relative = n > 0 && tol_text[n - 1] == '%';
            snprintf(buf, sizeof buf, "%.*s", (int)(relative ? n - 1 : n), tol_text);
            if (parse_double(buf, &tol) != 0 || tol < 0)
                die("%s:%d: tolerance '%s' is not a non-negative number or N%%", argv[1],
                    row->line, tol_text);
            if (relative)
                tol = tol / 100.0 * fabs(want_v);
        }

        const char *verdict;
        double got_v;
        if (!got) {
            verdict = "FAIL (missing)";
        } else if (parse_double(got, &got_v) != 0 || isnan(got_v)) {
            verdict = "FAIL (not a number)";
        } else if (bound == 1) {
            verdict = got_v >= want_v ? "pass" : "FAIL";
        } else if (bound == -1) {
            verdict = got_v <= want_v ? "pass" : "FAIL";
        } else {
            verdict = fabs(got_v - want_v) <= tol ? "pass" : "FAIL";
        }
        if (!strncmp(verdict, "pass", 4))
            passed++;
        else
            failed++;
        printf("%-40s %14s %14s %10s  %s\n", key, got ? got : "-", want, tol_text, verdict);
    }
    printf("%d passed, %d failed\n", passed, failed);
    for (int s = 0; s < nsum; s++)
        table_free(&sums[s]);
    free(sums);
    free(measured);
    table_free(&expected);
    return failed ? 1 : 0;
}
