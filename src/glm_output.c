/* glm_output.c - what worm-glm writes: /results/glm in the output wormkit
 * file (layout in worm-glm(1)), the scores against a known truth and the
 * TSV summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glm_internal.h"
#include "glm_run_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"

#define GLM_GROUP "/results/glm"

static const char *const prior_names[] = {"none", "gaussian", "onehot"};
static const char *const obs_names[] = {"poisson", "bernoulli", "gaussian"};

static int write_floats(hid_t g, const char *name, int rank, const size_t *dims, const double *v)
{
    size_t n = 1;
    for (int k = 0; k < rank; k++) n *= dims[k];
    float *f = wk_malloc_array(n + 1, sizeof *f);
    if (!f) return WK_ENOMEM;
    for (size_t i = 0; i < n; i++) f[i] = (float)v[i];
    int rc = wk_h5_write_float(g, name, rank, dims, f);
    free(f);
    return rc;
}

static int write_attrs(hid_t g, const struct wk_glm_run *r, const struct glm_fit *fit, const struct wk_cli *cli)
{
    const struct wk_glm_opts *o = &r->fit;
    char options[512];
    snprintf(options, sizeof options,
             "--states %zu --lags %zu --decay %.17g --span %.17g%s --mstep %s --epochs %zu --steps %zu --newton %zu "
             "--lr %.17g --sigma %.17g --temperature %.17g --seed %lu --restarts %zu",
             fit->m->S, o->lags, o->decay, o->span, o->self ? "" : " --no-self",
             o->mstep == WK_GLM_MSTEP_ADAM ? "adam" : "newton", o->epochs, o->steps, o->newton, o->lr, o->sigma,
             o->tau, cli->seed, r->restarts);
    int rc = wk_h5_set_attr_string(g, "prior", prior_names[o->prior]);
    if (!rc) rc = wk_h5_set_attr_string(g, "obs", obs_names[o->obs]);
    if (!rc) rc = wk_h5_set_attr_string(g, "options", options);
    if (!rc) rc = wk_h5_set_attr_long(g, "states", (long)fit->m->S);
    if (!rc) rc = wk_h5_set_attr_double(g, "train_loglik", fit->train_ll);
    if (!rc) rc = wk_h5_set_attr_double(g, "test_loglik", fit->test_ll);
    if (!rc) rc = wk_h5_set_attr_long(g, "restart", (long)fit->restart);
    if (!rc) rc = wk_h5_set_attr_long(g, "restarts", (long)r->restarts);
    return rc;
}

static int write_model(hid_t g, const struct wk_glm_model *m, const struct wk_glm_opts *o)
{
    size_t S = m->S, N = m->N, SNN = S * N * N;
    size_t d3[3] = {S, N, N}, dN[1] = {N};
    double *buf = wk_calloc(3 * SNN + S * S + o->lags + 1, sizeof *buf);
    int *adj = wk_calloc(SNN + 1, sizeof *adj);
    int rc = buf && adj ? 0 : WK_ENOMEM;
    if (!rc) rc = write_floats(g, "W", 3, d3, m->W);
    if (!rc) rc = write_floats(g, "bias", 1, dN, m->bias);
    if (!rc && m->obs == WK_GLM_GAUSSIAN) rc = write_floats(g, "var", 1, dN, m->var);
    for (size_t i = 0; !rc && i < S * S; i++) buf[i] = exp(m->logP[i]);
    if (!rc) rc = write_floats(g, "P", 2, (const size_t[]){S, S}, buf);
    for (size_t i = 0; !rc && i < S; i++) buf[i] = exp(m->logp0[i]);
    if (!rc) rc = write_floats(g, "p0", 1, (const size_t[]){S}, buf);
    wk_glm_kernel(buf, o->lags, o->decay, o->span);
    if (!rc) rc = write_floats(g, "kernel", 1, (const size_t[]){o->lags}, buf);
    if (!rc) {
        wk_glm_adjacency(adj, m, 0.0);
        rc = wk_h5_write_int(g, "adjacency", 3, d3, adj);
    }
    for (size_t i = 0; !rc && i < SNN; i++) {
        if (m->logit) wk_glm_softmax3(buf + 3 * i, m->logit + 3 * i);
        else
            for (int k = 0; k < 3; k++) buf[3 * i + (size_t)k] = adj[i] == k;
    }
    if (!rc) rc = write_floats(g, "adjacency_prob", 4, (const size_t[]){S, N, N, 3}, buf);
    for (size_t i = 0; !rc && m->pilogit && i < N * N; i++) wk_glm_softmax3(buf + 3 * i, m->pilogit + 3 * i);
    if (!rc && m->pilogit) rc = write_floats(g, "pibar", 3, (const size_t[]){N, N, 3}, buf);
    free(buf);
    free(adj);
    return rc;
}

/* Posteriors, Viterbi path and log-likelihood of every recording; paths
 * (concatenated, all recordings) returned for the truth scores. */
static int write_sequences(hid_t g, const struct wk_glm_model *m, const struct glm_input *in,
                           const struct wk_glm_opts *o, int *paths, double *loglik)
{
    struct wk_glm_data *all = NULL;
    int rc = glm_input_data(&all, in, -1, o);
    hid_t sg = -1;
    if (!rc) rc = wk_h5_ensure_group(g, "sequences", &sg);
    size_t S = m->S, off = 0;
    for (size_t i = 0; i < in->n && !rc; i++) {
        const struct wk_glm_seq *q = all->seq + i;
        double *ll = wk_malloc_array(2 * q->T * S, sizeof *ll);
        if (!ll) {
            rc = WK_ENOMEM;
            break;
        }
        double *gamma = ll + q->T * S;
        rc = wk_glm_emission(ll, m, q);
        if (!rc) rc = wk_glm_forward_backward(gamma, NULL, &loglik[i], ll, q->T, S, m->logp0, m->logP);
        if (!rc) rc = wk_glm_viterbi(paths + off, ll, q->T, S, m->logp0, m->logP);
        hid_t rg = -1;
        if (!rc) rc = wk_h5_ensure_group(sg, in->rec[i]->id, &rg);
        if (!rc) rc = write_floats(rg, "gamma", 2, (const size_t[]){q->T, S}, gamma);
        if (!rc) rc = wk_h5_write_int(rg, "viterbi", 1, (const size_t[]){q->T}, paths + off);
        if (!rc) rc = wk_h5_set_attr_double(rg, "loglik", loglik[i]);
        if (rg >= 0) H5Gclose(rg);
        off += q->T;
        free(ll);
    }
    if (sg >= 0) H5Gclose(sg);
    wk_glm_data_free(all);
    return rc;
}

/* ---- truth ---- */

struct scores {
    int have;
    struct wk_glm_truth_scores s;
};

static int truth_paths(int *z, const struct glm_input *in, const char *truth_file)
{
    size_t off = 0;
    for (size_t i = 0; i < in->n; i++) {
        const struct wk_array *a = wk_recording_array(in->rec[i], "truth_state");
        int rc = 0;
        if (a && a->rank == 1 && a->dims[0] == in->T[i]) {
            for (size_t t = 0; t < in->T[i]; t++) z[off + t] = (int)a->data[t];
        } else {
            rc = wk_glm_truth_states(z + off, truth_file, in->rec[i]->id, in->T[i]);
        }
        if (rc) return rc;
        off += in->T[i];
    }
    return 0;
}

/* W and classes of the model in the truth's neuron order. */
static int align(double *W, int *adj, const struct wk_glm_model *m, const struct glm_input *in,
                 const struct wk_glm_truth *t, const char *file)
{
    int *mine = wk_calloc(m->S * m->N * m->N + 1, sizeof *mine);
    if (!mine) return WK_ENOMEM;
    wk_glm_adjacency(mine, m, 0.0);
    int rc = wk_glm_truth_align(W, adj, m->W, mine, in->names, m->S, m->N, t, file);
    free(mine);
    return rc;
}

static int score_truth(struct scores *sc, const struct wk_glm_model *m, const struct glm_input *in,
                       const int *paths, const char *truth_file)
{
    struct wk_glm_truth *t = NULL;
    size_t total = 0, S = m->S, N = m->N;
    for (size_t i = 0; i < in->n; i++) total += in->T[i];
    int *z = wk_calloc(2 * total + 1, sizeof *z), *adj = wk_calloc(S * N * N + 1, sizeof *adj);
    double *W = wk_calloc(S * N * N + 1, sizeof *W);
    int rc = z && adj && W ? 0 : WK_ENOMEM;
    if (!rc) rc = wk_glm_truth_read(&t, truth_file);
    if (!rc) rc = truth_paths(z, in, truth_file);
    if (!rc) rc = align(W, adj, m, in, t, truth_file);
    if (!rc) {
        /* held-out recordings when there are some, else the training ones */
        int *est = z + total, *tz = z, want = in->n_test > 0;
        size_t k = 0, off = 0;
        for (size_t i = 0; i < in->n; i++) {
            for (size_t s = 0; s < in->T[i] && in->test[i] == want; s++, k++) {
                est[k] = paths[off + s];
                tz[k] = z[off + s];
            }
            off += in->T[i];
        }
        int map[WK_GLM_MAX_STATES];
        rc = wk_glm_score(&sc->s, map, est, tz, k, W, t->W, adj, t->adj, S, N);
        sc->have = !rc;
    }
    wk_glm_truth_free(t);
    free(z);
    free(adj);
    free(W);
    return rc;
}

static int write_scores(hid_t g, const struct scores *sc)
{
    const double v[5] = {sc->s.state_accuracy, sc->s.weight_mse, sc->s.adjacency_accuracy,
                         sc->s.balanced_accuracy, sc->s.macro_f1};
    int rc = wk_h5_write_double(g, "truth_scores", 1, (const size_t[]){5}, v);
    if (!rc) {
        char *names[5] = {"state_accuracy", "weight_mse", "adjacency_accuracy", "balanced_accuracy", "macro_f1"};
        rc = wk_h5_write_strings(g, "truth_metrics", 5, names);
    }
    return rc;
}

/* Every fit of the grid, its likelihoods and what chose the kept one. */
static int write_selection(hid_t g, const struct glm_fit *fits, size_t n, const struct glm_input *in)
{
    int *states = wk_calloc(2 * n, sizeof *states);
    double *ll = wk_calloc(2 * n, sizeof *ll);
    int rc = states && ll ? 0 : WK_ENOMEM;
    for (size_t k = 0; k < n && !rc; k++) {
        states[k] = (int)fits[k].S;
        states[n + k] = (int)fits[k].restart;
        ll[k] = fits[k].train_ll;
        ll[n + k] = fits[k].test_ll;
    }
    size_t d[1] = {n};
    if (!rc) rc = wk_h5_write_int(g, "selection_states", 1, d, states);
    if (!rc) rc = wk_h5_write_int(g, "selection_restart", 1, d, states + n);
    if (!rc) rc = wk_h5_write_double(g, "selection_train_loglik", 1, d, ll);
    if (!rc) rc = wk_h5_write_double(g, "selection_test_loglik", 1, d, ll + n);
    if (!rc) rc = wk_h5_set_attr_string(g, "selected_by", in->n_test ? "test_loglik" : "train_loglik");
    free(states);
    free(ll);
    return rc;
}

static int write_summary(const char *path, const struct glm_fit *fit, const struct glm_input *in,
                         const struct scores *sc, const struct wk_glm_run *r)
{
    struct wk_export_output *out = NULL;
    int rc = wk_export_output_open(&out, path, 0);
    if (rc) return rc;
    FILE *fp = wk_export_output_fp(out);
    fprintf(fp, "metric\tvalue\nprior\t%s\nobs\t%s\nstates\t%zu\nneurons\t%zu\ntrain_recordings\t%zu\n"
                "test_recordings\t%zu\nepochs\t%zu\n",
            prior_names[r->fit.prior], obs_names[r->fit.obs], fit->m->S, in->N, in->n - in->n_test, in->n_test,
            fit->trace.n);
    fprintf(fp, "train_loglik\t%.10g\ntest_loglik\t%.10g\n", fit->train_ll, fit->test_ll);
    if (r->restarts > 1) fprintf(fp, "restart\t%zu\n", fit->restart);
    if (sc->have)
        fprintf(fp, "state_accuracy\t%.10g\nweight_mse\t%.10g\nadjacency_accuracy\t%.10g\nbalanced_accuracy\t%.10g\n"
                    "macro_f1\t%.10g\n",
                sc->s.state_accuracy, sc->s.weight_mse, sc->s.adjacency_accuracy, sc->s.balanced_accuracy,
                sc->s.macro_f1);
    rc = wk_export_check_stream(fp, wk_export_output_name(out));
    if (rc) {
        wk_export_output_abort(out);
        return rc;
    }
    return wk_export_output_commit(out);
}

static int write_group(hid_t g, const struct wk_cli *cli, const struct wk_glm_run *r, const struct glm_input *in,
                       struct glm_fit *fits, size_t n_fits, size_t best, struct scores *sc)
{
    struct glm_fit *fit = &fits[best];
    size_t total = 0, dn[1] = {in->n};
    for (size_t i = 0; i < in->n; i++) total += in->T[i];
    int *paths = wk_calloc(total + 1, sizeof *paths);
    double *loglik = wk_calloc(in->n + 1, sizeof *loglik);
    char **ids = wk_calloc(in->n + 1, sizeof *ids);
    int rc = paths && loglik && ids ? 0 : WK_ENOMEM;
    for (size_t i = 0; i < in->n && !rc; i++) ids[i] = in->rec[i]->id;
    if (!rc) rc = wk_h5_write_strings(g, "neurons", in->N, in->names);
    if (!rc) rc = wk_h5_write_strings(g, "recordings", in->n, ids);
    if (!rc) rc = wk_h5_write_uint8(g, "test", 1, dn, in->test);
    if (!rc) rc = write_model(g, fit->m, &r->fit);
    if (!rc && fit->trace.n) rc = wk_h5_write_double(g, "trace", 1, (const size_t[]){fit->trace.n}, fit->trace.objective);
    if (!rc) rc = write_sequences(g, fit->m, in, &r->fit, paths, loglik);
    if (!rc) rc = wk_h5_write_double(g, "loglik", 1, dn, loglik);
    if (!rc && n_fits > 1) rc = write_selection(g, fits, n_fits, in);
    if (!rc) {
        fit->train_ll = 0;
        fit->test_ll = in->n_test ? 0 : wk_nan();
        for (size_t i = 0; i < in->n; i++) *(in->test[i] ? &fit->test_ll : &fit->train_ll) += loglik[i];
        rc = write_attrs(g, r, fit, cli);
    }
    if (!rc && r->truth) rc = score_truth(sc, fit->m, in, paths, r->truth);
    if (!rc && sc->have) rc = write_scores(g, sc);
    free(paths);
    free(loglik);
    free(ids);
    return rc;
}

int glm_write(const struct wk_cli *cli, const struct wk_glm_run *r, const struct glm_input *in,
              struct glm_fit *fits, size_t n_fits, size_t best)
{
    struct wk_file *out = NULL;
    struct scores sc;
    memset(&sc, 0, sizeof sc);
    int rc = wk_file_create(&out, cli->output ? cli->output : "-");
    for (size_t f = 0; f < in->n_files && !rc; f++) rc = wk_file_copy_history(out, in->files[f]);
    hid_t g = -1;
    if (!rc) rc = wk_h5_ensure_group(wk_file_hid(out), GLM_GROUP, &g);
    if (!rc) rc = write_group(g, cli, r, in, fits, n_fits, best, &sc);
    if (g >= 0) H5Gclose(g);
    if (out) {
        if (rc) wk_file_abort(out);
        else rc = wk_file_commit(out);
    }
    if (!rc && r->summary) rc = write_summary(r->summary, &fits[best], in, &sc, r);
    return rc;
}
