/* tests/test_sched.c — the learning-rate schedulers (core/sched.h) against closed forms and
 * hand-computed values following docs/semantics.md (torch.optim.lr_scheduler, 1.13): the
 * chainable (recursive) forms agree with the closed forms to ~1e-12 where torch's do, the
 * special cases (cosine restart boundaries, plateau cooldown and threshold modes, one-cycle
 * phases and momentum, three_phase) hit their exact values, configs are validated with
 * messages naming the option, and gg_sched drives a gg_optim. Bit-level agreement with
 * PyTorch itself is tests/lua/test_parity_sched.lua's job. LambdaLR (a factor callback) and
 * SequentialLR (a composite of owning schedulers) are checked against hand-computed lrs. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "detmath.h"
#include "sched.h"

static const double PI = 3.14159265358979323846;

/* Run init + steps next() calls on the pure layer, feeding back the lr (as an optimizer
 * would); lr[k] is the lr after k steps. metrics may be NULL. Returns the number of
 * successful steps. */
static int run(const gg_sched_cfg *c, double base, int steps, const double *metrics,
               double *lr, double *mom)
{
    gg_sched_state s;
    gg_err err;
    if (gg_sched_init(c, &s, base, base, &err))
        return -1;
    lr[0] = s.lr;
    if (mom)
        mom[0] = s.momentum;
    for (int k = 1; k <= steps; k++) {
        if (gg_sched_next(c, &s, s.lr, metrics ? metrics[k - 1] : 0.0, &err))
            return k - 1;
        lr[k] = s.lr;
        if (mom)
            mom[k] = s.momentum;
    }
    return steps;
}

static double max_rel(const double *a, const double *b, int n)
{
    double w = 0;
    for (int i = 0; i < n; i++)
        if (a[i] != b[i])
            w = fmax(w, fabs(a[i] - b[i]) / fmax(fabs(b[i]), 1e-300));
    return w;
}

enum { N = 100 };

static void test_step_multistep_exponential(void)
{
    double lr[N + 1], want[N + 1];
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_STEP);
    c.step.step_size = 7;
    c.step.gamma = 0.5;
    run(&c, 0.1, N, NULL, lr, NULL);
    for (int e = 0; e <= N; e++)
        want[e] = 0.1 * gg_powi(0.5, e / 7);
    CHECK("step_lr: powers of 1/2 are exact", max_rel(lr, want, N + 1) == 0);
    CHECK("step_lr: decays at epoch 7, not 6", lr[6] == 0.1 && lr[7] == 0.05);
    c.step.gamma = 0.3;
    run(&c, 0.1, N, NULL, lr, NULL);
    for (int e = 0; e <= N; e++)
        want[e] = 0.1 * gg_powi(0.3, e / 7);
    CHECK_NEAR("step_lr: recursive = closed form", max_rel(lr, want, N + 1), 0, 1e-13);
    CHECK("step_lr: default gamma 0.1", gg_sched_defaults(GG_SCHED_STEP).step.gamma == 0.1);

    static const long ms[] = {12, 5, 12, 0, 30};  // any order; 12 twice; 0 at construction
    gg_sched_cfg m = gg_sched_defaults(GG_SCHED_MULTISTEP);
    m.multistep.milestones = ms;
    m.multistep.n_milestones = 5;
    m.multistep.gamma = 0.5;
    run(&m, 1.0, 40, NULL, lr, NULL);
    CHECK("multistep_lr: a milestone at 0 applies at construction", lr[0] == 0.5);
    CHECK("multistep_lr: 5", lr[4] == 0.5 && lr[5] == 0.25);
    CHECK("multistep_lr: 12 twice = gamma^2", lr[11] == 0.25 && lr[12] == 0.0625);
    CHECK("multistep_lr: 30", lr[29] == 0.0625 && lr[30] == 0.03125 && lr[40] == 0.03125);

    gg_sched_cfg x = gg_sched_defaults(GG_SCHED_EXPONENTIAL);
    x.exponential.gamma = 0.93;
    run(&x, 0.1, N, NULL, lr, NULL);
    for (int e = 0; e <= N; e++)
        want[e] = 0.1 * gg_powi(0.93, e);
    CHECK("exponential_lr: epoch 0 is the base lr", lr[0] == 0.1);
    CHECK_NEAR("exponential_lr: recursive = closed form", max_rel(lr, want, N + 1), 0, 1e-13);
}

static double cosine_closed(double base, double eta, long e, long T)
{
    return eta + (base - eta) * (1 + cos(PI * (double)e / (double)T)) / 2;
}

static void test_cosine(void)
{
    double lr[N + 1], want[N + 1];
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_COSINE);
    c.cosine.T_max = 15;
    c.cosine.eta_min = 0.001;
    run(&c, 0.1, 90, NULL, lr, NULL);  // three full periods, both kinds of boundary
    for (int e = 0; e <= 90; e++)
        want[e] = cosine_closed(0.1, 0.001, e, 15);
    CHECK_NEAR("cosine: recursive = closed form over 3 periods", max_rel(lr, want, 91), 0,
               1e-12);
    CHECK("cosine: epoch 0 is the base lr", lr[0] == 0.1);
    CHECK("cosine: T_max reaches eta_min exactly", lr[15] == 0.001 && lr[45] == 0.001);
    // e = T+1 is the special case: eta_min + (base - eta_min)(1 - cos(pi/T))/2
    CHECK_NEAR("cosine: restart step after T_max", lr[16],
               0.001 + 0.099 * (1 - cos(PI / 15)) / 2, 1e-17);
    CHECK_NEAR("cosine: back to base at 2T", lr[30], 0.1, 1e-15);

    c.cosine.T_max = 1;  // every step is a boundary: eta, base, eta, ...
    c.cosine.eta_min = 0.01;
    run(&c, 0.1, 6, NULL, lr, NULL);
    CHECK("cosine T_max=1: alternates", lr[1] == 0.01 && lr[3] == 0.01 && lr[5] == 0.01);
    CHECK_NEAR("cosine T_max=1: back up", lr[2], 0.1, 1e-16);
    CHECK_NEAR("cosine T_max=1: back up again", lr[6], 0.1, 1e-16);

    c.cosine.T_max = 7;
    c.cosine.eta_min = 0.0;  // pure layer only: an optimizer rejects lr 0 today
    run(&c, 0.3, 28, NULL, lr, NULL);
    CHECK("cosine eta_min=0: exactly 0 at T_max", lr[7] == 0.0 && lr[21] == 0.0);
    CHECK_NEAR("cosine eta_min=0: recovers after the boundary", lr[8],
               0.3 * (1 - cos(PI / 7)) / 2, 1e-17);
}

static void test_warm_restarts(void)
{
    double lr[N + 1];
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_COSINE_RESTARTS);
    c.restarts.T_0 = 3;
    c.restarts.T_mult = 2;
    c.restarts.eta_min = 0.005;
    run(&c, 0.1, 30, NULL, lr, NULL);
    // cycles of 3, 6, 12, 24 epochs start at 0, 3, 9, 21
    static const int starts[] = {0, 3, 9, 21};
    for (int i = 0; i < 4; i++)
        CHECK("warm restarts: each cycle starts at the base lr", lr[starts[i]] == 0.1);
    CHECK_NEAR("warm restarts: T_cur 1 of 3", lr[1],
               0.005 + 0.095 * (1 + cos(PI / 3)) / 2, 1e-16);
    CHECK_NEAR("warm restarts: T_cur 5 of 6", lr[8],
               0.005 + 0.095 * (1 + cos(PI * 5 / 6)) / 2, 1e-16);
    CHECK_NEAR("warm restarts: T_cur 6 of 12", lr[15], 0.005 + 0.095 / 2, 1e-16);

    c.restarts.T_0 = 10;
    c.restarts.T_mult = 1;
    c.restarts.eta_min = 0;
    run(&c, 0.1, 30, NULL, lr, NULL);
    CHECK("warm restarts T_mult=1: period 10", lr[10] == 0.1 && lr[20] == 0.1 && lr[13] == lr[3]);
}

static void test_plateau(void)
{
    double lr[40];
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_PLATEAU);
    c.plateau.patience = 2;
    // 1.0 best; three bad epochs (>patience) reduce on the third
    static const double m1[] = {1.0, 1.0, 0.99995, 1.2, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6};
    run(&c, 0.1, 11, m1, lr, NULL);
    CHECK("plateau: no initial step", lr[0] == 0.1);
    CHECK("plateau: patience 2, rel threshold: 0.99995 is no gain", lr[3] == 0.1 &&
                                                                         lr[4] == 0.1 * 0.1);
    CHECK("plateau: improvement resets", lr[5] == lr[4] && lr[7] == lr[4]);
    CHECK_NEAR("plateau: second reduction", lr[8], 0.001, 1e-18);
    CHECK("plateau: counter reset after a reduction", lr[10] == lr[8]);
    CHECK_NEAR("plateau: third reduction", lr[11], 0.0001, 1e-19);

    // abs threshold and cooldown: a gain of 0.04 < threshold 0.05 is bad
    c = gg_sched_defaults(GG_SCHED_PLATEAU);
    c.plateau.patience = 0;
    c.plateau.threshold_abs = 1;
    c.plateau.threshold = 0.05;
    c.plateau.cooldown = 2;
    c.plateau.factor = 0.5;
    c.plateau.min_lr = 0.02;
    static const double m2[] = {1.0, 0.96, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9};
    run(&c, 0.1, 10, m2, lr, NULL);
    CHECK("plateau abs: first metric improves on inf", lr[1] == 0.1);
    CHECK("plateau abs: 0.04 gain is bad, patience 0 reduces", lr[2] == 0.05);
    CHECK("plateau cooldown: two epochs ignored", lr[3] == 0.05 && lr[4] == 0.05);
    CHECK("plateau cooldown over: reduce again", lr[5] == 0.025);
    CHECK("plateau min_lr clamps", lr[8] == 0.02 && lr[10] == 0.02);

    // max mode, rel: 1% better needed with threshold 0.01
    c = gg_sched_defaults(GG_SCHED_PLATEAU);
    c.plateau.mode_max = 1;
    c.plateau.threshold = 0.01;
    c.plateau.patience = 0;
    static const double m3[] = {1.0, 1.005, 1.02, 1.02};
    run(&c, 0.1, 4, m3, lr, NULL);
    CHECK("plateau max rel: 0.5% gain is bad", lr[2] == 0.1 * 0.1);
    CHECK("plateau max rel: 2% gain is good", lr[3] == lr[2]);
    CHECK_NEAR("plateau max rel: then bad", lr[4], 0.001, 1e-18);

    // eps: a reduction smaller than eps is skipped
    c = gg_sched_defaults(GG_SCHED_PLATEAU);
    c.plateau.patience = 0;
    c.plateau.eps = 0.05;
    static const double m4[] = {1, 1, 1, 1};
    run(&c, 0.1, 4, m4, lr, NULL);
    CHECK("plateau eps: 0.1 -> 0.01 is a change > 0.05", lr[2] == 0.1 * 0.1);
    CHECK("plateau eps: 0.01 -> 0.001 is not", lr[3] == lr[2] && lr[4] == lr[2]);
}

static double cos_anneal(double start, double end, double pct)
{
    return end + (start - end) / 2.0 * (cos(PI * pct) + 1);
}

static void test_one_cycle(void)
{
    double lr[N + 1], mom[N + 1];
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_ONE_CYCLE);
    c.one_cycle.max_lr = 0.5;
    c.one_cycle.total_steps = 60;  // phase 1 ends at 0.3*60-1 = 17, phase 2 at 59
    CHECK_EQ("one_cycle: all total_steps steps run", run(&c, 0.123, 60, NULL, lr, mom), 60);
    double initial = 0.5 / 25, minlr = initial / 1e4;
    CHECK_NEAR("one_cycle: step 0 = max_lr/div", lr[0], initial, 1e-16);
    CHECK("one_cycle: peak at pct_start*T - 1", lr[17] == 0.5 && mom[17] == 0.85);
    CHECK_NEAR("one_cycle: step 9 (cos)", lr[9], cos_anneal(initial, 0.5, 9.0 / 17), 1e-15);
    CHECK_NEAR("one_cycle: momentum step 9", mom[9], cos_anneal(0.95, 0.85, 9.0 / 17), 1e-15);
    CHECK_NEAR("one_cycle: end at T-1 = min_lr", lr[59], minlr, 1e-20);
    CHECK_NEAR("one_cycle: momentum back to max", mom[59], 0.95, 1e-15);
    CHECK("one_cycle: momentum starts at max", mom[0] == 0.95);

    gg_sched_state s;
    gg_err err;
    gg_sched_init(&c, &s, 0.1, 0.1, &err);
    for (int k = 0; k < 60; k++)
        gg_sched_next(&c, &s, s.lr, 0, &err);
    gg_sched_state before = s;
    CHECK_EQ("one_cycle: stepping past total_steps fails",
             gg_sched_next(&c, &s, s.lr, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("one_cycle: message", err.msg, "tried to step 62 times, total_steps is 60");
    CHECK("one_cycle: state unchanged on error", memcmp(&before, &s, sizeof s) == 0);

    c.one_cycle.anneal_linear = 1;  // linear: exact midpoint
    c.one_cycle.total_steps = 21;   // phase 1 ends at 0.3*21-1 = 5.3
    c.one_cycle.pct_start = 0.3;
    run(&c, 0.1, 20, NULL, lr, mom);
    CHECK_NEAR("one_cycle linear: step 3", lr[3], (0.5 - initial) * (3 / 5.3) + initial, 1e-16);
    CHECK_NEAR("one_cycle linear: phase 2 step 10", lr[10],
               (minlr - 0.5) * ((10 - 5.3) / (20 - 5.3)) + 0.5, 1e-16);

    // three phases: up to 0.25*40-1 = 9, down to 2*0.25*40-2 = 18, annihilate to 39
    c = gg_sched_defaults(GG_SCHED_ONE_CYCLE);
    c.one_cycle.max_lr = 1.0;
    c.one_cycle.total_steps = 40;
    c.one_cycle.pct_start = 0.25;
    c.one_cycle.three_phase = 1;
    run(&c, 0.1, 40, NULL, lr, mom);
    CHECK("three_phase: peak at 9", lr[9] == 1.0 && mom[9] == 0.85);
    CHECK_NEAR("three_phase: back to initial at 18", lr[18], 1.0 / 25, 1e-16);
    CHECK_NEAR("three_phase: momentum back to max at 18", mom[18], 0.95, 1e-16);
    CHECK("three_phase: momentum stays at max", mom[30] == 0.95);
    CHECK_NEAR("three_phase: min at 39", lr[39], 1.0 / 25 / 1e4, 1e-20);
    CHECK_NEAR("three_phase: step 25", lr[25], cos_anneal(0.04, 0.04 / 1e4, 7.0 / 21), 1e-16);

    // a phase of zero length (pct_start*T - 1 == 0) is an error, like torch's division
    c = gg_sched_defaults(GG_SCHED_ONE_CYCLE);
    c.one_cycle.max_lr = 1.0;
    c.one_cycle.total_steps = 10;
    c.one_cycle.pct_start = 0.1;
    CHECK_EQ("one_cycle: zero-length phase", gg_sched_init(&c, &s, 1, 1, &err), GG_EINVAL);
    CHECK_CONTAINS("one_cycle: zero-length message", err.msg, "phase 1 has zero length");
}

static void test_linear_constant(void)
{
    double lr[N + 1];
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_LINEAR);
    run(&c, 0.05, 10, NULL, lr, NULL);  // start 1/3, 5 iterations
    for (int e = 0; e <= 10; e++) {
        double f = 1.0 / 3 + (1 - 1.0 / 3) * (e < 5 ? e : 5) / 5.0;
        CHECK_NEAR("linear_lr: recursive = closed form", lr[e], 0.05 * f, 1e-12 * 0.05);
    }
    CHECK("linear_lr: constant after total_iters", lr[6] == lr[5] && lr[10] == lr[5]);
    c.linear.start_factor = 1.0;
    c.linear.end_factor = 0.1;
    c.linear.total_iters = 30;
    run(&c, 0.1, 40, NULL, lr, NULL);
    CHECK_NEAR("linear_lr decay: halfway", lr[15], 0.1 * 0.55, 1e-14);
    CHECK_NEAR("linear_lr decay: end", lr[30], 0.1 * 0.1, 1e-14);

    gg_sched_cfg k = gg_sched_defaults(GG_SCHED_CONSTANT);
    k.constant.factor = 0.5;
    k.constant.total_iters = 4;
    run(&k, 0.05, 8, NULL, lr, NULL);
    CHECK("constant_lr: factor until total_iters",
          lr[0] == 0.025 && lr[3] == 0.025 && lr[4] == 0.05 && lr[8] == 0.05);
}

static void test_restart(void)
{
    gg_sched_state s;
    gg_err err;
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_EXPONENTIAL);
    c.exponential.gamma = 0.9;
    gg_sched_init(&c, &s, 1.0, 0.1, &err);  // initial step keeps the current lr
    CHECK("exponential: initial step is chainable", s.lr == 0.1);
    gg_sched_next(&c, &s, s.lr, 0, &err);
    CHECK_EQ("restart: ok", gg_sched_restart(&c, &s, &err), GG_OK);
    CHECK("restart: closed form at 0 = base lr", s.lr == 1.0 && s.epoch == 0);
    c = gg_sched_defaults(GG_SCHED_LINEAR);
    gg_sched_init(&c, &s, 0.3, 0.3, &err);
    gg_sched_next(&c, &s, s.lr, 0, &err);
    gg_sched_restart(&c, &s, &err);
    CHECK("restart linear: base * start_factor", s.lr == 0.3 * (1.0 / 3));
    c = gg_sched_defaults(GG_SCHED_PLATEAU);
    gg_sched_init(&c, &s, 0.3, 0.3, &err);
    CHECK_EQ("restart plateau: refused", gg_sched_restart(&c, &s, &err), GG_EINVAL);
}

static void expect_invalid(const char *name, const gg_sched_cfg *c, const char *msg)
{
    gg_err err;
    memset(&err, 0, sizeof err);
    CHECK_EQ(name, gg_sched_check(c, &err), GG_EINVAL);
    CHECK_CONTAINS(name, err.msg, msg);
}

static void test_validation(void)
{
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_STEP);
    expect_invalid("step_size 0", &c, "step_size must be a positive integer, got 0");
    c.step.step_size = 3;
    c.step.gamma = -0.5;
    expect_invalid("gamma < 0", &c, "gamma must be a positive number, got -0.5");
    c = gg_sched_defaults(GG_SCHED_EXPONENTIAL);
    expect_invalid("exponential gamma required", &c, "gamma must be a positive number, got 0");
    static const long bad_ms[] = {3, -1};
    c = gg_sched_defaults(GG_SCHED_MULTISTEP);
    c.multistep.milestones = bad_ms;
    c.multistep.n_milestones = 2;
    expect_invalid("negative milestone", &c, "milestones must be non-negative integers, got -1");
    c = gg_sched_defaults(GG_SCHED_COSINE);
    expect_invalid("T_max", &c, "T_max must be a positive integer, got 0");
    c = gg_sched_defaults(GG_SCHED_COSINE_RESTARTS);
    c.restarts.T_0 = 5;
    c.restarts.T_mult = 0;
    expect_invalid("T_mult", &c, "T_mult must be an integer >= 1, got 0");
    c = gg_sched_defaults(GG_SCHED_PLATEAU);
    c.plateau.factor = 1.0;
    expect_invalid("plateau factor", &c, "factor must be a number in [0, 1), got 1");
    c = gg_sched_defaults(GG_SCHED_PLATEAU);
    c.plateau.patience = -1;
    expect_invalid("patience", &c, "patience must be a non-negative integer, got -1");
    c = gg_sched_defaults(GG_SCHED_ONE_CYCLE);
    c.one_cycle.total_steps = 10;
    expect_invalid("max_lr", &c, "max_lr must be a positive number, got 0");
    c.one_cycle.max_lr = 0.1;
    c.one_cycle.pct_start = 1.5;
    expect_invalid("pct_start", &c, "pct_start must be a number in [0, 1], got 1.5");
    c.one_cycle.pct_start = 0.3;
    c.one_cycle.max_momentum = 1.0;
    expect_invalid("max_momentum", &c, "max_momentum must be a number in [0, 1), got 1");
    c = gg_sched_defaults(GG_SCHED_LINEAR);
    c.linear.start_factor = 0.0;
    expect_invalid("start_factor", &c, "start_factor must be a number in (0, 1], got 0");
    c = gg_sched_defaults(GG_SCHED_CONSTANT);
    c.constant.factor = 0.1 + 1;
    expect_invalid("constant factor", &c, "factor must be a number in (0, 1], got 1.1");
    gg_err err;
    for (int k = GG_SCHED_STEP; k <= GG_SCHED_CONSTANT; k++) {
        gg_sched_cfg d = gg_sched_defaults((gg_sched_kind)k);  // + the options without default
        if (k == GG_SCHED_STEP)
            d.step.step_size = 1;
        if (k == GG_SCHED_EXPONENTIAL)
            d.exponential.gamma = 0.5;
        if (k == GG_SCHED_COSINE)
            d.cosine.T_max = 3;
        if (k == GG_SCHED_COSINE_RESTARTS)
            d.restarts.T_0 = 3;
        if (k == GG_SCHED_ONE_CYCLE)
            d.one_cycle.max_lr = 1, d.one_cycle.total_steps = 100;
        CHECK_EQ(gg_sched_kind_name((gg_sched_kind)k), gg_sched_check(&d, &err), GG_OK);
    }
}

static gg_optim *new_sgd(double lr, double momentum)
{
    gg_sgd_cfg c = gg_sgd_defaults();
    c.lr = lr;
    c.momentum = momentum;
    gg_optim *o = NULL;
    gg_err err;
    gg_optim_new(&o, GG_OPTIM_SGD, &c, 4, &err);
    return o;
}

static void test_object(void)
{
    gg_err err;
    gg_optim *o = new_sgd(0.1, 0.0);
    gg_sched *s = NULL;
    static const long ms[] = {2, 4};
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_MULTISTEP);
    c.multistep.milestones = ms;
    c.multistep.n_milestones = 2;
    c.multistep.gamma = 0.5;
    CHECK_EQ("new multistep", gg_sched_new(&s, &c, o, 0.1, &err), GG_OK);
    c.multistep.milestones = NULL;  // the object keeps its own copy
    for (int k = 0; k < 4; k++)
        gg_sched_step(s, o, 0, &err);
    CHECK("object: lr applied to the optimizer", gg_optim_lr(o) == 0.025);
    CHECK("object: last lr and epoch", gg_sched_last_lr(s) == 0.025 && gg_sched_epoch(s) == 4);
    CHECK("object: kind", gg_sched_kind_of(s) == GG_SCHED_MULTISTEP);
    gg_sched_free(s);

    gg_sched_cfg oc = gg_sched_defaults(GG_SCHED_ONE_CYCLE);
    oc.one_cycle.max_lr = 0.5;
    oc.one_cycle.total_steps = 10;
    CHECK_EQ("one_cycle on sgd without momentum", gg_sched_new(&s, &oc, o, 0.1, &err),
             GG_EINVAL);
    CHECK_CONTAINS("one_cycle: names the problem", err.msg, "cycle_momentum needs an optimizer");
    CHECK("one_cycle: nothing created", s == NULL && gg_optim_lr(o) == 0.025);
    oc.one_cycle.cycle_momentum = 0;
    CHECK_EQ("one_cycle without cycling momentum", gg_sched_new(&s, &oc, o, 0.1, &err), GG_OK);
    gg_sched_free(s);
    gg_optim_free(o);

    o = new_sgd(0.1, 0.9);
    oc.one_cycle.cycle_momentum = 1;
    CHECK_EQ("one_cycle on sgd with momentum", gg_sched_new(&s, &oc, o, 0.1, &err), GG_OK);
    CHECK("one_cycle: momentum set to max", gg_optim_momentum(o) == 0.95);
    for (int k = 0; k < 10; k++)
        CHECK_EQ("one_cycle: step", gg_sched_step(s, o, 0, &err), GG_OK);
    double lr = gg_optim_lr(o), m = gg_optim_momentum(o);
    CHECK_EQ("one_cycle: step 11 fails", gg_sched_step(s, o, 0, &err), GG_EINVAL);
    CHECK_CONTAINS("one_cycle: message names the scheduler", err.msg,
                   "one_cycle_lr: tried to step 12 times");
    CHECK("one_cycle: optimizer unchanged", gg_optim_lr(o) == lr && gg_optim_momentum(o) == m);
    gg_sched_free(s);
    gg_optim_free(o);

    gg_adam_cfg ac = gg_adam_defaults();
    gg_optim_new(&o, GG_OPTIM_ADAM, &ac, 4, &err);
    CHECK_EQ("one_cycle on adam", gg_sched_new(&s, &oc, o, 0.1, &err), GG_OK);
    gg_sched_step(s, o, 0, &err);
    CHECK("one_cycle: cycles adam's beta1", gg_optim_momentum(o) < 0.95 &&
                                                gg_optim_momentum(o) > 0.85);
    gg_sched_free(s);
    gg_optim_free(o);

    gg_sched_free(NULL);
    CHECK("free(NULL) is a no-op", 1);
}

/* LambdaLR's factor for the tests: (e + 1) * *ctx, failing at epoch 5. */
static gg_status test_factor(void *ctx, long epoch, double *factor, gg_err *err)
{
    if (epoch == 5)
        return gg_err_set(err, GG_EINVAL, "stop at %ld", epoch);
    *factor = (double)(epoch + 1) * *(const double *)ctx;
    return GG_OK;
}

static void test_lambda_sequential(void)
{
    gg_err err;
    double scale = 1.0, lr[8];
    gg_sched_cfg lc = gg_sched_defaults(GG_SCHED_LAMBDA);
    CHECK_EQ("lambda: a factor function is required", gg_sched_check(&lc, &err), GG_EINVAL);
    lc.lambda.factor = test_factor;
    lc.lambda.ctx = &scale;
    CHECK_EQ("lambda: pure steps until the factor fails", run(&lc, 0.2, 6, NULL, lr, NULL), 4);
    int exact = 1;
    for (int k = 0; k <= 4; k++)
        exact &= lr[k] == 0.2 * (double)(k + 1);
    CHECK("lambda: lr = base_lr * factor(epoch)", exact);
    gg_sched_state st;
    gg_sched_init(&lc, &st, 0.2, 0.2, &err);
    gg_sched_next(&lc, &st, st.lr, 0, &err);
    CHECK("lambda: restart is factor(0)",
          gg_sched_restart(&lc, &st, &err) == GG_OK && st.lr == 0.2 && st.epoch == 0);

    gg_optim *o = new_sgd(0.1, 0.0);
    gg_sched *l = NULL, *k = NULL, *e = NULL, *q = NULL, *p = NULL;
    gg_sched_cfg kc = gg_sched_defaults(GG_SCHED_CONSTANT);
    kc.constant.factor = 0.5;
    kc.constant.total_iters = 2;
    gg_sched_cfg ec = gg_sched_defaults(GG_SCHED_EXPONENTIAL);
    ec.exponential.gamma = 0.5;
    gg_sched_new(&k, &kc, o, 0.1, &err);
    gg_sched_new(&l, &lc, o, 0.1, &err);
    gg_sched_new(&e, &ec, o, 0.1, &err);
    CHECK("lambda object: sets the optimizer's lr", gg_optim_lr(o) == 0.1 * 1.0);
    gg_sched *kids[] = {k, l, e};
    long ms[] = {3, 5};
    gg_sched_cfg qc = gg_sched_defaults(GG_SCHED_SEQUENTIAL);
    qc.sequential.children = kids;
    qc.sequential.n_children = 3;
    qc.sequential.milestones = ms;
    CHECK_EQ("sequential: pure layer refuses it", run(&qc, 0.1, 1, NULL, lr, NULL), -1);
    CHECK_EQ("sequential: new", gg_sched_new(&q, &qc, o, 0.1, &err), GG_OK);
    ms[0] = 99;  // the object keeps its own copies
    kids[0] = NULL;
    CHECK("sequential: the first scheduler's initial step from base_lr",
          gg_optim_lr(o) == 0.1 * 0.5 && gg_sched_last_lr(q) == gg_optim_lr(o));
    // constant (epochs 1-2), lambda restarted at 3 (factor(0), then factor(1)), exponential
    // restarted at 5 (base_lr), then * gamma.
    const double want[] = {0.05, 0.1, 0.1, 0.2, 0.1, 0.05, 0.025};
    int ok = 1;
    for (int i = 0; i < 7; i++) {
        ok &= gg_sched_step(q, o, 0, &err) == GG_OK;
        ok &= fabs(gg_optim_lr(o) - want[i]) <= 1e-15 && gg_sched_last_lr(q) == gg_optim_lr(o);
        ok &= gg_sched_epoch(q) == i + 1;
    }
    CHECK("sequential: milestones switch and restart the schedulers", ok);
    CHECK_EQ("sequential: kind", gg_sched_kind_of(q), GG_SCHED_SEQUENTIAL);
    CHECK("kind names", strcmp(gg_sched_kind_name(GG_SCHED_LAMBDA), "lambda_lr") == 0 &&
                            strcmp(gg_sched_kind_name(GG_SCHED_SEQUENTIAL), "sequential_lr") == 0);
    gg_sched_free(q);

    gg_sched *two[] = {l, e};
    long m1[] = {1};
    qc.sequential.children = two;
    qc.sequential.n_children = 2;
    qc.sequential.milestones = m1;
    CHECK_EQ("sequential over a lambda", gg_sched_new(&q, &qc, o, 0.1, &err), GG_OK);
    // the lambda's epochs continue from its restart at construction; factor(5) fails
    m1[0] = 0;
    for (int i = 0; i < 4; i++)
        gg_sched_step(l, o, 0, &err);
    CHECK_EQ("lambda: the factor's error stops the step", gg_sched_step(l, o, 0, &err),
             GG_EINVAL);
    CHECK("lambda: its message passes unchanged", strcmp(err.msg, "stop at 5") == 0);
    CHECK("lambda: state unchanged on error", gg_sched_epoch(l) == 4);
    gg_sched_free(q);

    gg_sched_cfg pc = gg_sched_defaults(GG_SCHED_PLATEAU);
    gg_sched_new(&p, &pc, o, 0.1, &err);
    gg_sched *bad[] = {e, p};
    qc.sequential.children = bad;
    m1[0] = 2;
    CHECK_EQ("sequential: no plateau", gg_sched_new(&q, &qc, o, 0.1, &err), GG_EINVAL);
    CHECK_CONTAINS("sequential: names the child", err.msg,
                   "schedulers[2] is a reduce_lr_on_plateau, which sequential_lr cannot hold");
    qc.sequential.children = two;
    m1[0] = 0;
    CHECK_EQ("sequential: milestone 0", gg_sched_new(&q, &qc, o, 0.1, &err), GG_EINVAL);
    CHECK_CONTAINS("sequential: names the milestone", err.msg,
                   "milestones must be non-decreasing positive integers, got 0 at 1");
    gg_sched *three[] = {k, l, e};
    long m2[] = {3, 2};
    qc.sequential.children = three;
    qc.sequential.n_children = 3;
    qc.sequential.milestones = m2;
    CHECK_EQ("sequential: decreasing milestones", gg_sched_new(&q, &qc, o, 0.1, &err), GG_EINVAL);
    CHECK_CONTAINS("sequential: names the milestone", err.msg, "got 2 at 2");
    CHECK("sequential: nothing created", q == NULL);
    gg_sched_free(p);
    gg_sched_free(k);
    gg_sched_free(l);
    gg_sched_free(e);
    gg_optim_free(o);
}

/* Checkpoints: a plateau scheduler's state (best, counters) copied into a fresh one with
 * gg_sched_set_state, and the optimizer's lr, make the next steps identical; a sequential's
 * children are reached through gg_sched_child. */
static void test_checkpoint_state(void)
{
    gg_err err;
    gg_optim *o1 = new_sgd(0.1, 0.0), *o2 = new_sgd(0.1, 0.0);
    gg_sched *s1 = NULL, *s2 = NULL;
    gg_sched_cfg c = gg_sched_defaults(GG_SCHED_PLATEAU);
    c.plateau.patience = 1;
    c.plateau.factor = 0.5;
    CHECK("checkpoint: new", gg_sched_new(&s1, &c, o1, 0.1, &err) == GG_OK &&
                                 gg_sched_new(&s2, &c, o2, 0.1, &err) == GG_OK);
    static const double metric[] = {1.0, 0.9, 0.95, 0.97, 0.96, 0.5, 0.6, 0.7};
    for (int k = 0; k < 4; k++)
        gg_sched_step(s1, o1, metric[k], &err);
    CHECK_EQ("checkpoint: no children", (long)gg_sched_nchildren(s1), 0);
    gg_sched_set_state(s2, gg_sched_get_state(s1));
    gg_optim_set_lr(o2, gg_optim_lr(o1), &err);
    int same = 1;
    for (int k = 4; k < 8; k++) {
        gg_sched_step(s1, o1, metric[k], &err);
        gg_sched_step(s2, o2, metric[k], &err);
        same &= gg_optim_lr(o1) == gg_optim_lr(o2) && gg_sched_epoch(s1) == gg_sched_epoch(s2);
    }
    CHECK("checkpoint: resumed plateau steps identical", same);
    CHECK("checkpoint: the plateau reduced the lr", gg_optim_lr(o1) < 0.1);
    gg_sched_free(s1);
    gg_sched_free(s2);

    gg_sched *k1 = NULL, *k2 = NULL, *q = NULL;
    gg_sched_cfg kc = gg_sched_defaults(GG_SCHED_CONSTANT), ec = gg_sched_defaults(GG_SCHED_EXPONENTIAL);
    ec.exponential.gamma = 0.5;
    CHECK("checkpoint: children", gg_sched_new(&k1, &kc, o1, 0.1, &err) == GG_OK &&
                                      gg_sched_new(&k2, &ec, o1, 0.1, &err) == GG_OK);
    gg_sched *kids[] = {k1, k2};
    static const long ms[] = {2};
    gg_sched_cfg qc = gg_sched_defaults(GG_SCHED_SEQUENTIAL);
    qc.sequential.children = kids;
    qc.sequential.n_children = 2;
    qc.sequential.milestones = ms;
    CHECK_EQ("checkpoint: sequential", gg_sched_new(&q, &qc, o1, 0.1, &err), GG_OK);
    CHECK("checkpoint: sequential's children", gg_sched_nchildren(q) == 2 && gg_sched_child(q, 0) == k1 &&
                                                   gg_sched_child(q, 1) == k2);
    gg_sched_free(q);
    gg_sched_free(k1);
    gg_sched_free(k2);
    gg_optim_free(o1);
    gg_optim_free(o2);
}

int main(void)
{
    test_step_multistep_exponential();
    test_cosine();
    test_warm_restarts();
    test_plateau();
    test_one_cycle();
    test_linear_constant();
    test_restart();
    test_validation();
    test_object();
    test_lambda_sequential();
    test_checkpoint_state();
    return CHECK_DONE();
}
