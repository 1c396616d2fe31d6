/* derivative.c - dF/dt with numpy.gradient semantics (homogenize spec,
 * step 2): second-order central differences on a non-uniform grid inside,
 * first-order one-sided differences at the two ends. */
#include <math.h>
#include <stdlib.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"
#include "wormkit/wk_util.h"

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

int wk_derivative_matrix(float *dst, const float *src, const double *time, size_t T, size_t C)
{
    double *x = wk_malloc_array(T ? T : 1, WK_COLUMN_BLOCK * sizeof *x);
    if (!x) return WK_ENOMEM;
    for (size_t c0 = 0; c0 < C; c0 += WK_COLUMN_BLOCK) {
        size_t w = wk_columns_width(C, c0);
        wk_columns_load(x, src, T, C, c0, w);
        for (size_t j = 0; j < w; j++) wk_derivative_column(x + j * T, x + j * T, 1, time, T);
        wk_columns_store(dst, x, T, C, c0, w, NULL);
    }
    free(x);
    return 0;
}
