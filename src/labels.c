/* labels.c - placing source neuron columns into canonical and extra columns. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* First version: exact atlas names only.  The full rules replace it. */
int wk_labels_canonicalize(char ***canonical, const char *const *labels, size_t n,
                           enum wk_label_rules rules)
{
    (void)rules;
    char **c = wk_calloc(n ? n : 1, sizeof *c);
    if (!c) return WK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] && wk_atlas_index(labels[i]) >= 0 && !(c[i] = wk_strdup(labels[i]))) {
            wk_strv_free(c, n);
            return wk_fail(WK_ENOMEM, "out of memory");
        }
    }
    *canonical = c;
    return 0;
}
