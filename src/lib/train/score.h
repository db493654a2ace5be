/* A model's loss, accuracy and NFE over a whole dataset, in chunks: what
 * train logs after each step, what eval reports and what L-BFGS
 * minimises.  A trajectory is scored as one batch observed at every time. */
#ifndef NODE_TRAIN_SCORE_H
#define NODE_TRAIN_SCORE_H

#include "data/dataset.h"
#include "train/kind.h"

/* Examples of a dataset as batches count them: its trajectories for a set
 * of sequences, else its rows. */
int dataset_examples(const dataset_t *d);

typedef struct {
    double loss;  /* mean over examples, or their sum (m->loss_is_sum); a trajectory's loss */
    long correct; /* argmax hits (classification) */
    long count;   /* examples scored */
    long nfe_forward, nfe_backward; /* totals over the solves */
    long solves;                    /* model runs */
    double mse; /* reconstruction error over every value scored (latent, rnn); nan if none */
} score_t;

/* Chunks of at most `chunk` examples (m->max_batch bounds them too); the
 * examples of a set of sequences are its trajectories, in order.
 * grad (n_params), if not NULL, receives the gradient of s->loss.
 * outputs, if not NULL, receives every example's outputs, (count, O) (a
 * trajectory: (K, O); sequences: (n_observed, O), one row per observation
 * in the dataset's order). */
int score_dataset(kind_model_t *m, const double *params, const dataset_t *d, int chunk,
                  double *grad, double *outputs, score_t *s, err_t *e);

/* score_dataset without a gradient or outputs, its chunks dealt out over
 * a group (core/comm.h; NULL or one member: score_dataset): member r runs chunks
 * r, r + N, r + 2N, ... on its own, then the group sums every chunk's
 * terms.  Each chunk's come from one member and the others add zeros, so
 * the sums are exact and every member gets one process's score, bit for
 * bit.  Collective: every member calls it with the same arguments.  Not
 * for a trajectory (one batch). */
int score_dataset_shared(kind_model_t *m, const double *params, const dataset_t *d, int chunk,
                         comm_t *comm, score_t *s, err_t *e);

#endif
