/* matlab.c - reading MATLAB v7.3 MAT-files through HDF5 (see
 * matlab_internal.h for the layout), and the table step shared by the MAT
 * readers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_internal.h"
#include "import/dataset_internal.h"
#include "import/matlab_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"

/* Cells inside cells deeper than this are not IDs (and guard against
 * reference cycles in a corrupt file). */
#define MAX_CELL_DEPTH 8

void wk_mat_matrix_clear(struct wk_mat_matrix *m)
{
    free(m->data);
    m->data = NULL;
    m->rows = m->cols = 0;
}

void wk_mat73_cell_clear(struct wk_mat73_cell *c)
{
    free(c->refs);
    c->refs = NULL;
    c->n = c->rows = c->cols = 0;
}

int wk_mat_is_v73(const char *path)
{
    unsigned char head[128];
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    if (got < sizeof head || memcmp(head, "MATLAB", 6) != 0) return 0;
    /* bytes 124-125: version 0x0200 for v7.3, written in the file's byte order */
    if (head[126] == 'I' && head[127] == 'M') return head[124] == 0x00 && head[125] == 0x02;
    if (head[126] == 'M' && head[127] == 'I') return head[124] == 0x02 && head[125] == 0x00;
    return 0;
}

char *wk_mat73_class(hid_t obj)
{
    char *cls = NULL;
    int rc = wk_h5_get_attr_string(obj, "MATLAB_class", &cls);
    if (rc == WK_ENOTFOUND || (rc < 0 && !cls)) return wk_strdup("");
    return cls;
}

int wk_mat73_is_empty(hid_t obj)
{
    long v = 0;
    htri_t e = H5Aexists(obj, "MATLAB_empty");
    if (e <= 0) return 0;
    return wk_h5_get_attr_long(obj, "MATLAB_empty", &v) == 0 && v != 0;
}

int wk_mat73_open(hid_t *out, hid_t loc, const char *name)
{
    *out = -1;
    if (!*name || strchr(name, '/')) return WK_ENOTFOUND;
    htri_t e = H5Lexists(loc, name, H5P_DEFAULT);
    if (e <= 0) return WK_ENOTFOUND;
    if ((*out = H5Oopen(loc, name, H5P_DEFAULT)) < 0) return WK_ENOTFOUND;
    return 0;
}

static int is_group(hid_t loc, const char *name)
{
    H5O_info_t info;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return 0;
    if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0) return 0;
    return info.type == H5O_TYPE_GROUP;
}

struct group_scan {
    size_t count;
    char *first;
};

static herr_t scan_root(hid_t loc, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    struct group_scan *s = data;
    if (name[0] == '#' || !is_group(loc, name)) return 0;
    hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
    char *cls = g >= 0 ? wk_mat73_class(g) : NULL;
    int is_struct = cls && strcmp(cls, "struct") == 0;
    free(cls);
    if (g >= 0) H5Gclose(g);
    if (!is_struct) return 0;
    if (s->count++ == 0 && !(s->first = wk_strdup(name))) return -1;
    return 0;
}

int wk_mat73_find_struct(hid_t *out, char **chosen, hid_t file, const char *const *names,
                         const char *filename)
{
    *out = -1;
    *chosen = NULL;
    for (const char *const *n = names; *n; n++)
        if (is_group(file, *n)) {
            if (!(*chosen = wk_strdup(*n))) return wk_fail(WK_ENOMEM, "out of memory");
            break;
        }
    if (!*chosen) {
        struct group_scan s = {0, NULL};
        if (H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, NULL, scan_root, &s) < 0) {
            free(s.first);
            return wk_h5_fail(filename, "cannot list the variables");
        }
        if (s.count != 1) {
            free(s.first);
            return wk_fail(WK_ENOTFOUND, "'%s': %s: missing (no such MATLAB struct)", filename,
                           names[0]);
        }
        *chosen = s.first;
    }
    if ((*out = H5Gopen2(file, *chosen, H5P_DEFAULT)) < 0) {
        free(*chosen);
        *chosen = NULL;
        return wk_h5_fail(filename, names[0]);
    }
    return 0;
}

/* MATLAB's size of a dataset of rank 0..2: HDF5 [a][b] is MATLAB b x a. */
/* A shape claiming far more than the file stores (storage allocated lazily
 * and never written, as a damaged or hostile file can declare) is refused
 * before the claim is allocated; deflate (at most ~1032:1) stays inside the
 * allowed ratio.  The same rule as the layout reader's (src/h5util.c). */
#define MAT73_UNSTORED_BYTES_OK ((hsize_t)1 << 24)
#define MAT73_MAX_STORAGE_RATIO 4096

static int check_storage(hid_t dset, size_t n, const char *file, const char *where)
{
    int rc = wk_h5_layout_ok(dset, file, where);
    if (rc < 0) return rc;
    hid_t type = H5Dget_type(dset);
    size_t elem = type >= 0 ? H5Tget_size(type) : 0;
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    int bits_ok = (cls != H5T_INTEGER && cls != H5T_FLOAT) || wk_h5_number_bits_ok(type);
    if (type >= 0) H5Tclose(type);
    if (elem == 0) return wk_h5_fail(file, where);
    if (!bits_ok)
        return wk_fail(WK_EFORMAT, "'%s': %s: corrupt number type (bit fields outside its %zu bytes)", file, where,
                       elem);
    if (n > (hsize_t)-1 / elem) return wk_fail(WK_ERANGE, "'%s': %s: dimensions overflow", file, where);
    hsize_t claimed = (hsize_t)n * elem;
    if (claimed <= MAT73_UNSTORED_BYTES_OK) return 0;
    hsize_t stored = H5Dget_storage_size(dset);
    if (stored >= claimed / MAT73_MAX_STORAGE_RATIO) return 0;
    return wk_fail(WK_ERANGE, "'%s': %s: shape claims %zu elements but the file stores only %llu bytes of them",
                   file, where, n, (unsigned long long)stored);
}

static int matlab_shape(hid_t dset, size_t *rows, size_t *cols, const char *file, const char *where)
{
    hid_t space = H5Dget_space(dset);
    if (space < 0) return wk_h5_fail(file, where);
    hsize_t dims[H5S_MAX_RANK];
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank >= 0 && rank <= 2) H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    if (rank < 0) return wk_h5_fail(file, where);
    if (rank > 2)
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a matrix, found %d dimensions", file,
                       where, rank);
    *rows = rank == 2 ? (size_t)dims[1] : 1;
    *cols = rank >= 1 ? (size_t)dims[0] : 1;
    size_t n;
    if (wk_size_mul(&n, *rows, *cols) < 0 || n > WK_MAX_ALLOC / sizeof(double))
        return wk_fail(WK_ERANGE, "'%s': %s: %zu x %zu is too large", file, where, *rows, *cols);
    return check_storage(dset, n, file, where);
}

static int is_dataset(hid_t obj)
{
    return H5Iget_type(obj) == H5I_DATASET;
}

static int numeric_class(const char *cls, hid_t dset)
{
    static const char *const numeric[] = {"double", "single", "int8", "uint8", "int16",
                                          "uint16", "int32", "uint32", "int64", "uint64",
                                          "logical", NULL};
    for (const char *const *n = numeric; *n; n++)
        if (strcmp(cls, *n) == 0) return 1;
    if (cls[0] != '\0') return 0;
    /* no class attribute: trust the HDF5 type */
    hid_t type = H5Dget_type(dset);
    H5T_class_t c = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    if (type >= 0) H5Tclose(type);
    return c == H5T_INTEGER || c == H5T_FLOAT;
}

/* What obj holds, for messages. */
static const char *kind_of(const char *cls, hid_t obj)
{
    if (!is_dataset(obj) || strcmp(cls, "struct") == 0) return "a struct";
    if (strcmp(cls, "cell") == 0) return "a cell array";
    if (strcmp(cls, "char") == 0) return "text";
    if (numeric_class(cls, obj)) return "a numeric array";
    return "an unsupported MATLAB class";
}

int wk_mat73_read_matrix(struct wk_mat_matrix *m, hid_t obj, const char *file, const char *where)
{
    memset(m, 0, sizeof *m);
    char *cls = wk_mat73_class(obj);
    if (!cls) return wk_fail(WK_ENOMEM, "out of memory");
    int rc = 0;
    if (!is_dataset(obj) || !numeric_class(cls, obj))
        rc = wk_fail(WK_EFORMAT, "'%s': %s: expected a numeric matrix, found %s", file, where,
                     kind_of(cls, obj));
    free(cls);
    if (rc < 0 || wk_mat73_is_empty(obj)) return rc;
    if ((rc = matlab_shape(obj, &m->rows, &m->cols, file, where)) < 0) return rc;
    size_t n = m->rows * m->cols;
    if (n == 0) {
        m->rows = m->cols = 0;
        return 0;
    }
    if (!(m->data = wk_malloc_array(n, sizeof *m->data))) return WK_ENOMEM;
    if (H5Dread(obj, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m->data) < 0) {
        wk_mat_matrix_clear(m);
        return wk_h5_fail(file, where);
    }
    return 0;
}

int wk_mat73_is_cell(hid_t obj)
{
    if (!is_dataset(obj)) return 0;
    char *cls = wk_mat73_class(obj);
    int cell = cls && strcmp(cls, "cell") == 0;
    if (cls && !cls[0]) {
        hid_t type = H5Dget_type(obj);
        cell = type >= 0 && H5Tget_class(type) == H5T_REFERENCE;
        if (type >= 0) H5Tclose(type);
    }
    free(cls);
    return cell;
}

int wk_mat73_read_cell(struct wk_mat73_cell *c, hid_t obj, const char *file, const char *where)
{
    memset(c, 0, sizeof *c);
    c->id = obj;
    if (!wk_mat73_is_cell(obj)) {
        char *cls = wk_mat73_class(obj);
        int rc = wk_fail(WK_EFORMAT, "'%s': %s: expected a cell array, found %s", file, where,
                         kind_of(cls ? cls : "", obj));
        free(cls);
        return rc;
    }
    if (wk_mat73_is_empty(obj)) return 0;
    int rc = matlab_shape(obj, &c->rows, &c->cols, file, where);
    if (rc < 0) return rc;
    c->n = c->rows * c->cols;
    if (c->n == 0) return 0;
    if (!(c->refs = wk_malloc_array(c->n, sizeof *c->refs))) return WK_ENOMEM;
    if (H5Dread(obj, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->refs) < 0) {
        wk_mat73_cell_clear(c);
        return wk_h5_fail(file, where);
    }
    return 0;
}

int wk_mat73_cell_open(hid_t *out, const struct wk_mat73_cell *c, size_t k, const char *file,
                       const char *where)
{
    *out = -1;
    if (k >= c->n)
        return wk_fail(WK_EFORMAT, "'%s': %s: no element %zu (the cell has %zu)", file, where,
                       k + 1, c->n);
    *out = H5Rdereference2(c->id, H5P_DEFAULT, H5R_OBJECT, &c->refs[k]);
    if (*out < 0) return wk_fail(WK_EFORMAT, "'%s': %s: broken reference", file, where);
    return 0;
}

/* UTF-16 code units to UTF-8 (a lone surrogate becomes '?'). */
static char *utf16_to_utf8(const unsigned short *u, size_t n)
{
    char *s = wk_malloc_array(n, 4);
    if (!s && n) return NULL;
    if (!s) return wk_strdup("");
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned long c = u[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c < 0xE000) {
            c = '?';
        }
        if (c == 0) continue;
        if (c < 0x80) {
            s[w++] = (char)c;
        } else if (c < 0x800) {
            s[w++] = (char)(0xC0 | (c >> 6));
            s[w++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            s[w++] = (char)(0xE0 | (c >> 12));
            s[w++] = (char)(0x80 | ((c >> 6) & 0x3F));
            s[w++] = (char)(0x80 | (c & 0x3F));
        } else {
            s[w++] = (char)(0xF0 | (c >> 18));
            s[w++] = (char)(0x80 | ((c >> 12) & 0x3F));
            s[w++] = (char)(0x80 | ((c >> 6) & 0x3F));
            s[w++] = (char)(0x80 | (c & 0x3F));
        }
    }
    s[w] = '\0';
    return s;
}

/* The code units of a char array (MATLAB column-major order). */
static int read_chars(unsigned short **out, size_t *rows, size_t *cols, hid_t dset,
                      const char *file, const char *where)
{
    *out = NULL;
    *rows = *cols = 0;
    if (wk_mat73_is_empty(dset)) return 0;
    int rc = matlab_shape(dset, rows, cols, file, where);
    if (rc < 0) return rc;
    size_t n = *rows * *cols;
    if (!(*out = wk_malloc_array(n ? n : 1, sizeof **out))) return WK_ENOMEM;
    if (n && H5Dread(dset, H5T_NATIVE_USHORT, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0) {
        free(*out);
        *out = NULL;
        return wk_h5_fail(file, where);
    }
    return 0;
}

/* Row r of a char matrix, trailing blanks removed. */
static char *char_row(const unsigned short *u, size_t rows, size_t cols, size_t r)
{
    unsigned short *row = wk_malloc_array(cols ? cols : 1, sizeof *row);
    if (!row) return NULL;
    for (size_t c = 0; c < cols; c++) row[c] = u[c * rows + r];
    size_t len = cols;
    while (len > 0 && (row[len - 1] == ' ' || row[len - 1] == 0)) len--;
    char *s = utf16_to_utf8(row, len);
    free(row);
    return s;
}

static int is_char(hid_t obj)
{
    char *cls = wk_mat73_class(obj);
    int yes = cls && strcmp(cls, "char") == 0;
    free(cls);
    return yes && is_dataset(obj);
}

/* The text of a char array: its characters in MATLAB order (a 1 x L or
 * L x 1 array is the string); trailing blanks removed. */
static int read_text(char **out, hid_t dset, const char *file, const char *where)
{
    unsigned short *u;
    size_t rows, cols;
    int rc = read_chars(&u, &rows, &cols, dset, file, where);
    if (rc < 0) return rc;
    *out = u ? char_row(u, 1, rows * cols, 0) : wk_strdup("");
    free(u);
    return *out ? 0 : wk_fail(WK_ENOMEM, "out of memory");
}

static int read_label_at(char **out, hid_t obj, const char *file, const char *where, int depth);

/* The first element of a cell whose ID is not empty. */
static int first_label_of_cell(char **out, hid_t obj, const char *file, const char *where,
                               int depth)
{
    struct wk_mat73_cell c;
    int rc = wk_mat73_read_cell(&c, obj, file, where);
    if (rc < 0) return rc;
    *out = NULL;
    for (size_t k = 0; k < c.n && rc == 0; k++) {
        char sub[WK_MAT_WHERE_SIZE];
        snprintf(sub, sizeof sub, "%.200s{%zu}", where, k + 1);
        hid_t e;
        if ((rc = wk_mat73_cell_open(&e, &c, k, file, sub)) < 0) break;
        char *label = NULL;
        rc = read_label_at(&label, e, file, sub, depth + 1);
        H5Oclose(e);
        if (rc == 0 && label[0]) {
            *out = label;
            break;
        }
        free(label);
    }
    wk_mat73_cell_clear(&c);
    if (rc == 0 && !*out && !(*out = wk_strdup(""))) rc = wk_fail(WK_ENOMEM, "out of memory");
    return rc;
}

static int read_label_at(char **out, hid_t obj, const char *file, const char *where, int depth)
{
    *out = NULL;
    if (depth > MAX_CELL_DEPTH)
        return wk_fail(WK_EFORMAT, "'%s': %s: cells nested too deep", file, where);
    if (is_char(obj)) return read_text(out, obj, file, where);
    if (wk_mat73_is_cell(obj)) return first_label_of_cell(out, obj, file, where, depth);
    /* an empty array, a number (NaN for "no ID"), a struct: no label */
    *out = wk_strdup("");
    return *out ? 0 : wk_fail(WK_ENOMEM, "out of memory");
}

int wk_mat73_read_label(char **out, hid_t obj, const char *file, const char *where)
{
    return read_label_at(out, obj, file, where, 0);
}

static int labels_of_char_matrix(char ***out, size_t *n, hid_t obj, const char *file,
                                 const char *where)
{
    unsigned short *u;
    size_t rows, cols;
    int rc = read_chars(&u, &rows, &cols, obj, file, where);
    if (rc < 0) return rc;
    char **v = wk_calloc(rows ? rows : 1, sizeof *v);
    if (!v) {
        free(u);
        return WK_ENOMEM;
    }
    for (size_t r = 0; r < rows; r++)
        if (!(v[r] = char_row(u, rows, cols, r))) {
            free(u);
            wk_strv_free(v, rows);
            return wk_fail(WK_ENOMEM, "out of memory");
        }
    free(u);
    *out = v;
    *n = rows;
    return 0;
}

int wk_mat73_read_labels(char ***out, size_t *n, hid_t obj, const char *file, const char *where)
{
    *out = NULL;
    *n = 0;
    if (is_char(obj)) return labels_of_char_matrix(out, n, obj, file, where);
    struct wk_mat73_cell c;
    int rc = wk_mat73_read_cell(&c, obj, file, where);
    if (rc < 0) return rc;
    char **v = wk_calloc(c.n ? c.n : 1, sizeof *v);
    if (!v) {
        wk_mat73_cell_clear(&c);
        return WK_ENOMEM;
    }
    for (size_t k = 0; k < c.n && rc == 0; k++) {
        char sub[WK_MAT_WHERE_SIZE];
        snprintf(sub, sizeof sub, "%.200s{%zu}", where, k + 1);
        hid_t e;
        if ((rc = wk_mat73_cell_open(&e, &c, k, file, sub)) < 0) break;
        rc = wk_mat73_read_label(&v[k], e, file, sub);
        H5Oclose(e);
    }
    if (rc < 0) {
        wk_strv_free(v, c.n);
    } else {
        *out = v;
        *n = c.n;
    }
    wk_mat73_cell_clear(&c);
    return rc;
}

/* --- tables --- */

static int shape_fits(size_t T, size_t N, size_t n_labels, size_t n_time, int with_time)
{
    return N == n_labels && (!with_time || T == n_time);
}

static int choose_transpose(int *transposed, const struct wk_mat_matrix *m, size_t n_labels,
                            size_t n_time, const struct wk_mat_parts *p)
{
    int with_time = p->time_where != NULL;
    if (p->orientation != WK_IMPORT_AUTO_ORIENTATION)
        *transposed = p->orientation == WK_IMPORT_NEURONS_BY_TIME;
    else
        *transposed = !shape_fits(m->rows, m->cols, n_labels, n_time, with_time) &&
                      shape_fits(m->cols, m->rows, n_labels, n_time, with_time);
    size_t T = *transposed ? m->cols : m->rows, N = *transposed ? m->rows : m->cols;
    const char *reading = *transposed ? "neurons x time" : "time x neurons";
    if (N != n_labels)
        return wk_fail(WK_EFORMAT, "'%s': %s is %zu x %zu (%s: %zu neurons) but %s has %zu entries",
                       p->file, p->traces_where, m->rows, m->cols, reading, N, p->labels_where,
                       n_labels);
    if (with_time && T != n_time)
        return wk_fail(WK_EFORMAT, "'%s': %s is %zu x %zu (%s: %zu samples) but %s has %zu entries",
                       p->file, p->traces_where, m->rows, m->cols, reading, T, p->time_where,
                       n_time);
    return 0;
}

static int fill_values(struct wk_import_table *t, const struct wk_mat_matrix *m, int transposed,
                       const struct wk_mat_parts *p)
{
    for (size_t k = 0; k < t->T; k++)
        for (size_t i = 0; i < t->N; i++) {
            /* MATLAB column-major: element (r, c) at data[c * rows + r] */
            double v = transposed ? m->data[k * m->rows + i] : m->data[i * m->rows + k];
            if (isinf(v))
                return wk_fail(WK_EFORMAT, "'%s': %s: infinite value (sample %zu, neuron %zu)",
                               p->file, p->traces_where, k + 1, i + 1);
            t->values[k * t->N + i] = (float)v;
        }
    return 0;
}

int wk_mat_make_table(struct wk_import_table **out, const struct wk_mat_matrix *traces,
                      char **labels, size_t n_labels, const double *time, size_t n_time,
                      const struct wk_mat_parts *p)
{
    *out = NULL;
    int transposed = 0, rc;
    struct wk_import_table *t = NULL;
    if (traces->rows == 0 || traces->cols == 0)
        rc = wk_fail(WK_EFORMAT, "'%s': %s: empty matrix", p->file, p->traces_where);
    else if ((rc = choose_transpose(&transposed, traces, n_labels, n_time, p)) == 0 &&
             (!time || (rc = wk_import_check_time(time, n_time, p->file, p->time_where)) == 0)) {
        size_t T = transposed ? traces->cols : traces->rows;
        if (!(t = wk_import_table_alloc(T, n_labels)))
            rc = WK_ENOMEM;
        else if ((rc = fill_values(t, traces, transposed, p)) == 0) {
            for (size_t k = 0; k < T; k++) t->time[k] = time ? time[k] : (double)k * p->dt;
            t->dt = p->dt;
            for (size_t i = 0; i < n_labels; i++) {
                free(t->labels[i]);
                t->labels[i] = labels[i];
                labels[i] = NULL;
            }
        }
    }
    wk_strv_free(labels, n_labels);
    if (rc < 0) {
        wk_import_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}
