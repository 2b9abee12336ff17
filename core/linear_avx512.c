/* core/linear_avx512.c — the Linear kernels with 16-lane AVX-512F vectors
 * (linear_kern.h); compiled for AVX-512 whatever the build flags, called only when the
 * CPU has it (isa.h). Empty where isa.h says GG_HAVE_ISA_PATHS is 0. */
#include "linear.h"

#if GG_HAVE_ISA_PATHS
#include <immintrin.h>

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
#define V_MASKPOS(v, m) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask((m), _mm512_setzero_ps(), _CMP_GT_OQ), (v))
#define F_MR 12
#define B_NV 4
#define B_MR 6
#define R_MR 6
#define R_NV 4
#define SFX(name) name##_avx512
#include "linear_kern.h"

#pragma GCC pop_options
#endif
