/* test-bicluster-gck: the collapsed state update of worm-bicluster
 * (wk_bc_collapsed_states: each xi_t from p(xi_t | xi_-t, information,
 * dynamics, pi) with the latents integrated out, in one forward sweep).
 * On T = 4 bins, D = 2 latents with block-diagonal information (blocks of
 * 1), L = 2 states with full A, Q: every one of the 16 outcomes of one
 * sweep from a fixed start has the probability computed by brute force
 * (the product over bins of the conditionals, each from the marginal
 * likelihoods of whole sequences, each a Gaussian integral over the
 * 2 (T + 1) latents X_{-1}..X_{T-1} done with a dense Cholesky factor):
 * the frequencies of 200,000 sweeps within 4.5 standard errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>

#include "bicluster_internal.h"
#include "wk_test.h"

#include "wormkit/wk_rng.h"

enum { T = 4, D = 2, L = 2, B = 1, SWEEPS = 200000 };

static const double A[L * D * D] = {0.9, 0.2, -0.1, 0.7, 0.3, 0.0, 0.4, -0.5};
static const double b[L * D] = {0.1, -0.2, -0.6, 0.5};
static const double Q[L * D * D] = {0.2, 0.05, 0.05, 0.3, 0.8, -0.2, -0.2, 0.5};
static const double pi0[L * L] = {0.8, 0.2, 0.35, 0.65};
/* information per bin: J diagonal (blocks of 1), h */
static const double J[T * D] = {1.5, 0.4, 0.2, 2.0, 0.8, 0.8, 3.0, 0.1};
static const double h[T * D] = {0.9, -0.3, 0.2, 1.4, -1.1, 0.5, 0.0, -2.0};

/* log of the integral over X_{-1}..X_{T-1} of N(X_{-1}; 0, I) times the
 * transitions of xi times exp(h_t'x_t - x_t'J_t x_t / 2) */
static double log_marginal(const int *xi)
{
    enum { N = D * (T + 1) };
    gsl_matrix *lam = gsl_matrix_calloc(N, N);
    gsl_vector *eta = gsl_vector_calloc(N), *sol = gsl_vector_alloc(N);
    double c = -0.5 * D * log(2 * M_PI);
    for (int i = 0; i < D; i++) *gsl_matrix_ptr(lam, i, i) += 1.0;
    for (int t = 0; t < T; t++) {
        int l = xi[t], prev = t * D, now = (t + 1) * D;
        const double *Al = A + l * D * D, *bl = b + l * D, *Ql = Q + l * D * D;
        double det = Ql[0] * Ql[3] - Ql[1] * Ql[2], qi[4] = {Ql[3] / det, -Ql[1] / det, -Ql[2] / det, Ql[0] / det};
        /* -(x - A xp - b)' Qi (x - A xp - b) / 2 with u = (x, xp) and W = [I, -A] */
        double W[D][2 * D];
        for (int i = 0; i < D; i++)
            for (int k = 0; k < D; k++) W[i][k] = i == k, W[i][D + k] = -Al[i * D + k];
        int idx[2 * D];
        for (int k = 0; k < D; k++) idx[k] = now + k, idx[D + k] = prev + k;
        for (int u = 0; u < 2 * D; u++)
            for (int v = 0; v < 2 * D; v++) {
                double s = 0;
                for (int i = 0; i < D; i++)
                    for (int k = 0; k < D; k++) s += W[i][u] * qi[i * D + k] * W[k][v];
                *gsl_matrix_ptr(lam, idx[u], idx[v]) += s;
            }
        for (int u = 0; u < 2 * D; u++) {
            double s = 0;
            for (int i = 0; i < D; i++)
                for (int k = 0; k < D; k++) s += W[i][u] * qi[i * D + k] * bl[k];
            *gsl_vector_ptr(eta, idx[u]) += s;
        }
        double bqb = 0;
        for (int i = 0; i < D; i++)
            for (int k = 0; k < D; k++) bqb += bl[i] * qi[i * D + k] * bl[k];
        c += -0.5 * bqb - 0.5 * log(det) - 0.5 * D * log(2 * M_PI);
        for (int i = 0; i < D; i++) {
            *gsl_matrix_ptr(lam, now + i, now + i) += J[t * D + i];
            *gsl_vector_ptr(eta, now + i) += h[t * D + i];
        }
    }
    gsl_linalg_cholesky_decomp1(lam);
    gsl_linalg_cholesky_solve(lam, eta, sol);
    double quad = 0, logdet = 0;
    gsl_blas_ddot(eta, sol, &quad);
    for (int i = 0; i < N; i++) logdet += 2 * log(gsl_matrix_get(lam, i, i));
    gsl_matrix_free(lam), gsl_vector_free(eta), gsl_vector_free(sol);
    return c + 0.5 * quad - 0.5 * logdet + 0.5 * N * log(2 * M_PI);
}

/* p(xi_t = value | the rest of seq) with seq's other entries fixed */
static double conditional(int *seq, int t, int value)
{
    double w[L], top = -INFINITY;
    int keep = seq[t];
    for (int l = 0; l < L; l++) {
        seq[t] = l;
        double prior = t > 0 ? log(pi0[seq[t - 1] * L + l]) : -log((double)L);
        if (t + 1 < T) prior += log(pi0[l * L + seq[t + 1]]);
        w[l] = prior + log_marginal(seq);
        if (w[l] > top) top = w[l];
    }
    seq[t] = keep;
    double sum = 0;
    for (int l = 0; l < L; l++) sum += exp(w[l] - top);
    return exp(w[value] - top) / sum;
}

/* probability that one sweep from start ends at out */
static double sweep_probability(const int *start, const int *out)
{
    int seq[T];
    memcpy(seq, start, sizeof seq);
    double p = 1;
    for (int t = 0; t < T; t++) {
        p *= conditional(seq, t, out[t]);
        seq[t] = out[t];
    }
    return p;
}

int main(void)
{
    const int start[T] = {1, 0, 1, 1};
    double Jb[T * D * B], X[T * D] = {0}, Am[L * D * D], bm[L * D], Qm[L * D * D], beta[L] = {0.5, 0.5}, pi[L * L];
    memcpy(Jb, J, sizeof Jb), memcpy(Am, A, sizeof Am), memcpy(bm, b, sizeof bm), memcpy(Qm, Q, sizeof Qm);
    memcpy(pi, pi0, sizeof pi);
    int xi[T];
    struct wk_bc_data data = {0, T, NULL};
    struct wk_bc_chain ch;
    memset(&ch, 0, sizeof ch);
    gsl_rng *rng = gsl_rng_alloc(wk_rng_xoshiro256);
    gsl_rng_set(rng, 3);
    ch.data = &data, ch.P = B, ch.K = D / B, ch.D = D, ch.L = L, ch.X = X, ch.A = Am, ch.b = bm, ch.Q = Qm;
    ch.beta = beta, ch.pi = pi, ch.xi = xi, ch.rng = rng, ch.threads = 1;
    long count[1 << T] = {0};
    int rc = 0;
    for (int k = 0; k < SWEEPS && rc == 0; k++) {
        memcpy(xi, start, sizeof xi);
        rc = wk_bc_collapsed_states(&ch, Jb, h, B);
        int code = 0;
        for (int t = 0; t < T; t++) code |= xi[t] << t;
        count[code]++;
    }
    ok(rc == 0, "collapsed states: sweeps run");
    double worst = 0, total = 0;
    for (int code = 0; code < (1 << T); code++) {
        int out[T];
        for (int t = 0; t < T; t++) out[t] = (code >> t) & 1;
        double p = sweep_probability(start, out), f = (double)count[code] / SWEEPS;
        double z = fabs(f - p) / sqrt(p * (1 - p) / SWEEPS);
        if (z > worst) worst = z;
        total += p;
        printf("# %d%d%d%d: %.4f brute force %.4f\n", out[0], out[1], out[2], out[3], f, p);
    }
    near(total, 1.0, 1e-12, "collapsed states: the brute-force probabilities sum to 1");
    printf("# worst |z| %.2f\n", worst);
    ok(worst < 4.5, "collapsed states: each outcome of a sweep has its brute-force probability");
    gsl_rng_free(rng);
    return wk_test_done();
}
