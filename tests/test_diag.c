/* tests/test_diag.c — training diagnostics: every per-step metric on a two-layer ReLU
 * network checked against numbers computed by hand, saturation of sigmoid and tanh, the
 * effective lr of Adam, clipping, accuracy counts, the sharpness against the analytic
 * Hessian of linear regression (plain and Adam-preconditioned, one and two outputs),
 * that diagnostics leave the training trajectory bit for bit unchanged, optimizer clones
 * and stability constants, and the config errors. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data.h"
#include "diag.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "train.h"

#define LC(k) ((gg_loss_cfg){.kind = (k), .reduction = GG_REDUCE_MEAN, .ignore_index = -100})
#define LIN(i, o) {GG_LAYER_LINEAR, (i), (o), GG_ACT_RELU}
#define ACT(a) {GG_LAYER_ACT, 0, 0, (a)}

static gg_model *build(const gg_layer_spec *s, size_t n, uint64_t seed)
{
    gg_model *m = NULL;
    gg_err err;
    if (gg_model_new(&m, s, n, &err) != GG_OK) {
        printf("gg_model_new: %s\n", err.msg);
        exit(1);
    }
    gg_rng r;
    gg_rng_seed(&r, seed);
    gg_model_init_default(m, &r);
    return m;
}

static gg_optim *optim(const gg_model *m, gg_optim_kind kind, const void *cfg)
{
    gg_optim *o = NULL;
    gg_err err;
    if (gg_optim_new(&o, kind, cfg, gg_model_nparams(m), &err) != GG_OK) {
        printf("gg_optim_new: %s\n", err.msg);
        exit(1);
    }
    return o;
}

static gg_diag *diag(const gg_model *m, gg_diag_cfg c)
{
    gg_diag *d = NULL;
    gg_err err;
    if (gg_diag_new(&d, m, &c, &err) != GG_OK) {
        printf("gg_diag_new: %s\n", err.msg);
        exit(1);
    }
    return d;
}

/* A dataset from explicit rows. */
static gg_dataset *dataset(const float *x, const float *y, size_t n, size_t d, size_t k,
                           size_t classes)
{
    gg_dataset *ds = NULL;
    gg_err err;
    if (gg_dataset_new(&ds, n, d, k, classes, &err) != GG_OK) {
        printf("gg_dataset_new: %s\n", err.msg);
        exit(1);
    }
    memcpy(gg_dataset_x(ds).data, x, n * d * sizeof(float));
    memcpy(gg_dataset_y(ds).data, y, n * k * sizeof(float));
    return ds;
}

/* One full-batch step over rows 0..n-1 in order with diagnostics. */
static gg_status one_step(gg_model *m, gg_optim *o, gg_dataset *ds, const gg_train_cfg *c,
                          gg_diag *d, float *loss)
{
    size_t n = gg_dataset_n(ds), idx[64];
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    gg_err err;
    gg_epoch_result res;
    gg_status st = gg_diag_begin(d, m, ds, c, 1, &err);
    gg_train_hooks hk = gg_diag_hooks(d);
    if (!st)
        st = gg_train_batches(m, o, ds, c, idx, &n, 1, &(gg_step_log){.loss = loss, .hooks = &hk}, &res, &err);
    if (st)
        printf("one_step: %s\n", err.msg);
    return st;
}

/* ---- the per-step metrics by hand ---- */

/* Linear(2,2) relu Linear(2,1), W1 = [[-1,-1],[0.5,2]], b1 = [0,-1], W2 = [1,-2], b2 = 0.5,
 * X = [[1,2],[3,1]], y = [1,0], MSE, SGD lr 0.01. By hand:
 *   z = [[-3, 3.5], [-4, 2.5]]: unit 1 is dead on both rows; h = [[0, 3.5], [0, 2.5]]
 *   pred = [-6.5, -4.5], loss = (7.5^2 + 4.5^2)/2 = 38.25, dpred = [-7.5, -4.5]
 *   dW2 = [0, -37.5], db2 = -12; dz = [[0, 15], [0, 9]]: dW1 = [[0,0],[42,39]], db1 = [0,24]
 *   ||dW1||^2 = 3285, ||dW2||^2 = 1406.25, total^2 = 3285 + 576 + 1406.25 + 144 = 5411.25
 *   zero gradient entries: dW1 row 1 (2), db1[0], dW2[0]: 4 of 9 parameters
 *   dW1 step = [[0,0],[-0.42,-0.39]], dW2 step = [0, 0.375]; ||W1|| = 2.5, ||W2|| = sqrt 5
 *   W1' = [[-1,-1],[0.08,1.61]]: var = 4.5985/4 - 0.0775^2 = 1.14361875
 *   W2' = [1,-1.625]: var = 1.3125^2 = 1.72265625 */
static const float W1B1W2B2[] = {-1, -1, 0.5f, 2, 0, -1, 1, -2, 0.5f};
static const float X2[] = {1, 2, 3, 1}, Y2[] = {1, 0};

static void test_by_hand(void)
{
    const gg_layer_spec s[] = {LIN(2, 2), ACT(GG_ACT_RELU), LIN(2, 1)};
    gg_model *m = build(s, 3, 1);
    memcpy(gg_model_params(m), W1B1W2B2, sizeof W1B1W2B2);
    gg_sgd_cfg sc = {.lr = 0.01};
    gg_optim *o = optim(m, GG_OPTIM_SGD, &sc);
    gg_dataset *ds = dataset(X2, Y2, 2, 2, 1, 0);
    gg_diag *d = diag(m, gg_diag_defaults());
    gg_train_cfg c = {.loss = LC(GG_LOSS_MSE), .batch_size = 2};
    float loss;
    CHECK_EQ("step runs", one_step(m, o, ds, &c, d, &loss), GG_OK);
    CHECK_NEAR("loss", loss, 38.25, 0);
    CHECK_EQ("one record", gg_diag_nrecords(d), 1);
    CHECK_EQ("two linear layers", gg_diag_linear_layers(d), 2);
    const gg_diag_record *r = gg_diag_record_at(d, 0);
    CHECK_EQ("step 1", r->step, 1);
    CHECK_REL("grad_norm", r->grad_norm, sqrt(5411.25), 1e-6);
    CHECK_REL("grad_norm_clipped = grad_norm without clipping", r->grad_norm_clipped, r->grad_norm, 0);
    CHECK_REL("grad_norm_l1", r->layer_grad_norm[0], sqrt(3285.0), 1e-6);
    CHECK_REL("grad_norm_l2", r->layer_grad_norm[1], 37.5, 1e-6);
    CHECK_REL("grad_ratio", r->grad_ratio, sqrt(3285.0) / 37.5, 1e-6);
    CHECK_REL("update_ratio_l1", r->layer_update_ratio[0], 0.01 * sqrt(3285.0) / 2.5, 1e-5);
    CHECK_REL("update_ratio_l2", r->layer_update_ratio[1], 0.375 / sqrt(5.0), 1e-5);
    CHECK_REL("update_ratio = max", r->update_ratio, 0.01 * sqrt(3285.0) / 2.5, 1e-5);
    CHECK_REL("mean_abs_update", r->mean_abs_update, (0.42 + 0.39 + 0.375) / 6, 1e-5);
    CHECK_REL("weight_var_l1", r->layer_weight_var[0], 1.14361875, 1e-5);
    CHECK_REL("weight_var_l2", r->layer_weight_var[1], 1.72265625, 1e-6);
    CHECK_REL("eff_lr is lr for SGD", r->eff_lr, 0.01, 1e-7);
    CHECK_NEAR("relu_zero_frac", r->relu_zero_frac, 0.5, 0);
    CHECK_NEAR("dead_relu_frac", r->dead_relu_frac, 0.5, 0);
    CHECK_NEAR("zero_grad_frac", r->zero_grad_frac, 4.0 / 9.0, 1e-7);
    CHECK("no sigmoid/tanh: saturated_frac NaN", isnan(r->saturated_frac));
    CHECK_NEAR("nonfinite", r->nonfinite, 0, 0);
    CHECK("no sharpness", !r->has_sharpness);
    double acc;
    CHECK("mse: no accuracy", !gg_diag_train_accuracy(d, &acc));

    // A second step: every = 2 records only even steps; the step count goes on.
    gg_diag_free(d);
    d = diag(m, (gg_diag_cfg){.every = 2, .sharpness_iters = 20, .sharpness_tol = 1e-3});
    CHECK_EQ("step", one_step(m, o, ds, &c, d, &loss), GG_OK);
    CHECK_EQ("step 1 not recorded", gg_diag_nrecords(d), 0);
    CHECK_EQ("step", one_step(m, o, ds, &c, d, &loss), GG_OK);
    CHECK_EQ("step 2 recorded", gg_diag_nrecords(d), 1);
    CHECK_EQ("its number", gg_diag_record_at(d, 0)->step, 2);

    // Clipping by norm: the clipped norm is max_norm (up to torch's 1e-6).
    gg_diag_free(d);
    memcpy(gg_model_params(m), W1B1W2B2, sizeof W1B1W2B2);
    d = diag(m, gg_diag_defaults());
    c.clip_norm = 1.0;
    CHECK_EQ("clipped step", one_step(m, o, ds, &c, d, &loss), GG_OK);
    r = gg_diag_record_at(d, 0);
    CHECK_REL("pre-clip norm", r->grad_norm, sqrt(5411.25), 1e-6);
    CHECK_REL("clipped norm", r->grad_norm_clipped, 1.0, 1e-5);
    CHECK_REL("grad_ratio is pre-clip", r->grad_ratio, sqrt(3285.0) / 37.5, 1e-6);

    // A NaN weight shows up in nonfinite.
    gg_diag_free(d);
    memcpy(gg_model_params(m), W1B1W2B2, sizeof W1B1W2B2);
    d = diag(m, gg_diag_defaults());
    c.clip_norm = 0.0;
    gg_model_params(m)[4] = NAN;  // b1[0]: feeds the dead unit only, so the loss stays finite
    CHECK_EQ("step with a NaN bias", one_step(m, o, ds, &c, d, &loss), GG_OK);
    CHECK("loss still finite", isfinite(loss));
    CHECK_NEAR("nonfinite = 1", gg_diag_record_at(d, 0)->nonfinite, 1, 0);
    gg_diag_free(d);
    gg_dataset_free(ds);
    gg_optim_free(o);
    gg_model_free(m);
}

/* Sigmoid and tanh units with pre-activations 6, -7, 1 (sigmoid) and 4.9, 5.1, -5.1
 * (tanh) for x = 1: 2 of 3 saturated in each layer. */
static void test_saturation(void)
{
    const gg_layer_spec s[] = {LIN(1, 3), ACT(GG_ACT_SIGMOID), LIN(3, 3), ACT(GG_ACT_TANH), LIN(3, 1)};
    gg_model *m = build(s, 5, 1);
    float *p = gg_model_params(m);
    const float w1[] = {6, -7, 1, 0, 0, 0};  // W1 (3,1), b1
    memcpy(p, w1, sizeof w1);
    // W2 (3,3) = 0: the tanh pre-activations are b2.
    float *w2 = p + 6, *b2 = w2 + 9;
    memset(w2, 0, 12 * sizeof(float));
    b2[0] = 4.9f;
    b2[1] = 5.1f;
    b2[2] = -5.1f;
    gg_sgd_cfg sc = {.lr = 0.01};
    gg_optim *o = optim(m, GG_OPTIM_SGD, &sc);
    const float x[] = {1}, y[] = {0};
    gg_dataset *ds = dataset(x, y, 1, 1, 1, 0);
    gg_diag *d = diag(m, gg_diag_defaults());
    gg_train_cfg c = {.loss = LC(GG_LOSS_MSE), .batch_size = 1};
    float loss;
    CHECK_EQ("step runs", one_step(m, o, ds, &c, d, &loss), GG_OK);
    const gg_diag_record *r = gg_diag_record_at(d, 0);
    CHECK_NEAR("saturated_frac = 4/6", r->saturated_frac, 4.0 / 6.0, 1e-7);
    CHECK("no relu", isnan(r->relu_zero_frac) && isnan(r->dead_relu_frac));
    gg_diag_free(d);
    gg_dataset_free(ds);
    gg_optim_free(o);
    gg_model_free(m);
}

/* Adam's first step: v = (1-b2) g^2, so P = sqrt(v / (1-b2)) + eps = |g| + eps; the
 * parameters with g = 0 have no step size. eff_lr = mean over the 5 others of lr / P. */
static void test_eff_lr(void)
{
    const gg_layer_spec s[] = {LIN(2, 2), ACT(GG_ACT_RELU), LIN(2, 1)};
    gg_model *m = build(s, 3, 1);
    memcpy(gg_model_params(m), W1B1W2B2, sizeof W1B1W2B2);
    gg_adam_cfg ac = gg_adam_defaults();
    gg_optim *o = optim(m, GG_OPTIM_ADAM, &ac);
    gg_dataset *ds = dataset(X2, Y2, 2, 2, 1, 0);
    gg_diag *d = diag(m, gg_diag_defaults());
    gg_train_cfg c = {.loss = LC(GG_LOSS_MSE), .batch_size = 2};
    float loss;
    CHECK_EQ("adam step", one_step(m, o, ds, &c, d, &loss), GG_OK);
    const double g[] = {42, 39, 24, 37.5, 12};
    double want = 0.0;
    for (int i = 0; i < 5; i++)
        want += 1e-3 / (g[i] + 1e-8);
    const gg_diag_record *r = gg_diag_record_at(d, 0);
    CHECK_REL("eff_lr (adam)", r->eff_lr, want / 5, 1e-5);
    // Adam's first step moves every parameter with a gradient by lr: ratio = lr sqrt(2)/2.5.
    CHECK_REL("update_ratio_l1 (adam)", r->layer_update_ratio[0], 1e-3 * sqrt(2.0) / 2.5, 1e-4);
    float P[9];
    CHECK_REL("precond lr_t", gg_optim_precond(o, P), 1e-3, 0);
    CHECK_REL("P = |g| + eps", P[2], 42 + 1e-8, 1e-6);
    CHECK_NEAR("P = 0 without gradient", P[0], 0, 0);
    gg_diag_free(d);
    gg_dataset_free(ds);
    gg_optim_free(o);
    gg_model_free(m);
}

static void test_accuracy(void)
{
    gg_loss_cfg ce = LC(GG_LOSS_CROSS_ENTROPY);
    const float logits[] = {1, 3, 2, 5, 0, 0, 2, 2, 1, 0, 0, 9};
    const float cls[] = {1, 0, 0, -100};  // row 3 ties: the first maximum (class 0) wins
    double c = 0, t = 0;
    gg_accuracy_count(&ce, logits, cls, 4, 3, &c, &t);
    CHECK_NEAR("ce correct", c, 3, 0);
    CHECK_NEAR("ce total (ignore_index skipped)", t, 3, 0);
    gg_loss_cfg bce = LC(GG_LOSS_BCE), bl = LC(GG_LOSS_BCE_LOGITS);
    const float p[] = {0.9f, 0.2f, 0.5f, 0.7f}, y[] = {1, 0, 1, 0};
    c = t = 0;
    gg_accuracy_count(&bce, p, y, 2, 2, &c, &t);
    CHECK_NEAR("bce: p > 0.5 (0.5 is class 0)", c, 2, 0);
    CHECK_NEAR("bce total", t, 4, 0);
    const float z[] = {2, -1, 0, 3};
    c = t = 0;
    gg_accuracy_count(&bl, z, y, 4, 1, &c, &t);
    CHECK_NEAR("bce_with_logits: x > 0", c, 2, 0);
    CHECK("classification kinds", gg_loss_is_classification(GG_LOSS_NLL) &&
                                      gg_loss_is_classification(GG_LOSS_BCE_LOGITS) &&
                                      !gg_loss_is_classification(GG_LOSS_HUBER));

    // Over a dataset: a 1-input model whose logits are (0, x) predicts class 1 iff x > 0.
    const gg_layer_spec s[] = {LIN(1, 2)};
    gg_model *m = build(s, 1, 1);
    const float wb[] = {0, 1, 0, 0};
    memcpy(gg_model_params(m), wb, sizeof wb);
    const float xs[] = {-2, -1, 1, 2, 3}, ys[] = {0, 1, 1, 1, 0};
    gg_dataset *ds = dataset(xs, ys, 5, 1, 1, 2);
    double acc;
    gg_err err;
    CHECK_EQ("accuracy runs", gg_diag_accuracy(m, ds, &ce, 2, &acc, &err), GG_OK);
    CHECK_NEAR("accuracy 3/5", acc, 0.6, 1e-15);
    gg_loss_cfg mse = LC(GG_LOSS_MSE);
    CHECK_EQ("mse has no accuracy", gg_diag_accuracy(m, ds, &mse, 0, &acc, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "accuracy needs a classification loss");

    // Running training accuracy over an epoch of 2 batches (before each update).
    gg_sgd_cfg sc = {.lr = 1e-6};
    gg_optim *o = optim(m, GG_OPTIM_SGD, &sc);
    gg_diag *d = diag(m, gg_diag_defaults());
    gg_train_cfg tc = {.loss = ce, .batch_size = 3};
    gg_rng r;
    gg_rng_seed(&r, 1);
    gg_epoch_result res;
    CHECK_EQ("begin", gg_diag_begin(d, m, ds, &tc, 2, &err), GG_OK);
    gg_train_hooks hk = gg_diag_hooks(d);
    CHECK_EQ("epoch", gg_train_epoch(m, o, ds, &tc, &r, &(gg_step_log){.hooks = &hk}, &res, &err), GG_OK);
    CHECK("train accuracy", gg_diag_train_accuracy(d, &acc));
    CHECK_NEAR("train accuracy 3/5 (tiny lr)", acc, 0.6, 1e-15);
    gg_diag_free(d);
    gg_optim_free(o);
    gg_dataset_free(ds);
    gg_model_free(m);

    float lo, hi;
    const float v[] = {3, -1, 7, 2};
    gg_diag_range(v, 4, &lo, &hi);
    CHECK("range", lo == -1 && hi == 7);
    const float vn[] = {3, NAN};
    gg_diag_range(vn, 2, &lo, &hi);
    CHECK("range with NaN", isnan(lo) && isnan(hi));
}

/* ---- sharpness against the analytic Hessian ---- */

/* Eigenvalues of the symmetric n x n matrix a (destroyed) by cyclic Jacobi rotations;
 * returns the largest. */
static double jacobi_max(double *a, int n)
{
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++)
                off += a[p * n + q] * a[p * n + q];
        if (off < 1e-30)
            break;
        for (int p = 0; p < n; p++) {
            for (int q = p + 1; q < n; q++) {
                if (a[p * n + q] == 0.0)
                    continue;
                double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * a[p * n + q]);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double cs = 1.0 / sqrt(t * t + 1.0), sn = t * cs;
                for (int k = 0; k < n; k++) {  // columns p, q
                    double akp = a[k * n + p], akq = a[k * n + q];
                    a[k * n + p] = cs * akp - sn * akq;
                    a[k * n + q] = sn * akp + cs * akq;
                }
                for (int k = 0; k < n; k++) {  // rows p, q
                    double apk = a[p * n + k], aqk = a[q * n + k];
                    a[p * n + k] = cs * apk - sn * aqk;
                    a[q * n + k] = sn * apk + cs * aqk;
                }
            }
        }
    }
    double best = a[0];
    for (int i = 1; i < n; i++)
        best = a[i * n + i] > best ? a[i * n + i] : best;
    return best;
}

/* The MSE Hessian of Linear(d, k) over ds in the model's parameter order (W (k,d) row-major,
 * then b): output o's block is (2/(n k)) Xa^T Xa with Xa = [X 1] and the parameters of o
 * at o*d + j (weights) and k*d + o (bias). Scaled as s_i s_j H_ij by s (NULL: 1). */
static void mse_hessian(const gg_dataset *ds, size_t k, const float *s, double *H)
{
    gg_tensor X = gg_dataset_x((gg_dataset *)ds);
    const size_t n = X.rows, d = X.cols, np = k * d + k;
    memset(H, 0, np * np * sizeof *H);
    for (size_t o = 0; o < k; o++) {
        for (size_t a = 0; a <= d; a++) {
            for (size_t b = 0; b <= d; b++) {
                double sum = 0.0;
                for (size_t r = 0; r < n; r++) {
                    double xa = a < d ? (double)X.data[r * d + a] : 1.0, xb = b < d ? (double)X.data[r * d + b] : 1.0;
                    sum += xa * xb;
                }
                size_t i = a < d ? o * d + a : k * d + o, j = b < d ? o * d + b : k * d + o;
                H[i * np + j] = 2.0 * sum / (double)(n * k);
            }
        }
    }
    if (s)
        for (size_t i = 0; i < np; i++)
            for (size_t j = 0; j < np; j++)
                H[i * np + j] *= (double)s[i] * (double)s[j];
}

static void test_sharpness_linear(void)
{
    gg_regression_cfg rc = {.n = 60, .features = 4, .outputs = 2, .x = GG_X_NORMAL, .scale = 1.0,
                            .noise = 0.1, .bias = 0.5};
    gg_rng r;
    gg_rng_seed(&r, 3);
    gg_err err;
    gg_dataset *ds = NULL;
    gg_data_regression(&ds, &rc, &r, &err);
    // Features with different scales, so the eigenvalues are well apart.
    gg_tensor X = gg_dataset_x(ds);
    for (size_t i = 0; i < X.rows; i++)
        for (size_t j = 0; j < X.cols; j++)
            X.data[i * X.cols + j] *= (float)(1.0 + (double)j) + (j == 0 ? 0.5f : 0.0f);
    const gg_layer_spec s[] = {LIN(4, 2)};
    gg_model *m = build(s, 1, 4);
    const size_t np = gg_model_nparams(m);
    double H[10 * 10];
    mse_hessian(ds, 2, NULL, H);
    const double lam = jacobi_max(H, (int)np);

    gg_diag_cfg dc = gg_diag_defaults();
    dc.sharpness_iters = 200;
    dc.sharpness_tol = 1e-7;
    gg_diag *d = diag(m, dc);
    gg_train_cfg c = {.loss = LC(GG_LOSS_MSE), .batch_size = 60};
    float wsave[10], gsave[10];
    memcpy(wsave, gg_model_params(m), sizeof wsave);
    for (size_t i = 0; i < np; i++)
        gg_model_grads(m)[i] = (float)i;
    memcpy(gsave, gg_model_grads(m), sizeof gsave);
    gg_sharpness sh;
    CHECK_EQ("sharpness runs", gg_diag_sharpness(d, m, NULL, ds, &c, &sh, &err), GG_OK);
    printf("# sharpness (plain): %.9g vs analytic %.9g, rel. error %.2e, %d HVPs\n", sh.value, lam,
           fabs(sh.value - lam) / lam, sh.iters);
    CHECK_REL("top eigenvalue of (2/(nk)) Xa^T Xa", sh.value, lam, 1e-4);
    CHECK("limit NaN without optimizer", isnan(sh.limit));
    CHECK("parameters restored", memcmp(wsave, gg_model_params(m), sizeof wsave) == 0);
    CHECK("gradients restored", memcmp(gsave, gg_model_grads(m), sizeof gsave) == 0);

    // The default budget (20 iterations, tol 1e-3) with SGD: limit 2/lr.
    gg_diag_free(d);
    d = diag(m, gg_diag_defaults());
    gg_sgd_cfg sc = {.lr = 0.05};
    gg_optim *o = optim(m, GG_OPTIM_SGD, &sc);
    CHECK_EQ("sharpness with SGD", gg_diag_sharpness(d, m, o, ds, &c, &sh, &err), GG_OK);
    printf("# sharpness (default budget): %.9g, rel. error %.2e, %d HVPs\n", sh.value,
           fabs(sh.value - lam) / lam, sh.iters);
    CHECK_REL("default budget within 1%", sh.value, lam, 1e-2);
    CHECK_REL("SGD limit 2/lr", sh.limit, 2.0 / 0.05, 1e-12);
    gg_optim_free(o);

    // Adam-preconditioned: after 5 steps, the top eigenvalue of P^-1/2 H P^-1/2.
    gg_diag_free(d);
    d = diag(m, dc);
    gg_adam_cfg ac = gg_adam_defaults();
    ac.lr = 0.01;
    o = optim(m, GG_OPTIM_ADAM, &ac);
    gg_epoch_result res;
    for (int e = 0; e < 5; e++)
        gg_train_epoch(m, o, ds, &c, NULL, NULL, &res, &err);
    float P[10], ps[10];
    gg_optim_precond(o, P);
    for (size_t i = 0; i < np; i++)
        ps[i] = P[i] > 0.0f ? (float)(1.0 / sqrt((double)P[i])) : 0.0f;
    mse_hessian(ds, 2, ps, H);
    const double plam = jacobi_max(H, (int)np);
    CHECK_EQ("preconditioned sharpness runs", gg_diag_sharpness(d, m, o, ds, &c, &sh, &err), GG_OK);
    printf("# sharpness (adam-preconditioned): %.9g vs analytic %.9g, rel. error %.2e, %d HVPs\n",
           sh.value, plam, fabs(sh.value - plam) / plam, sh.iters);
    CHECK_REL("top eigenvalue of P^-1/2 H P^-1/2", sh.value, plam, 1e-4);
    CHECK_REL("Adam limit 38/lr", sh.limit, 38.0 / 0.01, 1e-12);

    // Subsampled fixed batch: rows floor(j n / rows) of 60, 20 rows -> every 3rd row.
    gg_diag_free(d);
    dc.sharpness_rows = 20;
    d = diag(m, dc);
    gg_dataset *sub = NULL;
    gg_dataset_new(&sub, 20, 4, 2, 0, &err);
    for (size_t j = 0; j < 20; j++) {
        memcpy(gg_dataset_x(sub).data + j * 4, X.data + 3 * j * 4, 4 * sizeof(float));
        memcpy(gg_dataset_y(sub).data + j * 2, gg_dataset_y(ds).data + 3 * j * 2, 2 * sizeof(float));
    }
    mse_hessian(sub, 2, NULL, H);
    const double slam = jacobi_max(H, (int)np);
    CHECK_EQ("subsampled sharpness runs", gg_diag_sharpness(d, m, NULL, ds, &c, &sh, &err), GG_OK);
    CHECK_REL("fixed batch = every 3rd row", sh.value, slam, 1e-4);
    gg_dataset_free(sub);
    // Parameters so large that the loss overflows at the probes: no estimate (NaN), and
    // the model is still left as it was.
    for (size_t i = 0; i < np; i++)
        gg_model_params(m)[i] = 1e20f;
    memcpy(wsave, gg_model_params(m), sizeof wsave);
    CHECK_EQ("overflowing sharpness runs", gg_diag_sharpness(d, m, NULL, ds, &c, &sh, &err), GG_OK);
    CHECK("overflow: NaN", isnan(sh.value));
    CHECK("overflow: parameters restored", memcmp(wsave, gg_model_params(m), sizeof wsave) == 0);
    gg_diag_free(d);
    gg_optim_free(o);
    gg_model_free(m);
    gg_dataset_free(ds);
}

/* Diagnostics (every step, sharpness every 3rd) do not change training: a model with
 * BatchNorm and Dropout trains bit-identically with and without them. */
static void test_no_perturbation(void)
{
    const gg_layer_spec s[] = {LIN(3, 8), {GG_LAYER_BATCHNORM, 8, 8, GG_ACT_RELU}, ACT(GG_ACT_TANH),
                               {GG_LAYER_DROPOUT, 0, 0, GG_ACT_RELU}, LIN(8, 2)};
    gg_blobs_cfg bc = {.n = 40, .features = 3, .classes = 2, .spread = 1.0, .separation = 2.0};
    gg_rng r;
    gg_rng_seed(&r, 5);
    gg_err err;
    gg_dataset *ds = NULL;
    gg_data_blobs(&ds, &bc, &r, &err);
    gg_train_cfg c = {.loss = LC(GG_LOSS_CROSS_ENTROPY), .batch_size = 8, .shuffle = 1, .l2 = 1e-3};
    float loss[2][25];
    float *params[2];
    long recs = 0;
    int sharp = 0;
    for (int with = 0; with < 2; with++) {
        gg_model *m = build(s, 5, 9);
        gg_adam_cfg ac = gg_adam_defaults();
        gg_optim *o = optim(m, GG_OPTIM_ADAM, &ac);
        gg_diag_cfg dc = gg_diag_defaults();
        dc.sharpness_every = 3;
        dc.sharpness_rows = 16;
        gg_diag *d = with ? diag(m, dc) : NULL;
        gg_rng_seed(&r, 11);
        for (int e = 0; e < 5; e++) {
            gg_epoch_result res;
            if (d)
                gg_diag_begin(d, m, ds, &c, 5, &err);
            gg_train_hooks hk = d ? gg_diag_hooks(d) : (gg_train_hooks){0};
            gg_train_epoch(m, o, ds, &c, &r, &(gg_step_log){.loss = loss[with] + 5 * e, .hooks = d ? &hk : NULL},
                           &res, &err);
            if (d) {
                recs += (long)gg_diag_nrecords(d);
                for (size_t i = 0; i < gg_diag_nrecords(d); i++)
                    sharp += gg_diag_record_at(d, i)->has_sharpness &&
                             isfinite(gg_diag_record_at(d, i)->sharpness.value);
            }
        }
        params[with] = malloc(gg_model_nparams(m) * sizeof(float));
        memcpy(params[with], gg_model_params(m), gg_model_nparams(m) * sizeof(float));
        CHECK("parameter count", gg_model_nparams(m) == 8 * 3 + 8 + 16 + 16 + 2);
        gg_diag_free(d);
        gg_optim_free(o);
        gg_model_free(m);
    }
    CHECK_EQ("a record per step", recs, 25);
    CHECK_EQ("sharpness at steps 3, 6, ..., 24 (the count runs across epochs)", sharp, 8);
    CHECK("same losses", memcmp(loss[0], loss[1], sizeof loss[0]) == 0);
    CHECK("same parameters", memcmp(params[0], params[1], (8 * 3 + 8 + 16 + 16 + 2) * sizeof(float)) == 0);
    free(params[0]);
    free(params[1]);
    gg_dataset_free(ds);
}

static void test_optim_clone(void)
{
    const gg_layer_spec s[] = {LIN(2, 2), ACT(GG_ACT_RELU), LIN(2, 1)};
    gg_model *m = build(s, 3, 1);
    gg_adam_cfg ac = gg_adam_defaults();
    ac.amsgrad = 1;
    gg_optim *o = optim(m, GG_OPTIM_ADAM, &ac);
    gg_dataset *ds = dataset(X2, Y2, 2, 2, 1, 0);
    gg_train_cfg c = {.loss = LC(GG_LOSS_MSE), .batch_size = 2};
    gg_epoch_result res;
    gg_err err;
    gg_train_epoch(m, o, ds, &c, NULL, NULL, &res, &err);
    gg_optim *snap = NULL;
    CHECK_EQ("clone", gg_optim_clone(&snap, o, &err), GG_OK);
    float w[9];
    memcpy(w, gg_model_params(m), sizeof w);
    gg_optim_set_lr(o, 0.0, &err);  // a schedule's 0 must survive a clone
    gg_optim *z = NULL;
    CHECK_EQ("clone at lr 0", gg_optim_clone(&z, o, &err), GG_OK);
    CHECK_NEAR("lr 0 kept", gg_optim_lr(z), 0, 0);
    gg_optim_free(z);
    gg_optim_set_lr(o, 1e-3, &err);
    for (int i = 0; i < 3; i++)
        gg_train_epoch(m, o, ds, &c, NULL, NULL, &res, &err);
    float after[9];
    memcpy(after, gg_model_params(m), sizeof after);
    memcpy(gg_model_params(m), w, sizeof w);
    CHECK_EQ("load_state", gg_optim_load_state(o, snap, &err), GG_OK);
    CHECK_EQ("steps restored", gg_optim_steps(o), 1);
    for (int i = 0; i < 3; i++)
        gg_train_epoch(m, o, ds, &c, NULL, NULL, &res, &err);
    CHECK("replay after restore is identical", memcmp(after, gg_model_params(m), sizeof after) == 0);
    gg_sgd_cfg sc = {.lr = 0.1};
    gg_optim *sg = optim(m, GG_OPTIM_SGD, &sc);
    CHECK_EQ("kinds differ", gg_optim_load_state(sg, snap, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "state of adam over 9 parameters cannot load into sgd over 9");
    gg_adam_cfg plain = gg_adam_defaults();
    gg_optim *ad = optim(m, GG_OPTIM_ADAM, &plain);
    CHECK_EQ("buffers differ", gg_optim_load_state(ad, snap, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "adam state buffers differ");
    gg_optim_free(ad);
    gg_optim_free(sg);
    gg_optim_free(snap);
    gg_optim_free(o);
    gg_dataset_free(ds);
    gg_model_free(m);
}

static void test_stability(void)
{
    const gg_layer_spec s[] = {LIN(2, 1)};
    gg_model *m = build(s, 1, 1);
    struct {
        gg_optim_kind kind;
        const void *cfg;
        double want;
        const char *name;
    } cases[] = {
        {GG_OPTIM_SGD, &(gg_sgd_cfg){.lr = 0.1}, 2.0, "sgd"},
        {GG_OPTIM_SGD, &(gg_sgd_cfg){.lr = 0.1, .momentum = 0.9}, 3.8, "heavy ball 0.9"},
        {GG_OPTIM_SGD, &(gg_sgd_cfg){.lr = 0.1, .momentum = 0.9, .dampening = 0.5}, 7.6, "dampening 0.5"},
        {GG_OPTIM_SGD, &(gg_sgd_cfg){.lr = 0.1, .momentum = 0.9, .nesterov = 1}, 3.8 / 2.8, "nesterov 0.9"},
        {GG_OPTIM_ADAM, &(gg_adam_cfg){.lr = 0.1, .beta1 = 0.9, .beta2 = 0.999}, 38.0, "adam"},
        {GG_OPTIM_RMSPROP, &(gg_rmsprop_cfg){.lr = 0.1, .alpha = 0.99}, 2.0, "rmsprop"},
        {GG_OPTIM_ADAGRAD, &(gg_adagrad_cfg){.lr = 0.1}, 2.0, "adagrad"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gg_optim *o = optim(m, cases[i].kind, cases[i].cfg);
        CHECK_REL(cases[i].name, gg_optim_stability(o), cases[i].want, 1e-12);
        gg_optim_free(o);
    }
    gg_model_free(m);
}

static void test_errors(void)
{
    const gg_layer_spec s[] = {LIN(2, 1)};
    gg_model *m = build(s, 1, 1);
    gg_diag *d = NULL;
    gg_err err;
    gg_diag_cfg c = gg_diag_defaults();
    c.every = 0;
    CHECK_EQ("every 0", gg_diag_new(&d, m, &c, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "every must be >= 1, got 0");
    c = gg_diag_defaults();
    c.sharpness_iters = 0;
    CHECK_EQ("iters 0", gg_diag_new(&d, m, &c, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "sharpness_iters must be >= 1, got 0");
    c = gg_diag_defaults();
    c.sharpness_tol = -1;
    CHECK_EQ("tol -1", gg_diag_new(&d, m, &c, &err), GG_EINVAL);
    CHECK_CONTAINS("message", err.msg, "sharpness_tol must be a non-negative number, got -1");
    CHECK("nothing allocated on error", d == NULL);
    gg_diag_free(NULL);
    gg_model_free(m);
}

int main(void)
{
    test_by_hand();
    test_saturation();
    test_eff_lr();
    test_accuracy();
    test_sharpness_linear();
    test_no_perturbation();
    test_optim_clone();
    test_stability();
    test_errors();
    return CHECK_DONE();
}
