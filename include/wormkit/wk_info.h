/* wk_info.h - per-recording summaries and the full layout check (worm-info). */
#ifndef WK_INFO_H
#define WK_INFO_H

#include <stddef.h>
#include <stdio.h>
#include "wk_file.h"
#include "wk_recording.h"

/* Summary of one recording. */
struct wk_info {
    char *id;
    char *dataset;
    size_t samples;       /* T */
    double duration;      /* time[T-1] - time[0] in s (0 when T == 1) */
    double median_dt;     /* median of time differences in s; NaN when T < 2 */
    size_t labeled;       /* canonical columns present */
    size_t unlabeled;     /* extra columns present */
    size_t present;       /* labeled + unlabeled */
    double nan_fraction;  /* NaN values / (T * present); NaN when present == 0 */
};

/* Fill info from rec (id and dataset copied). */
int wk_info_compute(struct wk_info *info, const struct wk_recording *rec);
void wk_info_clear(struct wk_info *info); /* frees the strings; NULL is a no-op */

enum wk_info_format { WK_INFO_TABLE, WK_INFO_TSV, WK_INFO_JSON };

/* "table", "tsv" or "json"; anything else is a usage error (WK_EUSAGE). */
int wk_info_parse_format(enum wk_info_format *fmt, const char *text);

/* Rows over several files, printed together (the table aligns columns). */
struct wk_info_list {
    struct wk_info *rows;
    size_t n, cap;
};

/* Append one row per recording of f, reading one recording at a time. */
int wk_info_list_add_file(struct wk_info_list *list, const struct wk_file *f);
void wk_info_list_clear(struct wk_info_list *list);

/* Print the rows: table (header, aligned columns, "-" for an empty
 * dataset), tsv (header, tab-separated) or json (an array of objects,
 * null for NaN).  Numbers in tsv/json use the shortest text that reads
 * back as the same double. */
void wk_info_list_print(FILE *out, const struct wk_info_list *list, enum wk_info_format fmt);

/* Validate the whole file: root attributes, /atlas/neurons equal to the
 * atlas, every recording (wk_recording_read), dt within 1% of the median
 * time step when finite, present[c] == 1 exactly when column c holds a
 * finite value, /connectomes/<id>/chem and gap float32 [300][300] with gap
 * symmetric.  Logs the first problem ("'x.h5': /recordings/r1/dt: ...")
 * and returns WK_EFORMAT; on success *n_recordings is set. */
int wk_info_check(const struct wk_file *f, size_t *n_recordings);

/* The file's history lines, one per line. */
int wk_info_print_history(FILE *out, const struct wk_file *f);

#endif
