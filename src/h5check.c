/* h5check.c - checks of an HDF5 input's structure that libhdf5 1.10 does not
 * make itself, done when the input is opened, before any reader walks it.
 *
 * The superblock (before H5Fopen): a version 0/1 superblock may point to a
 * driver information block whose 4-byte size libhdf5 believes: it extends
 * its end of allocated space to match and allocates the claimed size (up to
 * 4 GB) before reading it.  The root group's object header is likewise
 * allocated at the size it claims (13 GB and more seen) before it is read.
 *
 * The groups (after H5Fopen): iterating a group (H5Literate, H5Lget_*_by_idx,
 * H5Ovisit) makes libhdf5 build a table of its links sized by the link count
 * of its header; when a link message cannot be decoded, or the count claims
 * more links than the group holds, the rest of the table is left
 * uninitialised and libhdf5 frees wild pointers from it (H5O_msg_reset <-
 * H5G__link_release_table).  So every group reachable from the root is
 * checked, parents before children, in ways that never build that table: a
 * lookup of a name no group holds decodes every link message of a compact
 * group, and a native-order iteration (which walks the link index in place)
 * counts the links, to compare with the count the group claims. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wk_error.h"
#include "file_internal.h"

#define MAX_OBJECTS 100000 /* objects checked in one file; the rest are trusted */
#define MAX_DEPTH 64
#define PATH_LEN 512

/* --- superblock --- */

static const unsigned char SIGNATURE[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

int wk_h5_input_read(const struct wk_h5_input *in, uint64_t off, void *buf, size_t len)
{
    if (off > in->size || len > in->size - off)
        return -1;
    if (in->mem) {
        memcpy(buf, in->mem + off, len);
        return 0;
    }
    return pread(in->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

uint64_t wk_h5_le(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

static int all_ones(const unsigned char *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (p[i] != 0xff)
            return 0;
    return 1;
}

/* Offset of the superblock (0, 512, 1024, ...), or -1. */
static int64_t superblock_offset(const struct wk_h5_input *in)
{
    unsigned char sig[8];
    for (uint64_t off = 0; off <= in->size && in->size - off >= 8; off = off ? off * 2 : 512)
        if (wk_h5_input_read(in, off, sig, 8) == 0 && memcmp(sig, SIGNATURE, 8) == 0)
            return (int64_t)off;
    return -1;
}

static int corrupt_driver_block(const char *name, uint64_t at, uint64_t bytes, uint64_t size)
{
    return wk_fail(WK_EFORMAT,
                   "'%s': corrupt HDF5 superblock (driver information block of %llu bytes at byte %llu of a "
                   "%llu-byte file)",
                   name, (unsigned long long)bytes, (unsigned long long)at, (unsigned long long)size);
}

/* The root group's object header: libhdf5 allocates the size its first
 * chunk claims, and the size each continuation message claims for the
 * next chunk, before reading them (H5C_protect <- H5G_mkroot; 13 GB and
 * 17 GB seen).  So its chunks are checked against the input before
 * H5Fopen, by the object header walk of h5header.c (the rest of the header
 * is checked after H5Fopen, with every other object's). */
static int check_root_header(const struct wk_h5_input *in, const char *name, uint64_t base, uint64_t root,
                             unsigned offsets, unsigned lengths)
{
    struct wk_h5_object o = {in, base, offsets, lengths, root, name, NULL, 1};
    struct wk_h5_heap *heap = NULL;
    int rc = wk_h5_object_check(&o, &heap);
    free(heap);
    return rc;
}

/* Version 0/1: the driver information block, then the root group's symbol
 * table entry (link name offset, object header address). */
static int check_superblock_v01(const struct wk_h5_input *in, const char *name, uint64_t at)
{
    unsigned char sb[28 + 6 * 8];

    if (wk_h5_input_read(in, at, sb, 16) < 0)
        return 0;
    unsigned offsets = sb[13], fixed = sb[8] == 0 ? 24 : 28;
    if (offsets == 0 || offsets > 8 || wk_h5_input_read(in, at, sb, fixed + 6 * offsets) < 0)
        return 0; /* libhdf5 refuses these itself */
    const unsigned char *base_field = sb + fixed, *driver_field = sb + fixed + 3 * offsets;
    const unsigned char *root_field = sb + fixed + 5 * offsets;
    uint64_t base = wk_h5_le(base_field, offsets);
    if (base > in->size)
        return 0;
    if (!all_ones(driver_field, offsets)) {
        unsigned char block[8];
        uint64_t addr = wk_h5_le(driver_field, offsets);
        if (addr > in->size - base || wk_h5_input_read(in, base + addr, block, 8) < 0)
            return corrupt_driver_block(name, base + addr, 16, in->size);
        uint64_t bytes = 16 + wk_h5_le(block + 4, 4);
        if (bytes > in->size - base - addr)
            return corrupt_driver_block(name, base + addr, bytes, in->size);
    }
    uint64_t root = wk_h5_le(root_field, offsets);
    unsigned lengths = sb[14];
    if (all_ones(root_field, offsets) || root > in->size - base || lengths == 0 || lengths > 8)
        return 0;
    return check_root_header(in, name, base, root, offsets, lengths);
}

int wk_h5check_superblock(const struct wk_h5_input *in, const char *name)
{
    unsigned char version[9];
    int64_t at = superblock_offset(in);

    if (at < 0 || wk_h5_input_read(in, (uint64_t)at, version, 9) < 0)
        return 0; /* not ours to judge */
    if (version[8] <= 1)
        return check_superblock_v01(in, name, (uint64_t)at);
    return 0; /* versions 2/3: checksummed */
}

uint64_t wk_h5_base_address(const struct wk_h5_input *in)
{
    unsigned char sb[28 + 8];
    int64_t at = superblock_offset(in);
    if (at < 0 || wk_h5_input_read(in, (uint64_t)at, sb, 16) < 0)
        return 0;
    unsigned offsets = sb[8] <= 1 ? sb[13] : sb[9], field = sb[8] == 0 ? 24 : sb[8] == 1 ? 28 : 12;
    if (offsets == 0 || offsets > 8 || wk_h5_input_read(in, (uint64_t)at, sb, field + offsets) < 0)
        return (uint64_t)at;
    return wk_h5_le(sb + field, offsets);
}

/* --- groups and object headers --- */

struct walk {
    const char *name;
    haddr_t *seen; /* open-addressing set of the header addresses checked */
    size_t n_seen, cap_seen;
    int depth;
    struct wk_h5_input in;
    struct wk_h5_object obj; /* filled but for addr and path; in == NULL: headers not checked */
    struct wk_h5_heap *heap;
};

static size_t slot_of(haddr_t addr, size_t cap)
{
    return (size_t)((addr * UINT64_C(0x9e3779b97f4a7c15)) >> 17) & (cap - 1);
}

static int seen_grow(struct walk *w)
{
    size_t cap = w->cap_seen ? 2 * w->cap_seen : 256;
    haddr_t *set = malloc(cap * sizeof *set);

    if (!set)
        return -1;
    for (size_t i = 0; i < cap; i++)
        set[i] = HADDR_UNDEF;
    for (size_t i = 0; i < w->cap_seen; i++)
        if (w->seen[i] != HADDR_UNDEF) {
            size_t k = slot_of(w->seen[i], cap);
            while (set[k] != HADDR_UNDEF)
                k = (k + 1) & (cap - 1);
            set[k] = w->seen[i];
        }
    free(w->seen);
    w->seen = set;
    w->cap_seen = cap;
    return 0;
}

/* 1 when addr was seen before (or cannot be remembered: then it is not
 * checked, and libhdf5 decides), else remembers it. */
static int seen_before(struct walk *w, haddr_t addr)
{
    if (addr == HADDR_UNDEF || (2 * (w->n_seen + 1) > w->cap_seen && seen_grow(w) < 0))
        return 1;
    size_t k = slot_of(addr, w->cap_seen);
    while (w->seen[k] != HADDR_UNDEF) {
        if (w->seen[k] == addr)
            return 1;
        k = (k + 1) & (w->cap_seen - 1);
    }
    w->seen[k] = addr;
    w->n_seen++;
    return 0;
}

static int check_group(struct walk *w, hid_t g, const char *path);

/* The object header at addr (h5header.c), when the input's bytes are at hand. */
static int check_header(struct walk *w, haddr_t addr, const char *path)
{
    if (!w->obj.in)
        return 0;
    w->obj.addr = addr;
    w->obj.path = path;
    return wk_h5_object_check(&w->obj, &w->heap);
}

struct visit {
    struct walk *w;
    const char *path;
    hsize_t count;
    int rc;
};

static herr_t visit_link(hid_t g, const char *link, const H5L_info_t *info, void *data)
{
    struct visit *v = data;
    H5O_info_t oinfo;
    char path[PATH_LEN];

    v->count++;
    if (info->type != H5L_TYPE_HARD || v->w->depth >= MAX_DEPTH || v->w->n_seen >= MAX_OBJECTS)
        return 0;
    if (H5Oget_info_by_name2(g, link, &oinfo, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
        H5Eclear2(H5E_DEFAULT); /* a broken object is its reader's to report */
        return 0;
    }
    if (seen_before(v->w, oinfo.addr))
        return 0;
    snprintf(path, sizeof path, "%s%s%s", v->path, strcmp(v->path, "/") == 0 ? "" : "/", link);
    if ((v->rc = check_header(v->w, oinfo.addr, path)) < 0)
        return -1;
    if (oinfo.type != H5O_TYPE_GROUP)
        return 0;
    hid_t child = H5Gopen2(g, link, H5P_DEFAULT);
    if (child < 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    v->w->depth++;
    v->rc = check_group(v->w, child, path);
    v->w->depth--;
    H5Gclose(child);
    return v->rc < 0 ? -1 : 0;
}

static int corrupt_group(const struct walk *w, const char *path)
{
    char what[PATH_LEN + 32];
    snprintf(what, sizeof what, "%s: corrupt group", path);
    return wk_h5_fail(w->name, what);
}

static int check_group(struct walk *w, hid_t g, const char *path)
{
    struct visit v = {w, path, 0, 0};
    H5G_info_t info;
    hsize_t idx = 0;

    /* No link has this name: a compact group decodes every link message. */
    if (H5Lexists(g, "\x01wormkit: no such link", H5P_DEFAULT) < 0 || H5Gget_info(g, &info) < 0)
        return corrupt_group(w, path);
    herr_t e = H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, visit_link, &v);
    if (v.rc < 0)
        return v.rc;
    if (e < 0)
        return corrupt_group(w, path);
    if (v.count != info.nlinks)
        return wk_fail(WK_EFORMAT, "'%s': %s: corrupt group (it claims %llu links and holds %llu)", w->name, path,
                       (unsigned long long)info.nlinks, (unsigned long long)v.count);
    return 0;
}

/* Sets up the object header checks of w (sizes of addresses and lengths
 * as the superblock gives them). */
static void prepare_headers(struct walk *w, hid_t fid)
{
    hid_t fcpl = H5Fget_create_plist(fid);
    size_t offsets = 0, lengths = 0;
    if (fcpl < 0 || H5Pget_sizes(fcpl, &offsets, &lengths) < 0)
        offsets = 0;
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (offsets < 1 || offsets > 8 || lengths < 1 || lengths > 8 || wk_h5vfd_input(fid, &w->in) < 0)
        return;
    w->obj = (struct wk_h5_object){&w->in, wk_h5_base_address(&w->in), (unsigned)offsets, (unsigned)lengths, 0, w->name,
                                   NULL, 0};
}

int wk_h5check_groups(hid_t fid, const char *name)
{
    struct walk w = {name, NULL, 0, 0, 0, {NULL, -1, 0}, {NULL, 0, 0, 0, 0, NULL, NULL, 0}, NULL};
    H5O_info_t oinfo;
    hid_t root = H5Gopen2(fid, "/", H5P_DEFAULT);
    int rc = 0;

    if (root < 0)
        return corrupt_group(&w, "/");
    prepare_headers(&w, fid);
    if (H5Oget_info2(root, &oinfo, H5O_INFO_BASIC) >= 0) {
        seen_before(&w, oinfo.addr);
        rc = check_header(&w, oinfo.addr, "/");
    }
    if (rc == 0)
        rc = check_group(&w, root, "/");
    H5Gclose(root);
    free(w.seen);
    free(w.heap);
    return rc;
}
