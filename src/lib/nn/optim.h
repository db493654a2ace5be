/* Optimisers over one flat parameter vector: Adam and SGD with momentum for
 * minibatch training, and full-batch L-BFGS (liblbfgs) for fine-tuning. */
#ifndef NODE_NN_OPTIM_H
#define NODE_NN_OPTIM_H

#include <stddef.h>

#include "core/util.h"

typedef enum { OPT_ADAM, OPT_SGD } opt_kind_t;

typedef struct {
    opt_kind_t kind;
    double lr;
    double beta1, beta2, eps;      /* Adam (Kingma & Ba 2015, Algorithm 1) */
    double momentum, weight_decay; /* SGD: v = mu v + (g + wd x); x -= lr v */
} opt_config_t;

typedef struct {
    opt_config_t cfg;
    size_t n;
    long step;
    double *m, *v; /* Adam moments; SGD uses m as the velocity */
} optimizer_t;

/* Validates cfg; the error names the offending field. */
int optimizer_init(optimizer_t *o, const opt_config_t *cfg, size_t n, err_t *e);
void optimizer_step(optimizer_t *o, double *params, const double *grad);
void optimizer_free(optimizer_t *o);

/* f(x) and its gradient; returns 0, or -1 if it cannot be evaluated (a
 * diverging ODE solve, say). */
typedef int (*objective_fn)(void *ctx, const double *x, size_t n, double *f, double *grad);
/* Called after every accepted L-BFGS iteration; non-zero stops. */
typedef int (*lbfgs_progress_fn)(void *ctx, int iteration, double f, const double *x, size_t n);

typedef struct {
    int max_iterations;
    int history; /* pairs kept (liblbfgs m) */
    double epsilon; /* stop when |g| < epsilon max(1, |x|) */
    double delta;   /* stop on relative decrease below delta over `past` iterations */
    int past;
} lbfgs_config_t;

lbfgs_config_t lbfgs_config_default(void);

/* Minimises from x (overwritten with the best point found).  Returns 0 on
 * convergence, on reaching max_iterations, or when the line search can make
 * no further progress (round-off near the minimum); -1 with a message
 * otherwise, including when the objective could not be evaluated. */
int lbfgs_minimize(double *x, size_t n, objective_fn fn, lbfgs_progress_fn progress, void *ctx,
                   const lbfgs_config_t *cfg, double *f_out, int *iterations_out, err_t *e);

#endif
