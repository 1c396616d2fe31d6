/* matv5_datasets.c - the MAT v5 datasets read through libmatio:
 * yemini2021 (NeuroPAL, several worms per file) and lin2023 (one worm per
 * file).  A folder argument reads every *.mat file in it, sorted by name. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <matio.h>

#include "import/dataset_internal.h"
#include "import/matlab_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_util.h"

/* --- libmatio access --- */

/* libmatio prints its own diagnostics; ours name the file and the field. */
static void matio_log(int level, char *message)
{
    (void)level;
    wk_log(WK_LOG_DEBUG, "libmatio: %s", message);
}

static int open_mat(mat_t **out, const char *path)
{
    static int logging_set;
    if (!logging_set) {
        Mat_LogInitFunc("wormkit", matio_log);
        logging_set = 1;
    }
    FILE *probe = fopen(path, "rb");
    if (!probe) return wk_fail(WK_EIO, "'%s': cannot open: %s", path, strerror(errno));
    fclose(probe);
    int rc = wk_mat5_check(path);
    if (rc < 0) return rc;
    *out = Mat_Open(path, MAT_ACC_RDONLY);
    if (!*out) return wk_fail(WK_EFORMAT, "'%s': not a MAT file (or truncated header)", path);
    return 0;
}

static int read_var(matvar_t **out, mat_t *mat, const char *path, const char *field)
{
    Mat_Rewind(mat);
    *out = Mat_VarRead(mat, field);
    if (!*out)
        return wk_fail(WK_EFORMAT, "'%s': %s: missing or unreadable (truncated file?)", path, field);
    return 0;
}

static size_t element_count(const matvar_t *v)
{
    size_t n = 1;
    for (int i = 0; i < v->rank; i++) n *= v->dims[i];
    return n;
}

static int is_numeric(const matvar_t *v)
{
    return v->class_type >= MAT_C_DOUBLE && v->class_type <= MAT_C_UINT64 && !v->isComplex;
}

/* Element k of a real numeric array as a double. */
static double numeric_at(const matvar_t *v, size_t k)
{
    const void *d = v->data;
    switch (v->class_type) {
    case MAT_C_DOUBLE: return ((const double *)d)[k];
    case MAT_C_SINGLE: return ((const float *)d)[k];
    case MAT_C_INT8: return ((const int8_t *)d)[k];
    case MAT_C_UINT8: return ((const uint8_t *)d)[k];
    case MAT_C_INT16: return ((const int16_t *)d)[k];
    case MAT_C_UINT16: return ((const uint16_t *)d)[k];
    case MAT_C_INT32: return ((const int32_t *)d)[k];
    case MAT_C_UINT32: return ((const uint32_t *)d)[k];
    case MAT_C_INT64: return (double)((const int64_t *)d)[k];
    case MAT_C_UINT64: return (double)((const uint64_t *)d)[k];
    default: return wk_nan();
    }
}

/* A numeric array (any shape), or one message naming the field. */
static int require_numeric(const matvar_t *v, const char *path, const char *field)
{
    if (!is_numeric(v))
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a real numeric array", path, field);
    if (element_count(v) > 0 && !v->data)
        return wk_fail(WK_EFORMAT, "'%s': %s: no data (truncated file?)", path, field);
    return 0;
}

static int require_cell(const matvar_t *v, const char *path, const char *field)
{
    if (v->class_type != MAT_C_CELL)
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a cell array", path, field);
    if (element_count(v) > 0 && !v->data)
        return wk_fail(WK_EFORMAT, "'%s': %s: no data (truncated file?)", path, field);
    return 0;
}

static matvar_t *cell_at(const matvar_t *v, size_t k)
{
    return ((matvar_t *const *)v->data)[k];
}

/* The text of a char array (ASCII; other characters become '?'); NULL when
 * v is not a char array. */
static char *char_text(const matvar_t *v)
{
    if (!v || v->class_type != MAT_C_CHAR) return NULL;
    size_t n = element_count(v);
    char *s = malloc(n + 1);
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned c = v->data_size == 1   ? ((const uint8_t *)v->data)[i]
                     : v->data_size == 2 ? ((const uint16_t *)v->data)[i]
                                         : ((const uint32_t *)v->data)[i];
        s[i] = c >= 32 && c < 127 ? (char)c : '?';
    }
    s[n] = '\0';
    return s;
}

/* Rule 1 of the label rules: a char array is the label, a cell array gives
 * its first non-empty entry, anything else (also empty) no label (""). */
static char *label_of(const matvar_t *v)
{
    if (v && v->class_type == MAT_C_CELL && v->data) {
        size_t n = element_count(v);
        for (size_t k = 0; k < n; k++) {
            char *s = label_of(cell_at(v, k));
            if (!s || s[0]) return s;
            free(s);
        }
        return wk_strdup("");
    }
    char *s = v && v->data ? char_text(v) : NULL;
    return s ? s : wk_strdup("");
}

static int copy_value(float *dst, double x, const char *path, const char *field, size_t k)
{
    if (isinf(x) || (isfinite(x) && fabs(x) > 3.4e38))
        return wk_fail(WK_EFORMAT, "'%s': %s: value %zu is not a finite float32", path, field, k);
    *dst = (float)x;
    return 0;
}

static int set_label(struct wk_import_table *t, size_t i, char *label)
{
    if (!label) return wk_fail(WK_ENOMEM, "out of memory");
    free(t->labels[i]);
    t->labels[i] = label;
    return 0;
}

/* Call read_one for path, or for every *.mat file of the folder path. */
typedef int (*mat_reader_fn)(const char *path, wk_import_sink_fn sink, void *ctx);

static int read_file_or_folder(const char *path, mat_reader_fn read_one, wk_import_sink_fn sink,
                               void *ctx)
{
    if (strcmp(path, "-") == 0)
        return wk_fail(WK_EINVAL, "stdin: MAT files must be named (libmatio needs a file)");
    if (!wk_dataset_is_folder(path)) return read_one(path, sink, ctx);
    char **files;
    size_t n;
    int rc = wk_dataset_list_folder(&files, &n, path, ".mat");
    if (rc < 0) return rc;
    if (n == 0) rc = wk_fail(WK_ENOTFOUND, "'%s': no .mat file in the folder", path);
    for (size_t i = 0; i < n && rc == 0; i++) rc = read_one(files[i], sink, ctx);
    wk_strv_free(files, n);
    return rc;
}

/* --- yemini2021 --- */

#define YEMINI_DROPPED_FRAMES 4

/* The variables of one Head_/Tail_Activity file. */
struct yemini {
    const char *path;
    double fps;
    size_t n_files, n_classes;
    matvar_t *files, *neurons, *is_l, *traces;
};

static void yemini_clear(struct yemini *y)
{
    Mat_VarFree(y->files);
    Mat_VarFree(y->neurons);
    Mat_VarFree(y->is_l);
    Mat_VarFree(y->traces);
}

static int yemini_check_class(const struct yemini *y, size_t i)
{
    char field[64];
    const matvar_t *mask = cell_at(y->is_l, i), *tr = cell_at(y->traces, i);
    snprintf(field, sizeof field, "is_L{%zu}", i + 1);
    int rc = mask ? require_numeric(mask, y->path, field)
                  : wk_fail(WK_EFORMAT, "'%s': %s: missing (truncated file?)", y->path, field);
    if (rc < 0) return rc;
    size_t n = element_count(mask);
    if (n != y->n_files && n != 2 * y->n_files)
        return wk_fail(WK_EFORMAT, "'%s': %s: %zu entries, expected %zu or %zu (one or two per file)",
                       y->path, field, n, y->n_files, 2 * y->n_files);
    snprintf(field, sizeof field, "norm_traces{%zu}", i + 1);
    if (!tr) return wk_fail(WK_EFORMAT, "'%s': %s: missing (truncated file?)", y->path, field);
    if ((rc = require_cell(tr, y->path, field)) < 0) return rc;
    if (element_count(tr) != n)
        return wk_fail(WK_EFORMAT, "'%s': %s: %zu traces but is_L{%zu} has %zu entries", y->path,
                       field, element_count(tr), i + 1, n);
    for (size_t j = 0; j < n; j++) {
        const matvar_t *v = cell_at(tr, j);
        snprintf(field, sizeof field, "norm_traces{%zu}{%zu}", i + 1, j + 1);
        if (v && element_count(v) > 0 && (rc = require_numeric(v, y->path, field)) < 0) return rc;
    }
    return 0;
}

static int yemini_load(struct yemini *y, mat_t *mat)
{
    matvar_t *fps;
    int rc = read_var(&fps, mat, y->path, "fps");
    if (rc < 0) return rc;
    if ((rc = require_numeric(fps, y->path, "fps")) == 0) {
        y->fps = element_count(fps) == 1 ? numeric_at(fps, 0) : wk_nan();
        if (!(isfinite(y->fps) && y->fps > 0))
            rc = wk_fail(WK_EFORMAT, "'%s': fps: expected one positive number", y->path);
    }
    Mat_VarFree(fps);
    if (rc < 0) return rc;
    if ((rc = read_var(&y->files, mat, y->path, "files")) < 0 ||
        (rc = require_cell(y->files, y->path, "files")) < 0 ||
        (rc = read_var(&y->neurons, mat, y->path, "neurons")) < 0 ||
        (rc = require_cell(y->neurons, y->path, "neurons")) < 0 ||
        (rc = read_var(&y->is_l, mat, y->path, "is_L")) < 0 ||
        (rc = require_cell(y->is_l, y->path, "is_L")) < 0 ||
        (rc = read_var(&y->traces, mat, y->path, "norm_traces")) < 0 ||
        (rc = require_cell(y->traces, y->path, "norm_traces")) < 0)
        return rc;
    y->n_files = element_count(y->files);
    y->n_classes = element_count(y->neurons);
    if (y->n_files == 0) return wk_fail(WK_EFORMAT, "'%s': files: empty", y->path);
    if (element_count(y->is_l) != y->n_classes)
        return wk_fail(WK_EFORMAT, "'%s': is_L: %zu entries but neurons has %zu", y->path,
                       element_count(y->is_l), y->n_classes);
    if (element_count(y->traces) != y->n_classes)
        return wk_fail(WK_EFORMAT, "'%s': norm_traces: %zu entries but neurons has %zu", y->path,
                       element_count(y->traces), y->n_classes);
    for (size_t i = 0; i < y->n_classes; i++)
        if ((rc = yemini_check_class(y, i)) < 0) return rc;
    return 0;
}

/* Columns of each worm: entry j of class i belongs to file j mod n_files,
 * so a class has one or two columns in every worm. */
static size_t yemini_columns(const struct yemini *y)
{
    size_t n = 0;
    for (size_t i = 0; i < y->n_classes; i++)
        n += element_count(cell_at(y->is_l, i)) / y->n_files;
    return n;
}

/* Frames of worm f: the common length of its non-empty traces (0: none). */
static int yemini_frames(const struct yemini *y, size_t f, size_t *frames)
{
    *frames = 0;
    for (size_t i = 0; i < y->n_classes; i++) {
        const matvar_t *tr = cell_at(y->traces, i);
        for (size_t j = f; j < element_count(tr); j += y->n_files) {
            size_t len = cell_at(tr, j) ? element_count(cell_at(tr, j)) : 0;
            if (len == 0) continue;
            if (*frames && len != *frames)
                return wk_fail(WK_EFORMAT, "'%s': norm_traces{%zu}{%zu}: %zu samples, but other "
                               "traces of file %zu have %zu", y->path, i + 1, j + 1, len, f + 1,
                               *frames);
            *frames = len;
        }
    }
    return 0;
}

static char *yemini_label(const struct yemini *y, size_t i, size_t j)
{
    char *name = label_of(cell_at(y->neurons, i));
    if (!name) return NULL;
    double side = numeric_at(cell_at(y->is_l, i), j);
    const char *suffix = isnan(side) ? "" : side != 0 ? "L" : "R";
    size_t n = strlen(name) + 2;
    char *label = malloc(n);
    if (label) snprintf(label, n, "%s%s", name, suffix);
    free(name);
    return label;
}

static int yemini_fill(struct wk_import_table *t, const struct yemini *y, size_t f)
{
    size_t c = 0;
    int rc;
    for (size_t i = 0; i < y->n_classes; i++) {
        const matvar_t *tr = cell_at(y->traces, i);
        for (size_t j = f; j < element_count(tr); j += y->n_files, c++) {
            if ((rc = set_label(t, c, yemini_label(y, i, j))) < 0) return rc;
            const matvar_t *v = cell_at(tr, j);
            if (!v || element_count(v) == 0) {
                t->keep[c] = 0; /* an empty cell: the neuron was not recorded */
                continue;
            }
            char field[64];
            snprintf(field, sizeof field, "norm_traces{%zu}{%zu}", i + 1, j + 1);
            for (size_t k = 0; k < t->T; k++)
                if ((rc = copy_value(&t->values[k * t->N + c], numeric_at(v, k + YEMINI_DROPPED_FRAMES),
                                     y->path, field, k + YEMINI_DROPPED_FRAMES)) < 0)
                    return rc;
        }
    }
    for (size_t k = 0; k < t->T; k++) t->time[k] = (double)(k + YEMINI_DROPPED_FRAMES) / y->fps;
    t->dt = 1.0 / y->fps;
    return 0;
}

static int yemini_worm(const struct yemini *y, size_t f, wk_import_sink_fn sink, void *ctx)
{
    size_t frames;
    int rc = yemini_frames(y, f, &frames);
    if (rc < 0) return rc;
    if (frames <= YEMINI_DROPPED_FRAMES) {
        wk_log(WK_LOG_WARN, "'%s': worm %zu (files{%zu}): skipped: %zu frames", y->path, f, f + 1,
               frames);
        return 0;
    }
    size_t N = yemini_columns(y);
    struct wk_import_table *t = wk_import_table_alloc(frames - YEMINI_DROPPED_FRAMES, N);
    if (!t) return WK_ENOMEM;
    if (!(t->keep = malloc(N ? N : 1))) {
        wk_import_table_free(t);
        return wk_fail(WK_ENOMEM, "out of memory");
    }
    memset(t->keep, 1, N);
    if ((rc = yemini_fill(t, y, f)) < 0) {
        wk_import_table_free(t);
        return rc;
    }
    t->worm = (long)f;
    return wk_dataset_emit(t, "yemini2021", y->path, NULL, (long)f, WK_LABEL_RULES_STANDARD, sink,
                           ctx);
}

static int yemini_read_one(const char *path, wk_import_sink_fn sink, void *ctx)
{
    mat_t *mat;
    int rc = open_mat(&mat, path);
    if (rc < 0) return rc;
    struct yemini y = {path, 0, 0, 0, NULL, NULL, NULL, NULL};
    rc = yemini_load(&y, mat);
    for (size_t f = 0; rc == 0 && f < y.n_files; f++) rc = yemini_worm(&y, f, sink, ctx);
    yemini_clear(&y);
    Mat_Close(mat);
    return rc;
}

int wk_import_read_yemini2021(const char *path, const struct wk_import_options *o,
                              wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    return read_file_or_folder(path, yemini_read_one, sink, ctx);
}

/* --- lin2023 --- */

struct lin {
    const char *path;
    matvar_t *use_flag, *neurons, *traces, *times;
    size_t N, T;
};

static void lin_clear(struct lin *l)
{
    Mat_VarFree(l->use_flag);
    Mat_VarFree(l->neurons);
    Mat_VarFree(l->traces);
    Mat_VarFree(l->times);
}

/* `times`: a cell whose first element is a matrix (its last row holds the
 * seconds), or that matrix itself; a vector is its own last row. */
static int lin_time(double **out, const struct lin *l)
{
    const matvar_t *m = l->times;
    if (m->class_type == MAT_C_CELL) {
        if (element_count(m) == 0 || !m->data || !cell_at(m, 0))
            return wk_fail(WK_EFORMAT, "'%s': times: empty cell array", l->path);
        m = cell_at(m, 0);
    }
    int rc = require_numeric(m, l->path, "times");
    if (rc < 0) return rc;
    size_t rows = m->rank == 2 && m->dims[0] > 1 && m->dims[1] > 1 ? m->dims[0] : 1;
    size_t cols = element_count(m) / rows;
    if (m->rank > 2 || cols != l->T)
        return wk_fail(WK_EFORMAT, "'%s': times: %zu samples, but corrected_F has %zu", l->path,
                       cols, l->T);
    double *t = wk_malloc_array(l->T, sizeof *t);
    if (!t) return WK_ENOMEM;
    for (size_t k = 0; k < l->T; k++) t[k] = numeric_at(m, (rows - 1) + k * rows);
    if ((rc = wk_import_check_time(t, l->T, l->path, "times")) < 0) {
        free(t);
        return rc;
    }
    *out = t;
    return 0;
}

static int lin_load(struct lin *l, mat_t *mat)
{
    int rc;
    if ((rc = read_var(&l->use_flag, mat, l->path, "use_flag")) < 0 ||
        (rc = require_numeric(l->use_flag, l->path, "use_flag")) < 0 ||
        (rc = read_var(&l->neurons, mat, l->path, "proofread_neurons")) < 0 ||
        (rc = require_cell(l->neurons, l->path, "proofread_neurons")) < 0 ||
        (rc = read_var(&l->traces, mat, l->path, "corrected_F")) < 0 ||
        (rc = require_numeric(l->traces, l->path, "corrected_F")) < 0 ||
        (rc = read_var(&l->times, mat, l->path, "times")) < 0)
        return rc;
    l->N = element_count(l->use_flag);
    if (l->traces->rank != 2)
        return wk_fail(WK_EFORMAT, "'%s': corrected_F: expected a neurons x time matrix, found a "
                       "%d-D array", l->path, l->traces->rank);
    if (l->traces->dims[0] != l->N || l->traces->dims[1] == 0)
        return wk_fail(WK_EFORMAT, "'%s': corrected_F: %zu x %zu, expected %zu (neurons, as "
                       "use_flag) x time", l->path, l->traces->dims[0], l->traces->dims[1], l->N);
    if (element_count(l->neurons) != l->N)
        return wk_fail(WK_EFORMAT, "'%s': proofread_neurons: %zu entries but use_flag has %zu",
                       l->path, element_count(l->neurons), l->N);
    l->T = l->traces->dims[1];
    return 0;
}

static int lin_fill(struct wk_import_table *t, const struct lin *l)
{
    size_t c = 0;
    int rc;
    for (size_t i = 0; i < l->N; i++) {
        if (!(numeric_at(l->use_flag, i) > 0)) continue;
        if ((rc = set_label(t, c, label_of(cell_at(l->neurons, i)))) < 0) return rc;
        for (size_t k = 0; k < l->T; k++)
            if ((rc = copy_value(&t->values[k * t->N + c], numeric_at(l->traces, i + k * l->N),
                                 l->path, "corrected_F", i + k * l->N)) < 0)
                return rc;
        c++;
    }
    return 0;
}

static int lin_read_one(const char *path, wk_import_sink_fn sink, void *ctx)
{
    mat_t *mat;
    int rc = open_mat(&mat, path);
    if (rc < 0) return rc;
    struct lin l = {path, NULL, NULL, NULL, NULL, 0, 0};
    struct wk_import_table *t = NULL;
    double *time = NULL;
    if ((rc = lin_load(&l, mat)) == 0 && (rc = lin_time(&time, &l)) == 0) {
        size_t used = 0;
        for (size_t i = 0; i < l.N; i++) used += numeric_at(l.use_flag, i) > 0;
        if (used == 0)
            rc = wk_fail(WK_EFORMAT, "'%s': use_flag: no neuron is flagged for use", path);
        else if (!(t = wk_import_table_alloc(l.T, used)))
            rc = WK_ENOMEM;
        else if ((rc = lin_fill(t, &l)) == 0)
            memcpy(t->time, time, l.T * sizeof *time);
    }
    free(time);
    lin_clear(&l);
    Mat_Close(mat);
    if (rc < 0) {
        wk_import_table_free(t);
        return rc;
    }
    return wk_dataset_emit(t, "lin2023", path, NULL, -1, WK_LABEL_RULES_STANDARD, sink, ctx);
}

int wk_import_read_lin2023(const char *path, const struct wk_import_options *o,
                           wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    return read_file_or_folder(path, lin_read_one, sink, ctx);
}
