/* wk_glm.h - switching generalized linear models with none / Gaussian /
 * one-hot connectivity priors (worm-glm).
 *
 * Data: counts (or traces) x[t][n] of N neurons in one or more sequences.
 * A hidden Markov state z_t in 0..S-1 (initial p0, transitions P) selects a
 * weight matrix W_z; the history input c[t][m] = sum_{k=1..L} phi_k x[t-k][m]
 * (phi a fixed exponential kernel, zeros before t = 0) drives
 *     u[t][n] = bias[n] + sum_m W_z[n][m] c[t][m]
 * and x[t][n] ~ Poisson(f) or Bernoulli(f), f = (1-1e-8) sigmoid(u) + 1e-8,
 * or Gaussian(u, var[n]).  NaN observations are missing: they add nothing
 * to the likelihood and count as 0 in the history.
 *
 * Priors on W: none; gaussian (W_s ~ N(mean over states, sigma^2));
 * onehot (W_s = (A_s[+] - A_s[-]) softplus(rho_s), A_s one-hot over
 * {-, 0, +}, Concrete prior with class probabilities pibar shared by the
 * states, variational posterior Categorical(softmax(l_s))).
 *
 * Fit: generalized EM over all training sequences at once (E-step: log-
 * space forward-backward of every sequence; M-step: Fisher scoring per
 * neuron, or Adam on the expected complete-data log-likelihood; transitions
 * in closed form from the expected counts pooled over sequences).
 */
#ifndef WK_GLM_H
#define WK_GLM_H

#include <stddef.h>

#define WK_GLM_EPS 1e-8         /* rate floor of the link */
#define WK_GLM_LOGP_MIN (-8.0)  /* clamp of log transition probabilities */
#define WK_GLM_MAX_STATES 64
#define WK_GLM_MAX_LAGS 1000

enum wk_glm_obs { WK_GLM_POISSON = 0, WK_GLM_BERNOULLI, WK_GLM_GAUSSIAN };
enum wk_glm_prior { WK_GLM_PRIOR_NONE = 0, WK_GLM_PRIOR_GAUSSIAN, WK_GLM_PRIOR_ONEHOT };
enum wk_glm_mstep { WK_GLM_MSTEP_NEWTON = 0, WK_GLM_MSTEP_ADAM };

/* Class order of the one-hot adjacency. */
enum { WK_GLM_INH = 0, WK_GLM_NONE = 1, WK_GLM_EXC = 2 };

struct wk_glm_opts {
    size_t states;            /* S (3) */
    size_t lags;              /* L (5) */
    double decay;             /* b of the kernel (1) */
    double span;              /* kernel span; dt = span / L (5) */
    int self;                 /* 1: W[n][n] free; 0: fixed at 0 (1) */
    enum wk_glm_obs obs;      /* poisson */
    enum wk_glm_prior prior;  /* none */
    enum wk_glm_mstep mstep;  /* newton */
    size_t epochs;            /* EM iterations (10 newton, 10 adam) */
    size_t steps;             /* Adam steps per epoch (adam), or per Fisher-scoring
                                 iteration on the local quadratic model (newton,
                                 onehot prior) (50) */
    size_t newton;            /* Fisher-scoring iterations per epoch (newton) (1) */
    double tol;               /* stop when the training log-likelihood gains less
                                 than tol * |value| in an epoch (0: never) (1e-7) */
    double lr;                /* Adam learning rate (0.01) */
    double sigma;             /* gaussian prior sd (1/3) */
    double tau;               /* Concrete temperature (0.2) */
    double stay;              /* initial diagonal of P (0.98) */
    double onehot_lr;         /* Adam learning rate on the quadratic model (newton,
                                 onehot) (0.03) */
    double init_scale;        /* sd of the random initial weights (0.1) */
    int fix_pibar;            /* 1: pibar stays at its initial value (0) */
    int random_init;          /* 1: start EM from the random weights; 0: from
                                 k-means of windows of the data (0) */
    unsigned long seed;       /* (1) */
};

void wk_glm_opts_init(struct wk_glm_opts *o);
/* 0 or WK_EINVAL after logging the first bad value. */
int wk_glm_opts_check(const struct wk_glm_opts *o);

/* The history kernel phi[0..L-1] (phi[0] is lag 1). */
void wk_glm_kernel(double *phi, size_t lags, double decay, double span);

/* One sequence: x is borrowed ([T][N], row-major, NaN = missing); the
 * history c [T][N] is owned. */
struct wk_glm_seq {
    size_t T;
    const float *x;
    double *c;
};

/* Training or test data: n sequences of the same N neurons. */
struct wk_glm_data {
    size_t N, n;
    struct wk_glm_seq *seq;
};

/* Allocate the sequences and compute their history inputs with the kernel
 * of o; x[i] points into caller memory that must outlive data. */
int wk_glm_data_alloc(struct wk_glm_data **out, size_t N, size_t n, const float *const *x,
                      const size_t *T, const struct wk_glm_opts *o);
void wk_glm_data_free(struct wk_glm_data *d);
size_t wk_glm_data_samples(const struct wk_glm_data *d); /* sum of T */

struct wk_glm_model {
    size_t S, N;
    enum wk_glm_obs obs;
    enum wk_glm_prior prior;
    int self;
    double sigma, tau;
    int fix_pibar;
    double *W;      /* [S][N][N]: W[s][n][m] weight from m onto n (effective) */
    double *bias;   /* [N] */
    double *var;    /* [N] gaussian observation variance */
    double *logp0;  /* [S] */
    double *logP;   /* [S][S] log P[from][to] */
    /* onehot only (NULL otherwise) */
    double *logit;  /* [S][N][N][3] variational logits l */
    double *rho;    /* [S][N][N] strength before softplus */
    double *pilogit;/* [N][N][3] logits of pibar */
};

struct wk_glm_model *wk_glm_model_alloc(size_t S, size_t N, const struct wk_glm_opts *o);
void wk_glm_model_free(struct wk_glm_model *m);
/* Copy all parameters of src into dst (same sizes and prior). */
void wk_glm_model_copy(struct wk_glm_model *dst, const struct wk_glm_model *src);
/* Initial values: uniform p0, P with `stay` on the diagonal, bias 0,
 * var 1, weights N(0, init_scale^2) drawn from the seed (so states
 * differ); onehot: logits and pibar at log(0.2/0.6/0.2), rho so that
 * softplus(rho) = 1 and l shifted by the random draw. */
void wk_glm_model_init(struct wk_glm_model *m, const struct wk_glm_opts *o);
/* onehot: W from the posterior mean of A, (q+ - q-) softplus(rho). */
void wk_glm_onehot_weights(struct wk_glm_model *m);

/* ---- likelihood ---- */

/* Log-density of one observation x given u, and its first derivative and
 * Fisher weight with respect to u (any of d1/w may be NULL).  var is the
 * Gaussian variance (ignored otherwise). */
double wk_glm_obs_loglik(enum wk_glm_obs obs, double x, double u, double var, double *d1,
                         double *w);

/* Observation log-likelihoods ll[t][s] of a sequence under each state. */
int wk_glm_emission(double *ll, const struct wk_glm_model *m, const struct wk_glm_seq *q);

/* ---- forward-backward ---- */

/* Posterior marginals gamma [T][S] and expected transition counts xi [S][S]
 * (summed over t, added to xi) from emissions ll [T][S]; returns the
 * marginal log-likelihood through *loglik. */
int wk_glm_forward_backward(double *gamma, double *xi, double *loglik, const double *ll,
                            size_t T, size_t S, const double *logp0, const double *logP);
/* Marginal log-likelihood only (forward pass). */
double wk_glm_forward(const double *ll, size_t T, size_t S, const double *logp0, const double *logP);
/* Most probable path. */
int wk_glm_viterbi(int *path, const double *ll, size_t T, size_t S, const double *logp0,
                   const double *logP);

/* Marginal log-likelihood of every sequence of d (sum), by the forward
 * algorithm; per-sequence values in per_seq when not NULL. */
int wk_glm_loglik(double *total, double *per_seq, const struct wk_glm_model *m,
                  const struct wk_glm_data *d);

/* ---- objective and gradients (exposed for the tests) ---- */

/* Expected complete-data log-likelihood of the observations given
 * posteriors gamma ([sum T][S], sequences concatenated; without the
 * parameter-free Poisson term -log x!), plus the log prior
 * of the weights (none: 0; gaussian: sum log N(W | mean over states,
 * sigma^2) with the mean held at its current value; onehot: see
 * wk_glm_onehot_objective).  For none/gaussian, gradients with respect to
 * W (gW [S][N][N]) and bias (gb [N]) when not NULL. */
int wk_glm_objective(double *value, double *gW, double *gb, const struct wk_glm_model *m,
                     const struct wk_glm_data *d, const double *gamma, const double *Wbar);

/* One-hot objective at Gumbel noise g [N][S][N][3] (NULL: no noise): the
 * relaxed sample is A = softmax((l + g) / tau), W = (A+ - A-) softplus(rho)
 * (0 on the diagonal without self-coupling), and the value is the data
 * term at W + sum log Concrete(A | pibar, tau) - log Concrete(A | softmax(l),
 * tau).  Gradients with respect to l [S][N][N][3], rho [S][N][N], the pibar
 * logits [N][N][3] and the bias [N] when the pointers are not NULL. */
int wk_glm_onehot_objective(double *value, double *gl, double *grho, double *gpi, double *gb,
                            const struct wk_glm_model *m, const struct wk_glm_data *d,
                            const double *gamma, const double *gumbel);

/* Concrete (Gumbel-softmax) log-density of a point x on the K-simplex,
 * given as logx = log x, for log class weights loga (unnormalised is fine)
 * and temperature tau; gradients with respect to logx and loga when not
 * NULL:  lgamma(K) + (K-1) ln tau + sum_k (ln a_k - (tau+1) ln x_k)
 *        - K logsumexp_k(ln a_k - tau ln x_k)  (density over the first K-1
 * coordinates). */
double wk_glm_concrete_logpdf(const double *logx, const double *loga, size_t K, double tau,
                              double *glogx, double *gloga);

/* ---- fit ---- */

struct wk_glm_trace {
    size_t n;
    double *objective;  /* [n] training log-likelihood (marginal) per epoch */
};

/* Called after each epoch (may be NULL): epoch index, objective. */
typedef void (*wk_glm_epoch_fn)(void *ctx, size_t epoch, double objective);

/* Checkpoint: when path is not NULL, the model and epoch are saved after
 * every epoch and, if the file exists at start, the fit resumes from it. */
struct wk_glm_fit_ctl {
    const char *checkpoint;
    wk_glm_epoch_fn on_epoch;
    void *ctx;
};

/* Fit m (allocated and initialised) to d; trace receives one entry per
 * epoch (allocated here).  Deterministic for a seed whatever the thread
 * count. */
int wk_glm_fit(struct wk_glm_model *m, struct wk_glm_trace *trace, const struct wk_glm_data *d,
               const struct wk_glm_opts *o, const struct wk_glm_fit_ctl *ctl);
void wk_glm_trace_clear(struct wk_glm_trace *t);

/* The same fit one epoch at a time (worm-glm interleaves fits on MPI ranks
 * and checkpoints between epochs).  m and trace are borrowed: start with m
 * initialised and an empty trace (epoch 0; the data-driven start runs here
 * unless o->random_init), or resume with m and trace as saved after
 * `epoch` epochs (converged: the fit had stopped on --tol).  trace gets
 * room for o->epochs + 1 entries.  Same bits as wk_glm_fit. */
struct wk_glm_fitter;
int wk_glm_fitter_alloc(struct wk_glm_fitter **out, struct wk_glm_model *m, struct wk_glm_trace *trace,
                        const struct wk_glm_data *d, const struct wk_glm_opts *o, size_t epoch, int converged);
void wk_glm_fitter_free(struct wk_glm_fitter *f);
/* One EM epoch (nothing once done). */
int wk_glm_fitter_step(struct wk_glm_fitter *f);
size_t wk_glm_fitter_epoch(const struct wk_glm_fitter *f);   /* epochs done */
int wk_glm_fitter_converged(const struct wk_glm_fitter *f);
int wk_glm_fitter_done(const struct wk_glm_fitter *f);       /* converged or all epochs */

/* Checkpoint files (HDF5): 0, WK_ENOTFOUND when the file does not exist. */
int wk_glm_checkpoint_save(const char *path, const struct wk_glm_model *m, size_t epoch,
                           const struct wk_glm_trace *trace, unsigned long key);
/* trace->objective must have room for `capacity` entries. */
int wk_glm_checkpoint_load(const char *path, struct wk_glm_model *m, size_t *epoch,
                           struct wk_glm_trace *trace, size_t capacity, unsigned long key);

/* ---- evaluation ---- */

struct wk_glm_truth_scores {
    double state_accuracy;   /* after the best matching of labels */
    double weight_mse;       /* mean over S*N*N after the matching */
    double adjacency_accuracy, balanced_accuracy, macro_f1; /* sign(W) classes */
};

/* Compare estimated paths and weights with the truth: the state labels are
 * matched by the permutation that maximises agreement of the paths
 * (Hungarian, wk_partition_match; map receives est state -> true state),
 * then W [S][N][N] is compared with truth_W and the classes adj with
 * truth_adj (0/1/2, [S][N][N]; either may be NULL to skip).  paths and
 * truth_paths are concatenated over sequences (n samples). */
int wk_glm_score(struct wk_glm_truth_scores *r, int *map, const int *paths, const int *truth_paths,
                 size_t n, const double *W, const double *truth_W, const int *adj,
                 const int *truth_adj, size_t S, size_t N);

/* Hard adjacency classes [S][N][N] of a model: onehot argmax(l); other
 * priors: sign of W where |W| > threshold. */
void wk_glm_adjacency(int *adj, const struct wk_glm_model *m, double threshold);

/* ---- structural prior ----
 * The one-hot prior from a structural connectome: pibar[n][m] =
 * (0.45, 0.10, 0.45) where m -> n has a chemical synapse or a gap junction,
 * else (0.02, 0.96, 0.02); neuron[k] is the atlas index of model neuron k.
 * The variational logits start at the same values and pibar is held. */
struct wk_connectome;
void wk_glm_prior_from_connectome(struct wk_glm_model *m, const struct wk_connectome *c, const size_t *neuron);

/* ---- the worm-glm run (tool driver) ---- */

struct wk_glm_run {
    struct wk_glm_opts fit;
    size_t states_min, states_max;  /* --states S or S1:S2 */
    char **test_ids;                /* --test ID... (borrowed) */
    size_t n_test;
    double test_fraction;           /* last fraction of the recordings held out */
    const char *checkpoint, *summary, *truth, *prior_connectome, *array;
    size_t restarts;                /* fits per number of states (1) */
    size_t checkpoint_every;        /* epochs between checkpoints (1) */
};

/* The seed of restart r (restart 0 keeps the seed itself). */
unsigned long wk_glm_restart_seed(unsigned long seed, size_t restart);

void wk_glm_run_init(struct wk_glm_run *r);
/* Read the inputs of cli, fit, write /results/glm (and the summary).
 * Under MPI every rank calls it: fit k of the (states, restart) grid runs
 * on rank k % size, rank 0 reads the input and writes the outputs.
 * Returns 0, a negative error, or (with r->checkpoint, after
 * wk_file_defer_signals) the number of the signal that stopped the run
 * once its checkpoint was saved: the caller ends with wk_file_stop_now(). */
struct wk_cli;
int wk_glm_run(const struct wk_cli *cli, const struct wk_glm_run *r);

/* ---- truth (worm-simulate glm) ---- */

struct wk_glm_truth {
    size_t S, N;
    double *W;      /* [S][N][N] */
    int *adj;       /* [S][N][N] */
    char **neurons; /* [N] */
};
/* Read /results/simulate/glm of a wormkit file. */
int wk_glm_truth_read(struct wk_glm_truth **out, const char *path);
void wk_glm_truth_free(struct wk_glm_truth *t);
/* The true state path of recording id (its "truth_state" array) in path,
 * T samples: 0 or WK_ENOTFOUND/WK_EFORMAT (logged). */
int wk_glm_truth_states(int *z, const char *path, const char *id, size_t T);

/* Neuron i of names (the fit's order) is truth neuron map[i]: W and adj
 * ([S][N][N], fit order) rearranged into the truth's order in Wt/adjt. */
int wk_glm_truth_align(double *Wt, int *adjt, const double *W, const int *adj, char *const *names, size_t S,
                       size_t N, const struct wk_glm_truth *t, const char *file);

/* worm-compare --truth: 1 when path is a wormkit file holding the truth of
 * worm-simulate glm (no message otherwise), else 0. */
int wk_glm_truth_spec(const char *path);
/* Score the /results/glm of result_file against truth_file: state_accuracy
 * (Viterbi paths of the held-out recordings, or of all when none was held
 * out), weight_mse, test_loglik (sum and per_sequence mean),
 * adjacency_accuracy, balanced_accuracy, macro_f1. */
struct wk_compare_result;
int wk_glm_compare(struct wk_compare_result *r, const char *result_file, const char *truth_file);

#endif
