#include "models/mlp/mlp_ode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

model_config_t model_config_default(void)
{
    model_config_t c;
    memset(&c, 0, sizeof c);
    c.input_act = ACT_TANH;
    c.hidden_act = ACT_TANH;
    c.final_act = ACT_IDENTITY;
    c.t0 = 0.0;
    c.t1 = 1.0;
    c.loss = LOSS_CE;
    c.ode = ode_options_default();
    return c;
}

int model_create(model_t *m, const model_config_t *cfg, int max_batch, int max_times, err_t *e)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    const model_config_t *c = &m->cfg;
    if (c->input_dim < 0 || c->input_layer < 0 || c->augment < 0 || c->output_dim < 0 ||
        c->readout < 0 || c->state_dim < 0 || c->readout_offset < 0)
        return err_set(e, "model: dimensions must not be negative");
    if (c->input_dim == 0 && c->input_layer > 0)
        return err_set(e, "model: an input layer needs input_dim > 0");
    if (c->augment_input_layer && c->input_layer == 0)
        return err_set(e, "model: input-layer augmentation needs an input layer");
    if (max_batch < 1 || max_times < 1)
        return err_set(e, "model: batch and number of output times must be positive");
    m->d = c->input_layer ? c->input_layer : (c->input_dim ? c->input_dim : c->state_dim);
    if (m->d < 1)
        return err_set(e, "model: state_dim must be positive when input_dim = 0");
    m->D = m->d + c->augment;
    m->R = c->readout ? c->readout : m->D - c->readout_offset;
    if (m->R < 1 || c->readout_offset + m->R > m->D)
        return err_set(e, "model: readout of %d from component %d exceeds the state dimension %d",
                       m->R, c->readout_offset, m->D);
    m->O = c->output_dim ? c->output_dim : m->R;
    if (c->loss == LOSS_CE && (max_times != 1 || m->O < 2))
        return err_set(e, "model: cross-entropy needs one output time and >= 2 classes");
    if (!(c->t1 > c->t0))
        return err_set(e, "model: t1 (%g) must be after t0 (%g)", c->t1, c->t0);
    m->max_batch = max_batch;
    m->max_times = max_times;

    size_t off = 0;
    if (c->input_layer) {
        int width = c->augment_input_layer ? m->D : m->d;
        int dims[2] = {c->input_dim, width};
        act_t act = c->input_act;
        mlp_init(&m->input_mlp, 1, dims, &act, off);
        off += m->input_mlp.n_params;
        mlp_ws_alloc(&m->input_ws, &m->input_mlp, max_batch);
    }
    if (field_init(&m->field, m->D, c->n_hidden, c->hidden, c->hidden_act, c->final_act,
                   c->time_dependent, c->second_order, max_batch, e) != 0)
        return -1;
    m->field_offset = off;
    off += field_n_params(&m->field);
    m->output_offset = off;
    if (c->output_dim) {
        int dims[2] = {m->R, m->O};
        act_t act = ACT_IDENTITY;
        mlp_init(&m->output_mlp, 1, dims, &act, off);
        off += m->output_mlp.n_params;
        mlp_ws_alloc(&m->output_ws, &m->output_mlp, max_batch * max_times);
    }
    m->n_params = off;
    if (ode_solver_create(&m->solver, &c->ode, e) != 0) {
        model_free(m);
        return -1;
    }
    size_t BD = (size_t)max_batch * m->D, KB = (size_t)max_batch * max_times;
    m->h0 = xmalloc(BD * sizeof(double));
    m->h_out = xmalloc(BD * max_times * sizeof(double));
    m->readout = xmalloc(KB * m->R * sizeof(double));
    m->pred = xmalloc(KB * m->O * sizeof(double));
    m->dpred = xmalloc(KB * m->O * sizeof(double));
    m->dreadout = xmalloc(KB * m->R * sizeof(double));
    m->dL_dh = xmalloc(BD * max_times * sizeof(double));
    m->dL_dh0 = xmalloc(BD * sizeof(double));
    m->dz0 = xmalloc(BD * sizeof(double));
    m->dtimes = xmalloc((size_t)(max_times + 1) * sizeof(double));
    return 0;
}

void model_free(model_t *m)
{
    mlp_ws_free(&m->input_ws);
    mlp_ws_free(&m->output_ws);
    field_free(&m->field);
    ode_solver_free(m->solver);
    free(m->h0);
    free(m->h_out);
    free(m->readout);
    free(m->pred);
    free(m->dpred);
    free(m->dreadout);
    free(m->dL_dh);
    free(m->dL_dh0);
    free(m->dz0);
    free(m->dtimes);
    memset(m, 0, sizeof *m);
}

void model_init_params(const model_t *m, double *params, rng_t *rng)
{
    if (m->cfg.input_layer)
        mlp_init_params(&m->input_mlp, params, rng);
    mlp_t fm = m->field.mlp;
    fm.offset = m->field_offset;
    mlp_init_params(&fm, params, rng);
    if (m->cfg.output_dim)
        mlp_init_params(&m->output_mlp, params, rng);
}

const double *model_states(const model_t *m) { return m->h_out; }

/* Cross-entropy of logits (B, O) against labels, mean over the batch;
 * dlogits = (softmax - onehot) / B (mean_over: the B of the mean).  Log-sum-exp is shifted by the row
 * maximum so that large logits do not overflow. */
static double cross_entropy(const double *logits, const int *labels, int B, int mean_over,
                            int O, double *dlogits, long *correct)
{
    double total = 0.0;
    long hits = 0;
    for (int i = 0; i < B; i++) {
        const double *z = logits + (size_t)i * O;
        int best = 0;
        for (int o = 1; o < O; o++)
            if (z[o] > z[best])
                best = o;
        hits += best == labels[i];
        double sum = 0.0;
        for (int o = 0; o < O; o++)
            sum += exp(z[o] - z[best]);
        double lse = z[best] + log(sum);
        total += lse - z[labels[i]];
        if (dlogits) {
            double *dz = dlogits + (size_t)i * O;
            for (int o = 0; o < O; o++)
                dz[o] = (exp(z[o] - lse) - (o == labels[i])) / mean_over;
        }
    }
    *correct = hits;
    return total / mean_over;
}

/* The input layer's width, that of z0 (input_dim without one). */
static int z0_width(const model_t *m)
{
    return m->cfg.input_layer ? m->input_mlp.dims[1] : m->cfg.input_dim;
}

/* Input layer and augmentation -> h0 (B, D). */
static void initial_state(model_t *m, const double *params, const double *x, int B)
{
    const model_config_t *c = &m->cfg;
    int D = m->D;
    const double *z0 = x;
    int zw = z0_width(m);
    if (c->input_layer)
        z0 = mlp_forward(&m->input_mlp, params, x, B, &m->input_ws);
    if (c->input_dim == 0) {
        memset(m->h0, 0, (size_t)B * D * sizeof *m->h0);
    } else {
        for (int i = 0; i < B; i++) {
            double *row = m->h0 + (size_t)i * D;
            memcpy(row, z0 + (size_t)i * zw, (size_t)zw * sizeof *row);
            memset(row + zw, 0, (size_t)(D - zw) * sizeof *row);
        }
    }
}

/* Readout (K*B, R) of h_out and the output layer -> pred (K*B, O). */
static void readout_forward(model_t *m, const double *params, int B, int K)
{
    const model_config_t *c = &m->cfg;
    int D = m->D, R = m->R, O = m->O;
    for (size_t r = 0; r < (size_t)K * B; r++)
        memcpy(m->readout + r * R, m->h_out + r * D + c->readout_offset,
               (size_t)R * sizeof(double));
    const double *pred = m->readout;
    if (c->output_dim)
        pred = mlp_forward(&m->output_mlp, params, m->readout, K * B, &m->output_ws);
    if (pred != m->pred)
        memcpy(m->pred, pred, (size_t)K * B * O * sizeof(double));
}

/* The loss into res, and its gradient with respect to the predictions
 * into dpred if not NULL. */
static void loss_forward(model_t *m, const int *labels, const double *targets, int B, int K,
                         double *dpred, model_result_t *res)
{
    const model_config_t *c = &m->cfg;
    int O = m->O;
    size_t np = (size_t)K * B * O;
    int mean_over = m->loss_B > 0 ? m->loss_B : B;
    if (c->loss == LOSS_CE) {
        res->loss = cross_entropy(m->pred, labels, B, mean_over, O, dpred, &res->correct);
    } else {
        double sse = 0.0;
        for (size_t i = 0; i < np; i++) {
            double r = m->pred[i] - targets[i];
            sse += r * r;
            if (dpred)
                dpred[i] = 2.0 * r;
        }
        double scale = c->loss == LOSS_MSE ? 1.0 / ((double)K * mean_over * O) : 1.0;
        res->loss = sse * scale;
        if (dpred)
            for (size_t i = 0; i < np; i++)
                dpred[i] *= scale;
    }
    res->count = B;
}

/* Backward through the output layer and the readout: dpred -> dL_dh
 * (K, B, D), zero off the readout. */
static void readout_backward(model_t *m, const double *params, int B, int K, const double *dpred,
                             double *grad)
{
    const model_config_t *c = &m->cfg;
    int D = m->D, R = m->R;
    const double *dread = dpred;
    if (c->output_dim) {
        mlp_backward(&m->output_mlp, params, m->readout, K * B, &m->output_ws, dpred,
                     m->dreadout, grad);
        dread = m->dreadout;
    }
    memset(m->dL_dh, 0, (size_t)K * B * D * sizeof *m->dL_dh);
    for (size_t r = 0; r < (size_t)K * B; r++)
        memcpy(m->dL_dh + r * D + c->readout_offset, dread + r * R, (size_t)R * sizeof(double));
}

/* Backward through the input layer: dL_dh0 -> its gradient in grad. */
static void input_backward(model_t *m, const double *params, const double *x, int B,
                           double *grad)
{
    int D = m->D, zw = z0_width(m);
    /* Zero padding: the padded dims carry no gradient to the input
     * layer; IL-ANODE: the input layer produced all D dims. */
    for (int i = 0; i < B; i++)
        memcpy(m->dz0 + (size_t)i * zw, m->dL_dh0 + (size_t)i * D, (size_t)zw * sizeof(double));
    mlp_backward(&m->input_mlp, params, x, B, &m->input_ws, m->dz0, NULL, grad);
}

int model_run(model_t *m, const double *params, const double *x, const int *labels,
              const double *targets, int B, int K, const double *times, double *grad,
              model_result_t *res, err_t *e)
{
    const model_config_t *c = &m->cfg;
    double one_time = c->t1;
    if (!times) {
        times = &one_time;
        K = 1;
    }
    if (B < 1 || B > m->max_batch || K < 1 || K > m->max_times)
        return err_set(e, "model: batch %d x %d times exceeds the workspace (%d x %d)", B, K,
                       m->max_batch, m->max_times);
    memset(res, 0, sizeof *res);
    initial_state(m, params, x, B);

    /* ODE block. */
    field_bind(&m->field, B, params + m->field_offset);
    if (ode_forward(m->solver, &m->field.f, c->t0, m->h0, K, times, m->h_out, e) != 0)
        return -1;
    res->ode.nfe_forward = ode_solver_stats(m->solver).nfe_forward;
    res->ode.steps_forward = ode_solver_stats(m->solver).steps_forward;

    readout_forward(m, params, B, K);
    double *dpred = grad ? m->dpred : NULL;
    loss_forward(m, labels, targets, B, K, dpred, res);
    if (!grad)
        return 0;

    /* Backward: output layer, readout, adjoint ODE, input layer. */
    memset(grad, 0, m->n_params * sizeof *grad);
    readout_backward(m, params, B, K, dpred, grad);
    if (ode_backward(m->solver, &m->field.f, c->t0, m->h0, K, times, m->h_out, m->dL_dh,
                     m->dL_dh0, grad + m->field_offset, m->dtimes, e) != 0)
        return -1;
    res->ode.nfe_backward = ode_solver_stats(m->solver).nfe_backward;
    res->ode.steps_backward = ode_solver_stats(m->solver).steps_backward;
    res->dL_dT = m->dtimes[K];
    if (c->input_layer)
        input_backward(m, params, x, B, grad);
    return 0;
}
