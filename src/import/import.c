/* import.c - the format registry, shared import steps, and the worm-import
 * run (tables -> recordings -> one wormkit file). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_labels.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"

/* Readers, in the order --help lists them.  A dataset reader adds a line. */
static const struct wk_import_format formats[] = {
    {"csv", ".csv", "comma-separated table: a time column, then one column per neuron",
     wk_import_read_csv},
    {"tsv", ".tsv .txt .tab", "tab-separated table, as csv", wk_import_read_tsv},
    {"h5", ".h5 .hdf5 .he5", "HDF5 file with a traces matrix, labels and time",
     wk_import_read_h5matrix},
    {NULL, NULL, NULL, NULL},
};

const struct wk_import_format *wk_import_formats(void)
{
    return formats;
}

const struct wk_import_format *wk_import_format_find(const char *name)
{
    if (!name) return NULL;
    for (const struct wk_import_format *f = formats; f->name; f++)
        if (strcmp(f->name, name) == 0) return f;
    return NULL;
}

/* 1 when ext (".csv") is one of the space-separated words of list. */
static int has_extension(const char *list, const char *ext)
{
    size_t len = strlen(ext);
    for (const char *p = list; *p;) {
        size_t word = strcspn(p, " ");
        if (word == len && strncasecmp(p, ext, len) == 0) return 1;
        p += word;
        while (*p == ' ') p++;
    }
    return 0;
}

const struct wk_import_format *wk_import_format_for_path(const char *path)
{
    if (!path) return NULL;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *ext = strrchr(base, '.');
    if (!ext || ext == base) return NULL;
    for (const struct wk_import_format *f = formats; f->name; f++)
        if (has_extension(f->extensions, ext)) return f;
    return NULL;
}

void wk_import_options_init(struct wk_import_options *o)
{
    memset(o, 0, sizeof *o);
    o->dt = wk_nan();
    o->traces_path = "traces";
    o->labels_path = "labels";
    o->time_path = "time";
    o->orientation = WK_IMPORT_AUTO_ORIENTATION;
}

struct wk_import_table *wk_import_table_alloc(size_t T, size_t N)
{
    size_t cells;
    if (wk_size_mul(&cells, T, N) < 0) {
        wk_log(WK_LOG_ERROR, "table of %zu x %zu values is too large", T, N);
        return NULL;
    }
    struct wk_import_table *t = wk_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->T = T;
    t->N = N;
    t->dt = wk_nan();
    t->worm = -1;
    t->time = wk_calloc(T, sizeof *t->time);
    t->values = wk_malloc_array(cells, sizeof *t->values);
    t->labels = wk_calloc(N, sizeof *t->labels);
    if (!t->time || !t->values || !t->labels) {
        wk_import_table_free(t);
        return NULL;
    }
    for (size_t i = 0; i < cells; i++) t->values[i] = wk_nanf();
    for (size_t i = 0; i < N; i++)
        if (!(t->labels[i] = wk_strdup(""))) {
            wk_log(WK_LOG_ERROR, "out of memory");
            wk_import_table_free(t);
            return NULL;
        }
    return t;
}

void wk_import_table_free(struct wk_import_table *t)
{
    if (!t) return;
    free(t->time);
    free(t->values);
    if (t->labels) wk_strv_free(t->labels, t->N);
    if (t->canonical) wk_strv_free(t->canonical, t->N);
    free(t->keep);
    free(t->name);
    free(t->dataset);
    free(t->source_file);
    free(t);
}

int wk_import_read(const char *path, const struct wk_import_options *o,
                   wk_import_sink_fn sink, void *ctx)
{
    const struct wk_import_format *f;
    if (o->format) {
        if (!(f = wk_import_format_find(o->format)))
            return wk_fail(WK_EINVAL, "unknown input format '%s'", o->format);
    } else if (strcmp(path, "-") == 0) {
        return wk_fail(WK_EINVAL, "stdin: the input format cannot be guessed; use --format");
    } else if (!(f = wk_import_format_for_path(path))) {
        return wk_fail(WK_EINVAL, "'%s': cannot tell the format from the file name; use --format",
                       path);
    }
    return f->read(path, o, sink, ctx);
}

int wk_import_check_time(const double *time, size_t T, const char *file, const char *field)
{
    for (size_t i = 0; i < T; i++) {
        if (!isfinite(time[i]))
            return wk_fail(WK_EFORMAT, "'%s': %s[%zu]: time is not finite", file, field, i);
        if (i > 0 && !(time[i] > time[i - 1])) {
            char now[WK_NUMBER_BUFSIZE], before[WK_NUMBER_BUFSIZE];
            wk_export_format_double(now, time[i]);
            wk_export_format_double(before, time[i - 1]);
            return wk_fail(WK_EFORMAT, "'%s': %s[%zu]: time not strictly increasing (%s after %s)",
                           file, field, i, now, before);
        }
    }
    return 0;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double wk_import_uniform_dt(const double *time, size_t T)
{
    if (T < 2) return wk_nan();
    double *diff = wk_malloc_array(T - 1, sizeof *diff);
    if (!diff) return wk_nan();
    for (size_t i = 0; i + 1 < T; i++) diff[i] = time[i + 1] - time[i];
    qsort(diff, T - 1, sizeof *diff, compare_double);
    size_t m = (T - 1) / 2;
    double median = (T - 1) % 2 ? diff[m] : 0.5 * (diff[m - 1] + diff[m]);
    /* sorted: the extremes are the largest deviations */
    double spread = fmax(median - diff[0], diff[T - 2] - median);
    free(diff);
    return spread <= 1e-6 * fabs(median) ? median : wk_nan();
}

int wk_import_to_recording(struct wk_recording **out, struct wk_label_map **map_out,
                           const struct wk_import_table *t)
{
    *out = NULL;
    if (map_out) *map_out = NULL;
    struct wk_label_map *map;
    int rc = wk_label_map_build_ex(&map, (const char *const *)t->labels,
                                   (const char *const *)t->canonical, t->keep, t->N);
    if (rc < 0) return rc;
    size_t C = wk_label_map_columns(map);
    struct wk_recording *rec = wk_recording_alloc(t->T, C);
    if (!rec) {
        wk_label_map_free(map);
        return WK_ENOMEM;
    }
    memcpy(rec->time, t->time, t->T * sizeof *rec->time);
    for (size_t i = 0; i < t->N; i++) {
        if (map->column[i] < 0) continue;
        size_t c = (size_t)map->column[i];
        for (size_t k = 0; k < t->T; k++) rec->traces[k * C + c] = t->values[k * t->N + i];
    }
    if ((rc = wk_label_map_apply_labels(rec, map)) < 0) {
        wk_recording_free(rec);
        wk_label_map_free(map);
        return rc;
    }
    wk_recording_update_present(rec);
    rec->dt = isfinite(t->dt) ? t->dt : wk_import_uniform_dt(t->time, t->T);
    *out = rec;
    if (map_out)
        *map_out = map;
    else
        wk_label_map_free(map);
    return 0;
}

/* --- the worm-import run --- */

struct session {
    struct wk_file *dst;
    FILE *report;
    const char *report_name;
    const struct wk_import_options *o;
    const char *path;      /* current input */
    size_t tables_in_path; /* tables read from it so far */
    long next_worm;
};

static const char *input_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "stdin" : path;
}

static const char *base_name(const char *path)
{
    if (strcmp(path, "-") == 0) return "stdin";
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* Recording id: --id, the reader's suggestion, or the file stem; sanitized. */
static char *recording_id(const struct session *s, const struct wk_import_table *t)
{
    char *id;
    if (s->o->id)
        id = wk_strdup(s->o->id);
    else if (t->name)
        id = wk_strdup(t->name);
    else
        id = wk_path_stem(s->path);
    if (id && id[0] == '\0') {
        free(id);
        id = wk_strdup("recording");
    }
    if (!id) {
        wk_log(WK_LOG_ERROR, "out of memory");
        return NULL;
    }
    wk_sanitize_name(id);
    return id;
}

static int set_attributes(struct session *s, struct wk_recording *rec,
                          const struct wk_import_table *t, const char *id)
{
    const char *dataset = s->o->dataset ? s->o->dataset : t->dataset ? t->dataset : "generic";
    int rc;
    if ((rc = wk_recording_set_id(rec, id)) < 0) return rc;
    if ((rc = wk_recording_set_dataset(rec, dataset)) < 0) return rc;
    if ((rc = wk_recording_set_source(rec, t->source_file ? t->source_file : base_name(s->path))) < 0)
        return rc;
    rec->worm = t->worm >= 0 ? t->worm : s->next_worm;
    s->next_worm++;
    return 0;
}

static void log_summary(const struct session *s, const struct wk_recording *rec,
                        const struct wk_label_map *map)
{
    size_t count[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < map->n; i++) count[map->decision[i]]++;
    wk_log(WK_LOG_INFO,
           "'%s': recording '%s': %zu samples, %zu neurons (%zu canonical, %zu duplicate, "
           "%zu unlabeled, %zu rejected), dt %g",
           input_name(s->path), rec->id, rec->T, map->n, count[WK_LABEL_CANONICAL],
           count[WK_LABEL_DUPLICATE], count[WK_LABEL_UNLABELED], count[WK_LABEL_REJECTED],
           rec->dt);
}

static int write_table(struct session *s, const struct wk_import_table *t, const char *id)
{
    struct wk_recording *rec;
    struct wk_label_map *map;
    int rc = wk_import_to_recording(&rec, &map, t);
    if (rc < 0) return rc;
    if ((rc = set_attributes(s, rec, t, id)) == 0 &&
        (rc = wk_recording_write(s->dst, rec)) == 0 && s->report)
        rc = wk_label_report_write(s->report, s->report_name, id, map);
    if (rc == 0) log_summary(s, rec, map);
    wk_recording_free(rec);
    wk_label_map_free(map);
    return rc;
}

static int session_sink(struct wk_import_table *t, void *ctx)
{
    struct session *s = ctx;
    int rc = 0;
    char *id = NULL;
    if (s->o->id && s->tables_in_path > 0) {
        rc = wk_fail(WK_EINVAL, "'%s': holds several recordings; --id names only one",
                     input_name(s->path));
        goto done;
    }
    s->tables_in_path++;
    if (!(id = recording_id(s, t))) {
        rc = WK_ENOMEM;
        goto done;
    }
    int exists = wk_file_has_recording(s->dst, id);
    if (exists > 0)
        rc = wk_fail(WK_EEXIST, "'%s': recording id '%s' is already used by an earlier input "
                     "(rename the file or import it separately)", input_name(s->path), id);
    else if (exists < 0)
        rc = exists;
    else
        rc = write_table(s, t, id);
done:
    free(id);
    wk_import_table_free(t);
    return rc;
}

int wk_import_files(struct wk_file *dst, FILE *report, const char *report_name,
                    char *const *paths, size_t n, const struct wk_import_options *o)
{
    if (o->id && n > 1)
        return wk_fail(WK_EINVAL, "--id names one recording, but %zu inputs were given", n);
    struct session s = {dst, report, report_name ? report_name : "report", o, NULL, 0, 0};
    int rc;
    if (report && (rc = wk_label_report_header(report, s.report_name)) < 0) return rc;
    for (size_t i = 0; i < n; i++) {
        s.path = paths[i];
        s.tables_in_path = 0;
        if ((rc = wk_import_read(paths[i], o, session_sink, &s)) < 0) return rc;
        if (s.tables_in_path == 0)
            wk_log(WK_LOG_WARN, "'%s': no recording found", input_name(paths[i]));
    }
    return 0;
}
