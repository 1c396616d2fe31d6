/* test-glm.c - switching GLM: kernel, observation model, forward-backward
 * against brute-force enumeration, gradients of every parameter block and
 * prior against finite differences, the Concrete density's normalisation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "glm_internal.h"
#include "wk_test.h"
#include "wormkit/wk_glm.h"

/* ---- forward-backward against enumeration of all paths ---- */

static void test_forward_backward(void)
{
    enum { T = 5, S = 3 };
    double ll[T * S], logp0[S] = {log(0.5), log(0.3), log(0.2)}, logP[S * S];
    const double P[S * S] = {0.7, 0.2, 0.1, 0.25, 0.5, 0.25, 0.05, 0.15, 0.8};
    for (int i = 0; i < S * S; i++) logP[i] = log(P[i]);
    for (int i = 0; i < T * S; i++) ll[i] = -1.0 - 0.37 * ((i * 7) % 5) + 0.11 * (i % 3);

    double Z = 0, gam[T * S] = {0}, xi[S * S] = {0};
    int z[T];
    double best = -INFINITY;
    int best_path[T];
    for (int code = 0; code < 243; code++) { /* 3^5 paths */
        int c = code;
        for (int t = 0; t < T; t++) {
            z[t] = c % S;
            c /= S;
        }
        double lp = logp0[z[0]] + ll[z[0]];
        for (int t = 1; t < T; t++) lp += logP[z[t - 1] * S + z[t]] + ll[t * S + z[t]];
        double p = exp(lp);
        Z += p;
        for (int t = 0; t < T; t++) gam[t * S + z[t]] += p;
        for (int t = 1; t < T; t++) xi[z[t - 1] * S + z[t]] += p;
        if (lp > best) {
            best = lp;
            memcpy(best_path, z, sizeof z);
        }
    }
    double gamma[T * S], xi_fb[S * S] = {0}, loglik;
    ok(wk_glm_forward_backward(gamma, xi_fb, &loglik, ll, T, S, logp0, logP) == 0, "forward-backward runs");
    near(loglik, log(Z), 1e-12, "marginal log-likelihood equals the enumeration");
    near(wk_glm_forward(ll, T, S, logp0, logP), log(Z), 1e-12, "forward pass alone agrees");
    double err = 0;
    for (int i = 0; i < T * S; i++) err = fmax(err, fabs(gamma[i] - gam[i] / Z));
    near(err, 0, 1e-12, "posterior marginals equal the enumeration");
    err = 0;
    for (int i = 0; i < S * S; i++) err = fmax(err, fabs(xi_fb[i] - xi[i] / Z));
    near(err, 0, 1e-12, "expected transition counts equal the enumeration");
    int path[T], same = 1;
    ok(wk_glm_viterbi(path, ll, T, S, logp0, logP) == 0, "viterbi runs");
    for (int t = 0; t < T; t++) same &= path[t] == best_path[t];
    ok(same, "viterbi finds the most probable path");
}

/* A bin whose only reachable state has an emission 800 nats below the
 * best one: the scaled recursions underflow there and the log-space ones
 * take over.  One path has probability: (0, 0, 0), log-likelihood
 * -1 - 800 - 2. */
static void test_forward_backward_underflow(void)
{
    enum { T = 3, S = 2 };
    const double ll[T * S] = {-1, 0, -800, 0, -2, -3};
    const double logp0[S] = {0, -INFINITY}, logP[S * S] = {0, -INFINITY, log(0.5), log(0.5)};
    double gamma[T * S], xi[S * S] = {0}, loglik = 0;
    ok(wk_glm_forward_backward(gamma, xi, &loglik, ll, T, S, logp0, logP) == 0, "underflow: forward-backward runs");
    near(loglik, -803, 1e-12, "underflow: log-likelihood of the only path");
    near(wk_glm_forward(ll, T, S, logp0, logP), -803, 1e-12, "underflow: forward pass alone");
    ok(gamma[0] == 1 && gamma[2] == 1 && gamma[4] == 1 && gamma[1] == 0 && gamma[3] == 0 && gamma[5] == 0,
       "underflow: the posteriors follow the only path");
    near(xi[0], 2, 1e-12, "underflow: two transitions 0 -> 0");
    ok(xi[1] == 0 && xi[2] == 0 && xi[3] == 0, "underflow: no other transition");
}

/* ---- kernel and observation model ---- */

static void test_kernel_and_obs(void)
{
    double phi[5];
    wk_glm_kernel(phi, 5, 1.0, 5.0);
    const double want[5] = {0.6364, 0.2341, 0.0861, 0.0317, 0.0117};
    double err = 0;
    for (int k = 0; k < 5; k++) err = fmax(err, fabs(phi[k] - want[k]));
    near(err, 0, 6e-5, "history kernel equals the reference phi");

    /* Poisson at u = 0: f = 0.5(1-1e-8)+1e-8; x = 2 */
    double f = 0.5 * (1 - 1e-8) + 1e-8;
    near(wk_glm_obs_loglik(WK_GLM_POISSON, 2, 0, 1, NULL, NULL), 2 * log(f) - f - log(2.0), 1e-14,
         "poisson log-density");
    near(wk_glm_obs_loglik(WK_GLM_BERNOULLI, 1, 0, 1, NULL, NULL), log(f), 1e-14, "bernoulli log-density");
    near(wk_glm_obs_loglik(WK_GLM_GAUSSIAN, 1, 0.5, 2, NULL, NULL), -0.5 * (log(4 * M_PI) + 0.125), 1e-14,
         "gaussian log-density");
    const enum wk_glm_obs kinds[3] = {WK_GLM_POISSON, WK_GLM_BERNOULLI, WK_GLM_GAUSSIAN};
    for (int k = 0; k < 3; k++) {
        double d1, h = 1e-6, u = 0.7, x = k == 1 ? 1 : 2;
        wk_glm_obs_loglik(kinds[k], x, u, 1.3, &d1, NULL);
        double fd = (wk_glm_obs_loglik(kinds[k], x, u + h, 1.3, NULL, NULL) -
                     wk_glm_obs_loglik(kinds[k], x, u - h, 1.3, NULL, NULL)) / (2 * h);
        near(d1, fd, 1e-7, "observation derivative matches finite differences");
    }
}

/* ---- Concrete density ---- */

static double concrete3_mass(double tau, const double *loga)
{
    /* x = softmax(z1, z2, 0): dx1 dx2 = x1 x2 x3 dz1 dz2 */
    double h = 0.1, sum = 0;
    for (double z1 = -50; z1 <= 50; z1 += h)
        for (double z2 = -50; z2 <= 50; z2 += h) {
            double mx = fmax(0, fmax(z1, z2)), e1 = exp(z1 - mx), e2 = exp(z2 - mx), e3 = exp(-mx);
            double lz = mx + log(e1 + e2 + e3), lx[3] = {z1 - lz, z2 - lz, -lz};
            sum += exp(wk_glm_concrete_logpdf(lx, loga, 3, tau, NULL, NULL) + lx[0] + lx[1] + lx[2]);
        }
    return sum * h * h;
}

static void test_concrete(void)
{
    const double loga[3] = {log(0.2), log(0.6), log(0.2)}, loga2[3] = {0.3, -1.2, 2.0};
    near(concrete3_mass(1.0, loga), 1.0, 1e-6, "concrete density integrates to 1 (tau 1)");
    near(concrete3_mass(0.5, loga2), 1.0, 1e-6, "concrete density integrates to 1 (tau 0.5)");
    near(concrete3_mass(2.0, loga2), 1.0, 1e-6, "concrete density integrates to 1 (tau 2)");
    /* K = 2 via x1 = sigmoid(z) */
    double sum = 0, h = 0.01;
    const double la2[2] = {log(0.3), log(0.7)};
    for (double z = -80; z <= 80; z += h) {
        double l1 = -log1p(exp(-z)), l2 = -log1p(exp(z)), lx[2] = {l1, l2};
        sum += exp(wk_glm_concrete_logpdf(lx, la2, 2, 0.2, NULL, NULL) + l1 + l2) * h;
    }
    near(sum, 1.0, 1e-6, "concrete density integrates to 1 (K 2, tau 0.2)");

    double lx[3] = {log(0.1), log(0.3), log(0.6)}, glx[3], gla[3];
    wk_glm_concrete_logpdf(lx, loga2, 3, 0.2, glx, gla);
    double err = 0, e = 1e-6;
    for (int k = 0; k < 3; k++) {
        double a[3], b[3];
        memcpy(a, lx, sizeof a);
        memcpy(b, lx, sizeof b);
        a[k] += e;
        b[k] -= e;
        double fd = (wk_glm_concrete_logpdf(a, loga2, 3, 0.2, NULL, NULL) -
                     wk_glm_concrete_logpdf(b, loga2, 3, 0.2, NULL, NULL)) / (2 * e);
        err = fmax(err, fabs(fd - glx[k]));
        memcpy(a, loga2, sizeof a);
        memcpy(b, loga2, sizeof b);
        a[k] += e;
        b[k] -= e;
        fd = (wk_glm_concrete_logpdf(lx, a, 3, 0.2, NULL, NULL) - wk_glm_concrete_logpdf(lx, b, 3, 0.2, NULL, NULL)) /
             (2 * e);
        err = fmax(err, fabs(fd - gla[k]));
    }
    near(err, 0, 1e-7, "concrete gradients match finite differences");
}

/* ---- gradients of the M-step objective ---- */

enum { GS = 2, GN = 3, GT = 40 };

struct problem {
    float x[2][GT * GN];
    struct wk_glm_data *d;
    double gamma[2 * GT * GS];
};

static void make_problem(struct problem *p, enum wk_glm_obs obs)
{
    const float *xs[2] = {p->x[0], p->x[1]};
    size_t T[2] = {GT, GT};
    unsigned v = 12345;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < GT * GN; j++) {
            v = v * 1103515245u + 12345u;
            unsigned r = (v >> 16) % 7;
            p->x[i][j] = obs == WK_GLM_BERNOULLI ? (float)(r % 2) : obs == WK_GLM_GAUSSIAN ? (float)r * 0.3f - 1 : (float)(r % 4);
        }
    p->x[1][5] = NAN; /* a missing observation */
    for (int t = 0; t < 2 * GT; t++) {
        double a = 0.5 + 0.45 * sin(0.3 * t);
        p->gamma[t * GS] = a;
        p->gamma[t * GS + 1] = 1 - a;
    }
    struct wk_glm_opts o;
    wk_glm_opts_init(&o);
    wk_glm_data_alloc(&p->d, GN, 2, xs, T, &o);
}

static double fd_max_error(double *param, size_t n, const double *grad, double (*f)(void *), void *ctx)
{
    double err = 0, h = 1e-5;
    for (size_t i = 0; i < n; i++) {
        double keep = param[i];
        param[i] = keep + h;
        double up = f(ctx);
        param[i] = keep - h;
        double down = f(ctx);
        param[i] = keep;
        double fd = (up - down) / (2 * h);
        err = fmax(err, fabs(fd - grad[i]) / (1 + fabs(fd)));
    }
    return err;
}

struct eval {
    struct wk_glm_model *m;
    struct problem *p;
    const double *Wbar;
    const double *gumbel;
};

static double eval_plain(void *ctx)
{
    struct eval *e = ctx;
    double v;
    wk_glm_objective(&v, NULL, NULL, e->m, e->p->d, e->p->gamma, e->Wbar);
    return v;
}

static double eval_onehot(void *ctx)
{
    struct eval *e = ctx;
    double v;
    wk_glm_onehot_objective(&v, NULL, NULL, NULL, NULL, e->m, e->p->d, e->p->gamma, e->gumbel);
    return v;
}

static void test_gradients_plain(enum wk_glm_obs obs, enum wk_glm_prior prior, int self, const char *what)
{
    struct problem p;
    make_problem(&p, obs);
    struct wk_glm_opts o;
    wk_glm_opts_init(&o);
    o.states = GS;
    o.obs = obs;
    o.prior = prior;
    o.self = self;
    o.init_scale = 0.5;
    struct wk_glm_model *m = wk_glm_model_alloc(GS, GN, &o);
    wk_glm_model_init(m, &o);
    for (int n = 0; n < GN; n++) {
        m->bias[n] = -0.3 + 0.2 * n;
        m->var[n] = 0.7 + 0.1 * n;
    }
    double Wbar[GN * GN], gW[GS * GN * GN], gb[GN], v;
    for (int i = 0; i < GN * GN; i++) Wbar[i] = 0.05 * i - 0.2;
    ok(wk_glm_objective(&v, gW, gb, m, p.d, p.gamma, Wbar) == 0 && isfinite(v), "objective is finite");
    struct eval e = {m, &p, Wbar, NULL};
    char buf[160];
    double errW = fd_max_error(m->W, GS * GN * GN, gW, eval_plain, &e);
    if (!self) { /* the diagonal is not a parameter: its gradient is 0 */
        int zero = 1;
        for (int s = 0; s < GS; s++)
            for (int n = 0; n < GN; n++) zero &= gW[(s * GN + n) * GN + n] == 0;
        snprintf(buf, sizeof buf, "%s: no gradient on the diagonal without self-coupling", what);
        ok(zero, buf);
        errW = 0;
        for (int i = 0; i < GS * GN * GN; i++) {
            if ((i % (GN * GN)) / GN == (i % (GN * GN)) % GN) continue;
            errW = fmax(errW, fd_max_error(m->W + i, 1, gW + i, eval_plain, &e));
        }
    }
    snprintf(buf, sizeof buf, "%s: weight gradient matches finite differences", what);
    near(errW, 0, 1e-6, buf);
    snprintf(buf, sizeof buf, "%s: bias gradient matches finite differences", what);
    near(fd_max_error(m->bias, GN, gb, eval_plain, &e), 0, 1e-6, buf);
    wk_glm_model_free(m);
    wk_glm_data_free(p.d);
}

static void test_gradients_onehot(enum wk_glm_obs obs, int self, int noisy, const char *what)
{
    struct problem p;
    make_problem(&p, obs);
    struct wk_glm_opts o;
    wk_glm_opts_init(&o);
    o.states = GS;
    o.obs = obs;
    o.prior = WK_GLM_PRIOR_ONEHOT;
    o.self = self;
    o.tau = 0.5; /* well-conditioned finite differences */
    o.init_scale = 0.3;
    struct wk_glm_model *m = wk_glm_model_alloc(GS, GN, &o);
    wk_glm_model_init(m, &o);
    size_t SNN = GS * GN * GN;
    for (size_t i = 0; i < SNN; i++) {
        m->rho[i] = -0.5 + 0.1 * (double)i;
        m->logit[3 * i] += 0.2 * sin((double)i);
    }
    for (size_t i = 0; i < GN * GN * 3; i++) m->pilogit[i] += 0.3 * cos((double)i);
    double gumbel[GN * GS * GN * 3];
    for (size_t i = 0; i < sizeof gumbel / sizeof gumbel[0]; i++) gumbel[i] = 0.5 * sin(1.7 * (double)i);
    double gl[3 * GS * GN * GN], grho[GS * GN * GN], gpi[3 * GN * GN], gb[GN], v;
    const double *g = noisy ? gumbel : NULL;
    ok(wk_glm_onehot_objective(&v, gl, grho, gpi, gb, m, p.d, p.gamma, g) == 0 && isfinite(v),
       "one-hot objective is finite");
    struct eval e = {m, &p, NULL, g};
    char buf[160];
    snprintf(buf, sizeof buf, "%s: logit gradient matches finite differences", what);
    near(fd_max_error(m->logit, 3 * SNN, gl, eval_onehot, &e), 0, 1e-6, buf);
    snprintf(buf, sizeof buf, "%s: strength gradient matches finite differences", what);
    near(fd_max_error(m->rho, SNN, grho, eval_onehot, &e), 0, 1e-6, buf);
    snprintf(buf, sizeof buf, "%s: global connectome gradient matches finite differences", what);
    near(fd_max_error(m->pilogit, 3 * GN * GN, gpi, eval_onehot, &e), 0, 1e-6, buf);
    snprintf(buf, sizeof buf, "%s: bias gradient matches finite differences", what);
    near(fd_max_error(m->bias, GN, gb, eval_onehot, &e), 0, 1e-6, buf);
    wk_glm_model_free(m);
    wk_glm_data_free(p.d);
}

/* ---- the vectorizable exp/log and the block observation terms ---- */

static void test_fast_math(void)
{
    /* relative errors against libm on a dense grid of the whole range
     * (measured: below 2.0 ulp for exp, 3.9 ulp for log) */
    double ee = 0, el = 0, e1 = 0;
    for (long i = 0; i <= 2000000; i++) {
        double x = -708.0 + 1417.0 * (double)i / 2000000.0 + 1e-7 * sin((double)i);
        double want = exp(x);
        ee = fmax(ee, fabs(wk_fast_exp(x) - want) / want);
        double l = log(want);
        if (l != 0) el = fmax(el, fabs(wk_fast_log(want) - l) / fabs(l));
        double y = 1.0 + ((double)i - 1e6) * 3e-13; /* near 1, where log is smallest */
        double ly = log(y);
        if (ly != 0) e1 = fmax(e1, fabs(wk_fast_log(y) - ly) / fabs(ly));
    }
    ok(ee <= 3 * 0x1p-53, "fast exp within 3 ulp of libm on [-708, 709]");
    ok(el <= 5 * 0x1p-53, "fast log within 5 ulp of libm on [1e-307, 1e308]");
    ok(e1 <= 5 * 0x1p-53, "fast log within 5 ulp of libm near 1");
    ok(wk_fast_exp(0) == 1 && wk_fast_log(1) == 0, "exp(0) = 1 and log(1) = 0 exactly");
    ok(wk_fast_log(0x1p-1022) == log(0x1p-1022) && wk_fast_exp(-708) > 0x1p-1022,
       "range ends stay normal numbers");
}

static void test_obs_block(void)
{
    enum { R = 7, C = 9, NE = R * C };
    const enum wk_glm_obs kinds[3] = {WK_GLM_POISSON, WK_GLM_BERNOULLI, WK_GLM_GAUSSIAN};
    const char *names[3] = {"poisson", "bernoulli", "gaussian"};
    float x[NE];
    double u[NE], var[C], val[NE], d1[NE], w[NE], val2[NE];
    for (int j = 0; j < C; j++) var[j] = 0.5 + 0.25 * j;
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < NE; i++) {
            u[i] = -40 + 80.0 * i / (NE - 1) + (i % 3 == 0 ? 0 : 0.37 * sin(i)); /* both tails and 0 */
            x[i] = k == 1 ? (float)(i % 2) : (float)(i % 4);
        }
        u[NE / 2] = 0;
        x[5] = NAN;
        wk_glm_obs_block(val, d1, w, kinds[k], x, u, var, R, C);
        wk_glm_obs_block(val2, NULL, NULL, kinds[k], x, u, var, R, C);
        double err = 0;
        int same = 1;
        for (int i = 0; i < NE; i++) {
            double wd1 = 0, ww = 0, want = 0;
            if (!isnan(x[i])) want = wk_glm_obs_core(kinds[k], x[i], u[i], var[i % C], &wd1, &ww);
            /* d1 = (x/f - 1) f' cancels where f is near x: its scale is
             * |d1| + (1 + x) sqrt(w), sqrt(w) = f'/sqrt(f) */
            err = fmax(err, fabs(val[i] - want) / (1e-300 + fabs(want)));
            err = fmax(err, fabs(d1[i] - wd1) / (1e-300 + fabs(wd1) + (1 + fabs(x[i])) * sqrt(ww)));
            err = fmax(err, fabs(w[i] - ww) / (1e-300 + fabs(ww)));
            same &= val[i] == val2[i];
        }
        char buf[120];
        snprintf(buf, sizeof buf, "%s: block observation terms equal the scalar ones (relative error %.2g)", names[k],
                 err);
        ok(err < 1e-13, buf);
        snprintf(buf, sizeof buf, "%s: missing entry gives zero terms", names[k]);
        ok(val[5] == 0 && d1[5] == 0 && w[5] == 0, buf);
        snprintf(buf, sizeof buf, "%s: values without derivatives are the same", names[k]);
        ok(same, buf);
    }
}

/* The fused one-hot row of the Fisher-scoring inner loop equals the
 * separate forward and backward bit for bit. */
static void test_onehot_fused(int self)
{
    struct wk_glm_opts o;
    wk_glm_opts_init(&o);
    o.states = GS;
    o.prior = WK_GLM_PRIOR_ONEHOT;
    o.self = self;
    o.init_scale = 0.3;
    struct wk_glm_model *m = wk_glm_model_alloc(GS, GN, &o);
    wk_glm_model_init(m, &o);
    enum { SNN = GS * GN * GN };
    for (size_t i = 0; i < SNN; i++) {
        m->rho[i] = -0.5 + 0.1 * (double)i;
        m->logit[3 * i + 2] += 0.4 * cos((double)i);
    }
    for (size_t i = 0; i < GN * GN * 3; i++) m->pilogit[i] += 0.3 * cos((double)i);
    double noise[GS * GN * 3], gW[SNN], W1[SNN], W2[SNN];
    double gl1[3 * SNN] = {0}, gl2[3 * SNN] = {0}, gr1[SNN] = {0}, gr2[SNN] = {0};
    double gp1[3 * GN * GN] = {0}, gp2[3 * GN * GN] = {0};
    double *cache = malloc(wk_glm_onehot_row_cache_len(m) * sizeof *cache);
    for (size_t i = 0; i < SNN; i++) gW[i] = sin(0.7 * (double)i);
    int same = 1;
    for (size_t n = 0; n < GN; n++) {
        wk_glm_gumbel_fill(noise, GS * GN * 3, n + 11);
        wk_glm_onehot_row_forward(m, noise, n, W1);
        wk_glm_onehot_row_sample(m, noise, n, W2, cache);
        wk_glm_onehot_row_backward(m, noise, n, gW, gl1, gr1, gp1);
        wk_glm_onehot_row_grad(m, cache, n, gW, gl2, gr2, gp2);
        for (size_t s = 0; s < GS; s++)
            for (size_t j = 0; j < GN; j++) same &= W1[(s * GN + n) * GN + j] == W2[(s * GN + n) * GN + j];
    }
    same &= !memcmp(gl1, gl2, sizeof gl1) && !memcmp(gr1, gr2, sizeof gr1) && !memcmp(gp1, gp2, sizeof gp1);
    ok(same, self ? "fused one-hot row equals forward and backward" :
                    "fused one-hot row equals forward and backward, no self-coupling");
    free(cache);
    wk_glm_model_free(m);
}

int main(void)
{
    test_forward_backward();
    test_forward_backward_underflow();
    test_kernel_and_obs();
    test_concrete();
    test_gradients_plain(WK_GLM_POISSON, WK_GLM_PRIOR_NONE, 1, "poisson, no prior");
    test_gradients_plain(WK_GLM_BERNOULLI, WK_GLM_PRIOR_NONE, 1, "bernoulli, no prior");
    test_gradients_plain(WK_GLM_GAUSSIAN, WK_GLM_PRIOR_NONE, 1, "gaussian observations");
    test_gradients_plain(WK_GLM_POISSON, WK_GLM_PRIOR_GAUSSIAN, 1, "poisson, gaussian prior");
    test_gradients_plain(WK_GLM_POISSON, WK_GLM_PRIOR_GAUSSIAN, 0, "gaussian prior, no self-coupling");
    test_gradients_onehot(WK_GLM_POISSON, 1, 1, "poisson, one-hot prior, gumbel noise");
    test_gradients_onehot(WK_GLM_BERNOULLI, 1, 0, "bernoulli, one-hot prior, no noise");
    test_gradients_onehot(WK_GLM_POISSON, 0, 1, "one-hot prior, no self-coupling");
    test_fast_math();
    test_obs_block();
    test_onehot_fused(1);
    test_onehot_fused(0);
    return wk_test_done();
}
