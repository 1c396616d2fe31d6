/* rng.c - xoshiro256** as a GSL generator type (see wk_rng.h). */
#include "rng_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void set(void *vstate, unsigned long seed)
{
    struct wk_xoshiro_state *st = vstate;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) st->s[i] = splitmix64(&x);
}

static unsigned long get(void *vstate)
{
    return (unsigned long)(wk_xoshiro_next(vstate) >> 32);
}

static double get_double(void *vstate)
{
    return (double)(wk_xoshiro_next(vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
    .name = "xoshiro256**",
    .max = 0xffffffffUL,
    .min = 0,
    .size = sizeof(struct wk_xoshiro_state),
    .set = &set,
    .get = &get,
    .get_double = &get_double,
};

const gsl_rng_type *wk_rng_xoshiro256 = &xoshiro_type;
