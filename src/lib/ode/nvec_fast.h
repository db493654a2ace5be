/* Faster versions of the serial N_Vector operations ARKODE spends its time
 * in, installed into a vector's ops table (SUNDIALS exposes it for exactly
 * this).  Debian builds SUNDIALS at -O2 without vectorisation, and for
 * report 000's MNIST model the stage combinations alone were half of a
 * training step.  Same arithmetic as SUNDIALS' serial vector, summed in a
 * fixed order (so results are reproducible, not bit-identical to SUNDIALS'
 * own order). */
#ifndef NODE_ODE_NVEC_FAST_H
#define NODE_ODE_NVEC_FAST_H

#include <stddef.h>
#include <sundials/sundials_nvector.h>

#include "core/comm.h"

/* Installs the operations into v's ops (clones inherit them). */
void nvec_fast_install(N_Vector v);

/* Makes v's weighted RMS norm the maximum over consecutive blocks of each
 * block's own weighted RMS norm (torchdiffeq's "mixed" norm for the adjoint
 * state [h, a, dL/dtheta]); a block whose weights are all zero drops out,
 * which is the seminorm.  Clones keep the blocks.  Returns -1 if the
 * lengths do not add up to v's. */
#define NVEC_MAX_BLOCKS 4
int nvec_blocked_install(N_Vector v, const sunindextype *block_len, int n_blocks);

/* For a state shared by a group of processes (core/comm.h), after
 * nvec_blocked_install: while comm->coupled, the norm is the group's.  A
 * block whose bit in `shares` is clear is a slice (each member holds its
 * own part of the state: the squares and lengths are summed over the
 * group); a block whose bit is set is a share (each member holds its own
 * term of a sum, e.g. its examples' part of dL/dtheta: the values are
 * summed over the group into scratch, which holds the longest such block
 * and is owned by the caller, before the norm is taken; the weights must
 * then be the group's too).  Clones keep the group. */
int nvec_group_install(N_Vector v, comm_t *comm, unsigned shares, double *scratch);

/* 1 if no element is NaN or infinite (an integer test on the exponent bits,
 * so it vectorises). */
int all_finite(const double *x, size_t n);

#endif
