/* core/loss.c — losses (see loss.h). */
#include "loss.h"

#include <math.h>
#include <string.h>

#include "detmath.h"

static const char *const names[] = {"mse", "cross_entropy", "bce_with_logits"};

const char *gg_loss_name(gg_loss_kind k)
{
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : NULL;
}

int gg_loss_parse(const char *name, gg_loss_kind *k)
{
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) {
            *k = (gg_loss_kind)i;
            return 0;
        }
    return -1;
}

gg_loss_cfg gg_loss_defaults(gg_loss_kind kind)
{
    return (gg_loss_cfg){.kind = kind, .reduction = GG_REDUCE_MEAN, .ignore_index = -100};
}

size_t gg_loss_target_cols(const gg_loss_cfg *c, size_t pred_cols)
{
    return c->kind == GG_LOSS_CROSS_ENTROPY ? 1 : pred_cols;
}

gg_status gg_loss_check(const gg_loss_cfg *c, size_t pred_cols, gg_err *err)
{
    if (!gg_loss_name(c->kind))
        return gg_err_set(err, GG_EINVAL, "unknown loss kind %d", (int)c->kind);
    if (c->reduction != GG_REDUCE_MEAN && c->reduction != GG_REDUCE_SUM)
        return gg_err_set(err, GG_EINVAL, "reduction must be 'mean' or 'sum'");
    if (c->kind == GG_LOSS_CROSS_ENTROPY) {
        if (pred_cols < 2)
            return gg_err_set(err, GG_ESHAPE,
                              "cross_entropy needs >= 2 prediction columns (one per class), got %zu",
                              pred_cols);
        if (!(c->label_smoothing >= 0.0f && c->label_smoothing < 1.0f))
            return gg_err_set(err, GG_EINVAL, "label_smoothing must be in [0, 1), got %g",
                              (double)c->label_smoothing);
        for (size_t j = 0; c->weight && j < pred_cols; j++)
            if (!(c->weight[j] >= 0.0f) || !isfinite(c->weight[j]))
                return gg_err_set(err, GG_EINVAL, "weight[%zu] must be a non-negative number, got %g",
                                  j + 1, (double)c->weight[j]);
    }
    return GG_OK;
}

gg_status gg_loss_check_targets(const gg_loss_cfg *c, const float *target, size_t B,
                                size_t pred_cols, gg_err *err)
{
    size_t tc = gg_loss_target_cols(c, pred_cols);
    for (size_t i = 0; i < B * tc; i++) {
        float t = target[i];
        size_t row = i / tc + 1;
        switch (c->kind) {
        case GG_LOSS_MSE:
            if (!isfinite(t))
                return gg_err_set(err, GG_EINVAL, "target row %zu is not finite (%g)", row, (double)t);
            break;
        case GG_LOSS_CROSS_ENTROPY:
            if (t == (float)c->ignore_index)
                break;
            if (!(t >= 0.0f) || t != floorf(t) || t >= (float)pred_cols)
                return gg_err_set(err, GG_EINVAL,
                                  "target row %zu must be a class index in 0..%zu, got %g",
                                  row, pred_cols - 1, (double)t);
            break;
        case GG_LOSS_BCE_LOGITS:
            if (!(t >= 0.0f && t <= 1.0f))
                return gg_err_set(err, GG_EINVAL, "target row %zu must be in [0, 1], got %g",
                                  row, (double)t);
            break;
        }
    }
    return GG_OK;
}

/* Each kernel returns the summed loss (double, index order) and the mean's divisor, and
 * writes the gradient of (sum * gscale) when g is non-NULL; gscale is 1/divisor for 'mean'
 * (computed by the caller once the divisor is known, hence the two passes for weighted
 * cross-entropy), 1 for 'sum'. */

static double mse(float *g, const float *pred, const float *target, size_t n, float gscale)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        float d = pred[i] - target[i];
        s += (double)(d * d);
        if (g)
            g[i] = 2.0f * gscale * d;  // torch: (2/n) * (pred - target)
    }
    return s;
}

/* Rows whose target is not ignored weigh w[y] (1 without weights): the 'mean' divisor. */
static double ce_divisor(const gg_loss_cfg *c, const float *target, size_t B)
{
    double d = 0.0;
    for (size_t r = 0; r < B; r++) {
        if (target[r] == (float)c->ignore_index)
            continue;
        d += c->weight ? (double)c->weight[(size_t)target[r]] : 1.0;
    }
    return d;
}

/* log-softmax per row as torch computes it: (z - max) - log(sum exp(z - max)), so large
 * logits lose no precision to the max being added back. With label smoothing eps and
 * weights w: loss_r = -(1-eps) w_y l_y - (eps/C) sum_c w_c l_c (torch 1.13). */
static double cross_entropy(const gg_loss_cfg *c, float *g, const float *pred,
                            const float *target, size_t B, size_t C, float gscale)
{
    const float eps = c->label_smoothing, keep = 1.0f - eps, share = eps / (float)C;
    const float *w = c->weight;
    double s = 0.0;
    for (size_t r = 0; r < B; r++) {
        const float *z = pred + r * C;
        float *gr = g ? g + r * C : NULL;
        if (target[r] == (float)c->ignore_index) {
            for (size_t j = 0; gr && j < C; j++)
                gr[j] = 0.0f;
            continue;
        }
        size_t y = (size_t)target[r];
        float m = z[0];
        for (size_t j = 1; j < C; j++)
            m = z[j] > m ? z[j] : m;
        float sum = 0.0f;
        for (size_t j = 0; j < C; j++)
            sum += gg_expf(z[j] - m);
        float logsum = gg_logf(sum);
        float wy = w ? w[y] : 1.0f;
        double loss = (double)(wy * (logsum - (z[y] - m)));
        float wsum = 0.0f;
        if (eps != 0.0f) {
            double smooth = 0.0;
            for (size_t j = 0; j < C; j++) {
                float wj = w ? w[j] : 1.0f;
                smooth += (double)(wj * (logsum - (z[j] - m)));
                wsum += wj;
            }
            loss = (double)keep * loss + (double)share * smooth;
        }
        s += loss;
        if (gr) {
            // d/dz_j = (1-eps) w_y (p_j - [j=y]) + (eps/C) (p_j sum_c w_c - w_j)
            for (size_t j = 0; j < C; j++) {
                float p = gg_expf((z[j] - m) - logsum);
                float d = keep * wy * p;
                if (eps != 0.0f)
                    d += share * (p * wsum - (w ? w[j] : 1.0f));
                gr[j] = d * gscale;
            }
            gr[y] -= keep * wy * gscale;
        }
    }
    return s;
}

/* Stable form (1-y)x + log(1+e^-|x|) + max(-x,0), as torch's binary_cross_entropy_with_logits. */
static double bce_logits(float *g, const float *pred, const float *target, size_t n,
                         float gscale)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        float x = pred[i], y = target[i];
        float l = (1.0f - y) * x + gg_log1pf(gg_expf(-fabsf(x))) + fmaxf(-x, 0.0f);
        s += (double)l;
        if (g)
            g[i] = (gg_sigmoidf(x) - y) * gscale;
    }
    return s;
}

/* Summed loss and its mean divisor; the gradient (if g) of sum * gscale. */
static double kernel(const gg_loss_cfg *c, float *g, const float *pred, const float *target,
                     size_t B, size_t k, float gscale)
{
    switch (c->kind) {
    case GG_LOSS_MSE:           return mse(g, pred, target, B * k, gscale);
    case GG_LOSS_CROSS_ENTROPY: return cross_entropy(c, g, pred, target, B, k, gscale);
    case GG_LOSS_BCE_LOGITS:    return bce_logits(g, pred, target, B * k, gscale);
    }
    return (double)NAN;
}

static double divisor(const gg_loss_cfg *c, const float *target, size_t B, size_t k)
{
    return c->kind == GG_LOSS_CROSS_ENTROPY ? ce_divisor(c, target, B) : (double)(B * k);
}

float gg_loss_forward(const gg_loss_cfg *c, float *dpred, const float *pred,
                      const float *target, size_t B, size_t k)
{
    if (c->reduction == GG_REDUCE_SUM)
        return (float)kernel(c, dpred, pred, target, B, k, 1.0f);
    // The value is sum/divisor in double; the gradient uses the float32 scale, as torch
    // multiplies by a Python-float 1/n cast to float32.
    double div = divisor(c, target, B, k);
    float gscale = (float)(1.0 / div);
    double s = kernel(c, dpred, pred, target, B, k, gscale);
    return (float)(s * (double)gscale);
}

void gg_loss_accumulate(const gg_loss_cfg *c, const float *pred, const float *target,
                        size_t B, size_t k, double *sum, double *denom)
{
    *sum += kernel(c, NULL, pred, target, B, k, 1.0f);
    *denom += divisor(c, target, B, k);
}
