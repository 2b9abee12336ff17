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
#define LV_NEG(a) _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)))
#define LV_SET1(c) _mm512_set1_ps(c)
#define LV_SEL(m, a, b) _mm512_mask_blend_ps((m), (b), (a))
#define F_R 5
#define F_T 4
#define D_R 5
#define C_T 4
#define W_R 4
#define SFX(name) name##_avx512
#include "ensemble_kern.h"

#pragma GCC pop_options
#endif
