/* tests/bench/bench_step.c — microseconds per training step through the core API (make bench).
 *
 * One step is what a PyTorch loop does: zero_grad, copy the next batch into the model's
 * input, forward, cross-entropy loss (mean) into gg_model_dout, backward, optimizer step
 * (Adam lr 1e-3 for the seed MLP and Linear 10-2; SGD lr 0.01 momentum 0.9 for the two
 * larger MLPs).
 * Batches are fresh: POOL_ROWS random rows and labels are generated once and walked
 * sequentially, one rep using each row exactly once (no wrap inside a timed region), so
 * the branch predictor cannot learn the ReLU masks of a few recycled batches. Every rep
 * (and the warm-up) restarts from the same initial parameters and a reset optimizer, so the
 * reps time the same 2000 steps: a long run gets slower as Adam's exp_avg of dead ReLU
 * units decays into subnormal floats, and continuing across reps would mix that drift into
 * the min/median spread.
 *
 * Usage: bench_step [reps [steps]]   (default 7 reps; 2000 steps for the small workloads,
 * fewer for the large ones so the pool stays under 100 MB; steps scales them all).
 * Output, two lines per workload (isa: the Linear kernel path, GGLAB_ISA):
 *   gglab <name> bs<B> <opt>: min X us/step, median Y us/step, Z GFLOP/s, isa <name>
 *   gglab <name> bs<B> <opt> cpu: min X us/step, median Y us/step
 * the first in wall-clock time, the second in the process's CPU time (CLOCK_PROCESS_CPUTIME_ID:
 * without the time other processes took the core away on a loaded machine).
 * GFLOP/s is at the min and counts matmul FLOPs only: forward 2*B*sum(in*out) and backward
 * twice that (dW and dx, counted even for the first layer, which has no dx). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

#include "gglab.h"

/* A loss config for the tests: kind and reduction, PyTorch's other defaults. */
#define LC(k, r) (&(gg_loss_cfg){.kind = (k), .reduction = (r), .ignore_index = -100})

#define DEFAULT_REPS 7
#define DEFAULT_STEPS 2000

typedef struct workload {
    const char *name;
    const gg_layer_spec *specs;
    size_t nspecs;
    size_t batch;
    size_t steps;   /* at the default 2000; scaled with the steps argument */
    int adam;       /* else SGD with momentum */
} workload;

static const gg_layer_spec mlp_specs[] = {
    {GG_LAYER_LINEAR, 10, 50, GG_ACT_RELU},
    {GG_LAYER_ACT, 0, 0, GG_ACT_RELU},
    {GG_LAYER_LINEAR, 50, 100, GG_ACT_RELU},
    {GG_LAYER_ACT, 0, 0, GG_ACT_RELU},
    {GG_LAYER_LINEAR, 100, 2, GG_ACT_RELU},
};
static const gg_layer_spec lin_specs[] = {
    {GG_LAYER_LINEAR, 10, 2, GG_ACT_RELU},
};
static const gg_layer_spec mid_specs[] = {
    {GG_LAYER_LINEAR, 64, 256, GG_ACT_RELU},
    {GG_LAYER_ACT, 0, 0, GG_ACT_RELU},
    {GG_LAYER_LINEAR, 256, 256, GG_ACT_RELU},
    {GG_LAYER_ACT, 0, 0, GG_ACT_RELU},
    {GG_LAYER_LINEAR, 256, 10, GG_ACT_RELU},
};
static const gg_layer_spec big_specs[] = {
    {GG_LAYER_LINEAR, 784, 512, GG_ACT_RELU},
    {GG_LAYER_ACT, 0, 0, GG_ACT_RELU},
    {GG_LAYER_LINEAR, 512, 512, GG_ACT_RELU},
    {GG_LAYER_ACT, 0, 0, GG_ACT_RELU},
    {GG_LAYER_LINEAR, 512, 10, GG_ACT_RELU},
};

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* The process's CPU time in microseconds. */
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
    fprintf(stderr, "bench_step: %s: %s\n", what, err->msg);
    exit(1);
}

/* One timed rep: from the initial parameters, steps optimizer steps over pool rows
 * [0, steps*B). Returns us/step in wall time, and in CPU time in *cpu. */
static double run_rep(gg_model *m, gg_optim *o, const float *X, const float *Y, size_t B,
                      size_t steps, double *loss_sum, double *cpu)
{
    const size_t in = gg_model_in(m), out = gg_model_out(m);
    gg_rng rng;
    gg_rng_seed(&rng, 1);
    gg_model_init_default(m, &rng);
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

/* The pool: rows of N(0,1) features, labels from a fixed linear rule with 10% label noise
 * (a learnable but not trivial task), as float class indices in [0, classes): the sign of
 * s = x0 - x1 + x2 - ... for two classes, bands of |s| for more. */
static void make_pool(float **X, float **Y, size_t rows, size_t in, size_t classes)
{
    *X = malloc(rows * in * sizeof **X);
    *Y = malloc(rows * sizeof **Y);
    if (!*X || !*Y) {
        fprintf(stderr, "bench_step: out of memory for %zu rows\n", rows);
        exit(1);
    }
    gg_rng rng;
    gg_rng_seed(&rng, 2024);
    for (size_t r = 0; r < rows; r++) {
        double s = 0.0;
        for (size_t j = 0; j < in; j++) {
            (*X)[r * in + j] = (float)gg_rng_normal(&rng);
            s += (double)(*X)[r * in + j] * (j % 2 ? -1.0 : 1.0);
        }
        size_t label = classes == 2 ? (size_t)(s > 0.0) : (size_t)(fabs(s) * 2.0) % classes;
        if (gg_rng_uniform(&rng) < 0.1)
            label = (label + 1) % classes;
        (*Y)[r] = (float)label;
    }
}

static void bench(const workload *w, size_t reps, size_t steps_arg)
{
    const size_t B = w->batch;
    size_t steps = w->steps * steps_arg / DEFAULT_STEPS;
    if (steps < 1)
        steps = 1;
    gg_err err;
    gg_model *m;
    gg_optim *o;
    if (gg_model_new(&m, w->specs, w->nspecs, &err))
        die("gg_model_new", &err);
    if (gg_model_reserve(m, B, &err))
        die("gg_model_reserve", &err);
    if (w->adam) {
        gg_adam_cfg cfg = gg_adam_defaults();
        cfg.lr = 1e-3;
        if (gg_optim_new(&o, GG_OPTIM_ADAM, &cfg, gg_model_nparams(m), &err))
            die("gg_optim_new", &err);
    } else {
        gg_sgd_cfg cfg = gg_sgd_defaults();
        cfg.lr = 0.01;
        cfg.momentum = 0.9;
        if (gg_optim_new(&o, GG_OPTIM_SGD, &cfg, gg_model_nparams(m), &err))
            die("gg_optim_new", &err);
    }
    float *X, *Y;
    make_pool(&X, &Y, steps * B, gg_model_in(m), gg_model_out(m));

    double flops_fwd = 0.0;
    for (size_t i = 0; i < w->nspecs; i++)
        if (w->specs[i].kind == GG_LAYER_LINEAR)
            flops_fwd += 2.0 * (double)B * (double)(w->specs[i].in * w->specs[i].out);
    const double flops = 3.0 * flops_fwd; // forward + backward (2x forward)

    double loss_sum = 0.0;
    double *t = malloc(2 * reps * sizeof *t), *c = t + reps;
    if (!t) {
        fprintf(stderr, "bench_step: out of memory\n");
        exit(1);
    }
    run_rep(m, o, X, Y, B, steps, &loss_sum, c); // warm-up: caches, page faults, CPU clocks
    for (size_t r = 0; r < reps; r++)
        t[r] = run_rep(m, o, X, Y, B, steps, &loss_sum, &c[r]);
    double min, med, cmin, cmed;
    min_median(t, reps, &min, &med);
    min_median(c, reps, &cmin, &cmed);
    printf("gglab %s bs%zu %s: min %.2f us/step, median %.2f us/step, %.2f GFLOP/s, isa %s\n",
           w->name, B, w->adam ? "adam" : "sgd", min, med, flops / (min * 1e3),
           gg_isa_name(gg_model_isa(m)));
    printf("gglab %s bs%zu %s cpu: min %.2f us/step, median %.2f us/step\n", w->name, B,
           w->adam ? "adam" : "sgd", cmin, cmed);
    fflush(stdout);
    if (!(loss_sum == loss_sum))
        fprintf(stderr, "bench_step: %s: loss is NaN\n", w->name);
    free(t);
    free(X);
    free(Y);
    gg_optim_free(o);
    gg_model_free(m);
}

int main(int argc, char **argv)
{
    size_t reps = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : DEFAULT_REPS;
    size_t steps = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : DEFAULT_STEPS;
    if (reps == 0 || steps == 0) {
        fprintf(stderr, "usage: bench_step [reps [steps]]\n");
        return 2;
    }
    const workload ws[] = {
        {"mlp_10_50_100_2", mlp_specs, sizeof mlp_specs / sizeof mlp_specs[0], 10, 2000, 1},
        {"linear_10_2", lin_specs, sizeof lin_specs / sizeof lin_specs[0], 10, 2000, 1},
        {"mlp_64_256_256_10", mid_specs, sizeof mid_specs / sizeof mid_specs[0], 64, 400, 0},
        {"mlp_784_512_512_10", big_specs, sizeof big_specs / sizeof big_specs[0], 128, 100, 0},
    };
    const char *only = getenv("BENCH_ONLY");  // a workload name, to time just that one
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
        if (!only || !strcmp(only, ws[i].name))
            bench(&ws[i], reps, steps);
    return 0;
}
