/* h5matrix.c - a plain HDF5 file holding a traces matrix (T x N or N x T),
 * N label strings and a time vector of T seconds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import/dataset_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_util.h"

/* What the file holds, before it becomes a table. */
struct h5matrix {
    const char *name; /* for messages */
    size_t dims[4];
    float *data;
    size_t n_labels;
    char **labels;
    size_t n_time;
    double *time;
};

static void h5matrix_clear(struct h5matrix *m)
{
    free(m->data);
    wk_strv_free(m->labels, m->n_labels);
    free(m->time);
}

/* 0 when the dataset exists; else one message pointing at the option. */
static int require_dataset(hid_t loc, const char *file, const char *path, const char *option)
{
    int exists = wk_h5_exists(loc, path);
    if (exists < 0) return exists;
    if (exists == 0) return wk_fail(WK_ENOTFOUND, "'%s': no dataset '%s' (see %s)", file, path, option);
    hid_t dset = H5Dopen2(loc, path, H5P_DEFAULT);
    if (dset < 0) return 0; /* not a dataset: the read says so */
    int rc = wk_h5_layout_ok(dset, file, path);
    H5Dclose(dset);
    return rc;
}

static int read_traces(struct h5matrix *m, hid_t loc, const char *path)
{
    int rc = require_dataset(loc, m->name, path, "--traces");
    if (rc < 0) return rc;
    int rank;
    if ((rc = wk_h5_read_float(loc, path, m->name, &rank, m->dims, &m->data)) < 0) return rc;
    if (rank != 2)
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a 2-D matrix, found %d dimensions",
                       m->name, path, rank);
    if (m->dims[0] == 0 || m->dims[1] == 0)
        return wk_fail(WK_EFORMAT, "'%s': %s: empty matrix (%zu x %zu)", m->name, path,
                       m->dims[0], m->dims[1]);
    return 0;
}

static int read_labels(struct h5matrix *m, hid_t loc, const char *path)
{
    int rc = require_dataset(loc, m->name, path, "--labels");
    if (rc < 0) return rc;
    return wk_h5_read_strings(loc, path, m->name, &m->n_labels, &m->labels);
}

/* A vector: rank 1, or any rank with at most one dimension above 1. */
static int read_time(struct h5matrix *m, hid_t loc, const char *path)
{
    int rc = require_dataset(loc, m->name, path, "--time, or --no-time with --dt");
    if (rc < 0) return rc;
    int rank;
    size_t dims[4];
    if ((rc = wk_h5_read_double(loc, path, m->name, &rank, dims, &m->time)) < 0) return rc;
    size_t n = 1, long_dims = 0;
    for (int i = 0; i < rank; i++) {
        n *= dims[i];
        long_dims += dims[i] > 1;
    }
    if (long_dims > 1)
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a vector, found a %d-D array", m->name,
                       path, rank);
    m->n_time = n;
    return wk_import_check_time(m->time, n, m->name, path);
}

/* Does reading the matrix as T x N (transposed: N x T) fit the labels and
 * the time vector (n_time 0: no time vector)? */
static int shape_fits(const struct h5matrix *m, int transposed)
{
    size_t T = m->dims[transposed ? 1 : 0], N = m->dims[transposed ? 0 : 1];
    return N == m->n_labels && (m->n_time == 0 || T == m->n_time);
}

static int choose_orientation(const struct h5matrix *m, const struct wk_import_options *o,
                              int *transposed)
{
    const char *what = o->traces_path;
    if (o->orientation != WK_IMPORT_AUTO_ORIENTATION) {
        *transposed = o->orientation == WK_IMPORT_NEURONS_BY_TIME;
    } else if (shape_fits(m, 0)) {
        *transposed = 0;
        if (shape_fits(m, 1))
            wk_log(WK_LOG_INFO, "'%s': %s is %zu x %zu: read as time x neurons "
                   "(use --neurons-by-time for the transpose)", m->name, what, m->dims[0], m->dims[1]);
    } else if (shape_fits(m, 1)) {
        *transposed = 1;
        wk_log(WK_LOG_INFO, "'%s': %s is %zu x %zu: read as neurons x time to match %zu labels",
               m->name, what, m->dims[0], m->dims[1], m->n_labels);
    } else {
        *transposed = 0;
    }
    size_t T = m->dims[*transposed ? 1 : 0], N = m->dims[*transposed ? 0 : 1];
    const char *reading = *transposed ? "neurons x time" : "time x neurons";
    if (N != m->n_labels)
        return wk_fail(WK_EFORMAT, "'%s': %s is %zu x %zu (%s: %zu neurons) but %s has %zu entries",
                       m->name, what, m->dims[0], m->dims[1], reading, N, o->labels_path,
                       m->n_labels);
    if (!o->no_time && T != m->n_time)
        return wk_fail(WK_EFORMAT, "'%s': %s is %zu x %zu (%s: %zu samples) but %s has %zu entries",
                       m->name, what, m->dims[0], m->dims[1], reading, T, o->time_path,
                       m->n_time);
    return 0;
}

static int make_table(struct wk_import_table **out, const struct h5matrix *m,
                      const struct wk_import_options *o, int transposed)
{
    size_t T = m->dims[transposed ? 1 : 0], N = m->dims[transposed ? 0 : 1];
    struct wk_import_table *t = wk_import_table_alloc(T, N);
    if (!t) return WK_ENOMEM;
    for (size_t k = 0; k < T; k++) {
        t->time[k] = m->time ? m->time[k] : (double)k * o->dt;
        for (size_t i = 0; i < N; i++) {
            float v = transposed ? m->data[i * T + k] : m->data[k * N + i];
            if (isinf(v)) {
                wk_import_table_free(t);
                return wk_fail(WK_EFORMAT, "'%s': %s: infinite value (sample %zu, neuron %zu)",
                               m->name, o->traces_path, k, i);
            }
            t->values[k * N + i] = v;
        }
    }
    for (size_t i = 0; i < N; i++) {
        char *copy = wk_strdup(m->labels[i] ? m->labels[i] : "");
        if (!copy) {
            wk_import_table_free(t);
            return wk_fail(WK_ENOMEM, "out of memory");
        }
        free(t->labels[i]);
        t->labels[i] = copy;
    }
    *out = t;
    return 0;
}

static int read_matrix(struct wk_import_table **out, const struct wk_file *f,
                       const struct wk_import_options *o)
{
    struct h5matrix m = {wk_file_name(f), {0, 0, 0, 0}, NULL, 0, NULL, 0, NULL};
    hid_t loc = wk_file_hid(f);
    int rc, transposed;
    char *format = NULL;
    if (wk_h5_get_attr_string(loc, "wormkit_format", &format) == 0) {
        free(format);
        return wk_fail(WK_EFORMAT, "'%s': already a wormkit file (see worm-cat or worm-select)",
                       m.name);
    }
    if (o->no_time && !(isfinite(o->dt) && o->dt > 0))
        rc = wk_fail(WK_EINVAL, "'%s': --no-time needs a positive --dt", m.name);
    else if ((rc = read_traces(&m, loc, o->traces_path)) == 0 &&
             (rc = read_labels(&m, loc, o->labels_path)) == 0 &&
             (o->no_time || (rc = read_time(&m, loc, o->time_path)) == 0) &&
             (rc = choose_orientation(&m, o, &transposed)) == 0)
        rc = make_table(out, &m, o, transposed);
    h5matrix_clear(&m);
    return rc;
}

int wk_import_read_h5matrix(const char *path, const struct wk_import_options *o,
                            wk_import_sink_fn sink, void *ctx)
{
    struct wk_file *f;
    int rc = wk_file_open_hdf5(&f, path);
    if (rc < 0) return rc;
    struct wk_import_table *t = NULL;
    rc = read_matrix(&t, f, o);
    wk_file_close(f);
    if (rc < 0) return rc;
    return sink(t, ctx);
}
