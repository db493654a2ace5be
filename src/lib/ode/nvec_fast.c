#include "ode/nvec_fast.h"

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <nvector/nvector_serial.h>

static sunindextype length(N_Vector v) { return NV_LENGTH_S(v); }
static double *data(N_Vector v) { return NV_DATA_S(v); }

/* z = sum_j c_j X_j; z may be X_0 (the only aliasing SUNDIALS allows). */
static int linear_combination(int nvec, sunrealtype *c, N_Vector *X, N_Vector z)
{
    sunindextype n = length(z);
    double *restrict zd = data(z);
    if (nvec < 1)
        return -1;
    if (X[0] == z) {
        if (c[0] != 1.0)
            for (sunindextype i = 0; i < n; i++)
                zd[i] *= c[0];
    } else {
        const double *restrict x0 = data(X[0]);
        double c0 = c[0];
        for (sunindextype i = 0; i < n; i++)
            zd[i] = c0 * x0[i];
    }
    /* Two terms per pass halves the passes over z. */
    int j = 1;
    for (; j + 1 < nvec; j += 2) {
        const double *restrict a = data(X[j]), *restrict b = data(X[j + 1]);
        double ca = c[j], cb = c[j + 1];
        for (sunindextype i = 0; i < n; i++)
            zd[i] += ca * a[i] + cb * b[i];
    }
    if (j < nvec) {
        const double *restrict a = data(X[j]);
        double ca = c[j];
        for (sunindextype i = 0; i < n; i++)
            zd[i] += ca * a[i];
    }
    return 0;
}

static void linear_sum(sunrealtype a, N_Vector x, sunrealtype b, N_Vector y, N_Vector z)
{
    sunindextype n = length(z);
    const double *xd = data(x), *yd = data(y);
    double *zd = data(z);
    /* x, y and z may alias each other: elementwise reads before writes. */
    for (sunindextype i = 0; i < n; i++)
        zd[i] = a * xd[i] + b * yd[i];
}

static void scale(sunrealtype c, N_Vector x, N_Vector z)
{
    sunindextype n = length(z);
    const double *xd = data(x);
    double *zd = data(z);
    for (sunindextype i = 0; i < n; i++)
        zd[i] = c * xd[i];
}

/* sum_i (x_i w_i)^2 in four partial sums in a fixed pattern: vectorisable,
 * and the same result on every machine.  Shared by the whole-vector norm and
 * the block norms below. */
static double block_sqrsum(const double *restrict x, const double *restrict w, sunindextype n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    sunindextype i = 0;
    for (; i + 3 < n; i += 4) {
        double p0 = x[i] * w[i], p1 = x[i + 1] * w[i + 1], p2 = x[i + 2] * w[i + 2],
               p3 = x[i + 3] * w[i + 3];
        s0 += p0 * p0;
        s1 += p1 * p1;
        s2 += p2 * p2;
        s3 += p3 * p3;
    }
    for (; i < n; i++) {
        double p = x[i] * w[i];
        s0 += p * p;
    }
    return (s0 + s1) + (s2 + s3);
}

static sunrealtype wsqrsum(N_Vector x, N_Vector w)
{
    return block_sqrsum(data(x), data(w), length(x));
}

static sunrealtype wrmsnorm(N_Vector x, N_Vector w)
{
    return sqrt(wsqrsum(x, w) / (double)length(x));
}

void nvec_fast_install(N_Vector v)
{
    v->ops->nvlinearcombination = linear_combination;
    v->ops->nvlinearsum = linear_sum;
    v->ops->nvscale = scale;
    v->ops->nvwsqrsumlocal = wsqrsum;
    v->ops->nvwrmsnorm = wrmsnorm;
}

int all_finite(const double *x, size_t n)
{
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &x[i], sizeof b);
        bad |= ((b >> 52) & 0x7ff) == 0x7ff;
    }
    return bad == 0;
}

/* ----------------------------------------------------------------------
 * Block norms for the adjoint state [h, a, dL/dtheta].  The serial content
 * is extended with the block lengths (the serial operations read only the
 * leading serial part); clones inherit them. */
typedef struct {
    struct _N_VectorContent_Serial serial; /* first: serial ops see only this */
    sunindextype block_len[NVEC_MAX_BLOCKS];
    int n_blocks;
    comm_t *comm;    /* NULL: the state is this process's alone */
    unsigned shares; /* bit k: block k is a share, else a slice */
    double *scratch; /* the caller's, for the shares' sums */
} blocked_content_t;

static int attach_blocks(N_Vector v, const blocked_content_t *from)
{
    blocked_content_t *b = malloc(sizeof *b);
    if (!b)
        return -1;
    *b = *from;
    b->serial = *(N_VectorContent_Serial)v->content;
    free(v->content);
    v->content = b;
    return 0;
}

static N_Vector blocked_clone(N_Vector w)
{
    const blocked_content_t *b = w->content;
    N_Vector v = N_VClone_Serial(w);
    if (v && attach_blocks(v, b) != 0) {
        N_VDestroy_Serial(v);
        return NULL;
    }
    return v;
}

static N_Vector blocked_clone_empty(N_Vector w)
{
    const blocked_content_t *b = w->content;
    N_Vector v = N_VCloneEmpty_Serial(w);
    if (v && attach_blocks(v, b) != 0) {
        N_VDestroy_Serial(v);
        return NULL;
    }
    return v;
}

/* The group's norm: the slices' squares and lengths summed over the group
 * in one reduction, each share summed before its squares are taken. */
static sunrealtype group_wrmsnorm(const blocked_content_t *b, const double *xd, const double *wd)
{
    double sums[2 * NVEC_MAX_BLOCKS], rms[NVEC_MAX_BLOCKS];
    int n_slices = 0;
    sunindextype off = 0;
    for (int k = 0; k < b->n_blocks; k++) {
        sunindextype len = b->block_len[k];
        if (b->shares >> k & 1u) {
            memcpy(b->scratch, xd + off, (size_t)len * sizeof *xd);
            comm_sum(b->comm, b->scratch, (size_t)len);
            rms[k] = len > 0 ? sqrt(block_sqrsum(b->scratch, wd + off, len) / (double)len) : 0;
        } else {
            sums[2 * n_slices] = block_sqrsum(xd + off, wd + off, len);
            sums[2 * n_slices + 1] = (double)len;
            n_slices++;
        }
        off += len;
    }
    if (n_slices)
        comm_sum(b->comm, sums, 2 * (size_t)n_slices);
    double worst = 0.0;
    for (int k = 0, j = 0; k < b->n_blocks; k++) {
        if (!(b->shares >> k & 1u)) {
            rms[k] = sums[2 * j + 1] > 0 ? sqrt(sums[2 * j] / sums[2 * j + 1]) : 0;
            j++;
        }
        if (rms[k] > worst || rms[k] != rms[k])
            worst = rms[k];
    }
    return worst;
}

/* max over blocks of each block's weighted RMS norm */
static sunrealtype blocked_wrmsnorm(N_Vector x, N_Vector w)
{
    const blocked_content_t *b = x->content;
    const double *xd = data(x), *wd = data(w);
    if (b->comm && b->comm->coupled && b->comm->size > 1)
        return group_wrmsnorm(b, xd, wd);
    double worst = 0.0;
    sunindextype off = 0;
    for (int k = 0; k < b->n_blocks; k++) {
        sunindextype len = b->block_len[k];
        if (len > 0) {
            double rms = sqrt(block_sqrsum(xd + off, wd + off, len) / (double)len);
            if (rms > worst || rms != rms)
                worst = rms;
        }
        off += len;
    }
    return worst;
}

int nvec_blocked_install(N_Vector v, const sunindextype *block_len, int n_blocks)
{
    if (n_blocks < 1 || n_blocks > NVEC_MAX_BLOCKS)
        return -1;
    sunindextype total = 0;
    for (int k = 0; k < n_blocks; k++)
        total += block_len[k];
    if (total != length(v))
        return -1;
    nvec_fast_install(v);
    blocked_content_t from = {.n_blocks = n_blocks};
    memcpy(from.block_len, block_len, (size_t)n_blocks * sizeof *block_len);
    if (attach_blocks(v, &from) != 0)
        return -1;
    v->ops->nvclone = blocked_clone;
    v->ops->nvcloneempty = blocked_clone_empty;
    v->ops->nvwrmsnorm = blocked_wrmsnorm;
    return 0;
}

int nvec_group_install(N_Vector v, comm_t *comm, unsigned shares, double *scratch)
{
    if (v->ops->nvwrmsnorm != blocked_wrmsnorm)
        return -1;
    blocked_content_t *b = v->content;
    if (shares >> b->n_blocks || (shares && !scratch))
        return -1;
    b->comm = comm;
    b->shares = shares;
    b->scratch = scratch;
    return 0;
}
