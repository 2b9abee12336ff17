/* core/clip.c — clipping and penalties (see clip.h). Sums run in double in parameter
 * order and are rounded to float32 once, like one float32 torch reduction would be up to
 * its own (unspecified) order. */
#include "clip.h"

#include <math.h>

#include "detmath.h"

gg_status gg_clip_check(double max_norm, double norm_type, gg_err *err)
{
    if (!(max_norm > 0.0) || !isfinite(max_norm))
        return gg_err_set(err, GG_EINVAL, "max_norm must be a positive number, got %g", max_norm);
    if (!(norm_type > 0.0))
        return gg_err_set(err, GG_EINVAL, "norm_type must be a positive number or inf, got %g", norm_type);
    return GG_OK;
}

/* |x|^p in double without libm pow (deterministic across CPUs). */
static double powabs(double x, double p)
{
    x = fabs(x);
    if (p == 1.0)
        return x;
    if (p == 2.0)
        return x * x;
    return x == 0.0 ? 0.0 : gg_exp(p * gg_log(x));
}

/* The p-th root of s >= 0. */
static double root(double s, double p)
{
    if (p == 1.0)
        return s;
    if (p == 2.0)
        return sqrt(s);
    return s == 0.0 ? 0.0 : gg_exp(gg_log(s) / p);
}

float gg_grad_norm(gg_model *m, double norm_type)
{
    const float *g = gg_model_grads(m);
    const size_t nt = gg_model_ntensors(m);
    const int inf = isinf(norm_type);
    double total = 0.0;
    for (size_t k = 0; k < nt; k++) {
        size_t off, rows, cols;
        gg_model_tensor_info(m, k, &off, &rows, &cols);
        double s = 0.0;
        for (size_t i = 0; i < rows * cols; i++) {
            double a = fabs((double)g[off + i]);
            if (inf)
                s = a > s || a != a ? a : s;
            else
                s += powabs(a, norm_type);
        }
        // Per-tensor norm in float32 (torch.norm of each grad), then the norm of those.
        float tn = inf ? (float)s : (float)root(s, norm_type);
        if (inf)
            total = (double)tn > total || tn != tn ? (double)tn : total;
        else
            total += powabs((double)tn, norm_type);
    }
    return inf ? (float)total : (float)root(total, norm_type);
}

float gg_clip_grad_norm(gg_model *m, double max_norm, double norm_type)
{
    float total = gg_grad_norm(m, norm_type);
    float coef = (float)max_norm / (total + 1e-6f);  // float32 tensor arithmetic in torch
    if (coef > 1.0f)
        coef = 1.0f;
    float *g = gg_model_grads(m);
    const size_t n = gg_model_nparams(m);
    for (size_t i = 0; i < n; i++)
        g[i] *= coef;
    return total;
}

void gg_clip_grad_value(gg_model *m, float v)
{
    float *g = gg_model_grads(m);
    const size_t n = gg_model_nparams(m);
    for (size_t i = 0; i < n; i++)
        g[i] = g[i] < -v ? -v : g[i] > v ? v : g[i];
}

float gg_penalty(gg_model *m, double l1, double l2, int grads)
{
    const float *p = gg_model_params(m);
    float *g = gg_model_grads(m);
    const size_t n = gg_model_nparams(m);
    const float a = (float)l1, b = (float)(2.0 * l2);
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        float w = p[i];
        s1 += fabs((double)w);
        s2 += (double)w * (double)w;
        if (grads) {
            float sign = w > 0.0f ? 1.0f : w < 0.0f ? -1.0f : 0.0f;  // torch.sign(0) = 0
            g[i] += a * sign + b * w;
        }
    }
    return (float)(l1 * (double)(float)s1 + l2 * (double)(float)s2);
}
