/* The MLP-ODE models of report 000: optional input layer, augmentation,
 * ODE block, readout of the first dimensions, optional linear output layer,
 * and the loss.
 *
 *   x (B, input_dim) -> [Dense(input_dim -> d, input_act)] -> z0 (B, d)
 *   ANODE: h0 = [z0, 0_p]        IL-ANODE: the input layer is d + p wide
 *   h(t_k) = ODE block (B, D), D = d + p, k = 1..K
 *   r_k = h(t_k)[:, off:off+readout] -> [Dense(readout -> output_dim)] -> y_k
 *   loss: cross-entropy (K = 1), mean or summed squared error.
 * With input_dim = 0 the state starts at zero (trajectory fitting, the
 * sines of report 000) and d = state_dim.
 *
 * Parameters, one flat vector: input layer | vector field | output layer. */
#ifndef NODE_MODELS_MLP_MLP_ODE_H
#define NODE_MODELS_MLP_MLP_ODE_H

#include "nn/mlp_field.h"
#include "nn/dense.h"
#include "ode/ode.h"
#include "core/rng.h"
#include "train/kind.h" /* loss_t, model_result_t */

typedef struct {
    int input_dim;
    int input_layer; /* width d of the input layer; 0 = none (d = input_dim) */
    act_t input_act;
    int augment;             /* p */
    int augment_input_layer; /* IL-ANODE: input layer is d + p wide, no zeros */
    int state_dim;           /* d when input_dim = 0 */
    int n_hidden;
    int hidden[MLP_MAX_LAYERS - 1];
    act_t hidden_act, final_act;
    int time_dependent, second_order;
    double t0, t1;
    int readout;        /* components of h read out; 0 = all D */
    int readout_offset; /* first component read (second order: D/2 = position) */
    int output_dim; /* 0 = no output layer */
    loss_t loss;
    ode_options_t ode;
} model_config_t;

model_config_t model_config_default(void);

typedef struct {
    model_config_t cfg;
    int d, D, R, O; /* data, state, readout and output widths */
    int max_batch, max_times;
    size_t n_params, field_offset, output_offset;
    mlp_t input_mlp, output_mlp; /* one layer each, if present */
    field_t field;
    ode_solver_t *solver;
    mlp_ws_t input_ws, output_ws;
    double *h0;       /* (B, D) */
    double *h_out;    /* (K, B*D) */
    double *readout;  /* (K*B, R) */
    double *pred;     /* (K*B, O) = predictions after model_run */
    double *dpred;    /* (K*B, O) */
    double *dreadout; /* (K*B, R) */
    double *dL_dh;    /* (K, B*D) */
    double *dL_dh0;   /* (B, D) */
    double *dz0;      /* (B, d or D) */
    double *dtimes;   /* (K + 1) */
    /* The batch the loss is a mean over: a group's (train/trainer.h), set by the
     * kind for a run; 0: the run's own B. */
    int loss_B;
} model_t;

int model_create(model_t *m, const model_config_t *cfg, int max_batch, int max_times, err_t *e);
void model_free(model_t *m);
/* Glorot-uniform weights, zero biases, from the run's generator. */
void model_init_params(const model_t *m, double *params, rng_t *rng);

/* Forward pass and loss on a batch.  x (B, input_dim) (ignored when
 * input_dim = 0); labels (B) for cross-entropy, else targets (K, B, O).
 * times: K output times (NULL: K = 1 at cfg.t1).  If grad is not NULL it is
 * overwritten with dL/dparams and res->dL_dT is set.  Predictions are left
 * in m->pred, (K, B, O). */
int model_run(model_t *m, const double *params, const double *x, const int *labels,
              const double *targets, int B, int K, const double *times, double *grad,
              model_result_t *res, err_t *e);

/* h(t_k) of the last model_run: (K, B, D). */
const double *model_states(const model_t *m);

#endif
