/* info.c - per-recording summaries and the full layout check (worm-info). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_info.h"
#include "wormkit/wk_util.h"

int wk_info_compute(struct wk_info *info, const struct wk_recording *rec)
{
    memset(info, 0, sizeof *info);
    info->id = wk_strdup(rec->id);
    info->dataset = wk_strdup(rec->dataset ? rec->dataset : "");
    if (!info->id || !info->dataset) {
        wk_info_clear(info);
        return wk_fail(WK_ENOMEM, "out of memory");
    }
    info->samples = rec->T;
    info->duration = rec->T ? rec->time[rec->T - 1] - rec->time[0] : 0.0;
    info->median_dt = wk_recording_median_dt(rec);
    for (size_t c = 0; c < rec->C; c++) {
        if (!rec->present[c]) continue;
        if (c < WK_ATLAS_SIZE) info->labeled++;
        else info->unlabeled++;
    }
    size_t nan_count = 0;
    for (size_t t = 0; t < rec->T; t++) {
        const float *row = rec->traces + t * rec->C;
        for (size_t c = 0; c < rec->C; c++)
            if (rec->present[c] && isnan(row[c])) nan_count++;
    }
    info->present = info->labeled + info->unlabeled;
    double cells = (double)info->present * (double)rec->T;
    info->nan_fraction = cells > 0 ? (double)nan_count / cells : wk_nan();
    return 0;
}

void wk_info_clear(struct wk_info *info)
{
    if (!info) return;
    free(info->id);
    free(info->dataset);
    memset(info, 0, sizeof *info);
}

int wk_info_parse_format(enum wk_info_format *fmt, const char *text)
{
    static const char *const names[] = {"table", "tsv", "json"};
    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0) {
            *fmt = (enum wk_info_format)i;
            return 0;
        }
    wk_cli_usage_error("invalid --format '%s' (want table, tsv or json)", text);
    return WK_EUSAGE;
}

int wk_info_list_add_file(struct wk_info_list *list, const struct wk_file *f)
{
    char **ids = NULL;
    size_t n = 0;
    int rc = wk_file_recording_ids(f, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (list->n == list->cap) {
            size_t cap = list->cap ? 2 * list->cap : 8;
            struct wk_info *rows = wk_realloc_array(list->rows, cap, sizeof *rows);
            if (!rows) {
                rc = WK_ENOMEM;
                break;
            }
            list->rows = rows;
            list->cap = cap;
        }
        struct wk_recording *rec = NULL;
        rc = wk_recording_read(f, ids[i], &rec);
        if (rc == 0) rc = wk_info_compute(&list->rows[list->n], rec);
        if (rc == 0) list->n++;
        wk_recording_free(rec);
    }
    wk_strv_free(ids, n);
    return rc;
}

void wk_info_list_clear(struct wk_info_list *list)
{
    if (!list) return;
    for (size_t i = 0; i < list->n; i++) wk_info_clear(&list->rows[i]);
    free(list->rows);
    memset(list, 0, sizeof *list);
}

/* ---------------------------------------------------------------- output */

#define N_COLS 9
static const char *const HEADER[N_COLS] = {"id", "dataset", "samples", "duration_s", "median_dt_s",
                                           "labeled", "unlabeled", "present", "nan_fraction"};

/* Shortest "%.*g" text that reads back as v. */
static void format_exact(char *buf, size_t len, double v)
{
    if (isnan(v)) {
        snprintf(buf, len, "nan");
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v) return;
    }
}

/* Text of numeric column col (2..8) of a row. */
static void format_number(char *buf, size_t len, const struct wk_info *r, int col, enum wk_info_format fmt)
{
    int table = fmt == WK_INFO_TABLE;
    switch (col) {
    case 2: snprintf(buf, len, "%zu", r->samples); break;
    case 3:
        if (table) snprintf(buf, len, "%.3f", r->duration);
        else format_exact(buf, len, r->duration);
        break;
    case 4:
        if (table && !isnan(r->median_dt)) snprintf(buf, len, "%.4g", r->median_dt);
        else format_exact(buf, len, r->median_dt);
        break;
    case 5: snprintf(buf, len, "%zu", r->labeled); break;
    case 6: snprintf(buf, len, "%zu", r->unlabeled); break;
    case 7: snprintf(buf, len, "%zu", r->present); break;
    default:
        if (table && !isnan(r->nan_fraction)) snprintf(buf, len, "%.4f", r->nan_fraction);
        else format_exact(buf, len, r->nan_fraction);
        break;
    }
}

/* A string cell with control characters (tabs, newlines) shown as blanks. */
static void put_plain(FILE *out, const char *s)
{
    for (; *s; s++) fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, out);
}

static const char *table_string(const struct wk_info *r, int col)
{
    const char *s = col == 0 ? r->id : r->dataset;
    return *s ? s : "-";
}

static void print_table(FILE *out, const struct wk_info_list *list)
{
    size_t width[N_COLS];
    char buf[64];
    for (int k = 0; k < N_COLS; k++) width[k] = strlen(HEADER[k]);
    for (size_t i = 0; i < list->n; i++)
        for (int k = 0; k < N_COLS; k++) {
            size_t w;
            if (k < 2) w = strlen(table_string(&list->rows[i], k));
            else {
                format_number(buf, sizeof buf, &list->rows[i], k, WK_INFO_TABLE);
                w = strlen(buf);
            }
            if (w > width[k]) width[k] = w;
        }
    for (int k = 0; k < N_COLS; k++)
        fprintf(out, k < 2 ? "%s%-*s" : "%s%*s", k ? "  " : "", (int)width[k], HEADER[k]);
    fputc('\n', out);
    for (size_t i = 0; i < list->n; i++) {
        for (int k = 0; k < N_COLS; k++) {
            fputs(k ? "  " : "", out);
            if (k < 2) {
                const char *s = table_string(&list->rows[i], k);
                put_plain(out, s);
                for (size_t w = strlen(s); w < width[k]; w++) fputc(' ', out);
            } else {
                format_number(buf, sizeof buf, &list->rows[i], k, WK_INFO_TABLE);
                fprintf(out, "%*s", (int)width[k], buf);
            }
        }
        fputc('\n', out);
    }
}

static void print_tsv(FILE *out, const struct wk_info_list *list)
{
    char buf[64];
    for (int k = 0; k < N_COLS; k++) fprintf(out, "%s%s", k ? "\t" : "", HEADER[k]);
    fputc('\n', out);
    for (size_t i = 0; i < list->n; i++) {
        const struct wk_info *r = &list->rows[i];
        put_plain(out, r->id);
        fputc('\t', out);
        put_plain(out, r->dataset);
        for (int k = 2; k < N_COLS; k++) {
            format_number(buf, sizeof buf, r, k, WK_INFO_TSV);
            fprintf(out, "\t%s", buf);
        }
        fputc('\n', out);
    }
}

static void put_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (ch < 0x20 || ch == 0x7f) fprintf(out, "\\u%04x", ch);
            else fputc(ch, out);
        }
    }
    fputc('"', out);
}

static void print_json(FILE *out, const struct wk_info_list *list)
{
    char buf[64];
    if (list->n == 0) {
        fputs("[]\n", out);
        return;
    }
    fputs("[\n", out);
    for (size_t i = 0; i < list->n; i++) {
        const struct wk_info *r = &list->rows[i];
        fputs("  {\"id\": ", out);
        put_json_string(out, r->id);
        fputs(", \"dataset\": ", out);
        put_json_string(out, r->dataset);
        for (int k = 2; k < N_COLS; k++) {
            format_number(buf, sizeof buf, r, k, WK_INFO_JSON);
            fprintf(out, ", \"%s\": %s", HEADER[k], strcmp(buf, "nan") == 0 ? "null" : buf);
        }
        fputs(i + 1 < list->n ? "},\n" : "}\n", out);
    }
    fputs("]\n", out);
}

void wk_info_list_print(FILE *out, const struct wk_info_list *list, enum wk_info_format fmt)
{
    if (fmt == WK_INFO_TSV) print_tsv(out, list);
    else if (fmt == WK_INFO_JSON) print_json(out, list);
    else print_table(out, list);
}

int wk_info_print_history(FILE *out, const struct wk_file *f)
{
    char **lines = NULL;
    size_t n = 0;
    int rc = wk_file_history(f, &lines, &n);
    if (rc < 0) return rc;
    for (size_t i = 0; i < n; i++) fprintf(out, "%s\n", lines[i]);
    wk_strv_free(lines, n);
    return 0;
}

/* ----------------------------------------------------------------- check */

static int check_root(const struct wk_file *f)
{
    const char *name = wk_file_name(f);
    hid_t root = H5Gopen2(wk_file_hid(f), "/", H5P_DEFAULT);
    if (root < 0) return wk_h5_fail(name, "/");
    char *format = NULL;
    long version = 0;
    int rc = wk_h5_get_attr_string(root, "wormkit_format", &format);
    if (rc == WK_ENOTFOUND) rc = wk_fail(WK_EFORMAT, "'%s': /wormkit_format: attribute missing", name);
    else if (rc == 0 && strcmp(format, WK_FORMAT_NAME) != 0)
        rc = wk_fail(WK_EFORMAT, "'%s': /wormkit_format: '%s' is not '%s'", name, format, WK_FORMAT_NAME);
    free(format);
    if (rc == 0) {
        rc = wk_h5_get_attr_long(root, "wormkit_version", &version);
        if (rc == WK_ENOTFOUND) rc = wk_fail(WK_EFORMAT, "'%s': /wormkit_version: attribute missing", name);
        else if (rc == 0 && version != WK_FORMAT_VERSION)
            rc = wk_fail(WK_EFORMAT, "'%s': /wormkit_version: %ld is not %d", name, version, WK_FORMAT_VERSION);
    }
    if (rc == 0) {
        htri_t has = H5Aexists(root, "history");
        if (has < 0) rc = wk_h5_fail(name, "/history");
        else if (has) {
            char **lines = NULL;
            size_t n = 0;
            rc = wk_file_history(f, &lines, &n);
            wk_strv_free(lines, n);
        }
    }
    H5Gclose(root);
    return rc;
}

static int check_atlas(const struct wk_file *f)
{
    const char *name = wk_file_name(f);
    char **names = NULL;
    size_t n = 0;
    int rc = wk_h5_exists(wk_file_hid(f), "/atlas/neurons");
    if (rc == 0) return wk_fail(WK_EFORMAT, "'%s': /atlas/neurons: missing", name);
    if (rc < 0) return rc;
    rc = wk_h5_read_strings(wk_file_hid(f), "/atlas/neurons", name, &n, &names);
    if (rc < 0) return rc;
    if (n != WK_ATLAS_SIZE)
        rc = wk_fail(WK_EFORMAT, "'%s': /atlas/neurons: %zu names, the atlas has %d", name, n, WK_ATLAS_SIZE);
    for (size_t k = 0; rc == 0 && k < n; k++)
        if (strcmp(names[k], wk_atlas_name(k)) != 0)
            rc = wk_fail(WK_EFORMAT, "'%s': /atlas/neurons: entry %zu is '%s', the atlas has '%s'", name, k,
                         names[k], wk_atlas_name(k));
    wk_strv_free(names, n);
    return rc;
}

static int check_dt(const struct wk_recording *rec, const char *name)
{
    if (!isfinite(rec->dt)) return 0;
    if (rec->dt <= 0)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/dt: %g is not positive", name, rec->id, rec->dt);
    double median = wk_recording_median_dt(rec);
    if (isfinite(median) && fabs(rec->dt - median) > 0.01 * median)
        return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/dt: %g differs from the median time step %g by more than 1%%",
                       name, rec->id, rec->dt, median);
    return 0;
}

static int check_present(const struct wk_recording *rec, const char *name)
{
    unsigned char *finite = wk_calloc(rec->C ? rec->C : 1, 1);
    if (!finite) return WK_ENOMEM;
    for (size_t t = 0; t < rec->T; t++)
        for (size_t c = 0; c < rec->C; c++)
            if (isfinite(rec->traces[t * rec->C + c])) finite[c] = 1;
    int rc = 0;
    for (size_t c = 0; c < rec->C; c++) {
        if ((rec->present[c] != 0) == finite[c]) continue;
        rc = wk_fail(WK_EFORMAT, "'%s': /recordings/%s/present: column %zu (%s) is %d but traces has %s in it",
                     name, rec->id, c, rec->label[c], rec->present[c],
                     finite[c] ? "finite values" : "no finite value");
        break;
    }
    free(finite);
    return rc;
}

static int check_recordings(const struct wk_file *f, size_t *count)
{
    char **ids = NULL;
    size_t n = 0;
    int rc = wk_file_recording_ids(f, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct wk_recording *rec = NULL;
        rc = wk_recording_read(f, ids[i], &rec);
        if (rc == 0) rc = check_dt(rec, wk_file_name(f));
        if (rc == 0) rc = check_present(rec, wk_file_name(f));
        wk_recording_free(rec);
    }
    wk_strv_free(ids, n);
    if (rc == 0) *count = n;
    return rc;
}

/* The dataset `field` of a connectome group, when present: float32 [300][300]. */
static int check_square(hid_t g, const char *field, const char *path, const char *name, int *found)
{
    *found = 0;
    int rc = wk_h5_exists(g, field);
    if (rc <= 0) return rc;
    *found = 1;
    hid_t d = H5Dopen2(g, field, H5P_DEFAULT);
    if (d < 0) return wk_fail(WK_EFORMAT, "'%s': %s/%s: not a dataset", name, path, field);
    hid_t type = H5Dget_type(d), space = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    int ok = type >= 0 && space >= 0 && H5Tget_class(type) == H5T_FLOAT && H5Tget_size(type) == 4 &&
             H5Sget_simple_extent_ndims(space) == 2 && H5Sget_simple_extent_dims(space, dims, NULL) == 2 &&
             dims[0] == WK_ATLAS_SIZE && dims[1] == WK_ATLAS_SIZE;
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Dclose(d);
    if (!ok) return wk_fail(WK_EFORMAT, "'%s': %s/%s: not a float32 [300][300] array", name, path, field);
    return 0;
}

static int check_symmetric(hid_t g, const char *path, const char *name)
{
    int rank;
    size_t dims[4];
    float *gap = NULL;
    int rc = wk_h5_read_float(g, "gap", name, &rank, dims, &gap);
    if (rc < 0) return rc;
    for (size_t i = 0; rc == 0 && i < WK_ATLAS_SIZE; i++)
        for (size_t j = i + 1; j < WK_ATLAS_SIZE; j++) {
            float a = gap[i * WK_ATLAS_SIZE + j], b = gap[j * WK_ATLAS_SIZE + i];
            if (a == b || (isnan(a) && isnan(b))) continue;
            rc = wk_fail(WK_EFORMAT, "'%s': %s/gap: not symmetric (%s-%s %g, %s-%s %g)", name, path,
                         wk_atlas_name(i), wk_atlas_name(j), (double)a, wk_atlas_name(j), wk_atlas_name(i),
                         (double)b);
            break;
        }
    free(gap);
    return rc;
}

struct connectome_walk {
    const char *name;
    int rc;
};

static herr_t check_connectome(hid_t parent, const char *id, const H5L_info_t *info, void *data)
{
    (void)info;
    struct connectome_walk *walk = data;
    char path[512];
    snprintf(path, sizeof path, "/connectomes/%s", id);
    hid_t g = H5Gopen2(parent, id, H5P_DEFAULT);
    if (g < 0) {
        walk->rc = wk_fail(WK_EFORMAT, "'%s': %s: not a group", walk->name, path);
        return 1;
    }
    int has_chem = 0, has_gap = 0;
    int rc = check_square(g, "chem", path, walk->name, &has_chem);
    if (rc == 0) rc = check_square(g, "gap", path, walk->name, &has_gap);
    if (rc == 0 && has_gap) rc = check_symmetric(g, path, walk->name);
    if (rc == 0 && !has_chem && !has_gap)
        rc = wk_fail(WK_EFORMAT, "'%s': %s: neither chem nor gap", walk->name, path);
    H5Gclose(g);
    walk->rc = rc;
    return rc < 0 ? 1 : 0;
}

static int check_connectomes(const struct wk_file *f)
{
    const char *name = wk_file_name(f);
    int rc = wk_h5_exists(wk_file_hid(f), "/connectomes");
    if (rc <= 0) return rc;
    hid_t g = H5Gopen2(wk_file_hid(f), "/connectomes", H5P_DEFAULT);
    if (g < 0) return wk_fail(WK_EFORMAT, "'%s': /connectomes: not a group", name);
    struct connectome_walk walk = {name, 0};
    hsize_t idx = 0;
    herr_t status = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, check_connectome, &walk);
    H5Gclose(g);
    if (walk.rc < 0) return walk.rc;
    if (status < 0) return wk_h5_fail(name, "/connectomes");
    return 0;
}

int wk_info_check(const struct wk_file *f, size_t *n_recordings)
{
    size_t n = 0;
    int rc = check_root(f);
    if (rc == 0) rc = check_atlas(f);
    if (rc == 0) rc = check_recordings(f, &n);
    if (rc == 0) rc = check_connectomes(f);
    if (rc == 0) *n_recordings = n;
    return rc;
}
