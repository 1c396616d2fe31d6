/* wk_ntf.h - non-negative CP (PARAFAC) tensor factorization (worm-ntf).
 *
 * X is P x T x W (pairs x time x worms): X[p,t,w] ~ sum_r A[p,r] B[t,r] C[w,r]
 * with A, B, C >= 0, fitted by least squares over the observed entries.
 *
 * The tensor is read through a block callback: one worm's rows of time
 * t0 .. t0+nt-1 as block[k * P + p] = X[p, t0 + k, w], NaN for a missing
 * (masked) entry.  A dense tensor in memory and the matrix-free source (the
 * affinities recomputed from traces, wk_affinity_set_block) go through the
 * same code and give the same factors.  The algorithm never holds more
 * than one block (a few MB) of the tensor, besides the copy the one-pass
 * iteration of dense tensors makes (below).
 *
 * Each outer iteration reads the tensor twice:
 *   pass 1: M_A = X_(1) (C (.) B), one GEMM per block (block^T x (B .* c_w));
 *           also gives the exact masked error of the current model;
 *   update A (HALS column sweep, or multiplicative update) with the Gram
 *           (B'B) .* (C'C);
 *   pass 2: Y_w = X(:,:,w)' A (T x R per worm, one GEMM per block), kept
 *           for all worms (T W R doubles); M_B[t,r] = sum_w Y_w[t,r] C[w,r]
 *           -> update B; M_C[w,r] = sum_t Y_w[t,r] B[t,r] -> update C.
 * Dense tensors whose worms are all on this rank take both passes in one
 * read (ntf_pass_fused): pair chunks small enough to stay in cache get
 * their rows of M_A, the update of those rows of A (independent rows),
 * then their share of Y_w with the new rows; the same GEMMs in the same
 * order, so the same bits.  It reads a chunk-major copy of the tensor
 * (4 P T W bytes more), made when the copy takes at most a quarter of the
 * physical memory.
 * Masked entries are handled by EM imputation: each pass replaces every
 * missing entry by the current model's value before it enters a GEMM.
 * Each update then minimizes a majorizer of the masked objective that
 * touches it at the current factors, so the masked error never increases,
 * and the values stored at masked entries are never read.
 * Determinism: blocks are visited in a fixed order, GEMMs are split into
 * fixed-size row chunks (independent outputs, OpenBLAS single-threaded
 * inside each), factor updates are row-parallel: the result does not
 * depend on the number of OpenMP threads.  Sums over worms (M_A, M_B, the
 * error terms) follow one fixed binary tree over the worm indices, per
 * worm, so dense and callback tensors give the same bits.
 * MPI (make MPI=1): every call is collective; each rank visits its share
 * of the worms (wk_mpi_share) and the per-worm sums are combined along the
 * same tree, so the factors are the same bits for any number of ranks,
 * and the same as without MPI.  The worm-mode rows (C) are updated by the
 * rank owning them and all-gathered.
 *
 * Error: relative error ||W .* (X - Xhat)|| / ||W .* X|| (W the 0/1 mask);
 * fit = 1 - error.  Convergence: stop when |error_{k-1} - error_k| < tol or
 * after max_iter updates.
 *
 * Final models are normalized: unit-norm columns of A, B, C, weights
 * lambda[r] = product of the three norms, components sorted by decreasing
 * lambda. */
#ifndef WK_NTF_H
#define WK_NTF_H

#include <stddef.h>

#include <stdio.h>

#include <gsl/gsl_rng.h>
#include <hdf5.h>

#define WK_NTF_MAX_RANK 256
#define WK_NTF_MAX_ITER 100
#define WK_NTF_TOL_HALS 1e-7
#define WK_NTF_TOL_MU 1e-6
#define WK_NTF_POWER_ITER 2    /* randomized SVD power iterations */
#define WK_NTF_OVERSAMPLE 5    /* randomized SVD extra columns */

/* block[k * P + p] = X[p, t0 + k, w] for k < nt; NaN = missing.  Must give
 * the same values each call.  0 or a negative WK_E* code (logged). */
typedef int (*wk_ntf_block_fn)(void *ctx, size_t w, size_t t0, size_t nt, double *block);

struct wk_ntf_tensor {
    size_t P, T, W;
    wk_ntf_block_fn block; /* NULL: the dense arrays below */
    void *ctx;
    const float *data;          /* dense [W][T][P] (pair fastest) */
    const unsigned char *mask;  /* dense [W][T][P], 1 = observed; NULL = all (NaN still missing) */
};

/* A dense tensor (data[(w * T + t) * P + p]); mask may be NULL. */
void wk_ntf_tensor_dense(struct wk_ntf_tensor *X, const float *data, const unsigned char *mask,
                         size_t P, size_t T, size_t W);
/* A callback tensor. */
void wk_ntf_tensor_callback(struct wk_ntf_tensor *X, wk_ntf_block_fn fn, void *ctx, size_t P,
                            size_t T, size_t W);

enum wk_ntf_method { WK_NTF_HALS = 0, WK_NTF_MU = 1 };
enum wk_ntf_init { WK_NTF_INIT_RANDOM = 0, WK_NTF_INIT_SVD = 1 };

struct wk_ntf_model;

/* A fit in progress at the start of an iteration (a safe point: a fit
 * resumed from it gives the same bits as one never stopped). */
struct wk_ntf_state {
    int restart;                      /* restart in progress, 0-based */
    int iter;                         /* iterations done (the next error evaluation) */
    const struct wk_ntf_model *model; /* current factors (not normalized), trace[0 .. iter-1] */
    struct wk_ntf_model *const *done; /* the `restart` finished models (normalized) */
    const unsigned char *rng;         /* gsl_rng_mt19937 state after this restart's initialisation */
    size_t rng_size;
};

/* Returned by on_state (and so by wk_ntf_fit, wk_ntf_run) when the fit was
 * stopped on purpose (a signal, after saving a checkpoint). */
#define WK_NTF_STOPPED 1

struct wk_ntf_opts {
    size_t rank;               /* R, 1 .. WK_NTF_MAX_RANK */
    enum wk_ntf_method method; /* HALS */
    enum wk_ntf_init init;     /* random */
    int max_iter;              /* WK_NTF_MAX_ITER */
    double tol;                /* < 0: the method's default */
    int restarts;              /* fits from different initialisations (1) */
    int power_iter;            /* WK_NTF_POWER_ITER */
    /* Called after each error evaluation (iteration 0 = the initialisation). */
    void (*on_iter)(void *ctx, int restart, int iter, double error);
    void *on_iter_ctx;
    /* Checkpoints (NULL: none).  wk_ntf_fit calls on_state at the start of
     * every iteration; a non-zero return ends the fit, which returns it.
     * resume continues from such a state (same tensor and options). */
    int (*on_state)(void *ctx, const struct wk_ntf_state *s);
    void *on_state_ctx;
    const struct wk_ntf_state *resume;
};

void wk_ntf_opts_init(struct wk_ntf_opts *o);
/* 0 or WK_EINVAL after logging. */
int wk_ntf_opts_check(const struct wk_ntf_opts *o);
/* "hals"/"mu", "random"/"svd": 0 or WK_EINVAL without logging. */
int wk_ntf_method_from_name(const char *name, enum wk_ntf_method *out);
int wk_ntf_init_from_name(const char *name, enum wk_ntf_init *out);
const char *wk_ntf_method_name(enum wk_ntf_method m);
const char *wk_ntf_init_name(enum wk_ntf_init i);

struct wk_ntf_model {
    size_t R, P, T, W;
    double *A, *B, *C;  /* row-major [P][R], [T][R], [W][R] */
    double *lambda;     /* [R] (1 until normalized) */
    double error;       /* relative error of this model */
    int iterations;     /* updates done */
    int converged;      /* 1 when the tolerance stopped the fit */
    double *trace;      /* error after each iteration, trace[0] = initial; n_trace values */
    size_t n_trace;
};

struct wk_ntf_model *wk_ntf_model_alloc(size_t R, size_t P, size_t T, size_t W); /* zeros, lambda 1 */
void wk_ntf_model_free(struct wk_ntf_model *m);
struct wk_ntf_model *wk_ntf_model_dup(const struct wk_ntf_model *m);
/* Unit-norm columns, lambda = product of norms, sorted by decreasing lambda. */
void wk_ntf_model_normalize(struct wk_ntf_model *m);
/* Model value at (p, t, w), lambda included. */
double wk_ntf_model_value(const struct wk_ntf_model *m, size_t p, size_t t, size_t w);

/* One fit from one initialisation drawn from rng. */
int wk_ntf_fit_once(struct wk_ntf_model **out, const struct wk_ntf_tensor *X,
                    const struct wk_ntf_opts *o, gsl_rng *rng, int restart);
/* o->restarts fits (initialisations drawn in turn from one gsl_rng_mt19937
 * seeded with seed); *best is the lowest error (the first on ties).  When
 * all is not NULL it receives every restart's model ([restarts], caller
 * frees each and the array).  All models normalized. */
int wk_ntf_fit(struct wk_ntf_model **best, struct wk_ntf_model ***all, const struct wk_ntf_tensor *X,
               const struct wk_ntf_opts *o, unsigned long seed);

/* Exact masked relative error of a model (one pass over X). */
int wk_ntf_error(double *error, const struct wk_ntf_tensor *X, const struct wk_ntf_model *m);

/* Factor match score of two models (normalized copies are compared; the
 * inputs are not changed).  For components r of a and s of b:
 *   score(r,s) = penalty * |cos(A_r, A'_s)| |cos(B_r, B'_s)| |cos(C_r, C'_s)|
 * with penalty = 1 - |lambda_r - lambda'_s| / max(lambda_r, lambda'_s) when
 * weighted (Acar et al.; tensortools' score), 1 otherwise.  Components are
 * matched one to one to maximize the total score (Hungarian algorithm);
 * FMS = total / max(R_a, R_b), in [0, 1].  perm, when not NULL, receives
 * for each component of a the matched component of b (or -1). */
int wk_ntf_fms(double *fms, const struct wk_ntf_model *a, const struct wk_ntf_model *b, int weighted,
               int *perm);

/* A planted non-negative rank-R tensor for tests and benchmarks: factors
 * uniform in [0,1) with a fraction `sparsity` of entries set to 0, dense
 * data[W][T][P] = model + noise * N(0,1) clipped at 0.  *truth normalized. */
int wk_ntf_planted(float **data, struct wk_ntf_model **truth, size_t P, size_t T, size_t W, size_t R,
                   double sparsity, double noise, gsl_rng *rng);

/* ---- results (worm-ntf) ----
 *
 * A model written under an HDF5 group (worm-ntf: /results/ntf, or
 * /results/ntf/rank_<R> in a rank sweep):
 *   f_a         float32 [R][P]     unit-norm pair factors
 *   f_a_matrix  float32 [R][N][N]  f_a as symmetric neuron x neuron matrices (diagonal 0)
 *   neurons     string [N]
 *   f_t         float32 [R][T]     unit-norm time factors
 *   time        float64 [T]
 *   f_w         float32 [R][W]     unit-norm worm factors
 *   recordings  string [W]
 *   lambda      float64 [R]        component weights, decreasing
 *   error_trace float64 [iterations + 1]
 *   attrs       rank, error, fit (= 1 - error), iterations, converged */
struct wk_ntf_axes {
    size_t N;                 /* neurons: P = N (N - 1) / 2 */
    char *const *neurons;     /* [N] */
    const double *time;       /* [T] */
    char *const *recordings;  /* [W] */
};

int wk_ntf_write_model(hid_t group, const struct wk_ntf_model *m, const struct wk_ntf_axes *ax);

/* TSV summary, one line per component (header first when header != 0):
 * rank, component (1-based), lambda, peak_time (time of max f_t),
 * window_start, window_end (the run of times around the peak where f_t >=
 * half its maximum), top_pairs ("A-B:weight" of the `top` largest f_a,
 * comma-separated), top_worms (ids of the `top` largest f_w). */
int wk_ntf_write_summary(FILE *fp, const struct wk_ntf_model *m, const struct wk_ntf_axes *ax, size_t top,
                         int header);

/* ---- the worm-ntf run ---- */

struct wk_cli;
struct wk_affinity_opts;

struct wk_ntf_run {
    struct wk_ntf_opts fit;          /* fit.rank is set per rank of the range */
    size_t rank_min, rank_max;       /* --rank R or R1:R2 */
    int from_traces;                 /* matrix-free: affinities recomputed from traces */
    const struct wk_affinity_opts *aff; /* affinities of recording inputs */
    int all_neurons;
    const char *summary;             /* TSV summary path ("-" = stdout) or NULL */
    size_t top;                      /* pairs and worms per component in the summary */
    const char *checkpoint;          /* resume from / save to this file, or NULL */
    int checkpoint_every;            /* iterations between checkpoints (WK_NTF_CHECKPOINT_EVERY) */
};

#define WK_NTF_CHECKPOINT_EVERY 10

/* Read the inputs (cli->files, or stdin): one file holding
 * /results/affinity (a dense tensor from worm-affinity), or wormkit files
 * of recordings (affinities computed with run->aff: held as a dense tensor,
 * or recomputed at every pass with from_traces).  Fit every rank of the
 * range, write the models and the sweep table to a new wormkit file
 * (cli->output or stdout; layout in worm-ntf(1)) and the summary.
 * MPI: collective; with from_traces each rank reads only its share of the
 * recordings; rank 0 writes; every rank returns the same code.
 * Checkpoint: resumed when the file exists, saved every checkpoint_every
 * iterations and when wk_file_stop_requested() (after
 * wk_file_defer_signals()); then WK_NTF_STOPPED is returned and the caller
 * ends the process with wk_file_stop_now().  Removed after a successful
 * run. */
int wk_ntf_run(const struct wk_cli *cli, const struct wk_ntf_run *run);

/* ---- simulation (worm-simulate ntf) ----
 *
 * W worms share N atlas neurons (drawn once, atlas order).  Component k
 * has a group of `group_size` neurons (groups disjoint while K g <= N), a
 * window of round(window T) samples at a random start, and a random set of
 * worms (each with probability worm_fraction, at least one).  With s(t)
 * white noise smoothed by a centred 5-sample moving average and scaled to
 * unit variance (independent draws for every use):
 *   x_i(t) = s_i(t) + amplitude sum_k [i in G_k][w in W_k][t in window_k] s_kw(t)
 *            + noise N(0,1)
 * so the derivatives of a group co-vary inside its window, in its worms.
 * Truth: f_a[k] = indicator of the pairs within G_k, f_t[k] the window,
 * f_w[k] the worms (unit norm, lambda 1). */
struct wk_ntf_sim {
    size_t worms;         /* 4 */
    size_t samples;       /* 600 */
    size_t neurons;       /* 30 */
    size_t components;    /* 3 */
    size_t group_size;    /* 6 */
    double window;        /* 0.25 of the recording */
    double worm_fraction; /* 0.5 */
    double amplitude;     /* 3 */
    double noise;         /* 0.2 */
    double dt;            /* 1/3 s */
};

struct wk_recording;
struct wk_file;

void wk_ntf_sim_defaults(struct wk_ntf_sim *p);
/* 0 or WK_EINVAL after logging the first bad parameter. */
int wk_ntf_sim_check(const struct wk_ntf_sim *p);
/* Recordings "sim1".."simW" (*recs[W]) and the truth over the pairs of the
 * N neurons, whose atlas columns are *cols[N].  Deterministic in seed. */
int wk_ntf_sim_generate(struct wk_recording ***recs, struct wk_ntf_model **truth, size_t **cols,
                        const struct wk_ntf_sim *p, unsigned long seed);
/* Recordings and /results/simulate/ntf (f_a, f_a_matrix, f_t, f_w, ... as
 * wk_ntf_write_model, plus groups int32 [K][g] of neuron indices, window
 * float64 [K][2] start and end times, parameters as attributes). */
int wk_ntf_sim_write(struct wk_file *f, const struct wk_ntf_sim *p, unsigned long seed);

/* The model "ntf" of worm-simulate (wk_simulate.h), for its model table. */
struct wk_sim_model;
extern const struct wk_sim_model wk_sim_model_ntf;

#endif
