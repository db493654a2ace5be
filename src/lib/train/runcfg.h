/* A run's configuration: the INI file `train` reads and the text stored in
 * every checkpoint, so `eval` and `features` rebuild exactly the model that
 * was trained.  Sections: [data], [model], [ode], [train].  Every key is
 * known (an unknown or misspelt key is an error) and documented in
 * train/runcfg.c; Make passes paths on the command line, the INI owns only
 * hyperparameters. */
#ifndef NODE_RUNCFG_H
#define NODE_RUNCFG_H

#include "core/config.h"
#include "models/mlp/mlp_ode.h"
#include "nn/optim.h"

typedef struct {
    /* [data] */
    long train_count, test_count, eval_batch, eval_every;
    int eval_train;
    /* [model] as strings, resolved into model below */
    char kind[CFG_STR_MAX], precision[CFG_STR_MAX];
    long channels, epochs;
    char input_act[CFG_STR_MAX], augment_mode[CFG_STR_MAX], second_order_input[CFG_STR_MAX],
        hidden[CFG_STR_MAX],
        hidden_act[CFG_STR_MAX], final_act[CFG_STR_MAX], loss[CFG_STR_MAX],
        method[CFG_STR_MAX], optimizer[CFG_STR_MAX], controller[CFG_STR_MAX],
        conv_backend[CFG_STR_MAX];
    long input_dim, input_layer, augment, state_dim, readout, readout_offset, output_dim;
    int time_dependent, second_order, seminorm, dense_output, shuffle;
    double t0, t1;
    long latent_dim, rnn_hidden, decoder_hidden; /* latent kind */
    double obs_noise;                            /* latent kind */
    /* [ode] */
    double rtol, atol, adjoint_rtol, adjoint_atol;
    long max_steps, fixed_steps;
    /* [train] */
    long seed, batch_size, iterations, lbfgs_iterations, threads;
    double lr, beta1, beta2, eps, momentum, weight_decay, end_time_jitter;

    model_config_t model; /* resolved (the MLP kind's; shared ODE options for all) */
    opt_config_t opt;     /* resolved */
    const struct model_kind *model_kind; /* resolved from kind (train/kind.h) */
} runcfg_t;

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
