/* gen-data: writes the pipeline's datasets and dataset summaries.
 *
 *   gen-data mnist-summary --mnist-dir DIR --summary OUT.tsv --counts OUT.tsv
 *       Loads the four idx files of an MNIST-format set, validates them, and
 *       writes their sizes, per-class label counts and pixel statistics
 *       (summary) and a `digit train test` table (counts, for the figure),
 *       both committed together or neither.
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
 *   gen-data moons --points N --seed S [--noise SD] --out F.tsv
 *                  [--summary S.tsv --prefix KEY]
 *       Two moons (data/moons.h): outer (cos t, sin t) for even rows, inner
 *       (1 - cos t, 1/2 - sin t) for odd rows (so odd N gives the outer moon
 *       the extra point), t ~ U(0, pi), plus N(0, SD^2) noise per coordinate
 *       (default 0.1), scaled by 2 and shifted by (-1, -0.2); columns x1 x2.
 *       --summary writes KEY_points and KEY_exact_nll, the points' mean
 *       negative log-likelihood under the true density (nats): the floor a
 *       density model cannot beat; it needs --noise >= 1e-6 (below, the
 *       density's quadrature loses its precision: data/moons.h).  --out and
 *       --summary are committed together or neither.
 *
 *   gen-data moons-density [--noise SD] --grid-range LO,HI --grid-n N --out G.tsv
 *       The true two-moons density on an N x N grid over [LO, HI]^2 in
 *       gnuplot's grid layout (x1 x2 density, a blank line after each x1
 *       block, as eval --grid writes), for a contour figure.  --noise must be
 *       >= 1e-6, and the grid within the quadrature's reach for it
 *       (MOONS_KAPPA_MAX in data/moons.h).
 *
 *   gen-data spirals --count N --seed S [--noise SD] [--observations M]
 *                    [--grid-points G] [--duration T] [--window W]
 *                    [--horizon E] [--radius LO,HI]
 *                    [--growth LO,HI] [--phase LO,HI] --out F.tsv
 *       Report 002's irregularly sampled spirals (after Chen et al. 2018,
 *       sec. 5.1), in the sequences format of data/dataset.h: columns
 *       seq t y1 y2 observed.  Every spiral shares the fine grid
 *       t_i = T i / (G - 1), i = 0..G-1 (default G = 1000, T = 6 pi), and is
 *       the Archimedean spiral r = a + b theta with theta = 6 pi t / T (so
 *       theta covers [0, 6 pi], three turns, at a constant rate):
 *           y(t) = r (cos(phi0 + s theta), sin(phi0 + s theta)),
 *       s = +1 (counter-clockwise) for even seq, -1 (clockwise) for odd seq
 *       (alternating, so odd N gives counter-clockwise the extra spiral),
 *       centred at the origin, with per-spiral a ~ U(--radius) (the starting
 *       radius, default U(0, 0.5)), b ~ U(--growth) (radial growth per
 *       radian, default U(0.1, 0.2): the final radius then lies in
 *       [1.88, 4.27]) and phi0 ~ U(--phase) (the starting angle, default
 *       U(0, 2 pi)); a range LO,HI with LO = HI fixes the parameter.
 *       Observation window: W (--window, default floor(0.4 G)) consecutive
 *       grid points starting at index k0 ~ uniform on {0, ..., floor(0.2 G)},
 *       so by default at least 40% of the grid is left after it for
 *       extrapolation; M (default 100, in
 *       [2, W]) distinct grid points of the window are observed, every
 *       M-subset equally likely (selection sampling, Knuth's Algorithm S),
 *       in increasing time, each with N(0, SD^2) noise (default SD 0.1) per
 *       coordinate.  Rows, sequence by sequence and in time order: the
 *       noise-free truth at every grid point (observed = 0; for scoring
 *       reconstruction inside the window and extrapolation after it), each
 *       observation (observed = 1) right after the truth row of its time;
 *       with --horizon E the truth stops E grid points after the window
 *       (the extrapolation scored), else at the grid's end.
 *       The seeded stream is drawn spiral by spiral: a, b, phi0, k0, the
 *       selection's uniforms, then two normals per observation in time
 *       order.  Values are written with 10 significant digits.
 *
 * Each subcommand's --help prints its own usage.  Outputs are written
 * atomically, a subcommand's several outputs together or none of them; bad
 * input exits non-zero with a message naming the argument or file.  No
 * non-finite value is ever written: options whose combined ranges could
 * overflow (a noise sd times a normal draw, a spiral's radius or time) are
 * refused up front, and every value is checked again before the outputs
 * are committed. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/idx.h"
#include "data/moons.h"
#include "core/rng.h"
#include "core/table.h"
#include "core/util.h"

static const char usage_mnist[] =
    "gen-data mnist-summary --mnist-dir DIR --summary OUT.tsv --counts OUT.tsv";
static const char usage_sines[] = "gen-data sines --function sin|sin_plus_x --points N --noise SIGMA "
                                  "--seed S --out F.tsv [--format map|trajectory]";
static const char usage_circles[] = "gen-data circles --points N --seed S --out F.tsv";
static const char usage_moons[] = "gen-data moons --points N --seed S [--noise SD] --out F.tsv "
                                  "[--summary S.tsv --prefix KEY]";
static const char usage_moons_density[] =
    "gen-data moons-density [--noise SD] --grid-range LO,HI --grid-n N --out G.tsv";
#define USAGE_SPIRALS                                                                        \
    "gen-data spirals --count N --seed S [--noise SD] [--observations M] [--grid-points G] " \
    "[--duration T] [--window W] [--horizon E] [--radius LO,HI] [--growth LO,HI] [--phase LO,HI] --out F.tsv"
static const char usage_spirals[] = USAGE_SPIRALS;
static const char help_spirals[] =
    USAGE_SPIRALS "\n"
    "\n"
    "Irregularly sampled spirals (report 002's latent ODE), columns seq t y1 y2 observed.\n"
    "  --count N         spirals, in [1, 1e6]; even seq counter-clockwise, odd clockwise\n"
    "  --seed S          seed of the generator (non-negative)\n"
    "  --noise SD        observation noise sd per coordinate, >= 0 (default 0.1)\n"
    "  --observations M  observed grid points per spiral, in [2, W] (default 100)\n"
    "  --grid-points G   fine grid points per spiral, in [10, 1e6] (default 1000)\n"
    "  --window W        grid points of the observation window, in [2, G - floor(0.2 G)]\n"
    "                    (default floor(0.4 G))\n"
    "  --horizon E       truth rows end E grid points after the window (default: the\n"
    "                    grid's end; E <= G - floor(0.2 G) - W)\n"
    "  --duration T      grid times t_i = T i / (G - 1), T > 0 (default 6 pi)\n"
    "  --radius LO,HI    starting radius a ~ U(LO, HI), 0 <= LO <= HI (default 0,0.5)\n"
    "  --growth LO,HI    growth b ~ U(LO, HI) per radian, 0 < LO <= HI (default 0.1,0.2)\n"
    "  --phase LO,HI     starting angle phi0 ~ U(LO, HI) (default 0,6.283185307)\n"
    "  --out F.tsv       output\n"
    "Spiral: r = a + b theta, theta = 6 pi t / T in [0, 6 pi],\n"
    "  y = r (cos(phi0 + s theta), sin(phi0 + s theta)), s = +1 / -1 by direction;\n"
    "  LO = HI fixes a parameter (its uniform is still drawn).\n"
    "Window: W grid points from k0 ~ U{0..floor(0.2 G)};\n"
    "  M of them observed (uniform M-subset, sorted), each with N(0, SD^2) noise per\n"
    "  coordinate.\n"
    "Rows per spiral in time order: truth at every grid point (observed 0), each\n"
    "  observation (observed 1) after the truth row of its time; 10 significant digits.";

/* Parses LO,HI (finite numbers, LO < HI, or LO <= HI when equal_ok) for
 * option `opt`, or exits naming it. */
static void parse_range(const char *what, const char *opt, const char *v, int equal_ok,
                        double *lo, double *hi)
{
    const char *comma = strchr(v, ',');
    char lo_text[64];
    size_t len = comma ? (size_t)(comma - v) : 0;
    if (!comma || len >= sizeof lo_text)
        die("%s: %s: '%s' is not LO,HI", what, opt, v);
    memcpy(lo_text, v, len);
    lo_text[len] = '\0';
    if (parse_double(lo_text, lo) != 0 || parse_double(comma + 1, hi) != 0 || !isfinite(*lo) ||
        !isfinite(*hi) || (equal_ok ? !(*hi >= *lo) : !(*hi > *lo)))
        die("%s: %s: '%s' is not LO,HI with finite LO %s HI", what, opt, v,
            equal_ok ? "<=" : "<");
}

/* The backstop behind the up-front range checks: a value about to be
 * written that is not finite aborts every output (nothing is committed) and
 * exits naming the generator and the value.  `where` says which value. */
static void check_finite(const char *what, atomic_file_t *const *afs, size_t n, double v,
                         const char *where)
{
    if (isfinite(v))
        return;
    for (size_t i = 0; i < n; i++)
        if (afs[i])
            atomic_abort(afs[i]);
    die("%s: %s is not a finite number (%g); nothing was written", what, where, v);
}

static void usage(FILE *fp)
{
    fprintf(fp, "usage: %s\n       %s\n       %s\n       %s\n       %s\n       %s\n",
            usage_mnist, usage_sines, usage_circles, usage_moons, usage_moons_density,
            usage_spirals);
}

/* Parses a subcommand's options with getopt_long (opterr 0, so the
 * messages are ours and name the option): argv[0] is the subcommand's name.
 * Returns the next option as getopt_long does, after dying on an unknown
 * option, a missing value or (at the end) a stray positional argument;
 * prints the subcommand's usage and exits 0 on --help. */
static int next_option(const char *what, const char *use, int argc, char **argv,
                       const struct option *longopts)
{
    int before = optind;
    int c = getopt_long(argc, argv, ":h", longopts, NULL);
    if (c == 'h') {
        printf("usage: %s\n", use);
        exit(0);
    }
    if (c == ':')
        die("%s: %s needs a value", what, argv[optind - 1]);
    if (c == '?') {
        /* A long option is the whole word just passed; a short one is
         * optopt (it may sit inside a cluster such as -xy). */
        const char *word = optind > before ? argv[optind - 1] : "";
        if (!strncmp(word, "--", 2))
            die("%s: unknown option '%s' (see gen-data %s --help)", what, word, what);
        die("%s: unknown option '-%c' (see gen-data %s --help)", what, optopt, what);
    }
    if (c == -1 && optind < argc)
        die("%s: unexpected argument '%s' (see gen-data %s --help)", what, argv[optind], what);
    return c;
}

enum { OPT_FUNCTION = 256, OPT_POINTS, OPT_NOISE, OPT_SEED, OPT_OUT, OPT_FORMAT, OPT_MNIST_DIR,
       OPT_SUMMARY, OPT_COUNTS, OPT_PREFIX, OPT_GRID_RANGE, OPT_GRID_N, OPT_COUNT,
       OPT_OBSERVATIONS, OPT_GRID_POINTS, OPT_DURATION, OPT_RADIUS, OPT_GROWTH, OPT_PHASE, OPT_WINDOW, OPT_HORIZON };

/* Refuses, before anything is written, two outputs on one file or an output
 * on the input (NULL paths are not given). */
static void check_paths(const char *what, const char *input_what, const char *input,
                        const char *a_what, const char *a, const char *b_what, const char *b)
{
    err_t e;
    const io_path_t in[] = {{input_what, input}};
    const io_path_t out[] = {{a_what, a}, {b_what, b}};
    if (check_io_paths(in, 1, out, 2, &e) != 0)
        die("%s: %s", what, e.msg);
}

/* Options shared by the toy sets. */
typedef struct {
    const char *function, *out;
    const char *summary, *prefix; /* moons only */
    long points, seed;
    double noise;
    int has_points, has_seed, has_noise;
    int map; /* sines --format: 1 map (default), 0 trajectory */
} toy_opts_t;

/* The toy sets' options; circles's table lacks --function, --noise and
 * --format, so they are refused as unknown there; only moons's has
 * --summary and --prefix. */
static void parse_toy(const char *what, const char *use, int argc, char **argv,
                      const struct option *longopts, toy_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->map = 1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = next_option(what, use, argc, argv, longopts)) != -1) {
        const char *v = optarg;
        switch (c) {
        case OPT_FUNCTION:
            o->function = v;
            break;
        case OPT_OUT:
            o->out = v;
            break;
        case OPT_SUMMARY:
            o->summary = v;
            break;
        case OPT_PREFIX:
            o->prefix = v;
            break;
        case OPT_POINTS:
            if (parse_long(v, &o->points) != 0 || o->points < 2 || o->points > 100000000)
                die("%s: --points: '%s' is not an integer in [2, 1e8]", what, v);
            o->has_points = 1;
            break;
        case OPT_SEED:
            if (parse_long(v, &o->seed) != 0 || o->seed < 0)
                die("%s: --seed: '%s' is not a non-negative integer", what, v);
            o->has_seed = 1;
            break;
        case OPT_NOISE:
            if (parse_double(v, &o->noise) != 0 || !isfinite(o->noise) || o->noise < 0)
                die("%s: --noise: '%s' is not a finite number >= 0", what, v);
            o->has_noise = 1;
            break;
        case OPT_FORMAT:
            if (!strcmp(v, "map"))
                o->map = 1;
            else if (!strcmp(v, "trajectory"))
                o->map = 0;
            else
                die("%s: --format: '%s' is neither map nor trajectory", what, v);
            break;
        }
    }
    if (!o->out || !o->has_points || !o->has_seed)
        die("%s: --points, --seed and --out are required (see gen-data %s --help)", what, what);
    check_paths(what, NULL, NULL, "--out", o->out, "--summary", o->summary);
}

static int sines(int argc, char **argv)
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

static int circles(int argc, char **argv)
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

static int moons(int argc, char **argv)
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

static int moons_density(int argc, char **argv)
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

/* The spirals' constants (see the header comment and --help). */
#define SPIRAL_TURNS_ANGLE (6.0 * 3.14159265358979323846) /* theta's range: 6 pi */
#define SPIRAL_A_MAX 0.5                                 /* a ~ U(0, 0.5) */
#define SPIRAL_B_MIN 0.1                                 /* b ~ U(0.1, 0.2) */
#define SPIRAL_B_MAX 0.2
#define SPIRAL_WINDOW_FRACTION 0.4 /* W = floor(0.4 G) */
#define SPIRAL_START_FRACTION 0.2  /* k0 ~ U{0..floor(0.2 G)} */

static int spirals(int argc, char **argv)
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
        {"radius", required_argument, NULL, OPT_RADIUS},
        {"growth", required_argument, NULL, OPT_GROWTH},
        {"phase", required_argument, NULL, OPT_PHASE},
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *what = "spirals", *out = NULL, *observations_text = NULL;
    /* The texts of the options given (NULL: the default), for messages. */
    const char *noise_text = NULL, *grid_points_text = NULL, *duration_text = NULL,
               *window_text = NULL, *radius_text = NULL, *growth_text = NULL,
               *phase_text = NULL;
    long count = 0, seed = -1, observations = 100, grid_points = 1000, window_opt = 0,
         horizon = -1;
    double noise = 0.1, duration = SPIRAL_TURNS_ANGLE;
    double a_lo = 0.0, a_hi = SPIRAL_A_MAX, b_lo = SPIRAL_B_MIN, b_hi = SPIRAL_B_MAX;
    double phase_lo = 0.0, phase_hi = 6.283185307179586476925;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = next_option(what, help_spirals, argc, argv, longopts)) != -1) {
        const char *v = optarg;
        switch (c) {
        case OPT_COUNT:
            if (parse_long(v, &count) != 0 || count < 1 || count > 1000000)
                die("%s: --count: '%s' is not an integer in [1, 1e6]", what, v);
            break;
        case OPT_SEED:
            if (parse_long(v, &seed) != 0 || seed < 0)
                die("%s: --seed: '%s' is not a non-negative integer", what, v);
            break;
        case OPT_NOISE:
            if (parse_double(v, &noise) != 0 || !isfinite(noise) || noise < 0)
                die("%s: --noise: '%s' is not a finite number >= 0", what, v);
            noise_text = v;
            break;
        case OPT_OBSERVATIONS:
            /* The upper bound W depends on --grid-points: checked below. */
            if (parse_long(v, &observations) != 0 || observations < 2)
                die("%s: --observations: '%s' is not an integer >= 2", what, v);
            observations_text = v;
            break;
        case OPT_GRID_POINTS:
            if (parse_long(v, &grid_points) != 0 || grid_points < 10 || grid_points > 1000000)
                die("%s: --grid-points: '%s' is not an integer in [10, 1e6]", what, v);
            grid_points_text = v;
            break;
        case OPT_DURATION:
            if (parse_double(v, &duration) != 0 || !isfinite(duration) || !(duration > 0))
                die("%s: --duration: '%s' is not a finite number > 0", what, v);
            duration_text = v;
            break;
        case OPT_WINDOW:
            /* The upper bound depends on --grid-points: checked below. */
            if (parse_long(v, &window_opt) != 0 || window_opt < 2)
                die("%s: --window: '%s' is not an integer >= 2", what, v);
            window_text = v;
            break;
        case OPT_HORIZON:
            /* The upper bound depends on --grid-points and --window: below. */
            if (parse_long(v, &horizon) != 0 || horizon < 0)
                die("%s: --horizon: '%s' is not an integer >= 0", what, v);
            break;
        case OPT_RADIUS:
            parse_range(what, "--radius", v, 1, &a_lo, &a_hi);
            if (a_lo < 0)
                die("%s: --radius: '%s' has a negative starting radius", what, v);
            radius_text = v;
            break;
        case OPT_GROWTH:
            parse_range(what, "--growth", v, 1, &b_lo, &b_hi);
            if (!(b_lo > 0))
                die("%s: --growth: '%s' is not LO,HI with LO > 0", what, v);
            growth_text = v;
            break;
        case OPT_PHASE:
            parse_range(what, "--phase", v, 1, &phase_lo, &phase_hi);
            phase_text = v;
            break;
        case OPT_OUT:
            out = v;
            break;
        }
    }
    if (!out || !count || seed < 0)
        die("%s: --count, --seed and --out are required (see gen-data %s --help)", what, what);
    check_paths(what, NULL, NULL, "--out", out, NULL, NULL);
    long window = (long)(SPIRAL_WINDOW_FRACTION * (double)grid_points);
    long start_max = (long)(SPIRAL_START_FRACTION * (double)grid_points);
    if (window_opt) {
        if (window_opt > grid_points - start_max)
            die("%s: --window: %ld exceeds the %ld grid points after the latest start (0.8 of "
                "--grid-points %ld)", what, window_opt, grid_points - start_max, grid_points);
        window = window_opt;
    }
    if (horizon > grid_points - start_max - window)
        die("%s: --horizon: %ld exceeds the %ld grid points after the latest window", what,
            horizon, grid_points - start_max - window);
    /* Blame the option the user gave: --observations if given, else the
     * one that made the window too small for the default 100. */
    if (observations > window) {
        if (observations_text)
            die("%s: --observations: '%s' exceeds the window's %ld grid points (%s)", what,
                observations_text, window,
                window_text ? "--window" : "floor(0.4 --grid-points), the default --window");
        if (window_text)
            die("%s: --window: '%s' is fewer grid points than the default --observations 100 "
                "(give --observations M <= %ld)", what, window_text, window);
        die("%s: --grid-points: '%s' makes the default window floor(0.4 G) = %ld grid points, "
            "fewer than the default --observations 100 (give --window or --observations)",
            what, grid_points_text ? grid_points_text : "1000", window);
    }
    /* dataset_t counts rows in an int. */
    if ((double)count * (double)(grid_points + observations) > 1e8)
        die("%s: --count %ld with --grid-points %ld and --observations %ld makes more than 1e8 "
            "rows", what, count, grid_points, observations);
    /* The options' combined ranges, so that no value written can overflow
     * (each is checked again as it is written): t = T i / (G - 1) computes
     * T i first; |y| <= r + noise |z| with r <= a_hi + b_hi 6 pi and |z| <=
     * RNG_NORMAL_MAX; phi0 = LO + (HI - LO) u needs HI - LO finite. */
    if (!isfinite(duration * (double)(grid_points - 1)))
        die("%s: --duration: '%s' is too large: T i / (G - 1) overflows with %ld grid points%s",
            what, duration_text ? duration_text : "6 pi", grid_points,
            grid_points_text ? "" : " (the default)");
    double r_max = a_hi + b_hi * SPIRAL_TURNS_ANGLE;
    if (!isfinite(r_max) && growth_text && radius_text)
        die("%s: --radius '%s' with --growth '%s' makes the largest radius a + b 6 pi not a "
            "finite number", what, radius_text, growth_text);
    if (!isfinite(r_max))
        die("%s: %s '%s' makes the largest radius a + b 6 pi not a finite number", what,
            growth_text ? "--growth" : "--radius",
            growth_text ? growth_text : radius_text ? radius_text : "0,0.5");
    if (!isfinite(r_max + noise * RNG_NORMAL_MAX))
        die("%s: --noise: '%s' is too large: an observation (radius up to %g, plus noise times a "
            "normal draw up to %g) overflows", what, noise_text ? noise_text : "0.1", r_max,
            RNG_NORMAL_MAX);
    if (!isfinite(phase_hi - phase_lo) || !isfinite(phase_lo - SPIRAL_TURNS_ANGLE) ||
        !isfinite(phase_hi + SPIRAL_TURNS_ANGLE))
        die("%s: --phase: '%s' is too wide or too large: HI - LO or an angle phi0 +- 6 pi is "
            "not a finite number", what, phase_text ? phase_text : "0,6.283185307");
    rng_t rng;
    rng_seed(&rng, (uint64_t)seed);
    size_t G = (size_t)grid_points, M = (size_t)observations;
    unsigned char *picked = xmalloc(G); /* (G): 1 where the grid point is observed */
    double *noisy = xmalloc(M * 2 * sizeof *noisy); /* (M, 2) noise draws, time order */
    atomic_file_t af;
    err_t e;
    if (atomic_open(&af, out, &e) != 0)
        die("%s", e.msg);
    atomic_file_t *const all[] = {&af};
    fprintf(af.fp, "seq\tt\ty1\ty2\tobserved\n");
    for (long n = 0; n < count; n++) {
        /* Three uniforms are drawn even for a fixed (LO = HI) parameter, so
         * the rest of the stream does not depend on the ranges. */
        double a = a_lo + (a_hi - a_lo) * rng_uniform(&rng);
        double b = b_lo + (b_hi - b_lo) * rng_uniform(&rng);
        double phi0 = phase_lo + (phase_hi - phase_lo) * rng_uniform(&rng);
        double s = n % 2 == 0 ? 1.0 : -1.0; /* even: counter-clockwise */
        size_t k0 = (size_t)(rng_next(&rng) % (uint64_t)(start_max + 1));
        /* Algorithm S (Knuth, TAOCP vol. 2, 3.4.2): grid point k0 + j is
         * taken with probability (still needed) / (still available). */
        memset(picked, 0, G);
        size_t needed = M;
        for (size_t j = 0; j < (size_t)window && needed > 0; j++)
            if ((double)((size_t)window - j) * rng_uniform(&rng) < (double)needed) {
                picked[k0 + j] = 1;
                needed--;
            }
        for (size_t k = 0; k < 2 * M; k++)
            noisy[k] = noise * rng_normal(&rng);
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
            fprintf(af.fp, "%ld\t%.10g\t%.10g\t%.10g\t0\n", n, t, y1, y2);
            if (picked[i]) {
                check_finite(what, all, 1, y1 + noisy[2 * k_obs], "an observation's y1");
                check_finite(what, all, 1, y2 + noisy[2 * k_obs + 1], "an observation's y2");
                fprintf(af.fp, "%ld\t%.10g\t%.10g\t%.10g\t1\n", n, t, y1 + noisy[2 * k_obs],
                        y2 + noisy[2 * k_obs + 1]);
                k_obs++;
            }
        }
    }
    free(picked);
    free(noisy);
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    return 0;
}

static int mnist_summary(int argc, char **argv)
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
    for (int train = 1; train >= 0; train--) {
        idx_images_t im;
        idx_labels_t lb;
        if (idx_load_set(dir, train, 0, &im, &lb, &e) != 0) {
            atomic_abort(&af_summary);
            atomic_abort(&af_counts);
            die("%s", e.msg);
        }
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
        /* The variance, rounded below 0 for a constant image set, is 0. */
        double mean = sum / n, var = sum2 / n - mean * mean, sd = sqrt(var > 0 ? var : 0.0);
        check_finite("mnist-summary", all, 2, mean, "the pixel mean");
        check_finite("mnist-summary", all, 2, sd, "the pixel sd");
        snprintf(key, sizeof key, "mnist_%s_pixel_mean", set);
        summary_add(&s, key, "%.4f", mean);
        snprintf(key, sizeof key, "mnist_%s_pixel_sd", set);
        summary_add(&s, key, "%.4f", sd);
        idx_free_images(&im);
        idx_free_labels(&lb);
    }
    fprintf(af_counts.fp, "digit\ttrain\ttest\n");
    for (int d = 0; d < 10; d++)
        fprintf(af_counts.fp, "%d\t%ld\t%ld\n", d, counts[1][d], counts[0][d]);
    summary_print(&s, af_summary.fp);
    summary_free(&s);
    if (atomic_commit_all(all, 2, &e) != 0)
        die("%s", e.msg);
    return 0;
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    /* Each subcommand parses argv + 1, whose argv[0] is its own name. */
    if (!strcmp(argv[1], "mnist-summary"))
        return mnist_summary(argc - 1, argv + 1);
    if (!strcmp(argv[1], "sines"))
        return sines(argc - 1, argv + 1);
    if (!strcmp(argv[1], "circles"))
        return circles(argc - 1, argv + 1);
    if (!strcmp(argv[1], "moons"))
        return moons(argc - 1, argv + 1);
    if (!strcmp(argv[1], "moons-density"))
        return moons_density(argc - 1, argv + 1);
    if (!strcmp(argv[1], "spirals"))
        return spirals(argc - 1, argv + 1);
    die("unknown dataset '%s' (try --help)", argv[1]);
}
