/* What bench's groups share: this machine's gemm rate (the yardstick), an MLP's flops, a
 * bound field's timings and a gradient's error. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "bench/bench.h"
#include "core/util.h"
#include "models/mlp/mlp_ode.h"

/* This machine's gemm rate at 512^3, double or (single) float. */
double gemm_rate(int single)
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
double mlp_flops(const mlp_t *m, int B)
{
    double f = 0.0;
    for (int l = 0; l < m->n_layers; l++)
        f += 2.0 * B * m->dims[l] * m->dims[l + 1];
    return f;
}

/* Time per rhs and per vjp of a bound field, in seconds. */
void time_field(field_t *fd, const double *y, double *rhs_s, double *vjp_s)
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
double grad_error(const double *g, const double *ref, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        num += (g[i] - ref[i]) * (g[i] - ref[i]);
        den += ref[i] * ref[i];
    }
    return sqrt(num / den);
}
