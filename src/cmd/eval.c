/* eval: scores a trained model of any kind on a dataset.
 *
 *   eval --model M.ckpt --data DATA --summary S.tsv --prefix KEY
 *        [--predictions P.tsv] [--grid G.tsv --grid-range LO,HI --grid-n N]
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
 * observation; truth rows before the first are not scored) and
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
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/dataset.h"
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
                "            [--predictions P.tsv] [--grid G.tsv --grid-range LO,HI --grid-n N]\n"
                "  DATA: a TSV dataset, or an MNIST directory (its test set)\n");
}

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

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    const char *model_path = NULL, *data = NULL, *summary = NULL, *prefix = NULL,
               *pred_path = NULL, *grid_path = NULL, *grid_range = NULL;
    long grid_n = 0;
    enum { OPT_GRID_RANGE = 256, OPT_GRID_N };
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
        {NULL, 0, NULL, 0}};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'm': model_path = optarg; break;
        case 'd': data = optarg; break;
        case 's': summary = optarg; break;
        case 'p': prefix = optarg; break;
        case 'P': pred_path = optarg; break;
        case 'g': grid_path = optarg; break;
        case OPT_GRID_RANGE: grid_range = optarg; break;
        case OPT_GRID_N:
            if (parse_long(optarg, &grid_n) != 0 || grid_n < 2 || grid_n > 4000)
                die("--grid-n: '%s' is not an integer in [2, 4000]", optarg);
            break;
        default:
            die_bad_option(c, argv);
        }
    }
    if (optind < argc)
        die("unexpected argument '%s' (see --help)", argv[optind]);
    if (!model_path || !data || !summary || !prefix) {
        usage(stderr);
        return 2;
    }
    if (!key_is_valid(prefix))
        die("--prefix '%s' is not a valid key", prefix);
    {
        err_t pe;
        const io_path_t in[] = {{"--model", model_path}, {"--data", data}};
        const io_path_t out[] = {{"--summary", summary}, {"--predictions", pred_path},
                                 {"--grid", grid_path}};
        if (check_io_paths(in, 2, out, 3, &pe) != 0)
            die("%s", pe.msg);
    }
    double lo = 0, hi = 0;
    if (grid_path) {
        char *comma = grid_range ? strchr(grid_range, ',') : NULL;
        if (!comma || grid_n < 2)
            die("--grid needs --grid-range LO,HI and --grid-n N");
        *comma = '\0';
        if (parse_double(grid_range, &lo) != 0 || parse_double(comma + 1, &hi) != 0 || !(hi > lo))
            die("--grid-range: expected LO,HI with LO < HI");
    }
    openblas_set_num_threads(1);
    err_t e = {{0}};
    /* Every output opened before the work (an unwritable destination fails
     * first) and committed together at the end, or none: a failure leaves
     * every target as it was (temporary files go at exit). */
    atomic_file_t sf = {0}, grid = {0}, pf = {0};
    atomic_file_t *const all[] = {&sf, &grid, &pf};
    if (atomic_open(&sf, summary, &e) != 0 ||
        (grid_path && atomic_open(&grid, grid_path, &e) != 0) ||
        (pred_path && atomic_open(&pf, pred_path, &e) != 0)) {
        for (size_t i = 0; i < 3; i++)
            atomic_abort(all[i]);
        die("%s", e.msg);
    }
    /* The stored config and the dataset first (their sizes bound the
     * workspace), then the model. */
    runcfg_t stored;
    if (saved_model_config(model_path, &stored, &e) != 0)
        die("%s", e.msg);
    dataset_t d;
    if (load_any(data, stored.test_count, &d, &e) != 0)
        die("%s", e.msg);
    int trajectory = d.kind == DATA_TRAJECTORY, sequences = d.kind == DATA_SEQUENCES;
    int examples = dataset_examples(&d);
    int chunk = trainer_score_chunk(&stored);
    int B = trajectory ? 1 : (chunk < examples ? chunk : examples);
    saved_model_t sm;
    if (saved_model_load(model_path, B, trajectory ? d.count : 1, &sm, &e) != 0)
        die("%s", e.msg);
    kind_model_t *m = &sm.model;
    if (m->kind->check_data(m, &d, data, &e) != 0)
        die("%s: %s", model_path, e.msg);

    /* Score the dataset; keep the outputs. */
    int O = m->n_outputs;
    double *pred = xmalloc((size_t)d.count * O * sizeof *pred); /* (count, O) */
    score_t sc;
    if (score_dataset(m, sm.params, &d, chunk, NULL, pred, &sc, &e) != 0)
        die("%s: %s", model_path, e.msg);
    long hits = sc.correct;
    int sign_accuracy = d.kind == DATA_REGRESS && O == 1;
    for (int i = 0; sign_accuracy && i < d.count; i++)
        sign_accuracy = fabs(d.y[i]) == 1.0;
    for (int i = 0; sign_accuracy && i < d.count; i++)
        hits += (pred[i] > 0) == (d.y[i] > 0);

    /* Sequences: the truth rows decoded too, scored inside each sequence's
     * observed window (reconstruction) and after it (extrapolation). */
    double *truth_pred = NULL; /* (n_truth, O) */
    double recon_sq = 0.0, extrap_sq = 0.0;
    long recon_n = 0, extrap_n = 0;
    if (sequences) {
        if (!m->kind->decode_truth)
            die("%s: a %s model does not decode a sequence's truth rows", model_path,
                m->kind->name);
        truth_pred = xmalloc((size_t)(d.n_truth > 0 ? d.n_truth : 1) * O * sizeof *truth_pred);
        int *seqs = xmalloc((size_t)d.n_sequences * sizeof *seqs); /* (n_sequences) */
        for (int q = 0; q < d.n_sequences; q++)
            seqs[q] = q;
        for (int first = 0; first < d.n_sequences; first += B) {
            int nb = d.n_sequences - first < B ? d.n_sequences - first : B;
            long nfe = 0;
            if (m->kind->decode_truth(m, sm.params, &d, seqs + first, nb,
                                      truth_pred + (size_t)d.truth_start[first] * O, &nfe,
                                      &e) != 0)
                die("%s: %s", model_path, e.msg);
        }
        free(seqs);
        for (int q = 0; q < d.n_sequences; q++) {
            double t_first = d.t[d.obs_rows[d.obs_start[q]]];
            double t_last = d.t[d.obs_rows[d.obs_start[q + 1] - 1]];
            for (int i = d.truth_start[q]; i < d.truth_start[q + 1]; i++) {
                double t = d.t[d.truth_rows[i]], sq = 0.0;
                if (t < t_first)
                    continue;
                for (int k = 0; k < O; k++) {
                    double r = d.y[(size_t)d.truth_rows[i] * O + k] - truth_pred[(size_t)i * O + k];
                    sq += r * r;
                }
                if (t <= t_last) {
                    recon_sq += sq;
                    recon_n += O;
                } else {
                    extrap_sq += sq;
                    extrap_n += O;
                }
            }
        }
    }

    /* Optional grid for contour maps. */
    if (grid_path) {
        if (m->n_inputs != 2 || O != 1)
            die("%s: --grid needs a model with 2 inputs and 1 output", model_path);
        fprintf(grid.fp, "# x1\tx2\tprediction\n");
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
            if (kind_model_run(m, sm.params, &b, NULL, &res, &e) != 0) {
                for (size_t a = 0; a < 3; a++)
                    atomic_abort(all[a]);
                die("%s: grid: %s", model_path, e.msg);
            }
            const double *out = m->kind->outputs(m);
            for (int i = 0; i < nb; i++) {
                size_t k = first + (size_t)i;
                fprintf(grid.fp, "%.6g\t%.6g\t%.6g\n", gx[2 * i], gx[2 * i + 1], out[i]);
                if (k % (size_t)grid_n == (size_t)grid_n - 1)
                    fprintf(grid.fp, "\n");
            }
        }
        free(zeros);
        free(gx);
    }

    if (pred_path && sequences) {
        fprintf(pf.fp, "seq\tt");
        for (int j = 0; j < d.n_targets; j++)
            fprintf(pf.fp, "\ty%d", j + 1);
        fprintf(pf.fp, "\tobserved");
        for (int j = 0; j < O; j++)
            fprintf(pf.fp, "\tpred%d", j + 1);
        fprintf(pf.fp, "\n");
        /* Every row in the file's order: observations and truth rows each
         * come in increasing row index (data/dataset.h). */
        for (int q = 0; q < d.n_sequences; q++) {
            int j = d.obs_start[q], i = d.truth_start[q];
            for (int row = d.seq_start[q]; row < d.seq_start[q + 1]; row++) {
                int observed = j < d.obs_start[q + 1] && d.obs_rows[j] == row;
                const double *p = observed ? pred + (size_t)j++ * O : truth_pred + (size_t)i++ * O;
                fprintf(pf.fp, "%d\t%.10g", q, d.t[row]);
                for (int k = 0; k < d.n_targets; k++)
                    fprintf(pf.fp, "\t%.10g", d.y[(size_t)row * d.n_targets + k]);
                fprintf(pf.fp, "\t%d", observed);
                for (int k = 0; k < O; k++)
                    fprintf(pf.fp, "\t%.10g", p[k]);
                fprintf(pf.fp, "\n");
            }
        }
    } else if (pred_path) {
        int images = d.n_features > MAX_LISTED_FEATURES;
        int listed = images ? 0 : d.n_features;
        if (trajectory)
            fprintf(pf.fp, "t");
        if (images)
            fprintf(pf.fp, "image%s", d.labels ? "\tlabel\tpredicted" : "");
        for (int j = 0; j < listed; j++)
            fprintf(pf.fp, "%sx%d", j || trajectory ? "\t" : "", j + 1);
        for (int j = 0; j < O; j++)
            fprintf(pf.fp, "\tpred%d", j + 1);
        fprintf(pf.fp, "\n");
        for (int i = 0; i < d.count; i++) {
            const double *out = pred + (size_t)i * O;
            if (trajectory)
                fprintf(pf.fp, "%.10g", d.t[i]);
            if (images) {
                fprintf(pf.fp, "%d", i);
                if (d.labels)
                    fprintf(pf.fp, "\t%d\t%d", d.labels[i], argmax(out, O));
            }
            for (int j = 0; j < listed; j++)
                fprintf(pf.fp, "%s%.10g", j || trajectory ? "\t" : "",
                        d.x[(size_t)i * d.n_features + j]);
            for (int j = 0; j < O; j++)
                fprintf(pf.fp, "\t%.10g", out[j]);
            fprintf(pf.fp, "\n");
        }
    }

    summary_t s;
    summary_init(&s);
    summary_add_prefixed(&s, prefix, "loss", "%.6g", sc.loss);
    if (d.kind == DATA_CLASSIFY || sign_accuracy)
        summary_add_prefixed(&s, prefix, "accuracy", "%.4f", (double)hits / d.count);
    if (!isnan(sc.mse))
        summary_add_prefixed(&s, prefix, "mse", "%.6g", sc.mse);
    if (recon_n > 0)
        summary_add_prefixed(&s, prefix, "recon_mse", "%.6g", recon_sq / (double)recon_n);
    if (extrap_n > 0)
        summary_add_prefixed(&s, prefix, "extrap_mse", "%.6g", extrap_sq / (double)extrap_n);
    summary_add_prefixed(&s, prefix, "nfe_forward", "%.1f",
                         (double)sc.nfe_forward / (double)sc.solves);
    summary_print(&s, sf.fp);
    summary_free(&s);
    if (atomic_commit_all(all, 3, &e) != 0)
        die("%s", e.msg);
    free(pred);
    free(truth_pred);
    dataset_free(&d);
    saved_model_free(&sm);
    return 0;
}
