/* core/rng.c — xoshiro256** seeded by splitmix64 (see rng.h). */
#include "rng.h"

#include <math.h>

#include "detmath.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void gg_rng_seed(gg_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t gg_rng_u64(gg_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gg_rng_uniform(gg_rng *r)
{
    return (double)(gg_rng_u64(r) >> 11) * 0x1.0p-53;
}

float gg_rng_uniformf(gg_rng *r)
{
    return (float)(gg_rng_u64(r) >> 40) * 0x1.0p-24f;
}

uint64_t gg_rng_below(gg_rng *r, uint64_t n)
{
    // Reject the top partial copy of [0, n) so every residue is equally likely.
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = gg_rng_u64(r);
    while (x >= limit);
    return x % n;
}

double gg_rng_normal(gg_rng *r)
{
    // 1 - u lies in (0, 1], so the log is finite.
    double u1 = 1.0 - gg_rng_uniform(r);
    double u2 = gg_rng_uniform(r);
    return sqrt(-2.0 * gg_log(u1)) * gg_cos2pi(u2);  // sqrt is exact IEEE
}

void gg_rng_normal_fill(gg_rng *r, double *out, size_t n)
{
    double u1[64], u2[64];
    for (size_t i0 = 0, m; i0 < n; i0 += m) {
        m = n - i0 > 64 ? 64 : n - i0;
        for (size_t i = 0; i < m; i++) {  // gg_rng_normal's draw order: u1, then u2
            u1[i] = 1.0 - gg_rng_uniform(r);
            u2[i] = gg_rng_uniform(r);
        }
        gg_log_n(u1, u1, m);
        gg_cos2pi_n(u2, u2, m);
        for (size_t i = 0; i < m; i++)
            out[i0 + i] = sqrt(-2.0 * u1[i]) * u2[i];
    }
}

void gg_rng_permutation(gg_rng *r, size_t *idx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gg_rng_below(r, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
