/* The process group's checks (train/trainer.h): what a group cannot share,
 * refused before anything runs, and the one state every member must start
 * from. */
#include <string.h>

#include "train/trainer_internal.h"

int trainer_group_refusal(const run_t *r, const char *cfg, int count, err_t *e)
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

/* The output options, which decide what a member does (which resume file
 * it reads, whether it scores for a summary, where it stops) and what
 * member 0 writes. */
static uint64_t options_fingerprint(const trainer_opts_t *o)
{
    const char *given[4] = {o->log_path, o->model_path, o->summary_path, o->prefix};
    uint64_t h = TRAINER_FNV_START;
    for (int i = 0; i < 4; i++) {
        unsigned char has = given[i] != NULL;
        h = trainer_fnv1a(h, &has, 1);
        if (has)
            h = trainer_fnv1a(h, given[i], strlen(given[i]) + 1);
    }
    return trainer_fnv1a(h, &o->stop_after_epoch, sizeof o->stop_after_epoch);
}

/* A group must start from one state: every member's training and test
 * data, configuration, parameters with the optimiser's state, epoch to
 * start from and output options are compared (as 52-bit digests, through
 * the group's maximum of each and of its negation), and a difference is
 * refused on every member alike.  It catches nodes that do not see the
 * same files (a resume file or a dataset only some of them have) and
 * members given different options, which would otherwise wait for each
 * other forever. */
int trainer_group_check_start(run_t *r, const optimizer_t *opt, const char *config_text,
                              long start, err_t *e)
{
    if (!comm_parallel(r->comm))
        return 0;
    size_t np = r->model.n_params;
    uint64_t state = trainer_fnv1a(TRAINER_FNV_START, r->params, np * sizeof *r->params);
    state = trainer_fnv1a(state, opt->m, np * sizeof *opt->m);
    state = trainer_fnv1a(state, opt->v, np * sizeof *opt->v);
    state = trainer_fnv1a(state, &opt->step, sizeof opt->step);
    enum { K = 5 };
    uint64_t digest[K] = {trainer_data_fingerprint(r),
                          trainer_fnv1a(TRAINER_FNV_START, config_text, strlen(config_text)),
                          state, (uint64_t)start, options_fingerprint(r->o)};
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
