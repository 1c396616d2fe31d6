/* test-bicluster: the kernels of the worm-bicluster sampler.
 * - FFBS (information form) against a Kalman/RTS smoother's mean and
 *   variance under switching dynamics;
 * - MFM coefficients V_n(t) against direct summation and the identity
 *   sum_t V_n(t) L(n, t) = 1 (Lah numbers, Dirichlet(1) weights);
 * - Chinese-restaurant-table counts against their mean;
 * - the sticky HDP-HMM update on a fixed state sequence against the
 *   posterior means of pi;
 * - the inverse from a Cholesky factor against the identity, and the
 *   negative binomial log-likelihood against its direct formula;
 * - the table count of a neuron's counts against its mean, and the
 *   dispersion step (CRT augmentation, Gamma proposal, MH correction)
 *   against r's posterior by quadrature;
 * - the auxiliary cluster's baseline proposal q: importance weights G0/q
 *   of its draws average to 1 and reproduce G0's moments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_psi.h>

#include "bicluster_internal.h"
#include "wk_test.h"
#include "wormkit/wk_bicluster.h"

#define T_ 25
#define D_ 2
#define M_ 3 /* observation dimension */

/* 2x2 helpers for the reference smoother */
static void inv2(double *o, const double *a)
{
    double det = a[0] * a[3] - a[1] * a[2];
    o[0] = a[3] / det, o[1] = -a[1] / det, o[2] = -a[2] / det, o[3] = a[0] / det;
}
static void mul2(double *o, const double *a, const double *b)
{
    double r[4] = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
                   a[2] * b[1] + a[3] * b[3]};
    memcpy(o, r, sizeof r);
}
static void mul2t(double *o, const double *a, const double *b) /* a b' */
{
    double r[4] = {a[0] * b[0] + a[1] * b[1], a[0] * b[2] + a[1] * b[3], a[2] * b[0] + a[3] * b[1],
                   a[2] * b[2] + a[3] * b[3]};
    memcpy(o, r, sizeof r);
}

/* RTS smoother with information-form measurement updates (J, h). */
static void rts(double *mean, double *var, const double *J, const double *h, const double *A, const double *b,
                const double *Q, const int *xi)
{
    double m[T_][2], P[T_][4], mp[T_][2], Pp[T_][4];
    for (int t = 0; t < T_; t++) {
        /* bin 0 steps from X_{-1} ~ N(0, I) */
        const double *Al = A + 4 * xi[t], *bl = b + 2 * xi[t], *Ql = Q + 4 * xi[t];
        const double zero[2] = {0, 0}, eye[4] = {1, 0, 0, 1}, *mprev = t > 0 ? m[t - 1] : zero;
        mp[t][0] = bl[0] + Al[0] * mprev[0] + Al[1] * mprev[1];
        mp[t][1] = bl[1] + Al[2] * mprev[0] + Al[3] * mprev[1];
        double tmp[4];
        mul2(tmp, Al, t > 0 ? P[t - 1] : eye);
        mul2t(Pp[t], tmp, Al);
        for (int k = 0; k < 4; k++) Pp[t][k] += Ql[k];
        double prec[4], info[2];
        inv2(prec, Pp[t]);
        info[0] = prec[0] * mp[t][0] + prec[1] * mp[t][1] + h[t * 2];
        info[1] = prec[2] * mp[t][0] + prec[3] * mp[t][1] + h[t * 2 + 1];
        for (int k = 0; k < 4; k++) prec[k] += J[t * 4 + k];
        inv2(P[t], prec);
        m[t][0] = P[t][0] * info[0] + P[t][1] * info[1];
        m[t][1] = P[t][2] * info[0] + P[t][3] * info[1];
    }
    double ms[2] = {m[T_ - 1][0], m[T_ - 1][1]}, Ps[4];
    memcpy(Ps, P[T_ - 1], sizeof Ps);
    mean[(T_ - 1) * 2] = ms[0], mean[(T_ - 1) * 2 + 1] = ms[1];
    var[(T_ - 1) * 2] = Ps[0], var[(T_ - 1) * 2 + 1] = Ps[3];
    for (int t = T_ - 2; t >= 0; t--) {
        const double *Al = A + 4 * xi[t + 1];
        double G[4], Ppi[4], tmp[4], d[2], nm[2], dP[4], nP[4];
        inv2(Ppi, Pp[t + 1]);
        mul2t(tmp, P[t], Al); /* P A' */
        mul2(G, tmp, Ppi);
        d[0] = ms[0] - mp[t + 1][0], d[1] = ms[1] - mp[t + 1][1];
        nm[0] = m[t][0] + G[0] * d[0] + G[1] * d[1];
        nm[1] = m[t][1] + G[2] * d[0] + G[3] * d[1];
        for (int k = 0; k < 4; k++) dP[k] = Ps[k] - Pp[t + 1][k];
        mul2(tmp, G, dP);
        mul2t(nP, tmp, G);
        for (int k = 0; k < 4; k++) nP[k] += P[t][k];
        ms[0] = nm[0], ms[1] = nm[1];
        memcpy(Ps, nP, sizeof Ps);
        mean[t * 2] = ms[0], mean[t * 2 + 1] = ms[1];
        var[t * 2] = Ps[0], var[t * 2 + 1] = Ps[3];
    }
}

static void test_ffbs(gsl_rng *rng)
{
    double A[8] = {0.95, 0.2, -0.2, 0.95, 0.5, 0.0, 0.1, 0.4};
    double b[4] = {0.1, -0.05, 0.0, 0.3};
    double Q[8] = {0.1, 0.02, 0.02, 0.05, 0.3, 0.0, 0.0, 0.2};
    const double H[M_ * D_] = {1.0, 0.5, -0.3, 1.2, 0.7, 0.0};
    double R = 0.5; /* observation noise variance */
    int xi[T_];
    double J[T_ * 4] = {0}, h[T_ * 2] = {0};
    for (int t = 0; t < T_; t++) {
        xi[t] = (t / 6) % 2;
        double y[M_];
        for (int k = 0; k < M_; k++) y[k] = sin(0.3 * t + k) + 0.2 * k;
        for (int a = 0; a < D_; a++) {
            for (int k = 0; k < M_; k++) h[t * 2 + a] += H[k * D_ + a] * y[k] / R;
            for (int c = 0; c < D_; c++)
                for (int k = 0; k < M_; k++) J[t * 4 + a * 2 + c] += H[k * D_ + a] * H[k * D_ + c] / R;
        }
    }
    double mean[T_ * 2], var[T_ * 2];
    rts(mean, var, J, h, A, b, Q, xi);
    const int n = 20000;
    double sum[T_ * 2] = {0}, sum2[T_ * 2] = {0}, X[T_ * 2];
    int rc = 0;
    for (int s = 0; s < n && rc == 0; s++) {
        rc = wk_bicluster_ffbs(X, rng, T_, D_, J, h, A, b, Q, xi);
        for (int k = 0; k < T_ * 2; k++) sum[k] += X[k], sum2[k] += X[k] * X[k];
    }
    ok(rc == 0, "ffbs runs");
    int mean_ok = 1, var_ok = 1;
    double worst_z = 0, worst_v = 0;
    for (int k = 0; k < T_ * 2; k++) {
        double mu = sum[k] / n, v = sum2[k] / n - mu * mu;
        double z = fabs(mu - mean[k]) / sqrt(var[k] / n);
        double rel = fabs(v / var[k] - 1);
        if (z > worst_z) worst_z = z;
        if (rel > worst_v) worst_v = rel;
        /* 50 coordinates: |z| < 4.5 each; variance within 6% (sd of a
         * sample variance ratio at n = 20000 is 1%) */
        mean_ok &= z < 4.5;
        var_ok &= rel < 0.06;
    }
    printf("# ffbs: worst |z| of the means %.2f, worst relative variance error %.3f\n", worst_z, worst_v);
    ok(mean_ok, "ffbs draws average to the RTS smoother's mean");
    ok(var_ok, "ffbs draws have the RTS smoother's marginal variances");
}

static double lah(int n, int t)
{
    /* C(n-1, t-1) n! / t! */
    double c = 1;
    for (int k = 1; k <= t - 1; k++) c = c * (n - t + k) / k;
    double f = 1;
    for (int k = t + 1; k <= n; k++) f *= k;
    return c * f;
}

static void test_mfm(void)
{
    const int n = 7;
    const size_t kmax = 4;
    const double r = 0.2;
    double logv[n + 1];
    for (int pass = 0; pass < 2; pass++) {
        double g = pass ? 0.5 : 1.0;
        ok(wk_bicluster_mfm_logv(logv, n, kmax, r, g) == 0, "mfm coefficients computed");
        double norm = 0;
        for (size_t k = 1; k <= kmax; k++) norm += r * pow(1 - r, (double)k - 1);
        int match = 1;
        for (int t = 1; t <= n; t++) {
            double v = 0;
            for (size_t k = (size_t)t; k <= kmax; k++) {
                double falling = 1, rising = 1;
                for (int q = 0; q < t; q++) falling *= (double)k - q;
                for (int q = 0; q < n; q++) rising *= g * (double)k + q;
                v += falling / rising * r * pow(1 - r, (double)k - 1) / norm;
            }
            if (v == 0)
                match &= isinf(logv[t]) && logv[t] < 0;
            else
                match &= fabs(exp(logv[t]) / v - 1) < 1e-12;
        }
        ok(match, pass ? "V_n(t) equals direct summation (g = 0.5)" : "V_n(t) equals direct summation (g = 1)");
        if (!pass) {
            double total = 0;
            for (int t = 1; t <= n; t++)
                if (!isinf(logv[t])) total += exp(logv[t]) * lah(n, t);
            near(total, 1.0, 1e-12, "sum over partitions of the MFM prior is 1");
        }
    }
    ok(wk_bicluster_mfm_logv(logv, n, kmax, 1.5, 1.0) < 0, "r outside (0,1) is refused");
}

static void test_crt(gsl_rng *rng)
{
    const long n = 40;
    const double a = 3.5;
    const int draws = 40000;
    double sum = 0, sum2 = 0;
    for (int s = 0; s < draws; s++) {
        double m = (double)wk_bicluster_crt(rng, n, a);
        sum += m, sum2 += m * m;
    }
    double want = a * (gsl_sf_psi(a + n) - gsl_sf_psi(a)), var = sum2 / draws - (sum / draws) * (sum / draws);
    near(sum / draws, want, 5 * sqrt(var / draws), "CRT mean is a (psi(a+n) - psi(a))");
    ok(wk_bicluster_crt(rng, 0, a) == 0, "CRT of no customers is 0");
    ok(wk_bicluster_crt(rng, 1, a) == 1, "CRT of one customer is 1");
}

static void test_hdp(gsl_rng *rng)
{
    enum { T = 2001, L = 4 };
    static int xi[T];
    /* runs of 100 in state 0 and 1 alternately: n00 = n11 = 990ish */
    for (int t = 0; t < T; t++) xi[t] = (t / 100) % 2;
    long n[L][L] = {{0}};
    for (int t = 1; t < T; t++) n[xi[t - 1]][xi[t]]++;
    double beta[L] = {0.25, 0.25, 0.25, 0.25}, pi[L * L];
    const double alpha = 5, gamma = 5, kappa = 10;
    const int sweeps = 4000;
    double mean_pi00 = 0, mean_pi22 = 0, mean_unused = 0, mean_pi01 = 0;
    for (int s = 0; s < sweeps; s++) {
        wk_bicluster_hdp_update(beta, pi, rng, xi, T, L, alpha, gamma, kappa);
        mean_pi00 += pi[0] / sweeps;
        mean_pi01 += pi[1] / sweeps;
        mean_pi22 += pi[2 * L + 2] / sweeps;
        mean_unused += (beta[2] + beta[3]) / sweeps;
    }
    double n0 = (double)(n[0][0] + n[0][1]);
    /* E[pi_00 | beta] = (alpha beta_0 + kappa + n00) / (alpha + kappa + n0), beta_0 in (0, 1) */
    double lo = (kappa + n[0][0]) / (alpha + kappa + n0), hi = (alpha + kappa + n[0][0]) / (alpha + kappa + n0);
    ok(mean_pi00 > lo && mean_pi00 < hi, "posterior mean of pi[0][0] within its bounds from the counts");
    lo = (double)n[0][1] / (alpha + kappa + n0), hi = (alpha + n[0][1]) / (alpha + kappa + n0);
    ok(mean_pi01 > lo && mean_pi01 < hi, "posterior mean of pi[0][1] within its bounds from the counts");
    /* an unvisited state keeps the sticky prior: E[pi_22] = (kappa + alpha E beta_2) / (alpha + kappa) */
    ok(mean_pi22 > kappa / (alpha + kappa) - 0.01 && mean_pi22 < (kappa + alpha * mean_unused) / (alpha + kappa) + 0.01,
       "an unvisited state's self-transition follows the sticky prior");
    printf("# hdp: E pi00 %.4f, E pi01 %.4f, E pi22 %.4f, E beta(unused) %.4f\n", mean_pi00, mean_pi01, mean_pi22,
           mean_unused);
    ok(mean_unused < 0.5, "unvisited states get less than half of beta");
}

/* (L L')^{-1} from wk_bc_chol_inverse times the matrix is the identity,
 * for sizes 1..12 (the in-place triangular product touches every case of
 * its index order). */
static void test_chol_inverse(gsl_rng *rng)
{
    double worst = 0;
    for (size_t n = 1; n <= 12; n++) {
        double g[144], a[144], l[144], inv[144], prod[144];
        for (size_t i = 0; i < n * n; i++) g[i] = gsl_rng_uniform(rng) - 0.5;
        wk_bc_matmul_nt(a, g, g, n, n, n);
        for (size_t i = 0; i < n; i++) a[i * n + i] += 0.1;
        memcpy(l, a, n * n * sizeof(double));
        ok(wk_bc_chol(l, n) == 0, "cholesky of a positive definite matrix");
        wk_bc_chol_inverse(inv, l, n);
        wk_bc_matmul(prod, a, inv, n, n, n);
        for (size_t i = 0; i < n * n; i++) worst = fmax(worst, fabs(prod[i] - (i % (n + 1) == 0)));
    }
    printf("# chol inverse: worst |A A^-1 - I| %.2e\n", worst);
    ok(worst < 1e-10, "inverse from the Cholesky factor");
}

/* wk_bc_neuron_loglik = sum_t lgamma(y+r) - lgamma(r) + r log(r/(r+lam))
 * + y log(lam/(r+lam)), with zero, one, larger and non-integer counts. */
static void test_neuron_loglik(void)
{
    const double y[] = {0, 1, 2, 7, 12.5, 0, 1, 30};
    const double eta[] = {-1.2, 0.3, 0.9, 1.7, 2.4, 0.0, -3.0, 3.3};
    size_t T = sizeof y / sizeof y[0];
    for (double r = 0.4; r < 40; r *= 3.1) {
        double want = 0;
        for (size_t t = 0; t < T; t++) {
            double lam = exp(eta[t]);
            want += lgamma(y[t] + r) - lgamma(r) + r * log(r / (r + lam)) + y[t] * log(lam / (r + lam));
        }
        char what[96];
        double work[sizeof eta / sizeof eta[0]];
        memcpy(work, eta, sizeof work);
        snprintf(what, sizeof what, "negative binomial log-likelihood at r = %g", r);
        near(wk_bc_neuron_loglik(y, work, T, r), want, 1e-10 * fabs(want), what);
    }
}

/* The table count of a neuron's counts has mean sum_t sum_{j < y_t}
 * r / (r + j). */
static void test_crt_tables(gsl_rng *rng)
{
    const double y[6] = {0, 1, 3, 7, 12, 2}, r = 2.5;
    const int draws = 20000;
    double want = 0, sum = 0, sum2 = 0;
    for (size_t t = 0; t < 6; t++)
        for (int j = 0; j < (int)y[t]; j++) want += r / (r + j);
    for (int s = 0; s < draws; s++) {
        double m = wk_bc_crt_tables(rng, y, 6, r);
        sum += m, sum2 += m * m;
    }
    double var = sum2 / draws - (sum / draws) * (sum / draws);
    near(sum / draws, want, 5 * sqrt(var / draws), "table count mean is sum_t sum_{j<y_t} r/(r+j)");
    ok(wk_bc_crt_tables(rng, y, 1, r) == 0, "no counts, no tables");
}

/* log p(r | y, lam) for r ~ Gamma(1, 1), y_t ~ NB(r, mean lam_t), up to a
 * constant. */
static double dispersion_logpost(const double *y, const double *lam, size_t T, double r)
{
    double s = -r;
    for (size_t t = 0; t < T; t++)
        s += lgamma(y[t] + r) - lgamma(r) + r * log(r / (r + lam[t])) + y[t] * log(lam[t] / (r + lam[t]));
    return s;
}

/* Iterating the dispersion step at fixed means samples r's exact
 * posterior: its mean and variance by quadrature on a fine grid; the
 * chain's mean within 4 batch-means standard errors. */
static void test_dispersion_step(gsl_rng *rng)
{
    enum { T = 60, STEPS = 40000, BATCHES = 40 };
    double y[T], lam[T];
    for (size_t t = 0; t < T; t++) {
        lam[t] = 0.5 + 3.0 * (double)(t % 7) / 6.0;
        y[t] = (double)gsl_ran_negative_binomial(rng, 4.0 / (4.0 + lam[t]), 4.0);
    }
    double top = -INFINITY, m0 = 0, m1 = 0, m2 = 0;
    const double h = 1e-3;
    for (double r = h; r < 100; r += h) {
        double v = dispersion_logpost(y, lam, T, r);
        if (v > top) top = v;
    }
    for (double r = h; r < 100; r += h) {
        double w = exp(dispersion_logpost(y, lam, T, r) - top);
        m0 += w, m1 += w * r, m2 += w * r * r;
    }
    double mean = m1 / m0, var = m2 / m0 - mean * mean;
    double r = 1.0, sum = 0, sum2 = 0, batch[BATCHES] = {0};
    long moved = 0;
    double work[T];
    for (int s = 0; s < 200; s++) r = wk_bc_dispersion_step(rng, y, lam, T, r, work);
    for (int s = 0; s < STEPS; s++) {
        double rn = wk_bc_dispersion_step(rng, y, lam, T, r, work);
        moved += rn != r;
        r = rn;
        sum += r, sum2 += r * r;
        batch[s / (STEPS / BATCHES)] += r / (STEPS / BATCHES);
    }
    double got = sum / STEPS, bvar = 0;
    for (int b = 0; b < BATCHES; b++) bvar += (batch[b] - got) * (batch[b] - got) / (BATCHES - 1);
    near(got, mean, 4 * sqrt(bvar / BATCHES), "dispersion chain mean equals the posterior mean by quadrature");
    near(sum2 / STEPS - got * got, var, 0.15 * var, "dispersion chain variance equals the posterior variance");
    ok(moved > STEPS / 2, "the corrected Gamma proposal is accepted in most steps");
}

/* q of the auxiliary baseline is a normalized density sampled by its own
 * draw: the importance weights G0/q of its draws average to 1 (four counts
 * at rate ~1: q far narrower than G0); and with little information (rate
 * ~0.05, no counts: q close to G0) the weighted draws have G0's moments
 * (m_0 ~ N(0, 1); E (m_3 - m_0)^2 = 3 * 0.01). */
static void test_aux_baseline(gsl_rng *rng)
{
    enum { T = 4, DRAWS = 200000 };
    const double y[2][T] = {{2, 0, 5, 1}, {0, 0, 0, 0}}, d[2] = {0.3, -3.0};
    double work[(6 + 4 * WK_BC_AUX_GROUP) * T], row[T], r = 3.0;
    struct wk_bc_aux_q q = {work, work + T, work + 2 * T, work + 3 * T};
    for (int c = 0; c < 2; c++) {
        double w1 = 0, w2 = 0, wm = 0, wm2 = 0, wd = 0;
        const double *yc = y[c];
        wk_bc_aux_fit(&q, 1, &yc, T, &d[c], &r, work + 4 * T);
        for (int s = 0; s < DRAWS; s++) {
            wk_bc_aux_draw(&q, row, 1, T, rng, work + 4 * T);
            double w = exp(wk_bc_aux_log_ratio(&q, row, 1, T));
            w1 += w, w2 += w * w, wm += w * row[0], wm2 += w * row[0] * row[0];
            wd += w * (row[3] - row[0]) * (row[3] - row[0]);
        }
        double se = sqrt((w2 / DRAWS - (w1 / DRAWS) * (w1 / DRAWS)) / DRAWS);
        near(w1 / DRAWS, 1.0, 5 * se, c ? "G0/q weights average to 1 (little information)" : "G0/q weights average to 1");
        if (c == 0) continue;
        near(wm / w1, 0.0, 0.02, "weighted draws of q have G0's mean of m_0");
        near(wm2 / w1, 1.0, 0.03, "weighted draws of q have G0's variance of m_0");
        near(wd / w1, 0.03, 0.002, "weighted draws of q have G0's random-walk steps");
    }
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2024);
    test_ffbs(rng);
    test_mfm();
    test_crt(rng);
    test_hdp(rng);
    test_chol_inverse(rng);
    test_neuron_loglik();
    test_crt_tables(rng);
    test_dispersion_step(rng);
    test_aux_baseline(rng);
    gsl_rng_free(rng);
    return wk_test_done();
}
