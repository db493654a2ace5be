/* Convolution, GroupNorm and pooling: forward against direct formulas,
 * backward against central finite differences (relative error <= 1e-7;
 * these are polynomial or smooth maps, so differences are exact to
 * round-off). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/conv.h"
#include "models/conv/conv_field.h"
#include "models/conv/odenet.h"
#include "core/rng.h"
#include "test_util.h"

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* Direct convolution, for the forward check. */
static double direct(const conv_shape_t *s, const double *inp, const double *w, const double *b,
                     int B, int o, int bi, int oy, int ox)
{
    double acc = b[o];
    for (int c = 0; c < s->ci; c++)
        for (int i = 0; i < s->kh; i++)
            for (int j = 0; j < s->kw; j++) {
                int y = oy * s->stride + i - s->pad, x = ox * s->stride + j - s->pad;
                if (y < 0 || y >= s->h || x < 0 || x >= s->w)
                    continue;
                acc += w[((o * s->ci + c) * s->kh + i) * s->kw + j] *
                       inp[(((size_t)c * B + bi) * s->h + y) * s->w + x];
            }
    return acc;
}

static void check_conv(int ci, int co, int k, int stride, int pad, int h, int B)
{
    rng_t r;
    rng_seed(&r, (uint64_t)(ci * 100 + k * 10 + stride));
    conv_shape_t s;
    assert_int_equal(conv_shape(&s, ci, co, k, stride, pad, h, h), 0);
    size_t nin = (size_t)ci * B * h * h, nout = (size_t)co * B * s.ho * s.wo,
           nw = (size_t)co * ci * k * k;
    double *inp = malloc(nin * sizeof *inp), *w = malloc(nw * sizeof *w), *b = malloc(co * sizeof *b);
    double *out = malloc(nout * sizeof *out), *c = malloc(nout * sizeof *c);
    double *col = malloc(conv_col_size(&s, B) * sizeof *col), *dcol = malloc(conv_col_size(&s, B) * sizeof *dcol);
    double *din = malloc(nin * sizeof *din), *dw = calloc(nw, sizeof *dw), *db = calloc(co, sizeof *db);
    fill_uniform(&r, inp, nin, 1.0);
    fill_uniform(&r, w, nw, 1.0);
    fill_uniform(&r, b, co, 1.0);
    fill_uniform(&r, c, nout, 1.0);
    conv_forward(&s, out, inp, w, b, B, col);
    for (int o = 0; o < co; o++)
        for (int bi = 0; bi < B; bi++)
            for (int oy = 0; oy < s.ho; oy++)
                for (int ox = 0; ox < s.wo; ox++) {
                    double want = direct(&s, inp, w, b, B, o, bi, oy, ox);
                    double got = out[(((size_t)o * B + bi) * s.ho + oy) * s.wo + ox];
                    assert_true(fabs(got - want) < 1e-12);
                }
    conv_backward(&s, din, dw, db, c, w, B, col, dcol);
    const double h_fd = 1e-6;
    double *fd = malloc((nin > nw ? nin : nw) * sizeof *fd);
    double *arrays[3] = {inp, w, b}, *grads[3] = {din, dw, db};
    size_t lens[3] = {nin, nw, (size_t)co};
    for (int a = 0; a < 3; a++) {
        for (size_t i = 0; i < lens[a]; i++) {
            double keep = arrays[a][i];
            arrays[a][i] = keep + h_fd;
            conv_forward(&s, out, inp, w, b, B, col);
            double lp = dot(c, out, nout);
            arrays[a][i] = keep - h_fd;
            conv_forward(&s, out, inp, w, b, B, col);
            double lm = dot(c, out, nout);
            arrays[a][i] = keep;
            fd[i] = (lp - lm) / (2 * h_fd);
        }
        double e = grad_rel_err(grads[a], fd, lens[a]);
        if (e > 1e-7)
            fail_msg("conv %d->%d k%d s%d p%d: gradient %d error %.3g", ci, co, k, stride, pad, a, e);
    }
    free(inp); free(w); free(b); free(out); free(c); free(col); free(dcol);
    free(din); free(dw); free(db); free(fd);
}

static void conv_matches_direct_and_fd(void **state)
{
    (void)state;
    check_conv(3, 4, 3, 1, 1, 5, 2);  /* the ODE block's 3x3, padding 1 */
    check_conv(2, 3, 4, 2, 1, 6, 2);  /* the 4x4 stride-2 downsampling */
    check_conv(1, 2, 3, 1, 0, 7, 3);  /* the first layer: 3x3, no padding */
}

static double gn_loss(const double *x, const double *g, const double *bt, const double *c,
                      int C, int B, int HW, int G, double *y, double *mu, double *rs)
{
    groupnorm_forward(y, x, g, bt, C, B, HW, G, mu, rs);
    return dot(c, y, (size_t)C * B * HW);
}

static void groupnorm_matches_fd(void **state)
{
    (void)state;
    int C = 4, B = 2, HW = 5, G = 2;
    size_t n = (size_t)C * B * HW;
    rng_t r;
    rng_seed(&r, 7);
    double x[40], y[40], c[40], dx[40], fd[40], g[4], bt[4], dg[4] = {0}, dbt[4] = {0};
    double mu[4], rs[4];
    fill_uniform(&r, x, n, 1.0);
    fill_uniform(&r, c, n, 1.0);
    fill_uniform(&r, g, 4, 1.0);
    fill_uniform(&r, bt, 4, 1.0);
    groupnorm_forward(y, x, g, bt, C, B, HW, G, mu, rs);
    /* With gamma = 1, beta = 0 each group has mean 0 and variance ~1. */
    double ones[4] = {1, 1, 1, 1}, zeros[4] = {0};
    double yn[40];
    groupnorm_forward(yn, x, ones, zeros, C, B, HW, G, mu, rs);
    double s = 0, s2 = 0;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < HW; i++) { /* group 0 of example 0: channels 0, 1 */
            double v = yn[((size_t)k * B + 0) * HW + i];
            s += v;
            s2 += v * v;
        }
    assert_true(fabs(s / 10) < 1e-12);
    assert_true(fabs(s2 / 10 - 1.0) < 1e-3);
    groupnorm_forward(y, x, g, bt, C, B, HW, G, mu, rs);
    groupnorm_backward(dx, dg, dbt, c, x, g, C, B, HW, G, mu, rs);
    const double h = 1e-6;
    double *arrays[3] = {x, g, bt}, *grads[3] = {dx, dg, dbt};
    size_t lens[3] = {n, 4, 4};
    for (int a = 0; a < 3; a++) {
        for (size_t i = 0; i < lens[a]; i++) {
            double keep = arrays[a][i];
            arrays[a][i] = keep + h;
            double lp = gn_loss(x, g, bt, c, C, B, HW, G, y, mu, rs);
            arrays[a][i] = keep - h;
            double lm = gn_loss(x, g, bt, c, C, B, HW, G, y, mu, rs);
            arrays[a][i] = keep;
            fd[i] = (lp - lm) / (2 * h);
        }
        double e = grad_rel_err(grads[a], fd, lens[a]);
        if (e > 1e-7)
            fail_msg("groupnorm gradient %d error %.3g", a, e);
    }
}

static void avgpool_matches_fd(void **state)
{
    (void)state;
    int C = 3, B = 2, HW = 4;
    rng_t r;
    rng_seed(&r, 9);
    double x[24], c[6], out[6], dx[24];
    fill_uniform(&r, x, 24, 1.0);
    fill_uniform(&r, c, 6, 1.0);
    avgpool_forward(out, x, C, B, HW);
    /* example 1, channel 2 is the mean of its 4 pixels */
    double m = (x[(2 * B + 1) * HW] + x[(2 * B + 1) * HW + 1] + x[(2 * B + 1) * HW + 2] +
                x[(2 * B + 1) * HW + 3]) / 4;
    assert_true(fabs(out[1 * C + 2] - m) < 1e-15);
    avgpool_backward(dx, c, C, B, HW);
    for (int i = 0; i < 24; i++) {
        int ch = i / (B * HW), b = (i / HW) % B;
        assert_true(fabs(dx[i] - c[b * C + ch] / HW) < 1e-15);
    }
}

/* The ODE-Net vector field: a^T f against finite differences in the
 * state, the parameters and t (the time channel's gradient). */
static void check_convfield(int B, int chunk, int threads)
{
    convfield_t cf;
    err_t e = {{0}};
    int C = 4, H = 3, W = 3, G = 2;
    conv_set_chunk(chunk);
    conv_set_threads(threads);
    int rc = convfield_init(&cf, C, H, W, G, B, &e);
    conv_set_chunk(0);
    conv_set_threads(1);
    if (rc != 0)
        fail_msg("%s", e.msg);
    rng_t r;
    rng_seed(&r, 31);
    size_t np = cf.n_params, n = (size_t)C * B * H * W;
    double *th = malloc(np * sizeof *th), *gp = malloc(np * sizeof *gp), *fdp = malloc(np * sizeof *fdp);
    double y[108], a[108], gy[108], fdy[108], f0[108], tmp[108];
    convfield_init_params(&cf, th, &r);
    /* Perturb gamma and beta away from 1 and 0 so their paths count. */
    for (size_t i = 0; i < np; i++)
        th[i] += 0.3 * (2.0 * rng_uniform(&r) - 1.0);
    fill_uniform(&r, y, n, 1.0);
    fill_uniform(&r, a, n, 1.0);
    convfield_bind(&cf, B, th);
    double t = 0.4;
    assert_int_equal(cf.f.vjp(cf.f.ctx, t, y, a, f0, gy, gp), 0);
    double gt = cf.last_dt;
    cf.f.rhs(cf.f.ctx, t, y, tmp);
    for (size_t i = 0; i < n; i++)
        assert_true(fabs(tmp[i] - f0[i]) < 1e-14);
    const double h = 1e-6;
    for (size_t i = 0; i < np; i++) {
        double keep = th[i];
        th[i] = keep + h;
        cf.f.rhs(cf.f.ctx, t, y, tmp);
        double lp = dot(a, tmp, n);
        th[i] = keep - h;
        cf.f.rhs(cf.f.ctx, t, y, tmp);
        double lm = dot(a, tmp, n);
        th[i] = keep;
        fdp[i] = (lp - lm) / (2 * h);
    }
    for (size_t i = 0; i < n; i++) {
        double keep = y[i];
        y[i] = keep + h;
        cf.f.rhs(cf.f.ctx, t, y, tmp);
        double lp = dot(a, tmp, n);
        y[i] = keep - h;
        cf.f.rhs(cf.f.ctx, t, y, tmp);
        double lm = dot(a, tmp, n);
        y[i] = keep;
        fdy[i] = (lp - lm) / (2 * h);
    }
    cf.f.rhs(cf.f.ctx, t + h, y, tmp);
    double lp = dot(a, tmp, n);
    cf.f.rhs(cf.f.ctx, t - h, y, tmp);
    double fdt = (lp - dot(a, tmp, n)) / (2 * h);
    double ep = grad_rel_err(gp, fdp, np), ey = grad_rel_err(gy, fdy, n);
    double et = fabs(gt - fdt) / fmax(fabs(fdt), 1e-12);
    if (ep > 1e-6 || ey > 1e-6 || et > 1e-6)
        fail_msg("conv field (batch %d, chunks of %d): parameter error %.3g, state error %.3g, "
                 "time error %.3g", B, chunk, ep, ey, et);
    convfield_free(&cf);
    free(th);
    free(gp);
    free(fdp);
}

static void convfield_vjp_matches_fd(void **state)
{
    (void)state;
    check_convfield(2, 8, 1);
    check_convfield(3, 2, 2); /* chunks of 2 and 1 on two threads */
}

/* Whole ODE-Net and ResNet (4 channels, batch 2) against central
 * differences of the loss, every 7th parameter.  These networks are full of
 * ReLUs, so the loss is only piecewise smooth in the parameters: the
 * difference step must be small enough not to cross a kink (h = 1e-7; at
 * 1e-4 even the ResNet's differences are off by 4e-3), and the ODE-Net is
 * integrated with fixed-step RK4 (400 steps), because an adaptive solver's
 * step pattern jumps when an activation changes sign (at rtol = 1e-10 the
 * differences were off by 0.19).  The adjoint then agrees to 2e-8. */
static void check_net(net_kind_t kind, int B, int chunk, int threads)
{
    conv_set_chunk(chunk);
    conv_set_threads(threads);
    odenet_t net;
    err_t e = {{0}};
    ode_options_t o = ode_options_default();
    o.rtol = o.atol = 1e-10;
    o.max_steps = 100000;
    o.method = ODE_RK4;
    o.fixed_steps = 400;
    if (odenet_create(&net, kind, 4, B, &o, &e) != 0)
        fail_msg("%s", e.msg);
    conv_set_chunk(0);
    conv_set_threads(1);
    rng_t r;
    rng_seed(&r, 77);
    size_t np = net.n_params;
    double *p = malloc(np * sizeof *p), *g = malloc(np * sizeof *g), *fd = malloc(np * sizeof *fd);
    odenet_init_params(&net, p, &r);
    for (size_t i = 0; i < np; i++)
        p[i] += 0.2 * (2.0 * rng_uniform(&r) - 1.0);
    double x[3 * 784];
    for (int i = 0; i < 3 * 784; i++)
        x[i] = rng_uniform(&r);
    int labels[3] = {3, 7, 1};
    model_result_t res;
    if (odenet_run(&net, p, x, labels, B, g, &res, &e) != 0)
        fail_msg("%s", e.msg);
    const double h = 1e-7;
    /* Every 7th parameter (about 150), which covers every layer. */
    size_t m = 0;
    for (size_t i = 0; i < np; i += 7) {
        g[m] = g[i];
        double keep = p[i];
        p[i] = keep + h;
        assert_int_equal(odenet_run(&net, p, x, labels, B, NULL, &res, &e), 0);
        double lp = res.loss;
        p[i] = keep - h;
        assert_int_equal(odenet_run(&net, p, x, labels, B, NULL, &res, &e), 0);
        p[i] = keep;
        fd[m++] = (lp - res.loss) / (2 * h);
    }
    double err = grad_rel_err(g, fd, m);
    print_message("  %s (%zu parameters, batch %d in chunks of %d, %d thread%s): relative "
                  "error %.2e\n", kind == NET_ODE ? "ODE-Net" : "ResNet", np, B, chunk, threads,
                  threads > 1 ? "s" : "", err);
    if (err > 1e-6)
        fail_msg("%s gradient error %.3g", kind == NET_ODE ? "ODE-Net" : "ResNet", err);
    free(p);
    free(g);
    free(fd);
    odenet_free(&net);
}

static void odenet_gradient_matches_fd(void **state)
{
    (void)state;
    check_net(NET_RESNET, 2, 8, 1);
    check_net(NET_ODE, 2, 8, 1);
    /* Three examples in chunks of 2 and 1, on two threads: the chunk
     * offsets, the short last chunk and the sum of the chunks' gradients. */
    check_net(NET_RESNET, 3, 2, 2);
    check_net(NET_ODE, 3, 2, 2);
}

/* Runs one convolution (the ODE block's 65 -> 64, 3x3, pad 1 at batch 16,
 * big enough for the threaded loops) forward and backward, then GroupNorm
 * forward and backward on its output; returns everything in one array. */
static double *conv_gn_run(size_t *len)
{
    int ci = 65, co = 64, B = 16, HW = 36, G = 32;
    conv_shape_t s;
    assert_int_equal(conv_shape(&s, ci, co, 3, 1, 1, 6, 6), 0);
    size_t nin = (size_t)ci * B * HW, nout = (size_t)co * B * HW, nw = (size_t)co * ci * 9;
    size_t total = nout + nin + nw + co + nout + nout + 2 * (size_t)co;
    double *r = calloc(total, sizeof *r);
    double *out = r, *din = out + nout, *dw = din + nin, *db = dw + nw, *y = db + co,
           *dx = y + nout, *dg = dx + nout, *dbt = dg + co;
    rng_t rng;
    rng_seed(&rng, 11);
    double *inp = malloc(nin * sizeof *inp), *w = malloc(nw * sizeof *w), *b = malloc(co * sizeof *b),
           *c = malloc(nout * sizeof *c), *gam = malloc(co * sizeof *gam),
           *bet = malloc(co * sizeof *bet), *mu = malloc(B * G * sizeof *mu),
           *rs = malloc(B * G * sizeof *rs);
    fill_uniform(&rng, inp, nin, 1.0);
    fill_uniform(&rng, w, nw, 1.0);
    fill_uniform(&rng, b, co, 1.0);
    fill_uniform(&rng, c, nout, 1.0);
    fill_uniform(&rng, gam, co, 1.0);
    fill_uniform(&rng, bet, co, 1.0);
    double *col = malloc(conv_col_size(&s, B) * sizeof *col),
           *dcol = malloc(conv_col_size(&s, B) * sizeof *dcol);
    conv_forward(&s, out, inp, w, b, B, col);
    conv_backward(&s, din, dw, db, c, w, B, col, dcol);
    groupnorm_forward(y, out, gam, bet, co, B, HW, G, mu, rs);
    groupnorm_backward(dx, dg, dbt, c, out, gam, co, B, HW, G, mu, rs);
    free(inp); free(w); free(b); free(c); free(gam); free(bet); free(mu); free(rs);
    free(col); free(dcol);
    *len = total;
    return r;
}

/* Precision and backend of the convolutions: 0 double, 1 float32 with our
 * im2col and sgemm, 2 float32 in oneDNN. */
static void set_mode(int mode)
{
    conv_set_single(mode > 0);
    conv_set_onednn(mode == 2);
}

/* The loops around the gemms give the same bits on one thread or two, so
 * the thread count never changes a result (the gemms run on one thread
 * here, as in the checked profiles' defaults), in every mode. */
static void conv_threads_do_not_change_results(void **state)
{
    (void)state;
    for (int single = 0; single < 3; single++) {
        size_t n1, n2;
        set_mode(single);
        conv_set_threads(1);
        double *one = conv_gn_run(&n1);
        conv_set_threads(2);
        double *two = conv_gn_run(&n2);
        conv_set_threads(1);
        set_mode(0);
        assert_null(conv_failure());
        assert_int_equal(n1, n2);
        assert_memory_equal(one, two, n1 * sizeof *one);
        free(one);
        free(two);
    }
}

/* One ODE-Net (8 channels, dopri5 at 1e-3) or ResNet training step on 20
 * random images with the given chunk size and thread count: the loss, the
 * logits, the final states and the gradient in one array. */
static double *net_step(net_kind_t kind, int chunk, int threads, size_t *len)
{
    enum { B = 20, C = 8 };
    conv_set_chunk(chunk);
    conv_set_threads(threads);
    odenet_t net;
    err_t e = {{0}};
    ode_options_t o = ode_options_default();
    if (odenet_create(&net, kind, C, B, &o, &e) != 0)
        fail_msg("%s", e.msg);
    rng_t r;
    rng_seed(&r, 5);
    size_t np = net.n_params, ns = (size_t)C * 36 * B;
    double *p = malloc(np * sizeof *p), *x = malloc(B * 784 * sizeof *x);
    odenet_init_params(&net, p, &r);
    fill_uniform(&r, x, B * 784, 1.0);
    int labels[B];
    for (int i = 0; i < B; i++)
        labels[i] = i % 10;
    *len = 1 + B * 10 + ns + np;
    double *out = malloc(*len * sizeof *out);
    model_result_t res;
    if (odenet_run(&net, p, x, labels, B, out + 1 + B * 10 + ns, &res, &e) != 0)
        fail_msg("%s", e.msg);
    out[0] = res.loss;
    memcpy(out + 1, net.logits, B * 10 * sizeof *out);
    /* The final states, example by example (chunked_index). */
    const double *hend = net.h + (kind == NET_ODE ? 1 : ODENET_RES_BLOCKS) * ns;
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++)
            for (int i = 0; i < 36; i++)
                out[1 + B * 10 + ((size_t)b * C + c) * 36 + i] =
                    hend[chunked_index(c, b, i, C, 36, B, net.chunk)];
    odenet_free(&net);
    free(p);
    free(x);
    conv_set_chunk(0);
    conv_set_threads(1);
    return out;
}

/* A batch cut into chunks (8, 8, 4) gives the same bits on one thread or
 * two, in double and in float32. */
static void odenet_threads_do_not_change_results(void **state)
{
    (void)state;
    for (int single = 0; single < 3; single++)
        for (int kind = 0; kind < 2; kind++) {
            set_mode(single);
            size_t n1, n2;
            double *one = net_step(kind ? NET_RESNET : NET_ODE, 8, 1, &n1);
            double *two = net_step(kind ? NET_RESNET : NET_ODE, 8, 2, &n2);
            set_mode(0);
            assert_int_equal(n1, n2);
            assert_memory_equal(one, two, n1 * sizeof *one);
            free(one);
            free(two);
        }
}

/* Chunks change only the order of sums: a ResNet step in chunks of 3
 * (7 chunks, the last of 2) agrees with the whole batch as one chunk to
 * round-off, states and gradients alike, so the chunked layout is read and
 * written consistently everywhere. */
static void odenet_chunks_change_only_rounding(void **state)
{
    (void)state;
    size_t n1, n2;
    double *whole = net_step(NET_RESNET, 20, 1, &n1);
    double *cut = net_step(NET_RESNET, 3, 2, &n2);
    assert_int_equal(n1, n2);
    double err = grad_rel_err(cut, whole, n1);
    print_message("  ResNet step in chunks of 3 against one chunk: relative difference %.2g\n",
                  err);
    assert_true(err < 1e-12);
    free(whole);
    free(cut);
}

/* A whole float32 step (ResNet, and ODE-Net with its adaptive solve) is the
 * double step to single-precision round-off: loss, logits, states and
 * gradients within 1e-4 relative (measured: about 1e-6). */
static void odenet_float32_step_matches_double(void **state)
{
    (void)state;
    for (int run = 0; run < 4; run++) {
        int kind = run % 2, mode = 1 + run / 2;
        size_t n1, n2;
        double *d = net_step(kind ? NET_RESNET : NET_ODE, 8, 2, &n1);
        set_mode(mode);
        double *f = net_step(kind ? NET_RESNET : NET_ODE, 8, 2, &n2);
        set_mode(0);
        assert_int_equal(n1, n2);
        double err = grad_rel_err(f, d, n1);
        print_message("  %s step, float32 (%s) against double: relative difference %.2g\n",
                      kind ? "ResNet" : "ODE-Net", mode == 2 ? "oneDNN" : "sgemm", err);
        assert_true(err > 0 && err < 1e-4);
        free(d);
        free(f);
    }
}

/* The float32 path computes the same convolution and gradients to float
 * round-off: relative error below 1e-5 (and above 0, so the float path
 * really ran), against the double path checked by FD above. */
static void conv_float32_matches_double(void **state)
{
    (void)state;
    for (int mode = 1; mode <= 2; mode++) {
        size_t n1, n2;
        double *d = conv_gn_run(&n1);
        set_mode(mode);
        double *f = conv_gn_run(&n2);
        set_mode(0);
        assert_null(conv_failure());
        assert_int_equal(n1, n2);
        double e = grad_rel_err(f, d, n1);
        print_message("  float32 (%s) against double: relative error %.2g\n",
                      mode == 2 ? "oneDNN" : "sgemm", e);
        assert_true(e > 0 && e < 1e-5);
        free(d);
        free(f);
    }
}

/* Chen et al.'s architecture at 64 channels: the parameter counts. */
static void odenet_parameter_counts(void **state)
{
    (void)state;
    odenet_t net;
    err_t e = {{0}};
    ode_options_t o = ode_options_default();
    assert_int_equal(odenet_create(&net, NET_ODE, 64, 1, &o, &e), 0);
    size_t ode = net.n_params;
    odenet_free(&net);
    assert_int_equal(odenet_create(&net, NET_RESNET, 64, 1, &o, &e), 0);
    size_t resnet = net.n_params;
    odenet_free(&net);
    print_message("  parameters: ODE-Net %zu, ResNet %zu\n", ode, resnet);
    /* By hand: conv0 640, 3 GroupNorms 384, two 4x4 convs 131200, head GN
     * 128 and linear 650; ODE block 2 x (64*65*9 + 64) + 3 x 128 = 75392;
     * ResNet block 2 x (64*64*9 + 64) + 2 x 128 = 74112, six of them. */
    assert_int_equal(ode, 640 + 384 + 131200 + 128 + 650 + 75392);
    assert_int_equal(resnet, 640 + 384 + 131200 + 128 + 650 + 6 * 74112);
}

const struct CMUnitTest conv_tests[] = {
    cmocka_unit_test(odenet_parameter_counts),
    cmocka_unit_test(odenet_gradient_matches_fd),
    cmocka_unit_test(convfield_vjp_matches_fd),
    cmocka_unit_test(conv_matches_direct_and_fd),
    cmocka_unit_test(conv_threads_do_not_change_results),
    cmocka_unit_test(conv_float32_matches_double),
    cmocka_unit_test(odenet_threads_do_not_change_results),
    cmocka_unit_test(odenet_chunks_change_only_rounding),
    cmocka_unit_test(odenet_float32_step_matches_double),
    cmocka_unit_test(groupnorm_matches_fd),
    cmocka_unit_test(avgpool_matches_fd),
};
const size_t conv_tests_count = sizeof conv_tests / sizeof conv_tests[0];
