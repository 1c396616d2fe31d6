/* normalize.c - per-neuron z-score and causal z-score (homogenize spec,
 * step 5). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"
#include "wormkit/wk_util.h"
#include "signal_internal.h"

static const char *const normalize_names[] = {"zscore", "causal"};
#define N_NORMALIZE_NAMES (sizeof normalize_names / sizeof normalize_names[0])

int wk_normalize_method_from_name(const char *name, enum wk_normalize_method *out)
{
    if (!name) return WK_EINVAL;
    for (size_t i = 0; i < N_NORMALIZE_NAMES; i++) {
        if (strcmp(name, normalize_names[i]) == 0) {
            *out = (enum wk_normalize_method)i;
            return 0;
        }
    }
    return WK_EINVAL;
}

const char *wk_normalize_method_name(enum wk_normalize_method method)
{
    size_t i = (size_t)method;
    return i < N_NORMALIZE_NAMES ? normalize_names[i] : "unknown";
}

/* Two passes over the finite samples: mean, then the population variance
 * of the deviations (exact 0 for a constant float column). */
void wk_normalize_zscore(double *y, const double *x, size_t n, size_t stride)
{
    double sum = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (isfinite(v)) {
            sum += v;
            count++;
        }
    }
    double mean = count ? sum / (double)count : 0;
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (isfinite(v)) ss += (v - mean) * (v - mean);
    }
    double sd = count ? sqrt(ss / (double)count) : 0;
    if (sd == 0) sd = 1;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        y[i * stride] = isfinite(v) ? (v - mean) / sd : NAN;
    }
}

/* Welford's running mean and sum of squared deviations over the finite
 * samples 0..t (the reference's cumulative sums, computed stably). */
void wk_normalize_causal(double *y, const double *x, size_t n, size_t stride)
{
    double mean = 0, m2 = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (!isfinite(v)) {
            y[i * stride] = NAN;
            continue;
        }
        count++;
        double delta = v - mean;
        mean += delta / (double)count;
        m2 += delta * (v - mean);
        double var = m2 / (double)count;
        y[i * stride] = (v - mean) / sqrt(var > WK_NORMALIZE_VAR_FLOOR ? var : WK_NORMALIZE_VAR_FLOOR);
    }
}

struct normalize_job {
    float *data;
    size_t T, C, n;
    const size_t *cols; /* [n]: the columns with a finite value */
    enum wk_normalize_method method;
};

static int normalize_work(void *ctx, size_t k, size_t workers)
{
    const struct normalize_job *j = ctx;
    double *x = wk_malloc_array(j->T ? j->T : 1, WK_COLUMN_BLOCK * sizeof *x);
    if (!x) return WK_ENOMEM;
    for (size_t b = k * WK_COLUMN_BLOCK; b < j->n; b += workers * WK_COLUMN_BLOCK) {
        size_t w = wk_columns_width(j->n, b);
        wk_columns_load_list(x, j->data, j->T, j->C, j->cols + b, w);
        for (size_t c = 0; c < w; c++) {
            double *xc = x + c * j->T;
            if (j->method == WK_NORMALIZE_ZSCORE)
                wk_normalize_zscore(xc, xc, j->T, 1);
            else
                wk_normalize_causal(xc, xc, j->T, 1);
        }
        wk_columns_store_list(j->data, x, j->T, j->C, j->cols + b, w);
    }
    free(x);
    return 0;
}

int wk_normalize_matrix(float *data, size_t T, size_t C, enum wk_normalize_method method)
{
    if (method != WK_NORMALIZE_ZSCORE && method != WK_NORMALIZE_CAUSAL)
        return wk_fail(WK_EINVAL, "unknown normalization method %d", (int)method);
    /* a column without a finite value is left as it is; blocks of columns
     * shared among the threads */
    struct normalize_job j = {data, T, C, 0, NULL, method};
    size_t *cols = wk_malloc_array(C ? C : 1, sizeof *cols);
    int rc = cols ? wk_columns_with_data(cols, &j.n, data, T, C, 1) : WK_ENOMEM;
    j.cols = cols;
    if (rc == 0)
        rc = wk_signal_run_workers(normalize_work, &j, (j.n + WK_COLUMN_BLOCK - 1) / WK_COLUMN_BLOCK,
                                   (double)j.n * (double)T);
    free(cols);
    return rc;
}

/* wk_normalize_zscore lane by lane (counts as doubles: exact).  A sample
 * that is not finite counts as the mean in the squares (a deviation of
 * +0.0) and comes out as 0.0 x NaN; samples are loaded before the tests,
 * written as selects of doubles, so that the loops vectorize. */
static void zscore_lanes(double *y, const double *x, size_t n)
{
    enum { L = WK_LANES };
    double sum[L] = {0}, count[L] = {0}, mean[L], ss[L] = {0}, sd[L];
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * L;
#pragma omp simd
        for (size_t j = 0; j < L; j++) {
            double v = row[j], add = fabs(v) <= DBL_MAX ? v : 0.0, one = fabs(v) <= DBL_MAX ? 1.0 : 0.0;
            sum[j] += add;
            count[j] += one;
        }
    }
    for (size_t j = 0; j < L; j++) mean[j] = count[j] > 0 ? sum[j] / count[j] : 0;
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * L;
#pragma omp simd
        for (size_t j = 0; j < L; j++) {
            double v = row[j], m = mean[j], dev = (fabs(v) <= DBL_MAX ? v : m) - m;
            ss[j] += dev * dev;
        }
    }
    for (size_t j = 0; j < L; j++) {
        sd[j] = count[j] > 0 ? sqrt(ss[j] / count[j]) : 0;
        if (sd[j] == 0) sd[j] = 1;
    }
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * L;
        double *out = y + i * L;
#pragma omp simd
        for (size_t j = 0; j < L; j++) {
            double v = row[j], m = mean[j], finite = fabs(v) <= DBL_MAX ? v : m, keep = fabs(v) <= DBL_MAX ? 1.0 : NAN;
            out[j] = (finite - m) / sd[j] * keep;
        }
    }
}

void wk_normalize_lanes(enum wk_normalize_method method, double *y, const double *x, size_t n)
{
    if (method == WK_NORMALIZE_ZSCORE) {
        zscore_lanes(y, x, n);
        return;
    }
    for (size_t j = 0; j < WK_LANES; j++) wk_normalize_causal(y + j, x + j, n, WK_LANES);
}
