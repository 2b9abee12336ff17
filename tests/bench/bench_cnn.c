/* tests/bench/bench_cnn.c — microseconds per CNN training step through the graph API, and
 * the GFLOP/s of each distinct conv layer of those models (make bench).
 *
 * Workloads: exactly the models of tests/bench/bench_cnn_torch.py and bench_cnn_libtorch.cpp
 * (tests/bench/CNN.md), built with gg_graph_input / gg_graph_layer / gg_model_compile:
 *   lenet   1x8x8, batch 64, SGD lr 0.01 momentum 0.9: conv3x3(1,6,p1) ReLU maxpool2
 *           conv3x3(6,16,p1) ReLU maxpool2 flatten Linear(64,120) ReLU Linear(120,84) ReLU
 *           Linear(84,10); 19,754 parameters
 *   resnet  3x32x32, batch 32, SGD lr 0.05 momentum 0.9: stem conv3x3(3,16,p1, no bias) BN
 *           ReLU; BasicBlocks (16->16,s1) (16->32,s2) (32->32,s1) (32->64,s2) (conv3x3 BN
 *           ReLU conv3x3 BN, + x or a 1x1 conv + BN shortcut, ReLU); adaptive average pool
 *           to 1x1, flatten, Linear(64,10); 96,602 parameters and 800 BatchNorm buffers
 * One step is the peers' loop: zero_grad, copy the next batch into the input, forward,
 * cross-entropy (mean) through gg_loss_forward into gg_model_dout, backward, SGD step.
 * Batches are fresh: a pool of standard normal inputs and uniform labels, generated once,
 * is walked batch by batch, each rep using every batch once; every rep (and the warm-up)
 * restarts from the same initial parameters and BatchNorm buffers with a reset optimizer.
 *
 * Conv layers: each distinct conv shape of the two models (with its batch, and with dx only
 * where the model computes it: not for the first conv) is timed alone, gg_conv_forward and
 * gg_conv_backward on random data, best of CONV_REPS loops of ~CONV_SECONDS of the process's
 * CPU time (not counting preemption on a loaded machine), hot caches.
 *
 * Usage: bench_cnn [reps]   (default 7). BENCH_ONLY=lenet|resnet (one step), steps (both
 * steps), conv (the conv layers alone) runs a part.
 * Output (the peers' format for the steps, so report.lua pairs them):
 *   gglab <name> model: params P, buffers U, conv+linear MACs/sample M, FLOP/step F
 *   gglab <name> bs<B> sgd: min X us/step, median Y us/step, Z GFLOP/s, isa <isa>
 *   gglab <name> bs<B> sgd cpu: min X us/step, median Y us/step   (the process's CPU time)
 *   gglab conv <name>.<layer> <desc> bs<B> x<count>: fwd X us, bwd Y us, Z GFLOP/s
 *   gglab convsum <name>: T us/step in conv layers (fwd+bwd, timed alone), Z GFLOP/s
 * FLOP/step counts conv and Linear layers only: forward 2*MACs, backward twice that (as the
 * peers, also where no dx is computed); GFLOP/s at the min. A conv line's GFLOP/s counts
 * what that layer computes: forward, dW and (when needed) dx, 2*MACs each. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conv.h"
#include "gglab.h"

#define DEFAULT_REPS 7
#define CONV_REPS 7
#define CONV_SECONDS 0.02
#define MAX_CONVS 16

/* A loss config: kind and reduction, PyTorch's other defaults. */
#define LC(k, r) (&(gg_loss_cfg){.kind = (k), .reduction = (r), .ignore_index = -100})

/* A conv layer of a model as the bench times it alone. */
typedef struct conv_rec {
    char name[16];        /* "conv1", "b2.conv1", "b2.short", ... */
    gg_conv_shape s;
    int has_bias, needs_dx;
} conv_rec;

/* The model being built: the graph, the conv layers met, MACs per sample. */
typedef struct builder {
    gg_graph *g;
    conv_rec convs[MAX_CONVS];
    size_t nconvs;
    double macs;
} builder;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* The process's CPU time in microseconds (without the time other processes took the core
 * away on a loaded machine). */
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

/* Sorts t[0..n) and gives its min and median. */
static void min_median(double *t, size_t n, double *min, double *med)
{
    qsort(t, n, sizeof *t, cmp_double);
    *min = t[0];
    *med = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static void die(const char *what, const gg_err *err)
{
    fprintf(stderr, "bench_cnn: %s: %s\n", what, err->msg);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_cnn: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static int layer(builder *b, const gg_layer_cfg *c, int x)
{
    gg_err err;
    int node;
    if (gg_graph_layer(b->g, c, &x, 1, &node, &err))
        die("gg_graph_layer", &err);
    return node;
}

/* Conv2d(cin, cout, k, stride, padding) on node x; records its shape and MACs. */
static int conv(builder *b, const char *name, int x, size_t cin, size_t cout, size_t k,
                size_t stride, size_t pad, int bias, int first)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_CONV);
    c.spatial = 2;
    c.in = cin;
    c.out = cout;
    c.kernel[0] = c.kernel[1] = k;
    c.stride[0] = c.stride[1] = stride;
    c.pad0[0] = c.pad0[1] = c.pad1[0] = c.pad1[1] = pad;
    c.bias = bias;
    const gg_shape xs = gg_graph_shape(b->g, x);
    int y = layer(b, &c, x);
    const gg_shape ys = gg_graph_shape(b->g, y);
    if (b->nconvs == MAX_CONVS) {
        fprintf(stderr, "bench_cnn: more than %d conv layers\n", MAX_CONVS);
        exit(1);
    }
    conv_rec *r = &b->convs[b->nconvs++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->s = (gg_conv_shape){.cin = cin, .cout = cout, .groups = 1, .ih = xs.dim[2],
                           .iw = xs.dim[3], .kh = k, .kw = k, .sh = stride, .sw = stride,
                           .ph0 = pad, .ph1 = pad, .pw0 = pad, .pw1 = pad, .dh = 1, .dw = 1};
    r->has_bias = bias;
    r->needs_dx = !first;
    b->macs += (double)(ys.dim[1] * ys.dim[2] * ys.dim[3]) * (double)(cin * k * k);
    return y;
}

static int relu(builder *b, int x)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_ACT);
    c.act = GG_ACT_RELU;
    return layer(b, &c, x);
}

static int bn2d(builder *b, int x, size_t C)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_BATCHNORM);
    c.spatial = 2;
    c.in = C;
    return layer(b, &c, x);
}

static int maxpool2(builder *b, int x)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_POOL);
    c.spatial = 2;
    c.pool_max = 1;
    c.kernel[0] = c.kernel[1] = 2;
    return layer(b, &c, x);
}

static int linear(builder *b, int x, size_t in, size_t out)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_LINEAR);
    c.in = in;
    c.out = out;
    b->macs += (double)(in * out);
    return layer(b, &c, x);
}

static int flatten(builder *b, int x)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_VIEW);
    c.shape = (gg_shape){.ndim = 2, .dim = {GG_BATCH, (size_t)-1}};
    return layer(b, &c, x);
}

static int add(builder *b, int x, int y)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_BINARY);
    c.op = GG_OPS_ADD;
    const int in[2] = {x, y};
    gg_err err;
    int node;
    if (gg_graph_layer(b->g, &c, in, 2, &node, &err))
        die("gg_graph_layer (add)", &err);
    return node;
}

static int input(builder *b, size_t C, size_t H, size_t W)
{
    const gg_shape s = {.ndim = 3, .dim = {C, H, W}};
    gg_err err;
    int node;
    if (gg_graph_new(&b->g, &err))
        die("gg_graph_new", &err);
    if (gg_graph_input(b->g, &s, 0, &node, &err))
        die("gg_graph_input", &err);
    return node;
}

static int build_lenet(builder *b)
{
    int x = input(b, 1, 8, 8);
    x = maxpool2(b, relu(b, conv(b, "conv1", x, 1, 6, 3, 1, 1, 1, 1)));
    x = maxpool2(b, relu(b, conv(b, "conv2", x, 6, 16, 3, 1, 1, 1, 0)));
    x = flatten(b, x);
    x = relu(b, linear(b, x, 64, 120));
    x = relu(b, linear(b, x, 120, 84));
    return linear(b, x, 84, 10);
}

/* torchvision's BasicBlock as bench_cnn_torch.py writes it: parameters in the order
 * conv1, bn1, conv2, bn2, shortcut (PyTorch's named_parameters). */
static int basic_block(builder *b, int x, int k, size_t cin, size_t cout, size_t stride)
{
    char n1[16], n2[16], ns[16];
    snprintf(n1, sizeof n1, "b%d.conv1", k);
    snprintf(n2, sizeof n2, "b%d.conv2", k);
    snprintf(ns, sizeof ns, "b%d.short", k);
    int h = relu(b, bn2d(b, conv(b, n1, x, cin, cout, 3, stride, 1, 0, 0), cout));
    h = bn2d(b, conv(b, n2, h, cout, cout, 3, 1, 1, 0, 0), cout);
    int sc = x;
    if (stride != 1 || cin != cout)
        sc = bn2d(b, conv(b, ns, x, cin, cout, 1, stride, 0, 0, 0), cout);
    return relu(b, add(b, h, sc));
}

static int build_resnet(builder *b)
{
    int x = input(b, 3, 32, 32);
    x = relu(b, bn2d(b, conv(b, "stem", x, 3, 16, 3, 1, 1, 0, 1), 16));
    static const size_t blocks[4][3] = {{16, 16, 1}, {16, 32, 2}, {32, 32, 1}, {32, 64, 2}};
    for (int k = 0; k < 4; k++)
        x = basic_block(b, x, k + 1, blocks[k][0], blocks[k][1], blocks[k][2]);
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_ADAPTIVE_AVG_POOL);
    c.spatial = 2;
    c.out_size[0] = c.out_size[1] = 1;
    x = flatten(b, layer(b, &c, x));
    return linear(b, x, 64, 10);
}

typedef struct workload {
    const char *name;
    int (*build)(builder *b);
    size_t batch, steps;
    double lr;
} workload;

/* One timed rep from the initial parameters and buffers: steps SGD steps over pool rows
 * [0, steps*B). Returns us/step in wall time, and in CPU time in *cpu. */
static double run_rep(gg_model *m, gg_optim *o, const float *X, const float *Y, size_t B,
                      size_t steps, double *loss_sum, double *cpu)
{
    const size_t in = gg_model_in(m), out = gg_model_out(m);
    gg_rng rng;
    gg_rng_seed(&rng, 1);
    gg_model_init_default(m, &rng);  // also resets BatchNorm's running statistics
    gg_optim_reset(o);
    double sum = 0.0;
    double c0 = cpu_us(), t0 = now_us();
    for (size_t s = 0; s < steps; s++) {
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
    *cpu = (c1 - c0) / (double)steps;
    return (t1 - t0) / (double)steps;
}

/* Times each distinct conv shape of b alone (forward, then backward with dW, db when the
 * layer has a bias, dx when the model needs it); prints one line per shape and the sum
 * over the model's conv layers. */
static void bench_convs(const char *model, const builder *b, size_t B, gg_isa isa)
{
    double total_us = 0.0, total_flop = 0.0;
    int done[MAX_CONVS] = {0};
    for (size_t i = 0; i < b->nconvs; i++) {
        if (done[i])
            continue;
        const conv_rec *r = &b->convs[i];
        size_t count = 0;
        for (size_t j = i; j < b->nconvs; j++) {
            const conv_rec *q = &b->convs[j];
            if (!memcmp(&q->s, &r->s, sizeof q->s) && q->has_bias == r->has_bias &&
                q->needs_dx == r->needs_dx) {
                done[j] = 1;
                count++;
            }
        }
        gg_conv_shape s = r->s;
        gg_err err;
        if (gg_conv_check(&s, &err))
            die("gg_conv_check", &err);
        const size_t nx = B * s.cin * s.ih * s.iw, ny = B * s.cout * s.oh * s.ow;
        const size_t nw = s.cout * s.cin * s.kh * s.kw;
        gg_rng rng;
        gg_rng_seed(&rng, 7);
        float *x = xmalloc(nx * sizeof *x), *dx = xmalloc(nx * sizeof *dx);
        float *y = xmalloc(ny * sizeof *y), *dy = xmalloc(ny * sizeof *dy);
        float *W = xmalloc(nw * sizeof *W), *dW = xmalloc(nw * sizeof *dW);
        float *bias = xmalloc(s.cout * sizeof *bias), *db = xmalloc(s.cout * sizeof *db);
        float *scratch = xmalloc(gg_conv_scratch(&s, B) * sizeof *scratch);
        for (size_t k = 0; k < nx; k++)
            x[k] = (float)gg_rng_normal(&rng);
        for (size_t k = 0; k < ny; k++)
            dy[k] = (float)gg_rng_normal(&rng) * 1e-3f;
        for (size_t k = 0; k < nw; k++)
            W[k] = (float)gg_rng_normal(&rng) * 0.1f;
        for (size_t k = 0; k < s.cout; k++)
            bias[k] = 0.0f;
        memset(dW, 0, nw * sizeof *dW);
        memset(db, 0, s.cout * sizeof *db);
        const float *bp = r->has_bias ? bias : NULL;
        float *dbp = r->has_bias ? db : NULL, *dxp = r->needs_dx ? dx : NULL;
        // Calibrate one loop of forward + backward to ~CONV_SECONDS.
        size_t iters = 1;
        for (;;) {
            double t0 = cpu_us();
            for (size_t it = 0; it < iters; it++) {
                gg_conv_forward(isa, y, x, W, bp, scratch, &s, B);
                gg_conv_backward(isa, dxp, 0, dW, dbp, dy, x, W, scratch, &s, B);
            }
            if (cpu_us() - t0 > CONV_SECONDS * 1e6 || iters > (1u << 20))
                break;
            iters *= 2;
        }
        double best_f = 1e30, best_b = 1e30;
        for (int rep = 0; rep < CONV_REPS; rep++) {
            double t0 = cpu_us();
            for (size_t it = 0; it < iters; it++)
                gg_conv_forward(isa, y, x, W, bp, scratch, &s, B);
            double t1 = cpu_us();
            for (size_t it = 0; it < iters; it++)
                gg_conv_backward(isa, dxp, 0, dW, dbp, dy, x, W, scratch, &s, B);
            double t2 = cpu_us();
            if ((t1 - t0) / (double)iters < best_f)
                best_f = (t1 - t0) / (double)iters;
            if ((t2 - t1) / (double)iters < best_b)
                best_b = (t2 - t1) / (double)iters;
        }
        const double f1 = 2.0 * (double)B * (double)(s.oh * s.ow) * (double)nw;
        const double flop = f1 * (r->needs_dx ? 3.0 : 2.0);
        char desc[96];
        snprintf(desc, sizeof desc, "%zu->%zu_k%zu_s%zu_p%zu_%zux%zu%s", s.cin, s.cout, s.kh, s.sh,
                 s.ph0, s.ih, s.iw, r->needs_dx ? "" : "_nodx");
        printf("gglab conv %s.%s %s bs%zu x%zu: fwd %.2f us, bwd %.2f us, %.2f GFLOP/s\n", model,
               r->name, desc, B, count, best_f, best_b, flop / ((best_f + best_b) * 1e3));
        fflush(stdout);
        total_us += (double)count * (best_f + best_b);
        total_flop += (double)count * flop;
        free(x), free(dx), free(y), free(dy), free(W), free(dW), free(bias), free(db);
        free(scratch);
    }
    printf("gglab convsum %s: %.2f us/step in conv layers (fwd+bwd, timed alone, CPU time), %.2f GFLOP/s\n",
           model, total_us, total_flop / (total_us * 1e3));
    fflush(stdout);
}

static void bench(const workload *w, size_t reps, int steps_on, int convs_on)
{
    const size_t B = w->batch;
    builder b;
    memset(&b, 0, sizeof b);
    const int out = w->build(&b);
    gg_err err;
    gg_model *m;
    if (gg_model_compile(&m, b.g, out, &err))
        die("gg_model_compile", &err);
    if (gg_model_reserve(m, B, &err))
        die("gg_model_reserve", &err);
    const double flops = 3.0 * 2.0 * (double)B * b.macs;
    printf("gglab %s model: params %zu, buffers %zu, conv+linear MACs/sample %.0f, FLOP/step %.0f\n",
           w->name, gg_model_nparams(m), gg_model_nbuffers(m), b.macs, flops);
    fflush(stdout);
    if (steps_on) {
        gg_sgd_cfg cfg = gg_sgd_defaults();
        cfg.lr = w->lr;
        cfg.momentum = 0.9;
        gg_optim *o;
        if (gg_optim_new(&o, GG_OPTIM_SGD, &cfg, gg_model_nparams(m), &err))
            die("gg_optim_new", &err);
        const size_t in = gg_model_in(m), rows = w->steps * B;
        float *X = xmalloc(rows * in * sizeof *X), *Y = xmalloc(rows * sizeof *Y);
        gg_rng rng;
        gg_rng_seed(&rng, 2024);
        for (size_t k = 0; k < rows * in; k++)
            X[k] = (float)gg_rng_normal(&rng);
        for (size_t k = 0; k < rows; k++) {
            size_t label = (size_t)(gg_rng_uniform(&rng) * 10.0);
            Y[k] = (float)(label > 9 ? 9 : label);
        }
        double loss_sum = 0.0;
        double *t = xmalloc(2 * reps * sizeof *t), *c = t + reps;
        run_rep(m, o, X, Y, B, w->steps, &loss_sum, c);  // warm-up: caches, page faults, clocks
        for (size_t r = 0; r < reps; r++)
            t[r] = run_rep(m, o, X, Y, B, w->steps, &loss_sum, &c[r]);
        double min, med, cmin, cmed;
        min_median(t, reps, &min, &med);
        min_median(c, reps, &cmin, &cmed);
        printf("gglab %s bs%zu sgd: min %.2f us/step, median %.2f us/step, %.2f GFLOP/s, isa %s\n",
               w->name, B, min, med, flops / (min * 1e3), gg_isa_name(gg_model_isa(m)));
        printf("gglab %s bs%zu sgd cpu: min %.2f us/step, median %.2f us/step\n", w->name, B, cmin,
               cmed);
        fflush(stdout);
        if (!(loss_sum == loss_sum))
            fprintf(stderr, "bench_cnn: %s: loss is NaN\n", w->name);
        free(t);
        free(X);
        free(Y);
        gg_optim_free(o);
    }
    if (convs_on)
        bench_convs(w->name, &b, B, gg_model_isa(m));
    gg_model_free(m);
}

int main(int argc, char **argv)
{
    size_t reps = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : DEFAULT_REPS;
    if (reps == 0) {
        fprintf(stderr, "usage: bench_cnn [reps]\n");
        return 2;
    }
    static const workload ws[] = {
        {"lenet", build_lenet, 64, 400, 0.01},
        {"resnet", build_resnet, 32, 20, 0.05},
    };
    // BENCH_ONLY: lenet or resnet (that step alone), steps (both steps), conv (the conv layers)
    const char *only = getenv("BENCH_ONLY");
    const int conv_only = only && !strcmp(only, "conv"), steps_only = only && !strcmp(only, "steps");
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
        if (!only || conv_only || steps_only || !strcmp(only, ws[i].name))
            bench(&ws[i], reps, !conv_only, !only || conv_only);
    return 0;
}
