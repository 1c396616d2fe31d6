/* h5header.c - wormkit's own reading of an object's header, for what
 * libhdf5 1.10 decodes without checking.  Called on every object reachable
 * from the root when an input is opened (h5check.c), before any reader
 * opens the object:
 * - datatype messages, of the object and of its attributes: an enum whose
 *   size differs from its base type's makes H5T_copy (in H5Dopen, H5Aopen)
 *   copy the enum's size per value out of values stored at the base type's
 *   size (a heap overflow); so do compound members and arrays that do not
 *   fit their type's bytes, and number bit fields outside them;
 * - attributes: H5Aopen copies the element count times the type's size out
 *   of the message, whatever the message holds; and each element of
 *   variable-length data (strings) refers to a global heap object that
 *   H5Aread copies whole into a buffer sized by the element's length, so
 *   the object must hold exactly length times base size bytes.
 * Version 1 and 2 headers with their continuation chunks (at most
 * MAX_CHUNKS); shared messages and attributes in dense storage are left to
 * libhdf5 (a committed type is checked when a link reaches it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_internal.h"
#include "wormkit/wk_error.h"

#define MAX_CHUNKS 64
#define MAX_TYPE_DEPTH 16
#define MAX_RANK 32
#define WHY_LEN 160

#define MSG_DATATYPE 0x03
#define MSG_ATTRIBUTE 0x0c
#define MSG_CONTINUATION 0x10
#define MSG_FLAG_SHARED 0x02

enum {
    CLASS_INT,
    CLASS_FLOAT,
    CLASS_TIME,
    CLASS_STRING,
    CLASS_BITFIELD,
    CLASS_OPAQUE,
    CLASS_COMPOUND,
    CLASS_REFERENCE,
    CLASS_ENUM,
    CLASS_VLEN,
    CLASS_ARRAY
};

/* --- global heap collections (also used by h5util.c for datasets) --- */

int wk_h5_heap_load(struct wk_h5_heap *h, const struct wk_h5_input *in, uint64_t addr)
{
    unsigned char head[16], *c;
    if (wk_h5_input_read(in, addr, head, sizeof head) < 0 || memcmp(head, "GCOL", 4) != 0)
        return -1;
    uint64_t size = wk_h5_le(head + 8, 8);
    if (size < 16 || size > in->size - addr)
        return -1;
    if (!(c = malloc((size_t)size)))
        return -2;
    if (wk_h5_input_read(in, addr, c, (size_t)size) < 0) {
        free(c);
        return -1;
    }
    memset(h->size1, 0, sizeof h->size1);
    for (uint64_t p = 16; size - p >= 16;) {
        unsigned i = (unsigned)wk_h5_le(c + p, 2);
        uint64_t obj = wk_h5_le(c + p + 8, 8);
        if (i == 0 || obj > size - p - 16)
            break; /* free space (or damage) ends the objects */
        h->size1[i] = obj + 1;
        p += 16 + ((obj + 7) & ~(uint64_t)7);
    }
    free(c);
    h->addr = addr;
    return 0;
}

int wk_h5_vlen_element_ok(struct wk_h5_heap **heap, const struct wk_h5_input *in, uint64_t base, unsigned offsets,
                          const unsigned char *ref, uint64_t base_size, uint64_t *held1)
{
    uint64_t len = wk_h5_le(ref, 4), addr = wk_h5_le(ref + 4, offsets), idx = wk_h5_le(ref + 4 + offsets, 4);
    *held1 = 0;
    if (len == 0 && addr == 0)
        return 1; /* empty: no heap object */
    if (!*heap) {
        if (!(*heap = malloc(sizeof **heap)))
            return -1;
        (*heap)->addr = UINT64_MAX;
    }
    int loaded = 0;
    if (base > in->size || addr > in->size - base)
        loaded = -1;
    else if ((*heap)->addr != base + addr)
        loaded = wk_h5_heap_load(*heap, in, base + addr);
    if (loaded == -2)
        return -1;
    *held1 = loaded == 0 && idx > 0 && idx <= 0xffff ? (*heap)->size1[idx] : 0;
    return *held1 != 0 && (!base_size || len <= UINT64_MAX / base_size) && *held1 - 1 == len * base_size;
}

/* --- datatypes --- */

struct type_info {
    uint64_t size;      /* bytes of one element */
    unsigned cls;       /* CLASS_* */
    uint64_t base_size; /* variable-length types: bytes of one base element */
};

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Bytes of a NUL-terminated name at p (n bytes left), with its padding to
 * 8 bytes when `padded`; 0 when it does not end inside them. */
static size_t name_bytes(const unsigned char *p, size_t n, int padded)
{
    const unsigned char *nul = memchr(p, 0, n);
    if (!nul)
        return 0;
    size_t len = (size_t)(nul - p) + 1;
    if (padded)
        len = pad8(len);
    return len <= n ? len : 0;
}

static int bits_fit(uint64_t offset, uint64_t bits, uint64_t size)
{
    return offset <= 8 * size && bits <= 8 * size - offset;
}

static int parse_type(const unsigned char *p, size_t n, int depth, size_t *used, struct type_info *t, char *why);

/* The bit fields of an integer, bitfield or float type (properties at q). */
static int number_fits(const unsigned char *q, unsigned cls, uint64_t size, char *why)
{
    uint64_t offset = wk_h5_le(q, 2), precision = wk_h5_le(q + 2, 2);
    int ok = bits_fit(offset, precision, size);
    if (ok && cls == CLASS_FLOAT)
        ok = bits_fit(q[4], q[5], size) && bits_fit(q[6], q[7], size);
    if (!ok)
        snprintf(why, WHY_LEN, "number type (bit fields outside its %llu bytes)", (unsigned long long)size);
    return ok ? 0 : -1;
}

/* Bytes of a compound member's byte offset (version 3 encodes it in as few
 * bytes as the compound's size needs). */
static unsigned member_offset_bytes(unsigned version, uint64_t size)
{
    if (version < 3)
        return 4;
    unsigned bytes = 1;
    while (bytes < 8 && (size >> (8 * bytes)) != 0)
        bytes++;
    return bytes;
}

static int compound_fits(const unsigned char *p, size_t n, unsigned version, unsigned nmembs, uint64_t size, int depth,
                         size_t *at, char *why)
{
    for (unsigned m = 0; m < nmembs; m++) {
        size_t name = name_bytes(p + *at, n - *at, version < 3), obytes = member_offset_bytes(version, size);
        size_t extra = version == 1 ? 28 : 0; /* dimensionality, permutation and dimension sizes */
        if (name == 0 || n - *at - name < obytes + extra)
            return snprintf(why, WHY_LEN, "datatype (compound member %u truncated)", m), -1;
        uint64_t offset = wk_h5_le(p + *at + name, obytes), count = 1;
        if (version == 1) {
            unsigned rank = p[*at + name + obytes];
            for (unsigned d = 0; d < rank && d < 4; d++) {
                uint64_t dim = wk_h5_le(p + *at + name + obytes + 12 + 4 * d, 4);
                count = dim && count > UINT64_MAX / dim ? UINT64_MAX : count * dim;
            }
        }
        *at += name + obytes + extra;
        struct type_info mt;
        size_t mused;
        if (parse_type(p + *at, n - *at, depth + 1, &mused, &mt, why) < 0)
            return -1;
        *at += mused;
        if (count && mt.size > UINT64_MAX / count)
            count = UINT64_MAX;
        else
            count *= mt.size;
        if (offset > size || count > size - offset)
            return snprintf(why, WHY_LEN,
                            "datatype (compound member %u of %llu bytes at byte %llu "
                            "of a %llu-byte type)",
                            m, (unsigned long long)count, (unsigned long long)offset, (unsigned long long)size),
                   -1;
    }
    return 0;
}

static int enum_fits(const unsigned char *p, size_t n, unsigned version, unsigned nmembs, uint64_t size, int depth,
                     size_t *at, char *why)
{
    struct type_info base;
    size_t bused;
    if (parse_type(p + *at, n - *at, depth + 1, &bused, &base, why) < 0)
        return -1;
    *at += bused;
    if (base.size != size)
        return snprintf(why, WHY_LEN, "datatype (enum of %llu bytes over a %llu-byte base type)",
                        (unsigned long long)size, (unsigned long long)base.size),
               -1;
    for (unsigned m = 0; m < nmembs; m++) {
        size_t name = name_bytes(p + *at, n - *at, version < 3);
        if (name == 0)
            return snprintf(why, WHY_LEN, "datatype (enum member %u truncated)", m), -1;
        *at += name;
    }
    if (size && nmembs > (n - *at) / size)
        return snprintf(why, WHY_LEN, "datatype (enum values truncated)"), -1;
    *at += (size_t)(nmembs * size);
    return 0;
}

static int array_fits(const unsigned char *p, size_t n, unsigned version, uint64_t size, int depth, size_t *at,
                      char *why)
{
    if (n - *at < 1)
        return snprintf(why, WHY_LEN, "datatype (array truncated)"), -1;
    unsigned rank = p[*at];
    size_t dims_at = *at + (version < 3 ? 4 : 1), skip = (size_t)rank * (version < 3 ? 8 : 4);
    if (rank == 0 || rank > MAX_RANK || n - *at < skip + (dims_at - *at))
        return snprintf(why, WHY_LEN, "datatype (array of rank %u)", rank), -1;
    uint64_t count = 1;
    for (unsigned d = 0; d < rank; d++) {
        uint64_t dim = wk_h5_le(p + dims_at + 4 * d, 4);
        count = dim && count > UINT64_MAX / dim ? UINT64_MAX : count * dim;
    }
    *at = dims_at + skip;
    struct type_info base;
    size_t bused;
    if (parse_type(p + *at, n - *at, depth + 1, &bused, &base, why) < 0)
        return -1;
    *at += bused;
    if (count == 0 || base.size > UINT64_MAX / count || base.size * count != size)
        return snprintf(why, WHY_LEN,
                        "datatype (array of %llu bytes over %llu elements of %llu "
                        "bytes)",
                        (unsigned long long)size, (unsigned long long)count, (unsigned long long)base.size),
               -1;
    return 0;
}

/* The datatype encoded in p[0..n): 0 with *used its encoded length and *t
 * filled, or -1 with why[] (WHY_LEN bytes) saying what is wrong.  Classes
 * libhdf5 1.10 does not know are refused by libhdf5 itself: they end the
 * check (-2). */
static int parse_type(const unsigned char *p, size_t n, int depth, size_t *used, struct type_info *t, char *why)
{
    if (depth > MAX_TYPE_DEPTH)
        return snprintf(why, WHY_LEN, "datatype (types nested more than %d deep)", MAX_TYPE_DEPTH), -1;
    if (n < 8)
        return snprintf(why, WHY_LEN, "datatype (truncated)"), -1;
    unsigned cls = p[0] & 0x0f, version = p[0] >> 4, bits = (unsigned)wk_h5_le(p + 1, 3);
    uint64_t size = wk_h5_le(p + 4, 4);
    size_t at = 8;
    static const unsigned char props[] = {4, 12, 2, 0, 4, 0, 0, 0}; /* fixed property bytes of classes 0..7 */
    *t = (struct type_info){size, cls, 0};
    if (cls <= CLASS_REFERENCE && n - at < props[cls])
        return snprintf(why, WHY_LEN, "datatype (truncated)"), -1;
    int rc = 0;
    switch (cls) {
    case CLASS_INT:
    case CLASS_BITFIELD:
    case CLASS_FLOAT:
        rc = number_fits(p + at, cls, size, why);
        at += props[cls];
        break;
    case CLASS_TIME:
    case CLASS_STRING:
    case CLASS_REFERENCE:
        at += props[cls];
        break;
    case CLASS_OPAQUE:
        if (n - at < (bits & 0xff))
            return snprintf(why, WHY_LEN, "datatype (opaque tag truncated)"), -1;
        at += bits & 0xff;
        break;
    case CLASS_COMPOUND:
        rc = compound_fits(p, n, version, bits & 0xffff, size, depth, &at, why);
        break;
    case CLASS_ENUM:
        rc = enum_fits(p, n, version, bits & 0xffff, size, depth, &at, why);
        break;
    case CLASS_VLEN: {
        struct type_info base;
        size_t bused;
        rc = parse_type(p + at, n - at, depth + 1, &bused, &base, why);
        at += bused;
        t->base_size = base.size;
        break;
    }
    case CLASS_ARRAY:
        rc = array_fits(p, n, version, size, depth, &at, why);
        break;
    default:
        return -2;
    }
    *used = at;
    return rc;
}

/* --- attributes --- */

struct walk_ctx {
    const struct wk_h5_object *obj;
    char attr[64]; /* the attribute being checked, for messages */
    struct wk_h5_heap *heap;
};

/* what: the part and why it is refused, "datatype (enum of ...)" */
static int corrupt(const struct walk_ctx *c, const char *what)
{
    const struct wk_h5_object *o = c->obj;
    if (c->attr[0])
        return wk_fail(WK_EFORMAT, "'%s': %s: attribute '%s': corrupt %s", o->file, o->path, c->attr, what);
    return wk_fail(WK_EFORMAT, "'%s': %s: corrupt %s", o->file, o->path, what);
}

/* Elements of the dataspace encoded in p[0..n), or -1 when it cannot be
 * read (left to libhdf5). */
static int64_t space_elements(const struct wk_h5_object *o, const unsigned char *p, size_t n)
{
    if (n < 4 || (p[0] != 1 && p[0] != 2))
        return -1;
    unsigned rank = p[1];
    size_t dims_at = p[0] == 1 ? 8 : 4;
    if (p[0] == 2 && p[3] == 2)
        return 0; /* null dataspace */
    if (rank > MAX_RANK || n < dims_at || (n - dims_at) / o->lengths < rank)
        return -1;
    uint64_t count = 1;
    for (unsigned d = 0; d < rank; d++) {
        uint64_t dim = wk_h5_le(p + dims_at + (size_t)d * o->lengths, o->lengths);
        if (dim && count > (uint64_t)INT64_MAX / dim)
            return INT64_MAX;
        count *= dim;
    }
    return (int64_t)count;
}

/* Each element of variable-length data (length, heap collection address,
 * object index) against its global heap object. */
static int vlen_elements_sane(struct walk_ctx *c, const unsigned char *data, uint64_t count, uint64_t base_size)
{
    const struct wk_h5_object *o = c->obj;
    size_t elem = 8 + o->offsets;
    char why[WHY_LEN];
    for (uint64_t i = 0; i < count; i++) {
        const unsigned char *ref = data + i * elem;
        uint64_t have;
        int ok = wk_h5_vlen_element_ok(&c->heap, o->in, o->base, o->offsets, ref, base_size, &have);
        if (ok < 0)
            return 0; /* unchecked: libhdf5 decides */
        if (!ok) {
            uint64_t len = wk_h5_le(ref, 4);
            int n = snprintf(why, sizeof why, "variable-length data (element %llu holds %llu x %llu bytes but ",
                             (unsigned long long)i, (unsigned long long)len, (unsigned long long)base_size);
            if (have)
                snprintf(why + n, sizeof why - (size_t)n, "its heap object %llu)", (unsigned long long)(have - 1));
            else
                snprintf(why + n, sizeof why - (size_t)n, "has no heap object)");
            return corrupt(c, why);
        }
    }
    return 0;
}

/* An attribute message: name, datatype, dataspace and data (version 1 pads
 * the first three to 8 bytes; version 3 adds an encoding byte). */
static int check_attribute(struct walk_ctx *c, const unsigned char *p, size_t n)
{
    if (n < 8 || p[0] < 1 || p[0] > 3)
        return 0; /* libhdf5 refuses the version */
    unsigned version = p[0], flags = version == 1 ? 0 : p[1];
    size_t lens[3] = {wk_h5_le(p + 2, 2), wk_h5_le(p + 4, 2), wk_h5_le(p + 6, 2)}, at[3];
    size_t q = version == 3 ? 9 : 8;
    for (int k = 0; k < 3; k++) {
        size_t len = version == 1 ? pad8(lens[k]) : lens[k];
        if (q > n || len > n - q)
            return corrupt(c, "attribute (its parts overrun the message)");
        at[k] = q;
        q += len;
    }
    size_t name = lens[0] < sizeof c->attr ? lens[0] : sizeof c->attr - 1;
    memcpy(c->attr, p + at[0], name);
    c->attr[name] = 0;
    if (c->attr[0] == 0)
        snprintf(c->attr, sizeof c->attr, "?");
    if (flags & 0x01)
        return 0; /* a committed type: checked where its link leads */
    struct type_info t;
    size_t used;
    char why[WHY_LEN];
    int rc = parse_type(p + at[1], lens[1], 0, &used, &t, why);
    if (rc == -1)
        return corrupt(c, why);
    int64_t count = (flags & 0x02) || rc < 0 ? -1 : space_elements(c->obj, p + at[2], lens[2]);
    if (count < 0)
        return 0;
    if (t.size && (uint64_t)count > (n - q) / t.size) {
        snprintf(why, sizeof why, "data (%lld elements of %llu bytes in %zu bytes)", (long long)count,
                 (unsigned long long)t.size, n - q);
        return corrupt(c, why);
    }
    if (t.cls == CLASS_VLEN && t.size == 8 + c->obj->offsets)
        return vlen_elements_sane(c, p + q, (uint64_t)count, t.base_size);
    return 0;
}

/* --- object headers --- */

struct chunks {
    uint64_t start[MAX_CHUNKS], len[MAX_CHUNKS];
    int n;
};

static int corrupt_header(const struct wk_h5_object *o, uint64_t at, uint64_t len)
{
    if (o->before_open)
        return wk_fail(WK_EFORMAT,
                       "'%s': corrupt HDF5 file (a chunk of the root group's object header claims %llu bytes at byte "
                       "%llu of a %llu-byte file)",
                       o->file, (unsigned long long)len, (unsigned long long)at, (unsigned long long)o->in->size);
    return wk_fail(WK_EFORMAT,
                   "'%s': %s: corrupt object header (a chunk claims %llu bytes "
                   "at byte %llu of a %llu-byte file)",
                   o->file, o->path, (unsigned long long)len, (unsigned long long)at, (unsigned long long)o->in->size);
}

static int queue_chunk(const struct wk_h5_object *o, struct chunks *q, const unsigned char *p, size_t n)
{
    if (n < (size_t)o->offsets + o->lengths)
        return 0;
    uint64_t addr = wk_h5_le(p, o->offsets), len = wk_h5_le(p + o->offsets, o->lengths);
    if (addr > o->in->size - o->base || len > o->in->size - o->base - addr)
        return corrupt_header(o, o->base + addr, len);
    if (q->n < MAX_CHUNKS) {
        q->start[q->n] = o->base + addr;
        q->len[q->n++] = len;
    }
    return 0;
}

static int check_message(struct walk_ctx *c, struct chunks *q, unsigned type, unsigned flags, const unsigned char *p,
                         size_t n)
{
    char why[WHY_LEN];
    struct type_info t;
    size_t used;
    c->attr[0] = 0;
    if (type == MSG_CONTINUATION)
        return queue_chunk(c->obj, q, p, n);
    if (c->obj->before_open || (flags & MSG_FLAG_SHARED))
        return 0;
    if (type == MSG_DATATYPE && parse_type(p, n, 0, &used, &t, why) == -1)
        return corrupt(c, why);
    if (type == MSG_ATTRIBUTE)
        return check_attribute(c, p, n);
    return 0;
}

/* The messages of one chunk (its bytes in buf): version 1 prefixes each
 * with type (2 bytes), size (2), flags (1) and 3 reserved bytes; version 2
 * with type (1), size (2), flags (1) and, when the header tracks creation
 * order, 2 more. */
static int check_messages(struct walk_ctx *c, struct chunks *q, const unsigned char *buf, size_t n, int v2,
                          int track_order)
{
    size_t head = v2 ? 4 + (track_order ? 2 : 0) : 8;
    for (size_t off = 0; n - off >= head;) {
        unsigned type = v2 ? buf[off] : (unsigned)wk_h5_le(buf + off, 2);
        size_t size = wk_h5_le(buf + off + (v2 ? 1 : 2), 2);
        unsigned flags = buf[off + (v2 ? 3 : 4)];
        if (size > n - off - head)
            return 0; /* libhdf5 refuses the header */
        int rc = check_message(c, q, type, flags, buf + off + head, size);
        if (rc < 0)
            return rc;
        off += head + size;
    }
    return 0;
}

/* Reads chunk k of the header into *buf (grown as needed): 0, or -1 when
 * it cannot be read. */
static int read_chunk(const struct wk_h5_object *o, const struct chunks *q, int k, unsigned char **buf, size_t *cap)
{
    if (q->len[k] > *cap) {
        unsigned char *grown = realloc(*buf, (size_t)q->len[k]);
        if (!grown)
            return -1;
        *buf = grown;
        *cap = (size_t)q->len[k];
    }
    return wk_h5_input_read(o->in, q->start[k], *buf, (size_t)q->len[k]);
}

/* The first chunk: version 1 has a 16-byte prefix with the chunk's size at
 * byte 8; version 2 ("OHDR") a flags byte, optional times and attribute
 * phase change values, then the size in 1, 2, 4 or 8 bytes, and a 4-byte
 * checksum after the messages.  Returns 1 (v1), 2 (v2) or 0 (unknown). */
static int first_chunk(const struct wk_h5_object *o, struct chunks *q, unsigned *flags)
{
    unsigned char pre[6 + 16 + 4 + 8];
    uint64_t at = o->base + o->addr;
    if (o->base > o->in->size || o->addr > o->in->size - o->base || o->in->size - at < 16 ||
        wk_h5_input_read(o->in, at, pre, 16) < 0)
        return 0;
    uint64_t start, len;
    int version;
    if (pre[0] == 1) {
        version = 1;
        start = at + 16;
        len = wk_h5_le(pre + 8, 4);
    } else if (memcmp(pre, "OHDR", 4) == 0 && pre[4] == 2) {
        version = 2;
        *flags = pre[5];
        size_t field = 6 + (*flags & 0x20 ? 16 : 0) + (*flags & 0x10 ? 4 : 0);
        unsigned bytes = 1u << (*flags & 0x03);
        if (o->in->size - at < field + bytes || wk_h5_input_read(o->in, at, pre, field + bytes) < 0)
            return 0;
        start = at + field + bytes;
        len = wk_h5_le(pre + field, bytes);
        if (len > o->in->size - start || o->in->size - start - len < 4)
            return corrupt_header(o, at, field + bytes + len + 4);
    } else {
        return 0;
    }
    if (len > o->in->size - start)
        return corrupt_header(o, at, 16 + len);
    q->start[0] = start;
    q->len[0] = len;
    q->n = 1;
    return version;
}

int wk_h5_object_check(const struct wk_h5_object *o, struct wk_h5_heap **heap)
{
    struct chunks q;
    unsigned flags = 0;
    int version = first_chunk(o, &q, &flags), rc = 0;
    if (version <= 0)
        return version;
    struct walk_ctx c = {o, "", *heap};
    unsigned char *buf = NULL;
    size_t cap = 0;
    for (int k = 0; rc == 0 && k < q.n; k++) {
        if (read_chunk(o, &q, k, &buf, &cap) < 0)
            break; /* unreadable: libhdf5 reports it */
        const unsigned char *msgs = buf;
        size_t n = (size_t)q.len[k];
        if (version == 2 && k > 0) { /* "OCHK", the messages, a checksum */
            if (n < 8 || memcmp(buf, "OCHK", 4) != 0)
                break;
            msgs += 4;
            n -= 8;
        }
        rc = check_messages(&c, &q, msgs, n, version == 2, (flags & 0x04) != 0);
    }
    free(buf);
    *heap = c.heap;
    return rc;
}
