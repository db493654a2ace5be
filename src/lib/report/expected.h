/* Expected numbers (tests/expected/PROFILE.tsv), the rows check-numbers
 * compares regenerated numbers with: `key value tolerance`, where
 *   value      a finite number, checked as |measured - value| <= tolerance,
 *              the tolerance absolute ("0.02") or relative to |value| ("5%"),
 *              finite and >= 0;
 *   >=v, <=v   a bound, with '-' as its tolerance.
 * '#' starts a comment (core/table.h).  A file with no rows, a key listed twice,
 * a NUL byte, or a value or tolerance that is not a finite number (inf, nan,
 * inf%, a negative one) is an error naming the file and line. */
#ifndef NODE_REPORT_EXPECTED_H
#define NODE_REPORT_EXPECTED_H

#include "core/table.h"
#include "core/util.h"

typedef struct {
    int line;
    const char *key, *want, *tol_text; /* the fields as written */
    int bound;                         /* +1: >=, -1: <=, 0: value +/- tolerance */
    double value;                      /* finite */
    double tol;                        /* absolute (a relative one resolved), finite, >= 0;
                                          0 for a bound */
} expected_row_t;

typedef struct {
    table_t table; /* owns the text the rows point into */
    int n;
    expected_row_t *rows; /* (n) in file order */
} expected_t;

int expected_read(const char *path, expected_t *x, err_t *e);
/* The same from text in memory (len bytes, text[len] == '\0'), named path in
 * messages; x takes ownership of text (freed by expected_free, or on error). */
int expected_parse(const char *path, char *text, size_t len, expected_t *x, err_t *e);
void expected_free(expected_t *x);

typedef enum {
    EXPECT_PASS,
    EXPECT_FAIL,       /* a finite number outside the bound or tolerance */
    EXPECT_NOT_NUMBER, /* the measured text is not a number */
    EXPECT_NOT_FINITE  /* inf or nan: fails every row, whatever its bound or tolerance */
} expect_verdict_t;

/* The verdict of a measured value (its text, as a summary gives it). */
expect_verdict_t expected_judge(const expected_row_t *row, const char *measured);

#endif
