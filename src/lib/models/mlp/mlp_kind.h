/* The MLP kind's own configuration: its [model] keys (train/runcfg.h has
 * the keys every run has) and the model configuration they resolve to.
 * Read it from a run's configuration with runcfg_kind_cfg (the tests do). */
#ifndef NODE_MODELS_MLP_MLP_KIND_H
#define NODE_MODELS_MLP_MLP_KIND_H

#include "core/config.h"
#include "models/mlp/mlp_ode.h"

typedef struct {
    long input_layer, augment, state_dim, readout, readout_offset, output_dim;
    char input_act[CFG_STR_MAX], augment_mode[CFG_STR_MAX], hidden[CFG_STR_MAX],
        hidden_act[CFG_STR_MAX], final_act[CFG_STR_MAX], second_order_input[CFG_STR_MAX];
    int time_dependent, second_order;
    model_config_t model; /* resolved */
} mlp_cfg_t;

#endif
