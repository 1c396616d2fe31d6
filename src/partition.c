/* partition.c - adjusted Rand index, normalized mutual information and the
 * Hungarian assignment (shortest augmenting paths with potentials). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_partition.h"
#include "wormkit/wk_util.h"

static int compare_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Dense codes 0..k-1 for arbitrary labels; returns k, or 0 on failure. */
static size_t dense_codes(int *codes, const int *labels, size_t n)
{
    int *sorted = wk_malloc_array(n, sizeof *sorted);
    size_t k = 0;

    if (!sorted) return 0;
    memcpy(sorted, labels, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_int);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || sorted[i] != sorted[i - 1]) sorted[k++] = sorted[i];
    for (size_t i = 0; i < n; i++) {
        const int *hit = bsearch(&labels[i], sorted, k, sizeof *sorted, compare_int);
        codes[i] = (int)(hit - sorted);
    }
    free(sorted);
    return k;
}

/* Contingency table of two labelings: counts[ka][kb], row and column sums. */
struct contingency {
    size_t ka, kb;
    double *counts, *rows, *cols;
};

static void contingency_free(struct contingency *c)
{
    free(c->counts);
    free(c->rows);
    free(c->cols);
}

static int contingency_build(struct contingency *c, const int *a, const int *b, size_t n)
{
    int *ca = wk_malloc_array(n, sizeof *ca), *cb = wk_malloc_array(n, sizeof *cb);
    int rc = WK_ENOMEM;

    memset(c, 0, sizeof *c);
    if (ca && cb && (c->ka = dense_codes(ca, a, n)) && (c->kb = dense_codes(cb, b, n)) &&
        (c->counts = wk_calloc(c->ka * c->kb, sizeof *c->counts)) &&
        (c->rows = wk_calloc(c->ka, sizeof *c->rows)) && (c->cols = wk_calloc(c->kb, sizeof *c->cols))) {
        for (size_t i = 0; i < n; i++) {
            c->counts[(size_t)ca[i] * c->kb + (size_t)cb[i]] += 1;
            c->rows[ca[i]] += 1;
            c->cols[cb[i]] += 1;
        }
        rc = 0;
    }
    free(ca);
    free(cb);
    if (rc < 0) contingency_free(c);
    return rc;
}

static double pairs(double x)
{
    return x * (x - 1) / 2;
}

double wk_partition_ari(const int *a, const int *b, size_t n)
{
    struct contingency c;
    double sum_ij = 0, sum_a = 0, sum_b = 0, total, expected, max_index;

    if (n < 2 || contingency_build(&c, a, b, n) < 0) return wk_nan();
    for (size_t i = 0; i < c.ka * c.kb; i++) sum_ij += pairs(c.counts[i]);
    for (size_t i = 0; i < c.ka; i++) sum_a += pairs(c.rows[i]);
    for (size_t j = 0; j < c.kb; j++) sum_b += pairs(c.cols[j]);
    contingency_free(&c);
    total = pairs((double)n);
    expected = sum_a * sum_b / total;
    max_index = (sum_a + sum_b) / 2;
    if (max_index == expected) return 1.0; /* both trivial in the same way */
    return (sum_ij - expected) / (max_index - expected);
}

static double entropy(const double *counts, size_t k, double n)
{
    double h = 0;
    for (size_t i = 0; i < k; i++)
        if (counts[i] > 0) h -= counts[i] / n * log(counts[i] / n);
    return h;
}

double wk_partition_nmi(const int *a, const int *b, size_t n)
{
    struct contingency c;
    double mi = 0, ha, hb, N = (double)n;

    if (n == 0 || contingency_build(&c, a, b, n) < 0) return wk_nan();
    for (size_t i = 0; i < c.ka; i++)
        for (size_t j = 0; j < c.kb; j++) {
            double nij = c.counts[i * c.kb + j];
            if (nij > 0) mi += nij / N * log(nij * N / (c.rows[i] * c.cols[j]));
        }
    ha = entropy(c.rows, c.ka, N);
    hb = entropy(c.cols, c.kb, N);
    contingency_free(&c);
    if (ha == 0 && hb == 0) return 1.0;
    if (ha == 0 || hb == 0) return 0.0;
    return fmax(0.0, fmin(1.0, mi / sqrt(ha * hb)));
}

/* Shortest augmenting paths with row/column potentials (1-based inside, as
 * in the classical formulation; column 0 is the virtual start). */
int wk_hungarian(int *assignment, const double *cost, size_t n_rows, size_t n_cols)
{
    size_t n = n_rows, m = n_cols;
    double *u, *v, *minv;
    size_t *p, *way;
    unsigned char *used;
    int rc = WK_ENOMEM;

    if (n > m) return wk_fail(WK_EINVAL, "assignment: more rows (%zu) than columns (%zu)", n, m);
    if (n == 0) return 0;
    u = wk_calloc(n + 1, sizeof *u);
    v = wk_calloc(m + 1, sizeof *v);
    minv = wk_calloc(m + 1, sizeof *minv);
    p = wk_calloc(m + 1, sizeof *p);
    way = wk_calloc(m + 1, sizeof *way);
    used = wk_calloc(m + 1, 1);
    if (!u || !v || !minv || !p || !way || !used) goto done;

    for (size_t i = 1; i <= n; i++) {
        size_t j0 = 0;
        p[0] = i;
        for (size_t j = 0; j <= m; j++) {
            minv[j] = DBL_MAX;
            used[j] = 0;
        }
        do {
            size_t i0 = p[j0], j1 = 0;
            double delta = DBL_MAX;
            used[j0] = 1;
            for (size_t j = 1; j <= m; j++) {
                if (used[j]) continue;
                double cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (size_t j = 0; j <= m; j++) {
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
    for (size_t j = 1; j <= m; j++)
        if (p[j]) assignment[p[j] - 1] = (int)(j - 1);
    rc = 0;
done:
    free(u);
    free(v);
    free(minv);
    free(p);
    free(way);
    free(used);
    return rc;
}

/* counts[e][t] (k x k): items with est label e and truth label t; NULL when
 * n is 0, a label is outside 0..k-1 (logged, naming `what`) or memory ran out. */
static double *contingency(const int *truth, const int *est, size_t n, size_t k, const char *what)
{
    double *counts = n ? wk_calloc(k * k, sizeof *counts) : NULL;
    for (size_t i = 0; counts && i < n; i++) {
        if (truth[i] < 0 || est[i] < 0 || (size_t)truth[i] >= k || (size_t)est[i] >= k) {
            free(counts);
            wk_log(WK_LOG_ERROR, "%s: label outside 0..%zu", what, k - 1);
            return NULL;
        }
        counts[(size_t)est[i] * k + (size_t)truth[i]] += 1;
    }
    return counts;
}

double wk_partition_match(int *map, const int *truth, const int *est, size_t n, size_t k)
{
    double *cost = contingency(truth, est, n, k, "label matching"), matched = 0;
    if (!cost) return wk_nan();
    for (size_t i = 0; i < k * k; i++) cost[i] = -cost[i];
    if (wk_hungarian(map, cost, k, k) < 0) {
        free(cost);
        return wk_nan();
    }
    for (size_t e = 0; e < k; e++) matched -= cost[e * k + (size_t)map[e]];
    free(cost);
    return matched / (double)n;
}

double wk_partition_purity(const int *truth, const int *est, size_t n, size_t k)
{
    double *counts = contingency(truth, est, n, k, "label purity"), agree = 0;
    if (!counts) return wk_nan();
    for (size_t e = 0; e < k; e++) {
        double top = 0;
        for (size_t t = 0; t < k; t++)
            if (counts[e * k + t] > top) top = counts[e * k + t];
        agree += top;
    }
    free(counts);
    return agree / (double)n;
}
