/* wk_sbm.h - weighted stochastic block models (worm-sbm): community
 * detection by minimum description length, flat and nested, with a
 * Louvain (modularity) baseline and benchmark graphs with known truth.
 *
 * A graph is undirected and simple: n nodes, an edge between i and j when
 * w[i][j] != 0 (the weight, finite); the diagonal is ignored.
 *
 * Description length (nats) of a partition b of the n nodes into B
 * non-empty blocks of sizes n_r, with e_rs edges between blocks r != s and
 * e_rr edges inside r, E edges in all, weight sums x_rs (and sums of
 * squares) per block pair:
 *
 *   DL = S_partition + S_edge_counts + S_graph + S_weights
 *   S_partition   = ln C(n-1, B-1) + ln n! - sum_r ln n_r! + ln n
 *   S_edge_counts = ln multiset(B(B+1)/2, E)          (flat model)
 *   S_graph, not degree-corrected (microcanonical simple graph):
 *       sum_{r<s} ln C(n_r n_s, e_rs) + sum_r ln C(n_r (n_r - 1)/2, e_rr)
 *   S_graph, degree-corrected (configuration model, uniform degree prior):
 *       sum_r [ln e_r! + ln multiset(n_r, e_r)] - sum_{r<s} ln e_rs!
 *       - sum_r [ln e_rr! + e_rr ln 2] - sum_i ln k_i!
 *     with e_r = sum_{s != r} e_rs + 2 e_rr and k_i the degree of node i.
 *   S_weights, exponential: per block pair with m = e_rs edges and weight
 *     sum x, the rate integrated over a Gamma(1, xbar) prior (xbar = mean
 *     weight of all edges):  -ln xbar - ln m! + (m + 1) ln(xbar + x)
 *   S_weights, normal: per block pair, mean and precision integrated over a
 *     Normal-Gamma prior (mu0 = mean weight, kappa0 = 1, alpha0 = 1,
 *     beta0 = variance of the weights): -ln of the marginal density.
 * multiset(a, k) = C(a + k - 1, k).  Weights are continuous, so S_weights
 * is a negative log density (it may be negative).
 *
 * Nested model: level 0 partitions the nodes into B_0 blocks; level l + 1
 * partitions the B_l blocks of level l, whose edge counts form a
 * multigraph, down to a single block.  S_edge_counts is replaced by the
 * description of each level's multigraph given the next:
 *   sum_{r<s} ln multiset(n_r n_s, e_rs) + sum_r ln multiset(n_r (n_r+1)/2, e_rr)
 * plus S_partition of every level.
 *
 * Inference (per model): agglomerative merges from singletons (the best
 * merge of each block, applied greedily until the number of blocks falls
 * by a factor 1.5), node sweeps once blocks are few, the state of minimum
 * DL kept; then merge-split MCMC sweeps (single-node moves, merges of
 * block pairs, splits of a block grown from two random seeds), annealed
 * from inverse temperature 1 to greedy, keeping the best state.  Levels of
 * the nested model are inferred bottom-up on the block multigraph until a
 * level has one block. */
#ifndef WK_SBM_H
#define WK_SBM_H

#include <stddef.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>
#include <hdf5.h>

struct wk_file;

#define WK_SBM_MAX_NODES 4000
#define WK_SBM_MAX_LEVELS 32

enum wk_sbm_weights { WK_SBM_WEIGHTS_NONE = 0, WK_SBM_WEIGHTS_EXPONENTIAL = 1, WK_SBM_WEIGHTS_NORMAL = 2 };
enum wk_sbm_degree { WK_SBM_DEGREE_AUTO = 0, WK_SBM_DEGREE_PLAIN = 1, WK_SBM_DEGREE_CORRECTED = 2 };
enum wk_sbm_method { WK_SBM_METHOD_SBM = 0, WK_SBM_METHOD_LOUVAIN = 1 };

/* "none"/"exponential"/"normal", "auto"/"plain"/"dc", "sbm"/"louvain":
 * 0 or WK_EINVAL without logging. */
int wk_sbm_weights_from_name(const char *name, enum wk_sbm_weights *out);
int wk_sbm_degree_from_name(const char *name, enum wk_sbm_degree *out);
int wk_sbm_method_from_name(const char *name, enum wk_sbm_method *out);
const char *wk_sbm_weights_name(enum wk_sbm_weights w);

struct wk_sbm_opts {
    enum wk_sbm_method method;   /* sbm */
    enum wk_sbm_weights weights; /* exponential */
    enum wk_sbm_degree degree;   /* auto: both, the shorter DL kept */
    int nested;                  /* 1: hierarchy above level 0 */
    int sweeps;                  /* merge-split MCMC sweeps (default 40) */
};
void wk_sbm_opts_init(struct wk_sbm_opts *o);

/* A graph: dense symmetric weights, 0 = no edge. */
struct wk_sbm_graph {
    size_t n;
    double *w; /* [n*n] */
};
/* From a square matrix (row-major, NaN = no edge): w = (a_ij + a_ji) / 2
 * with NaN taken as 0.  `what` names the input in messages.  WK_EINVAL
 * (logged) on an infinite value, or a negative weight with exponential
 * weights. */
int wk_sbm_graph_from_matrix(struct wk_sbm_graph **out, const double *a, size_t n,
                             enum wk_sbm_weights weights, const char *what);
void wk_sbm_graph_free(struct wk_sbm_graph *g);

/* The result: labels per level (level 0 = nodes), 0..B_l-1 numbered by
 * first appearance. */
struct wk_sbm_result {
    size_t n, levels;
    int *labels;      /* [levels][n]: block of node i at level l */
    size_t *blocks;   /* [levels] B_l */
    double dl;        /* description length of the kept model (nats); NaN for louvain */
    double dl_plain, dl_dc; /* flat DL of each degree model (NaN when not fitted) */
    int degree_corrected;
    double modularity; /* of level 0 (weighted) */
};
void wk_sbm_result_free(struct wk_sbm_result *r);

/* Description length of a flat partition b (labels 0..k-1, any k). */
double wk_sbm_dl(const struct wk_sbm_graph *g, const int *b, enum wk_sbm_weights weights, int dc);

/* Weighted modularity (Newman) of partition b. */
double wk_sbm_modularity(const struct wk_sbm_graph *g, const int *b);

/* Infer: the SBM (flat, or nested when o->nested) or Louvain (one level).
 * Deterministic in the rng's state; single-threaded.  0 or WK_E*. */
int wk_sbm_fit(struct wk_sbm_result **out, const struct wk_sbm_graph *g, const struct wk_sbm_opts *o,
               gsl_rng *rng);

/* Louvain (Blondel et al. 2008) on the weights, nodes visited in an order
 * shuffled by rng: the partition of the last level into b[n]. */
int wk_sbm_louvain(int *b, const struct wk_sbm_graph *g, gsl_rng *rng);

/* ---- benchmark graphs ---- */

/* Planted partition: n nodes in k blocks of (nearly) equal sizes (node i
 * in block i * k / n); an edge with probability p_in inside a block,
 * p_out between; weight exponential with mean w_in or w_out. */
struct wk_sbm_planted {
    size_t n, k;
    double p_in, p_out, w_in, w_out;
};
/* LFR-style weighted benchmark (Lancichinetti & Fortunato 2009):
 * degrees from a power law of exponent t1 on [kmin, kmax] with kmin set so
 * that the mean is `degree`; community sizes from a power law of exponent
 * t2 on [cmin, cmax] (0 = kmin, kmax) summing to n; a fraction mu_t of
 * each node's edges leaves its community (configuration model inside and
 * between; stubs that would make a self-loop or a repeated edge are
 * matched again, then placed by degree-preserving rewiring, else dropped);
 * strengths s_i = k_i^beta,
 * a fraction mu_w of them on external edges: an edge carries the mean of
 * its two ends' per-edge share of internal or external strength. */
struct wk_sbm_lfr {
    size_t n;
    double degree, max_degree, t1, t2, mu_t, mu_w, beta;
    size_t cmin, cmax;
};
void wk_sbm_planted_defaults(struct wk_sbm_planted *p);
void wk_sbm_lfr_defaults(struct wk_sbm_lfr *p);
/* A graph and its truth (truth[n], communities 0..). 0 or WK_E* (logged). */
int wk_sbm_planted_generate(struct wk_sbm_graph **g, int **truth, const struct wk_sbm_planted *p, gsl_rng *rng);
int wk_sbm_lfr_generate(struct wk_sbm_graph **g, int **truth, const struct wk_sbm_lfr *p, gsl_rng *rng);

/* ---- worm-sbm inputs and outputs ---- */

/* Named graphs to analyse: every component of a worm-ntf result, or one
 * matrix. */
struct wk_sbm_input {
    size_t n_graphs, n;
    char **names;          /* [n] neuron names */
    double **matrices;     /* [n_graphs] n x n */
    int *component;        /* [n_graphs] 1-based component number (1 for a matrix) */
    int from_ntf;
    struct wk_file *file;  /* the worm-ntf file (open, for its history), or NULL */
};
/* spec: a wormkit file with /results/ntf (rank: the rank_<R> group of a
 * sweep, 0 = the file's single model), or a matrix (wk_compare_matrix_read
 * forms).  component 0 = all. */
int wk_sbm_input_read(struct wk_sbm_input **out, const char *spec, long rank, int component);
void wk_sbm_input_free(struct wk_sbm_input *in);

/* Write /results/sbm/component_<k> groups (layout in worm-sbm(1)). */
int wk_sbm_write_result(hid_t loc, const struct wk_sbm_result *r,
                        const struct wk_sbm_graph *g, char *const *names, int component,
                        const struct wk_sbm_opts *o);
/* TSV lines "component level neuron block" (header when header != 0). */
int wk_sbm_write_tsv(FILE *fp, const struct wk_sbm_result *r, char *const *names, int component, int header);

/* ---- the worm-sbm run ---- */

struct wk_cli;
struct wk_sbm_run {
    struct wk_sbm_opts fit;
    long rank;          /* worm-ntf rank sweep: the model of this rank (0: the single model) */
    int component;      /* 1-based; 0 = every component */
    const char *tsv;    /* TSV table path ("-" = stdout) or NULL */
};
/* Read cli->files[0] (or stdin: a wormkit file), fit every component (in
 * parallel; component k uses RNG stream k of cli->seed), write a new
 * wormkit file (cli->output or stdout) with the input's history, its
 * /results/ntf, and /results/sbm; then the TSV. */
int wk_sbm_run(const struct wk_cli *cli, const struct wk_sbm_run *run);

/* A node partition by neuron name: "FILE:/dataset" (int [n] or [L][n],
 * row 0 used; names from "neurons" beside it), a wormkit FILE (see
 * wk_sbm_partition_spec), or a TSV table with a
 * header naming the columns "neuron" and "block" (rows with a "level"
 * other than 0, or a "component" other than the first one seen, are
 * skipped). */
int wk_sbm_partition_read(char ***names, int **labels, size_t *n, const char *spec);
/* 1 when spec names a node partition: "FILE:/dataset", a text file, or a
 * wormkit file holding /results/simulate/sbm or /results/sbm (whose
 * truth, or level 0 of component 1, is then used). */
int wk_sbm_partition_spec(const char *spec);
/* worm-compare --truth for node partitions: metrics nmi, ari, neurons
 * (compared: the truth's neurons found in the estimate, by name),
 * blocks_truth, blocks_estimate. */
struct wk_compare_result;
int wk_sbm_compare_partitions(struct wk_compare_result *r, const char *estimate, const char *truth);

#endif
