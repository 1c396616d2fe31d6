/* h5chunk.c - every stored chunk of a dataset must give back its full size.
 *
 * libhdf5 1.10 reads a chunk into a buffer of the size the chunk index
 * records (or of what its filters returned) and then copies the chunk's
 * full size out of it: a chunk stored shorter than its size, or whose
 * deflate stream inflates short, is a heap overflow inside H5Dread.  So
 * each stored chunk is put through its filter pipeline here (deflate with
 * libdeflate; shuffle and fletcher32 change no length but the checksum's)
 * and must come out at its full size: either while wormkit reads the
 * dataset itself, chunk by chunk (wk_h5_read_chunked: deflate and shuffle,
 * as it writes them), or in a walk before libhdf5 reads it
 * (wk_h5_chunks_ok). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <libdeflate.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"
#include "file_internal.h"

/* Chunk grids larger than this are not walked; their stored chunks are
 * checked when there are at most MAX_CHUNKS_BY_INDEX, else refused. */
#define MAX_CHUNKS_CHECKED 65536
#define MAX_CHUNKS_BY_INDEX 2048
#define FLETCHER32_BYTES 4
/* Deflate gives back at most 1032 bytes per byte it reads, and a stream of
 * incompressible data grows by a few bytes per 16 KiB: a chunk outside
 * these bounds is damaged, and is refused before any buffer is sized by it. */
#define DEFLATE_RATIO_MAX 1032
#define stored_bytes_max(chunk_bytes) (2 * (chunk_bytes) + 4096)

struct pipeline {
    int n;
    H5Z_filter_t id[H5Z_MAX_NFILTERS];
};

struct chunk_check {
    hid_t dset;
    const char *file, *where;
    int rank;
    hsize_t dims[H5S_MAX_RANK], chunk[H5S_MAX_RANK], grid;
    hsize_t chunk_bytes, file_bytes; /* file_bytes 0: not known */
    size_t elem;                     /* bytes of an element in the file */
    struct pipeline pipe;
    int decode;   /* undo every filter (else only what the lengths need) */
    int by_index; /* the grid is too large: chunk k is the k-th stored one */
    unsigned char *stored, *plain, *unshuffled;
    size_t stored_cap;
    struct libdeflate_decompressor *inflater;
};

static const char *filter_name(H5Z_filter_t id)
{
    switch (id) {
    case H5Z_FILTER_DEFLATE: return "deflate";
    case H5Z_FILTER_SHUFFLE: return "shuffle";
    case H5Z_FILTER_FLETCHER32: return "fletcher32";
    case H5Z_FILTER_SZIP: return "szip";
    case H5Z_FILTER_NBIT: return "nbit";
    case H5Z_FILTER_SCALEOFFSET: return "scaleoffset";
    default: return "user-defined";
    }
}

static H5Z_filter_t filter_id(hid_t dcpl, int i)
{
    unsigned flags = 0;
    size_t nvalues = 0;
    return H5Pget_filter2(dcpl, (unsigned)i, &flags, &nvalues, NULL, 0, NULL, NULL);
}

/* Only pipelines whose lengths can be followed: deflate at most once, and
 * after it (on writing) nothing but fletcher32. */
static int read_pipeline(hid_t dcpl, struct pipeline *p, const char *file, const char *where)
{
    int n = H5Pget_nfilters(dcpl), deflate_at = -1;
    if (n < 0 || n > H5Z_MAX_NFILTERS)
        return wk_h5_fail(file, where);
    p->n = n;
    for (int i = 0; i < n; i++) {
        p->id[i] = filter_id(dcpl, i);
        switch (p->id[i]) {
        case H5Z_FILTER_DEFLATE:
            if (deflate_at >= 0)
                return wk_fail(WK_EFORMAT, "'%s': %s: unsupported filter pipeline (deflate twice)", file, where);
            deflate_at = i;
            break;
        case H5Z_FILTER_SHUFFLE:
            if (deflate_at >= 0)
                return wk_fail(WK_EFORMAT, "'%s': %s: unsupported filter pipeline (shuffle after deflate)", file,
                               where);
            break;
        case H5Z_FILTER_FLETCHER32: break;
        default:
            return wk_fail(WK_EFORMAT, "'%s': %s: unsupported filter %s (id %d): wormkit reads deflate, shuffle "
                           "and fletcher32", file, where, filter_name(p->id[i]), (int)p->id[i]);
        }
    }
    return 0;
}

static const char *how_stored(const struct pipeline *p, unsigned mask)
{
    if (p->n == 0)
        return "stores";
    for (int i = 0; i < p->n; i++)
        if (!(mask & (1u << i)))
            return "gives back";
    return "skips its filters but stores";
}

static int chunk_short(const struct chunk_check *c, hsize_t k, hsize_t got, const char *how)
{
    return wk_fail(WK_EFORMAT, "'%s': %s: chunk %llu %s %llu of its %llu bytes", c->file, c->where,
                   (unsigned long long)k, how, (unsigned long long)got, (unsigned long long)c->chunk_bytes);
}

static int read_stored(struct chunk_check *c, const hsize_t *off, hsize_t stored)
{
    uint32_t mask = 0;
    if (stored > c->stored_cap) {
        free(c->stored);
        c->stored_cap = 0;
        if (!(c->stored = wk_malloc_array((size_t)stored, 1)))
            return WK_ENOMEM;
        c->stored_cap = (size_t)stored;
    }
    if (H5Dread_chunk(c->dset, H5P_DEFAULT, off, &mask, c->stored) < 0)
        return wk_h5_fail(c->file, c->where);
    return 0;
}

static int inflate_chunk(struct chunk_check *c, hsize_t k, const unsigned char **data, hsize_t *len)
{
    size_t out_len = 0;
    if (c->chunk_bytes > *len * DEFLATE_RATIO_MAX)
        return wk_fail(WK_EFORMAT, "'%s': %s: chunk %llu: a deflate stream of %llu bytes cannot give back %llu",
                       c->file, c->where, (unsigned long long)k, (unsigned long long)*len,
                       (unsigned long long)c->chunk_bytes);
    if (!c->plain && !(c->plain = wk_malloc_array((size_t)c->chunk_bytes, 1)))
        return WK_ENOMEM;
    if (!c->inflater && !(c->inflater = libdeflate_alloc_decompressor()))
        return wk_fail(WK_ENOMEM, "out of memory");
    enum libdeflate_result r =
        libdeflate_zlib_decompress(c->inflater, *data, (size_t)*len, c->plain, (size_t)c->chunk_bytes, &out_len);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
        return wk_fail(WK_EFORMAT, "'%s': %s: chunk %llu inflates to more than its %llu bytes", c->file, c->where,
                       (unsigned long long)k, (unsigned long long)c->chunk_bytes);
    if (r != LIBDEFLATE_SUCCESS)
        return wk_fail(WK_EFORMAT, "'%s': %s: chunk %llu: corrupt deflate stream", c->file, c->where,
                       (unsigned long long)k);
    *data = c->plain;
    *len = out_len;
    return 0;
}

/* HDF5's shuffle filter stores byte j of every element together; the bytes
 * past the last whole element stay where they are. */
static int unshuffle(struct chunk_check *c, const unsigned char **data, hsize_t len)
{
    size_t n = c->elem ? (size_t)len / c->elem : 0;
    if (c->elem <= 1 || n <= 1)
        return 0;
    if (!c->unshuffled && !(c->unshuffled = wk_malloc_array((size_t)c->chunk_bytes, 1)))
        return WK_ENOMEM;
    const unsigned char *in = *data;
    for (size_t j = 0; j < c->elem; j++)
        for (size_t i = 0; i < n; i++)
            c->unshuffled[i * c->elem + j] = in[j * n + i];
    memcpy(c->unshuffled + n * c->elem, in + n * c->elem, (size_t)len - n * c->elem);
    *data = c->unshuffled;
    return 0;
}

/* Undoes the filters of chunk k (at off, stored bytes, filter mask), last
 * filter first: *data and *len are what they give back (with c->decode
 * unset, the data only as far as the lengths need it). */
static int undo_filters(struct chunk_check *c, const hsize_t *off, hsize_t k, unsigned mask, hsize_t stored,
                        const unsigned char **data, hsize_t *len)
{
    int need_bytes = c->decode;
    for (int i = 0; i < c->pipe.n; i++)
        need_bytes |= !(mask & (1u << i)) && c->pipe.id[i] == H5Z_FILTER_DEFLATE;
    int rc = need_bytes ? read_stored(c, off, stored) : 0;
    *data = c->stored;
    *len = stored;
    for (int i = c->pipe.n - 1; rc == 0 && i >= 0; i--) {
        if (mask & (1u << i))
            continue;
        if (c->pipe.id[i] == H5Z_FILTER_FLETCHER32) { /* only in a walk: the read is libhdf5's */
            if (*len < FLETCHER32_BYTES)
                return chunk_short(c, k, *len, "stores");
            *len -= FLETCHER32_BYTES;
        } else if (c->pipe.id[i] == H5Z_FILTER_DEFLATE) {
            rc = inflate_chunk(c, k, data, len);
        } else if (c->pipe.id[i] == H5Z_FILTER_SHUFFLE && c->decode) {
            rc = unshuffle(c, data, *len);
        }
    }
    return rc;
}

static herr_t chunk_by_index(const struct chunk_check *c, hsize_t k, hsize_t *off, unsigned *mask, haddr_t *addr,
                             hsize_t *stored)
{
    hid_t space = H5Dget_space(c->dset);
    herr_t e = space >= 0 ? H5Dget_chunk_info(c->dset, space, k, off, mask, addr, stored) : -1;
    if (space >= 0)
        H5Sclose(space);
    return e;
}

/* Chunk k at off (by_index: its offset is written there): *present 0 when never written (it reads as the fill
 * value), else *data holds its chunk_bytes (with c->decode). */
static int chunk_data(struct chunk_check *c, hsize_t *off, hsize_t k, int *present, const unsigned char **data)
{
    unsigned mask = 0;
    haddr_t addr = HADDR_UNDEF;
    hsize_t stored = 0, len = 0;

    *present = 0;
    if (c->by_index ? chunk_by_index(c, k, off, &mask, &addr, &stored) < 0
                    : H5Dget_chunk_info_by_coord(c->dset, off, &mask, &addr, &stored) < 0)
        return wk_h5_fail(c->file, c->where);
    if (addr == HADDR_UNDEF)
        return 0;
    if (stored > stored_bytes_max(c->chunk_bytes) || (c->file_bytes && stored > c->file_bytes))
        return wk_fail(WK_EFORMAT, "'%s': %s: chunk %llu claims %llu stored bytes (its size is %llu)", c->file,
                       c->where, (unsigned long long)k, (unsigned long long)stored,
                       (unsigned long long)c->chunk_bytes);
    int rc = undo_filters(c, off, k, mask, stored, data, &len);
    if (rc)
        return rc;
    if (len < c->chunk_bytes)
        return chunk_short(c, k, len, how_stored(&c->pipe, mask));
    *present = 1;
    return 0;
}

/* The chunk grid of dset: 0; 1 when it cannot be walked (the read reports
 * it); -1 when it has more than MAX_CHUNKS_CHECKED chunks. */
static int grid_size(hid_t dset, int rank, const hsize_t *chunk, hsize_t *dims, hsize_t *grid)
{
    hid_t space = H5Dget_space(dset);
    int n = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
    if (space >= 0)
        H5Sclose(space);
    if (n != rank)
        return 1;
    *grid = 1;
    for (int i = 0; i < rank; i++) {
        if (chunk[i] == 0)
            return 1;
        hsize_t across = dims[i] / chunk[i] + (dims[i] % chunk[i] != 0);
        if (across > MAX_CHUNKS_CHECKED || (*grid *= across) > MAX_CHUNKS_CHECKED)
            return -1;
    }
    return 0;
}

/* A grid too large to walk is checked through its stored chunks, found by
 * index (each lookup walks the index: quadratic, so only a few). */
static int stored_chunks(struct chunk_check *c)
{
    hid_t space = H5Dget_space(c->dset);
    hsize_t n = 0;
    herr_t e = space >= 0 ? H5Dget_num_chunks(c->dset, space, &n) : -1;
    if (space >= 0)
        H5Sclose(space);
    if (e < 0)
        return wk_h5_fail(c->file, c->where);
    if (n > MAX_CHUNKS_BY_INDEX)
        return wk_fail(WK_EFORMAT, "'%s': %s: %llu stored chunks in a grid of more than %d: too many to check",
                       c->file, c->where, (unsigned long long)n, MAX_CHUNKS_CHECKED);
    c->by_index = 1;
    c->grid = n;
    return 0;
}

/* Sets up c for dset (its chunks, pipeline and sizes): 0, 1 when there is
 * nothing to walk, or a logged error. */
static int chunk_check_init(struct chunk_check *c, hid_t dset, hid_t dcpl, const char *file, const char *where)
{
    memset(c, 0, sizeof *c);
    c->dset = dset;
    c->file = file;
    c->where = where;
    struct wk_h5_input in;
    if (wk_h5vfd_input(dset, &in) == 0)
        c->file_bytes = in.size;
    c->rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, c->chunk);
    hid_t type = H5Dget_type(dset);
    c->elem = type >= 0 ? H5Tget_size(type) : 0;
    if (type >= 0)
        H5Tclose(type);
    if (c->rank <= 0 || c->elem == 0)
        return 1; /* the read reports it */
    c->chunk_bytes = c->elem;
    for (int i = 0; i < c->rank; i++) {
        if (c->chunk[i] && c->chunk_bytes > (hsize_t)-1 / c->chunk[i])
            return wk_fail(WK_EFORMAT, "'%s': %s: chunk dimensions overflow", file, where);
        c->chunk_bytes *= c->chunk[i];
    }
    int g = grid_size(dset, c->rank, c->chunk, c->dims, &c->grid);
    if (g > 0)
        return 1;
    int rc = g < 0 ? stored_chunks(c) : 0;
    return rc ? rc : read_pipeline(dcpl, &c->pipe, file, where);
}

static void chunk_check_free(struct chunk_check *c)
{
    free(c->stored);
    free(c->plain);
    free(c->unshuffled);
    if (c->inflater)
        libdeflate_free_decompressor(c->inflater);
}

/* The offset of the chunk after the one at off (last dimension fastest). */
static void next_chunk(const struct chunk_check *c, hsize_t *off)
{
    for (int i = c->rank - 1; i >= 0; i--) {
        off[i] += c->chunk[i];
        if (off[i] < c->dims[i])
            break;
        off[i] = 0;
    }
}

int wk_h5_chunks_ok(hid_t dset, hid_t dcpl, const char *file, const char *where)
{
    struct chunk_check c;
    hsize_t off[H5S_MAX_RANK] = {0};
    int rc = chunk_check_init(&c, dset, dcpl, file, where);
    for (hsize_t k = 0; rc == 0 && k < c.grid; k++) {
        const unsigned char *data;
        int present;
        rc = chunk_data(&c, off, k, &present, &data);
        next_chunk(&c, off);
    }
    chunk_check_free(&c);
    return rc < 0 ? rc : 0;
}

int wk_h5_reads_chunks_itself(hid_t dcpl)
{
    if (H5Pget_layout(dcpl) != H5D_CHUNKED)
        return 0;
    int n = H5Pget_nfilters(dcpl);
    for (int i = 0; i < n; i++) {
        H5Z_filter_t id = filter_id(dcpl, i);
        if (id != H5Z_FILTER_DEFLATE && id != H5Z_FILTER_SHUFFLE)
            return 0;
    }
    return n >= 0;
}

/* Copies rows of `row` bytes, n of them, `from_step` and `to_step` bytes
 * apart: a chunk of one column is a row of one element (4 or 8 bytes) per
 * sample, so those sizes get their own loops. */
static void copy_rows(unsigned char *to, size_t to_step, const unsigned char *from, size_t from_step, size_t row,
                      size_t n)
{
    if (row == 4)
        for (size_t i = 0; i < n; i++) memcpy(to + i * to_step, from + i * from_step, 4);
    else if (row == 8)
        for (size_t i = 0; i < n; i++) memcpy(to + i * to_step, from + i * from_step, 8);
    else
        for (size_t i = 0; i < n; i++) memcpy(to + i * to_step, from + i * from_step, row);
}

/* Copies the part of a chunk (at off, elements of esz bytes) inside the
 * dataset into its place in the whole dataset's buffer: the rows of the
 * last dimension, the second-last dimension's run at a time. */
static void place_chunk(const struct chunk_check *c, const hsize_t *off, const unsigned char *chunk, size_t esz,
                        unsigned char *whole)
{
    hsize_t ext[H5S_MAX_RANK] = {0}, idx[H5S_MAX_RANK] = {0}, to_stride[H5S_MAX_RANK], from_stride[H5S_MAX_RANK];
    int r = c->rank;
    hsize_t to = 0;
    for (int i = r - 1; i >= 0; i--) {
        ext[i] = c->dims[i] - off[i] < c->chunk[i] ? c->dims[i] - off[i] : c->chunk[i];
        to_stride[i] = i == r - 1 ? esz : to_stride[i + 1] * c->dims[i + 1];
        from_stride[i] = i == r - 1 ? esz : from_stride[i + 1] * c->chunk[i + 1];
        to += off[i] * to_stride[i];
    }
    size_t row = (size_t)(ext[r - 1] * esz);
    if (r == 1) {
        memcpy(whole + to, chunk, row);
        return;
    }
    unsigned char *dst = whole + to;
    const unsigned char *src = chunk;
    for (;;) {
        copy_rows(dst, (size_t)to_stride[r - 2], src, (size_t)from_stride[r - 2], row, (size_t)ext[r - 2]);
        int i = r - 3;
        for (; i >= 0; i--) {
            if (++idx[i] < ext[i]) {
                dst += to_stride[i];
                src += from_stride[i];
                break;
            }
            dst -= (ext[i] - 1) * to_stride[i];
            src -= (ext[i] - 1) * from_stride[i];
            idx[i] = 0;
        }
        if (i < 0)
            break;
    }
}

static size_t whole_elements(const struct chunk_check *c)
{
    hsize_t n = 1;
    for (int i = 0; i < c->rank; i++)
        n *= c->dims[i];
    return (size_t)n;
}

/* A chunk's worth of the fill value in the memory type (0 when it has none). */
static int fill_chunk(hid_t dcpl, hid_t mtype, size_t esz, size_t n, void *chunk)
{
    unsigned char value[64] = {0};
    if (esz > sizeof value)
        return WK_EINVAL;
    H5D_fill_value_t status = H5D_FILL_VALUE_UNDEFINED;
    if (H5Pfill_value_defined(dcpl, &status) < 0 || status == H5D_FILL_VALUE_UNDEFINED ||
        H5Pget_fill_value(dcpl, mtype, value) < 0)
        memset(value, 0, sizeof value);
    for (size_t i = 0; i < n; i++)
        memcpy((unsigned char *)chunk + i * esz, value, esz);
    return 0;
}

int wk_h5_read_chunked(hid_t dset, hid_t dcpl, hid_t ftype, hid_t mtype, void *buf, const char *file,
                       const char *where)
{
    struct chunk_check c;
    hsize_t off[H5S_MAX_RANK] = {0};
    size_t esz = H5Tget_size(mtype);
    int rc = chunk_check_init(&c, dset, dcpl, file, where);
    if (rc > 0)
        rc = wk_fail(WK_EFORMAT, "'%s': %s: cannot read its chunks", file, where);
    else if (rc == 0 && c.by_index) /* only the stored chunks are visited */
        rc = fill_chunk(dcpl, mtype, esz, whole_elements(&c), buf);
    c.decode = 1;
    size_t n = (size_t)(c.chunk_bytes / (c.elem ? c.elem : 1)), widest = esz > c.elem ? esz : c.elem;
    unsigned char *conv = rc == 0 ? wk_malloc_array(n, widest) : NULL, *fill = NULL;
    if (rc == 0 && !conv)
        rc = WK_ENOMEM;
    for (hsize_t k = 0; rc == 0 && k < c.grid; k++) {
        const unsigned char *data;
        int present;
        rc = chunk_data(&c, off, k, &present, &data);
        if (rc == 0 && present) {
            memcpy(conv, data, (size_t)c.chunk_bytes);
            if (H5Tconvert(ftype, mtype, n, conv, NULL, H5P_DEFAULT) < 0)
                rc = wk_h5_fail(file, where);
            else
                place_chunk(&c, off, conv, esz, buf);
        } else if (rc == 0) {
            if (!fill && (!(fill = wk_malloc_array(n, esz)) || fill_chunk(dcpl, mtype, esz, n, fill) < 0))
                rc = fill ? wk_fail(WK_EINVAL, "'%s': %s: fill value too wide", file, where) : WK_ENOMEM;
            if (rc == 0)
                place_chunk(&c, off, fill, esz, buf);
        }
        next_chunk(&c, off);
    }
    free(conv);
    free(fill);
    chunk_check_free(&c);
    return rc;
}
