/* core/sched.h — learning-rate schedulers of torch.optim.lr_scheduler (PyTorch 1.13).
 *
 * Two layers, like core/optim.h. The pure layer: a config (gg_sched_cfg, one struct per
 * scheduler in a tagged union), a small state (gg_sched_state) and functions of (cfg,
 * state, current lr): gg_sched_init is the constructor's initial step (the lr of step 0),
 * gg_sched_next is one step() without argument, gg_sched_restart is step(0) (what
 * SequentialLR calls at a milestone). Chainable schedulers compute the recursive form of
 * 1.13 from the optimizer's current lr, so a change made outside the scheduler carries
 * through as in torch. All scalar math is in double (torch computes it in Python floats),
 * cosines through gg_cos2pi so results do not depend on the CPU.
 * The owning layer: gg_sched, which copies and validates a config once and applies each
 * step to a gg_optim (lr, and momentum for one-cycle). The optimizer is borrowed per call.
 * LambdaLR takes its factor from a callback (the binding's Lua function); SequentialLR is a
 * composite of owning schedulers, so it exists only in the owning layer. */
#ifndef GG_SCHED_H
#define GG_SCHED_H

#include <stddef.h>

#include "optim.h"
#include "status.h"

typedef enum gg_sched_kind {
    GG_SCHED_STEP,             /* StepLR */
    GG_SCHED_MULTISTEP,        /* MultiStepLR */
    GG_SCHED_EXPONENTIAL,      /* ExponentialLR */
    GG_SCHED_COSINE,           /* CosineAnnealingLR */
    GG_SCHED_COSINE_RESTARTS,  /* CosineAnnealingWarmRestarts */
    GG_SCHED_PLATEAU,          /* ReduceLROnPlateau */
    GG_SCHED_ONE_CYCLE,        /* OneCycleLR */
    GG_SCHED_LINEAR,           /* LinearLR */
    GG_SCHED_CONSTANT,         /* ConstantLR */
    GG_SCHED_LAMBDA,           /* LambdaLR: base_lr * factor(epoch), the factor from a callback */
    GG_SCHED_SEQUENTIAL        /* SequentialLR over child schedulers (owning layer only) */
} gg_sched_kind;

typedef struct gg_step_lr_cfg {
    long step_size;            /* >= 1 */
    double gamma;              /* > 0, default 0.1 */
} gg_step_lr_cfg;

typedef struct gg_multistep_lr_cfg {
    const long *milestones;    /* epochs >= 0, any order, repeats multiply again; borrowed
                                  (gg_sched_new copies them) */
    size_t n_milestones;
    double gamma;              /* > 0, default 0.1 */
} gg_multistep_lr_cfg;

typedef struct gg_exponential_lr_cfg {
    double gamma;              /* > 0 */
} gg_exponential_lr_cfg;

typedef struct gg_cosine_lr_cfg {
    long T_max;                /* >= 1 */
    double eta_min;            /* >= 0, default 0 */
} gg_cosine_lr_cfg;

typedef struct gg_cosine_restarts_cfg {
    long T_0;                  /* >= 1 */
    long T_mult;               /* >= 1, default 1 */
    double eta_min;            /* >= 0, default 0 */
} gg_cosine_restarts_cfg;

typedef struct gg_plateau_cfg {
    int mode_max;              /* 0: 'min' (default), 1: 'max' */
    double factor;             /* in [0, 1), default 0.1 */
    long patience;             /* >= 0, default 10 */
    double threshold;          /* >= 0, default 1e-4 */
    int threshold_abs;         /* 0: 'rel' (default), 1: 'abs' */
    long cooldown;             /* >= 0, default 0 */
    double min_lr;             /* >= 0, default 0 */
    double eps;                /* >= 0, default 1e-8 */
} gg_plateau_cfg;

typedef struct gg_one_cycle_cfg {
    double max_lr;             /* > 0 (required) */
    long total_steps;          /* >= 1 (required) */
    double pct_start;          /* in [0, 1], default 0.3 */
    int anneal_linear;         /* 0: 'cos' (default), 1: 'linear' */
    int cycle_momentum;        /* default 1 */
    double base_momentum;      /* in [0, 1), default 0.85 */
    double max_momentum;       /* in [0, 1), default 0.95 */
    double div_factor;         /* > 0, default 25 */
    double final_div_factor;   /* > 0, default 1e4 */
    int three_phase;           /* default 0 */
} gg_one_cycle_cfg;

typedef struct gg_linear_lr_cfg {
    double start_factor;       /* in (0, 1], default 1/3 */
    double end_factor;         /* in [0, 1], default 1 */
    long total_iters;          /* >= 1, default 5 */
} gg_linear_lr_cfg;

typedef struct gg_constant_lr_cfg {
    double factor;             /* in (0, 1], default 1/3 */
    long total_iters;          /* >= 0, default 5 */
} gg_constant_lr_cfg;

/* LambdaLR's lr_lambda: *factor = the factor of epoch. A non-zero status (with err set)
 * stops the step; the scheduler passes it and its message on unchanged. */
typedef gg_status (*gg_sched_factor_fn)(void *ctx, long epoch, double *factor, gg_err *err);

typedef struct gg_lambda_lr_cfg {
    gg_sched_factor_fn factor; /* required */
    void *ctx;                 /* passed to factor */
} gg_lambda_lr_cfg;

typedef struct gg_sched gg_sched;

typedef struct gg_sequential_lr_cfg {
    gg_sched *const *children; /* >= 1 schedulers of the same optimizer, borrowed (they must
                                  outlive it); neither plateau nor sequential */
    size_t n_children;
    const long *milestones;    /* n_children - 1 epochs, non-decreasing, >= 1; copied */
} gg_sequential_lr_cfg;

typedef struct gg_sched_cfg {
    gg_sched_kind kind;
    union {
        gg_step_lr_cfg step;
        gg_multistep_lr_cfg multistep;
        gg_exponential_lr_cfg exponential;
        gg_cosine_lr_cfg cosine;
        gg_cosine_restarts_cfg restarts;
        gg_plateau_cfg plateau;
        gg_one_cycle_cfg one_cycle;
        gg_linear_lr_cfg linear;
        gg_constant_lr_cfg constant;
        gg_lambda_lr_cfg lambda;
        gg_sequential_lr_cfg sequential;
    };
} gg_sched_cfg;

/* What a scheduler carries between steps (torch's attributes of the same names). */
typedef struct gg_sched_state {
    long epoch;                /* last_epoch: step() calls so far (0 after the initial step) */
    double base_lr;            /* base_lrs[0]: the group's initial_lr at construction */
    double lr;                 /* the lr this scheduler set last (get_last_lr) */
    double momentum;           /* one-cycle with cycle_momentum: the momentum it set last */
    long T_i, T_cur;           /* warm restarts: current cycle length and position */
    double best;               /* plateau: best metric so far (+-inf before the first) */
    long num_bad_epochs;       /* plateau */
    long cooldown_counter;     /* plateau */
} gg_sched_state;

/* Defaults of a kind as in torch (one-cycle's max_lr and total_steps, exponential's gamma,
 * cosine's T_max and restarts' T_0 have none: they are left 0 and must be set). */
gg_sched_cfg gg_sched_defaults(gg_sched_kind kind);

/* Name of a kind as in the Lua API ("step_lr", "one_cycle_lr"); never NULL. */
const char *gg_sched_kind_name(gg_sched_kind kind);

/* Check a config; GG_EINVAL naming the first bad option and its value. */
gg_status gg_sched_check(const gg_sched_cfg *c, gg_err *err);

/* ---- pure layer (config validated by gg_sched_check; not for GG_SCHED_SEQUENTIAL, whose
 * children are owning schedulers: those functions return GG_EINVAL for it) ---- */

/* The constructor's initial step: fills *s for epoch 0 from base_lr (torch's initial_lr)
 * and lr (the optimizer's lr now; chainable kinds start from it). s->lr is the lr of step
 * 0; plateau keeps lr (it does no initial step). GG_EINVAL only for a one-cycle phase of
 * zero length reached at step 0 (torch: ZeroDivisionError). */
gg_status gg_sched_init(const gg_sched_cfg *c, gg_sched_state *s, double base_lr, double lr,
                        gg_err *err);

/* One step() (plateau: step(metric); metric is ignored by the other kinds) from the
 * optimizer's current lr; the new lr (and momentum) are in s->lr (s->momentum). On error
 * (one-cycle stepped past total_steps, or reaching a phase of zero length) GG_EINVAL and
 * *s unchanged. */
gg_status gg_sched_next(const gg_sched_cfg *c, gg_sched_state *s, double lr, double metric,
                        gg_err *err);

/* step(0), as SequentialLR (1.13) calls it at a milestone: the closed form at epoch 0 where
 * torch has one, else get_lr() at epoch 0 (one-cycle); either way it restarts from base_lr
 * and does not read the current lr. Plateau is not restartable (GG_EINVAL). */
gg_status gg_sched_restart(const gg_sched_cfg *c, gg_sched_state *s, gg_err *err);

/* ---- owning scheduler object ---- */

/* New scheduler for optimizer o: validates and copies cfg (milestones too), performs the
 * initial step from base_lr (the optimizer's lr when the first scheduler was attached to
 * it, torch's initial_lr; one-cycle ignores it and starts at max_lr/div_factor) and sets
 * o's lr (and momentum) for step 0. GG_EINVAL on a bad config, or when one-cycle must
 * cycle momentum but o has none (SGD created with momentum 0); GG_ENOMEM.
 * Sequential (SequentialLR 1.13): sets o's lr to base_lr, then redoes the first child's
 * initial step from it; its lr is then the first child's. Its step() steps the child whose
 * milestone range holds the new epoch, with step(0) (gg_sched_restart_on) at a milestone. */
gg_status gg_sched_new(gg_sched **out, const gg_sched_cfg *cfg, gg_optim *o, double base_lr,
                       gg_err *err);

/* Free; NULL is a no-op. */
void gg_sched_free(gg_sched *s);

/* Kind, config (milestones point into the object), state. */
gg_sched_kind gg_sched_kind_of(const gg_sched *s);
const gg_sched_cfg *gg_sched_config(const gg_sched *s);
const gg_sched_state *gg_sched_get_state(const gg_sched *s);

/* Checkpoints: overwrite the state with st (a gg_sched_get_state of a scheduler with the
 * same config); a sequential's children are restored one by one, through gg_sched_child
 * (i < gg_sched_nchildren, 0 for other kinds). */
void gg_sched_set_state(gg_sched *s, const gg_sched_state *st);
size_t gg_sched_nchildren(const gg_sched *s);
gg_sched *gg_sched_child(gg_sched *s, size_t i);

/* The lr it set last (torch's get_last_lr()[0]; plateau before any step: its initial lr). */
double gg_sched_last_lr(const gg_sched *s);

/* last_epoch: steps taken since the initial step. */
long gg_sched_epoch(const gg_sched *s);

/* One scheduler.step() (call it after optimizer.step()); metric is used by plateau only.
 * Reads o's current lr, sets the new lr (and momentum) on o. GG_EINVAL (state and o
 * unchanged) past one-cycle's total_steps or when o rejects the new lr; a lambda's
 * factor error with the callback's own status and message. */
gg_status gg_sched_step(gg_sched *s, gg_optim *o, double metric, gg_err *err);

/* SequentialLR's use: step(0) at a milestone, and the initial step again from o's lr
 * (torch's _initial_step on the first scheduler). Both set o's lr; GG_EINVAL as above. */
gg_status gg_sched_restart_on(gg_sched *s, gg_optim *o, gg_err *err);
gg_status gg_sched_reinit_on(gg_sched *s, gg_optim *o, gg_err *err);

#endif
