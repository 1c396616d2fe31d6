/* gen-bad-sizes - write small files whose headers claim absurd sizes, for
 * the limit tests (tests/t/t0910-bad-sizes.sh, tests/unit/test-limits.c):
 *
 *   gen-bad-sizes OUTDIR
 *
 * HDF5 datasets are chunked with incremental allocation and never written,
 * so a file of a few kilobytes declares 10^12 samples:
 *
 *   layout-huge-time.h5      wormkit file, /recordings/w/time: 10^12 doubles
 *   layout-lazy-time.h5      wormkit file, /recordings/w/time: 10^9 doubles
 *                            (under the 64 GiB ceiling, but nothing stored)
 *   layout-overflow.h5       wormkit file, /recordings/w/traces: 2^40 x 2^40
 *   connectome-huge.h5       wormkit file, /connectomes/big/chem: 10^6 x 10^6
 *   matrix-huge.h5           plain HDF5: /traces 10^12 x 3, /labels, /time
 *   matrix-lazy-labels.h5    plain HDF5: /traces 4 x 3, /labels: 10^9 strings
 *   compare-lazy.h5          plain HDF5: /w 30000 x 30000 (3.6 GB unstored)
 *   wide.csv                 a header of 200000 neuron columns, two rows
 *
 * Output is deterministic (no time stamps). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_recording.h"

static const char *outdir;

static void die(const char *what)
{
    fprintf(stderr, "gen-bad-sizes: %s\n", what);
    exit(1);
}

static const char *path_of(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", outdir, name);
    return buf;
}

/* A chunked dataset of `rank` dims whose storage is allocated only when
 * written (it never is). */
static void lazy_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims)
{
    hsize_t chunk[2] = {1, 1};
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0 ||
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_INCR) < 0)
        die("cannot prepare a lazy dataset");
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) die(name);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
}

static void small_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                          const void *data)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) die(name);
    H5Dclose(d);
    H5Sclose(space);
}

/* A valid wormkit file holding recording "w" (4 samples). */
static void valid_layout(const char *path)
{
    struct wk_file *f;
    struct wk_recording *rec = wk_recording_alloc(4, WK_ATLAS_SIZE);
    if (!rec || wk_recording_set_id(rec, "w") < 0) die("cannot make a recording");
    for (size_t t = 0; t < 4; t++)
        rec->time[t] = 0.5 * (double)t;
    if (wk_file_create(&f, path) < 0 || wk_recording_write(f, rec) < 0 || wk_file_commit(f) < 0)
        die("cannot write a wormkit file");
    wk_recording_free(rec);
}

/* valid_layout, then `object` replaced by a lazy dataset of the given shape. */
static void layout_with(const char *name, const char *group, const char *object, hid_t type, int rank,
                        const hsize_t *dims)
{
    const char *path = path_of(name);
    valid_layout(path);
    hid_t fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (fid < 0) die(path);
    hid_t g = H5Lexists(fid, group, H5P_DEFAULT) > 0 ? H5Gopen2(fid, group, H5P_DEFAULT)
                                                     : H5Gcreate2(fid, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) die(group);
    if (H5Lexists(g, object, H5P_DEFAULT) > 0 && H5Ldelete(g, object, H5P_DEFAULT) < 0) die(object);
    lazy_dataset(g, object, type, rank, dims);
    H5Gclose(g);
    H5Fclose(fid);
}

static void connectome_huge(void)
{
    const char *path = path_of("connectome-huge.h5");
    valid_layout(path);
    hid_t fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (fid < 0 || lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0) die(path);
    hid_t g = H5Gcreate2(fid, "/connectomes/big", lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) die("/connectomes/big");
    hsize_t dims[2] = {1000000, 1000000};
    lazy_dataset(g, "chem", H5T_NATIVE_FLOAT, 2, dims);
    lazy_dataset(g, "gap", H5T_NATIVE_FLOAT, 2, dims);
    H5Gclose(g);
    H5Pclose(lcpl);
    H5Fclose(fid);
}

static hid_t vlen_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0 || H5Tset_size(t, H5T_VARIABLE) < 0) die("string type");
    return t;
}

/* Plain HDF5 matrix file; the traces or the labels claim absurd sizes. */
static void matrix_file(const char *name, int huge_traces)
{
    hid_t fid = H5Fcreate(path_of(name), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (fid < 0) die(name);
    hid_t st = vlen_string_type();
    static const double time[4] = {0, 0.5, 1, 1.5};
    static const float traces[12] = {0};
    hsize_t three = 3, four = 4, small[2] = {4, 3};
    if (huge_traces) {
        static const char *labels[3] = {"AVAL", "AVAR", "RIML"};
        hsize_t dims[2] = {1000000000000ULL, 3};
        lazy_dataset(fid, "traces", H5T_NATIVE_FLOAT, 2, dims);
        small_dataset(fid, "labels", st, 1, &three, labels);
    } else {
        hsize_t n = 1000000000ULL;
        small_dataset(fid, "traces", H5T_NATIVE_FLOAT, 2, small, traces);
        lazy_dataset(fid, "labels", st, 1, &n);
    }
    small_dataset(fid, "time", H5T_NATIVE_DOUBLE, 1, &four, time);
    H5Tclose(st);
    H5Fclose(fid);
}

static void compare_lazy(void)
{
    hid_t fid = H5Fcreate(path_of("compare-lazy.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (fid < 0) die("compare-lazy.h5");
    hsize_t dims[2] = {30000, 30000};
    lazy_dataset(fid, "w", H5T_NATIVE_FLOAT, 2, dims);
    H5Fclose(fid);
}

static void wide_csv(void)
{
    FILE *fp = fopen(path_of("wide.csv"), "w");
    if (!fp) die("wide.csv");
    fputs("time", fp);
    for (int i = 0; i < 200000; i++)
        fprintf(fp, ",n%d", i);
    for (int row = 0; row < 2; row++) {
        fprintf(fp, "\n%d", row);
        for (int i = 0; i < 200000; i++)
            fputs(",1", fp);
    }
    fputc('\n', fp);
    if (fclose(fp) != 0) die("wide.csv");
}

int main(int argc, char **argv)
{
    if (argc != 2) die("usage: gen-bad-sizes OUTDIR");
    outdir = argv[1];
    wk_library_init();
    hsize_t huge = 1000000000000ULL, lazy = 1000000000ULL, overflow[2] = {1ULL << 40, 1ULL << 40};
    layout_with("layout-huge-time.h5", "/recordings/w", "time", H5T_NATIVE_DOUBLE, 1, &huge);
    layout_with("layout-lazy-time.h5", "/recordings/w", "time", H5T_NATIVE_DOUBLE, 1, &lazy);
    layout_with("layout-overflow.h5", "/recordings/w", "traces", H5T_NATIVE_FLOAT, 2, overflow);
    connectome_huge();
    matrix_file("matrix-huge.h5", 1);
    matrix_file("matrix-lazy-labels.h5", 0);
    compare_lazy();
    wide_csv();
    return 0;
}
