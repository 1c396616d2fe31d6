/* sbm.c - the block state of a stochastic block model: description length
 * terms, node moves and block merges with their exact DL change.
 * Formulas in wk_sbm.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sbm_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

double sbm_lnfact(const struct sbm_model *m, long k)
{
    if (k < 2) return 0.0;
    if ((size_t)k < m->n_lnfact) return m->lnfact[k];
    return lgamma((double)k + 1.0);
}

/* ln C(a, k); 0 when k == 0 (also for a < 0: an empty block). */
double sbm_lnC(const struct sbm_model *m, long a, long k)
{
    if (k == 0 || k == a) return 0.0;
    if (k < 0 || k > a) return HUGE_VAL;
    return sbm_lnfact(m, a) - sbm_lnfact(m, k) - sbm_lnfact(m, a - k);
}

static double weight_term(const struct sbm_model *m, long e, double x, double x2)
{
    if (e == 0 || m->weights == WK_SBM_WEIGHTS_NONE) return 0.0;
    double k = (double)e;
    if (m->weights == WK_SBM_WEIGHTS_EXPONENTIAL)
        return -m->ln_xbar - sbm_lnfact(m, e) + (k + 1.0) * log(m->xbar + x);
    double mean = x / k, ss = x2 - x * mean;
    if (ss < 0) ss = 0;
    double kn = 1.0 + k, an = 1.0 + 0.5 * k;
    double bn = m->var + 0.5 * ss + k * (mean - m->xbar) * (mean - m->xbar) / (2.0 * kn);
    double lg = (e % 2 == 0) ? sbm_lnfact(m, e / 2) : lgamma(an);
    double lnp = lg + log(m->var) - an * log(bn) - 0.5 * log(kn) - 0.5 * k * log(2.0 * M_PI);
    return -lnp;
}

/* Term of block pair (r, s) (same: r == s) with sizes a, c. */
static double pair_term(const struct sbm_model *m, long a, long c, int same, long e, double x, double x2)
{
    double t;
    switch (m->kind) {
    case SBM_SIMPLE_PLAIN: t = same ? sbm_lnC(m, a * (a - 1) / 2, e) : sbm_lnC(m, a * c, e); break;
    case SBM_SIMPLE_DC: t = same ? -(sbm_lnfact(m, e) + (double)e * M_LN2) : -sbm_lnfact(m, e); break;
    default: t = same ? sbm_lnC(m, a * (a + 1) / 2 + e - 1, e) : sbm_lnC(m, a * c + e - 1, e); break;
    }
    return t + weight_term(m, e, x, x2);
}

static double block_term(const struct sbm_model *m, long nr, long er)
{
    if (nr == 0) return 0.0;
    double t = -sbm_lnfact(m, nr);
    if (m->kind == SBM_SIMPLE_DC) t += sbm_lnfact(m, er) + sbm_lnC(m, nr + er - 1, er);
    return t;
}

static double global_term(const struct sbm_state *s, size_t B)
{
    long n = (long)s->n, b = (long)B, E = s->g->E;
    return sbm_lnC(s->m, n - 1, b - 1) + sbm_lnfact(s->m, n) + log((double)n) +
           sbm_lnC(s->m, b * (b + 1) / 2 + E - 1, E);
}

#define AT(s, r, t) ((size_t)(r) * (s)->n + (size_t)(t))

static double pair_of(const struct sbm_state *s, int r, int t)
{
    size_t k = AT(s, r, t);
    return pair_term(s->m, s->nr[r], s->nr[t], r == t, s->ers[k], s->xrs ? s->xrs[k] : 0,
                     s->x2rs ? s->x2rs[k] : 0);
}

double sbm_state_dl(const struct sbm_state *s)
{
    double dl = global_term(s, s->B);
    for (size_t i = 0; i < s->B; i++) {
        int r = s->active[i];
        dl += block_term(s->m, s->nr[r], s->er[r]);
        for (size_t j = i; j < s->B; j++) dl += pair_of(s, r, s->active[j]);
    }
    if (s->m->kind == SBM_SIMPLE_DC)
        for (size_t i = 0; i < s->n; i++) dl -= sbm_lnfact(s->m, s->g->deg[i]);
    return dl;
}

void sbm_state_free(struct sbm_state *s)
{
    if (!s) return;
    free(s->b);
    free(s->nr);
    free(s->er);
    free(s->ers);
    free(s->xrs);
    free(s->x2rs);
    free(s->active);
    free(s->pos);
    free(s->cv);
    free(s->xv);
    free(s->x2v);
    free(s);
}

int sbm_state_alloc(struct sbm_state **out, const struct sbm_graph *g, const struct sbm_model *m)
{
    *out = NULL;
    size_t n = g->n;
    struct sbm_state *s = wk_calloc(1, sizeof *s);
    if (!s) return wk_fail(WK_ENOMEM, "out of memory (block model state)");
    s->g = g;
    s->m = m;
    s->n = n;
    int weighted = g->x != NULL;
    s->b = wk_calloc(n, sizeof *s->b);
    s->nr = wk_calloc(n, sizeof *s->nr);
    s->er = wk_calloc(n, sizeof *s->er);
    s->ers = wk_calloc(n * n, sizeof *s->ers);
    s->active = wk_calloc(n, sizeof *s->active);
    s->pos = wk_calloc(n, sizeof *s->pos);
    s->cv = wk_calloc(n, sizeof *s->cv);
    s->xv = wk_calloc(n, sizeof *s->xv);
    s->x2v = wk_calloc(n, sizeof *s->x2v);
    if (weighted) {
        s->xrs = wk_calloc(n * n, sizeof *s->xrs);
        s->x2rs = wk_calloc(n * n, sizeof *s->x2rs);
    }
    if (!s->b || !s->nr || !s->er || !s->ers || !s->active || !s->pos || !s->cv || !s->xv || !s->x2v ||
        (weighted && (!s->xrs || !s->x2rs))) {
        sbm_state_free(s);
        return wk_fail(WK_ENOMEM, "out of memory (block model state)");
    }
    *out = s;
    return 0;
}

static void rebuild_active(struct sbm_state *s)
{
    s->B = 0;
    for (size_t r = 0; r < s->n; r++) {
        s->pos[r] = -1;
        if (s->nr[r] > 0) {
            s->pos[r] = (int)s->B;
            s->active[s->B++] = (int)r;
        }
    }
}

void sbm_state_set(struct sbm_state *s, const int *b)
{
    size_t n = s->n;
    memmove(s->b, b, n * sizeof *b);
    memset(s->nr, 0, n * sizeof *s->nr);
    memset(s->er, 0, n * sizeof *s->er);
    memset(s->ers, 0, n * n * sizeof *s->ers);
    if (s->xrs) {
        memset(s->xrs, 0, n * n * sizeof *s->xrs);
        memset(s->x2rs, 0, n * n * sizeof *s->x2rs);
    }
    const struct sbm_graph *g = s->g;
    for (size_t i = 0; i < n; i++) {
        int r = b[i];
        s->nr[r]++;
        s->er[r] += g->deg[i];
        s->ers[AT(s, r, r)] += g->cnt[i * n + i];
        for (size_t j = i + 1; j < n; j++) {
            long c = g->cnt[i * n + j];
            if (!c) continue;
            int t = b[j];
            s->ers[AT(s, r, t)] += c;
            if (r != t) s->ers[AT(s, t, r)] += c;
            if (s->xrs) {
                s->xrs[AT(s, r, t)] += g->x[i * n + j];
                s->x2rs[AT(s, r, t)] += g->x2[i * n + j];
                if (r != t) {
                    s->xrs[AT(s, t, r)] += g->x[i * n + j];
                    s->x2rs[AT(s, t, r)] += g->x2[i * n + j];
                }
            }
        }
    }
    rebuild_active(s);
    s->dl = sbm_state_dl(s);
}

int sbm_state_copy(struct sbm_state *dst, const struct sbm_state *src)
{
    if (dst->n != src->n) return WK_EINVAL;
    size_t n = src->n;
    memcpy(dst->b, src->b, n * sizeof *dst->b);
    memcpy(dst->nr, src->nr, n * sizeof *dst->nr);
    memcpy(dst->er, src->er, n * sizeof *dst->er);
    memcpy(dst->ers, src->ers, n * n * sizeof *dst->ers);
    if (src->xrs && dst->xrs) {
        memcpy(dst->xrs, src->xrs, n * n * sizeof *dst->xrs);
        memcpy(dst->x2rs, src->x2rs, n * n * sizeof *dst->x2rs);
    }
    memcpy(dst->active, src->active, n * sizeof *dst->active);
    memcpy(dst->pos, src->pos, n * sizeof *dst->pos);
    dst->B = src->B;
    dst->dl = src->dl;
    return 0;
}

/* Edges (and weights) from node v to each block, into the scratch arrays. */
void sbm_node_stats(struct sbm_state *s, int v)
{
    size_t n = s->n;
    const struct sbm_graph *g = s->g;
    memset(s->cv, 0, n * sizeof *s->cv);
    const long *row = g->cnt + (size_t)v * n;
    if (s->xrs) {
        memset(s->xv, 0, n * sizeof *s->xv);
        memset(s->x2v, 0, n * sizeof *s->x2v);
        const double *xr = g->x + (size_t)v * n, *x2r = g->x2 + (size_t)v * n;
        for (size_t j = 0; j < n; j++) {
            if (!row[j] || j == (size_t)v) continue;
            s->cv[s->b[j]] += row[j];
            s->xv[s->b[j]] += xr[j];
            s->x2v[s->b[j]] += x2r[j];
        }
    } else {
        for (size_t j = 0; j < n; j++)
            if (row[j] && j != (size_t)v) s->cv[s->b[j]] += row[j];
    }
}

#define XS(s, k) ((s)->xrs ? (s)->xrs[k] : 0.0)
#define X2S(s, k) ((s)->x2rs ? (s)->x2rs[k] : 0.0)
#define XV(s, u) ((s)->xrs ? (s)->xv[u] : 0.0)
#define X2V(s, u) ((s)->xrs ? (s)->x2v[u] : 0.0)

/* DL change of moving v (stats in scratch) from its block to block t. */
double sbm_move_delta(const struct sbm_state *s, int v, int t)
{
    int r = s->b[v];
    if (r == t) return 0.0;
    const struct sbm_model *m = s->m;
    long lv = s->g->cnt[(size_t)v * s->n + (size_t)v], kv = s->g->deg[v];
    long nr = s->nr[r], nt = s->nr[t];
    double d = 0.0;
    for (size_t i = 0; i < s->B; i++) {
        int u = s->active[i];
        if (u == r || u == t) continue;
        long nu = s->nr[u];
        size_t kr = AT(s, r, u), kt = AT(s, t, u);
        long cu = s->cv[u];
        double xu = XV(s, u), x2u = X2V(s, u);
        if (cu) {
            d += pair_term(m, nr - 1, nu, 0, s->ers[kr] - cu, XS(s, kr) - xu, X2S(s, kr) - x2u) -
                 pair_term(m, nr, nu, 0, s->ers[kr], XS(s, kr), X2S(s, kr));
            d += pair_term(m, nt + 1, nu, 0, s->ers[kt] + cu, XS(s, kt) + xu, X2S(s, kt) + x2u) -
                 pair_term(m, nt, nu, 0, s->ers[kt], XS(s, kt), X2S(s, kt));
        } else if (m->kind != SBM_SIMPLE_DC) {
            /* sizes change the count terms even without edges */
            d += pair_term(m, nr - 1, nu, 0, s->ers[kr], XS(s, kr), X2S(s, kr)) -
                 pair_term(m, nr, nu, 0, s->ers[kr], XS(s, kr), X2S(s, kr));
            d += pair_term(m, nt + 1, nu, 0, s->ers[kt], XS(s, kt), X2S(s, kt)) -
                 pair_term(m, nt, nu, 0, s->ers[kt], XS(s, kt), X2S(s, kt));
        }
    }
    size_t rr = AT(s, r, r), tt = AT(s, t, t), rt = AT(s, r, t);
    d += pair_term(m, nr - 1, nr - 1, 1, s->ers[rr] - s->cv[r] - lv, XS(s, rr) - XV(s, r), X2S(s, rr) - X2V(s, r)) -
         pair_term(m, nr, nr, 1, s->ers[rr], XS(s, rr), X2S(s, rr));
    d += pair_term(m, nt + 1, nt + 1, 1, s->ers[tt] + s->cv[t] + lv, XS(s, tt) + XV(s, t), X2S(s, tt) + X2V(s, t)) -
         pair_term(m, nt, nt, 1, s->ers[tt], XS(s, tt), X2S(s, tt));
    d += pair_term(m, nr - 1, nt + 1, 0, s->ers[rt] + s->cv[r] - s->cv[t], XS(s, rt) + XV(s, r) - XV(s, t),
                   X2S(s, rt) + X2V(s, r) - X2V(s, t)) -
         pair_term(m, nr, nt, 0, s->ers[rt], XS(s, rt), X2S(s, rt));
    d += block_term(m, nr - 1, s->er[r] - kv) - block_term(m, nr, s->er[r]) + block_term(m, nt + 1, s->er[t] + kv) -
         block_term(m, nt, s->er[t]);
    size_t B2 = s->B - (nr == 1) + (nt == 0);
    if (B2 != s->B) d += global_term(s, B2) - global_term(s, s->B);
    return d;
}

static void add_pair(struct sbm_state *s, int a, int c, long e, double x, double x2)
{
    size_t k = AT(s, a, c);
    s->ers[k] += e;
    if (s->xrs) {
        s->xrs[k] += x;
        s->x2rs[k] += x2;
    }
    if (a != c) {
        k = AT(s, c, a);
        s->ers[k] += e;
        if (s->xrs) {
            s->xrs[k] += x;
            s->x2rs[k] += x2;
        }
    }
}

/* Move v (stats in scratch) to t; delta from sbm_move_delta. */
void sbm_move_apply(struct sbm_state *s, int v, int t, double delta)
{
    int r = s->b[v];
    if (r == t) return;
    long lv = s->g->cnt[(size_t)v * s->n + (size_t)v], kv = s->g->deg[v];
    for (size_t i = 0; i < s->B; i++) {
        int u = s->active[i];
        if (u == r || u == t || !s->cv[u]) continue;
        add_pair(s, r, u, -s->cv[u], -XV(s, u), -X2V(s, u));
        add_pair(s, t, u, s->cv[u], XV(s, u), X2V(s, u));
    }
    long cr = s->cv[r], ct = s->cv[t];
    double xr = XV(s, r), xt = XV(s, t), x2r = X2V(s, r), x2t = X2V(s, t);
    add_pair(s, r, r, -cr - lv, -xr, -x2r);
    add_pair(s, t, t, ct + lv, xt, x2t);
    add_pair(s, r, t, cr - ct, xr - xt, x2r - x2t);
    s->er[r] -= kv;
    s->er[t] += kv;
    s->nr[r]--;
    s->nr[t]++;
    s->b[v] = t;
    if (s->nr[r] == 0) { /* remove r from the active list */
        int p = s->pos[r];
        int last = s->active[s->B - 1];
        s->active[p] = last;
        s->pos[last] = p;
        s->pos[r] = -1;
        s->B--;
    }
    if (s->nr[t] == 1) {
        s->pos[t] = (int)s->B;
        s->active[s->B++] = t;
    }
    s->dl += delta;
}

void sbm_pair_terms(const struct sbm_state *s, double *cache)
{
    for (size_t i = 0; i < s->B; i++)
        for (size_t j = i; j < s->B; j++) {
            int r = s->active[i], t = s->active[j];
            cache[AT(s, r, t)] = cache[AT(s, t, r)] = pair_of(s, r, t);
        }
}

/* DL change of merging block r into block t; cache (or NULL) holds the
 * current pair terms from sbm_pair_terms. */
double sbm_merge_delta(const struct sbm_state *s, int r, int t, const double *cache)
{
    const struct sbm_model *m = s->m;
    long nr = s->nr[r], nt = s->nr[t];
    double d = 0.0;
    for (size_t i = 0; i < s->B; i++) {
        int u = s->active[i];
        if (u == r || u == t) continue;
        size_t kr = AT(s, r, u), kt = AT(s, t, u);
        if (!s->ers[kr] && (m->kind == SBM_SIMPLE_DC || !s->ers[kt])) continue; /* terms unchanged (0) */
        long nu = s->nr[u];
        double old = cache ? cache[kr] + cache[kt]
                           : pair_term(m, nr, nu, 0, s->ers[kr], XS(s, kr), X2S(s, kr)) +
                                 pair_term(m, nt, nu, 0, s->ers[kt], XS(s, kt), X2S(s, kt));
        d += pair_term(m, nr + nt, nu, 0, s->ers[kr] + s->ers[kt], XS(s, kr) + XS(s, kt), X2S(s, kr) + X2S(s, kt)) -
             old;
    }
    size_t rr = AT(s, r, r), tt = AT(s, t, t), rt = AT(s, r, t);
    d += pair_term(m, nr + nt, nr + nt, 1, s->ers[rr] + s->ers[tt] + s->ers[rt], XS(s, rr) + XS(s, tt) + XS(s, rt),
                   X2S(s, rr) + X2S(s, tt) + X2S(s, rt)) -
         pair_of(s, r, r) - pair_of(s, t, t) - pair_of(s, r, t);
    d += block_term(m, nr + nt, s->er[r] + s->er[t]) - block_term(m, nr, s->er[r]) - block_term(m, nt, s->er[t]);
    d += global_term(s, s->B - 1) - global_term(s, s->B);
    return d;
}

/* Merge r into t (relabels and rebuilds: O(n^2)). */
void sbm_merge_apply(struct sbm_state *s, int r, int t)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->b[i] == r) s->b[i] = t;
    int *b = wk_malloc_array(s->n, sizeof *b);
    if (!b) { /* keep the state consistent without the scratch copy */
        sbm_state_set(s, s->b);
        return;
    }
    memcpy(b, s->b, s->n * sizeof *b);
    sbm_state_set(s, b);
    free(b);
}
