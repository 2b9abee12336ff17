/* core/rng.h — the seeded random generator behind every draw in gglab.
 *
 * Algorithm: xoshiro256** (Blackman & Vigna, 2018), state seeded by four outputs of
 * splitmix64 from a 64-bit seed. Integer arithmetic only for the stream itself, so the
 * stream is identical on every machine; tests pin its first outputs. There is no default
 * generator: every sampler takes an explicit gg_rng *, and each run seeds its own. */
#ifndef GG_RNG_H
#define GG_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct gg_rng {
    uint64_t s[4]; /* xoshiro256** state; never all zero after gg_rng_seed */
} gg_rng;

/* Seed the stream; any 64-bit value is valid (0 included). */
void gg_rng_seed(gg_rng *r, uint64_t seed);

/* Next raw 64-bit output. */
uint64_t gg_rng_u64(gg_rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
double gg_rng_uniform(gg_rng *r);

/* Uniform float in [0, 1) with 24 random bits (the float32 grid torch.rand draws from). */
float gg_rng_uniformf(gg_rng *r);

/* Uniform integer in [0, n); n must be >= 1. Unbiased (rejection sampling). */
uint64_t gg_rng_below(gg_rng *r, uint64_t n);

/* Standard normal N(0,1) by Box-Muller on two uniforms (no cached spare). */
double gg_rng_normal(gg_rng *r);

/* out[0..n-1] = n successive gg_rng_normal draws: the same bits and the same stream
 * position after, about five times faster (the uniforms are drawn first, then the logs
 * and cosines eight at a time). */
void gg_rng_normal_fill(gg_rng *r, double *out, size_t n);

/* Fill idx[0..n) with a uniformly random permutation of 0..n-1 (Fisher-Yates). */
void gg_rng_permutation(gg_rng *r, size_t *idx, size_t n);

#endif
