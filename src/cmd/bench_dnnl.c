/* bench-dnnl: the ODE-Net's convolutions in oneDNN (Debian's libdnnl 2.6,
 * the library PyTorch's CPU convolutions run on) beside ours, same shapes,
 * same threads, float32, one sitting.  Issue 15 asks whether our own path
 * or oneDNN should carry the convolutions; this is the measurement.
 *
 * For each convolution of the network at batch 128 it times, in ms per
 * call (median of the repeats): the forward pass, the input gradient
 * (backward data) and the weight and bias gradient (backward weights):
 *   - oneDNN with the memory layouts it prefers (format "any": blocked
 *     nChw16c/nChw8c on AVX-512/AVX2), reorders excluded;
 *   - oneDNN on plain NCHW tensors (what a caller without its own blocked
 *     layout gets);
 *   - ours: conv_forward / conv_backward_set in single precision on chunks
 *     of CONV_CHUNK_DEFAULT examples, one OpenMP thread per chunk, as the
 *     models run them (ours keeps double activations; the gemm is sgemm).
 * Rows: conv_NAME_{dnnl_any,dnnl_nchw,ours}_{fwd,bwd_data,bwd_weights}_ms
 * and the same as GFLOP/s (2 * Co * Ci * kh * kw * Ho * Wo * B per call).
 *
 * usage: bench-dnnl --out FILE.tsv [--threads N] [--repeats N] [--chunk N]
 * (--chunk: examples per chunk of the dnnl_chunks rows, default the models'). */
#include <dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "nn/conv.h"
#include "core/util.h"

static FILE *out_file;

static void report(const char *name, double value, const char *what)
{
    fprintf(out_file, "%s\t%g\t%s\n", name, value, what);
    printf("%-44s %10.3f  %s\n", name, value, what);
    fflush(stdout);
}

#define DN(call)                                                                           \
    do {                                                                                   \
        dnnl_status_t st_ = (call);                                                        \
        if (st_ != dnnl_success)                                                           \
            die("%s failed (oneDNN status %d)", #call, (int)st_);                          \
    } while (0)

typedef struct {
    const char *name;
    int ci, co, k, stride, pad, h, w;
} shape_t;

/* The network at batch 128 (Chen et al.'s MNIST ODE-Net, stages/odenet):
 * the downsampling convolutions, the ODE field's ConcatConv (64 channels
 * plus the time channel in), and the ResNet blocks' convolution. */
static const shape_t shapes[] = {
    {"down1", 1, 64, 3, 1, 0, 28, 28},  {"down2", 64, 64, 4, 2, 1, 26, 26},
    {"down3", 64, 64, 4, 2, 1, 13, 13}, {"field", 65, 64, 3, 1, 1, 6, 6},
    {"block", 64, 64, 3, 1, 1, 6, 6},
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int repeats = 20;

/* Median time in ms of one call of fn. */
static double time_ms(void (*fn)(void *), void *arg)
{
    double *t = xmalloc((size_t)repeats * sizeof *t);
    fn(arg); /* warm-up: first-touch pages, JIT kernels */
    for (int r = 0; r < repeats; r++) {
        double t0 = monotonic_seconds();
        fn(arg);
        t[r] = 1e3 * (monotonic_seconds() - t0);
    }
    qsort(t, (size_t)repeats, sizeof *t, cmp_double);
    double m = t[repeats / 2];
    free(t);
    return m;
}

/* ------------------------------------------------------------ oneDNN */

typedef struct {
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    dnnl_primitive_t prim;
    int nargs;
    dnnl_exec_arg_t args[4];
} dnnl_call_t;

static void run_dnnl(void *p)
{
    dnnl_call_t *c = p;
    DN(dnnl_primitive_execute(c->prim, c->stream, c->nargs, c->args));
    DN(dnnl_stream_wait(c->stream));
}

static dnnl_memory_t make_mem(const dnnl_memory_desc_t *md, dnnl_engine_t eng)
{
    dnnl_memory_t m;
    DN(dnnl_memory_create(&m, md, eng, DNNL_MEMORY_ALLOCATE));
    void *h = NULL;
    DN(dnnl_memory_get_data_handle(m, &h));
    size_t bytes = dnnl_memory_desc_get_size(md);
    float *f = h;
    for (size_t i = 0; i < bytes / sizeof(float); i++)
        f[i] = (float)((i * 7919u) % 1000u) * 1e-3f - 0.5f;
    return m;
}

/* A filled memory in the layout a primitive chose for argument q (index i). */
static dnnl_memory_t mem_of(const_dnnl_primitive_desc_t pd, dnnl_query_t q, int i,
                            dnnl_engine_t eng)
{
    return make_mem(dnnl_primitive_desc_query_md(pd, q, i), eng);
}

static void bench_dnnl(const shape_t *s, int B, int any, dnnl_engine_t eng, dnnl_stream_t stream,
                       double ms[3])
{
    conv_shape_t cs;
    if (conv_shape(&cs, s->ci, s->co, s->k, s->stride, s->pad, s->h, s->w) != 0)
        die("impossible shape %s", s->name);
    dnnl_dims_t src_d = {B, s->ci, s->h, s->w}, wei_d = {s->co, s->ci, s->k, s->k},
                bia_d = {s->co}, dst_d = {B, s->co, cs.ho, cs.wo};
    dnnl_dims_t strides = {s->stride, s->stride}, pad = {s->pad, s->pad};
    dnnl_format_tag_t act = any ? dnnl_format_tag_any : dnnl_nchw;
    dnnl_format_tag_t wt = any ? dnnl_format_tag_any : dnnl_oihw;
    dnnl_memory_desc_t src_md, wei_md, bia_md, dst_md;
    DN(dnnl_memory_desc_init_by_tag(&src_md, 4, src_d, dnnl_f32, act));
    DN(dnnl_memory_desc_init_by_tag(&wei_md, 4, wei_d, dnnl_f32, wt));
    DN(dnnl_memory_desc_init_by_tag(&bia_md, 1, bia_d, dnnl_f32, dnnl_x));
    DN(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_d, dnnl_f32, act));

    dnnl_convolution_desc_t fd, bd, wd;
    DN(dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct,
                                          &src_md, &wei_md, &bia_md, &dst_md, strides, pad, pad));
    dnnl_primitive_desc_t fpd, bpd, wpd;
    DN(dnnl_primitive_desc_create(&fpd, &fd, NULL, eng, NULL));
    DN(dnnl_convolution_backward_data_desc_init(&bd, dnnl_convolution_direct, &src_md, &wei_md,
                                                &dst_md, strides, pad, pad));
    DN(dnnl_primitive_desc_create(&bpd, &bd, NULL, eng, fpd));
    DN(dnnl_convolution_backward_weights_desc_init(&wd, dnnl_convolution_direct, &src_md,
                                                   &wei_md, &bia_md, &dst_md, strides, pad,
                                                   pad));
    DN(dnnl_primitive_desc_create(&wpd, &wd, NULL, eng, fpd));

    /* The forward pass's chosen layouts; the backward passes get their own
     * memories in the layouts they chose (reorders are not timed). */
    dnnl_memory_t src = mem_of(fpd, dnnl_query_src_md, 0, eng);
    dnnl_memory_t wei = mem_of(fpd, dnnl_query_weights_md, 0, eng);
    dnnl_memory_t bia = mem_of(fpd, dnnl_query_weights_md, 1, eng);
    dnnl_memory_t dst = mem_of(fpd, dnnl_query_dst_md, 0, eng);
    dnnl_memory_t ddst_b = mem_of(bpd, dnnl_query_diff_dst_md, 0, eng);
    dnnl_memory_t wei_b = mem_of(bpd, dnnl_query_weights_md, 0, eng);
    dnnl_memory_t dsrc = mem_of(bpd, dnnl_query_diff_src_md, 0, eng);
    dnnl_memory_t src_w = mem_of(wpd, dnnl_query_src_md, 0, eng);
    dnnl_memory_t ddst_w = mem_of(wpd, dnnl_query_diff_dst_md, 0, eng);
    dnnl_memory_t dwei = mem_of(wpd, dnnl_query_diff_weights_md, 0, eng);
    dnnl_memory_t dbia = mem_of(wpd, dnnl_query_diff_weights_md, 1, eng);

    dnnl_call_t c = {.eng = eng, .stream = stream};
    DN(dnnl_primitive_create(&c.prim, fpd));
    c.nargs = 4;
    c.args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, src};
    c.args[1] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, wei};
    c.args[2] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, bia};
    c.args[3] = (dnnl_exec_arg_t){DNNL_ARG_DST, dst};
    ms[0] = time_ms(run_dnnl, &c);
    dnnl_primitive_destroy(c.prim);

    DN(dnnl_primitive_create(&c.prim, bpd));
    c.nargs = 3;
    c.args[0] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, ddst_b};
    c.args[1] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, wei_b};
    c.args[2] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SRC, dsrc};
    ms[1] = time_ms(run_dnnl, &c);
    dnnl_primitive_destroy(c.prim);

    DN(dnnl_primitive_create(&c.prim, wpd));
    c.nargs = 4;
    c.args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, src_w};
    c.args[1] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, ddst_w};
    c.args[2] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_WEIGHTS, dwei};
    c.args[3] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_BIAS, dbia};
    ms[2] = time_ms(run_dnnl, &c);
    dnnl_primitive_destroy(c.prim);

    dnnl_memory_t all[] = {src, wei, bia, dst, ddst_b, wei_b, dsrc, src_w, ddst_w, dwei, dbia};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        dnnl_memory_destroy(all[i]);
    dnnl_primitive_desc_destroy(fpd);
    dnnl_primitive_desc_destroy(bpd);
    dnnl_primitive_desc_destroy(wpd);
}


/* oneDNN as our models would call it: primitives for one chunk of
 * CONV_CHUNK_DEFAULT examples, each OpenMP thread executing whole chunks
 * on its own stream and scratchpad (oneDNN runs single-threaded inside our
 * parallel region), so the sums over examples stay in a fixed order. */
typedef struct {
    dnnl_primitive_t prim[3];
    const dnnl_memory_desc_t *md[3][4]; /* per pass, per argument */
    int arg[3][4];
    size_t scratch[3];
    float *buf[3][4]; /* per pass, per argument: nchunks slices */
    size_t slice[3][4];
    int nchunks, which;
    dnnl_engine_t eng;
} chunked_t;

static void run_chunked(void *p)
{
    chunked_t *c = p;
    int w = c->which;
#pragma omp parallel
    {
        dnnl_stream_t st;
        DN(dnnl_stream_create(&st, c->eng, dnnl_stream_default_flags));
        void *scr = c->scratch[w] ? xmalloc(c->scratch[w]) : NULL;
        dnnl_memory_t m[4], sm = NULL;
        for (int a = 0; a < 4; a++)
            DN(dnnl_memory_create(&m[a], c->md[w][a], c->eng, DNNL_MEMORY_NONE));
        if (scr) {
            dnnl_memory_desc_t smd;
            dnnl_dims_t d = {(dnnl_dim_t)c->scratch[w]};
            DN(dnnl_memory_desc_init_by_tag(&smd, 1, d, dnnl_u8, dnnl_x));
            DN(dnnl_memory_create(&sm, &smd, c->eng, scr));
        }
#pragma omp for schedule(static)
        for (int k = 0; k < c->nchunks; k++) {
            dnnl_exec_arg_t args[5];
            int na = w == 1 ? 3 : 4;
            for (int a = 0; a < na; a++) {
                /* weights and biases (and their gradients) are per chunk too */
                DN(dnnl_memory_set_data_handle(m[a], c->buf[w][a] + (size_t)k * c->slice[w][a]));
                args[a] = (dnnl_exec_arg_t){c->arg[w][a], m[a]};
            }
            int n = na;
            if (sm)
                args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, sm};
            DN(dnnl_primitive_execute(c->prim[w], st, n, args));
        }
        DN(dnnl_stream_wait(st));
        for (int a = 0; a < 4; a++)
            dnnl_memory_destroy(m[a]);
        if (sm)
            dnnl_memory_destroy(sm);
        free(scr);
        dnnl_stream_destroy(st);
    }
}

static int chunk = CONV_CHUNK_DEFAULT;

static void bench_dnnl_chunked(const shape_t *s, int B, dnnl_engine_t eng, double ms[3])
{
    conv_shape_t cs;
    if (conv_shape(&cs, s->ci, s->co, s->k, s->stride, s->pad, s->h, s->w) != 0)
        die("impossible shape %s", s->name);
    dnnl_dims_t src_d = {chunk, s->ci, s->h, s->w}, wei_d = {s->co, s->ci, s->k, s->k},
                bia_d = {s->co}, dst_d = {chunk, s->co, cs.ho, cs.wo};
    dnnl_dims_t strides = {s->stride, s->stride}, pad = {s->pad, s->pad};
    dnnl_memory_desc_t src_md, wei_md, bia_md, dst_md;
    DN(dnnl_memory_desc_init_by_tag(&src_md, 4, src_d, dnnl_f32, dnnl_format_tag_any));
    DN(dnnl_memory_desc_init_by_tag(&wei_md, 4, wei_d, dnnl_f32, dnnl_format_tag_any));
    DN(dnnl_memory_desc_init_by_tag(&bia_md, 1, bia_d, dnnl_f32, dnnl_x));
    DN(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_d, dnnl_f32, dnnl_format_tag_any));
    dnnl_primitive_attr_t attr;
    DN(dnnl_primitive_attr_create(&attr));
    DN(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
    dnnl_convolution_desc_t fd, bd, wd;
    DN(dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct,
                                          &src_md, &wei_md, &bia_md, &dst_md, strides, pad, pad));
    DN(dnnl_convolution_backward_data_desc_init(&bd, dnnl_convolution_direct, &src_md, &wei_md,
                                                &dst_md, strides, pad, pad));
    DN(dnnl_convolution_backward_weights_desc_init(&wd, dnnl_convolution_direct, &src_md,
                                                   &wei_md, &bia_md, &dst_md, strides, pad,
                                                   pad));
    /* oneDNN plans a primitive's threading when it is created; these run
     * inside our parallel region on one thread each, so create them for
     * one (a primitive planned for two would wait forever at its barrier). */
    int outer_threads = omp_get_max_threads();
    omp_set_num_threads(1);
    dnnl_primitive_desc_t pd[3];
    DN(dnnl_primitive_desc_create(&pd[0], &fd, attr, eng, NULL));
    DN(dnnl_primitive_desc_create(&pd[1], &bd, attr, eng, pd[0]));
    DN(dnnl_primitive_desc_create(&pd[2], &wd, attr, eng, pd[0]));
    chunked_t c = {.nchunks = B / chunk, .eng = eng};
    dnnl_query_t q[3][4] = {
        {dnnl_query_src_md, dnnl_query_weights_md, dnnl_query_weights_md, dnnl_query_dst_md},
        {dnnl_query_diff_dst_md, dnnl_query_weights_md, dnnl_query_diff_src_md,
         dnnl_query_diff_src_md},
        {dnnl_query_src_md, dnnl_query_diff_dst_md, dnnl_query_diff_weights_md,
         dnnl_query_diff_weights_md}};
    int qi[3][4] = {{0, 0, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 1}};
    int args[3][4] = {{DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST},
                      {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SRC},
                      {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS,
                       DNNL_ARG_DIFF_BIAS}};
    for (int w = 0; w < 3; w++) {
        DN(dnnl_primitive_create(&c.prim[w], pd[w]));
        const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(pd[w], dnnl_query_scratchpad_md, 0);
        c.scratch[w] = smd ? dnnl_memory_desc_get_size(smd) : 0;
        for (int a = 0; a < 4; a++) {
            c.md[w][a] = dnnl_primitive_desc_query_md(pd[w], q[w][a], qi[w][a]);
            c.arg[w][a] = args[w][a];
            size_t bytes = dnnl_memory_desc_get_size(c.md[w][a]);
            c.slice[w][a] = (bytes + 63) / sizeof(float);
            size_t n = c.slice[w][a] * (size_t)c.nchunks;
            c.buf[w][a] = xmalloc(n * sizeof(float));
            for (size_t i = 0; i < n; i++)
                c.buf[w][a][i] = (float)((i * 7919u) % 1000u) * 1e-3f - 0.5f;
        }
    }
    omp_set_num_threads(outer_threads);
    /* backward data has three arguments: its fourth slot is unused */
    for (c.which = 0; c.which < 3; c.which++)
        ms[c.which] = time_ms(run_chunked, &c);
    for (int w = 0; w < 3; w++) {
        for (int a = 0; a < 4; a++)
            free(c.buf[w][a]);
        dnnl_primitive_destroy(c.prim[w]);
        dnnl_primitive_desc_destroy(pd[w]);
    }
    dnnl_primitive_attr_destroy(attr);
}

/* ------------------------------------------------------------ ours */

typedef struct {
    conv_shape_t s;
    int B, chunk, nchunks, which;
    double *inp, *out, *w, *b, *dinp, *dw, *db, *dout, *col, *dcol;
} ours_t;

/* As the models run a convolution: chunk c's examples are contiguous
 * (chunked CBHW), each thread takes whole chunks, each chunk has its own
 * workspace and its own slice of the parameter gradients. */
static void run_ours(void *p)
{
    ours_t *o = p;
    size_t in_per = (size_t)o->s.ci * o->s.h * o->s.w, out_per = (size_t)o->s.co * o->s.ho * o->s.wo;
    size_t colsz = conv_col_size(&o->s, o->chunk);
    size_t nw = (size_t)o->s.co * o->s.ci * o->s.kh * o->s.kw;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < o->nchunks; c++) {
        int nb = o->B - c * o->chunk < o->chunk ? o->B - c * o->chunk : o->chunk;
        const double *in = o->inp + (size_t)c * o->chunk * in_per;
        double *col = o->col + (size_t)c * colsz;
        if (o->which == 0)
            conv_forward(&o->s, o->out + (size_t)c * o->chunk * out_per, in, o->w, o->b, nb, col);
        else
            conv_backward_set(&o->s, o->which == 1 ? o->dinp + (size_t)c * o->chunk * in_per : NULL,
                              o->dw + (size_t)c * nw, o->db + (size_t)c * o->s.co,
                              o->dout + (size_t)c * o->chunk * out_per, o->w, nb, col,
                              o->dcol + (size_t)c * colsz);
    }
}

static double *filled(size_t n)
{
    double *x = xmalloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (double)((i * 7919u) % 1000u) * 1e-3 - 0.5;
    return x;
}

/* ms[1] is the input gradient with the weight gradient (our backward pass
 * computes both from one lowered input), ms[2] the weight gradient alone. */
static void bench_ours(const shape_t *sh, int B, double ms[3])
{
    ours_t o = {.B = B, .chunk = CONV_CHUNK_DEFAULT};
    if (conv_shape(&o.s, sh->ci, sh->co, sh->k, sh->stride, sh->pad, sh->h, sh->w) != 0)
        die("impossible shape %s", sh->name);
    o.nchunks = (B + o.chunk - 1) / o.chunk;
    size_t in_n = (size_t)B * sh->ci * sh->h * sh->w, out_n = (size_t)B * sh->co * o.s.ho * o.s.wo;
    size_t nw = (size_t)sh->co * sh->ci * sh->k * sh->k, colsz = conv_col_size(&o.s, o.chunk);
    o.inp = filled(in_n);
    o.out = filled(out_n);
    o.dout = filled(out_n);
    o.dinp = filled(in_n);
    o.w = filled(nw);
    o.b = filled((size_t)sh->co);
    o.dw = filled(nw * (size_t)o.nchunks);
    o.db = filled((size_t)sh->co * (size_t)o.nchunks);
    o.col = filled(colsz * (size_t)o.nchunks);
    o.dcol = filled(colsz * (size_t)o.nchunks);
    for (o.which = 0; o.which < 3; o.which++)
        ms[o.which] = time_ms(run_ours, &o);
    /* which = 1 computed both gradients; which = 2 the weights alone */
    double *bufs[] = {o.inp, o.out, o.dout, o.dinp, o.w, o.b, o.dw, o.db, o.col, o.dcol};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        free(bufs[i]);
}

int main(int argc, char **argv)
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *out = NULL;
    int threads = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--chunk") && i + 1 < argc)
            chunk = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: bench-dnnl --out FILE.tsv [--threads N] [--repeats N] [--chunk N]\n");
            return 0;
        } else
            die("unknown argument '%s' (see --help)", argv[i]);
    }
    if (!out)
        die("--out FILE.tsv is required");
    if (threads < 1 || threads > 256 || repeats < 1 || repeats > 100000 || chunk < 1 ||
        128 % chunk != 0)
        die("--threads must be 1..256, --repeats 1..100000 and --chunk divide 128");
    out_file = fopen(out, "w");
    if (!out_file)
        die("cannot write %s", out);
    omp_set_num_threads(threads);
    openblas_set_num_threads(1);
    conv_set_threads(threads);
    conv_set_single(1);
    const dnnl_version_t *v = dnnl_version();
    printf("oneDNN %d.%d.%d (%s), %d threads, batch 128, float32\n", v->major, v->minor,
           v->patch, v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other runtime", threads);
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    DN(dnnl_engine_create(&eng, dnnl_cpu, 0));
    DN(dnnl_stream_create(&stream, eng, dnnl_stream_default_flags));
    const char *pass[3] = {"fwd", "bwd_data", "bwd_weights"};
    const int B = 128;
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        const shape_t *s = &shapes[i];
        conv_shape_t cs;
        conv_shape(&cs, s->ci, s->co, s->k, s->stride, s->pad, s->h, s->w);
        double gflop = 2.0 * s->co * s->ci * s->k * s->k * cs.ho * cs.wo * B * 1e-9;
        double ms[4][3];
        bench_dnnl(s, B, 1, eng, stream, ms[0]);
        bench_dnnl(s, B, 0, eng, stream, ms[1]);
        bench_ours(s, B, ms[2]);
        bench_dnnl_chunked(s, B, eng, ms[3]);
        const char *who[4] = {"dnnl_any", "dnnl_nchw", "ours", "dnnl_chunks"};
        for (int w = 0; w < 4; w++)
            for (int p = 0; p < 3; p++) {
                char name[96];
                snprintf(name, sizeof name, "conv_%s_%s_%s_ms", s->name, who[w], pass[p]);
                report(name, ms[w][p],
                       w == 2 && p == 1 ? "ms per call (input and weight gradients together)"
                                        : "ms per call");
                snprintf(name, sizeof name, "conv_%s_%s_%s_gflops", s->name, who[w], pass[p]);
                double flop = w == 2 && p == 1 ? 2 * gflop : gflop;
                report(name, flop / (ms[w][p] * 1e-3), "GFLOP/s");
            }
    }
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(eng);
    fclose(out_file);
    return 0;
}
