/* gen-data sines: report 000's time series (gen_data.c's header says what it writes). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/rng.h"
#include "core/util.h"
#include "gen_data/gen_data.h"

const char usage_sines[] = "gen-data sines --function sin|sin_plus_x --points N --noise SIGMA "
                           "--seed S --out F.tsv [--format map|trajectory]";

int sines(int argc, char **argv)
{
    /* --format map (default): x1 y1, the flow maps x to y;
     * --format trajectory: t y1 y2, the state's path through (x, y). */
    static const struct option longopts[] = {
        {"function", required_argument, NULL, OPT_FUNCTION},
        {"points", required_argument, NULL, OPT_POINTS},
        {"noise", required_argument, NULL, OPT_NOISE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"out", required_argument, NULL, OPT_OUT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    toy_opts_t o;
    parse_toy("sines", usage_sines, argc, argv, longopts, &o);
    int map = o.map;
    if (!o.function || !o.has_noise)
        die("sines: --function and --noise are required");
    int plus_x;
    if (!strcmp(o.function, "sin"))
        plus_x = 0;
    else if (!strcmp(o.function, "sin_plus_x"))
        plus_x = 1;
    else
        die("sines: --function: '%s' is neither sin nor sin_plus_x", o.function);
    /* |y| <= 1 + 2 pi + noise |z| with |z| <= RNG_NORMAL_MAX. */
    if (!isfinite(1.0 + 6.283185307179586476925 + o.noise * RNG_NORMAL_MAX))
        die("sines: --noise: '%g' is too large: noise times a normal draw (up to %g) "
            "overflows", o.noise, RNG_NORMAL_MAX);
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
        atomic_file_t *const all[] = {&af};
        check_finite("sines", all, 1, y, "a point's y");
        if (map)
            fprintf(af.fp, "%.17g\t%.17g\n", x, y);
        else
            fprintf(af.fp, "%.17g\t%.17g\t%.17g\n", x / two_pi, x, y);
    }
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    return 0;
}
