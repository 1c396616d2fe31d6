/* wk_pg.h - Polya-Gamma random variables PG(b, c) (Polson, Scott & Windle 2013).
 *
 * PG(b, c) = 1/(2 pi^2) sum_k g_k / ((k - 1/2)^2 + c^2 / (4 pi^2)), g_k ~ Gamma(b, 1).
 * Mean b/(2c) tanh(c/2); variance b (sinh c - c) / (4 c^3 cosh^2(c/2))
 * (b/4 and b/24 at c = 0). */
#ifndef WK_PG_H
#define WK_PG_H

#include <gsl/gsl_rng.h>

/* One draw of PG(1, c): Devroye's alternating-series rejection sampler
 * (exact). */
double wk_pg_draw1(gsl_rng *rng, double c);

/* One draw of PG(b, c), b > 0, exact in distribution for every b: b = 1
 * by Devroye's sampler; any other b as the sum of ceil(b / 6) draws of
 * equal shape b / pieces (PG(b, c) is the sum of independent draws whose
 * shapes add up to b), each by the alternating-series method of Windle,
 * Polson & Scott (2014) with a closed-form gamma-kernel envelope that also
 * covers shapes below 1 (see pg.c). */
double wk_pg_draw(gsl_rng *rng, double b, double c);

/* The shape-only constants of PG(b, .) draws, for many draws of one shape
 * (e.g. one neuron's counts plus its dispersion) at different tilts:
 * wk_pg_draw_shape(rng, s, c) after wk_pg_shape_init(s, b) is the same draw
 * as wk_pg_draw(rng, b, c). */
struct wk_pg_shape {
    double b, pieces, h, t, H, log_c, log_t, log_a0;
};
void wk_pg_shape_init(struct wk_pg_shape *s, double b);
double wk_pg_draw_shape(gsl_rng *rng, const struct wk_pg_shape *s, double c);

/* Closed-form moments. */
double wk_pg_mean(double b, double c);
double wk_pg_var(double b, double c);

#endif
