#include "nn/conv_dnnl.h"

#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* One shape at one batch: its three primitives, the layouts they chose,
 * the reorders between those and the callers' plain layouts, and where
 * each tensor lives in col and dcol (offsets in floats). */
typedef struct entry {
    conv_shape_t s;
    int B;
    dnnl_primitive_t fwd, bwd_d, bwd_w;
    /* reorders; NULL where the two layouts are the same */
    dnnl_primitive_t r_src, r_wei, r_dst, r_ddst_d, r_ddst_w, r_src_w, r_wei_d, r_dsrc, r_dwei;
    dnnl_memory_desc_t src_u, dst_u, wei_u, bias; /* plain: CBHW activations, oihw weights */
    dnnl_memory_desc_t src_f, wei_f, dst_f;       /* forward */
    dnnl_memory_desc_t ddst_d, wei_d, dsrc_d;     /* backward data */
    dnnl_memory_desc_t src_w, ddst_w, dwei_w;     /* backward weights */
    size_t scratch;                               /* bytes, the most any needs */
    size_t o_src, o_wei, o_bias, o_dst, o_tmp, col_total;
    size_t o_ddst, o_ddst_w, o_src_w, o_wei_d, o_dsrc, o_dwei, o_dtmp, dcol_total;
    size_t in_n, out_n, w_n;
    struct entry *next;
} entry_t;

static entry_t *g_entries;
static dnnl_engine_t g_engine;
static int g_failed;
static char g_failure[256];

static _Thread_local dnnl_stream_t tl_stream;
static _Thread_local void *tl_scratch;
static _Thread_local size_t tl_scratch_size;

static void fail(const char *what, dnnl_status_t st, const conv_shape_t *s)
{
#pragma omp critical(cdnnl_failure)
    if (!g_failed) {
        g_failed = 1;
        snprintf(g_failure, sizeof g_failure,
                 "oneDNN: %s failed (status %d) for a %dx%d convolution %d -> %d channels on "
                 "%dx%d",
                 what, (int)st, s->kh, s->kw, s->ci, s->co, s->h, s->w);
    }
}

const char *cdnnl_failure(void) { return g_failed ? g_failure : NULL; }

void cdnnl_clear_failure(void)
{
#pragma omp critical(cdnnl_failure)
    g_failed = 0;
}

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

static size_t md_floats(const dnnl_memory_desc_t *md)
{
    return round16((dnnl_memory_desc_get_size(md) + sizeof(float) - 1) / sizeof(float));
}

#define TRY(call, what)                                                                    \
    do {                                                                                   \
        dnnl_status_t st_ = (call);                                                        \
        if (st_ != dnnl_success) {                                                         \
            fail(what, st_, s);                                                            \
            return -1;                                                                     \
        }                                                                                  \
    } while (0)

static int make_prim(dnnl_primitive_t *p, const_dnnl_primitive_desc_t pd, size_t *scratch,
                     const conv_shape_t *s)
{
    const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t need = smd ? dnnl_memory_desc_get_size(smd) : 0;
    if (need > *scratch)
        *scratch = need;
    TRY(dnnl_primitive_create(p, pd), "creating a primitive");
    return 0;
}

/* A reorder from a to b, or NULL if they are the same layout. */
static int make_reorder(dnnl_primitive_t *p, const dnnl_memory_desc_t *a,
                        const dnnl_memory_desc_t *b, const_dnnl_primitive_attr_t attr,
                        size_t *scratch, const conv_shape_t *s)
{
    *p = NULL;
    if (dnnl_memory_desc_equal(a, b))
        return 0;
    dnnl_primitive_desc_t pd;
    TRY(dnnl_reorder_primitive_desc_create(&pd, a, g_engine, b, g_engine, attr),
        "planning a reorder");
    int r = make_prim(p, pd, scratch, s);
    dnnl_primitive_desc_destroy(pd);
    return r;
}

static int md_copy(dnnl_memory_desc_t *out, const_dnnl_primitive_desc_t pd, dnnl_query_t q,
                   int index, const conv_shape_t *s)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, q, index);
    if (!md) {
        fail("querying a layout", dnnl_runtime_error, s);
        return -1;
    }
    *out = *md;
    return 0;
}

/* The callers' plain layouts (CBHW activations, oihw weights, the bias)
 * into en, and the same shapes in any layout, for oneDNN to choose. */
static int plain_layouts(entry_t *en, dnnl_memory_desc_t *any_src, dnnl_memory_desc_t *any_wei,
                         dnnl_memory_desc_t *any_dst)
{
    const conv_shape_t *s = &en->s;
    int B = en->B;
    dnnl_dims_t src_d = {B, s->ci, s->h, s->w}, wei_d = {s->co, s->ci, s->kh, s->kw},
                bia_d = {s->co}, dst_d = {B, s->co, s->ho, s->wo};
    /* CBHW: channel stride B*H*W, example stride H*W */
    dnnl_dims_t src_st = {s->h * s->w, (dnnl_dim_t)B * s->h * s->w, s->w, 1},
                dst_st = {s->ho * s->wo, (dnnl_dim_t)B * s->ho * s->wo, s->wo, 1};
    TRY(dnnl_memory_desc_init_by_strides(&en->src_u, 4, src_d, dnnl_f32, src_st), "a layout");
    TRY(dnnl_memory_desc_init_by_strides(&en->dst_u, 4, dst_d, dnnl_f32, dst_st), "a layout");
    TRY(dnnl_memory_desc_init_by_tag(&en->wei_u, 4, wei_d, dnnl_f32, dnnl_oihw), "a layout");
    TRY(dnnl_memory_desc_init_by_tag(&en->bias, 1, bia_d, dnnl_f32, dnnl_x), "a layout");
    TRY(dnnl_memory_desc_init_by_tag(any_src, 4, src_d, dnnl_f32, dnnl_format_tag_any), "a layout");
    TRY(dnnl_memory_desc_init_by_tag(any_wei, 4, wei_d, dnnl_f32, dnnl_format_tag_any), "a layout");
    TRY(dnnl_memory_desc_init_by_tag(any_dst, 4, dst_d, dnnl_f32, dnnl_format_tag_any), "a layout");
    return 0;
}

/* The three primitive descriptors (forward, backward data, backward
 * weights) over the any layouts, with a user scratchpad. */
static dnnl_status_t plan(const entry_t *en, dnnl_primitive_attr_t attr,
                          const dnnl_memory_desc_t *any_src, const dnnl_memory_desc_t *any_wei,
                          const dnnl_memory_desc_t *any_dst, dnnl_primitive_desc_t *fpd,
                          dnnl_primitive_desc_t *bpd, dnnl_primitive_desc_t *wpd)
{
    const conv_shape_t *s = &en->s;
    dnnl_dims_t strides = {s->stride, s->stride}, pad = {s->pad, s->pad};
    dnnl_convolution_desc_t fd, bd, wd;
    dnnl_status_t st = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (st == dnnl_success)
        st = dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training,
                                                dnnl_convolution_direct, any_src, any_wei,
                                                &en->bias, any_dst, strides, pad, pad);
    if (st == dnnl_success)
        st = dnnl_primitive_desc_create(fpd, &fd, attr, g_engine, NULL);
    if (st == dnnl_success)
        st = dnnl_convolution_backward_data_desc_init(&bd, dnnl_convolution_direct, any_src,
                                                      any_wei, any_dst, strides, pad, pad);
    if (st == dnnl_success)
        st = dnnl_primitive_desc_create(bpd, &bd, attr, g_engine, *fpd);
    if (st == dnnl_success)
        st = dnnl_convolution_backward_weights_desc_init(&wd, dnnl_convolution_direct, any_src,
                                                         any_wei, NULL, any_dst, strides, pad,
                                                         pad);
    if (st == dnnl_success)
        st = dnnl_primitive_desc_create(wpd, &wd, attr, g_engine, *fpd);
    return st;
}

/* The layouts the primitives chose, their primitives, and the reorders
 * between those and the plain layouts. */
static int make_prims(entry_t *en, const_dnnl_primitive_desc_t fpd,
                      const_dnnl_primitive_desc_t bpd, const_dnnl_primitive_desc_t wpd,
                      const_dnnl_primitive_attr_t attr)
{
    const conv_shape_t *s = &en->s;
    if (md_copy(&en->src_f, fpd, dnnl_query_src_md, 0, s) || md_copy(&en->wei_f, fpd, dnnl_query_weights_md, 0, s) ||
        md_copy(&en->dst_f, fpd, dnnl_query_dst_md, 0, s) ||
        md_copy(&en->ddst_d, bpd, dnnl_query_diff_dst_md, 0, s) ||
        md_copy(&en->wei_d, bpd, dnnl_query_weights_md, 0, s) ||
        md_copy(&en->dsrc_d, bpd, dnnl_query_diff_src_md, 0, s) ||
        md_copy(&en->src_w, wpd, dnnl_query_src_md, 0, s) ||
        md_copy(&en->ddst_w, wpd, dnnl_query_diff_dst_md, 0, s) ||
        md_copy(&en->dwei_w, wpd, dnnl_query_diff_weights_md, 0, s))
        return -1;
    if (make_prim(&en->fwd, fpd, &en->scratch, s) || make_prim(&en->bwd_d, bpd, &en->scratch, s) ||
        make_prim(&en->bwd_w, wpd, &en->scratch, s) ||
        make_reorder(&en->r_src, &en->src_u, &en->src_f, attr, &en->scratch, s) ||
        make_reorder(&en->r_wei, &en->wei_u, &en->wei_f, attr, &en->scratch, s) ||
        make_reorder(&en->r_dst, &en->dst_f, &en->dst_u, attr, &en->scratch, s) ||
        make_reorder(&en->r_ddst_d, &en->dst_u, &en->ddst_d, attr, &en->scratch, s) ||
        make_reorder(&en->r_ddst_w, &en->ddst_d, &en->ddst_w, attr, &en->scratch, s) ||
        make_reorder(&en->r_src_w, &en->src_f, &en->src_w, attr, &en->scratch, s) ||
        make_reorder(&en->r_wei_d, &en->wei_u, &en->wei_d, attr, &en->scratch, s) ||
        make_reorder(&en->r_dsrc, &en->dsrc_d, &en->src_u, attr, &en->scratch, s) ||
        make_reorder(&en->r_dwei, &en->dwei_w, &en->wei_u, attr, &en->scratch, s))
        return -1;
    return 0;
}

/* Where each tensor lives in col and dcol (offsets in floats). */
static void place_tensors(entry_t *en)
{
    const conv_shape_t *s = &en->s;
    int B = en->B;
    en->in_n = (size_t)s->ci * B * s->h * s->w;
    en->out_n = (size_t)s->co * B * s->ho * s->wo;
    en->w_n = (size_t)s->co * s->ci * s->kh * s->kw;
    size_t tmp = en->in_n > en->out_n ? en->in_n : en->out_n;
    tmp = round16(tmp > en->w_n ? tmp : en->w_n);
    size_t o = 0;
    en->o_src = o, o += md_floats(&en->src_f);
    en->o_wei = o, o += md_floats(&en->wei_f);
    en->o_bias = o, o += round16((size_t)s->co);
    en->o_dst = o, o += md_floats(&en->dst_f);
    en->o_tmp = o, o += tmp;
    en->col_total = o;
    o = 0;
    en->o_ddst = o, o += md_floats(&en->ddst_d);
    en->o_ddst_w = o, o += en->r_ddst_w ? md_floats(&en->ddst_w) : 0;
    en->o_src_w = o, o += en->r_src_w ? md_floats(&en->src_w) : 0;
    en->o_wei_d = o, o += md_floats(&en->wei_d);
    en->o_dsrc = o, o += md_floats(&en->dsrc_d);
    en->o_dwei = o, o += md_floats(&en->dwei_w);
    en->o_dtmp = o, o += tmp;
    en->dcol_total = o;
}

static int build(entry_t *en)
{
    const conv_shape_t *s = &en->s;
    dnnl_memory_desc_t any_src, any_wei, any_dst;
    if (plain_layouts(en, &any_src, &any_wei, &any_dst) != 0)
        return -1;
    dnnl_primitive_attr_t attr;
    TRY(dnnl_primitive_attr_create(&attr), "an attribute");
    int r = -1;
    dnnl_primitive_desc_t fpd = NULL, bpd = NULL, wpd = NULL;
    dnnl_status_t st = plan(en, attr, &any_src, &any_wei, &any_dst, &fpd, &bpd, &wpd);
    if (st != dnnl_success) {
        fail("planning the convolution", st, s);
        goto done;
    }
    if (make_prims(en, fpd, bpd, wpd, attr) != 0)
        goto done;
    place_tensors(en);
    r = 0;
done:
    if (fpd)
        dnnl_primitive_desc_destroy(fpd);
    if (bpd)
        dnnl_primitive_desc_destroy(bpd);
    if (wpd)
        dnnl_primitive_desc_destroy(wpd);
    dnnl_primitive_attr_destroy(attr);
    return r;
}

/* The entry of shape s at batch B, made on first use (planned for one
 * thread); NULL after a failure. */
static entry_t *get(const conv_shape_t *s, int B)
{
    entry_t *found = NULL;
#pragma omp critical(cdnnl_entries)
    {
        for (entry_t *en = g_entries; en; en = en->next)
            if (en->B == B && !memcmp(&en->s, s, sizeof *s)) {
                found = en;
                break;
            }
        if (!found && !g_failed) {
            dnnl_status_t st = dnnl_success;
            if (!g_engine)
                st = dnnl_engine_create(&g_engine, dnnl_cpu, 0);
            if (st != dnnl_success)
                fail("creating the CPU engine", st, s);
            else {
                entry_t *en = calloc(1, sizeof *en);
                if (!en)
                    fail("allocating a plan", dnnl_out_of_memory, s);
                else {
                    en->s = *s;
                    en->B = B;
#ifdef _OPENMP
                    int save = omp_get_max_threads();
                    omp_set_num_threads(1);
#endif
                    int r = build(en);
#ifdef _OPENMP
                    omp_set_num_threads(save);
#endif
                    /* kept even if it failed: the failure is sticky anyway */
                    en->next = g_entries;
                    g_entries = en;
                    if (r == 0)
                        found = en;
                }
            }
        }
    }
    return found && !g_failed ? found : NULL;
}

/* Runs p on this thread's stream with this thread's scratchpad.
 * args[i].memory are NULL here; mem holds the buffers per argument. */
static int run(dnnl_primitive_t p, const entry_t *en, int n, const int *kinds,
               const dnnl_memory_desc_t *const *mds, void *const *bufs)
{
    const conv_shape_t *s = &en->s;
    if (!tl_stream)
        TRY(dnnl_stream_create(&tl_stream, g_engine, dnnl_stream_default_flags),
            "creating a stream");
    if (tl_scratch_size < en->scratch) {
        free(tl_scratch);
        tl_scratch = malloc(en->scratch);
        tl_scratch_size = tl_scratch ? en->scratch : 0;
        if (!tl_scratch) {
            fail("allocating a scratchpad", dnnl_out_of_memory, s);
            return -1;
        }
    }
    dnnl_exec_arg_t args[5];
    dnnl_memory_t mem[5] = {0};
    int made = 0, r = 0;
    for (int i = 0; i < n && r == 0; i++, made++)
        if (dnnl_memory_create(&mem[i], mds[i], g_engine, bufs[i]) != dnnl_success) {
            fail("wrapping a buffer", dnnl_runtime_error, s);
            r = -1;
        } else
            args[i] = (dnnl_exec_arg_t){kinds[i], mem[i]};
    dnnl_memory_desc_t smd;
    dnnl_dims_t sd = {(dnnl_dim_t)(en->scratch ? en->scratch : 1)};
    if (r == 0 && en->scratch) {
        if (dnnl_memory_desc_init_by_tag(&smd, 1, sd, dnnl_u8, dnnl_x) != dnnl_success ||
            dnnl_memory_create(&mem[n], &smd, g_engine, tl_scratch) != dnnl_success) {
            fail("wrapping the scratchpad", dnnl_runtime_error, s);
            r = -1;
        } else {
            args[n] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, mem[n]};
            made = n + 1;
        }
    }
    int nargs = en->scratch ? n + 1 : n;
    if (r == 0) {
        dnnl_status_t st = dnnl_primitive_execute(p, tl_stream, nargs, args);
        if (st == dnnl_success)
            st = dnnl_stream_wait(tl_stream);
        if (st != dnnl_success) {
            fail("running a primitive", st, s);
            r = -1;
        }
    }
    for (int i = 0; i < made; i++)
        if (mem[i])
            dnnl_memory_destroy(mem[i]);
    return r;
}

/* b = a in b's layout (a copy if r is NULL: the same layout). */
static int reorder(dnnl_primitive_t r, const entry_t *en, const dnnl_memory_desc_t *amd,
                   const float *a, const dnnl_memory_desc_t *bmd, float *b)
{
    if (!r) {
        if (a != b)
            memcpy(b, a, dnnl_memory_desc_get_size(bmd));
        return 0;
    }
    const int kinds[2] = {DNNL_ARG_FROM, DNNL_ARG_TO};
    const dnnl_memory_desc_t *mds[2] = {amd, bmd};
    void *bufs[2] = {(void *)a, b};
    return run(r, en, 2, kinds, mds, bufs);
}

static void to_float(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

size_t cdnnl_col_floats(const conv_shape_t *s, int B)
{
    entry_t *en = get(s, B);
    return en ? en->col_total : 0;
}

size_t cdnnl_dcol_floats(const conv_shape_t *s, int B)
{
    entry_t *en = get(s, B);
    return en ? en->dcol_total : 0;
}

void cdnnl_lower(const conv_shape_t *s, const double *inp, const double *w, int B, float *col)
{
    entry_t *en = get(s, B);
    if (!en)
        return;
    float *tmp = col + en->o_tmp;
    to_float(tmp, inp, en->in_n);
    if (reorder(en->r_src, en, &en->src_u, tmp, &en->src_f, col + en->o_src) != 0)
        return;
    to_float(tmp, w, en->w_n);
    reorder(en->r_wei, en, &en->wei_u, tmp, &en->wei_f, col + en->o_wei);
}

void cdnnl_forward(const conv_shape_t *s, double *out, const double *b, int B, float *col)
{
    entry_t *en = get(s, B);
    if (!en)
        return;
    float *bias = col + en->o_bias, *tmp = col + en->o_tmp;
    for (int o = 0; o < s->co; o++)
        bias[o] = b ? (float)b[o] : 0.0f;
    const int kinds[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST};
    const dnnl_memory_desc_t *mds[4] = {&en->src_f, &en->wei_f, &en->bias, &en->dst_f};
    void *bufs[4] = {col + en->o_src, col + en->o_wei, bias, col + en->o_dst};
    if (run(en->fwd, en, 4, kinds, mds, bufs) != 0 ||
        reorder(en->r_dst, en, &en->dst_f, col + en->o_dst, &en->dst_u, tmp) != 0)
        return;
    for (size_t i = 0; i < en->out_n; i++)
        out[i] = (double)tmp[i];
}

void cdnnl_backward(const conv_shape_t *s, double *dinp, double *dw, const double *dout,
                    const double *w, int B, const float *col, float *dcol, int add)
{
    entry_t *en = get(s, B);
    if (!en)
        return;
    float *tmp = dcol + en->o_dtmp, *ddst = dcol + en->o_ddst;
    to_float(tmp, dout, en->out_n);
    if (reorder(en->r_ddst_d, en, &en->dst_u, tmp, &en->ddst_d, ddst) != 0)
        return;
    float *ddst_w = en->r_ddst_w ? dcol + en->o_ddst_w : ddst;
    float *src_w = en->r_src_w ? dcol + en->o_src_w : (float *)col + en->o_src;
    if (reorder(en->r_ddst_w, en, &en->ddst_d, ddst, &en->ddst_w, ddst_w) != 0 ||
        reorder(en->r_src_w, en, &en->src_f, col + en->o_src, &en->src_w, src_w) != 0)
        return;
    {
        const int kinds[3] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS};
        const dnnl_memory_desc_t *mds[3] = {&en->src_w, &en->ddst_w, &en->dwei_w};
        void *bufs[3] = {src_w, ddst_w, dcol + en->o_dwei};
        if (run(en->bwd_w, en, 3, kinds, mds, bufs) != 0 ||
            reorder(en->r_dwei, en, &en->dwei_w, dcol + en->o_dwei, &en->wei_u, tmp) != 0)
            return;
        if (add)
            for (size_t i = 0; i < en->w_n; i++)
                dw[i] += tmp[i];
        else
            for (size_t i = 0; i < en->w_n; i++)
                dw[i] = tmp[i];
    }
    if (!dinp)
        return;
    to_float(tmp, w, en->w_n);
    if (reorder(en->r_wei_d, en, &en->wei_u, tmp, &en->wei_d, dcol + en->o_wei_d) != 0)
        return;
    const int kinds[3] = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC};
    const dnnl_memory_desc_t *mds[3] = {&en->ddst_d, &en->wei_d, &en->dsrc_d};
    void *bufs[3] = {ddst, dcol + en->o_wei_d, dcol + en->o_dsrc};
    if (run(en->bwd_d, en, 3, kinds, mds, bufs) != 0 ||
        reorder(en->r_dsrc, en, &en->dsrc_d, dcol + en->o_dsrc, &en->src_u, tmp) != 0)
        return;
    for (size_t i = 0; i < en->in_n; i++)
        dinp[i] = (double)tmp[i];
}
