/* test-ntf.c - non-negative CP: recovery, monotonicity, masks, matrix-free
 * equivalence, thread independence, factor match score. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <gsl/gsl_rng.h>

#include "wk_test.h"
#include "wormkit/wk_affinity.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_ntf.h"
#include "wormkit/wk_recording.h"

static void quiet(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)message;
    (void)userdata;
}

static gsl_rng *rng_new(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

static int same_factors(const struct wk_ntf_model *a, const struct wk_ntf_model *b)
{
    return a->R == b->R && a->error == b->error && a->iterations == b->iterations &&
           memcmp(a->A, b->A, a->P * a->R * sizeof(double)) == 0 &&
           memcmp(a->B, b->B, a->T * a->R * sizeof(double)) == 0 &&
           memcmp(a->C, b->C, a->W * a->R * sizeof(double)) == 0 &&
           memcmp(a->lambda, b->lambda, a->R * sizeof(double)) == 0;
}

static int monotone(const struct wk_ntf_model *m)
{
    for (size_t i = 1; i < m->n_trace; i++)
        if (m->trace[i] > m->trace[i - 1] + 1e-10) {
            printf("#   error rose at iteration %zu: %.17g -> %.17g\n", i, m->trace[i - 1], m->trace[i]);
            return 0;
        }
    return 1;
}

static void test_recovery(void)
{
    gsl_rng *rng = rng_new(7);
    float *X;
    struct wk_ntf_model *truth, *m = NULL;
    ok(wk_ntf_planted(&X, &truth, 40, 30, 12, 3, 0.3, 0.0, rng) == 0, "planted rank-3 tensor");
    struct wk_ntf_tensor T;
    wk_ntf_tensor_dense(&T, X, NULL, 40, 30, 12);
    struct wk_ntf_opts o;
    wk_ntf_opts_init(&o);
    o.rank = 3;
    o.max_iter = 1000;
    o.tol = 1e-12;
    o.restarts = 3;
    double fms = 0, err = 1;
    ok(wk_ntf_fit(&m, NULL, &T, &o, 1) == 0, "HALS fit, random init, 3 restarts");
    ok(m && m->error < 1e-4, "HALS: relative error < 1e-4");
    if (m) printf("# HALS random: error %.3g after %d iterations\n", m->error, m->iterations);
    ok(m && wk_ntf_fms(&fms, m, truth, 1, NULL) == 0 && fms > 0.99, "HALS: FMS against the truth > 0.99");
    printf("# fms %.6f\n", fms);
    ok(m && wk_ntf_error(&err, &T, m) == 0 && fabs(err - m->error) < 1e-9, "reported error = direct residual");
    ok(m && monotone(m), "HALS error never increases");
    wk_ntf_model_free(m);
    m = NULL;

    o.init = WK_NTF_INIT_SVD;
    o.restarts = 1;
    ok(wk_ntf_fit(&m, NULL, &T, &o, 1) == 0, "HALS fit, randomized-SVD init");
    ok(m && m->error < 1e-4, "HALS svd: relative error < 1e-4");
    if (m) printf("# HALS svd: error %.3g after %d iterations\n", m->error, m->iterations);
    ok(m && wk_ntf_fms(&fms, m, truth, 1, NULL) == 0 && fms > 0.99, "HALS svd: FMS > 0.99");
    wk_ntf_model_free(m);
    m = NULL;

    o.method = WK_NTF_MU;
    o.max_iter = 300;
    o.tol = 0;
    ok(wk_ntf_fit(&m, NULL, &T, &o, 1) == 0, "MU fit, svd init");
    ok(m && monotone(m), "MU error never increases");
    ok(m && m->error < 0.02 && m->error < 0.2 * m->trace[0], "MU: error falls below 0.02");
    if (m) printf("# MU svd: error %.3g (initial %.3g)\n", m->error, m->trace[0]);
    wk_ntf_model_free(m);
    wk_ntf_model_free(truth);
    free(X);
    gsl_rng_free(rng);
}

static void test_masked(void)
{
    size_t P = 25, Tn = 20, W = 6, n = P * Tn * W;
    gsl_rng *rng = rng_new(11);
    float *X;
    struct wk_ntf_model *truth;
    ok(wk_ntf_planted(&X, &truth, P, Tn, W, 2, 0.2, 0.05, rng) == 0, "noisy planted tensor");
    unsigned char *mask = malloc(n);
    float *Y = malloc(n * sizeof *Y), *Z = malloc(n * sizeof *Z);
    for (size_t i = 0; i < n; i++) {
        mask[i] = gsl_rng_uniform(rng) >= 0.25;
        Y[i] = mask[i] ? X[i] : (float)(1000 * gsl_rng_uniform(rng));
        Z[i] = mask[i] ? X[i] : NAN;
    }
    struct wk_ntf_tensor TX, TY, TZ;
    wk_ntf_tensor_dense(&TX, X, mask, P, Tn, W);
    wk_ntf_tensor_dense(&TY, Y, mask, P, Tn, W);
    wk_ntf_tensor_dense(&TZ, Z, NULL, P, Tn, W);
    struct wk_ntf_opts o;
    wk_ntf_opts_init(&o);
    o.rank = 2;
    o.max_iter = 60;
    o.tol = 0;
    for (int method = 0; method < 2; method++) {
        o.method = method ? WK_NTF_MU : WK_NTF_HALS;
        for (int init = 0; init < 2; init++) {
            o.init = init ? WK_NTF_INIT_SVD : WK_NTF_INIT_RANDOM;
            struct wk_ntf_model *a = NULL, *b = NULL, *c = NULL;
            char what[128];
            int rc = wk_ntf_fit(&a, NULL, &TX, &o, 5) | wk_ntf_fit(&b, NULL, &TY, &o, 5) |
                     wk_ntf_fit(&c, NULL, &TZ, &o, 5);
            snprintf(what, sizeof what, "%s/%s: masked fits run", wk_ntf_method_name(o.method),
                     wk_ntf_init_name(o.init));
            ok(rc == 0, what);
            snprintf(what, sizeof what, "%s/%s: values at masked entries change nothing (bitwise)",
                     wk_ntf_method_name(o.method), wk_ntf_init_name(o.init));
            ok(a && b && same_factors(a, b), what);
            snprintf(what, sizeof what, "%s/%s: NaN entries = masked entries (bitwise)",
                     wk_ntf_method_name(o.method), wk_ntf_init_name(o.init));
            ok(a && c && same_factors(a, c), what);
            snprintf(what, sizeof what, "%s/%s: masked error never increases", wk_ntf_method_name(o.method),
                     wk_ntf_init_name(o.init));
            ok(a && monotone(a), what);
            double err = -1;
            snprintf(what, sizeof what, "%s/%s: reported error = masked residual", wk_ntf_method_name(o.method),
                     wk_ntf_init_name(o.init));
            ok(a && wk_ntf_error(&err, &TY, a) == 0 && fabs(err - a->error) < 1e-9, what);
            if (method == 0 && init == 1) {
                double fms = 0;
                ok(a && wk_ntf_fms(&fms, a, truth, 0, NULL) == 0 && fms > 0.95,
                   "HALS recovers the planted factors through a 25% mask (FMS > 0.95)");
                printf("# masked fms %.4f error %.4f\n", fms, a ? a->error : -1);
            }
            wk_ntf_model_free(a);
            wk_ntf_model_free(b);
            wk_ntf_model_free(c);
        }
    }
    free(mask);
    free(Y);
    free(Z);
    free(X);
    wk_ntf_model_free(truth);
    gsl_rng_free(rng);
}

/* Synthetic traces for affinities: W worms of different lengths, neuron 3
 * missing in worm 1, a NaN sample in worm 2. */
static void test_matrix_free(void)
{
    enum { W = 3, N = 12, TMAX = 70 };
    size_t lengths[W] = {70, 55, 64};
    gsl_rng *rng = rng_new(3);
    struct wk_affinity_worm *worms[W];
    struct wk_affinity_opts ao;
    wk_affinity_opts_init(&ao);
    size_t cols[N];
    int rc = 0;
    for (size_t w = 0; w < W; w++) {
        float tr[TMAX * N];
        double time[TMAX];
        for (size_t t = 0; t < lengths[w]; t++) {
            time[t] = 0.5 * (double)t;
            double drive = sin(0.3 * (double)t + (double)w);
            for (size_t i = 0; i < N; i++)
                tr[t * N + i] = (float)((i < 6 ? drive : cos(0.2 * (double)t * (double)(i % 3 + 1))) +
                                        0.3 * gsl_rng_uniform(rng));
        }
        if (w == 2) tr[10 * N + 5] = NAN;
        for (size_t i = 0; i < N; i++) cols[i] = (w == 1 && i == 3) ? WK_AFFINITY_ABSENT : i;
        rc |= wk_affinity_worm_alloc(&worms[w], tr, lengths[w], N, time, cols, N, &ao, NULL);
    }
    ok(rc == 0, "affinity worms");
    size_t P = wk_affinity_n_pairs(N);
    struct wk_affinity_set set = {P, TMAX, W, worms};
    /* the dense tensor, materialized through the same blocks */
    float *dense = malloc(P * TMAX * W * sizeof *dense);
    double *row = malloc(P * TMAX * sizeof *row);
    for (size_t w = 0; w < W; w++) {
        rc |= wk_affinity_set_block(&set, w, 0, TMAX, row);
        for (size_t i = 0; i < P * TMAX; i++) dense[w * P * TMAX + i] = (float)row[i];
    }
    ok(rc == 0, "dense affinity tensor");
    ok(isnan(dense[(1 * TMAX + 5) * P + wk_affinity_pair_index(N, 3, 7)]) &&
           isnan(dense[(1 * TMAX + 60) * P]) && !isnan(dense[(0 * TMAX + 60) * P]),
       "missing neuron and padding are NaN");
    struct wk_ntf_tensor TD, TC;
    wk_ntf_tensor_dense(&TD, dense, NULL, P, TMAX, W);
    wk_ntf_tensor_callback(&TC, wk_affinity_set_block, &set, P, TMAX, W);
    struct wk_ntf_opts o;
    wk_ntf_opts_init(&o);
    o.rank = 3;
    o.max_iter = 25;
    for (int method = 0; method < 2; method++) {
        o.method = method ? WK_NTF_MU : WK_NTF_HALS;
        o.init = method ? WK_NTF_INIT_SVD : WK_NTF_INIT_RANDOM;
        struct wk_ntf_model *a = NULL, *b = NULL;
        rc = wk_ntf_fit(&a, NULL, &TD, &o, 9) | wk_ntf_fit(&b, NULL, &TC, &o, 9);
        ok(rc == 0, method ? "MU dense and matrix-free fits" : "HALS dense and matrix-free fits");
        ok(a && b && same_factors(a, b),
           method ? "MU: dense and matrix-free give identical factors" : "HALS: dense and matrix-free give identical factors");
        ok(a && a->error < 0.9 && monotone(a), "fit improves monotonically");
        wk_ntf_model_free(a);
        wk_ntf_model_free(b);
    }
    free(dense);
    free(row);
    for (size_t w = 0; w < W; w++) wk_affinity_worm_free(worms[w]);
    gsl_rng_free(rng);
}

static void test_threads(void)
{
#ifdef _OPENMP
    /* P > both GEMM chunk sizes, T over two blocks, some missing entries */
    size_t P = 5000, Tn = 450, W = 2;
    gsl_rng *rng = rng_new(5);
    float *X;
    struct wk_ntf_model *truth;
    ok(wk_ntf_planted(&X, &truth, P, Tn, W, 3, 0.5, 0.01, rng) == 0, "large planted tensor");
    for (size_t i = 0; i < P * Tn * W; i += 97) X[i] = NAN;
    struct wk_ntf_tensor T;
    wk_ntf_tensor_dense(&T, X, NULL, P, Tn, W);
    struct wk_ntf_opts o;
    wk_ntf_opts_init(&o);
    o.rank = 3;
    o.max_iter = 4;
    o.init = WK_NTF_INIT_SVD;
    struct wk_ntf_model *a = NULL, *b = NULL;
    omp_set_num_threads(1);
    int rc = wk_ntf_fit(&a, NULL, &T, &o, 2);
    omp_set_num_threads(2);
    rc |= wk_ntf_fit(&b, NULL, &T, &o, 2);
    ok(rc == 0, "fits with 1 and 2 threads");
    ok(a && b && same_factors(a, b), "1 and 2 threads give identical factors");
    wk_ntf_model_free(a);
    wk_ntf_model_free(b);
    wk_ntf_model_free(truth);
    free(X);
    gsl_rng_free(rng);
#else
    ok(1, "# skip: built without OpenMP");
#endif
}

static void test_fms(void)
{
    gsl_rng *rng = rng_new(13);
    float *X;
    struct wk_ntf_model *m, *other;
    wk_ntf_planted(&X, &m, 20, 15, 5, 4, 0.3, 0, rng);
    free(X);
    wk_ntf_planted(&X, &other, 20, 15, 5, 4, 0.3, 0, rng);
    free(X);
    double fms = 0;
    ok(wk_ntf_fms(&fms, m, m, 1, NULL) == 0 && fabs(fms - 1) < 1e-12, "FMS of a model with itself = 1");
    /* permute components (3 2 0 1) and rescale A by 2, B by 1/4, C by 2 */
    struct wk_ntf_model *q = wk_ntf_model_dup(m);
    static const size_t perm[4] = {3, 2, 0, 1};
    for (size_t r = 0; r < 4; r++) {
        size_t s = perm[r];
        for (size_t i = 0; i < q->P; i++) q->A[i * 4 + r] = 2 * m->A[i * 4 + s];
        for (size_t i = 0; i < q->T; i++) q->B[i * 4 + r] = 0.25 * m->B[i * 4 + s];
        for (size_t i = 0; i < q->W; i++) q->C[i * 4 + r] = 2 * m->C[i * 4 + s];
        q->lambda[r] = m->lambda[s];
    }
    int match[4];
    ok(wk_ntf_fms(&fms, q, m, 1, match) == 0 && fabs(fms - 1) < 1e-12, "FMS with a permuted, rescaled copy = 1");
    ok(match[0] == 3 && match[1] == 2 && match[2] == 0 && match[3] == 1, "matching recovers the permutation");
    ok(wk_ntf_fms(&fms, q, m, 0, NULL) == 0 && fabs(fms - 1) < 1e-12, "unweighted FMS of the copy = 1");
    q->lambda[0] *= 2;
    ok(wk_ntf_fms(&fms, q, m, 1, NULL) == 0 && fabs(fms - 0.875) < 1e-12,
       "lambda penalty: one weight doubled -> (1/2 + 3) / 4");
    ok(wk_ntf_fms(&fms, m, other, 1, NULL) == 0 && fms < 0.8, "FMS of unrelated models < 0.8");
    wk_ntf_model_free(q);
    wk_ntf_model_free(m);
    wk_ntf_model_free(other);
    gsl_rng_free(rng);
}

/* Recordings with planted components (wk_ntf_sim): affinities recomputed
 * from the traces, rank 3; each planted group is found exactly. */
static void test_simulated(void)
{
    struct wk_ntf_sim p;
    wk_ntf_sim_defaults(&p);
    struct wk_recording **recs;
    struct wk_ntf_model *truth, *m = NULL;
    size_t *cols;
    ok(wk_ntf_sim_generate(&recs, &truth, &cols, &p, 1) == 0, "simulated recordings with 3 planted components");
    struct wk_affinity_opts ao;
    wk_affinity_opts_init(&ao);
    struct wk_affinity_worm *worms[4];
    int rc = 0;
    for (size_t w = 0; w < p.worms; w++)
        rc |= wk_affinity_worm_from_recording(&worms[w], recs[w], cols, p.neurons, &ao, NULL);
    size_t P = wk_affinity_n_pairs(p.neurons), R = 3, K = truth->R;
    struct wk_affinity_set set = {P, p.samples, p.worms, worms};
    struct wk_ntf_tensor X;
    wk_ntf_tensor_callback(&X, wk_affinity_set_block, &set, P, p.samples, p.worms);
    struct wk_ntf_opts o;
    wk_ntf_opts_init(&o);
    o.rank = R;
    o.restarts = 3;
    rc |= wk_ntf_fit(&m, NULL, &X, &o, 1);
    ok(rc == 0, "matrix-free fit of the simulated recordings");
    int perm[3] = {-1, -1, -1};
    double fms = 0;
    ok(m && wk_ntf_fms(&fms, m, truth, 0, perm) == 0 && fms > 0.55,
       "FMS against the planted factors > 0.55 (background affinities dilute the cosines)");
    printf("# simulated: fms %.4f error %.4f\n", fms, m ? m->error : -1);
    for (size_t r = 0; m && r < R; r++) {
        if (perm[r] < 0) continue;
        size_t k = (size_t)perm[r], group_pairs = p.group_size * (p.group_size - 1) / 2, hits = 0;
        /* the group's pairs are the component's largest f_a */
        double *a = malloc(P * sizeof *a);
        for (size_t q = 0; q < P; q++) a[q] = m->A[q * R + r];
        for (size_t n = 0; n < group_pairs; n++) {
            size_t best = 0;
            for (size_t q = 1; q < P; q++)
                if (a[q] > a[best]) best = q;
            hits += truth->A[best * K + k] > 0;
            a[best] = -1;
        }
        free(a);
        size_t peak = 0;
        for (size_t t = 1; t < p.samples; t++)
            if (m->B[t * R + r] > m->B[peak * R + r]) peak = t;
        double on = 1e300, off = -1;
        for (size_t w = 0; w < p.worms; w++) {
            double v = m->C[w * R + r];
            if (truth->C[w * K + k] > 0) on = v < on ? v : on;
            else off = v > off ? v : off;
        }
        char what[160];
        snprintf(what, sizeof what, "component %zu: its %zu largest pairs are the planted group's", r + 1, group_pairs);
        ok(hits == group_pairs, what);
        snprintf(what, sizeof what, "component %zu: f_t peaks inside the planted window", r + 1);
        ok(truth->B[peak * K + k] > 0, what);
        snprintf(what, sizeof what, "component %zu: f_w larger in every planted worm than in any other", r + 1);
        ok(on > off, what);
    }
    for (size_t w = 0; w < p.worms; w++) {
        wk_affinity_worm_free(worms[w]);
        wk_recording_free(recs[w]);
    }
    free(recs);
    free(cols);
    wk_ntf_model_free(m);
    wk_ntf_model_free(truth);
}

/* The dense tensor seen through the block callback: the two-pass
 * iteration (one pass for M_A, one for B and C). */
struct dense_view {
    const float *data;
    size_t P, T;
};

static int dense_view_block(void *ctx, size_t w, size_t t0, size_t nt, double *block)
{
    const struct dense_view *v = ctx;
    const float *src = v->data + (w * v->T + t0) * v->P;
    for (size_t i = 0; i < nt * v->P; i++) block[i] = src[i];
    return 0;
}

/* Largest |a - b| / max |b| over the three factors. */
static double factor_gap(const struct wk_ntf_model *a, const struct wk_ntf_model *b)
{
    const double *fa[3] = {a->A, a->B, a->C}, *fb[3] = {b->A, b->B, b->C};
    const size_t len[3] = {a->P, a->T, a->W};
    double gap = 0;
    for (int k = 0; k < 3; k++) {
        double d = 0, m = 0;
        for (size_t i = 0; i < len[k] * a->R; i++) {
            d = fmax(d, fabs(fa[k][i] - fb[k][i]));
            m = fmax(m, fabs(fb[k][i]));
        }
        gap = fmax(gap, d / m);
    }
    return gap;
}

static void test_one_pass(void)
{
    /* 2600 pairs x 40 x 5: 6 pair chunks of 512 (the last 40) in 6 slabs,
     * small enough for the one-pass iteration of dense tensors */
    size_t P = 2600, Tn = 40, W = 5, n = P * Tn * W;
    gsl_rng *rng = rng_new(17);
    float *X;
    struct wk_ntf_model *truth;
    ok(wk_ntf_planted(&X, &truth, P, Tn, W, 4, 0.4, 0.05, rng) == 0, "planted 2600 x 40 x 5 tensor");
    /* no missing entry; one, in chunk 2 only (the other chunks read in
     * float32 directly); many, in every chunk */
    static const char *const cases[] = {"", " one chunk masked", " masked"};
    for (int masked = 0; masked < 3; masked++) {
        if (masked == 1) X[(2 * Tn + 3) * P + 1100] = NAN;
        if (masked == 2)
            for (size_t i = 0; i < n; i += 37) X[i] = NAN;
        struct dense_view v = {X, P, Tn};
        struct wk_ntf_tensor TD, TC;
        wk_ntf_tensor_dense(&TD, X, NULL, P, Tn, W);
        wk_ntf_tensor_callback(&TC, dense_view_block, &v, P, Tn, W);
        struct wk_ntf_opts o;
        wk_ntf_opts_init(&o);
        o.rank = 4;
        o.max_iter = 12;
        o.tol = 0;
        for (int method = 0; method < 2; method++) {
            o.method = method ? WK_NTF_MU : WK_NTF_HALS;
            struct wk_ntf_model *one = NULL, *two = NULL;
            char what[160];
            int rc = wk_ntf_fit(&one, NULL, &TD, &o, 3) | wk_ntf_fit(&two, NULL, &TC, &o, 3);
            snprintf(what, sizeof what, "%s%s: one-pass and two-pass fits run", wk_ntf_method_name(o.method),
                     cases[masked]);
            ok(rc == 0 && one && two, what);
            double gap = one && two ? factor_gap(one, two) : 1;
            snprintf(what, sizeof what, "%s%s: one-pass = two-pass factors to 1e-10 relative (gap %.3g)",
                     wk_ntf_method_name(o.method), cases[masked], gap);
            ok(gap < 1e-10, what);
            snprintf(what, sizeof what, "%s%s: one-pass = two-pass, bitwise (same products, same order)",
                     wk_ntf_method_name(o.method), cases[masked]);
            ok(one && two && same_factors(one, two), what);
            snprintf(what, sizeof what, "%s%s: one-pass error never increases", wk_ntf_method_name(o.method),
                     cases[masked]);
            ok(one && monotone(one) && one->error < one->trace[0], what);
#ifdef _OPENMP
            struct wk_ntf_model *t1 = NULL, *t2 = NULL;
            omp_set_num_threads(1);
            rc = wk_ntf_fit(&t1, NULL, &TD, &o, 3);
            omp_set_num_threads(2);
            rc |= wk_ntf_fit(&t2, NULL, &TD, &o, 3);
            snprintf(what, sizeof what, "%s%s: one-pass factors identical bytes for 1 and 2 threads",
                     wk_ntf_method_name(o.method), cases[masked]);
            ok(rc == 0 && t1 && t2 && same_factors(t1, t2), what);
            wk_ntf_model_free(t1);
            wk_ntf_model_free(t2);
#endif
            wk_ntf_model_free(one);
            wk_ntf_model_free(two);
        }
    }
    free(X);
    wk_ntf_model_free(truth);
    gsl_rng_free(rng);
}

static void test_bad_input(void)
{
    float X[2 * 3 * 2] = {1, 2, 3, 4, 5, 6, 7, -8, 9, 1, 2, 3};
    struct wk_ntf_tensor T;
    wk_ntf_tensor_dense(&T, X, NULL, 2, 3, 2);
    struct wk_ntf_opts o;
    wk_ntf_opts_init(&o);
    struct wk_ntf_model *m = NULL;
    ok(wk_ntf_fit(&m, NULL, &T, &o, 1) == WK_EINVAL && !m, "negative entry rejected");
    float Z[12] = {0};
    wk_ntf_tensor_dense(&T, Z, NULL, 2, 3, 2);
    ok(wk_ntf_fit(&m, NULL, &T, &o, 1) == WK_EINVAL && !m, "all-zero tensor rejected");
    o.rank = 0;
    ok(wk_ntf_fit(&m, NULL, &T, &o, 1) == WK_EINVAL, "rank 0 rejected");
    enum wk_ntf_method meth;
    ok(wk_ntf_method_from_name("mu", &meth) == 0 && meth == WK_NTF_MU && wk_ntf_method_from_name("als", &meth),
       "method names");
}

int main(void)
{
    wk_log_set_hook(quiet, NULL);
    test_fms();
    test_recovery();
    test_masked();
    test_matrix_free();
    test_threads();
    test_one_pass();
    test_simulated();
    test_bad_input();
    return wk_test_done();
}
