/* Two moons (the flow literature's, since FFJORD): the generator and its
 * exact density.
 *
 * A point is x = 2 (c_m(theta) + eps) + (-1, -0.2), with theta ~ U(0, pi),
 * eps ~ N(0, noise^2 I) and c_m the moon's half circle:
 *   outer  c(theta) = (cos theta, sin theta),
 *   inner  c(theta) = (1 - cos theta, 1/2 - sin theta).
 * Both are arcs of radius 2 after scaling: the outer centred at
 * (-1, -0.2) over angles [0, pi], the inner centred at (1, 0.8) over
 * [pi, 2 pi].  The density is the equal mixture
 *   p(x) = 1/2 sum_m (1/pi) int_0^pi N(x; 2 c_m(theta) + shift, (2 noise)^2 I) dtheta,
 * whose theta-integral is computed by composite Gauss-Legendre quadrature
 * in log space, so that points far from the moons keep a finite log p.
 *
 * Library code: returns 0 or -1 with a message in e, never prints. */
#ifndef NODE_DATA_MOONS_H
#define NODE_DATA_MOONS_H

#include <stddef.h>

#include "core/rng.h"
#include "core/util.h"

enum { MOONS_OUTER = 0, MOONS_INNER = 1 };

/* Draws n points into x (n, 2), row-major.  Point i lies on the outer moon
 * for even i and on the inner one for odd i, so any prefix is balanced and
 * for odd n the outer moon has the extra point.  Per point the stream is
 * read in a fixed order: theta (one uniform), then eps1, eps2 (rng_normal).
 * moon (n) may be NULL; else it receives MOONS_OUTER or MOONS_INNER.
 * noise must be finite and >= 0 (0 puts the points on the arcs); a
 * point that is not finite (noise too large for a double) is an error. */
int moons_sample(rng_t *rng, size_t n, double noise, double *x, int *moon, err_t *e);

/* The quadrature of the theta-integral.  Around its peak the integrand is
 * close to a Gaussian in theta of width w = 1 / sqrt(kappa),
 * kappa = 2 r / sigma^2 (r: distance of x from the arc's centre, sigma =
 * 2 noise).  Only the window where the log-integrand is within `cutoff`
 * nats of its maximum is integrated (the rest weighs less than
 * pi e^-cutoff relative to the peak), in panels of at most
 * `panel_width` w (and at most `panel_max` rad) with 16 Gauss-Legendre
 * nodes each. */
typedef struct {
    double cutoff;      /* nats */
    double panel_width; /* in units of w */
    double panel_max;   /* rad */
} moons_quad_t;

/* The setting moons_log_density uses: relative error below 1e-13 on the
 * tests' points (tests/unit/data/test_moons.c compares it with a much finer one). */
extern const moons_quad_t moons_quad_default;

/* The quadrature keeps its precision only while kappa = 2 r / sigma^2
 * (for both moons) is at most MOONS_KAPPA_MAX: the log-integrand's
 * exponent 2 kappa (s_peak^2 - s^2) then carries a rounding error below
 * about 1e-2 nats (4 kappa DBL_EPSILON), where beyond it exp() can
 * overflow or the window underflows and log p is not finite.  A point
 * farther from a moon's centre, or a smaller noise, is refused (-1).
 * MOONS_DENSITY_NOISE_MIN is the smallest noise for which every point
 * within distance 4.5 of both centres (every sample of the two moons with
 * such a noise) stays inside: kappa <= 2 * 4.5 / (2e-6)^2 = 2.25e12. */
#define MOONS_KAPPA_MAX 1e13
#define MOONS_DENSITY_NOISE_MIN 1e-6

/* log p(x) of the two-moons mixture for noise > 0, in nats; -1 (never a
 * non-finite log p) when the point and noise are outside the range above. */
int moons_log_density(double x1, double x2, double noise, double *log_p, err_t *e);
/* The same with an explicit quadrature (for convergence checks). */
int moons_log_density_quad(double x1, double x2, double noise, const moons_quad_t *q,
                           double *log_p, err_t *e);

/* Mean negative log-likelihood of the n points x (n, 2) under the true
 * density, in nats: the floor no model of the data can beat on average.
 * -1 if a point's log p cannot be computed or the mean is not finite. */
int moons_mean_nll(const double *x, size_t n, double noise, double *nll, err_t *e);

#endif
