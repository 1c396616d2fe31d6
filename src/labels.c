/* labels.c - placing source neuron columns into canonical and extra columns. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_labels.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"

const char *wk_label_decision_name(enum wk_label_decision d)
{
    switch (d) {
    case WK_LABEL_CANONICAL: return "canonical";
    case WK_LABEL_DUPLICATE: return "duplicate";
    case WK_LABEL_UNLABELED: return "unlabeled";
    case WK_LABEL_REJECTED: return "rejected";
    }
    return "unknown";
}

void wk_label_map_free(struct wk_label_map *map)
{
    if (!map) return;
    free(map->column);
    free(map->decision);
    wk_strv_free(map->original, map->n);
    free(map);
}

static struct wk_label_map *label_map_alloc(size_t n)
{
    struct wk_label_map *map = wk_calloc(1, sizeof *map);
    if (!map) return NULL;
    map->n = n;
    map->column = wk_calloc(n, sizeof *map->column);
    map->decision = wk_calloc(n, sizeof *map->decision);
    map->original = wk_calloc(n, sizeof *map->original);
    if (!map->column || !map->decision || !map->original) {
        map->n = 0; /* original[] entries are all NULL: nothing else to free */
        wk_label_map_free(map);
        return NULL;
    }
    return map;
}

int wk_label_map_build_ex(struct wk_label_map **out, const char *const *original,
                          const char *const *canonical, const unsigned char *keep, size_t n)
{
    *out = NULL;
    struct wk_label_map *map = label_map_alloc(n);
    if (!map) return WK_ENOMEM;

    unsigned char taken[WK_ATLAS_SIZE] = {0};
    size_t next_extra = WK_ATLAS_SIZE;
    for (size_t i = 0; i < n; i++) {
        const char *text = original && original[i] ? original[i] : "";
        map->original[i] = wk_strdup(text);
        if (!map->original[i]) {
            wk_label_map_free(map);
            return wk_fail(WK_ENOMEM, "out of memory");
        }
        if (keep && !keep[i]) {
            map->decision[i] = WK_LABEL_REJECTED;
            map->column[i] = -1;
            continue;
        }
        const char *name = canonical ? canonical[i] : original ? original[i] : NULL;
        int k = wk_atlas_index(name);
        if (k >= 0 && !taken[k]) {
            taken[k] = 1;
            map->decision[i] = WK_LABEL_CANONICAL;
            map->column[i] = k;
            continue;
        }
        if (next_extra > (size_t)INT_MAX) {
            wk_label_map_free(map);
            return wk_fail(WK_ERANGE, "too many neuron columns (%zu)", n);
        }
        map->decision[i] = k >= 0 ? WK_LABEL_DUPLICATE : WK_LABEL_UNLABELED;
        map->column[i] = (int)next_extra++;
    }
    map->n_extra = next_extra - WK_ATLAS_SIZE;
    *out = map;
    return 0;
}

int wk_label_map_build(struct wk_label_map **out, const char *const *labels, size_t n)
{
    return wk_label_map_build_ex(out, labels, NULL, NULL, n);
}

size_t wk_label_map_columns(const struct wk_label_map *map)
{
    return WK_ATLAS_SIZE + map->n_extra;
}

int wk_label_map_apply_labels(struct wk_recording *rec, const struct wk_label_map *map)
{
    for (size_t i = 0; i < map->n; i++) {
        int c = map->column[i];
        if (c < WK_ATLAS_SIZE) continue;
        int rc = wk_recording_set_label(rec, (size_t)c, map->original[i]);
        if (rc < 0) return rc;
    }
    return 0;
}

/* A label as one TSV field: tabs, CR and LF become spaces. */
static void put_field(FILE *fp, const char *s)
{
    for (; *s; s++) putc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, fp);
}

static int check_written(FILE *fp, const char *name)
{
    if (!ferror(fp)) return 0;
    if (errno == EPIPE) return WK_EPIPE;
    return wk_fail(WK_EIO, "'%s': write error: %s", name, strerror(errno));
}

int wk_label_report_header(FILE *fp, const char *name)
{
    fputs("recording\toriginal_label\tdecision\tcolumn\n", fp);
    return check_written(fp, name);
}

int wk_label_report_write(FILE *fp, const char *name, const char *recording,
                          const struct wk_label_map *map)
{
    for (size_t i = 0; i < map->n; i++) {
        put_field(fp, recording);
        putc('\t', fp);
        put_field(fp, map->original[i]);
        fprintf(fp, "\t%s\t%d\n", wk_label_decision_name(map->decision[i]), map->column[i]);
    }
    return check_written(fp, name);
}

/* --- canonicalization (homogenize.md, label rules 2-7) --- */

#define LABEL_MAX 64 /* longer labels are never atlas names */

/* Copy s without leading and trailing blanks into buf; 0 when it does not fit. */
static int trim_into(char buf[LABEL_MAX], const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
        len--;
    if (len >= LABEL_MAX) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return 1;
}

static int is_alnum_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Rule 3: letters and digits only (a '?' too when query != 0), not empty,
 * not "merge". */
static int is_plain_label(const char *s, int query)
{
    if (!*s || strcasecmp(s, "merge") == 0) return 0;
    for (; *s; s++)
        if (!is_alnum_char(*s) && !(query && *s == '?')) return 0;
    return 1;
}

/* Rule 4: a label not ending in '0' loses its '0' characters, in place. */
static void drop_zero_padding(char *s)
{
    size_t len = strlen(s);
    if (len == 0 || s[len - 1] == '0') return;
    char *w = s;
    for (const char *r = s; *r; r++)
        if (*r != '0') *w++ = *r;
    *w = '\0';
}

/* Rules 3 and 4: the cleaned label in buf, or 0 when the label is unlabeled. */
static int clean_label(char buf[LABEL_MAX], const char *label, int query)
{
    if (!label || !trim_into(buf, label) || !is_plain_label(buf, query)) return 0;
    drop_zero_padding(buf);
    return buf[0] != '\0';
}

/* Rule 5: the free atlas name with most position-wise equal characters
 * (ties: the first in canonical order); -1 when none shares a character. */
static int best_query_match(const char *label, const unsigned char *taken)
{
    int best = -1;
    size_t best_score = 0;
    for (size_t k = 0; k < WK_ATLAS_SIZE; k++) {
        if (taken[k]) continue;
        const char *name = wk_atlas_name(k);
        size_t score = 0;
        for (size_t p = 0; label[p] && name[p]; p++) score += label[p] == name[p];
        if (score > best_score) {
            best_score = score;
            best = (int)k;
        }
    }
    return best;
}

/* Rule 6: exact name the first time; otherwise name+L, then name+R, when free. */
static int leifer_match(const char *label, const unsigned char *taken)
{
    int k = wk_atlas_index(label);
    if (k >= 0) return taken[k] ? -1 : k;
    char side[LABEL_MAX + 1];
    size_t len = strlen(label);
    memcpy(side, label, len);
    side[len + 1] = '\0';
    side[len] = 'L';
    if ((k = wk_atlas_index(side)) >= 0 && !taken[k]) return k;
    side[len] = 'R';
    if ((k = wk_atlas_index(side)) >= 0 && !taken[k]) return k;
    return -1;
}

/* Atlas column chosen for each label (-1: unlabeled), in two passes so that
 * a "?" label never takes a name that another column of the worm holds
 * exactly. */
static void choose_columns(int *col, const char *const *labels, size_t n, enum wk_label_rules rules)
{
    unsigned char taken[WK_ATLAS_SIZE] = {0};
    int query = rules == WK_LABEL_RULES_QUERY;
    char buf[LABEL_MAX];
    for (size_t i = 0; i < n; i++) {
        col[i] = -1;
        if (!clean_label(buf, labels[i], query) || strchr(buf, '?')) continue;
        col[i] = rules == WK_LABEL_RULES_LEIFER ? leifer_match(buf, taken) : wk_atlas_index(buf);
        if (col[i] >= 0) taken[col[i]] = 1;
    }
    if (!query) return;
    for (size_t i = 0; i < n; i++) {
        if (!clean_label(buf, labels[i], 1) || !strchr(buf, '?')) continue;
        col[i] = best_query_match(buf, taken);
        if (col[i] >= 0) taken[col[i]] = 1;
    }
}

int wk_labels_canonicalize(char ***canonical, const char *const *labels, size_t n,
                           enum wk_label_rules rules)
{
    *canonical = NULL;
    char **c = wk_calloc(n ? n : 1, sizeof *c);
    int *col = wk_malloc_array(n ? n : 1, sizeof *col);
    if (!c || !col) {
        free(c);
        free(col);
        return WK_ENOMEM;
    }
    choose_columns(col, labels, n, rules);
    for (size_t i = 0; i < n; i++) {
        if (col[i] >= 0 && !(c[i] = wk_strdup(wk_atlas_name((size_t)col[i])))) {
            wk_strv_free(c, n);
            free(col);
            return wk_fail(WK_ENOMEM, "out of memory");
        }
    }
    free(col);
    *canonical = c;
    return 0;
}
