/* TSV datasets: the three kinds load, and malformed files are refused with
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

#include "dataset.h"
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

const struct CMUnitTest dataset_tests[] = {
    cmocka_unit_test(loads_classification),
    cmocka_unit_test(loads_regression_and_trajectory),
    cmocka_unit_test(loads_density_points),
    cmocka_unit_test(refuses_malformed_files),
};
const size_t dataset_tests_count = sizeof dataset_tests / sizeof dataset_tests[0];
