/* wk_export.h - recordings out to text tables (TSV/CSV, wide or long) and
 * NumPy .npy files, plus atomic text/binary output streams.
 *
 * Wide: "time" then one column per exported neuron (canonical order, then
 * extra columns), one row per sample; with several recordings a first
 * column "recording" is added and the header is the union of the
 * recordings' columns (extra columns matched by label and by rank among
 * equal labels), cells a recording lacks are NaN.
 * Long: recording, neuron, time, value; one row per exported neuron and
 * sample (neuron-major), NaN cells skipped unless keep_nan.
 * Numbers: float32 values in the shortest form that reads back to the same
 * float (at most 9 significant digits), time in the shortest form that
 * reads back to the same double (at most 17); NaN as "NaN".
 */
#ifndef WK_EXPORT_H
#define WK_EXPORT_H

#include <stdio.h>
#include <stddef.h>

#include "wk_recording.h"

/* --- output streams: stdout or a named file written atomically --- */

struct wk_export_output;

/* path NULL or "-": stdout (binary != 0 refuses a terminal with
 * WK_ETERMINAL); otherwise a temporary file beside path, renamed over it by
 * commit.  Logs on failure. */
int wk_export_output_open(struct wk_export_output **out, const char *path, int binary);
FILE *wk_export_output_fp(const struct wk_export_output *out);
const char *wk_export_output_name(const struct wk_export_output *out); /* path or "stdout" */
/* Flush, check for write errors, close and rename.  Always frees out.
 * WK_EPIPE (quiet) when stdout's reader went away. */
int wk_export_output_commit(struct wk_export_output *out);
/* Close and remove the temporary file.  NULL is a no-op. */
void wk_export_output_abort(struct wk_export_output *out);

/* Check a stream after writing: 0, WK_EPIPE (quiet) or WK_EIO (logged). */
int wk_export_check_stream(FILE *fp, const char *name);

/* --- numbers --- */

#define WK_NUMBER_BUFSIZE 32
/* Shortest decimal that round-trips through strtof / strtod. */
void wk_export_format_float(char buf[WK_NUMBER_BUFSIZE], float v);
void wk_export_format_double(char buf[WK_NUMBER_BUFSIZE], double v);

/* --- NumPy .npy (format version 1.0, little-endian float32, C order) --- */

/* Header bytes (magic, version, length, dict padded with spaces and '\n'
 * so that data starts at a multiple of 64) as numpy.save writes them.
 * Returns the header length, or WK_ERANGE when buf is too small or rank is
 * not in 0..4.  descr is e.g. "<f4". */
int wk_npy_header(char *buf, size_t size, const char *descr, int rank, const size_t *shape);
/* Write a float32 array of the given shape; `name` names fp in messages. */
int wk_npy_write(FILE *fp, const char *name, int rank, const size_t *shape, const float *data);

/* --- tables --- */

enum wk_export_format { WK_EXPORT_TSV = 0, WK_EXPORT_CSV = 1, WK_EXPORT_NPY = 2, WK_EXPORT_HF = 3 };
enum wk_export_layout { WK_EXPORT_WIDE = 0, WK_EXPORT_LONG = 1 };

struct wk_export_options {
    enum wk_export_format format;
    enum wk_export_layout layout;
    int all_columns;              /* 0: columns with present == 1; 1: every column */
    int keep_nan;                 /* long: also write NaN cells */
    const char *const *recordings; /* ids to export; NULL/0: all */
    size_t n_recordings;
    const char *labels_path;      /* npy: write the column labels here, one per line */
};
void wk_export_options_init(struct wk_export_options *o);

/* Columns of rec to export (present ones, or all), in column order.
 * *cols newly allocated. */
int wk_export_columns(size_t **cols, size_t *n, const struct wk_recording *rec, int all_columns);

/* Text tables in two steps, so files are read one recording at a time:
 * add every recording's label/present to a plan (wide needs the union),
 * then write the header and each recording. */
struct wk_export_plan;
struct wk_export_plan *wk_export_plan_alloc(const struct wk_export_options *o);
void wk_export_plan_free(struct wk_export_plan *p);
int wk_export_plan_add(struct wk_export_plan *p, size_t C, char *const *label,
                       const unsigned char *present);
int wk_export_write_header(FILE *fp, const char *name, const struct wk_export_plan *p);
int wk_export_write_recording(FILE *fp, const char *name, const struct wk_export_plan *p,
                              const struct wk_recording *rec);

/* NPY: traces[T][n exported columns] of one recording; the labels of those
 * columns, one per line, to labels_fp when not NULL. */
int wk_export_npy(FILE *fp, const char *name, const struct wk_recording *rec, int all_columns,
                  FILE *labels_fp, const char *labels_name);

/* --- hf: the long table of the published homogenized dataset ---
 * TSV, one row per exported column (present ones, or all) per recording:
 *   source_dataset raw_data_file worm neuron slot is_labeled_neuron
 *   smooth_method interpolate_method normalization_method
 *   original_calcium_data calcium_data original_time_in_seconds
 *   time_in_seconds original_max_timesteps max_timesteps
 * worm is "worm<k>" (k the worm attribute; the recording id when k < 0);
 * neuron the column's label; slot the column (extra columns 300 and up);
 * is_labeled_neuron True for canonical columns, else False; the methods
 * are the recording's attributes smooth_method, interpolate_method and
 * normalization_method ("none" when absent).  Array cells are JSON-style
 * lists "[v0,v1,...]" of float32 values in the shortest round-trip form,
 * NaN as NaN (Python's json.loads reads them).  calcium_data and
 * time_in_seconds are traces and time; original_calcium_data and
 * original_time_in_seconds the arrays original_traces [T0][C] and
 * original_time [T0] (worm-homogenize), or traces and time again when the
 * recording has neither them nor an original_max_timesteps attribute
 * (never resampled), or "[]" otherwise; original_max_timesteps is T0 (or
 * the attribute), max_timesteps T. */
int wk_export_hf_header(FILE *fp, const char *name);
int wk_export_hf_recording(FILE *fp, const char *name, const struct wk_recording *rec, int all_columns);

/* The whole of worm-export: read the inputs ("-" for stdin), select
 * recordings, write to out (and o->labels_path for npy). */
int wk_export_files(struct wk_export_output *out, char *const *paths, size_t n,
                    const struct wk_export_options *o);

#endif
