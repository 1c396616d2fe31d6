/* smooth.c - causal moving, Gaussian and exponential smoothing, and
 * zero-phase Gaussian smoothing through FFTW (homogenize spec, step 3). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"
#include "wormkit/wk_util.h"
#include "signal_internal.h"

void wk_smooth_params_init(struct wk_smooth_params *p)
{
    p->method = WK_SMOOTH_MOVING;
    p->window = WK_SMOOTH_WINDOW;
    p->sigma = WK_SMOOTH_SIGMA;
    p->alpha = WK_SMOOTH_ALPHA;
}

static const char *const smooth_names[] = {"none", "moving", "gaussian", "exponential", "zero-phase"};
#define N_SMOOTH_NAMES (sizeof smooth_names / sizeof smooth_names[0])

int wk_smooth_method_from_name(const char *name, enum wk_smooth_method *out)
{
    if (!name) return WK_EINVAL;
    for (size_t i = 0; i < N_SMOOTH_NAMES; i++) {
        if (strcmp(name, smooth_names[i]) == 0) {
            *out = (enum wk_smooth_method)i;
            return 0;
        }
    }
    if (strcmp(name, "zerophase") == 0) {
        *out = WK_SMOOTH_ZEROPHASE;
        return 0;
    }
    return WK_EINVAL;
}

const char *wk_smooth_method_name(enum wk_smooth_method method)
{
    size_t i = (size_t)method;
    return i < N_SMOOTH_NAMES ? smooth_names[i] : "unknown";
}

static int check_window(long window)
{
    if (window < 1) return wk_fail(WK_EINVAL, "invalid moving-average window %ld (must be at least 1)", window);
    return 0;
}

static int check_sigma(double sigma)
{
    if (!(sigma > 0) || !isfinite(sigma))
        return wk_fail(WK_EINVAL, "invalid gaussian sigma %g (must be a positive number of samples)", sigma);
    return 0;
}

static int check_alpha(double alpha)
{
    if (!(alpha > 0 && alpha <= 1))
        return wk_fail(WK_EINVAL, "invalid exponential alpha %g (must be in (0, 1])", alpha);
    return 0;
}

int wk_smooth_params_check(const struct wk_smooth_params *p)
{
    switch (p->method) {
    case WK_SMOOTH_NONE: return 0;
    case WK_SMOOTH_MOVING: return check_window(p->window);
    case WK_SMOOTH_GAUSSIAN:
    case WK_SMOOTH_ZEROPHASE: return check_sigma(p->sigma);
    case WK_SMOOTH_EXPONENTIAL: return check_alpha(p->alpha);
    }
    return wk_fail(WK_EINVAL, "unknown smoothing method %d", (int)p->method);
}

/* ---- causal kernels ---- */

/* y[j] = mean of the finite x[max(j - h, 0) .. j], h = w // 2 with w odd:
 * a running sum of the finite samples entering and leaving the window. */
int wk_smooth_moving(double *y, const double *x, size_t n, size_t stride, long window)
{
    int rc = check_window(window);
    if (rc < 0) return rc;
    size_t odd = (size_t)window | 1u;
    size_t half = odd / 2;
    double sum = 0;
    size_t count = 0;
    for (size_t j = 0; j < n; j++) {
        double in = x[j * stride];
        if (isfinite(in)) {
            sum += in;
            count++;
        }
        if (j > half) {
            double out = x[(j - half - 1) * stride];
            if (isfinite(out)) {
                sum -= out;
                count--;
            }
        }
        if (count == 0) sum = 0; /* forget rounding residue across a gap */
        y[j * stride] = count ? sum / (double)count : NAN;
    }
    return 0;
}

/* y[i] = sum_k w[k] x[i-k] / sum_k w[k] over lags 0 <= k <= min(i, L) with
 * x[i-k] finite, w[k] = exp(-k^2 / (2 sigma^2)), L = ceil(8 sigma): the
 * reference weights, normalized over the available past samples; lags
 * beyond L weigh less than exp(-32) relative to lag 0. */
int wk_smooth_gaussian(double *y, const double *x, size_t n, size_t stride, double sigma)
{
    int rc = check_sigma(sigma);
    if (rc < 0) return rc;
    if (n == 0) return 0;
    double lmax = ceil(WK_SMOOTH_CAUSAL_TRUNCATE * sigma);
    size_t lags = lmax >= (double)(n - 1) ? n - 1 : (size_t)lmax;
    double *w = wk_malloc_array(lags + 1, sizeof *w);
    if (!w) return WK_ENOMEM;
    for (size_t k = 0; k <= lags; k++) w[k] = exp(-(double)k * (double)k / (2 * sigma * sigma));

    for (size_t i = 0; i < n; i++) {
        size_t kmax = i < lags ? i : lags;
        double num = 0, den = 0;
        for (size_t k = 0; k <= kmax; k++) {
            double v = x[(i - k) * stride];
            if (!isfinite(v)) continue;
            num += w[k] * v;
            den += w[k];
        }
        y[i * stride] = den > 0 ? num / den : NAN;
    }
    free(w);
    return 0;
}

/* The first finite sample starts the recursion; a NaN outputs NaN and
 * leaves the state as it was. */
int wk_smooth_exponential(double *y, const double *x, size_t n, size_t stride, double alpha)
{
    int rc = check_alpha(alpha);
    if (rc < 0) return rc;
    double state = NAN;
    int started = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (!isfinite(v)) {
            y[i * stride] = NAN;
            continue;
        }
        state = started ? alpha * v + (1 - alpha) * state : v;
        started = 1;
        y[i * stride] = state;
    }
    return 0;
}

/* ---- zero-phase Gaussian through FFTW ---- */

struct wk_zerophase {
    size_t n, radius, padded, m; /* signal, kernel radius, n + 2 radius, FFT length */
    double *buf;                 /* [m] real buffer of both plans */
    fftw_complex *spec;          /* [m/2 + 1] */
    fftw_complex *kernel;        /* [m/2 + 1] kernel spectrum, divided by m */
    fftw_plan forward, inverse;
    double *num;                 /* [n] smoothed values before the NaN division */
    size_t *finite;              /* [padded + 1] prefix counts of finite padded samples */
};

/* Smallest 2^a 3^b 5^c 7^d >= n: sizes FFTW transforms fast. */
static size_t fft_size(size_t n)
{
    for (size_t m = n > 1 ? n : 1;; m++) {
        size_t r = m;
        static const size_t primes[] = {2, 3, 5, 7};
        for (size_t i = 0; i < 4; i++)
            while (r % primes[i] == 0) r /= primes[i];
        if (r == 1) return m;
    }
}

/* Index of sample j (any integer) in a signal of n extended by half-sample
 * mirror reflection: ... x1 x0 | x0 x1 ... x(n-1) | x(n-1) x(n-2) ... */
static size_t reflect_index(long long j, size_t n)
{
    long long period = 2 * (long long)n;
    long long q = j % period;
    if (q < 0) q += period;
    return (size_t)(q < (long long)n ? q : period - 1 - q);
}

void wk_zerophase_free(struct wk_zerophase *z)
{
    if (!z) return;
    if (z->forward) fftw_destroy_plan(z->forward);
    if (z->inverse) fftw_destroy_plan(z->inverse);
    fftw_free(z->buf);
    fftw_free(z->spec);
    fftw_free(z->kernel);
    free(z->num);
    free(z->finite);
    free(z);
}

/* Kernel spectrum: the normalized Gaussian of radius r placed circularly
 * (lag k at index k mod m), transformed, and divided by m so that the
 * inverse transform needs no scaling. */
static int zerophase_kernel(struct wk_zerophase *z, double sigma)
{
    size_t m = z->m;
    long r = (long)z->radius;
    memset(z->buf, 0, m * sizeof *z->buf);
    double sum = 0;
    for (long k = -r; k <= r; k++) sum += exp(-(double)k * (double)k / (2 * sigma * sigma));
    for (long k = -r; k <= r; k++) {
        size_t at = k >= 0 ? (size_t)k : m - (size_t)(-k);
        z->buf[at] = exp(-(double)k * (double)k / (2 * sigma * sigma)) / sum;
    }
    fftw_execute(z->forward);
    for (size_t i = 0; i < m / 2 + 1; i++) {
        z->kernel[i][0] = z->spec[i][0] / (double)m;
        z->kernel[i][1] = z->spec[i][1] / (double)m;
    }
    return 0;
}

struct wk_zerophase *wk_zerophase_alloc(size_t n, double sigma)
{
    if (check_sigma(sigma) < 0) return NULL;
    if (n == 0) {
        wk_log(WK_LOG_ERROR, "zero-phase smoothing of an empty signal");
        return NULL;
    }
    double r = floor(WK_SMOOTH_ZEROPHASE_TRUNCATE * sigma + 0.5);
    if (r > 1e8) {
        wk_log(WK_LOG_ERROR, "invalid gaussian sigma %g (too large)", sigma);
        return NULL;
    }
    struct wk_zerophase *z = wk_calloc(1, sizeof *z);
    if (!z) return NULL;
    z->n = n;
    z->radius = (size_t)r;
    z->padded = n + 2 * z->radius;
    z->m = fft_size(z->padded);
    if (z->m > INT32_MAX) {
        wk_log(WK_LOG_ERROR, "zero-phase smoothing: signal of %zu samples is too long", n);
        free(z);
        return NULL;
    }
    size_t nc = z->m / 2 + 1;
    z->buf = fftw_malloc(z->m * sizeof *z->buf);
    z->spec = fftw_malloc(nc * sizeof *z->spec);
    z->kernel = fftw_malloc(nc * sizeof *z->kernel);
    z->num = wk_malloc_array(n, sizeof *z->num);
    z->finite = wk_malloc_array(z->padded + 1, sizeof *z->finite);
    if (!z->buf || !z->spec || !z->kernel || !z->num || !z->finite) {
        wk_log(WK_LOG_ERROR, "out of memory");
        wk_zerophase_free(z);
        return NULL;
    }
    z->forward = fftw_plan_dft_r2c_1d((int)z->m, z->buf, z->spec, FFTW_ESTIMATE);
    z->inverse = fftw_plan_dft_c2r_1d((int)z->m, z->spec, z->buf, FFTW_ESTIMATE);
    if (!z->forward || !z->inverse) {
        wk_log(WK_LOG_ERROR, "cannot make an FFTW plan of length %zu", z->m);
        wk_zerophase_free(z);
        return NULL;
    }
    zerophase_kernel(z, sigma);
    return z;
}

size_t wk_zerophase_length(const struct wk_zerophase *z)
{
    return z->n;
}

/* buf <- kernel * buf (circular convolution through the spectrum). */
static void zerophase_convolve(struct wk_zerophase *z)
{
    fftw_execute(z->forward);
    for (size_t i = 0; i < z->m / 2 + 1; i++) {
        double re = z->spec[i][0], im = z->spec[i][1];
        double kr = z->kernel[i][0], ki = z->kernel[i][1];
        z->spec[i][0] = re * kr - im * ki;
        z->spec[i][1] = re * ki + im * kr;
    }
    fftw_execute(z->inverse);
}

/* Fill buf with the reflected signal (missing samples as 0, or, for the
 * mask, finite samples as 1) and zeros past the padded length. */
static void zerophase_load(struct wk_zerophase *z, const double *x, size_t stride, int mask)
{
    long long r = (long long)z->radius;
    for (size_t q = 0; q < z->padded; q++) {
        double v = x[reflect_index((long long)q - r, z->n) * stride];
        z->buf[q] = mask ? (isfinite(v) ? 1.0 : 0.0) : (isfinite(v) ? v : 0.0);
    }
    memset(z->buf + z->padded, 0, (z->m - z->padded) * sizeof *z->buf);
}

void wk_zerophase_apply(struct wk_zerophase *z, double *y, const double *x, size_t stride)
{
    size_t n = z->n, r = z->radius;
    z->finite[0] = 0;
    for (size_t q = 0; q < z->padded; q++) {
        double v = x[reflect_index((long long)q - (long long)r, n) * stride];
        z->finite[q + 1] = z->finite[q] + (isfinite(v) ? 1 : 0);
    }
    int complete = z->finite[z->padded] == z->padded;

    zerophase_load(z, x, stride, 0);
    zerophase_convolve(z);
    memcpy(z->num, z->buf + r, n * sizeof *z->num);
    if (complete) {
        for (size_t i = 0; i < n; i++) y[i * stride] = z->num[i];
        return;
    }
    /* Normalized convolution: divide by the kernel weight of the finite
     * samples; a window holding none (counted exactly) is NaN. */
    zerophase_load(z, x, stride, 1);
    zerophase_convolve(z);
    for (size_t i = 0; i < n; i++) {
        size_t in_window = z->finite[i + 2 * r + 1] - z->finite[i];
        double den = z->buf[i + r];
        y[i * stride] = in_window > 0 && den > 0 ? z->num[i] / den : NAN;
    }
}

/* ---- smoother: parameters and a cached plan ---- */

struct wk_smoother {
    struct wk_smooth_params params;
    struct wk_zerophase *zerophase; /* plan of the last length, or NULL */
};

struct wk_smoother *wk_smoother_alloc(const struct wk_smooth_params *p)
{
    if (wk_smooth_params_check(p) < 0) return NULL;
    struct wk_smoother *s = wk_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->params = *p;
    return s;
}

void wk_smoother_free(struct wk_smoother *s)
{
    if (!s) return;
    wk_zerophase_free(s->zerophase);
    free(s);
}

const struct wk_smooth_params *wk_smoother_params(const struct wk_smoother *s)
{
    return &s->params;
}

static int smoother_plan(struct wk_smoother *s, size_t T)
{
    if (s->zerophase && wk_zerophase_length(s->zerophase) == T) return 0;
    wk_zerophase_free(s->zerophase);
    s->zerophase = wk_zerophase_alloc(T, s->params.sigma);
    return s->zerophase ? 0 : WK_ENOMEM;
}

/* y = the smoothed x[0..T-1]. */
static int smooth_column(struct wk_smoother *s, double *y, const double *x, size_t T)
{
    const struct wk_smooth_params *p = &s->params;
    switch (p->method) {
    case WK_SMOOTH_MOVING: return wk_smooth_moving(y, x, T, 1, p->window);
    case WK_SMOOTH_GAUSSIAN: return wk_smooth_gaussian(y, x, T, 1, p->sigma);
    case WK_SMOOTH_EXPONENTIAL: return wk_smooth_exponential(y, x, T, 1, p->alpha);
    case WK_SMOOTH_ZEROPHASE: wk_zerophase_apply(s->zerophase, y, x, 1); return 0;
    case WK_SMOOTH_NONE: memcpy(y, x, T * sizeof *y); return 0;
    }
    return wk_fail(WK_EINVAL, "unknown smoothing method %d", (int)p->method);
}

/* The w columns of x (T samples each) smoothed in place; y: T doubles. */
static int smooth_block(struct wk_smoother *s, double *x, double *y, size_t T, size_t w)
{
    int rc = 0;
    for (size_t j = 0; rc == 0 && j < w; j++) {
        rc = smooth_column(s, y, x + j * T, T);
        memcpy(x + j * T, y, T * sizeof *y);
    }
    return rc;
}

struct smooth_job {
    struct wk_smoother *s;
    float *data;
    size_t T, C, n;
    const size_t *cols; /* [n]: the columns with a finite value */
};

static int smooth_work(void *ctx, size_t k, size_t workers)
{
    const struct smooth_job *j = ctx;
    double *x = wk_malloc_array(j->T, WK_COLUMN_BLOCK * sizeof *x);
    double *y = wk_malloc_array(j->T, sizeof *y);
    int rc = x && y ? 0 : WK_ENOMEM;
    for (size_t b = k * WK_COLUMN_BLOCK; rc == 0 && b < j->n; b += workers * WK_COLUMN_BLOCK) {
        size_t w = wk_columns_width(j->n, b);
        wk_columns_load_list(x, j->data, j->T, j->C, j->cols + b, w);
        rc = smooth_block(j->s, x, y, j->T, w);
        if (rc == 0) wk_columns_store_list(j->data, x, j->T, j->C, j->cols + b, w);
    }
    free(x);
    free(y);
    return rc;
}

int wk_smoother_apply(struct wk_smoother *s, float *data, size_t T, size_t C)
{
    if (s->params.method == WK_SMOOTH_NONE || T == 0) return 0;
    int rc = s->params.method == WK_SMOOTH_ZEROPHASE ? smoother_plan(s, T) : 0;
    if (rc < 0) return rc;
    /* a column without a finite value is left as it is; blocks of columns
     * shared among the threads (one thread for zero-phase, whose plan has
     * buffers of its own) */
    size_t *cols = wk_malloc_array(C ? C : 1, sizeof *cols);
    struct smooth_job j = {s, data, T, C, 0, cols};
    rc = cols ? wk_columns_with_data(cols, &j.n, data, T, C, 1) : WK_ENOMEM;
    if (rc == 0) {
        double samples = s->params.method == WK_SMOOTH_ZEROPHASE ? 0 : (double)j.n * (double)T;
        rc = wk_signal_run_workers(smooth_work, &j, (j.n + WK_COLUMN_BLOCK - 1) / WK_COLUMN_BLOCK, samples);
    }
    free(cols);
    return rc;
}

/* wk_smooth_moving lane by lane (count as a double: exact for any window).
 * Each sample is loaded before the tests, written as selects of doubles,
 * so that the loops vectorize. */
static void moving_lanes(double *y, const double *x, size_t n, long window)
{
    enum { L = WK_LANES };
    size_t half = ((size_t)window | 1u) / 2;
    double sum[L] = {0}, count[L] = {0};
    for (size_t i = 0; i < n; i++) {
        const double *in = x + i * L;
        double *out = y + i * L;
#pragma omp simd
        for (size_t j = 0; j < L; j++) {
            double v = in[j], add = fabs(v) <= DBL_MAX ? v : 0.0, one = fabs(v) <= DBL_MAX ? 1.0 : 0.0;
            sum[j] += add;
            count[j] += one;
        }
        if (i > half) {
            const double *gone = x + (i - half - 1) * L;
#pragma omp simd
            for (size_t j = 0; j < L; j++) {
                double v = gone[j], sub = fabs(v) <= DBL_MAX ? v : 0.0, one = fabs(v) <= DBL_MAX ? 1.0 : 0.0;
                sum[j] -= sub;
                count[j] -= one;
            }
        }
#pragma omp simd
        for (size_t j = 0; j < L; j++) {
            double c = count[j], total = sum[j];
            double none = c == 0 ? 1.0 : 0.0, s = c == 0 ? 0.0 : total, keep = c == 0 ? NAN : 1.0;
            sum[j] = s;
            out[j] = s / (c + none) * keep; /* s / c, or NaN: x 1.0 and + 0.0 are exact */
        }
    }
}

int wk_smoother_apply_lanes(struct wk_smoother *s, double *y, const double *x, size_t T)
{
    enum { L = WK_LANES };
    const struct wk_smooth_params *p = &s->params;
    int rc = 0;
    switch (p->method) {
    case WK_SMOOTH_MOVING: moving_lanes(y, x, T, p->window); return 0;
    case WK_SMOOTH_NONE: memcpy(y, x, T * L * sizeof *y); return 0;
    case WK_SMOOTH_GAUSSIAN:
        for (size_t j = 0; rc == 0 && j < L; j++) rc = wk_smooth_gaussian(y + j, x + j, T, L, p->sigma);
        return rc;
    case WK_SMOOTH_EXPONENTIAL:
        for (size_t j = 0; rc == 0 && j < L; j++) rc = wk_smooth_exponential(y + j, x + j, T, L, p->alpha);
        return rc;
    case WK_SMOOTH_ZEROPHASE:
        if ((rc = smoother_plan(s, T)) < 0) return rc;
        for (size_t j = 0; j < L; j++) wk_zerophase_apply(s->zerophase, y + j, x + j, L);
        return 0;
    }
    return wk_fail(WK_EINVAL, "unknown smoothing method %d", (int)p->method);
}
