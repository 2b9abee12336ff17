/* tests/bench/bench_conv.c — GFLOP/s of the convolution kernels (core/conv.h) on the best
 * ISA, forward + backward (dx, dW, db), for the conv layers of bench_cnn.c's lenet and resnet.
 * Usage: bench_conv [isa [reps [case]]]. Not part of make test; build by hand:
 *   gcc -std=c11 -O2 -Icore tests/bench/bench_conv.c build/libgglabcore.a -lm -o build/bench_conv
 * FLOPs count the products computed: 2*B*oh*ow*cout*(cin/groups)*kh*kw each for the
 * forward, dW and dx. Best of 9 (or argv[2]) repetitions of loops of ~0.05 s, each next to a run of 12
 * independent FMA chains on the same ISA (tests/bench/bench_peak.c's method): the "% of
 * peak" compares the best of both, so a busy sibling vCPU (which halves the FMA rate)
 * affects them alike. Times are the thread's CPU time. */
#define _POSIX_C_SOURCE 200809L

#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "conv.h"
#include "rng.h"

/* This thread's CPU time: time-slicing with other processes on a shared machine drops
 * out; a busy SMT sibling does not, but it slows the interleaved peak runs alike. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ~0.02 s of 12 independent FMA chains; GFLOP/s. */
__attribute__((target("avx512f"))) static double peak512(void)
{
    static volatile long iters = 1000000;
    __m512 a[12];
    const __m512 vm = _mm512_set1_ps(0.999999f), vc = _mm512_set1_ps(1e-7f);
    for (int k = 0; k < 12; k++)
        a[k] = _mm512_set1_ps((float)k);
    const long n = iters;
    double t0 = now_s();
    for (long i = 0; i < n; i++)
#pragma GCC unroll 12
        for (int k = 0; k < 12; k++)
            a[k] = _mm512_fmadd_ps(a[k], vm, vc);
    double t = now_s() - t0;
    __m512 s = a[0];
    for (int k = 1; k < 12; k++)
        s = _mm512_add_ps(s, a[k]);
    volatile float sink = _mm512_reduce_add_ps(s);
    (void)sink;
    return 16.0 * 2 * 12 * (double)n / t * 1e-9;
}

__attribute__((target("avx2,fma"))) static double peak256(void)
{
    static volatile long iters = 1000000;
    __m256 a[12];
    const __m256 vm = _mm256_set1_ps(0.999999f), vc = _mm256_set1_ps(1e-7f);
    for (int k = 0; k < 12; k++)
        a[k] = _mm256_set1_ps((float)k);
    const long n = iters;
    double t0 = now_s();
    for (long i = 0; i < n; i++)
#pragma GCC unroll 12
        for (int k = 0; k < 12; k++)
            a[k] = _mm256_fmadd_ps(a[k], vm, vc);
    double t = now_s() - t0;
    float out[8];
    _mm256_storeu_ps(out, a[0]);
    volatile float sink = out[0];
    (void)sink;
    return 8.0 * 2 * 12 * (double)n / t * 1e-9;
}

static double peak(gg_isa isa)
{
    return isa == GG_ISA_AVX512 ? peak512() : isa == GG_ISA_AVX2 ? peak256() : 0.0;
}

static float *randv(gg_rng *r, size_t n)
{
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)gg_rng_normal(r);
    return v;
}

typedef struct bcase {
    const char *name;
    size_t cin, cout, hw, k, stride, pad, B;
    int bias, dx;  /* the layer has a bias; its dx is computed (not the model's first) */
} bcase;

static void bench(gg_isa isa, const bcase *c, int reps)
{
    gg_conv_shape s = {c->cin, c->cout, 1, c->hw, c->hw, c->k, c->k, c->stride, c->stride,
                       c->pad, c->pad, c->pad, c->pad, 1, 1, 0, 0, 0};
    gg_err err;
    if (gg_conv_check(&s, &err) != GG_OK) {
        printf("%s: %s\n", c->name, err.msg);
        return;
    }
    const size_t B = c->B, nx = B * s.cin * s.ih * s.iw, ny = B * s.cout * s.oh * s.ow;
    const size_t nw = s.cout * s.cin * s.kh * s.kw;
    gg_rng r;
    gg_rng_seed(&r, 1);
    float *x = randv(&r, nx), *W = randv(&r, nw), *b = randv(&r, s.cout), *dy = randv(&r, ny);
    float *y = malloc(ny * sizeof *y), *dx = malloc(nx * sizeof *dx);
    float *dW = calloc(nw, sizeof *dW), *db = calloc(s.cout, sizeof *db);
    float *scratch = malloc(gg_conv_scratch(&s, B) * sizeof *scratch);
    const float *bp = c->bias ? b : NULL;
    float *dbp = c->bias ? db : NULL, *dxp = c->dx ? dx : NULL;
    const double flop = 2.0 * (double)B * (double)(s.oh * s.ow) * (double)nw;
    // Calibrate the loop to ~0.05 s, then best of reps, each next to a peak measurement.
    size_t iters = 1;
    for (;;) {
        double t0 = now_s();
        for (size_t i = 0; i < iters; i++) {
            gg_conv_forward(isa, y, x, W, bp, scratch, &s, B);
            gg_conv_backward(isa, dxp, 0, dW, dbp, dy, x, W, scratch, &s, B);
        }
        if (now_s() - t0 > 0.05 || iters > (1u << 24))
            break;
        iters *= 2;
    }
    double best_f = 1e30, best_b = 1e30, best_w = 1e30, best_p = 0.0;
    for (int rep = 0; rep < reps; rep++) {
        double p = peak(isa);
        if (p > best_p)
            best_p = p;
        double t0 = now_s();
        for (size_t i = 0; i < iters; i++)
            gg_conv_forward(isa, y, x, W, bp, scratch, &s, B);
        double t1 = now_s();
        for (size_t i = 0; i < iters; i++)
            gg_conv_backward(isa, dxp, 0, dW, dbp, dy, x, W, scratch, &s, B);
        double t2 = now_s();
        for (size_t i = 0; i < iters; i++)
            gg_conv_backward(isa, NULL, 0, dW, dbp, dy, x, W, scratch, &s, B);
        double t3 = now_s();
        if ((t3 - t2) / (double)iters < best_w)
            best_w = (t3 - t2) / (double)iters;
        if ((t1 - t0) / (double)iters < best_f)
            best_f = (t1 - t0) / (double)iters;
        if ((t2 - t1) / (double)iters < best_b)
            best_b = (t2 - t1) / (double)iters;
    }
    const double nb = c->dx ? 2.0 : 1.0, g = (1.0 + nb) * flop / (best_f + best_b) * 1e-9;
    printf("%-44s fwd %7.1f us %5.1f GF/s | bwd %7.1f us %5.1f GF/s (dW %7.1f us) | fwd+bwd %5.1f "
           "GF/s", c->name, best_f * 1e6, flop / best_f * 1e-9, best_b * 1e6,
           nb * flop / best_b * 1e-9, best_w * 1e6, g);
    if (best_p > 0.0)
        printf(" = %2.0f%% of %.0f", 100.0 * g / best_p, best_p);
    printf("\n");
    free(x), free(W), free(b), free(dy), free(y), free(dx), free(dW), free(db), free(scratch);
}

int main(int argc, char **argv)
{
    static const bcase cases[] = {
        {"lenet 1->6 3x3 p1, 8x8, B 64, no dx", 1, 6, 8, 3, 1, 1, 64, 1, 0},
        {"lenet 6->16 3x3 p1, 4x4, B 64", 6, 16, 4, 3, 1, 1, 64, 1, 1},
        {"resnet 3->16 3x3 p1, 32x32, B 32, no dx", 3, 16, 32, 3, 1, 1, 32, 0, 0},
        {"resnet 16->16 3x3 p1, 32x32, B 32 (x2)", 16, 16, 32, 3, 1, 1, 32, 0, 1},
        {"resnet 16->32 3x3 s2 p1, 32x32, B 32", 16, 32, 32, 3, 2, 1, 32, 0, 1},
        {"resnet 32->32 3x3 p1, 16x16, B 32 (x3)", 32, 32, 16, 3, 1, 1, 32, 0, 1},
        {"resnet 16->32 1x1 s2, 32x32, B 32", 16, 32, 32, 1, 2, 0, 32, 0, 1},
        {"resnet 32->64 3x3 s2 p1, 16x16, B 32", 32, 64, 16, 3, 2, 1, 32, 0, 1},
        {"resnet 64->64 3x3 p1, 8x8, B 32", 64, 64, 8, 3, 1, 1, 32, 0, 1},
        {"resnet 32->64 1x1 s2, 16x16, B 32", 32, 64, 16, 1, 2, 0, 32, 0, 1},
    };
    gg_isa isa = gg_isa_best();
    gg_err err;
    if (argc > 1 && gg_isa_parse(argv[1], &isa, &err) != GG_OK) {
        printf("%s\n", err.msg);
        return 1;
    }
    const int reps = argc > 2 && atoi(argv[2]) > 0 ? atoi(argv[2]) : 9;
    printf("isa: %s\n", gg_isa_name(isa));
    const char *only = argc > 3 ? argv[3] : NULL;  // a case number, or all
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!only || (size_t)atoi(only) == i)
            bench(isa, &cases[i], reps);
    return 0;
}
