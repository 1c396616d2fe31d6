/* test-glm-fit.c - switching GLM: Fisher scoring reaches the maximum of the
 * expected log-likelihood, EM never decreases the likelihood, checkpoints
 * round-trip exactly, epoch-by-epoch fitting resumed from a record equals
 * one fit, the run checkpoint, restart seeds, scores against a truth, hard
 * adjacency, the structural prior, the one-hot M-step from the E-step's
 * terms. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glm_internal.h"
#include "glm_run_internal.h"
#include "wk_test.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_connectome.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_glm.h"

enum { S = 2, N = 3, T = 300 };

static float xs[2][T * N];
static double gamma_[2 * T * S];

/* Two sequences of counts from a fixed pseudo-random stream; posteriors
 * that switch slowly between the states. */
static struct wk_glm_data *make_data(const struct wk_glm_opts *o, int bernoulli)
{
    unsigned v = 99;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < T * N; j++) {
            v = v * 1664525u + 1013904223u;
            unsigned r = (v >> 24) % 10;
            xs[i][j] = bernoulli ? (float)(r < 4) : (float)(r < 5 ? 0 : r < 8 ? 1 : r - 6);
        }
    for (int t = 0; t < 2 * T; t++) {
        double a = 0.5 + 0.48 * sin(0.05 * t);
        gamma_[t * S] = a;
        gamma_[t * S + 1] = 1 - a;
    }
    const float *x[2] = {xs[0], xs[1]};
    size_t len[2] = {T, T};
    struct wk_glm_data *d = NULL;
    wk_glm_data_alloc(&d, N, 2, x, len, o);
    return d;
}

static void test_newton_maximum(enum wk_glm_prior prior, const char *what)
{
    struct wk_glm_opts o;
    wk_glm_opts_init(&o);
    o.states = S;
    o.prior = prior;
    o.newton = 1;
    struct wk_glm_data *d = make_data(&o, 0);
    struct wk_glm_model *m = wk_glm_model_alloc(S, N, &o);
    wk_glm_model_init(m, &o);
    double Wbar[N * N], gW[S * N * N], gb[N], before, after, prev;
    wk_glm_state_mean(Wbar, m);
    wk_glm_objective(&before, NULL, NULL, m, d, gamma_, Wbar);
    int up = 1;
    prev = before;
    for (int it = 0; it < 40; it++) {
        wk_glm_mstep_newton(m, d, gamma_, &o, 1);
        double v;
        wk_glm_objective(&v, NULL, NULL, m, d, gamma_, NULL);
        if (prior == WK_GLM_PRIOR_NONE) up &= v >= prev - 1e-9;
        prev = v;
    }
    char buf[160];
    if (prior == WK_GLM_PRIOR_NONE) {
        snprintf(buf, sizeof buf, "%s: Fisher scoring never decreases the objective", what);
        ok(up, buf);
    }
    wk_glm_state_mean(Wbar, m);
    wk_glm_objective(&after, gW, gb, m, d, gamma_, Wbar);
    double g = 0;
    for (int i = 0; i < S * N * N; i++) g = fmax(g, fabs(gW[i]));
    for (int n = 0; n < N; n++) g = fmax(g, fabs(gb[n]));
    snprintf(buf, sizeof buf, "%s: objective increased (%.3f -> %.3f)", what, before, after);
    ok(after > before + 1, buf);
    snprintf(buf, sizeof buf, "%s: gradient vanishes at the fixed point", what);
    near(g, 0, 1e-3, buf);
    wk_glm_model_free(m);
    wk_glm_data_free(d);
}

static void test_em_monotone(enum wk_glm_obs obs, const char *what)
{
    struct wk_glm_opts o;
    wk_glm_opts_init(&o);
    o.states = S;
    o.obs = obs;
    o.epochs = 8;
    o.tol = 0;
    struct wk_glm_data *d = make_data(&o, obs == WK_GLM_BERNOULLI);
    struct wk_glm_model *m = wk_glm_model_alloc(S, N, &o);
    wk_glm_model_init(m, &o);
    struct wk_glm_trace tr;
    ok(wk_glm_fit(m, &tr, d, &o, NULL) == 0, "fit runs");
    int up = tr.n == 8;
    for (size_t e = 1; e < tr.n; e++) up &= tr.objective[e] >= tr.objective[e - 1] - 1e-6 * fabs(tr.objective[e]);
    char buf[160];
    snprintf(buf, sizeof buf, "%s: EM never decreases the training log-likelihood", what);
    ok(up, buf);
    double P = 0;
    for (int s = 0; s < S; s++) P += exp(m->logP[s]);
    snprintf(buf, sizeof buf, "%s: transition rows sum to 1", what);
    near(P, 1, 1e-12, buf);
    wk_glm_trace_clear(&tr);
    wk_glm_model_free(m);
    wk_glm_data_free(d);
}

static void test_checkpoint(void)
{
    struct wk_glm_opts o;
    wk_glm_opts_init(&o);
    o.states = S;
    o.prior = WK_GLM_PRIOR_ONEHOT;
    struct wk_glm_model *a = wk_glm_model_alloc(S, N, &o), *b = wk_glm_model_alloc(S, N, &o);
    wk_glm_model_init(a, &o);
    for (int i = 0; i < S * N * N; i++) a->rho[i] = 0.1 * i + 1.0 / 3.0;
    double obj[4] = {-3.5, -2.25, -1.125, 0};
    struct wk_glm_trace t = {3, obj}, t2 = {0, NULL};
    double room[4] = {0};
    t2.objective = room;
    char path[] = "/tmp/test-glm-ckpt-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    ok(wk_glm_checkpoint_save(path, a, 3, &t, 42) == 0, "checkpoint saved");
    size_t epoch = 0;
    ok(wk_glm_checkpoint_load(path, b, &epoch, &t2, 4, 42) == 0, "checkpoint loaded");
    ok(epoch == 3 && t2.n == 3 && room[2] == -1.125, "epoch and trace restored");
    ok(memcmp(a->W, b->W, sizeof(double) * S * N * N) == 0 && memcmp(a->rho, b->rho, sizeof(double) * S * N * N) == 0 &&
           memcmp(a->logit, b->logit, sizeof(double) * 3 * S * N * N) == 0,
       "parameters restored bit for bit");
    ok(wk_glm_checkpoint_load(path, b, &epoch, &t2, 4, 43) == WK_EINVAL, "another fit's checkpoint is refused");
    ok(wk_glm_checkpoint_load(path, b, &epoch, &t2, 2, 42) == WK_EINVAL, "a longer trace than the room is refused");
    unlink(path);
    ok(wk_glm_checkpoint_load(path, b, &epoch, &t2, 4, 42) == WK_ENOTFOUND, "a missing checkpoint is not found");
    wk_glm_model_free(a);
    wk_glm_model_free(b);
}

/* Three epochs with the fitter, the state packed into a record and
 * unpacked into a fresh fit, the rest resumed: the same bits as one
 * wk_glm_fit; then the record through the run checkpoint file. */
static void test_fitter_resume(enum wk_glm_prior prior, const char *what)
{
    struct wk_glm_opts o;
    wk_glm_opts_init(&o);
    o.states = S;
    o.prior = prior;
    o.epochs = 7;
    o.tol = 0;
    struct wk_glm_data *d = make_data(&o, 0);
    struct wk_glm_model *ref = wk_glm_model_alloc(S, N, &o);
    wk_glm_model_init(ref, &o);
    struct wk_glm_trace tr;
    ok(wk_glm_fit(ref, &tr, d, &o, NULL) == 0, "reference fit");

    struct glm_fit a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.S = b.S = S;
    a.o = b.o = o;
    a.m = wk_glm_model_alloc(S, N, &o);
    wk_glm_model_init(a.m, &o);
    struct wk_glm_fitter *f = NULL;
    ok(wk_glm_fitter_alloc(&f, a.m, &a.trace, d, &o, 0, 0) == 0, "fitter starts");
    for (int e = 0; e < 3; e++) wk_glm_fitter_step(f);
    a.epoch = wk_glm_fitter_epoch(f);
    a.converged = wk_glm_fitter_converged(f);
    wk_glm_fitter_free(f);
    ok(a.epoch == 3 && a.trace.n == 3 && !a.converged, "three epochs done");

    size_t len = glm_record_size(&a);
    double *rec = calloc(len, sizeof *rec);
    glm_record_pack(rec, 5, &a);
    ok(rec[0] == 5 && rec[1] == S && rec[2] == 3 && rec[4] == 3 &&
           (size_t)rec[5] == glm_state_size(S, N, prior == WK_GLM_PRIOR_ONEHOT),
       "record head: fit, states, epoch, trace length, parameter count");

    char path[] = "/tmp/test-glm-run-ckpt-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    size_t states_of[6] = {S, S, S, S, S, S}, got_len = 0;
    double *got = NULL;
    ok(glm_checkpoint_write(path, 77, 6, rec, len) == 0, "run checkpoint written");
    ok(glm_checkpoint_read(&got, &got_len, path, 77, 6, states_of, N, prior == WK_GLM_PRIOR_ONEHOT, 7) == 0 &&
           got_len == len && memcmp(got, rec, len * sizeof *rec) == 0,
       "run checkpoint read back bit for bit");
    free(got);
    ok(glm_checkpoint_read(&got, &got_len, path, 78, 6, states_of, N, prior == WK_GLM_PRIOR_ONEHOT, 7) == WK_EINVAL,
       "another run's checkpoint is refused");
    ok(glm_checkpoint_read(&got, &got_len, path, 77, 6, states_of, N, prior == WK_GLM_PRIOR_ONEHOT, 2) == WK_EINVAL,
       "a checkpoint past --epochs is refused");
    unlink(path);
    ok(glm_checkpoint_read(&got, &got_len, path, 77, 6, states_of, N, 0, 7) == 0 && got == NULL && got_len == 0,
       "no checkpoint file: nothing to resume");

    ok(glm_record_unpack(&b, rec, N) == 0, "record unpacked");
    ok(wk_glm_fitter_alloc(&f, b.m, &b.trace, d, &o, b.epoch, b.converged) == 0, "fitter resumes");
    while (!wk_glm_fitter_done(f)) wk_glm_fitter_step(f);
    wk_glm_fitter_free(f);
    char buf[160];
    size_t SNN = (size_t)S * N * N;
    snprintf(buf, sizeof buf, "%s: resumed epoch by epoch = one fit, bit for bit", what);
    ok(b.trace.n == tr.n && memcmp(b.trace.objective, tr.objective, tr.n * sizeof(double)) == 0 &&
           memcmp(b.m->W, ref->W, SNN * sizeof(double)) == 0 && memcmp(b.m->bias, ref->bias, N * sizeof(double)) == 0 &&
           memcmp(b.m->logP, ref->logP, S * S * sizeof(double)) == 0,
       buf);
    free(rec);
    glm_fit_clear(&a);
    glm_fit_clear(&b);
    wk_glm_trace_clear(&tr);
    wk_glm_model_free(ref);
    wk_glm_data_free(d);
}

static void test_restart_seeds(void)
{
    ok(wk_glm_restart_seed(7, 0) == 7, "restart 0 keeps the seed");
    ok(wk_glm_restart_seed(7, 1) != 7 && wk_glm_restart_seed(7, 1) != wk_glm_restart_seed(7, 2) &&
           wk_glm_restart_seed(7, 1) != wk_glm_restart_seed(8, 1),
       "restarts get different seeds");
    ok(wk_glm_restart_seed(7, 3) == wk_glm_restart_seed(7, 3), "a restart's seed depends on seed and index only");
}

static void test_scores(void)
{
    /* states: est labels swapped w.r.t. truth, one mistake in 8 */
    const int truth[8] = {0, 0, 0, 1, 1, 1, 1, 0}, est[8] = {1, 1, 1, 0, 0, 0, 1, 1};
    /* N = 2 weights: est state 1 = truth state 0 + 0.1, est 0 = truth 1 */
    const double tW[8] = {1, 0, -1, 0, 0, 2, 0, -2}, eW[8] = {0, 2, 0, -2, 1.1, 0.1, -0.9, 0.1};
    const int tA[8] = {2, 1, 0, 1, 1, 2, 1, 0}, eA[8] = {1, 2, 1, 0, 2, 2, 0, 1};
    struct wk_glm_truth_scores r;
    int map[2];
    ok(wk_glm_score(&r, map, est, truth, 8, eW, tW, eA, tA, 2, 2) == 0, "score runs");
    ok(map[0] == 1 && map[1] == 0, "labels matched (0 <-> 1)");
    near(r.state_accuracy, 7.0 / 8.0, 1e-15, "state accuracy after matching");
    near(r.weight_mse, 4 * 0.01 / 8, 1e-15, "weight MSE after matching");
    /* pairs (truth, est): state 0 vs est 1: (2,2) (1,2) (0,0) (1,1); state 1 vs est 0: (1,1) (2,2) (1,1) (0,0) */
    near(r.adjacency_accuracy, 7.0 / 8.0, 1e-15, "adjacency accuracy");
    /* recall: inh 2/2, none 3/4, exc 2/2 */
    near(r.balanced_accuracy, (1 + 0.75 + 1) / 3, 1e-15, "balanced accuracy");
    /* F1: inh 1, none 2*3/(4+3), exc 2*2/(2+3) */
    near(r.macro_f1, (1 + 6.0 / 7 + 0.8) / 3, 1e-15, "macro F1");
}

static void test_adjacency_and_connectome(void)
{
    struct wk_glm_opts o;
    wk_glm_opts_init(&o);
    o.states = 1;
    o.self = 0;
    struct wk_glm_model *m = wk_glm_model_alloc(1, 2, &o);
    const double W[4] = {0.5, -0.3, 0.05, 1.0};
    memcpy(m->W, W, sizeof W);
    int adj[4];
    wk_glm_adjacency(adj, m, 0.1);
    ok(adj[0] == WK_GLM_NONE && adj[1] == WK_GLM_INH && adj[2] == WK_GLM_NONE && adj[3] == WK_GLM_NONE,
       "hard adjacency: sign beyond the threshold, diagonal none without self-coupling");
    wk_glm_model_free(m);

    o.prior = WK_GLM_PRIOR_ONEHOT;
    o.self = 1;
    o.states = 2;
    m = wk_glm_model_alloc(2, 2, &o);
    wk_glm_model_init(m, &o);
    struct wk_connectome *c = wk_connectome_alloc();
    const size_t neuron[2] = {10, 20};
    c->chem[10 * WK_ATLAS_SIZE + 20] = 2; /* 10 -> 20: model m = 0 onto n = 1 */
    wk_glm_prior_from_connectome(m, c, neuron);
    double q[3];
    wk_glm_softmax3(q, m->pilogit + 3 * (1 * 2 + 0));
    near(q[0], 0.45, 1e-12, "an edge: inhibitory 0.45");
    near(q[1], 0.10, 1e-12, "an edge: none 0.10");
    wk_glm_softmax3(q, m->pilogit + 3 * (0 * 2 + 1));
    near(q[1], 0.96, 1e-12, "no edge (20 -> 10): none 0.96");
    wk_connectome_free(c);
    wk_glm_model_free(m);
}

/* The one-hot M-step takes its first gradient and Fisher weights from the
 * E-step ([sum T][S][N] terms at the same weights): the same step as the
 * M-step that computes them in its own pass over the data. */
static void test_onehot_estep_terms(void)
{
    struct wk_glm_opts o;
    wk_glm_opts_init(&o);
    o.states = S;
    o.prior = WK_GLM_PRIOR_ONEHOT;
    o.steps = 20;
    struct wk_glm_data *d = make_data(&o, 0);
    struct wk_glm_model *a = wk_glm_model_alloc(S, N, &o), *b = wk_glm_model_alloc(S, N, &o);
    wk_glm_model_init(a, &o);
    wk_glm_model_copy(b, a);
    struct wk_glm_model *start = wk_glm_model_alloc(S, N, &o);
    wk_glm_model_copy(start, a);
    size_t Tall = wk_glm_data_samples(d), SNN = (size_t)S * N * N;
    double *ga = calloc(Tall * S, sizeof *ga), *gb = calloc(Tall * S, sizeof *gb), xa[S * S], xb[S * S], la, lb;
    double *d1 = NULL, *w = NULL;
    struct wk_glm_mstep_ws *ws = wk_glm_mstep_ws_alloc();
    ok(wk_glm_mstep_ws_terms(ws, &d1, &w, a, d, &o) == 0 && d1 && w, "one-hot Fisher scoring asks for the terms");
    ok(wk_glm_estep_terms(ga, xa, &la, d1, w, a, d) == 0 && wk_glm_estep(gb, xb, &lb, b, d) == 0 && la == lb &&
           memcmp(ga, gb, Tall * S * sizeof *ga) == 0,
       "the E-step with terms gives the same posteriors and likelihood");
    /* sample 7 of the second sequence, state 1, neuron 2 */
    size_t t = T + 7, s = 1, n = 2;
    double u[T * N], want_d1, want_w;
    wk_glm_drive(u, a, d->seq + 1, s, a->W);
    wk_glm_obs_loglik(a->obs, d->seq[1].x[7 * N + n], u[7 * N + n], 1, &want_d1, &want_w);
    near(d1[(t * S + s) * N + n], want_d1, 1e-12, "E-step term: derivative of sample, state and neuron");
    near(w[(t * S + s) * N + n], want_w, 1e-12, "E-step term: Fisher weight of sample, state and neuron");
    ok(wk_glm_mstep_newton_ws(a, d, ga, &o, 5, ws) == 0 && wk_glm_mstep_newton(b, d, gb, &o, 5) == 0,
       "M-steps with and without the E-step's terms");
    double err = 0;
    for (size_t i = 0; i < 3 * SNN; i++) err = fmax(err, fabs(a->logit[i] - b->logit[i]));
    for (size_t i = 0; i < SNN; i++) err = fmax(err, fabs(a->rho[i] - b->rho[i]) + fabs(a->W[i] - b->W[i]));
    for (size_t i = 0; i < N; i++) err = fmax(err, fabs(a->bias[i] - b->bias[i]));
    near(err, 0, 1e-9, "the M-step from the E-step's terms equals the one from its own pass");
    double moved = 0;
    for (size_t i = 0; i < 3 * SNN; i++) moved = fmax(moved, fabs(a->logit[i] - start->logit[i]));
    ok(moved > 1e-3, "the M-step moved the logits");
    wk_glm_model_free(start);
    wk_glm_mstep_ws_free(ws);
    free(ga);
    free(gb);
    wk_glm_model_free(a);
    wk_glm_model_free(b);
    wk_glm_data_free(d);
}

int main(void)
{
    test_newton_maximum(WK_GLM_PRIOR_NONE, "no prior");
    test_newton_maximum(WK_GLM_PRIOR_GAUSSIAN, "gaussian prior");
    test_em_monotone(WK_GLM_POISSON, "poisson");
    test_em_monotone(WK_GLM_BERNOULLI, "bernoulli");
    test_checkpoint();
    test_fitter_resume(WK_GLM_PRIOR_NONE, "no prior");
    test_fitter_resume(WK_GLM_PRIOR_ONEHOT, "onehot prior");
    test_onehot_estep_terms();
    test_restart_seeds();
    test_scores();
    test_adjacency_and_connectome();
    return wk_test_done();
}
