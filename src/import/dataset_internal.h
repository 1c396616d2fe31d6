/* dataset_internal.h - steps shared by the readers of published datasets
 * (src/import/yemini_lin.c, flavell_lab.c, leifer2023.c,
 * venkatachalam2024.c).  Never installed. */
#ifndef WK_DATASET_INTERNAL_H
#define WK_DATASET_INTERNAL_H

#include <stddef.h>

#include "wormkit/wk_import.h"
#include "wormkit/wk_labels.h"

/* 1 when path names a folder, 0 otherwise (also when it does not exist). */
int wk_dataset_is_folder(const char *path);

/* The files directly in folder whose names end in one of the
 * space-separated suffixes (case-insensitive), as "folder/name", sorted by
 * name; hidden files are skipped.  Free with wk_strv_free(*paths, *n). */
int wk_dataset_list_folder(char ***paths, size_t *n, const char *folder, const char *suffixes);

/* Recording id "<dataset>_<stem>" (worm < 0) or "<dataset>_<stem>_w<worm>",
 * stem being `stem` or, when NULL, the path's file stem. */
char *wk_dataset_recording_id(const char *dataset, const char *path, const char *stem, long worm);

/* Fill a finished table's name (wk_dataset_recording_id), dataset,
 * source_file (the path's base name) and canonical labels (rules), then
 * hand it to the sink, which owns it from then on (also on error). */
int wk_dataset_emit(struct wk_import_table *t, const char *dataset, const char *path,
                    const char *stem, long worm, enum wk_label_rules rules,
                    wk_import_sink_fn sink, void *ctx);

/* Base name of a path ("a/b.mat" -> "b.mat"). */
const char *wk_dataset_base_name(const char *path);

/* Read a whole file into memory (NUL-terminated; size without the NUL). */
int wk_dataset_slurp(char **data, size_t *size, const char *path);


#endif
