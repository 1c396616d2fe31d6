/* test-homogenize-columns.c - the signal steps work on the columns that
 * hold data only (wk_columns_with_data): the list itself, the gather and
 * scatter by list, and each matrix function on a matrix whose all-NaN
 * (and all-inf) columns must come out as before: NaN from derivative and
 * resampling, untouched by smoothing and normalization, while the columns
 * with data match the same column computed alone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"

enum { T = 50, C = 37 };

/* Column c: NaN when c % 3 == 0, +inf when c == 4, data otherwise (with a
 * NaN gap in column 5). */
static void fill(float *m)
{
    for (size_t t = 0; t < T; t++)
        for (size_t c = 0; c < C; c++) {
            float v = sinf(0.3f * (float)t + (float)c) + 0.01f * (float)(c * t);
            if (c % 3 == 0 || (c == 5 && t > 10 && t < 20)) v = NAN;
            if (c == 4) v = INFINITY;
            m[t * C + c] = v;
        }
}

static int same(float a, float b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static void test_list(void)
{
    float m[T * C];
    size_t cols[C], n = 0, want = 0;
    fill(m);
    ok(wk_columns_with_data(cols, &n, m, T, C, 1) == 0, "finite columns listed");
    for (size_t c = 0; c < C; c++) want += c % 3 != 0 && c != 4;
    ok(n == want && cols[0] == 1 && cols[1] == 2 && cols[2] == 5 && cols[n - 1] == 35,
       "finite: 1, 2, 5, ... 35 (NaN and inf columns left out)");
    ok(wk_columns_with_data(cols, &n, m, T, C, 0) == 0 && n == want + 1 && cols[2] == 4,
       "not NaN: the inf column 4 listed too");

    double x[3 * T];
    size_t pick[3] = {2, 5, 35};
    float back[T * C];
    wk_columns_load_list(x, m, T, C, pick, 3);
    ok(x[0] == m[2] && x[T + 11] != x[T + 11] && x[2 * T + T - 1] == m[(T - 1) * C + 35], "load by list");
    wk_columns_fill_nan(back, T, C);
    ok(isnan(back[0]) && isnan(back[T * C - 1]), "fill with NaN");
    wk_columns_store_list(back, x, T, C, pick, 3);
    int good = 1;
    for (size_t t = 0; t < T; t++)
        for (size_t c = 0; c < C; c++) {
            int picked = c == 2 || c == 5 || c == 35;
            good &= picked ? same(back[t * C + c], m[t * C + c]) : isnan(back[t * C + c]);
        }
    ok(good, "store by list: the three columns, nothing else");
}

/* Each matrix function against the same function on each column alone. */
static void test_matrix_functions(void)
{
    float m[T * C], d[T * C], col[T], dcol[T];
    double time[T];
    for (size_t t = 0; t < T; t++) time[t] = 0.5 * (double)t + (t % 2 ? 0.05 : 0.0);
    fill(m);

    ok(wk_derivative_matrix(d, m, time, T, C) == 0, "derivative of the matrix");
    int good = 1;
    for (size_t c = 0; c < C; c++) {
        for (size_t t = 0; t < T; t++) col[t] = m[t * C + c];
        wk_derivative_matrix(dcol, col, time, T, 1);
        for (size_t t = 0; t < T; t++) good &= same(d[t * C + c], dcol[t]);
        if (c % 3 == 0) good &= isnan(d[c]) && isnan(d[(T - 1) * C + c]);
    }
    ok(good, "derivative: every column as computed alone; all-NaN columns NaN");

    struct wk_smooth_params p = {WK_SMOOTH_MOVING, 5, 0, 0};
    struct wk_smoother *s = wk_smoother_alloc(&p);
    memcpy(d, m, sizeof d);
    ok(s && wk_smoother_apply(s, d, T, C) == 0, "moving average of the matrix");
    good = 1;
    for (size_t c = 0; s && c < C; c++) {
        for (size_t t = 0; t < T; t++) col[t] = m[t * C + c];
        wk_smoother_apply(s, col, T, 1);
        for (size_t t = 0; t < T; t++) good &= same(d[t * C + c], col[t]);
    }
    ok(good && isinf(d[4]) && isinf(d[(T - 1) * C + 4]), "smoothing: every column as alone; the inf column untouched");
    wk_smoother_free(s);

    memcpy(d, m, sizeof d);
    ok(wk_normalize_matrix(d, T, C, WK_NORMALIZE_ZSCORE) == 0, "z-score of the matrix");
    good = 1;
    for (size_t c = 0; c < C; c++) {
        for (size_t t = 0; t < T; t++) col[t] = m[t * C + c];
        wk_normalize_matrix(col, T, 1, WK_NORMALIZE_ZSCORE);
        for (size_t t = 0; t < T; t++) good &= same(d[t * C + c], col[t]);
    }
    ok(good && isinf(d[4]), "z-score: every column as alone; the inf column untouched");

    struct wk_resampler *r = NULL;
    float *out = NULL, *out1 = NULL;
    ok(wk_resampler_alloc(&r, time, T, 0.333, WK_RESAMPLE_LINEAR) == 0 &&
           wk_resampler_apply_matrix(r, &out, m, C) == 0,
       "linear resampling of the matrix");
    size_t n_out = r ? wk_resampler_length(r) : 0;
    good = out != NULL && n_out > T;
    for (size_t c = 0; good && c < C; c++) {
        for (size_t t = 0; t < T; t++) col[t] = m[t * C + c];
        good &= wk_resampler_apply_matrix(r, &out1, col, 1) == 0;
        for (size_t k = 0; good && k < n_out; k++) good &= same(out[k * C + c], out1[k]);
        if (c % 3 == 0 || c == 4)
            for (size_t k = 0; good && k < n_out; k++) good &= isnan(out[k * C + c]);
        free(out1);
        out1 = NULL;
    }
    ok(good, "resampling: every column as alone; NaN and inf columns all NaN");
    free(out);
    wk_resampler_free(r);
}

int main(void)
{
    wk_library_init();
    test_list();
    test_matrix_functions();
    return wk_test_done();
}
