/* fuzz.h - shared helpers for the libFuzzer entry points in tests/fuzz/.
 *
 * Each target feeds the input to one reader, through a file when the reader
 * takes a path.  Besides crashes, leaks and undefined behaviour (sanitizers),
 * a target aborts when a reader fails without logging a message: the house
 * rule is one message naming the file and the field. */
#ifndef WK_FUZZ_H
#define WK_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "wormkit/wk_error.h"

static int fuzz_errors;

static inline void fuzz_log(enum wk_log_level level, const char *message, void *userdata)
{
    (void)message;
    (void)userdata;
    if (level == WK_LOG_ERROR) fuzz_errors++;
    if (getenv("WK_FUZZ_VERBOSE")) fprintf(stderr, "log: %s\n", message);
}

static inline void fuzz_init(void)
{
    wk_library_init();
    wk_set_progname("fuzz");
    wk_log_set_hook(fuzz_log, NULL);
}

/* Start one call: reset the message count. */
static inline void fuzz_begin(void)
{
    fuzz_errors = 0;
}

/* After a call: a failure must have said why. */
static inline void fuzz_end(int rc, const char *what)
{
    if (rc < 0 && fuzz_errors == 0) {
        fprintf(stderr, "fuzz: %s failed (%d) without a message\n", what, rc);
        abort();
    }
}

/* After an input: every HDF5 file, group, dataset, attribute and type the
 * readers opened must be closed again. */
static inline void fuzz_check_hdf5_ids(const char *what)
{
    ssize_t open = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open != 0) {
        fprintf(stderr, "fuzz: %s left %zd HDF5 identifiers open\n", what, open);
        abort();
    }
}

/* The temporary files of this process, removed at exit. */
static char fuzz_paths[4][256];

static inline void fuzz_remove_files(void)
{
    for (int i = 0; i < 4; i++)
        if (fuzz_paths[i][0]) unlink(fuzz_paths[i]);
}

static inline char *fuzz_slot(const char *tag)
{
    static const char *tags[4];
    for (int i = 0; i < 4; i++) {
        if (!tags[i]) {
            if (i == 0) atexit(fuzz_remove_files);
            tags[i] = tag;
        }
        if (strcmp(tags[i], tag) == 0) return fuzz_paths[i];
    }
    abort(); /* more than four tags: enlarge fuzz_paths */
}

/* Write the input to a per-process temporary file ending in `suffix`
 * (/dev/shm when it exists); the name stays valid until the next call with
 * the same tag. */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *tag, const char *suffix)
{
    char *path = fuzz_slot(tag);
    const char *dir = getenv("WK_FUZZ_TMPDIR");
    if (!dir) dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof fuzz_paths[0], "%s/wk-fuzz-%ld-%s%s", dir, (long)getpid(), tag, suffix);
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        abort();
    }
    if (size && fwrite(data, 1, size, fp) != size) abort();
    if (fclose(fp) != 0) abort();
    return path;
}

#endif
