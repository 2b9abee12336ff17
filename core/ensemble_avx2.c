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

static inline __attribute__((always_inline)) lv lv_mul(lv x, lv y)
{
    return (lv){_mm256_mul_ps(x.a, y.a), _mm256_mul_ps(x.b, y.b)};
}

static inline __attribute__((always_inline)) lv lv_div(lv x, lv y)
{
    return (lv){_mm256_div_ps(x.a, y.a), _mm256_div_ps(x.b, y.b)};
}

static inline __attribute__((always_inline)) lv lv_sqrt(lv x)
{
    return (lv){_mm256_sqrt_ps(x.a), _mm256_sqrt_ps(x.b)};
}

/* A mask of lanes: all bits set or clear per float. */
typedef lv lm;

static inline __attribute__((always_inline)) lm lm_load(const int32_t *p)
{
    return lv_load((const float *)(const void *)p);
}

static inline __attribute__((always_inline)) lm lv_gt(lv x, lv y)
{
    return (lm){_mm256_cmp_ps(x.a, y.a, _CMP_GT_OQ), _mm256_cmp_ps(x.b, y.b, _CMP_GT_OQ)};
}

static inline __attribute__((always_inline)) lm lv_nle(lv x, lv y)
{
    return (lm){_mm256_cmp_ps(x.a, y.a, _CMP_NLE_UQ), _mm256_cmp_ps(x.b, y.b, _CMP_NLE_UQ)};
}

static inline __attribute__((always_inline)) lv lv_neg(lv x)
{
    const __m256 s = _mm256_set1_ps(-0.0f);
    return (lv){_mm256_xor_ps(x.a, s), _mm256_xor_ps(x.b, s)};
}

static inline __attribute__((always_inline)) lv lv_sel(lm m, lv x, lv y)
{
    return (lv){_mm256_blendv_ps(y.a, x.a, m.a), _mm256_blendv_ps(y.b, x.b, m.b)};
}

#define LV_LOAD(p) lv_load(p)
#define LV_STORE(p, v) lv_store((p), (v))
#define LV_ZERO() ((lv){_mm256_setzero_ps(), _mm256_setzero_ps()})
#define LV_ADD(a, b) lv_add((a), (b))
#define LV_FMA(a, b, c) lv_fma((a), (b), (c))
#define LV_MUL(a, b) lv_mul((a), (b))
#define LV_DIV(a, b) lv_div((a), (b))
#define LV_SQRT(a) lv_sqrt(a)
#define LM_LOAD(p) lm_load(p)
#define LV_GT(a, b) lv_gt((a), (b))
#define LV_NLE(a, b) lv_nle((a), (b))
#define LV_NEG(a) lv_neg(a)
#define LV_SET1(c) ((lv){_mm256_set1_ps(c), _mm256_set1_ps(c)})
#define LV_SEL(m, a, b) lv_sel((m), (a), (b))
#define F_R 1
#define F_T 4
#define D_R 2
#define C_T 2
#define W_R 2
#define ENS_CH 4
#define SFX(name) name##_avx2
#include "ensemble_kern.h"

#pragma GCC pop_options
#endif
