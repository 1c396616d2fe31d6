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

/* One draw of PG(b, c), b > 0.  b >= 1: exact in distribution -- the
 * integer part as a sum of PG(1, c) draws (Devroye), a fractional part f
 * carried as one PG(1 + f, c) draw by the alternating-series method of
 * Windle, Polson & Scott (2014).  b < 1: the gamma series above truncated
 * after WK_PG_TERMS terms plus one gamma variate carrying the tail with the
 * tail's exact mean and variance (approximate, as in Windle et al.'s
 * hybrid sampler). */
#define WK_PG_TERMS 24
double wk_pg_draw(gsl_rng *rng, double b, double c);

/* Closed-form moments. */
double wk_pg_mean(double b, double c);
double wk_pg_var(double b, double c);

#endif
