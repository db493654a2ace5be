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
 * epochs (odenet, resnet) one row per epoch and MODEL.resume after every
 * epoch.  Progress (the iteration or epoch and step, loss, NFE, the time
 * left) goes to stderr: on a terminal one line rewritten in place, else a
 * line every 10 seconds (PROGRESS_EVERY; TRAIN_PROGRESS_EVERY=SECONDS in
 * the environment, 0: every step), none from a shorter run.  An
 * interrupted run continues from MODEL.resume to the bits an
 * uninterrupted one ends with.
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
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cli.h"
#include "data/dataset.h"
#include "nn/gemm.h"
#include "train/kind.h"
#include "train/mpi_group.h"
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
                "  DATA: a TSV dataset, or an MNIST directory of idx files\n"
                "  TRAIN_PROGRESS_EVERY=SECONDS (environment): seconds between progress\n"
                "    lines when stderr is not a terminal (default 10; 0: every step)\n");
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

/* ---------------------------------------------------------------- progress */

/* Seconds between two progress lines in a log (stderr not a terminal;
 * TRAIN_PROGRESS_EVERY overrides it, 0: every step).  Ten: a 10-minute
 * run (the paper profile's flow) shows 60 lines, a stalled one is seen
 * within seconds, and a make log of dozens of runs stays readable; a run
 * shorter than this prints none. */
#define PROGRESS_EVERY 10.0
/* At most this many refreshes a second of a terminal's \r line for kinds
 * trained by iterations, whose steps can take well under a millisecond
 * (an epoch step's line, far slower, is refreshed at every step). */
#define PROGRESS_TTY_HZ 4.0

/* What the user sees while the library trains. */
typedef struct {
    int tty;
    int quiet;      /* a rank other than 0 */
    double every;   /* seconds between two lines in a log */
    double t_last;  /* wall time (this command's clock) of the last line, or
                     * of the start */
    int line_open;  /* a terminal's \r line is showing, not yet ended */
} ui_t;

/* TRAIN_PROGRESS_EVERY's seconds, else PROGRESS_EVERY. */
static double progress_every(void)
{
    const char *v = getenv("TRAIN_PROGRESS_EVERY");
    double x;
    if (!v)
        return PROGRESS_EVERY;
    if (parse_double(v, &x) != 0 || !isfinite(x) || x < 0)
        die("TRAIN_PROGRESS_EVERY: '%s' is not a finite number of seconds >= 0", v);
    return x;
}

/* Is a line due, at least `every` seconds of wall time after the last (or
 * the start)?  If so, it is now the last. */
static int line_due(ui_t *ui, double every)
{
    double now = monotonic_seconds();
    if (now - ui->t_last < every)
        return 0;
    ui->t_last = now;
    return 1;
}

/* Ends a terminal's \r line before anything else is printed. */
static void end_line(ui_t *ui)
{
    if (ui->line_open)
        fputc('\n', stderr);
    ui->line_open = 0;
}

/* A progress line's text: on a terminal rewritten in place (\r), in a
 * log one line of its own, named as the command's messages are. */
static void progress_line(ui_t *ui, const char *text)
{
    if (ui->tty) {
        fprintf(stderr, "\r%s   ", text);
        ui->line_open = 1;
    } else {
        fprintf(stderr, "train: %s\n", text);
    }
}

/* TRAIN_STEP: on a terminal every step, in a log on the cadence. */
static void show_step(ui_t *ui, const train_event_t *ev)
{
    if (!ui->tty && !line_due(ui, ui->every))
        return;
    double per_step = ev->seconds / ev->step;
    double left = per_step * (ev->steps - ev->step) +
                  per_step * ev->steps * (double)(ev->epochs - ev->epoch);
    char text[256];
    snprintf(text, sizeof text,
             "%s epoch %ld/%ld step %d/%d loss %.4f acc %.3f NFE %ld/%ld left %dm%02ds",
             ev->kind, ev->epoch, ev->epochs, ev->step, ev->steps, ev->loss, ev->accuracy,
             ev->nfe_forward, ev->nfe_backward, (int)(left / 60), (int)fmod(left, 60));
    progress_line(ui, text);
}

/* TRAIN_ITERATION: on a terminal a few times a second and at the last
 * iteration, in a log on the cadence; the time left is the rate of this
 * process's iterations so far times those to come. */
static void show_iteration(ui_t *ui, const train_event_t *ev)
{
    int last = ev->iteration == ev->iteration_last;
    if (ui->tty ? !line_due(ui, 1.0 / PROGRESS_TTY_HZ) && !last : !line_due(ui, ui->every))
        return;
    double per_it = ev->seconds / (double)(ev->iteration - ev->iteration_first + 1);
    double left = per_it * (double)(ev->iteration_last - ev->iteration);
    char text[256];
    snprintf(text, sizeof text,
             "%s iteration %ld/%ld loss %.4g NFE %ld/%ld elapsed %dm%02ds left %dm%02ds",
             ev->kind, ev->iteration, ev->iteration_last, ev->loss, ev->nfe_forward,
             ev->nfe_backward, (int)(ev->seconds / 60), (int)fmod(ev->seconds, 60),
             (int)(left / 60), (int)fmod(left, 60));
    progress_line(ui, text);
}

static void on_event(void *ctx, const train_event_t *ev)
{
    ui_t *ui = ctx;
    if (ui->quiet)
        return;
    switch (ev->what) {
    case TRAIN_STARTED:
        fprintf(stderr, "train: %s with %zu parameters (%.2f M), %d training and %d test examples\n",
                ev->kind, ev->n_params, (double)ev->n_params / 1e6, ev->train_count,
                ev->test_count);
        ui->t_last = monotonic_seconds(); /* the cadence counts from here */
        break;
    case TRAIN_RESUME_IGNORED:
        fprintf(stderr, "train: ignoring %s (%s); starting afresh\n", ev->path, ev->reason);
        break;
    case TRAIN_RESUMED:
        fprintf(stderr, "train: resuming after %s %ld from %s\n",
                ev->iterations ? "iteration" : "epoch", ev->epoch, ev->path);
        break;
    case TRAIN_STEP:
        show_step(ui, ev);
        break;
    case TRAIN_ITERATION:
        show_iteration(ui, ev);
        break;
    case TRAIN_EPOCH:
        end_line(ui);
        fprintf(stderr, "train: epoch %ld: test accuracy %.4f, %.1f s\n", ev->epoch,
                ev->accuracy, ev->seconds);
        break;
    case TRAIN_STOPPED:
        end_line(ui);
        fprintf(stderr, "train: stopped after %s %ld; %s holds the state\n",
                ev->iterations ? "iteration" : "epoch", ev->epoch, ev->path);
        break;
    }
}

/* --set section.key=value: at most this many keys. */
enum { MAX_SETS = 64 };

/* The command line. */
typedef struct {
    const char *config, *data, *test, *log_path, *model_path, *summary_path, *prefix,
        *stats_path;
    long stop_after, stop_after_iteration, resume_every, seed_offset;
    double group_timeout;
    /* --set section.key=value, the later of two for one key winning. */
    const char *sets[MAX_SETS];
    int n_sets;
} train_opts_t;

/* The outputs, opened by rank 0 before the work (an unwritable destination
 * fails first) and committed together at the end (trainer_commit): a
 * failure at any point leaves every target as it was. */
typedef struct {
    atomic_file_t log, model, summary, stats;
} train_out_t;

/* The outputs this process has open, aborted before the group is:
 * --log, --model, --summary, --comm-stats (NULL: not open). */
static atomic_file_t *open_outputs[4];

static void abort_outputs(void)
{
    for (size_t i = 0; i < sizeof open_outputs / sizeof *open_outputs; i++)
        if (open_outputs[i])
            atomic_abort(open_outputs[i]);
}

/* In a group, every rank but 0 says which it is when it fails, and a rank
 * that fails aborts the group (die's hook) rather than leave the others
 * waiting. */
static void join_group(mpi_group_t *g, int *argc, char ***argv)
{
    static char rank_name[64];
    group_init(g, argc, argv, abort_outputs);
    if (g->comm.rank > 0) {
        snprintf(rank_name, sizeof rank_name, "%s (rank %d of %d)", progname(), g->comm.rank,
                 g->comm.size);
        set_progname(rank_name);
    }
    set_die_hook(group_abort);
}

/* --set's value checked and kept: a key given again replaces its value. */
static void add_set(train_opts_t *o, const char *kv)
{
    const char *dot = strchr(kv, '.'), *eq = strchr(kv, '=');
    if (!dot || !eq || dot > eq || dot == kv || eq == dot + 1)
        die("--set '%s': expected section.key=value", kv);
    if (strpbrk(kv, "\n\r"))
        die("--set: a value must not span lines");
    int i = 0;
    while (i < o->n_sets && strncmp(o->sets[i], kv, (size_t)(eq - kv + 1)) != 0)
        i++;
    if (i == MAX_SETS)
        die("--set: more than %d settings", MAX_SETS);
    o->sets[i] = kv;
    o->n_sets += i == o->n_sets;
}

/* A count option's value: a positive integer (non-negative if zero_ok). */
static long count_value(const char *name, const char *v, int zero_ok)
{
    long x;
    if (parse_long(v, &x) != 0 || x < (zero_ok ? 0 : 1))
        die("%s: '%s' is not a %s integer", name, v, zero_ok ? "non-negative" : "positive");
    return x;
}

static void parse_options(int argc, char **argv, train_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->group_timeout = GROUP_TIMEOUT_DEFAULT;
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
    static const cli_t cli = {.longopts = options, .usage = usage};
    int c;
    while ((c = cli_next(&cli, argc, argv)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'd': o->data = optarg; break;
        case 't': o->test = optarg; break;
        case 'l': o->log_path = optarg; break;
        case 'm': o->model_path = optarg; break;
        case 'S': o->summary_path = optarg; break;
        case 'p': o->prefix = optarg; break;
        case 's': add_set(o, optarg); break;
        case OPT_STATS: o->stats_path = optarg; break;
        case OPT_STOP: o->stop_after = count_value("--stop-after-epoch", optarg, 0); break;
        case OPT_STOP_IT:
            o->stop_after_iteration = count_value("--stop-after-iteration", optarg, 0);
            break;
        case OPT_RESUME_EVERY: o->resume_every = count_value("--resume-every", optarg, 0); break;
        case OPT_SEED_OFFSET: o->seed_offset = count_value("--seed-offset", optarg, 1); break;
        case OPT_TIMEOUT:
            if (parse_double(optarg, &o->group_timeout) != 0 || !isfinite(o->group_timeout) ||
                o->group_timeout < 0)
                die("--group-timeout: '%s' is not a finite number of seconds >= 0", optarg);
            break;
        }
    }
}

/* Every required option given (else the usage, and status 2), a valid
 * prefix. */
static void check_options(const train_opts_t *o, int in_group)
{
    if (!o->config || !o->data || !o->log_path || !o->model_path ||
        !o->summary_path != !o->prefix) {
        usage(stderr);
        if (in_group)
            group_abort();
        exit(2);
    }
    if (o->prefix && !key_is_valid(o->prefix))
        die("--prefix '%s' is not a valid key", o->prefix);
}

/* The options that decide what a member does or writes, the same on every
 * member of a group (mpi_group.h). */
static void compare_group_options(mpi_group_t *g, const train_opts_t *o)
{
    char stop[32], stop_it[32], every[32];
    snprintf(stop, sizeof stop, "%ld", o->stop_after);
    snprintf(stop_it, sizeof stop_it, "%ld", o->stop_after_iteration);
    snprintf(every, sizeof every, "%ld", o->resume_every);
    const char *const names[] = {"--log",        "--model",
                                 "--summary",    "--prefix",
                                 "--stop-after-epoch", "--stop-after-iteration",
                                 "--resume-every", "--comm-stats"};
    const char *const values[] = {o->log_path,
                                  o->model_path,
                                  o->summary_path,
                                  o->prefix,
                                  o->stop_after ? stop : NULL,
                                  o->stop_after_iteration ? stop_it : NULL,
                                  o->resume_every ? every : NULL,
                                  o->stats_path};
    g->timeout = o->group_timeout;
    group_check_options(g, names, values, 8);
}

/* No output on an input or on another output (the model's resume file
 * included). */
static void check_paths(const train_opts_t *o)
{
    err_t e = {{0}};
    size_t n = strlen(o->model_path);
    char *resume = xmalloc(n + 8);
    snprintf(resume, n + 8, "%s.resume", o->model_path);
    const io_path_t in[] = {{"--config", o->config}, {"--data", o->data}, {"--test", o->test}};
    const io_path_t out[] = {{"--log", o->log_path}, {"--model", o->model_path},
                             {"--summary", o->summary_path}, {"--model's resume file", resume},
                             {"--comm-stats", o->stats_path}};
    if (check_io_paths(in, 3, out, 5, &e) != 0)
        die("%s", e.msg);
    free(resume);
}

/* Rank 0 opens the outputs given (train_out_t); open_outputs lists them. */
static void open_files(const train_opts_t *o, int rank, train_out_t *out)
{
    err_t e = {{0}};
    if (rank != 0)
        return;
    const io_path_t outs[4] = {{"--log", o->log_path}, {"--model", o->model_path},
                               {"--summary", o->summary_path}, {"--comm-stats", o->stats_path}};
    atomic_file_t *afs[4] = {&out->log, &out->model, &out->summary, &out->stats};
    for (int i = 0; i < 4; i++) {
        if (!outs[i].path)
            continue;
        if (atomic_open(afs[i], outs[i].path, &e) != 0)
            die("%s: %s", outs[i].what, e.msg);
        open_outputs[i] = afs[i];
    }
}

/* The INI file, then the --set overrides (as an INI text of their own),
 * then --seed-offset. */
static void load_config(const train_opts_t *o, runcfg_t *rc)
{
    err_t e = {{0}};
    if (runcfg_load(o->config, rc, &e) != 0)
        die("%s", e.msg);
    char *overrides = NULL;
    size_t overrides_len = 0;
    FILE *ov = open_memstream(&overrides, &overrides_len);
    if (!ov)
        die("out of memory");
    for (int i = 0; i < o->n_sets; i++) {
        const char *kv = o->sets[i], *dot = strchr(kv, '.'), *eq = strchr(kv, '=');
        fprintf(ov, "[%.*s]\n%.*s = %s\n", (int)(dot - kv), kv, (int)(eq - dot - 1), dot + 1,
                eq + 1);
    }
    fclose(ov);
    if (overrides_len && runcfg_override(rc, "--set", overrides, &e) != 0)
        die("%s (config %s)", e.msg, o->config);
    free(overrides);
    if (o->seed_offset > LONG_MAX - rc->seed)
        die("--seed-offset %ld: the seed %ld of %s would overflow", o->seed_offset, rc->seed,
            o->config);
    rc->seed += o->seed_offset;
}

/* --comm-stats: what this member's training steps exchanged (g NULL: no
 * group). */
static void write_comm_stats(FILE *fp, const mpi_group_t *g)
{
    fprintf(fp, "ranks\tsteps\treductions\tshort_reductions\tlong_reductions\t"
                "long_values\tbytes_sent\treduction_seconds\n"
                "%d\t%ld\t%ld\t%ld\t%ld\t%.0f\t%.0f\t%.6f\n",
            g ? g->comm.size : 1, g ? g->comm.steps : 0L, g ? g->comm.calls : 0L,
            g ? g->short_calls : 0L, g ? g->long_calls : 0L, g ? g->long_values : 0.0,
            g ? g->comm.bytes : 0.0, g ? g->seconds : 0.0);
}

/* Loads the data and trains; returns trainer_run's status (0 finished, 1
 * stopped on purpose) or dies.  opts is left for trainer_commit, without
 * the datasets (freed here). */
static int train(const train_opts_t *o, runcfg_t *rc, mpi_group_t *g, trainer_opts_t *opts,
                 ui_t *ui)
{
    err_t e = {{0}};
    dataset_t train, test_set;
    load_data(rc, o->data, o->test, &train, &test_set);
    *opts = (trainer_opts_t){.rc = rc, .config_name = o->config, .train = &train,
                             .test = &test_set, .data_name = o->data,
                             .test_name = o->test ? o->test : o->data, .log_path = o->log_path,
                             .model_path = o->model_path, .summary_path = o->summary_path,
                             .prefix = o->prefix, .stop_after_epoch = o->stop_after,
                             .stop_after_iteration = o->stop_after_iteration,
                             .resume_every = o->resume_every, .notify = on_event,
                             .notify_ctx = ui, .comm = g ? &g->comm : NULL,
                             .log_out = open_outputs[0], .model_out = open_outputs[1],
                             .summary_out = open_outputs[2]};
    int status = trainer_run(opts, &e);
    end_line(ui);
    dataset_free(&train);
    dataset_free(&test_set);
    opts->train = opts->test = NULL;
    if (status < 0)
        die("%s", e.msg);
    return status;
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    mpi_group_t group;
    int in_group = group_launched();
    if (in_group)
        join_group(&group, &argc, &argv);
    mpi_group_t *g = in_group ? &group : NULL;
    train_opts_t o;
    parse_options(argc, argv, &o);
    check_options(&o, in_group);
    double every = progress_every(); /* a bad value fails before any work */
    if (g)
        compare_group_options(g, &o);
    check_paths(&o);
    int rank = g ? g->comm.rank : 0;
    train_out_t out;
    open_files(&o, rank, &out);
    runcfg_t rc;
    load_config(&o, &rc);
    openblas_set_num_threads((int)rc.threads);
    gemm_set_backend(rc.gemm_backend);

    ui_t ui = {.tty = isatty(2), .quiet = rank > 0, .every = every,
               .t_last = monotonic_seconds()};
    trainer_opts_t opts;
    int status = train(&o, &rc, g, &opts, &ui);
    /* Every member has finished, the same way, before anything is
     * committed. */
    if (g)
        group_finish(g, status);
    if (status == 1) {
        abort_outputs(); /* stopped on purpose: only MODEL.resume is written */
    } else if (rank == 0) {
        err_t e = {{0}};
        if (o.stats_path)
            write_comm_stats(out.stats.fp, g);
        if (trainer_commit(&opts, &open_outputs[3], 1, &e) != 0)
            die("%s", e.msg);
        memset(open_outputs, 0, sizeof open_outputs);
    }
    if (g) {
        set_die_hook(NULL);
        group_finalize(g);
    }
    return status == 1 ? 3 : 0;
}
