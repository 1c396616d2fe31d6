/* test-rng: the xoshiro256** generator type (rng.c) against the
 * published outputs of its reference implementation and of splitmix64,
 * and the GSL interface around it: 32-bit gsl_rng_get, doubles in [0, 1)
 * with the right mean and variance, uniform integers, reproducible seeds,
 * state copies. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "wk_test.h"
#include "wormkit/wk_rng.h"

static void test_reference_outputs(void)
{
    /* from state {1, 2, 3, 4} the reference code's first outputs are
     * 11520, 0, 1509978240, 1215971899390074240; gsl_rng_get gives their top 32 bits */
    static const uint64_t want[4] = {11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL};
    gsl_rng *r = gsl_rng_alloc(wk_rng_xoshiro256);
    uint64_t s[4] = {1, 2, 3, 4};
    ok(gsl_rng_size(r) == sizeof s, "state is 256 bits");
    memcpy(gsl_rng_state(r), s, sizeof s);
    int same = 1;
    for (int i = 0; i < 4; i++)
        same &= gsl_rng_get(r) == (unsigned long)(want[i] >> 32);
    ok(same, "outputs from state {1, 2, 3, 4}: those of the reference implementation");
    memcpy(gsl_rng_state(r), s, sizeof s);
    gsl_rng_get(r);
    gsl_rng_get(r);
    gsl_rng_get(r);
    near(gsl_rng_uniform(r), (double)(want[3] >> 11) * 0x1.0p-53, 0, "doubles: the top 53 bits over 2^53");
    /* seed 0: the state is splitmix64's first four outputs, the first 0xe220a8397b1dcdaf */
    gsl_rng_set(r, 0);
    uint64_t first;
    memcpy(&first, gsl_rng_state(r), sizeof first);
    ok(first == 0xe220a8397b1dcdafULL, "seed 0: state from splitmix64 (first word 0xe220a8397b1dcdaf)");
    ok(strcmp(gsl_rng_name(r), "xoshiro256**") == 0, "name");
    ok(gsl_rng_max(r) == 0xffffffffUL && gsl_rng_min(r) == 0, "range 0 .. 2^32 - 1");
    gsl_rng_free(r);
}

static void test_moments(void)
{
    enum { N = 1000000 };
    gsl_rng *r = gsl_rng_alloc(wk_rng_xoshiro256);
    gsl_rng_set(r, 42);
    double sum = 0, sq = 0, lo = 1, hi = 0;
    long bins[10] = {0};
    for (int i = 0; i < N; i++) {
        double u = gsl_rng_uniform(r);
        sum += u;
        sq += u * u;
        lo = fmin(lo, u), hi = fmax(hi, u);
        bins[gsl_rng_uniform_int(r, 10)]++;
    }
    double mean = sum / N, var = sq / N - mean * mean;
    ok(lo >= 0 && hi < 1, "doubles in [0, 1)");
    near(mean, 0.5, 5 * sqrt(1.0 / 12 / N), "mean 1/2 within 5 standard errors");
    near(var, 1.0 / 12, 5 * sqrt(1.0 / 180 / N), "variance 1/12 within 5 standard errors");
    double chi2 = 0;
    for (int k = 0; k < 10; k++)
        chi2 += (bins[k] - N / 10.0) * (bins[k] - N / 10.0) / (N / 10.0);
    ok(chi2 < 27.9, "uniform integers 0..9: chi-square below its 0.999 quantile (9 df)");
    gsl_rng_free(r);
}

static void test_seeds_and_copies(void)
{
    gsl_rng *a = gsl_rng_alloc(wk_rng_xoshiro256), *b = gsl_rng_alloc(wk_rng_xoshiro256);
    gsl_rng_set(a, 7);
    gsl_rng_set(b, 7);
    int same = 1;
    for (int i = 0; i < 1000; i++)
        same &= gsl_rng_get(a) == gsl_rng_get(b);
    ok(same, "the same seed gives the same stream");
    gsl_rng_set(b, 8);
    int differ = 0;
    for (int i = 0; i < 1000; i++)
        differ += gsl_rng_get(a) != gsl_rng_get(b);
    ok(differ > 990, "another seed gives another stream");
    gsl_rng_memcpy(b, a);
    same = 1;
    for (int i = 0; i < 1000; i++)
        same &= gsl_rng_uniform(a) == gsl_rng_uniform(b);
    ok(same, "a copied state continues the same stream");
    gsl_rng_free(a);
    gsl_rng_free(b);
}

int main(void)
{
    test_reference_outputs();
    test_moments();
    test_seeds_and_copies();
    return wk_test_done();
}
