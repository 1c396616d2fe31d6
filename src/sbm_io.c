/* sbm_io.c - worm-sbm's inputs (worm-ntf results or a matrix), its
 * /results/sbm output and TSV table, and node partitions read by name. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wormkit/wk_compare.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_partition.h"
#include "wormkit/wk_sbm.h"
#include "wormkit/wk_util.h"

#define NTF_GROUP "/results/ntf"

void wk_sbm_input_free(struct wk_sbm_input *in)
{
    if (!in) return;
    wk_strv_free(in->names, in->n);
    for (size_t k = 0; k < in->n_graphs; k++) free(in->matrices[k]);
    free(in->matrices);
    free(in->component);
    wk_file_close(in->file);
    free(in);
}

static int is_hdf5(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8];
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    return got == sizeof head && memcmp(head, sig, sizeof sig) == 0;
}

/* A name that promises HDF5 (read as a wormkit file even when it is not
 * one, so that the message says what is wrong). */
static int h5_name(const char *path)
{
    static const char *const ext[] = {".h5", ".hdf5", ".he5"};
    size_t len = strlen(path);
    for (size_t k = 0; k < 3; k++) {
        size_t e = strlen(ext[k]);
        if (len > e && strcasecmp(path + len - e, ext[k]) == 0) return 1;
    }
    return 0;
}

static int alloc_graphs(struct wk_sbm_input *in, size_t k)
{
    in->matrices = wk_calloc(k, sizeof *in->matrices);
    in->component = wk_calloc(k, sizeof *in->component);
    if (!in->matrices || !in->component) return wk_fail(WK_ENOMEM, "out of memory");
    in->n_graphs = k;
    return 0;
}

static int from_matrix(struct wk_sbm_input *in, const char *spec)
{
    struct wk_compare_matrix *m;
    int rc = wk_compare_matrix_read(&m, spec);
    if (rc < 0) return rc;
    in->n = m->n;
    in->names = m->names;
    m->names = NULL;
    rc = alloc_graphs(in, 1);
    if (rc == 0) {
        in->matrices[0] = m->w;
        m->w = NULL;
        in->component[0] = 1;
    }
    m->n = 0;
    wk_compare_matrix_free(m);
    return rc;
}

static int from_ntf(struct wk_sbm_input *in, const char *spec, long rank, int component)
{
    int rc = wk_file_open(&in->file, spec);
    if (rc < 0) return rc;
    hid_t h = wk_file_hid(in->file);
    const char *name = wk_file_name(in->file);
    char group[64];
    if (rank > 0) snprintf(group, sizeof group, NTF_GROUP "/rank_%ld", rank);
    else snprintf(group, sizeof group, NTF_GROUP);
    char path[96];
    snprintf(path, sizeof path, "%s/f_a_matrix", group);
    if (wk_h5_exists(h, path) != 1) {
        if (rank > 0) return wk_fail(WK_ENOTFOUND, "'%s': no %s (no model of rank %ld)", name, path, rank);
        if (wk_h5_exists(h, NTF_GROUP) == 1)
            return wk_fail(WK_ENOTFOUND, "'%s': %s holds a rank sweep: choose a model with --rank R", name, NTF_GROUP);
        return wk_fail(WK_ENOTFOUND, "'%s': no worm-ntf results (%s) and no matrix named 'FILE:/dataset'", name,
                       NTF_GROUP);
    }
    int r_rank;
    size_t dims[4];
    double *fa = NULL;
    rc = wk_h5_read_double(h, path, name, &r_rank, dims, &fa);
    if (rc < 0) return rc;
    snprintf(path, sizeof path, "%s/neurons", group);
    if (r_rank != 3 || dims[1] != dims[2])
        rc = wk_fail(WK_EFORMAT, "'%s': %s/f_a_matrix must be [R][N][N]", name, group);
    if (rc == 0) rc = wk_h5_read_strings(h, path, name, &in->n, &in->names);
    if (rc == 0 && in->n != dims[1])
        rc = wk_fail(WK_EFORMAT, "'%s': %s names %zu neurons, f_a_matrix has %zu", name, path, in->n, dims[1]);
    if (rc == 0 && component > 0 && (size_t)component > dims[0])
        rc = wk_fail(WK_EINVAL, "'%s': component %d requested, the model has %zu", name, component, dims[0]);
    size_t first = component > 0 ? (size_t)component - 1 : 0, count = component > 0 ? 1 : dims[0];
    if (rc == 0) rc = alloc_graphs(in, count);
    size_t nn = dims[1] * dims[2];
    for (size_t k = 0; rc == 0 && k < count; k++) {
        in->matrices[k] = wk_malloc_array(nn, sizeof(double));
        if (!in->matrices[k]) rc = wk_fail(WK_ENOMEM, "out of memory");
        else memcpy(in->matrices[k], fa + (first + k) * nn, nn * sizeof(double));
        in->component[k] = (int)(first + k + 1);
    }
    free(fa);
    in->from_ntf = 1;
    return rc;
}

int wk_sbm_input_read(struct wk_sbm_input **out, const char *spec, long rank, int component)
{
    *out = NULL;
    struct wk_sbm_input *in = wk_calloc(1, sizeof *in);
    if (!in) return wk_fail(WK_ENOMEM, "out of memory");
    const char *colon = strrchr(spec, ':');
    int matrix = (colon && colon[1] == '/') || (strcmp(spec, "-") != 0 && !is_hdf5(spec) && !h5_name(spec));
    int rc;
    if (matrix) {
        rc = from_matrix(in, spec);
        if (rc == 0 && component > 1)
            rc = wk_fail(WK_EINVAL, "'%s': a matrix is one component (asked for component %d)", spec, component);
    } else {
        rc = from_ntf(in, spec, rank, component);
    }
    if (rc < 0) {
        wk_sbm_input_free(in);
        return rc;
    }
    *out = in;
    return 0;
}

/* ---- results ---- */

static int write_block_pairs(hid_t g, const struct wk_sbm_result *r, const struct wk_sbm_graph *gr)
{
    size_t B = r->blocks[0], n = r->n;
    int *counts = wk_calloc(B * B, sizeof *counts);
    double *mean = wk_calloc(B * B, sizeof *mean);
    int rc = (counts && mean) ? 0 : wk_fail(WK_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double w = gr->w[i * n + j];
            if (w == 0) continue;
            size_t a = (size_t)r->labels[i], b = (size_t)r->labels[j];
            counts[a * B + b]++;
            mean[a * B + b] += w;
            if (a != b) {
                counts[b * B + a]++;
                mean[b * B + a] += w;
            }
        }
    for (size_t k = 0; rc == 0 && k < B * B; k++) mean[k] = counts[k] ? mean[k] / counts[k] : NAN;
    size_t dims[2] = {B, B};
    if (rc == 0) rc = wk_h5_write_int(g, "edge_counts", 2, dims, counts);
    if (rc == 0) rc = wk_h5_write_double(g, "mean_weight", 2, dims, mean);
    free(counts);
    free(mean);
    return rc;
}

int wk_sbm_write_result(hid_t loc, const struct wk_sbm_result *r, const struct wk_sbm_graph *g, char *const *names,
                        int component, const struct wk_sbm_opts *o)
{
    char path[64];
    snprintf(path, sizeof path, "component_%d", component);
    hid_t grp;
    int rc = wk_h5_ensure_group(loc, path, &grp);
    if (rc < 0) return rc;
    size_t dims[2] = {r->levels, r->n};
    int *nb = wk_malloc_array(r->levels, sizeof *nb);
    if (!nb) rc = wk_fail(WK_ENOMEM, "out of memory");
    for (size_t l = 0; rc == 0 && l < r->levels; l++) nb[l] = (int)r->blocks[l];
    const char *model = o->method == WK_SBM_METHOD_LOUVAIN ? "louvain" : r->degree_corrected ? "dc" : "plain";
    if (rc == 0) rc = wk_h5_write_strings(grp, "neurons", r->n, names);
    if (rc == 0) rc = wk_h5_write_int(grp, "blocks", 2, dims, r->labels);
    if (rc == 0) rc = wk_h5_write_int(grp, "n_blocks", 1, dims, nb);
    if (rc == 0) rc = write_block_pairs(grp, r, g);
    if (rc == 0) rc = wk_h5_set_attr_long(grp, "component", component);
    if (rc == 0) rc = wk_h5_set_attr_string(grp, "model", model);
    if (rc == 0) rc = wk_h5_set_attr_long(grp, "levels", (long)r->levels);
    if (rc == 0) rc = wk_h5_set_attr_double(grp, "dl", r->dl);
    if (rc == 0) rc = wk_h5_set_attr_double(grp, "dl_plain", r->dl_plain);
    if (rc == 0) rc = wk_h5_set_attr_double(grp, "dl_dc", r->dl_dc);
    if (rc == 0) rc = wk_h5_set_attr_double(grp, "modularity", r->modularity);
    free(nb);
    H5Gclose(grp);
    return rc;
}

int wk_sbm_write_tsv(FILE *fp, const struct wk_sbm_result *r, char *const *names, int component, int header)
{
    if (header) fprintf(fp, "component\tlevel\tneuron\tblock\n");
    for (size_t l = 0; l < r->levels; l++)
        for (size_t i = 0; i < r->n; i++)
            fprintf(fp, "%d\t%zu\t%s\t%d\n", component, l, names[i], r->labels[l * r->n + i]);
    return ferror(fp) ? wk_fail(WK_EIO, "write error") : 0;
}

/* ---- partitions by name ---- */

static size_t count_blocks(const int *x, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && x[j] != x[i]) j++;
        count += j == i;
    }
    return count;
}

/* The partition a whole wormkit file holds: a simulation's truth, or
 * level 0 of worm-sbm's first component. */
static const char *const default_partitions[] = {"/results/simulate/sbm/truth", "/results/sbm/component_1/blocks"};

static int partition_h5(char ***names, int **labels, size_t *n, const char *file, const char *dataset)
{
    struct wk_file *f;
    int rc = wk_file_open_hdf5(&f, file);
    if (rc < 0) return rc;
    hid_t h = wk_file_hid(f);
    for (size_t k = 0; !dataset && k < 2; k++)
        if (wk_h5_exists(h, default_partitions[k]) == 1) dataset = default_partitions[k];
    if (!dataset) {
        wk_file_close(f);
        return wk_fail(WK_ENOTFOUND, "'%s': no node partition (%s or %s); name one as '%s:/path/to/dataset'", file,
                       default_partitions[0], default_partitions[1], file);
    }
    int rank;
    size_t dims[4];
    int *data = NULL;
    rc = wk_h5_read_int(h, dataset, file, &rank, dims, &data);
    size_t len = rc == 0 && rank >= 1 ? dims[rank - 1] : 0;
    if (rc == 0 && (rank < 1 || rank > 2)) rc = wk_fail(WK_EFORMAT, "'%s': %s must be [N] or [L][N]", file, dataset);
    char path[1024];
    size_t dir = (size_t)(strrchr(dataset, '/') - dataset);
    snprintf(path, sizeof path, "%.*s/neurons", (int)dir, dataset);
    if (rc == 0) rc = wk_h5_read_strings(h, path, file, n, names);
    if (rc == 0 && *n != len) {
        rc = wk_fail(WK_EFORMAT, "'%s': %s has %zu names, %s has %zu labels", file, path, *n, dataset, len);
        wk_strv_free(*names, *n);
    }
    if (rc == 0) {
        *labels = data;
        data = NULL;
    }
    free(data);
    wk_file_close(f);
    return rc;
}

static char *next_field(char **p)
{
    char *s = *p;
    if (!s) return NULL;
    char *e = s + strcspn(s, "\t,");
    if (*e) {
        *e = '\0';
        *p = e + 1;
    } else {
        *p = NULL;
    }
    return s;
}

struct columns {
    int neuron, block, level, component, count;
};

static int header_columns(struct columns *c, char *line)
{
    c->neuron = c->block = c->level = c->component = -1;
    c->count = 0;
    char *p = line;
    for (char *f; (f = next_field(&p)) != NULL; c->count++) {
        if (strcmp(f, "neuron") == 0) c->neuron = c->count;
        else if (strcmp(f, "block") == 0) c->block = c->count;
        else if (strcmp(f, "level") == 0) c->level = c->count;
        else if (strcmp(f, "component") == 0) c->component = c->count;
    }
    return c->neuron >= 0 && c->block >= 0;
}

static int push(char ***names, int **labels, size_t *n, size_t *cap, const char *name, int label)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        char **nn = wk_realloc_array(*names, nc, sizeof *nn);
        if (nn) *names = nn;
        int *nl = wk_realloc_array(*labels, nc, sizeof *nl);
        if (nl) *labels = nl;
        if (!nn || !nl) return wk_fail(WK_ENOMEM, "out of memory");
        *cap = nc;
    }
    (*names)[*n] = wk_strdup(name);
    if (!(*names)[*n]) return wk_fail(WK_ENOMEM, "out of memory");
    (*labels)[(*n)++] = label;
    return 0;
}

static int partition_text(char ***names, int **labels, size_t *n, const char *path)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    const char *shown = fp == stdin ? "stdin" : path;
    if (!fp) return wk_fail(WK_EIO, "'%s': cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t lcap = 0, cap = 0, lineno = 0;
    struct columns c = {-1, -1, -1, -1, 0};
    long first_component = -1;
    int rc = 0;
    *names = NULL;
    *labels = NULL;
    *n = 0;
    while (rc == 0 && getline(&line, &lcap, fp) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1) {
            if (!header_columns(&c, line)) rc = wk_fail(WK_EFORMAT, "'%s': line 1: the header must name the columns 'neuron' and 'block'", shown);
            continue;
        }
        if (!line[0]) continue;
        char *p = line, *name = NULL;
        long block = -1, level = 0, comp = -1;
        int fields = 0;
        for (char *f; (f = next_field(&p)) != NULL; fields++) {
            char *end;
            if (fields == c.neuron) name = f;
            if (fields == c.block || fields == c.level || fields == c.component) {
                long v = strtol(f, &end, 10);
                if (end == f || *end || v < 0 || v > 1000000000L) {
                    rc = wk_fail(WK_EFORMAT, "'%s': line %zu: '%s' is not a non-negative integer", shown, lineno, f);
                    break;
                }
                if (fields == c.block) block = v;
                else if (fields == c.level) level = v;
                else comp = v;
            }
        }
        if (rc == 0 && fields != c.count)
            rc = wk_fail(WK_EFORMAT, "'%s': line %zu: %d fields, the header has %d", shown, lineno, fields, c.count);
        if (rc < 0) break;
        if (first_component < 0) first_component = comp;
        if (level != 0 || comp != first_component) continue;
        rc = push(names, labels, n, &cap, name, (int)block);
    }
    if (rc == 0 && lineno == 0) rc = wk_fail(WK_EFORMAT, "'%s': empty partition table", shown);
    if (rc == 0 && ferror(fp)) rc = wk_fail(WK_EIO, "'%s': read error", shown);
    free(line);
    if (fp != stdin) fclose(fp);
    if (rc < 0) {
        wk_strv_free(*names, *n);
        free(*labels);
        *names = NULL;
        *labels = NULL;
        *n = 0;
    }
    return rc;
}

int wk_sbm_partition_read(char ***names, int **labels, size_t *n, const char *spec)
{
    *names = NULL;
    *labels = NULL;
    *n = 0;
    const char *colon = strrchr(spec, ':');
    if (colon && colon[1] == '/') {
        char *file = wk_strdup(spec);
        if (!file) return wk_fail(WK_ENOMEM, "out of memory");
        file[colon - spec] = '\0';
        int rc = is_hdf5(file) ? partition_h5(names, labels, n, file, colon + 1) : 1;
        free(file);
        if (rc <= 0) return rc;
    }
    if (strcmp(spec, "-") != 0 && is_hdf5(spec)) return partition_h5(names, labels, n, spec, NULL);
    return partition_text(names, labels, n, spec);
}

int wk_sbm_partition_spec(const char *spec)
{
    if (!spec) return 0;
    const char *colon = strrchr(spec, ':');
    if ((colon && colon[1] == '/') || strcmp(spec, "-") == 0 || !is_hdf5(spec)) return 1;
    struct wk_file *file = NULL;
    if (wk_file_probe_hdf5(&file, spec) < 0) return 0; /* failures are not errors here */
    hid_t h = wk_file_hid(file);
    int found = 0;
    for (size_t k = 0; k < 2; k++) found |= wk_h5_exists(h, default_partitions[k]) == 1;
    found |= wk_h5_exists(h, "/results/simulate/sbm") == 1;
    wk_file_close(file);
    return found;
}

/* Names matched: the neurons of the truth also in the estimate. */
int wk_sbm_compare_partitions(struct wk_compare_result *r, const char *estimate, const char *truth)
{
    char **tn = NULL, **en = NULL;
    int *tl = NULL, *el = NULL;
    size_t nt = 0, ne = 0;
    int rc = wk_sbm_partition_read(&tn, &tl, &nt, truth);
    if (rc == 0) rc = wk_sbm_partition_read(&en, &el, &ne, estimate);
    int *a = wk_malloc_array(nt ? nt : 1, sizeof *a), *b = wk_malloc_array(nt ? nt : 1, sizeof *b);
    if (rc == 0 && (!a || !b)) rc = wk_fail(WK_ENOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; rc == 0 && i < nt; i++)
        for (size_t j = 0; j < ne; j++)
            if (strcmp(tn[i], en[j]) == 0) {
                a[m] = tl[i];
                b[m++] = el[j];
                break;
            }
    if (rc == 0 && m < 2)
        rc = wk_fail(WK_EINVAL, "'%s': fewer than 2 neurons in common with the truth '%s'", estimate, truth);
    if (rc == 0) {
        wk_compare_result_add(r, "nmi", wk_partition_nmi(a, b, m));
        wk_compare_result_add(r, "ari", wk_partition_ari(a, b, m));
        wk_compare_result_add(r, "neurons", (double)m);
        wk_compare_result_add(r, "blocks_truth", (double)count_blocks(a, m));
        wk_compare_result_add(r, "blocks_estimate", (double)count_blocks(b, m));
    }
    wk_strv_free(tn, nt);
    wk_strv_free(en, ne);
    free(tl);
    free(el);
    free(a);
    free(b);
    return rc;
}
