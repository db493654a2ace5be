#define _POSIX_C_SOURCE 200809L
/* The resume file (train/trainer.h): MODEL.resume written as a run goes,
 * read back and checked when it starts, and the fingerprint of the data it
 * was made on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checkpoint.h"
#include "train/trainer_internal.h"

/* ---------------------------------------------------------------- fingerprints */

uint64_t trainer_fnv1a(uint64_t h, const void *p, size_t n)
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
    h = trainer_fnv1a(h, sizes, sizeof sizes);
    size_t n = (size_t)(d->count > 0 ? d->count : 0);
    if (d->x)
        h = trainer_fnv1a(h, d->x, n * (size_t)d->n_features * sizeof *d->x);
    if (d->labels)
        h = trainer_fnv1a(h, d->labels, n * sizeof *d->labels);
    if (d->y)
        h = trainer_fnv1a(h, d->y, n * (size_t)d->n_targets * sizeof *d->y);
    if (d->t)
        h = trainer_fnv1a(h, d->t, n * sizeof *d->t);
    if (d->seq_start) {
        size_t S = (size_t)d->n_sequences + 1;
        h = trainer_fnv1a(h, d->seq_start, S * sizeof(int));
        h = trainer_fnv1a(h, d->obs_start, S * sizeof(int));
        h = trainer_fnv1a(h, d->obs_rows, (size_t)d->n_observed * sizeof(int));
        h = trainer_fnv1a(h, d->truth_start, S * sizeof(int));
        h = trainer_fnv1a(h, d->truth_rows, (size_t)d->n_truth * sizeof(int));
    }
    return h;
}

/* The run's training and test data together. */
uint64_t trainer_data_fingerprint(const run_t *r)
{
    uint64_t h = data_fingerprint(TRAINER_FNV_START, r->train);
    return data_fingerprint(h, r->test);
}

/* ---------------------------------------------------------------- writing */

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

int trainer_save_resume_epochs(run_t *r, const char *path, const char *config_text, long epoch,
                              const optimizer_t *opt, err_t *e)
{
    char head[256];
    snprintf(head, sizeof head, "resume %ld %ld %llu %llu %llu %llu %llu", epoch, opt->step,
             (unsigned long long)r->rng.s[0], (unsigned long long)r->rng.s[1],
             (unsigned long long)r->rng.s[2], (unsigned long long)r->rng.s[3],
             (unsigned long long)trainer_data_fingerprint(r));
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

int trainer_save_resume_iterations(run_t *r, const char *path, const char *config_text, long it,
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
             (unsigned long long)trainer_data_fingerprint(r));
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

/* ---------------------------------------------------------------- reading */

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

/* A resume file's head line, parsed (the epoch schedule's lacks the
 * kind's generator k, the totals, loss and seconds: zeros). */
typedef struct {
    long done, step, nfe_f, nfe_b;
    unsigned long long s[4], k[4], loss, seconds, data;
} resume_head_t;

/* Why the resume file read into meta (n values) is not this run's, or NULL
 * when it is: then h holds its head, *rows its log rows (cut off before
 * the config).  Its values must be the parameters, two moments and, for
 * iterations, the batch order; its head this schedule's, and its config
 * and data fingerprint this run's. */
static const char *resume_mismatch(const run_t *r, char *meta, size_t n, const char *config_text,
                                   resume_head_t *h, char **rows)
{
    int by_epochs = (r->rc->model_kind->flags & KIND_BY_EPOCHS) != 0;
    int count = dataset_examples(r->train);
    size_t want = 3 * r->model.n_params + (by_epochs ? 0 : (size_t)count);
    *h = (resume_head_t){0};
    int used = -1;
    char *sep = strstr(meta, "---\n"), *nl = strchr(meta, '\n');
    int parsed = by_epochs ? sscanf(meta, "resume %ld %ld %llu %llu %llu %llu %llu%n", &h->done,
                                    &h->step, &h->s[0], &h->s[1], &h->s[2], &h->s[3], &h->data,
                                    &used) == 7
                           : sscanf(meta, "resume-iterations %ld %ld %llu %llu %llu %llu %llu "
                                          "%llu %llu %llu %ld %ld %llu %llu %llu%n", &h->done,
                                    &h->step, &h->s[0], &h->s[1], &h->s[2], &h->s[3], &h->k[0],
                                    &h->k[1], &h->k[2], &h->k[3], &h->nfe_f, &h->nfe_b,
                                    &h->loss, &h->seconds, &h->data, &used) == 15;
    if (n != want || !sep || !nl || nl > sep || !parsed || meta + used != nl ||
        strcmp(sep + 4, config_text) != 0)
        return "it is from another configuration";
    if (h->data != (unsigned long long)trainer_data_fingerprint(r))
        return "it was made on other training or test data";
    *rows = nl + 1;
    *sep = '\0';
    return NULL;
}

/* The iteration schedule's totals so far and the kind's own generator
 * (train/kind.h's train_rng), from a head that must hold a run's. */
static int restore_iteration_totals(run_t *r, const char *path, const resume_head_t *h,
                                    err_t *e)
{
    rng_t *kr = r->model.kind->train_rng ? r->model.kind->train_rng(&r->model) : NULL;
    double last = bits_double(h->loss), secs = bits_double(h->seconds);
    if (h->nfe_f < 0 || h->nfe_b < 0 || (h->done > 0 && !isfinite(last)) || !(secs >= 0) ||
        (kr && h->k[0] == 0 && h->k[1] == 0 && h->k[2] == 0 && h->k[3] == 0))
        return err_set(e, "%s: its totals or the model's generator are not a run's: refusing it "
                          "(delete it to start afresh)", path);
    if (kr)
        for (int i = 0; i < 4; i++)
            kr->s[i] = (uint64_t)h->k[i];
    r->nfe_f_total = h->nfe_f;
    r->nfe_b_total = h->nfe_b;
    r->last_loss = last;
    r->seconds_total = secs;
    r->n_rows = h->done;
    return 0;
}

/* Continues from a resume file made on this run's configuration and data
 * (head h, log rows, values all), once its contents pass the checks: the
 * rows, parameters, moments, optimiser step and generators. */
static int restore_resume(run_t *r, const char *path, const resume_head_t *h, const char *rows,
                          const double *all, optimizer_t *opt, long *start, err_t *e)
{
    int by_epochs = (r->rc->model_kind->flags & KIND_BY_EPOCHS) != 0;
    size_t np = r->model.n_params;
    if (check_resume(r, path, rows, h->done, h->step, h->s, all, e) != 0 ||
        (!by_epochs &&
         check_order(path, all + 3 * np, dataset_examples(r->train), r->order, e) != 0))
        return -1;
    if (!by_epochs && restore_iteration_totals(r, path, h, e) != 0)
        return -1;
    fputs(rows, r->rows);
    memcpy(r->params, all, np * sizeof *r->params);
    memcpy(opt->m, all + np, np * sizeof *r->params);
    memcpy(opt->v, all + 2 * np, np * sizeof *r->params);
    opt->step = h->step;
    for (int i = 0; i < 4; i++)
        r->rng.s[i] = (uint64_t)h->s[i];
    *start = h->done;
    train_event_t ev = {.what = TRAIN_RESUMED, .epoch = h->done, .path = path,
                        .iterations = !by_epochs};
    trainer_notify(r, &ev);
    return 0;
}

/* Continues from path if it holds a usable resume file: *start is the
 * epoch (iteration) to continue after, 0 when there is none or it was made
 * on another configuration or other data (ignored, and notified), and the
 * stored log rows are appended to r->rows.  -1 refuses the file: not a
 * regular file within core/checkpoint.h's bound, or contents no run could have
 * written (check_resume). */
int trainer_load_resume(run_t *r, const char *path, const char *config_text, optimizer_t *opt,
                        long *start, err_t *e)
{
    *start = 0;
    if (access(path, F_OK) != 0)
        return 0;
    if (checkpoint_check_file(path, e) != 0)
        return -1;
    char *meta, *rows = NULL;
    double *all;
    size_t n;
    err_t re = {{0}};
    train_event_t ev = {.what = TRAIN_RESUME_IGNORED, .path = path};
    if (checkpoint_read(path, &meta, &all, &n, &re) != 0) {
        ev.reason = re.msg;
        trainer_notify(r, &ev);
        return 0;
    }
    resume_head_t h;
    int status = 0;
    if ((ev.reason = resume_mismatch(r, meta, n, config_text, &h, &rows)))
        trainer_notify(r, &ev);
    else
        status = restore_resume(r, path, &h, rows, all, opt, start, e);
    free(meta);
    free(all);
    return status;
}
