#define _POSIX_C_SOURCE 200809L
#include "convtrain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "dataset.h"
#include "odenet.h"
#include "optim.h"
#include "rng.h"
#include "table.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    double loss, accuracy;
    long nfe_forward, solves;
} scored_t;

static int score(odenet_t *net, const double *params, const dataset_t *d, int chunk,
                 scored_t *s, err_t *e)
{
    memset(s, 0, sizeof *s);
    long hits = 0;
    for (int first = 0; first < d->count; first += chunk) {
        int nb = d->count - first < chunk ? d->count - first : chunk;
        model_result_t res;
        if (odenet_run(net, params, d->x + (size_t)first * 784, d->labels + first, nb, NULL, &res,
                       e) != 0)
            return -1;
        s->loss += res.loss * nb;
        hits += res.correct;
        s->nfe_forward += res.ode.nfe_forward;
        s->solves++;
    }
    s->loss /= d->count;
    s->accuracy = (double)hits / d->count;
    return 0;
}

/* Resume state: params, Adam moments, the generator, the epoch, and the
 * log rows so far, stored as a checkpoint whose text is
 *   "resume EPOCH STEP S0 S1 S2 S3\n" LOG-ROWS "---\n" CONFIG. */
static int save_resume(const char *path, const char *config_text, const char *log_rows, int epoch,
                       const optimizer_t *opt, const rng_t *rng, const double *params, size_t np,
                       err_t *e)
{
    char *meta = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&meta, &len);
    if (!fp)
        return err_set(e, "out of memory");
    fprintf(fp, "resume %d %ld %llu %llu %llu %llu\n%s---\n%s", epoch, opt->step,
            (unsigned long long)rng->s[0], (unsigned long long)rng->s[1],
            (unsigned long long)rng->s[2], (unsigned long long)rng->s[3], log_rows, config_text);
    fclose(fp);
    double *all = xmalloc(3 * np * sizeof *all);
    memcpy(all, params, np * sizeof *all);
    memcpy(all + np, opt->m, np * sizeof *all);
    memcpy(all + 2 * np, opt->v, np * sizeof *all);
    int rc = checkpoint_write(path, meta, all, 3 * np, e);
    free(all);
    free(meta);
    return rc;
}

/* Returns the epoch to start from (0 if no usable resume file). */
static int load_resume(const char *path, const char *config_text, char **log_rows,
                       optimizer_t *opt, rng_t *rng, double *params, size_t np)
{
    if (access(path, F_OK) != 0)
        return 0;
    char *meta;
    double *all;
    size_t n;
    err_t e = {{0}};
    if (checkpoint_read(path, &meta, &all, &n, &e) != 0) {
        fprintf(stderr, "train: ignoring %s (%s)\n", e.msg, path);
        return 0;
    }
    int epoch = 0;
    long step = 0;
    unsigned long long s[4];
    char *sep = strstr(meta, "---\n");
    if (n != 3 * np || !sep || strcmp(sep + 4, config_text) != 0 ||
        sscanf(meta, "resume %d %ld %llu %llu %llu %llu", &epoch, &step, &s[0], &s[1], &s[2],
               &s[3]) != 6) {
        fprintf(stderr, "train: %s is from another configuration; starting afresh\n", path);
        free(meta);
        free(all);
        return 0;
    }
    char *rows = strchr(meta, '\n') + 1;
    *sep = '\0';
    *log_rows = strdup(rows);
    memcpy(params, all, np * sizeof *params);
    memcpy(opt->m, all + np, np * sizeof *params);
    memcpy(opt->v, all + 2 * np, np * sizeof *params);
    opt->step = step;
    for (int i = 0; i < 4; i++)
        rng->s[i] = (uint64_t)s[i];
    free(meta);
    free(all);
    fprintf(stderr, "train: resuming after epoch %d from %s\n", epoch, path);
    return epoch;
}

int convtrain_run(runcfg_t *rc, const char *config_name, const char *mnist_dir,
                  const char *log_path, const char *model_path, const char *summary_path,
                  const char *prefix, int stop_after, err_t *e)
{
    net_kind_t kind = !strcmp(rc->kind, "odenet") ? NET_ODE : NET_RESNET;
    dataset_t train, test;
    if (dataset_load_mnist(mnist_dir, 1, (int)rc->train_count, &train, e) != 0)
        return -1;
    if (dataset_load_mnist(mnist_dir, 0, (int)rc->test_count, &test, e) != 0) {
        dataset_free(&train);
        return -1;
    }
    int B = (int)rc->batch_size;
    odenet_t net;
    if (odenet_create(&net, kind, (int)rc->channels, B, &rc->model.ode, e) != 0) {
        dataset_free(&train);
        dataset_free(&test);
        return -1;
    }
    size_t np = net.n_params;
    fprintf(stderr, "train: %s with %zu parameters (%.2f M), %d training and %d test images\n",
            rc->kind, np, (double)np / 1e6, train.count, test.count);
    double *params = xmalloc(np * sizeof *params), *grad = xmalloc(np * sizeof *grad);
    rng_t rng;
    rng_seed(&rng, (uint64_t)rc->seed);
    odenet_init_params(&net, params, &rng);
    optimizer_t opt;
    if (optimizer_init(&opt, &rc->opt, np, e) != 0)
        return -1;
    char *config_text = runcfg_to_string(rc);
    char resume_path[4096];
    snprintf(resume_path, sizeof resume_path, "%s.resume", model_path);
    char *rows = NULL;
    int start = load_resume(resume_path, config_text, &rows, &opt, &rng, params, np);
    if (!rows)
        rows = strdup("");
    int *order = xmalloc((size_t)train.count * sizeof *order);
    double *bx = xmalloc((size_t)B * 784 * sizeof *bx);
    int *by = xmalloc((size_t)B * sizeof *by);
    int steps = (train.count + B - 1) / B, tty = isatty(2);
    scored_t last = {0};
    double last_epoch_s = 0, nfe_f_mean = 0, nfe_b_mean = 0;
    int status = 0;
    for (int epoch = start + 1; epoch <= rc->epochs && status == 0; epoch++) {
        for (int i = 0; i < train.count; i++)
            order[i] = i;
        /* Shuffled with the run's generator; the generator state is part of
         * the resume file, so a resumed run sees the same batches. */
        for (int i = train.count - 1; i > 0; i--) {
            int j = (int)(rng_next(&rng) % (uint64_t)(i + 1)), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double t_epoch = now(), loss_sum = 0;
        long nfe_f = 0, nfe_b = 0, hits = 0;
        for (int s = 0; s < steps; s++) {
            int first = s * B, nb = train.count - first < B ? train.count - first : B;
            for (int i = 0; i < nb; i++) {
                memcpy(bx + (size_t)i * 784, train.x + (size_t)order[first + i] * 784,
                       784 * sizeof *bx);
                by[i] = train.labels[order[first + i]];
            }
            model_result_t res;
            if (odenet_run(&net, params, bx, by, nb, grad, &res, e) != 0) {
                status = err_set(e, "%s: epoch %d, step %d: %s", config_name, epoch, s + 1,
                                 e->msg);
                break;
            }
            optimizer_step(&opt, params, grad);
            loss_sum += res.loss * nb;
            hits += res.correct;
            nfe_f += res.ode.nfe_forward;
            nfe_b += res.ode.nfe_backward;
            if (tty) {
                double el = now() - t_epoch, left = el / (s + 1) * (steps - s - 1) +
                                                    el / (s + 1) * steps * (rc->epochs - epoch);
                fprintf(stderr, "\r%s epoch %d/%ld step %d/%d loss %.4f acc %.3f NFE %ld/%ld "
                                "left %dm%02ds   ", rc->kind, epoch, rc->epochs, s + 1, steps,
                        loss_sum / (first + nb), (double)hits / (first + nb),
                        res.ode.nfe_forward, res.ode.nfe_backward, (int)(left / 60),
                        (int)fmod(left, 60));
            }
        }
        if (status != 0)
            break;
        last_epoch_s = now() - t_epoch;
        nfe_f_mean = (double)nfe_f / steps;
        nfe_b_mean = (double)nfe_b / steps;
        if (score(&net, params, &test, B, &last, e) != 0) {
            status = -1;
            break;
        }
        char row[512];
        snprintf(row, sizeof row, "%d\t%ld\t%.6f\t%.5f\t%.6f\t%.5f\t%.2f\t%.2f\t%.2f\n", epoch,
                 (long)epoch * steps, loss_sum / train.count, (double)hits / train.count,
                 last.loss, last.accuracy, nfe_f_mean, nfe_b_mean, last_epoch_s);
        char *grown = xmalloc(strlen(rows) + strlen(row) + 1);
        strcpy(grown, rows);
        strcat(grown, row);
        free(rows);
        rows = grown;
        if (tty)
            fprintf(stderr, "\n");
        fprintf(stderr, "train: epoch %d: test accuracy %.4f, %.1f s\n", epoch, last.accuracy,
                last_epoch_s);
        if (save_resume(resume_path, config_text, rows, epoch, &opt, &rng, params, np, e) != 0) {
            status = -1;
            break;
        }
        if (epoch == stop_after && epoch < rc->epochs) {
            fprintf(stderr, "train: stopped after epoch %d; %s holds the state\n", epoch,
                    resume_path);
            status = 1;
        }
    }
    if (status == 0 && start >= rc->epochs && score(&net, params, &test, B, &last, e) != 0)
        status = -1;
    if (status == 0) {
        atomic_file_t log;
        if (atomic_open(&log, log_path, e) != 0) {
            status = -1;
        } else {
            fprintf(log.fp, "epoch\titerations\ttrain_loss\ttrain_accuracy\ttest_loss\t"
                            "test_accuracy\tnfe_forward\tnfe_backward\tseconds\n%s", rows);
            status = checkpoint_write(model_path, config_text, params, np, e);
            if (status == 0)
                status = atomic_commit(&log, e);
            else
                atomic_abort(&log);
        }
    }
    if (status == 0 && summary_path) {
        summary_t s;
        summary_init(&s);
        char key[160];
#define ADD(name, ...)                                                                      \
    do {                                                                                    \
        snprintf(key, sizeof key, "%s_%s", prefix, name);                                   \
        summary_add(&s, key, __VA_ARGS__);                                                  \
    } while (0)
        ADD("parameters", "%zu", np);
        ADD("epochs", "%ld", rc->epochs);
        ADD("test_accuracy", "%.2f", 100.0 * last.accuracy);
        ADD("test_loss", "%.4f", last.loss);
        ADD("nfe_forward", "%.1f", nfe_f_mean);
        ADD("nfe_backward", "%.1f", nfe_b_mean);
        ADD("seconds_per_epoch", "%.1f", last_epoch_s);
        ADD("step_seconds", "%.3f", last_epoch_s / steps);
#undef ADD
        status = summary_write(&s, summary_path, e);
        summary_free(&s);
    }
    if (status == 0)
        unlink(resume_path);
    if (status == 1)
        status = 0, stop_after = -1;
    free(rows);
    free(config_text);
    free(order);
    free(bx);
    free(by);
    free(params);
    free(grad);
    optimizer_free(&opt);
    odenet_free(&net);
    dataset_free(&train);
    dataset_free(&test);
    return stop_after == -1 ? 1 : status;
}
