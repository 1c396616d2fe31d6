/* wk_connectome.h - structural (and functional) connectomes on the
 * 300-neuron atlas: import from the published annotations, consensus over
 * sources, HDF5 storage and export.
 *
 *   /connectomes/<id>/   attrs source, source_file, dropped_labels
 *                        (+ second_file for two-file sources, q_max for
 *                        randi2023, sources, n_sources, spread for a consensus)
 *       chem         float32[300][300]  chemical synapses, row = presynaptic; 0 = none
 *       gap          float32[300][300]  gap junctions, symmetric
 *       chem_count   int32[300][300]    consensus only: sources having the edge
 *       gap_count    int32[300][300]
 *       chem_spread  float32[300][300]  consensus only: standard deviation
 *       gap_spread   float32[300][300]  (divisor n) of the weights of those sources
 *
 * Rows and columns are the atlas (wk_atlas.h) in canonical order.
 */
#ifndef WK_CONNECTOME_H
#define WK_CONNECTOME_H

#include <stdio.h>
#include <stddef.h>

#include "wk_atlas.h"
#include "wk_file.h"

#define WK_CONNECTOME_N WK_ATLAS_SIZE
#define WK_CONNECTOME_Q_MAX 0.05 /* randi2023: keep q < 0.05 */

struct wk_connectome {
    char *id;             /* link name under /connectomes */
    char *source;         /* source id ("white1986_jse", "consensus", ...) */
    char *source_file;    /* input file ("" if unknown) */
    char *second_file;    /* cook2019 gap grid, randi2023 q-value grid, else "" */
    char *sources;        /* consensus: comma-separated ids combined, else "" */
    long dropped_labels;  /* distinct labels outside the atlas */
    double q_max;         /* randi2023 threshold, NaN otherwise */
    float *chem;          /* [N*N], chem[pre * N + post] */
    float *gap;           /* [N*N], symmetric */
    int *chem_count;      /* consensus only, else NULL: [N*N] */
    int *gap_count;
    float *chem_spread;   /* consensus only, else NULL: [N*N] */
    float *gap_spread;
};

/* Zero matrices, empty strings, q_max NaN; NULL (logged) without memory. */
struct wk_connectome *wk_connectome_alloc(void);
void wk_connectome_free(struct wk_connectome *c);
/* Replace one of the string members (c->id, c->source, ...) by a copy. */
int wk_connectome_set_string(char **member, const char *value);

/* Labels dropped while importing: the label and the number of records (table
 * rows, or non-empty grid cells) that named it; sorted by label. */
struct wk_connectome_dropped {
    size_t n;
    char **label;
    long *records;
};
void wk_connectome_dropped_free(struct wk_connectome_dropped *d);
/* TSV "label<TAB>records" with a header line; name names fp in messages. */
int wk_connectome_dropped_write(FILE *fp, const char *name, const struct wk_connectome_dropped *d);

/* --- sources --- */

enum wk_connectome_format {
    WK_CONNECTOME_LONG,      /* pre, post, type (chemical|electrical), synapses */
    WK_CONNECTOME_VARSHNEY,  /* Neuron 1, Neuron 2, Type (EJ gap, Sp chemical; S R Rp NMJ ignored), Nbr */
    WK_CONNECTOME_OPENWORM,  /* Origin, Target, Type (GapJunction|Send), Number of Connections */
    WK_CONNECTOME_COOK,      /* chemical grid + gap grid */
    WK_CONNECTOME_RANDI      /* value grid + q-value grid */
};

struct wk_connectome_source {
    const char *id;          /* "white1986_jse" */
    enum wk_connectome_format format;
    const char *summary;     /* one line for --help and the man page */
};

/* The known sources, terminated by an entry with a NULL id. */
const struct wk_connectome_source *wk_connectome_sources(void);
/* Exact id, or NULL. */
const struct wk_connectome_source *wk_connectome_source_find(const char *id);
/* 1 when the format takes a second file (cook2019, randi2023). */
int wk_connectome_format_two_files(enum wk_connectome_format format);

struct wk_connectome_import_options {
    const char *source;   /* a source id */
    const char *file;     /* "-" or NULL: stdin */
    const char *second;   /* cook2019: gap grid; randi2023: q-value grid; else NULL */
    double q_max;         /* randi2023: keep q < q_max (WK_CONNECTOME_Q_MAX) */
    const char *id;       /* NULL: the source id */
};
void wk_connectome_import_options_init(struct wk_connectome_import_options *o);

/* Read one source into a connectome (and the dropped labels when `dropped`
 * is not NULL).  Bad input: one message naming the file and the field,
 * WK_EFORMAT; an unknown source id: WK_EINVAL. */
int wk_connectome_import(struct wk_connectome **out, struct wk_connectome_dropped **dropped,
                         const struct wk_connectome_import_options *o);

/* --- HDF5 --- */

/* Valid connectome id: non-empty, no '/', not "." or "..". */
int wk_connectome_id_valid(const char *id);
/* Ids under /connectomes in name order (none: *n = 0). */
int wk_connectome_ids(const struct wk_file *f, char ***ids, size_t *n);
int wk_connectome_exists(const struct wk_file *f, const char *id); /* 1, 0 or <0 */
/* Write c as /connectomes/<c->id>; WK_EEXIST (logged) if it exists. */
int wk_connectome_write(struct wk_file *f, const struct wk_connectome *c);
/* Read (and check the shapes of) /connectomes/<id>; WK_ENOTFOUND if absent. */
int wk_connectome_read(const struct wk_file *f, const char *id, struct wk_connectome **out);

/* Load connectome `id` of a file ("-" is stdin); id NULL: the file must
 * hold exactly one connectome. */
int wk_connectome_load(struct wk_connectome **out, const char *path, const char *id);
/* The same from "FILE:ID" or "FILE"; a spec naming an existing file is a
 * file name, whatever colons it holds. */
int wk_connectome_load_spec(struct wk_connectome **out, const char *spec);

/* Read connectomes from files ("-" is stdin, at most once): the ones named
 * in ids (each must be found; every match across the files is taken), or
 * with n_ids == 0 every connectome that is not itself a consensus.  Each
 * file's history is appended to `history` when it is not NULL.  Fails when
 * nothing is found. */
int wk_connectome_collect(struct wk_connectome ***out, size_t *n, char *const *paths,
                          size_t n_paths, char *const *ids, size_t n_ids, struct wk_file *history);
void wk_connectome_list_free(struct wk_connectome **v, size_t n);

/* --- consensus --- */

/* Per directed pair: chem = mean of the nonzero chemical weights of the
 * sources, chem_count = how many, chem_spread = their standard deviation
 * (divisor n; 0 for one source).  Gap junctions alike, each source counted
 * once per unordered pair.  Needs n >= 1. */
int wk_connectome_consensus(struct wk_connectome **out, const struct wk_connectome *const *in,
                            size_t n, const char *id);

/* --- export --- */

/* Copy the dense matrix named `what` (chem, gap, chem_count, gap_count,
 * chem_spread, gap_spread) into dst[N*N] as float32; WK_ENOTFOUND (logged)
 * when c lacks it (the last four exist only in a consensus). */
int wk_connectome_matrix(float *dst, const struct wk_connectome *c, const char *what);
/* Edge list TSV: pre, post, chem, gap (+ chem_count, gap_count, chem_spread,
 * gap_spread for a consensus), one row per ordered pair with a nonzero chem
 * or gap weight, canonical order (pre, then post). */
int wk_connectome_write_edges(FILE *fp, const char *name, const struct wk_connectome *c);
/* Dense TSV: header "neuron" + 300 names, then one row per neuron. */
int wk_connectome_write_dense(FILE *fp, const char *name, const struct wk_connectome *c,
                              const char *what);
/* NPY float32 [300][300]. */
int wk_connectome_write_npy(FILE *fp, const char *name, const struct wk_connectome *c,
                            const char *what);

#endif
