/* gen-data mnist-summary: an MNIST-format set's sizes, label counts and pixel statistics
 * (gen_data.c's header says what it writes). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/table.h"
#include "core/util.h"
#include "data/idx.h"
#include "gen_data/gen_data.h"

const char usage_mnist[] =
    "gen-data mnist-summary --mnist-dir DIR --summary OUT.tsv --counts OUT.tsv";

/* One set's (train, or test) rows of the summary and its column of the
 * label counts (counts[train]); on an error, every output in all (2) is
 * aborted. */
static void summarise_set(const char *dir, int train, summary_t *s, long counts[2][10],
                          atomic_file_t *const *all)
{
    err_t e;
    idx_images_t im;
    idx_labels_t lb;
    if (idx_load_set(dir, train, 0, &im, &lb, &e) != 0) {
        atomic_abort(all[0]);
        atomic_abort(all[1]);
        die("%s", e.msg);
    }
    const char *set = train ? "train" : "test";
    char key[64];
    snprintf(key, sizeof key, "mnist_%s_images", set);
    summary_add(s, key, "%d", im.count);
    for (int i = 0; i < lb.count; i++)
        counts[train][lb.labels[i]]++;
    for (int d = 0; d < 10; d++) {
        snprintf(key, sizeof key, "mnist_%s_label_%d", set, d);
        summary_add(s, key, "%ld", counts[train][d]);
    }
    /* Pixel mean and standard deviation over the whole set: a check that
     * the scaling to [0, 1] is the conventional one (0.1307 / 0.3081 for
     * the training images). */
    double sum = 0, sum2 = 0;
    size_t n = (size_t)im.count * im.rows * im.cols;
    for (size_t i = 0; i < n; i++) {
        sum += im.pixels[i];
        sum2 += im.pixels[i] * im.pixels[i];
    }
    /* The variance, rounded below 0 for a constant image set, is 0. */
    double mean = sum / n, var = sum2 / n - mean * mean, sd = sqrt(var > 0 ? var : 0.0);
    check_finite("mnist-summary", all, 2, mean, "the pixel mean");
    check_finite("mnist-summary", all, 2, sd, "the pixel sd");
    snprintf(key, sizeof key, "mnist_%s_pixel_mean", set);
    summary_add(s, key, "%.4f", mean);
    snprintf(key, sizeof key, "mnist_%s_pixel_sd", set);
    summary_add(s, key, "%.4f", sd);
    idx_free_images(&im);
    idx_free_labels(&lb);
}

int mnist_summary(int argc, char **argv)
{
    const char *dir = NULL, *summary_path = NULL, *counts_path = NULL;
    static const struct option longopts[] = {
        {"mnist-dir", required_argument, NULL, OPT_MNIST_DIR},
        {"summary", required_argument, NULL, OPT_SUMMARY},
        {"counts", required_argument, NULL, OPT_COUNTS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = next_option("mnist-summary", usage_mnist, argc, argv, longopts)) != -1) {
        if (c == OPT_MNIST_DIR)
            dir = optarg;
        else if (c == OPT_SUMMARY)
            summary_path = optarg;
        else if (c == OPT_COUNTS)
            counts_path = optarg;
    }
    if (!dir || !summary_path || !counts_path) {
        fprintf(stderr, "%s: mnist-summary: --mnist-dir, --summary and --counts are required\n",
                progname());
        usage(stderr);
        return 2;
    }
    check_paths("mnist-summary", "--mnist-dir", dir, "--summary", summary_path, "--counts",
                counts_path);
    err_t e;
    /* Both outputs opened before the work (an unwritable destination fails
     * first) and committed together at the end, or neither. */
    atomic_file_t af_summary = {0}, af_counts = {0};
    atomic_file_t *const all[] = {&af_summary, &af_counts};
    if (atomic_open(&af_summary, summary_path, &e) != 0)
        die("%s", e.msg);
    if (atomic_open(&af_counts, counts_path, &e) != 0) {
        atomic_abort(&af_summary);
        die("%s", e.msg);
    }
    summary_t s;
    summary_init(&s);
    long counts[2][10] = {{0}};
    for (int train = 1; train >= 0; train--)
        summarise_set(dir, train, &s, counts, all);
    fprintf(af_counts.fp, "digit\ttrain\ttest\n");
    for (int d = 0; d < 10; d++)
        fprintf(af_counts.fp, "%d\t%ld\t%ld\n", d, counts[1][d], counts[0][d]);
    summary_print(&s, af_summary.fp);
    summary_free(&s);
    if (atomic_commit_all(all, 2, &e) != 0)
        die("%s", e.msg);
    return 0;
}
