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
#define DW_MR(nv) ((nv) == 1 ? 16 : (nv) == 2 ? 12 : (nv) == 3 ? 8 : 6)
#define DW_TILES_1 CASES_16(DW_CASE, 1)
#define DW_TILES_2 CASES_12(DW_CASE, 2)
#define DW_TILES_3 CASES_8(DW_CASE, 3)
#define DW_TILES_4 CASES_4(DW_CASE, 4) DW_CASE(5, 4) DW_CASE(6, 4)
#define SFX(name) name##_avx512
#include "conv_kern.h"

#pragma GCC pop_options
#endif
