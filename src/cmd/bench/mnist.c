/* bench's mnist group: report 000's MNIST model, its field, its training steps and the
 * seminorm on it. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"
#include "core/rng.h"
#include "core/util.h"
#include "data/idx.h"
#include "models/mlp/mlp_ode.h"
#include "nn/optim.h"

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

/* Report 000's MNIST model: 784 -> 20 -> ODE on 20 + 10 dims -> 10, tanh,
 * Tsit5 at rtol = atol = 1e-3, cross-entropy. */
static model_config_t mnist_config(void)
{
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
    return c;
}

void bench_mnist(const char *mnist_dir, int steps, double peak)
{
    idx_images_t im;
    idx_labels_t lb;
    err_t e = {{0}};
    if (idx_load_set(mnist_dir, 1, 1000, &im, &lb, &e) != 0)
        die("%s", e.msg);
    int *labels = xmalloc((size_t)lb.count * sizeof *labels);
    for (int i = 0; i < lb.count; i++)
        labels[i] = lb.labels[i];
    model_config_t c = mnist_config();
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
