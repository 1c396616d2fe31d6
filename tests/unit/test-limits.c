/* test-limits.c - absurd sizes are refused with one message before any
 * allocation: size arithmetic, allocators, and HDF5 datasets whose shape
 * claims 10^9..10^12 elements (or overflows) while the file stores nothing
 * (chunked, allocated lazily and never written). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"
#include "wk_test_msgs.h"

static char dir[256];

static const char *tmp(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

/* A chunked dataset whose storage is allocated only when written. */
static void lazy_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims)
{
    hsize_t chunk[2] = {1, 1};
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, rank, chunk);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_INCR);
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) printf("# cannot create %s\n", name);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
}

static void test_arithmetic(void)
{
    size_t out = 7;
    ok(wk_size_mul(&out, SIZE_MAX / 2 + 1, 2) == WK_ERANGE && out == 7, "size_mul: overflow refused");
    ok(wk_size_mul(&out, (size_t)1 << 20, (size_t)1 << 20) == 0 && out == (size_t)1 << 40, "size_mul: 2^40");

    wk_test_msgs_capture();
    void *p = wk_calloc(SIZE_MAX / 4, 8);
    ok(p == NULL && wk_test_n_msgs == 1, "calloc: overflowing count refused with one message");
    free(p);
    wk_test_msgs_capture();
    p = wk_calloc(((size_t)1 << 36) + 1, 1);
    ok(p == NULL && wk_test_n_msgs == 1, "calloc: one byte over WK_MAX_ALLOC refused");
    free(p);

    wk_test_msgs_capture();
    struct wk_recording *rec = wk_recording_alloc(1000000000000ULL, WK_ATLAS_SIZE);
    ok(rec == NULL, "recording_alloc: 10^12 samples refused");
    ok(wk_test_one_msg("traces of 1000000000000 samples x 300 columns exceed the size limit"),
        "recording_alloc: message");
    wk_recording_free(rec);

    wk_test_msgs_capture();
    rec = wk_recording_alloc(SIZE_MAX / 2, SIZE_MAX / 2);
    ok(rec == NULL && wk_test_n_msgs == 1, "recording_alloc: overflowing T x C refused with one message");
    wk_recording_free(rec);

    wk_test_msgs_capture();
    struct wk_import_table *t = wk_import_table_alloc(SIZE_MAX / 2, 3);
    ok(t == NULL, "import_table_alloc: overflowing T x N refused");
    ok(wk_test_one_msg("table of 9223372036854775807 x 3 values is too large"), "import_table_alloc: message");
    wk_import_table_free(t);

    wk_test_msgs_capture();
    t = wk_import_table_alloc(1000000000000ULL, 300);
    ok(t == NULL && wk_test_n_msgs == 1, "import_table_alloc: 10^12 samples refused with one message");
    wk_import_table_free(t);
}

static void test_h5_reads(void)
{
    const char *path = tmp("lazy.h5");
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t tera = 1000000000000ULL, giga = 1000000000ULL, small = 100;
    hsize_t overflow[2] = {1ULL << 40, 1ULL << 40};
    lazy_dataset(fid, "tera", H5T_NATIVE_DOUBLE, 1, &tera);
    lazy_dataset(fid, "giga", H5T_NATIVE_DOUBLE, 1, &giga);
    lazy_dataset(fid, "overflow", H5T_NATIVE_FLOAT, 2, overflow);
    lazy_dataset(fid, "small", H5T_NATIVE_DOUBLE, 1, &small);
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, H5T_VARIABLE);
    lazy_dataset(fid, "strings", st, 1, &giga);
    H5Tclose(st);

    /* 20 MB of zeros, deflated about 1000:1: compression is not a lie. */
    size_t nz = 5000000;
    float *zeros = calloc(nz, sizeof *zeros);
    hsize_t zdims = nz, zchunk = 1000000;
    hid_t space = H5Screate_simple(1, &zdims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &zchunk);
    H5Pset_deflate(dcpl, 9);
    hid_t d = H5Dcreate2(fid, "zeros", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    free(zeros);
    H5Fclose(fid);

    fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ok(fid >= 0, "lazy.h5 opens");
    int rank;
    size_t dims[4];
    double *dd = NULL;
    float *fd = NULL;
    char want[1024];

    wk_test_msgs_capture();
    ok(wk_h5_read_double(fid, "tera", "lazy.h5", &rank, dims, &dd) == WK_ERANGE && dd == NULL,
       "10^12 doubles: refused");
    ok(wk_test_one_msg("'lazy.h5': /tera: 1000000000000 elements exceed the size limit of 68719476736 bytes"),
       "10^12 doubles: message");

    wk_test_msgs_capture();
    ok(wk_h5_read_double(fid, "giga", "lazy.h5", &rank, dims, &dd) == WK_ERANGE && dd == NULL,
       "10^9 doubles, none stored: refused");
    ok(wk_test_one_msg("'lazy.h5': /giga: shape claims 1000000000 elements but the file stores only 0 bytes of them"),
       "10^9 doubles, none stored: message");

    wk_test_msgs_capture();
    ok(wk_h5_read_float(fid, "overflow", "lazy.h5", &rank, dims, &fd) == WK_ERANGE && fd == NULL,
       "2^40 x 2^40: refused");
    ok(wk_test_one_msg("'lazy.h5': /overflow: dimensions overflow"), "2^40 x 2^40: message");

    char **s = NULL;
    size_t ns = 5;
    wk_test_msgs_capture();
    ok(wk_h5_read_strings(fid, "strings", "lazy.h5", &ns, &s) == WK_ERANGE && s == NULL && ns == 0,
       "10^9 strings, none stored: refused");
    snprintf(want, sizeof want, "'lazy.h5': /strings: shape claims 1000000000 elements but the file stores only 0 bytes of them");
    ok(wk_test_one_msg(want), "10^9 strings: message");

    wk_test_msgs_capture();
    ok(wk_h5_read_double(fid, "small", "lazy.h5", &rank, dims, &dd) == 0 && rank == 1 && dims[0] == 100 &&
           dd && dd[0] == 0.0 && dd[99] == 0.0 && wk_test_n_msgs == 0,
       "100 unwritten doubles (fill value): read as zeros");
    free(dd);
    dd = NULL;

    wk_test_msgs_capture();
    ok(wk_h5_read_float(fid, "zeros", "lazy.h5", &rank, dims, &fd) == 0 && dims[0] == nz && fd &&
           fd[nz - 1] == 0.0f && wk_test_n_msgs == 0,
       "20 MB deflated to a few KB: read");
    free(fd);
    H5Fclose(fid);
    unlink(path);
}

/* A wormkit file with recording "w" whose time claims `n` doubles. */
static const char *layout_with_lazy_time(hsize_t n)
{
    const char *path = tmp("layout.h5");
    struct wk_file *f;
    struct wk_recording *rec = wk_recording_alloc(4, WK_ATLAS_SIZE);
    wk_recording_set_id(rec, "w");
    for (size_t t = 0; t < 4; t++) rec->time[t] = 0.5 * (double)t;
    if (wk_file_create(&f, path) < 0 || wk_recording_write(f, rec) < 0 || wk_file_commit(f) < 0)
        printf("# cannot write %s\n", path);
    wk_recording_free(rec);
    hid_t fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t g = H5Gopen2(fid, "/recordings/w", H5P_DEFAULT);
    H5Ldelete(g, "time", H5P_DEFAULT);
    lazy_dataset(g, "time", H5T_NATIVE_DOUBLE, 1, &n);
    H5Gclose(g);
    H5Fclose(fid);
    return path;
}

static void test_readers(void)
{
    const char *path = layout_with_lazy_time(1000000000ULL);
    struct wk_file *f = NULL;
    ok(wk_file_open(&f, path) == 0, "layout with a lazy time opens");
    struct wk_recording *rec = NULL;
    char want[1024];
    wk_test_msgs_capture();
    ok(wk_recording_read(f, "w", &rec) == WK_ERANGE && rec == NULL, "recording_read: 10^9 unstored samples refused");
    snprintf(want, sizeof want,
             "'%s': /recordings/w/time: shape claims 1000000000 elements but the file stores only 0 bytes of them",
             path);
    ok(wk_test_one_msg(want), "recording_read: message");
    wk_file_close(f);

    path = tmp("compare.h5");
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t wdims[2] = {30000, 30000};
    lazy_dataset(fid, "w", H5T_NATIVE_FLOAT, 2, wdims);
    hsize_t cdims[2] = {1000000, 1000000};
    lazy_dataset(fid, "traces", H5T_NATIVE_FLOAT, 2, cdims);
    H5Fclose(fid);

    struct wk_compare_matrix *m = NULL;
    wk_test_msgs_capture();
    ok(wk_compare_matrix_read_h5(&m, path, "/w") == WK_ERANGE && m == NULL, "compare: 30000^2 unstored refused");
    snprintf(want, sizeof want, "'%s': /w: shape claims 900000000 elements but the file stores only 0 bytes of them",
             path);
    ok(wk_test_one_msg(want), "compare: message");

    struct wk_import_options o;
    wk_import_options_init(&o);
    wk_test_msgs_capture();
    ok(wk_import_read_h5matrix(path, &o, NULL, NULL) == WK_ERANGE, "h5matrix: 10^12-cell traces refused");
    snprintf(want, sizeof want, "'%s': /traces: 1000000000000 elements exceed the size limit of 68719476736 bytes",
             path);
    ok(wk_test_one_msg(want), "h5matrix: message");
    unlink(path);
    unlink(tmp("layout.h5"));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/wk-test-limits-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    wk_library_init();
    wk_test_msgs_capture();
    test_arithmetic();
    test_h5_reads();
    test_readers();
    rmdir(dir);
    return wk_test_done();
}
