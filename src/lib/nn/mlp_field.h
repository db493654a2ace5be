/* The MLP vector field of an ODE block, as an odefunc_t.
 *
 * First order: dh/dt = f([h, t]) with f an MLP D(+1) -> ... -> D; the time
 * column is present only when time_dependent.
 * Second order (Norcliffe et al. 2020; report 000's SONODE): the state of
 * each example is [v, x], both of m = D/2 dims, and
 *   dv/dt = g([x, t]),  dx/dt = v,
 * with g an MLP m(+1) -> ... -> m (second_order = 1), or, with
 * second_order = 2, dv/dt = g([v, x, t]) with g an MLP D(+1) -> ... -> m
 * (the ANODE report's comparison of h'' = f(h, t) with f(h, h', t)).  The
 * first half of the state is the velocity, as in the ANODE report, whose
 * classifier reads the velocity.
 *
 * The field's parameters are one contiguous slice of the model's flat
 * vector; the odefunc_t sees only that slice (theta). */
#ifndef NODE_NN_MLP_FIELD_H
#define NODE_NN_MLP_FIELD_H

#include "nn/dense.h"
#include "ode/ode.h"

typedef struct {
    mlp_t mlp;          /* offset 0 within theta */
    int dim;            /* D, state dims per example */
    int half;           /* m: the MLP's output width (D, or D/2 second order) */
    int in;             /* the MLP's state input width: D, or D/2 when g reads x only */
    int time_dependent;
    int second_order;
    int max_batch;
    int batch;
    const double *theta; /* the field's parameter slice, set per solve */
    mlp_ws_t ws;
    double *inp;  /* (B, in + time_dependent) packed MLP input */
    double *dout; /* (B, half) packed cotangent for the MLP output */
    double *dinp; /* (B, in + time_dependent) */
    odefunc_t f;
} field_t;

/* hidden: n_hidden widths; hidden layers use hidden_act, the last layer
 * final_act.  second_order: 0 first order, 1 g(x), 2 g(v, x). */
int field_init(field_t *fd, int dim, int n_hidden, const int *hidden, act_t hidden_act,
               act_t final_act, int time_dependent, int second_order, int max_batch,
               err_t *e);
void field_free(field_t *fd);
size_t field_n_params(const field_t *fd);
/* Batch size and parameter slice of the next solves. */
void field_bind(field_t *fd, int batch, const double *theta);

#endif
