/* gen-data: writes the pipeline's datasets and dataset summaries.
 *
 *   gen-data mnist-summary --mnist-dir DIR --summary OUT.tsv --counts OUT.tsv
 *       Loads the four idx files of an MNIST-format set, validates them, and
 *       writes their sizes, per-class label counts and pixel statistics
 *       (summary) and a `digit train test` table (counts, for the figure).
 *
 * Toy datasets (sines, circles, ...) are added by the experiments that use
 * them.  Outputs are written atomically; bad input exits non-zero with a
 * message naming the file. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "idx.h"
#include "table.h"
#include "util.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: gen-data mnist-summary --mnist-dir DIR --summary OUT.tsv "
                "--counts OUT.tsv\n");
}

static int mnist_summary(int argc, char **argv)
{
    const char *dir = NULL, *summary_path = NULL, *counts_path = NULL;
    for (int i = 0; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--mnist-dir"))
            dir = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--summary"))
            summary_path = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--counts"))
            counts_path = argv[++i];
        else
            die("mnist-summary: unknown or incomplete argument '%s'", argv[i]);
    }
    if (!dir || !summary_path || !counts_path) {
        usage(stderr);
        return 2;
    }
    err_t e;
    summary_t s;
    summary_init(&s);
    long counts[2][10] = {{0}};
    for (int train = 1; train >= 0; train--) {
        idx_images_t im;
        idx_labels_t lb;
        if (idx_load_set(dir, train, 0, &im, &lb, &e) != 0)
            die("%s", e.msg);
        const char *set = train ? "train" : "test";
        char key[64];
        snprintf(key, sizeof key, "mnist_%s_images", set);
        summary_add(&s, key, "%d", im.count);
        for (int i = 0; i < lb.count; i++)
            counts[train][lb.labels[i]]++;
        for (int d = 0; d < 10; d++) {
            snprintf(key, sizeof key, "mnist_%s_label_%d", set, d);
            summary_add(&s, key, "%ld", counts[train][d]);
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
        double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
        snprintf(key, sizeof key, "mnist_%s_pixel_mean", set);
        summary_add(&s, key, "%.4f", mean);
        snprintf(key, sizeof key, "mnist_%s_pixel_sd", set);
        summary_add(&s, key, "%.4f", sd);
        idx_free_images(&im);
        idx_free_labels(&lb);
    }
    atomic_file_t af;
    if (atomic_open(&af, counts_path, &e) != 0)
        die("%s", e.msg);
    fprintf(af.fp, "digit\ttrain\ttest\n");
    for (int d = 0; d < 10; d++)
        fprintf(af.fp, "%d\t%ld\t%ld\n", d, counts[1][d], counts[0][d]);
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    if (summary_write(&s, summary_path, &e) != 0)
        die("%s", e.msg);
    summary_free(&s);
    return 0;
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "mnist-summary"))
        return mnist_summary(argc - 2, argv + 2);
    die("unknown dataset '%s' (try --help)", argv[1]);
}
