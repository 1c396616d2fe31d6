/* wk_util.h - small helpers shared by the library and the tools. */
#ifndef WK_UTIL_H
#define WK_UTIL_H

#include <stddef.h>

char *wk_strdup(const char *s);               /* NULL on NULL or no memory */
void wk_strv_free(char **v, size_t n);        /* frees each string then v */

/* Overflow-checked size arithmetic: 0 on success, WK_ERANGE on overflow. */
int wk_size_mul(size_t *out, size_t a, size_t b);
int wk_size_add(size_t *out, size_t a, size_t b);

/* calloc-like allocation of n elements of size sz with overflow check and a
 * ceiling (WK_MAX_ALLOC bytes); returns NULL and logs on failure. */
#define WK_MAX_ALLOC ((size_t)1 << 36) /* 64 GiB */
void *wk_calloc(size_t n, size_t sz);
void *wk_malloc_array(size_t n, size_t sz);
void *wk_realloc_array(void *p, size_t n, size_t sz);

/* Final path component without the extension(s) after the first '.'
 * ("dir/WT_Stim.mat" -> "WT_Stim"); newly allocated. */
char *wk_path_stem(const char *path);

/* Make s a valid HDF5 link name in place: '/' and '.'-only names replaced,
 * control characters turned into '_'. */
void wk_sanitize_name(char *s);

/* Sort v[0..n) ascending (qsort; NaNs are not ordered). */
void wk_sort_doubles(double *v, size_t n);
/* Median of v[0..n) (the mean of the middle two when n is even), sorting v
 * in place; NaN when n is 0. */
double wk_median_inplace(double *v, size_t n);

/* Quiet NaN as float/double. */
float wk_nanf(void);
double wk_nan(void);

#endif
