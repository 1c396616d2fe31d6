/* file_internal.h - shared between src/file.c and src/h5util.c; not installed. */
#ifndef WK_FILE_INTERNAL_H
#define WK_FILE_INTERNAL_H

#include <hdf5.h>

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

#endif
