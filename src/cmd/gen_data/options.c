/* The option and output checks gen-data's generators share (gen_data.h). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "gen_data/gen_data.h"

void parse_range(const char *what, const char *opt, const char *v, int equal_ok,
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

void check_finite(const char *what, atomic_file_t *const *afs, size_t n, double v,
                  const char *where)
{
    if (isfinite(v))
        return;
    for (size_t i = 0; i < n; i++)
        if (afs[i])
            atomic_abort(afs[i]);
    die("%s: %s is not a finite number (%g); nothing was written", what, where, v);
}

void check_paths(const char *what, const char *input_what, const char *input,
                 const char *a_what, const char *a, const char *b_what, const char *b)
{
    err_t e;
    const io_path_t in[] = {{input_what, input}};
    const io_path_t out[] = {{a_what, a}, {b_what, b}};
    if (check_io_paths(in, 1, out, 2, &e) != 0)
        die("%s: %s", what, e.msg);
}

void parse_toy(const char *what, const char *use, int argc, char **argv,
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
