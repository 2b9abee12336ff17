/* tests/test_rng.c — gg_rng: pinned stream, an independent reference transcription of
 * splitmix64 + xoshiro256** checked against the published vectors, and distribution checks.
 * Statistical tolerances are 5 standard errors of the statistic at the sample size used, so
 * a correct generator fails them with probability < 1e-6 (the seeds are fixed anyway). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"

/* ---- reference implementation (Vigna's splitmix64.c and xoshiro256starstar.c) ---- */

static uint64_t ref_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t ref_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t ref_next(uint64_t s[4])
{
    const uint64_t result = ref_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ref_rotl(s[3], 45);
    return result;
}

static void ref_seed(uint64_t s[4], uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        s[i] = ref_splitmix64(&x);
}

static void test_reference_vectors(void)
{
    // Published: splitmix64 from state 0, and xoshiro256** from state {1,2,3,4}
    // (test vectors of the reference C code, as used by e.g. rand_xoshiro).
    static const uint64_t sm0[4] = {UINT64_C(0xE220A8397B1DCDAF), UINT64_C(0x6E789E6AA1B965F4),
                                    UINT64_C(0x06C45D188009454F), UINT64_C(0xF88BB8A8724C81EC)};
    static const uint64_t x1234[10] = {
        UINT64_C(11520), UINT64_C(0), UINT64_C(1509978240), UINT64_C(1215971899390074240),
        UINT64_C(1216172134540287360), UINT64_C(607988272756665600),
        UINT64_C(16172922978634559625), UINT64_C(8476171486693032832),
        UINT64_C(10595114339597558777), UINT64_C(2904607092377533576)};
    uint64_t x = 0;
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U64("reference splitmix64(0) matches published vector", ref_splitmix64(&x), sm0[i]);
    uint64_t s[4] = {1, 2, 3, 4};
    for (int i = 0; i < 10; i++)
        CHECK_EQ_U64("reference xoshiro256** {1,2,3,4} matches published vector", ref_next(s),
                     x1234[i]);
    // The implementation under test, driven from the same raw state (the struct is public).
    gg_rng r = {{1, 2, 3, 4}};
    for (int i = 0; i < 10; i++)
        CHECK_EQ_U64("gg_rng_u64 from state {1,2,3,4} matches published vector", gg_rng_u64(&r),
                     x1234[i]);
    // Seeding is splitmix64: seed 0 gives the published splitmix outputs as the state.
    gg_rng_seed(&r, 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U64("gg_rng_seed(0) state is splitmix64(0) outputs", r.s[i], sm0[i]);
}

static void test_pinned(void)
{
    // Computed once with gg_rng and confirmed equal to the reference above.
    static const uint64_t seed0[6] = {
        UINT64_C(0x99ec5f36cb75f2b4), UINT64_C(0xbf6e1f784956452a), UINT64_C(0x1a5f849d4933e6e0),
        UINT64_C(0x6aa594f1262d2d2c), UINT64_C(0xbba5ad4a1f842e59), UINT64_C(0xffef8375d9ebcaca)};
    static const uint64_t seed42[6] = {
        UINT64_C(0x15780b2e0c2ec716), UINT64_C(0x6104d9866d113a7e), UINT64_C(0xae17533239e499a1),
        UINT64_C(0xecb8ad4703b360a1), UINT64_C(0xfde6dc7fe2ec5e64), UINT64_C(0xc50da53101795238)};
    gg_rng r;
    uint64_t s[4];
    gg_rng_seed(&r, 0);
    ref_seed(s, 0);
    for (int i = 0; i < 6; i++) {
        uint64_t v = gg_rng_u64(&r);
        CHECK_EQ_U64("seed 0 pinned output", v, seed0[i]);
        CHECK_EQ_U64("seed 0 pinned output = reference", seed0[i], ref_next(s));
    }
    gg_rng_seed(&r, 42);
    ref_seed(s, 42);
    for (int i = 0; i < 6; i++) {
        uint64_t v = gg_rng_u64(&r);
        CHECK_EQ_U64("seed 42 pinned output", v, seed42[i]);
        CHECK_EQ_U64("seed 42 pinned output = reference", seed42[i], ref_next(s));
    }
    // Longer streams and awkward seeds against the reference.
    static const uint64_t seeds[] = {1, 7, UINT64_MAX, UINT64_C(0x9e3779b97f4a7c15) * 3};
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        gg_rng_seed(&r, seeds[k]);
        ref_seed(s, seeds[k]);
        int same = 1;
        for (int i = 0; i < 10000; i++)
            same &= gg_rng_u64(&r) == ref_next(s);
        CHECK("10000 outputs equal the reference stream", same);
    }
}

static void test_same_seed(void)
{
    gg_rng a, b, c;
    gg_rng_seed(&a, 123);
    gg_rng_seed(&b, 123);
    gg_rng_seed(&c, 124);
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = gg_rng_u64(&a), y = gg_rng_u64(&b), z = gg_rng_u64(&c);
        same &= x == y;
        differ += x != z;
    }
    CHECK("same seed gives the same stream", same);
    CHECK_EQ("neighbouring seeds give different streams", differ, 1000);
    gg_rng_seed(&a, 0);
    CHECK("state is not all zero after seeding with 0",
          (a.s[0] | a.s[1] | a.s[2] | a.s[3]) != 0);
}

static void test_uniform(void)
{
    enum { N = 100000 };
    gg_rng r, raw;
    gg_rng_seed(&r, 5);
    gg_rng_seed(&raw, 5);
    double sum = 0.0, sum2 = 0.0, lo = 1.0, hi = 0.0;
    int in_range = 1, exact = 1;
    for (int i = 0; i < N; i++) {
        double u = gg_rng_uniform(&r);
        // 53 high bits of the raw output, scaled by 2^-53.
        exact &= u == (double)(gg_rng_u64(&raw) >> 11) * 0x1.0p-53;
        in_range &= u >= 0.0 && u < 1.0;
        lo = fmin(lo, u);
        hi = fmax(hi, u);
        sum += u;
        sum2 += u * u;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    CHECK("uniform in [0, 1)", in_range);
    CHECK("uniform is the top 53 bits times 2^-53", exact);
    // se(mean) = sqrt(1/12/N) = 9.1e-4; se(var) = sqrt((1/80 - 1/144)/N) = 2.4e-4.
    CHECK_NEAR("uniform mean (5 se)", mean, 0.5, 0.0046);
    CHECK_NEAR("uniform variance (5 se)", var, 1.0 / 12.0, 0.0012);
    CHECK("uniform reaches near both ends", lo < 1e-3 && hi > 1.0 - 1e-3);
    // Decile counts: each expected N/10 = 10000, se = sqrt(N*0.1*0.9) = 95.
    gg_rng_seed(&r, 6);
    int cnt[10] = {0};
    for (int i = 0; i < N; i++)
        cnt[(int)(gg_rng_uniform(&r) * 10.0)]++;
    int worst = 0;
    for (int k = 0; k < 10; k++)
        worst = abs(cnt[k] - N / 10) > worst ? abs(cnt[k] - N / 10) : worst;
    CHECK_NEAR("uniform decile counts (5 se)", worst, 0, 475);
}

static void test_normal(void)
{
    enum { N = 100000 };
    gg_rng r;
    gg_rng_seed(&r, 11);
    double sum = 0.0, sum2 = 0.0, sum4 = 0.0;
    int finite = 1, within1 = 0;
    for (int i = 0; i < N; i++) {
        double z = gg_rng_normal(&r);
        finite &= isfinite(z);
        sum += z;
        sum2 += z * z;
        sum4 += z * z * z * z;
        within1 += fabs(z) < 1.0;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    CHECK("normal draws are finite", finite);
    // se(mean) = 1/sqrt(N) = 3.2e-3; se(var) = sqrt(2/N) = 4.5e-3; se(E z^4) = sqrt(96/N) = 0.031;
    // se(P(|z|<1)) = sqrt(0.683*0.317/N) = 1.5e-3.
    CHECK_NEAR("normal mean (5 se)", mean, 0.0, 0.016);
    CHECK_NEAR("normal variance (5 se)", var, 1.0, 0.023);
    CHECK_NEAR("normal fourth moment (5 se)", sum4 / N, 3.0, 0.16);
    CHECK_NEAR("normal P(|z|<1) (5 se)", (double)within1 / N, 0.6826894921370859, 0.0074);
    // Seeded normals repeat.
    gg_rng a, b;
    gg_rng_seed(&a, 3);
    gg_rng_seed(&b, 3);
    int same = 1;
    for (int i = 0; i < 100; i++)
        same &= gg_rng_normal(&a) == gg_rng_normal(&b);
    CHECK("normal stream repeats for the same seed", same);
}

static void test_below(void)
{
    gg_rng r;
    gg_rng_seed(&r, 9);
    int ok = 1;
    for (int i = 0; i < 1000; i++)
        ok &= gg_rng_below(&r, 1) == 0;
    CHECK("below(1) is always 0", ok);
    ok = 1;
    for (int i = 0; i < 10000; i++) {
        uint64_t n = (uint64_t)i % 97 + 1;
        ok &= gg_rng_below(&r, n) < n;
    }
    CHECK("below(n) < n", ok);
    ok = 1;
    for (int i = 0; i < 1000; i++)
        ok &= gg_rng_below(&r, UINT64_MAX) < UINT64_MAX;
    CHECK("below(UINT64_MAX) < UINT64_MAX", ok);

    // Six faces, 60000 rolls: each count 10000 +- 5 se (se = sqrt(60000*(1/6)*(5/6)) = 91).
    enum { N = 60000 };
    int cnt[6] = {0};
    for (int i = 0; i < N; i++)
        cnt[gg_rng_below(&r, 6)]++;
    int worst = 0;
    for (int k = 0; k < 6; k++)
        worst = abs(cnt[k] - N / 6) > worst ? abs(cnt[k] - N / 6) : worst;
    CHECK_NEAR("below(6) counts balanced (5 se)", worst, 0, 456);

    // Modulo bias detector: for n = 3*2^62, a plain x % n hits [0, 2^62) with probability 1/2;
    // unbiased sampling gives 1/3. 20000 draws: se = sqrt((1/3)(2/3)/20000) = 3.3e-3.
    const uint64_t n = UINT64_C(3) << 62;
    int low = 0;
    ok = 1;
    for (int i = 0; i < 20000; i++) {
        uint64_t v = gg_rng_below(&r, n);
        ok &= v < n;
        low += v < (UINT64_C(1) << 62);
    }
    CHECK("below(3*2^62) < n", ok);
    CHECK_NEAR("below(3*2^62) has no modulo bias (5 se)", low / 20000.0, 1.0 / 3.0, 0.017);
}

static int is_permutation(const size_t *idx, size_t n)
{
    unsigned char seen[256] = {0};
    if (n > sizeof seen)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (idx[i] >= n || seen[idx[i]])
            return 0;
        seen[idx[i]] = 1;
    }
    return 1;
}

static void test_permutation(void)
{
    enum { N = 200 };
    size_t a[N], b[N];
    gg_rng r;
    gg_rng_seed(&r, 1);
    gg_rng_permutation(&r, a, N);
    CHECK("permutation of 200 is a permutation", is_permutation(a, N));
    gg_rng_seed(&r, 2);
    gg_rng_permutation(&r, b, N);
    CHECK("permutation of 200 is a permutation (seed 2)", is_permutation(b, N));
    CHECK("different seeds give different permutations", memcmp(a, b, sizeof a) != 0);
    size_t fixed = 0;
    for (size_t i = 0; i < N; i++)
        fixed += a[i] == i;
    CHECK("permutation is not (nearly) the identity", fixed < 10);
    gg_rng_seed(&r, 1);
    gg_rng_permutation(&r, b, N);
    CHECK("same seed gives the same permutation", memcmp(a, b, sizeof a) == 0);

    size_t one[1] = {42};
    gg_rng_permutation(&r, one, 1);
    CHECK_EQ("permutation of 1 element", one[0], 0);
    gg_rng_permutation(&r, one, 0);  // must not touch anything

    // All 24 orders of 4 elements equally likely: 24000 draws, each 1000 +- 5 se (se = 31).
    int cnt[24] = {0};
    gg_rng_seed(&r, 77);
    for (int t = 0; t < 24000; t++) {
        size_t p[4];
        gg_rng_permutation(&r, p, 4);
        // Lehmer code of p as the index of the order.
        int code = 0;
        for (int i = 0; i < 4; i++) {
            int smaller = 0;
            for (int j = i + 1; j < 4; j++)
                smaller += p[j] < p[i];
            code = code * (4 - i) + smaller;
        }
        cnt[code]++;
    }
    int worst = 0;
    for (int k = 0; k < 24; k++)
        worst = abs(cnt[k] - 1000) > worst ? abs(cnt[k] - 1000) : worst;
    CHECK_NEAR("all 24 permutations of 4 equally likely (5 se)", worst, 0, 156);
}

/* gg_rng_normal_fill: the same bits as successive gg_rng_normal draws, for lengths around
 * its chunk and vector sizes, and the stream left at the same position. */
static void test_normal_fill(void)
{
    static const size_t lens[] = {0, 1, 7, 8, 9, 63, 64, 65, 200, 1000};
    int same = 1, pos = 1;
    double out[1000];
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        gg_rng a, b;
        gg_rng_seed(&a, 77 + k);
        gg_rng_seed(&b, 77 + k);
        gg_rng_normal_fill(&a, out, lens[k]);
        for (size_t i = 0; i < lens[k]; i++) {
            double z = gg_rng_normal(&b);
            same &= memcmp(&z, &out[i], sizeof z) == 0;
        }
        pos &= gg_rng_u64(&a) == gg_rng_u64(&b);
    }
    CHECK("gg_rng_normal_fill equals successive gg_rng_normal draws bit for bit", same);
    CHECK("gg_rng_normal_fill leaves the stream where the draws would", pos);
}

int main(void)
{
    test_normal_fill();
    test_reference_vectors();
    test_pinned();
    test_same_seed();
    test_uniform();
    test_normal();
    test_below();
    test_permutation();
    return CHECK_DONE();
}
