/* ntf_sim.c - recordings with planted NTF components (worm-simulate ntf;
 * the generative model is stated in wk_ntf.h). */
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "wormkit/wk_affinity.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_ntf.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_simulate.h"
#include "wormkit/wk_util.h"

#define SMOOTH 5 /* moving-average width of the random signals */
#define MAX_WORMS 100000
#define MAX_SAMPLES 10000000

void wk_ntf_sim_defaults(struct wk_ntf_sim *p)
{
    p->worms = 4;
    p->samples = 600;
    p->neurons = 30;
    p->components = 3;
    p->group_size = 6;
    p->window = 0.25;
    p->worm_fraction = 0.5;
    p->amplitude = 3;
    p->noise = 0.2;
    p->dt = 1.0 / 3.0;
}

int wk_ntf_sim_check(const struct wk_ntf_sim *p)
{
    if (p->worms < 1) return wk_fail(WK_EINVAL, "--worms must be at least 1");
    if (p->samples < 2) return wk_fail(WK_EINVAL, "--samples must be at least 2");
    if (p->neurons < 2 || p->neurons > WK_ATLAS_SIZE)
        return wk_fail(WK_EINVAL, "--neurons must be between 2 and %d", WK_ATLAS_SIZE);
    if (p->components < 1 || p->components > WK_NTF_MAX_RANK)
        return wk_fail(WK_EINVAL, "--components must be between 1 and %d", WK_NTF_MAX_RANK);
    if (p->group_size < 2 || p->group_size > p->neurons)
        return wk_fail(WK_EINVAL, "--group-size must be between 2 and --neurons (%zu)", p->neurons);
    if (!(p->window > 0 && p->window <= 1)) return wk_fail(WK_EINVAL, "--window must be in (0, 1]");
    if (!(p->worm_fraction > 0 && p->worm_fraction <= 1))
        return wk_fail(WK_EINVAL, "--worm-fraction must be in (0, 1]");
    if (!(p->dt > 0) || !(p->noise >= 0) || !(p->amplitude >= 0))
        return wk_fail(WK_EINVAL, "--dt must be positive, --noise and --amplitude non-negative");
    return 0;
}

/* Unit-variance smoothed white noise: centred moving average of SMOOTH draws. */
static void smooth_noise(double *s, size_t T, gsl_rng *rng, double *raw)
{
    for (size_t t = 0; t < T + SMOOTH; t++) raw[t] = gsl_ran_gaussian(rng, 1.0);
    double scale = 1.0 / sqrt((double)SMOOTH);
    for (size_t t = 0; t < T; t++) {
        double x = 0;
        for (size_t k = 0; k < SMOOTH; k++) x += raw[t + k];
        s[t] = x * scale;
    }
}

struct plan {
    size_t N, K, g, T, W;
    size_t *cols;          /* [N] atlas columns */
    size_t *group;         /* [K][g] neuron indices */
    size_t *start, len;    /* [K] window starts */
    unsigned char *active; /* [K][W] */
};

static void plan_free(struct plan *pl)
{
    free(pl->cols);
    free(pl->group);
    free(pl->start);
    free(pl->active);
}

static int plan_draw(struct plan *pl, const struct wk_ntf_sim *p, gsl_rng *rng)
{
    memset(pl, 0, sizeof *pl);
    pl->N = p->neurons;
    pl->K = p->components;
    pl->g = p->group_size;
    pl->T = p->samples;
    pl->W = p->worms;
    pl->len = (size_t)lround(p->window * (double)p->samples);
    if (pl->len < 2) pl->len = 2;
    if (pl->len > pl->T) pl->len = pl->T;
    size_t all[WK_ATLAS_SIZE], idx[WK_ATLAS_SIZE];
    pl->cols = wk_malloc_array(pl->N, sizeof *pl->cols);
    pl->group = wk_malloc_array(pl->K * pl->g, sizeof *pl->group);
    pl->start = wk_malloc_array(pl->K, sizeof *pl->start);
    pl->active = wk_calloc(pl->K * pl->W, 1);
    if (!pl->cols || !pl->group || !pl->start || !pl->active) return WK_ENOMEM;
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++) all[c] = c;
    gsl_ran_choose(rng, pl->cols, pl->N, all, WK_ATLAS_SIZE, sizeof(size_t)); /* sorted */
    for (size_t i = 0; i < pl->N; i++) idx[i] = i;
    size_t used = pl->N; /* shuffle afresh when the groups run out of neurons */
    for (size_t k = 0; k < pl->K; k++) {
        if (used + pl->g > pl->N) {
            gsl_ran_shuffle(rng, idx, pl->N, sizeof(size_t));
            used = 0;
        }
        for (size_t q = 0; q < pl->g; q++) pl->group[k * pl->g + q] = idx[used + q];
        used += pl->g;
        pl->start[k] = (size_t)gsl_rng_uniform_int(rng, pl->T - pl->len + 1);
        size_t n_active = 0;
        for (size_t w = 0; w < pl->W; w++) {
            unsigned char on = gsl_rng_uniform(rng) < p->worm_fraction;
            pl->active[k * pl->W + w] = on;
            n_active += on;
        }
        if (!n_active) pl->active[k * pl->W + gsl_rng_uniform_int(rng, pl->W)] = 1;
    }
    return 0;
}

static int plan_truth(struct wk_ntf_model **out, const struct plan *pl)
{
    size_t P = wk_affinity_n_pairs(pl->N), K = pl->K;
    struct wk_ntf_model *m = wk_ntf_model_alloc(K, P, pl->T, pl->W);
    if (!m) return WK_ENOMEM;
    for (size_t k = 0; k < K; k++) {
        for (size_t a = 0; a < pl->g; a++)
            for (size_t b = 0; b < pl->g; b++) {
                size_t i = pl->group[k * pl->g + a], j = pl->group[k * pl->g + b];
                if (i < j) m->A[wk_affinity_pair_index(pl->N, i, j) * K + k] = 1;
            }
        for (size_t t = pl->start[k]; t < pl->start[k] + pl->len; t++) m->B[t * K + k] = 1;
        for (size_t w = 0; w < pl->W; w++) m->C[w * K + k] = pl->active[k * pl->W + w];
    }
    wk_ntf_model_normalize(m);
    for (size_t k = 0; k < K; k++) m->lambda[k] = 1;
    *out = m;
    return 0;
}

static int simulate_worm(struct wk_recording **out, const struct plan *pl, const struct wk_ntf_sim *p, size_t w,
                         gsl_rng *rng, double *s, double *raw)
{
    struct wk_recording *rec = wk_recording_alloc(pl->T, WK_ATLAS_SIZE);
    if (!rec) return WK_ENOMEM;
    char id[32];
    snprintf(id, sizeof id, "sim%zu", w + 1);
    int rc = wk_recording_set_id(rec, id);
    if (!rc) rc = wk_recording_set_dataset(rec, "simulate-ntf");
    if (rc) {
        wk_recording_free(rec);
        return rc;
    }
    rec->worm = (long)w;
    rec->dt = p->dt;
    for (size_t t = 0; t < pl->T; t++) rec->time[t] = (double)t * p->dt;
    for (size_t i = 0; i < pl->N; i++) { /* own signal of each neuron */
        size_t c = pl->cols[i];
        smooth_noise(s, pl->T, rng, raw);
        for (size_t t = 0; t < pl->T; t++) rec->traces[t * rec->C + c] = (float)s[t];
    }
    for (size_t k = 0; k < pl->K; k++) { /* shared drive of the active groups */
        if (!pl->active[k * pl->W + w]) continue;
        smooth_noise(s, pl->T, rng, raw);
        for (size_t q = 0; q < pl->g; q++) {
            size_t c = pl->cols[pl->group[k * pl->g + q]];
            for (size_t t = pl->start[k]; t < pl->start[k] + pl->len; t++)
                rec->traces[t * rec->C + c] += (float)(p->amplitude * s[t]);
        }
    }
    for (size_t i = 0; i < pl->N; i++)
        for (size_t t = 0; t < pl->T; t++)
            rec->traces[t * rec->C + pl->cols[i]] += (float)(p->noise * gsl_ran_gaussian(rng, 1.0));
    wk_recording_update_present(rec);
    *out = rec;
    return 0;
}

int wk_ntf_sim_generate(struct wk_recording ***recs, struct wk_ntf_model **truth, size_t **cols,
                        const struct wk_ntf_sim *p, unsigned long seed)
{
    *recs = NULL;
    *truth = NULL;
    *cols = NULL;
    int rc = wk_ntf_sim_check(p);
    if (rc) return rc;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) return wk_fail(WK_ENOMEM, "out of memory");
    gsl_rng_set(rng, seed);
    struct plan pl;
    memset(&pl, 0, sizeof pl);
    struct wk_recording **r = wk_calloc(p->worms, sizeof *r);
    double *s = wk_malloc_array(p->samples, sizeof *s), *raw = wk_malloc_array(p->samples + SMOOTH, sizeof *raw);
    rc = (!r || !s || !raw) ? WK_ENOMEM : plan_draw(&pl, p, rng);
    if (!rc) rc = plan_truth(truth, &pl);
    for (size_t w = 0; w < p->worms && !rc; w++) rc = simulate_worm(&r[w], &pl, p, w, rng, s, raw);
    if (!rc) {
        *cols = pl.cols;
        pl.cols = NULL;
        *recs = r;
        r = NULL;
    }
    if (rc) {
        wk_ntf_model_free(*truth);
        *truth = NULL;
    }
    if (r)
        for (size_t w = 0; w < p->worms; w++) wk_recording_free(r[w]);
    free(r);
    plan_free(&pl);
    free(s);
    free(raw);
    gsl_rng_free(rng);
    return rc;
}

static int write_truth(hid_t g, const struct wk_ntf_model *truth, const size_t *cols, const struct wk_ntf_sim *p,
                       char **ids)
{
    size_t N = p->neurons, T = p->samples;
    char **names = wk_calloc(N, sizeof *names);
    double *time = wk_malloc_array(T, sizeof *time);
    int rc = (!names || !time) ? WK_ENOMEM : 0;
    if (!rc) {
        for (size_t i = 0; i < N; i++) names[i] = (char *)wk_atlas_name(cols[i]);
        for (size_t t = 0; t < T; t++) time[t] = (double)t * p->dt;
        struct wk_ntf_axes ax = {N, names, time, ids};
        rc = wk_ntf_write_model(g, truth, &ax);
    }
    if (!rc) rc = wk_h5_set_attr_string(g, "model", "ntf");
    if (!rc) rc = wk_h5_set_attr_long(g, "components", (long)p->components);
    if (!rc) rc = wk_h5_set_attr_long(g, "group_size", (long)p->group_size);
    if (!rc) rc = wk_h5_set_attr_double(g, "window", p->window);
    if (!rc) rc = wk_h5_set_attr_double(g, "worm_fraction", p->worm_fraction);
    if (!rc) rc = wk_h5_set_attr_double(g, "amplitude", p->amplitude);
    if (!rc) rc = wk_h5_set_attr_double(g, "noise", p->noise);
    free(names);
    free(time);
    return rc;
}

int wk_ntf_sim_write(struct wk_file *f, const struct wk_ntf_sim *p, unsigned long seed)
{
    struct wk_recording **recs;
    struct wk_ntf_model *truth;
    size_t *cols;
    int rc = wk_ntf_sim_generate(&recs, &truth, &cols, p, seed);
    if (rc) return rc;
    char **ids = wk_calloc(p->worms, sizeof *ids);
    if (!ids) rc = WK_ENOMEM;
    for (size_t w = 0; w < p->worms && !rc; w++) {
        ids[w] = recs[w]->id;
        rc = wk_recording_write(f, recs[w]);
    }
    hid_t g;
    if (!rc && (rc = wk_h5_ensure_group(wk_file_hid(f), "/results/simulate/ntf", &g)) == 0) {
        rc = write_truth(g, truth, cols, p, ids);
        H5Gclose(g);
    }
    free(ids);
    for (size_t w = 0; w < p->worms; w++) wk_recording_free(recs[w]);
    free(recs);
    free(cols);
    wk_ntf_model_free(truth);
    return rc;
}

/* ---- the worm-simulate model descriptor ---- */

enum { OPT_WINDOW = 300, OPT_WORM_FRACTION, OPT_AMPLITUDE, OPT_NOISE, OPT_DT, OPT_GROUP };

static const struct option ntf_longopts[] = {
    {"worms", required_argument, 0, 'w'},
    {"samples", required_argument, 0, 'T'},
    {"neurons", required_argument, 0, 'n'},
    {"components", required_argument, 0, 'k'},
    {"group-size", required_argument, 0, OPT_GROUP},
    {"window", required_argument, 0, OPT_WINDOW},
    {"worm-fraction", required_argument, 0, OPT_WORM_FRACTION},
    {"amplitude", required_argument, 0, OPT_AMPLITUDE},
    {"noise", required_argument, 0, OPT_NOISE},
    {"dt", required_argument, 0, OPT_DT},
    {0, 0, 0, 0},
};

static int parse_count(const char *arg, long lo, long hi, const char *what, size_t *out)
{
    long v;
    if (wk_parse_long(arg, lo, hi, what, &v)) return WK_EUSAGE;
    *out = (size_t)v;
    return 0;
}

static int ntf_option(int key, const char *arg, void *ctx)
{
    struct wk_ntf_sim *p = ctx;
    switch (key) {
    case 'w': return parse_count(arg, 1, MAX_WORMS, "--worms", &p->worms);
    case 'T': return parse_count(arg, 2, MAX_SAMPLES, "--samples", &p->samples);
    case 'n': return parse_count(arg, 2, WK_ATLAS_SIZE, "--neurons", &p->neurons);
    case 'k': return parse_count(arg, 1, WK_NTF_MAX_RANK, "--components", &p->components);
    case OPT_GROUP: return parse_count(arg, 2, WK_ATLAS_SIZE, "--group-size", &p->group_size);
    case OPT_WINDOW: return wk_parse_double(arg, 1e-9, 1.0, "--window", &p->window);
    case OPT_WORM_FRACTION: return wk_parse_double(arg, 1e-9, 1.0, "--worm-fraction", &p->worm_fraction);
    case OPT_AMPLITUDE: return wk_parse_double(arg, 0.0, 1e9, "--amplitude", &p->amplitude);
    case OPT_NOISE: return wk_parse_double(arg, 0.0, 1e9, "--noise", &p->noise);
    case OPT_DT: return wk_parse_double(arg, 1e-9, 1e6, "--dt", &p->dt);
    default:
        wk_cli_usage_error("option not handled");
        return WK_EUSAGE;
    }
}

static void ntf_defaults(void *params)
{
    wk_ntf_sim_defaults(params);
}

static int ntf_check(const void *params)
{
    const struct wk_ntf_sim *p = params;
    if (p->group_size > p->neurons) {
        wk_cli_usage_error("--group-size (%zu) exceeds --neurons (%zu)", p->group_size, p->neurons);
        return WK_EUSAGE;
    }
    return 0;
}

static int ntf_run(struct wk_file *f, const void *params, const struct wk_cli *cli)
{
    return wk_ntf_sim_write(f, params, cli->seed);
}

const struct wk_sim_model wk_sim_model_ntf = {
    "ntf",
    "neuron groups co-active in known windows of known worms (truth: NTF factors)",
    "  -w, --worms N          recordings, one worm each (default 4)\n"
    "  -T, --samples N        samples per recording (default 600)\n"
    "  -n, --neurons N        atlas neurons, shared by all worms (default 30)\n"
    "  -k, --components K     planted components (default 3)\n"
    "      --group-size G     neurons per component's group (default 6)\n"
    "      --window FRAC      fraction of the recording a component is active (default 0.25)\n"
    "      --worm-fraction F  probability that a component is active in a worm (default 0.5)\n"
    "      --amplitude A      amplitude of a group's shared drive (default 3)\n"
    "      --noise SD         observation noise sd (default 0.2)\n"
    "      --dt SEC           sampling interval (default 1/3)\n",
    "w:T:n:k:",
    ntf_longopts,
    sizeof(struct wk_ntf_sim),
    ntf_defaults,
    ntf_option,
    ntf_check,
    ntf_run,
};
