/* ntf_init.c - NNDSVD-style initialisation of a CP model from a randomized
 * SVD of the mode-1 unfolding X_(1) (P x TW), never a full SVD:
 *   range finder Y = X_(1) Omega (Omega Gaussian TW x l, l = R + 5), q power
 *   iterations (Y <- X_(1) orth(X_(1)' orth(Y))), Q = orth(Y), Z = X_(1)' Q,
 *   then the small eigenproblem of Z'Z gives X_(1) ~ U S V' (U = Q E,
 *   V = Z E / S).  Component r: a = U_r, and the right vector V_r reshaped
 *   as a T x W matrix is cut to its leading rank-one term s b c'.  As in
 *   NNDSVD (Boutsidis & Gallopoulos) each triple is replaced by the
 *   non-negative parts (a+-, b+-, c+-) with an even number of negative parts
 *   that has the largest product of norms; missing entries count as 0.
 * Cost: 2 q + 2 passes over the tensor, memory O((P + T W) l); under MPI
 * every rank holds all of Omega (T W l, all-gathered after each pass). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>

#include "ntf_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_mpi.h"
#include "wormkit/wk_util.h"

#define RANK1_ITER 50

/* Orthonormalize the columns of F (n x l, row-major) in place, modified
 * Gram-Schmidt applied twice; dependent columns become 0. */
static void orthonormalize(double *F, size_t n, size_t l)
{
    for (size_t j = 0; j < l; j++) {
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < j; i++) {
                double d = 0;
                for (size_t k = 0; k < n; k++) d += F[k * l + i] * F[k * l + j];
                for (size_t k = 0; k < n; k++) F[k * l + j] -= d * F[k * l + i];
            }
        double s = 0;
        for (size_t k = 0; k < n; k++) s += F[k * l + j] * F[k * l + j];
        s = sqrt(s);
        for (size_t k = 0; k < n; k++) F[k * l + j] = s > 1e-300 ? F[k * l + j] / s : 0.0;
    }
}

static double norm2(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i] * x[i];
    return sqrt(s);
}

/* Leading singular triple of M[t][w] = v[w * T + t]: b (T), c (W), s. */
static double rank_one(const double *v, size_t T, size_t W, double *b, double *c)
{
    for (size_t w = 0; w < W; w++) c[w] = norm2(v + w * T, T);
    double s = norm2(c, W);
    if (!(s > 0)) return 0;
    for (size_t w = 0; w < W; w++) c[w] /= s;
    for (int it = 0; it < RANK1_ITER; it++) {
        for (size_t t = 0; t < T; t++) {
            double x = 0;
            for (size_t w = 0; w < W; w++) x += v[w * T + t] * c[w];
            b[t] = x;
        }
        double nb = norm2(b, T);
        if (!(nb > 0)) return 0;
        for (size_t t = 0; t < T; t++) b[t] /= nb;
        for (size_t w = 0; w < W; w++) {
            double x = 0;
            for (size_t t = 0; t < T; t++) x += v[w * T + t] * b[t];
            c[w] = x;
        }
        s = norm2(c, W);
        if (!(s > 0)) return 0;
        for (size_t w = 0; w < W; w++) c[w] /= s;
    }
    return s;
}

/* Norm of the positive (sign > 0) or negative part of x. */
static double part_norm(const double *x, size_t n, int sign)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double v = sign > 0 ? x[i] : -x[i];
        if (v > 0) s += v * v;
    }
    return sqrt(s);
}

/* Column r of F (n x R) = scale * (sign part of x) / its norm. */
static void set_part(double *F, size_t n, size_t R, size_t r, const double *x, int sign, double nrm,
                     double scale)
{
    for (size_t i = 0; i < n; i++) {
        double v = sign > 0 ? x[i] : -x[i];
        F[i * R + r] = v > 0 && nrm > 0 ? scale * v / nrm : 0.0;
    }
}

/* NNDSVD choice among the sign patterns with an even number of minus signs. */
static double nndsvd_component(struct wk_ntf_model *m, size_t r, const double *a, const double *b,
                               const double *c, double weight)
{
    static const int signs[4][3] = {{1, 1, 1}, {1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}};
    double best = -1, na = 0, nb = 0, nc = 0;
    int k_best = 0;
    for (int k = 0; k < 4; k++) {
        double x = part_norm(a, m->P, signs[k][0]), y = part_norm(b, m->T, signs[k][1]);
        double z = part_norm(c, m->W, signs[k][2]);
        if (x * y * z > best) {
            best = x * y * z;
            k_best = k;
            na = x;
            nb = y;
            nc = z;
        }
    }
    double scale = cbrt(weight * best);
    set_part(m->A, m->P, m->R, r, a, signs[k_best][0], na, scale);
    set_part(m->B, m->T, m->R, r, b, signs[k_best][1], nb, scale);
    set_part(m->C, m->W, m->R, r, c, signs[k_best][2], nc, scale);
    return weight * best;
}

static void fill_random_component(struct wk_ntf_model *m, size_t r, double weight, gsl_rng *rng)
{
    double *F[3] = {m->A, m->B, m->C};
    const size_t len[3] = {m->P, m->T, m->W};
    for (int k = 0; k < 3; k++) {
        double s = 0;
        for (size_t i = 0; i < len[k]; i++) {
            double x = gsl_rng_uniform(rng);
            F[k][i * m->R + r] = x;
            s += x * x;
        }
        double scale = s > 0 ? cbrt(weight) / sqrt(s) : 0;
        for (size_t i = 0; i < len[k]; i++) F[k][i * m->R + r] *= scale;
    }
}

/* NNDSVDa: zeros replaced by the mean of the factor (multiplicative
 * updates cannot leave 0). */
static void fill_zeros_with_mean(double *F, size_t n)
{
    double mean = 0;
    for (size_t i = 0; i < n; i++) mean += F[i];
    mean /= (double)n;
    if (!(mean > 0)) mean = 1;
    for (size_t i = 0; i < n; i++)
        if (F[i] == 0) F[i] = mean;
}

/* Eigen-decomposition of the l x l symmetric S, eigenvalues decreasing. */
static int small_eigen(double *S, size_t l, double *eval, double *evec)
{
    gsl_matrix_view Sv = gsl_matrix_view_array(S, l, l);
    gsl_vector_view ev = gsl_vector_view_array(eval, l);
    gsl_matrix_view Ev = gsl_matrix_view_array(evec, l, l);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(l);
    if (!ws) return wk_fail(WK_ENOMEM, "out of memory");
    int status = gsl_eigen_symmv(&Sv.matrix, &ev.vector, &Ev.matrix, ws);
    gsl_eigen_symmv_free(ws);
    if (status) return wk_fail(WK_ENUMERIC, "randomized svd: eigen-decomposition failed");
    gsl_eigen_symmv_sort(&ev.vector, &Ev.matrix, GSL_EIGEN_SORT_VAL_DESC);
    return 0;
}

/* Om[(w T + t) l + j] = sum_p X[p,t,w] Y[p][j] for all worms: each rank
 * computes its worms' rows, then all rows are all-gathered. */
static int right_all(struct ntf_pass *ps, const double *Y, size_t l, double *Om)
{
    size_t rows = ps->T * l;
    double *mine = Om + ps->w0 * rows;
    int rc = ntf_pass_right(ps, Y, l, mine, NULL);
    if (rc || wk_mpi_size() == 1) return rc;
    size_t *counts = ntf_share_counts(ps->W, rows * sizeof *Om);
    double *copy = wk_malloc_array(ps->wn * rows + 1, sizeof *copy);
    rc = counts && copy ? 0 : WK_ENOMEM;
    rc = wk_mpi_agree_error(rc);
    if (!rc) {
        memcpy(copy, mine, ps->wn * rows * sizeof *copy);
        rc = wk_mpi_allgather_bytes(copy, ps->wn * rows * sizeof *copy, Om, counts);
    }
    free(counts);
    free(copy);
    return rc;
}

int ntf_init_svd(struct wk_ntf_model *m, struct ntf_pass *ps, int power_iter, int for_mu, gsl_rng *rng)
{
    size_t P = m->P, T = m->T, W = m->W, R = m->R, TW = T * W;
    size_t l = R + WK_NTF_OVERSAMPLE;
    if (l > P) l = P;
    if (l > TW) l = TW;
    int rc = 0;
    double *Om = wk_malloc_array(TW * l, sizeof *Om); /* Omega, later Z */
    double *Y = wk_malloc_array(P * l, sizeof *Y);
    double *S = wk_malloc_array(l * l, sizeof *S), *E = wk_malloc_array(l * l, sizeof *E);
    double *ev = wk_malloc_array(l, sizeof *ev);
    double *a = wk_malloc_array(P, sizeof *a), *v = wk_malloc_array(TW, sizeof *v);
    double *b = wk_malloc_array(T, sizeof *b), *c = wk_malloc_array(W, sizeof *c);
    if (!Om || !Y || !S || !E || !ev || !a || !v || !b || !c) {
        rc = WK_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < TW * l; i++) Om[i] = gsl_ran_gaussian(rng, 1.0);
    double *mine = Om + ps->w0 * T * l; /* this rank's worms' rows */
    if ((rc = ntf_pass_left(ps, mine, l, Y, NULL)) != 0) goto done;
    for (int q = 0; q < power_iter; q++) {
        orthonormalize(Y, P, l);
        if ((rc = right_all(ps, Y, l, Om)) != 0) goto done;
        orthonormalize(Om, TW, l);
        if ((rc = ntf_pass_left(ps, mine, l, Y, NULL)) != 0) goto done;
    }
    orthonormalize(Y, P, l);
    if ((rc = right_all(ps, Y, l, Om)) != 0) goto done; /* Z = X' Q */
    ntf_gram(S, Om, TW, l);
    if ((rc = small_eigen(S, l, ev, E)) != 0) goto done;

    double smallest = 0;
    size_t n_svd = 0;
    for (size_t r = 0; r < R; r++) {
        if (r >= l || !(ev[r] > 1e-24 * ev[0])) break;
        double sigma = sqrt(ev[r]);
        for (size_t p = 0; p < P; p++) {
            double x = 0;
            for (size_t j = 0; j < l; j++) x += Y[p * l + j] * E[j * l + r];
            a[p] = x;
        }
        for (size_t i = 0; i < TW; i++) {
            double x = 0;
            for (size_t j = 0; j < l; j++) x += Om[i * l + j] * E[j * l + r];
            v[i] = x / sigma;
        }
        double s = rank_one(v, T, W, b, c);
        double wgt = nndsvd_component(m, r, a, b, c, sigma * s);
        if (!(wgt > 0)) break;
        smallest = wgt;
        n_svd++;
    }
    for (size_t r = n_svd; r < R; r++)
        fill_random_component(m, r, smallest > 0 ? 0.1 * smallest : 1.0, rng);
    if (for_mu) {
        fill_zeros_with_mean(m->A, P * R);
        fill_zeros_with_mean(m->B, T * R);
        fill_zeros_with_mean(m->C, W * R);
    }
done:
    free(Om);
    free(Y);
    free(S);
    free(E);
    free(ev);
    free(a);
    free(v);
    free(b);
    free(c);
    return rc;
}
