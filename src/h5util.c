/* h5util.c - typed helpers on HDF5 locations: groups, datasets, attributes.
 *
 * Every object created here is reproducible: no object timestamps, link
 * and attribute creation order tracked, fixed chunk shapes and filters.
 *
 * Error messages need the HDF5 error stack, which every HDF5 API call
 * (even H5Iget_name) clears on entry; so each function computes the names
 * it may report before doing any work, and calls wk_h5_fail() right after
 * the failing call, before closing anything. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>
#include <math.h>
#include <omp.h>

#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"
#include "file_internal.h"

#define MAX_RANK 4
#define PATH_LEN 1024
#define COMPRESS_MIN_BYTES 1024 /* smaller datasets stay contiguous */
#define CHUNK_ELEMS 65536       /* target elements per chunk */
#define COLUMN_CHUNK_MIN_ELEMS 512 /* column chunks: at least 2 KB of float32 */
#define DEFLATE_LEVEL_DEFAULT 1 /* named files; pipes get 0 */
#define DEFLATE_LEVEL_ENV "WORMKIT_DEFLATE_LEVEL"

/* The kinds of numbers the typed helpers move between memory and file. */
enum num_kind { NUM_FLOAT, NUM_DOUBLE, NUM_INT, NUM_UINT8 };

static hid_t num_mem_type(enum num_kind k)
{
    switch (k) {
    case NUM_FLOAT: return H5T_NATIVE_FLOAT;
    case NUM_DOUBLE: return H5T_NATIVE_DOUBLE;
    case NUM_INT: return H5T_NATIVE_INT;
    case NUM_UINT8: return H5T_NATIVE_UCHAR;
    }
    return -1;
}

static hid_t num_file_type(enum num_kind k)
{
    switch (k) {
    case NUM_FLOAT: return H5T_IEEE_F32LE;
    case NUM_DOUBLE: return H5T_IEEE_F64LE;
    case NUM_INT: return H5T_STD_I32LE;
    case NUM_UINT8: return H5T_STD_U8LE;
    }
    return -1;
}

static size_t num_size(enum num_kind k)
{
    switch (k) {
    case NUM_FLOAT: return sizeof(float);
    case NUM_DOUBLE: return sizeof(double);
    case NUM_INT: return sizeof(int);
    case NUM_UINT8: return 1;
    }
    return 1;
}

/* H5Dvlen_reclaim: the 1.10 name (H5Treclaim came with 1.12). */
static void reclaim_vlen(hid_t type, hid_t space, void *buf)
{
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf);
}

/* --- names for messages --- */

/* Absolute path of `name` relative to loc ("/recordings/w1/traces"). */
static void object_path(char *buf, size_t len, hid_t loc, const char *name)
{
    char base[PATH_LEN] = "/";
    int root;

    if (name && name[0] == '/') {
        snprintf(buf, len, "%s", name);
        return;
    }
    if (H5Iget_type(loc) != H5I_FILE && H5Iget_name(loc, base, sizeof base) <= 0)
        strcpy(base, "/");
    root = strcmp(base, "/") == 0;
    if (!name || !*name)
        snprintf(buf, len, "%s", base);
    else
        snprintf(buf, len, "%s%s%s", root ? "" : base, "/", name);
}

/* Message context of one object: file name and object path. */
struct where {
    const char *file;
    char path[PATH_LEN + 256];
};

static void where_init(struct where *w, hid_t loc, const char *name, const char *file)
{
    w->file = file ? file : wk_h5_file_name(loc);
    object_path(w->path, sizeof w->path, loc, name);
}

static int h5_fail(const struct where *w, const char *what)
{
    char msg[sizeof w->path + 64];
    snprintf(msg, sizeof msg, "%s: %s", w->path, what);
    return wk_h5_fail(w->file, msg);
}

/* --- property lists --- */

/* HDF5 1.10's H5Ocopy crashes on objects whose attributes moved to dense
 * storage (more than 8 by default) when one is a variable-length string
 * (fixed upstream in 1.14.4).  Keeping attributes compact avoids it. */
#define WK_MAX_COMPACT_ATTRS 1024
int wk_h5_keep_attrs_compact(hid_t ocpl)
{
    return H5Pset_attr_phase_change(ocpl, WK_MAX_COMPACT_ATTRS, 0) < 0 ? -1 : 0;
}

/* Groups: creation order of links and attributes tracked and indexed (so
 * recordings list in the order they were written), no timestamps. */
static hid_t group_plist(void)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

    if (gcpl < 0)
        return -1;
    if (H5Pset_link_creation_order(gcpl, order) < 0 || H5Pset_attr_creation_order(gcpl, order) < 0 ||
        H5Pset_obj_track_times(gcpl, 0) < 0 || wk_h5_keep_attrs_compact(gcpl) < 0) {
        H5Pclose(gcpl);
        return -1;
    }
    return gcpl;
}

/* Links are created with UTF-8 names and never create intermediate groups
 * implicitly (wk_h5_ensure_group does, with the right properties). */
static hid_t link_plist(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl >= 0 && H5Pset_char_encoding(lcpl, H5T_CSET_UTF8) < 0) {
        H5Pclose(lcpl);
        return -1;
    }
    return lcpl;
}

/* Chunks of about CHUNK_ELEMS elements made of whole trailing dimensions
 * where they fit: [T][C] data gets rows of min(T, max(1, 65536/C)) x C,
 * which suits the row-wise reads of the tools.  By column (float [T][C]
 * data with all-NaN columns, see mark_absent_columns): blocks of
 * min(T, 65536) rows x the fewest columns that make 512 elements, so a
 * neuron absent from a recording leaves whole chunks of the NaN fill value,
 * which are never written. */
static void chunk_shape(int rank, const hsize_t *dims, int by_column, hsize_t *chunk)
{
    hsize_t inner = 1;

    if (by_column) {
        chunk[0] = dims[0] < CHUNK_ELEMS ? dims[0] : CHUNK_ELEMS;
        chunk[1] = (COLUMN_CHUNK_MIN_ELEMS + chunk[0] - 1) / chunk[0];
        if (chunk[1] > dims[1])
            chunk[1] = dims[1];
        return;
    }
    for (int i = rank - 1; i >= 0; i--) {
        if (inner * dims[i] <= CHUNK_ELEMS) {
            chunk[i] = dims[i];
        } else {
            chunk[i] = CHUNK_ELEMS / inner;
            if (chunk[i] < 1)
                chunk[i] = 1;
        }
        inner *= chunk[i];
    }
}

/* --- compression level --- */

static int deflate_level_chosen = -1; /* wk_h5_set_deflate_level; -1: not set */

int wk_h5_set_deflate_level(int level)
{
    if (level < -1 || level > 9)
        return wk_fail(WK_EINVAL, "invalid deflate level %d (0 to 9)", level);
    deflate_level_chosen = level;
    return 0;
}

int wk_h5_deflate_level_option(const char *arg)
{
    long level;
    if (wk_parse_long(arg, 0, 9, "--level", &level) < 0)
        return WK_EUSAGE;
    return wk_h5_set_deflate_level((int)level);
}

/* WORMKIT_DEFLATE_LEVEL, read once: -1 when unset (or invalid: warned). */
static int env_deflate_level(void)
{
    static int level = -2;
    const char *s;
    char *end;
    long v;

    if (level != -2)
        return level;
    level = -1;
    s = getenv(DEFLATE_LEVEL_ENV);
    if (!s || !*s)
        return level;
    v = strtol(s, &end, 10);
    if (*end == '\0' && v >= 0 && v <= 9)
        level = (int)v;
    else
        wk_log(WK_LOG_WARN, "ignoring %s='%s' (not an integer from 0 to 9)", DEFLATE_LEVEL_ENV, s);
    return level;
}

/* An in-memory (core driver) output while stdout is a pipe or a socket:
 * the image goes to the next tool, which reads it at once. */
static int writes_to_pipe(hid_t loc)
{
    struct stat st;
    hid_t fid, fapl;
    int core;

    if (fstat(STDOUT_FILENO, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
        return 0;
    fid = H5Iget_file_id(loc);
    if (fid < 0)
        return 0;
    fapl = H5Fget_access_plist(fid);
    core = fapl >= 0 && H5Pget_driver(fapl) == H5FD_CORE;
    if (fapl >= 0)
        H5Pclose(fapl);
    H5Fclose(fid);
    return core;
}

int wk_h5_deflate_level(hid_t loc)
{
    int env;

    if (deflate_level_chosen >= 0)
        return deflate_level_chosen;
    env = env_deflate_level();
    if (env >= 0)
        return env;
    return writes_to_pipe(loc) ? 0 : DEFLATE_LEVEL_DEFAULT;
}

/* --- how a dataset is stored ---
 *
 * Level 0, small data and strings: contiguous and unfiltered.  Otherwise
 * chunked (chunk_shape) and deflated; float data has the fill value NaN,
 * so a chunk never written reads as NaN in any HDF5 reader, and the chunks
 * of all-NaN columns are not written at all (chunk_absent). */
struct storage {
    int level;           /* 0: contiguous */
    int by_column;       /* chunk_shape's column chunks */
    enum num_kind kind;  /* NUM_FLOAT and NUM_DOUBLE: fill value NaN */
    hsize_t chunk[MAX_RANK];
    unsigned char *absent; /* by_column: [C], 1 where the column is all NaN */
};

static int has_nan_fill(enum num_kind kind)
{
    return kind == NUM_FLOAT || kind == NUM_DOUBLE;
}

static void storage_clear(struct storage *st)
{
    free(st->absent);
    st->absent = NULL;
}

static size_t count_set(const unsigned char *flags, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += flags[i];
    return count;
}

/* Marks the all-NaN columns of float or double [rows][cols] data; returns
 * their count.  Branch-free over a row (x != x: NaN), so that it
 * vectorizes; stops once every column has shown a value. */
static size_t mark_absent_columns(unsigned char *absent, const void *data, enum num_kind kind, size_t rows,
                                  size_t cols)
{
    memset(absent, 1, cols);
    for (size_t t = 0; t < rows; t++) {
        if (kind == NUM_FLOAT) {
            const float *row = (const float *)data + t * cols;
#pragma omp simd
            for (size_t c = 0; c < cols; c++)
                absent[c] &= (unsigned char)(row[c] != row[c]);
        } else {
            const double *row = (const double *)data + t * cols;
#pragma omp simd
            for (size_t c = 0; c < cols; c++)
                absent[c] &= (unsigned char)(row[c] != row[c]);
        }
        if (t % 64 == 63 && count_set(absent, cols) == 0)
            return 0;
    }
    return count_set(absent, cols);
}

static int storage_choose(struct storage *st, hid_t loc, enum num_kind kind, int rank, const hsize_t *dims,
                          size_t bytes, const void *data)
{
    memset(st, 0, sizeof *st);
    st->kind = kind;
    st->level = rank > 0 && bytes > COMPRESS_MIN_BYTES ? wk_h5_deflate_level(loc) : 0;
    if (st->level == 0)
        return 0;
    if (has_nan_fill(kind) && rank == 2) {
        st->absent = malloc((size_t)dims[1]);
        if (!st->absent)
            return wk_fail(WK_ENOMEM, "out of memory");
        st->by_column = mark_absent_columns(st->absent, data, kind, (size_t)dims[0], (size_t)dims[1]) > 0;
        if (!st->by_column)
            storage_clear(st);
    }
    chunk_shape(rank, dims, st->by_column, st->chunk);
    return 0;
}

static int set_nan_fill(hid_t dcpl, enum num_kind kind)
{
    const float nan_float = NAN;
    const double nan_double = NAN;

    if (kind == NUM_FLOAT)
        return H5Pset_fill_value(dcpl, H5T_NATIVE_FLOAT, &nan_float) < 0 ? -1 : 0;
    return H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan_double) < 0 ? -1 : 0;
}

/* st NULL: contiguous (strings). */
static hid_t dataset_plist(int rank, const struct storage *st)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);

    if (dcpl < 0)
        return -1;
    if (H5Pset_obj_track_times(dcpl, 0) < 0 || wk_h5_keep_attrs_compact(dcpl) < 0)
        goto fail;
    if (st && st->level > 0) {
        /* No shuffle filter: traces are mostly NaN columns, which deflate
         * compresses better unshuffled (measured: 1.60 vs 1.83 MB). */
        if (H5Pset_chunk(dcpl, rank, st->chunk) < 0 || H5Pset_deflate(dcpl, (unsigned)st->level) < 0)
            goto fail;
        if (has_nan_fill(st->kind) && set_nan_fill(dcpl, st->kind) < 0)
            goto fail;
    }
    return dcpl;
fail:
    H5Pclose(dcpl);
    return -1;
}

/* --- chunks compressed in parallel ---
 *
 * HDF5 runs its filters on one thread.  For a deflated dataset whose
 * memory and file types agree, the chunks are compressed here with
 * libdeflate (zlib format, which HDF5's deflate filter reads) on as many
 * threads as OpenMP would use (OMP_NUM_THREADS, -@), one compressor per
 * thread, edge chunks padded with the fill value (NaN for floats, else 0)
 * as H5Dwrite pads them, and written in chunk order with H5Dwrite_chunk:
 * the same bytes whatever the thread count. */

struct chunk_grid {
    int rank;
    hsize_t dims[MAX_RANK], chunk[MAX_RANK], grid[MAX_RANK];
    size_t elem, chunk_bytes, n_chunks;
    int level;
    enum num_kind kind;
    const unsigned char *absent; /* chunks of these columns are not written; NULL: write all */
};

/* Whether chunk k of [T][C] data covers all-NaN columns only (and is not
 * written). */
static int chunk_absent(const struct chunk_grid *g, size_t k)
{
    size_t first, end;

    if (!g->absent)
        return 0;
    first = (size_t)(k % g->grid[1] * g->chunk[1]);
    end = first + (size_t)g->chunk[1] < (size_t)g->dims[1] ? first + (size_t)g->chunk[1] : (size_t)g->dims[1];
    for (size_t c = first; c < end; c++)
        if (!g->absent[c])
            return 0;
    return 1;
}

/* The reading half refuses a dataset above 16 MB that stores less than
 * 1/4096 of its bytes (check_storage, against hostile files; deflate
 * compresses at most ~1032:1): chunks are skipped there only while at
 * least a third of them is written. */
#define SKIP_ANY_BELOW_BYTES ((size_t)1 << 24)

static void chunk_skip_absent(struct chunk_grid *g, const unsigned char *absent)
{
    size_t written = 0;

    g->absent = absent;
    if (!absent || g->n_chunks * g->chunk_bytes <= SKIP_ANY_BELOW_BYTES)
        return;
    for (size_t k = 0; k < g->n_chunks; k++)
        written += !chunk_absent(g, k);
    if (3 * written < g->n_chunks)
        g->absent = NULL;
}

static void chunk_grid_init(struct chunk_grid *g, int rank, const hsize_t *dims, size_t elem,
                            const struct storage *st)
{
    g->rank = rank;
    g->elem = elem;
    g->level = st->level;
    g->kind = st->kind;
    g->chunk_bytes = elem;
    g->n_chunks = 1;
    for (int i = 0; i < rank; i++) {
        g->dims[i] = dims[i];
        g->chunk[i] = st->chunk[i];
        g->grid[i] = (dims[i] + g->chunk[i] - 1) / g->chunk[i];
        g->chunk_bytes *= (size_t)g->chunk[i];
        g->n_chunks *= (size_t)g->grid[i];
    }
    chunk_skip_absent(g, st->absent);
}

/* Element offset of chunk k (row-major over the grid); whether it
 * reaches past the extent. */
static int chunk_offset(const struct chunk_grid *g, size_t k, hsize_t *offset)
{
    int partial = 0;

    for (int i = g->rank - 1; i >= 0; i--) {
        offset[i] = (hsize_t)(k % g->grid[i]) * g->chunk[i];
        k /= g->grid[i];
        partial |= offset[i] + g->chunk[i] > g->dims[i];
    }
    return partial;
}

static void chunk_fill(const struct chunk_grid *g, unsigned char *buf)
{
    const float nan_float = NAN;
    const double nan_double = NAN;
    const void *fill = g->kind == NUM_FLOAT ? (const void *)&nan_float : (const void *)&nan_double;

    if (!has_nan_fill(g->kind)) {
        memset(buf, 0, g->chunk_bytes);
        return;
    }
    for (size_t at = 0; at + g->elem <= g->chunk_bytes; at += g->elem)
        memcpy(buf + at, fill, g->elem);
}

/* Rank 2 (traces, by row or by column): rows [r0, r1) of the chunk at
 * offset, one copy per row. */
static void chunk_gather_2d_rows(const struct chunk_grid *g, const unsigned char *data, const hsize_t *offset,
                                 size_t r0, size_t r1, unsigned char *buf)
{
    size_t rows = (size_t)(g->dims[0] - offset[0] < g->chunk[0] ? g->dims[0] - offset[0] : g->chunk[0]);
    size_t cols = (size_t)(g->dims[1] - offset[1] < g->chunk[1] ? g->dims[1] - offset[1] : g->chunk[1]);
    size_t src_stride = (size_t)g->dims[1] * g->elem, dst_stride = (size_t)g->chunk[1] * g->elem;
    size_t row_bytes = cols * g->elem;
    const unsigned char *src = data + ((size_t)offset[0] * (size_t)g->dims[1] + (size_t)offset[1]) * g->elem;

    if (r1 > rows)
        r1 = rows;
    if (row_bytes == sizeof(float)) /* one float column: a fixed-size copy */
        for (size_t r = r0; r < r1; r++)
            memcpy(buf + r * dst_stride, src + r * src_stride, sizeof(float));
    else
        for (size_t r = r0; r < r1; r++)
            memcpy(buf + r * dst_stride, src + r * src_stride, row_bytes);
}

/* Chunk at offset copied into buf, the fill value outside the extent
 * (any rank but 2, whose chunks gather_2d_range copies). */
static void chunk_gather(const struct chunk_grid *g, const unsigned char *data, const hsize_t *offset, int partial,
                         unsigned char *buf)
{
    int last = g->rank - 1;
    size_t rows = 1, row_len;

    if (partial)
        chunk_fill(g, buf);
    for (int i = 0; i < last; i++)
        rows *= (size_t)g->chunk[i];
    row_len = (size_t)(g->dims[last] - offset[last] < g->chunk[last] ? g->dims[last] - offset[last] : g->chunk[last]);
    for (size_t r = 0; r < rows; r++) {
        size_t rest = r, src = 0, scale = 1;
        int inside = 1;
        for (int i = last - 1; i >= 0; i--) {
            hsize_t at = offset[i] + rest % g->chunk[i];
            rest /= g->chunk[i];
            inside &= at < g->dims[i];
            scale *= (size_t)g->dims[i + 1];
            src += (size_t)at * scale;
        }
        if (inside)
            memcpy(buf + r * (size_t)g->chunk[last] * g->elem, data + (src + (size_t)offset[last]) * g->elem,
                   row_len * g->elem);
    }
}

/* HDF5's deflate filter fails (and the chunk is stored unfiltered, filter
 * mask 1) when the output exceeds ceil(1.001 n) + 12 bytes. */
static size_t hdf5_deflate_room(size_t n)
{
    return n + (n + 999) / 1000 + 12;
}

struct chunk_job {
    unsigned char *in, *out; /* chunk_bytes and out_room bytes */
    size_t out_len;          /* 0: stored raw */
    hsize_t offset[MAX_RANK];
    int partial;             /* reaches past the extent */
    int skip;                /* all NaN: not written */
};

/* One batch of chunks: the workers share the chunks to write (order[]),
 * worker k taking the k-th of equal contiguous slices, each with its own
 * compressor. */
#define MAX_WORKERS 64
#define BATCH_BYTES ((size_t)4 << 20) /* chunk bytes per batch (at least 4 chunks per worker) */
#define GATHER_TILE_ROWS 16

struct chunk_batch {
    const struct chunk_grid *g;
    const void *data;
    size_t workers, out_room, n_order;
    struct chunk_job *jobs;
    const size_t *order; /* [n_order]: the jobs to write */
    struct libdeflate_compressor **compressors;
};

struct chunk_worker {
    const struct chunk_batch *b;
    size_t k;
};

/* Offsets and skip flags of chunks start .. start + count - 1; their jobs
 * to write into order; returns how many. */
static size_t chunk_batch_prepare(const struct chunk_grid *g, struct chunk_job *jobs, size_t start, size_t count,
                                  size_t *order)
{
    size_t n = 0;

    for (size_t j = 0; j < count; j++) {
        jobs[j].partial = chunk_offset(g, start + j, jobs[j].offset);
        jobs[j].skip = chunk_absent(g, start + j);
        jobs[j].out_len = 0;
        if (!jobs[j].skip)
            order[n++] = j;
    }
    return n;
}

/* Rank 2: the chunks of jobs order[first..end) copied tile of rows by
 * tile of rows, so that the rows of data stay in cache while each chunk
 * (a column, say) takes its part. */
static void gather_2d_range(const struct chunk_batch *b, size_t first, size_t end)
{
    const struct chunk_grid *g = b->g;

    for (size_t i = first; i < end; i++)
        if (b->jobs[b->order[i]].partial)
            chunk_fill(g, b->jobs[b->order[i]].in);
    for (size_t r0 = 0; r0 < (size_t)g->chunk[0]; r0 += GATHER_TILE_ROWS)
        for (size_t i = first; i < end; i++) {
            struct chunk_job *job = &b->jobs[b->order[i]];
            chunk_gather_2d_rows(g, b->data, job->offset, r0, r0 + GATHER_TILE_ROWS, job->in);
        }
}

static void *chunk_worker_run(void *arg)
{
    const struct chunk_worker *w = arg;
    const struct chunk_batch *b = w->b;
    const struct chunk_grid *g = b->g;
    size_t first = b->n_order * w->k / b->workers, end = b->n_order * (w->k + 1) / b->workers;

    if (g->rank == 2)
        gather_2d_range(b, first, end);
    for (size_t i = first; i < end; i++) {
        struct chunk_job *job = &b->jobs[b->order[i]];
        if (g->rank != 2)
            chunk_gather(g, b->data, job->offset, job->partial, job->in);
        job->out_len = libdeflate_zlib_compress(b->compressors[w->k], job->in, g->chunk_bytes, job->out, b->out_room);
        if (job->out_len > hdf5_deflate_room(g->chunk_bytes))
            job->out_len = 0;
    }
    return NULL;
}

/* Threads started and joined per batch (rather than OpenMP's pool, which
 * outlives main and shows as possibly lost memory in valgrind); a worker
 * that cannot be started runs on this thread. */
static void chunk_batch_run(const struct chunk_batch *b)
{
    pthread_t tid[MAX_WORKERS];
    struct chunk_worker w[MAX_WORKERS];
    int started[MAX_WORKERS] = {0};

    w[0].b = b;
    w[0].k = 0;
    for (size_t k = 1; k < b->workers; k++) {
        w[k].b = b;
        w[k].k = k;
        started[k] = pthread_create(&tid[k], NULL, chunk_worker_run, &w[k]) == 0;
    }
    chunk_worker_run(&w[0]);
    for (size_t k = 1; k < b->workers; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            chunk_worker_run(&w[k]);
    }
}

static int chunk_store(hid_t dset, const struct chunk_grid *g, const struct chunk_job *job, const struct where *w)
{
    int stored_raw = job->out_len == 0;
    const unsigned char *bytes = stored_raw ? job->in : job->out;
    size_t len = stored_raw ? g->chunk_bytes : job->out_len;

    if (H5Dwrite_chunk(dset, H5P_DEFAULT, stored_raw ? 1u : 0u, job->offset, len, bytes) < 0)
        return h5_fail(w, "cannot write");
    return 0;
}

/* Buffers and compressors of write_chunks. */
struct chunk_work {
    struct chunk_job *jobs;
    size_t *order;
    unsigned char *in, *out;
    struct libdeflate_compressor *compressors[MAX_WORKERS];
    size_t batch, workers, out_room;
};

static void chunk_work_free(struct chunk_work *cw)
{
    for (size_t k = 0; k < cw->workers; k++)
        libdeflate_free_compressor(cw->compressors[k]);
    free(cw->jobs);
    free(cw->order);
    free(cw->in);
    free(cw->out);
    memset(cw, 0, sizeof *cw);
}

static int chunk_work_alloc(struct chunk_work *cw, const struct chunk_grid *g)
{
    size_t workers = (size_t)omp_get_max_threads();
    int ok = 1;

    memset(cw, 0, sizeof *cw);
    if (workers > MAX_WORKERS)
        workers = MAX_WORKERS;
    cw->batch = BATCH_BYTES / g->chunk_bytes;
    if (cw->batch < 4 * workers)
        cw->batch = 4 * workers;
    if (cw->batch > g->n_chunks)
        cw->batch = g->n_chunks;
    cw->workers = workers < cw->batch ? workers : cw->batch;
    for (size_t k = 0; k < cw->workers; k++)
        ok &= (cw->compressors[k] = libdeflate_alloc_compressor(g->level)) != NULL;
    cw->out_room = ok ? libdeflate_zlib_compress_bound(cw->compressors[0], g->chunk_bytes) : 0;
    cw->jobs = wk_calloc(cw->batch, sizeof *cw->jobs);
    cw->order = wk_malloc_array(cw->batch, sizeof *cw->order);
    cw->in = wk_malloc_array(cw->batch, g->chunk_bytes);
    cw->out = ok ? wk_malloc_array(cw->batch, cw->out_room) : NULL;
    if (!ok || !cw->jobs || !cw->order || !cw->in || !cw->out) {
        chunk_work_free(cw);
        return wk_fail(WK_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < cw->batch; j++) {
        cw->jobs[j].in = cw->in + j * g->chunk_bytes;
        cw->jobs[j].out = cw->out + j * cw->out_room;
    }
    return 0;
}

static int write_chunks(hid_t dset, const struct chunk_grid *g, const void *data, const struct where *w)
{
    struct chunk_work cw;
    int rc = chunk_work_alloc(&cw, g);

    for (size_t start = 0; rc == 0 && start < g->n_chunks; start += cw.batch) {
        size_t count = g->n_chunks - start < cw.batch ? g->n_chunks - start : cw.batch;
        struct chunk_batch b = {g, data, 0, cw.out_room, 0, cw.jobs, cw.order, cw.compressors};
        b.n_order = chunk_batch_prepare(g, cw.jobs, start, count, cw.order);
        b.workers = cw.workers < b.n_order ? cw.workers : b.n_order;
        if (b.workers > 0)
            chunk_batch_run(&b);
        for (size_t i = 0; rc == 0 && i < b.n_order; i++)
            rc = chunk_store(dset, g, &cw.jobs[cw.order[i]], w);
    }
    chunk_work_free(&cw);
    return rc;
}

/* Whether the chunks can be compressed here: deflate on, same bytes in
 * memory and file. */
static int compress_here(hid_t dcpl, hid_t ftype, hid_t mtype)
{
    return H5Pget_layout(dcpl) == H5D_CHUNKED && H5Tequal(ftype, mtype) > 0 && H5Tget_class(ftype) != H5T_STRING;
}

static hid_t vlen_string_type(H5T_cset_t cset)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return -1;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, cset) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* --- shapes --- */

/* Element count of a shape, refusing overflow and anything whose storage
 * as elements of `elem_size` bytes would exceed WK_MAX_ALLOC. */
static int count_elements(const struct where *w, int rank, const hsize_t *dims, size_t elem_size, size_t *n)
{
    size_t total = 1, bytes;

    if (rank < 0 || rank > MAX_RANK)
        return wk_fail(WK_ERANGE, "'%s': %s: rank %d is not supported (at most %d)", w->file, w->path, rank,
                       MAX_RANK);
    for (int i = 0; i < rank; i++) {
        if (dims[i] > SIZE_MAX || wk_size_mul(&total, total, (size_t)dims[i]) != 0)
            return wk_fail(WK_ERANGE, "'%s': %s: dimensions overflow", w->file, w->path);
    }
    if (wk_size_mul(&bytes, total, elem_size) != 0 || bytes > WK_MAX_ALLOC)
        return wk_fail(WK_ERANGE, "'%s': %s: %zu elements exceed the size limit of %zu bytes", w->file, w->path,
                       total, (size_t)WK_MAX_ALLOC);
    *n = total;
    return 0;
}

/* Shape of a dataspace (scalar: rank 0, one element; null: no element). */
static int space_shape(const struct where *w, hid_t space, size_t elem_size, int *rank, size_t *dims, size_t *n)
{
    hsize_t h[MAX_RANK];
    int r;
    H5S_class_t cls = H5Sget_simple_extent_type(space);

    if (cls == H5S_NULL) {
        *rank = 0;
        *n = 0;
        return 0;
    }
    r = H5Sget_simple_extent_ndims(space);
    if (r < 0)
        return h5_fail(w, "cannot read the shape");
    if (r > MAX_RANK)
        return wk_fail(WK_ERANGE, "'%s': %s: rank %d is not supported (at most %d)", w->file, w->path, r, MAX_RANK);
    if (H5Sget_simple_extent_dims(space, h, NULL) < 0)
        return h5_fail(w, "cannot read the shape");
    for (int i = 0; i < r; i++)
        if (dims)
            dims[i] = (size_t)h[i];
    *rank = r;
    return count_elements(w, r, h, elem_size, n);
}

static hid_t create_space(int rank, const hsize_t *dims)
{
    return rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
}

/* --- groups and existence --- */

/* Calls fn(prefix) for each leading part of path ("/a", "/a/b", "/a/b/c"
 * for "/a/b/c"; "a", "a/b" for "a/b"); stops at the first non-zero result. */
static int for_each_prefix(const char *path, int (*fn)(hid_t, const char *, int, void *), hid_t loc, void *ctx)
{
    char buf[PATH_LEN];
    size_t len = strlen(path);
    int rc;

    if (len >= sizeof buf)
        return wk_fail(WK_ERANGE, "'%s': HDF5 path too long: %.40s...", wk_h5_file_name(loc), path);
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        if (buf[i - 1] == '/') /* "//" or a trailing '/' */
            continue;
        buf[i] = '\0';
        rc = fn(loc, buf, i == len, ctx);
        if (i < len)
            buf[i] = '/';
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* 1 if the object at loc/name is a group, 0 if it is something else. */
static int is_group(hid_t loc, const char *name)
{
    hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
    int group;

    if (obj < 0)
        return -1;
    group = H5Iget_type(obj) == H5I_GROUP;
    H5Oclose(obj);
    return group;
}

static int prefix_exists(hid_t loc, const char *prefix, int last, void *ctx)
{
    struct where w;
    htri_t e;

    where_init(&w, loc, prefix, NULL);
    e = H5Lexists(loc, prefix, H5P_DEFAULT);
    if (e < 0)
        return h5_fail(&w, "cannot look up");
    if (e == 0 || (!last && is_group(loc, prefix) != 1)) {
        *(int *)ctx = 0;
        return 1; /* stop: missing */
    }
    return 0;
}

int wk_h5_exists(hid_t loc, const char *path)
{
    int found = 1;
    int rc = for_each_prefix(path, prefix_exists, loc, &found);
    return rc < 0 ? rc : found;
}

static int prefix_ensure(hid_t loc, const char *prefix, int last, void *ctx)
{
    struct where w;
    htri_t e;
    hid_t gcpl, lcpl, g;

    (void)last;
    (void)ctx;
    where_init(&w, loc, prefix, NULL);
    e = H5Lexists(loc, prefix, H5P_DEFAULT);
    if (e < 0)
        return h5_fail(&w, "cannot look up");
    if (e > 0) {
        int group = is_group(loc, prefix);
        if (group < 0)
            return h5_fail(&w, "cannot open");
        return group ? 0 : wk_fail(WK_EEXIST, "'%s': %s: exists and is not a group", w.file, w.path);
    }
    gcpl = group_plist();
    lcpl = link_plist();
    g = (gcpl < 0 || lcpl < 0) ? -1 : H5Gcreate2(loc, prefix, lcpl, gcpl, H5P_DEFAULT);
    if (g < 0) {
        int rc = h5_fail(&w, "cannot create group");
        H5Pclose(gcpl);
        H5Pclose(lcpl);
        return rc;
    }
    H5Gclose(g);
    H5Pclose(gcpl);
    H5Pclose(lcpl);
    return 0;
}

int wk_h5_ensure_group(hid_t loc, const char *path, hid_t *group_out)
{
    struct where w;
    int rc;

    if (group_out)
        *group_out = -1;
    where_init(&w, loc, path, NULL);
    rc = for_each_prefix(path, prefix_ensure, loc, NULL);
    if (rc < 0)
        return rc;
    if (group_out) {
        *group_out = H5Gopen2(loc, *path ? path : ".", H5P_DEFAULT);
        if (*group_out < 0)
            return h5_fail(&w, "cannot open group");
    }
    return 0;
}

/* Creates the groups above a dataset name that contains '/'. */
static int ensure_parent(hid_t loc, const char *name)
{
    char parent[PATH_LEN];
    const char *slash = strrchr(name, '/');
    size_t len;

    if (!slash || slash == name)
        return 0;
    len = (size_t)(slash - name);
    if (len >= sizeof parent)
        return wk_fail(WK_ERANGE, "'%s': HDF5 path too long: %.40s...", wk_h5_file_name(loc), name);
    memcpy(parent, name, len);
    parent[len] = '\0';
    return wk_h5_ensure_group(loc, parent, NULL);
}

/* Before creating name: parents exist, name itself does not. */
static int prepare_create(hid_t loc, const char *name, const struct where *w)
{
    int rc = ensure_parent(loc, name);
    if (rc < 0)
        return rc;
    rc = wk_h5_exists(loc, name);
    if (rc < 0)
        return rc;
    return rc ? wk_fail(WK_EEXIST, "'%s': %s: already exists", w->file, w->path) : 0;
}

/* --- dataset writes --- */

/* st NULL: contiguous, written by H5Dwrite (strings). */
static int create_and_write(hid_t loc, const char *name, const struct where *w, hid_t ftype, hid_t mtype,
                            int rank, const hsize_t *dims, size_t bytes, const void *data, const struct storage *st)
{
    hid_t space = -1, dcpl = -1, lcpl = -1, dset = -1;
    int rc = 0;

    space = create_space(rank, dims);
    dcpl = dataset_plist(rank, st);
    lcpl = link_plist();
    if (space < 0 || dcpl < 0 || lcpl < 0) {
        rc = h5_fail(w, "cannot create dataset");
        goto done;
    }
    dset = H5Dcreate2(loc, name, ftype, space, lcpl, dcpl, H5P_DEFAULT);
    if (dset < 0) {
        rc = h5_fail(w, "cannot create dataset");
        goto done;
    }
    if (bytes > 0 && st && compress_here(dcpl, ftype, mtype)) {
        struct chunk_grid g;
        chunk_grid_init(&g, rank, dims, H5Tget_size(ftype), st);
        rc = write_chunks(dset, &g, data, w);
    } else if (bytes > 0 && H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        rc = h5_fail(w, "cannot write");
    }
done:
    if (dset >= 0)
        H5Dclose(dset);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    return rc;
}

static int to_hsize(const struct where *w, int rank, const size_t *dims, size_t elem_size, hsize_t *h, size_t *n)
{
    if (rank < 0 || rank > MAX_RANK || (rank > 0 && !dims))
        return wk_fail(WK_EINVAL, "'%s': %s: rank %d is not supported (at most %d)", w->file, w->path, rank,
                       MAX_RANK);
    for (int i = 0; i < rank; i++)
        h[i] = (hsize_t)dims[i];
    return count_elements(w, rank, h, elem_size, n);
}

static int write_numeric(hid_t loc, const char *name, int rank, const size_t *dims, const void *data,
                         enum num_kind kind)
{
    struct where w;
    struct storage st;
    hsize_t h[MAX_RANK];
    size_t n;
    int rc;

    where_init(&w, loc, name, NULL);
    rc = to_hsize(&w, rank, dims, num_size(kind), h, &n);
    if (rc == 0 && n > 0 && !data)
        rc = wk_fail(WK_EINVAL, "'%s': %s: no data to write", w.file, w.path);
    if (rc == 0)
        rc = prepare_create(loc, name, &w);
    if (rc == 0)
        rc = storage_choose(&st, loc, kind, rank, h, n * num_size(kind), data);
    if (rc < 0)
        return rc;
    rc = create_and_write(loc, name, &w, num_file_type(kind), num_mem_type(kind), rank, h, n * num_size(kind), data,
                          &st);
    storage_clear(&st);
    return rc;
}

int wk_h5_write_float(hid_t loc, const char *name, int rank, const size_t *dims, const float *data)
{
    return write_numeric(loc, name, rank, dims, data, NUM_FLOAT);
}

int wk_h5_write_double(hid_t loc, const char *name, int rank, const size_t *dims, const double *data)
{
    return write_numeric(loc, name, rank, dims, data, NUM_DOUBLE);
}

int wk_h5_write_int(hid_t loc, const char *name, int rank, const size_t *dims, const int *data)
{
    return write_numeric(loc, name, rank, dims, data, NUM_INT);
}

int wk_h5_write_uint8(hid_t loc, const char *name, int rank, const size_t *dims, const unsigned char *data)
{
    return write_numeric(loc, name, rank, dims, data, NUM_UINT8);
}

/* Pointers to write as variable-length strings, NULL entries as "". */
static const char **string_pointers(size_t n, char *const *strings)
{
    const char **p = wk_calloc(n ? n : 1, sizeof *p);
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++)
        p[i] = strings[i] ? strings[i] : "";
    return p;
}

/* Variable-length strings live in the global heap, where filters do not
 * reach, so string datasets are always contiguous. */
int wk_h5_write_strings(hid_t loc, const char *name, size_t n, char *const *strings)
{
    struct where w;
    hsize_t h = n;
    size_t count;
    const char **p;
    hid_t type;
    int rc;

    where_init(&w, loc, name, NULL);
    rc = count_elements(&w, 1, &h, sizeof(char *), &count);
    if (rc == 0 && n > 0 && !strings)
        rc = wk_fail(WK_EINVAL, "'%s': %s: no strings to write", w.file, w.path);
    if (rc == 0)
        rc = prepare_create(loc, name, &w);
    if (rc < 0)
        return rc;
    p = string_pointers(n, strings);
    if (!p)
        return WK_ENOMEM;
    type = vlen_string_type(H5T_CSET_UTF8);
    if (type < 0)
        rc = h5_fail(&w, "cannot create string type");
    else
        rc = create_and_write(loc, name, &w, type, type, 1, &h, n * sizeof(char *), p, NULL);
    if (type >= 0)
        H5Tclose(type);
    free(p);
    return rc;
}

/* --- reading string data (datasets and attributes alike) --- */

struct source {
    hid_t obj;
    int is_attr;
};

/* Variable-length data of a dataset is allocated through this bound: no
 * string is longer than the file holding it, whatever length a damaged
 * heap reference claims (libhdf5 would allocate and copy gigabytes). */
static void *bounded_alloc(size_t size, void *info)
{
    return size > *(const size_t *)info ? NULL : malloc(size);
}

static void bounded_free(void *p, void *info)
{
    (void)info;
    free(p);
}

static herr_t bounded_dataset_read(hid_t dset, hid_t mtype, void *buf)
{
    hid_t fid = H5Iget_file_id(dset), dxpl;
    hsize_t file_size = 0;
    size_t max;
    herr_t e;

    if (fid < 0)
        return -1;
    e = H5Fget_filesize(fid, &file_size);
    H5Fclose(fid);
    if (e < 0)
        return -1;
    max = file_size >= SIZE_MAX ? SIZE_MAX : (size_t)file_size + 1;
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (dxpl < 0)
        return -1;
    e = H5Pset_vlen_mem_manager(dxpl, bounded_alloc, &max, bounded_free, NULL);
    if (e >= 0)
        e = H5Dread(dset, mtype, H5S_ALL, H5S_ALL, dxpl, buf);
    H5Pclose(dxpl);
    return e;
}

/* --- variable-length references: checked before libhdf5 follows them --- */

/* libhdf5 1.10 trusts the global heap references of variable-length data:
 * an object index past the collection's objects makes H5HG_read read out of
 * bounds and crash.  The references of a contiguous dataset (4-byte length,
 * 8-byte collection address, 4-byte object index) are checked against their
 * collections first, when the file's bytes are at hand (sec2 and in-memory
 * files with 8-byte offsets and lengths); anything else is left to libhdf5. */

/* Object sizes of one global heap collection, by index (size + 1; 0: none). */
static int sizes_are_8_bytes(hid_t fid)
{
    hid_t fcpl = H5Fget_create_plist(fid);
    size_t sizeof_addr = 0, sizeof_size = 0;

    if (fcpl < 0)
        return 0;
    if (H5Pget_sizes(fcpl, &sizeof_addr, &sizeof_size) < 0)
        sizeof_addr = 0;
    H5Pclose(fcpl);
    return sizeof_addr == 8 && sizeof_size == 8;
}

/* Files opened by the sec2 or core driver (outputs reopened for reading). */
static int raw_file_of_driver(hid_t fid, struct wk_h5_input *rf)
{
    hid_t fapl = H5Fget_access_plist(fid);
    void *handle = NULL;
    int rc = -1;

    hsize_t size = 0;

    if (fapl >= 0 && H5Fget_filesize(fid, &size) >= 0 && H5Fget_vfd_handle(fid, fapl, &handle) >= 0 &&
        handle) {
        rf->size = size;
        hid_t driver = H5Pget_driver(fapl);
        if (driver == H5FD_SEC2) {
            rf->fd = *(int *)handle;
            rc = 0;
        } else if (driver == H5FD_CORE && *(unsigned char **)handle) {
            rf->mem = *(unsigned char **)handle;
            rc = 0;
        }
    }
    if (fapl >= 0)
        H5Pclose(fapl);
    return rc;
}

static int open_raw_file(hid_t obj, struct wk_h5_input *rf)
{
    hid_t fid = H5Iget_file_id(obj);
    int rc = -1;

    rf->fd = -1;
    rf->mem = NULL;
    if (fid < 0)
        return -1;
    if (!sizes_are_8_bytes(fid)) {
        rc = -1;
    } else if (wk_h5vfd_input(fid, rf) == 0) { /* every input */
        rc = 0;
    } else {
        rf->fd = -1;
        rf->mem = NULL;
        rc = raw_file_of_driver(fid, rf);
    }
    H5Fclose(fid);
    return rc;
}

static int vlen_refs_sane(hid_t dset, size_t n, const struct where *w)
{
    haddr_t off = H5Dget_offset(dset);
    struct wk_h5_input rf;
    struct wk_h5_heap *heap = NULL;
    unsigned char *refs;
    int rc = 0;

    if (off == HADDR_UNDEF || n == 0 || n > WK_MAX_ALLOC / 16 || open_raw_file(dset, &rf) < 0)
        return 0;
    /* H5Dget_offset gives the data's place in the file; the references'
     * heap addresses are relative to the superblock's base (512 after a
     * user block) */
    uint64_t base = wk_h5_base_address(&rf);
    refs = malloc(n * 16);
    if (!refs || wk_h5_input_read(&rf, off, refs, n * 16) < 0)
        goto done; /* unchecked: libhdf5 decides */
    for (size_t i = 0; i < n; i++) {
        uint64_t held1;
        int ok = wk_h5_vlen_element_ok(&heap, &rf, base, 8, refs + i * 16, 1, &held1);
        if (ok < 0)
            break; /* unchecked: libhdf5 decides */
        if (!ok) {
            rc = wk_fail(WK_EFORMAT, "'%s': %s[%zu]: corrupt string reference", w->file, w->path, i);
            break;
        }
    }
done:
    free(refs);
    free(heap);
    return rc;
}

static herr_t source_read(struct source s, hid_t mtype, void *buf)
{
    return s.is_attr ? H5Aread(s.obj, mtype, buf) : bounded_dataset_read(s.obj, mtype, buf);
}

/* The size of a variable-length string's characters (1 in any sound file),
 * or 0 when unknown.  libhdf5 1.10 allocates every string's length times
 * this size to convert it: a damaged size made it allocate gigabytes.  Read
 * from the type's encoding: 2 bytes of header, the variable-length type's
 * datatype message (version and class, 3 bytes of flags, 4 of size), then
 * the character type's. */
static uint64_t vlen_char_size(hid_t type)
{
    unsigned char buf[64];
    size_t n = sizeof buf;

    if (H5Tencode(type, buf, &n) < 0 || n > sizeof buf || n < 18 || (buf[2] & 0x0f) != H5T_VLEN)
        return 0;
    return wk_h5_le(buf + 14, 4);
}

static int read_vlen_strings(struct source s, hid_t ftype, hid_t space, size_t n, char **out,
                             const struct where *w)
{
    uint64_t char_size = vlen_char_size(ftype);
    hid_t mtype;
    char **raw;
    int rc = 0;

    if (char_size > 1)
        return wk_fail(WK_EFORMAT, "'%s': %s: corrupt string type (characters of %llu bytes)", w->file, w->path,
                       (unsigned long long)char_size);
    mtype = vlen_string_type(H5Tget_cset(ftype));
    if (mtype < 0)
        return h5_fail(w, "cannot create string type");
    raw = wk_calloc(n, sizeof *raw);
    if (!raw) {
        H5Tclose(mtype);
        return WK_ENOMEM;
    }
    if (source_read(s, mtype, raw) < 0) {
        rc = h5_fail(w, "cannot read");
    } else {
        for (size_t i = 0; i < n && rc == 0; i++)
            if (!(out[i] = wk_strdup(raw[i] ? raw[i] : "")))
                rc = wk_fail(WK_ENOMEM, "out of memory");
        reclaim_vlen(mtype, space, raw);
    }
    free(raw);
    H5Tclose(mtype);
    return rc;
}

/* One fixed-length string: up to its size, stopping at a NUL, without the
 * trailing blanks of space-padded strings (as Fortran and MATLAB write). */
static char *fixed_string(const char *s, size_t size, H5T_str_t pad)
{
    size_t len = 0;
    char *out;

    while (len < size && s[len] != '\0')
        len++;
    if (pad == H5T_STR_SPACEPAD)
        while (len > 0 && s[len - 1] == ' ')
            len--;
    out = malloc(len + 1);
    if (out) {
        memcpy(out, s, len);
        out[len] = '\0';
    }
    return out;
}

static int read_fixed_strings(struct source s, hid_t ftype, size_t n, char **out, const struct where *w)
{
    size_t size = H5Tget_size(ftype), bytes;
    hid_t mtype;
    char *raw;
    int rc = 0;

    if (size == 0 || wk_size_mul(&bytes, n, size) != 0 || bytes > WK_MAX_ALLOC)
        return wk_fail(WK_ERANGE, "'%s': %s: strings exceed the size limit", w->file, w->path);
    mtype = H5Tcopy(ftype);
    if (mtype < 0)
        return h5_fail(w, "cannot read");
    raw = wk_calloc(bytes, 1);
    if (!raw) {
        H5Tclose(mtype);
        return WK_ENOMEM;
    }
    if (source_read(s, mtype, raw) < 0) {
        rc = h5_fail(w, "cannot read");
    } else {
        H5T_str_t pad = H5Tget_strpad(ftype);
        for (size_t i = 0; i < n && rc == 0; i++)
            if (!(out[i] = fixed_string(raw + i * size, size, pad)))
                rc = wk_fail(WK_ENOMEM, "out of memory");
    }
    free(raw);
    H5Tclose(mtype);
    return rc;
}

/* All strings of a dataset or attribute, fixed- or variable-length. */
static int read_strings(struct source s, hid_t ftype, hid_t space, size_t n, char ***out, const struct where *w)
{
    char **v = wk_calloc(n ? n : 1, sizeof *v);
    htri_t vlen = H5Tis_variable_str(ftype);
    int rc;

    if (!v)
        return WK_ENOMEM;
    if (n == 0)
        rc = 0;
    else if (vlen < 0)
        rc = h5_fail(w, "cannot read the string type");
    else if (vlen)
        rc = read_vlen_strings(s, ftype, space, n, v, w);
    else
        rc = read_fixed_strings(s, ftype, n, v, w);
    if (rc < 0) {
        wk_strv_free(v, n);
        return rc;
    }
    *out = v;
    return 0;
}

/* --- dataset reads --- */

static hid_t open_dataset(hid_t loc, const char *name, const struct where *w, int *rc)
{
    hid_t dset;
    int e = wk_h5_exists(loc, name);

    if (e <= 0) {
        *rc = e < 0 ? e : wk_fail(WK_ENOTFOUND, "'%s': %s: not found", w->file, w->path);
        return -1;
    }
    dset = H5Dopen2(loc, name, H5P_DEFAULT);
    if (dset < 0)
        *rc = h5_fail(w, "cannot open dataset");
    return dset;
}

/* A dataset whose shape claims far more data than the file stores for it
 * (storage allocated lazily and never written, as a hostile or truncated
 * file can declare) is refused before anything is allocated.  Compression
 * (deflate: at most ~1032:1) stays well inside the allowed ratio. */
#define UNSTORED_BYTES_OK ((hsize_t)1 << 24)
#define MAX_STORAGE_RATIO 4096

/* Chunks up to this size are fine even when larger than their dataset
 * (small extendible datasets often have them). */
#define WK_CHUNK_BYTES_OK ((hsize_t)1 << 24)

static int chunk_ok(hid_t dset, hid_t dcpl, int space_rank, size_t elem, hsize_t claimed, const char *file,
                    const char *where, int walk)
{
    hsize_t dims[H5S_MAX_RANK];
    int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, dims);
    if (rank <= 0) return 0; /* the read reports it */
    /* libhdf5 1.10 reads a scalar dataset with chunks of rank 2 by making
     * millions of allocations until memory runs out. */
    if (rank != space_rank)
        return wk_fail(WK_EFORMAT, "'%s': %s: chunks of rank %d in a dataset of rank %d", file, where, rank,
                       space_rank);
    /* Chunks wider than a fixed dimension cannot be made by HDF5; libhdf5
     * 1.10 copies such a chunk's full size out of the shorter one stored. */
    hsize_t cur[H5S_MAX_RANK], maxdims[H5S_MAX_RANK];
    hid_t space = H5Dget_space(dset);
    int n = space >= 0 ? H5Sget_simple_extent_dims(space, cur, maxdims) : -1;
    if (space >= 0)
        H5Sclose(space);
    for (int i = 0; i < n && i < rank; i++)
        if (maxdims[i] != H5S_UNLIMITED && cur[i] > maxdims[i])
            return wk_fail(WK_EFORMAT, "'%s': %s: dimension %d (%llu) exceeds its maximum (%llu)", file, where,
                           i + 1, (unsigned long long)cur[i], (unsigned long long)maxdims[i]);
    for (int i = 0; i < n && i < rank; i++)
        if (maxdims[i] != H5S_UNLIMITED && dims[i] > maxdims[i])
            return wk_fail(WK_EFORMAT, "'%s': %s: chunk dimension %d (%llu) exceeds the dataset's (%llu)", file,
                           where, i + 1, (unsigned long long)dims[i], (unsigned long long)maxdims[i]);
    hsize_t bytes = elem;
    for (int i = 0; i < rank; i++) {
        if (dims[i] && bytes > (hsize_t)-1 / dims[i])
            return wk_fail(WK_EFORMAT, "'%s': %s: chunk dimensions overflow", file, where);
        bytes *= dims[i];
    }
    if (bytes > WK_CHUNK_BYTES_OK && bytes > claimed)
        return wk_fail(WK_EFORMAT, "'%s': %s: chunk of %llu bytes is larger than the whole dataset (%llu bytes)",
                       file, where, (unsigned long long)bytes, (unsigned long long)claimed);
    return walk ? wk_h5_chunks_ok(dset, dcpl, file, where) : 0;
}

/* The storage of dset against its shape; the chunk walk only with walk set
 * (a dataset that wk_h5_read_chunked reads is checked as it is read). */
static int layout_check(hid_t dset, const char *file, const char *where, int walk)
{
    hid_t dcpl = H5Dget_create_plist(dset);
    H5D_layout_t layout = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
    hid_t space = H5Dget_space(dset), type = H5Dget_type(dset);
    hssize_t points = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    int space_rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    size_t elem = type >= 0 ? H5Tget_size(type) : 0;
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    int rc = 0;
    if (points <= 0 || elem == 0) {
        rc = 0; /* the reader reports these */
    } else if (layout == H5D_CHUNKED) {
        hsize_t claimed = (hsize_t)points > (hsize_t)-1 / elem ? (hsize_t)-1 : (hsize_t)points * elem;
        rc = chunk_ok(dset, dcpl, space_rank, elem, claimed, file, where, walk);
    } else if (layout == H5D_COMPACT) {
        hsize_t stored = H5Dget_storage_size(dset);
        if ((hsize_t)points > stored / elem)
            rc = wk_fail(WK_EFORMAT, "'%s': %s: compact storage holds %llu of the %llu bytes its shape needs",
                         file, where, (unsigned long long)stored, (unsigned long long)points * elem);
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    return rc;
}

int wk_h5_layout_ok(hid_t dset, const char *file, const char *where)
{
    return layout_check(dset, file, where, 1);
}

static int check_storage(hid_t dset, hid_t ftype, size_t n, const struct where *w, int walk)
{
    size_t elem = H5Tget_size(ftype);
    hsize_t claimed, stored;

    if (elem == 0 || n > (hsize_t)-1 / elem)
        return wk_fail(WK_ERANGE, "'%s': %s: dimensions overflow", w->file, w->path);
    int rc = layout_check(dset, w->file, w->path, walk);
    if (rc)
        return rc;
    claimed = (hsize_t)n * elem;
    if (claimed <= UNSTORED_BYTES_OK)
        return 0;
    stored = H5Dget_storage_size(dset);
    if (stored >= claimed / MAX_STORAGE_RATIO)
        return 0;
    return wk_fail(WK_ERANGE, "'%s': %s: shape claims %zu elements but the file stores only %llu bytes of them",
                   w->file, w->path, n, (unsigned long long)stored);
}

static int is_number_class(H5T_class_t c)
{
    return c == H5T_INTEGER || c == H5T_FLOAT;
}

/* libhdf5 1.10 converts numbers by bit fields it trusts: a damaged
 * precision, offset or float field overruns a stack buffer in
 * H5T__bit_get_d.  Every field must lie within the type's bytes. */
int wk_h5_number_bits_ok(hid_t type)
{
    size_t size = H5Tget_size(type), precision = H5Tget_precision(type);
    int offset = H5Tget_offset(type);
    size_t spos, epos, esize, mpos, msize;

    if (size == 0 || size > 16 || precision == 0 || offset < 0 || (size_t)offset + precision > 8 * size)
        return 0;
    if (H5Tget_class(type) != H5T_FLOAT)
        return 1;
    if (H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize) < 0)
        return 0;
    return spos < precision && esize > 0 && esize < 64 && epos + esize <= precision && msize > 0 &&
           mpos + msize <= precision;
}

static int read_numeric(hid_t loc, const char *name, const char *file, int *rank, size_t *dims, void **data,
                        enum num_kind kind)
{
    struct where w;
    hid_t dset, type = -1, space = -1;
    size_t n = 0;
    void *buf = NULL;
    int rc = 0;

    *data = NULL;
    where_init(&w, loc, name, file);
    dset = open_dataset(loc, name, &w, &rc);
    if (dset < 0)
        return rc;
    type = H5Dget_type(dset);
    space = H5Dget_space(dset);
    if (type < 0 || space < 0)
        rc = h5_fail(&w, "cannot read the type and shape");
    else if (!is_number_class(H5Tget_class(type)))
        rc = wk_fail(WK_EFORMAT, "'%s': %s: expected numbers", w.file, w.path);
    else if (!wk_h5_number_bits_ok(type))
        rc = wk_fail(WK_EFORMAT, "'%s': %s: corrupt number type (bit fields outside its %zu bytes)", w.file, w.path,
                     H5Tget_size(type));
    else
        rc = space_shape(&w, space, num_size(kind), rank, dims, &n);
    hid_t dcpl = rc == 0 ? H5Dget_create_plist(dset) : -1;
    int ours = dcpl >= 0 && wk_h5_reads_chunks_itself(dcpl);
    if (rc == 0)
        rc = check_storage(dset, type, n, &w, !ours);
    if (rc == 0 && !(buf = wk_calloc(n ? n : 1, num_size(kind))))
        rc = WK_ENOMEM;
    if (rc == 0 && n > 0 && ours)
        rc = wk_h5_read_chunked(dset, dcpl, type, num_mem_type(kind), buf, w.file, w.path);
    else if (rc == 0 && n > 0 && H5Dread(dset, num_mem_type(kind), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        rc = h5_fail(&w, "cannot read");
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (rc < 0) {
        free(buf);
        buf = NULL;
    }
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    H5Dclose(dset);
    *data = buf;
    return rc;
}

int wk_h5_read_float(hid_t loc, const char *name, const char *file, int *rank, size_t *dims, float **data)
{
    void *p;
    int rc = read_numeric(loc, name, file, rank, dims, &p, NUM_FLOAT);
    *data = p;
    return rc;
}

int wk_h5_read_double(hid_t loc, const char *name, const char *file, int *rank, size_t *dims, double **data)
{
    void *p;
    int rc = read_numeric(loc, name, file, rank, dims, &p, NUM_DOUBLE);
    *data = p;
    return rc;
}

int wk_h5_read_int(hid_t loc, const char *name, const char *file, int *rank, size_t *dims, int **data)
{
    void *p;
    int rc = read_numeric(loc, name, file, rank, dims, &p, NUM_INT);
    *data = p;
    return rc;
}

int wk_h5_read_uint8(hid_t loc, const char *name, const char *file, int *rank, size_t *dims, unsigned char **data)
{
    void *p;
    int rc = read_numeric(loc, name, file, rank, dims, &p, NUM_UINT8);
    *data = p;
    return rc;
}

int wk_h5_read_strings(hid_t loc, const char *name, const char *file, size_t *n, char ***strings)
{
    struct where w;
    hid_t dset, type = -1, space = -1;
    size_t count = 0;
    int rank, rc = 0;

    *n = 0;
    *strings = NULL;
    where_init(&w, loc, name, file);
    dset = open_dataset(loc, name, &w, &rc);
    if (dset < 0)
        return rc;
    type = H5Dget_type(dset);
    space = H5Dget_space(dset);
    if (type < 0 || space < 0)
        rc = h5_fail(&w, "cannot read the type and shape");
    else if (H5Tget_class(type) != H5T_STRING)
        rc = wk_fail(WK_EFORMAT, "'%s': %s: expected strings", w.file, w.path);
    else
        rc = space_shape(&w, space, sizeof(char *), &rank, NULL, &count);
    if (rc == 0)
        rc = check_storage(dset, type, count, &w, 1);
    if (rc == 0 && H5Tis_variable_str(type) > 0)
        rc = vlen_refs_sane(dset, count, &w);
    if (rc == 0) {
        struct source s = {dset, 0};
        rc = read_strings(s, type, space, count, strings, &w);
    }
    if (rc == 0)
        *n = count;
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    H5Dclose(dset);
    return rc;
}

/* --- attributes --- */

/* Attribute context for messages: "'f': /recordings/w1: attribute 'dt'". */
static void attr_where(struct where *w, hid_t loc, const char *name)
{
    char obj[PATH_LEN];
    w->file = wk_h5_file_name(loc);
    object_path(obj, sizeof obj, loc, NULL);
    snprintf(w->path, sizeof w->path, "%s: attribute '%.200s'", obj, name);
}

static int write_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hid_t space, const void *buf,
                      const struct where *w)
{
    htri_t e = H5Aexists(loc, name);
    hid_t attr;

    if (e < 0)
        return h5_fail(w, "cannot look up");
    if (e > 0 && H5Adelete(loc, name) < 0)
        return h5_fail(w, "cannot replace");
    attr = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0)
        return h5_fail(w, "cannot create");
    if (buf && H5Awrite(attr, mtype, buf) < 0) {
        int rc = h5_fail(w, "cannot write");
        H5Aclose(attr);
        return rc;
    }
    H5Aclose(attr);
    return 0;
}

static int write_scalar_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *buf)
{
    struct where w;
    hid_t space;
    int rc;

    attr_where(&w, loc, name);
    space = H5Screate(H5S_SCALAR);
    if (space < 0)
        return h5_fail(&w, "cannot create");
    rc = write_attr(loc, name, ftype, mtype, space, buf, &w);
    H5Sclose(space);
    return rc;
}

int wk_h5_set_attr_string(hid_t loc, const char *name, const char *value)
{
    const char *v = value ? value : "";
    hid_t type = vlen_string_type(H5T_CSET_UTF8);
    int rc;

    if (type < 0)
        return wk_fail(WK_EHDF5, "cannot create an HDF5 string type");
    rc = write_scalar_attr(loc, name, type, type, &v);
    H5Tclose(type);
    return rc;
}

int wk_h5_set_attr_double(hid_t loc, const char *name, double value)
{
    return write_scalar_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

int wk_h5_set_attr_long(hid_t loc, const char *name, long value)
{
    return write_scalar_attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_LONG, &value);
}

int wk_h5_set_attr_strings(hid_t loc, const char *name, size_t n, char *const *values)
{
    struct where w;
    hsize_t h = n;
    hid_t type = -1, space = -1;
    const char **p = NULL;
    int rc = 0;

    attr_where(&w, loc, name);
    if (n > 0 && !values)
        return wk_fail(WK_EINVAL, "'%s': %s: no strings to write", w.file, w.path);
    p = string_pointers(n, values);
    if (!p)
        return WK_ENOMEM;
    type = vlen_string_type(H5T_CSET_UTF8);
    space = H5Screate_simple(1, &h, NULL);
    if (type < 0 || space < 0)
        rc = h5_fail(&w, "cannot create");
    else
        rc = write_attr(loc, name, type, type, space, n > 0 ? p : NULL, &w);
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    free(p);
    return rc;
}

/* Opens an attribute with its type and shape; WK_ENOTFOUND (silently)
 * when absent.  Closes whatever it opened on failure. */
struct attr {
    hid_t id, type, space;
    size_t n;
    struct where w;
};

static void attr_close(struct attr *a)
{
    if (a->space >= 0)
        H5Sclose(a->space);
    if (a->type >= 0)
        H5Tclose(a->type);
    if (a->id >= 0)
        H5Aclose(a->id);
}

static int attr_open(struct attr *a, hid_t loc, const char *name, size_t elem_size)
{
    htri_t e;
    int rank, rc;

    a->id = a->type = a->space = -1;
    attr_where(&a->w, loc, name);
    e = H5Aexists(loc, name);
    if (e < 0)
        return h5_fail(&a->w, "cannot look up");
    if (e == 0)
        return WK_ENOTFOUND;
    a->id = H5Aopen(loc, name, H5P_DEFAULT);
    if (a->id >= 0) {
        a->type = H5Aget_type(a->id);
        a->space = H5Aget_space(a->id);
    }
    if (a->id < 0 || a->type < 0 || a->space < 0) {
        rc = h5_fail(&a->w, "cannot open");
        attr_close(a);
        return rc;
    }
    rc = space_shape(&a->w, a->space, elem_size, &rank, NULL, &a->n);
    if (rc < 0)
        attr_close(a);
    return rc;
}

/* A scalar number attribute (or a one-element array) read as mtype. */
static int get_number_attr(hid_t loc, const char *name, hid_t mtype, int integer_only, void *value)
{
    struct attr a;
    H5T_class_t cls;
    int rc = attr_open(&a, loc, name, 8);

    if (rc < 0)
        return rc;
    cls = H5Tget_class(a.type);
    if (integer_only ? cls != H5T_INTEGER : !is_number_class(cls))
        rc = wk_fail(WK_EFORMAT, "'%s': %s: expected %s", a.w.file, a.w.path, integer_only ? "an integer" : "a number");
    else if (a.n != 1)
        rc = wk_fail(WK_EFORMAT, "'%s': %s: expected a single value, got %zu", a.w.file, a.w.path, a.n);
    else if (H5Aread(a.id, mtype, value) < 0)
        rc = h5_fail(&a.w, "cannot read");
    attr_close(&a);
    return rc;
}

int wk_h5_get_attr_double(hid_t loc, const char *name, double *value)
{
    return get_number_attr(loc, name, H5T_NATIVE_DOUBLE, 0, value);
}

int wk_h5_get_attr_long(hid_t loc, const char *name, long *value)
{
    return get_number_attr(loc, name, H5T_NATIVE_LONG, 1, value);
}

static int get_string_attr(hid_t loc, const char *name, char ***values, size_t *n, int single)
{
    struct attr a;
    int rc = attr_open(&a, loc, name, sizeof(char *));

    if (rc < 0)
        return rc;
    if (H5Tget_class(a.type) != H5T_STRING)
        rc = wk_fail(WK_EFORMAT, "'%s': %s: expected %s", a.w.file, a.w.path, single ? "a string" : "strings");
    else if (single && a.n != 1)
        rc = wk_fail(WK_EFORMAT, "'%s': %s: expected a single string, got %zu", a.w.file, a.w.path, a.n);
    else {
        struct source s = {a.id, 1};
        rc = read_strings(s, a.type, a.space, a.n, values, &a.w);
    }
    if (rc == 0)
        *n = a.n;
    attr_close(&a);
    return rc;
}

int wk_h5_get_attr_string(hid_t loc, const char *name, char **value)
{
    char **v;
    size_t n;
    int rc;

    *value = NULL;
    rc = get_string_attr(loc, name, &v, &n, 1);

    if (rc < 0)
        return rc;
    *value = v[0];
    free(v);
    return 0;
}

int wk_h5_get_attr_strings(hid_t loc, const char *name, char ***values, size_t *n)
{
    *values = NULL;
    *n = 0;
    return get_string_attr(loc, name, values, n, 0);
}
