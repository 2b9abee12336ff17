/* tests/bench/bench_peak.c — one core's measured fp32 FMA peak (make bench): chains of
 * independent fused multiply-adds on 512-bit (AVX-512F) and 256-bit (AVX2+FMA) vectors,
 * enough accumulators (12) to cover the FMA latency on every current x86-64 core.
 * Prints, for each instruction set the CPU has:
 *   peak <isa>: X GFLOP/s
 * and last "peak best: X GFLOP/s" (the roofline's ceiling in docs/performance.md). */
#define _POSIX_C_SOURCE 200809L

#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define ITERS 20000000L
#define ACC 12

/* The process's CPU time: on a loaded machine the time other processes take the core away
 * is not counted (the other vCPU of the core still shares its FMA units). */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Each macro body: ACC independent a = a*m + c chains, ITERS times. Returns the sum of the
 * lanes so the work cannot be dropped. */
__attribute__((target("avx512f"))) static float run512(float m, float c)
{
    __m512 a[ACC];
    const __m512 vm = _mm512_set1_ps(m), vc = _mm512_set1_ps(c);
    for (int k = 0; k < ACC; k++)
        a[k] = _mm512_set1_ps((float)k);
    for (long i = 0; i < ITERS; i++)
#pragma GCC unroll 12
        for (int k = 0; k < ACC; k++)
            a[k] = _mm512_fmadd_ps(a[k], vm, vc);
    __m512 s = a[0];
    for (int k = 1; k < ACC; k++)
        s = _mm512_add_ps(s, a[k]);
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static float run256(float m, float c)
{
    __m256 a[ACC];
    const __m256 vm = _mm256_set1_ps(m), vc = _mm256_set1_ps(c);
    for (int k = 0; k < ACC; k++)
        a[k] = _mm256_set1_ps((float)k);
    for (long i = 0; i < ITERS; i++)
#pragma GCC unroll 12
        for (int k = 0; k < ACC; k++)
            a[k] = _mm256_fmadd_ps(a[k], vm, vc);
    __m256 s = a[0];
    for (int k = 1; k < ACC; k++)
        s = _mm256_add_ps(s, a[k]);
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

/* Best of three runs, in GFLOP/s: lanes * 2 FLOPs * ACC * ITERS per run. */
static double measure(float (*fn)(float, float), int lanes, const char *name)
{
    double best = 0.0;
    volatile float sink = 0.0f;
    for (int r = 0; r < 3; r++) {
        double t0 = now_s();
        sink += fn(0.999999f, 1e-7f);
        double g = (double)lanes * 2.0 * ACC * (double)ITERS / (now_s() - t0) * 1e-9;
        if (g > best)
            best = g;
    }
    (void)sink;
    printf("peak %s: %.1f GFLOP/s\n", name, best);
    return best;
}

int main(void)
{
    double best = 0.0, g;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && (g = measure(run512, 16, "avx512")) > best)
        best = g;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        (g = measure(run256, 8, "avx2")) > best)
        best = g;
    if (best == 0.0) {
        printf("peak: no AVX2/AVX-512 FMA on this CPU\n");
        return 1;
    }
    printf("peak best: %.1f GFLOP/s\n", best);
    return 0;
}
