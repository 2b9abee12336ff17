/* core/gelu.c — the exact GELU and its derivative in double lanes (see gelu.h for the
 * algorithm and its error). The lane code (gelu_kern.h) is written once and compiled three
 * times: 2 lanes for baseline x86-64 (the portable path, the only one on other CPUs and in
 * build/generic), 4 for x86-64-v3 (AVX2), 8 for x86-64-v4 (AVX-512). Only +, -, *, /,
 * comparisons and bit operations, no FMA (-std=c11 does not contract) and no libm, so the
 * three give the same bits. The coefficients are Chebyshev fits made with mpmath. */
#include "gelu.h"

#include <stdint.h>
#include <string.h>


static const double INV_LN2 = 1.44269504088896338700e+00;
static const double LN2_HI = 6.93147180369123816490e-01;  /* k*LN2_HI exact for |k| < 2^20 */
static const double LN2_LO = 1.90821492927058770002e-10;
static const double ROUND_SHIFT = 0x1.8p52;  /* (v + it) - it rounds |v| < 2^51 to an integer */
static const double SQRT1_2 = 0.70710678118654752440;
static const double INV_SQRT_2PI = 0.39894228040143267794;
static const double A_MAX = 27.0;             /* Phi(-27) = 1.1e-160: every product rounds to 0 */
static const double SMALL = 0x1p-26;          /* below: Phi(x) = 1/2 + x/sqrt(2 pi) */
/* The gradient is +0 at and below this float (where the double formula's e^(-x^2/2)
 * underflows to 0), as it was; above it is a negative number too small for a float. */
static const double GRAD_ZERO = -0x1.34d4eep+5;
static const double INF = __builtin_inf();
static const long long SIGN = -0x7fffffffffffffffLL - 1;     /* the sign bit of a double */
static const long long DEFAULT_NAN = -0x8000000000000LL;     /* 0xfff8...: x86's inf * 0 */

/* e^r on [-ln2/2, ln2/2], r^10 first (error 2.2e-16). */
static const double EXP_C[11] = {
    2.76263572414472227e-07, 2.76401807962098502e-06, 2.48015043469976862e-05,
    1.98411702704400671e-04, 1.38888889324885988e-03, 8.33333338566778249e-03,
    4.16666666665731419e-02, 1.66666666665544055e-01, 5.00000000000000555e-01,
    1.00000000000000666e+00, 1.00000000000000000e+00};

/* P(t) = erfcx(z) / (1 - t), t = (z - 4)/(z + 4), z in [0, 27/sqrt 2], t^17 first. */
static const double ERFCX_C[18] = {
    -3.1247785551858638e-08, -9.7195130888481525e-08, 2.1226608680272015e-07,
    5.9660368788510905e-07,  -2.378288737838839e-06,  -4.6657751554234765e-07,
    2.2107423637280556e-05,  -5.6876223319479949e-05, -3.5120509306375376e-05,
    0.00076400576224880487,  -0.0032962566908387998,  0.0095476895038688267,
    -0.021751367144149759,   0.041356448476722471,    -0.067606728914851894,
    0.096651087783331466,    -0.12206859113509974,    0.13699945762506074};

/* The portable path: 2 lanes (one SSE2 register on x86-64). */
#define VW 2
typedef double vd2 __attribute__((vector_size(16)));
typedef long long vl2 __attribute__((vector_size(16)));
typedef float vf2 __attribute__((vector_size(8)));
#define vd vd2
#define vl vl2
#define vf vf2
#define SFX(name) name##_generic
#include "gelu_kern.h"
#undef VW
#undef vd
#undef vl
#undef vf
#undef SFX

#if GG_HAVE_ISA_PATHS
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v3")
#define VW 4
typedef double vd4 __attribute__((vector_size(32)));
typedef long long vl4 __attribute__((vector_size(32)));
typedef float vf4 __attribute__((vector_size(16)));
#define vd vd4
#define vl vl4
#define vf vf4
#define SFX(name) name##_avx2
#include "gelu_kern.h"
#undef VW
#undef vd
#undef vl
#undef vf
#undef SFX
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("arch=x86-64-v4")
#define VW 8
typedef double vd8 __attribute__((vector_size(64)));
typedef long long vl8 __attribute__((vector_size(64)));
typedef float vf8 __attribute__((vector_size(32)));
#define vd vd8
#define vl vl8
#define vf vf8
#define SFX(name) name##_avx512
#include "gelu_kern.h"
#undef VW
#undef vd
#undef vl
#undef vf
#undef SFX
#pragma GCC pop_options
#endif

void gg_gelu_forward(gg_isa isa, float *y, const float *x, size_t n)
{
#if GG_HAVE_ISA_PATHS
    if (isa == GG_ISA_AVX512) {
        forward_avx512(y, x, n);
        return;
    }
    if (isa == GG_ISA_AVX2) {
        forward_avx2(y, x, n);
        return;
    }
#endif
    (void)isa;
    forward_generic(y, x, n);
}

void gg_gelu_backward(gg_isa isa, float *dx, const float *dy, const float *x, size_t n)
{
#if GG_HAVE_ISA_PATHS
    if (isa == GG_ISA_AVX512) {
        backward_avx512(dx, dy, x, n);
        return;
    }
    if (isa == GG_ISA_AVX2) {
        backward_avx2(dx, dy, x, n);
        return;
    }
#endif
    (void)isa;
    backward_generic(dx, dy, x, n);
}
