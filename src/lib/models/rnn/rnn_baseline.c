#include "models/rnn/rnn_baseline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/elbo.h"

/* Size legend as in models/rnn/rnn_baseline.h; Bm = max_batch, DH = D + H. */

/* The workspace at the current capacities, in one arena (shapes in
 * models/rnn/rnn_baseline.h): Bm sequences, Lc = cap_len observations per
 * sequence, Nc = cap_obs per batch, Tc = cap_truth truth rows. */
static void layout(rnnbase_t *m)
{
    size_t Bm = (size_t)m->max_batch, H = (size_t)m->cfg.hidden, O = (size_t)m->cfg.obs_dim,
           DH = O + 1 + H, Lc = (size_t)m->cap_len, Nc = (size_t)m->cap_obs,
           Tc = (size_t)m->cap_truth;
    const arena_buf_t bufs[] = {
        ARENA_INTS(m->lengths, Bm),
        ARENA_INTS(m->first_obs, Bm + 1),
        ARENA_DOUBLES(m->dh, Bm * H),
        ARENA_DOUBLES(m->dxh, Bm * DH),
        ARENA_DOUBLES(m->dpre, Bm * H),
        ARENA_DOUBLES(m->h_final, Bm * H),
        ARENA_INTS(m->roll_n, Bm),
        ARENA_INTS(m->roll_ti, Bm),
        ARENA_INTS(m->roll_first, Bm),
        ARENA_INTS(m->roll_rows, Bm),
        ARENA_DOUBLES(m->roll_t, Bm),
        ARENA_DOUBLES(m->roll_y, Bm * O),
        ARENA_DOUBLES(m->roll_h, Bm * H),
        ARENA_INTS(m->n_active, Lc),
        ARENA_INTS(m->rows, Lc * Bm),
        ARENA_DOUBLES(m->xh, Lc * Bm * DH),
        ARENA_DOUBLES(m->hs, Lc * Bm * H),
        ARENA_DOUBLES(m->t, Nc),
        ARENA_DOUBLES(m->y, Nc * O),
        ARENA_DOUBLES(m->hobs, Nc * H),
        ARENA_DOUBLES(m->dec_in, Nc * H),
        ARENA_DOUBLES(m->ddec_in, Nc * H),
        ARENA_DOUBLES(m->target, Nc * O),
        ARENA_DOUBLES(m->pred, Nc * O),
        ARENA_DOUBLES(m->dpred, Nc * O),
        ARENA_DOUBLES(m->yhat, Nc * O),
        ARENA_INTS(m->truth_out, Tc),
        ARENA_DOUBLES(m->truth_xh, Tc * DH),
        ARENA_DOUBLES(m->truth_h, Tc * H),
    };
    arena_xlayout(&m->arena, bufs, sizeof bufs / sizeof bufs[0]);
}

/* Grows the workspace to L observations per sequence and N per batch. */
static void ensure_capacity(rnnbase_t *m, int L, int N)
{
    int grow_len = L > m->cap_len, grow_obs = N > m->cap_obs;
    if (grow_len)
        m->cap_len = L;
    if (grow_obs) {
        mlp_ws_free(&m->dec_ws);
        m->cap_obs = N;
        mlp_ws_alloc(&m->dec_ws, &m->decoder, N);
    }
    if (grow_len || grow_obs)
        layout(m);
}

/* Grows the workspace to T truth rows per decode. */
static void ensure_truth(rnnbase_t *m, int T)
{
    if (T <= m->cap_truth)
        return;
    mlp_ws_free(&m->truth_ws);
    m->cap_truth = T;
    mlp_ws_alloc(&m->truth_ws, &m->decoder, T);
    layout(m);
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
    size_t H = (size_t)c->hidden, DH = (size_t)c->obs_dim + 1 + H;
    m->b_off = H * DH;
    m->decoder_offset = m->b_off + H;
    int dims[3] = {c->hidden, c->decoder_hidden, c->obs_dim};
    act_t acts[2] = {ACT_RELU, ACT_IDENTITY};
    if (mlp_init(&m->decoder, 2, dims, acts, m->decoder_offset) != 0)
        return err_set(e, "rnn: bad decoder sizes");
    m->n_params = m->decoder_offset + m->decoder.n_params;
    layout(m); /* the buffers sized by max_batch; the others grow */
    return 0;
}

void rnnbase_free(rnnbase_t *m)
{
    arena_free(&m->arena); /* every workspace buffer */
    mlp_ws_free(&m->dec_ws);
    mlp_ws_free(&m->truth_ws);
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

/* Gather the observations y (N, O) and times t (N), sequence by sequence;
 * lengths, first_obs, and h_0 = 0 in hobs. */
static void gather(rnnbase_t *m, const dataset_t *d, const int *seqs, int B)
{
    int O = m->cfg.obs_dim, H = m->cfg.hidden, j = 0;
    for (int b = 0; b < B; b++) {
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
    m->first_obs[B] = j;
}

/* Step s (0 .. L-2) takes observation s of every sequence with n_b - 1 > s
 * to h_{s+1}; those are packed into the step's leading rows.  Each h_{s+1}
 * goes to hobs and, as a prediction's input, to dec_in with its target. */
static void unroll(rnnbase_t *m, const double *params, int B, int L)
{
    int O = m->cfg.obs_dim, D = O + 1, H = m->cfg.hidden, DH = D + H;
    size_t Bm = (size_t)m->max_batch;
    const double *w = params, *bias = params + m->b_off;
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
}

/* The decoder at every prediction: dec_in (P, H) -> pred (P, O); the
 * outputs yhat (N, O), y_0 itself at each sequence's first row. */
static void decode(rnnbase_t *m, const double *params, int B, int P)
{
    int O = m->cfg.obs_dim;
    const double *out = mlp_forward(&m->decoder, params, m->dec_in, P, &m->dec_ws);
    memcpy(m->pred, out, (size_t)P * O * sizeof *m->pred);
    for (int b = 0; b < B; b++) {
        int j0 = m->first_obs[b];
        memcpy(m->yhat + (size_t)j0 * O, m->y + (size_t)j0 * O, (size_t)O * sizeof *m->yhat);
        memcpy(m->yhat + (size_t)(j0 + 1) * O, m->pred + (size_t)(j0 - b) * O,
               (size_t)(m->lengths[b] - 1) * O * sizeof *m->yhat);
    }
}

/* The states h_final (B, H): each sequence's last observation consumed
 * with gap 0. */
static void final_states(rnnbase_t *m, const double *params, int B)
{
    int O = m->cfg.obs_dim, D = O + 1, H = m->cfg.hidden, DH = D + H;
    double *xh = m->dxh; /* (B, DH) scratch, rewritten by any backward */
    for (int b = 0; b < B; b++) {
        int j = m->first_obs[b + 1] - 1;
        pack_row(xh + (size_t)b * DH, m->y + (size_t)j * O, 0.0, m->hobs + (size_t)j * H, O, H);
    }
    rnn_cell_forward(m->h_final, xh, params, params + m->b_off, B, D, H);
}

/* Loss: the negative log-likelihood summed over the batch's nv predicted
 * values, per sequence (mean over mean_over); the mse over them. */
static int loss(const rnnbase_t *m, int B, size_t nv, int mean_over, model_result_t *res,
                err_t *e)
{
    double sq = 0.0;
    for (size_t i = 0; i < nv; i++) {
        double r = m->target[i] - m->pred[i];
        sq += r * r;
    }
    res->loss = -gauss_loglik_forward(m->target, m->pred, nv, m->cfg.obs_noise) / mean_over;
    res->count = B;
    res->mse = sq / (double)nv;
    res->mse_count = (long)nv;
    if (!isfinite(res->loss))
        return err_set(e, "rnn: the loss is not finite (the model diverged)");
    return 0;
}

/* Backward through the decoder: pred -> ddec_in (P, H), its gradient into
 * grad. */
static void decode_backward(rnnbase_t *m, const double *params, int P, int mean_over,
                            double *grad)
{
    size_t nv = (size_t)P * m->cfg.obs_dim;
    memset(m->dpred, 0, nv * sizeof *m->dpred);
    gauss_loglik_backward(m->dpred, m->target, m->pred, nv, m->cfg.obs_noise, -1.0 / mean_over);
    mlp_backward(&m->decoder, params, m->dec_in, P, &m->dec_ws, m->dpred, m->ddec_in, grad);
}

/* Backpropagation through time over the steps of unroll, from ddec_in;
 * the cell's gradient into grad. */
static void unroll_backward(rnnbase_t *m, const double *params, int B, int L, double *grad)
{
    int O = m->cfg.obs_dim, D = O + 1, H = m->cfg.hidden, DH = D + H;
    size_t Bm = (size_t)m->max_batch;
    const double *w = params;
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
}

int rnnbase_run(rnnbase_t *m, const double *params, const dataset_t *d, const int *seqs, int B,
                double *grad, model_result_t *res, err_t *e)
{
    memset(res, 0, sizeof *res);
    int L = 0, N = 0;
    if (check_batch(m, d, seqs, B, &L, &N, e) != 0)
        return -1;
    ensure_capacity(m, L, N);
    m->B = B;
    m->n_obs = N;
    m->L = L;
    gather(m, d, seqs, B);
    unroll(m, params, B, L);
    int P = N - B;
    decode(m, params, B, P);
    final_states(m, params, B);
    int mean_over = m->loss_B > 0 ? m->loss_B : B;
    if (loss(m, B, (size_t)P * m->cfg.obs_dim, mean_over, res, e) != 0)
        return -1;
    if (!grad)
        return 0;

    /* Backward: the decoder, then backpropagation through time. */
    memset(grad, 0, m->n_params * sizeof *grad);
    decode_backward(m, params, P, mean_over, grad);
    unroll_backward(m, params, B, L, grad);
    return 0;
}

/* Inside the window: one batched cell and decoder call over the truth rows
 * after t_0 (truth_xh, k of them); before t_0 NaN, at t_0 y_0. */
static void decode_window(rnnbase_t *m, const double *params, const dataset_t *d,
                          const int *seqs, int B, double *out)
{
    int O = m->cfg.obs_dim, D = O + 1, H = m->cfg.hidden, DH = D + H;
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
        rnn_cell_forward(m->truth_h, m->truth_xh, params, params + m->b_off, k, D, H);
        const double *dec = mlp_forward(&m->decoder, params, m->truth_h, k, &m->truth_ws);
        for (int q = 0; q < k; q++)
            memcpy(out + (size_t)m->truth_out[q] * O, dec + (size_t)q * O,
                   (size_t)O * sizeof *out);
    }
}

/* The rollouts' start.  A sequence's truth rows after t_last are the last
 * of its block: roll_n[b] of them from its truth row roll_ti[b], output
 * row roll_first[b].  roll_y, roll_t and roll_h are the next step's input,
 * its previous time and its state.  Returns the most steps of any. */
static int rollout_start(rnnbase_t *m, const dataset_t *d, const int *seqs, int B)
{
    int O = m->cfg.obs_dim, H = m->cfg.hidden;
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
    return steps;
}

/* After t_{n-1}: the rollouts, every sequence's step r in one call. */
static void rollout(rnnbase_t *m, const double *params, const dataset_t *d, int B, int steps,
                    double *out)
{
    int O = m->cfg.obs_dim, D = O + 1, H = m->cfg.hidden, DH = D + H;
    const double *w = params, *bias = params + m->b_off;
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
}

int rnnbase_decode_truth(rnnbase_t *m, const double *params, const dataset_t *d, const int *seqs,
                         int B, double *out, err_t *e)
{
    int L = 0, N = 0;
    if (check_batch(m, d, seqs, B, &L, &N, e) != 0)
        return -1;
    int T = 0;
    for (int b = 0; b < B; b++)
        T += d->truth_start[seqs[b] + 1] - d->truth_start[seqs[b]];
    ensure_truth(m, T > 0 ? T : 1);
    model_result_t res;
    if (rnnbase_run(m, params, d, seqs, B, NULL, &res, e) != 0)
        return -1;
    decode_window(m, params, d, seqs, B, out);
    rollout(m, params, d, B, rollout_start(m, d, seqs, B), out);
    return 0;
}
