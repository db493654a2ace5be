/* Optimisers reach known minima; Adam's first step and SGD's update match
 * hand computations; bad settings and failing objectives are reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "nn/optim.h"

/* f = 0.5 x^T A x - b^T x with A SPD (tridiagonal 4 / 1); minimum A^-1 b. */
#define QN 5
static void quad_grad(const double *x, double *g, double *f)
{
    double fx = 0.0;
    for (int i = 0; i < QN; i++) {
        double ax = 4.0 * x[i] + (i > 0 ? x[i - 1] : 0.0) + (i < QN - 1 ? x[i + 1] : 0.0);
        double b = (double)(i + 1);
        g[i] = ax - b;
        fx += 0.5 * x[i] * ax - b * x[i];
    }
    if (f)
        *f = fx;
}

/* The exact minimiser, by the Thomas algorithm on A x = b. */
static void quad_solution(double *x)
{
    double c[QN], d[QN];
    for (int i = 0; i < QN; i++) {
        double denom = 4.0 - (i > 0 ? c[i - 1] : 0.0);
        c[i] = 1.0 / denom;
        d[i] = ((double)(i + 1) - (i > 0 ? d[i - 1] : 0.0)) / denom;
    }
    x[QN - 1] = d[QN - 1];
    for (int i = QN - 2; i >= 0; i--)
        x[i] = d[i] - c[i] * x[i + 1];
}

static double max_diff(const double *a, const double *b, int n)
{
    double m = 0.0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

static void adam_solves_quadratic(void **state)
{
    (void)state;
    opt_config_t c = {.kind = OPT_ADAM, .lr = 0.05, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-12};
    optimizer_t o;
    err_t e = {{0}};
    assert_int_equal(optimizer_init(&o, &c, QN, &e), 0);
    double x[QN] = {0}, g[QN], want[QN];
    /* Adam with a constant step hovers at O(lr) around the minimum; a decaying
     * step (set between calls) lets it settle. */
    for (int it = 0; it < 20000; it++) {
        o.cfg.lr = 0.05 / (1.0 + it / 200.0);
        quad_grad(x, g, NULL);
        optimizer_step(&o, x, g);
    }
    quad_solution(want);
    double d = max_diff(x, want, QN);
    if (d > 1e-6)
        fail_msg("Adam ended %.3g from the minimum", d);
    optimizer_free(&o);
}

static void rosen(const double *x, int n, double *f, double *g)
{
    double fx = 0.0;
    memset(g, 0, (size_t)n * sizeof *g);
    for (int i = 0; i + 1 < n; i++) {
        double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
        fx += 100.0 * a * a + b * b;
        g[i] += -400.0 * x[i] * a - 2.0 * b;
        g[i + 1] += 200.0 * a;
    }
    if (f)
        *f = fx;
}

static void adam_solves_rosenbrock(void **state)
{
    (void)state;
    opt_config_t c = {.kind = OPT_ADAM, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-12};
    optimizer_t o;
    err_t e = {{0}};
    assert_int_equal(optimizer_init(&o, &c, 2, &e), 0);
    double x[2] = {-1.2, 1.0}, g[2], want[2] = {1.0, 1.0};
    for (int it = 0; it < 60000; it++) {
        o.cfg.lr = 0.01 / (1.0 + it / 5000.0);
        rosen(x, 2, NULL, g);
        optimizer_step(&o, x, g);
    }
    double d = max_diff(x, want, 2);
    if (d > 1e-3)
        fail_msg("Adam ended at (%.6f, %.6f) on Rosenbrock", x[0], x[1]);
    optimizer_free(&o);
}

/* First Adam step: mhat = g, vhat = g^2, so the step is -lr g / (|g| + eps). */
static void adam_first_step_by_hand(void **state)
{
    (void)state;
    opt_config_t c = {.kind = OPT_ADAM, .lr = 0.1, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    optimizer_t o;
    err_t e = {{0}};
    assert_int_equal(optimizer_init(&o, &c, 3, &e), 0);
    double x[3] = {1.0, -2.0, 0.5}, g[3] = {3.0, -0.25, 0.0};
    optimizer_step(&o, x, g);
    assert_true(fabs(x[0] - (1.0 - 0.1 * 3.0 / (3.0 + 1e-8))) < 1e-15);
    assert_true(fabs(x[1] - (-2.0 + 0.1 * 0.25 / (0.25 + 1e-8))) < 1e-15);
    assert_true(x[2] == 0.5);
    optimizer_free(&o);
}

static void sgd_momentum_and_weight_decay(void **state)
{
    (void)state;
    opt_config_t c = {.kind = OPT_SGD, .lr = 0.1, .momentum = 0.9, .weight_decay = 0.01};
    optimizer_t o;
    err_t e = {{0}};
    assert_int_equal(optimizer_init(&o, &c, 1, &e), 0);
    double x = 2.0, g = 0.5;
    optimizer_step(&o, &x, &g); /* v = 0.5 + 0.02 = 0.52; x = 2 - 0.052 */
    assert_true(fabs(x - 1.948) < 1e-15);
    optimizer_step(&o, &x, &g); /* v = 0.9 * 0.52 + 0.5 + 0.01948 */
    assert_true(fabs(x - (1.948 - 0.1 * (0.468 + 0.5 + 0.01948))) < 1e-15);
    optimizer_free(&o);

    c.weight_decay = 0.0;
    c.lr = 0.05;
    assert_int_equal(optimizer_init(&o, &c, QN, &e), 0);
    double xs[QN] = {0}, gs[QN], want[QN];
    for (int it = 0; it < 2000; it++) {
        quad_grad(xs, gs, NULL);
        optimizer_step(&o, xs, gs);
    }
    quad_solution(want);
    assert_true(max_diff(xs, want, QN) < 1e-10);
    optimizer_free(&o);
}

static int quad_objective(void *ctx, const double *x, size_t n, double *f, double *g)
{
    (void)ctx;
    (void)n;
    quad_grad(x, g, f);
    return 0;
}

static int rosen_objective(void *ctx, const double *x, size_t n, double *f, double *g)
{
    (void)ctx;
    rosen(x, (int)n, f, g);
    return 0;
}

static void lbfgs_solves_quadratic_and_rosenbrock(void **state)
{
    (void)state;
    err_t e = {{0}};
    lbfgs_config_t c = lbfgs_config_default();
    c.epsilon = 1e-12;
    c.max_iterations = 500;
    double x[QN] = {0}, want[QN], f;
    int iters;
    if (lbfgs_minimize(x, QN, quad_objective, NULL, NULL, &c, &f, &iters, &e) != 0)
        fail_msg("%s", e.msg);
    quad_solution(want);
    assert_true(max_diff(x, want, QN) < 1e-8);
    for (int n = 2; n <= 10; n += 8) {
        double xr[10], ones[10];
        for (int i = 0; i < n; i++) {
            xr[i] = i % 2 == 0 ? -1.2 : 1.0;
            ones[i] = 1.0;
        }
        if (lbfgs_minimize(xr, (size_t)n, rosen_objective, NULL, NULL, &c, &f, &iters, &e) != 0)
            fail_msg("n = %d: %s", n, e.msg);
        double d = max_diff(xr, ones, n);
        if (d > 1e-6)
            fail_msg("L-BFGS on Rosenbrock n = %d ended %.3g away after %d iterations", n, d,
                     iters);
    }
}

static int failing_objective(void *ctx, const double *x, size_t n, double *f, double *g)
{
    int *calls = ctx;
    if (++*calls > 3)
        return -1;
    quad_grad(x, g, f);
    (void)n;
    return 0;
}

static void lbfgs_reports_failed_objective(void **state)
{
    (void)state;
    err_t e = {{0}};
    lbfgs_config_t c = lbfgs_config_default();
    int calls = 0;
    double x[QN] = {0}, f;
    int iters;
    assert_int_equal(lbfgs_minimize(x, QN, failing_objective, NULL, &calls, &c, &f, &iters, &e),
                     -1);
    assert_non_null(strstr(e.msg, "objective"));
    /* x holds the best point seen, not garbage. */
    for (int i = 0; i < QN; i++)
        assert_true(isfinite(x[i]));
}

static void bad_settings_refused(void **state)
{
    (void)state;
    optimizer_t o;
    err_t e = {{0}};
    opt_config_t c = {.kind = OPT_ADAM, .lr = 0.0, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    assert_int_equal(optimizer_init(&o, &c, 2, &e), -1);
    assert_non_null(strstr(e.msg, "lr"));
    c.lr = 0.1;
    c.beta1 = 1.0;
    assert_int_equal(optimizer_init(&o, &c, 2, &e), -1);
    assert_non_null(strstr(e.msg, "beta1"));
    opt_config_t s = {.kind = OPT_SGD, .lr = 0.1, .momentum = 1.5};
    assert_int_equal(optimizer_init(&o, &s, 2, &e), -1);
    assert_non_null(strstr(e.msg, "momentum"));
}

const struct CMUnitTest optim_tests[] = {
    cmocka_unit_test(adam_solves_quadratic),
    cmocka_unit_test(adam_solves_rosenbrock),
    cmocka_unit_test(adam_first_step_by_hand),
    cmocka_unit_test(sgd_momentum_and_weight_decay),
    cmocka_unit_test(lbfgs_solves_quadratic_and_rosenbrock),
    cmocka_unit_test(lbfgs_reports_failed_objective),
    cmocka_unit_test(bad_settings_refused),
};
const size_t optim_tests_count = sizeof optim_tests / sizeof optim_tests[0];
