/* impute.c - missing samples (linear and iterative imputation) and the
 * bad-trace measures of the leifer2023 filters. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_impute.h"
#include "wormkit/wk_util.h"

static const char *const method_names[] = {"none", "linear", "iterative"};

int wk_impute_method_from_name(const char *name, enum wk_impute_method *out)
{
    for (size_t i = 0; i < sizeof method_names / sizeof *method_names; i++)
        if (name && strcmp(name, method_names[i]) == 0) {
            *out = (enum wk_impute_method)i;
            return 0;
        }
    return WK_EINVAL;
}

const char *wk_impute_method_name(enum wk_impute_method method)
{
    return (size_t)method < sizeof method_names / sizeof *method_names ? method_names[method] : "unknown";
}

static int kept(const unsigned char *keep, size_t i)
{
    return !keep || keep[i];
}

/* ---- bad-trace measures ---- */

int wk_trace_all_missing(const float *x, size_t T, size_t N, size_t i)
{
    for (size_t t = 0; t < T; t++)
        if (isfinite(x[t * N + i])) return 0;
    return 1;
}

size_t wk_trace_longest_gap(const float *x, size_t T, size_t N, size_t i)
{
    size_t longest = 0, run = 0;
    for (size_t t = 0; t < T; t++) {
        run = isfinite(x[t * N + i]) ? 0 : run + 1;
        if (run > longest) longest = run;
    }
    return longest;
}

static int window_is_linear(const float *x, size_t N, size_t i, size_t start)
{
    double first = 0;
    for (size_t k = 0; k + 1 < WK_LINEAR_WINDOW; k++) {
        double a = x[(start + k) * N + i], b = x[(start + k + 1) * N + i];
        if (!isfinite(a) || !isfinite(b)) return 0;
        double d = nearbyint((b - a) * 1000.0); /* numpy.round(.., 3): half to even */
        if (k == 0) first = d;
        else if (d != first) return 0;
    }
    return 1;
}

double wk_trace_linear_fraction(const float *x, size_t T, size_t N, size_t i)
{
    size_t windows = 0, linear = 0;
    for (size_t s = 0; s + WK_LINEAR_WINDOW <= T; s += WK_LINEAR_STEP) {
        windows++;
        linear += (size_t)window_is_linear(x, N, i, s);
    }
    return windows ? (double)linear / (double)windows : 0.0;
}

/* ---- linear ---- */

static void fill_column_linear(float *x, const double *time, size_t T, size_t N, size_t i)
{
    size_t prev = T; /* last finite sample seen, T when none yet */
    for (size_t t = 0; t < T; t++) {
        if (!isfinite(x[t * N + i])) continue;
        if (prev == T) {
            for (size_t k = 0; k < t; k++) x[k * N + i] = x[t * N + i];
        } else if (t > prev + 1) {
            double x0 = x[prev * N + i], x1 = x[t * N + i], span = time[t] - time[prev];
            for (size_t k = prev + 1; k < t; k++)
                x[k * N + i] = (float)(x0 + (x1 - x0) * ((time[k] - time[prev]) / span));
        }
        prev = t;
    }
    if (prev == T) return; /* no finite sample */
    for (size_t k = prev + 1; k < T; k++) x[k * N + i] = x[prev * N + i];
}

void wk_impute_linear(float *x, const double *time, size_t T, size_t N, const unsigned char *keep)
{
    for (size_t i = 0; i < N; i++)
        if (kept(keep, i)) fill_column_linear(x, time, T, N, i);
}

/* ---- iterative ---- */

struct iterative {
    size_t T, P;          /* rows; Z columns: 0 intercept, 1..P-1 data columns */
    double *Z;            /* [T][P] current values */
    double *G;            /* [P][P] Z'Z */
    unsigned char *miss;  /* [T][P] 1 where the sample was missing */
    size_t *src;          /* [P] source column of each Z column (0: unused) */
    size_t *n_miss;       /* [P] */
    double *A, *b;        /* work: [P][P], [P] */
};

static void iterative_free(struct iterative *it)
{
    free(it->Z);
    free(it->G);
    free(it->miss);
    free(it->src);
    free(it->n_miss);
    free(it->A);
    free(it->b);
}

/* Z from the kept columns with finite data, missing samples at the column mean. */
static int iterative_init(struct iterative *it, const float *x, size_t T, size_t N, const unsigned char *keep)
{
    memset(it, 0, sizeof *it);
    it->T = T;
    it->P = 1;
    for (size_t i = 0; i < N; i++) it->P += kept(keep, i) && !wk_trace_all_missing(x, T, N, i);
    size_t P = it->P, TP;
    if (wk_size_mul(&TP, T, P) < 0) return wk_fail(WK_ERANGE, "imputation: table of %zu x %zu is too large", T, P);
    it->Z = wk_malloc_array(TP, sizeof *it->Z);
    it->miss = wk_calloc(TP, 1);
    it->G = wk_malloc_array(P * P, sizeof *it->G);
    it->A = wk_malloc_array(P * P, sizeof *it->A);
    it->b = wk_malloc_array(P, sizeof *it->b);
    it->src = wk_calloc(P, sizeof *it->src);
    it->n_miss = wk_calloc(P, sizeof *it->n_miss);
    if (!it->Z || !it->miss || !it->G || !it->A || !it->b || !it->src || !it->n_miss) return WK_ENOMEM;
    size_t q = 1;
    for (size_t i = 0; i < N; i++) {
        if (!kept(keep, i) || wk_trace_all_missing(x, T, N, i)) continue;
        it->src[q] = i;
        double sum = 0;
        size_t n = 0;
        for (size_t t = 0; t < T; t++) {
            double v = x[t * N + i];
            if (isfinite(v)) {
                sum += v;
                n++;
            }
        }
        double mean = sum / (double)n;
        for (size_t t = 0; t < T; t++) {
            double v = x[t * N + i];
            int m = !isfinite(v);
            it->Z[t * P + q] = m ? mean : v;
            it->miss[t * P + q] = (unsigned char)m;
            it->n_miss[q] += (size_t)m;
        }
        q++;
    }
    for (size_t t = 0; t < T; t++) it->Z[t * P] = 1.0;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)P, (int)T, 1.0, it->Z, (int)P, 0.0, it->G, (int)P);
    for (size_t r = 0; r < P; r++)
        for (size_t c = 0; c < r; c++) it->G[r * P + c] = it->G[c * P + r];
    return 0;
}

/* Solve the symmetric positive definite system M w = v in place (w in v);
 * a pivot that is not positive is replaced by 1 (that unknown then gets 0
 * weight from a zero predictor). */
static void cholesky_solve(double *M, double *v, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double d = M[j * n + j];
        for (size_t k = 0; k < j; k++) d -= M[j * n + k] * M[j * n + k];
        d = d > 0 ? sqrt(d) : 1.0;
        M[j * n + j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double s = M[i * n + j];
            for (size_t k = 0; k < j; k++) s -= M[i * n + k] * M[j * n + k];
            M[i * n + j] = s / d;
        }
    }
    for (size_t i = 0; i < n; i++) {
        double s = v[i];
        for (size_t k = 0; k < i; k++) s -= M[i * n + k] * v[k];
        v[i] = s / M[i * n + i];
    }
    for (size_t i = n; i-- > 0;) {
        double s = v[i];
        for (size_t k = i + 1; k < n; k++) s -= M[k * n + i] * v[k];
        v[i] = s / M[i * n + i];
    }
}

/* Regress Z column q on the others over its observed rows, refill its
 * missing rows and update G; returns the largest change. */
static double iterative_column(struct iterative *it, size_t q)
{
    size_t P = it->P, T = it->T, n = P - 1;
    const double *Z = it->Z;
    /* A, b over the observed rows: G minus the missing rows' products */
    double *A = it->A, *b = it->b;
    size_t r = 0;
    for (size_t k = 0; k < P; k++) {
        if (k == q) continue;
        size_t c = 0;
        for (size_t l = 0; l < P; l++)
            if (l != q) A[r * n + c++] = it->G[k * P + l];
        b[r++] = it->G[k * P + q];
    }
    for (size_t t = 0; t < T; t++) {
        if (!it->miss[t * P + q]) continue;
        const double *z = Z + t * P;
        r = 0;
        for (size_t k = 0; k < P; k++) {
            if (k == q) continue;
            size_t c = 0;
            for (size_t l = 0; l < P; l++)
                if (l != q) A[r * n + c++] -= z[k] * z[l];
            b[r++] -= z[k] * z[q];
        }
    }
    for (size_t k = 1; k < n; k++) A[k * n + k] *= 1.0 + WK_IMPUTE_RIDGE; /* index 0: intercept */
    cholesky_solve(A, b, n);

    double change = 0;
    for (size_t t = 0; t < T; t++) {
        if (!it->miss[t * P + q]) continue;
        const double *z = Z + t * P;
        double y = 0;
        r = 0;
        for (size_t k = 0; k < P; k++)
            if (k != q) y += b[r++] * z[k];
        change = fmax(change, fabs(y - z[q]));
        it->Z[t * P + q] = y;
    }
    for (size_t k = 0; k < P; k++) {
        double s = 0;
        for (size_t t = 0; t < T; t++) s += Z[t * P + k] * Z[t * P + q];
        it->G[k * P + q] = it->G[q * P + k] = s;
    }
    return change;
}


/* Columns with missing samples, fewest missing first (ties: column order). */
static size_t order_columns(size_t *order, const struct iterative *it)
{
    size_t n = 0;
    for (size_t q = 1; q < it->P; q++) {
        if (!it->n_miss[q]) continue;
        size_t k = n++;
        for (; k > 0 && it->n_miss[order[k - 1]] > it->n_miss[q]; k--) order[k] = order[k - 1];
        order[k] = q;
    }
    return n;
}

int wk_impute_iterative(float *x, size_t T, size_t N, const unsigned char *keep)
{
    struct iterative it;
    int rc = iterative_init(&it, x, T, N, keep);
    size_t *order = rc == 0 ? wk_malloc_array(it.P, sizeof *order) : NULL;
    if (rc == 0 && !order) rc = WK_ENOMEM;
    if (rc < 0) {
        iterative_free(&it);
        return rc;
    }
    size_t n_order = order_columns(order, &it);

    double scale = 0;
    for (size_t t = 0; t < T; t++)
        for (size_t q = 1; q < it.P; q++)
            if (!it.miss[t * it.P + q]) scale = fmax(scale, fabs(it.Z[t * it.P + q]));
    for (int round = 0; round < WK_IMPUTE_MAX_ROUNDS && n_order > 0; round++) {
        double change = 0;
        for (size_t j = 0; j < n_order; j++) change = fmax(change, iterative_column(&it, order[j]));
        if (change <= WK_IMPUTE_TOL * scale) break;
    }
    for (size_t q = 1; q < it.P; q++) {
        if (!it.n_miss[q]) continue;
        size_t i = it.src[q];
        for (size_t t = 0; t < T; t++)
            if (it.miss[t * it.P + q]) x[t * N + i] = (float)it.Z[t * it.P + q];
    }
    free(order);
    iterative_free(&it);
    return 0;
}
