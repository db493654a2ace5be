/* gen-data: writes the pipeline's datasets and dataset summaries.
 *
 *   gen-data mnist-summary --mnist-dir DIR --summary OUT.tsv --counts OUT.tsv
 *       Loads the four idx files of an MNIST-format set, validates them, and
 *       writes their sizes, per-class label counts and pixel statistics
 *       (summary) and a `digit train test` table (counts, for the figure).
 *
 *   gen-data sines --function sin|sin_plus_x --points N --noise SIGMA --seed S --out F
 *                  [--format map|trajectory]
 *       Report 000's time series: x_i equally spaced on [0, 2 pi], y = sin x
 *       (or sin x + x) plus Gaussian noise.  map (default): columns x1 y1,
 *       a regression of y on x through the flow; trajectory: columns
 *       t y1 y2 = x_i / (2 pi), x_i, y_i, one path of the state through the
 *       plane.
 *
 *   gen-data circles --points N --seed S --out F
 *       Nested circles: half the points uniform (by area) in the disc r <= 1
 *       with target +1, half uniform in the annulus 2 <= r <= 3 with target
 *       -1, in random order; columns x1 x2 y1.
 *
 * Outputs are written atomically; bad input exits non-zero with a message
 * naming the argument or file. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idx.h"
#include "rng.h"
#include "table.h"
#include "util.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: gen-data mnist-summary --mnist-dir DIR --summary OUT.tsv "
                "--counts OUT.tsv\n"
                "       gen-data sines --function sin|sin_plus_x --points N --noise SIGMA "
                "--seed S --out F.tsv [--format map|trajectory]\n"
                "       gen-data circles --points N --seed S --out F.tsv\n");
}

/* Options shared by the toy sets. */
typedef struct {
    const char *function, *out;
    long points, seed;
    double noise;
    int has_points, has_seed, has_noise;
} toy_opts_t;

static void parse_toy(const char *what, int argc, char **argv, toy_opts_t *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            die("%s: %s needs a value", what, a);
        i++;
        if (!strcmp(a, "--function"))
            o->function = v;
        else if (!strcmp(a, "--out"))
            o->out = v;
        else if (!strcmp(a, "--points")) {
            if (parse_long(v, &o->points) != 0 || o->points < 2 || o->points > 100000000)
                die("%s: --points: '%s' is not an integer in [2, 1e8]", what, v);
            o->has_points = 1;
        } else if (!strcmp(a, "--seed")) {
            if (parse_long(v, &o->seed) != 0 || o->seed < 0)
                die("%s: --seed: '%s' is not a non-negative integer", what, v);
            o->has_seed = 1;
        } else if (!strcmp(a, "--noise")) {
            if (parse_double(v, &o->noise) != 0 || o->noise < 0)
                die("%s: --noise: '%s' is not a non-negative number", what, v);
            o->has_noise = 1;
        } else
            die("%s: unknown argument '%s'", what, a);
    }
    if (!o->out || !o->has_points || !o->has_seed)
        die("%s: --points, --seed and --out are required (see --help)", what);
}

static int sines(int argc, char **argv)
{
    /* --format map (default): x1 y1, the flow maps x to y;
     * --format trajectory: t y1 y2, the state's path through (x, y). */
    int map = 1;
    char **rest = xmalloc((size_t)(argc + 1) * sizeof *rest);
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            if (!strcmp(argv[i + 1], "map"))
                map = 1;
            else if (!strcmp(argv[i + 1], "trajectory"))
                map = 0;
            else
                die("sines: --format: '%s' is neither map nor trajectory", argv[i + 1]);
            i++;
        } else
            rest[nrest++] = argv[i];
    }
    toy_opts_t o;
    parse_toy("sines", nrest, rest, &o);
    free(rest);
    if (!o.function || !o.has_noise)
        die("sines: --function and --noise are required");
    int plus_x;
    if (!strcmp(o.function, "sin"))
        plus_x = 0;
    else if (!strcmp(o.function, "sin_plus_x"))
        plus_x = 1;
    else
        die("sines: --function: '%s' is neither sin nor sin_plus_x", o.function);
    rng_t rng;
    rng_seed(&rng, (uint64_t)o.seed);
    const double two_pi = 6.283185307179586476925;
    atomic_file_t af;
    err_t e;
    if (atomic_open(&af, o.out, &e) != 0)
        die("%s", e.msg);
    fprintf(af.fp, map ? "x1\ty1\n" : "t\ty1\ty2\n");
    for (long i = 0; i < o.points; i++) {
        double x = two_pi * (double)i / (double)(o.points - 1);
        double y = sin(x) + (plus_x ? x : 0.0) + o.noise * rng_normal(&rng);
        if (map)
            fprintf(af.fp, "%.17g\t%.17g\n", x, y);
        else
            fprintf(af.fp, "%.17g\t%.17g\t%.17g\n", x / two_pi, x, y);
    }
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    return 0;
}

static int circles(int argc, char **argv)
{
    toy_opts_t o;
    parse_toy("circles", argc, argv, &o);
    if (o.function || o.has_noise)
        die("circles: takes no --function or --noise");
    rng_t rng;
    rng_seed(&rng, (uint64_t)o.seed);
    const double two_pi = 6.283185307179586476925;
    long n = o.points;
    double *pts = xmalloc((size_t)n * 3 * sizeof *pts);
    for (long i = 0; i < n; i++) {
        int inner = i < n / 2;
        /* Uniform by area: r^2 uniform between the radii squared. */
        double u = rng_uniform(&rng);
        double r = inner ? sqrt(u) : sqrt(4.0 + 5.0 * u);
        double phi = two_pi * rng_uniform(&rng);
        pts[3 * i] = r * cos(phi);
        pts[3 * i + 1] = r * sin(phi);
        pts[3 * i + 2] = inner ? 1.0 : -1.0;
    }
    /* Random order, so that any prefix or minibatch mixes the classes. */
    for (long i = n - 1; i > 0; i--) {
        long j = (long)(rng_next(&rng) % (uint64_t)(i + 1));
        for (int k = 0; k < 3; k++) {
            double t = pts[3 * i + k];
            pts[3 * i + k] = pts[3 * j + k];
            pts[3 * j + k] = t;
        }
    }
    atomic_file_t af;
    err_t e;
    if (atomic_open(&af, o.out, &e) != 0)
        die("%s", e.msg);
    fprintf(af.fp, "x1\tx2\ty1\n");
    for (long i = 0; i < n; i++)
        fprintf(af.fp, "%.17g\t%.17g\t%g\n", pts[3 * i], pts[3 * i + 1], pts[3 * i + 2]);
    free(pts);
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    return 0;
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
    if (!strcmp(argv[1], "sines"))
        return sines(argc - 2, argv + 2);
    if (!strcmp(argv[1], "circles"))
        return circles(argc - 2, argv + 2);
    die("unknown dataset '%s' (try --help)", argv[1]);
}
