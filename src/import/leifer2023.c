/* leifer2023.c - Randi et al. 2023: per worm three text files,
 * {i}_gcamp.txt (T x N, blank separated), {i}_labels.txt (one label per
 * line, cut to N) and {i}_t.txt (one time in seconds per line).  The
 * argument is one of the three files or the folder holding them. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/dataset_internal.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_util.h"

static const char *const SUFFIXES[] = {"_gcamp.txt", "_labels.txt", "_t.txt"};

/* "dir/3" from "dir/3_gcamp.txt" (or _labels/_t); NULL when no suffix fits. */
static char *worm_prefix(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof SUFFIXES / sizeof *SUFFIXES; i++) {
        size_t m = strlen(SUFFIXES[i]);
        if (n > m && strcmp(path + n - m, SUFFIXES[i]) == 0) {
            char *p = wk_strdup(path);
            if (p) p[n - m] = '\0';
            return p;
        }
    }
    return NULL;
}

static char *with_suffix(const char *prefix, const char *suffix)
{
    size_t n = strlen(prefix) + strlen(suffix) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s", prefix, suffix);
    return s;
}

static FILE *open_text(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) wk_fail(WK_EIO, "'%s': cannot open: %s", path, strerror(errno));
    return fp;
}

static void chomp(char *line)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
}

/* Labels: one per line, the first N of them (the files sometimes list more). */
static int read_labels(struct wk_import_table *t, const char *path, const char *gcamp)
{
    FILE *fp = open_text(path);
    if (!fp) return WK_EIO;
    char *line = NULL;
    size_t cap = 0, count = 0;
    int rc = 0;
    while (count < t->N && getline(&line, &cap, fp) >= 0) {
        chomp(line);
        char *copy = wk_strdup(line);
        if (!copy) {
            rc = wk_fail(WK_ENOMEM, "out of memory");
            break;
        }
        free(t->labels[count]);
        t->labels[count++] = copy;
    }
    if (rc == 0 && ferror(fp)) rc = wk_fail(WK_EIO, "'%s': read error: %s", path, strerror(errno));
    if (rc == 0 && count < t->N)
        rc = wk_fail(WK_EFORMAT, "'%s': labels: %zu lines, but '%s' has %zu columns", path, count,
                     gcamp, t->N);
    free(line);
    fclose(fp);
    return rc;
}

/* Time: one number per line (blank lines skipped), T of them. */
static int read_time(struct wk_import_table *t, const char *path, const char *gcamp)
{
    FILE *fp = open_text(path);
    if (!fp) return WK_EIO;
    char *line = NULL;
    size_t cap = 0, count = 0, lineno = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, fp) >= 0) {
        lineno++;
        chomp(line);
        if (strspn(line, " \t") == strlen(line)) continue;
        double x;
        if (wk_parse_data_double(line, &x) < 0 || !isfinite(x))
            rc = wk_fail(WK_EFORMAT, "'%s': line %zu: time is not a finite number: '%s'", path,
                         lineno, line);
        else if (count < t->T)
            t->time[count++] = x;
        else
            count++;
    }
    if (rc == 0 && ferror(fp)) rc = wk_fail(WK_EIO, "'%s': read error: %s", path, strerror(errno));
    if (rc == 0 && count != t->T)
        rc = wk_fail(WK_EFORMAT, "'%s': time: %zu values, but '%s' has %zu rows", path, count,
                     gcamp, t->T);
    if (rc == 0) rc = wk_import_check_time(t->time, t->T, path, "time");
    free(line);
    fclose(fp);
    return rc;
}

static int read_worm(const char *prefix, wk_import_sink_fn sink, void *ctx)
{
    char *gcamp = with_suffix(prefix, SUFFIXES[0]);
    char *labels = with_suffix(prefix, SUFFIXES[1]);
    char *times = with_suffix(prefix, SUFFIXES[2]);
    struct wk_import_table *t = NULL;
    int rc = gcamp && labels && times ? 0 : wk_fail(WK_ENOMEM, "out of memory");
    if (rc == 0) {
        FILE *fp = open_text(gcamp);
        if (!fp) rc = WK_EIO;
        struct wk_delim_options o = {WK_DELIM_BLANKS, 0, NULL, 1, 1.0};
        if (fp) {
            rc = wk_delim_read(&t, fp, gcamp, &o);
            fclose(fp);
        }
    }
    if (rc == 0 && (rc = read_labels(t, labels, gcamp)) == 0) rc = read_time(t, times, gcamp);
    if (rc == 0) {
        const char *base = wk_dataset_base_name(prefix);
        rc = wk_dataset_emit(t, "leifer2023", gcamp, base, -1, WK_LABEL_RULES_LEIFER, sink, ctx);
        t = NULL; /* the sink owns it */
    }
    wk_import_table_free(t);
    free(gcamp);
    free(labels);
    free(times);
    return rc;
}

/* Folder order: by the worm number in front of "_gcamp.txt", then by name. */
static int compare_prefix(const void *a, const void *b)
{
    const char *x = wk_dataset_base_name(*(char *const *)a);
    const char *y = wk_dataset_base_name(*(char *const *)b);
    long i = strtol(x, NULL, 10), j = strtol(y, NULL, 10);
    if (i != j) return (i > j) - (i < j);
    return strcmp(x, y);
}

static int read_folder(const char *folder, wk_import_sink_fn sink, void *ctx)
{
    char **files;
    size_t n;
    int rc = wk_dataset_list_folder(&files, &n, folder, SUFFIXES[0]);
    if (rc < 0) return rc;
    if (n == 0) rc = wk_fail(WK_ENOTFOUND, "'%s': no {i}_gcamp.txt file in the folder", folder);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *p = worm_prefix(files[i]);
        if (!p) rc = wk_fail(WK_ENOMEM, "out of memory");
        free(files[i]);
        files[i] = p;
    }
    if (rc == 0) {
        qsort(files, n, sizeof *files, compare_prefix);
        for (size_t i = 0; i < n && rc == 0; i++) rc = read_worm(files[i], sink, ctx);
    }
    wk_strv_free(files, n);
    return rc;
}

int wk_import_read_leifer2023(const char *path, const struct wk_import_options *o,
                              wk_import_sink_fn sink, void *ctx)
{
    (void)o;
    if (strcmp(path, "-") == 0)
        return wk_fail(WK_EINVAL, "stdin: leifer2023 needs the file names ({i}_gcamp.txt ...)");
    if (wk_dataset_is_folder(path)) return read_folder(path, sink, ctx);
    char *prefix = worm_prefix(path);
    if (!prefix)
        return wk_fail(WK_EINVAL, "'%s': expected {i}_gcamp.txt, {i}_labels.txt or {i}_t.txt "
                       "(or their folder)", path);
    int rc = read_worm(prefix, sink, ctx);
    free(prefix);
    return rc;
}
