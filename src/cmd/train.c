/* train: fits a model of any kind (src/lib/train/kind.h) to a dataset with the
 * library's training loop (src/lib/train/trainer.h, which documents the logs and
 * summary keys).
 *
 *   train --config RUN.ini --data DATA --log LOG.tsv --model OUT.ckpt [--test TEST.tsv]
 *         [--set section.key=value ...] [--summary S.tsv --prefix KEY]
 *         [--stop-after-epoch N | --stop-after-iteration N] [--resume-every K]
 *         [--seed-offset K] [--comm-stats FILE] [--group-timeout SECONDS]
 *
 * DATA is a TSV file (src/lib/data/dataset.h) or an MNIST idx directory (train
 * and test sets read in place; [data] train_count and test_count take the
 * first images).  Kinds trained by iterations (mlp, cnf, latent, rnn) log
 * one row per step and write MODEL.resume after every K-th iteration
 * (--resume-every, default 100: train/trainer.h says why); kinds trained by
 * epochs (odenet, resnet) one row per epoch, with a progress line on a
 * terminal and MODEL.resume after every epoch.  An interrupted run
 * continues from MODEL.resume to the bits an uninterrupted one ends with.
 * --stop-after-epoch (--stop-after-iteration) N stops after epoch
 * (iteration) N on purpose (exit status 3), leaving only MODEL.resume.  A
 * MODEL.resume that is not a regular file, or holds what no run could
 * have written, is refused.  The outputs (log, checkpoint, summary,
 * --comm-stats) are opened before the work, so that an unwritable one
 * fails first, and committed together at the end: a run that fails changes
 * none of them (MODEL.resume, the progress of an unfinished run, is
 * rewritten as it goes).
 *
 * --set overrides one key of the INI file (the Makefile uses it to scale a
 * run to a profile, e.g. fewer iterations for `quick`); a key set twice
 * takes the later value (so RUN_SET can override a stage's own --set), and
 * the checkpoint records the effective values.  --seed-offset K adds K to
 * the run's seed ([train] seed, after every --set): the Makefile's
 * SEED_BASE and its seed replicas shift every run's seed this way without
 * knowing the seed each INI file sets.
 *
 * Under mpirun (or srun), N processes train one model together, data
 * parallel (train/trainer.h): each takes a fixed share of every batch, the
 * shares' gradients are summed in rank order over MPI, and the result is
 * one process's up to the order of those sums.  Rank 0 alone prints
 * progress and writes the outputs; --comm-stats FILE makes it write what
 * its training steps exchanged, a TSV row under the header
 *   ranks steps reductions short_reductions long_reductions long_values
 *   bytes_sent reduction_seconds
 * (short: up to SHORT_SUM values, gathered whole; long: summed by segment;
 * bytes: the values rank 0 handed to MPI, not the header of 5 numbers
 * each call gathers first (below); seconds: wall time inside the
 * reductions, headers and waiting for the others included).
 *
 * A group refuses, on every rank and before any work, ranks given
 * different output options (--log, --model, --summary, --prefix,
 * --stop-after-epoch, --comm-stats), naming the option; the trainer then
 * compares the data, config and resume state.  Any disagreement found
 * later (ranks making different collective calls, or one that finished
 * while others still train) ends every rank at once with a message naming
 * what each was doing; a rank that fails aborts the group (MPI_Abort); a
 * rank that waits --group-timeout seconds (default 600; 0: for ever) for
 * the others at one call ends the group too, as one of them is stuck or
 * gone.  A group never hangs, and a rerun continues from the resume file
 * of the last finished epoch. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "core/comm.h"
#include "data/dataset.h"
#include "train/kind.h"
#include "train/runcfg.h"
#include "core/table.h"
#include "train/trainer.h"
#include "core/util.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: train --config RUN.ini --data DATA --log LOG.tsv --model OUT.ckpt\n"
                "             [--test TEST.tsv] [--set section.key=value ...]\n"
                "             [--summary S.tsv --prefix KEY] [--stop-after-epoch N]\n"
                "             [--stop-after-iteration N] [--resume-every K]\n"
                "             [--comm-stats FILE] [--seed-offset K] [--group-timeout SECONDS]\n"
                "  DATA: a TSV dataset, or an MNIST directory of idx files\n");
}

/* The training set and, if there is one, the test set.  Kinds trained by
 * epochs always score a test set: from an MNIST directory, test_count = 0
 * means all of it; for the others it means none. */
static void load_data(const runcfg_t *rc, const char *data, const char *test, dataset_t *train,
                      dataset_t *test_set)
{
    err_t e = {{0}};
    struct stat st;
    memset(test_set, 0, sizeof *test_set);
    if (stat(data, &st) != 0)
        die("%s: no such file or directory", data);
    int by_epochs = (rc->model_kind->flags & KIND_BY_EPOCHS) != 0;
    if (S_ISDIR(st.st_mode)) {
        if (test)
            die("--test is for TSV data; an MNIST directory brings its own test set");
        if (dataset_load_mnist(data, 1, (int)rc->train_count, train, &e) != 0)
            die("%s", e.msg);
        if ((by_epochs || rc->test_count > 0) &&
            dataset_load_mnist(data, 0, (int)rc->test_count, test_set, &e) != 0)
            die("%s", e.msg);
    } else {
        if (dataset_load_tsv(data, train, &e) != 0)
            die("%s", e.msg);
        if (rc->train_count > 0 && rc->train_count < train->count &&
            train->kind != DATA_TRAJECTORY && train->kind != DATA_SEQUENCES)
            train->count = (int)rc->train_count;
        if (test && dataset_load_tsv(test, test_set, &e) != 0)
            die("%s", e.msg);
    }
    if (test_set->count &&
        (test_set->kind != train->kind || test_set->n_features != train->n_features ||
         test_set->n_targets != train->n_targets))
        die("%s: test set columns do not match %s", test ? test : data, data);
}

/* ---------------------------------------------------------------- MPI */

/* Was this process started by a launcher (mpirun, or srun with PMI or
 * PMIx)?  Only then is MPI initialised, so that a plain `train` neither
 * needs nor starts a runtime. */
static int launched_by_mpi(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                       "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

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

/* The default --group-timeout, in seconds.  The longest wait a healthy
 * group has is the imbalance of one phase between members: a member that
 * loads its data from a slower disk, member 0 writing a resume file at the
 * end of an epoch, a share of the scoring that takes longer; seconds, not
 * minutes.  Ten minutes is far beyond that (so a loaded machine does not
 * trip it), and short enough that a stuck job does not hold its nodes for
 * hours. */
#define GROUP_TIMEOUT_DEFAULT 600.0

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

/* The outputs this process has open, aborted before the group is. */
static atomic_file_t *open_outputs[4];

static void abort_outputs(void)
{
    for (size_t i = 0; i < sizeof open_outputs / sizeof *open_outputs; i++)
        if (open_outputs[i])
            atomic_abort(open_outputs[i]);
}

/* Ends every member of the group: mpirun (or srun) kills the others. */
static void abort_group(void) __attribute__((noreturn));
static void abort_group(void)
{
    abort_outputs();
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
    abort_group();
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
static void group_check_options(mpi_group_t *g, const char *const *names,
                                const char *const *values, int n)
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

static void group_init(mpi_group_t *g, int *argc, char ***argv)
{
    int provided;
    memset(g, 0, sizeof *g);
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

static void group_free(mpi_group_t *g)
{
    free(g->recv);
    free(g->counts);
    free(g->displs);
    free(g->headers);
}

/* ---------------------------------------------------------------- progress */

/* What the user sees while the library trains. */
typedef struct {
    int tty;
    int quiet; /* a rank other than 0 */
} ui_t;

static void on_event(void *ctx, const train_event_t *ev)
{
    const ui_t *ui = ctx;
    if (ui->quiet)
        return;
    switch (ev->what) {
    case TRAIN_STARTED:
        fprintf(stderr, "train: %s with %zu parameters (%.2f M), %d training and %d test examples\n",
                ev->kind, ev->n_params, (double)ev->n_params / 1e6, ev->train_count,
                ev->test_count);
        break;
    case TRAIN_RESUME_IGNORED:
        fprintf(stderr, "train: ignoring %s (%s); starting afresh\n", ev->path, ev->reason);
        break;
    case TRAIN_RESUMED:
        fprintf(stderr, "train: resuming after %s %ld from %s\n",
                ev->iterations ? "iteration" : "epoch", ev->epoch, ev->path);
        break;
    case TRAIN_STEP:
        if (ui->tty) {
            double per_step = ev->seconds / ev->step;
            double left = per_step * (ev->steps - ev->step) +
                          per_step * ev->steps * (double)(ev->epochs - ev->epoch);
            fprintf(stderr, "\r%s epoch %ld/%ld step %d/%d loss %.4f acc %.3f NFE %ld/%ld "
                            "left %dm%02ds   ",
                    ev->kind, ev->epoch, ev->epochs, ev->step, ev->steps, ev->loss, ev->accuracy,
                    ev->nfe_forward, ev->nfe_backward, (int)(left / 60), (int)fmod(left, 60));
        }
        break;
    case TRAIN_EPOCH:
        if (ui->tty)
            fprintf(stderr, "\n");
        fprintf(stderr, "train: epoch %ld: test accuracy %.4f, %.1f s\n", ev->epoch,
                ev->accuracy, ev->seconds);
        break;
    case TRAIN_STOPPED:
        fprintf(stderr, "train: stopped after %s %ld; %s holds the state\n",
                ev->iterations ? "iteration" : "epoch", ev->epoch, ev->path);
        break;
    }
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    /* In a group, every rank but 0 says which it is when it fails, and a
     * rank that fails aborts the group (die's hook) rather than leave the
     * others waiting. */
    mpi_group_t group;
    int in_group = launched_by_mpi();
    char rank_name[64];
    if (in_group) {
        group_init(&group, &argc, &argv);
        if (group.comm.rank > 0) {
            snprintf(rank_name, sizeof rank_name, "%s (rank %d of %d)", progname(),
                     group.comm.rank, group.comm.size);
            set_progname(rank_name);
        }
        set_die_hook(abort_group);
    }
    const char *config = NULL, *data = NULL, *test = NULL, *log_path = NULL, *model_path = NULL,
               *summary_path = NULL, *prefix = NULL, *stats_path = NULL;
    long stop_after = 0, stop_after_iteration = 0, resume_every = 0, seed_offset = 0;
    double group_timeout = GROUP_TIMEOUT_DEFAULT;
    /* --set section.key=value, the later of two for one key winning. */
    enum { MAX_SETS = 64 };
    const char *sets[MAX_SETS];
    int n_sets = 0;
    enum { OPT_STOP = 256, OPT_STATS, OPT_SEED_OFFSET, OPT_STOP_IT, OPT_RESUME_EVERY, OPT_TIMEOUT };
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},         {"config", required_argument, NULL, 'c'},
        {"data", required_argument, NULL, 'd'},   {"test", required_argument, NULL, 't'},
        {"log", required_argument, NULL, 'l'},    {"model", required_argument, NULL, 'm'},
        {"set", required_argument, NULL, 's'},    {"summary", required_argument, NULL, 'S'},
        {"prefix", required_argument, NULL, 'p'},
        {"stop-after-epoch", required_argument, NULL, OPT_STOP},
        {"stop-after-iteration", required_argument, NULL, OPT_STOP_IT},
        {"resume-every", required_argument, NULL, OPT_RESUME_EVERY},
        {"comm-stats", required_argument, NULL, OPT_STATS},
        {"seed-offset", required_argument, NULL, OPT_SEED_OFFSET},
        {"group-timeout", required_argument, NULL, OPT_TIMEOUT},
        {NULL, 0, NULL, 0}};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'c': config = optarg; break;
        case 'd': data = optarg; break;
        case 't': test = optarg; break;
        case 'l': log_path = optarg; break;
        case 'm': model_path = optarg; break;
        case 'S': summary_path = optarg; break;
        case 'p': prefix = optarg; break;
        case OPT_STATS: stats_path = optarg; break;
        case OPT_STOP:
            if (parse_long(optarg, &stop_after) != 0 || stop_after < 1)
                die("--stop-after-epoch: '%s' is not a positive integer", optarg);
            break;
        case OPT_STOP_IT:
            if (parse_long(optarg, &stop_after_iteration) != 0 || stop_after_iteration < 1)
                die("--stop-after-iteration: '%s' is not a positive integer", optarg);
            break;
        case OPT_RESUME_EVERY:
            if (parse_long(optarg, &resume_every) != 0 || resume_every < 1)
                die("--resume-every: '%s' is not a positive integer", optarg);
            break;
        case OPT_SEED_OFFSET:
            if (parse_long(optarg, &seed_offset) != 0 || seed_offset < 0)
                die("--seed-offset: '%s' is not a non-negative integer", optarg);
            break;
        case OPT_TIMEOUT:
            if (parse_double(optarg, &group_timeout) != 0 || !isfinite(group_timeout) ||
                group_timeout < 0)
                die("--group-timeout: '%s' is not a finite number of seconds >= 0", optarg);
            break;
        case 's': {
            const char *kv = optarg, *dot = strchr(kv, '.'), *eq = strchr(kv, '=');
            if (!dot || !eq || dot > eq || dot == kv || eq == dot + 1)
                die("--set '%s': expected section.key=value", kv);
            if (strpbrk(kv, "\n\r"))
                die("--set: a value must not span lines");
            int i = 0;
            while (i < n_sets && strncmp(sets[i], kv, (size_t)(eq - kv + 1)) != 0)
                i++;
            if (i == MAX_SETS)
                die("--set: more than %d settings", MAX_SETS);
            sets[i] = kv;
            n_sets += i == n_sets;
            break;
        }
        default:
            die_bad_option(c, argv);
        }
    }
    if (optind < argc)
        die("unexpected argument '%s' (see --help)", argv[optind]);
    if (!config || !data || !log_path || !model_path || !summary_path != !prefix) {
        usage(stderr);
        if (in_group)
            abort_group();
        return 2;
    }
    if (prefix && !key_is_valid(prefix))
        die("--prefix '%s' is not a valid key", prefix);
    if (in_group) {
        char stop[32], stop_it[32], every[32];
        snprintf(stop, sizeof stop, "%ld", stop_after);
        snprintf(stop_it, sizeof stop_it, "%ld", stop_after_iteration);
        snprintf(every, sizeof every, "%ld", resume_every);
        const char *const names[] = {"--log",        "--model",
                                     "--summary",    "--prefix",
                                     "--stop-after-epoch", "--stop-after-iteration",
                                     "--resume-every", "--comm-stats"};
        const char *const values[] = {log_path,
                                      model_path,
                                      summary_path,
                                      prefix,
                                      stop_after ? stop : NULL,
                                      stop_after_iteration ? stop_it : NULL,
                                      resume_every ? every : NULL,
                                      stats_path};
        group.timeout = group_timeout;
        group_check_options(&group, names, values, 8);
    }
    runcfg_t rc;
    err_t e = {{0}};
    {
        size_t n = strlen(model_path);
        char *resume = xmalloc(n + 8);
        snprintf(resume, n + 8, "%s.resume", model_path);
        const io_path_t in[] = {{"--config", config}, {"--data", data}, {"--test", test}};
        const io_path_t out[] = {{"--log", log_path}, {"--model", model_path},
                                 {"--summary", summary_path}, {"--model's resume file", resume},
                                 {"--comm-stats", stats_path}};
        if (check_io_paths(in, 3, out, 5, &e) != 0)
            die("%s", e.msg);
        free(resume);
    }
    /* Every output is opened before the work, so that an unwritable
     * destination fails first, and all are committed together at the end
     * (trainer_commit): a failure at any point leaves every target as it
     * was. */
    int rank = in_group ? group.comm.rank : 0;
    atomic_file_t log_af, model_af, summary_af, stats_af;
    if (rank == 0) {
        const io_path_t outs[4] = {{"--log", log_path}, {"--model", model_path},
                                   {"--summary", summary_path}, {"--comm-stats", stats_path}};
        atomic_file_t *afs[4] = {&log_af, &model_af, &summary_af, &stats_af};
        for (int i = 0; i < 4; i++) {
            if (!outs[i].path)
                continue;
            if (atomic_open(afs[i], outs[i].path, &e) != 0)
                die("%s: %s", outs[i].what, e.msg);
            open_outputs[i] = afs[i];
        }
    }
    if (runcfg_load(config, &rc, &e) != 0)
        die("%s", e.msg);
    char *overrides = NULL;
    size_t overrides_len = 0;
    FILE *ov = open_memstream(&overrides, &overrides_len);
    if (!ov)
        die("out of memory");
    for (int i = 0; i < n_sets; i++) {
        const char *kv = sets[i], *dot = strchr(kv, '.'), *eq = strchr(kv, '=');
        fprintf(ov, "[%.*s]\n%.*s = %s\n", (int)(dot - kv), kv, (int)(eq - dot - 1), dot + 1,
                eq + 1);
    }
    fclose(ov);
    if (overrides_len && runcfg_override(&rc, "--set", overrides, &e) != 0)
        die("%s (config %s)", e.msg, config);
    free(overrides);
    if (seed_offset > LONG_MAX - rc.seed)
        die("--seed-offset %ld: the seed %ld of %s would overflow", seed_offset, rc.seed, config);
    rc.seed += seed_offset;
    openblas_set_num_threads((int)rc.threads);

    dataset_t train, test_set;
    load_data(&rc, data, test, &train, &test_set);
    ui_t ui = {.tty = isatty(2), .quiet = rank > 0};
    trainer_opts_t opts = {.rc = &rc, .config_name = config, .train = &train, .test = &test_set,
                           .data_name = data, .test_name = test ? test : data,
                           .log_path = log_path, .model_path = model_path,
                           .summary_path = summary_path, .prefix = prefix,
                           .stop_after_epoch = stop_after,
                           .stop_after_iteration = stop_after_iteration,
                           .resume_every = resume_every, .notify = on_event,
                           .notify_ctx = &ui, .comm = in_group ? &group.comm : NULL,
                           .log_out = open_outputs[0], .model_out = open_outputs[1],
                           .summary_out = open_outputs[2]};
    int status = trainer_run(&opts, &e);
    dataset_free(&train);
    dataset_free(&test_set);
    if (status < 0)
        die("%s", e.msg);
    /* Every member has finished, the same way, before anything is
     * committed. */
    if (in_group)
        group_agree(&group, CALL_END, status);
    if (status == 1) {
        abort_outputs(); /* stopped on purpose: only MODEL.resume is written */
    } else if (rank == 0) {
        if (stats_path) {
            const mpi_group_t *g = in_group ? &group : NULL;
            fprintf(stats_af.fp, "ranks\tsteps\treductions\tshort_reductions\tlong_reductions\t"
                                 "long_values\tbytes_sent\treduction_seconds\n"
                                 "%d\t%ld\t%ld\t%ld\t%ld\t%.0f\t%.0f\t%.6f\n",
                    g ? g->comm.size : 1, g ? g->comm.steps : 0L, g ? g->comm.calls : 0L,
                    g ? g->short_calls : 0L, g ? g->long_calls : 0L, g ? g->long_values : 0.0,
                    g ? g->comm.bytes : 0.0, g ? g->seconds : 0.0);
        }
        if (trainer_commit(&opts, &open_outputs[3], 1, &e) != 0)
            die("%s", e.msg);
        memset(open_outputs, 0, sizeof open_outputs);
    }
    if (in_group) {
        set_die_hook(NULL);
        group_free(&group);
        MPI_Finalize();
    }
    return status == 1 ? 3 : 0;
}
