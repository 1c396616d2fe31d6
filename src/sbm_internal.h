/* sbm_internal.h - the block state shared by the SBM inference files. */
#ifndef WK_SBM_INTERNAL_H
#define WK_SBM_INTERNAL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "wormkit/wk_sbm.h"

enum sbm_kind {
    SBM_SIMPLE_PLAIN = 0, /* level 0, not degree-corrected */
    SBM_SIMPLE_DC = 1,    /* level 0, degree-corrected */
    SBM_MULTI = 2         /* an upper level of the nested model: a multigraph */
};

/* A level's graph: cnt[i*n+j] edges between i != j, cnt[i*n+i] self-loops;
 * x, x2 weight sums per node pair (level 0 only, else NULL). */
struct sbm_graph {
    size_t n;
    long *cnt;
    double *x, *x2;
    long *deg;    /* [n] */
    long E;
    double const_term; /* partition-independent part of the DL */
};

/* Everything the DL terms need, shared by all states of a level. */
struct sbm_model {
    enum sbm_kind kind;
    enum wk_sbm_weights weights;
    double xbar, var;  /* weight prior */
    double ln_xbar;
    double *lnfact;    /* ln k! for k < n_lnfact */
    size_t n_lnfact;
};

struct sbm_state {
    const struct sbm_graph *g;
    const struct sbm_model *m;
    size_t n, B;
    int *b;          /* [n] */
    long *nr, *er;   /* [n] block sizes and degrees */
    long *ers;       /* [n*n]; diagonal = edges inside the block */
    double *xrs, *x2rs;
    int *active;     /* [B] the non-empty blocks */
    int *pos;        /* [n] position of a block in active, -1 when empty */
    double dl;
    /* scratch */
    long *cv;
    double *xv, *x2v;
};

double sbm_lnfact(const struct sbm_model *m, long k);
double sbm_lnC(const struct sbm_model *m, long a, long k);
double sbm_state_dl(const struct sbm_state *s); /* from scratch */
int sbm_state_alloc(struct sbm_state **out, const struct sbm_graph *g, const struct sbm_model *m);
void sbm_state_free(struct sbm_state *s);
void sbm_state_set(struct sbm_state *s, const int *b); /* labels 0..n-1 */
int sbm_state_copy(struct sbm_state *dst, const struct sbm_state *src);
void sbm_node_stats(struct sbm_state *s, int v);
double sbm_move_delta(const struct sbm_state *s, int v, int t);
void sbm_move_apply(struct sbm_state *s, int v, int t, double delta);
void sbm_pair_terms(const struct sbm_state *s, double *cache); /* [n*n] */
double sbm_merge_delta(const struct sbm_state *s, int r, int t, const double *cache);
void sbm_merge_apply(struct sbm_state *s, int r, int t);
/* Infer a partition by merges and merge-split sweeps. */
int sbm_infer(struct sbm_state *s, int sweeps, gsl_rng *rng);

#endif
