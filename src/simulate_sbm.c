/* simulate_sbm.c - worm-simulate sbm: weighted benchmark graphs with
 * planted communities (planted partition or LFR-style), for worm-sbm. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_sbm.h"
#include "wormkit/wk_simulate.h"
#include "wormkit/wk_util.h"

enum sbm_graph_kind { GRAPH_PLANTED = 0, GRAPH_LFR = 1 };

struct sim_sbm {
    enum sbm_graph_kind kind;
    struct wk_sbm_planted planted;
    struct wk_sbm_lfr lfr;
    size_t nodes;
    int nodes_given;
};

static void sbm_defaults(void *params)
{
    struct sim_sbm *p = params;
    memset(p, 0, sizeof *p);
    p->kind = GRAPH_PLANTED;
    wk_sbm_planted_defaults(&p->planted);
    wk_sbm_lfr_defaults(&p->lfr);
}

enum {
    OPT_GRAPH = 400, OPT_P_IN, OPT_P_OUT, OPT_W_IN, OPT_W_OUT, OPT_DEGREE, OPT_MAX_DEGREE, OPT_T1, OPT_T2,
    OPT_MU_T, OPT_MU_W, OPT_BETA, OPT_CMIN, OPT_CMAX
};

static const struct option sbm_longopts[] = {
    {"graph", required_argument, 0, OPT_GRAPH},
    {"nodes", required_argument, 0, 'n'},
    {"blocks", required_argument, 0, 'k'},
    {"p-in", required_argument, 0, OPT_P_IN},
    {"p-out", required_argument, 0, OPT_P_OUT},
    {"w-in", required_argument, 0, OPT_W_IN},
    {"w-out", required_argument, 0, OPT_W_OUT},
    {"degree", required_argument, 0, OPT_DEGREE},
    {"max-degree", required_argument, 0, OPT_MAX_DEGREE},
    {"t1", required_argument, 0, OPT_T1},
    {"t2", required_argument, 0, OPT_T2},
    {"mu-t", required_argument, 0, OPT_MU_T},
    {"mu-w", required_argument, 0, OPT_MU_W},
    {"beta", required_argument, 0, OPT_BETA},
    {"min-community", required_argument, 0, OPT_CMIN},
    {"max-community", required_argument, 0, OPT_CMAX},
    {0, 0, 0, 0},
};

static int size_opt(const char *arg, long lo, const char *what, size_t *out)
{
    long v;
    if (wk_parse_long(arg, lo, WK_SBM_MAX_NODES, what, &v)) return WK_EUSAGE;
    *out = (size_t)v;
    return 0;
}

static int sbm_option(int key, const char *arg, void *ctx)
{
    struct sim_sbm *p = ctx;
    switch (key) {
    case OPT_GRAPH:
        if (strcmp(arg, "planted") == 0) p->kind = GRAPH_PLANTED;
        else if (strcmp(arg, "lfr") == 0) p->kind = GRAPH_LFR;
        else {
            wk_cli_usage_error("invalid --graph '%s' (planted or lfr)", arg);
            return WK_EUSAGE;
        }
        return 0;
    case 'n': p->nodes_given = 1; return size_opt(arg, 2, "--nodes", &p->nodes);
    case 'k': return size_opt(arg, 1, "--blocks", &p->planted.k);
    case OPT_P_IN: return wk_parse_double(arg, 0, 1, "--p-in", &p->planted.p_in);
    case OPT_P_OUT: return wk_parse_double(arg, 0, 1, "--p-out", &p->planted.p_out);
    case OPT_W_IN: return wk_parse_double(arg, 1e-300, 1e300, "--w-in", &p->planted.w_in);
    case OPT_W_OUT: return wk_parse_double(arg, 1e-300, 1e300, "--w-out", &p->planted.w_out);
    case OPT_DEGREE: return wk_parse_double(arg, 1, WK_SBM_MAX_NODES, "--degree", &p->lfr.degree);
    case OPT_MAX_DEGREE: return wk_parse_double(arg, 1, WK_SBM_MAX_NODES, "--max-degree", &p->lfr.max_degree);
    case OPT_T1: return wk_parse_double(arg, 1.000001, 10, "--t1", &p->lfr.t1);
    case OPT_T2: return wk_parse_double(arg, 0, 10, "--t2", &p->lfr.t2);
    case OPT_MU_T: return wk_parse_double(arg, 0, 1, "--mu-t", &p->lfr.mu_t);
    case OPT_MU_W: return wk_parse_double(arg, 0, 1, "--mu-w", &p->lfr.mu_w);
    case OPT_BETA: return wk_parse_double(arg, 0, 5, "--beta", &p->lfr.beta);
    case OPT_CMIN: return size_opt(arg, 2, "--min-community", &p->lfr.cmin);
    case OPT_CMAX: return size_opt(arg, 2, "--max-community", &p->lfr.cmax);
    default:
        wk_cli_usage_error("option not handled");
        return WK_EUSAGE;
    }
}

static int sbm_check(const void *params)
{
    const struct sim_sbm *p = params;
    size_t n = p->nodes_given ? p->nodes : p->kind == GRAPH_LFR ? p->lfr.n : p->planted.n;
    if (p->kind == GRAPH_PLANTED && p->planted.k > n) {
        wk_cli_usage_error("--blocks (%zu) exceeds --nodes (%zu)", p->planted.k, n);
        return WK_EUSAGE;
    }
    if (p->kind == GRAPH_LFR && !(p->lfr.max_degree < (double)n && p->lfr.degree < p->lfr.max_degree)) {
        wk_cli_usage_error("need --degree < --max-degree < --nodes");
        return WK_EUSAGE;
    }
    return 0;
}

/* Neuron-like names: the atlas names when n <= 300, else "n1".."nN". */
static char **node_names(size_t n)
{
    char **names = wk_calloc(n, sizeof *names);
    if (!names) return NULL;
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        if (n <= WK_ATLAS_SIZE) snprintf(buf, sizeof buf, "%s", wk_atlas_name(i));
        else snprintf(buf, sizeof buf, "n%zu", i + 1);
        names[i] = wk_strdup(buf);
        if (!names[i]) {
            wk_strv_free(names, i);
            return NULL;
        }
    }
    return names;
}

static int write_graph(struct wk_file *f, const struct wk_sbm_graph *g, const int *truth, const struct sim_sbm *p,
                       unsigned long seed)
{
    size_t n = g->n;
    hid_t grp;
    int rc = wk_h5_ensure_group(wk_file_hid(f), "/results/simulate/sbm", &grp);
    if (rc < 0) return rc;
    char **names = node_names(n);
    float *m = wk_malloc_array(n * n, sizeof *m);
    if (!names || !m) rc = wk_fail(WK_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n * n; i++) m[i] = (float)g->w[i];
    size_t dims[2] = {n, n};
    if (rc == 0) rc = wk_h5_write_float(grp, "matrix", 2, dims, m);
    if (rc == 0) rc = wk_h5_write_strings(grp, "neurons", n, names);
    if (rc == 0) rc = wk_h5_write_int(grp, "truth", 1, dims, truth);
    if (rc == 0) rc = wk_h5_set_attr_string(grp, "model", "sbm");
    if (rc == 0) rc = wk_h5_set_attr_string(grp, "graph", p->kind == GRAPH_LFR ? "lfr" : "planted");
    if (rc == 0) rc = wk_h5_set_attr_long(grp, "seed", (long)seed);
    if (rc == 0) rc = wk_h5_set_attr_long(grp, "nodes", (long)n);
    if (p->kind == GRAPH_PLANTED) {
        if (rc == 0) rc = wk_h5_set_attr_long(grp, "blocks", (long)p->planted.k);
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "p_in", p->planted.p_in);
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "p_out", p->planted.p_out);
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "w_in", p->planted.w_in);
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "w_out", p->planted.w_out);
    } else {
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "degree", p->lfr.degree);
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "max_degree", p->lfr.max_degree);
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "t1", p->lfr.t1);
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "t2", p->lfr.t2);
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "mu_t", p->lfr.mu_t);
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "mu_w", p->lfr.mu_w);
        if (rc == 0) rc = wk_h5_set_attr_double(grp, "beta", p->lfr.beta);
    }
    if (names) wk_strv_free(names, n);
    free(m);
    H5Gclose(grp);
    return rc;
}

static int sbm_run(struct wk_file *f, const void *params, const struct wk_cli *cli)
{
    struct sim_sbm p = *(const struct sim_sbm *)params;
    if (p.nodes_given) p.planted.n = p.lfr.n = p.nodes;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) return wk_fail(WK_ENOMEM, "out of memory (random number generator)");
    gsl_rng_set(rng, wk_sim_stream_seed(cli->seed, 0));
    struct wk_sbm_graph *g = NULL;
    int *truth = NULL;
    int rc = p.kind == GRAPH_LFR ? wk_sbm_lfr_generate(&g, &truth, &p.lfr, rng)
                                 : wk_sbm_planted_generate(&g, &truth, &p.planted, rng);
    if (rc == 0) rc = write_graph(f, g, truth, &p, cli->seed);
    wk_sbm_graph_free(g);
    free(truth);
    gsl_rng_free(rng);
    return rc;
}

const struct wk_sim_model wk_sim_model_sbm = {
    "sbm",
    "weighted graphs with planted communities (truth: node partition), for worm-sbm",
    "      --graph G          planted or lfr (default planted)\n"
    "  -n, --nodes N          nodes (default 60 planted, 125 lfr)\n"
    "  -k, --blocks K         planted: blocks of equal size (default 3)\n"
    "      --p-in P           planted: edge probability inside a block (default 0.5)\n"
    "      --p-out P          planted: edge probability between blocks (default 0.05)\n"
    "      --w-in W           planted: mean exponential weight inside (default 2)\n"
    "      --w-out W          planted: mean exponential weight between (default 1)\n"
    "      --degree K         lfr: mean degree (default 25)\n"
    "      --max-degree K     lfr: maximum degree (default 100)\n"
    "      --t1 X             lfr: degree exponent (default 2)\n"
    "      --t2 X             lfr: community size exponent (default 1)\n"
    "      --mu-t X           lfr: topological mixing (default 0.5)\n"
    "      --mu-w X           lfr: weight mixing (default 0.5)\n"
    "      --beta X           lfr: strength exponent, s = k^beta (default 1.5)\n"
    "      --min-community N  lfr: smallest community (default: the minimum degree)\n"
    "      --max-community N  lfr: largest community (default: the maximum degree)\n",
    "n:k:",
    sbm_longopts,
    sizeof(struct sim_sbm),
    sbm_defaults,
    sbm_option,
    sbm_check,
    sbm_run,
};
