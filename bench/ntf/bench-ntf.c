/* bench-ntf - time per NTF iteration against a straightforward baseline,
 * and the matrix-free mode's time and memory.  Not part of `make check`;
 * run through bench/ntf/run.sh.
 *
 *   bench-ntf dense P T W R ITERS BASE_ITERS
 *       planted rank-R tensor P x T x W (float32, 10% noise); wormkit HALS
 *       and a baseline HALS from the same initialisation; prints seconds per
 *       iteration of each, their ratio, and the errors after BASE_ITERS
 *       iterations (equal fit: both run the same HALS updates).
 *   bench-ntf matrix-free N T W R ITERS
 *       W worms of N neurons x T samples (synthetic traces with planted
 *       co-active groups); HALS on the derivative affinities recomputed at
 *       every pass (P = N(N-1)/2 pairs, the tensor never held); prints
 *       seconds per iteration and the peak RSS.
 *
 * The baseline is the reference library's algorithm (tensorly's
 * non_negative_parafac_hals with its default unfolding_dot_khatri_rao):
 * for every mode and every rank component r, one multi_mode_dot of the
 * tensor with the other factors' r-th columns, each mode_dot unfolding its
 * input (a copy when the mode is not the first) then a vector-matrix
 * product; the tensor is stored as numpy would hold it, C order (P, T, W).
 * It computes in double like wormkit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "wormkit/wk_affinity.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_ntf.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* ---- wormkit, timed per iteration through the callback ---- */

/* Iterations 1 .. stop are timed: the evaluation after the last update
 * (iteration max_iter) is only an error pass, not a whole iteration. */
struct timing {
    double t_first, t_last;
    int first, last, stop;
};

static void on_iter(void *ctx, int restart, int iter, double error)
{
    struct timing *tm = ctx;
    (void)restart;
    (void)error;
    double t = now();
    if (iter == 1) {
        tm->t_first = t;
        tm->first = 1;
    }
    if (iter <= tm->stop) {
        tm->t_last = t;
        tm->last = iter;
    }
    fprintf(stderr, "  iteration %d: error %.6f\n", iter, error);
}

static double per_iteration(const struct timing *tm)
{
    return tm->last > tm->first ? (tm->t_last - tm->t_first) / (tm->last - tm->first) : NAN;
}

/* ---- baseline: tensorly's per-component MTTKRP ---- */

/* unfold(X, mode) of a C-order 3-way tensor of shape dims: a [dims[mode]] x
 * [rest] copy (numpy's moveaxis + reshape), except mode 0 (a view). */
static const float *unfold3(const float *X, const size_t *dims, int mode, float *buf)
{
    if (mode == 0) return X;
    size_t d0 = dims[0], d1 = dims[1], d2 = dims[2];
    if (mode == 1) { /* (d1, d0 * d2): buf[j][i][k] = X[i][j][k] */
        for (size_t i = 0; i < d0; i++)
            for (size_t j = 0; j < d1; j++) memcpy(buf + (j * d0 + i) * d2, X + (i * d1 + j) * d2, d2 * sizeof *X);
    } else { /* (d2, d0 * d1): buf[k][i][j] = X[i][j][k] */
        for (size_t i = 0; i < d0; i++)
            for (size_t j = 0; j < d1; j++)
                for (size_t k = 0; k < d2; k++) buf[(k * d0 + i) * d1 + j] = X[(i * d1 + j) * d2 + k];
    }
    return buf;
}

/* out[n] = sum_m v[m] U[m][n] (vector times the unfolding). */
static void vec_mat(double *out, const double *v, const float *U, size_t m, size_t n)
{
    memset(out, 0, n * sizeof *out);
    for (size_t i = 0; i < m; i++) {
        double s = v[i];
        const float *row = U + i * n;
        for (size_t j = 0; j < n; j++) out[j] += s * row[j];
    }
}

/* mode_dot of a 2-way double array (d0, d1) with a vector along `mode`. */
static void mode_dot2(double *out, const double *Y, size_t d0, size_t d1, const double *v, int mode)
{
    if (mode == 0) {
        memset(out, 0, d1 * sizeof *out);
        for (size_t i = 0; i < d0; i++)
            for (size_t j = 0; j < d1; j++) out[j] += v[i] * Y[i * d1 + j];
    } else {
        for (size_t i = 0; i < d0; i++) {
            double s = 0;
            for (size_t j = 0; j < d1; j++) s += Y[i * d1 + j] * v[j];
            out[i] = s;
        }
    }
}

struct baseline {
    const float *X; /* C order (P, T, W) */
    size_t dims[3], R;
    double *F[3];   /* [dims[n]][R] */
    float *buf;     /* unfolding copy */
    double *vec[3], *tmp;
};

static void column(double *v, const double *F, size_t n, size_t R, size_t r)
{
    for (size_t i = 0; i < n; i++) v[i] = F[i * R + r];
}

/* M[:, r] for every r of mode `mode` (R multi_mode_dots). */
static void baseline_mttkrp(struct baseline *b, int mode, double *M)
{
    size_t R = b->R, *d = b->dims;
    for (size_t r = 0; r < R; r++) {
        for (int n = 0; n < 3; n++) column(b->vec[n], b->F[n], d[n], R, r);
        double *res = b->tmp; /* after the first mode_dot: 2-way */
        size_t r0, r1;
        int first = mode == 0 ? 1 : 0, second = mode == 2 ? 1 : 2;
        /* first contraction: mode `first` of the full tensor */
        const float *U = unfold3(b->X, d, first, b->buf);
        size_t rest = d[0] * d[1] * d[2] / d[first];
        vec_mat(res, b->vec[first], U, d[first], rest);
        /* remaining 2-way tensor: the two other modes in order */
        r0 = first == 0 ? d[1] : d[0];
        r1 = first == 2 ? d[1] : d[2];
        int pos = second < first ? second : second - 1;
        double *out = res + rest;
        mode_dot2(out, res, r0, r1, b->vec[second], pos);
        for (size_t i = 0; i < d[mode]; i++) M[i * R + r] = out[i];
    }
}

static void gram(double *G, const double *F, size_t n, size_t R)
{
    for (size_t a = 0; a < R; a++)
        for (size_t c = 0; c < R; c++) {
            double s = 0;
            for (size_t i = 0; i < n; i++) s += F[i * R + a] * F[i * R + c];
            G[a * R + c] = s;
        }
}

static void hals(double *F, size_t n, size_t R, const double *M, const double *G)
{
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < R; r++) {
            if (!(G[r * R + r] > 0)) continue;
            double s = M[i * R + r];
            for (size_t q = 0; q < R; q++) s -= F[i * R + q] * G[q * R + r];
            double v = F[i * R + r] + s / G[r * R + r];
            F[i * R + r] = v > 0 ? v : 0;
        }
}

/* Equal column norms across the factors, as wormkit does after each
 * iteration (HALS depends on how the scale is shared). */
static void rebalance(struct baseline *b)
{
    size_t R = b->R;
    for (size_t r = 0; r < R; r++) {
        double nrm[3], prod = 1;
        for (int n = 0; n < 3; n++) {
            double s = 0;
            for (size_t i = 0; i < b->dims[n]; i++) s += b->F[n][i * R + r] * b->F[n][i * R + r];
            nrm[n] = sqrt(s);
            prod *= nrm[n];
        }
        if (!(prod > 0)) continue;
        double g = cbrt(prod);
        for (int n = 0; n < 3; n++)
            for (size_t i = 0; i < b->dims[n]; i++) b->F[n][i * R + r] *= g / nrm[n];
    }
}

/* wormkit's random initialisation: factors uniform in [0,1) drawn in the
 * order A, B, C, all scaled so that ||model||^2 = norm2. */
static void baseline_init(struct baseline *b, gsl_rng *rng, double norm2)
{
    size_t R = b->R;
    double G[3][WK_NTF_MAX_RANK * WK_NTF_MAX_RANK], n2 = 0;
    for (int n = 0; n < 3; n++) {
        for (size_t i = 0; i < b->dims[n] * R; i++) b->F[n][i] = gsl_rng_uniform(rng);
        gram(G[n], b->F[n], b->dims[n], R);
    }
    for (size_t i = 0; i < R * R; i++) n2 += G[0][i] * G[1][i] * G[2][i];
    double s = cbrt(sqrt(norm2 / n2));
    for (int n = 0; n < 3; n++)
        for (size_t i = 0; i < b->dims[n] * R; i++) b->F[n][i] *= s;
}

/* One HALS iteration (modes 0, 1, 2); returns the relative error computed
 * as tensorly does, from the last MTTKRP. */
static double baseline_iteration(struct baseline *b, double norm2)
{
    size_t R = b->R;
    double G[3][WK_NTF_MAX_RANK * WK_NTF_MAX_RANK], H[WK_NTF_MAX_RANK * WK_NTF_MAX_RANK];
    double *M = malloc(b->dims[0] * R * sizeof *M), inner = 0;
    for (int n = 0; n < 3; n++) gram(G[n], b->F[n], b->dims[n], R);
    for (int mode = 0; mode < 3; mode++) {
        baseline_mttkrp(b, mode, M);
        for (size_t i = 0; i < R * R; i++) H[i] = 1;
        for (int n = 0; n < 3; n++)
            if (n != mode)
                for (size_t i = 0; i < R * R; i++) H[i] *= G[n][i];
        hals(b->F[mode], b->dims[mode], R, M, H);
        gram(G[mode], b->F[mode], b->dims[mode], R);
        if (mode == 2)
            for (size_t i = 0; i < b->dims[2] * R; i++) inner += b->F[2][i] * M[i];
    }
    double m2 = 0;
    for (size_t i = 0; i < R * R; i++) m2 += G[0][i] * G[1][i] * G[2][i];
    free(M);
    double e2 = norm2 - 2 * inner + m2;
    rebalance(b);
    return sqrt(fabs(e2) / norm2);
}

static int bench_dense(size_t P, size_t T, size_t W, size_t R, int iters, int base_iters)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 1);
    float *X;
    struct wk_ntf_model *truth;
    printf("dense: P %zu x T %zu x W %zu = %.3g entries, rank %zu\n", P, T, W, (double)P * T * W, R);
    if (wk_ntf_planted(&X, &truth, P, T, W, R, 0.5, 0.1, rng)) return 1;
    struct wk_ntf_tensor tensor;
    wk_ntf_tensor_dense(&tensor, X, NULL, P, T, W);
    struct wk_ntf_opts o;
    wk_ntf_opts_init(&o);
    o.rank = R;
    o.tol = 0;

    /* both start from the same factors: wormkit's initialisation from
     * seed 2, reproduced for the baseline below */
    struct timing tm = {0, 0, 0, 0, iters > 2 ? iters - 1 : iters};
    o.max_iter = iters;
    o.on_iter = on_iter;
    o.on_iter_ctx = &tm;
    struct wk_ntf_model *m = NULL;
    gsl_rng_set(rng, 2);
    fprintf(stderr, "wormkit:\n");
    if (wk_ntf_fit_once(&m, &tensor, &o, rng, 0)) return 1;
    double ours = per_iteration(&tm);
    double ours_err = m->trace[base_iters < iters ? base_iters : iters];

    /* baseline from the same initialisation, tensor in C order (P, T, W) */
    struct baseline b;
    memset(&b, 0, sizeof b);
    b.dims[0] = P;
    b.dims[1] = T;
    b.dims[2] = W;
    b.R = R;
    float *Xc = malloc(P * T * W * sizeof *Xc);
    b.buf = malloc(P * T * W * sizeof *b.buf);
    b.tmp = malloc((P * T * W / (P < T ? (P < W ? P : W) : (T < W ? T : W)) + P + T + W) * sizeof *b.tmp);
    if (!Xc || !b.buf || !b.tmp) return 1;
    double norm2 = 0;
    for (size_t w = 0; w < W; w++)
        for (size_t t = 0; t < T; t++)
            for (size_t p = 0; p < P; p++) {
                float v = X[(w * T + t) * P + p];
                Xc[(p * T + t) * W + w] = v;
                norm2 += (double)v * v;
            }
    free(X);
    b.X = Xc;
    for (int n = 0; n < 3; n++) {
        b.F[n] = malloc(b.dims[n] * R * sizeof(double));
        b.vec[n] = malloc(b.dims[n] * sizeof(double));
        if (!b.F[n] || !b.vec[n]) return 1;
    }
    gsl_rng_set(rng, 2);
    baseline_init(&b, rng, norm2);
    fprintf(stderr, "baseline:\n");
    double t0 = now(), err = NAN;
    for (int it = 0; it < base_iters; it++) {
        err = baseline_iteration(&b, norm2);
        fprintf(stderr, "  iteration %d: error %.6f\n", it + 1, err);
    }
    double base = (now() - t0) / base_iters;
    printf("wormkit  HALS: %.4f s/iteration (error after %d iterations %.9f)\n", ours,
           base_iters < iters ? base_iters : iters, ours_err);
    printf("baseline HALS: %.4f s/iteration (error after %d iterations %.9f)\n", base, base_iters, err);
    printf("speed-up: %.1fx per iteration\n", base / ours);
    printf("peak RSS: %.0f MB\n", peak_rss_mb());
    return 0;
}

/* ---- matrix-free ---- */

static int bench_matrix_free(size_t N, size_t T, size_t W, size_t R, int iters)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    size_t P = wk_affinity_n_pairs(N);
    printf("matrix-free: %zu neurons (%zu pairs) x T %zu x W %zu (dense float32 would be %.1f GB), rank %zu\n", N, P,
           T, W, 4.0 * (double)P * T * W / 1e9, R);
    struct wk_affinity_worm **worms = calloc(W, sizeof *worms);
    float *tr = malloc(T * N * sizeof *tr);
    double *time = malloc(T * sizeof *time), *drive = malloc(R * T * sizeof *drive);
    size_t *cols = malloc(N * sizeof *cols);
    struct wk_affinity_opts ao;
    wk_affinity_opts_init(&ao);
    for (size_t i = 0; i < N; i++) cols[i] = i;
    for (size_t t = 0; t < T; t++) time[t] = t / 3.0;
    for (size_t w = 0; w < W; w++) {
        for (size_t r = 0; r < R; r++) /* a random walk per group and worm */
            for (size_t t = 0; t < T; t++)
                drive[r * T + t] = (t ? drive[r * T + t - 1] : 0) + gsl_ran_gaussian(rng, 1.0);
        for (size_t t = 0; t < T; t++)
            for (size_t i = 0; i < N; i++)
                tr[t * N + i] = (float)(drive[(i % R) * T + t] + gsl_ran_gaussian(rng, 0.5));
        if (wk_affinity_worm_alloc(&worms[w], tr, T, N, time, cols, N, &ao, NULL)) return 1;
    }
    free(tr);
    free(drive);
    struct wk_affinity_set set = {P, T, W, worms};
    struct wk_ntf_tensor tensor;
    wk_ntf_tensor_callback(&tensor, wk_affinity_set_block, &set, P, T, W);
    struct wk_ntf_opts o;
    wk_ntf_opts_init(&o);
    o.rank = R;
    o.tol = 0;
    o.max_iter = iters;
    struct timing tm = {0, 0, 0, 0, iters};
    o.on_iter = on_iter;
    o.on_iter_ctx = &tm;
    struct wk_ntf_model *m = NULL;
    double t0 = now();
    if (wk_ntf_fit_once(&m, &tensor, &o, rng, 0)) return 1;
    printf("matrix-free HALS: %.2f s/iteration, %.1f s in all (%d iterations + initialisation), error %.4f\n",
           per_iteration(&tm), now() - t0, iters, m->error);
    printf("peak RSS: %.0f MB\n", peak_rss_mb());
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 8 && strcmp(argv[1], "dense") == 0)
        return bench_dense(strtoul(argv[2], 0, 10), strtoul(argv[3], 0, 10), strtoul(argv[4], 0, 10),
                           strtoul(argv[5], 0, 10), atoi(argv[6]), atoi(argv[7]));
    if (argc == 7 && strcmp(argv[1], "matrix-free") == 0)
        return bench_matrix_free(strtoul(argv[2], 0, 10), strtoul(argv[3], 0, 10), strtoul(argv[4], 0, 10),
                                 strtoul(argv[5], 0, 10), atoi(argv[6]));
    fprintf(stderr, "usage: bench-ntf dense P T W R ITERS BASE_ITERS | matrix-free N T W R ITERS\n");
    return 2;
}
