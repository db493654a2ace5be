/* features: the ODE block's output h(T) (all dimensions) for every example,
 * for a model of any kind.
 *
 *   features --model M.ckpt --data DATA --out F.tsv [--count N]
 *
 * Columns: h1..hS, then the example's label or targets (y1..yk); for a
 * trajectory, t then h(t)_1..h(t)_S at every observation time.  For the
 * convolutional kinds S = C * 36, channel-major (h[c * 36 + 6 * row + col]).
 * DATA is a TSV file or an MNIST directory (its test set); --count keeps
 * the first N examples (MNIST default 100, since each state is wide;
 * TSV default all).  Written atomically. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "saved.h"
#include "trainer.h"
#include "util.h"

#define MNIST_DEFAULT_COUNT 100

static void usage(FILE *fp)
{
    fprintf(fp, "usage: features --model M.ckpt --data DATA --out F.tsv [--count N]\n"
                "  DATA: a TSV dataset, or an MNIST directory (its test set)\n");
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    const char *model_path = NULL, *data = NULL, *out = NULL;
    long count = 0;
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},         {"model", required_argument, NULL, 'm'},
        {"data", required_argument, NULL, 'd'},   {"out", required_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'n'},  {NULL, 0, NULL, 0}};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'm': model_path = optarg; break;
        case 'd': data = optarg; break;
        case 'o': out = optarg; break;
        case 'n':
            if (parse_long(optarg, &count) != 0 || count < 1 || count > 1000000)
                die("--count: '%s' is not a positive integer", optarg);
            break;
        case ':':
            die("%s: missing value (see --help)", argv[optind - 1]);
        default:
            die("unknown argument '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (optind < argc)
        die("unexpected argument '%s' (see --help)", argv[optind]);
    if (!model_path || !data || !out) {
        usage(stderr);
        return 2;
    }
    openblas_set_num_threads(1);
    err_t e = {{0}};
    struct stat st;
    if (stat(data, &st) != 0)
        die("%s: no such file or directory", data);
    dataset_t d;
    if (S_ISDIR(st.st_mode)) {
        if (dataset_load_mnist(data, 0, (int)(count ? count : MNIST_DEFAULT_COUNT), &d, &e) != 0)
            die("%s", e.msg);
    } else {
        if (dataset_load_tsv(data, &d, &e) != 0)
            die("%s", e.msg);
        if (count && count < d.count && d.kind != DATA_TRAJECTORY)
            d.count = (int)count;
    }
    int trajectory = d.kind == DATA_TRAJECTORY;
    runcfg_t stored;
    if (saved_model_config(model_path, &stored, &e) != 0)
        die("%s", e.msg);
    int chunk = trainer_score_chunk(&stored);
    int B = trajectory ? 1 : (d.count < chunk ? d.count : chunk);
    saved_model_t sm;
    if (saved_model_load(model_path, B, trajectory ? d.count : 1, &sm, &e) != 0)
        die("%s", e.msg);
    kind_model_t *m = &sm.model;
    if (m->kind->check_data(m, &d, data, &e) != 0)
        die("%s: %s", model_path, e.msg);
    int S = m->state_width, K = trajectory ? d.count : 1;
    atomic_file_t af;
    if (atomic_open(&af, out, &e) != 0)
        die("%s", e.msg);
    if (trajectory)
        fprintf(af.fp, "t\t");
    for (int j = 0; j < S; j++)
        fprintf(af.fp, "%sh%d", j ? "\t" : "", j + 1);
    if (d.labels)
        fprintf(af.fp, "\tlabel");
    for (int j = 0; j < d.n_targets; j++)
        fprintf(af.fp, "\ty%d", j + 1);
    fprintf(af.fp, "\n");
    /* Targets only feed the loss, which is not used here; zeros suffice. */
    double *zeros = xcalloc((size_t)K * B * m->n_outputs, sizeof *zeros); /* (K, B, O) */
    double *h = xmalloc((size_t)K * B * S * sizeof *h);                   /* (K, B, S) */
    for (int first = 0; first < (trajectory ? 1 : d.count); first += B) {
        int nb = trajectory ? 1 : (d.count - first < B ? d.count - first : B);
        batch_t b = {.B = nb, .K = K, .targets = zeros, .times = trajectory ? d.t : NULL};
        if (!trajectory) {
            b.x = d.x + (size_t)first * d.n_features;
            b.labels = d.labels ? d.labels + first : NULL;
        }
        model_result_t res;
        if (kind_model_run(m, sm.params, &b, NULL, &res, &e) != 0) {
            atomic_abort(&af);
            die("%s: %s", model_path, e.msg);
        }
        m->kind->states(m, nb, K, h);
        int rows = trajectory ? d.count : nb;
        for (int r = 0; r < rows; r++) {
            int i = trajectory ? r : first + r;
            if (trajectory)
                fprintf(af.fp, "%.10g\t", d.t[r]);
            for (int j = 0; j < S; j++)
                fprintf(af.fp, "%s%.8g", j ? "\t" : "", h[(size_t)r * S + j]);
            if (d.labels)
                fprintf(af.fp, "\t%d", d.labels[i]);
            for (int j = 0; j < d.n_targets; j++)
                fprintf(af.fp, "\t%.10g", d.y[(size_t)i * d.n_targets + j]);
            fprintf(af.fp, "\n");
        }
    }
    free(h);
    free(zeros);
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    dataset_free(&d);
    saved_model_free(&sm);
    return 0;
}
