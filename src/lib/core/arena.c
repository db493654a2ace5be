#include "core/arena.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static size_t elem_size(const arena_buf_t *b) { return b->d ? sizeof(double) : sizeof(int); }

static size_t line_round(size_t bytes) { return (bytes + ARENA_LINE - 1) / ARENA_LINE * ARENA_LINE; }

static char *buf_ptr(const arena_buf_t *b) { return b->d ? (char *)*b->d : (char *)*b->i; }

size_t arena_bytes(const arena_buf_t *bufs, size_t n_bufs)
{
    size_t total = 0;
    for (size_t k = 0; k < n_bufs; k++)
        total += line_round(bufs[k].n * elem_size(&bufs[k]));
    return total;
}

int arena_layout(arena_t *a, const arena_buf_t *bufs, size_t n_bufs)
{
    if (n_bufs > ARENA_MAX_BUFS)
        return -1;
    size_t total = arena_bytes(bufs, n_bufs);
    /* aligned_alloc wants a multiple of the alignment: total is one (and
     * not 0, for which it may return NULL). */
    char *block = aligned_alloc(ARENA_LINE, total ? total : ARENA_LINE);
    if (!block)
        return -1;
    char *next = block;
    for (size_t k = 0; k < n_bufs; k++) {
        const arena_buf_t *b = &bufs[k];
        size_t es = elem_size(b);
        if (a->block && k < a->n_bufs) {
            size_t keep = a->n[k] < b->n ? a->n[k] : b->n;
            if (keep)
                memcpy(next, buf_ptr(b), keep * es);
        }
        if (b->d)
            *b->d = (double *)(void *)next;
        else
            *b->i = (int *)(void *)next;
        a->n[k] = b->n;
        next += line_round(b->n * es);
    }
    free(a->block);
    a->block = block;
    a->bytes = total;
    a->n_bufs = n_bufs;
    return 0;
}

void arena_xlayout_at(arena_t *a, const arena_buf_t *bufs, size_t n_bufs, const char *file,
                      int line)
{
    if (arena_layout(a, bufs, n_bufs) != 0)
        die("%s:%d: out of memory allocating a workspace of %zu bytes in %zu buffers", file, line,
            arena_bytes(bufs, n_bufs), n_bufs);
}

void arena_free(arena_t *a)
{
    free(a->block);
    memset(a, 0, sizeof *a);
}
