/* bicluster_splitmerge.c - split-merge moves of the neuron clusters for
 * worm-bicluster.
 *
 * Moves of one neuron at a time rarely change K: a cluster that holds two
 * groups splits only if one neuron at a time leaves for a fresh block that
 * fits it alone, and a fresh block fitted to one neuron wins by too little.
 * This move proposes a whole split or merge (Jain & Neal 2004, with a
 * sequential allocation after Dahl 2003, see allocate()) on the
 * Polya-Gamma augmented model, given the draws w of this sweep and the
 * loadings, baselines and dispersions: neuron i then informs its cluster's
 * block x_t (P rows) by exp(h_it' x_t - x_t' J_it x_t / 2), J_it = w_it a_i a_i', h_it =
 * ((y_it - r_i) / 2 - w_it (d_i - log r_i)) a_i, a_i = (1, c_i).  Under the
 * block prior of the label update, G0 (independent random walks: x_0 ~
 * N(0, I), steps N(0, WK_BC_G0_STEP_SD^2 I)), the blocks of the clusters
 * involved integrate out in closed form (a P-dimensional information
 * filter), so the acceptance ratio needs no proposal density for a block:
 *   split / merged = V(K+1)/V(K) g^(n_a) g^(n_b) / (g^(n) g) M(a) M(b) / M(a+b)
 *                    / q(allocation),
 * g^(n) = Gamma(n + g) / Gamma(g) (the mixture of finite mixtures'
 * partition weights), M(S) the marginal of the pseudo-observations of the
 * neurons S.  After an accepted move the new blocks are drawn from their
 * conditionals (backward sampling of the same filter).  Like the label
 * update, the move treats a block's prior as G0, not the switching
 * dynamics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "bicluster_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

#define SM_P (WK_BC_MAX_P + 1)

/* Information of the two sides of the move, a candidate neuron, and the
 * filter's output for drawing a block. */
struct sm_work {
    size_t T, P;
    double *J[2], *h[2]; /* [T][P][P], [T][P] */
    double *mean[2];     /* [T][P]: each side's block estimate for the allocation */
    double *lam, *nu;    /* the filter's posterior at every bin */
};

static void sm_free(struct sm_work *w)
{
    for (int s = 0; s < 2; s++)
        free(w->J[s]), free(w->h[s]), free(w->mean[s]);
    free(w->lam), free(w->nu);
}

static int sm_alloc(struct sm_work *w, size_t T, size_t P)
{
    memset(w, 0, sizeof *w);
    w->T = T, w->P = P;
    for (int s = 0; s < 2; s++) {
        w->J[s] = wk_calloc(T * P, P * sizeof(double)), w->h[s] = wk_calloc(T, P * sizeof(double));
        w->mean[s] = wk_malloc_array(T, P * sizeof(double));
    }
    w->lam = wk_malloc_array(T * P, P * sizeof(double)), w->nu = wk_malloc_array(T, P * sizeof(double));
    if (w->J[0] && w->J[1] && w->h[0] && w->h[1] && w->mean[0] && w->mean[1] && w->lam && w->nu)
        return 0;
    sm_free(w);
    return WK_ENOMEM;
}

/* J += a a' w_t, h += lin_t a over the bins: neuron i's pseudo-observations. */
static void add_neuron(const struct wk_bc_chain *ch, size_t i, double *J, double *h)
{
    size_t T = ch->data->T, P = ch->P, p = P - 1;
    double a[SM_P], r = ch->r[i], logr = log(r), d = ch->d[i];
    a[0] = 1.0;
    for (size_t k = 0; k < p; k++)
        a[1 + k] = ch->c[i * p + k];
    const double *y = ch->data->y + i * T, *w = ch->w + i * T;
    for (size_t t = 0; t < T; t++)
        wk_bc_add_pseudo_obs(J + t * P * P, h + t * P, a, P, y[t], r, logr, d, w[t]);
}

/* Kernels of the filter for a P known at compile time (always inlined
 * into one copy per P, so the loops unroll): a Cholesky factor in place
 * with the reciprocals of its diagonal, returning the diagonal's product
 * (0 when not positive definite), and the solve with it. */
#define SM_INLINE static inline __attribute__((always_inline))

SM_INLINE double small_chol(double *a, double *rd, size_t n)
{
    double prod = 1;
    for (size_t j = 0; j < n; j++) {
        double s = a[j * n + j];
        for (size_t k = 0; k < j; k++)
            s -= a[j * n + k] * a[j * n + k];
        if (!(s > 0))
            return 0;
        double l = sqrt(s);
        prod *= l, rd[j] = 1.0 / l;
        for (size_t i = j + 1; i < n; i++) {
            double v = a[i * n + j];
            for (size_t k = 0; k < j; k++)
                v -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = v * rd[j];
        }
    }
    return prod;
}

SM_INLINE void small_solve(const double *l, const double *rd, size_t n, double *b)
{
    for (size_t i = 0; i < n; i++) {
        double v = b[i];
        for (size_t k = 0; k < i; k++)
            v -= l[i * n + k] * b[k];
        b[i] = v * rd[i];
    }
    for (size_t i = n; i-- > 0;) {
        double v = b[i];
        for (size_t k = i + 1; k < n; k++)
            v -= l[k * n + i] * b[k];
        b[i] = v * rd[i];
    }
}

/* The information filter of a block under G0.  Bin t's posterior is
 * (lam, nu) = prior + (J_t, h_t); the next prior's precision is
 * (lam^-1 + s2 I)^-1 = lam - lam M^-1 lam, M = lam + I / s2, with
 * determinant |lam| / (s2^P |M|).  Summed over the bins, the log marginal
 *   sum_t [nu_t'lam_t^-1 nu_t - m_{t-1}'np_{t-1}] / 2 - log|lam_{T-1}| / 2
 *   - sum_{t<T-1} log|M_t| / 2 - (T-1) P log(s2) / 2
 * (m = lam^-1 nu, np the next prior's information) needs one Cholesky
 * factor of lam and one of M per bin and no inverse; the determinants
 * are products of the factors' diagonals, taken to logs every 16 bins. */
SM_INLINE double filter(const double *J, const double *h, const double *J2, const double *h2, size_t T, size_t P,
                        double *keep_lam, double *keep_nu)
{
    const double s2 = WK_BC_G0_STEP_SD * WK_BC_G0_STEP_SD;
    double lp[SM_P * SM_P] = {0}, np[SM_P] = {0}, lam[SM_P * SM_P], lc[SM_P * SM_P], mc[SM_P * SM_P];
    double nu[SM_P], m[SM_P], z[SM_P * SM_P], rd[SM_P], rdm[SM_P];
    double total = 0, prior_quad = 0, logdets = 0, prod = 1;
    for (size_t u = 0; u < P; u++)
        lp[u * P + u] = 1.0;
    for (size_t t = 0; t < T; t++) {
        for (size_t u = 0; u < P; u++) {
            nu[u] = np[u] + h[t * P + u] + (h2 ? h2[t * P + u] : 0.0);
            for (size_t v = 0; v < P; v++)
                lam[u * P + v] = lp[u * P + v] + J[t * P * P + u * P + v] + (J2 ? J2[t * P * P + u * P + v] : 0.0);
        }
        if (keep_lam)
            memcpy(keep_lam + t * P * P, lam, P * P * sizeof(double)), memcpy(keep_nu + t * P, nu, P * sizeof(double));
        memcpy(lc, lam, P * P * sizeof(double));
        double dl = small_chol(lc, rd, P);
        if (!(dl > 0))
            return -INFINITY;
        memcpy(m, nu, P * sizeof(double));
        small_solve(lc, rd, P, m);
        double quad = 0;
        for (size_t u = 0; u < P; u++)
            quad += nu[u] * m[u];
        total += 0.5 * (quad - prior_quad);
        if (t + 1 == T) {
            prod *= dl;
            break;
        }
        memcpy(mc, lam, P * P * sizeof(double));
        for (size_t u = 0; u < P; u++)
            mc[u * P + u] += 1.0 / s2;
        double dm = small_chol(mc, rdm, P);
        if (!(dm > 0))
            return -INFINITY;
        prod *= dm;
        if (t % 16 == 15)
            logdets += log(prod), prod = 1;
        for (size_t v = 0; v < P; v++) { /* column v of M^-1 lam */
            double col[SM_P];
            for (size_t u = 0; u < P; u++)
                col[u] = lam[u * P + v];
            small_solve(mc, rdm, P, col);
            for (size_t u = 0; u < P; u++)
                z[u * P + v] = col[u];
        }
        prior_quad = 0;
        for (size_t u = 0; u < P; u++)
            for (size_t v = 0; v < P; v++) {
                double sum = lam[u * P + v];
                for (size_t k = 0; k < P; k++)
                    sum -= lam[u * P + k] * z[k * P + v];
                lp[u * P + v] = sum;
            }
        for (size_t u = 0; u < P; u++) {
            np[u] = 0;
            for (size_t v = 0; v < P; v++)
                np[u] += lp[u * P + v] * m[v];
            prior_quad += m[u] * np[u];
        }
    }
    logdets += log(prod);
    return total - logdets - 0.5 * (double)((T - 1) * P) * log(s2);
}

double wk_bc_block_log_marginal(const double *J, const double *h, const double *J2, const double *h2, size_t T,
                                size_t P, double *keep_lam, double *keep_nu)
{
    switch (P) { /* the usual latent dimensions get unrolled copies */
    case 2:
        return filter(J, h, J2, h2, T, 2, keep_lam, keep_nu);
    case 3:
        return filter(J, h, J2, h2, T, 3, keep_lam, keep_nu);
    case 4:
        return filter(J, h, J2, h2, T, 4, keep_lam, keep_nu);
    default:
        return filter(J, h, J2, h2, T, P, keep_lam, keep_nu);
    }
}

/* A block (T x P) from the posterior kept by wk_bc_block_log_marginal; its
 * mean when rng is NULL. */
int wk_bc_block_draw(double *block, const double *lam_all, const double *nu_all, size_t T, size_t P, gsl_rng *rng)
{
    const double s2 = WK_BC_G0_STEP_SD * WK_BC_G0_STEP_SD;
    double lam[SM_P * SM_P], m[SM_P];
    for (size_t t = T; t-- > 0;) {
        memcpy(lam, lam_all + t * P * P, P * P * sizeof(double));
        memcpy(m, nu_all + t * P, P * sizeof(double));
        if (t + 1 < T)
            for (size_t u = 0; u < P; u++)
                lam[u * P + u] += 1.0 / s2, m[u] += block[(t + 1) * P + u] / s2;
        if (wk_bc_chol(lam, P) < 0)
            return wk_fail(WK_ENUMERIC, "bicluster: split-merge block precision is not positive definite");
        wk_bc_chol_solve(lam, P, m);
        if (rng)
            wk_bc_chol_draw_precision(m, lam, P, rng);
        memcpy(block + t * P, m, P * sizeof(double));
    }
    return 0;
}

/* log of the MFM partition weight of a split into n0 and n1 over the merged
 * cluster, with K clusters in the merged state. */
static double split_prior(const struct wk_bc_chain *ch, size_t K, size_t n0, size_t n1)
{
    double g = ch->o.mfm_gamma;
    return ch->logv[K + 1] - ch->logv[K] + lgamma((double)n0 + g) + lgamma((double)n1 + g) -
           lgamma((double)(n0 + n1) + g) - lgamma(g);
}

/* Side s's block estimate: the posterior mean under G0 given its neurons. */
static int side_mean(struct sm_work *w, int s)
{
    if (wk_bc_block_log_marginal(w->J[s], w->h[s], NULL, NULL, w->T, w->P, w->lam, w->nu) == -INFINITY)
        return WK_ENUMERIC;
    return wk_bc_block_draw(w->mean[s], w->lam, w->nu, w->T, w->P, NULL);
}

/* log of neuron i's pseudo-observations at a block (T x P). */
static double at_block(const struct wk_bc_chain *ch, size_t i, const double *block)
{
    size_t T = ch->data->T, P = ch->P, p = P - 1;
    double r = ch->r[i], logr = log(r), d = ch->d[i], sum = 0;
    const double *y = ch->data->y + i * T, *w = ch->w + i * T, *c = ch->c + i * p;
    for (size_t t = 0; t < T; t++) {
        double psi = block[t * P];
        for (size_t k = 0; k < p; k++)
            psi += c[k] * block[t * P + 1 + k];
        sum += wk_bc_pseudo_lin(y[t], r, logr, d, w[t]) * psi - 0.5 * w[t] * psi * psi;
    }
    return sum;
}

/* The sequential allocation of the members S (in this order) to the sides
 * started by the two launch neurons, each to side s with probability
 * proportional to (count[s] + g) times the likelihood of the member's
 * pseudo-observations at side s's block estimate: drawn into chosen[],
 * or, when forced, the sides already in chosen[] scored.  An estimate is
 * the posterior mean given the side's neurons, refreshed whenever the side
 * has doubled since (the exact marginal ratios of Dahl's allocation would
 * need two filters per member; any allocation rule keeps the move exact,
 * as its probability enters the acceptance ratio).  Returns log
 * q(allocation), NaN when an estimate failed; count[] follows the sides. */
static double allocate(const struct wk_bc_chain *ch, struct sm_work *w, const size_t *S, size_t n, int *chosen,
                       int forced, size_t *count)
{
    double g = ch->o.mfm_gamma, logq = 0;
    size_t refreshed[2] = {0, 0};
    for (size_t k = 0; k < n; k++) {
        double lw[2];
        for (int s = 0; s < 2; s++) {
            if (count[s] >= 2 * refreshed[s]) {
                if (side_mean(w, s) < 0)
                    return NAN;
                refreshed[s] = count[s];
            }
            lw[s] = log((double)count[s] + g) + at_block(ch, S[k], w->mean[s]);
        }
        double top = lw[0] > lw[1] ? lw[0] : lw[1];
        if (!isfinite(top))
            return NAN;
        double p0 = exp(lw[0] - top) / (exp(lw[0] - top) + exp(lw[1] - top));
        int s = forced ? chosen[k] : gsl_rng_uniform(ch->rng) < p0 ? 0 : 1;
        chosen[k] = s;
        logq += log(s == 0 ? p0 : 1.0 - p0);
        add_neuron(ch, S[k], w->J[s], w->h[s]);
        count[s]++;
    }
    return logq;
}

/* A block drawn from the conditional given side 0's neurons (with side 1's
 * when merged). */
static int draw_into(struct wk_bc_chain *ch, struct sm_work *w, int merged, double *block)
{
    double v = wk_bc_block_log_marginal(w->J[0], w->h[0], merged ? w->J[1] : NULL, merged ? w->h[1] : NULL, w->T, w->P,
                                        w->lam, w->nu);
    if (v == -INFINITY)
        return wk_fail(WK_ENUMERIC, "bicluster: split-merge block precision is not positive definite");
    return wk_bc_block_draw(block, w->lam, w->nu, w->T, w->P, ch->rng);
}

static void set_block(struct wk_bc_chain *ch, size_t j, const double *block)
{
    size_t T = ch->data->T, P = ch->P, D = ch->D;
    for (size_t t = 0; t < T; t++)
        memcpy(ch->X + t * D + j * P, block + t * P, P * sizeof(double));
}

/* Apply an accepted move: side 1 (k and the members with chosen 1) leaves
 * cluster ci for a new cluster (split), or cluster ck joins ci (merge). */
static int apply(struct wk_bc_chain *ch, struct sm_work *w, int split, size_t ci, size_t ck, size_t k, const size_t *S,
                 const int *chosen, size_t n)
{
    double *block = wk_malloc_array(w->T, w->P * sizeof(double));
    if (!block)
        return WK_ENOMEM;
    int rc = draw_into(ch, w, !split, block);
    if (!rc)
        set_block(ch, ci, block);
    if (!rc && split) {
        double *J0 = w->J[0], *h0 = w->h[0];
        w->J[0] = w->J[1], w->h[0] = w->h[1];
        rc = draw_into(ch, w, 0, block);
        w->J[0] = J0, w->h[0] = h0;
        if (!rc)
            rc = wk_bc_add_cluster(ch, block);
        if (!rc) {
            ch->z[k] = (int)(ch->K - 1);
            for (size_t m = 0; m < n; m++)
                if (chosen[m])
                    ch->z[S[m]] = (int)(ch->K - 1);
        }
    } else if (!rc) {
        for (size_t i = 0; i < ch->data->N; i++)
            if ((size_t)ch->z[i] == ck)
                ch->z[i] = (int)ci;
        rc = wk_bc_drop_cluster(ch, ck);
    }
    free(block);
    return rc;
}

/* One split-merge attempt: two neurons drawn at random; split their cluster
 * when they share one, else merge their two clusters. */
static int attempt(struct wk_bc_chain *ch, struct sm_work *w, size_t *S, int *chosen)
{
    size_t N = ch->data->N, K = ch->K;
    size_t i = gsl_rng_uniform_int(ch->rng, N), k = gsl_rng_uniform_int(ch->rng, N - 1);
    if (k >= i)
        k++;
    size_t ci = (size_t)ch->z[i], ck = (size_t)ch->z[k], n = 0;
    int split = ci == ck;
    if (split && K + 1 > wk_bc_kmax(ch))
        return 0; /* the prior has no mass there */
    for (size_t l = 0; l < N; l++)
        if (l != i && l != k && ((size_t)ch->z[l] == ci || (size_t)ch->z[l] == ck))
            S[n++] = l;
    if (n > 1)
        gsl_ran_shuffle(ch->rng, S, n, sizeof *S);
    for (size_t m = 0; m < n; m++)
        chosen[m] = (size_t)ch->z[S[m]] == ck;
    for (int s = 0; s < 2; s++) {
        memset(w->J[s], 0, w->T * w->P * w->P * sizeof(double));
        memset(w->h[s], 0, w->T * w->P * sizeof(double));
        add_neuron(ch, s == 0 ? i : k, w->J[s], w->h[s]);
    }
    size_t count[2] = {1, 1};
    double logq = allocate(ch, w, S, n, chosen, !split, count), logm[2];
    if (isnan(logq))
        return 0; /* a side's estimate failed: the move is not proposed */
    for (int s = 0; s < 2; s++)
        logm[s] = wk_bc_block_log_marginal(w->J[s], w->h[s], NULL, NULL, w->T, w->P, NULL, NULL);
    double merged = wk_bc_block_log_marginal(w->J[0], w->h[0], w->J[1], w->h[1], w->T, w->P, NULL, NULL);
    size_t Kmerged = split ? K : K - 1;
    double log_split = split_prior(ch, Kmerged, count[0], count[1]) + logm[0] + logm[1] - merged - logq;
    double log_accept = split ? log_split : -log_split;
    if (!(log(gsl_rng_uniform_pos(ch->rng)) < log_accept))
        return 0;
    return apply(ch, w, split, ci, ck, k, S, chosen, n);
}

int wk_bc_split_merge(struct wk_bc_chain *ch, int tries)
{
    size_t N = ch->data->N;
    if (N < 2 || tries <= 0)
        return 0;
    struct sm_work w;
    size_t *S = wk_malloc_array(N, sizeof *S);
    int *chosen = wk_malloc_array(N, sizeof *chosen);
    int rc = S && chosen ? sm_alloc(&w, ch->data->T, ch->P) : WK_ENOMEM;
    if (!rc) {
        for (int k = 0; !rc && k < tries; k++)
            rc = attempt(ch, &w, S, chosen);
        sm_free(&w);
    }
    free(S), free(chosen);
    return rc;
}
