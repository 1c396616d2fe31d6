/* rng_internal.h - the xoshiro256** step, inlined where variates are drawn
 * by the hundred thousand (rng.c defines the GSL type around it); never
 * installed. */
#ifndef WK_RNG_INTERNAL_H
#define WK_RNG_INTERNAL_H

#include <stdint.h>

#include "wormkit/wk_rng.h"

struct wk_xoshiro_state {
    uint64_t s[4];
};

static inline uint64_t wk_xoshiro_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t wk_xoshiro_next(struct wk_xoshiro_state *st)
{
    uint64_t *s = st->s;
    uint64_t out = wk_xoshiro_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = wk_xoshiro_rotl(s[3], 45);
    return out;
}

/* gsl_rng_get(rng) and gsl_rng_uniform(rng): the generator's own get and
 * get_double, inlined for xoshiro256** (the same values). */
static inline unsigned long wk_rng_get_inline(const gsl_rng *rng)
{
    if (rng->type == wk_rng_xoshiro256) return (unsigned long)(wk_xoshiro_next(rng->state) >> 32);
    return rng->type->get(rng->state);
}

static inline double wk_rng_uniform_inline(const gsl_rng *rng)
{
    if (rng->type == wk_rng_xoshiro256) return (double)(wk_xoshiro_next(rng->state) >> 11) * 0x1.0p-53;
    return rng->type->get_double(rng->state);
}

#endif
