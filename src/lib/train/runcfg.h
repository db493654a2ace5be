/* A run's configuration: the INI file `train` reads and the text stored in
 * every checkpoint, so `eval` and `features` rebuild exactly the model that
 * was trained.  Sections: [data], [model], [ode], [train].  Every key is
 * known (an unknown or misspelt key is an error) and documented in
 * train/runcfg.c; Make passes paths on the command line, the INI owns only
 * hyperparameters. */
#ifndef NODE_TRAIN_RUNCFG_H
#define NODE_TRAIN_RUNCFG_H

#include "core/config.h"
#include "nn/gemm.h"
#include "nn/optim.h"
#include "ode/ode.h"
#include "train/kind.h"

/* The largest kind's configuration struct (kind.h's cfg_size). */
#define RUNCFG_KIND_BYTES 8192

struct runcfg {
    /* [data] */
    long train_count, test_count, eval_batch, eval_every;
    int eval_train;
    /* [model]: the keys every kind has; a kind's own keys are in kind_cfg */
    char kind[CFG_STR_MAX], loss[CFG_STR_MAX];
    long input_dim; /* the data's width (fitted by the kind; 0 = none) */
    double t0, t1;
    /* [ode] */
    char method[CFG_STR_MAX], controller[CFG_STR_MAX];
    double rtol, atol, adjoint_rtol, adjoint_atol;
    long max_steps, fixed_steps;
    int seminorm, dense_output;
    /* [train] */
    char optimizer[CFG_STR_MAX];
    long seed, batch_size, iterations, epochs, lbfgs_iterations, threads;
    char gemm[CFG_STR_MAX];
    int shuffle;
    double lr, beta1, beta2, eps, momentum, weight_decay, end_time_jitter;

    /* Resolved */
    struct {
        loss_t loss;
        ode_options_t ode;
        double t0, t1;
    } model;
    opt_config_t opt;
    gemm_backend_t gemm_backend; /* from gemm; the commands apply it */
    const model_kind_t *model_kind; /* from kind */
    /* The kind's own keys, as its struct (models/KIND/); read it with
     * runcfg_kind_cfg. */
    union {
        max_align_t align;
        unsigned char bytes[RUNCFG_KIND_BYTES];
    } kind_cfg;
};

/* The kind's configuration struct (its keys, resolved by its resolve). */
static inline void *runcfg_kind_cfg(runcfg_t *rc) { return rc->kind_cfg.bytes; }
static inline const void *runcfg_kind_cfg_const(const runcfg_t *rc) { return rc->kind_cfg.bytes; }

/* Load from a file or from checkpoint text; resolve and validate every
 * value (the error names the source and the key). */
int runcfg_load(const char *path, runcfg_t *rc, err_t *e);
int runcfg_load_string(const char *name, const char *text, runcfg_t *rc, err_t *e);
/* Applies overrides given as INI text (the command line's --set), then
 * resolves and validates again. */
int runcfg_override(runcfg_t *rc, const char *name, const char *text, err_t *e);
/* The effective configuration as INI text (malloc'd), input_dim included. */
char *runcfg_to_string(runcfg_t *rc);

#endif
