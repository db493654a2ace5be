/* The recurrent baseline (models/rnn/rnn_baseline.h, kind rnn): the whole loss's gradient
 * against central finite differences on a batch of three irregular
 * sequences of different lengths (criterion max_i |g_i - fd_i| / max_i
 * |fd_i| <= 1e-6, as in test_grad.c); the loss, mse, outputs and states
 * against a recomputation sequence by sequence with the cell and decoder
 * called by hand; truth decoding on a small hand-made file (NaN before the
 * first observation, y_0 at it, one-step predictions inside the window, the
 * rollout after it); and refused data and configurations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/kind.h"
#include "models/rnn/rnn_baseline.h"
#include "train/runcfg.h"
#include "test_util.h"

#define GRAD_TOL 1e-6
#define FD_STEP 1e-6
#define LOG_SQRT_2PI 0.91893853320467274178

/* Four sequences; the batch takes three of them, scrambled, of lengths 4, 9
 * and 6 with gaps in {0.125, 0.25, 0.375} (make_sequences). */
enum { NSEQ = 4, RB = 3, RO = 2, RH = 5 };
static const int seq_lengths[NSEQ] = {6, 9, 4, 7};
static const int batch_seqs[RB] = {2, 1, 0};

static const rnnbase_config_t small_config = {
    .obs_dim = RO, .hidden = RH, .decoder_hidden = 4, .obs_noise = 0.3};

typedef struct {
    rnnbase_t m;
    dataset_t d;
    double *p, *g, *fd;
} case_t;

static void case_init(case_t *k, uint64_t seed)
{
    err_t e = {{0}};
    if (rnnbase_create(&k->m, &small_config, RB, &e) != 0)
        fail_msg("%s", e.msg);
    make_sequences(&k->d, NSEQ, seq_lengths, seed);
    size_t np = k->m.n_params;
    k->p = malloc(np * sizeof *k->p);
    k->g = malloc(np * sizeof *k->g);
    k->fd = malloc(np * sizeof *k->fd);
    rng_t r;
    rng_seed(&r, seed + 1);
    rnnbase_init_params(&k->m, k->p, &r);
    /* Non-zero biases, so that their gradients are not trivially checked. */
    for (size_t i = 0; i < np; i++)
        k->p[i] += 0.1 * (2 * rng_uniform(&r) - 1);
}

static void case_free(case_t *k)
{
    rnnbase_free(&k->m);
    dataset_free(&k->d);
    free(k->p);
    free(k->g);
    free(k->fd);
}

static double case_loss(case_t *k, double *grad, model_result_t *res)
{
    err_t e = {{0}};
    if (rnnbase_run(&k->m, k->p, &k->d, batch_seqs, RB, grad, res, &e) != 0)
        fail_msg("%s", e.msg);
    return res->loss;
}

static void gradient_matches_finite_differences(void **state)
{
    (void)state;
    case_t k;
    case_init(&k, 2101);
    size_t np = k.m.n_params;
    for (size_t i = 0; i < np; i++) /* the gradient is overwritten, not added to */
        k.g[i] = 1e3;
    model_result_t res;
    case_loss(&k, k.g, &res);
    assert_int_equal(res.count, RB);
    assert_int_equal(res.ode.nfe_forward, 0);
    for (size_t i = 0; i < np; i++) {
        double keep = k.p[i];
        k.p[i] = keep + FD_STEP;
        double lp = case_loss(&k, NULL, &res);
        k.p[i] = keep - FD_STEP;
        double lm = case_loss(&k, NULL, &res);
        k.p[i] = keep;
        k.fd[i] = (lp - lm) / (2 * FD_STEP);
    }
    size_t dof = k.m.decoder_offset;
    double all = grad_rel_err(k.g, k.fd, np), cell = grad_rel_err(k.g, k.fd, dof),
           dec = grad_rel_err(k.g + dof, k.fd + dof, np - dof);
    print_message("  rnn baseline (%zu params, lengths 4, 9, 6): all %.2e, cell %.2e, "
                  "decoder %.2e\n",
                  np, all, cell, dec);
    if (all > GRAD_TOL || cell > GRAD_TOL || dec > GRAD_TOL)
        fail_msg("rnn: gradient error %.3g (cell %.3g, decoder %.3g)", all, cell, dec);
    case_free(&k);
}

/* The loss by hand, one sequence at a time: h_0 = 0, h_{i+1} = cell([y_i,
 * t_{i+1} - t_i], h_i), yhat = decoder(h), the log-likelihood written out;
 * the outputs (y_0, then the predictions) and the states (the last
 * observation consumed with gap 0). */
static void loss_matches_direct_recomputation(void **state)
{
    (void)state;
    case_t k;
    case_init(&k, 2102);
    model_result_t res;
    double loss = case_loss(&k, NULL, &res);
    const rnnbase_t *m = &k.m;
    const dataset_t *d = &k.d;
    mlp_ws_t ws;
    mlp_ws_alloc(&ws, &m->decoder, 1);
    double total = 0.0, sq = 0.0, worst_out = 0.0, worst_state = 0.0;
    long n_values = 0;
    for (int b = 0, j = 0; b < RB; b++) {
        int s = batch_seqs[b], n = seq_lengths[s];
        const int *rows = d->obs_rows + d->obs_start[s];
        double h[RH] = {0}, hn[RH];
        for (int q = 0; q < RO; q++)
            worst_out = fmax(worst_out, fabs(m->yhat[(size_t)j * RO + q] - d->y[rows[0] * RO + q]));
        j++;
        for (int i = 0; i + 1 < n; i++, j++) {
            rnnbase_cell(m, k.p, d->y + rows[i] * RO, d->t[rows[i + 1]] - d->t[rows[i]], h, hn);
            memcpy(h, hn, sizeof h);
            const double *yh = mlp_forward(&m->decoder, k.p, h, 1, &ws);
            for (int q = 0; q < RO; q++) {
                double r = d->y[rows[i + 1] * RO + q] - yh[q], sigma = small_config.obs_noise;
                total += r * r / (2 * sigma * sigma) + log(sigma) + LOG_SQRT_2PI;
                sq += r * r;
                n_values++;
                worst_out = fmax(worst_out, fabs(yh[q] - m->yhat[(size_t)j * RO + q]));
            }
        }
        rnnbase_cell(m, k.p, d->y + rows[n - 1] * RO, 0.0, h, hn);
        for (int u = 0; u < RH; u++)
            worst_state = fmax(worst_state, fabs(hn[u] - m->h_final[b * RH + u]));
    }
    double direct = total / RB;
    print_message("  rnn loss %.12g, direct %.12g; outputs within %.1e, states %.1e\n", loss,
                  direct, worst_out, worst_state);
    assert_true(fabs(loss - direct) <= 1e-10 * fabs(direct));
    assert_true(worst_out <= 1e-12 && worst_state <= 1e-12);
    assert_int_equal(res.mse_count, n_values);
    assert_int_equal(n_values, RO * (4 - 1 + 9 - 1 + 6 - 1));
    assert_true(fabs(res.mse - sq / n_values) <= 1e-10 * res.mse);
    mlp_ws_free(&ws);
    case_free(&k);
}

/* A hand-made file of two sequences (rows in time order; a truth row
 * before an observation at the same time):
 *   seq 0: truth 0.1 (before t_0), obs 0.5 with truth, truth 0.8, obs 1.0,
 *          truth 1.2, obs 1.5 with truth, truth 2.0, 2.3, 3.0 (after t_2);
 *   seq 1: obs 0.2, obs 0.6, truth 0.9, 1.4 (after t_1). */
static const char truth_file[] =
    "seq\tt\ty1\ty2\tobserved\n"
    "0\t0.1\t9\t9\t0\n"
    "0\t0.5\t0.2\t0.1\t0\n"
    "0\t0.5\t0.3\t-0.2\t1\n"
    "0\t0.8\t0.4\t0.4\t0\n"
    "0\t1.0\t-0.5\t0.6\t1\n"
    "0\t1.2\t0.1\t0.1\t0\n"
    "0\t1.5\t0.7\t0.2\t0\n"
    "0\t1.5\t0.8\t0.25\t1\n"
    "0\t2.0\t0.3\t0.3\t0\n"
    "0\t2.3\t0.3\t0.3\t0\n"
    "0\t3.0\t0.3\t0.3\t0\n"
    "1\t0.2\t-0.4\t0.9\t1\n"
    "1\t0.6\t0.6\t-0.1\t1\n"
    "1\t0.9\t0.3\t0.3\t0\n"
    "1\t1.4\t0.3\t0.3\t0\n";

static void expect_row(const double *got, const double *want, const char *what)
{
    for (int q = 0; q < RO; q++)
        if (!(fabs(got[q] - want[q]) <= 1e-12))
            fail_msg("%s: got (%.15g, %.15g), want (%.15g, %.15g)", what, got[0], got[1],
                     want[0], want[1]);
}

static void truth_rows_follow_the_decoding_rules(void **state)
{
    (void)state;
    char *path = temp_path("rnn-truth");
    write_text(path, truth_file);
    dataset_t d;
    err_t e = {{0}};
    if (dataset_load_tsv(path, &d, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(d.n_sequences, 2);
    assert_int_equal(d.n_truth, 10);
    rnnbase_t m;
    assert_int_equal(rnnbase_create(&m, &small_config, 2, &e), 0);
    double *p = malloc(m.n_params * sizeof *p);
    rng_t r;
    rng_seed(&r, 2103);
    rnnbase_init_params(&m, p, &r);
    for (size_t i = 0; i < m.n_params; i++)
        p[i] += 0.1 * (2 * rng_uniform(&r) - 1);
    /* Batch order 1, 0: the output is sequence 1's 2 truth rows, then 0's 8. */
    int seqs[2] = {1, 0};
    double out[10 * RO];
    assert_int_equal(rnnbase_decode_truth(&m, p, &d, seqs, 2, out, &e), 0);

    mlp_ws_t ws;
    mlp_ws_alloc(&ws, &m.decoder, 1);
    double zero[RH] = {0}, h1[RH], h2[RH], g[RH], g2[RH], yroll[RO], yroll2[RO], want[RO];
#define DECODE(h) memcpy(want, mlp_forward(&m.decoder, p, (h), 1, &ws), sizeof want)
    const double y0[RO] = {0.3, -0.2}, y1[RO] = {-0.5, 0.6}, y2[RO] = {0.8, 0.25};
    const double *o0 = out + 2 * RO; /* sequence 0's rows */
    /* Before t_0: NaN; at t_0: y_0. */
    assert_true(isnan(o0[0]) && isnan(o0[1]));
    expect_row(o0 + 1 * RO, y0, "t = t_0");
    /* 0.8: one step from y_0 (t_0 = 0.5) and h_0 = 0. */
    rnnbase_cell(&m, p, y0, 0.3, zero, g);
    DECODE(g);
    expect_row(o0 + 2 * RO, want, "t = 0.8");
    /* 1.2: from y_1 (t_1 = 1.0) and h_1 = cell([y_0, 0.5], 0). */
    rnnbase_cell(&m, p, y0, 0.5, zero, h1);
    rnnbase_cell(&m, p, y1, 0.2, h1, g);
    DECODE(g);
    expect_row(o0 + 3 * RO, want, "t = 1.2");
    /* 1.5 = t_2: the prediction of y_2, i.e. the run's output there. */
    rnnbase_cell(&m, p, y1, 0.5, h1, h2);
    DECODE(h2);
    expect_row(o0 + 4 * RO, want, "t = t_2");
    expect_row(m.yhat + (2 + 2) * RO, want, "the output of y_2");
    /* The rollout: 2.0 from [y_2, 0.5] and h_2, then 2.3 from its own
     * prediction and state, then 3.0. */
    rnnbase_cell(&m, p, y2, 0.5, h2, g);
    DECODE(g);
    memcpy(yroll, want, sizeof yroll);
    expect_row(o0 + 5 * RO, want, "rollout 2.0");
    rnnbase_cell(&m, p, yroll, 0.3, g, g2);
    DECODE(g2);
    memcpy(yroll2, want, sizeof yroll2);
    expect_row(o0 + 6 * RO, want, "rollout 2.3");
    rnnbase_cell(&m, p, yroll2, 0.7, g2, g);
    DECODE(g);
    expect_row(o0 + 7 * RO, want, "rollout 3.0");
    /* Sequence 1: both rows after its last observation (0.6). */
    const double z0[RO] = {-0.4, 0.9}, z1[RO] = {0.6, -0.1};
    rnnbase_cell(&m, p, z0, 0.4, zero, h1);
    rnnbase_cell(&m, p, z1, 0.3, h1, g);
    DECODE(g);
    memcpy(yroll, want, sizeof yroll);
    expect_row(out, want, "sequence 1, rollout 0.9");
    rnnbase_cell(&m, p, yroll, 0.5, g, g2);
    DECODE(g2);
    expect_row(out + RO, want, "sequence 1, rollout 1.4");
#undef DECODE
    /* One sequence alone decodes its rows as in the batch. */
    double alone[8 * RO];
    assert_int_equal(rnnbase_decode_truth(&m, p, &d, seqs + 1, 1, alone, &e), 0);
    for (int i = 1; i < 8; i++)
        expect_row(alone + i * RO, o0 + i * RO, "sequence 0 alone");
    mlp_ws_free(&ws);
    free(p);
    rnnbase_free(&m);
    dataset_free(&d);
    remove(path);
    free(path);
}

static const char rnn_ini[] = "[model]\nkind = rnn\nloss = nll\nrnn_hidden = 4\n"
                              "decoder_hidden = 3\n[train]\nseed = 1\nbatch_size = 2\n"
                              "iterations = 1\nlr = 0.1\n";

/* A sequence with one observation: refused by the model, and by the kind's
 * data checks, naming the sequence. */
static void a_single_observation_is_refused(void **state)
{
    (void)state;
    dataset_t d;
    const int lengths[3] = {3, 1, 2};
    make_sequences(&d, 3, lengths, 2104);
    err_t e = {{0}};
    rnnbase_t m;
    assert_int_equal(rnnbase_create(&m, &small_config, 3, &e), 0);
    double *p = calloc(m.n_params, sizeof *p);
    model_result_t res;
    int seqs[3] = {0, 1, 2};
    assert_int_equal(rnnbase_run(&m, p, &d, seqs, 3, NULL, &res, &e), -1);
    assert_non_null(strstr(e.msg, "sequence 1 has 1 observation"));
    double out[6 * RO];
    assert_int_equal(rnnbase_decode_truth(&m, p, &d, seqs, 3, out, &e), -1);
    assert_non_null(strstr(e.msg, "sequence 1 has 1 observation"));
    int fine[2] = {0, 2};
    assert_int_equal(rnnbase_run(&m, p, &d, fine, 2, NULL, &res, &e), 0);

    runcfg_t rc;
    assert_int_equal(runcfg_load_string("t.ini", rnn_ini, &rc, &e), 0);
    assert_int_equal(rc.model_kind->fit_data(&rc, &d, "t.ini", "seqs.tsv", &e), -1);
    assert_non_null(strstr(e.msg, "t.ini: "));
    assert_non_null(strstr(e.msg, "sequence 1 of seqs.tsv has 1"));
    kind_model_t km;
    rc.input_dim = 2;
    assert_int_equal(kind_model_create(&km, &rc, 3, 1, &e), 0);
    assert_int_equal(km.kind->check_data(&km, &d, "seqs.tsv", &e), -1);
    assert_non_null(strstr(e.msg, "sequence 1 of seqs.tsv has 1"));
    kind_model_free(&km);
    free(p);
    rnnbase_free(&m);
    dataset_free(&d);
}

static void expect_refused(const char *ini, const char *message)
{
    runcfg_t rc;
    err_t e = {{0}};
    if (runcfg_load_string("t.ini", ini, &rc, &e) == 0)
        fail_msg("accepted: %s", ini);
    if (!strstr(e.msg, message))
        fail_msg("'%s' lacks '%s'", e.msg, message);
}

/* nll is rnn's loss and no other sequence kind's; keys rnn has no use for
 * (other kinds' keys) are refused as unknown, naming rnn's own. */
static void configurations_are_refused(void **state)
{
    (void)state;
    const char *train = "[train]\nseed = 1\nbatch_size = 2\niterations = 1\nlr = 0.1\n";
    char ini[1024];
    snprintf(ini, sizeof ini, "[model]\nkind = rnn\nloss = elbo\n%s", train);
    expect_refused(ini, "t.ini: [model] loss: rnn is trained on nll (Gaussian, known noise), "
                        "not elbo");
    snprintf(ini, sizeof ini, "[model]\nkind = rnn\n%s", train); /* cross_entropy */
    expect_refused(ini, "rnn is trained on nll");
    snprintf(ini, sizeof ini,
             "[model]\nkind = latent\nhidden = 4\nhidden_act = elu\nloss = nll\n%s", train);
    expect_refused(ini, "t.ini: [model] loss: latent is trained on elbo, not nll");
    snprintf(ini, sizeof ini, "[model]\nkind = odenet\nloss = nll\n[train]\nseed = 1\n"
                              "batch_size = 2\nepochs = 1\nlr = 0.1\n");
    expect_refused(ini, "odenet is trained on cross_entropy, not nll");
    snprintf(ini, sizeof ini, "[model]\nkind = rnn\nloss = nll\nhidden = 20\n%s", train);
    expect_refused(ini, "t.ini:4: unknown key 'hidden' in section [model] (kind rnn's own keys: "
                        "[model] rnn_hidden, [model] decoder_hidden, [model] obs_noise)");
    snprintf(ini, sizeof ini, "[model]\nkind = rnn\nloss = nll\naugment = 1\n%s", train);
    expect_refused(ini, "unknown key 'augment' in section [model] (kind rnn's");
    snprintf(ini, sizeof ini, "[model]\nkind = rnn\nloss = nll\nhidden_act = elu\n%s", train);
    expect_refused(ini, "unknown key 'hidden_act' in section [model] (kind rnn's");
    snprintf(ini, sizeof ini, "[model]\nkind = rnn\nloss = nll\nobs_noise = 0\n%s", train);
    expect_refused(ini, "obs_noise must be positive");
    snprintf(ini, sizeof ini, "[model]\nkind = rnn\nloss = nll\nrnn_hidden = 0\n%s", train);
    expect_refused(ini, "[model] rnn_hidden = 0 is out of range 1..4096");
    snprintf(ini, sizeof ini, "[model]\nkind = rnn\nloss = nll\n[train]\nseed = 1\n"
                              "batch_size = 2\niterations = 1\nlr = 0.1\nlbfgs_iterations = 3\n");
    expect_refused(ini, "rnn takes no end_time_jitter or lbfgs_iterations");
    /* The accepted form: an empty hidden, the cell's tanh. */
    runcfg_t rc;
    err_t e = {{0}};
    if (runcfg_load_string("t.ini", rnn_ini, &rc, &e) != 0)
        fail_msg("%s", e.msg);
    assert_true((rc.model_kind->flags & KIND_SEQUENCES) != 0);
    /* Points are not sequences. */
    dataset_t points = {.kind = DATA_REGRESS, .count = 1, .n_targets = 2};
    assert_int_equal(rc.model_kind->fit_data(&rc, &points, "t.ini", "p.tsv", &e), -1);
    assert_non_null(strstr(e.msg, "rnn needs sequences"));
}

const struct CMUnitTest rnn_baseline_tests[] = {
    cmocka_unit_test(gradient_matches_finite_differences),
    cmocka_unit_test(loss_matches_direct_recomputation),
    cmocka_unit_test(truth_rows_follow_the_decoding_rules),
    cmocka_unit_test(a_single_observation_is_refused),
    cmocka_unit_test(configurations_are_refused),
};
const size_t rnn_baseline_tests_count = sizeof rnn_baseline_tests / sizeof rnn_baseline_tests[0];
