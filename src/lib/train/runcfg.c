#include "train/runcfg.h"

#include "train/kind.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The keys every run has: section, key, type, default (NULL = required),
 * destination.  A kind's own keys follow its section's (build_fields). */
#define FIELDS(rc)                                                                          \
    {                                                                                       \
        {"data", "train_count", CFG_LONG, "0", &(rc)->train_count},                         \
        {"data", "test_count", CFG_LONG, "0", &(rc)->test_count},                           \
        {"data", "eval_batch", CFG_LONG, "1000", &(rc)->eval_batch},                        \
        {"data", "eval_train", CFG_BOOL, "false", &(rc)->eval_train},                       \
        {"data", "eval_every", CFG_LONG, "1", &(rc)->eval_every},                           \
        {"model", "kind", CFG_STRING, "mlp", (rc)->kind},                                   \
        {"model", "input_dim", CFG_LONG, "0", &(rc)->input_dim},                            \
        {"model", "t0", CFG_DOUBLE, "0", &(rc)->t0},                                        \
        {"model", "t1", CFG_DOUBLE, "1", &(rc)->t1},                                        \
        {"model", "loss", CFG_STRING, "cross_entropy", (rc)->loss},                         \
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
        {"train", "gemm", CFG_STRING, "openblas", (rc)->gemm},                              \
    }
#define N_COMMON 36
#define MAX_FIELDS (N_COMMON + 64)

/* The integer keys' ranges, checked before any is narrowed to int:
 *   [data]  train_count, test_count 0..INT_MAX (0 = all); eval_batch 1..1e6;
 *           eval_every 1..INT_MAX
 *   [model] input_dim 0..1e6 (a kind's own keys: its kind_key_t ranges)
 *   [ode]   max_steps 1..INT_MAX; fixed_steps 1..1e6
 *   [train] seed 0..LONG_MAX; batch_size 1..1e6; iterations,
 *           lbfgs_iterations 0..INT_MAX; epochs 0..1e6; threads 1..64
 * Real keys must be finite; rtol, atol, lr, eps positive; adjoint_rtol,
 * adjoint_atol, weight_decay >= 0 (adjoint tolerances 0 = the forward
 * ones); beta1, beta2, momentum in [0, 1); t1 > t0; end_time_jitter in
 * [0, t1 - t0). */
#define RANGE(section, key, lo, hi) {section, #key, offsetof(runcfg_t, key), lo, hi}
#define RANGES                                                                              \
    {                                                                                       \
        RANGE("data", train_count, 0, INT_MAX), RANGE("data", test_count, 0, INT_MAX),      \
        RANGE("data", eval_batch, 1, 1000000), RANGE("data", eval_every, 1, INT_MAX),       \
        RANGE("model", input_dim, 0, 1000000), RANGE("ode", max_steps, 1, INT_MAX),         \
        RANGE("ode", fixed_steps, 1, 1000000), RANGE("train", seed, 0, LONG_MAX),           \
        RANGE("train", batch_size, 1, 1000000), RANGE("train", iterations, 0, INT_MAX),     \
        RANGE("train", epochs, 0, 1000000), RANGE("train", lbfgs_iterations, 0, INT_MAX),   \
        RANGE("train", threads, 1, 64),                                                     \
    }

/* The schema of a run of kind k: the common keys with k's own after its
 * section's common ones (so that a configuration written back lists each
 * section together), into out (MAX_FIELDS); returns the count. */
static size_t build_fields(runcfg_t *rc, const model_kind_t *k, cfg_field_t *out)
{
    cfg_field_t common[] = FIELDS(rc);
    _Static_assert(sizeof common / sizeof common[0] == N_COMMON, "N_COMMON");
    size_t n = 0;
    const char *sections[] = {"data", "model", "ode", "train"};
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        for (size_t i = 0; i < N_COMMON; i++)
            if (!strcmp(common[i].section, sections[s]))
                out[n++] = common[i];
        for (int i = 0; k && i < k->n_keys && n < MAX_FIELDS; i++)
            if (!strcmp(k->keys[i].section, sections[s]))
                out[n++] = (cfg_field_t){k->keys[i].section, k->keys[i].key, k->keys[i].type,
                                         k->keys[i].default_value,
                                         rc->kind_cfg.bytes + k->keys[i].offset};
    }
    return n;
}

/* The kind a configuration names ([model] kind, default mlp), read before
 * its keys are (they depend on it).  An unreadable file gives the default:
 * the strict parse that follows says what is wrong with it. */
static const model_kind_t *named_kind(const char *path, const char *text, const char *name,
                                      err_t *e)
{
    char kind[CFG_STR_MAX];
    if (config_peek(path, text, "model", "kind", kind) != 1)
        strcpy(kind, "mlp");
    err_t ke = {{0}};
    const model_kind_t *k = model_kind_find(kind, &ke);
    if (!k)
        err_set(e, "%s: [model] kind: %s", name, ke.msg);
    else if (k->cfg_size > RUNCFG_KIND_BYTES)
        err_set(e, "%s: [model] kind: %s's configuration (%zu bytes) exceeds RUNCFG_KIND_BYTES",
                name, k->name, k->cfg_size);
    else
        return k;
    return NULL;
}

/* Appends to an unknown-key error which keys the kind takes. */
static int explain_unknown(const model_kind_t *k, err_t *e)
{
    if (!strstr(e->msg, "unknown key") || !k->n_keys)
        return -1;
    size_t used = strlen(e->msg);
    int n = snprintf(e->msg + used, sizeof e->msg - used, " (kind %s's own keys:", k->name);
    for (int i = 0; n > 0 && i < k->n_keys; i++) {
        used += (size_t)n;
        if (used >= sizeof e->msg)
            break;
        n = snprintf(e->msg + used, sizeof e->msg - used, " [%s] %s%s", k->keys[i].section,
                     k->keys[i].key, i + 1 < k->n_keys ? "," : ")");
    }
    return -1;
}

#define NEED(cond, ...)                                                                     \
    do {                                                                                    \
        if (!(cond))                                                                        \
            return err_set(e, __VA_ARGS__);                                                 \
    } while (0)

/* Every integer key within its documented range (RANGES above; a kind's
 * own keys: their kind_key_t ranges) before any cast to int. */
static int check_ranges(const char *name, const runcfg_t *rc, err_t *e)
{
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
    const model_kind_t *k = rc->model_kind;
    for (int i = 0; i < k->n_keys; i++) {
        const kind_key_t *kk = &k->keys[i];
        if (kk->type != CFG_LONG)
            continue;
        long v = *(const long *)(const void *)(rc->kind_cfg.bytes + kk->offset);
        NEED(v >= kk->lo && v <= kk->hi, "%s: [%s] %s = %ld is out of range %ld..%ld", name,
             kk->section, kk->key, v, kk->lo, kk->hi);
    }
    return 0;
}

/* Real keys: finite (core/config.c refuses nan and inf) and in range. */
static int check_reals(const char *name, const runcfg_t *rc, err_t *e)
{
    NEED(rc->rtol > 0 && rc->atol > 0, "%s: [ode] rtol and atol must be positive (got %g, %g)",
         name, rc->rtol, rc->atol);
    NEED(rc->adjoint_rtol >= 0 && rc->adjoint_atol >= 0,
         "%s: [ode] adjoint_rtol and adjoint_atol must be >= 0 (0 = as forward; got %g, %g)",
         name, rc->adjoint_rtol, rc->adjoint_atol);
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
    NEED(rc->end_time_jitter >= 0 && rc->end_time_jitter < rc->t1 - rc->t0,
         "%s: [train] end_time_jitter must be in [0, t1 - t0)", name);
    return 0;
}

/* The schedule the kind trains by, the loss, the solver's options. */
static int resolve_model(const char *name, runcfg_t *rc, err_t *e)
{
    int by_epochs = (rc->model_kind->flags & KIND_BY_EPOCHS) != 0;
    NEED(!by_epochs || rc->epochs > 0, "%s: [train] epochs must be positive for %s", name,
         rc->kind);
    NEED(by_epochs || rc->iterations > 0 || rc->lbfgs_iterations > 0,
         "%s: [train] iterations must be positive", name);
    rc->model.t0 = rc->t0;
    rc->model.t1 = rc->t1;
    NEED(loss_parse(rc->loss, &rc->model.loss) == 0,
         "%s: [model] loss: unknown loss '%s' (cross_entropy, mse, sse, nll, elbo)", name, rc->loss);
    ode_options_t *o = &rc->model.ode;
    *o = ode_options_default();
    NEED(ode_method_parse(rc->method, &o->method) == 0,
         "%s: [ode] method: unknown method '%s' (dopri5, tsit5, bosh3, verner6, rk4, euler)",
         name, rc->method);
    o->rtol = rc->rtol;
    o->atol = rc->atol;
    o->adjoint_rtol = rc->adjoint_rtol;
    o->adjoint_atol = rc->adjoint_atol;
    o->max_steps = rc->max_steps;
    o->fixed_steps = rc->fixed_steps;
    o->seminorm = rc->seminorm;
    o->dense_output = rc->dense_output;
    NEED(ode_controller_parse(rc->controller, &o->controller) == 0,
         "%s: [ode] controller: unknown controller '%s' (arkode, elementary)", name,
         rc->controller);
    return 0;
}

static int resolve_optimizer(const char *name, runcfg_t *rc, err_t *e)
{
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
    return 0;
}
#undef NEED

/* Checks and resolves every key; rc->model_kind is the kind whose keys
 * were parsed. */
static int resolve(const char *name, runcfg_t *rc, err_t *e)
{
    if (check_ranges(name, rc, e) != 0 || check_reals(name, rc, e) != 0 ||
        resolve_model(name, rc, e) != 0 || resolve_optimizer(name, rc, e) != 0)
        return -1;
    if (gemm_backend_parse(rc->gemm, &rc->gemm_backend) != 0)
        return err_set(e, "%s: [train] gemm: '%s' is neither openblas nor xsmm", name, rc->gemm);
    /* Last, so that a kind sees every shared key resolved. */
    return rc->model_kind->resolve ? rc->model_kind->resolve(rc, name, e) : 0;
}

/* Parses path or text (name in messages) with the schema of the kind it
 * names; apply: only the keys present (overrides of rc's kind). */
static int parse(const char *path, const char *name, const char *text, runcfg_t *rc, err_t *e)
{
    const model_kind_t *k = named_kind(path, text, name, e);
    if (!k)
        return -1;
    memset(rc, 0, sizeof *rc);
    rc->model_kind = k;
    cfg_field_t fields[MAX_FIELDS];
    size_t n = build_fields(rc, k, fields);
    int r = path ? config_load(path, fields, n, e) : config_load_string(name, text, fields, n, e);
    if (r != 0)
        return explain_unknown(k, e);
    return resolve(name, rc, e);
}

int runcfg_load(const char *path, runcfg_t *rc, err_t *e) { return parse(path, path, NULL, rc, e); }

int runcfg_load_string(const char *name, const char *text, runcfg_t *rc, err_t *e)
{
    return parse(NULL, name, text, rc, e);
}

/* [train] gemm is written only when it is not the default: the default's
 * checkpoints stay byte-identical to those written before the key existed
 * (loading gives the default back). */
char *runcfg_to_string(runcfg_t *rc)
{
    cfg_field_t fields[MAX_FIELDS];
    size_t n = build_fields(rc, rc->model_kind, fields), kept = 0;
    for (size_t i = 0; i < n; i++)
        if (fields[i].dest != (void *)rc->gemm || rc->gemm_backend != GEMM_OPENBLAS)
            fields[kept++] = fields[i];
    return config_to_string(fields, kept);
}

/* --set may switch between kinds that share one table of keys (odenet and
 * resnet); any other change of kind would leave the first kind's keys in
 * place of the second's, so it is refused. */
int runcfg_override(runcfg_t *rc, const char *name, const char *text, err_t *e)
{
    char kind[CFG_STR_MAX];
    if (config_peek(NULL, text, "model", "kind", kind) == 1 && strcmp(kind, rc->kind) != 0) {
        err_t ke = {{0}};
        const model_kind_t *k = model_kind_find(kind, &ke);
        if (!k)
            return err_set(e, "%s: [model] kind: %s", name, ke.msg);
        if (k->keys != rc->model_kind->keys)
            return err_set(e, "%s: [model] kind: %s cannot become %s here (their keys differ: "
                              "write a configuration for %s)", name, rc->kind, kind, kind);
        rc->model_kind = k;
    }
    cfg_field_t fields[MAX_FIELDS];
    size_t n = build_fields(rc, rc->model_kind, fields);
    if (config_apply_string(name, text, fields, n, e) != 0)
        return explain_unknown(rc->model_kind, e);
    return resolve(name, rc, e);
}
