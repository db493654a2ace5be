#include "nn/dense.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/fastmath.h"
#include "nn/gemm.h"
#include "core/util.h"

static const char *const act_names[] = {"identity", "tanh", "relu", "elu"};

int act_parse(const char *name, act_t *out)
{
    int i = name_index(act_names, 4, name);
    if (i < 0)
        return -1;
    *out = (act_t)i;
    return 0;
}

const char *act_name(act_t a) { return act_names[a]; }

void dense_forward(double *out, const double *inp, const double *w, const double *b,
                   int B, int n_in, int n_out)
{
    double beta = 0.0;
    if (b) {
        for (int i = 0; i < B; i++)
            memcpy(out + (size_t)i * n_out, b, (size_t)n_out * sizeof *b);
        beta = 1.0;
    }
    gemm_nt(B, n_out, n_in, inp, n_in, w, n_in, beta, out, n_out);
}

void dense_backward(double *dinp, double *dw, double *db, const double *dout,
                    const double *inp, const double *w, int B, int n_in, int n_out)
{
    if (dinp) /* (B, n_out) x (n_out, n_in) */
        gemm_nn(B, n_in, n_out, dout, n_out, w, n_in, 0.0, dinp, n_in);
    /* (n_out, B) x (B, n_in), accumulated */
    gemm_tn(n_out, n_in, B, dout, n_out, inp, n_in, 1.0, dw, n_in);
    if (db)
        for (int i = 0; i < B; i++) {
            const double *row = dout + (size_t)i * n_out;
            for (int o = 0; o < n_out; o++)
                db[o] += row[o];
        }
}

void act_forward(double *x, size_t n, act_t a)
{
    switch (a) {
    case ACT_IDENTITY:
        break;
    case ACT_TANH:
        tanh_array(x, n);
        break;
    case ACT_RELU:
        for (size_t i = 0; i < n; i++)
            x[i] = x[i] > 0.0 ? x[i] : 0.0;
        break;
    case ACT_ELU:
        elu_array(x, n);
        break;
    }
}

void act_backward(double *grad, const double *y, size_t n, act_t a)
{
    switch (a) {
    case ACT_IDENTITY:
        break;
    case ACT_TANH:
        for (size_t i = 0; i < n; i++)
            grad[i] *= 1.0 - y[i] * y[i];
        break;
    case ACT_RELU:
        for (size_t i = 0; i < n; i++)
            grad[i] = y[i] > 0.0 ? grad[i] : 0.0;
        break;
    case ACT_ELU:
        elu_grad_array(grad, y, n);
        break;
    }
}

int mlp_init(mlp_t *m, int n_layers, const int *dims, const act_t *acts, size_t offset)
{
    if (n_layers < 1 || n_layers > MLP_MAX_LAYERS)
        return -1;
    memset(m, 0, sizeof *m);
    m->n_layers = n_layers;
    m->offset = offset;
    size_t off = 0;
    for (int l = 0; l <= n_layers; l++) {
        if (dims[l] <= 0)
            return -1;
        m->dims[l] = dims[l];
    }
    for (int l = 0; l < n_layers; l++) {
        m->acts[l] = acts[l];
        m->w_off[l] = off;
        off += (size_t)dims[l + 1] * dims[l];
        m->b_off[l] = off;
        off += (size_t)dims[l + 1];
    }
    m->n_params = off;
    return 0;
}

int mlp_max_width(const mlp_t *m)
{
    int w = 0;
    for (int l = 0; l <= m->n_layers; l++)
        if (m->dims[l] > w)
            w = m->dims[l];
    return w;
}

void mlp_init_params(const mlp_t *m, double *params, rng_t *rng)
{
    double *p = params + m->offset;
    for (int l = 0; l < m->n_layers; l++) {
        int in = m->dims[l], out = m->dims[l + 1];
        rng_glorot_uniform(rng, p + m->w_off[l], (size_t)in * out, in, out);
        memset(p + m->b_off[l], 0, (size_t)out * sizeof *p);
    }
}

void mlp_ws_alloc(mlp_ws_t *ws, const mlp_t *m, int max_batch)
{
    memset(ws, 0, sizeof *ws);
    ws->max_batch = max_batch;
    for (int l = 0; l < m->n_layers; l++) {
        size_t n = (size_t)max_batch * m->dims[l + 1];
        ws->act[l] = xmalloc(n * sizeof(double));
        ws->grad[l] = xmalloc(n * sizeof(double));
    }
}

void mlp_ws_free(mlp_ws_t *ws)
{
    for (int l = 0; l < MLP_MAX_LAYERS; l++) {
        free(ws->act[l]);
        free(ws->grad[l]);
    }
    memset(ws, 0, sizeof *ws);
}

const double *mlp_forward(const mlp_t *m, const double *params, const double *inp, int B,
                          mlp_ws_t *ws)
{
    const double *p = params + m->offset;
    const double *x = inp;
    for (int l = 0; l < m->n_layers; l++) {
        int in = m->dims[l], out = m->dims[l + 1];
        dense_forward(ws->act[l], x, p + m->w_off[l], p + m->b_off[l], B, in, out);
        act_forward(ws->act[l], (size_t)B * out, m->acts[l]);
        x = ws->act[l];
    }
    return x;
}

void mlp_backward(const mlp_t *m, const double *params, const double *inp, int B,
                  mlp_ws_t *ws, const double *dout, double *dinp, double *dparams)
{
    const double *p = params + m->offset;
    double *dp = dparams + m->offset;
    int L = m->n_layers;
    double *g = ws->grad[L - 1];
    memcpy(g, dout, (size_t)B * m->dims[L] * sizeof *g);
    for (int l = L - 1; l >= 0; l--) {
        int in = m->dims[l], out = m->dims[l + 1];
        act_backward(g, ws->act[l], (size_t)B * out, m->acts[l]);
        const double *x = l > 0 ? ws->act[l - 1] : inp;
        double *gin = l > 0 ? ws->grad[l - 1] : dinp;
        dense_backward(gin, dp + m->w_off[l], dp + m->b_off[l], g, x, p + m->w_off[l], B, in,
                       out);
        g = gin;
    }
}
