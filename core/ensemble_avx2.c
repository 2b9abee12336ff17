/* core/ensemble_avx2.c — the ensemble's Linear kernels (ensemble_kern.h) with two 8-lane
 * AVX2+FMA vectors per block of 16 runs; compiled for AVX2 whatever the build flags,
 * called only when the CPU has it (isa.h). Empty where GG_HAVE_ISA_PATHS is 0. */
#include "ensemble.h"

#if GG_HAVE_ISA_PATHS
#include <immintrin.h>

#include "ensemble_isa.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

typedef struct lv {
    __m256 a, b;
} lv;

static inline __attribute__((always_inline)) lv lv_load(const float *p)
{
    return (lv){_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)};
}

static inline __attribute__((always_inline)) void lv_store(float *p, lv v)
{
    _mm256_storeu_ps(p, v.a);
    _mm256_storeu_ps(p + 8, v.b);
}

static inline __attribute__((always_inline)) lv lv_add(lv x, lv y)
{
    return (lv){_mm256_add_ps(x.a, y.a), _mm256_add_ps(x.b, y.b)};
}

static inline __attribute__((always_inline)) lv lv_fma(lv x, lv y, lv z)
{
    return (lv){_mm256_fmadd_ps(x.a, y.a, z.a), _mm256_fmadd_ps(x.b, y.b, z.b)};
}

#define LV_LOAD(p) lv_load(p)
#define LV_STORE(p, v) lv_store((p), (v))
#define LV_ZERO() ((lv){_mm256_setzero_ps(), _mm256_setzero_ps()})
#define LV_ADD(a, b) lv_add((a), (b))
#define LV_FMA(a, b, c) lv_fma((a), (b), (c))
#define F_R 1
#define F_T 4
#define D_R 2
#define D_T 2
#define W_R 2
#define W_T 2
#define SFX(name) name##_avx2
#include "ensemble_kern.h"

#pragma GCC pop_options
#endif
