#include "nn/fastmath.h"

/* Every build of the loops below must do the same IEEE operations, so no
 * a * b + c may become an FMA: GCC in ISO C mode never contracts, clang
 * does by default (and its AVX-512 target brings FMA), so say it. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <math.h>
#include <stdint.h>
#include <string.h>

/* expm1(y) for y in [-40, 0].  Write y = k ln2 + r with |r| <= ln2 / 2
 * (Cody-Waite split of ln2 with the fdlibm constants); then
 *   expm1(y) = 2^k expm1(r) + (2^k - 1),
 * with expm1(r) from its Taylor polynomial to r^13 (truncation below
 * 2e-17 relative).  For k = 0 this is the polynomial alone, so small
 * arguments keep full relative accuracy; for k < 0 both terms have the same
 * sign, so nothing cancels. */
static inline __attribute__((always_inline)) double expm1_nonpositive(double y)
{
    const double inv_ln2 = 1.44269504088896338700e+00;
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    /* Adding 1.5 * 2^52 rounds to an integer k that then sits in the low
     * mantissa bits, so 2^k is built with integer adds and shifts only
     * (no double -> int64 conversion, which AVX2 lacks). */
    const double shifter = 0x1.8p52;
    double shifted = y * inv_ln2 + shifter;
    double kd = shifted - shifter;
    double r = (y - kd * ln2_hi) - kd * ln2_lo;
    double p = 1.0 / 6227020800.0; /* 1/13! */
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    double em = p * r;
    uint64_t kbits, shifter_bits;
    memcpy(&kbits, &shifted, sizeof kbits);
    memcpy(&shifter_bits, &shifter, sizeof shifter_bits);
    uint64_t bits = (kbits - shifter_bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return scale * em + (scale - 1.0);
}

/* The loop, written once: inlined into an AVX2 build and a baseline build,
 * chosen at run time.  Only IEEE adds, multiplies and divides are used,
 * never contracted into FMAs (ISO C mode, and FMA is not enabled), so both
 * builds give identical bits. */
static inline __attribute__((always_inline)) void tanh_loop(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        double a = fabs(v);
        /* tanh a = -q / (2 + q) with q = expm1(-2a); beyond a = 20 tanh is
         * 1 to double precision, so clamp to keep the exponent in range.
         * Written so that NaN fails the comparison and passes through
         * (`a < 20 ? a : 20` made NaN 20, so tanh 1 and a NaN parameter
         * looked like a trained one); for every other input the two give
         * the same bits, and the loop still vectorises (compare, blend). */
        double q = expm1_nonpositive(-2.0 * (a > 20.0 ? 20.0 : a));
        double t = -q / (2.0 + q);
        x[i] = v < 0 ? -t : t;
    }
}

/* AVX-512 builds of the same loops do the same IEEE operations eight lanes
 * at a time, so they give the same bits; tanh is 1.5x faster than with
 * AVX2 (2.0 against 3.1 ns per element, 2,000 elements, this machine). */
#if defined(__x86_64__)
__attribute__((target("avx2"))) static void tanh_avx2(double *x, size_t n) { tanh_loop(x, n); }
__attribute__((target("avx512f"))) static void tanh_avx512(double *x, size_t n) { tanh_loop(x, n); }
#endif

void tanh_array_baseline(double *x, size_t n) { tanh_loop(x, n); }

void tanh_array(double *x, size_t n)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        tanh_avx512(x, n);
        return;
    }
    if (__builtin_cpu_supports("avx2")) {
        tanh_avx2(x, n);
        return;
    }
#endif
    tanh_array_baseline(x, n);
}

/* ELU, x <- x > 0 ? x : expm1(x), with the same expm1 as tanh: glibc's
 * scalar expm1 was a fifth of a latent-ODE training step.  Below -40,
 * expm1 is -1 to double precision; NaN fails every comparison and passes
 * through. */
static inline __attribute__((always_inline)) void elu_loop(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        double m = expm1_nonpositive(v < -40.0 ? -40.0 : (v > 0.0 ? 0.0 : v));
        x[i] = v > 0.0 ? v : m;
    }
}

/* grad <- grad * ELU'(x), from y = ELU(x): 1 where y > 0, else y + 1.
 * Written without a branch so that it vectorises (the scalar loop's branch
 * on the sign mispredicted on every other element). */
static inline __attribute__((always_inline)) void elu_grad_loop(double *restrict grad,
                                                                const double *restrict y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double d = y[i] + 1.0;
        grad[i] *= y[i] > 0.0 ? 1.0 : d;
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void elu_avx2(double *x, size_t n) { elu_loop(x, n); }
__attribute__((target("avx512f"))) static void elu_avx512(double *x, size_t n) { elu_loop(x, n); }
__attribute__((target("avx512f"))) static void elu_grad_avx512(double *restrict grad,
                                                              const double *restrict y, size_t n)
{
    elu_grad_loop(grad, y, n);
}
__attribute__((target("avx2"))) static void elu_grad_avx2(double *restrict grad,
                                                          const double *restrict y, size_t n)
{
    elu_grad_loop(grad, y, n);
}
#endif

void elu_array_baseline(double *x, size_t n) { elu_loop(x, n); }

void elu_array(double *x, size_t n)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        elu_avx512(x, n);
        return;
    }
    if (__builtin_cpu_supports("avx2")) {
        elu_avx2(x, n);
        return;
    }
#endif
    elu_array_baseline(x, n);
}

void elu_grad_array(double *restrict grad, const double *restrict y, size_t n)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        elu_grad_avx512(grad, y, n);
        return;
    }
    if (__builtin_cpu_supports("avx2")) {
        elu_grad_avx2(grad, y, n);
        return;
    }
#endif
    elu_grad_loop(grad, y, n);
}
