/* delimited.c - CSV/TSV (and blank-separated) tables: a time column and one
 * column per neuron, one row per sample. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_util.h"

/* Fields of one line: pointers into the line buffer, unquoted in place. */
struct fields {
    char **v;
    size_t n, cap;
};

/* The parser's state while reading one stream. */
struct reader {
    FILE *fp;
    const char *name;
    const struct wk_delim_options *o;
    char *line;
    size_t line_cap;
    size_t lineno;
    struct fields f;
};

static int is_blank(int c)
{
    return c == ' ' || c == '\t';
}

/* The field separator ends a field; in blank mode any run of blanks does. */
static int is_separator(const struct reader *r, char c)
{
    return r->o->delim == WK_DELIM_BLANKS ? is_blank((unsigned char)c) : c == r->o->delim;
}

/* Blanks that may be trimmed around a field (never the separator itself). */
static int is_trimmable(const struct reader *r, char c)
{
    return is_blank((unsigned char)c) && !(r->o->delim == '\t' && c == '\t');
}

static int push_field(struct reader *r, char *field)
{
    if (r->f.n == r->f.cap) {
        size_t cap = r->f.cap ? 2 * r->f.cap : 16;
        char **v = wk_realloc_array(r->f.v, cap, sizeof *v);
        if (!v) return WK_ENOMEM;
        r->f.v = v;
        r->f.cap = cap;
    }
    r->f.v[r->f.n++] = field;
    return 0;
}

/* Unquote a field that starts at s[0] == '"' in place; *end receives the
 * position after the closing quote. */
static int unquote(struct reader *r, char *s, char **end)
{
    char *w = s;
    char *p = s + 1;
    for (;;) {
        if (*p == '\0')
            return wk_fail(WK_EFORMAT, "'%s': line %zu: unterminated quoted field", r->name,
                           r->lineno);
        if (*p == '"') {
            if (p[1] != '"') break;
            p++;
        }
        *w++ = *p++;
    }
    *w = '\0';
    *end = p + 1;
    return 0;
}

/* Split the current line into r->f (in place). */
static int split_line(struct reader *r)
{
    char *p = r->line;
    r->f.n = 0;
    if (r->o->delim == WK_DELIM_BLANKS)
        while (is_blank((unsigned char)*p)) p++;
    for (;;) {
        while (is_trimmable(r, *p)) p++;
        char *start = p;
        char *after = p;
        char *term = NULL; /* where the field's NUL goes (unquote writes its own) */
        if (*p == '"') {
            int rc = unquote(r, p, &after);
            if (rc < 0) return rc;
            if (r->o->delim != WK_DELIM_BLANKS) /* there, a blank is the separator */
                while (is_trimmable(r, *after)) after++;
            if (*after != '\0' && !is_separator(r, *after))
                return wk_fail(WK_EFORMAT, "'%s': line %zu: text after a closing quote",
                               r->name, r->lineno);
        } else {
            while (*p != '\0' && !is_separator(r, *p)) p++;
            after = p;
            term = p;
            while (term > start && is_trimmable(r, term[-1])) term--;
        }
        char sep = *after;
        if (term) *term = '\0';
        int rc = push_field(r, start);
        if (rc < 0) return rc;
        if (sep == '\0') return 0;
        p = after + 1;
        if (r->o->delim == WK_DELIM_BLANKS) {
            while (is_blank((unsigned char)*p)) p++;
            if (*p == '\0') return 0;
        }
    }
}

/* Next line that is neither blank nor a comment, without its line end.
 * Returns 1 for a line, 0 at end of input, <0 on error. */
static int next_line(struct reader *r)
{
    for (;;) {
        errno = 0;
        ssize_t len = getline(&r->line, &r->line_cap, r->fp);
        if (len < 0) {
            if (ferror(r->fp))
                return wk_fail(WK_EIO, "'%s': read error: %s", r->name,
                               strerror(errno ? errno : EIO));
            return 0;
        }
        r->lineno++;
        if (strlen(r->line) != (size_t)len)
            return wk_fail(WK_EFORMAT, "'%s': line %zu: NUL byte (not a text file)", r->name,
                           r->lineno);
        if (r->lineno == 1 && strncmp(r->line, "\xEF\xBB\xBF", 3) == 0) {
            memmove(r->line, r->line + 3, (size_t)len - 2);
            len -= 3;
        }
        while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
            r->line[--len] = '\0';
        if (r->line[0] == '#') continue;
        const char *p = r->line;
        while (is_blank((unsigned char)*p)) p++;
        if (*p != '\0') return 1;
    }
}

static int is_time_name(const char *s)
{
    return strcasecmp(s, "time") == 0 || strcasecmp(s, "t") == 0 || strcasecmp(s, "time_s") == 0;
}

/* Column names and the time column's index (-1: none) from the header. */
struct layout {
    size_t n_fields;
    long time_col;
    char **names; /* [n_fields] */
};

static void layout_free(struct layout *l)
{
    wk_strv_free(l->names, l->n_fields);
    l->names = NULL;
}

static int find_time_column(struct reader *r, struct layout *l)
{
    const struct wk_delim_options *o = r->o;
    l->time_col = -1;
    if (o->no_time) return 0;
    if (o->time_column) {
        for (size_t i = 0; i < l->n_fields; i++)
            if (strcmp(l->names[i], o->time_column) == 0) {
                l->time_col = (long)i;
                return 0;
            }
        return wk_fail(WK_EFORMAT, "'%s': line %zu: no column named '%s'", r->name, r->lineno,
                       o->time_column);
    }
    if (!o->header) return 0; /* first column, unnamed */
    const char *first = l->names[0];
    double x;
    if (*first != '\0' && wk_parse_data_double(first, &x) == 0)
        return wk_fail(WK_EFORMAT, "'%s': line %zu: missing header row (first field '%s' is a number)",
                       r->name, r->lineno, first);
    if (!is_time_name(first))
        return wk_fail(WK_EFORMAT,
                       "'%s': line %zu: first column must be the time (header 'time', 't' or "
                       "'time_s'), found '%s' (see --time-column and --no-time)",
                       r->name, r->lineno, first);
    l->time_col = 0;
    return 0;
}

static int read_layout(struct reader *r, struct layout *l)
{
    int got = next_line(r);
    if (got < 0) return got;
    if (got == 0)
        return r->o->header ? wk_fail(WK_EFORMAT, "'%s': empty file (no header row)", r->name)
                            : wk_fail(WK_EFORMAT, "'%s': no data rows", r->name);
    int rc = split_line(r);
    if (rc < 0) return rc;
    l->n_fields = r->f.n;
    l->names = wk_calloc(l->n_fields, sizeof *l->names);
    if (!l->names) return WK_ENOMEM;
    for (size_t i = 0; i < l->n_fields; i++) {
        l->names[i] = wk_strdup(r->o->header ? r->f.v[i] : "");
        if (!l->names[i]) return wk_fail(WK_ENOMEM, "out of memory");
    }
    if (!r->o->header && r->o->time_column)
        return wk_fail(WK_EINVAL, "'%s': a time column name needs a header row", r->name);
    if (!r->o->header && !r->o->no_time) l->time_col = 0;
    else if ((rc = find_time_column(r, l)) < 0) return rc;
    if (l->n_fields == (size_t)(l->time_col >= 0))
        return wk_fail(WK_EFORMAT, "'%s': line %zu: no neuron columns", r->name, r->lineno);
    return 0;
}

/* Growing sample-major storage. */
struct samples {
    size_t T, cap, N;
    double *time;
    float *values;
};

static int samples_reserve_row(struct samples *s)
{
    if (s->T < s->cap) return 0;
    size_t cap = s->cap ? 2 * s->cap : 256;
    size_t cells;
    if (wk_size_mul(&cells, cap, s->N) < 0) return wk_fail(WK_ERANGE, "table too large");
    double *t = wk_realloc_array(s->time, cap, sizeof *t);
    if (!t) return WK_ENOMEM;
    s->time = t;
    float *v = wk_realloc_array(s->values, cells, sizeof *v);
    if (!v) return WK_ENOMEM;
    s->values = v;
    s->cap = cap;
    return 0;
}

static int is_na(const char *s)
{
    return strcasecmp(s, "NA") == 0 || strcasecmp(s, "N/A") == 0;
}

/* "column 'AVAL'", or "column 3" (1-based) when the header is empty/absent. */
static void column_desc(char *buf, size_t size, const struct layout *l, size_t field)
{
    if (l->names[field][0])
        snprintf(buf, size, "column '%s'", l->names[field]);
    else
        snprintf(buf, size, "column %zu", field + 1);
}

/* Exact powers of ten as doubles (10^22 < 2^53 * 2^22 is the last). */
static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#define FAST_MAX_MANTISSA ((uint64_t)1 << 53)
#define FAST_MAX_EXP10 22

/* Clinger's fast path for the plain decimals of most tables,
 * [+-]digits[.digits][(e|E)[+-]digits]: with a decimal mantissa below 2^53
 * and a decimal exponent within +-22, mantissa and power of ten are exact
 * doubles, so one multiply or divide is the correctly rounded value that
 * strtod returns.  1 with *out set; 0 for anything else (more digits, a
 * larger exponent, blanks, hex, inf, nan, garbage), which strtod decides. */
static int parse_decimal_fast(const char *s, double *out)
{
    uint64_t mantissa = 0;
    int exp10 = 0, digits = 0, negative = *s == '-';

#if FLT_EVAL_METHOD != 0 /* wider intermediates (x87) would round twice */
    return 0;
#endif
    if (*s == '-' || *s == '+') s++;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        mantissa = 10 * mantissa + (uint64_t)(*s - '0');
        if (mantissa >= FAST_MAX_MANTISSA) return 0;
    }
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, digits++, exp10--) {
            mantissa = 10 * mantissa + (uint64_t)(*s - '0');
            if (mantissa >= FAST_MAX_MANTISSA) return 0;
        }
    if (digits == 0) return 0;
    if (*s == 'e' || *s == 'E') {
        int exp_negative = 0, explicit_exp = 0, exp_digits = 0;
        s++;
        if (*s == '-' || *s == '+') exp_negative = *s++ == '-';
        for (; *s >= '0' && *s <= '9'; s++, exp_digits++) {
            explicit_exp = 10 * explicit_exp + (*s - '0');
            if (explicit_exp > 1000) return 0;
        }
        if (exp_digits == 0) return 0;
        exp10 += exp_negative ? -explicit_exp : explicit_exp;
    }
    if (*s != '\0' || exp10 < -FAST_MAX_EXP10 || exp10 > FAST_MAX_EXP10) return 0;
    double x = exp10 < 0 ? (double)mantissa / POW10[-exp10] : (double)mantissa * POW10[exp10];
    *out = negative ? -x : x;
    return 1;
}

static int parse_cell(const struct reader *r, const struct layout *l, size_t field, double *out)
{
    const char *s = r->f.v[field];
    if (parse_decimal_fast(s, out)) return 0;
    if (is_na(s)) {
        *out = wk_nan();
        return 0;
    }
    if (wk_parse_data_double(s, out) == 0) return 0;
    char where[256];
    column_desc(where, sizeof where, l, field);
    return wk_fail(WK_EFORMAT, "'%s': line %zu, %s: not a number: '%s'", r->name, r->lineno,
                   where, s);
}

/* A trace value: a number or NaN, within float32 range. */
static int parse_value(const struct reader *r, const struct layout *l, size_t field, float *out)
{
    double x;
    int rc = parse_cell(r, l, field, &x);
    if (rc < 0) return rc;
    if (isinf(x) || (isfinite(x) && fabs(x) > FLT_MAX)) {
        char where[256];
        column_desc(where, sizeof where, l, field);
        return wk_fail(WK_EFORMAT, "'%s': line %zu, %s: not a finite float32 value: '%s'",
                       r->name, r->lineno, where, r->f.v[field]);
    }
    *out = (float)x;
    return 0;
}

static int parse_time(const struct reader *r, const struct layout *l, const struct samples *s,
                      double *t)
{
    if (l->time_col < 0) {
        *t = (double)s->T * r->o->dt;
        return 0;
    }
    int rc = parse_cell(r, l, (size_t)l->time_col, t);
    if (rc < 0) return rc;
    if (!isfinite(*t))
        return wk_fail(WK_EFORMAT, "'%s': line %zu: time is not finite: '%s'", r->name,
                       r->lineno, r->f.v[l->time_col]);
    if (s->T > 0 && !(*t > s->time[s->T - 1])) {
        char now[WK_NUMBER_BUFSIZE], before[WK_NUMBER_BUFSIZE];
        wk_export_format_double(now, *t);
        wk_export_format_double(before, s->time[s->T - 1]);
        return wk_fail(WK_EFORMAT, "'%s': line %zu: time not strictly increasing (%s after %s)",
                       r->name, r->lineno, now, before);
    }
    return 0;
}

/* One data row; the line is split here unless `split` says it already is. */
static int parse_row(struct reader *r, const struct layout *l, struct samples *s, int split)
{
    int rc = split ? 0 : split_line(r);
    if (rc < 0) return rc;
    if (r->f.n != l->n_fields)
        return wk_fail(WK_EFORMAT, "'%s': line %zu: expected %zu fields, found %zu", r->name,
                       r->lineno, l->n_fields, r->f.n);
    if ((rc = samples_reserve_row(s)) < 0) return rc;
    double t;
    if ((rc = parse_time(r, l, s, &t)) < 0) return rc;
    float *row = s->values + s->T * s->N;
    size_t j = 0;
    for (size_t i = 0; i < l->n_fields; i++) {
        if ((long)i == l->time_col) continue;
        if ((rc = parse_value(r, l, i, &row[j++])) < 0) return rc;
    }
    s->time[s->T++] = t;
    return 0;
}

static int make_table(struct wk_import_table **out, const struct layout *l,
                      const struct samples *s)
{
    struct wk_import_table *t = wk_import_table_alloc(s->T, s->N);
    if (!t) return WK_ENOMEM;
    memcpy(t->time, s->time, s->T * sizeof *t->time);
    memcpy(t->values, s->values, s->T * s->N * sizeof *t->values);
    size_t j = 0;
    for (size_t i = 0; i < l->n_fields; i++) {
        if ((long)i == l->time_col) continue;
        char *copy = wk_strdup(l->names[i]);
        if (!copy) {
            wk_import_table_free(t);
            return wk_fail(WK_ENOMEM, "out of memory");
        }
        free(t->labels[j]);
        t->labels[j++] = copy;
    }
    *out = t;
    return 0;
}

static int check_options(const char *name, const struct wk_delim_options *o)
{
    if (o->delim != ',' && o->delim != '\t' && o->delim != WK_DELIM_BLANKS)
        return wk_fail(WK_EINVAL, "'%s': unsupported field separator", name);
    if (o->no_time && !(isfinite(o->dt) && o->dt > 0))
        return wk_fail(WK_EINVAL, "'%s': a table without time needs a positive dt", name);
    if (o->no_time && o->time_column)
        return wk_fail(WK_EINVAL, "'%s': a time column and no time exclude each other", name);
    return 0;
}

int wk_delim_read(struct wk_import_table **out, FILE *fp, const char *name,
                  const struct wk_delim_options *o)
{
    *out = NULL;
    int rc = check_options(name, o);
    if (rc < 0) return rc;

    struct reader r = {fp, name, o, NULL, 0, 0, {NULL, 0, 0}};
    struct layout l = {0, -1, NULL};
    struct samples s = {0, 0, 0, NULL, NULL};
    if ((rc = read_layout(&r, &l)) < 0) goto done;
    s.N = l.n_fields - (l.time_col >= 0);
    if (!o->header && (rc = parse_row(&r, &l, &s, 1)) < 0) /* the first line holds data */
        goto done;
    int got;
    while ((got = next_line(&r)) > 0)
        if ((rc = parse_row(&r, &l, &s, 0)) < 0) goto done;
    if ((rc = got) < 0) goto done;
    if (s.T == 0) {
        rc = wk_fail(WK_EFORMAT, "'%s': no data rows", name);
        goto done;
    }
    rc = make_table(out, &l, &s);
done:
    layout_free(&l);
    free(r.line);
    free(r.f.v);
    free(s.time);
    free(s.values);
    return rc;
}

/* Open, read and hand over one table: the registry entries for csv/tsv. */
static int read_path(const char *path, const struct wk_import_options *io, char delim,
                     wk_import_sink_fn sink, void *ctx)
{
    struct wk_delim_options o = {delim, 1, io->time_column, io->no_time, io->dt};
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "stdin" : path;
    FILE *fp = is_stdin ? stdin : fopen(path, "r");
    if (!fp) return wk_fail(WK_EIO, "'%s': cannot open: %s", path, strerror(errno));
    struct wk_import_table *t;
    int rc = wk_delim_read(&t, fp, name, &o);
    if (!is_stdin) fclose(fp);
    if (rc < 0) return rc;
    return sink(t, ctx);
}

int wk_import_read_csv(const char *path, const struct wk_import_options *o,
                       wk_import_sink_fn sink, void *ctx)
{
    return read_path(path, o, ',', sink, ctx);
}

int wk_import_read_tsv(const char *path, const struct wk_import_options *o,
                       wk_import_sink_fn sink, void *ctx)
{
    return read_path(path, o, '\t', sink, ctx);
}
