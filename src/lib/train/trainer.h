/* The training loop for every model kind (train/kind.h).
 *
 * Minibatches are gathered from the training set by an index order (a set
 * of sequences: the order is over its trajectories, and a batch names them
 * by index, batch_t.seqs, instead of copying them).  Two
 * schedules, chosen by the kind's KIND_BY_EPOCHS flag:
 *   iterations ([train] iterations): one log row per step,
 *     iteration loss metric nfe_forward nfe_backward seconds
 *     test_loss test_accuracy train_loss train_accuracy
 *   (metric: test accuracy or loss if there is a test set, else the
 *   batch's; seconds: the step alone; the last four: whole test and, with
 *   eval_train, training set after the step, nan where not computed), the
 *   order shuffled cumulatively at each pass when [train] shuffle = true,
 *   the end time jittered for time-regularised runs, optional L-BFGS
 *   fine-tuning continuing the rows; a trajectory is one batch;
 *   MODEL.resume after every resume_every-th iteration, from which an
 *   interrupted run continues with the same batches, end times and the
 *   kind's own draws (the latent ODE's noise), to the same bits.  Summary
 *   keys PREFIX_{iterations, final_loss, train_loss, nfe_forward,
 *   nfe_backward, seconds}.
 *   epochs ([train] epochs): the order reset to the identity and shuffled
 *   before every epoch (as the convolutional runs always did), one log row
 *   per epoch,
 *     epoch iterations train_loss train_accuracy test_loss test_accuracy
 *     nfe_forward nfe_backward seconds
 *   (NFE: mean per step; seconds: the epoch's training time), MODEL.resume
 *   after every epoch, from which an interrupted run continues with the
 *   same batches.  Summary keys PREFIX_{parameters, epochs, test_accuracy
 *   (percent), test_loss, nfe_forward, nfe_backward, seconds_per_epoch,
 *   step_seconds}.
 * The outputs are all or nothing: the caller opens them before the run
 * (trainer_opts_t's log_out, model_out, summary_out), the trainer writes
 * them only when training succeeded, and trainer_commit puts them in place
 * together with the caller's own, then removes MODEL.resume; a failure at
 * any point leaves every target as it was (MODEL.resume, rewritten after
 * every epoch, holds the progress of an unfinished run).  The library never
 * prints: progress goes to the notify callback.
 *
 * Data parallel (trainer_opts_t.comm, a group of N processes, core/comm.h):
 * every member runs this same loop on the same data, seed and config, so
 * all draw the same batches; each computes the loss and gradient of its
 * fixed contiguous share of every batch (member r: examples
 * [nb r / N, nb (r + 1) / N) of a batch of nb), the shares' gradients and
 * loss terms are summed over the group in rank order, and every member
 * takes the same optimiser step.  During a step the ODE solves are coupled
 * (ode/ode.h: the group's error norms, so every member takes the same steps as
 * one process would on the whole batch); scoring is not: the chunks a
 * process would score are dealt out over the members, each solved alone,
 * and their terms summed exactly (train/score.h's score_dataset_shared).  The
 * result is one process's up to the order of the gradients' sums.  Only
 * member 0 writes the log, the checkpoint, the summary and the resume
 * file; every member reads the resume file, and the members must start
 * from the same data, config, parameters and epoch, with the same output
 * options (paths, prefix, stop_after_epoch), all checked.  Refused in
 * a group: a trajectory (a batch of one), L-BFGS fine-tuning, and a batch
 * of fewer examples than members. */
#ifndef NODE_TRAINER_H
#define NODE_TRAINER_H

#include <stddef.h>

#include "core/comm.h"
#include "data/dataset.h"
#include "train/kind.h"
#include "train/runcfg.h"
#include "core/util.h"

typedef enum {
    TRAIN_STARTED,        /* kind, n_params, train_count, test_count */
    TRAIN_RESUME_IGNORED, /* path, reason */
    TRAIN_RESUMED,        /* epoch (or iteration: iterations), path */
    TRAIN_STEP,           /* epoch, epochs, step, steps, loss, accuracy, nfe_*, seconds */
    TRAIN_ITERATION,      /* iteration, iteration_last, iteration_first, loss, nfe_*, seconds */
    TRAIN_EPOCH,          /* epoch, accuracy (test), seconds (the epoch's) */
    TRAIN_STOPPED,        /* epoch (or iteration: iterations), path (the resume file) */
} train_event_kind_t;

typedef struct {
    train_event_kind_t what;
    const char *kind; /* the model kind's name */
    size_t n_params;
    int train_count, test_count;
    const char *path, *reason;
    long epoch, epochs;
    int step, steps;
    double loss, accuracy; /* STEP: running means over the epoch so far */
    long nfe_forward, nfe_backward; /* STEP: this step's */
    double seconds;                 /* STEP: elapsed in the epoch */
    int iterations; /* RESUMED, STOPPED: `epoch` counts iterations */
    /* ITERATION (the iteration schedule's steps, then L-BFGS's): this
     * iteration, the run's last ([train] iterations + lbfgs_iterations)
     * and the first this process took (after a resume, the one after it),
     * so that seconds (elapsed since the first began) over the iterations
     * done so far gives a rate; loss and nfe_* are this iteration's (the
     * batch's; L-BFGS: the training set's). */
    long iteration, iteration_last, iteration_first;
} train_event_t;

typedef void (*train_notify_fn)(void *ctx, const train_event_t *ev);

typedef struct {
    runcfg_t *rc;            /* fitted to the data (e.g. the MLP's input_dim) */
    const char *config_name; /* names the config in messages */
    const dataset_t *train;
    const dataset_t *test; /* count 0: none */
    const char *data_name;
    const char *test_name; /* names the test set in messages; NULL: data_name's */
    const char *log_path, *model_path;
    const char *summary_path, *prefix; /* both or neither */
    long stop_after_epoch; /* > 0: stop there as an interruption would */
    long stop_after_iteration; /* the same for the iteration schedule */
    long resume_every; /* iterations between resume files; 0: TRAINER_RESUME_EVERY */
    /* The outputs at log_path, model_path and (with summary_path)
     * summary_path, opened by the caller with atomic_open before the run,
     * so that an unwritable destination fails before any work, on the
     * member that writes (alone, or member 0 of a group; the others pass
     * NULL).  The trainer writes into them and commits nothing: see
     * trainer_commit. */
    atomic_file_t *log_out, *model_out, *summary_out;
    train_notify_fn notify; /* may be NULL */
    void *notify_ctx;
    comm_t *comm; /* the group sharing every batch; NULL: this process alone */
} trainer_opts_t;

/* Iterations between resume files by default.  The flow's step takes
 * about 0.11 s and the latent ODE's 0.03 s (paper profile), so an
 * interruption loses at most 11 s (3 s) of work; a resume file (the
 * parameters, two moments and the batch order, 150 kB for the flow, plus
 * the log rows so far, 0.6 MB after its 5,000 iterations) is written in
 * 1-2 ms (measured: 0.7 ms on average over a 5,000-iteration run writing
 * one after every iteration), under 0.1 % of the time between two; a
 * file every iteration would cost a few per cent of a small model's
 * time, one every 1,000 would lose up to 2 minutes of the flow's. */
#define TRAINER_RESUME_EVERY 100

/* 0 when trained, 1 when stopped by stop_after_epoch or
 * stop_after_iteration (only MODEL.resume written), -1 with a message.
 * Unless 0, the caller aborts the outputs (atomic_abort), leaving their
 * targets as they were.  A resume file that is not a regular file within
 * core/checkpoint.h's bound, or whose contents no run could have written (an
 * epoch or iteration outside [0, the configured count], a non-finite
 * parameter or moment, ...), is refused (-1, naming the file); one made on
 * another configuration or other data is ignored (notified). */
int trainer_run(const trainer_opts_t *o, err_t *e);

/* After trainer_run returned 0, on the member that writes: commits the
 * log, the checkpoint and the summary together with the caller's n_extra
 * other outputs (atomic_commit_all: all or none), then removes
 * MODEL.resume, which only a finished run no longer needs. */
int trainer_commit(const trainer_opts_t *o, atomic_file_t *const *extra, size_t n_extra,
                   err_t *e);

/* Chunk size for scoring a dataset with this config: the training batch
 * for kinds trained by epochs (their workspace is sized for it), else
 * [data] eval_batch. */
int trainer_score_chunk(const runcfg_t *rc);

#endif
