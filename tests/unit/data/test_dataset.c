/* TSV datasets: the kinds (sequences included) load, and malformed files are refused with
 * the file, the line and the problem. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/dataset.h"
#include "test_util.h"

static int load_text(const char *text, dataset_t *d, err_t *e, char **path_out)
{
    char *path = temp_path("dataset");
    write_text(path, text);
    int rc = dataset_load_tsv(path, d, e);
    if (path_out)
        *path_out = path;
    else {
        unlink(path);
        free(path);
    }
    return rc;
}

static void loads_classification(void **state)
{
    (void)state;
    dataset_t d;
    err_t e = {{0}};
    if (load_text("x1\tx2\tlabel\n0.5\t-1\t1\n\n2\t3e-1\t0\n", &d, &e, NULL) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(d.kind, DATA_CLASSIFY);
    assert_int_equal(d.count, 2);
    assert_int_equal(d.n_features, 2);
    assert_int_equal(d.n_classes, 2);
    assert_true(d.x[1] == -1.0 && d.x[3] == 0.3);
    assert_int_equal(d.labels[0], 1);
    dataset_free(&d);
}

static void loads_regression_and_trajectory(void **state)
{
    (void)state;
    dataset_t d;
    err_t e = {{0}};
    if (load_text("x1 y1\n1 2\n3 4\n", &d, &e, NULL) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(d.kind, DATA_REGRESS);
    assert_true(d.y[1] == 4.0);
    dataset_free(&d);
    if (load_text("t\ty1\ty2\n0\t0\t0\n0.5\t1\t2\n", &d, &e, NULL) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(d.kind, DATA_TRAJECTORY);
    assert_int_equal(d.n_features, 0);
    assert_int_equal(d.n_targets, 2);
    assert_true(d.t[1] == 0.5 && d.y[3] == 2.0);
    dataset_free(&d);
}

/* Features alone are the points of a density (the flow's data). */
static void loads_density_points(void **state)
{
    (void)state;
    dataset_t d;
    err_t e = {{0}};
    if (load_text("x1\tx2\n0.5\t-1\n2\t3\n7\t8\n", &d, &e, NULL) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(d.kind, DATA_DENSITY);
    assert_int_equal(d.count, 3);
    assert_int_equal(d.n_features, 2);
    assert_int_equal(d.n_targets, 0);
    assert_null(d.labels);
    assert_true(d.x[1] == -1.0 && d.x[4] == 7.0);
    dataset_free(&d);
}

static void expect_refused(const char *text, const char *fragment)
{
    dataset_t d;
    err_t e = {{0}};
    char *path;
    int rc = load_text(text, &d, &e, &path);
    if (rc == 0)
        fail_msg("accepted a bad file; expected '%s'", fragment);
    if (!strstr(e.msg, fragment) || !strstr(e.msg, path))
        fail_msg("message '%s' lacks '%s' or the path", e.msg, fragment);
    unlink(path);
    free(path);
}

static void refuses_malformed_files(void **state)
{
    (void)state;
    expect_refused("", "empty file");
    expect_refused("x1\tlabel\n", "no data rows");
    expect_refused("x1\tz\n1\t2\n", "unknown column 'z'");
    expect_refused("x1\ty1\tlabel\n1\t2\t3\n", "header must be");
    expect_refused("x1\tlabel\n1\t0\n2\n", ":3: expected 2 fields, found 1");
    expect_refused("x1\tlabel\n1\t0\n2\t1\t5\n", ":3: more than the header");
    expect_refused("x1\tlabel\n1\tabc\n", ":2: column 2: 'abc' is not a number");
    expect_refused("x1\tlabel\n1\t0.5\n", "not a class index");
    expect_refused("t\ty1\n0\t1\n0\t2\n", "times must increase");
}

/* Like expect_refused, for bytes that may hold a NUL. */
static void expect_refused_bytes(const char *bytes, size_t len, const char *fragment)
{
    dataset_t d;
    err_t e = {{0}};
    char *path = temp_path("dataset");
    write_bytes(path, bytes, len);
    if (dataset_load_tsv(path, &d, &e) == 0)
        fail_msg("accepted a bad file; expected '%s'", fragment);
    if (!strstr(e.msg, fragment) || !strstr(e.msg, path))
        fail_msg("message '%s' lacks '%s' or the path", e.msg, fragment);
    unlink(path);
    free(path);
}

/* A NUL byte anywhere would end the text early: every row after it used
 * to vanish without a word. */
static void refuses_nul_bytes(void **state)
{
    (void)state;
    static const char alone[] = "x1\ty1\n1\t2\n\0\n3\t4\n5\t6\n";
    expect_refused_bytes(alone, sizeof alone - 1, ":3: NUL byte");
    static const char inside[] = "x1\ty1\n1\t2\n3\t4\n5\0\t6\n";
    expect_refused_bytes(inside, sizeof inside - 1, ":4: NUL byte");
    static const char header[] = "x1\0\ty1\n1\t2\n";
    expect_refused_bytes(header, sizeof header - 1, ":1: NUL byte");
}

/* NaN and infinities are refused in every format, naming line and column. */
static void refuses_non_finite_values(void **state)
{
    (void)state;
    expect_refused("x1\tx2\ty1\n1\t2\t3\n1\tnan\t3\n", ":3: column 2: nan is not a finite");
    expect_refused("x1\ty1\n1\tinf\n", ":2: column 2: inf is not a finite");
    expect_refused("x1\tx2\n-Infinity\t0\n", ":2: column 1: -inf is not a finite");
    expect_refused("x1\tlabel\nNaN\t0\n", ":2: column 1: nan is not a finite");
    expect_refused("t\ty1\n0\t1\n1\tinf\n", ":3: column 2: inf is not a finite");
}

/* A label's range is checked before any cast to int (a cast of 1e11 or
 * NaN to int is undefined). */
static void refuses_out_of_range_labels(void **state)
{
    (void)state;
    expect_refused("x1\tlabel\n1\t0\n\n2\t1e11\n", ":4: column 2: label 1e+11 is not a class index");
    expect_refused("x1\tlabel\n1\t-1e300\n", ":2: column 2: label -1e+300 is not a class index");
    expect_refused("label\tx1\n1000001\t1\n", ":2: column 1: label 1e+06 is not a class index");
    expect_refused("x1\tlabel\n1\t-0.5\n", "label -0.5 is not a class index");
    expect_refused("x1\tlabel\n1\tnan\n", ":2: column 2: nan is not a finite");
    dataset_t d;
    err_t e = {{0}};
    if (load_text("x1\tlabel\n1\t1000000\n", &d, &e, NULL) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(d.n_classes, 1000001);
    dataset_free(&d);
}

/* Feature and target columns are x1..xd then y1..yk, exactly and in order. */
static void refuses_misnamed_columns(void **state)
{
    (void)state;
    expect_refused("x1\tx1\ty1\n1\t2\t3\n", ":1: column 2 is 'x1' where x2 belongs");
    expect_refused("x9zzz\ty1\n1\t2\n", ":1: unknown column 'x9zzz'");
    expect_refused("x2\tx1\ty1\n1\t2\t3\n", ":1: column 1 is 'x2' where x1 belongs");
    expect_refused("x1\tx3\ty1\n1\t2\t3\n", ":1: column 2 is 'x3' where x2 belongs");
    expect_refused("x1\ty2\n1\t2\n", ":1: column 2 is 'y2' where y1 belongs");
    expect_refused("x1\ty1\ty1\n1\t2\t3\n", ":1: column 3 is 'y1' where y2 belongs");
    expect_refused("x1\ty1\tx2\n1\t2\t3\n", ":1: column 3 is 'x2' after a target column");
    expect_refused("x01\ty1\n1\t2\n", ":1: unknown column 'x01'");
    expect_refused("x1\ty99999999999\n1\t2\n", ":1: unknown column 'y99999999999'");
    expect_refused("seq\tt\ty2\tobserved\n0\t0\t0\t1\n", ":1: column 3 is 'y2' where y1");
    /* Multi-digit numbers count on from x9; label may stand anywhere. */
    dataset_t d;
    err_t e = {{0}};
    if (load_text("x1 x2 x3 x4 x5 x6 x7 x8 x9 x10 x11 label\n"
                  "1 2 3 4 5 6 7 8 9 10 11 2\n", &d, &e, NULL) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(d.n_features, 11);
    assert_true(d.x[10] == 11.0 && d.labels[0] == 2);
    dataset_free(&d);
    if (load_text("label\tx1\tx2\n1\t0.5\t0.25\n", &d, &e, NULL) != 0)
        fail_msg("%s", e.msg);
    assert_true(d.x[1] == 0.25 && d.labels[0] == 1);
    dataset_free(&d);
}

/* Two sequences: the first with a truth row and an observation at the same
 * time and one truth row after the observations (extrapolation), the second
 * with observations only; columns in a different order from gen-data's. */
static void loads_sequences(void **state)
{
    (void)state;
    dataset_t d;
    err_t e = {{0}};
    if (load_text("seq\tt\ty1\ty2\tobserved\n"
                  "0\t0\t1\t0\t0\n"
                  "0\t0\t1.1\t0.1\t1\n"
                  "0\t0.5\t0\t1\t1\n"
                  "0\t1\t-1\t0\t0\n"
                  "\n"
                  "1\t0.2\t2\t2\t1\n"
                  "1\t0.3\t3\t3\t1\n"
                  "1\t0.4\t4\t4\t1\n",
                  &d, &e, NULL) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(d.kind, DATA_SEQUENCES);
    assert_int_equal(d.count, 7);
    assert_int_equal(d.n_features, 0);
    assert_int_equal(d.n_targets, 2);
    assert_int_equal(d.n_sequences, 2);
    assert_int_equal(d.n_observed, 5);
    assert_int_equal(d.n_truth, 2);
    assert_int_equal(d.seq_start[0], 0);
    assert_int_equal(d.seq_start[1], 4);
    assert_int_equal(d.seq_start[2], 7);
    assert_int_equal(d.obs_start[1], 2);
    assert_int_equal(d.obs_start[2], 5);
    assert_int_equal(d.truth_start[1], 2);
    assert_int_equal(d.truth_start[2], 2);
    int obs[] = {1, 2, 4, 5, 6}, truth[] = {0, 3};
    for (int k = 0; k < 5; k++)
        assert_int_equal(d.obs_rows[k], obs[k]);
    for (int k = 0; k < 2; k++)
        assert_int_equal(d.truth_rows[k], truth[k]);
    assert_true(d.t[2] == 0.5 && d.y[2 * 1] == 1.1 && d.y[2 * 6 + 1] == 4.0);
    assert_null(d.x);
    assert_null(d.labels);
    dataset_free(&d);
    /* Column order is the header's: y before t, observed first. */
    if (load_text("observed y1 seq t\n1 5 0 1\n1 6 0 2\n", &d, &e, NULL) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(d.kind, DATA_SEQUENCES);
    assert_int_equal(d.n_targets, 1);
    assert_true(d.t[1] == 2.0 && d.y[1] == 6.0);
    dataset_free(&d);
}

#define SEQ_HEADER "seq\tt\ty1\ty2\tobserved\n"
#define SEQ_OK0 "0\t0\t0\t0\t1\n0\t1\t0\t0\t1\n"
#define SEQ_OK1 "1\t0\t0\t0\t1\n1\t1\t0\t0\t1\n"

static void refuses_bad_sequences(void **state)
{
    (void)state;
    /* The header: seq and observed go together, with t and y columns. */
    expect_refused("seq\tt\ty1\n0\t0\t0\n", "header must be");
    expect_refused("seq\tt\tx1\ty1\tobserved\n0\t0\t0\t0\t1\n", "header must be");
    expect_refused("seq\ty1\tobserved\n0\t0\t1\n", "header must be");
    /* Order within a sequence: decreasing, repeated, or observation-then-truth. */
    expect_refused(SEQ_HEADER "0\t0\t0\t0\t1\n0\t2\t0\t0\t1\n0\t1\t0\t0\t1\n",
                   ":4: time 1 after 2 in sequence 0");
    expect_refused(SEQ_HEADER "0\t0\t0\t0\t1\n0\t1\t0\t0\t1\n0\t1\t0\t0\t1\n",
                   ":4: repeated time 1 in sequence 0");
    expect_refused(SEQ_HEADER "0\t0\t0\t0\t1\n0\t1\t0\t0\t0\n0\t1\t0\t0\t0\n0\t2\t0\t0\t1\n",
                   ":4: repeated time 1");
    expect_refused(SEQ_HEADER "0\t0\t0\t0\t1\n0\t1\t0\t0\t1\n0\t1\t0\t0\t0\n",
                   ":4: repeated time 1");
    /* Too few observations, in the middle and at the end. */
    expect_refused(SEQ_HEADER "0\t0\t0\t0\t1\n0\t1\t0\t0\t0\n" SEQ_OK1,
                   ":3: sequence 0 has 1 observation (at least 2");
    expect_refused(SEQ_HEADER SEQ_OK0 "1\t0\t0\t0\t0\n1\t1\t0\t0\t0\n",
                   ":5: sequence 1 has 0 observations");
    /* Non-finite values, in any column. */
    expect_refused(SEQ_HEADER "0\t0\tnan\t0\t1\n0\t1\t0\t0\t1\n",
                   ":2: column 3: nan is not a finite");
    expect_refused(SEQ_HEADER "0\t0\t0\t0\t1\n0\tinf\t0\t0\t1\n",
                   ":3: column 2: inf is not a finite");
    expect_refused(SEQ_HEADER "0\t0\t0\t-Infinity\t1\n", ":2: column 4: -inf is not a finite");
    /* The number of columns. */
    expect_refused(SEQ_HEADER "0\t0\t0\t0\t1\n0\t1\t0\t0\n", ":3: expected 5 fields, found 4");
    expect_refused(SEQ_HEADER "0\t0\t0\t0\t1\t7\n", ":2: more than the header's 5 fields");
    /* Sequence indices: first not 0, a gap, going back, not an integer. */
    expect_refused(SEQ_HEADER "1\t0\t0\t0\t1\n",
                   ":2: sequence index 1 out of order (the first must be 0)");
    /* -1 first, the index before any sequence (read past the start of the
     * times once; found by fuzz-sequences). */
    expect_refused(SEQ_HEADER "-1\t0\t11\t0\t1\n",
                   ":2: sequence index -1 out of order (the first must be 0)");
    expect_refused(SEQ_HEADER SEQ_OK0 "2\t0\t0\t0\t1\n", ":4: sequence index 2 out of order");
    expect_refused(SEQ_HEADER SEQ_OK0 "1\t0\t0\t0\t1\n1\t1\t0\t0\t1\n0\t2\t0\t0\t1\n",
                   ":6: sequence index 0 out of order (after 1");
    expect_refused(SEQ_HEADER SEQ_OK0 "0.5\t2\t0\t0\t1\n", ":4: sequence index 0.5 out of order");
    /* observed must be 0 or 1. */
    expect_refused(SEQ_HEADER "0\t0\t0\t0\t1\n0\t1\t0\t0\t2\n",
                   ":3: observed must be 0 or 1, not 2");
    expect_refused(SEQ_HEADER "0\t0\t0\t0\t0.5\n", ":2: observed must be 0 or 1, not 0.5");
}

const struct CMUnitTest dataset_tests[] = {
    cmocka_unit_test(loads_classification),
    cmocka_unit_test(loads_regression_and_trajectory),
    cmocka_unit_test(loads_density_points),
    cmocka_unit_test(refuses_malformed_files),
    cmocka_unit_test(refuses_nul_bytes),
    cmocka_unit_test(refuses_non_finite_values),
    cmocka_unit_test(refuses_out_of_range_labels),
    cmocka_unit_test(refuses_misnamed_columns),
    cmocka_unit_test(loads_sequences),
    cmocka_unit_test(refuses_bad_sequences),
};
const size_t dataset_tests_count = sizeof dataset_tests / sizeof dataset_tests[0];
