/* sbm_fit.c - worm-sbm's models: graphs, the flat and nested fits, the
 * choice between degree-corrected and plain by description length. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "sbm_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

#define LNFACT_MAX ((size_t)1 << 22)

/* ---- names and options ---- */

static int from_name(const char *name, const char *const *names, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *out = i;
            return 0;
        }
    return WK_EINVAL;
}

static const char *const weight_names[] = {"none", "exponential", "normal"};

int wk_sbm_weights_from_name(const char *name, enum wk_sbm_weights *out)
{
    int i;
    if (from_name(name, weight_names, 3, &i)) return WK_EINVAL;
    *out = (enum wk_sbm_weights)i;
    return 0;
}

int wk_sbm_degree_from_name(const char *name, enum wk_sbm_degree *out)
{
    static const char *const names[] = {"auto", "plain", "dc"};
    int i;
    if (from_name(name, names, 3, &i)) return WK_EINVAL;
    *out = (enum wk_sbm_degree)i;
    return 0;
}

int wk_sbm_method_from_name(const char *name, enum wk_sbm_method *out)
{
    static const char *const names[] = {"sbm", "louvain"};
    int i;
    if (from_name(name, names, 2, &i)) return WK_EINVAL;
    *out = (enum wk_sbm_method)i;
    return 0;
}

const char *wk_sbm_weights_name(enum wk_sbm_weights w)
{
    return (unsigned)w < 3 ? weight_names[w] : "?";
}

void wk_sbm_opts_init(struct wk_sbm_opts *o)
{
    o->method = WK_SBM_METHOD_SBM;
    o->weights = WK_SBM_WEIGHTS_EXPONENTIAL;
    o->degree = WK_SBM_DEGREE_AUTO;
    o->nested = 1;
    o->sweeps = 40;
}

/* ---- graphs ---- */

void wk_sbm_graph_free(struct wk_sbm_graph *g)
{
    if (!g) return;
    free(g->w);
    free(g);
}

int wk_sbm_graph_from_matrix(struct wk_sbm_graph **out, const double *a, size_t n, enum wk_sbm_weights weights,
                             const char *what)
{
    *out = NULL;
    if (n < 1 || n > WK_SBM_MAX_NODES)
        return wk_fail(WK_ERANGE, "%s: %zu nodes (1 to %d supported)", what, n, WK_SBM_MAX_NODES);
    struct wk_sbm_graph *g = wk_calloc(1, sizeof *g);
    if (g) g->w = wk_calloc(n * n, sizeof *g->w);
    if (!g || !g->w) {
        wk_sbm_graph_free(g);
        return wk_fail(WK_ENOMEM, "out of memory (graph of %zu nodes)", n);
    }
    g->n = n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double u = a[i * n + j], v = a[j * n + i];
            if (isnan(u)) u = 0;
            if (isnan(v)) v = 0;
            double w = 0.5 * (u + v);
            const char *bad = !isfinite(w) ? "an infinite weight"
                              : (w < 0 && weights == WK_SBM_WEIGHTS_EXPONENTIAL)
                                  ? "a negative weight (exponential weights need w >= 0; try --weights normal)"
                                  : NULL;
            if (bad) {
                wk_sbm_graph_free(g);
                return wk_fail(WK_EINVAL, "%s: %s at row %zu, column %zu", what, bad, i + 1, j + 1);
            }
            g->w[i * n + j] = g->w[j * n + i] = w;
        }
    *out = g;
    return 0;
}

void wk_sbm_result_free(struct wk_sbm_result *r)
{
    if (!r) return;
    free(r->labels);
    free(r->blocks);
    free(r);
}

static void sgraph_free(struct sbm_graph *g)
{
    if (!g) return;
    free(g->cnt);
    free(g->x);
    free(g->x2);
    free(g->deg);
    free(g);
}

static struct sbm_graph *sgraph_alloc(size_t n, int weighted)
{
    struct sbm_graph *g = wk_calloc(1, sizeof *g);
    if (!g) return NULL;
    g->n = n;
    g->cnt = wk_calloc(n * n, sizeof *g->cnt);
    g->deg = wk_calloc(n, sizeof *g->deg);
    if (weighted) {
        g->x = wk_calloc(n * n, sizeof *g->x);
        g->x2 = wk_calloc(n * n, sizeof *g->x2);
    }
    if (!g->cnt || !g->deg || (weighted && (!g->x || !g->x2))) {
        sgraph_free(g);
        return NULL;
    }
    return g;
}

static void sgraph_degrees(struct sbm_graph *g)
{
    g->E = 0;
    for (size_t i = 0; i < g->n; i++) {
        long k = 2 * g->cnt[i * g->n + i];
        for (size_t j = 0; j < g->n; j++)
            if (j != i) k += g->cnt[i * g->n + j];
        g->deg[i] = k;
        g->E += k;
    }
    g->E /= 2;
}

/* Level 0: an edge where w != 0. */
static struct sbm_graph *level0_graph(const struct wk_sbm_graph *w, enum wk_sbm_weights weights)
{
    size_t n = w->n;
    struct sbm_graph *g = sgraph_alloc(n, weights != WK_SBM_WEIGHTS_NONE);
    if (!g) return NULL;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double x = w->w[i * n + j];
            if (i == j || x == 0) continue;
            g->cnt[i * n + j] = 1;
            if (g->x) {
                g->x[i * n + j] = x;
                g->x2[i * n + j] = x * x;
            }
        }
    sgraph_degrees(g);
    return g;
}

/* The multigraph of the blocks of s (block labels 0..B-1 in s->b order of
 * relabel). */
static struct sbm_graph *block_graph(const struct sbm_state *s, const int *label, size_t B)
{
    struct sbm_graph *g = sgraph_alloc(B, 0);
    if (!g) return NULL;
    for (size_t i = 0; i < s->B; i++)
        for (size_t j = 0; j < s->B; j++) {
            int r = s->active[i], t = s->active[j];
            g->cnt[(size_t)label[r] * B + (size_t)label[t]] = s->ers[(size_t)r * s->n + (size_t)t];
        }
    sgraph_degrees(g);
    return g;
}

static int model_init(struct sbm_model *m, enum sbm_kind kind, enum wk_sbm_weights weights,
                      const struct sbm_graph *g)
{
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->weights = g->x ? weights : WK_SBM_WEIGHTS_NONE;
    size_t n = g->n, E = (size_t)g->E;
    size_t need = n * n + 2 * E + 2 * n + 4;
    m->n_lnfact = need < LNFACT_MAX ? need : LNFACT_MAX;
    m->lnfact = wk_malloc_array(m->n_lnfact, sizeof *m->lnfact);
    if (!m->lnfact) return wk_fail(WK_ENOMEM, "out of memory (log-factorial table)");
    m->lnfact[0] = 0;
    for (size_t k = 1; k < m->n_lnfact; k++) m->lnfact[k] = m->lnfact[k - 1] + log((double)k);
    if (m->weights != WK_SBM_WEIGHTS_NONE) {
        double sum = 0, sum2 = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (g->cnt[i * n + j]) {
                    sum += g->x[i * n + j];
                    sum2 += g->x2[i * n + j];
                }
        double k = E ? (double)E : 1.0;
        m->xbar = sum / k;
        m->var = sum2 / k - m->xbar * m->xbar;
        if (!(m->xbar > 0) && weights == WK_SBM_WEIGHTS_EXPONENTIAL) m->xbar = 1.0;
        if (!(m->var > 1e-12 * (1.0 + m->xbar * m->xbar))) m->var = 1e-12 * (1.0 + m->xbar * m->xbar) + 1e-300;
        m->ln_xbar = log(m->xbar);
    }
    return 0;
}

/* Labels renumbered 0.. by first appearance; returns the count. */
static size_t relabel(int *out, const int *in, size_t n, int *map, size_t cap)
{
    for (size_t r = 0; r < cap; r++) map[r] = -1;
    size_t B = 0;
    for (size_t i = 0; i < n; i++) {
        if (map[in[i]] < 0) map[in[i]] = (int)B++;
        out[i] = map[in[i]];
    }
    return B;
}

double wk_sbm_dl(const struct wk_sbm_graph *w, const int *b, enum wk_sbm_weights weights, int dc)
{
    struct sbm_graph *g = level0_graph(w, weights);
    struct sbm_model m;
    struct sbm_state *s = NULL;
    int top = 0, ok = 1;
    for (size_t i = 0; i < w->n; i++) {
        ok &= b[i] >= 0;
        if (b[i] > top) top = b[i];
    }
    int *lab = wk_malloc_array(w->n, sizeof *lab), *map = wk_malloc_array((size_t)top + 1, sizeof *map);
    double dl = NAN;
    if (ok && g && lab && map && model_init(&m, dc ? SBM_SIMPLE_DC : SBM_SIMPLE_PLAIN, weights, g) == 0) {
        if (sbm_state_alloc(&s, g, &m) == 0) {
            relabel(lab, b, w->n, map, (size_t)top + 1);
            sbm_state_set(s, lab);
            dl = s->dl;
        }
        free(m.lnfact);
    }
    sbm_state_free(s);
    sgraph_free(g);
    free(lab);
    free(map);
    return dl;
}

double wk_sbm_modularity(const struct wk_sbm_graph *g, const int *b)
{
    size_t n = g->n;
    double two_m = 0, q = 0;
    double *k = wk_calloc(n, sizeof *k), *tot = wk_calloc(n, sizeof *tot);
    if (!k || !tot) {
        free(k);
        free(tot);
        return NAN;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            if (i != j) k[i] += g->w[i * n + j];
        two_m += k[i];
    }
    for (size_t i = 0; i < n; i++) {
        tot[b[i]] += k[i];
        for (size_t j = 0; j < n; j++)
            if (i != j && b[i] == b[j]) q += g->w[i * n + j];
    }
    double expected = 0;
    for (size_t r = 0; r < n; r++) expected += tot[r] * tot[r];
    free(k);
    free(tot);
    return two_m > 0 ? q / two_m - expected / (two_m * two_m) : NAN;
}

/* ---- fitting ---- */

/* One level: infer with the given kind on g; the state is returned in *st. */
static int fit_level(struct sbm_state **st, struct sbm_model *m, const struct sbm_graph *g, enum sbm_kind kind,
                     enum wk_sbm_weights weights, int sweeps, gsl_rng *rng)
{
    *st = NULL;
    int rc = model_init(m, kind, weights, g);
    if (rc == 0) rc = sbm_state_alloc(st, g, m);
    if (rc == 0) rc = sbm_infer(*st, sweeps, rng);
    return rc;
}

/* ln multiset(B(B+1)/2, E): the flat edge-count prior of a state. */
static double flat_prior(const struct sbm_state *s)
{
    long b = (long)s->B, E = s->g->E;
    return sbm_lnC(s->m, b * (b + 1) / 2 + E - 1, E);
}

struct level {
    struct sbm_graph *g; /* owned (except level 0's, freed too) */
    struct sbm_model m;
    struct sbm_state *s;
};

static void levels_free(struct level *lv, size_t n)
{
    for (size_t l = 0; l < n; l++) {
        sbm_state_free(lv[l].s);
        free(lv[l].m.lnfact);
        sgraph_free(lv[l].g);
    }
}

/* Result from the levels: labels of each node at each level, the top
 * level a single block. */
static int make_result(struct wk_sbm_result **out, const struct level *lv, size_t n_lv, size_t n, double dl,
                       int nested)
{
    int top_single = !nested || lv[n_lv - 1].s->B == 1;
    size_t L = n_lv + !top_single;
    struct wk_sbm_result *r = wk_calloc(1, sizeof *r);
    if (r) {
        r->labels = wk_calloc(L * n, sizeof *r->labels);
        r->blocks = wk_calloc(L, sizeof *r->blocks);
    }
    int *map = wk_malloc_array(n, sizeof *map), *cur = wk_malloc_array(n, sizeof *cur);
    if (!r || !r->labels || !r->blocks || !map || !cur) {
        wk_sbm_result_free(r);
        free(map);
        free(cur);
        return wk_fail(WK_ENOMEM, "out of memory (block model result)");
    }
    r->n = n;
    r->levels = L;
    r->dl = dl;
    for (size_t i = 0; i < n; i++) cur[i] = (int)i;
    for (size_t l = 0; l < n_lv; l++) {
        /* cur[i]: the node of level l's graph holding node i; the graph
         * of level l + 1 numbers the blocks by their place in active[] */
        const struct sbm_state *s = lv[l].s;
        for (size_t i = 0; i < n; i++) cur[i] = s->b[cur[i]];
        r->blocks[l] = relabel(r->labels + l * n, cur, n, map, s->n);
        for (size_t i = 0; i < n; i++) cur[i] = s->pos[cur[i]];
    }
    if (!top_single) r->blocks[L - 1] = 1; /* labels already 0 */
    free(map);
    free(cur);
    *out = r;
    return 0;
}

/* The nested levels above lv[0] (already fitted) until one block. */
static int fit_upper(struct level *lv, size_t *n_lv, double *dl, int sweeps, gsl_rng *rng)
{
    *dl = lv[0].s->dl - flat_prior(lv[0].s);
    int rc = 0;
    while (rc == 0 && lv[*n_lv - 1].s->B > 1 && *n_lv < WK_SBM_MAX_LEVELS - 1) {
        const struct sbm_state *below = lv[*n_lv - 1].s;
        int *label = wk_malloc_array(below->n, sizeof *label);
        if (!label) return wk_fail(WK_ENOMEM, "out of memory (nested levels)");
        for (size_t i = 0; i < below->B; i++) label[below->active[i]] = (int)i;
        struct level *up = &lv[*n_lv];
        memset(up, 0, sizeof *up);
        up->g = block_graph(below, label, below->B);
        free(label);
        if (!up->g) return wk_fail(WK_ENOMEM, "out of memory (nested levels)");
        (*n_lv)++;
        rc = fit_level(&up->s, &up->m, up->g, SBM_MULTI, WK_SBM_WEIGHTS_NONE, sweeps, rng);
        if (rc < 0) break;
        if (up->s->B == up->s->n) { /* no compression: close with one block */
            int *zero = wk_calloc(up->s->n, sizeof *zero);
            if (!zero) return wk_fail(WK_ENOMEM, "out of memory (nested levels)");
            sbm_state_set(up->s, zero);
            free(zero);
        }
        *dl += up->s->dl - (up->s->B > 1 ? flat_prior(up->s) : 0.0);
    }
    return rc;
}

/* One degree model: level 0 and (nested) the levels above. */
static int fit_degree_model(struct level *lv, size_t *n_lv, double *flat, double *total, const struct wk_sbm_graph *w,
                            const struct wk_sbm_opts *o, int dc, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    lv[0].g = level0_graph(w, o->weights);
    if (!rng || !lv[0].g) {
        gsl_rng_free(rng);
        return wk_fail(WK_ENOMEM, "out of memory (graph)");
    }
    gsl_rng_set(rng, seed);
    *n_lv = 1;
    int rc = fit_level(&lv[0].s, &lv[0].m, lv[0].g, dc ? SBM_SIMPLE_DC : SBM_SIMPLE_PLAIN, o->weights, o->sweeps, rng);
    if (rc == 0) {
        *flat = *total = lv[0].s->dl;
        if (o->nested) rc = fit_upper(lv, n_lv, total, o->sweeps, rng);
    }
    gsl_rng_free(rng);
    return rc;
}

static int fit_sbm(struct wk_sbm_result **out, const struct wk_sbm_graph *w, const struct wk_sbm_opts *o,
                   gsl_rng *rng)
{
    struct level lv[2][WK_SBM_MAX_LEVELS];
    size_t n_lv[2] = {0, 0};
    double flat[2] = {NAN, NAN}, total[2] = {NAN, NAN};
    memset(lv, 0, sizeof lv);
    int wanted[2] = {o->degree != WK_SBM_DEGREE_CORRECTED, o->degree != WK_SBM_DEGREE_PLAIN};
    /* one RNG stream per degree model, so that both can run at once */
    unsigned long seeds[2] = {gsl_rng_get(rng), gsl_rng_get(rng)};
    int rcs[2] = {0, 0};
#pragma omp parallel for num_threads(2) schedule(static, 1) if (omp_get_max_threads() > 1)
    for (int dc = 0; dc < 2; dc++)
        if (wanted[dc]) rcs[dc] = fit_degree_model(lv[dc], &n_lv[dc], &flat[dc], &total[dc], w, o, dc, seeds[dc]);
    int rc = rcs[0] < 0 ? rcs[0] : rcs[1];
    if (rc == 0) {
        int dc = isnan(flat[0]) || (!isnan(flat[1]) && total[1] < total[0]);
        rc = make_result(out, lv[dc], n_lv[dc], w->n, total[dc], o->nested);
        if (rc == 0) {
            (*out)->dl_plain = flat[0];
            (*out)->dl_dc = flat[1];
            (*out)->degree_corrected = dc;
            (*out)->modularity = wk_sbm_modularity(w, (*out)->labels);
        }
    }
    levels_free(lv[0], n_lv[0]);
    levels_free(lv[1], n_lv[1]);
    return rc;
}

static int fit_louvain(struct wk_sbm_result **out, const struct wk_sbm_graph *w, gsl_rng *rng)
{
    size_t n = w->n;
    struct wk_sbm_result *r = wk_calloc(1, sizeof *r);
    int *b = wk_malloc_array(n, sizeof *b), *map = wk_malloc_array(n, sizeof *map);
    if (r) {
        r->labels = wk_calloc(n, sizeof *r->labels);
        r->blocks = wk_calloc(1, sizeof *r->blocks);
    }
    int rc = (r && b && map && r->labels && r->blocks) ? wk_sbm_louvain(b, w, rng)
                                                       : wk_fail(WK_ENOMEM, "out of memory (louvain)");
    if (rc == 0) {
        r->n = n;
        r->levels = 1;
        r->blocks[0] = relabel(r->labels, b, n, map, n);
        r->dl = r->dl_plain = r->dl_dc = NAN;
        r->modularity = wk_sbm_modularity(w, r->labels);
        *out = r;
    } else {
        wk_sbm_result_free(r);
    }
    free(b);
    free(map);
    return rc;
}

int wk_sbm_fit(struct wk_sbm_result **out, const struct wk_sbm_graph *g, const struct wk_sbm_opts *o, gsl_rng *rng)
{
    *out = NULL;
    if (o->method == WK_SBM_METHOD_LOUVAIN) return fit_louvain(out, g, rng);
    return fit_sbm(out, g, o, rng);
}
