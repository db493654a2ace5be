/* bench's dense group: a dense ODE of width 64 at batch 512. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"
#include "core/rng.h"
#include "core/util.h"
#include "models/mlp/mlp_ode.h"
#include "nn/optim.h"

void bench_dense(int steps, double peak)
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
