/* The MLP-ODE kind (report 000): models/mlp/mlp_ode.h behind the kind interface.  The
 * data fixes the input width; labelled data needs cross-entropy and
 * real-valued data a squared error; a trajectory is one batch observed at
 * K times. */
#include <stdlib.h>
#include <string.h>

#include "train/kind.h"

static int mlp_resolve(runcfg_t *rc, const char *source, err_t *e)
{
    long widths[MLP_MAX_LAYERS];
    int count = 0;
    err_t le = {{0}};
    if (parse_long_list(rc->hidden, widths, MLP_MAX_LAYERS - 1, &count, &le) != 0)
        return err_set(e, "%s: [model] hidden: %s", source, le.msg);
    rc->model.n_hidden = count;
    for (int i = 0; i < count; i++) {
        if (widths[i] < 1 || widths[i] > 4096)
            return err_set(e, "%s: [model] hidden: width %ld is out of range 1..4096", source,
                           widths[i]);
        rc->model.hidden[i] = (int)widths[i];
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
    rc->model.input_dim = d->n_features;
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
    if (model_create(m, &rc->model, max_batch, max_times, e) != 0) {
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
