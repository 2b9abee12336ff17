/* tests/test_optim.c — SGD and Adam steps against values computed in double following
 * docs/semantics.md (PyTorch 1.13 single-tensor path), the read-only gradient contract,
 * config validation messages, and the owning gg_optim object. The kernels work in float32,
 * so parameters agree with the double references to ~1e-7 relative; we allow 1e-6. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "optim.h"

enum { N = 5, STEPS = 3 };

static const float p0[N] = {1.0f, -2.0f, 0.5f, 3.0f, -0.25f};

/* Gradient of step t (1-based): varies with t so momentum/averages are exercised.
 * Element 4 goes 10, 0.1, 0.1 so amsgrad's running max differs from v. */
static void grad_at(int t, float *g)
{
    static const float base[N] = {0.5f, -1.0f, 2.0f, 0.0f, 0.0f};
    for (int i = 0; i < 4; i++)
        g[i] = base[i] + 0.25f * (float)t * (i % 2 ? -1.0f : 1.0f);
    g[4] = t == 1 ? 10.0f : 0.1f;
}

/* max_i |got - want| / max(|want|, 0.1): relative, but not blown up near zero. */
static double vec_err(const float *got, const double *want, int n)
{
    double e = 0.0;
    for (int i = 0; i < n; i++)
        e = fmax(e, fabs((double)got[i] - want[i]) / fmax(fabs(want[i]), 0.1));
    return e;
}

/* ---- SGD ---- */

static void sgd_ref(const gg_sgd_cfg *c, double *p, double *b, int t, const float *gf)
{
    for (int i = 0; i < N; i++) {
        double g = (double)gf[i];
        if (c->weight_decay != 0.0)
            g += c->weight_decay * p[i];
        if (c->momentum != 0.0) {
            b[i] = t == 1 ? g : c->momentum * b[i] + (1.0 - c->dampening) * g;
            g = c->nesterov ? g + c->momentum * b[i] : b[i];
        }
        p[i] -= c->lr * g;
    }
}

static void run_sgd(const char *what, gg_sgd_cfg c)
{
    float p[N], buf[N], g[N], gcopy[N];
    double pd[N], bd[N] = {0};
    int started = 0, grad_intact = 1;
    memcpy(p, p0, sizeof p);
    memset(buf, 0, sizeof buf);
    for (int i = 0; i < N; i++)
        pd[i] = (double)p0[i];
    char name[128];
    for (int t = 1; t <= STEPS; t++) {
        grad_at(t, g);
        memcpy(gcopy, g, sizeof g);
        gg_sgd_step(&c, buf, &started, p, g, N);
        sgd_ref(&c, pd, bd, t, g);
        grad_intact &= memcmp(g, gcopy, sizeof g) == 0;
        snprintf(name, sizeof name, "sgd %s: params after step %d", what, t);
        CHECK_NEAR(name, vec_err(p, pd, N), 0.0, 1e-6);
        if (c.momentum != 0.0) {
            snprintf(name, sizeof name, "sgd %s: momentum buffer after step %d", what, t);
            CHECK_NEAR(name, vec_err(buf, bd, N), 0.0, 1e-6);
        }
        snprintf(name, sizeof name, "sgd %s: started flag set", what);
        CHECK_EQ(name, started, 1);
    }
    snprintf(name, sizeof name, "sgd %s: gradient not modified", what);
    CHECK(name, grad_intact);
}

static void test_sgd(void)
{
    gg_sgd_cfg d = gg_sgd_defaults();
    CHECK("sgd default lr 0.01", d.lr == 0.01);
    CHECK("sgd defaults zero", d.momentum == 0.0 && d.dampening == 0.0 && d.weight_decay == 0.0 && !d.nesterov);

    // One plain step by hand: p - 0.1 g with g(t=1) = (0.75, -1.25, 2.25, -0.25, 10).
    gg_sgd_cfg c = {.lr = 0.1};
    float p[N], g[N], buf[N] = {0};
    int started = 0;
    memcpy(p, p0, sizeof p);
    grad_at(1, g);
    gg_sgd_step(&c, buf, &started, p, g, N);
    const double hand[N] = {1.0 - 0.075, -2.0 + 0.125, 0.5 - 0.225, 3.0 + 0.025, -0.25 - 1.0};
    CHECK_NEAR("sgd plain step by hand", vec_err(p, hand, N), 0.0, 1e-6);
    // Plain SGD works with a NULL buffer (no momentum state is allocated).
    memcpy(p, p0, sizeof p);
    started = 0;
    gg_sgd_step(&c, NULL, &started, p, g, N);
    CHECK_NEAR("sgd plain step with NULL buffer", vec_err(p, hand, N), 0.0, 1e-6);

    // Momentum by hand on element 0, mu = 0.9, lr = 0.1: g = 0.75, 1.0, 1.25;
    // b = 0.75, 0.9*0.75+1.0 = 1.675, 0.9*1.675+1.25 = 2.7575; p = 1 - 0.1*(0.75+1.675+2.7575).
    c = (gg_sgd_cfg){.lr = 0.1, .momentum = 0.9};
    memcpy(p, p0, sizeof p);
    memset(buf, 0, sizeof buf);
    started = 0;
    for (int t = 1; t <= 3; t++) {
        grad_at(t, g);
        gg_sgd_step(&c, buf, &started, p, g, N);
        if (t == 1)
            CHECK("sgd momentum first step: buffer = g exactly", buf[0] == 0.75f && buf[4] == 10.0f);
    }
    CHECK_REL("sgd momentum 3 steps by hand: buffer", buf[0], 2.7575, 1e-6);
    CHECK_REL("sgd momentum 3 steps by hand: param", p[0], 1.0 - 0.1 * (0.75 + 1.675 + 2.7575), 1e-6);

    // Dampening 0.5: first step undampened, b = 0.75, then 0.9*0.75 + 0.5*1.0 = 1.175.
    c = (gg_sgd_cfg){.lr = 0.1, .momentum = 0.9, .dampening = 0.5};
    memcpy(p, p0, sizeof p);
    memset(buf, 0, sizeof buf);
    started = 0;
    grad_at(1, g);
    gg_sgd_step(&c, buf, &started, p, g, N);
    CHECK_REL("sgd dampening: first step undampened", buf[0], 0.75, 1e-7);
    grad_at(2, g);
    gg_sgd_step(&c, buf, &started, p, g, N);
    CHECK_REL("sgd dampening: second step dampened", buf[0], 1.175, 1e-6);
    CHECK_REL("sgd dampening: param", p[0], 1.0 - 0.1 * (0.75 + 1.175), 1e-6);

    // Nesterov: step 1 g + mu*b = 0.75 + 0.675 = 1.425; step 2 b = 1.675, 1.0 + 0.9*1.675 = 2.5075.
    c = (gg_sgd_cfg){.lr = 0.1, .momentum = 0.9, .nesterov = 1};
    memcpy(p, p0, sizeof p);
    memset(buf, 0, sizeof buf);
    started = 0;
    grad_at(1, g);
    gg_sgd_step(&c, buf, &started, p, g, N);
    CHECK_REL("sgd nesterov step 1 by hand", p[0], 1.0 - 0.1 * 1.425, 1e-6);
    grad_at(2, g);
    gg_sgd_step(&c, buf, &started, p, g, N);
    CHECK_REL("sgd nesterov step 2 by hand", p[0], 1.0 - 0.1 * (1.425 + 2.5075), 1e-6);

    // Weight decay 0.1 on element 3 (g = -0.25, p = 3): d = -0.25 + 0.3 = 0.05.
    c = (gg_sgd_cfg){.lr = 0.1, .weight_decay = 0.1};
    memcpy(p, p0, sizeof p);
    started = 0;
    grad_at(1, g);
    gg_sgd_step(&c, NULL, &started, p, g, N);
    CHECK_REL("sgd weight_decay by hand", p[3], 3.0 - 0.1 * 0.05, 1e-7);

    // Three steps of every variant against the double reference.
    run_sgd("plain", (gg_sgd_cfg){.lr = 0.1});
    run_sgd("momentum", (gg_sgd_cfg){.lr = 0.1, .momentum = 0.9});
    run_sgd("momentum+dampening", (gg_sgd_cfg){.lr = 0.05, .momentum = 0.8, .dampening = 0.3});
    run_sgd("nesterov", (gg_sgd_cfg){.lr = 0.1, .momentum = 0.9, .nesterov = 1});
    run_sgd("weight_decay", (gg_sgd_cfg){.lr = 0.1, .weight_decay = 0.01});
    run_sgd("all", (gg_sgd_cfg){.lr = 0.03, .momentum = 0.5, .weight_decay = 0.2, .nesterov = 1});
}

/* ---- Adam ---- */

static void adam_ref(const gg_adam_cfg *c, int t, double *p, double *m, double *v, double *vmax,
                     const float *gf)
{
    double bc1 = 1.0 - pow(c->beta1, t), bc2 = 1.0 - pow(c->beta2, t);
    for (int i = 0; i < N; i++) {
        double g = (double)gf[i] + c->weight_decay * p[i];
        m[i] = c->beta1 * m[i] + (1.0 - c->beta1) * g;
        v[i] = c->beta2 * v[i] + (1.0 - c->beta2) * g * g;
        double s = v[i];
        if (c->amsgrad) {
            vmax[i] = fmax(vmax[i], v[i]);
            s = vmax[i];
        }
        double denom = sqrt(s) / sqrt(bc2) + c->eps;
        p[i] -= c->lr / bc1 * m[i] / denom;
    }
}

static void run_adam(const char *what, gg_adam_cfg c)
{
    float p[N], m[N] = {0}, v[N] = {0}, vmax[N] = {0}, g[N], gcopy[N];
    double pd[N], md[N] = {0}, vd[N] = {0}, vmd[N] = {0};
    int grad_intact = 1;
    memcpy(p, p0, sizeof p);
    for (int i = 0; i < N; i++)
        pd[i] = (double)p0[i];
    char name[128];
    for (int t = 1; t <= STEPS; t++) {
        grad_at(t, g);
        memcpy(gcopy, g, sizeof g);
        gg_adam_step(&c, t, m, v, c.amsgrad ? vmax : NULL, p, g, N);
        adam_ref(&c, t, pd, md, vd, vmd, g);
        grad_intact &= memcmp(g, gcopy, sizeof g) == 0;
        snprintf(name, sizeof name, "adam %s: params after step %d", what, t);
        CHECK_NEAR(name, vec_err(p, pd, N), 0.0, 1e-6);
        snprintf(name, sizeof name, "adam %s: m after step %d", what, t);
        CHECK_NEAR(name, vec_err(m, md, N), 0.0, 1e-6);
        double ve = 0.0;  // v is tiny (1e-3 g^2): compare relatively without the 0.1 floor
        for (int i = 0; i < N; i++)
            ve = fmax(ve, fabs((double)v[i] - vd[i]) / fmax(vd[i], 1e-30));
        snprintf(name, sizeof name, "adam %s: v after step %d", what, t);
        CHECK_NEAR(name, ve, 0.0, 1e-6);
        if (c.amsgrad) {
            double me = 0.0;
            for (int i = 0; i < N; i++)
                me = fmax(me, fabs((double)vmax[i] - vmd[i]) / fmax(vmd[i], 1e-30));
            snprintf(name, sizeof name, "adam %s: vmax after step %d", what, t);
            CHECK_NEAR(name, me, 0.0, 1e-6);
        }
    }
    snprintf(name, sizeof name, "adam %s: gradient not modified", what);
    CHECK(name, grad_intact);
}

static void test_adam(void)
{
    gg_adam_cfg d = gg_adam_defaults();
    CHECK("adam defaults", d.lr == 1e-3 && d.beta1 == 0.9 && d.beta2 == 0.999 && d.eps == 1e-8 &&
                               d.weight_decay == 0.0 && !d.amsgrad);

    // Step 1 by hand: m = 0.1 g, v = 0.001 g^2, mhat = g, vhat = g^2, so p -= lr * g/(|g| + eps)
    // = lr * sign(g) (up to eps); element 3 (g = -0.25) moves +lr.
    gg_adam_cfg c = d;
    float p[N], m[N] = {0}, v[N] = {0}, g[N];
    memcpy(p, p0, sizeof p);
    grad_at(1, g);
    gg_adam_step(&c, 1, m, v, NULL, p, g, N);
    CHECK_REL("adam step 1 moves by lr: element 0", p[0], 1.0 - 1e-3, 1e-6);
    CHECK_REL("adam step 1 moves by lr: element 1", p[1], -2.0 + 1e-3, 1e-6);
    CHECK_REL("adam step 1 moves by lr: element 3", p[3], 3.0 + 1e-3, 1e-6);
    CHECK_REL("adam step 1 m = 0.1 g", m[4], 1.0, 1e-6);
    CHECK_REL("adam step 1 v = 0.001 g^2", v[4], 0.1, 1e-6);

    // Step 2 by hand on element 0: g1 = 0.75, g2 = 1.0.
    // m2 = 0.9*0.075 + 0.1 = 0.1675; v2 = 0.999*0.0005625 + 0.001 = 0.0015619375
    // bc1 = 0.19, bc2 = 0.001999; p = 0.999 - 1e-3/0.19 * m2 / (sqrt(v2)/sqrt(bc2) + 1e-8).
    grad_at(2, g);
    gg_adam_step(&c, 2, m, v, NULL, p, g, N);
    double m2 = 0.9 * 0.075 + 0.1, v2 = 0.999 * 0.0005625 + 0.001 * 1.0;
    double p2 = 0.999 - 1e-3 / 0.19 * m2 / (sqrt(v2) / sqrt(0.001999) + 1e-8);
    CHECK_REL("adam step 2 by hand: m", m[0], m2, 1e-6);
    CHECK_REL("adam step 2 by hand: v", v[0], v2, 1e-6);
    CHECK_REL("adam step 2 by hand: p", p[0], p2, 1e-6);

    run_adam("default", (gg_adam_cfg){.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8});
    run_adam("amsgrad", (gg_adam_cfg){.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .amsgrad = 1});
    run_adam("weight_decay", (gg_adam_cfg){.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
                                           .weight_decay = 0.1});
    run_adam("betas (0.5,0.9) eps 0.1", (gg_adam_cfg){.lr = 0.05, .beta1 = 0.5, .beta2 = 0.9, .eps = 0.1});
    run_adam("beta1 0", (gg_adam_cfg){.lr = 0.01, .beta1 = 0.0, .beta2 = 0.999, .eps = 1e-8, .amsgrad = 1});

    // amsgrad uses the running max: element 4 has g = 10 then 0.1, so v falls but vmax stays.
    float pa[N], pn[N], ma[N] = {0}, va[N] = {0}, vm[N] = {0}, mn[N] = {0}, vn[N] = {0};
    gg_adam_cfg ca = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .amsgrad = 1};
    gg_adam_cfg cn = ca;
    cn.amsgrad = 0;
    memcpy(pa, p0, sizeof pa);
    memcpy(pn, p0, sizeof pn);
    for (int t = 1; t <= 2; t++) {
        grad_at(t, g);
        gg_adam_step(&ca, t, ma, va, vm, pa, g, N);
        gg_adam_step(&cn, t, mn, vn, NULL, pn, g, N);
    }
    CHECK("amsgrad: v decreased on element 4", va[4] < vm[4]);
    CHECK_REL("amsgrad: vmax kept step 1's v = 0.001 * 10^2", vm[4], 0.1, 1e-6);
    CHECK("amsgrad changes the step when v decreases", pa[4] != pn[4]);
}

/* ---- validation ---- */

static void check_bad_sgd(const char *name, gg_sgd_cfg c, const char *param)
{
    gg_err err;
    memset(&err, 0, sizeof err);
    char n2[128];
    CHECK_EQ(name, gg_sgd_check(&c, &err), GG_EINVAL);
    snprintf(n2, sizeof n2, "%s: message names %s", name, param);
    CHECK_CONTAINS(n2, err.msg, param);
    gg_optim *o = (gg_optim *)&err;  // must be reset to NULL
    snprintf(n2, sizeof n2, "%s: gg_optim_new rejects", name);
    CHECK_EQ(n2, gg_optim_new(&o, GG_OPTIM_SGD, &c, 4, &err), GG_EINVAL);
    snprintf(n2, sizeof n2, "%s: *out is NULL on failure", name);
    CHECK(n2, o == NULL);
}

static void check_bad_adam(const char *name, gg_adam_cfg c, const char *param)
{
    gg_err err;
    memset(&err, 0, sizeof err);
    char n2[128];
    CHECK_EQ(name, gg_adam_check(&c, &err), GG_EINVAL);
    snprintf(n2, sizeof n2, "%s: message names %s", name, param);
    CHECK_CONTAINS(n2, err.msg, param);
    gg_optim *o = (gg_optim *)&err;
    snprintf(n2, sizeof n2, "%s: gg_optim_new rejects", name);
    CHECK_EQ(n2, gg_optim_new(&o, GG_OPTIM_ADAM, &c, 4, &err), GG_EINVAL);
    snprintf(n2, sizeof n2, "%s: *out is NULL on failure", name);
    CHECK(n2, o == NULL);
}

static void test_validation(void)
{
    gg_sgd_cfg s = gg_sgd_defaults();
    gg_err err;
    CHECK_EQ("sgd defaults valid", gg_sgd_check(&s, &err), GG_OK);
    CHECK_EQ("sgd check with err NULL", gg_sgd_check(&s, NULL), GG_OK);
    s.lr = 0.0;
    check_bad_sgd("sgd lr 0", s, "lr");
    s.lr = -1.0;
    check_bad_sgd("sgd lr -1", s, "lr");
    s.lr = NAN;
    check_bad_sgd("sgd lr NaN", s, "lr");
    s.lr = INFINITY;
    check_bad_sgd("sgd lr inf", s, "lr");
    s = gg_sgd_defaults();
    s.momentum = -0.1;
    check_bad_sgd("sgd momentum < 0", s, "momentum");
    s.momentum = NAN;
    check_bad_sgd("sgd momentum NaN", s, "momentum");
    s = gg_sgd_defaults();
    s.dampening = -0.5;
    check_bad_sgd("sgd dampening < 0", s, "dampening");
    s = gg_sgd_defaults();
    s.weight_decay = -1e-4;
    check_bad_sgd("sgd weight_decay < 0", s, "weight_decay");
    s = gg_sgd_defaults();
    s.nesterov = 1;
    check_bad_sgd("sgd nesterov without momentum", s, "nesterov");
    s.momentum = 0.9;
    s.dampening = 0.1;
    check_bad_sgd("sgd nesterov with dampening", s, "nesterov");
    s.dampening = 0.0;
    CHECK_EQ("sgd nesterov with momentum valid", gg_sgd_check(&s, &err), GG_OK);

    gg_adam_cfg a = gg_adam_defaults();
    CHECK_EQ("adam defaults valid", gg_adam_check(&a, &err), GG_OK);
    a.lr = 0.0;
    check_bad_adam("adam lr 0", a, "lr");
    a.lr = NAN;
    check_bad_adam("adam lr NaN", a, "lr");
    a = gg_adam_defaults();
    a.beta1 = 1.0;
    check_bad_adam("adam beta1 = 1", a, "betas");
    a.beta1 = -0.1;
    check_bad_adam("adam beta1 < 0", a, "betas");
    a.beta1 = NAN;
    check_bad_adam("adam beta1 NaN", a, "betas");
    a = gg_adam_defaults();
    a.beta2 = 1.0;
    check_bad_adam("adam beta2 = 1", a, "betas");
    a = gg_adam_defaults();
    a.eps = -1e-8;
    check_bad_adam("adam eps < 0", a, "eps");
    a = gg_adam_defaults();
    a.weight_decay = -1.0;
    check_bad_adam("adam weight_decay < 0", a, "weight_decay");
    a = gg_adam_defaults();
    a.beta1 = 0.0;
    a.eps = 0.0;
    CHECK_EQ("adam beta1 0 and eps 0 valid", gg_adam_check(&a, &err), GG_OK);
}

/* ---- gg_optim ---- */

static void test_object(void)
{
    gg_err err;
    gg_optim *o = NULL;
    gg_adam_cfg ac = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .amsgrad = 1};
    CHECK_EQ("optim_new adam", gg_optim_new(&o, GG_OPTIM_ADAM, &ac, N, &err), GG_OK);
    CHECK("optim_new gives an object", o != NULL);
    if (!o)
        return;
    ac.lr = 123.0;  // the config was copied
    CHECK_EQ("kind", gg_optim_kind_of(o), GG_OPTIM_ADAM);
    CHECK_EQ("size", gg_optim_size(o), N);
    CHECK_EQ("no steps yet", gg_optim_steps(o), 0);
    CHECK("lr is the copied config's", gg_optim_lr(o) == 0.01);

    // Three object steps equal three kernel steps bit for bit.
    ac.lr = 0.01;
    float p[N], q[N], g[N], m[N] = {0}, v[N] = {0}, vm[N] = {0};
    memcpy(p, p0, sizeof p);
    memcpy(q, p0, sizeof q);
    for (int t = 1; t <= 3; t++) {
        grad_at(t, g);
        gg_optim_step(o, p, g);
        gg_adam_step(&ac, t, m, v, vm, q, g, N);
    }
    CHECK_EQ("three steps counted", gg_optim_steps(o), 3);
    CHECK("object steps equal kernel steps", memcmp(p, q, sizeof p) == 0);

    // reset: a step after reset equals a fresh optimizer's first step.
    gg_optim_reset(o);
    CHECK_EQ("reset clears the step count", gg_optim_steps(o), 0);
    memcpy(p, p0, sizeof p);
    memcpy(q, p0, sizeof q);
    memset(m, 0, sizeof m), memset(v, 0, sizeof v), memset(vm, 0, sizeof vm);
    grad_at(1, g);
    gg_optim_step(o, p, g);
    gg_adam_step(&ac, 1, m, v, vm, q, g, N);
    CHECK("after reset the step is a first step", memcmp(p, q, sizeof p) == 0);

    // set_lr.
    CHECK_EQ("set_lr valid", gg_optim_set_lr(o, 0.5, &err), GG_OK);
    CHECK("set_lr took", gg_optim_lr(o) == 0.5);
    memset(&err, 0, sizeof err);
    CHECK_EQ("set_lr 0 rejected", gg_optim_set_lr(o, 0.0, &err), GG_EINVAL);
    CHECK_CONTAINS("set_lr message names lr", err.msg, "lr");
    CHECK_EQ("set_lr NaN rejected", gg_optim_set_lr(o, NAN, &err), GG_EINVAL);
    CHECK_EQ("set_lr inf rejected", gg_optim_set_lr(o, INFINITY, &err), GG_EINVAL);
    CHECK_EQ("set_lr -1 rejected", gg_optim_set_lr(o, -1.0, &err), GG_EINVAL);
    CHECK("rejected set_lr keeps the old lr", gg_optim_lr(o) == 0.5);
    gg_optim_free(o);
    gg_optim_free(NULL);

    // SGD object with momentum: first-step rule after reset, set_lr changes the step.
    gg_sgd_cfg sc = {.lr = 0.1, .momentum = 0.9};
    CHECK_EQ("optim_new sgd", gg_optim_new(&o, GG_OPTIM_SGD, &sc, N, &err), GG_OK);
    if (!o)
        return;
    CHECK_EQ("sgd kind", gg_optim_kind_of(o), GG_OPTIM_SGD);
    memcpy(p, p0, sizeof p);
    grad_at(1, g);
    gg_optim_step(o, p, g);
    gg_optim_step(o, p, g);
    CHECK_EQ("sgd two steps counted", gg_optim_steps(o), 2);
    // Two equal gradients: b = g then 1.9 g; p = p0 - 0.1 * 2.9 g.
    CHECK_REL("sgd object momentum", p[0], 1.0 - 0.1 * 2.9 * 0.75, 1e-6);
    gg_optim_reset(o);
    memcpy(p, p0, sizeof p);
    gg_optim_step(o, p, g);
    CHECK_REL("sgd after reset: buffer restarts at g", p[0], 1.0 - 0.1 * 0.75, 1e-6);
    CHECK_EQ("sgd set_lr", gg_optim_set_lr(o, 0.2, &err), GG_OK);
    CHECK("sgd lr", gg_optim_lr(o) == 0.2);
    gg_optim_free(o);

    // Plain SGD object (no buffer) on zero parameters is fine.
    sc = (gg_sgd_cfg){.lr = 0.1};
    CHECK_EQ("optim_new sgd plain n=0", gg_optim_new(&o, GG_OPTIM_SGD, &sc, 0, &err), GG_OK);
    if (o) {
        memcpy(q, p, sizeof q);
        gg_optim_step(o, p, g);
        CHECK_EQ("n = 0 step counted", gg_optim_steps(o), 1);
        CHECK("n = 0 step touches nothing", memcmp(p, q, sizeof p) == 0);
    }
    gg_optim_free(o);
}

int main(void)
{
    test_sgd();
    test_adam();
    test_validation();
    test_object();
    return CHECK_DONE();
}
