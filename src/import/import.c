/* import.c - the format registry, shared import steps, and the worm-import
 * run (tables -> recordings -> one wormkit file). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_impute.h"
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
    {"kato2015", "", "Kato et al. 2015: WT_Stim.mat, WT_NoStim.mat (MAT v7.3)",
     wk_import_read_kato2015},
    {"nichols2017", "", "Nichols et al. 2017: n2_let.mat, npr1_prelet.mat, ... (MAT v7.3)",
     wk_import_read_nichols2017},
    {"skora2018", "", "Skora et al. 2018: WT_fasted.mat, WT_starved.mat (MAT v7.3)",
     wk_import_read_skora2018},
    {"kaplan2020", "", "Kaplan et al. 2020: Neuron2019_Data_*.mat (MAT v7.3)",
     wk_import_read_kaplan2020},
    {"uzel2022", "", "Uzel et al. 2022: Uzel_WT.mat (MAT v7.3)", wk_import_read_uzel2022},
    {"nejatbakhsh2020", "", "Nejatbakhsh et al. 2020: one NWB file per worm, 4 Hz",
     wk_import_read_nejatbakhsh2020},
    {"nwb", ".nwb", "NWB file: an RoiResponseSeries (--traces), labels (--labels)",
     wk_import_read_nwb},
    {"mat", ".mat", "MATLAB MAT-file (v5, v7, v7.3): --traces, --labels, --time variables",
     wk_import_read_mat},
    {"yemini2021", "", "Yemini et al. 2021: Head_Activity_*.mat, Tail_Activity_*.mat (MAT v5), "
     "or their folder", wk_import_read_yemini2021},
    {"lin2023", "", "Lin et al. 2023: one *.mat (MAT v5) per worm, or their folder",
     wk_import_read_lin2023},
    {"dag2023", "", "Dag et al. 2023: *-data.h5 (HDF5) + NeuroPAL_labels_dict.json, or the "
     "folder holding swf702_with_id/", wk_import_read_dag2023},
    {"leifer2023", "", "Randi et al. 2023: {i}_gcamp.txt, {i}_labels.txt, {i}_t.txt (text), or "
     "their folder", wk_import_read_leifer2023},
    {"flavell2023", "", "Atanas et al. 2023: one *.json or *.h5 per worm, or their folder",
     wk_import_read_flavell2023},
    {"venkatachalam2024", "", "Venkatachalam lab 2024: one *.zip (holding one CSV) per worm, or "
     "their folder", wk_import_read_venkatachalam2024},
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
    /* one message for an absurd size, before anything is allocated */
    size_t cells, bytes;
    if (wk_size_mul(&cells, T, N) < 0 || wk_size_mul(&bytes, cells, sizeof(float)) < 0 ||
        bytes > WK_MAX_ALLOC || T > WK_MAX_ALLOC / sizeof(double) || N > WK_MAX_ALLOC / sizeof(char *)) {
        wk_log(WK_LOG_ERROR, "table of %zu x %zu values is too large", T, N);
        return NULL;
    }
    struct wk_import_table *t = wk_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->T = T;
    t->N = N;
    t->dt = wk_nan();
    t->worm = -1;
    /* each allocator logs its own failure: stop at the first */
    if (!(t->time = wk_calloc(T, sizeof *t->time)) ||
        !(t->values = wk_malloc_array(cells, sizeof *t->values)) ||
        !(t->labels = wk_calloc(N, sizeof *t->labels))) {
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

double wk_import_uniform_dt(const double *time, size_t T)
{
    if (T < 2) return wk_nan();
    double *diff = wk_malloc_array(T - 1, sizeof *diff);
    if (!diff) return wk_nan();
    for (size_t i = 0; i + 1 < T; i++) diff[i] = time[i + 1] - time[i];
    double median = wk_median_inplace(diff, T - 1);
    /* sorted by the median: the extremes are the largest deviations */
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

static const char *const published_datasets[] = {
    "kato2015", "nichols2017", "skora2018", "kaplan2020", "nejatbakhsh2020", "yemini2021",
    "uzel2022", "dag2023", "leifer2023", "lin2023", "flavell2023", "venkatachalam2024",
};

/* The reference imputes these datasets iteratively (homogenize.md). */
static const char *const imputed_datasets[] = {
    "nejatbakhsh2020", "yemini2021", "lin2023", "venkatachalam2024", "leifer2023",
};

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(name, list[i]) == 0) return 1;
    return 0;
}

int wk_import_is_published(const char *name)
{
    return in_list(name, published_datasets, sizeof published_datasets / sizeof *published_datasets);
}

void wk_import_run_init(struct wk_import_run *r)
{
    memset(r, 0, sizeof *r);
    r->min_samples = -1;
    r->min_labeled = -1;
    r->impute = -1;
    r->drop_long_gaps = wk_nan();
    r->drop_linear = wk_nan();
}

/* The rules in force for one table's dataset. */
struct rules {
    size_t min_samples, min_labeled;
    enum wk_impute_method impute;
    double drop_long_gaps, drop_linear; /* NaN: off */
};

static void rules_for(struct rules *r, const struct wk_import_run *run, const char *dataset)
{
    int published = wk_import_is_published(dataset);
    int ref = run->reference_filters;
    r->min_samples = run->min_samples >= 0 ? (size_t)run->min_samples : published ? WK_IMPORT_MIN_SAMPLES : 0;
    r->min_labeled = run->min_labeled >= 0 ? (size_t)run->min_labeled : published ? 1 : 0;
    int leifer = ref && dataset && strcmp(dataset, "leifer2023") == 0;
    if (run->impute >= 0)
        r->impute = (enum wk_impute_method)run->impute;
    else
        r->impute = ref && in_list(dataset, imputed_datasets, sizeof imputed_datasets / sizeof *imputed_datasets)
                        ? WK_IMPUTE_ITERATIVE : WK_IMPUTE_NONE;
    r->drop_long_gaps = !isnan(run->drop_long_gaps) ? run->drop_long_gaps
                        : leifer ? WK_IMPORT_GAP_FRACTION : wk_nan();
    r->drop_linear = !isnan(run->drop_linear) ? run->drop_linear : leifer ? WK_IMPORT_LINEAR_FRACTION : wk_nan();
}

struct session {
    struct wk_file *dst;
    FILE *report;
    const char *report_name;
    const struct wk_import_options *o;
    struct wk_import_run *run;
    const char *path;      /* current input */
    size_t tables_in_path; /* tables read from it so far */
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

static const char *table_dataset(const struct session *s, const struct wk_import_table *t)
{
    return s->o->dataset ? s->o->dataset : t->dataset ? t->dataset : "generic";
}

static int set_attributes(struct session *s, struct wk_recording *rec,
                          const struct wk_import_table *t, const char *id, long worm)
{
    int rc;
    if ((rc = wk_recording_set_id(rec, id)) < 0) return rc;
    if ((rc = wk_recording_set_dataset(rec, table_dataset(s, t))) < 0) return rc;
    if ((rc = wk_recording_set_source(rec, t->source_file ? t->source_file : base_name(s->path))) < 0)
        return rc;
    rec->worm = worm;
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

static int is_folder(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* One warning naming the file (the reader's source file inside a folder). */
static void skip_worm(struct session *s, const struct wk_import_table *t, long worm, const char *id,
                      const char *why)
{
    const char *file = input_name(s->path), *inner = "", *sep = "";
    if (t->source_file && is_folder(s->path)) {
        inner = t->source_file;
        sep = s->path[strlen(s->path) - 1] == '/' ? "" : "/";
    }
    wk_log(WK_LOG_WARN, "'%s%s%s': worm %ld (recording '%s'): skipped: %s", file, sep, inner, worm, id, why);
    s->run->skipped++;
}

/* Missing data and bad traces (see struct wk_import_run), on the table. */
static int clean_table(struct wk_import_table *t, const struct rules *r)
{
    if (!t->keep) {
        if (!(t->keep = wk_malloc_array(t->N ? t->N : 1, 1))) return WK_ENOMEM;
        memset(t->keep, 1, t->N);
    }
    for (size_t i = 0; i < t->N; i++) {
        if (!t->keep[i]) continue;
        if (wk_trace_all_missing(t->values, t->T, t->N, i))
            t->keep[i] = 0;
        else if (!isnan(r->drop_long_gaps) &&
                 (double)wk_trace_longest_gap(t->values, t->T, t->N, i) > r->drop_long_gaps * (double)t->T)
            t->keep[i] = 0;
    }
    if (r->impute == WK_IMPUTE_LINEAR) wk_impute_linear(t->values, t->time, t->T, t->N, t->keep);
    if (r->impute == WK_IMPUTE_ITERATIVE) {
        int rc = wk_impute_iterative(t->values, t->T, t->N, t->keep);
        if (rc < 0) return rc;
    }
    if (!isnan(r->drop_linear))
        for (size_t i = 0; i < t->N; i++)
            if (t->keep[i] && wk_trace_linear_fraction(t->values, t->T, t->N, i) > r->drop_linear) t->keep[i] = 0;
    return 0;
}

static size_t count_canonical(const struct wk_label_map *map)
{
    size_t n = 0;
    for (size_t i = 0; i < map->n; i++) n += map->decision[i] == WK_LABEL_CANONICAL;
    return n;
}

static int write_table(struct session *s, struct wk_import_table *t, const char *id, long worm)
{
    struct rules r;
    rules_for(&r, s->run, table_dataset(s, t));
    char why[96];
    if (t->T < r.min_samples) {
        snprintf(why, sizeof why, "%zu samples, fewer than %zu", t->T, r.min_samples);
        skip_worm(s, t, worm, id, why);
        return 0;
    }
    int rc = clean_table(t, &r);
    if (rc < 0) return rc;
    struct wk_recording *rec;
    struct wk_label_map *map;
    if ((rc = wk_import_to_recording(&rec, &map, t)) < 0) return rc;
    size_t labeled = count_canonical(map);
    if (labeled < r.min_labeled) {
        if (labeled == 0) snprintf(why, sizeof why, "no labeled neuron");
        else snprintf(why, sizeof why, "%zu labeled neurons, fewer than %zu", labeled, r.min_labeled);
        skip_worm(s, t, worm, id, why);
    } else {
        if ((rc = set_attributes(s, rec, t, id, worm)) == 0 && s->run->process)
            rc = s->run->process(rec, input_name(s->path), s->run->process_ctx);
        if (rc == 0 && (rc = wk_recording_write(s->dst, rec)) == 0 && s->report)
            rc = wk_label_report_write(s->report, s->report_name, id, map);
        if (rc == 0) {
            log_summary(s, rec, map);
            s->run->written++;
        }
    }
    wk_recording_free(rec);
    wk_label_map_free(map);
    return rc;
}

static int session_sink(struct wk_import_table *t, void *ctx)
{
    struct session *s = ctx;
    int rc = 0;
    char *id = NULL;
    long worm = t->worm >= 0 ? t->worm : s->run->next_worm;
    s->run->next_worm++;
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
        rc = write_table(s, t, id, worm);
done:
    free(id);
    wk_import_table_free(t);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "folder/name", newly allocated (logs when out of memory). */
static char *join_path(const char *folder, const char *name)
{
    size_t len = strlen(folder) + strlen(name) + 2;
    char *p = malloc(len);
    if (!p) {
        wk_log(WK_LOG_ERROR, "out of memory");
        return NULL;
    }
    snprintf(p, len, "%s%s%s", folder, folder[strlen(folder) - 1] == '/' ? "" : "/", name);
    return p;
}

/* 1 when name is a regular file of folder with one of f's extensions (any
 * registered format's when f is NULL); hidden files are skipped. */
static int wanted_file(const char *path, const char *name, const struct wk_import_format *f)
{
    const char *ext = strrchr(name, '.');
    if (name[0] == '.' || !ext || !wk_import_format_for_path(name)) return 0;
    if (f && !has_extension(f->extensions, ext)) return 0;
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The wanted files of folder, sorted by name. */
static int list_folder(char ***out, size_t *n_out, const char *folder, const struct wk_import_format *f)
{
    *out = NULL;
    *n_out = 0;
    DIR *dir = opendir(folder);
    if (!dir) return wk_fail(WK_EIO, "'%s': cannot open folder: %s", folder, strerror(errno));
    char **v = NULL;
    size_t n = 0;
    int rc = 0;
    const struct dirent *e;
    while (rc == 0 && (e = readdir(dir)) != NULL) {
        char *p = join_path(folder, e->d_name);
        char **w = p ? wk_realloc_array(v, n + 1, sizeof *v) : NULL;
        if (!w) {
            free(p);
            rc = WK_ENOMEM;
            break;
        }
        v = w;
        if (wanted_file(p, e->d_name, f)) v[n++] = p;
        else free(p);
    }
    closedir(dir);
    if (rc == 0 && n == 0)
        rc = wk_fail(WK_ENOTFOUND, "'%s': no file of a known format (%s) in the folder", folder,
                     f ? f->extensions : "see --help");
    if (rc < 0) {
        if (v) wk_strv_free(v, n);
        return rc;
    }
    qsort(v, n, sizeof *v, compare_names);
    *out = v;
    *n_out = n;
    return 0;
}

static int read_input(struct session *s, const char *path, const struct wk_import_options *o)
{
    s->path = path;
    s->tables_in_path = 0;
    int rc = wk_import_read(path, o, session_sink, s);
    if (rc == 0 && s->tables_in_path == 0) wk_log(WK_LOG_WARN, "'%s': no recording found", input_name(path));
    return rc;
}

static int read_folder(struct session *s, const char *folder, const struct wk_import_options *o)
{
    const struct wk_import_format *f = o->format ? wk_import_format_find(o->format) : NULL;
    if (f && !f->extensions[0]) return read_input(s, folder, o); /* the dataset reader reads folders */
    char **files;
    size_t n;
    int rc = list_folder(&files, &n, folder, f);
    for (size_t i = 0; rc == 0 && i < n; i++) rc = read_input(s, files[i], o);
    if (files) wk_strv_free(files, n);
    return rc;
}

int wk_import_run_files(struct wk_file *dst, FILE *report, const char *report_name,
                        char *const *paths, size_t n, const struct wk_import_options *o,
                        struct wk_import_run *run)
{
    if (o->id && n > 1)
        return wk_fail(WK_EINVAL, "--id names one recording, but %zu inputs were given", n);
    struct wk_import_options eff = *o;
    if (!eff.format && eff.dataset && wk_import_format_find(eff.dataset)) eff.format = eff.dataset;
    struct session s = {dst, report, report_name ? report_name : "report", &eff, run, NULL, 0};
    int rc;
    if (report && !run->report_started) {
        if ((rc = wk_label_report_header(report, s.report_name)) < 0) return rc;
        run->report_started = 1;
    }
    for (size_t i = 0; i < n; i++) {
        rc = is_folder(paths[i]) ? read_folder(&s, paths[i], &eff) : read_input(&s, paths[i], &eff);
        if (rc < 0) return rc;
    }
    if (run->written == 0 && run->skipped > 0)
        return wk_fail(WK_EINVAL, "no recording written: all %zu worms were skipped", run->skipped);
    return 0;
}

int wk_import_files(struct wk_file *dst, FILE *report, const char *report_name,
                    char *const *paths, size_t n, const struct wk_import_options *o)
{
    struct wk_import_run run;
    wk_import_run_init(&run);
    return wk_import_run_files(dst, report, report_name, paths, n, o, &run);
}

int wk_import_write_outputs(const char *output, const char *report_path, wk_import_fill_fn fill,
                            void *ctx)
{
    struct wk_export_output *report = NULL;
    struct wk_file *out = NULL;
    int rc = 0;
    if (report_path && (rc = wk_export_output_open(&report, report_path, 0)) < 0) return rc;
    if ((rc = wk_file_create(&out, output)) == 0)
        rc = fill(out, report ? wk_export_output_fp(report) : NULL,
                  report ? wk_export_output_name(report) : NULL, ctx);
    if (rc < 0) {
        if (out) wk_file_abort(out);
        wk_export_output_abort(report);
        return rc;
    }
    if ((rc = wk_file_commit(out)) < 0) {
        wk_export_output_abort(report);
        return rc;
    }
    return report ? wk_export_output_commit(report) : 0;
}
