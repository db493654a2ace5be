/* The continuous normalizing flow's augmented field (models/cnf/cnf_field.h) against
 * central finite differences: the exact trace against the finite-difference
 * Jacobian, the vector-Jacobian product with respect to the state and to
 * every parameter (this is where tanh's second derivative enters), and the
 * whole negative log-likelihood's gradient through the adjoint at
 * rtol = atol = 1e-10.  Criterion: max |g - fd| / max |fd| <= 1e-6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cnf/cnf_field.h"
#include "ode/ode.h"
#include "core/rng.h"
#include "test_util.h"

#define GRAD_TOL 1e-6

typedef struct {
    cnffield_t cf;
    double *theta;
    int B, H;
} fixture_t;

static void setup(fixture_t *fx, int B, int H, uint64_t seed)
{
    err_t e = {{0}};
    assert_int_equal(cnffield_init(&fx->cf, H, B, &e), 0);
    fx->B = B;
    fx->H = H;
    size_t np = cnffield_n_params(&fx->cf);
    fx->theta = malloc(np * sizeof *fx->theta);
    rng_t r;
    rng_seed(&r, seed);
    mlp_init_params(&fx->cf.mlp, fx->theta, &r);
    /* Nonzero biases, so no symmetry hides a wrong term. */
    for (size_t i = 0; i < np; i++)
        fx->theta[i] += 0.3 * (2.0 * rng_uniform(&r) - 1.0);
    cnffield_bind(&fx->cf, B, fx->theta);
}

static void teardown(fixture_t *fx)
{
    cnffield_free(&fx->cf);
    free(fx->theta);
}

/* The trace row equals the trace of the finite-difference Jacobian of f. */
static void cnf_trace_matches_fd_jacobian(void **state)
{
    (void)state;
    fixture_t fx;
    setup(&fx, 5, 16, 3);
    rng_t r;
    rng_seed(&r, 4);
    double y[5 * CNF_STATE], out[5 * CNF_STATE], yp[5 * CNF_STATE], op[5 * CNF_STATE],
        om[5 * CNF_STATE];
    fill_uniform(&r, y, sizeof y / sizeof y[0], 1.5);
    double t = 0.37, h = 1e-5;
    assert_int_equal(cnffield_eval(&fx.cf, t, y, out), 0);
    double tr[5] = {0}, fd[5] = {0};
    for (int b = 0; b < 5; b++) {
        tr[b] = out[CNF_STATE * b + 2];
        for (int k = 0; k < CNF_DIM; k++) {
            memcpy(yp, y, sizeof y);
            yp[CNF_STATE * b + k] += h;
            assert_int_equal(cnffield_eval(&fx.cf, t, yp, op), 0);
            yp[CNF_STATE * b + k] -= 2 * h;
            assert_int_equal(cnffield_eval(&fx.cf, t, yp, om), 0);
            fd[b] += (op[CNF_STATE * b + k] - om[CNF_STATE * b + k]) / (2 * h);
        }
    }
    double err = grad_rel_err(tr, fd, 5);
    print_message("  cnf trace vs FD Jacobian: rel err %.2e\n", err);
    assert_true(err < GRAD_TOL);
    teardown(&fx);
}

/* a^T dF/dy and a^T dF/dtheta of F = [f, tr] against central differences
 * of a . F, and fy equals the rhs. */
static void cnf_vjp_matches_fd(void **state)
{
    (void)state;
    const int B = 4, H = 12;
    fixture_t fx;
    setup(&fx, B, H, 7);
    size_t n = (size_t)B * CNF_STATE, np = cnffield_n_params(&fx.cf);
    rng_t r;
    rng_seed(&r, 8);
    double *y = malloc(n * sizeof *y), *a = malloc(n * sizeof *a), *fy = malloc(n * sizeof *fy),
           *ydot = malloc(n * sizeof *ydot), *vy = malloc(n * sizeof *vy),
           *vp = malloc(np * sizeof *vp), *fdy = malloc(n * sizeof *fdy),
           *fdp = malloc(np * sizeof *fdp), *tmp = malloc(n * sizeof *tmp);
    fill_uniform(&r, y, n, 1.2);
    fill_uniform(&r, a, n, 1.0);
    double t = 0.61, h = 1e-6;
    assert_int_equal(fx.cf.f.vjp(&fx.cf, t, y, a, fy, vy, vp), 0);
    assert_int_equal(cnffield_eval(&fx.cf, t, y, ydot), 0);
    assert_memory_equal(fy, ydot, n * sizeof *fy);
#define DOT_F(res)                                                                          \
    do {                                                                                    \
        assert_int_equal(cnffield_eval(&fx.cf, t, y, tmp), 0);                              \
        (res) = 0.0;                                                                        \
        for (size_t q = 0; q < n; q++)                                                      \
            (res) += a[q] * tmp[q];                                                         \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        double keep = y[i], fp, fm;
        y[i] = keep + h;
        DOT_F(fp);
        y[i] = keep - h;
        DOT_F(fm);
        y[i] = keep;
        fdy[i] = (fp - fm) / (2 * h);
    }
    for (size_t i = 0; i < np; i++) {
        double keep = fx.theta[i], fp, fm;
        fx.theta[i] = keep + h;
        DOT_F(fp);
        fx.theta[i] = keep - h;
        DOT_F(fm);
        fx.theta[i] = keep;
        fdp[i] = (fp - fm) / (2 * h);
    }
#undef DOT_F
    double ey = grad_rel_err(vy, fdy, n), ep = grad_rel_err(vp, fdp, np);
    print_message("  cnf VJP vs FD: state %.2e, parameters %.2e (%zu)\n", ey, ep, np);
    assert_true(ey < GRAD_TOL);
    assert_true(ep < GRAD_TOL);
    /* The log-density row never feeds back. */
    for (int b = 0; b < B; b++)
        assert_true(vy[CNF_STATE * b + 2] == 0.0);
    free(y), free(a), free(fy), free(ydot), free(vy), free(vp), free(fdy), free(fdp), free(tmp);
    teardown(&fx);
}

/* Mean negative log-likelihood of B points: z(1), l(1) from one solve. */
static double nll(fixture_t *fx, ode_solver_t *s, const double *x, double *h1)
{
    int B = fx->B;
    double h0[64 * CNF_STATE] = {0}, t1 = 1.0, L = 0.0;
    for (int b = 0; b < B; b++) {
        h0[CNF_STATE * b] = x[2 * b];
        h0[CNF_STATE * b + 1] = x[2 * b + 1];
        h0[CNF_STATE * b + 2] = 0.0;
    }
    err_t e = {{0}};
    assert_int_equal(ode_forward(s, &fx->cf.f, 0.0, h0, 1, &t1, h1, &e), 0);
    for (int b = 0; b < B; b++) {
        const double *z = h1 + CNF_STATE * b;
        /* log N(z; 0, I) = -|z|^2 / 2 - log(2 pi) */
        L -= -0.5 * (z[0] * z[0] + z[1] * z[1]) - 1.8378770664093453 + z[2];
    }
    return L / B;
}

/* The whole flow: d(mean NLL)/dtheta and d/dx by the continuous adjoint on
 * the augmented state, against central differences of full solves. */
static void cnf_nll_gradient_matches_fd(void **state)
{
    (void)state;
    const int B = 3, H = 8;
    fixture_t fx;
    setup(&fx, B, H, 11);
    ode_options_t o = ode_options_default();
    o.rtol = o.atol = 1e-10;
    o.max_steps = 100000;
    ode_solver_t *s;
    err_t e = {{0}};
    assert_int_equal(ode_solver_create(&s, &o, &e), 0);
    size_t np = cnffield_n_params(&fx.cf), n = (size_t)B * CNF_STATE;
    double x[2 * 3] = {0.3, -0.8, 1.1, 0.4, -0.5, 0.2}, h1[3 * CNF_STATE],
           h0[3 * CNF_STATE], dh1[3 * CNF_STATE], dh0[3 * CNF_STATE], t1 = 1.0;
    double *g = calloc(np, sizeof *g), *fd = malloc(np * sizeof *fd);
    nll(&fx, s, x, h1);
    for (int b = 0; b < B; b++) {
        h0[CNF_STATE * b] = x[2 * b];
        h0[CNF_STATE * b + 1] = x[2 * b + 1];
        h0[CNF_STATE * b + 2] = 0.0;
        dh1[CNF_STATE * b] = h1[CNF_STATE * b] / B;
        dh1[CNF_STATE * b + 1] = h1[CNF_STATE * b + 1] / B;
        dh1[CNF_STATE * b + 2] = -1.0 / B;
    }
    assert_int_equal(ode_backward(s, &fx.cf.f, 0.0, h0, 1, &t1, h1, dh1, dh0, g, NULL, &e), 0);
    double hstep = 1e-5, tmp[3 * CNF_STATE];
    for (size_t i = 0; i < np; i++) {
        double keep = fx.theta[i];
        fx.theta[i] = keep + hstep;
        double fp = nll(&fx, s, x, tmp);
        fx.theta[i] = keep - hstep;
        double fm = nll(&fx, s, x, tmp);
        fx.theta[i] = keep;
        fd[i] = (fp - fm) / (2 * hstep);
    }
    double ep = grad_rel_err(g, fd, np);
    double gx[6], fdx[6];
    for (int i = 0; i < 2 * B; i++) {
        gx[i] = dh0[CNF_STATE * (i / 2) + i % 2];
        double keep = x[i];
        x[i] = keep + hstep;
        double fp = nll(&fx, s, x, tmp);
        x[i] = keep - hstep;
        double fm = nll(&fx, s, x, tmp);
        x[i] = keep;
        fdx[i] = (fp - fm) / (2 * hstep);
    }
    double ex = grad_rel_err(gx, fdx, 6);
    print_message("  cnf NLL gradient vs FD: parameters %.2e, inputs %.2e\n", ep, ex);
    assert_true(ep < GRAD_TOL);
    assert_true(ex < GRAD_TOL);
    (void)n;
    free(g);
    free(fd);
    ode_solver_free(s);
    teardown(&fx);
}

/* A batch of several chunks: the VJP is right across chunk boundaries
 * (against central differences) and bitwise the same on 1 and 2 threads. */
static void cnf_chunks_are_thread_invariant(void **state)
{
    (void)state;
    const int B = 2 * CNF_CHUNK + 44, H = 8;
    fixture_t fx;
    setup(&fx, B, H, 21);
    size_t n = (size_t)B * CNF_STATE, np = cnffield_n_params(&fx.cf);
    rng_t r;
    rng_seed(&r, 22);
    double *y = malloc(n * sizeof *y), *a = malloc(n * sizeof *a), *tmp = malloc(n * sizeof *tmp);
    double *vy[2], *vp[2], *fy[2];
    fill_uniform(&r, y, n, 1.2);
    fill_uniform(&r, a, n, 1.0);
    for (int t = 0; t < 2; t++) {
        vy[t] = malloc(n * sizeof *vy[t]);
        vp[t] = malloc(np * sizeof *vp[t]);
        fy[t] = malloc(n * sizeof *fy[t]);
        cnffield_set_threads(&fx.cf, t + 1);
        assert_int_equal(fx.cf.f.vjp(&fx.cf, 0.3, y, a, fy[t], vy[t], vp[t]), 0);
    }
    assert_memory_equal(vy[0], vy[1], n * sizeof *vy[0]);
    assert_memory_equal(vp[0], vp[1], np * sizeof *vp[0]);
    assert_memory_equal(fy[0], fy[1], n * sizeof *fy[0]);
    cnffield_set_threads(&fx.cf, 1);
    double *fdp = malloc(np * sizeof *fdp), h = 1e-6;
    for (size_t i = 0; i < np; i++) {
        double keep = fx.theta[i], fp = 0, fm = 0;
        fx.theta[i] = keep + h;
        assert_int_equal(cnffield_eval(&fx.cf, 0.3, y, tmp), 0);
        for (size_t q = 0; q < n; q++)
            fp += a[q] * tmp[q];
        fx.theta[i] = keep - h;
        assert_int_equal(cnffield_eval(&fx.cf, 0.3, y, tmp), 0);
        for (size_t q = 0; q < n; q++)
            fm += a[q] * tmp[q];
        fx.theta[i] = keep;
        fdp[i] = (fp - fm) / (2 * h);
    }
    double ep = grad_rel_err(vp[0], fdp, np);
    print_message("  cnf VJP over %d chunks vs FD: parameters %.2e\n", (B + CNF_CHUNK - 1) / CNF_CHUNK, ep);
    assert_true(ep < GRAD_TOL);
    for (int t = 0; t < 2; t++) {
        free(vy[t]);
        free(vp[t]);
        free(fy[t]);
    }
    free(y), free(a), free(tmp), free(fdp);
    teardown(&fx);
}

/* A non-finite state is refused, not propagated. */
static void cnf_refuses_nonfinite_state(void **state)
{
    (void)state;
    fixture_t fx;
    setup(&fx, 2, 4, 5);
    double y[2 * CNF_STATE] = {0.1, 0.2, 0.0, NAN, 0.3, 0.0}, out[2 * CNF_STATE];
    assert_int_equal(cnffield_eval(&fx.cf, 0.5, y, out), -1);
    teardown(&fx);
}

const struct CMUnitTest cnf_tests[] = {
    cmocka_unit_test(cnf_trace_matches_fd_jacobian),
    cmocka_unit_test(cnf_vjp_matches_fd),
    cmocka_unit_test(cnf_nll_gradient_matches_fd),
    cmocka_unit_test(cnf_chunks_are_thread_invariant),
    cmocka_unit_test(cnf_refuses_nonfinite_state),
};
const size_t cnf_tests_count = sizeof cnf_tests / sizeof cnf_tests[0];
