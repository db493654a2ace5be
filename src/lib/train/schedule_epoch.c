/* The epoch schedule (train/trainer.h): the order reset and shuffled
 * before every epoch, one log row per epoch, MODEL.resume after each,
 * and its summary. */
#include <stdio.h>

#include "train/trainer_internal.h"

/* An epoch's running totals for its log row. */
typedef struct {
    double loss_sum; /* the steps' losses times their batch sizes */
    long hits, nfe_f, nfe_b;
} epoch_sums_t;

/* One epoch's steps over the shuffled order into the totals in u, each
 * step notified. */
static int epoch_steps(run_t *r, optimizer_t *opt, long epoch, double t_epoch, epoch_sums_t *u,
                       err_t *e)
{
    const dataset_t *d = r->train;
    int steps = (d->count + r->B - 1) / r->B;
    err_t se = {{0}};
    for (int s = 0; s < steps; s++) {
        int first = s * r->B, nb = d->count - first < r->B ? d->count - first : r->B, lo, hi;
        trainer_share_of(r, nb, &lo, &hi);
        trainer_gather(r, d, r->order + first + lo, hi - lo);
        batch_t bt = {.B = hi - lo, .K = 1, .x = r->bx, .labels = r->blabels,
                      .group_first = lo, .group_B = comm_parallel(r->comm) ? nb : 0};
        model_result_t res;
        if (trainer_step_run(r, &bt, &res, &se) != 0)
            return err_set(e, "%s: epoch %ld, step %d: %s", r->o->config_name, epoch, s + 1,
                           se.msg);
        optimizer_step(opt, r->params, r->grad);
        u->loss_sum += res.loss * nb;
        u->hits += res.correct;
        u->nfe_f += res.ode.nfe_forward;
        u->nfe_b += res.ode.nfe_backward;
        train_event_t ev = {.what = TRAIN_STEP, .epoch = epoch, .epochs = r->rc->epochs,
                            .step = s + 1, .steps = steps,
                            .loss = u->loss_sum / (first + nb),
                            .accuracy = (double)u->hits / (first + nb),
                            .nfe_forward = res.ode.nfe_forward,
                            .nfe_backward = res.ode.nfe_backward,
                            .seconds = monotonic_seconds() - t_epoch};
        trainer_notify(r, &ev);
    }
    return 0;
}

/* One epoch: the order reset and shuffled, its steps, the test score, its
 * log row, notified. */
static int run_epoch(run_t *r, optimizer_t *opt, long epoch, epoch_stats_t *st, err_t *e)
{
    const dataset_t *d = r->train;
    int steps = st->steps;
    /* Reset, then shuffled with the run's generator; the generator state
     * is part of the resume file, so a resumed run sees the same
     * batches. */
    for (int i = 0; i < d->count; i++)
        r->order[i] = i;
    trainer_shuffle(r->order, d->count, &r->rng);
    double t_epoch = monotonic_seconds();
    epoch_sums_t u = {0};
    if (epoch_steps(r, opt, epoch, t_epoch, &u, e) != 0)
        return -1;
    st->epoch_seconds = monotonic_seconds() - t_epoch;
    st->nfe_f_mean = (double)u.nfe_f / steps;
    st->nfe_b_mean = (double)u.nfe_b / steps;
    if (score_dataset_shared(&r->model, r->params, r->test, r->chunk, r->comm, &st->test, e) != 0)
        return -1;
    double test_accuracy = (double)st->test.correct / r->test->count;
    fprintf(r->rows, "%ld\t%ld\t%.6f\t%.5f\t%.6f\t%.5f\t%.2f\t%.2f\t%.2f\n", epoch,
            epoch * steps, u.loss_sum / d->count, (double)u.hits / d->count, st->test.loss,
            test_accuracy, st->nfe_f_mean, st->nfe_b_mean, st->epoch_seconds);
    fflush(r->rows);
    train_event_t ev = {.what = TRAIN_EPOCH, .epoch = epoch, .epochs = r->rc->epochs,
                        .accuracy = test_accuracy, .seconds = st->epoch_seconds};
    trainer_notify(r, &ev);
    return 0;
}

int trainer_epochs(run_t *r, optimizer_t *opt, const char *config_text, const char *resume_path,
                   epoch_stats_t *st, err_t *e)
{
    const runcfg_t *rc = r->rc;
    st->steps = (r->train->count + r->B - 1) / r->B;
    long start;
    if (trainer_load_resume(r, resume_path, config_text, opt, &start, e) != 0 ||
        trainer_group_check_start(r, opt, config_text, start, e) != 0)
        return -1;
    for (long epoch = start + 1; epoch <= rc->epochs; epoch++) {
        if (run_epoch(r, opt, epoch, st, e) != 0)
            return -1;
        if (r->writer &&
            trainer_save_resume_epochs(r, resume_path, config_text, epoch, opt, e) != 0)
            return -1;
        if (epoch == r->o->stop_after_epoch && epoch < rc->epochs) {
            train_event_t ev = {.what = TRAIN_STOPPED, .epoch = epoch, .path = resume_path};
            trainer_notify(r, &ev);
            return 1;
        }
    }
    /* Resumed after the last epoch: the summary still needs the test score. */
    if (start >= rc->epochs &&
        score_dataset_shared(&r->model, r->params, r->test, r->chunk, r->comm, &st->test, e) != 0)
        return -1;
    return 0;
}

void trainer_summary_epochs(run_t *r, const epoch_stats_t *st, summary_t *sum)
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
