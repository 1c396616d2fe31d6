/* ntf_run.c - the worm-ntf run: inputs to tensor, rank sweep, outputs. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_affinity.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_ntf.h"
#include "wormkit/wk_util.h"

#define NTF_GROUP "/results/ntf"

/* The tensor and its axes, from either kind of input. */
struct source {
    struct wk_affinity_tensor *tensor;  /* dense file input */
    struct wk_affinity_input *input;    /* recordings */
    float *dense;                       /* recordings held dense */
    char **neuron_names;                /* recordings: names of input->cols (not owned strings) */
    struct wk_ntf_tensor X;
    struct wk_ntf_axes axes;
    const char *mode;
};

static void source_free(struct source *s)
{
    wk_affinity_tensor_free(s->tensor);
    wk_affinity_input_free(s->input);
    free(s->dense);
    free(s->neuron_names);
}

static int source_from_tensor(struct source *s, struct wk_affinity_tensor *t)
{
    s->tensor = t;
    wk_ntf_tensor_dense(&s->X, t->values, NULL, t->P, t->T, t->W);
    s->axes.N = t->N;
    s->axes.neurons = t->neurons;
    s->axes.time = t->time;
    s->axes.recordings = t->recordings;
    s->mode = "tensor";
    return 0;
}

static int source_from_recordings(struct source *s, struct wk_file *const *in, size_t n,
                                  const struct wk_ntf_run *run)
{
    int rc = wk_affinity_input_read(&s->input, in, n, run->aff, run->all_neurons);
    if (rc) return rc;
    struct wk_affinity_input *a = s->input;
    s->neuron_names = wk_calloc(a->N, sizeof *s->neuron_names);
    if (!s->neuron_names) return WK_ENOMEM;
    for (size_t k = 0; k < a->N; k++) s->neuron_names[k] = (char *)wk_atlas_name(a->cols[k]);
    if (run->from_traces) {
        wk_ntf_tensor_callback(&s->X, wk_affinity_set_block, &a->set, a->P, a->T, a->W);
        s->mode = "matrix-free";
    } else {
        if ((rc = wk_affinity_input_dense(a, &s->dense)) != 0) return rc;
        wk_ntf_tensor_dense(&s->X, s->dense, NULL, a->P, a->T, a->W);
        s->mode = "dense";
    }
    s->axes.N = a->N;
    s->axes.neurons = s->neuron_names;
    s->axes.time = a->time;
    s->axes.recordings = a->ids;
    return 0;
}

static int load_source(struct source *s, struct wk_file *const *in, size_t n, const struct wk_ntf_run *run)
{
    for (size_t i = 0; i < n; i++) {
        struct wk_affinity_tensor *t = NULL;
        int rc = wk_affinity_tensor_read(&t, in[i]);
        if (rc == WK_ENOTFOUND) continue;
        if (rc) return rc;
        if (run->from_traces) rc = wk_fail(WK_EINVAL, "'%s': --from-traces needs recordings, not an affinity tensor",
                                            wk_file_name(in[i]));
        else if (n > 1) rc = wk_fail(WK_EINVAL, "'%s': an affinity tensor must be the only input", wk_file_name(in[i]));
        if (rc) {
            wk_affinity_tensor_free(t);
            return rc;
        }
        return source_from_tensor(s, t);
    }
    return source_from_recordings(s, in, n, run);
}

struct progress_ctx {
    struct wk_progress *bar;
    double done, per_fit;
    size_t fits_before;
};

static void on_iter(void *ctx, int restart, int iter, double error)
{
    struct progress_ctx *p = ctx;
    (void)error;
    p->done = (double)(p->fits_before + (size_t)restart) * p->per_fit + iter;
    wk_progress_update(p->bar, p->done);
    wk_log(WK_LOG_DEBUG, "restart %d iteration %d: relative error %.9g", restart + 1, iter, error);
}

/* Mean weighted FMS of the best restart against each other restart. */
static double stability(struct wk_ntf_model *const *all, size_t n, const struct wk_ntf_model *best)
{
    double sum = 0;
    size_t k = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        double f;
        if (!skipped && all[i]->error == best->error) {
            skipped = 1; /* the best itself */
            continue;
        }
        if (wk_ntf_fms(&f, best, all[i], 1, NULL) == 0) {
            sum += f;
            k++;
        }
    }
    return k ? sum / (double)k : NAN;
}

static int write_run_attrs(hid_t g, const struct wk_ntf_run *run, const struct source *s, unsigned long seed,
                           double tol)
{
    int rc = wk_h5_set_attr_string(g, "method", wk_ntf_method_name(run->fit.method));
    if (!rc) rc = wk_h5_set_attr_string(g, "init", wk_ntf_init_name(run->fit.init));
    if (!rc) rc = wk_h5_set_attr_long(g, "max_iter", run->fit.max_iter);
    if (!rc) rc = wk_h5_set_attr_double(g, "tol", tol);
    if (!rc) rc = wk_h5_set_attr_long(g, "restarts", run->fit.restarts);
    if (!rc) rc = wk_h5_set_attr_long(g, "seed", (long)seed);
    if (!rc) rc = wk_h5_set_attr_string(g, "mode", s->mode);
    if (!rc) rc = wk_h5_set_attr_long(g, "rank_min", (long)run->rank_min);
    if (!rc) rc = wk_h5_set_attr_long(g, "rank_max", (long)run->rank_max);
    if (!rc && s->input) {
        const struct wk_affinity_opts *a = run->aff;
        rc = wk_h5_set_attr_string(g, "affinity_family", wk_affinity_family_name(a->family));
        if (!rc) rc = wk_h5_set_attr_string(g, "affinity_variant", wk_affinity_variant_name(a->variant));
    }
    return rc;
}

struct sweep {
    size_t n;
    int *rank;
    double *best, *mean, *stab;
    struct wk_ntf_model **models;
};

static void sweep_free(struct sweep *sw)
{
    free(sw->rank);
    free(sw->best);
    free(sw->mean);
    free(sw->stab);
    if (sw->models)
        for (size_t i = 0; i < sw->n; i++) wk_ntf_model_free(sw->models[i]);
    free(sw->models);
}

static int sweep_alloc(struct sweep *sw, size_t n)
{
    memset(sw, 0, sizeof *sw);
    sw->n = n;
    sw->rank = wk_calloc(n, sizeof *sw->rank);
    sw->best = wk_calloc(n, sizeof *sw->best);
    sw->mean = wk_calloc(n, sizeof *sw->mean);
    sw->stab = wk_calloc(n, sizeof *sw->stab);
    sw->models = wk_calloc(n, sizeof *sw->models);
    return sw->rank && sw->best && sw->mean && sw->stab && sw->models ? 0 : WK_ENOMEM;
}

static int fit_rank(struct sweep *sw, size_t k, const struct source *s, struct wk_ntf_opts *fit,
                    unsigned long seed)
{
    struct wk_ntf_model **all = NULL, *best = NULL;
    int rc = wk_ntf_fit(&best, &all, &s->X, fit, seed);
    if (rc) return rc;
    size_t n = (size_t)fit->restarts;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += all[i]->error;
    sw->rank[k] = (int)fit->rank;
    sw->best[k] = best->error;
    sw->mean[k] = sum / (double)n;
    sw->stab[k] = n > 1 ? stability(all, n, best) : NAN;
    sw->models[k] = best;
    wk_log(WK_LOG_INFO, "rank %zu: relative error %.6g (mean over restarts %.6g), stability %.4f", fit->rank,
           sw->best[k], sw->mean[k], sw->stab[k]);
    for (size_t i = 0; i < n; i++) wk_ntf_model_free(all[i]);
    free(all);
    return 0;
}

static int write_results(struct wk_file *out, const struct sweep *sw, const struct source *s,
                         const struct wk_ntf_run *run, unsigned long seed, double tol)
{
    hid_t g, mg;
    int rc = wk_h5_ensure_group(wk_file_hid(out), NTF_GROUP, &g);
    if (rc) return rc;
    rc = write_run_attrs(g, run, s, seed, tol);
    for (size_t k = 0; k < sw->n && !rc; k++) {
        if (sw->n == 1) {
            rc = wk_ntf_write_model(g, sw->models[k], &s->axes);
            break;
        }
        char name[32];
        snprintf(name, sizeof name, "rank_%d", sw->rank[k]);
        if ((rc = wk_h5_ensure_group(g, name, &mg)) != 0) break;
        rc = wk_ntf_write_model(mg, sw->models[k], &s->axes);
        H5Gclose(mg);
    }
    if (!rc && sw->n > 1) {
        rc = wk_h5_write_int(g, "sweep_rank", 1, &sw->n, sw->rank);
        if (!rc) rc = wk_h5_write_double(g, "sweep_error", 1, &sw->n, sw->best);
        if (!rc) rc = wk_h5_write_double(g, "sweep_error_mean", 1, &sw->n, sw->mean);
        if (!rc) rc = wk_h5_write_double(g, "sweep_stability", 1, &sw->n, sw->stab);
    } else if (!rc) {
        rc = wk_h5_set_attr_double(g, "stability", sw->stab[0]);
    }
    H5Gclose(g);
    return rc;
}

static int write_summary(const struct sweep *sw, const struct source *s, const struct wk_ntf_run *run)
{
    int to_stdout = strcmp(run->summary, "-") == 0;
    FILE *fp = to_stdout ? stdout : fopen(run->summary, "w");
    if (!fp) return wk_fail(WK_EIO, "cannot create '%s': %s", run->summary, strerror(errno));
    int rc = 0;
    for (size_t k = 0; k < sw->n && !rc; k++)
        rc = wk_ntf_write_summary(fp, sw->models[k], &s->axes, run->top, k == 0);
    if (!to_stdout && fclose(fp) != 0 && !rc) rc = wk_fail(WK_EIO, "cannot write '%s': %s", run->summary, strerror(errno));
    if (rc && !to_stdout) remove(run->summary);
    return rc;
}

static int fit_and_write(const struct wk_cli *cli, const struct wk_ntf_run *run, const struct source *s,
                         struct wk_file *const *in, size_t n_in)
{
    struct sweep sw;
    size_t n = run->rank_max - run->rank_min + 1;
    int rc = sweep_alloc(&sw, n);
    struct wk_ntf_opts fit = run->fit;
    struct progress_ctx pc = {NULL, 0, (double)fit.max_iter + 1, 0};
    pc.bar = wk_progress_start(cli, "ntf", pc.per_fit * (double)fit.restarts * (double)n, "it");
    fit.on_iter = on_iter;
    fit.on_iter_ctx = &pc;
    double tol = fit.tol >= 0 ? fit.tol : (fit.method == WK_NTF_MU ? WK_NTF_TOL_MU : WK_NTF_TOL_HALS);
    for (size_t k = 0; k < n && !rc; k++) {
        fit.rank = run->rank_min + k;
        pc.fits_before = k * (size_t)fit.restarts;
        rc = fit_rank(&sw, k, s, &fit, cli->seed);
    }
    wk_progress_finish(pc.bar);
    struct wk_file *out = NULL;
    if (!rc) rc = wk_file_create(&out, cli->output ? cli->output : "-");
    for (size_t i = 0; i < n_in && !rc; i++) rc = wk_file_copy_history(out, in[i]);
    if (!rc) rc = write_results(out, &sw, s, run, cli->seed, tol);
    if (out) {
        if (rc) wk_file_abort(out);
        else rc = wk_file_commit(out);
    }
    if (!rc && run->summary) rc = write_summary(&sw, s, run);
    sweep_free(&sw);
    return rc;
}

int wk_ntf_run(const struct wk_cli *cli, const struct wk_ntf_run *run)
{
    if (run->rank_min < 1 || run->rank_max < run->rank_min || run->rank_max > WK_NTF_MAX_RANK)
        return wk_fail(WK_EINVAL, "bad rank range %zu:%zu", run->rank_min, run->rank_max);
    size_t n = cli->n_files ? (size_t)cli->n_files : 1;
    struct wk_file **in = wk_calloc(n, sizeof *in);
    if (!in) return WK_ENOMEM;
    struct source s;
    memset(&s, 0, sizeof s);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) rc = wk_file_open(&in[i], cli->n_files ? cli->files[i] : "-");
    if (!rc) rc = load_source(&s, in, n, run);
    if (!rc) rc = fit_and_write(cli, run, &s, in, n);
    source_free(&s);
    for (size_t i = 0; i < n; i++) wk_file_close(in[i]);
    free(in);
    return rc;
}
