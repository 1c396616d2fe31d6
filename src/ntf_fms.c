/* ntf_fms.c - factor match score between two CP models (definition in
 * wk_ntf.h), with an optimal one-to-one matching (wk_hungarian). */
#include <math.h>
#include <stdlib.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_ntf.h"
#include "wormkit/wk_partition.h"
#include "wormkit/wk_util.h"

static double column_cosine(const double *X, size_t Rx, size_t r, const double *Y, size_t Ry, size_t s,
                            size_t n)
{
    double xy = 0, xx = 0, yy = 0;
    for (size_t i = 0; i < n; i++) {
        double x = X[i * Rx + r], y = Y[i * Ry + s];
        xy += x * y;
        xx += x * x;
        yy += y * y;
    }
    return xx > 0 && yy > 0 ? fabs(xy) / sqrt(xx * yy) : 0.0;
}

static double column_weight(const struct wk_ntf_model *m, size_t r)
{
    double w = m->lambda[r];
    const double *F[3] = {m->A, m->B, m->C};
    const size_t len[3] = {m->P, m->T, m->W};
    for (int k = 0; k < 3; k++) {
        double s = 0;
        for (size_t i = 0; i < len[k]; i++) s += F[k][i * m->R + r] * F[k][i * m->R + r];
        w *= sqrt(s);
    }
    return w;
}

int wk_ntf_fms(double *fms, const struct wk_ntf_model *a, const struct wk_ntf_model *b, int weighted,
               int *perm)
{
    if (a->P != b->P || a->T != b->T || a->W != b->W)
        return wk_fail(WK_EINVAL, "factor match score: models of different shapes");
    size_t n = a->R > b->R ? a->R : b->R;
    double *cost = wk_calloc(n * n, sizeof *cost), *score = wk_calloc(n * n, sizeof *score);
    int *assign = wk_calloc(n, sizeof *assign);
    if (!cost || !score || !assign) {
        free(cost);
        free(score);
        free(assign);
        return WK_ENOMEM;
    }
    for (size_t r = 0; r < a->R; r++) {
        double la = column_weight(a, r);
        for (size_t s = 0; s < b->R; s++) {
            double x = column_cosine(a->A, a->R, r, b->A, b->R, s, a->P) *
                       column_cosine(a->B, a->R, r, b->B, b->R, s, a->T) *
                       column_cosine(a->C, a->R, r, b->C, b->R, s, a->W);
            if (weighted) {
                double lb = column_weight(b, s), mx = la > lb ? la : lb;
                x *= mx > 0 ? 1 - fabs(la - lb) / mx : 1.0;
            }
            score[r * n + s] = x;
        }
    }
    for (size_t i = 0; i < n * n; i++) cost[i] = -score[i];
    int rc = wk_hungarian(assign, cost, n, n);
    if (!rc) {
        double total = 0;
        for (size_t r = 0; r < n; r++) total += score[r * n + (size_t)assign[r]];
        *fms = total / (double)n;
        if (perm)
            for (size_t r = 0; r < a->R; r++) perm[r] = (size_t)assign[r] < b->R ? assign[r] : -1;
    }
    free(cost);
    free(score);
    free(assign);
    return rc;
}
