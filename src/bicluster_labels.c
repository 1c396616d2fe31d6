/* bicluster_labels.c - neuron labels: the mixture-of-finite-mixtures
 * coefficients V_n(t) (Miller & Harrison 2018), the Laplace marginal of a
 * neuron under a cluster's latent block, the collapsed update of each label
 * (Neal's algorithm 8 with one auxiliary cluster), and the relabelling of
 * the output to a reference by the Hungarian method. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "bicluster_internal.h"
#include "vector_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_partition.h"
#include "wormkit/wk_util.h"

#define NEWTON_PASSES 40 /* at most (typically 2 to 4); stop when a step is below NEWTON_TOL */
#define NEWTON_TOL 1e-4  /* the mode is then within ~1e-8, the value within ~1e-5 nats (see struct newton) */
/* Largest change of a bin's log rate in one Newton step (bounded by
 * |step| xmax).  Under factor rows that drift far (a fresh block's random
 * walk over thousands of bins), from the prior mean or from loadings fitted
 * under another cluster, full steps overshoot by hundreds of nats again
 * and again and the fit ran out of passes. */
#define NEWTON_ETA_STEP 24.0

int wk_bicluster_mfm_logv(double *logv, size_t n, size_t kmax, double r, double g)
{
    if (n == 0 || kmax == 0 || !(r > 0 && r < 1) || !(g > 0))
        return wk_fail(WK_EINVAL, "bicluster: invalid mixture-of-finite-mixtures parameters");
    /* normalizing constant of the truncated geometric prior */
    double lognorm = log1p(-pow(1 - r, (double)kmax));
    logv[0] = -INFINITY;
    for (size_t t = 1; t <= n; t++) {
        double top = -INFINITY, sum = 0;
        for (int pass = 0; pass < 2; pass++)
            for (size_t k = t; k <= kmax; k++) {
                double term = gsl_sf_lnfact((unsigned)k) - gsl_sf_lnfact((unsigned)(k - t)) +
                              gsl_sf_lngamma(g * (double)k) - gsl_sf_lngamma(g * (double)k + (double)n) + log(r) +
                              (double)(k - 1) * log1p(-r) - lognorm;
                if (pass == 0) {
                    if (term > top) top = term;
                } else {
                    sum += exp(term - top);
                }
            }
        logv[t] = t <= kmax ? top + log(sum) : -INFINITY;
    }
    return 0;
}

/* Newton's method for the mode of f(c) = log p(y_i | c, block) + log N(c;
 * 0, I) with the value folded into the passes: each pass gives f, its
 * gradient g and negative Hessian H at a point; a point that does not
 * raise f halves the step to it (f is concave, so this converges from any
 * start, e.g. a neuron's loadings under another cluster), and no step moves
 * a log rate by more than NEWTON_ETA_STEP.  Once the step H^{-1} g from the
 * last accepted point c is below NEWTON_TOL, the mode is c + step and f
 * there is f(c) + g'step / 2 (the error is of third order in the step),
 * with logdet H taken at c (an error of order |step| times the relative
 * change of H per unit of c: below 1e-5 nats for rows of order 1, 1e-3 for
 * rows of order 40).  A fit still moving after NEWTON_PASSES takes the
 * Laplace value at its best point, below the true one. */
struct newton {
    double c[WK_BC_MAX_P];    /* the last accepted point, then the mode */
    double grad[WK_BC_MAX_P]; /* at c */
    double chol[WK_BC_MAX_P * WK_BC_MAX_P];
    double step[WK_BC_MAX_P]; /* from c to the next point tried */
    double f;                 /* f(c) */
    double bound;             /* wk_bc_laplace_bound at c */
    double guess;             /* the Laplace value if f were quadratic from c */
    double value;             /* the Laplace value once done; -INFINITY when H failed */
    int passes, done;
};

/* The largest norm over bins of the factor rows 1..P-1 of a block, bin t
 * of row a at x[t * tstride + a * astride] (rounded up a little). */
static double factor_norm_max(const double *x, size_t tstride, size_t astride, size_t T, size_t P)
{
    double top = 0;
    for (size_t t = 0; t < T; t++) {
        double n2 = 0;
        for (size_t a = 1; a < P; a++) n2 += x[t * tstride + a * astride] * x[t * tstride + a * astride];
        if (n2 > top) top = n2;
    }
    return sqrt(top) * (1 + 1e-12);
}

static void newton_start(struct newton *nt, const double *start, size_t p)
{
    memcpy(nt->c, start, p * sizeof(double));
    memset(nt->step, 0, sizeof nt->step);
    nt->f = nt->bound = nt->guess = -INFINITY;
    nt->passes = nt->done = 0;
}

/* The root sigma > 0 of (1 - u) sigma = 1 - e^-sigma (0 < u < 1), from
 * above: the left side minus the right is convex, so Newton's method from
 * 1 / (1 - u) (where it is positive) stays above the root, and every
 * iterate is an upper bound. */
static double radius_bound(double u)
{
    double s = 1.0 / (1.0 - u);
    for (int k = 0; k < 60; k++) {
        double e = exp(-s), g = (1.0 - u) * s - 1.0 + e, step = g / ((1.0 - u) - e);
        if (!(step > 1e-12 * s)) break;
        s -= step;
    }
    return s;
}

/* An upper bound on the Laplace value max f - logdet(H(c*)) / 2 from f,
 * its gradient g and the factor L of H = L L' at one point c, given xmax
 * >= |x_t| (the factor rows at every bin).  f is the concave
 * log-likelihood plus the N(0, I) log prior, so:
 * - everywhere H >= I: f(c') <= f(c) + g'(c' - c) - |c' - c|^2 / 2, so max
 *   f <= f(c) + |g|^2 / 2, and logdet H >= 0;
 * - with w = L'(c' - c), each eta_t moves by at most a |w|, a = xmax
 *   sqrt(trace H^-1) (>= |L^-1 x_t|); the NB curvature v(eta) = r (y + r)
 *   lam / (r + lam)^2 has |d log v / d eta| <= 1, so along the segment the
 *   likelihood's curvature falls at most by e^{-s a |w|}, and Taylor's
 *   remainder gives f(c') <= f(c) + n |w| - |w|^2 phi(a |w|), n^2 =
 *   g'H^-1 g, phi(s) = (s - 1 + e^-s) / s^2.  With u = n a < 1 its maximum
 *   is n^2 (u + (1 - u) log(1 - u)) / u^2 (between n^2 / 2 and n^2), and
 *   f(c*) >= f(c) puts c* where sigma = a |w| <= sigma0, the root of (1 -
 *   u) sigma = 1 - e^-sigma; there H(c*) >= e^-sigma0 H, so logdet H(c*)
 *   >= logdet H - p sigma0.
 * The smaller of the two. */
double wk_bc_laplace_bound(double f, const double *grad, const double *chol, size_t p, double xmax)
{
    double s2 = 0, n2 = 0, trace = 0, step[WK_BC_MAX_P], inv[WK_BC_MAX_P * WK_BC_MAX_P];
    for (size_t a = 0; a < p; a++) s2 += grad[a] * grad[a];
    double bound = f + 0.5 * s2;
    if (p == 0) return bound;
    memcpy(step, grad, p * sizeof(double));
    wk_bc_chol_solve(chol, p, step);
    wk_bc_chol_inverse(inv, chol, p);
    for (size_t a = 0; a < p; a++) n2 += grad[a] * step[a], trace += inv[a * p + a];
    double u = sqrt(n2) * xmax * sqrt(trace);
    if (!(u < 1.0)) return bound;
    /* the rise's factor; where the closed form would cancel, its series
     * 1/2 + u/6 + u^2/12 + u^3/20 + ... (terms past u/6 sum below u^2/6) */
    double rise = u < 1e-3 ? 0.5 + u / 6.0 + u * u / 6.0 : (u + (1.0 - u) * log1p(-u)) / (u * u);
    double logdet = wk_bc_chol_logdet(chol, p) - (double)p * radius_bound(u);
    double b = f + n2 * rise - 0.5 * (logdet > 0 ? logdet : 0.0);
    return b < bound ? b : bound;
}

/* A block (p + 1 rows over T bins) as wk_bc_laplace_pass reads it. */
struct block_view {
    const double *x;
    size_t tstride, astride;
    double xmax; /* >= the norm of the factor rows at any bin */
};

static void newton_pass(struct newton *nt, const struct wk_bc_chain *ch, size_t i, struct block_view b)
{
    size_t T = ch->data->T, p = ch->P - 1;
    double x[WK_BC_MAX_P] = {0}, g[WK_BC_MAX_P], h[WK_BC_MAX_P * WK_BC_MAX_P];
    for (size_t a = 0; a < p; a++) x[a] = nt->c[a] + nt->step[a];
    double f = wk_bc_laplace_pass(ch->data->y + i * T, T, ch->d[i], ch->r[i], b.x, b.tstride, b.astride, p, x, g,
                                  h, ch->threads);
    nt->passes++;
    if (p == 0) {
        nt->f = nt->value = f, nt->done = 1;
        return;
    }
    if (!(f >= nt->f)) { /* overshot (or NaN): back off towards c */
        for (size_t a = 0; a < p; a++) nt->step[a] *= 0.5;
        if (nt->passes >= NEWTON_PASSES) { /* give up at the best point found, if any */
            memset(nt->step, 0, sizeof nt->step);
            nt->value = nt->f > -INFINITY ? nt->f - 0.5 * wk_bc_chol_logdet(nt->chol, p) : -INFINITY;
            nt->done = 1;
        }
        return;
    }
    if (wk_bc_chol(h, p) < 0) {
        nt->value = -INFINITY, nt->done = 1;
        return;
    }
    memcpy(nt->c, x, p * sizeof(double));
    memcpy(nt->grad, g, p * sizeof(double));
    memcpy(nt->chol, h, p * p * sizeof(double));
    nt->f = f;
    nt->bound = wk_bc_laplace_bound(f, g, h, p, b.xmax);
    memcpy(nt->step, g, p * sizeof(double));
    wk_bc_chol_solve(h, p, nt->step);
    double size = 0, gain = 0;
    for (size_t a = 0; a < p; a++) size += nt->step[a] * nt->step[a], gain += g[a] * nt->step[a];
    nt->guess = f + 0.5 * gain - 0.5 * wk_bc_chol_logdet(h, p);
    if (size < NEWTON_TOL * NEWTON_TOL) {
        for (size_t a = 0; a < p; a++) nt->c[a] += nt->step[a];
        nt->value = nt->guess;
        nt->done = 1;
    } else if (nt->passes >= NEWTON_PASSES) { /* not converged: the Laplace value at the best point, not a guess */
        nt->value = f - 0.5 * wk_bc_chol_logdet(h, p);
        nt->done = 1;
    } else if (isfinite(b.xmax) && sqrt(size) * b.xmax > NEWTON_ETA_STEP) {
        double shrink = NEWTON_ETA_STEP / (sqrt(size) * b.xmax);
        for (size_t a = 0; a < p; a++) nt->step[a] *= shrink;
    }
}

double wk_bc_laplace_from(const struct wk_bc_chain *ch, size_t i, const double *block, size_t stride,
                          const double *start, double *cstar, double *chol)
{
    size_t p = ch->P - 1;
    struct newton nt;
    newton_start(&nt, start, p);
    struct block_view b = {block, stride, 1, factor_norm_max(block, stride, 1, ch->data->T, ch->P)};
    while (!nt.done) newton_pass(&nt, ch, i, b);
    memcpy(cstar, nt.c, p * sizeof(double));
    memcpy(chol, nt.chol, p * p * sizeof(double));
    return nt.value;
}

double wk_bc_laplace(const struct wk_bc_chain *ch, size_t i, const double *block, size_t stride, double *cstar,
                     double *chol)
{
    const double zero[WK_BC_MAX_P] = {0};
    return wk_bc_laplace_from(ch, i, block, stride, zero, cstar, chol);
}

/* A fresh cluster's factor rows 1..P-1 (rows of T bins, contiguous) from
 * the prior's mean dynamics: X_0 ~ N(0, I), then a random walk with noise
 * WK_BC_G0_STEP_SD^2 I (row 0, the baseline, is drawn from q by
 * wk_bc_aux_draw). */
static void draw_fresh_rows(double *rows, size_t T, size_t P, gsl_rng *rng)
{
    for (size_t a = 1; a < P; a++) {
        double *x = rows + a * T;
        x[0] = gsl_ran_gaussian_ziggurat(rng, 1.0);
        for (size_t t = 1; t < T; t++) x[t] = x[t - 1] + gsl_ran_gaussian_ziggurat(rng, WK_BC_G0_STEP_SD);
    }
}

/* ---- the auxiliary cluster's baseline from the neuron's own counts ----
 * Drawn from the prior, a fresh baseline row (a random walk over T bins)
 * almost never fits one neuron, so a new cluster was almost never opened.
 * Instead row 0 of the auxiliary block is drawn from q, the Laplace
 * approximation of that row's conditional given only neuron i's counts,
 * d_i and r_i (with the factor term left out), still under the random-walk
 * prior G0; the factor rows stay prior draws.  The auxiliary cluster's
 * weight then carries G0(row) / q(row), evaluated at the drawn row or, for
 * a neuron alone in its cluster, at that cluster's row.  q depends on
 * nothing the label update changes, so this is algorithm 8 on the space
 * extended by an auxiliary row with density q: the weights are the exact
 * conditional there (Neal 2000, section 6; the importance ratio is what
 * replaces drawing the auxiliary parameters from the prior). */

#define AUX_NEWTON_STEPS 12 /* at most; stop when no bin moves more than AUX_NEWTON_TOL */
#define AUX_NEWTON_TOL 1e-3  /* (a deterministic rule: q stays a function of y_i, d_i, r_i) */
#define AUX_MAX_STEP 2.0     /* largest Newton move of one bin's log rate */

/* q's bidiagonal Cholesky factor from the pivots D of L D L'. */
static void aux_factor(struct wk_bc_aux_q *q, const double *piv, size_t T, double prec)
{
    for (size_t t = 0; t < T; t++) {
        q->ld[t] = sqrt(piv[t]);
        q->g[t] = 1.0 / q->ld[t];
        q->lo[t] = t > 0 ? -prec * q->g[t - 1] : 0.0;
    }
}

/* One Newton step's solve for each of WK_BC_AUX_GROUP neurons, x = H^{-1} x
 * for H = diag(v) + the random walk's precision (X_0 ~ N(0, 1), steps of
 * precision prec: tridiagonal, off-diagonal -prec), by H = L D L' with L
 * unit lower bidiagonal: one division per bin in the recurrence (no square
 * root); piv receives D, inv its inverse.  Arrays are T x WK_BC_AUX_GROUP,
 * bins outer and neurons (lanes) inner, so the recurrences, whose
 * divisions chain from bin to bin, overlap instead of waiting. */
WK_VECTOR_CLONES static void aux_newton_solve_group(double *restrict x, double *restrict piv, double *restrict inv,
                                                    const double *restrict v, size_t T, double prec)
{
    const size_t G = WK_BC_AUX_GROUP;
    for (size_t t = 0; t < T; t++)
        for (size_t k = 0; k < G; k++) piv[t * G + k] = v[t * G + k] + 2 * prec;
    for (size_t k = 0; k < G; k++) {
        piv[k] += 1.0 - prec;
        piv[(T - 1) * G + k] -= prec;
        inv[k] = 1.0 / piv[k];
    }
    for (size_t t = 1; t < T; t++)
#pragma omp simd
        for (size_t k = 0; k < G; k++) {
            piv[t * G + k] -= prec * prec * inv[(t - 1) * G + k];
            x[t * G + k] += prec * inv[(t - 1) * G + k] * x[(t - 1) * G + k];
            inv[t * G + k] = 1.0 / piv[t * G + k];
        }
    for (size_t k = 0; k < G; k++) x[(T - 1) * G + k] *= inv[(T - 1) * G + k];
    for (size_t t = T - 1; t-- > 0;)
#pragma omp simd
        for (size_t k = 0; k < G; k++) x[t * G + k] = (x[t * G + k] + prec * x[(t + 1) * G + k]) * inv[t * G + k];
}

/* One Newton step of lane k from the group's solve: the mode moves
 * (each bin by at most AUX_MAX_STEP); 1 when it moved no bin by
 * AUX_NEWTON_TOL or more. */
static int aux_step(struct wk_bc_aux_q *q, const double *xg, size_t k, size_t T)
{
    const size_t G = WK_BC_AUX_GROUP;
    double largest = 0;
    for (size_t t = 0; t < T; t++) {
        double g = xg[t * G + k];
        double step = g < -AUX_MAX_STEP ? -AUX_MAX_STEP : g > AUX_MAX_STEP ? AUX_MAX_STEP : g;
        q->mode[t] += step;
        if (fabs(step) > largest) largest = fabs(step);
    }
    return largest < AUX_NEWTON_TOL;
}

void wk_bc_aux_fit(struct wk_bc_aux_q *q, size_t n, const double *const *y, size_t T, const double *d,
                   const double *r, double *work)
{
    const size_t G = WK_BC_AUX_GROUP;
    double prec = 1.0 / (WK_BC_G0_STEP_SD * WK_BC_G0_STEP_SD);
    double *grad = work, *v = grad + T, *xg = v + T, *vg = xg + G * T, *piv = vg + G * T, *inv = piv + G * T;
    int active[WK_BC_AUX_GROUP] = {0}, left = (int)n;
    for (size_t k = 0; k < n; k++) memset(q[k].mode, 0, T * sizeof(double)), active[k] = 1;
    memset(xg, 0, 2 * G * T * sizeof(double)); /* padding lanes solve 0 = 0 */
    for (size_t t = 0; t < T; t++)
        for (size_t k = n; k < G; k++) vg[t * G + k] = 1.0;
    for (int it = 0; left > 0; it++) {
        for (size_t k = 0; k < n; k++) {
            if (!active[k]) continue;
            wk_bc_aux_terms(grad, v, y[k], q[k].mode, T, d[k], r[k], prec);
            for (size_t t = 0; t < T; t++) xg[t * G + k] = grad[t], vg[t * G + k] = v[t];
        }
        aux_newton_solve_group(xg, piv, inv, vg, T, prec);
        for (size_t k = 0; k < n; k++) {
            if (!active[k] || (it < AUX_NEWTON_STEPS && !aux_step(&q[k], xg, k, T))) continue;
            /* done: q's factor from the precision of this step's point */
            for (size_t t = 0; t < T; t++) grad[t] = piv[t * G + k];
            aux_factor(&q[k], grad, T, prec);
            active[k] = 0;
            left--;
        }
    }
}

/* log G0(m) - log q(m) for the baseline row m (stride apart), dropping the
 * 2 pi terms common to both. */
double wk_bc_aux_log_ratio(const struct wk_bc_aux_q *q, const double *m, size_t stride, size_t T)
{
    double s = -0.5 * m[0] * m[0] - (double)(T - 1) * log(WK_BC_G0_STEP_SD);
    for (size_t t = 1; t < T; t++) {
        double step = (m[t * stride] - m[(t - 1) * stride]) / WK_BC_G0_STEP_SD;
        s -= 0.5 * step * step;
    }
    for (size_t t = 0; t < T; t++) {
        double u = q->ld[t] * (m[t * stride] - q->mode[t]);
        if (t + 1 < T) u += q->lo[t + 1] * (m[(t + 1) * stride] - q->mode[t + 1]);
        s += 0.5 * u * u;
    }
    return s - wk_bc_log_sum(q->ld, T);
}

/* Row 0 of block (stride P) from q: mode + L'^{-1} z. */
void wk_bc_aux_draw(const struct wk_bc_aux_q *q, double *block, size_t P, size_t T, gsl_rng *rng, double *z)
{
    for (size_t t = 0; t < T; t++) z[t] = gsl_ran_gaussian_ziggurat(rng, 1.0);
    for (size_t t = T; t-- > 0;) z[t] = (z[t] - (t + 1 < T ? q->lo[t + 1] * z[t + 1] : 0.0)) * q->g[t];
    for (size_t t = 0; t < T; t++) block[t * P] = q->mode[t] + z[t];
}

static size_t pick(gsl_rng *rng, const double *logw, size_t n)
{
    double top = -INFINITY, sum = 0;
    for (size_t k = 0; k < n; k++)
        if (logw[k] > top) top = logw[k];
    double w[WK_BC_MAX_K + 1];
    for (size_t k = 0; k < n; k++) sum += w[k] = exp(logw[k] - top);
    double u = gsl_rng_uniform(rng) * sum, acc = 0;
    for (size_t k = 0; k < n; k++) {
        acc += w[k];
        if (u < acc) return k;
    }
    return n - 1;
}

/* Remove empty cluster j (its block and dynamics rows). */
int wk_bc_drop_cluster(struct wk_bc_chain *ch, size_t j)
{
    int keep[WK_BC_MAX_K];
    size_t m = 0;
    for (size_t k = 0; k < ch->K; k++)
        if (k != j) keep[m++] = (int)k;
    for (size_t i = 0; i < ch->data->N; i++)
        if ((size_t)ch->z[i] > j) ch->z[i]--;
    return wk_bc_resize_clusters(ch, keep, m, NULL);
}

int wk_bc_add_cluster(struct wk_bc_chain *ch, const double *block)
{
    int keep[WK_BC_MAX_K + 1];
    for (size_t k = 0; k < ch->K; k++) keep[k] = (int)k;
    keep[ch->K] = -1;
    return wk_bc_resize_clusters(ch, keep, ch->K + 1, block);
}

size_t wk_bc_kmax(const struct wk_bc_chain *ch)
{
    size_t kmax = ch->data->N / 2 > 0 ? ch->data->N / 2 : 1;
    size_t cap = (WK_BC_MAX_K * 8 - 1) / ch->P;
    if (cap > WK_BC_MAX_K) cap = WK_BC_MAX_K;
    return kmax < cap ? kmax : cap;
}

/* Clusters whose log weight is provably more than SKIP_NATS below another
 * candidate's have probability below e^-40 = 4e-18 and are left out: the
 * draw is then the same as with them to double precision. */
#define SKIP_NATS 40.0

/* Work of one label sweep.  The passes read each cluster's block with its
 * rows contiguous in time: cols is X transposed (D x T, rebuilt whenever
 * the clusters change); a fresh cluster's block is drawn into rows (P x T)
 * and copied into fresh (T x P, the chain's layout) only when opened. */
struct sweep {
    double *cols, *rows, *fresh, *work; /* work: (2 + 4 WK_BC_AUX_GROUP) T */
    double xmax[WK_BC_MAX_K];          /* block_view.xmax of each cluster */
    double *qbuf;                      /* 4 WK_BC_AUX_GROUP T: the rows of q[] */
    struct wk_bc_aux_q q[WK_BC_AUX_GROUP]; /* the auxiliary fits of neurons q_first.. */
    size_t q_first;                    /* (SIZE_MAX: none yet) */
    size_t count[WK_BC_MAX_K + 1];     /* neurons per cluster */
};

/* Neuron i's q: the neurons are fitted WK_BC_AUX_GROUP at a time (q
 * depends on y, d and r only, which the label update leaves alone). */
static const struct wk_bc_aux_q *aux_of(struct sweep *sw, const struct wk_bc_chain *ch, size_t i)
{
    size_t N = ch->data->N, T = ch->data->T, first = i - i % WK_BC_AUX_GROUP;
    if (sw->q_first != first) {
        size_t n = WK_BC_AUX_GROUP;
        if (first + n > N) n = N - first;
        const double *y[WK_BC_AUX_GROUP];
        for (size_t k = 0; k < n; k++) y[k] = ch->data->y + (first + k) * T;
        wk_bc_aux_fit(sw->q, n, y, T, ch->d + first, ch->r + first, sw->work);
        sw->q_first = first;
    }
    return &sw->q[i - first];
}

static int transpose_blocks(struct sweep *sw, const struct wk_bc_chain *ch)
{
    size_t T = ch->data->T, D = ch->D;
    double *cols = realloc(sw->cols, (D ? D : 1) * T * sizeof(double));
    if (!cols) return WK_ENOMEM;
    sw->cols = cols;
    for (size_t t = 0; t < T; t++)
        for (size_t k = 0; k < D; k++) cols[k * T + t] = ch->X[t * D + k];
    for (size_t j = 0; j < ch->K; j++) sw->xmax[j] = factor_norm_max(cols + j * ch->P * T, 1, T, T, ch->P);
    return 0;
}

static struct block_view cluster_view(const struct sweep *sw, const struct wk_bc_chain *ch, size_t j)
{
    struct block_view b = {sw->cols + j * ch->P * ch->data->T, 1, ch->data->T, sw->xmax[j]};
    return b;
}

/* Runs the Newton fits of the candidates (clusters 0..K-1 and the
 * auxiliary K; those open have had their first pass), the likeliest first
 * (by the quadratic guess: the best weight is then known early), leaving a
 * fit as soon as its upper bound (the prior part of the weight plus
 * wk_bc_laplace_bound) falls SKIP_NATS below the best weight found: logw[j]
 * then stays -INFINITY.  The guess only orders the work; what is left out
 * is decided by the bounds. */
static void finish_fits(struct newton *fit, double *logw, const double *prior, const int *open,
                        const struct block_view *view, const struct wk_bc_chain *ch, size_t i)
{
    size_t n = ch->K + 1;
    int pending[WK_BC_MAX_K + 1];
    double best = -INFINITY;
    for (size_t j = 0; j < n; j++) pending[j] = open[j], logw[j] = -INFINITY;
    for (;;) {
        size_t top = n;
        for (size_t j = 0; j < n; j++) {
            if (!pending[j]) continue;
            if (prior[j] + (fit[j].done ? fit[j].value : fit[j].bound) < best - SKIP_NATS) {
                pending[j] = 0;
                continue;
            }
            double guess = prior[j] + (fit[j].done ? fit[j].value : fit[j].guess);
            if (top == n || guess > prior[top] + (fit[top].done ? fit[top].value : fit[top].guess)) top = j;
        }
        if (top == n) return;
        pending[top] = 0;
        struct newton *nt = &fit[top];
        while (!nt->done) {
            newton_pass(nt, ch, i, view[top]);
            if (!nt->done && prior[top] + nt->bound < best - SKIP_NATS) break;
        }
        if (!nt->done) continue;
        logw[top] = prior[top] + nt->value;
        if (logw[top] > best) best = logw[top];
    }
}

/* Opens a cluster with the fresh block or drops the emptied cluster j0
 * after neuron i moved from j0 to choice. */
static int move_neuron(struct sweep *sw, struct wk_bc_chain *ch, size_t i, size_t j0, size_t choice)
{
    size_t T = ch->data->T, P = ch->P, K = ch->K, *count = sw->count;
    int rc = 0;
    count[j0]--;
    if (choice == K) {
        for (size_t t = 0; t < T; t++)
            for (size_t a = 0; a < P; a++) sw->fresh[t * P + a] = sw->rows[a * T + t];
        rc = wk_bc_add_cluster(ch, sw->fresh);
        if (rc < 0) return rc;
        count[K] = 0;
    }
    ch->z[i] = (int)choice;
    count[choice]++;
    if (count[j0] == 0) {
        rc = wk_bc_drop_cluster(ch, j0);
        memmove(count + j0, count + j0 + 1, (ch->K - j0) * sizeof *count);
    }
    return rc < 0 ? rc : transpose_blocks(sw, ch);
}

static int update_one(struct sweep *sw, struct wk_bc_chain *ch, size_t i)
{
    size_t T = ch->data->T, P = ch->P, p = P - 1, K = ch->K, *count = sw->count;
    size_t j0 = (size_t)ch->z[i];
    int singleton = count[j0] == 1;
    double logw[WK_BC_MAX_K + 1], prior[WK_BC_MAX_K + 1];
    int open[WK_BC_MAX_K + 1];
    struct newton fit[WK_BC_MAX_K + 1];
    struct block_view view[WK_BC_MAX_K + 1];
    const double zero[WK_BC_MAX_P] = {0};
    size_t t = singleton ? K - 1 : K; /* clusters without neuron i */
    double g = ch->o.mfm_gamma;
    for (size_t j = 0; j < K; j++) {
        open[j] = !(singleton && j == j0);
        prior[j] = log((double)(count[j] - (j == j0)) + g);
        view[j] = cluster_view(sw, ch, j);
    }
    /* the auxiliary cluster K: the neuron's own cluster when it is alone in
     * it, else a fresh block */
    open[K] = t + 1 <= wk_bc_kmax(ch) && (singleton || ch->iteration >= WK_BC_OPEN_WARMUP);
    view[K] = singleton ? cluster_view(sw, ch, j0) : (struct block_view){sw->rows, 1, T, 0};
    if (open[K]) {
        const struct wk_bc_aux_q *q = aux_of(sw, ch, i);
        if (!singleton) {
            draw_fresh_rows(sw->rows, T, P, ch->rng);
            wk_bc_aux_draw(q, sw->rows, 1, T, ch->rng, sw->work);
            view[K].xmax = factor_norm_max(sw->rows, 1, T, T, P);
        }
        prior[K] = log(g) + ch->logv[t + 1] - ch->logv[t] + wk_bc_aux_log_ratio(q, view[K].x, 1, T);
    }
    /* Newton starts: the current loadings under the neuron's own block, the
     * prior mean under any other (loadings fitted to one block are far off
     * under another: the first bound is then looser and the fit longer) */
    for (size_t j = 0; j <= K; j++) {
        if (!open[j]) continue;
        newton_start(&fit[j], j == j0 || (j == K && singleton) ? ch->c + i * p : zero, p);
        newton_pass(&fit[j], ch, i, view[j]);
    }
    finish_fits(fit, logw, prior, open, view, ch, i);
    size_t choice = pick(ch->rng, logw, K + 1);
    if (choice == K && singleton) choice = j0;
    /* c_i from the Laplace approximation of its conditional */
    size_t slot = choice == j0 && singleton ? K : choice;
    double cnew[WK_BC_MAX_P];
    memcpy(cnew, fit[slot].c, p * sizeof(double));
    if (p > 0) wk_bc_chol_draw_precision(cnew, fit[slot].chol, p, ch->rng);
    memcpy(ch->c + i * p, cnew, p * sizeof(double));
    return choice == j0 ? 0 : move_neuron(sw, ch, i, j0, choice);
}

int wk_bc_update_labels(struct wk_bc_chain *ch)
{
    size_t N = ch->data->N, T = ch->data->T, P = ch->P;
    struct sweep sw = {0};
    sw.rows = wk_malloc_array(T, P * sizeof(double));
    sw.fresh = wk_malloc_array(T, P * sizeof(double));
    sw.work = wk_malloc_array(2 + 4 * WK_BC_AUX_GROUP, T * sizeof(double));
    sw.qbuf = wk_malloc_array(4 * WK_BC_AUX_GROUP, T * sizeof(double));
    sw.q_first = SIZE_MAX;
    int rc = sw.rows && sw.fresh && sw.work && sw.qbuf ? transpose_blocks(&sw, ch) : WK_ENOMEM;
    if (!rc) {
        for (size_t k = 0; k < WK_BC_AUX_GROUP; k++) {
            double *b = sw.qbuf + 4 * k * T;
            sw.q[k] = (struct wk_bc_aux_q){b, b + T, b + 2 * T, b + 3 * T};
        }
        for (size_t i = 0; i < N; i++) sw.count[ch->z[i]]++;
    }
    for (size_t i = 0; !rc && i < N; i++) rc = update_one(&sw, ch, i);
    free(sw.cols), free(sw.rows), free(sw.fresh), free(sw.work), free(sw.qbuf);
    return rc;
}

/* map[j] for labels 0..n_est-1 of est onto reference labels (n x n cost,
 * n = max label count): maximizes the overlap. */
static int match_labels(int *map, const int *ref, const int *est, size_t m, size_t n)
{
    double *cost = wk_calloc(n * n, sizeof(double));
    if (!cost) return WK_ENOMEM;
    for (size_t i = 0; i < m; i++) cost[(size_t)est[i] * n + (size_t)ref[i]] -= 1.0;
    int rc = wk_hungarian(map, cost, n, n);
    free(cost);
    return rc;
}

static size_t label_count(const int *a, size_t m)
{
    int top = 0;
    for (size_t i = 0; i < m; i++)
        if (a[i] > top) top = a[i];
    return (size_t)top + 1;
}

int wk_bc_relabel(struct wk_bc_chain *ch, int *zout, int *xiout, int *cluster_map)
{
    size_t N = ch->data->N, T = ch->data->T;
    int xmap[WK_BC_MAX_K * 8];
    if (!ch->have_ref) {
        for (size_t k = 0; k < ch->K; k++) cluster_map[k] = (int)k;
        memcpy(zout, ch->z, N * sizeof(int));
        memcpy(xiout, ch->xi, T * sizeof(int));
    } else {
        size_t nz = label_count(ch->ref_z, N);
        if (ch->K > nz) nz = ch->K;
        int rc = match_labels(cluster_map, ch->ref_z, ch->z, N, nz);
        if (rc == 0) rc = match_labels(xmap, ch->ref_xi, ch->xi, T, ch->L);
        if (rc < 0) return rc;
        for (size_t i = 0; i < N; i++) zout[i] = cluster_map[ch->z[i]];
        for (size_t t = 0; t < T; t++) xiout[t] = xmap[ch->xi[t]];
    }
    memcpy(ch->ref_z, zout, N * sizeof(int));
    memcpy(ch->ref_xi, xiout, T * sizeof(int));
    ch->have_ref = 1;
    return 0;
}
