/* tests/bench/bench_norm.c — nanoseconds per element of BatchNorm2d forward (training,
 * affine, running statistics) and backward (dx, dgamma, dbeta) on the small ResNet's
 * shapes, in the process's CPU time (CLOCK_PROCESS_CPUTIME_ID: preemption on a shared
 * machine does not count). Not part of make bench; build by hand:
 *   cc -std=c11 -O2 -Icore tests/bench/bench_norm.c build/libgglabcore.a -lm -o build/bench_norm
 * Usage: bench_norm [reps] (default 15); each figure is the best rep of ~20 ms of calls.
 * Fresh x and dy for every call would measure memory; the calls reuse them, as a step's
 * BatchNorm finds its input just written by the conv before it. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "norm.h"
#include "rng.h"

static double cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static float *randv(gg_rng *r, size_t n)
{
    float *v = malloc(n * sizeof *v);
    if (!v) {
        fprintf(stderr, "bench_norm: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (float)gg_rng_normal(r);
    return v;
}

int main(int argc, char **argv)
{
    static const size_t shapes[][3] = {{32, 16, 1024}, {32, 32, 256}, {32, 64, 64}};
    const int reps = argc > 1 ? atoi(argv[1]) : 15;
    gg_rng rng;
    gg_rng_seed(&rng, 1);
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
        const size_t B = shapes[k][0], C = shapes[k][1], S = shapes[k][2], N = B * C * S;
        float *x = randv(&rng, N), *dy = randv(&rng, N), *y = randv(&rng, N);
        float *dx = randv(&rng, N), *g = randv(&rng, C), *b = randv(&rng, C);
        float *rm = randv(&rng, C), *rv = randv(&rng, C), *sm = randv(&rng, C);
        float *si = randv(&rng, C), *dg = randv(&rng, C), *db = randv(&rng, C);
        for (size_t c = 0; c < C; c++)
            rv[c] = 1.0f;
        double best_f = 1e300, best_b = 1e300;
        for (int r = 0; r < reps; r++) {
            size_t calls = 0;
            double tf = 0.0, tb = 0.0;
            while (tf + tb < 2e7) {
                double t0 = cpu_ns();
                gg_batchnorm_forward(y, sm, si, rm, rv, x, g, b, B, C, S, 1, 1e-5, 0.1);
                double t1 = cpu_ns();
                gg_batchnorm_backward(dx, 0, dg, db, dy, x, sm, si, g, B, C, S, 1);
                double t2 = cpu_ns();
                tf += t1 - t0, tb += t2 - t1;
                calls++;
            }
            if (tf / (double)calls < best_f)
                best_f = tf / (double)calls;
            if (tb / (double)calls < best_b)
                best_b = tb / (double)calls;
        }
        printf("batchnorm (%zu,%zu,%zu): fwd %.3f + bwd %.3f = %.3f ns/element "
               "(%.0f + %.0f us)\n", B, C, S, best_f / (double)N, best_b / (double)N,
               (best_f + best_b) / (double)N, best_f * 1e-3, best_b * 1e-3);
        // Keep the results alive.
        volatile float sink = y[N / 2] + dx[N / 3] + dg[0];
        (void)sink;
        free(x), free(dy), free(y), free(dx), free(g), free(b), free(rm), free(rv), free(sm);
        free(si), free(dg), free(db);
    }
    return 0;
}
