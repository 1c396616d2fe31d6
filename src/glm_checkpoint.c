/* glm_checkpoint.c - save and resume a switching GLM fit between epochs.
 *
 * A checkpoint is a small HDF5 file: attributes `key` (a hash of the data
 * sizes and every option, so a checkpoint is never resumed by a different
 * fit) and `epoch` (epochs done), datasets of every parameter in double
 * precision (resuming gives the same bits as an uninterrupted run) and the
 * objective trace.  It is written to "<path>.tmp" and renamed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glm_internal.h"
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

int wk_glm_checkpoint_save(const char *path, const struct wk_glm_model *m, size_t epoch,
                           const struct wk_glm_trace *trace, unsigned long key)
{
    size_t len = strlen(path) + 5;
    char *tmp = wk_malloc_array(len, 1), keytext[32];
    if (!tmp) return WK_ENOMEM;
    snprintf(tmp, len, "%s.tmp", path);
    snprintf(keytext, sizeof keytext, "%lu", key);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        free(tmp);
        return wk_fail(WK_EIO, "'%s': cannot create the checkpoint", path);
    }
    struct block b[8];
    size_t nb = blocks_of(b, m);
    int rc = wk_h5_set_attr_string(f, "key", keytext);
    if (!rc) rc = wk_h5_set_attr_long(f, "epoch", (long)epoch);
    for (size_t i = 0; !rc && i < nb; i++) rc = wk_h5_write_double(f, b[i].name, 1, &b[i].n, b[i].data);
    size_t tn = trace->n ? trace->n : 0;
    if (!rc && tn) rc = wk_h5_write_double(f, "trace", 1, &tn, trace->objective);
    if (H5Fclose(f) < 0 && !rc) rc = wk_h5_fail(path, "closing the checkpoint");
    if (!rc && rename(tmp, path) != 0)
        rc = wk_fail(WK_EIO, "'%s': cannot rename the checkpoint: %s", path, strerror(errno));
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
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
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return wk_fail(WK_EFORMAT, "'%s': not a checkpoint (not an HDF5 file)", path);
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
    H5Fclose(f);
    if (!rc) *epoch = (size_t)e;
    return rc;
}
