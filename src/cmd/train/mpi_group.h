/* train's backend for data-parallel training over Open MPI: a group of
 * processes started by mpirun (or srun) that train one model together
 * through the comm_t it fills (core/comm.h; train/trainer.h says how the
 * work is shared).
 *
 * A group never hangs on a disagreement: every collective call is
 * preceded by a header gathered from every member, so that a member that
 * makes another call, or has finished while others still train, ends the
 * group at once with a message naming what each member was doing; a wait
 * that lasts longer than the timeout (--group-timeout) ends it too
 * (mpi_group.c says how).  Ending the group is MPI_Abort on every member,
 * after the cleanup given to group_init (the command's open outputs). */
#ifndef CMD_TRAIN_MPI_GROUP_H
#define CMD_TRAIN_MPI_GROUP_H

#include <stddef.h>

#include "core/comm.h"

/* The default --group-timeout, in seconds.  The longest wait a healthy
 * group has is the imbalance of one phase between members: a member that
 * loads its data from a slower disk, member 0 writing a resume file at the
 * end of an epoch, a share of the scoring that takes longer; seconds, not
 * minutes.  Ten minutes is far beyond that (so a loaded machine does not
 * trip it), and short enough that a stuck job does not hold its nodes for
 * hours. */
#define GROUP_TIMEOUT_DEFAULT 600.0

/* One member's end of the group.  train reads the counters for
 * --comm-stats: comm's (size, steps, calls, bytes) and these. */
typedef struct {
    comm_t comm;
    long short_calls, long_calls;
    double long_values, seconds;
    double *recv; /* received terms */
    size_t recv_n;
    int *counts, *displs; /* (size) the segments of a long sum */
    long long seq;        /* collective calls so far */
    long long extra_at;   /* test only: the call after which to make one more */
    long long *headers;   /* (size, HEADER) the last call's */
    double timeout;       /* seconds a wait may last; 0: for ever */
} mpi_group_t;

/* Was this process started by a launcher (mpirun, or srun with PMI or
 * PMIx)?  Only then is MPI initialised, so that a plain `train` neither
 * needs nor starts a runtime. */
int group_launched(void);

/* Initialises MPI and g (timeout GROUP_TIMEOUT_DEFAULT; set g->timeout to
 * change it).  cleanup (or NULL) runs before the group is aborted. */
void group_init(mpi_group_t *g, int *argc, char ***argv, void (*cleanup)(void));

/* The options that decide what a member does or writes, compared before
 * anything else: names and values (NULL: not given) of n options.  A
 * difference aborts the group on every member, naming the option and two
 * members' values.  Collective. */
void group_check_options(mpi_group_t *g, const char *const *names, const char *const *values,
                         int n);

/* The last collective call: returns once every member has finished the
 * same way (status: trainer_run's), before anything is committed. */
void group_finish(mpi_group_t *g, int status);

/* Frees g and finalises MPI. */
void group_finalize(mpi_group_t *g);

/* Ends every member of the group (mpirun or srun kills the others) after
 * the cleanup; also die's hook in a group, so that a member that fails
 * does not leave the others waiting. */
void group_abort(void) __attribute__((noreturn));

#endif
