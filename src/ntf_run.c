/* ntf_run.c - the worm-ntf run: inputs to tensor, rank sweep, outputs. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wk_affinity.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_mpi.h"
#include "wormkit/wk_ntf.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"
#include "ntf_internal.h"

#define NTF_GROUP "/results/ntf"

/* The tensor and its axes, from either kind of input. */
/* --from-traces: this rank's worms w0 .. w0+wn-1 only (all ids known). */
struct traces {
    size_t W, w0, wn, N, P, T;
    char **ids;                        /* [W] */
    size_t *file;                      /* [W] input file of each recording */
    struct wk_affinity_worm **worms;   /* [wn] */
    short (*have)[WK_ATLAS_SIZE];      /* [wn]: column of each atlas neuron in worms[i]->u, or -1 */
    size_t cols[WK_ATLAS_SIZE];        /* [N] */
    double *time;                      /* [T] */
    struct wk_affinity_set set;        /* the local worms */
};

struct source {
    struct wk_affinity_tensor *tensor;  /* dense file input */
    struct wk_affinity_input *input;    /* recordings */
    struct traces *traces;              /* recordings, matrix-free */
    float *dense;                       /* recordings held dense */
    char **neuron_names;                /* recordings: names of input->cols (not owned strings) */
    struct wk_ntf_tensor X;
    struct wk_ntf_axes axes;
    const char *mode;
};

static void traces_free(struct traces *tr)
{
    if (!tr) return;
    for (size_t i = 0; tr->worms && i < tr->wn; i++) wk_affinity_worm_free(tr->worms[i]);
    free(tr->worms);
    free(tr->have);
    wk_strv_free(tr->ids, tr->W);
    free(tr->file);
    free(tr->time);
    free(tr);
}

static void source_free(struct source *s)
{
    wk_affinity_tensor_free(s->tensor);
    wk_affinity_input_free(s->input);
    traces_free(s->traces);
    free(s->dense);
    free(s->neuron_names);
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}
#define FNV_START 14695981039346656037ULL

/* Every recording id of the inputs, in order, with its file. */
static int list_recordings(struct traces *tr, struct wk_file *const *in, size_t n)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        char **ids;
        size_t k;
        int rc = wk_file_recording_ids(in[i], &ids, &k);
        if (rc) return rc;
        if (tr->W + k > cap) {
            size_t c = 2 * (tr->W + k);
            char **ni = wk_realloc_array(tr->ids, c, sizeof *ni);
            if (ni) tr->ids = ni;
            size_t *nf = wk_realloc_array(tr->file, c, sizeof *nf);
            if (nf) tr->file = nf;
            if (!ni || !nf) {
                wk_strv_free(ids, k);
                return WK_ENOMEM;
            }
            cap = c;
        }
        for (size_t j = 0; j < k; j++) {
            tr->ids[tr->W] = ids[j];
            tr->file[tr->W++] = i;
        }
        free(ids);
    }
    if (tr->W == 0)
        return wk_fail(WK_EINVAL, "'%s': no recording to compute affinities from", n ? wk_file_name(in[n - 1]) : "stdin");
    return 0;
}

/* Keep the columns cols[0..N-1] of a worm's signals, where have[c] is the
 * column of atlas neuron c, or -1 (the neuron is absent: NaN, as
 * wk_affinity_worm_from_recording makes it). */
static int keep_neurons(struct wk_affinity_worm *wm, const short *have, const size_t *cols, size_t N)
{
    long from[WK_ATLAS_SIZE];
    for (size_t k = 0; k < N; k++) from[k] = have[cols[k]];
    return wk_affinity_worm_keep_columns(wm, from, N);
}

/* Shrink a worm just read (all atlas columns) to its present neurons, so a
 * rank holds T x (neurons present) floats per worm while reading. */
static int keep_present(struct wk_affinity_worm *wm, const struct wk_recording *rec, short *have)
{
    size_t cols[WK_ATLAS_SIZE], n = 0;
    short all[WK_ATLAS_SIZE];
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++) {
        all[c] = (short)c;
        have[c] = -1;
        if (c < rec->C && rec->present[c]) {
            have[c] = (short)n;
            cols[n++] = c;
        }
    }
    return keep_neurons(wm, all, cols, n);
}

/* Read this rank's recordings; seen[c] marks the atlas neurons present,
 * *first_longest the lowest worm index of the longest local recording. */
static int read_local(struct traces *tr, struct wk_file *const *in, const struct wk_affinity_opts *o, int *seen,
                      int *Tmax, long *first_longest, double **time)
{
    size_t all_cols[WK_ATLAS_SIZE];
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++) all_cols[c] = c;
    tr->worms = wk_calloc(tr->wn ? tr->wn : 1, sizeof *tr->worms);
    tr->have = wk_calloc(tr->wn ? tr->wn : 1, sizeof *tr->have);
    if (!tr->worms || !tr->have) return WK_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < tr->wn && !rc; i++) {
        size_t w = tr->w0 + i;
        struct wk_recording *rec = NULL;
        rc = wk_recording_read(in[tr->file[w]], tr->ids[w], &rec);
        if (!rc) rc = wk_affinity_worm_from_recording(&tr->worms[i], rec, all_cols, WK_ATLAS_SIZE, o, NULL);
        if (!rc) {
            wk_affinity_worm_warn_floored(tr->worms[i], NULL, wk_file_name(in[tr->file[w]]), tr->ids[w]);
            rc = keep_present(tr->worms[i], rec, tr->have[i]);
        }
        if (!rc && rec->T > (size_t)*Tmax) {
            if (rec->T > 1000000000) rc = wk_fail(WK_ERANGE, "'%s': recording '%s' is too long", wk_file_name(in[tr->file[w]]), tr->ids[w]);
            double *t = rc ? NULL : wk_malloc_array(rec->T, sizeof *t);
            if (!rc && !t) rc = WK_ENOMEM;
            if (!rc) {
                memcpy(t, rec->time, rec->T * sizeof *t);
                free(*time);
                *time = t;
                *Tmax = (int)rec->T;
                *first_longest = (long)w;
            }
        }
        for (size_t c = 0; !rc && c < WK_ATLAS_SIZE && c < rec->C; c++)
            if (rec->present[c]) seen[c] = 1;
        wk_recording_free(rec);
    }
    return rc;
}

/* The rank whose share of W worms holds worm w. */
static int owner_of(size_t W, size_t w)
{
    size_t size = (size_t)wk_mpi_size(), q = W / size, extra = W % size;
    size_t big = extra * (q + 1);
    return (int)(w < big ? w / (q + 1) : extra + (w - big) / (q ? q : 1));
}

/* Agree on the neurons, the longest recording and its time axis. */
static int agree_axes(struct traces *tr, int *seen, int Tmax, long first_longest, double **time, int all_neurons,
                      const char *last_file)
{
    int rc = wk_mpi_allreduce_max_int(seen, WK_ATLAS_SIZE);
    int T = Tmax;
    if (!rc) rc = wk_mpi_allreduce_max_int(&T, 1);
    int neg_first = Tmax == T ? (int)-first_longest : -(int)tr->W;
    if (!rc) rc = wk_mpi_allreduce_max_int(&neg_first, 1);
    if (rc) return rc;
    size_t first = (size_t)-neg_first;
    tr->T = (size_t)T;
    if (wk_mpi_size() > 1) {
        int root = owner_of(tr->W, first);
        if (root != wk_mpi_rank()) {
            free(*time);
            *time = wk_malloc_array(tr->T, sizeof **time);
        }
        rc = wk_mpi_agree_error(*time ? 0 : WK_ENOMEM);
        if (!rc) rc = wk_mpi_bcast(*time, tr->T * sizeof **time, root);
        if (rc) return rc;
    }
    tr->time = *time;
    *time = NULL;
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++)
        if (all_neurons || seen[c]) tr->cols[tr->N++] = c;
    if (tr->N < 2) return wk_fail(WK_EINVAL, "'%s': fewer than 2 atlas neurons are present in the recordings", last_file);
    tr->P = wk_affinity_n_pairs(tr->N);
    return 0;
}

static int traces_block(void *ctx, size_t w, size_t t0, size_t nt, double *block)
{
    struct traces *tr = ctx;
    return wk_affinity_set_block(&tr->set, w - tr->w0, t0, nt, block);
}

/* Hash of the worms' signals: per worm (with its index), summed exactly
 * over ranks (each term < 2^40, so any number of worms below 2^23 fits). */
static int traces_hash(const struct traces *tr, uint64_t *hash)
{
    int64_t h = 0;
    for (size_t i = 0; i < tr->wn; i++) {
        const struct wk_affinity_worm *wm = tr->worms[i];
        size_t w = tr->w0 + i;
        uint64_t x = fnv1a(FNV_START, &w, sizeof w);
        x = fnv1a(x, &wm->T, sizeof wm->T);
        x = fnv1a(x, wm->u, wm->T * wm->N * sizeof *wm->u);
        h += (int64_t)(x >> 24);
    }
    int rc = wk_mpi_allreduce_sum_i64(&h, 1);
    *hash = (uint64_t)h;
    return rc;
}

/* The source's neuron axis: atlas names of the columns cols[0..N-1]. */
static int name_neurons(struct source *s, const size_t *cols, size_t N)
{
    s->neuron_names = wk_calloc(N ? N : 1, sizeof *s->neuron_names);
    if (!s->neuron_names) return WK_ENOMEM;
    for (size_t k = 0; k < N; k++) s->neuron_names[k] = (char *)wk_atlas_name(cols[k]);
    s->axes.N = N;
    s->axes.neurons = s->neuron_names;
    return 0;
}

static int source_from_traces(struct source *s, struct wk_file *const *in, size_t n, const struct wk_ntf_run *run)
{
    struct traces *tr = wk_calloc(1, sizeof *tr);
    if (!tr) return WK_ENOMEM;
    s->traces = tr;
    int rc = list_recordings(tr, in, n);
    if (rc) return rc;
    wk_mpi_share(tr->W, &tr->w0, &tr->wn);
    int seen[WK_ATLAS_SIZE] = {0}, Tmax = 0;
    long first_longest = (long)tr->W;
    double *time = NULL;
    rc = read_local(tr, in, run->aff, seen, &Tmax, &first_longest, &time);
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = agree_axes(tr, seen, Tmax, first_longest, &time, run->all_neurons, wk_file_name(in[n - 1]));
    free(time);
    for (size_t i = 0; i < tr->wn && !rc; i++) rc = keep_neurons(tr->worms[i], tr->have[i], tr->cols, tr->N);
    rc = wk_mpi_agree_error(rc);
    if (rc) return rc;
    tr->set.P = tr->P;
    tr->set.T = tr->T;
    tr->set.W = tr->wn;
    tr->set.worms = tr->worms;
    if (name_neurons(s, tr->cols, tr->N)) return WK_ENOMEM;
    wk_ntf_tensor_callback(&s->X, traces_block, tr, tr->P, tr->T, tr->W);
    s->mode = "matrix-free";
    s->axes.time = tr->time;
    s->axes.recordings = tr->ids;
    return 0;
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
    if (run->from_traces) return source_from_traces(s, in, n, run);
    int rc = wk_affinity_input_read(&s->input, in, n, run->aff, run->all_neurons);
    if (rc) return rc;
    struct wk_affinity_input *a = s->input;
    if (name_neurons(s, a->cols, a->N)) return WK_ENOMEM;
    if ((rc = wk_affinity_input_dense(a, &s->dense)) != 0) return rc;
    wk_ntf_tensor_dense(&s->X, s->dense, NULL, a->P, a->T, a->W);
    s->mode = "dense";
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
    if (wk_mpi_rank() == 0)
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

/* Checkpointing state of the run (on_state's context). */
struct ckpt_ctx {
    const struct wk_ntf_run *run;
    const struct sweep *sw;
    size_t k;           /* sweep index in progress */
    char signature[512];
};

static int on_state(void *ctx, const struct wk_ntf_state *st)
{
    struct ckpt_ctx *c = ctx;
    int stop = wk_file_stop_requested();
    int rc = wk_mpi_allreduce_max_int(&stop, 1);
    if (rc) return rc;
    int due = st->iter > 0 && st->iter % c->run->checkpoint_every == 0;
    if (!stop && !due) return 0;
    struct ntf_ckpt ck;
    memset(&ck, 0, sizeof ck);
    ck.k = c->k;
    ck.ranks = c->sw->models;
    ck.best = c->sw->best;
    ck.mean = c->sw->mean;
    ck.stab = c->sw->stab;
    rc = wk_mpi_rank() == 0 ? ntf_ckpt_save(c->run->checkpoint, c->signature, &ck, st) : 0;
    rc = wk_mpi_agree_error(rc);
    if (rc) return rc;
    if (!stop) return 0;
    if (wk_mpi_rank() == 0)
        wk_log(WK_LOG_ERROR, "stopped by signal %d at iteration %d; checkpoint '%s' saved; rerun the same command to resume",
               stop, st->iter, c->run->checkpoint);
    return WK_NTF_STOPPED;
}

/* Hash of the tensor's data (collective under MPI). */
static int source_hash(const struct source *s, uint64_t *hash)
{
    if (s->traces) return traces_hash(s->traces, hash);
    *hash = fnv1a(FNV_START, s->X.data, s->X.W * s->X.T * s->X.P * sizeof *s->X.data);
    return 0;
}

/* The run's identity: data, shape, every option and the seed. */
static int run_signature(char *buf, size_t len, const struct wk_ntf_run *run, const struct source *s,
                         unsigned long seed)
{
    const struct wk_ntf_opts *f = &run->fit;
    uint64_t hash;
    int rc = source_hash(s, &hash);
    if (rc) return rc;
    snprintf(buf, len,
             "P=%zu T=%zu W=%zu data=%016llx mode=%s ranks=%zu:%zu method=%d init=%d max_iter=%d tol=%.17g "
             "restarts=%d power=%d seed=%lu family=%d variant=%d sigma=%.17g window=%zu all=%d",
             s->X.P, s->X.T, s->X.W, (unsigned long long)hash, s->mode, run->rank_min, run->rank_max,
             (int)f->method, (int)f->init, f->max_iter, f->tol, f->restarts, f->power_iter, seed,
             s->input || s->traces ? (int)run->aff->family : -1, s->input || s->traces ? (int)run->aff->variant : -1,
             s->input || s->traces ? run->aff->sigma : 0.0, s->input || s->traces ? run->aff->window : 0,
             run->all_neurons);
    return 0;
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
    if (wk_mpi_rank() == 0)
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

/* Take the finished ranks of a checkpoint into the sweep; its fit state
 * becomes ck->state (models stay owned by ck). */
static void adopt_checkpoint(struct sweep *sw, struct ntf_ckpt *ck)
{
    for (size_t k = 0; k < ck->k; k++) {
        sw->models[k] = ck->ranks[k];
        ck->ranks[k] = NULL;
        sw->rank[k] = (int)sw->models[k]->R;
        sw->best[k] = ck->best[k];
        sw->mean[k] = ck->mean[k];
        sw->stab[k] = ck->stab[k];
    }
}

static int fit_sweep(struct sweep *sw, const struct wk_cli *cli, const struct wk_ntf_run *run,
                     const struct source *s)
{
    size_t n = sw->n;
    struct wk_ntf_opts fit = run->fit;
    struct progress_ctx pcx = {NULL, 0, (double)fit.max_iter + 1, 0}, *pc = &pcx;
    if (wk_mpi_rank() == 0) pc->bar = wk_progress_start(cli, "ntf", pc->per_fit * (double)fit.restarts * (double)n, "it");
    fit.on_iter = on_iter;
    fit.on_iter_ctx = pc;
    struct ckpt_ctx cc = {run, sw, 0, {0}};
    struct ntf_ckpt ck;
    memset(&ck, 0, sizeof ck);
    int rc = 0;
    if (run->checkpoint) {
        rc = run_signature(cc.signature, sizeof cc.signature, run, s, cli->seed);
        fit.on_state = on_state;
        fit.on_state_ctx = &cc;
        int exists = access(run->checkpoint, F_OK) == 0;
        if (!rc && wk_mpi_allreduce_max_int(&exists, 1) == 0 && exists) {
            /* rank 0 first: a bad checkpoint gives one message, not one per rank */
            rc = wk_mpi_rank() == 0 ? ntf_ckpt_load(&ck, run->checkpoint, cc.signature, s->X.P, s->X.T, s->X.W, n) : 0;
            rc = wk_mpi_agree_error(rc);
            if (!rc && wk_mpi_rank() != 0) rc = ntf_ckpt_load(&ck, run->checkpoint, cc.signature, s->X.P, s->X.T, s->X.W, n);
            rc = wk_mpi_agree_error(rc);
            if (!rc) {
                adopt_checkpoint(sw, &ck);
                cc.k = ck.k;
                fit.resume = &ck.state;
                if (wk_mpi_rank() == 0)
                    wk_log(WK_LOG_INFO, "resuming from '%s' (rank %zu, restart %d, iteration %d)", run->checkpoint,
                           run->rank_min + ck.k, ck.state.restart + 1, ck.state.iter);
            }
        }
    }
    for (size_t k = cc.k; k < n && !rc; k++) {
        fit.rank = run->rank_min + k;
        cc.k = k;
        pc->fits_before = k * (size_t)fit.restarts;
        rc = fit_rank(sw, k, s, &fit, cli->seed);
        fit.resume = NULL;
    }
    ntf_ckpt_free(&ck);
    wk_progress_finish(pc->bar);
    return rc;
}

/* Rank 0 writes; every rank returns the same code. */
static int fit_and_write(const struct wk_cli *cli, const struct wk_ntf_run *run, const struct source *s,
                         struct wk_file *const *in, size_t n_in)
{
    struct sweep sw;
    size_t n = run->rank_max - run->rank_min + 1;
    int rc = sweep_alloc(&sw, n);
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = fit_sweep(&sw, cli, run, s);
    double tol = run->fit.tol >= 0 ? run->fit.tol : (run->fit.method == WK_NTF_MU ? WK_NTF_TOL_MU : WK_NTF_TOL_HALS);
    if (!rc && wk_mpi_rank() == 0) {
        struct wk_file *out = NULL;
        rc = wk_file_create(&out, cli->output ? cli->output : "-");
        for (size_t i = 0; i < n_in && !rc; i++) rc = wk_file_copy_history(out, in[i]);
        if (!rc) rc = write_results(out, &sw, s, run, cli->seed, tol);
        if (out) {
            if (rc) wk_file_abort(out);
            else rc = wk_file_commit(out);
        }
        if (!rc && run->summary) rc = write_summary(&sw, s, run);
        if (!rc && run->checkpoint) remove(run->checkpoint);
    }
    if (rc != WK_NTF_STOPPED) rc = wk_mpi_agree_error(rc);
    sweep_free(&sw);
    return rc;
}

int wk_ntf_run(const struct wk_cli *cli, const struct wk_ntf_run *run)
{
    if (run->rank_min < 1 || run->rank_max < run->rank_min || run->rank_max > WK_NTF_MAX_RANK)
        return wk_fail(WK_EINVAL, "bad rank range %zu:%zu", run->rank_min, run->rank_max);
    if (run->checkpoint && run->checkpoint_every < 1)
        return wk_fail(WK_EINVAL, "checkpoint interval must be >= 1 (got %d)", run->checkpoint_every);
    if (!cli->n_files && wk_mpi_size() > 1)
        return wk_fail(WK_EINVAL, "under MPI give the input files by name (stdin reaches one rank only)");
    size_t n = cli->n_files ? (size_t)cli->n_files : 1;
    struct wk_file **in = wk_calloc(n, sizeof *in);
    if (!in) return WK_ENOMEM;
    struct source s;
    memset(&s, 0, sizeof s);
    int rc = 0;
    /* rank 0 opens first: an input that cannot be opened gives one message */
    for (size_t i = 0; i < n && !rc && wk_mpi_rank() == 0; i++) rc = wk_file_open(&in[i], cli->n_files ? cli->files[i] : "-");
    rc = wk_mpi_agree_error(rc);
    for (size_t i = 0; i < n && !rc && wk_mpi_rank() != 0; i++) rc = wk_file_open(&in[i], cli->files[i]);
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = load_source(&s, in, n, run);
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = fit_and_write(cli, run, &s, in, n);
    source_free(&s);
    for (size_t i = 0; i < n; i++) wk_file_close(in[i]);
    free(in);
    return rc;
}
