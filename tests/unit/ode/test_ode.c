/* ARKODE solves against closed forms, the Butcher tables against the order
 * conditions, and the adjoint against the closed-form gradient of a linear
 * ODE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "ode/ode.h"

/* y' = A y with A = [[-lambda, -omega], [omega, -lambda]] per 2-D row:
 * a decaying rotation; theta = (lambda, omega). */
typedef struct {
    double theta[2];
    int rows;
} linear_t;

static int lin_rhs(void *ctx, double t, const double *y, double *yd)
{
    linear_t *L = ctx;
    (void)t;
    double lam = L->theta[0], om = L->theta[1];
    for (int i = 0; i < L->rows; i++) {
        const double *r = y + 2 * i;
        yd[2 * i] = -lam * r[0] - om * r[1];
        yd[2 * i + 1] = om * r[0] - lam * r[1];
    }
    return 0;
}

static int lin_vjp(void *ctx, double t, const double *y, const double *a, double *fy,
                   double *vy, double *vp)
{
    linear_t *L = ctx;
    double lam = L->theta[0], om = L->theta[1];
    if (fy)
        lin_rhs(ctx, t, y, fy);
    vp[0] = vp[1] = 0.0;
    for (int i = 0; i < L->rows; i++) {
        const double *r = y + 2 * i, *ar = a + 2 * i;
        vy[2 * i] = -lam * ar[0] + om * ar[1];
        vy[2 * i + 1] = -om * ar[0] - lam * ar[1];
        vp[0] += -ar[0] * r[0] - ar[1] * r[1];
        vp[1] += -ar[0] * r[1] + ar[1] * r[0];
    }
    return 0;
}

static odefunc_t linear_field(linear_t *L)
{
    odefunc_t f = {.n = (size_t)2 * L->rows, .n_params = 2, .ctx = L, .rhs = lin_rhs,
                   .vjp = lin_vjp};
    return f;
}

/* Exact solution from (x0, y0) at time t. */
static void linear_exact(const linear_t *L, double x0, double y0, double t, double *out)
{
    double d = exp(-L->theta[0] * t), c = cos(L->theta[1] * t), s = sin(L->theta[1] * t);
    out[0] = d * (c * x0 - s * y0);
    out[1] = d * (s * x0 + c * y0);
}

/* The step-size controller of the solves below (ode_controller_t). */
static int test_controller = ODE_CTRL_ARKODE;

static double solve_error(ode_method_t method, double tol, long steps, linear_t *L,
                          long *nfe)
{
    ode_options_t o = ode_options_default();
    o.controller = test_controller;
    o.method = method;
    o.rtol = tol;
    o.atol = tol;
    o.fixed_steps = steps;
    o.max_steps = 1000000;
    ode_solver_t *s;
    err_t e = {{0}};
    if (ode_solver_create(&s, &o, &e) != 0)
        fail_msg("%s", e.msg);
    odefunc_t f = linear_field(L);
    double h0[4] = {1.0, 0.0, 0.3, -0.7};
    double times[3] = {1.0, 2.0, 5.0};
    double hout[12];
    if (ode_forward(s, &f, 0.0, h0, 3, times, hout, &e) != 0)
        fail_msg("%s", e.msg);
    if (nfe)
        *nfe = ode_solver_stats(s).nfe_forward;
    double worst = 0.0;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 2; i++) {
            double ex[2];
            linear_exact(L, h0[2 * i], h0[2 * i + 1], times[k], ex);
            for (int j = 0; j < 2; j++)
                worst = fmax(worst, fabs(hout[4 * k + 2 * i + j] - ex[j]));
        }
    ode_solver_free(s);
    return worst;
}

static void closed_forms_adaptive(void **state)
{
    (void)state;
    linear_t rotation = {{0.0, 1.0}, 2}, decay = {{0.8, 0.0}, 2};
    ode_method_t methods[4] = {ODE_DOPRI5, ODE_TSIT5, ODE_BOSH3, ODE_VERNER6};
    for (test_controller = 0; test_controller <= ODE_CTRL_ELEMENTARY; test_controller++)
        for (int m = 0; m < 4; m++) {
            /* Tolerance 1e-11 leaves room for the accumulated global error. */
            double tol = methods[m] == ODE_BOSH3 ? 1e-12 : 1e-11;
            double er = solve_error(methods[m], tol, 0, &rotation, NULL);
            double ed = solve_error(methods[m], tol, 0, &decay, NULL);
            if (er > 1e-8 || ed > 1e-8)
                fail_msg("%s, controller %d: rotation error %.3g, decay error %.3g (want <= 1e-8)",
                         ode_method_name(methods[m]), test_controller, er, ed);
        }
    test_controller = ODE_CTRL_ARKODE;
}

/* The elementary controller is the one in use (it takes other steps than
 * ARKODE's PID controller), it meets loose and tight tolerances on the
 * closed form, and it spends fewer evaluations: ARKODE's error bias of 1.5
 * and its hold band make its default steps smaller. */
static void elementary_controller(void **state)
{
    (void)state;
    int parsed = -1;
    assert_int_equal(ode_controller_parse("elementary", &parsed), 0);
    assert_int_equal(parsed, ODE_CTRL_ELEMENTARY);
    assert_int_equal(ode_controller_parse("arkode", &parsed), 0);
    assert_int_equal(parsed, ODE_CTRL_ARKODE);
    assert_int_equal(ode_controller_parse("pid", &parsed), -1);
    linear_t L = {{0.2, 2.0}, 2};
    double tols[3] = {1e-3, 1e-6, 1e-9};
    for (int i = 0; i < 3; i++) {
        long nfe_ark = 0, nfe_el = 0;
        test_controller = ODE_CTRL_ARKODE;
        double e_ark = solve_error(ODE_DOPRI5, tols[i], 0, &L, &nfe_ark);
        test_controller = ODE_CTRL_ELEMENTARY;
        double e_el = solve_error(ODE_DOPRI5, tols[i], 0, &L, &nfe_el);
        test_controller = ODE_CTRL_ARKODE;
        print_message("tol %.0e: arkode error %.2g (NFE %ld), elementary %.2g (NFE %ld)\n",
                      tols[i], e_ark, nfe_ark, e_el, nfe_el);
        /* Global error over 5 time units of a unit-size solution: within a
         * few tens of the local tolerance. */
        if (e_el > 30 * tols[i])
            fail_msg("tol %g: elementary controller's error %.3g", tols[i], e_el);
        if (!(nfe_el < nfe_ark))
            fail_msg("tol %g: NFE elementary %ld, arkode %ld (want fewer)", tols[i], nfe_el,
                     nfe_ark);
    }
}

/* Many output times, stopping at each or read from the interpolant
 * (dense_output): both near the closed form, and the interpolant needs far
 * fewer evaluations.  Returns the worst error; *nfe the evaluations. */
static double many_times_error(int dense, double tol, long *nfe)
{
    linear_t L = {{0.2, 1.0}, 2};
    ode_options_t o = ode_options_default();
    o.rtol = o.atol = tol;
    o.dense_output = dense;
    ode_solver_t *s;
    err_t e = {{0}};
    if (ode_solver_create(&s, &o, &e) != 0)
        fail_msg("%s", e.msg);
    odefunc_t f = linear_field(&L);
    enum { K = 200 };
    double h0[4] = {1.0, 0.0, 0.3, -0.7}, times[K], hout[4 * K];
    for (int k = 0; k < K; k++)
        times[k] = 5.0 * (k + 1) / K;
    if (ode_forward(s, &f, 0.0, h0, K, times, hout, &e) != 0)
        fail_msg("%s", e.msg);
    *nfe = ode_solver_stats(s).nfe_forward;
    double worst = 0.0;
    for (int k = 0; k < K; k++)
        for (int i = 0; i < 2; i++) {
            double ex[2];
            linear_exact(&L, h0[2 * i], h0[2 * i + 1], times[k], ex);
            for (int j = 0; j < 2; j++)
                worst = fmax(worst, fabs(hout[4 * k + 2 * i + j] - ex[j]));
        }
    ode_solver_free(s);
    return worst;
}

static void dense_output_matches_stopping(void **state)
{
    (void)state;
    long nfe_stop = 0, nfe_dense = 0;
    double e_stop = many_times_error(0, 1e-6, &nfe_stop);
    double e_dense = many_times_error(1, 1e-6, &nfe_dense);
    if (e_stop > 1e-5 || e_dense > 1e-5)
        fail_msg("errors: stopping %.3g, dense output %.3g (want <= 1e-5)", e_stop, e_dense);
    print_message("200 output times at tol 1e-6: error %.2g stopping (NFE %ld), %.2g dense (NFE %ld)\n",
                  e_stop, nfe_stop, e_dense, nfe_dense);
    /* Stopping costs at least a step (6 evaluations) per output time. */
    if (!(nfe_stop >= 6 * 200 && 3 * nfe_dense < nfe_stop))
        fail_msg("NFE: stopping %ld, dense output %ld (want dense < a third)", nfe_stop,
                 nfe_dense);
    /* A step per output time and no more: 6 evaluations each (dopri5 with
     * its last stage reused), plus the 2 of the initial step's estimate;
     * ARKODE's default interpolant took one more per stop. */
    /* Reading dopri5's own extension costs nothing: fewer evaluations than
     * output times (ARKODE's interpolant evaluated f once per output). */
    if (!(nfe_dense < 200))
        fail_msg("NFE: dense output took %ld evaluations for 200 output times", nfe_dense);
    if (!(nfe_stop <= 6 * 200 + 2 + 6 * 10))
        fail_msg("NFE: stopping at 200 output times took %ld evaluations (want at most %d)",
                 nfe_stop, 6 * 200 + 2 + 6 * 10);
}

static void closed_forms_fixed_step_orders(void **state)
{
    (void)state;
    linear_t L = {{0.3, 1.0}, 2};
    /* Halving the step divides the error by 2^order. */
    double e1 = solve_error(ODE_RK4, 0, 200, &L, NULL), e2 = solve_error(ODE_RK4, 0, 400, &L, NULL);
    double order_rk4 = log2(e1 / e2);
    double f1 = solve_error(ODE_EULER, 0, 2000, &L, NULL),
           f2 = solve_error(ODE_EULER, 0, 4000, &L, NULL);
    double order_euler = log2(f1 / f2);
    if (fabs(order_rk4 - 4.0) > 0.2 || fabs(order_euler - 1.0) > 0.1)
        fail_msg("observed orders: rk4 %.3f, euler %.3f", order_rk4, order_euler);
    long nfe = 0;
    assert_true(solve_error(ODE_RK4, 0, 2000, &L, &nfe) < 1e-8);
    /* Four evaluations per step (plus the initial one): the table is made
     * FSAL to dodge SUNDIALS issue #311, without paying an extra stage. */
    assert_true(nfe <= 4 * 2000 + 2);
}

static void butcher_tables_meet_order_conditions(void **state)
{
    (void)state;
    struct { ode_method_t m; int q, p; } want[] = {
        {ODE_DOPRI5, 5, 4}, {ODE_TSIT5, 5, 4}, {ODE_BOSH3, 3, 2}, {ODE_VERNER6, 6, 5},
        {ODE_RK4, 4, 0}, {ODE_EULER, 1, 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int q = -1, p = -1;
        int flag = ode_method_check_order(want[i].m, &q, &p);
        if (flag < 0 || q != want[i].q || (want[i].p > 0 && p != want[i].p))
            fail_msg("%s: flag %d, orders %d(%d), want %d(%d)", ode_method_name(want[i].m),
                     flag, q, p, want[i].q, want[i].p);
    }
}

/* Tighter tolerance, fewer errors, more evaluations: the options reach
 * ARKODE. */
static void tolerance_controls_work(void **state)
{
    (void)state;
    linear_t L = {{0.2, 2.0}, 2};
    long nfe_loose = 0, nfe_tight = 0;
    double loose = solve_error(ODE_DOPRI5, 1e-4, 0, &L, &nfe_loose);
    double tight = solve_error(ODE_DOPRI5, 1e-9, 0, &L, &nfe_tight);
    assert_true(tight < loose);
    assert_true(nfe_tight > nfe_loose);
    assert_true(nfe_loose > 0);
}

/* L = sum_k w_k . h(t_k): dL/dh0 and dL/dtheta in closed form. */
static void adjoint_matches_closed_form(void **state)
{
    (void)state;
    for (int run = 0; run < 3; run++) {
        int semi = run == 1;
        linear_t L = {{0.4, 1.3}, 1};
        ode_options_t o = ode_options_default();
        o.rtol = o.atol = 1e-11;
        o.seminorm = semi;
        o.controller = run == 2 ? ODE_CTRL_ELEMENTARY : ODE_CTRL_ARKODE;
        o.max_steps = 1000000;
        ode_solver_t *s;
        err_t e = {{0}};
        assert_int_equal(ode_solver_create(&s, &o, &e), 0);
        odefunc_t f = linear_field(&L);
        double h0[2] = {0.9, -0.4}, times[2] = {0.7, 1.5}, hout[4];
        double w[4] = {0.3, -1.1, 0.5, 0.8};
        if (ode_forward(s, &f, 0.0, h0, 2, times, hout, &e) != 0)
            fail_msg("%s", e.msg);
        double dh0[2], dth[2] = {0, 0}, dt[3];
        if (ode_backward(s, &f, 0.0, h0, 2, times, hout, w, dh0, dth, dt, &e) != 0)
            fail_msg("%s", e.msg);
        /* h(t) = e^{-lam t} R(om t) h0, so with M_k = e^{-lam t_k} R(om t_k):
         * dL/dh0 = sum M_k^T w_k, dL/dlam = -sum t_k w_k.h(t_k),
         * dL/dom = sum t_k w_k . J h(t_k), J = [[0,-1],[1,0]]. */
        double g0[2] = {0, 0}, glam = 0, gom = 0;
        for (int k = 0; k < 2; k++) {
            double t = times[k], d = exp(-0.4 * t), c = cos(1.3 * t), sn = sin(1.3 * t);
            const double *wk = w + 2 * k;
            g0[0] += d * (c * wk[0] + sn * wk[1]);
            g0[1] += d * (-sn * wk[0] + c * wk[1]);
            double hx = d * (c * h0[0] - sn * h0[1]), hy = d * (sn * h0[0] + c * h0[1]);
            glam += -t * (wk[0] * hx + wk[1] * hy);
            gom += t * (wk[0] * -hy + wk[1] * hx);
            /* dL/dt_k = w_k . f(h(t_k)) */
            double fx = -0.4 * hx - 1.3 * hy, fy = 1.3 * hx - 0.4 * hy;
            assert_true(fabs(dt[k + 1] - (wk[0] * fx + wk[1] * fy)) < 1e-9);
        }
        double errs[4] = {fabs(dh0[0] - g0[0]), fabs(dh0[1] - g0[1]), fabs(dth[0] - glam),
                          fabs(dth[1] - gom)};
        for (int i = 0; i < 4; i++)
            if (errs[i] > 1e-8)
                fail_msg("run %d (seminorm %d): component %d off by %.3g", run, semi, i,
                         errs[i]);
        assert_true(ode_solver_stats(s).nfe_backward > 0);
        ode_solver_free(s);
    }
}

static void bad_times_and_options_refused(void **state)
{
    (void)state;
    ode_options_t o = ode_options_default();
    ode_solver_t *s;
    err_t e = {{0}};
    o.rtol = 0;
    assert_int_equal(ode_solver_create(&s, &o, &e), -1);
    assert_non_null(strstr(e.msg, "rtol"));
    o = ode_options_default();
    assert_int_equal(ode_solver_create(&s, &o, &e), 0);
    linear_t L = {{0.1, 1.0}, 1};
    odefunc_t f = linear_field(&L);
    double h0[2] = {1, 0}, hout[4], times[2] = {1.0, 0.5};
    assert_int_equal(ode_forward(s, &f, 0.0, h0, 2, times, hout, &e), -1);
    assert_non_null(strstr(e.msg, "increase"));
    ode_solver_free(s);
}

/* A field that blows up in finite time: y' = y^2, y(0) = 1, explodes at
 * t = 1; solving to t = 2 must fail with a message, not return garbage. */
static int blowup_rhs(void *ctx, double t, const double *y, double *yd)
{
    (void)ctx;
    (void)t;
    yd[0] = y[0] * y[0];
    return 0;
}

static void diverging_solve_reported(void **state)
{
    (void)state;
    ode_options_t o = ode_options_default();
    o.max_steps = 5000;
    ode_solver_t *s;
    err_t e = {{0}};
    assert_int_equal(ode_solver_create(&s, &o, &e), 0);
    odefunc_t f = {.n = 1, .n_params = 0, .ctx = NULL, .rhs = blowup_rhs, .vjp = NULL};
    double h0 = 1.0, t = 2.0, hout;
    assert_int_equal(ode_forward(s, &f, 0.0, &h0, 1, &t, &hout, &e), -1);
    assert_non_null(strstr(e.msg, "diverged"));
    ode_solver_free(s);
}

const struct CMUnitTest ode_tests[] = {
    cmocka_unit_test(closed_forms_adaptive),
    cmocka_unit_test(closed_forms_fixed_step_orders),
    cmocka_unit_test(dense_output_matches_stopping),
    cmocka_unit_test(butcher_tables_meet_order_conditions),
    cmocka_unit_test(tolerance_controls_work),
    cmocka_unit_test(elementary_controller),
    cmocka_unit_test(adjoint_matches_closed_form),
    cmocka_unit_test(bad_times_and_options_refused),
    cmocka_unit_test(diverging_solve_reported),
};
const size_t ode_tests_count = sizeof ode_tests / sizeof ode_tests[0];
