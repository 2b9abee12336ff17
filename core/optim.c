/* core/optim.c — SGD, Adam, AdamW, RMSprop, Adagrad and Keras Adam (see optim.h).
 * Reference: torch/optim/{sgd,adam,adamw,rmsprop,adagrad}.py, PyTorch 1.13, the
 * _single_tensor_* functions; Keras Adam follows docs/semantics.md. Each loop comment
 * names the torch call it mirrors; CPU kernels compute addcmul as self + (value*t1)*t2
 * and addcdiv as self + (value*t1)/t2, with value cast to float. */
#include "optim.h"

#include <math.h>
#include <string.h>

#include "detmath.h"
#include "simd.h"

#include "mem.h"

gg_sgd_cfg gg_sgd_defaults(void)
{
    return (gg_sgd_cfg){.lr = 0.01};
}

gg_adam_cfg gg_adam_defaults(void)
{
    return (gg_adam_cfg){.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
}

gg_adam_cfg gg_adamw_defaults(void)
{
    return (gg_adam_cfg){.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
                         .weight_decay = 1e-2};
}

gg_rmsprop_cfg gg_rmsprop_defaults(void)
{
    return (gg_rmsprop_cfg){.lr = 1e-2, .alpha = 0.99, .eps = 1e-8};
}

gg_adagrad_cfg gg_adagrad_defaults(void)
{
    return (gg_adagrad_cfg){.lr = 1e-2, .eps = 1e-10};
}

gg_keras_adam_cfg gg_keras_adam_defaults(void)
{
    return (gg_keras_adam_cfg){.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-7};
}

static gg_status check_nonneg(double v, const char *name, gg_err *err)
{
    if (!(v >= 0.0) || !isfinite(v))
        return gg_err_set(err, GG_EINVAL, "%s must be a non-negative number, got %g", name, v);
    return GG_OK;
}

static gg_status check_lr(double lr, gg_err *err)
{
    if (!(lr > 0.0) || !isfinite(lr))
        return gg_err_set(err, GG_EINVAL, "lr must be a positive number, got %g", lr);
    return GG_OK;
}

gg_status gg_sgd_check(const gg_sgd_cfg *c, gg_err *err)
{
    gg_status st;
    if ((st = check_lr(c->lr, err)) || (st = check_nonneg(c->momentum, "momentum", err)) ||
        (st = check_nonneg(c->dampening, "dampening", err)) ||
        (st = check_nonneg(c->weight_decay, "weight_decay", err)))
        return st;
    if (c->nesterov && (c->momentum <= 0.0 || c->dampening != 0.0))
        return gg_err_set(err, GG_EINVAL,
                          "nesterov requires momentum > 0 and dampening = 0, got momentum %g, dampening %g",
                          c->momentum, c->dampening);
    return GG_OK;
}

static gg_status check_unit(double v, const char *name, gg_err *err)
{
    if (!(v >= 0.0 && v < 1.0))
        return gg_err_set(err, GG_EINVAL, "%s must be in [0, 1), got %g", name, v);
    return GG_OK;
}

gg_status gg_adam_check(const gg_adam_cfg *c, gg_err *err)
{
    gg_status st;
    if ((st = check_lr(c->lr, err)) || (st = check_nonneg(c->eps, "eps", err)) ||
        (st = check_nonneg(c->weight_decay, "weight_decay", err)) ||
        (st = check_unit(c->beta1, "betas[1]", err)) || (st = check_unit(c->beta2, "betas[2]", err)))
        return st;
    return GG_OK;
}

gg_status gg_rmsprop_check(const gg_rmsprop_cfg *c, gg_err *err)
{
    gg_status st;
    if ((st = check_lr(c->lr, err)) || (st = check_unit(c->alpha, "alpha", err)) ||
        (st = check_nonneg(c->eps, "eps", err)) ||
        (st = check_nonneg(c->weight_decay, "weight_decay", err)) ||
        (st = check_nonneg(c->momentum, "momentum", err)))
        return st;
    return GG_OK;
}

gg_status gg_adagrad_check(const gg_adagrad_cfg *c, gg_err *err)
{
    gg_status st;
    if ((st = check_lr(c->lr, err)) || (st = check_nonneg(c->lr_decay, "lr_decay", err)) ||
        (st = check_nonneg(c->weight_decay, "weight_decay", err)) ||
        (st = check_nonneg(c->initial_accumulator_value, "initial_accumulator_value", err)) ||
        (st = check_nonneg(c->eps, "eps", err)))
        return st;
    return GG_OK;
}

gg_status gg_keras_adam_check(const gg_keras_adam_cfg *c, gg_err *err)
{
    gg_status st;
    if ((st = check_lr(c->lr, err)) || (st = check_nonneg(c->eps, "eps", err)) ||
        (st = check_unit(c->beta1, "betas[1]", err)) || (st = check_unit(c->beta2, "betas[2]", err)))
        return st;
    return GG_OK;
}

/* SGD element loop for one combination of options; the flags are compile-time constants
 * at each call site below, so every variant is a branch-free loop that vectorizes. */
static inline void sgd_loop(float *restrict p, float *restrict buf, const float *restrict g,
                            size_t n, float wd, float mu, float keep, float neg_lr, int first,
                            int use_wd, int use_mu, int nesterov)
{
    for (size_t i = 0; i < n; i++) {
        float d = g[i];
        if (use_wd)
            d = d + wd * p[i];                          // d_p.add(param, alpha=wd)
        if (use_mu) {
            float b = first ? d : buf[i] * mu + keep * d; // clone on step 1, then mul_/add_
            buf[i] = b;
            d = nesterov ? d + mu * b : b;
        }
        p[i] = p[i] + neg_lr * d;                       // param.add_(d_p, alpha=-lr)
    }
}

GG_KERNEL
void gg_sgd_step(const gg_sgd_cfg *c, float *buf, int *started, float *p, const float *g,
                 size_t n)
{
    const float wd = (float)c->weight_decay, mu = (float)c->momentum;
    const float keep = (float)(1.0 - c->dampening), neg_lr = (float)-c->lr;
    const int first = !*started, use_wd = wd != 0.0f;
    if (mu == 0.0f) {
        if (use_wd)
            sgd_loop(p, buf, g, n, wd, mu, keep, neg_lr, first, 1, 0, 0);
        else
            sgd_loop(p, buf, g, n, wd, mu, keep, neg_lr, first, 0, 0, 0);
    } else if (c->nesterov) {
        sgd_loop(p, buf, g, n, wd, mu, keep, neg_lr, first, use_wd, 1, 1);
    } else if (first) {
        sgd_loop(p, buf, g, n, wd, mu, keep, neg_lr, 1, use_wd, 1, 0);
    } else if (use_wd) {
        sgd_loop(p, buf, g, n, wd, mu, keep, neg_lr, 0, 1, 1, 0);
    } else {
        sgd_loop(p, buf, g, n, wd, mu, keep, neg_lr, 0, 0, 1, 0);
    }
    *started = 1;
}

/* The Adam family's element loop. use_wd (L2 into d), decay (AdamW's p *= shrink first),
 * amsgrad and keras (no division by sqrt(bc2): eps before bias correction, folded into
 * neg_step) are constants at each call site (see sgd_loop). */
static inline void adam_loop_div(float *restrict p, float *restrict m, float *restrict v,
                                 float *restrict vmax, const float *restrict g, size_t n,
                                 float b1, float b2, float a1, float a2, float eps, float wd,
                                 float shrink, float neg_step, float bc2_sqrt, int use_wd,
                                 int decay, int amsgrad, int keras, int use_rcp, float rcp)
{
    for (size_t i = 0; i < n; i++) {
        float d = g[i];
        float pi = p[i];
        if (use_wd)
            d = d + wd * pi;                     // grad.add(param, alpha=wd)
        if (decay)
            pi = pi * shrink;                    // AdamW: param.mul_(1 - lr*wd)
        float mi = m[i] * b1 + a1 * d;           // exp_avg.mul_(b1).add_(g, alpha=1-b1)
        float vi = v[i] * b2 + a2 * d * d;       // exp_avg_sq.mul_(b2).addcmul_(g, g, 1-b2)
        m[i] = mi;
        v[i] = vi;
        if (amsgrad) {
            vi = vmax[i] > vi ? vmax[i] : vi;
            vmax[i] = vi;
        }
        float denom = keras     ? __builtin_sqrtf(vi) + eps            // Keras: sqrt(v) + eps
                      : use_rcp ? gg_div_by(__builtin_sqrtf(vi), bc2_sqrt, rcp) + eps
                                : __builtin_sqrtf(vi) / bc2_sqrt + eps; // (sqrt / sqrt(bc2)).add_(eps)
        p[i] = pi + neg_step * mi / denom;       // param.addcdiv_(m, denom, value=-step_size)
    }
}

/* adam_loop_div, dividing by sqrt(bc2) through gg_div_by when its conditions hold (the
 * same bits, a third faster: the divider is this loop's bottleneck). */
static inline void adam_loop(float *restrict p, float *restrict m, float *restrict v,
                             float *restrict vmax, const float *restrict g, size_t n,
                             float b1, float b2, float a1, float a2, float eps, float wd,
                             float shrink, float neg_step, float bc2_sqrt, int use_wd,
                             int decay, int amsgrad, int keras)
{
    if (!keras && bc2_sqrt >= 0x1p-60f && bc2_sqrt <= 1.0f)
        adam_loop_div(p, m, v, vmax, g, n, b1, b2, a1, a2, eps, wd, shrink, neg_step, bc2_sqrt,
                      use_wd, decay, amsgrad, keras, 1, 1.0f / bc2_sqrt);
    else
        adam_loop_div(p, m, v, vmax, g, n, b1, b2, a1, a2, eps, wd, shrink, neg_step, bc2_sqrt,
                      use_wd, decay, amsgrad, keras, 0, 0.0f);
}

GG_KERNEL
void gg_adam_step(const gg_adam_cfg *c, long t, float *m, float *v, float *vmax, float *p,
                  const float *g, size_t n)
{
    const double bc1 = 1.0 - gg_powi(c->beta1, t);
    const double bc2 = 1.0 - gg_powi(c->beta2, t);
    const float neg_step = (float)-(c->lr / bc1);
    const float bc2_sqrt = (float)sqrt(bc2);
    const float b1 = (float)c->beta1, b2 = (float)c->beta2;
    const float a1 = (float)(1.0 - c->beta1), a2 = (float)(1.0 - c->beta2);
    const float eps = (float)c->eps, wd = (float)c->weight_decay;
    if (wd == 0.0f && !vmax)
        adam_loop(p, m, v, vmax, g, n, b1, b2, a1, a2, eps, wd, 1.0f, neg_step, bc2_sqrt, 0, 0, 0, 0);
    else if (!vmax)
        adam_loop(p, m, v, vmax, g, n, b1, b2, a1, a2, eps, wd, 1.0f, neg_step, bc2_sqrt, 1, 0, 0, 0);
    else
        adam_loop(p, m, v, vmax, g, n, b1, b2, a1, a2, eps, wd, 1.0f, neg_step, bc2_sqrt,
                  wd != 0.0f, 0, 1, 0);
}

/* torch.optim.AdamW (1.13): the shrink factor 1 - lr*wd is a Python float; mul_ rounds it
 * to float. With wd = 0 it is 1, and multiplying by 1 is exact, so there is no wd branch. */
GG_KERNEL
void gg_adamw_step(const gg_adam_cfg *c, long t, float *m, float *v, float *vmax, float *p,
                   const float *g, size_t n)
{
    const double bc1 = 1.0 - gg_powi(c->beta1, t);
    const double bc2 = 1.0 - gg_powi(c->beta2, t);
    const float neg_step = (float)-(c->lr / bc1);
    const float bc2_sqrt = (float)sqrt(bc2);
    const float b1 = (float)c->beta1, b2 = (float)c->beta2;
    const float a1 = (float)(1.0 - c->beta1), a2 = (float)(1.0 - c->beta2);
    const float eps = (float)c->eps, shrink = (float)(1.0 - c->lr * c->weight_decay);
    if (vmax)
        adam_loop(p, m, v, vmax, g, n, b1, b2, a1, a2, eps, 0.0f, shrink, neg_step, bc2_sqrt, 0, 1, 1, 0);
    else
        adam_loop(p, m, v, vmax, g, n, b1, b2, a1, a2, eps, 0.0f, shrink, neg_step, bc2_sqrt, 0, 1, 0, 0);
}

/* Keras 2 Adam: alpha_t = lr*sqrt(1 - b2^t)/(1 - b1^t) in double, then
 * p + (-alpha_t * m)/(sqrt(v) + eps), the same float order as Adam's addcdiv. */
GG_KERNEL
void gg_keras_adam_step(const gg_keras_adam_cfg *c, long t, float *m, float *v, float *p,
                        const float *g, size_t n)
{
    const double bc1 = 1.0 - gg_powi(c->beta1, t);
    const double bc2 = 1.0 - gg_powi(c->beta2, t);
    const float neg_step = (float)-(c->lr * sqrt(bc2) / bc1);
    const float b1 = (float)c->beta1, b2 = (float)c->beta2;
    const float a1 = (float)(1.0 - c->beta1), a2 = (float)(1.0 - c->beta2);
    adam_loop(p, m, v, NULL, g, n, b1, b2, a1, a2, (float)c->eps, 0.0f, 1.0f, neg_step, 1.0f,
              0, 0, 0, 1);
}

/* ---- RMSprop ---- */

/* RMSprop element loop; use_wd, centered and use_mu are constants at each call site. */
static inline void rmsprop_loop(float *restrict p, float *restrict sq, float *restrict gavg,
                                float *restrict buf, const float *restrict g, size_t n,
                                float alpha, float a1, float eps, float wd, float mu,
                                float neg_lr, int use_wd, int centered, int use_mu)
{
    for (size_t i = 0; i < n; i++) {
        float d = g[i];
        if (use_wd)
            d = d + wd * p[i];                     // grad.add(param, alpha=wd)
        float s = sq[i] * alpha + a1 * d * d;      // square_avg.mul_(alpha).addcmul_(g, g, 1-alpha)
        sq[i] = s;
        float avg;
        if (centered) {
            float ga = gavg[i] * alpha + a1 * d;   // grad_avg.mul_(alpha).add_(g, alpha=1-alpha)
            gavg[i] = ga;
            avg = __builtin_sqrtf(s - ga * ga);    // square_avg.addcmul(ga, ga, value=-1).sqrt_()
        } else {
            avg = __builtin_sqrtf(s);              // square_avg.sqrt()
        }
        avg = avg + eps;                           // .add_(eps)
        if (use_mu) {
            float b = buf[i] * mu + d / avg;       // buf.mul_(mu).addcdiv_(g, avg)
            buf[i] = b;
            p[i] = p[i] + neg_lr * b;              // param.add_(buf, alpha=-lr)
        } else {
            p[i] = p[i] + neg_lr * d / avg;        // param.addcdiv_(g, avg, value=-lr)
        }
    }
}

/* torch.optim.RMSprop (1.13), _single_tensor_rmsprop. */
GG_KERNEL
void gg_rmsprop_step(const gg_rmsprop_cfg *c, float *sq, float *gavg, float *buf, float *p,
                     const float *g, size_t n)
{
    const float alpha = (float)c->alpha, a1 = (float)(1.0 - c->alpha), eps = (float)c->eps;
    const float wd = (float)c->weight_decay, mu = (float)c->momentum, neg_lr = (float)-c->lr;
    const int use_wd = c->weight_decay != 0.0, use_mu = c->momentum > 0.0;
    switch (use_wd | (c->centered ? 2 : 0) | (use_mu ? 4 : 0)) {
    case 0: rmsprop_loop(p, sq, gavg, buf, g, n, alpha, a1, eps, wd, mu, neg_lr, 0, 0, 0); break;
    case 1: rmsprop_loop(p, sq, gavg, buf, g, n, alpha, a1, eps, wd, mu, neg_lr, 1, 0, 0); break;
    case 2: rmsprop_loop(p, sq, gavg, buf, g, n, alpha, a1, eps, wd, mu, neg_lr, 0, 1, 0); break;
    case 3: rmsprop_loop(p, sq, gavg, buf, g, n, alpha, a1, eps, wd, mu, neg_lr, 1, 1, 0); break;
    case 4: rmsprop_loop(p, sq, gavg, buf, g, n, alpha, a1, eps, wd, mu, neg_lr, 0, 0, 1); break;
    case 5: rmsprop_loop(p, sq, gavg, buf, g, n, alpha, a1, eps, wd, mu, neg_lr, 1, 0, 1); break;
    case 6: rmsprop_loop(p, sq, gavg, buf, g, n, alpha, a1, eps, wd, mu, neg_lr, 0, 1, 1); break;
    default: rmsprop_loop(p, sq, gavg, buf, g, n, alpha, a1, eps, wd, mu, neg_lr, 1, 1, 1); break;
    }
}

/* ---- Adagrad ---- */

static inline void adagrad_loop(float *restrict p, float *restrict sum, const float *restrict g,
                                size_t n, float eps, float wd, float neg_clr, int use_wd)
{
    for (size_t i = 0; i < n; i++) {
        float d = g[i];
        if (use_wd)
            d = d + wd * p[i];                     // grad.add(param, alpha=wd)
        float s = sum[i] + d * d;                  // state_sum.addcmul_(g, g, value=1)
        sum[i] = s;
        float std = __builtin_sqrtf(s) + eps;      // state_sum.sqrt().add_(eps)
        p[i] = p[i] + neg_clr * d / std;           // param.addcdiv_(g, std, value=-clr)
    }
}

/* torch.optim.Adagrad (1.13), _single_tensor_adagrad (dense gradients); clr in double. */
GG_KERNEL
void gg_adagrad_step(const gg_adagrad_cfg *c, long t, float *sum, float *p, const float *g,
                     size_t n)
{
    const double clr = c->lr / (1.0 + (double)(t - 1) * c->lr_decay);
    const float eps = (float)c->eps, wd = (float)c->weight_decay, neg_clr = (float)-clr;
    if (c->weight_decay != 0.0)
        adagrad_loop(p, sum, g, n, eps, wd, neg_clr, 1);
    else
        adagrad_loop(p, sum, g, n, eps, wd, neg_clr, 0);
}

/* ---- owning object ---- */

struct gg_optim {
    gg_optim_kind kind;
    union {
        gg_sgd_cfg sgd;
        gg_adam_cfg adam;        /* Adam and AdamW */
        gg_rmsprop_cfg rmsprop;
        gg_adagrad_cfg adagrad;
        gg_keras_adam_cfg keras;
    } cfg;
    size_t n;       /* parameter count */
    long t;         /* steps taken */
    int started;    /* SGD: momentum buffer initialised */
    float *s1;      /* SGD momentum buffer; Adam family m; RMSprop square avg; Adagrad sum */
    float *s2;      /* Adam family v; RMSprop grad avg (centered only) */
    float *s3;      /* Adam/AdamW vmax (amsgrad only); RMSprop momentum buffer (momentum > 0) */
    size_t nseg;    /* 0: every parameter; else the trainable ranges below */
    size_t *seg;    /* nseg (offset, length) pairs, ascending, within n */
};

static gg_status check_kind(gg_optim_kind kind, const void *cfg, gg_err *err)
{
    switch (kind) {
    case GG_OPTIM_SGD: return gg_sgd_check(cfg, err);
    case GG_OPTIM_ADAM:
    case GG_OPTIM_ADAMW: return gg_adam_check(cfg, err);
    case GG_OPTIM_RMSPROP: return gg_rmsprop_check(cfg, err);
    case GG_OPTIM_ADAGRAD: return gg_adagrad_check(cfg, err);
    case GG_OPTIM_KERAS_ADAM: return gg_keras_adam_check(cfg, err);
    }
    return gg_err_set(err, GG_EINVAL, "unknown optimizer kind %d", (int)kind);
}

/* Which state buffers the configured kind needs (s1, s2, s3 as in struct gg_optim). */
static void state_needs(const gg_optim *o, int need[3])
{
    need[0] = need[1] = need[2] = 0;
    switch (o->kind) {
    case GG_OPTIM_SGD:
        need[0] = o->cfg.sgd.momentum != 0.0;
        break;
    case GG_OPTIM_ADAM:
    case GG_OPTIM_ADAMW:
        need[0] = need[1] = 1;
        need[2] = o->cfg.adam.amsgrad != 0;
        break;
    case GG_OPTIM_RMSPROP:
        need[0] = 1;
        need[1] = o->cfg.rmsprop.centered != 0;
        need[2] = o->cfg.rmsprop.momentum != 0.0;
        break;
    case GG_OPTIM_ADAGRAD:
        need[0] = 1;
        break;
    case GG_OPTIM_KERAS_ADAM:
        need[0] = need[1] = 1;
        break;
    }
}

/* Adagrad's sum starts at initial_accumulator_value (torch.full_like, so a float). */
static void fill_initial(gg_optim *o)
{
    if (o->kind != GG_OPTIM_ADAGRAD)
        return;
    const float v0 = (float)o->cfg.adagrad.initial_accumulator_value;
    for (size_t i = 0; i < o->n; i++)
        o->s1[i] = v0;
}

gg_status gg_optim_new(gg_optim **out, gg_optim_kind kind, const void *cfg, size_t n,
                       gg_err *err)
{
    *out = NULL;
    gg_status st = check_kind(kind, cfg, err);
    if (st)
        return st;
    gg_optim *o = gg_calloc(1, sizeof *o);
    if (!o)
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating an optimizer");
    o->kind = kind;
    o->n = n;
    switch (kind) {
    case GG_OPTIM_SGD: o->cfg.sgd = *(const gg_sgd_cfg *)cfg; break;
    case GG_OPTIM_ADAM:
    case GG_OPTIM_ADAMW: o->cfg.adam = *(const gg_adam_cfg *)cfg; break;
    case GG_OPTIM_RMSPROP: o->cfg.rmsprop = *(const gg_rmsprop_cfg *)cfg; break;
    case GG_OPTIM_ADAGRAD: o->cfg.adagrad = *(const gg_adagrad_cfg *)cfg; break;
    case GG_OPTIM_KERAS_ADAM: o->cfg.keras = *(const gg_keras_adam_cfg *)cfg; break;
    }
    int need[3];
    state_needs(o, need);
    if ((need[0] && !(o->s1 = gg_calloc(n, sizeof(float)))) ||
        (need[1] && !(o->s2 = gg_calloc(n, sizeof(float)))) ||
        (need[2] && !(o->s3 = gg_calloc(n, sizeof(float))))) {
        gg_optim_free(o);
        return gg_err_set(err, GG_ENOMEM,
                          "out of memory allocating optimizer state for %zu parameters", n);
    }
    fill_initial(o);
    *out = o;
    return GG_OK;
}

void gg_optim_free(gg_optim *o)
{
    if (!o)
        return;
    gg_free(o->s1);
    gg_free(o->s2);
    gg_free(o->s3);
    gg_free(o->seg);
    gg_free(o);
}

/* One step over parameters [off, off + n) of the flat buffers. */
static void step_range(gg_optim *o, float *p, const float *g, size_t off, size_t n, int *started)
{
    float *s1 = o->s1 ? o->s1 + off : NULL, *s2 = o->s2 ? o->s2 + off : NULL;
    float *s3 = o->s3 ? o->s3 + off : NULL;
    p += off;
    g += off;
    switch (o->kind) {
    case GG_OPTIM_SGD:
        gg_sgd_step(&o->cfg.sgd, s1, started, p, g, n);
        break;
    case GG_OPTIM_ADAM:
        gg_adam_step(&o->cfg.adam, o->t, s1, s2, s3, p, g, n);
        break;
    case GG_OPTIM_ADAMW:
        gg_adamw_step(&o->cfg.adam, o->t, s1, s2, s3, p, g, n);
        break;
    case GG_OPTIM_RMSPROP:
        gg_rmsprop_step(&o->cfg.rmsprop, s1, s2, s3, p, g, n);
        break;
    case GG_OPTIM_ADAGRAD:
        gg_adagrad_step(&o->cfg.adagrad, o->t, s1, p, g, n);
        break;
    case GG_OPTIM_KERAS_ADAM:
        gg_keras_adam_step(&o->cfg.keras, o->t, s1, s2, p, g, n);
        break;
    }
}

void gg_optim_step(gg_optim *o, float *p, const float *g)
{
    o->t++;
    if (!o->nseg) {
        step_range(o, p, g, 0, o->n, &o->started);
        return;
    }
    // Every range starts from the same "started" state; the step is element-wise, so
    // splitting it into ranges changes no result.
    int started = o->started;
    for (size_t i = 0; i < o->nseg; i++) {
        int st = o->started;
        step_range(o, p, g, o->seg[2 * i], o->seg[2 * i + 1], &st);
        started = st;
    }
    o->started = started;
}

gg_status gg_optim_set_ranges(gg_optim *o, const size_t *ranges, size_t nranges, gg_err *err)
{
    size_t end = 0;
    for (size_t i = 0; i < nranges; i++) {
        size_t off = ranges[2 * i], len = ranges[2 * i + 1];
        if (off < end || len > o->n || off > o->n - len)
            return gg_err_set(err, GG_EINVAL, "range %zu (%zu, %zu) is out of order or beyond %zu parameters",
                              i + 1, off, len, o->n);
        end = off + len;
    }
    size_t *copy = NULL;
    if (nranges && !(copy = gg_malloc(2 * nranges, sizeof *copy)))
        return gg_err_set(err, GG_ENOMEM, "out of memory for %zu parameter ranges", nranges);
    if (nranges)
        memcpy(copy, ranges, 2 * nranges * sizeof *copy);
    gg_free(o->seg);
    o->seg = copy;
    o->nseg = nranges;
    return GG_OK;
}

/* The lr field of the configured kind (every config has one). */
static double *lr_of(gg_optim *o)
{
    switch (o->kind) {
    case GG_OPTIM_SGD: return &o->cfg.sgd.lr;
    case GG_OPTIM_ADAM:
    case GG_OPTIM_ADAMW: return &o->cfg.adam.lr;
    case GG_OPTIM_RMSPROP: return &o->cfg.rmsprop.lr;
    case GG_OPTIM_ADAGRAD: return &o->cfg.adagrad.lr;
    case GG_OPTIM_KERAS_ADAM: return &o->cfg.keras.lr;
    }
    return &o->cfg.sgd.lr;  // unreachable: the kind was checked by gg_optim_new
}

/* The field set_momentum changes, or NULL (Adagrad). */
static double *momentum_of(gg_optim *o)
{
    switch (o->kind) {
    case GG_OPTIM_SGD: return &o->cfg.sgd.momentum;
    case GG_OPTIM_ADAM:
    case GG_OPTIM_ADAMW: return &o->cfg.adam.beta1;
    case GG_OPTIM_RMSPROP: return &o->cfg.rmsprop.momentum;
    case GG_OPTIM_KERAS_ADAM: return &o->cfg.keras.beta1;
    case GG_OPTIM_ADAGRAD: break;
    }
    return NULL;
}

double gg_optim_lr(const gg_optim *o)
{
    return *lr_of((gg_optim *)o);
}

gg_status gg_optim_set_lr(gg_optim *o, double lr, gg_err *err)
{
    // Schedulers reach 0 (cosine at T_max, plateau with factor 0) and, like torch's
    // one-cycle past its last step, even below: only non-finite values are refused.
    if (!isfinite(lr))
        return gg_err_set(err, GG_EINVAL, "lr must be a finite number, got %g", lr);
    *lr_of(o) = lr;
    return GG_OK;
}

int gg_optim_has_momentum(const gg_optim *o)
{
    return momentum_of((gg_optim *)o) != NULL;
}

double gg_optim_momentum(const gg_optim *o)
{
    const double *m = momentum_of((gg_optim *)o);
    return m ? *m : 0.0;
}

gg_status gg_optim_set_momentum(gg_optim *o, double m, gg_err *err)
{
    double *field = momentum_of(o);
    if (!field)
        return gg_err_set(err, GG_EINVAL, "%s has no momentum to set (got %g)",
                          gg_optim_kind_name(o->kind), m);
    if (!(m >= 0.0 && m < 1.0))
        return gg_err_set(err, GG_EINVAL, "momentum must be in [0, 1), got %g", m);
    // SGD and RMSprop keep a momentum buffer only when momentum is non-zero (as torch,
    // whose state has no buffer to start using later).
    if ((o->kind == GG_OPTIM_SGD || o->kind == GG_OPTIM_RMSPROP) && (m == 0.0) != (*field == 0.0))
        return gg_err_set(err, GG_EINVAL,
                          "momentum cannot change between 0 and non-zero (got %g, was %g)", m,
                          *field);
    *field = m;
    return GG_OK;
}

gg_optim_kind gg_optim_kind_of(const gg_optim *o)
{
    return o->kind;
}

const char *gg_optim_kind_name(gg_optim_kind kind)
{
    switch (kind) {
    case GG_OPTIM_SGD: return "sgd";
    case GG_OPTIM_ADAM: return "adam";
    case GG_OPTIM_ADAMW: return "adamw";
    case GG_OPTIM_RMSPROP: return "rmsprop";
    case GG_OPTIM_ADAGRAD: return "adagrad";
    case GG_OPTIM_KERAS_ADAM: return "keras_adam";
    }
    return "?";
}

size_t gg_optim_size(const gg_optim *o)
{
    return o->n;
}

long gg_optim_steps(const gg_optim *o)
{
    return o->t;
}

float *gg_optim_buffer(gg_optim *o, int k)
{
    return k == 0 ? o->s1 : k == 1 ? o->s2 : k == 2 ? o->s3 : NULL;
}

const char *gg_optim_buffer_name(gg_optim_kind kind, int k)
{
    static const char *const names[][3] = {
        [GG_OPTIM_SGD] = {"momentum_buffer", NULL, NULL},
        [GG_OPTIM_ADAM] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
        [GG_OPTIM_ADAMW] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
        [GG_OPTIM_RMSPROP] = {"square_avg", "grad_avg", "momentum_buffer"},
        [GG_OPTIM_ADAGRAD] = {"sum", NULL, NULL},
        [GG_OPTIM_KERAS_ADAM] = {"m", "v", NULL},
    };
    if ((unsigned)kind >= sizeof names / sizeof names[0] || k < 0 || k > 2)
        return NULL;
    return names[kind][k];
}

const void *gg_optim_config(const gg_optim *o)
{
    return &o->cfg;
}

size_t gg_optim_nranges(const gg_optim *o)
{
    return o->nseg;
}

int gg_optim_started(const gg_optim *o)
{
    return o->started;
}

gg_status gg_optim_set_progress(gg_optim *o, long steps, int started, gg_err *err)
{
    if (steps < 0)
        return gg_err_set(err, GG_EINVAL, "steps must be >= 0, got %ld", steps);
    o->t = steps;
    o->started = started != 0;
    return GG_OK;
}

void gg_optim_reset(gg_optim *o)
{
    size_t bytes = o->n * sizeof(float);
    o->t = 0;
    o->started = 0;
    if (o->s1)
        memset(o->s1, 0, bytes);
    if (o->s2)
        memset(o->s2, 0, bytes);
    if (o->s3)
        memset(o->s3, 0, bytes);
    fill_initial(o);
}

gg_status gg_optim_clone(gg_optim **out, const gg_optim *src, gg_err *err)
{
    // Not through gg_optim_new: a schedule may have set lr to 0, which its check refuses.
    *out = NULL;
    gg_optim *o = gg_calloc(1, sizeof *o);
    if (!o)
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating an optimizer");
    o->kind = src->kind;
    o->cfg = src->cfg;
    o->n = src->n;
    if ((src->s1 && !(o->s1 = gg_malloc(o->n, sizeof(float)))) ||
        (src->s2 && !(o->s2 = gg_malloc(o->n, sizeof(float)))) ||
        (src->s3 && !(o->s3 = gg_malloc(o->n, sizeof(float))))) {
        gg_optim_free(o);  // src->n: o is gone
        return gg_err_set(err, GG_ENOMEM,
                          "out of memory allocating optimizer state for %zu parameters", src->n);
    }
    gg_optim_load_state(o, src, err);  // cannot fail: same kind, size and buffers
    if (src->nseg && gg_optim_set_ranges(o, src->seg, src->nseg, err)) {
        gg_optim_free(o);
        return GG_ENOMEM;
    }
    *out = o;
    return GG_OK;
}

gg_status gg_optim_load_state(gg_optim *dst, const gg_optim *src, gg_err *err)
{
    if (dst->kind != src->kind || dst->n != src->n)
        return gg_err_set(err, GG_EINVAL, "state of %s over %zu parameters cannot load into %s over %zu",
                          gg_optim_kind_name(src->kind), src->n, gg_optim_kind_name(dst->kind), dst->n);
    // Momentum switching between 0 and non-zero, amsgrad and centered decide which buffers exist.
    if (!dst->s1 != !src->s1 || !dst->s2 != !src->s2 || !dst->s3 != !src->s3)
        return gg_err_set(err, GG_EINVAL, "%s state buffers differ (momentum, amsgrad or centered)",
                          gg_optim_kind_name(src->kind));
    const size_t bytes = src->n * sizeof(float);
    dst->cfg = src->cfg;
    dst->t = src->t;
    dst->started = src->started;
    if (src->s1)
        memcpy(dst->s1, src->s1, bytes);
    if (src->s2)
        memcpy(dst->s2, src->s2, bytes);
    if (src->s3)
        memcpy(dst->s3, src->s3, bytes);
    return GG_OK;
}

/* ---- diagnostics ---- */

double gg_optim_precond(const gg_optim *o, float *P)
{
    const size_t n = o->n;
    const double lr = gg_optim_lr(o);
    if (o->t == 0 || o->kind == GG_OPTIM_SGD) {
        for (size_t i = 0; i < n; i++)
            P[i] = 1.0f;
        return lr;
    }
    switch (o->kind) {
    case GG_OPTIM_ADAM:
    case GG_OPTIM_ADAMW: {
        const float *v = o->cfg.adam.amsgrad ? o->s3 : o->s2;
        const float bc2_sqrt = (float)sqrt(1.0 - gg_powi(o->cfg.adam.beta2, o->t));
        const float eps = (float)o->cfg.adam.eps;
        for (size_t i = 0; i < n; i++) {
            const float den = sqrtf(v[i]) / bc2_sqrt + eps;  // Adam's denom
            P[i] = v[i] == 0.0f ? 0.0f : den;
        }
        return lr;
    }
    case GG_OPTIM_KERAS_ADAM: {
        const double bc2_sqrt = sqrt(1.0 - gg_powi(o->cfg.keras.beta2, o->t));
        const float eps = (float)o->cfg.keras.eps;
        for (size_t i = 0; i < n; i++)
            P[i] = o->s2[i] == 0.0f ? 0.0f : (float)((double)(sqrtf(o->s2[i]) + eps) / bc2_sqrt);
        return lr;
    }
    case GG_OPTIM_RMSPROP: {
        const float eps = (float)o->cfg.rmsprop.eps;
        for (size_t i = 0; i < n; i++) {
            float s = o->s1[i];
            if (o->s2)
                s = s - o->s2[i] * o->s2[i];
            P[i] = o->s1[i] == 0.0f ? 0.0f : sqrtf(s) + eps;
        }
        return lr;
    }
    case GG_OPTIM_ADAGRAD: {
        const float eps = (float)o->cfg.adagrad.eps;
        for (size_t i = 0; i < n; i++)
            P[i] = o->s1[i] == 0.0f ? 0.0f : sqrtf(o->s1[i]) + eps;
        return lr / (1.0 + (double)(o->t - 1) * o->cfg.adagrad.lr_decay);
    }
    case GG_OPTIM_SGD:
        break;
    }
    return lr;
}

double gg_optim_stability(const gg_optim *o)
{
    switch (o->kind) {
    case GG_OPTIM_SGD: {
        const double mu = o->cfg.sgd.momentum;
        if (mu == 0.0)
            return 2.0;
        if (o->cfg.sgd.nesterov)
            return (2.0 + 2.0 * mu) / (1.0 + 2.0 * mu);
        const double keep = 1.0 - o->cfg.sgd.dampening;  // the share of g entering the buffer
        return keep > 0.0 ? (2.0 + 2.0 * mu) / keep : (double)INFINITY;
    }
    case GG_OPTIM_RMSPROP:
        return 2.0 + 2.0 * o->cfg.rmsprop.momentum;
    case GG_OPTIM_ADAGRAD:
        return 2.0;
    case GG_OPTIM_ADAM:
    case GG_OPTIM_ADAMW:
        return (2.0 + 2.0 * o->cfg.adam.beta1) / (1.0 - o->cfg.adam.beta1);
    case GG_OPTIM_KERAS_ADAM:
        return (2.0 + 2.0 * o->cfg.keras.beta1) / (1.0 - o->cfg.keras.beta1);
    }
    return 2.0;
}
