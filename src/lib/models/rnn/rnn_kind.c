/* The recurrent baseline of Chen et al. 2018 (Sec. 5.1, Table 2): models/rnn/rnn_baseline.h
 * behind the kind interface, on the latent kind's sets of sequences
 * (data/dataset.h; gen-data spirals writes them), every sequence with at least
 * two observations.
 *
 * [model] kind = rnn, loss = nll (the mean Gaussian negative
 * log-likelihood per sequence of its one-step predictions, with known
 * noise sd obs_noise; 0.1), rnn_hidden (the cell's width, the paper's 25),
 * decoder_hidden (20); input_dim is the data's values per observation
 * (fitted).  `hidden` must be empty: the cell is tanh (hidden_act tanh),
 * the decoder relu then linear (final_act identity).  latent_dim, t0, t1
 * and [ode] are not read (no solve: NFE 0).  Runs are deterministic: no
 * noise is drawn.  The states (features) are each sequence's hidden state
 * after its last observation (models/rnn/rnn_baseline.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/rnn/rnn_baseline.h"
#include "train/kind.h"
#include "train/runcfg.h"

/* The recurrent baseline's own [model] keys (see above). */
typedef struct {
    long rnn_hidden, decoder_hidden;
    double obs_noise;
} rnn_cfg_t;
_Static_assert(sizeof(rnn_cfg_t) <= RUNCFG_KIND_BYTES, "rnn_cfg_t outgrows runcfg_t");

static const kind_key_t rnn_keys[] = {
    {"model", "rnn_hidden", CFG_LONG, "25", offsetof(rnn_cfg_t, rnn_hidden), 1, 4096},
    {"model", "decoder_hidden", CFG_LONG, "20", offsetof(rnn_cfg_t, decoder_hidden), 1, 4096},
    {"model", "obs_noise", CFG_DOUBLE, "0.1", offsetof(rnn_cfg_t, obs_noise), 0, 0},
};

static int rnn_resolve(runcfg_t *rc, const char *source, err_t *e)
{
    const rnn_cfg_t *c = runcfg_kind_cfg_const(rc);
    if (rc->model.loss != LOSS_NLL)
        return err_set(e, "%s: [model] loss: rnn is trained on nll (Gaussian, known noise), "
                          "not %s", source, loss_name(rc->model.loss));
    if (!(c->obs_noise > 0))
        return err_set(e, "%s: [model] obs_noise must be positive", source);
    if (rc->end_time_jitter > 0 || rc->lbfgs_iterations > 0)
        return err_set(e, "%s: [train] rnn takes no end_time_jitter or lbfgs_iterations",
                       source);
    return 0;
}

static int rnn_suits(const dataset_t *d, int obs_dim, const char *data_name, err_t *e)
{
    if (d->kind != DATA_SEQUENCES)
        return err_set(e, "rnn needs sequences (columns seq, t, y1..yk, observed, as "
                          "gen-data spirals writes), but %s is not such a set", data_name);
    if (obs_dim && d->n_targets != obs_dim)
        return err_set(e, "the model reads %d values per observation but %s has %d", obs_dim,
                       data_name, d->n_targets);
    return rnnbase_check_sequences(d, data_name, e);
}

static int rnn_fit_data(runcfg_t *rc, const dataset_t *d, const char *source,
                        const char *data_name, err_t *e)
{
    err_t le = {{0}};
    if (rnn_suits(d, (int)rc->input_dim, data_name, &le) != 0)
        return err_set(e, "%s: %s", source, le.msg);
    rc->input_dim = d->n_targets;
    return 0;
}

static void rnn_kind_free(kind_model_t *km)
{
    rnnbase_t *m = km->impl;
    if (!m)
        return;
    rnnbase_free(m);
    free(m);
    km->impl = NULL;
}

static int rnn_kind_create(kind_model_t *km, const runcfg_t *rc, int max_batch, int max_times,
                           err_t *e)
{
    (void)max_times; /* the workspace grows with the batch's observations */
    if (rc->input_dim < 1)
        return err_set(e, "rnn: the values per observation ([model] input_dim) are not "
                          "known: train fits them to the data");
    const rnn_cfg_t *rk = runcfg_kind_cfg_const(rc);
    rnnbase_config_t c = {.obs_dim = (int)rc->input_dim,
                          .hidden = (int)rk->rnn_hidden,
                          .decoder_hidden = (int)rk->decoder_hidden,
                          .obs_noise = rk->obs_noise};
    rnnbase_t *m = xcalloc(1, sizeof *m);
    km->impl = m;
    if (rnnbase_create(m, &c, max_batch, e) != 0) {
        rnn_kind_free(km);
        return -1;
    }
    km->n_params = m->n_params;
    km->n_inputs = 0;
    km->n_outputs = c.obs_dim;
    km->state_width = c.hidden;
    km->loss_is_sum = 0;
    return 0;
}

static void rnn_kind_init(const kind_model_t *km, double *params, rng_t *rng)
{
    rnnbase_init_params(km->impl, params, rng);
}

static int rnn_kind_run(kind_model_t *km, const double *params, const batch_t *b, double *grad,
                        model_result_t *res, err_t *e)
{
    if (!b->seqs || !b->data) {
        memset(res, 0, sizeof *res);
        return err_set(e, "rnn: needs a batch of sequences (seq, t, y1..yk, observed data)");
    }
    ((rnnbase_t *)km->impl)->loss_B = b->group_B;
    return rnnbase_run(km->impl, params, b->data, b->seqs, b->B, grad, res, e);
}

static const double *rnn_kind_outputs(const kind_model_t *km)
{
    return ((const rnnbase_t *)km->impl)->yhat;
}

static void rnn_kind_states(const kind_model_t *km, int B, int K, double *out)
{
    const rnnbase_t *m = km->impl;
    (void)K;
    memcpy(out, m->h_final, (size_t)B * m->cfg.hidden * sizeof *out);
}

static int rnn_check_data(const kind_model_t *km, const dataset_t *d, const char *data_name,
                          err_t *e)
{
    const rnnbase_t *m = km->impl;
    return rnn_suits(d, m->cfg.obs_dim, data_name, e);
}

static int rnn_kind_truth(kind_model_t *km, const double *params, const dataset_t *d,
                          const int *seqs, int B, double *out, long *nfe_forward, err_t *e)
{
    *nfe_forward = 0;
    return rnnbase_decode_truth(km->impl, params, d, seqs, B, out, e);
}

const model_kind_t rnn_kind = {
    .name = "rnn",
    .flags = KIND_SEQUENCES,
    .keys = rnn_keys,
    .n_keys = (int)(sizeof rnn_keys / sizeof rnn_keys[0]),
    .cfg_size = sizeof(rnn_cfg_t),
    .resolve = rnn_resolve,
    .fit_data = rnn_fit_data,
    .create = rnn_kind_create,
    .free = rnn_kind_free,
    .init_params = rnn_kind_init,
    .run = rnn_kind_run,
    .outputs = rnn_kind_outputs,
    .states = rnn_kind_states,
    .check_data = rnn_check_data,
    .decode_truth = rnn_kind_truth,
};
