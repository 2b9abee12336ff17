/* tests/bench/bench_attn.c — microseconds per training step of a small GPT-style transformer
 * through the graph API (not part of make test; make bench, make bench-seq and make
 * bench-attn run it interleaved with its libtorch peer, tests/bench/bench_seq_libtorch.cpp,
 * which builds the same model and loop: tests/bench/run.sh, tests/bench/SEQ.md).
 *
 * Workload: vocab 65, context 64, batch 16, d_model 64, 4 heads, dim_feedforward 256, 2
 * Pre-LN causal blocks (x + attn(LN(x)); x + W2 gelu(W1 LN(x))), a final LayerNorm and a
 * linear head to 65 logits; Adam (lr 1e-3), cross-entropy (mean) over the B*64 positions.
 * Tokens enter as ids through an Embedding(65, 64), plus a learned (64, 64) positional
 * parameter.
 * Attention is the fused kernel on the packed in_proj output (core/attention.h).
 * One step: zero_grad, copy the next batch into the input, forward, cross-entropy through
 * gg_loss_forward into gg_model_dout, backward, Adam step; fresh batches from a pool of
 * uniform random tokens; every rep restarts from the same parameters with a reset optimizer.
 *
 * Two variants: the feed-forward activation ReLU (nn.TransformerEncoderLayer's default) and
 * GELU (exact erf; GPT's).
 *
 * Usage: bench_attn [reps [relu|gelu|kernel]] (default 7, both variants; kernel: the kernel
 * alone, ten times, for profiling). Output per variant <name>
 * (gpt2l_relu, gpt2l_gelu):
 *   gglab <name> model: params P, buffers U, linear+attention MACs/sample M, FLOP/step F
 *   gglab <name> bs16 adam: min X us/step, median Y us/step, Z GFLOP/s, isa <isa>
 *   gglab <name> bs16 adam cpu: min X us/step, median Y us/step
 *   gglab <name> phases: forward X us, loss Y us, backward Z us, adam W us (one step)
 * and gglab attention kernel: X us forward, Y us backward (one layer's shapes, alone). */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attention.h"
#include "gglab.h"

enum { V = 65, T = 64, BATCH = 16, D = 64, H = 4, FF = 256, NLAYERS = 2, STEPS = 40 };

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
    fprintf(stderr, "bench_attn: %s: %s\n", what, err->msg);
    exit(1);
}

static gg_graph *G;

static int layer(const gg_layer_cfg *c, const int *in, int nin)
{
    gg_err err;
    int node;
    if (gg_graph_layer(G, c, in, nin, &node, &err))
        die("gg_graph_layer", &err);
    return node;
}

static int linear(int x, size_t in, size_t out)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_LINEAR);
    c.in = in;
    c.out = out;
    return layer(&c, &x, 1);
}

static int layernorm(int x, size_t d)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_LAYERNORM);
    c.shape = (gg_shape){.ndim = 1, .dim = {d}};
    return layer(&c, &x, 1);
}

static int add(int a, int b)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_BINARY);
    c.op = GG_OPS_ADD;
    int in[2] = {a, b};
    return layer(&c, in, 2);
}

static gg_act ACT;

static int act(int x)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_ACT);
    c.act = ACT;
    c.ap = gg_act_defaults(ACT);
    return layer(&c, &x, 1);
}

static int attention(int qkv)
{
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_ATTENTION);
    c.heads = H;
    c.causal = 1;
    c.attn_packed = 1;
    return layer(&c, &qkv, 1);
}

static int build(void)
{
    gg_err err;
    if (gg_graph_new(&G, &err))
        die("gg_graph_new", &err);
    int x, pos, tok;
    gg_shape s = {.ndim = 1, .dim = {T}};
    gg_graph_input(G, &s, 0, &x, &err);
    gg_shape ps = {.ndim = 2, .dim = {T, D}};
    gg_init ni = gg_init_for(GG_INIT_NORMAL);
    if (gg_graph_param(G, &ps, &ni, 1, &pos, &err))
        die("gg_graph_param", &err);
    gg_layer_cfg ec = gg_layer_defaults_of(GG_LAYER_EMBEDDING);
    ec.in = V;
    ec.out = D;
    tok = layer(&ec, &x, 1);
    int h = add(tok, pos);
    for (int l = 0; l < NLAYERS; l++) {
        int a = linear(attention(linear(layernorm(h, D), D, 3 * D)), D, D);
        h = add(h, a);
        int f = linear(act(linear(layernorm(h, D), D, FF)), FF, D);
        h = add(h, f);
    }
    return linear(layernorm(h, D), D, V);
}

/* Multiply-adds per sample of the Linear layers and the two attention products. */
static double macs(void)
{
    double lin = (double)T * (NLAYERS * (D * 3 * D + D * D + 2 * D * FF) + D * V);
    double att = (double)NLAYERS * 2.0 * T * T * D;
    return lin + att;
}

static double run_rep(gg_model *m, gg_optim *o, const float *X, const float *Y, size_t steps,
                      double *loss_sum, double *cpu, double phase[4])
{
    const size_t in = gg_model_in(m);
    gg_rng rng;
    gg_rng_seed(&rng, 1);
    gg_model_init_default(m, &rng);
    gg_optim_reset(o);
    double sum = 0.0;
    double c0 = cpu_us(), t0 = now_us();
    for (size_t s = 0; s < steps; s++) {
        double p0 = now_us();
        gg_model_zero_grad(m);
        memcpy(gg_model_input(m, BATCH), X + s * BATCH * in, BATCH * in * sizeof(float));
        const float *pred = gg_model_run(m, BATCH);
        double p1 = now_us();
        float *dout = gg_model_dout(m);
        sum += (double)gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), dout, pred,
                                       Y + s * BATCH * T, BATCH * T, V);
        double p2 = now_us();
        gg_model_backward(m, dout);
        double p3 = now_us();
        gg_optim_step(o, gg_model_params(m), gg_model_grads(m));
        double p4 = now_us();
        if (phase) {
            phase[0] += p1 - p0, phase[1] += p2 - p1, phase[2] += p3 - p2, phase[3] += p4 - p3;
        }
    }
    double t1 = now_us(), c1 = cpu_us();
    *loss_sum += sum;
    *cpu = (c1 - c0) / (double)steps;
    return (t1 - t0) / (double)steps;
}

/* The attention kernel alone on one layer's shapes, best of 7 loops of 20 calls (CPU time). */
static void bench_kernel(void)
{
    gg_attn_shape s = {.Lq = T, .Lk = T, .H = H, .D = D / H, .Dv = D / H, .q_stride = 3 * D,
                       .k_stride = 3 * D, .v_stride = 3 * D, .causal = 1, .p = 0.0,
                       .scale = 1.0f / sqrtf((float)(D / H))};
    const size_t nx = (size_t)BATCH * T * 3 * D, ny = (size_t)BATCH * T * D;
    float *x = malloc(nx * sizeof *x), *dx = malloc(nx * sizeof *dx), *y = malloc(ny * sizeof *y);
    float *dy = malloc(ny * sizeof *dy), *aux = malloc(gg_attention_aux(&s, BATCH) * sizeof *aux);
    float *scr = malloc(gg_attention_scratch(&s) * sizeof *scr);
    gg_rng r;
    gg_rng_seed(&r, 3);
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)gg_rng_normal(&r);
    for (size_t i = 0; i < ny; i++)
        dy[i] = (float)gg_rng_normal(&r);
    double bf = 1e30, bb = 1e30;
    for (int rep = 0; rep < 7; rep++) {  // the process's CPU time: robust on a loaded machine
        double t0 = cpu_us();
        for (int k = 0; k < 20; k++)
            gg_attention_forward(&s, BATCH, y, aux, x, x + D, x + 2 * D, NULL, NULL, NULL, scr, NULL);
        double t1 = cpu_us();
        for (int k = 0; k < 20; k++)
            gg_attention_backward(&s, BATCH, dx, 0, dx + D, 0, dx + 2 * D, 0, dy, aux, 0, x, x + D,
                                  x + 2 * D, scr);
        double t2 = cpu_us();
        bf = (t1 - t0) / 20 < bf ? (t1 - t0) / 20 : bf;
        bb = (t2 - t1) / 20 < bb ? (t2 - t1) / 20 : bb;
    }
    printf("gglab attention kernel: %.1f us forward, %.1f us backward (the kernel alone, one layer)\n",
           bf, bb);
    free(x);
    free(dx);
    free(y);
    free(dy);
    free(aux);
    free(scr);
}

static void bench(size_t reps, const char *name)
{
    const int out = build();
    gg_err err;
    gg_model *m;
    if (gg_model_compile(&m, G, out, &err))
        die("gg_model_compile", &err);
    if (gg_model_reserve(m, BATCH, &err))
        die("gg_model_reserve", &err);
    const double flops = 3.0 * 2.0 * BATCH * macs();
    printf("gglab %s model: params %zu, buffers %zu, linear+attention MACs/sample %.0f, FLOP/step %.0f\n",
           name, gg_model_nparams(m), gg_model_nbuffers(m), macs(), flops);
    gg_adam_cfg cfg = gg_adam_defaults();
    cfg.lr = 1e-3;
    gg_optim *o;
    if (gg_optim_new(&o, GG_OPTIM_ADAM, &cfg, gg_model_nparams(m), &err))
        die("gg_optim_new", &err);
    const size_t rows = (size_t)STEPS * BATCH, in = gg_model_in(m);
    float *X = calloc(rows * in, sizeof *X), *Y = malloc(rows * T * sizeof *Y);
    gg_rng rng;
    gg_rng_seed(&rng, 2024);
    for (size_t r = 0; r < rows; r++)
        for (size_t t = 0; t < T; t++) {
            size_t tok = (size_t)(gg_rng_uniform(&rng) * V);
            X[r * in + t] = (float)(tok < V ? tok : V - 1);
            size_t tgt = (size_t)(gg_rng_uniform(&rng) * V);
            Y[r * T + t] = (float)(tgt < V ? tgt : V - 1);
        }
    double loss_sum = 0.0, *t = malloc(2 * reps * sizeof *t), *c = t + reps, phase[4] = {0, 0, 0, 0};
    run_rep(m, o, X, Y, STEPS, &loss_sum, c, NULL);  // warm-up
    for (size_t r = 0; r < reps; r++)
        t[r] = run_rep(m, o, X, Y, STEPS, &loss_sum, &c[r], r == 0 ? phase : NULL);
    double min, med, cmin, cmed;
    min_median(t, reps, &min, &med);
    min_median(c, reps, &cmin, &cmed);
    printf("gglab %s bs%d adam: min %.2f us/step, median %.2f us/step, %.2f GFLOP/s, isa %s\n",
           name, BATCH, min, med, flops / (min * 1e3), gg_isa_name(gg_model_isa(m)));
    printf("gglab %s bs%d adam cpu: min %.2f us/step, median %.2f us/step\n", name, BATCH, cmin, cmed);
    printf("gglab %s phases: forward %.1f us, loss %.1f us, backward %.1f us, adam %.1f us (one step)\n",
           name, phase[0] / STEPS, phase[1] / STEPS, phase[2] / STEPS, phase[3] / STEPS);
    fflush(stdout);
    if (!(loss_sum == loss_sum))
        fprintf(stderr, "bench_attn: loss is NaN\n");
    free(t);
    free(X);
    free(Y);
    gg_optim_free(o);
    gg_model_free(m);
}

int main(int argc, char **argv)
{
    size_t reps = argc > 1 ? (size_t)atoi(argv[1]) : 7;
    if (reps < 1)
        reps = 1;
    const char *only = argc > 2 ? argv[2] : "";
    if (!strcmp(only, "kernel")) {
        for (int k = 0; k < 10; k++)
            bench_kernel();
        return 0;
    }
    if (strcmp(only, "gelu")) {
        ACT = GG_ACT_RELU;
        bench(reps, "gpt2l_relu");
    }
    if (strcmp(only, "relu")) {
        ACT = GG_ACT_GELU;
        bench(reps, "gpt2l_gelu");
    }
    if (!*only)
        bench_kernel();
    return 0;
}
