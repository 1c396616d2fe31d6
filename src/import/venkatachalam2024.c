/* venkatachalam2024.c - one worm per *.zip archive holding one CSV table:
 * one row per neuron, its label in the column `neuron`, one column per
 * frame (the header is the frame number; frames are 0.375 s apart), other
 * columns (metadata) ignored.  Frames empty in every row at the start or the
 * end of the table (the blank columns of the published files) are dropped.
 * Zip through libzip; the CSV is read from memory. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zip.h>

#include "import/dataset_internal.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_util.h"

#define VENKATACHALAM_FRAME_SECONDS 0.375
#define LABEL_COLUMN "neuron"

/* --- the archive --- */

static int ends_with_csv(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".csv") == 0 && strncmp(name, "__MACOSX/", 9) != 0;
}

static int zip_problem(const char *path, const char *what, int code)
{
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    int rc = wk_fail(WK_EFORMAT, "'%s': %s: %s", path, what, zip_error_strerror(&e));
    zip_error_fini(&e);
    return rc;
}

/* Read a member of `claimed` bytes into a buffer that grows with the data
 * actually inflated: a damaged header's size is never allocated at once. */
static int read_claimed(char **text, zip_file_t *f, zip_uint64_t claimed, const char *path,
                        const char *name)
{
    size_t cap = claimed < (1u << 20) ? (size_t)claimed + 1 : (size_t)1 << 20, used = 0;
    char *buf = wk_malloc_array(cap, 1);
    if (!buf) return WK_ENOMEM;
    while (used < claimed) {
        if (used == cap - 1) {
            size_t grown = cap - 1 > claimed / 2 ? (size_t)claimed + 1 : 2 * cap;
            char *bigger = wk_realloc_array(buf, grown, 1);
            if (!bigger) {
                free(buf);
                return WK_ENOMEM;
            }
            buf = bigger;
            cap = grown;
        }
        zip_int64_t got = zip_fread(f, buf + used, cap - 1 - used);
        if (got <= 0) {
            free(buf);
            if (got < 0) return zip_problem(path, name, zip_error_code_zip(zip_file_get_error(f)));
            return wk_fail(WK_EFORMAT, "'%s': %s: member ends after %zu of its %llu bytes", path, name,
                           used, (unsigned long long)claimed);
        }
        used += (size_t)got;
    }
    *text = buf;
    return 0;
}

/* The only CSV member of the archive, read whole (NUL-terminated). */
static int read_member(char **text, size_t *size, char **member, const char *path)
{
    int code = 0;
    *text = NULL;
    zip_t *z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!z) {
        if (code == ZIP_ER_OPEN || code == ZIP_ER_READ)
            return wk_fail(WK_EIO, "'%s': cannot open: %s", path, strerror(errno));
        return zip_problem(path, "not a readable zip archive", code);
    }
    zip_int64_t entries = zip_get_num_entries(z, 0), found = -1;
    int rc = 0;
    for (zip_int64_t i = 0; i < entries && rc == 0; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
        if (!name || !ends_with_csv(name)) continue;
        if (found >= 0)
            rc = wk_fail(WK_EFORMAT, "'%s': more than one .csv member ('%s', '%s')", path,
                         zip_get_name(z, (zip_uint64_t)found, 0), name);
        found = i;
    }
    if (rc == 0 && found < 0) rc = wk_fail(WK_EFORMAT, "'%s': no .csv member in the archive", path);
    zip_stat_t st;
    zip_file_t *f = NULL;
    if (rc == 0 && (zip_stat_index(z, (zip_uint64_t)found, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE)))
        rc = zip_problem(path, "cannot read the member's size", zip_error_code_zip(zip_get_error(z)));
    if (rc == 0 && !(*member = wk_strdup(st.name))) rc = WK_ENOMEM;
    if (rc == 0 && st.size > WK_MAX_ALLOC - 1)
        rc = wk_fail(WK_ERANGE, "'%s': %s: size of %llu bytes is too large", path, st.name,
                     (unsigned long long)st.size);
    if (rc == 0 && !(f = zip_fopen_index(z, (zip_uint64_t)found, 0)))
        rc = zip_problem(path, st.name, zip_error_code_zip(zip_get_error(z)));
    if (rc == 0) {
        rc = read_claimed(text, f, st.size, path, st.name);
        zip_fclose(f);
    }
    zip_discard(z);
    if (rc < 0) {
        free(*text);
        *text = NULL;
        return rc;
    }
    (*text)[st.size] = '\0';
    *size = (size_t)st.size;
    return 0;
}

/* --- the table inside --- */

/* Split one CSV line in place: comma-separated, double-quoted fields ("" is
 * a quote).  Returns the number of fields, or -1 on an unterminated quote. */
static long split_csv(char *line, char ***fields, size_t *cap)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n == *cap) {
            size_t grown = *cap ? 2 * *cap : 64;
            char **v = wk_realloc_array(*fields, grown, sizeof *v);
            if (!v) return -2;
            *fields = v;
            *cap = grown;
        }
        char *start = p, *w = p;
        if (*p == '"') {
            for (p++;; p++) {
                if (*p == '\0') return -1;
                if (*p == '"' && *++p != '"') break;
                *w++ = *p;
            }
        } else {
            while (*p && *p != ',') *w++ = *p++;
        }
        char sep = *p;
        *w = '\0';
        (*fields)[n++] = start;
        if (sep != ',') return (long)n;
        p++;
    }
}

struct csv {
    const char *zip, *member; /* for messages */
    FILE *fp;
    char *line;
    size_t line_cap, lineno;
    char **fields;
    size_t fields_cap;
    long n_fields;
};

/* Next non-blank line, split; 1, 0 at the end, or an error. */
static int next_row(struct csv *c)
{
    for (;;) {
        errno = 0;
        if (getline(&c->line, &c->line_cap, c->fp) < 0) return 0;
        c->lineno++;
        size_t n = strlen(c->line);
        while (n > 0 && (c->line[n - 1] == '\n' || c->line[n - 1] == '\r')) c->line[--n] = '\0';
        if (n == 0) continue;
        char *text = c->line;
        if (c->lineno == 1 && strncmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3;
        c->n_fields = split_csv(text, &c->fields, &c->fields_cap);
        if (c->n_fields == -2) return WK_ENOMEM;
        if (c->n_fields < 0)
            return wk_fail(WK_EFORMAT, "'%s': %s: line %zu: unterminated quoted field", c->zip,
                           c->member, c->lineno);
        return 1;
    }
}

/* Columns of the header: the label column and the frame columns. */
struct layout {
    long n_fields, label_col;
    size_t n_frames;
    size_t *frame_col; /* [n_frames] field index */
    double *frame;     /* [n_frames] frame number */
};

static int read_header(struct layout *l, struct csv *c)
{
    int got = next_row(c);
    if (got < 0) return got;
    if (got == 0) return wk_fail(WK_EFORMAT, "'%s': %s: empty table", c->zip, c->member);
    l->n_fields = c->n_fields;
    l->label_col = -1;
    l->frame_col = wk_malloc_array((size_t)c->n_fields, sizeof *l->frame_col);
    l->frame = wk_malloc_array((size_t)c->n_fields, sizeof *l->frame);
    if (!l->frame_col || !l->frame) return WK_ENOMEM;
    for (long i = 0; i < c->n_fields; i++) {
        double x;
        if (strcmp(c->fields[i], LABEL_COLUMN) == 0)
            l->label_col = i;
        else if (c->fields[i][0] && wk_parse_data_double(c->fields[i], &x) == 0 && isfinite(x)) {
            l->frame_col[l->n_frames] = (size_t)i;
            l->frame[l->n_frames++] = x;
        }
    }
    if (l->label_col < 0)
        return wk_fail(WK_EFORMAT, "'%s': %s: no '%s' column", c->zip, c->member, LABEL_COLUMN);
    if (l->n_frames == 0)
        return wk_fail(WK_EFORMAT, "'%s': %s: no frame columns (numbered headers)", c->zip,
                       c->member);
    return 0;
}

/* Rows (neurons) into a growing frame-major matrix values[row * n_frames + f]. */
struct rows {
    size_t n, cap;
    char **labels;
    float *values;
};

static int add_row(struct rows *r, const struct layout *l, const struct csv *c)
{
    if (c->n_fields != l->n_fields)
        return wk_fail(WK_EFORMAT, "'%s': %s: line %zu: %ld fields, the header has %ld", c->zip,
                       c->member, c->lineno, c->n_fields, l->n_fields);
    if (r->n == r->cap) {
        size_t grown = r->cap ? 2 * r->cap : 32, cells;
        if (wk_size_mul(&cells, grown, l->n_frames) < 0) return WK_ERANGE;
        char **lv = wk_realloc_array(r->labels, grown, sizeof *lv);
        if (!lv) return WK_ENOMEM;
        r->labels = lv;
        float *vv = wk_realloc_array(r->values, cells, sizeof *vv);
        if (!vv) return WK_ENOMEM;
        r->values = vv;
        r->cap = grown;
    }
    float *row = r->values + r->n * l->n_frames;
    for (size_t f = 0; f < l->n_frames; f++) {
        const char *s = c->fields[l->frame_col[f]];
        double x;
        if (wk_parse_data_double(s, &x) < 0 || isinf(x) || fabs(x) > 3.4e38)
            return wk_fail(WK_EFORMAT, "'%s': %s: line %zu, frame %g: not a finite number: '%s'",
                           c->zip, c->member, c->lineno, l->frame[f], s);
        row[f] = (float)x;
    }
    if (!(r->labels[r->n] = wk_strdup(c->fields[l->label_col]))) return WK_ENOMEM;
    r->n++;
    return 0;
}

static int frame_is_empty(const struct rows *r, size_t n_frames, size_t f)
{
    for (size_t i = 0; i < r->n; i++)
        if (!isnan(r->values[i * n_frames + f])) return 0;
    return 1;
}

/* Rows x frames -> a table of the frames [first, last) (time x neurons). */
static int make_table(struct wk_import_table **out, const struct rows *r, const struct layout *l,
                      const struct csv *c)
{
    size_t first = 0, last = l->n_frames;
    while (first < last && frame_is_empty(r, l->n_frames, first)) first++;
    while (last > first && frame_is_empty(r, l->n_frames, last - 1)) last--;
    if (first == last)
        return wk_fail(WK_EFORMAT, "'%s': %s: every frame is empty", c->zip, c->member);
    char field[300];
    snprintf(field, sizeof field, "%s: frame header", c->member);
    struct wk_import_table *t = wk_import_table_alloc(last - first, r->n);
    if (!t) return WK_ENOMEM;
    for (size_t k = 0; k < t->T; k++) t->time[k] = l->frame[first + k] * VENKATACHALAM_FRAME_SECONDS;
    int rc = wk_import_check_time(t->time, t->T, c->zip, field);
    for (size_t i = 0; rc == 0 && i < r->n; i++) {
        for (size_t k = 0; k < t->T; k++) t->values[k * t->N + i] = r->values[i * l->n_frames + first + k];
        free(t->labels[i]);
        t->labels[i] = r->labels[i];
        r->labels[i] = NULL;
    }
    if (rc < 0) {
        wk_import_table_free(t);
        return rc;
    }
    t->dt = VENKATACHALAM_FRAME_SECONDS;
    *out = t;
    return 0;
}

static int parse_table(struct wk_import_table **out, struct csv *c)
{
    struct layout l = {0, -1, 0, NULL, NULL};
    struct rows r = {0, 0, NULL, NULL};
    int rc = read_header(&l, c), got = 0;
    while (rc == 0 && (got = next_row(c)) > 0) rc = add_row(&r, &l, c);
    if (rc == 0 && got < 0) rc = got;
    if (rc == 0 && r.n == 0) rc = wk_fail(WK_EFORMAT, "'%s': %s: no neuron rows", c->zip, c->member);
    if (rc == 0) rc = make_table(out, &r, &l, c);
    wk_strv_free(r.labels, r.n);
    free(r.values);
    free(l.frame_col);
    free(l.frame);
    return rc;
}

static int read_zip(const char *path, wk_import_sink_fn sink, void *ctx)
{
    char *text, *member = NULL;
    size_t size = 0;
    int rc = read_member(&text, &size, &member, path);
    if (rc < 0) {
        free(member);
        return rc;
    }
    struct csv c = {path, member, NULL, NULL, 0, 0, NULL, 0, 0};
    struct wk_import_table *t = NULL;
    if (size == 0)
        rc = wk_fail(WK_EFORMAT, "'%s': %s: empty table", path, member);
    else if (!(c.fp = fmemopen(text, size, "r")))
        rc = wk_fail(WK_EIO, "'%s': %s: cannot read from memory: %s", path, member, strerror(errno));
    else {
        rc = parse_table(&t, &c);
        fclose(c.fp);
    }
    free(c.line);
    free(c.fields);
    free(text);
    free(member);
    if (rc < 0) return rc;
    return wk_dataset_emit(t, "venkatachalam2024", path, NULL, -1, WK_LABEL_RULES_STANDARD, sink,
                           ctx);
}

int wk_import_read_venkatachalam2024(const char *path, const struct wk_import_options *o,
                                     wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    if (strcmp(path, "-") == 0)
        return wk_fail(WK_EINVAL, "stdin: venkatachalam2024 archives must be named (.zip)");
    if (!wk_dataset_is_folder(path)) return read_zip(path, sink, ctx);
    char **files;
    size_t n;
    int rc = wk_dataset_list_folder(&files, &n, path, ".zip");
    if (rc < 0) return rc;
    if (n == 0) rc = wk_fail(WK_ENOTFOUND, "'%s': no .zip file in the folder", path);
    for (size_t i = 0; i < n && rc == 0; i++) rc = read_zip(files[i], sink, ctx);
    wk_strv_free(files, n);
    return rc;
}
