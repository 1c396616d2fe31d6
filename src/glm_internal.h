/* glm_internal.h - helpers shared by the src/glm*.c files (not installed). */
#ifndef WK_GLM_INTERNAL_H
#define WK_GLM_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vector_internal.h"
#include "wormkit/wk_glm.h"

double wk_glm_softplus(double x);
double wk_glm_sigmoid(double x);
void wk_glm_softmax3(double *q, const double *l);
/* W[s][n][n] = 0 for all s, n when the model has no self-coupling. */
void wk_glm_zero_self(const struct wk_glm_model *m, double *W);
/* u[t][n] = bias[n] + sum_m W[s][n][m] c[t][m] for one sequence and state. */
void wk_glm_drive(double *u, const struct wk_glm_model *m, const struct wk_glm_seq *q, size_t s,
                  const double *W);
/* Posteriors of every sequence, concatenated ([sum T][S]); xi [S][S] pooled;
 * loglik summed.  Parallel over sequences, deterministic. */
int wk_glm_estep(double *gamma, double *xi, double *loglik, const struct wk_glm_model *m,
                 const struct wk_glm_data *d);
/* wk_glm_emission that also keeps the observation terms' derivative d1 and
 * Fisher weight w [T][S][N] of the sequence (unless d1 is NULL). */
int wk_glm_emission_terms(double *ll, double *d1, double *w, const struct wk_glm_model *m,
                          const struct wk_glm_seq *q);
/* wk_glm_estep that also fills d1 and w [sum T][S][N] (NULL: not) with the
 * terms of every sample at the current model, for the M-step. */
int wk_glm_estep_terms(double *gamma, double *xi, double *loglik, double *d1, double *w,
                       const struct wk_glm_model *m, const struct wk_glm_data *d);
/* Closed-form transitions from pooled expected counts (log P clamped). */
void wk_glm_update_transitions(struct wk_glm_model *m, const double *xi);
/* The data term for neuron blocks: value per neuron [N] of
 * sum_s sum_t gamma_ts l(x_tn, u_tsn) for weights W; gradients dW [S][N][N]
 * and db [N] when not NULL. */
int wk_glm_data_term(double *value_n, double *gW, double *gb, const struct wk_glm_model *m,
                     const double *W, const struct wk_glm_data *d, const double *gamma);
/* M-steps. */
int wk_glm_mstep_newton(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma,
                        const struct wk_glm_opts *o, unsigned long step_seed);
/* Fisher scoring with its buffers kept in ws across calls (one fit, one
 * thread at a time; NULL: allocated per call as wk_glm_mstep_newton). */
struct wk_glm_mstep_ws;
struct wk_glm_mstep_ws *wk_glm_mstep_ws_alloc(void);
void wk_glm_mstep_ws_free(struct wk_glm_mstep_ws *ws);
int wk_glm_mstep_newton_ws(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma,
                           const struct wk_glm_opts *o, unsigned long step_seed, struct wk_glm_mstep_ws *ws);
/* Room in ws for the E-step's observation terms (d1, w [sum T][S][N]) when
 * the next M-step of ws takes them in place of a pass over the data (the
 * one-hot prior with Fisher scoring); *d1 = *w = NULL otherwise. */
int wk_glm_mstep_ws_terms(struct wk_glm_mstep_ws *ws, double **d1, double **w, const struct wk_glm_model *m,
                          const struct wk_glm_data *d, const struct wk_glm_opts *o);
int wk_glm_mstep_adam(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma,
                      const struct wk_glm_opts *o, unsigned long step_seed);
/* Windowed k-means initialisation (glm_init.c); no-op for S = 1. */
int wk_glm_init_from_data(struct wk_glm_model *m, const struct wk_glm_data *d, const struct wk_glm_opts *o);
/* Gaussian observations: closed-form variances per neuron. */
int wk_glm_update_variance(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma);
/* Mean over states of W: Wbar [N][N]. */
void wk_glm_state_mean(double *Wbar, const struct wk_glm_model *m);
/* Gumbel noise: n values from a key (counter-based, thread independent). */
void wk_glm_gumbel_fill(double *g, size_t n, unsigned long key);
/* Standard normal draws, counter-based as wk_glm_gumbel_fill. */
void wk_glm_normal_fill(double *g, size_t n, unsigned long key);
/* A key derived from two numbers (splitmix64). */
unsigned long wk_glm_key(unsigned long a, unsigned long b);

/* Gaussian prior: value of sum log N(W | Wbar, sigma^2), gradient added to gW
 * (may be NULL). */
double wk_glm_gaussian_prior(const struct wk_glm_model *m, const double *W, const double *Wbar, double *gW);
double wk_glm_gaussian_prior_row(const struct wk_glm_model *m, const double *W, const double *Wbar, size_t n,
                                 double *gW);
/* One-hot, the entries of row n only (all states); noise is row n's block
 * [S][N][3] of the [N][S][N][3] layout (NULL: none). */
double wk_glm_onehot_row_forward(const struct wk_glm_model *m, const double *noise, size_t n, double *W);
void wk_glm_onehot_row_backward(const struct wk_glm_model *m, const double *noise, size_t n, const double *gW,
                                double *gl, double *grho, double *gpi);
/* One-hot row n fused for the Fisher-scoring inner loop: the sample W of
 * the row with its cache [wk_glm_onehot_row_cache_len], then the gradients
 * at the same parameters (added to gl, grho and, unless pibar is fixed,
 * gpi), equal to those of wk_glm_onehot_row_backward. */
size_t wk_glm_onehot_row_cache_len(const struct wk_glm_model *m);
void wk_glm_onehot_row_sample(const struct wk_glm_model *m, const double *noise, size_t n, double *W, double *cache);
void wk_glm_onehot_row_grad(const struct wk_glm_model *m, const double *cache, size_t n, const double *gW,
                            double *gl, double *grho, double *gpi);
/* One-hot: W from (l, rho, g) and the value of log prior - log q. */
double wk_glm_onehot_forward(const struct wk_glm_model *m, const double *gumbel, double *W);
/* One-hot: chain the data gradient gW and the prior terms into l, rho, pibar. */
void wk_glm_onehot_backward(const struct wk_glm_model *m, const double *gumbel, const double *gW, double *gl,
                            double *grho, double *gpi);
void wk_glm_clamp_logits(double *l, size_t n);
/* Observation log-density without parameter-free terms (Poisson lgamma),
 * one entry with libm: the reference for wk_glm_obs_block, which the
 * E-step and M-step passes use. */
static inline double wk_glm_obs_core(enum wk_glm_obs obs, double x, double u, double var, double *d1, double *w)
{
    if (obs == WK_GLM_GAUSSIAN) {
        double r = x - u;
        if (d1) *d1 = r / var;
        if (w) *w = 1.0 / var;
        return -0.5 * (log(2 * M_PI * var) + r * r / var);
    }
    double e = exp(-fabs(u)), inv = 1.0 / (1.0 + e);
    double sg = u >= 0 ? inv : e * inv, sgm = u >= 0 ? e * inv : inv; /* sigmoid(u), sigmoid(-u) */
    double f = (1 - WK_GLM_EPS) * sg + WK_GLM_EPS;
    double df = (1 - WK_GLM_EPS) * sg * sgm;
    if (obs == WK_GLM_POISSON) {
        if (d1) *d1 = (x / f - 1.0) * df;
        if (w) *w = df * df / f;
        return x == 0 ? -f : x * log(f) - f;
    }
    double g = (1 - WK_GLM_EPS) * sgm; /* 1 - f */
    if (d1) *d1 = (x / f - (1.0 - x) / g) * df;
    if (w) *w = df * df / (f * g);
    return x == 0 ? log(g) : x == 1 ? log(f) : x * log(f) + (1.0 - x) * log(g);
}


/* Observation terms of rows x N entries (row-major, the variances var [N]
 * by column) with rates u and counts x (NaN: missing, all terms 0):
 * val = the log-density without parameter-free terms (as wk_glm_obs_core);
 * when d1 is not NULL also its derivative d1 and Fisher weight w, and then
 * val may be NULL (the same d1 and w, cheaper). */
void wk_glm_obs_block(double *val, double *d1, double *w, enum wk_glm_obs obs, const float *x, const double *u,
                      const double *var, size_t rows, size_t N);

/* Work (in multiply-adds) below which a loop stays on one thread. */
#define WK_GLM_PARALLEL_MIN 200000

/* Epoch count a checkpoint records once the fit has converged. */
#define WK_GLM_CONVERGED ((size_t)1 << 40)

/* Posteriors below this are skipped in the M-step sums. */
#define WK_GLM_GAMMA_SKIP 1e-10
/* Posteriors below this are left out of the Fisher blocks (the curvature
 * of the M-step, not its gradient): their rows would add at most this
 * fraction of a sample each, and most of the work of the blocks. */
#ifndef WK_GLM_FISHER_SKIP
#define WK_GLM_FISHER_SKIP 1e-3
#endif

#endif
