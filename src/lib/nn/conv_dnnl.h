/* The convolutions' oneDNN path (nn/conv.c's backend 1): float32 primitives
 * of oneDNN 2.6, the library PyTorch's CPU convolutions run on, in the
 * blocked memory layouts it prefers.  Internal to nn/conv.c; see nn/conv.h for
 * the calls and their layouts.
 *
 * A primitive is made per shape and chunk batch, planned for one thread:
 * the models call the convolutions inside their own parallel loop over
 * chunks, one chunk per thread, so every sum over a chunk's examples has
 * the same order whatever the thread count.  Tensors arrive in double
 * CBHW; each call converts to float, reorders into oneDNN's layout, runs
 * the primitive and converts back.
 *
 * oneDNN reports failures by status; these functions cannot return one
 * (they run inside parallel loops), so the first failure is kept and the
 * model asks for it after the pass (conv_backend_failed in nn/conv.h). */
#ifndef NODE_NN_CONV_DNNL_H
#define NODE_NN_CONV_DNNL_H
#include "nn/conv.h"

/* Floats of col and of dcol for a batch of B; 0 if oneDNN refused the
 * shape (the failure is kept). */
size_t cdnnl_col_floats(const conv_shape_t *s, int B);
size_t cdnnl_dcol_floats(const conv_shape_t *s, int B);
void cdnnl_lower(const conv_shape_t *s, const double *inp, const double *w, int B, float *col);
void cdnnl_forward(const conv_shape_t *s, double *out, const double *b, int B, float *col);
void cdnnl_backward(const conv_shape_t *s, double *dinp, double *dw, const double *dout,
                    const double *w, int B, const float *col, float *dcol, int add);
/* The first failure's message, or NULL. */
const char *cdnnl_failure(void);
void cdnnl_clear_failure(void);
#endif
