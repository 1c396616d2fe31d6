/* bicluster_labels.c - neuron labels: the mixture-of-finite-mixtures
 * coefficients V_n(t) (Miller & Harrison 2018), the Laplace marginal of a
 * neuron under a cluster's latent block, the collapsed update of each label
 * (Neal's algorithm 8 with one auxiliary cluster), and the relabelling of
 * the output to a reference by the Hungarian method. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "bicluster_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_partition.h"
#include "wormkit/wk_util.h"

#define AUX_STEP_SD 0.1 /* random-walk prior of a fresh cluster's block (sqrt of the prior noise scale) */
#define NEWTON_STEPS 8   /* at most; stop when a step is below NEWTON_TOL */
#define NEWTON_TOL 1e-4 /* the mode is then within ~1e-8: a negligible error in the Laplace value */

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

/* Gradient and negative Hessian in c of neuron i's log-likelihood plus
 * log prior at the block's trajectory; with want_ll also the value (terms
 * depending on eta only), else 0 (the Newton steps need no logarithms). */
static double laplace_terms(const struct wk_bc_chain *ch, size_t i, const double *block, size_t stride,
                            const double *cv, double *grad, double *negh, int want_ll)
{
    size_t T = ch->data->T, p = ch->P - 1;
    double r = ch->r[i], ll = 0, di = ch->d[i];
    const double *y = ch->data->y + i * T;
    memset(grad, 0, p * sizeof(double));
    memset(negh, 0, p * p * sizeof(double));
    if (p == 2) {
        /* the default latent dimension, in registers */
        double g0 = 0, g1 = 0, h00 = 0, h10 = 0, h11 = 0, c0 = cv[0], c1 = cv[1];
        for (size_t t = 0; t < T; t++) {
            const double *x = block + t * stride;
            double eta = di + x[0] + c0 * x[1] + c1 * x[2];
            double lam = exp(eta), denom = r + lam, inv = 1.0 / denom;
            if (want_ll) ll += y[t] * eta - (y[t] + r) * log(denom);
            double s = r * (y[t] - lam) * inv, v = r * lam * (y[t] + r) * inv * inv;
            g0 += s * x[1];
            g1 += s * x[2];
            h00 += v * x[1] * x[1];
            h10 += v * x[2] * x[1];
            h11 += v * x[2] * x[2];
        }
        grad[0] = g0, grad[1] = g1, negh[0] = h00, negh[2] = h10, negh[3] = h11;
    } else {
        for (size_t t = 0; t < T; t++) {
            const double *x = block + t * stride;
            double eta = di + x[0];
            for (size_t k = 0; k < p; k++) eta += cv[k] * x[1 + k];
            double lam = exp(eta), denom = r + lam, inv = 1.0 / denom;
            if (want_ll) ll += y[t] * eta - (y[t] + r) * log(denom);
            double s = r * (y[t] - lam) * inv, v = r * lam * (y[t] + r) * inv * inv;
            for (size_t a = 0; a < p; a++) {
                grad[a] += s * x[1 + a];
                for (size_t bb = 0; bb <= a; bb++) negh[a * p + bb] += v * x[1 + a] * x[1 + bb];
            }
        }
    }
    for (size_t a = 0; a < p; a++) {
        for (size_t bb = 0; bb < a; bb++) negh[bb * p + a] = negh[a * p + bb];
        ll -= 0.5 * cv[a] * cv[a];
        grad[a] -= cv[a];
        negh[a * p + a] += 1.0;
    }
    return ll;
}

double wk_bc_laplace(const struct wk_bc_chain *ch, size_t i, const double *block, size_t stride, double *cstar,
                     double *chol)
{
    size_t p = ch->P - 1;
    double grad[8], step[8];
    memset(cstar, 0, p * sizeof(double));
    for (int it = 0; p > 0 && it < NEWTON_STEPS; it++) {
        laplace_terms(ch, i, block, stride, cstar, grad, chol, 0);
        if (wk_bc_chol(chol, p) < 0) return -INFINITY;
        memcpy(step, grad, p * sizeof(double));
        wk_bc_chol_solve(chol, p, step);
        double size = 0;
        for (size_t a = 0; a < p; a++) cstar[a] += step[a], size += step[a] * step[a];
        if (size < NEWTON_TOL * NEWTON_TOL) break;
    }
    double ll = laplace_terms(ch, i, block, stride, cstar, grad, chol, 1);
    if (p > 0 && wk_bc_chol(chol, p) < 0) return -INFINITY;
    return ll - 0.5 * wk_bc_chol_logdet(chol, p);
}

/* A fresh cluster's block from the prior's mean dynamics: X_0 ~ N(0, I),
 * then a random walk with noise AUX_STEP_SD^2 I. */
static void draw_fresh_block(double *block, size_t T, size_t P, gsl_rng *rng)
{
    for (size_t a = 0; a < P; a++) block[a] = gsl_ran_ugaussian(rng);
    for (size_t t = 1; t < T; t++)
        for (size_t a = 0; a < P; a++) block[t * P + a] = block[(t - 1) * P + a] + AUX_STEP_SD * gsl_ran_ugaussian(rng);
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

/* Precision H = diag(v) + the random walk's (X_0 ~ N(0, 1), steps
 * N(0, s^2)) and its factor H = L L' (L lower bidiagonal; ld holds the
 * diagonal, lo the sub-diagonal, g the inverse diagonal). */
static void aux_factor(struct wk_bc_aux_q *q, const double *v, size_t T)
{
    double prec = 1.0 / (AUX_STEP_SD * AUX_STEP_SD);
    for (size_t t = 0; t < T; t++) {
        double diag = v[t] + (t == 0 ? 1.0 : 0.0) + (t > 0 ? prec : 0.0) + (t + 1 < T ? prec : 0.0);
        double off = t > 0 ? -prec * q->g[t - 1] : 0.0;
        q->lo[t] = off;
        q->ld[t] = sqrt(diag - off * off);
        q->g[t] = 1.0 / q->ld[t];
    }
}

/* x = H^{-1} x in place (inverse diagonal in inv). */
static void aux_solve(const struct wk_bc_aux_q *q, const double *inv, double *x, size_t T)
{
    for (size_t t = 0; t < T; t++) x[t] = (x[t] - (t > 0 ? q->lo[t] * x[t - 1] : 0.0)) * inv[t];
    for (size_t t = T; t-- > 0;) x[t] = (x[t] - (t + 1 < T ? q->lo[t + 1] * x[t + 1] : 0.0)) * inv[t];
}

/* Newton iterations on log p(y | d + m, r) + log G0(m) from m = 0; leaves
 * the mode and the factor of the precision at the mode in q.  v is work
 * (2 T values). */
void wk_bc_aux_fit(struct wk_bc_aux_q *q, const double *y, size_t T, double d, double r, double *v)
{
    double prec = 1.0 / (AUX_STEP_SD * AUX_STEP_SD), *grad = v + T;
    memset(q->mode, 0, T * sizeof(double));
    for (int it = 0;; it++) {
        const double *m = q->mode;
        for (size_t t = 0; t < T; t++) {
            double lam = exp(d + m[t]), inv = 1.0 / (r + lam);
            grad[t] = r * (y[t] - lam) * inv - (t == 0 ? m[0] : 0.0) - (t > 0 ? prec * (m[t] - m[t - 1]) : 0.0) -
                      (t + 1 < T ? prec * (m[t] - m[t + 1]) : 0.0);
            v[t] = r * lam * (y[t] + r) * inv * inv;
        }
        aux_factor(q, v, T);
        if (it == AUX_NEWTON_STEPS) break;
        aux_solve(q, q->g, grad, T);
        double largest = 0;
        for (size_t t = 0; t < T; t++) {
            double step = fmax(-AUX_MAX_STEP, fmin(AUX_MAX_STEP, grad[t]));
            q->mode[t] += step;
            largest = fmax(largest, fabs(step));
        }
        if (largest < AUX_NEWTON_TOL) {
            /* the factor at the final mode */
            for (size_t t = 0; t < T; t++) {
                double lam = exp(d + m[t]), inv = 1.0 / (r + lam);
                v[t] = r * lam * (y[t] + r) * inv * inv;
            }
            aux_factor(q, v, T);
            break;
        }
    }
}

/* log G0(m) - log q(m) for the baseline row m (stride apart), dropping the
 * 2 pi terms common to both. */
double wk_bc_aux_log_ratio(const struct wk_bc_aux_q *q, const double *m, size_t stride, size_t T)
{
    double s = -0.5 * m[0] * m[0] - (double)(T - 1) * log(AUX_STEP_SD);
    for (size_t t = 1; t < T; t++) {
        double step = (m[t * stride] - m[(t - 1) * stride]) / AUX_STEP_SD;
        s -= 0.5 * step * step;
    }
    for (size_t t = 0; t < T; t++) {
        double u = q->ld[t] * (m[t * stride] - q->mode[t]);
        if (t + 1 < T) u += q->lo[t + 1] * (m[(t + 1) * stride] - q->mode[t + 1]);
        s -= log(q->ld[t]) - 0.5 * u * u;
    }
    return s;
}

/* Row 0 of block (stride P) from q: mode + L'^{-1} z. */
void wk_bc_aux_draw(const struct wk_bc_aux_q *q, double *block, size_t P, size_t T, gsl_rng *rng, double *z)
{
    for (size_t t = 0; t < T; t++) z[t] = gsl_ran_ugaussian(rng);
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
static int drop_cluster(struct wk_bc_chain *ch, size_t j)
{
    int keep[WK_BC_MAX_K];
    size_t m = 0;
    for (size_t k = 0; k < ch->K; k++)
        if (k != j) keep[m++] = (int)k;
    for (size_t i = 0; i < ch->data->N; i++)
        if ((size_t)ch->z[i] > j) ch->z[i]--;
    return wk_bc_resize_clusters(ch, keep, m, NULL);
}

static int add_cluster(struct wk_bc_chain *ch, const double *block)
{
    int keep[WK_BC_MAX_K + 1];
    for (size_t k = 0; k < ch->K; k++) keep[k] = (int)k;
    keep[ch->K] = -1;
    return wk_bc_resize_clusters(ch, keep, ch->K + 1, block);
}

static size_t kmax_of(const struct wk_bc_chain *ch)
{
    size_t kmax = ch->data->N / 2 > 0 ? ch->data->N / 2 : 1;
    size_t cap = (WK_BC_MAX_K * 8 - 1) / ch->P;
    if (cap > WK_BC_MAX_K) cap = WK_BC_MAX_K;
    return kmax < cap ? kmax : cap;
}

static int update_one(struct wk_bc_chain *ch, size_t i, double *fresh, struct wk_bc_aux_q *q, double *work,
                      size_t *count)
{
    size_t T = ch->data->T, P = ch->P, p = P - 1, K = ch->K;
    size_t j0 = (size_t)ch->z[i];
    int singleton = count[j0] == 1;
    double logw[WK_BC_MAX_K + 1], cst[WK_BC_MAX_K + 1][8], chol[WK_BC_MAX_K + 1][64];
    size_t t = singleton ? K - 1 : K; /* clusters without neuron i */
    double g = ch->o.mfm_gamma;
    for (size_t j = 0; j < K; j++) {
        if (singleton && j == j0) {
            logw[j] = -INFINITY;
            continue;
        }
        size_t nj = count[j] - (j == j0);
        logw[j] = log((double)nj + g) + wk_bc_laplace(ch, i, ch->X + j * P, ch->D, cst[j], chol[j]);
    }
    /* the auxiliary cluster: the neuron's own cluster when it is alone in it */
    const double *aux = singleton ? ch->X + j0 * P : fresh;
    size_t aux_stride = singleton ? ch->D : P;
    if (t + 1 <= kmax_of(ch)) {
        wk_bc_aux_fit(q, ch->data->y + i * T, T, ch->d[i], ch->r[i], work);
        if (!singleton) {
            draw_fresh_block(fresh, T, P, ch->rng);
            wk_bc_aux_draw(q, fresh, P, T, ch->rng, work);
        }
        logw[K] = log(g) + ch->logv[t + 1] - ch->logv[t] + wk_bc_aux_log_ratio(q, aux, aux_stride, T) +
                  wk_bc_laplace(ch, i, aux, aux_stride, cst[K], chol[K]);
    } else {
        logw[K] = -INFINITY;
    }
    size_t choice = pick(ch->rng, logw, K + 1);
    if (choice == K && singleton) choice = j0;
    /* c_i from the Laplace approximation of its conditional */
    size_t slot = choice == j0 && singleton ? K : choice;
    double cnew[8];
    memcpy(cnew, cst[slot], p * sizeof(double));
    if (p > 0) wk_bc_chol_draw_precision(cnew, chol[slot], p, ch->rng);
    memcpy(ch->c + i * p, cnew, p * sizeof(double));
    if (choice == j0) return 0;
    count[j0]--;
    int rc = 0;
    if (choice == K) {
        rc = add_cluster(ch, fresh);
        if (rc < 0) return rc;
        count[K] = 0;
    }
    ch->z[i] = (int)choice;
    count[choice]++;
    if (count[j0] == 0) {
        rc = drop_cluster(ch, j0);
        memmove(count + j0, count + j0 + 1, (ch->K - j0) * sizeof *count);
    }
    return rc;
}

int wk_bc_update_labels(struct wk_bc_chain *ch)
{
    size_t N = ch->data->N, T = ch->data->T;
    double *fresh = wk_malloc_array(T, ch->P * sizeof(double)), *work = wk_malloc_array(6 * T, sizeof(double));
    size_t count[WK_BC_MAX_K + 1] = {0};
    if (!fresh || !work) {
        free(fresh), free(work);
        return WK_ENOMEM;
    }
    struct wk_bc_aux_q q = {work + 2 * T, work + 3 * T, work + 4 * T, work + 5 * T};
    for (size_t i = 0; i < N; i++) count[ch->z[i]]++;
    int rc = 0;
    for (size_t i = 0; !rc && i < N; i++) rc = update_one(ch, i, fresh, &q, work, count);
    free(work);
    free(fresh);
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
