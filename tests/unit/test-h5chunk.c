/* test-h5chunk.c - every stored chunk must give back its full size before
 * libhdf5 reads it (src/h5chunk.c): chunks stored short, deflate streams
 * inflating short or corrupt, filters wormkit cannot follow and chunk
 * grids too large to walk are refused with one message naming the dataset
 * and the chunk; valid deflate, shuffle and fletcher32 pipelines, chunks
 * whose mask skips the filters at full size and unwritten chunks read back
 * exactly. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"
#include "wk_test_msgs.h"

#define T 200
#define C 10
#define CHUNK_T 50 /* chunks of 50 x 10 floats: 2000 bytes */
#define CHUNK_BYTES (CHUNK_T * C * sizeof(float))

static char dir[512], path[600];
static float data[T][C];

static hid_t new_file(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
}

/* /x, T x C floats in chunks of CHUNK_T rows, with the filters asked for. */
static hid_t new_dataset(hid_t f, int deflate, int shuffle, int fletcher32)
{
    hsize_t dims[2] = {T, C}, chunk[2] = {CHUNK_T, C};
    hid_t space = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    if (shuffle) H5Pset_shuffle(dcpl);
    if (deflate) H5Pset_deflate(dcpl, 6);
    if (fletcher32) H5Pset_fletcher32(dcpl);
    hid_t d = H5Dcreate2(f, "x", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return d;
}

/* The file's /x read by wormkit: 0 or its code; *same: the values equal data
 * where written, 0 in the rows of unwritten chunks (the fill value). */
static int read_back(int *same, int unwritten_from)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rank = 0;
    size_t dims[2] = {0, 0};
    float *x = NULL;
    wk_test_msgs_capture();
    int rc = wk_h5_read_float(f, "x", path, &rank, dims, &x);
    *same = rc == 0 && rank == 2 && dims[0] == T && dims[1] == C;
    for (size_t t = 0; *same && t < T; t++)
        for (size_t c = 0; c < C; c++)
            if (x[t * C + c] != ((int)t < unwritten_from ? data[t][c] : 0.0f)) *same = 0;
    free(x);
    H5Fclose(f);
    return rc;
}

static void test_valid_pipelines(void)
{
    static const int pipes[][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {1, 1, 1}, {0, 1, 1}};
    for (size_t i = 0; i < sizeof pipes / sizeof pipes[0]; i++) {
        hid_t f = new_file("valid.h5"), d = new_dataset(f, pipes[i][0], pipes[i][1], pipes[i][2]);
        hsize_t count[2] = {CHUNK_T * 3, C}, start[2] = {0, 0};
        hid_t fs = H5Dget_space(d), ms = H5Screate_simple(2, count, NULL);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
        H5Dwrite(d, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, data); /* the last chunk never written */
        H5Sclose(ms);
        H5Sclose(fs);
        H5Dclose(d);
        H5Fclose(f);
        int same = 0, rc = read_back(&same, CHUNK_T * 3);
        char what[160];
        snprintf(what, sizeof what, "deflate %d shuffle %d fletcher32 %d: read back exactly, no message", pipes[i][0],
                 pipes[i][1], pipes[i][2]);
        ok(rc == 0 && same && wk_test_n_msgs == 0, what);
    }
}

/* /x with chunk 1 written raw as the given bytes and filter mask, the other
 * chunks through the pipeline. */
static void write_with_raw_chunk(int deflate, unsigned mask, const void *bytes, size_t len)
{
    hid_t f = new_file("raw.h5"), d = new_dataset(f, deflate, 0, 0);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    hsize_t off[2] = {CHUNK_T, 0};
    H5Dwrite_chunk(d, H5P_DEFAULT, mask, off, len, bytes);
    H5Dclose(d);
    H5Fclose(f);
}

static void refused(const char *part, const char *what)
{
    int same = 0, rc = read_back(&same, T);
    ok(rc == WK_EFORMAT && wk_test_one_msg_with(part), what);
}

static void test_short_chunks(void)
{
    const float *row1 = data[CHUNK_T];
    write_with_raw_chunk(0, 0, row1, CHUNK_BYTES - 4);
    refused("x: chunk 1 stores 1996 of its 2000 bytes", "unfiltered chunk stored short: refused");

    write_with_raw_chunk(1, 1, row1, 1000);
    refused("x: chunk 1 skips its filters but stores 1000 of its 2000 bytes", "chunk skipping deflate, short: refused");

    write_with_raw_chunk(1, 1, row1, CHUNK_BYTES);
    int same = 0, rc = read_back(&same, T);
    ok(rc == 0 && same, "chunk skipping deflate at full size: read back exactly");

    unsigned char z[4096];
    uLongf zlen = sizeof z;
    compress2(z, &zlen, (const unsigned char *)row1, CHUNK_BYTES / 2, 6);
    write_with_raw_chunk(1, 0, z, zlen);
    refused("x: chunk 1 gives back 1000 of its 2000 bytes", "deflate stream inflating short: refused");

    zlen = sizeof z;
    compress2(z, &zlen, (const unsigned char *)row1, CHUNK_BYTES, 6);
    z[zlen - 1] ^= 0x55; /* its Adler-32 checksum */
    write_with_raw_chunk(1, 0, z, zlen);
    refused("x: chunk 1: corrupt deflate stream", "corrupt deflate stream: refused");

    write_with_raw_chunk(1, 0, z, 1);
    refused("x: chunk 1: a deflate stream of 1 bytes cannot give back 2000", "one-byte deflate stream: refused");
}

static void test_unsupported(void)
{
    hid_t f = new_file("nbit.h5");
    hsize_t dims[2] = {T, C}, chunk[2] = {CHUNK_T, C};
    hid_t space = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    H5Pset_nbit(dcpl);
    hid_t d = H5Dcreate2(f, "x", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(f);
    refused("x: unsupported filter nbit (id 5)", "nbit filter: refused by name");
}

/* Big-endian doubles in chunks of 50 x 4 that overhang both dimensions,
 * part never written (fill value NaN): read as float and as double. */
static void test_edges_types_fill(void)
{
    hid_t f = new_file("edges.h5");
    hsize_t dims[2] = {190, C}, chunk[2] = {50, 4}, count[2] = {100, C}, start[2] = {0, 0};
    double nan = NAN, *x = malloc(sizeof(double) * 190 * C);
    for (size_t i = 0; i < 190 * C; i++) x[i] = (double)i / 3.0;
    hid_t space = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 1);
    H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan);
    hid_t d = H5Dcreate2(f, "x", H5T_IEEE_F64BE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    hid_t ms = H5Screate_simple(2, count, NULL);
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, space, H5P_DEFAULT, x); /* rows 0..99; rows 100..189 never written */
    H5Sclose(ms);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(f);

    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rank = 0, same_f = 1, same_d = 1;
    size_t got[2] = {0, 0};
    float *y = NULL;
    double *z = NULL;
    wk_test_msgs_capture();
    int rc = wk_h5_read_float(f, "x", path, &rank, got, &y);
    rc |= wk_h5_read_double(f, "x", path, &rank, got, &z);
    for (size_t i = 0; rc == 0 && i < 190 * C; i++) {
        int written = i < 100 * C;
        if (written ? y[i] != (float)x[i] : !isnan(y[i])) same_f = 0;
        if (written ? z[i] != x[i] : !isnan(z[i])) same_d = 0;
    }
    ok(rc == 0 && rank == 2 && got[0] == 190 && got[1] == C && same_f && wk_test_n_msgs == 0,
       "big-endian doubles in overhanging chunks, read as float: exact, NaN where never written");
    ok(rc == 0 && same_d, "the same read as double: exact");
    free(x);
    free(y);
    free(z);
    H5Fclose(f);
}

/* 70000 chunks of one float: too many to walk, so the stored ones are
 * found by index; the rest read as the fill value.  A grid with more than
 * 2048 stored chunks is refused. */
static void test_large_grids(void)
{
    for (int stored = 3; stored <= 3000; stored += 2997) {
        hid_t f = new_file("grid.h5");
        hsize_t dims[1] = {70000}, chunk[1] = {1}, count[1] = {(hsize_t)stored}, start[1] = {0};
        float v[3000];
        for (int i = 0; i < stored; i++) v[i] = (float)i + 0.5f;
        hid_t space = H5Screate_simple(1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 1, chunk);
        hid_t d = H5Dcreate2(f, "x", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        hid_t ms = H5Screate_simple(1, count, NULL);
        H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
        H5Dwrite(d, H5T_NATIVE_FLOAT, ms, space, H5P_DEFAULT, v);
        H5Sclose(ms);
        H5Dclose(d);
        H5Pclose(dcpl);
        H5Sclose(space);
        H5Fclose(f);
        f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        int rank = 0;
        size_t got[1] = {0};
        float *y = NULL;
        wk_test_msgs_capture();
        int rc = wk_h5_read_float(f, "x", path, &rank, got, &y);
        if (stored == 3) {
            int same = 1;
            for (size_t i = 0; rc == 0 && i < 70000; i++)
                if (y[i] != (i < 3 ? v[i] : 0.0f)) same = 0;
            ok(rc == 0 && got[0] == 70000 && same, "3 chunks stored of 70000: read back exactly, zeros elsewhere");
        } else {
            ok(rc == WK_EFORMAT && wk_test_one_msg_with("x: 3000 stored chunks in a grid of more than 65536: too "
                                                       "many to check"),
               "3000 chunks stored of 70000: refused");
        }
        free(y);
        H5Fclose(f);
    }
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/wk-test-h5chunk.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) return 1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    for (int t = 0; t < T; t++)
        for (int c = 0; c < C; c++) data[t][c] = (float)(t * C + c) / 7.0f;
    test_valid_pipelines();
    test_short_chunks();
    test_unsupported();
    test_edges_types_fill();
    test_large_grids();
    const char *names[] = {"valid.h5", "raw.h5", "nbit.h5", "grid.h5", "edges.h5"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return wk_test_done();
}
