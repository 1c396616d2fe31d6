/* pg.c - Polya-Gamma sampling (see wk_pg.h).
 *
 * PG(1, c) follows Devroye's method as given by Polson, Scott & Windle
 * (2013, appendix): J*(1, z) with z = |c|/2 is drawn by rejection from a
 * mixture of a truncated inverse Gaussian (x < 0.64) and an exponential
 * (x >= 0.64), the acceptance decided exactly by the alternating series of
 * the density; PG(1, c) = J*(1, c/2) / 4. */
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>

#include "wormkit/wk_pg.h"

#define PG_TRUNC 0.64

/* Coefficient a_n(x) of the alternating series of the J*(1) density;
 * left = (2 / (pi x))^{3/2}, computed once per x. */
static double series_term(int n, double x, double left)
{
    double k = n + 0.5;
    if (x > PG_TRUNC) return M_PI * k * exp(-0.5 * k * k * M_PI * M_PI * x);
    return M_PI * k * left * exp(-2.0 * k * k / x);
}

/* Probability of the exponential (right) part of the proposal. */
static double right_mass(double z)
{
    double t = PG_TRUNC, fz = 0.125 * M_PI * M_PI + 0.5 * z * z;
    double b = sqrt(1.0 / t) * (t * z - 1.0), a = -sqrt(1.0 / t) * (t * z + 1.0);
    double x0 = log(fz) + fz * t;
    double xb = x0 - z + log(gsl_cdf_ugaussian_P(b));
    double xa = x0 + z + log(gsl_cdf_ugaussian_P(a));
    double qdivp = 4.0 / M_PI * (exp(xb) + exp(xa));
    return 1.0 / (1.0 + qdivp);
}

/* Inverse Gaussian IG(1/z, 1) truncated to (0, t). */
static double truncated_inverse_gaussian(gsl_rng *rng, double z, double t)
{
    double mu = 1.0 / z, x = t + 1.0;
    if (mu > t) {
        double alpha = 0.0;
        while (gsl_rng_uniform(rng) > alpha) {
            double e1, e2;
            do {
                e1 = gsl_ran_exponential(rng, 1.0);
                e2 = gsl_ran_exponential(rng, 1.0);
            } while (e1 * e1 > 2.0 * e2 / t);
            x = 1.0 + e1 * t;
            x = t / (x * x);
            alpha = exp(-0.5 * z * z * x);
        }
        return x;
    }
    while (x > t) {
        double y = gsl_ran_ugaussian(rng);
        y *= y;
        double half_mu = 0.5 * mu, mu_y = mu * y;
        x = mu + half_mu * mu_y - half_mu * sqrt(4.0 * mu_y + mu_y * mu_y);
        if (gsl_rng_uniform(rng) > mu / (mu + x)) x = mu * mu / x;
    }
    return x;
}

/* J*(1, z) / 4 given the proposal constants of z. */
static double devroye(gsl_rng *rng, double z, double fz, double p_right)
{
    for (;;) {
        double x;
        if (gsl_rng_uniform(rng) < p_right)
            x = PG_TRUNC + gsl_ran_exponential(rng, 1.0) / fz;
        else
            x = truncated_inverse_gaussian(rng, z, PG_TRUNC);
        double left = x > PG_TRUNC ? 0.0 : pow(2.0 / (M_PI * x), 1.5);
        double s = series_term(0, x, left), y = gsl_rng_uniform(rng) * s;
        for (int n = 1;; n++) {
            if (n & 1) {
                s -= series_term(n, x, left);
                if (y <= s) return 0.25 * x;
            } else {
                s += series_term(n, x, left);
                if (y > s) break;
            }
        }
    }
}

double wk_pg_draw1(gsl_rng *rng, double c)
{
    double z = 0.5 * fabs(c);
    return devroye(rng, z, 0.125 * M_PI * M_PI + 0.5 * z * z, right_mass(z));
}

/* ---- J*(h, z) for h in [1, 2) by the alternating series of Windle,
 * Polson & Scott (2014): f(x | h) = sum_n (-1)^n a_n(x) with
 * a_n(x) = 2^h Gamma(n+h) / (Gamma(h) n!) (2n+h) / sqrt(2 pi x^3)
 * exp(-(2n+h)^2 / (2x)).  The ratio a_{n+1}/a_n =
 * (n+h)/(n+1) (2n+2+h)/(2n+h) exp(-(4n+2+2h)/x) falls with n when h >= 1,
 * so once it is below 1 the partial sums bracket f; on x < t it is below
 * 1 from n = 0 (t <= (2+2h)/log(2+h)), hence f <= a_0 there.  On x >= t the
 * envelope is k(x) = (pi/2)^h x^(h-1) e^(-pi^2 x/8) / Gamma(h) >= f(x)
 * (f is E_R of the first gamma term's density at x - R, R >= 0 the rest of
 * the gamma sum, and E exp(pi^2 R / 8) = (4/pi)^h).  Exact in
 * distribution: only the series decides acceptance. ---- */

#define ALT_T 1.0

struct alt {
    double h, z, lgh, lambda, p_left;
};

static void alt_setup(struct alt *a, double h, double z)
{
    a->h = h;
    a->z = z;
    a->lgh = lgamma(h);
    a->lambda = 0.125 * M_PI * M_PI + 0.5 * z * z;
    double st = sqrt(ALT_T), log_left;
    /* log of 2^h e^{-hz} F_IG(t; h/z, h^2), the left mass */
    double l1 = -h * z + log(gsl_cdf_ugaussian_P((z * ALT_T - h) / st));
    double l2 = h * z + log(gsl_cdf_ugaussian_P(-(z * ALT_T + h) / st));
    log_left = h * M_LN2 + (l1 > l2 ? l1 + log1p(exp(l2 - l1)) : l2 + log1p(exp(l1 - l2)));
    double log_right = h * (log(0.5 * M_PI) - log(a->lambda)) + log(gsl_sf_gamma_inc_Q(h, a->lambda * ALT_T));
    a->p_left = 1.0 / (1.0 + exp(log_right - log_left));
}

/* Gamma(h, rate lambda) truncated to (t, inf), h >= 1: exponential proposal
 * of rate lambda - (h-1)/t, accepted with (x/t)^(h-1) e^{-(h-1)(x-t)/t}.
 * Needs lambda t > h - 1, true here: h < 2, t = 1, lambda >= pi^2/8. */
static double right_gamma(gsl_rng *rng, double h, double lambda, double t)
{
    double rate = lambda - (h - 1.0) / t;
    for (;;) {
        double x = t + gsl_ran_exponential(rng, 1.0 / rate);
        double log_acc = (h - 1.0) * (log(x / t) - (x - t) / t);
        if (log(gsl_rng_uniform_pos(rng)) <= log_acc) return x;
    }
}

static double log_a0(double h, double x)
{
    return h * M_LN2 + log(h) - 0.5 * log(2.0 * M_PI * x * x * x) - 0.5 * h * h / x;
}

static double alt_draw(gsl_rng *rng, const struct alt *a)
{
    double h = a->h;
    for (;;) {
        double x, log_bound;
        if (gsl_rng_uniform(rng) < a->p_left) {
            /* IG(h/z, h^2) truncated to (0, t) = h^2 IG(1/(hz), 1) truncated to (0, t/h^2) */
            x = h * h * truncated_inverse_gaussian(rng, h * a->z, ALT_T / (h * h));
            log_bound = log_a0(h, x);
        } else {
            x = right_gamma(rng, h, a->lambda, ALT_T);
            log_bound = h * log(0.5 * M_PI) + (h - 1.0) * log(x) - 0.125 * M_PI * M_PI * x - a->lgh;
        }
        /* work relative to a_0(x) to keep the series in range */
        double scale = log_a0(h, x);
        double y = exp(log(gsl_rng_uniform_pos(rng)) + log_bound - scale);
        double term = 1.0, s = 1.0; /* a_n / a_0 and the partial sum */
        int decided = 0;
        for (int n = 0; !decided && n < 100000; n++) {
            double ratio = (n + h) / (n + 1.0) * (2.0 * n + 2.0 + h) / (2.0 * n + h) * exp(-(4.0 * n + 2.0 + 2.0 * h) / x);
            double next_ratio = (n + 1.0 + h) / (n + 2.0) * (2.0 * n + 4.0 + h) / (2.0 * n + 2.0 + h) *
                                exp(-(4.0 * n + 6.0 + 2.0 * h) / x);
            /* S_n brackets f when a_{n+1} >= a_{n+2} >= ... */
            if (next_ratio <= 1.0) {
                if ((n & 1) && y <= s) return 0.25 * x;
                if (!(n & 1) && y > s) decided = 1;
            }
            term *= ratio;
            s += (n & 1) ? term : -term;
        }
    }
}

/* PG(f + 1, c) for f in [0, 1). */
static double draw_alternate(gsl_rng *rng, double h, double c)
{
    struct alt a;
    alt_setup(&a, h, 0.5 * fabs(c));
    return alt_draw(rng, &a);
}

/* PG(b, c) for b in (0, 1): the gamma series truncated after
 * WK_PG_TERMS terms, the tail carried by one gamma variate with the tail's
 * exact mean and variance (Windle et al. use a truncated sum here too). */
static double tail_sum(int m, double delta, int power, double c)
{
    double total;
    if (power == 1)
        total = wk_pg_mean(1.0, c) * 2.0 * M_PI * M_PI;
    else
        total = wk_pg_var(1.0, c) * 4.0 * M_PI * M_PI * M_PI * M_PI;
    for (int k = 1; k <= m; k++) {
        double q = (k - 0.5) * (k - 0.5) + delta;
        total -= power == 1 ? 1.0 / q : 1.0 / (q * q);
    }
    return total > 0 ? total : 0.0;
}

static double draw_small(gsl_rng *rng, double f, double c)
{
    double delta = c * c / (4.0 * M_PI * M_PI), sum = 0.0;
    for (int k = 1; k <= WK_PG_TERMS; k++)
        sum += gsl_ran_gamma(rng, f, 1.0) / ((k - 0.5) * (k - 0.5) + delta);
    double mean = f * tail_sum(WK_PG_TERMS, delta, 1, c);
    double var = f * tail_sum(WK_PG_TERMS, delta, 2, c);
    if (mean > 0 && var > 0) sum += gsl_ran_gamma(rng, mean * mean / var, var / mean);
    return sum / (2.0 * M_PI * M_PI);
}

double wk_pg_draw(gsl_rng *rng, double b, double c)
{
    if (b < 1.0) return draw_small(rng, b, c);
    double whole = floor(b), f = b - whole, x = 0.0;
    long devroye_count = f > 0 ? (long)whole - 1 : (long)whole;
    if (devroye_count > 0) {
        double z = 0.5 * fabs(c), fz = 0.125 * M_PI * M_PI + 0.5 * z * z, p_right = right_mass(z);
        for (long i = 0; i < devroye_count; i++) x += devroye(rng, z, fz, p_right);
    }
    if (f > 0) x += draw_alternate(rng, 1.0 + f, c);
    return x;
}

double wk_pg_mean(double b, double c)
{
    c = fabs(c);
    if (c < 1e-4) return b * (0.25 - c * c / 48.0);
    return b / (2.0 * c) * tanh(0.5 * c);
}

double wk_pg_var(double b, double c)
{
    c = fabs(c);
    if (c < 1e-2) return b * (1.0 / 24.0 - c * c / 120.0 + 17.0 * c * c * c * c / 13440.0);
    double ch = cosh(0.5 * c);
    return b * (sinh(c) - c) / (4.0 * c * c * c * ch * ch);
}
