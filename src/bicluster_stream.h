/* bicluster_stream.h - extendible HDF5 datasets of draws (rows appended
 * along the first dimension); internal to the bicluster module. */
#ifndef WK_BICLUSTER_STREAM_H
#define WK_BICLUSTER_STREAM_H

#include <hdf5.h>
#include <stddef.h>

struct wk_bc_stream {
    hid_t ds, type;
    int rank;          /* including the draw dimension, <= 5 */
    hsize_t dims[5];   /* dims[0] unused while writing */
    hsize_t rows;
    size_t row_size;   /* elements per row */
};

/* A dataset of rows of shape row_dims[rank] (rank <= 4), initially empty. */
int wk_bc_stream_create(struct wk_bc_stream *s, hid_t group, const char *name, hid_t type, int rank,
                        const size_t *row_dims);
int wk_bc_stream_open(struct wk_bc_stream *s, hid_t group, const char *name, hid_t type);
int wk_bc_stream_append(struct wk_bc_stream *s, const void *data, size_t nrows);
int wk_bc_stream_read(struct wk_bc_stream *s, void *data, size_t first, size_t nrows);
void wk_bc_stream_close(struct wk_bc_stream *s);

#endif
