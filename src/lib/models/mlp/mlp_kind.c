/* The MLP-ODE kind (report 000): models/mlp/mlp_ode.h behind the kind interface.  The
 * data fixes the input width; labelled data needs cross-entropy and
 * real-valued data a squared error; a trajectory is one batch observed at
 * K times. */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/mlp/mlp_kind.h"
#include "train/kind.h"
#include "train/runcfg.h"

_Static_assert(sizeof(mlp_cfg_t) <= RUNCFG_KIND_BYTES, "mlp_cfg_t outgrows runcfg_t");

/* Widths 0..65536; input_layer the width d of the input layer (0: none),
 * augment p, state_dim d when the data has no inputs, readout the
 * components of h read out (0: all) from readout_offset, output_dim the
 * output layer's width (0: none). */
#define KEY(k, type, def) {"model", #k, type, def, offsetof(mlp_cfg_t, k), 0, 65536}
static const kind_key_t mlp_keys[] = {
    KEY(input_layer, CFG_LONG, "0"),
    KEY(input_act, CFG_STRING, "tanh"),
    KEY(augment, CFG_LONG, "0"),
    KEY(augment_mode, CFG_STRING, "zeros"),
    KEY(state_dim, CFG_LONG, "0"),
    KEY(hidden, CFG_STRING, ""),
    KEY(hidden_act, CFG_STRING, "tanh"),
    KEY(final_act, CFG_STRING, "identity"),
    KEY(time_dependent, CFG_BOOL, "false"),
    KEY(second_order, CFG_BOOL, "false"),
    KEY(second_order_input, CFG_STRING, "position"),
    KEY(readout, CFG_LONG, "0"),
    KEY(readout_offset, CFG_LONG, "0"),
    KEY(output_dim, CFG_LONG, "0"),
};
#undef KEY

#define NEED(cond, ...)                                                                     \
    do {                                                                                    \
        if (!(cond))                                                                        \
            return err_set(e, __VA_ARGS__);                                                 \
    } while (0)

/* The activations, the augmentation and the order of the field. */
static int mlp_resolve_shape(mlp_cfg_t *c, const char *name, err_t *e)
{
    model_config_t *m = &c->model;
    NEED(act_parse(c->input_act, &m->input_act) == 0,
         "%s: [model] input_act: unknown activation '%s'", name, c->input_act);
    NEED(act_parse(c->hidden_act, &m->hidden_act) == 0,
         "%s: [model] hidden_act: unknown activation '%s'", name, c->hidden_act);
    NEED(act_parse(c->final_act, &m->final_act) == 0,
         "%s: [model] final_act: unknown activation '%s'", name, c->final_act);
    if (strcmp(c->augment_mode, "zeros") == 0)
        m->augment_input_layer = 0;
    else if (strcmp(c->augment_mode, "input_layer") == 0)
        m->augment_input_layer = 1;
    else
        return err_set(e, "%s: [model] augment_mode: '%s' is neither zeros nor input_layer",
                       name, c->augment_mode);
    /* What g of a second-order model reads: the position (h'' = g(h)) or
     * the whole state (h'' = g(h, h')). */
    int so_state = !strcmp(c->second_order_input, "state");
    NEED(so_state || !strcmp(c->second_order_input, "position"),
         "%s: [model] second_order_input: '%s' is neither position nor state", name,
         c->second_order_input);
    NEED(c->second_order || !so_state,
         "%s: [model] second_order_input = state needs second_order = true", name);
    m->second_order = c->second_order ? 1 + so_state : 0;
    m->time_dependent = c->time_dependent;
    return 0;
}
#undef NEED

static int mlp_resolve(runcfg_t *rc, const char *source, err_t *e)
{
    mlp_cfg_t *c = runcfg_kind_cfg(rc);
    model_config_t *m = &c->model;
    *m = model_config_default();
    m->input_dim = (int)rc->input_dim;
    m->input_layer = (int)c->input_layer;
    m->augment = (int)c->augment;
    m->state_dim = (int)c->state_dim;
    m->readout = (int)c->readout;
    m->readout_offset = (int)c->readout_offset;
    m->output_dim = (int)c->output_dim;
    m->t0 = rc->model.t0;
    m->t1 = rc->model.t1;
    m->loss = rc->model.loss;
    m->ode = rc->model.ode;
    if (mlp_resolve_shape(c, source, e) != 0)
        return -1;
    long widths[MLP_MAX_LAYERS];
    int count = 0;
    err_t le = {{0}};
    if (parse_long_list(c->hidden, widths, MLP_MAX_LAYERS - 1, &count, &le) != 0)
        return err_set(e, "%s: [model] hidden: %s", source, le.msg);
    m->n_hidden = count;
    for (int i = 0; i < count; i++) {
        if (widths[i] < 1 || widths[i] > 4096)
            return err_set(e, "%s: [model] hidden: width %ld is out of range 1..4096", source,
                           widths[i]);
        m->hidden[i] = (int)widths[i];
    }
    return 0;
}

static int mlp_fit_data(runcfg_t *rc, const dataset_t *d, const char *source,
                        const char *data_name, err_t *e)
{
    if (rc->input_dim && rc->input_dim != d->n_features)
        return err_set(e, "%s: [model] input_dim = %ld but %s has %d features", source,
                       rc->input_dim, data_name, d->n_features);
    rc->input_dim = d->n_features;
    if (rc->model.loss == LOSS_NLL)
        return err_set(e, "%s: [model] loss nll is for kind = cnf or rnn", source);
    if (rc->model.loss == LOSS_ELBO)
        return err_set(e, "%s: [model] loss elbo is for kind = latent", source);
    if (d->kind == DATA_DENSITY)
        return err_set(e, "%s: %s has neither labels nor targets (points for a density model)",
                       source, data_name);
    if (d->kind == DATA_SEQUENCES)
        return err_set(e, "%s: %s holds sequences (seq, t, observed): the mlp kind does not read "
                          "them", source, data_name);
    if ((rc->model.loss == LOSS_CE) != (d->kind == DATA_CLASSIFY))
        return err_set(e, "%s: loss %s does not suit %s (%s data)", source,
                       loss_name(rc->model.loss), data_name,
                       d->kind == DATA_CLASSIFY ? "labelled" : "real-valued");
    return 0;
}

static int mlp_create(kind_model_t *km, const runcfg_t *rc, int max_batch, int max_times,
                      err_t *e)
{
    model_t *m = xcalloc(1, sizeof *m);
    /* The shared values as the run has them now, not as resolve copied
     * them: the trainer couples the solver to a process group
     * (rc->model.ode.comm) after resolve, and fit_data fixes input_dim. */
    model_config_t mc = ((const mlp_cfg_t *)runcfg_kind_cfg_const(rc))->model;
    mc.input_dim = (int)rc->input_dim;
    mc.t0 = rc->model.t0;
    mc.t1 = rc->model.t1;
    mc.loss = rc->model.loss;
    mc.ode = rc->model.ode;
    if (model_create(m, &mc, max_batch, max_times, e) != 0) {
        model_free(m); /* safe on a partly built model: it starts zeroed */
        free(m);
        return -1;
    }
    km->impl = m;
    km->n_params = m->n_params;
    km->n_inputs = m->cfg.input_dim;
    km->n_outputs = m->O;
    km->state_width = m->D;
    km->loss_is_sum = m->cfg.loss == LOSS_SSE;
    return 0;
}

static void mlp_free(kind_model_t *km)
{
    model_free(km->impl);
    free(km->impl);
}

static void mlp_kind_init(const kind_model_t *km, double *params, rng_t *rng)
{
    model_init_params(km->impl, params, rng);
}

static int mlp_run(kind_model_t *km, const double *params, const batch_t *b, double *grad,
                   model_result_t *res, err_t *e)
{
    ((model_t *)km->impl)->loss_B = b->group_B;
    return model_run(km->impl, params, b->x, b->labels, b->targets, b->B, b->K, b->times, grad,
                     res, e);
}

static const double *mlp_outputs(const kind_model_t *km)
{
    return ((const model_t *)km->impl)->pred;
}

static void mlp_states(const kind_model_t *km, int B, int K, double *out)
{
    const model_t *m = km->impl;
    memcpy(out, model_states(m), (size_t)K * B * m->D * sizeof *out);
}

static int mlp_check_data(const kind_model_t *km, const dataset_t *d, const char *data_name,
                          err_t *e)
{
    const model_t *m = km->impl;
    if (d->kind == DATA_SEQUENCES)
        return err_set(e, "%s holds sequences (seq, t, observed): the mlp kind does not read them",
                       data_name);
    if (m->cfg.input_dim != d->n_features)
        return err_set(e, "the model takes %d inputs but %s has %d", m->cfg.input_dim,
                       data_name, d->n_features);
    if (d->kind == DATA_DENSITY)
        return err_set(e, "%s has neither labels nor targets (points for a density model)",
                       data_name);
    /* The loss reads labels (cross-entropy) or targets (squared errors):
     * the data must hold what it reads. */
    if ((m->cfg.loss == LOSS_CE) != (d->kind == DATA_CLASSIFY))
        return err_set(e, "the model's loss %s does not suit %s (%s data)",
                       loss_name(m->cfg.loss), data_name,
                       d->kind == DATA_CLASSIFY ? "labelled" : "real-valued");
    if (d->kind == DATA_CLASSIFY && m->O < d->n_classes)
        return err_set(e, "the model has %d outputs but %s has labels up to %d", m->O,
                       data_name, d->n_classes - 1);
    if (d->kind != DATA_CLASSIFY && m->O != d->n_targets)
        return err_set(e, "the model has %d outputs but %s has %d target columns", m->O,
                       data_name, d->n_targets);
    return 0;
}

const model_kind_t mlp_kind = {
    .name = "mlp",
    .flags = 0,
    .keys = mlp_keys,
    .n_keys = (int)(sizeof mlp_keys / sizeof mlp_keys[0]),
    .cfg_size = sizeof(mlp_cfg_t),
    .resolve = mlp_resolve,
    .fit_data = mlp_fit_data,
    .create = mlp_create,
    .free = mlp_free,
    .init_params = mlp_kind_init,
    .run = mlp_run,
    .outputs = mlp_outputs,
    .states = mlp_states,
    .check_data = mlp_check_data,
};
