/* simulate.c - the worm-simulate model table and the "traces" model.
 *
 * Random numbers: gsl_rng_mt19937.  Stream 0 of a seed draws what all worms
 * share (active neurons, state means, the pool of labeled neurons); stream
 * w + 1 draws worm w, so a worm does not depend on how many others are
 * simulated before it. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
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
#include "wormkit/wk_recording.h"
#include "wormkit/wk_simulate.h"
#include "wormkit/wk_util.h"

/* Same bits on every machine: no fused multiply-add (gcc already keeps
 * ISO C semantics under -std=c11; clang contracts unless told). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* ---- the model table: one line per model ---- */

static const struct wk_sim_model *const models[] = {
    &wk_sim_model_traces,
    &wk_sim_model_ntf,
    &wk_sim_model_bicluster,
    &wk_sim_model_glm,
    &wk_sim_model_sbm,
};

const struct wk_sim_model *const *wk_sim_models(size_t *n)
{
    *n = sizeof models / sizeof models[0];
    return models;
}

const struct wk_sim_model *wk_sim_model_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (strcmp(models[i]->name, name) == 0) return models[i];
    return NULL;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

unsigned long wk_sim_stream_seed(unsigned long seed, unsigned long stream)
{
    return (unsigned long)splitmix64(splitmix64((uint64_t)seed) ^ (uint64_t)stream);
}

static gsl_rng *stream_rng(unsigned long seed, unsigned long stream)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) {
        wk_fail(WK_ENOMEM, "out of memory (random number generator)");
        return NULL;
    }
    gsl_rng_set(rng, wk_sim_stream_seed(seed, stream));
    return rng;
}

/* ---- traces: parameters ---- */

void wk_sim_traces_defaults(struct wk_sim_traces *p)
{
    p->worms = 3;
    p->samples = 900;
    p->neurons = 40;
    p->unlabeled = 5;
    p->states = 3;
    p->dwell = 20.0;
    p->dt = 1.0 / 3.0;
    p->jitter = 0.0;
    p->tau = 2.0;
    p->decay = 1.0;
    p->active = 0.5;
    p->process_noise = 0.3;
    p->noise = 0.1;
    p->missing = 0.0;
}

#define MAX_WORMS 100000
#define MAX_STATES 1000
#define MAX_SAMPLES 100000000

/* The first violated constraint as a message, or NULL. */
static const char *traces_problem(const struct wk_sim_traces *p)
{
    if (p->worms < 1 || p->worms > MAX_WORMS) return "worms must be between 1 and 100000";
    if (p->samples < 2 || p->samples > MAX_SAMPLES) return "samples must be between 2 and 100000000";
    if (p->states < 1 || p->states > MAX_STATES) return "states must be between 1 and 1000";
    if (p->neurons > WK_ATLAS_SIZE || p->unlabeled > WK_ATLAS_SIZE ||
        p->neurons + p->unlabeled > WK_ATLAS_SIZE)
        return "neurons + unlabeled must be at most 300";
    if (p->neurons + p->unlabeled < 1) return "neurons + unlabeled must be at least 1";
    if (!(p->dt > 0) || !isfinite(p->dt)) return "dt must be positive";
    if (!(p->jitter >= 0 && p->jitter <= 0.9)) return "jitter must be between 0 and 0.9";
    if (!(p->dwell >= p->dt) || !isfinite(p->dwell)) return "dwell must be at least dt";
    if (!(p->tau > 0) || !isfinite(p->tau)) return "tau must be positive";
    if (!(p->decay > 0) || !isfinite(p->decay)) return "decay must be positive";
    if (!(p->active >= 0 && p->active <= 1)) return "active must be between 0 and 1";
    if (!(p->process_noise >= 0) || !isfinite(p->process_noise)) return "process noise must be at least 0";
    if (!(p->noise >= 0) || !isfinite(p->noise)) return "noise must be at least 0";
    if (!(p->missing >= 0 && p->missing <= 0.9)) return "missing must be between 0 and 0.9";
    return NULL;
}

int wk_sim_traces_check(const struct wk_sim_traces *p)
{
    const char *problem = traces_problem(p);
    return problem ? wk_fail(WK_EINVAL, "simulate traces: %s", problem) : 0;
}

/* ---- traces: what all worms share ---- */

void wk_sim_traces_truth_free(struct wk_sim_traces_truth *truth)
{
    if (!truth) return;
    free(truth->state_mean);
    free(truth->active);
    free(truth->pool);
    free(truth);
}

static size_t pool_size_for(size_t neurons)
{
    size_t pool = neurons + (neurons + 1) / 2; /* ceil(1.5 N) */
    return pool > WK_ATLAS_SIZE ? WK_ATLAS_SIZE : pool;
}

/* k distinct atlas indices out of 0..299, increasing (gsl_ran_choose keeps order). */
static void choose_atlas(gsl_rng *rng, size_t *dest, size_t k)
{
    size_t all[WK_ATLAS_SIZE];
    for (size_t i = 0; i < WK_ATLAS_SIZE; i++) all[i] = i;
    if (k > 0) gsl_ran_choose(rng, dest, k, all, WK_ATLAS_SIZE, sizeof all[0]);
}

static void draw_truth(struct wk_sim_traces_truth *truth, const struct wk_sim_traces *p, gsl_rng *rng)
{
    size_t n_active = (size_t)lround(p->active * WK_ATLAS_SIZE);
    size_t chosen[WK_ATLAS_SIZE];
    choose_atlas(rng, chosen, n_active);
    for (size_t i = 0; i < n_active; i++) truth->active[chosen[i]] = 1;

    for (size_t k = 0; k < truth->states; k++)
        for (size_t i = 0; i < WK_ATLAS_SIZE; i++)
            truth->state_mean[k * WK_ATLAS_SIZE + i] = truth->active[i] ? gsl_ran_gaussian(rng, 1.0) : 0.0;

    choose_atlas(rng, truth->pool, truth->pool_size);
}

int wk_sim_traces_truth_alloc(struct wk_sim_traces_truth **out, const struct wk_sim_traces *p,
                              unsigned long seed)
{
    *out = NULL;
    int rc = wk_sim_traces_check(p);
    if (rc < 0) return rc;

    struct wk_sim_traces_truth *truth = wk_calloc(1, sizeof *truth);
    if (!truth) return WK_ENOMEM;
    truth->states = p->states;
    truth->pool_size = pool_size_for(p->neurons);
    truth->state_mean = wk_calloc(p->states * WK_ATLAS_SIZE, sizeof *truth->state_mean);
    truth->active = wk_calloc(WK_ATLAS_SIZE, sizeof *truth->active);
    truth->pool = wk_calloc(WK_ATLAS_SIZE, sizeof *truth->pool);
    gsl_rng *rng = stream_rng(seed, 0);
    if (!truth->state_mean || !truth->active || !truth->pool || !rng) {
        gsl_rng_free(rng);
        wk_sim_traces_truth_free(truth);
        return WK_ENOMEM;
    }
    draw_truth(truth, p, rng);
    gsl_rng_free(rng);
    *out = truth;
    return 0;
}

/* ---- traces: one worm ---- */

/* The atlas neuron behind each observed column: the labeled neurons (a
 * random subset of the pool, in atlas order) then the unlabeled ones (a
 * random subset of the other atlas neurons, in random order). */
static void choose_neurons(size_t *neuron, const struct wk_sim_traces *p,
                           const struct wk_sim_traces_truth *truth, gsl_rng *rng)
{
    size_t N = p->neurons, U = p->unlabeled;
    if (N > 0) gsl_ran_choose(rng, neuron, N, truth->pool, truth->pool_size, sizeof *neuron);

    unsigned char labeled[WK_ATLAS_SIZE] = {0};
    for (size_t j = 0; j < N; j++) labeled[neuron[j]] = 1;
    size_t others[WK_ATLAS_SIZE], n_others = 0;
    for (size_t i = 0; i < WK_ATLAS_SIZE; i++)
        if (!labeled[i]) others[n_others++] = i;
    if (U > 0) {
        gsl_ran_choose(rng, neuron + N, U, others, n_others, sizeof *neuron);
        gsl_ran_shuffle(rng, neuron + N, U, sizeof *neuron);
    }
}

static void draw_times(double *time, const struct wk_sim_traces *p, gsl_rng *rng)
{
    time[0] = 0.0;
    for (size_t t = 1; t < p->samples; t++) {
        if (p->jitter > 0)
            time[t] = time[t - 1] + p->dt * (1.0 + p->jitter * (2.0 * gsl_rng_uniform(rng) - 1.0));
        else
            time[t] = (double)t * p->dt;
    }
}

static void draw_states(size_t *state, const double *time, const struct wk_sim_traces *p, gsl_rng *rng)
{
    size_t K = p->states;
    state[0] = gsl_rng_uniform_int(rng, K);
    for (size_t t = 1; t < p->samples; t++) {
        double leave = fmin(1.0, (time[t] - time[t - 1]) / p->dwell);
        state[t] = state[t - 1];
        if (K > 1 && gsl_rng_uniform(rng) < leave)
            state[t] = (state[t - 1] + 1 + gsl_rng_uniform_int(rng, K - 1)) % K;
    }
}

/* One column: Ornstein-Uhlenbeck activity x toward the state mean, calcium
 * c = exponential filter of x, trace c + observation noise. */
static void draw_column(struct wk_recording *rec, size_t col, const double *mean /* [K][300] row of neuron */,
                        const size_t *state, const struct wk_sim_traces *p, gsl_rng *rng)
{
    const double *time = rec->time;
    double x = mean[state[0] * WK_ATLAS_SIZE] + p->process_noise * gsl_ran_gaussian(rng, 1.0);
    double c = x;
    rec->traces[col] = (float)(c + p->noise * gsl_ran_gaussian(rng, 1.0));
    for (size_t t = 1; t < rec->T; t++) {
        double h = time[t] - time[t - 1];
        double mu = mean[state[t] * WK_ATLAS_SIZE];
        double e = exp(-h / p->tau);
        x = mu + (x - mu) * e + p->process_noise * sqrt(1.0 - e * e) * gsl_ran_gaussian(rng, 1.0);
        double a = exp(-h / p->decay);
        c = a * c + (1.0 - a) * x;
        rec->traces[t * rec->C + col] = (float)(c + p->noise * gsl_ran_gaussian(rng, 1.0));
    }
}

/* Exactly round(missing * T) NaN cells in column col, in gaps of 1 to
 * WK_SIM_MAX_GAP samples at uniform random starts (gaps may merge). */
static void draw_gaps(struct wk_recording *rec, size_t col, double missing, gsl_rng *rng)
{
    size_t T = rec->T, want = (size_t)lround(missing * (double)T), have = 0;
    while (have < want) {
        size_t len = 1 + gsl_rng_uniform_int(rng, WK_SIM_MAX_GAP);
        size_t start = gsl_rng_uniform_int(rng, T);
        for (size_t t = start; t < T && t < start + len && have < want; t++) {
            float *v = &rec->traces[t * rec->C + col];
            if (!isnan(*v)) {
                *v = wk_nanf();
                have++;
            }
        }
    }
}

static int describe_worm(struct wk_recording *rec, const struct wk_sim_traces *p, size_t w)
{
    char buf[64];
    snprintf(buf, sizeof buf, "sim%zu", w + 1);
    int rc = wk_recording_set_id(rec, buf);
    if (!rc) rc = wk_recording_set_dataset(rec, "simulated");
    if (!rc) rc = wk_recording_set_source(rec, "worm-simulate");
    for (size_t j = 0; !rc && j < p->unlabeled; j++) {
        snprintf(buf, sizeof buf, "unk%zu", j + 1);
        rc = wk_recording_set_label(rec, WK_ATLAS_SIZE + j, buf);
    }
    rec->worm = (long)w + 1;
    rec->dt = p->dt;
    return rc;
}

static int add_state_array(struct wk_recording *rec, const size_t *state)
{
    float *f = wk_malloc_array(rec->T, sizeof *f);
    if (!f) return WK_ENOMEM;
    for (size_t t = 0; t < rec->T; t++) f[t] = (float)state[t];
    size_t dims[1] = {rec->T};
    int rc = wk_recording_add_array(rec, "truth_state", 1, dims, f);
    free(f);
    return rc;
}

static void draw_worm(struct wk_recording *rec, size_t *neuron, size_t *state, const struct wk_sim_traces *p,
                      const struct wk_sim_traces_truth *truth, gsl_rng *rng)
{
    size_t N = p->neurons, U = p->unlabeled;
    choose_neurons(neuron, p, truth, rng);
    draw_times(rec->time, p, rng);
    draw_states(state, rec->time, p, rng);
    for (size_t j = 0; j < N + U; j++) {
        size_t col = j < N ? neuron[j] : WK_ATLAS_SIZE + (j - N);
        draw_column(rec, col, truth->state_mean + neuron[j], state, p, rng);
    }
    if (p->missing > 0)
        for (size_t j = 0; j < N + U; j++)
            draw_gaps(rec, j < N ? neuron[j] : WK_ATLAS_SIZE + (j - N), p->missing, rng);
}

int wk_sim_traces_worm(struct wk_recording **out, size_t *unlabeled_neuron,
                       const struct wk_sim_traces *p, const struct wk_sim_traces_truth *truth,
                       unsigned long seed, size_t w)
{
    *out = NULL;
    int rc = wk_sim_traces_check(p);
    if (rc < 0) return rc;
    if (truth->states != p->states || truth->pool_size != pool_size_for(p->neurons))
        return wk_fail(WK_EINVAL, "simulate traces: truth does not match the parameters");

    struct wk_recording *rec = wk_recording_alloc(p->samples, WK_ATLAS_SIZE + p->unlabeled);
    size_t *neuron = wk_calloc(p->neurons + p->unlabeled, sizeof *neuron);
    size_t *state = wk_calloc(p->samples, sizeof *state);
    gsl_rng *rng = stream_rng(seed, (unsigned long)w + 1);
    rc = rec && neuron && state && rng ? 0 : WK_ENOMEM;
    if (!rc) {
        draw_worm(rec, neuron, state, p, truth, rng);
        wk_recording_update_present(rec);
        rc = describe_worm(rec, p, w);
    }
    if (!rc) rc = add_state_array(rec, state);
    if (!rc && unlabeled_neuron)
        memcpy(unlabeled_neuron, neuron + p->neurons, p->unlabeled * sizeof *neuron);
    gsl_rng_free(rng);
    free(state);
    free(neuron);
    if (rc < 0) {
        wk_recording_free(rec);
        return rc;
    }
    *out = rec;
    return 0;
}

/* ---- traces: a run written to a file ---- */

/* The options that reproduce the run: "--worms 3 ... --seed 1", numbers in
 * the shortest form that reads back exactly. */
static void traces_options_text(char *buf, size_t len, const struct wk_sim_traces *p, unsigned long seed)
{
    const struct { const char *name; double value; } reals[] = {
        {"dwell", p->dwell}, {"dt", p->dt}, {"jitter", p->jitter}, {"tau", p->tau},
        {"decay", p->decay}, {"active", p->active}, {"process-noise", p->process_noise},
        {"noise", p->noise}, {"missing", p->missing},
    };
    size_t at = (size_t)snprintf(buf, len, "--worms %zu --samples %zu --neurons %zu --unlabeled %zu --states %zu",
                                 p->worms, p->samples, p->neurons, p->unlabeled, p->states);
    for (size_t i = 0; i < sizeof reals / sizeof reals[0] && at < len; i++) {
        char number[WK_NUMBER_BUFSIZE];
        wk_export_format_double(number, reals[i].value);
        at += (size_t)snprintf(buf + at, len - at, " --%s %s", reals[i].name, number);
    }
    if (at < len) snprintf(buf + at, len - at, " --seed %lu", seed);
}

/* Few attributes on purpose: HDF5 1.10 moves more than 8 to dense storage,
 * which H5Ocopy cannot copy when one is a variable-length string (HDF5
 * issue #2414), and worm-select/worm-cat copy /results with H5Ocopy. */
static int set_traces_attrs(hid_t g, const struct wk_sim_traces *p, unsigned long seed)
{
    char seed_text[32], options[512];
    snprintf(seed_text, sizeof seed_text, "%lu", seed);
    traces_options_text(options, sizeof options, p, seed);
    int rc = wk_h5_set_attr_string(g, "model", "traces");
    if (!rc) rc = wk_h5_set_attr_string(g, "options", options);
    if (!rc) rc = wk_h5_set_attr_string(g, "seed", seed_text);
    if (!rc) rc = wk_h5_set_attr_long(g, "states", (long)p->states);
    if (!rc) rc = wk_h5_set_attr_double(g, "dwell", p->dwell);
    if (!rc) rc = wk_h5_set_attr_double(g, "dt", p->dt);
    return rc;
}

static int write_worm_truth(struct wk_file *f, const char *id, const struct wk_sim_traces *p,
                            const struct wk_sim_traces_truth *truth, const size_t *unlabeled_neuron,
                            unsigned long seed)
{
    char path[256];
    snprintf(path, sizeof path, "/results/simulate/%s", id);
    hid_t g = -1;
    int rc = wk_h5_ensure_group(wk_file_hid(f), path, &g);
    if (rc < 0) return rc;

    rc = set_traces_attrs(g, p, seed);
    float *mean = wk_malloc_array(p->states * WK_ATLAS_SIZE, sizeof *mean);
    int *unl = wk_calloc(p->unlabeled + 1, sizeof *unl);
    if (!rc && (!mean || !unl)) rc = WK_ENOMEM;
    if (!rc) {
        for (size_t i = 0; i < p->states * WK_ATLAS_SIZE; i++) mean[i] = (float)truth->state_mean[i];
        size_t dims[2] = {p->states, WK_ATLAS_SIZE};
        rc = wk_h5_write_float(g, "state_mean", 2, dims, mean);
    }
    if (!rc) {
        for (size_t j = 0; j < p->unlabeled; j++) unl[j] = (int)unlabeled_neuron[j];
        size_t dims[1] = {p->unlabeled};
        rc = wk_h5_write_int(g, "unlabeled_neuron", 1, dims, unl);
    }
    free(unl);
    free(mean);
    H5Gclose(g);
    return rc;
}

int wk_sim_traces_write(struct wk_file *f, const struct wk_sim_traces *p, unsigned long seed)
{
    struct wk_sim_traces_truth *truth = NULL;
    int rc = wk_sim_traces_truth_alloc(&truth, p, seed);
    if (rc < 0) return rc;
    size_t *unlabeled_neuron = wk_calloc(p->unlabeled + 1, sizeof *unlabeled_neuron);
    if (!unlabeled_neuron) rc = WK_ENOMEM;
    for (size_t w = 0; !rc && w < p->worms; w++) {
        struct wk_recording *rec = NULL;
        rc = wk_sim_traces_worm(&rec, unlabeled_neuron, p, truth, seed, w);
        if (!rc) rc = wk_recording_write(f, rec);
        if (!rc) rc = write_worm_truth(f, rec->id, p, truth, unlabeled_neuron, seed);
        wk_recording_free(rec);
    }
    free(unlabeled_neuron);
    wk_sim_traces_truth_free(truth);
    return rc;
}

/* ---- traces: the model descriptor (options of worm-simulate traces) ---- */

enum {
    OPT_DWELL = 0x200,
    OPT_DT,
    OPT_JITTER,
    OPT_TAU,
    OPT_DECAY,
    OPT_ACTIVE,
    OPT_PROCESS_NOISE,
    OPT_NOISE
};

static const struct option traces_longopts[] = {
    {"worms", required_argument, NULL, 'w'},
    {"samples", required_argument, NULL, 'T'},
    {"neurons", required_argument, NULL, 'n'},
    {"unlabeled", required_argument, NULL, 'u'},
    {"states", required_argument, NULL, 'k'},
    {"missing", required_argument, NULL, 'm'},
    {"dwell", required_argument, NULL, OPT_DWELL},
    {"dt", required_argument, NULL, OPT_DT},
    {"jitter", required_argument, NULL, OPT_JITTER},
    {"tau", required_argument, NULL, OPT_TAU},
    {"decay", required_argument, NULL, OPT_DECAY},
    {"active", required_argument, NULL, OPT_ACTIVE},
    {"process-noise", required_argument, NULL, OPT_PROCESS_NOISE},
    {"noise", required_argument, NULL, OPT_NOISE},
    {NULL, 0, NULL, 0},
};

static int parse_size(const char *arg, long lo, long hi, const char *what, size_t *out)
{
    long v;
    if (wk_parse_long(arg, lo, hi, what, &v) != 0) return WK_EUSAGE;
    *out = (size_t)v;
    return 0;
}

static int traces_option(int key, const char *arg, void *ctx)
{
    struct wk_sim_traces *p = ctx;
    switch (key) {
    case 'w': return parse_size(arg, 1, MAX_WORMS, "--worms", &p->worms);
    case 'T': return parse_size(arg, 2, MAX_SAMPLES, "--samples", &p->samples);
    case 'n': return parse_size(arg, 0, WK_ATLAS_SIZE, "--neurons", &p->neurons);
    case 'u': return parse_size(arg, 0, WK_ATLAS_SIZE, "--unlabeled", &p->unlabeled);
    case 'k': return parse_size(arg, 1, MAX_STATES, "--states", &p->states);
    case 'm': return wk_parse_double(arg, 0.0, 0.9, "--missing", &p->missing);
    case OPT_DWELL: return wk_parse_double(arg, 1e-9, 1e9, "--dwell", &p->dwell);
    case OPT_DT: return wk_parse_double(arg, 1e-9, 1e6, "--dt", &p->dt);
    case OPT_JITTER: return wk_parse_double(arg, 0.0, 0.9, "--jitter", &p->jitter);
    case OPT_TAU: return wk_parse_double(arg, 1e-9, 1e9, "--tau", &p->tau);
    case OPT_DECAY: return wk_parse_double(arg, 1e-9, 1e9, "--decay", &p->decay);
    case OPT_ACTIVE: return wk_parse_double(arg, 0.0, 1.0, "--active", &p->active);
    case OPT_PROCESS_NOISE: return wk_parse_double(arg, 0.0, 1e9, "--process-noise", &p->process_noise);
    case OPT_NOISE: return wk_parse_double(arg, 0.0, 1e9, "--noise", &p->noise);
    default:
        wk_cli_usage_error("option not handled");
        return WK_EUSAGE;
    }
}

static void traces_defaults(void *params)
{
    wk_sim_traces_defaults(params);
}

static int traces_check(const void *params)
{
    const char *problem = traces_problem(params);
    if (!problem) return 0;
    wk_cli_usage_error("%s", problem);
    return WK_EUSAGE;
}

static int traces_run(struct wk_file *f, const void *params, const struct wk_cli *cli)
{
    return wk_sim_traces_write(f, params, cli->seed);
}

const struct wk_sim_model wk_sim_model_traces = {
    "traces",
    "Markov brain states drive activity seen through calcium",
    "  -w, --worms N          recordings, one worm each (default 3)\n"
    "  -T, --samples N        samples per recording (default 900)\n"
    "  -n, --neurons N        labeled atlas neurons per worm (default 40)\n"
    "  -u, --unlabeled N      extra unlabeled columns per worm (default 5)\n"
    "  -k, --states K         latent brain states (default 3)\n"
    "  -m, --missing FRAC     fraction of each column set NaN in short gaps (default 0)\n"
    "      --dwell SEC        mean dwell time in a state (default 20)\n"
    "      --dt SEC           sampling interval (default 1/3)\n"
    "      --jitter FRAC      each interval is dt*(1+FRAC*U(-1,1)) (default 0: uniform)\n"
    "      --tau SEC          activity time constant (default 2)\n"
    "      --decay SEC        calcium indicator decay (default 1)\n"
    "      --active FRAC      fraction of atlas neurons driven by the states (default 0.5)\n"
    "      --process-noise SD sd of activity around its state mean (default 0.3)\n"
    "      --noise SD         observation noise sd (default 0.1)\n",
    "w:T:n:u:k:m:",
    traces_longopts,
    sizeof(struct wk_sim_traces),
    traces_defaults,
    traces_option,
    traces_check,
    traces_run,
};
