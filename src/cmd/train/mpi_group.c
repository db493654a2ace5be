/* train's groups over Open MPI (mpi_group.h): the headers every collective
 * call is preceded by, the sums in rank order, the timeouts. */
#define _POSIX_C_SOURCE 200809L
#include "train/mpi_group.h"

#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#include "core/util.h"

/* A group never hangs on a disagreement.  Every collective call is
 * preceded by a header gathered from every member: the call's number, its
 * kind (below), its length, the training steps shared so far and whether a
 * step's solves are coupled (core/comm.h).  The headers are the same on every
 * member as long as all run the same loop; a member that makes another
 * call, of another length, or has already finished (the END call every
 * member makes before MPI_Finalize) is seen by all at once, and each
 * aborts the group (MPI_Abort) naming what each member was doing.  Every
 * wait polls a nonblocking collective against --group-timeout, so that a
 * member that is stuck, or gone without a word, ends the group too; a
 * member that fails (die) aborts the group instead of exiting alone. */
enum { HEADER = 5 };
enum { CALL_OPTIONS = 1, CALL_SUM, CALL_MAX, CALL_END };

/* Run before MPI_Abort, which ends the process without exit's handlers:
 * the command's open outputs (group_init). */
static void (*abort_cleanup)(void);

/* Was this process started by a launcher (mpirun, or srun with PMI or
 * PMIx)?  Only then is MPI initialised, so that a plain `train` neither
 * needs nor starts a runtime. */
int group_launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                       "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

/* Ends every member of the group: mpirun (or srun) kills the others. */
void group_abort(void)
{
    if (abort_cleanup)
        abort_cleanup();
    fflush(NULL);
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1); /* not reached */
}

static void group_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void group_fail(const char *fmt, ...)
{
    /* One write, so that the members' lines do not interleave. */
    char line[2048];
    int n = snprintf(line, sizeof line, "%s: ", progname());
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    n = (int)strlen(line);
    snprintf(line + n, sizeof line - (size_t)n, "; aborting the group\n");
    fputs(line, stderr);
    group_abort();
}

/* What a header says, for messages: "a sum of 4751 values, inside
 * training step 12". */
static void describe(const long long *h, char *buf, size_t size)
{
    int n = 0;
    switch (h[1]) {
    case CALL_OPTIONS: n = snprintf(buf, size, "the comparison of options"); break;
    case CALL_SUM: n = snprintf(buf, size, "a sum of %lld values", h[2]); break;
    case CALL_MAX: n = snprintf(buf, size, "a maximum of %lld values", h[2]); break;
    case CALL_END:
        n = snprintf(buf, size, h[2] ? "the end of a stopped run (--stop-after-epoch or --stop-after-iteration)"
                                     : "the end of a finished run");
        break;
    default: n = snprintf(buf, size, "an unknown call %lld", h[1]); break;
    }
    if (n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, h[4] ? ", inside training step %lld"
                                                 : ", after %lld training steps", h[3]);
}

/* Waits for req, polling: a busy wait at first (a reduction inside a step
 * takes microseconds), then yielding, then sleeping 0.2 ms between polls
 * (a member that waits long is waiting for another's work, and must not
 * take its core). */
static void group_wait(mpi_group_t *g, MPI_Request *req, const long long *header)
{
    double t0 = MPI_Wtime();
    for (long polls = 0;; polls++) {
        int done = 0;
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        double waited = MPI_Wtime() - t0;
        if (g->timeout > 0 && waited > g->timeout) {
            char what[256];
            describe(header, what, sizeof what);
            group_fail("waited %.0f s at collective call %lld (%s) for the other processes: one "
                       "of them is stuck or gone (--group-timeout %g)",
                       waited, header[0], what, g->timeout);
        }
        if (waited > 0.01) {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        } else if (polls > 1000) {
            sched_yield();
        }
    }
}

/* The header exchange before every collective call: returns only when
 * every member is about to make the same call. */
static void group_max(void *ctx, double *x, size_t n);

static void group_agree(mpi_group_t *g, int kind, long long n)
{
    if (g->extra_at > 0 && g->seq == g->extra_at) {
        g->extra_at = 0;
        double x = 0;
        group_max(g, &x, 1);
    }
    long long me[HEADER] = {++g->seq, kind, n, g->comm.steps, g->comm.coupled};
    MPI_Request req;
    MPI_Iallgather(me, HEADER, MPI_LONG_LONG, g->headers, HEADER, MPI_LONG_LONG,
                   MPI_COMM_WORLD, &req);
    group_wait(g, &req, me);
    int P = g->comm.size, other = -1;
    for (int r = 0; r < P && other < 0; r++)
        if (memcmp(g->headers + (size_t)r * HEADER, me, sizeof me) != 0)
            other = r;
    if (other < 0)
        return;
    /* Every member sees the same headers and says the same. */
    char text[1024];
    size_t len = 0;
    for (int r = 0; r < P && len < sizeof text; r++) {
        char what[256];
        describe(g->headers + (size_t)r * HEADER, what, sizeof what);
        int k = snprintf(text + len, sizeof text - len, "%s rank %d is at %s", r ? ";" : "", r, what);
        if (k < 0)
            break;
        len += (size_t)k;
    }
    group_fail("the %d processes are out of step at collective call %lld:%s", P,
               g->headers[(size_t)other * HEADER], text);
}

static double *recv_buffer(mpi_group_t *g, size_t n)
{
    if (g->recv_n < n) {
        free(g->recv);
        g->recv = xmalloc(n * sizeof *g->recv);
        g->recv_n = n;
    }
    return g->recv;
}

/* Below this many values a sum gathers every member's whole vector;
 * above, each member sums one segment (all-to-all, then all-gather), the
 * traffic of a ring all-reduce.  Either way each value is added in rank
 * order, the same on every member. */
enum { SHORT_SUM = 256 };

static void group_sum(void *ctx, double *x, size_t n)
{
    mpi_group_t *g = ctx;
    int P = g->comm.size, me = g->comm.rank;
    double t0 = MPI_Wtime();
    group_agree(g, CALL_SUM, (long long)n);
    const long long *header = g->headers + (size_t)me * HEADER;
    MPI_Request req;
    if (n <= SHORT_SUM) {
        double *all = recv_buffer(g, n * (size_t)P);
        MPI_Iallgather(x, (int)n, MPI_DOUBLE, all, (int)n, MPI_DOUBLE, MPI_COMM_WORLD, &req);
        group_wait(g, &req, header);
        for (size_t i = 0; i < n; i++) {
            double acc = all[i];
            for (int r = 1; r < P; r++)
                acc += all[(size_t)r * n + i];
            x[i] = acc;
        }
        g->comm.bytes += 8.0 * (double)n * (P - 1);
        g->short_calls++;
        g->seconds += MPI_Wtime() - t0;
        return;
    }
    for (int r = 0; r < P; r++) {
        size_t lo = n * (size_t)r / (size_t)P, hi = n * (size_t)(r + 1) / (size_t)P;
        g->counts[r] = (int)(hi - lo);
        g->displs[r] = (int)lo;
    }
    int mine = g->counts[me];
    double *terms = recv_buffer(g, (size_t)mine * (size_t)P); /* (P, mine) */
    int *rcounts = g->counts + P, *rdispls = g->displs + P;
    for (int r = 0; r < P; r++) {
        rcounts[r] = mine;
        rdispls[r] = r * mine;
    }
    MPI_Ialltoallv(x, g->counts, g->displs, MPI_DOUBLE, terms, rcounts, rdispls, MPI_DOUBLE,
                   MPI_COMM_WORLD, &req);
    group_wait(g, &req, header);
    double *seg = x + g->displs[me];
    for (int i = 0; i < mine; i++) {
        double acc = terms[i];
        for (int r = 1; r < P; r++)
            acc += terms[(size_t)r * mine + i];
        seg[i] = acc;
    }
    MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, x, g->counts, g->displs, MPI_DOUBLE,
                    MPI_COMM_WORLD, &req);
    group_wait(g, &req, header);
    g->comm.bytes += 8.0 * ((double)(n - (size_t)mine) + (double)mine * (P - 1));
    g->long_calls++;
    g->long_values += (double)n;
    g->seconds += MPI_Wtime() - t0;
}

/* The maximum is exact: MPI's own reduction gives every member the same. */
static void group_max(void *ctx, double *x, size_t n)
{
    mpi_group_t *g = ctx;
    double t0 = MPI_Wtime();
    group_agree(g, CALL_MAX, (long long)n);
    MPI_Request req;
    MPI_Iallreduce(MPI_IN_PLACE, x, (int)n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD, &req);
    group_wait(g, &req, g->headers + (size_t)g->comm.rank * HEADER);
    g->comm.bytes += 8.0 * (double)n;
    g->short_calls++;
    g->seconds += MPI_Wtime() - t0;
}

/* The options that decide what a member does or writes, compared before
 * anything else: a member given --summary (scoring for it), another
 * --stop-after-epoch (leaving early) or other paths would make other
 * collective calls than the rest.  The inputs' paths are not compared:
 * their contents are (train/trainer.h), and nodes without a shared file system
 * may hold them at different paths.  Names and values (NULL: not given)
 * of n options; refuses a difference on every member, naming the option
 * and two members' values. */
void group_check_options(mpi_group_t *g, const char *const *names, const char *const *values,
                         int n)
{
    /* NUL-separated fields, one an option: '-' (not given) or '=' and the
     * value. */
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    if (!fp)
        die("out of memory");
    for (int i = 0; i < n; i++) {
        fputs(values[i] ? "=" : "-", fp);
        if (values[i])
            fputs(values[i], fp);
        fputc('\0', fp);
    }
    fclose(fp);
    if (len > INT_MAX)
        die("options too long");
    int P = g->comm.size, mine = (int)len;
    group_agree(g, CALL_OPTIONS, 0);
    const long long *header = g->headers + (size_t)g->comm.rank * HEADER;
    int *lens = xmalloc((size_t)P * sizeof *lens), *offs = xmalloc((size_t)P * sizeof *offs);
    MPI_Request req;
    MPI_Iallgather(&mine, 1, MPI_INT, lens, 1, MPI_INT, MPI_COMM_WORLD, &req);
    group_wait(g, &req, header);
    size_t total = 0;
    for (int r = 0; r < P; r++) {
        if (total + (size_t)lens[r] > INT_MAX)
            die("options too long");
        offs[r] = (int)total;
        total += (size_t)lens[r];
    }
    char *all = xmalloc(total + 1);
    MPI_Iallgatherv(text, mine, MPI_CHAR, all, lens, offs, MPI_CHAR, MPI_COMM_WORLD, &req);
    group_wait(g, &req, header);
    const char *first = all; /* rank 0's fields */
    for (int r = 1; r < P; r++) {
        const char *a = first, *b = all + offs[r];
        for (int i = 0; i < n; i++, a += strlen(a) + 1, b += strlen(b) + 1) {
            if (strcmp(a, b) == 0)
                continue;
            char va[300] = "none", vb[300] = "none";
            if (*a == '=')
                snprintf(va, sizeof va, "'%.256s'", a + 1);
            if (*b == '=')
                snprintf(vb, sizeof vb, "'%.256s'", b + 1);
            group_fail("the %d processes were not given the same %s: rank 0 has %s, rank %d "
                       "has %s (every process of a group needs the same options)",
                       P, names[i], va, r, vb);
        }
    }
    free(all);
    free(lens);
    free(offs);
    free(text);
}

void group_init(mpi_group_t *g, int *argc, char ***argv, void (*cleanup)(void))
{
    int provided;
    memset(g, 0, sizeof *g);
    abort_cleanup = cleanup;
    /* Only the main thread calls MPI; OpenMP threads work inside it. */
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g->comm.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g->comm.size);
    g->comm.ctx = g;
    g->comm.sum = group_sum;
    g->comm.max = group_max;
    g->counts = xmalloc(2 * (size_t)g->comm.size * sizeof *g->counts);
    g->displs = xmalloc(2 * (size_t)g->comm.size * sizeof *g->displs);
    g->headers = xmalloc((size_t)g->comm.size * HEADER * sizeof *g->headers);
    g->timeout = GROUP_TIMEOUT_DEFAULT;
    /* Test only (tests/mpi.sh): TRAIN_TEST_EXTRA_CALL=N makes this member
     * make one collective call more than the others, a maximum of one value
     * after its N-th call, as a member whose solver took a step the others
     * did not would. */
    const char *extra = getenv("TRAIN_TEST_EXTRA_CALL");
    long at;
    if (extra && parse_long(extra, &at) == 0 && at > 0)
        g->extra_at = at;
}

void group_finish(mpi_group_t *g, int status)
{
    group_agree(g, CALL_END, status);
}

void group_finalize(mpi_group_t *g)
{
    free(g->recv);
    free(g->counts);
    free(g->displs);
    free(g->headers);
    MPI_Finalize();
}
