/* bicluster_stream.c - appending rows to extendible HDF5 datasets, so the
 * draws leave memory as they are produced. */
#include <string.h>

#include "bicluster_stream.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"

int wk_bc_stream_create(struct wk_bc_stream *s, hid_t group, const char *name, hid_t type, int rank,
                        const size_t *row_dims)
{
    memset(s, 0, sizeof *s);
    s->type = type;
    s->rank = rank + 1;
    hsize_t dims[5] = {0}, maxdims[5] = {H5S_UNLIMITED}, chunk[5] = {0};
    size_t row = 1;
    for (int k = 0; k < rank; k++) {
        dims[k + 1] = maxdims[k + 1] = chunk[k + 1] = row_dims[k];
        s->dims[k + 1] = row_dims[k];
        row *= row_dims[k];
    }
    s->row_size = row;
    chunk[0] = row >= 4096 ? 1 : 4096 / (row ? row : 1);
    if (chunk[0] > 256) chunk[0] = 256;
    hid_t space = H5Screate_simple(s->rank, dims, maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, s->rank, chunk) < 0 || H5Pset_deflate(dcpl, 4) < 0) {
        if (space >= 0) H5Sclose(space);
        if (dcpl >= 0) H5Pclose(dcpl);
        return wk_h5_fail(wk_h5_file_name(group), name);
    }
    s->ds = H5Dcreate2(group, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Sclose(space);
    H5Pclose(dcpl);
    if (s->ds < 0) return wk_h5_fail(wk_h5_file_name(group), name);
    return 0;
}

int wk_bc_stream_open(struct wk_bc_stream *s, hid_t group, const char *name, hid_t type)
{
    memset(s, 0, sizeof *s);
    s->type = type;
    s->ds = H5Dopen2(group, name, H5P_DEFAULT);
    if (s->ds < 0) return wk_h5_fail(wk_h5_file_name(group), name);
    hid_t space = H5Dget_space(s->ds);
    s->rank = H5Sget_simple_extent_ndims(space);
    H5Sget_simple_extent_dims(space, s->dims, NULL);
    H5Sclose(space);
    s->rows = s->dims[0];
    s->row_size = 1;
    for (int k = 1; k < s->rank; k++) s->row_size *= s->dims[k];
    return 0;
}

int wk_bc_stream_append(struct wk_bc_stream *s, const void *data, size_t nrows)
{
    if (nrows == 0) return 0;
    hsize_t newdims[5], start[5] = {0}, count[5];
    memcpy(newdims, s->dims, sizeof newdims);
    newdims[0] = s->rows + nrows;
    memcpy(count, s->dims, sizeof count);
    count[0] = nrows;
    start[0] = s->rows;
    if (H5Dset_extent(s->ds, newdims) < 0) return wk_h5_fail(wk_h5_file_name(s->ds), "extending a draw dataset");
    hid_t fspace = H5Dget_space(s->ds), mspace = H5Screate_simple(s->rank, count, NULL);
    herr_t e = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    if (e >= 0) e = H5Dwrite(s->ds, s->type, mspace, fspace, H5P_DEFAULT, data);
    H5Sclose(mspace);
    H5Sclose(fspace);
    if (e < 0) return wk_h5_fail(wk_h5_file_name(s->ds), "writing draws");
    s->rows += nrows;
    return 0;
}

int wk_bc_stream_read(struct wk_bc_stream *s, void *data, size_t first, size_t nrows)
{
    if (nrows == 0) return 0;
    hsize_t start[5] = {0}, count[5];
    memcpy(count, s->dims, sizeof count);
    count[0] = nrows;
    start[0] = first;
    hid_t fspace = H5Dget_space(s->ds), mspace = H5Screate_simple(s->rank, count, NULL);
    herr_t e = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    if (e >= 0) e = H5Dread(s->ds, s->type, mspace, fspace, H5P_DEFAULT, data);
    H5Sclose(mspace);
    H5Sclose(fspace);
    if (e < 0) return wk_h5_fail(wk_h5_file_name(s->ds), "reading draws");
    return 0;
}

void wk_bc_stream_close(struct wk_bc_stream *s)
{
    if (s->ds > 0) H5Dclose(s->ds);
    s->ds = 0;
}
