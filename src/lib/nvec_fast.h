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

/* 1 if no element is NaN or infinite (an integer test on the exponent bits,
 * so it vectorises). */
int all_finite(const double *x, size_t n);

#endif
