/* test-impute.c - linear and iterative imputation, bad-trace measures. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wormkit/wk_impute.h"
#include "wk_test.h"

static void test_names(void)
{
    enum wk_impute_method m = WK_IMPUTE_NONE;
    ok(wk_impute_method_from_name("iterative", &m) == 0 && m == WK_IMPUTE_ITERATIVE, "name iterative");
    ok(wk_impute_method_from_name("linear", &m) == 0 && m == WK_IMPUTE_LINEAR, "name linear");
    ok(wk_impute_method_from_name("mean", &m) == WK_EINVAL, "unknown name");
    ok(strcmp(wk_impute_method_name(WK_IMPUTE_NONE), "none") == 0, "name of none");
}

static void test_linear(void)
{
    float nan = wk_nanf();
    /* two columns: interior gap on a non-uniform grid, and edge gaps */
    float x[] = {nan, 1, 5, nan, nan, nan, 8, 3, nan, 9};
    const double time[] = {0, 1, 1.5, 4, 5.5};
    wk_impute_linear(x, time, 5, 2, NULL);
    near(x[0], 5, 0, "leading gap takes the first finite value");
    near(x[2], 5, 0, "observed sample kept");
    near(x[4], 5 + 3 * (1.5 - 1) / (4 - 1), 1e-6, "interior gap: linear in time");
    near(x[6], 8, 0, "observed sample kept (col 0)");
    near(x[8], 8, 0, "trailing gap takes the last finite value");
    near(x[1], 1, 0, "col 1 first");
    near(x[3], 1 + (3 - 1) * (1.0 - 0) / 4, 1e-6, "col 1 interior at 1 s");
    near(x[5], 1 + (3 - 1) * (1.5 - 0) / 4, 1e-6, "col 1 interior at 1.5 s");
    near(x[9], 9, 0, "col 1 last");

    float y[] = {nan, 1, nan, 2, nan, nan};
    unsigned char keep[] = {1, 0};
    wk_impute_linear(y, time, 3, 2, keep);
    ok(isnan(y[0]) && isnan(y[2]) && isnan(y[4]), "an all-NaN column is left alone");
    ok(isnan(y[5]) && y[1] == 1 && y[3] == 2, "a column not kept is not changed");
}

static void test_iterative(void)
{
    float nan = wk_nanf();
    float x[] = {1, 3, 0.5f, 2, nan, 1, 3, 7, nan, 4, 9.2f, 2.1f,
                 nan, 11, 2.4f, 6, 12.9f, 3, 7, 15.1f, nan, 8, 17, 4.2f};
    /* expected values: a numpy transcription of the documented algorithm */
    ok(wk_impute_iterative(x, 8, 3, NULL) == 0, "iterative imputation runs");
    near(x[1 * 3 + 1], 5.10904837, 2e-5, "row 1, column 1");
    near(x[2 * 3 + 2], 1.51118314, 2e-5, "row 2, column 2");
    near(x[4 * 3 + 0], 4.82533312, 2e-5, "row 4, column 0");
    near(x[6 * 3 + 2], 3.60458159, 2e-5, "row 6, column 2");
    near(x[3 * 3 + 1], 9.2f, 0, "observed values unchanged");

    /* a single column: the mean fill */
    float y[] = {1, nan, 5, 3};
    ok(wk_impute_iterative(y, 4, 1, NULL) == 0, "one column");
    near(y[1], 3, 1e-6, "one column: column mean");

    /* an exact linear relation is recovered (ridge bias tiny) */
    float z[40];
    for (int t = 0; t < 20; t++) {
        z[2 * t] = (float)t;
        z[2 * t + 1] = (float)(2 * t + 1);
    }
    z[2 * 7 + 1] = nan;
    z[2 * 12] = nan;
    ok(wk_impute_iterative(z, 20, 2, NULL) == 0, "linear relation");
    near(z[2 * 7 + 1], 15, 0.05, "y = 2x + 1 at x = 7");
    near(z[2 * 12], 12, 0.05, "x = (y - 1) / 2 at y = 25");

    unsigned char keep[] = {1, 0};
    float w[] = {1, 100, nan, nan, 3, 300};
    ok(wk_impute_iterative(w, 3, 2, keep) == 0, "with keep");
    near(w[2], 2, 1e-6, "kept column: mean fill, the dropped column is no predictor");
    ok(isnan(w[3]), "column not kept untouched");

    float all[] = {nan, nan};
    ok(wk_impute_iterative(all, 2, 1, NULL) == 0 && isnan(all[0]) && isnan(all[1]), "all-NaN column left alone");
}

/* Columns with few missing samples take the updated-inverse solve, one with
 * 20 missing the direct one; both must give the documented algorithm's
 * values, and the same bytes on a second run. */
static void test_iterative_mixed(void)
{
    enum { T = 40, N = 5 };
    float x[T * N], again[T * N];
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++)
            x[t * N + i] = (float)(((t * 7 + i * 13) % 17) * 0.25 + t * 0.125 + i + ((t * t * (i + 2)) % 11) * 0.375);
    float nan = wk_nanf();
    x[3 * N + 1] = x[11 * N + 1] = nan;
    for (int t = 0; t < T; t += 2) x[t * N + 2] = nan;
    x[5 * N + 3] = nan;
    x[0 * N + 4] = x[39 * N + 4] = nan;
    memcpy(again, x, sizeof x);
    ok(wk_impute_iterative(x, T, N, NULL) == 0, "mixed: runs");
    /* expected values: a numpy transcription of the documented algorithm (4 rounds) */
    near(x[3 * N + 1], 6.45731783, 2e-5, "mixed: row 3, column 1");
    near(x[11 * N + 1], 5.29260540, 2e-5, "mixed: row 11, column 1");
    near(x[0 * N + 2], 2.71478581, 2e-5, "mixed: row 0, column 2 (20 missing)");
    near(x[38 * N + 2], 11.45194340, 2e-5, "mixed: row 38, column 2 (20 missing)");
    near(x[5 * N + 3], 7.84514999, 2e-5, "mixed: row 5, column 3");
    near(x[0 * N + 4], 5.93456554, 2e-5, "mixed: row 0, column 4");
    near(x[39 * N + 4], 12.63982582, 2e-5, "mixed: row 39, column 4");
    ok(wk_impute_iterative(again, T, N, NULL) == 0 && memcmp(x, again, sizeof x) == 0, "mixed: same bytes again");
}

static void test_measures(void)
{
    float nan = wk_nanf();
    float x[] = {1, nan, nan, 2, nan, nan, nan, 3};
    ok(wk_trace_longest_gap(x, 8, 1, 0) == 3, "longest gap 3");
    ok(wk_trace_longest_gap(x, 4, 2, 0) == 3 && wk_trace_longest_gap(x, 4, 2, 1) == 1, "gaps per column");
    ok(!wk_trace_all_missing(x, 8, 1, 0), "not all missing");
    ok(wk_trace_all_missing(x, 3, 2, 1) == 0 && wk_trace_all_missing(x + 4, 2, 2, 0), "all missing");

    /* 100 samples: windows at 0, 25, 50 -> 3; a ramp over 0..74 makes the
     * windows at 0 and 25 linear, the one at 50 has a jump */
    float r[100];
    for (int t = 0; t < 100; t++) r[t] = t < 75 ? 0.5f * (float)t : (float)((t * 7) % 11);
    near(wk_trace_linear_fraction(r, 100, 1, 0), 2.0 / 3.0, 1e-12, "2 of 3 windows linear");
    r[10] = 5.0004f; /* 0.0004 off the ramp: still equal at 3 decimals */
    near(wk_trace_linear_fraction(r, 100, 1, 0), 2.0 / 3.0, 1e-12, "equality at 3 decimals");
    r[10] = 5.01f;
    near(wk_trace_linear_fraction(r, 100, 1, 0), 1.0 / 3.0, 1e-12, "a 0.01 bump breaks the first window");
    r[30] = nan;
    near(wk_trace_linear_fraction(r, 100, 1, 0), 0.0, 1e-12, "a NaN breaks a window");
    near(wk_trace_linear_fraction(r, 49, 1, 0), 0.0, 0, "shorter than a window: 0");
}

int main(void)
{
    wk_library_init();
    test_names();
    test_linear();
    test_iterative();
    test_iterative_mixed();
    test_measures();
    return wk_test_done();
}
