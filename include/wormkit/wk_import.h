/* wk_import.h - reading raw recordings into the wormkit layout.
 *
 * Every reader turns one input (file or "-" for stdin) into one or more
 * tables, one per worm, and hands each to a sink.  A table is the raw
 * matrix as found in the source (samples x source columns, source labels);
 * wk_import_to_recording places its columns (wk_labels.h) into a
 * wk_recording.  New readers (dataset formats) live in src/import/<name>.c
 * and are listed in the format registry of src/import/import.c.
 */
#ifndef WK_IMPORT_H
#define WK_IMPORT_H

#include <stdio.h>
#include <stddef.h>

#include "wk_file.h"
#include "wk_labels.h"
#include "wk_recording.h"

/* One worm as read from a source, before label placement. */
struct wk_import_table {
    size_t T, N;              /* samples, source columns */
    double *time;             /* [T] seconds, finite, strictly increasing */
    float *values;            /* [T * N], sample-major: values[t * N + i]; NaN = missing */
    char **labels;            /* [N] source labels, "" when none */
    char **canonical;         /* NULL, or [N] reader-derived atlas names (NULL entry: none) */
    unsigned char *keep;      /* NULL, or [N] 0 drops the column ("rejected") */
    double dt;                /* nominal sampling interval; NaN: derived from time */
    char *name;               /* recording id suggestion; NULL: the input's file stem */
    char *dataset;            /* NULL: the --dataset option or "generic" */
    char *source_file;        /* NULL: the input's base name */
    long worm;                /* worm index; -1: running index over all inputs */
};

/* Table of T samples and N columns: time 0, values NaN, labels "", dt NaN,
 * worm -1, optional members NULL.  NULL (logged) on failure. */
struct wk_import_table *wk_import_table_alloc(size_t T, size_t N);
void wk_import_table_free(struct wk_import_table *t);

/* Options shared by all readers (each uses what applies to it). */
enum wk_import_orientation {
    WK_IMPORT_AUTO_ORIENTATION = 0, /* time x neurons unless only the transpose fits the labels */
    WK_IMPORT_TIME_BY_NEURONS = 1,
    WK_IMPORT_NEURONS_BY_TIME = 2
};

struct wk_import_options {
    const char *format;       /* registry name; NULL: from the file extension */
    const char *time_column;  /* delimited: time column header; NULL: first column, named time, t or time_s */
    int no_time;              /* the source has no time: time = k * dt */
    double dt;                /* seconds, with no_time (NaN otherwise) */
    const char *traces_path;  /* h5: matrix dataset (default "traces") */
    const char *labels_path;  /* h5: label strings (default "labels") */
    const char *time_path;    /* h5: time vector (default "time") */
    enum wk_import_orientation orientation;
    const char *dataset;      /* dataset attribute; NULL: reader's choice or "generic" */
    const char *id;           /* recording id for a single input; NULL: file stem */
};
void wk_import_options_init(struct wk_import_options *o);

/* A sink takes ownership of the table (and frees it, also on error). */
typedef int (*wk_import_sink_fn)(struct wk_import_table *t, void *ctx);

/* A reader: read every worm of one input, calling sink once per worm.
 * Logs one message naming the file and the field on error. */
typedef int (*wk_import_reader_fn)(const char *path, const struct wk_import_options *o,
                                   wk_import_sink_fn sink, void *ctx);

struct wk_import_format {
    const char *name;        /* "csv" */
    const char *extensions;  /* space-separated, lower case: ".csv" */
    const char *summary;     /* one line for --help/--list */
    wk_import_reader_fn read;
};

/* Registry: all formats (terminated by a NULL name), lookup by name, and by
 * the path's extension (case-insensitive; NULL when unknown). */
const struct wk_import_format *wk_import_formats(void);
const struct wk_import_format *wk_import_format_find(const char *name);
const struct wk_import_format *wk_import_format_for_path(const char *path);

/* Read one input with o->format (or the extension's format): logs
 * "'x': unknown format ..." when neither gives a reader. */
int wk_import_read(const char *path, const struct wk_import_options *o,
                   wk_import_sink_fn sink, void *ctx);

/* --- delimited text (src/import/delimited.c) --- */

#define WK_DELIM_BLANKS ' ' /* fields separated by runs of spaces/tabs */

struct wk_delim_options {
    char delim;               /* ',', '\t' or WK_DELIM_BLANKS */
    int header;               /* 1: first non-comment line holds the column names */
    const char *time_column;  /* as in wk_import_options (needs header) */
    int no_time;              /* no time column: time = k * dt */
    double dt;
};

/* Parse a whole stream.  `name` names it in messages ("'a.csv': line 7,
 * column 'AVAL': not a number: 'abc'").  Handles CRLF, a UTF-8 BOM, '#'
 * comment lines, blank lines (skipped) and double-quoted fields ("" is a
 * quote inside quotes).  Cells: numbers; "", NaN, NA -> NaN; Inf rejected. */
int wk_delim_read(struct wk_import_table **out, FILE *fp, const char *name,
                  const struct wk_delim_options *o);

/* Readers for the registry: csv, tsv ("-" is stdin). */
int wk_import_read_csv(const char *path, const struct wk_import_options *o,
                       wk_import_sink_fn sink, void *ctx);
int wk_import_read_tsv(const char *path, const struct wk_import_options *o,
                       wk_import_sink_fn sink, void *ctx);

/* --- plain HDF5 matrix + labels (src/import/h5matrix.c) --- */
int wk_import_read_h5matrix(const char *path, const struct wk_import_options *o,
                            wk_import_sink_fn sink, void *ctx);

/* --- shared steps (src/import/import.c) --- */

/* Check time: finite, strictly increasing.  Logs "'file': <field>[i]: time
 * not strictly increasing (2.5 after 2.5)" or "...: time is not finite". */
int wk_import_check_time(const double *time, size_t T, const char *file, const char *field);

/* Median of the time steps when all steps are within 1e-6 (relative) of
 * it, else NaN (also for T < 2). */
double wk_import_uniform_dt(const double *time, size_t T);

/* Build a recording from a table: label placement (map returned through
 * map_out when not NULL), time, traces, present, extra labels, dt (t->dt or
 * wk_import_uniform_dt).  Id, dataset, worm and source are left to the
 * caller. */
int wk_import_to_recording(struct wk_recording **out, struct wk_label_map **map_out,
                           const struct wk_import_table *t);

/* The whole of worm-import: read every input in order, make one recording
 * per table (id, dataset, worm, source_file as documented in
 * worm-import(1)), write it to dst and, when report is not NULL, its label
 * report lines (header first).  report_name names the report in messages. */
int wk_import_files(struct wk_file *dst, FILE *report, const char *report_name,
                    char *const *paths, size_t n, const struct wk_import_options *o);

/* The run's rules beyond reading (worm-import(1): SKIPPED WORMS, MISSING
 * DATA).  Per table, in this order: a worm with fewer than min_samples
 * samples is skipped; all-NaN columns are rejected; with drop_long_gaps, a
 * column whose longest NaN run exceeds drop_long_gaps * T is rejected;
 * impute fills the kept columns; with drop_linear, a column whose exactly
 * linear 50-sample windows exceed that fraction is rejected; a worm with
 * fewer than min_labeled canonical columns is skipped.  A skipped worm is
 * named on stderr (one warning line) and is not an error; the run fails
 * when nothing at all was written.  `process`, when set, is applied to
 * each recording before it is written (worm-homogenize's signal steps). */
typedef int (*wk_import_process_fn)(struct wk_recording *rec, const char *file, void *ctx);

#define WK_IMPORT_MIN_SAMPLES 600 /* the reference's minimum worm length */
#define WK_IMPORT_GAP_FRACTION 0.05
#define WK_IMPORT_LINEAR_FRACTION 0.001

struct wk_import_run {
    long min_samples;        /* < 0: 600 for the published datasets, else 0 (off) */
    long min_labeled;        /* < 0: 1 for the published datasets, else 0 (off) */
    int impute;              /* enum wk_impute_method; < 0: none, or the reference's */
    double drop_long_gaps;   /* NaN: off (or the reference's) */
    double drop_linear;      /* NaN: off (or the reference's) */
    int reference_filters;   /* 1: unset impute/drop_* take the dataset's reference values */
    wk_import_process_fn process;
    void *process_ctx;
    size_t written, skipped; /* counts over every call with this run */
    long next_worm;          /* running worm index (tables without one) */
    int report_started;      /* the report header has been written */
};
void wk_import_run_init(struct wk_import_run *r);

/* 1 when name is one of the twelve published datasets of homogenize.md. */
int wk_import_is_published(const char *name);

/* wk_import_files with the rules of run (which may be used for several
 * calls writing to one output: counts, worm index and the report header
 * carry over).  A folder argument: for a format
 * with file extensions, the folder's files with those extensions, sorted by
 * name (not recursive, hidden files skipped); a dataset format (no
 * extension) reads the folder itself.  When o->format is NULL and
 * o->dataset names a registered format, that format reads the inputs. */
int wk_import_run_files(struct wk_file *dst, FILE *report, const char *report_name,
                        char *const *paths, size_t n, const struct wk_import_options *o,
                        struct wk_import_run *run);

/* The outputs of an import: create the wormkit file `output` (NULL or "-":
 * stdout) and, when report_path is not NULL, the label report; fill() writes
 * both (report NULL when not asked for); then both are committed, or both
 * abandoned on any error, so a failed run leaves neither. */
typedef int (*wk_import_fill_fn)(struct wk_file *out, FILE *report, const char *report_name, void *ctx);
int wk_import_write_outputs(const char *output, const char *report_path, wk_import_fill_fn fill,
                            void *ctx);

/* --- MATLAB v7.3 datasets (src/import/mat73_datasets.c): one struct per
 * file whose fields are cell arrays with one element per worm (IDs, traces
 * time x neurons, time in seconds); the worm of element {k+1} of STEM.mat
 * is the recording "<dataset>_STEM_w<k>" (k from 0, also its worm
 * attribute); a folder stands for its .mat files --- */
int wk_import_read_kato2015(const char *path, const struct wk_import_options *o,
                            wk_import_sink_fn sink, void *ctx);
int wk_import_read_nichols2017(const char *path, const struct wk_import_options *o,
                               wk_import_sink_fn sink, void *ctx);
int wk_import_read_skora2018(const char *path, const struct wk_import_options *o,
                             wk_import_sink_fn sink, void *ctx);
int wk_import_read_kaplan2020(const char *path, const struct wk_import_options *o,
                              wk_import_sink_fn sink, void *ctx);
int wk_import_read_uzel2022(const char *path, const struct wk_import_options *o,
                            wk_import_sink_fn sink, void *ctx);

/* --- NWB (src/import/nwb.c): nejatbakhsh2020 (one worm per file, 4 Hz,
 * recording "nejatbakhsh2020_STEM"; a folder stands for its .nwb files)
 * and any RoiResponseSeries (--traces: the series group, default the first
 * RoiResponseSeries under /processing; --labels: a string dataset, default
 * the series' NeuronIDs/labels if any) --- */
int wk_import_read_nejatbakhsh2020(const char *path, const struct wk_import_options *o,
                                   wk_import_sink_fn sink, void *ctx);
int wk_import_read_nwb(const char *path, const struct wk_import_options *o,
                       wk_import_sink_fn sink, void *ctx);

/* --- generic MAT-files (src/import/mat.c): v7.3 through HDF5, v5 through
 * libmatio; variables --traces (numeric matrix), --labels (cell array of
 * strings or char matrix), --time (vector) or --no-time --dt --- */
int wk_import_read_mat(const char *path, const struct wk_import_options *o,
                       wk_import_sink_fn sink, void *ctx);

/* --- published datasets: MAT v5, HDF5 + JSON, text, zip (src/import/
 * matv5_datasets.c, flavell_lab.c, leifer2023.c, venkatachalam2024.c) ---
 * Each reads one file or, where the dataset is a folder, the folder (see
 * worm-import(1), DATASETS); one table per worm, named
 * "<dataset>_<file stem>" ("..._w<k>" for the k-th worm of a yemini2021
 * file), with canonical labels derived by wk_labels_canonicalize. */
int wk_import_read_yemini2021(const char *path, const struct wk_import_options *o,
                              wk_import_sink_fn sink, void *ctx);
int wk_import_read_lin2023(const char *path, const struct wk_import_options *o,
                           wk_import_sink_fn sink, void *ctx);
int wk_import_read_dag2023(const char *path, const struct wk_import_options *o,
                           wk_import_sink_fn sink, void *ctx);
int wk_import_read_flavell2023(const char *path, const struct wk_import_options *o,
                               wk_import_sink_fn sink, void *ctx);
int wk_import_read_leifer2023(const char *path, const struct wk_import_options *o,
                              wk_import_sink_fn sink, void *ctx);
int wk_import_read_venkatachalam2024(const char *path, const struct wk_import_options *o,
                                     wk_import_sink_fn sink, void *ctx);

#endif
