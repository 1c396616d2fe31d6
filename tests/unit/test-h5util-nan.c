/* test-h5util-nan.c - float [T][C] data with all-NaN columns (neurons a
 * recording lacks): chunked by column with the fill value NaN, the chunks
 * of all-NaN columns never written, every value read back exactly (by
 * wormkit and by plain H5Dread); data without such columns keeps chunks
 * of whole rows; large, mostly NaN data is written whole so that the
 * reader's storage check accepts it. */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"

static char dir[512];

static const char *tmp(const char *name)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* [T][C] float data: column c holds c + t / 1000 + 1/3 where keep[c], else NaN. */
static float *make_data(size_t T, size_t C, const int *keep)
{
    float *x = malloc(T * C * sizeof *x);
    for (size_t t = 0; t < T; t++)
        for (size_t c = 0; c < C; c++) x[t * C + c] = keep[c] ? (float)c + (float)t / 1000.0f + 1.0f / 3.0f : NAN;
    return x;
}

static int same_floats(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(a[i]) != isnan(b[i]) || (!isnan(a[i]) && memcmp(&a[i], &b[i], sizeof *a) != 0)) return 0;
    return 1;
}

static hsize_t n_chunks(hid_t d)
{
    hsize_t n = 0;
    hid_t space = H5Dget_space(d);
    H5Dget_num_chunks(d, space, &n);
    H5Sclose(space);
    return n;
}

static void chunk_of(hid_t d, hsize_t *chunk)
{
    hid_t p = H5Dget_create_plist(d);
    chunk[0] = chunk[1] = 0;
    if (H5Pget_layout(p) == H5D_CHUNKED) H5Pget_chunk(p, 2, chunk);
    H5Pclose(p);
}

static void test_nan_columns(void)
{
    enum { T = 2000, C = 40 };
    int keep[C] = {0};
    for (size_t c = 0; c < C; c++) keep[c] = c % 4 == 1 || c == 39; /* 11 of 40 columns hold data */
    float *x = make_data(T, C, keep), *dense = NULL, *y = NULL, *z = malloc(T * C * sizeof *z);
    size_t dims[2] = {T, C}, got[2];
    int all[C], rank;
    for (size_t c = 0; c < C; c++) all[c] = 1;
    dense = make_data(T, C, all);

    hid_t f = H5Fcreate(tmp("nan.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ok(wk_h5_write_float(f, "sparse", 2, dims, x) == 0, "write float[2000][40] with 29 all-NaN columns");
    ok(wk_h5_write_float(f, "dense", 2, dims, dense) == 0, "write the same shape without NaN columns");
    H5Fclose(f);

    f = H5Fopen(tmp("nan.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "sparse", H5P_DEFAULT), dd = H5Dopen2(f, "dense", H5P_DEFAULT);
    hsize_t chunk[2];
    chunk_of(d, chunk);
    ok(chunk[0] == T && chunk[1] == 1, "NaN columns: chunks of 2000 rows x 1 column");
    ok(n_chunks(d) == 11, "only the 11 columns with data are written");
    hid_t p = H5Dget_create_plist(d);
    float fill = 0;
    H5D_fill_value_t defined;
    ok(H5Pfill_value_defined(p, &defined) >= 0 && defined == H5D_FILL_VALUE_USER_DEFINED &&
           H5Pget_fill_value(p, H5T_NATIVE_FLOAT, &fill) >= 0 && isnan(fill),
       "fill value NaN (what any HDF5 reader returns for the chunks not written)");
    H5Pclose(p);
    ok(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, z) >= 0 && same_floats(x, z, T * C),
       "plain H5Dread: every value as written, NaN in the absent columns");
    chunk_of(dd, chunk);
    ok(chunk[0] == 65536 / C && chunk[1] == C, "no NaN column: chunks of whole rows (65536/40 = 1638 x 40)");
    ok(H5Dget_storage_size(d) * 2 < H5Dget_storage_size(dd),
       "the sparse dataset stores less than half the bytes of the dense one");
    H5Dclose(d);
    H5Dclose(dd);
    ok(wk_h5_read_float(f, "sparse", "nan.h5", &rank, got, &y) == 0 && rank == 2 && got[0] == T && got[1] == C &&
           same_floats(x, y, T * C),
       "wk_h5_read_float: the same values");
    H5Fclose(f);
    free(x);
    free(dense);
    free(y);
    free(z);
}

/* Edge chunks padded with NaN; short data takes several columns per chunk;
 * a double matrix; a matrix with no value at all. */
static void test_shapes(void)
{
    int keep3[3] = {1, 0, 1}, keep6[6] = {0, 0, 1, 0, 0, 0}, none[5] = {0};
    float *tall = make_data(70000, 3, keep3), *shortm = make_data(300, 6, keep6), *empty = make_data(400, 5, none);
    double *dm = malloc(1000 * 4 * sizeof *dm);
    size_t dtall[2] = {70000, 3}, dshort[2] = {300, 6}, dempty[2] = {400, 5}, dd[2] = {1000, 4}, got[2];
    for (size_t i = 0; i < 4000; i++) dm[i] = i % 4 == 2 ? NAN : (double)i / 7.0;

    hid_t f = H5Fcreate(tmp("shapes.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ok(wk_h5_write_float(f, "tall", 2, dtall, tall) == 0 && wk_h5_write_float(f, "short", 2, dshort, shortm) == 0 &&
           wk_h5_write_float(f, "empty", 2, dempty, empty) == 0 && wk_h5_write_double(f, "double", 2, dd, dm) == 0,
       "write tall, short, all-NaN and double matrices");
    H5Fclose(f);

    f = H5Fopen(tmp("shapes.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
    hsize_t chunk[2];
    hid_t d = H5Dopen2(f, "tall", H5P_DEFAULT);
    chunk_of(d, chunk);
    ok(chunk[0] == 65536 && chunk[1] == 1 && n_chunks(d) == 4, "70000 rows: 2 time blocks x 2 data columns written");
    H5Dclose(d);
    d = H5Dopen2(f, "short", H5P_DEFAULT);
    chunk_of(d, chunk);
    ok(chunk[0] == 300 && chunk[1] == 2 && n_chunks(d) == 1, "300 rows: 2 columns per chunk (512 elements), 1 written");
    H5Dclose(d);
    d = H5Dopen2(f, "empty", H5P_DEFAULT);
    ok(n_chunks(d) == 0, "all NaN: no chunk written");
    H5Dclose(d);

    float *y = NULL;
    double *dy = NULL;
    int rank, same = 1;
    ok(wk_h5_read_float(f, "tall", NULL, &rank, got, &y) == 0 && same_floats(tall, y, 70000 * 3),
       "tall: values read back (the partial time block padded with NaN)");
    free(y);
    y = NULL;
    ok(wk_h5_read_float(f, "short", NULL, &rank, got, &y) == 0 && same_floats(shortm, y, 300 * 6), "short: values");
    free(y);
    y = NULL;
    ok(wk_h5_read_float(f, "empty", NULL, &rank, got, &y) == 0 && same_floats(empty, y, 400 * 5), "all NaN: values");
    free(y);
    ok(wk_h5_read_double(f, "double", NULL, &rank, got, &dy) == 0, "double: read");
    for (size_t i = 0; dy && i < 4000; i++)
        same &= isnan(dm[i]) ? isnan(dy[i]) : memcmp(&dm[i], &dy[i], sizeof *dm) == 0;
    ok(dy && same, "double with a NaN column: values read back exactly");
    d = H5Dopen2(f, "double", H5P_DEFAULT);
    ok(n_chunks(d) == 3, "double: the NaN column not written");
    H5Dclose(d);
    free(dy);
    H5Fclose(f);
    free(tall);
    free(shortm);
    free(empty);
    free(dm);
}

/* Above 16 MB the reader refuses data storing less than 1/4096 of its
 * bytes: with one column of data in 320, every chunk is written. */
static void test_large_sparse(void)
{
    enum { T = 14000, C = 320 };
    int keep[C] = {0};
    keep[7] = 1;
    float *x = make_data(T, C, keep), *y = NULL;
    size_t dims[2] = {T, C}, got[2];
    int rank;
    hid_t f = H5Fcreate(tmp("large.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ok(wk_h5_write_float(f, "x", 2, dims, x) == 0, "write float[14000][320] (17.9 MB), one column of data");
    H5Fclose(f);
    f = H5Fopen(tmp("large.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "x", H5P_DEFAULT);
    ok(n_chunks(d) == C, "more than 16 MB, under a third of the chunks with data: all 320 written");
    H5Dclose(d);
    ok(wk_h5_read_float(f, "x", NULL, &rank, got, &y) == 0 && same_floats(x, y, (size_t)T * C),
       "and read back by wormkit");
    H5Fclose(f);
    free(x);
    free(y);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wk-test-h5util-nan.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    wk_library_init();
    wk_h5_set_deflate_level(1);
    test_nan_columns();
    test_shapes();
    test_large_sparse();
    unlink(tmp("nan.h5"));
    unlink(tmp("shapes.h5"));
    unlink(tmp("large.h5"));
    rmdir(dir);
    return wk_test_done();
}
