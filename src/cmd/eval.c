/* eval: scores a trained model of any kind on a dataset.
 *
 *   eval --model M.ckpt --data DATA --summary S.tsv --prefix KEY
 *        [--predictions P.tsv] [--extrap-points N]
 *        [--grid G.tsv --grid-range LO,HI --grid-n N]
 *
 * Writes KEY_loss (the model's loss over the whole set: a mean for
 * cross-entropy and mse, a sum for sse),
 * KEY_accuracy (classification: argmax; a single output against +-1
 * targets: sign agreement), KEY_mse (sequences: the reconstructions'
 * mean squared error against the noisy observations, eps = 0, whose floor
 * is the noise variance), for sequences KEY_recon_mse and KEY_extrap_mse
 * (the model decoded at the noise-free truth rows by the kind's
 * decode_truth, latent with z0 = the posterior mean, rnn by one-step
 * predictions and a rollout after the last observation: its mean squared
 * error against the truth inside
 * [first, last observation] of each sequence, and after the last
 * observation (with --extrap-points N only the first N truth rows after
 * it: Chen et al.'s "100 time points extending beyond those that were
 * used for training"); truth rows before the first are not scored) and
 * KEY_nfe_forward (forward evaluations per solve) to the summary.
 * --predictions writes the model's outputs next to the inputs (a
 * trajectory: t and the outputs; images: the image's index, its label and
 * the predicted class instead of the pixels; sequences: every row of the
 * file, seq t y1..yk observed pred1..predk, an observation with its
 * reconstruction, a truth row with the decoded truth, nan before the first
 * observation); --grid writes
 * the outputs of a 2-input model on an N x N grid over [LO, HI]^2 in
 * gnuplot's grid layout (x1 x2 y, a blank line after each x1), for contour
 * maps.  DATA is a TSV file or an MNIST directory (the first test_count
 * images of its test set, as in training).  The set is scored in the
 * chunks training used (src/lib/train/trainer.h), so a classifier's accuracy
 * equals the one its training log reports.  All outputs are written
 * atomically and only after every evaluation succeeded. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cli.h"
#include "data/dataset.h"
#include "nn/gemm.h"
#include "train/saved.h"
#include "train/score.h"
#include "core/table.h"
#include "train/trainer.h"
#include "core/util.h"

/* Wider inputs than this are images: predictions name them by index. */
#define MAX_LISTED_FEATURES 16

static void usage(FILE *fp)
{
    fprintf(fp, "usage: eval --model M.ckpt --data DATA --summary S.tsv --prefix KEY\n"
                "            [--predictions P.tsv] [--extrap-points N]\n"
                "            [--grid G.tsv --grid-range LO,HI --grid-n N]\n"
                "  DATA: a TSV dataset, or an MNIST directory (its test set)\n");
}

/* The command line. */
typedef struct {
    const char *model_path, *data, *summary, *prefix, *pred_path, *grid_path, *grid_range;
    long grid_n;
    long extrap_points; /* --extrap-points: 0 scores every truth row after the last observation */
    double lo, hi;      /* --grid-range */
} eval_opts_t;

/* The outputs: every one opened before the work (an unwritable destination
 * fails first) and committed together at the end, or none: a failure
 * leaves every target as it was (temporary files go at exit). */
typedef struct {
    atomic_file_t sf, grid, pf;
    atomic_file_t *all[3];
} eval_out_t;

/* What is scored: the dataset and the model, sized for chunks of B. */
typedef struct {
    dataset_t d;
    saved_model_t sm;
    int chunk, B;
    int trajectory, sequences;
} eval_in_t;

/* What the scoring found. */
typedef struct {
    double *pred; /* (count, O) the model's outputs */
    score_t sc;
    long hits;
    int sign_accuracy; /* a single output against +-1 targets */
    /* Sequences: the truth rows decoded, scored inside each sequence's
     * observed window (reconstruction) and after it (extrapolation). */
    double *truth_pred; /* (n_truth, O) */
    double recon_sq, extrap_sq;
    long recon_n, extrap_n;
} eval_result_t;

static int load_any(const char *path, long count, dataset_t *d, err_t *e)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, "%s: no such file or directory", path);
    if (S_ISDIR(st.st_mode))
        return dataset_load_mnist(path, 0, (int)count, d, e);
    return dataset_load_tsv(path, d, e);
}

static int argmax(const double *z, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (z[i] > z[best])
            best = i;
    return best;
}

static void parse_options(int argc, char **argv, eval_opts_t *o)
{
    memset(o, 0, sizeof *o);
    enum { OPT_GRID_RANGE = 256, OPT_GRID_N, OPT_EXTRAP_POINTS };
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"model", required_argument, NULL, 'm'},
        {"data", required_argument, NULL, 'd'},
        {"summary", required_argument, NULL, 's'},
        {"prefix", required_argument, NULL, 'p'},
        {"predictions", required_argument, NULL, 'P'},
        {"grid", required_argument, NULL, 'g'},
        {"grid-range", required_argument, NULL, OPT_GRID_RANGE},
        {"grid-n", required_argument, NULL, OPT_GRID_N},
        {"extrap-points", required_argument, NULL, OPT_EXTRAP_POINTS},
        {NULL, 0, NULL, 0}};
    static const cli_t cli = {.longopts = options, .usage = usage};
    int c;
    while ((c = cli_next(&cli, argc, argv)) != -1) {
        switch (c) {
        case 'm': o->model_path = optarg; break;
        case 'd': o->data = optarg; break;
        case 's': o->summary = optarg; break;
        case 'p': o->prefix = optarg; break;
        case 'P': o->pred_path = optarg; break;
        case 'g': o->grid_path = optarg; break;
        case OPT_GRID_RANGE: o->grid_range = optarg; break;
        case OPT_GRID_N:
            if (parse_long(optarg, &o->grid_n) != 0 || o->grid_n < 2 || o->grid_n > 4000)
                die("--grid-n: '%s' is not an integer in [2, 4000]", optarg);
            break;
        case OPT_EXTRAP_POINTS:
            if (parse_long(optarg, &o->extrap_points) != 0 || o->extrap_points < 1 ||
                o->extrap_points > 1000000)
                die("--extrap-points: '%s' is not an integer in [1, 1e6]", optarg);
            break;
        }
    }
}

/* The options' values together: every required one given, no output on
 * an input or on another output, a valid grid. */
static void check_options(eval_opts_t *o)
{
    if (!o->model_path || !o->data || !o->summary || !o->prefix) {
        usage(stderr);
        exit(2);
    }
    if (!key_is_valid(o->prefix))
        die("--prefix '%s' is not a valid key", o->prefix);
    err_t pe;
    const io_path_t in[] = {{"--model", o->model_path}, {"--data", o->data}};
    const io_path_t out[] = {{"--summary", o->summary}, {"--predictions", o->pred_path},
                             {"--grid", o->grid_path}};
    if (check_io_paths(in, 2, out, 3, &pe) != 0)
        die("%s", pe.msg);
    if (o->grid_path) {
        char *comma = o->grid_range ? strchr(o->grid_range, ',') : NULL;
        if (!comma || o->grid_n < 2)
            die("--grid needs --grid-range LO,HI and --grid-n N");
        *comma = '\0';
        if (parse_double(o->grid_range, &o->lo) != 0 || parse_double(comma + 1, &o->hi) != 0 ||
            !(o->hi > o->lo))
            die("--grid-range: expected LO,HI with LO < HI");
    }
}

static void abort_all(eval_out_t *out)
{
    for (size_t i = 0; i < 3; i++)
        atomic_abort(out->all[i]);
}

static void open_outputs(const eval_opts_t *o, eval_out_t *out)
{
    err_t e = {{0}};
    memset(out, 0, sizeof *out);
    out->all[0] = &out->sf;
    out->all[1] = &out->grid;
    out->all[2] = &out->pf;
    if (atomic_open(&out->sf, o->summary, &e) != 0 ||
        (o->grid_path && atomic_open(&out->grid, o->grid_path, &e) != 0) ||
        (o->pred_path && atomic_open(&out->pf, o->pred_path, &e) != 0)) {
        abort_all(out);
        die("%s", e.msg);
    }
}

/* The stored config and the dataset first (their sizes bound the
 * workspace), then the model. */
static void load_inputs(const eval_opts_t *o, eval_in_t *in)
{
    err_t e = {{0}};
    runcfg_t stored;
    if (saved_model_config(o->model_path, &stored, &e) != 0)
        die("%s", e.msg);
    gemm_set_backend(stored.gemm_backend); /* as the model was trained */
    dataset_t *d = &in->d;
    if (load_any(o->data, stored.test_count, d, &e) != 0)
        die("%s", e.msg);
    in->trajectory = d->kind == DATA_TRAJECTORY;
    in->sequences = d->kind == DATA_SEQUENCES;
    int examples = dataset_examples(d);
    in->chunk = trainer_score_chunk(&stored);
    in->B = in->trajectory ? 1 : (in->chunk < examples ? in->chunk : examples);
    if (saved_model_load(o->model_path, in->B, in->trajectory ? d->count : 1, &in->sm, &e) != 0)
        die("%s", e.msg);
    kind_model_t *m = &in->sm.model;
    if (m->kind->check_data(m, d, o->data, &e) != 0)
        die("%s: %s", o->model_path, e.msg);
}

/* Scores the dataset; keeps the outputs. */
static void score(const eval_opts_t *o, eval_in_t *in, eval_result_t *r)
{
    err_t e = {{0}};
    kind_model_t *m = &in->sm.model;
    const dataset_t *d = &in->d;
    int O = m->n_outputs;
    r->pred = xmalloc((size_t)d->count * O * sizeof *r->pred); /* (count, O) */
    if (score_dataset(m, in->sm.params, d, in->chunk, NULL, r->pred, &r->sc, &e) != 0)
        die("%s: %s", o->model_path, e.msg);
    r->hits = r->sc.correct;
    r->sign_accuracy = d->kind == DATA_REGRESS && O == 1;
    for (int i = 0; r->sign_accuracy && i < d->count; i++)
        r->sign_accuracy = fabs(d->y[i]) == 1.0;
    for (int i = 0; r->sign_accuracy && i < d->count; i++)
        r->hits += (r->pred[i] > 0) == (d->y[i] > 0);
}

/* Sequences: the model decoded at every truth row, in chunks of B
 * sequences, into r->truth_pred. */
static void decode_truth(const eval_opts_t *o, eval_in_t *in, eval_result_t *r)
{
    err_t e = {{0}};
    kind_model_t *m = &in->sm.model;
    const dataset_t *d = &in->d;
    int O = m->n_outputs, B = in->B;
    if (!m->kind->decode_truth)
        die("%s: a %s model does not decode a sequence's truth rows", o->model_path,
            m->kind->name);
    r->truth_pred = xmalloc((size_t)(d->n_truth > 0 ? d->n_truth : 1) * O * sizeof *r->truth_pred);
    int *seqs = xmalloc((size_t)d->n_sequences * sizeof *seqs); /* (n_sequences) */
    for (int q = 0; q < d->n_sequences; q++)
        seqs[q] = q;
    for (int first = 0; first < d->n_sequences; first += B) {
        int nb = d->n_sequences - first < B ? d->n_sequences - first : B;
        long nfe = 0;
        if (m->kind->decode_truth(m, in->sm.params, d, seqs + first, nb,
                                  r->truth_pred + (size_t)d->truth_start[first] * O, &nfe,
                                  &e) != 0)
            die("%s: %s", o->model_path, e.msg);
    }
    free(seqs);
}

/* Sequences: the decoded truth rows' squared errors, inside each
 * sequence's observed window and after it (all of them, or the first
 * extrap_points > 0, which every sequence must have); rows before its
 * first observation are not scored. */
static void score_truth(const eval_opts_t *o, const eval_in_t *in, eval_result_t *r)
{
    const dataset_t *d = &in->d;
    int O = in->sm.model.n_outputs;
    for (int q = 0; q < d->n_sequences; q++) {
        double t_first = d->t[d->obs_rows[d->obs_start[q]]];
        double t_last = d->t[d->obs_rows[d->obs_start[q + 1] - 1]];
        long after = 0;
        for (int i = d->truth_start[q]; i < d->truth_start[q + 1]; i++)
            after += d->t[d->truth_rows[i]] > t_last;
        if (o->extrap_points > after)
            die("%s: sequence %d has %ld truth rows after its last observation, fewer than "
                "--extrap-points %ld", o->data, q, after, o->extrap_points);
        long scored = 0;
        for (int i = d->truth_start[q]; i < d->truth_start[q + 1]; i++) {
            double t = d->t[d->truth_rows[i]], sq = 0.0;
            if (t < t_first)
                continue;
            for (int k = 0; k < O; k++) {
                double res = d->y[(size_t)d->truth_rows[i] * O + k] -
                             r->truth_pred[(size_t)i * O + k];
                sq += res * res;
            }
            if (t <= t_last) {
                r->recon_sq += sq;
                r->recon_n += O;
            } else if (o->extrap_points == 0 || scored++ < o->extrap_points) {
                r->extrap_sq += sq;
                r->extrap_n += O;
            }
        }
    }
}

/* The outputs of a 2-input model on an N x N grid, for contour maps. */
static void write_grid(const eval_opts_t *o, eval_in_t *in, eval_out_t *out)
{
    err_t e = {{0}};
    kind_model_t *m = &in->sm.model;
    int B = in->B;
    long grid_n = o->grid_n;
    double lo = o->lo, hi = o->hi;
    FILE *fp = out->grid.fp;
    if (m->n_inputs != 2 || m->n_outputs != 1)
        die("%s: --grid needs a model with 2 inputs and 1 output", o->model_path);
    fprintf(fp, "# x1\tx2\tprediction\n");
    size_t total = (size_t)grid_n * grid_n;
    double *gx = xmalloc((size_t)B * 2 * sizeof *gx); /* (B, 2) */
    /* Targets only feed the loss, which is not used here; zeros suffice. */
    double *zeros = xcalloc((size_t)B, sizeof *zeros); /* (B, 1) */
    for (size_t first = 0; first < total; first += (size_t)B) {
        int nb = total - first < (size_t)B ? (int)(total - first) : B;
        for (int i = 0; i < nb; i++) {
            size_t k = first + (size_t)i;
            gx[2 * i] = lo + (hi - lo) * (double)(k / (size_t)grid_n) / (double)(grid_n - 1);
            gx[2 * i + 1] = lo + (hi - lo) * (double)(k % (size_t)grid_n) / (double)(grid_n - 1);
        }
        batch_t b = {.B = nb, .K = 1, .x = gx, .targets = zeros};
        model_result_t res;
        if (kind_model_run(m, in->sm.params, &b, NULL, &res, &e) != 0) {
            abort_all(out);
            die("%s: grid: %s", o->model_path, e.msg);
        }
        const double *y = m->kind->outputs(m);
        for (int i = 0; i < nb; i++) {
            size_t k = first + (size_t)i;
            fprintf(fp, "%.6g\t%.6g\t%.6g\n", gx[2 * i], gx[2 * i + 1], y[i]);
            if (k % (size_t)grid_n == (size_t)grid_n - 1)
                fprintf(fp, "\n");
        }
    }
    free(zeros);
    free(gx);
}

/* Sequences: every row of the file, seq t y1..yk observed pred1..predk. */
static void write_sequence_predictions(FILE *fp, const eval_in_t *in, const eval_result_t *r)
{
    const dataset_t *d = &in->d;
    int O = in->sm.model.n_outputs;
    fprintf(fp, "seq\tt");
    for (int j = 0; j < d->n_targets; j++)
        fprintf(fp, "\ty%d", j + 1);
    fprintf(fp, "\tobserved");
    for (int j = 0; j < O; j++)
        fprintf(fp, "\tpred%d", j + 1);
    fprintf(fp, "\n");
    /* Every row in the file's order: observations and truth rows each
     * come in increasing row index (data/dataset.h). */
    for (int q = 0; q < d->n_sequences; q++) {
        int j = d->obs_start[q], i = d->truth_start[q];
        for (int row = d->seq_start[q]; row < d->seq_start[q + 1]; row++) {
            int observed = j < d->obs_start[q + 1] && d->obs_rows[j] == row;
            const double *p =
                observed ? r->pred + (size_t)j++ * O : r->truth_pred + (size_t)i++ * O;
            fprintf(fp, "%d\t%.10g", q, d->t[row]);
            for (int k = 0; k < d->n_targets; k++)
                fprintf(fp, "\t%.10g", d->y[(size_t)row * d->n_targets + k]);
            fprintf(fp, "\t%d", observed);
            for (int k = 0; k < O; k++)
                fprintf(fp, "\t%.10g", p[k]);
            fprintf(fp, "\n");
        }
    }
}

/* The outputs next to the inputs: a trajectory's t, an image's index,
 * label and predicted class, or the features. */
static void write_predictions(FILE *fp, const eval_in_t *in, const eval_result_t *r)
{
    const dataset_t *d = &in->d;
    int O = in->sm.model.n_outputs, trajectory = in->trajectory;
    int images = d->n_features > MAX_LISTED_FEATURES;
    int listed = images ? 0 : d->n_features;
    if (trajectory)
        fprintf(fp, "t");
    if (images)
        fprintf(fp, "image%s", d->labels ? "\tlabel\tpredicted" : "");
    for (int j = 0; j < listed; j++)
        fprintf(fp, "%sx%d", j || trajectory ? "\t" : "", j + 1);
    for (int j = 0; j < O; j++)
        fprintf(fp, "\tpred%d", j + 1);
    fprintf(fp, "\n");
    for (int i = 0; i < d->count; i++) {
        const double *y = r->pred + (size_t)i * O;
        if (trajectory)
            fprintf(fp, "%.10g", d->t[i]);
        if (images) {
            fprintf(fp, "%d", i);
            if (d->labels)
                fprintf(fp, "\t%d\t%d", d->labels[i], argmax(y, O));
        }
        for (int j = 0; j < listed; j++)
            fprintf(fp, "%s%.10g", j || trajectory ? "\t" : "",
                    d->x[(size_t)i * d->n_features + j]);
        for (int j = 0; j < O; j++)
            fprintf(fp, "\t%.10g", y[j]);
        fprintf(fp, "\n");
    }
}

static void write_summary(FILE *fp, const char *prefix, const eval_in_t *in,
                          const eval_result_t *r)
{
    const dataset_t *d = &in->d;
    summary_t s;
    summary_init(&s);
    summary_add_prefixed(&s, prefix, "loss", "%.6g", r->sc.loss);
    if (d->kind == DATA_CLASSIFY || r->sign_accuracy)
        summary_add_prefixed(&s, prefix, "accuracy", "%.4f", (double)r->hits / d->count);
    if (!isnan(r->sc.mse))
        summary_add_prefixed(&s, prefix, "mse", "%.6g", r->sc.mse);
    if (r->recon_n > 0)
        summary_add_prefixed(&s, prefix, "recon_mse", "%.6g", r->recon_sq / (double)r->recon_n);
    if (r->extrap_n > 0)
        summary_add_prefixed(&s, prefix, "extrap_mse", "%.6g",
                             r->extrap_sq / (double)r->extrap_n);
    summary_add_prefixed(&s, prefix, "nfe_forward", "%.1f",
                         (double)r->sc.nfe_forward / (double)r->sc.solves);
    summary_print(&s, fp);
    summary_free(&s);
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    eval_opts_t o;
    parse_options(argc, argv, &o);
    check_options(&o);
    openblas_set_num_threads(1);
    eval_out_t out;
    open_outputs(&o, &out);
    eval_in_t in;
    load_inputs(&o, &in);

    eval_result_t r = {0};
    score(&o, &in, &r);
    if (o.extrap_points && !in.sequences)
        die("--extrap-points: %s is not sequence data (it scores truth rows after a sequence's "
            "last observation)", o.data);
    if (in.sequences) {
        decode_truth(&o, &in, &r);
        score_truth(&o, &in, &r);
    }
    if (o.grid_path)
        write_grid(&o, &in, &out);
    if (o.pred_path && in.sequences)
        write_sequence_predictions(out.pf.fp, &in, &r);
    else if (o.pred_path)
        write_predictions(out.pf.fp, &in, &r);
    write_summary(out.sf.fp, o.prefix, &in, &r);

    err_t e = {{0}};
    if (atomic_commit_all(out.all, 3, &e) != 0)
        die("%s", e.msg);
    free(r.pred);
    free(r.truth_pred);
    dataset_free(&in.d);
    saved_model_free(&in.sm);
    return 0;
}
