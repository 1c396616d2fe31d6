/* test-bicluster-splitmerge: the split-merge moves of worm-bicluster.
 * - the block marginal of the information filter equals the dense
 *   Gaussian integral (T P dimensions, GSL Cholesky);
 * - drawn blocks have the posterior mean and variance of the dense
 *   Gaussian;
 * - split-merge moves alone, on fixed Polya-Gamma draws, loadings and
 *   baselines, visit the partitions of 6 neurons (at most 3 clusters) with
 *   the exact posterior frequencies (MFM weights times block marginals, all
 *   122 partitions enumerated). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "bicluster_internal.h"
#include "wk_test.h"

enum { N = 6, T = 8, P = 2, D_MAX = 3 * P };

/* The dense precision of a block (T P values, bin-major) under G0 plus J. */
static void dense_precision(gsl_matrix *lam, const double *J)
{
    double s2 = WK_BC_G0_STEP_SD * WK_BC_G0_STEP_SD;
    gsl_matrix_set_zero(lam);
    for (size_t t = 0; t < T; t++)
        for (size_t a = 0; a < P; a++) {
            size_t i = t * P + a;
            double diag = (t == 0 ? 1.0 : 1.0 / s2) + (t + 1 < T ? 1.0 / s2 : 0.0);
            gsl_matrix_set(lam, i, i, gsl_matrix_get(lam, i, i) + diag);
            if (t + 1 < T) {
                gsl_matrix_set(lam, i, i + P, -1.0 / s2);
                gsl_matrix_set(lam, i + P, i, -1.0 / s2);
            }
            for (size_t b = 0; b < P; b++)
                gsl_matrix_set(lam, i, t * P + b, gsl_matrix_get(lam, i, t * P + b) + J[t * P * P + a * P + b]);
        }
}

/* log integral of G0(x) exp(h'x - x'Jx/2): h'L^-1 h / 2 - logdet(L) / 2 +
 * logdet(L0) / 2, L0 = G0's precision (determinant 1 / s2^(P (T-1))). */
static double dense_log_marginal(const double *J, const double *h, gsl_vector *mean, gsl_matrix *cov)
{
    size_t n = T * P;
    gsl_matrix *lam = gsl_matrix_alloc(n, n);
    gsl_vector *m = gsl_vector_alloc(n);
    gsl_vector_const_view hv = gsl_vector_const_view_array(h, n);
    dense_precision(lam, J);
    gsl_linalg_cholesky_decomp1(lam);
    gsl_linalg_cholesky_solve(lam, &hv.vector, m);
    double quad, logdet = 0;
    gsl_blas_ddot(&hv.vector, m, &quad);
    for (size_t i = 0; i < n; i++)
        logdet += 2 * log(gsl_matrix_get(lam, i, i));
    if (mean)
        gsl_vector_memcpy(mean, m);
    if (cov) {
        gsl_matrix_memcpy(cov, lam);
        gsl_linalg_cholesky_invert(cov);
    }
    gsl_matrix_free(lam);
    gsl_vector_free(m);
    double s2 = WK_BC_G0_STEP_SD * WK_BC_G0_STEP_SD;
    return 0.5 * quad - 0.5 * logdet - 0.5 * (double)(P * (T - 1)) * log(s2);
}

static void random_information(double *J, double *h, gsl_rng *rng)
{
    for (size_t t = 0; t < T; t++) {
        double a[P] = {1.0, gsl_ran_gaussian(rng, 1.0)}, w = 0.3 + gsl_rng_uniform(rng);
        for (size_t u = 0; u < P; u++) {
            h[t * P + u] = gsl_ran_gaussian(rng, 1.0) * a[u];
            for (size_t v = 0; v < P; v++)
                J[t * P * P + u * P + v] = w * a[u] * a[v];
        }
    }
}

static void test_marginal(gsl_rng *rng)
{
    static double J[T * P * P], h[T * P], lam[T * P * P], nu[T * P], block[T * P];
    random_information(J, h, rng);
    gsl_vector *mean = gsl_vector_alloc(T * P);
    gsl_matrix *cov = gsl_matrix_alloc(T * P, T * P);
    double want = dense_log_marginal(J, h, mean, cov);
    double got = wk_bc_block_log_marginal(J, h, NULL, NULL, T, P, lam, nu);
    near(got, want, 1e-9, "filter block marginal equals the dense Gaussian integral");
    /* J split in two halves: the same */
    static double J1[T * P * P], h1[T * P], J2[T * P * P], h2[T * P];
    for (size_t k = 0; k < T * P * P; k++)
        J1[k] = 0.25 * J[k], J2[k] = 0.75 * J[k];
    for (size_t k = 0; k < T * P; k++)
        h1[k] = 0.6 * h[k], h2[k] = 0.4 * h[k];
    near(wk_bc_block_log_marginal(J1, h1, J2, h2, T, P, NULL, NULL), want, 1e-9, "two summed informations: the same");
    /* draws: posterior mean and variance */
    enum { DRAWS = 40000 };
    double s1[T * P] = {0}, sq[T * P] = {0};
    for (int k = 0; k < DRAWS; k++) {
        wk_bc_block_draw(block, lam, nu, T, P, rng);
        for (size_t i = 0; i < T * P; i++)
            s1[i] += block[i], sq[i] += block[i] * block[i];
    }
    double zmax = 0, vmax = 0;
    for (size_t i = 0; i < T * P; i++) {
        double m = s1[i] / DRAWS, v = sq[i] / DRAWS - m * m, sd = sqrt(gsl_matrix_get(cov, i, i));
        zmax = fmax(zmax, fabs(m - gsl_vector_get(mean, i)) / (sd / sqrt((double)DRAWS)));
        vmax = fmax(vmax, fabs(v / (sd * sd) - 1));
    }
    ok(zmax < 4.5, "drawn blocks: posterior means (all within 4.5 standard errors)");
    ok(vmax < 0.05, "drawn blocks: posterior variances (within 5%)");
    gsl_vector_free(mean);
    gsl_matrix_free(cov);
}

/* ---- the moves against the enumerated posterior ---- */

struct setup {
    struct wk_bc_data data;
    double y[N * T], d[N], c[N], r[N], w[N * T], logv[N + 2];
};

/* Canonical code of a labelling (labels by first appearance, base N). */
static int code_of(const int *z)
{
    int map[N], next = 0, code = 0;
    for (int k = 0; k < N; k++)
        map[k] = -1;
    for (int i = 0; i < N; i++) {
        if (map[z[i]] < 0)
            map[z[i]] = next++;
        code = code * N + map[z[i]];
    }
    return code;
}

/* Neuron i's pseudo-observation information added to J, h (as the move's). */
static void neuron_terms(const struct setup *s, int i, double *J, double *h)
{
    double a[P] = {1.0, s->c[i]}, logr = log(s->r[i]);
    for (size_t t = 0; t < T; t++) {
        double w = s->w[i * T + t], lin = 0.5 * (s->y[i * T + t] - s->r[i]) - w * (s->d[i] - logr);
        for (size_t u = 0; u < P; u++) {
            h[t * P + u] += lin * a[u];
            for (size_t v = 0; v < P; v++)
                J[t * P * P + u * P + v] += w * a[u] * a[v];
        }
    }
}

/* Every labelling in canonical form with at most kmax clusters: log
 * posterior weight into logp[code] (others -INFINITY). */
static void enumerate(const struct setup *s, size_t kmax, double g, double *logp)
{
    static double J[T * P * P], h[T * P];
    int z[N] = {0};
    for (;;) {
        int k = 0, canonical = 1;
        for (int i = 0; i < N; i++) {
            if (z[i] > k)
                canonical = 0;
            if (z[i] == k)
                k++;
        }
        if (canonical && (size_t)k <= kmax) {
            double lp = s->logv[k];
            for (int j = 0; j < k; j++) {
                memset(J, 0, sizeof J), memset(h, 0, sizeof h);
                int n = 0;
                for (int i = 0; i < N; i++)
                    if (z[i] == j)
                        neuron_terms(s, i, J, h), n++;
                lp += lgamma(n + g) - lgamma(g) + wk_bc_block_log_marginal(J, h, NULL, NULL, T, P, NULL, NULL);
            }
            logp[code_of(z)] = lp;
        }
        int i = N - 1;
        while (i >= 0 && z[i] == N - 1)
            z[i--] = 0;
        if (i < 0)
            break;
        z[i]++;
    }
}

static void test_moves(gsl_rng *rng)
{
    static struct setup s;
    s.data = (struct wk_bc_data){N, T, s.y};
    for (int i = 0; i < N; i++) {
        s.d[i] = gsl_ran_gaussian(rng, 0.5);
        s.c[i] = gsl_ran_gaussian(rng, 1.0);
        s.r[i] = 4.0 + gsl_rng_uniform(rng);
        for (size_t t = 0; t < T; t++) {
            /* two groups sharing a wave, so the posterior is not flat */
            double eta = s.d[i] + (i < 3 ? 0.8 : -0.8) * sin(0.9 * (double)t);
            s.y[i * T + t] = (double)gsl_ran_poisson(rng, exp(eta));
            s.w[i * T + t] = 0.2 + gsl_rng_uniform(rng);
        }
    }
    struct wk_bc_chain ch;
    memset(&ch, 0, sizeof ch);
    ch.data = &s.data;
    ch.P = P, ch.K = 1, ch.D = P, ch.L = 1;
    ch.o.mfm_gamma = 1.0;
    ch.d = s.d, ch.c = s.c, ch.r = s.r, ch.w = s.w, ch.logv = s.logv;
    ch.rng = rng;
    int z[N] = {0};
    ch.z = z;
    ch.X = calloc(T * D_MAX, sizeof(double));
    ch.A = calloc(D_MAX * D_MAX, sizeof(double));
    ch.b = calloc(D_MAX, sizeof(double));
    ch.Q = calloc(D_MAX * D_MAX, sizeof(double));
    size_t kmax = wk_bc_kmax(&ch);
    wk_bicluster_mfm_logv(s.logv, N, kmax, 0.2, ch.o.mfm_gamma);
    enum { CODES = 46656 }; /* 6^6 */
    static double logp[CODES];
    static long seen[CODES];
    for (int k = 0; k < CODES; k++)
        logp[k] = -INFINITY;
    enumerate(&s, kmax, ch.o.mfm_gamma, logp);
    double top = -INFINITY, sum = 0;
    int states = 0;
    for (int k = 0; k < CODES; k++)
        top = fmax(top, logp[k]), states += logp[k] > -INFINITY;
    for (int k = 0; k < CODES; k++)
        sum += exp(logp[k] - top);
    ok(states == 122, "122 partitions of 6 neurons into at most 3 clusters");
    enum { MOVES = 300000 };
    int rc = 0, kmax_held = 1;
    for (long m = 0; m < MOVES && !rc; m++) {
        rc = wk_bc_split_merge(&ch, 1);
        kmax_held &= ch.K <= kmax && ch.D == ch.K * P;
        seen[code_of(z)]++;
    }
    ok(rc == 0, "300000 moves run");
    ok(kmax_held, "K stays within the cap and D follows it");
    double tv = 0;
    for (int k = 0; k < CODES; k++)
        tv += fabs((double)seen[k] / MOVES - (logp[k] > -INFINITY ? exp(logp[k] - top) / sum : 0));
    tv *= 0.5;
    double pmax = 0;
    int visited = 0;
    for (int k = 0; k < CODES; k++)
        pmax = fmax(pmax, logp[k] > -INFINITY ? exp(logp[k] - top) / sum : 0), visited += seen[k] > 0;
    printf("# total variation between the moves' visits and the posterior: %.4f (largest posterior %.3f, %d partitions "
           "visited)\n",
           tv, pmax, visited);
    ok(tv < 0.03, "the moves visit the partitions with their posterior frequencies (total variation < 0.03)");
    free(ch.X), free(ch.A), free(ch.b), free(ch.Q);
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    test_marginal(rng);
    test_moves(rng);
    gsl_rng_free(rng);
    return wk_test_done();
}
