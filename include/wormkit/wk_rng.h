/* wk_rng.h - a fast generator type for GSL's random number interface.
 *
 * wk_rng_xoshiro256 is xoshiro256** (Blackman & Vigna 2018): 256 bits of
 * state, period 2^256 - 1, seeded through splitmix64 (any seed, 0
 * included, gives a valid state).  gsl_rng_get returns the top 32 bits of
 * each output, gsl_rng_uniform its top 53 bits / 2^53.  For samplers that
 * draw millions of variates per iteration, where MT19937 costs several
 * times more per draw. */
#ifndef WK_RNG_H
#define WK_RNG_H

#include <gsl/gsl_rng.h>

extern const gsl_rng_type *wk_rng_xoshiro256;

#endif
