/* train: fits an MLP-ODE model (src/lib/model.h) to a dataset.
 *
 *   train --config RUN.ini --data DATA --log LOG.tsv --model OUT.ckpt [--test TEST.tsv]
 *         [--set section.key=value ...] [--summary S.tsv --prefix KEY]
 *         [--stop-after-epoch N]
 *
 * [model] kind = odenet or resnet trains Chen et al.'s convolutional
 * classifiers on an MNIST directory by epochs (src/lib/convtrain.h): one
 * log row per epoch, a progress line on a terminal, and MODEL.resume after
 * every epoch, from which an interrupted run continues.  --stop-after-epoch
 * stops there on purpose (exit status 3), leaving only MODEL.resume.
 *
 * --summary writes KEY_iterations, KEY_final_loss (the last logged loss),
 * KEY_train_loss (the whole training set's loss after training),
 * KEY_nfe_forward and KEY_nfe_backward (totals over training) and
 * KEY_seconds (training time, not counting the per-iteration evaluations).
 *
 * --set overrides one key of the INI file (the Makefile uses it to scale a
 * run to a profile, e.g. fewer iterations for `quick`); the checkpoint
 * records the effective values.
 *
 * DATA is a TSV file (src/lib/dataset.h) or an MNIST idx directory (train
 * and test sets read in place).  Every iteration appends one log row:
 *   iteration loss metric nfe_forward nfe_backward seconds
 *   test_loss test_accuracy train_loss train_accuracy
 * loss is the training batch's loss; metric is the test accuracy
 * (classification) or test loss (regression) when a test set is given,
 * else the batch's; NFE are the step's forward and adjoint evaluations;
 * seconds is the wall time of the step alone.  The last four columns are
 * the mean loss and accuracy over the whole test set and (with [data]
 * eval_train = true) the whole training set, after the step; nan where not
 * computed or not meaningful.  Optional
 * full-batch L-BFGS fine-tuning continues the log.  The log and the
 * checkpoint are written atomically, only when training succeeded. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "checkpoint.h"
#include "conv.h"
#include "convtrain.h"
#include "dataset.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "runcfg.h"
#include "table.h"
#include "util.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(FILE *fp)
{
    fprintf(fp, "usage: train --config RUN.ini --data DATA --log LOG.tsv --model OUT.ckpt "
                "[--test TEST.tsv] [--set section.key=value ...]\n"
                "  DATA: a TSV dataset, or an MNIST directory of idx files\n");
}

typedef struct {
    runcfg_t rc;
    model_t model;
    dataset_t train, test;
    double *params, *grad;
    /* batch assembly */
    double *bx, *by;
    int *blabels;
    int *order;
    rng_t rng;
    const char *data_name;
} run_t;

/* Copies examples order[first .. first+B) into the batch buffers. */
static void gather(run_t *r, const dataset_t *d, const int *idx, int B)
{
    int nf = d->n_features, nt = d->n_targets;
    for (int i = 0; i < B; i++) {
        int j = idx ? idx[i] : i;
        if (nf)
            memcpy(r->bx + (size_t)i * nf, d->x + (size_t)j * nf, (size_t)nf * sizeof(double));
        if (d->labels)
            r->blabels[i] = d->labels[j];
        if (nt)
            memcpy(r->by + (size_t)i * nt, d->y + (size_t)j * nt, (size_t)nt * sizeof(double));
    }
}

typedef struct {
    double loss;     /* mean over examples (trajectory: the loss itself) */
    double accuracy; /* classification */
    long nfe_forward, nfe_backward;
} score_t;

/* Loss (and gradient, if grad) over a whole dataset in chunks of `chunk`:
 * the mean over examples (cross-entropy, mse) or the sum (sse). */
static int score(run_t *r, const dataset_t *d, const double *params, long chunk, double *grad,
                 score_t *s, err_t *e)
{
    memset(s, 0, sizeof *s);
    model_result_t res;
    if (d->kind == DATA_TRAJECTORY) {
        if (model_run(&r->model, params, NULL, NULL, d->y, 1, d->count, d->t, grad, &res, e) != 0)
            return -1;
        s->loss = res.loss;
        s->nfe_forward = res.ode.nfe_forward;
        s->nfe_backward = res.ode.nfe_backward;
        return 0;
    }
    double *g = NULL;
    if (grad) {
        g = xmalloc(r->model.n_params * sizeof *g);
        memset(grad, 0, r->model.n_params * sizeof *grad);
    }
    long correct = 0;
    for (int first = 0; first < d->count; first += (int)chunk) {
        int B = d->count - first < chunk ? d->count - first : (int)chunk;
        const double *x = d->x + (size_t)first * d->n_features;
        const int *labels = d->labels ? d->labels + first : NULL;
        const double *y = d->y ? d->y + (size_t)first * d->n_targets : NULL;
        if (model_run(&r->model, params, x, labels, y, B, 1, NULL, g, &res, e) != 0) {
            free(g);
            return -1;
        }
        /* Summed losses (sse) add up over chunks; means are weighted. */
        double w = r->rc.model.loss == LOSS_SSE ? 1.0 : (double)B;
        s->loss += res.loss * w;
        correct += res.correct;
        s->nfe_forward += res.ode.nfe_forward;
        s->nfe_backward += res.ode.nfe_backward;
        if (g)
            for (size_t i = 0; i < r->model.n_params; i++)
                grad[i] += g[i] * w;
    }
    double norm = r->rc.model.loss == LOSS_SSE ? 1.0 : (double)d->count;
    s->loss /= norm;
    s->accuracy = (double)correct / d->count;
    if (grad)
        for (size_t i = 0; i < r->model.n_params; i++)
            grad[i] /= norm;
    free(g);
    return 0;
}

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

/* The evaluation columns after a step: the metric is the test set's if
 * there is one, else the step's own. */
static int metrics(run_t *r, double batch_loss, double batch_acc, evals_t *v, err_t *e)
{
    int classify = r->rc.model.loss == LOSS_CE;
    v->metric = classify ? batch_acc : batch_loss;
    v->test_loss = v->test_accuracy = v->train_loss = v->train_accuracy = NAN;
    score_t s;
    if (r->test.count > 0) {
        if (score(r, &r->test, r->params, r->rc.eval_batch, NULL, &s, e) != 0)
            return -1;
        v->metric = classify ? s.accuracy : s.loss;
        v->test_loss = s.loss;
        v->test_accuracy = classify ? s.accuracy : NAN;
    }
    if (r->rc.eval_train) {
        if (score(r, &r->train, r->params, r->rc.eval_batch, NULL, &s, e) != 0)
            return -1;
        v->train_loss = s.loss;
        v->train_accuracy = classify ? s.accuracy : NAN;
    }
    return 0;
}

/* L-BFGS objective: the full training set's mean loss. */
typedef struct {
    run_t *r;
    FILE *log;
    long iteration;
    long nfe_f, nfe_b;
    double t_start;
    err_t *e;
    long *nfe_f_total, *nfe_b_total, *rows;
    double *seconds_total, *last_loss;
} lbfgs_ctx_t;

static int lbfgs_objective(void *ctx, const double *x, size_t n, double *f, double *grad)
{
    lbfgs_ctx_t *c = ctx;
    (void)n;
    score_t s;
    if (score(c->r, &c->r->train, x, c->r->rc.eval_batch, grad, &s, c->e) != 0)
        return -1;
    *f = s.loss;
    c->nfe_f += s.nfe_forward;
    c->nfe_b += s.nfe_backward;
    return 0;
}

static int lbfgs_progress(void *ctx, int iteration, double f, const double *x, size_t n)
{
    lbfgs_ctx_t *c = ctx;
    (void)iteration;
    double seconds = now() - c->t_start;
    memcpy(c->r->params, x, n * sizeof *x);
    evals_t v;
    if (metrics(c->r, f, NAN, &v, c->e) != 0)
        return 1;
    log_row(c->log, ++c->iteration, f, c->nfe_f, c->nfe_b, seconds, &v);
    *c->nfe_f_total += c->nfe_f;
    *c->nfe_b_total += c->nfe_b;
    *c->seconds_total += seconds;
    *c->last_loss = f;
    (*c->rows)++;
    c->nfe_f = c->nfe_b = 0;
    c->t_start = now();
    return 0;
}

static void load_data(run_t *r, const char *data, const char *test)
{
    err_t e = {{0}};
    struct stat st;
    if (stat(data, &st) != 0)
        die("%s: no such file or directory", data);
    if (S_ISDIR(st.st_mode)) {
        if (dataset_load_mnist(data, 1, (int)r->rc.train_count, &r->train, &e) != 0)
            die("%s", e.msg);
        if (r->rc.test_count > 0 &&
            dataset_load_mnist(data, 0, (int)r->rc.test_count, &r->test, &e) != 0)
            die("%s", e.msg);
    } else {
        if (dataset_load_tsv(data, &r->train, &e) != 0)
            die("%s", e.msg);
        if (r->rc.train_count > 0 && r->rc.train_count < r->train.count &&
            r->train.kind != DATA_TRAJECTORY)
            r->train.count = (int)r->rc.train_count;
        if (test && dataset_load_tsv(test, &r->test, &e) != 0)
            die("%s", e.msg);
    }
    if (test && S_ISDIR(st.st_mode))
        die("--test is for TSV data; an MNIST directory brings its own test set");
    const dataset_t *d = &r->train;
    if (r->test.count && (r->test.kind != d->kind || r->test.n_features != d->n_features ||
                          r->test.n_targets != d->n_targets))
        die("%s: test set columns do not match %s", test ? test : data, data);
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    const char *config = NULL, *data = NULL, *test = NULL, *log_path = NULL, *model_path = NULL,
               *summary_path = NULL, *prefix = NULL;
    long stop_after = 0;
    char *overrides = NULL;
    size_t overrides_len = 0;
    FILE *ov = open_memstream(&overrides, &overrides_len);
    if (!ov)
        die("out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc)
            die("%s: missing value (see --help)", a);
        if (strcmp(a, "--config") == 0)
            config = argv[++i];
        else if (strcmp(a, "--data") == 0)
            data = argv[++i];
        else if (strcmp(a, "--test") == 0)
            test = argv[++i];
        else if (strcmp(a, "--log") == 0)
            log_path = argv[++i];
        else if (strcmp(a, "--model") == 0)
            model_path = argv[++i];
        else if (strcmp(a, "--stop-after-epoch") == 0) {
            if (parse_long(argv[++i], &stop_after) != 0 || stop_after < 1)
                die("--stop-after-epoch: '%s' is not a positive integer", argv[i]);
        } else if (strcmp(a, "--summary") == 0)
            summary_path = argv[++i];
        else if (strcmp(a, "--prefix") == 0)
            prefix = argv[++i];
        else if (strcmp(a, "--set") == 0) {
            const char *kv = argv[++i], *dot = strchr(kv, '.'), *eq = strchr(kv, '=');
            if (!dot || !eq || dot > eq || dot == kv || eq == dot + 1)
                die("--set '%s': expected section.key=value", kv);
            fprintf(ov, "[%.*s]\n%.*s = %s\n", (int)(dot - kv), kv, (int)(eq - dot - 1), dot + 1,
                    eq + 1);
        } else
            die("unknown argument '%s' (see --help)", a);
    }
    if (!config || !data || !log_path || !model_path || !summary_path != !prefix) {
        usage(stderr);
        return 2;
    }
    if (prefix && !key_is_valid(prefix))
        die("--prefix '%s' is not a valid key", prefix);
    static run_t run;
    run_t *r = &run;
    err_t e = {{0}};
    if (runcfg_load(config, &r->rc, &e) != 0)
        die("%s", e.msg);
    fclose(ov);
    if (overrides_len && runcfg_override(&r->rc, "--set", overrides, &e) != 0)
        die("%s (config %s)", e.msg, config);
    free(overrides);
    openblas_set_num_threads((int)r->rc.threads);
    conv_set_threads((int)r->rc.threads);
    conv_set_single(!strcmp(r->rc.precision, "float32"));
    if (!strcmp(r->rc.kind, "odenet") || !strcmp(r->rc.kind, "resnet")) {
        /* Chen et al.'s convolutional classifiers: epochs over MNIST. */
        if (test)
            die("--test is for TSV data; %s trains on an MNIST directory", r->rc.kind);
        int rc = convtrain_run(&r->rc, config, data, log_path, model_path, summary_path, prefix,
                               (int)stop_after, &e);
        if (rc < 0)
            die("%s", e.msg);
        return rc == 1 ? 3 : 0;
    }
    load_data(r, data, test);

    /* The data fixes the input width; a config that names one must agree. */
    dataset_t *d = &r->train;
    model_config_t *mc = &r->rc.model;
    if (r->rc.input_dim && r->rc.input_dim != d->n_features)
        die("%s: [model] input_dim = %ld but %s has %d features", config, r->rc.input_dim, data,
            d->n_features);
    r->rc.input_dim = d->n_features;
    mc->input_dim = d->n_features;
    int trajectory = d->kind == DATA_TRAJECTORY;
    if ((mc->loss == LOSS_CE) != (d->kind == DATA_CLASSIFY))
        die("%s: loss %s does not suit %s (%s data)", config, loss_name(mc->loss), data,
            d->kind == DATA_CLASSIFY ? "labelled" : "real-valued");
    int max_batch = trajectory ? 1 : (int)r->rc.batch_size;
    if (!trajectory && r->rc.eval_batch > max_batch)
        max_batch = (int)r->rc.eval_batch;
    if (!trajectory && max_batch > d->count && max_batch > r->test.count)
        max_batch = d->count > r->test.count ? d->count : r->test.count;
    if (model_create(&r->model, mc, max_batch, trajectory ? d->count : 1, &e) != 0)
        die("%s: %s", config, e.msg);
    if (d->kind == DATA_CLASSIFY && r->model.O < d->n_classes)
        die("%s: the model has %d outputs but %s has %d classes", config, r->model.O, data,
            d->n_classes);
    if (d->kind != DATA_CLASSIFY && r->model.O != d->n_targets)
        die("%s: the model has %d outputs but %s has %d target columns", config, r->model.O,
            data, d->n_targets);

    rng_seed(&r->rng, (uint64_t)r->rc.seed);
    size_t np = r->model.n_params;
    r->params = xmalloc(np * sizeof(double));
    r->grad = xmalloc(np * sizeof(double));
    model_init_params(&r->model, r->params, &r->rng);
    int B = trajectory ? 1 : (int)(r->rc.batch_size < d->count ? r->rc.batch_size : d->count);
    r->bx = xmalloc((size_t)B * (d->n_features ? d->n_features : 1) * sizeof(double));
    r->by = xmalloc((size_t)B * (d->n_targets ? d->n_targets : 1) * sizeof(double));
    r->blabels = xmalloc((size_t)B * sizeof(int));
    r->order = xmalloc((size_t)d->count * sizeof(int));
    for (int i = 0; i < d->count; i++)
        r->order[i] = i;

    optimizer_t opt;
    if (optimizer_init(&opt, &r->rc.opt, np, &e) != 0)
        die("%s: [train] %s", config, e.msg);
    atomic_file_t log;
    if (atomic_open(&log, log_path, &e) != 0)
        die("%s", e.msg);
    fprintf(log.fp, "iteration\tloss\tmetric\tnfe_forward\tnfe_backward\tseconds\ttest_loss\t"
                    "test_accuracy\ttrain_loss\ttrain_accuracy\n");

    int batches = trajectory ? 1 : (d->count + B - 1) / B;
    long nfe_f_total = 0, nfe_b_total = 0, rows = 0;
    double seconds_total = 0.0, last_loss = NAN;
    for (long it = 1; it <= r->rc.iterations; it++) {
        int b = (int)((it - 1) % batches);
        if (b == 0 && r->rc.shuffle && !trajectory)
            for (int i = d->count - 1; i > 0; i--) { /* Fisher-Yates */
                int j = (int)(rng_next(&r->rng) % (uint64_t)(i + 1));
                int tmp = r->order[i];
                r->order[i] = r->order[j];
                r->order[j] = tmp;
            }
        /* Time-regularised ANODE: T ~ U(t1 - jitter, t1 + jitter). */
        double T = mc->t1;
        if (r->rc.end_time_jitter > 0)
            T = mc->t1 + r->rc.end_time_jitter * (2.0 * rng_uniform(&r->rng) - 1.0);
        double t_step = now();
        model_result_t res;
        int rc;
        if (trajectory) {
            rc = model_run(&r->model, r->params, NULL, NULL, d->y, 1, d->count, d->t, r->grad,
                           &res, &e);
        } else {
            int first = b * B, nb = d->count - first < B ? d->count - first : B;
            gather(r, d, r->order + first, nb);
            rc = model_run(&r->model, r->params, r->bx, r->blabels, r->by, nb, 1,
                           r->rc.end_time_jitter > 0 ? &T : NULL, r->grad, &res, &e);
            res.count = nb;
        }
        if (rc != 0) {
            atomic_abort(&log);
            die("%s: iteration %ld: %s", config, it, e.msg);
        }
        optimizer_step(&opt, r->params, r->grad);
        double seconds = now() - t_step;
        evals_t v;
        if (metrics(r, res.loss, res.count ? (double)res.correct / res.count : NAN, &v, &e) != 0) {
            atomic_abort(&log);
            die("%s: iteration %ld, evaluation: %s", config, it, e.msg);
        }
        log_row(log.fp, it, res.loss, res.ode.nfe_forward, res.ode.nfe_backward, seconds, &v);
        nfe_f_total += res.ode.nfe_forward;
        nfe_b_total += res.ode.nfe_backward;
        seconds_total += seconds;
        last_loss = res.loss;
        rows++;
        if (!isfinite(res.loss)) {
            atomic_abort(&log);
            die("%s: iteration %ld: the loss is not finite (training diverged)", config, it);
        }
    }
    optimizer_free(&opt);

    if (r->rc.lbfgs_iterations > 0) {
        lbfgs_config_t lc = lbfgs_config_default();
        lc.max_iterations = (int)r->rc.lbfgs_iterations;
        lbfgs_ctx_t ctx = {.r = r, .log = log.fp, .iteration = r->rc.iterations, .e = &e,
                           .t_start = now(), .nfe_f_total = &nfe_f_total,
                           .nfe_b_total = &nfe_b_total, .seconds_total = &seconds_total,
                           .last_loss = &last_loss, .rows = &rows};
        double fx;
        int iters = 0;
        err_t le = {{0}};
        if (lbfgs_minimize(r->params, np, lbfgs_objective, lbfgs_progress, &ctx, &lc, &fx, &iters,
                           &le) != 0) {
            atomic_abort(&log);
            die("%s: L-BFGS: %s%s%s", config, le.msg, e.msg[0] ? ": " : "", e.msg);
        }
    }

    summary_t sum;
    summary_init(&sum);
    if (summary_path) {
        score_t final;
        if (score(r, &r->train, r->params, r->rc.eval_batch, NULL, &final, &e) != 0) {
            atomic_abort(&log);
            die("%s: final evaluation: %s", config, e.msg);
        }
        char key[160];
#define ADD(name, ...)                                                                      \
    do {                                                                                    \
        snprintf(key, sizeof key, "%s_%s", prefix, name);                                   \
        summary_add(&sum, key, __VA_ARGS__);                                                \
    } while (0)
        ADD("iterations", "%ld", rows);
        ADD("final_loss", "%.6g", last_loss);
        ADD("train_loss", "%.6g", final.loss);
        ADD("nfe_forward", "%ld", nfe_f_total);
        ADD("nfe_backward", "%ld", nfe_b_total);
        ADD("seconds", "%.3f", seconds_total);
#undef ADD
    }
    runcfg_t *rc = &r->rc;
    char *meta = runcfg_to_string(rc);
    if (checkpoint_write(model_path, meta, r->params, np, &e) != 0) {
        atomic_abort(&log);
        die("%s", e.msg);
    }
    if (atomic_commit(&log, &e) != 0)
        die("%s", e.msg);
    if (summary_path && summary_write(&sum, summary_path, &e) != 0)
        die("%s", e.msg);
    summary_free(&sum);
    free(meta);
    model_free(&r->model);
    dataset_free(&r->train);
    dataset_free(&r->test);
    free(r->params);
    free(r->grad);
    free(r->bx);
    free(r->by);
    free(r->blabels);
    free(r->order);
    return 0;
}
