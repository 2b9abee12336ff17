/* tests/bench/bench_conv.c — GFLOP/s of the convolution kernels (core/conv.h) on the best
 * ISA, forward + backward (dx, dW, db), for four layer shapes of small image networks.
 * Not part of make test; build by hand:
 *   gcc -std=c11 -O2 -Icore tests/bench/bench_conv.c build/libgglabcore.a -lm -o build/bench_conv
 * FLOPs count the three products only: 2*B*oh*ow*cout*(cin/groups)*kh*kw each for the
 * forward, dW and dx. Best of 7 repetitions of a loop of at least ~0.2 s. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "conv.h"
#include "rng.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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
} bcase;

static void bench(gg_isa isa, const bcase *c)
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
    const double flop = 2.0 * (double)B * (double)(s.oh * s.ow) * (double)nw;
    // Calibrate the loop to ~0.2 s, then best of 7.
    size_t iters = 1;
    for (;;) {
        double t0 = now_s();
        for (size_t i = 0; i < iters; i++) {
            gg_conv_forward(isa, y, x, W, b, scratch, &s, B);
            gg_conv_backward(isa, dx, 0, dW, db, dy, x, W, scratch, &s, B);
        }
        if (now_s() - t0 > 0.2 || iters > (1u << 24))
            break;
        iters *= 2;
    }
    double best_f = 1e30, best_b = 1e30;
    for (int rep = 0; rep < 7; rep++) {
        double t0 = now_s();
        for (size_t i = 0; i < iters; i++)
            gg_conv_forward(isa, y, x, W, b, scratch, &s, B);
        double t1 = now_s();
        for (size_t i = 0; i < iters; i++)
            gg_conv_backward(isa, dx, 0, dW, db, dy, x, W, scratch, &s, B);
        double t2 = now_s();
        if ((t1 - t0) / (double)iters < best_f)
            best_f = (t1 - t0) / (double)iters;
        if ((t2 - t1) / (double)iters < best_b)
            best_b = (t2 - t1) / (double)iters;
    }
    printf("%-34s fwd %8.1f us %6.1f GFLOP/s | bwd %8.1f us %6.1f GFLOP/s | fwd+bwd %6.1f GFLOP/s\n",
           c->name, best_f * 1e6, flop / best_f * 1e-9, best_b * 1e6, 2.0 * flop / best_b * 1e-9,
           3.0 * flop / (best_f + best_b) * 1e-9);
    free(x), free(W), free(b), free(dy), free(y), free(dx), free(dW), free(db), free(scratch);
}

int main(int argc, char **argv)
{
    static const bcase cases[] = {
        {"(a) 1->6 3x3 pad 1, 8x8, B 64", 1, 6, 8, 3, 1, 1, 64},
        {"(b) 6->16 3x3 pad 1, 4x4, B 64", 6, 16, 4, 3, 1, 1, 64},
        {"(c) 16->16 3x3 pad 1, 32x32, B 32", 16, 16, 32, 3, 1, 1, 32},
        {"(d) 32->64 3x3 stride 2, 16x16, B 32", 32, 64, 16, 3, 2, 1, 32},
    };
    gg_isa isa = gg_isa_best();
    gg_err err;
    if (argc > 1 && gg_isa_parse(argv[1], &isa, &err) != GG_OK) {
        printf("%s\n", err.msg);
        return 1;
    }
    printf("isa: %s\n", gg_isa_name(isa));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        bench(isa, &cases[i]);
    return 0;
}
