/* util.c - strings, checked allocation, paths. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

char *wk_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy) memcpy(copy, s, n);
    return copy;
}

void wk_strv_free(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

int wk_size_mul(size_t *out, size_t a, size_t b)
{
    if (b != 0 && a > SIZE_MAX / b) return WK_ERANGE;
    *out = a * b;
    return 0;
}

int wk_size_add(size_t *out, size_t a, size_t b)
{
    if (a > SIZE_MAX - b) return WK_ERANGE;
    *out = a + b;
    return 0;
}

/* Bytes for n elements of sz, or 0 after logging when too large. */
static size_t checked_bytes(size_t n, size_t sz)
{
    size_t bytes;
    if (wk_size_mul(&bytes, n, sz) != 0 || bytes > WK_MAX_ALLOC) {
        wk_log(WK_LOG_ERROR, "allocation of %zu x %zu elements is too large", n, sz);
        return 0;
    }
    return bytes ? bytes : 1; /* never ask for 0 bytes: NULL would mean failure */
}

void *wk_calloc(size_t n, size_t sz)
{
    size_t bytes = checked_bytes(n, sz);
    if (!bytes) return NULL;
    void *p = calloc(1, bytes);
    if (!p) wk_log(WK_LOG_ERROR, "out of memory (%zu bytes)", bytes);
    return p;
}

void *wk_malloc_array(size_t n, size_t sz)
{
    size_t bytes = checked_bytes(n, sz);
    if (!bytes) return NULL;
    void *p = malloc(bytes);
    if (!p) wk_log(WK_LOG_ERROR, "out of memory (%zu bytes)", bytes);
    return p;
}

/* On failure p is left untouched (and still owned by the caller). */
void *wk_realloc_array(void *p, size_t n, size_t sz)
{
    size_t bytes = checked_bytes(n, sz);
    if (!bytes) return NULL;
    void *q = realloc(p, bytes);
    if (!q) wk_log(WK_LOG_ERROR, "out of memory (%zu bytes)", bytes);
    return q;
}

/* "dir/WT_Stim.mat" -> "WT_Stim", "a/b.tar.gz" -> "b", "-" -> "stdin",
 * ".hidden.h5" -> ".hidden" (leading dots belong to the name), "dir/" -> "dir". */
char *wk_path_stem(const char *path)
{
    if (!path || strcmp(path, "-") == 0) return wk_strdup("stdin");

    size_t end = strlen(path);
    while (end > 1 && path[end - 1] == '/') end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/') start--;

    size_t dot = start;
    while (dot < end && path[dot] == '.') dot++;
    while (dot < end && path[dot] != '.') dot++;

    size_t len = dot - start;
    char *stem = malloc(len + 1);
    if (!stem) return NULL;
    memcpy(stem, path + start, len);
    stem[len] = '\0';
    return stem;
}

/* An empty string cannot be fixed in place (no room for "_"); callers that
 * may see empty names must replace them themselves. */
void wk_sanitize_name(char *s)
{
    if (!s) return;
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
        s[0] = '_';
        s[1] = '\0';
        return;
    }
    for (unsigned char *c = (unsigned char *)s; *c; c++)
        if (*c == '/' || *c < 0x20 || *c == 0x7f) *c = '_';
}

float wk_nanf(void)
{
    return NAN;
}

double wk_nan(void)
{
    return (double)NAN;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void wk_sort_doubles(double *v, size_t n)
{
    if (n > 1) qsort(v, n, sizeof *v, compare_doubles);
}

double wk_median_inplace(double *v, size_t n)
{
    if (n == 0) return wk_nan();
    wk_sort_doubles(v, n);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
