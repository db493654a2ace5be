#include "train/runcfg.h"

#include "train/kind.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The schema: section, key, type, default (NULL = required), destination. */
#define FIELDS(rc)                                                                          \
    {                                                                                       \
        {"data", "train_count", CFG_LONG, "0", &(rc)->train_count},                         \
        {"data", "test_count", CFG_LONG, "0", &(rc)->test_count},                           \
        {"data", "eval_batch", CFG_LONG, "1000", &(rc)->eval_batch},                        \
        {"data", "eval_train", CFG_BOOL, "false", &(rc)->eval_train},                       \
        {"data", "eval_every", CFG_LONG, "1", &(rc)->eval_every},                           \
        {"model", "kind", CFG_STRING, "mlp", (rc)->kind},                                   \
        {"model", "channels", CFG_LONG, "64", &(rc)->channels},                             \
        {"model", "precision", CFG_STRING, "double", (rc)->precision},                      \
        {"model", "conv_backend", CFG_STRING, "ours", (rc)->conv_backend},                  \
        {"model", "input_dim", CFG_LONG, "0", &(rc)->input_dim},                            \
        {"model", "input_layer", CFG_LONG, "0", &(rc)->input_layer},                        \
        {"model", "input_act", CFG_STRING, "tanh", (rc)->input_act},                        \
        {"model", "augment", CFG_LONG, "0", &(rc)->augment},                                \
        {"model", "augment_mode", CFG_STRING, "zeros", (rc)->augment_mode},                 \
        {"model", "state_dim", CFG_LONG, "0", &(rc)->state_dim},                            \
        {"model", "hidden", CFG_STRING, "", (rc)->hidden},                                  \
        {"model", "hidden_act", CFG_STRING, "tanh", (rc)->hidden_act},                      \
        {"model", "final_act", CFG_STRING, "identity", (rc)->final_act},                    \
        {"model", "time_dependent", CFG_BOOL, "false", &(rc)->time_dependent},              \
        {"model", "second_order", CFG_BOOL, "false", &(rc)->second_order},                  \
        {"model", "second_order_input", CFG_STRING, "position", (rc)->second_order_input},  \
        {"model", "t0", CFG_DOUBLE, "0", &(rc)->t0},                                        \
        {"model", "t1", CFG_DOUBLE, "1", &(rc)->t1},                                        \
        {"model", "readout", CFG_LONG, "0", &(rc)->readout},                                \
        {"model", "readout_offset", CFG_LONG, "0", &(rc)->readout_offset},                  \
        {"model", "output_dim", CFG_LONG, "0", &(rc)->output_dim},                          \
        {"model", "loss", CFG_STRING, "cross_entropy", (rc)->loss},                         \
        {"model", "latent_dim", CFG_LONG, "4", &(rc)->latent_dim},                          \
        {"model", "rnn_hidden", CFG_LONG, "25", &(rc)->rnn_hidden},                         \
        {"model", "decoder_hidden", CFG_LONG, "20", &(rc)->decoder_hidden},                 \
        {"model", "obs_noise", CFG_DOUBLE, "0.1", &(rc)->obs_noise},                        \
        {"ode", "method", CFG_STRING, "dopri5", (rc)->method},                              \
        {"ode", "rtol", CFG_DOUBLE, "1e-3", &(rc)->rtol},                                   \
        {"ode", "atol", CFG_DOUBLE, "1e-3", &(rc)->atol},                                   \
        {"ode", "adjoint_rtol", CFG_DOUBLE, "0", &(rc)->adjoint_rtol},                      \
        {"ode", "adjoint_atol", CFG_DOUBLE, "0", &(rc)->adjoint_atol},                      \
        {"ode", "max_steps", CFG_LONG, "10000", &(rc)->max_steps},                          \
        {"ode", "fixed_steps", CFG_LONG, "10", &(rc)->fixed_steps},                         \
        {"ode", "seminorm", CFG_BOOL, "false", &(rc)->seminorm},                            \
        {"ode", "dense_output", CFG_BOOL, "false", &(rc)->dense_output},                    \
        {"ode", "controller", CFG_STRING, "arkode", (rc)->controller},                      \
        {"train", "seed", CFG_LONG, NULL, &(rc)->seed},                                     \
        {"train", "batch_size", CFG_LONG, NULL, &(rc)->batch_size},                         \
        {"train", "iterations", CFG_LONG, "0", &(rc)->iterations},                          \
        {"train", "epochs", CFG_LONG, "0", &(rc)->epochs},                                  \
        {"train", "shuffle", CFG_BOOL, "false", &(rc)->shuffle},                            \
        {"train", "optimizer", CFG_STRING, "adam", (rc)->optimizer},                        \
        {"train", "lr", CFG_DOUBLE, NULL, &(rc)->lr},                                       \
        {"train", "beta1", CFG_DOUBLE, "0.9", &(rc)->beta1},                                \
        {"train", "beta2", CFG_DOUBLE, "0.999", &(rc)->beta2},                              \
        {"train", "eps", CFG_DOUBLE, "1e-8", &(rc)->eps},                                   \
        {"train", "momentum", CFG_DOUBLE, "0", &(rc)->momentum},                            \
        {"train", "weight_decay", CFG_DOUBLE, "0", &(rc)->weight_decay},                    \
        {"train", "lbfgs_iterations", CFG_LONG, "0", &(rc)->lbfgs_iterations},              \
        {"train", "end_time_jitter", CFG_DOUBLE, "0", &(rc)->end_time_jitter},              \
        {"train", "threads", CFG_LONG, "1", &(rc)->threads},                                \
    }

/* The integer keys' ranges, checked before any is narrowed to int:
 *   [data]  train_count, test_count 0..INT_MAX (0 = all); eval_batch 1..1e6;
 *           eval_every 1..INT_MAX
 *   [model] channels 2..1024 (2..31 or a multiple of 32); input_dim 0..1e6;
 *           input_layer, augment, state_dim, readout, readout_offset,
 *           output_dim 0..65536; latent_dim, rnn_hidden, decoder_hidden
 *           1..4096; hidden: each width 1..4096 (checked by the kinds)
 *   [ode]   max_steps 1..INT_MAX; fixed_steps 1..1e6
 *   [train] seed 0..LONG_MAX; batch_size 1..1e6; iterations,
 *           lbfgs_iterations 0..INT_MAX; epochs 0..1e6; threads 1..64
 * Real keys must be finite; rtol, atol, obs_noise, lr, eps positive;
 * adjoint_rtol, adjoint_atol, weight_decay >= 0 (adjoint tolerances 0 = the
 * forward ones); beta1, beta2, momentum in [0, 1); t1 > t0; end_time_jitter
 * in [0, t1 - t0). */
#define RANGE(section, key, lo, hi) {section, #key, offsetof(runcfg_t, key), lo, hi}
#define RANGES                                                                              \
    {                                                                                       \
        RANGE("data", train_count, 0, INT_MAX), RANGE("data", test_count, 0, INT_MAX),      \
        RANGE("data", eval_batch, 1, 1000000), RANGE("data", eval_every, 1, INT_MAX),       \
        RANGE("model", channels, 2, 1024), RANGE("model", input_dim, 0, 1000000),           \
        RANGE("model", input_layer, 0, 65536), RANGE("model", augment, 0, 65536),           \
        RANGE("model", state_dim, 0, 65536), RANGE("model", readout, 0, 65536),             \
        RANGE("model", readout_offset, 0, 65536), RANGE("model", output_dim, 0, 65536),     \
        RANGE("model", latent_dim, 1, 4096), RANGE("model", rnn_hidden, 1, 4096),           \
        RANGE("model", decoder_hidden, 1, 4096), RANGE("ode", max_steps, 1, INT_MAX),       \
        RANGE("ode", fixed_steps, 1, 1000000), RANGE("train", seed, 0, LONG_MAX),           \
        RANGE("train", batch_size, 1, 1000000), RANGE("train", iterations, 0, INT_MAX),     \
        RANGE("train", epochs, 0, 1000000), RANGE("train", lbfgs_iterations, 0, INT_MAX),   \
        RANGE("train", threads, 1, 64),                                                     \
    }

static int resolve(const char *name, runcfg_t *rc, err_t *e)
{
    model_config_t *m = &rc->model;
    *m = model_config_default();
#define NEED(cond, ...)                                                                     \
    do {                                                                                    \
        if (!(cond))                                                                        \
            return err_set(e, __VA_ARGS__);                                                 \
    } while (0)
    /* Every integer key within its documented range (RANGES above) before
     * any cast to int. */
    static const struct {
        const char *section, *key;
        size_t offset;
        long lo, hi;
    } ranges[] = RANGES;
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        long v = *(const long *)(const void *)((const char *)rc + ranges[i].offset);
        NEED(v >= ranges[i].lo && v <= ranges[i].hi, "%s: [%s] %s = %ld is out of range %ld..%ld",
             name, ranges[i].section, ranges[i].key, v, ranges[i].lo, ranges[i].hi);
    }
    /* Real keys: finite (core/config.c refuses nan and inf) and in range. */
    NEED(rc->rtol > 0 && rc->atol > 0, "%s: [ode] rtol and atol must be positive (got %g, %g)",
         name, rc->rtol, rc->atol);
    NEED(rc->adjoint_rtol >= 0 && rc->adjoint_atol >= 0,
         "%s: [ode] adjoint_rtol and adjoint_atol must be >= 0 (0 = as forward; got %g, %g)",
         name, rc->adjoint_rtol, rc->adjoint_atol);
    NEED(rc->obs_noise > 0, "%s: [model] obs_noise must be positive (got %g)", name, rc->obs_noise);
    NEED(rc->lr > 0, "%s: [train] lr = %g must be positive", name, rc->lr);
    NEED(rc->beta1 >= 0 && rc->beta1 < 1, "%s: [train] beta1 = %g is not in [0, 1)", name,
         rc->beta1);
    NEED(rc->beta2 >= 0 && rc->beta2 < 1, "%s: [train] beta2 = %g is not in [0, 1)", name,
         rc->beta2);
    NEED(rc->eps > 0, "%s: [train] eps = %g must be positive", name, rc->eps);
    NEED(rc->momentum >= 0 && rc->momentum < 1, "%s: [train] momentum = %g is not in [0, 1)",
         name, rc->momentum);
    NEED(rc->weight_decay >= 0, "%s: [train] weight_decay = %g must not be negative", name,
         rc->weight_decay);
    NEED(rc->t1 > rc->t0, "%s: [model] t1 = %g must be greater than t0 = %g", name, rc->t1,
         rc->t0);
    m->input_dim = (int)rc->input_dim;
    m->input_layer = (int)rc->input_layer;
    m->augment = (int)rc->augment;
    m->state_dim = (int)rc->state_dim;
    m->readout = (int)rc->readout;
    m->readout_offset = (int)rc->readout_offset;
    m->output_dim = (int)rc->output_dim;
    NEED(act_parse(rc->input_act, &m->input_act) == 0,
         "%s: [model] input_act: unknown activation '%s'", name, rc->input_act);
    NEED(act_parse(rc->hidden_act, &m->hidden_act) == 0,
         "%s: [model] hidden_act: unknown activation '%s'", name, rc->hidden_act);
    NEED(act_parse(rc->final_act, &m->final_act) == 0,
         "%s: [model] final_act: unknown activation '%s'", name, rc->final_act);
    if (strcmp(rc->augment_mode, "zeros") == 0)
        m->augment_input_layer = 0;
    else if (strcmp(rc->augment_mode, "input_layer") == 0)
        m->augment_input_layer = 1;
    else
        return err_set(e, "%s: [model] augment_mode: '%s' is neither zeros nor input_layer",
                       name, rc->augment_mode);
    err_t ke = {{0}};
    const model_kind_t *kind = model_kind_find(rc->kind, &ke);
    if (!kind)
        return err_set(e, "%s: [model] kind: %s", name, ke.msg);
    rc->model_kind = kind;
    NEED(rc->channels % 32 == 0 || rc->channels < 32,
         "%s: [model] channels must be 2..31 or a multiple of 32", name);
    int float32_ok = (kind->flags & KIND_FLOAT32) != 0;
    char float32_kinds[128];
    model_kind_names(KIND_FLOAT32, "and", float32_kinds, sizeof float32_kinds);
    NEED(!strcmp(rc->precision, "double") || (float32_ok && !strcmp(rc->precision, "float32")),
         "%s: [model] precision: '%s' is not double%s%s%s", name, rc->precision,
         float32_ok ? " or float32" : " (float32 is for ", float32_ok ? "" : float32_kinds,
         float32_ok ? "" : ")");
    NEED(!strcmp(rc->conv_backend, "ours") ||
             (float32_ok && !strcmp(rc->conv_backend, "onednn") && !strcmp(rc->precision, "float32")),
         "%s: [model] conv_backend: '%s' is not ours%s", name, rc->conv_backend,
         float32_ok ? " or onednn (with precision = float32)" : " (onednn is for the float32 kinds)");
    int by_epochs = (kind->flags & KIND_BY_EPOCHS) != 0;
    NEED(!by_epochs || rc->epochs > 0, "%s: [train] epochs must be positive for %s", name,
         rc->kind);
    NEED(by_epochs || rc->iterations > 0 || rc->lbfgs_iterations > 0,
         "%s: [train] iterations must be positive", name);
    m->time_dependent = rc->time_dependent;
    /* What g of a second-order model reads: the position (h'' = g(h)) or
     * the whole state (h'' = g(h, h')). */
    int so_state = !strcmp(rc->second_order_input, "state");
    NEED(so_state || !strcmp(rc->second_order_input, "position"),
         "%s: [model] second_order_input: '%s' is neither position nor state", name,
         rc->second_order_input);
    NEED(rc->second_order || !so_state,
         "%s: [model] second_order_input = state needs second_order = true", name);
    m->second_order = rc->second_order ? 1 + so_state : 0;
    m->t0 = rc->t0;
    m->t1 = rc->t1;
    NEED(loss_parse(rc->loss, &m->loss) == 0,
         "%s: [model] loss: unknown loss '%s' (cross_entropy, mse, sse, nll, elbo)", name, rc->loss);
    NEED(ode_method_parse(rc->method, &m->ode.method) == 0,
         "%s: [ode] method: unknown method '%s' (dopri5, tsit5, bosh3, verner6, rk4, euler)",
         name, rc->method);
    m->ode.rtol = rc->rtol;
    m->ode.atol = rc->atol;
    m->ode.adjoint_rtol = rc->adjoint_rtol;
    m->ode.adjoint_atol = rc->adjoint_atol;
    m->ode.max_steps = rc->max_steps;
    m->ode.fixed_steps = rc->fixed_steps;
    m->ode.seminorm = rc->seminorm;
    m->ode.dense_output = rc->dense_output;
    NEED(ode_controller_parse(rc->controller, &m->ode.controller) == 0,
         "%s: [ode] controller: unknown controller '%s' (arkode, elementary)", name,
         rc->controller);
    NEED(rc->end_time_jitter >= 0 && rc->end_time_jitter < rc->t1 - rc->t0,
         "%s: [train] end_time_jitter must be in [0, t1 - t0)", name);
    memset(&rc->opt, 0, sizeof rc->opt);
    if (strcmp(rc->optimizer, "adam") == 0)
        rc->opt.kind = OPT_ADAM;
    else if (strcmp(rc->optimizer, "sgd") == 0)
        rc->opt.kind = OPT_SGD;
    else
        return err_set(e, "%s: [train] optimizer: '%s' is neither adam nor sgd", name,
                       rc->optimizer);
    rc->opt.lr = rc->lr;
    rc->opt.beta1 = rc->beta1;
    rc->opt.beta2 = rc->beta2;
    rc->opt.eps = rc->eps;
    rc->opt.momentum = rc->momentum;
    rc->opt.weight_decay = rc->weight_decay;
#undef NEED
    /* Last, so that a kind sees every shared key resolved. */
    return kind->resolve ? kind->resolve(rc, name, e) : 0;
}

int runcfg_load(const char *path, runcfg_t *rc, err_t *e)
{
    memset(rc, 0, sizeof *rc);
    cfg_field_t fields[] = FIELDS(rc);
    if (config_load(path, fields, sizeof fields / sizeof fields[0], e) != 0)
        return -1;
    return resolve(path, rc, e);
}

int runcfg_load_string(const char *name, const char *text, runcfg_t *rc, err_t *e)
{
    memset(rc, 0, sizeof *rc);
    cfg_field_t fields[] = FIELDS(rc);
    if (config_load_string(name, text, fields, sizeof fields / sizeof fields[0], e) != 0)
        return -1;
    return resolve(name, rc, e);
}

char *runcfg_to_string(runcfg_t *rc)
{
    cfg_field_t fields[] = FIELDS(rc);
    return config_to_string(fields, sizeof fields / sizeof fields[0]);
}

int runcfg_override(runcfg_t *rc, const char *name, const char *text, err_t *e)
{
    cfg_field_t fields[] = FIELDS(rc);
    if (config_apply_string(name, text, fields, sizeof fields / sizeof fields[0], e) != 0)
        return -1;
    return resolve(name, rc, e);
}
