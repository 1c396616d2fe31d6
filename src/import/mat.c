/* mat.c - generic MATLAB MAT-files: a numeric traces matrix (time x
 * neurons, or neurons x time when only that fits), labels (a cell array of
 * strings, list-valued entries giving their first non-empty string, or a
 * char matrix with one label per row) and a time vector in seconds, named
 * by --traces, --labels and --time (default traces, labels, time; "s/f"
 * is field f of struct s).  As with the other generic formats, labels are
 * placed as they are (exact atlas names); --dataset readers canonicalize.
 * Version 7.3 files are read through HDF5
 * (matlab.c), older ones (v5/v7) through libmatio. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <matio.h>

#include "import/matlab_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_util.h"

#define MAX_DEPTH 8

/* The table from the parts both versions read: time must be a vector
 * (unless --no-time).  *lab passes to the table. */
static int make_table(struct wk_import_table **out, const struct wk_mat_matrix *m, char ***lab,
                      size_t n_labels, const struct wk_mat_matrix *tv, const char *name,
                      const struct wk_import_options *o)
{
    if (!o->no_time && tv->rows != 1 && tv->cols != 1)
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a vector, found a %zu x %zu matrix", name,
                       o->time_path, tv->rows, tv->cols);
    struct wk_mat_parts p = {name, o->traces_path, o->labels_path, o->no_time ? NULL : o->time_path,
                             o->orientation, o->no_time ? o->dt : wk_nan()};
    int rc = wk_mat_make_table(out, m, *lab, n_labels, tv->data, tv->rows * tv->cols, &p);
    *lab = NULL;
    return rc;
}

/* --- v7.3 --- */

/* Open "a/b/c": root variable a, then struct fields. */
static int open73(hid_t *out, hid_t file, const char *path, const char *name)
{
    char buf[WK_MAT_WHERE_SIZE];
    snprintf(buf, sizeof buf, "%s", path);
    hid_t loc = file, obj = -1;
    for (char *part = strtok(buf, "/"); part; part = strtok(NULL, "/")) {
        int rc = wk_mat73_open(&obj, loc, part);
        if (loc != file) H5Oclose(loc);
        if (rc < 0) return wk_fail(WK_ENOTFOUND, "'%s': %s: missing", name, path);
        loc = obj;
    }
    if (obj < 0) return wk_fail(WK_ENOTFOUND, "'%s': %s: missing", name, path);
    *out = obj;
    return 0;
}

static int read73(struct wk_import_table **out, hid_t file, const char *name,
                  const struct wk_import_options *o)
{
    hid_t traces = -1, labels = -1, time = -1;
    struct wk_mat_matrix m = {0, 0, NULL}, tv = {0, 0, NULL};
    char **lab = NULL;
    size_t n_labels = 0;
    int rc;
    if ((rc = open73(&traces, file, o->traces_path, name)) == 0 &&
        (rc = open73(&labels, file, o->labels_path, name)) == 0 &&
        (o->no_time || (rc = open73(&time, file, o->time_path, name)) == 0) &&
        (rc = wk_mat73_read_matrix(&m, traces, name, o->traces_path)) == 0 &&
        (rc = wk_mat73_read_labels(&lab, &n_labels, labels, name, o->labels_path)) == 0 &&
        (o->no_time || (rc = wk_mat73_read_matrix(&tv, time, name, o->time_path)) == 0)) {
        rc = make_table(out, &m, &lab, n_labels, &tv, name, o);
    }
    wk_strv_free(lab, n_labels);
    wk_mat_matrix_clear(&m);
    wk_mat_matrix_clear(&tv);
    if (traces >= 0) H5Oclose(traces);
    if (labels >= 0) H5Oclose(labels);
    if (time >= 0) H5Oclose(time);
    return rc;
}

static int read_v73(struct wk_import_table **out, const char *path,
                    const struct wk_import_options *o)
{
    struct wk_file *f;
    int rc = wk_file_open_hdf5(&f, path);
    if (rc < 0) return rc;
    rc = read73(out, wk_file_hid(f), wk_file_name(f), o);
    wk_file_close(f);
    return rc;
}

/* --- v5 through libmatio --- */

/* The variable at "a/b/c" (the root variable owns the fields: free only
 * *root). */
static int find5(matvar_t **root, matvar_t **var, mat_t *mat, const char *path, const char *name)
{
    char buf[WK_MAT_WHERE_SIZE];
    snprintf(buf, sizeof buf, "%s", path);
    char *part = strtok(buf, "/");
    *root = part ? Mat_VarRead(mat, part) : NULL;
    matvar_t *v = *root;
    while (v && (part = strtok(NULL, "/")))
        v = v->class_type == MAT_C_STRUCT ? Mat_VarGetStructFieldByName(v, part, 0) : NULL;
    if (!v) {
        Mat_VarFree(*root);
        *root = NULL;
        return wk_fail(WK_ENOTFOUND, "'%s': %s: missing", name, path);
    }
    *var = v;
    return 0;
}

static double element5(const matvar_t *v, size_t i)
{
    switch (v->class_type) {
    case MAT_C_DOUBLE: return ((const double *)v->data)[i];
    case MAT_C_SINGLE: return ((const float *)v->data)[i];
    case MAT_C_INT8: return ((const int8_t *)v->data)[i];
    case MAT_C_UINT8: return ((const uint8_t *)v->data)[i];
    case MAT_C_INT16: return ((const int16_t *)v->data)[i];
    case MAT_C_UINT16: return ((const uint16_t *)v->data)[i];
    case MAT_C_INT32: return ((const int32_t *)v->data)[i];
    case MAT_C_UINT32: return ((const uint32_t *)v->data)[i];
    case MAT_C_INT64: return (double)((const int64_t *)v->data)[i];
    case MAT_C_UINT64: return (double)((const uint64_t *)v->data)[i];
    default: return wk_nan();
    }
}

static int is_numeric5(const matvar_t *v)
{
    return v->class_type == MAT_C_DOUBLE || v->class_type == MAT_C_SINGLE ||
           (v->class_type >= MAT_C_INT8 && v->class_type <= MAT_C_UINT64);
}

static int matrix5(struct wk_mat_matrix *m, const matvar_t *v, const char *name, const char *where)
{
    memset(m, 0, sizeof *m);
    if (!is_numeric5(v) || v->isComplex)
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a real numeric matrix", name, where);
    if (v->rank != 2)
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a matrix, found %d dimensions", name,
                       where, v->rank);
    size_t n;
    if (wk_size_mul(&n, v->dims[0], v->dims[1]) < 0 || n > WK_MAX_ALLOC / sizeof(double))
        return wk_fail(WK_ERANGE, "'%s': %s: too large", name, where);
    if (n == 0) return 0;
    if (!v->data) return wk_fail(WK_EFORMAT, "'%s': %s: no data", name, where);
    if (!(m->data = wk_malloc_array(n, sizeof *m->data))) return WK_ENOMEM;
    m->rows = v->dims[0];
    m->cols = v->dims[1];
    for (size_t i = 0; i < n; i++) m->data[i] = element5(v, i);
    return 0;
}

/* Characters of a char array as text (8-bit or UTF-16 storage); row r of
 * rows, trailing blanks removed. */
static char *char_row5(const matvar_t *v, size_t rows, size_t cols, size_t r)
{
    char *s = wk_malloc_array(cols * 3 + 1, 1);
    if (!s) return NULL;
    size_t w = 0;
    for (size_t c = 0; c < cols; c++) {
        size_t i = c * rows + r;
        if (v->data_type == MAT_T_UTF8) {
            unsigned char b = ((const unsigned char *)v->data)[i];
            if (b) s[w++] = (char)b;
            continue;
        }
        unsigned u = v->data_size == 2 ? ((const uint16_t *)v->data)[i]
                                       : ((const unsigned char *)v->data)[i];
        if (u == 0) continue;
        if (u < 0x80) {
            s[w++] = (char)u;
        } else if (u < 0x800 || v->data_size != 2) {
            s[w++] = (char)(0xC0 | (u >> 6));
            s[w++] = (char)(0x80 | (u & 0x3F));
        } else {
            s[w++] = (char)(0xE0 | (u >> 12));
            s[w++] = (char)(0x80 | ((u >> 6) & 0x3F));
            s[w++] = (char)(0x80 | (u & 0x3F));
        }
    }
    while (w > 0 && s[w - 1] == ' ') w--;
    s[w] = '\0';
    return s;
}

static size_t count5(const matvar_t *v)
{
    size_t n = 1;
    for (int i = 0; i < v->rank; i++) n *= v->dims[i];
    return n;
}

/* Rule 1 on a v5 value: text, first non-empty entry of a cell, or "". */
static char *label5(const matvar_t *v, int depth)
{
    if (!v || depth > MAX_DEPTH) return wk_strdup("");
    if (v->class_type == MAT_C_CHAR && v->data) return char_row5(v, 1, count5(v), 0);
    if (v->class_type == MAT_C_CELL) {
        size_t n = count5(v);
        for (size_t k = 0; k < n; k++) {
            char *s = label5(Mat_VarGetCell((matvar_t *)v, (int)k), depth + 1);
            if (!s || s[0]) return s;
            free(s);
        }
    }
    return wk_strdup("");
}

static int labels5(char ***out, size_t *n, const matvar_t *v, const char *name, const char *where)
{
    int is_char = v->class_type == MAT_C_CHAR;
    if (!is_char && v->class_type != MAT_C_CELL)
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a cell array of strings or a char matrix",
                       name, where);
    if (v->rank != 2)
        return wk_fail(WK_EFORMAT, "'%s': %s: expected %d dimensions, found %d", name, where, 2,
                       v->rank);
    size_t count = is_char ? v->dims[0] : count5(v);
    if (is_char && count5(v) == 0) count = 0;
    char **s = wk_calloc(count ? count : 1, sizeof *s);
    if (!s) return WK_ENOMEM;
    for (size_t k = 0; k < count; k++) {
        s[k] = is_char ? char_row5(v, v->dims[0], v->dims[1], k)
                       : label5(Mat_VarGetCell((matvar_t *)v, (int)k), 0);
        if (!s[k]) {
            wk_strv_free(s, count);
            return wk_fail(WK_ENOMEM, "out of memory");
        }
    }
    *out = s;
    *n = count;
    return 0;
}

static int read5(struct wk_import_table **out, mat_t *mat, const char *name,
                 const struct wk_import_options *o)
{
    matvar_t *r_traces = NULL, *r_labels = NULL, *r_time = NULL;
    matvar_t *traces, *labels, *time = NULL;
    struct wk_mat_matrix m = {0, 0, NULL}, tv = {0, 0, NULL};
    char **lab = NULL;
    size_t n_labels = 0;
    int rc;
    if ((rc = find5(&r_traces, &traces, mat, o->traces_path, name)) == 0 &&
        (rc = find5(&r_labels, &labels, mat, o->labels_path, name)) == 0 &&
        (o->no_time || (rc = find5(&r_time, &time, mat, o->time_path, name)) == 0) &&
        (rc = matrix5(&m, traces, name, o->traces_path)) == 0 &&
        (rc = labels5(&lab, &n_labels, labels, name, o->labels_path)) == 0 &&
        (o->no_time || (rc = matrix5(&tv, time, name, o->time_path)) == 0)) {
        rc = make_table(out, &m, &lab, n_labels, &tv, name, o);
    }
    wk_strv_free(lab, n_labels);
    wk_mat_matrix_clear(&m);
    wk_mat_matrix_clear(&tv);
    Mat_VarFree(r_traces);
    Mat_VarFree(r_labels);
    Mat_VarFree(r_time);
    return rc;
}

/* libmatio prints its own warnings on stderr; they would add lines to the
 * one message of a failure. */
static void quiet_matio(int level, char *message)
{
    wk_log(WK_LOG_DEBUG, "libmatio (%d): %s", level, message);
}

static int read_v5(struct wk_import_table **out, const char *path,
                   const struct wk_import_options *o)
{
    FILE *probe = fopen(path, "rb");
    if (!probe) return wk_fail(WK_EIO, "cannot open '%s': %s", path, "no such file or unreadable");
    int c = fgetc(probe);
    fclose(probe);
    if (c == EOF) return wk_fail(WK_EFORMAT, "'%s': empty file", path);
    int rc = wk_mat5_check(path);
    if (rc < 0) return rc;
    Mat_LogInitFunc("wormkit", quiet_matio);
    mat_t *mat = Mat_Open(path, MAT_ACC_RDONLY);
    if (!mat) return wk_fail(WK_EFORMAT, "'%s': not a MAT-file", path);
    rc = read5(out, mat, path, o);
    Mat_Close(mat);
    return rc;
}

/* 1 when the HDF5 signature is at byte 0, 512, 1024, 2048, ... (where
 * libhdf5 looks for it).  H5Fis_hdf5 would read the superblock, and on a
 * damaged one leaves libhdf5 unable to shut down cleanly. */
static int has_hdf5_signature(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    int found = 0;
    for (long at = 0; !found && at <= (1L << 20); at = at ? 2 * at : 512) {
        unsigned char head[8];
        if (fseek(fp, at, SEEK_SET) != 0 || fread(head, 1, 8, fp) != 8) break;
        found = memcmp(head, sig, 8) == 0;
    }
    fclose(fp);
    return found;
}


int wk_import_read_mat(const char *path, const struct wk_import_options *o,
                       wk_import_sink_fn sink, void *ctx)
{
    if (strcmp(path, "-") == 0)
        return wk_fail(WK_EINVAL, "stdin: MAT-files must be read from a named file");
    if (o->no_time && !(isfinite(o->dt) && o->dt > 0))
        return wk_fail(WK_EINVAL, "'%s': --no-time needs a positive --dt", path);
    struct wk_import_table *t = NULL;
    /* an HDF5 file without MATLAB's header (written by h5py, say) is read
     * as v7.3 too */
    int v73 = wk_mat_is_v73(path) || has_hdf5_signature(path);
    int rc = v73 ? read_v73(&t, path, o) : read_v5(&t, path, o);
    if (rc < 0) return rc;
    return sink(t, ctx);
}
