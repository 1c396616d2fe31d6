/* wk_file.h - wormkit-h5 files on disk and through pipes.
 *
 * A path of "-" (or NULL) means stdin for reading and stdout for writing.
 * stdin is read whole into memory and opened as an HDF5 file image; stdout
 * output is built in memory (core driver) and its image written on commit.
 * Named outputs are written to a temporary file in the same folder and
 * renamed over the requested name on commit; wk_file_abort() (and SIGINT or
 * SIGTERM, see wk_file_install_signal_cleanup) removes the temporary file. */
#ifndef WK_FILE_H
#define WK_FILE_H

#include <hdf5.h>
#include <stddef.h>

#define WK_FORMAT_NAME "wormkit-h5"
#define WK_FORMAT_VERSION 1

struct wk_file; /* opaque */

/* Open an existing wormkit file read-only.  Checks, in order: readable,
 * non-empty, HDF5 signature, root attribute wormkit_format, and
 * wormkit_version == WK_FORMAT_VERSION; each failure logs one message
 * ("'x.h5': not an HDF5 file", "'x.h5': not a wormkit file (no
 * wormkit_format attribute)", "'x.h5': wormkit layout version 7 is not
 * supported (this is version 1)") and returns WK_EFORMAT/WK_EVERSION. */
int wk_file_open(struct wk_file **out, const char *path);

/* Open any HDF5 file read-only (no wormkit checks); for importers. */
int wk_file_open_hdf5(struct wk_file **out, const char *path);

/* As wk_file_open_hdf5, with the same structural checks of the input, but
 * logging nothing: for a look at what a file holds before deciding how to
 * read it (the read that follows reports any problem).  0 or the code. */
int wk_file_probe_hdf5(struct wk_file **out, const char *path);

/* Create a new wormkit file (root attributes and /atlas/neurons written).
 * Fails with WK_ETERMINAL when path is "-" and stdout is a terminal. */
int wk_file_create(struct wk_file **out, const char *path);

/* Open an existing wormkit file to modify it atomically: the file is copied
 * to a temporary name, changes go to the copy, commit renames it over the
 * original.  A missing file is created as by wk_file_create.  "-" reads
 * stdin and writes the modified file to stdout on commit. */
int wk_file_update(struct wk_file **out, const char *path);

/* Finish an output file: append this run's history line (see wk_history_*),
 * close, then write the image to stdout or rename the temporary file.
 * Always frees f.  Returns WK_EPIPE quietly when stdout's reader is gone. */
int wk_file_commit(struct wk_file *f);

/* Give up an output file: close and remove the temporary file.  Frees f. */
void wk_file_abort(struct wk_file *f);

/* Close a file opened for reading.  NULL is a no-op.  (On an output not
 * committed it acts as wk_file_abort.) */
void wk_file_close(struct wk_file *f);

/* Name for messages: the path, or "stdin"/"stdout". */
const char *wk_file_name(const struct wk_file *f);
hid_t wk_file_hid(const struct wk_file *f);

/* History: the root attribute `history` is a 1-D array of strings, one per
 * tool run, "<argv joined by spaces> (wormkit <version>, <UTC ISO time>)".
 * wk_history_set_command records this process's command line (done by
 * wk_cli_start).  wk_file_copy_history appends src's lines to dst's pending
 * history (call once per input, in input order). */
void wk_history_set_command(int argc, char *const argv[]);
int wk_file_copy_history(struct wk_file *dst, const struct wk_file *src);
/* All history lines of a file, newly allocated (free with wk_strv_free). */
int wk_file_history(const struct wk_file *f, char ***lines, size_t *n);

/* Copy a group (e.g. "/connectomes", "/results") from src into dst when it
 * exists in src; objects already present in dst are an WK_EEXIST error. */
int wk_file_copy_group(struct wk_file *dst, const struct wk_file *src, const char *group);

/* Remove temporary outputs on SIGINT/SIGTERM (re-raising the signal). */
void wk_file_install_signal_cleanup(void);

/* For tools that checkpoint long runs: after this, a first SIGINT/SIGTERM
 * only records the signal (wk_file_stop_requested() returns its number) so
 * the run can save a checkpoint at a safe point; a second one removes the
 * temporary files and ends the process at once.  wk_file_stop_now() removes
 * the temporary files and ends the process by the recorded signal (SIGTERM
 * if none), so a batch system sees how it ended; call it after saving. */
void wk_file_defer_signals(void);
int wk_file_stop_requested(void);
void wk_file_stop_now(void);

/* --- small typed helpers on any HDF5 location, used by all modules --- */

/* Create intermediate groups of path ("/results/glm") if missing. */
int wk_h5_ensure_group(hid_t loc, const char *path, hid_t *group_out /* may be NULL */);
int wk_h5_exists(hid_t loc, const char *path); /* 1, 0 or negative error */

/* Write datasets; rank <= 4; float32 storage for float data, chunked and
 * deflate-compressed when larger than 1 KiB (at the level below; level 0:
 * contiguous, uncompressed). */
int wk_h5_write_float(hid_t loc, const char *name, int rank, const size_t *dims, const float *data);
int wk_h5_write_double(hid_t loc, const char *name, int rank, const size_t *dims, const double *data);
int wk_h5_write_int(hid_t loc, const char *name, int rank, const size_t *dims, const int *data);
int wk_h5_write_uint8(hid_t loc, const char *name, int rank, const size_t *dims, const unsigned char *data);
int wk_h5_write_strings(hid_t loc, const char *name, size_t n, char *const *strings);

/* Deflate level of the datasets written from now on (the tools' -l/--level):
 * 0 (none) to 9, or -1 for the default: the environment variable
 * WORMKIT_DEFLATE_LEVEL when set, else 0 for an in-memory output going to
 * stdout through a pipe or socket (the next tool reads it at once) and 1
 * otherwise.  WK_EINVAL (logged) outside -1..9.  wk_h5_deflate_level gives
 * the level a dataset created at loc gets. */
int wk_h5_set_deflate_level(int level);
/* The same for the value of a -l/--level option: WK_EUSAGE (reported as a
 * usage error) unless an integer from 0 to 9. */
int wk_h5_deflate_level_option(const char *arg);
int wk_h5_deflate_level(hid_t loc);

/* Storage layouts libhdf5 1.10 mishandles, refused before a read: a
 * compact dataset (data kept in its object header) holding fewer bytes
 * than its shape needs (libhdf5 reads from a NULL buffer: SIGSEGV), and a
 * chunk over 16 MiB that is larger than the whole dataset (libhdf5
 * allocates and fills it: gigabytes).  0, or WK_EFORMAT with "'file':
 * where: compact storage holds N of the M bytes its shape needs" or
 * "...: chunk of N bytes is larger than the whole dataset (M bytes)". */
int wk_h5_layout_ok(hid_t dset, const char *file, const char *where);

/* Read datasets: shape returned through rank/dims (dims has room for 4),
 * data newly allocated and converted to the requested type.  `file` names
 * the file in messages.  Shapes are checked against WK_MAX_ALLOC before
 * allocation. */
int wk_h5_read_float(hid_t loc, const char *name, const char *file, int *rank, size_t *dims, float **data);
int wk_h5_read_double(hid_t loc, const char *name, const char *file, int *rank, size_t *dims, double **data);
int wk_h5_read_int(hid_t loc, const char *name, const char *file, int *rank, size_t *dims, int **data);
int wk_h5_read_uint8(hid_t loc, const char *name, const char *file, int *rank, size_t *dims, unsigned char **data);
int wk_h5_read_strings(hid_t loc, const char *name, const char *file, size_t *n, char ***strings);

/* Scalar attributes on the object at loc. */
int wk_h5_set_attr_string(hid_t loc, const char *name, const char *value);
int wk_h5_set_attr_double(hid_t loc, const char *name, double value);
int wk_h5_set_attr_long(hid_t loc, const char *name, long value);
/* Getters return WK_ENOTFOUND (without logging) when the attribute is absent. */
int wk_h5_get_attr_string(hid_t loc, const char *name, char **value);
int wk_h5_get_attr_double(hid_t loc, const char *name, double *value);
int wk_h5_get_attr_long(hid_t loc, const char *name, long *value);
/* 1-D string array attribute (like the root `history`). */
int wk_h5_set_attr_strings(hid_t loc, const char *name, size_t n, char *const *values);
int wk_h5_get_attr_strings(hid_t loc, const char *name, char ***values, size_t *n);

/* Name of the open wormkit file holding loc, for messages: the path the
 * user gave (not the temporary name), "stdin" or "stdout".  For a file not
 * opened through wk_file_*, HDF5's name for it (valid until the next call). */
const char *wk_h5_file_name(hid_t loc);

#endif
