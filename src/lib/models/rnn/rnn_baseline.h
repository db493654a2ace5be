/* The recurrent baseline of Chen et al. 2018 (Sec. 5.1, Table 2): "a
 * recurrent neural net with 25 hidden units trained to minimize negative
 * Gaussian log-likelihood ... whose inputs were concatenated with the time
 * difference to the next observation", on the latent ODE's irregularly
 * sampled sequences (data/dataset.h), as one loss-and-gradient function and a
 * truth decoder.  No ODE: it makes no function evaluations.
 *
 * Size legend: B sequences, sequence b with n_b >= 2 observations
 * (t_0 < ... < t_{n-1}, y_i in R^O), N = sum n_b observations, P = N - B
 * predictions, H hidden, D = O + 1 cell inputs besides h.
 *
 * Model, per sequence (forward in time, nn/rnn_encoder.h's tanh cell with n_in = D):
 *   h_0 = 0
 *   h_{i+1} = tanh(W [y_i, t_{i+1} - t_i, h_i] + b)     i = 0 .. n-2
 *   yhat_{i+1} = decoder(h_{i+1})       MLP H -> decoder_hidden (relu) -> O
 * so yhat_i predicts y_i from y_0 .. y_{i-1} and the gap to t_i.
 *
 * Loss: the batch's mean over sequences of the negative Gaussian
 * log-likelihood of its predictions, sigma the known noise sd (obs_noise):
 *   L = 1/B sum_b -sum_{i=1}^{n_b-1} log N(y_bi; yhat_bi, sigma^2 I).
 * The result's mse is the predictions' mean squared error against the
 * observations over mse_count = P O values (y_0 is never predicted).  The
 * gradient is exact backpropagation through time through the cells and
 * the decoder.
 *
 * Outputs (rnnbase_t.yhat, (N, O), one row per observation sequence by
 * sequence, as every sequence kind's): yhat_i for i >= 1 and, at i = 0,
 * y_0 itself (nothing has been seen before it).
 *
 * States (features), (B, H): each sequence's hidden state after consuming
 * all its observations, h_final = tanh(W [y_{n-1}, 0, h_{n-1}] + b): the
 * last observation enters with gap 0, as the recognition RNN's (nn/rnn_encoder.h) last
 * step does, since no later observation exists.
 *
 * Truth decoding (rnnbase_decode_truth), for a truth row at time t of a
 * sequence:
 *   t < t_0:            NaN (not decoded);
 *   t = t_0:            y_0 itself (nothing seen yet);
 *   t_0 < t <= t_{n-1}: the one-step prediction from the latest
 *                       observation strictly before t: j the largest index
 *                       with t_j < t, yhat = decoder(tanh(W [y_j, t - t_j,
 *                       h_j] + b)) (at an observation time t_i this is
 *                       yhat_i);
 *   t > t_{n-1}:        an autoregressive rollout over the sequence's truth
 *                       times s_1 < s_2 < ... after t_{n-1}, in order:
 *                       g_1 = tanh(W [y_{n-1}, s_1 - t_{n-1}, h_{n-1}] + b),
 *                       g_k = tanh(W [yhat(s_{k-1}), s_k - s_{k-1}, g_{k-1}] + b),
 *                       yhat(s_k) = decoder(g_k).
 *
 * Parameters, one flat vector:
 *   w        (H, D + H) at 0                  acts on [y, dt, h]
 *   b        (H)        at b_off = H (D + H)
 *   decoder             at decoder_offset = b_off + H
 *   (O 2, H 25, decoder_hidden 20: 725 + 562 = 1287)
 *
 * The workspace is sized for max_batch sequences at create and grows (once
 * per new maximum) with the longest sequence, the batch's observations and
 * the truth rows decoded. */
#ifndef NODE_MODELS_RNN_RNN_BASELINE_H
#define NODE_MODELS_RNN_RNN_BASELINE_H

#include <stddef.h>

#include "core/arena.h"
#include "data/dataset.h"
#include "train/kind.h"
#include "nn/dense.h"
#include "core/rng.h"
#include "nn/rnn_encoder.h"

typedef struct {
    int obs_dim;        /* O: values per observation (the data's y1..yk) */
    int hidden;         /* H: the cell's hidden width */
    int decoder_hidden; /* the decoder's hidden width */
    double obs_noise;   /* sigma > 0 */
} rnnbase_config_t;

typedef struct {
    rnnbase_config_t cfg;
    mlp_t decoder;
    size_t b_off, decoder_offset, n_params;
    int max_batch;
    /* Grown on demand: cap_len observations per sequence, cap_obs per
     * batch, cap_truth truth rows per decode. */
    int cap_len, cap_obs, cap_truth;
    mlp_ws_t dec_ws;   /* cap_obs rows */
    mlp_ws_t truth_ws; /* cap_truth rows */
    /* Every buffer below in one arena (core/arena.h), laid out again,
     * contents kept, when a capacity grows. */
    arena_t arena;
    /* Last run: B sequences, N observations, L the longest. */
    int B, n_obs, L;
    int *lengths;   /* (max_batch) */
    int *first_obs; /* (max_batch + 1) each sequence's first row of the observations */
    int *n_active;  /* (cap_len) sequences stepped at step s (n_b - 1 > s) */
    int *rows;      /* (cap_len, max_batch) their batch indices */
    double *xh;     /* (cap_len, max_batch, D + H) step inputs [y_s, dt, h_s] */
    double *hs;     /* (cap_len, max_batch, H) step outputs h_{s+1} */
    double *dh;     /* (max_batch, H) running dL/dh per sequence */
    double *dxh;    /* (max_batch, D + H) */
    double *dpre;   /* (max_batch, H) */
    double *h_final; /* (max_batch, H) the states */
    double *t;       /* (cap_obs) observation times */
    double *y;       /* (cap_obs, O) the observations */
    double *hobs;    /* (cap_obs, H) h_i of each observation (h_0 = 0) */
    double *dec_in;  /* (cap_obs, H) h_i of each prediction (P used) */
    double *ddec_in; /* (cap_obs, H) */
    double *target;  /* (cap_obs, O) y_i of each prediction (P used) */
    double *pred;    /* (cap_obs, O) yhat_i of each prediction (P used) */
    double *dpred;   /* (cap_obs, O) */
    double *yhat;    /* (cap_obs, O) the outputs, one row per observation */
    /* Truth decoding: cap_truth rows at once (inside the window), then the
     * rollouts' per-sequence state (max_batch each). */
    int *truth_out;   /* (cap_truth) each decoded row's output row */
    double *truth_xh; /* (cap_truth, D + H) cell inputs */
    double *truth_h;  /* (cap_truth, H) cell outputs */
    int *roll_n, *roll_ti, *roll_first, *roll_rows; /* (max_batch) */
    double *roll_t;                                 /* (max_batch) */
    double *roll_y;                                 /* (max_batch, O) */
    double *roll_h;                                 /* (max_batch, H) */
    /* The batch the loss is a mean over: a group's (train/trainer.h), set by the
     * kind for a run; 0: the run's own B. */
    int loss_B;
} rnnbase_t;

int rnnbase_create(rnnbase_t *m, const rnnbase_config_t *cfg, int max_batch, err_t *e);
void rnnbase_free(rnnbase_t *m);
/* Glorot-uniform w (fan_in D + H, fan_out H), zero b, then the decoder's
 * Glorot weights and zero biases, from the run's generator in that order. */
void rnnbase_init_params(const rnnbase_t *m, double *params, rng_t *rng);

/* The one-step cell h_out (H) = tanh(W [y (O), dt, h (H)] + b), for callers
 * and tests that step by hand. */
void rnnbase_cell(const rnnbase_t *m, const double *params, const double *y, double dt,
                  const double *h, double *h_out);

/* Does sequence s of d suit the model (at least two observations)?  The
 * error names the sequence. */
int rnnbase_check_sequences(const dataset_t *d, const char *data_name, err_t *e);

/* Loss on sequences seqs[0..B) of d (DATA_SEQUENCES with obs_dim targets,
 * each with at least two observations).  grad (n_params), if not NULL, is
 * overwritten with dL/dparams.  res gets the loss, count B, the
 * predictions' mse over mse_count values and no NFE.  Outputs stay in
 * m->yhat, states in m->h_final. */
int rnnbase_run(rnnbase_t *m, const double *params, const dataset_t *d, const int *seqs, int B,
                double *grad, model_result_t *res, err_t *e);

/* The sequences seqs[0..B) of d decoded at their truth rows by the rules
 * in the legend: out (T, O), T = the batch's truth rows, sequence by
 * sequence in the dataset's truth order.  Runs rnnbase_run (no gradient)
 * first, so m->yhat and m->h_final then describe the batch. */
int rnnbase_decode_truth(rnnbase_t *m, const double *params, const dataset_t *d, const int *seqs,
                         int B, double *out, err_t *e);

#endif
