/* Model kinds: every model the pipeline trains (the MLP-ODE of report 000,
 * the ODE-Net and its ResNet baseline, the flow, the latent ODE and its
 * recurrent baseline)
 * behind one table of operations, so that runcfg, the trainer, scoring,
 * checkpoints, eval and features never ask which model they hold.
 *
 * A kind is one file defining a `const model_kind_t NAME_kind` plus one
 * line in MODEL_KINDS (train/kind.c).  Sizes:
 *   B  examples in a batch        K  output times (1 for classifiers)
 *   F  input features per example (0: the model takes no input)
 *   O  outputs per example and time
 *   S  values of the ODE state h(T) per example (features). */
#ifndef NODE_KIND_H
#define NODE_KIND_H

#include <stddef.h>

#include "data/dataset.h"
#include "models/mlp/mlp_ode.h"
#include "core/rng.h"
#include "train/runcfg.h"
#include "core/util.h"

/* One batch.  Members a kind does not use may be NULL.  A batch of
 * sequences (DATA_SEQUENCES, e.g. the latent ODE's) names its B
 * trajectories by index into `data` instead of copying them: their
 * observations stay where the dataset holds them (K is then 1 and unused). */
typedef struct {
    int B, K;
    const double *x;       /* (B, F) */
    const int *labels;     /* (B) classification */
    const double *targets; /* (K, B, O) regression or trajectory */
    const double *times;   /* (K); NULL: K = 1 at the config's t1 */
    const int *seqs;        /* (B) sequence indices into data (sequences only) */
    const dataset_t *data;  /* the dataset seqs index (sequences only) */
    /* In a group sharing the batch (train/trainer.h): these B examples are
     * examples [group_first, group_first + B) of the group's batch of
     * group_B (0: the batch is this process's alone), and group_seqs names
     * all group_B sequences (sequences only).  A kind whose result depends
     * on the whole batch beyond its error norms (the latent ODE's union of
     * observation times and its noise draws) reads them here. */
    int group_first, group_B;
    const int *group_seqs;
} batch_t;

typedef struct model_kind model_kind_t;

/* A model built by a kind: the kind's own struct behind `impl`, and the
 * sizes every caller needs. */
typedef struct {
    const model_kind_t *kind;
    void *impl;
    size_t n_params;
    int n_inputs;    /* F */
    int n_outputs;   /* O */
    int state_width; /* S */
    int max_batch, max_times;
    int loss_is_sum; /* the loss adds up over examples (sse) rather than averaging */
} kind_model_t;

enum {
    KIND_BY_EPOCHS = 1 << 0, /* trains by [train] epochs with a resume file, else iterations */
    KIND_FLOAT32 = 1 << 1,   /* accepts [model] precision = float32 */
    /* Reads batches of sequences and reports the mse of its outputs
     * (model_result_t.mse): the log's metric and accuracy columns are
     * batch_mse, test_mse and train_mse (latent, rnn). */
    KIND_SEQUENCES = 1 << 2,
};

struct model_kind {
    const char *name;
    unsigned flags;
    /* Kind-specific checks and resolution of rc (called by runcfg after the
     * shared keys are resolved); `source` names the config in messages. */
    int (*resolve)(runcfg_t *rc, const char *source, err_t *e);
    /* Before create, on the training data: adopt sizes the data fixes
     * (e.g. the MLP's input_dim) and refuse data the model cannot fit.
     * May be NULL. */
    int (*fit_data)(runcfg_t *rc, const dataset_t *d, const char *source,
                    const char *data_name, err_t *e);
    /* max_batch examples and max_times output times at most per run.
     * Applies the kind's global settings (e.g. convolution threads). */
    int (*create)(kind_model_t *m, const runcfg_t *rc, int max_batch, int max_times, err_t *e);
    void (*free)(kind_model_t *m);
    void (*init_params)(const kind_model_t *m, double *params, rng_t *rng);
    /* Loss (and, if grad is not NULL, dL/dparams overwriting grad) on a
     * batch. */
    int (*run)(kind_model_t *m, const double *params, const batch_t *b, double *grad,
               model_result_t *res, err_t *e);
    /* Outputs of the last run, (K, B, O) (classifiers: the logits; a batch
     * of sequences: one row per observation, sequence by sequence). */
    const double *(*outputs)(const kind_model_t *m);
    /* Writes h(T) of the last run's B examples and K times, (K, B, S). */
    void (*states)(const kind_model_t *m, int B, int K, double *out);
    /* After create: does dataset d (named data_name) suit this model? */
    int (*check_data)(const kind_model_t *m, const dataset_t *d, const char *data_name,
                      err_t *e);
    /* Generative kinds (may be NULL): carries B points of the base
     * distribution, base (B, F) at the config's t1, back through the model
     * to each of K times (descending from t1 to t0), out (K, B, F). */
    int (*sample)(kind_model_t *m, const double *params, const double *base, int B, int K,
                  const double *times, double *out, err_t *e);
    /* Kinds that read sequences (may be NULL): decodes the B sequences seqs
     * of d at their noise-free truth rows, out (T, O) with T their truth
     * rows (NaN before a sequence's first observation); *nfe_forward gets
     * the evaluations spent. */
    int (*decode_truth)(kind_model_t *m, const double *params, const dataset_t *d,
                        const int *seqs, int B, double *out, long *nfe_forward, err_t *e);
    /* Kinds that draw random numbers of their own while training (may be
     * NULL): the generator, whose state a resume file keeps (the latent
     * ODE's reparameterisation noise). */
    rng_t *(*train_rng)(kind_model_t *m);
};

/* The number of examples a batch's loss is a mean over: the group's
 * batch when shared (train/trainer.h), else the batch's own. */
static inline int batch_mean_over(const batch_t *b) { return b->group_B > 0 ? b->group_B : b->B; }

/* The registered kind called name; the error names every known kind. */
const model_kind_t *model_kind_find(const char *name, err_t *e);
int model_kind_count(void);
const model_kind_t *model_kind_at(int i);
/* "a, b or c" (conjunction "or") of the kinds whose flags include `flags`
 * (all if 0), into buf. */
const char *model_kind_names(unsigned flags, const char *conjunction, char *buf, size_t size);

/* Convenience wrappers that dispatch through m->kind. */
int kind_model_create(kind_model_t *m, const runcfg_t *rc, int max_batch, int max_times,
                      err_t *e);
void kind_model_free(kind_model_t *m);
int kind_model_run(kind_model_t *m, const double *params, const batch_t *b, double *grad,
                   model_result_t *res, err_t *e);

#endif
