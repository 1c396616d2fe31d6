/* simulate_bicluster.c - worm-simulate bicluster: spike counts from the
 * worm-bicluster model (the reference simulation of Wei, Stevenson & Wang
 * 2023 by default): neurons in clusters sharing (p+1)-row latent blocks,
 * time in states alternating quiet (A = quiet * I) and active (A block
 * diagonal per cluster, growth * R diag(rot(angle), ..., 1) R', R a random
 * rotation), durations 1 + Poisson(duration), counts NB(dispersion). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_simulate.h"
#include "wormkit/wk_util.h"

#define MAX_CLUSTERS 64

void wk_sim_bicluster_defaults(struct wk_sim_bicluster *p)
{
    memset(p, 0, sizeof *p);
    p->n_clusters = 3;
    for (size_t j = 0; j < 3; j++) p->cluster_size[j] = 10;
    p->latent_dim = 2;
    p->samples = 500;
    p->states = 2;
    p->duration = 50;
    p->dispersion = 10;
    p->baseline_sd = 0.5;
    p->loading_sd = 0.5;
    p->noise = 0.01;
    p->quiet = 0.01;
    p->growth = 1.01;
    p->angle = M_PI / 20;
}

static const char *bicluster_problem(const struct wk_sim_bicluster *p)
{
    size_t N = 0;
    if (p->n_clusters < 1 || p->n_clusters > MAX_CLUSTERS) return "clusters must be between 1 and 64";
    for (size_t j = 0; j < p->n_clusters; j++) {
        if (p->cluster_size[j] < 1) return "cluster sizes must be at least 1";
        N += p->cluster_size[j];
    }
    if (N > WK_ATLAS_SIZE) return "at most 300 neurons in all";
    if (p->latent_dim < 0 || p->latent_dim > 7) return "latent dimension must be between 0 and 7";
    if (p->samples < 3 || p->samples > 10000000) return "samples must be between 3 and 10000000";
    if (p->states < 1 || p->states > 100) return "states must be between 1 and 100";
    if (!(p->duration >= 0) || !isfinite(p->duration)) return "duration must be at least 0";
    if (!(p->dispersion >= 0) || !isfinite(p->dispersion)) return "dispersion must be at least 0 (0: Poisson)";
    if (!(p->noise > 0) || !isfinite(p->noise)) return "noise must be positive";
    return NULL;
}

int wk_sim_bicluster_check(const struct wk_sim_bicluster *p)
{
    const char *problem = bicluster_problem(p);
    return problem ? wk_fail(WK_EINVAL, "simulate bicluster: %s", problem) : 0;
}

/* A uniformly random rotation of dimension n (QR of a Gaussian matrix with
 * the signs of R's diagonal folded into Q). */
static void random_rotation(double *R, size_t n, gsl_rng *rng)
{
    gsl_matrix *a = gsl_matrix_alloc(n, n), *q = gsl_matrix_alloc(n, n), *r = gsl_matrix_alloc(n, n);
    gsl_vector *tau = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) gsl_matrix_set(a, i, j, gsl_ran_ugaussian(rng));
    gsl_linalg_QR_decomp(a, tau);
    gsl_linalg_QR_unpack(a, tau, q, r);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            R[i * n + j] = gsl_matrix_get(q, i, j) * (gsl_matrix_get(r, j, j) < 0 ? -1.0 : 1.0);
    gsl_matrix_free(a), gsl_matrix_free(q), gsl_matrix_free(r);
    gsl_vector_free(tau);
}

/* growth * R B R' with B = diag(rot(angle), rot(angle), ..., [1]). */
static void active_block(double *A, size_t P, const struct wk_sim_bicluster *p, gsl_rng *rng)
{
    double R[64], B[64] = {0}, tmp[64];
    random_rotation(R, P, rng);
    size_t k = 0;
    for (; k + 1 < P; k += 2) {
        B[k * P + k] = cos(p->angle), B[k * P + k + 1] = -sin(p->angle);
        B[(k + 1) * P + k] = sin(p->angle), B[(k + 1) * P + k + 1] = cos(p->angle);
    }
    if (k < P) B[k * P + k] = 1.0;
    for (size_t i = 0; i < P; i++)
        for (size_t j = 0; j < P; j++) {
            double v = 0;
            for (size_t m = 0; m < P; m++) v += R[i * P + m] * B[m * P + j];
            tmp[i * P + j] = v;
        }
    for (size_t i = 0; i < P; i++)
        for (size_t j = 0; j < P; j++) {
            double v = 0;
            for (size_t m = 0; m < P; m++) v += tmp[i * P + m] * R[j * P + m];
            A[i * P + j] = p->growth * v;
        }
}

struct bc_truth {
    size_t N, K, P, T;
    int *cluster, *state;
    double *latent; /* [K][P][T] */
    double *d, *c;  /* [N], [N][p] */
};

static void truth_free(struct bc_truth *t)
{
    free(t->cluster), free(t->state), free(t->latent), free(t->d), free(t->c);
}

static void draw_states(int *state, const struct wk_sim_bicluster *p, gsl_rng *rng)
{
    size_t t = 0;
    int s = 0;
    while (t < p->samples) {
        size_t len = 1 + gsl_ran_poisson(rng, p->duration);
        for (size_t u = 0; u < len && t < p->samples; u++) state[t++] = s;
        s = (s + 1) % (int)p->states;
    }
}

static int draw_truth(struct bc_truth *tr, const struct wk_sim_bicluster *p, gsl_rng *rng)
{
    size_t K = p->n_clusters, P = (size_t)p->latent_dim + 1, T = p->samples, N = 0, pd = (size_t)p->latent_dim;
    for (size_t j = 0; j < K; j++) N += p->cluster_size[j];
    tr->N = N, tr->K = K, tr->P = P, tr->T = T;
    tr->cluster = wk_calloc(N, sizeof(int));
    tr->state = wk_calloc(T, sizeof(int));
    tr->latent = wk_calloc(K * P * T, sizeof(double));
    tr->d = wk_calloc(N, sizeof(double));
    tr->c = wk_calloc(N * pd + 1, sizeof(double));
    double *A = wk_calloc(p->states * K * P * P, sizeof(double));
    if (!tr->cluster || !tr->state || !tr->latent || !tr->d || !tr->c || !A) {
        free(A);
        return WK_ENOMEM;
    }
    for (size_t j = 0, i = 0; j < K; j++)
        for (size_t m = 0; m < p->cluster_size[j]; m++) tr->cluster[i++] = (int)j;
    /* state 0 quiet, states 1.. active with their own rotations */
    for (size_t s = 0; s < p->states; s++)
        for (size_t j = 0; j < K; j++) {
            double *Aj = A + (s * K + j) * P * P;
            if (s == 0 && p->states > 1)
                for (size_t a = 0; a < P; a++) Aj[a * P + a] = p->quiet;
            else
                active_block(Aj, P, p, rng);
        }
    draw_states(tr->state, p, rng);
    double sd = sqrt(p->noise);
    for (size_t j = 0; j < K; j++) {
        double *X = tr->latent + j * P * T;
        for (size_t a = 0; a < P; a++) X[a * T] = gsl_ran_ugaussian(rng);
        for (size_t t = 1; t < T; t++) {
            const double *Aj = A + ((size_t)tr->state[t] * K + j) * P * P;
            for (size_t a = 0; a < P; a++) {
                double v = sd * gsl_ran_ugaussian(rng);
                for (size_t b = 0; b < P; b++) v += Aj[a * P + b] * X[b * T + t - 1];
                X[a * T + t] = v;
            }
        }
    }
    for (size_t i = 0; i < N; i++) {
        tr->d[i] = p->baseline_sd * gsl_ran_ugaussian(rng);
        for (size_t k = 0; k < pd; k++) tr->c[i * pd + k] = p->loading_sd * gsl_ran_ugaussian(rng);
    }
    free(A);
    return 0;
}

static double draw_count(gsl_rng *rng, double lambda, double r)
{
    if (lambda > 1e8) lambda = 1e8;
    if (r <= 0) return (double)gsl_ran_poisson(rng, lambda);
    return (double)gsl_ran_poisson(rng, gsl_ran_gamma(rng, r, lambda / r));
}

static int write_truth(struct wk_file *f, const char *id, const struct bc_truth *tr,
                       const struct wk_sim_bicluster *p, unsigned long seed)
{
    char path[256], seed_text[32];
    snprintf(path, sizeof path, "/results/simulate/%s", id);
    snprintf(seed_text, sizeof seed_text, "%lu", seed);
    hid_t g;
    int rc = wk_h5_ensure_group(wk_file_hid(f), path, &g);
    if (rc < 0) return rc;
    size_t pd = (size_t)p->latent_dim;
    float *lat = wk_malloc_array(tr->K * tr->P * tr->T + tr->N * (pd + 1), sizeof(float));
    if (!lat) rc = WK_ENOMEM;
    if (!rc) rc = wk_h5_set_attr_string(g, "model", "bicluster");
    if (!rc) rc = wk_h5_set_attr_string(g, "seed", seed_text);
    if (!rc) rc = wk_h5_set_attr_double(g, "dispersion", p->dispersion);
    size_t d1[1] = {tr->N};
    if (!rc) rc = wk_h5_write_int(g, "neuron_cluster", 1, d1, tr->cluster);
    if (!rc) {
        size_t dT[1] = {tr->T};
        rc = wk_h5_write_int(g, "state", 1, dT, tr->state);
    }
    if (!rc) {
        for (size_t q = 0; q < tr->K * tr->P * tr->T; q++) lat[q] = (float)tr->latent[q];
        size_t d3[3] = {tr->K, tr->P, tr->T};
        rc = wk_h5_write_float(g, "latent", 3, d3, lat);
    }
    if (!rc) {
        for (size_t i = 0; i < tr->N; i++) lat[i] = (float)tr->d[i];
        rc = wk_h5_write_float(g, "d", 1, d1, lat);
    }
    if (!rc && pd > 0) {
        for (size_t q = 0; q < tr->N * pd; q++) lat[q] = (float)tr->c[q];
        size_t d2[2] = {tr->N, pd};
        rc = wk_h5_write_float(g, "c", 2, d2, lat);
    }
    free(lat);
    H5Gclose(g);
    return rc;
}

int wk_sim_bicluster_write(struct wk_file *f, const struct wk_sim_bicluster *p, unsigned long seed)
{
    int rc = wk_sim_bicluster_check(p);
    if (rc < 0) return rc;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) return WK_ENOMEM;
    gsl_rng_set(rng, wk_sim_stream_seed(seed, 1));
    struct bc_truth tr;
    memset(&tr, 0, sizeof tr);
    rc = draw_truth(&tr, p, rng);
    struct wk_recording *rec = rc ? NULL : wk_recording_alloc(p->samples, WK_ATLAS_SIZE);
    if (!rc && !rec) rc = WK_ENOMEM;
    size_t pd = (size_t)p->latent_dim;
    for (size_t t = 0; !rc && t < tr.T; t++) {
        rec->time[t] = (double)t;
        for (size_t i = 0; i < tr.N; i++) {
            const double *X = tr.latent + (size_t)tr.cluster[i] * tr.P * tr.T;
            double eta = tr.d[i] + X[t];
            for (size_t k = 0; k < pd; k++) eta += tr.c[i * pd + k] * X[(1 + k) * tr.T + t];
            rec->traces[t * rec->C + i] = (float)draw_count(rng, exp(eta), p->dispersion);
        }
    }
    if (!rc) {
        rec->dt = 1.0;
        wk_recording_update_present(rec);
        rc = wk_recording_set_id(rec, "sim1");
    }
    if (!rc) rc = wk_recording_set_dataset(rec, "simulate-bicluster");
    if (!rc) {
        float *st = wk_malloc_array(tr.T, sizeof(float));
        if (!st) rc = WK_ENOMEM;
        for (size_t t = 0; !rc && t < tr.T; t++) st[t] = (float)tr.state[t];
        if (!rc) {
            size_t dims[1] = {tr.T};
            rc = wk_recording_add_array(rec, "truth_state", 1, dims, st);
        }
        free(st);
    }
    if (!rc) rc = wk_recording_write(f, rec);
    if (!rc) rc = write_truth(f, rec->id, &tr, p, seed);
    wk_recording_free(rec);
    truth_free(&tr);
    gsl_rng_free(rng);
    return rc;
}

/* ---- the model descriptor ---- */

enum { OPT_DURATION = 0x300, OPT_DISPERSION, OPT_BASELINE_SD, OPT_LOADING_SD, OPT_NOISE, OPT_QUIET, OPT_GROWTH, OPT_ANGLE };

static const struct option bicluster_longopts[] = {
    {"clusters", required_argument, NULL, 'c'},
    {"latent-dim", required_argument, NULL, 'p'},
    {"samples", required_argument, NULL, 'T'},
    {"states", required_argument, NULL, 'k'},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"dispersion", required_argument, NULL, OPT_DISPERSION},
    {"baseline-sd", required_argument, NULL, OPT_BASELINE_SD},
    {"loading-sd", required_argument, NULL, OPT_LOADING_SD},
    {"noise", required_argument, NULL, OPT_NOISE},
    {"quiet", required_argument, NULL, OPT_QUIET},
    {"growth", required_argument, NULL, OPT_GROWTH},
    {"angle", required_argument, NULL, OPT_ANGLE},
    {NULL, 0, NULL, 0},
};

/* "10,10,10" or "3x10" */
static int parse_clusters(const char *arg, struct wk_sim_bicluster *p)
{
    char buf[1024];
    if (strlen(arg) >= sizeof buf) goto bad;
    strcpy(buf, arg);
    char *x = strchr(buf, 'x');
    if (x) {
        *x = '\0';
        long n, size;
        if (wk_parse_long(buf, 1, MAX_CLUSTERS, "--clusters count", &n) < 0) return WK_EUSAGE;
        if (wk_parse_long(x + 1, 1, WK_ATLAS_SIZE, "--clusters size", &size) < 0) return WK_EUSAGE;
        p->n_clusters = (size_t)n;
        for (long j = 0; j < n; j++) p->cluster_size[j] = (size_t)size;
        return 0;
    }
    p->n_clusters = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        long size;
        if (p->n_clusters >= MAX_CLUSTERS) goto bad;
        if (wk_parse_long(tok, 1, WK_ATLAS_SIZE, "--clusters size", &size) < 0) return WK_EUSAGE;
        p->cluster_size[p->n_clusters++] = (size_t)size;
    }
    if (p->n_clusters > 0) return 0;
bad:
    wk_cli_usage_error("invalid --clusters '%s' (sizes like 10,10,10 or 3x10)", arg);
    return WK_EUSAGE;
}

static int bicluster_option(int key, const char *arg, void *ctx)
{
    struct wk_sim_bicluster *p = ctx;
    long v;
    switch (key) {
    case 'c': return parse_clusters(arg, p);
    case 'p':
        if (wk_parse_long(arg, 0, 7, "--latent-dim", &v) < 0) return WK_EUSAGE;
        p->latent_dim = (int)v;
        return 0;
    case 'T':
        if (wk_parse_long(arg, 3, 10000000, "--samples", &v) < 0) return WK_EUSAGE;
        p->samples = (size_t)v;
        return 0;
    case 'k':
        if (wk_parse_long(arg, 1, 100, "--states", &v) < 0) return WK_EUSAGE;
        p->states = (size_t)v;
        return 0;
    case OPT_DURATION: return wk_parse_double(arg, 0, 1e9, "--duration", &p->duration);
    case OPT_DISPERSION: return wk_parse_double(arg, 0, 1e9, "--dispersion", &p->dispersion);
    case OPT_BASELINE_SD: return wk_parse_double(arg, 0, 100, "--baseline-sd", &p->baseline_sd);
    case OPT_LOADING_SD: return wk_parse_double(arg, 0, 100, "--loading-sd", &p->loading_sd);
    case OPT_NOISE: return wk_parse_double(arg, 1e-12, 100, "--noise", &p->noise);
    case OPT_QUIET: return wk_parse_double(arg, -10, 10, "--quiet", &p->quiet);
    case OPT_GROWTH: return wk_parse_double(arg, 0, 10, "--growth", &p->growth);
    case OPT_ANGLE: return wk_parse_double(arg, -10, 10, "--angle", &p->angle);
    default:
        wk_cli_usage_error("option not handled");
        return WK_EUSAGE;
    }
}

static void bicluster_defaults(void *params)
{
    wk_sim_bicluster_defaults(params);
}

static int bicluster_check(const void *params)
{
    const char *problem = bicluster_problem(params);
    if (!problem) return 0;
    wk_cli_usage_error("%s", problem);
    return WK_EUSAGE;
}

static int bicluster_run(struct wk_file *f, const void *params, const struct wk_cli *cli)
{
    return wk_sim_bicluster_write(f, params, cli->seed);
}

const struct wk_sim_model wk_sim_model_bicluster = {
    "bicluster",
    "spike counts of neuron clusters with switching latent dynamics",
    "  -c, --clusters SIZES   neurons per cluster: 10,10,10 or 3x10 (default 3x10)\n"
    "  -p, --latent-dim P     latent factors per cluster (default 2)\n"
    "  -T, --samples N        time bins (default 500)\n"
    "  -k, --states K         states; 0 quiet, the others active, in turn (default 2)\n"
    "      --duration MEAN    state durations 1 + Poisson(MEAN) bins (default 50)\n"
    "      --dispersion R     negative binomial dispersion; 0: Poisson (default 10)\n"
    "      --baseline-sd SD   sd of the neuron baselines d (default 0.5)\n"
    "      --loading-sd SD    sd of the loadings c (default 0.5)\n"
    "      --noise VAR        latent noise variance (default 0.01)\n"
    "      --quiet A          quiet-state dynamics A = A*I (default 0.01)\n"
    "      --growth G         active-state growth factor (default 1.01)\n"
    "      --angle RAD        active-state rotation angle (default pi/20)\n",
    "c:p:T:k:",
    bicluster_longopts,
    sizeof(struct wk_sim_bicluster),
    bicluster_defaults,
    bicluster_option,
    bicluster_check,
    bicluster_run,
};
