/* test-file-input.c - how inputs are opened: wormkit's read-only HDF5
 * driver (src/h5vfd.c) over memory and over a descriptor, its refusal of
 * reads outside the input and of writes, and the structural checks made
 * before and after H5Fopen (src/h5check.c). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wormkit.h"
#include "file_internal.h"
#include "wk_test.h"
#include "wk_test_msgs.h"

/* The bytes of a small file: dataset /d = {1, 2, 3, 4}, group /g whose link
 * "loop" leads back to the root (a cycle the group walk must survive). */
static unsigned char *make_image(size_t *len)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hsize_t n = 4;
    int d[4] = {1, 2, 3, 4};
    unsigned char *buf = NULL;

    H5Pset_fapl_core(fapl, 1 << 16, 0);
    hid_t fid = H5Fcreate("test-file-input-image", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t dset = H5Dcreate2(fid, "d", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(dset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, d);
    hid_t g = H5Gcreate2(fid, "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Lcreate_hard(fid, "/", g, "loop", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
    H5Dclose(dset);
    H5Sclose(space);
    H5Fflush(fid, H5F_SCOPE_GLOBAL);
    ssize_t size = H5Fget_file_image(fid, NULL, 0);
    if (size > 0 && (buf = malloc((size_t)size)) && H5Fget_file_image(fid, buf, (size_t)size) == size)
        *len = (size_t)size;
    H5Fclose(fid);
    H5Pclose(fapl);
    return buf;
}

static hid_t driver_fapl(const struct wk_h5_input *in)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    ok(wk_h5vfd_set(fapl, in) == 0, "driver set on a property list");
    return fapl;
}

static int read_d(hid_t fid, int out[4])
{
    hid_t dset = H5Dopen2(fid, "d", H5P_DEFAULT);
    int rc = dset >= 0 && H5Dread(dset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0 ? 0 : -1;
    if (dset >= 0)
        H5Dclose(dset);
    return rc;
}

static void test_memory(const unsigned char *img, size_t len)
{
    struct wk_h5_input in = {img, -1, len}, got = {NULL, -1, 0};
    hid_t fapl = driver_fapl(&in);
    hid_t fid = H5Fopen("/dev/null/test-memory", H5F_ACC_RDONLY, fapl);
    int d[4] = {0};
    hsize_t size = 0;

    ok(fid >= 0, "memory: opened");
    ok(read_d(fid, d) == 0 && d[0] == 1 && d[1] == 2 && d[2] == 3 && d[3] == 4, "memory: /d is 1 2 3 4");
    ok(H5Fget_filesize(fid, &size) >= 0 && size == len, "memory: file size is the image's");
    ok(wk_h5vfd_input(fid, &got) == 0 && got.mem == img && got.size == len, "memory: the input behind the file");
    H5Fclose(fid);
    H5E_BEGIN_TRY { fid = H5Fopen("/dev/null/test-memory-rw", H5F_ACC_RDWR, fapl); }
    H5E_END_TRY;
    ok(fid < 0, "memory: read-write open refused");
    H5Pclose(fapl);
}

static void test_descriptor(const unsigned char *img, size_t len)
{
    char path[] = "/tmp/wk-test-file-input-XXXXXX";
    int fd = mkstemp(path), d[4] = {0};
    struct wk_h5_input got = {NULL, -1, 0};

    ok(fd >= 0 && write(fd, img, len) == (ssize_t)len, "descriptor: file written");
    struct wk_h5_input in = {NULL, fd, len};
    hid_t fapl = driver_fapl(&in);
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    close(fd); /* the driver reads through its own duplicate */
    unlink(path);
    ok(fid >= 0, "descriptor: opened");
    ok(read_d(fid, d) == 0 && d[0] == 1 && d[3] == 4, "descriptor: /d read after the caller closed its descriptor");
    ok(wk_h5vfd_input(fid, &got) == 0 && !got.mem && got.fd >= 0 && got.fd != fd && got.size == len,
       "descriptor: the input behind the file");
    H5Fclose(fid);
    H5Pclose(fapl);

    /* Not opened by the driver: no input. */
    hid_t core = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(core, 1 << 16, 0);
    fid = H5Fcreate("test-file-input-core", H5F_ACC_TRUNC, H5P_DEFAULT, core);
    ok(wk_h5vfd_input(fid, &got) == -1, "core file: not an input of the driver");
    H5Fclose(fid);
    H5Pclose(core);
}

/* The driver itself, under HDF5's own end-of-address checks. */
static void test_reads(const unsigned char *img, size_t len)
{
    struct wk_h5_input in = {img, -1, len};
    hid_t fapl = driver_fapl(&in);
    unsigned char four[8];
    H5FD_t *fd = H5FDopen("/dev/null/test-reads", H5F_ACC_RDONLY, fapl, HADDR_UNDEF);

    ok(fd != NULL, "H5FDopen");
    if (!fd) {
        H5Pclose(fapl);
        return;
    }
    ok(H5FDget_eof(fd, H5FD_MEM_DEFAULT) == (haddr_t)len, "end of file is the input's size");
    ok(H5FDset_eoa(fd, H5FD_MEM_DEFAULT, (haddr_t)INT64_MAX) >= 0, "end of address space set far beyond");
    ok(H5FDread(fd, H5FD_MEM_SUPER, H5P_DEFAULT, len - 4, 4, four) >= 0 && memcmp(four, img + len - 4, 4) == 0,
       "the last 4 bytes read");
    H5E_BEGIN_TRY
    {
        ok(H5FDread(fd, H5FD_MEM_SUPER, H5P_DEFAULT, len - 4, 8, four) < 0, "a read past the end refused");
        ok(H5FDread(fd, H5FD_MEM_OHDR, H5P_DEFAULT, len, 1, four) < 0, "a read at the end refused");
        ok(H5FDread(fd, H5FD_MEM_DRAW, H5P_DEFAULT, (haddr_t)INT64_MAX - 2, 1, four) < 0, "a far read refused");
        ok(H5FDwrite(fd, H5FD_MEM_SUPER, H5P_DEFAULT, 0, 4, four) < 0, "a write refused");
    }
    H5E_END_TRY;
    H5FDclose(fd);
    H5Pclose(fapl);
}

/* A version 0 superblock (8-byte offsets and lengths) at `at`, whose driver
 * information block is at `driver` (relative to the base address `at`), or
 * none when driver is UINT64_MAX. */
static void put_superblock(unsigned char *buf, size_t at, uint64_t driver)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char *sb = buf + at;
    memcpy(sb, sig, 8);
    sb[13] = sb[14] = 8;
    for (int i = 0; i < 8; i++) {
        sb[24 + i] = (unsigned char)((uint64_t)at >> (8 * i)); /* base address */
        sb[32 + i] = 0xff;                                     /* no free-space info */
        sb[48 + i] = (unsigned char)(driver >> (8 * i));
    }
}

static int check_superblock(const unsigned char *buf, size_t len)
{
    struct wk_h5_input in = {buf, -1, len};
    wk_test_msgs_capture();
    return wk_h5check_superblock(&in, "x.h5");
}

static void test_superblock(void)
{
    unsigned char buf[1024];

    memset(buf, 0, sizeof buf);
    put_superblock(buf, 0, UINT64_MAX);
    ok(check_superblock(buf, 200) == 0 && wk_test_n_msgs == 0, "superblock without a driver block");

    put_superblock(buf, 0, 100);
    buf[104] = 16; /* 16 + 16 bytes at 100: inside 200 */
    ok(check_superblock(buf, 200) == 0 && wk_test_n_msgs == 0, "driver block inside the file");
    ok(check_superblock(buf, 131) == WK_EFORMAT &&
           wk_test_one_msg("'x.h5': corrupt HDF5 superblock (driver information block of 32 bytes at byte 100 of a "
                   "131-byte file)"),
       "driver block one byte too long");
    memset(buf + 104, 0xff, 4);
    ok(check_superblock(buf, 200) == WK_EFORMAT &&
           wk_test_one_msg("'x.h5': corrupt HDF5 superblock (driver information block of 4294967311 bytes at byte 100 "
                   "of a 200-byte file)"),
       "driver block claiming 4 GB");

    put_superblock(buf, 0, 1000);
    ok(check_superblock(buf, 200) == WK_EFORMAT &&
           wk_test_one_msg("'x.h5': corrupt HDF5 superblock (driver information block of 16 bytes at byte 1000 of a "
                   "200-byte file)"),
       "driver block after the end");

    buf[8] = 2; /* versions 2 and 3 have no driver block and a checksum */
    ok(check_superblock(buf, 200) == 0 && wk_test_n_msgs == 0, "version 2 superblock left to libhdf5");

    memset(buf, 0, sizeof buf);
    put_superblock(buf, 512, 100);
    buf[512 + 104] = 16;
    ok(check_superblock(buf, 700) == 0 && wk_test_n_msgs == 0, "after a user block: inside the file");
    ok(check_superblock(buf, 640) == WK_EFORMAT &&
           wk_test_one_msg("'x.h5': corrupt HDF5 superblock (driver information block of 32 bytes at byte 612 of a "
                   "640-byte file)"),
       "after a user block: addresses from the base");
}

static void test_open(const unsigned char *img, size_t len)
{
    char path[] = "/tmp/wk-test-file-input-XXXXXX";
    int fd = mkstemp(path);
    struct wk_file *f = NULL;
    int d[4] = {0};

    ok(fd >= 0 && write(fd, img, len) == (ssize_t)len && close(fd) == 0, "file written");
    wk_test_msgs_capture();
    ok(wk_file_open_hdf5(&f, path) == 0 && wk_test_n_msgs == 0, "a group cycle opens without a message");
    ok(f && read_d(wk_file_hid(f), d) == 0 && d[2] == 3, "and reads");
    wk_file_close(f);

    fd = open(path, O_WRONLY | O_TRUNC);
    ok(fd >= 0 && write(fd, img, len / 2) == (ssize_t)(len / 2) && close(fd) == 0, "file truncated");
    char want[600];
    snprintf(want, sizeof want, "'%s': truncated or corrupt HDF5 file", path);
    wk_test_msgs_capture();
    ok(wk_file_open_hdf5(&f, path) == WK_EFORMAT && !f && wk_test_one_msg(want), "truncated file refused");
    unlink(path);
}

int main(void)
{
    size_t len = 0;
    unsigned char *img;

    wk_library_init();
    wk_test_msgs_capture();
    img = make_image(&len);
    ok(img && len > 0, "image made");
    if (img) {
        test_memory(img, len);
        test_descriptor(img, len);
        test_reads(img, len);
        test_open(img, len);
    }
    test_superblock();
    free(img);
    ok(H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL) == 0, "no HDF5 identifier left open");
    return wk_test_done();
}
