/* nwb.c - Neurodata Without Borders files (HDF5): an RoiResponseSeries
 * group holds `data` (time x ROIs) and its time as `timestamps` (seconds)
 * or `starting_time` with a `rate` attribute (Hz).
 *
 * nejatbakhsh2020: one worm per file, the series
 * processing/CalciumActivity/SignalRawFluor/SignalCalciumImResponseSeries,
 * labels in processing/CalciumActivity/NeuronIDs/labels, sampled at a fixed
 * 4 Hz (time = k / 4); the recording is "nejatbakhsh2020_<file stem>"; a
 * folder stands for every .nwb file in it.
 *
 * nwb (generic): --traces names the series group (default: the first
 * RoiResponseSeries under /processing, then /acquisition, in name order),
 * --labels a string dataset (default: NeuronIDs/labels of the series'
 * processing module when there is one, else no labels); labels are placed
 * as they are, like the other generic formats. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/dataset_internal.h"
#include "import/matlab_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_util.h"

#define NWB_PATH_SIZE 512
#define NEJATBAKHSH_SERIES "processing/CalciumActivity/SignalRawFluor/SignalCalciumImResponseSeries"
#define NEJATBAKHSH_LABELS "processing/CalciumActivity/NeuronIDs/labels"
#define NEJATBAKHSH_RATE 4.0

/* What one series holds, before it becomes a table. */
struct series {
    const char *file;           /* for messages */
    char path[NWB_PATH_SIZE];   /* the series group */
    char data_path[NWB_PATH_SIZE + 8];
    size_t T, N;                /* data is T x N (after orientation) */
    int transposed;             /* data stored N x T */
    float *data;
    size_t n_labels;
    char **labels;
    double *time;               /* NULL: start + k / rate */
    double start, rate;
};

static void series_clear(struct series *s)
{
    free(s->data);
    wk_strv_free(s->labels, s->n_labels);
    free(s->time);
}

static int require(hid_t loc, const char *file, const char *path)
{
    int e = wk_h5_exists(loc, path);
    if (e < 0) return e;
    return e ? 0 : wk_fail(WK_ENOTFOUND, "'%s': %s: missing", file, path);
}

/* data: T x N (or a single ROI's vector; or T x N x 1). */
static int read_data(struct series *s, hid_t loc)
{
    snprintf(s->data_path, sizeof s->data_path, "%s/data", s->path);
    int rc = require(loc, s->file, s->data_path);
    if (rc < 0) return rc;
    int rank;
    size_t dims[4] = {0, 1, 1, 1};
    if ((rc = wk_h5_read_float(loc, s->data_path, s->file, &rank, dims, &s->data)) < 0) return rc;
    if (rank < 1 || rank > 3 || (rank == 3 && dims[2] != 1))
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a time x neurons matrix, found %d dimensions",
                       s->file, s->data_path, rank);
    s->T = dims[0];
    s->N = rank >= 2 ? dims[1] : 1;
    if (s->T == 0 || s->N == 0)
        return wk_fail(WK_EFORMAT, "'%s': %s: empty matrix (%zu x %zu)", s->file, s->data_path,
                       s->T, s->N);
    return 0;
}

static int read_labels(struct series *s, hid_t loc, const char *path)
{
    int rc = require(loc, s->file, path);
    if (rc < 0) return rc;
    return wk_h5_read_strings(loc, path, s->file, &s->n_labels, &s->labels);
}

/* Unlabeled ROIs: "" each. */
static int no_labels(struct series *s)
{
    if (!(s->labels = wk_calloc(s->N, sizeof *s->labels))) return WK_ENOMEM;
    s->n_labels = s->N;
    for (size_t i = 0; i < s->N; i++)
        if (!(s->labels[i] = wk_strdup(""))) return wk_fail(WK_ENOMEM, "out of memory");
    return 0;
}

/* NWB stores time x ROIs; a file with the labels along the first axis is
 * read transposed. */
static int orient(struct series *s, const char *labels_path, enum wk_import_orientation o)
{
    size_t rows = s->T, cols = s->N;
    if (o == WK_IMPORT_NEURONS_BY_TIME || (o == WK_IMPORT_AUTO_ORIENTATION &&
                                           cols != s->n_labels && rows == s->n_labels)) {
        s->transposed = 1;
        s->T = cols;
        s->N = rows;
    }
    if (s->N != s->n_labels)
        return wk_fail(WK_EFORMAT, "'%s': %s is %zu x %zu (%s: %zu neurons) but %s has %zu entries",
                       s->file, s->data_path, rows, cols,
                       s->transposed ? "neurons x time" : "time x neurons", s->N, labels_path,
                       s->n_labels);
    return 0;
}

static int read_timestamps(struct series *s, hid_t loc, const char *path)
{
    int rank, rc;
    size_t dims[4] = {0, 1, 1, 1};
    if ((rc = wk_h5_read_double(loc, path, s->file, &rank, dims, &s->time)) < 0) return rc;
    size_t n = rank >= 1 ? dims[0] : 1;
    if (rank > 1 || n != s->T)
        return wk_fail(WK_EFORMAT, "'%s': %s has %zu entries but %s has %zu samples", s->file,
                       path, n, s->data_path, s->T);
    return wk_import_check_time(s->time, s->T, s->file, path);
}

static int read_starting_time(struct series *s, hid_t loc, const char *path)
{
    int rank, rc;
    size_t dims[4] = {1, 1, 1, 1};
    double *start = NULL;
    if ((rc = wk_h5_read_double(loc, path, s->file, &rank, dims, &start)) < 0) return rc;
    s->start = start[0];
    free(start);
    hid_t d = H5Dopen2(loc, path, H5P_DEFAULT);
    if (d < 0) return wk_h5_fail(s->file, path);
    rc = wk_h5_get_attr_double(d, "rate", &s->rate);
    H5Dclose(d);
    if (rc == WK_ENOTFOUND)
        return wk_fail(WK_EFORMAT, "'%s': %s: no 'rate' attribute", s->file, path);
    if (rc < 0) return rc;
    if (!isfinite(s->start) || !(isfinite(s->rate) && s->rate > 0))
        return wk_fail(WK_EFORMAT, "'%s': %s: starting time %g, rate %g: expected finite values "
                       "and a positive rate", s->file, path, s->start, s->rate);
    return 0;
}

/* timestamps, else starting_time + rate. */
static int read_time(struct series *s, hid_t loc)
{
    char path[NWB_PATH_SIZE + 16];
    snprintf(path, sizeof path, "%s/timestamps", s->path);
    int e = wk_h5_exists(loc, path);
    if (e < 0) return e;
    if (e) return read_timestamps(s, loc, path);
    snprintf(path, sizeof path, "%s/starting_time", s->path);
    if ((e = wk_h5_exists(loc, path)) < 0) return e;
    if (e) return read_starting_time(s, loc, path);
    return wk_fail(WK_ENOTFOUND, "'%s': %s/timestamps: missing (nor starting_time)", s->file,
                   s->path);
}

static int make_table(struct wk_import_table **out, struct series *s)
{
    struct wk_import_table *t = wk_import_table_alloc(s->T, s->N);
    if (!t) return WK_ENOMEM;
    for (size_t k = 0; k < s->T; k++) {
        t->time[k] = s->time ? s->time[k] : s->start + (double)k / s->rate;
        for (size_t i = 0; i < s->N; i++) {
            float v = s->transposed ? s->data[i * s->T + k] : s->data[k * s->N + i];
            if (isinf(v)) {
                wk_import_table_free(t);
                return wk_fail(WK_EFORMAT, "'%s': %s: infinite value (sample %zu, neuron %zu)",
                               s->file, s->data_path, k + 1, i + 1);
            }
            t->values[k * s->N + i] = v;
        }
    }
    t->dt = s->time ? wk_nan() : 1.0 / s->rate;
    for (size_t i = 0; i < s->N; i++) {
        free(t->labels[i]);
        t->labels[i] = s->labels[i];
        s->labels[i] = NULL;
    }
    *out = t;
    return 0;
}

static int read_nejatbakhsh(struct wk_import_table **out, const struct wk_file *f,
                            const struct wk_import_options *o)
{
    struct series s;
    memset(&s, 0, sizeof s);
    s.file = wk_file_name(f);
    snprintf(s.path, sizeof s.path, "%s", NEJATBAKHSH_SERIES);
    s.rate = NEJATBAKHSH_RATE;
    hid_t loc = wk_file_hid(f);
    int rc;
    if ((rc = read_data(&s, loc)) == 0 && (rc = read_labels(&s, loc, NEJATBAKHSH_LABELS)) == 0 &&
        (rc = orient(&s, NEJATBAKHSH_LABELS, o->orientation)) == 0)
        rc = make_table(out, &s);
    series_clear(&s);
    return rc;
}

static int read_nejatbakhsh_file(const char *path, const struct wk_import_options *o,
                                 wk_import_sink_fn sink, void *ctx)
{
    struct wk_file *f;
    int rc = wk_file_open_hdf5(&f, path);
    if (rc < 0) return rc;
    struct wk_import_table *t = NULL;
    rc = read_nejatbakhsh(&t, f, o);
    wk_file_close(f);
    if (rc < 0) return rc;
    return wk_dataset_emit(t, "nejatbakhsh2020", path, NULL, -1, WK_LABEL_RULES_STANDARD, sink,
                           ctx);
}

/* A file, or every .nwb file of a folder in name order. */
int wk_import_read_nejatbakhsh2020(const char *path, const struct wk_import_options *o,
                                   wk_import_sink_fn sink, void *ctx)
{
    if (!wk_dataset_is_folder(path)) return read_nejatbakhsh_file(path, o, sink, ctx);
    char **files;
    size_t n;
    int rc = wk_dataset_list_folder(&files, &n, path, ".nwb");
    if (rc < 0) return rc;
    if (n == 0) rc = wk_fail(WK_ENOTFOUND, "'%s': no .nwb file in the folder", path);
    for (size_t i = 0; i < n && rc == 0; i++) rc = read_nejatbakhsh_file(files[i], o, sink, ctx);
    wk_strv_free(files, n);
    return rc;
}

/* --- generic NWB --- */

struct find_series {
    char path[NWB_PATH_SIZE];
    const char *prefix;
};

static herr_t visit_series(hid_t loc, const char *name, const H5O_info_t *info, void *data)
{
    struct find_series *fs = data;
    if (info->type != H5O_TYPE_GROUP || strcmp(name, ".") == 0) return 0;
    hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
    if (g < 0) return 0;
    char *type = NULL;
    int found = wk_h5_get_attr_string(g, "neurodata_type", &type) == 0 &&
                strcmp(type, "RoiResponseSeries") == 0;
    free(type);
    H5Gclose(g);
    if (!found) return 0;
    snprintf(fs->path, sizeof fs->path, "%s/%s", fs->prefix, name);
    return 1;
}

static int find_series(char *out, size_t len, hid_t file, const char *name)
{
    static const char *const roots[] = {"processing", "acquisition"};
    for (size_t i = 0; i < 2; i++) {
        if (wk_h5_exists(file, roots[i]) <= 0) continue;
        hid_t g = H5Gopen2(file, roots[i], H5P_DEFAULT);
        if (g < 0) continue;
        struct find_series fs = {"", roots[i]};
        herr_t found = H5Ovisit(g, H5_INDEX_NAME, H5_ITER_INC, visit_series, &fs);
        H5Gclose(g);
        if (found > 0) {
            snprintf(out, len, "%s", fs.path);
            return 0;
        }
    }
    return wk_fail(WK_ENOTFOUND, "'%s': no RoiResponseSeries under /processing or /acquisition "
                   "(see --traces)", name);
}

/* processing/<module>/NeuronIDs/labels for a series under a module. */
static int default_labels(char *out, size_t len, const char *series_path)
{
    if (strncmp(series_path, "processing/", 11) != 0) return 0;
    const char *module_end = strchr(series_path + 11, '/');
    if (!module_end) return 0;
    snprintf(out, len, "%.*s/NeuronIDs/labels", (int)(module_end - series_path), series_path);
    return 1;
}

static int read_generic(struct wk_import_table **out, const struct wk_file *f,
                        const struct wk_import_options *o)
{
    struct series s;
    memset(&s, 0, sizeof s);
    s.file = wk_file_name(f);
    hid_t loc = wk_file_hid(f);
    int rc = 0;
    int user_series = o->traces_path && strcmp(o->traces_path, "traces") != 0;
    int user_labels = o->labels_path && strcmp(o->labels_path, "labels") != 0;
    if (user_series) {
        const char *p = o->traces_path;
        while (*p == '/') p++;
        snprintf(s.path, sizeof s.path, "%s", p);
        size_t len = strlen(s.path);
        while (len > 0 && s.path[len - 1] == '/') s.path[--len] = '\0';
        if (len > 5 && strcmp(s.path + len - 5, "/data") == 0) s.path[len - 5] = '\0';
        rc = require(loc, s.file, s.path);
    } else {
        rc = find_series(s.path, sizeof s.path, loc, s.file);
    }
    char labels[NWB_PATH_SIZE + 32] = "";
    if (rc == 0 && (rc = read_data(&s, loc)) == 0) {
        if (user_labels) {
            snprintf(labels, sizeof labels, "%s", o->labels_path);
            rc = read_labels(&s, loc, labels);
        } else if (default_labels(labels, sizeof labels, s.path) &&
                   (rc = wk_h5_exists(loc, labels)) > 0) {
            rc = read_labels(&s, loc, labels);
        } else if (rc == 0) {
            snprintf(labels, sizeof labels, "%s", s.data_path);
            rc = no_labels(&s);
        }
    }
    if (rc == 0 && (rc = orient(&s, labels, o->orientation)) == 0 && (rc = read_time(&s, loc)) == 0)
        rc = make_table(out, &s);
    series_clear(&s);
    return rc;
}

int wk_import_read_nwb(const char *path, const struct wk_import_options *o,
                       wk_import_sink_fn sink, void *ctx)
{
    struct wk_file *f;
    int rc = wk_file_open_hdf5(&f, path);
    if (rc < 0) return rc;
    struct wk_import_table *t = NULL;
    rc = read_generic(&t, f, o);
    wk_file_close(f);
    if (rc < 0) return rc;
    return sink(t, ctx);
}
