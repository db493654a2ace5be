#include "nn/rnn_encoder.h"

#include <stdlib.h>
#include <string.h>

#include "nn/dense.h"

/* ------------------------------------------------------------ one step */

void rnn_cell_forward(double *h_out, const double *xh, const double *w, const double *b, int B,
                      int n_in, int H)
{
    dense_forward(h_out, xh, w, b, B, n_in + H, H); /* (B, H) pre-activation */
    act_forward(h_out, (size_t)B * H, ACT_TANH);
}

void rnn_cell_backward(double *dxh, double *dw, double *db, double *dpre, const double *dh_out,
                       const double *h_out, const double *xh, const double *w, int B, int n_in,
                       int H)
{
    size_t n = (size_t)B * H;
    if (dpre != dh_out)
        memcpy(dpre, dh_out, n * sizeof *dpre);
    act_backward(dpre, h_out, n, ACT_TANH); /* (B, H) dL/d pre-activation */
    dense_backward(dxh, dw, db, dpre, xh, w, B, n_in + H, H);
}

/* ------------------------------------------------------ the whole encoder */

int rnn_init(rnn_t *r, int obs_dim, int hidden, int latent, size_t offset, err_t *e)
{
    if (obs_dim < 1 || hidden < 1 || latent < 1)
        return err_set(e, "rnn: sizes must be positive (obs_dim %d, hidden %d, latent %d)",
                       obs_dim, hidden, latent);
    memset(r, 0, sizeof *r);
    r->n_in = obs_dim + 1;
    r->hidden = hidden;
    r->latent = latent;
    r->offset = offset;
    size_t D = (size_t)r->n_in, H = (size_t)hidden, Z2 = 2 * (size_t)latent;
    r->w_off = 0;
    r->b_off = H * (D + H);
    r->wo_off = r->b_off + H;
    r->bo_off = r->wo_off + Z2 * H;
    r->n_params = r->bo_off + Z2;
    return 0;
}

void rnn_init_params(const rnn_t *r, double *params, rng_t *rng)
{
    double *p = params + r->offset;
    int D = r->n_in, H = r->hidden, Z2 = 2 * r->latent;
    rng_glorot_uniform(rng, p + r->w_off, (size_t)H * (D + H), D + H, H);
    memset(p + r->b_off, 0, (size_t)H * sizeof *p);
    rng_glorot_uniform(rng, p + r->wo_off, (size_t)Z2 * H, H, Z2);
    memset(p + r->bo_off, 0, (size_t)Z2 * sizeof *p);
}

void rnn_pack_sequence(double *x, const double *obs, const double *times, int n, int obs_dim)
{
    int D = obs_dim + 1;
    for (int i = 0; i < n; i++) {
        double *row = x + (size_t)i * D;
        memcpy(row, obs + (size_t)i * obs_dim, (size_t)obs_dim * sizeof *row);
        row[obs_dim] = i + 1 < n ? times[i + 1] - times[i] : 0.0;
    }
}

void rnn_ws_alloc(rnn_ws_t *ws, const rnn_t *r, int max_batch, int max_len)
{
    memset(ws, 0, sizeof *ws);
    size_t B = (size_t)max_batch, L = (size_t)max_len, D = (size_t)r->n_in,
           H = (size_t)r->hidden;
    ws->max_batch = max_batch;
    ws->max_len = max_len;
    ws->n_active = xmalloc(L * sizeof *ws->n_active);
    ws->rows = xmalloc(L * B * sizeof *ws->rows);
    ws->xh = xmalloc(L * B * (D + H) * sizeof(double));
    ws->hs = xmalloc(L * B * H * sizeof(double));
    ws->h_last = xmalloc(B * H * sizeof(double));
    ws->dh = xmalloc(B * H * sizeof(double));
    ws->dxh = xmalloc(B * (D + H) * sizeof(double));
    ws->dpre = xmalloc(B * H * sizeof(double));
}

void rnn_ws_free(rnn_ws_t *ws)
{
    free(ws->n_active);
    free(ws->rows);
    free(ws->xh);
    free(ws->hs);
    free(ws->h_last);
    free(ws->dh);
    free(ws->dxh);
    free(ws->dpre);
    memset(ws, 0, sizeof *ws);
}

int rnn_forward(const rnn_t *r, const double *params, const double *x, const int *lengths, int B,
                int L, rnn_ws_t *ws, double *out, err_t *e)
{
    if (B < 1 || B > ws->max_batch)
        return err_set(e, "rnn: batch of %d outside [1, %d]", B, ws->max_batch);
    if (L < 1 || L > ws->max_len)
        return err_set(e, "rnn: padded length %d outside [1, %d]", L, ws->max_len);
    int n_steps = 0;
    for (int b = 0; b < B; b++) {
        if (lengths[b] < 1 || lengths[b] > L)
            return err_set(e, "rnn: sequence %d has %d observations, outside [1, %d]", b,
                           lengths[b], L);
        if (lengths[b] > n_steps)
            n_steps = lengths[b];
    }
    ws->n_steps = n_steps;
    const double *p = params + r->offset;
    int D = r->n_in, H = r->hidden, DH = D + H;
    size_t Bmax = (size_t)ws->max_batch;
    for (int s = 0; s < n_steps; s++) {
        int *rows = ws->rows + s * Bmax;
        double *xh = ws->xh + s * Bmax * DH; /* (m, D + H) */
        double *hs = ws->hs + s * Bmax * H;  /* (m, H) */
        int m = 0;
        for (int b = 0; b < B; b++) {
            if (lengths[b] <= s)
                continue;
            double *row = xh + (size_t)m * DH;
            /* Step s takes observation n_b - 1 - s: backwards in time. */
            memcpy(row, x + ((size_t)b * L + (lengths[b] - 1 - s)) * D, (size_t)D * sizeof *row);
            if (s == 0)
                memset(row + D, 0, (size_t)H * sizeof *row); /* h_0 = 0 */
            else
                memcpy(row + D, ws->h_last + (size_t)b * H, (size_t)H * sizeof *row);
            rows[m++] = b;
        }
        ws->n_active[s] = m;
        rnn_cell_forward(hs, xh, p + r->w_off, p + r->b_off, m, D, H);
        for (int k = 0; k < m; k++)
            memcpy(ws->h_last + (size_t)rows[k] * H, hs + (size_t)k * H, (size_t)H * sizeof *hs);
    }
    /* (B, H) -> (B, 2Z) */
    dense_forward(out, ws->h_last, p + r->wo_off, p + r->bo_off, B, H, 2 * r->latent);
    return 0;
}

void rnn_backward(const rnn_t *r, const double *params, const int *lengths, int B, int L,
                  rnn_ws_t *ws, const double *dout, double *dx, double *dparams)
{
    const double *p = params + r->offset;
    double *dp = dparams + r->offset;
    int D = r->n_in, H = r->hidden, DH = D + H;
    size_t Bmax = (size_t)ws->max_batch;
    /* Output layer: dh (B, H) = dout wo, seeding each sequence's last state. */
    dense_backward(ws->dh, dp + r->wo_off, dp + r->bo_off, dout, ws->h_last, p + r->wo_off, B, H,
                   2 * r->latent);
    if (dx)
        memset(dx, 0, (size_t)B * L * D * sizeof *dx);
    /* Backpropagation through time: steps in reverse order of the forward
     * pass.  A sequence's dh is untouched by the steps after its last one
     * (it was not active there), so it enters at its own final state. */
    for (int s = ws->n_steps - 1; s >= 0; s--) {
        int m = ws->n_active[s];
        const int *rows = ws->rows + s * Bmax;
        const double *xh = ws->xh + s * Bmax * DH;
        const double *hs = ws->hs + s * Bmax * H;
        for (int k = 0; k < m; k++) /* gather dL/dh_s of the active rows, (m, H) */
            memcpy(ws->dpre + (size_t)k * H, ws->dh + (size_t)rows[k] * H,
                   (size_t)H * sizeof(double));
        rnn_cell_backward(ws->dxh, dp + r->w_off, dp + r->b_off, ws->dpre, ws->dpre, hs, xh,
                          p + r->w_off, m, D, H);
        for (int k = 0; k < m; k++) {
            int b = rows[k];
            const double *g = ws->dxh + (size_t)k * DH;
            if (dx)
                memcpy(dx + ((size_t)b * L + (lengths[b] - 1 - s)) * D, g,
                       (size_t)D * sizeof *g);
            memcpy(ws->dh + (size_t)b * H, g + D, (size_t)H * sizeof *g); /* to h_{s-1} */
        }
    }
}
