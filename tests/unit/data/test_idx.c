/* The idx reader on the real MNIST files, on small synthetic sets and on
 * corrupt synthetic files. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/idx.h"
#include "test_util.h"

/* Per-class counts as published with the dataset (LeCun, Cortes, Burges). */
static const int train_counts[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
static const int test_counts[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};

static void check_set(int train, int expect_n, const int *expect_counts)
{
    idx_images_t im;
    idx_labels_t lb;
    err_t e = {{0}};
    int rc = idx_load_set(mnist_dir(), train, 0, &im, &lb, &e);
    if (rc != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(im.count, expect_n);
    assert_int_equal(lb.count, expect_n);
    assert_int_equal(im.rows, 28);
    assert_int_equal(im.cols, 28);
    int counts[10] = {0};
    for (int i = 0; i < lb.count; i++)
        counts[lb.labels[i]]++;
    for (int d = 0; d < 10; d++)
        assert_int_equal(counts[d], expect_counts[d]);
    double lo = 1, hi = 0;
    for (size_t i = 0; i < (size_t)im.count * 784; i++) {
        if (im.pixels[i] < lo) lo = im.pixels[i];
        if (im.pixels[i] > hi) hi = im.pixels[i];
    }
    assert_true(lo == 0.0 && hi == 1.0); /* scaled to [0, 1], both ends used */
    idx_free_images(&im);
    idx_free_labels(&lb);
}

static void real_train_set(void **state)
{
    (void)state;
    check_set(1, 60000, train_counts);
}

static void real_test_set(void **state)
{
    (void)state;
    check_set(0, 10000, test_counts);
    /* The first test image is a 7, the first training image a 5. */
    idx_labels_t lb;
    err_t e;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", mnist_dir(), IDX_TEST_LABELS);
    assert_int_equal(idx_load_labels(path, 1, &lb, &e), 0);
    assert_int_equal(lb.count, 1);
    assert_int_equal(lb.labels[0], 7);
    idx_free_labels(&lb);
}

static void max_count_limits_load(void **state)
{
    (void)state;
    idx_images_t im;
    idx_labels_t lb;
    err_t e;
    assert_int_equal(idx_load_set(mnist_dir(), 1, 1000, &im, &lb, &e), 0);
    assert_int_equal(im.count, 1000);
    assert_int_equal(lb.count, 1000);
    assert_int_equal(lb.labels[0], 5);
    idx_free_images(&im);
    idx_free_labels(&lb);
}

/* Small synthetic idx files, written by the tests (the corruption tests
 * need not copy the 50 MB MNIST files). */
static void put_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* n images of rows x cols (pixel i of the file is (7 i) mod 256), malloc'd. */
static unsigned char *idx_images_bytes(uint32_t n, uint32_t rows, uint32_t cols, size_t *len)
{
    *len = 16 + (size_t)n * rows * cols;
    unsigned char *b = malloc(*len);
    put_be32(b, 0x803);
    put_be32(b + 4, n);
    put_be32(b + 8, rows);
    put_be32(b + 12, cols);
    for (size_t i = 16; i < *len; i++)
        b[i] = (unsigned char)((i - 16) * 7 % 256);
    return b;
}

/* n labels, item i labelled i mod 10, malloc'd. */
static unsigned char *idx_labels_bytes(uint32_t n, size_t *len)
{
    *len = 8 + (size_t)n;
    unsigned char *b = malloc(*len);
    put_be32(b, 0x801);
    put_be32(b + 4, n);
    for (size_t i = 8; i < *len; i++)
        b[i] = (unsigned char)((i - 8) % 10);
    return b;
}

/* A fresh directory holding a train set of n_images images (rows x cols)
 * and n_labels labels; caller removes it (remove_set) and frees. */
static char *write_set(uint32_t n_images, uint32_t rows, uint32_t cols, uint32_t n_labels)
{
    char *dir = temp_path("idxset");
    unlink(dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    char path[4096];
    size_t len;
    unsigned char *b = idx_images_bytes(n_images, rows, cols, &len);
    snprintf(path, sizeof path, "%s/%s", dir, IDX_TRAIN_IMAGES);
    write_bytes(path, b, len);
    free(b);
    b = idx_labels_bytes(n_labels, &len);
    snprintf(path, sizeof path, "%s/%s", dir, IDX_TRAIN_LABELS);
    write_bytes(path, b, len);
    free(b);
    return dir;
}

static void remove_set(char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, IDX_TRAIN_IMAGES);
    unlink(path);
    snprintf(path, sizeof path, "%s/%s", dir, IDX_TRAIN_LABELS);
    unlink(path);
    rmdir(dir);
    free(dir);
}

static void synthetic_set_loads(void **state)
{
    (void)state;
    char *dir = write_set(16, 3, 5, 16);
    idx_images_t im;
    idx_labels_t lb;
    err_t e = {{0}};
    if (idx_load_set(dir, 1, 8, &im, &lb, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(im.count, 8);
    assert_int_equal(lb.count, 8);
    assert_int_equal(im.rows, 3);
    assert_int_equal(im.cols, 5);
    assert_true(im.pixels[1] == 7 / 255.0 && im.pixels[8 * 15 - 1] == (119 * 7 % 256) / 255.0);
    assert_int_equal(lb.labels[7], 7);
    idx_free_images(&im);
    idx_free_labels(&lb);
    remove_set(dir);
}

/* The headers' counts are compared before the load truncates to the count
 * asked for: 17 labels for 16 images is refused even when 8 are wanted. */
static void refuses_count_mismatch_before_truncating(void **state)
{
    (void)state;
    int wants[] = {8, 16, 0};
    for (int k = 0; k < 3; k++) {
        char *dir = write_set(16, 28, 28, 17);
        idx_images_t im;
        idx_labels_t lb;
        err_t e = {{0}};
        assert_int_equal(idx_load_set(dir, 1, wants[k], &im, &lb, &e), -1);
        assert_null(im.pixels);
        assert_null(lb.labels);
        assert_non_null(strstr(e.msg, dir));
        if (!strstr(e.msg, "16 images") || !strstr(e.msg, "17 labels"))
            fail_msg("message '%s' lacks the two counts", e.msg);
        remove_set(dir);
    }
    char *dir = write_set(9, 28, 28, 8); /* fewer labels than images, too */
    idx_images_t im;
    idx_labels_t lb;
    err_t e = {{0}};
    assert_int_equal(idx_load_set(dir, 1, 4, &im, &lb, &e), -1);
    assert_non_null(strstr(e.msg, "9 images"));
    remove_set(dir);
}

/* Writes a synthetic idx file (labels: 30 items; images: 3 of 28 x 28)
 * with a modification and expects the reader to refuse it with a message
 * naming the file and containing `expect`. */
typedef void (*mutate_fn)(unsigned char **buf, size_t *len);

static void refuse_copy(const char *name, mutate_fn mutate, int images, const char *expect)
{
    size_t len;
    err_t e;
    unsigned char *buf = strstr(name, "labels") ? idx_labels_bytes(30, &len)
                                                : idx_images_bytes(3, 28, 28, &len);
    mutate(&buf, &len);
    char *path = temp_path("idx");
    write_bytes(path, buf, len);
    free(buf);
    int rc;
    if (images) {
        idx_images_t im;
        rc = idx_load_images(path, 0, &im, &e);
        assert_null(im.pixels);
    } else {
        idx_labels_t lb;
        rc = idx_load_labels(path, 0, &lb, &e);
        assert_null(lb.labels);
    }
    assert_int_equal(rc, -1);
    assert_non_null(strstr(e.msg, path));     /* names the file */
    if (!strstr(e.msg, expect))
        fail_msg("message '%s' lacks '%s'", e.msg, expect);
    unlink(path);
    free(path);
}

static void flip_magic(unsigned char **b, size_t *n) { (void)n; (*b)[3] ^= 0x02; }
static void truncate_half(unsigned char **b, size_t *n) { (void)b; *n /= 2; }
static void truncate_header(unsigned char **b, size_t *n) { (void)b; *n = 6; }
static void count_plus_one(unsigned char **b, size_t *n) { (void)n; (*b)[7] += 1; }
static void append_byte(unsigned char **b, size_t *n)
{
    *b = realloc(*b, *n + 1);
    (*b)[(*n)++] = 0;
}
static void label_out_of_range(unsigned char **b, size_t *n) { (void)n; (*b)[8 + 17] = 12; }

static void refuses_wrong_magic(void **s) { (void)s; refuse_copy(IDX_TEST_LABELS, flip_magic, 0, "bad magic"); }
static void refuses_truncated(void **s) { (void)s; refuse_copy(IDX_TEST_LABELS, truncate_half, 0, "truncated"); }
static void refuses_truncated_header(void **s) { (void)s; refuse_copy(IDX_TEST_LABELS, truncate_header, 0, "truncated header"); }
static void refuses_size_mismatch(void **s) { (void)s; refuse_copy(IDX_TEST_LABELS, count_plus_one, 0, "header promises"); }
static void refuses_trailing_data(void **s) { (void)s; refuse_copy(IDX_TEST_LABELS, append_byte, 0, "trailing data"); }
static void refuses_bad_label(void **s) { (void)s; refuse_copy(IDX_TEST_LABELS, label_out_of_range, 0, "outside 0..9"); }
static void refuses_labels_as_images(void **s) { (void)s; refuse_copy(IDX_TEST_LABELS, truncate_half, 1, "bad magic"); }
static void refuses_truncated_images(void **s) { (void)s; refuse_copy(IDX_TEST_IMAGES, truncate_half, 1, "truncated"); }

static void refuses_missing_file(void **state)
{
    (void)state;
    idx_labels_t lb;
    err_t e;
    assert_int_equal(idx_load_labels("/nonexistent/labels", 0, &lb, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent/labels"));
}

const struct CMUnitTest idx_tests[] = {
    cmocka_unit_test(real_train_set),
    cmocka_unit_test(real_test_set),
    cmocka_unit_test(max_count_limits_load),
    cmocka_unit_test(synthetic_set_loads),
    cmocka_unit_test(refuses_count_mismatch_before_truncating),
    cmocka_unit_test(refuses_wrong_magic),
    cmocka_unit_test(refuses_truncated),
    cmocka_unit_test(refuses_truncated_header),
    cmocka_unit_test(refuses_size_mismatch),
    cmocka_unit_test(refuses_trailing_data),
    cmocka_unit_test(refuses_bad_label),
    cmocka_unit_test(refuses_labels_as_images),
    cmocka_unit_test(refuses_truncated_images),
    cmocka_unit_test(refuses_missing_file),
};
const size_t idx_tests_count = sizeof idx_tests / sizeof idx_tests[0];
