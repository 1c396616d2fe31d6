/* test-normalize.c - z-score and causal z-score. */
#include <math.h>
#include <string.h>

#include "wk_test.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"

static void test_zscore(void)
{
    double x[5] = {1, 2, 3, 4, NAN}, y[5];
    wk_normalize_zscore(y, x, 5, 1);
    double sd = sqrt(1.25); /* population std of 1..4 */
    near(y[0], -1.5 / sd, 1e-15, "zscore y0 = (1 - 2.5) / sqrt(1.25)");
    near(y[3], 1.5 / sd, 1e-15, "zscore y3 = (4 - 2.5) / sqrt(1.25)");
    ok(isnan(y[4]), "zscore: NaN stays NaN");
    double mean = (y[0] + y[1] + y[2] + y[3]) / 4, var = 0;
    for (int i = 0; i < 4; i++) var += (y[i] - mean) * (y[i] - mean);
    near(mean, 0, 1e-15, "zscore: mean 0");
    near(var / 4, 1, 1e-15, "zscore: population variance 1 (ddof 0)");

    double c[4] = {0.3, 0.3, 0.3, 0.3};
    wk_normalize_zscore(c, c, 4, 1);
    ok(c[0] == 0 && c[1] == 0 && c[2] == 0 && c[3] == 0, "zscore: constant column -> exactly 0 (std 0 taken as 1)");
    double one[3] = {NAN, 7, NAN};
    wk_normalize_zscore(one, one, 3, 1);
    ok(isnan(one[0]) && one[1] == 0 && isnan(one[2]), "zscore: single finite sample -> 0");
}

static void test_causal(void)
{
    /* Running mean/variance over 0..t: m = 1, 2, 2, 3; v = 0, 1, 2/3, 3.5. */
    double x[5] = {1, 3, NAN, 2, 6}, y[5];
    wk_normalize_causal(y, x, 5, 1);
    near(y[0], 0, 0, "causal y0 = 0 / sqrt(1e-8)");
    near(y[1], 1, 1e-15, "causal y1 = (3 - 2) / 1");
    ok(isnan(y[2]), "causal: NaN stays NaN and is skipped");
    near(y[3], 0, 1e-15, "causal y3 = (2 - 2) / sqrt(2/3)");
    near(y[4], 1.6035674514745464, 1e-15, "causal y4 = 3 / sqrt(3.5) (numpy reference)");

    double small[2] = {1, 1.00001}, ys[2];
    wk_normalize_causal(ys, small, 2, 1);
    /* var = 2.5e-11 < 1e-8: the floor applies. */
    near(ys[1], (1.00001 - 1.000005) / 1e-4, 1e-9, "causal: variance floored at 1e-8");
}

static void test_matrix(void)
{
    float m[6] = {1, NAN, 2, NAN, 3, NAN}; /* 3 x 2, column 1 all NaN */
    ok(wk_normalize_matrix(m, 3, 2, WK_NORMALIZE_ZSCORE) == 0, "normalize matrix");
    near(m[0], -1.2247448713915890, 1e-7, "matrix zscore: -sqrt(1.5)");
    near(m[2], 0, 0, "matrix zscore: 0");
    near(m[4], 1.2247448713915890, 1e-7, "matrix zscore: sqrt(1.5)");
    ok(isnan(m[1]) && isnan(m[3]) && isnan(m[5]), "matrix: all-NaN column stays NaN");
    float c[3] = {5, 1, 3};
    ok(wk_normalize_matrix(c, 3, 1, WK_NORMALIZE_CAUSAL) == 0, "causal matrix");
    near(c[0], 0, 0, "causal matrix y0");
    near(c[1], -1, 1e-7, "causal matrix y1 = (1 - 3) / 2");
    near(c[2], 0, 0, "causal matrix y2 = (3 - 3) / .");

    enum wk_normalize_method e;
    ok(wk_normalize_method_from_name("causal", &e) == 0 && e == WK_NORMALIZE_CAUSAL, "name causal");
    ok(wk_normalize_method_from_name("minmax", &e) == WK_EINVAL, "unknown name");
    ok(strcmp(wk_normalize_method_name(WK_NORMALIZE_ZSCORE), "zscore") == 0, "name of zscore");
}

int main(void)
{
    test_zscore();
    test_causal();
    test_matrix();
    return wk_test_done();
}
