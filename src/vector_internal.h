/* vector_internal.h - compiling a hot kernel twice on x86-64 with gcc or
 * clang, for AVX2 and for the baseline, picked at run time.  Helpers marked
 * WK_INLINE are inlined into the WK_VECTOR_CLONES function, so they are
 * vectorized in both versions.  Kernels that use this must not depend on
 * FMA contraction or vectorized reductions, so both versions give the same
 * bits (tests compare them). */
#ifndef WK_VECTOR_INTERNAL_H
#define WK_VECTOR_INTERNAL_H

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define WK_INLINE inline __attribute__((always_inline))
#define WK_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WK_INLINE inline
#define WK_VECTOR_CLONES
#endif

/* exp(x) for x in [-708, 709] (normal results), within 2 ulp of libm:
 * Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, Taylor polynomial of
 * degree 13 (truncation below 5e-18 relative), 2^k added to the exponent
 * bits.  No branches, so loops calling it vectorize (gcc -O2 does not
 * vectorize libm calls); the caller clamps the argument. */
static inline double wk_fast_exp(double x)
{
    const double shift = 0x1.8p52; /* adding it rounds to an integer kept in the low bits */
    double kd = x * 0x1.71547652b82fep0 + shift;
    uint64_t ki;
    memcpy(&ki, &kd, sizeof ki);
    kd -= shift;
    double r = (x - kd * 0x1.62e42fee00000p-1) - kd * 0x1.a39ef35793c76p-33;
    double p = 1.0 / 6227020800.0;
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
    p = p * r * r + r;
    p += 1.0;
    uint64_t pb;
    memcpy(&pb, &p, sizeof pb);
    pb += ki << 52;
    memcpy(&p, &pb, sizeof p);
    return p;
}

/* log(x) for positive normal x, within 4 ulp of libm: x = 2^k m with m in
 * [sqrt(1/2), sqrt(2)), log m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716,
 * series to s^21 (truncation below 3e-17 relative).  Branch-free as
 * wk_fast_exp; zero, subnormal, infinite or NaN x give garbage. */
static inline double wk_fast_log(double x)
{
    uint64_t ix, iz, e;
    memcpy(&ix, &x, sizeof ix);
    e = (ix - 0x3fe6a09e667f3bcdULL + (1023ULL << 52)) >> 52; /* k + 1023, k rounded at sqrt(2) */
    iz = ix - (e << 52) + (1023ULL << 52);
    double m, kd;
    memcpy(&m, &iz, sizeof m);
    uint64_t eb = 0x4330000000000000ULL | e; /* 2^52 + e as a double */
    memcpy(&kd, &eb, sizeof kd);
    kd -= 0x1p52 + 1023.0;
    double f = m - 1.0, s = f / (2.0 + f), z = s * s;
    double p = 1.0 / 21;
    p = p * z + 1.0 / 19;
    p = p * z + 1.0 / 17;
    p = p * z + 1.0 / 15;
    p = p * z + 1.0 / 13;
    p = p * z + 1.0 / 11;
    p = p * z + 1.0 / 9;
    p = p * z + 1.0 / 7;
    p = p * z + 1.0 / 5;
    p = p * z + 1.0 / 3;
    double lm = 2.0 * s + 2.0 * s * z * p;
    return kd * 0x1.62e42fee00000p-1 + (lm + kd * 0x1.a39ef35793c76p-33);
}

#endif
