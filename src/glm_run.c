/* glm_run.c - the worm-glm run: recordings to sequences, the held-out
 * split, fits over the range of states, the structural prior. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glm_run_internal.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_connectome.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"

void wk_glm_run_init(struct wk_glm_run *r)
{
    memset(r, 0, sizeof *r);
    wk_glm_opts_init(&r->fit);
    r->states_min = r->states_max = 3;
}

void wk_glm_prior_from_connectome(struct wk_glm_model *m, const struct wk_connectome *c, const size_t *neuron)
{
    static const double edge[3] = {0.45, 0.10, 0.45}, none[3] = {0.02, 0.96, 0.02};
    size_t N = m->N;
    for (size_t n = 0; n < N; n++)
        for (size_t j = 0; j < N; j++) {
            size_t pre = neuron[j], post = neuron[n];
            int has = pre < WK_ATLAS_SIZE && post < WK_ATLAS_SIZE &&
                      ((c->chem && c->chem[pre * WK_ATLAS_SIZE + post] > 0) ||
                       (c->gap && c->gap[pre * WK_ATLAS_SIZE + post] > 0));
            const double *p = has ? edge : none;
            for (int k = 0; k < 3; k++) m->pilogit[3 * (n * N + j) + (size_t)k] = log(p[k]);
            for (size_t s = 0; s < m->S; s++)
                for (int k = 0; k < 3; k++) {
                    double *l = m->logit + 3 * ((s * N + n) * N + j) + k;
                    /* keep the random symmetry breaking of the initial logits */
                    *l += log(p[k]) - log(k == WK_GLM_NONE ? 0.6 : 0.2);
                }
        }
    wk_glm_onehot_weights(m);
}

/* ---- inputs ---- */

void glm_input_free(struct glm_input *in)
{
    for (size_t i = 0; i < in->n; i++) {
        wk_recording_free(in->rec[i]);
        if (in->x) free(in->x[i]); /* NULL when the run stopped before extract() */
    }
    free(in->rec);
    free(in->x);
    free(in->T);
    free(in->test);
    free(in->neuron);
    wk_strv_free(in->names, in->N);
    for (size_t f = 0; f < in->n_files; f++) wk_file_close(in->files[f]);
    free(in->files);
    memset(in, 0, sizeof *in);
}

static int add_recording(struct glm_input *in, struct wk_recording *rec, const char *file)
{
    size_t k = in->n;
    struct wk_recording **r = wk_realloc_array(in->rec, k + 1, sizeof *r);
    if (!r) return WK_ENOMEM;
    in->rec = r;
    r[k] = rec;
    in->n = k + 1;
    if (rec->T < 2) return wk_fail(WK_EFORMAT, "'%s': /recordings/%s: fewer than 2 samples", file, rec->id);
    return 0;
}

static int read_inputs(struct glm_input *in, const struct wk_cli *cli)
{
    size_t nf = cli->n_files ? (size_t)cli->n_files : 1;
    in->files = wk_calloc(nf, sizeof *in->files);
    if (!in->files) return WK_ENOMEM;
    in->n_files = nf;
    int rc = 0;
    for (size_t f = 0; f < nf && !rc; f++) {
        const char *path = cli->n_files ? cli->files[f] : "-";
        struct wk_file *file = NULL;
        char **ids = NULL;
        size_t n = 0;
        rc = wk_file_open(&in->files[f], path);
        file = in->files[f];
        if (!rc) rc = wk_file_recording_ids(file, &ids, &n);
        for (size_t i = 0; i < n && !rc; i++) {
            struct wk_recording *rec = NULL;
            rc = wk_recording_read(file, ids[i], &rec);
            if (!rc) rc = add_recording(in, rec, wk_file_name(file));
        }
        if (!rc && n == 0) rc = wk_fail(WK_EFORMAT, "'%s': no recording", wk_file_name(file));
        wk_strv_free(ids, n);
    }
    return rc;
}

/* The data of recording rec: traces, or the optional array `array` of the
 * same [T][C] shape. */
static const float *source_of(const struct wk_recording *rec, const char *array, const char *what)
{
    if (!array) return rec->traces;
    const struct wk_array *a = wk_recording_array(rec, array);
    if (!a) {
        wk_fail(WK_ENOTFOUND, "%s: /recordings/%s/%s: no such array", what, rec->id, array);
        return NULL;
    }
    if (a->rank != 2 || a->dims[0] != rec->T || a->dims[1] != rec->C) {
        wk_fail(WK_EFORMAT, "%s: /recordings/%s/%s: shape is not [T][C] of the traces", what, rec->id, array);
        return NULL;
    }
    return a->data;
}

/* Neurons: the columns present in every recording with the same label. */
static int choose_neurons(struct glm_input *in)
{
    size_t C = in->rec[0]->C;
    for (size_t i = 1; i < in->n; i++)
        if (in->rec[i]->C < C) C = in->rec[i]->C;
    in->neuron = wk_calloc(C, sizeof *in->neuron);
    in->names = wk_calloc(C, sizeof *in->names);
    if (!in->neuron || !in->names) return WK_ENOMEM;
    for (size_t c = 0; c < C; c++) {
        int keep = 1;
        for (size_t i = 0; i < in->n && keep; i++)
            keep = in->rec[i]->present[c] && strcmp(in->rec[i]->label[c], in->rec[0]->label[c]) == 0;
        if (!keep) continue;
        in->neuron[in->N] = c;
        in->names[in->N] = wk_strdup(in->rec[0]->label[c]);
        if (!in->names[in->N]) return WK_ENOMEM;
        in->N++;
    }
    if (in->N == 0) return wk_fail(WK_EINVAL, "no neuron is present in every recording");
    return 0;
}

static int extract(struct glm_input *in, const char *array, enum wk_glm_obs obs)
{
    in->x = wk_calloc(in->n, sizeof *in->x);
    in->T = wk_calloc(in->n, sizeof *in->T);
    if (!in->x || !in->T) return WK_ENOMEM;
    for (size_t i = 0; i < in->n; i++) {
        const struct wk_recording *rec = in->rec[i];
        const float *src = source_of(rec, array, "input");
        if (!src) return WK_EINVAL;
        in->T[i] = rec->T;
        in->x[i] = wk_malloc_array(rec->T * in->N, sizeof **in->x);
        if (!in->x[i]) return WK_ENOMEM;
        for (size_t t = 0; t < rec->T; t++)
            for (size_t k = 0; k < in->N; k++) {
                float v = src[t * rec->C + in->neuron[k]];
                int bad = obs == WK_GLM_POISSON ? !(v >= 0) || v != floorf(v)
                          : obs == WK_GLM_BERNOULLI ? !(v == 0 || v == 1) : isinf(v);
                if (bad && !isnan(v))
                    return wk_fail(WK_EFORMAT, "/recordings/%s/%s: value %g at sample %zu, neuron %s is not %s",
                                   rec->id, array ? array : "traces", (double)v, t, in->names[k],
                                   obs == WK_GLM_POISSON ? "a count (run worm-events first)"
                                   : obs == WK_GLM_BERNOULLI ? "0 or 1" : "finite");
                in->x[i][t * in->N + k] = v;
            }
    }
    return 0;
}

static int mark_test(struct glm_input *in, const struct wk_glm_run *r)
{
    in->test = wk_calloc(in->n + 1, 1);
    if (!in->test) return WK_ENOMEM;
    for (size_t k = 0; k < r->n_test; k++) {
        size_t hits = 0;
        for (size_t i = 0; i < in->n; i++)
            if (strcmp(in->rec[i]->id, r->test_ids[k]) == 0) {
                in->test[i] = 1;
                hits++;
            }
        if (!hits) return wk_fail(WK_ENOTFOUND, "--test: no recording '%s'", r->test_ids[k]);
    }
    size_t held = (size_t)llround(r->test_fraction * (double)in->n);
    for (size_t i = in->n - held; i < in->n; i++) in->test[i] = 1;
    in->n_test = 0;
    for (size_t i = 0; i < in->n; i++) in->n_test += in->test[i];
    if (in->n_test == in->n) return wk_fail(WK_EINVAL, "no training recording left after the held-out ones");
    return 0;
}

int glm_input_load(struct glm_input *in, const struct wk_cli *cli, const struct wk_glm_run *r)
{
    memset(in, 0, sizeof *in);
    int rc = read_inputs(in, cli);
    if (!rc) rc = choose_neurons(in);
    if (!rc) rc = extract(in, r->array, r->fit.obs);
    if (!rc) rc = mark_test(in, r);
    return rc;
}

/* The data of the training (want_test 0) or test (1) recordings. */
int glm_input_data(struct wk_glm_data **out, const struct glm_input *in, int want_test,
                   const struct wk_glm_opts *o)
{
    const float **x = wk_calloc(in->n + 1, sizeof *x);
    size_t *T = wk_calloc(in->n + 1, sizeof *T), k = 0;
    int rc = x && T ? 0 : WK_ENOMEM;
    for (size_t i = 0; i < in->n && !rc; i++)
        if (want_test < 0 || in->test[i] == want_test) {
            x[k] = in->x[i];
            T[k++] = in->T[i];
        }
    if (!rc) rc = wk_glm_data_alloc(out, in->N, k, x, T, o);
    free(x);
    free(T);
    return rc;
}

/* ---- fits ---- */

struct epoch_ctx {
    struct wk_progress *bar;
    double before;
};

static void on_epoch(void *ctx, size_t epoch, double objective)
{
    struct epoch_ctx *e = ctx;
    wk_log(WK_LOG_INFO, "epoch %zu: training log-likelihood %.10g", epoch + 1, objective);
    wk_progress_update(e->bar, e->before + (double)epoch + 1);
}

static int fit_one(struct glm_fit *fit, const struct glm_input *in, const struct wk_glm_data *train,
                   const struct wk_glm_data *test, const struct wk_glm_run *r, size_t S,
                   const struct wk_connectome *conn, struct epoch_ctx *ec)
{
    struct wk_glm_opts o = r->fit;
    o.states = S;
    o.fix_pibar = conn != NULL;
    fit->m = wk_glm_model_alloc(S, in->N, &o);
    if (!fit->m) return WK_ENOMEM;
    wk_glm_model_init(fit->m, &o);
    if (conn) wk_glm_prior_from_connectome(fit->m, conn, in->neuron);
    struct wk_glm_fit_ctl ctl = {r->checkpoint, on_epoch, ec};
    int rc = wk_glm_fit(fit->m, &fit->trace, train, &o, &ctl);
    /* the written fit gets both from its per-recording likelihoods; a range
     * of states needs them now */
    fit->train_ll = fit->test_ll = wk_nan();
    if (!rc && r->states_max > r->states_min) rc = wk_glm_loglik(&fit->train_ll, NULL, fit->m, train);
    if (!rc && r->states_max > r->states_min && test->n) rc = wk_glm_loglik(&fit->test_ll, NULL, fit->m, test);
    return rc;
}

void glm_fit_clear(struct glm_fit *f)
{
    wk_glm_model_free(f->m);
    wk_glm_trace_clear(&f->trace);
    memset(f, 0, sizeof *f);
}

int glm_fit_all(struct glm_fit *fits, size_t *best, const struct wk_cli *cli, const struct glm_input *in,
                const struct wk_glm_run *r)
{
    struct wk_glm_data *train = NULL, *test = NULL;
    struct wk_connectome *conn = NULL;
    size_t nS = r->states_max - r->states_min + 1;
    int rc = glm_input_data(&train, in, 0, &r->fit);
    if (!rc) rc = glm_input_data(&test, in, 1, &r->fit);
    if (!rc && r->prior_connectome) rc = wk_connectome_load_spec(&conn, r->prior_connectome);
    struct epoch_ctx ec = {wk_progress_start(cli, "glm", (double)(nS * r->fit.epochs), "epoch"), 0};
    *best = 0;
    for (size_t k = 0; k < nS && !rc; k++) {
        ec.before = (double)(k * r->fit.epochs);
        rc = fit_one(&fits[k], in, train, test, r, r->states_min + k, conn, &ec);
        if (!rc && nS > 1) {
            wk_log(WK_LOG_INFO, "%zu states: held-out log-likelihood %.10g", r->states_min + k, fits[k].test_ll);
            if (fits[k].test_ll > fits[*best].test_ll) *best = k;
        }
    }
    wk_progress_finish(ec.bar);
    wk_connectome_free(conn);
    wk_glm_data_free(train);
    wk_glm_data_free(test);
    return rc;
}

int wk_glm_run(const struct wk_cli *cli, const struct wk_glm_run *r)
{
    size_t nS = r->states_max - r->states_min + 1;
    struct glm_input in;
    struct glm_fit *fits = wk_calloc(nS, sizeof *fits);
    if (!fits) return WK_ENOMEM;
    size_t best = 0;
    int rc = glm_input_load(&in, cli, r);
    if (!rc && nS > 1 && in.n_test == 0)
        rc = wk_fail(WK_EINVAL, "choosing the number of states needs held-out recordings (--test or --test-fraction)");
    if (!rc) rc = glm_fit_all(fits, &best, cli, &in, r);
    if (!rc) rc = glm_write(cli, r, &in, fits, nS, best);
    for (size_t k = 0; k < nS; k++) glm_fit_clear(&fits[k]);
    free(fits);
    glm_input_free(&in);
    return rc;
}
