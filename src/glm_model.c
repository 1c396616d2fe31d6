/* glm_model.c - switching GLM: options, history kernel, data, parameters,
 * the observation model and the emission log-likelihoods. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "glm_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_glm.h"
#include "wormkit/wk_util.h"

void wk_glm_opts_init(struct wk_glm_opts *o)
{
    o->states = 3;
    o->lags = 5;
    o->decay = 1.0;
    o->span = 5.0;
    o->self = 1;
    o->obs = WK_GLM_POISSON;
    o->prior = WK_GLM_PRIOR_NONE;
    o->mstep = WK_GLM_MSTEP_NEWTON;
    o->epochs = 10;
    o->steps = 50;
    o->newton = 1;
    o->tol = 1e-7;
    o->onehot_lr = 0.03;
    o->lr = 0.01;
    o->sigma = 1.0 / 3.0;
    o->tau = 0.2;
    o->stay = 0.98;
    o->init_scale = 0.1;
    o->fix_pibar = 0;
    o->random_init = 0;
    o->seed = 1;
}

int wk_glm_opts_check(const struct wk_glm_opts *o)
{
    const char *problem = NULL;
    if (o->states < 1 || o->states > WK_GLM_MAX_STATES) problem = "states must be between 1 and 64";
    else if (o->lags < 1 || o->lags > WK_GLM_MAX_LAGS) problem = "lags must be between 1 and 1000";
    else if (!(o->decay >= 0) || !isfinite(o->decay)) problem = "decay must be at least 0";
    else if (!(o->span > 0) || !isfinite(o->span)) problem = "span must be positive";
    else if (!(o->lr > 0) || !isfinite(o->lr) || !(o->onehot_lr > 0) || !isfinite(o->onehot_lr))
        problem = "learning rate must be positive";
    else if (!(o->tol >= 0) || !isfinite(o->tol)) problem = "tolerance must be at least 0";
    else if (!(o->sigma > 0) || !isfinite(o->sigma)) problem = "sigma must be positive";
    else if (!(o->tau > 0) || !isfinite(o->tau)) problem = "temperature must be positive";
    else if (!(o->stay > 0 && o->stay < 1) && !(o->stay == 1 && o->states == 1))
        problem = "stay probability must be between 0 and 1";
    else if (!(o->init_scale >= 0) || !isfinite(o->init_scale)) problem = "init scale must be at least 0";
    return problem ? wk_fail(WK_EINVAL, "glm: %s", problem) : 0;
}

void wk_glm_kernel(double *phi, size_t lags, double decay, double span)
{
    double dt = span / (double)lags, sum = 0;
    for (size_t k = 1; k <= lags; k++) sum += exp(-decay * (double)k * dt);
    for (size_t k = 1; k <= lags; k++) phi[k - 1] = exp(-decay * (double)k * dt) / (dt * sum);
}

/* ---- data ---- */

void wk_glm_data_free(struct wk_glm_data *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) free(d->seq[i].c);
    free(d->seq);
    free(d);
}

size_t wk_glm_data_samples(const struct wk_glm_data *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) n += d->seq[i].T;
    return n;
}

static void history(double *c, const float *x, size_t T, size_t N, const double *phi, size_t L)
{
    for (size_t t = 0; t < T; t++) {
        double *row = c + t * N;
        for (size_t m = 0; m < N; m++) row[m] = 0;
        for (size_t k = 1; k <= L && k <= t; k++) {
            const float *past = x + (t - k) * N;
            for (size_t m = 0; m < N; m++)
                if (!isnan(past[m])) row[m] += phi[k - 1] * past[m];
        }
    }
}

int wk_glm_data_alloc(struct wk_glm_data **out, size_t N, size_t n, const float *const *x,
                      const size_t *T, const struct wk_glm_opts *o)
{
    *out = NULL;
    struct wk_glm_data *d = wk_calloc(1, sizeof *d);
    double *phi = wk_calloc(o->lags, sizeof *phi);
    if (d) d->seq = wk_calloc(n ? n : 1, sizeof *d->seq);
    if (!d || !phi || !d->seq) {
        free(phi);
        wk_glm_data_free(d);
        return WK_ENOMEM;
    }
    d->N = N;
    d->n = n;
    wk_glm_kernel(phi, o->lags, o->decay, o->span);
    for (size_t i = 0; i < n; i++) {
        d->seq[i].T = T[i];
        d->seq[i].x = x[i];
        d->seq[i].c = wk_malloc_array(T[i] * N, sizeof(double));
        if (!d->seq[i].c) {
            free(phi);
            wk_glm_data_free(d);
            return WK_ENOMEM;
        }
        history(d->seq[i].c, x[i], T[i], N, phi, o->lags);
    }
    free(phi);
    *out = d;
    return 0;
}

/* ---- parameters ---- */

void wk_glm_model_free(struct wk_glm_model *m)
{
    if (!m) return;
    free(m->W);
    free(m->bias);
    free(m->var);
    free(m->logp0);
    free(m->logP);
    free(m->logit);
    free(m->rho);
    free(m->pilogit);
    free(m);
}

struct wk_glm_model *wk_glm_model_alloc(size_t S, size_t N, const struct wk_glm_opts *o)
{
    struct wk_glm_model *m = wk_calloc(1, sizeof *m);
    if (!m) return NULL;
    m->S = S;
    m->N = N;
    m->obs = o->obs;
    m->prior = o->prior;
    m->self = o->self;
    m->sigma = o->sigma;
    m->tau = o->tau;
    m->fix_pibar = o->fix_pibar;
    size_t SNN = S * N * N;
    m->W = wk_calloc(SNN ? SNN : 1, sizeof *m->W);
    m->bias = wk_calloc(N ? N : 1, sizeof *m->bias);
    m->var = wk_calloc(N ? N : 1, sizeof *m->var);
    m->logp0 = wk_calloc(S, sizeof *m->logp0);
    m->logP = wk_calloc(S * S, sizeof *m->logP);
    int bad = !m->W || !m->bias || !m->var || !m->logp0 || !m->logP;
    if (o->prior == WK_GLM_PRIOR_ONEHOT && !bad) {
        m->logit = wk_calloc(SNN * 3 + 1, sizeof *m->logit);
        m->rho = wk_calloc(SNN + 1, sizeof *m->rho);
        m->pilogit = wk_calloc(N * N * 3 + 1, sizeof *m->pilogit);
        bad = !m->logit || !m->rho || !m->pilogit;
    }
    if (bad) {
        wk_glm_model_free(m);
        return NULL;
    }
    return m;
}

void wk_glm_model_copy(struct wk_glm_model *dst, const struct wk_glm_model *src)
{
    size_t S = src->S, N = src->N, SNN = S * N * N;
    memcpy(dst->W, src->W, SNN * sizeof *dst->W);
    memcpy(dst->bias, src->bias, N * sizeof *dst->bias);
    memcpy(dst->var, src->var, N * sizeof *dst->var);
    memcpy(dst->logp0, src->logp0, S * sizeof *dst->logp0);
    memcpy(dst->logP, src->logP, S * S * sizeof *dst->logP);
    if (src->logit && dst->logit) {
        memcpy(dst->logit, src->logit, SNN * 3 * sizeof *dst->logit);
        memcpy(dst->rho, src->rho, SNN * sizeof *dst->rho);
        memcpy(dst->pilogit, src->pilogit, N * N * 3 * sizeof *dst->pilogit);
    }
}

double wk_glm_softplus(double x)
{
    return x > 30 ? x : log1p(exp(x));
}

double wk_glm_sigmoid(double x)
{
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

void wk_glm_softmax3(double *q, const double *l)
{
    double mx = fmax(l[0], fmax(l[1], l[2]));
    double e0 = exp(l[0] - mx), e1 = exp(l[1] - mx), e2 = exp(l[2] - mx), z = e0 + e1 + e2;
    q[0] = e0 / z;
    q[1] = e1 / z;
    q[2] = e2 / z;
}

void wk_glm_onehot_weights(struct wk_glm_model *m)
{
    size_t SNN = m->S * m->N * m->N;
    for (size_t i = 0; i < SNN; i++) {
        double q[3];
        wk_glm_softmax3(q, m->logit + 3 * i);
        m->W[i] = (q[WK_GLM_EXC] - q[WK_GLM_INH]) * wk_glm_softplus(m->rho[i]);
    }
    wk_glm_zero_self(m, m->W);
}

void wk_glm_zero_self(const struct wk_glm_model *m, double *W)
{
    if (m->self) return;
    for (size_t s = 0; s < m->S; s++)
        for (size_t n = 0; n < m->N; n++) W[(s * m->N + n) * m->N + n] = 0;
}

void wk_glm_model_init(struct wk_glm_model *m, const struct wk_glm_opts *o)
{
    size_t S = m->S, N = m->N, SNN = S * N * N;
    for (size_t s = 0; s < S; s++) {
        m->logp0[s] = -log((double)S);
        for (size_t r = 0; r < S; r++) {
            double p = S == 1 ? 1.0 : (s == r ? o->stay : (1.0 - o->stay) / (double)(S - 1));
            m->logP[s * S + r] = log(p);
        }
    }
    for (size_t n = 0; n < N; n++) {
        m->bias[n] = 0;
        m->var[n] = 1;
    }
    /* the draws land in W first; the one-hot prior turns them into logits */
    wk_glm_normal_fill(m->W, SNN, wk_glm_key(o->seed, 0x1217));
    for (size_t i = 0; i < SNN; i++) m->W[i] *= o->init_scale;
    if (m->prior != WK_GLM_PRIOR_ONEHOT) {
        wk_glm_zero_self(m, m->W);
    } else {
        static const double prior3[3] = {0.2, 0.6, 0.2};
        for (size_t i = 0; i < N * N; i++)
            for (int k = 0; k < 3; k++) m->pilogit[3 * i + (size_t)k] = log(prior3[k]);
        double rho1 = log(expm1(1.0)); /* softplus(rho1) = 1 */
        for (size_t i = 0; i < SNN; i++) {
            double z = m->W[i];
            m->logit[3 * i + WK_GLM_INH] = log(prior3[0]) - 5 * z;
            m->logit[3 * i + WK_GLM_NONE] = log(prior3[1]);
            m->logit[3 * i + WK_GLM_EXC] = log(prior3[2]) + 5 * z;
            m->rho[i] = rho1;
        }
        wk_glm_onehot_weights(m);
    }
}

/* ---- observations ---- */

double wk_glm_obs_loglik(enum wk_glm_obs obs, double x, double u, double var, double *d1, double *w)
{
    double v = wk_glm_obs_core(obs, x, u, var, d1, w);
    return obs == WK_GLM_POISSON && x != 0 && x != 1 ? v - lgamma(x + 1.0) : v;
}

/* u = C W_s^T + bias for one state: [T][N]. */
void wk_glm_drive(double *u, const struct wk_glm_model *m, const struct wk_glm_seq *q, size_t s,
                  const double *W)
{
    size_t N = m->N, T = q->T;
    for (size_t t = 0; t < T; t++) memcpy(u + t * N, m->bias, N * sizeof *u);
    if (T && N)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)N, (int)N, 1.0, q->c, (int)N,
                    W + s * N * N, (int)N, 1.0, u, (int)N);
}

/* Rows of bins per block of wk_glm_emission (bounds its scratch memory). */
#define EMISSION_BLOCK 512

/* All states' drives of a block of bins in one GEMM, u [rows][S][N], then
 * the observation terms of the whole block at once (x repeated per state). */
int wk_glm_emission_terms(double *ll, double *d1, double *w, const struct wk_glm_model *m,
                          const struct wk_glm_seq *q)
{
    size_t N = m->N, T = q->T, S = m->S, SN = S * N;
    double *u = wk_malloc_array(2 * EMISSION_BLOCK * SN + 1, sizeof *u);
    float *xs = wk_malloc_array(EMISSION_BLOCK * SN + 1, sizeof *xs);
    if (!u || !xs) {
        free(u);
        free(xs);
        return WK_ENOMEM;
    }
    double *val = u + EMISSION_BLOCK * SN;
    for (size_t t0 = 0; t0 < T; t0 += EMISSION_BLOCK) {
        size_t nt = T - t0 < EMISSION_BLOCK ? T - t0 : EMISSION_BLOCK;
        for (size_t t = 0; t < nt * S; t++) memcpy(u + t * N, m->bias, N * sizeof *u);
        if (N)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nt, (int)SN, (int)N, 1.0, q->c + t0 * N,
                        (int)N, m->W, (int)N, 1.0, u, (int)SN);
        for (size_t t = 0; t < nt * S; t++) memcpy(xs + t * N, q->x + (t0 + t / S) * N, N * sizeof *xs);
        wk_glm_obs_block(val, d1 ? d1 + t0 * SN : NULL, d1 ? w + t0 * SN : NULL, m->obs, xs, u, m->var, nt * S, N);
        for (size_t t = t0; t < t0 + nt; t++) {
            const float *x = q->x + t * N;
            double c = 0;
            if (m->obs == WK_GLM_POISSON)
                for (size_t n = 0; n < N; n++)
                    if (!isnan(x[n]) && x[n] != 0 && x[n] != 1) c += lgamma(x[n] + 1.0); /* lgamma(1) = lgamma(2) = 0 */
            for (size_t s = 0; s < S; s++) {
                const double *vs = val + ((t - t0) * S + s) * N;
                double sum = 0;
                for (size_t n = 0; n < N; n++) sum += vs[n];
                ll[t * S + s] = sum - c;
            }
        }
    }
    free(u);
    free(xs);
    return 0;
}

int wk_glm_emission(double *ll, const struct wk_glm_model *m, const struct wk_glm_seq *q)
{
    return wk_glm_emission_terms(ll, NULL, NULL, m, q);
}
