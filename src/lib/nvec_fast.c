#include "nvec_fast.h"

#include <math.h>
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

static sunrealtype wsqrsum(N_Vector x, N_Vector w)
{
    sunindextype n = length(x);
    const double *restrict xd = data(x), *restrict wd = data(w);
    /* Four partial sums in a fixed pattern: vectorisable, and the same
     * result on every machine. */
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    sunindextype i = 0;
    for (; i + 3 < n; i += 4) {
        double p0 = xd[i] * wd[i], p1 = xd[i + 1] * wd[i + 1], p2 = xd[i + 2] * wd[i + 2],
               p3 = xd[i + 3] * wd[i + 3];
        s0 += p0 * p0;
        s1 += p1 * p1;
        s2 += p2 * p2;
        s3 += p3 * p3;
    }
    for (; i < n; i++) {
        double p = xd[i] * wd[i];
        s0 += p * p;
    }
    return (s0 + s1) + (s2 + s3);
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
