/* homogenize.c - the reference recipe on one recording (wk_homogenize.h).
 *
 * A recording without arrays of its own (every imported worm) goes through
 * the steps column by column in one pass: each column with data is read
 * once from the imported traces, carried through derivative, smoothing,
 * resampling and normalization in double, rounded to float32 after each
 * step exactly where the step-by-step functions store their float32
 * matrices, and written once into the new traces and derivative.  Each
 * step keeps the column rules of its matrix function (which columns it
 * computes, which it leaves as they are or sets to NaN), so the result
 * has the same bytes as the steps applied one after another, which other
 * recordings still get (homogenize_steps).  The imported traces become
 * original_traces as they are, without a copy. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "wormkit/wk_error.h"
#include "wormkit/wk_homogenize.h"
#include "wormkit/wk_util.h"
#include "signal_internal.h"

#define DERIVATIVE "derivative"

/* Worm after worm allocates and frees matrices of a few MB; by default
 * glibc gives them back to the system (munmap, heap trim) and the next
 * worm faults in fresh zeroed pages again: a quarter of the system time of
 * the bench.  Freed memory is kept for the next worm instead (the peak is
 * the same: the next worm needs it again). */
static void keep_freed_memory(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

void wk_homogenize_init(struct wk_homogenize *h)
{
    memset(h, 0, sizeof *h);
    h->dt = WK_RESAMPLE_DT;
    h->resample = WK_RESAMPLE_LINEAR;
    h->normalize = WK_NORMALIZE_ZSCORE;
    h->keep_original = 1;
    keep_freed_memory();
}

static int shift_time(struct wk_recording *rec)
{
    double t0 = rec->T ? rec->time[0] : 0.0;
    for (size_t t = 0; t < rec->T; t++) rec->time[t] -= t0;
    return wk_recording_set_attr_double(rec, "time_offset", t0);
}

/* The time (as float32) before the steps. */
static float *original_time(const struct wk_recording *rec)
{
    float *time = wk_malloc_array(rec->T, sizeof *time);
    if (!time) return NULL;
    for (size_t t = 0; t < rec->T; t++) time[t] = (float)rec->time[t];
    return time;
}

/* ---- the steps one after another ---- */

/* Copies of the traces and of the time (as float32) before the steps. */
static int save_original(float **traces, float **time, const struct wk_recording *rec)
{
    size_t cells;
    *traces = NULL;
    *time = NULL;
    if (wk_size_mul(&cells, rec->T, rec->C) < 0)
        return wk_fail(WK_ERANGE, "recording '%s' is too large", rec->id);
    *traces = wk_malloc_array(cells, sizeof **traces);
    *time = original_time(rec);
    if (!*traces || !*time) return WK_ENOMEM;
    memcpy(*traces, rec->traces, cells * sizeof **traces);
    return 0;
}

/* After the steps (status rc): the imported traces [T0][C] and time [T0]
 * become the original arrays when they are kept; freed otherwise. */
static int adopt_originals(struct wk_recording *rec, const struct wk_homogenize *h, size_t T0, int rc,
                           float *orig_traces, float *orig_time)
{
    if (rc == 0 && h->keep_original) {
        size_t dims[2] = {T0, rec->C};
        rc = wk_recording_adopt_array(rec, WK_ORIGINAL_TRACES, 2, dims, orig_traces);
        orig_traces = NULL;
        if (rc == 0) rc = wk_recording_adopt_array(rec, WK_ORIGINAL_TIME, 1, dims, orig_time);
        orig_time = NULL;
    }
    free(orig_traces);
    free(orig_time);
    return rc;
}

static int homogenize_steps(struct wk_recording *rec, const char *file, const struct wk_homogenize *h)
{
    float *orig_traces = NULL, *orig_time = NULL;
    size_t T0 = rec->T;
    int rc = h->keep_original ? save_original(&orig_traces, &orig_time, rec) : 0;
    if (rc == 0) rc = wk_derivative_recording(rec, 0, file);
    if (rc == 0) rc = wk_smooth_recording(h->smoother, rec, file);
    if (rc == 0) rc = wk_resample_recording(rec, h->dt, h->resample, file);
    if (rc == 0 && !h->normalize_off) rc = wk_normalize_recording(rec, h->normalize, file);
    return adopt_originals(rec, h, T0, rc, orig_traces, orig_time);
}

/* ---- the steps column by column ---- */

enum { L = WK_LANES, GROUPS = 4, SPAN = GROUPS * WK_LANES };

static size_t smaller(size_t a, size_t b)
{
    return a < b ? a : b;
}

struct column_job {
    const struct wk_homogenize *h;
    const struct wk_resampler *r;
    const float *src;       /* T x C imported traces */
    const double *time;     /* [T], from 0 */
    size_t T, C, n_out, n;
    const size_t *cols;     /* [n]: the columns with a value that is not NaN */
    float *traces, *deriv;  /* n_out x C, NaN-filled */
    unsigned char *present; /* [C], zero-filled */
};

/* What a step's float32 matrix keeps of its result. */
static void to_float32(double *x, size_t n)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++) x[i] = (double)(float)x[i];
}

/* finite[j]: whether lane j of x[n][L] holds a finite value (flags as
 * doubles, so that the loop vectorizes; stops once every lane has one,
 * which the lanes with data, and the zero lanes past the columns, show
 * in the first rows). */
#define SCAN_ROWS 16
static void lanes_finite(unsigned char *finite, const double *x, size_t n)
{
    double seen[L] = {0};
    int all = 0;
    for (size_t i0 = 0; i0 < n && !all; i0 += SCAN_ROWS) {
        size_t end = n - i0 < SCAN_ROWS ? n : i0 + SCAN_ROWS;
        for (size_t i = i0; i < end; i++)
#pragma omp simd
            for (size_t j = 0; j < L; j++) {
                double v = x[i * L + j], flag = seen[j];
                seen[j] = fabs(v) <= DBL_MAX ? 1.0 : flag;
            }
        all = 1;
        for (size_t j = 0; j < L; j++) all &= seen[j] != 0;
    }
    for (size_t j = 0; j < L; j++) finite[j] = seen[j] != 0;
}

/* Lanes of y without a finite value in `finite` take x (the matrix
 * functions leave such columns as they are). */
static void keep_lanes(double *y, const double *x, size_t n, const unsigned char *finite)
{
    for (size_t j = 0; j < L; j++)
        if (!finite[j])
            for (size_t i = 0; i < n; i++) y[i * L + j] = x[i * L + j];
}

static void nan_lanes(double *y, size_t n, const unsigned char *finite)
{
    for (size_t j = 0; j < L; j++)
        if (!finite[j])
            for (size_t i = 0; i < n; i++) y[i * L + j] = NAN;
}

/* Smoothing: y from x, rounded; a lane without a finite value stays x. */
static int smooth_lanes(struct wk_smoother *s, double *y, const double *x, size_t T)
{
    unsigned char finite[L];
    int rc = wk_smoother_apply_lanes(s, y, x, T);
    to_float32(y, T * L);
    lanes_finite(finite, x, T);
    keep_lanes(y, x, T, finite);
    return rc;
}

/* Resampling: y from x, rounded; a lane without a finite value is NaN. */
static void resample_lanes(const struct wk_resampler *r, double *y, size_t n_out, const double *x, size_t T)
{
    unsigned char finite[L];
    wk_resampler_apply_lanes(r, y, x);
    to_float32(y, n_out * L);
    lanes_finite(finite, x, T);
    nan_lanes(y, n_out, finite);
}

/* Buffers of one worker; per group of L columns: x [T][L] and the
 * results trace, deriv [n_out][L]; scratch for the steps between. */
struct lane_work {
    double *x, *trace, *deriv;        /* GROUPS groups each */
    double *d, *xs, *ds, *resampled;  /* one group */
};

static void lane_work_free(struct lane_work *w)
{
    free(w->x);
    free(w->trace);
    free(w->deriv);
    free(w->d);
    free(w->xs);
    free(w->ds);
    free(w->resampled);
}

static int lane_work_alloc(struct lane_work *w, size_t T, size_t n_out)
{
    w->x = wk_malloc_array(T, SPAN * sizeof(double));
    w->trace = wk_malloc_array(n_out, SPAN * sizeof(double));
    w->deriv = wk_malloc_array(n_out, SPAN * sizeof(double));
    w->d = wk_malloc_array(T, L * sizeof(double));
    w->xs = wk_malloc_array(T, L * sizeof(double));
    w->ds = wk_malloc_array(T, L * sizeof(double));
    w->resampled = wk_malloc_array(n_out, L * sizeof(double));
    if (w->x && w->trace && w->deriv && w->d && w->xs && w->ds && w->resampled) return 0;
    lane_work_free(w);
    memset(w, 0, sizeof *w);
    return WK_ENOMEM;
}

/* Columns cols[0..w-1] of the T x C matrix m into groups of L lanes
 * (group g at x + g T L), one pass over the rows; the lanes past w are 0
 * (harmless in every step, and never stored). */
static void load_groups(double *x, const float *m, size_t T, size_t C, const size_t *cols, size_t w)
{
    size_t groups = (w + L - 1) / L, last = w - (groups - 1) * L; /* lanes of the last group */
    double *tail = x + (groups - 1) * T * L;
    for (size_t t = 0; t < T; t++)
        for (size_t j = last; j < L; j++) tail[t * L + j] = 0;
    for (size_t t = 0; t < T; t++) {
        const float *row = m + t * C;
        for (size_t g = 0; g < groups; g++) {
            double *out = x + (g * T + t) * L;
            const size_t *gc = cols + g * L;
            size_t lanes = smaller(w - g * L, L);
            for (size_t j = 0; j < lanes; j++) out[j] = row[gc[j]];
        }
    }
}

/* The inverse of load_groups into the n x C matrix m, as float32. */
static void store_groups(float *m, const double *y, size_t n, size_t C, const size_t *cols, size_t w)
{
    size_t groups = (w + L - 1) / L;
    for (size_t t = 0; t < n; t++) {
        float *row = m + t * C;
        for (size_t g = 0; g < groups; g++) {
            const double *in = y + (g * n + t) * L;
            const size_t *gc = cols + g * L;
            size_t lanes = smaller(w - g * L, L);
            for (size_t j = 0; j < lanes; j++) row[gc[j]] = (float)in[j];
        }
    }
}

/* The steps on one group x [T][L] into trace and deriv [n_out][L];
 * present[j] for its lanes. */
static int group_steps(const struct column_job *j, struct lane_work *w, const double *x, double *trace,
                       double *deriv, unsigned char *present)
{
    size_t T = j->T, n_out = j->n_out;
    wk_derivative_lanes(w->d, x, j->time, T);
    to_float32(w->d, T * L);
    int rc = smooth_lanes(j->h->smoother, w->xs, x, T);
    if (rc == 0) rc = smooth_lanes(j->h->smoother, w->ds, w->d, T);
    if (rc < 0) return rc;
    resample_lanes(j->r, j->h->normalize_off ? trace : w->resampled, n_out, w->xs, T);
    resample_lanes(j->r, deriv, n_out, w->ds, T);
    if (j->h->normalize_off) {
        lanes_finite(present, trace, n_out);
        return 0;
    }
    lanes_finite(present, w->resampled, n_out);
    wk_normalize_lanes(j->h->normalize, trace, w->resampled, n_out);
    to_float32(trace, n_out * L);
    keep_lanes(trace, w->resampled, n_out, present);
    return 0;
}

static int columns_work(void *ctx, size_t k, size_t workers)
{
    const struct column_job *j = ctx;
    struct lane_work w;
    int rc = lane_work_alloc(&w, j->T, j->n_out);
    for (size_t b = k * SPAN; rc == 0 && b < j->n; b += workers * SPAN) {
        size_t width = smaller(j->n - b, SPAN);
        const size_t *cols = j->cols + b;
        load_groups(w.x, j->src, j->T, j->C, cols, width);
        for (size_t g = 0; rc == 0 && g * L < width; g++) {
            unsigned char present[L];
            rc = group_steps(j, &w, w.x + g * j->T * L, w.trace + g * j->n_out * L, w.deriv + g * j->n_out * L,
                             present);
            for (size_t i = 0; rc == 0 && i < smaller(width - g * L, L); i++)
                j->present[cols[g * L + i]] = present[i];
        }
        if (rc < 0) break;
        store_groups(j->traces, w.trace, j->n_out, j->C, cols, width);
        store_groups(j->deriv, w.deriv, j->n_out, j->C, cols, width);
    }
    lane_work_free(&w);
    return rc;
}

/* The new traces and derivative into j (allocated; NULL on failure). */
static int run_columns(struct column_job *j)
{
    size_t cells;
    if (wk_size_mul(&cells, j->n_out, j->C) != 0)
        return wk_fail(WK_ERANGE, "resampled matrix of %zu x %zu is too large", j->n_out, j->C);
    size_t *cols = wk_malloc_array(j->C, sizeof *cols);
    j->cols = cols;
    j->traces = wk_malloc_array(cells, sizeof *j->traces);
    j->deriv = wk_malloc_array(cells, sizeof *j->deriv);
    int rc = cols && j->traces && j->deriv ? wk_columns_with_data(cols, &j->n, j->src, j->T, j->C, 0) : WK_ENOMEM;
    if (rc == 0) {
        wk_columns_fill_nan(j->traces, j->n_out, j->C);
        wk_columns_fill_nan(j->deriv, j->n_out, j->C);
        memset(j->present, 0, j->C);
        /* zero-phase smoothing has one plan, with buffers of its own: one thread */
        int one_plan = wk_smoother_params(j->h->smoother)->method == WK_SMOOTH_ZEROPHASE;
        rc = wk_signal_run_workers(columns_work, j, (j->n + SPAN - 1) / SPAN,
                                   one_plan ? 0 : (double)j->n * (double)j->T);
    }
    free(cols);
    j->cols = NULL;
    return rc;
}

/* The attributes of the steps, in the order the step functions set them. */
static int set_step_attrs(struct wk_recording *rec, const struct wk_homogenize *h, const struct wk_resampler *r)
{
    int rc = wk_smooth_set_attrs(rec, wk_smoother_params(h->smoother));
    if (rc == 0) rc = wk_resample_set_attrs(rec, h->resample, wk_resampler_input_dt(r), rec->T);
    if (rc == 0 && !h->normalize_off)
        rc = wk_recording_set_attr_string(rec, "normalization_method", wk_normalize_method_name(h->normalize));
    return rc;
}

/* rec takes the results of j and r: resampled time, traces, derivative,
 * and the original traces and time (or frees them). */
static int take_results(struct wk_recording *rec, const struct wk_homogenize *h, struct column_job *j,
                        const struct wk_resampler *r)
{
    size_t T0 = rec->T, n_out = j->n_out;
    float *orig_time = h->keep_original ? original_time(rec) : NULL;
    double *time = wk_malloc_array(n_out, sizeof *time);
    if (!time || (h->keep_original && !orig_time)) {
        free(orig_time);
        free(time);
        return WK_ENOMEM;
    }
    memcpy(time, wk_resampler_time(r), n_out * sizeof *time);
    free(rec->time);
    rec->time = time;
    float *orig_traces = rec->traces;
    rec->traces = j->traces;
    j->traces = NULL;
    rec->T = n_out;
    rec->dt = h->dt;

    size_t dims[2] = {n_out, rec->C};
    int rc = wk_recording_adopt_array(rec, DERIVATIVE, 2, dims, j->deriv);
    j->deriv = NULL;
    return adopt_originals(rec, h, T0, rc, orig_traces, orig_time);
}

static int homogenize_columns(struct wk_recording *rec, const char *file, const struct wk_homogenize *h)
{
    struct wk_resampler *r = NULL;
    int rc = wk_resample_check(rec, h->dt, h->resample, file);
    if (rc == 0) rc = wk_resampler_alloc(&r, rec->time, rec->T, h->dt, h->resample);
    if (rc < 0) return rc;
    struct column_job j = {h, r, rec->traces, rec->time, rec->T, rec->C, wk_resampler_length(r), 0, NULL,
                           NULL, NULL, rec->present};
    rc = run_columns(&j);
    if (rc == 0) rc = set_step_attrs(rec, h, r);
    if (rc == 0) rc = take_results(rec, h, &j, r);
    free(j.traces);
    free(j.deriv);
    wk_resampler_free(r);
    return rc;
}

int wk_homogenize_recording(struct wk_recording *rec, const char *file, void *ctx)
{
    const struct wk_homogenize *h = ctx;
    int rc = shift_time(rec);
    if (rc < 0) return rc;
    return rec->n_arrays == 0 ? homogenize_columns(rec, file, h) : homogenize_steps(rec, file, h);
}

static int homogenize_recordings(struct wk_file *out, const struct wk_file *in, const struct wk_homogenize *h,
                                 size_t *written)
{
    char **ids = NULL;
    size_t n = 0;
    int rc = wk_file_recording_ids(in, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct wk_recording *rec = NULL;
        rc = wk_recording_read(in, ids[i], &rec);
        if (rc == 0) rc = wk_homogenize_recording(rec, wk_file_name(in), (void *)h);
        if (rc == 0) rc = wk_recording_write(out, rec);
        if (rc == 0) (*written)++;
        wk_recording_free(rec);
    }
    wk_strv_free(ids, n);
    return rc;
}

int wk_homogenize_wormkit_input(struct wk_file *out, const char *path, const struct wk_homogenize *h,
                                size_t *written)
{
    struct wk_file *in = NULL;
    int rc = wk_file_open(&in, path);
    if (rc == 0) rc = wk_file_copy_history(out, in);
    if (rc == 0) rc = homogenize_recordings(out, in, h, written);
    if (rc == 0) rc = wk_file_copy_group(out, in, "/connectomes");
    if (rc == 0) rc = wk_file_copy_group(out, in, "/results");
    wk_file_close(in);
    return rc;
}
