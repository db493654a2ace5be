/* bench: how fast the ODE core runs on this machine (a benchmark, not a
 * test: it asserts nothing and its numbers are machine-dependent).
 *
 *   bench --mnist-dir DIR --out FILE.tsv [--steps N]
 *
 * Measures, on one OpenBLAS thread:
 *   - this machine's dgemm rate (512^3), the yardstick for the rest;
 *   - report 000's MNIST model (784 -> 20 -> ODE on 20 + 10 dims -> 10,
 *     Tsit5, rtol = atol = 1e-3, batch 100, Adam): time per right-hand-side
 *     evaluation, per vector-Jacobian product, per training step, NFE;
 *   - a dense ODE of width 64 (f = 64 -> 64 -> 64 -> 64, tanh) at batch 512;
 * then Chen et al.'s ODE-Net (report 002) on one and two threads, with
 * double and with float gemms against this machine's dgemm and sgemm rates:
 * the vector field's evaluation and VJP at batch 128, one ODE block solve
 * with its adjoint, and whole training steps of the ODE-Net and the ResNet;
 * then report 002's flow on two moons (batch 512, Dormand-Prince at 1e-5):
 * the augmented field [f, tr(df/dz)] and its VJP, whole training steps
 * through the cnf kind (forward, adjoint, Adam) with their NFE and the time
 * per evaluation, and the seminorm's backward-NFE saving and gradient error.
 * Then report 002's latent ODE: training steps (encoder, forward solve,
 * adjoint across every observation, Adam) at batch 32 on --spirals FILE
 * (the stage's data) and, with --spirals-regular FILE, on the workload of
 * torchdiffeq's latent-ODE example (batch 1,000, shared regular times).
 * --only GROUP runs one group: mnist, dense, odenet, cnf or latent;
 * --cnf-model CKPT measures the seminorm at a trained flow's parameters.
 * --gemm xsmm runs the dense layers' and the flow's gemms on libxsmm
 * ([train] gemm; the dgemm yardstick stays OpenBLAS's).
 * Prints a table and writes the same rows as TSV.
 *
 * This file holds the options, the groups' order and the table of rows;
 * each group is in bench/NAME.c and what they share in bench/measure.c. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "common/cli.h"
#include "core/util.h"
#include "nn/conv.h"
#include "nn/gemm.h"

typedef struct {
    char name[64];
    double value;
    char unit[16];
} row_t;

static row_t rows[128];
static int n_rows;

void add_row(const char *name, double value, const char *unit)
{
    if (n_rows >= 128)
        return;
    snprintf(rows[n_rows].name, sizeof rows[n_rows].name, "%s", name);
    rows[n_rows].value = value;
    snprintf(rows[n_rows].unit, sizeof rows[n_rows].unit, "%s", unit);
    n_rows++;
}

void report(const char *name, double value, const char *unit)
{
    if (n_rows >= 128)
        return;
    add_row(name, value, unit);
    printf("  %-34s %12.4g  %s\n", name, value, unit);
}

void report_steps(const char *prefix, const char *unit, double total, int steps, long nfe_f,
                  long nfe_b)
{
    char name[96];
    snprintf(name, sizeof name, "%s_step_s", prefix);
    report(name, total / steps, unit);
    snprintf(name, sizeof name, "%s_step_nfe_forward", prefix);
    report(name, (double)nfe_f / steps, "");
    snprintf(name, sizeof name, "%s_step_nfe_backward", prefix);
    report(name, (double)nfe_b / steps, "");
    snprintf(name, sizeof name, "%s_us_per_evaluation", prefix);
    report(name, 1e6 * total / (double)(nfe_f + nfe_b), "us per forward or adjoint evaluation");
}

/* The table, as TSV (metric value unit), written atomically. */
static void write_rows(const char *out)
{
    atomic_file_t af;
    err_t e = {{0}};
    if (atomic_open(&af, out, &e) != 0)
        die("%s", e.msg);
    fprintf(af.fp, "metric\tvalue\tunit\n");
    for (int i = 0; i < n_rows; i++)
        fprintf(af.fp, "%s\t%.6g\t%s\n", rows[i].name, rows[i].value, rows[i].unit);
    if (atomic_commit(&af, &e) != 0)
        die("%s", e.msg);
    printf("wrote %s\n", out);
}

/* The command line. */
typedef struct {
    const char *mnist_dir, *out, *only, *cnf_model_path;
    const char *spirals, *spirals_regular;
    long steps, chunk;
    gemm_backend_t gemm;
} options_t;

enum { OPT_MNIST_DIR = 256, OPT_OUT, OPT_STEPS, OPT_ONLY, OPT_CNF_MODEL, OPT_SPIRALS,
       OPT_SPIRALS_REGULAR, OPT_CHUNK, OPT_GEMM };

/* Takes the value v of option c into o, or exits naming the option. */
static void take_option(options_t *o, int c, const char *v)
{
    switch (c) {
    case OPT_MNIST_DIR:
        o->mnist_dir = v;
        break;
    case OPT_OUT:
        o->out = v;
        break;
    case OPT_STEPS:
        if (parse_long(v, &o->steps) != 0 || o->steps < 1 || o->steps > 1000000)
            die("--steps: '%s' is not an integer in [1, 1e6]", v);
        break;
    case OPT_CHUNK:
        if (parse_long(v, &o->chunk) != 0 || o->chunk < 1 || o->chunk > 4096)
            die("--chunk: '%s' is not an integer in [1, 4096]", v);
        break;
    case OPT_GEMM:
        if (gemm_backend_parse(v, &o->gemm) != 0)
            die("--gemm: '%s' is neither openblas nor xsmm", v);
        break;
    case OPT_CNF_MODEL:
        o->cnf_model_path = v;
        break;
    case OPT_SPIRALS:
        o->spirals = v;
        break;
    case OPT_SPIRALS_REGULAR:
        o->spirals_regular = v;
        break;
    case OPT_ONLY:
        o->only = v;
        if (strcmp(v, "mnist") && strcmp(v, "dense") && strcmp(v, "odenet") &&
            strcmp(v, "cnf") && strcmp(v, "latent"))
            die("--only: '%s' is not mnist, dense, odenet, cnf or latent", v);
        break;
    }
}

/* The options, checked (and the paths: inputs and outputs distinct); exits 0 on --help. */
static void parse_options(int argc, char **argv, options_t *o)
{
    *o = (options_t){.steps = 50, .chunk = CONV_CHUNK_DEFAULT};
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"mnist-dir", required_argument, NULL, OPT_MNIST_DIR},
        {"out", required_argument, NULL, OPT_OUT},
        {"steps", required_argument, NULL, OPT_STEPS},
        {"only", required_argument, NULL, OPT_ONLY},
        {"cnf-model", required_argument, NULL, OPT_CNF_MODEL},
        {"spirals", required_argument, NULL, OPT_SPIRALS},
        {"spirals-regular", required_argument, NULL, OPT_SPIRALS_REGULAR},
        {"chunk", required_argument, NULL, OPT_CHUNK},
        {"gemm", required_argument, NULL, OPT_GEMM},
        {NULL, 0, NULL, 0},
    };
    const cli_t cli = {
        .longopts = longopts,
        .usage_line = "bench --mnist-dir DIR --out FILE.tsv [--steps N] [--only GROUP]\n"
                      "             [--cnf-model CKPT] [--spirals F.tsv] [--spirals-regular F.tsv]\n"
                      "             [--chunk N]  (examples per chunk of the convolutional models)\n"
                      "             [--gemm openblas|xsmm]  (the dense layers' gemms)"};
    int c;
    while ((c = cli_next(&cli, argc, argv)) != -1)
        take_option(o, c, optarg);
    if (!o->mnist_dir || !o->out)
        die("--mnist-dir and --out are required (see --help)");
    err_t pe;
    const io_path_t in[] = {{"--mnist-dir", o->mnist_dir}, {"--cnf-model", o->cnf_model_path},
                            {"--spirals", o->spirals}, {"--spirals-regular", o->spirals_regular}};
    const io_path_t outs[] = {{"--out", o->out}};
    if (check_io_paths(in, 4, outs, 1, &pe) != 0)
        die("%s", pe.msg);
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    options_t o;
    parse_options(argc, argv, &o);
    openblas_set_num_threads(1);
    conv_set_chunk((int)o.chunk);
    gemm_set_backend(o.gemm);
    printf("OpenBLAS: %s, 1 thread; dense gemms: %s\n", openblas_get_config(),
           gemm_backend_name(o.gemm));
#define RUN(group) (!o.only || !strcmp(o.only, group))
    double peak = gemm_rate(0);
    report("dgemm_512_gflops", peak, "GFLOP/s");
    if (RUN("mnist"))
        bench_mnist(o.mnist_dir, (int)o.steps, peak);
    if (RUN("dense"))
        bench_dense((int)o.steps, peak);
    if (RUN("odenet"))
        bench_odenet(o.mnist_dir, peak);
    if (RUN("cnf"))
        bench_cnf((int)o.steps, peak, o.cnf_model_path);
    if (RUN("latent"))
        bench_latent(o.spirals, o.spirals_regular, (int)o.steps);
#undef RUN
    write_rows(o.out);
    return 0;
}
