/* core/simd.h — the fixed-width vector type of the kernels and their CPU dispatch.
 *
 * v8f is eight floats (GCC vector extension). Written this way, a kernel performs the
 * same IEEE operations in the same order whatever the instruction set: two SSE registers
 * on baseline x86-64, one AVX register on AVX2/AVX-512 machines. FMA contraction is off
 * under -std=c11, so no path fuses a multiply-add the others round twice; an explicit
 * __builtin_fmaf is one instruction in the v3/v4 clones and glibc's correctly rounded
 * fmaf in the baseline one: the same bits.
 *
 * GG_KERNEL marks a hot kernel for function multi-versioning: GCC emits an x86-64-v4
 * (AVX-512), an x86-64-v3 (AVX2 + FMA) and a baseline clone and the dynamic loader picks one for the CPU (an ifunc; no
 * state of ours). Because the operation order is fixed by the code, every clone returns
 * bit-identical results; build with -DGG_NO_CLONES for the baseline code only (the
 * sanitizer build does, and tests compare the two). */
#ifndef GG_SIMD_H
#define GG_SIMD_H

#include <string.h>

typedef float v8f __attribute__((vector_size(32), aligned(4)));

#if defined(GG_NO_CLONES) || !defined(__x86_64__)
#define GG_KERNEL
#else
#define GG_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif

/* Unaligned load and store of eight floats. */
static inline v8f gg_v8_load(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void gg_v8_store(float *p, v8f v)
{
    memcpy(p, &v, sizeof v);
}

/* Sum of the lanes in the fixed order ((0+4)+(2+6)) + ((1+5)+(3+7)). */
static inline float gg_v8_sum(v8f a)
{
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

/* a / b rounded as IEEE division does, without dividing, for a >= 0 (or NaN, or +inf)
 * and a constant b in [2^-60, 1] with rb = 1.0f / b (Markstein's theorem: q = a*rb is
 * within an ulp of a/b, the residual a - q*b is exact in one fma, and q + residual*rb then
 * rounds to the correctly rounded quotient). Valid while nothing underflows or overflows:
 * a = 0 or a >= 2^-75 (Adam's a is a square root of a float, so it is) and a/b finite.
 * An infinite a would make the residual NaN: it passes through, as inf/b does. Checked
 * against division over every mantissa in tests/test_optim.c. */
static inline float gg_div_by(float a, float b, float rb)
{
    float q = a * rb;
    float e = __builtin_fmaf(-q, b, a);
    float r = __builtin_fmaf(e, rb, q);
    return a <= 3.40282347e38f ? r : a;
}

#endif
