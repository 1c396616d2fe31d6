/* test-affinity.c - affinity formulas on hand-computed cases, pair indexing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wk_test.h"
#include "wk_test_msgs.h"
#include "wormkit/wk_affinity.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"

static void quiet(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)message;
    (void)userdata;
}

/* 3 neurons x 4 samples at non-uniform times; expected values computed
 * independently (numpy.gradient formula, MAD * 1.4826, float32 rounding). */
static const double TIME[4] = {0, 1, 3, 4};
static const float TRACES[4 * 3] = {
    0, 0, 2,   /* t = 0 */
    1, -1, 2,  /* t = 1 */
    3, -1, 4,  /* t = 2 */
    6, 2, 3,   /* t = 3 */
};
static const size_t COLS[3] = {0, 1, 2};

static void check_block(const struct wk_affinity_worm *w, const double want[4][3], const char *what)
{
    double a[4 * 3];
    int rc = wk_affinity_block(w, 0, 4, a);
    ok(rc == 0, "block computed");
    int good = 1;
    for (int t = 0; t < 4; t++)
        for (int p = 0; p < 3; p++) {
            double g = a[t * 3 + p], x = want[t][p];
            if (!(fabs(g - x) <= 1e-6 * (1 + fabs(x)))) {
                printf("#   %s t=%d p=%d: got %.9g want %.9g\n", what, t, p, g, x);
                good = 0;
            }
        }
    ok(good, what);
}

static void test_derivative(void)
{
    struct wk_affinity_opts o;
    wk_affinity_opts_init(&o);
    struct wk_affinity_worm *w;
    ok(wk_affinity_worm_alloc(&w, TRACES, 4, 3, TIME, COLS, 3, &o, NULL) == 0, "derivative worm");
    near(w->u[0 * 3 + 0], 1.0 / 0.9884, 1e-6, "u0(0) = d / (1.4826 MAD)");
    near(w->u[1 * 3 + 1], -0.6666666666666666 / 2.2239, 1e-6, "u1(1): non-uniform gradient");
    near(w->u[0 * 3 + 2], 0.0, 0, "u2(0) = 0");
    static const double prod[4][3] = {{0, 0, 0},
                                      {0, 0.6824066638946533, 0},
                                      {2.1230430603027344, 0, 0},
                                      {4.09443998336792, 0, 0}};
    check_block(w, prod, "product affinities");
    wk_affinity_worm_free(w);

    o.variant = WK_AFFINITY_SIGN;
    ok(wk_affinity_worm_alloc(&w, TRACES, 4, 3, TIME, COLS, 3, &o, NULL) == 0, "sign worm");
    static const double sign[4][3] = {{0, 0, 0}, {0, 1, 0}, {1, 0, 0}, {1, 0, 0}};
    check_block(w, sign, "sign affinities");
    wk_affinity_worm_free(w);

    o.variant = WK_AFFINITY_GAUSS;
    o.sigma = 0.5;
    ok(wk_affinity_worm_alloc(&w, TRACES, 4, 3, TIME, COLS, 3, &o, NULL) == 0, "gauss worm");
    static const double gauss[4][3] = {{0, 0, 0},
                                       {0, 0.7965471744537354, 0},
                                       {0.013962768018245697, 0, 0},
                                       {0.003390686819329858, 0, 0}};
    check_block(w, gauss, "gauss affinities");
    wk_affinity_worm_free(w);
}

static void test_correlation(void)
{
    struct wk_affinity_opts o;
    wk_affinity_opts_init(&o);
    o.family = WK_AFFINITY_CORRELATION;
    o.window = 3;
    struct wk_affinity_worm *w;
    ok(wk_affinity_worm_alloc(&w, TRACES, 4, 3, TIME, COLS, 3, &o, NULL) == 0, "correlation worm");
    static const double corr[4][3] = {{0, 0, 0},
                                      {0, 0.9449111819267273, 0},
                                      {0.9176629185676575, 0.397359699010849, 0},
                                      {1, 0, 0}};
    check_block(w, corr, "windowed correlation affinities");
    wk_affinity_worm_free(w);
}

static void test_missing(void)
{
    struct wk_affinity_opts o;
    wk_affinity_opts_init(&o);
    size_t cols[3] = {0, 1, WK_AFFINITY_ABSENT};
    struct wk_affinity_worm *w;
    ok(wk_affinity_worm_alloc(&w, TRACES, 4, 3, TIME, cols, 3, &o, NULL) == 0, "worm with a missing neuron");
    double a[5 * 3];
    ok(wk_affinity_block(w, 0, 5, a) == 0, "block past the end");
    near(a[3 * 3 + 0], 4.09443998336792, 1e-6, "pair (0,1) unchanged by the missing neuron");
    int nan_ok = 1;
    for (int t = 0; t < 4; t++) nan_ok &= isnan(a[t * 3 + 1]) && isnan(a[t * 3 + 2]);
    ok(nan_ok, "pairs of the missing neuron are NaN at every time");
    ok(isnan(a[4 * 3 + 0]) && isnan(a[4 * 3 + 1]) && isnan(a[4 * 3 + 2]), "time past the end is NaN");
    wk_affinity_worm_free(w);

    /* a NaN sample masks the derivative where it has a non-zero coefficient */
    float tr[4 * 3];
    for (int i = 0; i < 12; i++) tr[i] = TRACES[i];
    tr[3 * 3 + 0] = NAN;
    ok(wk_affinity_worm_alloc(&w, tr, 4, 3, TIME, COLS, 3, &o, NULL) == 0, "worm with a NaN sample");
    ok(wk_affinity_block(w, 0, 4, a) == 0, "block");
    ok(!isnan(a[1 * 3 + 0]) && isnan(a[2 * 3 + 0]) && isnan(a[3 * 3 + 0]) && !isnan(a[3 * 3 + 2]),
       "NaN sample masks neuron 0's pairs at t = 2, 3 only");
    wk_affinity_worm_free(w);
}

static void test_pairs(void)
{
    ok(wk_affinity_n_pairs(300) == 44850, "300 neurons: 44850 pairs");
    ok(wk_affinity_n_pairs(1) == 0 && wk_affinity_n_pairs(2) == 1, "n_pairs of 1 and 2");
    ok(wk_affinity_pair_index(5, 0, 1) == 0 && wk_affinity_pair_index(5, 1, 2) == 4 &&
           wk_affinity_pair_index(5, 3, 4) == 9,
       "pair index: (0,1)=0, (1,2)=4, (3,4)=9 for n=5");
    int good = 1;
    for (size_t n = 2; n <= 40; n++) {
        size_t p = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++, p++) {
                size_t a, b;
                wk_affinity_pair_of(n, p, &a, &b);
                good &= wk_affinity_pair_index(n, i, j) == p && a == i && b == j;
            }
        good &= p == wk_affinity_n_pairs(n);
    }
    ok(good, "pair index round trip, row-major upper triangle, n = 2..40");
}

static void test_spread(void)
{
    double x[6] = {1, 2, NAN, 3, 4, 100};
    near(wk_affinity_robust_spread(x, 6, 1), 1.4826, 1e-12, "MAD spread ignores NaN and outliers");
    double c[3] = {2, 2, 2};
    near(wk_affinity_robust_spread(c, 3, 1), 1.0, 0, "zero spread -> 1");
    double s[4] = {1, 99, 3, 99};
    near(wk_affinity_robust_spread(s, 2, 2), 1.4826, 1e-12, "stride: values 1, 3 -> MAD 1");
}

static void test_derivative_scale(void)
{
    int fl = -1;
    double normal[5] = {1, 2, 3, 4, 100};
    near(wk_affinity_derivative_scale(normal, 5, &fl), 1.4826, 1e-12, "scale: 1.4826 MAD when it is not degenerate");
    ok(fl == 0, "scale: not floored");
    /* MAD 0, RMS sqrt(9 / 10): floor 0.01 RMS */
    double step[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 3};
    near(wk_affinity_derivative_scale(step, 10, &fl), 0.01 * sqrt(0.9), 1e-15, "scale: MAD 0 -> 0.01 x RMS");
    ok(fl == 1, "scale: floored");
    /* MAD of rounding noise (1e-12) below 1% of the RMS: floor, not 1.5e-12 */
    double noisy[10] = {1e-12, -1e-12, 2e-12, 0, -2e-12, 1e-12, 0, 0, NAN, 3};
    near(wk_affinity_derivative_scale(noisy, 10, &fl), 0.01 * 1.0, 1e-9, "scale: near-zero MAD -> 0.01 x RMS (NaN skipped)");
    ok(fl == 1, "scale: near-zero MAD floored");
    double zero[3] = {0, 0, NAN};
    near(wk_affinity_derivative_scale(zero, 3, &fl), 1.0, 0, "scale: all-zero derivative -> 1");
    ok(fl == 0, "scale: all-zero not floored");
    near(wk_affinity_derivative_scale(zero + 2, 1, NULL), 1.0, 0, "scale: no finite value -> 1");
}

/* 8 samples at t = 0..7: neuron 0 steps 0 -> 1 and neuron 1 steps 0 -> 2 at
 * t = 3 (a quantized trace: the derivative [0,0,.5,.5,0,0,0,0] has MAD 0),
 * neuron 2 is flat.  u = d / (0.01 RMS) = 200 at t = 2, 3 for both steps. */
static const double STEP_TIME[8] = {0, 1, 2, 3, 4, 5, 6, 7};

static void step_traces(float *tr, double jitter)
{
    static const double digits[8] = {3, 1, 4, 1, 5, 9, 2, 6}; /* irregular: central differences differ */
    for (int t = 0; t < 8; t++) {
        tr[t * 3 + 0] = (float)((t >= 3 ? 1.0 : 0.0) + jitter * digits[t]);
        tr[t * 3 + 1] = t >= 3 ? 2.0f : 0.0f;
        tr[t * 3 + 2] = 5.0f;
    }
}

static void test_degenerate(void)
{
    struct wk_affinity_opts o;
    wk_affinity_opts_init(&o);
    struct wk_affinity_worm *w;
    float tr[8 * 3];
    double a[8 * 3];
    step_traces(tr, 0);
    ok(wk_affinity_worm_alloc(&w, tr, 8, 3, STEP_TIME, COLS, 3, &o, NULL) == 0, "quantized worm");
    near(w->u[2 * 3 + 0], 200.0, 1e-4, "quantized: u = 0.5 / (0.01 x 0.25) = 200");
    near(w->u[3 * 3 + 1], 200.0, 1e-4, "quantized: u = 1 / (0.01 x 0.5) = 200");
    ok(w->floored[0] == 1 && w->floored[1] == 1 && w->floored[2] == 0, "floored: the two steps, not the flat trace");
    static const size_t names[3] = {5, 7, 9};
    char expected[512];
    snprintf(expected, sizeof expected,
             "'f.h5': recording 'r1': neuron '%s': the derivative's MAD is (near) 0, a step-like or quantized trace; "
             "scaled by 0.01 x its RMS instead (see worm-affinity(1))",
             wk_atlas_name(7));
    wk_test_msgs_capture();
    wk_affinity_worm_warn_floored(w, names, "f.h5", "r1");
    wk_log_set_hook(quiet, NULL);
    ok(wk_test_n_msgs == 2, "one warning per floored neuron");
    ok(strcmp(wk_test_last_msg, expected) == 0, "warning names file, recording and neuron (atlas name of cols[k])");
    if (strcmp(wk_test_last_msg, expected) != 0) printf("#   got: %s\n", wk_test_last_msg);
    ok(wk_affinity_block(w, 0, 8, a) == 0, "quantized block");
    int good = 1;
    for (int t = 0; t < 8; t++) {
        double want = (t == 2 || t == 3) ? 40000.0 : 0.0;
        good &= fabs(a[t * 3 + 0] - want) <= 1e-6 * want;
        good &= a[t * 3 + 1] == 0 && a[t * 3 + 2] == 0; /* the flat neuron: u = 0 */
    }
    ok(good, "quantized: product 40000 at t = 2, 3, else 0; flat neuron's pairs exactly 0");
    wk_affinity_worm_free(w);

    /* the same step with jitter of a few 1e-6: the MAD is jitter (dividing
     * by it would give u ~ 1e5), the floor keeps u near 200 */
    step_traces(tr, 1e-6);
    double x[8], d[8];
    for (int t = 0; t < 8; t++) x[t] = tr[t * 3];
    wk_derivative_column(d, x, 1, STEP_TIME, 8);
    double mad = wk_affinity_robust_spread(d, 8, 1);
    ok(mad > 0 && mad < 1e-5, "jittered: the MAD alone is tiny but not 0");
    ok(wk_affinity_worm_alloc(&w, tr, 8, 3, STEP_TIME, COLS, 3, &o, NULL) == 0, "jittered quantized worm");
    ok(w->floored[0] == 1, "jittered: floored");
    ok(wk_affinity_block(w, 0, 8, a) == 0, "jittered block");
    double top = 0;
    good = 1;
    for (int i = 0; i < 24; i++) {
        good &= isfinite(a[i]) && a[i] >= 0;
        top = fmax(top, a[i]);
    }
    ok(good, "jittered: every affinity finite and >= 0");
    near(top, 40000.0, 40.0, "jittered: largest affinity ~ 40000 (|u| <= 100 sqrt(8) each)");
    wk_affinity_worm_free(w);

    o.variant = WK_AFFINITY_GAUSS;
    step_traces(tr, 0);
    ok(wk_affinity_worm_alloc(&w, tr, 8, 3, STEP_TIME, COLS, 3, &o, NULL) == 0, "quantized worm, gauss");
    ok(wk_affinity_block(w, 0, 8, a) == 0, "gauss block");
    ok(a[2 * 3 + 0] == 1.0 && a[3 * 3 + 0] == 1.0 && a[0] == 0.0, "gauss: equal u give 1, no change gives 0");
    wk_affinity_worm_free(w);
}

static void test_options(void)
{
    struct wk_affinity_opts o;
    wk_affinity_opts_init(&o);
    enum wk_affinity_family f;
    enum wk_affinity_variant v;
    ok(wk_affinity_family_from_name("correlation", &f) == 0 && f == WK_AFFINITY_CORRELATION, "family name");
    ok(wk_affinity_family_from_name("pearson", &f) == WK_EINVAL, "unknown family name");
    ok(wk_affinity_variant_from_name("gauss", &v) == 0 && v == WK_AFFINITY_GAUSS, "variant name");
    o.family = WK_AFFINITY_CORRELATION;
    o.window = 1;
    ok(wk_affinity_opts_check(&o) == WK_EINVAL, "window 1 rejected");
    o.window = 5;
    o.sigma = 0;
    ok(wk_affinity_opts_check(&o) == WK_EINVAL, "sigma 0 rejected");
}

int main(void)
{
    wk_log_set_hook(quiet, NULL);
    test_pairs();
    test_spread();
    test_derivative();
    test_correlation();
    test_missing();
    test_derivative_scale();
    test_degenerate();
    test_options();
    return wk_test_done();
}
