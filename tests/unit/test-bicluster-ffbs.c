/* test-bicluster-ffbs: the block-Cholesky forward filtering, backward
 * sampling of the bicluster latents (bicluster_ffbs.c): one bin against
 * the closed form draw, two bins against the joint Gaussian's moments,
 * block-diagonal information against the same information given in full,
 * the errors of a covariance that is not positive definite, and at D = 36
 * both forward passes (OpenBLAS, row updates) against a Kalman smoother. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "bicluster_internal.h"
#include "wk_test.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

static int messages;
static char last_message[256];

static void count_messages(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level, (void)userdata;
    messages++;
    snprintf(last_message, sizeof last_message, "%s", message);
}

/* One bin (T = 1, D = 2): X_0 = b + A X_{-1} + N(0, Q) with X_{-1} ~
 * N(0, I) and A = Q = I is N(b, 2 I) a priori, so X ~ N(M^{-1} (h + b / 2),
 * M^{-1}), M = I / 2 + J, drawn as the mean plus U^{-1} z with M = U'U and
 * z the first two normals of the stream. */
static void test_one_bin(void)
{
    double J[4] = {2.0, 0.6, 0.6, 1.5}, h[2] = {0.7, -1.2}, A[4] = {1, 0, 0, 1}, b[2] = {0.4, -0.2};
    double Q[4] = {1, 0, 0, 1}, X[2];
    int xi[1] = {0};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    int rc = wk_bicluster_ffbs(X, rng, 1, 2, J, h, A, b, Q, xi);
    ok(rc == 0, "one bin: runs");
    gsl_rng_set(rng, 11);
    double z0 = gsl_ran_ugaussian(rng), z1 = gsl_ran_ugaussian(rng);
    double m00 = 2.5, m01 = 0.6, m11 = 2.0, det = m00 * m11 - m01 * m01;
    double i0 = h[0] + b[0] / 2, i1 = h[1] + b[1] / 2;
    double mean0 = (m11 * i0 - m01 * i1) / det, mean1 = (m00 * i1 - m01 * i0) / det;
    /* U = [[u00, u01], [0, u11]], U'U = M */
    double u00 = sqrt(m00), u01 = m01 / u00, u11 = sqrt(m11 - u01 * u01);
    double e1 = z1 / u11, e0 = (z0 - u01 * e1) / u00;
    near(X[0], mean0 + e0, 1e-12, "one bin: first coordinate is the closed-form draw");
    near(X[1], mean1 + e1, 1e-12, "one bin: second coordinate is the closed-form draw");
    gsl_rng_free(rng);
}

/* Two bins, D = 1: X_0 = b0 + a0 X_{-1} + N(0, q0) with X_{-1} ~ N(0, 1),
 * i.e. X_0 ~ N(b0, a0^2 + q0), then X_1 = b + a X_0 + N(0, q), information
 * (J_t, h_t); the draws' means, variances and covariance against the
 * inverse of the 2 x 2 joint precision. */
static void test_two_bins(void)
{
    double a0 = 0.5, b0 = 0.2, q0 = 1.0, v0 = a0 * a0 + q0;
    double a = 0.8, bb = 0.3, q = 0.2, J[2] = {0.5, 2.0}, h[2] = {1.0, -0.4};
    double P00 = 1 / v0 + J[0] + a * a / q, P01 = -a / q, P11 = J[1] + 1 / q;
    double i0 = h[0] + b0 / v0 - a * bb / q, i1 = h[1] + bb / q, det = P00 * P11 - P01 * P01;
    double c00 = P11 / det, c11 = P00 / det, c01 = -P01 / det;
    double m0 = c00 * i0 + c01 * i1, m1 = c01 * i0 + c11 * i1;
    double A[2] = {a0, a}, b[2] = {b0, bb}, Q[2] = {q0, q}, X[2];
    int xi[2] = {0, 1};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    const int n = 40000;
    double s0 = 0, s1 = 0, s00 = 0, s11 = 0, s01 = 0;
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++) {
        rc = wk_bicluster_ffbs(X, rng, 2, 1, J, h, A, b, Q, xi);
        s0 += X[0], s1 += X[1], s00 += X[0] * X[0], s11 += X[1] * X[1], s01 += X[0] * X[1];
    }
    ok(rc == 0, "two bins: runs");
    double e0 = s0 / n, e1 = s1 / n;
    near(e0, m0, 5 * sqrt(c00 / n), "two bins: mean of X_0");
    near(e1, m1, 5 * sqrt(c11 / n), "two bins: mean of X_1");
    near(s00 / n - e0 * e0, c00, 5 * c00 * sqrt(2.0 / n), "two bins: variance of X_0");
    near(s11 / n - e1 * e1, c11, 5 * c11 * sqrt(2.0 / n), "two bins: variance of X_1");
    near(s01 / n - e0 * e1, c01, 5 * sqrt((c00 * c11 + c01 * c01) / n), "two bins: covariance");
    gsl_rng_free(rng);
}

/* Random information for T bins of D = blocks x B latents: h, and each
 * block's B x B precision (diagonal diag + U(0, 1), off-diagonal
 * N(0, off^2)) stored both block-diagonally (Jb) and as a full D x D
 * matrix (Jf, zero elsewhere); states xi[t] = (t / period) % L. */
static void random_information(gsl_rng *rng, int T, int D, int B, double diag, double off, int period, int L,
                               double *h, double *Jb, double *Jf, int *xi)
{
    for (int t = 0; t < T; t++) {
        xi[t] = (t / period) % L;
        for (int i = 0; i < D; i++) h[t * D + i] = gsl_ran_ugaussian(rng);
        for (int c = 0; c < D / B; c++)
            for (int i = 0; i < B; i++)
                for (int j = 0; j <= i; j++) {
                    double v = i == j ? diag + gsl_rng_uniform(rng) : off * gsl_ran_ugaussian(rng);
                    Jb[(t * D + c * B + i) * B + j] = Jb[(t * D + c * B + j) * B + i] = v;
                    Jf[(t * D + c * B + i) * D + c * B + j] = Jf[(t * D + c * B + j) * D + c * B + i] = v;
                }
    }
}

/* Block-diagonal information (2 blocks of 3) gives the same draw as the
 * same information written as a full 6 x 6 matrix. */
static void test_blocks(void)
{
    enum { T = 30, K = 2, B = 3, D = K * B, L = 3 };
    double *Jb = calloc(T * D * B, sizeof(double)), *Jf = calloc(T * D * D, sizeof(double));
    double h[T * D], A[L * D * D], b[L * D], Q[L * D * D], X1[T * D], X2[T * D];
    int xi[T];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    random_information(rng, T, D, B, 1.0, 0.3, 7, L, h, Jb, Jf, xi);
    for (int l = 0; l < L; l++)
        for (int i = 0; i < D; i++) {
            b[l * D + i] = 0.1 * gsl_ran_ugaussian(rng);
            for (int j = 0; j < D; j++) {
                A[(l * D + i) * D + j] = (i == j ? 0.9 : 0.0) + 0.05 * gsl_ran_ugaussian(rng);
                Q[(l * D + i) * D + j] = i == j ? 0.05 * (l + 1) : 0.01;
            }
        }
    double *work = malloc(wk_bc_ffbs_work_size(T, D, L) * sizeof(double));
    gsl_rng_set(rng, 9);
    int rc1 = wk_bc_ffbs_blocks(X1, rng, T, D, B, Jb, h, A, b, Q, xi, work);
    gsl_rng_set(rng, 9);
    int rc2 = wk_bicluster_ffbs(X2, rng, T, D, Jf, h, A, b, Q, xi);
    ok(rc1 == 0 && rc2 == 0, "blocks: both forms run");
    double worst = 0;
    for (int k = 0; k < T * D; k++) worst = fmax(worst, fabs(X1[k] - X2[k]));
    near(worst, 0.0, 1e-12, "blocks: block-diagonal and full information give the same draw");

    /* a state noise covariance that is not positive definite */
    Q[(1 * D + 2) * D + 2] = -1.0;
    messages = 0;
    wk_log_set_hook(count_messages, NULL);
    rc1 = wk_bc_ffbs_blocks(X1, rng, T, D, B, Jb, h, A, b, Q, xi, work);
    wk_log_set_hook(NULL, NULL);
    ok(rc1 == WK_ENUMERIC, "blocks: a covariance that is not positive definite is refused");
    ok(messages == 1 && strstr(last_message, "noise covariance") != NULL, "blocks: with one message naming it");
    free(work);
    free(Jb);
    free(Jf);
    gsl_rng_free(rng);
}


/* ---- a latent dimension of 36 (the OpenBLAS forward pass) against a
 * Kalman filter and Rauch-Tung-Striebel smoother in covariance form ---- */

enum { KT = 12, KD = 36, KB = 3, KL = 2 };

static gsl_matrix *inverse_spd(const gsl_matrix *a)
{
    gsl_matrix *c = gsl_matrix_alloc(a->size1, a->size2);
    gsl_matrix_memcpy(c, a);
    gsl_linalg_cholesky_decomp1(c);
    gsl_linalg_cholesky_invert(c);
    return c;
}

/* c = a b (op by flags) */
static void mul(gsl_matrix *c, CBLAS_TRANSPOSE_t ta, const gsl_matrix *a, CBLAS_TRANSPOSE_t tb, const gsl_matrix *b)
{
    gsl_blas_dgemm(ta, tb, 1.0, a, b, 0.0, c);
}

/* The smoothed means E[X_t | all information] (T x D) of the model that
 * wk_bc_ffbs_blocks draws from: X_{-1} ~ N(0, I), X_t = b + A X_{t-1} +
 * N(0, Q) with the dynamics of state xi[t] (t >= 0), information (J_t, h_t)
 * per bin. */
static void kalman_smoother(double *mean, const double *Jfull, const double *h, const double *A, const double *b,
                            const double *Q, const int *xi)
{
    gsl_matrix *Pf[KT], *Pp[KT];
    gsl_vector *mf[KT], *mp[KT];
    gsl_matrix *tmp = gsl_matrix_alloc(KD, KD), *tmp2 = gsl_matrix_alloc(KD, KD);
    gsl_vector *v = gsl_vector_alloc(KD);
    for (int t = 0; t < KT; t++) {
        Pp[t] = gsl_matrix_alloc(KD, KD);
        mp[t] = gsl_vector_calloc(KD);
        mf[t] = gsl_vector_alloc(KD);
        gsl_matrix_const_view At = gsl_matrix_const_view_array(A + xi[t] * KD * KD, KD, KD);
        gsl_matrix_const_view Qt = gsl_matrix_const_view_array(Q + xi[t] * KD * KD, KD, KD);
        gsl_vector_const_view bt = gsl_vector_const_view_array(b + xi[t] * KD, KD);
        gsl_vector_memcpy(mp[t], &bt.vector);
        if (t == 0) { /* from X_{-1} ~ N(0, I) */
            mul(Pp[t], CblasNoTrans, &At.matrix, CblasTrans, &At.matrix);
        } else {
            gsl_blas_dgemv(CblasNoTrans, 1.0, &At.matrix, mf[t - 1], 1.0, mp[t]);
            mul(tmp, CblasNoTrans, &At.matrix, CblasNoTrans, Pf[t - 1]);
            mul(Pp[t], CblasNoTrans, tmp, CblasTrans, &At.matrix);
        }
        gsl_matrix_add(Pp[t], &Qt.matrix);
        /* update in information form: Pf = (Pp^{-1} + J)^{-1}, mf = Pf (Pp^{-1} mp + h) */
        gsl_matrix *ip = inverse_spd(Pp[t]);
        gsl_matrix_const_view Jt = gsl_matrix_const_view_array(Jfull + t * KD * KD, KD, KD);
        gsl_vector_const_view ht = gsl_vector_const_view_array(h + t * KD, KD);
        gsl_vector_memcpy(v, &ht.vector);
        gsl_blas_dgemv(CblasNoTrans, 1.0, ip, mp[t], 1.0, v);
        gsl_matrix_add(ip, &Jt.matrix);
        Pf[t] = inverse_spd(ip);
        gsl_blas_dgemv(CblasNoTrans, 1.0, Pf[t], v, 0.0, mf[t]);
        gsl_matrix_free(ip);
    }
    /* backward: ms_t = mf_t + Pf_t A' Pp_{t+1}^{-1} (ms_{t+1} - mp_{t+1}) */
    gsl_vector *ms = gsl_vector_alloc(KD), *d = gsl_vector_alloc(KD);
    gsl_vector_memcpy(ms, mf[KT - 1]);
    for (int i = 0; i < KD; i++) mean[(KT - 1) * KD + i] = gsl_vector_get(ms, i);
    for (int t = KT - 2; t >= 0; t--) {
        gsl_matrix_const_view An = gsl_matrix_const_view_array(A + xi[t + 1] * KD * KD, KD, KD);
        gsl_matrix *ip = inverse_spd(Pp[t + 1]);
        gsl_vector_memcpy(d, ms);
        gsl_vector_sub(d, mp[t + 1]);
        gsl_blas_dgemv(CblasNoTrans, 1.0, ip, d, 0.0, v);
        gsl_blas_dgemv(CblasTrans, 1.0, &An.matrix, v, 0.0, d);
        gsl_vector_memcpy(ms, mf[t]);
        gsl_blas_dgemv(CblasNoTrans, 1.0, Pf[t], d, 1.0, ms);
        for (int i = 0; i < KD; i++) mean[t * KD + i] = gsl_vector_get(ms, i);
        gsl_matrix_free(ip);
    }
    for (int t = 0; t < KT; t++) {
        gsl_matrix_free(Pf[t]), gsl_matrix_free(Pp[t]);
        gsl_vector_free(mf[t]), gsl_vector_free(mp[t]);
    }
    gsl_vector_free(ms), gsl_vector_free(d), gsl_vector_free(v);
    gsl_matrix_free(tmp), gsl_matrix_free(tmp2);
}

/* A draw is the smoothed mean plus noise that depends on the normals only:
 * the draw with information h and offsets b minus the draw of the same
 * stream with h = 0 and b = 0 is the smoothed mean, for both forward
 * passes (OpenBLAS and the row updates), which also agree draw for draw. */
static void test_kalman(void)
{
    double *Jb = calloc(KT * KD * KB, sizeof(double)), *Jf = calloc(KT * KD * KD, sizeof(double));
    double *A = malloc(KL * KD * KD * sizeof(double)), *Q = calloc(KL * KD * KD, sizeof(double));
    double h[KT * KD], zero_h[KT * KD] = {0}, b[KL * KD], zero_b[KL * KD] = {0}, mean[KT * KD];
    double X[2][KT * KD], X0[KT * KD];
    int xi[KT];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 17);
    random_information(rng, KT, KD, KB, 0.5, 0.2, 4, KL, h, Jb, Jf, xi);
    for (int l = 0; l < KL; l++)
        for (int i = 0; i < KD; i++) {
            b[l * KD + i] = 0.2 * gsl_ran_ugaussian(rng);
            for (int j = 0; j < KD; j++) A[(l * KD + i) * KD + j] = (i == j ? 0.95 : 0.0) + 0.02 * gsl_ran_ugaussian(rng);
            Q[(l * KD + i) * KD + i] = 0.05 * (l + 1);
            if (i > 0) Q[(l * KD + i) * KD + i - 1] = Q[(l * KD + i - 1) * KD + i] = 0.01;
        }
    kalman_smoother(mean, Jf, h, A, b, Q, xi);
    double *work = malloc(wk_bc_ffbs_work_size(KT, KD, KL) * sizeof(double));
    for (int blas = 0; blas <= 1; blas++) {
        gsl_rng_set(rng, 23);
        int rc1 = wk_bc_ffbs_kernel(X[blas], rng, KT, KD, KB, Jb, h, A, b, Q, xi, work, blas);
        gsl_rng_set(rng, 23);
        int rc2 = wk_bc_ffbs_kernel(X0, rng, KT, KD, KB, Jb, zero_h, A, zero_b, Q, xi, work, blas);
        double worst = 0, scale = 0;
        for (int k = 0; k < KT * KD; k++) {
            worst = fmax(worst, fabs(X[blas][k] - X0[k] - mean[k]));
            scale = fmax(scale, fabs(mean[k]));
        }
        char what[128];
        snprintf(what, sizeof what, "D = %d, %s: draws run", KD, blas ? "OpenBLAS" : "row updates");
        ok(rc1 == 0 && rc2 == 0, what);
        snprintf(what, sizeof what, "D = %d, %s: the draw's mean part is the Kalman smoother's mean", KD,
                 blas ? "OpenBLAS" : "row updates");
        ok(scale > 0.5, "D = 36: the smoothed means are not trivially small");
        near(worst, 0.0, 1e-9, what);
    }
    double diff = 0;
    for (int k = 0; k < KT * KD; k++) diff = fmax(diff, fabs(X[0][k] - X[1][k]));
    near(diff, 0.0, 1e-10, "D = 36: OpenBLAS and the row updates give the same draw to rounding");
    /* the default picks OpenBLAS at this size: the same bits as blas = 1 */
    gsl_rng_set(rng, 23);
    wk_bc_ffbs_blocks(X0, rng, KT, KD, KB, Jb, h, A, b, Q, xi, work);
    ok(memcmp(X0, X[1], sizeof X0) == 0, "D = 36: wk_bc_ffbs_blocks uses the OpenBLAS pass");

    /* chains run in parallel threads: two concurrent OpenBLAS passes give
     * the bits of the serial one */
    int same = 1;
#pragma omp parallel for num_threads(2) reduction(&& : same)
    for (int k = 0; k < 4; k++) {
        double *wk = malloc(wk_bc_ffbs_work_size(KT, KD, KL) * sizeof(double)), Xk[KT * KD];
        gsl_rng *rk = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(rk, 23);
        int rc = wk ? wk_bc_ffbs_blocks(Xk, rk, KT, KD, KB, Jb, h, A, b, Q, xi, wk) : -1;
        same = same && rc == 0 && memcmp(Xk, X[1], sizeof Xk) == 0;
        gsl_rng_free(rk);
        free(wk);
    }
    ok(same, "D = 36: concurrent draws in two threads equal the serial draw bit for bit");

    /* a NaN in the information: dpotrf does not refuse it, the check does */
    Jb[(5 * KD + 7) * KB + 1] = NAN;
    messages = 0;
    wk_log_set_hook(count_messages, NULL);
    int rc = wk_bc_ffbs_kernel(X0, rng, KT, KD, KB, Jb, h, A, b, Q, xi, work, 1);
    wk_log_set_hook(NULL, NULL);
    ok(rc == WK_ENUMERIC, "D = 36, OpenBLAS: NaN information is refused");
    ok(messages == 1 && strstr(last_message, "not positive definite at bin 5") != NULL,
       "D = 36, OpenBLAS: with one message naming the bin");
    free(work), free(Jb), free(Jf), free(A), free(Q);
    gsl_rng_free(rng);
}

int main(void)
{
    test_one_bin();
    test_two_bins();
    test_blocks();
    test_kalman();
    return wk_test_done();
}
