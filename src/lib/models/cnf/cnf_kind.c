/* The continuous normalizing flow kind (report 002, "CNF for Density
 * Estimation"; Chen et al. 2018, Sec. 4): points x of a two-dimensional
 * density at t0 flow along dz/dt = f(z, t) (models/cnf/cnf_field.h) to the base N(0, I)
 * at t1, and
 *   log p(x) = log N(z(t1); 0, I) + l(t1),   dl/dt = tr(df/dz),  l(t0) = 0.
 * The loss is the batch's mean negative log-likelihood (nats); its gradient
 * comes from the continuous adjoint over the augmented state [z, l], with
 * dL/dz(t1) = z(t1) / B and dL/dl(t1) = -1 / B.
 *
 * [model] kind = cnf, hidden = H, H (the two hidden layers of the field,
 * equal widths), loss = nll; [ode] as for every kind.  Data: points with
 * two features and nothing else (a TSV with columns x1, x2). */
#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "models/cnf/cnf_field.h"
#include "train/kind.h"
#include "train/runcfg.h"

/* The flow's own [model] key: hidden = "H, H", the field's two hidden
 * layers (equal widths, 1..4096). */
typedef struct {
    char hidden[CFG_STR_MAX];
    int width; /* resolved: H */
} cnf_cfg_t;
_Static_assert(sizeof(cnf_cfg_t) <= RUNCFG_KIND_BYTES, "cnf_cfg_t outgrows runcfg_t");

static const kind_key_t cnf_keys[] = {
    {"model", "hidden", CFG_STRING, "", offsetof(cnf_cfg_t, hidden), 0, 0},
};

/* log(2 pi): the normaliser of a standard normal in two dimensions. */
#define LOG_2PI 1.8378770664093453

typedef struct {
    cnffield_t field;
    ode_solver_t *solver;
    double t0, t1;
    int max_batch;
    double *arena; /* owns the buffers below */
    double *h0;    /* (B, 3) [x, 0] */
    double *h1;    /* (B, 3) [z(t1), l(t1)] of the last run */
    double *dh1;   /* (B, 3) dL/dh(t1) */
    double *dh0;   /* (B, 3) dL/dh(t0) (unused but written by the adjoint) */
    double *logp;  /* (B) log p(x) of the last run: the outputs */
} cnf_t;

static int cnf_resolve(runcfg_t *rc, const char *source, err_t *e)
{
    long widths[MLP_MAX_LAYERS];
    int count = 0;
    err_t le = {{0}};
    cnf_cfg_t *cc = runcfg_kind_cfg(rc);
    if (parse_long_list(cc->hidden, widths, MLP_MAX_LAYERS - 1, &count, &le) != 0)
        return err_set(e, "%s: [model] hidden: %s", source, le.msg);
    if (count != 2 || widths[0] != widths[1] || widths[0] < 1 || widths[0] > 4096)
        return err_set(e, "%s: [model] hidden: cnf takes two equal widths in 1..4096 (e.g. 64, 64), "
                          "not '%s'", source, cc->hidden);
    cc->width = (int)widths[0];
    if (rc->model.loss != LOSS_NLL)
        return err_set(e, "%s: [model] loss: cnf is trained on nll, not %s", source,
                       loss_name(rc->model.loss));
    if (rc->input_dim != 0 && rc->input_dim != CNF_DIM)
        return err_set(e, "%s: [model] input_dim: cnf models two-dimensional points", source);
    if (!(rc->model.t1 > rc->model.t0))
        return err_set(e, "%s: [model] t1 must be after t0", source);
    if (rc->end_time_jitter > 0 || rc->lbfgs_iterations > 0)
        return err_set(e, "%s: [train] cnf takes no end_time_jitter or lbfgs_iterations", source);
    return 0;
}

static int cnf_suits(const dataset_t *d, const char *data_name, err_t *e)
{
    if (d->kind != DATA_DENSITY || d->n_features != CNF_DIM)
        return err_set(e, "cnf needs points with two features and no labels or targets "
                          "(columns x1, x2), but %s is not such a set", data_name);
    return 0;
}

static int cnf_fit_data(runcfg_t *rc, const dataset_t *d, const char *source,
                        const char *data_name, err_t *e)
{
    err_t le = {{0}};
    if (cnf_suits(d, data_name, &le) != 0)
        return err_set(e, "%s: %s", source, le.msg);
    rc->input_dim = CNF_DIM;
    return 0;
}

static void cnf_free(kind_model_t *km)
{
    cnf_t *c = km->impl;
    if (!c)
        return;
    cnffield_free(&c->field);
    ode_solver_free(c->solver);
    free(c->arena);
    free(c);
    km->impl = NULL;
}

static int cnf_create(kind_model_t *km, const runcfg_t *rc, int max_batch, int max_times,
                      err_t *e)
{
    (void)max_times;
    cnf_t *c = xcalloc(1, sizeof *c);
    km->impl = c;
    if (cnffield_init(&c->field, ((const cnf_cfg_t *)runcfg_kind_cfg_const(rc))->width, max_batch, e) != 0 ||
        ode_solver_create(&c->solver, &rc->model.ode, e) != 0) {
        cnf_free(km);
        return -1;
    }
    /* [train] threads share the batch's chunks (models/cnf/cnf_field.h); the gemms
     * inside each chunk run on one OpenBLAS thread, so the two never
     * compete for the cores. */
    cnffield_set_threads(&c->field, (int)rc->threads);
    if (rc->threads > 1)
        openblas_set_num_threads(1);
    c->t0 = rc->model.t0;
    c->t1 = rc->model.t1;
    c->max_batch = max_batch;
    size_t n = (size_t)max_batch * CNF_STATE;
    c->arena = xmalloc((4 * n + (size_t)max_batch) * sizeof(double));
    c->h0 = c->arena;
    c->h1 = c->h0 + n;
    c->dh1 = c->h1 + n;
    c->dh0 = c->dh1 + n;
    c->logp = c->dh0 + n;
    km->n_params = cnffield_n_params(&c->field);
    km->n_inputs = CNF_DIM;
    km->n_outputs = 1;
    km->state_width = CNF_STATE;
    km->loss_is_sum = 0;
    return 0;
}

static void cnf_init_params(const kind_model_t *km, double *params, rng_t *rng)
{
    const cnf_t *c = km->impl;
    mlp_init_params(&c->field.mlp, params, rng);
}

static int cnf_run(kind_model_t *km, const double *params, const batch_t *b, double *grad,
                   model_result_t *res, err_t *e)
{
    cnf_t *c = km->impl;
    int B = b->B, mean_over = batch_mean_over(b);
    memset(res, 0, sizeof *res);
    if (B < 1 || B > c->max_batch || !b->x)
        return err_set(e, "cnf: a batch of %d points does not fit the workspace (%d)", B,
                       c->max_batch);
    for (int i = 0; i < B; i++) {
        c->h0[CNF_STATE * i] = b->x[2 * i];
        c->h0[CNF_STATE * i + 1] = b->x[2 * i + 1];
        c->h0[CNF_STATE * i + 2] = 0.0;
    }
    cnffield_bind(&c->field, B, params);
    err_t se = {{0}};
    if (ode_forward(c->solver, &c->field.f, c->t0, c->h0, 1, &c->t1, c->h1, &se) != 0)
        return err_set(e, "cnf: forward solve: %s", se.msg);
    double total = 0.0;
    for (int i = 0; i < B; i++) {
        const double *h = c->h1 + CNF_STATE * i;
        c->logp[i] = -0.5 * (h[0] * h[0] + h[1] * h[1]) - LOG_2PI + h[2];
        total += c->logp[i];
    }
    res->loss = -total / mean_over;
    res->count = B;
    res->ode = ode_solver_stats(c->solver);
    if (!isfinite(res->loss))
        return err_set(e, "cnf: the log-likelihood is not finite (the flow diverged)");
    if (!grad)
        return 0;
    for (int i = 0; i < B; i++) {
        const double *h = c->h1 + CNF_STATE * i;
        double *d = c->dh1 + CNF_STATE * i;
        d[0] = h[0] / mean_over;
        d[1] = h[1] / mean_over;
        d[2] = -1.0 / mean_over;
    }
    memset(grad, 0, km->n_params * sizeof *grad);
    if (ode_backward(c->solver, &c->field.f, c->t0, c->h0, 1, &c->t1, c->h1, c->dh1, c->dh0,
                     grad, NULL, &se) != 0)
        return err_set(e, "cnf: adjoint solve: %s", se.msg);
    ode_stats_t back = ode_solver_stats(c->solver);
    res->ode.nfe_backward = back.nfe_backward;
    res->ode.steps_backward = back.steps_backward;
    return 0;
}

static const double *cnf_outputs(const kind_model_t *km)
{
    return ((const cnf_t *)km->impl)->logp;
}

static void cnf_states(const kind_model_t *km, int B, int K, double *out)
{
    const cnf_t *c = km->impl;
    (void)K;
    memcpy(out, c->h1, (size_t)B * CNF_STATE * sizeof *out);
}

static int cnf_check_data(const kind_model_t *km, const dataset_t *d, const char *data_name,
                          err_t *e)
{
    (void)km;
    return cnf_suits(d, data_name, e);
}

/* Sampling runs the flow backwards: with s = t1 - t, the state obeys
 * d[z, l]/ds = -[f, tr](z, t1 - s), from the base at s = 0. */
typedef struct {
    cnf_t *c;
} reversed_t;

static int reversed_rhs(void *ctx, double s, const double *y, double *ydot)
{
    reversed_t *r = ctx;
    if (cnffield_eval(&r->c->field, r->c->t1 - s, y, ydot) != 0)
        return -1;
    for (size_t i = 0; i < r->c->field.f.n; i++)
        ydot[i] = -ydot[i];
    return 0;
}

static int cnf_sample(kind_model_t *km, const double *params, const double *base, int B, int K,
                      const double *times, double *out, err_t *e)
{
    cnf_t *c = km->impl;
    if (B < 1 || B > c->max_batch || K < 1)
        return err_set(e, "cnf: %d samples do not fit the workspace (%d)", B, c->max_batch);
    double *s = xmalloc((size_t)K * sizeof *s);                      /* (K) */
    double *h = xmalloc((size_t)K * B * CNF_STATE * sizeof *h);      /* (K, B, 3) */
    for (int k = 0; k < K; k++) {
        s[k] = c->t1 - times[k];
        if (s[k] < 0 || times[k] < c->t0 || (k > 0 && !(s[k] > s[k - 1]))) {
            free(s);
            free(h);
            return err_set(e, "cnf: sample times must descend from t1 = %g to t0 = %g", c->t1,
                           c->t0);
        }
    }
    for (int i = 0; i < B; i++) {
        c->h0[CNF_STATE * i] = base[2 * i];
        c->h0[CNF_STATE * i + 1] = base[2 * i + 1];
        c->h0[CNF_STATE * i + 2] = 0.0;
    }
    cnffield_bind(&c->field, B, params);
    reversed_t r = {c};
    odefunc_t f = {.n = (size_t)B * CNF_STATE, .n_params = 0, .ctx = &r, .rhs = reversed_rhs};
    err_t se = {{0}};
    int rc = ode_forward(c->solver, &f, 0.0, c->h0, K, s, h, &se);
    if (rc != 0)
        err_set(e, "cnf: sampling solve: %s", se.msg);
    else
        for (int k = 0; k < K; k++)
            for (int i = 0; i < B; i++) {
                const double *y = h + ((size_t)k * B + i) * CNF_STATE;
                out[((size_t)k * B + i) * CNF_DIM] = y[0];
                out[((size_t)k * B + i) * CNF_DIM + 1] = y[1];
            }
    free(s);
    free(h);
    return rc;
}

const model_kind_t cnf_kind = {
    .name = "cnf",
    .flags = 0,
    .keys = cnf_keys,
    .n_keys = (int)(sizeof cnf_keys / sizeof cnf_keys[0]),
    .cfg_size = sizeof(cnf_cfg_t),
    .resolve = cnf_resolve,
    .fit_data = cnf_fit_data,
    .create = cnf_create,
    .free = cnf_free,
    .init_params = cnf_init_params,
    .run = cnf_run,
    .outputs = cnf_outputs,
    .states = cnf_states,
    .check_data = cnf_check_data,
    .sample = cnf_sample,
};
