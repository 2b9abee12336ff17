/* tests/bench/bench_rnn.c — microseconds per LSTM training step through the graph API, the
 * recurrent layer alone (forward, backward), and the same step in libtorch when its peer
 * binary is given (make bench, make bench-seq and make bench-rnn run the two separately,
 * interleaved: tests/bench/run.sh).
 *
 * Workload (the same in tests/bench/bench_rnn_libtorch.cpp): x (16, 32, 32) batch-first,
 * LSTM(input 32, hidden 128, one layer), the last hidden state -> Linear(128, 10) ->
 * cross-entropy (mean), SGD lr 0.01. One step: zero_grad, copy the next batch into the
 * input, forward, loss into gg_model_dout, backward, SGD step. Batches are fresh: a pool of
 * standard normal inputs and uniform labels, generated once, walked batch by batch; every
 * rep restarts from the same parameters with a reset optimizer; one warm-up rep.
 * FLOP/step counts the matrix products: forward 2 B L 4H (I + H) + 2 B H 10, backward twice
 * that (MACs/sample: L 4H (I + H) + 10 H); GFLOP/s at the min.
 *
 * Usage: bench_rnn [reps [libtorch_binary]]   (default 7 reps). Output:
 *   gglab lstm model: params P, buffers U, lstm+linear MACs/sample M, FLOP/step F
 *   gglab lstm bs16 sgd: min X us/step, median Y us/step, Z GFLOP/s, isa <isa>
 *   gglab lstm bs16 sgd cpu: min X us/step, median Y us/step   (the process's CPU time)
 *   gglab lstm layer: fwd X us, bwd Y us (gg_rnn_forward / gg_rnn_backward alone, best)
 * then the peer's lines and "speedup vs libtorch: S x (min), S x (median)". */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gglab.h"

#define DEFAULT_REPS 7
#define STEPS 50
#define B 16
#define L 32
#define I 32
#define H 128
#define K 10

#define LC(k, r) (&(gg_loss_cfg){.kind = (k), .reduction = (r), .ignore_index = -100})

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void min_median(double *t, size_t n, double *min, double *med)
{
    qsort(t, n, sizeof *t, cmp_double);
    *min = t[0];
    *med = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static void die(const char *what, const gg_err *err)
{
    fprintf(stderr, "bench_rnn: %s: %s\n", what, err->msg);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_rnn: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static int layer(gg_graph *g, const gg_layer_cfg *c, int x)
{
    gg_err err;
    int node;
    if (gg_graph_layer(g, c, &x, 1, &node, &err))
        die("gg_graph_layer", &err);
    return node;
}

/* input (L, I) -> LSTM -> [:, -1] -> (B, H) -> Linear(H, K) */
static gg_model *build(void)
{
    gg_err err;
    gg_graph *g;
    if (gg_graph_new(&g, &err))
        die("gg_graph_new", &err);
    const gg_shape s = {.ndim = 2, .dim = {L, I}};
    int x;
    if (gg_graph_input(g, &s, 0, &x, &err))
        die("gg_graph_input", &err);
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_RNN);
    c.rnn_mode = GG_RNN_LSTM;
    c.in = I;
    c.out = H;
    x = layer(g, &c, x);
    c = gg_layer_defaults_of(GG_LAYER_SLICE);
    c.dim = 1;
    c.start = -1;
    x = layer(g, &c, x);
    c = gg_layer_defaults_of(GG_LAYER_VIEW);
    c.shape = (gg_shape){.ndim = 2, .dim = {GG_BATCH, H}};
    x = layer(g, &c, x);
    c = gg_layer_defaults_of(GG_LAYER_LINEAR);
    c.in = H;
    c.out = K;
    x = layer(g, &c, x);
    gg_model *m;
    if (gg_model_compile(&m, g, x, &err))
        die("gg_model_compile", &err);
    if (gg_model_reserve(m, B, &err))
        die("gg_model_reserve", &err);
    return m;
}

static double run_rep(gg_model *m, gg_optim *o, const float *X, const float *Y, double *loss_sum,
                      double *cpu)
{
    const size_t in = gg_model_in(m), out = gg_model_out(m);
    gg_rng rng;
    gg_rng_seed(&rng, 1);
    gg_model_init_default(m, &rng);
    gg_optim_reset(o);
    double sum = 0.0;
    double c0 = cpu_us(), t0 = now_us();
    for (size_t s = 0; s < STEPS; s++) {
        gg_model_zero_grad(m);
        memcpy(gg_model_input(m, B), X + s * B * in, B * in * sizeof(float));
        const float *pred = gg_model_run(m, B);
        float *dout = gg_model_dout(m);
        sum += (double)gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), dout, pred,
                                       Y + s * B, B, out);
        gg_model_backward(m, dout);
        gg_optim_step(o, gg_model_params(m), gg_model_grads(m));
    }
    double t1 = now_us(), c1 = cpu_us();
    *loss_sum += sum;
    *cpu = (c1 - c0) / (double)STEPS;
    return (t1 - t0) / (double)STEPS;
}

/* The recurrent layer alone: best of reps loops of 20 calls each. */
static void bench_layer(gg_isa isa, size_t reps)
{
    const gg_rnn_shape s = {GG_RNN_LSTM, I, H, L};
    const size_t GH = 4 * H;
    gg_rng r;
    gg_rng_seed(&r, 3);
    float *x = xmalloc(B * L * I * sizeof *x), *y = xmalloc(B * L * H * sizeof *y);
    float *dy = xmalloc(B * L * H * sizeof *dy), *dx = xmalloc(B * L * I * sizeof *dx);
    float *W = xmalloc((GH * (I + H) + 2 * GH) * sizeof *W), *dW = calloc(GH * (I + H) + 2 * GH, sizeof *dW);
    float *aux = xmalloc(gg_rnn_aux(&s, B) * sizeof *aux), *scr = xmalloc(gg_rnn_scratch(&s, B) * sizeof *scr);
    for (size_t k = 0; k < B * L * I; k++)
        x[k] = (float)gg_rng_normal(&r);
    for (size_t k = 0; k < B * L * H; k++)
        dy[k] = (float)(0.01 * gg_rng_normal(&r));
    for (size_t k = 0; k < GH * (I + H) + 2 * GH; k++)
        W[k] = (float)(0.08 * gg_rng_normal(&r));
    const float *Wih = W, *Whh = W + GH * I, *bih = Whh + GH * H, *bhh = bih + GH;
    float *dWih = dW, *dWhh = dW + GH * I, *dbih = dWhh + GH * H, *dbhh = dbih + GH;
    double best_f = 1e300, best_b = 1e300;
    for (size_t q = 0; q <= reps; q++) {
        double t0 = cpu_us();
        for (int k = 0; k < 20; k++)
            gg_rnn_forward(isa, y, aux, x, Wih, Whh, bih, bhh, scr, &s, B);
        double t1 = cpu_us();
        for (int k = 0; k < 20; k++)
            gg_rnn_backward(isa, dx, dWih, dWhh, dbih, dbhh, dy, x, y, aux, Wih, Whh, scr, &s, B);
        double t2 = cpu_us();
        if (q) {  // q = 0 warms up
            best_f = (t1 - t0) / 20 < best_f ? (t1 - t0) / 20 : best_f;
            best_b = (t2 - t1) / 20 < best_b ? (t2 - t1) / 20 : best_b;
        }
    }
    printf("gglab lstm layer: fwd %.2f us, bwd %.2f us (isa %s)\n", best_f, best_b, gg_isa_name(isa));
    free(x), free(y), free(dy), free(dx), free(W), free(dW), free(aux), free(scr);
}

/* Runs the libtorch peer, echoing its lines; its min and median us/step, 0 if none. */
static void run_peer(const char *bin, size_t reps, double *min, double *med)
{
    char cmd[1024];
    *min = *med = 0.0;
    snprintf(cmd, sizeof cmd, "%s %zu", bin, reps);
    FILE *p = popen(cmd, "r");
    if (!p) {
        fprintf(stderr, "bench_rnn: cannot run %s\n", bin);
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, p)) {
        fputs(line, stdout);
        double a, b;
        if (sscanf(line, "libtorch lstm bs16 sgd: min %lf us/step, median %lf us/step", &a, &b) == 2)
            *min = a, *med = b;
    }
    pclose(p);
}

int main(int argc, char **argv)
{
    size_t reps = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : DEFAULT_REPS;
    if (reps == 0) {
        fprintf(stderr, "usage: bench_rnn [reps [libtorch_binary]]\n");
        return 2;
    }
    gg_model *m = build();
    const double macs = (double)L * 4 * H * (I + H) + (double)H * K;
    const double flops = 3.0 * 2.0 * B * macs;
    printf("gglab lstm model: params %zu, buffers %zu, lstm+linear MACs/sample %.0f, FLOP/step %.0f\n",
           gg_model_nparams(m), gg_model_nbuffers(m), macs, flops);
    gg_err err;
    gg_sgd_cfg cfg = gg_sgd_defaults();
    cfg.lr = 0.01;
    gg_optim *o;
    if (gg_optim_new(&o, GG_OPTIM_SGD, &cfg, gg_model_nparams(m), &err))
        die("gg_optim_new", &err);
    const size_t in = gg_model_in(m), rows = STEPS * B;
    float *X = xmalloc(rows * in * sizeof *X), *Y = xmalloc(rows * sizeof *Y);
    gg_rng rng;
    gg_rng_seed(&rng, 2024);
    for (size_t k = 0; k < rows * in; k++)
        X[k] = (float)gg_rng_normal(&rng);
    for (size_t k = 0; k < rows; k++) {
        size_t label = (size_t)(gg_rng_uniform(&rng) * K);
        Y[k] = (float)(label > K - 1 ? K - 1 : label);
    }
    double loss_sum = 0.0;
    double *t = xmalloc(2 * reps * sizeof *t), *c = t + reps;
    run_rep(m, o, X, Y, &loss_sum, c);
    for (size_t r = 0; r < reps; r++)
        t[r] = run_rep(m, o, X, Y, &loss_sum, &c[r]);
    double min, med, cmin, cmed;
    min_median(t, reps, &min, &med);
    min_median(c, reps, &cmin, &cmed);
    printf("gglab lstm bs%d sgd: min %.2f us/step, median %.2f us/step, %.2f GFLOP/s, isa %s\n", B,
           min, med, flops / (min * 1e3), gg_isa_name(gg_model_isa(m)));
    printf("gglab lstm bs%d sgd cpu: min %.2f us/step, median %.2f us/step\n", B, cmin, cmed);
    if (!(loss_sum == loss_sum))
        fprintf(stderr, "bench_rnn: loss is NaN\n");
    fflush(stdout);
    bench_layer(gg_model_isa(m), reps);
    fflush(stdout);
    if (argc > 2 && argv[2][0]) {
        double pmin, pmed;
        run_peer(argv[2], reps, &pmin, &pmed);
        if (pmin > 0.0)
            printf("speedup vs libtorch: %.2f x (min), %.2f x (median)\n", pmin / min, pmed / med);
    }
    free(t), free(X), free(Y);
    gg_optim_free(o);
    gg_model_free(m);
    return 0;
}
