/* vector_internal.h - compiling a hot kernel twice on x86-64 with gcc or
 * clang, for AVX2 and for the baseline, picked at run time.  Helpers marked
 * WK_INLINE are inlined into the WK_VECTOR_CLONES function, so they are
 * vectorized in both versions.  Kernels that use this must not depend on
 * FMA contraction or vectorized reductions, so both versions give the same
 * bits (tests compare them). */
#ifndef WK_VECTOR_INTERNAL_H
#define WK_VECTOR_INTERNAL_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define WK_INLINE inline __attribute__((always_inline))
#define WK_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WK_INLINE inline
#define WK_VECTOR_CLONES
#endif

#endif
