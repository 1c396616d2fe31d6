/* bicluster_hdp.c - the weak-limit sticky HDP-HMM over the time bins
 * (Fox, Sudderth, Jordan & Willsky 2011): table counts, the sticky
 * override correction, beta and pi given the state sequence, and the state
 * sequence by forward filtering backward sampling given the dynamics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "bicluster_internal.h"
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

/* log N(x; b + A xprev, Q) for each state, given Cholesky factors of Q. */
static double transition_loglik(const double *x, const double *xprev, const double *A, const double *b,
                                const double *lq, double logdet, size_t D, double *diff)
{
    for (size_t i = 0; i < D; i++) {
        double v = x[i] - b[i];
        for (size_t k = 0; k < D; k++) v -= A[i * D + k] * xprev[k];
        diff[i] = v;
    }
    /* solve L u = diff; quadratic form = |u|^2 */
    double q = 0;
    for (size_t i = 0; i < D; i++) {
        double v = diff[i];
        for (size_t k = 0; k < i; k++) v -= lq[i * D + k] * diff[k];
        diff[i] = v / lq[i * D + i];
        q += diff[i] * diff[i];
    }
    return -0.5 * (q + logdet + (double)D * log(2 * M_PI));
}

int wk_bc_update_states(struct wk_bc_chain *ch)
{
    size_t T = ch->data->T, L = ch->L, D = ch->D;
    double *lq = wk_malloc_array(L * D, D * sizeof(double));
    double *logdet = wk_malloc_array(L, sizeof(double));
    double *alpha = wk_malloc_array(T * L, sizeof(double));
    double *diff = wk_malloc_array(D + 1, sizeof(double));
    double *prob = wk_malloc_array(L, sizeof(double));
    int rc = lq && logdet && alpha && diff && prob ? 0 : WK_ENOMEM;
    for (size_t l = 0; !rc && l < L; l++) {
        memcpy(lq + l * D * D, ch->Q + l * D * D, D * D * sizeof(double));
        rc = wk_bc_chol(lq + l * D * D, D);
        if (rc < 0) rc = wk_fail(rc, "bicluster: state noise covariance is not positive definite");
        else logdet[l] = wk_bc_chol_logdet(lq + l * D * D, D);
    }
    /* forward: alpha[t][l] = p(xi_t = l | X_0..t), normalized */
    for (size_t l = 0; !rc && l < L; l++) alpha[l] = 1.0 / (double)L;
    for (size_t t = 1; !rc && t < T; t++) {
        double top = -INFINITY;
        for (size_t l = 0; l < L; l++) {
            prob[l] = transition_loglik(ch->X + t * D, ch->X + (t - 1) * D, ch->A + l * D * D, ch->b + l * D,
                                        lq + l * D * D, logdet[l], D, diff);
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
    free(prob);
    free(diff);
    free(alpha);
    free(logdet);
    free(lq);
    return rc;
}
