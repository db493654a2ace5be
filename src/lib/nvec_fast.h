/* Faster versions of the serial N_Vector operations ARKODE spends its time
 * in, installed into a vector's ops table (SUNDIALS exposes it for exactly
 * this).  Debian builds SUNDIALS at -O2 without vectorisation, and for
 * report 000's MNIST model the stage combinations alone were half of a
 * training step.  Same arithmetic as SUNDIALS' serial vector, summed in a
 * fixed order (so results are reproducible, not bit-identical to SUNDIALS'
 * own order). */
#ifndef NODE_NVEC_FAST_H
#define NODE_NVEC_FAST_H

#include <stddef.h>
#include <sundials/sundials_nvector.h>

/* Installs the operations into v's ops (clones inherit them). */
void nvec_fast_install(N_Vector v);

/* Makes v's weighted RMS norm the maximum over consecutive blocks of each
 * block's own weighted RMS norm (torchdiffeq's "mixed" norm for the adjoint
 * state [h, a, dL/dtheta]); a block whose weights are all zero drops out,
 * which is the seminorm.  Clones keep the blocks.  Returns -1 if the
 * lengths do not add up to v's. */
#define NVEC_MAX_BLOCKS 4
int nvec_blocked_install(N_Vector v, const sunindextype *block_len, int n_blocks);

/* 1 if no element is NaN or infinite (an integer test on the exponent bits,
 * so it vectorises). */
int all_finite(const double *x, size_t n);

#endif
