/* glm_fit.c - the generalized EM driver of the switching GLM, hard
 * adjacency and the scores against a known truth. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "glm_internal.h"
#include "glm_run_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_partition.h"
#include "wormkit/wk_util.h"

void wk_glm_trace_clear(struct wk_glm_trace *t)
{
    if (!t) return;
    free(t->objective);
    t->objective = NULL;
    t->n = 0;
}

/* The key identifying a fit's data and options in its checkpoint (not the
 * number of epochs: a longer run continues a shorter one). */
unsigned long glm_fit_key(size_t S, size_t N, const struct wk_glm_data *d, const struct wk_glm_opts *o)
{
    unsigned long k = wk_glm_key(o->seed, S);
    const unsigned long parts[] = {N, wk_glm_data_samples(d), d->n, o->lags, (unsigned long)o->self,
                                   (unsigned long)o->obs, (unsigned long)o->prior, (unsigned long)o->mstep,
                                   (unsigned long)o->random_init, (unsigned long)o->fix_pibar,
                                   o->steps, o->newton};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) k = wk_glm_key(k, parts[i]);
    const double reals[] = {o->decay, o->span, o->lr, o->sigma, o->tau, o->stay, o->init_scale, o->tol, o->onehot_lr};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        uint64_t bits;
        memcpy(&bits, &reals[i], sizeof bits);
        k = wk_glm_key(k, (unsigned long)(bits ^ (bits >> 32)));
    }
    return k;
}

static int mstep(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma,
                 const struct wk_glm_opts *o, size_t epoch, struct wk_glm_mstep_ws *ws)
{
    unsigned long key = wk_glm_key(o->seed, 0x5eed0000u + epoch);
    int rc = o->mstep == WK_GLM_MSTEP_ADAM ? wk_glm_mstep_adam(m, d, gamma, o, key)
                                           : wk_glm_mstep_newton_ws(m, d, gamma, o, key, ws);
    if (!rc && m->obs == WK_GLM_GAUSSIAN) rc = wk_glm_update_variance(m, d, gamma);
    return rc;
}

/* ---- epoch by epoch ---- */

struct wk_glm_fitter {
    struct wk_glm_model *m;
    struct wk_glm_trace *trace;
    const struct wk_glm_data *d;
    const struct wk_glm_opts *o;
    double *gamma;
    struct wk_glm_mstep_ws *ws; /* M-step buffers kept across epochs */
    double xi[WK_GLM_MAX_STATES * WK_GLM_MAX_STATES];
    size_t epoch;
    int converged;
};

void wk_glm_fitter_free(struct wk_glm_fitter *f)
{
    if (!f) return;
    free(f->gamma);
    wk_glm_mstep_ws_free(f->ws);
    free(f);
}

int wk_glm_fitter_alloc(struct wk_glm_fitter **out, struct wk_glm_model *m, struct wk_glm_trace *trace,
                        const struct wk_glm_data *d, const struct wk_glm_opts *o, size_t epoch, int converged)
{
    *out = NULL;
    if (epoch > o->epochs || trace->n > o->epochs + 1)
        return wk_fail(WK_EINVAL, "glm: cannot resume after epoch %zu of %zu", epoch, o->epochs);
    openblas_set_num_threads(1); /* parallel over sequences, states and neurons instead */
    struct wk_glm_fitter *f = wk_calloc(1, sizeof *f);
    double *obj = wk_calloc(o->epochs + 1, sizeof *obj);
    if (f) f->gamma = wk_calloc(wk_glm_data_samples(d) * m->S + 1, sizeof *f->gamma);
    if (f) f->ws = wk_glm_mstep_ws_alloc();
    if (!f || !obj || !f->gamma || !f->ws) {
        free(obj);
        wk_glm_fitter_free(f);
        return WK_ENOMEM;
    }
    if (trace->n) memcpy(obj, trace->objective, trace->n * sizeof *obj);
    free(trace->objective);
    trace->objective = obj;
    *f = (struct wk_glm_fitter){m, trace, d, o, f->gamma, f->ws, {0}, epoch, converged};
    int rc = 0;
    if (epoch == 0 && !converged && !o->random_init) rc = wk_glm_init_from_data(m, d, o);
    if (rc) wk_glm_fitter_free(f);
    else *out = f;
    return rc;
}

size_t wk_glm_fitter_epoch(const struct wk_glm_fitter *f) { return f->epoch; }
int wk_glm_fitter_converged(const struct wk_glm_fitter *f) { return f->converged; }
int wk_glm_fitter_done(const struct wk_glm_fitter *f) { return f->converged || f->epoch >= f->o->epochs; }

int wk_glm_fitter_step(struct wk_glm_fitter *f)
{
    if (wk_glm_fitter_done(f)) return 0;
    struct wk_glm_trace *t = f->trace;
    double ll;
    double *d1, *w; /* the M-step's observation terms, when it takes them from the E-step */
    int rc = wk_glm_mstep_ws_terms(f->ws, &d1, &w, f->m, f->d, f->o);
    if (!rc) rc = wk_glm_estep_terms(f->gamma, f->xi, &ll, d1, w, f->m, f->d);
    if (rc) return rc;
    f->converged = t->n > 0 && f->o->tol > 0 && ll - t->objective[t->n - 1] < f->o->tol * fabs(ll);
    t->objective[t->n++] = ll;
    if (f->converged) return 0;
    wk_glm_update_transitions(f->m, f->xi);
    rc = mstep(f->m, f->d, f->gamma, f->o, f->epoch, f->ws);
    if (!rc) f->epoch++;
    return rc;
}

/* ---- the whole fit, with the single-fit checkpoint file ---- */

int wk_glm_fit(struct wk_glm_model *m, struct wk_glm_trace *trace, const struct wk_glm_data *d,
               const struct wk_glm_opts *o, const struct wk_glm_fit_ctl *ctl)
{
    size_t epoch = 0;
    trace->n = 0;
    trace->objective = wk_calloc(o->epochs + 1, sizeof *trace->objective);
    if (!trace->objective) return WK_ENOMEM;
    unsigned long key = glm_fit_key(m->S, m->N, d, o);
    const char *ckpt = ctl ? ctl->checkpoint : NULL;
    int rc = 0;
    if (ckpt) {
        rc = wk_glm_checkpoint_load(ckpt, m, &epoch, trace, o->epochs + 1, key);
        if (rc == WK_ENOTFOUND) rc = 0;
    }
    int converged = epoch == WK_GLM_CONVERGED;
    if (converged) epoch = trace->n ? trace->n - 1 : 0;
    if (!rc && epoch > o->epochs)
        rc = wk_fail(WK_EINVAL, "'%s': checkpoint is past epoch %zu (more than --epochs)", ckpt, o->epochs);
    struct wk_glm_fitter *f = NULL;
    if (!rc) rc = wk_glm_fitter_alloc(&f, m, trace, d, o, epoch, converged);
    while (!rc && !wk_glm_fitter_done(f)) {
        size_t e = f->epoch;
        rc = wk_glm_fitter_step(f);
        if (rc) break;
        if (ctl && ctl->on_epoch) ctl->on_epoch(ctl->ctx, e, trace->objective[trace->n - 1]);
        if (ckpt) rc = wk_glm_checkpoint_save(ckpt, m, f->converged ? WK_GLM_CONVERGED : f->epoch, trace, key);
    }
    wk_glm_fitter_free(f);
    if (rc) wk_glm_trace_clear(trace);
    return rc;
}

/* ---- adjacency and scores ---- */

void wk_glm_adjacency(int *adj, const struct wk_glm_model *m, double threshold)
{
    size_t SNN = m->S * m->N * m->N;
    for (size_t i = 0; i < SNN; i++) {
        if (m->prior == WK_GLM_PRIOR_ONEHOT) {
            const double *l = m->logit + 3 * i;
            int best = WK_GLM_NONE;
            if (l[WK_GLM_INH] > l[best]) best = WK_GLM_INH;
            if (l[WK_GLM_EXC] > l[best]) best = WK_GLM_EXC;
            adj[i] = best;
        } else {
            adj[i] = m->W[i] > threshold ? WK_GLM_EXC : m->W[i] < -threshold ? WK_GLM_INH : WK_GLM_NONE;
        }
        size_t nm = i % (m->N * m->N);
        if (!m->self && nm / m->N == nm % m->N) adj[i] = WK_GLM_NONE;
    }
}

static void class_scores(struct wk_glm_truth_scores *r, const int *adj, const int *truth_adj, const int *map,
                         size_t S, size_t N)
{
    size_t NN = N * N, count[3][3] = {{0}}, total = 0, hits = 0;
    for (size_t s = 0; s < S; s++) {
        size_t ts = (size_t)map[s];
        if (ts >= S) continue;
        for (size_t i = 0; i < NN; i++) {
            int e = adj[s * NN + i], t = truth_adj[ts * NN + i];
            if (e < 0 || e > 2 || t < 0 || t > 2) continue;
            count[t][e]++;
            total++;
            hits += e == t;
        }
    }
    double bal = 0, f1 = 0;
    int nb = 0, nf = 0;
    for (int c = 0; c < 3; c++) {
        size_t tp = count[c][c], truth_c = count[c][0] + count[c][1] + count[c][2];
        size_t pred_c = count[0][c] + count[1][c] + count[2][c];
        if (truth_c) {
            bal += (double)tp / (double)truth_c;
            nb++;
        }
        if (truth_c || pred_c) {
            f1 += 2.0 * (double)tp / (double)(truth_c + pred_c);
            nf++;
        }
    }
    r->adjacency_accuracy = total ? (double)hits / (double)total : wk_nan();
    r->balanced_accuracy = nb ? bal / nb : wk_nan();
    r->macro_f1 = nf ? f1 / nf : wk_nan();
}

int wk_glm_score(struct wk_glm_truth_scores *r, int *map, const int *paths, const int *truth_paths, size_t n,
                 const double *W, const double *truth_W, const int *adj, const int *truth_adj, size_t S,
                 size_t N)
{
    r->state_accuracy = r->weight_mse = wk_nan();
    r->adjacency_accuracy = r->balanced_accuracy = r->macro_f1 = wk_nan();
    double acc = wk_partition_match(map, truth_paths, paths, n, S);
    if (isnan(acc)) return wk_fail(WK_EINVAL, "glm: cannot match the state labels with the truth");
    r->state_accuracy = acc;
    size_t NN = N * N, cnt = 0;
    double sse = 0;
    for (size_t s = 0; s < S && W && truth_W; s++) {
        size_t ts = (size_t)map[s];
        if (ts >= S) continue;
        for (size_t i = 0; i < NN; i++) {
            double e = W[s * NN + i] - truth_W[ts * NN + i];
            sse += e * e;
            cnt++;
        }
    }
    if (cnt) r->weight_mse = sse / (double)cnt;
    if (adj && truth_adj) class_scores(r, adj, truth_adj, map, S, N);
    return 0;
}
