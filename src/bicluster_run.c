/* bicluster_run.c - worm-bicluster's driver: the counts of one recording,
 * the chains (spread over the MPI ranks, chain c on rank c % size, and over
 * each rank's threads; each chain has its own random stream derived from
 * the seed and its index, so the draws depend neither on the thread count
 * nor on the number of ranks), the draws streamed block by block to HDF5
 * by rank 0, checkpoints, and stopping on SIGTERM/SIGINT at a checkpoint. */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bicluster_internal.h"
#include "bicluster_stream.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_mpi.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_rng.h"
#include "wormkit/wk_simulate.h"
#include "wormkit/wk_util.h"

#define BLOCK 25 /* iterations between writes (blocks end at multiples of it) */

enum { TAG_DRAWS = 71, TAG_STATE, TAG_RESUME }; /* point-to-point messages to and from rank 0 */

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

/* Sizes of a chain's state (rng: bytes of the generator's state). */
struct shape {
    size_t N, T, L, P, rng;
};

/* Every rank holds the counts and its own chains (chain[c] is zeroed for
 * the others); rank 0 also holds the output and the draw buffers of all
 * chains. */
struct run {
    const struct wk_bicluster_options *o;
    struct counts in;
    size_t N, T, p, P, kout; /* kout: latent slots in the output (N/2 capped) */
    struct shape shape;
    struct wk_bc_chain *chain;
    struct chain_out *out;
    hid_t group;
};

static int chain_owner(int c) { return c % wk_mpi_size(); }
static int chain_is_local(int c) { return chain_owner(c) == wk_mpi_rank(); }

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

#define LOG_FACTORIALS 32

static double total_loglik(const struct wk_bc_chain *ch, double *eta)
{
    size_t N = ch->data->N, T = ch->data->T, P = ch->P, p = P - 1;
    double s = 0, log_factorial[LOG_FACTORIALS];
    for (size_t k = 0; k < LOG_FACTORIALS; k++) log_factorial[k] = lgamma((double)k + 1.0);
    for (size_t i = 0; i < N; i++) {
        const double *y = ch->data->y + i * T;
        for (size_t t = 0; t < T; t++) {
            const double *x = ch->X + t * ch->D + (size_t)ch->z[i] * P;
            double v = ch->d[i] + x[0];
            for (size_t k = 0; k < p; k++) v += ch->c[i * p + k] * x[1 + k];
            eta[t] = v;
        }
        s += wk_bc_neuron_loglik(y, eta, T, ch->r[i]);
        for (size_t t = 0; t < T; t++) {
            int small = y[t] >= 0 && y[t] < LOG_FACTORIALS && y[t] == floor(y[t]);
            s -= small ? log_factorial[(size_t)y[t]] : lgamma(y[t] + 1.0);
        }
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

/* ---- advancing the chains ---- */

/* Run chain c up to iteration `until`, buffering kept draws; when may_stop,
 * stop early once SIGTERM/SIGINT asked to (see agree_stop). */
static int advance_chain(struct run *R, int c, long until, int may_stop)
{
    struct wk_bc_chain *ch = &R->chain[c];
    double *eta = wk_malloc_array(R->T, sizeof(double));
    int rc = eta ? 0 : WK_ENOMEM;
    while (!rc && ch->iteration < until && !(may_stop && wk_file_stop_requested())) {
        rc = wk_bc_chain_sweep(ch);
        if (!rc && ch->iteration % R->o->thin == 0) rc = record_draw(&R->out[c], ch, R, eta);
    }
    free(eta);
    return rc;
}

/* This rank's chains, in parallel threads, the threads left over shared
 * among them for their per-neuron work (nested); the agreed worst error. */
static int advance_local(struct run *R, long until, int may_stop)
{
    int rank = wk_mpi_rank(), size = wk_mpi_size();
    int local = R->o->chains > rank ? (R->o->chains - rank + size - 1) / size : 0;
    int threads = omp_get_max_threads(), each = local > 0 && threads > local ? threads / local : 1;
    for (int j = 0; j < local; j++) R->chain[rank + j * size].threads = each;
    int failed = 0;
    if (local == 1) {
        failed = advance_chain(R, rank, until, may_stop);
        return wk_mpi_agree_error(failed < 0 ? failed : 0);
    }
    if (each > 1) omp_set_max_active_levels(2);
    #pragma omp parallel for schedule(static, 1) num_threads(local < threads ? local : threads) reduction(min : failed)
    for (int j = 0; j < local; j++) {
        int e = advance_chain(R, rank + j * size, until, may_stop);
        if (e < failed) failed = e;
    }
    return wk_mpi_agree_error(failed);
}

/* After a block: the signal that asked any rank to stop, or 0.  The chains
 * may then have stopped at different iterations; all go on (without
 * polling) to the furthest one, *until, so the checkpoint holds every chain
 * at the same iteration. */
static int agree_stop(struct run *R, int *stop, long *until)
{
    int sig = wk_file_stop_requested();
    int rc = wk_mpi_allreduce_max_int(&sig, 1);
    *stop = rc ? 0 : sig;
    if (rc || !sig) return rc;
    double reach = 0; /* iterations are exact in a double */
    for (int c = 0; c < R->o->chains; c++)
        if (chain_is_local(c) && (double)R->chain[c].iteration > reach) reach = (double)R->chain[c].iteration;
    rc = wk_mpi_allreduce_max_double(&reach, 1);
    if (rc < 0) return rc;
    *until = (long)reach;
    return advance_local(R, *until, 0);
}

/* ---- draws: each rank sends its chains' block to rank 0, which writes
 * the chains in order ---- */

static void draw_layout(const struct chain_out *co, const struct run *R, void *buf[N_STREAMS], size_t row[N_STREAMS],
                        size_t elem[N_STREAMS])
{
    void *b[N_STREAMS] = {co->K, co->states, co->loglik, co->z, co->xi, co->d, co->c, co->r, co->latent};
    size_t r[N_STREAMS] = {1, 1, 1, R->N, R->T, R->N, R->N * R->p, R->N, R->kout * R->P * R->T};
    size_t e[N_STREAMS] = {sizeof(int),   sizeof(int),   sizeof(double), sizeof(int), sizeof(int),
                           sizeof(float), sizeof(float), sizeof(float),  sizeof(float)};
    memcpy(buf, b, sizeof b);
    memcpy(row, r, sizeof r);
    memcpy(elem, e, sizeof e);
}

static int send_draws(struct chain_out *co, const struct run *R)
{
    void *buf[N_STREAMS];
    size_t row[N_STREAMS], elem[N_STREAMS];
    draw_layout(co, R, buf, row, elem);
    int64_t n = (int64_t)co->n;
    int rc = wk_mpi_send_bytes(&n, sizeof n, 0, TAG_DRAWS);
    int streams = R->o->save_params ? N_STREAMS : S_D;
    for (int k = 0; !rc && k < streams; k++) rc = wk_mpi_send_bytes(buf[k], co->n * row[k] * elem[k], 0, TAG_DRAWS);
    co->n = 0;
    return rc;
}

static int recv_draws(struct chain_out *co, const struct run *R, int from)
{
    void *buf[N_STREAMS];
    size_t row[N_STREAMS], elem[N_STREAMS];
    draw_layout(co, R, buf, row, elem);
    int64_t n = 0;
    int rc = wk_mpi_recv_bytes(&n, sizeof n, from, TAG_DRAWS);
    if (!rc && (n < 0 || n > BLOCK)) rc = wk_fail(WK_EIO, "MPI: rank %d sent a block of %lld draws", from, (long long)n);
    int streams = R->o->save_params ? N_STREAMS : S_D;
    for (int k = 0; !rc && k < streams; k++) rc = wk_mpi_recv_bytes(buf[k], (size_t)n * row[k] * elem[k], from, TAG_DRAWS);
    co->n = rc ? 0 : (size_t)n;
    return rc;
}

static int write_draws(struct run *R)
{
    int rank = wk_mpi_rank(), rc = 0;
    for (int c = 0; c < R->o->chains; c++) {
        int from = chain_owner(c);
        if (rank == 0) {
            /* keep receiving after a failure: the senders must not block */
            int e = from != 0 ? recv_draws(&R->out[c], R, from) : 0;
            if (!rc) rc = e;
            if (!rc) rc = flush_chain(&R->out[c], R->o->save_params);
        } else if (from == rank) {
            int e = send_draws(&R->out[c], R);
            if (!rc) rc = e;
        }
    }
    return wk_mpi_agree_error(rc);
}

/* ---- a chain's complete state, packed into bytes (to travel between
 * ranks) and stored as one checkpoint group per chain ---- */

enum { F_X, F_D, F_C, F_R, F_BETA, F_PI, F_A, F_B, F_Q, F_Z, F_XI, F_REF_Z, F_REF_XI, F_RNG, N_FIELDS };
static const char *const field_name[N_FIELDS] = {"X", "d",  "c",  "r",     "beta",   "pi", "A",
                                                 "b", "Q",  "z",  "xi",    "ref_z",  "ref_xi", "rng"};
enum { KIND_INT, KIND_DOUBLE, KIND_BYTE };
static const int field_kind[N_FIELDS] = {KIND_DOUBLE, KIND_DOUBLE, KIND_DOUBLE, KIND_DOUBLE, KIND_DOUBLE,
                                         KIND_DOUBLE, KIND_DOUBLE, KIND_DOUBLE, KIND_DOUBLE, KIND_INT,
                                         KIND_INT,    KIND_INT,    KIND_INT,    KIND_BYTE};
/* header: iteration, K, have_ref, unused */
#define STATE_HEAD 4

static size_t kind_size(int kind) { return kind == KIND_INT ? sizeof(int) : kind == KIND_DOUBLE ? sizeof(double) : 1; }

/* Element counts and byte offsets of the fields for K clusters (doubles
 * first, so every field is aligned); the packed size. */
static size_t state_layout(size_t count[N_FIELDS], size_t offset[N_FIELDS], const struct shape *s, size_t K)
{
    size_t N = s->N, T = s->T, L = s->L, D = K * s->P, p = s->P - 1;
    const size_t n[N_FIELDS] = {T * D, N, N * p + 1, N, L, L * L, L * D * D, L * D, L * D * D, N, T, N, T, s->rng};
    size_t at = STATE_HEAD * sizeof(int64_t);
    for (int f = 0; f < N_FIELDS; f++) {
        count[f] = n[f];
        offset[f] = at;
        at += n[f] * kind_size(field_kind[f]);
    }
    return at;
}

static void chain_fields(void *ptr[N_FIELDS], const struct wk_bc_chain *ch)
{
    void *v[N_FIELDS] = {ch->X, ch->d, ch->c, ch->r, ch->beta, ch->pi, ch->A, ch->b, ch->Q,
                         ch->z, ch->xi, ch->ref_z, ch->ref_xi, gsl_rng_state(ch->rng)};
    memcpy(ptr, v, sizeof v);
}

struct state {
    unsigned char *bytes;
    size_t size;
};

static int pack_state(struct state *st, const struct wk_bc_chain *ch, const struct shape *s)
{
    size_t count[N_FIELDS], offset[N_FIELDS];
    st->size = state_layout(count, offset, s, ch->K);
    st->bytes = wk_malloc_array(st->size, 1);
    if (!st->bytes) return WK_ENOMEM;
    int64_t head[STATE_HEAD] = {ch->iteration, (int64_t)ch->K, ch->have_ref, 0};
    memcpy(st->bytes, head, sizeof head);
    void *ptr[N_FIELDS];
    chain_fields(ptr, ch);
    for (int f = 0; f < N_FIELDS; f++) memcpy(st->bytes + offset[f], ptr[f], count[f] * kind_size(field_kind[f]));
    return 0;
}

static int state_head(int64_t head[STATE_HEAD], const struct state *st, const char *file)
{
    if (st->size < STATE_HEAD * sizeof(int64_t)) return wk_fail(WK_EFORMAT, "'%s': checkpoint chain state is incomplete", file);
    memcpy(head, st->bytes, STATE_HEAD * sizeof(int64_t));
    if (head[0] < 0 || head[1] < 1 || head[1] > WK_BC_MAX_K)
        return wk_fail(WK_EFORMAT, "'%s': checkpoint chain state is incomplete", file);
    return 0;
}

static int unpack_state(struct wk_bc_chain *ch, const struct state *st, const struct shape *s, const char *file)
{
    int64_t head[STATE_HEAD];
    int rc = state_head(head, st, file);
    if (rc < 0) return rc;
    size_t K = (size_t)head[1], count[N_FIELDS], offset[N_FIELDS];
    if (state_layout(count, offset, s, K) != st->size)
        return wk_fail(WK_EFORMAT, "'%s': checkpoint chain state has the wrong size", file);
    int keep[WK_BC_MAX_K];
    for (size_t k = 0; k < K; k++) keep[k] = -1;
    double *zero = wk_calloc(s->T * s->P, sizeof(double));
    if (!zero) return WK_ENOMEM;
    rc = wk_bc_resize_clusters(ch, keep, K, zero);
    free(zero);
    if (rc < 0) return rc;
    ch->iteration = (long)head[0];
    ch->have_ref = (int)head[2];
    void *ptr[N_FIELDS];
    chain_fields(ptr, ch);
    for (int f = 0; f < N_FIELDS; f++) memcpy(ptr[f], st->bytes + offset[f], count[f] * kind_size(field_kind[f]));
    for (size_t i = 0; i < s->N; i++)
        if (ch->z[i] < 0 || ch->z[i] >= (int)K) return wk_fail(WK_EFORMAT, "'%s': checkpoint labels out of range", file);
    for (size_t t = 0; t < s->T; t++)
        if (ch->xi[t] < 0 || ch->xi[t] >= (int)s->L)
            return wk_fail(WK_EFORMAT, "'%s': checkpoint states out of range", file);
    return 0;
}

static int save_state(hid_t g, const struct state *st, const struct shape *s)
{
    int64_t head[STATE_HEAD];
    memcpy(head, st->bytes, sizeof head);
    size_t count[N_FIELDS], offset[N_FIELDS];
    state_layout(count, offset, s, (size_t)head[1]);
    int rc = wk_h5_set_attr_long(g, "iteration", (long)head[0]);
    if (!rc) rc = wk_h5_set_attr_long(g, "K", (long)head[1]);
    if (!rc) rc = wk_h5_set_attr_long(g, "have_ref", (long)head[2]);
    for (int f = 0; !rc && f < N_FIELDS; f++) {
        const void *p = st->bytes + offset[f];
        size_t dims[1] = {count[f]};
        rc = field_kind[f] == KIND_INT      ? wk_h5_write_int(g, field_name[f], 1, dims, p)
             : field_kind[f] == KIND_DOUBLE ? wk_h5_write_double(g, field_name[f], 1, dims, p)
                                            : wk_h5_write_uint8(g, field_name[f], 1, dims, p);
    }
    return rc;
}

static int get_array(hid_t g, const char *name, const char *file, size_t want, int kind, void *dest)
{
    int rank;
    size_t dims[4];
    void *data = NULL;
    int rc = kind == KIND_INT      ? wk_h5_read_int(g, name, file, &rank, dims, (int **)&data)
             : kind == KIND_DOUBLE ? wk_h5_read_double(g, name, file, &rank, dims, (double **)&data)
                                   : wk_h5_read_uint8(g, name, file, &rank, dims, (unsigned char **)&data);
    if (rc < 0) return rc;
    if (rank != 1 || dims[0] != want) {
        free(data);
        return wk_fail(WK_EFORMAT, "'%s': checkpoint field %s has the wrong size", file, name);
    }
    memcpy(dest, data, want * kind_size(kind));
    free(data);
    return 0;
}

static int load_state(struct state *st, hid_t g, const char *file, const struct shape *s)
{
    long head[3];
    static const char *const attr[3] = {"iteration", "K", "have_ref"};
    for (int k = 0; k < 3; k++)
        if (wk_h5_get_attr_long(g, attr[k], &head[k]) < 0)
            return wk_fail(WK_EFORMAT, "'%s': checkpoint chain state is incomplete", file);
    if (head[0] < 0 || head[1] < 1 || head[1] > WK_BC_MAX_K)
        return wk_fail(WK_EFORMAT, "'%s': checkpoint chain state is incomplete", file);
    size_t count[N_FIELDS], offset[N_FIELDS];
    st->size = state_layout(count, offset, s, (size_t)head[1]);
    st->bytes = wk_malloc_array(st->size, 1);
    if (!st->bytes) return WK_ENOMEM;
    int64_t h64[STATE_HEAD] = {head[0], head[1], head[2], 0};
    memcpy(st->bytes, h64, sizeof h64);
    int rc = 0;
    for (int f = 0; !rc && f < N_FIELDS; f++)
        rc = get_array(g, field_name[f], file, count[f], field_kind[f], st->bytes + offset[f]);
    return rc;
}

static void states_free(struct state *st, int n)
{
    for (int c = 0; st && c < n; c++) free(st[c].bytes);
    free(st);
}

/* Rank 0 gets every chain's packed state (in st[c]); other ranks send
 * theirs.  A rank that cannot pack sends an empty state. */
static int gather_states(struct state *st, const struct run *R)
{
    int rank = wk_mpi_rank(), rc = 0;
    for (int c = 0; c < R->o->chains; c++) {
        int from = chain_owner(c);
        if (from == rank) {
            struct state mine = {NULL, 0};
            int e = pack_state(&mine, &R->chain[c], &R->shape);
            if (rank == 0) {
                st[c] = mine;
            } else {
                int64_t size = e ? 0 : (int64_t)mine.size;
                int m = wk_mpi_send_bytes(&size, sizeof size, 0, TAG_STATE);
                if (!m && size) m = wk_mpi_send_bytes(mine.bytes, mine.size, 0, TAG_STATE);
                free(mine.bytes);
                if (!e) e = m;
            }
            if (!rc) rc = e;
        } else if (rank == 0) {
            int64_t size = 0;
            int e = wk_mpi_recv_bytes(&size, sizeof size, from, TAG_STATE);
            if (!e && size > 0) {
                st[c].size = (size_t)size;
                st[c].bytes = wk_malloc_array(st[c].size, 1);
                e = st[c].bytes ? wk_mpi_recv_bytes(st[c].bytes, st[c].size, from, TAG_STATE) : WK_ENOMEM;
            } else if (!e) {
                e = WK_ENOMEM; /* the sender logged why */
            }
            if (!rc) rc = e;
        }
    }
    return rc;
}

/* The checkpoint: the draws so far (/results/bicluster) and every chain's
 * state; rank 0 writes it after gathering the states. */
static int write_checkpoint(const struct run *R, struct wk_file *out, const char *path)
{
    int chains = R->o->chains;
    struct state *st = wk_calloc((size_t)chains, sizeof *st);
    int rc = st ? 0 : WK_ENOMEM;
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = wk_mpi_agree_error(gather_states(st, R));
    if (!rc && wk_mpi_rank() == 0) {
        struct wk_file *ck = NULL;
        if (H5Fflush(wk_file_hid(out), H5F_SCOPE_GLOBAL) < 0) rc = wk_h5_fail(wk_file_name(out), "flush");
        if (!rc) rc = wk_file_create(&ck, path);
        if (!rc) rc = wk_file_copy_group(ck, out, "/results/bicluster");
        for (int c = 0; !rc && c < chains; c++) {
            char name[64];
            snprintf(name, sizeof name, "/checkpoint/chain%d", c);
            hid_t g;
            rc = wk_h5_ensure_group(wk_file_hid(ck), name, &g);
            if (rc < 0) break;
            rc = save_state(g, &st[c], &R->shape);
            H5Gclose(g);
        }
        if (rc < 0)
            wk_file_abort(ck);
        else
            rc = wk_file_commit(ck);
    }
    states_free(st, chains);
    return wk_mpi_agree_error(rc);
}

/* The run's identity: a resumed run must match it. */
static void run_signature(char *buf, size_t len, const struct run *R, unsigned long seed)
{
    const struct wk_bicluster_options *o = R->o;
    /* one start K (or none) keeps the form of older checkpoints: init=K */
    char init[WK_BICLUSTER_MAX_STARTS * 4 + 2] = "0";
    for (int k = 0, used = 0; k < o->n_init_clusters; k++)
        used += snprintf(init + used, sizeof init - (size_t)used, "%s%d", k ? "," : "", o->init_clusters[k]);
    /* x0=step: the first bin steps from X_{-1} (checkpoints of builds
     * before that sampled another model) */
    snprintf(buf, len, "N=%zu T=%zu chains=%d p=%d L=%d thin=%ld init=%s poisson=%d a=%.17g g=%.17g k=%.17g "
                       "rk=%.17g mg=%.17g params=%d seed=%lu rng=%s x0=step",
             R->N, R->T, o->chains, o->latent_dim, o->states, o->thin, init, o->poisson, o->alpha, o->gamma,
             o->kappa, o->r_k, o->mfm_gamma, o->save_params, seed, wk_rng_xoshiro256->name);
    size_t used = strlen(buf);
    if (o->split_merge > 0 && used < len) used += (size_t)snprintf(buf + used, len - used, " sm=%d", o->split_merge);
    if (o->collapsed_states && used < len) snprintf(buf + used, len - used, " collapsed=1");
}

/* Rank 0: check the checkpoint's identity, read every chain's state into
 * st[], copy the draws so far into the output. */
static int read_checkpoint(struct state *st, const struct run *R, struct wk_file *out, const char *path,
                           const char *signature)
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
        rc = load_state(&st[c], cg, path, &R->shape);
        H5Gclose(cg);
    }
    for (int c = 1; !rc && c < R->o->chains; c++)
        if (memcmp(st[c].bytes, st[0].bytes, sizeof(int64_t)) != 0)
            rc = wk_fail(WK_EFORMAT, "'%s': chains of the checkpoint disagree", path);
    if (!rc) rc = wk_file_copy_group(out, ck, "/results/bicluster");
    wk_file_close(ck);
    return rc;
}

/* Resume every chain from the checkpoint: rank 0 reads it and sends each
 * rank its chains' states. */
static int resume(struct run *R, struct wk_file *out, const char *path, const char *signature)
{
    int rank = wk_mpi_rank(), chains = R->o->chains;
    struct state *st = wk_calloc((size_t)chains, sizeof *st);
    int rc = st ? 0 : WK_ENOMEM;
    if (!rc && rank == 0) rc = read_checkpoint(st, R, out, path, signature);
    rc = wk_mpi_agree_error(rc);
    for (int c = 0; !rc && c < chains; c++) {
        int to = chain_owner(c);
        if (to == 0 && rank == 0) {
            rc = unpack_state(&R->chain[c], &st[c], &R->shape, path);
        } else if (rank == 0) {
            int64_t size = (int64_t)st[c].size;
            rc = wk_mpi_send_bytes(&size, sizeof size, to, TAG_RESUME);
            if (!rc) rc = wk_mpi_send_bytes(st[c].bytes, st[c].size, to, TAG_RESUME);
        } else if (to == rank) {
            int64_t size = 0;
            rc = wk_mpi_recv_bytes(&size, sizeof size, 0, TAG_RESUME);
            if (!rc) {
                st[c].size = (size_t)size;
                st[c].bytes = wk_malloc_array(st[c].size ? st[c].size : 1, 1);
                rc = st[c].bytes ? wk_mpi_recv_bytes(st[c].bytes, st[c].size, 0, TAG_RESUME) : WK_ENOMEM;
            }
            if (!rc) rc = unpack_state(&R->chain[c], &st[c], &R->shape, path);
        }
    }
    states_free(st, chains);
    return wk_mpi_agree_error(rc);
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

/* Sample from `start` to the end in blocks; with a checkpoint, a stop
 * request (on any rank) ends the run early, at a checkpoint. */
static int sample(struct run *R, struct wk_file *out, const struct wk_cli *cli, long start)
{
    const struct wk_bicluster_options *o = R->o;
    int root = wk_mpi_rank() == 0;
    wk_cli_threads(cli); /* sets OpenMP's thread count */
    struct wk_progress *bar =
        root ? wk_progress_start(cli, "sampling", (double)(o->iterations - start), "it") : NULL;
    int rc = 0, stop = 0;
    long at = start;
    while (!rc && !stop && at < o->iterations) {
        long until = (at / BLOCK + 1) * BLOCK < o->iterations ? (at / BLOCK + 1) * BLOCK : o->iterations;
        rc = advance_local(R, until, o->checkpoint != NULL);
        if (!rc && o->checkpoint) rc = agree_stop(R, &stop, &until);
        if (!rc) rc = write_draws(R);
        long before = at;
        at = until;
        if (!rc && o->checkpoint && (stop || at == o->iterations || at / o->checkpoint_every > before / o->checkpoint_every))
            rc = write_checkpoint(R, out, o->checkpoint);
        wk_progress_update(bar, (double)(at - start));
    }
    wk_progress_finish(bar);
    if (!rc && !stop && o->checkpoint) { /* asked during the last block's writes: the final checkpoint is there */
        stop = wk_file_stop_requested();
        rc = wk_mpi_allreduce_max_int(&stop, 1);
    }
    if (!rc && stop && root)
        wk_log(WK_LOG_WARN, "stopped by signal %d at iteration %ld; checkpoint '%s' saved; rerun the same command to resume",
               stop, at, o->checkpoint);
    return rc;
}

/* Clusters at the start of chain c (0: by the eigengap). */
static int start_clusters(const struct wk_bicluster_options *o, int c)
{
    return o->n_init_clusters > 0 ? o->init_clusters[c % o->n_init_clusters] : 0;
}

static int init_chains(struct run *R, const struct wk_cli *cli, int resuming)
{
    const struct wk_bicluster_options *o = R->o;
    int rc = 0;
    for (int c = 0; !rc && c < o->chains; c++) {
        if (chain_is_local(c)) {
            rc = wk_bc_chain_init(&R->chain[c], &R->in.data, o, start_clusters(o, c),
                                  wk_sim_stream_seed(cli->seed, (unsigned long)c), resuming);
            if (!rc && !resuming)
                wk_log(WK_LOG_INFO, "chain %d starts from %zu clusters (%s)", c, R->chain[c].K,
                       start_clusters(o, c) > 0 ? "--init-clusters" : "eigengap");
            if (!rc && !R->shape.rng) R->shape.rng = gsl_rng_size(R->chain[c].rng);
        }
        if (!rc && (chain_is_local(c) || wk_mpi_rank() == 0)) rc = alloc_buffers(&R->out[c], R);
    }
    return wk_mpi_agree_error(rc);
}

static int run_chains(struct run *R, struct wk_file *out, const struct wk_cli *cli)
{
    const struct wk_bicluster_options *o = R->o;
    int root = wk_mpi_rank() == 0;
    char signature[512];
    run_signature(signature, sizeof signature, R, cli->seed);
    R->shape = (struct shape){R->N, R->T, (size_t)o->states, R->P, 0};
    int resumed = root && o->checkpoint && access(o->checkpoint, F_OK) == 0;
    int rc = wk_mpi_bcast(&resumed, sizeof resumed, 0);
    if (!rc) rc = init_chains(R, cli, resumed);
    if (!rc && resumed) rc = resume(R, out, o->checkpoint, signature);
    if (!rc && root) rc = setup_output(R, out, resumed, signature, cli->seed);
    rc = wk_mpi_agree_error(rc);
    double start = 0;
    for (int c = 0; c < o->chains; c++)
        if (chain_is_local(c)) start = (double)R->chain[c].iteration;
    if (!rc) rc = wk_mpi_allreduce_max_double(&start, 1);
    if (!rc && start > (double)o->iterations && root)
        rc = wk_fail(WK_EINVAL, "'%s': checkpoint is past --iterations %ld", o->checkpoint, o->iterations);
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = sample(R, out, cli, (long)start);
    return rc;
}

/* Rank 0 has read the counts (the input may be stdin); the others get
 * their size and values. */
static int share_counts(struct counts *c)
{
    uint64_t size[2] = {c->data.N, c->data.T};
    int rc = wk_mpi_bcast(size, sizeof size, 0);
    if (rc < 0) return rc;
    if (wk_mpi_rank() != 0) {
        c->data.N = (size_t)size[0];
        c->data.T = (size_t)size[1];
        c->y = wk_malloc_array(c->data.N * c->data.T, sizeof(double));
        c->data.y = c->y;
        rc = c->y ? 0 : WK_ENOMEM;
    }
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = wk_mpi_bcast(c->y, c->data.N * c->data.T * sizeof(double), 0);
    return rc;
}

/* Every rank calls this with the same options; `output` is rank 0's (NULL
 * on the others).  After a stop request (with a checkpoint) the run ends
 * early at a checkpoint and returns 0 with wk_file_stop_requested() or
 * another rank's request pending: the caller abandons the output. */
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
    int rc = wk_mpi_rank() == 0 ? read_counts(&R.in, output, input ? input : "-", o->recording) : 0;
    rc = wk_mpi_agree_error(rc);
    if (!rc) rc = share_counts(&R.in);
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
    rc = wk_mpi_agree_error(R.chain && R.out ? 0 : WK_ENOMEM);
    if (!rc) rc = run_chains(&R, output, cli);
    for (int c = 0; R.chain && c < o->chains; c++) wk_bc_chain_free(&R.chain[c]);
    for (int c = 0; R.out && c < o->chains; c++) free_buffers(&R.out[c]);
    free(R.chain);
    free(R.out);
    if (R.group >= 0) H5Gclose(R.group);
    counts_free(&R.in);
    return rc;
}
