/* connectome_internal.h - shared pieces of the connectome readers
 * (src/import/connectome_*.c) and of src/connectome.c, src/compare.c.
 * Never installed. */
#ifndef WK_CONNECTOME_INTERNAL_H
#define WK_CONNECTOME_INTERNAL_H

#include <stddef.h>

#include "wormkit/wk_connectome.h"

/* --- delimited text read whole into memory --- */

/* A CSV/TSV file: the delimiter (tab, comma or semicolon, whichever is most
 * frequent on the first non-blank line) is detected once; records are cut
 * in place.  Handles a UTF-8 BOM, CRLF and CR line ends, a missing final
 * newline and double-quoted fields ("" is a quote).  Fields are trimmed of
 * surrounding blanks.  Records whose fields are all empty are skipped. */
struct wk_conn_text {
    char *name;     /* for messages: the path or "stdin" */
    char *buf;      /* the whole file, NUL-terminated, cut in place */
    size_t len, pos;
    char delim;
    long line;      /* line number of the current record's first line */
    long next_line; /* line number at pos */
    char **fields;  /* the current record (pointers into buf) */
    size_t n_fields, cap_fields;
};

/* Read `path` ("-" or NULL: stdin) whole.  Rejects empty files, files
 * holding NUL bytes and spreadsheets (xls/xlsx) with one message. */
int wk_conn_text_open(struct wk_conn_text **out, const char *path);
void wk_conn_text_free(struct wk_conn_text *t);

/* Next non-empty record: 1 with t->fields/t->n_fields set, 0 at the end,
 * or a negative code (unterminated quote, logged). */
int wk_conn_text_next(struct wk_conn_text *t);

/* --- building a connectome from records --- */

enum wk_conn_kind { WK_CONN_CHEM = 0, WK_CONN_GAP = 1 };

/* Applies the processing rules while records arrive: labels outside the
 * atlas are counted per label and dropped; zero or NaN weights dropped;
 * chemical (pre, post) keeps the first weight; gap junctions are averaged
 * over all listings of the unordered pair (a self pair listed once counts
 * once). */
struct wk_conn_builder {
    struct wk_connectome *c;
    unsigned char *chem_seen; /* [N*N] */
    double *gap_sum;          /* [N*N] at [min*N + max] */
    unsigned *gap_n;          /* [N*N] at [min*N + max] */
    struct wk_connectome_dropped *dropped;
};

int wk_conn_builder_init(struct wk_conn_builder *b);
/* Free everything still owned (after _finish, only the scratch). */
void wk_conn_builder_clear(struct wk_conn_builder *b);

/* *index = atlas index of label, or -1 after counting it as dropped
 * (`records` records named it; 0 lists a label that named no record).
 * Returns 0 or WK_ENOMEM. */
int wk_conn_builder_label(struct wk_conn_builder *b, const char *label, long records, int *index);

/* One record whose labels were checked: indices in the atlas, weight
 * already parsed (NaN and 0 are dropped here). */
void wk_conn_builder_add(struct wk_conn_builder *b, enum wk_conn_kind kind, int pre, int post,
                         double weight);

/* Fill gap from the sums, sort the dropped labels; hands over c and
 * dropped (out pointers), leaving the builder to be cleared. */
int wk_conn_builder_finish(struct wk_conn_builder *b, struct wk_connectome **c,
                           struct wk_connectome_dropped **dropped);

/* Parse a weight cell: 0 with *w set (NaN for "", "nan", "NA"), or
 * WK_EFORMAT after logging "'file': line N, <field>: not a number: 'x'". */
int wk_conn_parse_weight(const char *s, double *w, const struct wk_conn_text *t,
                         const char *field);

/* --- the readers (src/import/connectome_table.c, connectome_grid.c) --- */

/* Long tables with named columns: pre/post/type/weight by format. */
int wk_conn_read_table(struct wk_conn_builder *b, enum wk_connectome_format format,
                       const char *path);

/* Grids: labels of the presynaptic neurons down a column, postsynaptic
 * labels along a row, weights in the cells. */
int wk_conn_read_grid(struct wk_conn_builder *b, enum wk_conn_kind kind, const char *path);

/* Randi et al. 2023: value grid, kept where the q grid holds q < q_max. */
int wk_conn_read_randi(struct wk_conn_builder *b, const char *values_path, const char *q_path,
                       double q_max);

#endif
