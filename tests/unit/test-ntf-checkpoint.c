/* test-ntf-checkpoint.c - the order-free sums over worms (any split of the
 * worms into contiguous ranges gives the same bits) and fits stopped at a
 * saved state and resumed (the same bits as a fit never stopped). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "ntf_internal.h"
#include "wk_test.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_ntf.h"

#define NV 3    /* values per worm */
#define WMAX 40

static double leaf[WMAX][NV];

/* Value of node (level, i) by its definition: left + right child. */
static void node_value(int level, size_t i, size_t W, double *out)
{
    if (level == 0) {
        memcpy(out, leaf[i], sizeof leaf[i]);
        return;
    }
    double l[NV], r[NV];
    node_value(level - 1, 2 * i, W, l);
    size_t right_first = (2 * i + 1) << (level - 1);
    if (right_first >= W) {
        memcpy(out, l, sizeof l);
        return;
    }
    node_value(level - 1, 2 * i + 1, W, r);
    for (int j = 0; j < NV; j++) out[j] = l[j] + r[j];
}

/* The total by definition: maximal aligned nodes of [0, W) folded from the
 * right. */
static void reference_total(size_t W, double *out)
{
    double nodes[64][NV];
    size_t n = 0, at = 0;
    for (int level = 62; level >= 0; level--) {
        size_t len = (size_t)1 << level;
        if (len > W || at + len > W) continue;
        node_value(level, at >> level, W, nodes[n++]);
        at += len;
    }
    memcpy(out, nodes[n - 1], sizeof nodes[0]);
    for (size_t i = n - 1; i-- > 0;)
        for (int j = 0; j < NV; j++) out[j] = nodes[i][j] + out[j];
}

/* The total as `ranks` ranks would compute it: each range pushed on its
 * own stack, then every stack's nodes pushed in order onto rank 0's. */
static int split_total(size_t W, size_t ranks, double *out)
{
    struct ntf_tree root, local;
    if (ntf_tree_init(&root, NV, W) || ntf_tree_init(&local, NV, W)) return -1;
    ntf_tree_reset(&root, NV);
    size_t first = 0;
    for (size_t r = 0; r < ranks; r++) {
        size_t count = W / ranks + (r < W % ranks ? 1 : 0);
        struct ntf_tree *t = r == 0 ? &root : &local;
        ntf_tree_reset(t, NV);
        for (size_t w = first; w < first + count; w++) {
            memcpy(ntf_tree_slot(t), leaf[w], sizeof leaf[w]);
            ntf_tree_commit(t, w);
        }
        for (size_t i = 0; r > 0 && i < local.depth; i++) {
            memcpy(ntf_tree_slot(&root), local.val + i * NV, sizeof leaf[0]);
            ntf_tree_push(&root, local.level[i], local.index[i]);
        }
        first += count;
    }
    int rc = ntf_tree_total(&root, out);
    ntf_tree_free(&root);
    ntf_tree_free(&local);
    return rc;
}

static void test_tree(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    /* magnitudes over 30 decades: any change of association shows */
    for (size_t w = 0; w < WMAX; w++)
        for (int j = 0; j < NV; j++) leaf[w][j] = (gsl_rng_uniform(rng) - 0.3) * pow(10, 30 * gsl_rng_uniform(rng) - 15);
    gsl_rng_free(rng);
    static const size_t Ws[] = {1, 2, 3, 7, 8, 13, 32, 40};
    int all_same = 1, differs_from_loop = 0;
    for (size_t i = 0; i < sizeof Ws / sizeof *Ws; i++) {
        size_t W = Ws[i];
        double ref[NV], got[NV], loop[NV] = {0};
        reference_total(W, ref);
        for (size_t ranks = 1; ranks <= 5 && ranks <= W; ranks++) {
            if (split_total(W, ranks, got) != 0 || memcmp(got, ref, sizeof ref) != 0) {
                printf("#   W %zu, %zu ranks: %.17g %.17g %.17g vs %.17g %.17g %.17g\n", W, ranks, got[0], got[1],
                       got[2], ref[0], ref[1], ref[2]);
                all_same = 0;
            }
        }
        for (size_t w = 0; w < W; w++)
            for (int j = 0; j < NV; j++) loop[j] += leaf[w][j];
        if (memcmp(loop, ref, sizeof ref) != 0) differs_from_loop = 1;
    }
    ok(all_same, "tree sums: 1 to 5 ranks give the bits of the defining tree, W = 1 .. 40");
    ok(differs_from_loop, "the data are such that a plain loop sums to other bits (the test can fail)");
}

/* ---- stop and resume ---- */

struct saved {
    int stop_at_restart, stop_at_iter, stopped;
    int restart, iter;
    struct wk_ntf_model *model, *done[4];
    unsigned char rng[8192];
    size_t rng_size;
    int calls;
};

static int save_and_stop(void *ctx, const struct wk_ntf_state *s)
{
    struct saved *sv = ctx;
    sv->calls++;
    if (s->restart != sv->stop_at_restart || s->iter != sv->stop_at_iter) return 0;
    sv->restart = s->restart;
    sv->iter = s->iter;
    sv->model = wk_ntf_model_dup(s->model);
    for (int i = 0; i < s->restart; i++) sv->done[i] = wk_ntf_model_dup(s->done[i]);
    if (s->rng_size > sizeof sv->rng) return WK_ERANGE;
    memcpy(sv->rng, s->rng, s->rng_size);
    sv->rng_size = s->rng_size;
    sv->stopped = 1;
    return WK_NTF_STOPPED;
}

static int same_model(const struct wk_ntf_model *a, const struct wk_ntf_model *b)
{
    return a->R == b->R && a->error == b->error && a->iterations == b->iterations && a->n_trace == b->n_trace &&
           memcmp(a->A, b->A, a->P * a->R * sizeof(double)) == 0 &&
           memcmp(a->B, b->B, a->T * a->R * sizeof(double)) == 0 &&
           memcmp(a->C, b->C, a->W * a->R * sizeof(double)) == 0 &&
           memcmp(a->lambda, b->lambda, a->R * sizeof(double)) == 0 &&
           memcmp(a->trace, b->trace, a->n_trace * sizeof(double)) == 0;
}

static void test_resume(enum wk_ntf_init init, int stop_restart, int stop_iter, const char *what)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    float *X;
    struct wk_ntf_model *truth;
    wk_ntf_planted(&X, &truth, 30, 20, 9, 3, 0.2, 0.05, rng);
    gsl_rng_free(rng);
    struct wk_ntf_tensor T;
    wk_ntf_tensor_dense(&T, X, NULL, 30, 20, 9);
    struct wk_ntf_opts o;
    wk_ntf_opts_init(&o);
    o.rank = 3;
    o.restarts = 3;
    o.max_iter = 25;
    o.tol = 0;
    o.init = init;
    struct wk_ntf_model *whole = NULL, *resumed = NULL, *stopped = NULL;
    struct wk_ntf_model **all = NULL;
    int rc = wk_ntf_fit(&whole, &all, &T, &o, 3);

    struct saved sv;
    memset(&sv, 0, sizeof sv);
    sv.stop_at_restart = stop_restart;
    sv.stop_at_iter = stop_iter;
    o.on_state = save_and_stop;
    o.on_state_ctx = &sv;
    int rc_stop = wk_ntf_fit(&stopped, NULL, &T, &o, 3);
    ok(rc == 0 && rc_stop == WK_NTF_STOPPED && sv.stopped && stopped == NULL, what);

    struct wk_ntf_state st = {sv.restart, sv.iter, sv.model, sv.done, sv.rng, sv.rng_size};
    o.on_state = NULL;
    o.resume = &st;
    int rc_res = sv.stopped ? wk_ntf_fit(&resumed, NULL, &T, &o, 7 /* the seed no longer matters */) : -1;
    ok(rc_res == 0 && resumed && same_model(whole, resumed), "  resumed: the same bits as the fit never stopped");

    wk_ntf_model_free(sv.model);
    for (int i = 0; i < sv.restart; i++) wk_ntf_model_free(sv.done[i]);
    for (int i = 0; all && i < 3; i++) wk_ntf_model_free(all[i]);
    free(all);
    wk_ntf_model_free(whole);
    wk_ntf_model_free(resumed);
    wk_ntf_model_free(truth);
    free(X);
}

static void quiet(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)message;
    (void)userdata;
}

/* A checkpoint file written and read back holds the same bits; another
 * run's signature is refused. */
static void test_file(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    struct wk_ntf_model *m = wk_ntf_model_alloc(2, 6, 5, 4), *done = wk_ntf_model_alloc(2, 6, 5, 4);
    struct wk_ntf_model *fin = wk_ntf_model_alloc(1, 6, 5, 4);
    struct wk_ntf_model *all[3] = {m, done, fin};
    for (int k = 0; k < 3; k++) {
        struct wk_ntf_model *x = all[k];
        for (size_t i = 0; i < x->P * x->R; i++) x->A[i] = gsl_rng_uniform(rng) / 3;
        for (size_t i = 0; i < x->T * x->R; i++) x->B[i] = gsl_rng_uniform(rng) / 7;
        for (size_t i = 0; i < x->W * x->R; i++) x->C[i] = gsl_rng_uniform(rng) / 11;
        x->trace = malloc(4 * sizeof *x->trace);
        for (int i = 0; i < 4; i++) x->trace[i] = gsl_rng_uniform(rng);
    }
    m->n_trace = 3;
    done->n_trace = fin->n_trace = 4;
    done->iterations = fin->iterations = 3;
    done->error = 0.25;
    fin->error = 0.5;
    done->lambda[1] = 0.125;
    struct wk_ntf_model *dl[1] = {done};
    struct wk_ntf_state st = {1, 3, m, dl, (const unsigned char *)gsl_rng_state(rng), gsl_rng_size(rng)};
    double best = 0.5, mean = 0.625, stab = 0.75;
    struct ntf_ckpt c = {1, &fin, &best, &mean, &stab, {0, 0, NULL, NULL, NULL, 0}, NULL, NULL, NULL};
    char path[] = "/tmp/test-ntf-ckpt-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    int rc = ntf_ckpt_save(path, "sig one", &c, &st);
    struct ntf_ckpt back;
    int rc2 = rc ? -1 : ntf_ckpt_load(&back, path, "sig one", 6, 5, 4, 2);
    ok(rc == 0 && rc2 == 0, "checkpoint written and read back");
    if (rc2 == 0) {
        const struct wk_ntf_model *b = back.state.model;
        ok(back.k == 1 && back.state.restart == 1 && back.state.iter == 3 && b->R == 2 && b->n_trace == 3 &&
               memcmp(b->A, m->A, 12 * sizeof(double)) == 0 && memcmp(b->B, m->B, 10 * sizeof(double)) == 0 &&
               memcmp(b->C, m->C, 8 * sizeof(double)) == 0 && memcmp(b->trace, m->trace, 3 * sizeof(double)) == 0,
           "  the fit in progress: same bits");
        ok(back.state.rng_size == gsl_rng_size(rng) && memcmp(back.state.rng, gsl_rng_state(rng), gsl_rng_size(rng)) == 0,
           "  the generator state");
        const struct wk_ntf_model *d = back.state.done[0], *f = back.ranks[0];
        ok(d->error == 0.25 && d->iterations == 3 && d->lambda[1] == 0.125 && memcmp(d->C, done->C, 8 * sizeof(double)) == 0 &&
               memcmp(d->trace, done->trace, 4 * sizeof(double)) == 0,
           "  the finished restart");
        ok(f->R == 1 && f->error == 0.5 && back.best[0] == 0.5 && back.mean[0] == 0.625 && back.stab[0] == 0.75 &&
               memcmp(f->A, fin->A, 6 * sizeof(double)) == 0,
           "  the finished rank of the sweep and its statistics");
        ntf_ckpt_free(&back);
    }
    wk_log_set_hook(quiet, NULL);
    ok(ntf_ckpt_load(&back, path, "sig two", 6, 5, 4, 2) == WK_EINVAL, "another run's checkpoint: refused");
    ok(ntf_ckpt_load(&back, path, "sig one", 7, 5, 4, 2) == WK_EFORMAT, "a checkpoint of another shape: refused");
    wk_log_set_hook(NULL, NULL);
    unlink(path);
    for (int k = 0; k < 3; k++) wk_ntf_model_free(all[k]);
    gsl_rng_free(rng);
}

int main(void)
{
    test_tree();
    test_file();
    test_resume(WK_NTF_INIT_RANDOM, 0, 7, "random init: stopped in the first restart at iteration 7");
    test_resume(WK_NTF_INIT_RANDOM, 2, 0, "random init: stopped before the third restart's first iteration");
    test_resume(WK_NTF_INIT_SVD, 1, 12, "svd init: stopped in the second restart at iteration 12");
    return wk_test_done();
}
