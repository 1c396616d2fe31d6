/* test-pg: Polya-Gamma draws against the closed-form mean and variance,
 * the Laplace transform, and (two-sample KS) sums of Devroye draws. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "wk_test.h"
#include "wormkit/wk_pg.h"

/* Sample mean and variance of n draws of PG(b, c); the mean must lie within
 * 5 standard errors of b/(2c) tanh(c/2), the variance within 5 standard
 * errors of its closed form (standard error of a variance ~ var sqrt(2/n)
 * inflated to 3 var / sqrt(n) for the heavier-than-normal tail). */
static void check_moments(gsl_rng *rng, double b, double c, int n)
{
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++) {
        double x = wk_pg_draw(rng, b, c);
        sum += x;
        sum2 += x * x;
    }
    double mean = sum / n, var = sum2 / n - mean * mean;
    double want_mean = wk_pg_mean(b, c), want_var = wk_pg_var(b, c);
    char what[128];
    snprintf(what, sizeof what, "PG(%g, %g) mean", b, c);
    near(mean, want_mean, 5 * sqrt(want_var / n), what);
    snprintf(what, sizeof what, "PG(%g, %g) variance", b, c);
    near(var, want_var, 5 * 3 * want_var / sqrt(n), what);
}

/* The Laplace transform E exp(-s X) = cosh^b(c/2) / cosh^b(sqrt((s + c^2/2)/2))
 * at s = 1 / mean and 3 / mean: a check of the whole distribution, not
 * only of two moments (within 5 standard errors of the sample mean). */
static void check_laplace(gsl_rng *rng, double b, double c, int n)
{
    double mean = wk_pg_mean(b, c);
    for (int k = 1; k <= 3; k += 2) {
        double s = k / mean, sum = 0, sum2 = 0;
        for (int i = 0; i < n; i++) {
            double v = exp(-s * wk_pg_draw(rng, b, c));
            sum += v;
            sum2 += v * v;
        }
        double m = sum / n, se = sqrt((sum2 / n - m * m) / n);
        double want = pow(cosh(0.5 * c) / cosh(sqrt(0.5 * (s + 0.5 * c * c))), b);
        char what[128];
        snprintf(what, sizeof what, "PG(%g, %g) Laplace transform at %g / mean", b, c, (double)k);
        near(m, want, 5 * se + 1e-12, what);
    }
}


static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Two-sample Kolmogorov-Smirnov distance of sorted samples a, b (n each). */
static double ks_distance(const double *a, const double *b, int n)
{
    double d = 0;
    int i = 0, j = 0;
    while (i < n && j < n) {
        double x = a[i] <= b[j] ? a[i] : b[j];
        while (i < n && a[i] <= x) i++;
        while (j < n && b[j] <= x) j++;
        d = fmax(d, fabs((double)(i - j) / n));
    }
    return d;
}

/* The whole distribution of PG(b, c) drawn by wk_pg_draw (alternating
 * series in pieces) against an independent exact construction: floor(b)
 * PG(1, c) draws by Devroye's sampler plus one PG(b - floor(b), c).  A
 * two-sample KS distance above 1.95 sqrt(2/n) has probability 0.001 under
 * equal distributions. */
static void check_ks(gsl_rng *rng, double b, double c, int n)
{
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), whole = floor(b), rest = b - whole;
    for (int i = 0; i < n; i++) {
        x[i] = wk_pg_draw(rng, b, c);
        double s = rest > 0 ? wk_pg_draw(rng, rest, c) : 0.0;
        for (double k = 0; k < whole; k++) s += wk_pg_draw1(rng, c);
        y[i] = s;
    }
    qsort(x, n, sizeof *x, compare_doubles);
    qsort(y, n, sizeof *y, compare_doubles);
    char what[128];
    snprintf(what, sizeof what, "PG(%g, %g): KS distance to the sum of Devroye draws", b, c);
    double d = ks_distance(x, y, n);
    ok(d < 1.95 * sqrt(2.0 / n), what);
    free(x);
    free(y);
}

int main(void)
{
    near(wk_pg_mean(1, 0), 0.25, 1e-15, "mean PG(1,0) = 1/4");
    near(wk_pg_var(1, 0), 1.0 / 24, 1e-15, "variance PG(1,0) = 1/24");
    near(wk_pg_mean(2, 2), tanh(1.0) / 2, 1e-15, "mean PG(2,2) = tanh(1)/2");
    /* the series expansions used near c = 0 join the closed forms */
    near(wk_pg_var(1, 0.0099), 0.04166584992881139, 1e-14, "variance near c = 0 (series)");
    near(wk_pg_var(1, 0.5), 0.039659800808455166, 1e-12, "variance PG(1, 0.5)");

    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 42);
    /* non-integer shapes >= 1 go through the alternating-series sampler
     * (exact): 2.7 = PG(1) + PG(1.7), 11.5 = 10 PG(1) + PG(1.5), 1.01 and 1.99
     * near the ends of its range */
    const double cases[][2] = {{1, 0},    {1, 1.5},  {1, 8},    {3, -2},     {0.3, 0},   {0.3, 4},
                               {2.7, 0},  {2.7, 1},  {2.7, 9},  {11.5, 0},   {11.5, 3},  {1.01, 0.5},
                               {1.99, 6}, {12.4, 0.5}, {0.05, 2}, {25, 10}, {1.5, 40}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) check_moments(rng, cases[k][0], cases[k][1], 40000);

    /* the shapes of the issue, below 1 (exact alternating series with the
     * gamma-kernel envelope), 1, between, and large */
    const double shapes[] = {0.3, 0.7, 1, 2.5, 10};
    const double tilts[] = {0, 1.5, 6};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
        for (size_t j = 0; j < sizeof tilts / sizeof tilts[0]; j++) {
            check_moments(rng, shapes[k], tilts[j], 20000);
            check_laplace(rng, shapes[k], tilts[j], 20000);
        }
    /* the large shapes of the issue (many pieces), and the whole
     * distribution against sums of Devroye draws, at the bicluster's
     * shapes and tilts (counts + dispersion ~ 10, c = eta - log r < 0) */
    const double large[] = {37.2, 150};
    for (size_t k = 0; k < sizeof large / sizeof large[0]; k++)
        for (size_t j = 0; j < sizeof tilts / sizeof tilts[0]; j++) {
            check_moments(rng, large[k], tilts[j], 10000);
            check_laplace(rng, large[k], tilts[j], 10000);
        }
    const double ks[][2] = {{10, -1}, {2.5, 1.5}, {1.7, 0}, {12.3, -2}, {37.2, -0.5}, {150, 3}, {6.4, -6}};
    for (size_t k = 0; k < sizeof ks / sizeof ks[0]; k++) check_ks(rng, ks[k][0], ks[k][1], 10000);
    /* shapes split into equal pieces of at most 6 (pg.c: ALT_MAX; 4 before):
     * at both edges, just above them, and many pieces */
    const double split[][2] = {{4, 0}, {4.0001, 2}, {7.9, 3}, {13, 12}, {40, 1}, {6, 0.5}, {6.0001, 2}, {12, 1}};
    for (size_t k = 0; k < sizeof split / sizeof split[0]; k++) {
        check_moments(rng, split[k][0], split[k][1], 20000);
        check_laplace(rng, split[k][0], split[k][1], 20000);
    }
    check_laplace(rng, 0.05, 0.0, 20000);
    check_laplace(rng, 0.999, 30.0, 20000);
    check_moments(rng, 0.999, 30.0, 20000);

    /* shapes of the bicluster sampler (counts + dispersion ~ 10) at tilts
     * where the truncated inverse Gaussian is drawn directly (pg.c:
     * DIRECT_IG_MASS) and where it is not */
    const double direct[][2] = {{10.3, -1}, {6.2, -1}, {15.9, -1.5}, {3.3, 0.8}, {0.4, 0.5}, {10.3, -0.05}};
    for (size_t k = 0; k < sizeof direct / sizeof direct[0]; k++) {
        check_moments(rng, direct[k][0], direct[k][1], 20000);
        check_laplace(rng, direct[k][0], direct[k][1], 20000);
    }

    /* a prepared shape gives the same draws as wk_pg_draw */
    const double prepared[] = {1.0, 0.3, 2.5, 10.3, 40.0};
    for (size_t k = 0; k < sizeof prepared / sizeof prepared[0]; k++) {
        struct wk_pg_shape s;
        wk_pg_shape_init(&s, prepared[k]);
        int same = 1;
        for (int i = 0; i < 200; i++) {
            double c = -3.0 + 0.03 * i;
            gsl_rng_set(rng, (unsigned long)(100 + i));
            double x = wk_pg_draw(rng, prepared[k], c);
            gsl_rng_set(rng, (unsigned long)(100 + i));
            same &= wk_pg_draw_shape(rng, &s, c) == x;
        }
        char what[96];
        snprintf(what, sizeof what, "PG(%g, c) from a prepared shape equals wk_pg_draw", prepared[k]);
        ok(same, what);
    }

    /* draws are positive and depend only on |c| */
    int positive = 1;
    for (int i = 0; i < 1000; i++) positive &= wk_pg_draw(rng, 0.7, 3.0) > 0;
    ok(positive, "draws are positive");
    gsl_rng_set(rng, 7);
    double a = wk_pg_draw1(rng, 2.5);
    gsl_rng_set(rng, 7);
    near(wk_pg_draw1(rng, -2.5), a, 0, "PG(1, -c) = PG(1, c) for the same stream");
    gsl_rng_free(rng);
    return wk_test_done();
}
