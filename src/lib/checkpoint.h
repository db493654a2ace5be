/* Model checkpoints.  Layout, little-endian, written byte by byte:
 *   8 bytes   magic "NODECKPT"
 *   uint32    format version (1)
 *   uint32    meta_len
 *   meta_len  bytes of text: the run's full configuration (INI)
 *   uint64    n_params
 *   n_params  IEEE-754 doubles
 *   uint32    CRC-32 (zlib) of every byte before it
 * A file that is not a checkpoint, of another version, truncated, padded or
 * corrupted is refused with a message naming the file and the problem. */
#ifndef NODE_CHECKPOINT_H
#define NODE_CHECKPOINT_H

#include <stddef.h>
#include <stdio.h>

#include "util.h"

#define CHECKPOINT_VERSION 1

/* Atomic: nothing at path changes unless the whole file was written. */
int checkpoint_write(const char *path, const char *meta, const double *params, size_t n_params,
                     err_t *e);
/* The same checkpoint written to fp, an output the caller opened (e.g. with
 * atomic_open) and commits; name names it in messages. */
int checkpoint_write_fp(FILE *fp, const char *name, const char *meta, const double *params,
                        size_t n_params, err_t *e);
/* Caller frees *meta and *params; both NULL on error. */
int checkpoint_read(const char *path, char **meta, double **params, size_t *n_params, err_t *e);

#endif
