/* bicluster_sampler.c - one chain of the worm-bicluster Gibbs sampler: its
 * state, its initialisation, and the blocks that touch the latents and the
 * per-neuron parameters (Polya-Gamma augmentation, latent trajectories,
 * loadings, dispersion, the identifiability projection). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>

#include "bicluster_internal.h"
#include "vector_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_pg.h"
#include "wormkit/wk_rng.h"
#include "wormkit/wk_util.h"

#define POISSON_R 100.0     /* the Poisson option: NB with this fixed dispersion */
#define INITIAL_R 5.0
#define INITIAL_Q 0.01
/* Iterations that keep the initial state sequence while the latents and
 * dynamics adapt to it (a start-up phase, before the Gibbs chain proper). */
#define STATE_WARMUP 10
#define PG_SHAPES 32 /* counts 0..31: Polya-Gamma shapes kept per neuron */

static size_t p_of(const struct wk_bc_chain *ch)
{
    return ch->P - 1;
}

/* eta[t] of neuron i under its cluster's block. */
static void neuron_eta(const struct wk_bc_chain *ch, size_t i, double *eta)
{
    size_t T = ch->data->T, P = ch->P, D = ch->D, p = p_of(ch);
    const double *ci = ch->c + i * p;
    size_t off = (size_t)ch->z[i] * P;
    for (size_t t = 0; t < T; t++) {
        const double *x = ch->X + t * D + off;
        double v = ch->d[i] + x[0];
        for (size_t k = 0; k < p; k++) v += ci[k] * x[1 + k];
        eta[t] = v;
    }
}

/* lgamma(y + r) - lgamma(r) for counts y < LGAMMA_TABLE, by the sum of
 * log(r + k), k < y (within a few ulp of the lgamma difference). */
#define LGAMMA_TABLE 32

static void lgamma_ratios(double *table, double r)
{
    table[0] = 0.0;
    for (size_t k = 1; k < LGAMMA_TABLE; k++) table[k] = table[k - 1] + log(r + (double)(k - 1));
}

/* Log-means past +-700 are clamped there (wk_fast_exp's range). */
WK_INLINE static double clamp_log_mean(double e)
{
    return e < -700.0 ? -700.0 : e > 700.0 ? 700.0 : e;
}

/* eta[t] <- y_t eta_t - (r + y_t) log(r + e^eta_t), vectorized. */
WK_VECTOR_CLONES static void nb_eta_terms(double *restrict eta, const double *restrict y, size_t T, double r)
{
#pragma omp simd
    for (size_t t = 0; t < T; t++) eta[t] = clamp_log_mean(eta[t]);
#pragma omp simd
    for (size_t t = 0; t < T; t++) eta[t] = y[t] * eta[t] - (r + y[t]) * wk_fast_log(r + wk_fast_exp(eta[t]));
}

double wk_bc_neuron_loglik(const double *y, double *eta, size_t T, double r)
{
    double table[LGAMMA_TABLE], lgr = lgamma(r), rlogr = r * log(r), s = 0;
    lgamma_ratios(table, r);
    nb_eta_terms(eta, y, T, r);
    for (size_t t = 0; t < T; t++) {
        double yt = y[t];
        double ratio = yt >= 0 && yt < LGAMMA_TABLE && yt == floor(yt) ? table[(size_t)yt] : lgamma(yt + r) - lgr;
        s += ratio + rlogr + eta[t];
    }
    return s;
}

/* ---- initialisation ---- */

static void set_identity_dynamics(struct wk_bc_chain *ch)
{
    size_t D = ch->D;
    memset(ch->A, 0, ch->L * D * D * sizeof(double));
    memset(ch->b, 0, ch->L * D * sizeof(double));
    memset(ch->Q, 0, ch->L * D * D * sizeof(double));
    for (size_t l = 0; l < ch->L; l++)
        for (size_t i = 0; i < D; i++) {
            ch->A[l * D * D + i * D + i] = 1.0;
            ch->Q[l * D * D + i * D + i] = INITIAL_Q;
        }
}

static int alloc_dynamics(struct wk_bc_chain *ch)
{
    size_t D = ch->D, T = ch->data->T;
    free(ch->A);
    free(ch->b);
    free(ch->Q);
    free(ch->X);
    ch->A = wk_malloc_array(ch->L * D, D * sizeof(double));
    ch->b = wk_malloc_array(ch->L, D * sizeof(double));
    ch->Q = wk_malloc_array(ch->L * D, D * sizeof(double));
    ch->X = wk_calloc(T, D * sizeof(double));
    return ch->A && ch->b && ch->Q && ch->X ? 0 : WK_ENOMEM;
}

/* Standardized log(1 + y) smoothed over 5 bins: the rows k-means sees. */
static double *standardized_rows(const struct wk_bc_data *data)
{
    size_t N = data->N, T = data->T;
    double *s = wk_malloc_array(N * T, sizeof(double)), *logy = wk_malloc_array(T, sizeof(double));
    if (!s || !logy) {
        free(s), free(logy);
        return NULL;
    }
    for (size_t i = 0; i < N; i++) {
        double *row = s + i * T, mean = 0, ss = 0;
        for (size_t t = 0; t < T; t++) logy[t] = log1p(data->y[i * T + t]);
        wk_bc_centred_mean(row, logy, T, 2);
        for (size_t t = 0; t < T; t++) mean += row[t];
        mean /= (double)T;
        for (size_t t = 0; t < T; t++) ss += (row[t] - mean) * (row[t] - mean);
        double sd = ss > 0 ? sqrt(ss / (double)T) : 1.0;
        for (size_t t = 0; t < T; t++) row[t] = (row[t] - mean) / sd;
    }
    free(logy);
    return s;
}

/* Initial labels by sparse subspace clustering of the smoothed rows into
 * K clusters, or, when K is 0, as many as the eigengap says (at most
 * min(kmax, 8)). */
static int initial_labels(struct wk_bc_chain *ch, size_t K, size_t kmax)
{
    size_t N = ch->data->N, T = ch->data->T, top = K > 0 ? K : kmax < 8 ? kmax : 8;
    double *s = standardized_rows(ch->data);
    if (!s) return WK_ENOMEM;
    int rc = wk_bc_subspace_labels(ch->z, &ch->K, s, N, T, 2 * ch->P, K, top, ch->rng);
    free(s);
    return rc;
}

/* Initial states: two, by the segmentation of bicluster_segment.c. */
static int initial_states(struct wk_bc_chain *ch)
{
    if (ch->L < 2) {
        memset(ch->xi, 0, ch->data->T * sizeof *ch->xi);
        return 0;
    }
    return wk_bc_initial_states(ch->xi, ch->data);
}

int wk_bc_chain_init(struct wk_bc_chain *ch, const struct wk_bc_data *data, const struct wk_bicluster_options *o,
                     int k_start, unsigned long seed, int resuming)
{
    memset(ch, 0, sizeof *ch);
    ch->data = data;
    ch->o = *o;
    size_t N = data->N, T = data->T, p = (size_t)o->latent_dim;
    ch->P = p + 1;
    ch->L = (size_t)o->states;
    ch->rng = gsl_rng_alloc(wk_rng_xoshiro256);
    ch->z = wk_calloc(N, sizeof(int));
    ch->d = wk_calloc(N, sizeof(double));
    ch->c = wk_calloc(N * p + 1, sizeof(double));
    ch->r = wk_calloc(N, sizeof(double));
    ch->xi = wk_calloc(T, sizeof(int));
    ch->beta = wk_calloc(ch->L, sizeof(double));
    ch->pi = wk_calloc(ch->L * ch->L, sizeof(double));
    ch->w = wk_calloc(N * T, sizeof(double));
    ch->logv = wk_calloc(N + 2, sizeof(double));
    ch->ref_z = wk_calloc(N, sizeof(int));
    ch->ref_xi = wk_calloc(T, sizeof(int));
    ch->threads = 1;
    if (!ch->rng || !ch->z || !ch->d || !ch->c || !ch->r || !ch->xi || !ch->beta || !ch->pi || !ch->w ||
        !ch->logv || !ch->ref_z || !ch->ref_xi)
        return WK_ENOMEM;
    gsl_rng_set(ch->rng, seed);
    size_t kmax = N / 2 > 0 ? N / 2 : 1;
    if (kmax > WK_BC_MAX_K) kmax = WK_BC_MAX_K;
    int rc = wk_bicluster_mfm_logv(ch->logv, N, kmax, o->r_k, o->mfm_gamma);
    size_t K0 = k_start > 0 ? (size_t)k_start : 0;
    if (K0 > kmax) K0 = kmax;
    if (!rc && resuming)
        ch->K = 1; /* the checkpoint brings the clusters: no subspace clustering */
    else if (!rc)
        rc = initial_labels(ch, K0, kmax);
    ch->D = ch->K * ch->P;
    if (!rc) rc = alloc_dynamics(ch);
    if (rc < 0) return rc;
    set_identity_dynamics(ch);
    for (size_t i = 0; i < N; i++) {
        double mean = 0;
        for (size_t t = 0; t < T; t++) mean += data->y[i * T + t];
        ch->d[i] = log(mean / (double)T + 0.1);
        ch->r[i] = o->poisson ? POISSON_R : INITIAL_R;
        for (size_t k = 0; k < p; k++) ch->c[i * p + k] = 0.1 * gsl_ran_ugaussian(ch->rng);
    }
    for (size_t t = 0; t < T; t++)
        for (size_t k = 0; k < ch->D; k++)
            ch->X[t * ch->D + k] = (k % ch->P) != 0 ? 0.1 * gsl_ran_ugaussian(ch->rng) : 0.0;
    rc = initial_states(ch);
    if (rc < 0) return rc;
    for (size_t l = 0; l < ch->L; l++) {
        ch->beta[l] = 1.0 / (double)ch->L;
        for (size_t k = 0; k < ch->L; k++)
            ch->pi[l * ch->L + k] = (o->alpha / (double)ch->L + (l == k ? o->kappa : 0.0)) / (o->alpha + o->kappa);
    }
    return 0;
}

void wk_bc_chain_free(struct wk_bc_chain *ch)
{
    if (!ch) return;
    gsl_rng_free(ch->rng);
    free(ch->z);
    free(ch->X);
    free(ch->d);
    free(ch->c);
    free(ch->r);
    free(ch->xi);
    free(ch->beta);
    free(ch->pi);
    free(ch->A);
    free(ch->b);
    free(ch->Q);
    free(ch->w);
    free(ch->logv);
    free(ch->ref_z);
    free(ch->ref_xi);
    free(ch->scratch);
    memset(ch, 0, sizeof *ch);
}

/* ---- latents: Polya-Gamma draws, then FFBS on the information ---- */

double *wk_bc_scratch(struct wk_bc_chain *ch, size_t n)
{
    if (n > ch->scratch_len) {
        free(ch->scratch);
        ch->scratch = wk_malloc_array(n, sizeof(double));
        ch->scratch_len = ch->scratch ? n : 0;
    }
    return ch->scratch;
}

/* The Polya-Gamma shape y + r: those of the common small counts are set
 * up once per neuron (cache[y], b < 0 when not set yet). */
static const struct wk_pg_shape *pg_shape_of(struct wk_pg_shape *cache, struct wk_pg_shape *other, double y, double r)
{
    struct wk_pg_shape *s = other;
    if (y >= 0 && y < PG_SHAPES && y == floor(y)) {
        s = &cache[(size_t)y];
        if (s->b == y + r) return s;
    }
    wk_pg_shape_init(s, y + r);
    return s;
}

/* A neuron's own random stream for one block of a sweep: xoshiro256**
 * seeded from base (one draw of the chain's stream per block) and the
 * neuron's index, so draws made in parallel do not depend on the thread
 * count. */
static uint64_t stream_base(gsl_rng *chain_rng)
{
    uint64_t hi = gsl_rng_get(chain_rng), lo = gsl_rng_get(chain_rng);
    return hi << 32 | lo;
}

static void neuron_stream(gsl_rng *r, uint64_t base, size_t i)
{
    gsl_rng_set(r, (unsigned long)(base ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1))));
}

/* Neurons by cluster: order[start[j] .. start[j + 1]) are cluster j's, in
 * index order. */
static void neurons_by_cluster(const struct wk_bc_chain *ch, size_t *order, size_t *start)
{
    size_t N = ch->data->N, K = ch->K;
    memset(start, 0, (K + 1) * sizeof *start);
    for (size_t i = 0; i < N; i++) start[(size_t)ch->z[i] + 1]++;
    for (size_t j = 0; j < K; j++) start[j + 1] += start[j];
    size_t fill[WK_BC_MAX_K];
    memcpy(fill, start, K * sizeof *fill);
    for (size_t i = 0; i < N; i++) order[fill[ch->z[i]]++] = i;
}

/* Neuron i's Polya-Gamma draws (from r) and their information added to
 * its cluster's blocks of J (T x D/P blocks P x P) and h (T x D). */
static void neuron_information(struct wk_bc_chain *ch, size_t i, gsl_rng *r, double *J, double *h, double *eta)
{
    size_t T = ch->data->T, P = ch->P, D = ch->D, p = p_of(ch), j = (size_t)ch->z[i];
    double rr = ch->r[i], logr = log(rr), hv[WK_BC_MAX_P + 1];
    struct wk_pg_shape shape[PG_SHAPES], other = {0};
    hv[0] = 1.0;
    for (size_t k = 0; k < p; k++) hv[1 + k] = ch->c[i * p + k];
    neuron_eta(ch, i, eta);
    for (size_t k = 0; k < PG_SHAPES; k++) shape[k].b = -1.0; /* not set yet */
    for (size_t t = 0; t < T; t++) {
        double y = ch->data->y[i * T + t];
        double w = wk_pg_draw_shape(r, pg_shape_of(shape, &other, y, rr), eta[t] - logr);
        ch->w[i * T + t] = w;
        wk_bc_add_pseudo_obs(J + t * D * P + j * P * P, h + t * D + j * P, hv, P, y, rr, logr, ch->d[i], w);
    }
}

int wk_bc_update_latents(struct wk_bc_chain *ch)
{
    size_t N = ch->data->N, T = ch->data->T, P = ch->P, D = ch->D, K = ch->K;
    /* J_t is block diagonal (a neuron informs its own cluster's block only) */
    double *J = wk_bc_scratch(ch, T * D * P + T * D + wk_bc_ffbs_work_size(T, D, ch->L));
    size_t *order = wk_malloc_array(N, sizeof *order), start[WK_BC_MAX_K + 1];
    if (!J || !order) {
        free(order);
        return WK_ENOMEM;
    }
    double *h = J + T * D * P, *work = h + T * D;
    memset(J, 0, (T * D * P + T * D) * sizeof *J);
    neurons_by_cluster(ch, order, start);
    uint64_t base = stream_base(ch->rng);
    int failed = 0;
    /* clusters in parallel: each block is summed by one thread, in neuron
     * order, from the neurons' own streams */
#pragma omp parallel for schedule(dynamic, 1) num_threads(ch->threads > 1 ? ch->threads : 1) reduction(| : failed)
    for (size_t j = 0; j < K; j++) {
        gsl_rng *r = gsl_rng_alloc(wk_rng_xoshiro256);
        double *eta = wk_malloc_array(T, sizeof(double));
        if (!r || !eta) failed = 1;
        for (size_t k = start[j]; r && eta && k < start[j + 1]; k++) {
            neuron_stream(r, base, order[k]);
            neuron_information(ch, order[k], r, J, h, eta);
        }
        free(eta);
        gsl_rng_free(r);
    }
    free(order);
    if (failed) return WK_ENOMEM;
    if (ch->o.collapsed_states && ch->iteration >= STATE_WARMUP) {
        int rc = wk_bc_collapsed_states(ch, J, h, P);
        if (rc) return rc;
    }
    return wk_bc_ffbs_blocks(ch->X, ch->rng, T, D, P, J, h, ch->A, ch->b, ch->Q, ch->xi, work);
}

/* ---- loadings (d_i, c_i) ~ N(0, I) a priori, Gaussian given w ---- */

int wk_bc_update_loadings(struct wk_bc_chain *ch)
{
    size_t N = ch->data->N, T = ch->data->T, P = ch->P, D = ch->D, p = p_of(ch);
    double prec[64], info[64], u[8], theta[8];
    for (size_t i = 0; i < N; i++) {
        double r = ch->r[i], logr = log(r);
        size_t off = (size_t)ch->z[i] * P;
        memset(prec, 0, P * P * sizeof(double));
        memset(info, 0, P * sizeof(double));
        for (size_t a = 0; a < P; a++) prec[a * P + a] = 1.0;
        for (size_t t = 0; t < T; t++) {
            const double *x = ch->X + t * D + off;
            double w = ch->w[i * T + t], y = ch->data->y[i * T + t];
            u[0] = 1.0;
            for (size_t k = 0; k < p; k++) u[1 + k] = x[1 + k];
            wk_bc_add_pseudo_obs(prec, info, u, P, y, r, logr, x[0], w);
        }
        int rc = wk_bc_chol(prec, P);
        if (rc < 0) return wk_fail(rc, "bicluster: loading precision of neuron %zu is not positive definite", i);
        memcpy(theta, info, P * sizeof(double));
        wk_bc_chol_solve(prec, P, theta);
        wk_bc_chol_draw_precision(theta, prec, P, ch->rng);
        ch->d[i] = theta[0];
        for (size_t k = 0; k < p; k++) ch->c[i * p + k] = theta[1 + k];
    }
    return 0;
}

/* ---- dispersion r_i ~ Gamma(1, 1) by Chinese-restaurant-table
 * augmentation (Zhou & Carin 2015): given the table counts L of the
 * neuron's counts, r would be Gamma(a0 + L, b0 - sum_t log(1 - p_t)) at a
 * fixed success probability p_t = lam_t / (r + lam_t).  Here the means
 * lam_t are what stays fixed (p_t moves with r), so that Gamma draw is a
 * proposal, accepted by a Metropolis-Hastings step whose target is
 * p(r | L, lam) ~ r^(a0 + L - 1) e^(-b0 r) prod_t (r / (r + lam_t))^r
 * (r + lam_t)^(-y_t): the table counts are an exact Gibbs draw, the
 * correction keeps r's conditional exact. ---- */

#define DISPERSION_SHAPE 1.0 /* the prior Gamma(1, 1) */
#define DISPERSION_RATE 1.0

double wk_bc_crt_tables(gsl_rng *rng, const double *y, size_t T, double r)
{
    double tables = 0;
    for (size_t t = 0; t < T; t++)
        if (y[t] > 0) tables += (double)wk_bicluster_crt(rng, (long)y[t], r);
    return tables;
}

/* l1p[t] = log(1 + lam_t / r), vectorized (absolute error about 1e-16:
 * plenty for the Metropolis-Hastings ratio).  The ratio is capped at 1e300
 * (wk_fast_log has no infinity: a tiny proposed r must still give a
 * hopeless target, not garbage). */
WK_VECTOR_CLONES static void log1p_ratios(double *restrict l1p, const double *restrict lam, size_t T, double r)
{
#pragma omp simd
    for (size_t t = 0; t < T; t++) {
        double x = lam[t] / r;
        l1p[t] = wk_fast_log(1.0 + (x < 1e300 ? x : 1e300));
    }
}

/* log p(r | L, lam, y) up to a constant, and rate(r) in *rate (work: T
 * values). */
static double dispersion_target(const double *y, const double *lam, size_t T, double r, double tables, double *rate,
                                double *work)
{
    double logr = log(r), s = (DISPERSION_SHAPE + tables - 1) * logr - DISPERSION_RATE * r, b = DISPERSION_RATE;
    log1p_ratios(work, lam, T, r);
    for (size_t t = 0; t < T; t++) {
        double l1p = work[t]; /* log(r + lam) = log r + l1p */
        b += l1p;
        s -= (r + y[t]) * l1p + y[t] * logr;
    }
    *rate = b;
    return s;
}

double wk_bc_dispersion_step(gsl_rng *rng, const double *y, const double *lam, size_t T, double r, double *work)
{
    double tables = wk_bc_crt_tables(rng, y, T, r), shape = DISPERSION_SHAPE + tables;
    double rate, rate_new;
    double now = dispersion_target(y, lam, T, r, tables, &rate, work);
    double rn = gsl_ran_gamma(rng, shape, 1.0 / rate);
    if (!(rn > 1e-300)) return r;
    double next = dispersion_target(y, lam, T, rn, tables, &rate_new, work);
    /* log q(r | rn) - log q(rn | r) for q(. | s) = Gamma(shape, rate(s)) */
    double back = shape * (log(rate_new) - log(rate)) + (shape - 1) * (log(r) - log(rn)) - rate_new * r + rate * rn;
    return log(gsl_rng_uniform_pos(rng)) < next - now + back ? rn : r;
}

/* lam[t] <- e^lam[t], the log-means clamped to +-700. */
WK_VECTOR_CLONES static void means_of(double *lam, size_t T)
{
#pragma omp simd
    for (size_t t = 0; t < T; t++) lam[t] = clamp_log_mean(lam[t]);
#pragma omp simd
    for (size_t t = 0; t < T; t++) lam[t] = wk_fast_exp(lam[t]);
}

int wk_bc_update_dispersion(struct wk_bc_chain *ch)
{
    if (ch->o.poisson) return 0;
    size_t N = ch->data->N, T = ch->data->T;
    double *lam = wk_malloc_array(2 * T, sizeof(double));
    if (!lam) return WK_ENOMEM;
    for (size_t i = 0; i < N; i++) {
        neuron_eta(ch, i, lam);
        means_of(lam, T);
        ch->r[i] = wk_bc_dispersion_step(ch->rng, ch->data->y + i * T, lam, T, ch->r[i], lam + T);
    }
    free(lam);
    return 0;
}

/* ---- identifiability: centre each latent row (means folded into d_i),
 * rotate the factor rows of each cluster to orthogonal rows (loadings
 * rotated by the same orthogonal matrix), order by variance, sign so that
 * the cluster's mean loading is non-negative ---- */

static int project_cluster(struct wk_bc_chain *ch, size_t j, gsl_eigen_symmv_workspace *ws, gsl_matrix *S,
                           gsl_vector *eval, gsl_matrix *evec)
{
    size_t N = ch->data->N, T = ch->data->T, P = ch->P, D = ch->D, p = p_of(ch), off = j * P;
    double mean[8] = {0};
    for (size_t t = 0; t < T; t++)
        for (size_t a = 0; a < P; a++) mean[a] += ch->X[t * D + off + a];
    for (size_t a = 0; a < P; a++) mean[a] /= (double)T;
    for (size_t t = 0; t < T; t++)
        for (size_t a = 0; a < P; a++) ch->X[t * D + off + a] -= mean[a];
    for (size_t i = 0; i < N; i++) {
        if ((size_t)ch->z[i] != j) continue;
        ch->d[i] += mean[0];
        for (size_t k = 0; k < p; k++) ch->d[i] += ch->c[i * p + k] * mean[1 + k];
    }
    if (p == 0) return 0;
    for (size_t a = 0; a < p; a++)
        for (size_t bb = 0; bb < p; bb++) {
            double v = 0;
            for (size_t t = 0; t < T; t++) v += ch->X[t * D + off + 1 + a] * ch->X[t * D + off + 1 + bb];
            gsl_matrix_set(S, a, bb, v);
        }
    if (gsl_eigen_symmv(S, eval, evec, ws) != 0) return wk_fail(WK_ENUMERIC, "bicluster: eigendecomposition failed");
    gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC);
    /* U = evec (columns); new x = U' x, new c = U' c; then signs */
    double sign[8], tmp[8];
    for (size_t k = 0; k < p; k++) {
        double s = 0;
        for (size_t i = 0; i < N; i++) {
            if ((size_t)ch->z[i] != j) continue;
            for (size_t a = 0; a < p; a++) s += gsl_matrix_get(evec, a, k) * ch->c[i * p + a];
        }
        sign[k] = s < 0 ? -1.0 : 1.0;
    }
    for (size_t t = 0; t < T; t++) {
        double *x = ch->X + t * D + off + 1;
        for (size_t k = 0; k < p; k++) {
            double v = 0;
            for (size_t a = 0; a < p; a++) v += gsl_matrix_get(evec, a, k) * x[a];
            tmp[k] = sign[k] * v;
        }
        memcpy(x, tmp, p * sizeof(double));
    }
    for (size_t i = 0; i < N; i++) {
        if ((size_t)ch->z[i] != j) continue;
        double *ci = ch->c + i * p;
        for (size_t k = 0; k < p; k++) {
            double v = 0;
            for (size_t a = 0; a < p; a++) v += gsl_matrix_get(evec, a, k) * ci[a];
            tmp[k] = sign[k] * v;
        }
        memcpy(ci, tmp, p * sizeof(double));
    }
    return 0;
}

int wk_bc_project(struct wk_bc_chain *ch)
{
    size_t p = p_of(ch) ? p_of(ch) : 1;
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *evec = gsl_matrix_alloc(p, p);
    gsl_vector *eval = gsl_vector_alloc(p);
    int rc = ws && S && evec && eval ? 0 : WK_ENOMEM;
    for (size_t j = 0; !rc && j < ch->K; j++) rc = project_cluster(ch, j, ws, S, eval, evec);
    gsl_eigen_symmv_free(ws);
    gsl_matrix_free(S);
    gsl_matrix_free(evec);
    gsl_vector_free(eval);
    return rc;
}

/* ---- cluster set changes: keep[j] = old index of new cluster j, or -1 for
 * a new cluster whose block (T x P) is new_block ---- */

int wk_bc_resize_clusters(struct wk_bc_chain *ch, const int *keep, size_t newK, const double *new_block)
{
    size_t T = ch->data->T, P = ch->P, L = ch->L, oldD = ch->D, D = newK * P;
    double *X = wk_calloc(T, D * sizeof(double));
    double *A = wk_calloc(L * D, D * sizeof(double)), *b = wk_calloc(L, D * sizeof(double));
    double *Q = wk_calloc(L * D, D * sizeof(double));
    if (!X || !A || !b || !Q) {
        free(X), free(A), free(b), free(Q);
        return WK_ENOMEM;
    }
    for (size_t j = 0; j < newK; j++)
        for (size_t t = 0; t < T; t++)
            for (size_t a = 0; a < P; a++)
                X[t * D + j * P + a] = keep[j] >= 0 ? ch->X[t * oldD + (size_t)keep[j] * P + a] : new_block[t * P + a];
    for (size_t l = 0; l < L; l++)
        for (size_t j = 0; j < newK; j++)
            for (size_t a = 0; a < P; a++) {
                size_t row = j * P + a;
                if (keep[j] < 0) {
                    A[l * D * D + row * D + row] = 1.0;
                    Q[l * D * D + row * D + row] = INITIAL_Q;
                    continue;
                }
                size_t orow = (size_t)keep[j] * P + a;
                b[l * D + row] = ch->b[l * oldD + orow];
                for (size_t k = 0; k < newK; k++) {
                    if (keep[k] < 0) continue;
                    for (size_t bb = 0; bb < P; bb++) {
                        size_t col = k * P + bb, ocol = (size_t)keep[k] * P + bb;
                        A[l * D * D + row * D + col] = ch->A[l * oldD * oldD + orow * oldD + ocol];
                        Q[l * D * D + row * D + col] = ch->Q[l * oldD * oldD + orow * oldD + ocol];
                    }
                }
            }
    free(ch->X), free(ch->A), free(ch->b), free(ch->Q);
    ch->X = X, ch->A = A, ch->b = b, ch->Q = Q;
    ch->K = newK;
    ch->D = D;
    return 0;
}

int wk_bc_chain_sweep(struct wk_bc_chain *ch)
{
    int rc = wk_bc_update_latents(ch);
    if (!rc && ch->iteration >= WK_BC_OPEN_WARMUP) rc = wk_bc_split_merge(ch, ch->o.split_merge);
    if (!rc) rc = wk_bc_project(ch);
    if (!rc) rc = wk_bc_update_dynamics(ch);
    if (!rc && ch->iteration >= STATE_WARMUP) rc = wk_bc_update_states(ch);
    if (!rc) rc = wk_bc_update_loadings(ch);
    if (!rc) rc = wk_bc_update_dispersion(ch);
    if (!rc) rc = wk_bc_update_labels(ch);
    if (!rc) ch->iteration++;
    return rc;
}
