/* test-labels.c - label placement (canonical, duplicate, unlabeled, rejected)
 * and the label report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"

/* Everything written to a memory stream by fn, as a string. */
static char *report_text(const char *recording, const struct wk_label_map *map, int header)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp) return NULL;
    if (header) wk_label_report_header(fp, "mem");
    wk_label_report_write(fp, "mem", recording, map);
    fclose(fp);
    return buf;
}

static void test_placement(void)
{
    const char *labels[] = {"AVAL", "AVAR", "AVAL", "foo", "", "VB01", NULL, "avar", "SMDDR"};
    struct wk_label_map *map = NULL;
    ok(wk_label_map_build(&map, labels, 9) == 0 && map, "build a label map");
    if (!map) return;
    const int want_col[] = {53, 54, 300, 301, 302, 303, 304, 305, 243};
    const enum wk_label_decision want_dec[] = {WK_LABEL_CANONICAL, WK_LABEL_CANONICAL, WK_LABEL_DUPLICATE,
                                         WK_LABEL_UNLABELED, WK_LABEL_UNLABELED, WK_LABEL_UNLABELED,
                                         WK_LABEL_UNLABELED, WK_LABEL_UNLABELED, WK_LABEL_CANONICAL};
    int cols_ok = 1, dec_ok = 1;
    for (size_t i = 0; i < 9; i++) {
        if (map->column[i] != want_col[i]) {
            printf("#   column[%zu] = %d, want %d\n", i, map->column[i], want_col[i]);
            cols_ok = 0;
        }
        if (map->decision[i] != want_dec[i]) dec_ok = 0;
    }
    ok(strcmp(wk_atlas_name(53), "AVAL") == 0 && strcmp(wk_atlas_name(243), "SMDDR") == 0,
       "atlas columns used by the test");
    ok(cols_ok, "columns: canonical slots, then extras 300.. in source order");
    ok(dec_ok, "decisions: canonical, duplicate, unlabeled (case-sensitive, no zero-pad fix)");
    ok(map->n == 9 && map->n_extra == 6, "n and n_extra");
    ok(wk_label_map_columns(map) == 306, "recording needs 306 columns");
    ok(strcmp(map->original[2], "AVAL") == 0 && strcmp(map->original[6], "") == 0 &&
           strcmp(map->original[5], "VB01") == 0,
       "original labels kept (NULL becomes empty)");

    char *text = report_text("w1", map, 1);
    const char *want =
        "recording\toriginal_label\tdecision\tcolumn\n"
        "w1\tAVAL\tcanonical\t53\n"
        "w1\tAVAR\tcanonical\t54\n"
        "w1\tAVAL\tduplicate\t300\n"
        "w1\tfoo\tunlabeled\t301\n"
        "w1\t\tunlabeled\t302\n"
        "w1\tVB01\tunlabeled\t303\n"
        "w1\t\tunlabeled\t304\n"
        "w1\tavar\tunlabeled\t305\n"
        "w1\tSMDDR\tcanonical\t243\n";
    ok(text && strcmp(text, want) == 0, "report text");
    if (text && strcmp(text, want) != 0) printf("# got:\n%s", text);
    free(text);

    struct wk_recording *rec = wk_recording_alloc(2, wk_label_map_columns(map));
    ok(rec && wk_label_map_apply_labels(rec, map) == 0, "apply labels to a recording");
    if (rec) {
        ok(strcmp(rec->label[53], "AVAL") == 0 && strcmp(rec->label[300], "AVAL") == 0 &&
               strcmp(rec->label[301], "foo") == 0 && strcmp(rec->label[302], "") == 0 &&
               strcmp(rec->label[303], "VB01") == 0 && strcmp(rec->label[305], "avar") == 0,
           "extra columns carry the original labels, canonical ones the atlas names");
    }
    wk_recording_free(rec);
    wk_label_map_free(map);
}

static void test_build_ex(void)
{
    /* A dataset reader canonicalized "VB01" -> "VB1" and "AVA?" -> "AVAL",
     * and rejected an all-NaN column. */
    const char *original[] = {"VB01", "AVA?", "DEAD", "AVA?"};
    const char *canonical[] = {"VB1", "AVAL", "RIS", "AVAL"};
    const unsigned char keep[] = {1, 1, 0, 1};
    struct wk_label_map *map = NULL;
    ok(wk_label_map_build_ex(&map, original, canonical, keep, 4) == 0 && map, "build_ex");
    if (!map) return;
    ok(map->column[0] == wk_atlas_index("VB1") && map->decision[0] == WK_LABEL_CANONICAL,
       "reader's canonical name is used");
    ok(map->column[1] == 53 && map->decision[1] == WK_LABEL_CANONICAL, "AVA? -> AVAL");
    ok(map->column[2] == -1 && map->decision[2] == WK_LABEL_REJECTED, "rejected column -1");
    ok(map->column[3] == 300 && map->decision[3] == WK_LABEL_DUPLICATE, "second AVAL: duplicate");
    ok(map->n_extra == 1, "rejected columns take no extra column");
    char *text = report_text("kato/w 2", map, 0);
    const char *want = "kato/w 2\tVB01\tcanonical\t270\n"
                       "kato/w 2\tAVA?\tcanonical\t53\n"
                       "kato/w 2\tDEAD\trejected\t-1\n"
                       "kato/w 2\tAVA?\tduplicate\t300\n";
    ok(text && strcmp(text, want) == 0, "report keeps the source text");
    if (text && strcmp(text, want) != 0) printf("# got:\n%s", text);
    free(text);
    wk_label_map_free(map);
}

static void test_edge_cases(void)
{
    struct wk_label_map *map = NULL;
    ok(wk_label_map_build(&map, NULL, 0) == 0 && map && map->n == 0 && map->n_extra == 0,
       "no columns");
    wk_label_map_free(map);
    wk_label_map_free(NULL); /* no-op */

    const char *tabbed[] = {"a\tb\nc"};
    ok(wk_label_map_build(&map, tabbed, 1) == 0, "label with tab and newline");
    char *text = report_text("r", map, 0);
    ok(text && strcmp(text, "r\ta b c\tunlabeled\t300\n") == 0, "report turns tabs/newlines into spaces");
    free(text);
    wk_label_map_free(map);

    ok(strcmp(wk_label_decision_name(WK_LABEL_CANONICAL), "canonical") == 0 &&
           strcmp(wk_label_decision_name(WK_LABEL_DUPLICATE), "duplicate") == 0 &&
           strcmp(wk_label_decision_name(WK_LABEL_UNLABELED), "unlabeled") == 0 &&
           strcmp(wk_label_decision_name(WK_LABEL_REJECTED), "rejected") == 0,
       "decision names");

    /* every atlas name maps to its own column, in order */
    const char *names[WK_ATLAS_SIZE];
    for (size_t k = 0; k < WK_ATLAS_SIZE; k++) names[WK_ATLAS_SIZE - 1 - k] = wk_atlas_name(k);
    ok(wk_label_map_build(&map, names, WK_ATLAS_SIZE) == 0, "all 300 names, reversed");
    int all_ok = map != NULL && map->n_extra == 0;
    for (size_t i = 0; map && i < WK_ATLAS_SIZE; i++)
        if (map->column[i] != (int)(WK_ATLAS_SIZE - 1 - i)) all_ok = 0;
    ok(all_ok, "all 300 canonical columns filled, no extras");
    wk_label_map_free(map);
}

int main(void)
{
    wk_set_progname("test-labels");
    test_placement();
    test_build_ex();
    test_edge_cases();
    return wk_test_done();
}
