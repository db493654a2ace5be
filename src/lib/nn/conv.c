#include "nn/conv.h"
#include "nn/conv_dnnl.h"

#include <cblas.h>
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

int conv_shape(conv_shape_t *s, int ci, int co, int k, int stride, int pad, int h, int w)
{
    if (ci < 1 || co < 1 || k < 1 || stride < 1 || pad < 0 || h < 1 || w < 1)
        return -1;
    s->ci = ci;
    s->co = co;
    s->kh = s->kw = k;
    s->stride = stride;
    s->pad = pad;
    s->h = h;
    s->w = w;
    s->ho = (h + 2 * pad - k) / stride + 1;
    s->wo = (w + 2 * pad - k) / stride + 1;
    return s->ho >= 1 && s->wo >= 1 ? 0 : -1;
}

/* Precision of the lowered convolutions and the thread count of the loops
 * around the gemms (see nn/conv.h). */
static int g_single, g_onednn, g_threads = 1, g_chunk = CONV_CHUNK_DEFAULT;

void conv_set_single(int on) { g_single = on != 0; }

void conv_set_onednn(int on) { g_onednn = on != 0; }

int conv_onednn(void) { return g_single && g_onednn; }

const char *conv_failure(void) { return cdnnl_failure(); }

void conv_clear_failure(void) { cdnnl_clear_failure(); }

void conv_set_threads(int n)
{
    g_threads = n > 0 ? n : 1;
#ifdef _OPENMP
    omp_set_num_threads(g_threads);
#else
    g_threads = 1;
#endif
    openblas_set_num_threads(1);
}

int conv_threads(void) { return g_threads; }

void conv_set_chunk(int n) { g_chunk = n > 0 ? n : CONV_CHUNK_DEFAULT; }

int conv_chunk(void) { return g_chunk; }

/* Loops over fewer elements than this stay on one thread. */
#define PAR_MIN 32768

/* Output columns ox in [*lo, *hi) read input column ox * stride + dx
 * inside the image; the others read the zero padding. */
static void valid_range(int wo, int w, int stride, int dx, int *lo, int *hi)
{
    int a = 0, b = wo;
    while (a < b && a * stride + dx < 0)
        a++;
    while (b > a && (b - 1) * stride + dx >= w)
        b--;
    *lo = a;
    *hi = b;
}

/* im2col into a buffer of element type T: col (ci*kh*kw, B*ho*wo), row
 * r = (c, i, j) holds input pixel (c, b, oy*stride + i - pad,
 * ox*stride + j - pad), 0 outside.  Channels are independent, so they are
 * shared out among the threads; the values do not depend on the split. */
#define DEFINE_IM2COL(NAME, T)                                                                 \
    static void NAME(const conv_shape_t *s, const double *inp, int B, T *col)                  \
    {                                                                                          \
        size_t npix = (size_t)B * s->ho * s->wo;                                               \
        int st = s->stride, wo = s->wo;                                                        \
        _Pragma("omp parallel for schedule(static) if (npix * s->ci > PAR_MIN)")               \
        for (int c = 0; c < s->ci; c++)                                                        \
            for (int i = 0; i < s->kh; i++)                                                    \
                for (int j = 0; j < s->kw; j++) {                                              \
                    T *row = col + ((size_t)(c * s->kh + i) * s->kw + j) * npix;               \
                    int dx = j - s->pad, lo, hi;                                               \
                    valid_range(wo, s->w, st, dx, &lo, &hi);                                   \
                    for (int b = 0; b < B; b++) {                                              \
                        const double *img = inp + ((size_t)c * B + b) * s->h * s->w;           \
                        for (int oy = 0; oy < s->ho; oy++) {                                   \
                            int y = oy * st + i - s->pad;                                      \
                            T *dst = row + ((size_t)b * s->ho + oy) * wo;                      \
                            if (y < 0 || y >= s->h) {                                          \
                                memset(dst, 0, (size_t)wo * sizeof *dst);                      \
                                continue;                                                      \
                            }                                                                  \
                            const double *src = img + (size_t)y * s->w;                        \
                            for (int ox = 0; ox < lo; ox++)                                    \
                                dst[ox] = (T)0;                                                \
                            if (st == 1)                                                       \
                                for (int ox = lo; ox < hi; ox++)                               \
                                    dst[ox] = (T)src[ox + dx];                                 \
                            else                                                               \
                                for (int ox = lo; ox < hi; ox++)                               \
                                    dst[ox] = (T)src[ox * st + dx];                            \
                            for (int ox = hi; ox < wo; ox++)                                   \
                                dst[ox] = (T)0;                                                \
                        }                                                                      \
                    }                                                                          \
                }                                                                              \
    }

/* The adjoint of im2col: adds every column entry back to its pixel (in
 * double).  Channel c only writes channel c's pixels, in the same order
 * whatever the thread count. */
#define DEFINE_COL2IM(NAME, T)                                                                 \
    static void NAME(const conv_shape_t *s, const T *col, int B, double *inp)                  \
    {                                                                                          \
        size_t npix = (size_t)B * s->ho * s->wo;                                               \
        int st = s->stride, wo = s->wo;                                                        \
        _Pragma("omp parallel for schedule(static) if (npix * s->ci > PAR_MIN)")               \
        for (int c = 0; c < s->ci; c++) {                                                      \
            memset(inp + (size_t)c * B * s->h * s->w, 0,                                       \
                   (size_t)B * s->h * s->w * sizeof *inp);                                     \
            for (int i = 0; i < s->kh; i++)                                                    \
                for (int j = 0; j < s->kw; j++) {                                              \
                    const T *row = col + ((size_t)(c * s->kh + i) * s->kw + j) * npix;         \
                    int dx = j - s->pad, lo, hi;                                               \
                    valid_range(wo, s->w, st, dx, &lo, &hi);                                   \
                    for (int b = 0; b < B; b++) {                                              \
                        double *img = inp + ((size_t)c * B + b) * s->h * s->w;                 \
                        for (int oy = 0; oy < s->ho; oy++) {                                   \
                            int y = oy * st + i - s->pad;                                      \
                            if (y < 0 || y >= s->h)                                            \
                                continue;                                                      \
                            const T *src = row + ((size_t)b * s->ho + oy) * wo;                \
                            double *dst = img + (size_t)y * s->w;                              \
                            if (st == 1)                                                       \
                                for (int ox = lo; ox < hi; ox++)                               \
                                    dst[ox + dx] += src[ox];                                   \
                            else                                                               \
                                for (int ox = lo; ox < hi; ox++)                               \
                                    dst[ox * st + dx] += src[ox];                              \
                        }                                                                      \
                    }                                                                          \
                }                                                                              \
        }                                                                                      \
    }

DEFINE_IM2COL(im2col, double)
DEFINE_IM2COL(im2col_f, float)
DEFINE_COL2IM(col2im, double)
DEFINE_COL2IM(col2im_f, float)

static void to_float(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

/* The single-precision path keeps, in col, the float col (K*N), the float
 * weights (co*K, reused by the backward pass) and the float output (co*N);
 * in dcol, the float dcol, weight gradient and output gradient. */
size_t conv_col_size(const conv_shape_t *s, int B)
{
    size_t K = (size_t)s->ci * s->kh * s->kw, N = (size_t)B * s->ho * s->wo, co = s->co;
    size_t d = K * N, f = (K * N + co * K + co * N + 1) / 2;
    if (g_single && g_onednn) {
        size_t a = cdnnl_col_floats(s, B), b = cdnnl_dcol_floats(s, B);
        size_t g = ((a > b ? a : b) + 1) / 2;
        f = g > f ? g : f;
    }
    return d > f ? d : f;
}

void conv_lower(const conv_shape_t *s, const double *inp, const double *w, int B, double *col)
{
    if (g_single && g_onednn) {
        cdnnl_lower(s, inp, w, B, (float *)col);
    } else if (g_single) {
        size_t K = (size_t)s->ci * s->kh * s->kw, N = (size_t)B * s->ho * s->wo;
        float *colf = (float *)col;
        im2col_f(s, inp, B, colf);
        to_float(colf + K * N, w, (size_t)s->co * K);
    } else {
        im2col(s, inp, B, col);
    }
}

void conv_forward(const conv_shape_t *s, double *out, const double *inp, const double *w,
                  const double *b, int B, double *col)
{
    int K = s->ci * s->kh * s->kw;
    int N = B * s->ho * s->wo;
    conv_lower(s, inp, w, B, col);
    if (g_single && g_onednn) {
        cdnnl_forward(s, out, b, B, (float *)col);
        return;
    }
    if (g_single) {
        float *colf = (float *)col, *wf = colf + (size_t)K * N, *outf = wf + (size_t)s->co * K;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->co, N, K, 1.0f, wf, K, colf, N,
                    0.0f, outf, N);
#pragma omp parallel for schedule(static) if ((size_t)s->co * N > PAR_MIN)
        for (int o = 0; o < s->co; o++) {
            double bias = b ? b[o] : 0.0;
            double *row = out + (size_t)o * N;
            const float *src = outf + (size_t)o * N;
            for (int n = 0; n < N; n++)
                row[n] = (double)src[n] + bias;
        }
        return;
    }
    for (int o = 0; o < s->co; o++) {
        double bias = b ? b[o] : 0.0;
        double *row = out + (size_t)o * N;
        for (int n = 0; n < N; n++)
            row[n] = bias;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->co, N, K, 1.0, w, K, col, N, 1.0,
                out, N);
}

static void bias_grad(double *db, const double *dout, int co, int N, int add)
{
    for (int o = 0; o < co; o++) {
        const double *row = dout + (size_t)o * N;
        double acc = 0.0;
        for (int n = 0; n < N; n++)
            acc += row[n];
        db[o] = add ? db[o] + acc : acc;
    }
}

/* add: dw, db += the gradients; else dw, db = them. */
static void backward(const conv_shape_t *s, double *dinp, double *dw, double *db,
                     const double *dout, const double *w, int B, const double *col, double *dcol,
                     int add)
{
    int K = s->ci * s->kh * s->kw;
    int N = B * s->ho * s->wo;
    if (g_single && g_onednn) {
        if (db)
            bias_grad(db, dout, s->co, N, add);
        cdnnl_backward(s, dinp, dw, dout, w, B, (const float *)col, (float *)dcol, add);
        return;
    }
    if (g_single) {
        /* col holds the forward's float col and weights */
        const float *colf = (const float *)col, *wf = colf + (size_t)K * N;
        float *dcolf = (float *)dcol, *dwf = dcolf + (size_t)K * N,
              *doutf = dwf + (size_t)s->co * K;
        to_float(doutf, dout, (size_t)s->co * N);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->co, K, N, 1.0f, doutf, N, colf, N,
                    0.0f, dwf, K);
        if (add)
            for (size_t i = 0; i < (size_t)s->co * K; i++)
                dw[i] += dwf[i];
        else
            for (size_t i = 0; i < (size_t)s->co * K; i++)
                dw[i] = dwf[i];
        if (db)
            bias_grad(db, dout, s->co, N, add);
        if (dinp) {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, s->co, 1.0f, wf, K, doutf,
                        N, 0.0f, dcolf, N);
            col2im_f(s, dcolf, B, dinp);
        }
        return;
    }
    /* dw (co, K) (+)= dout (co, N) col^T (N, K) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->co, K, N, 1.0, dout, N, col, N,
                add ? 1.0 : 0.0, dw, K);
    if (db)
        bias_grad(db, dout, s->co, N, add);
    if (dinp) {
        /* dcol (K, N) = w^T (K, co) dout (co, N) */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, s->co, 1.0, w, K, dout, N,
                    0.0, dcol, N);
        col2im(s, dcol, B, dinp);
    }
}

void conv_backward(const conv_shape_t *s, double *dinp, double *dw, double *db,
                   const double *dout, const double *w, int B, const double *col, double *dcol)
{
    backward(s, dinp, dw, db, dout, w, B, col, dcol, 1);
}

void conv_backward_set(const conv_shape_t *s, double *dinp, double *dw, double *db,
                       const double *dout, const double *w, int B, const double *col,
                       double *dcol)
{
    backward(s, dinp, dw, db, dout, w, B, col, dcol, 0);
}

/* GroupNorm forward, then ReLU when relu is set (one pass). */
static void gn_forward(double *y, const double *x, const double *gamma, const double *beta,
                       int C, int B, int HW, int G, double *mean, double *rstd, int relu)
{
    int cg = C / G;
#pragma omp parallel for collapse(2) schedule(static) if ((size_t)C * B * HW > PAR_MIN)
    for (int b = 0; b < B; b++)
        for (int g = 0; g < G; g++) {
            double sum = 0.0, sum2 = 0.0;
            for (int c = g * cg; c < (g + 1) * cg; c++) {
                const double *p = x + ((size_t)c * B + b) * HW;
                for (int i = 0; i < HW; i++) {
                    sum += p[i];
                    sum2 += p[i] * p[i];
                }
            }
            double n = (double)cg * HW, mu = sum / n;
            double var = sum2 / n - mu * mu;
            double r = 1.0 / sqrt((var > 0 ? var : 0) + 1e-5);
            mean[b * G + g] = mu;
            rstd[b * G + g] = r;
            for (int c = g * cg; c < (g + 1) * cg; c++) {
                const double *p = x + ((size_t)c * B + b) * HW;
                double *q = y + ((size_t)c * B + b) * HW;
                double a = gamma[c] * r, shift = beta[c] - mu * a;
                if (relu)
                    for (int i = 0; i < HW; i++) {
                        double v = p[i] * a + shift;
                        q[i] = v > 0.0 ? v : 0.0;
                    }
                else
                    for (int i = 0; i < HW; i++)
                        q[i] = p[i] * a + shift;
            }
        }
}

void groupnorm_forward(double *y, const double *x, const double *gamma, const double *beta,
                       int C, int B, int HW, int G, double *mean, double *rstd)
{
    gn_forward(y, x, gamma, beta, C, B, HW, G, mean, rstd, 0);
}

void groupnorm_relu_forward(double *y, const double *x, const double *gamma, const double *beta,
                            int C, int B, int HW, int G, double *mean, double *rstd)
{
    gn_forward(y, x, gamma, beta, C, B, HW, G, mean, rstd, 1);
}

/* GroupNorm backward; with relu_out, dy is first masked where relu_out is
 * not positive (the gradient through a ReLU whose output that was). */
static void gn_backward(double *dx, double *dgamma, double *dbeta, const double *dy,
                        const double *relu_out, const double *x, const double *gamma, int C,
                        int B, int HW, int G, const double *mean, const double *rstd)
{
    int cg = C / G;
    double n = (double)cg * HW;
    /* Groups outermost: group g alone touches dgamma, dbeta of its channels,
     * which gather the examples in order, so the threads split the groups. */
#pragma omp parallel for schedule(static) if ((size_t)C * B * HW > PAR_MIN)
    for (int g = 0; g < G; g++)
        for (int b = 0; b < B; b++) {
            double mu = mean[b * G + g], r = rstd[b * G + g];
            /* With xhat = (x - mu) r and dxhat = dy gamma:
             * dx = r (dxhat - mean(dxhat) - xhat mean(dxhat xhat)). */
            double s1 = 0.0, s2 = 0.0;
            for (int c = g * cg; c < (g + 1) * cg; c++) {
                size_t at = ((size_t)c * B + b) * HW;
                const double *p = x + at, *d = dy + at, *m = relu_out ? relu_out + at : NULL;
                double dg = 0.0, dbt = 0.0;
                for (int i = 0; i < HW; i++) {
                    double di = m && !(m[i] > 0.0) ? 0.0 : d[i];
                    double xh = (p[i] - mu) * r;
                    dg += di * xh;
                    dbt += di;
                    s1 += di * gamma[c];
                    s2 += di * gamma[c] * xh;
                }
                dgamma[c] += dg;
                dbeta[c] += dbt;
            }
            double m1 = s1 / n, m2 = s2 / n;
            for (int c = g * cg; c < (g + 1) * cg; c++) {
                size_t at = ((size_t)c * B + b) * HW;
                const double *p = x + at, *d = dy + at, *m = relu_out ? relu_out + at : NULL;
                double *q = dx + at;
                for (int i = 0; i < HW; i++) {
                    double di = m && !(m[i] > 0.0) ? 0.0 : d[i];
                    double xh = (p[i] - mu) * r;
                    q[i] = r * (di * gamma[c] - m1 - xh * m2);
                }
            }
        }
}

void groupnorm_backward(double *dx, double *dgamma, double *dbeta, const double *dy,
                        const double *x, const double *gamma, int C, int B, int HW, int G,
                        const double *mean, const double *rstd)
{
    gn_backward(dx, dgamma, dbeta, dy, NULL, x, gamma, C, B, HW, G, mean, rstd);
}

void groupnorm_relu_backward(double *dx, double *dgamma, double *dbeta, const double *dy,
                             const double *y, const double *x, const double *gamma, int C, int B,
                             int HW, int G, const double *mean, const double *rstd)
{
    gn_backward(dx, dgamma, dbeta, dy, y, x, gamma, C, B, HW, G, mean, rstd);
}

void avgpool_forward(double *out, const double *x, int C, int B, int HW)
{
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++) {
            const double *p = x + ((size_t)c * B + b) * HW;
            double acc = 0.0;
            for (int i = 0; i < HW; i++)
                acc += p[i];
            out[(size_t)b * C + c] = acc / HW;
        }
}

void avgpool_backward(double *dx, const double *dout, int C, int B, int HW)
{
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++) {
            double g = dout[(size_t)b * C + c] / HW;
            double *q = dx + ((size_t)c * B + b) * HW;
            for (int i = 0; i < HW; i++)
                q[i] = g;
        }
}
