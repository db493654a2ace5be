#include "models/conv/odenet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/dense.h"
#ifdef _OPENMP
#include <omp.h>
#endif

static size_t conv_params(const conv_shape_t *s)
{
    return (size_t)s->co * s->ci * s->kh * s->kw + s->co;
}

/* One workspace buffer: where its pointer goes, and its length in doubles. */
typedef struct {
    double **buf;
    size_t n;
} workspace_buf_t;

/* Buffers start on 64-byte lines (8 doubles): at least malloc's alignment,
 * and the same for every run. */
#define ARENA_LINE 8
static size_t line_round(size_t n) { return (n + ARENA_LINE - 1) / ARENA_LINE * ARENA_LINE; }

int odenet_create(odenet_t *net, net_kind_t kind, int C, int max_batch, const ode_options_t *ode,
                  err_t *e)
{
    memset(net, 0, sizeof *net);
    net->kind = kind;
    net->C = C;
    net->G = C < 32 ? C / 2 > 0 ? C / 2 : 1 : 32;
    net->max_batch = max_batch;
    if (conv_shape(&net->s0, 1, C, 3, 1, 0, 28, 28) || conv_shape(&net->s1, C, C, 4, 2, 1, 26, 26) ||
        conv_shape(&net->s2, C, C, 4, 2, 1, 13, 13) || max_batch < 1)
        return err_set(e, "odenet: bad sizes");
    int rc = kind == NET_ODE ? convfield_init(&net->field, C, 6, 6, net->G, max_batch, e)
                             : convfield_init_resblock(&net->field, C, 6, 6, net->G, max_batch, e);
    if (rc != 0)
        return -1;
    net->block_params = net->field.n_params;
    size_t off = 0;
    net->off_conv0 = off;
    off += conv_params(&net->s0);
    net->off_gn0 = off;
    off += 2 * (size_t)C;
    net->off_conv1 = off;
    off += conv_params(&net->s1);
    net->off_gn1 = off;
    off += 2 * (size_t)C;
    net->off_conv2 = off;
    off += conv_params(&net->s2);
    net->off_gn2 = off;
    off += 2 * (size_t)C;
    net->off_block = off;
    off += net->block_params * (kind == NET_ODE ? 1 : ODENET_RES_BLOCKS);
    net->off_gnh = off;
    off += 2 * (size_t)C;
    net->off_fc = off;
    off += 10 * (size_t)C + 10;
    net->n_params = off;
    if (kind == NET_ODE && ode_solver_create(&net->solver, ode, e) != 0) {
        odenet_free(net);
        return -1;
    }
    net->chunk = conv_chunk() < max_batch ? conv_chunk() : max_batch;
    int chunks = chunk_count(max_batch, net->chunk);
    net->n_ws = conv_threads() < chunks ? conv_threads() : chunks;
    size_t B = (size_t)max_batch, n0 = (size_t)C * B * 26 * 26, n1 = (size_t)C * B * 13 * 13,
           n2 = (size_t)C * B * 36, st = B * net->G, ch = (size_t)net->chunk;
    size_t col_max = conv_col_size(&net->s1, net->chunk);
    if (conv_col_size(&net->s0, net->chunk) > col_max)
        col_max = conv_col_size(&net->s0, net->chunk);
    if (conv_col_size(&net->s2, net->chunk) > col_max)
        col_max = conv_col_size(&net->s2, net->chunk);
    net->col_len = line_round(col_max);
    net->big_len = line_round((size_t)C * ch * 26 * 26);
    size_t nw = (size_t)net->n_ws;
    const workspace_buf_t bufs[] = {
        {&net->c0, n0},
        {&net->r0, n0},
        {&net->c1, n1},
        {&net->r1, n1},
        {&net->c2, n2},
        {&net->h, n2 * (ODENET_RES_BLOCKS + 1)},
        {&net->rh, n2},
        {&net->d_small, n2},
        {&net->d_small2, n2},
        {&net->pool, B * C},
        {&net->dpool, B * C},
        {&net->logits, B * 10},
        {&net->dlogits, B * 10},
        {&net->vp, net->block_params},
        {&net->gpart, (size_t)chunks * net->off_block},
        {&net->m0, st},
        {&net->s0d, st},
        {&net->m1, st},
        {&net->s1d, st},
        {&net->m2, st},
        {&net->s2d, st},
        {&net->mh, st},
        {&net->shd, st},
        {&net->col, nw * net->col_len},
        {&net->dcol, nw * net->col_len},
        {&net->d_big, nw * net->big_len},
        {&net->d_big2, nw * net->big_len},
        {&net->tmp_big, nw * net->big_len},
    };
    size_t n_bufs = sizeof bufs / sizeof bufs[0], total = 0;
    for (size_t i = 0; i < n_bufs; i++)
        total += line_round(bufs[i].n);
    /* aligned_alloc wants a multiple of the alignment: total is one. */
    net->arena = aligned_alloc(ARENA_LINE * sizeof(double), total * sizeof(double));
    if (!net->arena) {
        odenet_free(net);
        return err_set(e, "odenet: no memory for a workspace of %.0f MB",
                       (double)total * sizeof(double) / 1e6);
    }
    /* Not zeroed: every buffer is written before it is read, and an
     * evaluation never touches (so never commits) the backward's pages. */
    double *next = net->arena;
    for (size_t i = 0; i < n_bufs; i++) {
        *bufs[i].buf = next;
        next += line_round(bufs[i].n);
    }
    return 0;
}

void odenet_free(odenet_t *net)
{
    free(net->arena); /* every workspace buffer */
    if (net->field.ws)
        convfield_free(&net->field);
    ode_solver_free(net->solver);
    memset(net, 0, sizeof *net);
}

static void init_conv(double *w, const conv_shape_t *s, rng_t *rng)
{
    double bound = 1.0 / sqrt((double)s->ci * s->kh * s->kw);
    size_t n = conv_params(s);
    for (size_t i = 0; i < n; i++)
        w[i] = bound * (2.0 * rng_uniform(rng) - 1.0);
}

static void init_gn(double *p, int C)
{
    for (int c = 0; c < C; c++) {
        p[c] = 1.0;
        p[C + c] = 0.0;
    }
}

void odenet_init_params(const odenet_t *net, double *p, rng_t *rng)
{
    int C = net->C;
    init_conv(p + net->off_conv0, &net->s0, rng);
    init_gn(p + net->off_gn0, C);
    init_conv(p + net->off_conv1, &net->s1, rng);
    init_gn(p + net->off_gn1, C);
    init_conv(p + net->off_conv2, &net->s2, rng);
    init_gn(p + net->off_gn2, C);
    int blocks = net->kind == NET_ODE ? 1 : ODENET_RES_BLOCKS;
    for (int k = 0; k < blocks; k++)
        convfield_init_params(&net->field, p + net->off_block + (size_t)k * net->block_params, rng);
    init_gn(p + net->off_gnh, C);
    /* Linear head: PyTorch's default uniform bound 1/sqrt(fan_in). */
    double bound = 1.0 / sqrt((double)C);
    for (size_t i = 0; i < 10 * (size_t)C + 10; i++)
        p[net->off_fc + i] = bound * (2.0 * rng_uniform(rng) - 1.0);
}

/* conv -> GN -> ReLU over one chunk of B examples, keeping the
 * convolution's output c and the stage's output r for the backward pass
 * (col is scratch). */
static void stage_fwd(const conv_shape_t *s, const double *p, size_t off_conv, size_t off_gn,
                      int G, const double *in, int B, double *col, double *c, double *r,
                      double *mean, double *rstd)
{
    int C = s->co, HW = s->ho * s->wo;
    const double *w = p + off_conv, *b = w + (size_t)s->co * s->ci * s->kh * s->kw;
    conv_forward(s, c, in, w, b, B, col);
    groupnorm_relu_forward(r, c, p + off_gn, p + off_gn + C, C, B, HW, G, mean, rstd);
}

/* dr (gradient of the stage's output r) -> dinp (if not NULL), over one
 * chunk; in is the stage's input, lowered again into col.  dc is scratch
 * of the size of c. */
static void stage_bwd(const conv_shape_t *s, const double *p, double *g, size_t off_conv,
                      size_t off_gn, int G, int B, const double *in, double *col, const double *c,
                      const double *r, const double *mean, const double *rstd, const double *dr,
                      double *dc, double *dinp, double *dcol)
{
    int C = s->co, HW = s->ho * s->wo;
    groupnorm_relu_backward(dc, g + off_gn, g + off_gn + C, dr, r, c, p + off_gn, C, B, HW, G,
                            mean, rstd);
    double *dw = g + off_conv, *db = dw + (size_t)s->co * s->ci * s->kh * s->kw;
    conv_lower(s, in, p + off_conv, B, col);
    conv_backward(s, dinp, dw, db, dc, p + off_conv, B, col, dcol);
}

static int thread_index(const odenet_t *net)
{
#ifdef _OPENMP
    return omp_get_thread_num() % net->n_ws;
#else
    (void)net;
    return 0;
#endif
}

/* Per-chunk offsets into the chunked tensors. */
typedef struct {
    int nb;                          /* examples in the chunk */
    size_t x, o0, o1, o2, st, pool;  /* image, 26x26, 13x13, 6x6, statistics, (B, C) */
} chunk_at_t;

static chunk_at_t chunk_at(const odenet_t *net, int k, int B)
{
    int ch = net->chunk;
    size_t C = (size_t)net->C;
    chunk_at_t at = {chunk_size(k, B, ch),
                     chunk_offset(k, ch, 784),
                     chunk_offset(k, ch, C * 26 * 26),
                     chunk_offset(k, ch, C * 13 * 13),
                     chunk_offset(k, ch, C * 36),
                     chunk_offset(k, ch, (size_t)net->G),
                     chunk_offset(k, ch, C)};
    return at;
}

static int run_pass(odenet_t *net, const double *p, const double *x, const int *labels, int B,
                    double *grad, model_result_t *res, err_t *e)
{
    if (B < 1 || B > net->max_batch)
        return err_set(e, "odenet: batch %d exceeds the workspace (%d)", B, net->max_batch);
    memset(res, 0, sizeof *res);
    int C = net->C, G = net->G, chunks = chunk_count(B, net->chunk);
    size_t n2 = (size_t)C * B * 36;
    /* The downsampling stages, a chunk per thread. */
#pragma omp parallel for num_threads(net->n_ws) schedule(static) if (chunks > 1)
    for (int k = 0; k < chunks; k++) {
        chunk_at_t at = chunk_at(net, k, B);
        double *col = net->col + (size_t)thread_index(net) * net->col_len;
        stage_fwd(&net->s0, p, net->off_conv0, net->off_gn0, G, x + at.x, at.nb, col,
                  net->c0 + at.o0, net->r0 + at.o0, net->m0 + at.st,
                  net->s0d + at.st);
        stage_fwd(&net->s1, p, net->off_conv1, net->off_gn1, G, net->r0 + at.o0, at.nb, col,
                  net->c1 + at.o1, net->r1 + at.o1, net->m1 + at.st,
                  net->s1d + at.st);
        stage_fwd(&net->s2, p, net->off_conv2, net->off_gn2, G, net->r1 + at.o1, at.nb, col,
                  net->c2 + at.o2, net->h + at.o2, net->m2 + at.st,
                  net->s2d + at.st);
    }
    int blocks = net->kind == NET_ODE ? 1 : ODENET_RES_BLOCKS;
    double T = 1.0;
    if (net->kind == NET_ODE) {
        convfield_bind(&net->field, B, p + net->off_block);
        if (ode_forward(net->solver, &net->field.f, 0.0, net->h, 1, &T, net->h + n2, e) != 0)
            return -1;
        res->ode.nfe_forward = ode_solver_stats(net->solver).nfe_forward;
    } else {
        for (int k = 0; k < blocks; k++) {
            convfield_bind(&net->field, B, p + net->off_block + (size_t)k * net->block_params);
            double *hk = net->h + (size_t)k * n2, *hn = hk + n2;
            net->field.f.rhs(net->field.f.ctx, 0.0, hk, hn);
            for (size_t i = 0; i < n2; i++)
                hn[i] += hk[i];
        }
    }
    const double *hend = net->h + (size_t)blocks * n2;
    for (int k = 0; k < chunks; k++) {
        chunk_at_t at = chunk_at(net, k, B);
        groupnorm_relu_forward(net->rh + at.o2, hend + at.o2, p + net->off_gnh,
                               p + net->off_gnh + C, C, at.nb, 36, G, net->mh + at.st,
                               net->shd + at.st);
        avgpool_forward(net->pool + at.pool, net->rh + at.o2, C, at.nb, 36);
    }
    const double *W = p + net->off_fc, *bias = W + 10 * (size_t)C;
    dense_forward(net->logits, net->pool, W, bias, B, C, 10);
    /* cross-entropy, mean over the batch (a group's when shared) */
    int mean_over = net->loss_B > 0 ? net->loss_B : B;
    double loss = 0.0;
    for (int i = 0; i < B; i++) {
        const double *z = net->logits + (size_t)i * 10;
        int best = 0;
        for (int o = 1; o < 10; o++)
            if (z[o] > z[best])
                best = o;
        res->correct += best == labels[i];
        double sum = 0.0;
        for (int o = 0; o < 10; o++)
            sum += exp(z[o] - z[best]);
        double lse = z[best] + log(sum);
        loss += lse - z[labels[i]];
        if (grad)
            for (int o = 0; o < 10; o++)
                net->dlogits[(size_t)i * 10 + o] =
                    (exp(z[o] - lse) - (o == labels[i])) / mean_over;
    }
    res->loss = loss / mean_over;
    res->count = B;
    if (!isfinite(res->loss))
        return err_set(e, "odenet: the loss is not finite");
    if (!grad)
        return 0;

    memset(grad, 0, net->n_params * sizeof *grad);
    dense_backward(net->dpool, grad + net->off_fc, grad + net->off_fc + 10 * (size_t)C,
                   net->dlogits, net->pool, W, B, C, 10);
    /* The head's GroupNorm gradient gathers the chunks in order. */
    for (int k = 0; k < chunks; k++) {
        chunk_at_t at = chunk_at(net, k, B);
        avgpool_backward(net->d_small + at.o2, net->dpool + at.pool, C, at.nb, 36);
        groupnorm_relu_backward(net->d_small2 + at.o2, grad + net->off_gnh,
                                grad + net->off_gnh + C, net->d_small + at.o2, net->rh + at.o2,
                                hend + at.o2, p + net->off_gnh, C, at.nb, 36, G, net->mh + at.st,
                                net->shd + at.st);
    }
    /* d_small2 = dL/dh_end */
    if (net->kind == NET_ODE) {
        if (ode_backward(net->solver, &net->field.f, 0.0, net->h, 1, &T, net->h + n2,
                         net->d_small2, net->d_small, grad + net->off_block, NULL, e) != 0)
            return -1;
        res->ode.nfe_backward = ode_solver_stats(net->solver).nfe_backward;
        memcpy(net->d_small2, net->d_small, n2 * sizeof(double));
    } else {
        for (int k = blocks - 1; k >= 0; k--) {
            convfield_bind(&net->field, B, p + net->off_block + (size_t)k * net->block_params);
            net->field.f.vjp(net->field.f.ctx, 0.0, net->h + (size_t)k * n2, net->d_small2, NULL,
                             net->d_small, net->vp);
            double *gk = grad + net->off_block + (size_t)k * net->block_params;
            for (size_t i = 0; i < net->block_params; i++)
                gk[i] += net->vp[i];
            for (size_t i = 0; i < n2; i++)
                net->d_small2[i] += net->d_small[i];
        }
    }
    /* d_small2 = dL/dh0: back through the three downsampling stages, a
     * chunk per thread, each chunk's gradients in its slice of gpart (or,
     * for a single chunk, in grad itself). */
    size_t nd = net->off_block;
#pragma omp parallel for num_threads(net->n_ws) schedule(static) if (chunks > 1)
    for (int k = 0; k < chunks; k++) {
        chunk_at_t at = chunk_at(net, k, B);
        size_t ti = (size_t)thread_index(net);
        double *gk = chunks > 1 ? net->gpart + (size_t)k * nd : grad;
        if (chunks > 1)
            memset(gk, 0, nd * sizeof *gk);
        double *col = net->col + ti * net->col_len, *dcol = net->dcol + ti * net->col_len;
        double *big = net->d_big + ti * net->big_len, *big2 = net->d_big2 + ti * net->big_len,
               *tmp = net->tmp_big + ti * net->big_len;
        double *dr1 = big2; /* (C, nb, 13, 13) fits in the big buffers */
        stage_bwd(&net->s2, p, gk, net->off_conv2, net->off_gn2, G, at.nb, net->r1 + at.o1, col,
                  net->c2 + at.o2, net->h + at.o2, net->m2 + at.st, net->s2d + at.st,
                  net->d_small2 + at.o2, tmp, dr1, dcol);
        double *dr0 = big;
        stage_bwd(&net->s1, p, gk, net->off_conv1, net->off_gn1, G, at.nb, net->r0 + at.o0, col,
                  net->c1 + at.o1, net->r1 + at.o1, net->m1 + at.st, net->s1d + at.st, dr1, tmp,
                  dr0, dcol);
        stage_bwd(&net->s0, p, gk, net->off_conv0, net->off_gn0, G, at.nb, x + at.x, col,
                  net->c0 + at.o0, net->r0 + at.o0, net->m0 + at.st, net->s0d + at.st, dr0, tmp,
                  NULL, dcol);
    }
    if (chunks > 1) {
        const double *gp = net->gpart;
#pragma omp parallel for num_threads(net->n_ws) schedule(static)
        for (size_t i = 0; i < nd; i++) {
            double acc = gp[i];
            for (int k = 1; k < chunks; k++)
                acc += gp[(size_t)k * nd + i];
            grad[i] = acc;
        }
    }
    return 0;
}

int odenet_run(odenet_t *net, const double *p, const double *x, const int *labels, int B,
               double *grad, model_result_t *res, err_t *e)
{
    int r = run_pass(net, p, x, labels, B, grad, res, e);
    /* The convolutions cannot return a failure of the oneDNN path; it is
     * kept, and it overrides whatever the pass computed. */
    if (conv_failure()) {
        err_set(e, "odenet: %s", conv_failure());
        conv_clear_failure();
        return -1;
    }
    return r;
}
