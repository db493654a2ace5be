#define _POSIX_C_SOURCE 200809L
#include "report/expected.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A number that check-numbers can compare against: parsed whole and finite. */
static int finite_number(const char *s, double *v)
{
    return parse_double(s, v) == 0 && isfinite(*v) ? 0 : -1;
}

static int by_key_line(const void *a, const void *b)
{
    const expected_row_t *x = *(const expected_row_t *const *)a,
                         *y = *(const expected_row_t *const *)b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* A key listed twice: names the earliest line that repeats a key, and where
 * that key was first expected. */
static int refuse_twice(const char *path, const expected_t *x, err_t *e)
{
    const expected_row_t **sorted = xmalloc((size_t)x->n * sizeof *sorted);
    for (int i = 0; i < x->n; i++)
        sorted[i] = &x->rows[i];
    qsort(sorted, (size_t)x->n, sizeof *sorted, by_key_line);
    const expected_row_t *first = NULL, *again = NULL;
    for (int i = 1; i < x->n; i++)
        if (!strcmp(sorted[i - 1]->key, sorted[i]->key)) {
            int g = i - 1; /* the group's first row */
            while (g > 0 && !strcmp(sorted[g - 1]->key, sorted[i]->key))
                g--;
            if (g == i - 1 && (!again || sorted[i]->line < again->line)) {
                first = sorted[g];
                again = sorted[i];
            }
        }
    free(sorted);
    if (again)
        return err_set(e, "%s:%d: key '%s' already expected at line %d", path, again->line,
                       again->key, first->line);
    return 0;
}

static int parse_row(const char *path, const table_row_t *tr, expected_row_t *r, err_t *e)
{
    *r = (expected_row_t){.line = tr->line, .key = tr->col[0], .want = tr->col[1],
                          .tol_text = tr->col[2]};
    const char *num = r->want;
    if (!strncmp(num, ">=", 2)) {
        r->bound = 1;
        num += 2;
    } else if (!strncmp(num, "<=", 2)) {
        r->bound = -1;
        num += 2;
    }
    if (finite_number(num, &r->value) != 0)
        return err_set(e, "%s:%d: expected value '%s' is not a finite number or bound", path,
                       r->line, r->want);
    if (r->bound) {
        if (strcmp(r->tol_text, "-"))
            return err_set(e, "%s:%d: a bound takes '-' as its tolerance, not '%s'", path,
                           r->line, r->tol_text);
        return 0;
    }
    size_t n = strlen(r->tol_text);
    int relative = n > 0 && r->tol_text[n - 1] == '%';
    char *digits = strndup(r->tol_text, relative ? n - 1 : n);
    if (!digits)
        die("out of memory");
    int bad = finite_number(digits, &r->tol) != 0 || !(r->tol >= 0);
    free(digits);
    if (!bad && relative)
        r->tol = r->tol / 100.0 * fabs(r->value);
    if (bad || !isfinite(r->tol))
        return err_set(e, "%s:%d: tolerance '%s' is not a finite non-negative number or N%%",
                       path, r->line, r->tol_text);
    return 0;
}

int expected_parse(const char *path, char *text, size_t len, expected_t *x, err_t *e)
{
    memset(x, 0, sizeof *x);
    if (table_parse(path, text, len, 3, 3, &x->table, e) != 0)
        return -1;
    if (x->table.nrows == 0) {
        expected_free(x);
        return err_set(e, "%s: no expected rows: nothing would be checked", path);
    }
    x->rows = xmalloc((size_t)x->table.nrows * sizeof *x->rows);
    x->n = x->table.nrows;
    for (int r = 0; r < x->n; r++)
        x->rows[r] = (expected_row_t){.line = x->table.rows[r].line,
                                      .key = x->table.rows[r].col[0]};
    if (refuse_twice(path, x, e) != 0) {
        expected_free(x);
        return -1;
    }
    for (int r = 0; r < x->n; r++)
        if (parse_row(path, &x->table.rows[r], &x->rows[r], e) != 0) {
            expected_free(x);
            return -1;
        }
    return 0;
}

int expected_read(const char *path, expected_t *x, err_t *e)
{
    memset(x, 0, sizeof *x);
    char *text;
    size_t len;
    if (read_file(path, &text, &len, e) != 0)
        return -1;
    return expected_parse(path, text, len, x, e);
}

void expected_free(expected_t *x)
{
    table_free(&x->table);
    free(x->rows);
    memset(x, 0, sizeof *x);
}

expect_verdict_t expected_judge(const expected_row_t *row, const char *measured)
{
    double got;
    if (parse_double(measured, &got) != 0)
        return EXPECT_NOT_NUMBER;
    if (!isfinite(got))
        return EXPECT_NOT_FINITE;
    int ok = row->bound == 1    ? got >= row->value
             : row->bound == -1 ? got <= row->value
                                : fabs(got - row->value) <= row->tol;
    return ok ? EXPECT_PASS : EXPECT_FAIL;
}
