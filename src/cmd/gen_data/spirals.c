/* gen-data spirals: report 002's irregularly sampled spirals (gen_data.c's header says
 * what it writes). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/util.h"
#include "gen_data/gen_data.h"

#define USAGE_SPIRALS                                                                        \
    "gen-data spirals --count N --seed S [--noise SD] [--observations M] [--grid-points G] " \
    "[--duration T] [--window W] [--horizon E] [--start-max K] [--radius LO,HI] [--growth LO,HI] " \
    "[--phase LO,HI] --out F.tsv"
const char usage_spirals[] = USAGE_SPIRALS;
static const char help_spirals[] =
    USAGE_SPIRALS "\n"
    "\n"
    "Irregularly sampled spirals (report 002's latent ODE), columns seq t y1 y2 observed.\n"
    "  --count N         spirals, in [1, 1e6]; even seq counter-clockwise, odd clockwise\n"
    "  --seed S          seed of the generator (non-negative)\n"
    "  --noise SD        observation noise sd per coordinate, >= 0 (default 0.1)\n"
    "  --observations M  observed grid points per spiral, in [2, W] (default 100)\n"
    "  --grid-points G   fine grid points per spiral, in [10, 1e6] (default 1000)\n"
    "  --window W        grid points of the observation window, in [2, G - K]\n"
    "                    (default floor(0.4 G))\n"
    "  --horizon E       truth rows end E grid points after the window (default: the\n"
    "                    grid's end; E <= G - K - W)\n"
    "  --start-max K     latest grid index a window starts at, in [0, G - 2]\n"
    "                    (default floor(0.2 G))\n"
    "  --duration T      grid times t_i = T i / (G - 1), T > 0 (default 6 pi)\n"
    "  --radius LO,HI    starting radius a ~ U(LO, HI), 0 <= LO <= HI (default 0,0.5)\n"
    "  --growth LO,HI    growth b ~ U(LO, HI) per radian, 0 < LO <= HI (default 0.1,0.2)\n"
    "  --phase LO,HI     starting angle phi0 ~ U(LO, HI) (default 0,6.283185307)\n"
    "  --out F.tsv       output\n"
    "Spiral: r = a + b theta, theta = 6 pi t / T in [0, 6 pi],\n"
    "  y = r (cos(phi0 + s theta), sin(phi0 + s theta)), s = +1 / -1 by direction;\n"
    "  LO = HI fixes a parameter (its uniform is still drawn).\n"
    "Window: W grid points from k0 ~ U{0..K};\n"
    "  M of them observed (uniform M-subset, sorted), each with N(0, SD^2) noise per\n"
    "  coordinate.\n"
    "Rows per spiral in time order: truth at every grid point (observed 0), each\n"
    "  observation (observed 1) after the truth row of its time; 10 significant digits.";

/* The spirals' constants (see the header comment and --help). */
#define SPIRAL_TURNS_ANGLE (6.0 * 3.14159265358979323846) /* theta's range: 6 pi */
#define SPIRAL_A_MAX 0.5                                 /* a ~ U(0, 0.5) */
#define SPIRAL_B_MIN 0.1                                 /* b ~ U(0.1, 0.2) */
#define SPIRAL_B_MAX 0.2
#define SPIRAL_WINDOW_FRACTION 0.4 /* W = floor(0.4 G) */
#define SPIRAL_START_FRACTION 0.2  /* default K = floor(0.2 G): k0 ~ U{0..K} */

/* spirals's options, given or defaulted. */
typedef struct {
    const char *out;
    /* The texts of the options given (NULL: the default), for messages. */
    const char *observations_text, *noise_text, *grid_points_text, *duration_text,
        *window_text, *radius_text, *growth_text, *phase_text, *start_max_text;
    long count, seed, observations, grid_points, window_opt, horizon, start_max_opt;
    double noise, duration;
    double a_lo, a_hi, b_lo, b_hi;
    double phase_lo, phase_hi;
    /* Derived by check_spiral_window: the window's grid points W and the
     * latest start K (--start-max, or floor(0.2 G)). */
    long window, start_max;
} spiral_opts_t;

static const char *const what = "spirals";

/* Takes one parsed option `c` with value `v` into o, or exits naming it. */
static void spiral_option(spiral_opts_t *o, int c, const char *v)
{
    switch (c) {
    case OPT_COUNT:
        if (parse_long(v, &o->count) != 0 || o->count < 1 || o->count > 1000000)
            die("%s: --count: '%s' is not an integer in [1, 1e6]", what, v);
        break;
    case OPT_SEED:
        if (parse_long(v, &o->seed) != 0 || o->seed < 0)
            die("%s: --seed: '%s' is not a non-negative integer", what, v);
        break;
    case OPT_NOISE:
        if (parse_double(v, &o->noise) != 0 || !isfinite(o->noise) || o->noise < 0)
            die("%s: --noise: '%s' is not a finite number >= 0", what, v);
        o->noise_text = v;
        break;
    case OPT_OBSERVATIONS:
        /* The upper bound W depends on --grid-points: checked below. */
        if (parse_long(v, &o->observations) != 0 || o->observations < 2)
            die("%s: --observations: '%s' is not an integer >= 2", what, v);
        o->observations_text = v;
        break;
    case OPT_GRID_POINTS:
        if (parse_long(v, &o->grid_points) != 0 || o->grid_points < 10 ||
            o->grid_points > 1000000)
            die("%s: --grid-points: '%s' is not an integer in [10, 1e6]", what, v);
        o->grid_points_text = v;
        break;
    case OPT_DURATION:
        if (parse_double(v, &o->duration) != 0 || !isfinite(o->duration) || !(o->duration > 0))
            die("%s: --duration: '%s' is not a finite number > 0", what, v);
        o->duration_text = v;
        break;
    case OPT_WINDOW:
        /* The upper bound depends on --grid-points: checked below. */
        if (parse_long(v, &o->window_opt) != 0 || o->window_opt < 2)
            die("%s: --window: '%s' is not an integer >= 2", what, v);
        o->window_text = v;
        break;
    case OPT_HORIZON:
        /* The upper bound depends on --grid-points and --window: below. */
        if (parse_long(v, &o->horizon) != 0 || o->horizon < 0)
            die("%s: --horizon: '%s' is not an integer >= 0", what, v);
        break;
    case OPT_START_MAX:
        /* The upper bound depends on --grid-points: checked below. */
        if (parse_long(v, &o->start_max_opt) != 0 || o->start_max_opt < 0)
            die("%s: --start-max: '%s' is not an integer >= 0", what, v);
        o->start_max_text = v;
        break;
    case OPT_RADIUS:
        parse_range(what, "--radius", v, 1, &o->a_lo, &o->a_hi);
        if (o->a_lo < 0)
            die("%s: --radius: '%s' has a negative starting radius", what, v);
        o->radius_text = v;
        break;
    case OPT_GROWTH:
        parse_range(what, "--growth", v, 1, &o->b_lo, &o->b_hi);
        if (!(o->b_lo > 0))
            die("%s: --growth: '%s' is not LO,HI with LO > 0", what, v);
        o->growth_text = v;
        break;
    case OPT_PHASE:
        parse_range(what, "--phase", v, 1, &o->phase_lo, &o->phase_hi);
        o->phase_text = v;
        break;
    case OPT_OUT:
        o->out = v;
        break;
    }
}

/* The options, each checked on its own, with their defaults. */
static void parse_spirals(int argc, char **argv, spiral_opts_t *o)
{
    static const struct option longopts[] = {
        {"count", required_argument, NULL, OPT_COUNT},
        {"seed", required_argument, NULL, OPT_SEED},
        {"noise", required_argument, NULL, OPT_NOISE},
        {"observations", required_argument, NULL, OPT_OBSERVATIONS},
        {"grid-points", required_argument, NULL, OPT_GRID_POINTS},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"horizon", required_argument, NULL, OPT_HORIZON},
        {"start-max", required_argument, NULL, OPT_START_MAX},
        {"radius", required_argument, NULL, OPT_RADIUS},
        {"growth", required_argument, NULL, OPT_GROWTH},
        {"phase", required_argument, NULL, OPT_PHASE},
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (spiral_opts_t){.seed = -1, .observations = 100, .grid_points = 1000, .horizon = -1,
                         .noise = 0.1, .duration = SPIRAL_TURNS_ANGLE, .a_lo = 0.0,
                         .a_hi = SPIRAL_A_MAX, .b_lo = SPIRAL_B_MIN, .b_hi = SPIRAL_B_MAX,
                         .phase_lo = 0.0, .phase_hi = 6.283185307179586476925};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = next_option(what, help_spirals, argc, argv, longopts)) != -1)
        spiral_option(o, c, optarg);
    if (!o->out || !o->count || o->seed < 0)
        die("%s: --count, --seed and --out are required (see gen-data %s --help)", what, what);
    check_paths(what, NULL, NULL, "--out", o->out, NULL, NULL);
}

/* The window (W, from --window or floor(0.4 G)), the horizon and the
 * observations against the grid, and the number of rows. */
static void check_spiral_window(spiral_opts_t *o)
{
    long grid_points = o->grid_points, observations = o->observations, count = o->count;
    long window = (long)(SPIRAL_WINDOW_FRACTION * (double)grid_points);
    long start_max = (long)(SPIRAL_START_FRACTION * (double)grid_points);
    if (o->start_max_text) {
        if (o->start_max_opt > grid_points - 2)
            die("%s: --start-max: '%s' leaves fewer than 2 grid points for a window (--grid-points "
                "%ld)", what, o->start_max_text, grid_points);
        start_max = o->start_max_opt;
    }
    if (o->window_opt) {
        if (o->window_opt > grid_points - start_max)
            die("%s: --window: %ld exceeds the %ld grid points after the latest start (%s, "
                "--grid-points %ld)", what, o->window_opt, grid_points - start_max,
                o->start_max_text ? "--start-max" : "0.2 of --grid-points", grid_points);
        window = o->window_opt;
    } else if (window > grid_points - start_max) {
        die("%s: --start-max: '%s' leaves %ld grid points after the latest start, fewer than "
            "the default window floor(0.4 --grid-points) = %ld (give --window)", what,
            o->start_max_text, grid_points - start_max, window);
    }
    if (o->horizon > grid_points - start_max - window)
        die("%s: --horizon: %ld exceeds the %ld grid points after the latest window", what,
            o->horizon, grid_points - start_max - window);
    /* Blame the option the user gave: --observations if given, else the
     * one that made the window too small for the default 100. */
    if (observations > window) {
        if (o->observations_text)
            die("%s: --observations: '%s' exceeds the window's %ld grid points (%s)", what,
                o->observations_text, window,
                o->window_text ? "--window" : "floor(0.4 --grid-points), the default --window");
        if (o->window_text)
            die("%s: --window: '%s' is fewer grid points than the default --observations 100 "
                "(give --observations M <= %ld)", what, o->window_text, window);
        die("%s: --grid-points: '%s' makes the default window floor(0.4 G) = %ld grid points, "
            "fewer than the default --observations 100 (give --window or --observations)",
            what, o->grid_points_text ? o->grid_points_text : "1000", window);
    }
    /* dataset_t counts rows in an int. */
    if ((double)count * (double)(grid_points + observations) > 1e8)
        die("%s: --count %ld with --grid-points %ld and --observations %ld makes more than 1e8 "
            "rows", what, count, grid_points, observations);
    o->window = window;
    o->start_max = start_max;
}

/* The options' combined ranges, so that no value written can overflow
 * (each is checked again as it is written): t = T i / (G - 1) computes
 * T i first; |y| <= r + noise |z| with r <= a_hi + b_hi 6 pi and |z| <=
 * RNG_NORMAL_MAX; phi0 = LO + (HI - LO) u needs HI - LO finite. */
static void check_spiral_ranges(const spiral_opts_t *o)
{
    if (!isfinite(o->duration * (double)(o->grid_points - 1)))
        die("%s: --duration: '%s' is too large: T i / (G - 1) overflows with %ld grid points%s",
            what, o->duration_text ? o->duration_text : "6 pi", o->grid_points,
            o->grid_points_text ? "" : " (the default)");
    double r_max = o->a_hi + o->b_hi * SPIRAL_TURNS_ANGLE;
    if (!isfinite(r_max) && o->growth_text && o->radius_text)
        die("%s: --radius '%s' with --growth '%s' makes the largest radius a + b 6 pi not a "
            "finite number", what, o->radius_text, o->growth_text);
    if (!isfinite(r_max))
        die("%s: %s '%s' makes the largest radius a + b 6 pi not a finite number", what,
            o->growth_text ? "--growth" : "--radius",
            o->growth_text ? o->growth_text : o->radius_text ? o->radius_text : "0,0.5");
    if (!isfinite(r_max + o->noise * RNG_NORMAL_MAX))
        die("%s: --noise: '%s' is too large: an observation (radius up to %g, plus noise times a "
            "normal draw up to %g) overflows", what, o->noise_text ? o->noise_text : "0.1", r_max,
            RNG_NORMAL_MAX);
    if (!isfinite(o->phase_hi - o->phase_lo) || !isfinite(o->phase_lo - SPIRAL_TURNS_ANGLE) ||
        !isfinite(o->phase_hi + SPIRAL_TURNS_ANGLE))
        die("%s: --phase: '%s' is too wide or too large: HI - LO or an angle phi0 +- 6 pi is "
            "not a finite number", what, o->phase_text ? o->phase_text : "0,6.283185307");
}

/* Spiral n's rows: its draws from rng in the stream's order (a, b, phi0,
 * k0, the selection's uniforms, the noise), then its truth and observation
 * rows.  picked (G) and noisy (M, 2) are scratch. */
static void write_spiral(const spiral_opts_t *o, long n, rng_t *rng, unsigned char *picked,
                         double *noisy, atomic_file_t *af)
{
    size_t G = (size_t)o->grid_points, M = (size_t)o->observations;
    long window = o->window, horizon = o->horizon;
    double duration = o->duration, noise = o->noise;
    atomic_file_t *const all[] = {af};
    /* Three uniforms are drawn even for a fixed (LO = HI) parameter, so
     * the rest of the stream does not depend on the ranges. */
    double a = o->a_lo + (o->a_hi - o->a_lo) * rng_uniform(rng);
    double b = o->b_lo + (o->b_hi - o->b_lo) * rng_uniform(rng);
    double phi0 = o->phase_lo + (o->phase_hi - o->phase_lo) * rng_uniform(rng);
    double s = n % 2 == 0 ? 1.0 : -1.0; /* even: counter-clockwise */
    size_t k0 = (size_t)(rng_next(rng) % (uint64_t)(o->start_max + 1));
    /* Algorithm S (Knuth, TAOCP vol. 2, 3.4.2): grid point k0 + j is
     * taken with probability (still needed) / (still available). */
    memset(picked, 0, G);
    size_t needed = M;
    for (size_t j = 0; j < (size_t)window && needed > 0; j++)
        if ((double)((size_t)window - j) * rng_uniform(rng) < (double)needed) {
            picked[k0 + j] = 1;
            needed--;
        }
    for (size_t k = 0; k < 2 * M; k++)
        noisy[k] = noise * rng_normal(rng);
    size_t k_obs = 0;
    /* The truth ends `horizon` grid points after the window (if set). */
    size_t end = horizon < 0 ? G : k0 + (size_t)window + (size_t)horizon;
    for (size_t i = 0; i < end; i++) {
        double t = duration * (double)i / (double)(G - 1);
        double theta = SPIRAL_TURNS_ANGLE * (double)i / (double)(G - 1);
        double r = a + b * theta;
        double y1 = r * cos(phi0 + s * theta), y2 = r * sin(phi0 + s * theta);
        check_finite(what, all, 1, t, "a grid time t");
        check_finite(what, all, 1, y1, "a spiral's y1");
        check_finite(what, all, 1, y2, "a spiral's y2");
        fprintf(af->fp, "%ld\t%.10g\t%.10g\t%.10g\t0\n", n, t, y1, y2);
        if (picked[i]) {
            check_finite(what, all, 1, y1 + noisy[2 * k_obs], "an observation's y1");
            check_finite(what, all, 1, y2 + noisy[2 * k_obs + 1], "an observation's y2");
            fprintf(af->fp, "%ld\t%.10g\t%.10g\t%.10g\t1\n", n, t, y1 + noisy[2 * k_obs],
                    y2 + noisy[2 * k_obs + 1]);
            k_obs++;
        }
    }
}

int spirals(int argc, char **argv)
{
    spiral_opts_t o;
    parse_spirals(argc, argv, &o);
    check_spiral_window(&o);
    check_spiral_ranges(&o);
    rng_t rng;
    rng_seed(&rng, (uint64_t)o.seed);
    size_t G = (size_t)o.grid_points, M = (size_t)o.observations;
    unsigned char *picked = xmalloc(G); /* (G): 1 where the grid point is observed */
    double *noisy = xmalloc(M * 2 * sizeof *noisy); /* (M, 2) noise draws, time order */
    atomic_file_t af;
    err_t e;
    if (atomic_open(&af, o.out, &e) != 0)
        die("%s", e.msg);
    fprintf(af.fp, "seq\tt\ty1\ty2\tobserved\n");
    for (long n = 0; n < o.count; n++)
        write_spiral(&o, n, &rng, picked, noisy, &af);
    free(picked);
    free(noisy);
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    return 0;
}
