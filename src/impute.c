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

/* Each column's regression matrix A_q is H minus row and column q minus the
 * products of q's missing rows, H = G with the ridge on its diagonal.  The
 * inverse K = H^-1 is kept up to date (a round starts from a fresh one), so
 * a column costs O(P^2 m) instead of a Cholesky factorization, O(P^3):
 *   S = (H without q)^-1 from K by a rank-one downdate;
 *   M = (H without q) - U U' (U: the m missing rows) by Woodbury from S;
 *   A_q = M - ridge diag(U U'), solved by refinement w += M^-1 (b - A_q w);
 *   after q's refill, K from S and q's new row of H (block inverse).
 * Columns with many missing samples, or a failed step, take the direct
 * Cholesky solve of A_q.  G follows the refilled rows only, O(P m). */
#define WOODBURY_MAX 16   /* missing samples of a column for the fast solve */
#define REFINE_MAX 6      /* refinement steps before the direct solve */
#define REFINE_TOL 1e-14  /* relative size of the last refinement step */
#define REFINE_FLOOR 1e-11 /* ... or when the steps stop shrinking */

struct iterative {
    size_t T, P;          /* rows; Z columns: 0 intercept, 1..P-1 data columns */
    double *Z;            /* [T][P] current values */
    double *G;            /* [P][P] Z'Z */
    unsigned char *miss;  /* [T][P] 1 where the sample was missing */
    size_t *src;          /* [P] source column of each Z column (0: unused) */
    size_t *n_miss;       /* [P] */
    size_t *rows;         /* [T] work: missing rows of a column */
    double *A, *b;        /* work: [P][P], [P] */
    double *K, *S;        /* [P][P] H^-1; [P-1][P-1] (H without q)^-1 */
    int K_valid;
    double *SU, *C;       /* [WOODBURY_MAX][P-1] S U (transposed); [WOODBURY_MAX]^2 */
    double *w, *r, *y, *dw, *a, *wf, *dsq; /* work: [P] each */
    double uw[WOODBURY_MAX];
};

static void iterative_free(struct iterative *it)
{
    free(it->Z);
    free(it->G);
    free(it->miss);
    free(it->src);
    free(it->n_miss);
    free(it->rows);
    free(it->A);
    free(it->b);
    free(it->K);
    free(it->S);
    free(it->SU);
    free(it->C);
    free(it->w);
    free(it->r);
    free(it->y);
    free(it->dw);
    free(it->a);
    free(it->wf);
    free(it->dsq);
}

static int iterative_alloc(struct iterative *it, size_t T, size_t P)
{
    size_t TP;
    if (wk_size_mul(&TP, T, P) < 0)
        return wk_fail(WK_ERANGE, "imputation: table of %zu x %zu is too large", T, P);
    it->Z = wk_malloc_array(TP, sizeof *it->Z);
    it->miss = wk_calloc(TP, 1);
    it->rows = wk_malloc_array(T, sizeof *it->rows);
    it->G = wk_malloc_array(P * P, sizeof *it->G);
    it->A = wk_malloc_array(P * P, sizeof *it->A);
    it->K = wk_malloc_array(P * P, sizeof *it->K);
    it->S = wk_malloc_array(P * P, sizeof *it->S);
    it->SU = wk_malloc_array(WOODBURY_MAX * P, sizeof *it->SU);
    it->C = wk_malloc_array(WOODBURY_MAX * WOODBURY_MAX, sizeof *it->C);
    it->b = wk_malloc_array(P, sizeof *it->b);
    it->w = wk_malloc_array(P, sizeof *it->w);
    it->r = wk_malloc_array(P, sizeof *it->r);
    it->y = wk_malloc_array(P, sizeof *it->y);
    it->dw = wk_malloc_array(P, sizeof *it->dw);
    it->a = wk_malloc_array(P, sizeof *it->a);
    it->wf = wk_malloc_array(P, sizeof *it->wf);
    it->dsq = wk_malloc_array(P, sizeof *it->dsq);
    it->src = wk_calloc(P, sizeof *it->src);
    it->n_miss = wk_calloc(P, sizeof *it->n_miss);
    if (!it->Z || !it->miss || !it->rows || !it->G || !it->A || !it->K || !it->S || !it->SU || !it->C ||
        !it->b || !it->w || !it->r || !it->y || !it->dw || !it->a || !it->wf || !it->dsq || !it->src || !it->n_miss)
        return WK_ENOMEM;
    return 0;
}

/* Z from the kept columns with finite data, missing samples at the column mean. */
static int iterative_init(struct iterative *it, const float *x, size_t T, size_t N, const unsigned char *keep)
{
    memset(it, 0, sizeof *it);
    it->T = T;
    it->P = 1;
    for (size_t i = 0; i < N; i++) it->P += kept(keep, i) && !wk_trace_all_missing(x, T, N, i);
    size_t P = it->P;
    int rc = iterative_alloc(it, T, P);
    if (rc < 0) return rc;
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

/* Four partial sums: the compiler keeps them in flight at once. */
static double dot(const double *a, const double *b, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/* Cholesky factor L (lower triangle of M, row major) in place; -1 when a
 * pivot is not positive. */
static int cholesky_factor(double *M, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double d = M[j * n + j];
        for (size_t k = 0; k < j; k++) d -= M[j * n + k] * M[j * n + k];
        if (!(d > 0) || !isfinite(d)) return -1;
        d = sqrt(d);
        M[j * n + j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double s = M[i * n + j];
            for (size_t k = 0; k < j; k++) s -= M[i * n + k] * M[j * n + k];
            M[i * n + j] = s / d;
        }
    }
    return 0;
}

/* v = (L L')^-1 v with the factor of cholesky_factor. */
static void cholesky_apply(const double *L, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double s = v[i];
        for (size_t k = 0; k < i; k++) s -= L[i * n + k] * v[k];
        v[i] = s / L[i * n + i];
    }
    for (size_t i = n; i-- > 0;) {
        double s = v[i];
        for (size_t k = i + 1; k < n; k++) s -= L[k * n + i] * v[k];
        v[i] = s / L[i * n + i];
    }
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
    cholesky_apply(M, v, n);
}

/* K = H^-1 from G (A as work); sets K_valid. */
static void iterative_invert(struct iterative *it)
{
    size_t P = it->P;
    double *H = it->A;
    memcpy(H, it->G, P * P * sizeof *H);
    for (size_t k = 1; k < P; k++) H[k * P + k] *= 1.0 + WK_IMPUTE_RIDGE;
    it->K_valid = cholesky_factor(H, P) == 0;
    if (!it->K_valid) return;
    for (size_t j = 0; j < P; j++) {
        double *e = it->y;
        memset(e, 0, P * sizeof *e);
        e[j] = 1.0;
        cholesky_apply(H, e, P);
        for (size_t i = 0; i < P; i++) it->K[i * P + j] = e[i];
    }
}

/* S = (H without row and column q)^-1 from K. */
static void iterative_downdate(struct iterative *it, size_t q)
{
    size_t P = it->P, n = P - 1;
    const double *K = it->K;
    double kqq = K[q * P + q];
    for (size_t k = 0, r = 0; k < P; k++) {
        if (k == q) continue;
        double f = K[k * P + q] / kqq;
        double *s = it->S + r++ * n;
        const double *kk = K + k * P, *kq = K + q * P;
        for (size_t l = 0; l < q; l++) s[l] = kk[l] - f * kq[l];
        for (size_t l = q + 1; l < P; l++) s[l - 1] = kk[l] - f * kq[l];
    }
}

/* K from S and column q's new row of G (block inverse); clears K_valid
 * when the Schur complement is not positive. */
static void iterative_update(struct iterative *it, size_t q)
{
    size_t P = it->P, n = P - 1;
    double *h = it->r, *g = it->y;
    for (size_t k = 0, r = 0; k < P; k++)
        if (k != q) h[r++] = it->G[k * P + q];
    double s = it->G[q * P + q] * (1.0 + WK_IMPUTE_RIDGE);
    for (size_t r = 0; r < n; r++) {
        g[r] = dot(it->S + r * n, h, n);
        s -= h[r] * g[r];
    }
    if (!(s > 0) || !isfinite(s)) {
        it->K_valid = 0;
        return;
    }
    double *K = it->K;
    K[q * P + q] = 1.0 / s;
    for (size_t k = 0, r = 0; k < P; k++) {
        if (k == q) continue;
        double gr = g[r] / s;
        const double *sr = it->S + r * n;
        double *kk = K + k * P;
        for (size_t l = 0; l < q; l++) kk[l] = sr[l] + gr * g[l];
        for (size_t l = q + 1; l < P; l++) kk[l] = sr[l - 1] + gr * g[l - 1];
        kk[q] = K[q * P + k] = -gr;
        r++;
    }
}

/* A (ridge included) and b of column q's regression over its observed rows:
 * G minus the products of the m missing rows of rows[]. */
static void iterative_system(struct iterative *it, size_t q, size_t m)
{
    size_t P = it->P, n = P - 1;
    double *A = it->A, *b = it->b;
    size_t r = 0;
    for (size_t k = 0; k < P; k++) {
        if (k == q) continue;
        size_t c = 0;
        for (size_t l = 0; l < P; l++)
            if (l != q) A[r * n + c++] = it->G[k * P + l];
        b[r++] = it->G[k * P + q];
    }
    for (size_t j = 0; j < m; j++) {
        const double *z = it->Z + it->rows[j] * P;
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
}

/* Row t of Z without column q into u[n]. */
static void row_without(double *u, const struct iterative *it, size_t t, size_t q)
{
    const double *z = it->Z + t * it->P;
    memcpy(u, z, q * sizeof *u);
    memcpy(u + q, z + q + 1, (it->P - 1 - q) * sizeof *u);
}

/* S U and the Woodbury core C = I - U' S U, factored; -1 when C is not
 * positive definite. */
static int woodbury_prepare(struct iterative *it, size_t q, size_t m)
{
    size_t n = it->P - 1;
    double *u = it->dw;
    for (size_t j = 0; j < m; j++) {
        row_without(u, it, it->rows[j], q);
        double *su = it->SU + j * n;
        for (size_t r = 0; r < n; r++) su[r] = dot(it->S + r * n, u, n);
    }
    for (size_t i = 0; i < m; i++) {
        row_without(u, it, it->rows[i], q);
        for (size_t j = 0; j <= i; j++)
            it->C[i * m + j] = it->C[j * m + i] = (i == j) - dot(u, it->SU + j * n, n);
    }
    return cholesky_factor(it->C, m);
}

/* out = M^-1 v (Woodbury). */
static void woodbury_apply(struct iterative *it, double *out, const double *v, size_t m)
{
    size_t n = it->P - 1;
    for (size_t r = 0; r < n; r++) out[r] = dot(it->S + r * n, v, n);
    double *a = it->a;
    for (size_t j = 0; j < m; j++) a[j] = dot(it->SU + j * n, v, n);
    cholesky_apply(it->C, a, m);
    for (size_t j = 0; j < m; j++) {
        const double *su = it->SU + j * n;
        for (size_t r = 0; r < n; r++) out[r] += su[r] * a[j];
    }
}

/* Column q's right-hand side b and dsq[r] = sum of the squares of the
 * missing rows, over the m rows of rows[]. */
static void woodbury_rhs(struct iterative *it, size_t q, size_t m)
{
    size_t P = it->P;
    for (size_t k = 0, r = 0; k < P; k++) {
        if (k == q) continue;
        double bk = it->G[k * P + q], d = 0;
        for (size_t j = 0; j < m; j++) {
            const double *z = it->Z + it->rows[j] * P;
            bk -= z[k] * z[q];
            d += z[k] * z[k];
        }
        it->b[r] = bk;
        it->dsq[r++] = d;
    }
}

/* res = b - A w without forming A: G w, the ridge on the diagonal, minus
 * the missing rows' part. */
static void residual(struct iterative *it, double *res, size_t q, size_t m)
{
    size_t P = it->P;
    double *wf = it->wf;
    memcpy(wf, it->w, q * sizeof *wf);
    wf[q] = 0;
    memcpy(wf + q + 1, it->w + q, (P - 1 - q) * sizeof *wf);
    for (size_t j = 0; j < m; j++) it->uw[j] = dot(it->Z + it->rows[j] * P, wf, P);
    for (size_t k = 0, r = 0; k < P; k++) {
        if (k == q) continue;
        double aw = dot(it->G + k * P, wf, P);
        if (k > 0) aw += WK_IMPUTE_RIDGE * (it->G[k * P + k] - it->dsq[r]) * wf[k];
        for (size_t j = 0; j < m; j++) aw -= it->Z[it->rows[j] * P + k] * it->uw[j];
        res[r] = it->b[r] - aw;
        r++;
    }
}

/* w = A^-1 b by refinement with M^-1; -1 when it does not converge. */
static int woodbury_solve(struct iterative *it, size_t q, size_t m)
{
    size_t n = it->P - 1;
    if (woodbury_prepare(it, q, m) < 0) return -1;
    double *w = it->w, *res = it->r, *dw = it->dw;
    woodbury_apply(it, w, it->b, m);
    double last = 0; /* the first step is w itself */
    for (size_t r = 0; r < n; r++) last = fmax(last, fabs(w[r]));
    for (int step = 0; step < REFINE_MAX; step++) {
        residual(it, res, q, m);
        woodbury_apply(it, dw, res, m);
        double big = 0, step_size = 0;
        for (size_t r = 0; r < n; r++) {
            w[r] += dw[r];
            big = fmax(big, fabs(w[r]));
            step_size = fmax(step_size, fabs(dw[r]));
        }
        if (!isfinite(big)) return -1;
        if (step_size <= REFINE_TOL * big) return 0;
        double rho = step_size / last; /* contraction: the error left is about step_size rho / (1 - rho) */
        if (rho < 0.5 && step_size * rho <= 0.5 * REFINE_TOL * big) return 0;
        if (step_size > 0.5 * last) return step_size <= REFINE_FLOOR * big ? 0 : -1; /* at the rounding floor */
        last = step_size;
    }
    return -1;
}

/* Regress Z column q on the others over its observed rows, refill its
 * missing rows and update G (and K); returns the largest change. */
static double iterative_column(struct iterative *it, size_t q)
{
    size_t P = it->P, n = P - 1;
    int fast = it->K_valid;
    if (fast) iterative_downdate(it, q);
    size_t m = 0;
    for (size_t t = 0; t < it->T; t++)
        if (it->miss[t * P + q]) it->rows[m++] = t;
    if (fast && m <= WOODBURY_MAX) woodbury_rhs(it, q, m);
    if (!fast || m > WOODBURY_MAX || woodbury_solve(it, q, m) < 0) {
        iterative_system(it, q, m);
        memcpy(it->w, it->b, n * sizeof *it->w);
        cholesky_solve(it->A, it->w, n);
    }

    double change = 0, *G = it->G;
    for (size_t j = 0; j < m; j++) {
        double *z = it->Z + it->rows[j] * P;
        double y = 0;
        for (size_t k = 0, r = 0; k < P; k++)
            if (k != q) y += it->w[r++] * z[k];
        double d = y - z[q];
        change = fmax(change, fabs(d));
        for (size_t k = 0; k < P; k++)
            if (k != q) G[k * P + q] += z[k] * d;
        G[q * P + q] += y * y - z[q] * z[q];
        z[q] = y;
    }
    for (size_t k = 0; k < P; k++) G[q * P + k] = G[k * P + q];
    if (fast) iterative_update(it, q);
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
        iterative_invert(&it);
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
