/* tests/test_loss.c — losses: hand-computed values, values and gradients against double
 * references of torch's formulas, central finite-difference checks of dpred for every
 * loss, option combination and reduction, numerical edge cases (extreme logits, BCE's
 * clamped logs, kinks), option/target/prediction validation messages, names. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "loss.h"
#include "rng.h"

/* A loss config for the tests: kind and reduction, PyTorch's other defaults. */
#define LC(k, r) (&(gg_loss_cfg){.kind = (k), .reduction = (r), .ignore_index = -100, .beta = 1.0f, .delta = 1.0f})
/* The same with designated options added, e.g. LCO(GG_LOSS_HUBER, GG_REDUCE_SUM, .delta = 2);
 * a later designator overriding a default is the point, hence the pragma. */
#pragma GCC diagnostic ignored "-Woverride-init"
#define LCO(k, r, ...) \
    (&(gg_loss_cfg){.kind = (k), .reduction = (r), .ignore_index = -100, .beta = 1.0f, .delta = 1.0f, __VA_ARGS__})

/* ---- double references (torch formulas) ---- */

static int by_class(gg_loss_kind k)
{
    return k == GG_LOSS_CROSS_ENTROPY || k == GG_LOSS_NLL;
}

static double sgn(double d)
{
    return d > 0.0 ? 1.0 : d < 0.0 ? -1.0 : 0.0;
}

/* Loss of one element of an element-wise loss, and (if g) its derivative. */
static double ref_elem(const gg_loss_cfg *c, double x, double y, size_t j, double *g)
{
    double d = x - y, z = fabs(d), l = 0.0, gr = 0.0;
    double w = c->weight ? (double)c->weight[j] : 1.0;
    switch (c->kind) {
    case GG_LOSS_MSE:
        l = d * d, gr = 2.0 * d;
        break;
    case GG_LOSS_L1:
        l = z, gr = sgn(d);
        break;
    case GG_LOSS_SMOOTH_L1: {
        double b = (double)c->beta;
        l = z < b ? 0.5 * z * z / b : z - 0.5 * b;
        gr = z < b ? d / b : sgn(d);
        break;
    }
    case GG_LOSS_HUBER: {
        double dl = (double)c->delta;
        l = z < dl ? 0.5 * z * z : dl * (z - 0.5 * dl);
        gr = z < dl ? d : dl * sgn(d);
        break;
    }
    case GG_LOSS_BCE:
        l = -w * (y * fmax(log(x), -100.0) + (1.0 - y) * fmax(log(1.0 - x), -100.0));
        gr = w * (x - y) / fmax(x * (1.0 - x), 1e-12);
        break;
    case GG_LOSS_BCE_LOGITS: {
        double pw = c->pos_weight ? (double)c->pos_weight[j] : 1.0;
        double lw = 1.0 + (pw - 1.0) * y, s = 1.0 / (1.0 + exp(-x));
        l = w * ((1.0 - y) * x + lw * (log1p(exp(-fabs(x))) + fmax(-x, 0.0)));
        gr = w * ((pw * y + 1.0 - y) * s - pw * y);
        break;
    }
    default:
        break;
    }
    if (g)
        *g = gr;
    return l;
}

/* Loss of one row of a class loss (cross-entropy on logits, nll on log-probabilities)
 * with target class y, and (if g) its gradient row; semantics.md's formula. */
static double ref_row(const gg_loss_cfg *c, const double *z, size_t y, size_t C, double *g)
{
    const double *wt = NULL;
    double wbuf[16];
    for (size_t j = 0; j < C; j++)
        wbuf[j] = c->weight ? (double)c->weight[j] : 1.0;
    wt = wbuf;
    if (c->kind == GG_LOSS_NLL) {
        for (size_t j = 0; g && j < C; j++)
            g[j] = j == y ? -wt[y] : 0.0;
        return -wt[y] * z[y];
    }
    double eps = (double)c->label_smoothing, m = z[0], e = 0.0, wsum = 0.0;
    for (size_t j = 1; j < C; j++)
        m = fmax(m, z[j]);
    for (size_t j = 0; j < C; j++)
        e += exp(z[j] - m), wsum += wt[j];
    double lse = m + log(e), l = -(1.0 - eps) * wt[y] * (z[y] - lse);
    for (size_t j = 0; j < C; j++)
        l -= eps / (double)C * wt[j] * (z[j] - lse);
    for (size_t j = 0; g && j < C; j++) {
        double p = exp(z[j] - lse);
        g[j] = (1.0 - eps) * wt[y] * (p - (j == y ? 1.0 : 0.0)) + eps / (double)C * (p * wsum - wt[j]);
    }
    return l;
}

/* The reduced loss and (if g) its gradient, in double. */
static double ref(const gg_loss_cfg *c, const double *pred, const float *target, size_t B,
                  size_t k, double *g)
{
    double s = 0.0, div = 0.0;
    if (by_class(c->kind)) {
        for (size_t r = 0; r < B; r++) {
            double *gr = g ? g + r * k : NULL;
            if (target[r] == (float)c->ignore_index) {
                for (size_t j = 0; gr && j < k; j++)
                    gr[j] = 0.0;
                continue;
            }
            size_t y = (size_t)target[r];
            div += c->weight ? (double)c->weight[y] : 1.0;
            s += ref_row(c, pred + r * k, y, k, gr);
        }
    } else {
        for (size_t i = 0; i < B * k; i++)
            s += ref_elem(c, pred[i], (double)target[i], i % k, g ? g + i : NULL);
        div = (double)(B * k);
    }
    double sc = c->reduction == GG_REDUCE_MEAN ? 1.0 / div : 1.0;
    for (size_t i = 0; g && i < B * k; i++)
        g[i] *= sc;
    return s * sc;
}

/* The reduction's gradient scale (1/divisor for 'mean'). */
static double ref_scale(const gg_loss_cfg *c, const float *target, size_t B, size_t k)
{
    if (c->reduction == GG_REDUCE_SUM)
        return 1.0;
    if (!by_class(c->kind))
        return 1.0 / (double)(B * k);
    double div = 0.0;
    for (size_t r = 0; r < B; r++)
        if (target[r] != (float)c->ignore_index)
            div += c->weight ? (double)c->weight[(size_t)target[r]] : 1.0;
    return 1.0 / div;
}

static void to_double(double *d, const float *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (double)f[i];
}

/* ---- hand-computed values ---- */

static void test_hand_values(void)
{
    float g[9];
    // MSE: diffs 1, 0, -2, 0.5 -> squares sum 5.25.
    const float mp[4] = {1, 2, 3, 4}, mt[4] = {0, 2, 5, 3.5f};
    CHECK("mse sum = 5.25", gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_SUM), g, mp, mt, 2, 2) == 5.25f);
    CHECK("mse sum grad = 2d", g[0] == 2.0f && g[1] == 0.0f && g[2] == -4.0f && g[3] == 1.0f);
    CHECK("mse mean = 1.3125", gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), g, mp, mt, 2, 2) == 1.3125f);
    CHECK("mse mean grad = 2d/4", g[0] == 0.5f && g[1] == 0.0f && g[2] == -1.0f && g[3] == 0.25f);
    CHECK("mse without dpred", gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), NULL, mp, mt, 2, 2) == 1.3125f);

    // L1 on the same diffs 1, 0, -2, 0.5: |d| sums to 3.5; gradient sgn(d), 0 at d = 0.
    CHECK("l1 sum = 3.5", gg_loss_forward(LC(GG_LOSS_L1, GG_REDUCE_SUM), g, mp, mt, 2, 2) == 3.5f);
    CHECK("l1 sum grad = sgn d", g[0] == 1.0f && g[1] == 0.0f && g[2] == -1.0f && g[3] == 1.0f);
    CHECK("l1 mean = 0.875", gg_loss_forward(LC(GG_LOSS_L1, GG_REDUCE_MEAN), g, mp, mt, 2, 2) == 0.875f);
    CHECK("l1 mean grad = sgn d / 4", g[0] == 0.25f && g[1] == 0.0f && g[2] == -0.25f && g[3] == 0.25f);

    // SmoothL1 beta=1: |d|=1 is not < beta -> 1 - 0.5; 0 -> 0; 2 -> 1.5; 0.5 -> 0.125.
    // Gradient: d >= beta -> 1 (torch's branch at the boundary), d/beta inside.
    CHECK("smooth_l1 sum (beta 1) = 2.125",
          gg_loss_forward(LC(GG_LOSS_SMOOTH_L1, GG_REDUCE_SUM), g, mp, mt, 2, 2) == 2.125f);
    CHECK("smooth_l1 sum grad", g[0] == 1.0f && g[1] == 0.0f && g[2] == -1.0f && g[3] == 0.5f);
    CHECK("smooth_l1 mean (beta 1) = 2.125/4",
          gg_loss_forward(LC(GG_LOSS_SMOOTH_L1, GG_REDUCE_MEAN), g, mp, mt, 2, 2) == 0.53125f);
    CHECK("smooth_l1 mean grad", g[0] == 0.25f && g[1] == 0.0f && g[2] == -0.25f && g[3] == 0.125f);
    // beta=2: 0.5*1/2 = 0.25; 0; |d|=2 not < 2 -> 2 - 1 = 1; 0.5*0.25/2 = 0.0625.
    double v = 0.5 * 1.0 / 2.0 + 0.0 + (2.0 - 1.0) + 0.5 * 0.25 / 2.0;
    CHECK_REL("smooth_l1 sum (beta 2)", gg_loss_forward(LCO(GG_LOSS_SMOOTH_L1, GG_REDUCE_SUM, .beta = 2), g, mp, mt, 2, 2), v, 1e-7);
    CHECK("smooth_l1 beta 2 grad d/beta inside, -1 at d = -beta", g[0] == 0.5f && g[2] == -1.0f && g[3] == 0.25f);
    // beta=0 is L1's value; torch's backward takes d <= -beta at d = 0: gradient -1 there.
    CHECK("smooth_l1 beta 0 sum = l1 = 3.5",
          gg_loss_forward(LCO(GG_LOSS_SMOOTH_L1, GG_REDUCE_SUM, .beta = 0), g, mp, mt, 2, 2) == 3.5f);
    CHECK("smooth_l1 beta 0 grad: sgn d, -1 at d = 0 (torch)",
          g[0] == 1.0f && g[1] == -1.0f && g[2] == -1.0f && g[3] == 1.0f);
    CHECK("smooth_l1 beta 0 mean = 0.875",
          gg_loss_forward(LCO(GG_LOSS_SMOOTH_L1, GG_REDUCE_MEAN, .beta = 0), g, mp, mt, 2, 2) == 0.875f);
    CHECK("smooth_l1 beta 0 mean grad", g[0] == 0.25f && g[1] == -0.25f);

    // Huber delta=1 equals SmoothL1 beta=1 here; delta=0.5: |d|=1 -> 0.5(1-0.25) = 0.375;
    // 0; 2 -> 0.5(2-0.25) = 0.875; 0.5 not < 0.5 -> 0.5(0.5-0.25) = 0.125.
    CHECK("huber sum (delta 1) = 2.125", gg_loss_forward(LC(GG_LOSS_HUBER, GG_REDUCE_SUM), g, mp, mt, 2, 2) == 2.125f);
    CHECK("huber sum grad", g[0] == 1.0f && g[1] == 0.0f && g[2] == -1.0f && g[3] == 0.5f);
    v = 0.375 + 0.0 + 0.875 + 0.125;
    CHECK_REL("huber sum (delta 0.5)", gg_loss_forward(LCO(GG_LOSS_HUBER, GG_REDUCE_SUM, .delta = 0.5f), g, mp, mt, 2, 2), v, 1e-7);
    CHECK("huber delta 0.5 grad: +-delta outside, at d = delta too", g[0] == 0.5f && g[1] == 0.0f && g[2] == -0.5f && g[3] == 0.5f);
    CHECK_REL("huber mean (delta 0.5)", gg_loss_forward(LCO(GG_LOSS_HUBER, GG_REDUCE_MEAN, .delta = 0.5f), g, mp, mt, 2, 2), v / 4.0, 1e-7);
    CHECK("huber mean grad", g[0] == 0.125f && g[2] == -0.125f);

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
    // Weighted (w = 2, 1, 4) with label smoothing 0.3: row 1 (uniform, class 0):
    // l_c = -log 3 for all c -> 0.7*2*log3 + 0.1*(2+1+4)*log3; mean divides by w_y sum 4+2.
    const float cw[3] = {2, 1, 4};
    double ce_r0 = 0.7 * 4.0 * l0, ls_r0 = 0.0;
    for (int c = 0; c < 3; c++)
        ls_r0 += (double)cw[c] * (log(exp(1.0) + exp(2.0) + exp(3.0)) - (double)cp[c]);
    double ce_w = ce_r0 + 0.1 * ls_r0 + 0.7 * 2.0 * l1 + 0.1 * 7.0 * l1;
    CHECK_REL("cross_entropy weight+label_smoothing sum",
              gg_loss_forward(LCO(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_SUM, .weight = cw, .label_smoothing = 0.3f), g, cp, ct, 2, 3),
              ce_w, 1e-6);
    CHECK_REL("cross_entropy weight+label_smoothing mean divides by sum w_y = 6",
              gg_loss_forward(LCO(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN, .weight = cw, .label_smoothing = 0.3f), g, cp, ct, 2, 3),
              ce_w / 6.0, 1e-6);
    const float ct_ign[2] = {2, -100};
    CHECK_REL("cross_entropy ignore_index: mean over the kept row only",
              gg_loss_forward(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), g, cp, ct_ign, 2, 3), l0, 1e-6);
    CHECK("cross_entropy ignored row has zero gradient", g[3] == 0.0f && g[4] == 0.0f && g[5] == 0.0f);

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
    // pos_weight (3, 0.5) and weight (2, 1) per column, 2 rows: x = (0, 2; -1, 1), y = (1, 0; 0.5, 1).
    // loss = w [(1-y) x + (1 + (pw-1) y) softplus(-x)]; grad = w ((pw y + 1 - y) s - pw y).
    const float xp[4] = {0, 2, -1, 1}, xt[4] = {1, 0, 0.5f, 1}, pw2[2] = {3, 0.5f}, w2[2] = {2, 1};
    double want = 0.0, gw[4];
    for (int i = 0; i < 4; i++) {
        double x = xp[i], y = xt[i], pw = pw2[i % 2], w = w2[i % 2], s = 1.0 / (1.0 + exp(-x));
        want += w * ((1.0 - y) * x + (1.0 + (pw - 1.0) * y) * log1p(exp(-x)));
        gw[i] = w * ((pw * y + 1.0 - y) * s - pw * y);
    }
    CHECK_REL("bce_with_logits pos_weight+weight sum",
              gg_loss_forward(LCO(GG_LOSS_BCE_LOGITS, GG_REDUCE_SUM, .weight = w2, .pos_weight = pw2), g, xp, xt, 2, 2), want, 1e-6);
    for (int i = 0; i < 4; i++)
        CHECK_NEAR("bce_with_logits pos_weight+weight sum grad", g[i], gw[i], 1e-6);
    CHECK_REL("bce_with_logits pos_weight+weight mean divides by B*k, not by the weights",
              gg_loss_forward(LCO(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN, .weight = w2, .pos_weight = pw2), g, xp, xt, 2, 2), want / 4.0, 1e-6);
    CHECK_NEAR("bce_with_logits pos_weight+weight mean grad [0]", g[0], gw[0] / 4.0, 1e-7);
    CHECK_NEAR("bce_with_logits pos_weight+weight mean grad [3]", g[3], gw[3] / 4.0, 1e-7);

    // BCE on probabilities: p = (0.5, 0.8; 0.1, 0.25), y = (1, 0; 0, 0.5), weight (2, 3).
    const float pp[4] = {0.5f, 0.8f, 0.1f, 0.25f}, pt[4] = {1, 0, 0, 0.5f}, pwt[2] = {2, 3};
    double bsum = 0.0, bwsum = 0.0, bg[4], bwg[4];
    for (int i = 0; i < 4; i++) {
        double p = pp[i], y = pt[i], l = -(y * log(p) + (1.0 - y) * log(1.0 - p));
        bsum += l, bwsum += (double)pwt[i % 2] * l;
        bg[i] = (p - y) / (p * (1.0 - p)), bwg[i] = (double)pwt[i % 2] * bg[i];
    }
    CHECK_REL("bce sum", gg_loss_forward(LC(GG_LOSS_BCE, GG_REDUCE_SUM), g, pp, pt, 2, 2), bsum, 1e-6);
    for (int i = 0; i < 4; i++)
        CHECK_REL("bce sum grad (p - y) / (p (1 - p))", g[i], bg[i], 1e-6);
    CHECK_REL("bce mean", gg_loss_forward(LC(GG_LOSS_BCE, GG_REDUCE_MEAN), g, pp, pt, 2, 2), bsum / 4.0, 1e-6);
    CHECK_REL("bce mean grad [1]", g[1], bg[1] / 4.0, 1e-6);
    CHECK_REL("bce weight sum", gg_loss_forward(LCO(GG_LOSS_BCE, GG_REDUCE_SUM, .weight = pwt), g, pp, pt, 2, 2), bwsum, 1e-6);
    CHECK_REL("bce weight sum grad [3]", g[3], bwg[3], 1e-6);
    CHECK_REL("bce weight mean divides by B*k (torch), not the weights",
              gg_loss_forward(LCO(GG_LOSS_BCE, GG_REDUCE_MEAN, .weight = pwt), g, pp, pt, 2, 2), bwsum / 4.0, 1e-6);
    CHECK_REL("bce weight mean grad [2]", g[2], bwg[2] / 4.0, 1e-6);

    // NLL on log-probabilities, weight (2, 3, 0.5), targets (0, 2, ignored):
    // sum = 2*1 + 0.5*1.7; mean divides by 2 + 0.5; gradient -w_y (/2.5) at the target.
    const float np[9] = {-1, -2, -0.5f, -0.2f, -3, -1.7f, -4, -0.1f, -2}, nt[3] = {0, 2, -100};
    const float nw[3] = {2, 3, 0.5f};
    double nsum = 2.0 * 1.0 + 0.5 * (double)1.7f;
    CHECK_REL("nll weight sum", gg_loss_forward(LCO(GG_LOSS_NLL, GG_REDUCE_SUM, .weight = nw), g, np, nt, 3, 3), nsum, 1e-7);
    CHECK("nll weight sum grad", g[0] == -2.0f && g[1] == 0.0f && g[5] == -0.5f && g[3] == 0.0f && g[6] == 0.0f);
    CHECK_REL("nll weight mean divides by sum w_y = 2.5",
              gg_loss_forward(LCO(GG_LOSS_NLL, GG_REDUCE_MEAN, .weight = nw), g, np, nt, 3, 3), nsum / 2.5, 1e-7);
    CHECK_NEAR("nll weight mean grad [0,0]", g[0], -2.0 / 2.5, 1e-7);
    CHECK_NEAR("nll weight mean grad [1,2]", g[5], -0.5 / 2.5, 1e-7);
    CHECK("nll ignored row has zero gradient", g[6] == 0.0f && g[7] == 0.0f && g[8] == 0.0f);
    CHECK_REL("nll mean unweighted divides by the kept rows",
              gg_loss_forward(LC(GG_LOSS_NLL, GG_REDUCE_MEAN), g, np, nt, 3, 3), (1.0 + (double)1.7f) / 2.0, 1e-7);
    CHECK("nll mean unweighted grad", g[0] == -0.5f && g[5] == -0.5f && g[1] == 0.0f);
    CHECK_REL("nll sum unweighted", gg_loss_forward(LC(GG_LOSS_NLL, GG_REDUCE_SUM), g, np, nt, 3, 3), 1.0 + (double)1.7f, 1e-7);
    // ignore_index may be a valid class: targets equal to it are skipped.
    CHECK_REL("nll ignore_index = 2 skips class-2 rows",
              gg_loss_forward(LCO(GG_LOSS_NLL, GG_REDUCE_MEAN, .ignore_index = 2), g, np, (const float[]){0, 2, 1}, 3, 3),
              (1.0 + (double)0.1f) / 2.0, 1e-7);
    // All rows ignored: 0/0 = NaN for 'mean', as torch; gradients zero.
    float Lall = gg_loss_forward(LC(GG_LOSS_NLL, GG_REDUCE_MEAN), g, np, (const float[]){-100, -100, -100}, 3, 3);
    CHECK("nll mean with every row ignored is NaN (torch)", isnan(Lall));
    CHECK("nll every row ignored: zero gradient", g[0] == 0.0f && g[4] == 0.0f && g[8] == 0.0f);
}

/* ---- random cases: value and gradient vs double, and finite differences ---- */

enum { B = 4, K = 5 };
static const float W5[K] = {0.5f, 2.0f, 1.0f, 0.25f, 3.0f};
static const float PW5[K] = {2.0f, 0.5f, 1.0f, 3.0f, 0.0f};

typedef struct fd_case {
    const char *name;
    gg_loss_cfg cfg;  /* reduction filled per run */
    int ignore_row;   /* 1-based row whose target is set to ignore_index, or 0 */
} fd_case;

#define CASE(n, k, ...) {n, {.kind = (k), .ignore_index = -100, .beta = 1.0f, .delta = 1.0f, __VA_ARGS__}, 0}
#define CASE_IGN(n, k, row, ...) {n, {.kind = (k), .ignore_index = -100, .beta = 1.0f, .delta = 1.0f, __VA_ARGS__}, row}

static const fd_case cases[] = {
    CASE("mse", GG_LOSS_MSE, .reduction = GG_REDUCE_MEAN),
    CASE("l1", GG_LOSS_L1, .reduction = GG_REDUCE_MEAN),
    CASE("smooth_l1 beta=1", GG_LOSS_SMOOTH_L1, .reduction = GG_REDUCE_MEAN),
    CASE("smooth_l1 beta=0.5", GG_LOSS_SMOOTH_L1, .beta = 0.5f),
    CASE("smooth_l1 beta=2.5", GG_LOSS_SMOOTH_L1, .beta = 2.5f),
    CASE("smooth_l1 beta=0", GG_LOSS_SMOOTH_L1, .beta = 0.0f),
    CASE("huber delta=1", GG_LOSS_HUBER, .reduction = GG_REDUCE_MEAN),
    CASE("huber delta=0.3", GG_LOSS_HUBER, .delta = 0.3f),
    CASE("huber delta=2", GG_LOSS_HUBER, .delta = 2.0f),
    CASE("cross_entropy", GG_LOSS_CROSS_ENTROPY, .reduction = GG_REDUCE_MEAN),
    CASE("cross_entropy weight", GG_LOSS_CROSS_ENTROPY, .weight = W5),
    CASE("cross_entropy label_smoothing", GG_LOSS_CROSS_ENTROPY, .label_smoothing = 0.2f),
    CASE_IGN("cross_entropy weight+ls+ignore", GG_LOSS_CROSS_ENTROPY, 2, .weight = W5, .label_smoothing = 0.1f),
    CASE_IGN("cross_entropy ignore_index=3", GG_LOSS_CROSS_ENTROPY, 3, .ignore_index = 3),
    CASE("nll", GG_LOSS_NLL, .reduction = GG_REDUCE_MEAN),
    CASE("nll weight", GG_LOSS_NLL, .weight = W5),
    CASE_IGN("nll weight+ignore", GG_LOSS_NLL, 1, .weight = W5),
    CASE("bce_with_logits", GG_LOSS_BCE_LOGITS, .reduction = GG_REDUCE_MEAN),
    CASE("bce_with_logits pos_weight", GG_LOSS_BCE_LOGITS, .pos_weight = PW5),
    CASE("bce_with_logits weight", GG_LOSS_BCE_LOGITS, .weight = W5),
    CASE("bce_with_logits pos_weight+weight", GG_LOSS_BCE_LOGITS, .weight = W5, .pos_weight = PW5),
    CASE("bce", GG_LOSS_BCE, .reduction = GG_REDUCE_MEAN),
    CASE("bce weight", GG_LOSS_BCE, .weight = W5),
};

/* Regression predictions are kept 0.05 away from the kinks (d = 0, +-beta, +-delta) so
 * central differences with h = 1e-2 never straddle one. */
static int near_kink(const gg_loss_cfg *c, float p, float t)
{
    float z = fabsf(p - t);
    switch (c->kind) {
    case GG_LOSS_L1:        return z < 0.05f;
    case GG_LOSS_SMOOTH_L1: return fabsf(z - c->beta) < 0.05f || (c->beta == 0.0f && z < 0.05f);
    case GG_LOSS_HUBER:     return fabsf(z - c->delta) < 0.05f;
    default:                return 0;
    }
}

static void fill_case(const fd_case *fc, gg_rng *r, float *pred, float *target)
{
    const gg_loss_cfg *c = &fc->cfg;
    for (int i = 0; i < B * K; i++) {
        switch (c->kind) {
        case GG_LOSS_BCE:
            // probabilities in [0.2, 0.8]: BCE's third derivative stays small for h = 1e-2
            pred[i] = 0.2f + 0.6f * gg_rng_uniformf(r);
            target[i] = i % 7 == 0 ? 1.0f : i % 5 == 0 ? 0.0f : gg_rng_uniformf(r);
            break;
        case GG_LOSS_BCE_LOGITS:
            pred[i] = (float)(2.0 * gg_rng_normal(r));
            target[i] = i % 7 == 0 ? 1.0f : i % 5 == 0 ? 0.0f : gg_rng_uniformf(r);
            break;
        case GG_LOSS_NLL:
            pred[i] = (float)-fabs(2.0 * gg_rng_normal(r));
            break;
        case GG_LOSS_CROSS_ENTROPY:
            pred[i] = (float)(2.0 * gg_rng_normal(r));
            break;
        default:
            target[i] = (float)gg_rng_normal(r);
            do
                pred[i] = (float)(2.0 * gg_rng_normal(r));
            while (near_kink(c, pred[i], target[i]));
        }
    }
    if (by_class(c->kind)) {
        for (int i = 0; i < B; i++)
            do
                target[i] = (float)gg_rng_below(r, K);
            while (target[i] == (float)c->ignore_index && fc->ignore_row != i + 1);
        if (fc->ignore_row)
            target[fc->ignore_row - 1] = (float)c->ignore_index;
    }
}

static void test_fd(void)
{
    gg_rng r;
    gg_rng_seed(&r, 31);
    const gg_reduction reds[] = {GG_REDUCE_MEAN, GG_REDUCE_SUM};
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++)
        for (int ri = 0; ri < 2; ri++) {
            gg_loss_cfg cfg = cases[ci].cfg;
            cfg.reduction = reds[ri];
            const gg_loss_cfg *c = &cfg;
            float pred[B * K], target[B * K], g[B * K];
            double pd[B * K], gd[B * K];
            fill_case(&cases[ci], &r, pred, target);
            gg_err err;
            CHECK("case config passes gg_loss_check", gg_loss_check(c, K, &err) == GG_OK);
            CHECK("case targets pass gg_loss_check_targets", gg_loss_check_targets(c, target, B, K, &err) == GG_OK);
            CHECK("case predictions pass gg_loss_check_pred", gg_loss_check_pred(c, pred, B, K, &err) == GG_OK);
            to_double(pd, pred, B * K);
            for (int i = 0; i < B * K; i++)
                g[i] = 1e30f;  // dpred is overwritten
            float L = gg_loss_forward(c, g, pred, target, B, K);
            double Ld = ref(c, pd, target, B, K, gd);
            char name[160];
            const char *rn = c->reduction == GG_REDUCE_MEAN ? "mean" : "sum";
            const char *cn = cases[ci].name;
            snprintf(name, sizeof name, "%s %s value vs double reference", cn, rn);
            CHECK_REL(name, L, Ld, 1e-6);
            snprintf(name, sizeof name, "%s %s value without dpred is identical", cn, rn);
            CHECK(name, gg_loss_forward(c, NULL, pred, target, B, K) == L);
            double acc = 0.0, den = 0.0;
            gg_loss_accumulate(c, pred, target, 2, K, &acc, &den);
            gg_loss_accumulate(c, pred + 2 * K, target + (by_class(c->kind) ? 2 : 2 * K), B - 2, K, &acc, &den);
            snprintf(name, sizeof name, "%s %s accumulate in two chunks = forward", cn, rn);
            CHECK_REL(name, c->reduction == GG_REDUCE_MEAN ? acc / den : acc, L, 1e-6);

            // Gradient errors are measured relative to |g| + the reduction's scale: near-1
            // softmax probabilities make p - 1 lose relative (not absolute) precision.
            const double sc = ref_scale(c, target, B, K);
            double worst_an = 0.0, worst_tight = 0.0, worst_loose = 0.0;
            for (int i = 0; i < B * K; i++) {
                worst_an = fmax(worst_an, fabs((double)g[i] - gd[i]) / (sc + fabs(gd[i])));
                // Tight: central difference of the double reference, h = 1e-6.
                const double h = 1e-6;
                double keep = pd[i];
                pd[i] = keep + h;
                double Lp = ref(c, pd, target, B, K, NULL);
                pd[i] = keep - h;
                double Lm = ref(c, pd, target, B, K, NULL);
                pd[i] = keep;
                double num = (Lp - Lm) / (2.0 * h);
                worst_tight = fmax(worst_tight, fabs((double)g[i] - num) / (sc + fabs(num)));
                // Loose: central difference through the float32 kernel, h = 1e-2.
                float pp[B * K];
                memcpy(pp, pred, sizeof pred);
                pp[i] = (float)((double)pred[i] + 1e-2);
                double Lpf = (double)gg_loss_forward(c, NULL, pp, target, B, K);
                double xp = (double)pp[i];
                pp[i] = (float)((double)pred[i] - 1e-2);
                double Lmf = (double)gg_loss_forward(c, NULL, pp, target, B, K);
                double numf = (Lpf - Lmf) / (xp - (double)pp[i]);
                worst_loose = fmax(worst_loose, fabs((double)g[i] - numf) / (sc + fabs(numf)));
            }
            snprintf(name, sizeof name, "%s %s dpred vs analytic double gradient", cn, rn);
            CHECK_NEAR(name, worst_an, 0.0, 1e-5);
            snprintf(name, sizeof name, "%s %s dpred vs central difference (double, h=1e-6)", cn, rn);
            CHECK_NEAR(name, worst_tight, 0.0, 1e-5);
            snprintf(name, sizeof name, "%s %s dpred vs central difference (float kernel, h=1e-2)", cn, rn);
            CHECK_NEAR(name, worst_loose, 0.0, 2e-3);
        }
}

/* ---- numerical stability and edge cases ---- */

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
    // ... with pos_weight 2: the y = 1 term doubles (x = -100, y = 1 -> 2 * 100).
    const float pw1[1] = {2};
    L = gg_loss_forward(LCO(GG_LOSS_BCE_LOGITS, GG_REDUCE_SUM, .pos_weight = pw1), g, bp, bt, 4, 1);
    CHECK_REL("bce_with_logits pos_weight 2 at +-100 = 300", L, 300.0, 1e-6);
    CHECK("bce_with_logits pos_weight grads at +-100 finite and exact",
          g[0] == 0.0f && g[1] == 0.0f && g[2] == 1.0f && g[3] == -2.0f);
    const float big[2] = {1e30f, -1e30f}, bt2[2] = {0.5f, 0.5f};
    L = gg_loss_forward(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN), g, big, bt2, 2, 1);
    CHECK("bce_with_logits at +-1e30 is finite", isfinite(L));
    CHECK_REL("bce_with_logits at +-1e30 value", L, 0.5e30, 1e-6);

    // BCE on probabilities at 0 and 1: each log is clamped at -100 as in torch, so a sure
    // wrong answer costs 100, never inf; the gradient divides by max(p (1-p), 1e-12).
    const float ep[4] = {0, 1, 0, 1}, et[4] = {1, 0, 0, 1};
    L = gg_loss_forward(LC(GG_LOSS_BCE, GG_REDUCE_SUM), g, ep, et, 4, 1);
    CHECK("bce at p = 0 and 1 is finite", isfinite(L));
    CHECK_REL("bce at p = 0, y = 1 and p = 1, y = 0: 100 each (clamped log)", L, 200.0, 1e-7);
    CHECK_REL("bce grad p = 0, y = 1: -1/1e-12", g[0], -1.0 / (double)1e-12f, 1e-6);
    CHECK_REL("bce grad p = 1, y = 0: +1/1e-12", g[1], 1.0 / (double)1e-12f, 1e-6);
    CHECK("bce grad p = y in {0, 1}: 0", g[2] == 0.0f && g[3] == 0.0f);
    L = gg_loss_forward(LC(GG_LOSS_BCE, GG_REDUCE_MEAN), g, ep, et, 4, 1);
    CHECK_REL("bce mean at the clamps = 50", L, 50.0, 1e-7);
    // A tiny p with y = 1: log(1e-30) = -69.08 is above the clamp; 1e-45 (denormal) is not.
    const float tp[2] = {1e-30f, 1e-45f}, tt[2] = {1, 1};
    L = gg_loss_forward(LC(GG_LOSS_BCE, GG_REDUCE_SUM), g, tp, tt, 2, 1);
    CHECK_REL("bce at p = 1e-30 and 1e-45 (y = 1): -log(1e-30) + 100", L, -log((double)1e-30f) + 100.0, 1e-6);
    CHECK("bce grads at tiny p are finite", isfinite(g[0]) && isfinite(g[1]));
    // torch takes log(1 - p): 1 - 1e-8 rounds to 1 in float, so p = 1e-8, y = 0 costs 0.
    const float sp[1] = {1e-8f}, st[1] = {0};
    CHECK("bce p = 1e-8, y = 0 is 0 (log(1 - p) in float32, as torch)",
          gg_loss_forward(LC(GG_LOSS_BCE, GG_REDUCE_SUM), g, sp, st, 1, 1) == 0.0f);
    CHECK_REL("bce grad p = 1e-8, y = 0 is p / (p (1 - p)) = 1", g[0], 1.0, 1e-6);
    // Unchecked predictions outside [0,1] give NaN, not a crash (gg_loss_check_pred rejects them).
    CHECK("bce with p = 1.5 (unchecked) is NaN",
          isnan(gg_loss_forward(LC(GG_LOSS_BCE, GG_REDUCE_SUM), g, (const float[]){1.5f}, (const float[]){1}, 1, 1)));
    CHECK("bce with p = NaN (unchecked) is NaN, not clamped to 100",
          isnan(gg_loss_forward(LC(GG_LOSS_BCE, GG_REDUCE_SUM), g, (const float[]){NAN}, (const float[]){1}, 1, 1)));

    // Large differences: L1/SmoothL1/Huber are linear out there, MSE overflows only at float's edge.
    const float lp[2] = {1e20f, -1e20f}, lt[2] = {0, 0};
    CHECK_REL("l1 at 1e20", gg_loss_forward(LC(GG_LOSS_L1, GG_REDUCE_SUM), g, lp, lt, 2, 1), 2e20, 1e-6);
    CHECK_REL("smooth_l1 at 1e20", gg_loss_forward(LC(GG_LOSS_SMOOTH_L1, GG_REDUCE_SUM), g, lp, lt, 2, 1), 2e20, 1e-6);
    CHECK("smooth_l1 grad at 1e20 is +-1", g[0] == 1.0f && g[1] == -1.0f);
    CHECK_REL("huber delta 2 at 1e20", gg_loss_forward(LCO(GG_LOSS_HUBER, GG_REDUCE_SUM, .delta = 2), g, lp, lt, 2, 1), 4e20, 1e-6);
    CHECK("huber delta 2 grad at 1e20 is +-2", g[0] == 2.0f && g[1] == -2.0f);
    CHECK("mse at 1e20 overflows to inf like a float32 loss",
          isinf(gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_SUM), NULL, lp, lt, 2, 1)));
}

/* ---- option, target and prediction validation ---- */

static void test_check_options(void)
{
    gg_err err;
    memset(&err, 0, sizeof err);
    CHECK_EQ("huber delta 0 rejected", gg_loss_check(LCO(GG_LOSS_HUBER, GG_REDUCE_MEAN, .delta = 0), 2, &err), GG_EINVAL);
    CHECK_CONTAINS("huber delta message", err.msg, "delta must be a positive number, got 0");
    CHECK_EQ("huber delta NaN rejected", gg_loss_check(LCO(GG_LOSS_HUBER, GG_REDUCE_MEAN, .delta = NAN), 2, &err), GG_EINVAL);
    CHECK_EQ("huber delta inf rejected", gg_loss_check(LCO(GG_LOSS_HUBER, GG_REDUCE_MEAN, .delta = INFINITY), 2, &err), GG_EINVAL);
    CHECK_EQ("smooth_l1 beta -1 rejected", gg_loss_check(LCO(GG_LOSS_SMOOTH_L1, GG_REDUCE_MEAN, .beta = -1), 2, &err), GG_EINVAL);
    CHECK_CONTAINS("smooth_l1 beta message", err.msg, "beta must be a non-negative number, got -1");
    CHECK_EQ("smooth_l1 beta 0 accepted", gg_loss_check(LCO(GG_LOSS_SMOOTH_L1, GG_REDUCE_MEAN, .beta = 0), 2, &err), GG_OK);
    CHECK_EQ("a zeroed huber config (delta 0) is rejected",
             gg_loss_check(&(gg_loss_cfg){.kind = GG_LOSS_HUBER}, 2, &err), GG_EINVAL);
    const float w[3] = {1, -2, 1}, wn[3] = {1, 1, NAN}, ok3[3] = {1, 0, 2};
    CHECK_EQ("bce negative weight rejected", gg_loss_check(LCO(GG_LOSS_BCE, GG_REDUCE_MEAN, .weight = w), 3, &err), GG_EINVAL);
    CHECK_CONTAINS("weight message names the element", err.msg, "weight[2] must be a non-negative number, got -2");
    CHECK_EQ("nll NaN weight rejected", gg_loss_check(LCO(GG_LOSS_NLL, GG_REDUCE_MEAN, .weight = wn), 3, &err), GG_EINVAL);
    CHECK_CONTAINS("nll weight message", err.msg, "weight[3]");
    CHECK_EQ("pos_weight negative rejected",
             gg_loss_check(LCO(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN, .pos_weight = w), 3, &err), GG_EINVAL);
    CHECK_CONTAINS("pos_weight message names the element", err.msg, "pos_weight[2] must be a non-negative number, got -2");
    CHECK_EQ("bce_with_logits weight and pos_weight accepted",
             gg_loss_check(LCO(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN, .weight = ok3, .pos_weight = ok3), 3, &err), GG_OK);
    CHECK_EQ("weight on mse rejected", gg_loss_check(LCO(GG_LOSS_MSE, GG_REDUCE_MEAN, .weight = ok3), 3, &err), GG_EINVAL);
    CHECK_CONTAINS("weight on mse message", err.msg, "weight is not an option of mse");
    CHECK_EQ("pos_weight on bce rejected", gg_loss_check(LCO(GG_LOSS_BCE, GG_REDUCE_MEAN, .pos_weight = ok3), 3, &err), GG_EINVAL);
    CHECK_CONTAINS("pos_weight on bce message", err.msg, "pos_weight is not an option of bce");
    CHECK_EQ("label_smoothing on nll rejected",
             gg_loss_check(LCO(GG_LOSS_NLL, GG_REDUCE_MEAN, .label_smoothing = 0.1f), 3, &err), GG_EINVAL);
    CHECK_CONTAINS("label_smoothing on nll message", err.msg, "label_smoothing is not an option of nll");
    CHECK_EQ("cross_entropy label_smoothing 1 rejected",
             gg_loss_check(LCO(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN, .label_smoothing = 1), 3, &err), GG_EINVAL);
    CHECK_CONTAINS("label_smoothing range message", err.msg, "label_smoothing must be in [0, 1), got 1");
    CHECK_EQ("cross_entropy one column rejected", gg_loss_check(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), 1, &err), GG_ESHAPE);
    CHECK_EQ("nll one column accepted", gg_loss_check(LC(GG_LOSS_NLL, GG_REDUCE_MEAN), 1, &err), GG_OK);
    CHECK_EQ("bad reduction rejected", gg_loss_check(LC(GG_LOSS_L1, (gg_reduction)7), 1, &err), GG_EINVAL);
    CHECK_EQ("unknown kind rejected", gg_loss_check(LC((gg_loss_kind)42, GG_REDUCE_MEAN), 1, &err), GG_EINVAL);
    CHECK_CONTAINS("unknown kind message", err.msg, "unknown loss kind 42");
}

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
    ce[0] = -100.0f;
    CHECK_EQ("ce ignore_index target accepted", gg_loss_check_targets(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), ce, 4, 3, &err), GG_OK);

    // NLL: the same rules as cross-entropy.
    float nt[3] = {0, -100, 4};
    CHECK_EQ("nll class index == C rejected", gg_loss_check_targets(LC(GG_LOSS_NLL, GG_REDUCE_MEAN), nt, 3, 4, &err), GG_EINVAL);
    CHECK_CONTAINS("nll message", err.msg, "target row 3 must be a class index in 0..3, got 4");
    nt[2] = 0.5f;
    CHECK_EQ("nll non-integer rejected", gg_loss_check_targets(LC(GG_LOSS_NLL, GG_REDUCE_MEAN), nt, 3, 4, &err), GG_EINVAL);
    nt[2] = 3.0f;
    CHECK_EQ("nll valid with ignored row accepted", gg_loss_check_targets(LC(GG_LOSS_NLL, GG_REDUCE_MEAN), nt, 3, 4, &err), GG_OK);
    nt[1] = -1.0f;
    CHECK_EQ("nll -1 rejected unless it is the ignore_index",
             gg_loss_check_targets(LC(GG_LOSS_NLL, GG_REDUCE_MEAN), nt, 3, 4, &err), GG_EINVAL);
    CHECK_EQ("nll -1 accepted as ignore_index",
             gg_loss_check_targets(LCO(GG_LOSS_NLL, GG_REDUCE_MEAN, .ignore_index = -1), nt, 3, 4, &err), GG_OK);

    // BCE (both kinds): (3 rows, 2 cols); 1.5 at row 2.
    const gg_loss_kind bk[2] = {GG_LOSS_BCE_LOGITS, GG_LOSS_BCE};
    for (int i = 0; i < 2; i++) {
        float bt[6] = {0, 1, 0.25f, 1.5f, 1, 0};
        const gg_loss_cfg *c = LC(bk[i], GG_REDUCE_MEAN);
        CHECK_EQ("bce target 1.5 rejected", gg_loss_check_targets(c, bt, 3, 2, &err), GG_EINVAL);
        CHECK_CONTAINS("bce message names the row", err.msg, "row 2");
        CHECK_CONTAINS("bce message names the value", err.msg, "1.5");
        bt[3] = -0.1f;
        CHECK_EQ("bce target -0.1 rejected", gg_loss_check_targets(c, bt, 3, 2, &err), GG_EINVAL);
        bt[3] = NAN;
        CHECK_EQ("bce target NaN rejected", gg_loss_check_targets(c, bt, 3, 2, &err), GG_EINVAL);
        bt[3] = 1.0f;
        CHECK_EQ("bce targets in [0,1] accepted", gg_loss_check_targets(c, bt, 3, 2, &err), GG_OK);
    }

    // MSE, L1, SmoothL1, Huber: NaN and inf rejected, anything finite accepted.
    const gg_loss_kind rk[4] = {GG_LOSS_MSE, GG_LOSS_L1, GG_LOSS_SMOOTH_L1, GG_LOSS_HUBER};
    for (int i = 0; i < 4; i++) {
        float mt[4] = {-1e30f, 0, NAN, 5};
        const gg_loss_cfg *c = LC(rk[i], GG_REDUCE_MEAN);
        CHECK_EQ("regression NaN target rejected", gg_loss_check_targets(c, mt, 4, 1, &err), GG_EINVAL);
        CHECK_CONTAINS("regression message names the row", err.msg, "row 3");
        CHECK_CONTAINS("regression message names the value", err.msg, "nan");
        mt[2] = -INFINITY;
        CHECK_EQ("regression -inf target rejected", gg_loss_check_targets(c, mt, 4, 1, &err), GG_EINVAL);
        mt[2] = 3e38f;
        CHECK_EQ("regression finite accepted", gg_loss_check_targets(c, mt, 4, 1, &err), GG_OK);
    }
}

static void test_check_pred(void)
{
    gg_err err;
    memset(&err, 0, sizeof err);
    float p[6] = {0, 1, 0.5f, -0.0f, 1.5f, 0.25f};
    CHECK_EQ("bce prediction 1.5 rejected", gg_loss_check_pred(LC(GG_LOSS_BCE, GG_REDUCE_MEAN), p, 3, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("bce prediction message names row, column and value", err.msg,
                   "prediction row 3 column 1 must be a probability in [0, 1], got 1.5");
    p[4] = NAN;
    CHECK_EQ("bce prediction NaN rejected (torch's check fails NaN)",
             gg_loss_check_pred(LC(GG_LOSS_BCE, GG_REDUCE_MEAN), p, 3, 2, &err), GG_EINVAL);
    p[4] = -1e-8f;
    CHECK_EQ("bce prediction slightly below 0 rejected", gg_loss_check_pred(LC(GG_LOSS_BCE, GG_REDUCE_MEAN), p, 3, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("bce prediction message", err.msg, "row 3 column 1");
    p[4] = 1.0f;
    CHECK_EQ("bce predictions in [0,1] (and -0) accepted", gg_loss_check_pred(LC(GG_LOSS_BCE, GG_REDUCE_MEAN), p, 3, 2, &err), GG_OK);
    const float any[2] = {-5, NAN};
    const gg_loss_kind others[] = {GG_LOSS_MSE, GG_LOSS_CROSS_ENTROPY, GG_LOSS_BCE_LOGITS, GG_LOSS_L1,
                                   GG_LOSS_SMOOTH_L1, GG_LOSS_HUBER, GG_LOSS_NLL};
    for (int i = 0; i < 7; i++)
        CHECK_EQ("other kinds accept any prediction", gg_loss_check_pred(LC(others[i], GG_REDUCE_MEAN), any, 1, 2, &err), GG_OK);
}

static void test_names(void)
{
    const char *names[] = {"mse", "cross_entropy", "bce_with_logits", "l1", "smooth_l1", "huber", "bce", "nll"};
    const gg_loss_kind kinds[] = {GG_LOSS_MSE, GG_LOSS_CROSS_ENTROPY, GG_LOSS_BCE_LOGITS, GG_LOSS_L1,
                                  GG_LOSS_SMOOTH_L1, GG_LOSS_HUBER, GG_LOSS_BCE, GG_LOSS_NLL};
    for (int i = 0; i < 8; i++) {
        gg_loss_kind k = (gg_loss_kind)99;
        CHECK("loss name", gg_loss_name(kinds[i]) && strcmp(gg_loss_name(kinds[i]), names[i]) == 0);
        CHECK_EQ("loss parse ok", gg_loss_parse(names[i], &k), 0);
        CHECK_EQ("loss parse round-trips", k, kinds[i]);
    }
    CHECK("existing kind values unchanged",
          GG_LOSS_MSE == 0 && GG_LOSS_CROSS_ENTROPY == 1 && GG_LOSS_BCE_LOGITS == 2);
    gg_loss_kind k = GG_LOSS_MSE;
    CHECK_EQ("unknown loss name", gg_loss_parse("hinge", &k), -1);
    CHECK_EQ("unknown loss name leaves *k", k, GG_LOSS_MSE);
    CHECK("unknown loss value has no name", gg_loss_name((gg_loss_kind)9) == NULL);
    CHECK("keras categorical_crossentropy is kind 8",
          GG_LOSS_KERAS_CCE == 8 && strcmp(gg_loss_name(GG_LOSS_KERAS_CCE), "categorical_crossentropy") == 0);
    {
        // Keras: p / sum p, clipped to [1e-7, 1 - 1e-7], -log p_y; mean over rows.
        const float p[6] = {0.2f, 0.3f, 0.5f, 2.0f, 0.0f, 2.0f};  // row 2 sums to 4
        const float y[2] = {2, 1};                                  // row 2's class has p = 0
        float g[6];
        gg_loss_cfg c = gg_loss_defaults(GG_LOSS_KERAS_CCE);
        float v = gg_loss_forward(&c, g, p, y, 2, 3);
        double want = (-log(0.5) - log(1e-7)) / 2.0;
        CHECK_REL("keras cce value (a clipped row)", v, want, 1e-6);
        CHECK("keras cce: no gradient through a clipped probability", g[3] == 0.0f && g[4] == 0.0f && g[5] == 0.0f);
        // Row 1 unclipped: d/dp_j = -(1/q)(delta - q)/s * (1/2), s = 1, q = 0.5.
        CHECK_REL("keras cce gradient, the class", g[2], -(1.0 / 0.5) * (1 - 0.5) / 2, 1e-6);
        CHECK_REL("keras cce gradient, another class", g[0], -(1.0 / 0.5) * (0 - 0.5) / 2, 1e-6);
        // Central differences in double of the float loss, unclipped inputs.
        float q[6] = {0.4f, 1.1f, 0.7f, 0.3f, 0.9f, 1.6f};
        const float t[2] = {1, 0};
        gg_loss_forward(&c, g, q, t, 2, 3);
        double worst = 0.0;
        for (int i = 0; i < 6; i++) {
            float q0 = q[i];
            q[i] = q0 + 1e-3f;
            double lp = gg_loss_forward(&c, NULL, q, t, 2, 3), hp = (double)q[i] - (double)q0;
            q[i] = q0 - 1e-3f;
            double lm = gg_loss_forward(&c, NULL, q, t, 2, 3), hm = (double)q0 - (double)q[i];
            q[i] = q0;
            worst = fmax(worst, fabs((lp - lm) / (hp + hm) - (double)g[i]));
        }
        CHECK("keras cce gradient against finite differences", worst < 1e-3);
        CHECK_EQ("keras cce targets are class indices", gg_loss_target_cols(&c, 3), 1);
        gg_err e;
        const float bad[1] = {3};
        CHECK("keras cce rejects a class out of range", gg_loss_check_targets(&c, bad, 1, 3, &e) == GG_EINVAL);
    }
    CHECK_EQ("target cols mse", gg_loss_target_cols(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), 4), 4);
    CHECK_EQ("target cols bce_with_logits", gg_loss_target_cols(LC(GG_LOSS_BCE_LOGITS, GG_REDUCE_MEAN), 3), 3);
    CHECK_EQ("target cols bce", gg_loss_target_cols(LC(GG_LOSS_BCE, GG_REDUCE_MEAN), 3), 3);
    CHECK_EQ("target cols huber", gg_loss_target_cols(LC(GG_LOSS_HUBER, GG_REDUCE_MEAN), 3), 3);
    CHECK_EQ("target cols cross_entropy", gg_loss_target_cols(LC(GG_LOSS_CROSS_ENTROPY, GG_REDUCE_MEAN), 10), 1);
    CHECK_EQ("target cols nll", gg_loss_target_cols(LC(GG_LOSS_NLL, GG_REDUCE_MEAN), 10), 1);
    gg_loss_cfg d = gg_loss_defaults(GG_LOSS_SMOOTH_L1);
    CHECK("defaults: mean, beta 1, delta 1, ignore_index -100, no weights",
          d.kind == GG_LOSS_SMOOTH_L1 && d.reduction == GG_REDUCE_MEAN && d.beta == 1.0f && d.delta == 1.0f &&
              d.ignore_index == -100 && !d.weight && !d.pos_weight && d.label_smoothing == 0.0f);
    gg_err err;
    for (int i = 0; i < 8; i++) {
        gg_loss_cfg c = gg_loss_defaults(kinds[i]);
        CHECK_EQ("defaults pass gg_loss_check", gg_loss_check(&c, 3, &err), GG_OK);
    }
}

int main(void)
{
    test_hand_values();
    test_fd();
    test_stability();
    test_check_options();
    test_check_targets();
    test_check_pred();
    test_names();
    return CHECK_DONE();
}
