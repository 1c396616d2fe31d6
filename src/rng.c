/* rng.c - xoshiro256** as a GSL generator type (see wk_rng.h). */
#include <stdint.h>

#include "wormkit/wk_rng.h"

struct xoshiro_state {
    uint64_t s[4];
};

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next(struct xoshiro_state *st)
{
    uint64_t *s = st->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void set(void *vstate, unsigned long seed)
{
    struct xoshiro_state *st = vstate;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        st->s[i] = splitmix64(&x);
}

static unsigned long get(void *vstate) { return (unsigned long)(next(vstate) >> 32); }

static double get_double(void *vstate) { return (double)(next(vstate) >> 11) * 0x1.0p-53; }

static const gsl_rng_type xoshiro_type = {"xoshiro256**", 0xffffffffUL, 0,          sizeof(struct xoshiro_state),
                                          &set,           &get,         &get_double};

const gsl_rng_type *wk_rng_xoshiro256 = &xoshiro_type;
