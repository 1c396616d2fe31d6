/* file_internal.h - shared between src/file.c and src/h5util.c; not installed. */
#ifndef WK_FILE_INTERNAL_H
#define WK_FILE_INTERNAL_H

#include <hdf5.h>

/* Keep attributes in compact storage on an object creation property list
 * (see h5util.c for why).  0 or -1. */
int wk_h5_keep_attrs_compact(hid_t ocpl);

#endif
