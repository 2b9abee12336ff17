/* tests/test_loss.c — losses: hand-computed values, values and gradients against double
 * references, central finite-difference checks of dpred for every loss and reduction,
 * numerical stability at extreme logits, target validation messages, names. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "loss.h"
#include "rng.h"

/* A loss config for the tests: kind and reduction, PyTorch's other defaults. */
#define LC(k, r) (&(gg_loss_cfg){.kind = (k), .reduction = (r), .ignore_index = -100})

/* ---- double references (torch formulas) ---- */

static double ref_loss(gg_loss_kind kind, gg_reduction red, const double *pred,
                       const float *target, size_t B, size_t k)
{
    double s = 0.0;
    size_t n = kind == GG_LOSS_CROSS_ENTROPY ? B : B * k;
    if (kind == GG_LOSS_MSE) {
        for (size_t i = 0; i < B * k; i++)
            s += (pred[i] - (double)target[i]) * (pred[i] - (double)target[i]);
    } else if (kind == GG_LOSS_CROSS_ENTROPY) {
        for (size_t r = 0; r < B; r++) {
            const double *z = pred + r * k;
            double m = z[0], e = 0.0;
            for (size_t c = 1; c < k; c++)
                m = fmax(m, z[c]);
            for (size_t c = 0; c < k; c++)
                e += exp(z[c] - m);
            s += m + log(e) - z[(size_t)target[r]];
        }
    } else {
        for (size_t i = 0; i < B * k; i++) {
            double x = pred[i], y = (double)target[i];
            s += (1.0 - y) * x + log1p(exp(-fabs(x))) + fmax(-x, 0.0);
        }
    }
    return red == GG_REDUCE_MEAN ? s / (double)n : s;
}

static void ref_grad(gg_loss_kind kind, gg_reduction red, double *g, const double *pred,
                     const float *target, size_t B, size_t k)
{
    double sc = red == GG_REDUCE_MEAN ? 1.0 / (double)(kind == GG_LOSS_CROSS_ENTROPY ? B : B * k) : 1.0;
    if (kind == GG_LOSS_MSE) {
        for (size_t i = 0; i < B * k; i++)
            g[i] = 2.0 * (pred[i] - (double)target[i]) * sc;
    } else if (kind == GG_LOSS_CROSS_ENTROPY) {
        for (size_t r = 0; r < B; r++) {
            const double *z = pred + r * k;
            double m = z[0], e = 0.0;
            for (size_t c = 1; c < k; c++)
                m = fmax(m, z[c]);
            for (size_t c = 0; c < k; c++)
                e += exp(z[c] - m);
            for (size_t c = 0; c < k; c++)
                g[r * k + c] = (exp(z[c] - m) / e - (c == (size_t)target[r] ? 1.0 : 0.0)) * sc;
        }
    } else {
        for (size_t i = 0; i < B * k; i++)
            g[i] = (1.0 / (1.0 + exp(-pred[i])) - (double)target[i]) * sc;
    }
}

static void to_double(double *d, const float *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (double)f[i];
}

/* ---- hand-computed values ---- */

static void test_hand_values(void)
{
    float g[6];
    // MSE: diffs 1, 0, -2, 0.5 -> squares sum 5.25.
    const float mp[4] = {1, 2, 3, 4}, mt[4] = {0, 2, 5, 3.5f};
    CHECK("mse sum = 5.25", gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_SUM), g, mp, mt, 2, 2) == 5.25f);
    CHECK("mse sum grad = 2d", g[0] == 2.0f && g[1] == 0.0f && g[2] == -4.0f && g[3] == 1.0f);
    CHECK("mse mean = 1.3125", gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), g, mp, mt, 2, 2) == 1.3125f);
    CHECK("mse mean grad = 2d/4", g[0] == 0.5f && g[1] == 0.0f && g[2] == -1.0f && g[3] == 0.25f);
    CHECK("mse without dpred", gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), NULL, mp, mt, 2, 2) == 1.3125f);

    // Cross-entropy: row 0 logits (1,2,3) class 2 -> log(1 + e^-1 + e^-2) = 0.40760596444437994;
    // row 1 logits (1,1,1) class 0 -> log 3 = 1.0986122886681098.
    const float cp[6] = {1, 2, 3, 1, 1, 1}, ct[2] = {2, 0};
    double l0 = log(1.0 + exp(-1.0) + exp(-2.0)), l1 = log(3.0);
    CHECK_NEAR("hand value log(1+e^-1+e^-2)", l0, 0.40760596444437994, 1e-15);
    CHECK_REL("cross_entropy sum", gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_SUM), g, cp, ct, 2, 3),
              1.5062182531124897, 1e-6);
    CHECK_REL("cross_entropy mean (divides by B, not B*C)",
              gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), g, cp, ct, 2, 3), (l0 + l1) / 2.0, 1e-6);
    // mean grad row 1 = (1/3 - 1, 1/3, 1/3) / 2
    CHECK_NEAR("cross_entropy mean grad [1,0]", g[3], (1.0 / 3.0 - 1.0) / 2.0, 1e-7);
    CHECK_NEAR("cross_entropy mean grad [1,1]", g[4], 1.0 / 6.0, 1e-7);
    double sm2 = exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0));
    CHECK_NEAR("cross_entropy mean grad [0,2]", g[2], (sm2 - 1.0) / 2.0, 1e-7);
    double rowsum = (double)g[0] + (double)g[1] + (double)g[2];
    CHECK_NEAR("cross_entropy grad rows sum to 0", rowsum, 0.0, 1e-7);

    // BCE with logits: x=0,y=1 -> log 2; x=2,y=0 -> 2 + log(1+e^-2); x=-1,y=0.5 -> 0.5 + log(1+e^-1).
    const float bp[3] = {0, 2, -1}, bt[3] = {1, 0, 0.5f};
    double b0 = log(2.0), b1 = 2.0 + log1p(exp(-2.0)), b2 = 0.5 + log1p(exp(-1.0));
    CHECK_NEAR("hand value 2 + log(1+e^-2)", b1, 2.1269280110429727, 1e-15);
    CHECK_REL("bce_with_logits sum", gg_loss_forward(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_SUM), g, bp, bt, 3, 1),
              b0 + b1 + b2, 1e-6);
    CHECK_NEAR("bce sum grad x=0,y=1: sigmoid(0)-1", g[0], -0.5, 1e-7);
    CHECK_NEAR("bce sum grad x=2,y=0: sigmoid(2)", g[1], 0.8807970779778823, 1e-7);
    CHECK_REL("bce_with_logits mean", gg_loss_forward(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN), g, bp, bt, 1, 3),
              (b0 + b1 + b2) / 3.0, 1e-6);
    CHECK_NEAR("bce mean grad x=-1,y=.5", g[2], (1.0 / (1.0 + exp(1.0)) - 0.5) / 3.0, 1e-7);
}

/* ---- random cases: value and gradient vs double, and finite differences ---- */

static void test_fd(void)
{
    enum { B = 4, K = 5 };
    gg_rng r;
    gg_rng_seed(&r, 31);
    const gg_loss_kind kinds[] = {GG_LOSS_MSE, GG_LOSS_CROSS_ENTROPY, GG_LOSS_BCE_LOGITS};
    const gg_reduction reds[] = {GG_REDUCE_MEAN, GG_REDUCE_SUM};
    for (int ki = 0; ki < 3; ki++)
        for (int ri = 0; ri < 2; ri++) {
            gg_loss_kind kind = kinds[ki];
            gg_reduction red = reds[ri];
            float pred[B * K], target[B * K], g[B * K];
            double pd[B * K], gd[B * K];
            for (int i = 0; i < B * K; i++) {
                pred[i] = (float)(2.0 * gg_rng_normal(&r));
                target[i] = kind == GG_LOSS_MSE ? (float)gg_rng_normal(&r)
                                                : (float)gg_rng_uniform(&r);  // BCE soft targets
            }
            if (kind == GG_LOSS_CROSS_ENTROPY)
                for (int i = 0; i < B; i++)
                    target[i] = (float)gg_rng_below(&r, K);
            to_double(pd, pred, B * K);
            for (int i = 0; i < B * K; i++)
                g[i] = 1e30f;  // dpred is overwritten
            float L = gg_loss_forward(LC(kind, red), g, pred, target, B, K);
            double Ld = ref_loss(kind, red, pd, target, B, K);
            ref_grad(kind, red, gd, pd, target, B, K);
            char name[128];
            const char *rn = red == GG_REDUCE_MEAN ? "mean" : "sum";
            snprintf(name, sizeof name, "%s %s value vs double reference", gg_loss_name(kind), rn);
            CHECK_REL(name, L, Ld, 1e-6);
            snprintf(name, sizeof name, "%s %s value without dpred is identical", gg_loss_name(kind), rn);
            CHECK(name, gg_loss_forward(LC(kind, red), NULL, pred, target, B, K) == L);

            // Gradient errors are measured relative to |g| + the reduction's scale: near-1
            // softmax probabilities make p - 1 lose relative (not absolute) precision.
            const double sc = red == GG_REDUCE_MEAN ? 1.0 / (kind == GG_LOSS_CROSS_ENTROPY ? B : B * K) : 1.0;
            double worst_an = 0.0, worst_tight = 0.0, worst_loose = 0.0;
            for (int i = 0; i < B * K; i++) {
                worst_an = fmax(worst_an, fabs((double)g[i] - gd[i]) / (sc + fabs(gd[i])));
                // Tight: central difference of the double reference, h = 1e-6.
                const double h = 1e-6;
                double keep = pd[i];
                pd[i] = keep + h;
                double Lp = ref_loss(kind, red, pd, target, B, K);
                pd[i] = keep - h;
                double Lm = ref_loss(kind, red, pd, target, B, K);
                pd[i] = keep;
                double num = (Lp - Lm) / (2.0 * h);
                worst_tight = fmax(worst_tight, fabs((double)g[i] - num) / (sc + fabs(num)));
                // Loose: central difference through the float32 kernel, h = 1e-2.
                float pp[B * K];
                memcpy(pp, pred, sizeof pred);
                pp[i] = (float)((double)pred[i] + 1e-2);
                double Lpf = (double)gg_loss_forward(LC(kind, red), NULL, pp, target, B, K);
                double xp = (double)pp[i];
                pp[i] = (float)((double)pred[i] - 1e-2);
                double Lmf = (double)gg_loss_forward(LC(kind, red), NULL, pp, target, B, K);
                double numf = (Lpf - Lmf) / (xp - (double)pp[i]);
                worst_loose = fmax(worst_loose, fabs((double)g[i] - numf) / (sc + fabs(numf)));
            }
            snprintf(name, sizeof name, "%s %s dpred vs analytic double gradient", gg_loss_name(kind), rn);
            CHECK_NEAR(name, worst_an, 0.0, 1e-5);
            snprintf(name, sizeof name, "%s %s dpred vs central difference (double, h=1e-6)",
                     gg_loss_name(kind), rn);
            CHECK_NEAR(name, worst_tight, 0.0, 1e-5);
            snprintf(name, sizeof name, "%s %s dpred vs central difference (float kernel, h=1e-2)",
                     gg_loss_name(kind), rn);
            CHECK_NEAR(name, worst_loose, 0.0, 2e-3);
        }
}

/* ---- numerical stability ---- */

static void test_stability(void)
{
    float g[6];
    // Logits around 1000: exp would overflow without the max shift.
    const float cp[6] = {1000, 0, -1000, 1000, 1000, 999}, ct0[2] = {0, 1}, ct1[2] = {1, 2};
    float L = gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_SUM), g, cp, ct0, 2, 3);
    // row 0 class 0: ~0; row 1 (1000,1000,999) class 1: log(2 + e^-1).
    CHECK("cross_entropy with logits 1000 is finite", isfinite(L));
    CHECK_REL("cross_entropy with logits 1000 value", L, log(2.0 + exp(-1.0)), 1e-6);
    int fin = 1;
    for (int i = 0; i < 6; i++)
        fin &= isfinite(g[i]);
    CHECK("cross_entropy gradient finite at logits 1000", fin);
    CHECK_NEAR("cross_entropy grad at sure class is 0", g[0], 0.0, 1e-30);
    L = gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), g, cp, ct1, 2, 3);
    // row 0 class 1: 1000; row 1 class 2: 1 + log(2 + e^-1).
    CHECK_REL("cross_entropy wrong class at logit gap 1000", L, (1000.0 + 1.0 + log(2.0 + exp(-1.0))) / 2.0, 1e-6);

    // Huge equal logits: torch's log_softmax computes (z - max) - log(sum) in that order
    // (SoftMaxKernel.cpp, pytorch issue 11752), so the loss stays log 2 and the gradient
    // (-0.5, 0.5) however large the logits are.
    const float hp[2] = {1e7f, 1e7f}, ht[1] = {0};
    L = gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_SUM), g, hp, ht, 1, 2);
    CHECK_REL("cross_entropy at logits (1e7, 1e7) = log 2", L, log(2.0), 1e-6);
    CHECK_NEAR("cross_entropy grad at logits (1e7, 1e7) [0]", g[0], -0.5, 1e-6);
    CHECK_NEAR("cross_entropy grad at logits (1e7, 1e7) [1]", g[1], 0.5, 1e-6);

    // BCE at x = +-100: loss is either ~0 or 100, never inf/NaN.
    const float bp[4] = {100, -100, 100, -100}, bt[4] = {1, 0, 0, 1};
    L = gg_loss_forward(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_SUM), g, bp, bt, 4, 1);
    CHECK("bce_with_logits at +-100 is finite", isfinite(L));
    CHECK_REL("bce_with_logits at +-100 = 200", L, 200.0, 1e-6);
    CHECK("bce grads at +-100 are finite and exact",
          g[0] == 0.0f && g[1] == 0.0f && g[2] == 1.0f && g[3] == -1.0f);
    const float big[2] = {1e30f, -1e30f}, bt2[2] = {0.5f, 0.5f};
    L = gg_loss_forward(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN), g, big, bt2, 2, 1);
    CHECK("bce_with_logits at +-1e30 is finite", isfinite(L));
    CHECK_REL("bce_with_logits at +-1e30 value", L, 0.5e30, 1e-6);
}

/* ---- target validation ---- */

static void test_check_targets(void)
{
    gg_err err;
    // 4 rows; the bad value sits in the third row (messages count rows from 1, like layers).
    float ce[4] = {0, 2, 3, 1};
    memset(&err, 0, sizeof err);
    CHECK_EQ("ce class index == C rejected", gg_loss_check_targets(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), ce, 4, 3, &err), GG_EINVAL);
    CHECK_EQ("err.code filled", err.code, GG_EINVAL);
    CHECK_CONTAINS("ce out of range message names the row", err.msg, "row 3");
    CHECK_CONTAINS("ce out of range message names the value", err.msg, "got 3");
    ce[2] = 1.5f;
    CHECK_EQ("ce non-integer rejected", gg_loss_check_targets(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), ce, 4, 3, &err), GG_EINVAL);
    CHECK_CONTAINS("ce non-integer message names the row", err.msg, "row 3");
    CHECK_CONTAINS("ce non-integer message names the value", err.msg, "1.5");
    ce[2] = -1.0f;
    CHECK_EQ("ce negative rejected", gg_loss_check_targets(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), ce, 4, 3, &err), GG_EINVAL);
    ce[2] = NAN;
    CHECK_EQ("ce NaN rejected", gg_loss_check_targets(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), ce, 4, 3, &err), GG_EINVAL);
    ce[2] = INFINITY;
    CHECK_EQ("ce inf rejected", gg_loss_check_targets(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), ce, 4, 3, &err), GG_EINVAL);
    ce[2] = 2.0f;
    CHECK_EQ("ce valid accepted", gg_loss_check_targets(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), ce, 4, 3, &err), GG_OK);
    CHECK_EQ("ce valid accepted with err NULL", gg_loss_check_targets(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), ce, 4, 3, NULL), GG_OK);
    ce[0] = 9.0f;
    CHECK_EQ("ce invalid with err NULL", gg_loss_check_targets(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), ce, 4, 3, NULL), GG_EINVAL);

    // BCE: (3 rows, 2 cols); 1.5 at row 2.
    float bt[6] = {0, 1, 0.25f, 1.5f, 1, 0};
    CHECK_EQ("bce target 1.5 rejected", gg_loss_check_targets(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN), bt, 3, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("bce message names the row", err.msg, "row 2");
    CHECK_CONTAINS("bce message names the value", err.msg, "1.5");
    bt[3] = -0.1f;
    CHECK_EQ("bce target -0.1 rejected", gg_loss_check_targets(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN), bt, 3, 2, &err), GG_EINVAL);
    bt[3] = NAN;
    CHECK_EQ("bce target NaN rejected", gg_loss_check_targets(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN), bt, 3, 2, &err), GG_EINVAL);
    bt[3] = 1.0f;
    CHECK_EQ("bce targets in [0,1] accepted", gg_loss_check_targets(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN), bt, 3, 2, &err), GG_OK);

    // MSE: NaN and inf rejected, anything finite accepted.
    float mt[4] = {-1e30f, 0, NAN, 5};
    CHECK_EQ("mse NaN rejected", gg_loss_check_targets(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), mt, 4, 1, &err), GG_EINVAL);
    CHECK_CONTAINS("mse message names the row", err.msg, "row 3");
    CHECK_CONTAINS("mse message names the value", err.msg, "nan");
    mt[2] = -INFINITY;
    CHECK_EQ("mse -inf rejected", gg_loss_check_targets(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), mt, 4, 1, &err), GG_EINVAL);
    mt[2] = 3e38f;
    CHECK_EQ("mse finite accepted", gg_loss_check_targets(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), mt, 4, 1, &err), GG_OK);
}

static void test_names(void)
{
    const char *names[] = {"mse", "cross_entropy", "bce_with_logits"};
    const gg_loss_kind kinds[] = {GG_LOSS_MSE, GG_LOSS_CROSS_ENTROPY, GG_LOSS_BCE_LOGITS};
    for (int i = 0; i < 3; i++) {
        gg_loss_kind k = (gg_loss_kind)99;
        CHECK("loss name", gg_loss_name(kinds[i]) && strcmp(gg_loss_name(kinds[i]), names[i]) == 0);
        CHECK_EQ("loss parse ok", gg_loss_parse(names[i], &k), 0);
        CHECK_EQ("loss parse round-trips", k, kinds[i]);
    }
    gg_loss_kind k = GG_LOSS_MSE;
    CHECK_EQ("unknown loss name", gg_loss_parse("nll", &k), -1);
    CHECK_EQ("unknown loss name leaves *k", k, GG_LOSS_MSE);
    CHECK("unknown loss value has no name", gg_loss_name((gg_loss_kind)3) == NULL);
    CHECK_EQ("target cols mse", gg_loss_target_cols(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), 4), 4);
    CHECK_EQ("target cols bce", gg_loss_target_cols(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN), 3), 3);
    CHECK_EQ("target cols cross_entropy", gg_loss_target_cols(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), 10), 1);
}

int main(void)
{
    test_hand_values();
    test_fd();
    test_stability();
    test_check_targets();
    test_names();
    return CHECK_DONE();
}
