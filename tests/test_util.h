/* Helpers shared by the unit tests. */
#ifndef NODE_TEST_UTIL_H
#define NODE_TEST_UTIL_H

#include <stddef.h>

#include "rng.h"

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

#endif
