/* bicluster_gck.c - the states drawn one bin at a time with the latents
 * integrated out (Gerlach, Carter & Kohn 2000): p(xi_t | xi_-t, pseudo-
 * observations, dynamics) for every t in one forward sweep, from a
 * backward pass of information messages and a forward Kalman filter. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bicluster_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

struct gck_work {
    size_t D;
    double *om, *mu;               /* [T][D][D], [T][D]: backward messages */
    double *M, *g, *lam, *y;       /* D x D, D, D x D, D x D */
    double *m, *P, *F, *a, *R, *B; /* filter mean, covariance, its factor; candidate mean, covariance, I + L'ML */
    double *t1, *t2, *v;           /* D x D, D x D, D */
};

/* M += J_t (block diagonal, blocks B x B) */
static void add_blocks(double *M, const double *J, size_t t, size_t D, size_t B)
{
    const double *Jt = J + t * D * B;
    for (size_t c = 0; c < D / B; c++)
        for (size_t a = 0; a < B; a++)
            for (size_t b = 0; b < B; b++) M[(c * B + a) * D + c * B + b] += Jt[(c * B + a) * B + b];
}

/* M = J_t + om, g = h_t + mu */
static void bin_information(double *M, double *g, const double *J, const double *h, const double *om, const double *mu,
                            size_t t, size_t D, size_t B)
{
    memcpy(M, om, D * D * sizeof *M);
    for (size_t i = 0; i < D; i++) g[i] = h[t * D + i] + mu[i];
    add_blocks(M, J, t, D, B);
}

/* The message into x_{t-1} from bins t..T-1 through state l's transition:
 * om_prev = A' W A, mu_prev = A' (v - W b) with W = M - M (Q^-1 + M)^-1 M,
 * v = g - M (Q^-1 + M)^-1 g. */
static int backward_step(struct gck_work *w, const double *qinv, const double *A, const double *b, double *om_prev,
                         double *mu_prev)
{
    size_t D = w->D;
    for (size_t k = 0; k < D * D; k++) w->lam[k] = qinv[k] + w->M[k];
    if (wk_bc_chol(w->lam, D) < 0) return WK_ENUMERIC;
    /* y = lam^{-1} M column by column (M symmetric: rows of M are columns) */
    for (size_t j = 0; j < D; j++) {
        for (size_t i = 0; i < D; i++) w->v[i] = w->M[j * D + i];
        wk_bc_chol_solve(w->lam, D, w->v);
        for (size_t i = 0; i < D; i++) w->y[i * D + j] = w->v[i];
    }
    wk_bc_matmul(w->t1, w->M, w->y, D, D, D); /* M lam^-1 M */
    for (size_t k = 0; k < D * D; k++) w->t1[k] = w->M[k] - w->t1[k];
    wk_bc_symmetrize(w->t1, D); /* W */
    memcpy(w->v, w->g, D * sizeof *w->v);
    wk_bc_chol_solve(w->lam, D, w->v);
    double u[WK_BC_MAX_K * 8];
    for (size_t i = 0; i < D; i++) {
        double s = w->g[i];
        for (size_t k = 0; k < D; k++) s -= w->M[i * D + k] * w->v[k];
        for (size_t k = 0; k < D; k++) s -= w->t1[i * D + k] * b[k];
        u[i] = s;
    }
    wk_bc_matmul(w->t2, w->t1, A, D, D, D);      /* W A */
    wk_bc_matmul_tn(om_prev, A, w->t2, D, D, D); /* A' W A */
    wk_bc_symmetrize(om_prev, D);
    for (size_t i = 0; i < D; i++) {
        double s = 0;
        for (size_t k = 0; k < D; k++) s += A[k * D + i] * u[k];
        mu_prev[i] = s;
    }
    return 0;
}

/* Predictive N(a, R) of x_t under state l from the filter of x_{t-1}:
 * mean m, covariance P = F F' (F lower triangular); only R's lower
 * triangle is written. */
static void predict(struct gck_work *w, const double *A, const double *b, const double *Q)
{
    size_t D = w->D;
    double *G = w->t1;
    for (size_t i = 0; i < D; i++) {
        double s = b[i];
        for (size_t k = 0; k < D; k++) s += A[i * D + k] * w->m[k];
        w->a[i] = s;
        /* G = A F, row i */
        for (size_t k = 0; k < D; k++) {
            double v = 0;
            for (size_t j = k; j < D; j++) v += A[i * D + j] * w->F[j * D + k];
            G[i * D + k] = v;
        }
    }
    for (size_t i = 0; i < D; i++)
        for (size_t k = 0; k <= i; k++) {
            double v = Q[i * D + k];
            for (size_t j = 0; j < D; j++) v += G[i * D + j] * G[k * D + j];
            w->R[i * D + k] = v;
        }
}

/* log of the integral of N(x; a, R) exp(-x'Mx/2 + g'x) over x, by R = L L'
 * and I + L'ML = C C'; R is replaced by L. */
static int log_marginal(struct gck_work *w, double *out)
{
    size_t D = w->D;
    if (wk_bc_chol(w->R, D) < 0) return WK_ENUMERIC;
    const double *L = w->R;
    double *ML = w->t1;
    for (size_t i = 0; i < D; i++)
        for (size_t k = 0; k < D; k++) {
            double v = 0;
            for (size_t j = k; j < D; j++) v += w->M[i * D + j] * L[j * D + k];
            ML[i * D + k] = v;
        }
    for (size_t i = 0; i < D; i++)
        for (size_t k = 0; k <= i; k++) {
            double v = i == k ? 1.0 : 0.0;
            for (size_t j = i; j < D; j++) v += L[j * D + i] * ML[j * D + k];
            w->B[i * D + k] = v;
        }
    if (wk_bc_chol(w->B, D) < 0) return WK_ENUMERIC;
    double ga = 0, aMa = 0, r[WK_BC_MAX_K * 8];
    for (size_t i = 0; i < D; i++) {
        double ma = 0;
        for (size_t k = 0; k < D; k++) ma += w->M[i * D + k] * w->a[k];
        ga += w->g[i] * w->a[i];
        aMa += w->a[i] * ma;
        r[i] = w->g[i] - ma;
    }
    /* v = L' r, then C^{-1} v */
    for (size_t i = 0; i < D; i++) {
        double s = 0;
        for (size_t k = i; k < D; k++) s += L[k * D + i] * r[k];
        w->v[i] = s;
    }
    double quad = 0;
    for (size_t i = 0; i < D; i++) {
        double s = w->v[i];
        for (size_t k = 0; k < i; k++) s -= w->B[i * D + k] * w->v[k];
        w->v[i] = s / w->B[i * D + i];
        quad += w->v[i] * w->v[i];
    }
    *out = -0.5 * wk_bc_chol_logdet(w->B, D) + ga - 0.5 * aMa + 0.5 * quad;
    return 0;
}

/* The filter of x_t from the predictive of the drawn state (a, and R as
 * its Cholesky factor) and the bin's own information J_t (full), h_t. */
static int filter_update(struct gck_work *w, const double *Jt_full, const double *ht)
{
    size_t D = w->D;
    /* precision = R^{-1} + J, information = R^{-1} a + h */
    wk_bc_chol_inverse(w->t2, w->R, D);
    memcpy(w->v, w->a, D * sizeof *w->v);
    wk_bc_chol_solve(w->R, D, w->v);
    for (size_t k = 0; k < D * D; k++) w->t2[k] += Jt_full[k];
    for (size_t i = 0; i < D; i++) w->v[i] += ht[i];
    wk_bc_symmetrize(w->t2, D);
    if (wk_bc_chol(w->t2, D) < 0) return WK_ENUMERIC;
    wk_bc_chol_inverse(w->P, w->t2, D);
    wk_bc_chol_solve(w->t2, D, w->v);
    memcpy(w->m, w->v, D * sizeof *w->m);
    return 0;
}

/* Q^{-1} of every state into qinv (L x D x D). */
static int noise_precisions(double *qinv, const struct wk_bc_chain *ch, double *tmp)
{
    size_t D = ch->D, DD = D * D;
    for (size_t l = 0; l < ch->L; l++) {
        memcpy(tmp, ch->Q + l * DD, DD * sizeof(double));
        if (wk_bc_chol(tmp, D) < 0) return WK_ENUMERIC;
        wk_bc_chol_inverse(qinv + l * DD, tmp, D);
    }
    return 0;
}

/* The messages into x_t from bins t+1..T-1 under the current states. */
static int backward_messages(struct gck_work *w, const struct wk_bc_chain *ch, const double *qinv, const double *J,
                             const double *h, size_t B)
{
    size_t T = ch->data->T, D = ch->D, DD = D * D;
    memset(w->om + (T - 1) * DD, 0, DD * sizeof(double));
    memset(w->mu + (T - 1) * D, 0, D * sizeof(double));
    for (size_t t = T - 1; t > 0; t--) {
        size_t l = (size_t)ch->xi[t];
        bin_information(w->M, w->g, J, h, w->om + t * DD, w->mu + t * D, t, D, B);
        int rc =
            backward_step(w, qinv + l * DD, ch->A + l * DD, ch->b + l * D, w->om + (t - 1) * DD, w->mu + (t - 1) * D);
        if (rc) return rc;
    }
    return 0;
}

/* xi_t from its conditional given the filter of x_{t-1} (m, P = F F'),
 * the bin's information and message (M, g), and its neighbours' states. */
static int draw_state_at(struct gck_work *w, struct wk_bc_chain *ch, size_t t, double *prob)
{
    size_t T = ch->data->T, D = ch->D, L = ch->L, DD = D * D;
    double top = -INFINITY;
    for (size_t l = 0; l < L; l++) {
        predict(w, ch->A + l * DD, ch->b + l * D, ch->Q + l * DD);
        double lm;
        int rc = log_marginal(w, &lm);
        if (rc) return rc;
        double prior = t > 0 ? log(ch->pi[(size_t)ch->xi[t - 1] * L + l]) : -log((double)L);
        if (t + 1 < T) prior += log(ch->pi[l * L + (size_t)ch->xi[t + 1]]);
        prob[l] = lm + prior;
        if (prob[l] > top) top = prob[l];
    }
    double sum = 0;
    for (size_t l = 0; l < L; l++) sum += prob[l] = exp(prob[l] - top);
    double u = gsl_rng_uniform(ch->rng) * sum, acc = 0;
    size_t pick = L - 1;
    for (size_t l = 0; l < L; l++)
        if (u < (acc += prob[l])) {
            pick = l;
            break;
        }
    ch->xi[t] = (int)pick;
    return 0;
}

int wk_bc_collapsed_states(struct wk_bc_chain *ch, const double *J, const double *h, size_t B)
{
    size_t T = ch->data->T, D = ch->D, L = ch->L, DD = D * D;
    if (T == 0 || D == 0) return 0;
    struct gck_work w = {D, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    double *buf = wk_malloc_array(T * (DD + D) + 12 * DD + 4 * D + L * DD + L, sizeof(double));
    if (!buf) return WK_ENOMEM;
    w.om = buf, w.mu = w.om + T * DD, w.M = w.mu + T * D, w.g = w.M + DD, w.lam = w.g + D, w.y = w.lam + DD;
    w.m = w.y + DD, w.P = w.m + D, w.F = w.P + DD, w.a = w.F + DD, w.R = w.a + D, w.B = w.R + DD, w.t1 = w.B + DD;
    w.t2 = w.t1 + DD, w.v = w.t2 + DD;
    double *qinv = w.v + D, *prob = qinv + L * DD, *Jfull = w.y; /* y is free in the forward sweep */
    int rc = noise_precisions(qinv, ch, w.t1);
    if (!rc) rc = backward_messages(&w, ch, qinv, J, h, B);
    /* forward, from the filter of x_{-1} ~ N(0, I) */
    memset(w.m, 0, D * sizeof(double));
    memset(w.P, 0, DD * sizeof(double));
    for (size_t i = 0; i < D; i++) w.P[i * D + i] = 1.0;
    for (size_t t = 0; !rc && t < T; t++) {
        bin_information(w.M, w.g, J, h, w.om + t * DD, w.mu + t * D, t, D, B);
        memcpy(w.F, w.P, DD * sizeof(double));
        rc = wk_bc_chol(w.F, D);
        if (!rc) rc = draw_state_at(&w, ch, t, prob);
        if (rc) break;
        size_t l = (size_t)ch->xi[t];
        predict(&w, ch->A + l * DD, ch->b + l * D, ch->Q + l * DD);
        rc = wk_bc_chol(w.R, D);
        memset(Jfull, 0, DD * sizeof(double));
        add_blocks(Jfull, J, t, D, B);
        if (!rc) rc = filter_update(&w, Jfull, h + t * D);
    }
    free(buf);
    if (rc) return wk_fail(WK_ENUMERIC, "bicluster: collapsed state update: a matrix is not positive definite");
    return 0;
}
