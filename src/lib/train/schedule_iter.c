/* The iteration schedule (train/trainer.h): one log row per step, the
 * order shuffled cumulatively at each pass, the end time jittered for
 * time-regularised runs, optional L-BFGS fine-tuning continuing the rows,
 * and its summary. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "train/trainer_internal.h"

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
 * there is one, else the step's own; a sequence model's (latent, rnn) is
 * always the step's batch mse.  With [data] eval_every = N
 * the sets are scored only after every N-th iteration and the last
 * (score = 0 for the others, whose columns stay nan). */
static int metrics(run_t *r, double batch_loss, double batch_acc, double batch_mse, int score,
                   evals_t *v, err_t *e)
{
    int classify = r->rc->model.loss == LOSS_CE;
    int seq_mse = trainer_logs_sequence_mse(r->rc);
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

/* Appends a step's row to the log, adds it to the run's totals and
 * notifies it (TRAIN_ITERATION: one call per step, which the caller
 * throttles; the clock read for it reaches no output). */
static void record_row(run_t *r, long it, double loss, long nfe_f, long nfe_b, double seconds,
                       const evals_t *v)
{
    log_row(r->rows, it, loss, nfe_f, nfe_b, seconds, v);
    r->nfe_f_total += nfe_f;
    r->nfe_b_total += nfe_b;
    r->seconds_total += seconds;
    r->last_loss = loss;
    r->n_rows++;
    train_event_t ev = {.what = TRAIN_ITERATION, .iteration = it,
                        .iteration_last = r->rc->iterations + r->rc->lbfgs_iterations,
                        .iteration_first = r->first_it, .loss = loss, .nfe_forward = nfe_f,
                        .nfe_backward = nfe_b, .seconds = monotonic_seconds() - r->t_first};
    trainer_notify(r, &ev);
}

/* ---------------------------------------------------------------- L-BFGS */

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
    record_row(r, ++c->iteration, f, c->nfe_f, c->nfe_b, seconds, &v);
    c->nfe_f = c->nfe_b = 0;
    c->t_start = monotonic_seconds();
    return 0;
}

/* [train] lbfgs_iterations of L-BFGS on the whole training set after the
 * optimiser's iterations, each logged as one more iteration. */
static int lbfgs_finetune(run_t *r, err_t *e)
{
    const runcfg_t *rc = r->rc;
    err_t se = {{0}};
    lbfgs_config_t lc = lbfgs_config_default();
    lc.max_iterations = (int)rc->lbfgs_iterations;
    lbfgs_ctx_t ctx = {.r = r, .iteration = rc->iterations, .e = &se,
                       .t_start = monotonic_seconds()};
    double fx;
    int iters = 0;
    err_t le = {{0}};
    if (lbfgs_minimize(r->params, r->model.n_params, lbfgs_objective, lbfgs_progress, &ctx, &lc,
                       &fx, &iters, &le) != 0)
        return err_set(e, "%s: L-BFGS: %s%s%s", r->o->config_name, le.msg, se.msg[0] ? ": " : "",
                       se.msg);
    return 0;
}

/* ---------------------------------------------------------------- iterations */

/* The batch of iteration `it` (pass position b): this member's share of
 * it, gathered into the batch buffers unless the data is named by index;
 * a trajectory is one batch.  *T is the step's end time, which bt may
 * point to. */
static batch_t iteration_batch(run_t *r, int b, double *T)
{
    const dataset_t *d = r->train;
    int count = dataset_examples(d), grouped = comm_parallel(r->comm);
    if (d->kind == DATA_TRAJECTORY)
        return (batch_t){.B = 1, .K = d->count, .targets = d->y, .times = d->t};
    int first = b * r->B, nb = count - first < r->B ? count - first : r->B, lo, hi;
    trainer_share_of(r, nb, &lo, &hi);
    if (d->kind == DATA_SEQUENCES) /* named by index, not copied (train/kind.h) */
        return (batch_t){.B = hi - lo, .K = 1, .seqs = r->order + first + lo, .data = d,
                         .group_first = lo, .group_B = grouped ? nb : 0,
                         .group_seqs = r->order + first};
    trainer_gather(r, d, r->order + first + lo, hi - lo);
    return (batch_t){.B = hi - lo, .K = 1, .x = r->bx, .labels = d->labels ? r->blabels : NULL,
                     .targets = d->y ? r->by : NULL,
                     .times = r->rc->end_time_jitter > 0 ? T : NULL, .group_first = lo,
                     .group_B = grouped ? nb : 0};
}

/* Like the epoch schedule, it continues from MODEL.resume, written after
 * every resume_every-th iteration (and at the stop). */
int trainer_iterations(run_t *r, optimizer_t *opt, const char *config_text,
                       const char *resume_path, err_t *e)
{
    const runcfg_t *rc = r->rc;
    const char *cfg = r->o->config_name;
    int trajectory = r->train->kind == DATA_TRAJECTORY, count = dataset_examples(r->train);
    int batches = trajectory ? 1 : (count + r->B - 1) / r->B;
    long every = r->o->resume_every > 0 ? r->o->resume_every : TRAINER_RESUME_EVERY;
    r->last_loss = NAN;
    long start;
    if (trainer_load_resume(r, resume_path, config_text, opt, &start, e) != 0 ||
        trainer_group_check_start(r, opt, config_text, start, e) != 0)
        return -1;
    err_t se = {{0}};
    r->first_it = start + 1;
    r->t_first = monotonic_seconds();
    for (long it = start + 1; it <= rc->iterations; it++) {
        int b = (int)((it - 1) % batches);
        /* Cumulative: each pass shuffles the previous pass's order. */
        if (b == 0 && rc->shuffle && !trajectory)
            trainer_shuffle(r->order, count, &r->rng);
        /* Time-regularised ANODE: T ~ U(t1 - jitter, t1 + jitter). */
        double T = rc->model.t1;
        if (rc->end_time_jitter > 0)
            T = rc->model.t1 + rc->end_time_jitter * (2.0 * rng_uniform(&r->rng) - 1.0);
        double t_step = monotonic_seconds();
        batch_t bt = iteration_batch(r, b, &T);
        model_result_t res;
        if (trainer_step_run(r, &bt, &res, &se) != 0)
            return err_set(e, "%s: iteration %ld: %s", cfg, it, se.msg);
        optimizer_step(opt, r->params, r->grad);
        double seconds = monotonic_seconds() - t_step;
        evals_t v;
        int score = it % rc->eval_every == 0 || it == rc->iterations;
        if (metrics(r, res.loss, res.count ? (double)res.correct / res.count : NAN,
                    res.mse_count > 0 ? res.mse : NAN, score, &v, &se) != 0)
            return err_set(e, "%s: iteration %ld, evaluation: %s", cfg, it, se.msg);
        record_row(r, it, res.loss, res.ode.nfe_forward, res.ode.nfe_backward, seconds, &v);
        if (!isfinite(res.loss))
            return err_set(e, "%s: iteration %ld: the loss is not finite (training diverged)",
                           cfg, it);
        int stop = it == r->o->stop_after_iteration && it < rc->iterations;
        if (r->writer && (it % every == 0 || stop) &&
            trainer_save_resume_iterations(r, resume_path, config_text, it, opt, e) != 0)
            return -1;
        if (stop) {
            train_event_t ev = {.what = TRAIN_STOPPED, .epoch = it, .path = resume_path,
                                .iterations = 1};
            trainer_notify(r, &ev);
            return 1;
        }
    }
    return rc->lbfgs_iterations > 0 ? lbfgs_finetune(r, e) : 0;
}

int trainer_summary_iterations(run_t *r, summary_t *sum, err_t *e)
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
