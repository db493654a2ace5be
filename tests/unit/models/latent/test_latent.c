/* The latent ODE (models/latent/latent_ode.h): the whole model's gradient (encoder, field and
 * decoder) against central finite differences with the noise eps fixed,
 * criterion max_i |g_i - fd_i| / max_i |fd_i| <= 1e-6 as in test_grad.c,
 * with a tanh field at rtol = atol = 1e-10 and with the report's ELU field
 * on fixed RK4 steps (see elu_gradient_matches_finite_differences);
 * the loss, reconstructions and mse against a recomputation sequence by
 * sequence (each its own encoder pass, its own solve over its own times);
 * a workspace grown by a longer batch giving what a fresh one gives;
 * decoding at the truth rows; and refused input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/latent/latent_ode.h"
#include "test_util.h"

#define GRAD_TOL 1e-6
#define FD_STEP 1e-6

/* Four sequences; batches take three of them in a scrambled order, with
 * different lengths and times (make_sequences). */
enum { NSEQ = 4, LB = 3, LZ = 4 };
static const int seq_lengths[NSEQ] = {6, 9, 5, 8};
static const int batch_seqs[LB] = {2, 1, 0};

/* Dopri5 at rtol = atol = 1e-10 with the field's hidden activation act. */
static latent_config_t small_config(act_t act)
{
    latent_config_t c = {.obs_dim = 2, .latent = LZ, .rnn_hidden = 7, .decoder_hidden = 6,
                         .n_hidden = 2, .hidden = {8, 8}, .hidden_act = act,
                         .final_act = ACT_IDENTITY, .obs_noise = 0.3};
    c.ode = ode_options_default();
    c.ode.rtol = c.ode.atol = 1e-10;
    c.ode.max_steps = 100000;
    return c;
}

typedef struct {
    latent_t m;
    dataset_t d;
    double *p, *g, *fd;
    double eps[LB * LZ];
} case_t;

static void case_init_with(case_t *k, uint64_t seed, const latent_config_t *cfg)
{
    err_t e = {{0}};
    latent_config_t c = *cfg;
    if (latent_create(&k->m, &c, LB, &e) != 0)
        fail_msg("%s", e.msg);
    make_sequences(&k->d, NSEQ, seq_lengths, seed);
    size_t np = k->m.n_params;
    k->p = malloc(np * sizeof *k->p);
    k->g = malloc(np * sizeof *k->g);
    k->fd = malloc(np * sizeof *k->fd);
    rng_t r;
    rng_seed(&r, seed + 1);
    latent_init_params(&k->m, k->p, &r);
    /* Non-zero biases, so that their gradients are not trivially checked. */
    for (size_t i = 0; i < np; i++)
        k->p[i] += 0.1 * (2 * rng_uniform(&r) - 1);
    for (int i = 0; i < LB * LZ; i++)
        k->eps[i] = rng_normal(&r);
}

static void case_init(case_t *k, uint64_t seed)
{
    latent_config_t c = small_config(ACT_ELU);
    case_init_with(k, seed, &c);
}

static void case_free(case_t *k)
{
    latent_free(&k->m);
    dataset_free(&k->d);
    free(k->p);
    free(k->g);
    free(k->fd);
}

static double case_loss(case_t *k, const double *eps, double *grad, model_result_t *res)
{
    err_t e = {{0}};
    if (latent_run(&k->m, k->p, &k->d, batch_seqs, LB, eps, grad, res, &e) != 0)
        fail_msg("%s", e.msg);
    return res->loss;
}

static void check_gradient(const latent_config_t *cfg, const char *what)
{
    case_t k;
    case_init_with(&k, 1401, cfg);
    model_result_t res;
    case_loss(&k, k.eps, k.g, &res);
    assert_int_equal(res.count, LB);
    assert_true(res.ode.nfe_forward > 0 && res.ode.nfe_backward > 0);
    /* Fewer union times than observations: shared grid times merge. */
    int n_obs = seq_lengths[0] + seq_lengths[1] + seq_lengths[2];
    assert_int_equal(k.m.n_obs, n_obs);
    assert_true(k.m.K < n_obs);
    size_t np = k.m.n_params;
    for (size_t i = 0; i < np; i++) {
        double keep = k.p[i];
        k.p[i] = keep + FD_STEP;
        double lp = case_loss(&k, k.eps, NULL, &res);
        k.p[i] = keep - FD_STEP;
        double lm = case_loss(&k, k.eps, NULL, &res);
        k.p[i] = keep;
        k.fd[i] = (lp - lm) / (2 * FD_STEP);
    }
    size_t fo = k.m.field_offset, dof = k.m.decoder_offset;
    double all = grad_rel_err(k.g, k.fd, np), enc = grad_rel_err(k.g, k.fd, fo),
           field = grad_rel_err(k.g + fo, k.fd + fo, dof - fo),
           dec = grad_rel_err(k.g + dof, k.fd + dof, np - dof);
    print_message("  latent ODE, %s (%zu params, K = %d): all %.2e, encoder %.2e, "
                  "field %.2e, decoder %.2e\n",
                  what, np, k.m.K, all, enc, field, dec);
    if (all > GRAD_TOL || enc > GRAD_TOL || field > GRAD_TOL || dec > GRAD_TOL)
        fail_msg("latent, %s: gradient error %.3g (encoder %.3g, field %.3g, decoder %.3g)",
                 what, all, enc, field, dec);
    case_free(&k);
}

static void gradient_matches_finite_differences(void **state)
{
    (void)state;
    latent_config_t c = small_config(ACT_TANH);
    check_gradient(&c, "tanh field, dopri5 1e-10");
}

/* ELU is only C^1, so an adaptive solve at 1e-10 changes its step pattern
 * discontinuously with the parameters and central differences then err by
 * ~1e-5 (test_grad.c makes the same observation); on fixed steps the solve
 * is a smooth function of the parameters and the continuous adjoint differs
 * from it only by the O(dt^4) discretisation error (400 RK4 steps: ~1e-8). */
static void elu_gradient_matches_finite_differences(void **state)
{
    (void)state;
    latent_config_t c = small_config(ACT_ELU);
    c.ode.method = ODE_RK4;
    c.ode.fixed_steps = 400;
    check_gradient(&c, "ELU field, rk4 400 steps");
}

/* The loss by hand, one sequence at a time: its own encoder pass (B = 1),
 * z0 = mean + exp(logvar / 2) eps, its own solve over its own relative
 * times, the decoder, the Gaussian log-likelihood and the KL written out. */
static void loss_matches_direct_recomputation(void **state)
{
    (void)state;
    case_t k;
    case_init(&k, 1402);
    model_result_t res;
    double loss = case_loss(&k, k.eps, NULL, &res);
    const latent_t *m = &k.m;
    const dataset_t *d = &k.d;
    err_t e = {{0}};
    rnn_ws_t ws;
    rnn_ws_alloc(&ws, &m->rnn, 1, 16);
    field_t f;
    latent_config_t c = small_config(ACT_ELU);
    assert_int_equal(field_init(&f, LZ, 2, c.hidden, ACT_ELU, ACT_IDENTITY, 0, 0, 1, &e), 0);
    field_bind(&f, 1, k.p + m->field_offset);
    ode_solver_t *s;
    assert_int_equal(ode_solver_create(&s, &c.ode, &e), 0);
    mlp_ws_t dws;
    mlp_ws_alloc(&dws, &m->decoder, 1);
    double total = 0.0, sq = 0.0, worst_yhat = 0.0;
    int n_values = 0, j = 0;
    for (int b = 0; b < LB; b++) {
        int sq_i = batch_seqs[b], n = seq_lengths[sq_i];
        const int *rows = d->obs_rows + d->obs_start[sq_i];
        double x[16 * 3], obs[16 * 2], t[16], rel[16], out[2 * LZ], z0[LZ], zs[16 * LZ];
        for (int i = 0; i < n; i++) {
            obs[2 * i] = d->y[2 * rows[i]];
            obs[2 * i + 1] = d->y[2 * rows[i] + 1];
            t[i] = d->t[rows[i]];
            rel[i] = t[i] - t[0];
        }
        rnn_pack_sequence(x, obs, t, n, 2);
        assert_int_equal(rnn_forward(&m->rnn, k.p, x, &n, 1, 16, &ws, out, &e), 0);
        const double *mean = out, *logvar = out + LZ;
        double kl = 0.0;
        for (int z = 0; z < LZ; z++) {
            z0[z] = mean[z] + exp(0.5 * logvar[z]) * k.eps[b * LZ + z];
            kl += 0.5 * (exp(logvar[z]) + mean[z] * mean[z] - 1.0 - logvar[z]);
        }
        assert_int_equal(ode_forward(s, &f.f, 0.0, z0, n, rel, zs, &e), 0);
        double ll = 0.0;
        for (int i = 0; i < n; i++, j++) {
            const double *yh = mlp_forward(&m->decoder, k.p, zs + i * LZ, 1, &dws);
            for (int o = 0; o < 2; o++) {
                double r = obs[2 * i + o] - yh[o], sigma = c.obs_noise;
                ll += -r * r / (2 * sigma * sigma) - log(sigma) - 0.91893853320467274178;
                sq += r * r;
                n_values++;
                worst_yhat = fmax(worst_yhat, fabs(yh[o] - m->yhat[2 * j + o]));
            }
        }
        total += -ll + kl;
    }
    double direct = total / LB;
    print_message("  latent loss %.12g, direct %.12g; outputs within %.1e\n", loss, direct,
                  worst_yhat);
    assert_true(fabs(loss - direct) <= 1e-7 * fabs(direct));
    assert_true(worst_yhat <= 1e-7);
    assert_int_equal(res.mse_count, n_values);
    assert_true(fabs(res.mse - sq / n_values) <= 1e-7 * res.mse);
    /* eps = NULL is eps = 0. */
    double zeros[LB * LZ] = {0};
    model_result_t r0, rnull;
    assert_true(case_loss(&k, zeros, NULL, &r0) == case_loss(&k, NULL, NULL, &rnull));
    assert_true(r0.loss != loss);
    mlp_ws_free(&dws);
    ode_solver_free(s);
    field_free(&f);
    rnn_ws_free(&ws);
    case_free(&k);
}

/* A batch of short sequences, then a longer one: the grown workspace gives
 * bitwise what a fresh model gives on the longer batch. */
static void grown_workspace_matches_fresh(void **state)
{
    (void)state;
    case_t a, b;
    case_init(&a, 1403);
    case_init(&b, 1403);
    int shorter[2] = {2, 0}; /* 5 and 6 observations; the batch below has 9 too */
    model_result_t res, ra, rb;
    err_t e = {{0}};
    assert_int_equal(latent_run(&a.m, a.p, &a.d, shorter, 2, a.eps, a.g, &res, &e), 0);
    case_loss(&a, a.eps, a.g, &ra);
    case_loss(&b, b.eps, b.g, &rb);
    assert_memory_equal(&ra.loss, &rb.loss, sizeof ra.loss);
    assert_memory_equal(a.g, b.g, a.m.n_params * sizeof *a.g);
    case_free(&a);
    case_free(&b);
}

/* Relative times within 1e-7 (1 + |t|) of each other are one stop of the
 * solve (a file's rounding must not multiply the stops); 1e-5 apart they
 * are two. */
static void close_times_share_a_stop(void **state)
{
    (void)state;
    case_t k;
    case_init(&k, 1405);
    model_result_t res;
    case_loss(&k, NULL, NULL, &res);
    int K = k.m.K, shared = -1;
    /* An observation of the batch's first sequence (not its first) whose
     * time another sequence shares. */
    for (int j = k.m.first_obs[0] + 1; j < k.m.first_obs[1] && shared < 0; j++)
        for (int i = k.m.first_obs[1]; i < k.m.n_obs; i++)
            if (k.m.obs_time[i] == k.m.obs_time[j])
                shared = j;
    assert_true(shared > 0);
    int row = k.d.obs_rows[k.d.obs_start[batch_seqs[0]] + shared - k.m.first_obs[0]];
    double keep = k.d.t[row];
    k.d.t[row] = keep + 1e-9;
    case_loss(&k, NULL, NULL, &res);
    assert_int_equal(k.m.K, K);
    k.d.t[row] = keep + 1e-5;
    case_loss(&k, NULL, NULL, &res);
    assert_int_equal(k.m.K, K + 1);
    case_free(&k);
}

static void bad_batches_are_refused(void **state)
{
    (void)state;
    case_t k;
    case_init(&k, 1404);
    model_result_t res;
    err_t e = {{0}};
    int out_of_range[1] = {NSEQ};
    assert_int_equal(latent_run(&k.m, k.p, &k.d, out_of_range, 1, NULL, NULL, &res, &e), -1);
    assert_non_null(strstr(e.msg, "outside"));
    assert_int_equal(latent_run(&k.m, k.p, &k.d, batch_seqs, LB + 1, NULL, NULL, &res, &e), -1);
    assert_non_null(strstr(e.msg, "does not fit the workspace"));
    dataset_t points = {.kind = DATA_REGRESS, .count = 1, .n_targets = 2};
    assert_int_equal(latent_run(&k.m, k.p, &points, batch_seqs, 1, NULL, NULL, &res, &e), -1);
    assert_non_null(strstr(e.msg, "needs a batch of sequences"));
    k.d.n_targets = 3;
    assert_int_equal(latent_run(&k.m, k.p, &k.d, batch_seqs, 1, NULL, NULL, &res, &e), -1);
    assert_non_null(strstr(e.msg, "reads 2 values per observation"));
    k.d.n_targets = 2;
    latent_config_t c = small_config(ACT_ELU);
    c.obs_noise = 0;
    latent_t bad;
    assert_int_equal(latent_create(&bad, &c, 1, &e), -1);
    assert_non_null(strstr(e.msg, "obs_noise"));
    latent_free(&bad);
    case_free(&k);
}

/* Decoding at the truth rows (latent_decode_truth): make_sequences puts a
 * truth row at every observation's time, so the truth decoded with z0 =
 * the mean equals the reconstructions at the observations (eps = 0), and
 * m->yhat keeps them; a truth row moved before its sequence's first
 * observation is not decoded (NaN) and changes no other row. */
static void truth_rows_decode_like_observations(void **state)
{
    (void)state;
    case_t k;
    case_init(&k, 1406);
    model_result_t res, rt;
    case_loss(&k, NULL, NULL, &res);
    int N = k.m.n_obs;
    double *yhat = malloc((size_t)N * 2 * sizeof *yhat), *out = malloc((size_t)N * 2 * sizeof *out),
           *out2 = malloc((size_t)N * 2 * sizeof *out2);
    memcpy(yhat, k.m.yhat, (size_t)N * 2 * sizeof *yhat);
    /* A fresh model too: the workspace grows before the run. */
    latent_t fresh;
    err_t e = {{0}};
    latent_config_t c = small_config(ACT_ELU);
    assert_int_equal(latent_create(&fresh, &c, LB, &e), 0);
    for (int pass = 0; pass < 2; pass++) {
        latent_t *m = pass ? &fresh : &k.m;
        assert_int_equal(latent_decode_truth(m, k.p, &k.d, batch_seqs, LB, out, &rt, &e), 0);
        assert_true(rt.loss == res.loss);
        assert_true(rt.ode.nfe_forward > res.ode.nfe_forward);
        double worst = 0.0, kept = 0.0;
        for (int i = 0; i < 2 * N; i++) {
            worst = fmax(worst, fabs(out[i] - yhat[i]));
            kept = fmax(kept, fabs(m->yhat[i] - yhat[i]));
        }
        print_message("  truth at the observations within %.1e of the reconstructions\n", worst);
        assert_true(worst <= 1e-12);
        assert_true(kept == 0.0);
    }
    /* The first truth row of the batch's second sequence, moved earlier. */
    int s = batch_seqs[1], first = k.d.truth_start[s], o = seq_lengths[batch_seqs[0]];
    k.d.t[k.d.truth_rows[first]] -= 0.5;
    assert_int_equal(latent_decode_truth(&k.m, k.p, &k.d, batch_seqs, LB, out2, &rt, &e), 0);
    for (int i = 0; i < N; i++)
        for (int q = 0; q < 2; q++) {
            if (i == o)
                assert_true(isnan(out2[2 * i + q]));
            else
                assert_true(fabs(out2[2 * i + q] - out[2 * i + q]) <= 1e-9);
        }
    int bad_seq[1] = {NSEQ};
    assert_int_equal(latent_decode_truth(&k.m, k.p, &k.d, bad_seq, 1, out, &rt, &e), -1);
    assert_non_null(strstr(e.msg, "outside"));
    latent_free(&fresh);
    free(yhat);
    free(out);
    free(out2);
    case_free(&k);
}

const struct CMUnitTest latent_tests[] = {
    cmocka_unit_test(gradient_matches_finite_differences),
    cmocka_unit_test(elu_gradient_matches_finite_differences),
    cmocka_unit_test(loss_matches_direct_recomputation),
    cmocka_unit_test(grown_workspace_matches_fresh),
    cmocka_unit_test(close_times_share_a_stop),
    cmocka_unit_test(bad_batches_are_refused),
    cmocka_unit_test(truth_rows_decode_like_observations),
};
const size_t latent_tests_count = sizeof latent_tests / sizeof latent_tests[0];
