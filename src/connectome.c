/* connectome.c - connectomes on the 300-neuron atlas: the source registry,
 * import dispatch, HDF5 storage under /connectomes, consensus, export. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/connectome_internal.h"
#include "wormkit/wk_connectome.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_util.h"

#define N WK_CONNECTOME_N
#define NN ((size_t)N * N)

/* ---------------------------------------------------------------- struct */

struct wk_connectome *wk_connectome_alloc(void)
{
    struct wk_connectome *c = calloc(1, sizeof *c);
    if (!c) {
        wk_fail(WK_ENOMEM, "out of memory");
        return NULL;
    }
    c->q_max = NAN;
    c->id = wk_strdup("");
    c->source = wk_strdup("");
    c->source_file = wk_strdup("");
    c->second_file = wk_strdup("");
    c->sources = wk_strdup("");
    c->chem = wk_calloc(NN, sizeof *c->chem);
    c->gap = wk_calloc(NN, sizeof *c->gap);
    if (!c->id || !c->source || !c->source_file || !c->second_file || !c->sources || !c->chem ||
        !c->gap) {
        wk_connectome_free(c);
        wk_fail(WK_ENOMEM, "out of memory");
        return NULL;
    }
    return c;
}

void wk_connectome_free(struct wk_connectome *c)
{
    if (!c) return;
    free(c->id);
    free(c->source);
    free(c->source_file);
    free(c->second_file);
    free(c->sources);
    free(c->chem);
    free(c->gap);
    free(c->chem_count);
    free(c->gap_count);
    free(c->chem_spread);
    free(c->gap_spread);
    free(c);
}

int wk_connectome_set_string(char **member, const char *value)
{
    char *copy = wk_strdup(value ? value : "");
    if (!copy) return wk_fail(WK_ENOMEM, "out of memory");
    free(*member);
    *member = copy;
    return 0;
}

void wk_connectome_dropped_free(struct wk_connectome_dropped *d)
{
    if (!d) return;
    wk_strv_free(d->label, d->n);
    free(d->records);
    free(d);
}

int wk_connectome_dropped_write(FILE *fp, const char *name, const struct wk_connectome_dropped *d)
{
    fputs("label\trecords\n", fp);
    for (size_t i = 0; d && i < d->n; i++) fprintf(fp, "%s\t%ld\n", d->label[i], d->records[i]);
    return wk_export_check_stream(fp, name);
}

/* --------------------------------------------------------------- sources */

static const struct wk_connectome_source sources[] = {
    {"white1986_whole", WK_CONNECTOME_LONG, "White et al. 1986, whole animal (pre, post, type, synapses)"},
    {"white1986_n2u", WK_CONNECTOME_LONG, "White et al. 1986, N2U series (pre, post, type, synapses)"},
    {"white1986_jsh", WK_CONNECTOME_LONG, "White et al. 1986, JSH series (pre, post, type, synapses)"},
    {"white1986_jse", WK_CONNECTOME_LONG, "White et al. 1986, JSE series (pre, post, type, synapses)"},
    {"witvliet2020_7", WK_CONNECTOME_LONG, "Witvliet et al. 2020, adult dataset 7 (pre, post, type, synapses)"},
    {"witvliet2020_8", WK_CONNECTOME_LONG, "Witvliet et al. 2020, adult dataset 8 (pre, post, type, synapses)"},
    {"cook2019", WK_CONNECTOME_COOK, "Cook et al. 2019, chemical grid and gap-junction grid (CSV)"},
    {"varshney2011", WK_CONNECTOME_VARSHNEY, "Varshney et al. 2011 NeuronConnect (Neuron 1, Neuron 2, Type, Nbr)"},
    {"openworm", WK_CONNECTOME_OPENWORM, "OpenWorm neuron tables (Origin, Target, Type, Number of Connections)"},
    {"randi2023", WK_CONNECTOME_RANDI, "Randi et al. 2023 signal propagation, value grid and q-value grid (CSV)"},
    {NULL, WK_CONNECTOME_LONG, NULL}};

const struct wk_connectome_source *wk_connectome_sources(void)
{
    return sources;
}

const struct wk_connectome_source *wk_connectome_source_find(const char *id)
{
    for (const struct wk_connectome_source *s = sources; id && s->id; s++)
        if (strcmp(s->id, id) == 0) return s;
    return NULL;
}

int wk_connectome_format_two_files(enum wk_connectome_format format)
{
    return format == WK_CONNECTOME_COOK || format == WK_CONNECTOME_RANDI;
}

/* ---------------------------------------------------------------- import */

void wk_connectome_import_options_init(struct wk_connectome_import_options *o)
{
    memset(o, 0, sizeof *o);
    o->q_max = WK_CONNECTOME_Q_MAX;
}

static int check_files(const struct wk_connectome_source *src,
                       const struct wk_connectome_import_options *o)
{
    if (src->format == WK_CONNECTOME_COOK && !o->second)
        return wk_fail(WK_EINVAL, "source 'cook2019' needs two files: the chemical grid and the gap-junction grid");
    if (src->format == WK_CONNECTOME_RANDI && !o->second)
        return wk_fail(WK_EINVAL, "source 'randi2023' needs two files: the value grid and the q-value grid");
    if (!wk_connectome_format_two_files(src->format) && o->second)
        return wk_fail(WK_EINVAL, "source '%s' reads one file, not two", src->id);
    int main_stdin = !o->file || strcmp(o->file, "-") == 0;
    if (o->second && main_stdin && strcmp(o->second, "-") == 0)
        return wk_fail(WK_EINVAL, "only one of the two files can be stdin");
    return 0;
}

static int read_source(struct wk_conn_builder *b, const struct wk_connectome_source *src,
                       const struct wk_connectome_import_options *o)
{
    switch (src->format) {
    case WK_CONNECTOME_LONG:
    case WK_CONNECTOME_VARSHNEY:
    case WK_CONNECTOME_OPENWORM:
        return wk_conn_read_table(b, src->format, o->file);
    case WK_CONNECTOME_COOK: {
        int rc = wk_conn_read_grid(b, WK_CONN_CHEM, o->file);
        return rc < 0 ? rc : wk_conn_read_grid(b, WK_CONN_GAP, o->second);
    }
    case WK_CONNECTOME_RANDI:
        return wk_conn_read_randi(b, o->file, o->second, o->q_max);
    }
    return WK_EINVAL;
}

static int unknown_source(const char *id)
{
    char list[512] = "";
    for (const struct wk_connectome_source *s = sources; s->id; s++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", s == sources ? "" : ", ",
                 s->id);
    return wk_fail(WK_EINVAL, "unknown connectome source '%s' (known: %s)", id ? id : "", list);
}

static const char *file_name(const char *path)
{
    return !path || strcmp(path, "-") == 0 ? "stdin" : path;
}

int wk_connectome_import(struct wk_connectome **out, struct wk_connectome_dropped **dropped,
                         const struct wk_connectome_import_options *o)
{
    *out = NULL;
    if (dropped) *dropped = NULL;
    const struct wk_connectome_source *src = wk_connectome_source_find(o->source);
    if (!src) return unknown_source(o->source);
    const char *id = o->id ? o->id : src->id;
    if (!wk_connectome_id_valid(id)) return wk_fail(WK_EINVAL, "invalid connectome id '%s'", id);
    int rc = check_files(src, o);
    if (rc < 0) return rc;
    struct wk_conn_builder b;
    if ((rc = wk_conn_builder_init(&b)) < 0) return rc;
    rc = read_source(&b, src, o);
    struct wk_connectome *c = NULL;
    if (rc >= 0) rc = wk_conn_builder_finish(&b, &c, dropped);
    wk_conn_builder_clear(&b);
    if (rc >= 0) rc = wk_connectome_set_string(&c->id, id);
    if (rc >= 0) rc = wk_connectome_set_string(&c->source, src->id);
    if (rc >= 0) rc = wk_connectome_set_string(&c->source_file, file_name(o->file));
    if (rc >= 0 && o->second) rc = wk_connectome_set_string(&c->second_file, file_name(o->second));
    if (rc < 0) {
        wk_connectome_free(c);
        if (dropped) {
            wk_connectome_dropped_free(*dropped);
            *dropped = NULL;
        }
        return rc;
    }
    if (src->format == WK_CONNECTOME_RANDI) c->q_max = o->q_max;
    *out = c;
    return 0;
}

/* ------------------------------------------------------------------ HDF5 */

int wk_connectome_id_valid(const char *id)
{
    return id && id[0] && !strchr(id, '/') && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

static int group_path(char *buf, size_t size, const char *id)
{
    int n = snprintf(buf, size, "/connectomes/%s", id);
    if (n < 0 || (size_t)n >= size) return wk_fail(WK_ERANGE, "connectome id too long: '%s'", id);
    return 0;
}

int wk_connectome_exists(const struct wk_file *f, const char *id)
{
    hid_t h = wk_file_hid(f);
    int rc = wk_h5_exists(h, "/connectomes");
    if (rc <= 0) return rc;
    char path[1024];
    if ((rc = group_path(path, sizeof path, id)) < 0) return rc;
    return wk_h5_exists(h, path);
}

/* Name of link i of group g (name order), newly allocated. */
static char *link_name(hid_t g, hsize_t i)
{
    ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
    if (len < 0) return NULL;
    char *name = malloc((size_t)len + 1);
    if (name && H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, (size_t)len + 1,
                                   H5P_DEFAULT) < 0) {
        free(name);
        return NULL;
    }
    return name;
}

static int is_group(hid_t g, const char *name)
{
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o < 0) return 0;
    int yes = H5Iget_type(o) == H5I_GROUP;
    H5Oclose(o);
    return yes;
}

int wk_connectome_ids(const struct wk_file *f, char ***ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    hid_t h = wk_file_hid(f);
    int rc = wk_h5_exists(h, "/connectomes");
    if (rc <= 0) return rc;
    hid_t g = H5Gopen2(h, "/connectomes", H5P_DEFAULT);
    H5G_info_t info;
    if (g < 0 || H5Gget_info(g, &info) < 0) {
        if (g >= 0) H5Gclose(g);
        return wk_h5_fail(wk_file_name(f), "/connectomes");
    }
    char **v = info.nlinks ? wk_calloc((size_t)info.nlinks, sizeof *v) : NULL;
    if (info.nlinks && !v) rc = WK_ENOMEM;
    size_t count = 0;
    for (hsize_t i = 0; rc >= 0 && i < info.nlinks; i++) {
        char *name = link_name(g, i);
        if (!name) {
            rc = wk_h5_fail(wk_file_name(f), "/connectomes");
        } else if (is_group(g, name)) {
            v[count++] = name;
        } else {
            free(name);
        }
    }
    H5Gclose(g);
    if (rc < 0) {
        wk_strv_free(v, count);
        return rc;
    }
    *ids = v;
    *n = count;
    return 0;
}

static int write_attrs(hid_t g, const struct wk_connectome *c)
{
    int rc = wk_h5_set_attr_string(g, "source", c->source);
    if (rc >= 0) rc = wk_h5_set_attr_string(g, "source_file", c->source_file);
    if (rc >= 0) rc = wk_h5_set_attr_long(g, "dropped_labels", c->dropped_labels);
    if (rc >= 0 && c->second_file[0]) rc = wk_h5_set_attr_string(g, "second_file", c->second_file);
    if (rc >= 0 && !isnan(c->q_max)) rc = wk_h5_set_attr_double(g, "q_max", c->q_max);
    if (rc >= 0 && c->chem_count) {
        long n_sources = 1;
        for (const char *s = c->sources; *s; s++) n_sources += *s == ',';
        rc = wk_h5_set_attr_string(g, "sources", c->sources);
        if (rc >= 0) rc = wk_h5_set_attr_long(g, "n_sources", n_sources);
        if (rc >= 0) rc = wk_h5_set_attr_string(g, "spread", "std");
    }
    return rc;
}

static int write_arrays(hid_t g, const struct wk_connectome *c)
{
    const size_t dims[2] = {N, N};
    int rc = wk_h5_write_float(g, "chem", 2, dims, c->chem);
    if (rc >= 0) rc = wk_h5_write_float(g, "gap", 2, dims, c->gap);
    if (rc >= 0 && c->chem_count) rc = wk_h5_write_int(g, "chem_count", 2, dims, c->chem_count);
    if (rc >= 0 && c->gap_count) rc = wk_h5_write_int(g, "gap_count", 2, dims, c->gap_count);
    if (rc >= 0 && c->chem_spread) rc = wk_h5_write_float(g, "chem_spread", 2, dims, c->chem_spread);
    if (rc >= 0 && c->gap_spread) rc = wk_h5_write_float(g, "gap_spread", 2, dims, c->gap_spread);
    return rc;
}

int wk_connectome_write(struct wk_file *f, const struct wk_connectome *c)
{
    if (!wk_connectome_id_valid(c->id))
        return wk_fail(WK_EINVAL, "invalid connectome id '%s'", c->id);
    char path[1024];
    int rc = group_path(path, sizeof path, c->id);
    if (rc < 0) return rc;
    if ((rc = wk_connectome_exists(f, c->id)) < 0) return rc;
    if (rc > 0) return wk_fail(WK_EEXIST, "'%s': %s already exists", wk_file_name(f), path);
    hid_t g;
    if ((rc = wk_h5_ensure_group(wk_file_hid(f), path, &g)) < 0) return rc;
    rc = write_arrays(g, c);
    if (rc >= 0) rc = write_attrs(g, c);
    H5Gclose(g);
    return rc < 0 ? rc : 0;
}

/* A [300][300] float dataset of the group, finite (and symmetric). */
static int read_matrix(hid_t g, const char *file, const char *path, const char *name,
                       int symmetric, float **out)
{
    int rank;
    size_t dims[4];
    float *m;
    int rc = wk_h5_read_float(g, name, file, &rank, dims, &m);
    if (rc < 0) return rc;
    if (rank != 2 || dims[0] != N || dims[1] != N) {
        free(m);
        return wk_fail(WK_EFORMAT, "'%s': %s/%s: not a %d x %d matrix", file, path, name, N, N);
    }
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < N; j++) {
            float v = m[i * N + j];
            const char *problem = !isfinite(v) ? "not finite"
                                  : symmetric && v != m[j * N + i] ? "not symmetric"
                                                                   : NULL;
            if (problem) {
                free(m);
                return wk_fail(WK_EFORMAT, "'%s': %s/%s[%zu][%zu]: %s", file, path, name, i, j,
                               problem);
            }
        }
    }
    *out = m;
    return 0;
}

static int read_counts(hid_t g, const char *file, const char *path, const char *name, int **out)
{
    int rank;
    size_t dims[4];
    int rc = wk_h5_read_int(g, name, file, &rank, dims, out);
    if (rc < 0) return rc;
    if (rank != 2 || dims[0] != N || dims[1] != N) {
        free(*out);
        *out = NULL;
        return wk_fail(WK_EFORMAT, "'%s': %s/%s: not a %d x %d matrix", file, path, name, N, N);
    }
    return 0;
}

static int read_string_attr(hid_t g, const char *name, char **member)
{
    char *value;
    int rc = wk_h5_get_attr_string(g, name, &value);
    if (rc == WK_ENOTFOUND) return 0;
    if (rc < 0) return rc;
    free(*member);
    *member = value;
    return 0;
}

static int read_attrs(hid_t g, struct wk_connectome *c)
{
    int rc = read_string_attr(g, "source", &c->source);
    if (rc >= 0) rc = read_string_attr(g, "source_file", &c->source_file);
    if (rc >= 0) rc = read_string_attr(g, "second_file", &c->second_file);
    if (rc >= 0) rc = read_string_attr(g, "sources", &c->sources);
    if (rc >= 0) {
        rc = wk_h5_get_attr_long(g, "dropped_labels", &c->dropped_labels);
        if (rc == WK_ENOTFOUND) rc = 0;
    }
    if (rc >= 0) {
        rc = wk_h5_get_attr_double(g, "q_max", &c->q_max);
        if (rc == WK_ENOTFOUND) rc = 0;
    }
    return rc;
}

/* The consensus arrays, when the group has them (all four or none). */
static int read_consensus(hid_t g, const char *file, const char *path, struct wk_connectome *c)
{
    int rc = wk_h5_exists(g, "chem_count");
    if (rc <= 0) return rc;
    rc = read_counts(g, file, path, "chem_count", &c->chem_count);
    if (rc >= 0) rc = read_counts(g, file, path, "gap_count", &c->gap_count);
    if (rc >= 0) rc = read_matrix(g, file, path, "chem_spread", 0, &c->chem_spread);
    if (rc >= 0) rc = read_matrix(g, file, path, "gap_spread", 1, &c->gap_spread);
    return rc;
}

int wk_connectome_read(const struct wk_file *f, const char *id, struct wk_connectome **out)
{
    *out = NULL;
    const char *file = wk_file_name(f);
    char path[1024];
    int rc = wk_connectome_id_valid(id) ? group_path(path, sizeof path, id)
                                        : wk_fail(WK_EINVAL, "invalid connectome id '%s'", id);
    if (rc < 0) return rc;
    if ((rc = wk_connectome_exists(f, id)) < 0) return rc;
    if (rc == 0) return wk_fail(WK_ENOTFOUND, "'%s': no connectome '%s'", file, id);
    hid_t g = H5Gopen2(wk_file_hid(f), path, H5P_DEFAULT);
    if (g < 0) return wk_h5_fail(file, path);
    struct wk_connectome *c = wk_connectome_alloc();
    if (!c) rc = WK_ENOMEM;
    if (rc >= 0) rc = wk_connectome_set_string(&c->id, id);
    if (rc >= 0) {
        free(c->chem);
        free(c->gap);
        c->chem = c->gap = NULL;
        rc = read_matrix(g, file, path, "chem", 0, &c->chem);
    }
    if (rc >= 0) rc = read_matrix(g, file, path, "gap", 1, &c->gap);
    if (rc >= 0) rc = read_consensus(g, file, path, c);
    if (rc >= 0) rc = read_attrs(g, c);
    H5Gclose(g);
    if (rc < 0) {
        wk_connectome_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* ------------------------------------------------------------- consensus */

/* Mean, count and standard deviation (divisor n) of the nonzero values. */
static void summarize(const float *const *v, size_t n, size_t at, float *mean, int *count,
                      float *spread)
{
    double sum = 0;
    int k = 0;
    for (size_t s = 0; s < n; s++)
        if (v[s][at] != 0) {
            sum += v[s][at];
            k++;
        }
    double m = k ? sum / k : 0, ss = 0;
    for (size_t s = 0; s < n; s++)
        if (v[s][at] != 0) ss += (v[s][at] - m) * (v[s][at] - m);
    *mean = (float)m;
    *count = k;
    *spread = k ? (float)sqrt(ss / k) : 0.0f;
}

static int join_ids(char **out, const struct wk_connectome *const *in, size_t n)
{
    size_t len = 1;
    for (size_t s = 0; s < n; s++) len += strlen(in[s]->id) + 1;
    char *ids = malloc(len), *p = ids;
    if (!ids) return wk_fail(WK_ENOMEM, "out of memory");
    for (size_t s = 0; s < n; s++) p += sprintf(p, "%s%s", s ? "," : "", in[s]->id);
    *p = '\0';
    free(*out);
    *out = ids;
    return 0;
}

static int alloc_consensus_arrays(struct wk_connectome *c)
{
    c->chem_count = wk_calloc(NN, sizeof *c->chem_count);
    c->gap_count = wk_calloc(NN, sizeof *c->gap_count);
    c->chem_spread = wk_calloc(NN, sizeof *c->chem_spread);
    c->gap_spread = wk_calloc(NN, sizeof *c->gap_spread);
    return c->chem_count && c->gap_count && c->chem_spread && c->gap_spread ? 0 : WK_ENOMEM;
}

int wk_connectome_consensus(struct wk_connectome **out, const struct wk_connectome *const *in,
                            size_t n, const char *id)
{
    *out = NULL;
    if (n == 0) return wk_fail(WK_EINVAL, "consensus: no connectome to combine");
    if (!wk_connectome_id_valid(id)) return wk_fail(WK_EINVAL, "invalid connectome id '%s'", id);
    const float **chem = wk_malloc_array(n, sizeof *chem);
    const float **gap = wk_malloc_array(n, sizeof *gap);
    struct wk_connectome *c = wk_connectome_alloc();
    int rc = chem && gap && c && alloc_consensus_arrays(c) == 0 ? 0 : wk_fail(WK_ENOMEM, "out of memory");
    for (size_t s = 0; rc >= 0 && s < n; s++) {
        chem[s] = in[s]->chem;
        gap[s] = in[s]->gap;
    }
    for (size_t i = 0; rc >= 0 && i < N; i++) {
        for (size_t j = 0; j < N; j++) {
            size_t at = i * N + j;
            summarize(chem, n, at, &c->chem[at], &c->chem_count[at], &c->chem_spread[at]);
            if (j < i) continue;
            summarize(gap, n, at, &c->gap[at], &c->gap_count[at], &c->gap_spread[at]);
            size_t mirror = j * N + i;
            c->gap[mirror] = c->gap[at];
            c->gap_count[mirror] = c->gap_count[at];
            c->gap_spread[mirror] = c->gap_spread[at];
        }
    }
    free(chem);
    free(gap);
    if (rc >= 0) rc = wk_connectome_set_string(&c->id, id);
    if (rc >= 0) rc = wk_connectome_set_string(&c->source, "consensus");
    if (rc >= 0) rc = join_ids(&c->sources, in, n);
    if (rc < 0) {
        wk_connectome_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* ---------------------------------------------------------------- export */

int wk_connectome_matrix(float *dst, const struct wk_connectome *c, const char *what)
{
    const float *f = NULL;
    const int *k = NULL;
    if (strcmp(what, "chem") == 0) f = c->chem;
    else if (strcmp(what, "gap") == 0) f = c->gap;
    else if (strcmp(what, "chem_spread") == 0) f = c->chem_spread;
    else if (strcmp(what, "gap_spread") == 0) f = c->gap_spread;
    else if (strcmp(what, "chem_count") == 0) k = c->chem_count;
    else if (strcmp(what, "gap_count") == 0) k = c->gap_count;
    else return wk_fail(WK_EINVAL, "unknown connectome matrix '%s' (chem, gap, chem_count, gap_count, chem_spread or gap_spread)", what);
    if (!f && !k)
        return wk_fail(WK_ENOTFOUND, "connectome '%s' has no %s (not a consensus)", c->id, what);
    for (size_t i = 0; i < NN; i++) dst[i] = f ? f[i] : (float)k[i];
    return 0;
}

static void put_float(FILE *fp, float v)
{
    char buf[WK_NUMBER_BUFSIZE];
    wk_export_format_float(buf, v);
    fputc('\t', fp);
    fputs(buf, fp);
}

int wk_connectome_write_edges(FILE *fp, const char *name, const struct wk_connectome *c)
{
    int consensus = c->chem_count && c->gap_count && c->chem_spread && c->gap_spread;
    fputs(consensus ? "pre\tpost\tchem\tgap\tchem_count\tgap_count\tchem_spread\tgap_spread\n"
                    : "pre\tpost\tchem\tgap\n",
          fp);
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < N; j++) {
            size_t at = i * N + j;
            if (c->chem[at] == 0 && c->gap[at] == 0) continue;
            fprintf(fp, "%s\t%s", wk_atlas_name(i), wk_atlas_name(j));
            put_float(fp, c->chem[at]);
            put_float(fp, c->gap[at]);
            if (consensus) {
                fprintf(fp, "\t%d\t%d", c->chem_count[at], c->gap_count[at]);
                put_float(fp, c->chem_spread[at]);
                put_float(fp, c->gap_spread[at]);
            }
            fputc('\n', fp);
        }
        if (ferror(fp)) break;
    }
    return wk_export_check_stream(fp, name);
}

int wk_connectome_write_dense(FILE *fp, const char *name, const struct wk_connectome *c,
                              const char *what)
{
    float *m = wk_malloc_array(NN, sizeof *m);
    if (!m) return WK_ENOMEM;
    int rc = wk_connectome_matrix(m, c, what);
    if (rc < 0) {
        free(m);
        return rc;
    }
    fputs("neuron", fp);
    for (size_t j = 0; j < N; j++) fprintf(fp, "\t%s", wk_atlas_name(j));
    fputc('\n', fp);
    for (size_t i = 0; i < N && !ferror(fp); i++) {
        fputs(wk_atlas_name(i), fp);
        for (size_t j = 0; j < N; j++) put_float(fp, m[i * N + j]);
        fputc('\n', fp);
    }
    free(m);
    return wk_export_check_stream(fp, name);
}

int wk_connectome_write_npy(FILE *fp, const char *name, const struct wk_connectome *c,
                            const char *what)
{
    float *m = wk_malloc_array(NN, sizeof *m);
    if (!m) return WK_ENOMEM;
    int rc = wk_connectome_matrix(m, c, what);
    const size_t shape[2] = {N, N};
    if (rc >= 0) rc = wk_npy_write(fp, name, 2, shape, m);
    free(m);
    return rc;
}

/* ----------------------------------------------------------- collections */

void wk_connectome_list_free(struct wk_connectome **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) wk_connectome_free(v[i]);
    free(v);
}

static int push_connectome(struct wk_connectome ***v, size_t *n, struct wk_connectome *c)
{
    struct wk_connectome **bigger = wk_realloc_array(*v, *n + 1, sizeof *bigger);
    if (!bigger) {
        wk_connectome_free(c);
        return WK_ENOMEM;
    }
    *v = bigger;
    (*v)[(*n)++] = c;
    return 0;
}

static int listed(char *const *ids, size_t n_ids, const char *id)
{
    for (size_t i = 0; i < n_ids; i++)
        if (strcmp(ids[i], id) == 0) return 1;
    return 0;
}

/* The wanted connectomes of one open file; found[k] set for ids[k]. */
static int collect_file(struct wk_connectome ***v, size_t *n, const struct wk_file *f,
                        char *const *ids, size_t n_ids, unsigned char *found)
{
    char **names;
    size_t n_names;
    int rc = wk_connectome_ids(f, &names, &n_names);
    for (size_t i = 0; rc >= 0 && i < n_names; i++) {
        if (n_ids && !listed(ids, n_ids, names[i])) continue;
        struct wk_connectome *c;
        if ((rc = wk_connectome_read(f, names[i], &c)) < 0) break;
        if (!n_ids && strcmp(c->source, "consensus") == 0) {
            wk_connectome_free(c);
            continue;
        }
        for (size_t k = 0; k < n_ids; k++)
            if (strcmp(ids[k], names[i]) == 0) found[k] = 1;
        if ((rc = push_connectome(v, n, c)) < 0) rc = wk_fail(rc, "out of memory");
    }
    wk_strv_free(names, n_names);
    return rc;
}

static int check_found(char *const *ids, size_t n_ids, const unsigned char *found, size_t n)
{
    for (size_t k = 0; k < n_ids; k++)
        if (!found[k]) return wk_fail(WK_ENOTFOUND, "no connectome '%s' in the inputs", ids[k]);
    if (n == 0) return wk_fail(WK_ENOTFOUND, "no connectome in the inputs");
    return 0;
}

int wk_connectome_collect(struct wk_connectome ***out, size_t *n, char *const *paths,
                          size_t n_paths, char *const *ids, size_t n_ids, struct wk_file *history)
{
    *out = NULL;
    *n = 0;
    unsigned char *found = wk_calloc(n_ids ? n_ids : 1, 1);
    if (!found) return WK_ENOMEM;
    int rc = 0;
    for (size_t p = 0; rc >= 0 && p < n_paths; p++) {
        struct wk_file *f;
        if ((rc = wk_file_open(&f, paths[p])) < 0) break;
        if (history) rc = wk_file_copy_history(history, f);
        if (rc >= 0) rc = collect_file(out, n, f, ids, n_ids, found);
        wk_file_close(f);
    }
    if (rc >= 0) rc = check_found(ids, n_ids, found, *n);
    free(found);
    if (rc < 0) {
        wk_connectome_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc < 0 ? rc : 0;
}

/* Split "FILE:ID" unless the whole spec is an existing file. */
static int split_spec(const char *spec, char **file, char **id)
{
    *file = *id = NULL;
    const char *colon = strrchr(spec, ':');
    FILE *probe = colon ? fopen(spec, "rb") : NULL;
    if (probe) fclose(probe);
    if (!colon || probe) {
        *file = wk_strdup(spec);
        return *file ? 0 : wk_fail(WK_ENOMEM, "out of memory");
    }
    *file = wk_strdup(spec);
    *id = wk_strdup(colon + 1);
    if (!*file || !*id) return wk_fail(WK_ENOMEM, "out of memory");
    (*file)[colon - spec] = '\0';
    return 0;
}

/* The only connectome of f, or a message listing them. */
static int only_id(const struct wk_file *f, char **id)
{
    char **ids;
    size_t n;
    int rc = wk_connectome_ids(f, &ids, &n);
    if (rc < 0) return rc;
    if (n == 1) {
        *id = ids[0];
        free(ids);
        return 0;
    }
    char list[512] = "";
    for (size_t i = 0; i < n && strlen(list) < sizeof list - 64; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", ids[i]);
    wk_strv_free(ids, n);
    if (n == 0) return wk_fail(WK_ENOTFOUND, "'%s': no connectome", wk_file_name(f));
    return wk_fail(WK_EINVAL, "'%s': %zu connectomes (%s): name one as FILE:ID or with --id",
                   wk_file_name(f), n, list);
}

int wk_connectome_load(struct wk_connectome **out, const char *path, const char *id)
{
    *out = NULL;
    struct wk_file *f = NULL;
    char *only = NULL;
    int rc = wk_file_open(&f, path);
    if (rc >= 0 && !id) rc = only_id(f, &only);
    if (rc >= 0) rc = wk_connectome_read(f, id ? id : only, out);
    wk_file_close(f);
    free(only);
    return rc < 0 ? rc : 0;
}

int wk_connectome_load_spec(struct wk_connectome **out, const char *spec)
{
    *out = NULL;
    char *file, *id;
    int rc = split_spec(spec, &file, &id);
    if (rc >= 0) rc = wk_connectome_load(out, file, id);
    free(file);
    free(id);
    return rc;
}
