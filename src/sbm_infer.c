/* sbm_infer.c - minimum description length inference of a block partition:
 * agglomerative merges from singletons, then annealed merge-split MCMC. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sbm_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

#define SWEEP_BLOCKS 64     /* node sweeps during agglomeration below this many blocks */
#define MERGE_FACTOR 1.5    /* blocks shrink by this factor per agglomeration round */
#define BETA_MAX 1000.0     /* inverse temperature at the end of the annealing */
#define GREEDY_SWEEPS 3     /* zero-temperature sweeps that end the refinement */
#define SPLIT_PASSES 2      /* restricted sweeps that refine a proposed split */
#define MERGE_SPLIT_STEPS 8 /* merge or split proposals per sweep */
#define EPS 1e-9

struct merge_cand {
    int r, t;
    double d;
};

static int cmp_cand(const void *a, const void *b)
{
    const struct merge_cand *x = a, *y = b;
    if (x->d != y->d) return x->d < y->d ? -1 : 1;
    return (x->r > y->r) - (x->r < y->r);
}

static int first_empty(const struct sbm_state *s)
{
    for (size_t r = 0; r < s->n; r++)
        if (s->nr[r] == 0) return (int)r;
    return -1;
}

static int accept(double d, double beta, gsl_rng *rng)
{
    if (d <= 0) return 1;
    if (isinf(beta)) return 0;
    return gsl_rng_uniform(rng) < exp(-beta * d);
}

/* The best merge partner of every block; the best non-overlapping merges
 * applied until B reaches target (one relabelling per round). */
static int merge_round(struct sbm_state *s, size_t target, int *labels, struct merge_cand *cand, double *cache)
{
    while (s->B > target) {
        size_t B = s->B;
        sbm_pair_terms(s, cache);
        for (size_t i = 0; i < B; i++) cand[i] = (struct merge_cand){s->active[i], -1, HUGE_VAL};
        for (size_t i = 0; i < B; i++)
            for (size_t j = i + 1; j < B; j++) {
                double d = sbm_merge_delta(s, s->active[i], s->active[j], cache);
                if (d < cand[i].d) cand[i] = (struct merge_cand){s->active[i], s->active[j], d};
                if (d < cand[j].d) cand[j] = (struct merge_cand){s->active[j], s->active[i], d};
            }
        qsort(cand, B, sizeof *cand, cmp_cand);
        memcpy(labels, s->b, s->n * sizeof *labels);
        size_t need = B - target;
        /* s->cv doubles as the "already merged" flags */
        memset(s->cv, 0, s->n * sizeof *s->cv);
        for (size_t k = 0; k < B && need; k++) {
            int r = cand[k].r, t = cand[k].t;
            if (t < 0 || s->cv[r] || s->cv[t]) continue;
            s->cv[r] = s->cv[t] = 1;
            for (size_t i = 0; i < s->n; i++)
                if (labels[i] == r) labels[i] = t;
            need--;
        }
        if (need == B - target) break; /* nothing to merge (no finite change) */
        sbm_state_set(s, labels);
    }
    return 0;
}

/* One sweep of single-node moves in random order: Metropolis at beta
 * (random target block, or a new one), or the best move when beta is
 * infinite. */
static void node_sweep(struct sbm_state *s, double beta, int allow_new, int *order, gsl_rng *rng)
{
    gsl_ran_shuffle(rng, order, s->n, sizeof *order);
    for (size_t k = 0; k < s->n; k++) {
        int v = order[k], r = s->b[v];
        sbm_node_stats(s, v);
        int empty = allow_new && s->nr[r] > 1 ? first_empty(s) : -1;
        if (isinf(beta)) {
            int best = r;
            double best_d = -EPS;
            for (size_t i = 0; i < s->B; i++) {
                int t = s->active[i];
                if (t == r) continue;
                double d = sbm_move_delta(s, v, t);
                if (d < best_d) {
                    best_d = d;
                    best = t;
                }
            }
            if (empty >= 0) {
                double d = sbm_move_delta(s, v, empty);
                if (d < best_d) {
                    best_d = d;
                    best = empty;
                }
            }
            if (best != r) sbm_move_apply(s, v, best, best_d);
            continue;
        }
        size_t choices = s->B + (empty >= 0);
        size_t pick = (size_t)gsl_rng_uniform_int(rng, choices);
        int t = pick < s->B ? s->active[pick] : empty;
        if (t == r) continue;
        double d = sbm_move_delta(s, v, t);
        if (accept(d, beta, rng)) sbm_move_apply(s, v, t, d);
    }
}

static void merge_step(struct sbm_state *s, double beta, gsl_rng *rng)
{
    int r = s->active[gsl_rng_uniform_int(rng, s->B)], best = -1;
    double best_d = HUGE_VAL;
    for (size_t i = 0; i < s->B; i++) {
        int t = s->active[i];
        if (t == r) continue;
        double d = sbm_merge_delta(s, r, t, NULL);
        if (d < best_d) {
            best_d = d;
            best = t;
        }
    }
    if (best >= 0 && accept(best_d, beta, rng)) sbm_merge_apply(s, r, best);
}

/* Split a random block: a random node seeds a new block, the others join
 * it when that shortens the DL, then restricted sweeps; undone unless
 * accepted. */
static void split_step(struct sbm_state *s, double beta, int *nodes, gsl_rng *rng)
{
    int r = s->active[gsl_rng_uniform_int(rng, s->B)], t = first_empty(s);
    if (s->nr[r] < 2 || t < 0) return;
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->b[i] == r) nodes[m++] = (int)i;
    double dl0 = s->dl;
    gsl_ran_shuffle(rng, nodes, m, sizeof *nodes);
    sbm_node_stats(s, nodes[0]);
    sbm_move_apply(s, nodes[0], t, sbm_move_delta(s, nodes[0], t));
    for (size_t k = 1; k < m; k++) {
        sbm_node_stats(s, nodes[k]);
        double d = sbm_move_delta(s, nodes[k], t);
        if (d < 0 && s->nr[r] > 1) sbm_move_apply(s, nodes[k], t, d);
    }
    for (int pass = 0; pass < SPLIT_PASSES; pass++)
        for (size_t k = 0; k < m; k++) {
            int v = nodes[k], other = s->b[v] == r ? t : r;
            if (s->nr[s->b[v]] < 2) continue;
            sbm_node_stats(s, v);
            double d = sbm_move_delta(s, v, other);
            if (d < 0) sbm_move_apply(s, v, other, d);
        }
    if (accept(s->dl - dl0, beta, rng)) return;
    for (size_t k = 0; k < m; k++) {
        int v = nodes[k];
        if (s->b[v] == r) continue;
        sbm_node_stats(s, v);
        sbm_move_apply(s, v, r, sbm_move_delta(s, v, r));
    }
}

static void keep_best(struct sbm_state *best, const struct sbm_state *s)
{
    if (s->dl < best->dl - EPS) sbm_state_copy(best, s);
}

/* MERGE_SPLIT_STEPS proposals, each a merge or a split. */
static void merge_split_steps(struct sbm_state *s, struct sbm_state *best, double beta, int *nodes, gsl_rng *rng)
{
    for (int k = 0; k < MERGE_SPLIT_STEPS; k++) {
        if (gsl_rng_uniform(rng) < 0.5) {
            if (s->B > 1) merge_step(s, beta, rng);
        } else {
            split_step(s, beta, nodes, rng);
        }
        keep_best(best, s);
    }
}

int sbm_infer(struct sbm_state *s, int sweeps, gsl_rng *rng)
{
    size_t n = s->n;
    struct sbm_state *best = NULL;
    int *labels = wk_malloc_array(n, sizeof *labels), *order = wk_malloc_array(n, sizeof *order);
    int *nodes = wk_malloc_array(n, sizeof *nodes);
    struct merge_cand *cand = wk_malloc_array(n, sizeof *cand);
    double *cache = wk_malloc_array(n * n, sizeof *cache);
    int rc = (labels && order && nodes && cand && cache) ? sbm_state_alloc(&best, s->g, s->m)
                                                : wk_fail(WK_ENOMEM, "out of memory (block model inference)");
    if (rc < 0) goto done;
    for (size_t i = 0; i < n; i++) labels[i] = order[i] = (int)i;
    sbm_state_set(s, labels);
    sbm_state_copy(best, s);
    while (s->B > 1) {
        size_t target = (size_t)floor((double)s->B / MERGE_FACTOR);
        if (target >= s->B) target = s->B - 1;
        if (target < 1) target = 1;
        size_t before = s->B;
        merge_round(s, target, labels, cand, cache);
        if (s->B >= before) break;
        /* no new blocks here: the number of blocks must keep falling */
        if (s->B <= SWEEP_BLOCKS) node_sweep(s, INFINITY, 0, order, rng);
        keep_best(best, s);
    }
    sbm_state_copy(s, best);
    int annealed = sweeps > GREEDY_SWEEPS ? sweeps - GREEDY_SWEEPS : 0;
    for (int it = 0; it < sweeps; it++) {
        double beta = it < annealed ? exp(log(BETA_MAX) * it / (annealed > 1 ? annealed - 1 : 1)) : INFINITY;
        node_sweep(s, beta, 1, order, rng);
        keep_best(best, s);
        merge_split_steps(s, best, beta, nodes, rng);
    }
    sbm_state_copy(s, best);
    s->dl = sbm_state_dl(s);
done:
    sbm_state_free(best);
    free(labels);
    free(order);
    free(nodes);
    free(cand);
    free(cache);
    return rc;
}
