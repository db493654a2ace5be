#define _POSIX_C_SOURCE 200809L
#include "train/trainer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checkpoint.h"
#include "nn/optim.h"
#include "core/rng.h"
#include "train/score.h"
#include "core/table.h"

int trainer_score_chunk(const runcfg_t *rc)
{
    return (int)(rc->model_kind->flags & KIND_BY_EPOCHS ? rc->batch_size : rc->eval_batch);
}

typedef struct {
    const trainer_opts_t *o;
    runcfg_t *rc;
    kind_model_t model;
    const dataset_t *train, *test;
    int chunk;      /* scoring chunk */
    int B;          /* training batch */
    double *params; /* (n_params) */
    double *grad;   /* (n_params + STEP_TERMS): the step's terms summed over a group */
    comm_t *comm;   /* the group sharing every batch, or NULL */
    int writer;     /* writes the outputs: member 0, or a process alone */
    double *bx;     /* (B, F) */
    double *by;     /* (B, n_targets) */
    int *blabels;   /* (B) */
    int *order;     /* (train count) */
    rng_t rng;
    FILE *rows;     /* the log rows so far, in memory */
    char *rows_text;
    size_t rows_len;
    /* iteration schedule totals */
    long nfe_f_total, nfe_b_total, n_rows;
    double seconds_total, last_loss;
} run_t;

static void notify(run_t *r, train_event_t *ev)
{
    ev->kind = r->rc->kind;
    if (r->o->notify)
        r->o->notify(r->o->notify_ctx, ev);
}

/* Copies examples idx[0 .. B) of d into the batch buffers. */
static void gather(run_t *r, const dataset_t *d, const int *idx, int B)
{
    int nf = d->n_features, nt = d->n_targets;
    for (int i = 0; i < B; i++) {
        int j = idx[i];
        if (nf)
            memcpy(r->bx + (size_t)i * nf, d->x + (size_t)j * nf, (size_t)nf * sizeof(double));
        if (d->labels)
            r->blabels[i] = d->labels[j];
        if (nt)
            memcpy(r->by + (size_t)i * nt, d->y + (size_t)j * nt, (size_t)nt * sizeof(double));
    }
}

static void shuffle(int *order, int n, rng_t *rng)
{
    for (int i = n - 1; i > 0; i--) { /* Fisher-Yates */
        int j = (int)(rng_next(rng) % (uint64_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* ---------------------------------------------------------------- group */

/* A step's loss terms summed over a group after the gradient: loss,
 * correct, count, mse times its count, mse_count, dL/dT. */
enum { STEP_TERMS = 6 };

/* This member's share [*lo, *hi) of a batch of nb examples (all of it when
 * alone). */
static void share_of(const run_t *r, int nb, int *lo, int *hi)
{
    if (!comm_parallel(r->comm)) {
        *lo = 0;
        *hi = nb;
        return;
    }
    long R = r->comm->rank, N = r->comm->size;
    *lo = (int)(nb * R / N);
    *hi = (int)(nb * (R + 1) / N);
}

/* One training step on this member's share bt of the group's batch: the
 * loss and gradient of the whole batch into res and r->grad, the same on
 * every member.  The kind's loss over a share is already its part of the
 * group's mean (bt->group_B, train/kind.h), so the shares add up. */
static int step_run(run_t *r, const batch_t *bt, model_result_t *res, err_t *e)
{
    if (!comm_parallel(r->comm))
        return kind_model_run(&r->model, r->params, bt, r->grad, res, e);
    r->comm->coupled = 1;
    r->comm->steps++;
    int status = kind_model_run(&r->model, r->params, bt, r->grad, res, e);
    r->comm->coupled = 0;
    if (status != 0)
        return -1;
    size_t np = r->model.n_params;
    double *g = r->grad, *t = g + np;
    t[0] = res->loss;
    t[1] = (double)res->correct;
    t[2] = (double)res->count;
    t[3] = res->mse_count > 0 ? res->mse * (double)res->mse_count : 0.0;
    t[4] = (double)res->mse_count;
    t[5] = res->dL_dT;
    comm_sum(r->comm, g, np + STEP_TERMS);
    res->loss = t[0];
    res->correct = (long)t[1];
    res->count = (long)t[2];
    res->mse_count = (long)t[4];
    res->mse = t[4] > 0 ? t[3] / t[4] : 0.0;
    res->dL_dT = t[5];
    return 0;
}

/* ---------------------------------------------------------------- iterations */

typedef struct {
    double metric, test_loss, test_accuracy, train_loss, train_accuracy;
} evals_t;

static void log_row(FILE *fp, long it, double loss, long nfe_f, long nfe_b, double seconds,
                    const evals_t *v)
{
    fprintf(fp, "%ld\t%.10g\t%.10g\t%ld\t%ld\t%.6f\t%.10g\t%.10g\t%.10g\t%.10g\n", it, loss,
            v->metric, nfe_f, nfe_b, seconds, v->test_loss, v->test_accuracy, v->train_loss,
            v->train_accuracy);
}

/* Does the run's kind log the mse of its outputs on sequences (train/kind.h's
 * KIND_SEQUENCES: latent, rnn) in its metric and accuracy columns? */
static int logs_sequence_mse(const runcfg_t *rc)
{
    return (rc->model_kind->flags & KIND_SEQUENCES) != 0;
}

/* The evaluation columns after a step: the metric is the test set's if
 * there is one, else the step's own; a sequence model's (latent, rnn) is
 * always the step's batch mse.  With [data] eval_every = N
 * the sets are scored only after every N-th iteration and the last
 * (score = 0 for the others, whose columns stay nan). */
static int metrics(run_t *r, double batch_loss, double batch_acc, double batch_mse, int score,
                   evals_t *v, err_t *e)
{
    int classify = r->rc->model.loss == LOSS_CE;
    int seq_mse = logs_sequence_mse(r->rc);
    v->metric = seq_mse ? batch_mse : classify ? batch_acc : batch_loss;
    v->test_loss = v->test_accuracy = v->train_loss = v->train_accuracy = NAN;
    if (!score) {
        if (r->test->count > 0 && !seq_mse)
            v->metric = NAN; /* the column holds the test set's metric or nothing */
        return 0;
    }
    score_t s;
    if (r->test->count > 0) {
        if (score_dataset_shared(&r->model, r->params, r->test, r->chunk, r->comm, &s, e) != 0)
            return -1;
        double accuracy = (double)s.correct / r->test->count;
        if (!seq_mse)
            v->metric = classify ? accuracy : s.loss;
        v->test_loss = s.loss;
        /* A sequence model's column holds its mse (train/score.h; nan for every
         * other regression). */
        v->test_accuracy = classify ? accuracy : s.mse;
    }
    if (r->rc->eval_train) {
        if (score_dataset_shared(&r->model, r->params, r->train, r->chunk, r->comm, &s, e) != 0)
            return -1;
        v->train_loss = s.loss;
        v->train_accuracy = classify ? (double)s.correct / r->train->count : s.mse;
    }
    return 0;
}

/* L-BFGS objective: the full training set's loss. */
typedef struct {
    run_t *r;
    long iteration, nfe_f, nfe_b;
    double t_start;
    err_t *e;
} lbfgs_ctx_t;

static int lbfgs_objective(void *ctx, const double *x, size_t n, double *f, double *grad)
{
    lbfgs_ctx_t *c = ctx;
    (void)n;
    score_t s;
    if (score_dataset(&c->r->model, x, c->r->train, c->r->chunk, grad, NULL, &s, c->e) != 0)
        return -1;
    *f = s.loss;
    c->nfe_f += s.nfe_forward;
    c->nfe_b += s.nfe_backward;
    return 0;
}

static int lbfgs_progress(void *ctx, int iteration, double f, const double *x, size_t n)
{
    lbfgs_ctx_t *c = ctx;
    run_t *r = c->r;
    (void)iteration;
    double seconds = monotonic_seconds() - c->t_start;
    memcpy(r->params, x, n * sizeof *x);
    evals_t v;
    if (metrics(r, f, NAN, NAN, 1, &v, c->e) != 0)
        return 1;
    log_row(r->rows, ++c->iteration, f, c->nfe_f, c->nfe_b, seconds, &v);
    r->nfe_f_total += c->nfe_f;
    r->nfe_b_total += c->nfe_b;
    r->seconds_total += seconds;
    r->last_loss = f;
    r->n_rows++;
    c->nfe_f = c->nfe_b = 0;
    c->t_start = monotonic_seconds();
    return 0;
}

static int load_resume(run_t *r, const char *path, const char *config_text, optimizer_t *opt,
                       long *start, err_t *e);
static int save_resume_iterations(run_t *r, const char *path, const char *config_text, long it,
                                  const optimizer_t *opt, err_t *e);
static int group_check_start(run_t *r, const optimizer_t *opt, const char *config_text,
                             long start, err_t *e);

/* Returns 0, 1 when stopped after stop_after_iteration, -1 on error.  Like
 * the epoch schedule, it continues from MODEL.resume, written after every
 * resume_every-th iteration (and at the stop). */
static int train_iterations(run_t *r, optimizer_t *opt, const char *config_text,
                            const char *resume_path, err_t *e)
{
    const runcfg_t *rc = r->rc;
    const dataset_t *d = r->train;
    const char *cfg = r->o->config_name;
    int trajectory = d->kind == DATA_TRAJECTORY, sequences = d->kind == DATA_SEQUENCES;
    int count = dataset_examples(d);
    int batches = trajectory ? 1 : (count + r->B - 1) / r->B;
    int grouped = comm_parallel(r->comm);
    long every = r->o->resume_every > 0 ? r->o->resume_every : TRAINER_RESUME_EVERY;
    r->last_loss = NAN;
    long start;
    if (load_resume(r, resume_path, config_text, opt, &start, e) != 0)
        return -1;
    if (group_check_start(r, opt, config_text, start, e) != 0)
        return -1;
    err_t se = {{0}};
    for (long it = start + 1; it <= rc->iterations; it++) {
        int b = (int)((it - 1) % batches);
        /* Cumulative: each pass shuffles the previous pass's order. */
        if (b == 0 && rc->shuffle && !trajectory)
            shuffle(r->order, count, &r->rng);
        /* Time-regularised ANODE: T ~ U(t1 - jitter, t1 + jitter). */
        double T = rc->model.t1;
        if (rc->end_time_jitter > 0)
            T = rc->model.t1 + rc->end_time_jitter * (2.0 * rng_uniform(&r->rng) - 1.0);
        double t_step = monotonic_seconds();
        batch_t bt;
        if (trajectory) {
            bt = (batch_t){.B = 1, .K = d->count, .targets = d->y, .times = d->t};
        } else {
            int first = b * r->B, nb = count - first < r->B ? count - first : r->B, lo, hi;
            share_of(r, nb, &lo, &hi);
            if (sequences) {
                /* Sequences are named by index, not copied (train/kind.h). */
                bt = (batch_t){.B = hi - lo, .K = 1, .seqs = r->order + first + lo, .data = d,
                               .group_first = lo, .group_B = grouped ? nb : 0,
                               .group_seqs = r->order + first};
            } else {
                gather(r, d, r->order + first + lo, hi - lo);
                bt = (batch_t){.B = hi - lo, .K = 1, .x = r->bx,
                               .labels = d->labels ? r->blabels : NULL,
                               .targets = d->y ? r->by : NULL,
                               .times = rc->end_time_jitter > 0 ? &T : NULL,
                               .group_first = lo, .group_B = grouped ? nb : 0};
            }
        }
        model_result_t res;
        if (step_run(r, &bt, &res, &se) != 0)
            return err_set(e, "%s: iteration %ld: %s", cfg, it, se.msg);
        optimizer_step(opt, r->params, r->grad);
        double seconds = monotonic_seconds() - t_step;
        evals_t v;
        int score = it % rc->eval_every == 0 || it == rc->iterations;
        if (metrics(r, res.loss, res.count ? (double)res.correct / res.count : NAN,
                    res.mse_count > 0 ? res.mse : NAN, score, &v, &se) != 0)
            return err_set(e, "%s: iteration %ld, evaluation: %s", cfg, it, se.msg);
        log_row(r->rows, it, res.loss, res.ode.nfe_forward, res.ode.nfe_backward, seconds, &v);
        r->nfe_f_total += res.ode.nfe_forward;
        r->nfe_b_total += res.ode.nfe_backward;
        r->seconds_total += seconds;
        r->last_loss = res.loss;
        r->n_rows++;
        if (!isfinite(res.loss))
            return err_set(e, "%s: iteration %ld: the loss is not finite (training diverged)",
                           cfg, it);
        int stop = it == r->o->stop_after_iteration && it < rc->iterations;
        if (r->writer && (it % every == 0 || stop) &&
            save_resume_iterations(r, resume_path, config_text, it, opt, e) != 0)
            return -1;
        if (stop) {
            train_event_t ev = {.what = TRAIN_STOPPED, .epoch = it, .path = resume_path,
                                .iterations = 1};
            notify(r, &ev);
            return 1;
        }
    }
    if (rc->lbfgs_iterations > 0) {
        lbfgs_config_t lc = lbfgs_config_default();
        lc.max_iterations = (int)rc->lbfgs_iterations;
        lbfgs_ctx_t ctx = {.r = r, .iteration = rc->iterations, .e = &se,
                           .t_start = monotonic_seconds()};
        double fx;
        int iters = 0;
        err_t le = {{0}};
        if (lbfgs_minimize(r->params, r->model.n_params, lbfgs_objective, lbfgs_progress, &ctx,
                           &lc, &fx, &iters, &le) != 0)
            return err_set(e, "%s: L-BFGS: %s%s%s", cfg, le.msg, se.msg[0] ? ": " : "", se.msg);
    }
    return 0;
}

static int summary_iterations(run_t *r, summary_t *sum, err_t *e)
{
    score_t final;
    err_t se = {{0}};
    if (score_dataset_shared(&r->model, r->params, r->train, r->chunk, r->comm, &final, &se) != 0)
        return err_set(e, "%s: final evaluation: %s", r->o->config_name, se.msg);
    const char *p = r->o->prefix;
    summary_add_prefixed(sum, p, "iterations", "%ld", r->n_rows);
    summary_add_prefixed(sum, p, "final_loss", "%.6g", r->last_loss);
    summary_add_prefixed(sum, p, "train_loss", "%.6g", final.loss);
    summary_add_prefixed(sum, p, "nfe_forward", "%ld", r->nfe_f_total);
    summary_add_prefixed(sum, p, "nfe_backward", "%ld", r->nfe_b_total);
    summary_add_prefixed(sum, p, "seconds", "%.3f", r->seconds_total);
    return 0;
}

/* ---------------------------------------------------------------- epochs */

/* FNV-1a (64 bit) over n bytes, continuing from h. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* A fingerprint of a dataset's contents as loaded (kind, sizes and every
 * array), so that a resume file is used only on the data it was made on,
 * wherever that data lives. */
static uint64_t data_fingerprint(uint64_t h, const dataset_t *d)
{
    int sizes[8] = {(int)d->kind,   d->count,      d->n_features, d->n_targets,
                    d->n_classes,   d->n_sequences, d->n_observed, d->n_truth};
    h = fnv1a(h, sizes, sizeof sizes);
    size_t n = (size_t)(d->count > 0 ? d->count : 0);
    if (d->x)
        h = fnv1a(h, d->x, n * (size_t)d->n_features * sizeof *d->x);
    if (d->labels)
        h = fnv1a(h, d->labels, n * sizeof *d->labels);
    if (d->y)
        h = fnv1a(h, d->y, n * (size_t)d->n_targets * sizeof *d->y);
    if (d->t)
        h = fnv1a(h, d->t, n * sizeof *d->t);
    if (d->seq_start) {
        size_t S = (size_t)d->n_sequences + 1;
        h = fnv1a(h, d->seq_start, S * sizeof(int));
        h = fnv1a(h, d->obs_start, S * sizeof(int));
        h = fnv1a(h, d->obs_rows, (size_t)d->n_observed * sizeof(int));
        h = fnv1a(h, d->truth_start, S * sizeof(int));
        h = fnv1a(h, d->truth_rows, (size_t)d->n_truth * sizeof(int));
    }
    return h;
}

/* The run's training and test data together. */
static uint64_t run_data_fingerprint(const run_t *r)
{
    uint64_t h = data_fingerprint(0xcbf29ce484222325ULL, r->train);
    return data_fingerprint(h, r->test);
}

/* The output options, which decide what a member does (which resume file
 * it reads, whether it scores for a summary, where it stops) and what
 * member 0 writes. */
static uint64_t options_fingerprint(const trainer_opts_t *o)
{
    const char *given[4] = {o->log_path, o->model_path, o->summary_path, o->prefix};
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < 4; i++) {
        unsigned char has = given[i] != NULL;
        h = fnv1a(h, &has, 1);
        if (has)
            h = fnv1a(h, given[i], strlen(given[i]) + 1);
    }
    return fnv1a(h, &o->stop_after_epoch, sizeof o->stop_after_epoch);
}

/* A group must start from one state: every member's training and test
 * data, configuration, parameters with the optimiser's state, epoch to
 * start from and output options are compared (as 52-bit digests, through
 * the group's maximum of each and of its negation), and a difference is
 * refused on every member alike.  It catches nodes that do not see the
 * same files (a resume file or a dataset only some of them have) and
 * members given different options, which would otherwise wait for each
 * other forever. */
static int group_check_start(run_t *r, const optimizer_t *opt, const char *config_text,
                             long start, err_t *e)
{
    if (!comm_parallel(r->comm))
        return 0;
    size_t np = r->model.n_params;
    uint64_t state = fnv1a(0xcbf29ce484222325ULL, r->params, np * sizeof *r->params);
    state = fnv1a(state, opt->m, np * sizeof *opt->m);
    state = fnv1a(state, opt->v, np * sizeof *opt->v);
    state = fnv1a(state, &opt->step, sizeof opt->step);
    enum { K = 5 };
    uint64_t digest[K] = {run_data_fingerprint(r),
                          fnv1a(0xcbf29ce484222325ULL, config_text, strlen(config_text)), state,
                          (uint64_t)start, options_fingerprint(r->o)};
    static const char *const what[K] = {
        "training or test data", "configuration", "parameters or optimiser state",
        "epoch to resume from",
        "output options (log, model and summary paths, prefix, epoch to stop after)"};
    double v[2 * K];
    for (int k = 0; k < K; k++) {
        v[2 * k] = (double)(digest[k] >> 12);
        v[2 * k + 1] = -v[2 * k];
    }
    comm_max(r->comm, v, 2 * K);
    for (int k = 0; k < K; k++)
        if (v[2 * k] != -v[2 * k + 1])
            return err_set(e, "%s: the %d processes do not start from the same %s (does every "
                              "node see the same files?)",
                           r->o->config_name, r->comm->size, what[k]);
    return 0;
}

/* Resume state, stored as a checkpoint (core/checkpoint.h) whose text is
 *   HEAD "\n" LOG-ROWS "---\n" CONFIG
 * and whose values are the parameters, Adam's moments m and v, and for
 * the iteration schedule the batch order (its cumulative shuffles are
 * state).  HEAD, for the epoch schedule:
 *   "resume EPOCH STEP S0 S1 S2 S3 DATA"
 * (the optimiser's step count, the generator, the fingerprint of the
 * training and test data); for the iteration schedule:
 *   "resume-iterations IT STEP S0 S1 S2 S3 K0 K1 K2 K3 NFE_F NFE_B LOSS SECONDS DATA"
 * adding the kind's own generator (train/kind.h's train_rng, zeros if none),
 * the NFE totals so far, and the last step's loss and the seconds so far
 * as the bits of their doubles. */
static int save_resume(const char *path, const char *head, const char *log_rows,
                       const char *config_text, const optimizer_t *opt, const double *params,
                       size_t np, const double *extra, size_t n_extra, err_t *e)
{
    char *meta = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&meta, &len);
    if (!fp)
        return err_set(e, "out of memory");
    fprintf(fp, "%s\n%s---\n%s", head, log_rows, config_text);
    fclose(fp);
    double *all = xmalloc((3 * np + n_extra) * sizeof *all); /* params | m | v | extra */
    memcpy(all, params, np * sizeof *all);
    memcpy(all + np, opt->m, np * sizeof *all);
    memcpy(all + 2 * np, opt->v, np * sizeof *all);
    if (n_extra)
        memcpy(all + 3 * np, extra, n_extra * sizeof *all);
    int rc = checkpoint_write(path, meta, all, 3 * np + n_extra, e);
    free(all);
    free(meta);
    return rc;
}

static int save_resume_epochs(run_t *r, const char *path, const char *config_text, long epoch,
                              const optimizer_t *opt, err_t *e)
{
    char head[256];
    snprintf(head, sizeof head, "resume %ld %ld %llu %llu %llu %llu %llu", epoch, opt->step,
             (unsigned long long)r->rng.s[0], (unsigned long long)r->rng.s[1],
             (unsigned long long)r->rng.s[2], (unsigned long long)r->rng.s[3],
             (unsigned long long)run_data_fingerprint(r));
    return save_resume(path, head, r->rows_text, config_text, opt, r->params,
                       r->model.n_params, NULL, 0, e);
}

static uint64_t double_bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static double bits_double(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

static int save_resume_iterations(run_t *r, const char *path, const char *config_text, long it,
                                  const optimizer_t *opt, err_t *e)
{
    rng_t none = {{0}};
    rng_t *kr = r->model.kind->train_rng ? r->model.kind->train_rng(&r->model) : &none;
    char head[512];
    snprintf(head, sizeof head,
             "resume-iterations %ld %ld %llu %llu %llu %llu %llu %llu %llu %llu %ld %ld %llu %llu "
             "%llu", it, opt->step,
             (unsigned long long)r->rng.s[0], (unsigned long long)r->rng.s[1],
             (unsigned long long)r->rng.s[2], (unsigned long long)r->rng.s[3],
             (unsigned long long)kr->s[0], (unsigned long long)kr->s[1],
             (unsigned long long)kr->s[2], (unsigned long long)kr->s[3], r->nfe_f_total,
             r->nfe_b_total, (unsigned long long)double_bits(r->last_loss),
             (unsigned long long)double_bits(r->seconds_total),
             (unsigned long long)run_data_fingerprint(r));
    int count = dataset_examples(r->train);
    fflush(r->rows); /* r->rows_text: the rows so far */
    double *order = xmalloc((size_t)(count > 0 ? count : 1) * sizeof *order);
    for (int i = 0; i < count; i++)
        order[i] = r->order[i];
    int status = save_resume(path, head, r->rows_text, config_text, opt, r->params,
                             r->model.n_params, order, (size_t)count, e);
    free(order);
    return status;
}

/* A resume file's log rows: `done` lines, line i starting with "i\t". */
static int rows_match(const char *rows, long done)
{
    long i = 0;
    for (const char *p = rows; *p; i++) {
        char *end;
        if (strtol(p, &end, 10) != i + 1 || end == p || *end != '\t' || p[0] == '-' ||
            p[0] == '+' || p[0] == ' ')
            return 0;
        const char *nl = strchr(end, '\n');
        if (!nl)
            return 0;
        p = nl + 1;
    }
    return i == done;
}

/* The contents of a resume file made on this run's configuration and data
 * must be what a run could have written: a count of epochs (iterations)
 * in [0, the configured count], the optimiser's step count that many
 * epochs (iterations) take, a log row for each, finite parameters and
 * moments (v >= 0), live generators and, for iterations, a batch order
 * that is a permutation.  Anything else is refused (-1), naming the file
 * and the problem: it cannot come from a run that was interrupted. */
static int check_resume(run_t *r, const char *path, const char *rows, long done, long step,
                        const unsigned long long s[4], const double *all, err_t *e)
{
    const runcfg_t *rc = r->rc;
    int by_epochs = (rc->model_kind->flags & KIND_BY_EPOCHS) != 0;
    const char *unit = by_epochs ? "epoch" : "iteration";
    long total = by_epochs ? rc->epochs : rc->iterations;
    size_t np = r->model.n_params;
    if (done < 0 || done > total)
        return err_set(e, "%s: resumes after %s %ld, outside 0..%ld ([train] %ss): refusing it "
                          "(delete it to start afresh)", path, unit, done, total, unit);
    long per = by_epochs ? (r->train->count + r->B - 1) / r->B : 1;
    if (step != done * per)
        return err_set(e, "%s: holds optimiser step %ld, but %ld %ss take %ld: refusing it "
                          "(delete it to start afresh)", path, step, done, unit, done * per);
    if (!rows_match(rows, done))
        return err_set(e, "%s: its log rows are not the %ld of %s 1..%ld: refusing it (delete it "
                          "to start afresh)", path, done, unit, done);
    if (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0)
        return err_set(e, "%s: holds a generator state of zeros: refusing it (delete it to start "
                          "afresh)", path);
    static const char *const what[3] = {"parameter", "optimiser first moment",
                                        "optimiser second moment"};
    for (int k = 0; k < 3; k++)
        if (checkpoint_check_finite(path, what[k], all + k * np, np, e) != 0)
            return -1;
    for (size_t i = 0; i < np; i++)
        if (all[2 * np + i] < 0)
            return err_set(e, "%s: optimiser second moment %zu of %zu is negative", path, i + 1,
                           np);
    return 0;
}

/* For the iteration schedule: a permutation of 0..count-1 into order. */
static int check_order(const char *path, const double *v, int count, int *order, err_t *e)
{
    char *seen = xcalloc((size_t)(count > 0 ? count : 1), 1);
    int status = 0;
    for (int i = 0; i < count && status == 0; i++) {
        double x = v[i];
        if (!(x >= 0 && x < count) || x != (double)(int)x || seen[(int)x])
            status = err_set(e, "%s: its batch order is not a permutation of the %d training "
                                "examples (entry %d is %g): refusing it (delete it to start "
                                "afresh)", path, count, i + 1, x);
        else
            seen[(int)x] = 1;
        if (status == 0)
            order[i] = (int)x;
    }
    free(seen);
    return status;
}

/* Continues from path if it holds a usable resume file: *start is the
 * epoch (iteration) to continue after, 0 when there is none or it was made
 * on another configuration or other data (ignored, and notified), and the
 * stored log rows are appended to r->rows.  -1 refuses the file: not a
 * regular file within core/checkpoint.h's bound, or contents no run could have
 * written (check_resume). */
static int load_resume(run_t *r, const char *path, const char *config_text, optimizer_t *opt,
                       long *start, err_t *e)
{
    *start = 0;
    if (access(path, F_OK) != 0)
        return 0;
    if (checkpoint_check_file(path, e) != 0)
        return -1;
    char *meta;
    double *all;
    size_t n, np = r->model.n_params;
    err_t re = {{0}};
    train_event_t ev = {.what = TRAIN_RESUME_IGNORED, .path = path};
    if (checkpoint_read(path, &meta, &all, &n, &re) != 0) {
        ev.reason = re.msg;
        notify(r, &ev);
        return 0;
    }
    int by_epochs = (r->rc->model_kind->flags & KIND_BY_EPOCHS) != 0;
    int count = dataset_examples(r->train);
    size_t want = 3 * np + (by_epochs ? 0 : (size_t)count);
    long done = 0, step = 0, nfe_f = 0, nfe_b = 0;
    unsigned long long s[4], k[4] = {0}, loss = 0, seconds = 0, data = 0;
    int used = -1;
    char *sep = strstr(meta, "---\n"), *nl = strchr(meta, '\n');
    int parsed = by_epochs ? sscanf(meta, "resume %ld %ld %llu %llu %llu %llu %llu%n", &done,
                                    &step, &s[0], &s[1], &s[2], &s[3], &data, &used) == 7
                           : sscanf(meta, "resume-iterations %ld %ld %llu %llu %llu %llu %llu "
                                          "%llu %llu %llu %ld %ld %llu %llu %llu%n", &done, &step,
                                    &s[0], &s[1], &s[2], &s[3], &k[0], &k[1], &k[2], &k[3],
                                    &nfe_f, &nfe_b, &loss, &seconds, &data, &used) == 15;
    int status = 0;
    if (n != want || !sep || !nl || nl > sep || !parsed || meta + used != nl ||
        strcmp(sep + 4, config_text) != 0) {
        ev.reason = "it is from another configuration";
        notify(r, &ev);
        goto done;
    }
    if (data != (unsigned long long)run_data_fingerprint(r)) {
        ev.reason = "it was made on other training or test data";
        notify(r, &ev);
        goto done;
    }
    char *rows = nl + 1;
    *sep = '\0';
    if (check_resume(r, path, rows, done, step, s, all, e) != 0 ||
        (!by_epochs && check_order(path, all + 3 * np, count, r->order, e) != 0)) {
        status = -1;
        goto done;
    }
    if (!by_epochs) {
        rng_t *kr = r->model.kind->train_rng ? r->model.kind->train_rng(&r->model) : NULL;
        double last = bits_double(loss), secs = bits_double(seconds);
        if (nfe_f < 0 || nfe_b < 0 || (done > 0 && !isfinite(last)) || !(secs >= 0) ||
            (kr && k[0] == 0 && k[1] == 0 && k[2] == 0 && k[3] == 0)) {
            status = err_set(e, "%s: its totals or the model's generator are not a run's: "
                                "refusing it (delete it to start afresh)", path);
            goto done;
        }
        if (kr)
            for (int i = 0; i < 4; i++)
                kr->s[i] = (uint64_t)k[i];
        r->nfe_f_total = nfe_f;
        r->nfe_b_total = nfe_b;
        r->last_loss = last;
        r->seconds_total = secs;
        r->n_rows = done;
    }
    fputs(rows, r->rows);
    memcpy(r->params, all, np * sizeof *r->params);
    memcpy(opt->m, all + np, np * sizeof *r->params);
    memcpy(opt->v, all + 2 * np, np * sizeof *r->params);
    opt->step = step;
    for (int i = 0; i < 4; i++)
        r->rng.s[i] = (uint64_t)s[i];
    *start = done;
    ev = (train_event_t){.what = TRAIN_RESUMED, .epoch = done, .path = path,
                         .iterations = !by_epochs};
    notify(r, &ev);
done:
    free(meta);
    free(all);
    return status;
}

typedef struct {
    score_t test;     /* after the last epoch */
    double epoch_seconds, nfe_f_mean, nfe_b_mean;
    int steps;
} epoch_stats_t;

/* Returns 0, 1 when stopped after stop_after_epoch, -1 on error. */
static int train_epochs(run_t *r, optimizer_t *opt, const char *config_text,
                        const char *resume_path, epoch_stats_t *st, err_t *e)
{
    const runcfg_t *rc = r->rc;
    const dataset_t *d = r->train;
    const char *cfg = r->o->config_name;
    int steps = (d->count + r->B - 1) / r->B;
    st->steps = steps;
    long start;
    if (load_resume(r, resume_path, config_text, opt, &start, e) != 0)
        return -1;
    if (group_check_start(r, opt, config_text, start, e) != 0)
        return -1;
    err_t se = {{0}};
    for (long epoch = start + 1; epoch <= rc->epochs; epoch++) {
        /* Reset, then shuffled with the run's generator; the generator state
         * is part of the resume file, so a resumed run sees the same
         * batches. */
        for (int i = 0; i < d->count; i++)
            r->order[i] = i;
        shuffle(r->order, d->count, &r->rng);
        double t_epoch = monotonic_seconds(), loss_sum = 0;
        long nfe_f = 0, nfe_b = 0, hits = 0;
        for (int s = 0; s < steps; s++) {
            int first = s * r->B, nb = d->count - first < r->B ? d->count - first : r->B, lo, hi;
            share_of(r, nb, &lo, &hi);
            gather(r, d, r->order + first + lo, hi - lo);
            batch_t bt = {.B = hi - lo, .K = 1, .x = r->bx, .labels = r->blabels,
                          .group_first = lo, .group_B = comm_parallel(r->comm) ? nb : 0};
            model_result_t res;
            if (step_run(r, &bt, &res, &se) != 0)
                return err_set(e, "%s: epoch %ld, step %d: %s", cfg, epoch, s + 1, se.msg);
            optimizer_step(opt, r->params, r->grad);
            loss_sum += res.loss * nb;
            hits += res.correct;
            nfe_f += res.ode.nfe_forward;
            nfe_b += res.ode.nfe_backward;
            train_event_t ev = {.what = TRAIN_STEP, .epoch = epoch, .epochs = rc->epochs,
                                .step = s + 1, .steps = steps,
                                .loss = loss_sum / (first + nb),
                                .accuracy = (double)hits / (first + nb),
                                .nfe_forward = res.ode.nfe_forward,
                                .nfe_backward = res.ode.nfe_backward,
                                .seconds = monotonic_seconds() - t_epoch};
            notify(r, &ev);
        }
        st->epoch_seconds = monotonic_seconds() - t_epoch;
        st->nfe_f_mean = (double)nfe_f / steps;
        st->nfe_b_mean = (double)nfe_b / steps;
        if (score_dataset_shared(&r->model, r->params, r->test, r->chunk, r->comm, &st->test, e) != 0)
            return -1;
        double test_accuracy = (double)st->test.correct / r->test->count;
        fprintf(r->rows, "%ld\t%ld\t%.6f\t%.5f\t%.6f\t%.5f\t%.2f\t%.2f\t%.2f\n", epoch,
                epoch * steps, loss_sum / d->count, (double)hits / d->count, st->test.loss,
                test_accuracy, st->nfe_f_mean, st->nfe_b_mean, st->epoch_seconds);
        fflush(r->rows);
        train_event_t ev = {.what = TRAIN_EPOCH, .epoch = epoch, .epochs = rc->epochs,
                            .accuracy = test_accuracy, .seconds = st->epoch_seconds};
        notify(r, &ev);
        if (r->writer && save_resume_epochs(r, resume_path, config_text, epoch, opt, e) != 0)
            return -1;
        if (epoch == r->o->stop_after_epoch && epoch < rc->epochs) {
            ev = (train_event_t){.what = TRAIN_STOPPED, .epoch = epoch, .path = resume_path};
            notify(r, &ev);
            return 1;
        }
    }
    /* Resumed after the last epoch: the summary still needs the test score. */
    if (start >= rc->epochs &&
        score_dataset_shared(&r->model, r->params, r->test, r->chunk, r->comm, &st->test, e) != 0)
        return -1;
    return 0;
}

static void summary_epochs(run_t *r, const epoch_stats_t *st, summary_t *sum)
{
    const char *p = r->o->prefix;
    summary_add_prefixed(sum, p, "parameters", "%zu", r->model.n_params);
    summary_add_prefixed(sum, p, "epochs", "%ld", r->rc->epochs);
    summary_add_prefixed(sum, p, "test_accuracy", "%.2f",
                         100.0 * ((double)st->test.correct / r->test->count));
    summary_add_prefixed(sum, p, "test_loss", "%.4f", st->test.loss);
    summary_add_prefixed(sum, p, "nfe_forward", "%.1f", st->nfe_f_mean);
    summary_add_prefixed(sum, p, "nfe_backward", "%.1f", st->nfe_b_mean);
    summary_add_prefixed(sum, p, "seconds_per_epoch", "%.1f", st->epoch_seconds);
    summary_add_prefixed(sum, p, "step_seconds", "%.3f", st->epoch_seconds / st->steps);
}

/* ---------------------------------------------------------------- driver */

/* What a group cannot share (train/trainer.h), checked before anything runs. */
static int group_refusal(const run_t *r, const char *cfg, int count, err_t *e)
{
    const runcfg_t *rc = r->rc;
    int N = r->comm->size;
    if (r->train->kind == DATA_TRAJECTORY)
        return err_set(e, "%s: %s is one trajectory, a batch of one: it cannot be shared by %d "
                          "processes (run it without mpirun)", cfg, r->o->data_name, N);
    if (rc->lbfgs_iterations > 0)
        return err_set(e, "%s: [train] lbfgs_iterations: L-BFGS fine-tuning runs in one process "
                          "(run it without mpirun)", cfg);
    long B = rc->batch_size < count ? rc->batch_size : count, last = count % B;
    if (B < N || (last > 0 && last < N))
        return err_set(e, "%s: a batch of %ld examples cannot be shared by %d processes (every "
                          "batch, the last too, needs one example per process)",
                       cfg, last > 0 && last < N ? last : B, N);
    return 0;
}

static int run_training(run_t *r, err_t *e)
{
    const trainer_opts_t *o = r->o;
    runcfg_t *rc = r->rc;
    const model_kind_t *k = rc->model_kind;
    const dataset_t *d = r->train;
    const char *cfg = o->config_name;
    int by_epochs = (k->flags & KIND_BY_EPOCHS) != 0;
    err_t se = {{0}};
    if (k->fit_data && k->fit_data(rc, d, cfg, o->data_name, e) != 0)
        return -1;
    if (by_epochs && r->test->count == 0)
        return err_set(e, "%s: %s needs a test set", cfg, rc->kind);
    if (by_epochs ? o->stop_after_iteration > 0 : o->stop_after_epoch > 0)
        return err_set(e, "%s: %s is trained by %s: it cannot stop after an %s", cfg, rc->kind,
                       by_epochs ? "epochs" : "iterations", by_epochs ? "iteration" : "epoch");
    int trajectory = d->kind == DATA_TRAJECTORY;
    int count = dataset_examples(d), test_count = dataset_examples(r->test);
    if (comm_parallel(r->comm) && group_refusal(r, cfg, count, e) != 0)
        return -1;
    r->writer = !comm_parallel(r->comm) || r->comm->rank == 0;
    if (comm_parallel(r->comm))
        rc->model.ode.comm = r->comm;
    r->chunk = trainer_score_chunk(rc);
    /* The workspace holds a training batch and a scoring chunk, but no
     * more than the larger set needs. */
    int max_batch = trajectory ? 1 : (int)rc->batch_size;
    if (!trajectory && r->chunk > max_batch)
        max_batch = r->chunk;
    if (!trajectory && max_batch > count && max_batch > test_count)
        max_batch = count > test_count ? count : test_count;
    if (kind_model_create(&r->model, rc, max_batch, trajectory ? d->count : 1, &se) != 0)
        return err_set(e, "%s: %s", cfg, se.msg);
    if (k->check_data(&r->model, d, o->data_name, &se) != 0)
        return err_set(e, "%s: %s", cfg, se.msg);
    /* The test set is scored by the same model: it must suit it as well
     * (labels the outputs cover, targets of the right width). */
    if (r->test->count > 0 &&
        k->check_data(&r->model, r->test, o->test_name ? o->test_name : o->data_name, &se) != 0)
        return err_set(e, "%s: test set: %s", cfg, se.msg);
    size_t np = r->model.n_params;
    train_event_t ev = {.what = TRAIN_STARTED, .n_params = np, .train_count = count,
                        .test_count = test_count};
    notify(r, &ev);

    rng_seed(&r->rng, (uint64_t)rc->seed);
    r->params = xmalloc(np * sizeof *r->params);
    r->grad = xmalloc((np + STEP_TERMS) * sizeof *r->grad);
    k->init_params(&r->model, r->params, &r->rng);
    r->B = trajectory ? 1 : (int)(rc->batch_size < count ? rc->batch_size : count);
    r->bx = xmalloc((size_t)r->B * (d->n_features ? d->n_features : 1) * sizeof(double));
    r->by = xmalloc((size_t)r->B * (d->n_targets ? d->n_targets : 1) * sizeof(double));
    r->blabels = xmalloc((size_t)r->B * sizeof(int));
    r->order = xmalloc((size_t)count * sizeof(int));
    for (int i = 0; i < count; i++)
        r->order[i] = i;
    r->rows = open_memstream(&r->rows_text, &r->rows_len);
    if (!r->rows)
        return err_set(e, "out of memory");

    optimizer_t opt;
    if (optimizer_init(&opt, &rc->opt, np, &se) != 0)
        return err_set(e, "%s: [train] %s", cfg, se.msg);
    char *config_text = runcfg_to_string(rc);
    char resume_path[4096];
    snprintf(resume_path, sizeof resume_path, "%s.resume", o->model_path);
    epoch_stats_t st = {0};
    int status = by_epochs ? train_epochs(r, &opt, config_text, resume_path, &st, e)
                           : train_iterations(r, &opt, config_text, resume_path, e);
    optimizer_free(&opt);
    fflush(r->rows);

    summary_t sum;
    summary_init(&sum);
    if (status == 0 && o->summary_path) {
        if (by_epochs)
            summary_epochs(r, &st, &sum);
        else /* scores the training set: every member takes part */
            status = summary_iterations(r, &sum, e);
    }
    if (status == 0 && !r->writer) {
        summary_free(&sum);
        free(config_text);
        return 0;
    }
    /* Written into the caller's open outputs, committed by trainer_commit
     * together with the caller's own. */
    if (status == 0) {
        /* The accuracy columns of a sequence model (latent, rnn) hold its
         * mse, and say so. */
        int seq_mse = logs_sequence_mse(r->rc);
        fputs(by_epochs ? "epoch\titerations\ttrain_loss\ttrain_accuracy\ttest_loss\t"
                          "test_accuracy\tnfe_forward\tnfe_backward\tseconds\n"
                : seq_mse ? "iteration\tloss\tbatch_mse\tnfe_forward\tnfe_backward\t"
                            "seconds\ttest_loss\ttest_mse\ttrain_loss\ttrain_mse\n"
                          : "iteration\tloss\tmetric\tnfe_forward\tnfe_backward\tseconds\t"
                            "test_loss\ttest_accuracy\ttrain_loss\ttrain_accuracy\n",
              o->log_out->fp);
        fputs(r->rows_text, o->log_out->fp);
        status = checkpoint_write_fp(o->model_out->fp, o->model_path, config_text, r->params, np,
                                     e);
        if (status == 0 && o->summary_path)
            summary_print(&sum, o->summary_out->fp);
    }
    summary_free(&sum);
    free(config_text);
    return status;
}

int trainer_commit(const trainer_opts_t *o, atomic_file_t *const *extra, size_t n_extra,
                   err_t *e)
{
    enum { MAX_EXTRA = 8 };
    atomic_file_t *all[3 + MAX_EXTRA] = {o->log_out, o->model_out, o->summary_out};
    if (n_extra > MAX_EXTRA)
        return err_set(e, "trainer_commit: more than %d other outputs", MAX_EXTRA);
    for (size_t i = 0; i < n_extra; i++)
        all[3 + i] = extra[i];
    if (atomic_commit_all(all, 3 + n_extra, e) != 0)
        return -1;
    /* Every schedule writes MODEL.resume as it goes (epochs: after each;
     * iterations: every resume_every); a finished run no longer needs it. */
    char resume_path[4096];
    snprintf(resume_path, sizeof resume_path, "%s.resume", o->model_path);
    unlink(resume_path);
    return 0;
}

int trainer_run(const trainer_opts_t *o, err_t *e)
{
    run_t r = {.o = o, .rc = o->rc, .train = o->train, .test = o->test, .comm = o->comm};
    int writer = !comm_parallel(o->comm) || o->comm->rank == 0;
    if (writer && (!o->log_out || !o->model_out || (o->summary_path && !o->summary_out)))
        return err_set(e, "trainer_run: the outputs were not opened before the run");
    int status = run_training(&r, e);
    if (r.rows)
        fclose(r.rows);
    free(r.rows_text);
    kind_model_free(&r.model);
    free(r.params);
    free(r.grad);
    free(r.bx);
    free(r.by);
    free(r.blabels);
    free(r.order);
    return status;
}
