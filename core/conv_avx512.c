/* core/conv_avx512.c — the convolution kernels with 16-lane AVX-512F vectors
 * (conv_kern.h); compiled for AVX-512 whatever the build flags, called only when the CPU
 * has it (isa.h). Empty where isa.h says GG_HAVE_ISA_PATHS is 0. */
#include "conv.h"

#if GG_HAVE_ISA_PATHS
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")

#define VW 16
typedef __m512 vf;
#define LANES(n) ((__mmask16)((1u << (n)) - 1u))
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_LOADN(p, n) _mm512_maskz_loadu_ps(LANES(n), (p))
#define V_STORE(p, v) _mm512_storeu_ps((p), (v))
#define V_STOREN(p, v, n) _mm512_mask_storeu_ps((p), LANES(n), (v))
#define V_SET1(x) _mm512_set1_ps(x)
#define V_ZERO() _mm512_setzero_ps()
#define V_ADD(a, b) _mm512_add_ps((a), (b))
#define V_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define GM_NV 3
#define GM_MR(nv) ((nv) == 3 ? 8 : 12)
#define GM_TILES_1 CASES_12(GM_CASE, 1)
#define GM_TILES_2 CASES_12(GM_CASE, 2)
#define GM_TILES_3 CASES_8(GM_CASE, 3)
#define DW_NV 4
#define DW_MR(nv) ((nv) == 1 ? 12 : (nv) == 2 ? 12 : (nv) == 3 ? 8 : 6)
#define DW_TILES_1 CASES_12(DW_CASE, 1)
#define DW_TILES_2 CASES_12(DW_CASE, 2)
#define DW_TILES_3 CASES_8(DW_CASE, 3)
#define DW_TILES_4 CASES_4(DW_CASE, 4) DW_CASE(5, 4) DW_CASE(6, 4)
#define GM_MRMAX 12
#define DW_MRMAX 12
#define SFX(name) name##_avx512
#include "conv_kern.h"

/* 16x16 transpose in registers: r[i] lane j <- r[j] lane i. */
static inline __attribute__((always_inline)) void transpose16(__m512 r[16])
{
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

void gg_conv_rows_avx512(float *dyr, size_t ld, const float *src, size_t stride, size_t O,
                         size_t n)
{
    for (size_t i0 = 0; i0 < n; i0 += 16) {
        const size_t ni = n - i0 < 16 ? n - i0 : 16;
        const __mmask16 m = LANES(ni);
        for (size_t o0 = 0; o0 < ld; o0 += 16) {
            __m512 r[16];
            for (size_t q = 0; q < 16; q++)
                r[q] = o0 + q < O ? _mm512_maskz_loadu_ps(m, src + (o0 + q) * stride + i0)
                                  : _mm512_setzero_ps();
            transpose16(r);
            for (size_t q = 0; q < ni; q++)
                _mm512_storeu_ps(dyr + (i0 + q) * ld + o0, r[q]);
        }
    }
}

#pragma GCC pop_options
#endif
