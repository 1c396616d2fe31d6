/* compare.c - scoring a functional adjacency against a structural
 * connectome: precision/recall/F1 at a threshold, average precision,
 * Spearman correlation of the weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/connectome_internal.h"
#include "wormkit/wk_compare.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"

#define N WK_CONNECTOME_N

/* ---------------------------------------------------------------- matrix */

void wk_compare_matrix_free(struct wk_compare_matrix *m)
{
    if (!m) return;
    wk_strv_free(m->names, m->n);
    free(m->w);
    free(m);
}

static struct wk_compare_matrix *matrix_alloc(size_t n)
{
    struct wk_compare_matrix *m = calloc(1, sizeof *m);
    size_t nn;
    if (!m || wk_size_mul(&nn, n, n) < 0) {
        free(m);
        wk_fail(WK_ENOMEM, "out of memory");
        return NULL;
    }
    m->names = wk_calloc(n ? n : 1, sizeof *m->names);
    m->w = wk_malloc_array(nn ? nn : 1, sizeof *m->w);
    if (!m->names || !m->w) {
        free(m->names);
        free(m->w);
        free(m);
        return NULL;
    }
    m->n = n;
    for (size_t i = 0; i < nn; i++) m->w[i] = NAN;
    return m;
}

void wk_compare_matrix_transpose(struct wk_compare_matrix *m)
{
    for (size_t i = 0; i < m->n; i++)
        for (size_t j = i + 1; j < m->n; j++) {
            double t = m->w[i * m->n + j];
            m->w[i * m->n + j] = m->w[j * m->n + i];
            m->w[j * m->n + i] = t;
        }
}

static long find_name(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return (long)i;
    return -1;
}

/* Column names from the header record; `corner` says whether its first
 * field heads the row-name column. */
static int text_header(struct wk_compare_matrix **out, const struct wk_conn_text *t,
                       char *const *hdr, size_t n_hdr, int corner)
{
    size_t n = n_hdr - (corner ? 1 : 0);
    if (n == 0) return wk_fail(WK_EFORMAT, "'%s': line 1: no column names", t->name);
    struct wk_compare_matrix *m = matrix_alloc(n);
    if (!m) return WK_ENOMEM;
    for (size_t j = 0; j < n; j++) {
        const char *name = hdr[j + (corner ? 1 : 0)];
        int dup = find_name(m->names, j, name) >= 0;
        if (!name[0] || dup || !(m->names[j] = wk_strdup(name))) {
            wk_compare_matrix_free(m);
            if (dup) return wk_fail(WK_EFORMAT, "'%s': header: column '%s' appears twice", t->name, name);
            return name[0] ? wk_fail(WK_ENOMEM, "out of memory")
                           : wk_fail(WK_EFORMAT, "'%s': header: empty column name", t->name);
        }
    }
    *out = m;
    return 0;
}

static int text_row(struct wk_compare_matrix *m, const struct wk_conn_text *t, unsigned char *seen)
{
    if (t->n_fields != m->n + 1)
        return wk_fail(WK_EFORMAT, "'%s': line %ld: %zu fields, expected %zu (name and %zu values)",
                       t->name, t->line, t->n_fields, m->n + 1, m->n);
    long i = find_name(m->names, m->n, t->fields[0]);
    if (i < 0)
        return wk_fail(WK_EFORMAT, "'%s': line %ld: row '%s' is not among the columns", t->name,
                       t->line, t->fields[0]);
    if (seen[i])
        return wk_fail(WK_EFORMAT, "'%s': line %ld: row '%s' appears twice", t->name, t->line,
                       t->fields[0]);
    seen[i] = 1;
    for (size_t j = 0; j < m->n; j++) {
        char field[300];
        snprintf(field, sizeof field, "column '%s'", m->names[j]);
        int rc = wk_conn_parse_weight(t->fields[j + 1], &m->w[(size_t)i * m->n + j], t, field);
        if (rc < 0) return rc;
    }
    return 0;
}

static int text_rows(struct wk_compare_matrix *m, struct wk_conn_text *t)
{
    unsigned char *seen = wk_calloc(m->n, 1);
    if (!seen) return WK_ENOMEM;
    int rc = text_row(m, t, seen);
    while (rc >= 0 && (rc = wk_conn_text_next(t)) > 0) rc = text_row(m, t, seen);
    for (size_t i = 0; rc >= 0 && i < m->n; i++)
        if (!seen[i]) rc = wk_fail(WK_EFORMAT, "'%s': no row for neuron '%s'", t->name, m->names[i]);
    free(seen);
    return rc < 0 ? rc : 0;
}

/* The header record, kept while the next records are read. */
static int copy_header(char ***hdr, size_t *n_hdr, struct wk_conn_text *t)
{
    int rc = wk_conn_text_next(t);
    if (rc < 0) return rc;
    if (rc == 0) return wk_fail(WK_EFORMAT, "'%s': no header line", t->name);
    *n_hdr = t->n_fields;
    *hdr = wk_malloc_array(t->n_fields, sizeof **hdr);
    if (!*hdr) return WK_ENOMEM;
    memcpy(*hdr, t->fields, t->n_fields * sizeof **hdr);
    rc = wk_conn_text_next(t);
    if (rc == 0) rc = wk_fail(WK_EFORMAT, "'%s': no rows after the header", t->name);
    return rc < 0 ? rc : 0;
}

int wk_compare_matrix_read_text(struct wk_compare_matrix **out, const char *path)
{
    *out = NULL;
    struct wk_conn_text *t;
    int rc = wk_conn_text_open(&t, path);
    if (rc < 0) return rc;
    char **hdr = NULL;
    size_t n_hdr = 0;
    struct wk_compare_matrix *m = NULL;
    rc = copy_header(&hdr, &n_hdr, t);
    if (rc == 0) rc = text_header(&m, t, hdr, n_hdr, t->n_fields == n_hdr);
    if (rc == 0 && m) rc = text_rows(m, t);
    free(hdr);
    wk_conn_text_free(t);
    if (rc < 0) {
        wk_compare_matrix_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* Names for an HDF5 matrix: "neurons" or "label" beside the dataset. */
static int h5_names(struct wk_compare_matrix *m, hid_t h, const char *file, const char *dataset)
{
    static const char *const candidates[] = {"neurons", "label"};
    size_t dir_len = (size_t)(strrchr(dataset, '/') - dataset);
    for (size_t k = 0; k < 2; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%.*s/%s", (int)dir_len, dataset, candidates[k]);
        if (wk_h5_exists(h, path) != 1) continue;
        char **names;
        size_t n;
        int rc = wk_h5_read_strings(h, path, file, &n, &names);
        if (rc < 0) return rc;
        if (n != m->n) {
            wk_strv_free(names, n);
            return wk_fail(WK_EFORMAT, "'%s': %s: %zu names for a %zu x %zu matrix", file, path, n,
                           m->n, m->n);
        }
        for (size_t i = 0; i < n; i++) m->names[i] = names[i];
        free(names);
        return 0;
    }
    if (m->n != N)
        return wk_fail(WK_EFORMAT, "'%s': %s: %zu x %zu matrix without names (a 'neurons' dataset beside it, or 300 x 300)",
                       file, dataset, m->n, m->n);
    for (size_t i = 0; i < N; i++)
        if (!(m->names[i] = wk_strdup(wk_atlas_name(i)))) return wk_fail(WK_ENOMEM, "out of memory");
    return 0;
}

int wk_compare_matrix_read_h5(struct wk_compare_matrix **out, const char *file,
                              const char *dataset)
{
    *out = NULL;
    if (dataset[0] != '/')
        return wk_fail(WK_EINVAL, "'%s': dataset path '%s' must start with '/'", file, dataset);
    struct wk_file *f;
    int rc = wk_file_open_hdf5(&f, file);
    if (rc < 0) return rc;
    hid_t h = wk_file_hid(f);
    int rank;
    size_t dims[4];
    double *w = NULL;
    struct wk_compare_matrix *m = NULL;
    rc = wk_h5_exists(h, dataset);
    if (rc == 0) rc = wk_fail(WK_ENOTFOUND, "'%s': no dataset '%s'", file, dataset);
    if (rc >= 0) rc = wk_h5_read_double(h, dataset, file, &rank, dims, &w);
    if (rc >= 0 && (rank != 2 || dims[0] != dims[1] || dims[0] == 0))
        rc = wk_fail(WK_EFORMAT, "'%s': %s: not a square matrix", file, dataset);
    if (rc >= 0 && !(m = matrix_alloc(dims[0]))) rc = WK_ENOMEM;
    if (rc >= 0) {
        free(m->w);
        m->w = w;
        w = NULL;
        rc = h5_names(m, h, file, dataset);
    }
    for (size_t i = 0; rc >= 0 && i < m->n * m->n; i++)
        if (isinf(m->w[i])) rc = wk_fail(WK_EFORMAT, "'%s': %s: infinite value", file, dataset);
    free(w);
    wk_file_close(f);
    if (rc < 0) {
        wk_compare_matrix_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

static int is_hdf5_file(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8];
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    return got == sizeof head && memcmp(head, sig, sizeof sig) == 0;
}

int wk_compare_matrix_read(struct wk_compare_matrix **out, const char *spec)
{
    const char *colon = strrchr(spec, ':');
    if (colon && colon[1] == '/') {
        char *file = wk_strdup(spec);
        if (!file) return wk_fail(WK_ENOMEM, "out of memory");
        file[colon - spec] = '\0';
        int rc = is_hdf5_file(file) ? wk_compare_matrix_read_h5(out, file, colon + 1) : 1;
        free(file);
        if (rc <= 0) return rc;
    }
    if (strcmp(spec, "-") != 0 && is_hdf5_file(spec))
        return wk_fail(WK_EINVAL, "'%s': an HDF5 file: name the matrix as '%s:/path/to/dataset'",
                       spec, spec);
    return wk_compare_matrix_read_text(out, spec);
}

/* --------------------------------------------------------------- results */

void wk_compare_result_init(struct wk_compare_result *r)
{
    memset(r, 0, sizeof *r);
}

void wk_compare_result_add(struct wk_compare_result *r, const char *name, double value)
{
    if (r->n >= WK_COMPARE_MAX_METRICS) return;
    r->metric[r->n].name = name;
    r->metric[r->n].value = value;
    r->n++;
}

int wk_compare_result_write(FILE *fp, const char *name, const struct wk_compare_result *r)
{
    fputs("metric\tvalue\n", fp);
    for (size_t i = 0; i < r->n; i++) {
        double v = r->metric[i].value;
        if (isnan(v)) fprintf(fp, "%s\tnan\n", r->metric[i].name);
        else fprintf(fp, "%s\t%.10g\n", r->metric[i].name, v);
    }
    return wk_export_check_stream(fp, name);
}

/* ------------------------------------------------------------ primitives */

void wk_compare_prf(const struct wk_compare_counts *c, double *precision, double *recall,
                    double *f1)
{
    double p = (c->tp + c->fp) > 0 ? (double)c->tp / (double)(c->tp + c->fp) : NAN;
    double r = (c->tp + c->fn) > 0 ? (double)c->tp / (double)(c->tp + c->fn) : NAN;
    *precision = p;
    *recall = r;
    *f1 = isnan(p) || isnan(r) ? NAN : p + r > 0 ? 2 * p * r / (p + r) : 0;
}

struct ranked {
    double v;
    size_t i;
};

static int by_value_desc(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->v != y->v) return x->v > y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static struct ranked *sorted_desc(const double *v, size_t n)
{
    struct ranked *r = wk_malloc_array(n ? n : 1, sizeof *r);
    if (!r) return NULL;
    for (size_t i = 0; i < n; i++) {
        r[i].v = v[i];
        r[i].i = i;
    }
    qsort(r, n, sizeof *r, by_value_desc);
    return r;
}

int wk_compare_average_precision(double *ap, const double *score, const unsigned char *truth,
                                 size_t n)
{
    size_t positives = 0;
    for (size_t i = 0; i < n; i++) positives += truth[i] != 0;
    *ap = NAN;
    if (positives == 0) return 0;
    struct ranked *r = sorted_desc(score, n);
    if (!r) return WK_ENOMEM;
    double sum = 0, prev_recall = 0;
    size_t tp = 0;
    for (size_t k = 0; k < n;) {
        size_t end = k; /* the pairs ranked up to this threshold: end */
        while (end < n && r[end].v == r[k].v) tp += truth[r[end++].i] != 0;
        double recall = (double)tp / (double)positives;
        sum += (recall - prev_recall) * ((double)tp / (double)end);
        prev_recall = recall;
        k = end;
    }
    free(r);
    *ap = sum;
    return 0;
}

/* Ranks 1..n, ties averaged. */
static int average_ranks(double *rank, const double *v, size_t n)
{
    struct ranked *r = sorted_desc(v, n);
    if (!r) return WK_ENOMEM;
    for (size_t k = 0; k < n;) {
        size_t end = k;
        while (end < n && r[end].v == r[k].v) end++;
        double mean_rank = 0.5 * (double)(k + 1 + end);
        for (size_t q = k; q < end; q++) rank[r[q].i] = mean_rank;
        k = end;
    }
    free(r);
    return 0;
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

int wk_compare_spearman(double *rho, const double *x, const double *y, size_t n)
{
    *rho = NAN;
    if (n < 2) return 0;
    double *rx = wk_malloc_array(n, sizeof *rx), *ry = wk_malloc_array(n, sizeof *ry);
    int rc = rx && ry ? 0 : WK_ENOMEM;
    if (rc == 0) rc = average_ranks(rx, x, n);
    if (rc == 0) rc = average_ranks(ry, y, n);
    if (rc == 0) *rho = pearson(rx, ry, n);
    free(rx);
    free(ry);
    return rc;
}

/* ------------------------------------------------ against a connectome */

void wk_compare_options_init(struct wk_compare_options *o)
{
    o->threshold = 0;
    o->edges = WK_COMPARE_ANY;
    o->undirected = 0;
}

/* Structural weight of the ordered pair (a, b) for the chosen edges. */
static double structural(const struct wk_connectome *c, enum wk_compare_edges edges, size_t a,
                         size_t b)
{
    double w = 0;
    if (edges != WK_COMPARE_GAP) w += fabs(c->chem[a * N + b]);
    if (edges != WK_COMPARE_CHEM) w += fabs(c->gap[a * N + b]);
    return w;
}

static int covered(const struct wk_connectome *c, size_t a)
{
    for (size_t b = 0; b < N; b++)
        if (c->chem[a * N + b] != 0 || c->chem[b * N + a] != 0 || c->gap[a * N + b] != 0) return 1;
    return 0;
}

/* The scored pairs: functional score |w|, structural weight. */
struct pairs {
    size_t n;
    double *score, *weight;
    unsigned char *truth;
};

static void pairs_free(struct pairs *p)
{
    free(p->score);
    free(p->weight);
    free(p->truth);
}

/* Matrix rows of the shared neurons (in the atlas, covered by c); rejects a
 * neuron named twice. */
static int shared_neurons(size_t **rows, size_t *n_rows, size_t **atlas,
                          const struct wk_compare_matrix *m, const struct wk_connectome *c)
{
    size_t *r = wk_malloc_array(m->n ? m->n : 1, sizeof *r);
    size_t *a = wk_malloc_array(m->n ? m->n : 1, sizeof *a);
    unsigned char used[N] = {0};
    if (!r || !a) {
        free(r);
        free(a);
        return WK_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        int idx = wk_atlas_index(m->names[i]);
        if (idx < 0) continue;
        if (used[idx]) {
            free(r);
            free(a);
            return wk_fail(WK_EINVAL, "matrix: neuron '%s' appears twice", m->names[i]);
        }
        used[idx] = 1;
        if (!covered(c, (size_t)idx)) continue;
        r[k] = i;
        a[k++] = (size_t)idx;
    }
    *rows = r;
    *atlas = a;
    *n_rows = k;
    return 0;
}

static void add_pair(struct pairs *p, double w1, double w2, double weight)
{
    double s = NAN;
    if (isfinite(w1)) s = fabs(w1);
    if (isfinite(w2) && !(fabs(w2) <= s)) s = fabs(w2);
    if (isnan(s)) return;
    p->score[p->n] = s;
    p->weight[p->n] = weight;
    p->truth[p->n] = weight > 0;
    p->n++;
}

static int collect_pairs(struct pairs *p, const struct wk_compare_matrix *m,
                         const struct wk_connectome *c, const struct wk_compare_options *o,
                         const size_t *rows, const size_t *atlas, size_t k)
{
    size_t cap = k > 0 ? k * k : 1;
    memset(p, 0, sizeof *p);
    p->score = wk_malloc_array(cap, sizeof *p->score);
    p->weight = wk_malloc_array(cap, sizeof *p->weight);
    p->truth = wk_malloc_array(cap, sizeof *p->truth);
    if (!p->score || !p->weight || !p->truth) {
        pairs_free(p);
        return WK_ENOMEM;
    }
    for (size_t x = 0; x < k; x++) {
        for (size_t y = o->undirected ? x + 1 : 0; y < k; y++) {
            if (x == y) continue;
            double wxy = m->w[rows[x] * m->n + rows[y]];
            double sxy = structural(c, o->edges, atlas[x], atlas[y]);
            if (!o->undirected) {
                add_pair(p, wxy, NAN, sxy);
                continue;
            }
            double wyx = m->w[rows[y] * m->n + rows[x]];
            double syx = o->edges == WK_COMPARE_GAP ? 0 : fabs(c->chem[atlas[y] * N + atlas[x]]);
            add_pair(p, wxy, wyx, sxy + syx);
        }
    }
    return 0;
}

static void add_threshold_metrics(struct wk_compare_result *r, const struct pairs *p,
                                  double threshold)
{
    struct wk_compare_counts cnt = {0, 0, 0, 0};
    for (size_t i = 0; i < p->n; i++) {
        int pred = p->score[i] > threshold;
        if (pred && p->truth[i]) cnt.tp++;
        else if (pred) cnt.fp++;
        else if (p->truth[i]) cnt.fn++;
        else cnt.tn++;
    }
    double precision, recall, f1;
    wk_compare_prf(&cnt, &precision, &recall, &f1);
    wk_compare_result_add(r, "structural_edges", (double)(cnt.tp + cnt.fn));
    wk_compare_result_add(r, "predicted_edges", (double)(cnt.tp + cnt.fp));
    wk_compare_result_add(r, "true_positives", (double)cnt.tp);
    wk_compare_result_add(r, "precision", precision);
    wk_compare_result_add(r, "recall", recall);
    wk_compare_result_add(r, "f1", f1);
}

/* Spearman over the pairs where both weights are nonzero (compacts p). */
static int add_rank_metrics(struct wk_compare_result *r, struct pairs *p)
{
    double ap;
    int rc = wk_compare_average_precision(&ap, p->score, p->truth, p->n);
    if (rc < 0) return rc;
    wk_compare_result_add(r, "average_precision", ap);
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->score[i] != 0 && p->weight[i] != 0) {
            p->score[k] = p->score[i];
            p->weight[k++] = p->weight[i];
        }
    double rho;
    if ((rc = wk_compare_spearman(&rho, p->score, p->weight, k)) < 0) return rc;
    wk_compare_result_add(r, "spearman", rho);
    wk_compare_result_add(r, "spearman_pairs", (double)k);
    return 0;
}

int wk_compare_connectome(struct wk_compare_result *r, const struct wk_compare_matrix *m,
                          const struct wk_connectome *c, const struct wk_compare_options *o)
{
    size_t *rows = NULL, *atlas = NULL, k = 0;
    int rc = shared_neurons(&rows, &k, &atlas, m, c);
    if (rc < 0) return rc == WK_ENOMEM ? wk_fail(rc, "out of memory") : rc;
    struct pairs p;
    rc = collect_pairs(&p, m, c, o, rows, atlas, k);
    free(rows);
    free(atlas);
    if (rc < 0) return wk_fail(rc, "out of memory");
    wk_compare_result_add(r, "neurons", (double)k);
    wk_compare_result_add(r, "pairs", (double)p.n);
    add_threshold_metrics(r, &p, o->threshold);
    rc = add_rank_metrics(r, &p);
    pairs_free(&p);
    return rc < 0 ? wk_fail(rc, "out of memory") : 0;
}

int wk_compare_truth_missing(const char *path)
{
    struct wk_file *f = NULL;
    int rc = wk_file_open_hdf5(&f, path);
    if (rc < 0) return rc;
    wk_file_close(f);
    return wk_fail(WK_EFORMAT,
                   "'%s': no truth to score against (no worm-simulate bicluster, glm or sbm truth under "
                   "/results/simulate, and no /results/sbm partition)",
                   path);
}
