/* Helpers shared by the unit tests. */
#ifndef NODE_TEST_UTIL_H
#define NODE_TEST_UTIL_H

#include <stddef.h>

/* MNIST_DIR from the environment (set by the Makefile), else data/mnist. */
const char *mnist_dir(void);
/* A fresh path under $TMPDIR (the file is created empty); caller frees. */
char *temp_path(const char *tag);
void write_bytes(const char *path, const void *buf, size_t len);
void write_text(const char *path, const char *text);

#endif
