/* glm_checkpoint.c - save and resume a switching GLM fit between epochs.
 *
 * A checkpoint is a small HDF5 file: attributes `key` (a hash of the data
 * sizes and every option, so a checkpoint is never resumed by a different
 * fit) and `epoch` (epochs done), datasets of every parameter in double
 * precision (resuming gives the same bits as an uninterrupted run) and the
 * objective trace.  It is written to "<path>.tmp" and renamed.  worm-glm
 * keeps all the fits of a run (a range of states, restarts) in one file of
 * the same kind, below. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glm_internal.h"
#include "glm_run_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"

struct block {
    const char *name;
    double *data;
    size_t n;
};

static size_t blocks_of(struct block *b, const struct wk_glm_model *m)
{
    size_t S = m->S, N = m->N, SNN = S * N * N, k = 0;
    b[k++] = (struct block){"W", m->W, SNN};
    b[k++] = (struct block){"bias", m->bias, N};
    b[k++] = (struct block){"var", m->var, N};
    b[k++] = (struct block){"logp0", m->logp0, S};
    b[k++] = (struct block){"logP", m->logP, S * S};
    if (m->logit) {
        b[k++] = (struct block){"logit", m->logit, 3 * SNN};
        b[k++] = (struct block){"rho", m->rho, SNN};
        b[k++] = (struct block){"pilogit", m->pilogit, 3 * N * N};
    }
    return k;
}

/* Close the temporary checkpoint and rename it over path (rc == 0), or
 * remove it; frees tmp. */
static int checkpoint_finish(hid_t f, char *tmp, const char *path, int rc)
{
    if (H5Fclose(f) < 0 && !rc) rc = wk_h5_fail(path, "closing the checkpoint");
    if (!rc && rename(tmp, path) != 0)
        rc = wk_fail(WK_EIO, "'%s': cannot rename the checkpoint: %s", path, strerror(errno));
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}

/* A checkpoint is written to "<path>.tmp" and renamed over path, so a run
 * killed while writing keeps the previous one.  The new file carries the
 * run's key; on failure *rc holds the (logged) error and -1 is returned. */
static hid_t checkpoint_create(const char *path, unsigned long key, char **tmp, int *rc)
{
    size_t len = strlen(path) + 5;
    char keytext[32];
    *tmp = wk_malloc_array(len, 1);
    if (!*tmp) {
        *rc = WK_ENOMEM;
        return -1;
    }
    snprintf(*tmp, len, "%s.tmp", path);
    snprintf(keytext, sizeof keytext, "%lu", key);
    hid_t f = H5Fcreate(*tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        free(*tmp);
        *rc = wk_fail(WK_EIO, "'%s': cannot create the checkpoint", path);
        return -1;
    }
    *rc = wk_h5_set_attr_string(f, "key", keytext);
    if (*rc) {
        checkpoint_finish(f, *tmp, path, *rc);
        return -1;
    }
    return f;
}

int wk_glm_checkpoint_save(const char *path, const struct wk_glm_model *m, size_t epoch,
                           const struct wk_glm_trace *trace, unsigned long key)
{
    char *tmp;
    int rc;
    hid_t f = checkpoint_create(path, key, &tmp, &rc);
    if (f < 0) return rc;
    struct block b[8];
    size_t nb = blocks_of(b, m);
    rc = wk_h5_set_attr_long(f, "epoch", (long)epoch);
    for (size_t i = 0; !rc && i < nb; i++) rc = wk_h5_write_double(f, b[i].name, 1, &b[i].n, b[i].data);
    size_t tn = trace->n ? trace->n : 0;
    if (!rc && tn) rc = wk_h5_write_double(f, "trace", 1, &tn, trace->objective);
    return checkpoint_finish(f, tmp, path, rc);
}

static int read_block(hid_t f, const char *path, const struct block *b)
{
    int rank;
    size_t dims[4];
    double *data = NULL;
    int rc = wk_h5_read_double(f, b->name, path, &rank, dims, &data);
    if (rc) return rc;
    if (rank != 1 || dims[0] != b->n) rc = wk_fail(WK_EFORMAT, "'%s': %s: wrong shape", path, b->name);
    else memcpy(b->data, data, b->n * sizeof *data);
    free(data);
    return rc;
}

int wk_glm_checkpoint_load(const char *path, struct wk_glm_model *m, size_t *epoch, struct wk_glm_trace *trace,
                           size_t capacity, unsigned long key)
{
    if (access(path, F_OK) != 0) return WK_ENOTFOUND;
    struct wk_file *file = NULL;
    int opened = wk_file_open_hdf5(&file, path);
    if (opened < 0) return opened;
    hid_t f = wk_file_hid(file);
    char *keytext = NULL, want[32];
    long e = 0;
    snprintf(want, sizeof want, "%lu", key);
    int rc = wk_h5_get_attr_string(f, "key", &keytext);
    if (!rc) rc = wk_h5_get_attr_long(f, "epoch", &e);
    if (!rc && e < 0) rc = WK_EFORMAT;
    if (rc) rc = wk_fail(WK_EFORMAT, "'%s': not a worm-glm checkpoint", path);
    else if (strcmp(keytext, want) != 0)
        rc = wk_fail(WK_EINVAL, "'%s': checkpoint of a different fit (other data or options)", path);
    struct block b[8];
    size_t nb = blocks_of(b, m);
    for (size_t i = 0; !rc && i < nb; i++) rc = read_block(f, path, &b[i]);
    if (!rc && H5Lexists(f, "trace", H5P_DEFAULT) > 0) {
        int rank;
        size_t dims[4];
        double *data = NULL;
        rc = wk_h5_read_double(f, "trace", path, &rank, dims, &data);
        if (!rc && (rank != 1 || dims[0] > capacity))
            rc = wk_fail(WK_EINVAL, "'%s': trace: the checkpoint ran more epochs than --epochs", path);
        if (!rc) {
            memcpy(trace->objective, data, dims[0] * sizeof *data);
            trace->n = dims[0];
        }
        free(data);
    }
    free(keytext);
    wk_file_close(file);
    if (!rc) *epoch = (size_t)e;
    return rc;
}

/* ---- the run checkpoint: every fit of the grid that has started ----
 * Root attributes `key` and `fits`; group fit<k> per started fit with
 * attributes `epoch` and `converged`, datasets `trace` and `state` (the
 * parameters of the record, see glm_run_internal.h). */

size_t glm_state_size(size_t S, size_t N, int onehot)
{
    size_t SNN = S * N * N;
    return SNN + 2 * N + S + S * S + (onehot ? 4 * SNN + 3 * N * N : 0);
}

size_t glm_record_size(const struct glm_fit *f)
{
    return GLM_RECORD_HEAD + f->trace.n + glm_state_size(f->S, f->m->N, f->m->logit != NULL);
}

void glm_record_pack(double *rec, size_t k, const struct glm_fit *f)
{
    struct block b[8];
    size_t nb = blocks_of(b, f->m), n = f->trace.n;
    rec[0] = (double)k;
    rec[1] = (double)f->S;
    rec[2] = (double)f->epoch;
    rec[3] = f->converged;
    rec[4] = (double)n;
    rec[5] = (double)glm_state_size(f->S, f->m->N, f->m->logit != NULL);
    double *at = rec + GLM_RECORD_HEAD;
    if (n) memcpy(at, f->trace.objective, n * sizeof *at);
    at += n;
    for (size_t i = 0; i < nb; i++) {
        memcpy(at, b[i].data, b[i].n * sizeof *at);
        at += b[i].n;
    }
}

int glm_record_unpack(struct glm_fit *f, const double *rec, size_t N)
{
    size_t n = (size_t)rec[4];
    f->m = wk_glm_model_alloc(f->S, N, &f->o);
    f->trace.objective = wk_calloc(n + 1, sizeof *f->trace.objective);
    if (!f->m || !f->trace.objective) return WK_ENOMEM;
    f->epoch = (size_t)rec[2];
    f->converged = rec[3] != 0;
    f->trace.n = n;
    const double *at = rec + GLM_RECORD_HEAD;
    if (n) memcpy(f->trace.objective, at, n * sizeof *at);
    at += n;
    struct block b[8];
    size_t nb = blocks_of(b, f->m);
    for (size_t i = 0; i < nb; i++) {
        memcpy(b[i].data, at, b[i].n * sizeof *at);
        at += b[i].n;
    }
    return 0;
}

static int write_record(hid_t f, const char *path, const double *rec)
{
    char name[32];
    snprintf(name, sizeof name, "fit%zu", (size_t)rec[0]);
    hid_t g = -1;
    size_t n = (size_t)rec[4], p = (size_t)rec[5];
    int rc = wk_h5_ensure_group(f, name, &g);
    if (!rc) rc = wk_h5_set_attr_long(g, "states", (long)rec[1]);
    if (!rc) rc = wk_h5_set_attr_long(g, "epoch", (long)rec[2]);
    if (!rc) rc = wk_h5_set_attr_long(g, "converged", (long)rec[3]);
    if (!rc) rc = wk_h5_write_double(g, "trace", 1, &n, rec + GLM_RECORD_HEAD);
    if (!rc) rc = wk_h5_write_double(g, "state", 1, &p, rec + GLM_RECORD_HEAD + n);
    if (g >= 0) H5Gclose(g);
    if (rc) rc = wk_fail(rc, "'%s': cannot write %s of the checkpoint", path, name);
    return rc;
}

int glm_checkpoint_write(const char *path, unsigned long key, size_t n_fits, const double *recs, size_t len)
{
    char *tmp;
    int rc;
    hid_t f = checkpoint_create(path, key, &tmp, &rc);
    if (f < 0) return rc;
    rc = wk_h5_set_attr_long(f, "fits", (long)n_fits);
    for (size_t at = 0; !rc && at < len; at += GLM_RECORD_HEAD + (size_t)recs[at + 4] + (size_t)recs[at + 5])
        rc = write_record(f, path, recs + at);
    return checkpoint_finish(f, tmp, path, rc);
}

struct grid {
    const char *path;
    size_t N, epochs;
    const size_t *states_of;
    int onehot;
};

/* Append the record of group fit<k> to *recs. */
static int read_record(double **recs, size_t *len, hid_t g, size_t k, const struct grid *G)
{
    long S = 0, epoch = 0, conv = 0;
    int rank_t = 1, rank_s = 1;
    size_t dt[4] = {0}, ds[4] = {0};
    double *trace = NULL, *state = NULL;
    int rc = wk_h5_get_attr_long(g, "states", &S);
    if (!rc) rc = wk_h5_get_attr_long(g, "epoch", &epoch);
    if (!rc) rc = wk_h5_get_attr_long(g, "converged", &conv);
    if (rc) return wk_fail(WK_EFORMAT, "'%s': fit%zu: no states, epoch or converged attribute", G->path, k);
    rc = wk_h5_read_double(g, "trace", G->path, &rank_t, dt, &trace);
    if (!rc) rc = wk_h5_read_double(g, "state", G->path, &rank_s, ds, &state);
    size_t want = glm_state_size(G->states_of[k], G->N, G->onehot);
    if (!rc && ((size_t)S != G->states_of[k] || rank_s != 1 || ds[0] != want || rank_t != 1))
        rc = wk_fail(WK_EFORMAT, "'%s': fit%zu: state of another size", G->path, k);
    if (!rc && (epoch < 0 || (size_t)epoch > G->epochs || dt[0] > G->epochs + 1))
        rc = wk_fail(WK_EINVAL, "'%s': checkpoint is past epoch %zu (more than --epochs)", G->path, G->epochs);
    double *grown = NULL;
    size_t add = GLM_RECORD_HEAD + dt[0] + ds[0];
    if (!rc) {
        grown = wk_realloc_array(*recs, *len + add, sizeof *grown);
        if (!grown) rc = WK_ENOMEM;
    }
    if (!rc) {
        double *r = grown + *len;
        const double head[GLM_RECORD_HEAD] = {(double)k, (double)S, (double)epoch, conv != 0, (double)dt[0],
                                              (double)ds[0]};
        memcpy(r, head, sizeof head);
        if (dt[0]) memcpy(r + GLM_RECORD_HEAD, trace, dt[0] * sizeof *r);
        memcpy(r + GLM_RECORD_HEAD + dt[0], state, ds[0] * sizeof *r);
        *recs = grown;
        *len += add;
    }
    free(trace);
    free(state);
    return rc;
}

int glm_checkpoint_read(double **recs, size_t *len, const char *path, unsigned long key, size_t n_fits,
                        const size_t *states_of, size_t N, int onehot, size_t epochs)
{
    *recs = NULL;
    *len = 0;
    if (access(path, F_OK) != 0) return 0;
    struct wk_file *file = NULL;
    int opened = wk_file_open_hdf5(&file, path);
    if (opened < 0) return opened;
    hid_t f = wk_file_hid(file);
    char *keytext = NULL, want[32];
    long fits = 0;
    snprintf(want, sizeof want, "%lu", key);
    int rc = wk_h5_get_attr_string(f, "key", &keytext);
    if (!rc) rc = wk_h5_get_attr_long(f, "fits", &fits);
    if (rc) rc = wk_fail(WK_EFORMAT, "'%s': not a worm-glm checkpoint", path);
    else if (strcmp(keytext, want) != 0 || fits != (long)n_fits)
        rc = wk_fail(WK_EINVAL, "'%s': checkpoint of a different fit (other data or options)", path);
    struct grid G = {path, N, epochs, states_of, onehot};
    for (size_t k = 0; k < n_fits && !rc; k++) {
        char name[32];
        snprintf(name, sizeof name, "fit%zu", k);
        if (H5Lexists(f, name, H5P_DEFAULT) <= 0) continue;
        hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
        if (g < 0) {
            rc = wk_fail(WK_EFORMAT, "'%s': %s is not a group", path, name);
            break;
        }
        rc = read_record(recs, len, g, k, &G);
        H5Gclose(g);
    }
    free(keytext);
    wk_file_close(file);
    if (rc) {
        free(*recs);
        *recs = NULL;
        *len = 0;
    }
    return rc;
}
