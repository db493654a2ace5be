#include "models/conv/conv_field.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static void ws_free(convfield_ws_t *w)
{
    double *bufs[] = {w->r1, w->x1, w->col1, w->c1, w->r2, w->x2,
                      w->col2, w->c2, w->mean, w->rstd, w->g1, w->g2, w->gx, w->dcol};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
}

static void ws_alloc(convfield_ws_t *w, const convfield_t *cf, int b)
{
    size_t n = (size_t)cf->C * b * cf->H * cf->W, n1 = (size_t)(cf->C + 1) * b * cf->H * cf->W;
    size_t col = conv_col_size(&cf->shape, b);
    double **bufs[] = {&w->r1, &w->c1, &w->r2, &w->c2, &w->g1, &w->g2};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        *bufs[i] = xmalloc(n * sizeof(double));
    w->x1 = xmalloc(n1 * sizeof(double));
    w->x2 = xmalloc(n1 * sizeof(double));
    w->gx = xmalloc(n1 * sizeof(double));
    w->col1 = xmalloc(col * sizeof(double));
    w->col2 = xmalloc(col * sizeof(double));
    w->dcol = xmalloc(col * sizeof(double));
    w->mean = xmalloc((size_t)3 * b * cf->G * sizeof(double));
    w->rstd = xmalloc((size_t)3 * b * cf->G * sizeof(double));
}

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
    cf->chunk = conv_chunk() < max_batch ? conv_chunk() : max_batch;
    size_t conv = (size_t)C * (C + time_channel) * 9 + C;
    cf->off_gn1 = 0;
    cf->off_conv1 = 2 * (size_t)C;
    cf->off_gn2 = cf->off_conv1 + conv;
    cf->off_conv2 = cf->off_gn2 + 2 * (size_t)C;
    cf->off_gn3 = cf->off_conv2 + conv;
    cf->n_params = cf->off_gn3 + (final_norm ? 2 * (size_t)C : 0);
    int chunks = chunk_count(max_batch, cf->chunk);
    cf->n_ws = conv_threads() < chunks ? conv_threads() : chunks;
    cf->ws = xcalloc((size_t)cf->n_ws, sizeof *cf->ws);
    for (int i = 0; i < cf->n_ws; i++)
        ws_alloc(&cf->ws[i], cf, cf->chunk);
    if (chunks > 1) {
        cf->gpart = xmalloc((size_t)chunks * cf->n_params * sizeof(double));
        cf->dtpart = xmalloc((size_t)chunks * sizeof(double));
    }
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
    for (int i = 0; cf->ws && i < cf->n_ws; i++)
        ws_free(&cf->ws[i]);
    free(cf->ws);
    free(cf->gpart);
    free(cf->dtpart);
    memset(cf, 0, sizeof *cf);
}

size_t chunked_index(int c, int b, int i, int C, int HW, int B, int chunk)
{
    int k = b / chunk, nb = chunk_size(k, B, chunk);
    return chunk_offset(k, chunk, (size_t)C * HW) + ((size_t)c * nb + b % chunk) * HW + i;
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

/* The C channels of x in a buffer of C + 1, the last filled with t (the
 * time-concatenating convolution's input; in CBHW the channels are
 * contiguous blocks of B*HW). */
static void fill_time(double *x, double t, size_t block, int C)
{
    double *tc = x + (size_t)C * block;
    for (size_t i = 0; i < block; i++)
        tc[i] = t;
}

/* Forward pass over one chunk of B examples (plain CBHW), keeping in the
 * workspace what the backward pass needs: the convolutions' inputs
 * ReLU(GN(.)) (with the time channel: x1, x2; without: r1, r2), their
 * outputs c1, c2 and the GroupNorm statistics.  The output (after gn3)
 * goes to out. */
static void field_forward(const convfield_t *cf, convfield_ws_t *w, int B, double t,
                          const double *h, double *out)
{
    int C = cf->C, HW = cf->H * cf->W, G = cf->G;
    size_t block = (size_t)B * HW;
    const double *th = cf->theta;
    double *mean = w->mean, *rstd = w->rstd;
    size_t st = (size_t)B * G;
    int ci = C + cf->time_channel;
    double *in1 = cf->time_channel ? w->x1 : w->r1, *in2 = cf->time_channel ? w->x2 : w->r2;
    groupnorm_relu_forward(in1, h, th + cf->off_gn1, th + cf->off_gn1 + C, C, B, HW, G, mean,
                           rstd);
    if (cf->time_channel)
        fill_time(in1, t, block, C);
    const double *w1 = th + cf->off_conv1, *b1 = w1 + (size_t)C * ci * 9;
    conv_forward(&cf->shape, w->c1, in1, w1, b1, B, w->col1);
    groupnorm_relu_forward(in2, w->c1, th + cf->off_gn2, th + cf->off_gn2 + C, C, B, HW, G,
                           mean + st, rstd + st);
    if (cf->time_channel)
        fill_time(in2, t, block, C);
    const double *w2 = th + cf->off_conv2, *b2 = w2 + (size_t)C * ci * 9;
    if (!cf->final_norm) {
        conv_forward(&cf->shape, out, in2, w2, b2, B, w->col2);
        return;
    }
    conv_forward(&cf->shape, w->c2, in2, w2, b2, B, w->col2);
    groupnorm_forward(out, w->c2, th + cf->off_gn3, th + cf->off_gn3 + C, C, B, HW, G,
                      mean + 2 * st, rstd + 2 * st);
}

/* a^T f over one chunk: recomputes the forward, then the gradients with
 * respect to the state (vjp_y), the parameters (vjp_p, overwritten) and t
 * (returned). */
static double field_vjp(const convfield_t *cf, convfield_ws_t *w, int B, double t,
                        const double *y, const double *a, double *fy, double *vjp_y,
                        double *vjp_p)
{
    int C = cf->C, HW = cf->H * cf->W, G = cf->G;
    size_t block = (size_t)B * HW, n = (size_t)C * block, st = (size_t)B * G;
    const double *th = cf->theta;
    double *out = fy ? fy : w->g2; /* g2 is free until the backward pass */
    field_forward(cf, w, B, t, y, out);
    /* The GroupNorms' gradients are sums; the convolutions' are written. */
    memset(vjp_p + cf->off_gn1, 0, 2 * (size_t)C * sizeof *vjp_p);
    memset(vjp_p + cf->off_gn2, 0, 2 * (size_t)C * sizeof *vjp_p);
    if (cf->final_norm)
        memset(vjp_p + cf->off_gn3, 0, 2 * (size_t)C * sizeof *vjp_p);
    double dt = 0.0;
    int ci = C + cf->time_channel;
    const double *in1 = cf->time_channel ? w->x1 : w->r1, *in2 = cf->time_channel ? w->x2 : w->r2;
    /* gn3 */
    const double *dc2 = a;
    if (cf->final_norm) {
        groupnorm_backward(w->g1, vjp_p + cf->off_gn3, vjp_p + cf->off_gn3 + C, a, w->c2,
                           th + cf->off_gn3, C, B, HW, G, w->mean + 2 * st, w->rstd + 2 * st);
        dc2 = w->g1;
    }
    /* conv2: input gradient over C (+ 1) channels; the last is t's */
    const double *w2 = th + cf->off_conv2;
    double *dw2 = vjp_p + cf->off_conv2, *db2 = dw2 + (size_t)C * ci * 9;
    conv_backward_set(&cf->shape, w->gx, dw2, db2, dc2, w2, B, w->col2, w->dcol);
    for (size_t i = 0; cf->time_channel && i < block; i++)
        dt += w->gx[n + i];
    /* relu2 then gn2 */
    groupnorm_relu_backward(w->g2, vjp_p + cf->off_gn2, vjp_p + cf->off_gn2 + C, w->gx, in2,
                            w->c1, th + cf->off_gn2, C, B, HW, G, w->mean + st, w->rstd + st);
    /* conv1 */
    const double *w1 = th + cf->off_conv1;
    double *dw1 = vjp_p + cf->off_conv1, *db1 = dw1 + (size_t)C * ci * 9;
    conv_backward_set(&cf->shape, w->gx, dw1, db1, w->g2, w1, B, w->col1, w->dcol);
    for (size_t i = 0; cf->time_channel && i < block; i++)
        dt += w->gx[n + i];
    /* relu1 then gn1 -> dh */
    groupnorm_relu_backward(vjp_y, vjp_p + cf->off_gn1, vjp_p + cf->off_gn1 + C, w->gx, in1, y,
                            th + cf->off_gn1, C, B, HW, G, w->mean, w->rstd);
    return dt;
}

static convfield_ws_t *my_ws(const convfield_t *cf)
{
#ifdef _OPENMP
    return &cf->ws[omp_get_thread_num() % cf->n_ws];
#else
    return &cf->ws[0];
#endif
}

static int cf_rhs(void *ctx, double t, const double *y, double *ydot)
{
    const convfield_t *cf = ctx;
    int B = cf->batch, ch = cf->chunk, chunks = chunk_count(B, ch);
    size_t per = (size_t)cf->C * cf->H * cf->W;
#pragma omp parallel for num_threads(cf->n_ws) schedule(static) if (chunks > 1)
    for (int k = 0; k < chunks; k++) {
        size_t off = chunk_offset(k, ch, per);
        field_forward(cf, my_ws(cf), chunk_size(k, B, ch), t, y + off, ydot + off);
    }
    return 0;
}

static int cf_vjp(void *ctx, double t, const double *y, const double *a, double *fy,
                  double *vjp_y, double *vjp_p)
{
    convfield_t *cf = ctx;
    int B = cf->batch, ch = cf->chunk, chunks = chunk_count(B, ch);
    size_t per = (size_t)cf->C * cf->H * cf->W, np = cf->n_params;
    if (chunks == 1) {
        cf->last_dt = field_vjp(cf, &cf->ws[0], B, t, y, a, fy, vjp_y, vjp_p);
        return 0;
    }
#pragma omp parallel for num_threads(cf->n_ws) schedule(static)
    for (int k = 0; k < chunks; k++) {
        size_t off = chunk_offset(k, ch, per);
        cf->dtpart[k] = field_vjp(cf, my_ws(cf), chunk_size(k, B, ch), t, y + off, a + off,
                                  fy ? fy + off : NULL, vjp_y + off, cf->gpart + k * np);
    }
    /* Sum the chunks' gradients in chunk order. */
    const double *gp = cf->gpart;
#pragma omp parallel for num_threads(cf->n_ws) schedule(static)
    for (size_t i = 0; i < np; i++) {
        double acc = gp[i];
        for (int k = 1; k < chunks; k++)
            acc += gp[k * np + i];
        vjp_p[i] = acc;
    }
    double dt = 0.0;
    for (int k = 0; k < chunks; k++)
        dt += cf->dtpart[k];
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
