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

/* The residual blocks of the net: one ODE block, or ODENET_RES_BLOCKS. */
static int n_blocks(const odenet_t *net) { return net->kind == NET_ODE ? 1 : ODENET_RES_BLOCKS; }

/* Per-thread buffers start on 64-byte lines too (core/arena.h). */
static size_t line_round(size_t n)
{
    size_t line = ARENA_LINE / sizeof(double);
    return (n + line - 1) / line * line;
}

/* The parameter vector's layout: conv0 | gn0 | conv1 | gn1 | conv2 | gn2 |
 * block(s) | gnH | fc. */
static void param_offsets(odenet_t *net)
{
    size_t C = (size_t)net->C, off = 0;
    net->off_conv0 = off;
    off += conv_params(&net->s0);
    net->off_gn0 = off;
    off += 2 * C;
    net->off_conv1 = off;
    off += conv_params(&net->s1);
    net->off_gn1 = off;
    off += 2 * C;
    net->off_conv2 = off;
    off += conv_params(&net->s2);
    net->off_gn2 = off;
    off += 2 * C;
    net->off_block = off;
    off += net->block_params * (net->kind == NET_ODE ? 1 : ODENET_RES_BLOCKS);
    net->off_gnh = off;
    off += 2 * C;
    net->off_fc = off;
    off += 10 * C + 10;
    net->n_params = off;
}

/* The chunks and threads, and the workspace in one arena (shapes in
 * models/conv/odenet.h). */
static int alloc_workspace(odenet_t *net, err_t *e)
{
    int C = net->C, max_batch = net->max_batch;
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
    const arena_buf_t bufs[] = {
        ARENA_DOUBLES(net->c0, n0),
        ARENA_DOUBLES(net->r0, n0),
        ARENA_DOUBLES(net->c1, n1),
        ARENA_DOUBLES(net->r1, n1),
        ARENA_DOUBLES(net->c2, n2),
        ARENA_DOUBLES(net->h, n2 * (ODENET_RES_BLOCKS + 1)),
        ARENA_DOUBLES(net->rh, n2),
        ARENA_DOUBLES(net->d_small, n2),
        ARENA_DOUBLES(net->d_small2, n2),
        ARENA_DOUBLES(net->pool, B * C),
        ARENA_DOUBLES(net->dpool, B * C),
        ARENA_DOUBLES(net->logits, B * 10),
        ARENA_DOUBLES(net->dlogits, B * 10),
        ARENA_DOUBLES(net->vp, net->block_params),
        ARENA_DOUBLES(net->gpart, (size_t)chunks * net->off_block),
        ARENA_DOUBLES(net->m0, st),
        ARENA_DOUBLES(net->s0d, st),
        ARENA_DOUBLES(net->m1, st),
        ARENA_DOUBLES(net->s1d, st),
        ARENA_DOUBLES(net->m2, st),
        ARENA_DOUBLES(net->s2d, st),
        ARENA_DOUBLES(net->mh, st),
        ARENA_DOUBLES(net->shd, st),
        ARENA_DOUBLES(net->col, nw * net->col_len),
        ARENA_DOUBLES(net->dcol, nw * net->col_len),
        ARENA_DOUBLES(net->d_big, nw * net->big_len),
        ARENA_DOUBLES(net->d_big2, nw * net->big_len),
        ARENA_DOUBLES(net->tmp_big, nw * net->big_len),
    };
    size_t n_bufs = sizeof bufs / sizeof bufs[0];
    /* Not zeroed: every buffer is written before it is read, and an
     * evaluation never touches (so never commits) the backward's pages. */
    if (arena_layout(&net->arena, bufs, n_bufs) != 0)
        return err_set(e, "odenet: no memory for a workspace of %.0f MB",
                       (double)arena_bytes(bufs, n_bufs) / 1e6);
    return 0;
}

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
    param_offsets(net);
    if (kind == NET_ODE && ode_solver_create(&net->solver, ode, e) != 0) {
        odenet_free(net);
        return -1;
    }
    if (alloc_workspace(net, e) != 0) {
        odenet_free(net);
        return -1;
    }
    return 0;
}

void odenet_free(odenet_t *net)
{
    arena_free(&net->arena); /* every workspace buffer */
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
    for (int k = 0; k < n_blocks(net); k++)
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

/* The three downsampling stages, a chunk per thread: x -> h0 (C, B, 6, 6). */
static void downsample_forward(odenet_t *net, const double *p, const double *x, int B,
                               int chunks)
{
    int G = net->G;
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
}

/* h0 -> h_end: the ODE solved over [0, 1], or the residual blocks. */
static int blocks_forward(odenet_t *net, const double *p, int B, model_result_t *res, err_t *e)
{
    size_t n2 = (size_t)net->C * B * 36;
    double T = 1.0;
    if (net->kind == NET_ODE) {
        convfield_bind(&net->field, B, p + net->off_block);
        if (ode_forward(net->solver, &net->field.f, 0.0, net->h, 1, &T, net->h + n2, e) != 0)
            return -1;
        res->ode.nfe_forward = ode_solver_stats(net->solver).nfe_forward;
        return 0;
    }
    for (int k = 0; k < n_blocks(net); k++) {
        convfield_bind(&net->field, B, p + net->off_block + (size_t)k * net->block_params);
        double *hk = net->h + (size_t)k * n2, *hn = hk + n2;
        net->field.f.rhs(net->field.f.ctx, 0.0, hk, hn);
        for (size_t i = 0; i < n2; i++)
            hn[i] += hk[i];
    }
    return 0;
}

/* The head: h_end -> GN ReLU -> average pool -> logits (B, 10). */
static void head_forward(odenet_t *net, const double *p, const double *hend, int B, int chunks)
{
    int C = net->C;
    for (int k = 0; k < chunks; k++) {
        chunk_at_t at = chunk_at(net, k, B);
        groupnorm_relu_forward(net->rh + at.o2, hend + at.o2, p + net->off_gnh,
                               p + net->off_gnh + C, C, at.nb, 36, net->G, net->mh + at.st,
                               net->shd + at.st);
        avgpool_forward(net->pool + at.pool, net->rh + at.o2, C, at.nb, 36);
    }
    const double *W = p + net->off_fc, *bias = W + 10 * (size_t)C;
    dense_forward(net->logits, net->pool, W, bias, B, C, 10);
}

/* Cross-entropy of the logits, mean over the batch (a group's when
 * shared), into res; with want_grad, its gradient into dlogits. */
static int loss_forward(odenet_t *net, const int *labels, int B, int want_grad,
                        model_result_t *res, err_t *e)
{
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
        if (want_grad)
            for (int o = 0; o < 10; o++)
                net->dlogits[(size_t)i * 10 + o] =
                    (exp(z[o] - lse) - (o == labels[i])) / mean_over;
    }
    res->loss = loss / mean_over;
    res->count = B;
    if (!isfinite(res->loss))
        return err_set(e, "odenet: the loss is not finite");
    return 0;
}

/* dlogits -> d_small2 = dL/dh_end, and the head's parameter gradients. */
static void head_backward(odenet_t *net, const double *p, double *grad, const double *hend,
                          int B, int chunks)
{
    int C = net->C;
    const double *W = p + net->off_fc;
    dense_backward(net->dpool, grad + net->off_fc, grad + net->off_fc + 10 * (size_t)C,
                   net->dlogits, net->pool, W, B, C, 10);
    /* The head's GroupNorm gradient gathers the chunks in order. */
    for (int k = 0; k < chunks; k++) {
        chunk_at_t at = chunk_at(net, k, B);
        avgpool_backward(net->d_small + at.o2, net->dpool + at.pool, C, at.nb, 36);
        groupnorm_relu_backward(net->d_small2 + at.o2, grad + net->off_gnh,
                                grad + net->off_gnh + C, net->d_small + at.o2, net->rh + at.o2,
                                hend + at.o2, p + net->off_gnh, C, at.nb, 36, net->G,
                                net->mh + at.st, net->shd + at.st);
    }
}

/* d_small2 = dL/dh_end -> dL/dh0 (in d_small2 again): the adjoint of the
 * ODE, or back through the residual blocks. */
static int blocks_backward(odenet_t *net, const double *p, double *grad, int B,
                           model_result_t *res, err_t *e)
{
    size_t n2 = (size_t)net->C * B * 36;
    double T = 1.0;
    if (net->kind == NET_ODE) {
        if (ode_backward(net->solver, &net->field.f, 0.0, net->h, 1, &T, net->h + n2,
                         net->d_small2, net->d_small, grad + net->off_block, NULL, e) != 0)
            return -1;
        res->ode.nfe_backward = ode_solver_stats(net->solver).nfe_backward;
        memcpy(net->d_small2, net->d_small, n2 * sizeof(double));
        return 0;
    }
    for (int k = n_blocks(net) - 1; k >= 0; k--) {
        convfield_bind(&net->field, B, p + net->off_block + (size_t)k * net->block_params);
        net->field.f.vjp(net->field.f.ctx, 0.0, net->h + (size_t)k * n2, net->d_small2, NULL,
                         net->d_small, net->vp);
        double *gk = grad + net->off_block + (size_t)k * net->block_params;
        for (size_t i = 0; i < net->block_params; i++)
            gk[i] += net->vp[i];
        for (size_t i = 0; i < n2; i++)
            net->d_small2[i] += net->d_small[i];
    }
    return 0;
}

/* d_small2 = dL/dh0: back through the three downsampling stages, a chunk
 * per thread, each chunk's gradients in its slice of gpart (or, for a
 * single chunk, in grad itself). */
static void downsample_backward(odenet_t *net, const double *p, const double *x, double *grad,
                                int B, int chunks)
{
    int G = net->G;
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
}

/* The chunks' gradients of the downsampling stages (gpart), summed in
 * chunk order into grad. */
static void sum_chunk_grads(odenet_t *net, double *grad, int chunks)
{
    size_t nd = net->off_block;
    const double *gp = net->gpart;
#pragma omp parallel for num_threads(net->n_ws) schedule(static)
    for (size_t i = 0; i < nd; i++) {
        double acc = gp[i];
        for (int k = 1; k < chunks; k++)
            acc += gp[(size_t)k * nd + i];
        grad[i] = acc;
    }
}

static int run_pass(odenet_t *net, const double *p, const double *x, const int *labels, int B,
                    double *grad, model_result_t *res, err_t *e)
{
    if (B < 1 || B > net->max_batch)
        return err_set(e, "odenet: batch %d exceeds the workspace (%d)", B, net->max_batch);
    memset(res, 0, sizeof *res);
    int chunks = chunk_count(B, net->chunk);
    downsample_forward(net, p, x, B, chunks);
    if (blocks_forward(net, p, B, res, e) != 0)
        return -1;
    size_t n2 = (size_t)net->C * B * 36;
    const double *hend = net->h + (size_t)n_blocks(net) * n2; /* h_end (C, B, 6, 6) */
    head_forward(net, p, hend, B, chunks);
    if (loss_forward(net, labels, B, grad != NULL, res, e) != 0)
        return -1;
    if (!grad)
        return 0;

    memset(grad, 0, net->n_params * sizeof *grad);
    head_backward(net, p, grad, hend, B, chunks);
    if (blocks_backward(net, p, grad, B, res, e) != 0)
        return -1;
    downsample_backward(net, p, x, grad, B, chunks);
    if (chunks > 1)
        sum_chunk_grads(net, grad, chunks);
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
