/* test-bicluster-segment: the starting state sequence of worm-bicluster.
 * - the sticky two-level segmentation recovers the segments of a noisy
 *   two-level signal far better than a split at the mean, labels the
 *   higher level 1 and copes with constant and one-bin signals;
 * - on counts whose population rates sit at one level in quiet segments
 *   and swing away from it in active ones (active half of the time), the
 *   starting states find the segments to within a few bins at each end. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "bicluster_internal.h"
#include "wk_test.h"

enum { T = 600, N = 24 };

/* segments of 40..80 bins, alternating, starting quiet */
static void truth_segments(int *truth, gsl_rng *rng)
{
    int level = 0;
    for (size_t t = 0; t < T;) {
        size_t len = 40 + gsl_rng_uniform_int(rng, 41);
        for (size_t u = 0; u < len && t < T; u++) truth[t++] = level;
        level = !level;
    }
}

static size_t disagreements(const int *a, const int *b, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += a[i] != b[i];
    return m;
}

static void test_two_levels(gsl_rng *rng)
{
    int truth[T], lab[T], split[T];
    double f[T], g[T], mean = 0;
    truth_segments(truth, rng);
    for (size_t t = 0; t < T; t++) f[t] = 1.0 + 0.5 * truth[t] + gsl_ran_gaussian(rng, 0.35), mean += f[t] / T;
    for (size_t t = 0; t < T; t++) split[t] = f[t] > mean;
    ok(!wk_bc_segment_two(lab, f, T), "segment a noisy two-level signal");
    size_t wrong = disagreements(lab, truth, T), wrong_split = disagreements(split, truth, T);
    printf("# segmentation wrong on %zu of %d bins, a split at the mean on %zu\n", wrong, T, wrong_split);
    ok(wrong <= 20, "segmentation wrong on at most 20 of the 600 bins");
    ok(wrong_split >= 4 * wrong, "a split at the mean is far worse (the stickiness matters)");
    for (size_t t = 0; t < T; t++) g[t] = -f[t];
    ok(!wk_bc_segment_two(split, g, T), "segment the negated signal");
    int flipped = 1;
    for (size_t t = 0; t < T; t++) flipped &= split[t] == !lab[t];
    ok(flipped, "label 1 is the higher level");

    for (size_t t = 0; t < T; t++) g[t] = 3.0;
    ok(!wk_bc_segment_two(lab, g, T), "segment a constant signal");
    int same = 1;
    for (size_t t = 0; t < T; t++) same &= lab[t] == lab[0];
    ok(same, "a constant signal is one segment");
    ok(!wk_bc_segment_two(lab, f, 1) && (lab[0] == 0 || lab[0] == 1), "one bin");
}

/* first bin of each change of label */
static size_t boundaries(size_t *at, const int *lab, size_t n)
{
    size_t k = 0;
    for (size_t t = 1; t < n; t++)
        if (lab[t] != lab[t - 1]) at[k++] = t;
    return k;
}

static void test_counts(gsl_rng *rng)
{
    int truth[T], xi[T];
    double *y = malloc(sizeof(double) * N * T), phase[N], base[N];
    truth_segments(truth, rng);
    for (size_t i = 0; i < N; i++) phase[i] = gsl_rng_uniform(rng) * 2 * M_PI, base[i] = 1 + 3 * gsl_rng_uniform(rng);
    /* active segments: each neuron's log rate swings by +-0.8 around its
     * quiet level, with its own phase, one cycle per 40 bins */
    for (size_t i = 0; i < N; i++)
        for (size_t t = 0; t < T; t++) {
            double swing = truth[t] ? 0.8 * sin(2 * M_PI * (double)t / 40 + phase[i]) : 0;
            y[i * T + t] = gsl_ran_poisson(rng, base[i] * exp(swing));
        }
    struct wk_bc_data data = {N, T, y};
    ok(!wk_bc_initial_states(xi, &data), "starting states of swinging counts");
    size_t bt[T], bx[T], nt = boundaries(bt, truth, T), nx = boundaries(bx, xi, T);
    ok(nx == nt, "as many segments as the truth");
    size_t worst = 0;
    for (size_t k = 0; k < nt && nx == nt; k++) {
        size_t off = bt[k] > bx[k] ? bt[k] - bx[k] : bx[k] - bt[k];
        if (off > worst) worst = off;
    }
    printf("# %zu boundaries, worst off by %zu bins; %zu bins wrong\n", nt, worst, disagreements(xi, truth, T));
    ok(nx == nt && worst <= 5, "each boundary within 5 bins");
    ok(xi[0] == 0 && truth[0] == 0, "quiet segments are state 0");
    free(y);
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    test_two_levels(rng);
    test_counts(rng);
    gsl_rng_free(rng);
    return wk_test_done();
}
