/* test-derivative.c - numpy.gradient semantics on non-uniform time. */
#include <math.h>
#include <string.h>

#include "wk_test.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"

static void test_quadratic(void)
{
    /* f = t^2 + 2t + 1: central differences are exact inside (f' = 2t + 2);
     * the ends are one-sided.  Expected values from numpy.gradient(f, t):
     * [2.5, 3, 5.0000000000000036, 5.5, 7.9999999999999964, 9.199999999999998]. */
    double t[6] = {0, 0.5, 1.5, 1.75, 3, 4.2}, f[6], d[6];
    for (int i = 0; i < 6; i++) f[i] = t[i] * t[i] + 2 * t[i] + 1;
    wk_derivative_column(d, f, 1, t, 6);
    near(d[0], 2.5, 1e-14, "gradient end: (f1 - f0) / (t1 - t0) = 2.5");
    for (int i = 1; i < 5; i++) near(d[i], 2 * t[i] + 2, 1e-13, "gradient inside: exact 2t + 2 on a non-uniform grid");
    near(d[5], 9.2, 1e-14, "gradient end: (f5 - f4) / (t5 - t4) = 9.2");
    near(d[2], 5.0000000000000036, 1e-14, "gradient: numpy's value at t = 1.5");

    /* In place, and a strided column. */
    double m[12];
    for (int i = 0; i < 6; i++) {
        m[2 * i] = f[i];
        m[2 * i + 1] = -7;
    }
    wk_derivative_column(m, m, 2, t, 6);
    ok(m[0] == d[0] && m[4] == d[2] && m[10] == d[5] && m[1] == -7, "gradient in place with stride");
}

static void test_nan_and_short(void)
{
    double t[5] = {0, 1, 2, 3, 4}, x[5] = {0, 1, NAN, 9, 16}, d[5];
    wk_derivative_column(d, x, 1, t, 5);
    near(d[0], 1, 0, "gradient NaN: end untouched");
    ok(isnan(d[1]) && isnan(d[3]), "gradient NaN: neighbours of the NaN are NaN");
    near(d[2], 4, 0, "gradient NaN: uniform spacing does not use the centre sample");
    near(d[4], 7, 0, "gradient NaN: last end");

    double tu[4] = {0, 1, 3, 4}, xu[4] = {0, NAN, 9, 16}, du[4];
    wk_derivative_column(du, xu, 1, tu, 4);
    ok(isnan(du[2]), "gradient NaN: non-uniform spacing uses the centre sample");

    double one = 5, d1 = 0, t1 = 0;
    wk_derivative_column(&d1, &one, 1, &t1, 1);
    ok(isnan(d1), "gradient of one sample is NaN");
    double t2[2] = {1, 1.5}, x2[2] = {2, 3}, d2[2];
    wk_derivative_column(d2, x2, 1, t2, 2);
    ok(d2[0] == 2 && d2[1] == 2, "gradient of two samples: both ends the slope");
}

static void test_matrix(void)
{
    /* 4 x 2: column 0 = 3t (slope 3), column 1 = t^2 on t = 0, .5, 1.5, 2. */
    double t[4] = {0, 0.5, 1.5, 2};
    float m[8], d[8];
    for (int i = 0; i < 4; i++) {
        m[2 * i] = (float)(3 * t[i]);
        m[2 * i + 1] = (float)(t[i] * t[i]);
    }
    ok(wk_derivative_matrix(d, m, t, 4, 2) == 0, "derivative matrix");
    ok(d[0] == 3 && d[2] == 3 && d[4] == 3 && d[6] == 3, "matrix: slope of a line everywhere");
    near(d[1], 0.5, 0, "matrix: t^2 first end (0.25 - 0) / 0.5");
    near(d[3], 1, 1e-6, "matrix: t^2 inside at 0.5");
    near(d[5], 3, 1e-6, "matrix: t^2 inside at 1.5");
    near(d[7], 3.5, 0, "matrix: t^2 last end (4 - 2.25) / 0.5");
    ok(wk_derivative_matrix(m, m, t, 4, 2) == 0 && memcmp(m, d, sizeof d) == 0, "derivative matrix in place");
}

int main(void)
{
    test_quadratic();
    test_nan_and_short();
    test_matrix();
    return wk_test_done();
}
