/* wk_simulate.h - synthetic recordings with known truth (worm-simulate).
 *
 * Each generative model is a `struct wk_sim_model` in the table returned by
 * wk_sim_models(); worm-simulate dispatches on its name ("traces", ...).
 * A model brings its own options (parsed through wk_cli_parse with the
 * model's params as context) and writes its recordings and truth to an
 * output file.  Models live in src/simulate.c (traces) and
 * src/simulate_<model>.c; adding one means defining its descriptor there
 * and listing it in the table in src/simulate.c.
 */
#ifndef WK_SIMULATE_H
#define WK_SIMULATE_H

#include <getopt.h>
#include <stddef.h>

#include "wk_cli.h"
#include "wk_file.h"
#include "wk_recording.h"

struct wk_sim_model {
    const char *name;             /* "traces": the MODEL operand */
    const char *summary;          /* one line for the model list */
    const char *options;          /* pre-formatted help lines of the model's options */
    const char *shortopts;        /* getopt letters (not o @ s q v h V) */
    const struct option *longopts;
    size_t params_size;           /* bytes of the model's parameter struct */
    void (*defaults)(void *params);
    /* Option handler for wk_cli_parse (ctx = params): 0 or WK_EUSAGE after
     * wk_cli_usage_error(). */
    wk_cli_option_fn option;
    /* Cross-option checks after parsing: 0 or WK_EUSAGE (reported). */
    int (*check)(const void *params);
    /* Simulate and write everything to f (not committed): 0 or WK_E*. */
    int (*run)(struct wk_file *f, const void *params, const struct wk_cli *cli);
};

/* The model table: n models, in the order --help lists them. */
const struct wk_sim_model *const *wk_sim_models(size_t *n);
/* The model called name, or NULL. */
const struct wk_sim_model *wk_sim_model_find(const char *name);

/* Derive an independent RNG seed for stream `stream` of a run seeded with
 * `seed` (splitmix64 of both), so that every worm has its own stream. */
unsigned long wk_sim_stream_seed(unsigned long seed, unsigned long stream);

/* ---- model "traces": Markov brain states driving calcium traces ----
 *
 * K latent states follow a Markov chain: at each step of length h the state
 * is left with probability min(1, h / dwell) for one of the other K-1 states
 * chosen uniformly, so the mean dwell time is `dwell` seconds.  A random
 * fraction `active` of the 300 atlas neurons has a mean mu[k][i] ~ N(0,1)
 * in state k (0 for the other neurons), shared by all worms.  Activity x
 * relaxes toward mu[state] (Ornstein-Uhlenbeck, time constant tau,
 * stationary sd process_noise); calcium c follows x through an exponential
 * kernel (decay seconds, unit gain); the trace is c + N(0, noise^2).
 * See worm-simulate(1) for the exact recursions. */
struct wk_sim_traces {
    size_t worms;        /* recordings (default 3) */
    size_t samples;      /* T per recording (900) */
    size_t neurons;      /* labeled canonical neurons per worm (40) */
    size_t unlabeled;    /* extra unlabeled columns per worm (5) */
    size_t states;       /* K (3) */
    double dwell;        /* mean dwell time, s (20) */
    double dt;           /* nominal sampling interval, s (1/3) */
    double jitter;       /* each interval is dt * (1 + jitter * U(-1,1)) (0) */
    double tau;          /* activity time constant, s (2) */
    double decay;        /* calcium kernel decay, s (1) */
    double active;       /* fraction of atlas neurons modulated by the states (0.5) */
    double process_noise;/* stationary sd of activity around the state mean (0.3) */
    double noise;        /* observation noise sd (0.1) */
    double missing;      /* fraction of each column set NaN in short gaps (0) */
};

/* The longest gap of missing samples. */
#define WK_SIM_MAX_GAP 10

void wk_sim_traces_defaults(struct wk_sim_traces *p);
/* 0, or WK_EINVAL after logging the first bad parameter. */
int wk_sim_traces_check(const struct wk_sim_traces *p);

/* What is shared by every worm of a run (drawn from stream 0 of the seed). */
struct wk_sim_traces_truth {
    size_t states;
    double *state_mean;     /* [states][WK_ATLAS_SIZE]; 0 for inactive neurons */
    unsigned char *active;  /* [WK_ATLAS_SIZE] */
    size_t pool_size;       /* neurons that may be labeled: min(300, ceil(1.5 N)) */
    size_t *pool;           /* [pool_size] atlas indices, increasing */
};

int wk_sim_traces_truth_alloc(struct wk_sim_traces_truth **out, const struct wk_sim_traces *p,
                              unsigned long seed);
void wk_sim_traces_truth_free(struct wk_sim_traces_truth *truth);

/* Worm w (0-based, stream w + 1 of the seed): recording "sim<w+1>" with the
 * array "truth_state" float32[T] (state index 0..K-1 per sample).  When
 * unlabeled_neuron is not NULL it receives, for each extra column 300 + j,
 * the atlas index of the neuron behind it (p->unlabeled entries). */
int wk_sim_traces_worm(struct wk_recording **out, size_t *unlabeled_neuron,
                       const struct wk_sim_traces *p, const struct wk_sim_traces_truth *truth,
                       unsigned long seed, size_t w);

/* A whole run written to f: the recordings, and per recording the group
 * /results/simulate/<id> (attrs: model and parameters; datasets state_mean,
 * unlabeled_neuron).  One recording in memory at a time. */
int wk_sim_traces_write(struct wk_file *f, const struct wk_sim_traces *p, unsigned long seed);

extern const struct wk_sim_model wk_sim_model_traces;
extern const struct wk_sim_model wk_sim_model_ntf; /* src/ntf_sim.c (wk_ntf.h) */
extern const struct wk_sim_model wk_sim_model_glm; /* src/simulate_glm.c (wk_glm.h) */
extern const struct wk_sim_model wk_sim_model_sbm; /* src/simulate_sbm.c (wk_sbm.h) */

/* ---- model "bicluster": spike counts for worm-bicluster ----
 * Neurons in clusters share (p+1)-row latent blocks (row 0 a baseline,
 * rows 1..p factors); time bins follow states alternating quiet/active
 * with durations 1 + Poisson(duration); counts are NB(dispersion) (Poisson
 * when 0) with log-mean d_i + mu_t + c_i' x_t.  One recording "sim1"
 * (columns 0..N-1, dt 1, array truth_state) and the truth in
 * /results/simulate/sim1 (neuron_cluster, state, latent[K][p+1][T], d, c). */
struct wk_sim_bicluster {
    size_t n_clusters;        /* 3 */
    size_t cluster_size[64];  /* 10 each */
    int latent_dim;           /* p (2) */
    size_t samples;           /* T (500) */
    size_t states;            /* 2 */
    double duration;          /* mean state duration, bins (50) */
    double dispersion;        /* r (10); 0: Poisson */
    double baseline_sd, loading_sd; /* 0.5, 0.5 */
    double noise;             /* latent noise variance (0.01) */
    double quiet;             /* quiet-state A = quiet * I (0.01) */
    double growth, angle;     /* active A = growth R diag(rot(angle), 1) R' (1.01, pi/20) */
};
void wk_sim_bicluster_defaults(struct wk_sim_bicluster *p);
int wk_sim_bicluster_check(const struct wk_sim_bicluster *p);
int wk_sim_bicluster_write(struct wk_file *f, const struct wk_sim_bicluster *p, unsigned long seed);
extern const struct wk_sim_model wk_sim_model_bicluster;

#endif
