/* The model-kind registry (train/kind.h): every kind is found by name, an
 * unknown name is refused with the known ones listed, and a model built
 * through the interface gives bitwise the same parameters, loss and
 * gradient as the model's own functions called directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "train/kind.h"
#include "models/latent/latent_ode.h"
#include "models/rnn/rnn_baseline.h"
#include "models/mlp/mlp_kind.h"
#include "models/cnf/cnf_field.h"
#include "models/conv/odenet.h"
#include "nn/gemm.h"
#include "core/rng.h"
#include "train/runcfg.h"
#include "train/score.h"
#include "test_util.h"

#define TINY_B 3

/* A tiny configuration per kind; a new kind needs a row here (checked). */
static const struct {
    const char *kind, *ini;
} tiny[] = {
    {"mlp", "[model]\nhidden = 5\ninput_dim = 4\naugment = 1\noutput_dim = 3\n"
            "[train]\nseed = 1\nbatch_size = 3\niterations = 1\nlr = 0.1\n"},
    {"odenet", "[model]\nkind = odenet\nchannels = 4\n"
               "[train]\nseed = 1\nbatch_size = 3\nepochs = 1\nlr = 0.1\n"},
    {"resnet", "[model]\nkind = resnet\nchannels = 4\n"
               "[train]\nseed = 1\nbatch_size = 3\nepochs = 1\nlr = 0.1\n"},
    {"cnf", "[model]\nkind = cnf\nhidden = 4, 4\nloss = nll\n"
            "[train]\nseed = 1\nbatch_size = 3\niterations = 1\nlr = 0.1\n"},
    {"latent", "[model]\nkind = latent\nhidden = 4\nhidden_act = elu\nloss = elbo\ninput_dim = 2\n"
               "latent_dim = 2\nrnn_hidden = 3\ndecoder_hidden = 3\n"
               "[train]\nseed = 1\nbatch_size = 3\niterations = 1\nlr = 0.1\n"},
    {"rnn", "[model]\nkind = rnn\nloss = nll\ninput_dim = 2\nrnn_hidden = 3\ndecoder_hidden = 3\n"
            "[train]\nseed = 1\nbatch_size = 3\niterations = 1\nlr = 0.1\n"},
};
/* The sequence kinds' batch: three sequences (make_sequences). */
static const int tiny_lengths[TINY_B] = {3, 4, 2};
static const int tiny_seqs[TINY_B] = {2, 0, 1};
#define N_TINY (sizeof tiny / sizeof tiny[0])

static const char *tiny_ini(const char *kind)
{
    for (size_t i = 0; i < N_TINY; i++)
        if (!strcmp(tiny[i].kind, kind))
            return tiny[i].ini;
    return NULL;
}

static void every_kind_is_found_by_name(void **state)
{
    (void)state;
    assert_true(model_kind_count() >= 3);
    for (int i = 0; i < model_kind_count(); i++) {
        const model_kind_t *k = model_kind_at(i);
        err_t e = {{0}};
        assert_ptr_equal(model_kind_find(k->name, &e), k);
        /* Every operation is there (fit_data and resolve may be absent). */
        assert_non_null(k->create);
        assert_non_null(k->free);
        assert_non_null(k->init_params);
        assert_non_null(k->run);
        assert_non_null(k->outputs);
        assert_non_null(k->states);
        assert_non_null(k->check_data);
        if (!tiny_ini(k->name))
            fail_msg("kind %s has no tiny configuration in tests/unit/train/test_kinds.c", k->name);
    }
    assert_null(model_kind_at(model_kind_count()));
}

/* rc <- kind k's tiny configuration (fails the test if it does not load). */
static void load_tiny(const model_kind_t *k, runcfg_t *rc)
{
    err_t e = {{0}};
    if (runcfg_load_string(k->name, tiny_ini(k->name), rc, &e) != 0)
        fail_msg("%s", e.msg);
}

/* Every kind's own keys reach its configuration: each is written back
 * exactly once (none dropped past runcfg's room for keys, none shadowed by
 * a key every run has), and no section/key pair is listed twice. */
static void every_kind_key_is_written_once(void **state)
{
    (void)state;
    for (int i = 0; i < model_kind_count(); i++) {
        const model_kind_t *k = model_kind_at(i);
        runcfg_t rc;
        load_tiny(k, &rc);
        char *text = runcfg_to_string(&rc);
        char seen[128][96];
        int n = 0;
        char section[32] = "";
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
            if (line[0] == '[') {
                snprintf(section, sizeof section, "%.*s", (int)strcspn(line + 1, "]"), line + 1);
                continue;
            }
            assert_true(n < 128);
            snprintf(seen[n], sizeof seen[n], "%s/%.*s", section, (int)strcspn(line, " ="), line);
            for (int j = 0; j < n; j++)
                if (!strcmp(seen[j], seen[n]))
                    fail_msg("kind %s: %s written twice", k->name, seen[n]);
            n++;
        }
        for (int j = 0; j < k->n_keys; j++) {
            char want[96];
            snprintf(want, sizeof want, "%s/%s", k->keys[j].section, k->keys[j].key);
            int found = 0;
            for (int m = 0; m < n; m++)
                found += !strcmp(seen[m], want);
            if (found != 1)
                fail_msg("kind %s: its key %s is written %d times", k->name, want, found);
        }
        free(text);
    }
}

static void unknown_kind_names_the_known_ones(void **state)
{
    (void)state;
    err_t e = {{0}};
    assert_null(model_kind_find("transformer", &e));
    assert_non_null(strstr(e.msg, "'transformer'"));
    for (int i = 0; i < model_kind_count(); i++)
        assert_non_null(strstr(e.msg, model_kind_at(i)->name));
    runcfg_t rc;
    err_t re = {{0}};
    assert_int_equal(runcfg_load_string("t.ini",
                                        "[model]\nkind = transformer\n[train]\nseed = 1\n"
                                        "batch_size = 1\niterations = 1\nlr = 1\n",
                                        &rc, &re),
                     -1);
    assert_non_null(strstr(re.msg, "t.ini: [model] kind: 'transformer' is not mlp, odenet"));
}

static void fill(rng_t *r, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rng_uniform(r);
}

/* Through the interface and directly, from the same generator state. */
static void interface_matches_direct_calls(void **state)
{
    (void)state;
    for (int i = 0; i < model_kind_count(); i++) {
        const model_kind_t *k = model_kind_at(i);
        runcfg_t rc;
        err_t e = {{0}};
        load_tiny(k, &rc);
        assert_ptr_equal(rc.model_kind, k);
        kind_model_t km;
        if (kind_model_create(&km, &rc, TINY_B, 1, &e) != 0)
            fail_msg("%s: %s", k->name, e.msg);
        assert_ptr_equal(km.kind, k);
        size_t np = km.n_params;
        int F = km.n_inputs;
        double *params = malloc(np * sizeof *params), *direct_params = malloc(np * sizeof *params);
        double *grad = malloc(np * sizeof *grad), *direct_grad = malloc(np * sizeof *grad);
        double *x = malloc((size_t)TINY_B * F * sizeof *x); /* (B, F) */
        int labels[TINY_B] = {2, 0, 1};
        rng_t r;
        rng_seed(&r, 11);
        k->init_params(&km, params, &r);
        rng_seed(&r, 5);
        fill(&r, x, (size_t)TINY_B * F);
        batch_t b = {.B = TINY_B, .K = 1, .x = x, .labels = labels};
        int latent = !strcmp(k->name, "latent"), rnn = !strcmp(k->name, "rnn");
        dataset_t seqd = {0};
        if (latent || rnn) {
            make_sequences(&seqd, TINY_B, tiny_lengths, 7);
            b = (batch_t){.B = TINY_B, .K = 1, .seqs = tiny_seqs, .data = &seqd};
        }
        model_result_t res, direct;
        if (kind_model_run(&km, params, &b, grad, &res, &e) != 0)
            fail_msg("%s: %s", k->name, e.msg);
        assert_int_equal(res.count, TINY_B);

        rng_seed(&r, 11);
        if (!strcmp(k->name, "mlp")) {
            model_t m;
            assert_int_equal(
                model_create(&m, &((const mlp_cfg_t *)runcfg_kind_cfg_const(&rc))->model,
                             TINY_B, 1, &e),
                0);
            assert_int_equal(m.n_params, np);
            model_init_params(&m, direct_params, &r);
            assert_int_equal(model_run(&m, direct_params, x, labels, NULL, TINY_B, 1, NULL,
                                       direct_grad, &direct, &e),
                             0);
            model_free(&m);
        } else if (!strcmp(k->name, "cnf")) {
            /* The flow by hand: [x, 0] to t1, NLL, adjoint with
             * dL/dz = z / B, dL/dl = -1 / B (models/cnf/cnf_kind.c's header). */
            cnffield_t cf;
            ode_solver_t *s;
            assert_int_equal(cnffield_init(&cf, 4, TINY_B, &e), 0);
            assert_int_equal(ode_solver_create(&s, &rc.model.ode, &e), 0);
            assert_int_equal(cnffield_n_params(&cf), np);
            mlp_init_params(&cf.mlp, direct_params, &r);
            cnffield_bind(&cf, TINY_B, direct_params);
            double h0[TINY_B * CNF_STATE], h1[TINY_B * CNF_STATE], d1[TINY_B * CNF_STATE],
                d0[TINY_B * CNF_STATE], t1 = 1.0, total = 0.0;
            for (int j = 0; j < TINY_B; j++) {
                h0[3 * j] = x[2 * j];
                h0[3 * j + 1] = x[2 * j + 1];
                h0[3 * j + 2] = 0.0;
            }
            assert_int_equal(ode_forward(s, &cf.f, 0.0, h0, 1, &t1, h1, &e), 0);
            for (int j = 0; j < TINY_B; j++) {
                total += -0.5 * (h1[3 * j] * h1[3 * j] + h1[3 * j + 1] * h1[3 * j + 1]) -
                         1.8378770664093453 + h1[3 * j + 2];
                d1[3 * j] = h1[3 * j] / TINY_B;
                d1[3 * j + 1] = h1[3 * j + 1] / TINY_B;
                d1[3 * j + 2] = -1.0 / TINY_B;
            }
            memset(&direct, 0, sizeof direct);
            direct.loss = -total / TINY_B;
            direct.ode = ode_solver_stats(s);
            memset(direct_grad, 0, np * sizeof *direct_grad);
            assert_int_equal(
                ode_backward(s, &cf.f, 0.0, h0, 1, &t1, h1, d1, d0, direct_grad, NULL, &e), 0);
            ode_solver_free(s);
            cnffield_free(&cf);
        } else if (latent) {
            /* The model by hand, eps drawn as the kind documents: B x Z
             * normals from [train] seed xor LATENT_EPS_STREAM. */
            latent_config_t lc = {.obs_dim = 2, .latent = 2, .rnn_hidden = 3,
                                  .decoder_hidden = 3, .n_hidden = 1, .hidden = {4},
                                  .hidden_act = ACT_ELU, .final_act = ACT_IDENTITY,
                                  .obs_noise = 0.1, .ode = rc.model.ode};
            latent_t lt;
            assert_int_equal(latent_create(&lt, &lc, TINY_B, &e), 0);
            assert_int_equal(lt.n_params, np);
            latent_init_params(&lt, direct_params, &r);
            rng_t er;
            rng_seed(&er, 1 ^ LATENT_EPS_STREAM);
            double eps[TINY_B * 2];
            for (int j = 0; j < TINY_B * 2; j++)
                eps[j] = rng_normal(&er);
            assert_int_equal(latent_run(&lt, direct_params, &seqd, tiny_seqs, TINY_B, eps,
                                        direct_grad, &direct, &e),
                             0);
            /* Scoring (no gradient) uses eps = 0 and is repeatable; a second
             * training run draws new eps. */
            model_result_t r0, r1, r2, want0;
            assert_int_equal(latent_run(&lt, direct_params, &seqd, tiny_seqs, TINY_B, NULL,
                                        NULL, &want0, &e),
                             0);
            assert_int_equal(kind_model_run(&km, params, &b, NULL, &r0, &e), 0);
            assert_int_equal(kind_model_run(&km, params, &b, NULL, &r1, &e), 0);
            assert_true(r0.loss == want0.loss && r1.loss == want0.loss);
            assert_true(r0.mse_count == 2 * (2 + 3 + 4) && r0.mse > 0);
            double *g2 = malloc(np * sizeof *g2);
            assert_int_equal(kind_model_run(&km, params, &b, g2, &r2, &e), 0);
            assert_true(r2.loss != res.loss);
            free(g2);
            /* Leave the kind's last run the one compared below. */
            assert_int_equal(kind_model_run(&km, params, &b, NULL, &r0, &e), 0);
            latent_free(&lt);
        } else if (rnn) {
            rnnbase_config_t c = {.obs_dim = 2, .hidden = 3, .decoder_hidden = 3,
                                  .obs_noise = 0.1};
            rnnbase_t rm;
            assert_int_equal(rnnbase_create(&rm, &c, TINY_B, &e), 0);
            assert_int_equal(rm.n_params, np);
            rnnbase_init_params(&rm, direct_params, &r);
            assert_int_equal(rnnbase_run(&rm, direct_params, &seqd, tiny_seqs, TINY_B,
                                         direct_grad, &direct, &e),
                             0);
            /* Predictions of every observation but each sequence's first. */
            assert_true(res.mse_count == 2 * (1 + 2 + 3) && res.mse > 0);
            assert_int_equal(res.ode.nfe_forward, 0);
            rnnbase_free(&rm);
        } else if (!strcmp(k->name, "odenet") || !strcmp(k->name, "resnet")) {
            odenet_t net;
            net_kind_t nk = !strcmp(k->name, "odenet") ? NET_ODE : NET_RESNET;
            assert_int_equal(odenet_create(&net, nk, 4, TINY_B, &rc.model.ode, &e), 0);
            assert_int_equal(net.n_params, np);
            odenet_init_params(&net, direct_params, &r);
            assert_int_equal(odenet_run(&net, direct_params, x, labels, TINY_B, direct_grad,
                                        &direct, &e),
                             0);
            odenet_free(&net);
        } else {
            fail_msg("kind %s has no direct-call branch in interface_matches_direct_calls "
                     "(tests/unit/train/test_kinds.c): add the model's own calls", k->name);
        }
        assert_memory_equal(params, direct_params, np * sizeof *params);
        assert_memory_equal(&res.loss, &direct.loss, sizeof res.loss);
        assert_int_equal(res.correct, direct.correct);
        assert_int_equal(res.ode.nfe_forward, direct.ode.nfe_forward);
        assert_memory_equal(grad, direct_grad, np * sizeof *grad);
        /* The states of the last run are finite and sized as announced. */
        double *h = malloc((size_t)TINY_B * km.state_width * sizeof *h);
        k->states(&km, TINY_B, 1, h);
        double sum = 0;
        for (size_t j = 0; j < (size_t)TINY_B * km.state_width; j++)
            sum += h[j];
        assert_true(sum == sum);
        free(h);
        free(params);
        free(direct_params);
        free(grad);
        free(direct_grad);
        free(x);
        dataset_free(&seqd);
        kind_model_free(&km);
    }
}

/* A failed test leaves the process's backend at the default. */
static int reset_gemm(void **state)
{
    (void)state;
    gemm_set_backend(GEMM_OPENBLAS);
    return 0;
}

/* One kind's loss gradient on its tiny batch (the parameters and inputs
 * of interface_matches_direct_calls) with the given gemm backend; *np
 * gets its length.  The caller frees it. */
static double *tiny_gradient(const model_kind_t *k, gemm_backend_t be, size_t *np)
{
    runcfg_t rc;
    err_t e = {{0}};
    load_tiny(k, &rc);
    kind_model_t km;
    if (kind_model_create(&km, &rc, TINY_B, 1, &e) != 0)
        fail_msg("%s: %s", k->name, e.msg);
    *np = km.n_params;
    double *params = malloc(*np * sizeof *params), *grad = malloc(*np * sizeof *grad);
    double *x = malloc((size_t)TINY_B * km.n_inputs * sizeof *x);
    int labels[TINY_B] = {2, 0, 1};
    rng_t r;
    rng_seed(&r, 11);
    k->init_params(&km, params, &r);
    rng_seed(&r, 5);
    fill(&r, x, (size_t)TINY_B * km.n_inputs);
    batch_t b = {.B = TINY_B, .K = 1, .x = x, .labels = labels};
    dataset_t seqd = {0};
    if (!strcmp(k->name, "latent") || !strcmp(k->name, "rnn")) {
        make_sequences(&seqd, TINY_B, tiny_lengths, 7);
        b = (batch_t){.B = TINY_B, .K = 1, .seqs = tiny_seqs, .data = &seqd};
    }
    model_result_t res;
    gemm_set_backend(be);
    int status = kind_model_run(&km, params, &b, grad, &res, &e);
    gemm_set_backend(GEMM_OPENBLAS);
    if (status != 0)
        fail_msg("%s: %s", k->name, e.msg);
    free(params);
    free(x);
    dataset_free(&seqd);
    kind_model_free(&km);
    return grad;
}

/* [train] gemm = xsmm changes every kind's gradient by rounding only (the
 * adaptive solves included: no step decision flips on these batches). */
static void xsmm_gradient_matches_openblas(void **state)
{
    (void)state;
    for (int i = 0; i < model_kind_count(); i++) {
        const model_kind_t *k = model_kind_at(i);
        size_t n1, n2;
        double *ob = tiny_gradient(k, GEMM_OPENBLAS, &n1);
        double *xs = tiny_gradient(k, GEMM_XSMM, &n2);
        assert_int_equal(n1, n2);
        double err = grad_rel_err(xs, ob, n1);
        if (!(err <= 1e-12))
            fail_msg("kind %s: gradient with xsmm differs by %g (relative)", k->name, err);
        free(ob);
        free(xs);
    }
}

/* The setting is read and checked like every key, and written to the
 * configuration text (so to checkpoints) only when it is not the default:
 * a default run's checkpoint is what it was before the key existed. */
static void gemm_setting_written_only_when_chosen(void **state)
{
    (void)state;
    const model_kind_t *k = model_kind_find("mlp", &(err_t){{0}});
    runcfg_t rc;
    err_t e = {{0}};
    load_tiny(k, &rc);
    assert_int_equal(rc.gemm_backend, GEMM_OPENBLAS);
    char *text = runcfg_to_string(&rc);
    assert_null(strstr(text, "gemm"));
    free(text);
    assert_int_equal(runcfg_override(&rc, "--set", "[train]\ngemm = xsmm\n", &e), 0);
    assert_int_equal(rc.gemm_backend, GEMM_XSMM);
    text = runcfg_to_string(&rc);
    assert_non_null(strstr(text, "gemm = xsmm\n"));
    runcfg_t back;
    assert_int_equal(runcfg_load_string("stored", text, &back, &e), 0);
    assert_int_equal(back.gemm_backend, GEMM_XSMM);
    free(text);
    char bad[512];
    snprintf(bad, sizeof bad, "%s[train]\ngemm = mkl\n", tiny_ini("mlp"));
    /* tiny_ini has a [train] section already: a second one adds to it. */
    assert_int_equal(runcfg_load_string("run.ini", bad, &back, &e), -1);
    assert_non_null(strstr(e.msg, "run.ini: [train] gemm: 'mkl'"));
}

/* A batch larger than the workspace is an error, not an overrun. */
static void oversized_batch_is_refused(void **state)
{
    (void)state;
    runcfg_t rc;
    err_t e = {{0}};
    assert_int_equal(runcfg_load_string("mlp", tiny_ini("mlp"), &rc, &e), 0);
    kind_model_t km;
    assert_int_equal(kind_model_create(&km, &rc, 2, 1, &e), 0);
    double x[12] = {0}, params[1000] = {0};
    assert_true(km.n_params <= 1000);
    int labels[3] = {0, 1, 2};
    batch_t b = {.B = 3, .K = 1, .x = x, .labels = labels};
    model_result_t res;
    assert_int_equal(kind_model_run(&km, params, &b, NULL, &res, &e), -1);
    assert_non_null(strstr(e.msg, "exceeds the workspace"));
    kind_model_free(&km);
}

/* Scoring in chunks: the example-weighted mean of the chunks' losses and
 * gradients, and the outputs of every chunk in order. */
static void score_weights_chunks_by_size(void **state)
{
    (void)state;
    runcfg_t rc;
    err_t e = {{0}};
    assert_int_equal(runcfg_load_string("mlp", tiny_ini("mlp"), &rc, &e), 0);
    kind_model_t km;
    assert_int_equal(kind_model_create(&km, &rc, 2, 1, &e), 0);
    enum { N = 5, F = 4 };
    size_t np = km.n_params;
    int O = km.n_outputs;
    double x[N * F], *params = malloc(np * sizeof *params);
    double *grad = malloc(np * sizeof *grad), *want_grad = calloc(np, sizeof *grad);
    double *chunk_grad = malloc(np * sizeof *grad), outputs[N * 3], want_outputs[N * 3];
    int labels[N] = {0, 1, 2, 1, 0};
    rng_t r;
    rng_seed(&r, 3);
    km.kind->init_params(&km, params, &r);
    fill(&r, x, N * F);
    dataset_t d = {.kind = DATA_CLASSIFY, .count = N, .n_features = F, .n_classes = 3,
                   .x = x, .labels = labels};
    double want_loss = 0;
    long want_correct = 0;
    for (int first = 0; first < N; first += 2) {
        int nb = N - first < 2 ? N - first : 2;
        batch_t b = {.B = nb, .K = 1, .x = x + first * F, .labels = labels + first};
        model_result_t res;
        assert_int_equal(kind_model_run(&km, params, &b, chunk_grad, &res, &e), 0);
        want_loss += res.loss * nb;
        want_correct += res.correct;
        for (size_t i = 0; i < np; i++)
            want_grad[i] += chunk_grad[i] * nb;
        memcpy(want_outputs + first * O, km.kind->outputs(&km), (size_t)nb * O * sizeof(double));
    }
    score_t s;
    assert_int_equal(score_dataset(&km, params, &d, 1000, grad, outputs, &s, &e), 0);
    assert_int_equal(s.count, N);
    assert_int_equal(s.solves, 3);
    assert_int_equal(s.correct, want_correct);
    assert_true(s.loss == want_loss / N);
    for (size_t i = 0; i < np; i++)
        assert_true(grad[i] == want_grad[i] / N);
    assert_memory_equal(outputs, want_outputs, sizeof outputs);
    free(params);
    free(grad);
    free(want_grad);
    free(chunk_grad);
    kind_model_free(&km);
}

/* The mlp kind's check_data matches the loss to the data: cross-entropy
 * reads labels (below the number of outputs), squared errors read targets
 * (as many as outputs).  A mismatch used to reach the loss and crash. */
static void mlp_check_data_matches_loss(void **state)
{
    (void)state;
    static const char *ce = "[model]\nhidden = 5\ninput_dim = 2\naugment = 1\noutput_dim = 2\n"
                            "loss = cross_entropy\n"
                            "[train]\nseed = 1\nbatch_size = 3\niterations = 1\nlr = 0.1\n";
    static const char *mse = "[model]\nhidden = 5\ninput_dim = 2\naugment = 1\noutput_dim = 1\n"
                             "loss = mse\nreadout = 3\n"
                             "[train]\nseed = 1\nbatch_size = 3\niterations = 1\nlr = 0.1\n";
    double x[4] = {0}, y[4] = {0};
    int labels[2] = {0, 1};
    dataset_t labelled = {.kind = DATA_CLASSIFY, .count = 2, .n_features = 2, .n_classes = 2,
                          .x = x, .labels = labels};
    dataset_t labelled7 = labelled;
    labelled7.n_classes = 8;
    dataset_t real1 = {.kind = DATA_REGRESS, .count = 2, .n_features = 2, .n_targets = 1,
                       .x = x, .y = y};
    dataset_t real2 = real1;
    real2.n_targets = 2;
    dataset_t points = {.kind = DATA_DENSITY, .count = 2, .n_features = 2, .x = x};
    const struct {
        const char *ini;
        const dataset_t *d;
        const char *expect; /* NULL: suits */
    } cases[] = {
        {ce, &labelled, NULL},
        {ce, &labelled7, "has labels up to 7"},
        {ce, &real2, "loss cross_entropy does not suit real2.tsv (real-valued data)"},
        {ce, &points, "neither labels nor targets"},
        {mse, &real1, NULL},
        {mse, &real2, "has 2 target columns"},
        {mse, &labelled, "loss mse does not suit labelled.tsv (labelled data)"},
        {mse, &points, "neither labels nor targets"},
    };
    const char *names[] = {"labelled.tsv", "labelled7.tsv", "real2.tsv", "points.tsv",
                           "real1.tsv", "real2.tsv", "labelled.tsv", "points.tsv"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        runcfg_t rc;
        err_t e = {{0}};
        if (runcfg_load_string("t.ini", cases[i].ini, &rc, &e) != 0)
            fail_msg("%s", e.msg);
        kind_model_t km;
        assert_int_equal(kind_model_create(&km, &rc, 2, 1, &e), 0);
        int got = km.kind->check_data(&km, cases[i].d, names[i], &e);
        if (!cases[i].expect && got != 0)
            fail_msg("case %zu refused: %s", i, e.msg);
        if (cases[i].expect && (got == 0 || !strstr(e.msg, cases[i].expect) ||
                                !strstr(e.msg, names[i])))
            fail_msg("case %zu: %s (wanted '%s')", i, got ? e.msg : "accepted",
                     cases[i].expect);
        kind_model_free(&km);
    }
}

/* The convolutional kinds read 28 x 28 images: 784 values of another shape
 * (or a TSV file's, which has none) are refused, naming the data and shape. */
static void conv_check_data_wants_28x28(void **state)
{
    (void)state;
    double *x = calloc(784, sizeof *x);
    int label = 3;
    const struct {
        int rows, cols;
        const char *expect;
    } cases[] = {
        {28, 28, NULL},
        {1, 784, "set holds 1x784 images"},
        {784, 1, "set holds 784x1 images"},
        {56, 14, "set holds 56x14 images"},
        {0, 0, "not set (784 features without an image shape)"},
    };
    for (int k = 0; k < 2; k++) {
        err_t e = {{0}};
        kind_model_t km = {.kind = model_kind_find(k ? "resnet" : "odenet", &e)};
        assert_non_null(km.kind);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            dataset_t d = {.kind = DATA_CLASSIFY, .count = 1, .n_features = 784,
                           .n_classes = 10, .rows = cases[i].rows, .cols = cases[i].cols,
                           .x = x, .labels = &label};
            int got = km.kind->check_data(&km, &d, "set", &e);
            if (!cases[i].expect && got != 0)
                fail_msg("%s refused 28x28: %s", km.kind->name, e.msg);
            if (cases[i].expect && (got == 0 || !strstr(e.msg, cases[i].expect)))
                fail_msg("%s, %dx%d: %s (wanted '%s')", km.kind->name, cases[i].rows,
                         cases[i].cols, got ? e.msg : "accepted", cases[i].expect);
        }
    }
    free(x);
}

const struct CMUnitTest kinds_tests[] = {
    cmocka_unit_test(mlp_check_data_matches_loss),
    cmocka_unit_test(conv_check_data_wants_28x28),
    cmocka_unit_test(score_weights_chunks_by_size),
    cmocka_unit_test(every_kind_is_found_by_name),
    cmocka_unit_test(unknown_kind_names_the_known_ones),
    cmocka_unit_test(every_kind_key_is_written_once),
    cmocka_unit_test(interface_matches_direct_calls),
    cmocka_unit_test_teardown(xsmm_gradient_matches_openblas, reset_gemm),
    cmocka_unit_test(gemm_setting_written_only_when_chosen),
    cmocka_unit_test(oversized_batch_is_refused),
};
const size_t kinds_tests_count = sizeof kinds_tests / sizeof kinds_tests[0];
