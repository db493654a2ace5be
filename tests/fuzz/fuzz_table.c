/* libFuzzer: the summary and expected-numbers table reader (table_parse, the
 * in-memory path of table_read, src/lib/core/table.c), at the column limits its
 * callers use. */
#include "fuzz.h"
#include "core/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int lim[][2] = {{2, 2}, {3, 3}, {1, TABLE_MAX_COLS}};
    for (size_t k = 0; k < sizeof lim / sizeof *lim; k++) {
        err_t e = {{0}};
        table_t t;
        if (table_parse("fuzz.tsv", fuzz_text(data, size), size, lim[k][0], lim[k][1], &t,
                        &e) != 0) {
            if (memchr(data, '\0', size) && !strstr(e.msg, "NUL byte"))
                abort(); /* the NUL byte is the first thing checked */
            continue;
        }
        if (memchr(data, '\0', size))
            abort(); /* a NUL byte must never pass */
        for (int r = 0; r < t.nrows; r++) {
            if (t.rows[r].ncols < lim[k][0] || t.rows[r].ncols > lim[k][1] || t.rows[r].line < 1)
                abort();
            for (int c = 0; c < t.rows[r].ncols; c++)
                if (strlen(t.rows[r].col[c]) == 0)
                    abort();
        }
        table_free(&t);
    }
    return 0;
}
