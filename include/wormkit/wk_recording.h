/* wk_recording.h - one worm's recording in the wormkit-h5 layout.
 *
 *   /recordings/<id>/  attrs dataset, worm, source_file, dt (+ extra attrs)
 *       time     float64[T]    seconds from the recording's start, strictly increasing
 *       traces   float32[T][C] C = 300 canonical columns + extra columns; NaN = missing
 *       label    string[C]     atlas names for 0..299, original labels for extras
 *       present  uint8[C]      1 where the column holds data
 *       <array>  float32       optional arrays (e.g. "derivative" [T][C])
 */
#ifndef WK_RECORDING_H
#define WK_RECORDING_H

#include <stddef.h>
#include "wk_file.h"

/* An extra attribute: either a string (str != NULL) or a number. */
struct wk_attr {
    char *key;
    char *str;
    double num;
};

/* An optional float32 array stored beside traces. */
struct wk_array {
    char *name;
    int rank;        /* 1..4 */
    size_t dims[4];
    float *data;     /* row-major, owned */
};

struct wk_recording {
    char *id;               /* HDF5 link name under /recordings */
    char *dataset;          /* "" if unknown */
    long worm;              /* worm index within the source, -1 if unknown */
    char *source_file;      /* "" if unknown */
    double dt;              /* seconds; NaN if irregular */
    size_t T, C;            /* samples, columns (C >= WK_ATLAS_SIZE) */
    double *time;           /* [T] */
    float *traces;          /* [T * C], row-major: traces[t * C + c] */
    char **label;           /* [C] */
    unsigned char *present; /* [C] */
    size_t n_attrs;
    struct wk_attr *attrs;
    size_t n_arrays;
    struct wk_array *arrays;
};

/* Allocate a recording of T samples and C >= 300 columns: traces NaN,
 * present 0, time 0, canonical labels set, extra labels "", dt NaN, worm -1,
 * id/dataset/source_file "".  NULL (logged) on failure or absurd sizes. */
struct wk_recording *wk_recording_alloc(size_t T, size_t C);
void wk_recording_free(struct wk_recording *rec);

/* Deep copy. */
struct wk_recording *wk_recording_dup(const struct wk_recording *rec);

int wk_recording_set_id(struct wk_recording *rec, const char *id);
int wk_recording_set_dataset(struct wk_recording *rec, const char *dataset);
int wk_recording_set_source(struct wk_recording *rec, const char *source_file);
int wk_recording_set_label(struct wk_recording *rec, size_t col, const char *label);

/* Extra attributes (replace an existing key). */
int wk_recording_set_attr_string(struct wk_recording *rec, const char *key, const char *value);
int wk_recording_set_attr_double(struct wk_recording *rec, const char *key, double value);
const struct wk_attr *wk_recording_attr(const struct wk_recording *rec, const char *key);

/* Optional arrays: add (copying data, replacing an existing name) and find. */
int wk_recording_add_array(struct wk_recording *rec, const char *name, int rank,
                           const size_t *dims, const float *data);
/* The same without the copy: data (malloc'ed, row-major, dims' element
 * count) becomes the array's and is freed by the recording, also when the
 * call fails. */
int wk_recording_adopt_array(struct wk_recording *rec, const char *name, int rank, const size_t *dims,
                             float *data);
struct wk_array *wk_recording_array(const struct wk_recording *rec, const char *name);
int wk_recording_remove_array(struct wk_recording *rec, const char *name);

/* Columns in use: present[c] recomputed as "any finite value in column c". */
void wk_recording_update_present(struct wk_recording *rec);

/* dt from time: the median of diffs, or NaN when T < 2. (The `dt` attribute
 * keeps the nominal value; tools set it.) */
double wk_recording_median_dt(const struct wk_recording *rec);

/* Check a recording against the layout (shapes, canonical labels, strictly
 * increasing finite time, present in {0,1}); logs the first problem as
 * "'file': /recordings/<id>/<field>: <problem>" and returns WK_EFORMAT. */
int wk_recording_validate(const struct wk_recording *rec, const char *file);

/* Ids of the recordings in a file, in the order they were written. */
int wk_file_recording_ids(const struct wk_file *f, char ***ids, size_t *n);
int wk_file_has_recording(const struct wk_file *f, const char *id); /* 1/0/<0 */

/* Read one recording (validated); WK_ENOTFOUND if there is no such id. */
int wk_recording_read(const struct wk_file *f, const char *id, struct wk_recording **out);

/* Write one recording (validated first); WK_EEXIST if the id exists. */
int wk_recording_write(struct wk_file *f, const struct wk_recording *rec);

#endif
