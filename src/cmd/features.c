/* features: the ODE block's output h(T) (all dimensions) for every example.
 *
 *   features --model M.ckpt --data DATA --out F.tsv
 *
 * Columns: h1..hD, then the example's label or targets (y1..yk); for a
 * trajectory, t then h(t)_1..h(t)_D at every observation time.  Written
 * atomically. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "saved.h"
#include "util.h"

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    const char *model_path = NULL, *data = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) {
            printf("usage: features --model M.ckpt --data DATA.tsv --out F.tsv\n");
            return 0;
        }
        if (i + 1 >= argc)
            die("%s: missing value (see --help)", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--model"))
            model_path = v;
        else if (!strcmp(a, "--data"))
            data = v;
        else if (!strcmp(a, "--out"))
            out = v;
        else
            die("unknown argument '%s' (see --help)", a);
    }
    if (!model_path || !data || !out) {
        fprintf(stderr, "usage: features --model M.ckpt --data DATA.tsv --out F.tsv\n");
        return 2;
    }
    openblas_set_num_threads(1);
    err_t e = {{0}};
    dataset_t d;
    if (dataset_load_tsv(data, &d, &e) != 0)
        die("%s", e.msg);
    int trajectory = d.kind == DATA_TRAJECTORY;
    saved_model_t sm;
    int B = trajectory ? 1 : (d.count < 1000 ? d.count : 1000);
    if (saved_model_load(model_path, B, trajectory ? d.count : 1, &sm, &e) != 0)
        die("%s", e.msg);
    model_t *m = &sm.model;
    if (m->cfg.input_dim != d.n_features)
        die("%s: the model takes %d inputs but %s has %d", model_path, m->cfg.input_dim, data,
            d.n_features);
    int D = m->D;
    atomic_file_t af;
    if (atomic_open(&af, out, &e) != 0)
        die("%s", e.msg);
    if (trajectory)
        fprintf(af.fp, "t\t");
    for (int j = 0; j < D; j++)
        fprintf(af.fp, "%sh%d", j ? "\t" : "", j + 1);
    if (d.labels)
        fprintf(af.fp, "\tlabel");
    for (int j = 0; j < d.n_targets; j++)
        fprintf(af.fp, "\ty%d", j + 1);
    fprintf(af.fp, "\n");
    model_result_t res;
    /* Targets only feed the loss, which is not used here; zeros suffice. */
    double *zeros = xcalloc((size_t)(trajectory ? d.count : B) * m->O, sizeof *zeros);
    for (int first = 0; first < (trajectory ? 1 : d.count); first += B) {
        int nb = trajectory ? 1 : (d.count - first < B ? d.count - first : B);
        const double *x = d.x ? d.x + (size_t)first * d.n_features : NULL;
        const int *lab = d.labels ? d.labels + first : NULL;
        int rc = trajectory
                     ? model_run(m, sm.params, NULL, NULL, zeros, 1, d.count, d.t, NULL, &res, &e)
                     : model_run(m, sm.params, x, lab, zeros, nb, 1, NULL, NULL, &res, &e);
        if (rc != 0) {
            atomic_abort(&af);
            die("%s: %s", model_path, e.msg);
        }
        const double *h = model_states(m);
        int rows = trajectory ? d.count : nb;
        for (int r = 0; r < rows; r++) {
            int i = trajectory ? r : first + r;
            if (trajectory)
                fprintf(af.fp, "%.10g\t", d.t[r]);
            for (int j = 0; j < D; j++)
                fprintf(af.fp, "%s%.8g", j ? "\t" : "", h[(size_t)r * D + j]);
            if (d.labels)
                fprintf(af.fp, "\t%d", d.labels[i]);
            for (int j = 0; j < d.n_targets; j++)
                fprintf(af.fp, "\t%.10g", d.y[(size_t)i * d.n_targets + j]);
            fprintf(af.fp, "\n");
        }
    }
    free(zeros);
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    dataset_free(&d);
    saved_model_free(&sm);
    return 0;
}
