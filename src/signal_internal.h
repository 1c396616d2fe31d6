/* signal_internal.h - the worker threads of the matrix functions of
 * wk_signal.h, and the checks and attributes of the recording functions
 * that homogenize.c shares (never installed). */
#ifndef WK_SIGNAL_INTERNAL_H
#define WK_SIGNAL_INTERNAL_H

#include <stddef.h>

#include "wormkit/wk_recording.h"
#include "wormkit/wk_signal.h"

/* Worker k of n handles blocks k, k + n, k + 2n, ... with scratch of its
 * own; 0 or a negative WK_E* code. */
typedef int (*wk_signal_work_fn)(void *ctx, size_t k, size_t n);

/* Runs work on as many threads as OpenMP would use (-@), at most one per
 * block, and one when samples < WK_SIGNAL_PARALLEL_MIN; worker 0 runs on
 * this thread.  Threads are started and joined here (OpenMP's pool would
 * spin between the steps, taking the cores from the chunk compressors);
 * a worker that cannot be started runs on this thread.  Returns the
 * lowest result. */
int wk_signal_run_workers(wk_signal_work_fn work, void *ctx, size_t blocks, double samples);

/* Kernels on WK_LANES interleaved series (sample i of series j at
 * x[i * WK_LANES + j]), computing every lane with the operations of the
 * 1-D kernel of the same name, so that each lane equals the 1-D result
 * bit for bit, while the compiler runs the lanes in SIMD registers.  A
 * sample that is not finite adds 0.0 to a sum, which leaves it unchanged:
 * those sums start at +0.0 and can never become -0.0.  y and x must not
 * overlap.  Lanes without data give meaningless values the caller drops. */
#define WK_LANES 8
void wk_derivative_lanes(double *dy, const double *x, const double *t, size_t n);
int wk_smoother_apply_lanes(struct wk_smoother *s, double *y, const double *x, size_t T);
void wk_resampler_apply_lanes(const struct wk_resampler *r, double *y, const double *x);
void wk_normalize_lanes(enum wk_normalize_method method, double *y, const double *x, size_t n);
/* Whether every sample of x[n][WK_LANES] is finite (lets a kernel skip its
 * tests for missing samples). */
int wk_lanes_all_finite(const double *x, size_t n);

/* The attributes wk_smooth_recording sets. */
int wk_smooth_set_attrs(struct wk_recording *rec, const struct wk_smooth_params *p);
/* The refusals of wk_resample_recording (too few samples, empty output),
 * logged as it logs them; 0 when rec can be resampled to dt. */
int wk_resample_check(const struct wk_recording *rec, double dt, enum wk_resample_method method, const char *file);
/* The attributes wk_resample_recording sets, in its order (original_dt and
 * original_max_timesteps only when absent); T_in: samples before. */
int wk_resample_set_attrs(struct wk_recording *rec, enum wk_resample_method method, double input_dt, size_t T_in);

#endif
