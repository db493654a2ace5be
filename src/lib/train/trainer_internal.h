/* What the trainer's parts share (train/trainer.h is the public face):
 *   trainer.c         the run: set-up, the step every schedule takes, the
 *                     outputs, trainer_run and trainer_commit
 *   schedule_iter.c   the iteration schedule, L-BFGS fine-tuning, its summary
 *   schedule_epoch.c  the epoch schedule and its summary
 *   resume.c          MODEL.resume (writing, reading, checking) and the
 *                     data fingerprint it carries
 *   group_check.c     what a process group refuses and its start check
 * Private to src/lib/train/: nothing outside includes it. */
#ifndef NODE_TRAINER_INTERNAL_H
#define NODE_TRAINER_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "core/rng.h"
#include "core/table.h"
#include "nn/optim.h"
#include "train/score.h"
#include "train/trainer.h"

/* One run's state, shared by the schedules. */
typedef struct {
    const trainer_opts_t *o;
    runcfg_t *rc;
    kind_model_t model;
    const dataset_t *train, *test;
    int chunk;      /* scoring chunk */
    int B;          /* training batch */
    double *params; /* (n_params) */
    double *grad;   /* (n_params + STEP_TERMS): the step's terms summed over a group */
    comm_t *comm;   /* the group sharing every batch, or NULL */
    int writer;     /* writes the outputs: member 0, or a process alone */
    double *bx;     /* (B, F) */
    double *by;     /* (B, n_targets) */
    int *blabels;   /* (B) */
    int *order;     /* (train count) */
    rng_t rng;
    FILE *rows;     /* the log rows so far, in memory */
    char *rows_text;
    size_t rows_len;
    /* iteration schedule totals */
    long nfe_f_total, nfe_b_total, n_rows;
    double seconds_total, last_loss;
    /* progress (TRAIN_ITERATION): the first iteration this process took
     * and when it began */
    long first_it;
    double t_first;
} run_t;

/* A step's loss terms summed over a group after the gradient: loss,
 * correct, count, mse times its count, mse_count, dL/dT. */
enum { STEP_TERMS = 6 };

/* The epoch schedule's figures for its summary. */
typedef struct {
    score_t test;     /* after the last epoch */
    double epoch_seconds, nfe_f_mean, nfe_b_mean;
    int steps;
} epoch_stats_t;

/* ---------------------------------------------------------------- trainer.c */

/* Passes ev, named with the run's kind, to the caller's notify callback. */
void trainer_notify(run_t *r, train_event_t *ev);
/* Copies examples idx[0 .. B) of d into the batch buffers. */
void trainer_gather(run_t *r, const dataset_t *d, const int *idx, int B);
/* Fisher-Yates over order[0 .. n) with rng. */
void trainer_shuffle(int *order, int n, rng_t *rng);
/* This member's share [*lo, *hi) of a batch of nb examples (all of it when
 * alone). */
void trainer_share_of(const run_t *r, int nb, int *lo, int *hi);
/* One training step on this member's share bt of the group's batch: the
 * loss and gradient of the whole batch into res and r->grad, the same on
 * every member. */
int trainer_step_run(run_t *r, const batch_t *bt, model_result_t *res, err_t *e);
/* Does the run's kind log the mse of its outputs on sequences (train/kind.h's
 * KIND_SEQUENCES: latent, rnn) in its metric and accuracy columns? */
int trainer_logs_sequence_mse(const runcfg_t *rc);

/* ---------------------------------------------------------------- schedules */

/* 0, 1 when stopped after stop_after_iteration, -1 on error. */
int trainer_iterations(run_t *r, optimizer_t *opt, const char *config_text,
                       const char *resume_path, err_t *e);
int trainer_summary_iterations(run_t *r, summary_t *sum, err_t *e);
/* 0, 1 when stopped after stop_after_epoch, -1 on error. */
int trainer_epochs(run_t *r, optimizer_t *opt, const char *config_text, const char *resume_path,
                   epoch_stats_t *st, err_t *e);
void trainer_summary_epochs(run_t *r, const epoch_stats_t *st, summary_t *sum);

/* ---------------------------------------------------------------- resume.c */

/* FNV-1a (64 bit): the start, and n bytes more after h. */
#define TRAINER_FNV_START 0xcbf29ce484222325ULL
uint64_t trainer_fnv1a(uint64_t h, const void *p, size_t n);
/* The run's training and test data together, as loaded. */
uint64_t trainer_data_fingerprint(const run_t *r);
/* Continues from path if it holds a usable resume file (*start: the epoch
 * or iteration to continue after); -1 refuses the file. */
int trainer_load_resume(run_t *r, const char *path, const char *config_text, optimizer_t *opt,
                        long *start, err_t *e);
int trainer_save_resume_epochs(run_t *r, const char *path, const char *config_text, long epoch,
                               const optimizer_t *opt, err_t *e);
int trainer_save_resume_iterations(run_t *r, const char *path, const char *config_text, long it,
                                   const optimizer_t *opt, err_t *e);

/* ---------------------------------------------------------------- group_check.c */

/* What a group cannot share (train/trainer.h), checked before anything runs. */
int trainer_group_refusal(const run_t *r, const char *cfg, int count, err_t *e);
/* A group must start from one state; alone, nothing to check. */
int trainer_group_check_start(run_t *r, const optimizer_t *opt, const char *config_text,
                              long start, err_t *e);

#endif
