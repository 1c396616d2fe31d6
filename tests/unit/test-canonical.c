/* test-canonical.c - label canonicalization (homogenize.md rules 2-7) with
 * the STANDARD, QUERY and LEIFER variants, and its use by the label map. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"

/* canonicalize labels and compare with want (NULL = unlabeled). */
static void check(const char *what, enum wk_label_rules rules, const char *const *labels,
                  const char *const *want, size_t n)
{
    char **c = NULL;
    int rc = wk_labels_canonicalize(&c, labels, n, rules);
    int same = rc == 0 && c != NULL;
    for (size_t i = 0; same && i < n; i++) {
        int eq = want[i] ? c[i] && strcmp(c[i], want[i]) == 0 : c[i] == NULL;
        if (!eq) {
            printf("#   %s: label %zu '%s' -> '%s', want '%s'\n", what, i, labels[i] ? labels[i] : "(null)",
                   c[i] ? c[i] : "(null)", want[i] ? want[i] : "(null)");
            same = 0;
        }
    }
    ok(same, what);
    if (c) wk_strv_free(c, n);
}

static void test_standard(void)
{
    const char *labels[] = {"VB01", "DD04", "VA10", "AVA?", "RMD-", "merge", "MERGE", "", NULL,
                            "foo", "AVAL", " AVAR ", "SMDDR", "avar", "AS011", "VB010"};
    const char *want[] = {"VB1", "DD4", "VA10", NULL, NULL, NULL, NULL, NULL, NULL,
                          NULL, "AVAL", "AVAR", "SMDDR", NULL, "AS11", NULL};
    check("standard: zero padding, punctuation, merge, non-atlas, blanks", WK_LABEL_RULES_STANDARD,
          labels, want, sizeof labels / sizeof *labels);

    const char *dup[] = {"AVAL", "AVAL", "VB01", "VB1"};
    const char *dup_want[] = {"AVAL", "AVAL", "VB1", "VB1"};
    check("standard: duplicates keep their name (the map reports them)", WK_LABEL_RULES_STANDARD, dup,
          dup_want, 4);
}

static void test_query(void)
{
    const char *labels[] = {"AVA?", "AVA?", "AVA?", "RMD-", "VB01"};
    const char *want[] = {"AVAL", "AVAR", "ADAL", NULL, "VB1"};
    check("query: AVA? -> AVAL, then AVAR, then the first free name with 2 equal characters (ADAL)", WK_LABEL_RULES_QUERY, labels, want, 5);

    /* an exact AVAL anywhere in the worm is taken before any '?' label */
    const char *exact[] = {"AVA?", "AVAL"};
    const char *exact_want[] = {"AVAR", "AVAL"};
    check("query: a '?' label never takes a name held exactly", WK_LABEL_RULES_QUERY, exact, exact_want, 2);

    const char *bad[] = {"?", "AVA?-", "merge"};
    const char *bad_want[] = {NULL, NULL, NULL};
    check("query: no shared character or other punctuation -> unlabeled", WK_LABEL_RULES_QUERY, bad, bad_want, 3);
}

static void test_leifer(void)
{
    const char *labels[] = {"AVA", "AVA", "AVA", "AVAL", "AVAL", "AVX", "SMDDR", "RMD?"};
    const char *want[] = {"AVAL", "AVAR", NULL, NULL, NULL, NULL, "SMDDR", NULL};
    check("leifer: +L then +R, exact names once", WK_LABEL_RULES_LEIFER, labels, want, 8);

    const char *order[] = {"AVAL", "AVA", "AVA"};
    const char *order_want[] = {"AVAL", "AVAR", NULL};
    check("leifer: exact name first, class name then gets R", WK_LABEL_RULES_LEIFER, order, order_want, 3);
}

/* Canonical names fed to the label map: duplicates reported, originals kept. */
static void test_with_map(void)
{
    const char *labels[] = {"VB01", "AVA?", "VB1", "foo"};
    char **c = NULL;
    ok(wk_labels_canonicalize(&c, labels, 4, WK_LABEL_RULES_STANDARD) == 0, "canonicalize for the map");
    struct wk_label_map *map = NULL;
    ok(wk_label_map_build_ex(&map, labels, (const char *const *)c, NULL, 4) == 0 && map, "build the map");
    if (map) {
        ok(map->decision[0] == WK_LABEL_CANONICAL && map->column[0] == wk_atlas_index("VB1"),
           "VB01 goes to the VB1 column");
        ok(map->decision[1] == WK_LABEL_UNLABELED && map->column[1] == 300 &&
           strcmp(map->original[1], "AVA?") == 0, "AVA? is an extra column keeping its text");
        ok(map->decision[2] == WK_LABEL_DUPLICATE && map->column[2] == 301, "VB1 after VB01 is a duplicate");
        ok(map->decision[3] == WK_LABEL_UNLABELED && strcmp(map->original[3], "foo") == 0,
           "a non-atlas name keeps its original label");
    }
    wk_label_map_free(map);
    wk_strv_free(c, 4);

    char **none = NULL;
    ok(wk_labels_canonicalize(&none, NULL, 0, WK_LABEL_RULES_QUERY) == 0 && none, "zero labels");
    free(none);
}

int main(void)
{
    wk_library_init();
    test_standard();
    test_query();
    test_leifer();
    test_with_map();
    return wk_test_done();
}
