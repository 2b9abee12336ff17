/* tests/test_detmath.c — the deterministic elementary functions against libm: accuracy
 * (max error in float ulps over dense sweeps), special values, and pinned bit patterns
 * that any other build or CPU must reproduce. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "detmath.h"

/* Distance in float ulps between a and b (both finite, same sign assumed near). */
static double ulps(float a, float b)
{
    if (a == b)
        return 0.0;
    float ref = fabsf(b) > 1.17549435e-38f ? fabsf(b) : 1.17549435e-38f;
    return (double)fabsf(a - b) / (double)(nextafterf(ref, INFINITY) - ref);
}

typedef float (*ffun)(float);

static double max_ulps(ffun mine, double (*ref)(double), float lo, float hi, int n)
{
    double worst = 0.0;
    for (int i = 0; i <= n; i++) {
        float x = lo + (hi - lo) * (float)i / (float)n;
        float want = (float)ref((double)x);
        double u = ulps(mine(x), want);
        worst = u > worst ? u : worst;
    }
    return worst;
}

static double sigmoid_ref(double x) { return 1.0 / (1.0 + exp(-x)); }

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* gg_expf_n / gg_logf_n against the scalar functions over every 61st float bit pattern
 * (all signs, exponents and NaNs, 70 million values, each in lanes 0..7 over the run) and
 * a tail of odd length. Returns the number of mismatching bit patterns. */
static long array_mismatches(void (*vec)(float *, const float *, size_t), float (*scalar)(float))
{
    enum { N = 4099 };  // not a multiple of 8: the scalar tail runs too
    static float x[N], y[N];
    long bad = 0;
    uint64_t u = 0;
    while (u < (1ULL << 32)) {
        for (size_t i = 0; i < N; i++, u += 61) {
            uint32_t b = (uint32_t)u;
            memcpy(&x[i], &b, sizeof b);
        }
        vec(y, x, N);
        for (size_t i = 0; i < N; i++) {
            float want = scalar(x[i]);
            bad += memcmp(&want, &y[i], sizeof want) != 0;
        }
    }
    return bad;
}

/* gg_log_n and gg_cos2pi_n against the scalar functions: every double step of 2^-40 in
 * (0, 1] for the log (Box-Muller's range) plus spread bit patterns (negative, subnormal,
 * NaN, inf fall back to the scalar code), and every step of 2^-40 in [0, 1) for cos2pi. */
static long double_mismatches(void (*vec)(double *, const double *, size_t), double (*scalar)(double),
                              int spread)
{
    enum { N = 4099 };
    static double x[N], y[N];
    long bad = 0;
    uint64_t k = spread ? 0 : 1;
    const uint64_t end = spread ? (1ULL << 40) : (1ULL << 40) + 1;  // 2^40 steps, or patterns
    while (k < end) {
        size_t cnt = 0;
        for (; cnt < N && k < end; cnt++, k += spread ? 0x10001ULL : 61) {
            if (spread) {
                uint64_t b = k * 0x9E3779B97F4A7C15ULL;  // spread over all 2^64 patterns
                memcpy(&x[cnt], &b, sizeof b);
            } else {
                x[cnt] = ldexp((double)k, -40);
            }
        }
        vec(y, x, cnt);
        for (size_t i = 0; i < cnt; i++) {
            double want = scalar(x[i]);
            bad += memcmp(&want, &y[i], sizeof want) != 0 && !(want != want && y[i] != y[i]);
        }
        if (!spread && k > (1ULL << 30) && k < (1ULL << 40) - (1ULL << 30))
            k += (1ULL << 34) + 12345;  // sample the middle, walk both ends closely
    }
    return bad;
}

static double cos2pi_in_range(double u)
{
    return gg_cos2pi(u >= 1.0 ? 0.0 : u);
}

static void cos2pi_n_in_range(double *y, const double *u, size_t n)
{
    static double t[4099];
    for (size_t i = 0; i < n; i++)
        t[i] = u[i] >= 1.0 ? 0.0 : u[i];
    gg_cos2pi_n(y, t, n);
}

int main(void)
{
    CHECK_EQ("gg_log_n is gg_log bit for bit on (0, 1]", double_mismatches(gg_log_n, gg_log, 0), 0);
    CHECK_EQ("gg_log_n is gg_log bit for bit on spread patterns (specials included)",
             double_mismatches(gg_log_n, gg_log, 1), 0);
    CHECK_EQ("gg_cos2pi_n is gg_cos2pi bit for bit on [0, 1)",
             double_mismatches(cos2pi_n_in_range, cos2pi_in_range, 0), 0);
    CHECK_EQ("gg_expf_n is gg_expf bit for bit (70M floats, NaN and inf included)",
             array_mismatches(gg_expf_n, gg_expf), 0);
    CHECK_EQ("gg_logf_n is gg_logf bit for bit (70M floats, negative, zero, subnormal, NaN included)",
             array_mismatches(gg_logf_n, gg_logf), 0);
    {
        float v[9] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-45f, -1.0f, 1.0f, 88.7f};
        float e[9], l[9];
        gg_expf_n(e, v, 9);
        gg_logf_n(l, v, 9);
        int ok = 1;
        for (int i = 0; i < 9; i++) {
            float we = gg_expf(v[i]), wl = gg_logf(v[i]);
            ok &= memcmp(&we, &e[i], 4) == 0 && memcmp(&wl, &l[i], 4) == 0;
        }
        CHECK("array versions agree on 0, -0, inf, -inf, NaN, the smallest subnormal, -1, 1, 88.7", ok);
        float in_place[3] = {0.5f, 1.0f, 2.0f};
        gg_expf_n(in_place, in_place, 3);
        CHECK("gg_expf_n works in place", in_place[1] == gg_expf(1.0f));
    }
    // Accuracy against libm evaluated in double and rounded once.
    CHECK("expf within 1 ulp on [-87, 88]", max_ulps(gg_expf, exp, -87.0f, 88.0f, 200000) <= 1.0);
    CHECK("logf within 1 ulp on (0, 100]", max_ulps(gg_logf, log, 1e-6f, 100.0f, 200000) <= 1.0);
    CHECK("logf within 1 ulp on tiny inputs", max_ulps(gg_logf, log, 1e-38f, 1e-30f, 10000) <= 1.0);
    CHECK("tanhf within 1 ulp on [-12, 12]", max_ulps(gg_tanhf, tanh, -12.0f, 12.0f, 200000) <= 1.0);
    CHECK("tanhf within 1 ulp near 0", max_ulps(gg_tanhf, tanh, -1e-3f, 1e-3f, 20000) <= 1.0);
    CHECK("log1pf within 1 ulp on [0, 1]", max_ulps(gg_log1pf, log1p, 0.0f, 1.0f, 200000) <= 1.0);
    CHECK("log1pf within 1 ulp on [0, 1e-3]", max_ulps(gg_log1pf, log1p, 0.0f, 1e-3f, 20000) <= 1.0);
    CHECK("sigmoid within 2 ulp on [-30, 30]", max_ulps(gg_sigmoidf, sigmoid_ref, -30.0f, 30.0f, 200000) <= 2.0);

    double worst = 0.0;
    for (int i = 0; i < 100000; i++) {
        double u = i / 100000.0;
        double d = fabs(gg_cos2pi(u) - cos(6.283185307179586 * u));
        worst = d > worst ? d : worst;
    }
    CHECK_NEAR("cos2pi absolute error on [0,1)", worst, 0.0, 1e-15);
    worst = 0.0;
    for (int i = -2000; i <= 2000; i++) {
        double x = i * 0.35;
        double r = fabs(gg_exp(x) / exp(x) - 1.0);
        worst = r > worst ? r : worst;
    }
    CHECK_NEAR("exp relative error on [-700, 700]", worst, 0.0, 4e-16);
    worst = 0.0;
    for (int i = 1; i <= 100000; i++) {
        double x = i * 1e-3;
        double r = fabs(gg_log(x) - log(x)) / fmax(1.0, fabs(log(x)));
        worst = r > worst ? r : worst;
    }
    CHECK_NEAR("log error on (0, 100]", worst, 0.0, 4e-16);
    CHECK_REL("powi(0.999, 1000)", gg_powi(0.999, 1000), pow(0.999, 1000), 1e-14);
    CHECK("powi(x, 0) is 1", gg_powi(0.9, 0) == 1.0);

    // Special values.
    CHECK("expf(-inf) = 0", gg_expf(-INFINITY) == 0.0f);
    CHECK("expf(100) = inf", isinf(gg_expf(100.0f)));
    CHECK("expf(nan) is nan", isnan(gg_expf(NAN)));
    CHECK("exp(0) = 1 exactly", gg_exp(0.0) == 1.0);
    CHECK("logf(0) = -inf", gg_logf(0.0f) == -INFINITY);
    CHECK("logf(-1) is nan", isnan(gg_logf(-1.0f)));
    CHECK("logf(1) = 0 exactly", gg_logf(1.0f) == 0.0f);
    CHECK("log of a subnormal", fabs(gg_log(4.9406564584124654e-324) - log(4.9406564584124654e-324)) < 1e-12);
    CHECK("tanhf(+-50) = +-1", gg_tanhf(50.0f) == 1.0f && gg_tanhf(-50.0f) == -1.0f);
    CHECK("tanhf is odd", gg_tanhf(-0.7f) == -gg_tanhf(0.7f));
    CHECK("cos2pi(0) = 1, (0.25) = 0, (0.5) = -1", gg_cos2pi(0.0) == 1.0 && gg_cos2pi(0.25) == 0.0 && gg_cos2pi(0.5) == -1.0);

    // erf family (GELU): erff within 1 float ulp of libm's erf rounded once, over a dense
    // sweep of [-6, 6] (every 2^-16) and near 0; erfc relative error in double.
    double werf = 0.0;
    for (int i = -6 * 65536; i <= 6 * 65536; i++) {
        float x = (float)i / 65536.0f;
        double u = ulps(gg_erff(x), (float)erf((double)x));
        werf = u > werf ? u : werf;
    }
    CHECK_NEAR("erff within 1 ulp on [-6, 6] (786433 points)", werf, 0.0, 1.0);
    CHECK("erff within 1 ulp near 0", max_ulps(gg_erff, erf, -1e-3f, 1e-3f, 20000) <= 1.0);
    CHECK("erff within 1 ulp on [-10, 10]", max_ulps(gg_erff, erf, -10.0f, 10.0f, 200000) <= 1.0);
    worst = 0.0;
    for (int i = -60000; i <= 260000; i++) {
        double x = i * 1e-4;
        double r = fabs(gg_erfc(x) - erfc(x)) / erfc(x);
        worst = r > worst ? r : worst;
    }
    CHECK_NEAR("erfc relative error on [-6, 26]", worst, 0.0, 1e-11);
    worst = 0.0;
    for (int i = -70000; i <= 70000; i++) {
        double x = i * 1e-4;
        double d = fabs(gg_erf(x) - erf(x));
        worst = d > worst ? d : worst;
    }
    CHECK_NEAR("erf absolute error on [-7, 7]", worst, 0.0, 4e-15);
    worst = 0.0;
    for (int i = -100000; i <= 100000; i++) {
        double x = i * 5e-6 + (i % 7) * 1e-9;
        double r = fabs(gg_expm1(x) - expm1(x)) / fmax(fabs(expm1(x)), 1e-300);
        worst = r > worst ? r : worst;
        x = i * 1e-4;
        r = fabs(gg_expm1(x) - expm1(x)) / fmax(fabs(expm1(x)), 1e-300);
        worst = r > worst ? r : worst;
    }
    CHECK_NEAR("expm1 relative error on [-10, 10] and near 0", worst, 0.0, 2e-15);
    worst = 0.0;
    for (int i = -99999; i <= 200000; i++) {
        double x = i * 1e-5;
        double r = fabs(gg_log1p(x) - log1p(x)) / fmax(fabs(log1p(x)), 1e-300);
        worst = r > worst ? r : worst;
    }
    CHECK_NEAR("log1p relative error on (-1, 2]", worst, 0.0, 2e-15);
    CHECK("log1p of tiny x is x", gg_log1p(1e-20) == 1e-20);
    CHECK("erf(0) = 0, erf(+-inf) = +-1, erfc(-inf) = 2, erfc(inf) = 0",
          gg_erf(0.0) == 0.0 && gg_erf(INFINITY) == 1.0 && gg_erf(-INFINITY) == -1.0 &&
              gg_erfc(-INFINITY) == 2.0 && gg_erfc(INFINITY) == 0.0);
    CHECK("erf is odd", gg_erf(-0.3) == -gg_erf(0.3) && gg_erf(-3.3) == -gg_erf(3.3));
    CHECK("erf and erfc of nan are nan", isnan(gg_erf(NAN)) && isnan(gg_erfc(NAN)));

    // Pinned bit patterns: a build that changes these changes every curve gglab writes.
    CHECK_EQ_U64("erff(0.5) bits", bits(gg_erff(0.5f)), 0x3f053f7bu);
    CHECK_EQ_U64("erff(-1.75) bits", bits(gg_erff(-1.75f)), 0xbf7c9684u);
    CHECK_EQ_U64("erfc(3) bits", dbits(gg_erfc(3.0)), 0x3ef729df6503422bULL);
    CHECK_EQ_U64("expm1(1e-3) bits", dbits(gg_expm1(1e-3)), 0x3f506466dfb8cf3aULL);
    CHECK_EQ_U64("log1p(0.25) bits", dbits(gg_log1p(0.25)), 0x3fcc8ff7c79a9a21ULL);
    CHECK_EQ_U64("expf(1) bits", bits(gg_expf(1.0f)), 0x402df854u);
    CHECK_EQ_U64("logf(10) bits", bits(gg_logf(10.0f)), 0x40135d8eu);
    CHECK_EQ_U64("tanhf(0.5) bits", bits(gg_tanhf(0.5f)), 0x3eec9a9fu);
    return CHECK_DONE();
}
