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
 * are committed.
 *
 * This file picks the subcommand; each generator is in gen_data/NAME.c and
 * the option and output checks they share in gen_data/options.c. */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "gen_data/gen_data.h"

void usage(FILE *fp)
{
    fprintf(fp, "usage: %s\n       %s\n       %s\n       %s\n       %s\n       %s\n",
            usage_mnist, usage_sines, usage_circles, usage_moons, usage_moons_density,
            usage_spirals);
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
