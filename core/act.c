/* core/act.c — activations (see act.h). Formulas match PyTorch 1.13's CPU kernels
 * (aten/src/ATen/native/cpu/Activation.cpp); relu, leaky_relu, sigmoid and tanh keep
 * PyTorch's float operations, the others evaluate in double and round once (gelu in
 * core/gelu.c, eight lanes at a time). */
#include "act.h"

#include <math.h>
#include <string.h>

#include "detmath.h"
#include "gelu.h"
#include "simd.h"

static const char *const names[GG_ACT_COUNT] = {
    "relu", "sigmoid", "tanh", "leaky_relu", "gelu", "gelu_tanh", "elu", "silu", "softplus",
    "identity"};

static const double SQRT_2_OVER_PI = 0.79788456080286535588;
static const double GELU_KAPPA = 0.044715;

const char *gg_act_name(gg_act a)
{
    return (unsigned)a < GG_ACT_COUNT ? names[a] : NULL;
}

int gg_act_parse(const char *name, gg_act *a)
{
    for (unsigned i = 0; i < GG_ACT_COUNT; i++)
        if (strcmp(name, names[i]) == 0) {
            *a = (gg_act)i;
            return 0;
        }
    return -1;
}

gg_act_param gg_act_defaults(gg_act a)
{
    gg_act_param p = {0.0f, 0.0f, 0.0f};
    if (a == GG_ACT_LEAKY_RELU)
        p.alpha = 0.01f;
    else if (a == GG_ACT_ELU)
        p.alpha = 1.0f;
    else if (a == GG_ACT_SOFTPLUS)
        p.beta = 1.0f, p.threshold = 20.0f;
    return p;
}

static gg_act_param param_or_default(gg_act a, const gg_act_param *p)
{
    return p ? *p : gg_act_defaults(a);
}

int gg_act_check(gg_act a, const gg_act_param *p, const char **what)
{
    gg_act_param q = param_or_default(a, p);
    const char *bad = NULL;
    if ((a == GG_ACT_LEAKY_RELU || a == GG_ACT_ELU) && !isfinite(q.alpha))
        bad = a == GG_ACT_ELU ? "alpha" : "negative_slope";
    else if (a == GG_ACT_SOFTPLUS && !(isfinite(q.beta) && q.beta > 0.0f))
        bad = "beta";
    else if (a == GG_ACT_SOFTPLUS && !isfinite(q.threshold))
        bad = "threshold";
    if (what)
        *what = bad;
    return bad ? -1 : 0;
}

int gg_act_needs_input(gg_act a, const gg_act_param *p)
{
    switch (a) {
    case GG_ACT_RELU:
    case GG_ACT_SIGMOID:
    case GG_ACT_TANH:
    case GG_ACT_IDENTITY:
        return 0;
    case GG_ACT_LEAKY_RELU:
        // With a slope >= 0, y > 0 exactly when x > 0 (x * slope is never positive).
        return !(param_or_default(a, p).alpha >= 0.0f);
    default:
        return 1;
    }
}

/* Logistic sigmoid of z and its complement 1 - sigmoid(z), in double without overflow
 * or cancellation: the exponential is always of a non-positive number. */
static void sigmoid2(double z, double *s, double *sm)
{
    if (z >= 0.0) {
        double e = gg_exp(-z);
        *s = 1.0 / (1.0 + e);
        *sm = e / (1.0 + e);
    } else {
        double e = gg_exp(z);
        *s = e / (1.0 + e);
        *sm = 1.0 / (1.0 + e);
    }
}

/* ---- forward ---- */

static float gelu_tanh(float x)
{
    // 0.5 x (1 + tanh u) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3).
    double xd = (double)x, s, sm;
    sigmoid2(2.0 * SQRT_2_OVER_PI * (xd + GELU_KAPPA * xd * xd * xd), &s, &sm);
    return (float)(xd * s);
}

static float softplus(float x, float beta, float threshold)
{
    float xb = x * beta;  // torch compares x * beta in float
    if (xb > threshold)
        return x;
    return (float)(gg_log1p(gg_exp((double)xb)) / (double)beta);
}

void gg_act_forward(gg_act a, const gg_act_param *p, float *y, const float *x, size_t n)
{
    gg_act_param q = param_or_default(a, p);
    switch (a) {
    case GG_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case GG_ACT_SIGMOID:
        gg_sigmoidf_n(y, x, n);  // gg_sigmoidf per element, eight at a time: the same bits
        break;
    case GG_ACT_TANH:
        gg_tanhf_n(y, x, n);     // gg_tanhf per element, eight at a time: the same bits
        break;
    case GG_ACT_LEAKY_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : x[i] * q.alpha;
        break;
    case GG_ACT_GELU:
        // x Phi(x) accurate in both tails (torch computes 1 + erf(x/sqrt 2) in float, which
        // loses the left tail); core/gelu.c, the same bits on every path.
        gg_gelu_forward(gg_isa_best(), y, x, n);
        break;
    case GG_ACT_GELU_TANH:
        for (size_t i = 0; i < n; i++)
            y[i] = gelu_tanh(x[i]);
        break;
    case GG_ACT_ELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : (float)((double)q.alpha * gg_expm1((double)x[i]));
        break;
    case GG_ACT_SILU:
        for (size_t i = 0; i < n; i++) {
            double s, sm;
            sigmoid2((double)x[i], &s, &sm);
            y[i] = (float)((double)x[i] * s);
        }
        break;
    case GG_ACT_SOFTPLUS:
        for (size_t i = 0; i < n; i++)
            y[i] = softplus(x[i], q.beta, q.threshold);
        break;
    case GG_ACT_IDENTITY:
        if (y != x)
            memmove(y, x, n * sizeof *y);
        break;
    }
}

/* ---- backward ---- */

/* ReLU backward in place (the model's usual call): with no aliasing to check the compiler
 * turns it into a branch-free blend, which matters because ReLU masks are unpredictable. */
GG_KERNEL
static void relu_backward_inplace(float *restrict d, const float *restrict y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = y[i] > 0.0f ? d[i] : 0.0f;
}

GG_KERNEL
static void relu_backward(float *restrict dx, const float *restrict dy, const float *restrict y,
                          size_t n)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

/* d/dx of 0.5 x (1 + tanh u): 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u', with
 * 0.5 (1 + tanh u) = s = sigmoid(2u) and 1 - tanh^2 u = 4 s (1 - s). */
static double gelu_tanh_grad(double x)
{
    double x2 = x * x, s, sm;
    sigmoid2(2.0 * SQRT_2_OVER_PI * (x + GELU_KAPPA * x2 * x), &s, &sm);
    double du = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_KAPPA * x2);
    return s + 0.5 * x * (4.0 * s * sm) * du;
}

void gg_act_backward(gg_act a, const gg_act_param *p, float *dx, const float *dy,
                     const float *x, const float *y, size_t n)
{
    gg_act_param q = param_or_default(a, p);
    switch (a) {
    case GG_ACT_RELU:
        if (dx == dy)
            relu_backward_inplace(dx, y, n);
        else
            relu_backward(dx, dy, y, n);
        break;
    case GG_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            dx[i] = dy[i] * (1.0f - y[i]) * y[i];
        break;
    case GG_ACT_TANH:
        for (size_t i = 0; i < n; i++)
            dx[i] = dy[i] * (1.0f - y[i] * y[i]);
        break;
    case GG_ACT_LEAKY_RELU:
        // torch: x > 0 ? dy : dy * slope; y > 0 is the same test when slope >= 0.
        if (gg_act_needs_input(a, &q))
            for (size_t i = 0; i < n; i++)
                dx[i] = x[i] > 0.0f ? dy[i] : dy[i] * q.alpha;
        else
            for (size_t i = 0; i < n; i++)
                dx[i] = y[i] > 0.0f ? dy[i] : dy[i] * q.alpha;
        break;
    case GG_ACT_GELU:
        // Phi(x) + x phi(x) (torch GeluBackward, approximate='none'), core/gelu.c.
        gg_gelu_backward(gg_isa_best(), dx, dy, x, n);
        break;
    case GG_ACT_GELU_TANH:
        for (size_t i = 0; i < n; i++)
            dx[i] = (float)((double)dy[i] * gelu_tanh_grad((double)x[i]));
        break;
    case GG_ACT_ELU:
        // torch elu_backward (is_result=false): x <= 0 ? dy * alpha * e^x : dy.
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] <= 0.0f ? (float)((double)dy[i] * (double)q.alpha * gg_exp((double)x[i]))
                                 : dy[i];
        break;
    case GG_ACT_SILU:
        // torch: dy * s * (1 + x (1 - s)), s = sigmoid(x).
        for (size_t i = 0; i < n; i++) {
            double s, sm, xd = (double)x[i];
            sigmoid2(xd, &s, &sm);
            dx[i] = (float)((double)dy[i] * (s * (1.0 + xd * sm)));
        }
        break;
    case GG_ACT_SOFTPLUS:
        // torch: x * beta > threshold ? dy : dy * z / (z + 1), z = e^(x beta) = dy sigmoid(x beta).
        for (size_t i = 0; i < n; i++) {
            float xb = x[i] * q.beta;
            if (xb > q.threshold) {
                dx[i] = dy[i];
            } else {
                double s, sm;
                sigmoid2((double)xb, &s, &sm);
                dx[i] = (float)((double)dy[i] * s);
            }
        }
        break;
    case GG_ACT_IDENTITY:
        if (dx != dy)
            memmove(dx, dy, n * sizeof *dx);
        break;
    }
}
