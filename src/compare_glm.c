/* compare_glm.c - the ground truth of worm-simulate glm and the scores of
 * switching GLM fits against it (worm-glm --truth, worm-compare --truth). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_compare.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_glm.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"

#define TRUTH_GROUP "/results/simulate/glm"

void wk_glm_truth_free(struct wk_glm_truth *t)
{
    if (!t) return;
    free(t->W);
    free(t->adj);
    wk_strv_free(t->neurons, t->N);
    free(t);
}

static int read_truth(struct wk_glm_truth *t, hid_t g, const char *path)
{
    int rank, ra;
    size_t dims[4], da[4], n = 0;
    int rc = wk_h5_read_double(g, "W", path, &rank, dims, &t->W);
    if (!rc) rc = wk_h5_read_int(g, "adjacency", path, &ra, da, &t->adj);
    if (!rc) rc = wk_h5_read_strings(g, "neurons", path, &n, &t->neurons);
    if (rc) return rc;
    t->N = n;
    if (rank != 3 || dims[1] != dims[2] || dims[1] != n)
        return wk_fail(WK_EFORMAT, "'%s': %s/W: shape is not [S][N][N] of the neurons", path, TRUTH_GROUP);
    if (ra != 3 || da[0] != dims[0] || da[1] != n || da[2] != n)
        return wk_fail(WK_EFORMAT, "'%s': %s/adjacency: shape differs from W", path, TRUTH_GROUP);
    t->S = dims[0];
    for (size_t i = 0; i < t->S * n * n; i++)
        if (t->adj[i] < 0 || t->adj[i] > 2)
            return wk_fail(WK_EFORMAT, "'%s': %s/adjacency: class %d is not 0, 1 or 2", path, TRUTH_GROUP, t->adj[i]);
    return 0;
}

int wk_glm_truth_read(struct wk_glm_truth **out, const char *path)
{
    *out = NULL;
    struct wk_file *f = NULL;
    int rc = wk_file_open(&f, path);
    if (rc) return rc;
    struct wk_glm_truth *t = wk_calloc(1, sizeof *t);
    if (!t) rc = WK_ENOMEM;
    if (!rc && wk_h5_exists(wk_file_hid(f), TRUTH_GROUP) != 1)
        rc = wk_fail(WK_ENOTFOUND, "'%s': no %s (not made by worm-simulate glm)", path, TRUTH_GROUP);
    if (!rc) {
        hid_t g = H5Gopen2(wk_file_hid(f), TRUTH_GROUP, H5P_DEFAULT);
        rc = g < 0 ? wk_h5_fail(path, TRUTH_GROUP) : read_truth(t, g, path);
        if (g >= 0) H5Gclose(g);
    }
    wk_file_close(f);
    if (rc) {
        wk_glm_truth_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int wk_glm_truth_states(int *z, const char *path, const char *id, size_t T)
{
    struct wk_file *f = NULL;
    struct wk_recording *rec = NULL;
    int rc = wk_file_open(&f, path);
    if (!rc) rc = wk_recording_read(f, id, &rec);
    if (!rc) {
        const struct wk_array *a = wk_recording_array(rec, "truth_state");
        if (!a) rc = wk_fail(WK_ENOTFOUND, "'%s': /recordings/%s/truth_state: missing", path, id);
        else if (a->rank != 1 || a->dims[0] != T)
            rc = wk_fail(WK_EFORMAT, "'%s': /recordings/%s/truth_state: length differs from the input", path, id);
        for (size_t t = 0; !rc && t < T; t++) {
            float v = a->data[t];
            if (!(v >= 0 && v < WK_GLM_MAX_STATES) || v != floorf(v))
                rc = wk_fail(WK_EFORMAT, "'%s': /recordings/%s/truth_state: bad state %g", path, id, (double)v);
            else z[t] = (int)v;
        }
    }
    wk_recording_free(rec);
    wk_file_close(f);
    return rc;
}

int wk_glm_truth_align(double *Wt, int *adjt, const double *W, const int *adj, char *const *names, size_t S,
                       size_t N, const struct wk_glm_truth *t, const char *file)
{
    if (t->N != N || t->S != S)
        return wk_fail(WK_EINVAL, "'%s': truth has %zu states and %zu neurons, the fit %zu and %zu", file, t->S,
                       t->N, S, N);
    size_t *to = wk_calloc(N + 1, sizeof *to);
    if (!to) return WK_ENOMEM;
    int rc = 0;
    for (size_t k = 0; k < N && !rc; k++) {
        size_t j = 0;
        while (j < N && strcmp(t->neurons[j], names[k]) != 0) j++;
        if (j == N) rc = wk_fail(WK_EINVAL, "'%s': neuron %s is not in the truth", file, names[k]);
        to[k] = j;
    }
    for (size_t s = 0; s < S && !rc; s++)
        for (size_t a = 0; a < N; a++)
            for (size_t b = 0; b < N; b++) {
                size_t dst = (s * N + to[a]) * N + to[b], src = (s * N + a) * N + b;
                Wt[dst] = W[src];
                adjt[dst] = adj[src];
            }
    free(to);
    return rc;
}

int wk_glm_truth_spec(const char *path)
{
    if (!path) return 0;
    struct wk_file *file = NULL;
    if (wk_file_probe_hdf5(&file, path) < 0) return 0;
    hid_t f = wk_file_hid(file);
    htri_t has;
    H5E_BEGIN_TRY { has = H5Lexists(f, "/results", H5P_DEFAULT) > 0 && H5Lexists(f, "/results/simulate", H5P_DEFAULT) > 0 &&
                          H5Lexists(f, TRUTH_GROUP, H5P_DEFAULT) > 0; }
    H5E_END_TRY;
    wk_file_close(file);
    return has > 0;
}

/* What worm-compare needs of a worm-glm result. */
struct fit_file {
    size_t S, N, n, total;
    double *W;
    int *adj, *paths;
    char **names, **ids;
    unsigned char *test;
    size_t *T;
    double test_ll;
};

static void fit_file_free(struct fit_file *f)
{
    free(f->W);
    free(f->adj);
    free(f->paths);
    wk_strv_free(f->names, f->N);
    wk_strv_free(f->ids, f->n);
    free(f->test);
    free(f->T);
}

static int read_paths(struct fit_file *f, hid_t g, const char *path)
{
    f->T = wk_calloc(f->n + 1, sizeof *f->T);
    if (!f->T) return WK_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < f->n && !rc; i++) {
        char name[512];
        snprintf(name, sizeof name, "sequences/%s/viterbi", f->ids[i]);
        int rank, *v = NULL;
        size_t dims[4];
        rc = wk_h5_read_int(g, name, path, &rank, dims, &v);
        if (!rc && rank != 1) rc = wk_fail(WK_EFORMAT, "'%s': /results/glm/%s: not a 1-D state path", path, name);
        if (rc) {
            free(v);
            break;
        }
        int *grown = wk_realloc_array(f->paths, f->total + dims[0] + 1, sizeof *grown);
        if (!grown) rc = WK_ENOMEM;
        else {
            f->paths = grown;
            memcpy(f->paths + f->total, v, dims[0] * sizeof *v);
            f->T[i] = dims[0];
            f->total += dims[0];
        }
        free(v);
    }
    return rc;
}

static int read_fit(struct fit_file *f, const char *path)
{
    struct wk_file *file = NULL;
    int rc = wk_file_open(&file, path);
    if (rc) return rc;
    hid_t g = -1;
    if (wk_h5_exists(wk_file_hid(file), "/results/glm") != 1)
        rc = wk_fail(WK_ENOTFOUND, "'%s': no /results/glm (not made by worm-glm)", path);
    else if ((g = H5Gopen2(wk_file_hid(file), "/results/glm", H5P_DEFAULT)) < 0)
        rc = wk_h5_fail(path, "/results/glm");
    int rank = 0, ra = 0, rt = 0;
    size_t dims[4] = {0}, da[4] = {0}, dt[4] = {0};
    if (!rc) rc = wk_h5_read_double(g, "W", path, &rank, dims, &f->W);
    if (!rc) rc = wk_h5_read_int(g, "adjacency", path, &ra, da, &f->adj);
    if (!rc) rc = wk_h5_read_strings(g, "neurons", path, &f->N, &f->names);
    if (!rc) rc = wk_h5_read_strings(g, "recordings", path, &f->n, &f->ids);
    if (!rc) rc = wk_h5_read_uint8(g, "test", path, &rt, dt, &f->test);
    if (!rc && (rank != 3 || dims[1] != f->N || dims[2] != f->N || ra != 3 || da[0] != dims[0] || rt != 1 ||
                dt[0] != f->n))
        rc = wk_fail(WK_EFORMAT, "'%s': /results/glm: W, adjacency, neurons and test disagree", path);
    if (!rc) {
        f->S = dims[0];
        if (wk_h5_get_attr_double(g, "test_loglik", &f->test_ll) != 0) f->test_ll = wk_nan();
        rc = read_paths(f, g, path);
    }
    if (g >= 0) H5Gclose(g);
    wk_file_close(file);
    return rc;
}

int wk_glm_compare(struct wk_compare_result *r, const char *result_file, const char *truth_file)
{
    struct fit_file f;
    memset(&f, 0, sizeof f);
    struct wk_glm_truth *t = NULL;
    double *W = NULL;
    int *adj = NULL, *z = NULL;
    int rc = read_fit(&f, result_file);
    if (!rc) rc = wk_glm_truth_read(&t, truth_file);
    if (!rc) {
        W = wk_calloc(f.S * f.N * f.N + 1, sizeof *W);
        adj = wk_calloc(f.S * f.N * f.N + 1, sizeof *adj);
        z = wk_calloc(2 * f.total + 1, sizeof *z);
        if (!W || !adj || !z) rc = WK_ENOMEM;
    }
    if (!rc) rc = wk_glm_truth_align(W, adj, f.W, f.adj, f.names, f.S, f.N, t, truth_file);
    size_t k = 0, off = 0, n_test = 0;
    for (size_t i = 0; !rc && i < f.n; i++) n_test += f.test[i] != 0;
    for (size_t i = 0; i < f.n && !rc; i++) {
        if ((f.test[i] != 0) == (n_test > 0)) {
            rc = wk_glm_truth_states(z + k, truth_file, f.ids[i], f.T[i]);
            if (f.T[i] > 0) memcpy(z + f.total + k, f.paths + off, f.T[i] * sizeof *z);
            k += f.T[i];
        }
        off += f.T[i];
    }
    struct wk_glm_truth_scores sc = {0, 0, 0, 0, 0};
    if (!rc) {
        int map[WK_GLM_MAX_STATES];
        rc = wk_glm_score(&sc, map, z + f.total, z, k, W, t->W, adj, t->adj, f.S, f.N);
    }
    if (!rc) {
        wk_compare_result_add(r, "state_accuracy", sc.state_accuracy);
        wk_compare_result_add(r, "weight_mse", sc.weight_mse);
        wk_compare_result_add(r, "test_loglik", f.test_ll);
        wk_compare_result_add(r, "test_loglik_per_sequence", n_test ? f.test_ll / (double)n_test : wk_nan());
        wk_compare_result_add(r, "adjacency_accuracy", sc.adjacency_accuracy);
        wk_compare_result_add(r, "balanced_accuracy", sc.balanced_accuracy);
        wk_compare_result_add(r, "macro_f1", sc.macro_f1);
    }
    free(W);
    free(adj);
    free(z);
    wk_glm_truth_free(t);
    fit_file_free(&f);
    return rc;
}
