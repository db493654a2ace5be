/* bench's odenet group: Chen et al.'s ODE-Net (report 002), its vector field and its
 * block on one and two threads, double and float, and whole training steps of it and of
 * the ResNet. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "core/rng.h"
#include "core/util.h"
#include "data/idx.h"
#include "models/conv/conv_field.h"
#include "models/conv/odenet.h"
#include "nn/conv.h"

/* The threads of OpenBLAS and of the convolutions, and their gemms: double
 * (single 0), float (1) or oneDNN's (2). */
static void conv_mode(int threads, int single)
{
    openblas_set_num_threads(threads);
    conv_set_threads(threads);
    conv_set_single(single != 0);
    conv_set_onednn(single == 2);
}

/* Time per rhs and per vjp of the bound field at h0 (cotangent g), in
 * seconds, over a second each (time_field expects a field_t; by hand here). */
static void time_convfield(const convfield_t *cf, const double *h0, const double *g,
                           double *rhs_s, double *vjp_s)
{
    size_t n = cf->f.n;
    double *out = xmalloc(n * sizeof *out), *vy = xmalloc(n * sizeof *vy),
           *vp = xmalloc(cf->n_params * sizeof *vp);
    int reps = 0;
    double t0 = monotonic_seconds(), t;
    do {
        cf->f.rhs(cf->f.ctx, 0.5, h0, out);
        reps++;
        t = monotonic_seconds() - t0;
    } while (t < 1.0);
    *rhs_s = t / reps;
    reps = 0;
    t0 = monotonic_seconds();
    do {
        cf->f.vjp(cf->f.ctx, 0.5, h0, g, out, vy, vp);
        reps++;
        t = monotonic_seconds() - t0;
    } while (t < 1.0);
    *vjp_s = t / reps;
    free(out);
    free(vy);
    free(vp);
}

/* One forward + adjoint solve of the ODE block over [0, 1] (dopri5, 1e-3)
 * from h0 with cotangent g: its time and NFE as rows. */
static void time_block(convfield_t *cf, const double *h0, const double *g, const char *tag,
                       int threads)
{
    size_t n = cf->f.n;
    double *hT = xmalloc(n * sizeof *hT), *dh0 = xmalloc(n * sizeof *dh0),
           *dth = xcalloc(cf->n_params, sizeof *dth);
    err_t e = {{0}};
    ode_options_t o = ode_options_default();
    ode_solver_t *solver;
    if (ode_solver_create(&solver, &o, &e) != 0)
        die("%s", e.msg);
    double T = 1.0;
    double t0 = monotonic_seconds();
    if (ode_forward(solver, &cf->f, 0.0, h0, 1, &T, hT, &e) != 0 ||
        ode_backward(solver, &cf->f, 0.0, h0, 1, &T, hT, g, dh0, dth, NULL, &e) != 0)
        die("%s", e.msg);
    double block_s = monotonic_seconds() - t0;
    ode_stats_t st = ode_solver_stats(solver);
    char name[64];
    snprintf(name, sizeof name, "odenet%s_t%d_block_s", tag, threads);
    report(name, block_s, "s (forward + adjoint)");
    snprintf(name, sizeof name, "odenet%s_t%d_block_nfe_forward", tag, threads);
    report(name, (double)st.nfe_forward, "");
    snprintf(name, sizeof name, "odenet%s_t%d_block_nfe_backward", tag, threads);
    report(name, (double)st.nfe_backward, "");
    ode_solver_free(solver);
    free(hT);
    free(dh0);
    free(dth);
}

/* Chen et al.'s ODE-Net vector field (64 channels, 6 x 6, batch 128):
 * evaluation, VJP, and one forward + adjoint solve of the ODE block over
 * [0, 1] (dopri5, 1e-3), at the given thread count. */
static void bench_convfield(int threads, double peak, int single)
{
    conv_mode(threads, single);
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
    double *h0 = xmalloc(n * sizeof *h0), *g = xmalloc(n * sizeof *g);
    for (size_t i = 0; i < n; i++) {
        h0[i] = rng_normal(&rng);
        g[i] = 1e-3 * rng_normal(&rng);
    }
    printf("ODE-Net vector field (64 x 6 x 6, batch %d, %zu parameters), %d thread%s, %s gemm\n",
           B, cf.n_params, threads, threads > 1 ? "s" : "", single ? "float" : "double");
    char name[64];
    double rhs_s, vjp_s;
    time_convfield(&cf, h0, g, &rhs_s, &vjp_s);
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
    time_block(&cf, h0, g, tag, threads);
    free(h0);
    free(g);
    free(theta);
    convfield_free(&cf);
    conv_mode(1, 0);
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
    conv_mode(threads, single);
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
    conv_mode(1, 0);
}

void bench_odenet(const char *mnist_dir, double peak)
{
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
