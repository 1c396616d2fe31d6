/* test-sbm.c - description length, inference and benchmarks of wk_sbm. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "wk_test.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_partition.h"
#include "wormkit/wk_sbm.h"

static struct wk_sbm_graph *tiny(void)
{
    double a[16] = {0};
    a[0 * 4 + 1] = a[1 * 4 + 0] = 1.0;
    a[2 * 4 + 3] = a[3 * 4 + 2] = 2.0;
    a[0 * 4 + 2] = a[2 * 4 + 0] = 0.5;
    struct wk_sbm_graph *g;
    if (wk_sbm_graph_from_matrix(&g, a, 4, WK_SBM_WEIGHTS_EXPONENTIAL, "tiny")) return NULL;
    return g;
}

/* Values computed by hand from the formulas of wk_sbm.h (python, math.lgamma). */
static void test_dl(void)
{
    struct wk_sbm_graph *g = tiny();
    ok(g != NULL, "tiny graph");
    int two[4] = {0, 0, 1, 1}, one[4] = {5, 5, 5, 5}, relabelled[4] = {3, 3, 1, 1};
    near(wk_sbm_dl(g, two, WK_SBM_WEIGHTS_EXPONENTIAL, 0), 12.376483577523935, 1e-10, "dl: plain, exponential");
    near(wk_sbm_dl(g, two, WK_SBM_WEIGHTS_EXPONENTIAL, 1), 14.573708154860153, 1e-10, "dl: degree-corrected");
    near(wk_sbm_dl(g, two, WK_SBM_WEIGHTS_NORMAL, 0), 11.664903447204782, 1e-10, "dl: plain, normal");
    near(wk_sbm_dl(g, one, WK_SBM_WEIGHTS_EXPONENTIAL, 0), 8.597896649407165, 1e-10, "dl: one block");
    near(wk_sbm_dl(g, relabelled, WK_SBM_WEIGHTS_EXPONENTIAL, 0), 12.376483577523935, 1e-10,
         "dl does not depend on label values");
    wk_sbm_graph_free(g);
}

static void quiet(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level, (void)message, (void)userdata;
}

static void test_graph_errors(void)
{
    double a[4] = {0, -1, -1, 0};
    struct wk_sbm_graph *g = NULL;
    wk_log_set_hook(quiet, NULL);
    ok(wk_sbm_graph_from_matrix(&g, a, 2, WK_SBM_WEIGHTS_EXPONENTIAL, "m") == WK_EINVAL && !g,
       "negative weight refused with exponential weights");
    ok(wk_sbm_graph_from_matrix(&g, a, 2, WK_SBM_WEIGHTS_NORMAL, "m") == 0 && g && g->w[1] == -1.0,
       "negative weight allowed with normal weights");
    wk_sbm_graph_free(g);
    a[1] = INFINITY;
    ok(wk_sbm_graph_from_matrix(&g, a, 2, WK_SBM_WEIGHTS_NORMAL, "m") == WK_EINVAL, "infinite weight refused");
    a[1] = NAN;
    a[2] = 4;
    ok(wk_sbm_graph_from_matrix(&g, a, 2, WK_SBM_WEIGHTS_EXPONENTIAL, "m") == 0 && g->w[1] == 2.0 && g->w[2] == 2.0,
       "symmetrized, NaN as 0");
    wk_sbm_graph_free(g);
    wk_log_set_hook(NULL, NULL);
}

static int fit(struct wk_sbm_result **r, const struct wk_sbm_graph *g, const struct wk_sbm_opts *o,
               unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    int rc = wk_sbm_fit(r, g, o, rng);
    gsl_rng_free(rng);
    return rc;
}

static void test_planted(void)
{
    struct wk_sbm_planted p;
    wk_sbm_planted_defaults(&p);
    p.n = 60;
    p.k = 4;
    p.p_in = 0.6;
    p.p_out = 0.05;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    struct wk_sbm_graph *g;
    int *truth;
    ok(wk_sbm_planted_generate(&g, &truth, &p, rng) == 0, "planted partition generated");
    struct wk_sbm_opts o;
    wk_sbm_opts_init(&o);
    struct wk_sbm_result *r = NULL;
    ok(fit(&r, g, &o, 13) == 0, "fit");
    ok(r->blocks[0] == 4, "four blocks found");
    near(wk_partition_ari(truth, r->labels, g->n), 1.0, 0, "exact recovery (ARI 1)");
    ok(r->levels >= 2 && r->blocks[r->levels - 1] == 1, "hierarchy ends with one block");
    ok(!isnan(r->dl_plain) && !isnan(r->dl_dc), "both degree models fitted");
    double flat = r->degree_corrected ? r->dl_dc : r->dl_plain;
    ok(flat == fmin(r->dl_plain, r->dl_dc), "the model with the shorter description length kept");
    near(flat, wk_sbm_dl(g, truth, o.weights, r->degree_corrected), 1e-6, "flat dl is the truth's");
    if (r->levels == 2) /* one more level: ln 4 for its partition, its edge counts as the flat prior */
        near(r->dl, flat + log(4.0), 1e-9, "nested dl: the flat one plus ln B");
    struct wk_sbm_result *r2 = NULL;
    ok(fit(&r2, g, &o, 13) == 0 && memcmp(r->labels, r2->labels, g->n * r->levels * sizeof(int)) == 0 &&
           r->dl == r2->dl,
       "same seed, same result");
    wk_sbm_result_free(r2);
    wk_sbm_result_free(r);

    /* weights alone: no topological signal, means 1 vs 8 */
    p.p_in = p.p_out = 0.5;
    p.w_in = 8.0;
    p.w_out = 1.0;
    wk_sbm_graph_free(g);
    free(truth);
    gsl_rng_set(rng, 8);
    ok(wk_sbm_planted_generate(&g, &truth, &p, rng) == 0, "weight-only planted partition");
    o.nested = 0;
    ok(fit(&r, g, &o, 13) == 0, "fit");
    near(wk_partition_ari(truth, r->labels, g->n), 1.0, 0, "recovered from the weights alone");
    ok(r->levels == 1, "flat model: one level");
    wk_sbm_result_free(r);

    o.method = WK_SBM_METHOD_LOUVAIN;
    p.p_in = 0.6;
    p.p_out = 0.05;
    p.w_in = p.w_out = 1.0;
    wk_sbm_graph_free(g);
    free(truth);
    gsl_rng_set(rng, 9);
    wk_sbm_planted_generate(&g, &truth, &p, rng);
    ok(fit(&r, g, &o, 13) == 0, "louvain");
    ok(wk_partition_ari(truth, r->labels, g->n) > 0.85, "louvain: close to a strong planted partition");
    ok(isnan(r->dl) && r->modularity >= wk_sbm_modularity(g, truth), "louvain: modularity at least the truth's");
    near(r->modularity, 0.5225630, 1e-6, "louvain: modularity value (seed 13)");
    wk_sbm_result_free(r);
    wk_sbm_graph_free(g);
    free(truth);
    gsl_rng_free(rng);
}

static void test_erdos_renyi(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    int all_one = 1;
    for (unsigned long seed = 1; seed <= 3; seed++) {
        gsl_rng_set(rng, seed);
        size_t n = 80;
        double *a = calloc(n * n, sizeof *a);
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (gsl_rng_uniform(rng) < 0.2) a[i * n + j] = a[j * n + i] = gsl_ran_exponential(rng, 1.0);
        struct wk_sbm_graph *g;
        wk_sbm_graph_from_matrix(&g, a, n, WK_SBM_WEIGHTS_EXPONENTIAL, "er");
        struct wk_sbm_opts o;
        wk_sbm_opts_init(&o);
        struct wk_sbm_result *r = NULL;
        if (fit(&r, g, &o, seed) != 0 || r->blocks[0] != 1) all_one = 0;
        wk_sbm_result_free(r);
        wk_sbm_graph_free(g);
        free(a);
    }
    ok(all_one, "Erdos-Renyi graphs with exponential weights: one block (3 seeds)");
    gsl_rng_free(rng);
}

static void test_lfr(void)
{
    struct wk_sbm_lfr p;
    wk_sbm_lfr_defaults(&p);
    p.mu_t = p.mu_w = 0.3;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    struct wk_sbm_graph *g;
    int *truth;
    ok(wk_sbm_lfr_generate(&g, &truth, &p, rng) == 0, "weighted LFR graph");
    size_t edges = 0;
    for (size_t i = 0; i < g->n * g->n; i++) edges += g->w[i] != 0;
    double mean_degree = (double)edges / (double)g->n;
    ok(mean_degree > 18 && mean_degree < 27, "LFR: mean degree near 25");
    struct wk_sbm_opts o;
    wk_sbm_opts_init(&o);
    struct wk_sbm_result *r = NULL;
    ok(fit(&r, g, &o, 13) == 0, "fit");
    double nmi = wk_partition_nmi(truth, r->labels, g->n);
    ok(nmi > 0.75, "LFR mixing 0.3: NMI above 0.75");
    if (!(nmi > 0.75)) printf("# nmi %g\n", nmi);
    wk_sbm_result_free(r);
    wk_sbm_graph_free(g);
    free(truth);
    gsl_rng_free(rng);
}

/* Two groups of two blocks: level 0 finds the 4 blocks, level 1 the 2 groups. */
static void test_nested(void)
{
    size_t n = 80;
    double *a = calloc(n * n, sizeof *a);
    int truth0[80], truth1[80];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 21);
    for (size_t i = 0; i < n; i++) {
        truth0[i] = (int)(i / 20);
        truth1[i] = (int)(i / 40);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double p = truth0[i] == truth0[j] ? 0.7 : truth1[i] == truth1[j] ? 0.25 : 0.02;
            if (gsl_rng_uniform(rng) < p) a[i * n + j] = a[j * n + i] = gsl_ran_exponential(rng, 1.0);
        }
    struct wk_sbm_graph *g;
    wk_sbm_graph_from_matrix(&g, a, n, WK_SBM_WEIGHTS_EXPONENTIAL, "nested");
    struct wk_sbm_opts o;
    wk_sbm_opts_init(&o);
    struct wk_sbm_result *r = NULL;
    ok(fit(&r, g, &o, 13) == 0, "nested fit");
    ok(r->levels == 3 && r->blocks[0] == 4 && r->blocks[1] == 2 && r->blocks[2] == 1, "levels of 4, 2 and 1 blocks");
    near(wk_partition_ari(truth0, r->labels, n), 1.0, 0, "level 0: the four blocks");
    if (r->levels > 1) near(wk_partition_ari(truth1, r->labels + n, n), 1.0, 0, "level 1: the two groups");
    wk_sbm_result_free(r);
    wk_sbm_graph_free(g);
    free(a);
    gsl_rng_free(rng);
}

int main(void)
{
    test_dl();
    test_graph_errors();
    test_planted();
    test_erdos_renyi();
    test_lfr();
    test_nested();
    return wk_test_done();
}
