/* gen-data moons and moons-density: two moons, their exact NLL floor and their true
 * density on a grid (gen_data.c's header says what they write). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/rng.h"
#include "core/table.h"
#include "core/util.h"
#include "data/moons.h"
#include "gen_data/gen_data.h"

const char usage_moons[] = "gen-data moons --points N --seed S [--noise SD] --out F.tsv "
                           "[--summary S.tsv --prefix KEY]";
const char usage_moons_density[] =
    "gen-data moons-density [--noise SD] --grid-range LO,HI --grid-n N --out G.tsv";

/* moons's --noise: finite and >= 0 (parse_toy checks the sign), 0.1 unless
 * given. */
static double moons_noise(const char *what, const toy_opts_t *o)
{
    if (!o->has_noise)
        return 0.1;
    if (!isfinite(o->noise))
        die("%s: --noise: '%g' is not a finite number", what, o->noise);
    /* A coordinate is 2 (c + noise z) + shift with |c| <= 1.5, |shift| <= 1
     * and |z| <= RNG_NORMAL_MAX. */
    if (!isfinite(2.0 * (1.5 + o->noise * RNG_NORMAL_MAX) + 1.0))
        die("%s: --noise: '%g' is too large: twice noise times a normal draw (up to %g) "
            "overflows", what, o->noise, RNG_NORMAL_MAX);
    return o->noise;
}

int moons(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"points", required_argument, NULL, OPT_POINTS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"noise", required_argument, NULL, OPT_NOISE},
        {"out", required_argument, NULL, OPT_OUT},
        {"summary", required_argument, NULL, OPT_SUMMARY},
        {"prefix", required_argument, NULL, OPT_PREFIX},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    toy_opts_t o;
    parse_toy("moons", usage_moons, argc, argv, longopts, &o);
    double noise = moons_noise("moons", &o);
    if (!o.summary != !o.prefix)
        die("moons: --summary and --prefix go together (see gen-data moons --help)");
    if (o.prefix && !key_is_valid(o.prefix))
        die("moons: --prefix: '%s' is not a valid key ([A-Za-z][A-Za-z0-9_]*)", o.prefix);
    if (o.summary && noise == 0)
        die("moons: --noise 0 puts the points on the arcs, where the density is singular: "
            "--summary needs --noise > 0");
    if (o.summary && noise < MOONS_DENSITY_NOISE_MIN)
        die("moons: --noise %g with --summary: below %g the exact density's quadrature loses "
            "its precision (data/moons.h), so the NLL floor cannot be computed", noise,
            MOONS_DENSITY_NOISE_MIN);
    /* Every output opened before the work (an unwritable destination fails
     * first) and committed together at the end, or none. */
    err_t e;
    atomic_file_t af_out = {0}, af_summary = {0};
    atomic_file_t *const all[] = {&af_out, &af_summary};
    if (atomic_open(&af_out, o.out, &e) != 0)
        die("%s", e.msg);
    if (o.summary && atomic_open(&af_summary, o.summary, &e) != 0) {
        atomic_abort(&af_out);
        die("%s", e.msg);
    }
    rng_t rng;
    rng_seed(&rng, (uint64_t)o.seed);
    size_t n = (size_t)o.points;
    double *pts = xmalloc(n * 2 * sizeof *pts); /* (n, 2) */
    double nll = 0.0;
    if (moons_sample(&rng, n, noise, pts, NULL, &e) != 0 ||
        (o.summary && moons_mean_nll(pts, n, noise, &nll, &e) != 0)) {
        atomic_abort(&af_out);
        atomic_abort(&af_summary);
        die("moons: %s", e.msg);
    }
    fprintf(af_out.fp, "x1\tx2\n");
    for (size_t i = 0; i < n; i++)
        fprintf(af_out.fp, "%.17g\t%.17g\n", pts[2 * i], pts[2 * i + 1]);
    free(pts);
    if (o.summary) {
        check_finite("moons", all, 2, nll, "the exact NLL");
        summary_t s;
        summary_init(&s);
        summary_add_prefixed(&s, o.prefix, "points", "%zu", n);
        summary_add_prefixed(&s, o.prefix, "exact_nll", "%.6f", nll);
        summary_print(&s, af_summary.fp);
        summary_free(&s);
    }
    if (atomic_commit_all(all, 2, &e) != 0)
        die("%s", e.msg);
    return 0;
}

int moons_density(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"noise", required_argument, NULL, OPT_NOISE},
        {"grid-range", required_argument, NULL, OPT_GRID_RANGE},
        {"grid-n", required_argument, NULL, OPT_GRID_N},
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *what = "moons-density", *out = NULL, *range_text = NULL;
    double noise = 0.1, lo = 0, hi = 0;
    long grid_n = 0;
    int has_range = 0, has_noise = 0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = next_option(what, usage_moons_density, argc, argv, longopts)) != -1) {
        const char *v = optarg;
        if (c == OPT_NOISE) {
            if (parse_double(v, &noise) != 0 || !isfinite(noise) || !(noise > 0))
                die("%s: --noise: '%s' is not a number > 0 (at 0 the density is singular)", what,
                    v);
            has_noise = 1;
        } else if (c == OPT_GRID_RANGE) {
            parse_range(what, "--grid-range", v, 0, &lo, &hi);
            range_text = v;
            has_range = 1;
        } else if (c == OPT_GRID_N) {
            if (parse_long(v, &grid_n) != 0 || grid_n < 2 || grid_n > 4000)
                die("%s: --grid-n: '%s' is not an integer in [2, 4000]", what, v);
        } else if (c == OPT_OUT) {
            out = v;
        }
    }
    if (!out || !has_range || !grid_n)
        die("%s: --grid-range, --grid-n and --out are required (see gen-data %s --help)", what,
            what);
    check_paths(what, NULL, NULL, "--out", out, NULL, NULL);
    err_t e;
    /* The options' combined range: the noise where the quadrature keeps its
     * precision, and a grid within its reach.  A point's distance from
     * either moon's centre is largest at a corner of the square, so the
     * library's check at the four corners covers every grid point. */
    if (noise < MOONS_DENSITY_NOISE_MIN)
        die("%s: --noise: %g is below %g, where the density's quadrature loses its precision "
            "(data/moons.h)", what, noise, MOONS_DENSITY_NOISE_MIN);
    for (int k = 0; k < 4; k++) {
        double log_p;
        if (moons_log_density(k & 1 ? hi : lo, k & 2 ? hi : lo, noise, &log_p, &e) != 0)
            die("%s: --grid-range '%s' with --noise %g%s: %s", what, range_text, noise,
                has_noise ? "" : " (the default)", e.msg);
    }
    atomic_file_t af;
    if (atomic_open(&af, out, &e) != 0)
        die("%s", e.msg);
    atomic_file_t *const all[] = {&af};
    fprintf(af.fp, "# x1\tx2\tdensity\n");
    for (long i = 0; i < grid_n; i++) {
        double x1 = lo + (hi - lo) * (double)i / (double)(grid_n - 1);
        for (long j = 0; j < grid_n; j++) {
            double x2 = lo + (hi - lo) * (double)j / (double)(grid_n - 1), log_p;
            if (moons_log_density(x1, x2, noise, &log_p, &e) != 0) {
                atomic_abort(&af);
                die("%s: %s", what, e.msg);
            }
            check_finite(what, all, 1, exp(log_p), "a density");
            fprintf(af.fp, "%.6g\t%.6g\t%.6g\n", x1, x2, exp(log_p));
        }
        fprintf(af.fp, "\n");
    }
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    return 0;
}
