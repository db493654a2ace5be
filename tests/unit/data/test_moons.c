/* Two moons: the exact density integrates to 1, its quadrature is converged
 * and agrees with a direct fine rule far from the moons, it has the data's
 * point symmetry, and the sampler's moments match the analytic ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/moons.h"
#include "core/rng.h"

static const double pi = 3.14159265358979323846;

static double log_density(double x1, double x2, double noise)
{
    double lp;
    err_t e;
    assert_int_equal(moons_log_density(x1, x2, noise, &lp, &e), 0);
    assert_true(isfinite(lp));
    return lp;
}

/* Midpoint rule on cells of side h over [lo, hi]^2: the density is smooth
 * (a mixture of Gaussians of sd 2 noise) and negligible at the box's edge,
 * so the rule converges spectrally (error ~ exp(-2 pi^2 (2 noise)^2 / h^2)). */
static double integral_over_box(double noise, double lo, double hi, int cells)
{
    double h = (hi - lo) / cells, sum = 0.0;
    for (int i = 0; i < cells; i++)
        for (int j = 0; j < cells; j++)
            sum += exp(log_density(lo + h * (i + 0.5), lo + h * (j + 0.5), noise));
    return sum * h * h;
}

static void density_integrates_to_one(void **state)
{
    (void)state;
    assert_true(fabs(integral_over_box(0.1, -6.0, 6.0, 240) - 1.0) < 1e-6);
    assert_true(fabs(integral_over_box(0.25, -8.0, 8.0, 160) - 1.0) < 1e-6);
}

/* Points on, between, inside and beyond the moons, at their tips, and at
 * the arcs' centres (where every theta is equally near). */
static const double probe[][2] = {
    {0.0, 0.0},   {1.0, 1.8},   {-3.0, -0.2}, {3.0, 0.8},  {-1.0, -0.2}, {1.0, 0.8},
    {0.0, 8.0},   {10.0, -10.0}, {-1.0, 1.8}, {0.3, 0.3},  {2.5, -1.0},  {-2.9, -0.5},
    {1.0, -1.2},  {1.0001, 0.8}, {-3.2, -0.3}, {3.1, 0.9},
};
static const double probe_noise[] = {0.02, 0.05, 0.1, 0.3, 1.0};

static void quadrature_converged(void **state)
{
    (void)state;
    /* Twice the cut-off window, 10x narrower panels: the reference. */
    const moons_quad_t fine = {.cutoff = 100.0, .panel_width = 0.1, .panel_max = 0.05};
    /* Too few panels (one 16-node rule per window), and too narrow a
     * window. */
    const moons_quad_t coarse[2] = {{.cutoff = 50.0, .panel_width = 30.0, .panel_max = 4.0},
                                    {.cutoff = 8.0, .panel_width = 1.0, .panel_max = 0.5}};
    double worst_coarse[2] = {0.0, 0.0};
    for (size_t k = 0; k < sizeof probe_noise / sizeof probe_noise[0]; k++) {
        for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
            double lp, lp_fine, lp_coarse[2];
            err_t e;
            double x1 = probe[i][0], x2 = probe[i][1], noise = probe_noise[k];
            assert_int_equal(moons_log_density(x1, x2, noise, &lp, &e), 0);
            assert_int_equal(moons_log_density_quad(x1, x2, noise, &fine, &lp_fine, &e), 0);
            for (int c = 0; c < 2; c++)
                assert_int_equal(
                    moons_log_density_quad(x1, x2, noise, &coarse[c], &lp_coarse[c], &e), 0);
            /* |d log p| is the relative error of p. */
            if (fabs(lp - lp_fine) > 1e-10)
                fail_msg("noise %g at (%g, %g): log p %.17g, reference %.17g", noise, x1, x2, lp,
                         lp_fine);
            for (int c = 0; c < 2; c++)
                worst_coarse[c] = fmax(worst_coarse[c], fabs(lp_coarse[c] - lp_fine));
        }
    }
    /* The comparison can tell: the coarse rules miss by far more. */
    print_message("  coarse rules: worst relative error %.2g (panels), %.2g (window)\n",
                  worst_coarse[0], worst_coarse[1]);
    assert_true(worst_coarse[0] > 1e-8 && worst_coarse[1] > 1e-8);
}

/* log p by the midpoint rule with 1e6 panels on theta in [0, pi], straight
 * from the definition (mu = 2 c_m(theta) + shift), in log space. */
static double direct_log_density(double x1, double x2, double noise)
{
    const long panels = 1000000;
    const double sigma2 = 4.0 * noise * noise, h = pi / panels;
    double *g = malloc(2 * (size_t)panels * sizeof *g);
    assert_non_null(g);
    double g_max = -INFINITY;
    for (long i = 0; i < panels; i++) {
        double t = h * (i + 0.5), c = cos(t), s = sin(t);
        double mu[2][2] = {{2.0 * c - 1.0, 2.0 * s - 0.2},
                           {2.0 * (1.0 - c) - 1.0, 2.0 * (0.5 - s) - 0.2}};
        for (int m = 0; m < 2; m++) {
            double d1 = x1 - mu[m][0], d2 = x2 - mu[m][1];
            g[2 * i + m] = -(d1 * d1 + d2 * d2) / (2.0 * sigma2);
            g_max = fmax(g_max, g[2 * i + m]);
        }
    }
    double sum = 0.0;
    for (long i = 0; i < 2 * panels; i++)
        sum += exp(g[i] - g_max);
    free(g);
    /* 1/2 (mixture) * 1/pi (theta) * h * sum / (2 pi sigma^2). */
    return g_max + log(0.5 * h * sum / (pi * 2.0 * pi * sigma2));
}

static void far_point_matches_direct_rule(void **state)
{
    (void)state;
    /* (0, 30): p ~ e^-9800 underflows, log p must not; (4, -4): beside
     * the inner moon's lowest point; (0, 0.3): between the moons. */
    const double pts[][2] = {{0.0, 30.0}, {4.0, -4.0}, {0.0, 0.3}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double lp = log_density(pts[i][0], pts[i][1], 0.1);
        double direct = direct_log_density(pts[i][0], pts[i][1], 0.1);
        if (fabs(lp - direct) > 1e-9 * fmax(1.0, fabs(direct)))
            fail_msg("(%g, %g): log p %.17g, direct %.17g", pts[i][0], pts[i][1], lp, direct);
    }
    assert_true(log_density(0.0, 30.0, 0.1) < -9000.0);
}

/* The inner moon is the outer one turned by pi about (0, 0.3), the
 * midpoint of the arcs' centres: p(x) = p((0, 0.6) - x). */
static void density_has_point_symmetry(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        double x1 = probe[i][0], x2 = probe[i][1];
        double a = log_density(x1, x2, 0.1), b = log_density(-x1, 0.6 - x2, 0.1);
        if (fabs(a - b) > 1e-11 * fmax(1.0, fabs(a)))
            fail_msg("(%g, %g): log p %.17g, at the mirror point %.17g", x1, x2, a, b);
    }
}

/* The mean of n draws (summing to sum) of a variable with the given mean
 * and variance, within 4 standard errors. */
static void check_mean(const char *what, double sum, long n, double expected, double variance)
{
    double mean = sum / n, se = sqrt(variance / n);
    if (fabs(mean - expected) > 4.0 * se)
        fail_msg("%s: mean %.6f, expected %.6f (se %.2g)", what, mean, expected, se);
}

/* Per moon: the means of x1, x2 (E cos = 0, E sin = 2 / pi on [0, pi])
 * and of the squared distance from the arc's centre, 4 + 8 noise^2 (the
 * noise is scaled by 2 with the points), each within 4 standard errors. */
static void sampler_matches_moments(void **state)
{
    (void)state;
    const long n = 100001;
    const double noise = 0.1, nv = noise * noise;
    double *x = malloc(2 * (size_t)n * sizeof *x);
    int *moon = malloc((size_t)n * sizeof *moon);
    assert_non_null(x);
    assert_non_null(moon);
    rng_t rng;
    rng_seed(&rng, 12);
    err_t e;
    assert_int_equal(moons_sample(&rng, (size_t)n, noise, x, moon, &e), 0);
    const double centre[2][2] = {{-1.0, -0.2}, {1.0, 0.8}};
    const double mean[2][2] = {{-1.0, 4.0 / pi - 0.2}, {1.0, 0.8 - 4.0 / pi}};
    const double var[2] = {4.0 * (0.5 + nv), 4.0 * (0.5 - 4.0 / (pi * pi) + nv)};
    const double r2_mean = 4.0 + 8.0 * nv, r2_var = 64.0 * nv + 64.0 * nv * nv;
    long count[2] = {0, 0};
    double s1[2] = {0, 0}, s2[2] = {0, 0}, sr2[2] = {0, 0};
    for (long i = 0; i < n; i++) {
        int m = moon[i];
        assert_int_equal(m, i % 2 == 0 ? MOONS_OUTER : MOONS_INNER);
        count[m]++;
        s1[m] += x[2 * i];
        s2[m] += x[2 * i + 1];
        double d1 = x[2 * i] - centre[m][0], d2 = x[2 * i + 1] - centre[m][1];
        sr2[m] += d1 * d1 + d2 * d2;
    }
    /* Half on each; the odd one out goes to the outer moon. */
    assert_int_equal(count[MOONS_OUTER], 50001);
    assert_int_equal(count[MOONS_INNER], 50000);
    const char *names[2][3] = {{"outer x1", "outer x2", "outer r^2"},
                               {"inner x1", "inner x2", "inner r^2"}};
    for (int m = 0; m < 2; m++) {
        check_mean(names[m][0], s1[m], count[m], mean[m][0], var[0]);
        check_mean(names[m][1], s2[m], count[m], mean[m][1], var[1]);
        check_mean(names[m][2], sr2[m], count[m], r2_mean, r2_var);
    }
    /* The same seed draws the same points; another seed others. */
    double again[4], other[4];
    rng_seed(&rng, 12);
    assert_int_equal(moons_sample(&rng, 2, noise, again, NULL, &e), 0);
    assert_memory_equal(again, x, sizeof again);
    rng_seed(&rng, 13);
    assert_int_equal(moons_sample(&rng, 2, noise, other, NULL, &e), 0);
    assert_memory_not_equal(other, x, sizeof other);
    free(x);
    free(moon);
}

static void bad_input_is_refused(void **state)
{
    (void)state;
    double lp = 0.0, nll = 0.0, x[2] = {0.0, 0.0}, x4[8];
    err_t e;
    assert_int_equal(moons_log_density(0.0, 0.0, 0.0, &lp, &e), -1);
    assert_non_null(strstr(e.msg, "singular"));
    assert_int_equal(moons_log_density(0.0, 0.0, -0.1, &lp, &e), -1);
    assert_int_equal(moons_log_density(NAN, 0.0, 0.1, &lp, &e), -1);
    assert_int_equal(moons_log_density(0.0, INFINITY, 0.1, &lp, &e), -1);
    const moons_quad_t zero = {.cutoff = 0.0, .panel_width = 1.0, .panel_max = 1.0};
    assert_int_equal(moons_log_density_quad(0.0, 0.0, 0.1, &zero, &lp, &e), -1);
    assert_int_equal(moons_mean_nll(x, 0, 0.1, &nll, &e), -1);
    assert_int_equal(moons_mean_nll(x, 1, 0.0, &nll, &e), -1);
    rng_t rng;
    rng_seed(&rng, 1);
    assert_int_equal(moons_sample(&rng, 1, -1.0, x, NULL, &e), -1);
    /* Never a non-finite value: a noise whose draws overflow, a noise too
     * small (or a point too far) for the quadrature are errors. */
    assert_int_equal(moons_sample(&rng, 4, 1e308, x4, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "is not finite"));
    assert_int_equal(moons_log_density(1.0, 0.8, 1e-18, &lp, &e), -1);
    assert_non_null(strstr(e.msg, "too small"));
    assert_int_equal(moons_log_density(1e300, 1e300, 0.1, &lp, &e), -1);
    assert_int_equal(moons_log_density(-1.0, -0.2, 1e-300, &lp, &e), -1);
    double on_arc[2] = {1.0, 1.8};
    assert_int_equal(moons_mean_nll(on_arc, 1, 1e-18, &nll, &e), -1);
    /* The smallest noise gen-data allows still gives finite values on and
     * near the moons. */
    assert_int_equal(moons_log_density(1.0, 1.8, MOONS_DENSITY_NOISE_MIN, &lp, &e), 0);
    assert_true(isfinite(lp));
    /* The mean NLL is the mean of -log p. */
    double pts[4] = {0.0, 0.0, 1.0, 1.8};
    assert_int_equal(moons_mean_nll(pts, 2, 0.1, &nll, &e), 0);
    double want = -0.5 * (log_density(0.0, 0.0, 0.1) + log_density(1.0, 1.8, 0.1));
    assert_true(fabs(nll - want) <= 1e-14 * fabs(want));
}

const struct CMUnitTest moons_tests[] = {
    cmocka_unit_test(density_integrates_to_one),
    cmocka_unit_test(quadrature_converged),
    cmocka_unit_test(far_point_matches_direct_rule),
    cmocka_unit_test(density_has_point_symmetry),
    cmocka_unit_test(sampler_matches_moments),
    cmocka_unit_test(bad_input_is_refused),
};
const size_t moons_tests_count = sizeof moons_tests / sizeof moons_tests[0];
