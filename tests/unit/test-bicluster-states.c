/* test-bicluster-states: the state update of worm-bicluster
 * (wk_bc_update_states: xi by forward filtering backward sampling given the
 * latents and pi, then beta and pi given xi) and the first bin.
 * - With a likelihood equal for every state, alternating the update leaves
 *   the sticky HDP-HMM prior invariant (Geweke 2004): the number of states
 *   used and of self-transitions of T = 40 bins have the means of forward
 *   draws from the prior, within 4.5 standard errors (batch means for the
 *   chain).  The self-transitions move by 0.6 when the chain's kappa is 9
 *   instead of the prior's 10, 25 standard errors (checked).
 * - With no data, the chain of latents (FFBS), dynamics (X_{-1}, then the
 *   MNIW draw) and states, with and without the collapsed state update
 *   first, keeps the joint prior of states, dynamics and latents (T = 4,
 *   D = 2, L = 3): four statistics have the means of forward draws within
 *   4.5 standard errors.  An inverse-Wishart with one degree of freedom
 *   too many moves the log det Q by over 100 standard errors (checked).
 * The first bin's transition starts from X_{-1} ~ N(0, I), a step before
 * it, so xi_0 has a likelihood like every other state:
 * - the state of bin 0 is drawn with probability proportional to
 *   N(X_0; b_l, A_l A_l' + Q_l) pi[l][xi_1] (frequencies against that
 *   closed form, and a bin 0 that only one state explains gets that state
 *   whatever the transition matrix prefers);
 * - X_{-1} given X_0 is drawn from N(0, I) N(X_0; b + A x, Q): the draws'
 *   mean and covariance against the closed form at D = 2. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "bicluster_internal.h"
#include "wk_test.h"

#include "wormkit/wk_rng.h"

enum { T = 3, L = 2 };

struct toy {
    struct wk_bc_data data;
    struct wk_bc_chain ch;
    double X[T * 2], A[L * 4], b[L * 2], Q[L * 4], beta[L], pi[L * L], y[T];
    int xi[T];
};

/* A chain of D latents (1 or 2), no neurons, with the given dynamics. */
static void toy_init(struct toy *s, size_t D, gsl_rng *rng)
{
    memset(s, 0, sizeof *s);
    s->data.N = 0;
    s->data.T = T;
    s->data.y = s->y;
    wk_bicluster_options_init(&s->ch.o);
    s->ch.data = &s->data;
    s->ch.P = D;
    s->ch.K = 1;
    s->ch.D = D;
    s->ch.L = L;
    s->ch.X = s->X;
    s->ch.A = s->A;
    s->ch.b = s->b;
    s->ch.Q = s->Q;
    s->ch.beta = s->beta;
    s->ch.pi = s->pi;
    s->ch.xi = s->xi;
    s->ch.rng = rng;
    s->ch.threads = 1;
}

static void set_pi(struct toy *s)
{
    s->pi[0] = 0.9, s->pi[1] = 0.1, s->pi[2] = 0.3, s->pi[3] = 0.7;
    s->beta[0] = s->beta[1] = 0.5;
}

static double normal_density(double x, double mean, double var)
{
    return exp(-0.5 * (x - mean) * (x - mean) / var) / sqrt(2 * M_PI * var);
}

/* D = 1; state 0: X_t = 0.5 X_{t-1} + N(0, 1), state 1: X_t = 1 + N(0, 0.5).
 * Bins 1 and 2 sit at 10, which only state 0 explains (34 nats apart), so
 * xi_1 = 0 and P(xi_0 = l) is proportional to N(X_0; b_l, a_l^2 + q_l) pi[l][0]. */
static void test_first_state(gsl_rng *rng)
{
    struct toy s;
    toy_init(&s, 1, rng);
    s.A[0] = 0.5, s.b[0] = 0.0, s.Q[0] = 1.0;
    s.A[1] = 0.0, s.b[1] = 1.0, s.Q[1] = 0.5;
    s.X[0] = 0.6, s.X[1] = 10, s.X[2] = 10;
    double w0 = normal_density(0.6, 0.0, 1.25) * 0.9, w1 = normal_density(0.6, 1.0, 0.5) * 0.3;
    double want = w1 / (w0 + w1);
    const int n = 20000;
    int ones = 0, rc = 0, later = 1;
    for (int k = 0; k < n && rc == 0; k++) {
        set_pi(&s);
        rc = wk_bc_update_states(&s.ch);
        ones += s.xi[0] == 1;
        later &= s.xi[1] == 0 && s.xi[2] == 0;
    }
    ok(rc == 0, "first state: the update runs");
    ok(later, "first state: bins 1 and 2 take the state that explains them");
    double got = (double)ones / n;
    printf("# P(xi_0 = 1): %.4f, closed form %.4f\n", got, want);
    near(got, want, 4.5 * sqrt(want * (1 - want) / n), "first state: P(xi_0 = 1) is the closed form");

    /* a bin 0 far from state 0's prior (mean -8, sd 1.1) and at state 1's mean:
     * state 1, though pi[1][0] is a third of pi[0][0] */
    s.X[0] = 1.0, s.A[0] = 0.5, s.b[0] = -8.0;
    ones = 0;
    for (int k = 0; k < 200 && rc == 0; k++) {
        set_pi(&s);
        rc = wk_bc_update_states(&s.ch);
        ones += s.xi[0] == 1;
    }
    ok(rc == 0 && ones == 200, "first state: a first bin only state 1 explains is state 1");
}

/* D = 2: X_{-1} | X_0 ~ N(S A' Q^{-1} (X_0 - b), S), S = (I + A' Q^{-1} A)^{-1}. */
static void test_presample(gsl_rng *rng)
{
    struct toy s;
    toy_init(&s, 2, rng);
    const double A[4] = {0.9, 0.3, -0.2, 0.7}, Q[4] = {0.5, 0.1, 0.1, 0.3}, b[2] = {0.4, -0.1};
    memcpy(s.A + 4, A, sizeof A), memcpy(s.Q + 4, Q, sizeof Q), memcpy(s.b + 2, b, sizeof b);
    s.xi[0] = 1;
    s.X[0] = 1.5, s.X[1] = -0.8;
    /* closed form with 2 x 2 algebra */
    double qdet = Q[0] * Q[3] - Q[1] * Q[2], qi[4] = {Q[3] / qdet, -Q[1] / qdet, -Q[2] / qdet, Q[0] / qdet};
    double atqi[4]; /* A' Q^{-1} */
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) atqi[i * 2 + j] = A[0 * 2 + i] * qi[0 * 2 + j] + A[1 * 2 + i] * qi[1 * 2 + j];
    double prec[4];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            prec[i * 2 + j] = (i == j) + atqi[i * 2 + 0] * A[0 * 2 + j] + atqi[i * 2 + 1] * A[1 * 2 + j];
    double pdet = prec[0] * prec[3] - prec[1] * prec[2];
    double S[4] = {prec[3] / pdet, -prec[1] / pdet, -prec[2] / pdet, prec[0] / pdet};
    double r[2] = {s.X[0] - b[0], s.X[1] - b[1]}, info[2], mean[2];
    for (int i = 0; i < 2; i++) info[i] = atqi[i * 2] * r[0] + atqi[i * 2 + 1] * r[1];
    for (int i = 0; i < 2; i++) mean[i] = S[i * 2] * info[0] + S[i * 2 + 1] * info[1];

    double work[3 * 4 + 2], x[2], s0 = 0, s1 = 0, s00 = 0, s11 = 0, s01 = 0;
    const int n = 40000;
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++) {
        rc = wk_bc_draw_presample(x, &s.ch, work);
        s0 += x[0], s1 += x[1], s00 += x[0] * x[0], s11 += x[1] * x[1], s01 += x[0] * x[1];
    }
    ok(rc == 0, "presample: draws run");
    double e0 = s0 / n, e1 = s1 / n;
    near(e0, mean[0], 5 * sqrt(S[0] / n), "presample: mean of the first coordinate");
    near(e1, mean[1], 5 * sqrt(S[3] / n), "presample: mean of the second coordinate");
    near(s00 / n - e0 * e0, S[0], 5 * S[0] * sqrt(2.0 / n), "presample: variance of the first coordinate");
    near(s11 / n - e1 * e1, S[3], 5 * S[3] * sqrt(2.0 / n), "presample: variance of the second coordinate");
    near(s01 / n - e0 * e1, S[1], 5 * sqrt((S[0] * S[3] + S[1] * S[1]) / n), "presample: covariance");
}

enum { GT = 40, GL = 6, DRAWS = 100000, BATCHES = 50 };
static const double G_ALPHA = 5, G_GAMMA = 5, G_KAPPA = 10;

static int states_used(const int *xi)
{
    int seen[GL] = {0}, n = 0;
    for (int t = 0; t < GT; t++) n += !seen[xi[t]]++;
    return n;
}

static int self_transitions(const int *xi)
{
    int n = 0;
    for (int t = 1; t < GT; t++) n += xi[t] == xi[t - 1];
    return n;
}

static int draw_index(gsl_rng *rng, const double *p, int n)
{
    double u = gsl_rng_uniform(rng), acc = 0;
    for (int l = 0; l < n; l++)
        if (u < (acc += p[l])) return l;
    return n - 1;
}

/* One draw of xi[T] from the prior with L <= GL states: beta ~
 * Dir(gamma / L), pi_l ~ Dir(alpha beta + kappa e_l), xi_0 uniform,
 * xi_t ~ pi[xi_{t-1}]. */
static void prior_states(int *xi, int T_, int L_, gsl_rng *rng)
{
    double par[GL] = {0}, beta[GL] = {0}, pi[GL * GL] = {0};
    for (int l = 0; l < L_; l++) par[l] = G_GAMMA / L_;
    gsl_ran_dirichlet(rng, (size_t)L_, par, beta);
    for (int j = 0; j < L_; j++) {
        for (int l = 0; l < L_; l++) par[l] = G_ALPHA * beta[l] + (j == l ? G_KAPPA : 0);
        gsl_ran_dirichlet(rng, (size_t)L_, par, pi + j * L_);
    }
    xi[0] = (int)gsl_rng_uniform_int(rng, (unsigned long)L_);
    for (int t = 1; t < T_; t++) xi[t] = draw_index(rng, pi + xi[t - 1] * L_, L_);
}

/* mean and standard error of x[n] by batch means */
static void batch_mean(const double *x, int n, double *mean, double *se)
{
    int per = n / BATCHES;
    double sum = 0, bm[BATCHES];
    for (int k = 0; k < BATCHES; k++) {
        bm[k] = 0;
        for (int i = 0; i < per; i++) bm[k] += x[k * per + i];
        bm[k] /= per;
        sum += bm[k];
    }
    *mean = sum / BATCHES;
    double ss = 0;
    for (int k = 0; k < BATCHES; k++) ss += (bm[k] - *mean) * (bm[k] - *mean);
    *se = sqrt(ss / (BATCHES - 1) / BATCHES);
}

static void test_prior_invariance(gsl_rng *rng)
{
    double *stat = malloc(4 * DRAWS * sizeof(double));
    double *fn = stat, *fs = stat + DRAWS, *gn = stat + 2 * DRAWS, *gs = stat + 3 * DRAWS;
    int xi[GT];
    for (int k = 0; k < DRAWS; k++) {
        prior_states(xi, GT, GL, rng);
        fn[k] = states_used(xi), fs[k] = self_transitions(xi);
    }
    struct wk_bc_data data = {0, GT, NULL};
    struct wk_bc_chain ch;
    memset(&ch, 0, sizeof ch);
    wk_bicluster_options_init(&ch.o);
    ch.o.alpha = G_ALPHA, ch.o.gamma = G_GAMMA, ch.o.kappa = G_KAPPA;
    double X[GT] = {0}, A[GL] = {0}, b[GL] = {0}, Q[GL], beta[GL], pi[GL * GL];
    for (int l = 0; l < GL; l++) Q[l] = 1, beta[l] = 1.0 / GL;
    for (int j = 0; j < GL * GL; j++) pi[j] = 1.0 / GL;
    memset(xi, 0, sizeof xi);
    ch.data = &data, ch.P = 1, ch.K = 1, ch.D = 1, ch.L = GL, ch.X = X, ch.A = A, ch.b = b, ch.Q = Q;
    ch.beta = beta, ch.pi = pi, ch.xi = xi, ch.rng = rng, ch.threads = 1;
    int rc = 0;
    for (int k = -1000; k < DRAWS && rc == 0; k++) {
        rc = wk_bc_update_states(&ch);
        if (k >= 0) gn[k] = states_used(xi), gs[k] = self_transitions(xi);
    }
    ok(rc == 0, "prior invariance: the update runs");
    double m[4], se[4];
    for (int i = 0; i < 4; i++) batch_mean(stat + i * DRAWS, DRAWS, m + i, se + i);
    printf("# states used: prior %.4f +- %.4f, chain %.4f +- %.4f\n", m[0], se[0], m[2], se[2]);
    printf("# self-transitions: prior %.3f +- %.3f, chain %.3f +- %.3f\n", m[1], se[1], m[3], se[3]);
    near(m[2], m[0], 4.5 * hypot(se[0], se[2]), "prior invariance: mean number of states used");
    near(m[3], m[1], 4.5 * hypot(se[1], se[3]), "prior invariance: mean number of self-transitions");
    free(stat);
}

/* ---- the whole no-data chain: (beta, pi, xi, dynamics, X) from the prior
 * against alternating X | xi (FFBS, X_{-1} integrated out), the dynamics
 * (X_{-1}, then MNIW) and the states (optionally first collapsed) ---- */

enum { JT = 4, JD = 2, JL = 3, JDRAWS = 100000 };
_Static_assert((int)JL <= (int)GL, "prior_states holds at most GL states");
enum { STAT_STATES, STAT_X, STAT_LOGDETQ, STAT_FIRST, NSTAT };
static const char *const stat_name[NSTAT] = {"states used", "atan X_0,0 atan X_0,1 + |atan X_3,0|",
                                             "log det Q of the last bin's state",
                                             "atan 10 A_01 + atan X_0,0 of the first bin's state"};

static void joint_stats(double *out, const int *xi, const double *X, const double *A, const double *Q)
{
    int seen[JL] = {0}, n = 0;
    for (int t = 0; t < JT; t++) n += !seen[xi[t]]++;
    const double *q = Q + xi[JT - 1] * JD * JD;
    out[STAT_STATES] = n;
    out[STAT_X] = atan(X[0]) * atan(X[1]) + fabs(atan(X[(JT - 1) * JD]));
    out[STAT_LOGDETQ] = log(q[0] * q[3] - q[1] * q[2]);
    out[STAT_FIRST] = atan(10 * A[xi[0] * JD * JD + 1]) + atan(X[0]);
}

/* dynamics of every state from the prior: Q ~ IW(0.01 I, D + 2), [A | b] =
 * [I | 0] + chol(Q) Z with Z standard normal */
static void prior_dynamics(gsl_rng *rng, double *A, double *b, double *Q, double *work)
{
    const double S[JD * JD] = {0.01, 0, 0, 0.01};
    for (int l = 0; l < JL; l++) {
        double lq[JD * JD], Z[JD][JD + 1];
        wk_bc_inverse_wishart(Q + l * JD * JD, S, JD + 2.0, JD, rng, work);
        memcpy(lq, Q + l * JD * JD, sizeof lq);
        wk_bc_chol(lq, JD);
        for (int i = 0; i < JD; i++)
            for (int j = 0; j <= JD; j++) Z[i][j] = gsl_ran_ugaussian(rng);
        for (int i = 0; i < JD; i++)
            for (int j = 0; j <= JD; j++) {
                double v = j == i ? 1.0 : 0.0;
                for (int k = 0; k <= i; k++) v += lq[i * JD + k] * Z[k][j];
                if (j < JD)
                    A[(l * JD + i) * JD + j] = v;
                else
                    b[l * JD + i] = v;
            }
    }
}

static void prior_chain(gsl_rng *rng, int *xi, double *X, double *A, double *b, double *Q, double *work)
{
    double prev[JD];
    prior_states(xi, JT, JL, rng);
    prior_dynamics(rng, A, b, Q, work);
    for (int i = 0; i < JD; i++) prev[i] = gsl_ran_ugaussian(rng);
    for (int t = 0; t < JT; t++) {
        int l = xi[t];
        double lq[JD * JD], e[JD];
        memcpy(lq, Q + l * JD * JD, sizeof lq);
        wk_bc_chol(lq, JD);
        for (int i = 0; i < JD; i++) e[i] = gsl_ran_ugaussian(rng);
        for (int i = 0; i < JD; i++) {
            double v = b[l * JD + i];
            for (int j = 0; j < JD; j++) v += A[(l * JD + i) * JD + j] * prev[j] + (j <= i ? lq[i * JD + j] * e[j] : 0);
            X[t * JD + i] = v;
        }
        memcpy(prev, X + t * JD, sizeof prev);
    }
}

/* per-batch means of each statistic */
static void add_to_batch(double (*batch)[NSTAT], long k, const double *st)
{
    for (int i = 0; i < NSTAT; i++) batch[k / (JDRAWS / BATCHES)][i] += st[i] / (JDRAWS / BATCHES);
}

static void compare_batches(double (*prior)[NSTAT], double (*chain)[NSTAT], const char *which)
{
    for (int i = 0; i < NSTAT; i++) {
        double mp = 0, mc = 0, vp = 0, vc = 0;
        for (int k = 0; k < BATCHES; k++) mp += prior[k][i] / BATCHES, mc += chain[k][i] / BATCHES;
        for (int k = 0; k < BATCHES; k++)
            vp += (prior[k][i] - mp) * (prior[k][i] - mp), vc += (chain[k][i] - mc) * (chain[k][i] - mc);
        double se = sqrt((vp + vc) / (BATCHES - 1) / BATCHES);
        char what[160];
        snprintf(what, sizeof what, "joint invariance%s: mean %s", which, stat_name[i]);
        printf("# %s: prior %.4f, chain %.4f, z %.2f\n", what, mp, mc, (mc - mp) / se);
        near(mc, mp, 4.5 * se, what);
    }
}

static void test_joint_invariance(gsl_rng *rng, int collapsed)
{
    static double prior[BATCHES][NSTAT], chain[BATCHES][NSTAT];
    memset(prior, 0, sizeof prior), memset(chain, 0, sizeof chain);
    double A[JL * JD * JD], b[JL * JD], Q[JL * JD * JD], X[JT * JD], st[NSTAT], work[3 * JD * JD + JD];
    int xi[JT];
    for (long k = 0; k < JDRAWS; k++) {
        prior_chain(rng, xi, X, A, b, Q, work);
        joint_stats(st, xi, X, A, Q);
        add_to_batch(prior, k, st);
    }
    struct wk_bc_data data = {0, JT, NULL};
    struct wk_bc_chain ch;
    memset(&ch, 0, sizeof ch);
    wk_bicluster_options_init(&ch.o);
    ch.o.alpha = G_ALPHA, ch.o.gamma = G_GAMMA, ch.o.kappa = G_KAPPA;
    double beta[JL], pi[JL * JL], J[JT * JD] = {0}, h[JT * JD] = {0};
    prior_dynamics(rng, A, b, Q, work);
    for (int l = 0; l < JL; l++) beta[l] = 1.0 / JL;
    for (int j = 0; j < JL * JL; j++) pi[j] = 1.0 / JL;
    memset(xi, 0, sizeof xi);
    ch.data = &data, ch.P = 1, ch.K = JD, ch.D = JD, ch.L = JL, ch.X = X, ch.A = A, ch.b = b, ch.Q = Q;
    ch.beta = beta, ch.pi = pi, ch.xi = xi, ch.rng = rng, ch.threads = 1;
    double *fw = malloc(wk_bc_ffbs_work_size(JT, JD, JL) * sizeof(double));
    int rc = fw ? 0 : -1;
    for (long k = -1000; k < JDRAWS && rc == 0; k++) {
        if (collapsed) rc = wk_bc_collapsed_states(&ch, J, h, 1);
        if (!rc) rc = wk_bc_ffbs_blocks(X, rng, JT, JD, 1, J, h, A, b, Q, xi, fw);
        if (!rc) rc = wk_bc_update_dynamics(&ch);
        if (!rc) rc = wk_bc_update_states(&ch);
        if (!rc && k >= 0) {
            joint_stats(st, xi, X, A, Q);
            add_to_batch(chain, k, st);
        }
    }
    free(fw);
    ok(rc == 0, collapsed ? "joint invariance, collapsed states: the chain runs" : "joint invariance: the chain runs");
    compare_batches(prior, chain, collapsed ? ", collapsed states" : "");
}

int main(void)
{
    gsl_rng *rng = gsl_rng_alloc(wk_rng_xoshiro256);
    gsl_rng_set(rng, 5);
    test_prior_invariance(rng);
    test_joint_invariance(rng, 0);
    test_joint_invariance(rng, 1);
    test_first_state(rng);
    test_presample(rng);
    gsl_rng_free(rng);
    return wk_test_done();
}
