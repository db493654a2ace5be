/* The convolutional vector field of Chen et al.'s MNIST ODE-Net (their
 * ODEfunc), as an odefunc_t over a state h (C, B, H, W) in CBHW layout:
 *   f(t, h) = GN3(conv2([t, ReLU(GN2(conv1([t, ReLU(GN1(h))])))]))
 * where [t, x] appends a channel filled with t (the time-concatenating
 * convolution) and conv1, conv2 are 3x3, padding 1, C + 1 -> C channels.
 * GroupNorm has G groups.  Parameters, one slice of the model's vector:
 *   gn1 gamma, beta (C each) | conv1 w (C, C+1, 3, 3), b (C) | gn2 | conv2 | gn3
 * (a ResNet block has no time channel and no gn3). */
#ifndef NODE_MODELS_CONV_CONV_FIELD_H
#define NODE_MODELS_CONV_CONV_FIELD_H

#include <stddef.h>

#include "nn/conv.h"
#include "ode/ode.h"
#include "core/rng.h"
#include "core/util.h"

/* One thread's workspace, sized for one chunk of examples (HW = H * W):
 *   r1, r2 (C,b,HW): ReLU(GN(.)) before each convolution without the time
 *   channel; x1, x2 (C+1,b,HW): the same with it; c1, c2 (C,b,HW): the
 *   convolutions' outputs; col1, col2 (im2col); stats (3 x 2 x b*G);
 *   gradient buffers. */
typedef struct {
    double *r1, *x1, *col1, *c1, *r2, *x2, *col2, *c2;
    double *mean, *rstd;
    double *g1, *g2, *gx, *dcol;
} convfield_ws_t;

/* The state is in chunked CBHW layout: the batch is cut into chunks of
 * `chunk` examples (the last may be shorter), stored one after the other,
 * each in CBHW over its own examples.  A batch of at most one chunk is
 * plain CBHW.  Each chunk is evaluated by one thread; the chunks'
 * parameter gradients are summed in chunk order, so no result depends on
 * the thread count. */
typedef struct {
    int C, H, W, G, max_batch, batch, chunk;
    int time_channel; /* 1: convolutions see [x, t] (ODE-Net); 0: plain (ResNet block) */
    int final_norm;   /* 1: gn3 at the end (ODE-Net); 0: none (ResNet block) */
    conv_shape_t shape; /* C + time_channel -> C, 3x3, pad 1 */
    size_t n_params;
    size_t off_gn1, off_conv1, off_gn2, off_conv2, off_gn3; /* within theta */
    const double *theta;
    int n_ws;            /* workspaces: one per thread */
    convfield_ws_t *ws;
    double *gpart;       /* (chunks, n_params): each chunk's parameter gradient */
    double *dtpart;      /* (chunks): each chunk's a^T df/dt */
    double last_dt; /* a^T df/dt of the last vjp (for tests) */
    odefunc_t f;
} convfield_t;

/* Where chunk k of a chunked-CBHW tensor of `per_example` values per
 * example starts, and how many examples it holds. */
static inline size_t chunk_offset(int k, int chunk, size_t per_example)
{
    return (size_t)k * chunk * per_example;
}
static inline int chunk_count(int B, int chunk) { return (B + chunk - 1) / chunk; }
static inline int chunk_size(int k, int B, int chunk)
{
    return B - k * chunk < chunk ? B - k * chunk : chunk;
}

int convfield_init(convfield_t *cf, int C, int H, int W, int G, int max_batch, err_t *e);
/* The same map without the time channel and the last GroupNorm: the
 * residual branch of Chen et al.'s ResNet block, GN ReLU conv GN ReLU conv. */
int convfield_init_resblock(convfield_t *cf, int C, int H, int W, int G, int max_batch,
                            err_t *e);
void convfield_free(convfield_t *cf);
/* PyTorch-style uniform initialisation of the convolutions (bound
 * 1/sqrt(fan_in)), GroupNorm gamma = 1, beta = 0. */
void convfield_init_params(const convfield_t *cf, double *theta, rng_t *rng);
void convfield_bind(convfield_t *cf, int batch, const double *theta);
/* Index of element (c, b, i) of a chunked-CBHW tensor of C channels and HW
 * pixels over a batch of B (chunk examples per chunk). */
size_t chunked_index(int c, int b, int i, int C, int HW, int B, int chunk);

#endif
