/* core/linear_avx2.c — the Linear kernels with 8-lane AVX2+FMA vectors (linear_kern.h);
 * compiled for AVX2 whatever the build flags, called only when the CPU has it (isa.h).
 * Empty where isa.h says GG_HAVE_ISA_PATHS is 0. */
#include "linear.h"

#if GG_HAVE_ISA_PATHS
#include <immintrin.h>
#include <stdint.h>

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
#define V_MASKPOS(v, m) _mm256_and_ps((v), _mm256_cmp_ps((m), _mm256_setzero_ps(), _CMP_GT_OQ))
#define F_MR 6
#define B_NV 3
#define SFX(name) name##_avx2
#include "linear_kern.h"

#pragma GCC pop_options
#endif
