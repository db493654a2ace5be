/* bench's cnf group: report 002's flow on two moons, its augmented field, its training
 * steps through the cnf kind and the seminorm. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "core/rng.h"
#include "core/util.h"
#include "data/moons.h"
#include "models/cnf/cnf_field.h"
#include "nn/optim.h"
#include "train/kind.h"
#include "train/runcfg.h"
#include "train/saved.h"

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

/* The augmented field [f, tr(df/dz)] alone, at the initial parameters, on
 * the first batch of data: time per evaluation and per VJP, and their
 * fractions of the dgemm rate.  Returns the field's parameter count. */
static size_t cnf_field_costs(const double *data, int B, int H, double peak)
{
    err_t e = {{0}};
    rng_t rng;
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
    free(p);
    free(g);
    free(y);
    free(out);
    free(a);
    free(vy);
    return np;
}

/* Whole training steps through the kind, from the initial parameters:
 * minibatches of the N points in order, Adam lr 1e-3, on one thread
 * and on two sharing the batch's chunks (the same numbers either way).
 * p (np) ends at the two-thread run's parameters; g (np) is scratch. */
static void cnf_train_steps(const double *data, int N, int B, double *p, double *g, size_t np,
                            int steps)
{
    err_t e = {{0}};
    rng_t rng;
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
            double t0 = monotonic_seconds();
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
}

/* The seminorm at parameters p (or a trained flow's, cnf_model_path):
 * backward NFE and gradient error against a gradient at rtol = atol =
 * 1e-10, on the first batch of data.  g (np) is scratch. */
static void cnf_seminorm(const double *data, int B, double *p, double *g, size_t np,
                         const char *cnf_model_path)
{
    err_t e = {{0}};
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
}

void bench_cnf(int steps, double peak, const char *cnf_model_path)
{
    const int B = 512, H = 64, N = 5000;
    err_t e = {{0}};
    rng_t rng;
    rng_seed(&rng, 31);
    double *data = xmalloc((size_t)N * 2 * sizeof *data); /* (N, 2) */
    if (moons_sample(&rng, N, 0.1, data, NULL, &e) != 0)
        die("%s", e.msg);
    size_t np = cnf_field_costs(data, B, H, peak);
    double *p = xmalloc(np * sizeof *p), *g = xmalloc(np * sizeof *g);
    cnf_train_steps(data, N, B, p, g, np, steps);
    cnf_seminorm(data, B, p, g, np, cnf_model_path);
    free(p);
    free(g);
    free(data);
}
