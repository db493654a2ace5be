/* One seeded generator per run (xoshiro256**, seeded through splitmix64), so
 * that the same seed gives the same numbers on every platform.  No global
 * state: every run owns its rng_t. */
#ifndef NODE_CORE_RNG_H
#define NODE_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng_t;

void rng_seed(rng_t *r, uint64_t seed);
uint64_t rng_next(rng_t *r);
/* Uniform on [0, 1) with 53 random bits. */
double rng_uniform(rng_t *r);
/* Standard normal (Box-Muller, both values used in turn is not needed:
 * one draw per call keeps the stream position simple to reason about). */
double rng_normal(rng_t *r);
/* A bound on |rng_normal|: 1 - u1 >= 2^-53, so the radius
 * sqrt(-2 log(1 - u1)) <= sqrt(106 log 2) = 8.5718...  Generators use it to
 * refuse, before drawing, a noise sd whose scaled draws could overflow. */
#define RNG_NORMAL_MAX 8.572
/* Glorot/Xavier uniform for a fan_in x fan_out weight: U(-l, l) with
 * l = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010, eq. 16). */
void rng_glorot_uniform(rng_t *r, double *w, size_t count, int fan_in, int fan_out);

#endif
