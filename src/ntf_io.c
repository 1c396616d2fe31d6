/* ntf_io.c - NTF models to HDF5 and to a TSV summary (layout in wk_ntf.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_affinity.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_ntf.h"
#include "wormkit/wk_util.h"

/* Column r of F [n][R] as float rows: out[r][i]. */
static float *factor_rows(const double *F, size_t n, size_t R)
{
    float *out = wk_malloc_array(n * R, sizeof *out);
    if (!out) return NULL;
    for (size_t r = 0; r < R; r++)
        for (size_t i = 0; i < n; i++) out[r * n + i] = (float)F[i * R + r];
    return out;
}

static int write_factor(hid_t g, const char *name, const double *F, size_t n, size_t R)
{
    float *rows = factor_rows(F, n, R);
    if (!rows) return WK_ENOMEM;
    size_t dims[2] = {R, n};
    int rc = wk_h5_write_float(g, name, 2, dims, rows);
    free(rows);
    return rc;
}

static int write_matrices(hid_t g, const struct wk_ntf_model *m, size_t N)
{
    size_t n;
    if (wk_size_mul(&n, N, N) || wk_size_mul(&n, n, m->R)) return wk_fail(WK_ERANGE, "f_a matrices too large");
    float *M = wk_calloc(n, sizeof *M);
    if (!M) return WK_ENOMEM;
    for (size_t r = 0; r < m->R; r++) {
        float *Mr = M + r * N * N;
        size_t p = 0;
        for (size_t i = 0; i < N; i++)
            for (size_t j = i + 1; j < N; j++, p++)
                Mr[i * N + j] = Mr[j * N + i] = (float)m->A[p * m->R + r];
    }
    size_t dims[3] = {m->R, N, N};
    int rc = wk_h5_write_float(g, "f_a_matrix", 3, dims, M);
    free(M);
    return rc;
}

int wk_ntf_write_model(hid_t group, const struct wk_ntf_model *m, const struct wk_ntf_axes *ax)
{
    if (wk_affinity_n_pairs(ax->N) != m->P)
        return wk_fail(WK_EINVAL, "%zu neurons do not match %zu pairs", ax->N, m->P);
    int rc = write_factor(group, "f_a", m->A, m->P, m->R);
    if (!rc) rc = write_matrices(group, m, ax->N);
    if (!rc) rc = wk_h5_write_strings(group, "neurons", ax->N, ax->neurons);
    if (!rc) rc = write_factor(group, "f_t", m->B, m->T, m->R);
    if (!rc) rc = wk_h5_write_double(group, "time", 1, &m->T, ax->time);
    if (!rc) rc = write_factor(group, "f_w", m->C, m->W, m->R);
    if (!rc) rc = wk_h5_write_strings(group, "recordings", m->W, ax->recordings);
    if (!rc) rc = wk_h5_write_double(group, "lambda", 1, &m->R, m->lambda);
    if (!rc && m->n_trace) rc = wk_h5_write_double(group, "error_trace", 1, &m->n_trace, m->trace);
    if (!rc) rc = wk_h5_set_attr_long(group, "rank", (long)m->R);
    if (!rc) rc = wk_h5_set_attr_double(group, "error", m->error);
    if (!rc) rc = wk_h5_set_attr_double(group, "fit", 1 - m->error);
    if (!rc) rc = wk_h5_set_attr_long(group, "iterations", m->iterations);
    if (!rc) rc = wk_h5_set_attr_long(group, "converged", m->converged);
    return rc;
}

/* Indices of the `top` largest values of column r of F [n][R], decreasing
 * (ties: lower index first). */
static size_t top_indices(const double *F, size_t n, size_t R, size_t r, size_t top, size_t *idx)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double v = F[i * R + r];
        size_t pos = k < top ? k++ : top;
        while (pos > 0 && F[idx[pos - 1] * R + r] < v) {
            if (pos < top) idx[pos] = idx[pos - 1];
            pos--;
        }
        if (pos < top) idx[pos] = i;
    }
    return k;
}

static void peak_window(const struct wk_ntf_model *m, const double *time, size_t r, double *peak,
                        double *start, double *end)
{
    size_t R = m->R, best = 0;
    for (size_t t = 1; t < m->T; t++)
        if (m->B[t * R + r] > m->B[best * R + r]) best = t;
    double half = 0.5 * m->B[best * R + r];
    size_t a = best, b = best;
    while (a > 0 && m->B[(a - 1) * R + r] >= half) a--;
    while (b + 1 < m->T && m->B[(b + 1) * R + r] >= half) b++;
    *peak = time[best];
    *start = time[a];
    *end = time[b];
}

static void write_component(FILE *fp, const struct wk_ntf_model *m, const struct wk_ntf_axes *ax, size_t r,
                            size_t top, size_t *idx)
{
    double peak, start, end;
    peak_window(m, ax->time, r, &peak, &start, &end);
    fprintf(fp, "%zu\t%zu\t%.6g\t%.6g\t%.6g\t%.6g\t", m->R, r + 1, m->lambda[r], peak, start, end);
    size_t k = top_indices(m->A, m->P, m->R, r, top, idx);
    for (size_t q = 0; q < k; q++) {
        size_t i, j;
        wk_affinity_pair_of(ax->N, idx[q], &i, &j);
        fprintf(fp, "%s%s-%s:%.4g", q ? "," : "", ax->neurons[i], ax->neurons[j], m->A[idx[q] * m->R + r]);
    }
    fputc('\t', fp);
    k = top_indices(m->C, m->W, m->R, r, top, idx);
    for (size_t q = 0; q < k; q++) fprintf(fp, "%s%s", q ? "," : "", ax->recordings[idx[q]]);
    fputc('\n', fp);
}

int wk_ntf_write_summary(FILE *fp, const struct wk_ntf_model *m, const struct wk_ntf_axes *ax, size_t top,
                         int header)
{
    size_t *idx = wk_malloc_array(top ? top : 1, sizeof *idx);
    if (!idx) return WK_ENOMEM;
    if (header)
        fputs("rank\tcomponent\tlambda\tpeak_time\twindow_start\twindow_end\ttop_pairs\ttop_worms\n", fp);
    for (size_t r = 0; r < m->R; r++) write_component(fp, m, ax, r, top, idx);
    free(idx);
    if (ferror(fp)) return wk_fail(errno == EPIPE ? WK_EPIPE : WK_EIO, "cannot write the summary: %s", strerror(errno));
    return 0;
}
