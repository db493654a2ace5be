#include "fastmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* exp(y) for y in [-40.5, 0]: y = k ln2 + r with |r| <= ln2 / 2 (Cody-Waite
 * split of ln2, the fdlibm constants), exp(r) by its Taylor polynomial to
 * r^13 (truncation below 2e-17), times 2^k built from the exponent bits. */
static inline double exp_nonpositive(double y)
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
    p = p * r + 1.0;
    uint64_t kbits, shifter_bits;
    memcpy(&kbits, &shifted, sizeof kbits);
    memcpy(&shifter_bits, &shifter, sizeof shifter_bits);
    uint64_t bits = (kbits - shifter_bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* Compiled for AVX2 and for baseline x86-64 (chosen at load time).  Only
 * IEEE adds, multiplies and divides are used, never contracted into FMAs
 * (ISO C mode), so both versions give identical bits. */
__attribute__((target_clones("avx2", "default")))
void tanh_array(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        double a = fabs(v);
        /* Both branches are computed and one selected, so the loop
         * vectorises. */
        /* |x| < 0.25: Taylor series of tanh to x^21; the next term is
         * below 1e-17 relative at |x| = 0.25. */
        double z = a * a;
        double p = 9.691537956929451e-05;
        p = p * z - 0.00023912911424355248;
        p = p * z + 0.000590027440945586;
        p = p * z - 0.0014558343870513183;
        p = p * z + 0.003592128036572481;
        p = p * z - 0.008863235529902197;
        p = p * z + 0.021869488536155203;
        p = p * z - 0.05396825396825397;
        p = p * z + 0.13333333333333333;
        p = p * z - 0.3333333333333333;
        double small = a + a * z * p;
        /* Otherwise tanh a = (1 - e^{-2a}) / (1 + e^{-2a}); beyond a = 20
         * this is 1 to double precision, so clamp to keep exp in range. */
        double t = exp_nonpositive(-2.0 * (a < 20.0 ? a : 20.0));
        double large = (1.0 - t) / (1.0 + t);
        double out = a < 0.25 ? small : large;
        x[i] = v < 0 ? -out : out;
    }
}
