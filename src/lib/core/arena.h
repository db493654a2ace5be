/* A model's workspace in one allocation.
 *
 * The model lists its buffers, each with where its pointer goes and its
 * length in elements (double or int), and keeps the list's shape comments
 * beside the pointers it sets.  The arena lays them out one after the
 * other in one block, each starting on a 64-byte line: at least malloc's
 * alignment, and the same layout for every run.  The block is not zeroed:
 * every buffer is written before it is read.
 *
 * A workspace that grows (a batch with longer sequences) is laid out again
 * from the same list with the new lengths; every buffer keeps its first
 * min(old, new) elements, so a buffer filled before the growth stays valid
 * after it, wherever in a run the growth comes. */
#ifndef NODE_CORE_ARENA_H
#define NODE_CORE_ARENA_H

#include <stddef.h>

/* Bytes per line: every buffer starts on one. */
#define ARENA_LINE 64
/* The most buffers one arena holds. */
#define ARENA_MAX_BUFS 48

/* One buffer: exactly one of d and i is set. */
typedef struct {
    double **d; /* where a double buffer's address goes */
    int **i;    /* where an int buffer's address goes */
    size_t n;   /* its length in elements */
} arena_buf_t;

#define ARENA_DOUBLES(ptr, count) {&(ptr), NULL, (count)}
#define ARENA_INTS(ptr, count) {NULL, &(ptr), (count)}

typedef struct {
    void *block;               /* every buffer; NULL before the first layout */
    size_t bytes;              /* the block's size */
    size_t n_bufs;             /* the buffers of the last layout */
    size_t n[ARENA_MAX_BUFS];  /* and their lengths then, in elements */
} arena_t;

/* The bytes a layout of bufs[0..n_bufs) takes. */
size_t arena_bytes(const arena_buf_t *bufs, size_t n_bufs);

/* Lays bufs[0..n_bufs) out in a new block and sets their pointers; each
 * buffer keeps its first min(old, new) elements from the last layout (the
 * same list in the same order, longer or not), then the old block is
 * freed.  Returns 0, or -1 with a unchanged if there is no memory for
 * arena_bytes(bufs, n_bufs) (or more than ARENA_MAX_BUFS buffers). */
int arena_layout(arena_t *a, const arena_buf_t *bufs, size_t n_bufs);

/* arena_layout, dying with file:line when there is no memory, as
 * xmalloc (core/util.h) does. */
#define arena_xlayout(a, bufs, n_bufs) arena_xlayout_at((a), (bufs), (n_bufs), __FILE__, __LINE__)
void arena_xlayout_at(arena_t *a, const arena_buf_t *bufs, size_t n_bufs, const char *file,
                      int line);

/* Frees the block (every buffer); a is empty again. */
void arena_free(arena_t *a);

#endif
