/* gen-data circles: nested circles (gen_data.c's header says what it writes). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/rng.h"
#include "core/util.h"
#include "gen_data/gen_data.h"

const char usage_circles[] = "gen-data circles --points N --seed S --out F.tsv";

int circles(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"points", required_argument, NULL, OPT_POINTS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    toy_opts_t o;
    parse_toy("circles", usage_circles, argc, argv, longopts, &o);
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
    atomic_file_t *const all[] = {&af};
    for (long i = 0; i < 3 * n; i++)
        check_finite("circles", all, 1, pts[i], "a point's coordinate");
    for (long i = 0; i < n; i++)
        fprintf(af.fp, "%.17g\t%.17g\t%g\n", pts[3 * i], pts[3 * i + 1], pts[3 * i + 2]);
    free(pts);
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    return 0;
}
