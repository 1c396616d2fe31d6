/* glm_obs.c - the observation terms of the switching GLM on blocks of
 * entries, written as branch-free loops that the compiler vectorizes (the
 * emissions of the E-step and the data term of the M-step spend most of
 * their time here).  Same formulas as wk_glm_obs_core, with
 * wk_fast_exp/wk_fast_log in place of libm. */
#include <math.h>

#include "glm_internal.h"
#include "vector_internal.h"

/* The helpers are inlined into obs_chunk, compiled for AVX2 and the baseline
 * (vector_internal.h). */

/* 1 for u >= 0, from the sign bit (a comparison would become a branch;
 * u = -0 takes the other side, where e = 1 gives the same values). */
static WK_INLINE double nonnegative(double u)
{
    uint64_t bits;
    memcpy(&bits, &u, sizeof bits);
    bits = 0x4330000000000000ULL | (bits >> 63); /* 2^52 + sign */
    double v;
    memcpy(&v, &bits, sizeof v);
    return 1.0 - (v - 0x1p52);
}

/* Rate f = (1 - eps) sigmoid(u) + eps and its derivative df from
 * e = exp(-|u|); sgm = sigmoid(-u).  The selections by the sign of u are
 * products with 0 or 1 (exact for finite e), so the loop stays free of
 * branches. */
static WK_INLINE void link_terms(double *f, double *df, double *sgm, double u, double e)
{
    double pos = nonnegative(u), inv = 1.0 / (1.0 + e);
    double sg = inv * (pos + (1 - pos) * e);
    *sgm = inv * ((1 - pos) + pos * e);
    *f = (1 - WK_GLM_EPS) * sg + WK_GLM_EPS;
    *df = (1 - WK_GLM_EPS) * sg * *sgm;
}

/* One chunk of at most OBS_CHUNK entries. */
#define OBS_CHUNK 512

static WK_INLINE void gaussian_block(double *restrict val, double *restrict d1, double *restrict w, const double *restrict xd,
                           const double *restrict ok, const double *restrict u, const double *restrict var, size_t n)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        double r = xd[i] - u[i];
        val[i] = ok[i] * (-0.5 * (wk_fast_log(2 * M_PI * var[i]) + r * r / var[i]));
    }
    if (!d1) return;
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        d1[i] = ok[i] * ((xd[i] - u[i]) / var[i]);
        w[i] = ok[i] * (1.0 / var[i]);
    }
}

/* Poisson terms.  One division yields f, 1/f and 1/(1+e): with D = 1+e
 * and B = f D, q = 1/(B D) gives f = B^2 q, 1/f = D^2 q, 1/D = B q
 * (divisions dominate the cost of this loop).  The values are the same
 * with and without the derivatives. */
static WK_INLINE void poisson_rate(double *f, double *rf, double *df, double u, double e)
{
    double pos = nonnegative(u), D = 1.0 + e;
    double P = pos + (1 - pos) * e, M = (1 - pos) + pos * e; /* sigmoid(u) D, sigmoid(-u) D */
    double B = (1 - WK_GLM_EPS) * P + WK_GLM_EPS * D;
    double q = 1.0 / (B * D), inv = B * q;
    *f = B * B * q;
    *rf = D * D * q;
    *df = (1 - WK_GLM_EPS) * (P * inv) * (M * inv);
}

/* The values x log f - f, the logarithm taken everywhere: a loop without
 * branches beats packing the non-zero counts (at x = 0 the value is
 * 0 - f = -f exactly, log f being finite). */
static WK_INLINE void poisson_values(double *restrict val, const double *restrict xd, const double *restrict ok,
                                  const double *restrict f, size_t n)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++) val[i] = ok[i] * (xd[i] * wk_fast_log(f[i]) - f[i]);
}

static WK_INLINE void poisson_block(double *restrict val, double *restrict d1, double *restrict w,
                                 const double *restrict xd, const double *restrict ok, const double *restrict u,
                                 const double *restrict e, size_t n)
{
    double fv[OBS_CHUNK];
    if (!d1) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            double f, rf, df;
            poisson_rate(&f, &rf, &df, u[i], e[i]);
            fv[i] = f;
        }
        poisson_values(val, xd, ok, fv, n);
        return;
    }
    if (!val) { /* derivatives only: no logarithm */
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            double f, rf, df;
            poisson_rate(&f, &rf, &df, u[i], e[i]);
            d1[i] = ok[i] * ((xd[i] - f) * (df * rf));
            w[i] = ok[i] * (df * df * rf);
        }
        return;
    }
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        double f, rf, df;
        poisson_rate(&f, &rf, &df, u[i], e[i]);
        fv[i] = f;
        d1[i] = ok[i] * ((xd[i] - f) * (df * rf));
        w[i] = ok[i] * (df * df * rf);
    }
    poisson_values(val, xd, ok, fv, n);
}

static WK_INLINE void bernoulli_block(double *restrict val, double *restrict d1, double *restrict w, const double *restrict xd,
                            const double *restrict ok, const double *restrict u, const double *restrict e, size_t n)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        double f, df, sgm;
        link_terms(&f, &df, &sgm, u[i], e[i]);
        double g = (1 - WK_GLM_EPS) * sgm; /* 1 - f */
        val[i] = ok[i] * (xd[i] * wk_fast_log(f) + (1.0 - xd[i]) * wk_fast_log(g));
    }
    if (!d1) return;
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        double f, df, sgm;
        link_terms(&f, &df, &sgm, u[i], e[i]);
        double g = (1 - WK_GLM_EPS) * sgm;
        d1[i] = ok[i] * ((xd[i] / f - (1.0 - xd[i]) / g) * df);
        w[i] = ok[i] * (df * df / (f * g));
    }
}

WK_VECTOR_CLONES static void obs_chunk(double *val, double *d1, double *w, enum wk_glm_obs obs, const float *x, const double *u,
                      const double *var, size_t n)
{
    double tmp[4 * OBS_CHUNK];
    double *restrict xd = tmp, *restrict ok = tmp + n, *restrict e = tmp + 2 * n;
    if (!val && obs != WK_GLM_POISSON) val = tmp + 3 * n; /* values computed, not kept */
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        double xi = x[i];
        int missing = isnan(xi);
        xd[i] = missing ? 0.0 : xi;
        ok[i] = missing ? 0.0 : 1.0;
    }
    if (obs == WK_GLM_GAUSSIAN) {
        gaussian_block(val, d1, w, xd, ok, u, var, n);
        return;
    }
    /* exp(-|u|) in two loops: the clamp (results stay normal numbers, and
     * log(1 - f) finite) apart from the polynomial, which then vectorizes */
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        double a = -fabs(u[i]);
        e[i] = a < -708.0 ? -708.0 : a;
    }
#pragma omp simd
    for (size_t i = 0; i < n; i++) e[i] = wk_fast_exp(e[i]);
    if (obs == WK_GLM_POISSON) poisson_block(val, d1, w, xd, ok, u, e, n);
    else bernoulli_block(val, d1, w, xd, ok, u, e, n);
}

void wk_glm_obs_block(double *val, double *d1, double *w, enum wk_glm_obs obs, const float *x, const double *u,
                      const double *var, size_t rows, size_t N)
{
    if (obs == WK_GLM_GAUSSIAN) { /* the variances go by column */
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < N; j += OBS_CHUNK) {
                size_t i = r * N + j, n = N - j < OBS_CHUNK ? N - j : OBS_CHUNK;
                obs_chunk(val ? val + i : NULL, d1 ? d1 + i : NULL, d1 ? w + i : NULL, obs, x + i, u + i, var + j,
                          n);
            }
        return;
    }
    size_t total = rows * N;
    for (size_t i = 0; i < total; i += OBS_CHUNK) {
        size_t n = total - i < OBS_CHUNK ? total - i : OBS_CHUNK;
        obs_chunk(val ? val + i : NULL, d1 ? d1 + i : NULL, d1 ? w + i : NULL, obs, x + i, u + i, NULL, n);
    }
}
