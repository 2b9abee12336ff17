/* core/optim.h — optimizers over a flat parameter buffer: torch.optim.SGD, Adam, AdamW,
 * RMSprop and Adagrad (1.13), and tf.keras 2.x Adam (eps before the bias correction).
 *
 * Two layers: the pure step kernels (config read-only, state separate, grad never written,
 * so gradient diagnostics stay valid) and gg_optim, an owning object that validates a
 * config once and keeps the state buffers for n parameters. Element-wise float32
 * arithmetic follows the order of PyTorch's single-tensor CPU path; scalars that PyTorch
 * computes in Python floats (bias corrections, lr decay) are computed in double. */
#ifndef GG_OPTIM_H
#define GG_OPTIM_H

#include <stddef.h>

#include "status.h"

typedef enum gg_optim_kind {
    GG_OPTIM_SGD,         /* gg_sgd_cfg */
    GG_OPTIM_ADAM,        /* gg_adam_cfg */
    GG_OPTIM_ADAMW,       /* gg_adam_cfg, weight_decay decoupled */
    GG_OPTIM_RMSPROP,     /* gg_rmsprop_cfg */
    GG_OPTIM_ADAGRAD,     /* gg_adagrad_cfg */
    GG_OPTIM_KERAS_ADAM   /* gg_keras_adam_cfg */
} gg_optim_kind;

typedef struct gg_sgd_cfg {
    double lr;            /* > 0, e.g. 0.01 */
    double momentum;      /* >= 0; 0 disables the buffer */
    double dampening;     /* >= 0; applied from the second step on */
    double weight_decay;  /* >= 0; L2 folded into a copy of the gradient */
    int nesterov;         /* 1 requires momentum > 0 and dampening == 0 */
} gg_sgd_cfg;

typedef struct gg_adam_cfg {
    double lr;            /* > 0, default 1e-3 */
    double beta1, beta2;  /* in [0, 1), defaults 0.9, 0.999 */
    double eps;           /* >= 0, default 1e-8 (added after dividing by sqrt(bc2)) */
    double weight_decay;  /* >= 0; L2 folded into a copy of the gradient */
    int amsgrad;          /* 1 keeps the running max of v */
} gg_adam_cfg;             /* also AdamW's: there weight_decay shrinks p (default 1e-2) */

typedef struct gg_rmsprop_cfg {
    double lr;            /* > 0, default 1e-2 */
    double alpha;         /* in [0, 1), default 0.99: smoothing of the squared average */
    double eps;           /* >= 0, default 1e-8 (added after the square root) */
    double weight_decay;  /* >= 0; L2 folded into a copy of the gradient */
    double momentum;      /* >= 0; 0 keeps no buffer */
    int centered;         /* 1 subtracts the squared mean gradient from the average */
} gg_rmsprop_cfg;

typedef struct gg_adagrad_cfg {
    double lr;                         /* > 0, default 1e-2 */
    double lr_decay;                   /* >= 0: step t uses lr / (1 + (t-1) lr_decay) */
    double weight_decay;               /* >= 0; L2 folded into a copy of the gradient */
    double initial_accumulator_value;  /* >= 0: the sum of squares starts here */
    double eps;                        /* >= 0, default 1e-10 */
} gg_adagrad_cfg;

typedef struct gg_keras_adam_cfg {
    double lr;            /* > 0, default 1e-3 */
    double beta1, beta2;  /* in [0, 1), defaults 0.9, 0.999 */
    double eps;           /* >= 0, default 1e-7 (added to sqrt(v) before bias correction) */
} gg_keras_adam_cfg;

/* Defaults as in PyTorch (SGD has no default lr in torch; ours is 0.01) and Keras 2. */
gg_sgd_cfg gg_sgd_defaults(void);
gg_adam_cfg gg_adam_defaults(void);
gg_adam_cfg gg_adamw_defaults(void);   /* Adam's, with weight_decay 1e-2 */
gg_rmsprop_cfg gg_rmsprop_defaults(void);
gg_adagrad_cfg gg_adagrad_defaults(void);
gg_keras_adam_cfg gg_keras_adam_defaults(void);

/* Check a config; GG_EINVAL naming the first bad field and its value. AdamW's config is
 * checked by gg_adam_check. */
gg_status gg_sgd_check(const gg_sgd_cfg *c, gg_err *err);
gg_status gg_adam_check(const gg_adam_cfg *c, gg_err *err);
gg_status gg_rmsprop_check(const gg_rmsprop_cfg *c, gg_err *err);
gg_status gg_adagrad_check(const gg_adagrad_cfg *c, gg_err *err);
gg_status gg_keras_adam_check(const gg_keras_adam_cfg *c, gg_err *err);

/* One SGD step on n parameters. buf (n floats) is the momentum buffer; *started is 0
 * before the first step (the buffer is then initialised to the gradient, undampened). */
void gg_sgd_step(const gg_sgd_cfg *c, float *buf, int *started, float *p, const float *g,
                 size_t n);

/* One Adam step number t (>= 1) on n parameters; m, v, vmax (vmax only if amsgrad) hold
 * n floats each, zero before the first step. */
void gg_adam_step(const gg_adam_cfg *c, long t, float *m, float *v, float *vmax, float *p,
                  const float *g, size_t n);

/* One AdamW step number t (>= 1): p *= 1 - lr*weight_decay, then Adam's update without
 * the L2 term. State as gg_adam_step. */
void gg_adamw_step(const gg_adam_cfg *c, long t, float *m, float *v, float *vmax, float *p,
                   const float *g, size_t n);

/* One RMSprop step on n parameters. sq (square average) holds n floats; gavg (mean
 * gradient) n floats if centered, else unused (may be NULL); buf (momentum) n floats if
 * momentum > 0, else unused. All zero before the first step. */
void gg_rmsprop_step(const gg_rmsprop_cfg *c, float *sq, float *gavg, float *buf, float *p,
                     const float *g, size_t n);

/* One Adagrad step number t (>= 1); sum holds n floats, each initial_accumulator_value
 * before the first step. */
void gg_adagrad_step(const gg_adagrad_cfg *c, long t, float *sum, float *p, const float *g,
                     size_t n);

/* One Keras Adam step number t (>= 1): m, v as Adam's; p -= lr sqrt(1-b2^t)/(1-b1^t) *
 * m / (sqrt(v) + eps). m and v hold n floats, zero before the first step. */
void gg_keras_adam_step(const gg_keras_adam_cfg *c, long t, float *m, float *v, float *p,
                        const float *g, size_t n);

/* ---- owning optimizer object ---- */

typedef struct gg_optim gg_optim;

/* New optimizer of the given kind for n parameters; cfg points to the config type the
 * kind names (see gg_optim_kind), copied. GG_EINVAL on a bad config or an unknown kind,
 * GG_ENOMEM on failure. */
gg_status gg_optim_new(gg_optim **out, gg_optim_kind kind, const void *cfg, size_t n,
                       gg_err *err);

/* Free; NULL is a no-op. */
void gg_optim_free(gg_optim *o);

/* Apply one step to p (n floats) from g (n floats, read only). */
void gg_optim_step(gg_optim *o, float *p, const float *g);

/* Restrict the steps to nranges (offset, length) pairs of ranges[] (ascending, disjoint,
 * within n): parameters outside them (frozen, requires_grad = False) are never touched, as
 * torch skips parameters without a gradient (no weight decay, no state). nranges 0 restores
 * every parameter. GG_EINVAL on a bad range, GG_ENOMEM. */
gg_status gg_optim_set_ranges(gg_optim *o, const size_t *ranges, size_t nranges, gg_err *err);

/* Current learning rate, and setting it (schedulers). Constructors require lr > 0, but
 * set accepts any finite value: schedules reach 0 and torch allows it. */
double gg_optim_lr(const gg_optim *o);
gg_status gg_optim_set_lr(gg_optim *o, double lr, gg_err *err);

/* The momentum a one-cycle schedule cycles: SGD's and RMSprop's momentum, beta1 of Adam,
 * AdamW and Keras Adam (torch's OneCycleLR uses betas[0] when the optimizer has betas).
 * Adagrad has none: has_momentum is 0, momentum() returns 0 and set returns GG_EINVAL.
 * set rejects values outside [0, 1) and, for SGD and RMSprop, a change from or to 0 (the
 * momentum buffer exists or not). */
int gg_optim_has_momentum(const gg_optim *o);
double gg_optim_momentum(const gg_optim *o);
gg_status gg_optim_set_momentum(gg_optim *o, double m, gg_err *err);

/* The config the optimizer was built with (gg_sgd_cfg, gg_adam_cfg, ... as its kind names;
 * lr as last set) and its number of trainable ranges (0: every parameter). */
const void *gg_optim_config(const gg_optim *o);
size_t gg_optim_nranges(const gg_optim *o);

/* Kind, its name ("sgd", "adam", "adamw", "rmsprop", "adagrad", "keras_adam"; "?" for an
 * invalid value), parameter count and steps taken so far. */
gg_optim_kind gg_optim_kind_of(const gg_optim *o);
const char *gg_optim_kind_name(gg_optim_kind kind);
size_t gg_optim_size(const gg_optim *o);
long gg_optim_steps(const gg_optim *o);

/* Checkpoints: state buffer k (0..2) of gg_optim_size floats, owned by o and written by a
 * checkpoint load, or NULL when the kind or its options have none; its torch name
 * (SGD momentum_buffer; Adam, AdamW exp_avg, exp_avg_sq, max_exp_avg_sq; RMSprop
 * square_avg, grad_avg, momentum_buffer; Adagrad sum; Keras Adam m, v), NULL for none. */
float *gg_optim_buffer(gg_optim *o, int k);
const char *gg_optim_buffer_name(gg_optim_kind kind, int k);

/* Checkpoints: SGD's "momentum buffer started" flag (0 before the first step), and
 * restoring it with the step count. GG_EINVAL for steps < 0. */
int gg_optim_started(const gg_optim *o);
gg_status gg_optim_set_progress(gg_optim *o, long steps, int started, gg_err *err);

/* Clear the state (buffers and step count) as a fresh optimizer would have it. */
void gg_optim_reset(gg_optim *o);

/* A new optimizer with src's kind, config and state (a snapshot, e.g. for an lr range
 * test that must leave the optimizer as it found it). GG_ENOMEM. */
gg_status gg_optim_clone(gg_optim **out, const gg_optim *src, gg_err *err);

/* Copy src's config and state into dst (restoring a clone). GG_EINVAL naming both when
 * the kind, the parameter count or the state buffers differ. */
gg_status gg_optim_load_state(gg_optim *dst, const gg_optim *src, gg_err *err);

/* ---- diagnostics (core/diag.h) ---- */

/* The diagonal preconditioner of the current state: writes P (n floats) and returns the
 * step's scalar lr_t so that the last step moved p[i] by -lr_t * u[i] / P[i], u being the
 * gradient after the kind's momentum/averaging (SGD's buffer, Adam's m / (1 - beta1^t)).
 * P = 1 for SGD; sqrt(v / (1 - beta2^t)) + eps for Adam and AdamW (vmax with amsgrad);
 * (sqrt(v) + eps) / sqrt(1 - beta2^t) for Keras Adam; sqrt(s) + eps (centered:
 * sqrt(s - g_avg^2) + eps) for RMSprop; sqrt(sum) + eps for Adagrad, whose lr_t is
 * lr / (1 + (t - 1) lr_decay). A parameter whose squared-gradient accumulator is still
 * exactly 0 (it never had a gradient) gets P = 0: it has no step size and diagnostics
 * skip it. Before the first step P = 1 and lr_t = lr for every kind. */
double gg_optim_precond(const gg_optim *o, float *P);

/* The stability constant c of the kind's update on a quadratic whose preconditioned
 * curvature (top eigenvalue of P^-1/2 H P^-1/2) is s: the iteration is stable iff
 * lr_t * s < c. c = 2 without momentum (SGD, RMSprop, Adagrad), 2 (1 + mu) / (1 - d) for
 * heavy-ball momentum mu with dampening d (SGD, RMSprop: d = 0), that divided by
 * 1 + 2 mu for Nesterov, and (2 + 2 beta1) / (1 - beta1) for the Adam family (38 for
 * beta1 = 0.9; Cohen et al. 2022). */
double gg_optim_stability(const gg_optim *o);

#endif
