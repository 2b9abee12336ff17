/* core/loss.c — losses (see loss.h). Every kernel follows the element-wise formula of
 * PyTorch 1.13's CPU kernel (aten/src/ATen/native/Loss.cpp, LossNLL.cpp,
 * BinaryOpsKernel.cpp, PointwiseOpsKernel.cpp) in float32, with detmath's exp/log. */
#include "loss.h"

#include <math.h>
#include <string.h>

#include "detmath.h"
#include "model.h"

static const char *const names[] = {"mse", "cross_entropy", "bce_with_logits", "l1",
                                     "smooth_l1", "huber", "bce", "nll",
                                     "categorical_crossentropy"};

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
    return (gg_loss_cfg){.kind = kind, .reduction = GG_REDUCE_MEAN, .ignore_index = -100,
                         .beta = 1.0f, .delta = 1.0f};
}

/* Targets are class indices (one column). */
static int by_class(gg_loss_kind k)
{
    return k == GG_LOSS_CROSS_ENTROPY || k == GG_LOSS_NLL || k == GG_LOSS_KERAS_CCE;
}

size_t gg_loss_classes(gg_loss_kind k, const size_t *dims, int ndim)
{
    return by_class(k) && ndim >= 2 ? dims[ndim - 1] : 0;
}

/* A class-index loss with classes set sees (B, k) as B * k/classes rows of classes scores. */
static void as_rows(const gg_loss_cfg *c, size_t *B, size_t *k)
{
    if (c->classes && !c->custom && by_class(c->kind) && *k % c->classes == 0) {
        *B *= *k / c->classes;
        *k = c->classes;
    }
}

size_t gg_loss_target_cols(const gg_loss_cfg *c, size_t pred_cols)
{
    if (c->custom)
        return gg_model_input_numel(c->custom, 1);
    if (!by_class(c->kind))
        return pred_cols;
    return c->classes ? pred_cols / c->classes : 1;
}

/* ---- a loss graph (c->custom): inputs prediction and target, a scalar output ---- */

gg_status gg_loss_reserve(const gg_loss_cfg *c, size_t B, gg_err *err)
{
    return c->custom ? gg_model_reserve(c->custom, B, err) : GG_OK;
}

/* The graph's value for the batch and, with g, its gradient d value / d pred. */
static float custom_forward(gg_model *m, float *g, const float *pred, const float *target,
                            size_t B, size_t k)
{
    memcpy(gg_model_input_at(m, 0, B), pred, B * k * sizeof *pred);
    memcpy(gg_model_input_at(m, 1, B), target, B * gg_model_input_numel(m, 1) * sizeof *target);
    const float v = gg_model_run(m, B)[0];
    if (g) {
        const float one = 1.0f;
        gg_model_zero_grad(m);
        gg_model_backward(m, &one);
        memcpy(g, gg_model_input_grad(m, 0), B * k * sizeof *g);
    }
    return v;
}

/* ---- validation ---- */

static gg_status check_list(const char *what, const float *w, size_t n, gg_err *err)
{
    for (size_t j = 0; w && j < n; j++)
        if (!(w[j] >= 0.0f) || !isfinite(w[j]))
            return gg_err_set(err, GG_EINVAL, "%s[%zu] must be a non-negative number, got %g",
                              what, j + 1, (double)w[j]);
    return GG_OK;
}

gg_status gg_loss_check(const gg_loss_cfg *c, size_t pred_cols, gg_err *err)
{
    if (c->custom) {
        const gg_model *m = c->custom;
        if (gg_model_ninputs(m) != 2 || gg_model_output_batched(m) ||
            gg_model_output_shape(m).ndim != 0)
            return gg_err_set(err, GG_EINVAL, "a custom loss takes (prediction, target) and returns a scalar");
        if (gg_model_input_numel(m, 0) != pred_cols)
            return gg_err_set(err, GG_ESHAPE, "the custom loss takes predictions of %zu values, the model gives %zu",
                              gg_model_input_numel(m, 0), pred_cols);
        return GG_OK;
    }
    const char *name = gg_loss_name(c->kind);
    if (!name)
        return gg_err_set(err, GG_EINVAL, "unknown loss kind %d", (int)c->kind);
    if (c->reduction != GG_REDUCE_MEAN && c->reduction != GG_REDUCE_SUM)
        return gg_err_set(err, GG_EINVAL, "reduction must be 'mean' or 'sum'");
    const gg_loss_kind k = c->kind;
    if (c->weight && !(by_class(k) || k == GG_LOSS_BCE || k == GG_LOSS_BCE_LOGITS))
        return gg_err_set(err, GG_EINVAL, "weight is not an option of %s", name);
    if (c->pos_weight && k != GG_LOSS_BCE_LOGITS)
        return gg_err_set(err, GG_EINVAL, "pos_weight is not an option of %s", name);
    if (c->keras && k != GG_LOSS_BCE)
        return gg_err_set(err, GG_EINVAL, "keras is not an option of %s", name);
    if (c->label_smoothing != 0.0f && k != GG_LOSS_CROSS_ENTROPY)
        return gg_err_set(err, GG_EINVAL, "label_smoothing is not an option of %s", name);
    if (c->z_loss != 0.0f && k != GG_LOSS_CROSS_ENTROPY)
        return gg_err_set(err, GG_EINVAL, "z_loss is not an option of %s", name);
    if (!(c->z_loss >= 0.0f) || isinf(c->z_loss))
        return gg_err_set(err, GG_EINVAL, "z_loss must be a non-negative number, got %g",
                          (double)c->z_loss);
    if (c->classes && !by_class(k))
        return gg_err_set(err, GG_EINVAL, "classes is not an option of %s", name);
    if (c->classes) {
        if (pred_cols % c->classes)
            return gg_err_set(err, GG_ESHAPE,
                              "%s over positions: %zu prediction columns are not a whole number of positions of %zu classes",
                              name, pred_cols, c->classes);
        pred_cols = c->classes;
    }
    switch (k) {
    case GG_LOSS_CROSS_ENTROPY:
        if (pred_cols < 2)
            return gg_err_set(err, GG_ESHAPE,
                              "cross_entropy needs >= 2 prediction columns (one per class), got %zu",
                              pred_cols);
        if (!(c->label_smoothing >= 0.0f && c->label_smoothing < 1.0f))
            return gg_err_set(err, GG_EINVAL, "label_smoothing must be in [0, 1), got %g",
                              (double)c->label_smoothing);
        break;
    case GG_LOSS_NLL:
        if (pred_cols < 1)
            return gg_err_set(err, GG_ESHAPE, "nll needs >= 1 prediction column (one per class), got 0");
        break;
    case GG_LOSS_SMOOTH_L1:
        // torch: "smooth_l1_loss does not support negative values for beta."
        if (!(c->beta >= 0.0f) || !isfinite(c->beta))
            return gg_err_set(err, GG_EINVAL, "beta must be a non-negative number, got %g",
                              (double)c->beta);
        break;
    case GG_LOSS_HUBER:
        // torch: "huber_loss does not support non-positive values for delta."
        if (!(c->delta > 0.0f) || !isfinite(c->delta))
            return gg_err_set(err, GG_EINVAL, "delta must be a positive number, got %g",
                              (double)c->delta);
        break;
    default:
        break;
    }
    gg_status st = check_list("weight", c->weight, pred_cols, err);
    return st ? st : check_list("pos_weight", c->pos_weight, pred_cols, err);
}

gg_status gg_loss_check_targets(const gg_loss_cfg *c, const float *target, size_t B,
                                size_t pred_cols, gg_err *err)
{
    size_t tc = gg_loss_target_cols(c, pred_cols);
    if (c->custom) {
        for (size_t i = 0; i < B * tc; i++)
            if (!isfinite(target[i]))
                return gg_err_set(err, GG_EINVAL, "target row %zu is not finite (%g)", i / tc + 1,
                                  (double)target[i]);
        return GG_OK;
    }
    const size_t classes = by_class(c->kind) && c->classes ? c->classes : pred_cols;
    for (size_t i = 0; i < B * tc; i++) {
        float t = target[i];
        size_t row = i / tc + 1;
        switch (c->kind) {
        case GG_LOSS_MSE:
        case GG_LOSS_L1:
        case GG_LOSS_SMOOTH_L1:
        case GG_LOSS_HUBER:
            if (!isfinite(t))
                return gg_err_set(err, GG_EINVAL, "target row %zu is not finite (%g)", row, (double)t);
            break;
        case GG_LOSS_CROSS_ENTROPY:
        case GG_LOSS_NLL:
        case GG_LOSS_KERAS_CCE:
            if (t == (float)c->ignore_index && c->kind != GG_LOSS_KERAS_CCE)
                break;
            if (!(t >= 0.0f) || t != floorf(t) || t >= (float)classes) {
                if (tc > 1)  // over positions: (B, L) targets
                    return gg_err_set(err, GG_EINVAL,
                                      "target row %zu, position %zu must be a class index in 0..%zu, got %g",
                                      row, i % tc + 1, classes - 1, (double)t);
                return gg_err_set(err, GG_EINVAL,
                                  "target row %zu must be a class index in 0..%zu, got %g",
                                  row, classes - 1, (double)t);
            }
            break;
        case GG_LOSS_BCE_LOGITS:
        case GG_LOSS_BCE:
            // torch 1.13 checks only bce's input; targets outside [0,1] have no meaning
            // as probabilities for either loss, so both reject them.
            if (!(t >= 0.0f && t <= 1.0f))
                return gg_err_set(err, GG_EINVAL, "target row %zu must be in [0, 1], got %g",
                                  row, (double)t);
            break;
        }
    }
    return GG_OK;
}

gg_status gg_loss_check_pred(const gg_loss_cfg *c, const float *pred, size_t B, size_t k,
                             gg_err *err)
{
    if (c->kind != GG_LOSS_BCE)
        return GG_OK;
    // torch: TORCH_CHECK((input_val >= 0) && (input_val <= 1), "all elements of input
    // should be between 0 and 1"), which NaN fails too.
    for (size_t i = 0; i < B * k; i++)
        if (!(pred[i] >= 0.0f && pred[i] <= 1.0f))
            return gg_err_set(err, GG_EINVAL,
                              "prediction row %zu column %zu must be a probability in [0, 1], got %g",
                              i / k + 1, i % k + 1, (double)pred[i]);
    return GG_OK;
}

/* ---- kernels ----
 * Each returns the summed loss (double, index order) and writes the gradient of
 * (sum * gscale) when g is non-NULL; gscale is 1/divisor for 'mean' (computed by the
 * caller once the divisor is known, hence the two passes for weighted cross-entropy and
 * nll), 1 for 'sum'. torch's backward kernels take the same norm as a float32 scalar. */

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

/* torch 1.13 l1_loss is (pred - target).abs() reduced: the gradient is sgn(d) (0 at d = 0). */
static double l1(float *g, const float *pred, const float *target, size_t n, float gscale)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        float d = pred[i] - target[i];
        s += (double)fabsf(d);
        if (g)
            g[i] = (d > 0.0f ? gscale : d < 0.0f ? -gscale : d == 0.0f ? 0.0f : d);
    }
    return s;
}

/* smooth_l1_kernel: z < beta ? 0.5 z^2 / beta : z - 0.5 beta (beta = 0: z, never 0/0).
 * Backward (smooth_l1_backward_cpu_kernel): d <= -beta → -norm, d >= beta → norm, else
 * norm d / beta; so with beta = 0 the gradient at d = 0 is -norm, as in torch. */
static double smooth_l1(float *g, const float *pred, const float *target, size_t n,
                        float beta, float gscale)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        float d = pred[i] - target[i], z = fabsf(d);
        s += (double)(z < beta ? 0.5f * z * z / beta : z - 0.5f * beta);
        if (g)
            g[i] = d <= -beta ? -gscale : d >= beta ? gscale : gscale * d / beta;
    }
    return s;
}

/* huber_kernel: z < delta ? 0.5 z^2 : delta (z - 0.5 delta). Backward: d <= -delta →
 * -norm delta, d >= delta → norm delta, else norm d. */
static double huber(float *g, const float *pred, const float *target, size_t n,
                    float delta, float gscale)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        float d = pred[i] - target[i], z = fabsf(d);
        s += (double)(z < delta ? 0.5f * z * z : delta * (z - 0.5f * delta));
        if (g)
            g[i] = d <= -delta ? -gscale * delta : d >= delta ? gscale * delta : gscale * d;
    }
    return s;
}

/* std::max(v, -100.f) as torch writes it: NaN passes through. */
static float clamp_log(float v)
{
    return v < -100.0f ? -100.0f : v;
}

/* binary_cross_entropy_out_cpu: (y - 1) max(log(1 - p), -100) - y max(log p, -100),
 * times weight. torch 1.13 takes log(1 - p), not log1p(-p) (p = 1e-8, y = 0 gives 0).
 * Backward: (p - y) / max((1 - p) p, 1e-12), times weight, divided by n for 'mean'. */
static double bce(float *g, const float *w, const float *pred, const float *target, size_t B,
                  size_t k, float gscale)
{
    double s = 0.0;
    for (size_t i = 0; i < B * k; i++) {
        float p = pred[i], y = target[i];
        float l = (y - 1.0f) * clamp_log(gg_logf(1.0f - p)) - y * clamp_log(gg_logf(p));
        if (w)
            l *= w[i % k];
        s += (double)l;
        if (g) {
            float den = (1.0f - p) * p;
            float d = (p - y) / (den < 1e-12f ? 1e-12f : den);
            if (w)
                d *= w[i % k];
            g[i] = d * gscale;
        }
    }
    return s;
}

/* Keras 2 backend.binary_crossentropy (from probabilities), float32, epsilon 1e-7:
 * p <- clip(p, eps, 1 - eps); loss = -(y log(p + eps) + (1 - y) log(1 - p + eps)).
 * The gradient flows only where clip_by_value passed p through. */
static double bce_keras(float *g, const float *w, const float *pred, const float *target,
                        size_t B, size_t k, float gscale)
{
    const float eps = 1e-7f;
    double s = 0.0;
    for (size_t i = 0; i < B * k; i++) {
        float p0 = pred[i], y = target[i];
        float p = p0 < eps ? eps : p0 > 1.0f - eps ? 1.0f - eps : p0;
        float l = -(y * gg_logf(p + eps) + (1.0f - y) * gg_logf(1.0f - p + eps));
        if (w)
            l *= w[i % k];
        s += (double)l;
        if (g) {
            float d = (p0 < eps || p0 > 1.0f - eps) ? 0.0f
                                                    : -(y / (p + eps)) + (1.0f - y) / (1.0f - p + eps);
            if (w)
                d *= w[i % k];
            g[i] = d * gscale;
        }
    }
    return s;
}

/* Stable form (1-y)x + lw (log(1+e^-|x|) + max(-x,0)), lw = 1 + (pw-1) y, as torch's
 * binary_cross_entropy_with_logits; times weight. Backward (…_with_logits_backward):
 * ((pw y + 1 - y) sigmoid(x) - pw y) w, or (sigmoid(x) - y) w without pos_weight. */
static double bce_logits(const gg_loss_cfg *c, float *g, const float *pred, const float *target,
                         size_t B, size_t k, float gscale)
{
    const float *w = c->weight, *pw = c->pos_weight;
    double s = 0.0;
    for (size_t i = 0; i < B * k; i++) {
        float x = pred[i], y = target[i];
        float a = gg_log1pf(gg_expf(-fabsf(x))), b = fmaxf(-x, 0.0f);
        float l = pw ? (1.0f - y) * x + ((pw[i % k] - 1.0f) * y + 1.0f) * (a + b)
                     : (1.0f - y) * x + a + b;
        if (w)
            l *= w[i % k];
        s += (double)l;
        if (g) {
            float d;
            if (pw) {
                float t = pw[i % k] * y;
                d = (t + 1.0f - y) * gg_sigmoidf(x) - t;
            } else {
                d = gg_sigmoidf(x) - y;
            }
            if (w)
                d *= w[i % k];
            g[i] = d * gscale;
        }
    }
    return s;
}

/* Rows whose target is not ignored weigh w[y] (1 without weights): the 'mean' divisor of
 * cross-entropy and nll. */
static double class_divisor(const gg_loss_cfg *c, const float *target, size_t B)
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
/* cross_entropy without label smoothing and with a gradient, the training case: the
 * same operations in the same order per element, arranged in passes over up to 64 rows so
 * that the exponentials and logarithms run eight at a time (gg_expf_n, gg_logf_n). The
 * gradient rows hold the intermediate values. */
static double cross_entropy_rows(const gg_loss_cfg *c, float *g, const float *pred,
                                 const float *target, size_t B, size_t C, float gscale)
{
    const float keep = 1.0f;
    const float *w = c->weight;
    double s = 0.0;
    float mx[64], ls[64];
    for (size_t r0 = 0, n; r0 < B; r0 += n) {
        n = B - r0 > 64 ? 64 : B - r0;
        const float *z0 = pred + r0 * C;
        float *g0 = g + r0 * C;
        for (size_t q = 0; q < n; q++) {
            const float *z = z0 + q * C;
            float m = z[0];
            for (size_t j = 1; j < C; j++)
                m = z[j] > m ? z[j] : m;
            mx[q] = m;
            for (size_t j = 0; j < C; j++)
                g0[q * C + j] = z[j] - m;
        }
        gg_expf_n(g0, g0, n * C);
        for (size_t q = 0; q < n; q++) {
            float sum = 0.0f;
            for (size_t j = 0; j < C; j++)
                sum += g0[q * C + j];
            ls[q] = sum;
        }
        gg_logf_n(ls, ls, n);
        for (size_t q = 0; q < n; q++)
            for (size_t j = 0; j < C; j++)
                g0[q * C + j] = (z0[q * C + j] - mx[q]) - ls[q];
        gg_expf_n(g0, g0, n * C);  // the softmax p
        for (size_t q = 0; q < n; q++) {
            const size_t r = r0 + q;
            const float *z = z0 + q * C;
            float *gr = g0 + q * C;
            if (target[r] == (float)c->ignore_index) {
                for (size_t j = 0; j < C; j++)
                    gr[j] = 0.0f;
                continue;
            }
            const size_t y = (size_t)target[r];
            const float wy = w ? w[y] : 1.0f;
            s += (double)(wy * (ls[q] - (z[y] - mx[q])));
            for (size_t j = 0; j < C; j++) {
                float d = keep * wy * gr[j];
                gr[j] = d * gscale;
            }
            gr[y] -= keep * wy * gscale;
        }
    }
    return s;
}

static double cross_entropy(const gg_loss_cfg *c, float *g, const float *pred,
                            const float *target, size_t B, size_t C, float gscale)
{
    if (g && c->label_smoothing == 0.0f)
        return cross_entropy_rows(c, g, pred, target, B, C, gscale);
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

/* nll_loss_out_frame: loss_r = -w_y z_y for rows not ignored; backward puts -w_y * norm
 * at the target and 0 elsewhere. */
static double nll(const gg_loss_cfg *c, float *g, const float *pred, const float *target,
                  size_t B, size_t C, float gscale)
{
    const float *w = c->weight;
    double s = 0.0;
    for (size_t r = 0; r < B; r++) {
        float *gr = g ? g + r * C : NULL;
        for (size_t j = 0; gr && j < C; j++)
            gr[j] = 0.0f;
        if (target[r] == (float)c->ignore_index)
            continue;
        size_t y = (size_t)target[r];
        float wy = w ? w[y] : 1.0f;
        s -= (double)(pred[r * C + y] * wy);
        if (gr)
            gr[y] = -wy * gscale;
    }
    return s;
}

/* Keras's categorical_crossentropy on probabilities (from_logits = False), targets as
 * class indices (the one-hot row they stand for): per row q = p / sum p (float division,
 * the sum in float in column order), q clipped to [1e-7, 1 - 1e-7], loss -log q_y. The
 * gradient follows TensorFlow's: none where q_y was clipped, else
 * d/dp_j = -(1/q_y) (delta_jy - q_y) / sum p. */
static double keras_cce(float *g, const float *pred, const float *target, size_t B, size_t C,
                        float gscale)
{
    const float eps = 1e-7f;
    double s = 0.0;
    for (size_t r = 0; r < B; r++) {
        const float *p = pred + r * C;
        const size_t y = (size_t)target[r];
        float sum = 0.0f;
        for (size_t j = 0; j < C; j++)
            sum += p[j];
        const float q = p[y] / sum;
        const float qc = q < eps ? eps : q > 1.0f - eps ? 1.0f - eps : q;
        s -= (double)gg_logf(qc);
        if (!g)
            continue;
        float *gr = g + r * C;
        const int clipped = !(q >= eps && q <= 1.0f - eps);
        for (size_t j = 0; j < C; j++) {
            const float dq = ((j == y ? 1.0f : 0.0f) - q) / sum;
            gr[j] = clipped ? 0.0f : -(1.0f / q) * dq * gscale;
        }
    }
    return s;
}

/* The z-loss sum over rows not ignored of (log Z)^2, log Z = max + log(sum exp(z - max))
 * in float as torch's logsumexp; with g, adds 2 coef log Z softmax * zscale to the rows'
 * gradients. *rows gets the number of rows not ignored. */
static double z_loss(const gg_loss_cfg *c, float *g, const float *pred, const float *target,
                     size_t B, size_t C, float zscale, size_t *rows)
{
    double s = 0.0;
    *rows = 0;
    for (size_t r = 0; r < B; r++) {
        if (target[r] == (float)c->ignore_index)
            continue;
        const float *z = pred + r * C;
        float m = z[0];
        for (size_t j = 1; j < C; j++)
            m = z[j] > m ? z[j] : m;
        float sum = 0.0f;
        for (size_t j = 0; j < C; j++)
            sum += gg_expf(z[j] - m);
        const float ls = gg_logf(sum), lz = m + ls;
        s += (double)lz * (double)lz;
        (*rows)++;
        if (!g)
            continue;
        const float f = 2.0f * c->z_loss * lz * zscale;
        for (size_t j = 0; j < C; j++)
            g[r * C + j] += f * gg_expf((z[j] - m) - ls);
    }
    return s;
}

/* Summed loss; the gradient (if g) of sum * gscale. */
static double kernel(const gg_loss_cfg *c, float *g, const float *pred, const float *target,
                     size_t B, size_t k, float gscale)
{
    switch (c->kind) {
    case GG_LOSS_MSE:           return mse(g, pred, target, B * k, gscale);
    case GG_LOSS_CROSS_ENTROPY: return cross_entropy(c, g, pred, target, B, k, gscale);
    case GG_LOSS_BCE_LOGITS:    return bce_logits(c, g, pred, target, B, k, gscale);
    case GG_LOSS_L1:            return l1(g, pred, target, B * k, gscale);
    case GG_LOSS_SMOOTH_L1:     return smooth_l1(g, pred, target, B * k, c->beta, gscale);
    case GG_LOSS_HUBER:         return huber(g, pred, target, B * k, c->delta, gscale);
    case GG_LOSS_BCE:
        return c->keras ? bce_keras(g, c->weight, pred, target, B, k, gscale)
                        : bce(g, c->weight, pred, target, B, k, gscale);
    case GG_LOSS_NLL:           return nll(c, g, pred, target, B, k, gscale);
    case GG_LOSS_KERAS_CCE:     return keras_cce(g, pred, target, B, k, gscale);
    }
    return (double)NAN;
}

/* The 'mean' divisor: summed target weights for class losses; the element count
 * otherwise (bce weights scale elements but, as in torch, do not change it). */
static double divisor(const gg_loss_cfg *c, const float *target, size_t B, size_t k)
{
    return by_class(c->kind) ? class_divisor(c, target, B) : (double)(B * k);
}

float gg_loss_forward(const gg_loss_cfg *c, float *dpred, const float *pred,
                      const float *target, size_t B, size_t k)
{
    if (c->custom)
        return custom_forward(c->custom, dpred, pred, target, B, k);
    as_rows(c, &B, &k);
    const int zl = c->z_loss != 0.0f && c->kind == GG_LOSS_CROSS_ENTROPY;
    size_t n = 0;
    if (c->reduction == GG_REDUCE_SUM) {
        double s = kernel(c, dpred, pred, target, B, k, 1.0f);
        if (zl)
            s += (double)c->z_loss * z_loss(c, dpred, pred, target, B, k, 1.0f, &n);
        return (float)s;
    }
    // The value is sum/divisor in double; the gradient uses the float32 scale, as torch
    // multiplies by a Python-float 1/n cast to float32.
    double div = divisor(c, target, B, k);
    float gscale = (float)(1.0 / div);
    double s = kernel(c, dpred, pred, target, B, k, gscale);
    double v = s * (double)gscale;
    if (zl) {  // the z-term's mean is over the rows not ignored (class weights do not enter)
        for (size_t r = 0; r < B; r++)
            n += target[r] != (float)c->ignore_index;
        if (n) {
            size_t again;
            v += (double)c->z_loss *
                 z_loss(c, dpred, pred, target, B, k, (float)(1.0 / (double)n), &again) / (double)n;
        }
    }
    return (float)v;
}

void gg_loss_accumulate(const gg_loss_cfg *c, const float *pred, const float *target,
                        size_t B, size_t k, double *sum, double *denom)
{
    if (c->custom) {  // a custom loss is taken as a mean over the batch rows
        *sum += (double)custom_forward(c->custom, NULL, pred, target, B, k) * (double)B;
        *denom += (double)B;
        return;
    }
    as_rows(c, &B, &k);
    *sum += kernel(c, NULL, pred, target, B, k, 1.0f);
    *denom += divisor(c, target, B, k);
}
