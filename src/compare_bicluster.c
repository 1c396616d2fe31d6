/* compare_bicluster.c - score a worm-bicluster summary against the truth of
 * worm-simulate bicluster (for worm-compare --truth). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_bicluster.h"
#include "wormkit/wk_compare.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_partition.h"
#include "wormkit/wk_util.h"

static int read_labels(hid_t loc, const char *path, const char *file, size_t want, int **out)
{
    int rank;
    size_t dims[4];
    int rc = wk_h5_read_int(loc, path, file, &rank, dims, out);
    if (rc < 0) return rc;
    if (rank != 1 || (want && dims[0] != want)) return wk_fail(WK_EFORMAT, "'%s': %s: unexpected shape", file, path);
    for (size_t i = 0; i < dims[0]; i++)
        if ((*out)[i] < 0 || (*out)[i] > 100000) return wk_fail(WK_EFORMAT, "'%s': %s: label out of range", file, path);
    return 0;
}

static size_t count_labels(const int *a, size_t n)
{
    int top = -1;
    for (size_t i = 0; i < n; i++)
        if (a[i] > top) top = a[i];
    size_t distinct = 0;
    unsigned char *seen = calloc((size_t)top + 1, 1);
    if (!seen) return 0;
    for (size_t i = 0; i < n; i++)
        if (!seen[a[i]]) seen[a[i]] = 1, distinct++;
    free(seen);
    return distinct;
}

/* Accuracy after the best one-to-one relabelling, and purity (each
 * estimated label read as its majority true label). */
static double match_accuracy(const int *truth, const int *est, size_t n, double *purity)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if ((size_t)truth[i] + 1 > k) k = (size_t)truth[i] + 1;
        if ((size_t)est[i] + 1 > k) k = (size_t)est[i] + 1;
    }
    int *map = wk_calloc(k, sizeof(int));
    double acc = map ? wk_partition_match(map, truth, est, n, k) : NAN;
    *purity = map ? wk_partition_purity(truth, est, n, k) : NAN;
    free(map);
    return acc;
}

int wk_compare_bicluster(struct wk_compare_result *r, const char *fit_file, const char *truth_file)
{
    struct wk_file *fit = NULL, *truth = NULL;
    int rc = wk_file_open(&fit, fit_file);
    if (!rc) rc = wk_file_open(&truth, truth_file);
    char *recording = NULL;
    int *zn = NULL, *xs = NULL, *tz = NULL, *ts = NULL;
    hid_t hf = fit ? wk_file_hid(fit) : -1;
    if (!rc && wk_h5_exists(hf, "/results/bicluster/summary") <= 0)
        rc = wk_fail(WK_EFORMAT, "'%s': no /results/bicluster/summary (run worm-bicluster summarize)", fit_file);
    hid_t g = rc ? -1 : H5Gopen2(hf, "/results/bicluster", H5P_DEFAULT);
    if (!rc && (g < 0 || wk_h5_get_attr_string(g, "recording", &recording) < 0))
        rc = wk_fail(WK_EFORMAT, "'%s': /results/bicluster: no recording attribute", fit_file);
    if (g >= 0) H5Gclose(g);
    size_t N = 0, T = 0;
    if (!rc) {
        char path[300];
        int rank;
        size_t dims[4];
        snprintf(path, sizeof path, "/results/simulate/%s/neuron_cluster", recording);
        rc = wk_h5_read_int(wk_file_hid(truth), path, truth_file, &rank, dims, &tz);
        if (!rc && rank != 1) rc = wk_fail(WK_EFORMAT, "'%s': %s: unexpected shape", truth_file, path);
        if (!rc) N = dims[0];
        snprintf(path, sizeof path, "/results/simulate/%s/state", recording);
        if (!rc) rc = wk_h5_read_int(wk_file_hid(truth), path, truth_file, &rank, dims, &ts);
        if (!rc && rank != 1) rc = wk_fail(WK_EFORMAT, "'%s': %s: unexpected shape", truth_file, path);
        if (!rc) T = dims[0];
    }
    if (!rc) rc = read_labels(hf, "/results/bicluster/summary/neuron_maxpear", fit_file, N, &zn);
    if (!rc) rc = read_labels(hf, "/results/bicluster/summary/state_maxpear", fit_file, T, &xs);
    if (!rc) {
        double purity, acc = match_accuracy(ts, xs, T, &purity);
        wk_compare_result_add(r, "neuron_ari", wk_partition_ari(tz, zn, N));
        wk_compare_result_add(r, "neuron_nmi", wk_partition_nmi(tz, zn, N));
        wk_compare_result_add(r, "clusters_true", (double)count_labels(tz, N));
        wk_compare_result_add(r, "clusters_estimated", (double)count_labels(zn, N));
        wk_compare_result_add(r, "state_ari", wk_partition_ari(ts, xs, T));
        wk_compare_result_add(r, "state_accuracy", acc);
        wk_compare_result_add(r, "state_mismatched_bins", round((1 - acc) * (double)T));
        wk_compare_result_add(r, "state_majority_mismatched_bins", round((1 - purity) * (double)T));
        wk_compare_result_add(r, "states_true", (double)count_labels(ts, T));
        wk_compare_result_add(r, "states_estimated", (double)count_labels(xs, T));
    }
    free(recording), free(zn), free(xs), free(tz), free(ts);
    wk_file_close(fit);
    wk_file_close(truth);
    return rc;
}

int wk_bicluster_truth_spec(const char *spec)
{
    if (!spec || strcmp(spec, "-") == 0 || strchr(spec, ':')) return 0;
    FILE *fp = fopen(spec, "rb");
    unsigned char sig[8] = {0};
    size_t got = fp ? fread(sig, 1, sizeof sig, fp) : 0;
    if (fp) fclose(fp);
    static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (got != sizeof sig || memcmp(sig, hdf5_sig, sizeof sig) != 0) return 0;
    struct wk_file *file = NULL;
    if (wk_file_probe_hdf5(&file, spec) < 0) return 0; /* failures are not errors here */
    hid_t h = wk_file_hid(file);
    int found = 0;
    hid_t g = wk_h5_exists(h, "/results/simulate") == 1 ? H5Gopen2(h, "/results/simulate", H5P_DEFAULT) : -1;
    H5G_info_t info;
    if (g >= 0 && H5Gget_info(g, &info) >= 0)
        for (hsize_t k = 0; !found && k < info.nlinks; k++) {
            char name[256];
            if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, k, name, sizeof name, H5P_DEFAULT) <= 0) continue;
            hid_t sub = H5Gopen2(g, name, H5P_DEFAULT);
            if (sub < 0) continue;
            char *model = NULL;
            if (wk_h5_get_attr_string(sub, "model", &model) == 0 && strcmp(model, "bicluster") == 0) found = 1;
            free(model);
            H5Gclose(sub);
        }
    if (g >= 0) H5Gclose(g);
    wk_file_close(file);
    return found;
}
