/* affinity_io.c - recordings in, affinity tensors out and back (layout in
 * wk_affinity.h and worm-affinity(1)). */
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_affinity.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

void wk_affinity_input_free(struct wk_affinity_input *in)
{
    if (!in) return;
    for (size_t w = 0; w < in->W; w++) wk_affinity_worm_free(in->worms[w]);
    free(in->worms);
    wk_strv_free(in->ids, in->W);
    free(in->cols);
    free(in->lengths);
    free(in->time);
    free(in);
}

/* Grow the per-worm arrays of in to hold one more worm. */
static int grow(struct wk_affinity_input *in, size_t *cap)
{
    if (in->W < *cap) return 0;
    size_t n = *cap ? 2 * *cap : 8;
    struct wk_affinity_worm **worms = wk_realloc_array(in->worms, n, sizeof *worms);
    if (!worms) return WK_ENOMEM;
    in->worms = worms;
    char **ids = wk_realloc_array(in->ids, n, sizeof *ids);
    if (!ids) return WK_ENOMEM;
    in->ids = ids;
    size_t *lengths = wk_realloc_array(in->lengths, n, sizeof *lengths);
    if (!lengths) return WK_ENOMEM;
    in->lengths = lengths;
    *cap = n;
    return 0;
}

void wk_affinity_worm_warn_floored(const struct wk_affinity_worm *w, const size_t *cols, const char *file,
                                   const char *id)
{
    for (size_t k = 0; k < w->N; k++)
        if (w->floored[k])
            wk_log(WK_LOG_WARN,
                   "'%s': recording '%s': neuron '%s': the derivative's MAD is (near) 0, a step-like or quantized "
                   "trace; scaled by %g x its RMS instead (see worm-affinity(1))",
                   file, id, wk_atlas_name(cols ? cols[k] : k), WK_AFFINITY_SPREAD_FLOOR);
}

/* The warnings of every worm, after keep_neurons; worms first[i] ..
 * first[i + 1] - 1 come from files[i]. */
static void warn_floored(const struct wk_affinity_input *in, struct wk_file *const *files, size_t n_files,
                         const size_t *first)
{
    for (size_t i = 0; i < n_files; i++)
        for (size_t w = first[i]; w < first[i + 1]; w++)
            wk_affinity_worm_warn_floored(in->worms[w], in->cols, wk_file_name(files[i]), in->ids[w]);
}

static int add_recording(struct wk_affinity_input *in, size_t *cap, const struct wk_recording *rec,
                         const struct wk_affinity_opts *o, const size_t *all_cols, unsigned char *seen)
{
    int rc = grow(in, cap);
    if (rc) return rc;
    struct wk_affinity_worm *w;
    rc = wk_affinity_worm_from_recording(&w, rec, all_cols, WK_ATLAS_SIZE, o, NULL);
    if (rc) return rc;
    char *id = wk_strdup(rec->id);
    if (!id) {
        wk_affinity_worm_free(w);
        return wk_fail(WK_ENOMEM, "out of memory");
    }
    if (rec->T > in->T) {
        double *time = wk_malloc_array(rec->T, sizeof *time);
        if (!time) {
            free(id);
            wk_affinity_worm_free(w);
            return WK_ENOMEM;
        }
        memcpy(time, rec->time, rec->T * sizeof *time);
        free(in->time);
        in->time = time;
        in->T = rec->T;
    }
    for (size_t c = 0; c < WK_ATLAS_SIZE && c < rec->C; c++)
        if (rec->present[c]) seen[c] = 1;
    in->worms[in->W] = w;
    in->ids[in->W] = id;
    in->lengths[in->W] = rec->T;
    in->W++;
    return 0;
}

static int read_file(struct wk_affinity_input *in, size_t *cap, struct wk_file *f,
                     const struct wk_affinity_opts *o, const size_t *all_cols, unsigned char *seen)
{
    char **ids;
    size_t n;
    int rc = wk_file_recording_ids(f, &ids, &n);
    if (rc) return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        struct wk_recording *rec = NULL;
        rc = wk_recording_read(f, ids[i], &rec);
        if (!rc) rc = add_recording(in, cap, rec, o, all_cols, seen);
        wk_recording_free(rec);
    }
    wk_strv_free(ids, n);
    return rc;
}

/* Keep the neurons in->cols of every worm (signals are per neuron, so a
 * subset of columns is exact). */
static int keep_neurons(struct wk_affinity_input *in)
{
    long *from = wk_malloc_array(in->N + 1, sizeof *from);
    if (!from) return WK_ENOMEM;
    for (size_t k = 0; k < in->N; k++) from[k] = (long)in->cols[k];
    int rc = 0;
    for (size_t w = 0; w < in->W && !rc; w++) rc = wk_affinity_worm_keep_columns(in->worms[w], from, in->N);
    free(from);
    return rc;
}

int wk_affinity_input_read(struct wk_affinity_input **out, struct wk_file *const *files, size_t n_files,
                           const struct wk_affinity_opts *o, int all_neurons)
{
    *out = NULL;
    struct wk_affinity_input *in = wk_calloc(1, sizeof *in);
    if (!in) return WK_ENOMEM;
    size_t all_cols[WK_ATLAS_SIZE], cap = 0;
    unsigned char seen[WK_ATLAS_SIZE] = {0};
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++) all_cols[c] = c;
    size_t *first = wk_calloc(n_files + 1, sizeof *first);
    int rc = first ? 0 : WK_ENOMEM;
    for (size_t i = 0; i < n_files && !rc; i++) {
        rc = read_file(in, &cap, files[i], o, all_cols, seen);
        first[i + 1] = in->W;
    }
    if (!rc && in->W == 0)
        rc = wk_fail(WK_EINVAL, "'%s': no recording to compute affinities from",
                     n_files ? wk_file_name(files[n_files - 1]) : "stdin");
    if (!rc) {
        in->cols = wk_malloc_array(WK_ATLAS_SIZE, sizeof *in->cols);
        if (!in->cols) rc = WK_ENOMEM;
    }
    if (!rc) {
        for (size_t c = 0; c < WK_ATLAS_SIZE; c++)
            if (all_neurons || seen[c]) in->cols[in->N++] = c;
        if (in->N < 2)
            rc = wk_fail(WK_EINVAL, "'%s': fewer than 2 atlas neurons are present in the recordings",
                         wk_file_name(files[n_files - 1]));
    }
    if (!rc) {
        in->P = wk_affinity_n_pairs(in->N);
        rc = keep_neurons(in);
    }
    if (!rc) warn_floored(in, files, n_files, first);
    free(first);
    if (rc) {
        wk_affinity_input_free(in);
        return rc;
    }
    in->set.P = in->P;
    in->set.T = in->T;
    in->set.W = in->W;
    in->set.worms = in->worms;
    *out = in;
    return 0;
}

int wk_affinity_input_dense(const struct wk_affinity_input *in, float **values)
{
    *values = NULL;
    size_t n;
    if (wk_size_mul(&n, in->W, in->T) || wk_size_mul(&n, n, in->P))
        return wk_fail(WK_ERANGE, "affinity tensor of %zu x %zu x %zu is too large", in->P, in->T, in->W);
    float *X = wk_malloc_array(n, sizeof *X);
    double *row = wk_malloc_array(in->P, sizeof *row);
    int rc = (!X || !row) ? WK_ENOMEM : 0;
    for (size_t w = 0; w < in->W && !rc; w++)
        for (size_t t = 0; t < in->T && !rc; t++) {
            rc = wk_affinity_slice(in->worms[w], t, row);
            float *dst = X ? X + (w * in->T + t) * in->P : NULL;
            for (size_t p = 0; p < in->P && !rc; p++) dst[p] = (float)row[p];
        }
    free(row);
    if (rc) {
        free(X);
        return rc;
    }
    *values = X;
    return 0;
}

static int write_axes(hid_t g, const struct wk_affinity_input *in)
{
    char **names = wk_calloc(in->N, sizeof *names);
    int *pairs = wk_malloc_array(2 * in->P, sizeof *pairs);
    int *lengths = wk_malloc_array(in->W, sizeof *lengths);
    int rc = (!names || !pairs || !lengths) ? WK_ENOMEM : 0;
    if (!rc) {
        for (size_t k = 0; k < in->N; k++) names[k] = (char *)wk_atlas_name(in->cols[k]);
        for (size_t p = 0; p < in->P; p++) {
            size_t i, j;
            wk_affinity_pair_of(in->N, p, &i, &j);
            pairs[2 * p] = (int)i;
            pairs[2 * p + 1] = (int)j;
        }
        for (size_t w = 0; w < in->W; w++) lengths[w] = (int)in->lengths[w];
        rc = wk_h5_write_strings(g, "neurons", in->N, names);
        if (!rc) rc = wk_h5_write_int(g, "pairs", 2, (const size_t[]){in->P, 2}, pairs);
        if (!rc) rc = wk_h5_write_double(g, "time", 1, &in->T, in->time);
        if (!rc) rc = wk_h5_write_strings(g, "recordings", in->W, in->ids);
        if (!rc) rc = wk_h5_write_int(g, "length", 1, &in->W, lengths);
    }
    free(names);
    free(pairs);
    free(lengths);
    return rc;
}

int wk_affinity_input_write(struct wk_file *f, const struct wk_affinity_input *in)
{
    const struct wk_affinity_opts *o = &in->worms[0]->opts;
    float *X;
    int rc = wk_affinity_input_dense(in, &X);
    if (rc) return rc;
    hid_t g;
    rc = wk_h5_ensure_group(wk_file_hid(f), WK_AFFINITY_GROUP, &g);
    if (rc) {
        free(X);
        return rc;
    }
    size_t dims[3] = {in->W, in->T, in->P};
    rc = wk_h5_write_float(g, "values", 3, dims, X);
    free(X);
    if (!rc) rc = write_axes(g, in);
    if (!rc) rc = wk_h5_set_attr_string(g, "family", wk_affinity_family_name(o->family));
    if (!rc) rc = wk_h5_set_attr_string(g, "variant", wk_affinity_variant_name(o->variant));
    if (!rc) rc = wk_h5_set_attr_double(g, "sigma", o->sigma);
    if (!rc) rc = wk_h5_set_attr_long(g, "window", (long)o->window);
    if (!rc) rc = wk_h5_set_attr_string(g, "pair_order", "row-major upper triangle: p = i N - i (i + 1) / 2 + (j - i - 1)");
    H5Gclose(g);
    return rc;
}

void wk_affinity_tensor_free(struct wk_affinity_tensor *t)
{
    if (!t) return;
    free(t->values);
    wk_strv_free(t->neurons, t->N);
    wk_strv_free(t->recordings, t->W);
    free(t->time);
    free(t);
}

int wk_affinity_tensor_read(struct wk_affinity_tensor **out, const struct wk_file *f)
{
    *out = NULL;
    hid_t root = wk_file_hid(f);
    const char *name = wk_file_name(f);
    int rc = wk_h5_exists(root, WK_AFFINITY_GROUP "/values");
    if (rc <= 0) return rc < 0 ? rc : WK_ENOTFOUND;
    struct wk_affinity_tensor *t = wk_calloc(1, sizeof *t);
    if (!t) return WK_ENOMEM;
    int rank;
    size_t dims[4], n;
    rc = wk_h5_read_float(root, WK_AFFINITY_GROUP "/values", name, &rank, dims, &t->values);
    if (!rc && rank != 3)
        rc = wk_fail(WK_EFORMAT, "'%s': " WK_AFFINITY_GROUP "/values: rank %d, expected 3 ([W][T][P])", name, rank);
    if (!rc) {
        t->W = dims[0];
        t->T = dims[1];
        t->P = dims[2];
        rc = wk_h5_read_strings(root, WK_AFFINITY_GROUP "/neurons", name, &t->N, &t->neurons);
    }
    if (!rc && wk_affinity_n_pairs(t->N) != t->P)
        rc = wk_fail(WK_EFORMAT, "'%s': " WK_AFFINITY_GROUP "/neurons: %zu neurons give %zu pairs, values has %zu",
                     name, t->N, wk_affinity_n_pairs(t->N), t->P);
    if (!rc) rc = wk_h5_read_strings(root, WK_AFFINITY_GROUP "/recordings", name, &n, &t->recordings);
    if (!rc && n != t->W) {
        wk_strv_free(t->recordings, n);
        t->recordings = NULL;
        rc = wk_fail(WK_EFORMAT, "'%s': " WK_AFFINITY_GROUP "/recordings: %zu ids for %zu worms", name, n, t->W);
    }
    if (!rc) rc = wk_h5_read_double(root, WK_AFFINITY_GROUP "/time", name, &rank, dims, &t->time);
    if (!rc && (rank != 1 || dims[0] != t->T))
        rc = wk_fail(WK_EFORMAT, "'%s': " WK_AFFINITY_GROUP "/time: length does not match values (%zu samples)",
                     name, t->T);
    if (!rc && t->W && t->T && t->P) {
        size_t total = t->W * t->T * t->P;
        for (size_t i = 0; i < total; i++)
            if (t->values[i] < 0 || isinf(t->values[i])) {
                rc = wk_fail(WK_EFORMAT, "'%s': " WK_AFFINITY_GROUP "/values: entry %zu is %g (affinities are finite and >= 0)",
                             name, i, (double)t->values[i]);
                break;
            }
    }
    if (rc) {
        if (!t->recordings) t->W = 0;
        if (!t->neurons) t->N = 0;
        wk_affinity_tensor_free(t);
        return rc;
    }
    *out = t;
    return 0;
}
