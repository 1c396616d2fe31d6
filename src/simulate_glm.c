/* simulate_glm.c - worm-simulate model "glm": the synthetic benchmark of
 * the one-hot switching GLM (Li et al., ICLR 2024).
 *
 * Stream 0 of the seed draws what the sequences share: the global
 * connectome pibar[n][m] ~ Dirichlet(0.2, 1.6, 0.2) over (inhibitory, none,
 * excitatory), per state the adjacency A_s[n][m] ~ Categorical(pibar[n][m])
 * and strengths log(1 + 3U), W_s = sign(A_s) * strength, the bias
 * U(-0.05, 0.05).  Stream i + 1 draws sequence i: z_0 uniform, z_t a Markov
 * chain with `stay` on the diagonal, x[t][n] ~ Poisson(f) or Bernoulli(f),
 * f = (1-1e-8) sigmoid(bias + W_z c[t]) + 1e-8, c the history filtered by
 * the kernel of wk_glm_kernel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "wormkit/wk_atlas.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_glm.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_simulate.h"
#include "wormkit/wk_util.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

struct sim_glm {
    size_t sequences, samples, neurons, states, lags;
    double decay, span, stay;
    int no_self, bernoulli;
};

struct glm_truth {
    double *W;       /* [S][N][N] */
    int *adj;        /* [S][N][N] classes 0 inh, 1 none, 2 exc */
    double *pibar;   /* [N][N][3] */
    double *bias;    /* [N] */
    double *phi;     /* [L] */
};

static void truth_free(struct glm_truth *t)
{
    free(t->W);
    free(t->adj);
    free(t->pibar);
    free(t->bias);
    free(t->phi);
}

static gsl_rng *rng_for(unsigned long seed, unsigned long stream)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) {
        wk_fail(WK_ENOMEM, "out of memory (random number generator)");
        return NULL;
    }
    gsl_rng_set(rng, wk_sim_stream_seed(seed, stream));
    return rng;
}

static int draw_truth(struct glm_truth *t, const struct sim_glm *p, unsigned long seed)
{
    size_t S = p->states, N = p->neurons, NN = N * N;
    memset(t, 0, sizeof *t);
    t->W = wk_calloc(S * NN, sizeof *t->W);
    t->adj = wk_calloc(S * NN, sizeof *t->adj);
    t->pibar = wk_calloc(3 * NN, sizeof *t->pibar);
    t->bias = wk_calloc(N, sizeof *t->bias);
    t->phi = wk_calloc(p->lags, sizeof *t->phi);
    gsl_rng *rng = rng_for(seed, 0);
    if (!t->W || !t->adj || !t->pibar || !t->bias || !t->phi || !rng) {
        gsl_rng_free(rng);
        truth_free(t);
        return WK_ENOMEM;
    }
    const double alpha[3] = {0.2, 1.6, 0.2};
    for (size_t i = 0; i < NN; i++) gsl_ran_dirichlet(rng, 3, alpha, t->pibar + 3 * i);
    for (size_t s = 0; s < S; s++)
        for (size_t i = 0; i < NN; i++) {
            const double *pi = t->pibar + 3 * i;
            double u = gsl_rng_uniform(rng), strength = log1p(3 * gsl_rng_uniform(rng));
            int c = u < pi[0] ? 0 : u < pi[0] + pi[1] ? 1 : 2;
            if (p->no_self && i / N == i % N) c = 1;
            t->adj[s * NN + i] = c;
            t->W[s * NN + i] = (c - 1) * strength;
        }
    for (size_t n = 0; n < N; n++) t->bias[n] = -0.05 + 0.1 * gsl_rng_uniform(rng);
    wk_glm_kernel(t->phi, p->lags, p->decay, p->span);
    gsl_rng_free(rng);
    return 0;
}

static double rate(double u)
{
    double sg = u >= 0 ? 1 / (1 + exp(-u)) : exp(u) / (1 + exp(u));
    return (1 - WK_GLM_EPS) * sg + WK_GLM_EPS;
}

/* Sequence i: counts x [T][N] and states z [T]. */
static void draw_sequence(float *x, int *z, const struct sim_glm *p, const struct glm_truth *t, gsl_rng *rng)
{
    size_t S = p->states, N = p->neurons, T = p->samples, L = p->lags;
    double *c = wk_calloc(N, sizeof *c);
    if (!c) return;
    z[0] = (int)gsl_rng_uniform_int(rng, S);
    for (size_t k = 1; k < T; k++) {
        z[k] = z[k - 1];
        if (S > 1 && gsl_rng_uniform(rng) >= p->stay)
            z[k] = (int)((size_t)z[k - 1] + 1 + gsl_rng_uniform_int(rng, S - 1)) % (int)S;
    }
    for (size_t k = 0; k < T; k++) {
        for (size_t m = 0; m < N; m++) {
            c[m] = 0;
            for (size_t j = 1; j <= L && j <= k; j++) c[m] += t->phi[j - 1] * x[(k - j) * N + m];
        }
        const double *W = t->W + (size_t)z[k] * N * N;
        for (size_t n = 0; n < N; n++) {
            double u = t->bias[n];
            for (size_t m = 0; m < N; m++) u += W[n * N + m] * c[m];
            double f = rate(u);
            x[k * N + n] = p->bernoulli ? (float)(gsl_rng_uniform(rng) < f) : (float)gsl_ran_poisson(rng, f);
        }
    }
    free(c);
}

static int write_sequence(struct wk_file *f, const struct sim_glm *p, const struct glm_truth *t,
                          unsigned long seed, size_t i)
{
    size_t N = p->neurons, T = p->samples;
    struct wk_recording *rec = wk_recording_alloc(T, WK_ATLAS_SIZE);
    float *x = wk_calloc(T * N, sizeof *x), *zf = wk_calloc(T, sizeof *zf);
    int *z = wk_calloc(T, sizeof *z);
    gsl_rng *rng = rng_for(seed, (unsigned long)i + 1);
    int rc = rec && x && z && zf && rng ? 0 : WK_ENOMEM;
    if (!rc) {
        draw_sequence(x, z, p, t, rng);
        for (size_t k = 0; k < T; k++) {
            rec->time[k] = (double)k;
            zf[k] = (float)z[k];
            for (size_t n = 0; n < N; n++) rec->traces[k * rec->C + n] = x[k * N + n];
        }
        rec->dt = 1.0;
        rec->worm = (long)i;
        wk_recording_update_present(rec);
        char id[32];
        snprintf(id, sizeof id, "sim%zu", i + 1);
        rc = wk_recording_set_id(rec, id);
        if (!rc) rc = wk_recording_set_dataset(rec, "simulate-glm");
        if (!rc) rc = wk_recording_set_attr_string(rec, "units", "events per bin");
        if (!rc) rc = wk_recording_add_array(rec, "truth_state", 1, (const size_t[]){T}, zf);
        if (!rc) rc = wk_recording_write(f, rec);
    }
    gsl_rng_free(rng);
    free(x);
    free(z);
    free(zf);
    wk_recording_free(rec);
    return rc;
}

static int write_truth(struct wk_file *f, const struct sim_glm *p, const struct glm_truth *t, unsigned long seed)
{
    size_t S = p->states, N = p->neurons;
    hid_t g = -1;
    int rc = wk_h5_ensure_group(wk_file_hid(f), "/results/simulate/glm", &g);
    if (rc) return rc;
    char options[256];
    snprintf(options, sizeof options, "--sequences %zu --samples %zu --neurons %zu --states %zu --lags %zu%s%s --seed %lu",
             p->sequences, p->samples, N, S, p->lags, p->no_self ? " --no-self" : "",
             p->bernoulli ? " --bernoulli" : "", seed);
    rc = wk_h5_set_attr_string(g, "model", "glm");
    if (!rc) rc = wk_h5_set_attr_string(g, "options", options);
    if (!rc) rc = wk_h5_set_attr_long(g, "states", (long)S);
    double *P = wk_calloc(S * S, sizeof *P);
    if (!rc && !P) rc = WK_ENOMEM;
    for (size_t a = 0; !rc && a < S; a++)
        for (size_t b = 0; b < S; b++)
            P[a * S + b] = S == 1 ? 1.0 : a == b ? p->stay : (1 - p->stay) / (double)(S - 1);
    size_t d3[3] = {S, N, N};
    if (!rc) rc = wk_h5_write_double(g, "W", 3, d3, t->W);
    if (!rc) rc = wk_h5_write_int(g, "adjacency", 3, d3, t->adj);
    if (!rc) rc = wk_h5_write_double(g, "pibar", 3, (const size_t[]){N, N, 3}, t->pibar);
    if (!rc) rc = wk_h5_write_double(g, "bias", 1, (const size_t[]){N}, t->bias);
    if (!rc) rc = wk_h5_write_double(g, "P", 2, (const size_t[]){S, S}, P);
    if (!rc) rc = wk_h5_write_double(g, "kernel", 1, (const size_t[]){p->lags}, t->phi);
    if (!rc) {
        char **names = wk_calloc(N + 1, sizeof *names);
        if (!names) rc = WK_ENOMEM;
        for (size_t n = 0; !rc && n < N; n++) names[n] = (char *)wk_atlas_name(n);
        if (!rc) rc = wk_h5_write_strings(g, "neurons", N, names);
        free(names);
    }
    free(P);
    H5Gclose(g);
    return rc;
}

static int glm_run(struct wk_file *f, const void *params, const struct wk_cli *cli)
{
    const struct sim_glm *p = params;
    struct glm_truth t;
    int rc = draw_truth(&t, p, cli->seed);
    if (rc) return rc;
    for (size_t i = 0; !rc && i < p->sequences; i++) rc = write_sequence(f, p, &t, cli->seed, i);
    if (!rc) rc = write_truth(f, p, &t, cli->seed);
    truth_free(&t);
    return rc;
}

/* ---- options ---- */

enum { OPT_LAGS = 0x300, OPT_DECAY, OPT_SPAN, OPT_STAY, OPT_NO_SELF, OPT_BERNOULLI };

static const struct option glm_longopts[] = {
    {"sequences", required_argument, NULL, 'w'},
    {"samples", required_argument, NULL, 'T'},
    {"neurons", required_argument, NULL, 'n'},
    {"states", required_argument, NULL, 'k'},
    {"lags", required_argument, NULL, OPT_LAGS},
    {"decay", required_argument, NULL, OPT_DECAY},
    {"span", required_argument, NULL, OPT_SPAN},
    {"stay", required_argument, NULL, OPT_STAY},
    {"no-self", no_argument, NULL, OPT_NO_SELF},
    {"bernoulli", no_argument, NULL, OPT_BERNOULLI},
    {NULL, 0, NULL, 0},
};

static void glm_defaults(void *params)
{
    struct sim_glm *p = params;
    p->sequences = 50;
    p->samples = 2000;
    p->neurons = 20;
    p->states = 5;
    p->lags = 5;
    p->decay = 1;
    p->span = 5;
    p->stay = 0.98;
    p->no_self = 0;
    p->bernoulli = 0;
}

static int size_opt(const char *arg, long lo, long hi, const char *what, size_t *out)
{
    long v;
    if (wk_parse_long(arg, lo, hi, what, &v)) return WK_EUSAGE;
    *out = (size_t)v;
    return 0;
}

static int glm_option(int key, const char *arg, void *ctx)
{
    struct sim_glm *p = ctx;
    switch (key) {
    case 'w': return size_opt(arg, 1, 100000, "--sequences", &p->sequences);
    case 'T': return size_opt(arg, 2, 100000000, "--samples", &p->samples);
    case 'n': return size_opt(arg, 1, WK_ATLAS_SIZE, "--neurons", &p->neurons);
    case 'k': return size_opt(arg, 1, WK_GLM_MAX_STATES, "--states", &p->states);
    case OPT_LAGS: return size_opt(arg, 1, WK_GLM_MAX_LAGS, "--lags", &p->lags);
    case OPT_DECAY: return wk_parse_double(arg, 0, 1e6, "--decay", &p->decay);
    case OPT_SPAN: return wk_parse_double(arg, 1e-9, 1e9, "--span", &p->span);
    case OPT_STAY: return wk_parse_double(arg, 0, 1, "--stay", &p->stay);
    case OPT_NO_SELF: p->no_self = 1; return 0;
    case OPT_BERNOULLI: p->bernoulli = 1; return 0;
    default:
        wk_cli_usage_error("option not handled");
        return WK_EUSAGE;
    }
}

static int glm_check(const void *params)
{
    (void)params;
    return 0;
}

const struct wk_sim_model wk_sim_model_glm = {
    "glm",
    "switching GLM with sparse signed connectivity (the one-hot HMM-GLM benchmark)",
    "  -w, --sequences N      recordings, one sequence each (default 50)\n"
    "  -T, --samples N        time bins per sequence (default 2000)\n"
    "  -n, --neurons N        neurons, atlas columns 0..N-1 (default 20)\n"
    "  -k, --states S         hidden states (default 5)\n"
    "      --lags L           history kernel length (default 5)\n"
    "      --decay B          kernel decay (default 1)\n"
    "      --span X           kernel span; bin width X/L (default 5)\n"
    "      --stay P           probability of staying in a state (default 0.98)\n"
    "      --no-self          no self-coupling (W[n][n] = 0)\n"
    "      --bernoulli        binary events instead of Poisson counts\n",
    "w:T:n:k:",
    glm_longopts,
    sizeof(struct sim_glm),
    glm_defaults,
    glm_option,
    glm_check,
    glm_run,
};
