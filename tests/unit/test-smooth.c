/* test-smooth.c - causal moving/Gaussian/exponential smoothing and
 * zero-phase Gaussian smoothing: exact closed forms and NaN rules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wk_test.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_signal.h"

#define N 30

/* Count library messages instead of printing them. */
static int n_logged;
static char last_log[256];
static void count_log(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)userdata;
    n_logged++;
    snprintf(last_log, sizeof last_log, "%s", message);
}

static void test_moving_step(void)
{
    double x[N], y[N];
    for (int i = 0; i < N; i++) x[i] = i < 10 ? 0 : 1;

    /* w = 15: the 8 trailing samples j-7..j (fewer at the start). */
    ok(wk_smooth_moving(y, x, N, 1, 15) == 0, "moving w=15 runs");
    int exact = 1;
    for (int j = 0; j < N; j++) {
        double ones = j < 10 ? 0 : (j - 9 < 8 ? j - 9 : 8);
        double want = ones / (j < 7 ? j + 1 : 8);
        if (y[j] != want) exact = 0;
    }
    ok(exact, "moving w=15 step: y[j] = min(8, max(0, j-9)) / 8, exactly");
    near(y[9], 0.0, 0, "moving w=15: y[9] = 0");
    near(y[10], 0.125, 0, "moving w=15: y[10] = 1/8");
    near(y[16], 0.875, 0, "moving w=15: y[16] = 7/8");
    near(y[17], 1.0, 0, "moving w=15: y[17] = 1");

    /* w = 4 is made odd (5): 3 trailing samples. */
    ok(wk_smooth_moving(y, x, N, 1, 4) == 0, "moving w=4 runs");
    near(y[9], 0.0, 0, "moving w=4->5: y[9] = 0");
    near(y[10], 1.0 / 3, 1e-16, "moving w=4->5: y[10] = 1/3");
    near(y[11], 2.0 / 3, 1e-16, "moving w=4->5: y[11] = 2/3");
    near(y[12], 1.0, 0, "moving w=4->5: y[12] = 1");
    double y5[N];
    wk_smooth_moving(y5, x, N, 1, 5);
    ok(memcmp(y, y5, sizeof y) == 0, "moving: w=4 equals w=5");
}

static void test_moving_start_and_stride(void)
{
    /* Column 1 of a 6 x 2 matrix (stride 2): x = 0, 1, 2, 3, 4, 5. */
    double x[12], y[12];
    for (int i = 0; i < 6; i++) {
        x[2 * i] = 100;
        x[2 * i + 1] = i;
        y[2 * i] = -1;
    }
    wk_smooth_moving(y + 1, x + 1, 6, 2, 15);
    near(y[1], 0.0, 0, "moving start: y0 = x0");
    near(y[3], 0.5, 0, "moving start: y1 = mean(x0, x1)");
    near(y[7], 1.5, 0, "moving start: y3 = mean(x0..x3)");
    near(y[11], 2.5, 0, "moving start: y5 = mean(x0..x5)");
    ok(y[0] == -1 && y[10] == -1, "moving with stride leaves the other column alone");
    ok(wk_smooth_moving(y, x, 6, 1, 1) == 0 && y[3] == x[3], "moving w=1 is the identity");
}

static void test_moving_nan(void)
{
    double x[7] = {1, NAN, 3, NAN, NAN, NAN, 5}, y[7];
    wk_smooth_moving(y, x, 7, 1, 3); /* 2 trailing samples */
    near(y[0], 1, 0, "moving NaN: y0");
    near(y[1], 1, 0, "moving NaN: NaN sample contributes nothing");
    near(y[2], 3, 0, "moving NaN: y2 = mean of the finite {3}");
    near(y[3], 3, 0, "moving NaN: y3");
    ok(isnan(y[4]) && isnan(y[5]), "moving NaN: all-NaN windows are NaN");
    near(y[6], 5, 0, "moving NaN: y6 after the gap");
    n_logged = 0;
    ok(wk_smooth_moving(y, x, 7, 1, 0) == WK_EINVAL, "moving: window 0 is WK_EINVAL");
    ok(n_logged == 1 && strstr(last_log, "window 0"), "moving: window 0 logs one message naming it");
}

static double gauss(int k, double sigma)
{
    return exp(-(double)k * k / (2 * sigma * sigma));
}

static void test_gaussian_causal(void)
{
    double x[N] = {0}, y[N];
    double sigma = 2;
    x[0] = 1;
    ok(wk_smooth_gaussian(y, x, N, 1, sigma) == 0, "gaussian runs");
    int exact = 1;
    double sum = 0;
    for (int i = 0; i < 17; i++) { /* lags up to ceil(8 sigma) = 16 */
        sum += gauss(i, sigma);
        if (fabs(y[i] - gauss(i, sigma) / sum) > 1e-15) exact = 0;
    }
    ok(exact, "gaussian on a delta at 0: y[i] = w_i / sum_{k<=i} w_k");
    near(y[0], 1, 1e-15, "gaussian: y0 = x0");
    near(y[1], gauss(1, sigma) / (1 + gauss(1, sigma)), 1e-15, "gaussian: y1");
    ok(y[17] == 0, "gaussian: lag 17 > ceil(8 sigma) is truncated");

    memset(x, 0, sizeof x);
    x[3] = 1;
    wk_smooth_gaussian(y, x, N, 1, sigma);
    ok(y[0] == 0 && y[1] == 0 && y[2] == 0, "gaussian is causal: nothing before the delta");
    sum = 0;
    for (int k = 0; k <= 3; k++) sum += gauss(k, sigma);
    near(y[3], 1 / sum, 1e-15, "gaussian delta at 3: y3 = w0 / (w0+..+w3)");
    near(y[5], gauss(2, sigma) / (sum + gauss(4, sigma) + gauss(5, sigma)), 1e-15,
         "gaussian delta at 3: y5 = w2 / (w0+..+w5)");

    double z[5] = {NAN, NAN, 2, NAN, 4}, zy[5];
    wk_smooth_gaussian(zy, z, 5, 1, 1);
    ok(isnan(zy[0]) && isnan(zy[1]), "gaussian NaN: no finite past is NaN");
    near(zy[2], 2, 0, "gaussian NaN: y2");
    near(zy[3], 2, 1e-15, "gaussian NaN: y3 from the one finite sample");
    near(zy[4], (4 + gauss(2, 1) * 2) / (1 + gauss(2, 1)), 1e-15, "gaussian NaN: y4 renormalized");
    ok(wk_smooth_gaussian(zy, z, 5, 1, 0) == WK_EINVAL, "gaussian: sigma 0 is WK_EINVAL");
}

static void test_exponential(void)
{
    double x[5] = {2, 4, NAN, 0, 8}, y[5];
    ok(wk_smooth_exponential(y, x, 5, 1, 0.5) == 0, "exponential runs");
    near(y[0], 2, 0, "exponential: y0 = x0");
    near(y[1], 3, 0, "exponential: y1 = .5*4 + .5*2");
    ok(isnan(y[2]), "exponential: NaN input gives NaN");
    near(y[3], 1.5, 0, "exponential: state kept across NaN: .5*0 + .5*3");
    near(y[4], 4.75, 0, "exponential: y4 = .5*8 + .5*1.5");

    double a[4] = {NAN, 2, 4, 1}, b[4];
    wk_smooth_exponential(b, a, 4, 1, 0.25);
    ok(isnan(b[0]), "exponential: leading NaN");
    near(b[1], 2, 0, "exponential: first finite sample starts the recursion");
    near(b[2], 2.5, 0, "exponential alpha .25: .25*4 + .75*2");
    near(b[3], 2.125, 0, "exponential alpha .25: .25*1 + .75*2.5");
    ok(wk_smooth_exponential(b, a, 4, 1, 0) == WK_EINVAL, "exponential: alpha 0 is WK_EINVAL");
    ok(wk_smooth_exponential(b, a, 4, 1, 1.5) == WK_EINVAL, "exponential: alpha 1.5 is WK_EINVAL");
}

static void test_zerophase(void)
{
    double x[50], y[50];
    for (int i = 0; i < 50; i++) x[i] = 2.5;
    struct wk_zerophase *z = wk_zerophase_alloc(50, 3);
    ok(z != NULL, "zero-phase plan");
    wk_zerophase_apply(z, y, x, 1);
    int flat = 1;
    for (int i = 0; i < 50; i++)
        if (fabs(y[i] - 2.5) > 1e-13) flat = 0;
    ok(flat, "zero-phase of a constant stays constant (edges included)");

    /* The same plan on another signal: a delta at the centre. */
    for (int i = 0; i < 50; i++) x[i] = i == 25 ? 1 : 0;
    wk_zerophase_apply(z, y, x, 1);
    int sym = 1;
    for (int k = 1; k <= 20; k++)
        if (fabs(y[25 + k] - y[25 - k]) > 1e-15) sym = 0;
    ok(sym, "zero-phase of a delta is symmetric");
    double sum = 0;
    for (int k = -10; k <= 10; k++) sum += gauss(k, 3); /* radius floor(4*3 + .5) = 12 */
    for (int k = 11; k <= 12; k++) sum += 2 * gauss(k, 3);
    near(y[25], 1 / sum, 1e-15, "zero-phase delta: centre weight g0");
    near(y[30], gauss(5, 3) / sum, 1e-15, "zero-phase delta: y[c+5] = g5");
    near(y[37], gauss(12, 3) / sum, 1e-15, "zero-phase delta: y[c+12] = g12 (radius)");
    near(y[38], 0, 1e-15, "zero-phase delta: nothing beyond the radius");
    wk_zerophase_free(z);

    /* scipy.ndimage.gaussian_filter1d(x, 1.5, mode='reflect', truncate=4). */
    static const double in[12] = {3, -1, 4, 1, -5, 9, 2, 6, -5, 3, 5, 8};
    static const double want[12] = {1.7065277030922137, 1.5481470934085881, 1.2946293393231731,
                                    1.1705298563989917, 1.627204049119094, 2.5085714141873754,
                                    2.853562512860816, 2.3500489197588106, 1.993764546599167,
                                    2.7925630549052656, 4.438614471870313, 5.715837038476193};
    double out[12];
    z = wk_zerophase_alloc(12, 1.5);
    wk_zerophase_apply(z, out, in, 1);
    int same = 1;
    for (int i = 0; i < 12; i++)
        if (fabs(out[i] - want[i]) > 1e-13) same = 0;
    ok(same, "zero-phase equals scipy gaussian_filter1d(mode=reflect, truncate=4)");
    wk_zerophase_free(z);

    /* Radius 10 longer than the signal: reflection repeats. */
    static const double in2[5] = {1, 2, 0, -1, 3};
    static const double want2[5] = {0.9914163528038138, 0.9879327692585035, 0.9915858069574986,
                                    1.0068612173048341, 1.0222038536753488};
    z = wk_zerophase_alloc(5, 2.5);
    wk_zerophase_apply(z, out, in2, 1);
    same = 1;
    for (int i = 0; i < 5; i++)
        if (fabs(out[i] - want2[i]) > 1e-13) same = 0;
    ok(same, "zero-phase with a radius longer than the signal equals scipy");
    wk_zerophase_free(z);

    /* NaN: normalized over the finite samples; all-NaN windows are NaN. */
    double g[20];
    for (int i = 0; i < 20; i++) g[i] = i >= 5 && i < 15 ? NAN : 1;
    z = wk_zerophase_alloc(20, 0.5); /* radius 2 */
    wk_zerophase_apply(z, g, g, 1);  /* in place */
    int nan_ok = 1;
    for (int i = 0; i < 20; i++) {
        int want_nan = i >= 7 && i <= 12;
        if (want_nan ? !isnan(g[i]) : fabs(g[i] - 1) > 1e-13) nan_ok = 0;
    }
    ok(nan_ok, "zero-phase NaN: exactly samples 7..12 are NaN, the rest 1");
    wk_zerophase_free(z);
    ok(wk_zerophase_alloc(10, -1) == NULL, "zero-phase: negative sigma refused");
}

static void test_smoother_matrix(void)
{
    /* 3 x 2 float matrix: column 0 = 0, 3, 6; column 1 all NaN. */
    float m[6] = {0, NAN, 3, NAN, 6, NAN};
    struct wk_smooth_params p;
    wk_smooth_params_init(&p);
    ok(p.method == WK_SMOOTH_MOVING && p.window == 15 && p.sigma == 5 && p.alpha == 0.5,
       "defaults are the reference's: moving 15, sigma 5, alpha 0.5");
    struct wk_smoother *s = wk_smoother_alloc(&p);
    ok(s != NULL, "smoother");
    ok(wk_smoother_apply(s, m, 3, 2) == 0, "smoother on a matrix");
    near(m[0], 0, 0, "matrix: y0");
    near(m[2], 1.5, 0, "matrix: y1 = mean(0, 3)");
    near(m[4], 3, 0, "matrix: y2 = mean(0, 3, 6)");
    ok(isnan(m[1]) && isnan(m[3]) && isnan(m[5]), "matrix: all-NaN column stays NaN");
    wk_smoother_free(s);

    p.method = WK_SMOOTH_ZEROPHASE;
    p.sigma = 1;
    s = wk_smoother_alloc(&p);
    float c[8] = {4, 4, 4, 4, 4, 4, 4, 4};
    ok(wk_smoother_apply(s, c, 4, 2) == 0 && wk_smoother_apply(s, c, 4, 2) == 0, "zero-phase smoother twice (plan reused)");
    ok(c[0] == 4 && c[7] == 4, "zero-phase smoother keeps a constant");
    ok(wk_smoother_apply(s, c, 2, 4) == 0 && c[3] == 4, "zero-phase smoother on another length");
    wk_smoother_free(s);
    wk_smoother_free(NULL);

    p.method = WK_SMOOTH_MOVING;
    p.window = 0;
    ok(wk_smoother_alloc(&p) == NULL, "smoother: window 0 refused");
    ok(wk_smooth_params_check(&p) == WK_EINVAL, "params check: window 0 is WK_EINVAL");

    enum wk_smooth_method e;
    ok(wk_smooth_method_from_name("zero-phase", &e) == 0 && e == WK_SMOOTH_ZEROPHASE, "name zero-phase");
    ok(wk_smooth_method_from_name("exponential", &e) == 0 && e == WK_SMOOTH_EXPONENTIAL, "name exponential");
    ok(wk_smooth_method_from_name("boxcar", &e) == WK_EINVAL, "unknown name is WK_EINVAL");
    ok(strcmp(wk_smooth_method_name(WK_SMOOTH_GAUSSIAN), "gaussian") == 0, "name of gaussian");
}

int main(void)
{
    wk_log_set_hook(count_log, NULL);
    test_moving_step();
    test_moving_start_and_stride();
    test_moving_nan();
    test_gaussian_causal();
    test_exponential();
    test_zerophase();
    test_smoother_matrix();
    return wk_test_done();
}
