/* core/act.h — element-wise activations: forward and backward kernels.
 * Backward takes the forward *output* y (as PyTorch's relu/sigmoid/tanh backward do) and
 * accumulates nothing: din is overwritten, because activations have no parameters. */
#ifndef GG_ACT_H
#define GG_ACT_H

#include <stddef.h>

typedef enum gg_act {
    GG_ACT_RELU,     /* max(x, 0); backward passes where y > 0 (torch threshold_backward) */
    GG_ACT_SIGMOID,  /* 1/(1+e^-x); backward y(1-y) */
    GG_ACT_TANH      /* tanh x; backward 1-y^2 */
} gg_act;

/* Name ("relu", "sigmoid", "tanh"); NULL for an unknown value. */
const char *gg_act_name(gg_act a);

/* Parse a name into *a; returns 0 on success, -1 for an unknown name. */
int gg_act_parse(const char *name, gg_act *a);

/* y[i] = f(x[i]) for i < n; y may alias x. */
void gg_act_forward(gg_act a, float *y, const float *x, size_t n);

/* dx[i] = dy[i] * f'(x[i]) expressed through y = f(x), for i < n; dx may alias dy. */
void gg_act_backward(gg_act a, float *dx, const float *dy, const float *y, size_t n);

#endif
