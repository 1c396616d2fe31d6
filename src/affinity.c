/* affinity.c - instantaneous pairwise affinities (formulas in wk_affinity.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_affinity.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"
#include "wormkit/wk_util.h"

#define OMP_MIN_PAIRS 262144.0 /* smaller blocks: one thread (an OpenMP region costs more) */

void wk_affinity_opts_init(struct wk_affinity_opts *o)
{
    o->family = WK_AFFINITY_DERIVATIVE;
    o->variant = WK_AFFINITY_PRODUCT;
    o->sigma = WK_AFFINITY_SIGMA;
    o->window = WK_AFFINITY_WINDOW;
}

int wk_affinity_opts_check(const struct wk_affinity_opts *o)
{
    if (o->family != WK_AFFINITY_DERIVATIVE && o->family != WK_AFFINITY_CORRELATION)
        return wk_fail(WK_EINVAL, "unknown affinity family %d", (int)o->family);
    if (o->variant != WK_AFFINITY_PRODUCT && o->variant != WK_AFFINITY_SIGN && o->variant != WK_AFFINITY_GAUSS)
        return wk_fail(WK_EINVAL, "unknown affinity variant %d", (int)o->variant);
    if (!(o->sigma > 0) || !isfinite(o->sigma))
        return wk_fail(WK_EINVAL, "affinity sigma must be positive (got %g)", o->sigma);
    if (o->family == WK_AFFINITY_CORRELATION && o->window < 2)
        return wk_fail(WK_EINVAL, "correlation window must be at least 2 samples (got %zu)", o->window);
    return 0;
}

static const char *const family_names[] = {"derivative", "correlation"};
static const char *const variant_names[] = {"product", "sign", "gauss"};

int wk_affinity_family_from_name(const char *name, enum wk_affinity_family *out)
{
    for (int k = 0; k < 2; k++)
        if (strcmp(name, family_names[k]) == 0) {
            *out = (enum wk_affinity_family)k;
            return 0;
        }
    return WK_EINVAL;
}

int wk_affinity_variant_from_name(const char *name, enum wk_affinity_variant *out)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(name, variant_names[k]) == 0) {
            *out = (enum wk_affinity_variant)k;
            return 0;
        }
    return WK_EINVAL;
}

int wk_affinity_set_option(struct wk_affinity_opts *o, const char *option, const char *arg)
{
    long n;
    if (strcmp(option, "family") == 0) {
        if (wk_affinity_family_from_name(arg, &o->family) == 0) return 0;
        wk_cli_usage_error("unknown affinity family '%s' (derivative or correlation)", arg);
        return WK_EUSAGE;
    }
    if (strcmp(option, "variant") == 0) {
        if (wk_affinity_variant_from_name(arg, &o->variant) == 0) return 0;
        wk_cli_usage_error("unknown affinity variant '%s' (product, sign or gauss)", arg);
        return WK_EUSAGE;
    }
    if (strcmp(option, "sigma") == 0) return wk_parse_double(arg, 1e-12, 1e12, "sigma", &o->sigma);
    if (strcmp(option, "window") == 0) {
        if (wk_parse_long(arg, 2, 1000000, "window", &n)) return WK_EUSAGE;
        o->window = (size_t)n;
        return 0;
    }
    return WK_EUSAGE;
}

const char *wk_affinity_family_name(enum wk_affinity_family f)
{
    return (unsigned)f < 2 ? family_names[f] : "unknown";
}

const char *wk_affinity_variant_name(enum wk_affinity_variant v)
{
    return (unsigned)v < 3 ? variant_names[v] : "unknown";
}

size_t wk_affinity_n_pairs(size_t n)
{
    return n < 2 ? 0 : n * (n - 1) / 2;
}

size_t wk_affinity_pair_index(size_t n, size_t i, size_t j)
{
    return i * n - i * (i + 1) / 2 + (j - i - 1);
}

void wk_affinity_pair_of(size_t n, size_t p, size_t *i, size_t *j)
{
    /* Row i starts at i n - i (i + 1) / 2 and holds n - 1 - i pairs. */
    size_t row = 0, start = 0;
    while (row + 1 < n && start + (n - 1 - row) <= p) {
        start += n - 1 - row;
        row++;
    }
    *i = row;
    *j = row + 1 + (p - start);
}

/* 1.4826 x the MAD of the finite values of x[i * stride], or 0 when it is
 * 0, undefined or there is no finite value; v: scratch for n values. */
static double mad_spread(const double *x, size_t n, size_t stride, double *v)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i * stride])) v[m++] = x[i * stride];
    if (m == 0) return 0.0;
    double med = wk_median_inplace(v, m);
    for (size_t i = 0; i < m; i++) v[i] = fabs(v[i] - med);
    double mad = wk_median_inplace(v, m);
    return mad > 0 && isfinite(mad) ? WK_AFFINITY_MAD_SCALE * mad : 0.0;
}

double wk_affinity_robust_spread(const double *x, size_t n, size_t stride)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    double spread = v ? mad_spread(x, n, stride, v) : 0.0;
    free(v);
    return spread > 0 ? spread : 1.0;
}

/* Root mean square of the finite values of d (scaled by the largest
 * magnitude, so that squares cannot overflow); 0 when there is none. */
static double finite_rms(const double *d, size_t n)
{
    double big = 0, sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(d[i]) && fabs(d[i]) > big) big = fabs(d[i]);
    if (big == 0) return 0.0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(d[i])) {
            double r = d[i] / big;
            sum += r * r;
            m++;
        }
    return big * sqrt(sum / (double)m);
}

/* wk_affinity_derivative_scale with scratch space v for n values. */
static double derivative_scale(const double *d, size_t n, double *v, int *floored)
{
    *floored = 0;
    double rms = finite_rms(d, n);
    if (!(rms > 0)) return 1.0;
    double mad = mad_spread(d, n, 1, v), lowest = WK_AFFINITY_SPREAD_FLOOR * rms;
    if (mad >= lowest) return mad;
    *floored = 1;
    return lowest;
}

double wk_affinity_derivative_scale(const double *d, size_t n, int *floored)
{
    int fl = 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    double s = v ? derivative_scale(d, n, v, &fl) : 1.0;
    free(v);
    if (floored) *floored = fl;
    return s;
}

void wk_affinity_worm_free(struct wk_affinity_worm *w)
{
    if (!w) return;
    free(w->u);
    free(w->floored);
    free(w);
}

int wk_affinity_worm_keep_columns(struct wk_affinity_worm *w, const long *from, size_t N)
{
    float *u = wk_malloc_array(w->T * N + 1, sizeof *u);
    unsigned char *floored = wk_calloc(N + 1, sizeof *floored);
    if (!u || !floored) {
        free(u);
        free(floored);
        return WK_ENOMEM;
    }
    for (size_t t = 0; t < w->T; t++)
        for (size_t k = 0; k < N; k++) u[t * N + k] = from[k] >= 0 ? w->u[t * w->N + (size_t)from[k]] : (float)NAN;
    for (size_t k = 0; k < N; k++) floored[k] = from[k] >= 0 ? w->floored[from[k]] : 0;
    free(w->u);
    free(w->floored);
    w->u = u;
    w->floored = floored;
    w->N = N;
    w->P = wk_affinity_n_pairs(N);
    return 0;
}

/* Scaled derivative u = d / s of column i of the T x N matrix u (in place);
 * 1 when s is the floor, else 0. */
static unsigned char scale_derivative(float *u, size_t T, size_t N, size_t i, const double *time,
                                      double *x, double *d)
{
    int floored;
    for (size_t t = 0; t < T; t++) x[t] = u[t * N + i];
    wk_derivative_column(d, x, 1, time, T);
    double s = derivative_scale(d, T, x, &floored); /* x is free again: scratch */
    for (size_t t = 0; t < T; t++) u[t * N + i] = (float)(d[t] / s);
    return (unsigned char)floored;
}

int wk_affinity_worm_alloc(struct wk_affinity_worm **out, const float *traces, size_t T, size_t ld,
                           const double *time, const size_t *cols, size_t N,
                           const struct wk_affinity_opts *o, struct wk_smoother *smoother)
{
    *out = NULL;
    int rc = wk_affinity_opts_check(o);
    if (rc) return rc;
    if (N < 2) return wk_fail(WK_EINVAL, "affinities need at least 2 neurons (got %zu)", N);
    if (T < 1) return wk_fail(WK_EINVAL, "affinities need at least 1 sample");
    struct wk_affinity_worm *w = wk_calloc(1, sizeof *w);
    if (!w) return WK_ENOMEM;
    w->T = T;
    w->N = N;
    w->P = wk_affinity_n_pairs(N);
    w->opts = *o;
    w->u = wk_malloc_array(T * N, sizeof *w->u); /* T, N bounded by the caller's arrays */
    w->floored = wk_calloc(N, sizeof *w->floored);
    double *x = wk_malloc_array(T, sizeof *x);
    double *d = wk_malloc_array(T, sizeof *d);
    if (!w->u || !w->floored || !x || !d) {
        rc = WK_ENOMEM;
        goto done;
    }
    for (size_t t = 0; t < T; t++)
        for (size_t i = 0; i < N; i++)
            w->u[t * N + i] = cols[i] == WK_AFFINITY_ABSENT ? wk_nanf() : traces[t * ld + cols[i]];
    if (smoother && (rc = wk_smoother_apply(smoother, w->u, T, N)) != 0) goto done;
    if (o->family == WK_AFFINITY_DERIVATIVE)
        for (size_t i = 0; i < N; i++) w->floored[i] = scale_derivative(w->u, T, N, i, time, x, d);
done:
    free(x);
    free(d);
    if (rc) wk_affinity_worm_free(w);
    else *out = w;
    return rc;
}

int wk_affinity_worm_from_recording(struct wk_affinity_worm **out, const struct wk_recording *rec,
                                    const size_t *cols, size_t N, const struct wk_affinity_opts *o,
                                    struct wk_smoother *smoother)
{
    size_t *use = wk_malloc_array(N ? N : 1, sizeof *use);
    if (!use) return WK_ENOMEM;
    for (size_t i = 0; i < N; i++) {
        size_t c = cols[i];
        use[i] = (c != WK_AFFINITY_ABSENT && c < rec->C && rec->present[c]) ? c : WK_AFFINITY_ABSENT;
    }
    int rc = wk_affinity_worm_alloc(out, rec->traces, rec->T, rec->C, rec->time, use, N, o, smoother);
    free(use);
    return rc;
}

static double derivative_affinity(enum wk_affinity_variant v, double sigma, double ui, double uj)
{
    double prod = ui * uj;
    if (!(prod > 0)) return 0.0;
    switch (v) {
    case WK_AFFINITY_SIGN: return 1.0;
    case WK_AFFINITY_GAUSS: return exp(-(ui - uj) * (ui - uj) / (2 * sigma * sigma));
    default: return prod;
    }
}

/* The product variant when no u is NaN: branch-free, so it vectorizes.
 * The float product of two floats is the double product rounded to float
 * (the exact product fits a double), as in the general path. */
static void product_slice(const float *u, size_t N, double *a)
{
    for (size_t i = 0; i + 1 < N; i++) {
        float ui = u[i];
        double *row = a + wk_affinity_pair_index(N, i, i + 1);
        const float *uj = u + i + 1;
        size_t n = N - i - 1;
#pragma omp simd
        for (size_t j = 0; j < n; j++) {
            float v = ui * uj[j];
            row[j] = v > 0 ? v : 0.0f;
        }
    }
}

static void derivative_slice(const struct wk_affinity_worm *w, size_t t, double *a)
{
    const float *u = w->u + t * w->N;
    if (w->opts.variant == WK_AFFINITY_PRODUCT) {
        int any_nan = 0;
        for (size_t i = 0; i < w->N; i++) any_nan |= isnan(u[i]);
        if (!any_nan) {
            product_slice(u, w->N, a);
            return;
        }
    }
    size_t p = 0;
    for (size_t i = 0; i < w->N; i++) {
        double ui = u[i];
        for (size_t j = i + 1; j < w->N; j++, p++) {
            double uj = u[j];
            if (isnan(ui) || isnan(uj)) a[p] = NAN;
            else a[p] = (float)derivative_affinity(w->opts.variant, w->opts.sigma, ui, uj);
        }
    }
}

/* Centred window of t: [lo, lo + n). */
static void window_of(size_t T, size_t window, size_t t, size_t *lo, size_t *n)
{
    size_t before = (window - 1) / 2, after = window - 1 - before;
    size_t a = t >= before ? t - before : 0;
    size_t b = t + after < T ? t + after : T - 1;
    *lo = a;
    *n = b - a + 1;
}

static int correlation_slice(const struct wk_affinity_worm *w, size_t t, double *a)
{
    size_t lo, n, N = w->N;
    window_of(w->T, w->opts.window, t, &lo, &n);
    /* z[i][k]: centred samples over sqrt(sum of squares); NaN row if any NaN,
     * zero row if constant. */
    double *z = malloc(N * n * sizeof *z);
    if (!z) return wk_fail(WK_ENOMEM, "out of memory");
    for (size_t i = 0; i < N; i++) {
        double *zi = z + i * n, mean = 0;
        for (size_t k = 0; k < n; k++) mean += (zi[k] = w->u[(lo + k) * N + i]);
        mean /= (double)n;
        double ss = 0;
        for (size_t k = 0; k < n; k++) {
            zi[k] -= mean;
            ss += zi[k] * zi[k];
        }
        double scale = ss > 0 ? 1.0 / sqrt(ss) : 0.0; /* NaN ss stays NaN below */
        for (size_t k = 0; k < n; k++) zi[k] = isnan(ss) ? NAN : zi[k] * scale;
    }
    size_t p = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = i + 1; j < N; j++, p++) {
            double r = 0;
            for (size_t k = 0; k < n; k++) r += z[i * n + k] * z[j * n + k];
            a[p] = isnan(r) ? NAN : (float)(r > 0 ? r : 0.0);
        }
    free(z);
    return 0;
}

int wk_affinity_slice(const struct wk_affinity_worm *w, size_t t, double *a)
{
    if (t >= w->T) {
        for (size_t p = 0; p < w->P; p++) a[p] = NAN;
        return 0;
    }
    if (w->opts.family == WK_AFFINITY_CORRELATION) return correlation_slice(w, t, a);
    derivative_slice(w, t, a);
    return 0;
}

int wk_affinity_block(const struct wk_affinity_worm *w, size_t t0, size_t nt, double *block)
{
    int rc = 0;
    long n = (long)nt;
#pragma omp parallel for schedule(static) reduction(min : rc) if ((double)n * (double)w->P > OMP_MIN_PAIRS)
    for (long k = 0; k < n; k++) {
        int r = wk_affinity_slice(w, t0 + (size_t)k, block + (size_t)k * w->P);
        if (r < rc) rc = r;
    }
    return rc;
}

int wk_affinity_set_block(void *ctx, size_t w, size_t t0, size_t nt, double *block)
{
    const struct wk_affinity_set *set = ctx;
    return wk_affinity_block(set->worms[w], t0, nt, block);
}
