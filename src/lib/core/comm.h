/* A group of processes that train one model together, data parallel: each
 * holds the same parameters and takes a fixed share of every minibatch
 * (train/trainer.h).  The library never calls a message-passing library itself:
 * a command fills in the two reductions (train does with MPI), and without
 * a group (NULL, or size 1) nothing here is used.
 *
 * Both reductions are collective: every member calls them in the same
 * order with the same n, and every member gets the same bits back.  The
 * sum is formed in rank order, ((x_0 + x_1) + x_2) + ..., whatever the
 * transport does, so a run is reproducible for a given group size.  A
 * failure of the transport is not returned: it ends the job (MPI's default
 * error handler), because the other members could not continue anyway. */
#ifndef NODE_CORE_COMM_H
#define NODE_CORE_COMM_H

#include <stddef.h>

typedef struct comm {
    int rank, size;
    void *ctx;
    /* x (n) becomes the sum over the group, element by element. */
    void (*sum)(void *ctx, double *x, size_t n);
    /* x (n) becomes the maximum over the group, element by element. */
    void (*max)(void *ctx, double *x, size_t n);
    /* The ODE solvers reduce their error norms and step decisions across
     * the group only while this is set: the trainer sets it around a
     * training step, whose batch the members share, and clears it for
     * scoring, which every member does on whole chunks of its own. */
    int coupled;
    /* Counters: training steps shared (by the trainer), reductions made
     * (by the wrappers below), and the bytes this member handed to the
     * transport for them (by the implementation, which knows its
     * pattern). */
    long steps, calls;
    double bytes;
} comm_t;

/* Is there a group of more than one member? */
static inline int comm_parallel(const comm_t *c) { return c && c->size > 1; }

/* The reductions, counted (calls above). */
void comm_sum(comm_t *c, double *x, size_t n);
void comm_max(comm_t *c, double *x, size_t n);

#endif
