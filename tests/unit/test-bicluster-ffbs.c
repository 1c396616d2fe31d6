/* test-bicluster-ffbs: the block-Cholesky forward filtering, backward
 * sampling of the bicluster latents (bicluster_ffbs.c): one bin against
 * the closed form draw, two bins against the joint Gaussian's moments,
 * block-diagonal information against the same information given in full,
 * and the errors of a covariance that is not positive definite. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* One bin (T = 1, D = 2): X ~ N(M^{-1} h, M^{-1}), M = I + J, drawn as
 * M^{-1} h + U^{-1} z with M = U'U and z the first two normals of the
 * stream. */
static void test_one_bin(void)
{
    double J[4] = {2.0, 0.6, 0.6, 1.5}, h[2] = {0.7, -1.2}, A[4] = {1, 0, 0, 1}, b[2] = {0, 0};
    double Q[4] = {1, 0, 0, 1}, X[2];
    int xi[1] = {0};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    int rc = wk_bicluster_ffbs(X, rng, 1, 2, J, h, A, b, Q, xi);
    ok(rc == 0, "one bin: runs");
    gsl_rng_set(rng, 11);
    double z0 = gsl_ran_ugaussian(rng), z1 = gsl_ran_ugaussian(rng);
    double m00 = 3.0, m01 = 0.6, m11 = 2.5, det = m00 * m11 - m01 * m01;
    double mean0 = (m11 * h[0] - m01 * h[1]) / det, mean1 = (m00 * h[1] - m01 * h[0]) / det;
    /* U = [[u00, u01], [0, u11]], U'U = M */
    double u00 = sqrt(m00), u01 = m01 / u00, u11 = sqrt(m11 - u01 * u01);
    double e1 = z1 / u11, e0 = (z0 - u01 * e1) / u00;
    near(X[0], mean0 + e0, 1e-12, "one bin: first coordinate is the closed-form draw");
    near(X[1], mean1 + e1, 1e-12, "one bin: second coordinate is the closed-form draw");
    gsl_rng_free(rng);
}

/* Two bins, D = 1: X_0 ~ N(0, 1), X_1 = b + a X_0 + N(0, q), information
 * (J_t, h_t); the draws' means, variances and covariance against the
 * inverse of the 2 x 2 joint precision. */
static void test_two_bins(void)
{
    double a = 0.8, bb = 0.3, q = 0.2, J[2] = {0.5, 2.0}, h[2] = {1.0, -0.4};
    double P00 = 1 + J[0] + a * a / q, P01 = -a / q, P11 = J[1] + 1 / q;
    double i0 = h[0] - a * bb / q, i1 = h[1] + bb / q, det = P00 * P11 - P01 * P01;
    double c00 = P11 / det, c11 = P00 / det, c01 = -P01 / det;
    double m0 = c00 * i0 + c01 * i1, m1 = c01 * i0 + c11 * i1;
    double A[2] = {1.0, a}, b[2] = {0.0, bb}, Q[2] = {1.0, q}, X[2];
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
    for (int t = 0; t < T; t++) {
        xi[t] = (t / 7) % L;
        for (int i = 0; i < D; i++) h[t * D + i] = gsl_ran_ugaussian(rng);
        for (int c = 0; c < K; c++)
            for (int i = 0; i < B; i++)
                for (int j = 0; j <= i; j++) {
                    double v = i == j ? 1.0 + gsl_rng_uniform(rng) : 0.3 * gsl_ran_ugaussian(rng);
                    Jb[(t * D + c * B + i) * B + j] = Jb[(t * D + c * B + j) * B + i] = v;
                    Jf[(t * D + c * B + i) * D + c * B + j] = Jf[(t * D + c * B + j) * D + c * B + i] = v;
                }
    }
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

int main(void)
{
    test_one_bin();
    test_two_bins();
    test_blocks();
    return wk_test_done();
}
