/* tests/test_ensemble.c — lockstep ensembles (core/ensemble.h): K = 1, 3, 16, 17 runs with
 * their own data, seeds, learning rates, shuffling and optimizer options, trained together
 * and one by one (gg_train_batches), on every instruction-set path; parameters,
 * gradients, optimizer state, step counts, per-step losses and lrs and the epoch results
 * must be equal bit for bit, over two epochs, with one lane diverging mid-epoch (or none:
 * the "plain adam" cases keep full blocks on the kernels' fast Adam path throughout). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ensemble.h"
#include "gglab.h"

#define LIN(i, o) {GG_LAYER_LINEAR, (i), (o), GG_ACT_RELU}
#define ACT(a) {GG_LAYER_ACT, 0, 0, (a)}
#define MAXK 17
#define NROWS 47
#define BATCH 10
#define NSTEPS ((NROWS + BATCH - 1) / BATCH)

typedef struct config {
    const char *name;
    const gg_layer_spec *spec;
    size_t nspec;
    gg_optim_kind kind;
    int amsgrad, momentum, nesterov;
    gg_loss_kind loss;
    int nobias;  /* the first Linear without bias */
    int plain;   /* Adam only, no weight decay, AdamW or amsgrad lanes (the kernels' fast
                    path while every lane steps); 2: and no diverging lane */
} config;

static const gg_layer_spec seed_mlp[] = {LIN(10, 50), ACT(GG_ACT_RELU), LIN(50, 100), ACT(GG_ACT_RELU),
                                         LIN(100, 2)};
static const gg_layer_spec mixed[] = {LIN(10, 13), ACT(GG_ACT_TANH), LIN(13, 9), ACT(GG_ACT_SIGMOID),
                                      LIN(9, 7), ACT(GG_ACT_LEAKY_RELU), LIN(7, 2)};
static const gg_layer_spec smooth[] = {LIN(10, 11), ACT(GG_ACT_GELU), LIN(11, 6), ACT(GG_ACT_SILU),
                                       LIN(6, 2), ACT(GG_ACT_IDENTITY)};

static gg_model *build(const config *c, uint64_t seed)
{
    gg_layer_cfg cfgs[16];
    for (size_t i = 0; i < c->nspec; i++)
        cfgs[i] = gg_layer_defaults(c->spec[i]);
    if (c->nobias)
        cfgs[0].bias = 0;
    gg_model *m = NULL;
    gg_err err;
    if (gg_model_new_cfg(&m, cfgs, c->nspec, &err) != GG_OK) {
        printf("gg_model_new_cfg: %s\n", err.msg);
        return NULL;
    }
    gg_rng r;
    gg_rng_seed(&r, seed);
    gg_model_init_default(m, &r);
    return m;
}

/* Run k's optimizer: its own lr and options; lane 1 of K > 1 gets an lr that diverges. */
static gg_optim *optim(const config *c, const gg_model *m, size_t k, size_t K)
{
    gg_optim *o = NULL;
    gg_err err;
    const int wild = K > 1 && k == 1 && c->plain != 2;
    // Every fourth run flips momentum (SGD) or amsgrad (Adam), every third Adam run is AdamW
    // (AdamW runs Adam): they join the same ensemble.
    const int flip = k % 4 == 3;
    if (c->kind == GG_OPTIM_SGD) {
        const int mom = c->momentum != flip;
        gg_sgd_cfg s = {.lr = wild ? 1e6 : 0.01 + 0.003 * (double)k,
                        .momentum = mom ? 0.5 + 0.02 * (double)k : 0.0,
                        .dampening = mom && !c->nesterov && k % 3 == 2 ? 0.25 : 0.0,
                        .weight_decay = k % 2 ? 1e-3 * (double)k : 0.0, .nesterov = mom && c->nesterov};
        if (gg_optim_new(&o, GG_OPTIM_SGD, &s, gg_model_nparams(m), &err))
            printf("sgd: %s\n", err.msg);
    } else {
        const gg_optim_kind kind = k % 3 == 2 && !c->plain
                                       ? (c->kind == GG_OPTIM_ADAM ? GG_OPTIM_ADAMW : GG_OPTIM_ADAM)
                                       : c->kind;
        gg_adam_cfg a = kind == GG_OPTIM_ADAMW ? gg_adamw_defaults() : gg_adam_defaults();
        a.lr = wild ? 1e30 : 1e-3 * (1.0 + (double)k);
        a.beta1 = 0.9 - 0.01 * (double)(k % 4);
        a.beta2 = 0.999 - 0.001 * (double)(k % 3);
        a.eps = k % 5 == 4 ? 0.0 : 1e-8;
        a.weight_decay = k % 2 && !c->plain ? 1e-2 : 0.0;
        a.amsgrad = c->plain ? 0 : c->amsgrad != flip;
        if (gg_optim_new(&o, kind, &a, gg_model_nparams(m), &err))
            printf("adam: %s\n", err.msg);
    }
    return o;
}

static gg_dataset *data(const config *c, size_t k)
{
    gg_rng r;
    gg_err err;
    gg_dataset *ds = NULL;
    gg_rng_seed(&r, 1000 + k);
    if (c->loss == GG_LOSS_CROSS_ENTROPY) {
        gg_blobs_cfg b = {.n = NROWS, .features = 10, .classes = 2, .spread = 1.0, .separation = 3.0};
        if (gg_data_blobs(&ds, &b, &r, &err))
            printf("blobs: %s\n", err.msg);
    } else {
        gg_regression_cfg g = {.n = NROWS, .features = 10, .outputs = 2, .x = GG_X_NORMAL,
                               .scale = 1.0 + 0.1 * (double)k, .noise = 0.1, .bias = 0.5};
        if (gg_data_regression(&ds, &g, &r, &err))
            printf("regression: %s\n", err.msg);
    }
    return ds;
}

static int same_bits(const void *a, const void *b, size_t bytes)
{
    return (a == NULL && b == NULL) || (a && b && memcmp(a, b, bytes) == 0);
}

/* One configuration at K lanes on isa: two epochs both ways, compared. */
static void run_case(const config *c, gg_isa isa, size_t K)
{
    gg_model *ms[MAXK] = {0}, *me[MAXK] = {0};
    gg_optim *os[MAXK] = {0}, *oe[MAXK] = {0};
    gg_dataset *ds[MAXK] = {0};
    size_t idx[MAXK][NROWS], counts[NSTEPS];
    float ls[MAXK][NSTEPS], le[MAXK][NSTEPS];
    double rs[MAXK][NSTEPS], re[MAXK][NSTEPS];
    gg_err err;
    int ok = 1;
    for (size_t k = 0; k < K; k++) {
        ms[k] = build(c, 7 + k);
        me[k] = build(c, 7 + k);
        ds[k] = data(c, k);
        if (!ms[k] || !me[k] || !ds[k] || gg_model_set_isa(ms[k], isa, &err)) {
            ok = 0;
            break;
        }
        os[k] = optim(c, ms[k], k, K);
        oe[k] = optim(c, me[k], k, K);
        ok = ok && os[k] && oe[k];
    }
    char name[200];
    snprintf(name, sizeof name, "%s, %s, K = %zu: set up", c->name, gg_isa_name(isa), K);
    if (!CHECK(name, ok))
        goto done;
    gg_train_cfg tc = {.batch_size = BATCH};
    tc.loss = gg_loss_defaults(c->loss);
    int all = 1;
    for (int epoch = 0; epoch < 2; epoch++) {
        gg_ens_run runs[MAXK];
        size_t nb = 0;
        for (size_t k = 0; k < K; k++) {
            gg_train_cfg pc = tc;
            pc.shuffle = k % 2 == 0;  // mixed shuffling
            gg_rng r;
            gg_rng_seed(&r, 50 + k + 100 * (size_t)epoch);
            nb = gg_train_plan(&pc, NROWS, &r, idx[k], counts);
            gg_step_log log = {.loss = ls[k], .lr = rs[k]};
            gg_epoch_result res;
            memset(ls[k], 0, sizeof ls[k]);
            memset(le[k], 0, sizeof le[k]);
            memset(rs[k], 0, sizeof rs[k]);
            memset(re[k], 0, sizeof re[k]);
            if (gg_train_batches(ms[k], os[k], ds[k], &tc, idx[k], counts, nb, &log, &res, &err))
                printf("solo: %s\n", err.msg);
            runs[k] = (gg_ens_run){.m = me[k], .o = oe[k], .ds = ds[k], .loss = tc.loss,
                                   .idx = idx[k], .loss_log = le[k], .lr_log = re[k]};
            runs[k].res = res;  // overwritten by the ensemble; kept below for the comparison
        }
        gg_epoch_result solo[MAXK];
        for (size_t k = 0; k < K; k++)
            solo[k] = runs[k].res;
        if (gg_ensemble_train(isa, runs, K, counts, nb, &err)) {
            printf("ensemble: %s\n", err.msg);
            all = 0;
            break;
        }
        for (size_t k = 0; k < K; k++) {
            const size_t np = gg_model_nparams(ms[k]);
            int same = runs[k].res.steps == solo[k].steps && runs[k].res.diverged == solo[k].diverged &&
                       same_bits(&runs[k].res.mean_loss, &solo[k].mean_loss, sizeof(double));
            same = same && same_bits(ls[k], le[k], sizeof ls[k]) && same_bits(rs[k], re[k], sizeof rs[k]);
            same = same && same_bits(gg_model_params(ms[k]), gg_model_params(me[k]), np * sizeof(float));
            same = same && same_bits(gg_model_grads(ms[k]), gg_model_grads(me[k]), np * sizeof(float));
            for (int j = 0; j < 3; j++)
                same = same && same_bits(gg_optim_buffer(os[k], j), gg_optim_buffer(oe[k], j),
                                         np * sizeof(float));
            same = same && gg_optim_steps(os[k]) == gg_optim_steps(oe[k]) &&
                   gg_optim_started(os[k]) == gg_optim_started(oe[k]);
            if (!same) {
                printf("    epoch %d, run %zu differs (steps %zu/%zu, diverged %d/%d, loss %.9g/%.9g)\n",
                       epoch + 1, k + 1, solo[k].steps, runs[k].res.steps, solo[k].diverged,
                       runs[k].res.diverged, solo[k].mean_loss, runs[k].res.mean_loss);
                all = 0;
            }
        }
    }
    snprintf(name, sizeof name, "%s, %s, K = %zu: two epochs bit-identical to solo", c->name,
             gg_isa_name(isa), K);
    CHECK(name, all);
    if (K > 1 && c->kind != GG_OPTIM_SGD && c->plain != 2) {
        // The wild lane diverged within the first epoch, after at least one step.
        snprintf(name, sizeof name, "%s, %s, K = %zu: lane 2 diverged mid-epoch", c->name,
                 gg_isa_name(isa), K);
        CHECK(name, gg_optim_steps(oe[1]) >= 1 && gg_optim_steps(oe[1]) < 2 * NSTEPS);
    }
done:
    for (size_t k = 0; k < K; k++) {
        gg_model_free(ms[k]);
        gg_model_free(me[k]);
        gg_optim_free(os[k]);
        gg_optim_free(oe[k]);
        gg_dataset_free(ds[k]);
    }
}

static void test_keys(void)
{
    const config c = {"seed", seed_mlp, 5, GG_OPTIM_ADAM, 0, 0, 0, GG_LOSS_MSE, 0, 0};
    gg_model *a = build(&c, 1), *b = build(&c, 2);
    gg_optim *oa = optim(&c, a, 0, 1), *ob = optim(&c, b, 3, 4);
    char ka[256], kb[256];
    CHECK("seed MLP with Adam joins", a && b && oa && ob && gg_ensemble_key(a, oa, ka, sizeof ka) &&
                                          gg_ensemble_key(b, ob, kb, sizeof kb));
    CHECK("keys ignore seeds and hyper-parameters", strcmp(ka, kb) == 0);
    CHECK_CONTAINS("key names the layers", ka, "linear 50 relu linear 100 relu linear 2");
    gg_optim *rms = NULL;
    gg_rmsprop_cfg rc = gg_rmsprop_defaults();
    gg_err err;
    if (a && gg_optim_new(&rms, GG_OPTIM_RMSPROP, &rc, gg_model_nparams(a), &err) == GG_OK) {
        CHECK("rmsprop does not join", !gg_ensemble_key(a, rms, ka, sizeof ka));
        CHECK_CONTAINS("its reason", ka, "optimizer rmsprop");
    }
    const gg_layer_spec bn[] = {LIN(10, 8), {GG_LAYER_BATCHNORM, 8, 8, GG_ACT_RELU}, LIN(8, 2)};
    gg_model *mb = NULL;
    if (gg_model_new(&mb, bn, 3, &err) == GG_OK) {
        gg_optim *o = optim(&c, mb, 0, 1);
        CHECK("batchnorm does not join", o && !gg_ensemble_key(mb, o, ka, sizeof ka));
        printf("    (reason: %s)\n", ka);
        gg_optim_free(o);
    }
    gg_model_free(mb);
    gg_optim_free(rms);
    gg_model_free(a);
    gg_model_free(b);
    gg_optim_free(oa);
    gg_optim_free(ob);
}

int main(void)
{
    const config cases[] = {
        {"seed MLP, adam, mse", seed_mlp, 5, GG_OPTIM_ADAM, 0, 0, 0, GG_LOSS_MSE, 0, 0},
        {"tanh/sigmoid/leaky, adamw amsgrad, cross_entropy", mixed, 7, GG_OPTIM_ADAMW, 1, 0, 0,
         GG_LOSS_CROSS_ENTROPY, 1, 0},
        {"gelu/silu, adam amsgrad, mse", smooth, 6, GG_OPTIM_ADAM, 1, 0, 0, GG_LOSS_MSE, 0, 0},
        {"tanh/sigmoid/leaky, sgd nesterov, mse", mixed, 7, GG_OPTIM_SGD, 0, 1, 1, GG_LOSS_MSE, 0, 0},
        {"seed MLP, sgd momentum+dampening, cross_entropy", seed_mlp, 5, GG_OPTIM_SGD, 0, 1, 0,
         GG_LOSS_CROSS_ENTROPY, 0, 0},
        {"gelu/silu, plain sgd, mse", smooth, 6, GG_OPTIM_SGD, 0, 0, 0, GG_LOSS_MSE, 1, 0},
        {"seed MLP, plain adam, cross_entropy", seed_mlp, 5, GG_OPTIM_ADAM, 0, 0, 0,
         GG_LOSS_CROSS_ENTROPY, 0, 1},
        {"tanh/sigmoid/leaky, plain adam, no divergence, mse", mixed, 7, GG_OPTIM_ADAM, 0, 0, 0,
         GG_LOSS_MSE, 1, 2},
        {"seed MLP, plain adam, no divergence, mse", seed_mlp, 5, GG_OPTIM_ADAM, 0, 0, 0,
         GG_LOSS_MSE, 0, 2},
    };
    const size_t Ks[] = {1, 3, 16, 17};
    test_keys();
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa)) {
            printf("skip: the %s path (not supported on this CPU or build)\n", gg_isa_name((gg_isa)isa));
            continue;
        }
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
            for (size_t i = 0; i < sizeof Ks / sizeof Ks[0]; i++)
                run_case(&cases[c], (gg_isa)isa, Ks[i]);
    }
    return CHECK_DONE();
}
