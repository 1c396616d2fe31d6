/* bicluster_ffbs.c - forward filtering, backward sampling of the latent
 * trajectories under switching linear dynamics, in information form: the
 * observations enter as information (J_t, h_t) of size D, so no N x N
 * matrix is ever formed or inverted; cost O(T D^3) on top of the O(T N P^2)
 * of accumulating (J_t, h_t). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bicluster_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

/* Per-state quantities used at every step. */
struct dyn_cache {
    double *qinv;  /* Q^{-1} */
    double *atqa;  /* A' Q^{-1} A */
    double *atq;   /* A' Q^{-1} */
};

static int cache_state(double *qinv, double *atqa, double *atq, const double *A, const double *Q, size_t D,
                       double *work)
{
    memcpy(work, Q, D * D * sizeof *work);
    int rc = wk_bc_chol(work, D);
    if (rc < 0) return wk_fail(rc, "bicluster: state noise covariance is not positive definite");
    wk_bc_chol_inverse(qinv, work, D);
    wk_bc_matmul_tn(atq, A, qinv, D, D, D);
    wk_bc_matmul(atqa, atq, A, D, D, D);
    wk_bc_symmetrize(atqa, D);
    return 0;
}

/* Forward pass: prec[t], info[t] of the filtered X_t | y_{0..t}. */
static int filter(double *prec, double *info, size_t T, size_t D, const double *J, const double *h,
                  const double *A, const double *b, const double *Q, const int *xi, double *work)
{
    double *cov = work, *m = work + D * D, *pred = work + D * D + D, *tmp = pred + D * D,
           *mp = tmp + D * D;
    for (size_t t = 0; t < T; t++) {
        double *pt = prec + t * D * D, *it = info + t * D;
        if (t == 0) {
            memset(pred, 0, D * D * sizeof *pred);
            for (size_t i = 0; i < D; i++) pred[i * D + i] = 1.0;
            memset(mp, 0, D * sizeof *mp);
        } else {
            const double *Al = A + (size_t)xi[t] * D * D, *bl = b + (size_t)xi[t] * D,
                         *Ql = Q + (size_t)xi[t] * D * D;
            wk_bc_matmul(tmp, Al, cov, D, D, D);
            wk_bc_matmul_nt(pred, tmp, Al, D, D, D);
            for (size_t i = 0; i < D * D; i++) pred[i] += Ql[i];
            for (size_t i = 0; i < D; i++) {
                double v = bl[i];
                for (size_t k = 0; k < D; k++) v += Al[i * D + k] * m[k];
                mp[i] = v;
            }
        }
        /* predicted precision and information */
        wk_bc_symmetrize(pred, D);
        int rc = wk_bc_chol(pred, D);
        if (rc < 0) return wk_fail(rc, "bicluster: predicted covariance is not positive definite at bin %zu", t);
        wk_bc_chol_inverse(pt, pred, D);
        memcpy(it, mp, D * sizeof *it);
        wk_bc_chol_solve(pred, D, it);
        for (size_t i = 0; i < D * D; i++) pt[i] += J[t * D * D + i];
        for (size_t i = 0; i < D; i++) it[i] += h[t * D + i];
        /* filtered moments for the next prediction */
        memcpy(tmp, pt, D * D * sizeof *tmp);
        rc = wk_bc_chol(tmp, D);
        if (rc < 0) return wk_fail(rc, "bicluster: filtered precision is not positive definite at bin %zu", t);
        wk_bc_chol_inverse(cov, tmp, D);
        memcpy(m, it, D * sizeof *m);
        wk_bc_chol_solve(tmp, D, m);
    }
    return 0;
}

/* Draw N(prec^{-1} info, prec^{-1}) into x (prec destroyed). */
static int draw_canonical(double *x, double *prec, const double *info, size_t D, gsl_rng *rng)
{
    int rc = wk_bc_chol(prec, D);
    if (rc < 0) return wk_fail(rc, "bicluster: smoothing precision is not positive definite");
    memcpy(x, info, D * sizeof *x);
    wk_bc_chol_solve(prec, D, x);
    wk_bc_chol_draw_precision(x, prec, D, rng);
    return 0;
}

static int backward(double *X, gsl_rng *rng, size_t T, size_t D, const double *prec, const double *info,
                    const double *b, const int *xi, const struct dyn_cache *cache, double *work)
{
    double *pt = work, *it = work + D * D, *diff = it + D;
    memcpy(pt, prec + (T - 1) * D * D, D * D * sizeof *pt);
    int rc = draw_canonical(X + (T - 1) * D, pt, info + (T - 1) * D, D, rng);
    for (size_t t = T - 1; rc == 0 && t-- > 0;) {
        size_t l = (size_t)xi[t + 1];
        const double *atqa = cache->atqa + l * D * D, *atq = cache->atq + l * D * D, *bl = b + l * D;
        for (size_t i = 0; i < D * D; i++) pt[i] = prec[t * D * D + i] + atqa[i];
        for (size_t i = 0; i < D; i++) diff[i] = X[(t + 1) * D + i] - bl[i];
        for (size_t i = 0; i < D; i++) {
            double v = info[t * D + i];
            for (size_t k = 0; k < D; k++) v += atq[i * D + k] * diff[k];
            it[i] = v;
        }
        rc = draw_canonical(X + t * D, pt, it, D, rng);
    }
    return rc;
}

static size_t states_used(const int *xi, size_t T)
{
    int top = 0;
    for (size_t t = 1; t < T; t++)
        if (xi[t] > top) top = xi[t];
    return (size_t)top + 1;
}

int wk_bicluster_ffbs(double *X, gsl_rng *rng, size_t T, size_t D, const double *J, const double *h,
                      const double *A, const double *b, const double *Q, const int *xi)
{
    if (T == 0 || D == 0) return 0;
    if (D > WK_BC_MAX_K * 8) return wk_fail(WK_ERANGE, "bicluster: latent dimension %zu too large", D);
    size_t L = states_used(xi, T);
    double *prec = wk_malloc_array(T * D, D * sizeof(double));
    double *info = wk_malloc_array(T, D * sizeof(double));
    double *work = wk_malloc_array(4 * D * D + 3 * D, sizeof(double));
    struct dyn_cache cache = {wk_malloc_array(L * D, D * sizeof(double)), wk_malloc_array(L * D, D * sizeof(double)),
                              wk_malloc_array(L * D, D * sizeof(double))};
    int rc = prec && info && work && cache.qinv && cache.atqa && cache.atq ? 0 : WK_ENOMEM;
    for (size_t l = 0; !rc && l < L; l++)
        rc = cache_state(cache.qinv + l * D * D, cache.atqa + l * D * D, cache.atq + l * D * D, A + l * D * D,
                         Q + l * D * D, D, work);
    if (!rc) rc = filter(prec, info, T, D, J, h, A, b, Q, xi, work);
    if (!rc) rc = backward(X, rng, T, D, prec, info, b, xi, &cache, work);
    free(cache.qinv);
    free(cache.atqa);
    free(cache.atq);
    free(work);
    free(info);
    free(prec);
    return rc;
}
