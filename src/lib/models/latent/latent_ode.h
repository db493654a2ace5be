/* The latent ODE (report 002, "Latent ODE"; Chen et al. 2018, Sec. 5) on
 * irregularly sampled trajectories, as one loss-and-gradient function:
 *
 *   q(z0 | x): the recognition RNN (nn/rnn_encoder.h) run backwards over a sequence's
 *              observations [y_i, t_{i+1} - t_i] gives mean, logvar (Z each)
 *   z0 = mean + exp(logvar / 2) eps,   eps ~ N(0, I) given by the caller
 *   dz/dt = f(z)                       the field (nn/mlp_field.h), autonomous
 *   yhat_i = decoder(z(t_i - t_0))     MLP Z -> decoder_hidden (relu) -> obs_dim
 *   loss = 1/B sum_b [ -sum_i log N(y_bi; yhat_bi, sigma^2) + KL(q(z0) || N(0, I)) ]
 *
 * i.e. the batch's mean negative ELBO per trajectory (nn/elbo.h), with sigma
 * the known observation noise sd.  Time runs from each sequence's first
 * observation t_0: sequence b is read at its relative times t_bi - t_b0.
 *
 * One ODE system for the whole batch: the state is z (B, Z) row-major,
 * solved from 0 to every distinct relative observation time of the batch
 * (the union over its sequences, sorted, duplicates dropped, times within
 * 1e-7 (1 + |t|) of the earliest counting as one, read there; K times).  The
 * adjoint (ode/ode.h) runs once over the same K times, adding at each t_k the
 * decoder's dL/dz(t_k) (zero for sequences not observed there).
 *
 * Parameters, one flat vector (offsets in latent_t):
 *   encoder  rnn_t at 0                    (obs_dim 2, H 25, Z 4: 933)
 *   field    at field_offset               (Z -> hidden... -> Z; 4-20-20-4: 604)
 *   decoder  at decoder_offset             (Z -> decoder_hidden -> obs_dim; 4-20-2: 142)
 *
 * The workspace is sized for max_batch sequences at create and grows (once
 * per new maximum) with the longest sequence, the batch's observation count
 * and K B Z, so any batch of a dataset fits; z(t_k) of a batch takes K B Z
 * values (spirals, 1000 sequences scored in one chunk: K ~ 400, 13 MB). */
#ifndef NODE_MODELS_LATENT_LATENT_ODE_H
#define NODE_MODELS_LATENT_LATENT_ODE_H

#include <stddef.h>

#include "core/arena.h"
#include "data/dataset.h"
#include "nn/mlp_field.h"
#include "train/kind.h"
#include "nn/dense.h"
#include "ode/ode.h"
#include "core/rng.h"
#include "nn/rnn_encoder.h"

/* The kind's reparameterisation generator is seeded with [train] seed xor
 * this ("latent" in ASCII), a stream apart from the initialisation's. */
#define LATENT_EPS_STREAM 0x6c6174656e74ULL

typedef struct {
    int obs_dim;        /* values per observation (the data's y1..yk) */
    int latent;         /* Z */
    int rnn_hidden;     /* the encoder's hidden width */
    int decoder_hidden; /* the decoder's hidden width */
    int n_hidden;       /* the field's hidden layers */
    int hidden[MLP_MAX_LAYERS - 1];
    act_t hidden_act, final_act; /* the field's */
    double obs_noise;            /* sigma > 0 */
    ode_options_t ode;
} latent_config_t;

typedef struct {
    latent_config_t cfg;
    rnn_t rnn;
    field_t field;
    mlp_t decoder;
    size_t n_params, field_offset, decoder_offset;
    ode_solver_t *solver;
    int max_batch;
    /* Grown on demand: cap_len observations per sequence, cap_obs per batch
     * (cap_obs also bounds the union of times), cap_states values of zs. */
    int cap_len, cap_obs;
    size_t cap_states;
    rnn_ws_t rnn_ws;
    mlp_ws_t dec_ws;
    /* Every buffer below (and the group's) in one arena (core/arena.h),
     * laid out again, contents kept, when a capacity grows. */
    arena_t arena;
    /* Last run (B sequences, n_obs observations, K union times). */
    int B, n_obs, K;
    int *lengths;   /* (max_batch) observations per sequence */
    int *first_obs; /* (max_batch + 1) each sequence's first row in the batch's observations */
    int *obs_time;  /* (cap_obs) each observation's index into times */
    int *heads;     /* (cap_obs) scratch: each sequence's position in the merge of times */
    double *x;       /* (max_batch, cap_len, obs_dim + 1) encoder inputs */
    double *scratch; /* (cap_len, obs_dim + 1) one sequence's y then t */
    double *enc;     /* (max_batch, 2Z) [mean, logvar] */
    double *denc;    /* (max_batch, 2Z) dL/d[mean, logvar] */
    double *z0;      /* (max_batch, Z) */
    double *dz0;     /* (max_batch, Z) */
    double *rel;     /* (cap_obs) relative time of each observation */
    double *times;   /* (cap_obs) the union, K used */
    double *zs;      /* (K, B, Z) z(t_k) of the last run (cap_states values) */
    double *dzs;     /* (K, B, Z) dL/dz(t_k) */
    double *dec_in;  /* (cap_obs, Z) z at each observation */
    double *ddec_in; /* (cap_obs, Z) */
    double *y;       /* (cap_obs, obs_dim) the observations */
    double *yhat;    /* (cap_obs, obs_dim) the reconstructions: the outputs */
    double *dyhat;   /* (cap_obs, obs_dim) */
    /* The batch the loss is a mean over: a group's (train/trainer.h), set by the
     * kind for a run; 0: the run's own B. */
    int loss_B;
    /* A group's batch (train/kind.h's batch_t; group_B 0: none), set by the kind
     * for a run: the B sequences of a run are group_seqs[group_first ..],
     * and the solve stops at the union of all group_B sequences' times,
     * as one process's solve of the whole batch does. */
    int group_B, group_first;
    const int *group_seqs;
    /* Grown on demand for the group's union: cap_group sequences and
     * cap_group_obs observations. */
    int cap_group, cap_group_obs;
    int *g_first;    /* (cap_group + 1) each group sequence's first observation */
    int *g_len;      /* (cap_group) its observations */
    int *g_heads;    /* (cap_group) scratch of the merge */
    int *g_obs_time; /* (cap_group_obs) each observation's index into times */
    double *g_rel;   /* (cap_group_obs) relative time of each observation */
} latent_t;

int latent_create(latent_t *m, const latent_config_t *cfg, int max_batch, err_t *e);
void latent_free(latent_t *m);
/* Encoder, field, decoder in that order (rnn_init_params, then Glorot
 * weights and zero biases for both MLPs). */
void latent_init_params(const latent_t *m, double *params, rng_t *rng);

/* Loss on sequences seqs[0..B) of d (DATA_SEQUENCES with obs_dim targets).
 * eps (B, Z) the reparameterisation noise, NULL for eps = 0 (z0 = mean).
 * grad (n_params), if not NULL, is overwritten with dL/dparams.  res gets
 * the loss, count B, the reconstruction mse over the batch's observed
 * values and the solves' NFE.  Outputs stay in m->yhat, (n_obs, obs_dim),
 * sequence by sequence. */
int latent_run(latent_t *m, const double *params, const dataset_t *d, const int *seqs, int B,
               const double *eps, double *grad, model_result_t *res, err_t *e);

/* Scoring against the noise-free truth (data/dataset.h's truth rows): the
 * sequences seqs[0..B) of d decoded at their truth rows with z0 = the
 * posterior mean (eps = 0).  One solve for the batch from each sequence's
 * first observation over the union of its observation and truth relative
 * times t - t_first >= 0 (merged as latent_run merges, SAME_TIME apart);
 * truth rows before the first observation are not decoded.  out (T, O),
 * T = the batch's truth rows, sequence by sequence in the dataset's truth
 * order: the decoded values, NaN before the first observation.  res gets
 * latent_run's result for the batch (eps = 0, no gradient) and, in
 * res->ode.nfe_forward, that run's NFE plus the truth solve's.  m->yhat
 * keeps the observations' reconstructions; the other per-run fields
 * describe the truth solve.  The training path (latent_run) is unchanged. */
int latent_decode_truth(latent_t *m, const double *params, const dataset_t *d, const int *seqs,
                        int B, double *out, model_result_t *res, err_t *e);

#endif
