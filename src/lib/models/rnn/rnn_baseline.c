#include "models/rnn/rnn_baseline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/elbo.h"

/* Size legend as in models/rnn/rnn_baseline.h; Bm = max_batch, DH = D + H. */

static void free_len_buffers(rnnbase_t *m)
{
    free(m->n_active);
    free(m->rows);
    free(m->xh);
    free(m->hs);
    m->n_active = m->rows = NULL;
    m->xh = m->hs = NULL;
    m->cap_len = 0;
}

static void free_obs_buffers(rnnbase_t *m)
{
    free(m->t);
    free(m->y);
    free(m->hobs);
    free(m->dec_in);
    free(m->ddec_in);
    free(m->target);
    free(m->pred);
    free(m->dpred);
    free(m->yhat);
    mlp_ws_free(&m->dec_ws);
    m->t = m->y = m->hobs = m->dec_in = m->ddec_in = m->target = m->pred = m->dpred = m->yhat =
        NULL;
    m->cap_obs = 0;
}

static void free_truth_buffers(rnnbase_t *m)
{
    free(m->truth_out);
    free(m->truth_xh);
    free(m->truth_h);
    mlp_ws_free(&m->truth_ws);
    m->truth_out = NULL;
    m->truth_xh = m->truth_h = NULL;
    m->cap_truth = 0;
}

/* Grows the workspace to L observations per sequence and N per batch. */
static void ensure_capacity(rnnbase_t *m, int L, int N)
{
    size_t Bm = (size_t)m->max_batch, H = (size_t)m->cfg.hidden, O = (size_t)m->cfg.obs_dim,
           DH = O + 1 + H;
    if (L > m->cap_len) {
        free_len_buffers(m);
        size_t n = (size_t)L;
        m->cap_len = L;
        m->n_active = xmalloc(n * sizeof *m->n_active);
        m->rows = xmalloc(n * Bm * sizeof *m->rows);
        m->xh = xmalloc(n * Bm * DH * sizeof *m->xh);
        m->hs = xmalloc(n * Bm * H * sizeof *m->hs);
    }
    if (N > m->cap_obs) {
        free_obs_buffers(m);
        size_t n = (size_t)N;
        m->cap_obs = N;
        m->t = xmalloc(n * sizeof *m->t);
        m->y = xmalloc(n * O * sizeof *m->y);
        m->hobs = xmalloc(n * H * sizeof *m->hobs);
        m->dec_in = xmalloc(n * H * sizeof *m->dec_in);
        m->ddec_in = xmalloc(n * H * sizeof *m->ddec_in);
        m->target = xmalloc(n * O * sizeof *m->target);
        m->pred = xmalloc(n * O * sizeof *m->pred);
        m->dpred = xmalloc(n * O * sizeof *m->dpred);
        m->yhat = xmalloc(n * O * sizeof *m->yhat);
        mlp_ws_alloc(&m->dec_ws, &m->decoder, N);
    }
}

static void ensure_truth(rnnbase_t *m, int T)
{
    if (T <= m->cap_truth)
        return;
    free_truth_buffers(m);
    size_t n = (size_t)T, H = (size_t)m->cfg.hidden, DH = (size_t)m->cfg.obs_dim + 1 + H;
    m->cap_truth = T;
    m->truth_out = xmalloc(n * sizeof *m->truth_out);
    m->truth_xh = xmalloc(n * DH * sizeof *m->truth_xh);
    m->truth_h = xmalloc(n * H * sizeof *m->truth_h);
    mlp_ws_alloc(&m->truth_ws, &m->decoder, T);
}

int rnnbase_create(rnnbase_t *m, const rnnbase_config_t *cfg, int max_batch, err_t *e)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    const rnnbase_config_t *c = &m->cfg;
    if (c->obs_dim < 1 || c->hidden < 1 || c->decoder_hidden < 1)
        return err_set(e, "rnn: sizes must be positive (obs_dim %d, rnn_hidden %d, "
                          "decoder_hidden %d)",
                       c->obs_dim, c->hidden, c->decoder_hidden);
    if (!(c->obs_noise > 0) || !isfinite(c->obs_noise))
        return err_set(e, "rnn: obs_noise must be positive (got %g)", c->obs_noise);
    if (max_batch < 1)
        return err_set(e, "rnn: the batch must be positive");
    m->max_batch = max_batch;
    size_t H = (size_t)c->hidden, DH = (size_t)c->obs_dim + 1 + H, Bm = (size_t)max_batch;
    m->b_off = H * DH;
    m->decoder_offset = m->b_off + H;
    int dims[3] = {c->hidden, c->decoder_hidden, c->obs_dim};
    act_t acts[2] = {ACT_RELU, ACT_IDENTITY};
    if (mlp_init(&m->decoder, 2, dims, acts, m->decoder_offset) != 0)
        return err_set(e, "rnn: bad decoder sizes");
    m->n_params = m->decoder_offset + m->decoder.n_params;
    m->lengths = xmalloc(Bm * sizeof *m->lengths);
    m->first_obs = xmalloc((Bm + 1) * sizeof *m->first_obs);
    m->dh = xmalloc(Bm * H * sizeof *m->dh);
    m->dxh = xmalloc(Bm * DH * sizeof *m->dxh);
    m->dpre = xmalloc(Bm * H * sizeof *m->dpre);
    m->h_final = xmalloc(Bm * H * sizeof *m->h_final);
    m->roll_n = xmalloc(Bm * sizeof *m->roll_n);
    m->roll_ti = xmalloc(Bm * sizeof *m->roll_ti);
    m->roll_first = xmalloc(Bm * sizeof *m->roll_first);
    m->roll_rows = xmalloc(Bm * sizeof *m->roll_rows);
    m->roll_t = xmalloc(Bm * sizeof *m->roll_t);
    m->roll_y = xmalloc(Bm * (size_t)c->obs_dim * sizeof *m->roll_y);
    m->roll_h = xmalloc(Bm * H * sizeof *m->roll_h);
    return 0;
}

void rnnbase_free(rnnbase_t *m)
{
    free_len_buffers(m);
    free_obs_buffers(m);
    free_truth_buffers(m);
    free(m->lengths);
    free(m->first_obs);
    free(m->dh);
    free(m->dxh);
    free(m->dpre);
    free(m->h_final);
    free(m->roll_n);
    free(m->roll_ti);
    free(m->roll_first);
    free(m->roll_rows);
    free(m->roll_t);
    free(m->roll_y);
    free(m->roll_h);
    memset(m, 0, sizeof *m);
}

void rnnbase_init_params(const rnnbase_t *m, double *params, rng_t *rng)
{
    int H = m->cfg.hidden, DH = m->cfg.obs_dim + 1 + H;
    rng_glorot_uniform(rng, params, (size_t)H * DH, DH, H);
    memset(params + m->b_off, 0, (size_t)H * sizeof *params);
    mlp_init_params(&m->decoder, params, rng);
}

/* One cell input row [y, dt, h]. */
static void pack_row(double *row, const double *y, double dt, const double *h, int O, int H)
{
    memcpy(row, y, (size_t)O * sizeof *row);
    row[O] = dt;
    if (h)
        memcpy(row + O + 1, h, (size_t)H * sizeof *row);
    else
        memset(row + O + 1, 0, (size_t)H * sizeof *row);
}

void rnnbase_cell(const rnnbase_t *m, const double *params, const double *y, double dt,
                  const double *h, double *h_out)
{
    int O = m->cfg.obs_dim, H = m->cfg.hidden;
    double *row = xmalloc((size_t)(O + 1 + H) * sizeof *row);
    pack_row(row, y, dt, h, O, H);
    rnn_cell_forward(h_out, row, params, params + m->b_off, 1, O + 1, H);
    free(row);
}

int rnnbase_check_sequences(const dataset_t *d, const char *data_name, err_t *e)
{
    for (int s = 0; s < d->n_sequences; s++) {
        int n = d->obs_start[s + 1] - d->obs_start[s];
        if (n < 2)
            return err_set(e, "rnn predicts each observation from the earlier ones and needs "
                              "at least 2 per sequence, but sequence %d of %s has %d",
                           s, data_name, n);
    }
    return 0;
}

/* The checks every entry point shares; *L and *N get the batch's longest
 * sequence and its observations. */
static int check_batch(const rnnbase_t *m, const dataset_t *d, const int *seqs, int B, int *L,
                       int *N, err_t *e)
{
    if (!d || !seqs || d->kind != DATA_SEQUENCES)
        return err_set(e, "rnn: needs a batch of sequences (seq, t, y1..yk, observed data)");
    if (d->n_targets != m->cfg.obs_dim)
        return err_set(e, "rnn: the model reads %d values per observation, the data has %d",
                       m->cfg.obs_dim, d->n_targets);
    if (B < 1 || B > m->max_batch)
        return err_set(e, "rnn: a batch of %d sequences does not fit the workspace (%d)", B,
                       m->max_batch);
    *L = *N = 0;
    for (int b = 0; b < B; b++) {
        int s = seqs[b];
        if (s < 0 || s >= d->n_sequences)
            return err_set(e, "rnn: sequence %d outside [0, %d)", s, d->n_sequences);
        int n = d->obs_start[s + 1] - d->obs_start[s];
        if (n < 2)
            return err_set(e, "rnn: sequence %d has %d observation%s: the model needs at least "
                              "2 (it predicts each from the earlier ones)",
                           s, n, n == 1 ? "" : "s");
        *L = n > *L ? n : *L;
        *N += n;
    }
    return 0;
}

int rnnbase_run(rnnbase_t *m, const double *params, const dataset_t *d, const int *seqs, int B,
                double *grad, model_result_t *res, err_t *e)
{
    memset(res, 0, sizeof *res);
    const rnnbase_config_t *c = &m->cfg;
    int O = c->obs_dim, D = O + 1, H = c->hidden, DH = D + H, L, N;
    if (check_batch(m, d, seqs, B, &L, &N, e) != 0)
        return -1;
    ensure_capacity(m, L, N);
    m->B = B;
    m->n_obs = N;
    m->L = L;
    size_t Bm = (size_t)m->max_batch;
    const double *w = params, *bias = params + m->b_off;

    /* Gather the observations (N, O) and times (N), sequence by sequence. */
    for (int b = 0, j = 0; b < B; b++) {
        int s = seqs[b], n = d->obs_start[s + 1] - d->obs_start[s];
        const int *rows = d->obs_rows + d->obs_start[s];
        m->lengths[b] = n;
        m->first_obs[b] = j;
        for (int i = 0; i < n; i++, j++) {
            memcpy(m->y + (size_t)j * O, d->y + (size_t)rows[i] * O, (size_t)O * sizeof *m->y);
            m->t[j] = d->t[rows[i]];
        }
        memset(m->hobs + (size_t)m->first_obs[b] * H, 0, (size_t)H * sizeof *m->hobs); /* h_0 */
    }
    m->first_obs[B] = N;

    /* Step s (0 .. L-2) takes observation s of every sequence with n_b - 1 > s
     * to h_{s+1}; those are packed into the step's leading rows. */
    for (int s = 0; s + 1 < L; s++) {
        int *rows = m->rows + s * Bm;
        double *xh = m->xh + s * Bm * DH, *hs = m->hs + s * Bm * H;
        int k = 0;
        for (int b = 0; b < B; b++) {
            if (m->lengths[b] - 1 <= s)
                continue;
            int j = m->first_obs[b] + s;
            pack_row(xh + (size_t)k * DH, m->y + (size_t)j * O, m->t[j + 1] - m->t[j],
                     s == 0 ? NULL : m->hobs + (size_t)j * H, O, H);
            rows[k++] = b;
        }
        m->n_active[s] = k;
        rnn_cell_forward(hs, xh, w, bias, k, D, H);
        for (int q = 0; q < k; q++) {
            int b = rows[q], j = m->first_obs[b] + s + 1, p = j - b - 1;
            memcpy(m->hobs + (size_t)j * H, hs + (size_t)q * H, (size_t)H * sizeof *hs);
            memcpy(m->dec_in + (size_t)p * H, hs + (size_t)q * H, (size_t)H * sizeof *hs);
            memcpy(m->target + (size_t)p * O, m->y + (size_t)j * O, (size_t)O * sizeof *m->y);
        }
    }

    /* The decoder at every prediction: dec_in (P, H) -> pred (P, O). */
    int P = N - B;
    const double *out = mlp_forward(&m->decoder, params, m->dec_in, P, &m->dec_ws);
    memcpy(m->pred, out, (size_t)P * O * sizeof *m->pred);
    for (int b = 0; b < B; b++) {
        int j0 = m->first_obs[b];
        memcpy(m->yhat + (size_t)j0 * O, m->y + (size_t)j0 * O, (size_t)O * sizeof *m->yhat);
        memcpy(m->yhat + (size_t)(j0 + 1) * O, m->pred + (size_t)(j0 - b) * O,
               (size_t)(m->lengths[b] - 1) * O * sizeof *m->yhat);
    }

    /* The states: each sequence's last observation consumed with gap 0. */
    {
        double *xh = m->dxh; /* (B, DH) scratch, rewritten by any backward */
        for (int b = 0; b < B; b++) {
            int j = m->first_obs[b + 1] - 1;
            pack_row(xh + (size_t)b * DH, m->y + (size_t)j * O, 0.0, m->hobs + (size_t)j * H, O,
                     H);
        }
        rnn_cell_forward(m->h_final, xh, w, bias, B, D, H);
    }

    /* Loss: the negative log-likelihood summed over the batch's predictions,
     * per sequence; the mse over their values. */
    size_t nv = (size_t)P * O;
    double sq = 0.0;
    for (size_t i = 0; i < nv; i++) {
        double r = m->target[i] - m->pred[i];
        sq += r * r;
    }
    int mean_over = m->loss_B > 0 ? m->loss_B : B;
    res->loss = -gauss_loglik_forward(m->target, m->pred, nv, c->obs_noise) / mean_over;
    res->count = B;
    res->mse = sq / (double)nv;
    res->mse_count = (long)nv;
    if (!isfinite(res->loss))
        return err_set(e, "rnn: the loss is not finite (the model diverged)");
    if (!grad)
        return 0;

    /* Backward: the decoder, then backpropagation through time. */
    memset(grad, 0, m->n_params * sizeof *grad);
    memset(m->dpred, 0, nv * sizeof *m->dpred);
    gauss_loglik_backward(m->dpred, m->target, m->pred, nv, c->obs_noise, -1.0 / mean_over);
    mlp_backward(&m->decoder, params, m->dec_in, P, &m->dec_ws, m->dpred, m->ddec_in, grad);
    /* dh[b] holds dL/dh_{s+1} from the later steps: zero for a sequence
     * whose last step is s (it was not active after it). */
    memset(m->dh, 0, (size_t)B * H * sizeof *m->dh);
    double *dw = grad, *db = grad + m->b_off;
    for (int s = L - 2; s >= 0; s--) {
        int k = m->n_active[s];
        const int *rows = m->rows + s * Bm;
        const double *xh = m->xh + s * Bm * DH, *hs = m->hs + s * Bm * H;
        for (int q = 0; q < k; q++) {
            int b = rows[q], p = m->first_obs[b] + s - b; /* prediction of y_{s+1} */
            const double *dfut = m->dh + (size_t)b * H, *ddec = m->ddec_in + (size_t)p * H;
            double *g = m->dpre + (size_t)q * H;
            for (int u = 0; u < H; u++)
                g[u] = dfut[u] + ddec[u];
        }
        rnn_cell_backward(m->dxh, dw, db, m->dpre, m->dpre, hs, xh, w, k, D, H);
        for (int q = 0; q < k; q++) /* dL/dh_s (unused at s = 0: h_0 is fixed) */
            memcpy(m->dh + (size_t)rows[q] * H, m->dxh + (size_t)q * DH + D,
                   (size_t)H * sizeof *m->dh);
    }
    return 0;
}

int rnnbase_decode_truth(rnnbase_t *m, const double *params, const dataset_t *d, const int *seqs,
                         int B, double *out, err_t *e)
{
    int O = m->cfg.obs_dim, D = O + 1, H = m->cfg.hidden, DH = D + H, L, N;
    if (check_batch(m, d, seqs, B, &L, &N, e) != 0)
        return -1;
    int T = 0;
    for (int b = 0; b < B; b++)
        T += d->truth_start[seqs[b] + 1] - d->truth_start[seqs[b]];
    ensure_truth(m, T > 0 ? T : 1);
    model_result_t res;
    if (rnnbase_run(m, params, d, seqs, B, NULL, &res, e) != 0)
        return -1;
    const double *w = params, *bias = params + m->b_off;

    /* Inside the window: one batched cell and decoder call over the rows
     * after t_0 (k of them); before t_0 NaN, at t_0 y_0. */
    int k = 0;
    for (int b = 0, o = 0; b < B; b++) {
        int s = seqs[b], j0 = m->first_obs[b], n = m->lengths[b], j = 0;
        double t_first = m->t[j0], t_last = m->t[j0 + n - 1];
        for (int ti = d->truth_start[s]; ti < d->truth_start[s + 1]; ti++, o++) {
            double t = d->t[d->truth_rows[ti]];
            double *row = out + (size_t)o * O;
            if (t < t_first) {
                for (int q = 0; q < O; q++)
                    row[q] = NAN;
            } else if (t == t_first) {
                memcpy(row, m->y + (size_t)j0 * O, (size_t)O * sizeof *row);
            } else if (t <= t_last) {
                while (j + 1 < n && m->t[j0 + j + 1] < t) /* truth rows are in time order */
                    j++;
                pack_row(m->truth_xh + (size_t)k * DH, m->y + (size_t)(j0 + j) * O,
                         t - m->t[j0 + j], m->hobs + (size_t)(j0 + j) * H, O, H);
                m->truth_out[k++] = o;
            }
        }
    }
    if (k > 0) {
        rnn_cell_forward(m->truth_h, m->truth_xh, w, bias, k, D, H);
        const double *dec = mlp_forward(&m->decoder, params, m->truth_h, k, &m->truth_ws);
        for (int q = 0; q < k; q++)
            memcpy(out + (size_t)m->truth_out[q] * O, dec + (size_t)q * O,
                   (size_t)O * sizeof *out);
    }

    /* After t_{n-1}: the rollouts, every sequence's step r in one call.  A
     * sequence's truth rows after t_last are the last of its block:
     * roll_n[b] of them from its truth row roll_ti[b], output row
     * roll_first[b].  roll_y, roll_t and roll_h are the next step's input,
     * its previous time and its state. */
    int steps = 0;
    for (int b = 0, o = 0; b < B; b++) {
        int s = seqs[b], j = m->first_obs[b + 1] - 1, count = 0;
        double t_last = m->t[j];
        m->roll_first[b] = o;
        m->roll_ti[b] = d->truth_start[s];
        for (int ti = d->truth_start[s]; ti < d->truth_start[s + 1]; ti++, o++)
            if (d->t[d->truth_rows[ti]] > t_last && count++ == 0) {
                m->roll_first[b] = o;
                m->roll_ti[b] = ti;
            }
        m->roll_n[b] = count;
        steps = count > steps ? count : steps;
        memcpy(m->roll_y + (size_t)b * O, m->y + (size_t)j * O, (size_t)O * sizeof *m->roll_y);
        memcpy(m->roll_h + (size_t)b * H, m->hobs + (size_t)j * H, (size_t)H * sizeof *m->roll_h);
        m->roll_t[b] = t_last;
    }
    for (int r = 0; r < steps; r++) {
        int na = 0; /* at most the rows left to decode, so within cap_truth */
        for (int b = 0; b < B; b++) {
            if (m->roll_n[b] <= r)
                continue;
            double t = d->t[d->truth_rows[m->roll_ti[b] + r]];
            pack_row(m->truth_xh + (size_t)na * DH, m->roll_y + (size_t)b * O, t - m->roll_t[b],
                     m->roll_h + (size_t)b * H, O, H);
            m->roll_t[b] = t;
            m->roll_rows[na++] = b;
        }
        rnn_cell_forward(m->truth_h, m->truth_xh, w, bias, na, D, H);
        const double *dec = mlp_forward(&m->decoder, params, m->truth_h, na, &m->truth_ws);
        for (int q = 0; q < na; q++) {
            int b = m->roll_rows[q];
            memcpy(m->roll_h + (size_t)b * H, m->truth_h + (size_t)q * H,
                   (size_t)H * sizeof *m->roll_h);
            memcpy(m->roll_y + (size_t)b * O, dec + (size_t)q * O, (size_t)O * sizeof *m->roll_y);
            memcpy(out + (size_t)(m->roll_first[b] + r) * O, dec + (size_t)q * O,
                   (size_t)O * sizeof *out);
        }
    }
    return 0;
}
