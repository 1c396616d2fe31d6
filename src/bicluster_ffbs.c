/* bicluster_ffbs.c - forward filtering, backward sampling of the latent
 * trajectories under switching linear dynamics, in information form: the
 * observations enter as information (J_t, h_t) of size D, so no N x N
 * matrix is ever formed or inverted.
 *
 * The trajectory X_0..X_{T-1} given the information is Gaussian with a
 * block-tridiagonal precision: diagonal blocks M_t = J_t + Q_t^{-1}
 * + A_{t+1}' Q_{t+1}^{-1} A_{t+1} (none at T-1), off-diagonal
 * blocks -Q_t^{-1} A_t, where the dynamics of bin t are those of state xi_t
 * (X_{t-1} -> X_t).  Bin 0 has the dynamics of xi_0 from X_{-1} ~ N(0, I),
 * a step before the first bin that is integrated out: X_0 ~ N(b, A A' + Q),
 * whose precision and information stand for Q_0^{-1} and its offset term.
 * Its block Cholesky factor, built forward in time, is
 * the filter: U_t' U_t = M_t - W_t' W_t with W_t = U_{t-1}'^{-1} A_t' Q_t^{-1}
 * is the precision of X_t given X_{t+1} and the bins up to t; the draw is a
 * back-substitution with a standard normal right-hand side.  Per bin that is
 * one triangular solve with D right-hand sides, one symmetric rank-D
 * update and one Cholesky (7/6 D^3 multiply-adds), all per-state products
 * precomputed, only U_t (packed) kept for the backward pass.  Below
 * FFBS_BLAS_MIN every kernel is written as row updates (axpy) in a fixed
 * order: vectorizable, and the same bytes whatever the vector width; from
 * there on OpenBLAS's blocked dtrsm, dsyrk and dpotrf on one thread do the
 * forward pass (about 1.7 times faster at D = 90 to 192), deterministic
 * too, agreeing with the row updates to rounding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>

#include "bicluster_internal.h"
#include "vector_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

/* From this latent dimension on, the forward pass calls OpenBLAS: CPU time
 * of the whole FFBS relative to the row updates 0.75 to 0.92 at D = 24,
 * 0.6 to 0.7 at 90, 0.55 at 192 (instruction counts of the forward kernels
 * 0.66, 0.57, 0.55), but 0.95 to 1.2 at D = 9 to 18 (call overhead). */
#define FFBS_BLAS_MIN 24

/* From OpenBLAS: LAPACK's Cholesky (no lapacke.h installed) and the thread
 * count (its cblas.h clashes with gsl_cblas.h, whose cblas_* declarations
 * OpenBLAS provides at link time). */
void openblas_set_num_threads(int num_threads);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/* Offset of row i (columns i..D-1) of a packed upper triangle. */
static size_t packed_row(size_t i, size_t D)
{
    return i * (2 * D + 1 - i) / 2;
}

/* Per-state products used at every bin. */
struct dyn_terms {
    double *qinv; /* Q^{-1} */
    double *atqa; /* A' Q^{-1} A */
    double *atq;  /* A' Q^{-1} */
    double *qb;   /* Q^{-1} b */
    double *aqb;  /* A' Q^{-1} b */
};

static size_t terms_size(size_t D)
{
    return 3 * D * D + 2 * D;
}

static void terms_at(struct dyn_terms *s, double *base, size_t D)
{
    s->qinv = base;
    s->atqa = base + D * D;
    s->atq = base + 2 * D * D;
    s->qb = base + 3 * D * D;
    s->aqb = s->qb + D;
}

static int cache_state(const struct dyn_terms *s, const double *A, const double *b, const double *Q, size_t D,
                       double *tmp)
{
    memcpy(tmp, Q, D * D * sizeof *tmp);
    int rc = wk_bc_chol(tmp, D);
    if (rc < 0) return wk_fail(rc, "bicluster: state noise covariance is not positive definite");
    wk_bc_chol_inverse(s->qinv, tmp, D);
    wk_bc_matmul_tn(s->atq, A, s->qinv, D, D, D);
    wk_bc_matmul(s->atqa, s->atq, A, D, D, D);
    wk_bc_symmetrize(s->atqa, D);
    for (size_t i = 0; i < D; i++) {
        double u = 0, v = 0;
        for (size_t k = 0; k < D; k++) u += s->qinv[i * D + k] * b[k], v += s->atq[i * D + k] * b[k];
        s->qb[i] = u;
        s->aqb[i] = v;
    }
    return 0;
}

/* The prior of bin 0 under state l: X_0 = b + A X_{-1} + N(0, Q) with
 * X_{-1} ~ N(0, I), i.e. N(b, A A' + Q); only qinv (its precision) and qb
 * (precision times b) are filled. */
static int cache_first(const struct dyn_terms *s, const double *A, const double *b, const double *Q, size_t D,
                       double *tmp)
{
    int rc = wk_bc_first_bin_chol(tmp, A, Q, D);
    if (rc < 0) return wk_fail(rc, "bicluster: prior covariance of the first bin is not positive definite");
    wk_bc_chol_inverse(s->qinv, tmp, D);
    for (size_t i = 0; i < D; i++) {
        double u = 0;
        for (size_t k = 0; k < D; k++) u += s->qinv[i * D + k] * b[k];
        s->qb[i] = u;
    }
    return 0;
}

static size_t states_used(const int *xi, size_t T)
{
    int top = 0;
    for (size_t t = 1; t < T; t++)
        if (xi[t] > top) top = xi[t];
    return (size_t)top + 1;
}

size_t wk_bc_ffbs_work_size(size_t T, size_t D, size_t L)
{
    return T * (D * (D + 1) / 2 + D) + (L + 1) * terms_size(D) + 3 * D * D + 3 * D;
}

/* M_t (upper triangle of s) and the information of bin t in v (first:
 * the prior of bin 0). */
static void bin_terms(double *s, double *v, size_t t, size_t T, size_t D, size_t B, const double *J,
                      const double *h, const struct dyn_terms *terms, const struct dyn_terms *first, const int *xi)
{
    const struct dyn_terms *now = t > 0 ? terms + xi[t] : first, *next = t + 1 < T ? terms + xi[t + 1] : NULL;
    for (size_t i = 0; i < D; i++) {
        double *si = s + i * D;
        const double *q = now->qinv + i * D, *a = next ? next->atqa + i * D : NULL;
        for (size_t j = i; j < D; j++) si[j] = q[j] + (a ? a[j] : 0.0);
        v[i] = h[t * D + i] + now->qb[i] - (next ? next->aqb[i] : 0.0);
    }
    const double *Jt = J + t * D * B;
    for (size_t c = 0; c < D / B; c++)
        for (size_t a = 0; a < B; a++) {
            const double *row = Jt + (c * B + a) * B;
            double *si = s + (c * B + a) * D + c * B;
            for (size_t bb = a; bb < B; bb++) si[bb] += row[bb];
        }
}

/* The kernels are inlined into factor(), compiled for AVX2 and the
 * baseline (vector_internal.h); no reductions in the vectorized loops. */

/* y[j] -= a0 x0[j] + a1 x1[j] + a2 x2[j] + a3 x3[j], x_k = x + k stride. */
static WK_INLINE void sub_four(double *restrict y, const double *restrict x, size_t stride, const double *a, size_t n)
{
    const double *x0 = x, *x1 = x + stride, *x2 = x + 2 * stride, *x3 = x + 3 * stride;
    double a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
#pragma omp simd
    for (size_t j = 0; j < n; j++) y[j] -= a0 * x0[j] + a1 * x1[j] + a2 * x2[j] + a3 * x3[j];
}

/* y[j] -= sum_{m<8} a_m x_m[j] (in that order), x_m = x + m stride. */
static WK_INLINE void sub_eight(double *restrict y, const double *restrict x, size_t stride, const double *a, size_t n)
{
    const double *x0 = x, *x1 = x + stride, *x2 = x + 2 * stride, *x3 = x + 3 * stride;
    const double *x4 = x + 4 * stride, *x5 = x + 5 * stride, *x6 = x + 6 * stride, *x7 = x + 7 * stride;
    double a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7];
#pragma omp simd
    for (size_t j = 0; j < n; j++)
        y[j] -= a0 * x0[j] + a1 * x1[j] + a2 * x2[j] + a3 * x3[j] + a4 * x4[j] + a5 * x5[j] + a6 * x6[j] + a7 * x7[j];
}

static WK_INLINE void sub_one(double *restrict y, const double *restrict x, double a, size_t n)
{
#pragma omp simd
    for (size_t j = 0; j < n; j++) y[j] -= a * x[j];
}

/* w = U'^{-1} w for the D x D matrix w (rows), U packed upper: row i of
 * the result is (w_i - sum_{k<i} U[k][i] w_k) / U[i][i], four k at a time. */
static WK_INLINE void solve_lower_rows(double *w, const double *u, size_t D)
{
    for (size_t i = 0; i < D; i++) {
        double *wi = w + i * D, a[8];
        size_t k = 0;
        for (; k + 8 <= i; k += 8) {
            for (size_t m = 0; m < 8; m++) a[m] = u[packed_row(k + m, D) + i - (k + m)];
            sub_eight(wi, w + k * D, D, a, D);
        }
        for (; k + 4 <= i; k += 4) {
            for (size_t m = 0; m < 4; m++) a[m] = u[packed_row(k + m, D) + i - (k + m)];
            sub_four(wi, w + k * D, D, a, D);
        }
        for (; k < i; k++) sub_one(wi, w + k * D, u[packed_row(k, D) + i - k], D);
        double inv = 1.0 / u[packed_row(i, D)];
#pragma omp simd
        for (size_t j = 0; j < D; j++) wi[j] *= inv;
    }
}

/* Upper triangle of s -= w' w, four rows of w at a time. */
static WK_INLINE void subtract_gram(double *s, const double *w, size_t D)
{
    size_t k = 0;
    for (; k + 8 <= D; k += 8) {
        const double *wk = w + k * D;
        for (size_t i = 0; i < D; i++) {
            double a[8];
            for (size_t m = 0; m < 8; m++) a[m] = wk[m * D + i];
            sub_eight(s + i * D + i, wk + i, D, a, D - i);
        }
    }
    for (; k + 4 <= D; k += 4) {
        const double *wk = w + k * D;
        for (size_t i = 0; i < D; i++) {
            double a[4] = {wk[i], wk[D + i], wk[2 * D + i], wk[3 * D + i]};
            sub_four(s + i * D + i, wk + i, D, a, D - i);
        }
    }
    for (; k < D; k++) {
        const double *wk = w + k * D;
        for (size_t i = 0; i < D; i++) sub_one(s + i * D + i, wk + i, wk[i], D - i);
    }
}

/* Cholesky s = U' U of the upper triangle of s (destroyed) into packed u. */
static WK_INLINE int chol_packed(double *u, double *s, size_t D)
{
    for (size_t j = 0; j < D; j++) {
        double *uj = u + packed_row(j, D) - j, *sj = s + j * D, d = sj[j];
        if (!(d > 0) || !isfinite(d)) return WK_ENUMERIC;
        d = sqrt(d);
        double inv = 1.0 / d;
        uj[j] = d;
#pragma omp simd
        for (size_t k = j + 1; k < D; k++) uj[k] = sj[k] * inv;
        for (size_t i = j + 1; i < D; i++) sub_one(s + i * D + i, uj + i, uj[i], D - i);
    }
    return 0;
}

/* v += w' a for the D x D matrix w (rows) and a of length D. */
static WK_INLINE void add_transposed_product(double *restrict v, const double *restrict w, const double *restrict a,
                                             size_t D)
{
    for (size_t k = 0; k < D; k++) {
        const double *wk = w + k * D;
        double ak = a[k];
#pragma omp simd
        for (size_t j = 0; j < D; j++) v[j] += ak * wk[j];
    }
}

static int not_positive_definite(size_t t)
{
    return wk_fail(WK_ENUMERIC, "bicluster: latent precision is not positive definite at bin %zu", t);
}

/* dpotrf lets NaN through its positivity test. */
static int finite_diagonal(const double *s, size_t D)
{
    for (size_t i = 0; i < D; i++)
        if (!isfinite(s[i * D + i])) return 0;
    return 1;
}

/* v = U'^{-1} v. */
static void solve_lower(double *v, const double *u, size_t D)
{
    for (size_t k = 0; k < D; k++) {
        const double *uk = u + packed_row(k, D) - k;
        double x = v[k] / uk[k];
        v[k] = x;
        for (size_t i = k + 1; i < D; i++) v[i] -= uk[i] * x;
    }
}

/* v = U^{-1} v. */
static void solve_upper(double *v, const double *u, size_t D)
{
    for (size_t i = D; i-- > 0;) {
        const double *ui = u + packed_row(i, D) - i;
        double s = v[i];
        for (size_t j = i + 1; j < D; j++) s -= ui[j] * v[j];
        v[i] = s / ui[i];
    }
}

/* Forward pass: the factors U_t (packed) and u_t = (block factor)^{-1} h. */
WK_VECTOR_CLONES static int factor(double *U, double *u, size_t T, size_t D, size_t B, const double *J, const double *h,
                  const struct dyn_terms *terms, const struct dyn_terms *first, const int *xi, double *s,
                  double *w)
{
    size_t packed = D * (D + 1) / 2;
    for (size_t t = 0; t < T; t++) {
        double *ut = u + t * D, *Ut = U + t * packed;
        bin_terms(s, ut, t, T, D, B, J, h, terms, first, xi);
        if (t > 0) {
            memcpy(w, terms[xi[t]].atq, D * D * sizeof *w);
            solve_lower_rows(w, U + (t - 1) * packed, D);
            subtract_gram(s, w, D);
            add_transposed_product(ut, w, u + (t - 1) * D, D);
        }
        if (chol_packed(Ut, s, D) < 0) return not_positive_definite(t);
        solve_lower(ut, Ut, D);
    }
    return 0;
}

/* The same forward pass by OpenBLAS (one thread, so the same bits whatever
 * the number of chains or threads; they may differ from factor()'s in the
 * last places): per bin a dtrsm, a dsyrk and a dpotrf on full row-major
 * D x D matrices; the factor of the previous bin stays in full storage
 * (prev, the upper triangle) for the next dtrsm, and is packed for the
 * backward pass. */
static int factor_blas(double *U, double *u, size_t T, size_t D, size_t B, const double *J, const double *h,
                       const struct dyn_terms *terms, const struct dyn_terms *first, const int *xi, double *s,
                       double *prev, double *w)
{
    size_t packed = D * (D + 1) / 2;
    int n = (int)D;
    for (size_t t = 0; t < T; t++) {
        double *ut = u + t * D, *Ut = U + t * packed;
        bin_terms(s, ut, t, T, D, B, J, h, terms, first, xi);
        if (t > 0) {
            memcpy(w, terms[xi[t]].atq, D * D * sizeof *w);
            cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, n, n, 1.0, prev, n, w, n);
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, n, -1.0, w, n, 1.0, s, n);
            add_transposed_product(ut, w, u + (t - 1) * D, D);
        }
        /* the row-major upper triangle is the column-major lower one */
        int info = 0;
        dpotrf_("L", &n, s, &n, &info);
        if (info != 0 || !finite_diagonal(s, D)) return not_positive_definite(t);
        for (size_t i = 0; i < D; i++) memcpy(Ut + packed_row(i, D), s + i * D + i, (D - i) * sizeof *s);
        solve_lower(ut, Ut, D);
        double *done = s;
        s = prev;
        prev = done;
    }
    return 0;
}

/* Backward pass: X_t = U_t^{-1} (u_t + z_t + U_t'^{-1} A' Q^{-1} X_{t+1}). */
static void backward(double *X, gsl_rng *rng, size_t T, size_t D, const double *U, const double *u,
                     const struct dyn_terms *terms, const int *xi, double *g)
{
    size_t packed = D * (D + 1) / 2;
    for (size_t t = T; t-- > 0;) {
        const double *Ut = U + t * packed;
        double *x = X + t * D;
        if (t + 1 < T) {
            const double *atq = terms[xi[t + 1]].atq, *next = X + (t + 1) * D;
            for (size_t i = 0; i < D; i++) {
                double v = 0;
                for (size_t k = 0; k < D; k++) v += atq[i * D + k] * next[k];
                g[i] = v;
            }
            solve_lower(g, Ut, D);
        } else {
            memset(g, 0, D * sizeof *g);
        }
        for (size_t i = 0; i < D; i++) x[i] = u[t * D + i] + gsl_ran_ugaussian(rng) + g[i];
        solve_upper(x, Ut, D);
    }
}

int wk_bc_ffbs_kernel(double *X, gsl_rng *rng, size_t T, size_t D, size_t B, const double *J, const double *h,
                      const double *A, const double *b, const double *Q, const int *xi, double *work, int blas)
{
    if (T == 0 || D == 0) return 0;
    size_t L = states_used(xi, T), packed = D * (D + 1) / 2;
    double *U = work, *u = U + T * packed, *s = u + T * D, *w = s + D * D, *prev = w + D * D, *g = prev + D * D;
    double *base = g + 3 * D;
    struct dyn_terms terms[WK_BC_MAX_K * 8];
    if (L > sizeof terms / sizeof terms[0]) return wk_fail(WK_ERANGE, "bicluster: too many states (%zu)", L);
    for (size_t l = 0; l < L; l++) {
        terms_at(&terms[l], base + l * terms_size(D), D);
        int rc = cache_state(&terms[l], A + l * D * D, b + l * D, Q + l * D * D, D, s);
        if (rc < 0) return rc;
    }
    struct dyn_terms first;
    terms_at(&first, base + L * terms_size(D), D);
    size_t l0 = (size_t)xi[0];
    int rc = cache_first(&first, A + l0 * D * D, b + l0 * D, Q + l0 * D * D, D, s);
    if (rc < 0) return rc;
    if (blas) {
        openblas_set_num_threads(1); /* chains run in parallel instead */
        rc = factor_blas(U, u, T, D, B, J, h, terms, &first, xi, s, prev, w);
    } else {
        rc = factor(U, u, T, D, B, J, h, terms, &first, xi, s, w);
    }
    if (rc < 0) return rc;
    backward(X, rng, T, D, U, u, terms, xi, g);
    return 0;
}

int wk_bc_ffbs_blocks(double *X, gsl_rng *rng, size_t T, size_t D, size_t B, const double *J, const double *h,
                      const double *A, const double *b, const double *Q, const int *xi, double *work)
{
    return wk_bc_ffbs_kernel(X, rng, T, D, B, J, h, A, b, Q, xi, work, D >= FFBS_BLAS_MIN);
}

int wk_bicluster_ffbs(double *X, gsl_rng *rng, size_t T, size_t D, const double *J, const double *h,
                      const double *A, const double *b, const double *Q, const int *xi)
{
    if (T == 0 || D == 0) return 0;
    if (D > WK_BC_MAX_K * 8) return wk_fail(WK_ERANGE, "bicluster: latent dimension %zu too large", D);
    double *work = wk_malloc_array(wk_bc_ffbs_work_size(T, D, states_used(xi, T)), sizeof(double));
    if (!work) return WK_ENOMEM;
    int rc = wk_bc_ffbs_blocks(X, rng, T, D, D, J, h, A, b, Q, xi, work);
    free(work);
    return rc;
}
