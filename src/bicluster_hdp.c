/* bicluster_hdp.c - the weak-limit sticky HDP-HMM over the time bins
 * (Fox, Sudderth, Jordan & Willsky 2011): table counts, the sticky
 * override correction, beta and pi given the state sequence, and the state
 * sequence by forward filtering backward sampling given the dynamics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "bicluster_internal.h"
#include "vector_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

long wk_bicluster_crt(gsl_rng *rng, long n, double a)
{
    long tables = 0;
    for (long c = 0; c < n; c++) tables += gsl_rng_uniform(rng) < a / (a + (double)c);
    return tables;
}

/* Dirichlet draw that tolerates tiny parameters (normalized gammas, with a
 * floor so that no weight is exactly zero). */
static void dirichlet(gsl_rng *rng, size_t n, const double *alpha, double *out)
{
    double sum = 0;
    for (size_t k = 0; k < n; k++) {
        out[k] = gsl_ran_gamma(rng, alpha[k], 1.0);
        sum += out[k];
    }
    if (!(sum > 0)) {
        for (size_t k = 0; k < n; k++) out[k] = 1.0 / (double)n;
        return;
    }
    for (size_t k = 0; k < n; k++) {
        out[k] /= sum;
        if (out[k] < 1e-300) out[k] = 1e-300;
    }
}

void wk_bicluster_hdp_update(double *beta, double *pi, gsl_rng *rng, const int *xi, size_t T, size_t L,
                             double alpha, double gamma, double kappa)
{
    long *n = calloc(L * L, sizeof *n);
    double *mbar = calloc(L, sizeof *mbar), *par = calloc(L, sizeof *par);
    if (!n || !mbar || !par) {
        free(n);
        free(mbar);
        free(par);
        return;
    }
    for (size_t t = 1; t < T; t++) n[(size_t)xi[t - 1] * L + (size_t)xi[t]]++;
    double rho = kappa / (alpha + kappa);
    for (size_t j = 0; j < L; j++)
        for (size_t k = 0; k < L; k++) {
            long m = wk_bicluster_crt(rng, n[j * L + k], alpha * beta[k] + (j == k ? kappa : 0.0));
            if (j == k && m > 0) {
                /* tables served by the sticky override are not draws from beta */
                long over = (long)gsl_ran_binomial(rng, rho / (rho + beta[j] * (1 - rho)), (unsigned)m);
                m -= over;
            }
            mbar[k] += (double)m;
        }
    for (size_t k = 0; k < L; k++) par[k] = gamma / (double)L + mbar[k];
    dirichlet(rng, L, par, beta);
    for (size_t j = 0; j < L; j++) {
        for (size_t k = 0; k < L; k++)
            par[k] = alpha * beta[k] + (j == k ? kappa : 0.0) + (double)n[j * L + k];
        dirichlet(rng, L, par, pi + j * L);
    }
    free(par);
    free(mbar);
    free(n);
}

/* Per-state transition log-densities of every bin, as one pass of row
 * updates over time: for state l, u_t = U_l (x_t - b_l - A_l x_{t-1}) with
 * U_l = L_l^{-1} (Q_l = L_l L_l'), i.e. u = W_l z_t for
 * W_l = U_l [I | -A_l | -b_l] and z_t = (x_t, x_{t-1}, 1); then
 * loglik[l][t] = -(|u_t|^2 + log det Q_l + D log 2 pi) / 2 (t = 1..T-1).
 * Z holds z_t by rows of length T - 1 (time contiguous), wl the D x (2D + 1)
 * matrix of one state, row the D x (T - 1) product. */
WK_VECTOR_CLONES static void transition_logliks(double *loglik, const double *Z, const double *wl, size_t D, size_t n,
                                                double constant, double *row)
{
    size_t E = 2 * D + 1;
    for (size_t t = 0; t < n; t++) loglik[t] = 0;
    for (size_t i = 0; i < D; i++) {
        double *r = row;
        for (size_t t = 0; t < n; t++) r[t] = 0;
        for (size_t k = 0; k < E; k++) {
            double w = wl[i * E + k];
            const double *z = Z + k * n;
#pragma omp simd
            for (size_t t = 0; t < n; t++) r[t] += w * z[t];
        }
#pragma omp simd
        for (size_t t = 0; t < n; t++) loglik[t] += r[t] * r[t];
    }
    for (size_t t = 0; t < n; t++) loglik[t] = -0.5 * (loglik[t] + constant);
}

/* W_l = L^{-1} [I | -A | -b] (D x (2D + 1)) from the Cholesky factor lq
 * of Q_l. */
static void whitened_dynamics(double *wl, const double *lq, const double *A, const double *b, size_t D)
{
    size_t E = 2 * D + 1;
    for (size_t i = 0; i < D; i++) {
        double *w = wl + i * E;
        for (size_t k = 0; k < D; k++) {
            w[k] = i == k ? 1.0 : 0.0;
            w[D + k] = -A[i * D + k];
        }
        w[2 * D] = -b[i];
        /* forward substitution: row i of L^{-1} M from the rows above */
        for (size_t j = 0; j < i; j++) {
            double lij = lq[i * D + j];
            const double *wj = wl + j * E;
            for (size_t k = 0; k < E; k++) w[k] -= lij * wj[k];
        }
        for (size_t k = 0; k < E; k++) w[k] /= lq[i * D + i];
    }
}

/* loglik[l * n + t] for every state l: states in parallel, each with
 * buffers of its own (the same bits for any thread count). */
static int state_logliks(double *loglik, const struct wk_bc_chain *ch, const double *Z, size_t n)
{
    size_t L = ch->L, D = ch->D, E = 2 * D + 1;
    int nomem = 0, singular = 0;
#pragma omp parallel num_threads(ch->threads > 1 ? ch->threads : 1) reduction(| : nomem, singular)
    {
        double *lq = wk_malloc_array(D, D * sizeof(double));
        double *wl = wk_malloc_array(D, E * sizeof(double));
        double *row = wk_malloc_array(n + 1, sizeof(double));
        if (!lq || !wl || !row) nomem = 1;
#pragma omp for schedule(dynamic, 1)
        for (size_t l = 0; l < L; l++) {
            if (!lq || !wl || !row) continue;
            memcpy(lq, ch->Q + l * D * D, D * D * sizeof(double));
            if (wk_bc_chol(lq, D) < 0) {
                singular = 1;
                continue;
            }
            whitened_dynamics(wl, lq, ch->A + l * D * D, ch->b + l * D, D);
            transition_logliks(loglik + l * n, Z, wl, D, n, wk_bc_chol_logdet(lq, D) + (double)D * log(2 * M_PI),
                               row);
        }
        free(row);
        free(wl);
        free(lq);
    }
    if (nomem) return WK_ENOMEM;
    if (singular) return wk_fail(WK_ENUMERIC, "bicluster: state noise covariance is not positive definite");
    return 0;
}

/* first[l] = log N(X_0; b_l, A_l A_l' + Q_l): the first bin's density
 * under state l, from X_{-1} ~ N(0, I) a step before it (work: 2 D^2). */
static int first_bin_logliks(double *first, const struct wk_bc_chain *ch, double *work)
{
    size_t D = ch->D;
    double *s = work, *e = work + D * D;
    for (size_t l = 0; l < ch->L; l++) {
        if (wk_bc_first_bin_chol(s, ch->A + l * D * D, ch->Q + l * D * D, D) < 0)
            return wk_fail(WK_ENUMERIC, "bicluster: prior covariance of the first bin is not positive definite");
        /* |L^{-1} (x - b)|^2 by forward substitution */
        double quad = 0;
        for (size_t i = 0; i < D; i++) {
            double v = ch->X[i] - ch->b[l * D + i];
            for (size_t j = 0; j < i; j++) v -= s[i * D + j] * e[j];
            e[i] = v / s[i * D + i];
            quad += e[i] * e[i];
        }
        first[l] = -0.5 * (quad + wk_bc_chol_logdet(s, D) + (double)D * log(2 * M_PI));
    }
    return 0;
}

int wk_bc_update_states(struct wk_bc_chain *ch)
{
    size_t T = ch->data->T, L = ch->L, D = ch->D, E = 2 * D + 1, n = T > 0 ? T - 1 : 0;
    double *Z = wk_malloc_array(E, (n + 1) * sizeof(double));
    double *loglik = wk_malloc_array(L, (n + 1) * sizeof(double));
    double *alpha = wk_malloc_array(T * L, sizeof(double));
    double *prob = wk_malloc_array(L, sizeof(double));
    double *work = wk_malloc_array(2 * D, D * sizeof(double));
    int rc = Z && loglik && alpha && prob && work ? 0 : WK_ENOMEM;
    for (size_t t = 0; !rc && t < n; t++) {
        for (size_t k = 0; k < D; k++) {
            Z[k * n + t] = ch->X[(t + 1) * D + k];
            Z[(D + k) * n + t] = ch->X[t * D + k];
        }
        Z[2 * D * n + t] = 1.0;
    }
    if (!rc) rc = state_logliks(loglik, ch, Z, n);
    if (!rc) rc = first_bin_logliks(prob, ch, work);
    /* forward: alpha[t][l] = p(xi_t = l | X_0..t), normalized; xi_0 uniform a priori */
    if (!rc) {
        double top = -INFINITY, sum = 0;
        for (size_t l = 0; l < L; l++) top = fmax(top, prob[l]);
        for (size_t l = 0; l < L; l++) sum += alpha[l] = exp(prob[l] - top);
        for (size_t l = 0; l < L; l++) alpha[l] /= sum;
    }
    for (size_t t = 1; !rc && t < T; t++) {
        double top = -INFINITY;
        for (size_t l = 0; l < L; l++) {
            prob[l] = loglik[l * n + t - 1];
            if (prob[l] > top) top = prob[l];
        }
        double sum = 0;
        for (size_t l = 0; l < L; l++) {
            double pred = 0;
            for (size_t j = 0; j < L; j++) pred += alpha[(t - 1) * L + j] * ch->pi[j * L + l];
            alpha[t * L + l] = pred * exp(prob[l] - top);
            sum += alpha[t * L + l];
        }
        if (!(sum > 0) || !isfinite(sum)) {
            rc = wk_fail(WK_ENUMERIC, "bicluster: state filter underflow at bin %zu", t);
            break;
        }
        for (size_t l = 0; l < L; l++) alpha[t * L + l] /= sum;
    }
    /* backward sampling */
    for (size_t tt = T; !rc && tt-- > 0;) {
        double sum = 0;
        for (size_t l = 0; l < L; l++) {
            prob[l] = alpha[tt * L + l] * (tt + 1 < T ? ch->pi[l * L + (size_t)ch->xi[tt + 1]] : 1.0);
            sum += prob[l];
        }
        double u = gsl_rng_uniform(ch->rng) * sum, acc = 0;
        size_t pick = L - 1;
        for (size_t l = 0; l < L; l++) {
            acc += prob[l];
            if (u < acc) {
                pick = l;
                break;
            }
        }
        ch->xi[tt] = (int)pick;
    }
    if (!rc) wk_bicluster_hdp_update(ch->beta, ch->pi, ch->rng, ch->xi, T, L, ch->o.alpha, ch->o.gamma, ch->o.kappa);
    free(work);
    free(prob);
    free(alpha);
    free(loglik);
    free(Z);
    return rc;
}
