/* ntf_internal.h - streaming passes over a tensor, shared by the NTF fit
 * and its initialisation.  Never installed. */
#ifndef WK_NTF_INTERNAL_H
#define WK_NTF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "wormkit/wk_ntf.h"

/* Loops smaller than this (in multiply-adds) run on one thread: an OpenMP
 * region costs more than they do.  Never changes results. */
#define WK_OMP_MIN_WORK 1e6

/* Current factors used to impute missing entries (NULL: zero-fill). */
struct ntf_factors {
    size_t R;
    const double *A, *B, *C;
};

/* Order-free sums over worms (ntf_tree.c): the same bits for any split of
 * the worms across MPI ranks.  Usage: reset, then for each local worm in
 * order fill ntf_tree_slot() with its n values and commit it; total (a
 * collective call) gives every rank the sum. */
#define NTF_TREE_MAX 130
struct ntf_tree {
    size_t n, n_max, cap, depth;
    int level[NTF_TREE_MAX];
    uint64_t index[NTF_TREE_MAX];
    double *val; /* [cap][n] */
};
int ntf_tree_init(struct ntf_tree *t, size_t n_max, size_t W);
void ntf_tree_free(struct ntf_tree *t);
void ntf_tree_reset(struct ntf_tree *t, size_t n);
double *ntf_tree_slot(struct ntf_tree *t);
void ntf_tree_commit(struct ntf_tree *t, size_t w);
/* The slot holds node (level, index) of the tree: push it, merging
 * siblings (commit pushes a leaf, level 0). */
void ntf_tree_push(struct ntf_tree *t, int level, uint64_t index);
int ntf_tree_total(struct ntf_tree *t, double *out);
/* The total of this rank's nodes only (no MPI); the tree is emptied. */
void ntf_tree_fold(struct ntf_tree *t, double *out);

/* Contiguous row counts of each rank's worms (wk_mpi_share), times `unit`
 * bytes, for the all-gathers; counts[wk_mpi_size()]. */
size_t *ntf_share_counts(size_t W, size_t unit);

/* A pass visits the worms w0 .. w0+wn-1 of this rank (all without MPI);
 * per-worm arrays (KR, out of pass_right) hold those worms only, local
 * worm 0 first.  Sums over worms go through ntf_tree, so every rank ends
 * with the same totals. */
struct ntf_pass {
    const struct wk_ntf_tensor *X;
    size_t P, T, W;
    size_t w0, wn;        /* this rank's worms */
    struct ntf_tree sum;  /* pass_left: [P][k] */
    struct ntf_tree scal; /* per worm: observed, imputed sums of squares */
    double *mchunk;       /* pass_left: per pair chunk imputed sum of squares */
    size_t nt_max;        /* rows of time per block */
    double *block;        /* [nt_max][P] */
    double *row_obs;      /* [nt_max] sum of squares of observed entries per row */
    double *row_miss;     /* [nt_max] sum of squares of imputed entries per row */
    long *row_neg;        /* [nt_max] first negative observed pair of the row, or -1 */
    double *partial;      /* pass_right: per-chunk partial products */
    double *lt;           /* pass_right: [k][P] the right factor transposed */
    size_t partial_size;
    size_t chunk, nchunks; /* pairs per chunk (products, partial sums) and their number */
    size_t lchunk, nlchunks; /* the same for pass_left (chunk unless no fused pass is possible) */
    size_t nslab;         /* slabs of consecutive chunks (see sum order in ntf_pass.c) */
    double *mcw;          /* fused: [nchunks][W] imputed sums of squares */
    double *slabs;        /* fused: [nslab][W][T][k] each slab's share of Y */
    float *copy;          /* fused: the tensor chunk-major (ntf_pass.c) */
    unsigned char *copy_miss; /* fused: [nchunks] 1 when the chunk has a missing entry */
    size_t slabs_size;
    /* statistics of the last pass */
    double obs, miss;
};

int ntf_pass_init(struct ntf_pass *ps, const struct wk_ntf_tensor *X, size_t kmax);
void ntf_pass_free(struct ntf_pass *ps);

/* Sum of squares of the observed entries; WK_EINVAL (logged) for a
 * negative entry. */
int ntf_pass_stats(struct ntf_pass *ps);
/* out[P][k] = X_(1) KR with KR[((w - w0) T + t) k + j] (e.g. the
 * Khatri-Rao product (C (.) B) as [wn][T][R]), summed over all worms of
 * all ranks (every rank gets out). */
int ntf_pass_left(struct ntf_pass *ps, const double *KR, size_t k, double *out,
                  const struct ntf_factors *f);
/* out[((w - w0) T + t) k + j] = sum_p X[p,t,w] L[p][j], this rank's worms. */
int ntf_pass_right(struct ntf_pass *ps, const double *L, size_t k, double *out,
                   const struct ntf_factors *f);

/* The fused pass (dense tensors, one MPI rank): one read of the tensor
 * per iteration.  Pair chunks small enough to stay in cache are visited
 * once each: their rows of M_A = X_(1) KR, the update of those rows of A
 * (rows are independent given G), and, with the chunk still in cache, its
 * share of Y_w = X(:,:,w)' A_next.  The same products, in the same order, as
 * ntf_pass_left, the update, then ntf_pass_right: the same bits.  The
 * chunks are read from a chunk-major copy of the tensor made by the first
 * call.  ps->miss: as after ntf_pass_left. */
struct ntf_fused {
    size_t k;                    /* rank */
    const double *KR;            /* [W][T][k] Khatri-Rao product (C (.) B) */
    const struct ntf_factors *f; /* current factors (imputation, rows of A) */
    double *A_next;              /* out [P][k]: updated A */
    const double *G;             /* [k][k] Gram of the update of A */
    enum wk_ntf_method method;
    double *MA;                  /* out [P][k] */
    double *Y;                   /* out [W][T][k] */
};
/* 1 when ntf_pass_fused applies to this pass at rank k. */
int ntf_pass_fusable(const struct ntf_pass *ps, size_t k);
int ntf_pass_fused(struct ntf_pass *ps, const struct ntf_fused *fu);

/* Sum of squared residuals over the observed entries of the model
 * sum_r lambda[r] A_r o B_r o C_r (lambda NULL: all 1). */
int ntf_pass_residual(struct ntf_pass *ps, const struct ntf_factors *f, const double *lambda,
                      double *resid2);

/* The randomized-SVD (NNDSVD-style) initialisation of m's factors. */
int ntf_init_svd(struct wk_ntf_model *m, struct ntf_pass *ps, int power_iter, int for_mu,
                 gsl_rng *rng);

/* The products of a pass on a segment of nt rows of time and np pairs
 * (ntf_kernel.c), x[t ld + p] in float32 (_f) or double (_d), sums in
 * double in a fixed order (the same bits for _f and _d on the same values,
 * on every path):
 *   left:  out[p k + j] = (add ? out[p k + j] : 0) + sum_t x[t ld + p] R[t k + j]
 *          (in time order, continuing from out: any split of the rows
 *          into blocks gives the same bits)
 *   right: out[t k + j] = (add ? out[t k + j] + s : s), s = sum_p x[t ld + p] Lt[j ldl + p]
 * for p < np, t < nt, j < k. */
void ntf_kernel_left_f(double *out, const float *x, size_t ld, size_t np, size_t nt, const double *R, size_t k,
                       int add);
void ntf_kernel_left_d(double *out, const double *x, size_t ld, size_t np, size_t nt, const double *R, size_t k,
                       int add);
void ntf_kernel_right_f(double *out, const float *x, size_t ld, size_t nt, size_t np, const double *Lt,
                        size_t ldl, size_t k, int add);
void ntf_kernel_right_d(double *out, const double *x, size_t ld, size_t nt, size_t np, const double *Lt,
                        size_t ldl, size_t k, int add);
/* Lt[j ldl + p] = L[p k + j] for p < np, j < k. */
void ntf_kernel_transpose(double *Lt, size_t ldl, const double *L, size_t np, size_t k);
/* The instruction set the kernels run on: chosen by the processor (AVX2
 * when it has it), or forced (tests; WK_EINVAL when not available, a
 * negative path returns to the processor's choice).  Same bits on both. */
enum { NTF_KERNEL_PORTABLE = 0, NTF_KERNEL_AVX2 = 1 };
int ntf_kernel_path(void);
int ntf_kernel_force(int path);

/* The Grams (ntf_gram) go to OpenBLAS: keep it single-threaded (its
 * threads would only compete with our OpenMP ones). */
void ntf_blas_serial(void);

/* One HALS sweep or multiplicative update of the rows of F [n][R] from
 * M [n][R] and the Gram G [R][R] (ntf.c); each row on its own. */
void ntf_update_rows(enum wk_ntf_method method, double *F, size_t n, size_t R, const double *M, const double *G);

/* G[R][R] = F' F for F [n][R]. */
void ntf_gram(double *G, const double *F, size_t n, size_t R);

/* A saved worm-ntf run (ntf_checkpoint.c): the finished ranks of the
 * sweep and the fit in progress of rank index k. */
struct ntf_ckpt {
    size_t k;                    /* sweep index in progress = finished ranks */
    struct wk_ntf_model **ranks; /* [k] best model of each finished rank */
    double *best, *mean, *stab;  /* [k] */
    struct wk_ntf_state state;   /* the fit in progress (load: owned below) */
    struct wk_ntf_model *model, **done;
    unsigned char *rng;
};
/* Write c's finished ranks and the state s to path (atomically). */
int ntf_ckpt_save(const char *path, const char *signature, const struct ntf_ckpt *c, const struct wk_ntf_state *s);
/* Read a checkpoint of the run `signature` on a P x T x W tensor with a
 * sweep of n_sweep ranks; WK_EINVAL (logged) for another run's. */
int ntf_ckpt_load(struct ntf_ckpt *c, const char *path, const char *signature, size_t P, size_t T, size_t W,
                  size_t n_sweep);
void ntf_ckpt_free(struct ntf_ckpt *c);

#endif
