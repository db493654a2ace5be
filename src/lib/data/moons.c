/* Two moons: generator and exact density (see data/moons.h for the model). */
#include "data/moons.h"

#include <math.h>

static const double pi = 3.14159265358979323846;

/* After scaling by 2 and the shift (-1, -0.2), moon m is the arc of radius
 * MOONS_RADIUS centred at centre[m] over angles [start[m], start[m] + pi]:
 * outer 2 (cos t, sin t) + shift; inner 2 (1 - cos t, 1/2 - sin t) + shift
 * = (1, 0.8) + 2 (cos(t + pi), sin(t + pi)). */
#define MOONS_RADIUS 2.0
static const double shift[2] = {-1.0, -0.2};
static const double centre[2][2] = {{-1.0, -0.2}, {1.0, 0.8}};
static const double start[2] = {0.0, 3.14159265358979323846};

const moons_quad_t moons_quad_default = {.cutoff = 50.0, .panel_width = 1.0, .panel_max = 0.5};

/* 16-point Gauss-Legendre on [-1, 1]: the positive nodes and their weights
 * (Newton on P_16 in long double; the rule is symmetric). */
static const double gl16[8][2] = {
    {0.98940093499164993260, 0.02715245941175409481},
    {0.94457502307323257609, 0.06225352393864789284},
    {0.86563120238783174387, 0.09515851168249278482},
    {0.75540440835500303389, 0.12462897125553387205},
    {0.61787624440264374845, 0.14959598881657673209},
    {0.45801677765722738635, 0.16915651939500253825},
    {0.28160355077925891323, 0.18260341504492358887},
    {0.09501250983763744017, 0.18945061045506849626},
};

int moons_sample(rng_t *rng, size_t n, double noise, double *x, int *moon, err_t *e)
{
    if (!isfinite(noise) || noise < 0)
        return err_set(e, "moons: noise %g is not a finite number >= 0", noise);
    for (size_t i = 0; i < n; i++) {
        int m = (i % 2 == 0) ? MOONS_OUTER : MOONS_INNER;
        double theta = pi * rng_uniform(rng);
        double eps1 = noise * rng_normal(rng);
        double eps2 = noise * rng_normal(rng);
        double c1 = cos(theta), c2 = sin(theta);
        if (m == MOONS_INNER) {
            c1 = 1.0 - c1;
            c2 = 0.5 - c2;
        }
        x[2 * i] = 2.0 * (c1 + eps1) + shift[0];
        x[2 * i + 1] = 2.0 * (c2 + eps2) + shift[1];
        if (!isfinite(x[2 * i]) || !isfinite(x[2 * i + 1]))
            return err_set(e, "moons: point %zu is not finite (%g, %g): noise %g is too large", i,
                           x[2 * i], x[2 * i + 1], noise);
        if (moon)
            moon[i] = m;
    }
    return 0;
}

/* sum over the pieces' Gauss-Legendre nodes of exp(g(u) - g_max), where
 * g(u) - g_max = 2 kappa (s_peak^2 - sin^2((u - u0) / 2)) (<= 0 on the arc;
 * the half-angle form keeps the difference accurate near the peak). */
static double piece_sum(double a, double b, double u0, double kappa, double s_peak2, double h_max)
{
    double len = b - a;
    if (!(len > 0))
        return 0.0;
    long panels = (long)ceil(len / h_max);
    if (panels < 1)
        panels = 1;
    double h = len / (double)panels, sum = 0.0;
    for (long p = 0; p < panels; p++) {
        double mid = a + h * ((double)p + 0.5), half = 0.5 * h;
        for (int k = 0; k < 8; k++) {
            for (int sign = -1; sign <= 1; sign += 2) {
                double u = mid + sign * half * gl16[k][0];
                double s = sin(0.5 * (u - u0));
                sum += half * gl16[k][1] * exp(2.0 * kappa * (s_peak2 - s * s));
            }
        }
    }
    return sum;
}

/* log of (1/pi) int_0^pi N(x; a + R (cos(start + u), sin(start + u)), sigma^2 I) du
 * for one moon.  With d = x - a = r (cos phi, sin phi),
 * |x - mu(u)|^2 = r^2 + R^2 - 2 R r cos(start + u - phi)
 *               = (r - R)^2 + 4 R r sin^2((u - u0) / 2),  u0 = phi - start,
 * so the log-integrand is g(u) = -|x - mu(u)|^2 / (2 sigma^2), sharply
 * peaked (kappa = R r / sigma^2) at the arc point nearest to x. */
static double moon_log_density(double x1, double x2, int m, double sigma, const moons_quad_t *q)
{
    const double R = MOONS_RADIUS;
    double d1 = x1 - centre[m][0], d2 = x2 - centre[m][1];
    double r = hypot(d1, d2);
    double u0 = atan2(d2, d1) - start[m];
    /* Reduce to (-pi, pi]. */
    while (u0 > pi)
        u0 -= 2.0 * pi;
    while (u0 <= -pi)
        u0 += 2.0 * pi;
    /* Angular distance from u0 to the nearest point of the arc [0, pi]. */
    double t_peak = 0.0;
    if (u0 < 0)
        t_peak = fmin(-u0, u0 + pi);
    double s_peak = sin(0.5 * t_peak), s_peak2 = s_peak * s_peak;
    double sigma2 = sigma * sigma;
    double kappa = R * r / sigma2;
    double g_max = -((r - R) * (r - R) + 4.0 * R * r * s_peak2) / (2.0 * sigma2);

    /* The window around u0 where g >= g_max - cutoff:
     * sin^2(t / 2) <= s_peak^2 + cutoff / (2 kappa), t = u - u0. */
    double half_window = pi;
    if (kappa > 0) {
        double bound = s_peak2 + q->cutoff / (2.0 * kappa);
        if (bound < 1.0)
            half_window = 2.0 * asin(sqrt(bound));
    }
    double h_max = q->panel_max;
    if (kappa > 0)
        h_max = fmin(h_max, q->panel_width / sqrt(kappa));
    double sum = 0.0;
    if (half_window >= pi) {
        sum = piece_sum(0.0, pi, u0, kappa, s_peak2, h_max);
    } else {
        /* The window [u0 - w, u0 + w] and its copies 2 pi apart, cut to
         * [0, pi]; with w < pi they do not overlap. */
        for (int k = -1; k <= 1; k++) {
            double c = u0 + 2.0 * pi * k;
            sum += piece_sum(fmax(0.0, c - half_window), fmin(pi, c + half_window), u0, kappa,
                             s_peak2, h_max);
        }
    }
    /* N's normaliser 1 / (2 pi sigma^2) and the uniform density 1 / pi. */
    return g_max + log(sum) - log(2.0 * pi * sigma2) - log(pi);
}

int moons_log_density_quad(double x1, double x2, double noise, const moons_quad_t *q,
                           double *log_p, err_t *e)
{
    if (!isfinite(noise) || !(noise > 0))
        return err_set(e, "moons density: noise %g must be > 0 (at 0 the density is singular)",
                       noise);
    if (!isfinite(x1) || !isfinite(x2))
        return err_set(e, "moons density: point (%g, %g) is not finite", x1, x2);
    if (!(q->cutoff > 0) || !(q->panel_width > 0) || !(q->panel_max > 0))
        return err_set(e, "moons density: quadrature settings must be positive");
    double sigma = 2.0 * noise;
    /* kappa = R r / sigma^2 per moon (moon_log_density); checked as
     * R r <= MOONS_KAPPA_MAX sigma^2 so that a tiny sigma^2 cannot overflow
     * the quotient. */
    for (int m = 0; m < 2; m++) {
        double r = hypot(x1 - centre[m][0], x2 - centre[m][1]);
        if (!(MOONS_RADIUS * r <= MOONS_KAPPA_MAX * (sigma * sigma)))
            return err_set(e, "moons density: noise %g is too small for the point (%g, %g), "
                           "%g from the %s moon's centre: the quadrature would lose its "
                           "precision (kappa = 2 r / (2 noise)^2 must be <= %g)",
                           noise, x1, x2, r, m == MOONS_OUTER ? "outer" : "inner",
                           MOONS_KAPPA_MAX);
    }
    double lo = moon_log_density(x1, x2, MOONS_OUTER, sigma, q);
    double li = moon_log_density(x1, x2, MOONS_INNER, sigma, q);
    /* log(1/2 (e^lo + e^li)) by log-sum-exp. */
    double hi = fmax(lo, li), low = fmin(lo, li);
    *log_p = hi + log1p(exp(low - hi)) - log(2.0);
    /* The true log density is finite everywhere; the quadrature's is not
     * when it under- or overflows.  Never returned as a number. */
    if (!isfinite(*log_p))
        return err_set(e, "moons density: log p at (%g, %g) with noise %g is not finite (%g): "
                       "the quadrature under- or overflows there", x1, x2, noise, *log_p);
    return 0;
}

int moons_log_density(double x1, double x2, double noise, double *log_p, err_t *e)
{
    return moons_log_density_quad(x1, x2, noise, &moons_quad_default, log_p, e);
}

int moons_mean_nll(const double *x, size_t n, double noise, double *nll, err_t *e)
{
    if (n == 0)
        return err_set(e, "moons NLL: no points");
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double lp;
        if (moons_log_density(x[2 * i], x[2 * i + 1], noise, &lp, e) != 0)
            return -1;
        sum -= lp;
    }
    *nll = sum / (double)n;
    if (!isfinite(*nll))
        return err_set(e, "moons NLL: the mean over %zu points with noise %g is not finite (%g)",
                       n, noise, *nll);
    return 0;
}
