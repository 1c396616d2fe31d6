/* bicluster_segment.c - the starting state sequence of worm-bicluster: a
 * sticky two-state segmentation of how far the population's rates are from
 * their usual level.  Quiet dynamics hold the latents, and with them the
 * rates, near one level; active dynamics carry them away from it.  The
 * median and MAD give each neuron's usual level and spread even when it is
 * active half of the time; the segmentation (two Gaussian levels, Viterbi
 * path, refitted until the path stops changing) keeps short excursions of
 * the noisy deviation from splitting segments. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bicluster_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

#define SMOOTH_HALF 4  /* log rates, then their deviation, averaged over 9 bins */
#define MAD_TO_SD 1.4826
#define STAY 0.99      /* the segmentation's chance of keeping its level */
#define SEGMENT_ROUNDS 50

void wk_bc_centred_mean(double *out, const double *in, size_t T, size_t half)
{
    for (size_t t = 0; t < T; t++) {
        size_t lo = t > half ? t - half : 0, hi = t + half < T ? t + half : T - 1;
        double s = 0;
        for (size_t u = lo; u <= hi; u++) s += in[u];
        out[t] = s / (double)(hi - lo + 1);
    }
}

/* dev[t]: mean over neurons of |r_it - median_i| / (1.4826 MAD_i), r the
 * moving average of log(1 + y); neurons without spread add nothing. */
static int population_deviation(double *dev, const struct wk_bc_data *data)
{
    size_t N = data->N, T = data->T;
    double *logy = wk_malloc_array(T, sizeof(double)), *r = wk_malloc_array(T, sizeof(double));
    double *sorted = wk_malloc_array(T, sizeof(double));
    if (!logy || !r || !sorted) {
        free(logy), free(r), free(sorted);
        return WK_ENOMEM;
    }
    memset(dev, 0, T * sizeof *dev);
    for (size_t i = 0; i < N; i++) {
        for (size_t t = 0; t < T; t++) logy[t] = log1p(data->y[i * T + t]);
        wk_bc_centred_mean(r, logy, T, SMOOTH_HALF);
        memcpy(sorted, r, T * sizeof *r);
        double level = wk_median_inplace(sorted, T);
        for (size_t t = 0; t < T; t++) sorted[t] = fabs(r[t] - level);
        double spread = MAD_TO_SD * wk_median_inplace(sorted, T);
        if (!(spread > 0)) continue;
        for (size_t t = 0; t < T; t++) dev[t] += fabs(r[t] - level) / spread / (double)N;
    }
    memcpy(logy, dev, T * sizeof *dev);
    wk_bc_centred_mean(dev, logy, T, SMOOTH_HALF);
    free(logy), free(r), free(sorted);
    return 0;
}

/* Viterbi path of two Gaussian levels (mean m[k], sd s[k]) under a
 * symmetric sticky chain; back is T x 2 scratch. */
static void viterbi(int *lab, const double *f, size_t T, const double *m, const double *s, unsigned char *back)
{
    double v[2], stay = log(STAY), move = log(1 - STAY);
    for (int k = 0; k < 2; k++) v[k] = -0.5 * pow((f[0] - m[k]) / s[k], 2) - log(s[k]);
    for (size_t t = 1; t < T; t++) {
        double next[2];
        for (int k = 0; k < 2; k++) {
            double from_same = v[k] + stay, from_other = v[1 - k] + move;
            back[t * 2 + (size_t)k] = from_same >= from_other ? (unsigned char)k : (unsigned char)(1 - k);
            next[k] = (from_same >= from_other ? from_same : from_other) - 0.5 * pow((f[t] - m[k]) / s[k], 2) -
                      log(s[k]);
        }
        v[0] = next[0], v[1] = next[1];
    }
    lab[T - 1] = v[1] > v[0];
    for (size_t t = T - 1; t > 0; t--) lab[t - 1] = back[t * 2 + (size_t)lab[t]];
}

/* Level mean and sd of each label; 0 when a label is empty. */
static int levels(double *m, double *s, const int *lab, const double *f, size_t T)
{
    double n[2] = {0, 0}, sum[2] = {0, 0}, ss[2] = {0, 0};
    for (size_t t = 0; t < T; t++) n[lab[t]] += 1, sum[lab[t]] += f[t];
    if (n[0] == 0 || n[1] == 0) return 0;
    for (int k = 0; k < 2; k++) m[k] = sum[k] / n[k];
    for (size_t t = 0; t < T; t++) ss[lab[t]] += (f[t] - m[lab[t]]) * (f[t] - m[lab[t]]);
    double floor = 1e-6 * (fabs(m[0]) + fabs(m[1]) + 1e-300);
    for (int k = 0; k < 2; k++) s[k] = fmax(sqrt(ss[k] / n[k]), floor);
    return 1;
}

int wk_bc_segment_two(int *lab, const double *f, size_t T)
{
    if (T == 0) return 0;
    int *next = wk_malloc_array(T, sizeof(int));
    unsigned char *back = wk_malloc_array(T, 2);
    if (!next || !back) {
        free(next), free(back);
        return WK_ENOMEM;
    }
    double mean = 0, m[2] = {0, 0}, s[2] = {1, 1};
    for (size_t t = 0; t < T; t++) mean += f[t] / (double)T;
    for (size_t t = 0; t < T; t++) lab[t] = f[t] > mean;
    for (int round = 0; round < SEGMENT_ROUNDS && levels(m, s, lab, f, T); round++) {
        viterbi(next, f, T, m, s, back);
        if (!memcmp(next, lab, T * sizeof *lab)) break;
        memcpy(lab, next, T * sizeof *lab);
    }
    if (levels(m, s, lab, f, T) && m[1] < m[0])
        for (size_t t = 0; t < T; t++) lab[t] = !lab[t];
    free(next), free(back);
    return 0;
}

int wk_bc_initial_states(int *xi, const struct wk_bc_data *data)
{
    double *dev = wk_malloc_array(data->T ? data->T : 1, sizeof(double));
    if (!dev) return WK_ENOMEM;
    int rc = population_deviation(dev, data);
    if (!rc) rc = wk_bc_segment_two(xi, dev, data->T);
    free(dev);
    return rc;
}
