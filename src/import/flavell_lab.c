/* flavell_lab.c - the Flavell lab datasets: dag2023 (HDF5 traces with
 * NeuroPAL labels in a JSON dictionary beside them) and flavell2023 (one
 * JSON or HDF5 file per worm).  JSON through json-c, HDF5 through the
 * wormkit HDF5 helpers. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "import/dataset_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_util.h"

#define DAG_LABELS_FILE "NeuroPAL_labels_dict.json"
#define DAG_LABELED_FOLDER "swf702_with_id"
#define DAG_UNLABELED_FOLDER "swf415_no_id"

/* --- JSON --- */

static size_t line_of(const char *text, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset && text[i]; i++) line += text[i] == '\n';
    return line;
}

/* Parse a whole JSON file; one message with the line on error. */
static int json_load(struct json_object **out, const char *path)
{
    char *text;
    size_t size;
    *out = NULL;
    int rc = wk_dataset_slurp(&text, &size, path);
    if (rc < 0) return rc;
    struct json_tokener *tok = json_tokener_new();
    if (!tok) {
        free(text);
        return wk_fail(WK_ENOMEM, "out of memory");
    }
    struct json_object *root = size > 0 && size <= (size_t)INT32_MAX
                                   ? json_tokener_parse_ex(tok, text, (int)size)
                                   : NULL;
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (!root && (size == 0 || err == json_tokener_continue))
        rc = wk_fail(WK_EFORMAT, "'%s': not valid JSON: unexpected end of file (truncated?)", path);
    else if (!root)
        rc = wk_fail(WK_EFORMAT, "'%s': not valid JSON: line %zu: %s", path, line_of(text, end),
                     json_tokener_error_desc(err));
    else {
        size_t i = end;
        while (i < size && strchr(" \t\r\n", text[i])) i++;
        if (i < size)
            rc = wk_fail(WK_EFORMAT, "'%s': not valid JSON: line %zu: text after the end", path,
                         line_of(text, i));
    }
    json_tokener_free(tok);
    free(text);
    if (rc < 0) {
        json_object_put(root);
        return rc;
    }
    *out = root;
    return 0;
}

static struct json_object *json_member(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;
    if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v))
        return NULL;
    return v;
}

/* Rule 1: a string label, or the first non-empty string of a list; "" when
 * missing or null. */
static const char *json_label(struct json_object *v)
{
    if (json_object_is_type(v, json_type_string)) return json_object_get_string(v);
    if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            const char *s = json_label(json_object_array_get_idx(v, i));
            if (s[0]) return s;
        }
    }
    return "";
}

/* A 1-based column key ("12") of a table with N columns -> 0-based index. */
static int column_key(size_t *col, const char *key, size_t N)
{
    char *end;
    errno = 0;
    long v = strtol(key, &end, 10);
    if (end == key || *end || errno || v < 1 || (unsigned long)v > N) return -1;
    *col = (size_t)v - 1;
    return 0;
}

/* Labels from {"<1-based column>": {"label": ...}, ...} into labels[]
 * (order[] receives the columns in the object's order, *n_order their
 * count).  `where` names the object in messages. */
static int json_column_labels(struct wk_import_table *t, size_t *order, size_t *n_order,
                              struct json_object *map, const char *file, const char *where)
{
    *n_order = 0;
    if (!json_object_is_type(map, json_type_object))
        return wk_fail(WK_EFORMAT, "'%s': %s: expected an object mapping columns to labels", file,
                       where);
    struct json_object_iterator it = json_object_iter_begin(map), end = json_object_iter_end(map);
    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *key = json_object_iter_peek_name(&it);
        struct json_object *entry = json_object_iter_peek_value(&it);
        size_t col;
        if (column_key(&col, key, t->N) < 0)
            return wk_fail(WK_EFORMAT, "'%s': %s: key '%s' is not a column from 1 to %zu", file,
                           where, key, t->N);
        if (!json_object_is_type(entry, json_type_object))
            return wk_fail(WK_EFORMAT, "'%s': %s: '%s': expected an object with a label", file,
                           where, key);
        char *label = wk_strdup(json_label(json_member(entry, "label")));
        if (!label) return wk_fail(WK_ENOMEM, "out of memory");
        free(t->labels[col]);
        t->labels[col] = label;
        if (order) order[(*n_order)++] = col;
    }
    return 0;
}

/* --- HDF5 helpers --- */

static int require_h5(hid_t loc, const char *file, const char *path)
{
    int e = wk_h5_exists(loc, path);
    if (e < 0) return e;
    return e ? 0 : wk_fail(WK_ENOTFOUND, "'%s': %s: missing", file, path);
}

/* A vector of at least `min` values (rank 1, or one dimension above 1). */
static int h5_vector(double **out, size_t *n, hid_t loc, const char *file, const char *path)
{
    int rank, rc = require_h5(loc, file, path);
    size_t dims[4];
    if (rc < 0 || (rc = wk_h5_read_double(loc, path, file, &rank, dims, out)) < 0) return rc;
    size_t count = 1, long_dims = 0;
    for (int i = 0; i < rank; i++) {
        count *= dims[i];
        long_dims += dims[i] > 1;
    }
    if (long_dims > 1) {
        free(*out);
        *out = NULL;
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a vector, found a %d-D array", file, path,
                       rank);
    }
    *n = count;
    return 0;
}

static int h5_matrix(float **out, size_t dims[2], hid_t loc, const char *file, const char *path)
{
    int rank, rc = require_h5(loc, file, path);
    size_t d[4];
    if (rc < 0 || (rc = wk_h5_read_float(loc, path, file, &rank, d, out)) < 0) return rc;
    if (rank != 2 || d[0] == 0 || d[1] == 0) {
        free(*out);
        *out = NULL;
        return wk_fail(WK_EFORMAT, "'%s': %s: expected a non-empty 2-D matrix", file, path);
    }
    dims[0] = d[0];
    dims[1] = d[1];
    return 0;
}

static int check_values(const struct wk_import_table *t, const char *file, const char *field)
{
    for (size_t k = 0; k < t->T * t->N; k++)
        if (isinf(t->values[k]))
            return wk_fail(WK_EFORMAT, "'%s': %s: infinite value (sample %zu, neuron %zu)", file,
                           field, k / t->N, k % t->N);
    return 0;
}

/* --- dag2023 --- */

/* "2022-06-14-01-data.h5" -> "2022-06-14-01" (also "x.h5" -> "x"). */
static char *dag_key(const char *path)
{
    char *key = wk_strdup(wk_dataset_base_name(path));
    if (!key) return NULL;
    size_t n = strlen(key);
    if (n > 8 && strcmp(key + n - 8, "-data.h5") == 0)
        key[n - 8] = '\0';
    else if (n > 3 && strcmp(key + n - 3, ".h5") == 0)
        key[n - 3] = '\0';
    return key;
}

/* Canonical names decided in the JSON's order (labeled columns first, as
 * the reference resolves "AVA?"), stored per column. */
static int dag_canonicalize(struct wk_import_table *t, const size_t *order, size_t n_order)
{
    size_t *perm = wk_malloc_array(t->N, sizeof *perm);
    const char **labels = wk_malloc_array(t->N, sizeof *labels);
    unsigned char *used = wk_calloc(t->N, 1);
    char **canon = NULL;
    int rc = perm && labels && used ? 0 : WK_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; rc == 0 && i < n_order; i++)
        if (!used[order[i]]) {
            used[order[i]] = 1;
            perm[m++] = order[i];
        }
    for (size_t i = 0; rc == 0 && i < t->N; i++)
        if (!used[i]) perm[m++] = i;
    for (size_t i = 0; rc == 0 && i < t->N; i++) labels[i] = t->labels[perm[i]];
    if (rc == 0 && (rc = wk_labels_canonicalize(&canon, labels, t->N, WK_LABEL_RULES_QUERY)) == 0) {
        if (!(t->canonical = wk_calloc(t->N ? t->N : 1, sizeof *t->canonical)))
            rc = WK_ENOMEM;
        for (size_t i = 0; rc == 0 && i < t->N; i++) {
            t->canonical[perm[i]] = canon[i];
            canon[i] = NULL;
        }
        wk_strv_free(canon, t->N);
    }
    free(perm);
    free(labels);
    free(used);
    return rc;
}

/* The label map of one file in the dictionary: the value itself, or the
 * first element of a [map, ...] pair; NULL when the file is not listed. */
static struct json_object *dag_entry(struct json_object *dict, const char *key)
{
    struct json_object *v = json_member(dict, key);
    if (json_object_is_type(v, json_type_array))
        v = json_object_array_length(v) > 0 ? json_object_array_get_idx(v, 0) : NULL;
    return v;
}

static int dag_table(struct wk_import_table **out, const char *path, hid_t loc)
{
    float *data = NULL;
    double *time = NULL;
    size_t dims[2], n_time = 0;
    int rc;
    *out = NULL;
    if ((rc = h5_matrix(&data, dims, loc, path, "gcamp/traces_array_F_F20")) == 0 &&
        (rc = h5_vector(&time, &n_time, loc, path, "timing/timestamp_confocal")) == 0) {
        if (n_time < dims[0])
            rc = wk_fail(WK_EFORMAT, "'%s': timing/timestamp_confocal: %zu samples, but "
                         "gcamp/traces_array_F_F20 has %zu", path, n_time, dims[0]);
        else if ((rc = wk_import_check_time(time, dims[0], path, "timing/timestamp_confocal")) == 0 &&
                 !(*out = wk_import_table_alloc(dims[0], dims[1])))
            rc = WK_ENOMEM;
    }
    if (rc == 0) {
        memcpy((*out)->time, time, dims[0] * sizeof *time);
        memcpy((*out)->values, data, dims[0] * dims[1] * sizeof *data);
        rc = check_values(*out, path, "gcamp/traces_array_F_F20");
    }
    free(data);
    free(time);
    if (rc < 0) {
        wk_import_table_free(*out);
        *out = NULL;
    }
    return rc;
}

static int dag_read_file(const char *path, struct json_object *dict, const char *dict_path,
                         wk_import_sink_fn sink, void *ctx)
{
    struct wk_file *f;
    int rc = wk_file_open_hdf5(&f, path);
    if (rc < 0) return rc;
    struct wk_import_table *t;
    rc = dag_table(&t, path, wk_file_hid(f));
    wk_file_close(f);
    if (rc < 0) return rc;
    char *key = dag_key(path);
    size_t *order = wk_malloc_array(t->N, sizeof *order), n_order = 0;
    if (!key || !order) rc = WK_ENOMEM;
    struct json_object *map = rc == 0 ? dag_entry(dict, key) : NULL;
    if (rc == 0 && map) rc = json_column_labels(t, order, &n_order, map, dict_path, key);
    if (rc == 0 && !map)
        wk_log(WK_LOG_INFO, "'%s': no entry '%s': every column unlabeled", dict_path, key);
    if (rc == 0) rc = dag_canonicalize(t, order, n_order);
    free(order);
    if (rc < 0) {
        free(key);
        wk_import_table_free(t);
        return rc;
    }
    rc = wk_dataset_emit(t, "dag2023", path, key, -1, WK_LABEL_RULES_QUERY, sink, ctx);
    free(key);
    return rc;
}

static char *path_join(const char *folder, const char *name)
{
    size_t n = strlen(folder) + strlen(name) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s", folder, name);
    return s;
}

static int file_exists(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (fp) fclose(fp);
    return fp != NULL;
}

/* The labels dictionary of a data file: in its folder or the one above. */
static char *dag_find_dictionary(const char *data_path)
{
    char *folder = wk_strdup(data_path);
    if (!folder) return NULL;
    char *slash = strrchr(folder, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(folder, ".");
    char *candidate = path_join(folder, DAG_LABELS_FILE);
    if (candidate && !file_exists(candidate)) {
        free(candidate);
        candidate = NULL;
        slash = strrchr(folder, '/');
        if (slash) *slash = '\0';
        char *above = !slash ? path_join("..", DAG_LABELS_FILE)
                      : slash == folder ? wk_strdup("/" DAG_LABELS_FILE)
                                        : path_join(folder, DAG_LABELS_FILE);
        if (above && file_exists(above))
            candidate = above;
        else
            free(above);
    }
    free(folder);
    return candidate;
}

static int dag_read_folder(const char *folder, wk_import_sink_fn sink, void *ctx)
{
    char *labeled = path_join(folder, DAG_LABELED_FOLDER);
    char *unlabeled = path_join(folder, DAG_UNLABELED_FOLDER);
    char *dict_path = path_join(folder, DAG_LABELS_FILE);
    char **files = NULL;
    size_t n = 0;
    struct json_object *dict = NULL;
    int rc = labeled && unlabeled && dict_path ? 0 : WK_ENOMEM;
    if (rc == 0 && !wk_dataset_is_folder(labeled))
        rc = wk_fail(WK_ENOTFOUND, "'%s': no %s/ folder (the labeled dag2023 worms)", folder,
                     DAG_LABELED_FOLDER);
    if (rc == 0 && (rc = json_load(&dict, dict_path)) == 0 &&
        (rc = wk_dataset_list_folder(&files, &n, labeled, ".h5")) == 0 && n == 0)
        rc = wk_fail(WK_ENOTFOUND, "'%s': no .h5 file in the folder", labeled);
    for (size_t i = 0; rc == 0 && i < n; i++) rc = dag_read_file(files[i], dict, dict_path, sink, ctx);
    if (rc == 0 && wk_dataset_is_folder(unlabeled))
        wk_log(WK_LOG_WARN, "'%s': skipped: worms without neuron identities", unlabeled);
    wk_strv_free(files, n);
    json_object_put(dict);
    free(labeled);
    free(unlabeled);
    free(dict_path);
    return rc;
}

int wk_import_read_dag2023(const char *path, const struct wk_import_options *o,
                           wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    if (strcmp(path, "-") == 0)
        return wk_fail(WK_EINVAL, "stdin: dag2023 needs the file name to find its labels");
    if (wk_dataset_is_folder(path)) return dag_read_folder(path, sink, ctx);
    char *dict_path = dag_find_dictionary(path);
    if (!dict_path)
        return wk_fail(WK_ENOTFOUND, "'%s': no %s in its folder or the folder above", path,
                       DAG_LABELS_FILE);
    struct json_object *dict;
    int rc = json_load(&dict, dict_path);
    if (rc == 0) rc = dag_read_file(path, dict, dict_path, sink, ctx);
    json_object_put(dict);
    free(dict_path);
    return rc;
}

/* --- flavell2023 --- */

/* A JSON number (null: NaN) as a double; -1 for anything else. */
static int json_number(double *x, struct json_object *v)
{
    if (!v) {
        *x = wk_nan();
        return 0;
    }
    if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
        return -1;
    *x = json_object_get_double(v);
    return 0;
}

static int json_time(double **out, size_t *T, struct json_object *root, const char *path)
{
    struct json_object *v = json_member(root, "timestamp_confocal");
    if (!v) return wk_fail(WK_ENOTFOUND, "'%s': timestamp_confocal: missing", path);
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
        return wk_fail(WK_EFORMAT, "'%s': timestamp_confocal: expected a list of numbers", path);
    size_t n = json_object_array_length(v);
    double *t = wk_malloc_array(n, sizeof *t);
    if (!t) return WK_ENOMEM;
    for (size_t k = 0; k < n; k++)
        if (json_number(&t[k], json_object_array_get_idx(v, k)) < 0) {
            free(t);
            return wk_fail(WK_EFORMAT, "'%s': timestamp_confocal[%zu]: not a number", path, k);
        }
    *out = t;
    *T = n;
    return 0;
}

static int json_traces(struct wk_import_table *t, struct json_object *traces, const char *path)
{
    for (size_t i = 0; i < t->N; i++) {
        struct json_object *row = json_object_array_get_idx(traces, i);
        if (!json_object_is_type(row, json_type_array) || json_object_array_length(row) != t->T)
            return wk_fail(WK_EFORMAT, "'%s': trace_array[%zu]: expected a list of %zu numbers "
                           "(one per timestamp_confocal)", path, i, t->T);
        for (size_t k = 0; k < t->T; k++) {
            double x;
            if (json_number(&x, json_object_array_get_idx(row, k)) < 0 || isinf(x) ||
                fabs(x) > 3.4e38)
                return wk_fail(WK_EFORMAT, "'%s': trace_array[%zu][%zu]: not a finite number",
                               path, i, k);
            t->values[k * t->N + i] = (float)x;
        }
    }
    return 0;
}

/* --- flavell2023 JSON, the direct reader ---
 * json-c makes an object per number, and a worm holds about a million
 * numbers.  This reader takes the usual shape of a flavell2023 file straight
 * from the text: number lists converted in place, other values (labeled
 * included) handed to json-c one at a time.  It declines (returns 1) on
 * anything else, malformed or unusual, and the json-c reader above then
 * gives the answer or the message, so both give the same results. */

struct scan {
    const char *p, *end;
};

static void scan_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int scan_take(struct scan *s, char c)
{
    scan_ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return 1;
    }
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Strict JSON number at p: its length (0: none), the count of its
 * significant digits, and whether it is an integer (json-c reads integers
 * as int64: only those of at most 15 digits are taken here). */
static size_t number_span(const char *p, const char *end, size_t *digits, int *integral)
{
    const char *q = p;
    *digits = 0;
    *integral = 1;
    if (q < end && *q == '-') q++;
    if (q >= end || !is_digit(*q)) return 0;
    if (*q == '0') q++;
    else
        while (q < end && is_digit(*q)) q++, ++*digits;
    if (q < end && *q == '.') {
        *integral = 0;
        if (++q >= end || !is_digit(*q)) return 0;
        while (q < end && is_digit(*q)) q++, ++*digits;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        *integral = 0;
        if (++q < end && (*q == '+' || *q == '-')) q++;
        if (q >= end || !is_digit(*q)) return 0;
        while (q < end && is_digit(*q)) q++;
    }
    if (q < end && !strchr(" \t\r\n,]}", *q)) return 0;
    return (size_t)(q - p);
}

static int scan_literal(struct scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return 0;
    if (s->p + n < s->end && !strchr(" \t\r\n,]}", s->p[n])) return 0;
    s->p += n;
    return 1;
}

/* null (a missing value) or NaN (json_nan) at s: 1 with *x set, else 0. */
static int scan_missing(struct scan *s, double *x, double json_nan)
{
    scan_ws(s);
    if (scan_literal(s, "null")) {
        *x = wk_nan();
        return 1;
    }
    if (scan_literal(s, "NaN")) {
        *x = json_nan;
        return 1;
    }
    return 0;
}

/* One element of a number list as json_number reads it: 0, or 1 to decline. */
static int scan_double(struct scan *s, double *x, double json_nan)
{
    if (scan_missing(s, x, json_nan))
        return 0;
    size_t digits;
    int integral;
    size_t n = number_span(s->p, s->end, &digits, &integral);
    if (n == 0 || (integral && digits > 15)) return 1;
    char *e;
    *x = strtod(s->p, &e);
    if (e != s->p + n) return 1;
    if (integral && *x == 0) *x = 0; /* json-c: "-0" is the integer 0 */
    s->p += n;
    return 0;
}

/* Decimal mantissa and exponent of a number of number_span; 0 when the
 * mantissa has more than 19 digits or the exponent is far out. */
static int decimal_parts(const char *p, size_t n, uint64_t *mant, int *exp10)
{
    const char *end = p + n;
    uint64_t m = 0;
    int digits = 0, e = 0;
    if (*p == '-') p++;
    for (; p < end && is_digit(*p); p++) {
        if (m || *p != '0') digits++;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (p < end && *p == '.')
        for (p++; p < end && is_digit(*p); p++, e--) {
            if (m || *p != '0') digits++;
            m = m * 10 + (uint64_t)(*p - '0');
        }
    if (digits > 19) return 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        int sign = 1, x = 0;
        if (*++p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
        for (; p < end && is_digit(*p); p++)
            if ((x = x * 10 + (*p - '0')) > 400) return 0;
        e += sign * x;
    }
    *mant = m;
    *exp10 = e;
    return 1;
}

/* (float) of the correctly rounded double of a number of number_span,
 * without strtod when two roundings of (double)mant * 10^e cannot move it
 * across a float rounding boundary; 0, or 1 for a value out of float range. */
static int number_to_float(float *out, const char *p, size_t n)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    uint64_t mant;
    int e;
    if (decimal_parts(p, n, &mant, &e) && e >= -22 && e <= 22) {
        double d = (double)mant;
        d = e >= 0 ? d * p10[e] : d / p10[-e];
        if (*p == '-') d = -d;
        double slack = fabs(d) * 1e-15; /* the two roundings: at most 2.3e-16 relative */
        float lo = (float)(d - slack), hi = (float)(d + slack);
        if (lo == hi && fabs(d) < 3e38) {
            *out = (float)d;
            return 0;
        }
    }
    double x = strtod(p, NULL);
    if (isinf(x) || fabs(x) > 3.4e38) return 1;
    *out = (float)x;
    return 0;
}

/* One element of trace_array as json_traces stores it; 1 to decline. */
static int scan_float(struct scan *s, float *x, double json_nan)
{
    double missing;
    if (scan_missing(s, &missing, json_nan)) {
        *x = (float)missing;
        return 0;
    }
    size_t digits;
    int integral;
    size_t n = number_span(s->p, s->end, &digits, &integral);
    if (n == 0 || (integral && digits > 15) || number_to_float(x, s->p, n)) return 1;
    if (integral && *x == 0) *x = 0; /* json-c: "-0" is the integer 0 */
    s->p += n;
    return 0;
}

/* timestamp_confocal: a non-empty list of numbers. */
static int scan_time(struct scan *s, double **time, size_t *T, double json_nan)
{
    size_t cap = 1024, n = 0;
    double *t = wk_malloc_array(cap, sizeof *t);
    if (!t || !scan_take(s, '[')) goto decline;
    do {
        if (n == cap) {
            double *g = wk_realloc_array(t, cap *= 2, sizeof *t);
            if (!g) goto decline;
            t = g;
        }
        if (scan_double(s, &t[n++], json_nan)) goto decline;
    } while (scan_take(s, ','));
    if (!scan_take(s, ']')) goto decline;
    *time = t;
    *T = n;
    return 0;
decline:
    free(t);
    return 1;
}

/* trace_array: a non-empty list of lists of T numbers, into vals[N][T]. */
static int scan_traces(struct scan *s, float **vals, size_t *N, size_t T, double json_nan)
{
    size_t cap = 8, n = 0;
    float *v = wk_malloc_array(cap * T, sizeof *v);
    if (!v || !scan_take(s, '[')) goto decline;
    do {
        if (n == cap) {
            float *g = wk_realloc_array(v, (cap *= 2) * T, sizeof *v);
            if (!g) goto decline;
            v = g;
        }
        if (!scan_take(s, '[')) goto decline;
        for (size_t k = 0; k < T; k++)
            if ((k > 0 && !scan_take(s, ',')) || scan_float(s, &v[n * T + k], json_nan)) goto decline;
        if (!scan_take(s, ']')) goto decline;
        n++;
    } while (scan_take(s, ','));
    if (!scan_take(s, ']')) goto decline;
    *vals = v;
    *N = n;
    return 0;
decline:
    free(v);
    return 1;
}

/* Any other member's value through json-c; *out is the value (NULL for
 * null), or left alone when out is NULL.  1 to decline. */
static int scan_value(struct scan *s, struct json_object **out)
{
    scan_ws(s);
    struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH - 1);
    if (!tok) return 1;
    struct json_object *v = json_tokener_parse_ex(tok, s->p, (int)(s->end - s->p));
    int failed = json_tokener_get_error(tok) != json_tokener_success;
    s->p += json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (failed || !out) json_object_put(v);
    else *out = v;
    return failed;
}

/* The value of json-c's NaN literal, as the json-c reader stores it. */
static double json_c_nan(void)
{
    struct json_object *v = json_tokener_parse("NaN");
    double x = v ? json_object_get_double(v) : wk_nan();
    json_object_put(v);
    return x;
}

struct fast_worm {
    double *time;
    size_t T, N;
    float *vals; /* [N][T] */
    struct json_object *labeled;
    int have_labeled;
};

/* The top-level object; 1 to decline. */
static int scan_worm(struct fast_worm *w, struct scan *s)
{
    double json_nan = json_c_nan();
    if (!scan_take(s, '{')) return 1;
    if (scan_take(s, '}')) return 1;
    do {
        if (!scan_take(s, '"')) return 1;
        const char *key = s->p;
        while (s->p < s->end && *s->p != '"' && *s->p != '\\' && *s->p != '\0') s->p++;
        if (s->p >= s->end || *s->p != '"') return 1;
        size_t len = (size_t)(s->p++ - key);
        if (!scan_take(s, ':')) return 1;
        int rc;
        if (len == 18 && memcmp(key, "timestamp_confocal", len) == 0)
            rc = w->time || scan_time(s, &w->time, &w->T, json_nan);
        else if (len == 11 && memcmp(key, "trace_array", len) == 0)
            rc = w->vals || !w->time || scan_traces(s, &w->vals, &w->N, w->T, json_nan);
        else if (len == 7 && memcmp(key, "labeled", len) == 0)
            rc = w->have_labeled || (w->have_labeled = 1, scan_value(s, &w->labeled));
        else
            rc = scan_value(s, NULL);
        if (rc) return 1;
    } while (scan_take(s, ','));
    if (!scan_take(s, '}')) return 1;
    scan_ws(s);
    return s->p != s->end || !w->time || !w->vals || !w->labeled;
}

/* 0 and the table, 1 to let the json-c reader answer, or a negative code
 * (a message already given) from the checks both readers share. */
static int flavell_json_fast(struct wk_import_table **out, const char *text, size_t size, const char *path)
{
    struct fast_worm w = {0};
    struct scan s = {text, text + size};
    int rc = size <= (size_t)INT32_MAX && size > 0 ? scan_worm(&w, &s) : 1;
    if (rc == 0) rc = wk_import_check_time(w.time, w.T, path, "timestamp_confocal");
    if (rc == 0 && !(*out = wk_import_table_alloc(w.T, w.N))) rc = 1;
    if (rc == 0) {
        memcpy((*out)->time, w.time, w.T * sizeof *w.time);
        for (size_t i = 0; i < w.N; i++)
            for (size_t k = 0; k < w.T; k++) (*out)->values[k * w.N + i] = w.vals[i * w.T + k];
        size_t n_order;
        rc = json_column_labels(*out, NULL, &n_order, w.labeled, path, "labeled");
        if (rc < 0) {
            wk_import_table_free(*out);
            *out = NULL;
        }
    }
    free(w.time);
    free(w.vals);
    json_object_put(w.labeled);
    return rc;
}

static int flavell_json_table(struct wk_import_table **out, const char *path)
{
    struct json_object *root;
    char *text;
    size_t size;
    *out = NULL;
    int rc = wk_dataset_slurp(&text, &size, path);
    if (rc < 0) return rc;
    rc = flavell_json_fast(out, text, size, path);
    free(text);
    if (rc <= 0) return rc;
    if ((rc = json_load(&root, path)) < 0) return rc;
    double *time = NULL;
    size_t T = 0;
    struct json_object *traces = json_member(root, "trace_array");
    struct json_object *labeled = json_member(root, "labeled");
    if (!json_object_is_type(root, json_type_object))
        rc = wk_fail(WK_EFORMAT, "'%s': expected a JSON object at the top", path);
    else if ((rc = json_time(&time, &T, root, path)) < 0)
        ;
    else if (!traces)
        rc = wk_fail(WK_ENOTFOUND, "'%s': trace_array: missing", path);
    else if (!json_object_is_type(traces, json_type_array) || json_object_array_length(traces) == 0)
        rc = wk_fail(WK_EFORMAT, "'%s': trace_array: expected a list of traces", path);
    else if (!labeled)
        rc = wk_fail(WK_ENOTFOUND, "'%s': labeled: missing", path);
    else if ((rc = wk_import_check_time(time, T, path, "timestamp_confocal")) < 0)
        ;
    else if (!(*out = wk_import_table_alloc(T, json_object_array_length(traces))))
        rc = WK_ENOMEM;
    else {
        memcpy((*out)->time, time, T * sizeof *time);
        size_t n_order;
        if ((rc = json_traces(*out, traces, path)) == 0)
            rc = json_column_labels(*out, NULL, &n_order, labeled, path, "labeled");
    }
    free(time);
    json_object_put(root);
    if (rc < 0) {
        wk_import_table_free(*out);
        *out = NULL;
    }
    return rc;
}

/* /labeled/<1-based index>/label in the HDF5 variant. */
struct h5_labels {
    struct wk_import_table *t;
    const char *path;
    int rc;
};

static herr_t h5_label_visit(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
    struct h5_labels *s = data;
    (void)info;
    size_t col;
    char where[300];
    if (column_key(&col, name, s->t->N) < 0) {
        s->rc = wk_fail(WK_EFORMAT, "'%s': labeled/%s: not a neuron index from 1 to %zu", s->path,
                        name, s->t->N);
        return -1;
    }
    snprintf(where, sizeof where, "%s/label", name);
    size_t n = 0;
    char **v = NULL;
    if ((s->rc = require_h5(group, s->path, where)) < 0 ||
        (s->rc = wk_h5_read_strings(group, where, s->path, &n, &v)) < 0)
        return -1;
    const char *first = "";
    for (size_t i = 0; i < n && !first[0]; i++) first = v[i] ? v[i] : "";
    char *label = wk_strdup(first);
    wk_strv_free(v, n);
    if (!label) {
        s->rc = wk_fail(WK_ENOMEM, "out of memory");
        return -1;
    }
    free(s->t->labels[col]);
    s->t->labels[col] = label;
    return 0;
}

static int h5_labels(struct wk_import_table *t, hid_t loc, const char *path)
{
    int rc = require_h5(loc, path, "labeled");
    if (rc < 0) return rc;
    hid_t g = H5Gopen2(loc, "labeled", H5P_DEFAULT);
    if (g < 0) return wk_h5_fail(path, "labeled: not a group");
    struct h5_labels s = {t, path, 0};
    hsize_t idx = 0;
    herr_t e = H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, h5_label_visit, &s);
    H5Gclose(g);
    if (s.rc < 0) return s.rc;
    return e < 0 ? wk_h5_fail(path, "labeled: cannot list") : 0;
}

static int flavell_h5_table(struct wk_import_table **out, const char *path)
{
    struct wk_file *f;
    *out = NULL;
    int rc = wk_file_open_hdf5(&f, path);
    if (rc < 0) return rc;
    hid_t loc = wk_file_hid(f);
    float *data = NULL;
    double *time = NULL;
    size_t dims[2], T = 0;
    if ((rc = h5_vector(&time, &T, loc, path, "timestamp_confocal")) == 0 &&
        (rc = h5_matrix(&data, dims, loc, path, "trace_array")) == 0) {
        if (dims[1] != T)
            rc = wk_fail(WK_EFORMAT, "'%s': trace_array: %zu x %zu, expected neurons x %zu "
                         "(one per timestamp_confocal)", path, dims[0], dims[1], T);
        else if ((rc = wk_import_check_time(time, T, path, "timestamp_confocal")) == 0 &&
                 !(*out = wk_import_table_alloc(T, dims[0])))
            rc = WK_ENOMEM;
    }
    if (rc == 0) {
        struct wk_import_table *t = *out;
        memcpy(t->time, time, T * sizeof *time);
        for (size_t i = 0; i < t->N; i++)
            for (size_t k = 0; k < T; k++) t->values[k * t->N + i] = data[i * T + k];
        if ((rc = check_values(t, path, "trace_array")) == 0) rc = h5_labels(t, loc, path);
    }
    free(data);
    free(time);
    wk_file_close(f);
    if (rc < 0) {
        wk_import_table_free(*out);
        *out = NULL;
    }
    return rc;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int flavell_read_file(const char *path, wk_import_sink_fn sink, void *ctx)
{
    struct wk_import_table *t;
    int rc = ends_with(path, ".json") ? flavell_json_table(&t, path) : flavell_h5_table(&t, path);
    if (rc < 0) return rc;
    return wk_dataset_emit(t, "flavell2023", path, NULL, -1, WK_LABEL_RULES_QUERY, sink, ctx);
}

int wk_import_read_flavell2023(const char *path, const struct wk_import_options *o,
                               wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    if (strcmp(path, "-") == 0)
        return wk_fail(WK_EINVAL, "stdin: flavell2023 files must be named (.json or .h5)");
    if (!wk_dataset_is_folder(path)) return flavell_read_file(path, sink, ctx);
    char **files;
    size_t n;
    int rc = wk_dataset_list_folder(&files, &n, path, ".h5 .json");
    if (rc < 0) return rc;
    if (n == 0) rc = wk_fail(WK_ENOTFOUND, "'%s': no .h5 or .json file in the folder", path);
    for (size_t i = 0; i < n && rc == 0; i++) rc = flavell_read_file(files[i], sink, ctx);
    wk_strv_free(files, n);
    return rc;
}
