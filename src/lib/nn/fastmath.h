/* Elementwise functions that dominate the vector field's cost.
 *
 * tanh is evaluated millions of times per training run (report 000's MNIST
 * field has 5,000 activations per evaluation at batch 100) and glibc's
 * scalar tanh was a third of a training step.  tanh_array is branch-light
 * plain IEEE arithmetic, so the compiler can vectorise it and it gives the
 * same bits on every x86-64 machine; its error is within a few ulp of the
 * correctly rounded value (checked against libm in the tests). */
#ifndef NODE_NN_FASTMATH_H
#define NODE_NN_FASTMATH_H

#include <stddef.h>

/* x[i] <- tanh(x[i]) */
void tanh_array(double *x, size_t n);
/* The same without AVX2 (what a CPU without it runs); exposed so that the
 * tests can check both give identical bits. */
void tanh_array_baseline(double *x, size_t n);

/* x[i] <- ELU(x[i]) = x > 0 ? x : expm1(x), with the same expm1 as tanh
 * (a few ulp from libm's). */
void elu_array(double *x, size_t n);
/* The same without AVX2, for the tests. */
void elu_array_baseline(double *x, size_t n);
/* grad[i] *= ELU'(x[i]), given y = ELU(x): 1 where y > 0, else y + 1. */
void elu_grad_array(double *restrict grad, const double *restrict y, size_t n);

#endif
