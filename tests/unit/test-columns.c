/* test-columns.c - column blocks of a matrix (wk_columns_load/store), arrays
 * handed over without a copy (wk_recording_adopt_array) and the deflate
 * level setting (wk_h5_set_deflate_level). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wk_test.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_signal.h"

/* 13 rows (not a multiple of the 8-row tiles) x 37 columns (not a multiple
 * of the 16-column blocks): m[t][c] = 100 t + c. */
static int n_msgs;
static void count_msg(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)message;
    (void)userdata;
    n_msgs++;
}

#define ROWS 13
#define COLS 37

static void test_load_store(void)
{
    float m[ROWS * COLS];
    double x[WK_COLUMN_BLOCK * ROWS];
    for (int t = 0; t < ROWS; t++)
        for (int c = 0; c < COLS; c++) m[t * COLS + c] = (float)(100 * t + c);

    wk_columns_load(x, m, ROWS, COLS, 32, 5);
    ok(x[0] == 32 && x[1] == 132 && x[12] == 1232, "load: column 32 at x[0..12]");
    ok(x[4 * ROWS + 12] == 1236, "load: last column of a partial block, last row (t 12, c 36)");

    int same = 1;
    for (size_t c0 = 0; c0 < COLS; c0 += WK_COLUMN_BLOCK) {
        size_t w = COLS - c0 < WK_COLUMN_BLOCK ? COLS - c0 : WK_COLUMN_BLOCK;
        wk_columns_load(x, m, ROWS, COLS, c0, w);
        for (size_t j = 0; j < w; j++)
            for (size_t t = 0; t < ROWS; t++) same &= x[j * ROWS + t] == 100.0 * (double)t + (double)(c0 + j);
    }
    ok(same, "load: every block holds its columns in order");

    for (size_t i = 0; i < WK_COLUMN_BLOCK * ROWS; i++) x[i] = -1 - (double)i;
    unsigned char keep[WK_COLUMN_BLOCK] = {0};
    keep[1] = keep[3] = 1;
    wk_columns_store(m, x, ROWS, COLS, 16, 4, keep);
    ok(m[0 * COLS + 16] == 16 && m[12 * COLS + 18] == 1218, "store: columns not kept are left alone");
    ok(m[0 * COLS + 17] == -1 - ROWS && m[12 * COLS + 17] == -1 - ROWS - 12, "store: kept column 17 written");
    ok(m[7 * COLS + 19] == -1 - 3 * ROWS - 7 && m[7 * COLS + 20] == 720, "store: column 19 written, 20 untouched");
    wk_columns_store(m, x, ROWS, COLS, 0, 1, NULL);
    ok(m[0] == -1 && m[12 * COLS] == -13 && m[1] == 1, "store without keep: the whole block");

    ok(wk_columns_width(COLS, 0) == 16 && wk_columns_width(COLS, 32) == 5 && wk_columns_width(16, 0) == 16,
       "width: 16, then the remainder");
    double nan_col[3] = {NAN, INFINITY, NAN}, one[3] = {NAN, 2, NAN};
    ok(!wk_column_has_finite(nan_col, 3) && wk_column_has_finite(one, 3) && !wk_column_has_finite(one, 0),
       "has_finite: NaN and Inf are not finite; an empty column has none");
}

static void test_adopt(void)
{
    struct wk_recording *rec = wk_recording_alloc(4, 300);
    size_t dims[2] = {4, 2};
    float *d = malloc(8 * sizeof *d);
    ok(rec && d, "alloc");
    if (!rec || !d) {
        free(d);
        wk_recording_free(rec);
        return;
    }
    for (int i = 0; i < 8; i++) d[i] = (float)i;
    ok(wk_recording_adopt_array(rec, "extra", 2, dims, d) == 0, "adopt: 0");
    struct wk_array *a = wk_recording_array(rec, "extra");
    ok(a && a->data == d && a->rank == 2 && a->dims[0] == 4 && a->dims[1] == 2, "adopt: the same buffer, no copy");
    float *e = malloc(4 * sizeof *e);
    size_t four = 4;
    if (e) e[3] = 42;
    ok(e && wk_recording_adopt_array(rec, "extra", 1, &four, e) == 0 && rec->n_arrays == 1, "adopt replaces by name");
    a = wk_recording_array(rec, "extra");
    ok(a && a->rank == 1 && a->data[3] == 42, "adopt: replacement in place");
    float *bad = malloc(sizeof *bad);
    n_msgs = 0;
    ok(wk_recording_adopt_array(rec, "traces", 1, &four, bad) == WK_EINVAL && n_msgs == 1,
       "adopt: a standard name is refused (one message; the buffer is freed)");
    ok(wk_recording_add_array(rec, "copy", 1, &four, e) == 0 && wk_recording_array(rec, "copy")->data != e,
       "add_array still copies");
    wk_recording_free(rec);
}

static void test_level(void)
{
    n_msgs = 0;
    ok(wk_h5_set_deflate_level(10) == WK_EINVAL && n_msgs == 1, "level 10 refused, one message");
    ok(wk_h5_set_deflate_level(-2) == WK_EINVAL, "level -2 refused");
    ok(wk_h5_set_deflate_level(0) == 0 && wk_h5_deflate_level(-1) == 0, "level 0 set");
    ok(wk_h5_set_deflate_level(9) == 0 && wk_h5_deflate_level(-1) == 9, "level 9 set");
    ok(wk_h5_deflate_level_option("7") == 0 && wk_h5_deflate_level(-1) == 7, "option '7'");
    ok(wk_h5_deflate_level_option("1x") == WK_EUSAGE && wk_h5_deflate_level(-1) == 7,
       "option '1x': usage error, level kept");
    ok(wk_h5_set_deflate_level(-1) == 0, "back to the default");
}

int main(void)
{
    wk_log_set_hook(count_msg, NULL);
    test_load_store();
    test_adopt();
    test_level();
    return wk_test_done();
}
