/* glm_init.c - data-driven initialisation of the switching GLM.
 *
 * EM from random weights gets stuck with two true states merged and another
 * split.  Instead: fit one shared GLM (all states equal), cut the training
 * sequences into windows of about a dwell time, describe each window by the
 * gradient of its log-likelihood with respect to the shared weights (the
 * direction in which that window wants the weights to move), cluster the
 * windows by k-means (k-means++ seeding from the seed), and take one
 * M-step with the clusters as hard state posteriors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "glm_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

#define INIT_WINDOW 50
#define KMEANS_ITER 100
#define KMEANS_TRIES 10

static double dist2(const double *a, const double *b, size_t n)
{
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return s;
}

static double sqnorm(const double *a, size_t n)
{
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < n; i++) s += a[i] * a[i];
    return s;
}

/* Assign each row of F [n][dim] to its nearest centre of C [k][dim]:
 * |f - c|^2 = |f|^2 - 2 f.c + |c|^2, the products of all pairs in one GEMM
 * (G [n][k]) and |f|^2 the same for every centre.  Returns whether a label
 * changed. */
static int nearest(int *label, double *G, double *cn, const double *F, const double *C, size_t n, size_t dim,
                   size_t k)
{
    for (size_t c = 0; c < k; c++) cn[c] = sqnorm(C + c * dim, dim);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)dim, 1.0, F, (int)dim, C, (int)dim,
                0.0, G, (int)k);
    int changed = 0;
    for (size_t i = 0; i < n; i++) {
        int b = 0;
        double bd = INFINITY;
        for (size_t c = 0; c < k; c++) {
            double dd = cn[c] - 2 * G[i * k + c];
            if (dd < bd) {
                bd = dd;
                b = (int)c;
            }
        }
        changed |= label[i] != b;
        label[i] = b;
    }
    return changed;
}

/* k-means++ seeding and Lloyd iterations (deterministic for a key). */
static double kmeans_once(int *label, const double *F, size_t n, size_t dim, size_t k, unsigned long key)
{
    double *C = wk_calloc(k * dim + 1, sizeof *C), *best = wk_calloc(n + 1, sizeof *best);
    double *u = wk_calloc(k + 1, sizeof *u), *G = wk_malloc_array(n * k + 1, sizeof *G);
    double *cn = wk_calloc(k + 1, sizeof *cn);
    size_t *count = wk_calloc(k + 1, sizeof *count);
    if (!C || !best || !u || !G || !cn || !count) {
        for (size_t i = 0; i < n; i++) label[i] = (int)(i % k);
        free(C), free(best), free(u), free(G), free(cn), free(count);
        return INFINITY;
    }
    wk_glm_gumbel_fill(u, k, key); /* any deterministic numbers: turned into uniforms below */
    size_t first = (size_t)(exp(-exp(-u[0])) * (double)n); /* Gumbel CDF: a uniform in (0,1) */
    memcpy(C, F + (first < n ? first : n - 1) * dim, dim * sizeof *C);
    for (size_t i = 0; i < n; i++) best[i] = dist2(F + i * dim, C, dim);
    for (size_t c = 1; c < k; c++) {
        double total = 0, at, acc = 0;
        for (size_t i = 0; i < n; i++) total += best[i];
        at = exp(-exp(-u[c])) * total;
        size_t pick = n - 1;
        for (size_t i = 0; i < n; i++) {
            acc += best[i];
            if (acc >= at) {
                pick = i;
                break;
            }
        }
        memcpy(C + c * dim, F + pick * dim, dim * sizeof *C);
        for (size_t i = 0; i < n; i++) best[i] = fmin(best[i], dist2(F + i * dim, C + c * dim, dim));
    }
    for (int it = 0; it < KMEANS_ITER; it++) {
        int changed = nearest(label, G, cn, F, C, n, dim, k);
        if (!changed && it > 0) break;
        memset(C, 0, k * dim * sizeof *C);
        memset(count, 0, k * sizeof *count);
        for (size_t i = 0; i < n; i++) {
            count[label[i]]++;
            double *c = C + (size_t)label[i] * dim;
            const double *f = F + i * dim;
#pragma omp simd
            for (size_t j = 0; j < dim; j++) c[j] += f[j];
        }
        for (size_t c = 0; c < k; c++)
            for (size_t j = 0; j < dim && count[c]; j++) C[c * dim + j] /= (double)count[c];
    }
    double inertia = 0;
    for (size_t i = 0; i < n; i++) inertia += dist2(F + i * dim, C + (size_t)label[i] * dim, dim);
    free(C);
    free(best);
    free(u);
    free(G);
    free(cn);
    free(count);
    return inertia;
}

/* The best (least inertia) of KMEANS_TRIES seedings. */
static void kmeans(int *label, const double *F, size_t n, size_t dim, size_t k, unsigned long key)
{
    int *tmp = wk_calloc(n + 1, sizeof *tmp);
    double best = INFINITY;
    /* fewer seedings when one Lloyd pass is expensive (many neurons) */
    int tries = (double)n * (double)dim * (double)k > 1e8 ? 3 : KMEANS_TRIES;
    for (int trial = 0; trial < tries; trial++) {
        int *dst = tmp ? tmp : label;
        double v = kmeans_once(dst, F, n, dim, k, wk_glm_key(key, (unsigned long)trial));
        if (v < best && tmp) {
            best = v;
            memcpy(label, tmp, n * sizeof *label);
        }
        if (!tmp) break;
    }
    free(tmp);
}

/* Window features: sum over the window of d1(x, u) c^T at the shared
 * weights (state 0), standardised per feature. */
static int window_features(double *F, const struct wk_glm_model *m, const struct wk_glm_data *d, size_t nw,
                           const size_t *wseq, const size_t *wstart, size_t wlen)
{
    size_t N = m->N, dim = N * N;
    double *u = wk_malloc_array(wlen * N, sizeof *u), *D = wk_malloc_array(wlen * N, sizeof *D);
    int rc = u && D ? 0 : WK_ENOMEM;
    for (size_t w = 0; w < nw && !rc; w++) {
        const struct wk_glm_seq *q = d->seq + wseq[w];
        size_t t0 = wstart[w], len = t0 + wlen <= q->T ? wlen : q->T - t0;
        struct wk_glm_seq part = {len, q->x + t0 * N, q->c + t0 * N};
        wk_glm_drive(u, m, &part, 0, m->W);
        for (size_t t = 0; t < len; t++)
            for (size_t n = 0; n < N; n++) {
                double x = part.x[t * N + n], d1 = 0;
                if (!isnan(x)) wk_glm_obs_core(m->obs, x, u[t * N + n], m->var[n], &d1, NULL);
                D[t * N + n] = d1;
            }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, (int)N, (int)len, 1.0, D, (int)N, part.c,
                    (int)N, 0.0, F + w * dim, (int)N);
    }
    for (size_t j = 0; j < dim && !rc; j++) {
        double mean = 0, sq = 0;
        for (size_t w = 0; w < nw; w++) mean += F[w * dim + j];
        mean /= (double)nw;
        for (size_t w = 0; w < nw; w++) sq += (F[w * dim + j] - mean) * (F[w * dim + j] - mean);
        double sd = sqrt(sq / (double)nw);
        for (size_t w = 0; w < nw; w++) F[w * dim + j] = sd > 0 ? (F[w * dim + j] - mean) / sd : 0;
    }
    free(u);
    free(D);
    return rc;
}

int wk_glm_init_from_data(struct wk_glm_model *m, const struct wk_glm_data *d, const struct wk_glm_opts *o)
{
    size_t S = m->S, N = m->N, Tall = wk_glm_data_samples(d), wlen = INIT_WINDOW, nw = 0;
    if (S < 2 || Tall == 0) return 0;
    for (size_t i = 0; i < d->n; i++) nw += (d->seq[i].T + wlen - 1) / wlen;
    if (nw < S) return 0;
    double *gamma = wk_calloc(Tall * S + 1, sizeof *gamma), *F = wk_calloc(nw * N * N + 1, sizeof *F);
    size_t *wseq = wk_calloc(nw + 1, sizeof *wseq), *wstart = wk_calloc(nw + 1, sizeof *wstart);
    int *label = wk_calloc(nw + 1, sizeof *label);
    struct wk_glm_opts shared = *o;
    shared.prior = WK_GLM_PRIOR_NONE;
    shared.states = 1;
    struct wk_glm_model *one = wk_glm_model_alloc(1, N, &shared);
    int rc = gamma && F && wseq && wstart && label && one ? 0 : WK_ENOMEM;
    if (!rc) {
        /* the shared GLM: one state, posteriors 1 */
        wk_glm_model_init(one, &shared);
        memset(one->W, 0, N * N * sizeof *one->W);
        memcpy(one->var, m->var, N * sizeof *one->var);
        for (size_t i = 0; i < Tall; i++) gamma[i] = 1.0;
        rc = wk_glm_mstep_newton(one, d, gamma, &shared, o->seed);
    }
    size_t w = 0;
    for (size_t i = 0; i < d->n && !rc; i++)
        for (size_t t0 = 0; t0 < d->seq[i].T; t0 += wlen, w++) {
            wseq[w] = i;
            wstart[w] = t0;
        }
    if (!rc) rc = window_features(F, one, d, nw, wseq, wstart, wlen);
    if (!rc) {
        kmeans(label, F, nw, N * N, S, wk_glm_key(o->seed, 0x4b4d));
        memset(gamma, 0, Tall * S * sizeof *gamma);
        size_t off = 0;
        w = 0;
        for (size_t i = 0; i < d->n; i++) {
            for (size_t t = 0; t < d->seq[i].T; t++) gamma[(off + t) * S + (size_t)label[w + t / wlen]] = 1.0;
            w += (d->seq[i].T + wlen - 1) / wlen;
            off += d->seq[i].T;
        }
        memcpy(m->bias, one->bias, N * sizeof *m->bias);
        rc = o->mstep == WK_GLM_MSTEP_ADAM ? wk_glm_mstep_adam(m, d, gamma, o, o->seed)
                                           : wk_glm_mstep_newton(m, d, gamma, o, o->seed);
    }
    wk_glm_model_free(one);
    free(gamma);
    free(F);
    free(wseq);
    free(wstart);
    free(label);
    return rc;
}
