/* tests/bench/bench_ensemble.c — microseconds per run-step of the seed MLP 10-50-100-2,
 * batch 10, Adam (lr 1e-3 … per run), cross-entropy: K runs trained one after another
 * (gg_train_batches, what gg.train_epoch runs) against the same K runs as one lockstep
 * ensemble (gg_ensemble_train), on every instruction-set path this CPU has. No asserts:
 * timing only (docs/performance.md, "Lockstep ensembles").
 *
 * Each rep trains one epoch of STEPS steps of every run from the same initial state (fresh
 * models and optimizers, the same data and batch order), so reps time the same work.
 * Usage: bench_ensemble [reps [K [isa [solo|ensemble|both [E]]]]]   (default 7 reps, K = 16,
 * every path, both sides; one side only is for profiling: the other prints as 0). E: the
 * STEPS steps as calls of E steps each (epochs of E steps, as gg.train_epoch calls with
 * few batches make them; default STEPS), for the cost of interleaving per call.
 * Output per path: solo and ensemble min and median us per run-step (wall clock), and the
 * speed-up at the min. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gglab.h"

#define ROWS 1000
#define BATCH 10
#define STEPS (ROWS / BATCH)
#define MAXK 64

static const gg_layer_spec mlp[] = {
    {GG_LAYER_LINEAR, 10, 50, GG_ACT_RELU}, {GG_LAYER_ACT, 0, 0, GG_ACT_RELU},
    {GG_LAYER_LINEAR, 50, 100, GG_ACT_RELU}, {GG_LAYER_ACT, 0, 0, GG_ACT_RELU},
    {GG_LAYER_LINEAR, 100, 2, GG_ACT_RELU},
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct side {
    gg_model *m[MAXK];
    gg_optim *o[MAXK];
} side;

static int make(side *s, size_t K, gg_isa isa)
{
    gg_err err;
    for (size_t k = 0; k < K; k++) {
        gg_rng r;
        gg_rng_seed(&r, 7 + k);
        gg_adam_cfg a = gg_adam_defaults();
        a.lr = 1e-3 * (1.0 + 0.1 * (double)k);
        if (gg_model_new(&s->m[k], mlp, 5, &err) || gg_model_set_isa(s->m[k], isa, &err))
            return fprintf(stderr, "model: %s\n", err.msg), 1;
        gg_model_init_default(s->m[k], &r);
        if (gg_optim_new(&s->o[k], GG_OPTIM_ADAM, &a, gg_model_nparams(s->m[k]), &err))
            return fprintf(stderr, "optim: %s\n", err.msg), 1;
    }
    return 0;
}

static void drop(side *s, size_t K)
{
    for (size_t k = 0; k < K; k++) {
        gg_model_free(s->m[k]);
        gg_optim_free(s->o[k]);
        s->m[k] = NULL;
        s->o[k] = NULL;
    }
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 7;
    size_t K = argc > 2 ? (size_t)atoi(argv[2]) : 16;
    if (reps < 1 || K < 1 || K > MAXK)
        return fprintf(stderr, "usage: bench_ensemble [reps [K <= %d]]\n", MAXK), 2;
    gg_err err;
    gg_dataset *ds[MAXK];
    size_t idx[MAXK][ROWS], counts[STEPS];
    for (size_t k = 0; k < K; k++) {
        gg_blobs_cfg b = {.n = ROWS, .features = 10, .classes = 2, .spread = 1.0, .separation = 3.0};
        gg_rng r;
        gg_rng_seed(&r, 100 + k);
        if (gg_data_blobs(&ds[k], &b, &r, &err))
            return fprintf(stderr, "data: %s\n", err.msg), 1;
        gg_train_cfg pc = {.batch_size = BATCH, .shuffle = 1};
        gg_train_plan(&pc, ROWS, &r, idx[k], counts);
    }
    gg_train_cfg tc = {.batch_size = BATCH};
    tc.loss = gg_loss_defaults(GG_LOSS_CROSS_ENTROPY);
    float log[MAXK][STEPS];
    const int do_solo = argc <= 4 || strcmp(argv[4], "ensemble") != 0;
    const size_t E = argc > 5 ? (size_t)atoi(argv[5]) : STEPS;
    if (E < 1 || STEPS % E != 0)
        return fprintf(stderr, "E must divide %d\n", STEPS), 2;
    const int do_ens = argc <= 4 || strcmp(argv[4], "solo") != 0;
    for (int isa = GG_ISA_COUNT - 1; isa >= 0; isa--) {
        if (!gg_isa_supported((gg_isa)isa) || (argc > 3 && strcmp(argv[3], gg_isa_name((gg_isa)isa)) != 0))
            continue;
        double ts[1024], te[1024];
        for (int rep = 0; rep < reps && rep < 1024; rep++) {
            side s = {0}, e = {0};
            if (make(&s, K, (gg_isa)isa) || make(&e, K, (gg_isa)isa))
                return 1;
            gg_epoch_result res;
            double t0 = now();
            for (size_t k = 0; do_solo && k < K; k++)
                for (size_t c = 0; c < STEPS; c += E) {
                    gg_step_log lg = {.loss = log[k] + c};
                    if (gg_train_batches(s.m[k], s.o[k], ds[k], &tc, idx[k] + c * BATCH, counts + c, E,
                                         &lg, &res, &err))
                        return fprintf(stderr, "solo: %s\n", err.msg), 1;
                }
            double t1 = now();
            gg_ens_run runs[MAXK];
            double t2 = now();
            for (size_t c = 0; do_ens && c < STEPS; c += E) {
                for (size_t k = 0; k < K; k++)
                    runs[k] = (gg_ens_run){.m = e.m[k], .o = e.o[k], .ds = ds[k], .loss = tc.loss,
                                           .idx = idx[k] + c * BATCH, .loss_log = log[k] + c};
                if (gg_ensemble_train((gg_isa)isa, runs, K, counts + c, E, &err))
                    return fprintf(stderr, "ensemble: %s\n", err.msg), 1;
            }
            double t3 = now();
            ts[rep] = (t1 - t0) * 1e6 / (double)(K * STEPS);
            te[rep] = (t3 - t2) * 1e6 / (double)(K * STEPS);
            drop(&s, K);
            drop(&e, K);
        }
        const int n = reps < 1024 ? reps : 1024;
        qsort(ts, (size_t)n, sizeof *ts, cmp);
        qsort(te, (size_t)n, sizeof *te, cmp);
        printf("seed MLP 10-50-100-2 bs%d adam, %zu-step calls, %s: solo min %.2f median %.2f us/run-step; "
               "ensemble of %zu min %.2f median %.2f us/run-step; speed-up %.1fx\n",
               BATCH, E, gg_isa_name((gg_isa)isa), ts[0], ts[n / 2], K, te[0], te[n / 2], ts[0] / te[0]);
    }
    for (size_t k = 0; k < K; k++)
        gg_dataset_free(ds[k]);
    return 0;
}
