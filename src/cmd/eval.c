/* eval: scores a trained model on a dataset.
 *
 *   eval --model M.ckpt --data DATA --summary S.tsv --prefix KEY
 *        [--predictions P.tsv] [--grid G.tsv --grid-range LO,HI --grid-n N]
 *
 * Writes KEY_loss (the model's loss over the whole set: a mean for
 * cross-entropy and mse, a sum for sse),
 * KEY_accuracy (classification: argmax; a single output against +-1
 * targets: sign agreement) and KEY_nfe_forward (forward evaluations per
 * solve) to the summary.  --predictions writes the model's outputs next to
 * the inputs (a trajectory: t and the outputs); --grid writes the outputs
 * of a 2-input model on an N x N grid over [LO, HI]^2 in gnuplot's grid
 * layout (x1 x2 y, a blank line after each x1), for contour maps.
 * DATA is a TSV file or an MNIST directory (its test set).  All outputs are
 * written atomically and only after every evaluation succeeded. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "saved.h"
#include "table.h"
#include "util.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: eval --model M.ckpt --data DATA --summary S.tsv --prefix KEY\n"
                "            [--predictions P.tsv] [--grid G.tsv --grid-range LO,HI --grid-n N]\n");
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

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    const char *model_path = NULL, *data = NULL, *summary = NULL, *prefix = NULL,
               *pred_path = NULL, *grid_path = NULL, *grid_range = NULL;
    long grid_n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc)
            die("%s: missing value (see --help)", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--model"))
            model_path = v;
        else if (!strcmp(a, "--data"))
            data = v;
        else if (!strcmp(a, "--summary"))
            summary = v;
        else if (!strcmp(a, "--prefix"))
            prefix = v;
        else if (!strcmp(a, "--predictions"))
            pred_path = v;
        else if (!strcmp(a, "--grid"))
            grid_path = v;
        else if (!strcmp(a, "--grid-range"))
            grid_range = v;
        else if (!strcmp(a, "--grid-n")) {
            if (parse_long(v, &grid_n) != 0 || grid_n < 2 || grid_n > 4000)
                die("--grid-n: '%s' is not an integer in [2, 4000]", v);
        } else
            die("unknown argument '%s' (see --help)", a);
    }
    if (!model_path || !data || !summary || !prefix) {
        usage(stderr);
        return 2;
    }
    if (!key_is_valid(prefix))
        die("--prefix '%s' is not a valid key", prefix);
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
    /* The dataset first (its size bounds the workspace), then the model. */
    saved_model_t probe;
    if (saved_model_load(model_path, 1, 1, &probe, &e) != 0)
        die("%s", e.msg);
    long test_count = probe.rc.test_count, eval_batch = probe.rc.eval_batch;
    saved_model_free(&probe);
    dataset_t d;
    if (load_any(data, test_count, &d, &e) != 0)
        die("%s", e.msg);
    int trajectory = d.kind == DATA_TRAJECTORY;
    int B = trajectory ? 1 : (int)(eval_batch < d.count ? eval_batch : d.count);
    saved_model_t sm;
    if (saved_model_load(model_path, B, trajectory ? d.count : 1, &sm, &e) != 0)
        die("%s", e.msg);
    model_t *m = &sm.model;
    if (m->cfg.input_dim != d.n_features)
        die("%s: the model takes %d inputs but %s has %d", model_path, m->cfg.input_dim, data,
            d.n_features);
    if (d.kind != DATA_CLASSIFY && m->O != d.n_targets)
        die("%s: the model has %d outputs but %s has %d targets", model_path, m->O, data,
            d.n_targets);

    /* Score the dataset; keep the predictions. */
    int O = m->O;
    double *pred = xmalloc((size_t)d.count * O * sizeof *pred);
    double loss = 0.0;
    long hits = 0, nfe = 0, solves = 0;
    int sign_accuracy = d.kind == DATA_REGRESS && O == 1;
    for (int i = 0; sign_accuracy && i < d.count; i++)
        sign_accuracy = fabs(d.y[i]) == 1.0;
    model_result_t res;
    if (trajectory) {
        if (model_run(m, sm.params, NULL, NULL, d.y, 1, d.count, d.t, NULL, &res, &e) != 0)
            die("%s: %s", model_path, e.msg);
        loss = res.loss;
        memcpy(pred, m->pred, (size_t)d.count * O * sizeof *pred);
        nfe = res.ode.nfe_forward;
        solves = 1;
    } else {
        for (int first = 0; first < d.count; first += B) {
            int nb = d.count - first < B ? d.count - first : B;
            const double *x = d.x + (size_t)first * d.n_features;
            const int *lab = d.labels ? d.labels + first : NULL;
            const double *y = d.y ? d.y + (size_t)first * d.n_targets : NULL;
            if (model_run(m, sm.params, x, lab, y, nb, 1, NULL, NULL, &res, &e) != 0)
                die("%s: %s", model_path, e.msg);
            /* Summed losses add up; mean losses are weighted by batch size. */
            loss += m->cfg.loss == LOSS_SSE ? res.loss : res.loss * nb;
            hits += res.correct;
            memcpy(pred + (size_t)first * O, m->pred, (size_t)nb * O * sizeof *pred);
            if (sign_accuracy)
                for (int i = 0; i < nb; i++)
                    hits += (m->pred[i] > 0) == (y[i] > 0);
            nfe += res.ode.nfe_forward;
            solves++;
        }
        if (m->cfg.loss != LOSS_SSE)
            loss /= d.count;
    }

    /* Optional grid for contour maps. */
    atomic_file_t grid = {0};
    if (grid_path) {
        if (m->cfg.input_dim != 2 || O != 1)
            die("%s: --grid needs a model with 2 inputs and 1 output", model_path);
        if (atomic_open(&grid, grid_path, &e) != 0)
            die("%s", e.msg);
        fprintf(grid.fp, "# x1\tx2\tprediction\n");
        size_t total = (size_t)grid_n * grid_n;
        double *gx = xmalloc((size_t)B * 2 * sizeof *gx);
        for (size_t first = 0; first < total; first += (size_t)B) {
            int nb = total - first < (size_t)B ? (int)(total - first) : B;
            for (int i = 0; i < nb; i++) {
                size_t k = first + (size_t)i;
                gx[2 * i] = lo + (hi - lo) * (double)(k / (size_t)grid_n) / (double)(grid_n - 1);
                gx[2 * i + 1] = lo + (hi - lo) * (double)(k % (size_t)grid_n) / (double)(grid_n - 1);
            }
            double *zeros = xcalloc((size_t)nb, sizeof *zeros);
            if (model_run(m, sm.params, gx, NULL, zeros, nb, 1, NULL, NULL, &res, &e) != 0) {
                atomic_abort(&grid);
                die("%s: grid: %s", model_path, e.msg);
            }
            free(zeros);
            for (int i = 0; i < nb; i++) {
                size_t k = first + (size_t)i;
                fprintf(grid.fp, "%.6g\t%.6g\t%.6g\n", gx[2 * i], gx[2 * i + 1], m->pred[i]);
                if (k % (size_t)grid_n == (size_t)grid_n - 1)
                    fprintf(grid.fp, "\n");
            }
        }
        free(gx);
    }

    atomic_file_t pf = {0};
    if (pred_path) {
        if (atomic_open(&pf, pred_path, &e) != 0)
            die("%s", e.msg);
        if (trajectory)
            fprintf(pf.fp, "t");
        for (int j = 0; j < d.n_features; j++)
            fprintf(pf.fp, "%sx%d", j || trajectory ? "\t" : "", j + 1);
        for (int j = 0; j < O; j++)
            fprintf(pf.fp, "\tpred%d", j + 1);
        fprintf(pf.fp, "\n");
        for (int i = 0; i < d.count; i++) {
            if (trajectory)
                fprintf(pf.fp, "%.10g", d.t[i]);
            for (int j = 0; j < d.n_features; j++)
                fprintf(pf.fp, "%s%.10g", j || trajectory ? "\t" : "",
                        d.x[(size_t)i * d.n_features + j]);
            for (int j = 0; j < O; j++)
                fprintf(pf.fp, "\t%.10g", pred[(size_t)i * O + j]);
            fprintf(pf.fp, "\n");
        }
    }

    summary_t s;
    summary_init(&s);
    char key[128];
    snprintf(key, sizeof key, "%s_loss", prefix);
    summary_add(&s, key, "%.6g", loss);
    if (d.kind == DATA_CLASSIFY || sign_accuracy) {
        snprintf(key, sizeof key, "%s_accuracy", prefix);
        summary_add(&s, key, "%.4f", (double)hits / d.count);
    }
    snprintf(key, sizeof key, "%s_nfe_forward", prefix);
    summary_add(&s, key, "%.1f", (double)nfe / (double)solves);
    if (summary_write(&s, summary, &e) != 0)
        die("%s", e.msg);
    if (grid_path && atomic_commit(&grid, &e) != 0)
        die("%s", e.msg);
    if (pred_path && atomic_commit(&pf, &e) != 0)
        die("%s", e.msg);
    summary_free(&s);
    free(pred);
    dataset_free(&d);
    saved_model_free(&sm);
    return 0;
}
