#include "runcfg.h"

#include "kind.h"

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

static int resolve(const char *name, runcfg_t *rc, err_t *e)
{
    model_config_t *m = &rc->model;
    *m = model_config_default();
#define NEED(cond, ...)                                                                     \
    do {                                                                                    \
        if (!(cond))                                                                        \
            return err_set(e, __VA_ARGS__);                                                 \
    } while (0)
    NEED(rc->input_dim >= 0 && rc->input_layer >= 0 && rc->augment >= 0 && rc->state_dim >= 0 &&
             rc->readout >= 0 && rc->readout_offset >= 0 && rc->output_dim >= 0,
         "%s: [model] dimensions must not be negative", name);
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
    NEED(rc->channels >= 2 && rc->channels <= 1024 && (rc->channels % 32 == 0 || rc->channels < 32),
         "%s: [model] channels must be 2..31 or a multiple of 32", name);
    int float32_ok = (kind->flags & KIND_FLOAT32) != 0;
    char float32_kinds[128];
    model_kind_names(KIND_FLOAT32, "and", float32_kinds, sizeof float32_kinds);
    NEED(!strcmp(rc->precision, "double") || (float32_ok && !strcmp(rc->precision, "float32")),
         "%s: [model] precision: '%s' is not double%s%s%s", name, rc->precision,
         float32_ok ? " or float32" : " (float32 is for ", float32_ok ? "" : float32_kinds,
         float32_ok ? "" : ")");
    int by_epochs = (kind->flags & KIND_BY_EPOCHS) != 0;
    NEED(!by_epochs || rc->epochs > 0, "%s: [train] epochs must be positive for %s", name,
         rc->kind);
    NEED(by_epochs || rc->iterations > 0 || rc->lbfgs_iterations > 0,
         "%s: [train] iterations must be positive", name);
    m->time_dependent = rc->time_dependent;
    m->second_order = rc->second_order;
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
    NEED(rc->rtol > 0 && rc->atol > 0, "%s: [ode] rtol and atol must be positive", name);
    NEED(rc->max_steps > 0, "%s: [ode] max_steps must be positive", name);
    NEED(rc->fixed_steps > 0, "%s: [ode] fixed_steps must be positive", name);
    NEED(rc->batch_size > 0, "%s: [train] batch_size must be positive", name);
    NEED(rc->iterations >= 0 && rc->lbfgs_iterations >= 0 && rc->epochs >= 0,
         "%s: [train] iterations must not be negative", name);
    NEED(rc->threads >= 1 && rc->threads <= 64, "%s: [train] threads must be 1..64", name);
    NEED(rc->train_count >= 0 && rc->test_count >= 0 && rc->eval_batch > 0,
         "%s: [data] counts must not be negative, eval_batch positive", name);
    NEED(rc->eval_every >= 1, "%s: [data] eval_every must be positive", name);
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
