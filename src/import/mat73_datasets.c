/* mat73_datasets.c - the published datasets stored as MATLAB v7.3 files:
 * kato2015, nichols2017, skora2018, kaplan2020, uzel2022.
 *
 * Each file holds one struct whose fields are cell arrays with one element
 * per worm: the neuron IDs (a cell of IDs per worm), the traces (a time x
 * neurons matrix per worm) and the time vector (seconds).  A field that is
 * a plain matrix instead of a cell is one worm.  The worm in cell element
 * {k+1} of file STEM.mat becomes the table "<dataset>_STEM_w<k>" (k from 0,
 * also its worm attribute; messages name the MATLAB element, {k+1}).
 * A folder stands for every .mat file in it, in name order. */
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

#define MAX_VARIANTS 3

/* One dataset: the names its files use for the struct and the fields, in
 * order of preference. */
struct mat73_dataset {
    const char *name;
    const char *struct_name; /* NULL: the file stem */
    const char *ids[MAX_VARIANTS];
    const char *traces[MAX_VARIANTS];
    const char *time[MAX_VARIANTS];
};

static const struct mat73_dataset datasets[] = {
    {"kato2015", NULL, {"IDs", "NeuronNames", NULL}, {"traces", "deltaFOverF_bc", NULL},
     {"timeVectorSeconds", "tv", NULL}},
    {"nichols2017", NULL, {"IDs", NULL, NULL}, {"traces", NULL, NULL},
     {"timeVectorSeconds", NULL, NULL}},
    {"skora2018", NULL, {"IDs", NULL, NULL}, {"traces", NULL, NULL},
     {"timeVectorSeconds", NULL, NULL}},
    /* Neuron2019_Data_RIShisCl.mat holds RIShisCl_Neuron2019 (see kaplan_struct) */
    {"kaplan2020", NULL, {"neuron_ID", NULL, NULL}, {"traces_bleach_corrected", NULL, NULL},
     {"time_vector", NULL, NULL}},
    {"uzel2022", "Uzel_WT", {"IDs", NULL, NULL}, {"traces", NULL, NULL}, {"tv", NULL, NULL}},
};

static const struct mat73_dataset *dataset_find(const char *name)
{
    for (size_t i = 0; i < sizeof datasets / sizeof datasets[0]; i++)
        if (strcmp(datasets[i].name, name) == 0) return &datasets[i];
    return NULL;
}

/* One field of the struct: its object and, when it is a cell, its elements. */
struct field {
    const char *name;
    char where[WK_MAT_WHERE_SIZE]; /* "WT_Stim/traces" */
    hid_t id;
    int is_cell;
    struct wk_mat73_cell cell;
};

/* Everything open while one file is read. */
struct reader {
    const struct mat73_dataset *d;
    const char *path;
    const char *file; /* for messages */
    char *struct_name;
    struct field ids, traces, time;
};

static void field_close(struct field *f)
{
    wk_mat73_cell_clear(&f->cell);
    if (f->id >= 0) H5Oclose(f->id);
    f->id = -1;
}

/* "Neuron2019_Data_RIShisCl" -> "RIShisCl_Neuron2019" (NULL when the stem
 * does not start so). */
static char *kaplan_struct(const char *stem)
{
    static const char prefix[] = "Neuron2019_Data_";
    if (strncmp(stem, prefix, sizeof prefix - 1) != 0) return NULL;
    const char *rest = stem + sizeof prefix - 1;
    size_t len = strlen(rest) + sizeof "_Neuron2019";
    char *s = malloc(len);
    if (s) snprintf(s, len, "%s_Neuron2019", rest);
    return s;
}

static int open_struct(struct reader *r, hid_t file, hid_t *group)
{
    char *stem = wk_path_stem(r->path);
    char *kaplan = stem ? kaplan_struct(stem) : NULL;
    const char *names[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    if (r->d->struct_name) names[n++] = r->d->struct_name;
    if (kaplan) names[n++] = kaplan;
    if (stem) names[n++] = stem;
    int rc = n ? wk_mat73_find_struct(group, &r->struct_name, file, names, r->file)
               : wk_fail(WK_ENOMEM, "out of memory");
    free(kaplan);
    free(stem);
    return rc;
}

static int open_field(struct reader *r, hid_t group, struct field *f,
                      const char *const variants[MAX_VARIANTS])
{
    f->id = -1;
    for (size_t i = 0; i < MAX_VARIANTS && variants[i]; i++)
        if (wk_mat73_open(&f->id, group, variants[i]) == 0) {
            f->name = variants[i];
            break;
        }
    if (f->id < 0) {
        char also[128] = "";
        for (size_t i = 1; i < MAX_VARIANTS && variants[i]; i++)
            snprintf(also + strlen(also), sizeof also - strlen(also), "%s%s",
                     i == 1 ? " (nor " : " or ", variants[i]);
        if (also[0]) strncat(also, ")", sizeof also - strlen(also) - 1);
        return wk_fail(WK_ENOTFOUND, "'%s': %s/%s: missing%s", r->file, r->struct_name,
                       variants[0], also);
    }
    snprintf(f->where, sizeof f->where, "%.120s/%.120s", r->struct_name, f->name);
    f->is_cell = wk_mat73_is_cell(f->id);
    if (f->is_cell) return wk_mat73_read_cell(&f->cell, f->id, r->file, f->where);
    return 0;
}

/* Number of worms: the fields' cell lengths, which must agree. */
static int count_worms(const struct reader *r, size_t *n)
{
    const struct field *fields[3] = {&r->ids, &r->traces, &r->time};
    size_t count[3];
    for (int i = 0; i < 3; i++) count[i] = fields[i]->is_cell ? fields[i]->cell.n : 1;
    /* IDs as one cell of labels with traces not in a cell: one worm */
    if (!r->traces.is_cell && !r->time.is_cell) count[0] = 1;
    for (int i = 1; i < 3; i++)
        if (count[i] != count[0])
            return wk_fail(WK_EFORMAT, "'%s': %s has %zu entries but %s has %zu (one per worm)",
                           r->file, fields[i]->where, count[i], fields[0]->where, count[0]);
    if (count[0] == 0) return wk_fail(WK_EFORMAT, "'%s': %s: no worm", r->file, r->ids.where);
    *n = count[0];
    return 0;
}

/* The object of worm k in field f (a new handle), and its name. */
static int worm_object(const struct reader *r, const struct field *f, size_t k, int single,
                       hid_t *obj, char *where)
{
    if (single || !f->is_cell) {
        snprintf(where, WK_MAT_WHERE_SIZE, "%s", f->where);
        *obj = H5Oopen(f->id, ".", H5P_DEFAULT);
        return *obj < 0 ? wk_h5_fail(r->file, where) : 0;
    }
    snprintf(where, WK_MAT_WHERE_SIZE, "%.200s{%zu}", f->where, k + 1);
    return wk_mat73_cell_open(obj, &f->cell, k, r->file, where);
}

/* A time vector: any 1 x T or T x 1 matrix. */
static int read_time(const struct reader *r, hid_t obj, const char *where, struct wk_mat_matrix *m)
{
    int rc = wk_mat73_read_matrix(m, obj, r->file, where);
    if (rc < 0) return rc;
    if (m->rows != 1 && m->cols != 1)
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a vector, found a %zu x %zu matrix",
                       r->file, where, m->rows, m->cols);
    return 0;
}

static int read_worm(struct reader *r, size_t k, wk_import_sink_fn sink, void *ctx)
{
    /* IDs of a single worm may be the cell of labels itself */
    int single_ids = !r->traces.is_cell && !r->time.is_cell;
    char ids_where[WK_MAT_WHERE_SIZE], traces_where[WK_MAT_WHERE_SIZE], time_where[WK_MAT_WHERE_SIZE];
    hid_t ids = -1, traces = -1, time = -1;
    struct wk_mat_matrix m = {0, 0, NULL}, tv = {0, 0, NULL};
    char **labels = NULL;
    size_t n_labels = 0;
    struct wk_import_table *t = NULL;
    int rc;
    if ((rc = worm_object(r, &r->ids, k, single_ids, &ids, ids_where)) == 0 &&
        (rc = worm_object(r, &r->traces, k, 0, &traces, traces_where)) == 0 &&
        (rc = worm_object(r, &r->time, k, 0, &time, time_where)) == 0 &&
        (rc = wk_mat73_read_labels(&labels, &n_labels, ids, r->file, ids_where)) == 0 &&
        (rc = wk_mat73_read_matrix(&m, traces, r->file, traces_where)) == 0 &&
        (rc = read_time(r, time, time_where, &tv)) == 0) {
        struct wk_mat_parts p = {r->file, traces_where, ids_where, time_where,
                                 WK_IMPORT_AUTO_ORIENTATION, wk_nan()};
        rc = wk_mat_make_table(&t, &m, labels, n_labels, tv.data, tv.rows * tv.cols, &p);
        labels = NULL;
    }
    wk_strv_free(labels, n_labels);
    wk_mat_matrix_clear(&m);
    wk_mat_matrix_clear(&tv);
    if (ids >= 0) H5Oclose(ids);
    if (traces >= 0) H5Oclose(traces);
    if (time >= 0) H5Oclose(time);
    if (rc < 0) return rc;
    /* worms in cells are _w0, _w1, ... (as the reference's worm0, worm1);
     * a file of one worm without cells is just <dataset>_<stem> */
    t->worm = (long)k;
    return wk_dataset_emit(t, r->d->name, r->path, NULL, r->traces.is_cell ? (long)k : -1,
                           WK_LABEL_RULES_STANDARD, sink, ctx);
}

static int read_file(struct reader *r, hid_t file, wk_import_sink_fn sink, void *ctx)
{
    hid_t group = -1;
    size_t n = 0;
    int rc;
    if ((rc = open_struct(r, file, &group)) == 0 &&
        (rc = open_field(r, group, &r->ids, r->d->ids)) == 0 &&
        (rc = open_field(r, group, &r->traces, r->d->traces)) == 0 &&
        (rc = open_field(r, group, &r->time, r->d->time)) == 0 &&
        (rc = count_worms(r, &n)) == 0)
        for (size_t k = 0; k < n && rc == 0; k++) rc = read_worm(r, k, sink, ctx);
    if (group >= 0) H5Gclose(group);
    return rc;
}

static int read_one_file(const char *dataset, const char *path, wk_import_sink_fn sink, void *ctx)
{
    struct reader r;
    memset(&r, 0, sizeof r);
    r.ids.id = r.traces.id = r.time.id = -1;
    r.d = dataset_find(dataset);
    r.path = path;
    if (!r.d) return wk_fail(WK_EINVAL, "no MAT v7.3 reader for dataset '%s'", dataset);
    struct wk_file *f;
    int rc = wk_file_open_hdf5(&f, path);
    if (rc < 0) return rc;
    r.file = wk_file_name(f);
    rc = read_file(&r, wk_file_hid(f), sink, ctx);
    field_close(&r.ids);
    field_close(&r.traces);
    field_close(&r.time);
    free(r.struct_name);
    wk_file_close(f);
    return rc;
}

/* A file, or every .mat file of a folder in name order. */
static int read_dataset(const char *dataset, const char *path, wk_import_sink_fn sink, void *ctx)
{
    if (!wk_dataset_is_folder(path)) return read_one_file(dataset, path, sink, ctx);
    char **files;
    size_t n;
    int rc = wk_dataset_list_folder(&files, &n, path, ".mat");
    if (rc < 0) return rc;
    if (n == 0) rc = wk_fail(WK_ENOTFOUND, "'%s': no .mat file in the folder", path);
    for (size_t i = 0; i < n && rc == 0; i++) rc = read_one_file(dataset, files[i], sink, ctx);
    wk_strv_free(files, n);
    return rc;
}

int wk_import_read_kato2015(const char *path, const struct wk_import_options *o,
                            wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    return read_dataset("kato2015", path, sink, ctx);
}

int wk_import_read_nichols2017(const char *path, const struct wk_import_options *o,
                               wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    return read_dataset("nichols2017", path, sink, ctx);
}

int wk_import_read_skora2018(const char *path, const struct wk_import_options *o,
                             wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    return read_dataset("skora2018", path, sink, ctx);
}

int wk_import_read_kaplan2020(const char *path, const struct wk_import_options *o,
                              wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    return read_dataset("kaplan2020", path, sink, ctx);
}

int wk_import_read_uzel2022(const char *path, const struct wk_import_options *o,
                            wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    return read_dataset("uzel2022", path, sink, ctx);
}
