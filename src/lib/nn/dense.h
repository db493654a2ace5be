/* Dense layers and activations over a batch, forward and backward side by
 * side (the backward pass is the vector-Jacobian product).
 *
 * Size legend: B batch, n_in inputs, n_out outputs.  Every array is row-major:
 *   inp (B, n_in), out (B, n_out), w (n_out, n_in), b (n_out).
 * Backward functions overwrite the input gradient and ADD into the parameter
 * gradients, so one flat gradient vector can collect every layer's share. */
#ifndef NODE_NN_DENSE_H
#define NODE_NN_DENSE_H

#include <stddef.h>

#include "core/rng.h"

typedef enum { ACT_IDENTITY, ACT_TANH, ACT_RELU, ACT_ELU } act_t;

/* "identity", "tanh", "relu", "elu" -> act; -1 if unknown. */
int act_parse(const char *name, act_t *out);
const char *act_name(act_t a);

/* out = inp w^T + b (b may be NULL). */
void dense_forward(double *out, const double *inp, const double *w, const double *b,
                   int B, int n_in, int n_out);
/* dinp = dout w (if dinp != NULL); dw += dout^T inp; db += sum over batch of
 * dout (if db != NULL). */
void dense_backward(double *dinp, double *dw, double *db, const double *dout,
                    const double *inp, const double *w, int B, int n_in, int n_out);

/* In place: x <- act(x). */
void act_forward(double *x, size_t n, act_t a);
/* grad <- grad * act'(.), written from the activation's OUTPUT y (every
 * activation here has a derivative expressible through y: tanh 1 - y^2,
 * relu [y > 0], elu (alpha 1) y > 0 ? 1 : y + 1). */
void act_backward(double *grad, const double *y, size_t n, act_t a);

/* A multilayer perceptron: layer l maps dims[l] -> dims[l+1] then applies
 * acts[l].  Its parameters are a slice of the model's flat vector starting
 * at `offset`: for each layer, w (dims[l+1], dims[l]) then b (dims[l+1]). */
#define MLP_MAX_LAYERS 8
typedef struct {
    int n_layers;
    int dims[MLP_MAX_LAYERS + 1];
    act_t acts[MLP_MAX_LAYERS];
    size_t offset;
    size_t w_off[MLP_MAX_LAYERS], b_off[MLP_MAX_LAYERS]; /* relative to offset */
    size_t n_params;
} mlp_t;

/* Returns -1 if n_layers is out of range or a dimension is not positive. */
int mlp_init(mlp_t *m, int n_layers, const int *dims, const act_t *acts, size_t offset);
int mlp_max_width(const mlp_t *m);
/* Glorot-uniform weights, zero biases (the Julia Flux defaults the report
 * used). */
void mlp_init_params(const mlp_t *m, double *params, rng_t *rng);

/* Activations kept for the backward pass: act[l] (B, dims[l+1]); grad
 * buffers of the same sizes. */
typedef struct {
    int max_batch;
    double *act[MLP_MAX_LAYERS];
    double *grad[MLP_MAX_LAYERS];
} mlp_ws_t;

void mlp_ws_alloc(mlp_ws_t *ws, const mlp_t *m, int max_batch);
void mlp_ws_free(mlp_ws_t *ws);

/* Output is ws->act[n_layers - 1], (B, dims[n_layers]).  `params` is the
 * model's whole flat vector. */
const double *mlp_forward(const mlp_t *m, const double *params, const double *inp, int B,
                          mlp_ws_t *ws);
/* After mlp_forward on the same inp: dinp (B, dims[0]) = dout J (if not
 * NULL), dparams += the parameter VJP (dparams is the model's whole flat
 * gradient). */
void mlp_backward(const mlp_t *m, const double *params, const double *inp, int B,
                  mlp_ws_t *ws, const double *dout, double *dinp, double *dparams);

#endif
