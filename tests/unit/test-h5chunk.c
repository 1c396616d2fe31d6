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

/* Chunked dataset creation properties: chunk[rank], the filters asked for. */
static hid_t chunked(int rank, const hsize_t *chunk, int deflate, int shuffle, int fletcher32)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, rank, chunk);
    if (shuffle) H5Pset_shuffle(dcpl);
    if (deflate) H5Pset_deflate(dcpl, 6);
    if (fletcher32) H5Pset_fletcher32(dcpl);
    return dcpl;
}

/* The file `name` (now path) with /x of file type ftype, shape dims[rank] and
 * creation properties dcpl (closed here), whose first `rows` along
 * dimension 0 are v, of memory type mtype; the rest never written.  With
 * raw, chunk 1 (along dimension 0) is then written as its raw bytes. */
struct raw_chunk {
    unsigned mask;
    const void *bytes;
    size_t len;
};

static void write_file(const char *name, int rank, const hsize_t *dims, hid_t dcpl, hid_t ftype, hid_t mtype,
                       hsize_t rows, const void *v, const struct raw_chunk *raw)
{
    hsize_t count[H5S_MAX_RANK], start[H5S_MAX_RANK] = {0}, chunk[H5S_MAX_RANK];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, "x", ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    memcpy(count, dims, (size_t)rank * sizeof *dims);
    count[0] = rows;
    hid_t ms = H5Screate_simple(rank, count, NULL);
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
    if (rows) H5Dwrite(d, mtype, ms, space, H5P_DEFAULT, v);
    if (raw) {
        H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
        start[0] = chunk[0];
        H5Dwrite_chunk(d, H5P_DEFAULT, raw->mask, start, raw->len, raw->bytes);
    }
    H5Sclose(ms);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(f);
}

static const hsize_t dims_tc[2] = {T, C}, chunk_tc[2] = {CHUNK_T, C};

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
        hid_t dcpl = chunked(2, chunk_tc, pipes[i][0], pipes[i][1], pipes[i][2]);
        write_file("valid.h5", 2, dims_tc, dcpl, H5T_NATIVE_FLOAT, H5T_NATIVE_FLOAT, CHUNK_T * 3, data, NULL);
        int same = 0, rc = read_back(&same, CHUNK_T * 3); /* the last chunk never written */
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
    struct raw_chunk raw = {mask, bytes, len};
    write_file("raw.h5", 2, dims_tc, chunked(2, chunk_tc, deflate, 0, 0), H5T_NATIVE_FLOAT, H5T_NATIVE_FLOAT, T, data,
               &raw);
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
    hid_t dcpl = chunked(2, chunk_tc, 0, 0, 0);
    H5Pset_nbit(dcpl);
    write_file("nbit.h5", 2, dims_tc, dcpl, H5T_NATIVE_FLOAT, H5T_NATIVE_FLOAT, T, data, NULL);
    refused("x: unsupported filter nbit (id 5)", "nbit filter: refused by name");
}

/* Big-endian doubles in chunks of 50 x 4 that overhang both dimensions,
 * part never written (fill value NaN): read as float and as double. */
static void test_edges_types_fill(void)
{
    hsize_t dims[2] = {190, C}, chunk[2] = {50, 4};
    double nan = NAN, *x = malloc(sizeof(double) * 190 * C);
    for (size_t i = 0; i < 190 * C; i++) x[i] = (double)i / 3.0;
    hid_t dcpl = chunked(2, chunk, 1, 1, 0);
    H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan);
    write_file("edges.h5", 2, dims, dcpl, H5T_IEEE_F64BE, H5T_NATIVE_DOUBLE, 100, x, NULL);

    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
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

/* A 7 x 5 x 6 tensor in chunks of 3 x 2 x 4 overhanging every dimension,
 * the last 4 planes never written. */
static void test_rank3(void)
{
    hsize_t dims[3] = {7, 5, 6}, chunk[3] = {3, 2, 4};
    float v[7 * 5 * 6];
    for (size_t i = 0; i < 7 * 5 * 6; i++) v[i] = (float)i * 0.25f;
    write_file("rank3.h5", 3, dims, chunked(3, chunk, 1, 0, 0), H5T_NATIVE_FLOAT, H5T_NATIVE_FLOAT, 3, v, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rank = 0, same = 1;
    size_t got[3] = {0, 0, 0};
    float *y = NULL;
    wk_test_msgs_capture();
    int rc = wk_h5_read_float(f, "x", path, &rank, got, &y);
    for (size_t i = 0; rc == 0 && i < 7 * 5 * 6; i++)
        if (y[i] != (i < 3 * 5 * 6 ? v[i] : 0.0f)) same = 0;
    ok(rc == 0 && rank == 3 && got[0] == 7 && got[1] == 5 && got[2] == 6 && same,
       "rank 3 in overhanging chunks: read back exactly, zeros where never written");
    free(y);
    H5Fclose(f);
}

/* 70000 chunks of one float: too many to walk, so the stored ones are
 * found by index; the rest read as the fill value.  A grid with more than
 * 2048 stored chunks is refused. */
static void test_large_grids(void)
{
    for (int stored = 3; stored <= 3000; stored += 2997) {
        hsize_t dims[1] = {70000}, chunk[1] = {1};
        float v[3000];
        for (int i = 0; i < stored; i++) v[i] = (float)i + 0.5f;
        write_file("grid.h5", 1, dims, chunked(1, chunk, 0, 0, 0), H5T_NATIVE_FLOAT, H5T_NATIVE_FLOAT,
                   (hsize_t)stored, v, NULL);
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
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
    test_rank3();
    test_large_grids();
    const char *names[] = {"valid.h5", "raw.h5", "nbit.h5", "grid.h5", "edges.h5", "rank3.h5"};
    for (size_t i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return wk_test_done();
}
