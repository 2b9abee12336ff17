/* tests/bench/bench_step.c — microseconds per training step through the core API (make bench).
 *
 * One step is what a PyTorch loop does: zero_grad, copy the next batch into the model's
 * input, forward, cross-entropy loss (mean) into gg_model_dout, backward, Adam step.
 * Batches are fresh: POOL_ROWS random rows and labels are generated once and walked
 * sequentially, one rep using each row exactly once (no wrap inside a timed region), so
 * the branch predictor cannot learn the ReLU masks of a few recycled batches. Every rep
 * (and the warm-up) restarts from the same initial parameters and a reset optimizer, so the
 * reps time the same 2000 steps: a long run gets slower as Adam's exp_avg of dead ReLU
 * units decays into subnormal floats, and continuing across reps would mix that drift into
 * the min/median spread.
 *
 * Usage: bench_step [reps [steps]]   (default 7 reps x 2000 steps after one warm-up rep).
 * Output, one line per workload:
 *   gglab <name> bs10 adam: min X us/step, median Y us/step, Z GFLOP/s
 * GFLOP/s is at the min and counts matmul FLOPs only: forward 2*B*sum(in*out) and backward
 * twice that (dW and dx, counted even for the first layer, which has no dx). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gglab.h"

/* A loss config for the tests: kind and reduction, PyTorch's other defaults. */
#define LC(k, r) (&(gg_loss_cfg){.kind = (k), .reduction = (r), .ignore_index = -100})

#define BATCH 10
#define DEFAULT_REPS 7
#define DEFAULT_STEPS 2000

typedef struct workload {
    const char *name;
    const gg_layer_spec *specs;
    size_t nspecs;
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

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const char *what, const gg_err *err)
{
    fprintf(stderr, "bench_step: %s: %s\n", what, err->msg);
    exit(1);
}

/* One timed rep: from the initial parameters, steps optimizer steps over pool rows
 * [0, steps*BATCH). Returns us/step. */
static double run_rep(gg_model *m, gg_optim *o, const float *X, const float *Y, size_t steps,
                      double *loss_sum)
{
    const size_t in = gg_model_in(m), out = gg_model_out(m);
    gg_rng rng;
    gg_rng_seed(&rng, 1);
    gg_model_init_default(m, &rng);
    gg_optim_reset(o);
    double sum = 0.0;
    double t0 = now_us();
    for (size_t s = 0; s < steps; s++) {
        gg_model_zero_grad(m);
        memcpy(gg_model_input(m, BATCH), X + s * BATCH * in, BATCH * in * sizeof(float));
        const float *pred = gg_model_run(m, BATCH);
        float *dout = gg_model_dout(m);
        sum += (double)gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), dout, pred,
                                       Y + s * BATCH, BATCH, out);
        gg_model_backward(m, dout);
        gg_optim_step(o, gg_model_params(m), gg_model_grads(m));
    }
    double t1 = now_us();
    *loss_sum += sum;
    return (t1 - t0) / (double)steps;
}

static void bench(const workload *w, const float *X, const float *Y, size_t reps, size_t steps)
{
    gg_err err;
    gg_model *m;
    gg_optim *o;
    if (gg_model_new(&m, w->specs, w->nspecs, &err))
        die("gg_model_new", &err);
    if (gg_model_reserve(m, BATCH, &err))
        die("gg_model_reserve", &err);
    gg_adam_cfg cfg = gg_adam_defaults();
    cfg.lr = 1e-3;
    if (gg_optim_new(&o, GG_OPTIM_ADAM, &cfg, gg_model_nparams(m), &err))
        die("gg_optim_new", &err);

    double flops_fwd = 0.0;
    for (size_t i = 0; i < w->nspecs; i++)
        if (w->specs[i].kind == GG_LAYER_LINEAR)
            flops_fwd += 2.0 * BATCH * (double)(w->specs[i].in * w->specs[i].out);
    const double flops = 3.0 * flops_fwd; // forward + backward (2x forward)

    double loss_sum = 0.0;
    double *t = malloc(reps * sizeof *t);
    if (!t) {
        fprintf(stderr, "bench_step: out of memory\n");
        exit(1);
    }
    run_rep(m, o, X, Y, steps, &loss_sum); // warm-up: caches, page faults, CPU clocks
    for (size_t r = 0; r < reps; r++)
        t[r] = run_rep(m, o, X, Y, steps, &loss_sum);
    qsort(t, reps, sizeof *t, cmp_double);
    double min = t[0];
    double med = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
    printf("gglab %s bs%d adam: min %.2f us/step, median %.2f us/step, %.2f GFLOP/s\n",
           w->name, BATCH, min, med, flops / (min * 1e3));
    if (!(loss_sum == loss_sum))
        fprintf(stderr, "bench_step: %s: loss is NaN\n", w->name);
    free(t);
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
    // The pool: steps*BATCH rows of N(0,1) features, labels from a fixed linear rule with
    // 10% label noise (a learnable but not trivial task), stored as float class indices.
    const size_t rows = steps * BATCH, in = 10;
    float *X = malloc(rows * in * sizeof *X), *Y = malloc(rows * sizeof *Y);
    if (!X || !Y) {
        fprintf(stderr, "bench_step: out of memory for %zu rows\n", rows);
        return 1;
    }
    gg_rng rng;
    gg_rng_seed(&rng, 2024);
    for (size_t r = 0; r < rows; r++) {
        double s = 0.0;
        for (size_t j = 0; j < in; j++) {
            X[r * in + j] = (float)gg_rng_normal(&rng);
            s += (double)X[r * in + j] * (j % 2 ? -1.0 : 1.0);
        }
        int label = s > 0.0;
        if (gg_rng_uniform(&rng) < 0.1)
            label = !label;
        Y[r] = (float)label;
    }

    const workload ws[] = {
        {"mlp_10_50_100_2", mlp_specs, sizeof mlp_specs / sizeof mlp_specs[0]},
        {"linear_10_2", lin_specs, sizeof lin_specs / sizeof lin_specs[0]},
    };
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
        bench(&ws[i], X, Y, reps, steps);
    free(X);
    free(Y);
    return 0;
}
