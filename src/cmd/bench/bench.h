/* bench's parts: one file per group of benchmarks (mnist.c, dense.c,
 * odenet.c, cnf.c, latent.c) and what they share (measure.c).  bench.c is
 * the main: options, which groups run, and the rows (printed as they come,
 * written as TSV at the end). */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stddef.h>

#include "nn/dense.h"
#include "nn/mlp_field.h"

/* ---------------------------------------------------------------- bench.c */

/* A row of the table (at most 128; later ones are dropped), unprinted. */
void add_row(const char *name, double value, const char *unit);
/* A row of the table, also printed. */
void report(const char *name, double value, const char *unit);
/* The rows of `steps` timed training steps: PREFIX_step_s (with `unit`),
 * _step_nfe_forward, _step_nfe_backward and _us_per_evaluation. */
void report_steps(const char *prefix, const char *unit, double total, int steps, long nfe_f,
                  long nfe_b);

/* ---------------------------------------------------------------- measure.c */

/* This machine's gemm rate at 512^3, double or (single) float, in GFLOP/s. */
double gemm_rate(int single);
/* Multiply-adds of one MLP forward pass over B rows, as flops. */
double mlp_flops(const mlp_t *m, int B);
/* Time per rhs and per vjp of a bound field, in seconds. */
void time_field(field_t *fd, const double *y, double *rhs_s, double *vjp_s);
/* Relative 2-norm error of a gradient against a reference. */
double grad_error(const double *g, const double *ref, size_t n);

/* ---------------------------------------------------------------- the groups */

/* Each prints its rows and adds them to the table; peak is this machine's
 * dgemm rate on one thread (GFLOP/s), steps the training steps timed. */
void bench_mnist(const char *mnist_dir, int steps, double peak);
void bench_dense(int steps, double peak);
void bench_odenet(const char *mnist_dir, double peak);
void bench_cnf(int steps, double peak, const char *cnf_model_path);
/* spirals_regular may be NULL (that workload is then skipped). */
void bench_latent(const char *spirals, const char *spirals_regular, int steps);

#endif
