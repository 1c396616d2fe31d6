/* test-import-misc.c - the published-dataset readers of matv5_datasets.c,
 * flavell_lab.c, leifer2023.c and venkatachalam2024.c on the samples of
 * data-samples/raw/ (tests/gen/gen-raw-misc.c: value(w, c, k) = 10 c + 5 w
 * + (k mod 64) / 4), and the shared helpers of dataset_common.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/dataset_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_util.h"
#include "wk_test.h"

#define MAX_TABLES 4

struct collected {
    size_t n;
    struct wk_import_table *t[MAX_TABLES];
};

static int collect(struct wk_import_table *t, void *ctx)
{
    struct collected *c = ctx;
    if (c->n == MAX_TABLES) {
        wk_import_table_free(t);
        return WK_ERANGE;
    }
    c->t[c->n++] = t;
    return 0;
}

static void release(struct collected *c)
{
    for (size_t i = 0; i < c->n; i++) wk_import_table_free(c->t[i]);
    c->n = 0;
}

static double value(int w, int c, int k)
{
    return 10.0 * c + 5.0 * w + (double)(k % 64) / 4.0;
}

static const char *sample(const char *rel)
{
    static char buf[4096];
    const char *top = getenv("WK_TOP");
    snprintf(buf, sizeof buf, "%s/data-samples/raw/%s", top ? top : ".", rel);
    return buf;
}

static float at(const struct wk_import_table *t, size_t k, size_t i)
{
    return t->values[k * t->N + i];
}

static int str_is(const char *got, const char *want)
{
    return got && strcmp(got, want) == 0;
}

static void test_yemini(void)
{
    struct collected c = {0, {NULL}};
    int rc = wk_import_read_yemini2021(sample("yemini2021/Head_Activity_OH99999.mat"), NULL, collect, &c);
    ok(rc == 0 && c.n == 2, "yemini2021: two worms from one file");
    if (c.n != 2) {
        release(&c);
        return;
    }
    const struct wk_import_table *a = c.t[0], *b = c.t[1];
    ok(a->T == 610 && a->N == 11 && b->N == 11, "yemini2021: 614 - 4 frames, 11 columns");
    ok(str_is(a->labels[0], "AVAL") && str_is(a->labels[1], "AVAR") && str_is(a->labels[4], "AVG") &&
           str_is(a->labels[5], "VB02"),
       "yemini2021: L/R appended, unpaired names as they are");
    ok(str_is(a->canonical[5], "VB2") && a->canonical[6] == NULL, "yemini2021: VB02 -> VB2, XYZ none");
    ok(b->keep && b->keep[3] == 0 && a->keep[3] == 1, "yemini2021: the empty cell (RIMR, worm 1) rejected");
    near(a->time[0], 1.0, 0, "yemini2021: time of frame 4 is 4 / fps");
    near(a->dt, 0.25, 0, "yemini2021: dt = 1 / fps");
    near(at(a, 0, 0), value(0, 0, 4), 0, "yemini2021: first kept frame, AVAL");
    near(at(b, 609, 10), value(1, 10, 613), 0, "yemini2021: last frame, SMDDR of worm 1");
    ok(isnan(at(a, 96, 7)) && isnan(at(a, 100, 7)) && !isnan(at(a, 101, 7)), "yemini2021: NaN gap kept");
    ok(str_is(a->name, "yemini2021_Head_Activity_OH99999_w0") && str_is(b->name, "yemini2021_Head_Activity_OH99999_w1"),
       "yemini2021: recording ids");
    ok(str_is(a->dataset, "yemini2021") && str_is(a->source_file, "Head_Activity_OH99999.mat"),
       "yemini2021: dataset and source file");
    release(&c);
}

static void test_lin(void)
{
    struct collected c = {0, {NULL}};
    int rc = wk_import_read_lin2023(sample("lin2023"), NULL, collect, &c);
    ok(rc == 0 && c.n == 2, "lin2023: a folder of two files");
    if (c.n != 2) {
        release(&c);
        return;
    }
    const struct wk_import_table *a = c.t[0];
    ok(a->T == 640 && a->N == 11, "lin2023: 640 samples, 11 flagged rows of 13");
    ok(str_is(a->labels[2], "DD04") && str_is(a->labels[4], "RIML") && str_is(a->labels[5], ""),
       "lin2023: flagged labels, a list-valued ID gives its first non-empty entry");
    near(a->time[0], 1.0, 0, "lin2023: time from the last row of times{1}");
    near(a->time[639], 1.0 + 0.25 * 639, 1e-12, "lin2023: last time");
    ok(isnan(at(a, 0, 0)), "lin2023: the first sample is NaN as in the file");
    near(at(a, 1, 2), value(0, 3, 1), 0, "lin2023: column 2 is source row 3 (row 2 not flagged)");
    near(at(c.t[1], 609, 10), value(1, 12, 609), 0, "lin2023: last value of worm 2");
    release(&c);
}

static void test_dag(void)
{
    struct collected c = {0, {NULL}};
    wk_log_set_level(WK_LOG_ERROR); /* the skipped unlabeled folder is a warning */
    int rc = wk_import_read_dag2023(sample("dag2023"), NULL, collect, &c);
    wk_log_set_level(WK_LOG_WARN);
    ok(rc == 0 && c.n == 2, "dag2023: the two labeled worms of the folder");
    if (c.n != 2) {
        release(&c);
        return;
    }
    const struct wk_import_table *a = c.t[0];
    ok(a->T == 650 && a->N == 12, "dag2023: 650 x 12 (timestamps cut to the traces)");
    ok(str_is(a->canonical[2], "AVAL") && str_is(a->canonical[0], "AVAR"),
       "dag2023: AVA? resolved in the dictionary's order (column 3 first)");
    ok(str_is(a->labels[11], "URXL") && str_is(a->canonical[11], "URXL"), "dag2023: list-valued label");
    near(a->time[649], 100 + 0.625 * 649, 1e-9, "dag2023: timestamp_confocal");
    near(at(a, 5, 7), value(0, 7, 5), 0, "dag2023: traces are time x neurons");
    ok(str_is(a->name, "dag2023_2022-01-01-01") && str_is(a->source_file, "2022-01-01-01-data.h5"),
       "dag2023: id from the file key");
    release(&c);
}

static void test_flavell(void)
{
    struct collected c = {0, {NULL}};
    int rc = wk_import_read_flavell2023(sample("flavell2023"), NULL, collect, &c);
    ok(rc == 0 && c.n == 2, "flavell2023: a JSON and an HDF5 worm");
    if (c.n != 2) {
        release(&c);
        return;
    }
    const struct wk_import_table *j = c.t[0], *h = c.t[1];
    ok(j->T == 610 && j->N == 8 && h->T == 630 && h->N == 9, "flavell2023: shapes");
    ok(str_is(j->canonical[1], "AVAL") && str_is(j->canonical[4], "AVAR") && j->canonical[7] == NULL,
       "flavell2023: AVA? twice in column order, a non-atlas name unlabeled");
    ok(isnan(at(j, 100, 3)) && at(j, 101, 3) == (float)value(0, 3, 101), "flavell2023: null is NaN");
    ok(str_is(h->labels[0], "AVA?") && str_is(h->labels[3], "ASHR") && str_is(h->labels[1], ""),
       "flavell2023: HDF5 labeled/<index>/label");
    near(at(h, 629, 8), value(1, 8, 629), 0, "flavell2023: HDF5 trace_array is neurons x time");
    near(h->time[1], 3.5, 0, "flavell2023: HDF5 timestamp_confocal");
    release(&c);
}

static void test_leifer(void)
{
    struct collected c = {0, {NULL}};
    int rc = wk_import_read_leifer2023(sample("leifer2023/0_t.txt"), NULL, collect, &c);
    ok(rc == 0 && c.n == 1, "leifer2023: one worm from any of its three files");
    if (c.n != 1) {
        release(&c);
        return;
    }
    const struct wk_import_table *a = c.t[0];
    ok(a->T == 615 && a->N == 10, "leifer2023: 615 x 10, the 11th label cut");
    ok(str_is(a->canonical[0], "AVAL") && a->canonical[1] == NULL && str_is(a->canonical[2], "RIML") &&
           str_is(a->canonical[3], "RIMR"),
       "leifer2023: exact name once, then name+L, name+R");
    ok(isnan(at(a, 10, 4)) && isnan(at(a, 12, 4)) && !isnan(at(a, 13, 4)), "leifer2023: nan cells");
    near(a->time[614], 0.25 * 614, 0, "leifer2023: time from {i}_t.txt");
    ok(str_is(a->name, "leifer2023_0") && str_is(a->source_file, "0_gcamp.txt"), "leifer2023: id and source");
    release(&c);
}

static void test_venkatachalam(void)
{
    struct collected c = {0, {NULL}};
    int rc = wk_import_read_venkatachalam2024(sample("venkatachalam2024/worm_b.zip"), NULL, collect, &c);
    ok(rc == 0 && c.n == 1, "venkatachalam2024: one archive");
    if (c.n != 1) {
        release(&c);
        return;
    }
    const struct wk_import_table *a = c.t[0];
    ok(a->T == 640 && a->N == 12, "venkatachalam2024: rows are neurons, empty frames 0-1 dropped");
    near(a->time[0], 0.75, 0, "venkatachalam2024: frame 2 at 0.75 s");
    near(a->dt, 0.375, 0, "venkatachalam2024: dt");
    ok(str_is(a->labels[2], "RMD-") && a->canonical[2] == NULL && str_is(a->canonical[3], "VB2"),
       "venkatachalam2024: labels from the neuron column");
    ok(isnan(at(a, 298, 7)) && at(a, 297, 7) == (float)value(1, 7, 297), "venkatachalam2024: an empty cell is NaN");
    release(&c);
}

static void test_common(void)
{
    char *id = wk_dataset_recording_id("lin2023", "a/b/worm01.v2.mat", NULL, -1);
    ok(str_is(id, "lin2023_worm01"), "recording id from the file stem");
    free(id);
    id = wk_dataset_recording_id("yemini2021", "x.mat", "Head", 3);
    ok(str_is(id, "yemini2021_Head_w3"), "recording id with a worm number");
    free(id);
    char **files;
    size_t n;
    int rc = wk_dataset_list_folder(&files, &n, sample("leifer2023"), "_T.TXT _labels.txt");
    ok(rc == 0 && n == 4, "folder listing by suffix, case-insensitive");
    if (rc == 0 && n == 4) {
        const char *base = strrchr(files[0], '/');
        ok(base && strcmp(base, "/0_labels.txt") == 0 && strstr(files[3], "/1_t.txt"),
           "folder listing sorted by name");
    }
    if (rc == 0) wk_strv_free(files, n);
    ok(wk_dataset_is_folder(sample("dag2023")) == 1 && wk_dataset_is_folder(sample("dag2023/NeuroPAL_labels_dict.json")) == 0 &&
           wk_dataset_is_folder("-") == 0,
       "folder test");
    ok(str_is(wk_dataset_base_name("a/b/c.zip"), "c.zip") && str_is(wk_dataset_base_name("-"), "stdin"),
       "base name");
}

/* Errors: one message, the right code, nothing handed to the sink. */
static void test_errors(void)
{
    struct collected c = {0, {NULL}};
    int rc = wk_import_read_lin2023("-", NULL, collect, &c);
    ok(rc == WK_EINVAL && c.n == 0, "lin2023: stdin refused");
    rc = wk_import_read_leifer2023(sample("lin2023/worm01.mat"), NULL, collect, &c);
    ok(rc == WK_EINVAL && c.n == 0, "leifer2023: not a {i}_*.txt name");
    rc = wk_import_read_venkatachalam2024(sample("dag2023/NeuroPAL_labels_dict.json"), NULL, collect, &c);
    ok(rc == WK_EFORMAT && c.n == 0, "venkatachalam2024: not a zip archive");
    rc = wk_import_read_flavell2023(sample("nonexistent.json"), NULL, collect, &c);
    ok(rc == WK_EIO && c.n == 0, "flavell2023: missing file");
    release(&c);
}

static void quiet(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)message;
    (void)userdata;
}

int main(void)
{
    wk_library_init();
    test_yemini();
    test_lin();
    test_dag();
    test_flavell();
    test_leifer();
    test_venkatachalam();
    test_common();
    wk_log_set_hook(quiet, NULL);
    test_errors();
    return wk_test_done();
}
