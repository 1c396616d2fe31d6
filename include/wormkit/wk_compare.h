/* wk_compare.h - scoring a functional adjacency against a reference
 * (a structural connectome today; model ground truths later).
 *
 * A functional adjacency is a square matrix with named rows and columns:
 * w[i][j] is the (signed) influence of neuron i on neuron j, NaN where it was
 * not measured.  Scores use |w|.  Results are a list of named metrics so that
 * every comparison prints the same "metric<TAB>value" table.
 */
#ifndef WK_COMPARE_H
#define WK_COMPARE_H

#include <stdio.h>
#include <stddef.h>

#include "wk_connectome.h"

struct wk_compare_matrix {
    size_t n;
    char **names;   /* [n] */
    double *w;      /* [n*n] row-major; NaN = not measured */
};

void wk_compare_matrix_free(struct wk_compare_matrix *m);

/* Read a matrix:
 *  - "FILE:/path/to/dataset" when FILE is an HDF5 file: a rank-2 n x n
 *    dataset; names from a string dataset "neurons" (or "label") beside it,
 *    else the atlas order when n == 300;
 *  - otherwise a TSV/CSV table ("-" = stdin): a header of column names (with
 *    or without a corner cell), then one row per neuron, its name first.
 *    Rows may come in any order but must name the same neurons as the
 *    columns.  Empty, "nan" and "NA" cells are NaN. */
int wk_compare_matrix_read(struct wk_compare_matrix **out, const char *spec);
int wk_compare_matrix_read_text(struct wk_compare_matrix **out, const char *path);
int wk_compare_matrix_read_h5(struct wk_compare_matrix **out, const char *file,
                              const char *dataset);
/* In place: w[i][j] <-> w[j][i]. */
void wk_compare_matrix_transpose(struct wk_compare_matrix *m);

/* --- results --- */

#define WK_COMPARE_MAX_METRICS 32

struct wk_metric {
    const char *name;  /* static string */
    double value;      /* NaN when undefined (e.g. precision with no prediction) */
};

struct wk_compare_result {
    size_t n;
    struct wk_metric metric[WK_COMPARE_MAX_METRICS];
};

void wk_compare_result_init(struct wk_compare_result *r);
/* Append a metric (silently ignored beyond WK_COMPARE_MAX_METRICS). */
void wk_compare_result_add(struct wk_compare_result *r, const char *name, double value);
/* "metric<TAB>value" header, then one line per metric (numbers in %.10g,
 * NaN as "nan"). */
int wk_compare_result_write(FILE *fp, const char *name, const struct wk_compare_result *r);

/* A --truth file in which no kind of truth was found: logs why (the file
 * cannot be opened, or it holds none) and returns the error code. */
int wk_compare_truth_missing(const char *path);

/* --- building blocks --- */

struct wk_compare_counts {
    size_t tp, fp, fn, tn;
};
/* precision = tp/(tp+fp), recall = tp/(tp+fn), f1 = 2pr/(p+r); NaN when a
 * denominator is 0 (f1 is 0 when p + r == 0 and both are defined). */
void wk_compare_prf(const struct wk_compare_counts *c, double *precision, double *recall,
                    double *f1);

/* Average precision (the step-wise area under the precision-recall curve,
 * as scikit-learn's average_precision_score): pairs ranked by descending
 * score, tied scores entering together as one threshold,
 * AP = sum over thresholds of (R_k - R_{k-1}) * P_k.  NaN when no positive.
 * Returns 0 or WK_ENOMEM. */
int wk_compare_average_precision(double *ap, const double *score, const unsigned char *truth,
                                 size_t n);

/* Spearman rank correlation: Pearson correlation of the ranks, ties given
 * their average rank.  NaN when n < 2 or a side is constant. */
int wk_compare_spearman(double *rho, const double *x, const double *y, size_t n);

/* --- structural connectome as the reference --- */

enum wk_compare_edges { WK_COMPARE_ANY = 0, WK_COMPARE_CHEM = 1, WK_COMPARE_GAP = 2 };

struct wk_compare_options {
    double threshold;             /* predicted edge: |w| > threshold */
    enum wk_compare_edges edges;  /* structural edge: chem, gap or either nonzero */
    int undirected;               /* 0: ordered pairs; 1: unordered pairs */
};
void wk_compare_options_init(struct wk_compare_options *o);

/* Score m against c over the shared neurons: the neurons of m that are in
 * the atlas and have at least one chemical or gap edge in c.  Pairs i != j
 * with a finite weight are scored (undirected: the pair {i,j} counts once,
 * weight max(|w_ij|, |w_ji|) over the finite ones, structural weight
 * chem_ij + chem_ji (+ gap)).  Metrics: neurons, pairs, structural_edges,
 * predicted_edges, true_positives, precision, recall, f1,
 * average_precision, spearman, spearman_pairs; Spearman over the pairs
 * where both the structural weight and w are nonzero. */
int wk_compare_connectome(struct wk_compare_result *r, const struct wk_compare_matrix *m,
                          const struct wk_connectome *c, const struct wk_compare_options *o);

#endif
