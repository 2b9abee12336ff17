/* tests/test_optim.c — SGD, Adam, AdamW, RMSprop, Adagrad and Keras Adam steps against
 * values computed in double following docs/semantics.md (PyTorch 1.13 single-tensor path),
 * the read-only gradient contract, config validation messages, and the owning gg_optim
 * object. The kernels work in float32, so parameters agree with the double references to
 * ~1e-7 relative; we allow 1e-6. Each new kernel is also compared bit for bit with a plain
 * float loop in PyTorch's operation order (the kernels are multi-versioned clones). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "detmath.h"
#include "optim.h"
#include "simd.h"

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

/* ---- shared helpers of the newer kinds ---- */

/* Relative error of a state vector without the 0.1 floor (squares are tiny). */
static double state_err(const float *got, const double *want, int n)
{
    double e = 0.0;
    for (int i = 0; i < n; i++)
        e = fmax(e, fabs((double)got[i] - want[i]) / fmax(fabs(want[i]), 1e-30));
    return e;
}

/* ---- AdamW ---- */

/* torch AdamW: p *= 1 - lr wd, then Adam without L2. */
static void adamw_ref(const gg_adam_cfg *c, int t, double *p, double *m, double *v, double *vmax,
                      const float *gf)
{
    gg_adam_cfg a = *c;
    a.weight_decay = 0.0;
    for (int i = 0; i < N; i++)
        p[i] *= 1.0 - c->lr * c->weight_decay;
    adam_ref(&a, t, p, m, v, vmax, gf);
}

static void run_adamw(const char *what, gg_adam_cfg c)
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
        gg_adamw_step(&c, t, m, v, c.amsgrad ? vmax : NULL, p, g, N);
        adamw_ref(&c, t, pd, md, vd, vmd, g);
        grad_intact &= memcmp(g, gcopy, sizeof g) == 0;
        snprintf(name, sizeof name, "adamw %s: params after step %d", what, t);
        CHECK_NEAR(name, vec_err(p, pd, N), 0.0, 1e-6);
        snprintf(name, sizeof name, "adamw %s: m after step %d", what, t);
        CHECK_NEAR(name, vec_err(m, md, N), 0.0, 1e-6);
        snprintf(name, sizeof name, "adamw %s: v after step %d", what, t);
        CHECK_NEAR(name, state_err(v, vd, N), 0.0, 1e-6);
        if (c.amsgrad) {
            snprintf(name, sizeof name, "adamw %s: vmax after step %d", what, t);
            CHECK_NEAR(name, state_err(vmax, vmd, N), 0.0, 1e-6);
        }
    }
    snprintf(name, sizeof name, "adamw %s: gradient not modified", what);
    CHECK(name, grad_intact);
}

static void test_adamw(void)
{
    gg_adam_cfg d = gg_adamw_defaults();
    CHECK("adamw defaults", d.lr == 1e-3 && d.beta1 == 0.9 && d.beta2 == 0.999 && d.eps == 1e-8 &&
                                d.weight_decay == 1e-2 && !d.amsgrad);

    // Step 1 by hand, lr 0.01, wd 0.1: p = p0 (1 - 0.001) - 0.01 sign(g) (Adam's first step
    // moves by lr); element 3 has p0 = 3, g = -0.25: 2.997 + 0.01.
    gg_adam_cfg c = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.1};
    float p[N], m[N] = {0}, v[N] = {0}, g[N];
    memcpy(p, p0, sizeof p);
    grad_at(1, g);
    gg_adamw_step(&c, 1, m, v, NULL, p, g, N);
    CHECK_REL("adamw step 1 by hand: element 0", p[0], 0.999 - 0.01, 1e-6);
    CHECK_REL("adamw step 1 by hand: element 1", p[1], -2.0 * 0.999 + 0.01, 1e-6);
    CHECK_REL("adamw step 1 by hand: element 3", p[3], 3.0 * 0.999 + 0.01, 1e-6);
    CHECK_REL("adamw step 1: m = 0.1 g (no L2 in the moments)", m[3], -0.025, 1e-6);

    // Step 2 by hand on element 0: p1 = 0.989, then p2 = 0.989 * 0.999 - (lr/bc1) m2/denom
    // with Adam's m2, v2 of test_adam (the decay does not enter the moments).
    grad_at(2, g);
    gg_adamw_step(&c, 2, m, v, NULL, p, g, N);
    double m2 = 0.9 * 0.075 + 0.1, v2 = 0.999 * 0.0005625 + 0.001;
    double p2 = 0.989 * 0.999 - 0.01 / 0.19 * m2 / (sqrt(v2) / sqrt(0.001999) + 1e-8);
    CHECK_REL("adamw step 2 by hand: p", p[0], p2, 1e-6);

    // wd = 0: AdamW is Adam bit for bit (the shrink by exactly 1 changes nothing).
    float pa[N], pw[N], ma[N] = {0}, va[N] = {0}, mw[N] = {0}, vw[N] = {0};
    gg_adam_cfg c0 = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    memcpy(pa, p0, sizeof pa);
    memcpy(pw, p0, sizeof pw);
    for (int t = 1; t <= STEPS; t++) {
        grad_at(t, g);
        gg_adam_step(&c0, t, ma, va, NULL, pa, g, N);
        gg_adamw_step(&c0, t, mw, vw, NULL, pw, g, N);
    }
    CHECK("adamw wd 0 equals adam bit for bit", memcmp(pa, pw, sizeof pa) == 0);

    // wd > 0: decoupled decay differs from Adam's L2 (which also enters m and v).
    memcpy(pa, p0, sizeof pa);
    memcpy(pw, p0, sizeof pw);
    memset(ma, 0, sizeof ma), memset(va, 0, sizeof va), memset(mw, 0, sizeof mw), memset(vw, 0, sizeof vw);
    for (int t = 1; t <= 2; t++) {
        grad_at(t, g);
        gg_adam_step(&c, t, ma, va, NULL, pa, g, N);
        gg_adamw_step(&c, t, mw, vw, NULL, pw, g, N);
    }
    CHECK("adamw wd differs from adam's L2: m", ma[3] != mw[3]);
    CHECK("adamw wd differs from adam's L2: p", pa[3] != pw[3]);

    run_adamw("default wd", gg_adamw_defaults());
    run_adamw("lr 0.01 wd 0.1", c);
    run_adamw("wd 0.1 amsgrad", (gg_adam_cfg){.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
                                              .weight_decay = 0.1, .amsgrad = 1});
    run_adamw("betas (0.5,0.9) eps 0.1 wd 1", (gg_adam_cfg){.lr = 0.05, .beta1 = 0.5, .beta2 = 0.9,
                                                            .eps = 0.1, .weight_decay = 1.0});

    // amsgrad: element 4 has g = 10 then 0.1; vmax keeps step 1's v = 0.1.
    float vm[N] = {0};
    gg_adam_cfg cam = c;
    cam.amsgrad = 1;
    memcpy(pw, p0, sizeof pw);
    memset(mw, 0, sizeof mw), memset(vw, 0, sizeof vw);
    for (int t = 1; t <= 2; t++) {
        grad_at(t, g);
        gg_adamw_step(&cam, t, mw, vw, vm, pw, g, N);
    }
    CHECK("adamw amsgrad: v decreased on element 4", vw[4] < vm[4]);
    CHECK_REL("adamw amsgrad: vmax kept 0.001 * 10^2", vm[4], 0.1, 1e-6);
}

/* ---- RMSprop ---- */

static void rmsprop_ref(const gg_rmsprop_cfg *c, double *p, double *sq, double *ga, double *buf,
                        const float *gf)
{
    for (int i = 0; i < N; i++) {
        double g = (double)gf[i] + c->weight_decay * p[i];
        sq[i] = c->alpha * sq[i] + (1.0 - c->alpha) * g * g;
        double avg;
        if (c->centered) {
            ga[i] = c->alpha * ga[i] + (1.0 - c->alpha) * g;
            avg = sqrt(sq[i] - ga[i] * ga[i]) + c->eps;
        } else {
            avg = sqrt(sq[i]) + c->eps;
        }
        if (c->momentum > 0.0) {
            buf[i] = c->momentum * buf[i] + g / avg;
            p[i] -= c->lr * buf[i];
        } else {
            p[i] -= c->lr * g / avg;
        }
    }
}

static void run_rmsprop(const char *what, gg_rmsprop_cfg c)
{
    float p[N], sq[N] = {0}, ga[N] = {0}, buf[N] = {0}, g[N], gcopy[N];
    double pd[N], sqd[N] = {0}, gad[N] = {0}, bd[N] = {0};
    int grad_intact = 1;
    memcpy(p, p0, sizeof p);
    for (int i = 0; i < N; i++)
        pd[i] = (double)p0[i];
    char name[128];
    for (int t = 1; t <= STEPS; t++) {
        grad_at(t, g);
        memcpy(gcopy, g, sizeof g);
        gg_rmsprop_step(&c, sq, c.centered ? ga : NULL, c.momentum > 0.0 ? buf : NULL, p, g, N);
        rmsprop_ref(&c, pd, sqd, gad, bd, g);
        grad_intact &= memcmp(g, gcopy, sizeof g) == 0;
        snprintf(name, sizeof name, "rmsprop %s: params after step %d", what, t);
        CHECK_NEAR(name, vec_err(p, pd, N), 0.0, 1e-6);
        snprintf(name, sizeof name, "rmsprop %s: square avg after step %d", what, t);
        CHECK_NEAR(name, state_err(sq, sqd, N), 0.0, 1e-6);
        if (c.centered) {
            snprintf(name, sizeof name, "rmsprop %s: grad avg after step %d", what, t);
            CHECK_NEAR(name, vec_err(ga, gad, N), 0.0, 1e-6);
        }
        if (c.momentum > 0.0) {
            snprintf(name, sizeof name, "rmsprop %s: momentum buffer after step %d", what, t);
            CHECK_NEAR(name, vec_err(buf, bd, N), 0.0, 1e-6);
        }
    }
    snprintf(name, sizeof name, "rmsprop %s: gradient not modified", what);
    CHECK(name, grad_intact);
}

static void test_rmsprop(void)
{
    gg_rmsprop_cfg d = gg_rmsprop_defaults();
    CHECK("rmsprop defaults", d.lr == 1e-2 && d.alpha == 0.99 && d.eps == 1e-8 && d.weight_decay == 0.0 &&
                                  d.momentum == 0.0 && !d.centered);

    // Step 1 by hand: s = 0.01 g^2, avg = 0.1 |g| (+1e-8), p -= 0.01 g / avg = 0.1 sign(g).
    float p[N], sq[N] = {0}, ga[N] = {0}, buf[N] = {0}, g[N];
    memcpy(p, p0, sizeof p);
    grad_at(1, g);
    gg_rmsprop_step(&d, sq, NULL, NULL, p, g, N);
    CHECK_REL("rmsprop step 1 by hand: element 0", p[0], 0.9, 1e-6);
    CHECK_REL("rmsprop step 1 by hand: element 3", p[3], 3.1, 1e-6);
    CHECK_REL("rmsprop step 1: s = 0.01 g^2", sq[4], 1.0, 1e-6);
    // Step 2 on element 0 (g = 1.0): s = 0.99*0.005625 + 0.01 = 0.01556875.
    grad_at(2, g);
    gg_rmsprop_step(&d, sq, NULL, NULL, p, g, N);
    CHECK_REL("rmsprop step 2 by hand: element 0", p[0], 0.9 - 0.01 * 1.0 / (sqrt(0.01556875) + 1e-8), 1e-6);

    // centered, step 1: ga = 0.01 g, s - ga^2 = 0.0099 g^2, so p -= 0.01 sign(g)/sqrt(0.0099).
    gg_rmsprop_cfg cc = d;
    cc.centered = 1;
    memcpy(p, p0, sizeof p);
    memset(sq, 0, sizeof sq);
    grad_at(1, g);
    gg_rmsprop_step(&cc, sq, ga, NULL, p, g, N);
    CHECK_REL("rmsprop centered step 1 by hand", p[0], 1.0 - 0.01 / sqrt(0.0099), 1e-6);
    CHECK_REL("rmsprop centered: grad avg = 0.01 g", ga[4], 0.1, 1e-6);

    // momentum 0.9, two steps on element 0: buf1 = g1/avg1 = 0.75/0.075 = 10,
    // buf2 = 9 + 1/sqrt(0.01556875); p = 1 - 0.01 (buf1 + buf2).
    gg_rmsprop_cfg cm = d;
    cm.momentum = 0.9;
    memcpy(p, p0, sizeof p);
    memset(sq, 0, sizeof sq);
    for (int t = 1; t <= 2; t++) {
        grad_at(t, g);
        gg_rmsprop_step(&cm, sq, NULL, buf, p, g, N);
        if (t == 1)
            CHECK_REL("rmsprop momentum step 1: buffer = g/avg", buf[0], 10.0, 1e-6);
    }
    double b2 = 9.0 + 1.0 / sqrt(0.01556875);
    CHECK_REL("rmsprop momentum step 2 by hand: buffer", buf[0], b2, 1e-6);
    CHECK_REL("rmsprop momentum step 2 by hand: param", p[0], 1.0 - 0.01 * (10.0 + b2), 1e-6);

    // weight_decay 0.1 on element 3 (p = 3, g = -0.25): d = 0.05 > 0, so it moves -0.1
    // where plain RMSprop moves +0.1.
    gg_rmsprop_cfg cw = d;
    cw.weight_decay = 0.1;
    memcpy(p, p0, sizeof p);
    memset(sq, 0, sizeof sq);
    grad_at(1, g);
    gg_rmsprop_step(&cw, sq, NULL, NULL, p, g, N);
    CHECK_REL("rmsprop weight_decay by hand: element 3", p[3], 2.9, 1e-6);
    CHECK_REL("rmsprop weight_decay: s uses the decayed gradient", sq[3], 0.01 * 0.05 * 0.05, 1e-6);

    run_rmsprop("plain", d);
    run_rmsprop("alpha 0.9 eps 0.01", (gg_rmsprop_cfg){.lr = 0.01, .alpha = 0.9, .eps = 0.01});
    run_rmsprop("centered", (gg_rmsprop_cfg){.lr = 0.01, .alpha = 0.9, .eps = 1e-8, .centered = 1});
    run_rmsprop("momentum", (gg_rmsprop_cfg){.lr = 0.01, .alpha = 0.99, .eps = 1e-8, .momentum = 0.9});
    run_rmsprop("weight_decay", (gg_rmsprop_cfg){.lr = 0.01, .alpha = 0.99, .eps = 1e-8, .weight_decay = 0.1});
    run_rmsprop("centered+momentum", (gg_rmsprop_cfg){.lr = 0.005, .alpha = 0.9, .eps = 1e-6,
                                                      .momentum = 0.5, .centered = 1});
    run_rmsprop("centered+momentum+wd", (gg_rmsprop_cfg){.lr = 0.005, .alpha = 0.9, .eps = 1e-6,
                                                         .weight_decay = 0.1, .momentum = 0.5, .centered = 1});
    run_rmsprop("momentum+wd", (gg_rmsprop_cfg){.lr = 0.01, .alpha = 0.5, .eps = 1e-8, .weight_decay = 0.05,
                                                .momentum = 0.3});
    run_rmsprop("centered+wd", (gg_rmsprop_cfg){.lr = 0.01, .alpha = 0.8, .eps = 1e-8, .weight_decay = 0.05,
                                                .centered = 1});
    run_rmsprop("alpha 0", (gg_rmsprop_cfg){.lr = 0.01, .alpha = 0.0, .eps = 1e-8});
}

/* ---- Adagrad ---- */

static void adagrad_ref(const gg_adagrad_cfg *c, int t, double *p, double *sum, const float *gf)
{
    double clr = c->lr / (1.0 + (t - 1) * c->lr_decay);
    for (int i = 0; i < N; i++) {
        double g = (double)gf[i] + c->weight_decay * p[i];
        sum[i] += g * g;
        p[i] -= clr * g / (sqrt(sum[i]) + c->eps);
    }
}

static void run_adagrad(const char *what, gg_adagrad_cfg c)
{
    float p[N], sum[N], g[N], gcopy[N];
    double pd[N], sd[N];
    int grad_intact = 1;
    memcpy(p, p0, sizeof p);
    for (int i = 0; i < N; i++) {
        pd[i] = (double)p0[i];
        sum[i] = (float)c.initial_accumulator_value;
        sd[i] = (double)sum[i];
    }
    char name[128];
    for (int t = 1; t <= STEPS; t++) {
        grad_at(t, g);
        memcpy(gcopy, g, sizeof g);
        gg_adagrad_step(&c, t, sum, p, g, N);
        adagrad_ref(&c, t, pd, sd, g);
        grad_intact &= memcmp(g, gcopy, sizeof g) == 0;
        snprintf(name, sizeof name, "adagrad %s: params after step %d", what, t);
        CHECK_NEAR(name, vec_err(p, pd, N), 0.0, 1e-6);
        snprintf(name, sizeof name, "adagrad %s: sum after step %d", what, t);
        CHECK_NEAR(name, state_err(sum, sd, N), 0.0, 1e-6);
    }
    snprintf(name, sizeof name, "adagrad %s: gradient not modified", what);
    CHECK(name, grad_intact);
}

static void test_adagrad(void)
{
    gg_adagrad_cfg d = gg_adagrad_defaults();
    CHECK("adagrad defaults", d.lr == 1e-2 && d.lr_decay == 0.0 && d.weight_decay == 0.0 &&
                                  d.initial_accumulator_value == 0.0 && d.eps == 1e-10);

    // Step 1: sum = g^2, p -= lr g/|g| = lr sign(g). Step 2 with lr_decay 0.5: clr = lr/1.5;
    // element 0: sum = 0.5625 + 1 = 1.5625, sqrt 1.25.
    gg_adagrad_cfg c = {.lr = 0.1, .lr_decay = 0.5, .eps = 1e-10};
    float p[N], sum[N] = {0}, g[N];
    memcpy(p, p0, sizeof p);
    grad_at(1, g);
    gg_adagrad_step(&c, 1, sum, p, g, N);
    CHECK_REL("adagrad step 1 by hand: element 0", p[0], 0.9, 1e-6);
    CHECK_REL("adagrad step 1 by hand: element 3", p[3], 3.1, 1e-6);
    CHECK_REL("adagrad step 1: sum = g^2", sum[4], 100.0, 1e-7);
    grad_at(2, g);
    gg_adagrad_step(&c, 2, sum, p, g, N);
    CHECK_REL("adagrad lr_decay step 2 by hand", p[0], 0.9 - 0.1 / 1.5 * 1.0 / 1.25, 1e-6);
    CHECK_REL("adagrad step 2: sum", sum[0], 1.5625, 1e-7);
    // Step 3: clr = lr / (1 + 2*0.5) = 0.05.
    grad_at(3, g);
    float before = p[0];
    gg_adagrad_step(&c, 3, sum, p, g, N);
    CHECK_REL("adagrad lr_decay step 3 by hand", p[0], (double)before - 0.05 * 1.25 / sqrt(1.5625 + 1.5625), 1e-6);

    // initial_accumulator_value 0.1: element 0 sum = 0.1 + 0.5625.
    gg_adagrad_cfg ci = {.lr = 0.1, .initial_accumulator_value = 0.1, .eps = 1e-10};
    memcpy(p, p0, sizeof p);
    for (int i = 0; i < N; i++)
        sum[i] = 0.1f;
    grad_at(1, g);
    gg_adagrad_step(&ci, 1, sum, p, g, N);
    CHECK_REL("adagrad initial_accumulator_value by hand", p[0], 1.0 - 0.1 * 0.75 / sqrt(0.6625), 1e-6);

    // weight_decay 0.1 on element 3: d = 0.05, p -= 0.1 sign(d).
    gg_adagrad_cfg cw = {.lr = 0.1, .weight_decay = 0.1, .eps = 1e-10};
    memcpy(p, p0, sizeof p);
    memset(sum, 0, sizeof sum);
    gg_adagrad_step(&cw, 1, sum, p, g, N);
    CHECK_REL("adagrad weight_decay by hand: element 3", p[3], 2.9, 1e-6);

    run_adagrad("plain", (gg_adagrad_cfg){.lr = 0.1, .eps = 1e-10});
    run_adagrad("lr_decay", (gg_adagrad_cfg){.lr = 0.1, .lr_decay = 0.3, .eps = 1e-10});
    run_adagrad("initial_accumulator_value", (gg_adagrad_cfg){.lr = 0.1, .initial_accumulator_value = 0.5,
                                                              .eps = 1e-10});
    run_adagrad("weight_decay", (gg_adagrad_cfg){.lr = 0.1, .weight_decay = 0.2, .eps = 1e-10});
    run_adagrad("all, eps 0.1", (gg_adagrad_cfg){.lr = 0.05, .lr_decay = 0.1, .weight_decay = 0.05,
                                                 .initial_accumulator_value = 0.2, .eps = 0.1});
}

/* ---- Keras Adam ---- */

static void keras_ref(const gg_keras_adam_cfg *c, int t, double *p, double *m, double *v,
                      const float *gf)
{
    double alpha = c->lr * sqrt(1.0 - pow(c->beta2, t)) / (1.0 - pow(c->beta1, t));
    for (int i = 0; i < N; i++) {
        double g = (double)gf[i];
        m[i] = c->beta1 * m[i] + (1.0 - c->beta1) * g;
        v[i] = c->beta2 * v[i] + (1.0 - c->beta2) * g * g;
        p[i] -= alpha * m[i] / (sqrt(v[i]) + c->eps);
    }
}

static void run_keras(const char *what, gg_keras_adam_cfg c)
{
    float p[N], m[N] = {0}, v[N] = {0}, g[N], gcopy[N];
    double pd[N], md[N] = {0}, vd[N] = {0};
    int grad_intact = 1;
    memcpy(p, p0, sizeof p);
    for (int i = 0; i < N; i++)
        pd[i] = (double)p0[i];
    char name[128];
    for (int t = 1; t <= STEPS; t++) {
        grad_at(t, g);
        memcpy(gcopy, g, sizeof g);
        gg_keras_adam_step(&c, t, m, v, p, g, N);
        keras_ref(&c, t, pd, md, vd, g);
        grad_intact &= memcmp(g, gcopy, sizeof g) == 0;
        snprintf(name, sizeof name, "keras_adam %s: params after step %d", what, t);
        CHECK_NEAR(name, vec_err(p, pd, N), 0.0, 1e-6);
        snprintf(name, sizeof name, "keras_adam %s: m after step %d", what, t);
        CHECK_NEAR(name, vec_err(m, md, N), 0.0, 1e-6);
        snprintf(name, sizeof name, "keras_adam %s: v after step %d", what, t);
        CHECK_NEAR(name, state_err(v, vd, N), 0.0, 1e-6);
    }
    snprintf(name, sizeof name, "keras_adam %s: gradient not modified", what);
    CHECK(name, grad_intact);
}

static void test_keras_adam(void)
{
    gg_keras_adam_cfg d = gg_keras_adam_defaults();
    CHECK("keras_adam defaults", d.lr == 1e-3 && d.beta1 == 0.9 && d.beta2 == 0.999 && d.eps == 1e-7);

    // eps 0.1 makes the placement visible. Step 1, element 0 (g = 0.75): m = 0.075,
    // v = 0.001*0.5625; alpha_1 = lr sqrt(0.001)/0.1.
    // Keras:   p -= alpha_1 * 0.075 / (sqrt(0.001)*0.75 + 0.1)
    // PyTorch: p -= (lr/0.1) * 0.075 / (0.75 + 0.1)
    gg_keras_adam_cfg c = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 0.1};
    float p[N], m[N] = {0}, v[N] = {0}, g[N];
    memcpy(p, p0, sizeof p);
    grad_at(1, g);
    gg_keras_adam_step(&c, 1, m, v, p, g, N);
    double a1 = 0.01 * sqrt(0.001) / 0.1;
    double keras1 = 1.0 - a1 * 0.075 / (sqrt(0.001) * 0.75 + 0.1);
    CHECK_REL("keras_adam step 1 by hand (eps before bias correction)", p[0], keras1, 1e-6);
    float pt[N], mt[N] = {0}, vt[N] = {0};
    gg_adam_cfg ac = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 0.1};
    memcpy(pt, p0, sizeof pt);
    gg_adam_step(&ac, 1, mt, vt, NULL, pt, g, N);
    CHECK_REL("adam with the same eps by hand (eps after)", pt[0], 1.0 - 0.1 * 0.075 / 0.85, 1e-6);
    CHECK("keras_adam and adam differ by eps placement", fabs((double)p[0] - (double)pt[0]) > 1e-3);
    CHECK("keras_adam moments equal adam's", memcmp(m, mt, sizeof m) == 0 && memcmp(v, vt, sizeof v) == 0);
    // Step 2, element 0 (g = 1): alpha_2 = lr sqrt(1 - 0.999^2)/(1 - 0.9^2).
    grad_at(2, g);
    gg_keras_adam_step(&c, 2, m, v, p, g, N);
    double m2 = 0.9 * 0.075 + 0.1, v2 = 0.999 * 0.0005625 + 0.001;
    double keras2 = keras1 - 0.01 * sqrt(0.001999) / 0.19 * m2 / (sqrt(v2) + 0.1);
    CHECK_REL("keras_adam step 2 by hand", p[0], keras2, 1e-6);

    run_keras("defaults", d);
    run_keras("lr 0.01 eps 0.1", c);
    run_keras("betas (0.5,0.9)", (gg_keras_adam_cfg){.lr = 0.05, .beta1 = 0.5, .beta2 = 0.9, .eps = 1e-7});
    run_keras("beta1 0 eps 0", (gg_keras_adam_cfg){.lr = 0.01, .beta1 = 0.0, .beta2 = 0.99, .eps = 0.0});
}

/* ---- bit-exact op order: kernels (multi-versioned, vectorised) vs plain float loops ---- */

enum { NB = 37 };  // not a multiple of the vector width: the tail runs too

/* The float32 operations of torch's single-tensor path, written one element at a time. */
static void plain_rmsprop(const gg_rmsprop_cfg *c, float *sq, float *ga, float *buf, float *p,
                          const float *g, size_t n)
{
    const float alpha = (float)c->alpha, a1 = (float)(1.0 - c->alpha), eps = (float)c->eps;
    const float wd = (float)c->weight_decay, mu = (float)c->momentum, nlr = (float)-c->lr;
    for (size_t i = 0; i < n; i++) {
        float d = g[i];
        if (c->weight_decay != 0.0)
            d = d + wd * p[i];
        sq[i] = sq[i] * alpha + a1 * d * d;
        float avg;
        if (c->centered) {
            ga[i] = ga[i] * alpha + a1 * d;
            avg = sqrtf(sq[i] + -1.0f * ga[i] * ga[i]) + eps;
        } else {
            avg = sqrtf(sq[i]) + eps;
        }
        if (c->momentum > 0.0) {
            buf[i] = buf[i] * mu + 1.0f * d / avg;
            p[i] = p[i] + nlr * buf[i];
        } else {
            p[i] = p[i] + nlr * d / avg;
        }
    }
}

static void plain_adagrad(const gg_adagrad_cfg *c, long t, float *sum, float *p, const float *g,
                          size_t n)
{
    const float nclr = (float)-(c->lr / (1.0 + (double)(t - 1) * c->lr_decay));
    for (size_t i = 0; i < n; i++) {
        float d = g[i];
        if (c->weight_decay != 0.0)
            d = d + (float)c->weight_decay * p[i];
        sum[i] = sum[i] + 1.0f * d * d;
        p[i] = p[i] + nclr * d / (sqrtf(sum[i]) + (float)c->eps);
    }
}

/* AdamW (keras = 0) or Keras Adam (keras = 1, wd ignored). */
static void plain_adam_like(const gg_adam_cfg *c, int keras, long t, float *m, float *v,
                            float *vmax, float *p, const float *g, size_t n)
{
    double bc1 = 1.0 - gg_powi(c->beta1, t), bc2 = 1.0 - gg_powi(c->beta2, t);
    const float nstep = keras ? (float)-(c->lr * sqrt(bc2) / bc1) : (float)-(c->lr / bc1);
    const float bc2s = (float)sqrt(bc2), shrink = (float)(1.0 - c->lr * c->weight_decay);
    for (size_t i = 0; i < n; i++) {
        if (!keras)
            p[i] = p[i] * shrink;
        m[i] = m[i] * (float)c->beta1 + (float)(1.0 - c->beta1) * g[i];
        v[i] = v[i] * (float)c->beta2 + (float)(1.0 - c->beta2) * g[i] * g[i];
        float s = v[i];
        if (vmax) {
            vmax[i] = vmax[i] > s ? vmax[i] : s;
            s = vmax[i];
        }
        float denom = keras ? sqrtf(s) + (float)c->eps : sqrtf(s) / bc2s + (float)c->eps;
        p[i] = p[i] + nstep * m[i] / denom;
    }
}

static void fill_bits(float *p, float *g, int t)
{
    for (int i = 0; i < NB; i++) {
        if (p)
            p[i] = 0.5f * (float)((i * 7) % 11) - 2.0f;
        g[i] = 0.3f * (float)(((i + 3 * t) * 5) % 13) - 1.7f;
    }
}

static void test_bit_exact(void)
{
    float p[NB], q[NB], g[NB], s1[NB], s2[NB], s3[NB], r1[NB], r2[NB], r3[NB];
    char name[128];

    const gg_rmsprop_cfg rcs[] = {
        {.lr = 0.01, .alpha = 0.99, .eps = 1e-8},
        {.lr = 0.01, .alpha = 0.9, .eps = 1e-6, .weight_decay = 0.1, .momentum = 0.5, .centered = 1},
        {.lr = 0.01, .alpha = 0.9, .eps = 1e-6, .momentum = 0.5},
        {.lr = 0.01, .alpha = 0.9, .eps = 1e-6, .weight_decay = 0.1, .centered = 1},
    };
    for (size_t k = 0; k < sizeof rcs / sizeof rcs[0]; k++) {
        fill_bits(p, g, 0);
        memcpy(q, p, sizeof q);
        memset(s1, 0, sizeof s1), memset(s2, 0, sizeof s2), memset(s3, 0, sizeof s3);
        memset(r1, 0, sizeof r1), memset(r2, 0, sizeof r2), memset(r3, 0, sizeof r3);
        for (int t = 1; t <= 3; t++) {
            fill_bits(NULL, g, t);
            gg_rmsprop_step(&rcs[k], s1, s2, s3, p, g, NB);
            plain_rmsprop(&rcs[k], r1, r2, r3, q, g, NB);
        }
        snprintf(name, sizeof name, "rmsprop variant %zu equals the plain float loop bit for bit", k);
        CHECK(name, memcmp(p, q, sizeof p) == 0 && memcmp(s1, r1, sizeof s1) == 0);
    }

    const gg_adagrad_cfg acs[] = {
        {.lr = 0.1, .eps = 1e-10},
        {.lr = 0.1, .lr_decay = 0.3, .weight_decay = 0.05, .initial_accumulator_value = 0.2, .eps = 1e-10},
    };
    for (size_t k = 0; k < sizeof acs / sizeof acs[0]; k++) {
        fill_bits(p, g, 0);
        memcpy(q, p, sizeof q);
        for (int i = 0; i < NB; i++)
            s1[i] = r1[i] = (float)acs[k].initial_accumulator_value;
        for (int t = 1; t <= 3; t++) {
            fill_bits(NULL, g, t);
            gg_adagrad_step(&acs[k], t, s1, p, g, NB);
            plain_adagrad(&acs[k], t, r1, q, g, NB);
        }
        snprintf(name, sizeof name, "adagrad variant %zu equals the plain float loop bit for bit", k);
        CHECK(name, memcmp(p, q, sizeof p) == 0 && memcmp(s1, r1, sizeof s1) == 0);
    }

    const gg_adam_cfg wcs[] = {
        {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.01},
        {.lr = 0.01, .beta1 = 0.85, .beta2 = 0.995, .eps = 1e-8, .weight_decay = 0.1, .amsgrad = 1},
    };
    for (size_t k = 0; k < sizeof wcs / sizeof wcs[0]; k++) {
        fill_bits(p, g, 0);
        memcpy(q, p, sizeof q);
        memset(s1, 0, sizeof s1), memset(s2, 0, sizeof s2), memset(s3, 0, sizeof s3);
        memset(r1, 0, sizeof r1), memset(r2, 0, sizeof r2), memset(r3, 0, sizeof r3);
        for (int t = 1; t <= 3; t++) {
            fill_bits(NULL, g, t);
            gg_adamw_step(&wcs[k], t, s1, s2, wcs[k].amsgrad ? s3 : NULL, p, g, NB);
            plain_adam_like(&wcs[k], 0, t, r1, r2, wcs[k].amsgrad ? r3 : NULL, q, g, NB);
        }
        snprintf(name, sizeof name, "adamw variant %zu equals the plain float loop bit for bit", k);
        CHECK(name, memcmp(p, q, sizeof p) == 0 && memcmp(s2, r2, sizeof s2) == 0);
    }

    gg_keras_adam_cfg kc = {.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-3};
    gg_adam_cfg kc_as_adam = {.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-3};
    fill_bits(p, g, 0);
    memcpy(q, p, sizeof q);
    memset(s1, 0, sizeof s1), memset(s2, 0, sizeof s2), memset(r1, 0, sizeof r1), memset(r2, 0, sizeof r2);
    for (int t = 1; t <= 3; t++) {
        fill_bits(NULL, g, t);
        gg_keras_adam_step(&kc, t, s1, s2, p, g, NB);
        plain_adam_like(&kc_as_adam, 1, t, r1, r2, NULL, q, g, NB);
    }
    CHECK("keras_adam equals the plain float loop bit for bit", memcmp(p, q, sizeof p) == 0);
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

/* A config of any kind rejected by gg_optim_new with a message naming param; exact, when
 * given, is the whole expected message. */
static void check_bad_kind(const char *name, gg_optim_kind kind, const void *cfg, const char *param,
                           const char *exact)
{
    gg_err err;
    memset(&err, 0, sizeof err);
    char n2[160];
    gg_optim *o = (gg_optim *)&err;
    CHECK_EQ(name, gg_optim_new(&o, kind, cfg, 4, &err), GG_EINVAL);
    snprintf(n2, sizeof n2, "%s: message names %s", name, param);
    CHECK_CONTAINS(n2, err.msg, param);
    snprintf(n2, sizeof n2, "%s: *out is NULL on failure", name);
    CHECK(n2, o == NULL);
    if (exact) {
        snprintf(n2, sizeof n2, "%s: message text", name);
        CHECK(n2, strcmp(err.msg, exact) == 0);
        if (strcmp(err.msg, exact) != 0)
            printf("    got \"%s\", expected \"%s\"\n", err.msg, exact);
    }
}

static void test_validation_new_kinds(void)
{
    gg_err err;
    gg_adam_cfg w = gg_adamw_defaults();
    CHECK_EQ("adamw defaults valid", gg_adam_check(&w, &err), GG_OK);
    w.weight_decay = -0.01;
    check_bad_kind("adamw weight_decay < 0", GG_OPTIM_ADAMW, &w, "weight_decay",
                   "weight_decay must be a non-negative number, got -0.01");
    w = gg_adamw_defaults();
    w.beta2 = 1.0;
    check_bad_kind("adamw beta2 = 1", GG_OPTIM_ADAMW, &w, "betas[2]", "betas[2] must be in [0, 1), got 1");
    w = gg_adamw_defaults();
    w.lr = -1.0;
    check_bad_kind("adamw lr -1", GG_OPTIM_ADAMW, &w, "lr", "lr must be a positive number, got -1");

    gg_rmsprop_cfg r = gg_rmsprop_defaults();
    CHECK_EQ("rmsprop defaults valid", gg_rmsprop_check(&r, &err), GG_OK);
    r.alpha = 2.0;
    check_bad_kind("rmsprop alpha 2", GG_OPTIM_RMSPROP, &r, "alpha", "alpha must be in [0, 1), got 2");
    r.alpha = 1.0;
    check_bad_kind("rmsprop alpha 1", GG_OPTIM_RMSPROP, &r, "alpha", NULL);
    r.alpha = -0.1;
    check_bad_kind("rmsprop alpha < 0", GG_OPTIM_RMSPROP, &r, "alpha", NULL);
    r.alpha = NAN;
    check_bad_kind("rmsprop alpha NaN", GG_OPTIM_RMSPROP, &r, "alpha", NULL);
    r = gg_rmsprop_defaults();
    r.momentum = -0.5;
    check_bad_kind("rmsprop momentum < 0", GG_OPTIM_RMSPROP, &r, "momentum",
                   "momentum must be a non-negative number, got -0.5");
    r = gg_rmsprop_defaults();
    r.eps = -1e-8;
    check_bad_kind("rmsprop eps < 0", GG_OPTIM_RMSPROP, &r, "eps", NULL);
    r = gg_rmsprop_defaults();
    r.weight_decay = INFINITY;
    check_bad_kind("rmsprop weight_decay inf", GG_OPTIM_RMSPROP, &r, "weight_decay", NULL);
    r = gg_rmsprop_defaults();
    r.lr = 0.0;
    check_bad_kind("rmsprop lr 0", GG_OPTIM_RMSPROP, &r, "lr", NULL);
    r = gg_rmsprop_defaults();
    r.alpha = 0.0;
    r.eps = 0.0;
    r.momentum = 2.0;  // torch allows any momentum >= 0
    CHECK_EQ("rmsprop alpha 0, eps 0, momentum 2 valid", gg_rmsprop_check(&r, &err), GG_OK);

    gg_adagrad_cfg a = gg_adagrad_defaults();
    CHECK_EQ("adagrad defaults valid", gg_adagrad_check(&a, &err), GG_OK);
    a.lr_decay = -1.0;
    check_bad_kind("adagrad lr_decay < 0", GG_OPTIM_ADAGRAD, &a, "lr_decay",
                   "lr_decay must be a non-negative number, got -1");
    a = gg_adagrad_defaults();
    a.initial_accumulator_value = -0.5;
    check_bad_kind("adagrad initial_accumulator_value < 0", GG_OPTIM_ADAGRAD, &a, "initial_accumulator_value",
                   "initial_accumulator_value must be a non-negative number, got -0.5");
    a = gg_adagrad_defaults();
    a.eps = NAN;
    check_bad_kind("adagrad eps NaN", GG_OPTIM_ADAGRAD, &a, "eps", NULL);
    a = gg_adagrad_defaults();
    a.weight_decay = -1.0;
    check_bad_kind("adagrad weight_decay < 0", GG_OPTIM_ADAGRAD, &a, "weight_decay", NULL);
    a = gg_adagrad_defaults();
    a.lr = NAN;
    check_bad_kind("adagrad lr NaN", GG_OPTIM_ADAGRAD, &a, "lr", NULL);

    gg_keras_adam_cfg k = gg_keras_adam_defaults();
    CHECK_EQ("keras_adam defaults valid", gg_keras_adam_check(&k, &err), GG_OK);
    k.beta1 = 1.0;
    check_bad_kind("keras_adam beta1 = 1", GG_OPTIM_KERAS_ADAM, &k, "betas[1]", "betas[1] must be in [0, 1), got 1");
    k = gg_keras_adam_defaults();
    k.beta2 = -0.5;
    check_bad_kind("keras_adam beta2 < 0", GG_OPTIM_KERAS_ADAM, &k, "betas[2]", NULL);
    k = gg_keras_adam_defaults();
    k.eps = -1e-7;
    check_bad_kind("keras_adam eps < 0", GG_OPTIM_KERAS_ADAM, &k, "eps", NULL);
    k = gg_keras_adam_defaults();
    k.lr = INFINITY;
    check_bad_kind("keras_adam lr inf", GG_OPTIM_KERAS_ADAM, &k, "lr", NULL);

    check_bad_kind("unknown kind", (gg_optim_kind)99, &k, "kind", "unknown optimizer kind 99");
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
    CHECK_EQ("set_lr NaN rejected", gg_optim_set_lr(o, NAN, &err), GG_EINVAL);
    CHECK_CONTAINS("set_lr message names lr", err.msg, "lr");
    CHECK_EQ("set_lr inf rejected", gg_optim_set_lr(o, INFINITY, &err), GG_EINVAL);
    CHECK("rejected set_lr keeps the old lr", gg_optim_lr(o) == 0.5);
    // Schedules reach 0 (and torch's one-cycle past its end goes below): accepted.
    CHECK_EQ("set_lr 0 accepted (cosine annealing reaches it)", gg_optim_set_lr(o, 0.0, &err), GG_OK);
    CHECK_EQ("set_lr -1 accepted like torch", gg_optim_set_lr(o, -1.0, &err), GG_OK);
    CHECK("set_lr -1 took", gg_optim_lr(o) == -1.0);
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

/* One configuration of each kind, for the object tests below. */
typedef struct kind_case {
    gg_optim_kind kind;
    const char *name;
    const void *cfg;
} kind_case;

static const gg_sgd_cfg k_sgd = {.lr = 0.1, .momentum = 0.9};
static const gg_adam_cfg k_adam = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .amsgrad = 1};
static const gg_adam_cfg k_adamw = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
                                    .weight_decay = 0.1, .amsgrad = 1};
static const gg_rmsprop_cfg k_rms = {.lr = 0.01, .alpha = 0.9, .eps = 1e-8, .weight_decay = 0.1,
                                     .momentum = 0.5, .centered = 1};
static const gg_adagrad_cfg k_ada = {.lr = 0.1, .lr_decay = 0.2, .weight_decay = 0.1,
                                     .initial_accumulator_value = 0.3, .eps = 1e-10};
static const gg_keras_adam_cfg k_keras = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-7};

static const kind_case kind_cases[] = {
    {GG_OPTIM_SGD, "sgd", &k_sgd},           {GG_OPTIM_ADAM, "adam", &k_adam},
    {GG_OPTIM_ADAMW, "adamw", &k_adamw},     {GG_OPTIM_RMSPROP, "rmsprop", &k_rms},
    {GG_OPTIM_ADAGRAD, "adagrad", &k_ada},   {GG_OPTIM_KERAS_ADAM, "keras_adam", &k_keras},
};

/* Kernel of kind kc from fresh state: steps 1..steps on p with cfg (lr possibly changed). */
static void kernel_steps(const kind_case *kc, const void *cfg, int steps, float *p)
{
    float s1[N] = {0}, s2[N] = {0}, s3[N] = {0}, g[N];
    int started = 0;
    if (kc->kind == GG_OPTIM_ADAGRAD)
        for (int i = 0; i < N; i++)
            s1[i] = (float)((const gg_adagrad_cfg *)cfg)->initial_accumulator_value;
    for (int t = 1; t <= steps; t++) {
        grad_at(t, g);
        switch (kc->kind) {
        case GG_OPTIM_SGD: gg_sgd_step(cfg, s1, &started, p, g, N); break;
        case GG_OPTIM_ADAM: gg_adam_step(cfg, t, s1, s2, s3, p, g, N); break;
        case GG_OPTIM_ADAMW: gg_adamw_step(cfg, t, s1, s2, s3, p, g, N); break;
        case GG_OPTIM_RMSPROP: gg_rmsprop_step(cfg, s1, s2, s3, p, g, N); break;
        case GG_OPTIM_ADAGRAD: gg_adagrad_step(cfg, t, s1, p, g, N); break;
        case GG_OPTIM_KERAS_ADAM: gg_keras_adam_step(cfg, t, s1, s2, p, g, N); break;
        }
    }
}

/* Every kind as an object: steps equal the kernel's bit for bit, reset restarts (Adagrad's
 * sum at initial_accumulator_value), set_lr applies, and names. */
static void test_object_kinds(void)
{
    char name[128];
    for (size_t k = 0; k < sizeof kind_cases / sizeof kind_cases[0]; k++) {
        const kind_case *kc = &kind_cases[k];
        gg_err err;
        gg_optim *o = NULL;
        snprintf(name, sizeof name, "%s: optim_new", kc->name);
        if (!CHECK_EQ(name, gg_optim_new(&o, kc->kind, kc->cfg, N, &err), GG_OK) || !o)
            continue;
        snprintf(name, sizeof name, "%s: kind and name", kc->name);
        CHECK(name, gg_optim_kind_of(o) == kc->kind && strcmp(gg_optim_kind_name(kc->kind), kc->name) == 0);
        float p[N], q[N], g[N];
        memcpy(p, p0, sizeof p);
        memcpy(q, p0, sizeof q);
        for (int t = 1; t <= STEPS; t++) {
            grad_at(t, g);
            gg_optim_step(o, p, g);
        }
        kernel_steps(kc, kc->cfg, STEPS, q);
        snprintf(name, sizeof name, "%s: three object steps equal the kernel's", kc->name);
        CHECK(name, memcmp(p, q, sizeof p) == 0);
        snprintf(name, sizeof name, "%s: steps counted", kc->name);
        CHECK_EQ(name, gg_optim_steps(o), STEPS);

        // reset, then two steps: equal to two fresh kernel steps
        gg_optim_reset(o);
        memcpy(p, p0, sizeof p);
        memcpy(q, p0, sizeof q);
        for (int t = 1; t <= 2; t++) {
            grad_at(t, g);
            gg_optim_step(o, p, g);
        }
        kernel_steps(kc, kc->cfg, 2, q);
        snprintf(name, sizeof name, "%s: after reset the steps are first steps", kc->name);
        CHECK(name, memcmp(p, q, sizeof p) == 0);

        // set_lr: a fresh object with lr changed before step 1 equals the kernel with that lr
        gg_optim_reset(o);
        snprintf(name, sizeof name, "%s: set_lr", kc->name);
        CHECK_EQ(name, gg_optim_set_lr(o, 0.003, &err), GG_OK);
        snprintf(name, sizeof name, "%s: lr reads back", kc->name);
        CHECK(name, gg_optim_lr(o) == 0.003);
        union {
            gg_sgd_cfg s;
            gg_adam_cfg a;
            gg_rmsprop_cfg r;
            gg_adagrad_cfg d;
            gg_keras_adam_cfg k;
        } cfg;
        switch (kc->kind) {
        case GG_OPTIM_SGD: cfg.s = k_sgd, cfg.s.lr = 0.003; break;
        case GG_OPTIM_ADAM: cfg.a = k_adam, cfg.a.lr = 0.003; break;
        case GG_OPTIM_ADAMW: cfg.a = k_adamw, cfg.a.lr = 0.003; break;
        case GG_OPTIM_RMSPROP: cfg.r = k_rms, cfg.r.lr = 0.003; break;
        case GG_OPTIM_ADAGRAD: cfg.d = k_ada, cfg.d.lr = 0.003; break;
        case GG_OPTIM_KERAS_ADAM: cfg.k = k_keras, cfg.k.lr = 0.003; break;
        }
        memcpy(p, p0, sizeof p);
        memcpy(q, p0, sizeof q);
        grad_at(1, g);
        gg_optim_step(o, p, g);
        kernel_steps(kc, &cfg, 1, q);
        snprintf(name, sizeof name, "%s: the step uses the new lr", kc->name);
        CHECK(name, memcmp(p, q, sizeof p) == 0);
        snprintf(name, sizeof name, "%s: set_lr NaN rejected", kc->name);
        CHECK_EQ(name, gg_optim_set_lr(o, NAN, &err), GG_EINVAL);
        gg_optim_free(o);
    }
    CHECK("kind name of an invalid kind", strcmp(gg_optim_kind_name((gg_optim_kind)42), "?") == 0);

    // Out of memory for the state: ENOMEM, *out NULL, nothing leaked (ASan build).
    gg_err err;
    gg_optim *o = (gg_optim *)&err;
    CHECK_EQ("adagrad state too large: ENOMEM",
             gg_optim_new(&o, GG_OPTIM_ADAGRAD, &k_ada, SIZE_MAX / 2, &err), GG_ENOMEM);
    CHECK("ENOMEM leaves *out NULL", o == NULL);
    CHECK_CONTAINS("ENOMEM message names the state", err.msg, "optimizer state");
    o = (gg_optim *)&err;
    CHECK_EQ("rmsprop state too large: ENOMEM",
             gg_optim_new(&o, GG_OPTIM_RMSPROP, &k_rms, SIZE_MAX / 2, &err), GG_ENOMEM);
    CHECK("rmsprop ENOMEM leaves *out NULL", o == NULL);
}

/* set_momentum per kind: SGD and RMSprop momentum, beta1 of Adam/AdamW/Keras Adam, none for
 * Adagrad; checked through the values read back and through the steps. */
static void test_set_momentum(void)
{
    gg_err err;
    gg_optim *o = NULL;
    float p[N], q[N], g[N];

    // Adam family: beta1 changes, and the next step equals a kernel run with that beta1.
    const gg_optim_kind fam[] = {GG_OPTIM_ADAM, GG_OPTIM_ADAMW, GG_OPTIM_KERAS_ADAM};
    const char *fam_names[] = {"adam", "adamw", "keras_adam"};
    for (int k = 0; k < 3; k++) {
        const void *cfg = k == 0 ? (const void *)&k_adam : k == 1 ? (const void *)&k_adamw : (const void *)&k_keras;
        char name[128];
        if (gg_optim_new(&o, fam[k], cfg, N, &err) != GG_OK)
            continue;
        snprintf(name, sizeof name, "%s has momentum", fam_names[k]);
        CHECK(name, gg_optim_has_momentum(o));
        snprintf(name, sizeof name, "%s momentum is beta1", fam_names[k]);
        CHECK(name, gg_optim_momentum(o) == 0.9);
        snprintf(name, sizeof name, "%s set_momentum 0.8", fam_names[k]);
        CHECK_EQ(name, gg_optim_set_momentum(o, 0.8, &err), GG_OK);
        snprintf(name, sizeof name, "%s momentum reads 0.8", fam_names[k]);
        CHECK(name, gg_optim_momentum(o) == 0.8);
        memcpy(p, p0, sizeof p);
        memcpy(q, p0, sizeof q);
        grad_at(1, g);
        gg_optim_step(o, p, g);
        gg_adam_cfg a = k == 0 ? k_adam : k_adamw;
        gg_keras_adam_cfg kk = k_keras;
        a.beta1 = kk.beta1 = 0.8;
        float m[N] = {0}, v[N] = {0}, vm[N] = {0};
        if (k == 0)
            gg_adam_step(&a, 1, m, v, vm, q, g, N);
        else if (k == 1)
            gg_adamw_step(&a, 1, m, v, vm, q, g, N);
        else
            gg_keras_adam_step(&kk, 1, m, v, q, g, N);
        snprintf(name, sizeof name, "%s step uses the new beta1", fam_names[k]);
        CHECK(name, memcmp(p, q, sizeof p) == 0);
        snprintf(name, sizeof name, "%s set_momentum 1 rejected", fam_names[k]);
        CHECK_EQ(name, gg_optim_set_momentum(o, 1.0, &err), GG_EINVAL);
        snprintf(name, sizeof name, "%s rejected set keeps beta1", fam_names[k]);
        CHECK(name, gg_optim_momentum(o) == 0.8);
        gg_optim_free(o);
    }

    // RMSprop: momentum 0.5 -> 0.7 is used by the next step; 0 <-> non-zero is rejected.
    if (gg_optim_new(&o, GG_OPTIM_RMSPROP, &k_rms, N, &err) == GG_OK) {
        CHECK("rmsprop has momentum", gg_optim_has_momentum(o));
        CHECK("rmsprop momentum", gg_optim_momentum(o) == 0.5);
        memcpy(p, p0, sizeof p);
        grad_at(1, g);
        gg_optim_step(o, p, g);
        CHECK_EQ("rmsprop set_momentum 0.7", gg_optim_set_momentum(o, 0.7, &err), GG_OK);
        grad_at(2, g);
        gg_optim_step(o, p, g);
        // reference: step 1 with 0.5, step 2 with 0.7
        gg_rmsprop_cfg r = k_rms;
        float sq[N] = {0}, ga[N] = {0}, buf[N] = {0};
        memcpy(q, p0, sizeof q);
        grad_at(1, g);
        gg_rmsprop_step(&r, sq, ga, buf, q, g, N);
        r.momentum = 0.7;
        grad_at(2, g);
        gg_rmsprop_step(&r, sq, ga, buf, q, g, N);
        CHECK("rmsprop step 2 uses momentum 0.7", memcmp(p, q, sizeof p) == 0);
        memset(&err, 0, sizeof err);
        CHECK_EQ("rmsprop set_momentum 0 rejected (buffer exists)", gg_optim_set_momentum(o, 0.0, &err), GG_EINVAL);
        CHECK_CONTAINS("rmsprop 0 message", err.msg, "between 0 and non-zero");
        CHECK("rmsprop rejected set keeps 0.7", gg_optim_momentum(o) == 0.7);
        gg_optim_free(o);
    }
    gg_rmsprop_cfg r0 = gg_rmsprop_defaults();
    if (gg_optim_new(&o, GG_OPTIM_RMSPROP, &r0, N, &err) == GG_OK) {
        CHECK_EQ("rmsprop without momentum: set 0.9 rejected", gg_optim_set_momentum(o, 0.9, &err), GG_EINVAL);
        CHECK_EQ("rmsprop without momentum: set 0 accepted", gg_optim_set_momentum(o, 0.0, &err), GG_OK);
        gg_optim_free(o);
    }

    // SGD: momentum 0.9 -> 0.5.
    if (gg_optim_new(&o, GG_OPTIM_SGD, &k_sgd, N, &err) == GG_OK) {
        CHECK("sgd has momentum", gg_optim_has_momentum(o));
        CHECK_EQ("sgd set_momentum 0.5", gg_optim_set_momentum(o, 0.5, &err), GG_OK);
        CHECK("sgd momentum reads 0.5", gg_optim_momentum(o) == 0.5);
        CHECK_EQ("sgd set_momentum 0 rejected", gg_optim_set_momentum(o, 0.0, &err), GG_EINVAL);
        gg_optim_free(o);
    }

    // Adagrad: none.
    if (gg_optim_new(&o, GG_OPTIM_ADAGRAD, &k_ada, N, &err) == GG_OK) {
        CHECK("adagrad has no momentum", !gg_optim_has_momentum(o));
        CHECK("adagrad momentum reads 0", gg_optim_momentum(o) == 0.0);
        memset(&err, 0, sizeof err);
        CHECK_EQ("adagrad set_momentum rejected", gg_optim_set_momentum(o, 0.9, &err), GG_EINVAL);
        CHECK("adagrad set_momentum message",
              strcmp(err.msg, "adagrad has no momentum to set (got 0.9)") == 0);
        CHECK_EQ("adagrad set_momentum 0 rejected too", gg_optim_set_momentum(o, 0.0, &err), GG_EINVAL);
        gg_optim_free(o);
    }
}

/* Mismatches of gg_div_by against a / b over every float mantissa of a in the binade
 * [2^e, 2^(e+1)). GG_KERNEL: the clone for this CPU, so its fma is one instruction. */
GG_KERNEL
static long div_by_mismatches(float b, int e)
{
    const float rb = 1.0f / b, scale = ldexpf(1.0f, e);
    long bad = 0;
    for (uint32_t m = 0; m < (1u << 23); m++) {
        uint32_t u = 0x3f800000u | m;
        float a;
        memcpy(&a, &u, sizeof a);
        a *= scale;
        float q = a / b, r = gg_div_by(a, b, rb);
        bad += memcmp(&q, &r, sizeof q) != 0;
    }
    return bad;
}

/* Adam divides sqrt(v) by sqrt(1 - beta2^t) through gg_div_by (core/simd.h): it must give
 * the quotient division gives, for every a of the smallest binade Adam can meet, of [1, 2)
 * (all others are these scaled by a power of two, exactly) and of the largest, and b
 * from real bias corrections, the interval's ends and awkward mantissas. */
static void test_div_by(void)
{
    float bs[16];
    int n = 0;
    const long ts[] = {1, 2, 3, 10, 1000};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        bs[n++] = (float)sqrt(1.0 - gg_powi(0.999, ts[i]));
    bs[n++] = (float)sqrt(1.0 - 0.99);
    bs[n++] = 1.0f;
    bs[n++] = 0x1p-60f;
    bs[n++] = nextafterf(1.0f, 0.0f);          // mantissa all ones
    bs[n++] = 0.75f;
    bs[n++] = 0x1.000002p-1f;                  // 1/b just below a power of two
    bs[n++] = 0x1.6a09e6p-1f;                  // ~ 1/sqrt(2)
    long bad = 0, checked = 0;
    const int binades[] = {-75, 0, 63};
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof binades / sizeof binades[0]; k++) {
            bad += div_by_mismatches(bs[i], binades[k]);
            checked += 1L << 23;
        }
    CHECK_EQ("gg_div_by checked 12 divisors x 3 binades x 2^23 mantissas", checked, 12L * 3 * (1L << 23));
    CHECK_EQ("gg_div_by equals IEEE division on all of them", bad, 0);
    const float b = bs[0], rb = 1.0f / b;
    float inf = INFINITY, nan = NAN;
    CHECK("gg_div_by: 0 / b = +0", gg_div_by(0.0f, b, rb) == 0.0f && !signbit(gg_div_by(0.0f, b, rb)));
    CHECK("gg_div_by: inf / b = inf", gg_div_by(inf, b, rb) == inf);
    CHECK("gg_div_by: NaN / b = NaN", isnan(gg_div_by(nan, b, rb)));
}

/* Checkpoint access: copying the buffers and progress of one optimizer into a fresh one
 * makes the next steps bit-identical (what gg.checkpoint relies on). */
static void test_checkpoint_access(void)
{
    gg_err err;
    gg_sgd_cfg s = gg_sgd_defaults();
    s.momentum = 0.9;
    gg_adam_cfg a = gg_adam_defaults();
    a.amsgrad = 1;
    const struct { gg_optim_kind kind; const void *cfg; int nbuf; const char *first; } cases[] = {
        {GG_OPTIM_SGD, &s, 1, "momentum_buffer"}, {GG_OPTIM_ADAM, &a, 3, "exp_avg"}};
    for (size_t c = 0; c < 2; c++) {
        gg_optim *o1 = NULL, *o2 = NULL;
        CHECK("checkpoint: new", gg_optim_new(&o1, cases[c].kind, cases[c].cfg, N, &err) == GG_OK &&
                                     gg_optim_new(&o2, cases[c].kind, cases[c].cfg, N, &err) == GG_OK);
        float p1[N], p2[N], g[N];
        for (int i = 0; i < N; i++)
            p1[i] = p2[i] = 0.1f * (float)i - 0.2f;
        for (int t = 0; t < 3; t++) {
            grad_at(t, g);
            gg_optim_step(o1, p1, g);
        }
        int nbuf = 0;
        for (int k = 0; k < 3; k++) {
            float *b1 = gg_optim_buffer(o1, k), *b2 = gg_optim_buffer(o2, k);
            CHECK("checkpoint: buffer presence agrees with its name",
                  !b1 == !gg_optim_buffer_name(cases[c].kind, k) && !b1 == !b2);
            if (b1) {
                memcpy(b2, b1, N * sizeof(float));
                nbuf++;
            }
        }
        CHECK_EQ("checkpoint: buffer count", nbuf, cases[c].nbuf);
        CHECK("checkpoint: torch's name", strcmp(gg_optim_buffer_name(cases[c].kind, 0), cases[c].first) == 0);
        CHECK_EQ("checkpoint: started after steps", gg_optim_started(o1), cases[c].kind == GG_OPTIM_SGD);
        CHECK("checkpoint: negative steps refused", gg_optim_set_progress(o2, -1, 0, &err) == GG_EINVAL);
        CHECK("checkpoint: progress", gg_optim_set_progress(o2, gg_optim_steps(o1), gg_optim_started(o1), &err) == GG_OK);
        memcpy(p2, p1, sizeof p1);
        for (int t = 3; t < 6; t++) {
            grad_at(t, g);
            gg_optim_step(o1, p1, g);
            gg_optim_step(o2, p2, g);
        }
        CHECK("checkpoint: resumed steps bit-identical", memcmp(p1, p2, sizeof p1) == 0);
        CHECK_EQ("checkpoint: steps", gg_optim_steps(o2), 6);
        gg_optim_free(o1);
        gg_optim_free(o2);
    }
    CHECK("checkpoint: no name past the buffers", gg_optim_buffer_name(GG_OPTIM_SGD, 1) == NULL &&
                                                    gg_optim_buffer_name(GG_OPTIM_ADAM, 3) == NULL);
}

int main(void)
{
    test_div_by();
    test_sgd();
    test_adam();
    test_adamw();
    test_rmsprop();
    test_adagrad();
    test_keras_adam();
    test_bit_exact();
    test_validation();
    test_validation_new_kinds();
    test_object();
    test_object_kinds();
    test_set_momentum();
    test_checkpoint_access();
    return CHECK_DONE();
}
