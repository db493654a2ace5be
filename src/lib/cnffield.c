#include "cnffield.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastmath.h"

/* Parameter blocks inside theta. */
#define W1(cf) ((cf)->theta + (cf)->mlp.w_off[0]) /* (H, 3) */
#define B1(cf) ((cf)->theta + (cf)->mlp.b_off[0]) /* (H) */
#define W2(cf) ((cf)->theta + (cf)->mlp.w_off[1]) /* (H, H) */
#define B2(cf) ((cf)->theta + (cf)->mlp.b_off[1]) /* (H) */
#define W3(cf) ((cf)->theta + (cf)->mlp.w_off[2]) /* (2, H) */
#define B3(cf) ((cf)->theta + (cf)->mlp.b_off[2]) /* (2) */

/* a (B, n) = tanh(inp (B, k) w^T (n, k) + b); s = 1 - a^2. */
static void tanh_layer(double *a, double *s, const double *inp, int ldi, const double *w,
                       const double *b, int B, int k, int n)
{
    for (int i = 0; i < B; i++)
        memcpy(a + (size_t)i * n, b, (size_t)n * sizeof *a);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, n, k, 1.0, inp, ldi, w, k, 1.0, a,
                n);
    tanh_array(a, (size_t)B * n);
    for (size_t i = 0; i < (size_t)B * n; i++)
        s[i] = 1.0 - a[i] * a[i];
}

/* The forward pass shared by rhs and vjp: h1, h2, s1, s2, A, C, c, and
 * out (B, 3) = [f, tr] with row stride 3 (out may be NULL). */
static void forward(cnffield_t *cf, double t, const double *y, double *out)
{
    int B = cf->batch, H = cf->H;
    for (int b = 0; b < B; b++) {
        cf->u[3 * b] = y[CNF_STATE * b];
        cf->u[3 * b + 1] = y[CNF_STATE * b + 1];
        cf->u[3 * b + 2] = t;
    }
    tanh_layer(cf->h1, cf->s1, cf->u, 3, W1(cf), B1(cf), B, 3, H);
    tanh_layer(cf->h2, cf->s2, cf->h1, H, W2(cf), B2(cf), B, H, H);
    const double *w1 = W1(cf), *w2 = W2(cf), *w3 = W3(cf);
    /* A[j, i] = sum_k W3[k, j] W1[i, k], C = W2 (.) A, c = s1 C^T. */
    for (int j = 0; j < H; j++)
        for (int i = 0; i < H; i++) {
            double a = w3[j] * w1[3 * i] + w3[H + j] * w1[3 * i + 1];
            cf->A[(size_t)j * H + i] = a;
            cf->C[(size_t)j * H + i] = w2[(size_t)j * H + i] * a;
        }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, H, 1.0, cf->s1, H, cf->C, H, 0.0,
                cf->c, H);
    if (!out)
        return;
    for (int b = 0; b < B; b++) {
        const double *s2 = cf->s2 + (size_t)b * H, *c = cf->c + (size_t)b * H;
        double tr = 0.0;
        for (int j = 0; j < H; j++)
            tr += s2[j] * c[j];
        out[CNF_STATE * b + 2] = tr;
    }
    /* f = h2 W3^T + b3 straight into the first two columns of out. */
    const double *b3 = B3(cf);
    for (int b = 0; b < B; b++) {
        out[CNF_STATE * b] = b3[0];
        out[CNF_STATE * b + 1] = b3[1];
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, CNF_DIM, H, 1.0, cf->h2, H, w3, H,
                1.0, out, CNF_STATE);
}

static int finite_state(const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]))
            return 0;
    return 1;
}

static int cnf_rhs(void *ctx, double t, const double *y, double *ydot)
{
    cnffield_t *cf = ctx;
    if (!finite_state(y, (size_t)cf->batch * CNF_STATE))
        return -1;
    forward(cf, t, y, ydot);
    return 0;
}

/* a = [a_z, a_l] per example.  With r = a_l s2 (the cotangent of c):
 *   dL/da2 = (a_z W3) s2 + a_l c (-2 h2 s2)                (tanh'' = -2 h s)
 *   dL/dW3 = a_z^T h2,  dL/dC = r^T s1,  dL/ds1 = r C
 *   dL/dW2 = dL/dC (.) A + dL/da2^T h1;  dL/dA = dL/dC (.) W2, which reaches
 *   W3 and W1z through A = W3^T W1z^T
 *   dL/da1 = (dL/da2 W2) s1 + dL/ds1 (-2 h1 s1);  dL/dW1 += dL/da1^T u
 *   a^T dF/dz = (dL/da1 W1)[:, 0:2];  l does not enter the field. */
static int cnf_vjp(void *ctx, double t, const double *y, const double *a, double *fy,
                   double *vjp_y, double *vjp_p)
{
    cnffield_t *cf = ctx;
    int B = cf->batch, H = cf->H;
    if (!finite_state(y, (size_t)B * CNF_STATE) || !finite_state(a, (size_t)B * CNF_STATE))
        return -1;
    forward(cf, t, y, fy);
    memset(vjp_p, 0, cf->mlp.n_params * sizeof *vjp_p);
    double *gw1 = vjp_p + cf->mlp.w_off[0], *gb1 = vjp_p + cf->mlp.b_off[0];
    double *gw2 = vjp_p + cf->mlp.w_off[1], *gb2 = vjp_p + cf->mlp.b_off[1];
    double *gw3 = vjp_p + cf->mlp.w_off[2], *gb3 = vjp_p + cf->mlp.b_off[2];
    const double *w1 = W1(cf), *w2 = W2(cf), *w3 = W3(cf);

    /* Output layer and the trace's outer factor. */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, CNF_DIM, H, B, 1.0, a, CNF_STATE, cf->h2,
                H, 0.0, gw3, H);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, CNF_DIM, 1.0, a, CNF_STATE, w3,
                H, 0.0, cf->ga2, H);
    for (int b = 0; b < B; b++) {
        const double *ab = a + (size_t)CNF_STATE * b;
        gb3[0] += ab[0];
        gb3[1] += ab[1];
        double al = ab[2];
        const double *h2 = cf->h2 + (size_t)b * H, *s2 = cf->s2 + (size_t)b * H,
                     *c = cf->c + (size_t)b * H;
        double *r = cf->r + (size_t)b * H, *ga2 = cf->ga2 + (size_t)b * H;
        for (int j = 0; j < H; j++) {
            r[j] = al * s2[j];
            ga2[j] = ga2[j] * s2[j] - 2.0 * al * c[j] * h2[j] * s2[j];
        }
    }
    /* The trace's inner factor c = s1 C^T. */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, H, B, 1.0, cf->r, H, cf->s1, H, 0.0,
                cf->gC, H);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, H, 1.0, cf->r, H, cf->C, H, 0.0,
                cf->gs1, H);
    for (int j = 0; j < H; j++)
        for (int i = 0; i < H; i++) {
            size_t ji = (size_t)j * H + i;
            double gc = cf->gC[ji], ga = gc * w2[ji];
            gw2[ji] = gc * cf->A[ji];
            gw3[j] += ga * w1[3 * i];
            gw3[H + j] += ga * w1[3 * i + 1];
            gw1[3 * i] += ga * w3[j];
            gw1[3 * i + 1] += ga * w3[H + j];
        }
    /* Second layer: dL/dW2 += dL/da2^T h1, dL/db2, dL/dh1 = dL/da2 W2. */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, H, B, 1.0, cf->ga2, H, cf->h1, H, 1.0,
                gw2, H);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, H, 1.0, cf->ga2, H, w2, H, 0.0,
                cf->gh1, H);
    for (int b = 0; b < B; b++) {
        const double *ga2 = cf->ga2 + (size_t)b * H, *h1 = cf->h1 + (size_t)b * H,
                     *s1 = cf->s1 + (size_t)b * H, *gh1 = cf->gh1 + (size_t)b * H,
                     *gs1 = cf->gs1 + (size_t)b * H;
        double *ga1 = cf->ga1 + (size_t)b * H;
        for (int j = 0; j < H; j++) {
            gb2[j] += ga2[j];
            ga1[j] = gh1[j] * s1[j] - 2.0 * gs1[j] * h1[j] * s1[j];
        }
    }
    /* First layer: dL/dW1 += dL/da1^T u, dL/db1, dL/du = dL/da1 W1. */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, 3, B, 1.0, cf->ga1, H, cf->u, 3, 1.0,
                gw1, 3);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++)
            gb1[j] += cf->ga1[(size_t)b * H + j];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, 3, H, 1.0, cf->ga1, H, w1, 3, 0.0,
                cf->gu, 3);
    for (int b = 0; b < B; b++) {
        vjp_y[CNF_STATE * b] = cf->gu[3 * b];
        vjp_y[CNF_STATE * b + 1] = cf->gu[3 * b + 1];
        vjp_y[CNF_STATE * b + 2] = 0.0;
    }
    return 0;
}

int cnffield_init(cnffield_t *cf, int hidden, int max_batch, err_t *e)
{
    memset(cf, 0, sizeof *cf);
    if (hidden < 1 || hidden > 4096 || max_batch < 1)
        return err_set(e, "cnf: hidden width must be 1..4096 and the batch positive");
    int dims[] = {CNF_STATE, hidden, hidden, CNF_DIM};
    act_t acts[] = {ACT_TANH, ACT_TANH, ACT_IDENTITY};
    if (mlp_init(&cf->mlp, 3, dims, acts, 0) != 0)
        return err_set(e, "cnf: bad layer sizes");
    cf->H = hidden;
    cf->max_batch = max_batch;
    size_t BH = (size_t)max_batch * hidden, B3 = (size_t)max_batch * 3,
           HH = (size_t)hidden * hidden;
    /* u, gu: B3 each; h1 h2 s1 s2 c r ga2 ga1 gs1 gh1: BH each; A C gC: HH each. */
    size_t total = 2 * B3 + 10 * BH + 3 * HH;
    cf->arena = malloc(total * sizeof(double));
    if (!cf->arena)
        return err_set(e, "cnf: no memory for a batch of %d", max_batch);
    double *next = cf->arena;
#define CARVE(ptr, n)                                                                       \
    do {                                                                                    \
        (ptr) = next;                                                                       \
        next += (n);                                                                        \
    } while (0)
    CARVE(cf->u, B3);
    CARVE(cf->gu, B3);
    CARVE(cf->h1, BH);
    CARVE(cf->h2, BH);
    CARVE(cf->s1, BH);
    CARVE(cf->s2, BH);
    CARVE(cf->c, BH);
    CARVE(cf->r, BH);
    CARVE(cf->ga2, BH);
    CARVE(cf->ga1, BH);
    CARVE(cf->gs1, BH);
    CARVE(cf->gh1, BH);
    CARVE(cf->A, HH);
    CARVE(cf->C, HH);
    CARVE(cf->gC, HH);
#undef CARVE
    cf->f.n = 0;
    cf->f.n_params = cf->mlp.n_params;
    cf->f.ctx = cf;
    cf->f.rhs = cnf_rhs;
    cf->f.vjp = cnf_vjp;
    return 0;
}

void cnffield_free(cnffield_t *cf)
{
    free(cf->arena);
    memset(cf, 0, sizeof *cf);
}

size_t cnffield_n_params(const cnffield_t *cf) { return cf->mlp.n_params; }

void cnffield_bind(cnffield_t *cf, int batch, const double *theta)
{
    cf->batch = batch;
    cf->theta = theta;
    cf->f.n = (size_t)batch * CNF_STATE;
}

int cnffield_eval(cnffield_t *cf, double t, const double *y, double *out)
{
    return cnf_rhs(cf, t, y, out);
}
