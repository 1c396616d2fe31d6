/* ntf_internal.h - streaming passes over a tensor, shared by the NTF fit
 * and its initialisation.  Never installed. */
#ifndef WK_NTF_INTERNAL_H
#define WK_NTF_INTERNAL_H

#include <stddef.h>

#include "wormkit/wk_ntf.h"

/* Loops smaller than this (in multiply-adds) run on one thread: an OpenMP
 * region costs more than they do.  Never changes results. */
#define WK_OMP_MIN_WORK 1e6

/* Current factors used to impute missing entries (NULL: zero-fill). */
struct ntf_factors {
    size_t R;
    const double *A, *B, *C;
};

struct ntf_pass {
    const struct wk_ntf_tensor *X;
    size_t P, T, W;
    size_t nt_max;        /* rows of time per block */
    double *block;        /* [nt_max][P] */
    double *row_obs;      /* [nt_max] sum of squares of observed entries per row */
    double *row_miss;     /* [nt_max] sum of squares of imputed entries per row */
    long *row_neg;        /* [nt_max] first negative observed pair of the row, or -1 */
    double *partial;      /* pass_right: per-chunk partial products */
    size_t partial_size;
    /* statistics of the last pass */
    double obs, miss;
};

int ntf_pass_init(struct ntf_pass *ps, const struct wk_ntf_tensor *X, size_t kmax);
void ntf_pass_free(struct ntf_pass *ps);

/* Sum of squares of the observed entries; WK_EINVAL (logged) for a
 * negative entry. */
int ntf_pass_stats(struct ntf_pass *ps);
/* out[P][k] = X_(1) KR with KR[(w T + t) k + j] (e.g. the Khatri-Rao product
 * (C (.) B) as [W][T][R]). */
int ntf_pass_left(struct ntf_pass *ps, const double *KR, size_t k, double *out,
                  const struct ntf_factors *f);
/* out[(w T + t) k + j] = sum_p X[p,t,w] L[p][j]. */
int ntf_pass_right(struct ntf_pass *ps, const double *L, size_t k, double *out,
                   const struct ntf_factors *f);

/* Sum of squared residuals over the observed entries of the model
 * sum_r lambda[r] A_r o B_r o C_r (lambda NULL: all 1). */
int ntf_pass_residual(struct ntf_pass *ps, const struct ntf_factors *f, const double *lambda,
                      double *resid2);

/* The randomized-SVD (NNDSVD-style) initialisation of m's factors. */
int ntf_init_svd(struct wk_ntf_model *m, struct ntf_pass *ps, int power_iter, int for_mu,
                 gsl_rng *rng);

/* Our OpenMP chunks each call GEMM: keep OpenBLAS single-threaded inside. */
void ntf_blas_serial(void);

/* G[R][R] = F' F for F [n][R]. */
void ntf_gram(double *G, const double *F, size_t n, size_t R);

#endif
