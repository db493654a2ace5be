/* libFuzzer: the expected-numbers reader of check-numbers (expected_parse, the
 * in-memory path of expected_read, src/lib/report/expected.c) and its verdicts: a
 * parsed row's value and tolerance are finite (the tolerance >= 0), and a
 * measured inf or nan passes no row. */
#include <math.h>

#include "report/expected.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err_t e = {{0}};
    expected_t x;
    if (expected_parse("fuzz.tsv", fuzz_text(data, size), size, &x, &e) != 0) {
        if (memchr(data, '\0', size) && !strstr(e.msg, "NUL byte"))
            abort(); /* the NUL byte is the first thing checked */
        return 0;
    }
    if (memchr(data, '\0', size) || x.n < 1)
        abort();
    static const char *const measured[] = {"0", "1", "-1e308", "1e308", "inf", "-inf",
                                           "nan", "x", "1e999"};
    for (int r = 0; r < x.n; r++) {
        const expected_row_t *row = &x.rows[r];
        if (!isfinite(row->value) || !isfinite(row->tol) || !(row->tol >= 0) ||
            (row->bound && row->tol != 0) || row->line < 1)
            abort();
        for (int q = 0; q < r; q++)
            if (!strcmp(x.rows[q].key, row->key))
                abort(); /* a key twice must be refused */
        for (size_t m = 0; m < sizeof measured / sizeof *measured; m++) {
            expect_verdict_t v = expected_judge(row, measured[m]);
            int non_finite = m >= 4 && m <= 6;
            if (non_finite && v != EXPECT_NOT_FINITE)
                abort();
            if (m == 7 && v != EXPECT_NOT_NUMBER)
                abort();
        }
        expected_judge(row, row->want); /* the expected text itself */
    }
    expected_free(&x);
    return 0;
}
