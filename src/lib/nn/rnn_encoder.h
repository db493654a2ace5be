/* The latent ODE's recognition network (report 002; Chen et al. 2018,
 * Sec. 5 and their example's RecognitionRNN): a plain tanh RNN run BACKWARDS
 * in time over one trajectory's observations, then a linear layer from its
 * last hidden state to the mean and log-variance of q(z0 | x).
 *
 * Size legend: B sequences, L padded length (observations per sequence, at
 * most), D inputs per step (n_in = obs_dim + 1), H hidden, Z latent.
 *
 * Step input.  Sampling is irregular, so the input of step i is the
 * observation and the gap to the NEXT observation (the one the RNN has seen
 * just before, going backwards):
 *   x[b, i] = [obs_i (obs_dim), t_{i+1} - t_i (1)]   i < n_b - 1
 *   x[b, n_b - 1] = [obs_{n_b-1}, 0]                   (nothing seen yet)
 * rnn_pack_sequence builds one such row block from (obs, times).
 *
 * Recurrence (h_0 = 0), over the observations i = n_b - 1, ..., 0:
 *   h <- tanh(W [x[b, i], h] + b)
 *   out[b] = Wo h + bo,  mean = out[b, 0:Z], logvar = out[b, Z:2Z].
 *
 * Batch layout: x (B, L, D) row-major, lengths (B) with 1 <= n_b <= L.  Rows
 * i >= n_b of a sequence are padding and are never read (nor written, except
 * that the input gradient is zeroed there).  A batch drawn from a dataset of
 * many trajectories stored by offsets is filled by calling rnn_pack_sequence
 * once per sequence into x + b * L * D.
 *
 * Parameters are a slice of the model's flat vector starting at `offset`,
 * laid out (offsets relative to `offset`):
 *   w   (H, D + H)  at w_off  = 0             acts on [x, h]
 *   b   (H)         at b_off  = H (D + H)
 *   wo  (2Z, H)     at wo_off = b_off + H
 *   bo  (2Z)        at bo_off = wo_off + 2Z H
 *   n_params = H (D + H) + H + 2Z H + 2Z      (D 3, H 25, Z 4: 933)
 * Backward functions overwrite input gradients and ADD into parameter
 * gradients, as in nn/dense.h. */
#ifndef NODE_NN_RNN_ENCODER_H
#define NODE_NN_RNN_ENCODER_H

#include <stddef.h>

#include "core/rng.h"
#include "core/util.h"

/* ------------------------------------------------------------ one step */

/* h_out (B, H) = tanh(xh w^T + b), xh (B, D + H) = [x, h_prev] per row,
 * w (H, D + H), b (H). */
void rnn_cell_forward(double *h_out, const double *xh, const double *w, const double *b, int B,
                      int n_in, int H);
/* After rnn_cell_forward: dpre (B, H) scratch <- dh_out * (1 - h_out^2)
 * (dpre may be dh_out itself); dxh (B, D + H) = dpre w (overwritten; its
 * first D columns are dL/dx, the rest dL/dh_prev); dw += dpre^T xh;
 * db += column sums of dpre. */
void rnn_cell_backward(double *dxh, double *dw, double *db, double *dpre, const double *dh_out,
                       const double *h_out, const double *xh, const double *w, int B, int n_in,
                       int H);

/* ------------------------------------------------------ the whole encoder */

typedef struct {
    int n_in;   /* D = obs_dim + 1 */
    int hidden; /* H */
    int latent; /* Z; the output has 2Z columns */
    size_t offset;
    size_t w_off, b_off, wo_off, bo_off; /* relative to offset */
    size_t n_params;
} rnn_t;

/* Returns -1 (message in e) if a size is not positive. */
int rnn_init(rnn_t *r, int obs_dim, int hidden, int latent, size_t offset, err_t *e);
/* Glorot-uniform w (fan_in D + H, fan_out H) and wo (fan_in H, fan_out 2Z),
 * zero biases, drawn from the run's generator in that order. */
void rnn_init_params(const rnn_t *r, double *params, rng_t *rng);

/* One sequence's step inputs: x (L, D) rows 0..n-1 from obs (n, obs_dim) and
 * times (n), the gap of the last observation 0 (see the legend). */
void rnn_pack_sequence(double *x, const double *obs, const double *times, int n, int obs_dim);

/* What the forward pass keeps for backpropagation through time.  Step s
 * (s = 0 first) takes observation n_b - 1 - s of every sequence with
 * n_b > s; those "active" sequences are packed into n_active[s] leading
 * rows, rows[s * max_batch + k] naming sequence k's batch index. */
typedef struct {
    int max_batch, max_len, n_steps; /* n_steps: max n_b of the last forward */
    int *n_active;                   /* (max_len) */
    int *rows;                       /* (max_len, max_batch) */
    double *xh;                      /* (max_len, max_batch, D + H) step inputs [x, h_prev] */
    double *hs;                      /* (max_len, max_batch, H) step outputs */
    double *h_last;                  /* (max_batch, H) each sequence's final state */
    double *dh;                      /* (max_batch, H) running dL/dh per sequence */
    double *dxh;                     /* (max_batch, D + H) */
    double *dpre;                    /* (max_batch, H) */
} rnn_ws_t;

void rnn_ws_alloc(rnn_ws_t *ws, const rnn_t *r, int max_batch, int max_len);
void rnn_ws_free(rnn_ws_t *ws);

/* out (B, 2Z) = [mean, logvar] for x (B, L, D), lengths (B).  Returns -1
 * (message in e) if B or L exceed the workspace or a length is outside
 * [1, L].  `params` is the model's whole flat vector. */
int rnn_forward(const rnn_t *r, const double *params, const double *x, const int *lengths, int B,
                int L, rnn_ws_t *ws, double *out, err_t *e);
/* After rnn_forward on the same batch: dout (B, 2Z) = dL/d[mean, logvar];
 * dparams += the parameter VJP (the model's whole flat gradient); dx
 * (B, L, D) = dL/dx if not NULL (zero in the padding). */
void rnn_backward(const rnn_t *r, const double *params, const int *lengths, int B, int L,
                  rnn_ws_t *ws, const double *dout, double *dx, double *dparams);

#endif
