/* wk_affinity.h - instantaneous pairwise affinities between neuron traces
 * (worm-affinity, and the matrix-free mode of worm-ntf).
 *
 * Neurons: a worm's affinities are computed over N neurons given as N
 * column indices into its traces (worm-affinity uses the canonical atlas
 * neurons present in at least one input worm, in canonical order).
 * Pairs: the upper triangle i < j, P = N (N - 1) / 2, in row-major order:
 *     p = i N - i (i + 1) / 2 + (j - i - 1)
 * so (0,1), (0,2), ..., (0,N-1), (1,2), ...
 * Missing: a pair whose value cannot be computed (a neuron absent from the
 * worm, a NaN sample, a time past the worm's end) is NaN, never 0.
 *
 * Families (formulas also in worm-affinity(1)):
 *   derivative (default): x_i the trace of neuron i (not smoothed unless a
 *     smoother is given: the homogenize pipeline smooths already),
 *     d_i = numpy.gradient(x_i, time) (wk_derivative_column),
 *     m_i = 1.4826 median(|d_i - median(d_i)|) and r_i = sqrt(mean(d_i^2)),
 *     both over the finite samples,
 *     s_i = max(m_i, 0.01 r_i), or 1 when r_i is 0 or undefined (a flat
 *     trace: u_i = 0), u_i = d_i / s_i.  The floor wins only when m_i <
 *     0.01 r_i: more than half of the derivative (almost) equal, as in a
 *     trace flat between a few steps or a quantized one, where the MAD is 0
 *     or rounding noise and u would explode; it bounds |u_i(t)| by
 *     100 sqrt(n_i), n_i the finite samples.  Then
 *       product: a_ij(t) = max(0, u_i(t) u_j(t))
 *       sign:    a_ij(t) = 1 if u_i(t) u_j(t) > 0, else 0
 *       gauss:   a_ij(t) = exp(-(u_i(t) - u_j(t))^2 / (2 sigma^2)) if
 *                u_i(t) u_j(t) > 0, else 0
 *   correlation: Pearson correlation of x_i and x_j over the window of
 *     `window` samples centred on t (samples t - floor((window-1)/2) ..
 *     t + ceil((window-1)/2), cut at the recording's ends), clipped at 0;
 *     0 when either neuron is constant over the window; NaN when the window
 *     holds a NaN sample of either neuron.
 * Every affinity is rounded to float32 (the stored type) even when it is
 * handed out as a double, so a tensor read from a file and one recomputed
 * from traces hold the same numbers. */
#ifndef WK_AFFINITY_H
#define WK_AFFINITY_H

#include <stddef.h>

#include "wk_file.h"
#include "wk_recording.h"

enum wk_affinity_family { WK_AFFINITY_DERIVATIVE = 0, WK_AFFINITY_CORRELATION = 1 };
enum wk_affinity_variant { WK_AFFINITY_PRODUCT = 0, WK_AFFINITY_SIGN = 1, WK_AFFINITY_GAUSS = 2 };

#define WK_AFFINITY_WINDOW 10   /* default correlation window (samples) */
#define WK_AFFINITY_SIGMA 1.0   /* default gauss width (robust-spread units) */
#define WK_AFFINITY_MAD_SCALE 1.4826
#define WK_AFFINITY_SPREAD_FLOOR 0.01 /* derivative scale >= this x its root mean square */

struct wk_affinity_opts {
    enum wk_affinity_family family;
    enum wk_affinity_variant variant; /* derivative family */
    double sigma;                     /* gauss variant, > 0 */
    size_t window;                    /* correlation family, >= 2 samples */
};

void wk_affinity_opts_init(struct wk_affinity_opts *o);
/* 0, or WK_EINVAL after logging the bad parameter. */
int wk_affinity_opts_check(const struct wk_affinity_opts *o);
/* Names: "derivative", "correlation"; "product", "sign", "gauss".
 * 0 or WK_EINVAL without logging. */
int wk_affinity_family_from_name(const char *name, enum wk_affinity_family *out);
int wk_affinity_variant_from_name(const char *name, enum wk_affinity_variant *out);
const char *wk_affinity_family_name(enum wk_affinity_family f);
/* The affinity options of the command line, shared by worm-affinity and
 * worm-ntf: option is "family", "variant", "sigma" or "window".  0, or
 * WK_EUSAGE after a usage error naming the bad value. */
int wk_affinity_set_option(struct wk_affinity_opts *o, const char *option, const char *arg);
const char *wk_affinity_variant_name(enum wk_affinity_variant v);

/* Pair indexing (see above).  pair_index needs i < j < n. */
size_t wk_affinity_n_pairs(size_t n);
size_t wk_affinity_pair_index(size_t n, size_t i, size_t j);
void wk_affinity_pair_of(size_t n, size_t p, size_t *i, size_t *j);

/* Robust spread: 1.4826 x the median absolute deviation of the finite
 * values of x[i * stride], i < n; 1 when that is 0 or there is no finite
 * value. */
double wk_affinity_robust_spread(const double *x, size_t n, size_t stride);
/* The scale s of a derivative d[0..n-1] in the derivative family:
 * max(1.4826 MAD, WK_AFFINITY_SPREAD_FLOOR x RMS) over the finite values,
 * 1 when the RMS is 0 or there is no finite value (or no memory for a
 * copy of d).  *floored (when not NULL) is 1 when the floor won (the MAD is
 * degenerate), else 0. */
double wk_affinity_derivative_scale(const double *d, size_t n, int *floored);

/* One worm ready for affinity slices: per neuron the signal the family
 * needs, float32 [T][N] (scaled derivative u, or the trace itself for
 * correlation); NaN where missing. */
struct wk_affinity_worm {
    size_t T, N, P;
    struct wk_affinity_opts opts;
    float *u;
    unsigned char *floored; /* [N]: 1 where the derivative scale s_i is the floor */
};

/* Keep N columns of a worm's signals: new column k is old column from[k],
 * or all NaN (an absent neuron) when from[k] < 0.  Signals are per neuron,
 * so this equals computing the worm on those neurons. */
int wk_affinity_worm_keep_columns(struct wk_affinity_worm *w, const long *from, size_t N);

struct wk_smoother; /* wk_signal.h */

/* From a row-major float trace matrix traces[t * ld + c] with T samples:
 * neuron i is column cols[i], or missing (all NaN) when cols[i] is
 * WK_AFFINITY_ABSENT.  A smoother (wk_signal.h), when not NULL, smooths the
 * traces first; NULL (the default) means none.  time[T] is strictly
 * increasing. */
#define WK_AFFINITY_ABSENT ((size_t)-1)
int wk_affinity_worm_alloc(struct wk_affinity_worm **out, const float *traces, size_t T, size_t ld,
                           const double *time, const size_t *cols, size_t N,
                           const struct wk_affinity_opts *o, struct wk_smoother *smoother);
/* The same from a recording: neuron i is column cols[i], missing when
 * cols[i] is WK_AFFINITY_ABSENT, past the recording's columns, or not
 * present. */
int wk_affinity_worm_from_recording(struct wk_affinity_worm **out, const struct wk_recording *rec,
                                    const size_t *cols, size_t N, const struct wk_affinity_opts *o,
                                    struct wk_smoother *smoother);
void wk_affinity_worm_free(struct wk_affinity_worm *w);
/* One warning per neuron k of w with floored[k], naming the file, the
 * recording and the neuron: wk_atlas_name(cols[k]), or of k when cols is
 * NULL (w straight from wk_affinity_worm_from_recording with all 300 atlas
 * columns).  Code that keeps a subset of w's columns remaps floored with
 * u, or warns before (wk_affinity_input_read warns after its selection). */
void wk_affinity_worm_warn_floored(const struct wk_affinity_worm *w, const size_t *cols, const char *file,
                                   const char *id);

/* All P affinities at time t (t >= T gives NaN): a[p].  0 or WK_ENOMEM. */
int wk_affinity_slice(const struct wk_affinity_worm *w, size_t t, double *a);

/* Affinities of times t0 .. t0+nt-1: block[k * P + p] (rows past the
 * worm's end are NaN).  Rows are computed in parallel (OpenMP), each
 * independently, so the result does not depend on the thread count. */
int wk_affinity_block(const struct wk_affinity_worm *w, size_t t0, size_t nt, double *block);

/* A set of worms seen as a tensor P x T x W (T = the longest worm; shorter
 * worms are NaN past their end).  wk_affinity_set_block has the signature
 * of wk_ntf_block_fn (ctx = the set), the matrix-free source of worm-ntf. */
struct wk_affinity_set {
    size_t P, T, W;
    struct wk_affinity_worm **worms; /* [W], not owned */
};
int wk_affinity_set_block(void *ctx, size_t w, size_t t0, size_t nt, double *block);

/* ---- files (worm-affinity, worm-ntf) ----
 *
 * /results/affinity/ of a wormkit file (written by worm-affinity):
 *   values      float32 [W][T][P]  X[p, t, w] at values[w][t][p]; NaN = missing
 *   neurons     string [N]         the neurons of the pairs (canonical names)
 *   pairs       int32 [P][2]       (i, j) of pair p, indices into neurons
 *   time        float64 [T]        time of the longest recording
 *   recordings  string [W]         recording ids, in input order
 *   length      int32 [W]          samples of each recording (later times NaN)
 *   attrs       family, variant, sigma, window, pair_order */
#define WK_AFFINITY_GROUP "/results/affinity"

/* Recordings read from wormkit files, ready for affinities. */
struct wk_affinity_input {
    size_t W, N, P, T;
    size_t *cols;          /* [N] canonical columns of the neurons */
    char **ids;            /* [W] recording ids */
    size_t *lengths;       /* [W] samples per recording */
    double *time;          /* [T] time of the first longest recording */
    struct wk_affinity_worm **worms; /* [W] */
    struct wk_affinity_set set;      /* the tensor view (matrix-free source) */
};

/* Read every recording of the files, in order (one recording in memory at
 * a time besides the per-worm signals, T x N floats each).  Neurons: the
 * canonical neurons present in at least one recording, in atlas order, or
 * all 300 with all_neurons.  WK_EINVAL (logged) when fewer than 2 neurons
 * or no recording.  A neuron whose derivative scale is the floor gets one
 * warning naming the file, the recording and the neuron. */
int wk_affinity_input_read(struct wk_affinity_input **out, struct wk_file *const *files, size_t n_files,
                           const struct wk_affinity_opts *o, int all_neurons);
void wk_affinity_input_free(struct wk_affinity_input *in);
/* The dense tensor values[W][T][P] (newly allocated). */
int wk_affinity_input_dense(const struct wk_affinity_input *in, float **values);
/* Write /results/affinity (dense) to f. */
int wk_affinity_input_write(struct wk_file *f, const struct wk_affinity_input *in);

/* /results/affinity read back. */
struct wk_affinity_tensor {
    size_t W, N, P, T;
    float *values;    /* [W][T][P] */
    char **neurons;   /* [N] */
    char **recordings;/* [W] */
    double *time;     /* [T] */
};
/* WK_ENOTFOUND (not logged) when f has no /results/affinity/values. */
int wk_affinity_tensor_read(struct wk_affinity_tensor **out, const struct wk_file *f);
void wk_affinity_tensor_free(struct wk_affinity_tensor *t);

#endif
