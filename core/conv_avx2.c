/* core/conv_avx2.c — the convolution kernels with 8-lane AVX2+FMA vectors (conv_kern.h);
 * compiled for AVX2 whatever the build flags, called only when the CPU has it (isa.h).
 * Empty where isa.h says GG_HAVE_ISA_PATHS is 0. */
#include "conv.h"

#if GG_HAVE_ISA_PATHS
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

/* lanes_tbl + 8 - n: n all-ones words then zeros, the mask of the first n lanes. */
static const int32_t lanes_tbl[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

#define VW 8
typedef __m256 vf;
#define LANES(n) _mm256_loadu_si256((const __m256i *)(const void *)(lanes_tbl + 8 - (n)))
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_LOADN(p, n) _mm256_maskload_ps((p), LANES(n))
#define V_STORE(p, v) _mm256_storeu_ps((p), (v))
#define V_STOREN(p, v, n) _mm256_maskstore_ps((p), LANES(n), (v))
#define V_SET1(x) _mm256_set1_ps(x)
#define V_ZERO() _mm256_setzero_ps()
#define V_ADD(a, b) _mm256_add_ps((a), (b))
#define V_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define GM_NV 2
#define GM_MR(nv) 6
#define GM_TILES_1 CASES_4(GM_CASE, 1) GM_CASE(5, 1) GM_CASE(6, 1)
#define GM_TILES_2 CASES_4(GM_CASE, 2) GM_CASE(5, 2) GM_CASE(6, 2)
#define DW_NV 2
#define DW_MR(nv) ((nv) == 1 ? 12 : 6)
#define DW_TILES_1 CASES_12(DW_CASE, 1)
#define DW_TILES_2 CASES_4(DW_CASE, 2) DW_CASE(5, 2) DW_CASE(6, 2)
#define GM_MRMAX 6
#define DW_MRMAX 12
#define SFX(name) name##_avx2
#include "conv_kern.h"

/* 8x8 transpose in registers: r[i] lane j <- r[j] lane i. */
static inline __attribute__((always_inline)) void transpose8(__m256 r[8])
{
    __m256 t[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        r[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
        t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
    }
    for (int i = 0; i < 8; i++)
        r[i] = t[i];
}

void gg_conv_rows_avx2(float *dyr, size_t ld, const float *src, size_t stride, size_t O,
                       size_t n)
{
    for (size_t i0 = 0; i0 < n; i0 += 8) {
        const size_t ni = n - i0 < 8 ? n - i0 : 8;
        const __m256i m = LANES(ni);
        for (size_t o0 = 0; o0 < ld; o0 += 8) {
            __m256 r[8];
            for (size_t q = 0; q < 8; q++)
                r[q] = o0 + q < O ? _mm256_maskload_ps(src + (o0 + q) * stride + i0, m)
                                  : _mm256_setzero_ps();
            transpose8(r);
            for (size_t q = 0; q < ni; q++)
                _mm256_storeu_ps(dyr + (i0 + q) * ld + o0, r[q]);
        }
    }
}

#pragma GCC pop_options
#endif
