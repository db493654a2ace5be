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
#ifndef NODE_CORE_CHECKPOINT_H
#define NODE_CORE_CHECKPOINT_H

#include <stddef.h>
#include <stdio.h>

#include "core/util.h"

#define CHECKPOINT_VERSION 1

/* Atomic: nothing at path changes unless the whole file was written. */
int checkpoint_write(const char *path, const char *meta, const double *params, size_t n_params,
                     err_t *e);
/* The same checkpoint written to fp, an output the caller opened (e.g. with
 * atomic_open) and commits; name names it in messages. */
int checkpoint_write_fp(FILE *fp, const char *name, const char *meta, const double *params,
                        size_t n_params, err_t *e);
/* The largest file checkpoint_read reads.  The largest model here (the
 * ODE-Net and ResNet, 0.58 M parameters) makes a 14 MB resume file
 * (parameters and two optimiser moments), the longest iteration log (the
 * flow's 100,000 iterations, profile full) about 11 MB; 1 GiB leaves a
 * margin of 35x for either, while anything larger cannot be a file this
 * pipeline wrote and would only exhaust memory and time. */
#define CHECKPOINT_MAX_BYTES (1 << 30)

/* Caller frees *meta and *params; both NULL on error.  Only a regular file
 * of at most CHECKPOINT_MAX_BYTES is read (checked before and after it is
 * opened, without blocking: a FIFO or a link to a device is refused, never
 * waited on).  The values are returned as stored, non-finite ones too
 * (checkpoint_check_finite refuses those). */
int checkpoint_read(const char *path, char **meta, double **params, size_t *n_params, err_t *e);
/* Is path something checkpoint_read would read (a regular file within the
 * size bound)?  -1 naming the file and what it is otherwise. */
int checkpoint_check_file(const char *path, err_t *e);
/* -1 naming path, `what` ("parameter") and the 1-based index of the first
 * of v's n values that is not finite. */
int checkpoint_check_finite(const char *path, const char *what, const double *v, size_t n,
                            err_t *e);

#endif
