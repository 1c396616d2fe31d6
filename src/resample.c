/* resample.c - resampling to a fixed interval (homogenize spec, step 4):
 * the reference's linear upsampling and dt/6-grid block-mean downsampling,
 * and a windowed-sinc method, both NaN-aware without spreading gaps. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"
#include "wormkit/wk_util.h"
#include "signal_internal.h"

#define MAX_GRID 1e10 /* more output points than this is a mistake in dt */
#define WK_PI 3.14159265358979323846

static const char *const resample_names[] = {"linear", "sinc"};
#define N_RESAMPLE_NAMES (sizeof resample_names / sizeof resample_names[0])

int wk_resample_method_from_name(const char *name, enum wk_resample_method *out)
{
    if (!name) return WK_EINVAL;
    for (size_t i = 0; i < N_RESAMPLE_NAMES; i++) {
        if (strcmp(name, resample_names[i]) == 0) {
            *out = (enum wk_resample_method)i;
            return 0;
        }
    }
    return WK_EINVAL;
}

const char *wk_resample_method_name(enum wk_resample_method method)
{
    size_t i = (size_t)method;
    return i < N_RESAMPLE_NAMES ? resample_names[i] : "unknown";
}

struct wk_resampler {
    enum wk_resample_method method;
    size_t n_in, n_out;
    int upsample;
    double dt, dt_in;
    double *time_out; /* [n_out] */

    /* linear: the interpolated points (the output grid when upsampling,
     * the dt/6 grid when downsampling): x[left] + frac (x[left+1] - x[left]) */
    size_t n_points;
    size_t *left;
    double *frac;

    /* sinc: output k uses inputs first[k] .. first[k] + count[k] - 1 with
     * weights weight[offset[k] ..]; core marks the main lobe |u| < s */
    size_t *first, *count, *offset;
    double *weight;
    unsigned char *core;
};

void wk_resampler_free(struct wk_resampler *r)
{
    if (!r) return;
    free(r->time_out);
    free(r->left);
    free(r->frac);
    free(r->first);
    free(r->count);
    free(r->offset);
    free(r->weight);
    free(r->core);
    free(r);
}

size_t wk_resampler_length(const struct wk_resampler *r)
{
    return r->n_out;
}

const double *wk_resampler_time(const struct wk_resampler *r)
{
    return r->time_out;
}

int wk_resampler_upsamples(const struct wk_resampler *r)
{
    return r->upsample;
}

double wk_resampler_input_dt(const struct wk_resampler *r)
{
    return r->dt_in;
}

/* Median of the intervals (numpy.median: mean of the middle two). */
static int median_interval(const double *time, size_t n, double *out)
{
    double *d = wk_malloc_array(n - 1, sizeof *d);
    if (!d) return WK_ENOMEM;
    for (size_t i = 0; i + 1 < n; i++) d[i] = time[i + 1] - time[i];
    *out = wk_median_inplace(d, n - 1);
    free(d);
    return 0;
}

/* numpy.arange(start, stop, step) length: ceil((stop - start) / step). */
static int grid_length(double start, double stop, double step, size_t *out)
{
    double len = ceil((stop - start) / step);
    if (!(len <= MAX_GRID))
        return wk_fail(WK_ERANGE, "resampling interval %g s is too small for a recording of %g s",
                       step, stop - start);
    *out = len > 0 ? (size_t)len : 0;
    return 0;
}

/* Output length without building anything: upsampling and sinc use the
 * grid time[0] + k dt < tmax, linear downsampling whole blocks of the
 * dt/6 grid. */
size_t wk_resample_output_length(const double *time, size_t n, double dt, enum wk_resample_method method)
{
    if (n < 2 || !(dt > 0) || !isfinite(dt)) return 0;
    double median;
    if (median_interval(time, n, &median) < 0) return 0;
    int blocks = method == WK_RESAMPLE_LINEAR && !(dt < median);
    double len = ceil((time[n - 1] - time[0]) / (blocks ? dt / WK_RESAMPLE_BLOCK : dt));
    if (!(len > 0)) return 0;
    if (len > MAX_GRID) len = MAX_GRID + 1; /* not empty; too large is for wk_resampler_alloc to say */
    return blocks ? (size_t)len / WK_RESAMPLE_BLOCK : (size_t)len;
}

/* Bracketing pair of each point of start + i * step, i < n_points. */
static int linear_points(struct wk_resampler *r, const double *time, double step)
{
    r->left = wk_malloc_array(r->n_points, sizeof *r->left);
    r->frac = wk_malloc_array(r->n_points, sizeof *r->frac);
    if (!r->left || !r->frac) return WK_ENOMEM;
    size_t j = 0, n = r->n_in;
    for (size_t p = 0; p < r->n_points; p++) {
        double tau = time[0] + (double)p * step;
        while (j + 2 < n && time[j + 1] <= tau) j++;
        double f = (tau - time[j]) / (time[j + 1] - time[j]);
        r->left[p] = j;
        r->frac[p] = f < 0 ? 0 : f > 1 ? 1 : f;
    }
    return 0;
}

static int linear_plan(struct wk_resampler *r, const double *time)
{
    double tmax = time[r->n_in - 1];
    int rc;
    if (r->upsample) {
        rc = grid_length(time[0], tmax, r->dt, &r->n_points);
        r->n_out = r->n_points;
        if (rc == 0) rc = linear_points(r, time, r->dt);
    } else {
        double step = r->dt / WK_RESAMPLE_BLOCK;
        rc = grid_length(time[0], tmax, step, &r->n_points);
        r->n_out = r->n_points / WK_RESAMPLE_BLOCK;
        if (rc == 0) rc = linear_points(r, time, step);
    }
    return rc;
}

static double sinc(double v)
{
    if (v == 0) return 1;
    return sin(WK_PI * v) / (WK_PI * v);
}

/* Blackman window on [-1, 1]. */
static double blackman(double v)
{
    if (fabs(v) >= 1) return 0;
    return 0.42 + 0.5 * cos(WK_PI * v) + 0.08 * cos(2 * WK_PI * v);
}

/* Kernel h(u) = sinc(u / s) blackman(u / (a s)), s = max(dt_in, dt): cut-off
 * at the Nyquist frequency of the coarser of the two grids. */
static int sinc_plan(struct wk_resampler *r, const double *time)
{
    size_t n = r->n_in;
    int rc = grid_length(time[0], time[n - 1], r->dt, &r->n_out);
    if (rc < 0) return rc;
    double s = r->dt_in > r->dt ? r->dt_in : r->dt;
    double reach = WK_RESAMPLE_SINC_HALF_WIDTH * s;
    size_t nk = r->n_out ? r->n_out : 1;
    r->first = wk_malloc_array(nk, sizeof *r->first);
    r->count = wk_malloc_array(nk, sizeof *r->count);
    r->offset = wk_malloc_array(nk, sizeof *r->offset);
    if (!r->first || !r->count || !r->offset) return WK_ENOMEM;

    size_t lo = 0, total = 0;
    for (size_t k = 0; k < r->n_out; k++) {
        double tau = time[0] + (double)k * r->dt;
        while (lo < n && time[lo] <= tau - reach) lo++;
        size_t hi = lo;
        while (hi < n && time[hi] < tau + reach) hi++;
        r->first[k] = lo;
        r->count[k] = hi - lo;
        r->offset[k] = total;
        total += hi - lo;
    }
    r->weight = wk_malloc_array(total ? total : 1, sizeof *r->weight);
    r->core = wk_malloc_array(total ? total : 1, sizeof *r->core);
    if (!r->weight || !r->core) return WK_ENOMEM;
    for (size_t k = 0; k < r->n_out; k++) {
        double tau = time[0] + (double)k * r->dt;
        for (size_t i = 0; i < r->count[k]; i++) {
            double u = tau - time[r->first[k] + i];
            r->weight[r->offset[k] + i] = sinc(u / s) * blackman(u / reach);
            r->core[r->offset[k] + i] = fabs(u) < s;
        }
    }
    return 0;
}

int wk_resampler_alloc(struct wk_resampler **out, const double *time, size_t n, double dt,
                       enum wk_resample_method method)
{
    *out = NULL;
    if (!(dt > 0) || !isfinite(dt)) return wk_fail(WK_EINVAL, "invalid resampling interval %g s", dt);
    if (method != WK_RESAMPLE_LINEAR && method != WK_RESAMPLE_SINC)
        return wk_fail(WK_EINVAL, "unknown resampling method %d", (int)method);
    if (n < 2) return wk_fail(WK_EINVAL, "cannot resample a recording of %zu sample%s", n, n == 1 ? "" : "s");

    struct wk_resampler *r = wk_calloc(1, sizeof *r);
    if (!r) return WK_ENOMEM;
    r->method = method;
    r->n_in = n;
    r->dt = dt;
    int rc = median_interval(time, n, &r->dt_in);
    if (rc == 0) {
        r->upsample = dt < r->dt_in;
        rc = method == WK_RESAMPLE_LINEAR ? linear_plan(r, time) : sinc_plan(r, time);
    }
    if (rc == 0 && r->n_out == 0)
        rc = wk_fail(WK_EINVAL, "recording of %g s is too short to resample to %g s", time[n - 1] - time[0], dt);
    if (rc == 0 && !(r->time_out = wk_malloc_array(r->n_out, sizeof *r->time_out))) rc = WK_ENOMEM;
    if (rc < 0) {
        wk_resampler_free(r);
        return rc;
    }
    for (size_t k = 0; k < r->n_out; k++) r->time_out[k] = time[0] + (double)k * dt;
    *out = r;
    return 0;
}

/* A point depends only on the samples it is interpolated from: on x[left]
 * alone when it falls on that sample. */
static inline double interpolate(const struct wk_resampler *r, size_t p, const double *x, size_t xstride)
{
    size_t j = r->left[p];
    double f = r->frac[p];
    double a = x[j * xstride];
    if (f == 0) return a;
    double b = x[(j + 1) * xstride];
    if (f == 1) return b;
    return a + f * (b - a);
}

/* Downsampling: output k is the mean of the finite points 6k .. 6k + 5 of
 * the fine grid, each interpolated and added as it comes (no buffer of
 * points, so r is only read and threads may share it). */
static void apply_linear(const struct wk_resampler *r, double *y, size_t ystride, const double *x, size_t xstride)
{
    if (r->upsample) {
        for (size_t k = 0; k < r->n_out; k++) y[k * ystride] = interpolate(r, k, x, xstride);
        return;
    }
    for (size_t k = 0; k < r->n_out; k++) {
        size_t p0 = k * WK_RESAMPLE_BLOCK;
        double sum = 0;
        int count = 0;
        for (size_t p = p0; p < p0 + WK_RESAMPLE_BLOCK; p++) {
            double v = interpolate(r, p, x, xstride);
            if (isfinite(v)) {
                sum += v;
                count++;
            }
        }
        y[k * ystride] = count ? sum / count : NAN;
    }
}

/* Weighted mean of the finite samples in the kernel support; NaN when a
 * main-lobe sample is missing or no main-lobe sample exists. */
static void apply_sinc(const struct wk_resampler *r, double *y, size_t ystride, const double *x, size_t xstride)
{
    for (size_t k = 0; k < r->n_out; k++) {
        const double *w = r->weight + r->offset[k];
        const unsigned char *core = r->core + r->offset[k];
        const double *xk = x + r->first[k] * xstride;
        double num = 0, den = 0;
        int cores = 0, gap = 0;
        for (size_t i = 0; i < r->count[k]; i++) {
            double v = xk[i * xstride];
            if (!isfinite(v)) {
                gap |= core[i];
                continue;
            }
            cores += core[i];
            num += w[i] * v;
            den += w[i];
        }
        y[k * ystride] = !gap && cores > 0 && den > 0 ? num / den : NAN;
    }
}

/* wk_resampler_apply, reading r only (the threads of resample_work share it). */
static void apply_column(const struct wk_resampler *r, double *y, size_t ystride, const double *x, size_t xstride)
{
    if (r->method == WK_RESAMPLE_LINEAR)
        apply_linear(r, y, ystride, x, xstride);
    else
        apply_sinc(r, y, ystride, x, xstride);
}

void wk_resampler_apply(struct wk_resampler *r, double *y, size_t ystride, const double *x, size_t xstride)
{
    apply_column(r, y, ystride, x, xstride);
}

struct resample_job {
    const struct wk_resampler *r;
    float *out;
    const float *src;
    size_t C, n;
    const size_t *cols; /* [n]: the columns with a finite value */
};

static int resample_work(void *ctx, size_t k, size_t workers)
{
    const struct resample_job *j = ctx;
    const struct wk_resampler *r = j->r;
    size_t n_in = r->n_in, n_out = r->n_out;
    double *x = wk_malloc_array(n_in, WK_COLUMN_BLOCK * sizeof *x);
    double *y = wk_malloc_array(n_out, WK_COLUMN_BLOCK * sizeof *y);
    int rc = x && y ? 0 : WK_ENOMEM;
    for (size_t b = k * WK_COLUMN_BLOCK; rc == 0 && b < j->n; b += workers * WK_COLUMN_BLOCK) {
        size_t w = wk_columns_width(j->n, b);
        wk_columns_load_list(x, j->src, n_in, j->C, j->cols + b, w);
        for (size_t c = 0; c < w; c++) apply_column(r, y + c * n_out, 1, x + c * n_in, 1);
        wk_columns_store_list(j->out, y, n_out, j->C, j->cols + b, w);
    }
    free(x);
    free(y);
    return rc;
}

int wk_resampler_apply_matrix(struct wk_resampler *r, float **dst, const float *src, size_t C)
{
    *dst = NULL;
    size_t cells;
    if (wk_size_mul(&cells, r->n_out, C) != 0)
        return wk_fail(WK_ERANGE, "resampled matrix of %zu x %zu is too large", r->n_out, C);
    float *out = wk_malloc_array(cells ? cells : 1, sizeof *out);
    size_t *cols = wk_malloc_array(C ? C : 1, sizeof *cols);
    struct resample_job j = {r, out, src, C, 0, cols};
    int rc = out && cols ? wk_columns_with_data(cols, &j.n, src, r->n_in, C, 1) : WK_ENOMEM;
    /* a column without a finite value resamples to NaN; blocks of columns
     * shared among the threads, each with its own scratch */
    if (rc == 0) {
        wk_columns_fill_nan(out, r->n_out, C);
        rc = wk_signal_run_workers(resample_work, &j, (j.n + WK_COLUMN_BLOCK - 1) / WK_COLUMN_BLOCK,
                                   (double)j.n * (double)r->n_in);
    }
    free(cols);
    if (rc < 0) {
        free(out);
        return rc;
    }
    *dst = out;
    return 0;
}

/* interpolate() on every lane: v[j] from the interleaved x. */
static inline void interpolate_lanes(const struct wk_resampler *r, size_t p, const double *x, double *v)
{
    enum { L = WK_LANES };
    const double *a = x + r->left[p] * L, *b = a + L;
    double f = r->frac[p];
    if (f == 0) {
        memcpy(v, a, L * sizeof *v);
    } else if (f == 1) {
        memcpy(v, b, L * sizeof *v);
    } else {
#pragma omp simd
        for (size_t j = 0; j < L; j++) v[j] = a[j] + f * (b[j] - a[j]);
    }
}

/* sum[j] += v[j] and count[j] += 1 where v[j] is finite (adding 0.0 and
 * 0.0 elsewhere: exact, sum is never -0.0). */
static inline void add_finite_lanes(double *sum, double *count, const double *v)
{
#pragma omp simd
    for (size_t j = 0; j < WK_LANES; j++) {
        double value = v[j], add = fabs(value) <= DBL_MAX ? value : 0.0, one = fabs(value) <= DBL_MAX ? 1.0 : 0.0;
        sum[j] += add;
        count[j] += one;
    }
}

/* block_sums_lanes when every point is finite: plain sums. */
static void block_sums_finite_lanes(const struct wk_resampler *r, size_t k, const double *x, double *sum)
{
    enum { L = WK_LANES };
    for (size_t p = k * WK_RESAMPLE_BLOCK; p < (k + 1) * WK_RESAMPLE_BLOCK; p++) {
        const double *a = x + r->left[p] * L, *b = a + L;
        double f = r->frac[p];
        if (f == 0) {
#pragma omp simd
            for (size_t j = 0; j < L; j++) sum[j] += a[j];
        } else if (f == 1) {
#pragma omp simd
            for (size_t j = 0; j < L; j++) sum[j] += b[j];
        } else {
#pragma omp simd
            for (size_t j = 0; j < L; j++) sum[j] += a[j] + f * (b[j] - a[j]);
        }
    }
}

/* Downsampling: the points of one block added lane by lane; a point on a
 * sample (frac 0 or 1) adds that sample, as interpolate() returns it. */
static void block_sums_lanes(const struct wk_resampler *r, size_t k, const double *x, double *sum, double *count)
{
    enum { L = WK_LANES };
    for (size_t p = k * WK_RESAMPLE_BLOCK; p < (k + 1) * WK_RESAMPLE_BLOCK; p++) {
        const double *a = x + r->left[p] * L, *b = a + L;
        double f = r->frac[p], v[L];
        if (f == 0) {
            add_finite_lanes(sum, count, a);
        } else if (f == 1) {
            add_finite_lanes(sum, count, b);
        } else {
#pragma omp simd
            for (size_t j = 0; j < L; j++) v[j] = a[j] + f * (b[j] - a[j]);
            add_finite_lanes(sum, count, v);
        }
    }
}

void wk_resampler_apply_lanes(const struct wk_resampler *r, double *y, const double *x)
{
    enum { L = WK_LANES };
    if (r->method != WK_RESAMPLE_LINEAR) {
        for (size_t j = 0; j < L; j++) apply_sinc(r, y + j, L, x + j, L);
        return;
    }
    if (r->upsample) {
        for (size_t k = 0; k < r->n_out; k++) interpolate_lanes(r, k, x, y + k * L);
        return;
    }
    if (wk_lanes_all_finite(x, r->n_in)) { /* then every point is finite (|a|, |b| <= FLT_MAX) */
        for (size_t k = 0; k < r->n_out; k++) {
            double sum[L] = {0}, *out = y + k * L;
            block_sums_finite_lanes(r, k, x, sum);
#pragma omp simd
            for (size_t j = 0; j < L; j++) out[j] = sum[j] / WK_RESAMPLE_BLOCK;
        }
        return;
    }
    for (size_t k = 0; k < r->n_out; k++) {
        double sum[L] = {0}, count[L] = {0}, *out = y + k * L;
        block_sums_lanes(r, k, x, sum, count);
#pragma omp simd
        for (size_t j = 0; j < L; j++) {
            double c = count[j], s = sum[j], none = c == 0 ? 1.0 : 0.0, keep = c == 0 ? NAN : 1.0;
            out[j] = s / (c + none) * keep; /* s / c, or NaN: x 1.0 and + 0.0 are exact */
        }
    }
}
