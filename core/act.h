/* core/act.h — element-wise activations (PyTorch 1.13 modules): forward and backward kernels.
 *
 * Backward overwrites dx (activations have no parameters, nothing accumulates). It reads
 * the forward output y when that determines the derivative (relu, leaky_relu with a slope
 * >= 0, sigmoid, tanh, identity: as PyTorch's relu/sigmoid/tanh backward do) and the input
 * x otherwise (gelu, elu, silu, softplus: as PyTorch's kernels do); gg_act_needs_input
 * says which, so a model can run the output-only ones in place and keep x for the others.
 * Formulas follow PyTorch's CPU kernels; transcendental parts are evaluated in double with
 * core/detmath (no libm) and rounded once to float. */
#ifndef GG_ACT_H
#define GG_ACT_H

#include <stddef.h>

typedef enum gg_act {
    GG_ACT_RELU,       /* max(x, 0); backward passes where y > 0 (torch threshold_backward) */
    GG_ACT_SIGMOID,    /* 1/(1+e^-x); backward y(1-y) */
    GG_ACT_TANH,       /* tanh x; backward 1-y^2 */
    GG_ACT_LEAKY_RELU, /* x > 0 ? x : x*alpha (negative_slope, default 0.01) */
    GG_ACT_GELU,       /* exact x*Phi(x) = x/2 * erfc(-x/sqrt 2) (approximate='none'), gelu.h */
    GG_ACT_GELU_TANH,  /* x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (approximate='tanh') */
    GG_ACT_ELU,        /* x > 0 ? x : alpha*(e^x - 1) (alpha default 1) */
    GG_ACT_SILU,       /* x*sigmoid(x) */
    GG_ACT_SOFTPLUS,   /* x*beta > threshold ? x : log(1 + e^(beta x))/beta (1, 20) */
    GG_ACT_IDENTITY    /* x */
} gg_act;

/* Number of activations (valid values are 0 .. GG_ACT_COUNT-1). */
#define GG_ACT_COUNT 10

/* Parameters of the parameterised activations; other activations ignore them. */
typedef struct gg_act_param {
    float alpha;      /* leaky_relu: negative_slope; elu: alpha */
    float beta;       /* softplus: beta (> 0) */
    float threshold;  /* softplus: threshold */
} gg_act_param;

/* Name ("relu", "leaky_relu", "gelu", "gelu_tanh", ...); NULL for an unknown value. */
const char *gg_act_name(gg_act a);

/* Parse a name into *a; returns 0 on success, -1 for an unknown name. */
int gg_act_parse(const char *name, gg_act *a);

/* PyTorch's default parameters of a: leaky_relu alpha 0.01, elu alpha 1, softplus beta 1
 * and threshold 20; zeros elsewhere. */
gg_act_param gg_act_defaults(gg_act a);

/* 0 if p is valid for a (all finite, softplus beta > 0); otherwise -1 and *what names
 * the bad field ("beta"). p may be NULL for the defaults. */
int gg_act_check(gg_act a, const gg_act_param *p, const char **what);

/* 1 if the backward of a (with p) needs the forward input x, 0 if y is enough. */
int gg_act_needs_input(gg_act a, const gg_act_param *p);

/* y[i] = f(x[i]) for i < n; y may alias x. p: parameters (NULL for the defaults). */
void gg_act_forward(gg_act a, const gg_act_param *p, float *y, const float *x, size_t n);

/* dx[i] = dy[i] * f'(x[i]) for i < n; dx may alias dy. x is the forward input (may be
 * NULL when !gg_act_needs_input), y the forward output; neither is written. */
void gg_act_backward(gg_act a, const gg_act_param *p, float *dx, const float *dy,
                     const float *x, const float *y, size_t n);

#endif
