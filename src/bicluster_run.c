/* bicluster_run.c - worm-bicluster's driver: the counts of one recording,
 * the chains (run in parallel threads, each with its own random stream
 * derived from the seed, so the draws do not depend on the thread count),
 * the draws streamed to HDF5 block by block, and checkpoints. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bicluster_internal.h"
#include "bicluster_stream.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_simulate.h"
#include "wormkit/wk_util.h"

#define BLOCK 25 /* iterations between writes */

void wk_bicluster_options_init(struct wk_bicluster_options *o)
{
    memset(o, 0, sizeof *o);
    o->iterations = 1000;
    o->burnin = -1;
    o->thin = 1;
    o->chains = 1;
    o->latent_dim = 2;
    o->states = 10;
    o->alpha = 5;
    o->gamma = 5;
    o->kappa = 10;
    o->r_k = 0.2;
    o->mfm_gamma = 1;
    o->checkpoint_every = 100;
}

/* ---- input ---- */

struct counts {
    struct wk_bc_data data;
    double *y;
    char **label;
    int *column;
    char *id;
};

static void counts_free(struct counts *c)
{
    free(c->y);
    wk_strv_free(c->label, c->data.N);
    free(c->column);
    free(c->id);
}

static int counts_from(struct counts *c, const struct wk_recording *rec, const char *file)
{
    size_t N = 0, T = rec->T;
    for (size_t k = 0; k < rec->C; k++) N += rec->present[k] != 0;
    if (N < 2) return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/traces: fewer than 2 neurons", file, rec->id);
    if (T < 3) return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/traces: fewer than 3 bins", file, rec->id);
    c->y = wk_malloc_array(N * T, sizeof(double));
    c->label = wk_calloc(N, sizeof(char *));
    c->column = wk_calloc(N, sizeof(int));
    c->id = wk_strdup(rec->id);
    if (!c->y || !c->label || !c->column || !c->id) return WK_ENOMEM;
    c->data.N = N;
    c->data.T = T;
    c->data.y = c->y;
    size_t i = 0;
    for (size_t k = 0; k < rec->C; k++) {
        if (!rec->present[k]) continue;
        c->label[i] = wk_strdup(rec->label[k]);
        c->column[i] = (int)k;
        if (!c->label[i]) return WK_ENOMEM;
        for (size_t t = 0; t < T; t++) {
            double v = rec->traces[t * rec->C + k];
            if (!isfinite(v) || v < 0 || v != floor(v) || v > 1e9)
                return wk_fail(WK_EFORMAT, "'%s': /recordings/%s/traces: column '%s' sample %zu is not a count",
                               file, rec->id, rec->label[k], t);
            c->y[i * T + t] = v;
        }
        i++;
    }
    return 0;
}

/* Read the counts; the output receives the input's history, recordings
 * and simulation truth (so it is self-contained for worm-compare). */
static int read_counts(struct counts *c, struct wk_file *out, const char *path, const char *want)
{
    memset(c, 0, sizeof *c);
    struct wk_file *f;
    int rc = wk_file_open(&f, path);
    if (rc < 0) return rc;
    char **ids = NULL;
    size_t n = 0;
    rc = wk_file_recording_ids(f, &ids, &n);
    if (!rc && n == 0) rc = wk_fail(WK_EFORMAT, "'%s': no recordings", wk_file_name(f));
    const char *id = !rc ? (want ? want : ids[0]) : NULL;
    struct wk_recording *rec = NULL;
    if (!rc) {
        rc = wk_recording_read(f, id, &rec);
    }
    if (!rc) rc = counts_from(c, rec, wk_file_name(f));
    if (!rc) rc = wk_file_copy_history(out, f);
    if (!rc) rc = wk_file_copy_group(out, f, "/recordings");
    if (!rc) rc = wk_file_copy_group(out, f, "/results/simulate");
    wk_recording_free(rec);
    wk_strv_free(ids, n);
    wk_file_close(f);
    return rc;
}

/* ---- per-chain output ---- */

enum { S_K, S_STATES, S_LOGLIK, S_Z, S_XI, S_D, S_C, S_R, S_LATENT, N_STREAMS };

struct chain_out {
    struct wk_bc_stream s[N_STREAMS];
    /* buffer of up to BLOCK kept draws */
    size_t n;
    int *K, *states, *z, *xi;
    double *loglik;
    float *d, *c, *r, *latent;
};

struct run {
    const struct wk_bicluster_options *o;
    struct counts in;
    size_t N, T, p, P, kout; /* kout: latent slots in the output (N/2 capped) */
    struct wk_bc_chain *chain;
    struct chain_out *out;
    hid_t group;
};

static int alloc_buffers(struct chain_out *co, const struct run *R)
{
    size_t B = BLOCK;
    co->K = wk_calloc(B, sizeof(int));
    co->states = wk_calloc(B, sizeof(int));
    co->loglik = wk_calloc(B, sizeof(double));
    co->z = wk_calloc(B * R->N, sizeof(int));
    co->xi = wk_calloc(B * R->T, sizeof(int));
    if (!co->K || !co->states || !co->loglik || !co->z || !co->xi) return WK_ENOMEM;
    if (!R->o->save_params) return 0;
    co->d = wk_calloc(B * R->N, sizeof(float));
    co->c = wk_calloc(B * R->N * R->p + 1, sizeof(float));
    co->r = wk_calloc(B * R->N, sizeof(float));
    co->latent = wk_calloc(B * R->kout * R->P * R->T, sizeof(float));
    return co->d && co->c && co->r && co->latent ? 0 : WK_ENOMEM;
}

static void free_buffers(struct chain_out *co)
{
    free(co->K), free(co->states), free(co->loglik), free(co->z), free(co->xi);
    free(co->d), free(co->c), free(co->r), free(co->latent);
    for (int k = 0; k < N_STREAMS; k++) wk_bc_stream_close(&co->s[k]);
}

static const char *const stream_name[N_STREAMS] = {"K", "n_states", "loglik", "z", "xi", "d", "c", "r", "latent"};

static int open_streams(struct chain_out *co, const struct run *R, hid_t g, int create)
{
    size_t dims[N_STREAMS][3] = {{0}, {0}, {0}, {R->N}, {R->T}, {R->N}, {R->N, R->p}, {R->N},
                                 {R->kout, R->P, R->T}};
    const int rank[N_STREAMS] = {0, 0, 0, 1, 1, 1, 2, 1, 3};
    const hid_t mem[N_STREAMS] = {H5T_NATIVE_INT, H5T_NATIVE_INT, H5T_NATIVE_DOUBLE, H5T_NATIVE_INT, H5T_NATIVE_INT,
                                  H5T_NATIVE_FLOAT, H5T_NATIVE_FLOAT, H5T_NATIVE_FLOAT, H5T_NATIVE_FLOAT};
    int n = R->o->save_params ? N_STREAMS : S_D;
    for (int k = 0; k < n; k++) {
        int rc = create ? wk_bc_stream_create(&co->s[k], g, stream_name[k], mem[k], rank[k], dims[k])
                        : wk_bc_stream_open(&co->s[k], g, stream_name[k], mem[k]);
        if (rc < 0) return rc;
    }
    return 0;
}

static int flush_chain(struct chain_out *co, int save_params)
{
    const void *buf[N_STREAMS] = {co->K, co->states, co->loglik, co->z, co->xi, co->d, co->c, co->r, co->latent};
    int n = save_params ? N_STREAMS : S_D;
    for (int k = 0; k < n; k++) {
        int rc = wk_bc_stream_append(&co->s[k], buf[k], co->n);
        if (rc < 0) return rc;
    }
    co->n = 0;
    return 0;
}

static double total_loglik(const struct wk_bc_chain *ch, double *eta)
{
    size_t N = ch->data->N, T = ch->data->T, P = ch->P, p = P - 1;
    double s = 0;
    for (size_t i = 0; i < N; i++) {
        const double *y = ch->data->y + i * T;
        for (size_t t = 0; t < T; t++) {
            const double *x = ch->X + t * ch->D + (size_t)ch->z[i] * P;
            double v = ch->d[i] + x[0];
            for (size_t k = 0; k < p; k++) v += ch->c[i * p + k] * x[1 + k];
            eta[t] = v;
        }
        s += wk_bc_neuron_loglik(y, eta, T, ch->r[i]);
        for (size_t t = 0; t < T; t++) s -= lgamma(y[t] + 1.0);
    }
    return s;
}

static int distinct(const int *a, size_t n, size_t range)
{
    unsigned char seen[WK_BC_MAX_K * 8] = {0};
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if ((size_t)a[i] < range && !seen[a[i]]) seen[a[i]] = 1, k++;
    return k;
}

static int record_draw(struct chain_out *co, struct wk_bc_chain *ch, const struct run *R, double *eta)
{
    size_t j = co->n, N = R->N, T = R->T, P = R->P, p = R->p;
    int map[WK_BC_MAX_K * 8];
    int rc = wk_bc_relabel(ch, co->z + j * N, co->xi + j * T, map);
    if (rc < 0) return rc;
    co->K[j] = (int)ch->K;
    co->states[j] = distinct(ch->xi, T, ch->L);
    co->loglik[j] = total_loglik(ch, eta);
    if (R->o->save_params) {
        for (size_t i = 0; i < N; i++) {
            co->d[j * N + i] = (float)ch->d[i];
            co->r[j * N + i] = (float)ch->r[i];
            for (size_t k = 0; k < p; k++) co->c[(j * N + i) * p + k] = (float)ch->c[i * p + k];
        }
        float *lat = co->latent + j * R->kout * P * T;
        for (size_t q = 0; q < R->kout * P * T; q++) lat[q] = wk_nanf();
        for (size_t k = 0; k < ch->K; k++) {
            if ((size_t)map[k] >= R->kout) continue;
            for (size_t a = 0; a < P; a++)
                for (size_t t = 0; t < T; t++)
                    lat[((size_t)map[k] * P + a) * T + t] = (float)ch->X[t * ch->D + k * P + a];
        }
    }
    co->n++;
    return 0;
}

/* Run every chain up to iteration `until`, buffering kept draws. */
static int advance_chain(struct run *R, int c, long until)
{
    struct wk_bc_chain *ch = &R->chain[c];
    double *eta = wk_malloc_array(R->T, sizeof(double));
    int rc = eta ? 0 : WK_ENOMEM;
    while (!rc && ch->iteration < until) {
        rc = wk_bc_chain_sweep(ch);
        if (!rc && ch->iteration % R->o->thin == 0) rc = record_draw(&R->out[c], ch, R, eta);
    }
    free(eta);
    return rc;
}

/* ---- checkpoints: the chains' complete state plus the draws so far ---- */

static int save_chain_state(hid_t g, const struct wk_bc_chain *ch)
{
    size_t N = ch->data->N, T = ch->data->T, D = ch->D, L = ch->L, p = ch->P - 1;
    size_t d1[1];
    int rc = wk_h5_set_attr_long(g, "iteration", ch->iteration);
    if (!rc) rc = wk_h5_set_attr_long(g, "K", (long)ch->K);
    if (!rc) rc = wk_h5_set_attr_long(g, "have_ref", ch->have_ref);
#define PUT(fn, name, n, ptr) \
    if (!rc) { d1[0] = (n); rc = fn(g, name, 1, d1, ptr); }
    PUT(wk_h5_write_int, "z", N, ch->z)
    PUT(wk_h5_write_int, "xi", T, ch->xi)
    PUT(wk_h5_write_int, "ref_z", N, ch->ref_z)
    PUT(wk_h5_write_int, "ref_xi", T, ch->ref_xi)
    PUT(wk_h5_write_double, "X", T * D, ch->X)
    PUT(wk_h5_write_double, "d", N, ch->d)
    PUT(wk_h5_write_double, "c", N * p + 1, ch->c)
    PUT(wk_h5_write_double, "r", N, ch->r)
    PUT(wk_h5_write_double, "beta", L, ch->beta)
    PUT(wk_h5_write_double, "pi", L * L, ch->pi)
    PUT(wk_h5_write_double, "A", L * D * D, ch->A)
    PUT(wk_h5_write_double, "b", L * D, ch->b)
    PUT(wk_h5_write_double, "Q", L * D * D, ch->Q)
    PUT(wk_h5_write_uint8, "rng", gsl_rng_size(ch->rng), (const unsigned char *)gsl_rng_state(ch->rng))
#undef PUT
    return rc;
}

static int get_array(hid_t g, const char *name, const char *file, size_t want, int kind, void *dest)
{
    int rank;
    size_t dims[4];
    void *data = NULL;
    int rc = kind == 0   ? wk_h5_read_int(g, name, file, &rank, dims, (int **)&data)
             : kind == 1 ? wk_h5_read_double(g, name, file, &rank, dims, (double **)&data)
                         : wk_h5_read_uint8(g, name, file, &rank, dims, (unsigned char **)&data);
    if (rc < 0) return rc;
    if (rank != 1 || dims[0] != want) {
        free(data);
        return wk_fail(WK_EFORMAT, "'%s': checkpoint field %s has the wrong size", file, name);
    }
    memcpy(dest, data, want * (kind == 0 ? sizeof(int) : kind == 1 ? sizeof(double) : 1));
    free(data);
    return 0;
}

static int load_chain_state(struct wk_bc_chain *ch, hid_t g, const char *file)
{
    size_t N = ch->data->N, T = ch->data->T, L = ch->L, P = ch->P, p = P - 1;
    long iteration = 0, K = 0, have_ref = 0;
    int rc = wk_h5_get_attr_long(g, "iteration", &iteration);
    if (!rc) rc = wk_h5_get_attr_long(g, "K", &K);
    if (!rc) rc = wk_h5_get_attr_long(g, "have_ref", &have_ref);
    if (rc < 0 || K < 1 || K > WK_BC_MAX_K)
        return wk_fail(WK_EFORMAT, "'%s': checkpoint chain state is incomplete", file);
    int keep[WK_BC_MAX_K];
    for (long k = 0; k < K; k++) keep[k] = -1;
    double *zero = wk_calloc(T * P, sizeof(double));
    if (!zero) return WK_ENOMEM;
    rc = wk_bc_resize_clusters(ch, keep, (size_t)K, zero);
    free(zero);
    size_t D = ch->D;
    ch->iteration = iteration;
    ch->have_ref = (int)have_ref;
    if (!rc) rc = get_array(g, "z", file, N, 0, ch->z);
    if (!rc) rc = get_array(g, "xi", file, T, 0, ch->xi);
    if (!rc) rc = get_array(g, "ref_z", file, N, 0, ch->ref_z);
    if (!rc) rc = get_array(g, "ref_xi", file, T, 0, ch->ref_xi);
    if (!rc) rc = get_array(g, "X", file, T * D, 1, ch->X);
    if (!rc) rc = get_array(g, "d", file, N, 1, ch->d);
    if (!rc) rc = get_array(g, "c", file, N * p + 1, 1, ch->c);
    if (!rc) rc = get_array(g, "r", file, N, 1, ch->r);
    if (!rc) rc = get_array(g, "beta", file, L, 1, ch->beta);
    if (!rc) rc = get_array(g, "pi", file, L * L, 1, ch->pi);
    if (!rc) rc = get_array(g, "A", file, L * D * D, 1, ch->A);
    if (!rc) rc = get_array(g, "b", file, L * D, 1, ch->b);
    if (!rc) rc = get_array(g, "Q", file, L * D * D, 1, ch->Q);
    if (!rc) rc = get_array(g, "rng", file, gsl_rng_size(ch->rng), 2, gsl_rng_state(ch->rng));
    for (size_t i = 0; !rc && i < N; i++)
        if (ch->z[i] < 0 || ch->z[i] >= (int)K) rc = wk_fail(WK_EFORMAT, "'%s': checkpoint labels out of range", file);
    for (size_t t = 0; !rc && t < T; t++)
        if (ch->xi[t] < 0 || ch->xi[t] >= (int)L) rc = wk_fail(WK_EFORMAT, "'%s': checkpoint states out of range", file);
    return rc;
}

static int write_checkpoint(const struct run *R, struct wk_file *out, const char *path)
{
    if (H5Fflush(wk_file_hid(out), H5F_SCOPE_GLOBAL) < 0) return wk_h5_fail(wk_file_name(out), "flush");
    struct wk_file *ck;
    int rc = wk_file_create(&ck, path);
    if (rc < 0) return rc;
    rc = wk_file_copy_group(ck, out, "/results/bicluster");
    for (int c = 0; !rc && c < R->o->chains; c++) {
        char name[64];
        snprintf(name, sizeof name, "/checkpoint/chain%d", c);
        hid_t g;
        rc = wk_h5_ensure_group(wk_file_hid(ck), name, &g);
        if (rc < 0) break;
        rc = save_chain_state(g, &R->chain[c]);
        H5Gclose(g);
    }
    if (rc < 0) {
        wk_file_abort(ck);
        return rc;
    }
    return wk_file_commit(ck);
}

/* The run's identity: a resumed run must match it. */
static void run_signature(char *buf, size_t len, const struct run *R, unsigned long seed)
{
    const struct wk_bicluster_options *o = R->o;
    snprintf(buf, len, "N=%zu T=%zu chains=%d p=%d L=%d thin=%ld init=%d poisson=%d a=%.17g g=%.17g k=%.17g "
                       "rk=%.17g mg=%.17g params=%d seed=%lu",
             R->N, R->T, o->chains, o->latent_dim, o->states, o->thin, o->init_clusters, o->poisson, o->alpha,
             o->gamma, o->kappa, o->r_k, o->mfm_gamma, o->save_params, seed);
}

static int resume(struct run *R, struct wk_file *out, const char *path, const char *signature)
{
    struct wk_file *ck;
    int rc = wk_file_open(&ck, path);
    if (rc < 0) return rc;
    char *sig = NULL;
    hid_t root = wk_file_hid(ck);
    hid_t g = H5Gopen2(root, "/results/bicluster", H5P_DEFAULT);
    if (g < 0) rc = wk_fail(WK_EFORMAT, "'%s': not a worm-bicluster checkpoint", path);
    if (!rc && wk_h5_get_attr_string(g, "signature", &sig) < 0)
        rc = wk_fail(WK_EFORMAT, "'%s': not a worm-bicluster checkpoint", path);
    if (!rc && strcmp(sig, signature) != 0)
        rc = wk_fail(WK_EINVAL, "'%s': checkpoint of a different run (data, options or seed)", path);
    if (g >= 0) H5Gclose(g);
    free(sig);
    for (int c = 0; !rc && c < R->o->chains; c++) {
        char name[64];
        snprintf(name, sizeof name, "/checkpoint/chain%d", c);
        hid_t cg = H5Gopen2(root, name, H5P_DEFAULT);
        if (cg < 0) {
            rc = wk_fail(WK_EFORMAT, "'%s': checkpoint lacks %s", path, name);
            break;
        }
        rc = load_chain_state(&R->chain[c], cg, path);
        H5Gclose(cg);
    }
    if (!rc) rc = wk_file_copy_group(out, ck, "/results/bicluster");
    wk_file_close(ck);
    return rc;
}

/* ---- the run ---- */

static int write_header(struct run *R, hid_t g, const char *signature, unsigned long seed)
{
    const struct wk_bicluster_options *o = R->o;
    long burnin = o->burnin >= 0 ? o->burnin : o->iterations / 4;
    char seed_text[32];
    snprintf(seed_text, sizeof seed_text, "%lu", seed);
    int rc = wk_h5_set_attr_string(g, "model", o->poisson ? "poisson" : "negative-binomial");
    if (!rc) rc = wk_h5_set_attr_string(g, "recording", R->in.id);
    if (!rc) rc = wk_h5_set_attr_string(g, "signature", signature);
    if (!rc) rc = wk_h5_set_attr_string(g, "seed", seed_text);
    if (!rc) rc = wk_h5_set_attr_long(g, "iterations", o->iterations);
    if (!rc) rc = wk_h5_set_attr_long(g, "burnin", burnin);
    if (!rc) rc = wk_h5_set_attr_long(g, "thin", o->thin);
    if (!rc) rc = wk_h5_set_attr_long(g, "chains", o->chains);
    if (!rc) rc = wk_h5_set_attr_long(g, "latent_dim", o->latent_dim);
    if (!rc) rc = wk_h5_set_attr_long(g, "states", o->states);
    if (!rc) rc = wk_h5_write_strings(g, "neuron_label", R->N, R->in.label);
    if (!rc) {
        size_t dims[1] = {R->N};
        rc = wk_h5_write_int(g, "neuron_column", 1, dims, R->in.column);
    }
    return rc;
}

static int setup_output(struct run *R, struct wk_file *out, int resumed, const char *signature, unsigned long seed)
{
    hid_t root = wk_file_hid(out);
    int rc = 0;
    if (!resumed) {
        rc = wk_h5_ensure_group(root, "/results/bicluster", &R->group);
        if (!rc) rc = write_header(R, R->group, signature, seed);
    } else {
        R->group = H5Gopen2(root, "/results/bicluster", H5P_DEFAULT);
        if (R->group < 0) rc = wk_h5_fail(wk_file_name(out), "/results/bicluster");
        if (!rc) rc = wk_h5_set_attr_long(R->group, "iterations", R->o->iterations);
        if (!rc) rc = wk_h5_set_attr_long(R->group, "burnin", R->o->burnin >= 0 ? R->o->burnin : R->o->iterations / 4);
    }
    for (int c = 0; !rc && c < R->o->chains; c++) {
        char name[32];
        snprintf(name, sizeof name, "chain%d", c);
        hid_t g;
        if (!resumed)
            rc = wk_h5_ensure_group(R->group, name, &g);
        else if ((g = H5Gopen2(R->group, name, H5P_DEFAULT)) < 0)
            rc = wk_h5_fail(wk_file_name(out), name);
        if (rc < 0) break;
        rc = open_streams(&R->out[c], R, g, !resumed);
        H5Gclose(g);
    }
    return rc;
}

static int sample(struct run *R, struct wk_file *out, const struct wk_cli *cli, long start)
{
    const struct wk_bicluster_options *o = R->o;
    wk_cli_threads(cli); /* sets OpenMP's thread count */
    struct wk_progress *bar = wk_progress_start(cli, "sampling", (double)(o->iterations - start), "it");
    int rc = 0;
    for (long at = start; !rc && at < o->iterations;) {
        long until = at + BLOCK < o->iterations ? at + BLOCK : o->iterations;
        int failed = 0;
        #pragma omp parallel for schedule(static, 1) reduction(min : failed)
        for (int c = 0; c < o->chains; c++) {
            int e = advance_chain(R, c, until);
            if (e < failed) failed = e;
        }
        rc = failed;
        for (int c = 0; !rc && c < o->chains; c++) rc = flush_chain(&R->out[c], o->save_params);
        long before = at;
        at = until;
        if (!rc && o->checkpoint && (at == o->iterations || at / o->checkpoint_every > before / o->checkpoint_every))
            rc = write_checkpoint(R, out, o->checkpoint);
        wk_progress_update(bar, (double)(at - start));
    }
    wk_progress_finish(bar);
    return rc;
}

static int run_chains(struct run *R, struct wk_file *out, const struct wk_cli *cli)
{
    const struct wk_bicluster_options *o = R->o;
    char signature[512];
    run_signature(signature, sizeof signature, R, cli->seed);
    int rc = 0;
    for (int c = 0; !rc && c < o->chains; c++) {
        rc = wk_bc_chain_init(&R->chain[c], &R->in.data, o, wk_sim_stream_seed(cli->seed, (unsigned long)c));
        if (!rc) rc = alloc_buffers(&R->out[c], R);
    }
    int resumed = 0;
    if (!rc && o->checkpoint && access(o->checkpoint, F_OK) == 0) {
        rc = resume(R, out, o->checkpoint, signature);
        resumed = 1;
    }
    if (!rc) rc = setup_output(R, out, resumed, signature, cli->seed);
    long start = R->chain[0].iteration;
    for (int c = 1; !rc && c < o->chains; c++)
        if (R->chain[c].iteration != start) rc = wk_fail(WK_EFORMAT, "'%s': chains of the checkpoint disagree", o->checkpoint);
    if (!rc && start > o->iterations)
        rc = wk_fail(WK_EINVAL, "'%s': checkpoint is past --iterations %ld", o->checkpoint, o->iterations);
    if (!rc) rc = sample(R, out, cli, start);
    return rc;
}

int wk_bicluster_run(struct wk_file *output, const char *input, const struct wk_bicluster_options *o,
                     const struct wk_cli *cli)
{
    if (o->latent_dim < 0 || o->latent_dim > 7 || o->states < 1 || o->states > 200 || o->chains < 1 ||
        o->iterations < 1 || o->thin < 1)
        return wk_fail(WK_EINVAL, "bicluster: invalid options");
    struct run R;
    memset(&R, 0, sizeof R);
    R.o = o;
    R.group = -1;
    int rc = read_counts(&R.in, output, input ? input : "-", o->recording);
    if (rc < 0) {
        counts_free(&R.in);
        return rc;
    }
    R.N = R.in.data.N;
    R.T = R.in.data.T;
    R.p = (size_t)o->latent_dim;
    R.P = R.p + 1;
    R.kout = R.N / 2 > 0 ? R.N / 2 : 1;
    if (R.kout > WK_BC_MAX_K) R.kout = WK_BC_MAX_K;
    R.chain = wk_calloc((size_t)o->chains, sizeof *R.chain);
    R.out = wk_calloc((size_t)o->chains, sizeof *R.out);
    rc = R.chain && R.out ? 0 : WK_ENOMEM;
    if (!rc) rc = run_chains(&R, output, cli);
    for (int c = 0; R.chain && c < o->chains; c++) wk_bc_chain_free(&R.chain[c]);
    for (int c = 0; R.out && c < o->chains; c++) free_buffers(&R.out[c]);
    free(R.chain);
    free(R.out);
    if (R.group >= 0) H5Gclose(R.group);
    counts_free(&R.in);
    return rc;
}
