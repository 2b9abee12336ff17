/* tests/test_train.c — the epoch loop: config checks, learning on a regression problem,
 * divergence detection, steps per epoch (drop_last), the epoch's weighted mean loss, the
 * step order against a hand-written loop, gg_evaluate against a direct full-batch loss,
 * and bit-identical determinism. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "train.h"
#include "eval.h"

/* A loss config for the tests: kind and reduction, PyTorch's other defaults. */
#define LC(k, r) (&(gg_loss_cfg){.kind = (k), .reduction = (r), .ignore_index = -100})

#define LIN(i, o) {GG_LAYER_LINEAR, (i), (o), GG_ACT_RELU}
#define ACT(a) {GG_LAYER_ACT, 0, 0, (a)}

static gg_model *build(const gg_layer_spec *s, size_t n, uint64_t seed)
{
    gg_model *m = NULL;
    gg_err err;
    if (gg_model_new(&m, s, n, &err) != GG_OK) {
        printf("gg_model_new: %s\n", err.msg);
        return NULL;
    }
    gg_rng r;
    gg_rng_seed(&r, seed);
    gg_model_init_default(m, &r);
    return m;
}

static gg_optim *sgd(const gg_model *m, double lr, double momentum)
{
    gg_sgd_cfg c = {.lr = lr, .momentum = momentum};
    gg_optim *o = NULL;
    gg_err err;
    if (gg_optim_new(&o, GG_OPTIM_SGD, &c, gg_model_nparams(m), &err) != GG_OK)
        printf("gg_optim_new: %s\n", err.msg);
    return o;
}

static gg_dataset *regression(size_t n, size_t d, gg_xdist x, double scale, double noise, uint64_t seed)
{
    gg_regression_cfg c = {.n = n, .features = d, .outputs = 1, .x = x, .scale = scale,
                           .noise = noise, .w = NULL, .bias = 0.5};
    gg_rng r;
    gg_err err;
    gg_dataset *ds = NULL;
    gg_rng_seed(&r, seed);
    if (gg_data_regression(&ds, &c, &r, &err) != GG_OK)
        printf("gg_data_regression: %s\n", err.msg);
    return ds;
}

static gg_dataset *blobs(size_t n, size_t d, size_t classes, uint64_t seed)
{
    gg_blobs_cfg c = {.n = n, .features = d, .classes = classes, .spread = 1.0, .separation = 3.0};
    gg_rng r;
    gg_err err;
    gg_dataset *ds = NULL;
    gg_rng_seed(&r, seed);
    if (gg_data_blobs(&ds, &c, &r, &err) != GG_OK)
        printf("gg_data_blobs: %s\n", err.msg);
    return ds;
}

static void test_check(void)
{
    const gg_layer_spec s3_2[] = {LIN(3, 4), ACT(GG_ACT_TANH), LIN(4, 2)};
    gg_model *m = build(s3_2, 3, 1);
    gg_optim *o = m ? sgd(m, 0.1, 0.0) : NULL;
    gg_dataset *d4 = regression(20, 4, GG_X_NORMAL, 1.0, 0.0, 1);  // 4 features, 1 target
    gg_dataset *b3 = blobs(20, 3, 2, 2);                           // 3 features, classes 0..1
    gg_dataset *b3c5 = blobs(20, 3, 5, 3);                         // classes 0..4
    gg_dataset *t2 = NULL;
    gg_err err;
    gg_dataset_new(&t2, 20, 3, 2, 0, &err);                        // 3 features, 2 targets
    if (!m || !o || !d4 || !b3 || !b3c5 || !t2) {
        CHECK("fixtures build", 0);
        return;
    }
    gg_train_cfg c = {.loss = {.kind = GG_LOSS_MSE, .reduction = GG_REDUCE_MEAN, .ignore_index = -100}, .batch_size = 8, .shuffle = 1};

    CHECK_EQ("valid mse config", gg_train_check(&c, m, o, t2, &err), GG_OK);
    CHECK_EQ("valid without optimizer", gg_train_check(&c, m, NULL, t2, &err), GG_OK);
    memset(&err, 0, sizeof err);
    CHECK_EQ("feature mismatch is GG_ESHAPE", gg_train_check(&c, m, o, d4, &err), GG_ESHAPE);
    CHECK_CONTAINS("feature mismatch message", err.msg, "4 features");
    CHECK_CONTAINS("feature mismatch message names the model width", err.msg, "3 inputs");
    CHECK_EQ("mse with 1 target column for 2 outputs is GG_ESHAPE", gg_train_check(&c, m, o, b3, &err), GG_ESHAPE);
    CHECK_CONTAINS("target column message", err.msg, "target column");

    c.loss.kind = GG_LOSS_CROSS_ENTROPY;
    CHECK_EQ("cross_entropy with classes 0..1 for 2 outputs", gg_train_check(&c, m, o, b3, &err), GG_OK);
    CHECK_EQ("cross_entropy with 2 target columns is GG_ESHAPE", gg_train_check(&c, m, o, t2, &err), GG_ESHAPE);
    CHECK_CONTAINS("cross_entropy target columns message", err.msg, "cross_entropy");
    CHECK_EQ("cross_entropy class 4 for 2 outputs is GG_EINVAL", gg_train_check(&c, m, o, b3c5, &err), GG_EINVAL);
    CHECK_CONTAINS("class out of range message names the row", err.msg, "row");

    c.loss.kind = GG_LOSS_MSE;
    c.batch_size = 0;
    CHECK_EQ("batch_size 0 is GG_EINVAL", gg_train_check(&c, m, o, t2, &err), GG_EINVAL);
    CHECK_CONTAINS("batch_size message", err.msg, "batch_size");
    c.batch_size = 21;
    c.drop_last = 1;
    CHECK_EQ("drop_last with batch > n is GG_EINVAL", gg_train_check(&c, m, o, t2, &err), GG_EINVAL);
    c.drop_last = 0;
    CHECK_EQ("batch > n without drop_last is fine", gg_train_check(&c, m, o, t2, &err), GG_OK);

    const gg_layer_spec other[] = {LIN(3, 2)};
    gg_model *m2 = build(other, 1, 2);
    if (m2) {
        CHECK_EQ("optimizer size mismatch is GG_EINVAL", gg_train_check(&c, m2, o, t2, &err), GG_EINVAL);
        CHECK_CONTAINS("optimizer size message", err.msg, "parameters");
    }
    const gg_layer_spec one_out[] = {LIN(3, 1)};
    gg_model *m1 = build(one_out, 1, 2);
    gg_dataset *b3k = blobs(20, 3, 2, 4);
    c.loss.kind = GG_LOSS_CROSS_ENTROPY;
    if (m1 && b3k)
        CHECK_EQ("cross_entropy with 1 model output is GG_ESHAPE", gg_train_check(&c, m1, NULL, b3k, &err), GG_ESHAPE);
    gg_model_free(m1), gg_model_free(m2), gg_dataset_free(b3k);
    gg_model_free(m), gg_optim_free(o);
    gg_dataset_free(d4), gg_dataset_free(b3), gg_dataset_free(b3c5), gg_dataset_free(t2);
}

static void test_learns(void)
{
    // y = x w + 0.5 + N(0, 0.01^2), 3 features; a 3-16-1 tanh MLP with SGD(0.05, momentum 0.9).
    const gg_layer_spec s[] = {LIN(3, 16), ACT(GG_ACT_TANH), LIN(16, 1)};
    gg_model *m = build(s, 3, 11);
    gg_dataset *ds = regression(256, 3, GG_X_NORMAL, 1.0, 0.01, 12);
    gg_optim *o = m ? sgd(m, 0.05, 0.9) : NULL;
    if (!m || !ds || !o) {
        CHECK("fixtures build", 0);
        return;
    }
    gg_train_cfg c = {.loss = {.kind = GG_LOSS_MSE, .reduction = GG_REDUCE_MEAN, .ignore_index = -100}, .batch_size = 32, .shuffle = 1};
    gg_err err;
    gg_rng r;
    gg_rng_seed(&r, 13);
    double before, after, first = 0.0, last = 0.0;
    CHECK_EQ("train config valid", gg_train_check(&c, m, o, ds, &err), GG_OK);
    CHECK_EQ("evaluate before", gg_evaluate(m, ds, LC(GG_LOSS_MSE, GG_REDUCE_MEAN), 64, &before, &err), GG_OK);
    float losses[8];
    int ok = 1, finite = 1;
    for (int e = 0; e < 40; e++) {
        gg_epoch_result res;
        ok &= gg_train_epoch(m, o, ds, &c, &r, &(gg_step_log){.loss = losses}, &res, &err) == GG_OK;
        ok &= res.steps == 8 && !res.diverged;
        finite &= isfinite(res.mean_loss);
        if (e == 0)
            first = res.mean_loss;
        last = res.mean_loss;
    }
    CHECK("40 epochs ran 8 steps each without divergence", ok && finite);
    CHECK_EQ("optimizer counted 320 steps", gg_optim_steps(o), 320);
    CHECK_EQ("evaluate after", gg_evaluate(m, ds, LC(GG_LOSS_MSE, GG_REDUCE_MEAN), 64, &after, &err), GG_OK);
    char name[128];
    snprintf(name, sizeof name, "loss falls by > 100x over 40 epochs (%.4g -> %.4g)", before, after);
    CHECK(name, after < before / 100.0);
    snprintf(name, sizeof name, "epoch-1 loss %.4g above epoch-40 loss %.4g by > 30x", first, last);
    CHECK(name, last < first / 30.0);
    CHECK("final full-data loss is small (< 0.05)", after < 0.05);
    gg_model_free(m), gg_optim_free(o), gg_dataset_free(ds);
}

static void test_diverges(void)
{
    // Linear regression on x ~ U(0,10), full batch, lr = 1: |1 - 2 lr E[x^2]| ~ 60 per step.
    const gg_layer_spec s[] = {LIN(1, 1)};
    gg_model *m = build(s, 1, 21);
    gg_dataset *ds = regression(100, 1, GG_X_UNIFORM, 10.0, 0.0, 22);
    gg_optim *o = m ? sgd(m, 1.0, 0.0) : NULL;
    if (!m || !ds || !o) {
        CHECK("fixtures build", 0);
        return;
    }
    gg_train_cfg c = {.loss = {.kind = GG_LOSS_MSE, .reduction = GG_REDUCE_MEAN, .ignore_index = -100}, .batch_size = 100, .shuffle = 0};
    gg_err err;
    gg_epoch_result res = {0};
    float loss[1] = {0};
    int epoch = 0, prev_finite = 1;
    for (epoch = 1; epoch <= 100; epoch++) {
        loss[0] = 0.0f;
        if (gg_train_epoch(m, o, ds, &c, NULL, &(gg_step_log){.loss = loss}, &res, &err) != GG_OK)
            break;
        if (res.diverged)
            break;
        prev_finite &= isfinite(loss[0]) && isfinite(res.mean_loss);
    }
    char name[96];
    snprintf(name, sizeof name, "diverges within the first 30 epochs (at epoch %d)", epoch);
    CHECK(name, res.diverged == 1 && epoch <= 30);
    CHECK("losses before the diverging epoch were finite", prev_finite);
    CHECK("the recorded step loss is non-finite", !isfinite(loss[0]));
    CHECK_EQ("the diverging step is counted", res.steps, 1);
    CHECK("the epoch's mean loss is non-finite", !isfinite(res.mean_loss));
    CHECK_EQ("no optimizer step on the diverging batch", gg_optim_steps(o), epoch - 1);
    gg_model_free(m), gg_optim_free(o), gg_dataset_free(ds);
}

static void test_steps_and_mean(void)
{
    gg_train_cfg c = {.loss = {.kind = GG_LOSS_MSE, .reduction = GG_REDUCE_MEAN, .ignore_index = -100}, .batch_size = 32};
    CHECK_EQ("100 rows, batch 32: 4 steps", gg_train_steps_per_epoch(&c, 100), 4);
    CHECK_EQ("96 rows, batch 32: 3 steps", gg_train_steps_per_epoch(&c, 96), 3);
    CHECK_EQ("5 rows, batch 32: 1 step", gg_train_steps_per_epoch(&c, 5), 1);
    c.drop_last = 1;
    CHECK_EQ("100 rows, batch 32, drop_last: 3 steps", gg_train_steps_per_epoch(&c, 100), 3);
    CHECK_EQ("96 rows, batch 32, drop_last: 3 steps", gg_train_steps_per_epoch(&c, 96), 3);
    CHECK_EQ("31 rows, batch 32, drop_last: 0 steps", gg_train_steps_per_epoch(&c, 31), 0);

    const gg_layer_spec s[] = {LIN(2, 3), ACT(GG_ACT_RELU), LIN(3, 1)};
    gg_dataset *ds = regression(100, 2, GG_X_NORMAL, 1.0, 0.1, 31);
    gg_err err;
    for (int drop = 0; drop <= 1; drop++) {
        gg_model *m = build(s, 3, 32);
        gg_optim *o = m ? sgd(m, 0.01, 0.0) : NULL;
        if (!m || !o || !ds) {
            CHECK("fixtures build", 0);
            return;
        }
        c.drop_last = drop;
        c.shuffle = 1;
        gg_rng r;
        gg_rng_seed(&r, 33);
        float losses[5] = {-1, -1, -1, -1, -1};
        gg_epoch_result res;
        CHECK_EQ("epoch runs", gg_train_epoch(m, o, ds, &c, &r, &(gg_step_log){.loss = losses}, &res, &err), GG_OK);
        size_t want = drop ? 3 : 4;
        CHECK_EQ(drop ? "drop_last: 3 steps taken" : "no drop_last: 4 steps taken", res.steps, want);
        CHECK_EQ("optimizer stepped once per batch", gg_optim_steps(o), (long)want);
        CHECK("step losses written for each step, not beyond",
              losses[want - 1] >= 0.0f && losses[want] == -1.0f);
        // Batch-size-weighted mean: batches of 32, 32, 32 (+ 4).
        double wsum = 32.0 * ((double)losses[0] + (double)losses[1] + (double)losses[2]);
        double rows = 96.0;
        if (!drop)
            wsum += 4.0 * (double)losses[3], rows += 4.0;
        CHECK_REL(drop ? "drop_last: mean_loss weighted over 96 rows" : "mean_loss weighted by batch size (last batch of 4)",
                  res.mean_loss, wsum / rows, 1e-12);
        gg_model_free(m), gg_optim_free(o);
    }
    gg_dataset_free(ds);
}

/* One epoch without shuffling equals the PyTorch loop written out by hand. */
static void test_step_order(void)
{
    const gg_layer_spec s[] = {LIN(3, 5), ACT(GG_ACT_SIGMOID), LIN(5, 2)};
    gg_model *a = build(s, 3, 41), *b = build(s, 3, 41);
    gg_dataset *ds = blobs(50, 3, 2, 42);
    gg_adam_cfg ac = gg_adam_defaults();
    ac.lr = 0.05;
    gg_optim *oa = NULL, *ob = NULL;
    gg_err err;
    if (!a || !b || !ds || gg_optim_new(&oa, GG_OPTIM_ADAM, &ac, gg_model_nparams(a), &err) ||
        gg_optim_new(&ob, GG_OPTIM_ADAM, &ac, gg_model_nparams(b), &err)) {
        CHECK("fixtures build", 0);
        return;
    }
    gg_train_cfg c = {.loss = {.kind = GG_LOSS_CROSS_ENTROPY, .reduction = GG_REDUCE_MEAN, .ignore_index = -100}, .batch_size = 16};
    float la[4], lb[4];
    gg_epoch_result res;
    CHECK_EQ("epoch runs", gg_train_epoch(a, oa, ds, &c, NULL, &(gg_step_log){.loss = la}, &res, &err), GG_OK);
    const float *X = gg_dataset_x(ds).data, *Y = gg_dataset_y(ds).data;
    float dy[16 * 2];
    for (size_t st = 0; st < 4; st++) {
        size_t B = st < 3 ? 16 : 2;
        const float *y;
        gg_model_zero_grad(b);
        gg_model_forward(b, X + st * 16 * 3, B, &y, &err);
        lb[st] = gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), dy, y, Y + st * 16, B, 2);
        gg_model_backward(b, dy);
        gg_optim_step(ob, gg_model_params(b), gg_model_grads(b));
    }
    CHECK("epoch step losses equal the hand-written loop", memcmp(la, lb, sizeof la) == 0);
    CHECK("epoch parameters equal the hand-written loop",
          memcmp(gg_model_params(a), gg_model_params(b), gg_model_nparams(a) * sizeof(float)) == 0);
    CHECK("epoch gradients (last batch) equal the hand-written loop",
          memcmp(gg_model_grads(a), gg_model_grads(b), gg_model_nparams(a) * sizeof(float)) == 0);
    gg_model_free(a), gg_model_free(b), gg_optim_free(oa), gg_optim_free(ob), gg_dataset_free(ds);
}

static void test_evaluate(void)
{
    gg_err err;
    // MSE on a 2-output regression model, 300 rows, chunks not dividing n.
    const gg_layer_spec s[] = {LIN(4, 6), ACT(GG_ACT_TANH), LIN(6, 2)};
    gg_model *m = build(s, 3, 51);
    gg_regression_cfg rc = {.n = 300, .features = 4, .outputs = 2, .x = GG_X_NORMAL, .scale = 1.0, .noise = 0.3};
    gg_dataset *ds = NULL;
    gg_rng r;
    gg_rng_seed(&r, 52);
    gg_data_regression(&ds, &rc, &r, &err);
    if (!m || !ds) {
        CHECK("fixtures build", 0);
        return;
    }
    const float *y;
    gg_model_forward(m, gg_dataset_x(ds).data, 300, &y, &err);
    double direct = (double)gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), NULL, y, gg_dataset_y(ds).data, 300, 2);
    static const size_t chunks[] = {64, 7, 300, 1000, 0, 1};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        double ev = -1.0;
        char name[96];
        snprintf(name, sizeof name, "evaluate mse, chunk %zu = full-batch loss", chunks[i]);
        CHECK_EQ("evaluate ok", gg_evaluate(m, ds, LC(GG_LOSS_MSE, GG_REDUCE_MEAN), chunks[i], &ev, &err), GG_OK);
        CHECK_REL(name, ev, direct, 1e-6);
    }
    const float *P = gg_model_params(m);
    float before = P[0];
    double ev;
    gg_evaluate(m, ds, LC(GG_LOSS_MSE, GG_REDUCE_MEAN), 64, &ev, &err);
    CHECK("evaluate leaves parameters alone", P[0] == before);
    gg_model_free(m), gg_dataset_free(ds);

    // Cross-entropy: mean over rows (not rows * classes).
    const gg_layer_spec sc[] = {LIN(3, 5), ACT(GG_ACT_RELU), LIN(5, 4)};
    m = build(sc, 3, 53);
    ds = blobs(130, 3, 4, 54);
    if (m && ds) {
        gg_model_forward(m, gg_dataset_x(ds).data, 130, &y, &err);
        direct = (double)gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), NULL, y, gg_dataset_y(ds).data, 130, 4);
        CHECK_EQ("evaluate ce ok", gg_evaluate(m, ds, LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), 50, &ev, &err), GG_OK);
        CHECK_REL("evaluate cross_entropy, chunk 50 = full-batch loss", ev, direct, 1e-6);
    }
    gg_model_free(m), gg_dataset_free(ds);
}

/* Trains a fresh model for 3 epochs and returns its parameters (malloc'd). */
static float *train_run(uint64_t shuffle_seed, size_t *np)
{
    const gg_layer_spec s[] = {LIN(3, 8), ACT(GG_ACT_RELU), LIN(8, 4), ACT(GG_ACT_TANH), LIN(4, 1)};
    gg_model *m = build(s, 5, 61);
    gg_dataset *ds = regression(90, 3, GG_X_NORMAL, 1.0, 0.1, 62);
    gg_adam_cfg ac = gg_adam_defaults();
    gg_optim *o = NULL;
    gg_err err;
    float *out = NULL;
    if (m && ds && gg_optim_new(&o, GG_OPTIM_ADAM, &ac, gg_model_nparams(m), &err) == GG_OK) {
        gg_train_cfg c = {.loss = {.kind = GG_LOSS_MSE, .reduction = GG_REDUCE_MEAN, .ignore_index = -100}, .batch_size = 16, .shuffle = 1};
        gg_rng r;
        gg_rng_seed(&r, shuffle_seed);
        gg_epoch_result res;
        for (int e = 0; e < 3; e++)
            gg_train_epoch(m, o, ds, &c, &r, NULL, &res, &err);
        *np = gg_model_nparams(m);
        out = malloc(*np * sizeof *out);
        memcpy(out, gg_model_params(m), *np * sizeof *out);
    }
    gg_model_free(m), gg_optim_free(o), gg_dataset_free(ds);
    return out;
}

static void test_determinism(void)
{
    size_t n1 = 0, n2 = 0, n3 = 0;
    float *a = train_run(7, &n1), *b = train_run(7, &n2), *c = train_run(8, &n3);
    if (a && b && c && n1 == n2 && n1 == n3) {
        CHECK("same seeds: bit-identical parameters", memcmp(a, b, n1 * sizeof *a) == 0);
        CHECK("different shuffle seed: different parameters", memcmp(a, c, n1 * sizeof *a) != 0);
    } else {
        CHECK("determinism runs", 0);
    }
    free(a), free(b), free(c);
}

/* gg_eval_confusion against the argmax of a direct forward pass; its errors. */
static void test_confusion(void)
{
    gg_err err;
    const gg_layer_spec s[] = {LIN(3, 5), ACT(GG_ACT_RELU), LIN(5, 4)};
    gg_model *m = build(s, 3, 71);
    gg_dataset *ds = blobs(130, 3, 4, 72);
    if (!m || !ds) {
        CHECK("fixtures build", 0);
        gg_model_free(m), gg_dataset_free(ds);
        return;
    }
    const gg_loss_cfg *ce = LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN);
    CHECK_EQ("4 classes for 4 outputs", gg_confusion_classes(ce, 4), 4);
    double conf[16], want[16] = {0};
    size_t classes = 0;
    CHECK_EQ("confusion ok", gg_eval_confusion(m, ds, ce, 50, conf, &classes, &err), GG_OK);
    const float *y;
    gg_model_forward(m, gg_dataset_x(ds).data, 130, &y, &err);
    for (size_t r = 0; r < 130; r++) {
        size_t best = 0;
        for (size_t c = 1; c < 4; c++)
            best = y[r * 4 + c] > y[r * 4 + best] ? c : best;
        want[(size_t)gg_dataset_y(ds).data[r] * 4 + best] += 1.0;
    }
    CHECK("confusion = argmax counts of a full-batch forward", classes == 4 && memcmp(conf, want, sizeof conf) == 0);
    CHECK_EQ("confusion with mse", gg_eval_confusion(m, ds, LC(GG_LOSS_MSE, GG_REDUCE_MEAN), 50, conf, &classes, &err),
             GG_EINVAL);
    CHECK_CONTAINS("confusion with mse: message", err.msg, "per-class counts need a classification loss");
    CHECK_EQ("bce: 2 classes for one output", gg_confusion_classes(LC(GG_LOSS_BCE, GG_REDUCE_MEAN), 1), 2);
    CHECK_EQ("bce: none for 3 outputs", gg_confusion_classes(LC(GG_LOSS_BCE, GG_REDUCE_MEAN), 3), 0);
    gg_model_free(m), gg_dataset_free(ds);
}

int main(void)
{
    test_confusion();
    test_check();
    test_learns();
    test_diverges();
    test_steps_and_mean();
    test_step_order();
    test_evaluate();
    test_determinism();
    return CHECK_DONE();
}
