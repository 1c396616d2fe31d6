/* file.c - wormkit-h5 files: opening, creating, committing, history.
 *
 * Inputs: a named regular file is read through its descriptor; stdin, FIFOs
 * and other unseekable inputs are read whole into memory.  Both are opened
 * through wormkit's read-only HDF5 driver (h5vfd.c), which refuses reads
 * outside the input, and checked before and after H5Fopen (h5check.c).
 *
 * Outputs: a named regular file is written under a temporary name in the
 * same folder ("<dir>/.<base>.XXXXXX") and renamed on commit; stdout (and
 * FIFOs, devices) get an in-memory file whose image is written on commit.
 *
 * Reproducibility: nothing written depends on the clock except the
 * history line, whose time honours SOURCE_DATE_EPOCH; objects carry no
 * timestamps (see h5util.c) and the format versions are pinned. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"
#include "file_internal.h"

#ifndef H5_VERSION_GE
#define H5_VERSION_GE(a, b, c) 0
#endif

#define CORE_INCREMENT ((size_t)1 << 20) /* in-memory outputs grow by 1 MiB */
#define READ_CHUNK ((size_t)1 << 20)
#define MAX_TEMP_FILES 16

enum file_mode {
    MODE_READ,   /* input */
    MODE_NAMED,  /* output to a temporary file renamed on commit */
    MODE_STREAM  /* output built in memory, image written to out_fd */
};

/* Bytes of an input opened as a file image; owned here, lent to HDF5. */
struct image {
    unsigned char *buf;
    size_t size;
};

struct wk_file {
    hid_t fid;
    enum file_mode mode;
    char *name;          /* for messages: the user's path, "stdin", "stdout" */
    char *h5name;        /* the name HDF5 knows: temporary path, image name */
    char *path;          /* MODE_NAMED: the final path */
    int out_fd;          /* MODE_STREAM: where the image goes */
    int close_out_fd;    /* out_fd was opened here */
    int temp_slot;       /* signal-cleanup slot of the temporary file, or -1 */
    struct image image;  /* MODE_READ from a stream */
    char **history;      /* outputs: the lines the history attribute will hold */
    size_t n_history, cap_history;
    struct wk_file *next; /* open files, for wk_h5_file_name() */
};

static struct wk_file *open_files;

static const unsigned char HDF5_SIGNATURE[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

static int is_stdio(const char *path)
{
    return !path || strcmp(path, "-") == 0;
}

/* --- the list of open files (display names for messages) --- */

static struct wk_file *file_new(const char *name, enum file_mode mode)
{
    struct wk_file *f = wk_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->fid = -1;
    f->mode = mode;
    f->out_fd = -1;
    f->temp_slot = -1;
    f->name = wk_strdup(name);
    if (!f->name) {
        free(f);
        wk_fail(WK_ENOMEM, "out of memory");
        return NULL;
    }
    return f;
}

static int file_set_h5name(struct wk_file *f, const char *h5name)
{
    free(f->h5name);
    f->h5name = wk_strdup(h5name);
    return f->h5name ? 0 : wk_fail(WK_ENOMEM, "out of memory");
}

static void file_link(struct wk_file *f)
{
    f->next = open_files;
    open_files = f;
}

static void file_unlink(struct wk_file *f)
{
    for (struct wk_file **p = &open_files; *p; p = &(*p)->next)
        if (*p == f) {
            *p = f->next;
            return;
        }
}

const char *wk_h5_file_name(hid_t loc)
{
    static char name[PATH_MAX];
    ssize_t len = H5Fget_name(loc, name, sizeof name);

    if (len < 0)
        return "?";
    for (const struct wk_file *f = open_files; f; f = f->next)
        if (f->h5name && strcmp(f->h5name, name) == 0)
            return f->name;
    return name;
}

const char *wk_file_name(const struct wk_file *f)
{
    return f ? f->name : "?";
}

hid_t wk_file_hid(const struct wk_file *f)
{
    return f ? f->fid : -1;
}

/* --- temporary files and their removal on SIGINT/SIGTERM --- */

/* Fixed storage, so the signal handler only reads memory and unlink()s. */
static char temp_paths[MAX_TEMP_FILES][PATH_MAX];
static volatile sig_atomic_t temp_used[MAX_TEMP_FILES];

static int temp_register(const char *path)
{
    if (strlen(path) >= PATH_MAX)
        return -1;
    for (int i = 0; i < MAX_TEMP_FILES; i++)
        if (!temp_used[i]) {
            strcpy(temp_paths[i], path);
            temp_used[i] = 1;
            return i;
        }
    return -1;
}

static void temp_unregister(int slot)
{
    if (slot >= 0 && slot < MAX_TEMP_FILES)
        temp_used[slot] = 0;
}

static volatile sig_atomic_t stop_deferred; /* model tools: a signal asks to stop */
static volatile sig_atomic_t stop_signal;   /* the signal that asked, or 0 */

static void remove_temp_files(void)
{
    for (int i = 0; i < MAX_TEMP_FILES; i++)
        if (temp_used[i])
            unlink(temp_paths[i]);
}

static void cleanup_on_signal(int sig)
{
    if (stop_deferred && !stop_signal) {
        stop_signal = sig;
        return;
    }
    remove_temp_files();
    signal(sig, SIG_DFL);
    /* The signal is blocked until we return, then it ends the process as
     * it would have. */
    raise(sig);
}

static void install_handlers(int flags)
{
    static const int signals[] = {SIGINT, SIGTERM};

    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction old, sa;
        /* A signal ignored by our parent (nohup, background jobs) stays ignored. */
        if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = cleanup_on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = flags;
        sigaction(signals[i], &sa, NULL);
    }
}

void wk_file_install_signal_cleanup(void)
{
    install_handlers(SA_RESETHAND);
}

void wk_file_defer_signals(void)
{
    stop_deferred = 1;
    install_handlers(0);
}

int wk_file_stop_requested(void)
{
    return stop_signal;
}

void wk_file_stop_now(void)
{
    int sig = stop_signal ? stop_signal : SIGTERM;
    remove_temp_files();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* "<dir>/.<base>.XXXXXX" for path "<dir>/<base>" (dir "." if none). */
static char *temp_template(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dir_len = slash ? (int)(slash - path) : 1;
    const char *dir = slash ? path : ".";
    size_t len = strlen(path) + 16;
    char *t = malloc(len);

    if (!t)
        return NULL;
    if (slash == path) /* "/x.h5" */
        dir_len = 0;
    snprintf(t, len, "%.*s/.%s.XXXXXX", dir_len, dir, base);
    return t;
}

static mode_t default_file_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

int wk_temp_create(const char *path, char **tmp, int *slot)
{
    char *t = temp_template(path);
    int fd, err;

    *tmp = NULL;
    *slot = -1;
    if (!t)
        return wk_fail(WK_ENOMEM, "out of memory");
    fd = mkstemp(t);
    if (fd < 0) {
        err = errno;
        free(t);
        return wk_fail(WK_EIO, "cannot create '%s': %s", path, strerror(err));
    }
    *slot = temp_register(t);
    if (*slot < 0 || fchmod(fd, default_file_mode()) != 0) {
        err = *slot < 0 ? ENAMETOOLONG : errno;
        close(fd);
        unlink(t);
        temp_unregister(*slot);
        free(t);
        *slot = -1;
        return wk_fail(WK_EIO, "cannot create '%s': %s", path, strerror(err));
    }
    *tmp = t;
    return fd;
}

void wk_temp_remove(const char *tmp, int *slot)
{
    if (tmp && *slot >= 0) {
        unlink(tmp);
        temp_unregister(*slot);
        *slot = -1;
    }
}

void wk_temp_release(int *slot)
{
    temp_unregister(*slot);
    *slot = -1;
}

/* Creates the temporary file for f (MODE_NAMED) and returns its open
 * descriptor; the file is registered for removal on signals. */
static int temp_create(struct wk_file *f, mode_t mode)
{
    int fd = wk_temp_create(f->path, &f->h5name, &f->temp_slot);

    if (fd >= 0 && fchmod(fd, mode) != 0) {
        int err = errno;
        close(fd);
        wk_temp_remove(f->h5name, &f->temp_slot);
        return wk_fail(WK_EIO, "cannot create '%s': %s", f->path, strerror(err));
    }
    return fd;
}

static void temp_remove(struct wk_file *f)
{
    if (f->mode == MODE_NAMED)
        wk_temp_remove(f->h5name, &f->temp_slot);
}

/* --- freeing --- */

static void history_clear(struct wk_file *f)
{
    wk_strv_free(f->history, f->n_history);
    f->history = NULL;
    f->n_history = f->cap_history = 0;
}

static void file_free(struct wk_file *f)
{
    file_unlink(f);
    if (f->close_out_fd && f->out_fd >= 0)
        close(f->out_fd);
    history_clear(f);
    free(f->image.buf);
    free(f->name);
    free(f->h5name);
    free(f->path);
    free(f);
}

/* Closes the HDF5 file (if open) and frees f; removes a temporary file. */
static void file_discard(struct wk_file *f)
{
    /* A discarded output is emptied first: when the disk is full, libhdf5
     * 1.10 cannot flush it, keeps it open, and crashes closing it at exit. */
    if (f->fid >= 0 && f->mode == MODE_NAMED) {
        int ignored = truncate(f->h5name, 0); /* nothing to report: it goes */
        (void)ignored;
    }
    if (f->fid >= 0)
        H5Fclose(f->fid);
    f->fid = -1;
    temp_remove(f);
    file_free(f);
}

void wk_file_close(struct wk_file *f)
{
    /* Closing an output without commit is giving it up. */
    if (f)
        file_discard(f);
}

void wk_file_abort(struct wk_file *f)
{
    if (f)
        file_discard(f);
}

/* --- raw input --- */

static int read_all(int fd, const char *name, struct image *im)
{
    struct stat st;
    size_t cap = READ_CHUNK, len = 0;
    unsigned char *buf;

    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size < WK_MAX_ALLOC)
        cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (!buf)
        return wk_fail(WK_ENOMEM, "'%s': out of memory", name);
    for (;;) {
        ssize_t got;
        if (len == cap) {
            unsigned char *bigger;
            if (cap >= WK_MAX_ALLOC / 2) {
                free(buf);
                return wk_fail(WK_ERANGE, "'%s': input larger than %zu bytes", name, (size_t)WK_MAX_ALLOC);
            }
            bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                return wk_fail(WK_ENOMEM, "'%s': out of memory", name);
            }
            buf = bigger;
            cap *= 2;
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int err = errno;
            free(buf);
            return wk_fail(WK_EIO, "cannot read '%s': %s", name, strerror(err));
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    im->buf = buf;
    im->size = len;
    return 0;
}

static int write_all(int fd, const void *data, size_t len, const char *name)
{
    const unsigned char *p = data;

    while (len > 0) {
        ssize_t put = write(fd, p, len);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0 && errno == EPIPE)
            return WK_EPIPE; /* the reader is gone: end quietly */
        if (put < 0)
            return wk_fail(WK_EIO, "cannot write '%s': %s", name, strerror(errno));
        p += put;
        len -= (size_t)put;
    }
    return 0;
}

/* The superblock starts at 0 or after a user block of 512, 1024, 2048...
 * bytes. */
static int image_has_signature(const struct image *im)
{
    for (size_t off = 0; off <= im->size && im->size - off >= 8; off = off ? off * 2 : 512)
        if (memcmp(im->buf + off, HDF5_SIGNATURE, 8) == 0)
            return 1;
    return 0;
}

static int fd_has_signature(int fd, off_t size)
{
    unsigned char sig[8];
    for (off_t off = 0; off + 8 <= size; off = off ? off * 2 : 512)
        if (pread(fd, sig, 8, off) == 8 && memcmp(sig, HDF5_SIGNATURE, 8) == 0)
            return 1;
    return 0;
}

/* --- global heaps: checked before libhdf5 sees them --- */

/* libhdf5 1.10 loops forever on a global heap collection ("GCOL") holding a
 * free-space object of size 0, and reads past the collection when an object
 * claims more bytes than the collection has (H5HG__cache_heap_deserialize).
 * Such collections are refused before the file is opened.  Only files with
 * 8-byte lengths (the default of every writer we know) are checked. */
#define GCOL_HEADER 16 /* "GCOL", version, 3 reserved, 8-byte collection size */
#define GCOL_OBJHDR 16 /* index, references, 4 reserved, 8-byte object size */

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int lengths_are_8_bytes(const unsigned char *buf, size_t size)
{
    for (size_t off = 0; off <= size && size - off >= 16; off = off ? off * 2 : 512)
        if (memcmp(buf + off, HDF5_SIGNATURE, 8) == 0) {
            unsigned version = buf[off + 8];
            return version <= 1 ? buf[off + 14] == 8 : buf[off + 10] == 8;
        }
    return 0;
}

/* 1 when the collection at buf[0..avail) would make libhdf5 misbehave. */
static int gcol_damaged(const unsigned char *c, size_t avail)
{
    uint64_t size = le64(c + 8);
    if (size < GCOL_HEADER || size > avail)
        return 1;
    for (uint64_t p = GCOL_HEADER; p < size;) {
        if (size - p < GCOL_OBJHDR)
            break; /* a tail too short for a header is free space */
        unsigned idx = (unsigned)c[p] | (unsigned)c[p + 1] << 8;
        uint64_t obj = le64(c + p + 8);
        uint64_t need = idx > 0 ? GCOL_OBJHDR + ((obj + 7) & ~(uint64_t)7) : obj;
        if (need == 0 || obj > size || need > size - p)
            return 1;
        p += need;
    }
    return 0;
}

static int global_heaps_sane(const unsigned char *buf, size_t size, const char *name)
{
    static const unsigned char GCOL[5] = {'G', 'C', 'O', 'L', 1};

    if (!lengths_are_8_bytes(buf, size))
        return 0;
    for (size_t off = 0; size - off >= GCOL_HEADER; off++) {
        const unsigned char *p = memchr(buf + off, 'G', size - off - GCOL_HEADER + 1);
        if (!p)
            break;
        off = (size_t)(p - buf);
        if (memcmp(p, GCOL, sizeof GCOL) == 0 && gcol_damaged(p, size - off))
            return wk_fail(WK_EFORMAT, "'%s': corrupt HDF5 global heap at byte %zu", name, off);
    }
    return 0;
}

static int fd_global_heaps_sane(int fd, off_t size, const char *name)
{
    void *map;
    int rc;

    if (size <= 0 || (uintmax_t)size > SIZE_MAX)
        return 0;
    map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return 0; /* unmappable: leave the checks to libhdf5 */
    rc = global_heaps_sane(map, (size_t)size, name);
    munmap(map, (size_t)size);
    return rc;
}

static int empty_input(const char *name)
{
    return wk_fail(WK_EFORMAT, "'%s': empty input (expected a wormkit HDF5 file)", name);
}

static int not_hdf5(const char *name)
{
    return wk_fail(WK_EFORMAT, "'%s': not an HDF5 file", name);
}

/* --- HDF5 property lists --- */

static hid_t access_plist(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return -1;
    /* Closing a file closes whatever a caller left open in it, so a commit
     * never renames a file HDF5 has not finished writing. */
    if (H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0)
        goto fail;
#if H5_VERSION_GE(1, 10, 2)
    /* Objects in the 1.8/1.10 formats, whatever HDF5 builds us. */
    if (H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V110) < 0)
        goto fail;
#endif
#if H5_VERSION_GE(1, 10, 7)
    /* Lock where the file system can, go on where it cannot (NFS). */
    if (H5Pset_file_locking(fapl, 1, 1) < 0)
        goto fail;
#endif
    return fapl;
fail:
    H5Pclose(fapl);
    return -1;
}

/* The root group as every group we make: creation order tracked, no
 * timestamps; the file space strategy pinned to HDF5's defaults. */
static hid_t creation_plist(void)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

    if (fcpl < 0)
        return -1;
    if (H5Pset_link_creation_order(fcpl, order) < 0 || H5Pset_attr_creation_order(fcpl, order) < 0 ||
        H5Pset_obj_track_times(fcpl, 0) < 0 || wk_h5_keep_attrs_compact(fcpl) < 0 ||
        H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_FSM_AGGR, 0, 1) < 0) {
        H5Pclose(fcpl);
        return -1;
    }
    return fcpl;
}

/* In-memory files need a name HDF5 will not find on disk (the core driver
 * refuses an image whose name exists) and that differs between files. */
static void memory_name(char *buf, size_t len)
{
    static unsigned counter;
    snprintf(buf, len, "/dev/null/wormkit-memory-%u", ++counter);
}

/* --- opening inputs --- */

static int open_failed(const char *name)
{
    return wk_fail(WK_EFORMAT, "'%s': truncated or corrupt HDF5 file", name);
}

/* Opens an input with H5Fopen(name) through wormkit's read-only driver
 * over *in (h5vfd.c). */
static int open_with_driver(struct wk_file *f, const char *name, const struct wk_h5_input *in)
{
    hid_t fapl = access_plist();
    int rc = 0;

    if (fapl < 0 || wk_h5vfd_set(fapl, in) < 0)
        rc = wk_h5_fail(f->name, "cannot set up file access");
    else if (file_set_h5name(f, name) < 0)
        rc = WK_ENOMEM;
    else if ((rc = wk_h5check_superblock(in, f->name)) < 0)
        ;
    else if ((f->fid = H5Fopen(name, H5F_ACC_RDONLY, fapl)) < 0)
        rc = open_failed(f->name);
    else
        rc = wk_h5check_groups(f->fid, f->name);
    if (fapl >= 0)
        H5Pclose(fapl);
    return rc;
}

/* Opens f->image with HDF5: read-only images in place, through our driver;
 * writable ones are checked so first, then copied by the core driver (they
 * may grow) and our buffer released. */
static int open_image(struct wk_file *f, int writable)
{
    struct wk_h5_input in = {f->image.buf, -1, f->image.size};
    char name[64];
    hid_t fapl;
    int rc;

    memory_name(name, sizeof name);
    rc = open_with_driver(f, name, &in);
    if (rc < 0 || !writable)
        return rc;
    /* Checked read-only, reopened read-write. */
    H5Fclose(f->fid);
    f->fid = -1;
    fapl = access_plist();
    if (fapl < 0 || H5Pset_fapl_core(fapl, CORE_INCREMENT, 0) < 0 ||
        H5Pset_file_image(fapl, f->image.buf, f->image.size) < 0) {
        rc = wk_h5_fail(f->name, "cannot set up an in-memory file");
        goto done;
    }
    rc = file_set_h5name(f, name);
    if (rc < 0)
        goto done;
    f->fid = H5Fopen(name, H5F_ACC_RDWR, fapl);
    if (f->fid < 0)
        rc = open_failed(f->name);
done:
    if (fapl >= 0)
        H5Pclose(fapl);
    free(f->image.buf);
    f->image.buf = NULL;
    return rc;
}

/* Reads an unseekable input whole and checks it looks like HDF5. */
static int load_stream(struct wk_file *f, int fd)
{
    int rc = read_all(fd, f->name, &f->image);
    if (rc < 0)
        return rc;
    if (f->image.size == 0)
        return empty_input(f->name);
    if (!image_has_signature(&f->image))
        return not_hdf5(f->name);
    return global_heaps_sane(f->image.buf, f->image.size, f->name);
}

static int open_regular(struct wk_file *f, const char *path, int fd, off_t size)
{
    struct wk_h5_input in = {NULL, fd, (uint64_t)size};

    if (size == 0)
        return wk_fail(WK_EFORMAT, "'%s': empty file (expected a wormkit HDF5 file)", f->name);
    if (!fd_has_signature(fd, size))
        return not_hdf5(f->name);
    if (fd_global_heaps_sane(fd, size, f->name) < 0)
        return WK_EFORMAT;
    return open_with_driver(f, path, &in);
}

/* Opens f (MODE_READ) from stdin or a path: regular files through HDF5,
 * anything unseekable (pipes, process substitution) as an image. */
static int open_input(struct wk_file *f, const char *path)
{
    struct stat st;
    int fd, rc;

    if (is_stdio(path)) {
        rc = load_stream(f, STDIN_FILENO);
        return rc < 0 ? rc : open_image(f, 0);
    }
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return wk_fail(WK_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        int err = errno;
        if (fstat(fd, &st) == 0)
            err = EISDIR;
        close(fd);
        return wk_fail(WK_EIO, "cannot open '%s': %s", path, strerror(err));
    }
    if (S_ISREG(st.st_mode)) {
        rc = open_regular(f, path, fd, st.st_size);
        close(fd);
        return rc;
    }
    rc = load_stream(f, fd);
    close(fd);
    return rc < 0 ? rc : open_image(f, 0);
}

/* The root attributes that make an HDF5 file a wormkit file. */
static int check_wormkit(const struct wk_file *f)
{
    char *format = NULL;
    long version;
    int rc = wk_h5_get_attr_string(f->fid, "wormkit_format", &format);

    if (rc == WK_ENOTFOUND)
        return wk_fail(WK_EFORMAT, "'%s': not a wormkit file (no wormkit_format attribute)", f->name);
    if (rc < 0)
        return rc;
    if (strcmp(format, WK_FORMAT_NAME) != 0) {
        rc = wk_fail(WK_EFORMAT, "'%s': not a wormkit file (wormkit_format is '%.64s')", f->name, format);
        free(format);
        return rc;
    }
    free(format);
    rc = wk_h5_get_attr_long(f->fid, "wormkit_version", &version);
    if (rc == WK_ENOTFOUND)
        return wk_fail(WK_EFORMAT, "'%s': not a wormkit file (no wormkit_version attribute)", f->name);
    if (rc < 0)
        return rc;
    if (version != WK_FORMAT_VERSION)
        return wk_fail(WK_EVERSION, "'%s': wormkit layout version %ld is not supported (this is version %d)",
                       f->name, version, WK_FORMAT_VERSION);
    return 0;
}

static int open_checked(struct wk_file **out, const char *path, int wormkit)
{
    struct wk_file *f = file_new(is_stdio(path) ? "stdin" : path, MODE_READ);
    int rc;

    *out = NULL;
    if (!f)
        return WK_ENOMEM;
    file_link(f);
    rc = open_input(f, path);
    if (rc == 0 && wormkit)
        rc = check_wormkit(f);
    if (rc < 0) {
        file_discard(f);
        return rc;
    }
    *out = f;
    return 0;
}

int wk_file_open(struct wk_file **out, const char *path)
{
    return open_checked(out, path, 1);
}

int wk_file_open_hdf5(struct wk_file **out, const char *path)
{
    return open_checked(out, path, 0);
}

int wk_file_probe_hdf5(struct wk_file **out, const char *path)
{
    wk_log_mute(1);
    int rc = open_checked(out, path, 0);
    wk_log_mute(0);
    return rc;
}

/* --- history --- */

static char *history_command;

void wk_history_set_command(int argc, char *const argv[])
{
    size_t len = 1, at = 0;
    char *s;

    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    s = malloc(len);
    if (!s)
        return;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (i > 0)
            s[at++] = ' ';
        memcpy(s + at, argv[i], n);
        at += n;
    }
    s[at] = '\0';
    free(history_command);
    history_command = s;
}

/* The time of this run: SOURCE_DATE_EPOCH (the reproducible-builds
 * convention: seconds since the epoch) when set and valid, so that tests
 * and pipelines can produce identical bytes; else the clock. */
static time_t history_time(void)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");

    if (s && *s) {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno == 0 && *end == '\0' && v >= 0 && (long long)(time_t)v == v)
            return (time_t)v;
        wk_log(WK_LOG_WARN, "ignoring invalid SOURCE_DATE_EPOCH '%.32s'", s);
    }
    return time(NULL);
}

/* "<command> (wormkit <version>, <YYYY-MM-DDTHH:MM:SSZ>)" */
static char *history_line(void)
{
    const char *cmd = history_command;
    time_t now = history_time();
    struct tm tm;
    char stamp[32] = "unknown time";
    char *line;
    size_t len;

    if (!cmd || !*cmd)
        cmd = wk_progname() && *wk_progname() ? wk_progname() : "wormkit";
    if (gmtime_r(&now, &tm))
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    len = strlen(cmd) + strlen(wk_version()) + strlen(stamp) + 16;
    line = malloc(len);
    if (line)
        snprintf(line, len, "%s (wormkit %s, %s)", cmd, wk_version(), stamp);
    return line;
}

static int history_contains(const struct wk_file *f, const char *line)
{
    for (size_t i = 0; i < f->n_history; i++)
        if (strcmp(f->history[i], line) == 0)
            return 1;
    return 0;
}

/* Appends line (taking ownership) to f's pending history. */
static int history_push(struct wk_file *f, char *line)
{
    if (!line)
        return wk_fail(WK_ENOMEM, "out of memory");
    if (f->n_history == f->cap_history) {
        size_t cap = f->cap_history ? 2 * f->cap_history : 16;
        char **v = wk_realloc_array(f->history, cap, sizeof *v);
        if (!v) {
            free(line);
            return WK_ENOMEM;
        }
        f->history = v;
        f->cap_history = cap;
    }
    f->history[f->n_history++] = line;
    return 0;
}

int wk_file_history(const struct wk_file *f, char ***lines, size_t *n)
{
    int rc = wk_h5_get_attr_strings(f->fid, "history", lines, n);
    if (rc == WK_ENOTFOUND) {
        *lines = NULL;
        *n = 0;
        return 0;
    }
    return rc;
}

/* Adds lines to f's pending history, skipping those already there: the
 * inputs of one pipeline share their earlier lines. */
static int history_merge(struct wk_file *f, char **lines, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!history_contains(f, lines[i]))
            rc = history_push(f, wk_strdup(lines[i]));
    return rc;
}

int wk_file_copy_history(struct wk_file *dst, const struct wk_file *src)
{
    char **lines;
    size_t n;
    int rc;

    if (dst->mode == MODE_READ)
        return wk_fail(WK_EINVAL, "'%s': not opened for writing", dst->name);
    rc = wk_file_history(src, &lines, &n);
    if (rc < 0)
        return rc;
    rc = history_merge(dst, lines, n);
    wk_strv_free(lines, n);
    return rc;
}

static int history_write(struct wk_file *f)
{
    int rc = history_push(f, history_line());
    if (rc < 0)
        return rc;
    return wk_h5_set_attr_strings(f->fid, "history", f->n_history, f->history);
}

/* --- creating outputs --- */

static int write_atlas(hid_t fid)
{
    char *names[WK_ATLAS_SIZE];
    hid_t g;
    int rc;

    for (size_t k = 0; k < WK_ATLAS_SIZE; k++)
        names[k] = (char *)wk_atlas_name(k); /* written, never modified */
    rc = wk_h5_ensure_group(fid, "/atlas", &g);
    if (rc < 0)
        return rc;
    rc = wk_h5_write_strings(g, "neurons", WK_ATLAS_SIZE, names);
    H5Gclose(g);
    return rc;
}

static int write_skeleton(const struct wk_file *f)
{
    int rc = wk_h5_set_attr_string(f->fid, "wormkit_format", WK_FORMAT_NAME);
    if (rc == 0)
        rc = wk_h5_set_attr_long(f->fid, "wormkit_version", WK_FORMAT_VERSION);
    if (rc == 0)
        rc = write_atlas(f->fid);
    return rc;
}

/* Creates the HDF5 file: on disk under f->h5name, or in memory. */
static int create_hdf5(struct wk_file *f)
{
    hid_t fcpl = creation_plist(), fapl = access_plist();
    char name[64];
    int rc = 0;

    if (fcpl < 0 || fapl < 0 || (f->mode == MODE_STREAM && H5Pset_fapl_core(fapl, CORE_INCREMENT, 0) < 0)) {
        rc = wk_h5_fail(f->name, "cannot set up file creation");
        goto done;
    }
    if (f->mode == MODE_STREAM) {
        memory_name(name, sizeof name);
        rc = file_set_h5name(f, name);
        if (rc < 0)
            goto done;
    }
    f->fid = H5Fcreate(f->h5name, H5F_ACC_TRUNC, fcpl, fapl);
    if (f->fid < 0)
        rc = wk_h5_fail(f->name, "cannot create HDF5 file");
done:
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    return rc;
}

static int refuse_terminal(void)
{
    if (isatty(STDOUT_FILENO))
        return wk_fail(WK_ETERMINAL, "refusing to write HDF5 to a terminal (use -o FILE or a pipe)");
    return 0;
}

/* Sets f up as an output to path: stdout, a special file (FIFO, device:
 * written to as a stream), or a regular file (via a temporary file). */
static int output_target(struct wk_file *f, const char *path)
{
    struct stat st;
    int fd;

    if (is_stdio(path)) {
        f->mode = MODE_STREAM;
        f->out_fd = STDOUT_FILENO;
        return refuse_terminal();
    }
    f->path = wk_strdup(path);
    if (!f->path)
        return wk_fail(WK_ENOMEM, "out of memory");
    if (stat(path, &st) != 0 || S_ISREG(st.st_mode)) {
        f->mode = MODE_NAMED;
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return wk_fail(WK_EIO, "cannot create '%s': %s", path, strerror(EISDIR));
    fd = open(path, O_WRONLY);
    if (fd < 0)
        return wk_fail(WK_EIO, "cannot create '%s': %s", path, strerror(errno));
    f->mode = MODE_STREAM;
    f->out_fd = fd;
    f->close_out_fd = 1;
    return 0;
}

static int create_output(struct wk_file *f, const char *path)
{
    int rc = output_target(f, path);

    if (rc == 0 && f->mode == MODE_NAMED) {
        int fd = temp_create(f, default_file_mode());
        if (fd < 0)
            return fd;
        close(fd);
    }
    if (rc == 0)
        rc = create_hdf5(f);
    if (rc == 0)
        rc = write_skeleton(f);
    return rc;
}

int wk_file_create(struct wk_file **out, const char *path)
{
    struct wk_file *f = file_new(is_stdio(path) ? "stdout" : path, MODE_NAMED);
    int rc;

    *out = NULL;
    if (!f)
        return WK_ENOMEM;
    file_link(f);
    rc = create_output(f, path);
    if (rc < 0) {
        file_discard(f);
        return rc;
    }
    *out = f;
    return 0;
}

/* --- updating files in place (atomically) --- */

static int copy_fd(int from, int to, const char *from_name, const char *to_name)
{
    unsigned char *buf = malloc(READ_CHUNK);
    int rc = 0;

    if (!buf)
        return wk_fail(WK_ENOMEM, "out of memory");
    for (;;) {
        ssize_t got = read(from, buf, READ_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = wk_fail(WK_EIO, "cannot read '%s': %s", from_name, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        rc = write_all(to, buf, (size_t)got, to_name);
        if (rc < 0)
            break;
    }
    free(buf);
    return rc;
}

/* Validates path as a wormkit file and takes over its history lines. */
static int adopt_existing(struct wk_file *f, const char *path)
{
    struct wk_file *old;
    char **lines;
    size_t n;
    int rc = wk_file_open(&old, path);

    if (rc < 0)
        return rc;
    rc = wk_file_history(old, &lines, &n);
    if (rc == 0) {
        rc = history_merge(f, lines, n);
        wk_strv_free(lines, n);
    }
    wk_file_close(old);
    return rc;
}

/* Copies the existing regular file to the temporary name, keeping its
 * permission bits, and opens the copy read-write. */
static int update_named(struct wk_file *f, const struct stat *st)
{
    int in, out, rc;
    hid_t fapl;

    rc = adopt_existing(f, f->path);
    if (rc < 0)
        return rc;
    out = temp_create(f, st->st_mode & 07777);
    if (out < 0)
        return out;
    in = open(f->path, O_RDONLY);
    if (in < 0)
        rc = wk_fail(WK_EIO, "cannot open '%s': %s", f->path, strerror(errno));
    else
        rc = copy_fd(in, out, f->path, f->path);
    if (in >= 0)
        close(in);
    close(out);
    if (rc < 0)
        return rc;
    fapl = access_plist();
    f->fid = fapl < 0 ? -1 : H5Fopen(f->h5name, H5F_ACC_RDWR, fapl);
    if (f->fid < 0)
        rc = wk_h5_fail(f->name, "cannot open for update");
    if (fapl >= 0)
        H5Pclose(fapl);
    return rc;
}

/* stdin to stdout: the image is opened read-write in memory. */
static int update_stream(struct wk_file *f)
{
    char **lines;
    size_t n;
    int rc = refuse_terminal();

    f->mode = MODE_STREAM;
    f->out_fd = STDOUT_FILENO;
    if (rc == 0)
        rc = load_stream(f, STDIN_FILENO);
    if (rc == 0)
        rc = open_image(f, 1);
    if (rc == 0)
        rc = check_wormkit(f);
    if (rc == 0)
        rc = wk_file_history(f, &lines, &n);
    if (rc == 0) {
        rc = history_merge(f, lines, n);
        wk_strv_free(lines, n);
    }
    return rc;
}

int wk_file_update(struct wk_file **out, const char *path)
{
    struct wk_file *f;
    struct stat st;
    int rc;

    *out = NULL;
    if (!is_stdio(path)) {
        if (stat(path, &st) != 0) {
            if (errno == ENOENT)
                return wk_file_create(out, path);
            return wk_fail(WK_EIO, "cannot open '%s': %s", path, strerror(errno));
        }
        if (!S_ISREG(st.st_mode))
            return wk_fail(WK_EINVAL, "cannot update '%s': not a regular file", path);
    }
    f = file_new(is_stdio(path) ? "stdout" : path, MODE_NAMED);
    if (!f)
        return WK_ENOMEM;
    file_link(f);
    if (is_stdio(path)) {
        rc = update_stream(f);
    } else {
        f->path = wk_strdup(path);
        rc = f->path ? update_named(f, &st) : wk_fail(WK_ENOMEM, "out of memory");
    }
    if (rc < 0) {
        file_discard(f);
        return rc;
    }
    *out = f;
    return 0;
}

/* --- commit --- */

static int commit_stream(struct wk_file *f)
{
    ssize_t size;
    void *buf;
    int rc;

    if (H5Fflush(f->fid, H5F_SCOPE_GLOBAL) < 0)
        return wk_h5_fail(f->name, "cannot finish the file");
    size = H5Fget_file_image(f->fid, NULL, 0);
    if (size < 0)
        return wk_h5_fail(f->name, "cannot get the file image");
    buf = wk_calloc((size_t)size ? (size_t)size : 1, 1);
    if (!buf)
        return WK_ENOMEM;
    if (H5Fget_file_image(f->fid, buf, (size_t)size) < 0) {
        rc = wk_h5_fail(f->name, "cannot get the file image");
        free(buf);
        return rc;
    }
    H5Fclose(f->fid); /* frees the in-memory file before we write */
    f->fid = -1;
    rc = write_all(f->out_fd, buf, (size_t)size, f->name);
    free(buf);
    return rc;
}

static int sync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];

    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    sync_path(dir, O_RDONLY | O_DIRECTORY); /* best effort: the rename is done */
}

static int commit_named(struct wk_file *f)
{
    herr_t closed = H5Fclose(f->fid);

    f->fid = -1;
    if (closed < 0)
        return wk_h5_fail(f->name, "cannot finish the file");
    if (sync_path(f->h5name, O_RDONLY) != 0)
        return wk_fail(WK_EIO, "cannot write '%s': %s", f->path, strerror(errno));
    if (rename(f->h5name, f->path) != 0)
        return wk_fail(WK_EIO, "cannot create '%s': %s", f->path, strerror(errno));
    temp_unregister(f->temp_slot);
    f->temp_slot = -1;
    sync_parent_dir(f->path);
    return 0;
}

int wk_file_commit(struct wk_file *f)
{
    int rc;

    if (!f)
        return wk_fail(WK_EINVAL, "no file to commit");
    if (f->mode == MODE_READ) {
        rc = wk_fail(WK_EINVAL, "'%s': not opened for writing", f->name);
        file_discard(f);
        return rc;
    }
    rc = history_write(f);
    if (rc == 0)
        rc = f->mode == MODE_STREAM ? commit_stream(f) : commit_named(f);
    if (rc == 0 && f->close_out_fd && close(f->out_fd) != 0)
        rc = wk_fail(WK_EIO, "cannot write '%s': %s", f->name, strerror(errno));
    if (f->close_out_fd)
        f->out_fd = -1;
    file_discard(f);
    return rc;
}

/* --- copying groups between files --- */

struct copy_ctx {
    hid_t src, dst;
    const char *dst_name;
    char group[PATH_MAX];
    int rc;
};

static herr_t copy_child(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    struct copy_ctx *c = data;
    int e;

    (void)g;
    (void)info;
    e = wk_h5_exists(c->dst, name);
    if (e != 0) {
        c->rc = e < 0 ? e : wk_fail(WK_EEXIST, "'%s': %s/%s: already exists", c->dst_name, c->group, name);
        return -1;
    }
    if (H5Ocopy(c->src, name, c->dst, name, H5P_DEFAULT, H5P_DEFAULT) < 0) {
        char what[PATH_MAX + 64];
        snprintf(what, sizeof what, "%s/%s: cannot copy", c->group, name);
        c->rc = wk_h5_fail(c->dst_name, what);
        return -1;
    }
    return 0;
}

/* Iterates the links of g in creation order when tracked, else by name. */
static herr_t iterate_links(hid_t g, H5L_iterate_t fn, void *data)
{
    hid_t gcpl = H5Gget_create_plist(g);
    unsigned order = 0;
    hsize_t idx = 0;

    if (gcpl >= 0) {
        H5Pget_link_creation_order(gcpl, &order);
        H5Pclose(gcpl);
    }
    return H5Literate(g, (order & H5P_CRT_ORDER_TRACKED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME, H5_ITER_INC, &idx,
                      fn, data);
}

/* The group is absent from dst: copy it whole, with its attributes. */
static int copy_whole_group(struct wk_file *dst, const struct wk_file *src, const char *group)
{
    char parent[PATH_MAX], what[PATH_MAX + 32];
    const char *slash = strrchr(group, '/');

    snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - group) : 0, group);
    if (parent[0]) {
        int rc = wk_h5_ensure_group(dst->fid, parent, NULL);
        if (rc < 0)
            return rc;
    }
    snprintf(what, sizeof what, "%s: cannot copy", group);
    if (H5Ocopy(src->fid, group, dst->fid, group, H5P_DEFAULT, H5P_DEFAULT) < 0)
        return wk_h5_fail(dst->name, what);
    return 0;
}

/* The group exists in both: copy src's children one by one, in order. */
static int merge_group(struct wk_file *dst, const struct wk_file *src, const char *group)
{
    struct copy_ctx c = {-1, -1, dst->name, "", 0};
    char what[PATH_MAX + 32];
    int rc;

    snprintf(c.group, sizeof c.group, "%s%s", group[0] == '/' ? "" : "/", group);
    snprintf(what, sizeof what, "%s: cannot open", c.group);
    c.src = H5Gopen2(src->fid, group, H5P_DEFAULT);
    if (c.src < 0)
        return wk_h5_fail(src->name, what);
    rc = wk_h5_ensure_group(dst->fid, group, &c.dst);
    if (rc < 0) {
        H5Gclose(c.src);
        return rc;
    }
    snprintf(what, sizeof what, "%s: cannot list", c.group);
    if (iterate_links(c.src, copy_child, &c) < 0 && c.rc == 0)
        c.rc = wk_h5_fail(src->name, what);
    H5Gclose(c.dst);
    H5Gclose(c.src);
    return c.rc;
}

int wk_file_copy_group(struct wk_file *dst, const struct wk_file *src, const char *group)
{
    int e = wk_h5_exists(src->fid, group);

    if (e <= 0)
        return e;
    if (dst->mode == MODE_READ)
        return wk_fail(WK_EINVAL, "'%s': not opened for writing", dst->name);
    e = wk_h5_exists(dst->fid, group);
    if (e < 0)
        return e;
    return e ? merge_group(dst, src, group) : copy_whole_group(dst, src, group);
}
