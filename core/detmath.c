/* core/detmath.c — deterministic elementary functions (see detmath.h).
 * Polynomials are truncated Taylor series on small reduced ranges; the bounds on the
 * first omitted term are noted next to each. */
#include "detmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd.h"

static const double LN2_HI = 6.93147180369123816490e-01;  /* ln 2, high part: k*LN2_HI exact */
static const double LN2_LO = 1.90821492927058770002e-10;  /* ln 2 - LN2_HI */
static const double INV_LN2 = 1.44269504088896338700e+00;

/* 2^k for -1022 <= k <= 1023, built from its bits (exact). */
static double pow2i(int k)
{
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* p * 2^k for any k, exact unless the result is subnormal (then correctly rounded). */
static double scale2(double p, int k)
{
    while (k > 1023) {
        p *= pow2i(1023);
        k -= 1023;
    }
    while (k < -1022) {
        p *= pow2i(-1022);
        k += 1022;
    }
    return p * pow2i(k);
}

double gg_exp(double x)
{
    if (x != x)
        return x;
    if (x > 709.8)
        return INFINITY;
    if (x < -745.2)
        return 0.0;
    double kd = floor(x * INV_LN2 + 0.5);
    double r = (x - kd * LN2_HI) - kd * LN2_LO;  // |r| <= 0.3466
    // Taylor to r^14: first omitted term 0.3466^15/15! < 1.1e-19.
    double p = 1.0 / 87178291200.0;
    static const double inv_fact[] = {
        1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
        1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0,
        1.0 / 6.0, 1.0 / 2.0, 1.0, 1.0};
    for (unsigned i = 0; i < sizeof inv_fact / sizeof inv_fact[0]; i++)
        p = p * r + inv_fact[i];
    return scale2(p, (int)kd);
}

double gg_log(double x)
{
    if (x != x || x < 0.0)
        return NAN;
    if (x == 0.0)
        return -INFINITY;
    if (isinf(x))
        return x;
    int e = 0;
    if (x < 0x1p-1022) {  // subnormal: scale into the normal range first
        x *= 0x1p54;
        e = -54;
    }
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    e += (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;  // mantissa in [1, 2)
    double m;
    memcpy(&m, &bits, sizeof m);
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e += 1;
    }
    // log m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716, z = s^2 <= 0.02944.
    double s = (m - 1.0) / (m + 1.0), z = s * s;
    // Series through z^11/23: first omitted term z^12/25 < 1e-19.
    double p = 1.0 / 23.0;
    for (int k = 10; k >= 0; k--)
        p = p * z + 1.0 / (double)(2 * k + 1);
    double logm = 2.0 * s * p;
    return (double)e * LN2_HI + ((double)e * LN2_LO + logm);
}

double gg_cos2pi(double u)
{
    // cos(2 pi u) = cos(q pi/2 + r) with q = round(4u) and |r| <= pi/4.
    static const double cosc[10] = {1.0, -1.0 / 2.0, 1.0 / 24.0, -1.0 / 720.0, 1.0 / 40320.0,
                                    -1.0 / 3628800.0, 1.0 / 479001600.0,
                                    -1.0 / 87178291200.0, 1.0 / 20922789888000.0,
                                    -1.0 / 6402373705728000.0};
    static const double sinc[10] = {1.0, -1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0,
                                    1.0 / 362880.0, -1.0 / 39916800.0, 1.0 / 6227020800.0,
                                    -1.0 / 1307674368000.0, 1.0 / 355687428096000.0,
                                    -1.0 / 121645100408832000.0};
    double y = 4.0 * u;                        // exact
    double q = floor(y + 0.5);
    double r = (y - q) * 1.5707963267948966;   // y - q is exact
    double z = r * r;
    int quadrant = (int)q & 3;
    const double *c = (quadrant & 1) ? sinc : cosc;
    // Series in z to z^9: first omitted terms (pi/4)^20/20!, (pi/4)^21/21! < 1e-20.
    double p = c[9];
    for (int i = 8; i >= 0; i--)
        p = p * z + c[i];
    if (quadrant & 1)
        p *= r;                                // sin r
    // q = 0: cos r; 1: -sin r; 2: -cos r; 3: sin r.
    return (quadrant == 1 || quadrant == 2) ? -p : p;
}

double gg_powi(double x, long n)
{
    double result = 1.0;
    while (n > 0) {
        if (n & 1)
            result *= x;
        x *= x;
        n >>= 1;
    }
    return result;
}

/* 1.5 * 2^52: adding and subtracting it rounds a double of magnitude < 2^51 to the nearest
 * integer (ties to even) using only IEEE additions — no floor(), no libm call. */
static const double ROUND_SHIFT = 0x1.8p52;

float gg_expf(float x)
{
    double xd = (double)x;
    if (!(xd > -104.0))                       // NaN, or below the smallest subnormal float
        return xd != xd ? x : 0.0f;
    if (xd > 89.0)
        return INFINITY;
    double kd = (xd * INV_LN2 + ROUND_SHIFT) - ROUND_SHIFT;
    double r = (xd - kd * LN2_HI) - kd * LN2_LO;  // |r| <= 0.347
    // Taylor to r^10: first omitted term 0.347^11/11! < 2.3e-13, far below float resolution.
    double p = 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    return (float)(p * pow2i((int)kd));       // |kd| <= 151: 2^kd is a normal double
}

float gg_logf(float x)
{
    if (!(x > 0.0f))
        return x == 0.0f ? -INFINITY : NAN;
    if (isinf(x))
        return x;
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    int e = (int)(u >> 23) - 127;
    if ((u >> 23) == 0) {                     // subnormal: renormalise through double
        double d = (double)x * 0x1p30;
        return (float)(gg_log(d) - 30.0 * 0.6931471805599453);
    }
    u = (u & 0x007fffffu) | 0x3f800000u;      // mantissa in [1, 2)
    float mf;
    memcpy(&mf, &u, sizeof mf);
    double m = (double)mf;
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e += 1;
    }
    double s = (m - 1.0) / (m + 1.0), z = s * s;
    // atanh series through z^7/15: first omitted term 0.02944^8/17 < 3.4e-14.
    double p = 1.0 / 15.0;
    p = p * z + 1.0 / 13.0;
    p = p * z + 1.0 / 11.0;
    p = p * z + 1.0 / 9.0;
    p = p * z + 1.0 / 7.0;
    p = p * z + 1.0 / 5.0;
    p = p * z + 1.0 / 3.0;
    p = p * z + 1.0;
    return (float)((double)e * 0.6931471805599453 + 2.0 * s * p);
}

float gg_tanhf(float x)
{
    double a = fabs((double)x);
    if (a < 1e-4)           // tanh x = x - x^3/3: the cubic is below float resolution
        return x;
    if (a > 10.0)
        return x > 0 ? 1.0f : -1.0f;
    double t = gg_exp(-2.0 * a);
    double r = (1.0 - t) / (1.0 + t);
    return (float)(x > 0 ? r : -r);
}

float gg_log1pf(float x)
{
    double d = (double)x;
    if (fabs(d) < 1e-3) {
        // log(1+d) = d - d^2/2 + d^3/3 - ...: through d^6, omitted term < 1.5e-22.
        double p = -1.0 / 6.0;
        for (int k = 5; k >= 1; k--)
            p = p * d + ((k & 1) ? 1.0 : -1.0) / (double)k;
        return (float)(d * p);
    }
    return (float)gg_log(1.0 + d);
}

float gg_sigmoidf(float x)
{
    return 1.0f / (1.0f + gg_expf(-x));  // torch's float formula, with a deterministic exp
}

/* ---- erf, erfc, expm1, log1p (double) ---- */

static const double TWO_OVER_SQRTPI = 1.12837916709551257390;  /* 2/sqrt(pi) */

/* e^x - 1 without the cancellation of gg_exp(x) - 1 near 0. */
double gg_expm1(double x)
{
    if (!(fabs(x) < 0.34))                    // NaN and large |x|: |e^x - 1| >= 0.28, no cancellation
        return x != x ? x : gg_exp(x) - 1.0;
    // Taylor to x^15 with the constant term dropped: first omitted term 0.34^16/16! < 1e-20.
    double p = 1.0 / 1307674368000.0;         // 1/15!
    static const double inv_fact[] = {
        1.0 / 87178291200.0, 1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0,
        1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0,
        1.0 / 24.0, 1.0 / 6.0, 1.0 / 2.0, 1.0};
    for (unsigned i = 0; i < sizeof inv_fact / sizeof inv_fact[0]; i++)
        p = p * x + inv_fact[i];
    return p * x;
}

/* log(1 + x) for x >= -1: Goldberg's correction u = 1 + x, log(u) * x / (u - 1) recovers the
 * bits of x that the rounding of 1 + x drops (error a few double ulps). */
double gg_log1p(double x)
{
    double u = 1.0 + x;
    if (u == 1.0)
        return x;                             // |x| < 2^-53: log1p x = x to double precision
    if (isinf(u))
        return u;
    return gg_log(u) * (x / (u - 1.0));
}

/* erf by the series erf x = 2/sqrt(pi) e^-x^2 sum_n (2x^2)^n x / (1*3*...*(2n+1)), whose
 * terms are all positive (no cancellation), for |x| <= 2.5. Stops when a term no longer
 * changes the sum (at most ~45 terms at 2.5): the count depends on x only. */
static double erf_series(double x)
{
    double z = 2.0 * x * x, term = x, sum = x;
    for (int n = 1; n < 80; n++) {
        term *= z / (double)(2 * n + 1);
        double s = sum + term;
        if (s == sum)
            break;
        sum = s;
    }
    return TWO_OVER_SQRTPI * gg_exp(-x * x) * sum;
}

/* erfc for x >= 2.5 by Laplace's continued fraction
 * erfc x = e^-x^2/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated
 * bottom-up from a fixed depth of 100 (converged below 1e-16 at x = 2.5, tested). */
static double erfc_cf(double x)
{
    double t = x;
    for (int k = 100; k >= 1; k--)
        t = x + (0.5 * (double)k) / t;
    return gg_exp(-x * x) / (1.7724538509055160273 * t);  // sqrt(pi)
}

double gg_erf(double x)
{
    if (x != x)
        return x;
    double a = fabs(x);
    if (a <= 2.5)
        return erf_series(x);
    if (a >= 6.0)                              // erfc 6 = 2.2e-17: erf rounds to +-1
        return x > 0 ? 1.0 : -1.0;
    double r = 1.0 - erfc_cf(a);
    return x > 0 ? r : -r;
}

double gg_erfc(double x)
{
    if (x != x)
        return x;
    if (x < -6.0)
        return 2.0;
    if (x < -2.5)
        return 2.0 - erfc_cf(-x);
    if (x <= 2.5)                              // erfc >= 4.1e-4 here: 1 - erf loses < 3 digits
        return 1.0 - erf_series(x);
    if (x > 27.3)                              // below the smallest subnormal double
        return 0.0;
    return erfc_cf(x);
}

float gg_erff(float x)
{
    return (float)gg_erf((double)x);
}

/* ---- gg_expf and gg_logf over arrays: eight lanes of the scalar code ---- */

typedef double v8d __attribute__((vector_size(64)));
typedef long long v8l __attribute__((vector_size(64)));
typedef int v8i __attribute__((vector_size(32)));

/* The helpers below are always inlined: they pass 64-byte vectors, which must never cross
 * a call between the baseline code and an AVX-512 clone (the two pass them differently). */

static inline __attribute__((always_inline)) v8d v8d_splat(double a)
{
    return (v8d){a, a, a, a, a, a, a, a};
}

static inline __attribute__((always_inline)) v8i v8f_bits(v8f a)
{
    v8i b;
    memcpy(&b, &a, sizeof b);
    return b;
}

static inline __attribute__((always_inline)) v8f v8f_from_bits(v8i b)
{
    v8f a;
    memcpy(&a, &b, sizeof a);
    return a;
}

/* Lanes of a where mask is all ones, of b where it is zero. */
static inline __attribute__((always_inline)) v8f v8f_select(v8i mask, v8f a, v8f b)
{
    return v8f_from_bits((v8f_bits(a) & mask) | (v8f_bits(b) & ~mask));
}

/* The last ten Horner steps of the exponential's Taylor polynomial, from the 1/10! term down
 * to 1, shared by expf8 (gg_expf: to r^10) and tanh8 (gg_exp: to r^14): p r + 1/9!, ...,
 * p r + 1/2, p r + 1, p r + 1, in that order. */
static inline __attribute__((always_inline)) v8d exp_taylor_tail(v8d p, v8d r)
{
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    return p;
}

/* 2^kd for integral kd in the normal range, built from its exponent bits. */
static inline __attribute__((always_inline)) v8d pow2_bits(v8d kd)
{
    v8l k = __builtin_convertvector(kd, v8l);
    k = (k + 1023) << 52;
    v8d two_k;
    memcpy(&two_k, &k, sizeof two_k);
    return two_k;
}

/* gg_expf per lane: the same double operations in the same order, so the same bits. */
static inline __attribute__((always_inline)) v8f expf8(v8f xf)
{
    v8d xd = __builtin_convertvector(xf, v8d);
    v8d kd = (xd * INV_LN2 + ROUND_SHIFT) - ROUND_SHIFT;
    v8d r = (xd - kd * LN2_HI) - kd * LN2_LO;
    v8d p = exp_taylor_tail(v8d_splat(1.0 / 3628800.0), r);
    // lanes out of range give garbage here and are replaced below
    v8f y = __builtin_convertvector(p * pow2_bits(kd), v8f);
    const v8i low = ~(xf > -104.0f), high = xf > 89.0f;
    const v8i nan = xf != xf;  // NOLINT(misc-redundant-expression): true in NaN lanes
    y = v8f_select(high, (v8f){INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY,
                               INFINITY, INFINITY}, y);
    y = v8f_select(low, v8f_select(nan, xf, (v8f){0}), y);
    return y;
}

GG_KERNEL
void gg_expf_n(float *y, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        gg_v8_store(y + i, expf8(gg_v8_load(x + i)));
    if (i < n) {  // the tail as one padded vector
        float t[8] = {0};
        memcpy(t, x + i, (n - i) * sizeof *t);
        gg_v8_store(t, expf8(gg_v8_load(t)));
        memcpy(y + i, t, (n - i) * sizeof *t);
    }
}

/* ---- sigmoid and tanh over arrays, bit for bit gg_sigmoidf and gg_tanhf ---- */

static inline __attribute__((always_inline)) v8d v8d_select(v8l mask, v8d a, v8d b)
{
    v8l ab, bb;
    memcpy(&ab, &a, sizeof ab), memcpy(&bb, &b, sizeof bb);
    ab = (ab & mask) | (bb & ~mask);
    memcpy(&a, &ab, sizeof a);
    return a;
}

/* gg_tanhf per lane for 1e-4 <= |x| <= 10 (other lanes are replaced by the caller): the
 * same double operations as gg_tanhf and gg_exp, floor(u) as round-to-nearest(u) minus
 * one where that exceeds u (exact for |u| < 2^51). */
static inline __attribute__((always_inline)) v8d tanh8(v8d x, v8d a)
{
    v8d e = -2.0 * a;
    v8d u = e * INV_LN2 + 0.5;
    v8d n = (u + ROUND_SHIFT) - ROUND_SHIFT;
    v8d kd = v8d_select(n > u, n - 1.0, n);
    v8d r = (e - kd * LN2_HI) - kd * LN2_LO;
    v8d p = v8d_splat(1.0 / 87178291200.0);  // gg_exp's Taylor series to r^14
    p = p * r + 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = exp_taylor_tail(p * r + 1.0 / 3628800.0, r);
    v8d t = p * pow2_bits(kd);  // -29 <= kd <= 0
    v8d q = (1.0 - t) / (1.0 + t);
    return v8d_select(x > 0.0, q, -q);
}

GG_KERNEL
void gg_tanhf_n(float *y, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f xf = gg_v8_load(x + i);
        v8d xd = __builtin_convertvector(xf, v8d);
        v8d a = v8d_select(xd < 0.0, -xd, xd);
        v8l in = (a >= 1e-4) & (a <= 10.0);  // NaN: neither
        v8d q = tanh8(xd, v8d_select(in, a, v8d_splat(1.0)));
        v8d one = v8d_select(xd > 0.0, v8d_splat(1.0), v8d_splat(-1.0));
        q = v8d_select(a > 10.0, one, q);
        q = v8d_select(a < 1e-4, xd, q);      // x itself (exact in double and back)
        v8f yf = __builtin_convertvector(q, v8f);
        int nan = 0;
        for (int k = 0; k < 8; k++)
            nan |= !(a[k] == a[k]);
        if (nan)
            for (int k = 0; k < 8; k++)
                yf[k] = gg_tanhf(xf[k]);
        gg_v8_store(y + i, yf);
    }
    for (; i < n; i++)
        y[i] = gg_tanhf(x[i]);
}

GG_KERNEL
void gg_sigmoidf_n(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = -x[i];
    gg_expf_n(y, y, n);
    for (size_t i = 0; i < n; i++)
        y[i] = 1.0f / (1.0f + y[i]);  // gg_sigmoidf's float formula
}

/* gg_logf per lane for positive normal finite x (the caller checks), same operations. */
static inline __attribute__((always_inline)) v8f logf8(v8f x)
{
    v8i u = v8f_bits(x);
    v8i e = (u >> 23) - 127;
    v8f mf = v8f_from_bits((u & 0x007fffff) | 0x3f800000);
    v8d m = __builtin_convertvector(mf, v8d);
    v8d ed = __builtin_convertvector(e, v8d);
    v8l big = m > 1.4142135623730951;
    v8d half = m * 0.5, one = ed + 1.0;
    v8l mb, hb, eb, ob;
    memcpy(&mb, &m, sizeof mb), memcpy(&hb, &half, sizeof hb);
    memcpy(&eb, &ed, sizeof eb), memcpy(&ob, &one, sizeof ob);
    mb = (hb & big) | (mb & ~big);
    eb = (ob & big) | (eb & ~big);
    memcpy(&m, &mb, sizeof m), memcpy(&ed, &eb, sizeof ed);
    v8d s = (m - 1.0) / (m + 1.0), z = s * s;
    v8d p = v8d_splat(1.0 / 15.0);
    p = p * z + 1.0 / 13.0;
    p = p * z + 1.0 / 11.0;
    p = p * z + 1.0 / 9.0;
    p = p * z + 1.0 / 7.0;
    p = p * z + 1.0 / 5.0;
    p = p * z + 1.0 / 3.0;
    p = p * z + 1.0;
    return __builtin_convertvector(ed * 0.6931471805599453 + 2.0 * s * p, v8f);
}

GG_KERNEL
void gg_logf_n(float *y, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f v = gg_v8_load(x + i);
        v8i normal = (v >= 0x1p-126f) & (v <= 0x1.fffffep127f);  // NaN fails both
        int all = 1;
        for (int k = 0; k < 8; k++)
            all &= normal[k] != 0;
        if (all) {
            gg_v8_store(y + i, logf8(v));
        } else {
            for (int k = 0; k < 8; k++)
                y[i + k] = gg_logf(x[i + k]);
        }
    }
    if (i < n) {  // the tail as one padded vector (padding 1: a normal float)
        float t[8] = {1, 1, 1, 1, 1, 1, 1, 1};
        memcpy(t, x + i, (n - i) * sizeof *t);
        gg_logf_n(t, t, 8);
        memcpy(y + i, t, (n - i) * sizeof *t);
    }
}

/* ---- gg_log and gg_cos2pi over arrays (the Box-Muller normals): eight lanes ---- */

/* gg_log per lane for x in [2^-1022, DBL_MAX] (the caller checks): the same operations. */
static inline __attribute__((always_inline)) v8d log8(v8d x)
{
    v8l bits;
    memcpy(&bits, &x, sizeof bits);
    v8l e = ((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & 0x000fffffffffffffLL) | 0x3ff0000000000000LL;
    v8d m;
    memcpy(&m, &bits, sizeof m);
    v8l big = m > 1.4142135623730951;
    v8d half = m * 0.5;
    v8l mb, hb;
    memcpy(&mb, &m, sizeof mb), memcpy(&hb, &half, sizeof hb);
    mb = (hb & big) | (mb & ~big);
    memcpy(&m, &mb, sizeof m);
    e = e - big;  // big lanes are -1: e + 1
    v8d ed = __builtin_convertvector(e, v8d);
    v8d s = (m - 1.0) / (m + 1.0), z = s * s;
    v8d p = v8d_splat(1.0 / 23.0);
    p = p * z + 1.0 / 21.0;
    p = p * z + 1.0 / 19.0;
    p = p * z + 1.0 / 17.0;
    p = p * z + 1.0 / 15.0;
    p = p * z + 1.0 / 13.0;
    p = p * z + 1.0 / 11.0;
    p = p * z + 1.0 / 9.0;
    p = p * z + 1.0 / 7.0;
    p = p * z + 1.0 / 5.0;
    p = p * z + 1.0 / 3.0;
    p = p * z + 1.0;
    v8d logm = 2.0 * s * p;
    return ed * LN2_HI + (ed * LN2_LO + logm);
}

/* gg_cos2pi per lane for u in [0, 1) (the caller checks): both series, then each lane
 * takes the one its quadrant uses; the operations on that path are the scalar ones. */
static inline __attribute__((always_inline)) v8d cos2pi8(v8d u)
{
    v8d y = 4.0 * u;
    v8d q = __builtin_convertvector(__builtin_convertvector(y + 0.5, v8l), v8d);  // floor: y + 0.5 > 0
    v8d r = (y - q) * 1.5707963267948966;
    v8d z = r * r;
    v8l quadrant = __builtin_convertvector(q, v8l) & 3;
    v8d pc = v8d_splat(-1.0 / 6402373705728000.0);
    pc = pc * z + 1.0 / 20922789888000.0;
    pc = pc * z + -1.0 / 87178291200.0;
    pc = pc * z + 1.0 / 479001600.0;
    pc = pc * z + -1.0 / 3628800.0;
    pc = pc * z + 1.0 / 40320.0;
    pc = pc * z + -1.0 / 720.0;
    pc = pc * z + 1.0 / 24.0;
    pc = pc * z + -1.0 / 2.0;
    pc = pc * z + 1.0;
    v8d ps = v8d_splat(-1.0 / 121645100408832000.0);
    ps = ps * z + 1.0 / 355687428096000.0;
    ps = ps * z + -1.0 / 1307674368000.0;
    ps = ps * z + 1.0 / 6227020800.0;
    ps = ps * z + -1.0 / 39916800.0;
    ps = ps * z + 1.0 / 362880.0;
    ps = ps * z + -1.0 / 5040.0;
    ps = ps * z + 1.0 / 120.0;
    ps = ps * z + -1.0 / 6.0;
    ps = ps * z + 1.0;
    ps = ps * r;
    v8l odd = (quadrant & 1) != 0, neg = (quadrant == 1) | (quadrant == 2);
    v8l cb, sb;
    memcpy(&cb, &pc, sizeof cb), memcpy(&sb, &ps, sizeof sb);
    v8l pb = (sb & odd) | (cb & ~odd);
    pb ^= neg & (v8l){INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN,
                      INT64_MIN, INT64_MIN};  // -p: flip the sign bit, as negation does
    v8d p;
    memcpy(&p, &pb, sizeof p);
    return p;
}

/* Defines name(y, x, n): y[i] = scalar(x[i]) for i < n, eight at a time through lanes()
 * where the vector's lanes all satisfy ok(v) (a v8l mask), by the scalar code otherwise. */
#define DOUBLE_ARRAY_FN(name, scalar, lanes, ok)                                        \
    GG_KERNEL                                                                           \
    void name(double *y, const double *x, size_t n)                                     \
    {                                                                                   \
        size_t i = 0;                                                                   \
        for (; i + 8 <= n; i += 8) {                                                    \
            v8d v;                                                                      \
            memcpy(&v, x + i, sizeof v);                                                \
            v8l mask = ok(v);                                                           \
            int all = 1;                                                                \
            for (int k = 0; k < 8; k++)                                                 \
                all &= mask[k] != 0;                                                    \
            if (all) {                                                                  \
                v = lanes(v);                                                           \
                memcpy(y + i, &v, sizeof v);                                            \
            } else {                                                                    \
                for (int k = 0; k < 8; k++)                                             \
                    y[i + k] = scalar(x[i + k]);                                        \
            }                                                                           \
        }                                                                               \
        for (; i < n; i++)                                                              \
            y[i] = scalar(x[i]);                                                        \
    }

#define LOG_OK(v) (((v) >= 0x1p-1022) & ((v) <= 0x1.fffffffffffffp1023))  /* NaN fails both */
#define COS2PI_OK(v) (((v) >= 0.0) & ((v) < 1.0))
DOUBLE_ARRAY_FN(gg_log_n, gg_log, log8, LOG_OK)
DOUBLE_ARRAY_FN(gg_cos2pi_n, gg_cos2pi, cos2pi8, COS2PI_OK)
