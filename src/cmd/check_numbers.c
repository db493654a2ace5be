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
 * be checked), a key listed twice in it, a value or tolerance that is not a
 * finite number (inf, nan, inf%, a negative tolerance), a NUL byte in any file,
 * or a key given by two summaries (or twice by one) is an error naming the file
 * and line (the parser: src/lib/report/expected.c).  A measured inf or nan fails every
 * row, bound or tolerance, and its verdict names where it was read. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/expected.h"
#include "core/table.h"
#include "core/util.h"

typedef struct {
    const char *key, *value, *source;
    int line;
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

/* The measured values of every summary, in order; a key given twice (by
 * one summary or two) is an error naming both places.  The tables own the
 * strings. */
static measured_t *read_summaries(char **paths, int nsum, table_t *sums, int *n)
{
    err_t e;
    int nmeasured = 0, cap = 64;
    measured_t *measured = xmalloc(cap * sizeof *measured);
    for (int s = 0; s < nsum; s++) {
        const char *path = paths[s];
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
            measured[nmeasured++] =
                (measured_t){key, sums[s].rows[r].col[1], path, sums[s].rows[r].line};
        }
    }
    *n = nmeasured;
    return measured;
}

/* One expected row's verdict: "pass" or why it fails. */
static void judge(const expected_row_t *row, const measured_t *got, char *verdict, size_t size)
{
    if (!got) {
        snprintf(verdict, size, "FAIL (missing)");
        return;
    }
    switch (expected_judge(row, got->value)) {
    case EXPECT_PASS:
        snprintf(verdict, size, "pass");
        break;
    case EXPECT_FAIL:
        snprintf(verdict, size, "FAIL");
        break;
    case EXPECT_NOT_NUMBER:
        snprintf(verdict, size, "FAIL (not a number)");
        break;
    case EXPECT_NOT_FINITE:
        snprintf(verdict, size, "FAIL (not finite, %s:%d)", got->source, got->line);
        break;
    }
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
    expected_t expected;
    if (expected_read(argv[1], &expected, &e) != 0)
        die("%s", e.msg);
    int nsum = argc - 2, nmeasured;
    table_t *sums = xcalloc(nsum, sizeof *sums);
    measured_t *measured = read_summaries(argv + 2, nsum, sums, &nmeasured);

    int passed = 0, failed = 0;
    printf("%-40s %14s %14s %10s  %s\n", "key", "measured", "expected", "tolerance", "verdict");
    for (int r = 0; r < expected.n; r++) {
        const expected_row_t *row = &expected.rows[r];
        const measured_t *got = NULL;
        for (int m = 0; m < nmeasured; m++)
            if (!strcmp(measured[m].key, row->key))
                got = &measured[m];
        char verdict[4096];
        judge(row, got, verdict, sizeof verdict);
        if (!strcmp(verdict, "pass"))
            passed++;
        else
            failed++;
        printf("%-40s %14s %14s %10s  %s\n", row->key, got ? got->value : "-", row->want,
               row->tol_text, verdict);
    }
    printf("%d passed, %d failed\n", passed, failed);
    for (int s = 0; s < nsum; s++)
        table_free(&sums[s]);
    free(sums);
    free(measured);
    expected_free(&expected);
    return failed ? 1 : 0;
}
