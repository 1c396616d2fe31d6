/* glm_fb.c - log-space forward-backward, Viterbi, marginal likelihood and
 * the E-step of the switching GLM. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "glm_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

static double logsumexp(const double *v, size_t n)
{
    double mx = -INFINITY;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, v[i]);
    if (!isfinite(mx)) return mx;
    double others = -1.0; /* the maximum itself contributes exp(0) = 1 */
    for (size_t i = 0; i < n; i++) others += exp(v[i] - mx);
    return mx + log1p(others);
}

/* The log-space recursions, used where the scaled ones below cannot be
 * (see scaled_forward), take one exp per state and bin instead of one per
 * pair of states: the previous vector is shifted by its maximum,
 * exponentiated, and multiplied by P in probability space (P = exp(log P)).
 * A vector without a finite maximum falls back to the pairwise
 * log-sum-exp. */

/* out[s] = log sum_r exp(v[r]) P[r][s] (trans = 0) or
 * log sum_r P[s][r] exp(v[r]) (trans = 1), v of length S. */
static double log_matvec_pairwise(const double *v, const double *logP, size_t S, int trans, size_t s)
{
    double e[WK_GLM_MAX_STATES];
    for (size_t r = 0; r < S; r++) e[r] = v[r] + (trans ? logP[s * S + r] : logP[r * S + s]);
    return logsumexp(e, S);
}

static void log_matvec(double *out, const double *v, const double *P, const double *logP, size_t S, int trans)
{
    double mx = -INFINITY, e[WK_GLM_MAX_STATES];
    for (size_t r = 0; r < S; r++) mx = fmax(mx, v[r]);
    if (!isfinite(mx)) {
        for (size_t s = 0; s < S; s++) out[s] = log_matvec_pairwise(v, logP, S, trans, s);
        return;
    }
    for (size_t r = 0; r < S; r++) e[r] = exp(v[r] - mx);
    for (size_t s = 0; s < S; s++) {
        double sum = 0;
        for (size_t r = 0; r < S; r++) sum += e[r] * (trans ? P[s * S + r] : P[r * S + s]);
        /* nothing left: no path from v into s, or the paths underflowed */
        out[s] = sum > 0 ? mx + log(sum) : log_matvec_pairwise(v, logP, S, trans, s);
    }
}

/* alpha [T][S] in log space; returns the marginal log-likelihood. */
static double forward(double *alpha, const double *ll, size_t T, size_t S, const double *logp0,
                      const double *logP, const double *P)
{
    for (size_t s = 0; s < S; s++) alpha[s] = logp0[s] + ll[s];
    for (size_t t = 1; t < T; t++) {
        double *cur = alpha + t * S;
        log_matvec(cur, alpha + (t - 1) * S, P, logP, S, 0);
        for (size_t s = 0; s < S; s++) cur[s] += ll[t * S + s];
    }
    return T ? logsumexp(alpha + (T - 1) * S, S) : 0.0;
}

static void exp_matrix(double *P, const double *logP, size_t S)
{
    for (size_t i = 0; i < S * S; i++) P[i] = exp(logP[i]);
}

/* The scaled recursions (Rabiner): in probability space, with each bin's
 * emissions e[t][s] = exp(ll[t][s] - max_s ll[t][s]) and the forward vector
 * normalised to sum 1 at every bin by c[t]; log z = sum_t (max ll[t] +
 * log c[t]).  One exp per state and bin and one log per bin, against
 * several of each per state in log space.  Returns 0, or -1 when a bin
 * has no finite emission or no probability left (a path-less chain, or an
 * underflow): the caller then uses the log-space recursions. */
static int scaled_forward(double *a, double *e, double *c, double *logz, const double *ll, size_t T, size_t S,
                          const double *logp0, const double *P)
{
    double z = 0;
    for (size_t t = 0; t < T; t++) {
        const double *l = ll + t * S;
        double *at = a + t * S, *et = e + t * S, mx = -INFINITY, sum = 0;
        const double *prev = t ? at - S : NULL;
        for (size_t s = 0; s < S; s++) mx = fmax(mx, l[s]);
        if (!isfinite(mx)) return -1;
        for (size_t s = 0; s < S; s++) et[s] = exp(l[s] - mx);
        for (size_t s = 0; s < S; s++) {
            double pred = 0;
            if (t == 0) pred = exp(logp0[s]);
            else
                for (size_t r = 0; r < S; r++) pred += prev[r] * P[r * S + s];
            at[s] = pred * et[s];
            sum += at[s];
        }
        if (!(sum > 0) || !isfinite(sum)) return -1;
        for (size_t s = 0; s < S; s++) at[s] /= sum;
        c[t] = sum;
        z += mx + log(sum);
    }
    *logz = z;
    return 0;
}

/* The backward pass of the scaled recursions, gamma and xi (added). */
static void scaled_backward(double *gamma, double *xi, double *b, const double *a, const double *e, const double *c,
                            size_t T, size_t S, const double *P)
{
    double tmp[WK_GLM_MAX_STATES];
    for (size_t s = 0; s < S; s++) b[(T - 1) * S + s] = 1;
    for (size_t t = T - 1; t-- > 0;) {
        const double *bn = b + (t + 1) * S, *en = e + (t + 1) * S;
        for (size_t r = 0; r < S; r++) tmp[r] = bn[r] * en[r] / c[t + 1];
        for (size_t s = 0; s < S; s++) {
            double sum = 0;
            for (size_t r = 0; r < S; r++) sum += P[s * S + r] * tmp[r];
            b[t * S + s] = sum;
        }
        if (xi) {
            const double *ap = a + t * S;
            for (size_t r = 0; r < S; r++)
                for (size_t s = 0; s < S; s++) xi[r * S + s] += ap[r] * P[r * S + s] * tmp[s];
        }
    }
    for (size_t i = 0; i < T * S; i++) gamma[i] = a[i] * b[i];
}

double wk_glm_forward(const double *ll, size_t T, size_t S, const double *logp0, const double *logP)
{
    if (S > WK_GLM_MAX_STATES) return wk_nan();
    double *alpha = wk_malloc_array(2 * T * S + T + 1, sizeof *alpha), P[WK_GLM_MAX_STATES * WK_GLM_MAX_STATES];
    if (!alpha) return wk_nan();
    exp_matrix(P, logP, S);
    double z = 0;
    if (!T || scaled_forward(alpha, alpha + T * S, alpha + 2 * T * S, &z, ll, T, S, logp0, P))
        z = forward(alpha, ll, T, S, logp0, logP, P);
    free(alpha);
    return z;
}

/* xi[r][s] += sum_t exp(alpha[t-1][r] + logP[r][s] + ll[t][s] + beta[t][s] - z),
 * each bin's terms as products of two shifted exponentials. */
static void add_transitions(double *xi, const double *alpha, const double *beta, const double *ll, size_t T,
                            size_t S, const double *P, const double *logP, double z)
{
    double a[WK_GLM_MAX_STATES], b[WK_GLM_MAX_STATES];
    for (size_t t = 1; t < T; t++) {
        const double *al = alpha + (t - 1) * S;
        double ma = -INFINITY, mb = -INFINITY;
        for (size_t s = 0; s < S; s++) {
            b[s] = ll[t * S + s] + beta[t * S + s];
            ma = fmax(ma, al[s]);
            mb = fmax(mb, b[s]);
        }
        double scale = exp(ma + mb - z);
        if (!isfinite(ma) || !isfinite(mb) || !isfinite(scale)) {
            for (size_t r = 0; r < S; r++)
                for (size_t s = 0; s < S; s++) xi[r * S + s] += exp(al[r] + logP[r * S + s] + b[s] - z);
            continue;
        }
        for (size_t s = 0; s < S; s++) {
            a[s] = exp(al[s] - ma);
            b[s] = exp(b[s] - mb) * scale;
        }
        for (size_t r = 0; r < S; r++)
            for (size_t s = 0; s < S; s++) xi[r * S + s] += a[r] * P[r * S + s] * b[s];
    }
}

int wk_glm_forward_backward(double *gamma, double *xi, double *loglik, const double *ll, size_t T,
                            size_t S, const double *logp0, const double *logP)
{
    if (S > WK_GLM_MAX_STATES) return wk_fail(WK_EINVAL, "glm: too many states");
    double *alpha = wk_malloc_array(3 * T * S + T + 1, sizeof *alpha);
    if (!alpha) return WK_ENOMEM;
    double *beta = alpha + T * S, tmp[WK_GLM_MAX_STATES], P[WK_GLM_MAX_STATES * WK_GLM_MAX_STATES];
    exp_matrix(P, logP, S);
    double z = 0;
    if (T && !scaled_forward(alpha, beta + T * S, beta + 2 * T * S, &z, ll, T, S, logp0, P)) {
        scaled_backward(gamma, xi, beta, alpha, beta + T * S, beta + 2 * T * S, T, S, P);
        free(alpha);
        if (loglik) *loglik = z;
        return 0;
    }
    z = forward(alpha, ll, T, S, logp0, logP, P);
    for (size_t s = 0; s < S && T; s++) beta[(T - 1) * S + s] = 0;
    for (size_t t = T - 1; t-- > 0;) {
        for (size_t r = 0; r < S; r++) tmp[r] = ll[(t + 1) * S + r] + beta[(t + 1) * S + r];
        log_matvec(beta + t * S, tmp, P, logP, S, 1);
    }
    for (size_t t = 0; t < T; t++)
        for (size_t s = 0; s < S; s++) gamma[t * S + s] = exp(alpha[t * S + s] + beta[t * S + s] - z);
    if (xi) add_transitions(xi, alpha, beta, ll, T, S, P, logP, z);
    free(alpha);
    if (loglik) *loglik = z;
    return 0;
}

int wk_glm_viterbi(int *path, const double *ll, size_t T, size_t S, const double *logp0, const double *logP)
{
    if (T == 0) return 0;
    double *delta = wk_malloc_array(T * S, sizeof *delta);
    int *from = wk_malloc_array(T * S, sizeof *from);
    if (!delta || !from) {
        free(delta);
        free(from);
        return WK_ENOMEM;
    }
    for (size_t s = 0; s < S; s++) delta[s] = logp0[s] + ll[s];
    for (size_t t = 1; t < T; t++)
        for (size_t s = 0; s < S; s++) {
            size_t best = 0;
            double bv = -INFINITY;
            for (size_t r = 0; r < S; r++) {
                double v = delta[(t - 1) * S + r] + logP[r * S + s];
                if (v > bv) {
                    bv = v;
                    best = r;
                }
            }
            delta[t * S + s] = bv + ll[t * S + s];
            from[t * S + s] = (int)best;
        }
    size_t cur = 0;
    for (size_t s = 1; s < S; s++)
        if (delta[(T - 1) * S + s] > delta[(T - 1) * S + cur]) cur = s;
    for (size_t t = T; t-- > 0;) {
        path[t] = (int)cur;
        if (t) cur = (size_t)from[t * S + cur];
    }
    free(delta);
    free(from);
    return 0;
}

int wk_glm_loglik(double *total, double *per_seq, const struct wk_glm_model *m, const struct wk_glm_data *d)
{
    int rc = 0;
    double *each = wk_calloc(d->n + 1, sizeof *each);
    if (!each) return WK_ENOMEM;
#pragma omp parallel for schedule(dynamic) reduction(min : rc) \
    if (wk_glm_data_samples(d) * m->S * m->N > WK_GLM_PARALLEL_MIN)
    for (size_t i = 0; i < d->n; i++) {
        const struct wk_glm_seq *q = d->seq + i;
        double *ll = wk_malloc_array(q->T * m->S + 1, sizeof *ll);
        int r = ll ? wk_glm_emission(ll, m, q) : WK_ENOMEM;
        if (!r) each[i] = wk_glm_forward(ll, q->T, m->S, m->logp0, m->logP);
        free(ll);
        if (r < rc) rc = r;
    }
    double sum = 0;
    for (size_t i = 0; i < d->n; i++) {
        sum += each[i];
        if (per_seq) per_seq[i] = each[i];
    }
    free(each);
    *total = sum;
    return rc;
}

int wk_glm_estep(double *gamma, double *xi, double *loglik, const struct wk_glm_model *m,
                 const struct wk_glm_data *d)
{
    return wk_glm_estep_terms(gamma, xi, loglik, NULL, NULL, m, d);
}

int wk_glm_estep_terms(double *gamma, double *xi, double *loglik, double *d1, double *w,
                       const struct wk_glm_model *m, const struct wk_glm_data *d)
{
    size_t S = m->S, n = d->n;
    size_t *offset = wk_calloc(n + 1, sizeof *offset);
    double *xis = wk_calloc(n * S * S + 1, sizeof *xis), *lls = wk_calloc(n + 1, sizeof *lls);
    if (!offset || !xis || !lls) {
        free(offset);
        free(xis);
        free(lls);
        return WK_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) offset[i + 1] = offset[i] + d->seq[i].T;
    int rc = 0;
#pragma omp parallel for schedule(dynamic) reduction(min : rc) if (offset[n] * S * m->N > WK_GLM_PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) {
        const struct wk_glm_seq *q = d->seq + i;
        double *ll = wk_malloc_array(q->T * S + 1, sizeof *ll);
        size_t at = offset[i] * S * m->N;
        int r = ll ? wk_glm_emission_terms(ll, d1 ? d1 + at : NULL, w ? w + at : NULL, m, q) : WK_ENOMEM;
        if (!r)
            r = wk_glm_forward_backward(gamma + offset[i] * S, xis + i * S * S, lls + i, ll, q->T, S, m->logp0,
                                        m->logP);
        free(ll);
        if (r < rc) rc = r;
    }
    memset(xi, 0, S * S * sizeof *xi);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += lls[i];
        for (size_t k = 0; k < S * S; k++) xi[k] += xis[i * S * S + k];
    }
    *loglik = sum;
    free(offset);
    free(xis);
    free(lls);
    return rc;
}

void wk_glm_update_transitions(struct wk_glm_model *m, const double *xi)
{
    size_t S = m->S;
    for (size_t r = 0; r < S; r++) {
        double row = 0;
        for (size_t s = 0; s < S; s++) row += xi[r * S + s];
        if (!(row > 0)) continue;
        double lp[WK_GLM_MAX_STATES], z;
        for (size_t s = 0; s < S; s++) lp[s] = fmax(log(xi[r * S + s] / row), WK_GLM_LOGP_MIN);
        z = logsumexp(lp, S);
        for (size_t s = 0; s < S; s++) m->logP[r * S + s] = lp[s] - z;
    }
}
