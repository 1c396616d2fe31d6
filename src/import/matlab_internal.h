/* matlab_internal.h - MATLAB MAT-files for the importers (never installed).
 *
 * A MATLAB v7.3 MAT-file is an HDF5 file behind a 512-byte user block.
 * Each variable is a root object with a 'MATLAB_class' attribute: numeric
 * arrays are datasets stored column-major (a MATLAB rows x cols matrix is
 * an HDF5 [cols][rows] dataset), a char array is a uint16 dataset of
 * UTF-16 code units, a cell array is a dataset of object references into
 * the group "#refs#", a 1x1 struct is a group holding one object per
 * field, and an empty array carries 'MATLAB_empty' = 1 (its data are then
 * its dimensions).  `where` arguments name the MATLAB expression in
 * messages ("WT_Stim/traces{2}"). */
#ifndef WK_IMPORT_MATLAB_INTERNAL_H
#define WK_IMPORT_MATLAB_INTERNAL_H

#include <hdf5.h>
#include <stddef.h>

#include "wormkit/wk_import.h"

#define WK_MAT_WHERE_SIZE 256

/* A numeric array as MATLAB sees it: rows x cols, column-major
 * (data[c * rows + r]); an empty array is 0 x 0 with data NULL. */
struct wk_mat_matrix {
    size_t rows, cols;
    double *data;
};
void wk_mat_matrix_clear(struct wk_mat_matrix *m);

/* The references of a cell array, in MATLAB's linear (column-major) order. */
struct wk_mat73_cell {
    hid_t id; /* the cell dataset (not owned) */
    size_t rows, cols, n;
    hobj_ref_t *refs;
};
void wk_mat73_cell_clear(struct wk_mat73_cell *c);

/* 1 when the file starts like a MAT-file of version 7.3 (HDF5), 0 when it
 * is another MAT-file (v5, v7, or v4 without header) or unreadable. */
int wk_mat_is_v73(const char *path);

/* Walk a MAT v5 (v6, v7) file without allocating and refuse one whose
 * headers claim more than it holds (libmatio would allocate the claim):
 * 0, or WK_EFORMAT with "'file': MAT variable 'x': <why>" (src/import/
 * mat5_check.c).  A file without a v5 header (MAT v4) is refused too. */
int wk_mat5_check(const char *path);

/* MATLAB_class of obj, newly allocated; "" when absent.  NULL: no memory. */
char *wk_mat73_class(hid_t obj);
/* 1 when obj carries MATLAB_empty != 0. */
int wk_mat73_is_empty(hid_t obj);

/* Open the object `name` of group loc (a struct field or a root variable):
 * 0, or WK_ENOTFOUND without a message. */
int wk_mat73_open(hid_t *out, hid_t loc, const char *name);

/* The struct to read: the first of `names` that is a root group, else the
 * only root group of MATLAB_class "struct"; 0, or WK_ENOTFOUND with
 * "'file': <names[0]>: missing (no such MATLAB struct)".  *chosen is the
 * struct's name, newly allocated. */
int wk_mat73_find_struct(hid_t *out, char **chosen, hid_t file, const char *const *names,
                         const char *filename);

/* A numeric (or logical) array of at most 2 dimensions; a char, cell or
 * struct is an error naming `where`. */
int wk_mat73_read_matrix(struct wk_mat_matrix *m, hid_t obj, const char *file, const char *where);

/* A cell array's references; and the object of element k (0-based). */
int wk_mat73_read_cell(struct wk_mat73_cell *c, hid_t obj, const char *file, const char *where);
int wk_mat73_cell_open(hid_t *out, const struct wk_mat73_cell *c, size_t k, const char *file,
                       const char *where);

/* 1 when obj is a cell array (MATLAB_class "cell", or references). */
int wk_mat73_is_cell(hid_t obj);

/* A neuron ID (rule 1 of homogenize.md): a char array is its text; a cell
 * is its first entry whose ID is not empty (searched recursively); an
 * empty array, a number or an empty cell is "" (no label). */
int wk_mat73_read_label(char **out, hid_t obj, const char *file, const char *where);

/* Labels: one per element of a cell array (wk_mat73_read_label), or one
 * per row of a char matrix (trailing blanks removed). */
int wk_mat73_read_labels(char ***out, size_t *n, hid_t obj, const char *file, const char *where);

/* Where the parts of one worm come from, for messages and orientation. */
struct wk_mat_parts {
    const char *file;           /* file name for messages */
    const char *traces_where;   /* "WT_Stim/traces{2}" */
    const char *labels_where;
    const char *time_where;     /* NULL when time = k * dt */
    enum wk_import_orientation orientation;
    double dt;                  /* time step without a time vector; also the table's dt */
};

/* A table from a MATLAB traces matrix (time x neurons, or neurons x time
 * when only that fits the labels and the time), n_labels labels (taken
 * over: freed in all cases) and a time vector (NULL: k * dt).  Checks
 * shapes, infinite values and strictly increasing time. */
int wk_mat_make_table(struct wk_import_table **out, const struct wk_mat_matrix *traces,
                      char **labels, size_t n_labels, const double *time, size_t n_time,
                      const struct wk_mat_parts *p);

#endif
