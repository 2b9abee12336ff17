/* tests/bench/bench_gelu.c — nanoseconds per element of the exact GELU (GG_ACT_GELU)
 * forward and backward, and ReLU's forward for scale, on a transformer's feed-forward
 * block (batch 16 x context 64 x ff 256 = 262,144 elements, x ~ N(0, 1)), in the
 * process's CPU time (CLOCK_PROCESS_CPUTIME_ID: preemption on a shared machine does not
 * count). Not part of make test or make bench; build by hand:
 *   cc -std=c11 -O2 -Icore tests/bench/bench_gelu.c build/libgglabcore.a -lm -o build/bench_gelu
 * Usage: bench_gelu [reps] (default 15); each figure is the best rep of ~20 ms of calls.
 * gg_act_forward/backward run the best path; then each supported path of core/gelu.c. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "act.h"
#include "gelu.h"
#include "isa.h"
#include "rng.h"

static double cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

enum { N = 16 * 64 * 256 };

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 15;
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *dy = malloc(N * sizeof *dy),
          *dx = malloc(N * sizeof *dx);
    if (!x || !y || !dy || !dx) {
        fprintf(stderr, "bench_gelu: out of memory\n");
        return 1;
    }
    gg_rng r;
    gg_rng_seed(&r, 7);
    for (size_t i = 0; i < N; i++) {
        x[i] = (float)gg_rng_normal(&r);
        dy[i] = (float)gg_rng_normal(&r);
    }
    float sink = 0.0f;
    printf("elements %d (best of %d reps)\n", N, reps);
    // k: 0 gelu forward, 1 gelu backward (gg_act_*), 2 relu forward; 3 + 2 isa (+1): paths.
    for (int k = 0; k < 3 + 2 * GG_ISA_COUNT; k++) {
        gg_isa isa = (gg_isa)((k - 3) / 2);
        if (k >= 3 && !gg_isa_supported(isa))
            continue;
        int bwd = k == 1 || (k >= 3 && (k - 3) % 2 == 1);
        double best = 1e30;
        for (int rep = 0; rep < reps; rep++) {
            int calls = 0;
            double t0 = cpu_ns(), t;
            do {
                if (k == 0)
                    gg_act_forward(GG_ACT_GELU, NULL, y, x, N);
                else if (k == 1)
                    gg_act_backward(GG_ACT_GELU, NULL, dx, dy, x, y, N);
                else if (k == 2)
                    gg_act_forward(GG_ACT_RELU, NULL, y, x, N);
                else if (bwd)
                    gg_gelu_backward(isa, dx, dy, x, N);
                else
                    gg_gelu_forward(isa, y, x, N);
                sink += bwd ? dx[calls % N] : y[calls % N];
                calls++;
                t = cpu_ns() - t0;
            } while (t < 2e7);
            double ns = t / ((double)calls * N);
            if (ns < best)
                best = ns;
        }
        if (k < 3)
            printf("%-24s %7.3f ns/element\n",
                   k == 0 ? "gelu forward" : k == 1 ? "gelu backward" : "relu forward", best);
        else
            printf("%-24s %7.3f ns/element\n",
                   bwd ? (isa == GG_ISA_GENERIC ? "  backward, generic" : isa == GG_ISA_AVX2 ? "  backward, avx2" : "  backward, avx512")
                       : (isa == GG_ISA_GENERIC ? "  forward, generic" : isa == GG_ISA_AVX2 ? "  forward, avx2" : "  forward, avx512"),
                   best);
    }
    printf("(checksum %g)\n", (double)sink);
    free(x), free(y), free(dy), free(dx);
    return 0;
}
