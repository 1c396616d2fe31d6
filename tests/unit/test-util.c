/* test-util.c - checked sizes and allocation, path stems, name sanitising. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wk_test.h"
#include "wk_test_msgs.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

static void stem_is(const char *path, const char *want)
{
    char *got = wk_path_stem(path);
    char what[256];
    snprintf(what, sizeof what, "stem of '%s' is '%s'", path ? path : "(null)", want);
    ok(got && strcmp(got, want) == 0, what);
    if (got && strcmp(got, want) != 0) printf("#   got '%s'\n", got);
    free(got);
}

static void sanitized_is(const char *in, const char *want)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", in);
    wk_sanitize_name(buf);
    char what[256];
    snprintf(what, sizeof what, "sanitize gives '%s'", want);
    ok(strcmp(buf, want) == 0, what);
    if (strcmp(buf, want) != 0) printf("#   got '%s'\n", buf);
}

static void test_sizes(void)
{
    size_t r = 7;
    ok(wk_size_mul(&r, 3, 4) == 0 && r == 12, "3 x 4 = 12");
    ok(wk_size_mul(&r, 0, SIZE_MAX) == 0 && r == 0, "0 x SIZE_MAX = 0");
    ok(wk_size_mul(&r, SIZE_MAX, 1) == 0 && r == SIZE_MAX, "SIZE_MAX x 1 fits");
    r = 7;
    ok(wk_size_mul(&r, SIZE_MAX / 2 + 1, 2) == WK_ERANGE, "(SIZE_MAX/2+1) x 2 overflows");
    ok(r == 7, "overflowing mul leaves the output untouched");
    ok(wk_size_mul(&r, (size_t)1 << 32, (size_t)1 << 32) == WK_ERANGE || sizeof(size_t) > 8, "2^32 x 2^32 overflows");
    ok(wk_size_add(&r, SIZE_MAX - 1, 1) == 0 && r == SIZE_MAX, "SIZE_MAX-1 + 1 fits");
    ok(wk_size_add(&r, SIZE_MAX, 1) == WK_ERANGE, "SIZE_MAX + 1 overflows");
}

static void test_alloc(void)
{
    wk_test_msgs_capture();
    double *d = wk_calloc(10, sizeof *d);
    int zero = d != NULL;
    for (int i = 0; d && i < 10; i++) zero &= d[i] == 0.0;
    ok(zero, "wk_calloc zero-fills");
    d = wk_realloc_array(d, 1000, sizeof *d);
    ok(d && d[9] == 0.0, "wk_realloc_array keeps contents");
    free(d);
    void *p = wk_calloc(0, 8);
    ok(p != NULL, "wk_calloc(0, 8) is not a failure");
    free(p);
    p = wk_malloc_array(4, 0);
    ok(p != NULL, "wk_malloc_array(4, 0) is not a failure");
    free(p);
    ok(wk_test_n_msgs == 0, "successful allocations log nothing");

    wk_test_msgs_capture();
    ok(wk_calloc(SIZE_MAX, 2) == NULL, "wk_calloc overflow gives NULL");
    char want[128];
    snprintf(want, sizeof want, "allocation of %zu x 2 elements is too large", (size_t)SIZE_MAX);
    ok(wk_test_n_msgs == 1 && strcmp(wk_test_last_msg, want) == 0, "overflow logs one message");

    wk_test_msgs_capture();
    ok(wk_malloc_array(WK_MAX_ALLOC / 8 + 1, 8) == NULL, "above WK_MAX_ALLOC gives NULL");
    snprintf(want, sizeof want, "allocation of %zu x 8 elements is too large", (size_t)(WK_MAX_ALLOC / 8 + 1));
    ok(wk_test_n_msgs == 1 && strcmp(wk_test_last_msg, want) == 0, "ceiling logs one message");

    wk_test_msgs_capture();
    char *keep = wk_malloc_array(4, 1);
    if (!keep) return;
    memcpy(keep, "abc", 4);
    ok(wk_realloc_array(keep, SIZE_MAX, 4) == NULL, "wk_realloc_array overflow gives NULL");
    ok(strcmp(keep, "abc") == 0, "failed realloc leaves the block intact");
    ok(wk_test_n_msgs == 1, "failed realloc logs one message");
    free(keep);
}

static void test_strings(void)
{
    ok(wk_strdup(NULL) == NULL, "wk_strdup(NULL) is NULL");
    char *s = wk_strdup("AVAL");
    ok(s && strcmp(s, "AVAL") == 0, "wk_strdup copies");
    free(s);

    char **v = malloc(2 * sizeof *v);
    v[0] = wk_strdup("a");
    v[1] = wk_strdup("b");
    wk_strv_free(v, 2); /* leak-checked by valgrind/ASan */
    wk_strv_free(NULL, 3);
    ok(1, "wk_strv_free(NULL, n) is a no-op");

    ok(isnan(wk_nan()), "wk_nan is NaN");
    ok(isnan(wk_nanf()), "wk_nanf is NaN");
}

int main(void)
{
    wk_test_msgs_capture();
    test_sizes();
    test_alloc();
    test_strings();

    stem_is("dir/WT_Stim.mat", "WT_Stim");
    stem_is("a/b.tar.gz", "b");
    stem_is("-", "stdin");
    stem_is(NULL, "stdin");
    stem_is("plain", "plain");
    stem_is("/abs/path/rec.h5", "rec");
    stem_is("dir.d/file", "file");
    stem_is("dir/", "dir");
    stem_is(".hidden.h5", ".hidden");
    stem_is("x/", "x");

    sanitized_is("AVAL", "AVAL");
    sanitized_is("a/b/c", "a_b_c");
    sanitized_is("tab\there", "tab_here");
    sanitized_is("nl\nx\x7f", "nl_x_");
    sanitized_is(".", "_");
    sanitized_is("..", "_");
    sanitized_is("...", "...");
    sanitized_is("a.b", "a.b");
    sanitized_is("caf\xc3\xa9", "caf\xc3\xa9");
    wk_sanitize_name(NULL);
    ok(1, "wk_sanitize_name(NULL) is a no-op");

    double odd[] = {3, -1, 2, 8, 0}, even[] = {4, 1, 3, 2}, one[] = {7};
    near(wk_median_inplace(odd, 5), 2, 0, "median of 5 values");
    ok(odd[0] == -1 && odd[4] == 8, "median sorts in place");
    near(wk_median_inplace(even, 4), 2.5, 0, "median of 4 values: mean of the middle two");
    near(wk_median_inplace(one, 1), 7, 0, "median of one value");
    ok(isnan(wk_median_inplace(one, 0)), "median of no value is NaN");
    return wk_test_done();
}
