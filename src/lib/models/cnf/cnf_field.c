#include "models/cnf/cnf_field.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/fastmath.h"
#include "nn/gemm.h"

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
    gemm_nt(B, n, k, inp, ldi, w, k, 1.0, a, n);
    tanh_array(a, (size_t)B * n);
    for (size_t i = 0; i < (size_t)B * n; i++)
        s[i] = 1.0 - a[i] * a[i];
}

/* A[j, i] = sum_k W3[k, j] W1[i, k] and C = W2 (.) A, shared by every row. */
static void prepare(cnffield_t *cf)
{
    int H = cf->H;
    const double *w1 = W1(cf), *w2 = W2(cf), *w3 = W3(cf);
    for (int j = 0; j < H; j++)
        for (int i = 0; i < H; i++) {
            double a = w3[j] * w1[3 * i] + w3[H + j] * w1[3 * i + 1];
            cf->A[(size_t)j * H + i] = a;
            cf->C[(size_t)j * H + i] = w2[(size_t)j * H + i] * a;
        }
}

/* The forward pass over rows [lo, lo + n): h1, h2, s1, s2, c (= s1 C^T),
 * and out (B, 3) = [f, tr] with row stride 3 (out may be NULL). */
static void forward_rows(cnffield_t *cf, int lo, int n, double t, const double *y, double *out)
{
    int H = cf->H;
    size_t o = (size_t)lo * H;
    double *u = cf->u + 3 * (size_t)lo, *h1 = cf->h1 + o, *h2 = cf->h2 + o, *s1 = cf->s1 + o,
           *s2 = cf->s2 + o, *c = cf->c + o;
    for (int b = 0; b < n; b++) {
        u[3 * b] = y[CNF_STATE * (lo + b)];
        u[3 * b + 1] = y[CNF_STATE * (lo + b) + 1];
        u[3 * b + 2] = t;
    }
    tanh_layer(h1, s1, u, 3, W1(cf), B1(cf), n, 3, H);
    tanh_layer(h2, s2, h1, H, W2(cf), B2(cf), n, H, H);
    gemm_nt(n, H, H, s1, H, cf->C, H, 0.0, c, H);
    if (!out)
        return;
    double *orow = out + (size_t)CNF_STATE * lo;
    const double *b3 = B3(cf);
    for (int b = 0; b < n; b++) {
        double tr = 0.0;
        for (int j = 0; j < H; j++)
            tr += s2[(size_t)b * H + j] * c[(size_t)b * H + j];
        orow[CNF_STATE * b] = b3[0];
        orow[CNF_STATE * b + 1] = b3[1];
        orow[CNF_STATE * b + 2] = tr;
    }
    /* f = h2 W3^T + b3 straight into the first two columns of out. */
    gemm_nt(n, CNF_DIM, H, h2, H, W3(cf), H, 1.0, orow, CNF_STATE);
}

static int finite_state(const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]))
            return 0;
    return 1;
}

static int n_chunks(int B) { return (B + CNF_CHUNK - 1) / CNF_CHUNK; }

static int cnf_rhs(void *ctx, double t, const double *y, double *ydot)
{
    cnffield_t *cf = ctx;
    int B = cf->batch, chunks = n_chunks(B);
    if (!finite_state(y, (size_t)B * CNF_STATE))
        return -1;
    prepare(cf);
#pragma omp parallel for schedule(static) num_threads(cf->threads) if (cf->threads > 1 && chunks > 1)
    for (int q = 0; q < chunks; q++) {
        int lo = q * CNF_CHUNK, n = B - lo < CNF_CHUNK ? B - lo : CNF_CHUNK;
        forward_rows(cf, lo, n, t, y, ydot);
    }
    return 0;
}

/* The VJP over rows [lo, lo + n), after forward_rows on them: writes
 * their rows of vjp_y, and their share of the parameter cotangents and of
 * dL/dC into part (n_params + H^2, overwritten). */
static void vjp_rows(cnffield_t *cf, int lo, int n, const double *a, double *vjp_y, double *part)
{
    int H = cf->H;
    size_t o = (size_t)lo * H;
    const double *u = cf->u + 3 * (size_t)lo, *h1 = cf->h1 + o, *h2 = cf->h2 + o,
                 *s1 = cf->s1 + o, *s2 = cf->s2 + o, *c = cf->c + o,
                 *ar = a + (size_t)CNF_STATE * lo;
    double *r = cf->r + o, *ga2 = cf->ga2 + o, *ga1 = cf->ga1 + o, *gs1 = cf->gs1 + o,
           *gh1 = cf->gh1 + o, *gu = cf->gu + 3 * (size_t)lo;
    const double *w1 = W1(cf), *w2 = W2(cf), *w3 = W3(cf);
    memset(part, 0, (cf->mlp.n_params + (size_t)H * H) * sizeof *part);
    double *gw1 = part + cf->mlp.w_off[0], *gb1 = part + cf->mlp.b_off[0];
    double *gw2 = part + cf->mlp.w_off[1], *gb2 = part + cf->mlp.b_off[1];
    double *gw3 = part + cf->mlp.w_off[2], *gb3 = part + cf->mlp.b_off[2];
    double *gC = part + cf->mlp.n_params;
    /* Output layer and the trace's outer factor. */
    gemm_tn(CNF_DIM, H, n, ar, CNF_STATE, h2, H, 0.0, gw3, H);
    gemm_nn(n, H, CNF_DIM, ar, CNF_STATE, w3, H, 0.0, ga2, H);
    for (int b = 0; b < n; b++) {
        const double *ab = ar + (size_t)CNF_STATE * b;
        gb3[0] += ab[0];
        gb3[1] += ab[1];
        double al = ab[2];
        size_t k = (size_t)b * H;
        for (int j = 0; j < H; j++) {
            r[k + j] = al * s2[k + j];
            ga2[k + j] = ga2[k + j] * s2[k + j] - 2.0 * al * c[k + j] * h2[k + j] * s2[k + j];
        }
    }
    /* The trace's inner factor c = s1 C^T; the second layer. */
    gemm_tn(H, H, n, r, H, s1, H, 0.0, gC, H);
    gemm_nn(n, H, H, r, H, cf->C, H, 0.0, gs1, H);
    gemm_tn(H, H, n, ga2, H, h1, H, 0.0, gw2, H);
    gemm_nn(n, H, H, ga2, H, w2, H, 0.0, gh1, H);
    for (int b = 0; b < n; b++) {
        size_t k = (size_t)b * H;
        for (int j = 0; j < H; j++) {
            gb2[j] += ga2[k + j];
            ga1[k + j] = gh1[k + j] * s1[k + j] - 2.0 * gs1[k + j] * h1[k + j] * s1[k + j];
            gb1[j] += ga1[k + j];
        }
    }
    /* First layer: dL/dW1 = dL/da1^T u, dL/du = dL/da1 W1. */
    gemm_tn(H, 3, n, ga1, H, u, 3, 0.0, gw1, 3);
    gemm_nn(n, 3, H, ga1, H, w1, 3, 0.0, gu, 3);
    double *vrow = vjp_y + (size_t)CNF_STATE * lo;
    for (int b = 0; b < n; b++) {
        vrow[CNF_STATE * b] = gu[3 * b];
        vrow[CNF_STATE * b + 1] = gu[3 * b + 1];
        vrow[CNF_STATE * b + 2] = 0.0;
    }
}

/* a = [a_z, a_l] per example.  With r = a_l s2 (the cotangent of c):
 *   dL/da2 = (a_z W3) s2 + a_l c (-2 h2 s2)                (tanh'' = -2 h s)
 *   dL/dW3 = a_z^T h2,  dL/dC = r^T s1,  dL/ds1 = r C
 *   dL/dW2 = dL/dC (.) A + dL/da2^T h1;  dL/dA = dL/dC (.) W2, which reaches
 *   W3 and W1z through A = W3^T W1z^T
 *   dL/da1 = (dL/da2 W2) s1 + dL/ds1 (-2 h1 s1);  dL/dW1 += dL/da1^T u
 *   a^T dF/dz = (dL/da1 W1)[:, 0:2];  l does not enter the field.
 * The rows go in fixed chunks of CNF_CHUNK, each chunk's share of the
 * parameter cotangents summed in chunk order, so the result does not depend
 * on how many threads share the chunks. */
static int cnf_vjp(void *ctx, double t, const double *y, const double *a, double *fy,
                   double *vjp_y, double *vjp_p)
{
    cnffield_t *cf = ctx;
    int B = cf->batch, H = cf->H, chunks = n_chunks(B);
    size_t np = cf->mlp.n_params, stride = np + (size_t)H * H;
    if (!finite_state(y, (size_t)B * CNF_STATE) || !finite_state(a, (size_t)B * CNF_STATE))
        return -1;
    prepare(cf);
#pragma omp parallel for schedule(static) num_threads(cf->threads) if (cf->threads > 1 && chunks > 1)
    for (int q = 0; q < chunks; q++) {
        int lo = q * CNF_CHUNK, n = B - lo < CNF_CHUNK ? B - lo : CNF_CHUNK;
        forward_rows(cf, lo, n, t, y, fy);
        vjp_rows(cf, lo, n, a, vjp_y, cf->partial + (size_t)q * stride);
    }
    double *gC = cf->gC;
    memcpy(vjp_p, cf->partial, np * sizeof *vjp_p);
    memcpy(gC, cf->partial + np, (size_t)H * H * sizeof *gC);
    for (int q = 1; q < chunks; q++) {
        const double *part = cf->partial + (size_t)q * stride;
        for (size_t i = 0; i < np; i++)
            vjp_p[i] += part[i];
        for (size_t i = 0; i < (size_t)H * H; i++)
            gC[i] += part[np + i];
    }
    double *gw1 = vjp_p + cf->mlp.w_off[0], *gw2 = vjp_p + cf->mlp.w_off[1],
           *gw3 = vjp_p + cf->mlp.w_off[2];
    const double *w1 = W1(cf), *w2 = W2(cf), *w3 = W3(cf);
    for (int j = 0; j < H; j++)
        for (int i = 0; i < H; i++) {
            size_t ji = (size_t)j * H + i;
            double ga = gC[ji] * w2[ji];
            gw2[ji] += gC[ji] * cf->A[ji];
            gw3[j] += ga * w1[3 * i];
            gw3[H + j] += ga * w1[3 * i + 1];
            gw1[3 * i] += ga * w3[j];
            gw1[3 * i + 1] += ga * w3[H + j];
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
    cf->threads = 1;
    size_t BH = (size_t)max_batch * hidden, B3 = (size_t)max_batch * 3,
           HH = (size_t)hidden * hidden;
    /* u, gu: B3 each; h1 h2 s1 s2 c r ga2 ga1 gs1 gh1: BH each; A C gC: HH each. */
    size_t stride = cf->mlp.n_params + HH, parts = (size_t)n_chunks(max_batch) * stride;
    size_t total = 2 * B3 + 10 * BH + 3 * HH + parts;
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
    CARVE(cf->partial, parts);
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

void cnffield_set_threads(cnffield_t *cf, int threads) { cf->threads = threads > 1 ? threads : 1; }

int cnffield_eval(cnffield_t *cf, double t, const double *y, double *out)
{
    return cnf_rhs(cf, t, y, out);
}
