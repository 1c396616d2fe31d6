/* export.c - recordings out to TSV/CSV (wide or long) and NumPy .npy files;
 * atomic output streams for text and binary files. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"
#include "file_internal.h"

/* --- output streams --- */

struct wk_export_output {
    FILE *fp;
    char *path; /* NULL for stdout */
    char *tmp;  /* temporary file beside path */
    int temp_slot; /* its signal-cleanup slot */
    int direct;    /* path is a device or FIFO: written in place, never renamed over */
};

const char *wk_export_output_name(const struct wk_export_output *out)
{
    return out->path ? out->path : "stdout";
}

FILE *wk_export_output_fp(const struct wk_export_output *out)
{
    return out->fp;
}

static void output_free(struct wk_export_output *out)
{
    free(out->path);
    free(out->tmp);
    free(out);
}

static int open_temp(struct wk_export_output *out)
{
    int fd = wk_temp_create(out->path, &out->tmp, &out->temp_slot);
    if (fd < 0) return fd;
    if (!(out->fp = fdopen(fd, "wb"))) {
        int e = errno;
        close(fd);
        wk_temp_remove(out->tmp, &out->temp_slot);
        return wk_fail(WK_EIO, "'%s': cannot create: %s", out->path, strerror(e));
    }
    return 0;
}

/* An existing path that is not a regular file (/dev/null, /dev/full, a
 * FIFO) is written directly: renaming a temporary file over it would
 * replace the device. */
static int open_direct(struct wk_export_output *out, const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return wk_fail(WK_EIO, "'%s': cannot create: %s", out->path, strerror(EISDIR));
    if (!(out->fp = fopen(out->path, "wb")))
        return wk_fail(WK_EIO, "'%s': cannot create: %s", out->path, strerror(errno));
    out->direct = 1;
    return 0;
}

static int open_named(struct wk_export_output *out)
{
    struct stat st;
    if (stat(out->path, &st) == 0 && !S_ISREG(st.st_mode)) return open_direct(out, &st);
    return open_temp(out);
}

int wk_export_output_open(struct wk_export_output **out, const char *path, int binary)
{
    *out = NULL;
    int to_stdout = !path || strcmp(path, "-") == 0;
    if (to_stdout && binary && isatty(STDOUT_FILENO))
        return wk_fail(WK_ETERMINAL, "refusing to write binary data to a terminal "
                       "(use -o FILE or a pipe)");
    struct wk_export_output *o = wk_calloc(1, sizeof *o);
    if (!o) return WK_ENOMEM;
    if (to_stdout) {
        o->fp = stdout;
    } else {
        o->temp_slot = -1;
        int rc = (o->path = wk_strdup(path)) ? open_named(o) : wk_fail(WK_ENOMEM, "out of memory");
        if (rc < 0) {
            output_free(o);
            return rc;
        }
    }
    *out = o;
    return 0;
}

int wk_export_check_stream(FILE *fp, const char *name)
{
    if (!ferror(fp)) return 0;
    if (errno == EPIPE) return WK_EPIPE;
    return wk_fail(WK_EIO, "'%s': write error: %s", name, strerror(errno ? errno : EIO));
}

int wk_export_output_commit(struct wk_export_output *out)
{
    int rc = 0;
    errno = 0;
    if (fflush(out->fp) != 0 || ferror(out->fp)) {
        rc = errno == EPIPE ? WK_EPIPE
                            : wk_fail(WK_EIO, "'%s': write error: %s", wk_export_output_name(out),
                                      strerror(errno ? errno : EIO));
    }
    if (!out->path) { /* stdout: wk_cli_exit closes it */
        output_free(out);
        return rc;
    }
    if (fclose(out->fp) != 0 && rc == 0)
        rc = wk_fail(WK_EIO, "'%s': write error: %s", out->path, strerror(errno));
    if (rc == 0 && !out->direct && rename(out->tmp, out->path) != 0)
        rc = wk_fail(WK_EIO, "'%s': cannot rename the temporary file: %s", out->path,
                     strerror(errno));
    if (rc < 0)
        wk_temp_remove(out->tmp, &out->temp_slot);
    else
        wk_temp_release(&out->temp_slot);
    output_free(out);
    return rc;
}

void wk_export_output_abort(struct wk_export_output *out)
{
    if (!out) return;
    if (out->path) {
        fclose(out->fp);
        wk_temp_remove(out->tmp, &out->temp_slot);
    } else {
        fflush(out->fp);
    }
    output_free(out);
}

/* --- numbers --- */

/* Print v with `digits` significant digits; 1 when that reads back as v. */
static int float_round_trips(char buf[WK_NUMBER_BUFSIZE], float v, int digits)
{
    snprintf(buf, WK_NUMBER_BUFSIZE, "%.*g", digits, (double)v);
    return strtof(buf, NULL) == v;
}

void wk_export_format_float(char buf[WK_NUMBER_BUFSIZE], float v)
{
    if (isnan(v)) {
        snprintf(buf, WK_NUMBER_BUFSIZE, "NaN");
        return;
    }
    /* 6 digits cover short decimals; measured data mostly need 8 or 9, so
     * probe 8 next and then 7 or 9: at most three tries. */
    if (float_round_trips(buf, v, 6)) return;
    if (float_round_trips(buf, v, 8)) {
        char shorter[WK_NUMBER_BUFSIZE];
        if (float_round_trips(shorter, v, 7)) memcpy(buf, shorter, WK_NUMBER_BUFSIZE);
        return;
    }
    snprintf(buf, WK_NUMBER_BUFSIZE, "%.9g", (double)v);
}

void wk_export_format_double(char buf[WK_NUMBER_BUFSIZE], double v)
{
    if (isnan(v)) {
        snprintf(buf, WK_NUMBER_BUFSIZE, "NaN");
        return;
    }
    for (int digits = 15; digits < 17; digits++) {
        snprintf(buf, WK_NUMBER_BUFSIZE, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) return;
    }
    snprintf(buf, WK_NUMBER_BUFSIZE, "%.17g", v);
}

/* --- NPY --- */

#define NPY_ALIGN 64
#define NPY_PREFIX 10          /* magic (6), version (2), header length (2) */
#define NPY_GROWTH_DIGITS 21   /* numpy leaves room to grow the first axis */

int wk_npy_header(char *buf, size_t size, const char *descr, int rank, const size_t *shape)
{
    if (rank < 0 || rank > 4) return WK_ERANGE;
    char dict[256];
    char dims[128] = "";
    size_t used = 0;
    for (int i = 0; i < rank; i++)
        used += (size_t)snprintf(dims + used, sizeof dims - used, i ? ", %zu" : "%zu", shape[i]);
    if (rank == 1) snprintf(dims + used, sizeof dims - used, ",");
    int len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                       descr, dims);
    if (len < 0 || (size_t)len >= sizeof dict) return WK_ERANGE;
    size_t header = (size_t)len;
    if (rank > 0) {
        char first[32];
        size_t digits = (size_t)snprintf(first, sizeof first, "%zu", shape[0]);
        header += NPY_GROWTH_DIGITS - digits;
    }
    /* numpy pads with 1..64 spaces (a full 64 when already aligned) before '\n' */
    size_t pad = NPY_ALIGN - (NPY_PREFIX + header + 1) % NPY_ALIGN;
    size_t total = NPY_PREFIX + header + pad + 1;
    if (total > size || total - NPY_PREFIX > UINT16_MAX) return WK_ERANGE;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)((total - NPY_PREFIX) & 0xff);
    buf[9] = (char)((total - NPY_PREFIX) >> 8);
    memcpy(buf + NPY_PREFIX, dict, (size_t)len);
    memset(buf + NPY_PREFIX + len, ' ', total - 1 - NPY_PREFIX - (size_t)len);
    buf[total - 1] = '\n';
    return (int)total;
}

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

int wk_npy_write(FILE *fp, const char *name, int rank, const size_t *shape, const float *data)
{
    char header[512];
    int len = wk_npy_header(header, sizeof header, "<f4", rank, shape);
    if (len < 0) return wk_fail(WK_ERANGE, "'%s': array shape not supported by npy", name);
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        if (wk_size_mul(&n, n, shape[i]) < 0) return wk_fail(WK_ERANGE, "'%s': array too large", name);
    fwrite(header, 1, (size_t)len, fp);
    if (host_is_little_endian()) {
        fwrite(data, sizeof *data, n, fp);
    } else {
        for (size_t i = 0; i < n; i++) {
            unsigned char b[4];
            memcpy(b, &data[i], 4);
            unsigned char r[4] = {b[3], b[2], b[1], b[0]};
            fwrite(r, 1, 4, fp);
        }
    }
    return wk_export_check_stream(fp, name);
}

/* --- columns --- */

void wk_export_options_init(struct wk_export_options *o)
{
    memset(o, 0, sizeof *o);
    o->format = WK_EXPORT_TSV;
    o->layout = WK_EXPORT_WIDE;
}

static int column_exported(const unsigned char *present, size_t c, int all_columns)
{
    return all_columns || present[c];
}

int wk_export_columns(size_t **cols, size_t *n, const struct wk_recording *rec, int all_columns)
{
    *n = 0;
    if (!(*cols = wk_malloc_array(rec->C, sizeof **cols))) return WK_ENOMEM;
    for (size_t c = 0; c < rec->C; c++)
        if (column_exported(rec->present, c, all_columns)) (*cols)[(*n)++] = c;
    return 0;
}

/* --- text tables --- */

/* Extra columns of the union are keyed by label and rank among equal labels. */
struct plan_extra {
    char *label;
    size_t rank;
};

struct wk_export_plan {
    struct wk_export_options o;
    size_t n_recordings;
    unsigned char canonical[WK_ATLAS_SIZE];
    struct plan_extra *extra;
    size_t n_extra, cap_extra;
};

struct wk_export_plan *wk_export_plan_alloc(const struct wk_export_options *o)
{
    struct wk_export_plan *p = wk_calloc(1, sizeof *p);
    if (p) p->o = *o;
    return p;
}

void wk_export_plan_free(struct wk_export_plan *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n_extra; i++) free(p->extra[i].label);
    free(p->extra);
    free(p);
}

static long plan_find_extra(const struct wk_export_plan *p, const char *label, size_t rank)
{
    for (size_t i = 0; i < p->n_extra; i++)
        if (p->extra[i].rank == rank && strcmp(p->extra[i].label, label) == 0) return (long)i;
    return -1;
}

/* Rank of extra column c among the earlier exported extras with its label. */
static size_t extra_rank(size_t C, char *const *label, const unsigned char *present, int all,
                         size_t c)
{
    size_t rank = 0;
    for (size_t j = WK_ATLAS_SIZE; j < c && j < C; j++)
        if (column_exported(present, j, all) && strcmp(label[j], label[c]) == 0) rank++;
    return rank;
}

static int plan_push_extra(struct wk_export_plan *p, const char *label, size_t rank)
{
    if (p->n_extra == p->cap_extra) {
        size_t cap = p->cap_extra ? 2 * p->cap_extra : 16;
        struct plan_extra *e = wk_realloc_array(p->extra, cap, sizeof *e);
        if (!e) return WK_ENOMEM;
        p->extra = e;
        p->cap_extra = cap;
    }
    if (!(p->extra[p->n_extra].label = wk_strdup(label))) return wk_fail(WK_ENOMEM, "out of memory");
    p->extra[p->n_extra++].rank = rank;
    return 0;
}

int wk_export_plan_add(struct wk_export_plan *p, size_t C, char *const *label,
                       const unsigned char *present)
{
    p->n_recordings++;
    if (p->o.layout != WK_EXPORT_WIDE) return 0;
    int all = p->o.all_columns;
    for (size_t c = 0; c < C && c < WK_ATLAS_SIZE; c++)
        if (column_exported(present, c, all)) p->canonical[c] = 1;
    for (size_t c = WK_ATLAS_SIZE; c < C; c++) {
        if (!column_exported(present, c, all)) continue;
        size_t rank = extra_rank(C, label, present, all, c);
        if (plan_find_extra(p, label[c], rank) >= 0) continue;
        int rc = plan_push_extra(p, label[c], rank);
        if (rc < 0) return rc;
    }
    return 0;
}

static char separator(const struct wk_export_plan *p)
{
    return p->o.format == WK_EXPORT_CSV ? ',' : '\t';
}

/* A text field: CSV quotes when needed (RFC 4180); TSV turns tabs and line
 * ends into spaces. */
static void put_text(FILE *fp, const struct wk_export_plan *p, const char *s)
{
    if (p->o.format == WK_EXPORT_CSV) {
        size_t len = strlen(s);
        int quote = strpbrk(s, ",\"\r\n") != NULL ||
                    (len > 0 && (s[0] == ' ' || s[len - 1] == ' ' || s[0] == '#'));
        if (!quote) {
            fputs(s, fp);
            return;
        }
        putc('"', fp);
        for (; *s; s++) {
            if (*s == '"') putc('"', fp);
            putc(*s, fp);
        }
        putc('"', fp);
        return;
    }
    for (; *s; s++) putc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, fp);
}

static void put_float(FILE *fp, float v)
{
    char buf[WK_NUMBER_BUFSIZE];
    wk_export_format_float(buf, v);
    fputs(buf, fp);
}

static void put_double(FILE *fp, double v)
{
    char buf[WK_NUMBER_BUFSIZE];
    wk_export_format_double(buf, v);
    fputs(buf, fp);
}

int wk_export_write_header(FILE *fp, const char *name, const struct wk_export_plan *p)
{
    char sep = separator(p);
    if (p->o.layout == WK_EXPORT_LONG) {
        fprintf(fp, "recording%cneuron%ctime%cvalue\n", sep, sep, sep);
        return wk_export_check_stream(fp, name);
    }
    if (p->n_recordings > 1) fprintf(fp, "recording%c", sep);
    fputs("time", fp);
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++) {
        if (!p->canonical[c]) continue;
        putc(sep, fp);
        put_text(fp, p, wk_atlas_name(c));
    }
    for (size_t i = 0; i < p->n_extra; i++) {
        putc(sep, fp);
        put_text(fp, p, p->extra[i].label);
    }
    putc('\n', fp);
    return wk_export_check_stream(fp, name);
}

/* Recording column of each plan column (-1: the recording lacks it). */
static long *wide_column_map(const struct wk_export_plan *p, const struct wk_recording *rec,
                             size_t *n_out)
{
    size_t n = p->n_extra;
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++) n += p->canonical[c];
    long *map = wk_malloc_array(n ? n : 1, sizeof *map);
    if (!map) return NULL;
    for (size_t i = 0; i < n; i++) map[i] = -1;
    size_t k = 0;
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++)
        if (p->canonical[c]) {
            if (c < rec->C && column_exported(rec->present, c, p->o.all_columns)) map[k] = (long)c;
            k++;
        }
    for (size_t c = WK_ATLAS_SIZE; c < rec->C; c++) {
        if (!column_exported(rec->present, c, p->o.all_columns)) continue;
        long e = plan_find_extra(p, rec->label[c],
                                 extra_rank(rec->C, rec->label, rec->present, p->o.all_columns, c));
        if (e >= 0) map[k + (size_t)e] = (long)c;
    }
    *n_out = n;
    return map;
}

static int write_wide(FILE *fp, const char *name, const struct wk_export_plan *p,
                      const struct wk_recording *rec)
{
    size_t n;
    long *map = wide_column_map(p, rec, &n);
    if (!map) return WK_ENOMEM;
    char sep = separator(p);
    int rc = 0;
    for (size_t t = 0; t < rec->T && rc == 0; t++) {
        if (p->n_recordings > 1) {
            put_text(fp, p, rec->id);
            putc(sep, fp);
        }
        put_double(fp, rec->time[t]);
        const float *row = rec->traces + t * rec->C;
        for (size_t i = 0; i < n; i++) {
            putc(sep, fp);
            put_float(fp, map[i] >= 0 ? row[map[i]] : wk_nanf());
        }
        putc('\n', fp);
        rc = wk_export_check_stream(fp, name);
    }
    free(map);
    return rc;
}

static int write_long(FILE *fp, const char *name, const struct wk_export_plan *p,
                      const struct wk_recording *rec)
{
    /* every time is written once per neuron: format each once */
    char (*times)[WK_NUMBER_BUFSIZE] = wk_malloc_array(rec->T ? rec->T : 1, sizeof *times);
    if (!times) return WK_ENOMEM;
    for (size_t t = 0; t < rec->T; t++) wk_export_format_double(times[t], rec->time[t]);
    char sep = separator(p);
    int rc = 0;
    for (size_t c = 0; c < rec->C && rc == 0; c++) {
        if (!column_exported(rec->present, c, p->o.all_columns)) continue;
        for (size_t t = 0; t < rec->T; t++) {
            float v = rec->traces[t * rec->C + c];
            if (isnan(v) && !p->o.keep_nan) continue;
            put_text(fp, p, rec->id);
            putc(sep, fp);
            put_text(fp, p, rec->label[c]);
            putc(sep, fp);
            fputs(times[t], fp);
            putc(sep, fp);
            put_float(fp, v);
            putc('\n', fp);
        }
        rc = wk_export_check_stream(fp, name);
    }
    free(times);
    return rc;
}

int wk_export_write_recording(FILE *fp, const char *name, const struct wk_export_plan *p,
                              const struct wk_recording *rec)
{
    return p->o.layout == WK_EXPORT_LONG ? write_long(fp, name, p, rec)
                                         : write_wide(fp, name, p, rec);
}

/* --- NPY export --- */

static int write_labels(FILE *fp, const char *name, const struct wk_recording *rec,
                        const size_t *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (const char *s = rec->label[cols[i]]; *s; s++)
            putc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
        putc('\n', fp);
    }
    return wk_export_check_stream(fp, name);
}

int wk_export_npy(FILE *fp, const char *name, const struct wk_recording *rec, int all_columns,
                  FILE *labels_fp, const char *labels_name)
{
    size_t *cols, n;
    int rc = wk_export_columns(&cols, &n, rec, all_columns);
    if (rc < 0) return rc;
    size_t cells;
    float *m = NULL;
    if (wk_size_mul(&cells, rec->T, n) < 0 || !(m = wk_malloc_array(cells ? cells : 1, sizeof *m))) {
        free(cols);
        return WK_ENOMEM;
    }
    for (size_t t = 0; t < rec->T; t++)
        for (size_t i = 0; i < n; i++) m[t * n + i] = rec->traces[t * rec->C + cols[i]];
    size_t shape[2] = {rec->T, n};
    rc = wk_npy_write(fp, name, 2, shape, m);
    if (rc == 0 && labels_fp) rc = write_labels(labels_fp, labels_name, rec, cols, n);
    free(m);
    free(cols);
    return rc;
}

/* --- hf: the published dataset's long table --- */

static const char *const hf_columns[] = {
    "source_dataset", "raw_data_file", "worm", "neuron", "slot", "is_labeled_neuron",
    "smooth_method", "interpolate_method", "normalization_method", "original_calcium_data",
    "calcium_data", "original_time_in_seconds", "time_in_seconds", "original_max_timesteps",
    "max_timesteps",
};

int wk_export_hf_header(FILE *fp, const char *name)
{
    for (size_t i = 0; i < sizeof hf_columns / sizeof *hf_columns; i++)
        fprintf(fp, "%s%s", i ? "\t" : "", hf_columns[i]);
    putc('\n', fp);
    return wk_export_check_stream(fp, name);
}

/* A text field: tabs, CR and LF become spaces. */
static void hf_text(FILE *fp, const char *s)
{
    for (; s && *s; s++) putc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, fp);
    putc('\t', fp);
}

static void hf_method(FILE *fp, const struct wk_recording *rec, const char *key)
{
    const struct wk_attr *a = wk_recording_attr(rec, key);
    hf_text(fp, a && a->str ? a->str : "none");
}

/* "[v0,v1,...]" of n floats read at x[k * stride]. */
static void hf_list(FILE *fp, const float *x, size_t n, size_t stride)
{
    char buf[WK_NUMBER_BUFSIZE];
    putc('[', fp);
    for (size_t k = 0; k < n; k++) {
        if (k) putc(',', fp);
        wk_export_format_float(buf, x[k * stride]);
        fputs(buf, fp);
    }
    putc(']', fp);
}

static void hf_time_list(FILE *fp, const double *t, size_t n)
{
    char buf[WK_NUMBER_BUFSIZE];
    putc('[', fp);
    for (size_t k = 0; k < n; k++) {
        if (k) putc(',', fp);
        wk_export_format_float(buf, (float)t[k]);
        fputs(buf, fp);
    }
    putc(']', fp);
}

/* The original arrays of rec, checked against its columns; NULL when absent. */
static int hf_originals(const struct wk_recording *rec, const struct wk_array **traces,
                        const struct wk_array **time)
{
    *traces = wk_recording_array(rec, "original_traces");
    *time = wk_recording_array(rec, "original_time");
    if (!*traces && !*time) return 0;
    if (!*traces || !*time || (*traces)->rank != 2 || (*time)->rank != 1 || (*traces)->dims[1] != rec->C ||
        (*traces)->dims[0] != (*time)->dims[0])
        return wk_fail(WK_EFORMAT, "recording '%s': original_traces and original_time do not match "
                       "(expected [T0][%zu] and [T0])", rec->id, rec->C);
    return 0;
}

int wk_export_hf_recording(FILE *fp, const char *name, const struct wk_recording *rec, int all_columns)
{
    const struct wk_array *otraces, *otime;
    int rc = hf_originals(rec, &otraces, &otime);
    if (rc < 0) return rc;
    const struct wk_attr *omax = wk_recording_attr(rec, "original_max_timesteps");
    int same = !otraces && !omax; /* never resampled: the traces are the original */
    size_t T0 = otraces ? otraces->dims[0] : same ? rec->T : 0;
    double T0_attr = omax && !omax->str ? omax->num : (double)T0;
    size_t *cols, n;
    if ((rc = wk_export_columns(&cols, &n, rec, all_columns)) < 0) return rc;
    char worm[48];
    if (rec->worm >= 0) snprintf(worm, sizeof worm, "worm%ld", rec->worm);
    for (size_t j = 0; j < n; j++) {
        size_t c = cols[j];
        hf_text(fp, rec->dataset);
        hf_text(fp, rec->source_file);
        hf_text(fp, rec->worm >= 0 ? worm : rec->id);
        hf_text(fp, rec->label[c]);
        fprintf(fp, "%zu\t%s\t", c, c < WK_ATLAS_SIZE ? "True" : "False");
        hf_method(fp, rec, "smooth_method");
        hf_method(fp, rec, "interpolate_method");
        hf_method(fp, rec, "normalization_method");
        if (otraces) hf_list(fp, otraces->data + c, T0, rec->C);
        else if (same) hf_list(fp, rec->traces + c, rec->T, rec->C);
        else fputs("[]", fp);
        putc('\t', fp);
        hf_list(fp, rec->traces + c, rec->T, rec->C);
        putc('\t', fp);
        if (otime) hf_list(fp, otime->data, T0, 1);
        else if (same) hf_time_list(fp, rec->time, rec->T);
        else fputs("[]", fp);
        putc('\t', fp);
        hf_time_list(fp, rec->time, rec->T);
        fprintf(fp, "\t%.0f\t%zu\n", T0_attr, rec->T);
        if (ferror(fp)) break;
    }
    free(cols);
    return wk_export_check_stream(fp, name);
}

/* --- the worm-export run --- */

struct input {
    const char *path;
    struct wk_file *f;       /* kept open between the passes only for stdin */
    char **ids;
    size_t n_ids;
    unsigned char *selected; /* [n_ids] */
};

struct run {
    const struct wk_export_options *o;
    struct input *in;
    size_t n_in;
    unsigned char *found;    /* [o->n_recordings]: --recording ids seen */
    size_t total;            /* selected recordings */
    struct wk_export_plan *plan;
};

static int is_stdin(const char *path)
{
    return strcmp(path, "-") == 0;
}

static int selected_id(struct run *r, const char *id)
{
    if (r->o->n_recordings == 0) return 1;
    int hit = 0;
    for (size_t i = 0; i < r->o->n_recordings; i++)
        if (strcmp(r->o->recordings[i], id) == 0) r->found[i] = hit = 1;
    return hit;
}

/* Wide tables need every recording's labels before the header. */
static int plan_recording(struct run *r, const struct wk_file *f, const char *id)
{
    char path[1024];
    const char *name = wk_file_name(f);
    hid_t loc = wk_file_hid(f);
    size_t n_labels, dims[4];
    char **labels = NULL;
    unsigned char *present = NULL;
    int rank, rc;
    snprintf(path, sizeof path, "/recordings/%s/label", id);
    if ((rc = wk_h5_read_strings(loc, path, name, &n_labels, &labels)) < 0) return rc;
    snprintf(path, sizeof path, "/recordings/%s/present", id);
    if ((rc = wk_h5_read_uint8(loc, path, name, &rank, dims, &present)) == 0) {
        if (rank != 1 || dims[0] != n_labels)
            rc = wk_fail(WK_EFORMAT, "'%s': /recordings/%s/present: %zu entries for %zu labels",
                         name, id, rank == 1 ? dims[0] : 0, n_labels);
        else
            rc = wk_export_plan_add(r->plan, n_labels, labels, present);
    }
    wk_strv_free(labels, n_labels);
    free(present);
    return rc;
}

static int scan_input(struct run *r, struct input *in)
{
    int rc = wk_file_open(&in->f, in->path);
    if (rc < 0) return rc;
    if ((rc = wk_file_recording_ids(in->f, &in->ids, &in->n_ids)) < 0) return rc;
    if (!(in->selected = wk_calloc(in->n_ids ? in->n_ids : 1, 1))) return WK_ENOMEM;
    for (size_t i = 0; i < in->n_ids && rc == 0; i++) {
        if (!(in->selected[i] = (unsigned char)selected_id(r, in->ids[i]))) continue;
        r->total++;
        if (r->o->format != WK_EXPORT_NPY && r->o->format != WK_EXPORT_HF) rc = plan_recording(r, in->f, in->ids[i]);
    }
    if (!is_stdin(in->path)) {
        wk_file_close(in->f);
        in->f = NULL;
    }
    return rc;
}

static int check_selection(const struct run *r)
{
    const char *where = r->n_in == 1 ? r->in[0].path : NULL;
    if (where && is_stdin(where)) where = "stdin";
    for (size_t i = 0; i < r->o->n_recordings; i++) {
        if (r->found[i]) continue;
        if (where) return wk_fail(WK_ENOTFOUND, "'%s': no recording '%s'", where, r->o->recordings[i]);
        return wk_fail(WK_ENOTFOUND, "no recording '%s' in the %zu inputs", r->o->recordings[i], r->n_in);
    }
    if (r->o->format == WK_EXPORT_NPY && r->total != 1) {
        if (where)
            return wk_fail(WK_EINVAL, "'%s': %zu recordings; npy output holds one (choose it "
                           "with --recording ID)", where, r->total);
        return wk_fail(WK_EINVAL, "the inputs hold %zu recordings; npy output holds one (choose "
                       "it with --recording ID)", r->total);
    }
    return 0;
}

static int write_npy_outputs(struct wk_export_output *out, const struct wk_recording *rec,
                             const struct wk_export_options *o)
{
    struct wk_export_output *labels = NULL;
    int rc = 0;
    if (o->labels_path && (rc = wk_export_output_open(&labels, o->labels_path, 0)) < 0) return rc;
    rc = wk_export_npy(wk_export_output_fp(out), wk_export_output_name(out), rec, o->all_columns,
                       labels ? wk_export_output_fp(labels) : NULL,
                       labels ? wk_export_output_name(labels) : NULL);
    if (!labels) return rc;
    if (rc < 0) {
        wk_export_output_abort(labels);
        return rc;
    }
    return wk_export_output_commit(labels);
}

static int write_input(struct run *r, struct input *in, struct wk_export_output *out)
{
    int rc = 0;
    if (!in->f && (rc = wk_file_open(&in->f, in->path)) < 0) return rc;
    FILE *fp = wk_export_output_fp(out);
    const char *name = wk_export_output_name(out);
    for (size_t i = 0; i < in->n_ids && rc == 0; i++) {
        if (!in->selected[i]) continue;
        struct wk_recording *rec;
        if ((rc = wk_recording_read(in->f, in->ids[i], &rec)) < 0) break;
        if (r->o->format == WK_EXPORT_NPY)
            rc = write_npy_outputs(out, rec, r->o);
        else if (r->o->format == WK_EXPORT_HF)
            rc = wk_export_hf_recording(fp, name, rec, r->o->all_columns);
        else
            rc = wk_export_write_recording(fp, name, r->plan, rec);
        wk_recording_free(rec);
    }
    wk_file_close(in->f);
    in->f = NULL;
    return rc;
}

static void run_clear(struct run *r)
{
    for (size_t i = 0; i < r->n_in; i++) {
        wk_file_close(r->in[i].f);
        wk_strv_free(r->in[i].ids, r->in[i].n_ids);
        free(r->in[i].selected);
    }
    free(r->in);
    free(r->found);
    wk_export_plan_free(r->plan);
}

int wk_export_files(struct wk_export_output *out, char *const *paths, size_t n,
                    const struct wk_export_options *o)
{
    struct run r = {o, NULL, n, NULL, 0, NULL};
    int rc = 0;
    r.in = wk_calloc(n ? n : 1, sizeof *r.in);
    r.found = wk_calloc(o->n_recordings ? o->n_recordings : 1, 1);
    r.plan = wk_export_plan_alloc(o);
    if (!r.in || !r.found || !r.plan) rc = WK_ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++) {
        r.in[i].path = paths[i];
        rc = scan_input(&r, &r.in[i]);
    }
    if (rc == 0) rc = check_selection(&r);
    if (rc == 0 && o->format == WK_EXPORT_HF)
        rc = wk_export_hf_header(wk_export_output_fp(out), wk_export_output_name(out));
    else if (rc == 0 && o->format != WK_EXPORT_NPY)
        rc = wk_export_write_header(wk_export_output_fp(out), wk_export_output_name(out), r.plan);
    for (size_t i = 0; i < n && rc == 0; i++) rc = write_input(&r, &r.in[i], out);
    run_clear(&r);
    return rc;
}
