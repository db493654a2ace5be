#include "convfield.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int init_common(convfield_t *cf, int C, int H, int W, int G, int max_batch,
                       int time_channel, int final_norm, err_t *e)
{
    memset(cf, 0, sizeof *cf);
    if (C < 1 || G < 1 || C % G != 0)
        return err_set(e, "convfield: %d channels cannot form %d groups", C, G);
    cf->time_channel = time_channel;
    cf->final_norm = final_norm;
    if (conv_shape(&cf->shape, C + time_channel, C, 3, 1, 1, H, W) != 0 || max_batch < 1)
        return err_set(e, "convfield: bad shape %dx%dx%d", C, H, W);
    cf->C = C;
    cf->H = H;
    cf->W = W;
    cf->G = G;
    cf->max_batch = max_batch;
    size_t conv = (size_t)C * (C + time_channel) * 9 + C;
    cf->off_gn1 = 0;
    cf->off_conv1 = 2 * (size_t)C;
    cf->off_gn2 = cf->off_conv1 + conv;
    cf->off_conv2 = cf->off_gn2 + 2 * (size_t)C;
    cf->off_gn3 = cf->off_conv2 + conv;
    cf->n_params = cf->off_gn3 + (final_norm ? 2 * (size_t)C : 0);
    size_t n = (size_t)C * max_batch * H * W, n1 = (size_t)(C + 1) * max_batch * H * W;
    size_t col = conv_col_size(&cf->shape, max_batch);
    double **bufs[] = {&cf->a1, &cf->r1, &cf->c1, &cf->a2, &cf->r2, &cf->c2, &cf->g1, &cf->g2};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        *bufs[i] = xmalloc(n * sizeof(double));
    cf->x1 = xmalloc(n1 * sizeof(double));
    cf->x2 = xmalloc(n1 * sizeof(double));
    cf->gx = xmalloc(n1 * sizeof(double));
    cf->col1 = xmalloc(col * sizeof(double));
    cf->col2 = xmalloc(col * sizeof(double));
    cf->dcol = xmalloc(col * sizeof(double));
    cf->mean = xmalloc((size_t)3 * max_batch * G * sizeof(double));
    cf->rstd = xmalloc((size_t)3 * max_batch * G * sizeof(double));
    return 0;
}

int convfield_init(convfield_t *cf, int C, int H, int W, int G, int max_batch, err_t *e)
{
    return init_common(cf, C, H, W, G, max_batch, 1, 1, e);
}

int convfield_init_resblock(convfield_t *cf, int C, int H, int W, int G, int max_batch,
                            err_t *e)
{
    return init_common(cf, C, H, W, G, max_batch, 0, 0, e);
}

void convfield_free(convfield_t *cf)
{
    double *bufs[] = {cf->a1, cf->r1, cf->x1, cf->col1, cf->c1, cf->a2, cf->r2, cf->x2,
                      cf->col2, cf->c2, cf->mean, cf->rstd, cf->g1, cf->g2, cf->gx, cf->dcol};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    memset(cf, 0, sizeof *cf);
}

static void init_conv(double *w, int co, int ci, int k, rng_t *rng)
{
    double bound = 1.0 / sqrt((double)ci * k * k);
    size_t nw = (size_t)co * ci * k * k;
    for (size_t i = 0; i < nw + (size_t)co; i++)
        w[i] = bound * (2.0 * rng_uniform(rng) - 1.0);
}

static void init_gn(double *p, int C)
{
    for (int c = 0; c < C; c++) {
        p[c] = 1.0;
        p[C + c] = 0.0;
    }
}

void convfield_init_params(const convfield_t *cf, double *theta, rng_t *rng)
{
    int C = cf->C;
    int ci = C + cf->time_channel;
    init_gn(theta + cf->off_gn1, C);
    init_conv(theta + cf->off_conv1, C, ci, 3, rng);
    init_gn(theta + cf->off_gn2, C);
    init_conv(theta + cf->off_conv2, C, ci, 3, rng);
    if (cf->final_norm)
        init_gn(theta + cf->off_gn3, C);
}

/* [x, t]: the C channels of x followed by one channel filled with t (in
 * CBHW the channels are contiguous blocks of B*HW). */
static void concat_time(double *out, const double *x, double t, size_t block, int C)
{
    memcpy(out, x, (size_t)C * block * sizeof *out);
    double *tc = out + (size_t)C * block;
    for (size_t i = 0; i < block; i++)
        tc[i] = t;
}

static void relu(double *y, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0 ? x[i] : 0.0;
}

/* Forward pass keeping every intermediate; returns the output in c2 after
 * gn3 (written to out). */
static void field_forward(convfield_t *cf, double t, const double *h, double *out)
{
    int C = cf->C, B = cf->batch, HW = cf->H * cf->W, G = cf->G;
    size_t block = (size_t)B * HW, n = (size_t)C * block;
    const double *th = cf->theta;
    double *mean = cf->mean, *rstd = cf->rstd;
    size_t st = (size_t)B * G;
    groupnorm_forward(cf->a1, h, th + cf->off_gn1, th + cf->off_gn1 + C, C, B, HW, G, mean, rstd);
    int ci = C + cf->time_channel;
    relu(cf->r1, cf->a1, n);
    const double *in1 = cf->r1, *in2 = cf->r2;
    if (cf->time_channel) {
        concat_time(cf->x1, cf->r1, t, block, C);
        in1 = cf->x1;
    }
    const double *w1 = th + cf->off_conv1, *b1 = w1 + (size_t)C * ci * 9;
    conv_forward(&cf->shape, cf->c1, in1, w1, b1, B, cf->col1);
    groupnorm_forward(cf->a2, cf->c1, th + cf->off_gn2, th + cf->off_gn2 + C, C, B, HW, G,
                      mean + st, rstd + st);
    relu(cf->r2, cf->a2, n);
    if (cf->time_channel) {
        concat_time(cf->x2, cf->r2, t, block, C);
        in2 = cf->x2;
    }
    const double *w2 = th + cf->off_conv2, *b2 = w2 + (size_t)C * ci * 9;
    if (!cf->final_norm) {
        conv_forward(&cf->shape, out, in2, w2, b2, B, cf->col2);
        return;
    }
    conv_forward(&cf->shape, cf->c2, in2, w2, b2, B, cf->col2);
    groupnorm_forward(out, cf->c2, th + cf->off_gn3, th + cf->off_gn3 + C, C, B, HW, G,
                      mean + 2 * st, rstd + 2 * st);
}

static int cf_rhs(void *ctx, double t, const double *y, double *ydot)
{
    field_forward(ctx, t, y, ydot);
    return 0;
}

static int cf_vjp(void *ctx, double t, const double *y, const double *a, double *fy,
                  double *vjp_y, double *vjp_p)
{
    convfield_t *cf = ctx;
    int C = cf->C, B = cf->batch, HW = cf->H * cf->W, G = cf->G;
    size_t block = (size_t)B * HW, n = (size_t)C * block, st = (size_t)B * G;
    const double *th = cf->theta;
    double *out = fy ? fy : cf->g2; /* g2 is free until the backward pass */
    field_forward(cf, t, y, out);
    memset(vjp_p, 0, cf->n_params * sizeof *vjp_p);
    double dt = 0.0;
    int ci = C + cf->time_channel;
    /* gn3 */
    const double *dc2 = a;
    if (cf->final_norm) {
        groupnorm_backward(cf->g1, vjp_p + cf->off_gn3, vjp_p + cf->off_gn3 + C, a, cf->c2,
                           th + cf->off_gn3, C, B, HW, G, cf->mean + 2 * st,
                           cf->rstd + 2 * st);
        dc2 = cf->g1;
    }
    /* conv2: input gradient over C (+ 1) channels; the last is t's */
    const double *w2 = th + cf->off_conv2;
    double *dw2 = vjp_p + cf->off_conv2, *db2 = dw2 + (size_t)C * ci * 9;
    conv_backward(&cf->shape, cf->gx, dw2, db2, dc2, w2, B, cf->col2, cf->dcol);
    for (size_t i = 0; cf->time_channel && i < block; i++)
        dt += cf->gx[n + i];
    /* relu2 then gn2 */
    for (size_t i = 0; i < n; i++)
        cf->g1[i] = cf->r2[i] > 0.0 ? cf->gx[i] : 0.0;
    groupnorm_backward(cf->g2, vjp_p + cf->off_gn2, vjp_p + cf->off_gn2 + C, cf->g1, cf->c1,
                       th + cf->off_gn2, C, B, HW, G, cf->mean + st, cf->rstd + st);
    /* conv1 */
    const double *w1 = th + cf->off_conv1;
    double *dw1 = vjp_p + cf->off_conv1, *db1 = dw1 + (size_t)C * ci * 9;
    conv_backward(&cf->shape, cf->gx, dw1, db1, cf->g2, w1, B, cf->col1, cf->dcol);
    for (size_t i = 0; cf->time_channel && i < block; i++)
        dt += cf->gx[n + i];
    /* relu1 then gn1 -> dh */
    for (size_t i = 0; i < n; i++)
        cf->g1[i] = cf->r1[i] > 0.0 ? cf->gx[i] : 0.0;
    groupnorm_backward(vjp_y, vjp_p + cf->off_gn1, vjp_p + cf->off_gn1 + C, cf->g1, y,
                       th + cf->off_gn1, C, B, HW, G, cf->mean, cf->rstd);
    cf->last_dt = dt;
    return 0;
}

void convfield_bind(convfield_t *cf, int batch, const double *theta)
{
    cf->batch = batch;
    cf->theta = theta;
    cf->f.ctx = cf;
    cf->f.rhs = cf_rhs;
    cf->f.vjp = cf_vjp;
    cf->f.n = (size_t)cf->C * batch * cf->H * cf->W;
    cf->f.n_params = cf->n_params;
}
