/* features: the ODE block's output h(T) (all dimensions) for every example,
 * for a model of any kind.
 *
 *   features --model M.ckpt --data DATA --out F.tsv [--count N]
 *
 * Columns: h1..hS, then the example's label or targets (y1..yk); for a
 * trajectory, t then h(t)_1..h(t)_S at every observation time.  For the
 * convolutional kinds S = C * 36, channel-major (h[c * 36 + 6 * row + col]).
 * For sequences: seq then h1..hS, the latent kind's initial state z0 (the
 * posterior mean) or the rnn kind's hidden state after the last
 * observation of each trajectory; --count keeps the first N trajectories.
 * DATA is a TSV file or an MNIST directory (its test set); --count keeps
 * the first N examples (MNIST default 100, since each state is wide;
 * TSV default all).  Written atomically.
 *
 *   features --model M.ckpt --samples N --seed S --times T1,T2,... --out F.tsv
 *
 * For a generative kind (cnf): N points drawn from the base N(0, I) with
 * the generator seeded by S, carried back through the model to each time
 * (descending from the config's t1 to t0): rows `t x1 x2`, one block per
 * time, blocks separated by two blank lines (gnuplot's `index`). */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cli.h"
#include "data/dataset.h"
#include "nn/gemm.h"
#include "core/rng.h"
#include "train/saved.h"
#include "train/score.h"
#include "train/trainer.h"
#include "core/util.h"

#define MNIST_DEFAULT_COUNT 100

static void usage(FILE *fp)
{
    fprintf(fp, "usage: features --model M.ckpt --data DATA --out F.tsv [--count N]\n"
                "       features --model M.ckpt --samples N --seed S --times T1,T2,... --out F.tsv\n"
                "  DATA: a TSV dataset, or an MNIST directory (its test set)\n");
}

#define MAX_TIMES 64

/* Base samples carried back through a generative model (see the header). */
static int write_samples(const char *model_path, long n, long seed, const char *times_text,
                         const char *out)
{
    err_t e = {{0}};
    double times[MAX_TIMES];
    int K = 0;
    char *copy = strdup(times_text), *save = NULL;
    if (!copy)
        die("out of memory");
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (K == MAX_TIMES || parse_double(tok, &times[K]) != 0)
            die("--times: '%s' is not a list of at most %d numbers", times_text, MAX_TIMES);
        K++;
    }
    free(copy);
    if (K == 0)
        die("--times: no times given");
    runcfg_t stored;
    if (saved_model_config(model_path, &stored, &e) != 0)
        die("%s", e.msg);
    gemm_set_backend(stored.gemm_backend); /* as the model was trained */
    int B = (int)(n < stored.eval_batch ? n : stored.eval_batch);
    saved_model_t sm;
    if (saved_model_load(model_path, B, 1, &sm, &e) != 0)
        die("%s", e.msg);
    kind_model_t *m = &sm.model;
    if (!m->kind->sample)
        die("%s: a %s model cannot generate samples (--samples is for generative kinds)",
            model_path, m->kind->name);
    int F = m->n_inputs;
    rng_t rng;
    rng_seed(&rng, (uint64_t)seed);
    double *base = xmalloc((size_t)B * F * sizeof *base);              /* (B, F) */
    double *chunk = xmalloc((size_t)K * B * F * sizeof *chunk);        /* (K, B, F) */
    double *all = xmalloc((size_t)K * (size_t)n * F * sizeof *all);    /* (K, n, F) */
    for (long first = 0; first < n; first += B) {
        int nb = n - first < B ? (int)(n - first) : B;
        for (size_t i = 0; i < (size_t)nb * F; i++)
            base[i] = rng_normal(&rng);
        if (m->kind->sample(m, sm.params, base, nb, K, times, chunk, &e) != 0)
            die("%s: %s", model_path, e.msg);
        for (int k = 0; k < K; k++)
            memcpy(all + ((size_t)k * n + first) * F, chunk + (size_t)k * nb * F,
                   (size_t)nb * F * sizeof *all);
    }
    atomic_file_t af;
    if (atomic_open(&af, out, &e) != 0)
        die("%s", e.msg);
    fprintf(af.fp, "t");
    for (int j = 0; j < F; j++)
        fprintf(af.fp, "\tx%d", j + 1);
    fprintf(af.fp, "\n");
    for (int k = 0; k < K; k++) {
        if (k)
            fprintf(af.fp, "\n\n");
        for (long i = 0; i < n; i++) {
            fprintf(af.fp, "%.6g", times[k]);
            for (int j = 0; j < F; j++)
                fprintf(af.fp, "\t%.8g", all[((size_t)k * n + i) * F + j]);
            fprintf(af.fp, "\n");
        }
    }
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    free(base);
    free(chunk);
    free(all);
    saved_model_free(&sm);
    return 0;
}

/* The command line. */
typedef struct {
    const char *model_path, *data, *out, *times;
    long count, samples, seed;
} features_opts_t;

static void parse_options(int argc, char **argv, features_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->seed = -1;
    enum { OPT_SAMPLES = 256, OPT_SEED, OPT_TIMES };
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},         {"model", required_argument, NULL, 'm'},
        {"data", required_argument, NULL, 'd'},   {"out", required_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'n'},  {"samples", required_argument, NULL, OPT_SAMPLES},
        {"seed", required_argument, NULL, OPT_SEED}, {"times", required_argument, NULL, OPT_TIMES},
        {NULL, 0, NULL, 0}};
    static const cli_t cli = {.longopts = options, .usage = usage};
    int c;
    while ((c = cli_next(&cli, argc, argv)) != -1) {
        switch (c) {
        case 'm': o->model_path = optarg; break;
        case 'd': o->data = optarg; break;
        case 'o': o->out = optarg; break;
        case 'n':
            if (parse_long(optarg, &o->count) != 0 || o->count < 1 || o->count > 1000000)
                die("--count: '%s' is not a positive integer", optarg);
            break;
        case OPT_SAMPLES:
            if (parse_long(optarg, &o->samples) != 0 || o->samples < 1 || o->samples > 1000000)
                die("--samples: '%s' is not an integer in [1, 1000000]", optarg);
            break;
        case OPT_SEED:
            if (parse_long(optarg, &o->seed) != 0 || o->seed < 0)
                die("--seed: '%s' is not a non-negative integer", optarg);
            break;
        case OPT_TIMES: o->times = optarg; break;
        }
    }
    err_t pe;
    const io_path_t in[] = {{"--model", o->model_path}, {"--data", o->data}};
    const io_path_t outs[] = {{"--out", o->out}};
    if (check_io_paths(in, 2, outs, 1, &pe) != 0)
        die("%s", pe.msg);
}

/* The dataset (--count keeps its first examples) and the number of
 * examples to run: a trajectory is one, sequences are trajectories. */
static void load_dataset(const features_opts_t *o, dataset_t *d, int *examples)
{
    err_t e = {{0}};
    struct stat st;
    if (stat(o->data, &st) != 0)
        die("%s: no such file or directory", o->data);
    if (S_ISDIR(st.st_mode)) {
        if (dataset_load_mnist(o->data, 0, (int)(o->count ? o->count : MNIST_DEFAULT_COUNT), d,
                               &e) != 0)
            die("%s", e.msg);
    } else {
        if (dataset_load_tsv(o->data, d, &e) != 0)
            die("%s", e.msg);
        if (o->count && o->count < d->count && d->kind != DATA_TRAJECTORY &&
            d->kind != DATA_SEQUENCES)
            d->count = (int)o->count;
    }
    *examples = dataset_examples(d);
    if (d->kind == DATA_SEQUENCES && o->count && o->count < *examples)
        *examples = (int)o->count;
}

/* The model, sized for chunks of *B examples (those training scored). */
static void load_model(const features_opts_t *o, const dataset_t *d, int examples,
                       saved_model_t *sm, int *B)
{
    err_t e = {{0}};
    int trajectory = d->kind == DATA_TRAJECTORY;
    runcfg_t stored;
    if (saved_model_config(o->model_path, &stored, &e) != 0)
        die("%s", e.msg);
    gemm_set_backend(stored.gemm_backend); /* as the model was trained */
    int chunk = trainer_score_chunk(&stored);
    *B = trajectory ? 1 : (examples < chunk ? examples : chunk);
    if (saved_model_load(o->model_path, *B, trajectory ? d->count : 1, sm, &e) != 0)
        die("%s", e.msg);
    kind_model_t *m = &sm->model;
    if (m->kind->check_data(m, d, o->data, &e) != 0)
        die("%s: %s", o->model_path, e.msg);
}

static void write_header(FILE *fp, const dataset_t *d, int S)
{
    int sequences = d->kind == DATA_SEQUENCES;
    if (d->kind == DATA_TRAJECTORY)
        fprintf(fp, "t\t");
    if (sequences)
        fprintf(fp, "seq\t");
    for (int j = 0; j < S; j++)
        fprintf(fp, "%sh%d", j ? "\t" : "", j + 1);
    if (d->labels)
        fprintf(fp, "\tlabel");
    for (int j = 0; j < (sequences ? 0 : d->n_targets); j++)
        fprintf(fp, "\ty%d", j + 1);
    fprintf(fp, "\n");
}

/* Runs the model over the examples in chunks of B and writes each one's
 * states (see the header), aborting af on failure. */
static void write_states(const features_opts_t *o, const dataset_t *d, int examples,
                         saved_model_t *sm, int B, atomic_file_t *af)
{
    err_t e = {{0}};
    kind_model_t *m = &sm->model;
    int trajectory = d->kind == DATA_TRAJECTORY, sequences = d->kind == DATA_SEQUENCES;
    int *seqs = NULL; /* (examples) sequences: 0 .. examples - 1 */
    if (sequences) {
        seqs = xmalloc((size_t)examples * sizeof *seqs);
        for (int i = 0; i < examples; i++)
            seqs[i] = i;
    }
    int S = m->state_width, K = trajectory ? d->count : 1;
    /* Targets only feed the loss, which is not used here; zeros suffice. */
    double *zeros = xcalloc((size_t)K * B * m->n_outputs, sizeof *zeros); /* (K, B, O) */
    double *h = xmalloc((size_t)K * B * S * sizeof *h);                   /* (K, B, S) */
    for (int first = 0; first < (trajectory ? 1 : examples); first += B) {
        int nb = trajectory ? 1 : (examples - first < B ? examples - first : B);
        batch_t b = {.B = nb, .K = K, .targets = zeros, .times = trajectory ? d->t : NULL};
        if (sequences) {
            b.seqs = seqs + first;
            b.data = d;
        } else if (!trajectory) {
            b.x = d->x + (size_t)first * d->n_features;
            b.labels = d->labels ? d->labels + first : NULL;
        }
        model_result_t res;
        if (kind_model_run(m, sm->params, &b, NULL, &res, &e) != 0) {
            atomic_abort(af);
            die("%s: %s", o->model_path, e.msg);
        }
        m->kind->states(m, nb, K, h);
        int rows = trajectory ? d->count : nb;
        for (int r = 0; r < rows; r++) {
            int i = trajectory ? r : first + r;
            if (trajectory)
                fprintf(af->fp, "%.10g\t", d->t[r]);
            if (sequences)
                fprintf(af->fp, "%d\t", i);
            for (int j = 0; j < S; j++)
                fprintf(af->fp, "%s%.8g", j ? "\t" : "", h[(size_t)r * S + j]);
            if (d->labels)
                fprintf(af->fp, "\t%d", d->labels[i]);
            for (int j = 0; j < (sequences ? 0 : d->n_targets); j++)
                fprintf(af->fp, "\t%.10g", d->y[(size_t)i * d->n_targets + j]);
            fprintf(af->fp, "\n");
        }
    }
    free(h);
    free(zeros);
    free(seqs);
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    features_opts_t o;
    parse_options(argc, argv, &o);
    if (o.samples || o.times) {
        if (!o.model_path || !o.out || !o.samples || !o.times || o.seed < 0 || o.data || o.count)
            die("--samples needs --model, --seed, --times and --out (and no --data or --count)");
        return write_samples(o.model_path, o.samples, o.seed, o.times, o.out);
    }
    if (!o.model_path || !o.data || !o.out) {
        usage(stderr);
        return 2;
    }
    openblas_set_num_threads(1);
    dataset_t d;
    int examples, B;
    load_dataset(&o, &d, &examples);
    saved_model_t sm;
    load_model(&o, &d, examples, &sm, &B);
    err_t e = {{0}};
    atomic_file_t af;
    if (atomic_open(&af, o.out, &e) != 0)
        die("%s", e.msg);
    write_header(af.fp, &d, sm.model.state_width);
    write_states(&o, &d, examples, &sm, B, &af);
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    dataset_free(&d);
    saved_model_free(&sm);
    return 0;
}
