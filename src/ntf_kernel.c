/* ntf_kernel.c - the two products of an NTF pass on a segment of the
 * tensor (nt rows of time, np pairs), read in float32 or double and
 * accumulated in double, with the rank (k, small) held in registers:
 *   left:  out[p][j] (+)= sum_t x[t][p] R[t][j]   (rows of X_(1) KR)
 *   right: out[t][j] (+)= sum_p x[t][p] L[p][j]   (rows of X(:,:,w)' A)
 * Each output is summed in a fixed order that depends only on the segment
 * (left: t in order, continuing from out; right: four lanes of p = 4i+l
 * each in order, then (l0 + l1) + (l2 + l3), then the last np % 4 pairs in
 * order), so a float32 segment gives the bits of the same segment converted
 * to double, and splitting the time rows into blocks changes nothing on
 * the left.
 *
 * The same C (GNU vector types of four doubles, products and sums as
 * separate statements: never contracted into a fused multiply-add) is
 * compiled twice: portable (SSE2 on x86-64) and, on x86-64, for AVX2,
 * chosen at run time when the processor has it.  Both do the same
 * operations on each lane: the same bits.  (Without FMA the AVX2 path
 * keeps the throughput of one on processors with separate multiply and
 * add pipes, such as AMD Zen.) */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ntf_internal.h"
#include "wormkit/wk_error.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#define NTF_HAVE_AVX2_PATH 1
#else
#define NTF_HAVE_AVX2_PATH 0
#endif

typedef double v4d __attribute__((vector_size(32)));

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Ranks at most this many at a time: the accumulators fit the 16 vector
 * registers of AVX2 with room for an operand. */
#define JB_MAX 12

/* (Vectors go through pointers: a vector argument or result would change
 * the calling convention between the two instruction sets.) */
ALWAYS_INLINE void load4(v4d *dst, const void *x, int is_float)
{
    if (is_float) {
        const float *f = x; /* (one vcvtps2pd; a v4f and __builtin_convertvector take three with gcc 12) */
        *dst = (v4d){f[0], f[1], f[2], f[3]};
    } else {
        memcpy(dst, x, sizeof *dst);
    }
}

ALWAYS_INLINE double load1(const void *x, size_t i, int is_float)
{
    return is_float ? (double)((const float *)x)[i] : ((const double *)x)[i];
}

ALWAYS_INLINE const void *advance(const void *x, size_t n, int is_float)
{
    return is_float ? (const void *)((const float *)x + n) : (const void *)((const double *)x + n);
}

/* Four pairs (the columns of x from x0), jb ranks from R's column j0. */
ALWAYS_INLINE void left_quad(double *out, const void *x0, size_t ld, size_t nt, const double *R, size_t k,
                             size_t jb, int add, int is_float)
{
    v4d acc[JB_MAX];
#pragma GCC unroll 12
    for (size_t j = 0; j < jb; j++)
        acc[j] = add ? (v4d){out[j], out[k + j], out[2 * k + j], out[3 * k + j]} : (v4d){0, 0, 0, 0};
    for (size_t t = 0; t < nt; t++) {
        v4d xv;
        const void *xt = advance(x0, t * ld, is_float);
        /* the walk down the rows is too sparse for the hardware prefetchers:
         * ask for the row's next line, read by the next quads */
        __builtin_prefetch((const void *)((uintptr_t)xt + 64)); /* (may be past the end: no pointer) */
        load4(&xv, xt, is_float);
        const double *r = R + t * k;
#pragma GCC unroll 12
        for (size_t j = 0; j < jb; j++) {
            v4d prod = xv * (v4d){r[j], r[j], r[j], r[j]};
            acc[j] += prod;
        }
    }
#pragma GCC unroll 12
    for (size_t j = 0; j < jb; j++)
        for (size_t l = 0; l < 4; l++) out[l * k + j] = acc[j][l];
}

/* One pair, as one lane of left_quad. */
ALWAYS_INLINE void left_one(double *out, const void *x0, size_t ld, size_t nt, const double *R, size_t k,
                            size_t jb, int add, int is_float)
{
    for (size_t j = 0; j < jb; j++) {
        double s = add ? out[j] : 0;
        for (size_t t = 0; t < nt; t++) {
            double prod = load1(x0, t * ld, is_float) * R[t * k + j];
            s += prod;
        }
        out[j] = s;
    }
}

ALWAYS_INLINE void left_block(double *out, const void *x, size_t ld, size_t np, size_t nt, const double *R,
                              size_t k, size_t jb, int add, int is_float)
{
    size_t p = 0;
    for (; p + 4 <= np; p += 4) left_quad(out + p * k, advance(x, p, is_float), ld, nt, R, k, jb, add, is_float);
    for (; p < np; p++) left_one(out + p * k, advance(x, p, is_float), ld, nt, R, k, jb, add, is_float);
}

/* One row of time, jb ranks: out[j] (+)= sum_p x[p] Lt[j ldl + p]. */
ALWAYS_INLINE void right_row(double *out, const void *x, size_t np, const double *Lt, size_t ldl, size_t jb,
                             int add, int is_float)
{
    v4d acc[JB_MAX];
    size_t p = 0;
#pragma GCC unroll 12
    for (size_t j = 0; j < jb; j++) acc[j] = (v4d){0, 0, 0, 0};
    for (; p + 4 <= np; p += 4) {
        v4d xv, lv;
        load4(&xv, advance(x, p, is_float), is_float);
#pragma GCC unroll 12
        for (size_t j = 0; j < jb; j++) {
            load4(&lv, Lt + j * ldl + p, 0);
            v4d prod = xv * lv;
            acc[j] += prod;
        }
    }
    for (size_t j = 0; j < jb; j++) {
        double s = (acc[j][0] + acc[j][1]) + (acc[j][2] + acc[j][3]);
        for (size_t q = p; q < np; q++) {
            double prod = load1(x, q, is_float) * Lt[j * ldl + q];
            s += prod;
        }
        out[j] = add ? out[j] + s : s;
    }
}

ALWAYS_INLINE void right_block(double *out, const void *x, size_t ld, size_t nt, size_t np, const double *Lt,
                               size_t ldl, size_t k, size_t jb, int add, int is_float)
{
    for (size_t t = 0; t < nt; t++)
        right_row(out + t * k, advance(x, t * ld, is_float), np, Lt, ldl, jb, add, is_float);
}

/* The rank split into blocks of at most JB_MAX, as even as possible. */
static size_t rank_block(size_t k)
{
    size_t nb = (k + JB_MAX - 1) / JB_MAX;
    return (k + nb - 1) / nb;
}

/* A switch over jb = 1 .. JB_MAX turns jb into a constant in each case
 * (fully unrolled loops, accumulators in registers). */
#define JB_CASES(CALL)                                                                                         \
    switch (jb) {                                                                                              \
    case 1: CALL(1); break;                                                                                    \
    case 2: CALL(2); break;                                                                                    \
    case 3: CALL(3); break;                                                                                    \
    case 4: CALL(4); break;                                                                                    \
    case 5: CALL(5); break;                                                                                    \
    case 6: CALL(6); break;                                                                                    \
    case 7: CALL(7); break;                                                                                    \
    case 8: CALL(8); break;                                                                                    \
    case 9: CALL(9); break;                                                                                    \
    case 10: CALL(10); break;                                                                                  \
    case 11: CALL(11); break;                                                                                  \
    default: CALL(12); break;                                                                                  \
    }

/* The kernels, once per instruction set (ATTR: a target attribute). */
#define NTF_KERNELS(SUFFIX, ATTR)                                                                              \
    ATTR static void left_##SUFFIX(double *out, const void *x, size_t ld, size_t np, size_t nt,              \
                                   const double *R, size_t k, int add, int is_float)                         \
    {                                                                                                          \
        size_t step = rank_block(k);                                                                           \
        for (size_t j0 = 0; j0 < k; j0 += step) {                                                              \
            size_t jb = k - j0 < step ? k - j0 : step;                                                         \
            if (is_float) {                                                                                    \
                JB_CASES(LEFT_F)                                                                               \
            } else {                                                                                           \
                JB_CASES(LEFT_D)                                                                               \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
    ATTR static void right_##SUFFIX(double *out, const void *x, size_t ld, size_t nt, size_t np,             \
                                    const double *Lt, size_t ldl, size_t k, int add, int is_float)           \
    {                                                                                                          \
        size_t step = rank_block(k);                                                                           \
        for (size_t j0 = 0; j0 < k; j0 += step) {                                                              \
            size_t jb = k - j0 < step ? k - j0 : step;                                                         \
            if (is_float) {                                                                                    \
                JB_CASES(RIGHT_F)                                                                              \
            } else {                                                                                           \
                JB_CASES(RIGHT_D)                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }

#define LEFT_F(n) left_block(out + j0, x, ld, np, nt, R + j0, k, n, add, 1)
#define LEFT_D(n) left_block(out + j0, x, ld, np, nt, R + j0, k, n, add, 0)
#define RIGHT_F(n) right_block(out + j0, x, ld, nt, np, Lt + j0 * ldl, ldl, k, n, add, 1)
#define RIGHT_D(n) right_block(out + j0, x, ld, nt, np, Lt + j0 * ldl, ldl, k, n, add, 0)

NTF_KERNELS(portable, )
#if NTF_HAVE_AVX2_PATH
NTF_KERNELS(avx2, __attribute__((target("avx2"))))
#endif

/* -1: by the processor; 0 or 1: forced (tests). */
static int forced_path = -1;

int ntf_kernel_path(void)
{
    if (forced_path >= 0) return forced_path;
#if NTF_HAVE_AVX2_PATH
    return __builtin_cpu_supports("avx2") ? NTF_KERNEL_AVX2 : NTF_KERNEL_PORTABLE;
#else
    return NTF_KERNEL_PORTABLE;
#endif
}

int ntf_kernel_force(int path)
{
    if (path < 0) {
        forced_path = -1;
        return 0;
    }
    if (path != NTF_KERNEL_PORTABLE && path != NTF_KERNEL_AVX2) return WK_EINVAL;
#if NTF_HAVE_AVX2_PATH
    if (path == NTF_KERNEL_AVX2 && !__builtin_cpu_supports("avx2")) return WK_EINVAL;
#else
    if (path == NTF_KERNEL_AVX2) return WK_EINVAL;
#endif
    forced_path = path;
    return 0;
}

static void left_any(double *out, const void *x, size_t ld, size_t np, size_t nt, const double *R, size_t k,
                     int add, int is_float)
{
#if NTF_HAVE_AVX2_PATH
    if (ntf_kernel_path() == NTF_KERNEL_AVX2) {
        left_avx2(out, x, ld, np, nt, R, k, add, is_float);
        return;
    }
#endif
    left_portable(out, x, ld, np, nt, R, k, add, is_float);
}

static void right_any(double *out, const void *x, size_t ld, size_t nt, size_t np, const double *Lt, size_t ldl,
                      size_t k, int add, int is_float)
{
#if NTF_HAVE_AVX2_PATH
    if (ntf_kernel_path() == NTF_KERNEL_AVX2) {
        right_avx2(out, x, ld, nt, np, Lt, ldl, k, add, is_float);
        return;
    }
#endif
    right_portable(out, x, ld, nt, np, Lt, ldl, k, add, is_float);
}

void ntf_kernel_left_f(double *out, const float *x, size_t ld, size_t np, size_t nt, const double *R, size_t k,
                       int add)
{
    left_any(out, x, ld, np, nt, R, k, add, 1);
}

void ntf_kernel_left_d(double *out, const double *x, size_t ld, size_t np, size_t nt, const double *R, size_t k,
                       int add)
{
    left_any(out, x, ld, np, nt, R, k, add, 0);
}

void ntf_kernel_right_f(double *out, const float *x, size_t ld, size_t nt, size_t np, const double *Lt,
                        size_t ldl, size_t k, int add)
{
    right_any(out, x, ld, nt, np, Lt, ldl, k, add, 1);
}

void ntf_kernel_right_d(double *out, const double *x, size_t ld, size_t nt, size_t np, const double *Lt,
                        size_t ldl, size_t k, int add)
{
    right_any(out, x, ld, nt, np, Lt, ldl, k, add, 0);
}

void ntf_kernel_transpose(double *Lt, size_t ldl, const double *L, size_t np, size_t k)
{
    for (size_t p = 0; p < np; p++)
        for (size_t j = 0; j < k; j++) Lt[j * ldl + p] = L[p * k + j];
}
