/* select.c - choose recordings, neurons and a time range; merge files. */
#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_select.h"
#include "wormkit/wk_util.h"

void wk_select_init(struct wk_select *sel)
{
    memset(sel, 0, sizeof *sel);
    sel->t_start = -INFINITY;
    sel->t_end = INFINITY;
}

void wk_select_clear(struct wk_select *sel)
{
    if (!sel) return;
    wk_strv_free(sel->recordings, sel->n_recordings);
    wk_strv_free(sel->datasets, sel->n_datasets);
    wk_strv_free(sel->neurons, sel->n_neurons);
    free(sel->time_text);
    wk_select_init(sel);
}

static int append_string(char ***items, size_t *n, const char *s, size_t len)
{
    char **grown = wk_realloc_array(*items, *n + 1, sizeof **items);
    if (!grown) return WK_ENOMEM;
    *items = grown;
    char *copy = malloc(len + 1);
    if (!copy) return wk_fail(WK_ENOMEM, "out of memory");
    memcpy(copy, s, len);
    copy[len] = '\0';
    grown[(*n)++] = copy;
    return 0;
}

int wk_select_add_list(char ***items, size_t *n, const char *list, const char *option)
{
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *stop = comma ? comma : p + strlen(p);
        const char *a = p, *b = stop;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        if (a == b) {
            wk_cli_usage_error("empty name in %s '%s'", option, list);
            return WK_EUSAGE;
        }
        int rc = append_string(items, n, a, (size_t)(b - a));
        if (rc < 0) return rc;
        if (!comma) return 0;
        p = comma + 1;
    }
}

static int parse_time_side(const char *s, size_t len, const char *what, double open, double *out)
{
    if (len == 0) {
        *out = open;
        return 0;
    }
    char buf[128];
    if (len >= sizeof buf) {
        wk_cli_usage_error("invalid %s '%.*s'", what, (int)len, s);
        return WK_EUSAGE;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    return wk_parse_double(buf, -INFINITY, INFINITY, what, out);
}

int wk_select_parse_time(struct wk_select *sel, const char *text)
{
    const char *colon = strchr(text, ':');
    if (!colon || strchr(colon + 1, ':')) {
        wk_cli_usage_error("invalid --time value '%s' (want START:END in seconds)", text);
        return WK_EUSAGE;
    }
    double start, end;
    int rc = parse_time_side(text, (size_t)(colon - text), "--time start", -INFINITY, &start);
    if (rc < 0) return rc;
    rc = parse_time_side(colon + 1, strlen(colon + 1), "--time end", INFINITY, &end);
    if (rc < 0) return rc;
    if (!(start < end)) {
        wk_cli_usage_error("invalid --time value '%s' (start must be before end)", text);
        return WK_EUSAGE;
    }
    char *copy = wk_strdup(text);
    if (!copy) return wk_fail(WK_ENOMEM, "out of memory");
    free(sel->time_text);
    sel->time_text = copy;
    sel->t_start = start;
    sel->t_end = end;
    sel->has_time = 1;
    return 0;
}

int wk_select_match(const char *pattern, const char *name)
{
    return strcmp(pattern, name) == 0 || fnmatch(pattern, name, 0) == 0;
}

long wk_select_match_any(char *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (wk_select_match(v[i], name)) return (long)i;
    return -1;
}

static void count_matches(size_t *hits, char *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (wk_select_match(v[i], name)) hits[i]++;
}

/* First index with time[i] >= t (T when none). */
static size_t lower_bound(const double *time, size_t T, double t)
{
    size_t lo = 0, hi = T;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (time[mid] < t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

void wk_select_time_indices(size_t *first, size_t *end, const struct wk_select *sel,
                            const double *time, size_t T)
{
    if (!sel->has_time) {
        *first = 0;
        *end = T;
        return;
    }
    *first = lower_bound(time, T, sel->t_start);
    *end = lower_bound(time, T, sel->t_end);
    if (*end < *first) *end = *first;
}

size_t wk_select_columns(unsigned char *keep, const struct wk_select *sel,
                         const struct wk_recording *rec, size_t *neuron_hits)
{
    size_t extra = 0;
    for (size_t c = 0; c < rec->C; c++) {
        int k;
        if (c >= WK_ATLAS_SIZE && sel->labeled) k = 0;
        else if (sel->n_neurons == 0) k = 1;
        else {
            k = wk_select_match_any(sel->neurons, sel->n_neurons, rec->label[c]) >= 0;
            if (k && neuron_hits) count_matches(neuron_hits, sel->neurons, sel->n_neurons, rec->label[c]);
        }
        keep[c] = (unsigned char)k;
        if (k && c >= WK_ATLAS_SIZE) extra++;
    }
    return extra;
}

static int copy_meta(struct wk_recording *dst, const struct wk_recording *src)
{
    int rc = wk_recording_set_id(dst, src->id);
    if (rc == 0) rc = wk_recording_set_dataset(dst, src->dataset);
    if (rc == 0) rc = wk_recording_set_source(dst, src->source_file);
    for (size_t i = 0; rc == 0 && i < src->n_attrs; i++) {
        const struct wk_attr *a = &src->attrs[i];
        rc = a->str ? wk_recording_set_attr_string(dst, a->key, a->str)
                    : wk_recording_set_attr_double(dst, a->key, a->num);
    }
    dst->worm = src->worm;
    dst->dt = src->dt;
    return rc;
}

/* The cut: samples [first, first + out->T) and output column j taken from
 * source column cols[j] when keep[cols[j]] (NaN otherwise). */
struct cut {
    size_t first;
    const size_t *cols;
    const unsigned char *keep;
};

static void cut_matrix(float *dst, const float *src, size_t C_src, size_t T_out, size_t C_out,
                       const struct cut *cut)
{
    float nan = wk_nanf();
    for (size_t t = 0; t < T_out; t++) {
        const float *row = src + (cut->first + t) * C_src;
        for (size_t j = 0; j < C_out; j++)
            dst[t * C_out + j] = cut->keep[cut->cols[j]] ? row[cut->cols[j]] : nan;
    }
}

static int cut_array(struct wk_recording *dst, const struct wk_array *a,
                     const struct wk_recording *src, const struct cut *cut)
{
    if (a->rank < 1 || a->dims[0] != src->T)
        return wk_recording_add_array(dst, a->name, a->rank, a->dims, a->data);
    size_t dims[4] = {dst->T, 0, 0, 0};
    size_t inner = 1;
    for (int k = 1; k < a->rank; k++) {
        dims[k] = a->dims[k];
        inner *= a->dims[k]; /* the source array exists, so this cannot overflow */
    }
    int by_column = a->rank == 2 && a->dims[1] == src->C;
    if (by_column) {
        dims[1] = dst->C;
        inner = dst->C;
    }
    size_t n;
    if (wk_size_mul(&n, dst->T, inner) < 0)
        return wk_fail(WK_ERANGE, "recording '%s': array '%s' is too large", src->id, a->name);
    float *data = wk_malloc_array(n ? n : 1, sizeof *data);
    if (!data) return WK_ENOMEM;
    if (by_column) cut_matrix(data, a->data, src->C, dst->T, dst->C, cut);
    else if (n) memcpy(data, a->data + cut->first * inner, n * sizeof *data);
    int rc = wk_recording_add_array(dst, a->name, a->rank, dims, data);
    free(data);
    return rc;
}

static int column_has_finite(const struct wk_recording *rec, size_t c)
{
    for (size_t t = 0; t < rec->T; t++)
        if (isfinite(rec->traces[t * rec->C + c])) return 1;
    return 0;
}

static int fill_selection(struct wk_recording *dst, const struct wk_recording *src, const struct cut *cut)
{
    int rc = copy_meta(dst, src);
    for (size_t t = 0; t < dst->T; t++) dst->time[t] = src->time[cut->first + t];
    cut_matrix(dst->traces, src->traces, src->C, dst->T, dst->C, cut);
    for (size_t j = 0; rc == 0 && j < dst->C; j++) {
        size_t c = cut->cols[j];
        if (j >= WK_ATLAS_SIZE) rc = wk_recording_set_label(dst, j, src->label[c]);
        dst->present[j] = cut->keep[c] && src->present[c] &&
                          (dst->T == src->T || column_has_finite(dst, j));
    }
    for (size_t i = 0; rc == 0 && i < src->n_arrays; i++) rc = cut_array(dst, &src->arrays[i], src, cut);
    return rc;
}

int wk_select_recording(struct wk_recording **out, const struct wk_select *sel,
                        const struct wk_recording *rec, const char *file, size_t *neuron_hits)
{
    *out = NULL;
    size_t first, end;
    wk_select_time_indices(&first, &end, sel, rec->time, rec->T);
    if (first >= end) {
        if (rec->T == 0) return wk_fail(WK_EINVAL, "'%s': recording '%s': no sample", file, rec->id);
        return wk_fail(WK_EINVAL, "'%s': recording '%s': --time %s leaves no sample (time runs from %g to %g s)",
                       file, rec->id, sel->time_text ? sel->time_text : "", rec->time[0], rec->time[rec->T - 1]);
    }
    unsigned char *keep = wk_calloc(rec->C ? rec->C : 1, 1);
    if (!keep) return WK_ENOMEM;
    size_t n_extra = wk_select_columns(keep, sel, rec, neuron_hits);
    size_t C_out = WK_ATLAS_SIZE + n_extra;
    size_t *cols = wk_malloc_array(C_out, sizeof *cols);
    struct wk_recording *r = cols ? wk_recording_alloc(end - first, C_out) : NULL;
    int rc = r ? 0 : WK_ENOMEM;
    if (rc == 0) {
        size_t j = 0;
        for (size_t c = 0; c < rec->C; c++)
            if (c < WK_ATLAS_SIZE || keep[c]) cols[j++] = c;
        struct cut cut = {first, cols, keep};
        rc = fill_selection(r, rec, &cut);
    }
    free(cols);
    free(keep);
    if (rc < 0) {
        wk_recording_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

static long index_of(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0) return (long)i;
    return -1;
}

int wk_select_unique_id(char **out, const char *id, char *const *taken, size_t n)
{
    *out = NULL;
    if (index_of(taken, n, id) < 0) {
        *out = wk_strdup(id);
        return *out ? 0 : wk_fail(WK_ENOMEM, "out of memory");
    }
    size_t len = strlen(id) + 24;
    char *buf = malloc(len);
    if (!buf) return wk_fail(WK_ENOMEM, "out of memory");
    /* n taken ids leave a free suffix among 2..n+2 */
    for (size_t k = 2; k <= n + 2; k++) {
        snprintf(buf, len, "%s.%zu", id, k);
        if (index_of(taken, n, buf) < 0) {
            *out = buf;
            return 0;
        }
    }
    free(buf);
    return wk_fail(WK_EEXIST, "recording '%s': no free name", id);
}

int wk_select_check_inputs(char *const *files, int n)
{
    int stdin_seen = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(files[i], "-") != 0) continue;
        if (stdin_seen++) {
            wk_cli_usage_error("stdin ('-') can be read only once");
            return WK_EUSAGE;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */

struct wk_select_run {
    const struct wk_select *sel;
    size_t *recording_hits, *dataset_hits, *neuron_hits;
    char **ids;   /* ids written so far */
    char **files; /* the input each came from */
    size_t n;
};

struct wk_select_run *wk_select_run_alloc(const struct wk_select *sel)
{
    struct wk_select_run *run = wk_calloc(1, sizeof *run);
    if (!run) return NULL;
    run->sel = sel;
    run->recording_hits = wk_calloc(sel->n_recordings + 1, sizeof(size_t));
    run->dataset_hits = wk_calloc(sel->n_datasets + 1, sizeof(size_t));
    run->neuron_hits = wk_calloc(sel->n_neurons + 1, sizeof(size_t));
    if (!run->recording_hits || !run->dataset_hits || !run->neuron_hits) {
        wk_select_run_free(run);
        return NULL;
    }
    return run;
}

void wk_select_run_free(struct wk_select_run *run)
{
    if (!run) return;
    free(run->recording_hits);
    free(run->dataset_hits);
    free(run->neuron_hits);
    wk_strv_free(run->ids, run->n);
    wk_strv_free(run->files, run->n);
    free(run);
}

static int needs_cut(const struct wk_select *sel)
{
    return sel->has_time || sel->n_neurons > 0 || sel->labeled;
}

static int read_dataset_name(const struct wk_file *src, const char *id, char **name)
{
    *name = NULL;
    size_t len = strlen(id) + sizeof "/recordings/";
    char *path = malloc(len);
    if (!path) return wk_fail(WK_ENOMEM, "out of memory");
    snprintf(path, len, "/recordings/%s", id);
    hid_t g = H5Gopen2(wk_file_hid(src), path, H5P_DEFAULT);
    int rc = g < 0 ? wk_h5_fail(wk_file_name(src), path) : wk_h5_get_attr_string(g, "dataset", name);
    if (g >= 0) H5Gclose(g);
    free(path);
    if (rc == WK_ENOTFOUND) {
        *name = wk_strdup("");
        rc = *name ? 0 : wk_fail(WK_ENOMEM, "out of memory");
    }
    return rc;
}

/* 1 when recording `id` of src passes --recording and --dataset (and
 * counts the patterns that matched), 0 when not, or an error. */
static int wanted(struct wk_select_run *run, const struct wk_file *src, const char *id)
{
    const struct wk_select *sel = run->sel;
    if (sel->n_recordings && wk_select_match_any(sel->recordings, sel->n_recordings, id) < 0) return 0;
    if (sel->n_datasets) {
        char *dataset;
        int rc = read_dataset_name(src, id, &dataset);
        if (rc < 0) return rc;
        int match = wk_select_match_any(sel->datasets, sel->n_datasets, dataset) >= 0;
        if (match) count_matches(run->dataset_hits, sel->datasets, sel->n_datasets, dataset);
        free(dataset);
        if (!match) return 0;
    }
    count_matches(run->recording_hits, sel->recordings, sel->n_recordings, id);
    return 1;
}

/* Give rec a name not yet written (or fail) and remember it. */
static int claim_id(struct wk_select_run *run, struct wk_recording *rec, const char *file)
{
    long k = index_of(run->ids, run->n, rec->id);
    if (k >= 0) {
        if (!run->sel->rename)
            return wk_fail(WK_EEXIST, "'%s': recording '%s' already comes from '%s' (use --rename)",
                           file, rec->id, run->files[k]);
        char *id;
        int rc = wk_select_unique_id(&id, rec->id, run->ids, run->n);
        if (rc < 0) return rc;
        wk_log(WK_LOG_INFO, "'%s': recording '%s' renamed to '%s'", file, rec->id, id);
        rc = wk_recording_set_id(rec, id);
        free(id);
        if (rc < 0) return rc;
    }
    char **ids = wk_realloc_array(run->ids, run->n + 1, sizeof *ids);
    if (!ids) return WK_ENOMEM;
    run->ids = ids;
    char **files = wk_realloc_array(run->files, run->n + 1, sizeof *files);
    if (!files) return WK_ENOMEM;
    run->files = files;
    ids[run->n] = wk_strdup(rec->id);
    files[run->n] = wk_strdup(file);
    run->n++; /* counted even when a copy failed, so both arrays free cleanly */
    if (!ids[run->n - 1] || !files[run->n - 1]) return wk_fail(WK_ENOMEM, "out of memory");
    return 0;
}

static int copy_recording(struct wk_select_run *run, struct wk_file *dst, const struct wk_file *src,
                          const char *id)
{
    int rc = wanted(run, src, id);
    if (rc <= 0) return rc;
    struct wk_recording *rec = NULL, *out = NULL;
    rc = wk_recording_read(src, id, &rec);
    if (rc < 0) return rc;
    if (needs_cut(run->sel)) {
        rc = wk_select_recording(&out, run->sel, rec, wk_file_name(src), run->neuron_hits);
        wk_recording_free(rec);
    } else {
        out = rec;
    }
    if (rc == 0) rc = claim_id(run, out, wk_file_name(src));
    if (rc == 0) rc = wk_recording_write(dst, out);
    wk_recording_free(out);
    return rc;
}

struct clash_walk {
    hid_t dst;
    const char *src_name, *group;
    int rc;
};

static herr_t find_clash(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    struct clash_walk *w = data;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", w->group, name);
    int e = wk_h5_exists(w->dst, path);
    if (e > 0) e = wk_fail(WK_EEXIST, "'%s': %s: already copied from an earlier input", w->src_name, path);
    w->rc = e;
    return e < 0 ? 1 : 0;
}

/* Copy /connectomes or /results; a child that an earlier input already
 * brought is an error naming this input (wk_file_copy_group would name
 * the output). */
static int copy_group_checked(struct wk_file *dst, const struct wk_file *src, const char *group)
{
    int rc = wk_h5_exists(wk_file_hid(src), group);
    if (rc <= 0) return rc;
    rc = wk_h5_exists(wk_file_hid(dst), group);
    if (rc > 0) {
        hid_t g = H5Gopen2(wk_file_hid(src), group, H5P_DEFAULT);
        if (g < 0) return wk_h5_fail(wk_file_name(src), group);
        struct clash_walk w = {wk_file_hid(dst), wk_file_name(src), group, 0};
        hsize_t idx = 0;
        herr_t status = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, find_clash, &w);
        H5Gclose(g);
        rc = w.rc < 0 ? w.rc : status < 0 ? wk_h5_fail(wk_file_name(src), group) : 0;
    }
    return rc < 0 ? rc : wk_file_copy_group(dst, src, group);
}

int wk_select_run_file(struct wk_select_run *run, struct wk_file *dst, const struct wk_file *src)
{
    char **ids = NULL;
    size_t n = 0;
    int rc = wk_file_recording_ids(src, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) rc = copy_recording(run, dst, src, ids[i]);
    wk_strv_free(ids, n);
    if (rc == 0) rc = copy_group_checked(dst, src, "/connectomes");
    if (rc == 0) rc = copy_group_checked(dst, src, "/results");
    if (rc == 0) rc = wk_file_copy_history(dst, src);
    return rc;
}

int wk_select_run_finish(const struct wk_select_run *run)
{
    const struct wk_select *sel = run->sel;
    for (size_t i = 0; i < sel->n_recordings; i++)
        if (!run->recording_hits[i])
            return wk_fail(WK_ENOTFOUND, "no recording matches --recording '%s'", sel->recordings[i]);
    for (size_t i = 0; i < sel->n_datasets; i++)
        if (!run->dataset_hits[i])
            return wk_fail(WK_ENOTFOUND, "no recording matches --dataset '%s'", sel->datasets[i]);
    for (size_t i = 0; run->n > 0 && i < sel->n_neurons; i++)
        if (!run->neuron_hits[i])
            return wk_fail(WK_ENOTFOUND, "no neuron matches --neurons '%s'", sel->neurons[i]);
    return 0;
}
