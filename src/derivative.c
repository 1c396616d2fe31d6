/* derivative.c - dF/dt with numpy.gradient semantics (homogenize spec,
 * step 2): second-order central differences on a non-uniform grid inside,
 * first-order one-sided differences at the two ends. */
#include <math.h>
#include <stdlib.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"
#include "wormkit/wk_util.h"
#include "signal_internal.h"

/* numpy's non-uniform formula; with equal spacings the centre sample has
 * coefficient 0 and is left out, so a NaN there does not spread. */
static double inner_gradient(double xl, double xc, double xr, double hs, double hd)
{
    if (hs == hd) return (xr - xl) / (hs + hd);
    double a = -hd / (hs * (hs + hd));
    double b = (hd - hs) / (hs * hd);
    double c = hs / (hd * (hs + hd));
    return a * xl + b * xc + c * xr;
}

void wk_derivative_column(double *dy, const double *x, size_t stride, const double *t, size_t n)
{
    if (n < 2) {
        for (size_t i = 0; i < n; i++) dy[i * stride] = NAN;
        return;
    }
    /* The first output reads x[0], x[1]; keep x[i-1] and x[i] before
     * writing so that dy may equal x. */
    double prev = x[0], cur = x[stride];
    dy[0] = (cur - prev) / (t[1] - t[0]);
    for (size_t i = 1; i + 1 < n; i++) {
        double next = x[(i + 1) * stride];
        dy[i * stride] = inner_gradient(prev, cur, next, t[i] - t[i - 1], t[i + 1] - t[i]);
        prev = cur;
        cur = next;
    }
    dy[(n - 1) * stride] = (cur - prev) / (t[n - 1] - t[n - 2]);
}

struct derivative_job {
    float *dst;
    const float *src;
    const double *time;
    size_t T, C, n;
    const size_t *cols; /* [n]: the columns with data */
};

static int derivative_work(void *ctx, size_t k, size_t workers)
{
    const struct derivative_job *j = ctx;
    double *x = wk_malloc_array(j->T ? j->T : 1, WK_COLUMN_BLOCK * sizeof *x);
    if (!x) return WK_ENOMEM;
    for (size_t b = k * WK_COLUMN_BLOCK; b < j->n; b += workers * WK_COLUMN_BLOCK) {
        size_t w = wk_columns_width(j->n, b);
        wk_columns_load_list(x, j->src, j->T, j->C, j->cols + b, w);
        for (size_t c = 0; c < w; c++) wk_derivative_column(x + c * j->T, x + c * j->T, 1, j->time, j->T);
        wk_columns_store_list(j->dst, x, j->T, j->C, j->cols + b, w);
    }
    free(x);
    return 0;
}

/* All-NaN columns have an all-NaN derivative: only the others are
 * computed, by blocks of columns shared among the threads. */
int wk_derivative_matrix(float *dst, const float *src, const double *time, size_t T, size_t C)
{
    struct derivative_job j = {dst, src, time, T, C, 0, NULL};
    size_t *cols = wk_malloc_array(C ? C : 1, sizeof *cols);
    int rc = cols ? wk_columns_with_data(cols, &j.n, src, T, C, 0) : WK_ENOMEM;
    j.cols = cols;
    if (rc == 0 && dst != src) wk_columns_fill_nan(dst, T, C);
    if (rc == 0)
        rc = wk_signal_run_workers(derivative_work, &j, (j.n + WK_COLUMN_BLOCK - 1) / WK_COLUMN_BLOCK,
                                   (double)j.n * (double)T);
    free(cols);
    return rc;
}

void wk_derivative_lanes(double *dy, const double *x, const double *t, size_t n)
{
    enum { L = WK_LANES };
    if (n < 2) {
        for (size_t i = 0; i < n * L; i++) dy[i] = NAN;
        return;
    }
    double h0 = t[1] - t[0], hn = t[n - 1] - t[n - 2];
#pragma omp simd
    for (size_t j = 0; j < L; j++) dy[j] = (x[L + j] - x[j]) / h0;
    for (size_t i = 1; i + 1 < n; i++) {
        const double *xl = x + (i - 1) * L, *xc = xl + L, *xr = xc + L;
        double *out = dy + i * L;
        double hs = t[i] - t[i - 1], hd = t[i + 1] - t[i];
        if (hs == hd) {
            double h = hs + hd;
#pragma omp simd
            for (size_t j = 0; j < L; j++) out[j] = (xr[j] - xl[j]) / h;
        } else {
            double a = -hd / (hs * (hs + hd)), b = (hd - hs) / (hs * hd), c = hs / (hd * (hs + hd));
#pragma omp simd
            for (size_t j = 0; j < L; j++) out[j] = a * xl[j] + b * xc[j] + c * xr[j];
        }
    }
    const double *xl = x + (n - 2) * L, *xr = xl + L;
    double *out = dy + (n - 1) * L;
#pragma omp simd
    for (size_t j = 0; j < L; j++) out[j] = (xr[j] - xl[j]) / hn;
}
