#include "nn/optim.h"

#include <lbfgs.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int optimizer_init(optimizer_t *o, const opt_config_t *cfg, size_t n, err_t *e)
{
    memset(o, 0, sizeof *o);
    if (!(cfg->lr > 0))
        return err_set(e, "optimizer: lr must be positive (got %g)", cfg->lr);
    if (cfg->kind == OPT_ADAM) {
        if (!(cfg->beta1 >= 0 && cfg->beta1 < 1))
            return err_set(e, "optimizer: beta1 must be in [0, 1) (got %g)", cfg->beta1);
        if (!(cfg->beta2 >= 0 && cfg->beta2 < 1))
            return err_set(e, "optimizer: beta2 must be in [0, 1) (got %g)", cfg->beta2);
        if (!(cfg->eps > 0))
            return err_set(e, "optimizer: eps must be positive (got %g)", cfg->eps);
    } else if (cfg->kind == OPT_SGD) {
        if (!(cfg->momentum >= 0 && cfg->momentum < 1))
            return err_set(e, "optimizer: momentum must be in [0, 1) (got %g)", cfg->momentum);
    } else {
        return err_set(e, "optimizer: unknown kind %d", (int)cfg->kind);
    }
    if (!(cfg->weight_decay >= 0))
        return err_set(e, "optimizer: weight_decay must not be negative (got %g)",
                       cfg->weight_decay);
    o->cfg = *cfg;
    o->n = n;
    o->m = xcalloc(n ? n : 1, sizeof *o->m);
    o->v = xcalloc(n ? n : 1, sizeof *o->v);
    return 0;
}

void optimizer_free(optimizer_t *o)
{
    free(o->m);
    free(o->v);
    memset(o, 0, sizeof *o);
}

void optimizer_step(optimizer_t *o, double *x, const double *g)
{
    const opt_config_t *c = &o->cfg;
    o->step++;
    if (c->kind == OPT_SGD) {
        /* Heavy-ball momentum with L2 weight decay added to the gradient
         * (the convention of PyTorch's SGD, dampening 0). */
        for (size_t i = 0; i < o->n; i++) {
            double gi = g[i] + c->weight_decay * x[i];
            o->m[i] = c->momentum * o->m[i] + gi;
            x[i] -= c->lr * o->m[i];
        }
        return;
    }
    /* Adam, Kingma & Ba 2015, Algorithm 1: bias-corrected first and second
     * moments; weight decay, if any, is added to the gradient (L2). */
    double bc1 = 1.0 - pow(c->beta1, (double)o->step);
    double bc2 = 1.0 - pow(c->beta2, (double)o->step);
    for (size_t i = 0; i < o->n; i++) {
        double gi = g[i] + c->weight_decay * x[i];
        o->m[i] = c->beta1 * o->m[i] + (1.0 - c->beta1) * gi;
        o->v[i] = c->beta2 * o->v[i] + (1.0 - c->beta2) * gi * gi;
        double mhat = o->m[i] / bc1, vhat = o->v[i] / bc2;
        x[i] -= c->lr * mhat / (sqrt(vhat) + c->eps);
    }
}

lbfgs_config_t lbfgs_config_default(void)
{
    lbfgs_config_t c = {.max_iterations = 100, .history = 10, .epsilon = 1e-6, .delta = 0,
                        .past = 0};
    return c;
}

typedef struct {
    objective_fn fn;
    lbfgs_progress_fn progress;
    void *ctx;
    size_t n;
    int failed;
    int iterations;
    double best_f;
    double *best_x;
} lbfgs_state_t;

static lbfgsfloatval_t evaluate(void *instance, const lbfgsfloatval_t *x, lbfgsfloatval_t *g,
                                const int n, const lbfgsfloatval_t step)
{
    lbfgs_state_t *s = instance;
    (void)step;
    double f;
    if (s->failed || s->fn(s->ctx, x, (size_t)n, &f, g) != 0 || !isfinite(f)) {
        /* Cannot be evaluated: remember it and steer the line search back
         * (a huge value with zero slope); the progress callback or the
         * line-search failure then ends the run and we report the error. */
        s->failed = 1;
        memset(g, 0, (size_t)n * sizeof *g);
        return HUGE_VAL;
    }
    if (f < s->best_f) {
        s->best_f = f;
        memcpy(s->best_x, x, (size_t)n * sizeof *x);
    }
    return f;
}

static int progress(void *instance, const lbfgsfloatval_t *x, const lbfgsfloatval_t *g,
                    const lbfgsfloatval_t fx, const lbfgsfloatval_t xnorm,
                    const lbfgsfloatval_t gnorm, const lbfgsfloatval_t step, int n, int k, int ls)
{
    lbfgs_state_t *s = instance;
    (void)g;
    (void)xnorm;
    (void)gnorm;
    (void)step;
    (void)ls;
    s->iterations = k;
    if (s->failed)
        return 1;
    return s->progress ? s->progress(s->ctx, k, fx, x, (size_t)n) : 0;
}

static const char *lbfgs_reason(int code)
{
    switch (code) {
    case LBFGSERR_OUTOFMEMORY: return "out of memory";
    case LBFGSERR_CANCELED: return "cancelled";
    case LBFGSERR_INVALID_N: return "invalid number of variables";
    case LBFGSERR_INVALIDPARAMETERS: return "invalid parameters";
    case LBFGSERR_OUTOFINTERVAL: return "line search step out of interval";
    case LBFGSERR_INCORRECT_TMINMAX: return "line search interval error";
    case LBFGSERR_MAXIMUMSTEP: return "line search step became too large";
    case LBFGSERR_WIDTHTOOSMALL: return "line search interval too small";
    default: return "line search failed";
    }
}

int lbfgs_minimize(double *x, size_t n, objective_fn fn, lbfgs_progress_fn progress_fn,
                   void *ctx, const lbfgs_config_t *cfg, double *f_out, int *iterations_out,
                   err_t *e)
{
    if (n == 0 || n > (size_t)0x7fffffff)
        return err_set(e, "lbfgs: invalid number of variables %zu", n);
    lbfgs_parameter_t param;
    lbfgs_parameter_init(&param);
    param.max_iterations = cfg->max_iterations;
    param.m = cfg->history;
    param.epsilon = cfg->epsilon;
    param.delta = cfg->delta;
    param.past = cfg->past;
    /* x must come from lbfgs_malloc (aligned for builds that use SSE). */
    lbfgsfloatval_t *lx = lbfgs_malloc((int)n);
    if (!lx)
        return err_set(e, "lbfgs: out of memory for %zu variables", n);
    memcpy(lx, x, n * sizeof *x);
    lbfgs_state_t s = {.fn = fn, .progress = progress_fn, .ctx = ctx, .n = n,
                       .best_f = INFINITY, .best_x = xmalloc(n * sizeof(double))};
    memcpy(s.best_x, x, n * sizeof *x);
    lbfgsfloatval_t fx = 0;
    int code = lbfgs((int)n, lx, &fx, evaluate, progress, &s, &param);
    lbfgs_free(lx);
    if (isfinite(s.best_f))
        memcpy(x, s.best_x, n * sizeof *x);
    free(s.best_x);
    if (iterations_out)
        *iterations_out = s.iterations;
    if (f_out)
        *f_out = s.best_f;
    if (s.failed)
        return err_set(e, "lbfgs: the objective could not be evaluated (after %d iterations)",
                       s.iterations);
    /* Converged, stopped by the delta test, nothing to do, or out of
     * iterations: success.  Round-off and step-size limits in the line
     * search mean no further progress is possible at double precision:
     * also success, with the best point found. */
    switch (code) {
    case LBFGS_SUCCESS:
    case LBFGS_STOP:
    case LBFGS_ALREADY_MINIMIZED:
    case LBFGSERR_MAXIMUMITERATION:
    case LBFGSERR_ROUNDING_ERROR:
    case LBFGSERR_MINIMUMSTEP:
    case LBFGSERR_MAXIMUMLINESEARCH:
        return 0;
    default:
        return err_set(e, "lbfgs: %s (liblbfgs code %d)", lbfgs_reason(code), code);
    }
}
