/* The latent ODE kind (report 002, "Latent ODE"; Chen et al. 2018, Sec. 5):
 * models/latent/latent_ode.h behind the kind interface, on sets of sequences (data/dataset.h;
 * gen-data spirals writes them).
 *
 * [model] kind = latent, loss = elbo, hidden = the field's hidden widths
 * (report 002: 20, 20 with hidden_act = elu), latent_dim (4), rnn_hidden
 * (25), decoder_hidden (20), obs_noise (0.1, the likelihood's known noise
 * sd); input_dim is the data's values per observation (fitted).
 *
 * The reparameterisation noise eps ~ N(0, I) comes from a generator the
 * model owns, seeded at create from [train] seed (xor a fixed stream
 * constant, so that its draws differ from the initialisation's), and
 * advanced by B x latent_dim normals, sequence by sequence, at every run
 * with a gradient (a training step).  Runs without a gradient (scoring,
 * eval) use eps = 0, z0 = the posterior mean, so scores are deterministic.
 * The trainer's resume file keeps the generator's state (train_rng).
 * The states (features) are z0 of each sequence of the last run. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "models/latent/latent_ode.h"
#include "train/kind.h"
#include "train/runcfg.h"

/* The latent ODE's own [model] keys (see above). */
typedef struct {
    char hidden[CFG_STR_MAX], hidden_act[CFG_STR_MAX], final_act[CFG_STR_MAX];
    long latent_dim, rnn_hidden, decoder_hidden;
    double obs_noise;
    /* resolved */
    int n_hidden, widths[MLP_MAX_LAYERS - 1];
    act_t act_hidden, act_final;
} latent_cfg_t;
_Static_assert(sizeof(latent_cfg_t) <= RUNCFG_KIND_BYTES, "latent_cfg_t outgrows runcfg_t");

#define KEY(k, type, def, lo, hi) {"model", #k, type, def, offsetof(latent_cfg_t, k), lo, hi}
static const kind_key_t latent_keys[] = {
    KEY(hidden, CFG_STRING, "", 0, 0),
    KEY(hidden_act, CFG_STRING, "tanh", 0, 0),
    KEY(final_act, CFG_STRING, "identity", 0, 0),
    KEY(latent_dim, CFG_LONG, "4", 1, 4096),
    KEY(rnn_hidden, CFG_LONG, "25", 1, 4096),
    KEY(decoder_hidden, CFG_LONG, "20", 1, 4096),
    KEY(obs_noise, CFG_DOUBLE, "0.1", 0, 0),
};
#undef KEY

typedef struct {
    latent_t net;
    rng_t eps_rng;
    double *eps; /* (max_batch, Z) */
} latent_kind_t;

static int latent_resolve(runcfg_t *rc, const char *source, err_t *e)
{
    latent_cfg_t *c = runcfg_kind_cfg(rc);
    long widths[MLP_MAX_LAYERS];
    int count = 0;
    err_t le = {{0}};
    if (parse_long_list(c->hidden, widths, MLP_MAX_LAYERS - 1, &count, &le) != 0)
        return err_set(e, "%s: [model] hidden: %s", source, le.msg);
    if (count < 1)
        return err_set(e, "%s: [model] hidden: latent needs the field's hidden widths "
                          "(e.g. 20, 20)", source);
    c->n_hidden = count;
    for (int i = 0; i < count; i++) {
        if (widths[i] < 1 || widths[i] > 4096)
            return err_set(e, "%s: [model] hidden: width %ld is out of range 1..4096", source,
                           widths[i]);
        c->widths[i] = (int)widths[i];
    }
    if (act_parse(c->hidden_act, &c->act_hidden) != 0)
        return err_set(e, "%s: [model] hidden_act: unknown activation '%s'", source,
                       c->hidden_act);
    if (act_parse(c->final_act, &c->act_final) != 0)
        return err_set(e, "%s: [model] final_act: unknown activation '%s'", source,
                       c->final_act);
    if (rc->model.loss != LOSS_ELBO)
        return err_set(e, "%s: [model] loss: latent is trained on elbo, not %s", source,
                       loss_name(rc->model.loss));
    if (!(c->obs_noise > 0))
        return err_set(e, "%s: [model] obs_noise must be positive", source);
    if (rc->end_time_jitter > 0 || rc->lbfgs_iterations > 0)
        return err_set(e, "%s: [train] latent takes no end_time_jitter or lbfgs_iterations",
                       source);
    return 0;
}

static int latent_suits(const dataset_t *d, int obs_dim, const char *data_name, err_t *e)
{
    if (d->kind != DATA_SEQUENCES)
        return err_set(e, "latent needs sequences (columns seq, t, y1..yk, observed, as "
                          "gen-data spirals writes), but %s is not such a set", data_name);
    if (obs_dim && d->n_targets != obs_dim)
        return err_set(e, "the model reads %d values per observation but %s has %d", obs_dim,
                       data_name, d->n_targets);
    return 0;
}

static int latent_fit_data(runcfg_t *rc, const dataset_t *d, const char *source,
                           const char *data_name, err_t *e)
{
    err_t le = {{0}};
    if (latent_suits(d, (int)rc->input_dim, data_name, &le) != 0)
        return err_set(e, "%s: %s", source, le.msg);
    rc->input_dim = d->n_targets;
    return 0;
}

static void latent_kind_free(kind_model_t *km)
{
    latent_kind_t *k = km->impl;
    if (!k)
        return;
    latent_free(&k->net);
    free(k->eps);
    free(k);
    km->impl = NULL;
}

static int latent_kind_create(kind_model_t *km, const runcfg_t *rc, int max_batch, int max_times,
                              err_t *e)
{
    (void)max_times; /* the workspace grows with the batch's observations */
    if (rc->input_dim < 1)
        return err_set(e, "latent: the values per observation ([model] input_dim) are not "
                          "known: train fits them to the data");
    const latent_cfg_t *c = runcfg_kind_cfg_const(rc);
    latent_config_t lc = {.obs_dim = (int)rc->input_dim,
                          .latent = (int)c->latent_dim,
                          .rnn_hidden = (int)c->rnn_hidden,
                          .decoder_hidden = (int)c->decoder_hidden,
                          .n_hidden = c->n_hidden,
                          .hidden_act = c->act_hidden,
                          .final_act = c->act_final,
                          .obs_noise = c->obs_noise,
                          .ode = rc->model.ode};
    _Static_assert(sizeof lc.hidden == sizeof c->widths, "hidden widths");
    memcpy(lc.hidden, c->widths, sizeof lc.hidden);
    latent_kind_t *k = xcalloc(1, sizeof *k);
    km->impl = k;
    if (latent_create(&k->net, &lc, max_batch, e) != 0) {
        latent_kind_free(km);
        return -1;
    }
    k->eps = xmalloc((size_t)max_batch * lc.latent * sizeof *k->eps);
    rng_seed(&k->eps_rng, (uint64_t)rc->seed ^ LATENT_EPS_STREAM);
    km->n_params = k->net.n_params;
    km->n_inputs = 0;
    km->n_outputs = lc.obs_dim;
    km->state_width = lc.latent;
    km->loss_is_sum = 0;
    return 0;
}

static void latent_kind_init(const kind_model_t *km, double *params, rng_t *rng)
{
    const latent_kind_t *k = km->impl;
    latent_init_params(&k->net, params, rng);
}

static int latent_kind_run(kind_model_t *km, const double *params, const batch_t *b, double *grad,
                           model_result_t *res, err_t *e)
{
    latent_kind_t *k = km->impl;
    if (!b->seqs || !b->data) {
        memset(res, 0, sizeof *res);
        return err_set(e, "latent: needs a batch of sequences (seq, t, y1..yk, observed data)");
    }
    const double *eps = NULL;
    if (grad) {
        /* A share of a group's batch (train/kind.h) takes its sequences' draws of
         * the group's, which every member makes in full. */
        size_t Z = (size_t)k->net.cfg.latent, n = (size_t)b->B * Z;
        size_t lo = (size_t)b->group_first * Z, all = (size_t)batch_mean_over(b) * Z;
        for (size_t i = 0; i < all; i++) {
            double v = rng_normal(&k->eps_rng);
            if (i >= lo && i - lo < n)
                k->eps[i - lo] = v;
        }
        eps = k->eps;
    }
    k->net.loss_B = k->net.group_B = b->group_B;
    k->net.group_first = b->group_first;
    k->net.group_seqs = b->group_seqs;
    int status = latent_run(&k->net, params, b->data, b->seqs, b->B, eps, grad, res, e);
    k->net.loss_B = k->net.group_B = k->net.group_first = 0;
    k->net.group_seqs = NULL;
    return status;
}

static const double *latent_kind_outputs(const kind_model_t *km)
{
    return ((const latent_kind_t *)km->impl)->net.yhat;
}

static void latent_kind_states(const kind_model_t *km, int B, int K, double *out)
{
    const latent_kind_t *k = km->impl;
    (void)K;
    memcpy(out, k->net.z0, (size_t)B * k->net.cfg.latent * sizeof *out);
}

static int latent_check_data(const kind_model_t *km, const dataset_t *d, const char *data_name,
                             err_t *e)
{
    const latent_kind_t *k = km->impl;
    return latent_suits(d, k->net.cfg.obs_dim, data_name, e);
}


static int latent_kind_truth(kind_model_t *m, const double *params, const dataset_t *d,
                             const int *seqs, int B, double *out, long *nfe_forward, err_t *e)
{
    latent_kind_t *k = m->impl;
    model_result_t res;
    if (latent_decode_truth(&k->net, params, d, seqs, B, out, &res, e) != 0)
        return -1;
    *nfe_forward = res.ode.nfe_forward;
    return 0;
}

static rng_t *latent_kind_rng(kind_model_t *m)
{
    return &((latent_kind_t *)m->impl)->eps_rng;
}

const model_kind_t latent_kind = {
    .name = "latent",
    .flags = KIND_SEQUENCES,
    .keys = latent_keys,
    .n_keys = (int)(sizeof latent_keys / sizeof latent_keys[0]),
    .cfg_size = sizeof(latent_cfg_t),
    .resolve = latent_resolve,
    .fit_data = latent_fit_data,
    .create = latent_kind_create,
    .free = latent_kind_free,
    .init_params = latent_kind_init,
    .run = latent_kind_run,
    .outputs = latent_kind_outputs,
    .states = latent_kind_states,
    .check_data = latent_check_data,
    .decode_truth = latent_kind_truth,
    .train_rng = latent_kind_rng,
};
