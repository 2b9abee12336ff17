/* core/ensemble_avx512.c — the ensemble's Linear kernels (ensemble_kern.h) with one
 * AVX-512F vector per block of 16 runs; compiled for AVX-512 whatever the build flags,
 * called only when the CPU has it (isa.h). Empty where GG_HAVE_ISA_PATHS is 0. */
#include "ensemble.h"

#if GG_HAVE_ISA_PATHS
#include <immintrin.h>

#include "ensemble_isa.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")

typedef __m512 lv;
#define LV_LOAD(p) _mm512_loadu_ps(p)
#define LV_STORE(p, v) _mm512_storeu_ps((p), (v))
#define LV_ZERO() _mm512_setzero_ps()
#define LV_ADD(a, b) _mm512_add_ps((a), (b))
#define LV_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define LV_MUL(a, b) _mm512_mul_ps((a), (b))
#define LV_DIV(a, b) _mm512_div_ps((a), (b))
#define LV_SQRT(a) _mm512_sqrt_ps(a)
typedef __mmask16 lm;
#define LM_LOAD(p) _mm512_test_epi32_mask(_mm512_loadu_si512(p), _mm512_loadu_si512(p))
#define LV_GT(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_GT_OQ)
#define LV_NLE(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_NLE_UQ)
#define LV_NEG(a)                                                                       \
    _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)))
#define LV_SET1(c) _mm512_set1_ps(c)
#define LV_SEL(m, a, b) _mm512_mask_blend_ps((m), (b), (a))
#define F_R 5
#define F_T 4
#define D_R 5
#define C_T 5
#define W_R 4
#define SFX(name) name##_avx512
#include "ensemble_kern.h"

_Static_assert(GG_ENS_LANES == 16, "the block transposes below are 16 x 16");

/* Transpose the 16 x 16 floats of r in place: r[j][l] becomes r[l][j]. Rows are unpacked in
 * pairs, then 4 x 4 blocks within each 128-bit lane are finished, then the 128-bit lanes
 * are exchanged. */
static inline __attribute__((always_inline)) void tr16(__m512 r[16])
{
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // u[4i + c], 128-bit lane k: rows 4i .. 4i+3 at column 4k + c
    for (int i = 0; i < 4; i++) {
        u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int c = 0; c < 4; c++) {
        const __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);
        const __m512 v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
        const __m512 w0 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
        const __m512 w1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
        r[c] = _mm512_shuffle_f32x4(v0, w0, 0x88);
        r[4 + c] = _mm512_shuffle_f32x4(v1, w1, 0x88);
        r[8 + c] = _mm512_shuffle_f32x4(v0, w0, 0xDD);
        r[12 + c] = _mm512_shuffle_f32x4(v1, w1, 0xDD);
    }
}

void gg_ens_put_block_avx512(float *restrict dst, const float *const *src, size_t n)
{
    size_t j0 = 0;
    for (; j0 + 16 <= n; j0 += 16) {
        __m512 r[16];
        for (int l = 0; l < 16; l++)
            r[l] = _mm512_loadu_ps(src[l] + j0);
        tr16(r);
        for (int j = 0; j < 16; j++)
            _mm512_storeu_ps(dst + (j0 + (size_t)j) * 16, r[j]);
    }
    for (; j0 < n; j0++)
        for (int l = 0; l < 16; l++)
            dst[j0 * 16 + (size_t)l] = src[l][j0];
}

void gg_ens_get_block_avx512(float *const *dst, const float *restrict src, size_t n)
{
    size_t j0 = 0;
    for (; j0 + 16 <= n; j0 += 16) {
        __m512 r[16];
        for (int j = 0; j < 16; j++)
            r[j] = _mm512_loadu_ps(src + (j0 + (size_t)j) * 16);
        tr16(r);
        for (int l = 0; l < 16; l++)
            _mm512_storeu_ps(dst[l] + j0, r[l]);
    }
    for (; j0 < n; j0++)
        for (int l = 0; l < 16; l++)
            dst[l][j0] = src[j0 * 16 + (size_t)l];
}

#pragma GCC pop_options
#endif
