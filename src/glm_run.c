/* glm_run.c - the worm-glm run: recordings to sequences, the held-out
 * split, the structural prior, and the grid of fits (states x restarts)
 * spread over MPI ranks, advanced one epoch per round so that all ranks
 * can agree on errors and stop requests and write one checkpoint. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glm_internal.h"
#include "glm_run_internal.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_connectome.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_mpi.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"

void wk_glm_run_init(struct wk_glm_run *r)
{
    memset(r, 0, sizeof *r);
    wk_glm_opts_init(&r->fit);
    r->states_min = r->states_max = 3;
    r->restarts = r->checkpoint_every = 1;
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
        if (in->rec) wk_recording_free(in->rec[i]);
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

/* "'a.h5': no neuron ..." naming every input file (the first few). */
static int fail_no_neuron(const struct glm_input *in)
{
    char names[512] = "";
    size_t at = 0;
    for (size_t f = 0; f < in->n_files && at < sizeof names; f++) {
        int w = snprintf(names + at, sizeof names - at, "%s'%s'", f ? ", " : "", wk_file_name(in->files[f]));
        if (w < 0) break;
        at += (size_t)w;
    }
    return wk_fail(WK_EINVAL, "%s: no neuron is present in every recording", names);
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
    if (in->N == 0) return fail_no_neuron(in);
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

/* ---- MPI: rank 0 reads, every rank gets the data ---- */

static int bcast_sizes(size_t *v, size_t n) { return wk_mpi_bcast(v, n * sizeof *v, 0); }

/* The sequences, split and neuron columns of rank 0's input on every rank. */
static int input_share(struct glm_input *in)
{
    if (wk_mpi_size() == 1) return 0;
    int root = wk_mpi_rank() == 0;
    size_t head[3] = {in->n, in->N, in->n_test};
    int rc = bcast_sizes(head, 3);
    if (!rc && !root) {
        in->n = head[0];
        in->N = head[1];
        in->n_test = head[2];
        in->T = wk_calloc(in->n + 1, sizeof *in->T);
        in->test = wk_calloc(in->n + 1, 1);
        in->neuron = wk_calloc(in->N + 1, sizeof *in->neuron);
        in->x = wk_calloc(in->n + 1, sizeof *in->x);
        if (!in->T || !in->test || !in->neuron || !in->x) rc = WK_ENOMEM;
    }
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = bcast_sizes(in->T, in->n);
    if (!rc) rc = wk_mpi_bcast(in->test, in->n, 0);
    if (!rc) rc = bcast_sizes(in->neuron, in->N);
    for (size_t i = 0; i < in->n && !rc; i++) {
        if (!root) in->x[i] = wk_malloc_array(in->T[i] * in->N + 1, sizeof **in->x);
        rc = wk_mpi_agree_error(in->x[i] ? 0 : WK_ENOMEM);
        if (!rc) rc = wk_mpi_bcast(in->x[i], in->T[i] * in->N * sizeof **in->x, 0);
    }
    return wk_mpi_agree_error(rc);
}

/* The structural prior: rank 0 reads it, the other ranks get its synapses. */
static int connectome_share(struct wk_connectome **out, const char *spec)
{
    int root = wk_mpi_rank() == 0, rc = 0;
    *out = NULL;
    if (!spec) return 0;
    if (root) rc = wk_connectome_load_spec(out, spec);
    rc = wk_mpi_agree_error(rc);
    if (rc || wk_mpi_size() == 1) return rc;
    int have[2] = {root && (*out)->chem, root && (*out)->gap};
    size_t NN = (size_t)WK_ATLAS_SIZE * WK_ATLAS_SIZE;
    rc = wk_mpi_bcast(have, sizeof have, 0);
    if (!rc && !root) {
        *out = wk_calloc(1, sizeof **out);
        if (*out && have[0]) (*out)->chem = wk_calloc(NN, sizeof *(*out)->chem);
        if (*out && have[1]) (*out)->gap = wk_calloc(NN, sizeof *(*out)->gap);
        if (!*out || (have[0] && !(*out)->chem) || (have[1] && !(*out)->gap)) rc = WK_ENOMEM;
    }
    rc = wk_mpi_agree_error(rc);
    if (!rc && have[0]) rc = wk_mpi_bcast((*out)->chem, NN * sizeof *(*out)->chem, 0);
    if (!rc && have[1]) rc = wk_mpi_bcast((*out)->gap, NN * sizeof *(*out)->gap, 0);
    return wk_mpi_agree_error(rc);
}

/* Root receives every rank's doubles (concatenated in rank order). */
static int gather_doubles(double **all, size_t *len, const double *mine, size_t n)
{
    int size = wk_mpi_size(), root = wk_mpi_rank() == 0;
    size_t *counts = wk_calloc((size_t)size, sizeof *counts), bytes = n * sizeof *mine, total = 0;
    size_t *eights = wk_calloc((size_t)size, sizeof *eights);
    int rc = counts && eights ? 0 : WK_ENOMEM;
    for (int k = 0; k < size && eights; k++) eights[k] = sizeof *counts;
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = wk_mpi_gather_bytes(&bytes, sizeof bytes, counts, eights, 0);
    for (int k = 0; k < size && !rc && root; k++) total += counts[k];
    *all = NULL;
    *len = total / sizeof **all;
    if (!rc && root) {
        *all = wk_malloc_array(*len + 1, sizeof **all);
        if (!*all) rc = WK_ENOMEM;
    }
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = wk_mpi_gather_bytes(mine, bytes, *all, counts, 0);
    rc = wk_mpi_agree_error(rc);
    free(counts);
    free(eights);
    if (rc) {
        free(*all);
        *all = NULL;
    }
    return rc;
}

/* ---- fits ---- */

unsigned long wk_glm_restart_seed(unsigned long seed, size_t restart)
{
    return restart == 0 ? seed : wk_glm_key(seed, 0x7e57a27000ul + restart);
}

void glm_fit_clear(struct glm_fit *f)
{
    wk_glm_model_free(f->m);
    wk_glm_trace_clear(&f->trace);
    f->m = NULL;
    f->epoch = 0;
    f->converged = f->done = 0;
}

/* The fits of this rank run one after the other; all ranks meet once per
 * epoch ("round") to agree on stop requests and errors and to checkpoint. */
struct run_state {
    const struct wk_glm_run *r;
    const struct wk_cli *cli;
    const struct glm_input *in;
    struct wk_glm_data *train, *test;
    struct wk_connectome *conn;
    struct glm_fit *fits;
    size_t n_fits, cur;          /* cur: this rank's running fit, n_fits when none is left */
    struct wk_glm_fitter *fitter;
    unsigned long key;
    struct wk_progress *bar;
    size_t epochs_done;          /* by this rank, for the progress bar */
};

static int owns(size_t k) { return k % (size_t)wk_mpi_size() == (size_t)wk_mpi_rank(); }

static void grid_init(struct run_state *st)
{
    const struct wk_glm_run *r = st->r;
    for (size_t k = 0; k < st->n_fits; k++) {
        struct glm_fit *f = &st->fits[k];
        f->S = r->states_min + k / r->restarts;
        f->restart = k % r->restarts;
        f->o = r->fit;
        f->o.states = f->S;
        f->o.seed = wk_glm_restart_seed(r->fit.seed, f->restart);
        f->o.fix_pibar = st->conn != NULL;
        f->train_ll = f->test_ll = wk_nan();
    }
}

/* The key of the whole run: the first fit's key and the grid. */
static unsigned long run_key(const struct run_state *st)
{
    const struct wk_glm_run *r = st->r;
    struct wk_glm_opts o = r->fit;
    o.fix_pibar = st->conn != NULL;
    unsigned long k = glm_fit_key(r->states_min, st->in->N, st->train, &o);
    const unsigned long parts[] = {r->states_max, r->restarts, wk_glm_data_samples(st->test), st->test->n};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) k = wk_glm_key(k, parts[i]);
    for (const char *c = r->prior_connectome; c && *c; c++) k = wk_glm_key(k, (unsigned char)*c);
    return k;
}

/* Rank 0 reads the checkpoint; every rank takes the fits it owns. */
static int resume(struct run_state *st)
{
    const struct wk_glm_run *r = st->r;
    double *recs = NULL;
    size_t len = 0;
    int rc = 0;
    if (wk_mpi_rank() == 0) {
        size_t *states_of = wk_calloc(st->n_fits, sizeof *states_of);
        rc = states_of ? 0 : WK_ENOMEM;
        for (size_t k = 0; k < st->n_fits && !rc; k++) states_of[k] = st->fits[k].S;
        if (!rc)
            rc = glm_checkpoint_read(&recs, &len, r->checkpoint, st->key, st->n_fits, states_of, st->in->N,
                                     r->fit.prior == WK_GLM_PRIOR_ONEHOT, r->fit.epochs);
        free(states_of);
    }
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = bcast_sizes(&len, 1);
    if (!rc && wk_mpi_rank() != 0 && len) {
        recs = wk_malloc_array(len, sizeof *recs);
        if (!recs) rc = WK_ENOMEM;
    }
    rc = wk_mpi_agree_error(rc);
    if (!rc && len) rc = wk_mpi_agree_error(wk_mpi_bcast(recs, len * sizeof *recs, 0));
    for (size_t at = 0; at < len && !rc; at += GLM_RECORD_HEAD + (size_t)recs[at + 4] + (size_t)recs[at + 5]) {
        size_t k = (size_t)recs[at];
        if (owns(k)) rc = glm_record_unpack(&st->fits[k], recs + at, st->in->N);
    }
    free(recs);
    return wk_mpi_agree_error(rc);
}

/* Every started fit of every rank into the checkpoint file (rank 0). */
static int save(struct run_state *st)
{
    size_t n = 0;
    for (size_t k = 0; k < st->n_fits; k++)
        if (owns(k) && st->fits[k].m) n += glm_record_size(&st->fits[k]);
    double *mine = wk_malloc_array(n + 1, sizeof *mine), *all = NULL;
    int rc = wk_mpi_agree_error(mine ? 0 : WK_ENOMEM);
    for (size_t k = 0, at = 0; k < st->n_fits && !rc; k++)
        if (owns(k) && st->fits[k].m) {
            glm_record_pack(mine + at, k, &st->fits[k]);
            at += glm_record_size(&st->fits[k]);
        }
    size_t len = 0;
    if (!rc) rc = gather_doubles(&all, &len, mine, n);
    if (!rc && wk_mpi_rank() == 0) rc = glm_checkpoint_write(st->r->checkpoint, st->key, st->n_fits, all, len);
    free(mine);
    free(all);
    return wk_mpi_agree_error(rc);
}

/* Start (or resume) this rank's fit k. */
static int begin(struct run_state *st, size_t k)
{
    struct glm_fit *f = &st->fits[k];
    int fresh = f->m == NULL;
    if (fresh) {
        f->m = wk_glm_model_alloc(f->S, st->in->N, &f->o);
        if (!f->m) return WK_ENOMEM;
        wk_glm_model_init(f->m, &f->o);
        if (st->conn) wk_glm_prior_from_connectome(f->m, st->conn, st->in->neuron);
    }
    return wk_glm_fitter_alloc(&st->fitter, f->m, &f->trace, st->train, &f->o, f->epoch, f->converged);
}

/* The fit ended: its likelihoods, which choose among the fits. */
static int finish(struct run_state *st, struct glm_fit *f)
{
    wk_glm_fitter_free(st->fitter);
    st->fitter = NULL;
    f->done = 1;
    if (st->n_fits == 1) return 0; /* nothing to choose; the output computes them */
    int rc = wk_glm_loglik(&f->train_ll, NULL, f->m, st->train);
    if (!rc && st->test->n) rc = wk_glm_loglik(&f->test_ll, NULL, f->m, st->test);
    return rc;
}

/* One epoch of this rank's work: *busy 0 when it has none left. */
static int advance(struct run_state *st, int *busy)
{
    *busy = 0;
    while (st->cur < st->n_fits) {
        struct glm_fit *f = &st->fits[st->cur];
        int rc = st->fitter ? 0 : begin(st, st->cur);
        if (rc) return rc;
        if (!wk_glm_fitter_done(st->fitter)) {
            rc = wk_glm_fitter_step(st->fitter);
            if (rc) return rc;
            f->epoch = wk_glm_fitter_epoch(st->fitter);
            f->converged = wk_glm_fitter_converged(st->fitter);
            *busy = 1;
            st->epochs_done++;
            if (wk_mpi_rank() == 0) {
                wk_log(WK_LOG_INFO, "%zu states, restart %zu, epoch %zu: training log-likelihood %.10g", f->S,
                       f->restart, f->trace.n, f->trace.objective[f->trace.n - 1]);
                wk_progress_update(st->bar, (double)st->epochs_done);
            }
            if (!wk_glm_fitter_done(st->fitter)) return 0;
        }
        rc = finish(st, f);
        st->cur += (size_t)wk_mpi_size();
        if (rc || *busy) return rc;
    }
    return 0;
}

/* Rounds until every rank is done, or a stop request (returned as the
 * signal number once the checkpoint is saved). */
static int rounds(struct run_state *st)
{
    const struct wk_glm_run *r = st->r;
    size_t round = 0, saved = (size_t)-1;
    for (;;) {
        int busy = 0, rc = advance(st, &busy);
        int v[3] = {rc != 0, r->checkpoint ? wk_file_stop_requested() : 0, busy};
        if (wk_mpi_allreduce_max_int(v, 3) && !rc) rc = WK_EIO;
        if (v[0] || rc) return wk_mpi_agree_error(rc);
        round++;
        int due = v[2] ? round % r->checkpoint_every == 0 : saved != round - 1;
        if (r->checkpoint && (v[1] || due)) {
            rc = save(st);
            if (rc) return rc;
            saved = round;
        }
        if (v[1]) {
            if (wk_mpi_rank() == 0)
                wk_log(WK_LOG_ERROR, "stopped by signal %d at epoch %zu; checkpoint '%s' saved; rerun the same "
                                    "command to resume", v[1], st->epochs_done, r->checkpoint);
            return v[1];
        }
        if (!v[2]) return 0;
    }
}

/* Every rank learns every fit's likelihoods. */
static int share_scores(struct run_state *st)
{
    size_t size = (size_t)wk_mpi_size(), n = st->n_fits;
    if (size == 1) return 0;
    double *mine = wk_calloc(2 * n + 1, sizeof *mine), *all = wk_calloc(2 * n * size + 1, sizeof *all);
    size_t *counts = wk_calloc(size, sizeof *counts);
    int rc = wk_mpi_agree_error(mine && all && counts ? 0 : WK_ENOMEM);
    for (size_t k = 0; k < n && !rc; k++)
        if (owns(k)) {
            mine[2 * k] = st->fits[k].train_ll;
            mine[2 * k + 1] = st->fits[k].test_ll;
        }
    for (size_t q = 0; q < size && counts; q++) counts[q] = 2 * n * sizeof *mine;
    if (!rc) rc = wk_mpi_agree_error(wk_mpi_allgather_bytes(mine, 2 * n * sizeof *mine, all, counts));
    for (size_t k = 0; k < n && !rc; k++) {
        const double *from = all + 2 * n * (k % size);
        st->fits[k].train_ll = from[2 * k];
        st->fits[k].test_ll = from[2 * k + 1];
    }
    free(mine);
    free(all);
    free(counts);
    return rc;
}

/* The best fit: highest held-out log-likelihood, or training one without
 * held-out recordings; NaN never wins; ties go to the first fit. */
static size_t choose(const struct run_state *st)
{
    size_t best = 0;
    double top = -HUGE_VAL;
    for (size_t k = 0; k < st->n_fits; k++) {
        double v = st->test->n ? st->fits[k].test_ll : st->fits[k].train_ll;
        if (!isnan(v) && v > top) {
            top = v;
            best = k;
        }
    }
    return best;
}

/* The winner's model and trace to rank 0. */
static int fetch_best(struct run_state *st, size_t best)
{
    struct glm_fit *f = &st->fits[best];
    if (wk_mpi_size() == 1 || best % (size_t)wk_mpi_size() == 0) return 0;
    size_t n = owns(best) ? glm_record_size(f) : 0, len = 0;
    double *mine = wk_malloc_array(n + 1, sizeof *mine), *all = NULL;
    int rc = wk_mpi_agree_error(mine ? 0 : WK_ENOMEM);
    if (!rc && n) glm_record_pack(mine, best, f);
    if (!rc) rc = gather_doubles(&all, &len, mine, n);
    if (!rc && wk_mpi_rank() == 0) rc = glm_record_unpack(f, all, st->in->N);
    free(mine);
    free(all);
    return wk_mpi_agree_error(rc);
}

static void log_scores(const struct run_state *st)
{
    for (size_t k = 0; k < st->n_fits && st->n_fits > 1 && wk_mpi_rank() == 0; k++) {
        const struct glm_fit *f = &st->fits[k];
        wk_log(WK_LOG_INFO, "%zu states, restart %zu: training log-likelihood %.10g, held-out %.10g", f->S,
               f->restart, f->train_ll, f->test_ll);
    }
}

/* Fit the grid; 0 with *best chosen (its model on rank 0), a negative
 * error, or the signal that stopped the run (checkpoint saved). */
static int fit_grid(struct run_state *st, size_t *best)
{
    const struct wk_glm_run *r = st->r;
    int rc = glm_input_data(&st->train, st->in, 0, &r->fit);
    if (!rc) rc = glm_input_data(&st->test, st->in, 1, &r->fit);
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = connectome_share(&st->conn, r->prior_connectome);
    if (rc) return rc;
    grid_init(st);
    st->key = run_key(st);
    st->cur = (size_t)wk_mpi_rank();
    if (r->checkpoint) rc = resume(st);
    size_t mine = 0;
    for (size_t k = 0; k < st->n_fits; k++) mine += owns(k);
    if (!rc && wk_mpi_rank() == 0)
        st->bar = wk_progress_start(st->cli, "glm", (double)(mine * r->fit.epochs), "epoch");
    if (!rc) rc = rounds(st);
    wk_progress_finish(st->bar);
    st->bar = NULL;
    if (rc) return rc;
    rc = share_scores(st);
    *best = choose(st);
    log_scores(st);
    if (!rc) rc = fetch_best(st, *best);
    return rc;
}

static void run_state_clear(struct run_state *st)
{
    wk_glm_fitter_free(st->fitter);
    wk_connectome_free(st->conn);
    wk_glm_data_free(st->train);
    wk_glm_data_free(st->test);
}

/* Messages that every rank would give alike come from rank 0 only. */
static int root_fail(int code, const char *msg)
{
    return wk_mpi_rank() == 0 ? wk_fail(code, "%s", msg) : code;
}

int wk_glm_run(const struct wk_cli *cli, const struct wk_glm_run *r)
{
    size_t nS = r->states_max - r->states_min + 1, n_fits = nS * (r->restarts ? r->restarts : 1);
    struct glm_input in;
    memset(&in, 0, sizeof in);
    struct glm_fit *fits = wk_calloc(n_fits, sizeof *fits);
    struct wk_glm_run rr = *r;
    if (!rr.restarts) rr.restarts = 1;
    if (!rr.checkpoint_every) rr.checkpoint_every = 1;
    int rc = fits ? 0 : WK_ENOMEM;
    if (!rc && wk_mpi_rank() == 0) rc = glm_input_load(&in, cli, r);
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = input_share(&in);
    if (!rc && nS > 1 && in.n_test == 0)
        rc = root_fail(WK_EINVAL, "choosing the number of states needs held-out recordings (--test or --test-fraction)");
    struct run_state st = {&rr, cli, &in, NULL, NULL, NULL, fits, n_fits, 0, NULL, 0, NULL, 0};
    size_t best = 0;
    if (!rc) rc = fit_grid(&st, &best);
    run_state_clear(&st);
    if (!rc) rc = wk_mpi_agree_error(wk_mpi_rank() == 0 ? glm_write(cli, &rr, &in, fits, n_fits, best) : 0);
    for (size_t k = 0; k < n_fits && fits; k++) glm_fit_clear(&fits[k]);
    free(fits);
    glm_input_free(&in);
    return rc;
}
