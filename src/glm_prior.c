/* glm_prior.c - priors on the switching GLM weights: Gaussian around the
 * mean over states, and the one-hot adjacency with its Concrete
 * (Gumbel-softmax) relaxation. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glm_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

double wk_glm_concrete_logpdf(const double *logx, const double *loga, size_t K, double tau, double *glogx,
                              double *gloga)
{
    double z[16], mx = -INFINITY, sum = 0, v = lgamma((double)K) + (double)(K - 1) * log(tau);
    if (K > 16) return wk_nan();
    for (size_t k = 0; k < K; k++) {
        v += loga[k] - (tau + 1) * logx[k];
        z[k] = loga[k] - tau * logx[k];
        mx = fmax(mx, z[k]);
    }
    for (size_t k = 0; k < K; k++) sum += exp(z[k] - mx);
    v -= (double)K * (mx + log(sum));
    for (size_t k = 0; k < K; k++) {
        double w = exp(z[k] - mx) / sum;
        if (glogx) glogx[k] = -(tau + 1) + (double)K * tau * w;
        if (gloga) gloga[k] = 1 - (double)K * w;
    }
    return v;
}

void wk_glm_state_mean(double *Wbar, const struct wk_glm_model *m)
{
    size_t NN = m->N * m->N;
    for (size_t i = 0; i < NN; i++) {
        double sum = 0;
        for (size_t s = 0; s < m->S; s++) sum += m->W[s * NN + i];
        Wbar[i] = sum / (double)m->S;
    }
}

double wk_glm_gaussian_prior_row(const struct wk_glm_model *m, const double *W, const double *Wbar, size_t n,
                                 double *gW)
{
    size_t N = m->N, NN = N * N;
    double v = 0, s2 = m->sigma * m->sigma, lnorm = -0.5 * log(2 * M_PI * s2);
    for (size_t s = 0; s < m->S; s++)
        for (size_t j = 0; j < N; j++) {
            if (!m->self && j == n) continue;
            size_t i = n * N + j;
            double r = W[s * NN + i] - Wbar[i];
            v += lnorm - 0.5 * r * r / s2;
            if (gW) gW[s * NN + i] -= r / s2;
        }
    return v;
}

double wk_glm_gaussian_prior(const struct wk_glm_model *m, const double *W, const double *Wbar, double *gW)
{
    double v = 0;
    for (size_t n = 0; n < m->N; n++) v += wk_glm_gaussian_prior_row(m, W, Wbar, n, gW);
    return v;
}

/* Counter-based uniform in (0,1): the same numbers whatever the thread
 * that draws them. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

void wk_glm_gumbel_fill(double *g, size_t n, unsigned long key)
{
    uint64_t k = mix64((uint64_t)key);
    for (size_t i = 0; i < n; i++) g[i] = ((double)(mix64(k ^ mix64((uint64_t)i)) >> 11) + 0.5) * 0x1p-53;
    /* u >= 2^-54 and -log(u) >= 2^-53: both logarithms see normal numbers */
#pragma omp simd
    for (size_t i = 0; i < n; i++) g[i] = -wk_fast_log(-wk_fast_log(g[i]));
}

void wk_glm_normal_fill(double *g, size_t n, unsigned long key)
{
    uint64_t k = mix64((uint64_t)key ^ 0x6a09e667f3bcc908u);
    for (size_t i = 0; i < n; i++) {
        double u1 = ((double)(mix64(k ^ mix64(2 * (uint64_t)i)) >> 11) + 0.5) * 0x1p-53;
        double u2 = ((double)(mix64(k ^ mix64(2 * (uint64_t)i + 1)) >> 11) + 0.5) * 0x1p-53;
        g[i] = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
    }
}

unsigned long wk_glm_key(unsigned long a, unsigned long b)
{
    return (unsigned long)mix64(mix64((uint64_t)a) ^ (uint64_t)b);
}

/* log softmax(y) and, when p is not NULL, softmax(y) from the same
 * exponentials (one exp per class in all). */
static void log_softmax3(double *out, double *p, const double *y)
{
    double mx = fmax(y[0], fmax(y[1], y[2]));
    const double e[3] = {exp(y[0] - mx), exp(y[1] - mx), exp(y[2] - mx)}, sum = e[0] + e[1] + e[2];
    double z = mx + log(sum);
    for (int k = 0; k < 3; k++) out[k] = y[k] - z;
    if (p)
        for (int k = 0; k < 3; k++) p[k] = e[k] / sum;
}

/* The relaxed sample of entry i = (s, n, m) with noise g3 (NULL: none). */
static void relaxed(double *logA, double *A, const struct wk_glm_model *m, const double *g3, size_t i)
{
    double y[3];
    for (int k = 0; k < 3; k++) y[k] = (m->logit[3 * i + (size_t)k] + (g3 ? g3[k] : 0)) / m->tau;
    log_softmax3(logA, A, y);
}

/* The strength softplus(rho) (as wk_glm_softplus) and its derivative
 * sigmoid(rho) in *slope, from one exponential. */
static double strength(double rho, double *slope)
{
    if (rho > 30) {
        *slope = 1.0 / (1.0 + exp(-rho));
        return rho;
    }
    double e = exp(rho);
    *slope = e / (1.0 + e);
    return log1p(e);
}

/* Noise of entry (s, j) of a row block laid out [S][N][3]. */
static const double *noise_at(const struct wk_glm_model *m, const double *row, size_t s, size_t j)
{
    return row ? row + (s * m->N + j) * 3 : NULL;
}

static const double *row_block(const struct wk_glm_model *m, const double *gumbel, size_t n)
{
    return gumbel ? gumbel + n * m->S * m->N * 3 : NULL;
}

double wk_glm_onehot_row_forward(const struct wk_glm_model *m, const double *noise, size_t n, double *W)
{
    size_t N = m->N;
    double prior = 0;
    for (size_t s = 0; s < m->S; s++)
        for (size_t j = 0; j < N; j++) {
            size_t i = (s * N + n) * N + j;
            if (!m->self && j == n) {
                W[i] = 0;
                continue;
            }
            double logA[3], A[3], logq[3], logpi[3];
            relaxed(logA, A, m, noise_at(m, noise, s, j), i);
            W[i] = (A[WK_GLM_EXC] - A[WK_GLM_INH]) * wk_glm_softplus(m->rho[i]);
            log_softmax3(logq, NULL, m->logit + 3 * i);
            log_softmax3(logpi, NULL, m->pilogit + 3 * (n * N + j));
            prior += wk_glm_concrete_logpdf(logA, logpi, 3, m->tau, NULL, NULL) -
                     wk_glm_concrete_logpdf(logA, logq, 3, m->tau, NULL, NULL);
        }
    return prior;
}

double wk_glm_onehot_forward(const struct wk_glm_model *m, const double *gumbel, double *W)
{
    double prior = 0;
    for (size_t n = 0; n < m->N; n++) prior += wk_glm_onehot_row_forward(m, row_block(m, gumbel, n), n, W);
    return prior;
}

/* The gradients of the Concrete log-density (K = 3) with respect to log x
 * and log a, as wk_glm_concrete_logpdf without its value. */
static void concrete3_grad(double *glogx, double *gloga, const double *logx, const double *loga, double tau)
{
    double z[3], e[3], mx = -INFINITY, sum = 0;
    for (int k = 0; k < 3; k++) {
        z[k] = loga[k] - tau * logx[k];
        mx = fmax(mx, z[k]);
    }
    for (int k = 0; k < 3; k++) {
        e[k] = exp(z[k] - mx);
        sum += e[k];
    }
    for (int k = 0; k < 3; k++) {
        double w = e[k] / sum;
        glogx[k] = -(tau + 1) + 3.0 * tau * w;
        gloga[k] = 1 - 3.0 * w;
    }
}

/* Gradient of one entry's three logits: through log A (prior - q), then the
 * data term through A (rg = softplus(rho) x dL/dW); -log q also depends on
 * the logits through its class weights. */
static void logit_grad(double *gl3, const double *A, const double *gxp, const double *gxq, const double *gaq,
                       const double *q, double rg, double tau)
{
    double glogx[3], sumg = 0, sumq = gaq[0] + gaq[1] + gaq[2];
    for (int k = 0; k < 3; k++) {
        glogx[k] = gxp[k] - gxq[k];
        sumg += glogx[k];
    }
    for (int k = 0; k < 3; k++) {
        double hot = (k == WK_GLM_EXC) - (k == WK_GLM_INH);
        double dy = glogx[k] - A[k] * sumg + rg * A[k] * (hot - A[WK_GLM_EXC] + A[WK_GLM_INH]);
        gl3[k] += dy / tau - (gaq[k] - q[k] * sumq);
    }
}

void wk_glm_onehot_row_backward(const struct wk_glm_model *m, const double *noise, size_t n, const double *gW,
                                double *gl, double *grho, double *gpi)
{
    size_t N = m->N;
    double tau = m->tau;
    for (size_t s = 0; s < m->S; s++)
        for (size_t j = 0; j < N; j++) {
            size_t i = (s * N + n) * N + j, ip = n * N + j;
            if (!m->self && j == n) continue;
            double logA[3], A[3], logq[3], q[3], logpi[3], pi[3], gxp[3], gxq[3], gap[3], gaq[3];
            relaxed(logA, A, m, noise_at(m, noise, s, j), i);
            log_softmax3(logq, q, m->logit + 3 * i);
            log_softmax3(logpi, pi, m->pilogit + 3 * ip);
            concrete3_grad(gxp, gap, logA, logpi, tau);
            concrete3_grad(gxq, gaq, logA, logq, tau);
            double slope, r = strength(m->rho[i], &slope), g = gW ? gW[i] : 0;
            if (grho) grho[i] += g * (A[WK_GLM_EXC] - A[WK_GLM_INH]) * slope;
            if (gl) logit_grad(gl + 3 * i, A, gxp, gxq, gaq, q, r * g, tau);
            if (gpi) {
                double sump = gap[0] + gap[1] + gap[2];
                for (int k = 0; k < 3; k++) gpi[3 * ip + (size_t)k] += gap[k] - pi[k] * sump;
            }
        }
}

void wk_glm_onehot_backward(const struct wk_glm_model *m, const double *gumbel, const double *gW, double *gl,
                            double *grho, double *gpi)
{
    for (size_t n = 0; n < m->N; n++) wk_glm_onehot_row_backward(m, row_block(m, gumbel, n), n, gW, gl, grho, gpi);
}

/* ---- the same row forward and backward, fused for the inner loop of the
 * Fisher-scoring M-step: the sample of each entry is kept for the gradient
 * and the prior's value is not computed (only its gradient is used).  The
 * results equal those of the two functions above bit for bit. */

enum { ROW_CACHE = 8 }; /* per entry: log A [3], A [3], softplus(rho), its slope */

size_t wk_glm_onehot_row_cache_len(const struct wk_glm_model *m)
{
    return m->S * m->N * ROW_CACHE + 6 * m->N;
}

void wk_glm_onehot_row_sample(const struct wk_glm_model *m, const double *noise, size_t n, double *W, double *cache)
{
    size_t N = m->N;
    for (size_t s = 0; s < m->S; s++)
        for (size_t j = 0; j < N; j++) {
            size_t i = (s * N + n) * N + j;
            double *c = cache + (s * N + j) * ROW_CACHE;
            if (!m->self && j == n) {
                W[i] = 0;
                continue;
            }
            relaxed(c, c + 3, m, noise_at(m, noise, s, j), i);
            c[6] = strength(m->rho[i], c + 7);
            W[i] = (c[3 + WK_GLM_EXC] - c[3 + WK_GLM_INH]) * c[6];
        }
    double *pi = cache + m->S * N * ROW_CACHE; /* per j: log pibar [3], pibar [3] */
    for (size_t j = 0; j < N; j++) {
        log_softmax3(pi + 6 * j, pi + 6 * j + 3, m->pilogit + 3 * (n * N + j));
    }
}

void wk_glm_onehot_row_grad(const struct wk_glm_model *m, const double *cache, size_t n, const double *gW,
                            double *gl, double *grho, double *gpi)
{
    size_t N = m->N;
    double tau = m->tau;
    const double *pi = cache + m->S * N * ROW_CACHE;
    for (size_t s = 0; s < m->S; s++)
        for (size_t j = 0; j < N; j++) {
            size_t i = (s * N + n) * N + j, ip = n * N + j;
            if (!m->self && j == n) continue;
            const double *c = cache + (s * N + j) * ROW_CACHE, *logA = c, *A = c + 3, *logpi = pi + 6 * j;
            double logq[3], q[3], gxp[3], gxq[3], gap[3], gaq[3];
            log_softmax3(logq, q, m->logit + 3 * i);
            concrete3_grad(gxp, gap, logA, logpi, tau);
            concrete3_grad(gxq, gaq, logA, logq, tau);
            double r = c[6], g = gW[i];
            grho[i] += g * (A[WK_GLM_EXC] - A[WK_GLM_INH]) * c[7];
            logit_grad(gl + 3 * i, A, gxp, gxq, gaq, q, r * g, tau);
            if (!m->fix_pibar) {
                double sump = gap[0] + gap[1] + gap[2];
                for (int k = 0; k < 3; k++) gpi[3 * ip + (size_t)k] += gap[k] - pi[6 * j + 3 + (size_t)k] * sump;
            }
        }
}

/* A logit vector with a log-softmax entry below -20 is halved.  The
 * smallest entry is min - max - log(1 + ...) with the log between 0 and
 * log 3, so only vectors whose spread lies near that band need the log
 * softmax (the same decision as computing it always). */
void wk_glm_clamp_logits(double *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double *v = l + 3 * i, spread = fmin(v[0], fmin(v[1], v[2])) - fmax(v[0], fmax(v[1], v[2]));
        int halve = spread < -20.0 - 1e-6;
        if (!halve && spread < -20.0 + 1.0986122886681098 + 1e-6) { /* log 3 */
            double ls[3];
            log_softmax3(ls, NULL, v);
            halve = fmin(ls[0], fmin(ls[1], ls[2])) < -20;
        }
        if (halve)
            for (int k = 0; k < 3; k++) v[k] *= 0.5;
    }
}
