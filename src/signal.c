/* signal.c - the signal steps applied to whole recordings, and the filter
 * loop shared by worm-smooth, worm-derivative, worm-resample and
 * worm-normalize. */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_signal.h"
#include "wormkit/wk_util.h"
#include "signal_internal.h"

#define DERIVATIVE "derivative"

/* ---- columns of a matrix ---- */

/* Tiles of TILE_ROWS rows x w columns: the rows stay in cache while each
 * column's TILE_ROWS doubles (one cache line) are written. */
#define TILE_ROWS 8

void wk_columns_load(double *x, const float *m, size_t T, size_t C, size_t c0, size_t w)
{
    for (size_t t0 = 0; t0 < T; t0 += TILE_ROWS) {
        size_t end = T - t0 > TILE_ROWS ? t0 + TILE_ROWS : T;
        for (size_t j = 0; j < w; j++) {
            double *col = x + j * T;
            for (size_t t = t0; t < end; t++) col[t] = m[t * C + c0 + j];
        }
    }
}

void wk_columns_store(float *m, const double *x, size_t T, size_t C, size_t c0, size_t w,
                      const unsigned char *keep)
{
    for (size_t t0 = 0; t0 < T; t0 += TILE_ROWS) {
        size_t end = T - t0 > TILE_ROWS ? t0 + TILE_ROWS : T;
        for (size_t j = 0; j < w; j++) {
            if (keep && !keep[j]) continue;
            const double *col = x + j * T;
            for (size_t t = t0; t < end; t++) m[t * C + c0 + j] = (float)col[t];
        }
    }
}

void wk_columns_load_list(double *x, const float *m, size_t T, size_t C, const size_t *cols, size_t w)
{
    for (size_t t0 = 0; t0 < T; t0 += TILE_ROWS) {
        size_t end = T - t0 > TILE_ROWS ? t0 + TILE_ROWS : T;
        for (size_t j = 0; j < w; j++) {
            double *col = x + j * T;
            for (size_t t = t0; t < end; t++) col[t] = m[t * C + cols[j]];
        }
    }
}

void wk_columns_store_list(float *m, const double *x, size_t T, size_t C, const size_t *cols, size_t w)
{
    for (size_t t0 = 0; t0 < T; t0 += TILE_ROWS) {
        size_t end = T - t0 > TILE_ROWS ? t0 + TILE_ROWS : T;
        for (size_t j = 0; j < w; j++) {
            const double *col = x + j * T;
            for (size_t t = t0; t < end; t++) m[t * C + cols[j]] = (float)col[t];
        }
    }
}

void wk_columns_fill_nan(float *m, size_t T, size_t C)
{
    size_t n = T * C;
#pragma omp simd
    for (size_t i = 0; i < n; i++) m[i] = NAN;
}

/* Rows between checks whether every column has shown data. */
#define SCAN_ROWS 64

static int all_set(const unsigned char *flags, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!flags[i]) return 0;
    return 1;
}

/* seen[c] |= row c of rows [t0, t1) holds a finite value (or one that is
 * not NaN): branch-free, so that it vectorizes. */
static void mark_rows(unsigned char *seen, const float *m, size_t C, size_t t0, size_t t1, int finite_only)
{
    for (size_t t = t0; t < t1; t++) {
        const float *row = m + t * C;
        if (finite_only) {
#pragma omp simd
            for (size_t c = 0; c < C; c++) seen[c] |= (unsigned char)(fabsf(row[c]) <= FLT_MAX);
        } else {
#pragma omp simd
            for (size_t c = 0; c < C; c++) seen[c] |= (unsigned char)(row[c] == row[c]);
        }
    }
}

/* A pass over the rows that stops once every column has shown data. */
int wk_columns_with_data(size_t *cols, size_t *n, const float *m, size_t T, size_t C, int finite_only)
{
    unsigned char *seen = wk_calloc(C ? C : 1, 1);
    if (!seen) return WK_ENOMEM;
    for (size_t t0 = 0; t0 < T && !all_set(seen, C); t0 += SCAN_ROWS)
        mark_rows(seen, m, C, t0, T - t0 > SCAN_ROWS ? t0 + SCAN_ROWS : T, finite_only);
    *n = 0;
    for (size_t c = 0; c < C; c++)
        if (seen[c]) cols[(*n)++] = c;
    free(seen);
    return 0;
}

/* ---- worker threads ---- */

#define MAX_WORKERS 64

struct worker {
    wk_signal_work_fn work;
    void *ctx;
    size_t k, n;
    int rc;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    w->rc = w->work(w->ctx, w->k, w->n);
    return NULL;
}

int wk_signal_run_workers(wk_signal_work_fn work, void *ctx, size_t blocks, double samples)
{
    size_t n = samples < WK_SIGNAL_PARALLEL_MIN ? 1 : (size_t)omp_get_max_threads();
    pthread_t tid[MAX_WORKERS];
    struct worker w[MAX_WORKERS];
    int started[MAX_WORKERS] = {0}, rc = 0;

    if (n > MAX_WORKERS) n = MAX_WORKERS;
    if (n > blocks) n = blocks;
    if (n <= 1) return blocks ? work(ctx, 0, 1) : 0;
    for (size_t k = 0; k < n; k++) w[k] = (struct worker){work, ctx, k, n, 0};
    for (size_t k = 1; k < n; k++) started[k] = pthread_create(&tid[k], NULL, worker_run, &w[k]) == 0;
    worker_run(&w[0]);
    for (size_t k = 1; k < n; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            worker_run(&w[k]);
    }
    for (size_t k = 0; k < n; k++)
        if (w[k].rc < rc) rc = w[k].rc;
    return rc;
}

size_t wk_columns_width(size_t C, size_t c0)
{
    return C - c0 > WK_COLUMN_BLOCK ? WK_COLUMN_BLOCK : C - c0;
}

int wk_column_has_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) return 1;
    return 0;
}

/* ---- smoothing ---- */

int wk_smooth_set_attrs(struct wk_recording *rec, const struct wk_smooth_params *p)
{
    int rc = wk_recording_set_attr_string(rec, "smooth_method", wk_smooth_method_name(p->method));
    if (rc < 0) return rc;
    switch (p->method) {
    case WK_SMOOTH_MOVING: return wk_recording_set_attr_double(rec, "smooth_window", (double)(p->window | 1));
    case WK_SMOOTH_GAUSSIAN:
    case WK_SMOOTH_ZEROPHASE: return wk_recording_set_attr_double(rec, "smooth_sigma", p->sigma);
    case WK_SMOOTH_EXPONENTIAL: return wk_recording_set_attr_double(rec, "smooth_alpha", p->alpha);
    case WK_SMOOTH_NONE: return 0;
    }
    return 0;
}

int wk_smooth_recording(struct wk_smoother *s, struct wk_recording *rec, const char *file)
{
    (void)file;
    int rc = wk_smoother_apply(s, rec->traces, rec->T, rec->C);
    struct wk_array *d = wk_recording_array(rec, DERIVATIVE);
    if (rc == 0 && d && d->rank == 2 && d->dims[0] == rec->T)
        rc = wk_smoother_apply(s, d->data, d->dims[0], d->dims[1]);
    if (rc == 0) rc = wk_smooth_set_attrs(rec, wk_smoother_params(s));
    return rc;
}

/* ---- derivative ---- */

int wk_derivative_recording(struct wk_recording *rec, int replace, const char *file)
{
    (void)file;
    if (replace) {
        int rc = wk_derivative_matrix(rec->traces, rec->traces, rec->time, rec->T, rec->C);
        if (rc == 0 && wk_recording_array(rec, DERIVATIVE)) rc = wk_recording_remove_array(rec, DERIVATIVE);
        if (rc == 0) rc = wk_recording_set_attr_double(rec, "traces_derivative", 1);
        if (rc == 0) wk_recording_update_present(rec);
        return rc;
    }
    size_t cells;
    if (wk_size_mul(&cells, rec->T, rec->C) != 0) return wk_fail(WK_ERANGE, "recording '%s' is too large", rec->id);
    float *d = wk_malloc_array(cells ? cells : 1, sizeof *d);
    if (!d) return WK_ENOMEM;
    int rc = wk_derivative_matrix(d, rec->traces, rec->time, rec->T, rec->C);
    if (rc < 0) {
        free(d);
        return rc;
    }
    size_t dims[2] = {rec->T, rec->C};
    return wk_recording_adopt_array(rec, DERIVATIVE, 2, dims, d);
}

/* ---- resampling ---- */

/* Columns of an array whose first dimension is time: the product of the
 * other dimensions. */
static size_t array_columns(const struct wk_array *a)
{
    size_t cols = 1;
    for (int i = 1; i < a->rank; i++) cols *= a->dims[i];
    return cols;
}

static int is_time_indexed(const struct wk_array *a, size_t T)
{
    return a->rank >= 1 && a->rank <= 4 && a->dims[0] == T;
}

int wk_resample_check(const struct wk_recording *rec, double dt, enum wk_resample_method method, const char *file)
{
    if (rec->T < 2)
        return wk_fail(WK_EINVAL, "'%s': /recordings/%s/time: cannot resample a recording of %zu sample%s",
                       file, rec->id, rec->T, rec->T == 1 ? "" : "s");
    if (wk_resample_output_length(rec->time, rec->T, dt, method) == 0)
        return wk_fail(WK_EINVAL, "'%s': /recordings/%s/time: recording of %g s is too short to resample to %g s",
                       file, rec->id, rec->time[rec->T - 1] - rec->time[0], dt);
    return 0;
}

int wk_resample_set_attrs(struct wk_recording *rec, enum wk_resample_method method, double input_dt, size_t T_in)
{
    int rc = wk_recording_set_attr_string(rec, "interpolate_method", wk_resample_method_name(method));
    if (rc == 0 && !wk_recording_attr(rec, "original_dt"))
        rc = wk_recording_set_attr_double(rec, "original_dt", input_dt);
    if (rc == 0 && !wk_recording_attr(rec, "original_max_timesteps"))
        rc = wk_recording_set_attr_double(rec, "original_max_timesteps", (double)T_in);
    return rc;
}

/* Everything is computed before rec is changed, so a failure leaves it whole. */
int wk_resample_recording(struct wk_recording *rec, double dt, enum wk_resample_method method,
                          const char *file)
{
    int rc = wk_resample_check(rec, dt, method, file);
    if (rc < 0) return rc;

    struct wk_resampler *r;
    rc = wk_resampler_alloc(&r, rec->time, rec->T, dt, method);
    if (rc < 0) return rc;
    size_t n_out = wk_resampler_length(r);
    float *traces = NULL;
    float **arrays = wk_calloc(rec->n_arrays ? rec->n_arrays : 1, sizeof *arrays);
    double *time = wk_malloc_array(n_out, sizeof *time);
    rc = arrays && time ? wk_resampler_apply_matrix(r, &traces, rec->traces, rec->C) : WK_ENOMEM;
    for (size_t i = 0; rc == 0 && i < rec->n_arrays; i++) {
        const struct wk_array *a = &rec->arrays[i];
        if (is_time_indexed(a, rec->T)) rc = wk_resampler_apply_matrix(r, &arrays[i], a->data, array_columns(a));
    }
    if (rc == 0) {
        memcpy(time, wk_resampler_time(r), n_out * sizeof *time);
        rc = wk_resample_set_attrs(rec, method, wk_resampler_input_dt(r), rec->T);
    }
    if (rc == 0) {
        for (size_t i = 0; i < rec->n_arrays; i++) {
            if (!arrays[i]) continue;
            free(rec->arrays[i].data);
            rec->arrays[i].data = arrays[i];
            rec->arrays[i].dims[0] = n_out;
            arrays[i] = NULL;
        }
        free(rec->traces);
        rec->traces = traces;
        traces = NULL;
        free(rec->time);
        rec->time = time;
        time = NULL;
        rec->T = n_out;
        rec->dt = dt;
        wk_recording_update_present(rec);
    }
    for (size_t i = 0; arrays && i < rec->n_arrays; i++) free(arrays[i]);
    free(arrays);
    free(traces);
    free(time);
    wk_resampler_free(r);
    return rc;
}

/* ---- normalization ---- */

int wk_normalize_recording(struct wk_recording *rec, enum wk_normalize_method method, const char *file)
{
    (void)file;
    int rc = wk_normalize_matrix(rec->traces, rec->T, rec->C, method);
    if (rc == 0) rc = wk_recording_set_attr_string(rec, "normalization_method", wk_normalize_method_name(method));
    return rc;
}

/* ---- the filter loop ---- */

static int filter_recordings(struct wk_file *out, const struct wk_file *in, wk_signal_fn fn, void *ctx)
{
    char **ids = NULL;
    size_t n = 0;
    int rc = wk_file_recording_ids(in, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct wk_recording *rec = NULL;
        rc = wk_recording_read(in, ids[i], &rec);
        if (rc == 0) rc = fn(rec, wk_file_name(in), ctx);
        if (rc == 0) rc = wk_recording_write(out, rec);
        if (rc == 0) wk_log(WK_LOG_INFO, "'%s': recording '%s': %zu samples", wk_file_name(in), ids[i], rec->T);
        wk_recording_free(rec);
    }
    wk_strv_free(ids, n);
    return rc;
}

static int filter_input(struct wk_file *out, const char *path, wk_signal_fn fn, void *ctx)
{
    struct wk_file *in = NULL;
    int rc = wk_file_open(&in, path);
    if (rc == 0) rc = wk_file_copy_history(out, in);
    if (rc == 0) rc = filter_recordings(out, in, fn, ctx);
    if (rc == 0) rc = wk_file_copy_group(out, in, "/connectomes");
    if (rc == 0) rc = wk_file_copy_group(out, in, "/results");
    wk_file_close(in);
    return rc;
}

int wk_signal_filter(const struct wk_cli *cli, wk_signal_fn fn, void *ctx)
{
    int stdin_uses = cli->n_files == 0;
    for (int i = 0; i < cli->n_files; i++) stdin_uses += strcmp(cli->files[i], "-") == 0;
    if (stdin_uses > 1) {
        wk_cli_usage_error("stdin ('-') can be read only once");
        return WK_EUSAGE;
    }
    struct wk_file *out = NULL;
    int rc = wk_file_create(&out, cli->output ? cli->output : "-");
    if (rc < 0) return rc;
    int n = cli->n_files ? cli->n_files : 1;
    for (int i = 0; rc == 0 && i < n; i++) rc = filter_input(out, cli->n_files ? cli->files[i] : "-", fn, ctx);
    if (rc < 0) {
        wk_file_abort(out);
        return rc;
    }
    return wk_file_commit(out);
}

/* ---- lanes ---- */

int wk_lanes_all_finite(const double *x, size_t n)
{
    enum { STEP = 64 * WK_LANES };
    for (size_t i0 = 0; i0 < n * WK_LANES; i0 += STEP) {
        size_t end = n * WK_LANES - i0 < STEP ? n * WK_LANES : i0 + STEP;
        double bad = 0;
#pragma omp simd reduction(+ : bad)
        for (size_t i = i0; i < end; i++) {
            double v = x[i], flag = fabs(v) <= DBL_MAX ? 0.0 : 1.0;
            bad += flag;
        }
        if (bad > 0) return 0;
    }
    return 1;
}
