/* ntf_checkpoint.c - save and resume a worm-ntf run between iterations.
 *
 * A checkpoint is a small wormkit file (written to a temporary name and
 * renamed by wk_file_commit) holding under /checkpoint:
 *   attrs   signature (the data and every option, so a checkpoint of
 *           another run is refused), sweep (index of the rank in progress),
 *           restart, iter
 *   A B C   float64 [n][R], the factors of the fit in progress (exact bits)
 *   trace   float64 [iter], its errors so far (absent when iter = 0)
 *   rng     uint8, the generator state after this restart's initialisation
 *   done/restart_<i>  finished restarts of this rank (normalized models)
 *   ranks/sweep_<k>   best model of each finished rank of the sweep, with
 *           attrs best, mean, stability */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntf_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"

#define CK_GROUP "/checkpoint"

static int put_factor(hid_t g, const char *name, const double *F, size_t n, size_t R)
{
    size_t dims[2] = {n, R};
    return wk_h5_write_double(g, name, 2, dims, F);
}

static int put_model(hid_t g, const struct wk_ntf_model *m)
{
    int rc = put_factor(g, "A", m->A, m->P, m->R);
    if (!rc) rc = put_factor(g, "B", m->B, m->T, m->R);
    if (!rc) rc = put_factor(g, "C", m->C, m->W, m->R);
    if (!rc) rc = wk_h5_write_double(g, "lambda", 1, &m->R, m->lambda);
    if (!rc && m->n_trace) rc = wk_h5_write_double(g, "trace", 1, &m->n_trace, m->trace);
    if (!rc) rc = wk_h5_set_attr_double(g, "error", m->error);
    if (!rc) rc = wk_h5_set_attr_long(g, "iterations", m->iterations);
    if (!rc) rc = wk_h5_set_attr_long(g, "converged", m->converged);
    return rc;
}

static int put_sub(hid_t root, const char *name, const struct wk_ntf_model *m, const double *stats)
{
    hid_t g;
    int rc = wk_h5_ensure_group(root, name, &g);
    if (rc) return rc;
    rc = put_model(g, m);
    if (!rc && stats) rc = wk_h5_set_attr_double(g, "best", stats[0]);
    if (!rc && stats) rc = wk_h5_set_attr_double(g, "mean", stats[1]);
    if (!rc && stats) rc = wk_h5_set_attr_double(g, "stability", stats[2]);
    H5Gclose(g);
    return rc;
}

int ntf_ckpt_save(const char *path, const char *signature, const struct ntf_ckpt *c, const struct wk_ntf_state *s)
{
    struct wk_file *f;
    int rc = wk_file_create(&f, path);
    if (rc) return rc;
    hid_t g;
    rc = wk_h5_ensure_group(wk_file_hid(f), CK_GROUP, &g);
    if (rc) {
        wk_file_abort(f);
        return rc;
    }
    const struct wk_ntf_model *m = s->model;
    rc = wk_h5_set_attr_string(g, "signature", signature);
    if (!rc) rc = wk_h5_set_attr_long(g, "sweep", (long)c->k);
    if (!rc) rc = wk_h5_set_attr_long(g, "restart", s->restart);
    if (!rc) rc = wk_h5_set_attr_long(g, "iter", s->iter);
    if (!rc) rc = put_factor(g, "A", m->A, m->P, m->R);
    if (!rc) rc = put_factor(g, "B", m->B, m->T, m->R);
    if (!rc) rc = put_factor(g, "C", m->C, m->W, m->R);
    size_t ni = (size_t)s->iter;
    if (!rc && ni) rc = wk_h5_write_double(g, "trace", 1, &ni, m->trace);
    if (!rc) rc = wk_h5_write_uint8(g, "rng", 1, &s->rng_size, s->rng);
    char name[64];
    for (int i = 0; !rc && i < s->restart; i++) {
        snprintf(name, sizeof name, "done/restart_%d", i);
        rc = put_sub(g, name, s->done[i], NULL);
    }
    for (size_t k = 0; !rc && k < c->k; k++) {
        double st[3] = {c->best[k], c->mean[k], c->stab[k]};
        snprintf(name, sizeof name, "ranks/sweep_%zu", k);
        rc = put_sub(g, name, c->ranks[k], st);
    }
    H5Gclose(g);
    if (rc) {
        wk_file_abort(f);
        return rc;
    }
    return wk_file_commit(f);
}

/* F [n][R] with n and R checked (R = 0: take the file's). */
static int get_factor(hid_t g, const char *path, const char *name, size_t n, size_t *R, double **out)
{
    int rank;
    size_t dims[4];
    double *data = NULL;
    int rc = wk_h5_read_double(g, name, path, &rank, dims, &data);
    if (rc) return rc;
    if (rank != 2 || dims[0] != n || (*R && dims[1] != *R) || dims[1] < 1 || dims[1] > WK_NTF_MAX_RANK) {
        free(data);
        return wk_fail(WK_EFORMAT, "'%s': checkpoint field %s has the wrong size", path, name);
    }
    *R = dims[1];
    *out = data;
    return 0;
}

static int get_vector(hid_t g, const char *path, const char *name, size_t n, double *dst)
{
    int rank;
    size_t dims[4];
    double *data = NULL;
    int rc = wk_h5_read_double(g, name, path, &rank, dims, &data);
    if (rc) return rc;
    if (rank != 1 || dims[0] != n) rc = wk_fail(WK_EFORMAT, "'%s': checkpoint field %s has the wrong size", path, name);
    else if (n) memcpy(dst, data, n * sizeof *data);
    free(data);
    return rc;
}

/* A model of shape P x T x W (rank from the file); n_trace values of trace. */
static int get_model(struct wk_ntf_model **out, hid_t g, const char *path, size_t P, size_t T, size_t W,
                     size_t n_trace)
{
    size_t R = 0;
    double *A = NULL, *B = NULL, *C = NULL;
    int rc = get_factor(g, path, "A", P, &R, &A);
    if (!rc) rc = get_factor(g, path, "B", T, &R, &B);
    if (!rc) rc = get_factor(g, path, "C", W, &R, &C);
    struct wk_ntf_model *m = rc ? NULL : wk_ntf_model_alloc(R, P, T, W);
    if (!rc && !m) rc = WK_ENOMEM;
    if (!rc) {
        memcpy(m->A, A, P * R * sizeof *A);
        memcpy(m->B, B, T * R * sizeof *B);
        memcpy(m->C, C, W * R * sizeof *C);
        m->trace = wk_malloc_array(n_trace + 1, sizeof *m->trace);
        if (!m->trace) rc = WK_ENOMEM;
    }
    free(A);
    free(B);
    free(C);
    if (!rc && n_trace) rc = get_vector(g, path, "trace", n_trace, m->trace);
    if (!rc) m->n_trace = n_trace;
    if (rc) {
        wk_ntf_model_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* A finished model: its trace length from the file, lambda and attributes. */
static int get_sub(struct wk_ntf_model **out, hid_t root, const char *name, const char *path, size_t P, size_t T,
                   size_t W, double *stats)
{
    hid_t g = H5Gopen2(root, name, H5P_DEFAULT);
    if (g < 0) return wk_fail(WK_EFORMAT, "'%s': checkpoint lacks %s", path, name);
    long iterations = -1, converged = 0;
    double error = 0;
    int rc = wk_h5_get_attr_long(g, "iterations", &iterations);
    if (!rc) rc = wk_h5_get_attr_long(g, "converged", &converged);
    if (!rc) rc = wk_h5_get_attr_double(g, "error", &error);
    if (!rc && stats) rc = wk_h5_get_attr_double(g, "best", &stats[0]);
    if (!rc && stats) rc = wk_h5_get_attr_double(g, "mean", &stats[1]);
    if (!rc && stats) rc = wk_h5_get_attr_double(g, "stability", &stats[2]);
    if (rc || iterations < 0 || iterations > 100000000) rc = wk_fail(WK_EFORMAT, "'%s': %s: bad attributes", path, name);
    struct wk_ntf_model *m = NULL;
    if (!rc) rc = get_model(&m, g, path, P, T, W, (size_t)iterations + 1);
    if (!rc) rc = get_vector(g, path, "lambda", m->R, m->lambda);
    H5Gclose(g);
    if (rc) {
        wk_ntf_model_free(m);
        return rc;
    }
    m->error = error;
    m->iterations = (int)iterations;
    m->converged = (int)converged;
    *out = m;
    return 0;
}

void ntf_ckpt_free(struct ntf_ckpt *c)
{
    for (size_t k = 0; c->ranks && k < c->k; k++) wk_ntf_model_free(c->ranks[k]);
    for (int i = 0; c->done && i < c->state.restart; i++) wk_ntf_model_free(c->done[i]);
    free(c->ranks);
    free(c->best);
    free(c->mean);
    free(c->stab);
    free(c->done);
    free(c->rng);
    wk_ntf_model_free(c->model);
    memset(c, 0, sizeof *c);
}

static int load_fields(struct ntf_ckpt *c, hid_t g, const char *path, size_t P, size_t T, size_t W,
                       size_t n_sweep)
{
    long k = -1, restart = -1, iter = -1;
    int rc = wk_h5_get_attr_long(g, "sweep", &k);
    if (!rc) rc = wk_h5_get_attr_long(g, "restart", &restart);
    if (!rc) rc = wk_h5_get_attr_long(g, "iter", &iter);
    if (rc || k < 0 || (size_t)k >= n_sweep || restart < 0 || restart > 100000 || iter < 0 || iter > 100000000)
        return wk_fail(WK_EFORMAT, "'%s': not a worm-ntf checkpoint", path);
    c->ranks = wk_calloc((size_t)k + 1, sizeof *c->ranks);
    c->best = wk_calloc((size_t)k + 1, sizeof *c->best);
    c->mean = wk_calloc((size_t)k + 1, sizeof *c->mean);
    c->stab = wk_calloc((size_t)k + 1, sizeof *c->stab);
    c->done = wk_calloc((size_t)restart + 1, sizeof *c->done);
    if (!c->ranks || !c->best || !c->mean || !c->stab || !c->done) return WK_ENOMEM;
    char name[64];
    for (long i = 0; i < k && !rc; i++) {
        double st[3];
        snprintf(name, sizeof name, "ranks/sweep_%ld", i);
        rc = get_sub(&c->ranks[i], g, name, path, P, T, W, st);
        c->k = (size_t)i + (rc ? 0 : 1);
        c->best[i] = st[0];
        c->mean[i] = st[1];
        c->stab[i] = st[2];
    }
    for (long i = 0; i < restart && !rc; i++) {
        snprintf(name, sizeof name, "done/restart_%ld", i);
        rc = get_sub(&c->done[i], g, name, path, P, T, W, NULL);
        if (!rc) c->state.restart = (int)i + 1;
    }
    if (rc) return rc;
    if ((rc = get_model(&c->model, g, path, P, T, W, (size_t)iter)) != 0) return rc;
    int rank;
    size_t dims[4];
    if ((rc = wk_h5_read_uint8(g, "rng", path, &rank, dims, &c->rng)) != 0) return rc;
    if (rank != 1) return wk_fail(WK_EFORMAT, "'%s': checkpoint field rng has the wrong size", path);
    c->k = (size_t)k;
    c->state.restart = (int)restart;
    c->state.iter = (int)iter;
    c->state.model = c->model;
    c->state.done = c->done;
    c->state.rng = c->rng;
    c->state.rng_size = dims[0];
    return 0;
}

int ntf_ckpt_load(struct ntf_ckpt *c, const char *path, const char *signature, size_t P, size_t T, size_t W,
                  size_t n_sweep)
{
    memset(c, 0, sizeof *c);
    struct wk_file *f;
    int rc = wk_file_open(&f, path);
    if (rc) return rc;
    char *sig = NULL;
    hid_t g = H5Lexists(wk_file_hid(f), CK_GROUP, H5P_DEFAULT) > 0 ? H5Gopen2(wk_file_hid(f), CK_GROUP, H5P_DEFAULT) : -1;
    if (g < 0 || wk_h5_get_attr_string(g, "signature", &sig) < 0)
        rc = wk_fail(WK_EFORMAT, "'%s': not a worm-ntf checkpoint", path);
    else if (strcmp(sig, signature) != 0)
        rc = wk_fail(WK_EINVAL, "'%s': checkpoint of a different run (data, options or seed)", path);
    if (!rc) rc = load_fields(c, g, path, P, T, W, n_sweep);
    free(sig);
    if (g >= 0) H5Gclose(g);
    wk_file_close(f);
    if (rc) ntf_ckpt_free(c);
    return rc;
}
