/* test-resample.c - linear up/downsampling as the reference does it,
 * windowed-sinc resampling, and NaN gaps that do not spread. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wk_test.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"

#define PI 3.14159265358979323846

static int n_logged;
static void count_log(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)message;
    (void)userdata;
    n_logged++;
}

/* t = 0, 1, ..., n-1 and x = 2t + 1. */
static void ramp(double *t, double *x, int n)
{
    for (int i = 0; i < n; i++) {
        t[i] = i;
        x[i] = 2 * i + 1;
    }
}

static void test_linear_ramp(void)
{
    double t[20], x[20], y[100];
    ramp(t, x, 20);
    struct wk_resampler *r;

    ok(wk_resampler_alloc(&r, t, 20, 0.25, WK_RESAMPLE_LINEAR) == 0, "linear up: resampler");
    ok(wk_resampler_upsamples(r) == 1, "dt 0.25 < 1 upsamples");
    ok(wk_resampler_length(r) == 76, "up: grid 0, .25, ... < 19 (endpoint excluded): 76 samples");
    wk_resampler_apply(r, y, 1, x, 1);
    int exact = 1;
    for (size_t k = 0; k < 76; k++)
        if (y[k] != 2 * 0.25 * (double)k + 1 || wk_resampler_time(r)[k] != 0.25 * (double)k) exact = 0;
    ok(exact, "up: a ramp stays a ramp, exactly, at times 0.25 k");
    wk_resampler_free(r);

    ok(wk_resampler_alloc(&r, t, 20, 3, WK_RESAMPLE_LINEAR) == 0, "linear down: resampler");
    ok(wk_resampler_upsamples(r) == 0, "dt 3 > 1 downsamples");
    /* Fine grid 0, .5, ..., 18.5 (38 points): 6 blocks of 6. */
    ok(wk_resampler_length(r) == 6, "down: 38 fine points -> 6 blocks");
    wk_resampler_apply(r, y, 1, x, 1);
    exact = 1;
    for (size_t k = 0; k < 6; k++)
        if (fabs(y[k] - (2 * (3 * (double)k + 1.25) + 1)) > 1e-13 || wk_resampler_time(r)[k] != 3 * (double)k) exact = 0;
    ok(exact, "down: block k is the ramp at 3k + 1.25 (mean of 3k .. 3k+2.5), time 3k");
    wk_resampler_free(r);

    /* dt equal to the original interval takes the downsampling branch:
     * numpy.arange(0, 19, 1/6) has 114 points -> 19 blocks. */
    ok(wk_resampler_alloc(&r, t, 20, 1, WK_RESAMPLE_LINEAR) == 0 && !wk_resampler_upsamples(r),
       "dt equal to the original interval downsamples (reference rule)");
    ok(wk_resampler_length(r) == 19, "equal dt: 19 blocks, as the reference");
    wk_resampler_apply(r, y, 1, x, 1);
    near(y[0], 1.833333333333333, 1e-13, "equal dt: block 0 = ramp at 5/12 (reference value)");
    near(y[18], 37.83333333333333, 1e-13, "equal dt: last block (reference value)");
    wk_resampler_free(r);
}

static void test_block_mean_by_hand(void)
{
    /* Fine step 0.25; block 0 = x at 0, .25, ..., 1.25 = 0, 1.5, 3, 4.5, 6, 7.5: mean 3.75. */
    double t[7] = {0, 1, 2, 3, 4, 5, 6}, x[7] = {0, 6, 12, 0, 0, 6, 6}, y[4];
    struct wk_resampler *r;
    ok(wk_resampler_alloc(&r, t, 7, 1.5, WK_RESAMPLE_LINEAR) == 0 && wk_resampler_length(r) == 4,
       "block means: 24 fine points -> 4 blocks");
    wk_resampler_apply(r, y, 1, x, 1);
    near(y[0], 3.75, 1e-14, "block 0 by hand: 22.5 / 6");
    near(y[1], 8.25, 1e-14, "block 1 by hand: (9+10.5+12+9+6+3) / 6");
    near(y[2], 0.25, 1e-14, "block 2 by hand: (0+0+0+0+0+1.5) / 6");
    near(y[3], 5.25, 1e-14, "block 3 by hand: (3+4.5+6+6+6+6) / 6");
    near(wk_resampler_time(r)[3], 4.5, 0, "block times dt k");
    wk_resampler_free(r);
}

static void test_irregular_reference(void)
{
    /* Values of the reference pipeline (numpy interp / aggregate) on an
     * irregular grid; median interval 0.55. */
    double t[7] = {0, 0.4, 1, 1.9, 2, 3.5, 4}, x[7] = {1, -2, 3, 0.5, 0, 7, 2}, y[20];
    static const double up[14] = {1, -1.25, -0.3333333333333335, 2.166666666666666, 2.4444444444444446,
                                  1.611111111111111, 0.7777777777777781, 0.4666666666666671,
                                  1.8666666666666665, 3.2666666666666657, 4.666666666666667,
                                  6.066666666666666, 6.0000000000000036, 3.000000000000001};
    static const double down[5] = {-0.4444444444444446, 2.1358024691358026, 0.7925925925925923,
                                   3.422222222222222, 5.4444444444444455};
    struct wk_resampler *r;
    wk_resampler_alloc(&r, t, 7, 0.3, WK_RESAMPLE_LINEAR);
    near(wk_resampler_input_dt(r), 0.55, 1e-15, "median interval 0.55");
    ok(wk_resampler_length(r) == 14, "irregular up: 14 samples as numpy.arange(0, 4, .3)");
    wk_resampler_apply(r, y, 1, x, 1);
    int same = 1;
    for (int k = 0; k < 14; k++)
        if (fabs(y[k] - up[k]) > 1e-12) same = 0;
    ok(same, "irregular up: equals the reference values");
    wk_resampler_free(r);

    wk_resampler_alloc(&r, t, 7, 0.8, WK_RESAMPLE_LINEAR);
    ok(wk_resampler_length(r) == 5, "irregular down: 5 blocks");
    wk_resampler_apply(r, y, 1, x, 1);
    same = 1;
    for (int k = 0; k < 5; k++)
        if (fabs(y[k] - down[k]) > 1e-12) same = 0;
    ok(same, "irregular down: equals the reference values");
    wk_resampler_free(r);
}

static int nan_indices_are(const double *y, size_t n, const int *want, int n_want)
{
    int w = 0;
    for (size_t k = 0; k < n; k++) {
        if (!isnan(y[k])) continue;
        if (w >= n_want || want[w] != (int)k) return 0;
        w++;
    }
    return w == n_want;
}

static void test_nan_gaps(void)
{
    double t[20], x[20], y[100];
    ramp(t, x, 20);
    x[5] = NAN;
    struct wk_resampler *r;

    wk_resampler_alloc(&r, t, 20, 0.5, WK_RESAMPLE_LINEAR);
    wk_resampler_apply(r, y, 1, x, 1);
    static const int up_nan[3] = {9, 10, 11}; /* times 4.5, 5, 5.5 */
    ok(nan_indices_are(y, wk_resampler_length(r), up_nan, 3), "linear up: only outputs between 4 and 6 are NaN");
    near(y[8], 9, 0, "linear up: output at t = 4 uses x[4] alone");
    near(y[12], 13, 0, "linear up: output at t = 6 uses x[6] alone");
    wk_resampler_free(r);

    wk_resampler_alloc(&r, t, 20, 3, WK_RESAMPLE_LINEAR);
    wk_resampler_apply(r, y, 1, x, 1);
    ok(nan_indices_are(y, wk_resampler_length(r), NULL, 0), "linear down: a one-sample gap leaves no NaN");
    near(y[1], (7 + 8 + 9) / 3.0, 1e-14, "linear down: block 1 = mean of its finite fine points (t = 3, 3.5, 4)");
    wk_resampler_free(r);

    for (int i = 4; i <= 8; i++) x[i] = NAN; /* fine points 3.5 .. 8.5 are NaN */
    wk_resampler_alloc(&r, t, 20, 3, WK_RESAMPLE_LINEAR);
    wk_resampler_apply(r, y, 1, x, 1);
    static const int down_nan[1] = {2}; /* block 6 .. 8.5 */
    ok(nan_indices_are(y, wk_resampler_length(r), down_nan, 1), "linear down: only the all-NaN block is NaN");
    near(y[1], 7, 0, "linear down: block 1 keeps its one finite point (t = 3)");
    near(y[3], 2 * 10.25 + 1, 1e-13, "linear down: block 3 whole");
    wk_resampler_free(r);

    ramp(t, x, 20);
    x[5] = NAN;
    wk_resampler_alloc(&r, t, 20, 0.5, WK_RESAMPLE_SINC);
    wk_resampler_apply(r, y, 1, x, 1);
    ok(nan_indices_are(y, wk_resampler_length(r), up_nan, 3), "sinc up: NaN only within one interval of the gap");
    wk_resampler_free(r);
}

static void test_sinc(void)
{
    double t[100], x[100], y[400];
    ramp(t, x, 100);
    struct wk_resampler *r;

    ok(wk_resampler_alloc(&r, t, 100, 0.25, WK_RESAMPLE_SINC) == 0, "sinc up: resampler");
    ok(wk_resampler_length(r) == 396, "sinc up: grid 0, .25, ... < 99");
    wk_resampler_apply(r, y, 1, x, 1);
    int ramp_ok = 1, on_samples = 1;
    for (size_t k = 0; k < 396; k++) {
        double tau = wk_resampler_time(r)[k];
        if (tau >= 8 && tau <= 91 && fabs(y[k] - (2 * tau + 1)) > 1e-9) ramp_ok = 0;
        if (k % 4 == 0 && fabs(y[k] - x[k / 4]) > 1e-9) on_samples = 0;
    }
    ok(ramp_ok, "sinc up: a ramp stays a ramp 8 samples away from the edges");
    ok(on_samples, "sinc up: outputs on input samples reproduce them (zero crossings)");
    wk_resampler_free(r);

    ok(wk_resampler_alloc(&r, t, 100, 3, WK_RESAMPLE_SINC) == 0, "sinc down: resampler");
    ok(wk_resampler_length(r) == 33, "sinc down: grid 0, 3, ... < 99");
    wk_resampler_apply(r, y, 1, x, 1);
    ramp_ok = 1;
    for (size_t k = 0; k < 33; k++) {
        double tau = wk_resampler_time(r)[k];
        if (tau >= 24 && tau <= 75 && fabs(y[k] - (2 * tau + 1)) > 1e-9) ramp_ok = 0;
    }
    ok(ramp_ok, "sinc down: a ramp stays a ramp 8 output intervals from the edges");

    /* Anti-aliasing: a 0.3 Hz tone is above the new Nyquist 1/6 Hz. */
    for (int i = 0; i < 100; i++) x[i] = sin(2 * PI * 0.3 * i);
    wk_resampler_apply(r, y, 1, x, 1);
    double peak = 0;
    for (size_t k = 8; k < 25; k++) peak = fmax(peak, fabs(y[k]));
    ok(peak < 1e-3, "sinc down: a tone above the new Nyquist is removed");
    for (int i = 0; i < 100; i++) x[i] = sin(2 * PI * 0.02 * i);
    wk_resampler_apply(r, y, 1, x, 1);
    int pass = 1;
    for (size_t k = 8; k < 25; k++)
        if (fabs(y[k] - sin(2 * PI * 0.02 * 3 * (double)k)) > 0.01) pass = 0;
    ok(pass, "sinc down: a slow tone passes");
    for (int i = 0; i < 100; i++) x[i] = -4;
    wk_resampler_apply(r, y, 1, x, 1);
    ok(fabs(y[0] + 4) < 1e-12 && fabs(y[32] + 4) < 1e-12, "sinc: a constant stays constant at the edges");
    wk_resampler_free(r);
}

static void test_matrix_and_errors(void)
{
    double t[4] = {0, 1, 2, 3};
    float m[8] = {0, NAN, 2, NAN, 4, NAN, 6, NAN}, *out;
    struct wk_resampler *r;
    wk_resampler_alloc(&r, t, 4, 0.5, WK_RESAMPLE_LINEAR);
    ok(wk_resampler_apply_matrix(r, &out, m, 2) == 0, "matrix resample");
    ok(wk_resampler_length(r) == 6 && out[2] == 1 && out[10] == 5, "matrix: column 0 interpolated");
    ok(isnan(out[1]) && isnan(out[11]), "matrix: all-NaN column stays NaN");
    free(out);
    wk_resampler_free(r);
    wk_resampler_free(NULL);

    wk_log_set_hook(count_log, NULL);
    n_logged = 0;
    ok(wk_resampler_alloc(&r, t, 4, -1, WK_RESAMPLE_LINEAR) == WK_EINVAL && r == NULL, "dt -1 is WK_EINVAL");
    ok(wk_resampler_alloc(&r, t, 1, 1, WK_RESAMPLE_LINEAR) == WK_EINVAL, "one sample is WK_EINVAL");
    double tt[2] = {0, 0.1};
    ok(wk_resampler_alloc(&r, tt, 2, 1, WK_RESAMPLE_LINEAR) == WK_EINVAL, "recording shorter than dt is WK_EINVAL");
    ok(n_logged == 3, "one message per error");
    wk_log_set_hook(NULL, NULL);

    double tr[20], xr[20];
    ramp(tr, xr, 20);
    static const double dts[4] = {0.25, 1, 3, 19.5};
    int lengths = 1;
    for (int mi = 0; mi < 2; mi++) {
        for (int i = 0; i < 4; i++) {
            struct wk_resampler *q = NULL;
            size_t want = wk_resampler_alloc(&q, tr, 20, dts[i], (enum wk_resample_method)mi) == 0 ? wk_resampler_length(q) : 0;
            if (wk_resample_output_length(tr, 20, dts[i], (enum wk_resample_method)mi) != want) lengths = 0;
            wk_resampler_free(q);
        }
    }
    ok(lengths, "wk_resample_output_length agrees with the resamplers (0 when too short)");
    ok(wk_resample_output_length(tt, 2, 1, WK_RESAMPLE_LINEAR) == 0, "output length 0 when shorter than dt");
    ok(wk_resample_output_length(tt, 2, 1, WK_RESAMPLE_SINC) == 1, "sinc output length: grid 0 < 0.1");

    enum wk_resample_method e;
    ok(wk_resample_method_from_name("sinc", &e) == 0 && e == WK_RESAMPLE_SINC, "name sinc");
    ok(wk_resample_method_from_name("cubic", &e) == WK_EINVAL, "unknown name");
}

int main(void)
{
    test_linear_ramp();
    test_block_mean_by_hand();
    test_irregular_reference();
    test_nan_gaps();
    test_sinc();
    test_matrix_and_errors();
    return wk_test_done();
}
