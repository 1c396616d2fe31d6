/* wk_labels.h - placing source neuron columns into the wormkit column layout.
 *
 * Every importer ends with the same step: n source columns, each with the
 * label found in the source, are given a recording column.  A label that is
 * exactly a canonical atlas name goes to its canonical column; a repeat of a
 * canonical label keeps the first source column there and turns the later
 * ones into extra columns ("duplicate"); any other label (also "" and NULL)
 * becomes an extra column ("unlabeled").  Extra columns are numbered
 * WK_ATLAS_SIZE, WK_ATLAS_SIZE + 1, ... in source order and keep the
 * original text as their label.  A reader may also drop a source column
 * ("rejected", column -1), e.g. an all-NaN trace.
 *
 * Dataset readers that canonicalize labels first (zero padding, "AVA?"
 * matching, ...) pass the names they derived in `canonical` and keep the
 * source text in `original`, so the report shows what the file said. */
#ifndef WK_LABELS_H
#define WK_LABELS_H

#include <stdio.h>
#include <stddef.h>

enum wk_label_decision {
    WK_LABEL_CANONICAL = 0, /* exact atlas name: its canonical column */
    WK_LABEL_DUPLICATE = 1, /* repeat of a canonical name: extra column */
    WK_LABEL_UNLABELED = 2, /* not an atlas name: extra column */
    WK_LABEL_REJECTED = 3   /* dropped by the reader: column -1 */
};

struct wk_label_map {
    size_t n;                         /* source columns */
    size_t n_extra;                   /* extra columns used (recording C = 300 + n_extra) */
    int *column;                      /* [n] recording column, -1 when rejected */
    enum wk_label_decision *decision; /* [n] */
    char **original;                  /* [n] source label ("" when missing) */
};

/* "canonical", "duplicate", "unlabeled" or "rejected". */
const char *wk_label_decision_name(enum wk_label_decision d);

/* Place n source columns by their labels (NULL entries mean no label). */
int wk_label_map_build(struct wk_label_map **out, const char *const *labels, size_t n);

/* General form for dataset readers: original[i] is the source text (NULL ->
 * ""), canonical[i] the reader's candidate name (NULL array: use original;
 * NULL entry: unlabeled), keep[i] == 0 rejects the column (NULL array:
 * keep all). */
int wk_label_map_build_ex(struct wk_label_map **out, const char *const *original,
                          const char *const *canonical, const unsigned char *keep, size_t n);

void wk_label_map_free(struct wk_label_map *map);

/* Label canonicalization of homogenize.md (rules 2-7; rule 1, a list-valued
 * ID becoming its first non-empty entry, is the reader's job).  Per label,
 * after removing leading and trailing blanks:
 *   rule 3  empty, "merge" (any case), or anything but letters and digits
 *           -> unlabeled ("AVA?", "RMD-");
 *   rule 4  a label not ending in '0' loses its '0' characters ("VB01" ->
 *           "VB1", "DD04" -> "DD4"; "VA10" stays);
 *   rule 7  a result that is not an atlas name -> unlabeled (the label map
 *           keeps the text as the extra column's original label);
 *   rule 2  repeats of a canonical name are left to the label map, which
 *           keeps the first column and reports the others as "duplicate".
 * Variants:
 *   WK_LABEL_RULES_STANDARD  rules 2, 3, 4, 7
 *   WK_LABEL_RULES_QUERY     dag2023, flavell2023: rule 5 — a label with '?'
 *                            (otherwise letters and digits) becomes the atlas
 *                            name with most position-wise equal characters
 *                            (ties: first in canonical order) among names not
 *                            taken, where taken = exact names of any column of
 *                            the worm plus names given to earlier '?' labels;
 *                            no shared character -> unlabeled.  "AVA?" ->
 *                            AVAL, a second "AVA?" -> AVAR.
 *   WK_LABEL_RULES_LEIFER    leifer2023: rule 6 in column order — an exact
 *                            atlas name is kept the first time and a repeat is
 *                            unlabeled; another label becomes label+"L", else
 *                            label+"R", whichever is an atlas name not yet
 *                            taken ("AVA", "AVA", "AVA" -> AVAL, AVAR, unlabeled).
 * Fills canonical[i] with a newly allocated atlas name, or NULL when the
 * column is unlabeled; free with wk_strv_free(canonical, n).  Deterministic.
 * Returns 0 or WK_ENOMEM. */
enum wk_label_rules {
    WK_LABEL_RULES_STANDARD = 0,
    WK_LABEL_RULES_QUERY = 1,
    WK_LABEL_RULES_LEIFER = 2
};
int wk_labels_canonicalize(char ***canonical, const char *const *labels, size_t n,
                           enum wk_label_rules rules);

/* Number of recording columns the map needs: WK_ATLAS_SIZE + n_extra. */
size_t wk_label_map_columns(const struct wk_label_map *map);

/* Label of each used recording column: atlas names are set by
 * wk_recording_alloc; this sets the extra columns' labels to the original
 * text.  Returns 0 or WK_ENOMEM. */
struct wk_recording;
int wk_label_map_apply_labels(struct wk_recording *rec, const struct wk_label_map *map);

/* Report lines: "recording\toriginal_label\tdecision\tcolumn\n" per source
 * column (column -1 when rejected; tabs and newlines in labels become
 * spaces).  The header line is written by wk_label_report_header.
 * `name` names the stream in messages.  0, or WK_EIO (logged). */
int wk_label_report_header(FILE *fp, const char *name);
int wk_label_report_write(FILE *fp, const char *name, const char *recording,
                          const struct wk_label_map *map);

#endif
