/* core/optim.c — SGD and Adam (see optim.h). Reference: torch/optim/sgd.py and adam.py,
 * PyTorch 1.13, _single_tensor_sgd / _single_tensor_adam. */
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

gg_status gg_adam_check(const gg_adam_cfg *c, gg_err *err)
{
    gg_status st;
    if ((st = check_lr(c->lr, err)) || (st = check_nonneg(c->eps, "eps", err)) ||
        (st = check_nonneg(c->weight_decay, "weight_decay", err)))
        return st;
    if (!(c->beta1 >= 0.0 && c->beta1 < 1.0))
        return gg_err_set(err, GG_EINVAL, "betas[1] must be in [0, 1), got %g", c->beta1);
    if (!(c->beta2 >= 0.0 && c->beta2 < 1.0))
        return gg_err_set(err, GG_EINVAL, "betas[2] must be in [0, 1), got %g", c->beta2);
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

/* Adam element loop; use_wd and amsgrad are constants at each call site (see sgd_loop). */
static inline void adam_loop(float *restrict p, float *restrict m, float *restrict v,
                             float *restrict vmax, const float *restrict g, size_t n,
                             float b1, float b2, float a1, float a2, float eps, float wd,
                             float neg_step, float bc2_sqrt, int use_wd, int amsgrad)
{
    for (size_t i = 0; i < n; i++) {
        float d = g[i];
        if (use_wd)
            d = d + wd * p[i];
        float mi = m[i] * b1 + a1 * d;           // exp_avg.mul_(b1).add_(g, alpha=1-b1)
        float vi = v[i] * b2 + a2 * d * d;       // exp_avg_sq.mul_(b2).addcmul_(g, g, 1-b2)
        m[i] = mi;
        v[i] = vi;
        if (amsgrad) {
            vi = vmax[i] > vi ? vmax[i] : vi;
            vmax[i] = vi;
        }
        float denom = __builtin_sqrtf(vi) / bc2_sqrt + eps;
        p[i] = p[i] + neg_step * mi / denom;     // param.addcdiv_(m, denom, value=-step_size)
    }
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
        adam_loop(p, m, v, vmax, g, n, b1, b2, a1, a2, eps, wd, neg_step, bc2_sqrt, 0, 0);
    else if (!vmax)
        adam_loop(p, m, v, vmax, g, n, b1, b2, a1, a2, eps, wd, neg_step, bc2_sqrt, 1, 0);
    else
        adam_loop(p, m, v, vmax, g, n, b1, b2, a1, a2, eps, wd, neg_step, bc2_sqrt, wd != 0.0f, 1);
}

/* ---- owning object ---- */

struct gg_optim {
    gg_optim_kind kind;
    union {
        gg_sgd_cfg sgd;
        gg_adam_cfg adam;
    } cfg;
    size_t n;       /* parameter count */
    long t;         /* steps taken */
    int started;    /* SGD: momentum buffer initialised */
    float *s1;      /* SGD momentum buffer, or Adam m */
    float *s2;      /* Adam v */
    float *s3;      /* Adam vmax (amsgrad only) */
};

gg_status gg_optim_new(gg_optim **out, gg_optim_kind kind, const void *cfg, size_t n,
                       gg_err *err)
{
    *out = NULL;
    gg_status st = kind == GG_OPTIM_SGD ? gg_sgd_check(cfg, err) : gg_adam_check(cfg, err);
    if (st)
        return st;
    gg_optim *o = gg_calloc(1, sizeof *o);
    if (!o)
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating an optimizer");
    o->kind = kind;
    o->n = n;
    if (kind == GG_OPTIM_SGD) {
        o->cfg.sgd = *(const gg_sgd_cfg *)cfg;
        if (o->cfg.sgd.momentum != 0.0)
            o->s1 = gg_calloc(n, sizeof(float));
        if (o->cfg.sgd.momentum != 0.0 && !o->s1)
            goto oom;
    } else {
        o->cfg.adam = *(const gg_adam_cfg *)cfg;
        o->s1 = gg_calloc(n, sizeof(float));
        o->s2 = gg_calloc(n, sizeof(float));
        if (!o->s1 || !o->s2)
            goto oom;
        if (o->cfg.adam.amsgrad && !(o->s3 = gg_calloc(n, sizeof(float))))
            goto oom;
    }
    *out = o;
    return GG_OK;
oom:
    gg_optim_free(o);
    return gg_err_set(err, GG_ENOMEM, "out of memory allocating optimizer state for %zu parameters", n);
}

void gg_optim_free(gg_optim *o)
{
    if (!o)
        return;
    gg_free(o->s1);
    gg_free(o->s2);
    gg_free(o->s3);
    gg_free(o);
}

void gg_optim_step(gg_optim *o, float *p, const float *g)
{
    o->t++;
    if (o->kind == GG_OPTIM_SGD)
        gg_sgd_step(&o->cfg.sgd, o->s1, &o->started, p, g, o->n);
    else
        gg_adam_step(&o->cfg.adam, o->t, o->s1, o->s2, o->s3, p, g, o->n);
}

double gg_optim_lr(const gg_optim *o)
{
    return o->kind == GG_OPTIM_SGD ? o->cfg.sgd.lr : o->cfg.adam.lr;
}

gg_status gg_optim_set_lr(gg_optim *o, double lr, gg_err *err)
{
    gg_status st = check_lr(lr, err);
    if (st)
        return st;
    if (o->kind == GG_OPTIM_SGD)
        o->cfg.sgd.lr = lr;
    else
        o->cfg.adam.lr = lr;
    return GG_OK;
}

double gg_optim_momentum(const gg_optim *o)
{
    return o->kind == GG_OPTIM_SGD ? o->cfg.sgd.momentum : o->cfg.adam.beta1;
}

gg_status gg_optim_set_momentum(gg_optim *o, double m, gg_err *err)
{
    if (!(m >= 0.0 && m < 1.0))
        return gg_err_set(err, GG_EINVAL, "momentum must be in [0, 1), got %g", m);
    if (o->kind == GG_OPTIM_SGD) {
        if ((m == 0.0) != (o->cfg.sgd.momentum == 0.0))
            return gg_err_set(err, GG_EINVAL,
                              "momentum cannot change between 0 and non-zero (got %g, was %g)",
                              m, o->cfg.sgd.momentum);
        o->cfg.sgd.momentum = m;
    } else {
        o->cfg.adam.beta1 = m;
    }
    return GG_OK;
}

gg_optim_kind gg_optim_kind_of(const gg_optim *o)
{
    return o->kind;
}

size_t gg_optim_size(const gg_optim *o)
{
    return o->n;
}

long gg_optim_steps(const gg_optim *o)
{
    return o->t;
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
}
