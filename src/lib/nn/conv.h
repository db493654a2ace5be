/* Convolutional layers for Chen et al.'s MNIST ODE-Net and its ResNet
 * baseline, forward and backward side by side (backward overwrites the
 * input gradient, adds into parameter gradients).
 *
 * Layout: channel-major over the batch, "CBHW": a tensor of C channels for
 * B examples of H x W pixels is x[((c * B + b) * H + y) * W + x].  With this
 * layout a convolution over the whole batch is one gemm,
 *   out (Co, B*Ho*Wo) = w (Co, Ci*kh*kw) . col (Ci*kh*kw, B*Ho*Wo),
 * where col is the im2col lowering of the input; a batch of single-channel
 * images (B, 1, H, W) is already in this layout. */
#ifndef NODE_NN_CONV_H
#define NODE_NN_CONV_H

#include <stddef.h>

/* Precision of the convolutions' matrix products: 0 (the default) double;
 * 1 single: the lowered input, the weights and the output gradient are
 * rounded to float for sgemm, and the results are returned, and the
 * parameter gradients accumulated, in double.  Process-wide: set it before
 * running a model.  The finite-difference gradient tests run in double. */
void conv_set_single(int on);
/* With single precision, run the convolutions in oneDNN (nn/conv_dnnl.h)
 * instead of im2col and sgemm: same calls, same layouts, same workspaces
 * (conv_col_size grows to what oneDNN needs).  Process-wide, set before a
 * model is created.  conv_onednn() says whether it is in effect. */
void conv_set_onednn(int on);
int conv_onednn(void);
/* The first failure of the oneDNN path (the calls below return nothing),
 * or NULL; a model checks it after each pass and clears it. */
const char *conv_failure(void);
void conv_clear_failure(void);
/* Threads of the convolutional models (OpenMP).  The models split a batch
 * into chunks of conv_chunk() examples and hand whole chunks to the
 * threads; each chunk's gemms run on its thread alone, so this also sets
 * OpenBLAS to one thread.  Loops over a whole batch outside a chunk
 * (im2col, col2im, GroupNorm on a big batch) share out channels or groups.
 * No result depends on the count. */
void conv_set_threads(int n);
int conv_threads(void);
/* Examples per chunk (default CONV_CHUNK_DEFAULT), read when a model is
 * created.  It fixes the order of every sum over examples, so results
 * depend on it (not on the thread count); the tests set small chunks to
 * run the chunked paths on small batches. */
#define CONV_CHUNK_DEFAULT 8
void conv_set_chunk(int n);
int conv_chunk(void);

typedef struct {
    int ci, co, kh, kw, stride, pad;
    int h, w;   /* input size */
    int ho, wo; /* output size */
} conv_shape_t;

/* Fills the output size; -1 if the shape is impossible. */
int conv_shape(conv_shape_t *s, int ci, int co, int k, int stride, int pad, int h, int w);
/* Doubles of im2col workspace for a batch of B (enough for either precision). */
size_t conv_col_size(const conv_shape_t *s, int B);

/* out (co, B, ho, wo) = w (co, ci, kh, kw) * inp (ci, B, h, w) + b (co).
 * col: workspace of conv_col_size doubles; it keeps the lowered input for
 * the backward pass. */
void conv_forward(const conv_shape_t *s, double *out, const double *inp, const double *w,
                  const double *b, int B, double *col);
/* Only the lowering part of conv_forward: fills col as conv_forward would,
 * so that a backward pass can recompute it instead of keeping it. */
void conv_lower(const conv_shape_t *s, const double *inp, const double *w, int B, double *col);
/* After conv_forward with the same col, w and precision: dinp = the input
 * gradient (if not NULL, overwritten), dw += ..., db += ...  dcol:
 * workspace of at least conv_col_size doubles for this shape. */
void conv_backward(const conv_shape_t *s, double *dinp, double *dw, double *db,
                   const double *dout, const double *w, int B, const double *col, double *dcol);

/* The same, but dw and db are overwritten with the gradients (db may be
 * NULL), as if zeroed first. */
void conv_backward_set(const conv_shape_t *s, double *dinp, double *dw, double *db,
                       const double *dout, const double *w, int B, const double *col,
                       double *dcol);

/* GroupNorm (Wu & He 2018) over x (C, B, H*W): per example and group of
 * C/G channels, normalise to zero mean and unit variance (eps 1e-5), then
 * scale and shift per channel with gamma, beta.  mean and rstd (B*G) are
 * kept for the backward pass. */
void groupnorm_forward(double *y, const double *x, const double *gamma, const double *beta,
                       int C, int B, int HW, int G, double *mean, double *rstd);
/* dx (overwritten), dgamma += , dbeta += */
void groupnorm_backward(double *dx, double *dgamma, double *dbeta, const double *dy,
                        const double *x, const double *gamma, int C, int B, int HW, int G,
                        const double *mean, const double *rstd);

/* GroupNorm followed by ReLU in one pass: y = max(0, GN(x)). */
void groupnorm_relu_forward(double *y, const double *x, const double *gamma, const double *beta,
                            int C, int B, int HW, int G, double *mean, double *rstd);
/* Its backward: dy is the gradient of y (the ReLU's output, passed to mask
 * it); dx (overwritten), dgamma +=, dbeta += as for groupnorm_backward. */
void groupnorm_relu_backward(double *dx, double *dgamma, double *dbeta, const double *dy,
                             const double *y, const double *x, const double *gamma, int C, int B,
                             int HW, int G, const double *mean, const double *rstd);

/* Global average pooling: out (B, C) (example-major, for the linear head)
 * = mean over H*W of x (C, B, HW); backward spreads the gradient evenly. */
void avgpool_forward(double *out, const double *x, int C, int B, int HW);
void avgpool_backward(double *dx, const double *dout, int C, int B, int HW);

#endif
