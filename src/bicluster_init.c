/* bicluster_init.c - initial neuron labels for worm-bicluster by sparse
 * subspace clustering (Elhamifar & Vidal 2013, with orthogonal matching
 * pursuit instead of the l1 program): the neurons of one cluster share a
 * (p+1)-dimensional latent block, so each smoothed log-rate row is close
 * to a combination of a few rows of its own cluster (loadings of either
 * sign, so plain correlation or k-means on the rows does not see this).
 * The pursuit coefficients make an affinity graph; its normalized
 * Laplacian's eigengap picks the number of clusters and k-means on the
 * spectral embedding the labels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>

#include "bicluster_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

#define PURSUIT_MAX 8
#define KMEANS_STARTS 10
#define KMEANS_ROUNDS 50

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++) s += a[k] * b[k];
    return s;
}

/* Orthogonal matching pursuit of row i on the other rows: m rows chosen
 * greedily; |coefficients| (scaled to a maximum of 1) added to w[i][.]. */
static int pursue(double *w, const double *s, size_t N, size_t T, size_t i, size_t m, double *res)
{
    size_t sel[PURSUIT_MAX];
    double gram[PURSUIT_MAX * PURSUIT_MAX], coef[PURSUIT_MAX];
    const double *target = s + i * T;
    memcpy(res, target, T * sizeof(double));
    size_t n = 0;
    for (; n < m; n++) {
        size_t best = N;
        double top = -1;
        for (size_t j = 0; j < N; j++) {
            int used = j == i;
            for (size_t a = 0; a < n; a++) used |= sel[a] == j;
            double v = used ? -1 : fabs(dot(s + j * T, res, T));
            if (v > top) top = v, best = j;
        }
        if (best == N) break;
        sel[n] = best;
        for (size_t a = 0; a <= n; a++) {
            coef[a] = dot(s + sel[a] * T, target, T);
            for (size_t b = 0; b <= n; b++) gram[a * (n + 1) + b] = dot(s + sel[a] * T, s + sel[b] * T, T) + (a == b) * 1e-9;
        }
        if (wk_bc_chol(gram, n + 1) < 0) break;
        wk_bc_chol_solve(gram, n + 1, coef);
        memcpy(res, target, T * sizeof(double));
        for (size_t a = 0; a <= n; a++)
            for (size_t t = 0; t < T; t++) res[t] -= coef[a] * s[sel[a] * T + t];
    }
    double top = 0;
    for (size_t a = 0; a < n; a++)
        if (fabs(coef[a]) > top) top = fabs(coef[a]);
    for (size_t a = 0; top > 0 && a < n; a++) w[i * N + sel[a]] += fabs(coef[a]) / top;
    return 0;
}

/* k-means of the rows e (N x k) with several random starts; the labels of
 * the lowest within-cluster sum of squares go to z. */
static void embedding_kmeans(int *z, const double *e, size_t N, size_t k, gsl_rng *rng, int *lab, double *cen)
{
    double best = INFINITY;
    for (int start = 0; start < KMEANS_STARTS; start++) {
        for (size_t c = 0; c < k; c++) memcpy(cen + c * k, e + gsl_rng_uniform_int(rng, N) * k, k * sizeof(double));
        double cost = 0;
        for (int round = 0; round < KMEANS_ROUNDS; round++) {
            cost = 0;
            for (size_t i = 0; i < N; i++) {
                double near = INFINITY;
                for (size_t c = 0; c < k; c++) {
                    double d = 0;
                    for (size_t a = 0; a < k; a++) d += (e[i * k + a] - cen[c * k + a]) * (e[i * k + a] - cen[c * k + a]);
                    if (d < near) near = d, lab[i] = (int)c;
                }
                cost += near;
            }
            for (size_t c = 0; c < k; c++) {
                size_t n = 0;
                double mean[WK_BC_MAX_K] = {0};
                for (size_t i = 0; i < N; i++)
                    if ((size_t)lab[i] == c) {
                        n++;
                        for (size_t a = 0; a < k; a++) mean[a] += e[i * k + a];
                    }
                for (size_t a = 0; n && a < k; a++) cen[c * k + a] = mean[a] / (double)n;
            }
        }
        if (cost < best) best = cost, memcpy(z, lab, N * sizeof(int));
    }
}

static size_t compact_labels(int *z, size_t N, size_t k)
{
    int remap[WK_BC_MAX_K];
    size_t used = 0;
    for (size_t c = 0; c < k; c++) remap[c] = -1;
    for (size_t i = 0; i < N; i++)
        if (remap[z[i]] < 0) remap[z[i]] = (int)used++;
    for (size_t i = 0; i < N; i++) z[i] = remap[z[i]];
    return used;
}

int wk_bc_subspace_labels(int *z, size_t *K, const double *s, size_t N, size_t T, size_t dim, size_t kfix,
                          size_t kmax, gsl_rng *rng)
{
    size_t m = dim;
    if (m >= N) m = N - 1;
    if (m > PURSUIT_MAX) m = PURSUIT_MAX;
    if (kmax > N) kmax = N;
    if (kmax > WK_BC_MAX_K) kmax = WK_BC_MAX_K;
    double *w = wk_calloc(N * N, sizeof(double)), *res = wk_malloc_array(T, sizeof(double));
    double *e = wk_malloc_array(N, kmax * sizeof(double)), *cen = wk_malloc_array(kmax, kmax * sizeof(double));
    int *lab = wk_malloc_array(N, sizeof(int));
    gsl_matrix *lap = gsl_matrix_alloc(N, N), *evec = gsl_matrix_alloc(N, N);
    gsl_vector *eval = gsl_vector_alloc(N);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(N);
    int rc = w && res && e && cen && lab && lap && evec && eval && ws ? 0 : WK_ENOMEM;
    for (size_t i = 0; !rc && i < N; i++) rc = pursue(w, s, N, T, i, m, res);
    if (!rc) {
        double *deg = e; /* e (N x kmax) is free until the embedding */
        for (size_t i = 0; i < N; i++) {
            deg[i] = 0;
            for (size_t j = 0; j < N; j++) deg[i] += w[i * N + j] + w[j * N + i];
            if (deg[i] <= 0) deg[i] = 1;
        }
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++)
                gsl_matrix_set(lap, i, j, (i == j) - (w[i * N + j] + w[j * N + i]) / sqrt(deg[i] * deg[j]));
        if (gsl_eigen_symmv(lap, eval, evec, ws) != 0)
            rc = wk_fail(WK_ENUMERIC, "bicluster: eigendecomposition of the initial affinity failed");
    }
    if (!rc) {
        gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_ASC);
        size_t k = kfix;
        if (!k) {
            /* the smallest k whose eigengap is within a factor 2 of the
             * largest: noise splits a cluster's spectrum more often than it
             * merges two clusters' */
            double gap = 0;
            for (size_t c = 2; c <= kmax && c < N; c++)
                if (gsl_vector_get(eval, c) - gsl_vector_get(eval, c - 1) > gap)
                    gap = gsl_vector_get(eval, c) - gsl_vector_get(eval, c - 1);
            k = 1;
            for (size_t c = 2; c <= kmax && c < N && k == 1; c++)
                if (gsl_vector_get(eval, c) - gsl_vector_get(eval, c - 1) >= 0.5 * gap) k = c;
        }
        if (k > kmax) k = kmax;
        for (size_t i = 0; i < N; i++) {
            double norm = 0;
            for (size_t a = 0; a < k; a++) norm += gsl_matrix_get(evec, i, a) * gsl_matrix_get(evec, i, a);
            norm = norm > 0 ? sqrt(norm) : 1;
            for (size_t a = 0; a < k; a++) e[i * k + a] = gsl_matrix_get(evec, i, a) / norm;
        }
        embedding_kmeans(z, e, N, k, rng, lab, cen);
        *K = compact_labels(z, N, k);
    }
    gsl_eigen_symmv_free(ws);
    gsl_vector_free(eval);
    gsl_matrix_free(evec);
    gsl_matrix_free(lap);
    free(lab), free(cen), free(e), free(res), free(w);
    return rc;
}
