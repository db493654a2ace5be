/* Model kinds: every model the pipeline trains (the MLP-ODE of report 000,
 * the ODE-Net and its ResNet baseline, the flow, the latent ODE and its
 * recurrent baseline)
 * behind one table of operations, so that runcfg, the trainer, scoring,
 * checkpoints, eval and features never ask which model they hold.
 *
 * A kind is one folder, src/lib/models/KIND/, whose files define a
 * `const model_kind_t NAME_kind` (its table, with its own config keys),
 * plus one line in MODEL_KINDS (train/kind.c).  Sizes:
 *   B  examples in a batch        K  output times (1 for classifiers)
 *   F  input features per example (0: the model takes no input)
 *   O  outputs per example and time
 *   S  values of the ODE state h(T) per example (features). */
#ifndef NODE_TRAIN_KIND_H
#define NODE_TRAIN_KIND_H

#include <stddef.h>

#include "core/config.h"
#include "core/rng.h"
#include "core/util.h"
#include "data/dataset.h"
#include "ode/ode.h"

/* The run's configuration (train/runcfg.h, which includes this header). */
typedef struct runcfg runcfg_t;

/* What a kind's loss is.  LOSS_NLL: the mean negative log-likelihood per
 * example: of a density model's points (cnf), or of a sequence's
 * observations under Gaussian noise of known sd (rnn).  LOSS_ELBO: the mean
 * negative evidence lower bound per trajectory (latent). */
typedef enum { LOSS_CE, LOSS_MSE, LOSS_SSE, LOSS_NLL, LOSS_ELBO } loss_t;

/* "cross_entropy", "mse", "sse", "nll", "elbo" -> loss; -1 if unknown. */
int loss_parse(const char *name, loss_t *out);
const char *loss_name(loss_t l);

/* What one run of a model on a batch gives back. */
typedef struct {
    double loss;
    long correct; /* classification: argmax hits */
    long count;   /* examples scored */
    double dL_dT; /* derivative of the loss with respect to the end time */
    /* Reconstruction error (latent; rnn: of its predictions): the mean
     * squared error of the outputs against the observations, over
     * mse_count values (0: not computed). */
    double mse;
    long mse_count;
    ode_stats_t ode;
} model_result_t;

/* One of a kind's own config keys (train/runcfg.h keeps only the keys
 * every run has): its place in the kind's configuration struct, which
 * lives in the run's configuration (runcfg_kind_cfg), and for an integer
 * the range checked before the kind's resolve sees it. */
typedef struct {
    const char *section, *key;
    cfg_type_t type;
    const char *default_value; /* NULL = required */
    size_t offset;             /* within the kind's configuration struct */
    long lo, hi;               /* CFG_LONG: accepted range */
} kind_key_t;

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
    /* (1 << 1 was KIND_FLOAT32: precision is now the conv kinds' own key) */
    /* Reads batches of sequences and reports the mse of its outputs
     * (model_result_t.mse): the log's metric and accuracy columns are
     * batch_mse, test_mse and train_mse (latent, rnn). */
    KIND_SEQUENCES = 1 << 2,
};

struct model_kind {
    const char *name;
    unsigned flags;
    /* The kind's own keys, in the order a configuration lists them, and the
     * size of the struct they fill (at most RUNCFG_KIND_BYTES).  Kinds that
     * share one table of keys (odenet and resnet) may switch between each
     * other under --set model.kind. */
    const kind_key_t *keys;
    int n_keys;
    size_t cfg_size;
    /* Kind-specific checks and resolution of rc (called by runcfg after the
     * shared keys and the kind's own are parsed and range-checked);
     * `source` names the config in messages. */
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
