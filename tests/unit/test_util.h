/* Helpers shared by the unit tests. */
#ifndef NODE_TEST_UTIL_H
#define NODE_TEST_UTIL_H

#include <stddef.h>

#include "data/dataset.h"
#include "core/rng.h"

/* MNIST_DIR from the environment (set by the Makefile), else data/mnist. */
const char *mnist_dir(void);
/* A fresh path under $TMPDIR (the file is created empty); caller frees. */
char *temp_path(const char *tag);
void write_bytes(const char *path, const void *buf, size_t len);
void write_text(const char *path, const char *text);
/* A gradient against finite differences: max_i |g_i - fd_i| / max_i |fd_i|
 * (the absolute error when every fd_i is 0). */
double grad_rel_err(const double *g, const double *fd, size_t n);
/* x_i uniform on [-scale, scale] from the generator. */
void fill_uniform(rng_t *r, double *x, size_t n, double scale);
/* A set of S two-dimensional sequences (DATA_SEQUENCES, as the loader
 * builds it; free with dataset_free), sequence s with lengths[s]
 * observations, each right after a truth row at its time (truth values
 * differ from the observation's, so reading the wrong rows shows).  Even
 * sequences start at a multiple of 0.5 with gaps in {0.125, 0.25, 0.375}
 * (their relative times coincide exactly); odd ones start at 0.3 + s / 7,
 * so theirs agree with the grid only up to rounding. */
void make_sequences(dataset_t *d, int S, const int *lengths, uint64_t seed);

#endif
