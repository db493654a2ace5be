/* The latent ODE's recognition RNN and ELBO pieces (nn/rnn_encoder.h, nn/elbo.h): every
 * gradient against central finite differences (criterion max_i |g_i - fd_i|
 * / max_i |fd_i| <= 1e-6, as in test_grad.c), the log-likelihood and KL
 * against hand-computed numbers, and padding that is never read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/elbo.h"
#include "core/rng.h"
#include "nn/rnn_encoder.h"

#define GRAD_TOL 1e-6
#define FD_STEP 1e-6

static double rel_err(const double *g, const double *fd, size_t n)
{
    double scale = 0.0, worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, fabs(fd[i]));
        worst = fmax(worst, fabs(g[i] - fd[i]));
    }
    return scale > 0 ? worst / scale : worst;
}

static void fill(rng_t *r, double *x, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * (2.0 * rng_uniform(r) - 1.0);
}

/* A scalar loss of whatever the context holds, and its central finite
 * differences w.r.t. the n values at v (perturbed in place, restored). */
typedef double (*loss_fn)(void *ctx);

static void fd_grad(loss_fn f, void *ctx, double *v, size_t n, double *fd)
{
    for (size_t i = 0; i < n; i++) {
        double keep = v[i];
        v[i] = keep + FD_STEP;
        double lp = f(ctx);
        v[i] = keep - FD_STEP;
        double lm = f(ctx);
        v[i] = keep;
        fd[i] = (lp - lm) / (2 * FD_STEP);
    }
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* --------------------------------------------------------------- the cell */

enum { CB = 3, CD = 3, CH = 5 };
typedef struct {
    double w[CH * (CD + CH)], b[CH], xh[CB * (CD + CH)], c[CB * CH], h[CB * CH];
} cell_case_t;

static double cell_loss(void *ctx)
{
    cell_case_t *k = ctx;
    rnn_cell_forward(k->h, k->xh, k->w, k->b, CB, CD, CH);
    return dot(k->c, k->h, CB * CH);
}

static void cell_matches_finite_differences(void **state)
{
    (void)state;
    rng_t r;
    rng_seed(&r, 1301);
    cell_case_t k;
    fill(&r, k.w, CH * (CD + CH), 0.8);
    fill(&r, k.b, CH, 0.5);
    fill(&r, k.xh, CB * (CD + CH), 1.0);
    fill(&r, k.c, CB * CH, 1.0);
    double dw[CH * (CD + CH)] = {0}, db[CH] = {0}, dxh[CB * (CD + CH)], dpre[CB * CH];
    double fdw[CH * (CD + CH)], fdb[CH], fdxh[CB * (CD + CH)];
    cell_loss(&k);
    rnn_cell_backward(dxh, dw, db, dpre, k.c, k.h, k.xh, k.w, CB, CD, CH);
    fd_grad(cell_loss, &k, k.w, CH * (CD + CH), fdw);
    fd_grad(cell_loss, &k, k.b, CH, fdb);
    fd_grad(cell_loss, &k, k.xh, CB * (CD + CH), fdxh); /* input and previous state */
    double ew = rel_err(dw, fdw, CH * (CD + CH)), eb = rel_err(db, fdb, CH),
           ex = rel_err(dxh, fdxh, CB * (CD + CH));
    print_message("  rnn cell: w %.2e, b %.2e, [x, h_prev] %.2e\n", ew, eb, ex);
    if (ew > GRAD_TOL || eb > GRAD_TOL || ex > GRAD_TOL)
        fail_msg("rnn cell: w error %.3g, b error %.3g, [x, h] error %.3g", ew, eb, ex);
    /* The backward adds into the parameter gradient: a second call doubles. */
    double dw2[CH * (CD + CH)];
    memcpy(dw2, dw, sizeof dw);
    cell_loss(&k);
    rnn_cell_backward(dxh, dw2, db, k.c, k.c, k.h, k.xh, k.w, CB, CD, CH); /* dpre aliased */
    for (int i = 0; i < CH * (CD + CH); i++)
        assert_true(fabs(dw2[i] - 2 * dw[i]) <= 1e-15 * fabs(dw[i]) + 1e-300);
}

/* ----------------------------------------------------------- the encoder */

/* Report 002's sizes: observations 2-D (+ the gap), hidden 25, latent 4.
 * Three sequences of lengths 7, 2, 4 padded to 8; the parameters sit at
 * offset 3 of a vector with 3 guard slots on either side. */
enum { SB = 3, SL = 8, SOBS = 2, SH = 25, SZ = 4, SOFF = 3 };
static const int seq_lengths[SB] = {7, 2, 4};

typedef struct {
    rnn_t rnn;
    rnn_ws_t ws;
    size_t np; /* whole vector, guards included */
    double *p, *g;
    double x[SB * SL * (SOBS + 1)], dx[SB * SL * (SOBS + 1)];
    double out[SB * 2 * SZ], c[SB * 2 * SZ];
    int lengths[SB];
    int B, L;
} seq_case_t;

static double seq_loss(void *ctx)
{
    seq_case_t *k = ctx;
    err_t e = {{0}};
    if (rnn_forward(&k->rnn, k->p, k->x, k->lengths, k->B, k->L, &k->ws, k->out, &e) != 0)
        fail_msg("%s", e.msg);
    return dot(k->c, k->out, (size_t)k->B * 2 * SZ);
}

/* Sequences from irregular increasing times in [0, 1], packed with
 * rnn_pack_sequence; the padding holds `pad`. */
static void seq_case_init(seq_case_t *k, uint64_t seed, double pad)
{
    rng_t r;
    rng_seed(&r, seed);
    err_t e = {{0}};
    if (rnn_init(&k->rnn, SOBS, SH, SZ, SOFF, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(k->rnn.n_params, 933);
    k->np = k->rnn.n_params + 2 * SOFF;
    k->p = calloc(k->np, sizeof *k->p);
    k->g = calloc(k->np, sizeof *k->g);
    rnn_init_params(&k->rnn, k->p, &r);
    /* Non-zero biases, so that their gradients are not trivially checked. */
    fill(&r, k->p + SOFF + k->rnn.b_off, SH, 0.3);
    fill(&r, k->p + SOFF + k->rnn.bo_off, 2 * SZ, 0.3);
    k->B = SB;
    k->L = SL;
    int D = SOBS + 1;
    for (size_t i = 0; i < sizeof k->x / sizeof k->x[0]; i++)
        k->x[i] = pad;
    for (int b = 0; b < SB; b++) {
        int n = k->lengths[b] = seq_lengths[b];
        double obs[SL * SOBS], t[SL], now = 0.0;
        fill(&r, obs, (size_t)n * SOBS, 1.5);
        for (int i = 0; i < n; i++)
            t[i] = now += 0.05 + 0.2 * rng_uniform(&r);
        rnn_pack_sequence(k->x + (size_t)b * SL * D, obs, t, n, SOBS);
    }
    fill(&r, k->c, SB * 2 * SZ, 1.0);
    rnn_ws_alloc(&k->ws, &k->rnn, SB, SL);
}

static void seq_case_free(seq_case_t *k)
{
    rnn_ws_free(&k->ws);
    free(k->p);
    free(k->g);
}

/* Forward then backward with loss c . out: fills k->g and k->dx. */
static void seq_case_grad(seq_case_t *k)
{
    memset(k->g, 0, k->np * sizeof *k->g);
    seq_loss(k);
    rnn_backward(&k->rnn, k->p, k->lengths, k->B, k->L, &k->ws, k->c, k->dx, k->g);
}

static void encoder_matches_finite_differences(void **state)
{
    (void)state;
    seq_case_t k;
    seq_case_init(&k, 1302, 0.0);
    seq_case_grad(&k);
    double *fdp = calloc(k.np, sizeof *fdp);
    fd_grad(seq_loss, &k, k.p, k.np, fdp);
    /* Only each sequence's observed rows are inputs; the padding is not. */
    int D = SOBS + 1;
    double gx[SB * SL * (SOBS + 1)], fdx[SB * SL * (SOBS + 1)];
    size_t nx = 0;
    for (int b = 0; b < SB; b++) {
        double *row = k.x + (size_t)b * SL * D;
        size_t n = (size_t)k.lengths[b] * D;
        fd_grad(seq_loss, &k, row, n, fdx + nx);
        memcpy(gx + nx, k.dx + (size_t)b * SL * D, n * sizeof *gx);
        nx += n;
        for (size_t i = n; i < (size_t)SL * D; i++)
            assert_true(k.dx[(size_t)b * SL * D + i] == 0.0);
    }
    for (int i = 0; i < SOFF; i++)
        assert_true(k.g[i] == 0.0 && k.g[k.np - 1 - i] == 0.0);
    /* Per block too, so that a small block (the biases) cannot hide. */
    const double *po = k.g + SOFF, *fo = fdp + SOFF;
    double ew = rel_err(po + k.rnn.w_off, fo + k.rnn.w_off, k.rnn.b_off - k.rnn.w_off),
           eb = rel_err(po + k.rnn.b_off, fo + k.rnn.b_off, k.rnn.wo_off - k.rnn.b_off),
           ewo = rel_err(po + k.rnn.wo_off, fo + k.rnn.wo_off, k.rnn.bo_off - k.rnn.wo_off),
           ebo = rel_err(po + k.rnn.bo_off, fo + k.rnn.bo_off, k.rnn.n_params - k.rnn.bo_off),
           ep = rel_err(k.g, fdp, k.np), ex = rel_err(gx, fdx, nx);
    print_message("  rnn encoder (lengths 7, 2, 4): all parameters %.2e (w %.2e, b %.2e, "
                  "wo %.2e, bo %.2e), inputs %.2e\n",
                  ep, ew, eb, ewo, ebo, ex);
    if (ep > GRAD_TOL || ew > GRAD_TOL || eb > GRAD_TOL || ewo > GRAD_TOL || ebo > GRAD_TOL ||
        ex > GRAD_TOL)
        fail_msg("rnn encoder: parameter error %.3g (w %.3g b %.3g wo %.3g bo %.3g), input "
                 "error %.3g",
                 ep, ew, eb, ewo, ebo, ex);
    free(fdp);
    seq_case_free(&k);
}

/* Garbage in the padding changes no bit of the output or the gradients,
 * and each sequence gives the same result alone as in the batch. */
static void padding_is_never_read(void **state)
{
    (void)state;
    seq_case_t clean, dirty;
    seq_case_init(&clean, 1303, 0.0);
    seq_case_init(&dirty, 1303, NAN);
    for (size_t i = 0; i < sizeof dirty.x / sizeof dirty.x[0]; i += 2)
        if (isnan(dirty.x[i]))
            dirty.x[i] = 1e300;
    seq_case_grad(&clean);
    seq_case_grad(&dirty);
    assert_memory_equal(clean.out, dirty.out, sizeof clean.out);
    assert_memory_equal(clean.g, dirty.g, clean.np * sizeof *clean.g);
    assert_memory_equal(clean.dx, dirty.dx, sizeof clean.dx);
    int D = SOBS + 1;
    for (int b = 0; b < SB; b++) {
        seq_case_t one;
        seq_case_init(&one, 1303, 0.0);
        int n = clean.lengths[b];
        memcpy(one.x, clean.x + (size_t)b * SL * D, (size_t)n * D * sizeof *one.x);
        memcpy(one.c, clean.c + (size_t)b * 2 * SZ, 2 * SZ * sizeof *one.c);
        one.lengths[0] = n;
        one.B = 1;
        one.L = n; /* no padding at all */
        seq_case_grad(&one);
        for (int j = 0; j < 2 * SZ; j++)
            assert_true(fabs(one.out[j] - clean.out[b * 2 * SZ + j]) <= 1e-13);
        for (int i = 0; i < n * D; i++)
            assert_true(fabs(one.dx[i] - clean.dx[(size_t)b * SL * D + i]) <= 1e-13);
        seq_case_free(&one);
    }
    seq_case_free(&clean);
    seq_case_free(&dirty);
}

/* The batched encoder against the recurrence written out step by step for
 * each sequence: h_0 = 0, then observations n_b - 1 down to 0, then the
 * output layer (catches a wrong direction or initial state, which the
 * gradient checks alone would not). */
static void encoder_runs_backwards_in_time(void **state)
{
    (void)state;
    seq_case_t k;
    seq_case_init(&k, 1310, 0.0);
    seq_loss(&k);
    int D = SOBS + 1;
    const double *p = k.p + SOFF;
    for (int b = 0; b < SB; b++) {
        double xh[SOBS + 1 + SH] = {0}, h[SH];
        for (int i = k.lengths[b] - 1; i >= 0; i--) {
            memcpy(xh, k.x + ((size_t)b * SL + i) * D, (size_t)D * sizeof *xh);
            rnn_cell_forward(h, xh, p + k.rnn.w_off, p + k.rnn.b_off, 1, D, SH);
            memcpy(xh + D, h, sizeof h);
        }
        for (int o = 0; o < 2 * SZ; o++) {
            double want = p[k.rnn.bo_off + o] + dot(p + k.rnn.wo_off + (size_t)o * SH, h, SH);
            assert_true(fabs(k.out[b * 2 * SZ + o] - want) <= 1e-13);
        }
    }
    seq_case_free(&k);
}

static void pack_sequence_gaps(void **state)
{
    (void)state;
    double obs[6] = {1, 2, 3, 4, 5, 6}, t[3] = {0.5, 0.75, 2.0}, x[9];
    rnn_pack_sequence(x, obs, t, 3, 2);
    const double want[9] = {1, 2, 0.25, 3, 4, 1.25, 5, 6, 0.0};
    assert_memory_equal(x, want, sizeof want);
}

static void init_params_layout(void **state)
{
    (void)state;
    rnn_t r;
    err_t e = {{0}};
    assert_int_equal(rnn_init(&r, 2, 25, 4, 5, &e), 0);
    assert_int_equal(r.n_in, 3);
    assert_int_equal(r.b_off, 25 * 28);
    assert_int_equal(r.wo_off, 25 * 28 + 25);
    assert_int_equal(r.bo_off, 25 * 28 + 25 + 8 * 25);
    assert_int_equal(r.n_params, 933);
    double *p = calloc(r.n_params + 10, sizeof *p), *q = calloc(r.n_params + 10, sizeof *q);
    rng_t g;
    rng_seed(&g, 7);
    rnn_init_params(&r, p, &g);
    rng_seed(&g, 7);
    rnn_init_params(&r, q, &g);
    assert_memory_equal(p, q, (r.n_params + 10) * sizeof *p); /* same seed, same numbers */
    const double *s = p + 5;
    double lw = sqrt(6.0 / (28 + 25)), lo = sqrt(6.0 / (25 + 8));
    for (size_t i = 0; i < r.b_off; i++)
        assert_true(fabs(s[i]) <= lw && s[i] != 0.0);
    for (size_t i = r.wo_off; i < r.bo_off; i++)
        assert_true(fabs(s[i]) <= lo && s[i] != 0.0);
    for (size_t i = r.b_off; i < r.wo_off; i++)
        assert_true(s[i] == 0.0);
    for (size_t i = r.bo_off; i < r.n_params; i++)
        assert_true(s[i] == 0.0);
    for (int i = 0; i < 5; i++)
        assert_true(p[i] == 0.0 && p[r.n_params + 5 + i] == 0.0);
    free(p);
    free(q);
    assert_int_equal(rnn_init(&r, 2, 25, 0, 0, &e), -1);
    assert_non_null(strstr(e.msg, "latent 0"));
}

static void forward_rejects_bad_sizes(void **state)
{
    (void)state;
    seq_case_t k;
    seq_case_init(&k, 1304, 0.0);
    err_t e = {{0}};
    int bad[SB] = {7, 0, 4};
    assert_int_equal(rnn_forward(&k.rnn, k.p, k.x, bad, SB, SL, &k.ws, k.out, &e), -1);
    assert_non_null(strstr(e.msg, "sequence 1 has 0"));
    bad[1] = 9;
    assert_int_equal(rnn_forward(&k.rnn, k.p, k.x, bad, SB, SL, &k.ws, k.out, &e), -1);
    bad[1] = 2;
    assert_int_equal(rnn_forward(&k.rnn, k.p, k.x, bad, SB, 6, &k.ws, k.out, &e), -1); /* 7 > 6 */
    assert_int_equal(rnn_forward(&k.rnn, k.p, k.x, bad, SB + 1, SL, &k.ws, k.out, &e), -1);
    assert_non_null(strstr(e.msg, "batch of 4"));
    assert_int_equal(rnn_forward(&k.rnn, k.p, k.x, bad, SB, SL + 1, &k.ws, k.out, &e), -1);
    assert_int_equal(rnn_forward(&k.rnn, k.p, k.x, bad, SB, SL, &k.ws, k.out, &e), 0);
    seq_case_free(&k);
}

/* ------------------------------------------------------------ ELBO pieces */

/* y = (1, 2; 0, -1), yhat = (0.5, 2; 0, 0), sigma 0.5: squared residuals
 * 1.25, / sigma^2 = 5, so log p = -5/2 - 4 (log 0.5 + log(2 pi)/2)
 * = -2.5 + 4 log 2 - 2 log(2 pi); dlogp/dyhat = (y - yhat) / 0.25. */
static void loglik_exact_and_gradient(void **state)
{
    (void)state;
    const double y[4] = {1, 2, 0, -1}, yhat[4] = {0.5, 2, 0, 0};
    double lp = gauss_loglik_forward(y, yhat, 4, 0.5);
    double want = -2.5 + 4 * log(2.0) - 2 * log(2 * acos(-1.0));
    assert_true(fabs(lp - want) <= 4e-16 * fabs(want));
    assert_true(fabs(lp - -3.4031654105789095) <= 4e-16 * fabs(want));
    double d[4] = {1, 1, 1, 1};
    gauss_loglik_backward(d, y, yhat, 4, 0.5, 1.0); /* adds */
    const double dwant[4] = {3, 1, 1, -3};
    assert_memory_equal(d, dwant, sizeof d);
    /* Random case against FD, with dout = -1 (the loss is -ELBO). */
    enum { N = 14 };
    rng_t r;
    rng_seed(&r, 1305);
    struct ll {
        double y[N], yhat[N], sigma;
    } k;
    fill(&r, k.y, N, 2.0);
    fill(&r, k.yhat, N, 2.0);
    k.sigma = 0.3;
    double g[N] = {0}, fd[N];
    gauss_loglik_backward(g, k.y, k.yhat, N, k.sigma, -1.0);
    for (int i = 0; i < N; i++) {
        double keep = k.yhat[i];
        k.yhat[i] = keep + FD_STEP;
        double a = -gauss_loglik_forward(k.y, k.yhat, N, k.sigma);
        k.yhat[i] = keep - FD_STEP;
        double b = -gauss_loglik_forward(k.y, k.yhat, N, k.sigma);
        k.yhat[i] = keep;
        fd[i] = (a - b) / (2 * FD_STEP);
    }
    double err = rel_err(g, fd, N);
    print_message("  gaussian log-likelihood: dyhat %.2e\n", err);
    if (err > GRAD_TOL)
        fail_msg("log-likelihood gradient error %.3g", err);
}

/* mean (0.5, -1), logvar (0, log 2): KL = 1/2 ((1 + 0.25 - 1 - 0)
 * + (2 + 1 - 1 - log 2)) = 1.125 - log(2) / 2; N(0, I) itself gives 0. */
typedef struct {
    double mean[SZ], logvar[SZ], eps[SZ], c[SZ], z[SZ];
} latent_case_t;

static double kl_loss(void *ctx)
{
    latent_case_t *k = ctx;
    return kl_normal_forward(k->mean, k->logvar, SZ);
}

static void kl_exact_and_gradient(void **state)
{
    (void)state;
    const double m[2] = {0.5, -1}, lv[2] = {0, log(2.0)}, zero[3] = {0, 0, 0};
    double kl = kl_normal_forward(m, lv, 2), want = 1.125 - 0.5 * log(2.0);
    assert_true(fabs(kl - want) <= 4e-16 * want);
    assert_true(fabs(kl - 0.7784264097200273) <= 4e-16 * want);
    assert_true(kl_normal_forward(zero, zero, 3) == 0.0);
    /* dout 2 adds 2 m and exp(lv) - 1 to gradients that already hold 1. */
    double dm[2] = {1, 1}, dlv[2] = {1, 1};
    kl_normal_backward(dm, dlv, m, lv, 2, 2.0);
    assert_true(dm[0] == 2.0 && dm[1] == -1.0 && dlv[0] == 1.0 && fabs(dlv[1] - 2.0) <= 4e-16);
    rng_t r;
    rng_seed(&r, 1306);
    latent_case_t k;
    fill(&r, k.mean, SZ, 1.5);
    fill(&r, k.logvar, SZ, 2.0);
    double gm[SZ] = {0}, glv[SZ] = {0}, fdm[SZ], fdlv[SZ];
    kl_normal_backward(gm, glv, k.mean, k.logvar, SZ, 1.0);
    fd_grad(kl_loss, &k, k.mean, SZ, fdm);
    fd_grad(kl_loss, &k, k.logvar, SZ, fdlv);
    double em = rel_err(gm, fdm, SZ), elv = rel_err(glv, fdlv, SZ);
    print_message("  KL: dmean %.2e, dlogvar %.2e\n", em, elv);
    if (em > GRAD_TOL || elv > GRAD_TOL)
        fail_msg("KL gradient error: mean %.3g, logvar %.3g", em, elv);
}

static double reparam_loss(void *ctx)
{
    latent_case_t *k = ctx;
    reparam_forward(k->z, k->mean, k->logvar, k->eps, SZ);
    return dot(k->c, k->z, SZ);
}

static void reparam_exact_and_vjp(void **state)
{
    (void)state;
    const double m[2] = {0.5, -1}, lv[2] = {0, 2 * log(3.0)}, eps[2] = {2, -0.5};
    double z[2];
    reparam_forward(z, m, lv, eps, 2); /* 0.5 + 1 * 2, -1 + 3 * (-0.5) */
    assert_true(z[0] == 2.5 && fabs(z[1] - -2.5) <= 1e-15);
    /* VJP of dz = (1, 2) added to gradients that already hold 1:
     * dmean = 1 + dz, dlogvar = 1 + dz eps exp(lv / 2) / 2 = (2, -0.5). */
    const double dz[2] = {1, 2};
    double dm[2] = {1, 1}, dlv[2] = {1, 1};
    reparam_backward(dm, dlv, dz, lv, eps, 2);
    assert_true(dm[0] == 2.0 && dm[1] == 3.0 && dlv[0] == 2.0 && fabs(dlv[1] - -0.5) <= 1e-15);
    rng_t r;
    rng_seed(&r, 1307);
    latent_case_t k;
    fill(&r, k.mean, SZ, 1.5);
    fill(&r, k.logvar, SZ, 2.0);
    for (int j = 0; j < SZ; j++)
        k.eps[j] = rng_normal(&r);
    fill(&r, k.c, SZ, 1.0);
    double gm[SZ] = {0}, glv[SZ] = {0}, fdm[SZ], fdlv[SZ];
    reparam_backward(gm, glv, k.c, k.logvar, k.eps, SZ);
    fd_grad(reparam_loss, &k, k.mean, SZ, fdm);
    fd_grad(reparam_loss, &k, k.logvar, SZ, fdlv);
    double em = rel_err(gm, fdm, SZ), elv = rel_err(glv, fdlv, SZ);
    print_message("  reparameterisation: dmean %.2e, dlogvar %.2e\n", em, elv);
    if (em > GRAD_TOL || elv > GRAD_TOL)
        fail_msg("reparameterisation VJP error: mean %.3g, logvar %.3g", em, elv);
}

/* The pieces composed as the latent ODE will use them, without the ODE:
 * loss = sum_b [KL_b - loglik(y_b; A z0_b)] with a fixed linear "decoder"
 * A (2, Z) and fixed eps, through the encoder's parameters and inputs. */
typedef struct {
    seq_case_t s;
    double eps[SB * SZ], A[2 * SZ], y[SB * 2];
} chain_case_t;

static double chain_loss(void *ctx)
{
    chain_case_t *k = ctx;
    seq_loss(&k->s); /* k->s.out = [mean, logvar] per sequence */
    double L = 0.0;
    for (int b = 0; b < SB; b++) {
        const double *mean = k->s.out + b * 2 * SZ, *logvar = mean + SZ;
        double z[SZ], yhat[2];
        reparam_forward(z, mean, logvar, k->eps + b * SZ, SZ);
        for (int o = 0; o < 2; o++)
            yhat[o] = dot(k->A + o * SZ, z, SZ);
        L += kl_normal_forward(mean, logvar, SZ) - gauss_loglik_forward(k->y + 2 * b, yhat, 2, 0.4);
    }
    return L;
}

static void elbo_chain_matches_finite_differences(void **state)
{
    (void)state;
    chain_case_t k;
    seq_case_init(&k.s, 1308, 0.0);
    rng_t r;
    rng_seed(&r, 1309);
    for (int i = 0; i < SB * SZ; i++)
        k.eps[i] = rng_normal(&r);
    fill(&r, k.A, 2 * SZ, 1.0);
    fill(&r, k.y, SB * 2, 1.0);
    /* Backward by hand: yhat -> z0 -> (mean, logvar) <- KL, then the RNN. */
    chain_loss(&k);
    double dout[SB * 2 * SZ] = {0};
    for (int b = 0; b < SB; b++) {
        const double *mean = k.s.out + b * 2 * SZ, *logvar = mean + SZ;
        double *dmean = dout + b * 2 * SZ, *dlogvar = dmean + SZ;
        double z[SZ], yhat[2], dyhat[2] = {0}, dz[SZ] = {0};
        reparam_forward(z, mean, logvar, k.eps + b * SZ, SZ);
        for (int o = 0; o < 2; o++)
            yhat[o] = dot(k.A + o * SZ, z, SZ);
        gauss_loglik_backward(dyhat, k.y + 2 * b, yhat, 2, 0.4, -1.0);
        for (int o = 0; o < 2; o++)
            for (int j = 0; j < SZ; j++)
                dz[j] += dyhat[o] * k.A[o * SZ + j];
        reparam_backward(dmean, dlogvar, dz, logvar, k.eps + b * SZ, SZ);
        kl_normal_backward(dmean, dlogvar, mean, logvar, SZ, 1.0);
    }
    memset(k.s.g, 0, k.s.np * sizeof *k.s.g);
    rnn_backward(&k.s.rnn, k.s.p, k.s.lengths, SB, SL, &k.s.ws, dout, k.s.dx, k.s.g);
    size_t nx = sizeof k.s.x / sizeof k.s.x[0];
    double *fdp = calloc(k.s.np, sizeof *fdp), *fdx = calloc(nx, sizeof *fdx);
    fd_grad(chain_loss, &k, k.s.p, k.s.np, fdp);
    fd_grad(chain_loss, &k, k.s.x, nx, fdx); /* padding included: fd 0 there */
    double ep = rel_err(k.s.g, fdp, k.s.np), ex = rel_err(k.s.dx, fdx, nx);
    print_message("  encoder + reparameterisation + KL + log-likelihood: parameters %.2e, "
                  "inputs %.2e\n",
                  ep, ex);
    if (ep > GRAD_TOL || ex > GRAD_TOL)
        fail_msg("ELBO chain: parameter error %.3g, input error %.3g", ep, ex);
    free(fdp);
    free(fdx);
    seq_case_free(&k.s);
}

const struct CMUnitTest rnn_encoder_tests[] = {
    cmocka_unit_test(cell_matches_finite_differences),
    cmocka_unit_test(encoder_matches_finite_differences),
    cmocka_unit_test(padding_is_never_read),
    cmocka_unit_test(encoder_runs_backwards_in_time),
    cmocka_unit_test(pack_sequence_gaps),
    cmocka_unit_test(init_params_layout),
    cmocka_unit_test(forward_rejects_bad_sizes),
    cmocka_unit_test(loglik_exact_and_gradient),
    cmocka_unit_test(kl_exact_and_gradient),
    cmocka_unit_test(reparam_exact_and_vjp),
    cmocka_unit_test(elbo_chain_matches_finite_differences),
};
const size_t rnn_encoder_tests_count = sizeof rnn_encoder_tests / sizeof rnn_encoder_tests[0];
