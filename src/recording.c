/* recording.c - one worm's recording in the wormkit-h5 layout
 * (/recordings/<id>/: time, traces, label, present, optional arrays). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"

#define RECORDINGS "/recordings"
#define MAX_ARRAY_RANK 4

/* Attributes and datasets with a fixed meaning in the layout. */
static const char *const STANDARD_ATTRS[] = {"dataset", "worm", "source_file", "dt"};
static const char *const STANDARD_DATASETS[] = {"time", "traces", "label", "present"};

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

static int is_standard_attr(const char *name)
{
    return in_list(name, STANDARD_ATTRS, sizeof STANDARD_ATTRS / sizeof STANDARD_ATTRS[0]);
}

static int is_standard_dataset(const char *name)
{
    return in_list(name, STANDARD_DATASETS, sizeof STANDARD_DATASETS / sizeof STANDARD_DATASETS[0]);
}

/* Replaces *dst with a copy of src. */
static int set_string(char **dst, const char *src)
{
    char *copy = wk_strdup(src ? src : "");
    if (!copy)
        return wk_fail(WK_ENOMEM, "out of memory");
    free(*dst);
    *dst = copy;
    return 0;
}

/* A valid HDF5 link name for ids and array names: non-empty, no '/', not "." */
static int valid_link_name(const char *name)
{
    return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0;
}

/* --- allocation --- */

static void attr_free(struct wk_attr *a)
{
    free(a->key);
    free(a->str);
}

static void array_free(struct wk_array *a)
{
    free(a->name);
    free(a->data);
}

void wk_recording_free(struct wk_recording *rec)
{
    if (!rec)
        return;
    free(rec->id);
    free(rec->dataset);
    free(rec->source_file);
    free(rec->time);
    free(rec->traces);
    wk_strv_free(rec->label, rec->label ? rec->C : 0);
    free(rec->present);
    for (size_t i = 0; i < rec->n_attrs; i++)
        attr_free(&rec->attrs[i]);
    free(rec->attrs);
    for (size_t i = 0; i < rec->n_arrays; i++)
        array_free(&rec->arrays[i]);
    free(rec->arrays);
    free(rec);
}

/* A recording with its scalar fields set to "unknown" and no data. */
static struct wk_recording *recording_new(void)
{
    struct wk_recording *rec = wk_calloc(1, sizeof *rec);
    if (!rec)
        return NULL;
    rec->worm = -1;
    rec->dt = wk_nan();
    rec->id = wk_strdup("");
    rec->dataset = wk_strdup("");
    rec->source_file = wk_strdup("");
    if (!rec->id || !rec->dataset || !rec->source_file) {
        wk_recording_free(rec);
        wk_fail(WK_ENOMEM, "out of memory");
        return NULL;
    }
    return rec;
}

/* Checks T x C against the limits before anything is allocated. */
static int check_size(size_t T, size_t C)
{
    size_t n, bytes;

    if (T == 0)
        return wk_fail(WK_EINVAL, "a recording needs at least one sample");
    if (C < WK_ATLAS_SIZE)
        return wk_fail(WK_EINVAL, "a recording needs at least %d columns, not %zu", WK_ATLAS_SIZE, C);
    if (wk_size_mul(&n, T, C) != 0 || wk_size_mul(&bytes, n, sizeof(float)) != 0 || bytes > WK_MAX_ALLOC)
        return wk_fail(WK_ERANGE, "traces of %zu samples x %zu columns exceed the size limit", T, C);
    return 0;
}

/* Labels of C columns: atlas names, then "" for the extra columns. */
static char **default_labels(size_t C)
{
    char **label = wk_calloc(C, sizeof *label);
    if (!label)
        return NULL;
    for (size_t c = 0; c < C; c++) {
        label[c] = wk_strdup(c < WK_ATLAS_SIZE ? wk_atlas_name(c) : "");
        if (!label[c]) {
            wk_strv_free(label, C);
            wk_fail(WK_ENOMEM, "out of memory");
            return NULL;
        }
    }
    return label;
}

struct wk_recording *wk_recording_alloc(size_t T, size_t C)
{
    struct wk_recording *rec;
    float nan = wk_nanf();

    if (check_size(T, C) < 0)
        return NULL;
    rec = recording_new();
    if (!rec)
        return NULL;
    rec->T = T;
    rec->C = C;
    rec->time = wk_calloc(T, sizeof *rec->time);
    rec->traces = wk_malloc_array(T * C, sizeof *rec->traces);
    rec->present = wk_calloc(C, sizeof *rec->present);
    rec->label = default_labels(C);
    if (!rec->time || !rec->traces || !rec->present || !rec->label) {
        wk_recording_free(rec);
        return NULL;
    }
    float *traces = rec->traces;
    size_t cells = T * C;
#pragma omp simd
    for (size_t i = 0; i < cells; i++)
        traces[i] = nan;
    return rec;
}

static void *memdup(const void *p, size_t n, size_t size)
{
    void *q = wk_malloc_array(n ? n : 1, size);
    if (q && n)
        memcpy(q, p, n * size);
    return q;
}

static int copy_attrs(struct wk_recording *dst, const struct wk_recording *src)
{
    for (size_t i = 0; i < src->n_attrs; i++) {
        const struct wk_attr *a = &src->attrs[i];
        int rc = a->str ? wk_recording_set_attr_string(dst, a->key, a->str)
                        : wk_recording_set_attr_double(dst, a->key, a->num);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int copy_arrays(struct wk_recording *dst, const struct wk_recording *src)
{
    for (size_t i = 0; i < src->n_arrays; i++) {
        const struct wk_array *a = &src->arrays[i];
        int rc = wk_recording_add_array(dst, a->name, a->rank, a->dims, a->data);
        if (rc < 0)
            return rc;
    }
    return 0;
}

struct wk_recording *wk_recording_dup(const struct wk_recording *rec)
{
    struct wk_recording *d;

    if (!rec)
        return NULL;
    d = recording_new();
    if (!d)
        return NULL;
    d->T = rec->T;
    d->C = rec->C;
    d->worm = rec->worm;
    d->dt = rec->dt;
    d->time = memdup(rec->time, rec->T, sizeof *rec->time);
    d->traces = memdup(rec->traces, rec->T * rec->C, sizeof *rec->traces);
    d->present = memdup(rec->present, rec->C, sizeof *rec->present);
    d->label = wk_calloc(rec->C ? rec->C : 1, sizeof *d->label);
    if (!d->time || !d->traces || !d->present || !d->label)
        goto fail;
    for (size_t c = 0; c < rec->C; c++)
        if (set_string(&d->label[c], rec->label[c]) < 0)
            goto fail;
    if (set_string(&d->id, rec->id) < 0 || set_string(&d->dataset, rec->dataset) < 0 ||
        set_string(&d->source_file, rec->source_file) < 0 || copy_attrs(d, rec) < 0 || copy_arrays(d, rec) < 0)
        goto fail;
    return d;
fail:
    wk_recording_free(d);
    return NULL;
}

/* --- setters --- */

int wk_recording_set_id(struct wk_recording *rec, const char *id)
{
    return set_string(&rec->id, id);
}

int wk_recording_set_dataset(struct wk_recording *rec, const char *dataset)
{
    return set_string(&rec->dataset, dataset);
}

int wk_recording_set_source(struct wk_recording *rec, const char *source_file)
{
    return set_string(&rec->source_file, source_file);
}

int wk_recording_set_label(struct wk_recording *rec, size_t col, const char *label)
{
    if (col >= rec->C)
        return wk_fail(WK_EINVAL, "column %zu is out of range (recording has %zu columns)", col, rec->C);
    return set_string(&rec->label[col], label);
}

const struct wk_attr *wk_recording_attr(const struct wk_recording *rec, const char *key)
{
    for (size_t i = 0; i < rec->n_attrs; i++)
        if (strcmp(rec->attrs[i].key, key) == 0)
            return &rec->attrs[i];
    return NULL;
}

/* The extra attribute `key`, appended (empty) when new. */
static struct wk_attr *attr_slot(struct wk_recording *rec, const char *key)
{
    struct wk_attr *a = (struct wk_attr *)wk_recording_attr(rec, key), *v;

    if (a)
        return a;
    if (!valid_link_name(key) || is_standard_attr(key)) {
        wk_fail(WK_EINVAL, "invalid extra attribute name '%s'", key ? key : "");
        return NULL;
    }
    v = wk_realloc_array(rec->attrs, rec->n_attrs + 1, sizeof *v);
    if (!v)
        return NULL;
    rec->attrs = v;
    a = &v[rec->n_attrs];
    memset(a, 0, sizeof *a);
    a->key = wk_strdup(key);
    if (!a->key) {
        wk_fail(WK_ENOMEM, "out of memory");
        return NULL;
    }
    rec->n_attrs++;
    return a;
}

int wk_recording_set_attr_string(struct wk_recording *rec, const char *key, const char *value)
{
    struct wk_attr *a = attr_slot(rec, key);
    char *copy;

    if (!a)
        return WK_EINVAL;
    copy = wk_strdup(value ? value : "");
    if (!copy)
        return wk_fail(WK_ENOMEM, "out of memory");
    free(a->str);
    a->str = copy;
    a->num = 0;
    return 0;
}

int wk_recording_set_attr_double(struct wk_recording *rec, const char *key, double value)
{
    struct wk_attr *a = attr_slot(rec, key);

    if (!a)
        return WK_EINVAL;
    free(a->str);
    a->str = NULL;
    a->num = value;
    return 0;
}

/* --- optional arrays --- */

struct wk_array *wk_recording_array(const struct wk_recording *rec, const char *name)
{
    for (size_t i = 0; i < rec->n_arrays; i++)
        if (strcmp(rec->arrays[i].name, name) == 0)
            return &rec->arrays[i];
    return NULL;
}

/* Checks an array's name and shape; *n receives its element count. */
static int check_array(const char *name, int rank, const size_t *dims, size_t *n)
{
    size_t count = 1, bytes;

    if (!valid_link_name(name) || is_standard_dataset(name))
        return wk_fail(WK_EINVAL, "invalid array name '%s'", name ? name : "");
    if (rank < 1 || rank > MAX_ARRAY_RANK)
        return wk_fail(WK_EINVAL, "array '%s': rank %d is not supported (1 to %d)", name, rank, MAX_ARRAY_RANK);
    for (int i = 0; i < rank; i++)
        if (wk_size_mul(&count, count, dims[i]) != 0)
            return wk_fail(WK_ERANGE, "array '%s': dimensions overflow", name);
    if (wk_size_mul(&bytes, count, sizeof(float)) != 0 || bytes > WK_MAX_ALLOC)
        return wk_fail(WK_ERANGE, "array '%s': %zu elements exceed the size limit", name, count);
    *n = count;
    return 0;
}

int wk_recording_adopt_array(struct wk_recording *rec, const char *name, int rank, const size_t *dims,
                             float *data)
{
    struct wk_array a = {NULL, rank, {0, 0, 0, 0}, data}, *slot, *v;
    size_t n = 0;
    int rc = check_array(name, rank, dims, &n);

    if (rc < 0) {
        free(data);
        return rc;
    }
    memcpy(a.dims, dims, (size_t)rank * sizeof *dims);
    a.name = wk_strdup(name);
    if (!a.name || !a.data) {
        array_free(&a);
        return wk_fail(WK_ENOMEM, "out of memory");
    }
    slot = wk_recording_array(rec, name);
    if (!slot) {
        v = wk_realloc_array(rec->arrays, rec->n_arrays + 1, sizeof *v);
        if (!v) {
            array_free(&a);
            return WK_ENOMEM;
        }
        rec->arrays = v;
        slot = &v[rec->n_arrays++];
    } else {
        array_free(slot);
    }
    *slot = a;
    return 0;
}

int wk_recording_add_array(struct wk_recording *rec, const char *name, int rank, const size_t *dims,
                           const float *data)
{
    size_t n = 0;
    int rc = check_array(name, rank, dims, &n);

    if (rc < 0)
        return rc;
    return wk_recording_adopt_array(rec, name, rank, dims, memdup(data, n, sizeof *data));
}

/* WK_ENOTFOUND (not logged) when there is no such array. */
int wk_recording_remove_array(struct wk_recording *rec, const char *name)
{
    struct wk_array *a = wk_recording_array(rec, name);
    size_t i;

    if (!a)
        return WK_ENOTFOUND;
    i = (size_t)(a - rec->arrays);
    array_free(a);
    memmove(a, a + 1, (rec->n_arrays - i - 1) * sizeof *a);
    rec->n_arrays--;
    return 0;
}

/* --- derived values --- */

/* Branch-free (fabsf(x) <= FLT_MAX: finite), so that it vectorizes. */
void wk_recording_update_present(struct wk_recording *rec)
{
    unsigned char *present = rec->present;
    size_t C = rec->C;

    memset(present, 0, C);
    for (size_t t = 0; t < rec->T; t++) {
        const float *row = rec->traces + t * C;
#pragma omp simd
        for (size_t c = 0; c < C; c++)
            present[c] |= (unsigned char)(fabsf(row[c]) <= FLT_MAX);
    }
}

double wk_recording_median_dt(const struct wk_recording *rec)
{
    size_t n;
    double *d, median;

    if (rec->T < 2)
        return wk_nan();
    n = rec->T - 1;
    d = wk_malloc_array(n, sizeof *d);
    if (!d)
        return wk_nan();
    for (size_t i = 0; i < n; i++)
        d[i] = rec->time[i + 1] - rec->time[i];
    median = wk_median_inplace(d, n);
    free(d);
    return median;
}

/* --- validation --- */

static int check_time(const struct wk_recording *rec, const char *file)
{
    for (size_t t = 0; t < rec->T; t++) {
        if (!isfinite(rec->time[t]))
            return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/time: not finite at sample %zu", file, rec->id, t);
        if (t > 0 && !(rec->time[t] > rec->time[t - 1]))
            return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/time: not strictly increasing at sample %zu", file,
                           rec->id, t);
    }
    return 0;
}

static int check_labels(const struct wk_recording *rec, const char *file)
{
    for (size_t c = 0; c < rec->C; c++) {
        const char *want = c < WK_ATLAS_SIZE ? wk_atlas_name(c) : NULL;
        if (!rec->label[c])
            return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/label: column %zu has no label", file, rec->id, c);
        if (want && strcmp(rec->label[c], want) != 0)
            return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/label: column %zu is '%.64s', expected '%s'", file,
                           rec->id, c, rec->label[c], want);
    }
    return 0;
}

static int check_present(const struct wk_recording *rec, const char *file)
{
    for (size_t c = 0; c < rec->C; c++)
        if (rec->present[c] > 1)
            return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/present: column %zu is %d, expected 0 or 1", file,
                           rec->id, c, rec->present[c]);
    return 0;
}

static int check_arrays(const struct wk_recording *rec, const char *file)
{
    for (size_t i = 0; i < rec->n_arrays; i++) {
        const struct wk_array *a = &rec->arrays[i];
        if (!valid_link_name(a->name) || is_standard_dataset(a->name))
            return wk_fail(WK_EFORMAT, "'%s': /recordings/%s: invalid array name '%s'", file, rec->id,
                           a->name ? a->name : "");
        if (a->rank < 1 || a->rank > MAX_ARRAY_RANK || !a->data)
            return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/%s: rank %d is not supported (1 to %d)", file,
                           rec->id, a->name, a->rank, MAX_ARRAY_RANK);
    }
    return 0;
}

int wk_recording_validate(const struct wk_recording *rec, const char *file)
{
    int rc;

    if (!file)
        file = "recording";
    if (rec->T == 0)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/time: no samples", file, rec->id);
    if (rec->C < WK_ATLAS_SIZE)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/traces: %zu columns, expected at least %d", file, rec->id,
                       rec->C, WK_ATLAS_SIZE);
    if (!rec->time || !rec->traces || !rec->label || !rec->present)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s: incomplete recording", file, rec->id);
    rc = check_time(rec, file);
    if (rc == 0)
        rc = check_labels(rec, file);
    if (rc == 0)
        rc = check_present(rec, file);
    if (rc == 0)
        rc = check_arrays(rec, file);
    return rc;
}

/* --- listing --- */

struct name_list {
    char **v;
    size_t n, cap;
    int rc;
};

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    struct name_list *l = data;
    (void)g;
    (void)info;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **v = wk_realloc_array(l->v, cap, sizeof *v);
        if (!v) {
            l->rc = WK_ENOMEM;
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = wk_strdup(name);
    if (!l->v[l->n]) {
        l->rc = wk_fail(WK_ENOMEM, "out of memory");
        return -1;
    }
    l->n++;
    return 0;
}

/* Link names of group g: in creation order when tracked, else by name. */
static int list_links(hid_t g, const char *file, const char *path, char ***names, size_t *n)
{
    struct name_list l = {NULL, 0, 0, 0};
    hid_t gcpl = H5Gget_create_plist(g);
    unsigned order = 0;
    hsize_t idx = 0;
    char what[600];

    if (gcpl >= 0) {
        H5Pget_link_creation_order(gcpl, &order);
        H5Pclose(gcpl);
    }
    snprintf(what, sizeof what, "%s: cannot list", path);
    if (H5Literate(g, (order & H5P_CRT_ORDER_TRACKED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME, H5_ITER_INC, &idx,
                   collect_name, &l) < 0 &&
        l.rc == 0)
        l.rc = wk_h5_fail(file, what);
    if (l.rc < 0) {
        wk_strv_free(l.v, l.n);
        return l.rc;
    }
    *names = l.v;
    *n = l.n;
    return 0;
}

/* Attribute names of object o: in creation order when tracked, else by name. */
static herr_t collect_attr_name(hid_t o, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    return collect_name(o, name, NULL, data);
}

static int list_attrs(hid_t o, const char *file, const char *path, char ***names, size_t *n)
{
    struct name_list l = {NULL, 0, 0, 0};
    hid_t ocpl = H5Gget_create_plist(o);
    unsigned order = 0;
    hsize_t idx = 0;
    char what[600];

    if (ocpl >= 0) {
        H5Pget_attr_creation_order(ocpl, &order);
        H5Pclose(ocpl);
    }
    snprintf(what, sizeof what, "%s: cannot list attributes", path);
    if (H5Aiterate2(o, (order & H5P_CRT_ORDER_TRACKED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME, H5_ITER_INC, &idx,
                    collect_attr_name, &l) < 0 &&
        l.rc == 0)
        l.rc = wk_h5_fail(file, what);
    if (l.rc < 0) {
        wk_strv_free(l.v, l.n);
        return l.rc;
    }
    *names = l.v;
    *n = l.n;
    return 0;
}

int wk_file_recording_ids(const struct wk_file *f, char ***ids, size_t *n)
{
    hid_t g;
    int rc;

    *ids = NULL;
    *n = 0;
    rc = wk_h5_exists(wk_file_hid(f), RECORDINGS);
    if (rc <= 0)
        return rc;
    g = H5Gopen2(wk_file_hid(f), RECORDINGS, H5P_DEFAULT);
    if (g < 0)
        return wk_h5_fail(wk_file_name(f), RECORDINGS ": cannot open");
    rc = list_links(g, wk_file_name(f), RECORDINGS, ids, n);
    H5Gclose(g);
    return rc;
}

int wk_file_has_recording(const struct wk_file *f, const char *id)
{
    char path[512];

    if (!valid_link_name(id) || strlen(id) > 400)
        return 0;
    snprintf(path, sizeof path, RECORDINGS "/%s", id);
    return wk_h5_exists(wk_file_hid(f), path);
}

/* --- reading --- */

/* Message context while reading one recording. */
struct reading {
    const char *file;
    const char *id;
    hid_t g;
};

static int read_time(struct wk_recording *rec, const struct reading *r)
{
    size_t dims[4];
    int rank, rc = wk_h5_read_double(r->g, "time", r->file, &rank, dims, &rec->time);

    if (rc < 0)
        return rc;
    if (rank != 1)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/time: expected a 1-D array, got rank %d", r->file, r->id,
                       rank);
    if (dims[0] == 0)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/time: no samples", r->file, r->id);
    rec->T = dims[0];
    return 0;
}

static int read_traces(struct wk_recording *rec, const struct reading *r)
{
    size_t dims[4];
    int rank, rc = wk_h5_read_float(r->g, "traces", r->file, &rank, dims, &rec->traces);

    if (rc < 0)
        return rc;
    if (rank != 2)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/traces: expected a 2-D array, got rank %d", r->file, r->id,
                       rank);
    if (dims[0] != rec->T)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/traces: %zu rows, expected %zu (the length of time)",
                       r->file, r->id, dims[0], rec->T);
    if (dims[1] < WK_ATLAS_SIZE)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/traces: %zu columns, expected at least %d", r->file, r->id,
                       dims[1], WK_ATLAS_SIZE);
    rec->C = dims[1];
    return 0;
}

static int read_label(struct wk_recording *rec, const struct reading *r)
{
    size_t n;
    int rc = wk_h5_read_strings(r->g, "label", r->file, &n, &rec->label);

    if (rc < 0)
        return rc;
    if (n != rec->C) {
        wk_strv_free(rec->label, n);
        rec->label = NULL;
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/label: %zu labels, expected %zu (the columns of traces)",
                       r->file, r->id, n, rec->C);
    }
    return 0;
}

static int read_present(struct wk_recording *rec, const struct reading *r)
{
    size_t dims[4];
    int rank, rc = wk_h5_read_uint8(r->g, "present", r->file, &rank, dims, &rec->present);

    if (rc < 0)
        return rc;
    if (rank != 1 || dims[0] != rec->C)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/present: expected %zu values (the columns of traces)",
                       r->file, r->id, rec->C);
    return 0;
}

static int read_string_attr(hid_t g, const char *name, char **dst)
{
    char *v;
    int rc = wk_h5_get_attr_string(g, name, &v);

    if (rc == WK_ENOTFOUND)
        return 0; /* keep the default */
    if (rc < 0)
        return rc;
    free(*dst);
    *dst = v;
    return 0;
}

static int read_standard_attrs(struct wk_recording *rec, const struct reading *r)
{
    int rc = read_string_attr(r->g, "dataset", &rec->dataset);

    if (rc == 0)
        rc = read_string_attr(r->g, "source_file", &rec->source_file);
    if (rc == 0) {
        rc = wk_h5_get_attr_long(r->g, "worm", &rec->worm);
        rc = rc == WK_ENOTFOUND ? 0 : rc;
    }
    if (rc == 0) {
        rc = wk_h5_get_attr_double(r->g, "dt", &rec->dt);
        rc = rc == WK_ENOTFOUND ? 0 : rc;
    }
    return rc;
}

/* One extra attribute: a string or a single number; others are dropped
 * with a warning (the layout has no place for them). */
static int read_extra_attr(struct wk_recording *rec, const struct reading *r, const char *name)
{
    hid_t a = H5Aopen(r->g, name, H5P_DEFAULT), type, space;
    H5T_class_t cls;
    hssize_t n;
    char *s;
    double v;
    int rc = 0;

    if (a < 0)
        return wk_h5_fail(r->file, "cannot open attribute");
    type = H5Aget_type(a);
    space = H5Aget_space(a);
    cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    n = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    H5Aclose(a);
    if (n == 1 && cls == H5T_STRING) {
        rc = wk_h5_get_attr_string(r->g, name, &s);
        if (rc == 0) {
            rc = wk_recording_set_attr_string(rec, name, s);
            free(s);
        }
    } else if (n == 1 && (cls == H5T_INTEGER || cls == H5T_FLOAT)) {
        rc = wk_h5_get_attr_double(r->g, name, &v);
        if (rc == 0)
            rc = wk_recording_set_attr_double(rec, name, v);
    } else {
        wk_log(WK_LOG_WARN, "'%s': /recordings/%s: attribute '%s' is not a string or a number; dropped", r->file,
               r->id, name);
    }
    return rc;
}

static int read_extra_attrs(struct wk_recording *rec, const struct reading *r, const char *path)
{
    char **names = NULL;
    size_t n = 0;
    int rc = list_attrs(r->g, r->file, path, &names, &n);

    for (size_t i = 0; i < n && rc == 0; i++)
        if (!is_standard_attr(names[i]))
            rc = read_extra_attr(rec, r, names[i]);
    wk_strv_free(names, n);
    return rc;
}

/* An array beside traces: any numeric dataset, converted to float. */
static int read_extra_array(struct wk_recording *rec, const struct reading *r, const char *name)
{
    hid_t obj = H5Oopen(r->g, name, H5P_DEFAULT);
    int is_dataset = obj >= 0 && H5Iget_type(obj) == H5I_DATASET, numeric = 0;
    size_t dims[4] = {1, 0, 0, 0};
    int rank, rc;
    float *data;

    if (is_dataset) {
        hid_t type = H5Dget_type(obj);
        H5T_class_t cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
        numeric = cls == H5T_INTEGER || cls == H5T_FLOAT;
        if (type >= 0)
            H5Tclose(type);
    }
    if (obj >= 0)
        H5Oclose(obj);
    if (!numeric) {
        wk_log(WK_LOG_WARN, "'%s': /recordings/%s/%s: not a numeric array; dropped", r->file, r->id, name);
        return 0;
    }
    rc = wk_h5_read_float(r->g, name, r->file, &rank, dims, &data);
    if (rc < 0)
        return rc;
    if (rank == 0) { /* a scalar dataset becomes a one-element array */
        rank = 1;
        dims[0] = 1;
    }
    rc = wk_recording_add_array(rec, name, rank, dims, data);
    free(data);
    return rc;
}

static int read_extra_arrays(struct wk_recording *rec, const struct reading *r, const char *path)
{
    char **names;
    size_t n;
    int rc = list_links(r->g, r->file, path, &names, &n);

    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!is_standard_dataset(names[i]))
            rc = read_extra_array(rec, r, names[i]);
    wk_strv_free(names, n);
    return rc;
}

static int read_group(struct wk_recording *rec, const struct reading *r, const char *path)
{
    int rc = read_time(rec, r);

    if (rc == 0)
        rc = read_traces(rec, r);
    if (rc == 0)
        rc = read_label(rec, r);
    if (rc == 0)
        rc = read_present(rec, r);
    if (rc == 0)
        rc = read_standard_attrs(rec, r);
    if (rc == 0)
        rc = read_extra_attrs(rec, r, path);
    if (rc == 0)
        rc = read_extra_arrays(rec, r, path);
    if (rc == 0)
        rc = wk_recording_validate(rec, r->file);
    return rc;
}

int wk_recording_read(const struct wk_file *f, const char *id, struct wk_recording **out)
{
    struct reading r = {wk_file_name(f), id, -1};
    struct wk_recording *rec;
    char path[512];
    int rc;

    *out = NULL;
    rc = wk_file_has_recording(f, id);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return wk_fail(WK_ENOTFOUND, "'%s': no recording '%s'", r.file, id ? id : "");
    snprintf(path, sizeof path, RECORDINGS "/%s", id);
    rec = recording_new();
    if (!rec)
        return WK_ENOMEM;
    rc = wk_recording_set_id(rec, id);
    if (rc == 0) {
        r.g = H5Gopen2(wk_file_hid(f), path, H5P_DEFAULT);
        if (r.g < 0)
            rc = wk_h5_fail(r.file, "cannot open the recording group");
    }
    if (rc == 0)
        rc = read_group(rec, &r, path);
    if (r.g >= 0)
        H5Gclose(r.g);
    if (rc < 0) {
        wk_recording_free(rec);
        return rc;
    }
    *out = rec;
    return 0;
}

/* --- writing --- */

static int write_attrs(hid_t g, const struct wk_recording *rec)
{
    int rc = wk_h5_set_attr_string(g, "dataset", rec->dataset);

    if (rc == 0)
        rc = wk_h5_set_attr_long(g, "worm", rec->worm);
    if (rc == 0)
        rc = wk_h5_set_attr_string(g, "source_file", rec->source_file);
    if (rc == 0)
        rc = wk_h5_set_attr_double(g, "dt", rec->dt);
    for (size_t i = 0; i < rec->n_attrs && rc == 0; i++) {
        const struct wk_attr *a = &rec->attrs[i];
        rc = a->str ? wk_h5_set_attr_string(g, a->key, a->str) : wk_h5_set_attr_double(g, a->key, a->num);
    }
    return rc;
}

static int write_datasets(hid_t g, const struct wk_recording *rec)
{
    size_t dims[2] = {rec->T, rec->C};
    int rc = wk_h5_write_double(g, "time", 1, dims, rec->time);

    if (rc == 0)
        rc = wk_h5_write_float(g, "traces", 2, dims, rec->traces);
    if (rc == 0)
        rc = wk_h5_write_strings(g, "label", rec->C, rec->label);
    if (rc == 0)
        rc = wk_h5_write_uint8(g, "present", 1, &rec->C, rec->present);
    for (size_t i = 0; i < rec->n_arrays && rc == 0; i++) {
        const struct wk_array *a = &rec->arrays[i];
        rc = wk_h5_write_float(g, a->name, a->rank, a->dims, a->data);
    }
    return rc;
}

int wk_recording_write(struct wk_file *f, const struct wk_recording *rec)
{
    const char *file = wk_file_name(f);
    hid_t root, g;
    int rc = wk_recording_validate(rec, file);

    if (rc < 0)
        return rc;
    if (!valid_link_name(rec->id) || strlen(rec->id) > 400)
        return wk_fail(WK_EINVAL, "'%s': recording id '%.64s' is not a valid name", file, rec->id);
    rc = wk_file_has_recording(f, rec->id);
    if (rc != 0)
        return rc < 0 ? rc : wk_fail(WK_EEXIST, "'%s': recording '%s' already exists", file, rec->id);
    rc = wk_h5_ensure_group(wk_file_hid(f), RECORDINGS, &root);
    if (rc < 0)
        return rc;
    rc = wk_h5_ensure_group(root, rec->id, &g);
    if (rc == 0) {
        rc = write_attrs(g, rec);
        if (rc == 0)
            rc = write_datasets(g, rec);
        H5Gclose(g);
        if (rc < 0) /* leave no half-written recording behind */
            H5Ldelete(root, rec->id, H5P_DEFAULT);
    }
    H5Gclose(root);
    return rc;
}
