/* sbm_bench.c - benchmark graphs with planted communities: the weighted
 * planted partition and an LFR-style weighted benchmark (wk_sbm.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_sbm.h"
#include "wormkit/wk_util.h"

#define MATCH_ROUNDS 50
#define REWIRE_ATTEMPTS 2000


void wk_sbm_planted_defaults(struct wk_sbm_planted *p)
{
    p->n = 60;
    p->k = 3;
    p->p_in = 0.5;
    p->p_out = 0.05;
    p->w_in = 2.0;
    p->w_out = 1.0;
}

void wk_sbm_lfr_defaults(struct wk_sbm_lfr *p)
{
    p->n = 125;
    p->degree = 25;
    p->max_degree = 100;
    p->t1 = 2;
    p->t2 = 1;
    p->mu_t = 0.5;
    p->mu_w = 0.5;
    p->beta = 1.5;
    p->cmin = 0;
    p->cmax = 0;
}

static int new_graph(struct wk_sbm_graph **g, int **truth, size_t n)
{
    *g = wk_calloc(1, sizeof **g);
    *truth = wk_calloc(n ? n : 1, sizeof **truth);
    if (*g) (*g)->w = wk_calloc(n > 0 ? n * n : 1, sizeof *(*g)->w);
    if (!*g || !*truth || !(*g)->w) {
        wk_sbm_graph_free(*g);
        free(*truth);
        *g = NULL;
        *truth = NULL;
        return wk_fail(WK_ENOMEM, "out of memory (benchmark graph of %zu nodes)", n);
    }
    (*g)->n = n;
    return 0;
}

int wk_sbm_planted_generate(struct wk_sbm_graph **out, int **truth, const struct wk_sbm_planted *p, gsl_rng *rng)
{
    if (p->n < 2 || p->n > WK_SBM_MAX_NODES || p->k < 1 || p->k > p->n)
        return wk_fail(WK_EINVAL, "simulate sbm: nodes must be 2 to %d and blocks 1 to nodes", WK_SBM_MAX_NODES);
    if (!(p->p_in >= 0 && p->p_in <= 1 && p->p_out >= 0 && p->p_out <= 1))
        return wk_fail(WK_EINVAL, "simulate sbm: edge probabilities must be between 0 and 1");
    if (!(p->w_in > 0 && p->w_out > 0 && isfinite(p->w_in) && isfinite(p->w_out)))
        return wk_fail(WK_EINVAL, "simulate sbm: mean weights must be positive");
    int rc = new_graph(out, truth, p->n);
    if (rc < 0) return rc;
    size_t n = p->n;
    for (size_t i = 0; i < n; i++) (*truth)[i] = (int)(i * p->k / n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            int same = (*truth)[i] == (*truth)[j];
            if (gsl_rng_uniform(rng) >= (same ? p->p_in : p->p_out)) continue;
            double w = gsl_ran_exponential(rng, same ? p->w_in : p->w_out);
            if (w <= 0) w = 1e-300;
            (*out)->w[i * n + j] = (*out)->w[j * n + i] = w;
        }
    return 0;
}

/* ---- LFR ---- */

/* A draw from the power law x^-t on [a, b] (continuous, inverse CDF). */
static double power_draw(double t, double a, double b, gsl_rng *rng)
{
    double u = gsl_rng_uniform(rng);
    if (fabs(t - 1.0) < 1e-12) return a * pow(b / a, u);
    double e = 1.0 - t, lo = pow(a, e), hi = pow(b, e);
    return pow(lo + u * (hi - lo), 1.0 / e);
}

static double power_mean(double t, double a, double b)
{
    if (fabs(t - 1.0) < 1e-12) return (b - a) / log(b / a);
    if (fabs(t - 2.0) < 1e-12) return log(b / a) / (1.0 / a - 1.0 / b);
    return (1.0 - t) / (2.0 - t) * (pow(b, 2.0 - t) - pow(a, 2.0 - t)) / (pow(b, 1.0 - t) - pow(a, 1.0 - t));
}

/* kmin so that the mean degree is `mean` (bisection). */
static double solve_kmin(double t, double mean, double kmax)
{
    double lo = 1.0, hi = mean;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (power_mean(t, mid, kmax) < mean) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

static const char *lfr_problem(const struct wk_sbm_lfr *p)
{
    if (p->n < 4 || p->n > WK_SBM_MAX_NODES) return "nodes must be between 4 and 4000";
    if (!(p->degree >= 1 && p->degree < p->max_degree)) return "degree must be at least 1 and below the maximum degree";
    if (!(p->max_degree < (double)p->n)) return "the maximum degree must be below the number of nodes";
    if (!(p->t1 > 1 && p->t1 < 10 && p->t2 >= 0 && p->t2 < 10)) return "exponents out of range (t1 in (1,10), t2 in [0,10))";
    if (!(p->mu_t >= 0 && p->mu_t <= 1 && p->mu_w >= 0 && p->mu_w <= 1)) return "mixing parameters must be between 0 and 1";
    if (!(p->beta >= 0 && p->beta <= 5)) return "weight exponent must be between 0 and 5";
    if (p->cmax && p->cmin > p->cmax) return "the minimum community size exceeds the maximum";
    if (p->cmax > p->n) return "the maximum community size exceeds the number of nodes";
    return NULL;
}

/* Community sizes summing to n, each in [cmin, cmax]. */
static int community_sizes(size_t **sizes, size_t *k, size_t n, size_t cmin, size_t cmax, double t2, gsl_rng *rng)
{
    size_t cap = n / cmin + 2, used = 0, sum = 0;
    size_t *s = wk_calloc(cap, sizeof *s);
    if (!s) return wk_fail(WK_ENOMEM, "out of memory (community sizes)");
    while (sum < n && used < cap) {
        size_t c = (size_t)lround(power_draw(t2, (double)cmin, (double)cmax + 0.5 - 1e-9, rng));
        if (c < cmin) c = cmin;
        if (c > cmax) c = cmax;
        s[used++] = c;
        sum += c;
    }
    /* trim the excess from the largest communities, keeping each >= cmin */
    while (sum > n) {
        size_t big = 0;
        for (size_t i = 1; i < used; i++)
            if (s[i] > s[big]) big = i;
        size_t room = s[big] - cmin, cut = sum - n < room ? sum - n : room;
        if (cut == 0) { /* every community at cmin: merge the last into the others */
            sum -= s[--used];
            for (size_t i = 0; sum < n; i = (i + 1) % used, sum++) s[i]++;
            break;
        }
        s[big] -= cut;
        sum -= cut;
    }
    *sizes = s;
    *k = used;
    return 0;
}

/* Assign nodes (largest internal degree first) to random communities big
 * enough for their internal degree and with room left. */
static int assign_nodes(int *truth, long *kin, const size_t *sizes, size_t k, size_t n, gsl_rng *rng)
{
    size_t *room = wk_malloc_array(k, sizeof *room), *order = wk_malloc_array(n, sizeof *order);
    size_t *fit = wk_malloc_array(k, sizeof *fit);
    if (!room || !order || !fit) {
        free(room), free(order), free(fit);
        return wk_fail(WK_ENOMEM, "out of memory (community assignment)");
    }
    memcpy(room, sizes, k * sizeof *room);
    for (size_t i = 0; i < n; i++) order[i] = i;
    for (size_t i = 1; i < n; i++) /* insertion sort by decreasing kin: n is small */
        for (size_t j = i; j > 0 && kin[order[j]] > kin[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t q = 0; q < n; q++) {
        size_t v = order[q], nf = 0, biggest = 0;
        for (size_t c = 0; c < k; c++) {
            if (room[c] && (long)sizes[c] > kin[v]) fit[nf++] = c;
            if (room[c] && (!room[biggest] || sizes[c] > sizes[biggest])) biggest = c;
        }
        size_t c = nf ? fit[gsl_rng_uniform_int(rng, nf)] : biggest;
        if (kin[v] > (long)sizes[c] - 1) kin[v] = (long)sizes[c] - 1;
        truth[v] = (int)c;
        room[c]--;
    }
    free(room), free(order), free(fit);
    return 0;
}

/* An edge (i, j) of this matching may be made. */
static int can_link(const unsigned char *e, size_t n, size_t i, size_t j, const int *truth, int external)
{
    return i != j && !e[i * n + j] && (!external || truth[i] != truth[j]);
}

/* Leftover stub pairs (i, j) placed by rewiring: an edge (u, v) of the same
 * kind becomes (i, u) and (j, v), so every degree is kept. */
static void place_leftovers(unsigned char *e, size_t n, const size_t *stub, size_t m, const int *truth,
                            int external, int community, gsl_rng *rng)
{
    unsigned char kind = (unsigned char)(external ? 2 : 1);
    size_t *nodes = wk_malloc_array(n, sizeof *nodes), k = 0;
    if (!nodes || m < 2) {
        free(nodes);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (external || truth[i] == community) nodes[k++] = i;
    for (size_t q = 0; q + 1 < m; q += 2) {
        size_t i = stub[q], j = stub[q + 1];
        for (int attempt = 0; attempt < REWIRE_ATTEMPTS; attempt++) {
            size_t u = nodes[gsl_rng_uniform_int(rng, k)], v = nodes[gsl_rng_uniform_int(rng, k)];
            if (e[u * n + v] != kind || u == i || v == j) continue;
            if (!can_link(e, n, i, u, truth, external) || !can_link(e, n, j, v, truth, external)) continue;
            if ((i == v && j == u) || (i == j && u == v)) continue;
            e[u * n + v] = e[v * n + u] = 0;
            e[i * n + u] = e[u * n + i] = kind;
            if (!can_link(e, n, j, v, truth, external)) { /* (i,u) and (j,v) coincide: undo */
                e[i * n + u] = e[u * n + i] = 0;
                e[u * n + v] = e[v * n + u] = kind;
                continue;
            }
            e[j * n + v] = e[v * n + j] = kind;
            break;
        }
    }
    free(nodes);
}

/* Configuration model on the stubs of `nodes` (stub counts deg[]): random
 * matching; self-loops, repeated edges and (external) pairs inside one
 * community are dropped.  Marks edges in e[n][n] with kind+1. */
static int match_stubs(unsigned char *e, size_t n, const long *deg, const int *truth, int external,
                       int community, gsl_rng *rng)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (external || truth[i] == community) total += (size_t)deg[i];
    size_t *stub = wk_malloc_array(total ? total : 1, sizeof *stub), m = 0;
    if (!stub) return wk_fail(WK_ENOMEM, "out of memory (stubs)");
    for (size_t i = 0; i < n; i++)
        if (external || truth[i] == community)
            for (long d = 0; d < deg[i]; d++) stub[m++] = i;
    /* stubs that cannot pair are shuffled again with the other leftovers */
    for (int round = 0; round < MATCH_ROUNDS && m > 1; round++) {
        gsl_ran_shuffle(rng, stub, m, sizeof *stub);
        size_t left = 0;
        for (size_t q = 0; q + 1 < m; q += 2) {
            size_t i = stub[q], j = stub[q + 1];
            if (i == j || e[i * n + j] || (external && truth[i] == truth[j])) {
                stub[left++] = i;
                stub[left++] = j;
                continue;
            }
            e[i * n + j] = e[j * n + i] = (unsigned char)(external ? 2 : 1);
        }
        m = left;
    }
    place_leftovers(e, n, stub, m, truth, external, community, rng);
    free(stub);
    return 0;
}

int wk_sbm_lfr_generate(struct wk_sbm_graph **out, int **truth, const struct wk_sbm_lfr *p, gsl_rng *rng)
{
    const char *problem = lfr_problem(p);
    if (problem) return wk_fail(WK_EINVAL, "simulate sbm: %s", problem);
    size_t n = p->n;
    double kmin = solve_kmin(p->t1, p->degree, p->max_degree);
    size_t cmin = p->cmin ? p->cmin : (size_t)ceil(kmin), cmax = p->cmax ? p->cmax : (size_t)p->max_degree;
    if (cmax > n) cmax = n;
    if (cmin < 2) cmin = 2;
    if (cmin > cmax) cmin = cmax;
    int rc = new_graph(out, truth, n);
    if (rc < 0) return rc;
    long *deg = wk_malloc_array(n, sizeof *deg), *kin = wk_malloc_array(n, sizeof *kin);
    long *kex = wk_malloc_array(n, sizeof *kex), *din = wk_calloc(n, sizeof *din), *dex = wk_calloc(n, sizeof *dex);
    unsigned char *e = wk_calloc(n * n, 1);
    size_t *sizes = NULL, k = 0;
    if (!deg || !kin || !kex || !din || !dex || !e) rc = wk_fail(WK_ENOMEM, "out of memory (benchmark graph)");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        deg[i] = lround(power_draw(p->t1, kmin, p->max_degree, rng));
        kin[i] = lround((1.0 - p->mu_t) * (double)deg[i]);
    }
    if (rc == 0) rc = community_sizes(&sizes, &k, n, cmin, cmax, p->t2, rng);
    if (rc == 0) rc = assign_nodes(*truth, kin, sizes, k, n, rng);
    for (size_t i = 0; rc == 0 && i < n; i++) kex[i] = deg[i] - kin[i];
    for (size_t c = 0; rc == 0 && c < k; c++) rc = match_stubs(e, n, kin, *truth, 0, (int)c, rng);
    if (rc == 0) rc = match_stubs(e, n, kex, *truth, 1, -1, rng);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                if (e[i * n + j] == 1) din[i]++;
                if (e[i * n + j] == 2) dex[i]++;
            }
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                if (!e[i * n + j]) continue;
                int external = e[i * n + j] == 2;
                double share[2];
                const size_t ends[2] = {i, j};
                for (int q = 0; q < 2; q++) {
                    size_t v = ends[q];
                    double s = pow((double)(din[v] + dex[v]), p->beta);
                    long d = external ? dex[v] : din[v];
                    share[q] = (external ? p->mu_w : 1.0 - p->mu_w) * s / (double)(d ? d : 1);
                }
                double w = 0.5 * (share[0] + share[1]);
                if (!(w > 0)) w = 1e-12; /* mu_w of 0 or 1: keep the edge */
                (*out)->w[i * n + j] = (*out)->w[j * n + i] = w;
            }
    }
    free(deg), free(kin), free(kex), free(din), free(dex), free(e), free(sizes);
    if (rc < 0) {
        wk_sbm_graph_free(*out);
        free(*truth);
        *out = NULL;
        *truth = NULL;
    }
    return rc;
}
