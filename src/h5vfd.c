/* h5vfd.c - wormkit's read-only HDF5 file driver for inputs.
 *
 * Every input (a named file, or stdin read into memory) is opened through
 * this driver instead of sec2 or core, because libhdf5 1.10 trusts the
 * addresses a file holds: through the metadata accumulator of sec2 and core
 * (H5F__accum_read) a damaged address outside the file makes it copy from
 * wild memory and crash, and both drivers answer reads past the end of the
 * file with zeros.  This driver
 *   - does not advertise H5FD_FEAT_ACCUMULATE_METADATA, so every metadata
 *     read goes straight to it;
 *   - refuses every read that does not lie wholly inside the input's bytes
 *     (with an HDF5 error naming the range, which wk_h5_fail reports);
 *   - reports the true size of the input as its end of file, so a superblock
 *     claiming more bytes than the file holds is refused by H5Fopen
 *     ("truncated file").
 * Raw data still goes through HDF5's sieve buffer (H5FD_FEAT_DATA_SIEVE),
 * which never reads past the end of allocated space. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_internal.h"

struct vfd_file {
    H5FD_t pub; /* first: HDF5 sees a pointer to it */
    struct wk_h5_input in;
    haddr_t eoa;
};

static herr_t vfd_error(H5E_major_t major, H5E_minor_t minor, const char *func, const char *message,
                        unsigned long long a, unsigned long long b, unsigned long long c)
{
    H5Epush2(H5E_DEFAULT, __FILE__, func, __LINE__, H5E_ERR_CLS, major, minor, message, a, b, c);
    return -1;
}

static H5FD_t *vfd_open(const char *name, unsigned flags, hid_t fapl, haddr_t maxaddr)
{
    const struct wk_h5_input *in = H5Pget_driver_info(fapl);
    struct vfd_file *f;

    (void)name;
    (void)maxaddr;
    if (!in || (flags & (H5F_ACC_RDWR | H5F_ACC_TRUNC | H5F_ACC_CREAT | H5F_ACC_EXCL))) {
        vfd_error(H5E_VFL, H5E_CANTOPENFILE, __func__, "read-only input driver (flags %llu)", flags, 0, 0);
        return NULL;
    }
    f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->in = *in;
    f->in.fd = -1;
    if (!in->mem && (f->in.fd = dup(in->fd)) < 0) {
        vfd_error(H5E_VFL, H5E_CANTOPENFILE, __func__, "cannot duplicate descriptor %llu (errno %llu)",
                  (unsigned long long)in->fd, (unsigned long long)errno, 0);
        free(f);
        return NULL;
    }
    return &f->pub;
}

static herr_t vfd_close(H5FD_t *file)
{
    struct vfd_file *f = (struct vfd_file *)file;
    if (f->in.fd >= 0)
        close(f->in.fd);
    free(f);
    return 0;
}

/* Every open is a file of its own (HDF5 shares files that compare equal). */
static int vfd_cmp(const H5FD_t *a, const H5FD_t *b)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return x < y ? -1 : x > y;
}

static herr_t vfd_query(const H5FD_t *file, unsigned long *flags)
{
    (void)file;
    *flags = H5FD_FEAT_DATA_SIEVE;
    return 0;
}

static haddr_t vfd_get_eoa(const H5FD_t *file, H5FD_mem_t type)
{
    (void)type;
    return ((const struct vfd_file *)file)->eoa;
}

static herr_t vfd_set_eoa(H5FD_t *file, H5FD_mem_t type, haddr_t addr)
{
    (void)type;
    ((struct vfd_file *)file)->eoa = addr;
    return 0;
}

static haddr_t vfd_get_eof(const H5FD_t *file, H5FD_mem_t type)
{
    (void)type;
    return (haddr_t)((const struct vfd_file *)file)->in.size;
}

static herr_t vfd_get_handle(H5FD_t *file, hid_t fapl, void **handle)
{
    (void)fapl;
    *handle = &((struct vfd_file *)file)->in;
    return 0;
}

static herr_t pread_all(int fd, unsigned char *buf, size_t size, uint64_t off)
{
    while (size > 0) {
        ssize_t got = pread(fd, buf, size, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return vfd_error(H5E_IO, H5E_READERROR, __func__, "cannot read %llu bytes at byte %llu (errno %llu)",
                             (unsigned long long)size, (unsigned long long)off,
                             (unsigned long long)(got < 0 ? errno : 0));
        buf += got;
        size -= (size_t)got;
        off += (uint64_t)got;
    }
    return 0;
}

static herr_t vfd_read(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, void *buf)
{
    const struct vfd_file *f = (const struct vfd_file *)file;
    uint64_t end = f->in.size;

    (void)type;
    (void)dxpl;
    if (addr > end || size > end - addr)
        return vfd_error(H5E_IO, H5E_READERROR, __func__,
                         "read of %llu bytes at byte %llu is outside the file (%llu bytes)", (unsigned long long)size,
                         (unsigned long long)addr, (unsigned long long)end);
    if (f->in.mem) {
        memcpy(buf, f->in.mem + addr, size);
        return 0;
    }
    return pread_all(f->in.fd, buf, size, addr);
}

static herr_t vfd_write(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, const void *buf)
{
    (void)file;
    (void)type;
    (void)dxpl;
    (void)buf;
    return vfd_error(H5E_IO, H5E_WRITEERROR, __func__, "input opened read-only (%llu bytes at byte %llu)",
                     (unsigned long long)size, (unsigned long long)addr, 0);
}

static herr_t vfd_truncate(H5FD_t *file, hid_t dxpl, hbool_t closing)
{
    (void)file;
    (void)dxpl;
    (void)closing;
    return 0;
}

static const H5FD_class_t vfd_class = {
    .name = "wormkit-input",
    .maxaddr = (haddr_t)INT64_MAX,
    .fc_degree = H5F_CLOSE_WEAK,
    .fapl_size = sizeof(struct wk_h5_input),
    .open = vfd_open,
    .close = vfd_close,
    .cmp = vfd_cmp,
    .query = vfd_query,
    .get_eoa = vfd_get_eoa,
    .set_eoa = vfd_set_eoa,
    .get_eof = vfd_get_eof,
    .get_handle = vfd_get_handle,
    .read = vfd_read,
    .write = vfd_write,
    .truncate = vfd_truncate,
    .fl_map = H5FD_FLMAP_DICHOTOMY,
};

/* Registered on first use (HDF5 calls come from one thread only). */
static hid_t vfd_id = -1;

static hid_t vfd_driver(void)
{
    if (vfd_id < 0 || H5Iis_valid(vfd_id) <= 0)
        vfd_id = H5FDregister(&vfd_class);
    return vfd_id;
}

int wk_h5vfd_set(hid_t fapl, const struct wk_h5_input *in)
{
    hid_t id = vfd_driver();
    return id >= 0 && H5Pset_driver(fapl, id, in) >= 0 ? 0 : -1;
}

int wk_h5vfd_input(hid_t obj, struct wk_h5_input *in)
{
    hid_t fid = H5Iget_file_id(obj), fapl = -1;
    void *handle = NULL;
    int rc = -1;

    if (fid < 0)
        return -1;
    fapl = H5Fget_access_plist(fid);
    if (fapl >= 0 && vfd_id >= 0 && H5Pget_driver(fapl) == vfd_id && H5Fget_vfd_handle(fid, fapl, &handle) >= 0 &&
        handle) {
        *in = *(const struct wk_h5_input *)handle;
        rc = 0;
    }
    if (fapl >= 0)
        H5Pclose(fapl);
    H5Fclose(fid);
    return rc;
}
