/* pg.c - Polya-Gamma sampling (see wk_pg.h).
 *
 * PG(1, c) follows Devroye's method as given by Polson, Scott & Windle
 * (2013, appendix): J*(1, z) with z = |c|/2 is drawn by rejection from a
 * mixture of a truncated inverse Gaussian (x < 0.64) and an exponential
 * (x >= 0.64), the acceptance decided exactly by the alternating series of
 * the density; PG(1, c) = J*(1, c/2) / 4.  Other shapes: see the
 * alternating-series section below; the constants that depend on the shape
 * only are set once per shape (wk_pg_shape_init), those of the tilt once
 * per draw (alt_setup).  The normals of the inverse Gaussian come from an
 * inlined ziggurat and the uniforms straight from the generator, so the
 * only randomness is still the caller's gsl_rng stream. */
#include <math.h>
#include <pthread.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "rng_internal.h"
#include "wormkit/wk_pg.h"

#define PG_TRUNC 0.64

/* gsl_rng_uniform and gsl_rng_uniform_pos (the same values), without the
 * library call around the generator's own: the draws make several per
 * Polya-Gamma variate. */
static inline double uniform(const gsl_rng *rng)
{
    return wk_rng_uniform_inline(rng);
}

static inline double uniform_pos(const gsl_rng *rng)
{
    double u;
    do u = uniform(rng);
    while (u == 0);
    return u;
}

/* A standard exponential variate. */
static double exponential(gsl_rng *rng)
{
    return -log(uniform_pos(rng));
}

/* ---- |N(0, 1)| by the ziggurat of Marsaglia & Tsang (2000), 128 layers,
 * with the layer and the abscissa from separate bits of one 32-bit word
 * (as GSL does, after Doornik 2005): exact, one generator call in 98.8% of
 * draws, and inlined where the truncated inverse Gaussian squares it. ---- */

#define ZIG_R 3.442619855899       /* start of the tail */
#define ZIG_V 9.91256303526217e-3  /* area of each layer */
#define ZIG_SCALE 16777216.0       /* 2^24 abscissa steps */

static struct {
    double w[128], f[128];
    unsigned long k[128];
} zig;
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_init(void)
{
    double dn = ZIG_R, tn = dn, q = ZIG_V / exp(-0.5 * dn * dn);
    zig.k[0] = (unsigned long)(dn / q * ZIG_SCALE);
    zig.k[1] = 0;
    zig.w[0] = q / ZIG_SCALE;
    zig.w[127] = dn / ZIG_SCALE;
    zig.f[0] = 1.0;
    zig.f[127] = exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; i--) {
        dn = sqrt(-2.0 * log(ZIG_V / dn + exp(-0.5 * dn * dn)));
        zig.k[i + 1] = (unsigned long)(dn / tn * ZIG_SCALE);
        tn = dn;
        zig.f[i] = exp(-0.5 * dn * dn);
        zig.w[i] = dn / ZIG_SCALE;
    }
}

/* 1 when the generator's words are 32 uniform bits (mt19937; xoshiro256**,
 * the bicluster chains'). */
static int full_words(const gsl_rng *rng)
{
    return rng->type->min == 0 && rng->type->max == 0xffffffffUL;
}

static double half_normal(gsl_rng *rng)
{
    if (!full_words(rng)) return fabs(gsl_ran_gaussian_ziggurat(rng, 1.0));
    for (;;) {
        unsigned long word = wk_rng_get_inline(rng), j = word >> 8;
        int i = (int)(word & 0x7f);
        double x = (double)j * zig.w[i];
        if (j < zig.k[i]) return x;
        if (i == 0) { /* the tail beyond ZIG_R */
            double e, y;
            do {
                e = -log(uniform_pos(rng)) / ZIG_R;
                y = -log(uniform_pos(rng));
            } while (y + y < e * e);
            return ZIG_R + e;
        }
        if (zig.f[i] + uniform(rng) * (zig.f[i - 1] - zig.f[i]) < exp(-0.5 * x * x)) return x;
    }
}

/* Standard normal distribution function, from erfc. */
static double normal_cdf(double x)
{
    return 0.5 * erfc(-x * M_SQRT1_2);
}

/* Probability of the exponential (right) part of the proposal. */
static double right_mass(double z)
{
    double t = PG_TRUNC, fz = 0.125 * M_PI * M_PI + 0.5 * z * z;
    double b = sqrt(1.0 / t) * (t * z - 1.0), a = -sqrt(1.0 / t) * (t * z + 1.0);
    double x0 = log(fz) + fz * t;
    double xb = x0 - z + log(normal_cdf(b));
    double xa = x0 + z + log(normal_cdf(a));
    double qdivp = 4.0 / M_PI * (exp(xb) + exp(xa));
    return 1.0 / (1.0 + qdivp);
}

/* Inverse Gaussian IG(1/z, 1) truncated to (0, t): for a large mean, from
 * the truncated 1/chi^2 with a rejection on exp(-z^2 x / 2) (Devroye), else
 * (or when direct says so) IG draws until one falls below t.  Both are
 * exact; direct is chosen when P(IG < t) makes that the cheaper one. */
static double truncated_inverse_gaussian(gsl_rng *rng, double z, double t, int direct)
{
    double mu = 1.0 / z, x = t + 1.0;
    if (mu > t && !direct) {
        double alpha = 0.0;
        while (uniform(rng) > alpha) {
            double e1, e2;
            do {
                e1 = exponential(rng);
                e2 = exponential(rng);
            } while (e1 * e1 > 2.0 * e2 / t);
            x = 1.0 + e1 * t;
            x = t / (x * x);
            alpha = exp(-0.5 * z * z * x);
        }
        return x;
    }
    while (x > t) {
        double y = half_normal(rng);
        y *= y;
        double a = 0.5 * mu * y; /* the smaller root mu (1 + a - sqrt(a (2 + a))), without cancellation */
        x = mu / (1.0 + a + sqrt(a * (2.0 + a)));
        if (uniform(rng) > mu / (mu + x)) x = mu * mu / x;
    }
    return x;
}

/* J*(1, z) / 4 given the proposal constants of z.  The series of the
 * density, a_n(x) = pi (n + 1/2) (2/(pi x))^{3/2} exp(-2 (n + 1/2)^2 / x)
 * for x <= t and pi (n + 1/2) exp(-(n + 1/2)^2 pi^2 x / 2) above, is
 * evaluated relative to a_0: a_n / a_0 = (2n + 1) g^{n(n+1)/2} with
 * g = exp(-4/x) or exp(-pi^2 x), so one exp decides almost every draw. */
static double devroye(gsl_rng *rng, double z, double fz, double p_right)
{
    for (;;) {
        double x;
        if (uniform(rng) < p_right)
            x = PG_TRUNC + exponential(rng) / fz;
        else
            x = truncated_inverse_gaussian(rng, z, PG_TRUNC, 0);
        double g = x > PG_TRUNC ? exp(-M_PI * M_PI * x) : exp(-4.0 / x);
        double y = uniform(rng), s = 1.0, gp = 1.0, gn = 1.0;
        for (int n = 1;; n++) {
            gn *= g;  /* g^n */
            gp *= gn; /* g^{n(n+1)/2} */
            double term = (2.0 * n + 1.0) * gp;
            if (n & 1) {
                s -= term;
                if (y <= s) return 0.25 * x;
            } else {
                s += term;
                if (y > s) break;
            }
        }
    }
}

double wk_pg_draw1(gsl_rng *rng, double c)
{
    pthread_once(&zig_once, zig_init);
    double z = 0.5 * fabs(c);
    return devroye(rng, z, 0.125 * M_PI * M_PI + 0.5 * z * z, right_mass(z));
}

/* ---- J*(h, z) for h in (0, ALT_MAX] by the alternating series of Windle,
 * Polson & Scott (2014): f(x | h) = sum_n (-1)^n a_n(x) with
 * a_n(x) = 2^h Gamma(n+h) / (Gamma(h) n!) (2n+h) / sqrt(2 pi x^3)
 * exp(-(2n+h)^2 / (2x)).  The ratio a_{n+1}/a_n =
 * (n+h)/(n+1) (2n+2+h)/(2n+h) exp(-(4n+2+2h)/x) falls with n for every
 * h > 0, so once it is below 1 the partial sums bracket f.  Below t it is
 * below 1 from n = 0 (t <= (2+2h)/log(2+h), which alt_setup keeps), hence f <= a_0
 * there.  Above t the envelope comes from the gamma-sum form
 * J* = sum_k G_k, G_k ~ Gamma(h, rate lambda0 (2k-1)^2), lambda0 = pi^2/8:
 * f(x) = lambda0^h/Gamma(h) e^(-lambda0 x) E[(x-R)^(h-1) e^(lambda0 R)],
 * R = sum_{k>=2} G_k, E e^(lambda0 R) = (4/pi)^h; tilted, R is a sum of
 * Gamma(h, mu_k), mu_k = pi^2 k(k-1)/2, and bounding the densities of its
 * first m terms by mu^h s^(h-1)/Gamma(h) leaves a Dirichlet integral:
 * f(x) <= (pi/2)^h prod_{k=2}^{m+1} mu_k^h x^(H-1) e^(-lambda0 x) / Gamma(H)
 * with H = (m+1) h >= 1 (m = 0 when h >= 1: Windle's kernel).  On x > t
 * x^(H-1) <= t^(H-1) e^((H-1)(x-t)/t), so both pieces of the envelope have
 * closed-form masses: an inverse Gaussian on (0, t), an exponential on
 * (t, inf) (which needs t > (H-1)/lambda0).  Exact in distribution: only
 * the series decides acceptance.  Larger shapes are sums of such draws. ---- */

/* Largest shape of one alternating-series draw: at the bicluster shapes
 * (y + r ~ 10 to 15) two pieces of at most 6 take fewer instructions than
 * three of at most 4, despite the lower acceptance of each (instruction
 * counts; 7 and 8 take more again).  t below stays valid up to h = 12. */
#define ALT_MAX 6.0
/* The left piece's truncated inverse Gaussian by direct draws when at
 * least this share of them falls below t (tuned by instruction counts). */
#define DIRECT_IG_MASS 0.25

/* The tilt-dependent constants of one alternating-series piece. */
struct alt {
    const struct wk_pg_shape *s;
    double z, rate, p_left;
    int direct;
};

static double log_add(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

void wk_pg_shape_init(struct wk_pg_shape *s, double b)
{
    pthread_once(&zig_once, zig_init);
    s->b = b;
    /* b as equal pieces of at most ALT_MAX: J*(b, z) is the sum of
     * independent J*(b/pieces, z), and one setup serves every piece */
    s->pieces = b == 1.0 ? 0.0 : b <= ALT_MAX ? 1.0 : ceil(b / ALT_MAX);
    if (s->pieces == 0) return; /* Devroye's sampler needs none of these */
    double h = b / s->pieces;
    s->h = h;
    /* t in ((h-1)/lambda0, (2+2h)/log(2+h)) for h <= 12, kept 2% below the
     * upper end so that the left piece's shortcut (under_density_left)
     * still holds for a draw rounded up to t; 0.9 h tuned by instruction
     * counts */
    s->t = h >= 1.0 ? fmin(1.0 + 0.9 * h, 0.98 * (2.0 + 2.0 * h) / log(2.0 + h)) : 2.5;
    int m = h >= 1.0 ? 0 : (int)ceil(1.0 / h) - 1;
    s->H = (m + 1) * h;
    s->log_c = h * log(0.5 * M_PI) - lgamma(s->H);
    for (int k = 2; k <= m + 1; k++) s->log_c += h * log(0.5 * M_PI * M_PI * k * (k - 1));
    s->log_t = log(s->t);
    s->log_a0 = h * M_LN2 + log(h) - 0.5 * log(2.0 * M_PI);
}

#define LAMBDA0 (0.125 * M_PI * M_PI)

static void alt_setup(struct alt *a, const struct wk_pg_shape *s, double z)
{
    double h = s->h, t = s->t, lambda = LAMBDA0 + 0.5 * z * z, st = sqrt(t), hz = h * z;
    a->s = s;
    a->z = z;
    a->rate = lambda - (s->H - 1.0) / t;
    /* left mass 2^h e^{-hz} F, F = F_IG(t; h/z, h^2) = Phi((zt - h)/sqrt t)
     * + e^{2hz} Phi(-(zt + h)/sqrt t), the chance that an untruncated draw
     * lands below t; right mass e^{log_right} / rate */
    double log_right = s->log_c + (s->H - 1.0) * s->log_t - lambda * t;
    double F, right_over_left;
    if (hz < 300.0) { /* without logs: e^{2hz} and the ratio stay finite */
        F = normal_cdf((z * t - h) / st) + exp(2.0 * hz) * normal_cdf(-(z * t + h) / st);
        right_over_left = exp(log_right - h * M_LN2 + hz) / (a->rate * F);
    } else {
        double l1 = log(normal_cdf((z * t - h) / st)), l2 = 2.0 * hz + log(normal_cdf(-(z * t + h) / st));
        double log_F = log_add(l1, l2);
        F = exp(log_F);
        right_over_left = exp(log_right - log(a->rate) - h * M_LN2 + hz - log_F);
    }
    a->p_left = 1.0 / (1.0 + right_over_left);
    a->direct = hz > 1e-6 && F >= DIRECT_IG_MASS;
}

/* log a_0(x) relative to its x-free part. */
static double log_a0(const struct wk_pg_shape *s, double x)
{
    return s->log_a0 - 1.5 * log(x) - 0.5 * s->h * s->h / x;
}

/* 1 when u (relative to a_0(x)) lies under the density, decided by the
 * alternating series; 0 when above. */
static int series_decides(double h, double x, double y, double e_start)
{
    double e4 = exp(-4.0 / x), en = e_start;
    double term = 1.0, s = 1.0; /* a_n / a_0 and the partial sum */
    double ratio = (h + 2.0) * en; /* a_1 / a_0 */
    for (int n = 0; n < 100000; n++) {
        double en1 = en * e4;
        double next_ratio = (n + 1.0 + h) / (n + 2.0) * (2.0 * n + 4.0 + h) / (2.0 * n + 2.0 + h) * en1;
        /* S_n brackets f once a_{n+1} >= a_{n+2} >= ... */
        if (next_ratio <= 1.0) {
            if ((n & 1) && y <= s) return 1;
            if (!(n & 1) && y > s) return 0;
        }
        term *= ratio;
        s += (n & 1) ? term : -term;
        ratio = next_ratio;
        en = en1;
    }
    return 0;
}

/* e_start = exp(-(2 + 2h)/x), the x-dependence of a_1/a_0. */
static int under_density(double h, double x, double y)
{
    return series_decides(h, x, y, exp(-(2.0 + 2.0 * h) / x));
}

/* under_density for x <= t, where every a_{n+1}/a_n <= 1: most draws are
 * accepted on S_1 = 1 - a_1/a_0, which needs one exp instead of two (the
 * same decision as under_density). */
static int under_density_left(double h, double x, double y)
{
    double e_start = exp(-(2.0 + 2.0 * h) / x);
    if (y <= 1.0 - (h + 2.0) * e_start) return 1;
    return series_decides(h, x, y, e_start);
}

/* v, uniform on [0, share), rescaled to [0, 1); a fresh uniform instead
 * when the share is so small that v / share would be coarser than 2^-26. */
static double rescaled(gsl_rng *rng, double v, double share)
{
    return share >= 1.0 / 64 ? v / share : uniform(rng);
}

static double alt_draw(gsl_rng *rng, const struct alt *a)
{
    const struct wk_pg_shape *s = a->s;
    double h = s->h, t = s->t, p = a->p_left;
    for (;;) {
        /* one uniform picks the piece and, rescaled within the piece's
         * share, is the height y (relative to a_0(x)): u / p given u < p
         * is uniform on [0, 1) and independent of the choice */
        double x, u = uniform(rng), y;
        if (u < p) {
            y = rescaled(rng, u, p);
            /* IG(h/z, h^2) truncated to (0, t) = h^2 IG(1/(hz), 1) truncated to (0, t/h^2); bound a_0 */
            x = h * h * truncated_inverse_gaussian(rng, h * a->z, t / (h * h), a->direct);
            if (under_density_left(h, x, y)) return 0.25 * x;
        } else {
            y = rescaled(rng, u - p, 1.0 - p);
            x = t + exponential(rng) / a->rate;
            y *= exp(s->log_c + (s->H - 1.0) * (s->log_t + (x - t) / t) - LAMBDA0 * x - log_a0(s, x));
            if (under_density(h, x, y)) return 0.25 * x;
        }
    }
}

double wk_pg_draw_shape(gsl_rng *rng, const struct wk_pg_shape *s, double c)
{
    if (s->pieces == 0) return wk_pg_draw1(rng, c);
    double x = 0.0;
    struct alt a;
    alt_setup(&a, s, 0.5 * fabs(c));
    for (double k = 0; k < s->pieces; k++) x += alt_draw(rng, &a);
    return x;
}

double wk_pg_draw(gsl_rng *rng, double b, double c)
{
    struct wk_pg_shape s;
    wk_pg_shape_init(&s, b);
    return wk_pg_draw_shape(rng, &s, c);
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
