#include "models/latent/latent_ode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/elbo.h"

/* Size legend: B sequences, L observations of the longest, N observations
 * of the batch, K distinct relative times, Z latent, O = obs_dim, D = O + 1
 * encoder inputs per step. */

/* The workspace at the current capacities, in one arena (shapes in
 * models/latent/latent_ode.h): Bm = max_batch sequences, Lc = cap_len
 * observations per sequence, Nc = cap_obs per batch, cap_states values of
 * z(t_k), Gc = cap_group sequences and NGc = cap_group_obs observations of
 * a group's batch. */
static void layout(latent_t *m)
{
    size_t Bm = (size_t)m->max_batch, Z = (size_t)m->cfg.latent, O = (size_t)m->cfg.obs_dim,
           D = O + 1, Lc = (size_t)m->cap_len, Nc = (size_t)m->cap_obs,
           Gc = (size_t)m->cap_group, NGc = (size_t)m->cap_group_obs;
    const arena_buf_t bufs[] = {
        ARENA_INTS(m->lengths, Bm),
        ARENA_INTS(m->first_obs, Bm + 1),
        ARENA_DOUBLES(m->enc, Bm * 2 * Z),
        ARENA_DOUBLES(m->denc, Bm * 2 * Z),
        ARENA_DOUBLES(m->z0, Bm * Z),
        ARENA_DOUBLES(m->dz0, Bm * Z),
        ARENA_DOUBLES(m->x, Bm * Lc * D),
        ARENA_DOUBLES(m->scratch, Lc * D),
        ARENA_INTS(m->obs_time, Nc),
        ARENA_INTS(m->heads, Nc),
        ARENA_DOUBLES(m->rel, Nc),
        ARENA_DOUBLES(m->times, Nc),
        ARENA_DOUBLES(m->dec_in, Nc * Z),
        ARENA_DOUBLES(m->ddec_in, Nc * Z),
        ARENA_DOUBLES(m->y, Nc * O),
        ARENA_DOUBLES(m->yhat, Nc * O),
        ARENA_DOUBLES(m->dyhat, Nc * O),
        ARENA_DOUBLES(m->zs, m->cap_states),
        ARENA_DOUBLES(m->dzs, m->cap_states),
        ARENA_INTS(m->g_first, Gc + 1),
        ARENA_INTS(m->g_len, Gc),
        ARENA_INTS(m->g_heads, Gc),
        ARENA_INTS(m->g_obs_time, NGc),
        ARENA_DOUBLES(m->g_rel, NGc),
    };
    arena_xlayout(&m->arena, bufs, sizeof bufs / sizeof bufs[0]);
}

/* z(t_k) and its cotangent for n values (K B Z), once K is known: sized by
 * the union of times, not by the observations, which it can be far below. */
static void ensure_states(latent_t *m, size_t n)
{
    if (n <= m->cap_states)
        return;
    m->cap_states = n;
    layout(m);
}

/* Grows the workspace to L observations per sequence and N per batch. */
static void ensure_capacity(latent_t *m, int L, int N)
{
    int grow_len = L > m->cap_len, grow_obs = N > m->cap_obs;
    if (grow_len) {
        rnn_ws_free(&m->rnn_ws);
        m->cap_len = L;
        rnn_ws_alloc(&m->rnn_ws, &m->rnn, m->max_batch, L);
    }
    if (grow_obs) {
        mlp_ws_free(&m->dec_ws);
        m->cap_obs = N;
        mlp_ws_alloc(&m->dec_ws, &m->decoder, N);
    }
    if (grow_len || grow_obs)
        layout(m);
}

/* Grows the workspace to a group's batch of G sequences and N_group
 * observations. */
static void ensure_group(latent_t *m, int G, int N_group)
{
    if (G <= m->cap_group && N_group <= m->cap_group_obs)
        return;
    m->cap_group = G > m->cap_group ? G : m->cap_group;
    m->cap_group_obs = N_group > m->cap_group_obs ? N_group : m->cap_group_obs;
    layout(m);
}

int latent_create(latent_t *m, const latent_config_t *cfg, int max_batch, err_t *e)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    const latent_config_t *c = &m->cfg;
    if (c->obs_dim < 1 || c->latent < 1 || c->rnn_hidden < 1 || c->decoder_hidden < 1)
        return err_set(e, "latent: sizes must be positive (obs_dim %d, latent %d, rnn_hidden %d, "
                          "decoder_hidden %d)",
                       c->obs_dim, c->latent, c->rnn_hidden, c->decoder_hidden);
    if (!(c->obs_noise > 0) || !isfinite(c->obs_noise))
        return err_set(e, "latent: obs_noise must be positive (got %g)", c->obs_noise);
    if (max_batch < 1)
        return err_set(e, "latent: the batch must be positive");
    m->max_batch = max_batch;
    if (rnn_init(&m->rnn, c->obs_dim, c->rnn_hidden, c->latent, 0, e) != 0)
        return -1;
    m->field_offset = m->rnn.n_params;
    if (field_init(&m->field, c->latent, c->n_hidden, c->hidden, c->hidden_act, c->final_act, 0,
                   0, max_batch, e) != 0)
        return -1;
    m->decoder_offset = m->field_offset + field_n_params(&m->field);
    int dims[3] = {c->latent, c->decoder_hidden, c->obs_dim};
    act_t acts[2] = {ACT_RELU, ACT_IDENTITY};
    if (mlp_init(&m->decoder, 2, dims, acts, m->decoder_offset) != 0)
        return err_set(e, "latent: bad decoder sizes");
    m->n_params = m->decoder_offset + m->decoder.n_params;
    if (ode_solver_create(&m->solver, &c->ode, e) != 0)
        return -1;
    layout(m); /* the buffers sized by max_batch; the others grow */
    return 0;
}

void latent_free(latent_t *m)
{
    arena_free(&m->arena); /* every workspace buffer */
    rnn_ws_free(&m->rnn_ws);
    mlp_ws_free(&m->dec_ws);
    field_free(&m->field);
    ode_solver_free(m->solver);
    memset(m, 0, sizeof *m);
}

void latent_init_params(const latent_t *m, double *params, rng_t *rng)
{
    rnn_init_params(&m->rnn, params, rng);
    mlp_init_params(&m->field.mlp, params + m->field_offset, rng);
    mlp_init_params(&m->decoder, params, rng);
}

/* Relative times closer than this (relative to 1 + |t|) share one output
 * time, the earliest of them: sequences observed on one grid have the same
 * offsets t_i - t_first, but the file's rounding (gen-data writes 10
 * significant digits) makes them differ by up to ~1e-8, and every distinct
 * time is a stop of the solve: on report 002's spirals (batch 32, 100
 * observations each) exact deduplication leaves ~3000 stops and costs
 * ~8x the NFE of the ~400 distinct offsets.  Reading z up to 1e-7 (1 + |t|)
 * early is far below any solver tolerance used here. */
#define SAME_TIME 1e-7

/* The union of B sequences' relative times rel (sequence b's lengths[b]
 * from first_obs[b], each sorted): a B-way merge writing times (K) and each
 * observation's index obs_time; heads (B) is scratch. */
static int merge_union(double *times, const double *rel, const int *first_obs,
                       const int *lengths, int *heads, int *obs_time, int B)
{
    int K = 0;
    for (int b = 0; b < B; b++)
        heads[b] = 0;
    for (;;) {
        double t_min = INFINITY;
        for (int b = 0; b < B; b++)
            if (heads[b] < lengths[b]) {
                double t = rel[first_obs[b] + heads[b]];
                if (t < t_min)
                    t_min = t;
            }
        if (t_min == INFINITY)
            return K;
        if (K == 0 || t_min - times[K - 1] > SAME_TIME * (1.0 + fabs(t_min)))
            times[K++] = t_min;
        for (int b = 0; b < B; b++)
            while (heads[b] < lengths[b] &&
                   rel[first_obs[b] + heads[b]] - times[K - 1] <=
                       SAME_TIME * (1.0 + fabs(t_min)))
                obs_time[first_obs[b] + heads[b]++] = K - 1;
    }
}

/* The union of the batch's relative times. */
static int merge_times(latent_t *m, int B)
{
    return merge_union(m->times, m->rel, m->first_obs, m->lengths, m->heads, m->obs_time, B);
}

/* The observations of the group's batch (m->group_B sequences of d). */
static int group_observations(const latent_t *m, const dataset_t *d)
{
    int N = 0;
    for (int g = 0; g < m->group_B; g++)
        N += d->obs_start[m->group_seqs[g] + 1] - d->obs_start[m->group_seqs[g]];
    return N;
}

/* The union of the group's batch's relative times (as merge_times would
 * form it over all its sequences), and the index into it of each of this
 * run's B observations, which are the group's sequences from
 * m->group_first on. */
static int merge_group_times(latent_t *m, const dataset_t *d, int N_group)
{
    int G = m->group_B;
    ensure_group(m, G, N_group);
    for (int g = 0, j = 0; g < G; g++) {
        int s = m->group_seqs[g], n = d->obs_start[s + 1] - d->obs_start[s];
        const int *rows = d->obs_rows + d->obs_start[s];
        double t_first = d->t[rows[0]];
        m->g_first[g] = j;
        m->g_len[g] = n;
        for (int i = 0; i < n; i++, j++)
            m->g_rel[j] = d->t[rows[i]] - t_first;
    }
    m->g_first[G] = N_group;
    int K = merge_union(m->times, m->g_rel, m->g_first, m->g_len, m->g_heads, m->g_obs_time, G);
    memcpy(m->obs_time, m->g_obs_time + m->g_first[m->group_first],
           (size_t)m->n_obs * sizeof *m->obs_time);
    return K;
}

/* The checks of a batch for latent_run; *L and *N get its longest
 * sequence and its observations. */
static int check_batch(const latent_t *m, const dataset_t *d, const int *seqs, int B, int *L,
                       int *N, err_t *e)
{
    if (!d || !seqs || d->kind != DATA_SEQUENCES)
        return err_set(e, "latent: needs a batch of sequences (seq, t, y1..yk, observed data)");
    if (d->n_targets != m->cfg.obs_dim)
        return err_set(e, "latent: the model reads %d values per observation, the data has %d",
                       m->cfg.obs_dim, d->n_targets);
    if (B < 1 || B > m->max_batch)
        return err_set(e, "latent: a batch of %d sequences does not fit the workspace (%d)", B,
                       m->max_batch);
    *L = *N = 0;
    for (int b = 0; b < B; b++) {
        int s = seqs[b];
        if (s < 0 || s >= d->n_sequences)
            return err_set(e, "latent: sequence %d outside [0, %d)", s, d->n_sequences);
        int n = d->obs_start[s + 1] - d->obs_start[s];
        if (n < 1)
            return err_set(e, "latent: sequence %d has no observations", s);
        *L = n > *L ? n : *L;
        *N += n;
    }
    return 0;
}

/* Gather: observations y (N, O), relative times rel (N), encoder inputs x
 * (B, L, D) packed by nn/rnn_encoder.h's rule; lengths and first_obs. */
static void gather(latent_t *m, const dataset_t *d, const int *seqs, int B, int L)
{
    int O = m->cfg.obs_dim, D = O + 1;
    double *obs = m->scratch, *ts = m->scratch + (size_t)L * O; /* (L, O), (L) */
    int j = 0;
    for (int b = 0; b < B; b++) {
        int s = seqs[b], n = d->obs_start[s + 1] - d->obs_start[s];
        const int *rows = d->obs_rows + d->obs_start[s];
        double t_first = d->t[rows[0]];
        m->lengths[b] = n;
        m->first_obs[b] = j;
        for (int i = 0; i < n; i++, j++) {
            const double *yr = d->y + (size_t)rows[i] * O;
            memcpy(obs + (size_t)i * O, yr, (size_t)O * sizeof *obs);
            memcpy(m->y + (size_t)j * O, yr, (size_t)O * sizeof *obs);
            ts[i] = d->t[rows[i]];
            m->rel[j] = d->t[rows[i]] - t_first;
        }
        rnn_pack_sequence(m->x + (size_t)b * L * D, obs, ts, n, O);
    }
    m->first_obs[B] = j;
}

/* The encoder, then the reparameterisation: z0 (B, Z) = mean + exp(logvar
 * / 2) eps, or the mean where eps is NULL. */
static int encode(latent_t *m, const double *params, int B, int L, const double *eps, err_t *e)
{
    int Z = m->cfg.latent;
    err_t se = {{0}};
    if (rnn_forward(&m->rnn, params, m->x, m->lengths, B, L, &m->rnn_ws, m->enc, &se) != 0)
        return err_set(e, "latent: %s", se.msg);
    for (int b = 0; b < B; b++) {
        const double *mean = m->enc + (size_t)b * 2 * Z, *logvar = mean + Z;
        if (eps)
            reparam_forward(m->z0 + (size_t)b * Z, mean, logvar, eps + (size_t)b * Z, Z);
        else
            memcpy(m->z0 + (size_t)b * Z, mean, (size_t)Z * sizeof *mean);
    }
    return 0;
}

/* One solve for the batch from z0: zs (K, B, Z); times[0] = 0 is every
 * sequence's first observation, so for K = 1 zs is z0. */
static int solve(latent_t *m, const double *params, int B, int K, err_t *se)
{
    size_t n_state = (size_t)B * m->cfg.latent;
    ensure_states(m, (size_t)K * n_state);
    field_bind(&m->field, B, params + m->field_offset);
    if (K > 1)
        return ode_forward(m->solver, &m->field.f, 0.0, m->z0, K, m->times, m->zs, se);
    memcpy(m->zs, m->z0, n_state * sizeof *m->zs);
    return 0;
}

/* The decoder at each observation: dec_in (N, Z) -> yhat (N, O). */
static void decode(latent_t *m, const double *params, int B, int N)
{
    int Z = m->cfg.latent, O = m->cfg.obs_dim;
    size_t n_state = (size_t)B * Z;
    for (int b = 0; b < B; b++)
        for (int j = m->first_obs[b]; j < m->first_obs[b + 1]; j++)
            memcpy(m->dec_in + (size_t)j * Z, m->zs + (size_t)m->obs_time[j] * n_state +
                                                  (size_t)b * Z,
                   (size_t)Z * sizeof *m->zs);
    const double *out = mlp_forward(&m->decoder, params, m->dec_in, N, &m->dec_ws);
    memcpy(m->yhat, out, (size_t)N * O * sizeof *m->yhat);
}

/* The negative ELBO per trajectory, averaged over mean_over; the
 * reconstruction mse. */
static int loss(latent_t *m, int B, int N, int mean_over, model_result_t *res, err_t *e)
{
    int Z = m->cfg.latent, O = m->cfg.obs_dim;
    double total = 0.0, sq = 0.0;
    for (int b = 0; b < B; b++) {
        size_t off = (size_t)m->first_obs[b] * O, n = (size_t)m->lengths[b] * O;
        const double *mean = m->enc + (size_t)b * 2 * Z;
        total += -gauss_loglik_forward(m->y + off, m->yhat + off, n, m->cfg.obs_noise) +
                 kl_normal_forward(mean, mean + Z, Z);
    }
    for (size_t i = 0; i < (size_t)N * O; i++) {
        double r = m->y[i] - m->yhat[i];
        sq += r * r;
    }
    res->loss = total / mean_over;
    res->count = B;
    res->mse = sq / ((double)N * O);
    res->mse_count = (long)N * O;
    if (!isfinite(res->loss))
        return err_set(e, "latent: the loss is not finite (the model diverged)");
    return 0;
}

/* Backward through the decoder: its gradient into grad, and dL/dz(t_k)
 * into dzs (K, B, Z) (zero where a sequence is not observed). */
static void decode_backward(latent_t *m, const double *params, int B, int N, int K,
                            int mean_over, double *grad)
{
    int Z = m->cfg.latent, O = m->cfg.obs_dim;
    size_t n_state = (size_t)B * Z;
    memset(m->dyhat, 0, (size_t)N * O * sizeof *m->dyhat);
    gauss_loglik_backward(m->dyhat, m->y, m->yhat, (size_t)N * O, m->cfg.obs_noise,
                          -1.0 / mean_over);
    mlp_backward(&m->decoder, params, m->dec_in, N, &m->dec_ws, m->dyhat, m->ddec_in, grad);
    memset(m->dzs, 0, (size_t)K * n_state * sizeof *m->dzs);
    for (int b = 0; b < B; b++)
        for (int j = m->first_obs[b]; j < m->first_obs[b + 1]; j++) {
            double *dz = m->dzs + (size_t)m->obs_time[j] * n_state + (size_t)b * Z;
            const double *g = m->ddec_in + (size_t)j * Z;
            for (int z = 0; z < Z; z++)
                dz[z] += g[z];
        }
}

/* The adjoint solve: dzs -> dz0 (B, Z), the field's gradient into grad. */
static int solve_backward(latent_t *m, int B, int K, double *grad, model_result_t *res,
                          err_t *e)
{
    size_t n_state = (size_t)B * m->cfg.latent;
    if (K <= 1) {
        memcpy(m->dz0, m->dzs, n_state * sizeof *m->dz0);
        return 0;
    }
    err_t se = {{0}};
    if (ode_backward(m->solver, &m->field.f, 0.0, m->z0, K, m->times, m->zs, m->dzs, m->dz0,
                     grad + m->field_offset, NULL, &se) != 0)
        return err_set(e, "latent: adjoint solve: %s", se.msg);
    ode_stats_t back = ode_solver_stats(m->solver);
    res->ode.nfe_backward = back.nfe_backward;
    res->ode.steps_backward = back.steps_backward;
    return 0;
}

/* dz0 -> dL/d[mean, logvar] (denc) through the reparameterisation, plus
 * the KL's; then the encoder's gradient into grad. */
static void encode_backward(latent_t *m, const double *params, int B, int L, const double *eps,
                            int mean_over, double *grad)
{
    int Z = m->cfg.latent;
    memset(m->denc, 0, (size_t)B * 2 * Z * sizeof *m->denc);
    for (int b = 0; b < B; b++) {
        const double *mean = m->enc + (size_t)b * 2 * Z, *logvar = mean + Z;
        double *dmean = m->denc + (size_t)b * 2 * Z, *dlogvar = dmean + Z;
        const double *dz = m->dz0 + (size_t)b * Z;
        kl_normal_backward(dmean, dlogvar, mean, logvar, Z, 1.0 / mean_over);
        if (eps)
            reparam_backward(dmean, dlogvar, dz, logvar, eps + (size_t)b * Z, Z);
        else
            for (int z = 0; z < Z; z++)
                dmean[z] += dz[z];
    }
    rnn_backward(&m->rnn, params, m->lengths, B, L, &m->rnn_ws, m->denc, NULL, grad);
}

int latent_run(latent_t *m, const double *params, const dataset_t *d, const int *seqs, int B,
               const double *eps, double *grad, model_result_t *res, err_t *e)
{
    memset(res, 0, sizeof *res);
    int L = 0, N = 0;
    if (check_batch(m, d, seqs, B, &L, &N, e) != 0)
        return -1;
    /* A group's union of times may hold more times than this run's
     * observations (m->times is sized by cap_obs). */
    int N_group = m->group_B > 0 ? group_observations(m, d) : 0;
    ensure_capacity(m, L, N > N_group ? N : N_group);
    m->B = B;
    m->n_obs = N;
    gather(m, d, seqs, B, L);
    int K = m->K = m->group_B > 0 ? merge_group_times(m, d, N_group) : merge_times(m, B);
    if (encode(m, params, B, L, eps, e) != 0)
        return -1;
    err_t se = {{0}};
    if (solve(m, params, B, K, &se) != 0)
        return err_set(e, "latent: forward solve: %s", se.msg);
    if (K > 1)
        res->ode = ode_solver_stats(m->solver);
    decode(m, params, B, N);
    int mean_over = m->loss_B > 0 ? m->loss_B : B;
    if (loss(m, B, N, mean_over, res, e) != 0)
        return -1;
    if (!grad)
        return 0;

    /* Backward: decoder, then dL/dz(t_k) into the adjoint, then the
     * reparameterisation and KL, then the encoder. */
    memset(grad, 0, m->n_params * sizeof *grad);
    decode_backward(m, params, B, N, K, mean_over, grad);
    if (solve_backward(m, B, K, grad, res, e) != 0)
        return -1;
    encode_backward(m, params, B, L, eps, mean_over, grad);
    return 0;
}

/* The checks for latent_decode_truth, and *N_all: the rows of each
 * sequence from its first observation on (the rows are in time order,
 * truth and observations interleaved). */
static int count_truth_rows(const latent_t *m, const dataset_t *d, const int *seqs, int B,
                            int *N_all, err_t *e)
{
    if (!d || !seqs || d->kind != DATA_SEQUENCES)
        return err_set(e, "latent: needs a batch of sequences (seq, t, y1..yk, observed data)");
    if (B < 1 || B > m->max_batch)
        return err_set(e, "latent: a batch of %d sequences does not fit the workspace (%d)", B,
                       m->max_batch);
    *N_all = 0;
    for (int b = 0; b < B; b++) {
        int s = seqs[b];
        if (s < 0 || s >= d->n_sequences)
            return err_set(e, "latent: sequence %d outside [0, %d)", s, d->n_sequences);
        if (d->obs_start[s + 1] == d->obs_start[s])
            return err_set(e, "latent: sequence %d has no observations", s);
        double t_first = d->t[d->obs_rows[d->obs_start[s]]];
        for (int r = d->seq_start[s]; r < d->seq_start[s + 1]; r++)
            *N_all += d->t[r] >= t_first;
    }
    return 0;
}

/* The union of those rows' relative times: rel (N_all) sequence by
 * sequence, merged into times; returns K. */
static int merge_truth_times(latent_t *m, const dataset_t *d, const int *seqs, int B, int N_all)
{
    for (int b = 0, j = 0; b < B; b++) {
        int s = seqs[b];
        double t_first = d->t[d->obs_rows[d->obs_start[s]]];
        m->first_obs[b] = j;
        for (int r = d->seq_start[s]; r < d->seq_start[s + 1]; r++)
            if (d->t[r] >= t_first)
                m->rel[j++] = d->t[r] - t_first;
        m->lengths[b] = j - m->first_obs[b];
    }
    m->first_obs[B] = N_all;
    return merge_times(m, B);
}

/* z at each decoded truth row into dec_in (Nt, Z), in output order,
 * decoded into out (T, O); NaN before the first observation. */
static void decode_truth_rows(latent_t *m, const double *params, const dataset_t *d,
                              const int *seqs, int B, double *out)
{
    int Z = m->cfg.latent, O = m->cfg.obs_dim;
    size_t n_state = (size_t)B * Z;
    int Nt = 0;
    for (int b = 0; b < B; b++) {
        int s = seqs[b], ti = d->truth_start[s], j = m->first_obs[b];
        double t_first = d->t[d->obs_rows[d->obs_start[s]]];
        for (int r = d->seq_start[s]; r < d->seq_start[s + 1]; r++) {
            int truth = ti < d->truth_start[s + 1] && d->truth_rows[ti] == r;
            if (d->t[r] >= t_first) {
                if (truth)
                    memcpy(m->dec_in + (size_t)Nt++ * Z,
                           m->zs + (size_t)m->obs_time[j] * n_state + (size_t)b * Z,
                           (size_t)Z * sizeof *m->zs);
                j++;
            }
            ti += truth;
        }
    }
    const double *dec = Nt ? mlp_forward(&m->decoder, params, m->dec_in, Nt, &m->dec_ws) : NULL;
    for (int b = 0, k = 0, o = 0; b < B; b++) {
        int s = seqs[b];
        double t_first = d->t[d->obs_rows[d->obs_start[s]]];
        for (int ti = d->truth_start[s]; ti < d->truth_start[s + 1]; ti++, o++) {
            double *row = out + (size_t)o * O;
            if (d->t[d->truth_rows[ti]] >= t_first)
                memcpy(row, dec + (size_t)k++ * O, (size_t)O * sizeof *row);
            else
                for (int q = 0; q < O; q++)
                    row[q] = NAN;
        }
    }
}

int latent_decode_truth(latent_t *m, const double *params, const dataset_t *d, const int *seqs,
                        int B, double *out, model_result_t *res, err_t *e)
{
    memset(res, 0, sizeof *res);
    int N_all = 0;
    if (count_truth_rows(m, d, seqs, B, &N_all, e) != 0)
        return -1;
    /* Grown first: latent_run's outputs (m->yhat) must survive. */
    ensure_capacity(m, 0, N_all);
    if (latent_run(m, params, d, seqs, B, NULL, NULL, res, e) != 0)
        return -1;
    int K = merge_truth_times(m, d, seqs, B, N_all);
    /* One solve from z0 = the mean (latent_run left it in m->z0). */
    err_t se = {{0}};
    if (solve(m, params, B, K, &se) != 0)
        return err_set(e, "latent: truth solve: %s", se.msg);
    if (K > 1)
        res->ode.nfe_forward += ode_solver_stats(m->solver).nfe_forward;
    decode_truth_rows(m, params, d, seqs, B, out);
    return 0;
}
