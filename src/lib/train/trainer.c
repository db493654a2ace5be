#define _POSIX_C_SOURCE 200809L
/* The run (train/trainer.h): its set-up, the step both schedules take, the
 * outputs, trainer_run and trainer_commit.  The schedules, the resume file
 * and the group checks are their own files (train/trainer_internal.h). */
#include "train/trainer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checkpoint.h"
#include "train/trainer_internal.h"

int trainer_score_chunk(const runcfg_t *rc)
{
    return (int)(rc->model_kind->flags & KIND_BY_EPOCHS ? rc->batch_size : rc->eval_batch);
}

void trainer_notify(run_t *r, train_event_t *ev)
{
    ev->kind = r->rc->kind;
    if (r->o->notify)
        r->o->notify(r->o->notify_ctx, ev);
}

void trainer_gather(run_t *r, const dataset_t *d, const int *idx, int B)
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

void trainer_shuffle(int *order, int n, rng_t *rng)
{
    for (int i = n - 1; i > 0; i--) { /* Fisher-Yates */
        int j = (int)(rng_next(rng) % (uint64_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

int trainer_logs_sequence_mse(const runcfg_t *rc)
{
    return (rc->model_kind->flags & KIND_SEQUENCES) != 0;
}

void trainer_share_of(const run_t *r, int nb, int *lo, int *hi)
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

/* The kind's loss over a share is already its part of the group's mean
 * (bt->group_B, train/kind.h), so the shares add up. */
int trainer_step_run(run_t *r, const batch_t *bt, model_result_t *res, err_t *e)
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

/* ---------------------------------------------------------------- set-up */

/* What the run's kind, schedule and group refuse before any work, and
 * the group's roles. */
static int check_run(run_t *r, err_t *e)
{
    const trainer_opts_t *o = r->o;
    runcfg_t *rc = r->rc;
    const model_kind_t *k = rc->model_kind;
    const char *cfg = o->config_name;
    int by_epochs = (k->flags & KIND_BY_EPOCHS) != 0;
    if (k->fit_data && k->fit_data(rc, r->train, cfg, o->data_name, e) != 0)
        return -1;
    if (by_epochs && r->test->count == 0)
        return err_set(e, "%s: %s needs a test set", cfg, rc->kind);
    if (by_epochs ? o->stop_after_iteration > 0 : o->stop_after_epoch > 0)
        return err_set(e, "%s: %s is trained by %s: it cannot stop after an %s", cfg, rc->kind,
                       by_epochs ? "epochs" : "iterations", by_epochs ? "iteration" : "epoch");
    if (comm_parallel(r->comm) &&
        trainer_group_refusal(r, cfg, dataset_examples(r->train), e) != 0)
        return -1;
    r->writer = !comm_parallel(r->comm) || r->comm->rank == 0;
    if (comm_parallel(r->comm))
        rc->model.ode.comm = r->comm;
    return 0;
}

/* The kind's model, its workspace sized for the run, checked against the
 * training and test data. */
static int create_model(run_t *r, err_t *e)
{
    const trainer_opts_t *o = r->o;
    runcfg_t *rc = r->rc;
    const model_kind_t *k = rc->model_kind;
    const dataset_t *d = r->train;
    const char *cfg = o->config_name;
    int trajectory = d->kind == DATA_TRAJECTORY;
    int count = dataset_examples(d), test_count = dataset_examples(r->test);
    err_t se = {{0}};
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
    train_event_t ev = {.what = TRAIN_STARTED, .n_params = r->model.n_params,
                        .train_count = count, .test_count = test_count};
    trainer_notify(r, &ev);
    return 0;
}

/* The seeded generator, the initial parameters, the batch buffers, the
 * identity order and the in-memory log. */
static int init_state(run_t *r, err_t *e)
{
    const runcfg_t *rc = r->rc;
    const dataset_t *d = r->train;
    int trajectory = d->kind == DATA_TRAJECTORY, count = dataset_examples(d);
    size_t np = r->model.n_params;
    rng_seed(&r->rng, (uint64_t)rc->seed);
    r->params = xmalloc(np * sizeof *r->params);
    r->grad = xmalloc((np + STEP_TERMS) * sizeof *r->grad);
    rc->model_kind->init_params(&r->model, r->params, &r->rng);
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
    return 0;
}

/* ---------------------------------------------------------------- outputs */

/* Into the caller's open outputs, committed by trainer_commit together
 * with the caller's own: the log (its header, then the rows), the
 * checkpoint and, if asked for, the summary. */
static int write_outputs(run_t *r, const char *config_text, summary_t *sum, err_t *e)
{
    const trainer_opts_t *o = r->o;
    int by_epochs = (r->rc->model_kind->flags & KIND_BY_EPOCHS) != 0;
    /* The accuracy columns of a sequence model (latent, rnn) hold its
     * mse, and say so. */
    int seq_mse = trainer_logs_sequence_mse(r->rc);
    fputs(by_epochs ? "epoch\titerations\ttrain_loss\ttrain_accuracy\ttest_loss\t"
                      "test_accuracy\tnfe_forward\tnfe_backward\tseconds\n"
            : seq_mse ? "iteration\tloss\tbatch_mse\tnfe_forward\tnfe_backward\t"
                        "seconds\ttest_loss\ttest_mse\ttrain_loss\ttrain_mse\n"
                      : "iteration\tloss\tmetric\tnfe_forward\tnfe_backward\tseconds\t"
                        "test_loss\ttest_accuracy\ttrain_loss\ttrain_accuracy\n",
          o->log_out->fp);
    fputs(r->rows_text, o->log_out->fp);
    int status = checkpoint_write_fp(o->model_out->fp, o->model_path, config_text, r->params,
                                     r->model.n_params, e);
    if (status == 0 && o->summary_path)
        summary_print(sum, o->summary_out->fp);
    return status;
}

/* ---------------------------------------------------------------- driver */

static int run_training(run_t *r, err_t *e)
{
    const trainer_opts_t *o = r->o;
    runcfg_t *rc = r->rc;
    int by_epochs = (rc->model_kind->flags & KIND_BY_EPOCHS) != 0;
    err_t se = {{0}};
    if (check_run(r, e) != 0 || create_model(r, e) != 0 || init_state(r, e) != 0)
        return -1;

    optimizer_t opt;
    if (optimizer_init(&opt, &rc->opt, r->model.n_params, &se) != 0)
        return err_set(e, "%s: [train] %s", o->config_name, se.msg);
    char *config_text = runcfg_to_string(rc);
    char resume_path[4096];
    snprintf(resume_path, sizeof resume_path, "%s.resume", o->model_path);
    epoch_stats_t st = {0};
    int status = by_epochs ? trainer_epochs(r, &opt, config_text, resume_path, &st, e)
                           : trainer_iterations(r, &opt, config_text, resume_path, e);
    optimizer_free(&opt);
    fflush(r->rows);

    summary_t sum;
    summary_init(&sum);
    if (status == 0 && o->summary_path) {
        if (by_epochs)
            trainer_summary_epochs(r, &st, &sum);
        else /* scores the training set: every member takes part */
            status = trainer_summary_iterations(r, &sum, e);
    }
    if (status == 0 && r->writer)
        status = write_outputs(r, config_text, &sum, e);
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
