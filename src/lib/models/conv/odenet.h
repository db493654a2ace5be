/* Chen et al.'s MNIST classifiers (2018, Sec. 7.1 and their code): the
 * ODE-Net and its ResNet baseline.
 *
 *   image (1, 28, 28)
 *   -> conv 3x3 (1 -> C) GN ReLU            26 x 26
 *   -> conv 4x4 /2 pad 1 (C -> C) GN ReLU   13 x 13
 *   -> conv 4x4 /2 pad 1 (C -> C) GN ReLU    6 x 6     = h0
 *   ODE-Net: h(1) of dh/dt = f(t, h) (models/conv/conv_field.h) by ARKODE + our adjoint
 *   ResNet:  h_{k+1} = h_k + g_k(h_k), k = 0..5 (GN ReLU conv GN ReLU conv)
 *   -> GN ReLU, global average pool, Linear(C -> 10), cross-entropy.
 * GroupNorm has min(32, C) groups; C = 64 in the paper.
 * Parameters: conv0 | gn0 | conv1 | gn1 | conv2 | gn2 | block(s) | gnH | fc. */
#ifndef NODE_MODELS_CONV_ODENET_H
#define NODE_MODELS_CONV_ODENET_H

#include "core/arena.h"
#include "nn/conv.h"
#include "models/conv/conv_field.h"
#include "train/kind.h"
#include "ode/ode.h"
#include "core/rng.h"

typedef enum { NET_ODE, NET_RESNET } net_kind_t;

#define ODENET_RES_BLOCKS 6

typedef struct {
    net_kind_t kind;
    int C, G, max_batch;
    conv_shape_t s0, s1, s2;
    convfield_t field; /* the ODE's f, or the residual branch shared by all blocks */
    ode_solver_t *solver;
    size_t n_params;
    size_t off_conv0, off_gn0, off_conv1, off_gn1, off_conv2, off_gn2, off_block, off_gnh,
        off_fc;
    size_t block_params; /* per block */
    /* Chunks: the batch is cut into chunks of `chunk` examples, each run by
     * one thread (models/conv/conv_field.h); every (C, B, ...) tensor below is in
     * chunked CBHW layout, and each chunk's parameter gradients of the
     * downsampling stages go to their own slice of gpart, summed in chunk
     * order afterwards.  Whole-batch buffers, sized for B = max_batch, and
     * the per-thread ones below, all in one arena (core/arena.h): */
    int chunk, n_ws;
    arena_t arena;
    double *c0, *r0;      /* (C, B, 26, 26) each: conv0 out, after GN and ReLU */
    double *c1, *r1;      /* (C, B, 13, 13) each: conv1 out, after GN and ReLU */
    double *c2;           /* (C, B, 6, 6): conv2 out (after GN and ReLU: h0) */
    double *h;            /* (ODENET_RES_BLOCKS + 1, C, B, 6, 6): h0 .. h_end (ODE: h0, h(1)) */
    double *rh;           /* (C, B, 6, 6): h_end after the head's GN and ReLU */
    double *pool;         /* (B, C) */
    double *logits;       /* (B, 10) */
    /* GroupNorm statistics of stages 0, 1, 2 and the head: mean, 1/std. */
    double *m0, *s0d, *m1, *s1d, *m2, *s2d, *mh, *shd; /* (B, G) each */
    double *d_small, *d_small2;  /* (C, B, 6, 6) each: gradients at h */
    double *dpool;               /* (B, C) */
    double *dlogits;             /* (B, 10) */
    double *vp;                  /* (block_params): one residual block's gradient */
    double *gpart;               /* (chunks, off_block): the stages' gradients per chunk */
    /* Per thread, sized for one chunk (n_ws of each, one after the other):
     * the lowered input of a convolution, recomputed by the backward pass
     * instead of kept (col: the largest conv_col_size of s0, s1, s2), its
     * gradient (dcol), and (C, chunk, 26, 26) scratch for the backward. */
    size_t col_len, big_len;
    double *col, *dcol, *d_big, *d_big2, *tmp_big;
    /* The batch the loss is a mean over: a group's (train/trainer.h), set by the
     * kind for a run; 0: the run's own B. */
    int loss_B;
} odenet_t;

int odenet_create(odenet_t *net, net_kind_t kind, int C, int max_batch, const ode_options_t *ode,
                  err_t *e);
void odenet_free(odenet_t *net);
void odenet_init_params(const odenet_t *net, double *params, rng_t *rng);
/* Forward (and backward if grad != NULL, overwritten) on B images of
 * 28 x 28 (example-major, which is CBHW with one channel). */
int odenet_run(odenet_t *net, const double *params, const double *x, const int *labels, int B,
               double *grad, model_result_t *res, err_t *e);

#endif
