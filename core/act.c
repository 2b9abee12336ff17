/* core/act.c — activations (see act.h). Formulas match PyTorch 1.13 CPU float32. */
#include "act.h"

#include <string.h>

#include "detmath.h"
#include "simd.h"

static const char *const names[] = {"relu", "sigmoid", "tanh"};

const char *gg_act_name(gg_act a)
{
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : NULL;
}

int gg_act_parse(const char *name, gg_act *a)
{
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) {
            *a = (gg_act)i;
            return 0;
        }
    return -1;
}

void gg_act_forward(gg_act a, float *y, const float *x, size_t n)
{
    switch (a) {
    case GG_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case GG_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            y[i] = gg_sigmoidf(x[i]);
        break;
    case GG_ACT_TANH:
        for (size_t i = 0; i < n; i++)
            y[i] = gg_tanhf(x[i]);
        break;
    }
}

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

void gg_act_backward(gg_act a, float *dx, const float *dy, const float *y, size_t n)
{
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
    }
}
