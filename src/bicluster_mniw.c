/* bicluster_mniw.c - the dynamics (A_l, b_l, Q_l) of each state from their
 * matrix-normal inverse-Wishart posterior given the latents and states:
 * Q ~ IW(0.01 I, D + 2), [A | b] | Q ~ MN([I | 0], Q, I) a priori. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "bicluster_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

#define PRIOR_SCALE 0.01

struct mniw_work {
    double *sxx, *syx, *syy, *mn, *sn, *e, *row, *iw;
};

/* Sufficient statistics of the transitions in state l, prior included. */
static void statistics(struct mniw_work *w, const struct wk_bc_chain *ch, size_t l, long *count)
{
    size_t D = ch->D, E = D + 1, T = ch->data->T;
    memset(w->sxx, 0, E * E * sizeof(double));
    memset(w->syx, 0, D * E * sizeof(double));
    memset(w->syy, 0, D * D * sizeof(double));
    for (size_t i = 0; i < E; i++) w->sxx[i * E + i] = 1.0;
    for (size_t i = 0; i < D; i++) w->syx[i * E + i] = 1.0, w->syy[i * D + i] = 1.0;
    *count = 0;
    for (size_t t = 1; t < T; t++) {
        if ((size_t)ch->xi[t] != l) continue;
        const double *x = ch->X + t * D, *zp = ch->X + (t - 1) * D;
        (*count)++;
        for (size_t i = 0; i < E; i++) {
            double zi = i < D ? zp[i] : 1.0;
            for (size_t j = 0; j < E; j++) w->sxx[i * E + j] += zi * (j < D ? zp[j] : 1.0);
        }
        for (size_t i = 0; i < D; i++) {
            for (size_t j = 0; j < E; j++) w->syx[i * E + j] += x[i] * (j < D ? zp[j] : 1.0);
            for (size_t j = 0; j < D; j++) w->syy[i * D + j] += x[i] * x[j];
        }
    }
}

static int draw_state(struct wk_bc_chain *ch, size_t l, struct mniw_work *w)
{
    size_t D = ch->D, E = D + 1;
    long n;
    statistics(w, ch, l, &n);
    int rc = wk_bc_chol(w->sxx, E); /* Sxx = U U' */
    if (rc < 0) return wk_fail(rc, "bicluster: dynamics regression is singular");
    /* Mn = Syx Sxx^{-1}, row by row */
    for (size_t i = 0; i < D; i++) {
        memcpy(w->mn + i * E, w->syx + i * E, E * sizeof(double));
        wk_bc_chol_solve(w->sxx, E, w->mn + i * E);
    }
    /* Sn = S0 + Syy - Mn Syx' */
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++) {
            double v = w->syy[i * D + j] + (i == j ? PRIOR_SCALE : 0.0);
            for (size_t k = 0; k < E; k++) v -= w->mn[i * E + k] * w->syx[j * E + k];
            w->sn[i * D + j] = v;
        }
    wk_bc_symmetrize(w->sn, D);
    double *Q = ch->Q + l * D * D, *A = ch->A + l * D * D, *b = ch->b + l * D;
    rc = wk_bc_inverse_wishart(Q, w->sn, (double)D + 2.0 + (double)n, D, ch->rng, w->iw);
    if (rc < 0) return wk_fail(rc, "bicluster: inverse-Wishart scale is not positive definite");
    /* rows of E with covariance Sxx^{-1}: v = U^{-T} e */
    for (size_t i = 0; i < D; i++) {
        memset(w->e + i * E, 0, E * sizeof(double));
        wk_bc_chol_draw_precision(w->e + i * E, w->sxx, E, ch->rng);
    }
    memcpy(w->row, Q, D * D * sizeof(double));
    rc = wk_bc_chol(w->row, D);
    if (rc < 0) return wk_fail(rc, "bicluster: drawn noise covariance is not positive definite");
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < E; j++) {
            double v = w->mn[i * E + j];
            for (size_t k = 0; k <= i; k++) v += w->row[i * D + k] * w->e[k * E + j];
            if (j < D) A[i * D + j] = v;
            else b[i] = v;
        }
    return 0;
}

int wk_bc_update_dynamics(struct wk_bc_chain *ch)
{
    size_t D = ch->D, E = D + 1;
    struct mniw_work w = {
        wk_malloc_array(E, E * sizeof(double)), wk_malloc_array(D, E * sizeof(double)),
        wk_malloc_array(D, D * sizeof(double)), wk_malloc_array(D, E * sizeof(double)),
        wk_malloc_array(D, D * sizeof(double)), wk_malloc_array(D, E * sizeof(double)),
        wk_malloc_array(D, D * sizeof(double)), wk_malloc_array(3 * D, D * sizeof(double)),
    };
    int rc = w.sxx && w.syx && w.syy && w.mn && w.sn && w.e && w.row && w.iw ? 0 : WK_ENOMEM;
    for (size_t l = 0; !rc && l < ch->L; l++) rc = draw_state(ch, l, &w);
    free(w.sxx);
    free(w.syx);
    free(w.syy);
    free(w.mn);
    free(w.sn);
    free(w.e);
    free(w.row);
    free(w.iw);
    return rc;
}
