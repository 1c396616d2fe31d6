/* file_internal.h - shared between src/file.c and src/h5util.c; not installed. */
#ifndef WK_FILE_INTERNAL_H
#define WK_FILE_INTERNAL_H

#include <stdint.h>

#include <hdf5.h>

/* While muted, this thread logs nothing (error.c). */
void wk_log_mute(int muted);

/* Keep attributes in compact storage on an object creation property list
 * (see h5util.c for why).  0 or -1. */
int wk_h5_keep_attrs_compact(hid_t ocpl);

/* Temporary files beside an output path ("<dir>/.<base>.XXXXXX", mode
 * 0666 & ~umask), removed on SIGINT/SIGTERM until removed or released.
 * wk_temp_create returns an open descriptor (or a logged error code) and
 * sets *tmp (owned by the caller) and *slot. */
int wk_temp_create(const char *path, char **tmp, int *slot);
void wk_temp_remove(const char *tmp, int *slot); /* unlink and forget */
void wk_temp_release(int *slot);                  /* renamed into place: forget */

/* wormkit's read-only HDF5 driver for inputs (h5vfd.c): reads the bytes of
 * an input from memory or through a descriptor, and refuses every read
 * outside them. */
struct wk_h5_input {
    const unsigned char *mem; /* the input's bytes (owned by the caller), or NULL */
    int fd;                   /* else read through a duplicate of this descriptor */
    uint64_t size;            /* bytes of the input: its end of file */
};

/* Sets the driver over *in (copied) on a file access property list: 0 or -1. */
int wk_h5vfd_set(hid_t fapl, const struct wk_h5_input *in);

/* The input behind an object of a file opened through the driver: 0, or -1
 * when its file was opened otherwise. */
int wk_h5vfd_input(hid_t obj, struct wk_h5_input *in);

/* Structural checks of an input that libhdf5 1.10 does not make (h5check.c):
 * 0, or a logged WK_EFORMAT naming the file `name`.  The superblock before
 * H5Fopen; every group reachable from the root right after it. */
int wk_h5check_superblock(const struct wk_h5_input *in, const char *name);
int wk_h5check_groups(hid_t fid, const char *name);

/* Object headers (h5header.c): the chunks of an object's header against
 * the input, then the datatype messages of the object and of its
 * attributes, and the global heap objects its attributes' strings refer
 * to, checked before libhdf5 decodes them.  wk_h5_object_check: 0, or a
 * logged WK_EFORMAT naming o->file and o->path; *heap is a cache of one
 * global heap collection (NULL at first; the caller frees it). */
struct wk_h5_object {
    const struct wk_h5_input *in;
    uint64_t base;            /* the superblock's base address */
    unsigned offsets, lengths; /* bytes of addresses and of lengths */
    uint64_t addr;            /* of the object header, relative to base */
    const char *file, *path;
    int before_open; /* the root group before H5Fopen: its chunks only (libhdf5
                        allocates the size each claims before reading it) */
};
struct wk_h5_heap {
    uint64_t addr;          /* of the collection loaded, in the input */
    uint64_t size1[65536];  /* each object's size plus 1; 0: no such object */
};
int wk_h5_object_check(const struct wk_h5_object *o, struct wk_h5_heap **heap);
/* Loads the global heap collection at addr: 0, -1 when there is none
 * there, -2 when out of memory. */
int wk_h5_heap_load(struct wk_h5_heap *h, const struct wk_h5_input *in, uint64_t addr);
/* Whether the variable-length element at ref (a 4-byte length, the heap
 * collection's address in `offsets` bytes relative to base, a 4-byte
 * object index) refers to a global heap object of exactly length x
 * base_size bytes: 1 (also for an empty element), 0 (*held1: the object's
 * size plus 1, or 0 when there is none), or -1 when it cannot be checked
 * (out of memory).  *heap as for wk_h5_object_check. */
int wk_h5_vlen_element_ok(struct wk_h5_heap **heap, const struct wk_h5_input *in, uint64_t base, unsigned offsets,
                          const unsigned char *ref, uint64_t base_size, uint64_t *held1);

/* Whether the bit fields of an integer or float type lie within its bytes
 * (h5util.c): libhdf5 1.10 overruns a stack buffer converting one that
 * does not. */
int wk_h5_number_bits_ok(hid_t type);

/* Chunked datasets (h5chunk.c): every stored chunk must give back its full
 * size through its filters (grids of more than 65536 chunks: at most 2048
 * stored).  wk_h5_chunks_ok walks the chunks of dset (creation property
 * list dcpl) before libhdf5 reads it: 0, or a logged WK_EFORMAT.
 * wk_h5_reads_chunks_itself says whether wk_h5_read_chunked can read dset
 * (chunked, deflate and shuffle only), which reads it whole into buf as
 * elements of mtype (file type ftype), checking each chunk as it goes. */
int wk_h5_chunks_ok(hid_t dset, hid_t dcpl, const char *file, const char *where);
int wk_h5_reads_chunks_itself(hid_t dcpl);
int wk_h5_read_chunked(hid_t dset, hid_t dcpl, hid_t ftype, hid_t mtype, void *buf, const char *file,
                       const char *where);

/* The base address of the input's superblock, which the file's addresses
 * are relative to (512 after a user block); the superblock's offset when
 * the field cannot be read (h5check.c). */
uint64_t wk_h5_base_address(const struct wk_h5_input *in);

/* len bytes of the input at off into buf: 0, or -1 when they are not all
 * inside it (h5check.c). */
int wk_h5_input_read(const struct wk_h5_input *in, uint64_t off, void *buf, size_t len);
/* The n-byte little-endian unsigned number at p. */
uint64_t wk_h5_le(const unsigned char *p, unsigned n);

#endif
