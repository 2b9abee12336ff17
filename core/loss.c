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

size_t gg_loss_target_cols(gg_loss_kind k, size_t pred_cols)
{
    return k == GG_LOSS_CROSS_ENTROPY ? 1 : pred_cols;
}

gg_status gg_loss_check_targets(gg_loss_kind k, const float *target, size_t B,
                                size_t pred_cols, gg_err *err)
{
    size_t tc = gg_loss_target_cols(k, pred_cols);
    for (size_t i = 0; i < B * tc; i++) {
        float t = target[i];
        size_t row = i / tc + 1;
        switch (k) {
        case GG_LOSS_MSE:
            if (!isfinite(t))
                return gg_err_set(err, GG_EINVAL, "target row %zu is not finite (%g)", row, (double)t);
            break;
        case GG_LOSS_CROSS_ENTROPY:
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

static float mse(float *dpred, const float *pred, const float *target, size_t n, float scale)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        float d = pred[i] - target[i];
        s += (double)(d * d);
        if (dpred)
            dpred[i] = 2.0f * scale * d; // torch: (2/n) * (pred - target)
    }
    return (float)(s * (double)scale);
}

/* log-softmax per row as torch computes it: (z - max) - log(sum exp(z - max)), so large
 * logits lose no precision to the max being added back. */
static float cross_entropy(float *dpred, const float *pred, const float *target, size_t B,
                           size_t C, float scale)
{
    double s = 0.0;
    for (size_t r = 0; r < B; r++) {
        const float *z = pred + r * C;
        size_t y = (size_t)target[r];
        float m = z[0];
        for (size_t c = 1; c < C; c++)
            m = z[c] > m ? z[c] : m;
        float sum = 0.0f;
        for (size_t c = 0; c < C; c++)
            sum += gg_expf(z[c] - m);
        float logsum = gg_logf(sum);
        s += (double)(logsum - (z[y] - m));
        if (dpred) {
            float *g = dpred + r * C;
            for (size_t c = 0; c < C; c++)
                g[c] = gg_expf((z[c] - m) - logsum) * scale;
            g[y] -= scale;
        }
    }
    return (float)(s * (double)scale);
}

/* Stable form (1-y)x + log(1+e^-|x|) + max(-x,0), as torch's binary_cross_entropy_with_logits. */
static float bce_logits(float *dpred, const float *pred, const float *target, size_t n,
                        float scale)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        float x = pred[i], y = target[i];
        float l = (1.0f - y) * x + gg_log1pf(gg_expf(-fabsf(x))) + fmaxf(-x, 0.0f);
        s += (double)l;
        if (dpred)
            dpred[i] = (gg_sigmoidf(x) - y) * scale;
    }
    return (float)(s * (double)scale);
}

float gg_loss_forward(gg_loss_kind kind, gg_reduction red, float *dpred, const float *pred,
                      const float *target, size_t B, size_t k)
{
    size_t n = kind == GG_LOSS_CROSS_ENTROPY ? B : B * k;
    // The value is s * scale in double; the gradient uses the float32 scale, as torch
    // multiplies by a Python-float 1/n cast to float32.
    float scale = red == GG_REDUCE_MEAN ? (float)(1.0 / (double)n) : 1.0f;
    switch (kind) {
    case GG_LOSS_MSE:           return mse(dpred, pred, target, B * k, scale);
    case GG_LOSS_CROSS_ENTROPY: return cross_entropy(dpred, pred, target, B, k, scale);
    case GG_LOSS_BCE_LOGITS:    return bce_logits(dpred, pred, target, B * k, scale);
    }
    return NAN;
}
