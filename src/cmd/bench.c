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
 * Prints a table and writes the same rows as TSV. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cnf/cnf_field.h"
#include "data/dataset.h"
#include "nn/conv.h"
#include "models/conv/conv_field.h"
#include "data/idx.h"
#include "train/kind.h"
#include "data/moons.h"
#include "models/conv/odenet.h"
#include "models/mlp/mlp_ode.h"
#include "nn/optim.h"
#include "train/runcfg.h"
#include "train/saved.h"
#include "core/rng.h"
#include "core/util.h"

typedef struct {
    char name[64];
    double value;
    char unit[16];
} row_t;

static row_t rows[128];
static int n_rows;

static void add_row(const char *name, double value, const char *unit)
{
    if (n_rows >= 128)
        return;
    snprintf(rows[n_rows].name, sizeof rows[n_rows].name, "%s", name);
    rows[n_rows].value = value;
    snprintf(rows[n_rows].unit, sizeof rows[n_rows].unit, "%s", unit);
    n_rows++;
}

static void report(const char *name, double value, const char *unit)
{
    if (n_rows >= 128)
        return;
    snprintf(rows[n_rows].name, sizeof rows[n_rows].name, "%s", name);
    rows[n_rows].value = value;
    snprintf(rows[n_rows].unit, sizeof rows[n_rows].unit, "%s", unit);
    n_rows++;
    printf("  %-34s %12.4g  %s\n", name, value, unit);
}

/* This machine's gemm rate at 512^3, double or (single) float. */
static double gemm_rate(int single)
{
    int n = 512;
    size_t nn = (size_t)n * n;
    double *a = xmalloc(nn * sizeof *a), *b = xmalloc(nn * sizeof *b), *c = xmalloc(nn * sizeof *c);
    float *af = xmalloc(nn * sizeof *af), *bf = xmalloc(nn * sizeof *bf),
          *cf = xmalloc(nn * sizeof *cf);
    for (size_t i = 0; i < nn; i++) {
        a[i] = 1.0 / (double)(i % 97 + 1);
        b[i] = 1.0 / (double)(i % 89 + 1);
        af[i] = (float)a[i];
        bf[i] = (float)b[i];
    }
    int reps = -1; /* the first call warms up */
    double t0 = 0, t = 0;
    do {
        if (single)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, af, n, bf, n, 0,
                        cf, n);
        else
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        if (++reps == 0)
            t0 = monotonic_seconds();
        t = monotonic_seconds() - t0;
    } while (reps < 1 || t < 1.0);
    free(a); free(b); free(c); free(af); free(bf); free(cf);
    return 2.0 * n * n * (double)n * reps / t / 1e9;
}

/* Multiply-adds of one MLP forward pass over B rows, as flops. */
static double mlp_flops(const mlp_t *m, int B)
{
    double f = 0.0;
    for (int l = 0; l < m->n_layers; l++)
        f += 2.0 * B * m->dims[l] * m->dims[l + 1];
    return f;
}

/* Time per rhs and per vjp of a bound field, in seconds. */
static void time_field(field_t *fd, const double *y, double *rhs_s, double *vjp_s)
{
    size_t n = fd->f.n, np = fd->f.n_params;
    double *out = xmalloc(n * sizeof *out), *a = xmalloc(n * sizeof *a),
           *vy = xmalloc(n * sizeof *vy), *vp = xmalloc(np * sizeof *vp);
    for (size_t i = 0; i < n; i++)
        a[i] = 0.01 * (double)(i % 7);
    int reps = 0;
    double t0 = monotonic_seconds(), t;
    do {
        fd->f.rhs(fd->f.ctx, 0.5, y, out);
        reps++;
        t = monotonic_seconds() - t0;
    } while (t < 0.5);
    *rhs_s = t / reps;
    reps = 0;
    t0 = monotonic_seconds();
    do {
        fd->f.vjp(fd->f.ctx, 0.5, y, a, out, vy, vp);
        reps++;
        t = monotonic_seconds() - t0;
    } while (t < 0.5);
    *vjp_s = t / reps;
    free(out);
    free(a);
    free(vy);
    free(vp);
}

/* Relative 2-norm error of a gradient against a reference. */
static double grad_error(const double *g, const double *ref, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        num += (g[i] - ref[i]) * (g[i] - ref[i]);
        den += ref[i] * ref[i];
    }
    return sqrt(num / den);
}

/* For one model, batch and parameter vector: backward NFE and gradient
 * error (against a 1e-10 reference) with and without the seminorm. */
static void bench_seminorm(const char *tag, model_config_t c, const double *params,
                           const double *x, const int *labels, const double *targets, int B)
{
    err_t e = {{0}};
    double *ref = NULL, *g = NULL;
    double tols[4] = {1e-10, 1e-3, 1e-5, 1e-7};
    c.ode.max_steps = 100000;
    printf("  %s, batch %d: tol, backward NFE and gradient error, full norm vs seminorm\n", tag, B);
    for (int k = 0; k < 4; k++) {
        long nfe[2] = {0, 0};
        double err[2] = {0, 0};
        for (int semi = 0; semi <= (k > 0); semi++) {
            model_t m;
            c.ode.rtol = c.ode.atol = tols[k];
            c.ode.seminorm = semi;
            if (model_create(&m, &c, B, 1, &e) != 0)
                die("%s", e.msg);
            if (!ref) {
                ref = xmalloc(m.n_params * sizeof *ref);
                g = xmalloc(m.n_params * sizeof *g);
            }
            model_result_t res;
            if (model_run(&m, params, x, labels, targets, B, 1, NULL, k == 0 ? ref : g, &res,
                          &e) != 0)
                die("%s", e.msg);
            if (k > 0) {
                nfe[semi] = res.ode.nfe_backward;
                err[semi] = grad_error(g, ref, m.n_params);
            }
            model_free(&m);
        }
        if (k == 0)
            continue;
        printf("    tol %.0e: NFE %ld -> %ld (%.0f%% saved), error %.2e -> %.2e\n", tols[k], nfe[0],
               nfe[1], 100.0 * (double)(nfe[0] - nfe[1]) / (double)nfe[0], err[0], err[1]);
        char name[64];
        for (int semi = 0; semi <= 1; semi++) {
            snprintf(name, sizeof name, "%s_tol%.0e_%s_nfe_backward", tag, tols[k],
                     semi ? "seminorm" : "fullnorm");
            for (char *p = name; *p; p++)
                *p = *p == '-' ? 'm' : *p;
            add_row(name, (double)nfe[semi], "per step");
            snprintf(name, sizeof name, "%s_tol%.0e_%s_grad_error", tag, tols[k],
                     semi ? "seminorm" : "fullnorm");
            for (char *p = name; *p; p++)
                *p = *p == '-' ? 'm' : *p;
            add_row(name, err[semi], "relative");
        }
    }
    free(ref);
    free(g);
}

static void bench_mnist(const char *mnist_dir, int steps, double peak)
{
    idx_images_t im;
    idx_labels_t lb;
    err_t e = {{0}};
    if (idx_load_set(mnist_dir, 1, 1000, &im, &lb, &e) != 0)
        die("%s", e.msg);
    int *labels = xmalloc((size_t)lb.count * sizeof *labels);
    for (int i = 0; i < lb.count; i++)
        labels[i] = lb.labels[i];
    model_config_t c = model_config_default();
    c.input_dim = 784;
    c.input_layer = 20;
    c.input_act = ACT_TANH;
    c.augment = 10;
    c.n_hidden = 2;
    c.hidden[0] = 10;
    c.hidden[1] = 10;
    c.hidden_act = ACT_TANH;
    c.final_act = ACT_TANH;
    c.readout = 20;
    c.output_dim = 10;
    c.loss = LOSS_CE;
    c.ode.method = ODE_TSIT5;
    c.ode.rtol = c.ode.atol = 1e-3;
    int B = 100;
    model_t m;
    if (model_create(&m, &c, B, 1, &e) != 0)
        die("%s", e.msg);
    rng_t rng;
    rng_seed(&rng, 1);
    double *params = xmalloc(m.n_params * sizeof *params),
           *grad = xmalloc(m.n_params * sizeof *grad);
    model_init_params(&m, params, &rng);
    optimizer_t opt;
    opt_config_t oc = {.kind = OPT_ADAM, .lr = 0.05, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    if (optimizer_init(&opt, &oc, m.n_params, &e) != 0)
        die("%s", e.msg);

    printf("MNIST model of report 000 (784 -> 20 -> ODE on 30 -> 10), batch %d, "
           "Tsit5 1e-3, %zu parameters\n", B, m.n_params);
    /* Field costs at a typical state: the ODE input of the first batch. */
    model_result_t res;
    if (model_run(&m, params, im.pixels, labels, NULL, B, 1, NULL, NULL, &res, &e) != 0)
        die("%s", e.msg);
    field_bind(&m.field, B, params + m.field_offset);
    double rhs_s, vjp_s;
    time_field(&m.field, m.h0, &rhs_s, &vjp_s);
    double f_flops = mlp_flops(&m.field.mlp, B);
    report("mnist_rhs_us", rhs_s * 1e6, "us");
    report("mnist_vjp_us", vjp_s * 1e6, "us");
    report("mnist_rhs_gflops", f_flops / rhs_s / 1e9, "GFLOP/s");
    report("mnist_vjp_gflops", 3 * f_flops / vjp_s / 1e9, "GFLOP/s");

    /* Training steps as in the report: 10 batches of 100, in order. */
    long nfe_f = 0, nfe_b = 0;
    double flops = 0.0;
    double t0 = monotonic_seconds();
    for (int s = 0; s < steps; s++) {
        const double *x = im.pixels + (size_t)(s % 10) * B * 784;
        const int *y = labels + (s % 10) * B;
        if (model_run(&m, params, x, y, NULL, B, 1, NULL, grad, &res, &e) != 0)
            die("%s", e.msg);
        optimizer_step(&opt, params, grad);
        nfe_f += res.ode.nfe_forward;
        nfe_b += res.ode.nfe_backward;
        /* input layer fwd + bwd (dW only), output layer fwd + 2 bwd, the
         * field: 1 pass per forward NFE, 3 per backward NFE. */
        flops += 2.0 * B * 784 * 20 * 2 + 2.0 * B * 20 * 10 * 3 +
                 f_flops * ((double)res.ode.nfe_forward + 3.0 * (double)res.ode.nfe_backward);
    }
    double step_s = (monotonic_seconds() - t0) / steps;
    report("mnist_step_ms", step_s * 1e3, "ms");
    report("mnist_nfe_forward", (double)nfe_f / steps, "per step");
    report("mnist_nfe_backward", (double)nfe_b / steps, "per step");
    report("mnist_step_mflop", flops / steps / 1e6, "MFLOP");
    report("mnist_step_gflops", flops / steps / step_s / 1e9, "GFLOP/s");
    report("mnist_step_peak_fraction", flops / steps / step_s / 1e9 / peak, "of dgemm");
    report("mnist_final_batch_loss", res.loss, "nats");
    printf("Seminorm (Kidger et al. 2021) on the trained MNIST model, Tsit5:\n");
    bench_seminorm("mnist_b100", c, params, im.pixels, labels, NULL, B);
    bench_seminorm("mnist_b10", c, params, im.pixels, labels, NULL, 10);
    optimizer_free(&opt);
    free(params);
    free(grad);
    model_free(&m);
    free(labels);
    idx_free_images(&im);
    idx_free_labels(&lb);
}

static void bench_dense(int steps, double peak)
{
    int B = 512, W = 64;
    model_config_t c = model_config_default();
    c.input_dim = W;
    c.n_hidden = 2;
    c.hidden[0] = W;
    c.hidden[1] = W;
    c.hidden_act = ACT_TANH;
    c.final_act = ACT_TANH;
    c.loss = LOSS_MSE;
    c.ode.method = ODE_DOPRI5;
    c.ode.rtol = c.ode.atol = 1e-3;
    model_t m;
    err_t e = {{0}};
    if (model_create(&m, &c, B, 1, &e) != 0)
        die("%s", e.msg);
    rng_t rng;
    rng_seed(&rng, 2);
    double *params = xmalloc(m.n_params * sizeof *params),
           *grad = xmalloc(m.n_params * sizeof *grad);
    double *x = xmalloc((size_t)B * W * sizeof *x), *y = xmalloc((size_t)B * W * sizeof *y);
    model_init_params(&m, params, &rng);
    for (size_t i = 0; i < (size_t)B * W; i++) {
        x[i] = 2.0 * rng_uniform(&rng) - 1.0;
        y[i] = sin(3.0 * x[i]);
    }
    printf("Dense ODE of width %d (f = %d -> %d -> %d -> %d, tanh), batch %d, dopri5 1e-3\n", W,
           W, W, W, W, B);
    field_bind(&m.field, B, params + m.field_offset);
    double rhs_s, vjp_s;
    time_field(&m.field, x, &rhs_s, &vjp_s);
    double f_flops = mlp_flops(&m.field.mlp, B);
    report("dense_rhs_us", rhs_s * 1e6, "us");
    report("dense_vjp_us", vjp_s * 1e6, "us");
    report("dense_rhs_gflops", f_flops / rhs_s / 1e9, "GFLOP/s");
    report("dense_vjp_gflops", 3 * f_flops / vjp_s / 1e9, "GFLOP/s");
    optimizer_t opt;
    opt_config_t oc = {.kind = OPT_ADAM, .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    if (optimizer_init(&opt, &oc, m.n_params, &e) != 0)
        die("%s", e.msg);
    long nfe_f = 0, nfe_b = 0;
    double flops = 0.0, t0 = monotonic_seconds();
    model_result_t res;
    for (int s = 0; s < steps; s++) {
        if (model_run(&m, params, x, NULL, y, B, 1, NULL, grad, &res, &e) != 0)
            die("%s", e.msg);
        optimizer_step(&opt, params, grad);
        nfe_f += res.ode.nfe_forward;
        nfe_b += res.ode.nfe_backward;
        flops += f_flops * ((double)res.ode.nfe_forward + 3.0 * (double)res.ode.nfe_backward);
    }
    double step_s = (monotonic_seconds() - t0) / steps;
    report("dense_step_ms", step_s * 1e3, "ms");
    report("dense_nfe_forward", (double)nfe_f / steps, "per step");
    report("dense_nfe_backward", (double)nfe_b / steps, "per step");
    report("dense_step_gflops", flops / steps / step_s / 1e9, "GFLOP/s");
    report("dense_step_peak_fraction", flops / steps / step_s / 1e9 / peak, "of dgemm");
    optimizer_free(&opt);
    free(params);
    free(grad);
    free(x);
    free(y);
    model_free(&m);
}

/* Chen et al.'s ODE-Net vector field (64 channels, 6 x 6, batch 128):
 * evaluation, VJP, and one forward + adjoint solve of the ODE block over
 * [0, 1] (dopri5, 1e-3), at the given thread count. */
static void bench_convfield(int threads, double peak, int single)
{
    openblas_set_num_threads(threads);
    conv_set_threads(threads);
    conv_set_single(single != 0);
    conv_set_onednn(single == 2);
    const char *tag = single == 2 ? "_onednn" : single ? "_f32" : "";
    int B = 128, C = 64;
    convfield_t cf;
    err_t e = {{0}};
    if (convfield_init(&cf, C, 6, 6, 32, B, &e) != 0)
        die("%s", e.msg);
    rng_t rng;
    rng_seed(&rng, 5);
    double *theta = xmalloc(cf.n_params * sizeof *theta);
    convfield_init_params(&cf, theta, &rng);
    convfield_bind(&cf, B, theta);
    size_t n = cf.f.n;
    double *h0 = xmalloc(n * sizeof *h0), *hT = xmalloc(n * sizeof *hT),
           *g = xmalloc(n * sizeof *g), *dh0 = xmalloc(n * sizeof *dh0),
           *dth = xcalloc(cf.n_params, sizeof *dth);
    for (size_t i = 0; i < n; i++) {
        h0[i] = rng_normal(&rng);
        g[i] = 1e-3 * rng_normal(&rng);
    }
    printf("ODE-Net vector field (64 x 6 x 6, batch %d, %zu parameters), %d thread%s, %s gemm\n",
           B, cf.n_params, threads, threads > 1 ? "s" : "", single ? "float" : "double");
    char name[64];
    double rhs_s, vjp_s;
    /* time_field expects a field_t; time by hand here. */
    double *out = xmalloc(n * sizeof *out), *vy = xmalloc(n * sizeof *vy),
           *vp = xmalloc(cf.n_params * sizeof *vp);
    int reps = 0;
    double t0 = monotonic_seconds(), t;
    do {
        cf.f.rhs(cf.f.ctx, 0.5, h0, out);
        reps++;
        t = monotonic_seconds() - t0;
    } while (t < 1.0);
    rhs_s = t / reps;
    reps = 0;
    t0 = monotonic_seconds();
    do {
        cf.f.vjp(cf.f.ctx, 0.5, h0, g, out, vy, vp);
        reps++;
        t = monotonic_seconds() - t0;
    } while (t < 1.0);
    vjp_s = t / reps;
    /* Two 3x3 convolutions of 65 -> 64 channels over 128 x 36 pixels. */
    double flops = 2.0 * 2.0 * C * (C + 1) * 9.0 * B * 36;
    snprintf(name, sizeof name, "odenet%s_t%d_rhs_ms", tag, threads);
    report(name, rhs_s * 1e3, "ms");
    snprintf(name, sizeof name, "odenet%s_t%d_vjp_ms", tag, threads);
    report(name, vjp_s * 1e3, "ms");
    snprintf(name, sizeof name, "odenet%s_t%d_rhs_gflops", tag, threads);
    report(name, flops / rhs_s / 1e9, "GFLOP/s");
    snprintf(name, sizeof name, "odenet%s_t%d_rhs_peak_fraction", tag, threads);
    report(name, flops / rhs_s / 1e9 / peak, single ? "of sgemm" : "of dgemm");
    snprintf(name, sizeof name, "odenet%s_t%d_vjp_gflops", tag, threads);
    report(name, 3.0 * flops / vjp_s / 1e9, "GFLOP/s");
    ode_options_t o = ode_options_default();
    ode_solver_t *solver;
    if (ode_solver_create(&solver, &o, &e) != 0)
        die("%s", e.msg);
    double T = 1.0;
    t0 = monotonic_seconds();
    if (ode_forward(solver, &cf.f, 0.0, h0, 1, &T, hT, &e) != 0 ||
        ode_backward(solver, &cf.f, 0.0, h0, 1, &T, hT, g, dh0, dth, NULL, &e) != 0)
        die("%s", e.msg);
    double block_s = monotonic_seconds() - t0;
    ode_stats_t st = ode_solver_stats(solver);
    snprintf(name, sizeof name, "odenet%s_t%d_block_s", tag, threads);
    report(name, block_s, "s (forward + adjoint)");
    snprintf(name, sizeof name, "odenet%s_t%d_block_nfe_forward", tag, threads);
    report(name, (double)st.nfe_forward, "");
    snprintf(name, sizeof name, "odenet%s_t%d_block_nfe_backward", tag, threads);
    report(name, (double)st.nfe_backward, "");
    ode_solver_free(solver);
    free(out); free(vy); free(vp); free(h0); free(hT); free(g); free(dh0); free(dth); free(theta);
    convfield_free(&cf);
    openblas_set_num_threads(1);
    conv_set_threads(1);
    conv_set_single(0);
    conv_set_onednn(0);
}

/* Linux: reset the process's peak resident set (VmHWM) to its current
 * size, and read it in MB (-1 where /proc does not offer it). */
static void peak_rss_reset(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static double peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kb = strtod(line + 6, NULL);
    if (f)
        fclose(f);
    return kb < 0 ? -1 : kb / 1024.0;
}

/* Whole training steps of Chen et al.'s ODE-Net and ResNet at batch 128 on
 * real MNIST images (forward, backward, no optimiser). */
static void bench_odenet_steps(const char *mnist_dir, int threads, int single)
{
    openblas_set_num_threads(threads);
    conv_set_threads(threads);
    conv_set_single(single != 0);
    conv_set_onednn(single == 2);
    const char *tag = single == 2 ? "_onednn" : single ? "_f32" : "";
    idx_images_t im;
    idx_labels_t lb;
    err_t e = {{0}};
    if (idx_load_set(mnist_dir, 1, 128, &im, &lb, &e) != 0)
        die("%s", e.msg);
    int labels[128];
    for (int i = 0; i < 128; i++)
        labels[i] = lb.labels[i];
    for (int kind = 0; kind < 2; kind++) {
        peak_rss_reset();
        odenet_t net;
        ode_options_t o = ode_options_default();
        /* as stages/odenet/odenet.ini */
        o.controller = ODE_CTRL_ELEMENTARY;
        if (odenet_create(&net, kind ? NET_RESNET : NET_ODE, 64, 128, &o, &e) != 0)
            die("%s", e.msg);
        rng_t rng;
        rng_seed(&rng, 1);
        double *p = xmalloc(net.n_params * sizeof *p), *g = xmalloc(net.n_params * sizeof *g);
        odenet_init_params(&net, p, &rng);
        model_result_t res;
        double total = 0;
        for (int s = 0; s < 3; s++) {
            double t0 = monotonic_seconds();
            if (odenet_run(&net, p, im.pixels, labels, 128, g, &res, &e) != 0)
                die("%s", e.msg);
            if (conv_failure())
                die("%s", conv_failure());
            if (s > 0)
                total += monotonic_seconds() - t0;
        }
        char name[64];
        snprintf(name, sizeof name, "%s%s_t%d_step_s", kind ? "resnet" : "odenet", tag,
                 threads);
        report(name, total / 2, "s per training step (batch 128)");
        double rss = peak_rss_mb();
        snprintf(name, sizeof name, "%s%s_t%d_peak_rss_mb", kind ? "resnet" : "odenet", tag,
                 threads);
        if (rss > 0)
            report(name, rss, "MB resident at most, the whole process");
        if (!kind) {
            snprintf(name, sizeof name, "odenet%s_t%d_step_nfe_forward", tag, threads);
            report(name, (double)res.ode.nfe_forward, "");
            snprintf(name, sizeof name, "odenet%s_t%d_step_nfe_backward", tag, threads);
            report(name, (double)res.ode.nfe_backward, "");
        }
        free(p);
        free(g);
        odenet_free(&net);
    }
    idx_free_images(&im);
    idx_free_labels(&lb);
    openblas_set_num_threads(1);
    conv_set_threads(1);
    conv_set_single(0);
    conv_set_onednn(0);
}

/* The rows of `steps` timed training steps: PREFIX_step_s (with `unit`),
 * _step_nfe_forward, _step_nfe_backward and _us_per_evaluation. */
static void report_steps(const char *prefix, const char *unit, double total, int steps,
                         long nfe_f, long nfe_b)
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

/* The flow's INI, as stages/cnf/cnf.ini has it (threads and tolerances set
 * by the caller through the text). */
static const char cnf_ini[] = "[data]\neval_batch = 512\n[model]\nkind = cnf\nhidden = 64, 64\n"
                              "loss = nll\n[ode]\nmethod = dopri5\nrtol = %g\natol = %g\n"
                              "seminorm = %s\nmax_steps = 100000\n[train]\nseed = 1\n"
                              "batch_size = 512\niterations = 1\nlr = 1e-3\nthreads = %d\n";

static void cnf_model(kind_model_t *m, double tol, int seminorm, int threads)
{
    char text[512];
    snprintf(text, sizeof text, cnf_ini, tol, tol, seminorm ? "true" : "false", threads);
    runcfg_t rc;
    err_t e = {{0}};
    if (runcfg_load_string("bench cnf", text, &rc, &e) != 0 ||
        kind_model_create(m, &rc, 512, 1, &e) != 0)
        die("%s", e.msg);
}

static void bench_cnf(int steps, double peak, const char *cnf_model_path)
{
    const int B = 512, H = 64, N = 5000;
    err_t e = {{0}};
    rng_t rng;
    rng_seed(&rng, 31);
    double *data = xmalloc((size_t)N * 2 * sizeof *data); /* (N, 2) */
    if (moons_sample(&rng, N, 0.1, data, NULL, &e) != 0)
        die("%s", e.msg);
    /* The field alone, at the initial parameters, on the first batch. */
    cnffield_t cf;
    if (cnffield_init(&cf, H, B, &e) != 0)
        die("%s", e.msg);
    size_t np = cnffield_n_params(&cf), n = (size_t)B * CNF_STATE;
    double *p = xmalloc(np * sizeof *p), *g = xmalloc(np * sizeof *g);
    rng_seed(&rng, 1);
    mlp_init_params(&cf.mlp, p, &rng);
    cnffield_bind(&cf, B, p);
    double *y = xmalloc(n * sizeof *y), *out = xmalloc(n * sizeof *out),
           *a = xmalloc(n * sizeof *a), *vy = xmalloc(n * sizeof *vy);
    for (int i = 0; i < B; i++) {
        y[3 * i] = data[2 * i];
        y[3 * i + 1] = data[2 * i + 1];
        y[3 * i + 2] = 0.0;
        a[3 * i] = a[3 * i + 1] = 0.01 * (double)(i % 7);
        a[3 * i + 2] = -1.0 / B;
    }
    int reps = 0;
    double t0 = monotonic_seconds(), t;
    do {
        cf.f.rhs(cf.f.ctx, 0.5, y, out);
        reps++;
        t = monotonic_seconds() - t0;
    } while (t < 0.5);
    double rhs_s = t / reps;
    reps = 0;
    t0 = monotonic_seconds();
    do {
        cf.f.vjp(cf.f.ctx, 0.5, y, a, out, vy, g);
        reps++;
        t = monotonic_seconds() - t0;
    } while (t < 0.5);
    double vjp_s = t / reps;
    /* Multiply-adds as flops, from the gemms in models/cnf/cnf_field.c: per row the MLP
     * (3H + H^2 + 2H) and the trace's c = C s1 (H^2); the VJP adds
     * 4 H^2 + 10 H. */
    double hh = (double)H * H, rhs_flops = 2.0 * B * (5.0 * H + 2.0 * hh),
           vjp_flops = rhs_flops + 2.0 * B * (4.0 * hh + 10.0 * H);
    report("cnf_rhs_us", 1e6 * rhs_s, "us per [f, tr] evaluation (batch 512)");
    report("cnf_rhs_gemm_fraction", rhs_flops / rhs_s / 1e9 / peak, "of dgemm rate");
    report("cnf_vjp_us", 1e6 * vjp_s, "us per VJP (forward included)");
    report("cnf_vjp_gemm_fraction", vjp_flops / vjp_s / 1e9 / peak, "of dgemm rate");
    cnffield_free(&cf);
    /* Whole training steps through the kind, from the initial parameters:
     * minibatches of the 5,000 points in order, Adam lr 1e-3, on one thread
     * and on two sharing the batch's chunks (the same numbers either way). */
    for (int threads = 1; threads <= 2; threads++) {
        kind_model_t m;
        cnf_model(&m, 1e-5, 0, threads);
        rng_seed(&rng, 1);
        m.kind->init_params(&m, p, &rng);
        opt_config_t oc = {.kind = OPT_ADAM, .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
        optimizer_t opt;
        if (optimizer_init(&opt, &oc, np, &e) != 0)
            die("%s", e.msg);
        double total = 0;
        long nfe_f = 0, nfe_b = 0;
        for (int s = 0; s < steps; s++) {
            batch_t b = {.B = B, .K = 1, .x = data + (size_t)(s * B % (N - B)) * 2};
            model_result_t res;
            t0 = monotonic_seconds();
            if (kind_model_run(&m, p, &b, g, &res, &e) != 0)
                die("%s", e.msg);
            optimizer_step(&opt, p, g);
            total += monotonic_seconds() - t0;
            nfe_f += res.ode.nfe_forward;
            nfe_b += res.ode.nfe_backward;
        }
        openblas_set_num_threads(1);
        char tag[32];
        snprintf(tag, sizeof tag, "cnf_t%d", threads);
        report_steps(tag, "s per training step (batch 512, mean over --steps)", total, steps,
                     nfe_f, nfe_b);
        kind_model_free(&m);
        optimizer_free(&opt);
    }
    /* The seminorm at these parameters (or a trained flow's, --cnf-model):
     * backward NFE and gradient error against a gradient at rtol = atol =
     * 1e-10. */
    const char *at = "after the steps above";
    if (cnf_model_path) {
        saved_model_t sm;
        if (saved_model_load(cnf_model_path, B, 1, &sm, &e) != 0)
            die("%s", e.msg);
        if (strcmp(sm.model.kind->name, "cnf") != 0 || sm.model.n_params != np)
            die("%s: not a flow of this size (--cnf-model)", cnf_model_path);
        memcpy(p, sm.params, np * sizeof *p);
        saved_model_free(&sm);
        at = "at the --cnf-model parameters";
    }
    double *ref = xmalloc(np * sizeof *ref);
    batch_t b = {.B = B, .K = 1, .x = data};
    model_result_t res;
    kind_model_t m;
    cnf_model(&m, 1e-10, 0, 1);
    if (kind_model_run(&m, p, &b, ref, &res, &e) != 0)
        die("%s", e.msg);
    kind_model_free(&m);
    for (int semi = 0; semi <= 1; semi++) {
        cnf_model(&m, 1e-5, semi, 1);
        if (kind_model_run(&m, p, &b, g, &res, &e) != 0)
            die("%s", e.msg);
        kind_model_free(&m);
        char name[64];
        snprintf(name, sizeof name, "cnf_%s_nfe_backward", semi ? "seminorm" : "fullnorm");
        report(name, (double)res.ode.nfe_backward, at);
        snprintf(name, sizeof name, "cnf_%s_grad_error", semi ? "seminorm" : "fullnorm");
        report(name, grad_error(g, ref, np), "relative, against tol 1e-10");
    }
    free(ref);
    free(p);
    free(g);
    free(y);
    free(out);
    free(a);
    free(vy);
    free(data);
}

/* The latent ODE's INI, as stages/latent/latent.ini has it, with the batch
 * and the tolerances set by the caller. */
static const char latent_ini[] =
    "[data]\neval_batch = %d\n[model]\nkind = latent\nhidden = 20, 20\nhidden_act = elu\n"
    "final_act = identity\nloss = elbo\nlatent_dim = 4\nrnn_hidden = 25\ndecoder_hidden = 20\n"
    "obs_noise = %g\n[ode]\nmethod = dopri5\nrtol = %g\natol = %g\nmax_steps = 100000\n"
    "dense_output = true\n"
    "[train]\nseed = 1\nbatch_size = %d\niterations = 1\nlr = %g\n";

/* Training steps of the latent ODE through the kind (encoder, one forward
 * solve over the batch's union of times, one adjoint solve across every
 * observation, Adam) from the initial parameters, on the batches of
 * `path`'s sequences in order. */
static void bench_latent_steps(const char *tag, const char *path, int B, double noise,
                               double tol_r, double tol_a, double lr, int steps)
{
    err_t e = {{0}};
    dataset_t d;
    if (dataset_load_tsv(path, &d, &e) != 0)
        die("%s", e.msg);
    if (d.kind != DATA_SEQUENCES || d.n_sequences < B)
        die("%s: needs at least %d sequences (gen-data spirals)", path, B);
    char text[768];
    snprintf(text, sizeof text, latent_ini, B, noise, tol_r, tol_a, B, lr);
    runcfg_t rc;
    kind_model_t m;
    if (runcfg_load_string("bench latent", text, &rc, &e) != 0 ||
        (rc.model_kind->fit_data && rc.model_kind->fit_data(&rc, &d, "bench latent", path, &e)) ||
        kind_model_create(&m, &rc, B, 1, &e) != 0)
        die("%s", e.msg);
    size_t np = m.n_params;
    double *p = xmalloc(np * sizeof *p), *g = xmalloc(np * sizeof *g);
    rng_t rng;
    rng_seed(&rng, 1);
    m.kind->init_params(&m, p, &rng);
    opt_config_t oc = {.kind = OPT_ADAM, .lr = lr, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    optimizer_t opt;
    if (optimizer_init(&opt, &oc, np, &e) != 0)
        die("%s", e.msg);
    int *seqs = xmalloc((size_t)B * sizeof *seqs);
    double total = 0;
    long nfe_f = 0, nfe_b = 0;
    for (int s = 0; s < steps; s++) {
        for (int b = 0; b < B; b++)
            seqs[b] = (s * B + b) % d.n_sequences;
        batch_t bt = {.B = B, .K = 1, .seqs = seqs, .data = &d};
        model_result_t res;
        double t0 = monotonic_seconds();
        if (kind_model_run(&m, p, &bt, g, &res, &e) != 0)
            die("%s", e.msg);
        optimizer_step(&opt, p, g);
        total += monotonic_seconds() - t0;
        nfe_f += res.ode.nfe_forward;
        nfe_b += res.ode.nfe_backward;
    }
    char prefix[64], unit[128];
    snprintf(prefix, sizeof prefix, "latent_%s", tag);
    snprintf(unit, sizeof unit, "s per training step (batch %d, adjoint, mean over --steps)", B);
    report_steps(prefix, unit, total, steps, nfe_f, nfe_b);
    free(seqs);
    free(p);
    free(g);
    optimizer_free(&opt);
    kind_model_free(&m);
    dataset_free(&d);
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    const char *mnist_dir = NULL, *out = NULL, *only = NULL, *cnf_model_path = NULL;
    const char *spirals = NULL, *spirals_regular = NULL;
    long steps = 50;
    long chunk = CONV_CHUNK_DEFAULT;
    enum { OPT_MNIST_DIR = 256, OPT_OUT, OPT_STEPS, OPT_ONLY, OPT_CNF_MODEL, OPT_SPIRALS,
           OPT_SPIRALS_REGULAR, OPT_CHUNK };
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
        {NULL, 0, NULL, 0},
    };
    opterr = 0; /* our messages, below, naming the option */
    int c, before = optind;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        const char *word = optind > before ? argv[optind - 1] : ""; /* the word just passed */
        before = optind;
        switch (c) {
        case 'h':
            printf("usage: bench --mnist-dir DIR --out FILE.tsv [--steps N] [--only GROUP]\n"
                   "             [--cnf-model CKPT] [--spirals F.tsv] [--spirals-regular F.tsv]\n"
                   "             [--chunk N]  (examples per chunk of the convolutional models)\n");
            return 0;
        case OPT_MNIST_DIR:
            mnist_dir = optarg;
            break;
        case OPT_OUT:
            out = optarg;
            break;
        case OPT_STEPS:
            if (parse_long(optarg, &steps) != 0 || steps < 1 || steps > 1000000)
                die("--steps: '%s' is not an integer in [1, 1e6]", optarg);
            break;
        case OPT_CHUNK:
            if (parse_long(optarg, &chunk) != 0 || chunk < 1 || chunk > 4096)
                die("--chunk: '%s' is not an integer in [1, 4096]", optarg);
            break;
        case OPT_CNF_MODEL:
            cnf_model_path = optarg;
            break;
        case OPT_SPIRALS:
            spirals = optarg;
            break;
        case OPT_SPIRALS_REGULAR:
            spirals_regular = optarg;
            break;
        case OPT_ONLY:
            only = optarg;
            if (strcmp(only, "mnist") && strcmp(only, "dense") && strcmp(only, "odenet") &&
                strcmp(only, "cnf") && strcmp(only, "latent"))
                die("--only: '%s' is not mnist, dense, odenet, cnf or latent", only);
            break;
        case ':':
            die("%s needs a value (see --help)", word);
        default: /* a long option is the whole word, a short one optopt (maybe in -xy) */
            if (!strncmp(word, "--", 2))
                die("unknown option '%s' (see --help)", word);
            die("unknown option '-%c' (see --help)", optopt);
        }
    }
    if (optind < argc)
        die("unexpected argument '%s' (see --help)", argv[optind]);
    if (!mnist_dir || !out)
        die("--mnist-dir and --out are required (see --help)");
    {
        err_t pe;
        const io_path_t in[] = {{"--mnist-dir", mnist_dir}, {"--cnf-model", cnf_model_path},
                                {"--spirals", spirals}, {"--spirals-regular", spirals_regular}};
        const io_path_t outs[] = {{"--out", out}};
        if (check_io_paths(in, 4, outs, 1, &pe) != 0)
            die("%s", pe.msg);
    }
    openblas_set_num_threads(1);
    conv_set_chunk((int)chunk);
    printf("OpenBLAS: %s, 1 thread\n", openblas_get_config());
#define RUN(group) (!only || !strcmp(only, group))
    double peak = gemm_rate(0);
    report("dgemm_512_gflops", peak, "GFLOP/s");
    if (RUN("mnist"))
        bench_mnist(mnist_dir, (int)steps, peak);
    if (RUN("dense"))
        bench_dense((int)steps, peak);
    if (RUN("odenet")) {
        double speak = gemm_rate(1);
        report("sgemm_512_gflops", speak, "GFLOP/s");
        bench_convfield(1, peak, 0);
        bench_convfield(1, speak, 1);
        openblas_set_num_threads(2);
        double peak2 = gemm_rate(0), speak2 = gemm_rate(1);
        openblas_set_num_threads(1);
        report("dgemm_512_gflops_2threads", peak2, "GFLOP/s");
        report("sgemm_512_gflops_2threads", speak2, "GFLOP/s");
        bench_convfield(2, peak2, 0);
        bench_convfield(2, speak2, 1);
        bench_convfield(2, speak2, 2);
        bench_odenet_steps(mnist_dir, 2, 0);
        bench_odenet_steps(mnist_dir, 2, 1);
        bench_odenet_steps(mnist_dir, 2, 2);
    }
    if (RUN("cnf"))
        bench_cnf((int)steps, peak, cnf_model_path);
    if (RUN("latent")) {
        /* The stage's workload: batch 32 of its irregular spirals (the
         * union of their relative times, ~200 solver stops), dopri5 at
         * 1e-3, lr 1e-3 (stages/latent/latent.ini). */
        if (!spirals)
            die("the latent group needs --spirals FILE (the latent stage's train.tsv)");
        bench_latent_steps("b32", spirals, 32, 0.1, 1e-3, 1e-3, 1e-3, (int)steps);
        /* The workload of torchdiffeq's examples/latent_ode.py (the peer in
         * ../shared/peers, d_run_latent_ode.py): all 1,000 spirals as one
         * batch, 100 regularly spaced observations shared by all, noise sd
         * 0.3, dopri5 at torchdiffeq's default rtol 1e-7, atol 1e-9, lr
         * 0.01; its spirals' shape differs (Chen et al.'s curves). */
        if (spirals_regular)
            bench_latent_steps("b1000_regular", spirals_regular, 1000, 0.3, 1e-7, 1e-9, 1e-2,
                               (int)steps);
    }
#undef RUN

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
    return 0;
}
