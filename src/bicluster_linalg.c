/* bicluster_linalg.c - small dense linear algebra for the bicluster sampler
 * (matrices of at most a few hundred rows: plain loops, fixed order, so
 * results do not depend on threads or BLAS). */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "bicluster_internal.h"
#include "wormkit/wk_error.h"

int wk_bc_chol(double *a, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double s = a[j * n + j];
        for (size_t k = 0; k < j; k++) s -= a[j * n + k] * a[j * n + k];
        if (!(s > 0) || !isfinite(s)) return WK_ENUMERIC;
        double ljj = sqrt(s);
        a[j * n + j] = ljj;
        for (size_t i = j + 1; i < n; i++) {
            double v = a[i * n + j];
            for (size_t k = 0; k < j; k++) v -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = v / ljj;
        }
        for (size_t k = j + 1; k < n; k++) a[j * n + k] = 0.0;
    }
    return 0;
}

static void forward_subst(const double *l, size_t n, double *b)
{
    for (size_t i = 0; i < n; i++) {
        double v = b[i];
        for (size_t k = 0; k < i; k++) v -= l[i * n + k] * b[k];
        b[i] = v / l[i * n + i];
    }
}

static void backward_subst_t(const double *l, size_t n, double *b)
{
    for (size_t ii = n; ii-- > 0;) {
        double v = b[ii];
        for (size_t k = ii + 1; k < n; k++) v -= l[k * n + ii] * b[k];
        b[ii] = v / l[ii * n + ii];
    }
}

void wk_bc_chol_solve(const double *l, size_t n, double *b)
{
    forward_subst(l, n, b);
    backward_subst_t(l, n, b);
}

/* (L L')^{-1} = L^{-T} L^{-1}: the triangular inverse into the lower
 * triangle of inv, then the product built in place (each entry of the
 * upper triangle and diagonal is written after the last read of the
 * entries it overwrites), then mirrored. */
void wk_bc_chol_inverse(double *inv, const double *l, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        inv[j * n + j] = 1.0 / l[j * n + j];
        for (size_t i = j + 1; i < n; i++) {
            double v = 0;
            for (size_t k = j; k < i; k++) v -= l[i * n + k] * inv[k * n + j];
            inv[i * n + j] = v / l[i * n + i];
        }
    }
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; i < j; i++) {
            double v = 0;
            for (size_t k = j; k < n; k++) v += inv[k * n + i] * inv[k * n + j];
            inv[i * n + j] = v;
        }
        double v = 0;
        for (size_t k = j; k < n; k++) v += inv[k * n + j] * inv[k * n + j];
        inv[j * n + j] = v;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) inv[i * n + j] = inv[j * n + i];
}

void wk_bc_chol_draw_precision(double *x, const double *l, size_t n, gsl_rng *rng)
{
    double z[WK_BC_MAX_K * 8];
    for (size_t i = 0; i < n; i++) z[i] = gsl_ran_ugaussian(rng);
    backward_subst_t(l, n, z);
    for (size_t i = 0; i < n; i++) x[i] += z[i];
}

void wk_bc_chol_draw_covariance(double *x, const double *l, size_t n, gsl_rng *rng)
{
    double z[WK_BC_MAX_K * 8];
    for (size_t i = 0; i < n; i++) z[i] = gsl_ran_ugaussian(rng);
    for (size_t i = 0; i < n; i++) {
        double v = 0;
        for (size_t k = 0; k <= i; k++) v += l[i * n + k] * z[k];
        x[i] += v;
    }
}

double wk_bc_chol_logdet(const double *l, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += 2.0 * log(l[i * n + i]);
    return s;
}

void wk_bc_matmul(double *c, const double *a, const double *b, size_t n, size_t m, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        double *ci = c + i * k;
        memset(ci, 0, k * sizeof *ci);
        for (size_t q = 0; q < m; q++) {
            double aiq = a[i * m + q];
            if (aiq == 0.0) continue;
            const double *bq = b + q * k;
            for (size_t j = 0; j < k; j++) ci[j] += aiq * bq[j];
        }
    }
}

void wk_bc_matmul_tn(double *c, const double *a, const double *b, size_t m, size_t n, size_t k)
{
    memset(c, 0, n * k * sizeof *c);
    for (size_t q = 0; q < m; q++)
        for (size_t i = 0; i < n; i++) {
            double aqi = a[q * n + i];
            if (aqi == 0.0) continue;
            for (size_t j = 0; j < k; j++) c[i * k + j] += aqi * b[q * k + j];
        }
}

void wk_bc_matmul_nt(double *c, const double *a, const double *b, size_t n, size_t m, size_t k)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            double v = 0;
            for (size_t q = 0; q < m; q++) v += a[i * m + q] * b[j * m + q];
            c[i * k + j] = v;
        }
}

void wk_bc_symmetrize(double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double v = 0.5 * (a[i * n + j] + a[j * n + i]);
            a[i * n + j] = a[j * n + i] = v;
        }
}

/* Bartlett: W = C B B' C' ~ Wishart(S^{-1}, nu) with S^{-1} = C C'; Q = W^{-1}.
 * work holds 3 n^2 doubles. */
int wk_bc_first_bin_chol(double *l, const double *A, const double *Q, size_t n)
{
    wk_bc_matmul_nt(l, A, A, n, n, n);
    for (size_t k = 0; k < n * n; k++) l[k] += Q[k];
    wk_bc_symmetrize(l, n);
    return wk_bc_chol(l, n);
}

int wk_bc_inverse_wishart(double *q, const double *s, double nu, size_t n, gsl_rng *rng, double *work)
{
    double *c = work, *bb = work + n * n, *m = work + 2 * n * n;
    memcpy(m, s, n * n * sizeof *m);
    int rc = wk_bc_chol(m, n);
    if (rc < 0) return rc;
    wk_bc_chol_inverse(c, m, n); /* S^{-1} */
    rc = wk_bc_chol(c, n);
    if (rc < 0) return rc;
    memset(bb, 0, n * n * sizeof *bb);
    for (size_t i = 0; i < n; i++) {
        bb[i * n + i] = sqrt(gsl_ran_chisq(rng, nu - (double)i));
        for (size_t j = 0; j < i; j++) bb[i * n + j] = gsl_ran_ugaussian(rng);
    }
    wk_bc_matmul(m, c, bb, n, n, n); /* C B, lower triangular */
    /* W = (CB)(CB)'; its Cholesky factor is CB itself */
    wk_bc_chol_inverse(q, m, n);
    return 0;
}
