/* core/sched.c — learning-rate schedulers of torch.optim.lr_scheduler (1.13); see sched.h.
 * Each branch names the torch code it follows. Python evaluates a * b / c left to right,
 * and so do the expressions here, so results agree to the last bit except where a cosine
 * (gg_cos2pi against libm) or a power (gg_powi against pow) rounds differently. */
#include "sched.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "mem.h"

static const char *const kind_names[] = {
    "step_lr",      "multistep_lr",      "exponential_lr", "cosine_annealing_lr",
    "cosine_annealing_warm_restarts", "reduce_lr_on_plateau", "one_cycle_lr",
    "linear_lr",    "constant_lr",       "lambda_lr",      "sequential_lr",
};

const char *gg_sched_kind_name(gg_sched_kind kind)
{
    if ((unsigned)kind >= sizeof kind_names / sizeof kind_names[0])
        return "unknown";
    return kind_names[kind];
}

gg_sched_cfg gg_sched_defaults(gg_sched_kind kind)
{
    gg_sched_cfg c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    switch (kind) {
    case GG_SCHED_STEP:
        c.step.gamma = 0.1;
        break;
    case GG_SCHED_MULTISTEP:
        c.multistep.gamma = 0.1;
        break;
    case GG_SCHED_EXPONENTIAL:
    case GG_SCHED_COSINE:
        break;
    case GG_SCHED_COSINE_RESTARTS:
        c.restarts.T_mult = 1;
        break;
    case GG_SCHED_PLATEAU:
        c.plateau.factor = 0.1;
        c.plateau.patience = 10;
        c.plateau.threshold = 1e-4;
        c.plateau.eps = 1e-8;
        break;
    case GG_SCHED_ONE_CYCLE:
        c.one_cycle.pct_start = 0.3;
        c.one_cycle.cycle_momentum = 1;
        c.one_cycle.base_momentum = 0.85;
        c.one_cycle.max_momentum = 0.95;
        c.one_cycle.div_factor = 25.0;
        c.one_cycle.final_div_factor = 1e4;
        break;
    case GG_SCHED_LINEAR:
        c.linear.start_factor = 1.0 / 3;
        c.linear.end_factor = 1.0;
        c.linear.total_iters = 5;
        break;
    case GG_SCHED_CONSTANT:
        c.constant.factor = 1.0 / 3;
        c.constant.total_iters = 5;
        break;
    case GG_SCHED_LAMBDA:
    case GG_SCHED_SEQUENTIAL:
        break;
    }
    return c;
}

/* ---- validation ---- */

/* v as the shortest of %.15g..%.17g that reads back as v ("0.1", not "0.10000000000000001"). */
static const char *fmt_num(char buf[32], double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

static gg_status bad(gg_err *err, const char *key, const char *what, double v)
{
    char buf[32];
    return gg_err_set(err, GG_EINVAL, "%s must be %s, got %s", key, what, fmt_num(buf, v));
}

static gg_status bad_int(gg_err *err, const char *key, const char *what, long v)
{
    return gg_err_set(err, GG_EINVAL, "%s must be %s, got %ld", key, what, v);
}

#define NEED(cond, key, what, v)            \
    do {                                    \
        if (!(cond))                        \
            return bad(err, key, what, v);  \
    } while (0)
#define NEED_INT(cond, key, what, v)            \
    do {                                        \
        if (!(cond))                            \
            return bad_int(err, key, what, v);  \
    } while (0)

gg_status gg_sched_check(const gg_sched_cfg *c, gg_err *err)
{
    switch (c->kind) {
    case GG_SCHED_STEP:
        NEED_INT(c->step.step_size >= 1, "step_size", "a positive integer", c->step.step_size);
        NEED(c->step.gamma > 0 && isfinite(c->step.gamma), "gamma", "a positive number",
             c->step.gamma);
        break;
    case GG_SCHED_MULTISTEP:
        for (size_t i = 0; i < c->multistep.n_milestones; i++)
            NEED_INT(c->multistep.milestones[i] >= 0, "milestones", "non-negative integers",
                     c->multistep.milestones[i]);
        NEED(c->multistep.gamma > 0 && isfinite(c->multistep.gamma), "gamma",
             "a positive number", c->multistep.gamma);
        break;
    case GG_SCHED_EXPONENTIAL:
        NEED(c->exponential.gamma > 0 && isfinite(c->exponential.gamma), "gamma",
             "a positive number", c->exponential.gamma);
        break;
    case GG_SCHED_COSINE:
        NEED_INT(c->cosine.T_max >= 1, "T_max", "a positive integer", c->cosine.T_max);
        NEED(c->cosine.eta_min >= 0 && isfinite(c->cosine.eta_min), "eta_min",
             "a non-negative number", c->cosine.eta_min);
        break;
    case GG_SCHED_COSINE_RESTARTS:
        NEED_INT(c->restarts.T_0 >= 1, "T_0", "a positive integer", c->restarts.T_0);
        NEED_INT(c->restarts.T_mult >= 1, "T_mult", "an integer >= 1", c->restarts.T_mult);
        NEED(c->restarts.eta_min >= 0 && isfinite(c->restarts.eta_min), "eta_min",
             "a non-negative number", c->restarts.eta_min);
        break;
    case GG_SCHED_PLATEAU: {
        const gg_plateau_cfg *p = &c->plateau;
        NEED(p->factor >= 0 && p->factor < 1, "factor", "a number in [0, 1)", p->factor);
        NEED_INT(p->patience >= 0, "patience", "a non-negative integer", p->patience);
        NEED(p->threshold >= 0 && isfinite(p->threshold), "threshold", "a non-negative number",
             p->threshold);
        NEED_INT(p->cooldown >= 0, "cooldown", "a non-negative integer", p->cooldown);
        NEED(p->min_lr >= 0 && isfinite(p->min_lr), "min_lr", "a non-negative number",
             p->min_lr);
        NEED(p->eps >= 0 && isfinite(p->eps), "eps", "a non-negative number", p->eps);
        break;
    }
    case GG_SCHED_ONE_CYCLE: {
        const gg_one_cycle_cfg *o = &c->one_cycle;
        NEED(o->max_lr > 0 && isfinite(o->max_lr), "max_lr", "a positive number", o->max_lr);
        NEED_INT(o->total_steps >= 1, "total_steps", "a positive integer", o->total_steps);
        NEED(o->pct_start >= 0 && o->pct_start <= 1, "pct_start", "a number in [0, 1]",
             o->pct_start);
        NEED(o->base_momentum >= 0 && o->base_momentum < 1, "base_momentum",
             "a number in [0, 1)", o->base_momentum);
        NEED(o->max_momentum >= 0 && o->max_momentum < 1, "max_momentum", "a number in [0, 1)",
             o->max_momentum);
        NEED(o->div_factor > 0 && isfinite(o->div_factor), "div_factor", "a positive number",
             o->div_factor);
        NEED(o->final_div_factor > 0 && isfinite(o->final_div_factor), "final_div_factor",
             "a positive number", o->final_div_factor);
        break;
    }
    case GG_SCHED_LINEAR:
        NEED(c->linear.start_factor > 0 && c->linear.start_factor <= 1, "start_factor",
             "a number in (0, 1]", c->linear.start_factor);
        NEED(c->linear.end_factor >= 0 && c->linear.end_factor <= 1, "end_factor",
             "a number in [0, 1]", c->linear.end_factor);
        NEED_INT(c->linear.total_iters >= 1, "total_iters", "a positive integer",
                 c->linear.total_iters);
        break;
    case GG_SCHED_CONSTANT:
        NEED(c->constant.factor > 0 && c->constant.factor <= 1, "factor", "a number in (0, 1]",
             c->constant.factor);
        NEED_INT(c->constant.total_iters >= 0, "total_iters", "a non-negative integer",
                 c->constant.total_iters);
        break;
    case GG_SCHED_LAMBDA:
        if (!c->lambda.factor)
            return gg_err_set(err, GG_EINVAL, "lambda_lr needs a factor function");
        break;
    case GG_SCHED_SEQUENTIAL: {
        const gg_sequential_lr_cfg *q = &c->sequential;
        if (q->n_children < 1 || !q->children)
            return gg_err_set(err, GG_EINVAL, "sequential_lr needs at least one scheduler");
        for (size_t i = 0; i < q->n_children; i++) {
            gg_sched_kind k = gg_sched_kind_of(q->children[i]);
            if (k == GG_SCHED_PLATEAU || k == GG_SCHED_SEQUENTIAL)
                return gg_err_set(err, GG_EINVAL,
                                  "schedulers[%zu] is a %s, which sequential_lr cannot hold",
                                  i + 1, gg_sched_kind_name(k));
        }
        for (size_t i = 0; i + 1 < q->n_children; i++)
            if (q->milestones[i] < (i ? q->milestones[i - 1] : 1))
                return gg_err_set(err, GG_EINVAL,
                                  "milestones must be non-decreasing positive integers, got %ld "
                                  "at %zu", q->milestones[i], i + 1);
        break;
    }
    default:
        return gg_err_set(err, GG_EINVAL, "unknown scheduler kind %d", (int)c->kind);
    }
    return GG_OK;
}

/* ---- math helpers ---- */

/* cos(pi * e / T) for integers, T >= 1: torch's math.cos(math.pi * e / T). The argument is
 * reduced exactly (Python's % on integers) before the one rounding of the division. */
static double cos_ratio(long e, long T)
{
    long period = 2 * T;
    long m = e % period;
    if (m < 0)
        m += period;
    return gg_cos2pi((double)m / (double)period);
}

/* cos(pi * x) for a real x >= 0 (one-cycle's pct). */
static double cos_pi(double x)
{
    double u = 0.5 * x;
    u -= floor(u);
    return gg_cos2pi(u);
}

/* Python's a % m for m > 0. */
static long py_mod(long a, long m)
{
    long r = a % m;
    return r < 0 ? r + m : r;
}

static long count_equal(const gg_multistep_lr_cfg *c, long e)
{
    long k = 0;
    for (size_t i = 0; i < c->n_milestones; i++)
        k += c->milestones[i] == e;
    return k;
}

/* OneCycleLR.get_lr at step_num: lr and momentum. torch 1.13 builds the phases with
 * end_step float(pct_start * total) - 1 (two-phase), and float(2 * pct_start * total) - 2
 * for the middle phase of three_phase; the last phase ends at total - 1. */
static gg_status one_cycle_at(const gg_one_cycle_cfg *c, long step, double *lr, double *mom,
                              gg_err *err)
{
    if (step > c->total_steps)
        return gg_err_set(err, GG_EINVAL, "tried to step %ld times, total_steps is %ld",
                          step + 1, c->total_steps);
    double initial = c->max_lr / c->div_factor;
    double min_lr = initial / c->final_div_factor;
    double T = (double)c->total_steps;
    struct {
        double end, lr0, lr1, m0, m1;
    } ph[3];
    int n;
    double hi = c->max_momentum, lo = c->base_momentum;
    if (c->three_phase) {
        ph[0].end = c->pct_start * T - 1;
        ph[0].lr0 = initial, ph[0].lr1 = c->max_lr, ph[0].m0 = hi, ph[0].m1 = lo;
        ph[1].end = 2 * c->pct_start * T - 2;
        ph[1].lr0 = c->max_lr, ph[1].lr1 = initial, ph[1].m0 = lo, ph[1].m1 = hi;
        ph[2].end = T - 1;
        ph[2].lr0 = initial, ph[2].lr1 = min_lr, ph[2].m0 = hi, ph[2].m1 = hi;
        n = 3;
    } else {
        ph[0].end = c->pct_start * T - 1;
        ph[0].lr0 = initial, ph[0].lr1 = c->max_lr, ph[0].m0 = hi, ph[0].m1 = lo;
        ph[1].end = T - 1;
        ph[1].lr0 = c->max_lr, ph[1].lr1 = min_lr, ph[1].m0 = lo, ph[1].m1 = hi;
        n = 2;
    }
    double start = 0.0;
    for (int i = 0; i < n; i++) {
        double end = ph[i].end;
        if ((double)step <= end || i == n - 1) {
            if (end == start)  // torch: ZeroDivisionError
                return gg_err_set(err, GG_EINVAL,
                                  "phase %d has zero length at step %ld (pct_start %g, "
                                  "total_steps %ld)", i + 1, step, c->pct_start,
                                  c->total_steps);
            double pct = ((double)step - start) / (end - start);
            if (c->anneal_linear) {
                *lr = (ph[i].lr1 - ph[i].lr0) * pct + ph[i].lr0;
                *mom = (ph[i].m1 - ph[i].m0) * pct + ph[i].m0;
            } else {
                double cos_out = cos_pi(pct) + 1;
                *lr = ph[i].lr1 + (ph[i].lr0 - ph[i].lr1) / 2.0 * cos_out;
                *mom = ph[i].m1 + (ph[i].m0 - ph[i].m1) / 2.0 * cos_out;
            }
            return GG_OK;
        }
        start = end;
    }
    return GG_OK;  // not reached: the last phase always matches
}

/* CosineAnnealingWarmRestarts.get_lr (closed form in T_cur / T_i). */
static double restarts_lr(const gg_cosine_restarts_cfg *c, const gg_sched_state *s)
{
    double eta = c->eta_min;
    return eta + (s->base_lr - eta) * (1 + cos_ratio(s->T_cur, s->T_i)) / 2;
}

/* LambdaLR's lr at epoch e: base_lr * factor(e), in that order; the callback's error as is. */
static gg_status lambda_lr(const gg_lambda_lr_cfg *c, double base_lr, long e, double *lr,
                           gg_err *err)
{
    double f = 0.0;
    gg_status st = c->factor(c->ctx, e, &f, err);
    if (st)
        return st;
    *lr = base_lr * f;
    return GG_OK;
}

static gg_status not_pure(gg_err *err)
{
    gg_err_set(err, GG_EINVAL, "sequential_lr has no pure form (use gg_sched_new)");
    return GG_EINVAL;
}

/* ---- pure layer ---- */

gg_status gg_sched_init(const gg_sched_cfg *c, gg_sched_state *s, double base_lr, double lr,
                        gg_err *err)
{
    gg_sched_state n;
    memset(&n, 0, sizeof n);
    n.epoch = 0;
    n.base_lr = base_lr;
    n.lr = lr;
    switch (c->kind) {
    case GG_SCHED_STEP:         // last_epoch == 0: group['lr']
    case GG_SCHED_EXPONENTIAL:
    case GG_SCHED_COSINE:
        break;
    case GG_SCHED_MULTISTEP: {  // a milestone at 0 applies at construction
        long k = count_equal(&c->multistep, 0);
        if (k)
            n.lr = lr * gg_powi(c->multistep.gamma, k);
        break;
    }
    case GG_SCHED_COSINE_RESTARTS:  // step(): last_epoch < 0 → epoch 0 → T_i = T_0, T_cur = 0
        n.T_i = c->restarts.T_0;
        n.T_cur = 0;
        n.lr = restarts_lr(&c->restarts, &n);
        break;
    case GG_SCHED_PLATEAU:      // no initial step; _reset()
        n.best = c->plateau.mode_max ? -INFINITY : INFINITY;
        break;
    case GG_SCHED_ONE_CYCLE: {  // group['initial_lr'] = max_lr / div_factor
        n.base_lr = c->one_cycle.max_lr / c->one_cycle.div_factor;
        n.momentum = c->one_cycle.max_momentum;
        double m = 0.0;  // set by one_cycle_at on success
        gg_status st = one_cycle_at(&c->one_cycle, 0, &n.lr, &m, err);
        if (st)
            return st;
        if (c->one_cycle.cycle_momentum)
            n.momentum = m;
        break;
    }
    case GG_SCHED_LINEAR:
        n.lr = lr * c->linear.start_factor;
        break;
    case GG_SCHED_CONSTANT:
        n.lr = lr * c->constant.factor;
        break;
    case GG_SCHED_LAMBDA: {  // LambdaLR.get_lr: base_lr * lmbda(last_epoch)
        gg_status st = lambda_lr(&c->lambda, base_lr, 0, &n.lr, err);
        if (st)
            return st;
        break;
    }
    case GG_SCHED_SEQUENTIAL:
        return not_pure(err);
    }
    *s = n;
    return GG_OK;
}

gg_status gg_sched_next(const gg_sched_cfg *c, gg_sched_state *s, double lr, double metric,
                        gg_err *err)
{
    gg_sched_state n = *s;
    long e = ++n.epoch;
    n.lr = lr;
    switch (c->kind) {
    case GG_SCHED_STEP:  // StepLR.get_lr
        if (e % c->step.step_size == 0)
            n.lr = lr * c->step.gamma;
        break;
    case GG_SCHED_MULTISTEP: {  // MultiStepLR.get_lr: lr * gamma ** milestones[e]
        long k = count_equal(&c->multistep, e);
        if (k)
            n.lr = lr * gg_powi(c->multistep.gamma, k);
        break;
    }
    case GG_SCHED_EXPONENTIAL:
        n.lr = lr * c->exponential.gamma;
        break;
    case GG_SCHED_COSINE: {  // CosineAnnealingLR.get_lr, the recursive form
        long T = c->cosine.T_max;
        double eta = c->cosine.eta_min;
        if (py_mod(e - 1 - T, 2 * T) == 0)
            n.lr = lr + (s->base_lr - eta) * (1 - cos_ratio(1, T)) / 2;
        else
            n.lr = (1 + cos_ratio(e, T)) / (1 + cos_ratio(e - 1, T)) * (lr - eta) + eta;
        break;
    }
    case GG_SCHED_COSINE_RESTARTS:  // step() without epoch
        n.T_cur = n.T_cur + 1;
        if (n.T_cur >= n.T_i) {
            n.T_cur = n.T_cur - n.T_i;
            n.T_i = n.T_i * c->restarts.T_mult;
        }
        n.lr = restarts_lr(&c->restarts, &n);
        break;
    case GG_SCHED_PLATEAU: {  // ReduceLROnPlateau.step(metrics)
        const gg_plateau_cfg *p = &c->plateau;
        double a = metric, best = n.best;
        int better;
        if (!p->mode_max)
            better = p->threshold_abs ? a < best - p->threshold : a < best * (1. - p->threshold);
        else
            better = p->threshold_abs ? a > best + p->threshold : a > best * (p->threshold + 1.);
        if (better) {
            n.best = a;
            n.num_bad_epochs = 0;
        } else {
            n.num_bad_epochs += 1;
        }
        if (n.cooldown_counter > 0) {
            n.cooldown_counter -= 1;
            n.num_bad_epochs = 0;
        }
        if (n.num_bad_epochs > p->patience) {  // _reduce_lr
            double new_lr = lr * p->factor;
            if (p->min_lr > new_lr)
                new_lr = p->min_lr;
            if (lr - new_lr > p->eps)
                n.lr = new_lr;
            n.cooldown_counter = p->cooldown;
            n.num_bad_epochs = 0;
        }
        break;
    }
    case GG_SCHED_ONE_CYCLE: {
        double m = 0.0;  // set by one_cycle_at on success
        gg_status st = one_cycle_at(&c->one_cycle, e, &n.lr, &m, err);
        if (st)
            return st;
        if (c->one_cycle.cycle_momentum)
            n.momentum = m;
        break;
    }
    case GG_SCHED_LINEAR: {  // LinearLR.get_lr
        const gg_linear_lr_cfg *l = &c->linear;
        if (e <= l->total_iters)
            n.lr = lr * (1. + (l->end_factor - l->start_factor) /
                                  ((double)l->total_iters * l->start_factor +
                                   (double)(e - 1) * (l->end_factor - l->start_factor)));
        break;
    }
    case GG_SCHED_CONSTANT:  // ConstantLR.get_lr
        if (e == c->constant.total_iters)
            n.lr = lr * (1.0 / c->constant.factor);
        break;
    case GG_SCHED_LAMBDA: {
        gg_status st = lambda_lr(&c->lambda, s->base_lr, e, &n.lr, err);
        if (st)
            return st;
        break;
    }
    case GG_SCHED_SEQUENTIAL:
        return not_pure(err);
    }
    *s = n;
    return GG_OK;
}

gg_status gg_sched_restart(const gg_sched_cfg *c, gg_sched_state *s, gg_err *err)
{
    gg_sched_state n = *s;
    double base = s->base_lr;
    n.epoch = 0;
    switch (c->kind) {
    case GG_SCHED_STEP:         // base_lr * gamma ** (0 // step_size)
    case GG_SCHED_EXPONENTIAL:  // base_lr * gamma ** 0
        n.lr = base * 1.0;
        break;
    case GG_SCHED_MULTISTEP: {  // base_lr * gamma ** bisect_right(milestones, 0)
        long k = count_equal(&c->multistep, 0);  // milestones are >= 0
        n.lr = base * gg_powi(c->multistep.gamma, k);
        break;
    }
    case GG_SCHED_COSINE:
        n.lr = c->cosine.eta_min + (base - c->cosine.eta_min) * (1 + cos_ratio(0, 1)) / 2;
        break;
    case GG_SCHED_COSINE_RESTARTS:  // step(0): epoch < T_0 → T_i = T_0, T_cur = 0
        n.T_i = c->restarts.T_0;
        n.T_cur = 0;
        n.lr = restarts_lr(&c->restarts, &n);
        break;
    case GG_SCHED_PLATEAU:
        return gg_err_set(err, GG_EINVAL, "reduce_lr_on_plateau cannot be restarted");
    case GG_SCHED_ONE_CYCLE: {  // no closed form: get_lr() at last_epoch 0
        double m = 0.0;  // set by one_cycle_at on success
        gg_status st = one_cycle_at(&c->one_cycle, 0, &n.lr, &m, err);
        if (st)
            return st;
        if (c->one_cycle.cycle_momentum)
            n.momentum = m;
        break;
    }
    case GG_SCHED_LINEAR: {  // start + (end - start) * min(total, 0) / total
        const gg_linear_lr_cfg *l = &c->linear;
        n.lr = base * (l->start_factor +
                       (l->end_factor - l->start_factor) * 0.0 / (double)l->total_iters);
        break;
    }
    case GG_SCHED_CONSTANT: {  // factor + (0 >= total_iters) * (1 - factor)
        const gg_constant_lr_cfg *k = &c->constant;
        double on = 0 >= k->total_iters ? (1 - k->factor) : 0.0;
        n.lr = base * (k->factor + on);
        break;
    }
    case GG_SCHED_LAMBDA: {  // no closed form: get_lr() at last_epoch 0
        gg_status st = lambda_lr(&c->lambda, base, 0, &n.lr, err);
        if (st)
            return st;
        break;
    }
    case GG_SCHED_SEQUENTIAL:
        return not_pure(err);
    }
    *s = n;
    return GG_OK;
}

/* ---- owning scheduler object ---- */

struct gg_sched {
    gg_sched_cfg cfg;
    long *milestones;    // multistep, sequential: own copy
    gg_sched **children; // sequential: own copy of the (borrowed) pointers
    gg_sched_state st;
};

/* Set o's lr (and momentum) from n; on failure o is restored and err names the epoch. */
static gg_status apply(const gg_sched *s, gg_optim *o, const gg_sched_state *n, gg_err *err)
{
    gg_err inner;
    double old = gg_optim_lr(o);
    const char *name = gg_sched_kind_name(s->cfg.kind);
    if (gg_optim_set_lr(o, n->lr, &inner))
        return gg_err_set(err, inner.code, "%s at epoch %ld: %s", name, n->epoch, inner.msg);
    if (s->cfg.kind == GG_SCHED_ONE_CYCLE && s->cfg.one_cycle.cycle_momentum &&
        gg_optim_set_momentum(o, n->momentum, &inner)) {
        gg_optim_set_lr(o, old, NULL);
        return gg_err_set(err, inner.code, "%s at epoch %ld: %s", name, n->epoch, inner.msg);
    }
    return GG_OK;
}

/* The rest of gg_sched_new for sequential_lr: s holds the config (not yet its copies). */
static gg_status sequential_new(gg_sched **out, gg_sched *s, gg_optim *o, double base_lr,
                                gg_err *err)
{
    gg_sequential_lr_cfg *q = &s->cfg.sequential;
    const size_t n = q->n_children;
    s->children = gg_malloc(n, sizeof *s->children);  // NOLINT(bugprone-sizeof-expression): pointers
    s->milestones = n > 1 ? gg_malloc(n - 1, sizeof *s->milestones) : NULL;
    if (!s->children || (n > 1 && !s->milestones)) {
        gg_sched_free(s);
        return gg_err_set(err, GG_ENOMEM, "out of memory for a sequential_lr of %zu schedulers", n);
    }
    memcpy(s->children, q->children, n * sizeof *s->children);  // NOLINT(bugprone-sizeof-expression)
    if (n > 1)
        memcpy(s->milestones, q->milestones, (n - 1) * sizeof *s->milestones);
    q->children = s->children;
    q->milestones = s->milestones;
    // Reset the lr to initial_lr and redo the first scheduler's initial step.
    gg_status st = gg_optim_set_lr(o, base_lr, err);
    if (!st)
        st = gg_sched_reinit_on(s->children[0], o, err);
    if (st) {
        gg_sched_free(s);
        return st;
    }
    s->st.epoch = 0;
    s->st.base_lr = base_lr;
    s->st.lr = s->children[0]->st.lr;
    *out = s;
    return GG_OK;
}

/* SequentialLR.step (1.13): the scheduler whose milestone range holds the new epoch steps;
 * at its milestone it is stepped with step(0), which restarts it from the base lr. */
static gg_status sequential_step(gg_sched *s, gg_optim *o, gg_err *err)
{
    const gg_sequential_lr_cfg *q = &s->cfg.sequential;
    const long e = s->st.epoch + 1;
    size_t k = 0;  // bisect_right(milestones, e)
    while (k + 1 < q->n_children && q->milestones[k] <= e)
        k++;
    gg_sched *c = q->children[k];
    gg_status st = k > 0 && q->milestones[k - 1] == e ? gg_sched_restart_on(c, o, err)
                                                      : gg_sched_step(c, o, 0.0, err);
    if (st)
        return st;
    s->st.lr = c->st.lr;
    s->st.epoch = e;
    return GG_OK;
}

gg_status gg_sched_new(gg_sched **out, const gg_sched_cfg *cfg, gg_optim *o, double base_lr,
                       gg_err *err)
{
    *out = NULL;
    gg_status st = gg_sched_check(cfg, err);
    if (st)
        return st;
    if (cfg->kind == GG_SCHED_ONE_CYCLE && cfg->one_cycle.cycle_momentum) {
        // Try both ends of the cycle, then restore: the optimizer decides whether it has a
        // momentum to cycle (Adagrad has none; SGD created with momentum 0 keeps no buffer).
        gg_err inner;
        double m0 = gg_optim_momentum(o);
        if (gg_optim_set_momentum(o, cfg->one_cycle.max_momentum, &inner) ||
            gg_optim_set_momentum(o, cfg->one_cycle.base_momentum, &inner)) {
            gg_optim_set_momentum(o, m0, NULL);
            return gg_err_set(err, GG_EINVAL,
                              "cycle_momentum needs an optimizer whose momentum can be cycled "
                              "(%s); create it with momentum > 0 or set cycle_momentum = false",
                              inner.msg);
        }
        gg_optim_set_momentum(o, m0, NULL);
    }
    gg_sched *s = gg_malloc(1, sizeof *s);
    if (!s)
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating a scheduler");
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    if (cfg->kind == GG_SCHED_MULTISTEP) {
        size_t n = cfg->multistep.n_milestones;
        if (n) {
            s->milestones = gg_malloc(n, sizeof *s->milestones);
            if (!s->milestones) {
                gg_free(s);
                return gg_err_set(err, GG_ENOMEM, "out of memory copying %zu milestones", n);
            }
            memcpy(s->milestones, cfg->multistep.milestones, n * sizeof *s->milestones);
        }
        s->cfg.multistep.milestones = s->milestones;
    }
    if (cfg->kind == GG_SCHED_SEQUENTIAL)
        return sequential_new(out, s, o, base_lr, err);
    gg_sched_state n;
    if ((st = gg_sched_init(&s->cfg, &n, base_lr, gg_optim_lr(o), err)) ||
        (cfg->kind != GG_SCHED_PLATEAU && (st = apply(s, o, &n, err)))) {
        gg_sched_free(s);
        return st;
    }
    s->st = n;
    *out = s;
    return GG_OK;
}

void gg_sched_free(gg_sched *s)
{
    if (!s)
        return;
    gg_free(s->children);
    gg_free(s->milestones);
    gg_free(s);
}

gg_sched_kind gg_sched_kind_of(const gg_sched *s)
{
    return s->cfg.kind;
}

const gg_sched_cfg *gg_sched_config(const gg_sched *s)
{
    return &s->cfg;
}

const gg_sched_state *gg_sched_get_state(const gg_sched *s)
{
    return &s->st;
}

double gg_sched_last_lr(const gg_sched *s)
{
    return s->st.lr;
}

void gg_sched_set_state(gg_sched *s, const gg_sched_state *st)
{
    s->st = *st;
}

size_t gg_sched_nchildren(const gg_sched *s)
{
    return s->cfg.kind == GG_SCHED_SEQUENTIAL ? s->cfg.sequential.n_children : 0;
}

gg_sched *gg_sched_child(gg_sched *s, size_t i)
{
    return s->children[i];
}

long gg_sched_epoch(const gg_sched *s)
{
    return s->st.epoch;
}

gg_status gg_sched_step(gg_sched *s, gg_optim *o, double metric, gg_err *err)
{
    if (s->cfg.kind == GG_SCHED_SEQUENTIAL)
        return sequential_step(s, o, err);
    gg_sched_state n = s->st;
    gg_err inner;
    gg_status st = gg_sched_next(&s->cfg, &n, gg_optim_lr(o), metric, &inner);
    if (st && s->cfg.kind == GG_SCHED_LAMBDA)  // the callback's own message
        return gg_err_set(err, st, "%s", inner.msg);
    if (st)
        return gg_err_set(err, st, "%s: %s", gg_sched_kind_name(s->cfg.kind), inner.msg);
    if ((st = apply(s, o, &n, err)))
        return st;
    s->st = n;
    return GG_OK;
}

gg_status gg_sched_restart_on(gg_sched *s, gg_optim *o, gg_err *err)
{
    gg_sched_state n = s->st;
    gg_status st = gg_sched_restart(&s->cfg, &n, err);
    if (st || (st = apply(s, o, &n, err)))
        return st;
    s->st = n;
    return GG_OK;
}

gg_status gg_sched_reinit_on(gg_sched *s, gg_optim *o, gg_err *err)
{
    gg_sched_state n;
    gg_status st = gg_sched_init(&s->cfg, &n, s->st.base_lr, gg_optim_lr(o), err);
    if (st || (s->cfg.kind != GG_SCHED_PLATEAU && (st = apply(s, o, &n, err))))
        return st;
    s->st = n;
    return GG_OK;
}
