/* test-h5header.c - the object header checks made when an input is opened
 * (src/h5header.c): files written by libhdf5 (version 1 and 2 headers, a
 * user block) open without a message; one byte field changed in a
 * datatype, a dataspace or an attribute's string reference is refused
 * with one message naming the object, before libhdf5 decodes it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wk_test.h"
#include "wk_test_msgs.h"
#include "wormkit/wormkit.h"

struct image {
    unsigned char *buf;
    size_t len;
};

static void put_attr(hid_t obj, const char *name, hid_t type, hid_t space, const void *data)
{
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, data);
    H5Aclose(a);
}

/* /e (enum over uint8), /c (compound of two int32), /s (the strings "AB"
 * and "CDE"), and on the root the attributes "note" (a string), "arr"
 * (int16[3]) and "n" (7 int32). */
static void build(hid_t fid)
{
    hsize_t two = 2, seven = 7, three = 3;
    hid_t s2 = H5Screate_simple(1, &two, NULL), s7 = H5Screate_simple(1, &seven, NULL), s0 = H5Screate(H5S_SCALAR);

    hid_t e = H5Tenum_create(H5T_STD_U8LE);
    unsigned char v0 = 0, v1 = 1, ev[2] = {1, 0};
    H5Tenum_insert(e, "a", &v0);
    H5Tenum_insert(e, "b", &v1);
    hid_t d = H5Dcreate2(fid, "e", e, s2, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, e, H5S_ALL, H5S_ALL, H5P_DEFAULT, ev);
    H5Dclose(d);

    hid_t c = H5Tcreate(H5T_COMPOUND, 8);
    H5Tinsert(c, "a", 0, H5T_STD_I32LE);
    H5Tinsert(c, "b", 4, H5T_STD_I32LE);
    int32_t cv[4] = {1, 2, 3, 4};
    d = H5Dcreate2(fid, "c", c, s2, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, c, H5S_ALL, H5S_ALL, H5P_DEFAULT, cv);
    H5Dclose(d);

    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, H5T_VARIABLE);
    const char *note = "hello", *names[2] = {"AB", "CDE"};
    put_attr(fid, "note", str, s0, &note);
    d = H5Dcreate2(fid, "s", str, s2, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, names);
    H5Dclose(d);
    hid_t arr = H5Tarray_create2(H5T_STD_I16LE, 1, &three);
    int16_t av[3] = {1, 2, 3};
    put_attr(fid, "arr", arr, s0, av);
    int32_t nv[7] = {1, 2, 3, 4, 5, 6, 7};
    put_attr(fid, "n", H5T_STD_I32LE, s7, nv);

    H5Tclose(arr);
    H5Tclose(str);
    H5Tclose(c);
    H5Tclose(e);
    H5Sclose(s0);
    H5Sclose(s7);
    H5Sclose(s2);
}

/* The bytes of the file build() writes: latest = version 2 headers;
 * userblock = 512 bytes before the superblock. */
static struct image make_image(int latest, int userblock)
{
    struct image im = {NULL, 0};
    char path[] = "/tmp/wk-test-h5header-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return im;
    close(fd);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (latest)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    if (userblock)
        H5Pset_userblock(fcpl, 512);
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
    build(fid);
    H5Fclose(fid);
    H5Pclose(fcpl);
    H5Pclose(fapl);
    FILE *f = fopen(path, "rb");
    if (f && fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        im.buf = n > 0 ? malloc((size_t)n) : NULL;
        rewind(f);
        if (im.buf && fread(im.buf, 1, (size_t)n, f) == (size_t)n)
            im.len = (size_t)n;
    }
    if (f)
        fclose(f);
    unlink(path);
    return im;
}

/* Offset of the only occurrence of pat (n bytes) in im, or -1 when it
 * occurs zero or several times. */
static long find_once(const struct image *im, const unsigned char *pat, size_t n)
{
    long at = -1;
    for (size_t i = 0; i + n <= im->len; i++)
        if (memcmp(im->buf + i, pat, n) == 0) {
            if (at >= 0)
                return -1;
            at = (long)i;
        }
    return at;
}

/* A datatype message header of class cls with these class bits and size
 * (any version). */
static long find_type(const struct image *im, unsigned cls, unsigned bits, uint32_t size)
{
    long at = -1;
    for (size_t i = 0; i + 8 <= im->len; i++) {
        const unsigned char *p = im->buf + i;
        if ((p[0] & 0x0f) == cls && (p[0] >> 4) >= 1 && (p[0] >> 4) <= 3 && p[1] == (bits & 0xff) &&
            p[2] == ((bits >> 8) & 0xff) && p[3] == 0 && p[4] == (size & 0xff) && p[5] == ((size >> 8) & 0xff) &&
            p[6] == 0 && p[7] == 0) {
            if (at >= 0)
                return -1;
            at = (long)i;
        }
    }
    return at;
}

static void put_le(unsigned char *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Opens the bytes as a file: the return code of wk_file_open_hdf5, the
 * messages in wk_test_msgs; path receives the name used. */
static int open_bytes(const struct image *im, char *path, size_t path_len)
{
    snprintf(path, path_len, "/tmp/wk-test-h5header-open-XXXXXX");
    int fd = mkstemp(path);
    struct wk_file *f = NULL;
    if (fd < 0 || write(fd, im->buf, im->len) != (ssize_t)im->len) {
        if (fd >= 0)
            close(fd);
        return -100;
    }
    close(fd);
    wk_test_msgs_capture();
    int rc = wk_file_open_hdf5(&f, path);
    wk_file_close(f);
    unlink(path);
    return rc;
}

static void refused(const struct image *im, const char *what, const char *desc)
{
    char path[64], want[512];
    int rc = open_bytes(im, path, sizeof path);
    snprintf(want, sizeof want, "'%s': %s", path, what);
    ok(rc == WK_EFORMAT && wk_test_one_msg(want), desc);
    if (!(rc == WK_EFORMAT && wk_test_n_msgs == 1 && strcmp(wk_test_last_msg, want) == 0))
        printf("# rc %d, got: %s\n# want: %s\n", rc, wk_test_last_msg, want);
}

static void opens(const struct image *im, const char *desc)
{
    char path[64];
    int rc = open_bytes(im, path, sizeof path);
    ok(rc == 0 && wk_test_n_msgs == 0, desc);
}

/* Reads the strings of /s (their heap references are checked first, at
 * addresses relative to the superblock's base): the return code, the
 * messages in wk_test_msgs. */
static int read_s(const struct image *im, size_t *n, char ***s)
{
    char path[] = "/tmp/wk-test-h5header-strings-XXXXXX";
    int fd = mkstemp(path);
    struct wk_file *f = NULL;
    int rc = -100;
    *n = 0;
    *s = NULL;
    if (fd >= 0 && write(fd, im->buf, im->len) == (ssize_t)im->len && close(fd) == 0) {
        wk_test_msgs_capture();
        rc = wk_file_open_hdf5(&f, path);
        if (rc == 0)
            rc = wk_h5_read_strings(wk_file_hid(f), "s", path, n, s);
        wk_file_close(f);
    }
    if (fd >= 0)
        unlink(path);
    return rc;
}

static void strings_read(const struct image *im, const char *desc)
{
    char **s;
    size_t n;
    int rc = read_s(im, &n, &s);
    ok(rc == 0 && n == 2 && strcmp(s[0], "AB") == 0 && strcmp(s[1], "CDE") == 0 && wk_test_n_msgs == 0, desc);
    if (rc == 0)
        wk_strv_free(s, n);
}

/* Each damage on a fresh copy of im. */
static void test_damage(const struct image *im, const char *kind)
{
    struct image c = {malloc(im->len), im->len};
    char desc[160];
    if (!c.buf)
        return;

    static const struct {
        unsigned cls, bits;
        uint32_t size, damaged;
        const char *name, *what, *want;
    } types[] = {
        {8, 2, 1, 16, "enum", "an enum larger than its base type",
         "/e: corrupt datatype (enum of 16 bytes over a 1-byte base type)"},
        {6, 2, 8, 6, "compound", "a compound member beyond the type's size",
         "/c: corrupt datatype (compound member 1 of 4 bytes at byte 4 of a 6-byte type)"},
        {10, 0, 6, 8, "array", "an attribute's array type of the wrong size",
         "/: attribute 'arr': corrupt datatype (array of 8 bytes over 3 elements of 2 bytes)"},
    };
    long at;
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        memcpy(c.buf, im->buf, im->len);
        at = find_type(&c, types[k].cls, types[k].bits, types[k].size);
        snprintf(desc, sizeof desc, "the %s type is found", types[k].name);
        ok(at >= 0, desc);
        if (at < 0)
            continue;
        put_le(c.buf + at + 4, types[k].damaged, 4);
        snprintf(desc, sizeof desc, "%s: %s is refused", kind, types[k].what);
        refused(&c, types[k].want, desc);
    }

    /* the string's reference: length 5, the heap collection's address */
    unsigned char ref[12];
    long gcol = find_once(&c, (const unsigned char *)"GCOL", 4);
    ok(gcol >= 0, "the global heap is found");
    put_le(ref, 5, 4);
    put_le(ref + 4, (uint64_t)gcol - (im->buf[0] == 0x89 ? 0 : 512), 8);
    memcpy(c.buf, im->buf, im->len);
    at = find_once(&c, ref, sizeof ref);
    ok(at >= 0, "the string's heap reference is found");
    if (at >= 0) {
        put_le(c.buf + at, 4, 4);
        snprintf(desc, sizeof desc, "%s: a string shorter than its heap object is refused", kind);
        refused(&c,
                "/: attribute 'note': corrupt variable-length data (element 0 holds 4 x 1 bytes but its heap "
                "object 5)",
                desc);
        put_le(c.buf + at, 5, 4);
        put_le(c.buf + at + 12, 99, 4);
        snprintf(desc, sizeof desc, "%s: a string whose heap object is missing is refused", kind);
        refused(&c,
                "/: attribute 'note': corrupt variable-length data (element 0 holds 5 x 1 bytes but has no heap "
                "object)",
                desc);
    }

    /* the reference of the dataset string "AB": length 2, the same heap */
    put_le(ref, 2, 4);
    memcpy(c.buf, im->buf, im->len);
    at = find_once(&c, ref, sizeof ref);
    ok(at >= 0, "the dataset string's heap reference is found");
    if (at >= 0) {
        char **s;
        size_t n;
        put_le(c.buf + at, 3, 4);
        snprintf(desc, sizeof desc, "%s: a dataset string longer than its heap object is refused", kind);
        int rc = read_s(&c, &n, &s);
        ok(rc == WK_EFORMAT && wk_test_one_msg_with("s[0]: corrupt string reference"), desc);
        if (rc == 0)
            wk_strv_free(s, n);
    }

    /* the 7-element dataspace of "n" (its dimension and maximum, the only 7s) */
    unsigned char dims[16];
    put_le(dims, 7, 8);
    put_le(dims + 8, 7, 8);
    memcpy(c.buf, im->buf, im->len);
    at = find_once(&c, dims, sizeof dims);
    ok(at >= 0, "the attribute's dimension is found");
    if (at >= 0) {
        put_le(c.buf + at, 1000, 8);
        put_le(c.buf + at + 8, 1000, 8);
        char path[64];
        int rc = open_bytes(&c, path, sizeof path);
        snprintf(desc, sizeof desc, "%s: an attribute claiming more elements than it holds is refused", kind);
        ok(rc == WK_EFORMAT && wk_test_one_msg_with("/: attribute 'n': corrupt data (1000 elements of 4 bytes in "),
           desc);
    }
    free(c.buf);
}

int main(void)
{
    static const struct {
        int latest, userblock;
        const char *kind;
    } files[] = {{0, 0, "version 1 headers"}, {0, 1, "after a user block"}, {1, 0, "version 2 headers"}};

    wk_library_init();
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        struct image im = make_image(files[k].latest, files[k].userblock);
        char desc[160];
        snprintf(desc, sizeof desc, "%s: file made", files[k].kind);
        ok(im.len > 0, desc);
        if (im.len == 0)
            continue;
        snprintf(desc, sizeof desc, "%s: a sound file opens without a message", files[k].kind);
        opens(&im, desc);
        snprintf(desc, sizeof desc, "%s: dataset strings read back", files[k].kind);
        strings_read(&im, desc);
        if (!files[k].latest) /* version 2 headers carry checksums: libhdf5 refuses changed bytes itself */
            test_damage(&im, files[k].kind);
        free(im.buf);
    }
    ok(H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL) == 0, "no HDF5 identifier left open");
    return wk_test_done();
}
