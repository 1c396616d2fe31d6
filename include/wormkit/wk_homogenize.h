/* wk_homogenize.h - the reference recipe of homogenize.md applied to one
 * recording (worm-homogenize(1)): time shift, derivative, smoothing,
 * resampling, normalization, through the functions of wk_signal.h, so the
 * result equals the pipe worm-derivative | worm-smooth | worm-resample |
 * worm-normalize on a recording whose time starts at 0. */
#ifndef WK_HOMOGENIZE_H
#define WK_HOMOGENIZE_H

#include "wk_file.h"
#include "wk_recording.h"
#include "wk_signal.h"

#define WK_ORIGINAL_TRACES "original_traces" /* float32[T0][C]: traces before the steps */
#define WK_ORIGINAL_TIME "original_time"     /* float32[T0]: their time (shifted), seconds */

struct wk_homogenize {
    struct wk_smoother *smoother;          /* owned by the caller */
    double dt;                             /* resampling interval, s (default 0.333) */
    enum wk_resample_method resample;      /* default linear */
    enum wk_normalize_method normalize;    /* default zscore */
    int normalize_off;                     /* 1: skip normalization */
    int keep_original;                     /* 1 (default): store original_traces/_time */
};

/* Defaults of the reference, smoother not set. */
void wk_homogenize_init(struct wk_homogenize *h);

/* The steps, in order:
 *   1. time -= time[0] (attribute time_offset = the old time[0]);
 *   2. original traces and time kept aside (keep_original);
 *   3. wk_derivative_recording (array "derivative");
 *   4. wk_smooth_recording (traces and derivative);
 *   5. wk_resample_recording to dt (traces, derivative);
 *   6. wk_normalize_recording (traces only);
 *   7. the originals stored as original_traces [T0][C] and original_time [T0]
 *      (after resampling, so they are not resampled: their first dimension
 *      is the original sample count T0, not T).
 * Usable as a wk_import_process_fn / wk_signal_fn with ctx a struct
 * wk_homogenize. */
int wk_homogenize_recording(struct wk_recording *rec, const char *file, void *ctx);

/* A wormkit file as input ("-": stdin): copy its history, apply the steps
 * to each recording and write it to out, one at a time; copy /connectomes
 * and /results.  *written is increased by the recordings written. */
int wk_homogenize_wormkit_input(struct wk_file *out, const char *path, const struct wk_homogenize *h,
                                size_t *written);

#endif
