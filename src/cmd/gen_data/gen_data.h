/* gen-data's parts: one file per generator (mnist.c, sines.c, circles.c,
 * moons.c, spirals.c) and the option and output checks they share
 * (options.c).  gen_data.c is the main: it picks the subcommand. */
#ifndef GEN_DATA_GEN_DATA_H
#define GEN_DATA_GEN_DATA_H

#include <getopt.h>
#include <stdio.h>

#include "common/cli.h"
#include "core/util.h"

/* Each subcommand's usage line (its --help, and gen-data --help's list). */
extern const char usage_mnist[], usage_sines[], usage_circles[], usage_moons[],
    usage_moons_density[], usage_spirals[];

/* Every subcommand's usage, one a line (gen_data.c). */
void usage(FILE *fp);

/* The subcommands: each parses argv + 1 of gen-data's, whose argv[0] is its
 * own name, and returns gen-data's exit status. */
int mnist_summary(int argc, char **argv);
int sines(int argc, char **argv);
int circles(int argc, char **argv);
int moons(int argc, char **argv);
int moons_density(int argc, char **argv);
int spirals(int argc, char **argv);

/* ---------------------------------------------------------------- options.c */

enum { OPT_FUNCTION = 256, OPT_POINTS, OPT_NOISE, OPT_SEED, OPT_OUT, OPT_FORMAT, OPT_MNIST_DIR,
       OPT_SUMMARY, OPT_COUNTS, OPT_PREFIX, OPT_GRID_RANGE, OPT_GRID_N, OPT_COUNT,
       OPT_OBSERVATIONS, OPT_GRID_POINTS, OPT_DURATION, OPT_RADIUS, OPT_GROWTH, OPT_PHASE, OPT_WINDOW, OPT_HORIZON, OPT_START_MAX };

/* The next option of subcommand `what` (common/cli.h's messages; `use` is
 * its usage line). */
static inline int next_option(const char *what, const char *use, int argc, char **argv,
                              const struct option *longopts)
{
    return cli_next(&(const cli_t){.longopts = longopts, .usage_line = use, .what = what}, argc,
                    argv);
}

/* Parses LO,HI (finite numbers, LO < HI, or LO <= HI when equal_ok) for
 * option `opt`, or exits naming it. */
void parse_range(const char *what, const char *opt, const char *v, int equal_ok, double *lo,
                 double *hi);

/* The backstop behind the up-front range checks: a value about to be
 * written that is not finite aborts every output (nothing is committed) and
 * exits naming the generator and the value.  `where` says which value. */
void check_finite(const char *what, atomic_file_t *const *afs, size_t n, double v,
                  const char *where);

/* Refuses, before anything is written, two outputs on one file or an output
 * on the input (NULL paths are not given). */
void check_paths(const char *what, const char *input_what, const char *input,
                 const char *a_what, const char *a, const char *b_what, const char *b);

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
void parse_toy(const char *what, const char *use, int argc, char **argv,
               const struct option *longopts, toy_opts_t *o);

#endif
