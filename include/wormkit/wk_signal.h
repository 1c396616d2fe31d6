/* wk_signal.h - per-recording signal steps of the homogenization pipeline:
 * smoothing, derivative, resampling and normalization.
 *
 * Three layers:
 *   - 1-D kernels on double arrays: n samples read at x[i * stride] and
 *     written at y[i * stride] (resamplers take one stride per side).  y and
 *     x must not overlap unless a function says so.  NaN (any non-finite
 *     value) marks a missing sample; each kernel documents how it is handled.
 *   - matrix functions on a row-major float32 T x C matrix, column by column
 *     (computed in double, stored float32).
 *   - recording functions that apply a step to a struct wk_recording and set
 *     the attributes that record it; `file` names the input in messages.
 * The formulas are stated in worm-smooth(1), worm-derivative(1),
 * worm-resample(1) and worm-normalize(1). */
#ifndef WK_SIGNAL_H
#define WK_SIGNAL_H

#include <stddef.h>

#include "wk_cli.h"
#include "wk_recording.h"

/* ---- columns of a matrix ---- */

/* Matrix functions work on blocks of WK_COLUMN_BLOCK columns: one pass over
 * the rows copies a block into contiguous double series (x[j * T + t] is
 * column c0 + j at sample t), and one pass copies it back, so memory is read
 * in order however many columns the matrix has.  Store skips column j
 * when keep is not NULL and keep[j] is 0. */
#define WK_COLUMN_BLOCK 16
void wk_columns_load(double *x, const float *m, size_t T, size_t C, size_t c0, size_t w);
void wk_columns_store(float *m, const double *x, size_t T, size_t C, size_t c0, size_t w,
                      const unsigned char *keep);
/* 1 when x[0..n-1] holds a finite value. */
int wk_column_has_finite(const double *x, size_t n);
/* Width of the block starting at column c0 < C: min(WK_COLUMN_BLOCK, C - c0). */
size_t wk_columns_width(size_t C, size_t c0);
/* The columns of m that hold a finite value (finite_only) or a value that
 * is not NaN, ascending, into cols[0..*n-1]: the matrix functions work on
 * these only (the neurons a recording has), leaving the others NaN.  0 or
 * WK_ENOMEM. */
int wk_columns_with_data(size_t *cols, size_t *n, const float *m, size_t T, size_t C, int finite_only);
/* wk_columns_load/store of the w columns cols[0..w-1] (x[j * T + t] is
 * column cols[j] at sample t). */
void wk_columns_load_list(double *x, const float *m, size_t T, size_t C, const size_t *cols, size_t w);
void wk_columns_store_list(float *m, const double *x, size_t T, size_t C, const size_t *cols, size_t w);
/* Every element of the row-major T x C matrix m set to NaN. */
void wk_columns_fill_nan(float *m, size_t T, size_t C);
/* The matrix functions share their blocks of columns among threads (-@)
 * from this many samples (rows x columns with data) on; each column is
 * computed alone, so the result does not depend on the thread count. */
#define WK_SIGNAL_PARALLEL_MIN 100000

/* ---- smoothing ---- */

enum wk_smooth_method {
    WK_SMOOTH_NONE = 0,
    WK_SMOOTH_MOVING,      /* causal moving average (reference default) */
    WK_SMOOTH_GAUSSIAN,    /* causal Gaussian, normalized over the past */
    WK_SMOOTH_EXPONENTIAL, /* y0 = x0, y[i] = a x[i] + (1 - a) y[i-1] */
    WK_SMOOTH_ZEROPHASE    /* non-causal Gaussian through FFTW */
};

#define WK_SMOOTH_WINDOW 15  /* reference default window (samples) */
#define WK_SMOOTH_SIGMA 5.0  /* reference default sigma (samples) */
#define WK_SMOOTH_ALPHA 0.5  /* reference default alpha */
#define WK_SMOOTH_CAUSAL_TRUNCATE 8.0 /* causal Gaussian: lags k <= ceil(8 sigma) */
#define WK_SMOOTH_ZEROPHASE_TRUNCATE 4.0 /* zero-phase radius floor(4 sigma + 0.5) */

struct wk_smooth_params {
    enum wk_smooth_method method;
    long window;  /* moving: >= 1 samples; an even window is made odd (+1) */
    double sigma; /* gaussian, zero-phase: > 0 samples */
    double alpha; /* exponential: 0 < alpha <= 1 */
};

/* The reference defaults: moving, window 15, sigma 5, alpha 0.5. */
void wk_smooth_params_init(struct wk_smooth_params *p);
/* "none", "moving", "gaussian", "exponential", "zero-phase": 0, or
 * WK_EINVAL without logging. */
int wk_smooth_method_from_name(const char *name, enum wk_smooth_method *out);
const char *wk_smooth_method_name(enum wk_smooth_method method);
/* 0, or WK_EINVAL after logging which parameter is out of range. */
int wk_smooth_params_check(const struct wk_smooth_params *p);

/* Causal kernels.  NaN: a NaN sample contributes nothing; each output is
 * the weighted mean of the finite samples of its window, NaN when there is
 * none.  Return 0, or WK_EINVAL (logged) for a bad parameter, or WK_ENOMEM. */
int wk_smooth_moving(double *y, const double *x, size_t n, size_t stride, long window);
int wk_smooth_gaussian(double *y, const double *x, size_t n, size_t stride, double sigma);
/* Exponential: a NaN input outputs NaN and keeps the previous state; the
 * first finite sample starts the recursion (y = x). */
int wk_smooth_exponential(double *y, const double *x, size_t n, size_t stride, double alpha);

/* Zero-phase Gaussian smoothing of signals of one length n, with FFTW plans
 * made once (FFTW_ESTIMATE) and reused for every signal.  The signal is
 * extended by mirror reflection (d c b a | a b c d | d c b a) by the kernel
 * radius r = floor(4 sigma + 0.5), then convolved with the Gaussian of
 * radius r normalized to sum 1; the FFT length is >= n + 2r so nothing
 * wraps around.  NaN as for the causal kernels.  y may equal x. */
struct wk_zerophase;
struct wk_zerophase *wk_zerophase_alloc(size_t n, double sigma); /* NULL (logged) on failure */
void wk_zerophase_free(struct wk_zerophase *z);
size_t wk_zerophase_length(const struct wk_zerophase *z);
void wk_zerophase_apply(struct wk_zerophase *z, double *y, const double *x, size_t stride);

/* A smoother: parameters plus the zero-phase plan of the last length seen,
 * so recordings of one length share one plan. */
struct wk_smoother;
struct wk_smoother *wk_smoother_alloc(const struct wk_smooth_params *p); /* NULL (logged) on failure */
void wk_smoother_free(struct wk_smoother *s);
const struct wk_smooth_params *wk_smoother_params(const struct wk_smoother *s);
/* Smooth a row-major float T x C matrix in place, column by column;
 * columns without a finite value are left as they are. */
int wk_smoother_apply(struct wk_smoother *s, float *data, size_t T, size_t C);

/* Smooth traces and, when present, the "derivative" array [T][C]; set the
 * recording attributes smooth_method and smooth_window/smooth_sigma/
 * smooth_alpha (the parameter used). */
int wk_smooth_recording(struct wk_smoother *s, struct wk_recording *rec, const char *file);

/* ---- derivative ---- */

/* numpy.gradient on the (possibly non-uniform) time vector t[0..n-1]
 * (strictly increasing, contiguous): inside, with hs = t[i] - t[i-1] and
 * hd = t[i+1] - t[i],
 *   dy[i] = -hd/(hs (hs+hd)) x[i-1] + (hd-hs)/(hs hd) x[i] + hs/(hd (hs+hd)) x[i+1]
 * ((x[i+1] - x[i-1]) / (hs + hd) when hs == hd); at the ends first-order
 * one-sided differences.  Units: x per second.  NaN: an output is NaN when
 * a sample with a non-zero coefficient is NaN.  n < 2 gives NaN.  dy may
 * equal x. */
void wk_derivative_column(double *dy, const double *x, size_t stride, const double *t, size_t n);
/* dst[T][C] = d src / dt column by column (dst may equal src). */
int wk_derivative_matrix(float *dst, const float *src, const double *time, size_t T, size_t C);
/* Store d traces / dt as the array "derivative" [T][C] (replacing one that
 * exists), or, with replace, in traces themselves (the array "derivative"
 * is then removed, and the attribute traces_derivative set to 1). */
int wk_derivative_recording(struct wk_recording *rec, int replace, const char *file);

/* ---- resampling ---- */

enum wk_resample_method {
    WK_RESAMPLE_LINEAR = 0, /* reference: linear up, dt/6 grid + block means down */
    WK_RESAMPLE_SINC        /* windowed sinc, anti-aliased when downsampling */
};

#define WK_RESAMPLE_DT 0.333        /* reference default interval (s) */
#define WK_RESAMPLE_BLOCK 6         /* downsampling: fine grid dt/6, blocks of 6 */
#define WK_RESAMPLE_SINC_HALF_WIDTH 8 /* sinc kernel: zero crossings each side */

/* "linear", "sinc": 0 or WK_EINVAL without logging. */
int wk_resample_method_from_name(const char *name, enum wk_resample_method *out);
const char *wk_resample_method_name(enum wk_resample_method method);

/* Output samples of resampling time[0..n-1] to dt (0 when the output would
 * be empty or the arguments are invalid); logs nothing. */
size_t wk_resample_output_length(const double *time, size_t n, double dt, enum wk_resample_method method);

/* A resampler from an input time vector (n >= 2, strictly increasing) to the
 * interval dt > 0, holding the output grid and the interpolation weights,
 * shared by every column.  Upsampling when dt < the median input interval.
 * WK_EINVAL (logged) when the output would be empty. */
struct wk_resampler;
int wk_resampler_alloc(struct wk_resampler **out, const double *time, size_t n, double dt,
                       enum wk_resample_method method);
void wk_resampler_free(struct wk_resampler *r);
size_t wk_resampler_length(const struct wk_resampler *r);    /* output samples */
const double *wk_resampler_time(const struct wk_resampler *r); /* output times */
int wk_resampler_upsamples(const struct wk_resampler *r);     /* 1 or 0 */
double wk_resampler_input_dt(const struct wk_resampler *r);   /* median input interval */
/* y[k * ystride] for k < length from x[i * xstride] for i < n. */
void wk_resampler_apply(struct wk_resampler *r, double *y, size_t ystride, const double *x, size_t xstride);
/* Resample a row-major float n x C matrix into a new length x C matrix. */
int wk_resampler_apply_matrix(struct wk_resampler *r, float **dst, const float *src, size_t C);

/* Resample traces and every optional array whose first dimension is T
 * (rows of time); time becomes the new grid; attributes dt,
 * interpolate_method, and (when absent) original_dt and
 * original_max_timesteps are set; present is recomputed. */
int wk_resample_recording(struct wk_recording *rec, double dt, enum wk_resample_method method,
                          const char *file);

/* ---- normalization ---- */

enum wk_normalize_method {
    WK_NORMALIZE_ZSCORE = 0, /* whole-recording z-score, population std */
    WK_NORMALIZE_CAUSAL      /* running mean and variance over 0..t */
};

#define WK_NORMALIZE_VAR_FLOOR 1e-8 /* causal: sqrt(max(var, 1e-8)) */

/* "zscore", "causal": 0 or WK_EINVAL without logging. */
int wk_normalize_method_from_name(const char *name, enum wk_normalize_method *out);
const char *wk_normalize_method_name(enum wk_normalize_method method);

/* z-score: (x - mean) / std over the finite samples, std with ddof 0, a
 * std of 0 taken as 1.  Causal: (x[t] - m[t]) / sqrt(max(v[t], 1e-8)) with
 * m, v the mean and population variance of the finite samples 0..t.  NaN
 * samples stay NaN and are left out of the statistics.  y may equal x. */
void wk_normalize_zscore(double *y, const double *x, size_t n, size_t stride);
void wk_normalize_causal(double *y, const double *x, size_t n, size_t stride);
int wk_normalize_matrix(float *data, size_t T, size_t C, enum wk_normalize_method method);
/* Traces only; sets the attribute normalization_method. */
int wk_normalize_recording(struct wk_recording *rec, enum wk_normalize_method method, const char *file);

/* ---- the filter loop of worm-smooth, -derivative, -resample, -normalize ---- */

/* Called once per recording, in input order. */
typedef int (*wk_signal_fn)(struct wk_recording *rec, const char *file, void *ctx);

/* Create the output (cli->output or stdout), then for each input (cli's
 * files, or stdin): copy its history, read every recording, apply fn,
 * write it; copy /connectomes and /results.  Commit on success, abort (no
 * output file) on the first error.  Returns 0 or the first error. */
int wk_signal_filter(const struct wk_cli *cli, wk_signal_fn fn, void *ctx);

#endif
