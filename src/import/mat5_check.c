/* mat5_check.c - walk a MAT v5 file before libmatio reads it.
 *
 * libmatio allocates whatever a variable's header claims (its dimensions,
 * a cell's element count, a data element's byte count) before it finds
 * that the file does not hold it, so a damaged or hostile header costs
 * gigabytes.  This walk reads every variable sequentially (through zlib
 * for compressed ones) without allocating, and refuses a file whose
 * claims are not backed by bytes that are really there: every element
 * must fit in its parent and in the file, an array's dimensions must not
 * need more values than its data element holds, a cell or struct must not
 * claim more elements than its bytes can hold. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <zlib.h>

#include "import/matlab_internal.h"
#include "wormkit/wk_error.h"

enum {
    MI_INT8 = 1, MI_UINT8 = 2, MI_INT16 = 3, MI_UINT16 = 4, MI_INT32 = 5, MI_UINT32 = 6,
    MI_SINGLE = 7, MI_DOUBLE = 9, MI_INT64 = 12, MI_UINT64 = 13, MI_MATRIX = 14,
    MI_COMPRESSED = 15, MI_UTF8 = 16, MI_UTF16 = 17, MI_UTF32 = 18
};
enum { MX_CELL = 1, MX_STRUCT = 2, MX_OBJECT = 3, MX_CHAR = 4, MX_SPARSE = 5 };
enum { MAT5_MAX_DEPTH = 32, MAT5_COMPLEX = 0x800 };

/* The byte source of one top-level variable: the file itself, or the zlib
 * stream of a compressed element. */
struct mat5_walk {
    FILE *fp;
    const char *path;
    uint64_t size;      /* of the file */
    int swap;           /* the file's byte order differs from ours */
    int compressed;
    uint64_t zin_left;  /* compressed bytes not yet given to zlib */
    z_stream z;
    unsigned char zin[16384];
    unsigned char scratch[4096]; /* inflated bytes that are skipped */
    char var[64];       /* the variable's name, for messages */
    long long at;       /* the variable's byte offset, for messages */
};

static int bad(const struct mat5_walk *w, const char *why)
{
    if (w->var[0])
        return wk_fail(WK_EFORMAT, "'%s': MAT variable '%s': %s", w->path, w->var, why);
    return wk_fail(WK_EFORMAT, "'%s': MAT variable at byte %lld: %s", w->path, w->at, why);
}

static int truncated(const struct mat5_walk *w)
{
    return bad(w, "truncated or corrupt (its header claims more data than the file holds)");
}

static uint32_t u32(const struct mat5_walk *w, const unsigned char *b)
{
    uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    if (w->swap) v = (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
    return v;
}

/* Read exactly n bytes of the current source (buf NULL: discard them). */
static int take(struct mat5_walk *w, unsigned char *buf, uint64_t n)
{
    if (!w->compressed) {
        off_t at = ftello(w->fp);
        if (at < 0 || n > w->size - (uint64_t)at) return truncated(w);
        if (!buf) return fseeko(w->fp, (off_t)n, SEEK_CUR) == 0 ? 0 : truncated(w);
        return fread(buf, 1, (size_t)n, w->fp) == n ? 0 : truncated(w);
    }
    while (n > 0) {
        size_t chunk = n < sizeof w->scratch ? (size_t)n : sizeof w->scratch;
        w->z.next_out = buf ? buf : w->scratch;
        w->z.avail_out = (uInt)chunk;
        while (w->z.avail_out > 0) {
            if (w->z.avail_in == 0 && w->zin_left > 0) {
                size_t want = w->zin_left < sizeof w->zin ? (size_t)w->zin_left : sizeof w->zin;
                if (fread(w->zin, 1, want, w->fp) != want) return truncated(w);
                w->zin_left -= want;
                w->z.next_in = w->zin;
                w->z.avail_in = (uInt)want;
            }
            int zrc = inflate(&w->z, Z_NO_FLUSH);
            if ((zrc == Z_STREAM_END && w->z.avail_out > 0) || zrc == Z_BUF_ERROR) return truncated(w);
            if (zrc != Z_OK && zrc != Z_STREAM_END) return bad(w, "corrupt compressed data");
        }
        if (buf) buf += chunk;
        n -= chunk;
    }
    return 0;
}

/* Consume n bytes of a parent holding *left. */
static int consume(struct mat5_walk *w, uint64_t *left, unsigned char *buf, uint64_t n)
{
    if (n > *left) return truncated(w);
    *left -= n;
    return take(w, buf, n);
}

static uint64_t padded(uint64_t n)
{
    return (n + 7) / 8 * 8;
}

/* A data element's tag: type and byte count; *small when the data sit in
 * the tag's last four bytes (then data holds them). */
struct mat5_tag {
    uint32_t type, nbytes;
    int small;
    unsigned char data[4];
};

static int read_tag(struct mat5_walk *w, uint64_t *left, struct mat5_tag *t)
{
    unsigned char b[8];
    int rc = consume(w, left, b, 8);
    if (rc < 0) return rc;
    uint32_t first = u32(w, b);
    t->small = (first >> 16) != 0;
    if (t->small) {
        t->type = first & 0xffffu;
        t->nbytes = first >> 16;
        if (t->nbytes > 4) return bad(w, "corrupt data element tag");
        memcpy(t->data, b + 4, 4);
    } else {
        t->type = first;
        t->nbytes = u32(w, b + 4);
    }
    return 0;
}

/* The element's data after its tag and the `done` bytes of it already
 * read, with the padding to 8 bytes. */
static int skip_data_from(struct mat5_walk *w, uint64_t *left, const struct mat5_tag *t, uint64_t done)
{
    if (t->small) return 0;
    uint64_t n = padded(t->nbytes);
    if (n - done > *left) n = t->nbytes; /* the last element may lack its padding */
    return consume(w, left, NULL, n - done);
}

static int skip_data(struct mat5_walk *w, uint64_t *left, const struct mat5_tag *t)
{
    return skip_data_from(w, left, t, 0);
}

static unsigned type_size(uint32_t type)
{
    switch (type) {
    case MI_INT8: case MI_UINT8: case MI_UTF8: return 1;
    case MI_INT16: case MI_UINT16: case MI_UTF16: return 2;
    case MI_INT32: case MI_UINT32: case MI_SINGLE: case MI_UTF32: return 4;
    case MI_DOUBLE: case MI_INT64: case MI_UINT64: return 8;
    default: return 0;
    }
}

/* A numeric or char array's data element: enough values for `count`. */
static int check_values(struct mat5_walk *w, uint64_t *left, uint64_t count)
{
    if (count == 0 && *left == 0) return 0; /* an empty array may omit it */
    struct mat5_tag t;
    int rc = read_tag(w, left, &t);
    if (rc < 0) return rc;
    unsigned size = type_size(t.type);
    if (size == 0) return bad(w, "unknown data type");
    if (count > t.nbytes / size) {
        char why[160];
        snprintf(why, sizeof why, "its dimensions claim %" PRIu64 " values, its data hold %" PRIu32,
                 count, t.nbytes / size);
        return bad(w, why);
    }
    return skip_data(w, left, &t);
}

static int check_matrix(struct mat5_walk *w, uint64_t left, int depth);

/* `count` nested arrays (cell elements, struct fields). */
static int check_children(struct mat5_walk *w, uint64_t *left, uint64_t count, int depth)
{
    if (count > *left / 8) {
        char why[160];
        snprintf(why, sizeof why, "claims %" PRIu64 " elements, its %" PRIu64 " bytes hold at most %" PRIu64,
                 count, *left, *left / 8);
        return bad(w, why);
    }
    for (uint64_t i = 0; i < count; i++) {
        struct mat5_tag t;
        int rc = read_tag(w, left, &t);
        if (rc < 0) return rc;
        if (t.type != MI_MATRIX || t.small) return bad(w, "corrupt cell or struct element");
        if (t.nbytes > *left) return truncated(w);
        *left -= t.nbytes;
        if ((rc = check_matrix(w, t.nbytes, depth + 1)) < 0) return rc;
    }
    return 0;
}

/* A struct's (or object's) field names, then its fields' arrays. */
static int check_struct(struct mat5_walk *w, uint64_t *left, uint64_t count, int depth)
{
    struct mat5_tag t;
    int rc = read_tag(w, left, &t);
    if (rc < 0) return rc;
    if (!t.small || t.nbytes != 4) return bad(w, "corrupt struct field name length");
    uint32_t len = u32(w, t.data);
    if ((rc = read_tag(w, left, &t)) < 0) return rc;
    uint64_t fields = len ? t.nbytes / len : 0;
    if ((rc = skip_data(w, left, &t)) < 0) return rc;
    if (fields && count > UINT64_MAX / fields) return bad(w, "too many struct elements");
    return check_children(w, left, count * fields, depth);
}

/* The contents of an miMATRIX element of `left` bytes. */
static int check_matrix(struct mat5_walk *w, uint64_t left, int depth)
{
    if (left == 0) return 0; /* an empty array in a cell */
    if (depth > MAT5_MAX_DEPTH) return bad(w, "nested too deeply");
    struct mat5_tag t;
    unsigned char flags[8];
    int rc = read_tag(w, &left, &t);
    if (rc < 0) return rc;
    if (t.small || t.nbytes != 8) return bad(w, "corrupt array flags");
    if ((rc = consume(w, &left, flags, 8)) < 0) return rc;
    uint32_t cls = u32(w, flags) & 0xffu;
    int is_complex = (u32(w, flags) & MAT5_COMPLEX) != 0;

    if ((rc = read_tag(w, &left, &t)) < 0) return rc;
    if (t.small || t.type != MI_INT32 || t.nbytes % 4 || t.nbytes < 8)
        return bad(w, "corrupt dimensions");
    uint64_t count = 1;
    for (uint32_t k = 0; k < t.nbytes / 4; k++) {
        unsigned char b[4];
        if ((rc = consume(w, &left, b, 4)) < 0) return rc;
        int32_t d = (int32_t)u32(w, b);
        if (d < 0) return bad(w, "negative dimension");
        if (d && count > UINT64_MAX / (uint32_t)d) return bad(w, "dimensions overflow");
        count *= (uint32_t)d;
    }
    if (t.nbytes % 8 && (rc = consume(w, &left, NULL, 4)) < 0) return rc;

    if ((rc = read_tag(w, &left, &t)) < 0) return rc; /* the name */
    if (depth == 0 && !w->var[0] && (t.small || t.nbytes <= left)) {
        unsigned char name[sizeof w->var];
        size_t n = t.nbytes < sizeof name - 1 ? t.nbytes : sizeof name - 1;
        if (t.small) memcpy(name, t.data, n);
        else if ((rc = consume(w, &left, name, n)) < 0) return rc;
        for (size_t i = 0; i < n; i++) w->var[i] = name[i] >= 0x20 && name[i] < 0x7f ? (char)name[i] : '?';
        w->var[n] = '\0';
        if ((rc = skip_data_from(w, &left, &t, t.small ? 0 : n)) < 0) return rc;
    } else if ((rc = skip_data(w, &left, &t)) < 0) {
        return rc;
    }

    if (cls == MX_CELL) {
        rc = check_children(w, &left, count, depth);
    } else if (cls == MX_STRUCT || cls == MX_OBJECT) {
        if (cls == MX_OBJECT) {
            if ((rc = read_tag(w, &left, &t)) < 0 || (rc = skip_data(w, &left, &t)) < 0) return rc;
        }
        rc = check_struct(w, &left, count, depth);
    } else if (cls == MX_CHAR || (cls >= 6 && cls <= 15)) {
        rc = check_values(w, &left, count);
        if (rc == 0 && is_complex) rc = check_values(w, &left, count);
    }
    /* sparse and other classes: their elements are bounded by `left` */
    if (rc < 0) return rc;
    return consume(w, &left, NULL, left);
}

/* A compressed variable of nbytes, of which `present` are in the file. */
static int check_compressed(struct mat5_walk *w, uint64_t nbytes, uint64_t present)
{
    memset(&w->z, 0, sizeof w->z);
    if (inflateInit(&w->z) != Z_OK) return wk_fail(WK_ENOMEM, "'%s': zlib: out of memory", w->path);
    w->compressed = 1;
    w->zin_left = nbytes < present ? nbytes : present;
    uint64_t left = UINT64_MAX;
    struct mat5_tag t;
    int rc = read_tag(w, &left, &t);
    if (rc == 0 && (t.type != MI_MATRIX || t.small)) rc = bad(w, "compressed element is not an array");
    if (rc == 0) rc = check_matrix(w, t.nbytes, 0);
    inflateEnd(&w->z);
    w->compressed = 0;
    return rc;
}

static int walk_file(struct mat5_walk *w, uint64_t size)
{
    w->size = size;
    unsigned char head[128];
    if (size < 128 || fread(head, 1, 128, w->fp) != 128)
        return wk_fail(WK_EFORMAT, "'%s': not a MAT v5 file (header too short)", w->path);
    if (head[126] == 'I' && head[127] == 'M') w->swap = 0;
    else if (head[126] == 'M' && head[127] == 'I') w->swap = 1;
    else return wk_fail(WK_EFORMAT, "'%s': not a MAT v5 file (no byte order mark)", w->path);
    unsigned version = w->swap ? (unsigned)head[124] << 8 | head[125] : (unsigned)head[125] << 8 | head[124];
    if (version != 0x0100)
        return wk_fail(WK_EFORMAT, "'%s': not a MAT v5 file (version 0x%04x)", w->path, version);
    uint64_t at = 128;
    while (size - at >= 8) {
        w->at = (long long)at;
        w->var[0] = '\0';
        if (fseeko(w->fp, (off_t)at, SEEK_SET) != 0) return truncated(w);
        uint64_t left = size - at;
        struct mat5_tag t;
        int rc = read_tag(w, &left, &t);
        if (rc < 0) return rc;
        uint64_t n = t.small ? 0 : t.nbytes;
        /* a variable cut short is read as far as it goes, to name it */
        if (t.type == MI_COMPRESSED && !t.small) rc = check_compressed(w, n, left);
        else if (t.type == MI_MATRIX && !t.small) rc = check_matrix(w, n, 0);
        if (rc == 0 && n > left) rc = truncated(w);
        if (rc < 0) return rc;
        at += 8 + n;
    }
    return 0;
}

int wk_mat5_check(const char *path)
{
    struct mat5_walk w;
    memset(&w, 0, sizeof w);
    w.path = path;
    w.fp = fopen(path, "rb");
    if (!w.fp) return wk_fail(WK_EIO, "'%s': cannot open: %s", path, strerror(errno));
    int rc;
    if (fseeko(w.fp, 0, SEEK_END) != 0) {
        rc = wk_fail(WK_EIO, "'%s': cannot seek: %s", path, strerror(errno));
    } else {
        off_t size = ftello(w.fp);
        rewind(w.fp);
        rc = size < 0 ? wk_fail(WK_EIO, "'%s': cannot seek: %s", path, strerror(errno))
                      : walk_file(&w, (uint64_t)size);
    }
    fclose(w.fp);
    return rc;
}
