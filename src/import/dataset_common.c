/* dataset_common.c - steps shared by the published-dataset readers: folder
 * listing, recording ids, label canonicalization and hand-over. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <hdf5.h>

#include "import/dataset_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

int wk_dataset_is_folder(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *wk_dataset_base_name(const char *path)
{
    if (strcmp(path, "-") == 0) return "stdin";
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

static int has_suffix(const char *name, const char *suffixes)
{
    size_t len = strlen(name);
    for (const char *p = suffixes; *p;) {
        size_t word = strcspn(p, " ");
        if (word > 0 && word < len && strncasecmp(name + len - word, p, word) == 0) return 1;
        p += word;
        while (*p == ' ') p++;
    }
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_path(const char *folder, const char *name)
{
    size_t n = strlen(folder) + strlen(name) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s%s", folder, folder[strlen(folder) - 1] == '/' ? "" : "/", name);
    return s;
}

int wk_dataset_list_folder(char ***paths, size_t *n, const char *folder, const char *suffixes)
{
    *paths = NULL;
    *n = 0;
    DIR *dir = opendir(folder);
    if (!dir) return wk_fail(WK_EIO, "'%s': cannot open folder: %s", folder, strerror(errno));
    char **v = NULL;
    size_t count = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.' || !has_suffix(e->d_name, suffixes)) continue;
        if (count == cap) {
            size_t grown = cap ? 2 * cap : 16;
            char **w = wk_realloc_array(v, grown, sizeof *w);
            if (!w) {
                rc = WK_ENOMEM;
                break;
            }
            v = w;
            cap = grown;
        }
        if (!(v[count] = join_path(folder, e->d_name))) {
            rc = wk_fail(WK_ENOMEM, "out of memory");
            break;
        }
        count++;
    }
    closedir(dir);
    if (rc < 0) {
        wk_strv_free(v, count);
        return rc;
    }
    if (count) qsort(v, count, sizeof *v, compare_strings);
    *paths = v;
    *n = count;
    return 0;
}

char *wk_dataset_recording_id(const char *dataset, const char *path, const char *stem, long worm)
{
    char *own = stem ? NULL : wk_path_stem(path);
    const char *s = stem ? stem : own;
    if (!s) return NULL;
    size_t n = strlen(dataset) + strlen(s) + 32;
    char *id = malloc(n);
    if (id) {
        if (worm < 0)
            snprintf(id, n, "%s_%s", dataset, s);
        else
            snprintf(id, n, "%s_%s_w%ld", dataset, s, worm);
    }
    free(own);
    return id;
}

int wk_dataset_emit(struct wk_import_table *t, const char *dataset, const char *path,
                    const char *stem, long worm, enum wk_label_rules rules,
                    wk_import_sink_fn sink, void *ctx)
{
    int rc = 0;
    t->name = wk_dataset_recording_id(dataset, path, stem, worm);
    t->dataset = wk_strdup(dataset);
    t->source_file = wk_strdup(wk_dataset_base_name(path));
    if (!t->name || !t->dataset || !t->source_file)
        rc = wk_fail(WK_ENOMEM, "out of memory");
    else if (!t->canonical)
        rc = wk_labels_canonicalize(&t->canonical, (const char *const *)t->labels, t->N, rules);
    if (rc < 0) {
        wk_import_table_free(t);
        return rc;
    }
    return sink(t, ctx);
}

int wk_dataset_slurp(char **data, size_t *size, const char *path)
{
    *data = NULL;
    *size = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return wk_fail(WK_EIO, "'%s': cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (cap - len < 65536) {
            size_t grown = cap ? 2 * cap : 65536;
            char *b = wk_realloc_array(buf, grown + 1, 1);
            if (!b) {
                rc = WK_ENOMEM;
                break;
            }
            buf = b;
            cap = grown;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp)) rc = wk_fail(WK_EIO, "'%s': read error: %s", path, strerror(errno));
            break;
        }
    }
    fclose(fp);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *data = buf;
    *size = len;
    return 0;
}

