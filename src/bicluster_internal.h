/* bicluster_internal.h - shared pieces of the worm-bicluster sampler
 * (src/bicluster_*.c); never installed. */
#ifndef WK_BICLUSTER_INTERNAL_H
#define WK_BICLUSTER_INTERNAL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "wormkit/wk_bicluster.h"

/* ---- small dense linear algebra, row-major n x n, double ---- */

/* Cholesky a = L L' in place (lower triangle; the upper is zeroed);
 * WK_ENUMERIC when a is not positive definite. */
int wk_bc_chol(double *a, size_t n);
/* Solve L L' x = b in place (b of length n). */
void wk_bc_chol_solve(const double *l, size_t n, double *b);
/* Inverse from a Cholesky factor into inv. */
void wk_bc_chol_inverse(double *inv, const double *l, size_t n);
/* x += L^{-T} z for z ~ N(0, I): a draw from N(0, (L L')^{-1}). */
void wk_bc_chol_draw_precision(double *x, const double *l, size_t n, gsl_rng *rng);
/* x += L z: a draw from N(0, L L'). */
void wk_bc_chol_draw_covariance(double *x, const double *l, size_t n, gsl_rng *rng);
double wk_bc_chol_logdet(const double *l, size_t n);
/* c = a b (a: n x m, b: m x k). */
void wk_bc_matmul(double *c, const double *a, const double *b, size_t n, size_t m, size_t k);
/* c = a' b (a: m x n, b: m x k). */
void wk_bc_matmul_tn(double *c, const double *a, const double *b, size_t m, size_t n, size_t k);
/* c = a b' (a: n x m, b: k x m). */
void wk_bc_matmul_nt(double *c, const double *a, const double *b, size_t n, size_t m, size_t k);
void wk_bc_symmetrize(double *a, size_t n);
/* The Cholesky factor of A A' + Q (n x n) into l: the covariance of the
 * first bin X_0 = b + A X_{-1} + N(0, Q) with X_{-1} ~ N(0, I);
 * WK_ENUMERIC when it is not positive definite. */
int wk_bc_first_bin_chol(double *l, const double *A, const double *Q, size_t n);
/* A draw of Q ~ inverse-Wishart(S, nu) (S n x n, nu > n - 1). */
int wk_bc_inverse_wishart(double *q, const double *s, double nu, size_t n, gsl_rng *rng, double *work);

/* ---- the chain ---- */

#define WK_BC_MAX_K 64 /* hard ceiling on clusters */

struct wk_bc_data {
    size_t N, T;
    const double *y;   /* [N][T] counts */
};

struct wk_bc_chain {
    const struct wk_bc_data *data;
    struct wk_bicluster_options o;
    size_t P;          /* p + 1 */
    size_t K, D;       /* clusters, K * P */
    size_t L;          /* HDP-HMM truncation */
    int *z;            /* [N] */
    double *X;         /* [T][D] */
    double *d, *c, *r; /* [N], [N][p], [N] */
    int *xi;           /* [T] */
    double *beta, *pi; /* [L], [L][L] */
    double *A, *b, *Q; /* [L][D][D], [L][D], [L][D][D] */
    double *w;         /* [N][T] Polya-Gamma draws */
    double *logv;      /* [N + 1] MFM coefficients */
    gsl_rng *rng;
    long iteration;    /* iterations done */
    /* label references for relabelling the output */
    int *ref_z, *ref_xi;
    int have_ref;
    /* threads for the per-neuron work of one sweep (not part of the state:
     * draws do not depend on it) */
    int threads;
    /* work of the latent update, kept between iterations (grown on demand) */
    double *scratch;
    size_t scratch_len;
};

/* A chain at its start, from k_start clusters (0: as many as the eigengap
 * says); with resuming, a chain of one cluster for a checkpoint to
 * overwrite (the initial clustering is skipped). */
int wk_bc_chain_init(struct wk_bc_chain *ch, const struct wk_bc_data *data, const struct wk_bicluster_options *o,
                     int k_start, unsigned long seed, int resuming);
void wk_bc_chain_free(struct wk_bc_chain *ch);
/* One Gibbs sweep. */
int wk_bc_chain_sweep(struct wk_bc_chain *ch);
/* Resize the dynamics after the cluster set changed: keep[j] is the old
 * index of new cluster j, or -1 for a new cluster. */
int wk_bc_resize_clusters(struct wk_bc_chain *ch, const int *keep, size_t newK, const double *new_block);

/* One bin of a neuron's Polya-Gamma pseudo-observation added to its
 * block's information (J P x P, h P): with psi = d + a'x - log r, the
 * augmented likelihood exp(kappa psi - w psi^2 / 2), kappa = (y - r) / 2,
 * gives J += w a a', h += (kappa - w (d - log r)) a, a = (1, c). */
static inline double wk_bc_pseudo_lin(double y, double r, double logr, double d, double w)
{
    return 0.5 * (y - r) - w * (d - logr);
}

static inline void wk_bc_add_pseudo_obs(double *J, double *h, const double *a, size_t P, double y, double r,
                                        double logr, double d, double w)
{
    double lin = wk_bc_pseudo_lin(y, r, logr, d, w);
    for (size_t u = 0; u < P; u++) {
        h[u] += lin * a[u];
        for (size_t v = 0; v < P; v++) J[u * P + v] += w * a[u] * a[v];
    }
}

/* out[t] = mean of in[u] over |u - t| <= half within 0..T-1 */
void wk_bc_centred_mean(double *out, const double *in, size_t T, size_t half);
/* The starting states: 1 where a sticky two-state segmentation of the
 * population's deviation from its usual rates is high, 0 elsewhere. */
int wk_bc_initial_states(int *xi, const struct wk_bc_data *data);
/* Sticky two-level segmentation of f[0..T): hard EM of two Gaussian levels
 * with the Viterbi path, from a split at the mean; label 1 is the higher. */
int wk_bc_segment_two(int *lab, const double *f, size_t T);

/* The label update's prior G0 of a cluster's block: independent random
 * walks, x_0 ~ N(0, I), steps N(0, WK_BC_G0_STEP_SD^2 I). */
#define WK_BC_G0_STEP_SD 0.1
/* The most clusters the chain may hold (N / 2, and the latent dimension's cap). */
size_t wk_bc_kmax(const struct wk_bc_chain *ch);
/* Remove empty cluster j (its block and dynamics rows; labels above j shift down). */
int wk_bc_drop_cluster(struct wk_bc_chain *ch, size_t j);
/* Append a cluster with block (T x P); its dynamics start at the identity. */
int wk_bc_add_cluster(struct wk_bc_chain *ch, const double *block);
/* tries split-merge attempts on the clusters given this sweep's Polya-Gamma
 * draws (bicluster_splitmerge.c). */
int wk_bc_split_merge(struct wk_bc_chain *ch, int tries);
/* log of the integral over a block (P rows, T bins) of G0 times exp(sum_t
 * h_t'x_t - x_t'J_t x_t / 2) with J = J + J2, h = h + h2 (J2, h2 may be
 * NULL; J [T][P][P], h [T][P]); the posterior information of each bin goes
 * to keep_lam, keep_nu unless NULL.  -INFINITY when a precision fails. */
double wk_bc_block_log_marginal(const double *J, const double *h, const double *J2, const double *h2, size_t T,
                                size_t P, double *keep_lam, double *keep_nu);
/* A block (T x P) drawn from the posterior kept by wk_bc_block_log_marginal. */
int wk_bc_block_draw(double *block, const double *lam_all, const double *nu_all, size_t T, size_t P, gsl_rng *rng);

/* Initial labels z[N] and their number K by sparse subspace clustering of
 * the rows s (N x T): each row pursued on dim others, spectral clustering
 * of the affinity into kfix clusters, or by the eigengap into at most kmax
 * when kfix is 0 (bicluster_init.c). */
int wk_bc_subspace_labels(int *z, size_t *K, const double *s, size_t N, size_t T, size_t dim, size_t kfix,
                          size_t kmax, gsl_rng *rng);

/* At least n doubles of the chain's scratch (contents not kept across
 * calls that grow it); NULL when out of memory. */
double *wk_bc_scratch(struct wk_bc_chain *ch, size_t n);

/* Forward filtering, backward sampling of X (T x D) given per-bin
 * information h (T x D) and a block-diagonal J_t of D / B blocks B x B
 * (J: T x D/B x B x B), under the dynamics of the states xi
 * (bicluster_ffbs.c); work holds wk_bc_ffbs_work_size(T, D, L) doubles for
 * states 0..L-1.  wk_bicluster_ffbs is the case B = D. */
size_t wk_bc_ffbs_work_size(size_t T, size_t D, size_t L);
int wk_bc_ffbs_blocks(double *X, gsl_rng *rng, size_t T, size_t D, size_t B, const double *J, const double *h,
                      const double *A, const double *b, const double *Q, const int *xi, double *work);

/* X_{-1}, the step before the first bin (X_{-1} ~ N(0, I), integrated out
 * by the latent and state updates), drawn given X_0 and the dynamics of
 * xi_0 for the dynamics update (bicluster_mniw.c); work: 3 D^2 + D. */
int wk_bc_draw_presample(double *xpre, struct wk_bc_chain *ch, double *work);

/* The states bin by bin from their conditionals with the latents
 * integrated out, given the pseudo-observations' information (J: T x D/B
 * blocks B x B, h: T x D), the dynamics and pi (bicluster_gck.c). */
int wk_bc_collapsed_states(struct wk_bc_chain *ch, const double *J, const double *h, size_t B);

/* Blocks of the sweep (bicluster_*.c). */
int wk_bc_update_latents(struct wk_bc_chain *ch);
int wk_bc_update_dynamics(struct wk_bc_chain *ch);
int wk_bc_update_states(struct wk_bc_chain *ch);
int wk_bc_update_loadings(struct wk_bc_chain *ch);
int wk_bc_update_dispersion(struct wk_bc_chain *ch);
int wk_bc_project(struct wk_bc_chain *ch);
int wk_bc_update_labels(struct wk_bc_chain *ch);
/* log p(y_i | d_i, r_i, cluster latent block) by the Laplace approximation
 * over c_i; cstar receives the mode (p values) and chol the Cholesky factor
 * of the negative Hessian (p x p). */
double wk_bc_laplace(const struct wk_bc_chain *ch, size_t i, const double *block, size_t stride,
                     double *cstar, double *chol);
/* Log-likelihood of neuron i's counts at log-means eta[T] (clamped to
 * +-700; eta is overwritten), dispersion r, up to terms that depend on
 * neither eta nor r. */
double wk_bc_neuron_loglik(const double *y, double *eta, size_t T, double r);

/* Relabel the current draw's clusters and states to the reference by the
 * Hungarian method (output labels only). */
int wk_bc_relabel(struct wk_bc_chain *ch, int *zout, int *xiout, int *cluster_map);

/* Dispersion (bicluster_sampler.c): the Chinese-restaurant-table count of
 * counts y[T] at dispersion r (sum over t of CRT(y_t, r) draws), and one
 * update of r ~ Gamma(1, 1) given counts y[T] at fixed means lam[T]: table
 * counts, a Gamma(1 + L, 1 - sum log(1 - p)) proposal and its
 * Metropolis-Hastings correction; returns the new r (work: T values). */
double wk_bc_crt_tables(gsl_rng *rng, const double *y, size_t T, double r);
double wk_bc_dispersion_step(gsl_rng *rng, const double *y, const double *lam, size_t T, double r, double *work);

/* The auxiliary cluster's baseline row (bicluster_labels.c): q, the
 * Laplace approximation of a baseline row m[T] given one neuron's counts
 * y[T] at log-rate d + m and dispersion r under the random-walk prior G0
 * (m_0 ~ N(0, 1), steps N(0, 0.01)); its mode and the bidiagonal Cholesky
 * factor (diagonal ld, sub-diagonal lo, inverse diagonal g) of its
 * precision.  _fit fits n <= WK_BC_AUX_GROUP neurons at once (counts y[k],
 * d[k], r[k] into q[k]; each q[k] is what fitting that neuron alone
 * gives); work holds (2 + 4 WK_BC_AUX_GROUP) T values.  _draw writes a
 * draw from q into column 0 of block (stride P, z[T] work); _log_ratio is
 * log G0(m) - log q(m) for a row m with the given stride. */
struct wk_bc_aux_q {
    double *mode, *ld, *lo, *g;
};
#define WK_BC_AUX_GROUP 4 /* neurons fitted at once */
void wk_bc_aux_fit(struct wk_bc_aux_q *q, size_t n, const double *const *y, size_t T, const double *d,
                   const double *r, double *work);
void wk_bc_aux_draw(const struct wk_bc_aux_q *q, double *block, size_t P, size_t T, gsl_rng *rng, double *z);
double wk_bc_aux_log_ratio(const struct wk_bc_aux_q *q, const double *m, size_t stride, size_t T);

/* ---- the forward pass's kernels (bicluster_ffbs.c) ---- */

/* wk_bc_ffbs_blocks with the forward pass chosen: blas 0 for the
 * hand-written row-update kernels, 1 for OpenBLAS (dtrsm, dsyrk, dpotrf on
 * one thread); wk_bc_ffbs_blocks picks OpenBLAS from D = 24 on.  Both are
 * exact; their draws agree to rounding (tests compare them). */
int wk_bc_ffbs_kernel(double *X, gsl_rng *rng, size_t T, size_t D, size_t B, const double *J, const double *h,
                      const double *A, const double *b, const double *Q, const int *xi, double *work, int blas);

/* Iterations in which the label update opens no new cluster (neurons move
 * between the existing ones): before the blocks and loadings fit the
 * starting clusters, a fresh cluster fitted to one neuron beats its own,
 * and on a full-size worm (N 300, T 5000) the first sweep opened clusters
 * up to the cap (30 -> 64), which moves of one neuron at a time merge back
 * only slowly (10 true clusters: K 22 after 16 iterations). */
#define WK_BC_OPEN_WARMUP 10

/* ---- the label update's per-bin passes (bicluster_labels_kernel.c) ---- */

#define WK_BC_MAX_P 7 /* largest latent dimension p */

/* Neuron counts y[T] at log-means eta_t = d + x_t0 + sum_a cv[a] x_ta with
 * x_ta = block[t * tstride + a * astride] (a block of rows stride apart:
 * tstride = stride, astride = 1; rows contiguous in time, the fast case:
 * tstride = 1, astride = T), NB dispersion r, prior c ~ N(0, I_p): returns
 * the log-likelihood (terms depending on eta only) plus the log prior at
 * cv; grad (p) and negh (p x p, full) receive its gradient and negative
 * Hessian in c.  Long passes run in segments on up to `threads` threads,
 * with the same result for any number. */
double wk_bc_laplace_pass(const double *y, size_t T, double d, double r, const double *block, size_t tstride,
                          size_t astride, size_t p, const double *cv, double *grad, double *negh, int threads);
/* Per bin: grad of log p(y | d + m, r) + log G0(m) (m_0 ~ N(0, 1), steps of
 * precision prec) and v, the negative second derivative of the likelihood
 * part. */
void wk_bc_aux_terms(double *grad, double *v, const double *y, const double *m, size_t T, double d, double r,
                     double prec);
/* The sum of log x over n positive normal numbers (within a few ulp of
 * libm's per term). */
double wk_bc_log_sum(const double *x, size_t n);
/* An upper bound on the Laplace value of wk_bc_laplace from one point c:
 * f (wk_bc_laplace_pass's value there), its gradient, the Cholesky factor
 * of its negative Hessian, and xmax >= the norm of the factor rows (1..p)
 * of the block at every bin (INFINITY: unknown); see bicluster_labels.c. */
double wk_bc_laplace_bound(double f, const double *grad, const double *chol, size_t p, double xmax);
/* wk_bc_laplace with Newton's method started at start (p values) instead
 * of 0. */
double wk_bc_laplace_from(const struct wk_bc_chain *ch, size_t i, const double *block, size_t stride,
                          const double *start, double *cstar, double *chol);

#endif
