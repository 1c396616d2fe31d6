/* test-atlas.c - the canonical neuron table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wk_test.h"
#include "wormkit/wk_atlas.h"

static void skip(const char *why)
{
    wk_test_count++;
    printf("ok %d # skip %s\n", wk_test_count, why);
}

/* shared/data/neurons300.txt: $WK_SHARED, else next to the source tree. */
static FILE *open_shared_list(void)
{
    char path[4096];
    const char *shared = getenv("WK_SHARED");
    const char *top = getenv("WK_TOP");
    FILE *f = NULL;
    if (shared) {
        snprintf(path, sizeof path, "%s/data/neurons300.txt", shared);
        f = fopen(path, "r");
    }
    if (!f && top) {
        snprintf(path, sizeof path, "%s/../shared/data/neurons300.txt", top);
        f = fopen(path, "r");
    }
    if (!f) f = fopen("/work/shared/data/neurons300.txt", "r");
    return f;
}

static void test_table_matches_shared_file(void)
{
    FILE *f = open_shared_list();
    if (!f) {
        skip("shared/data/neurons300.txt not found (set WK_SHARED)");
        return;
    }
    char line[64];
    size_t k = 0, mismatches = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *name = wk_atlas_name(k);
        if (!name || strcmp(name, line) != 0) {
            if (mismatches++ < 5) printf("#   line %zu: file '%s', table '%s'\n", k + 1, line, name ? name : "(none)");
        }
        k++;
    }
    fclose(f);
    ok(k == WK_ATLAS_SIZE, "shared file has WK_ATLAS_SIZE lines");
    ok(mismatches == 0, "table equals the shared file line by line");
}

int main(void)
{
    ok(WK_ATLAS_SIZE == 300, "atlas size is 300");
    ok(wk_atlas_name(0) && strcmp(wk_atlas_name(0), "ADAL") == 0, "first name is ADAL");
    ok(wk_atlas_name(299) && strcmp(wk_atlas_name(299), "VD9") == 0, "last name is VD9");
    ok(wk_atlas_name(300) == NULL, "name(300) is NULL");
    ok(wk_atlas_name(SIZE_MAX) == NULL, "name(SIZE_MAX) is NULL");

    int sorted = 1, roundtrip = 1;
    for (size_t k = 0; k < WK_ATLAS_SIZE; k++) {
        const char *name = wk_atlas_name(k);
        if (!name || !*name) {
            sorted = roundtrip = 0;
            break;
        }
        if (k > 0 && strcmp(wk_atlas_name(k - 1), name) >= 0) {
            printf("#   not sorted at %zu: '%s' >= '%s'\n", k, wk_atlas_name(k - 1), name);
            sorted = 0;
        }
        if (wk_atlas_index(name) != (int)k) roundtrip = 0;
    }
    ok(sorted, "table strictly sorted by strcmp");
    ok(roundtrip, "index(name(k)) == k for every k");

    ok(wk_atlas_index("ADAL") == 0, "ADAL is column 0");
    ok(wk_atlas_index("AVAL") == 53, "AVAL is column 53");
    ok(wk_atlas_index("AVAR") == 54, "AVAR is column 54");
    ok(wk_atlas_index("VB1") == 270, "VB1 is column 270");
    ok(wk_atlas_index("VD9") == 299, "VD9 is column 299");

    ok(wk_atlas_index("AVA") == -1, "AVA is not a name");
    ok(wk_atlas_index("") == -1, "empty string is not a name");
    ok(wk_atlas_index("avAL") == -1, "lookup is case-sensitive");
    ok(wk_atlas_index("AVAL ") == -1, "trailing blank is not ignored");
    ok(wk_atlas_index("CANL") == -1, "CANL is excluded");
    ok(wk_atlas_index("ZZZ") == -1, "name after the last is absent");
    ok(wk_atlas_index("AAA") == -1, "name before the first is absent");
    ok(wk_atlas_index(NULL) == -1, "NULL gives -1");

    test_table_matches_shared_file();
    return wk_test_done();
}
