/* connectome_text.c - delimited text read whole, cut into records in place,
 * for the connectome readers and worm-compare's matrices. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/connectome_internal.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

static int read_stream(struct wk_conn_text *t, FILE *fp)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) return wk_fail(WK_ENOMEM, "'%s': out of memory", t->name);
    for (;;) {
        if (cap - len < 2) {
            if (cap >= WK_MAX_ALLOC / 2) {
                free(buf);
                return wk_fail(WK_ERANGE, "'%s': file too large", t->name);
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                return wk_fail(WK_ENOMEM, "'%s': out of memory", t->name);
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, fp);
        len += got;
        if (got == 0) break;
    }
    if (ferror(fp)) {
        int e = errno;
        free(buf);
        return wk_fail(WK_EIO, "'%s': read error: %s", t->name, strerror(e));
    }
    buf[len] = '\0';
    t->buf = buf;
    t->len = len;
    return 0;
}

static int check_is_text(const struct wk_conn_text *t)
{
    static const unsigned char zip[4] = {'P', 'K', 3, 4};
    static const unsigned char ole[4] = {0xd0, 0xcf, 0x11, 0xe0};
    if (t->len == 0) return wk_fail(WK_EFORMAT, "'%s': empty file", t->name);
    if (t->len >= 4 && (memcmp(t->buf, zip, 4) == 0 || memcmp(t->buf, ole, 4) == 0))
        return wk_fail(WK_EFORMAT, "'%s': a spreadsheet (xls/xlsx); export the sheet as CSV",
                       t->name);
    if (memchr(t->buf, '\0', t->len))
        return wk_fail(WK_EFORMAT, "'%s': not a text file (NUL byte)", t->name);
    return 0;
}

/* The delimiter most frequent on the first non-blank line, outside quotes:
 * tab, then comma, then semicolon on ties; comma when there is none. */
static char detect_delimiter(const char *s)
{
    while (*s == '\n' || *s == '\r' || *s == ' ') s++;
    size_t tabs = 0, commas = 0, semis = 0;
    int quoted = 0;
    for (; *s && (quoted || (*s != '\n' && *s != '\r')); s++) {
        if (*s == '"') quoted = !quoted;
        else if (quoted) continue;
        else if (*s == '\t') tabs++;
        else if (*s == ',') commas++;
        else if (*s == ';') semis++;
    }
    if (tabs > 0 && tabs >= commas && tabs >= semis) return '\t';
    if (semis > commas) return ';';
    return ',';
}

int wk_conn_text_open(struct wk_conn_text **out, const char *path)
{
    *out = NULL;
    int from_stdin = !path || strcmp(path, "-") == 0;
    struct wk_conn_text *t = calloc(1, sizeof *t);
    if (!t) return wk_fail(WK_ENOMEM, "out of memory");
    t->name = wk_strdup(from_stdin ? "stdin" : path);
    if (!t->name) {
        free(t);
        return wk_fail(WK_ENOMEM, "out of memory");
    }
    FILE *fp = from_stdin ? stdin : fopen(path, "rb");
    if (!fp) {
        int e = errno;
        wk_conn_text_free(t);
        return wk_fail(WK_EIO, "'%s': %s", path, strerror(e));
    }
    int rc = read_stream(t, fp);
    if (!from_stdin) fclose(fp);
    if (rc == 0) rc = check_is_text(t);
    if (rc < 0) {
        wk_conn_text_free(t);
        return rc;
    }
    if (t->len >= 3 && memcmp(t->buf, "\xef\xbb\xbf", 3) == 0) t->pos = 3;
    t->delim = detect_delimiter(t->buf + t->pos);
    t->next_line = 1;
    *out = t;
    return 0;
}

void wk_conn_text_free(struct wk_conn_text *t)
{
    if (!t) return;
    free(t->name);
    free(t->buf);
    free(t->fields);
    free(t);
}

static int push_field(struct wk_conn_text *t, char *field)
{
    if (t->n_fields == t->cap_fields) {
        size_t cap = t->cap_fields ? 2 * t->cap_fields : 16;
        char **v = wk_realloc_array(t->fields, cap, sizeof *v);
        if (!v) return WK_ENOMEM;
        t->fields = v;
        t->cap_fields = cap;
    }
    t->fields[t->n_fields++] = field;
    return 0;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static char *trim(char *s)
{
    while (is_blank(*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank(s[n - 1])) s[--n] = '\0';
    return s;
}

/* At a line end?  Consumes it (CRLF, LF or CR) and counts the line. */
static int take_newline(struct wk_conn_text *t)
{
    char c = t->buf[t->pos];
    if (c == '\n') {
        t->pos++;
    } else if (c == '\r') {
        t->pos++;
        if (t->buf[t->pos] == '\n') t->pos++;
    } else {
        return 0;
    }
    t->next_line++;
    return 1;
}

/* Cut one field starting at t->pos; copies unquoted text down to `w`.
 * Sets *end_of_record when the field ended the record. */
static int cut_field(struct wk_conn_text *t, int *end_of_record)
{
    char *start = t->buf + t->pos, *w = start;
    int quoted = 0;
    for (;;) {
        char c = t->buf[t->pos];
        if (quoted) {
            if (c == '\0')
                return wk_fail(WK_EFORMAT, "'%s': line %ld: unterminated quoted field", t->name,
                               t->line);
            if (c == '"' && t->buf[t->pos + 1] == '"') {
                *w++ = '"';
                t->pos += 2;
            } else if (c == '"') {
                quoted = 0;
                t->pos++;
            } else {
                if (c == '\n' || (c == '\r' && t->buf[t->pos + 1] != '\n')) t->next_line++;
                *w++ = c;
                t->pos++;
            }
            continue;
        }
        if (c == '"') {
            quoted = 1;
            t->pos++;
            continue;
        }
        if (c == t->delim) {
            t->pos++;
            *end_of_record = 0;
            break;
        }
        if (c == '\0' || c == '\n' || c == '\r') {
            *end_of_record = 1;
            if (c != '\0') {
                char *nl = t->buf + t->pos;
                take_newline(t);
                *nl = '\0';
            }
            break;
        }
        *w++ = c;
        t->pos++;
    }
    *w = '\0';
    return push_field(t, trim(start));
}

int wk_conn_text_next(struct wk_conn_text *t)
{
    for (;;) {
        if (t->pos >= t->len) return 0;
        t->n_fields = 0;
        t->line = t->next_line;
        int end = 0;
        while (!end) {
            int rc = cut_field(t, &end);
            if (rc < 0) return rc == WK_ENOMEM ? wk_fail(rc, "out of memory") : rc;
        }
        for (size_t i = 0; i < t->n_fields; i++)
            if (t->fields[i][0]) return 1;
    }
}

int wk_conn_parse_weight(const char *s, double *w, const struct wk_conn_text *t, const char *field)
{
    if (wk_parse_data_double(s, w) == 0) return 0;
    return wk_fail(WK_EFORMAT, "'%s': line %ld, %s: not a number: '%s'", t->name, t->line, field,
                   s);
}
