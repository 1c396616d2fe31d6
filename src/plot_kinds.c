/* plot_kinds.c - the figures of worm-plot: one function per kind, each
 * reading its input before opening the output (a bad input leaves no file).
 * A new result type is a new function and one line of the kinds table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "wormkit/wk_compare.h"
#include "wormkit/wk_connectome.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"

void wk_plot_options_init(struct wk_plot_options *o)
{
    memset(o, 0, sizeof *o);
    o->format = WK_PLOT_SVG;
    o->cmap = WK_PLOT_CMAP_AUTO;
    o->zmin = o->zmax = wk_nan();
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double size_or(double given, double fallback)
{
    return given > 0 ? given : fallback;
}

/* Open the output, draw the figure title; the caller draws the panels. */
int plot_figure_open(struct wk_plot **p, const struct wk_plot_options *o, double w, double h,
                       const char *title)
{
    int rc = wk_plot_open(p, o->output, o->format, size_or(o->width, w), size_or(o->height, h));
    if (rc < 0) return rc;
    wk_plot_title(*p, o->title ? o->title : title);
    return 0;
}

/* Commit, or abort after a drawing error. */
int plot_figure_close(struct wk_plot *p, int rc)
{
    if (rc < 0) {
        wk_plot_abort(p);
        return rc;
    }
    return wk_plot_commit(p);
}

char *plot_strdupf(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *s = wk_calloc(n, 1);
    if (s) snprintf(s, n, fmt, a, b);
    return s;
}

/* ------------------------------------------------------------ traces */

struct traces_data {
    struct wk_recording *rec;
    size_t rows;
    size_t *cols;   /* [rows] recording columns shown */
    char **names;   /* [rows] */
    double *z;      /* [rows * T] */
    double *marks;  /* [T] or NULL */
};

static void traces_data_free(struct traces_data *d)
{
    wk_recording_free(d->rec);
    free(d->cols);
    if (d->names) wk_strv_free(d->names, d->rows);
    free(d->z);
    free(d->marks);
}

static int choose_recording(const struct wk_file *f, const char *wanted, char **id)
{
    char **ids;
    size_t n;
    const char *name = wk_file_name(f);
    int rc = wk_file_recording_ids(f, &ids, &n);
    if (rc < 0) return rc;
    if (n == 0)
        rc = wk_fail(WK_EFORMAT, "'%s': no recording to plot (traces needs a file of recordings)", name);
    else if (wanted)
        rc = (*id = wk_strdup(wanted)) ? 0 : WK_ENOMEM;
    else if (n > 1)
        rc = wk_fail(WK_EINVAL, "'%s': %zu recordings; choose one with --recording ID (first: '%s')", name, n,
                     ids[0]);
    else
        rc = (*id = wk_strdup(ids[0])) ? 0 : WK_ENOMEM;
    wk_strv_free(ids, n);
    return rc;
}

static int traces_read(struct traces_data *d, const char *input, const char *wanted)
{
    struct wk_file *f;
    char *id = NULL;
    int rc = wk_file_open(&f, input);
    if (rc < 0) return rc;
    rc = choose_recording(f, wanted, &id);
    if (rc == 0) rc = wk_recording_read(f, id, &d->rec);
    if (rc == 0) {
        for (size_t c = 0; c < d->rec->C; c++) d->rows += d->rec->present[c] != 0;
        if (d->rows == 0)
            rc = wk_fail(WK_EFORMAT, "'%s': recording '%s' has no neuron with data", wk_file_name(f), id);
    }
    free(id);
    wk_file_close(f);
    return rc;
}

/* Present columns in column order (canonical, then extra), transposed. */
static int traces_matrix(struct traces_data *d)
{
    const struct wk_recording *rec = d->rec;
    d->cols = wk_calloc(d->rows, sizeof *d->cols);
    d->names = wk_calloc(d->rows, sizeof *d->names);
    d->z = wk_malloc_array(d->rows * rec->T, sizeof *d->z);
    if (!d->cols || !d->names || !d->z) return WK_ENOMEM;
    size_t r = 0;
    for (size_t c = 0; c < rec->C; c++) {
        if (!rec->present[c]) continue;
        char buf[32];
        snprintf(buf, sizeof buf, "#%zu", c);
        d->cols[r] = c;
        d->names[r] = wk_strdup(rec->label[c] && *rec->label[c] ? rec->label[c] : buf);
        if (!d->names[r]) return WK_ENOMEM;
        for (size_t t = 0; t < rec->T; t++) d->z[r * rec->T + t] = rec->traces[t * rec->C + c];
        r++;
    }
    const struct wk_array *a = wk_recording_array(rec, "stimulus");
    if (a && a->rank == 1 && a->dims[0] == rec->T) {
        d->marks = wk_malloc_array(rec->T, sizeof *d->marks);
        if (!d->marks) return WK_ENOMEM;
        for (size_t t = 0; t < rec->T; t++) d->marks[t] = a->data[t];
    }
    return 0;
}

/* Rows in the order of wk_plot_seriate. */
static int traces_cluster(struct traces_data *d)
{
    size_t T = d->rec->T, *order = wk_calloc(d->rows, sizeof *order);
    double *z = wk_malloc_array(d->rows * T, sizeof *z);
    char **names = wk_calloc(d->rows, sizeof *names);
    int rc = order && z && names ? wk_plot_seriate(order, d->z, d->rows, T) : WK_ENOMEM;
    for (size_t r = 0; rc == 0 && r < d->rows; r++) {
        memcpy(z + r * T, d->z + order[r] * T, T * sizeof *z);
        names[r] = d->names[order[r]];
    }
    if (rc == 0) {
        free(d->z);
        free(d->names);
        d->z = z;
        d->names = names;
        z = NULL;
        names = NULL;
    }
    free(order);
    free(z);
    free(names);
    return rc;
}

static int plot_traces(const char *input, const struct wk_plot_options *o)
{
    struct traces_data d;
    memset(&d, 0, sizeof d);
    int rc = traces_read(&d, input, o->recording);
    if (rc == 0) rc = traces_matrix(&d);
    if (rc == 0 && o->clustered) rc = traces_cluster(&d);
    if (rc < 0) {
        traces_data_free(&d);
        return rc;
    }
    const struct wk_recording *rec = d.rec;
    int diverging = o->cmap == WK_PLOT_CMAP_DIVERGING;
    if (o->cmap == WK_PLOT_CMAP_AUTO) {
        int neg = 0, pos = 0;
        for (size_t i = 0; i < d.rows * rec->T; i++) neg |= d.z[i] < 0, pos |= d.z[i] > 0;
        diverging = neg && pos;
    }
    double lo = o->zmin, hi = o->zmax;
    if (isnan(lo) || isnan(hi)) {
        /* 1st-99th percentiles: a few transients must not wash out the map */
        double a, b;
        rc = wk_plot_range(&a, &b, d.z, d.rows * rec->T, 1, diverging);
        if (isnan(lo)) lo = a;
        if (isnan(hi)) hi = b;
    }
    const struct wk_attr *units = wk_recording_attr(rec, "units");
    char *title = plot_strdupf(*rec->dataset ? "recording %s (%s)" : "recording %s%s", rec->id, rec->dataset);
    char *zlabel = units && units->str ? plot_strdupf("activity (%s)%s", units->str, "") : NULL;
    struct wk_plot *p = NULL;
    if (rc == 0 && !title) rc = WK_ENOMEM;
    if (rc == 0) rc = plot_figure_open(&p, o, 1100, clamp((double)d.rows * 12 + 190, 400, 1800), title);
    if (rc == 0) {
        struct wk_plot_heatmap h = {
            .rows = d.rows, .cols = rec->T, .z = d.z, .row_names = d.names, .x0 = rec->time[0],
            .x1 = rec->time[rec->T - 1], .xlabel = "time (s)", .ylabel = o->clustered ? "neuron (clustered)" : "neuron",
            .zlabel = zlabel ? zlabel : "activity", .cmap = diverging ? WK_PLOT_CMAP_DIVERGING : WK_PLOT_CMAP_VIRIDIS,
            .zmin = lo, .zmax = hi, .marks = d.marks, .marks_label = "stimulus",
        };
        rc = plot_figure_close(p, wk_plot_heatmap(p, wk_plot_panel(p, 0, 1, 0, 1), &h, NULL));
    }
    free(title);
    free(zlabel);
    traces_data_free(&d);
    return rc;
}

/* ------------------------------------------------------------ adjacency */

struct matrix {
    struct wk_compare_matrix *m;
    char *label;   /* panel title */
    int connectome; /* 1 chem, 2 gap: rows presynaptic */
};

static void matrix_free(struct matrix *x)
{
    wk_compare_matrix_free(x->m);
    free(x->label);
}

static int is_hdf5(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8];
    if (strcmp(path, "-") == 0) return 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    return got == sizeof head && memcmp(head, sig, sizeof sig) == 0;
}

/* The matrix of a wormkit file given without a dataset: its only
 * connectome's chemical synapses. */
static int default_matrix(const char *file, char **dataset)
{
    struct wk_file *f;
    char **ids = NULL, **recs = NULL;
    size_t n = 0, n_recs = 0;
    int rc = wk_file_open(&f, file);
    if (rc < 0) return rc;
    rc = wk_connectome_ids(f, &ids, &n);
    if (rc == 0 && n == 1) {
        rc = (*dataset = plot_strdupf("/connectomes/%s/chem%s", ids[0], "")) ? 0 : WK_ENOMEM;
    } else if (rc == 0 && n > 1) {
        rc = wk_fail(WK_EINVAL, "'%s': %zu connectomes; choose one with --dataset /connectomes/ID/chem (or gap), "
                     "e.g. /connectomes/%s/chem", file, n, ids[0]);
    } else if (rc == 0) {
        rc = wk_file_recording_ids(f, &recs, &n_recs);
        if (rc == 0)
            rc = wk_fail(WK_EFORMAT, "'%s': no matrix to plot (adjacency needs a connectome, a TSV matrix or "
                         "--dataset PATH; this file holds %zu recording%s)", file, n_recs, n_recs == 1 ? "" : "s");
    }
    if (ids) wk_strv_free(ids, n);
    if (recs) wk_strv_free(recs, n_recs);
    wk_file_close(f);
    return rc;
}

static int matrix_read(struct matrix *x, const char *input, const char *dataset)
{
    char *ds = NULL;
    int rc = 0;
    memset(x, 0, sizeof *x);
    if (dataset && !is_hdf5(input))
        return wk_fail(WK_EFORMAT, "'%s': not an HDF5 file (--dataset needs one)", input);
    if (!dataset && is_hdf5(input)) {
        rc = default_matrix(input, &ds);
        dataset = ds;
    }
    if (rc == 0 && dataset) {
        rc = wk_compare_matrix_read_h5(&x->m, input, dataset);
        const char *base = strrchr(dataset, '/');
        base = base ? base + 1 : dataset;
        if (strncmp(dataset, "/connectomes/", 13) == 0)
            x->connectome = strcmp(base, "chem") == 0 ? 1 : strcmp(base, "gap") == 0 ? 2 : 0;
        if (rc == 0) x->label = wk_strdup(dataset);
    } else if (rc == 0) {
        rc = wk_compare_matrix_read(&x->m, input);
        if (rc == 0) x->label = wk_path_stem(input);
    }
    free(ds);
    if (rc == 0 && !x->label) rc = WK_ENOMEM;
    return rc;
}

/* A spec "FILE" or "FILE:/dataset" (as worm-compare). */
static int matrix_read_spec(struct matrix *x, const char *spec)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || colon[1] != '/' || is_hdf5(spec)) return matrix_read(x, spec, NULL);
    char *file = wk_strdup(spec);
    if (!file) return WK_ENOMEM;
    file[colon - spec] = '\0';
    int rc = matrix_read(x, file, colon + 1);
    free(file);
    return rc;
}

static int has_weight(const struct wk_compare_matrix *m, size_t i)
{
    for (size_t k = 0; k < m->n; k++) {
        double a = m->w[i * m->n + k], b = m->w[k * m->n + i];
        if ((isfinite(a) && a != 0) || (isfinite(b) && b != 0)) return 1;
    }
    return 0;
}

static long name_index(const struct wk_compare_matrix *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->names[i], name) == 0) return (long)i;
    return -1;
}

/* Neurons shown: a's (those also in b when b is given), without the ones
 * with no weight in either unless all. *idx[k] = {index in a, index in b}. */
static int select_neurons(size_t **idx, size_t *n, const struct matrix *a, const struct matrix *b, int all)
{
    *n = 0;
    *idx = wk_calloc(2 * (a->m->n ? a->m->n : 1), sizeof **idx);
    if (!*idx) return WK_ENOMEM;
    size_t shared = 0;
    for (size_t i = 0; i < a->m->n; i++) {
        long j = b ? name_index(b->m, a->m->names[i]) : 0;
        if (j < 0) continue;
        shared++;
        if (!all && !has_weight(a->m, i) && !(b && has_weight(b->m, (size_t)j))) continue;
        (*idx)[2 * *n] = i;
        (*idx)[2 * *n + 1] = (size_t)j;
        (*n)++;
    }
    if (*n) return 0;
    if (b && !shared) return wk_fail(WK_EINVAL, "'%s' and '%s': no neuron in common", a->label, b->label);
    return wk_fail(WK_EINVAL, "'%s': no nonzero weight to plot (--all-neurons shows the empty matrix)", a->label);
}

static int adjacency_panel(struct wk_plot *p, struct wk_plot_rect area, const struct matrix *x,
                           const size_t *idx, size_t n, int side, const struct wk_plot_options *o)
{
    double *z = wk_malloc_array(n * n, sizeof *z);
    char **names = wk_calloc(n, sizeof *names);
    if (!z || !names) {
        free(z);
        free(names);
        return WK_ENOMEM;
    }
    for (size_t r = 0; r < n; r++) {
        names[r] = x->m->names[idx[2 * r + side]];
        for (size_t c = 0; c < n; c++) z[r * n + c] = x->m->w[idx[2 * r + side] * x->m->n + idx[2 * c + side]];
    }
    struct wk_plot_heatmap h = {
        .rows = n, .cols = n, .z = z, .row_names = names, .col_names = names,
        .title = o->compare ? x->label : NULL,
        .xlabel = x->connectome ? "postsynaptic" : "to (column)",
        .ylabel = x->connectome ? "presynaptic" : "from (row)",
        .zlabel = x->connectome == 1 ? "chemical synapses" : x->connectome == 2 ? "gap junctions" : "weight",
        .cmap = o->cmap, .zmin = o->zmin, .zmax = o->zmax,
    };
    int rc = wk_plot_heatmap(p, area, &h, NULL);
    free(z);
    free(names);
    return rc;
}

static int plot_adjacency(const char *input, const struct wk_plot_options *o)
{
    struct matrix a, b;
    memset(&b, 0, sizeof b);
    size_t *idx = NULL, n = 0;
    if (o->dataset && !o->compare && is_hdf5(input) && plot_dataset_rank(input, o->dataset) == 3)
        return plot_adjacency_stack(input, o->dataset, o);
    int rc = matrix_read(&a, input, o->dataset);
    if (rc == 0 && o->compare) rc = matrix_read_spec(&b, o->compare);
    if (rc == 0) rc = select_neurons(&idx, &n, &a, o->compare ? &b : NULL, o->all_neurons);
    if (rc == 0) {
        size_t panels = o->compare ? 2 : 1;
        double cells = clamp((double)n * 14, 320, 900);
        struct wk_plot *p;
        const char *title = o->compare ? "functional vs structural" : a.label;
        rc = plot_figure_open(&p, o, (cells + 250) * (double)panels, cells + 230, title);
        if (rc == 0) {
            for (size_t k = 0; k < panels && rc == 0; k++)
                rc = adjacency_panel(p, wk_plot_panel(p, k, panels, 0, 1), k ? &b : &a, idx, n, (int)k, o);
            rc = plot_figure_close(p, rc);
        }
    }
    free(idx);
    matrix_free(&a);
    matrix_free(&b);
    return rc;
}

/* ------------------------------------------------------------ trace */

/* 1-D datasets plotted when --dataset is not given, first found wins.
 * (worm-glm, worm-bicluster: add their log-likelihood and K traces here.) */
static const char *const default_traces[] = {
    "/results/ntf/error_trace",
    "/results/glm/trace",
    "/results/bicluster/chain0/loglik",
    NULL,
};

static int find_default(hid_t h, const char *file, const char *const *candidates, const char *what,
                        const char **found)
{
    for (size_t i = 0; candidates[i]; i++) {
        int e = wk_h5_exists(h, candidates[i]);
        if (e < 0) return e;
        if (e) {
            *found = candidates[i];
            return 0;
        }
    }
    return wk_fail(WK_ENOTFOUND, "'%s': no %s to plot (give --dataset PATH)", file, what);
}

int plot_check_dataset(hid_t h, const char *file, const char *path)
{
    int e = path[0] == '/' ? wk_h5_exists(h, path) : 0;
    if (e < 0) return e;
    return e ? 0 : wk_fail(WK_ENOTFOUND, "'%s': no dataset '%s'", file, path);
}

static int plot_trace(const char *input, const struct wk_plot_options *o)
{
    struct wk_file *f;
    double *y = NULL;
    int rank = 0;
    size_t dims[4] = {0, 0, 0, 0};
    const char *path = o->dataset;
    int rc = wk_file_open(&f, input);
    if (rc < 0) return rc;
    const char *file = wk_file_name(f);
    hid_t h = wk_file_hid(f);
    rc = path ? plot_check_dataset(h, file, path) : find_default(h, file, default_traces, "iteration trace", &path);
    if (rc == 0) rc = wk_h5_read_double(h, path, file, &rank, dims, &y);
    if (rc == 0 && (rank < 1 || rank > 2))
        rc = wk_fail(WK_EFORMAT, "'%s': %s: rank %d (trace plots 1-D or 2-D datasets)", file, path, rank);
    if (rc == 0 && (dims[0] == 0 || (rank == 2 && dims[1] == 0)))
        rc = wk_fail(WK_EFORMAT, "'%s': %s: empty", file, path);
    char *title = rc == 0 ? plot_strdupf("%s: %s", file, path) : NULL;
    wk_file_close(f);
    size_t n_series = rank == 2 ? dims[0] : 1, len = rank == 2 ? dims[1] : dims[0];
    struct wk_plot_series *s = rc == 0 ? wk_calloc(n_series, sizeof *s) : NULL;
    char (*names)[24] = rc == 0 ? wk_calloc(n_series, sizeof *names) : NULL;
    if (rc == 0 && (!s || !names || !title)) rc = WK_ENOMEM;
    if (rc == 0) {
        for (size_t k = 0; k < n_series; k++) {
            snprintf(names[k], sizeof names[k], "%zu", k + 1);
            s[k] = (struct wk_plot_series){len, NULL, y + k * len, n_series > 1 ? names[k] : NULL};
        }
        const char *base = strrchr(path, '/');
        struct wk_plot_lines l = {n_series, s, NULL, "iteration", base ? base + 1 : path, 0, NULL, 0};
        struct wk_plot *p;
        rc = plot_figure_open(&p, o, 900, 560, title);
        if (rc == 0) rc = plot_figure_close(p, wk_plot_lines(p, wk_plot_panel(p, 0, 1, 0, 1), &l, NULL));
    }
    free(names);
    free(s);
    free(title);
    free(y);
    return rc;
}

/* ------------------------------------------------------------ ntf */

struct ntf_data {
    size_t R, T, W, N;
    double *f_t, *time, *f_w, *f_a, *lambda;
    char **recordings, **neurons;
    size_t n_rec, n_neu;
    size_t *order;           /* [R * N]: neuron order of each component */
    unsigned char *by_block; /* [R]: 1 when ordered by worm-sbm blocks */
};

static void ntf_data_free(struct ntf_data *d)
{
    free(d->f_t);
    free(d->time);
    free(d->f_w);
    free(d->f_a);
    free(d->lambda);
    free(d->order);
    free(d->by_block);
    if (d->recordings) wk_strv_free(d->recordings, d->n_rec);
    if (d->neurons) wk_strv_free(d->neurons, d->n_neu);
}

static int ntf_read_field(hid_t g, const char *file, const char *group, const char *name, int want_rank,
                          size_t *dims, double **data)
{
    char path[512];
    int rank;
    snprintf(path, sizeof path, "%s/%s", group, name);
    int rc = plot_check_dataset(g, file, path);
    if (rc == 0) rc = wk_h5_read_double(g, path, file, &rank, dims, data);
    if (rc == 0 && rank != want_rank)
        rc = wk_fail(WK_EFORMAT, "'%s': %s: rank %d, expected %d", file, path, rank, want_rank);
    return rc;
}

static int ntf_read(struct ntf_data *d, hid_t h, const char *file, const char *group)
{
    size_t dt[4], dtime[4], dw[4], da[4], dl[4];
    char path[512];
    int rc = ntf_read_field(h, file, group, "f_t", 2, dt, &d->f_t);
    if (rc == 0) rc = ntf_read_field(h, file, group, "time", 1, dtime, &d->time);
    if (rc == 0) rc = ntf_read_field(h, file, group, "f_w", 2, dw, &d->f_w);
    if (rc == 0) rc = ntf_read_field(h, file, group, "f_a_matrix", 3, da, &d->f_a);
    if (rc == 0) rc = ntf_read_field(h, file, group, "lambda", 1, dl, &d->lambda);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/recordings", group);
        rc = wk_h5_read_strings(h, path, file, &d->n_rec, &d->recordings);
    }
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/neurons", group);
        rc = wk_h5_read_strings(h, path, file, &d->n_neu, &d->neurons);
    }
    if (rc < 0) return rc;
    d->R = dt[0];
    d->T = dt[1];
    d->W = dw[1];
    d->N = da[1];
    if (d->R == 0 || dw[0] != d->R || da[0] != d->R || dl[0] != d->R || dtime[0] != d->T || da[2] != d->N ||
        d->n_rec != d->W || d->n_neu != d->N || d->T == 0 || d->W == 0 || d->N == 0)
        return wk_fail(WK_EFORMAT, "'%s': %s: factor shapes do not match", file, group);
    return 0;
}

struct block_item {
    int block;
    size_t index;
};

static int cmp_block(const void *a, const void *b)
{
    const struct block_item *x = a, *y = b;
    if (x->block != y->block) return x->block < y->block ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Order the neurons of component k by the level-0 blocks of worm-sbm
 * (/results/sbm/component_<k+1>) when the file has them for the same
 * neurons; otherwise keep the model's order. */
static int ntf_sbm_order(struct ntf_data *d, hid_t h, const char *file, size_t k, struct block_item *items)
{
    char path[128], npath[128];
    snprintf(path, sizeof path, "/results/sbm/component_%zu/blocks", k + 1);
    snprintf(npath, sizeof npath, "/results/sbm/component_%zu/neurons", k + 1);
    for (size_t i = 0; i < d->N; i++) d->order[k * d->N + i] = i;
    if (wk_h5_exists(h, path) != 1 || wk_h5_exists(h, npath) != 1) return 0;
    int *blocks = NULL, rank = 0;
    size_t dims[4] = {0, 0, 0, 0}, n = 0;
    char **names = NULL;
    int rc = wk_h5_read_int(h, path, file, &rank, dims, &blocks);
    if (rc == 0) rc = wk_h5_read_strings(h, npath, file, &n, &names);
    int usable = rc == 0 && rank == 2 && dims[0] > 0 && dims[1] == d->N && n == d->N;
    for (size_t i = 0; usable && i < d->N; i++) {
        long j = -1;
        for (size_t m = 0; m < n && j < 0; m++)
            if (strcmp(names[m], d->neurons[i]) == 0) j = (long)m;
        usable = j >= 0;
        if (usable) items[i] = (struct block_item){blocks[j], i};
    }
    if (usable) {
        qsort(items, d->N, sizeof *items, cmp_block);
        for (size_t i = 0; i < d->N; i++) d->order[k * d->N + i] = items[i].index;
        d->by_block[k] = 1;
    }
    free(blocks);
    if (names) wk_strv_free(names, n);
    return rc;
}

static int ntf_orders(struct ntf_data *d, hid_t h, const char *file)
{
    d->order = wk_malloc_array(d->R * d->N, sizeof *d->order);
    d->by_block = wk_calloc(d->R, sizeof *d->by_block);
    struct block_item *items = wk_calloc(d->N, sizeof *items);
    int rc = d->order && d->by_block && items ? 0 : WK_ENOMEM;
    for (size_t k = 0; rc == 0 && k < d->R; k++) rc = ntf_sbm_order(d, h, file, k, items);
    free(items);
    return rc;
}

static int ntf_pairs(struct wk_plot *p, const struct ntf_data *d, size_t k, struct wk_plot_rect area)
{
    size_t N = d->N;
    const size_t *ord = d->order + k * N;
    const double *a = d->f_a + k * N * N;
    double *z = wk_malloc_array(N * N, sizeof *z);
    char **names = wk_calloc(N, sizeof *names);
    int rc = z && names ? 0 : WK_ENOMEM;
    for (size_t r = 0; rc == 0 && r < N; r++) {
        names[r] = d->neurons[ord[r]];
        for (size_t c = 0; c < N; c++) z[r * N + c] = a[ord[r] * N + ord[c]];
    }
    struct wk_plot_heatmap hm = {
        .rows = N, .cols = N, .z = z, .row_names = names, .col_names = names,
        .title = d->by_block[k] ? "neuron pairs, by worm-sbm block" : "neuron pairs", .zlabel = "pair factor",
        .cmap = WK_PLOT_CMAP_VIRIDIS, .zmin = wk_nan(), .zmax = wk_nan(),
    };
    if (rc == 0) rc = wk_plot_heatmap(p, area, &hm, NULL);
    free(z);
    free(names);
    return rc;
}

static int ntf_component(struct wk_plot *p, const struct ntf_data *d, size_t k, size_t rows)
{
    char title[64];
    snprintf(title, sizeof title, "component %zu (lambda %.3g)", k + 1, d->lambda[k]);
    struct wk_plot_series st = {d->T, d->time, d->f_t + k * d->T, NULL};
    struct wk_plot_lines lt = {1, &st, title, "time (s)", "time factor", 0, NULL, 1};
    int rc = wk_plot_lines(p, wk_plot_panel(p, 0, 3, k, rows), &lt, NULL);
    struct wk_plot_series sw = {d->W, NULL, d->f_w + k * d->W, NULL};
    struct wk_plot_lines lw = {1, &sw, "worms", "recording", "worm factor", 1, d->recordings, 1};
    if (rc == 0) rc = wk_plot_lines(p, wk_plot_panel(p, 1, 3, k, rows), &lw, NULL);
    if (rc == 0) rc = ntf_pairs(p, d, k, wk_plot_panel(p, 2, 3, k, rows));
    return rc;
}

static int plot_ntf(const char *input, const struct wk_plot_options *o)
{
    struct wk_file *f;
    struct ntf_data d;
    memset(&d, 0, sizeof d);
    const char *group = o->dataset ? o->dataset : "/results/ntf";
    int rc = wk_file_open(&f, input);
    if (rc < 0) return rc;
    const char *file = wk_file_name(f);
    hid_t h = wk_file_hid(f);
    char path[512];
    snprintf(path, sizeof path, "%s/f_t", group);
    int e = group[0] == '/' ? wk_h5_exists(h, group) : 0;
    int model = e > 0 ? wk_h5_exists(h, path) : 0;
    if (e < 0 || model < 0) rc = e < 0 ? e : model;
    else if (!e) rc = wk_fail(WK_ENOTFOUND, "'%s': no '%s' (ntf plots the results of worm-ntf)", file, group);
    else if (!model)
        rc = wk_fail(WK_EFORMAT,
                     "'%s': '%s' holds no model (a rank sweep? give --dataset %s/rank_R, or plot the sweep with "
                     "worm-plot ntf-sweep)",
                     file, group, group);
    if (rc == 0) rc = ntf_read(&d, h, file, group);
    if (rc == 0) rc = ntf_orders(&d, h, file);
    char *title = rc == 0 ? plot_strdupf("worm-ntf: %s%s", group, "") : NULL;
    wk_file_close(f);
    if (rc == 0 && !title) rc = WK_ENOMEM;
    if (rc == 0) {
        size_t rows = d.R < (o->components ? o->components : 8) ? d.R : (o->components ? o->components : 8);
        struct wk_plot *p = NULL;
        rc = plot_figure_open(&p, o, 1400, (double)rows * 330 + 60, title);
        for (size_t k = 0; rc == 0 && k < rows; k++) rc = ntf_component(p, &d, k, rows);
        if (p) rc = plot_figure_close(p, rc);
    }
    free(title);
    ntf_data_free(&d);
    return rc;
}

static const struct wk_plot_kind kinds[] = {
    {"traces", "heatmap of neurons x time of one recording", plot_traces},
    {"adjacency", "a connectome or N x N matrix; --compare puts two side by side", plot_adjacency},
    {"trace", "a 1-D dataset per iteration (objective, error, log-likelihood)", plot_trace},
    {"ntf", "worm-ntf components: time, worm and neuron-pair factors", plot_ntf},
    {"ntf-sweep", "worm-ntf --rank R1:R2: fit error and stability across restarts against the rank",
     plot_ntf_sweep},
    {"states", "posterior state probabilities over time and the state estimate (worm-glm, worm-bicluster)",
     plot_states},
    {"psm", "posterior similarity matrices ordered by the point estimate (worm-bicluster)", plot_psm},
    {NULL, NULL, NULL},
};

const struct wk_plot_kind *wk_plot_kinds(void)
{
    return kinds;
}

const struct wk_plot_kind *wk_plot_kind_find(const char *name)
{
    for (const struct wk_plot_kind *k = kinds; k->name; k++)
        if (strcmp(k->name, name) == 0) return k;
    return NULL;
}
