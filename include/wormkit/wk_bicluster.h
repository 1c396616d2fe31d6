/* wk_bicluster.h - Bayesian bi-clustering of neural spike counts
 * (worm-bicluster; Wei, Stevenson & Wang 2023).
 *
 * Counts y[i][t] ~ NB(r_i, mean lambda[i][t]) (or Poisson), log lambda =
 * d_i + mu_t^(z_i) + c_i' x_t^(z_i).  Each neuron cluster j has a (p+1) x T
 * latent block (row 0 the baseline mu^(j), rows 1..p the factors); the
 * stacked blocks X_t (D = K(p+1)) follow switching linear dynamics
 * X_t = b_l + A_l X_{t-1} + N(0, Q_l) with l = xi_t, the state of bin t
 * (xi_t governs the transition X_{t-1} -> X_t; xi_0 has no transition).
 * States: weak-limit sticky HDP-HMM with L states; clusters: mixture of
 * finite mixtures with K ~ Geometric(r_K) truncated at N/2.
 * See worm-bicluster(1) for the sampler and the output layout. */
#ifndef WK_BICLUSTER_H
#define WK_BICLUSTER_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "wk_cli.h"
#include "wk_file.h"

#define WK_BICLUSTER_MAX_STARTS 16 /* values of --init-clusters */

struct wk_bicluster_options {
    long iterations;      /* total iterations per chain (default 1000) */
    long burnin;          /* iterations discarded by summaries; -1: 25% (default) */
    long thin;            /* keep every thin-th iteration (1) */
    int chains;           /* independent chains, run in parallel threads (1) */
    int latent_dim;       /* p (2) */
    int states;           /* truncation L of the HDP-HMM (10) */
    /* clusters at the start of chain c: init_clusters[c % n_init_clusters];
     * none (n_init_clusters 0): by the eigengap of a subspace affinity, <= min(N/2, 8) */
    int init_clusters[WK_BICLUSTER_MAX_STARTS];
    int n_init_clusters;
    int poisson;          /* Poisson observations instead of negative binomial */
    double alpha, gamma, kappa; /* HDP-HMM concentration, top level, stickiness (5, 5, 10) */
    double r_k;           /* MFM: K ~ Geometric(r_k) (0.2) */
    double mfm_gamma;     /* MFM: weights ~ Dir_K(mfm_gamma) (1) */
    int split_merge;      /* split-merge attempts per iteration (0: none) */
    int collapsed_states; /* also draw the states with the latents integrated out (0) */
    int save_params;      /* also stream d, c, r and the latents X */
    const char *recording;/* recording id; NULL: the first */
    const char *checkpoint; /* checkpoint file, NULL: none */
    long checkpoint_every;  /* iterations between checkpoints (100) */
};

void wk_bicluster_options_init(struct wk_bicluster_options *o);

/* Read the counts of one recording of `input`, run the chains, stream the
 * draws into /results/bicluster of `output` (not committed). */
int wk_bicluster_run(struct wk_file *output, const char *input, const struct wk_bicluster_options *o,
                     const struct wk_cli *cli);

/* Summaries of a file written by wk_bicluster_run into
 * /results/bicluster/summary of `output`; burnin < 0 uses the run's. */
int wk_bicluster_summarize(struct wk_file *output, const char *input, long burnin, long thin);

/* Score the maxPEAR point estimates of a summarized fit against the truth
 * of worm-simulate bicluster (truth_file may be the fit itself, which keeps
 * /results/simulate): neuron_ari, neuron_nmi, clusters_true,
 * clusters_estimated, state_ari, state_accuracy (after the best one-to-one
 * relabelling), state_mismatched_bins, state_majority_mismatched_bins (each
 * estimated state read as its majority true state), states_true,
 * states_estimated. */
struct wk_compare_result;
int wk_compare_bicluster(struct wk_compare_result *r, const char *fit_file, const char *truth_file);
/* 1 when spec names an HDF5 file holding a worm-simulate bicluster truth
 * (a /results/simulate/<id> group with model "bicluster"), else 0; never logs. */
int wk_bicluster_truth_spec(const char *spec);

/* ---- sampler kernels (exposed for tests) ---- */

/* Forward-filtering backward-sampling of X[T][D] under switching linear
 * dynamics, in information form: observation information J[t] (D x D) and
 * h[t] (D) per bin, dynamics A[l] (D x D), b[l] (D), Q[l] (D x D), state
 * xi[t] of the step X_{t-1} -> X_t for t >= 0, from X_{-1} ~ N(0, I)
 * (integrated out).  Matrices row-major.  0 or WK_ENUMERIC
 * (a matrix not positive definite) or WK_ENOMEM. */
int wk_bicluster_ffbs(double *X, gsl_rng *rng, size_t T, size_t D, const double *J, const double *h,
                      const double *A, const double *b, const double *Q, const int *xi);

/* A Chinese-restaurant-table count: the number of tables after n customers
 * with concentration a (sum of Bernoulli(a / (a + c)), c = 0..n-1). */
long wk_bicluster_crt(gsl_rng *rng, long n, double a);

/* One Gibbs update of the weak-limit sticky HDP-HMM given the state
 * sequence xi[0..T-1] (values 0..L-1): table counts with the sticky
 * override correction, beta ~ Dir(gamma/L + mbar), then each row
 * pi[l] ~ Dir(alpha beta + kappa e_l + n_l).  beta[L] and pi[L][L] are
 * replaced. */
void wk_bicluster_hdp_update(double *beta, double *pi, gsl_rng *rng, const int *xi, size_t T, size_t L,
                             double alpha, double gamma, double kappa);

/* log V_n(t), t = 1..n, of the mixture of finite mixtures with
 * p(K = k) proportional to r (1-r)^(k-1) on k = 1..kmax and Dir_k(g) weights:
 * V_n(t) = sum_k k!/(k-t)! Gamma(g k) / Gamma(g k + n) p(k).
 * logv[0] is set to -inf; logv has n + 1 entries. */
int wk_bicluster_mfm_logv(double *logv, size_t n, size_t kmax, double r, double g);

#endif
