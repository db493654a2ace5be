/* The vector field of a continuous normalizing flow in two dimensions
 * (Chen et al. 2018, Sec. 4; report 002, "CNF for Density Estimation"),
 * augmented with the log-density change, as an odefunc_t.
 *
 * Each example's state is [z1, z2, l] and
 *   dz/dt = f(z, t),    dl/dt = tr(df/dz)(z, t),
 * with f an MLP on u = [z1, z2, t]:  3 -> H -> H -> 2, tanh, tanh, linear.
 * With the data at t = 0 and the base density at t = 1,
 *   log p(x) = log N(z(1); 0, I) + l(1),   z(0) = x, l(0) = 0.
 * In two dimensions the trace is computed exactly, with one gemm: with
 * s1 = 1 - h1^2, s2 = 1 - h2^2 (tanh' from the outputs) and W1z the first
 * two columns of W1,
 *   tr = sum_j s2_j sum_k W3[k, j] (W2 diag(s1) W1z)[j, k] = sum_j s2_j c_j,
 *   c = C s1,   C = W2 (.) A,   A = W3^T W1z^T   (H, H; (.) elementwise),
 * since sum_k W3[k, j] W1[i, k] = A[j, i] does not depend on the example:
 * one (B, H) x (H, H) product for the trace instead of one per dimension.
 * The vector-Jacobian product covers both rows of the augmented field:
 * a_z^T df/d(z, theta) + a_l dtr/d(z, theta), the second needing tanh's
 * second derivative (ds/da = -2 h s), written out in models/cnf/cnf_field.c.
 *
 * Size legend: B batch, H hidden width.  Parameters (one flat slice, the
 * mlp_t layout of nn/dense.h): W1 (H, 3) b1 (H) W2 (H, H) b2 (H) W3 (2, H) b3 (2). */
#ifndef NODE_MODELS_CNF_CNF_FIELD_H
#define NODE_MODELS_CNF_CNF_FIELD_H

#include "nn/dense.h"
#include "ode/ode.h"

#define CNF_DIM 2   /* z */
#define CNF_STATE 3 /* [z, l] per example */
/* Rows per chunk: the unit of work of one thread.  Fixed, so that the
 * parameter cotangents (summed chunk by chunk, in order) do not depend on
 * the number of threads. */
#define CNF_CHUNK 256

typedef struct {
    mlp_t mlp; /* the layout of theta: dims 3, H, H, 2 */
    int H, max_batch, batch;
    int threads;         /* OpenMP threads sharing the chunks (1: none) */
    const double *theta; /* the field's parameter slice, set per solve */
    double *arena;       /* owns every buffer below */
    double *u;            /* (B, 3) [z, t] */
    double *h1, *h2;      /* (B, H) tanh outputs */
    double *s1, *s2;      /* (B, H) 1 - h^2 */
    double *c;            /* (B, H) C s1 per example */
    double *r;            /* (B, H) a_l s2: the cotangent of c */
    double *ga2, *ga1;    /* (B, H) cotangents of the pre-activations */
    double *gs1, *gh1;    /* (B, H) cotangents of s1 and h1 */
    double *A, *C, *gC;   /* (H, H) */
    double *gu;           /* (B, 3) */
    double *partial;      /* (chunks, n_params + H^2): each chunk's parameter
                           * cotangents and dL/dC, before the ordered sum */
    odefunc_t f;
} cnffield_t;

int cnffield_init(cnffield_t *cf, int hidden, int max_batch, err_t *e);
void cnffield_free(cnffield_t *cf);
size_t cnffield_n_params(const cnffield_t *cf);
/* Threads for the chunks of a batch (OpenBLAS should run one thread each). */
void cnffield_set_threads(cnffield_t *cf, int threads);
/* Batch size and parameter slice of the next solves. */
void cnffield_bind(cnffield_t *cf, int batch, const double *theta);
/* f(z, t) and tr(df/dz) of B points: out (B, 3) = [f1, f2, tr]; the same
 * as the odefunc's rhs. */
int cnffield_eval(cnffield_t *cf, double t, const double *y, double *out);

#endif
