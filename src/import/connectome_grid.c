/* connectome_grid.c - connectomes as grids exported from spreadsheets:
 * presynaptic labels down a column, postsynaptic labels along a row, weights
 * in the cells (Cook et al. 2019 "hermaphrodite chemical" and "hermaphrodite
 * gap jn symmetric"; Randi et al. 2023 values and q-values).
 *
 * Layout detection, so that whole exported sheets work: the label row is the
 * first row holding an atlas name; the label column is the column holding
 * the most atlas names below it (the leftmost on ties).  Postsynaptic labels
 * are the non-empty cells of the label row right of the label column;
 * presynaptic labels the non-empty cells of the label column below the label
 * row.  Everything else (titles, group names, cells under no label) is
 * ignored. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/connectome_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

#define N WK_CONNECTOME_N

struct grid_row {
    char **cell;
    size_t n;
    long line;
};

struct grid {
    struct wk_conn_text *t;
    struct grid_row *row;
    size_t n_rows;
    size_t label_row, label_col;
};

static void grid_free(struct grid *g)
{
    for (size_t i = 0; i < g->n_rows; i++) free(g->row[i].cell);
    free(g->row);
    wk_conn_text_free(g->t);
    memset(g, 0, sizeof *g);
}

static const char *grid_cell(const struct grid *g, size_t r, size_t c)
{
    return c < g->row[r].n ? g->row[r].cell[c] : "";
}

static int keep_row(struct grid *g, size_t *cap)
{
    struct wk_conn_text *t = g->t;
    if (g->n_rows == *cap) {
        size_t bigger = *cap ? 2 * *cap : 64;
        struct grid_row *v = wk_realloc_array(g->row, bigger, sizeof *v);
        if (!v) return WK_ENOMEM;
        g->row = v;
        *cap = bigger;
    }
    struct grid_row *r = &g->row[g->n_rows];
    r->cell = wk_malloc_array(t->n_fields, sizeof *r->cell);
    if (!r->cell) return WK_ENOMEM;
    memcpy(r->cell, t->fields, t->n_fields * sizeof *r->cell);
    r->n = t->n_fields;
    r->line = t->line;
    g->n_rows++;
    return 0;
}

static int find_label_row(struct grid *g)
{
    for (size_t r = 0; r < g->n_rows; r++)
        for (size_t c = 0; c < g->row[r].n; c++)
            if (wk_atlas_index(g->row[r].cell[c]) >= 0) {
                g->label_row = r;
                return 0;
            }
    return wk_fail(WK_EFORMAT, "'%s': no row of neuron labels (no atlas name found)", g->t->name);
}

static int find_label_col(struct grid *g)
{
    size_t width = 0;
    for (size_t r = g->label_row + 1; r < g->n_rows; r++)
        if (g->row[r].n > width) width = g->row[r].n;
    size_t best = 0, best_count = 0;
    for (size_t c = 0; c < width; c++) {
        size_t count = 0;
        for (size_t r = g->label_row + 1; r < g->n_rows; r++)
            if (wk_atlas_index(grid_cell(g, r, c)) >= 0) count++;
        if (count > best_count) {
            best = c;
            best_count = count;
        }
    }
    if (best_count == 0)
        return wk_fail(WK_EFORMAT, "'%s': no column of neuron labels below line %ld", g->t->name,
                       g->row[g->label_row].line);
    g->label_col = best;
    for (size_t c = best + 1; c < g->row[g->label_row].n; c++)
        if (g->row[g->label_row].cell[c][0]) return 0;
    return wk_fail(WK_EFORMAT, "'%s': line %ld: no postsynaptic labels right of column %zu",
                   g->t->name, g->row[g->label_row].line, best + 1);
}

static int grid_load(struct grid *g, const char *path)
{
    memset(g, 0, sizeof *g);
    int rc = wk_conn_text_open(&g->t, path);
    size_t cap = 0;
    while (rc >= 0 && (rc = wk_conn_text_next(g->t)) > 0)
        if ((rc = keep_row(g, &cap)) < 0) rc = wk_fail(WK_ENOMEM, "out of memory");
    if (rc >= 0) rc = find_label_row(g);
    if (rc >= 0) rc = find_label_col(g);
    if (rc < 0) grid_free(g);
    return rc < 0 ? rc : 0;
}

/* Atlas index of every postsynaptic column (-1: none or outside the atlas),
 * listing outside labels as dropped when b is not NULL. */
static int post_indices(struct grid *g, struct wk_conn_builder *b, int **idx_out)
{
    const struct grid_row *hdr = &g->row[g->label_row];
    int *idx = wk_malloc_array(hdr->n, sizeof *idx);
    if (!idx) return wk_fail(WK_ENOMEM, "out of memory");
    for (size_t c = 0; c < hdr->n; c++) {
        idx[c] = -1;
        if (c <= g->label_col || !hdr->cell[c][0]) continue;
        if (!b) {
            idx[c] = wk_atlas_index(hdr->cell[c]);
        } else if (wk_conn_builder_label(b, hdr->cell[c], 0, &idx[c]) < 0) {
            free(idx);
            return WK_ENOMEM;
        }
    }
    *idx_out = idx;
    return 0;
}

/* Message field for a cell: "row 'AVAL', column 'AVAR'". */
static void cell_field(char *buf, size_t size, const struct grid *g, size_t r, size_t c)
{
    snprintf(buf, size, "row '%s', column '%s'", grid_cell(g, r, g->label_col),
             grid_cell(g, g->label_row, c));
}

/* Count one non-empty cell against each dropped label it names. */
static int count_dropped_cell(struct wk_conn_builder *b, const char *pre, int pre_idx,
                              const char *post, int post_idx)
{
    int ignored;
    if (pre_idx < 0 && wk_conn_builder_label(b, pre, 1, &ignored) < 0) return WK_ENOMEM;
    if (post_idx < 0 && (pre_idx >= 0 || strcmp(pre, post) != 0) &&
        wk_conn_builder_label(b, post, 1, &ignored) < 0)
        return WK_ENOMEM;
    return 0;
}

/* Where the cells of a grid go: added to b as `kind`, and for randi2023
 * only where the q-value of the pair is below q_max. */
struct cell_sink {
    struct wk_conn_builder *b;
    enum wk_conn_kind kind;
    const double *q;  /* randi2023: q-values [N*N], NaN = none */
    double q_max;
};

/* Cells of one presynaptic row: labels checked, weights parsed. */
static int read_grid_row(struct grid *g, size_t r, const int *post_idx, const struct cell_sink *s)
{
    const char *pre = grid_cell(g, r, g->label_col);
    if (!pre[0]) return 0;
    int pre_idx;
    if (wk_conn_builder_label(s->b, pre, 0, &pre_idx) < 0) return WK_ENOMEM;
    const struct grid_row *hdr = &g->row[g->label_row];
    g->t->line = g->row[r].line;
    for (size_t c = g->label_col + 1; c < hdr->n && c < g->row[r].n; c++) {
        const char *cell = g->row[r].cell[c];
        if (!cell[0] || !hdr->cell[c][0]) continue;
        char field[256];
        cell_field(field, sizeof field, g, r, c);
        double w;
        int rc = wk_conn_parse_weight(cell, &w, g->t, field);
        if (rc < 0) return rc;
        if (pre_idx < 0 || post_idx[c] < 0) {
            if (count_dropped_cell(s->b, pre, pre_idx, hdr->cell[c], post_idx[c]) < 0)
                return WK_ENOMEM;
            continue;
        }
        if (s->q && !(s->q[(size_t)pre_idx * N + (size_t)post_idx[c]] < s->q_max)) continue;
        wk_conn_builder_add(s->b, s->kind, pre_idx, post_idx[c], w);
    }
    return 0;
}

static int read_cells(struct grid *g, const struct cell_sink *s)
{
    int *post_idx;
    int rc = post_indices(g, s->b, &post_idx);
    for (size_t r = g->label_row + 1; rc >= 0 && r < g->n_rows; r++)
        rc = read_grid_row(g, r, post_idx, s);
    if (rc == WK_ENOMEM) wk_fail(rc, "out of memory");
    free(post_idx);
    return rc;
}

int wk_conn_read_grid(struct wk_conn_builder *b, enum wk_conn_kind kind, const char *path)
{
    struct grid g;
    int rc = grid_load(&g, path);
    if (rc < 0) return rc;
    struct cell_sink s = {b, kind, NULL, 0};
    rc = read_cells(&g, &s);
    grid_free(&g);
    return rc;
}

/* The q-value grid as a dense [N*N] matrix (NaN where absent; the first
 * listing of a pair kept).  Labels outside the atlas are skipped silently:
 * the value grid reports them. */
static int read_q_grid(double **out, const char *path)
{
    struct grid g;
    int rc = grid_load(&g, path);
    if (rc < 0) return rc;
    double *q = wk_malloc_array((size_t)N * N, sizeof *q);
    int *post_idx = NULL;
    if (!q || post_indices(&g, NULL, &post_idx) < 0) rc = wk_fail(WK_ENOMEM, "out of memory");
    for (size_t i = 0; q && i < (size_t)N * N; i++) q[i] = NAN;
    for (size_t r = g.label_row + 1; rc >= 0 && r < g.n_rows; r++) {
        int pre = wk_atlas_index(grid_cell(&g, r, g.label_col));
        g.t->line = g.row[r].line;
        for (size_t c = g.label_col + 1; rc >= 0 && c < g.row[r].n; c++) {
            const char *cell = g.row[r].cell[c];
            if (!cell[0] || c >= g.row[g.label_row].n || !g.row[g.label_row].cell[c][0]) continue;
            char field[256];
            cell_field(field, sizeof field, &g, r, c);
            double v;
            rc = wk_conn_parse_weight(cell, &v, g.t, field);
            if (rc < 0 || pre < 0 || post_idx[c] < 0) continue;
            size_t at = (size_t)pre * N + (size_t)post_idx[c];
            if (isnan(q[at])) q[at] = v;
        }
    }
    free(post_idx);
    grid_free(&g);
    if (rc < 0) {
        free(q);
        return rc;
    }
    *out = q;
    return 0;
}

int wk_conn_read_randi(struct wk_conn_builder *b, const char *values_path, const char *q_path,
                       double q_max)
{
    double *q;
    int rc = read_q_grid(&q, q_path);
    if (rc < 0) return rc;
    struct grid g;
    rc = grid_load(&g, values_path);
    if (rc == 0) {
        struct cell_sink s = {b, WK_CONN_CHEM, q, q_max};
        rc = read_cells(&g, &s);
        grid_free(&g);
    }
    free(q);
    return rc;
}
