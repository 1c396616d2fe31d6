/* sbm_louvain.c - the Louvain method (Blondel et al. 2008): local moves that
 * raise weighted modularity, then aggregation, until nothing moves.  The
 * baseline of worm-sbm --method louvain. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_sbm.h"
#include "wormkit/wk_util.h"

#define MIN_GAIN 1e-12

/* Local moves on the weighted graph a[n][n] (self-loops on the diagonal,
 * counted once in a node's strength as in networkx): comm[] updated;
 * returns 1 when a node moved. */
static int local_moves(int *comm, const double *a, size_t n, double two_m, double *k, double *tot, double *kin,
                       int *order, gsl_rng *rng)
{
    for (size_t i = 0; i < n; i++) {
        k[i] = 0;
        for (size_t j = 0; j < n; j++) k[i] += a[i * n + j] * (i == j ? 2.0 : 1.0);
    }
    memset(tot, 0, n * sizeof *tot);
    for (size_t i = 0; i < n; i++) tot[comm[i]] += k[i];
    for (size_t i = 0; i < n; i++) order[i] = (int)i;
    gsl_ran_shuffle(rng, order, n, sizeof *order);
    int moved_any = 0, moved = 1;
    while (moved) {
        moved = 0;
        for (size_t q = 0; q < n; q++) {
            size_t v = (size_t)order[q];
            int c0 = comm[v];
            memset(kin, 0, n * sizeof *kin);
            for (size_t j = 0; j < n; j++)
                if (j != v) kin[comm[j]] += a[v * n + j];
            tot[c0] -= k[v];
            int best = c0;
            double best_gain = kin[c0] - tot[c0] * k[v] / two_m;
            for (size_t j = 0; j < n; j++) {
                int c = comm[j];
                if (j == v || c == best || kin[c] <= 0) continue;
                double gain = kin[c] - tot[c] * k[v] / two_m;
                if (gain > best_gain + MIN_GAIN) {
                    best_gain = gain;
                    best = c;
                }
            }
            tot[best] += k[v];
            if (best != c0) {
                comm[v] = best;
                moved = moved_any = 1;
            }
        }
    }
    return moved_any;
}

int wk_sbm_louvain(int *b, const struct wk_sbm_graph *g, gsl_rng *rng)
{
    size_t n = g->n;
    double *a = wk_malloc_array(n * n, sizeof *a), *agg = wk_malloc_array(n * n, sizeof *agg);
    double *k = wk_malloc_array(n, sizeof *k), *tot = wk_malloc_array(n, sizeof *tot), *kin = wk_malloc_array(n, sizeof *kin);
    int *comm = wk_malloc_array(n, sizeof *comm), *order = wk_malloc_array(n, sizeof *order);
    int *map = wk_malloc_array(n, sizeof *map);
    if (!a || !agg || !k || !tot || !kin || !comm || !order || !map) {
        free(a), free(agg), free(k), free(tot), free(kin), free(comm), free(order), free(map);
        return wk_fail(WK_ENOMEM, "out of memory (louvain on %zu nodes)", n);
    }
    double two_m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            a[i * n + j] = i == j ? 0.0 : fabs(g->w[i * n + j]);
            two_m += a[i * n + j];
        }
    for (size_t i = 0; i < n; i++) b[i] = (int)i;
    size_t m = n; /* nodes of the current aggregated graph */
    while (two_m > 0) {
        for (size_t i = 0; i < m; i++) comm[i] = (int)i;
        if (!local_moves(comm, a, m, two_m, k, tot, kin, order, rng)) break;
        for (size_t i = 0; i < m; i++) map[i] = -1;
        size_t c = 0;
        for (size_t i = 0; i < m; i++)
            if (map[comm[i]] < 0) map[comm[i]] = (int)c++;
        for (size_t i = 0; i < n; i++) b[i] = map[comm[b[i]]];
        memset(agg, 0, c * c * sizeof *agg);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < m; j++) {
                size_t ci = (size_t)map[comm[i]], cj = (size_t)map[comm[j]];
                /* inside a community each edge appears twice: keep it once on the diagonal */
                agg[ci * c + cj] += (ci == cj && i != j) ? 0.5 * a[i * m + j] : a[i * m + j];
            }
        memcpy(a, agg, c * c * sizeof *a);
        m = c;
    }
    /* a last pass of single-node moves on the original graph (fixes nodes
     * stranded inside an aggregated community) */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) a[i * n + j] = i == j ? 0.0 : fabs(g->w[i * n + j]);
    if (two_m > 0) local_moves(b, a, n, two_m, k, tot, kin, order, rng);
    free(a), free(agg), free(k), free(tot), free(kin), free(comm), free(order), free(map);
    return 0;
}
