/* bicluster_mniw.c - the dynamics (A_l, b_l, Q_l) of each state from their
 * matrix-normal inverse-Wishart posterior given the latents and states:
 * Q ~ IW(0.01 I, D + 2), [A | b] | Q ~ MN([I | 0], Q, I) a priori.  The
 * first bin's transition starts from X_{-1} ~ N(0, I), which the latent
 * and state updates integrate out and this update draws first. */
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

/* acc[i][j] += u_i v_j for i < n, j < m (row updates, vectorizable; each
 * entry still sums its terms in time order). */
static void add_outer(double *acc, const double *u, size_t n, const double *v, size_t m)
{
    for (size_t i = 0; i < n; i++) {
        double ui = u[i], *row = acc + i * m;
#pragma omp simd
        for (size_t j = 0; j < m; j++) row[j] += ui * v[j];
    }
}

/* Sufficient statistics of the transitions in state l, prior included,
 * with the step xpre -> X_0 when l is the state of bin 0 (zext: E values
 * of work). */
static void statistics(struct mniw_work *w, const struct wk_bc_chain *ch, size_t l, const double *xpre, long *count,
                       double *zext)
{
    size_t D = ch->D, E = D + 1, T = ch->data->T;
    memset(w->sxx, 0, E * E * sizeof(double));
    memset(w->syx, 0, D * E * sizeof(double));
    memset(w->syy, 0, D * D * sizeof(double));
    for (size_t i = 0; i < E; i++) w->sxx[i * E + i] = 1.0;
    for (size_t i = 0; i < D; i++) w->syx[i * E + i] = 1.0, w->syy[i * D + i] = 1.0;
    *count = 0;
    for (size_t t = 0; t < T; t++) {
        if ((size_t)ch->xi[t] != l) continue;
        const double *x = ch->X + t * D;
        (*count)++;
        memcpy(zext, t > 0 ? ch->X + (t - 1) * D : xpre, D * sizeof(double));
        zext[D] = 1.0;
        add_outer(w->sxx, zext, E, zext, E);
        add_outer(w->syx, x, D, zext, E);
        add_outer(w->syy, x, D, x, D);
    }
}

/* X_{-1} given X_0 and the dynamics of xi_0: prior N(0, I) times
 * N(X_0; b + A x, Q), i.e. precision I + A' Q^{-1} A and information
 * A' Q^{-1} (X_0 - b). */
int wk_bc_draw_presample(double *xpre, struct wk_bc_chain *ch, double *work)
{
    size_t D = ch->D, l = (size_t)ch->xi[0];
    double *lq = work, *wa = work + D * D, *prec = work + 2 * D * D, *r = work + 3 * D * D;
    memcpy(lq, ch->Q + l * D * D, D * D * sizeof(double));
    if (wk_bc_chol(lq, D) < 0)
        return wk_fail(WK_ENUMERIC, "bicluster: state noise covariance is not positive definite");
    /* wa = Lq^{-1} A, r = Lq^{-1} (X_0 - b), by forward substitution */
    for (size_t i = 0; i < D; i++) {
        double *wi = wa + i * D;
        memcpy(wi, ch->A + (l * D + i) * D, D * sizeof(double));
        r[i] = ch->X[i] - ch->b[l * D + i];
        for (size_t j = 0; j < i; j++) {
            double lij = lq[i * D + j];
            for (size_t k = 0; k < D; k++) wi[k] -= lij * wa[j * D + k];
            r[i] -= lij * r[j];
        }
        for (size_t k = 0; k < D; k++) wi[k] /= lq[i * D + i];
        r[i] /= lq[i * D + i];
    }
    wk_bc_matmul_tn(prec, wa, wa, D, D, D);
    for (size_t i = 0; i < D; i++) {
        prec[i * D + i] += 1.0;
        double v = 0;
        for (size_t k = 0; k < D; k++) v += wa[k * D + i] * r[k];
        xpre[i] = v;
    }
    wk_bc_symmetrize(prec, D);
    if (wk_bc_chol(prec, D) < 0)
        return wk_fail(WK_ENUMERIC, "bicluster: precision of the first step is not positive definite");
    wk_bc_chol_solve(prec, D, xpre);
    wk_bc_chol_draw_precision(xpre, prec, D, ch->rng);
    return 0;
}

static int draw_state(struct wk_bc_chain *ch, size_t l, const double *xpre, struct mniw_work *w)
{
    size_t D = ch->D, E = D + 1;
    long n;
    statistics(w, ch, l, xpre, &n, w->e); /* e is free until the draw below */
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
        wk_malloc_array(D, D * sizeof(double)), wk_malloc_array(3 * D + 1, D * sizeof(double)),
    };
    double *xpre = wk_malloc_array(D, sizeof(double));
    int rc = w.sxx && w.syx && w.syy && w.mn && w.sn && w.e && w.row && w.iw && xpre ? 0 : WK_ENOMEM;
    if (!rc && ch->data->T > 0) rc = wk_bc_draw_presample(xpre, ch, w.iw); /* iw: free until the draws */
    for (size_t l = 0; !rc && l < ch->L; l++) rc = draw_state(ch, l, xpre, &w);
    free(xpre);
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
