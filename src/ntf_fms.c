/* ntf_fms.c - factor match score between two CP models (definition in
 * wk_ntf.h), with an optimal one-to-one matching (Hungarian algorithm). */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_ntf.h"
#include "wormkit/wk_util.h"

/* Minimum-cost assignment of the n x n cost matrix (row-major): row i gets
 * column assign[i].  O(n^3) shortest augmenting paths with potentials. */
static int hungarian(const double *cost, size_t n, int *assign)
{
    double *u = wk_calloc(n + 1, sizeof *u), *v = wk_calloc(n + 1, sizeof *v);
    double *minv = wk_calloc(n + 1, sizeof *minv);
    size_t *p = wk_calloc(n + 1, sizeof *p), *way = wk_calloc(n + 1, sizeof *way);
    unsigned char *used = wk_calloc(n + 1, 1);
    int rc = 0;
    if (!u || !v || !minv || !p || !way || !used) {
        rc = WK_ENOMEM;
        goto done;
    }
    for (size_t i = 1; i <= n; i++) {
        p[0] = i;
        size_t j0 = 0;
        for (size_t j = 0; j <= n; j++) {
            minv[j] = DBL_MAX;
            used[j] = 0;
        }
        do {
            used[j0] = 1;
            size_t i0 = p[j0], j1 = 0;
            double delta = DBL_MAX;
            for (size_t j = 1; j <= n; j++) {
                if (used[j]) continue;
                double cur = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (size_t j = 0; j <= n; j++) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            size_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (size_t j = 1; j <= n; j++) assign[p[j] - 1] = (int)(j - 1);
done:
    free(u);
    free(v);
    free(minv);
    free(p);
    free(way);
    free(used);
    return rc;
}

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
    int rc = hungarian(cost, n, assign);
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
