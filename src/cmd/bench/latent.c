/* bench's latent group: report 002's latent ODE, training steps on the stage's spirals and
 * on the workload of torchdiffeq's latent-ODE example. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"
#include "core/rng.h"
#include "core/util.h"
#include "data/dataset.h"
#include "nn/optim.h"
#include "train/kind.h"
#include "train/runcfg.h"

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

void bench_latent(const char *spirals, const char *spirals_regular, int steps)
{
    /* The stage's workload: batch 32 of its irregular spirals (the
     * union of their relative times, ~200 solver stops), dopri5 at
     * 1e-3, lr 1e-3 (stages/latent/latent.ini). */
    if (!spirals)
        die("the latent group needs --spirals FILE (the latent stage's train.tsv)");
    bench_latent_steps("b32", spirals, 32, 0.1, 1e-3, 1e-3, 1e-3, steps);
    /* The workload of torchdiffeq's examples/latent_ode.py (the peer in
     * ../shared/peers, d_run_latent_ode.py): all 1,000 spirals as one
     * batch, 100 regularly spaced observations shared by all, noise sd
     * 0.3, dopri5 at torchdiffeq's default rtol 1e-7, atol 1e-9, lr
     * 0.01; its spirals' shape differs (Chen et al.'s curves). */
    if (spirals_regular)
        bench_latent_steps("b1000_regular", spirals_regular, 1000, 0.3, 1e-7, 1e-9, 1e-2,
                           steps);
}
