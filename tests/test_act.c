/* tests/test_act.c — activations: values at known points against double references
 * (libm is fine here: it is the reference, not the code under test), finite-difference and
 * analytic checks of every backward kernel (difference quotients in double over the
 * float32 forward), the input/output contract of backward (gg_act_needs_input), the
 * overwrite/aliasing contract, parameters, and name parsing; the exact GELU's vector code
 * (core/gelu.c): every instruction-set path and every split of the array bit for bit
 * against the portable one, and accuracy against the double formula it replaced. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "act.h"
#include "check.h"
#include "detmath.h"
#include "gelu.h"
#include "isa.h"
#include "rng.h"

static const double PI = 3.14159265358979323846;

typedef struct actcase {
    gg_act a;
    gg_act_param p;
    const char *label;
} actcase;

/* Every activation, with PyTorch's defaults and with other parameters. */
static const actcase cases[] = {
    {GG_ACT_RELU, {0, 0, 0}, "relu"},
    {GG_ACT_SIGMOID, {0, 0, 0}, "sigmoid"},
    {GG_ACT_TANH, {0, 0, 0}, "tanh"},
    {GG_ACT_LEAKY_RELU, {0.01f, 0, 0}, "leaky_relu(0.01)"},
    {GG_ACT_LEAKY_RELU, {0.3f, 0, 0}, "leaky_relu(0.3)"},
    {GG_ACT_LEAKY_RELU, {-0.5f, 0, 0}, "leaky_relu(-0.5)"},
    {GG_ACT_GELU, {0, 0, 0}, "gelu"},
    {GG_ACT_GELU_TANH, {0, 0, 0}, "gelu_tanh"},
    {GG_ACT_ELU, {1.0f, 0, 0}, "elu(1)"},
    {GG_ACT_ELU, {0.5f, 0, 0}, "elu(0.5)"},
    {GG_ACT_SILU, {0, 0, 0}, "silu"},
    {GG_ACT_SOFTPLUS, {0, 1.0f, 20.0f}, "softplus(1, 20)"},
    {GG_ACT_SOFTPLUS, {0, 2.0f, 1.5f}, "softplus(2, 1.5)"},
    {GG_ACT_IDENTITY, {0, 0, 0}, "identity"},
};
enum { NCASES = sizeof cases / sizeof cases[0] };

static double phi_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

static double ref_f(const actcase *c, double x)
{
    const double al = (double)c->p.alpha, be = (double)c->p.beta;
    switch (c->a) {
    case GG_ACT_RELU:       return x > 0.0 ? x : 0.0;
    case GG_ACT_SIGMOID:    return 1.0 / (1.0 + exp(-x));
    case GG_ACT_TANH:       return tanh(x);
    case GG_ACT_LEAKY_RELU: return x > 0.0 ? x : x * al;
    case GG_ACT_GELU:       return x * phi_cdf(x);
    case GG_ACT_GELU_TANH:
        return 0.5 * x * (1.0 + tanh(sqrt(2.0 / PI) * (x + 0.044715 * x * x * x)));
    case GG_ACT_ELU:        return x > 0.0 ? x : al * expm1(x);
    case GG_ACT_SILU:       return x / (1.0 + exp(-x));
    case GG_ACT_SOFTPLUS:
        return (double)((float)x * c->p.beta) > (double)c->p.threshold ? x : log1p(exp(be * x)) / be;
    case GG_ACT_IDENTITY:   return x;
    }
    return NAN;
}

static double ref_df(const actcase *c, double x)
{
    const double al = (double)c->p.alpha, be = (double)c->p.beta;
    switch (c->a) {
    case GG_ACT_RELU:       return x > 0.0 ? 1.0 : 0.0;
    case GG_ACT_SIGMOID:    { double s = 1.0 / (1.0 + exp(-x)); return s * (1.0 - s); }
    case GG_ACT_TANH:       { double t = tanh(x); return 1.0 - t * t; }
    case GG_ACT_LEAKY_RELU: return x > 0.0 ? 1.0 : al;
    case GG_ACT_GELU:       return phi_cdf(x) + x * exp(-0.5 * x * x) / sqrt(2.0 * PI);
    case GG_ACT_GELU_TANH: {
        double k = sqrt(2.0 / PI), t = tanh(k * (x + 0.044715 * x * x * x));
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3.0 * 0.044715 * x * x);
    }
    case GG_ACT_ELU:        return x > 0.0 ? 1.0 : al * exp(x);
    case GG_ACT_SILU:       { double s = 1.0 / (1.0 + exp(-x)); return s * (1.0 + x * (1.0 - s)); }
    case GG_ACT_SOFTPLUS:
        return (double)((float)x * c->p.beta) > (double)c->p.threshold ? 1.0 : 1.0 / (1.0 + exp(-be * x));
    case GG_ACT_IDENTITY:   return 1.0;
    }
    return NAN;
}

static void test_values(void)
{
    const float x[] = {-1000.0f, -100.0f, -30.0f, -5.0f, -2.0f, -0.5f, -1e-3f, 0.0f, 1e-3f,
                       0.5f, 1.0f, 2.0f, 5.0f, 19.9f, 30.0f, 100.0f, 1000.0f};
    enum { N = sizeof x / sizeof x[0] };
    float y[N];
    for (int k = 0; k < NCASES; k++) {
        const actcase *c = &cases[k];
        double worst = 0.0;
        int finite = 1;
        gg_act_forward(c->a, &c->p, y, x, N);
        for (int i = 0; i < N; i++) {
            double want = ref_f(c, (double)x[i]);
            finite &= isfinite(y[i]) || !isfinite(want);
            // Within ~1 float ulp of the double reference (plus a tiny absolute floor).
            worst = fmax(worst, fabs((double)y[i] - want) / (fabs(want) * 1.2e-7 + 1e-30));
        }
        char name[96];
        snprintf(name, sizeof name, "%s: finite on [-1000, 1000]", c->label);
        CHECK(name, finite);
        snprintf(name, sizeof name, "%s: within 1 float ulp of the double reference", c->label);
        CHECK_NEAR(name, worst, 0.0, c->a == GG_ACT_SIGMOID ? 2.0 : 1.0);
    }
    // Exact values.
    float v[4] = {-3.0f, 0.0f, 2.5f, -0.0f};
    gg_act_forward(GG_ACT_RELU, NULL, v, v, 4);  // in place
    CHECK("relu(-3) = 0", v[0] == 0.0f);
    CHECK("relu(0) = 0", v[1] == 0.0f);
    CHECK("relu(2.5) = 2.5 in place", v[2] == 2.5f);
    CHECK("relu(-0) = +0", v[3] == 0.0f && !signbit(v[3]));
    float s[3] = {0.0f, 2.0f, -2.0f};
    gg_act_forward(GG_ACT_SIGMOID, NULL, s, s, 3);
    CHECK("sigmoid(0) = 0.5 exactly", s[0] == 0.5f);
    CHECK_NEAR("sigmoid(2)", s[1], 0.8807970779778823, 6e-8);
    CHECK_NEAR("sigmoid(2) + sigmoid(-2) = 1", (double)s[1] + (double)s[2], 1.0, 1.2e-7);
    float t[3] = {0.0f, 1.0f, -20.0f};
    gg_act_forward(GG_ACT_TANH, NULL, t, t, 3);
    CHECK("tanh(0) = 0", t[0] == 0.0f);
    CHECK_NEAR("tanh(1)", t[1], 0.7615941559557649, 6e-8);
    CHECK("tanh(-20) = -1", t[2] == -1.0f);
    // Known points (values from PyTorch 1.13 / mpmath, rounded to float).
    const float pts[3] = {-1.0f, 1.0f, 3.0f};
    float o[3];
    gg_act_forward(GG_ACT_GELU, NULL, o, pts, 3);
    CHECK_NEAR("gelu(-1) = -0.15865525", o[0], -0.15865525393145707, 2e-8);
    CHECK_NEAR("gelu(1) = 0.84134475", o[1], 0.8413447460685429, 6e-8);
    CHECK_NEAR("gelu(3) = 2.99595031", o[2], 2.9959502964699717, 2.4e-7);
    gg_act_forward(GG_ACT_GELU_TANH, NULL, o, pts, 3);
    CHECK_NEAR("gelu_tanh(1) = 0.84119199", o[1], 0.8411919906082768, 6e-8);
    CHECK_NEAR("gelu_tanh(-1) = -0.15880801", o[0], -0.15880800939172324, 2e-8);
    gg_act_forward(GG_ACT_SILU, NULL, o, pts, 3);
    CHECK_NEAR("silu(1) = 0.73105858", o[1], 0.7310585786300049, 6e-8);
    gg_act_forward(GG_ACT_ELU, NULL, o, pts, 3);
    CHECK_NEAR("elu(-1) = e^-1 - 1", o[0], -0.6321205588285577, 6e-8);
    CHECK("elu(1) = 1 exactly", o[1] == 1.0f);
    gg_act_forward(GG_ACT_SOFTPLUS, NULL, o, pts, 3);
    CHECK_NEAR("softplus(1) = log(1 + e)", o[1], 1.3132616875182228, 1.2e-7);
    float big[2] = {20.5f, 20.0f};
    gg_act_forward(GG_ACT_SOFTPLUS, NULL, big, big, 2);
    CHECK("softplus is x above the threshold", big[0] == 20.5f);
    CHECK_NEAR("softplus at the threshold is log1p(e^20)", big[1], 20.000000002061153, 2e-6);
    float lk[2] = {-2.0f, 3.0f};
    gg_act_param slope = {0.01f, 0, 0};
    gg_act_forward(GG_ACT_LEAKY_RELU, &slope, lk, lk, 2);
    CHECK("leaky_relu(-2) = -2 * 0.01f (float product, as torch)", lk[0] == -2.0f * 0.01f);
    CHECK("leaky_relu(3) = 3", lk[1] == 3.0f);
    float id[3] = {-1.5f, 0.0f, 7.25f}, idy[3];
    gg_act_forward(GG_ACT_IDENTITY, NULL, idy, id, 3);
    CHECK("identity copies", memcmp(idy, id, sizeof id) == 0);
    float zz[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    const gg_act zero_at_zero[] = {GG_ACT_GELU, GG_ACT_GELU_TANH, GG_ACT_SILU, GG_ACT_ELU};
    for (int k = 0; k < 4; k++) {
        gg_act_forward(zero_at_zero[k], NULL, zz, zz, 1);
        CHECK("gelu/gelu_tanh/silu/elu(0) = 0", zz[0] == 0.0f);
    }
    // Tails: exact gelu keeps the left tail that 1 + erf(x/sqrt 2) in float would lose.
    float tail = -8.0f;
    gg_act_forward(GG_ACT_GELU, NULL, &tail, &tail, 1);
    CHECK_REL("gelu(-8) = -8 Phi(-8) = -4.97e-15 (relative)", tail, -8.0 * 6.22096057427178e-16, 1e-6);
    float sp = -30.0f;
    gg_act_forward(GG_ACT_SOFTPLUS, NULL, &sp, &sp, 1);
    CHECK_REL("softplus(-30) = e^-30 (relative)", sp, 9.357622968840175e-14, 1e-6);
    // n = 0 touches nothing.
    float z = 7.0f;
    gg_act_forward(GG_ACT_TANH, NULL, &z, &z, 0);
    CHECK("n = 0 leaves memory alone", z == 7.0f);
}

/* L(x) = sum c_i f(x_i) with the float32 forward, in double. */
static double objective(const actcase *ac, const float *x, const float *c, size_t n)
{
    float y[64];
    gg_act_forward(ac->a, &ac->p, y, x, n);
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)c[i] * (double)y[i];
    return s;
}

static void test_backward_fd(void)
{
    enum { N = 48 };
    gg_rng r;
    gg_rng_seed(&r, 2024);
    for (int k = 0; k < NCASES; k++) {
        const actcase *ac = &cases[k];
        float x[N], c[N], y[N], dx[N];
        for (int i = 0; i < N; i++) {
            double u = 8.0 * gg_rng_uniform(&r) - 4.0;
            if (fabs(u) < 0.05)  // keep the kinks at 0 out of the +-h window
                u = u < 0 ? -0.5 : 0.5;
            x[i] = (float)u;
            c[i] = (float)gg_rng_normal(&r);
        }
        if (ac->a == GG_ACT_SOFTPLUS)  // keep softplus's switch at threshold/beta out too
            for (int i = 0; i < N; i++)
                if (fabs((double)x[i] * (double)ac->p.beta - (double)ac->p.threshold) < 0.05)
                    x[i] -= 0.2f;
        gg_act_forward(ac->a, &ac->p, y, x, N);
        for (int i = 0; i < N; i++)
            dx[i] = 1e30f;  // overwritten, not accumulated
        int need = gg_act_needs_input(ac->a, &ac->p);
        gg_act_backward(ac->a, &ac->p, dx, c, need ? x : NULL, y, N);
        double worst_fd = 0.0, worst_an = 0.0;
        const double h = 1e-2;
        for (int i = 0; i < N; i++) {
            float xp[N], xm[N];
            memcpy(xp, x, sizeof x);
            memcpy(xm, x, sizeof x);
            xp[i] = (float)((double)x[i] + h);
            xm[i] = (float)((double)x[i] - h);
            double num = (objective(ac, xp, c, N) - objective(ac, xm, c, N)) /
                         ((double)xp[i] - (double)xm[i]);
            // Central differences have O(h^2 f''') error (~1e-5 here) plus float rounding
            // of the forward (~1e-7/h); scale by |c_i|.
            double err = fabs((double)dx[i] - num) / (1.0 + fabs((double)c[i]));
            worst_fd = fmax(worst_fd, err);
            double an = (double)c[i] * ref_df(ac, (double)x[i]);
            worst_an = fmax(worst_an, fabs((double)dx[i] - an) / (1e-6 + fabs(an)));
        }
        char name[128];
        snprintf(name, sizeof name, "%s backward vs central difference", ac->label);
        CHECK_NEAR(name, worst_fd, 0.0, 1e-4);
        // sigmoid and tanh take the derivative from the float output, as torch does: near
        // saturation 1 - y^2 carries the rounding of y (up to ~1.5e-5 relative at |x| = 4).
        snprintf(name, sizeof name, "%s backward vs analytic derivative in double (rel)", ac->label);
        CHECK_NEAR(name, worst_an, 0.0,
                   ac->a == GG_ACT_SIGMOID || ac->a == GG_ACT_TANH ? 5e-5 : 1e-6);
        // dx may alias dy.
        float g[N];
        memcpy(g, c, sizeof c);
        gg_act_backward(ac->a, &ac->p, g, g, need ? x : NULL, y, N);
        snprintf(name, sizeof name, "%s backward in place equals out of place", ac->label);
        CHECK(name, memcmp(g, dx, sizeof g) == 0);
        // An output-only backward must not read x: a poisoned x gives the same result.
        if (!need) {
            float bad[N];
            for (int i = 0; i < N; i++)
                bad[i] = NAN;
            gg_act_backward(ac->a, &ac->p, g, c, bad, y, N);
            snprintf(name, sizeof name, "%s backward reads y only (x is NaN)", ac->label);
            CHECK(name, memcmp(g, dx, sizeof g) == 0);
        }
    }
    // relu's gradient at 0 is 0 (torch threshold_backward uses y > 0).
    float y0[2] = {0.0f, 1.0f}, dy0[2] = {5.0f, 5.0f}, dx0[2];
    gg_act_backward(GG_ACT_RELU, NULL, dx0, dy0, NULL, y0, 2);
    CHECK("relu backward at y = 0 is 0", dx0[0] == 0.0f);
    CHECK("relu backward at y > 0 passes dy", dx0[1] == 5.0f);
    // Saturated sigmoid/tanh give zero (not NaN) gradients.
    float ys[2] = {1.0f, 0.0f}, dxs[2];
    gg_act_backward(GG_ACT_SIGMOID, NULL, dxs, dy0, NULL, ys, 2);
    CHECK("sigmoid backward saturated is 0", dxs[0] == 0.0f && dxs[1] == 0.0f);
    float yt[2] = {1.0f, -1.0f};
    gg_act_backward(GG_ACT_TANH, NULL, dxs, dy0, NULL, yt, 2);
    CHECK("tanh backward saturated is 0", dxs[0] == 0.0f && dxs[1] == 0.0f);
    // Far tails give finite gradients (no inf/inf).
    const gg_act tails[] = {GG_ACT_GELU, GG_ACT_GELU_TANH, GG_ACT_SILU, GG_ACT_ELU, GG_ACT_SOFTPLUS};
    float xt[4] = {-1000.0f, -90.0f, 90.0f, 1000.0f}, yy[4], dt[4], ones[4] = {1, 1, 1, 1};
    int finite = 1;
    for (int k = 0; k < 5; k++) {
        gg_act_forward(tails[k], NULL, yy, xt, 4);
        gg_act_backward(tails[k], NULL, dt, ones, xt, yy, 4);
        for (int i = 0; i < 4; i++)
            finite &= isfinite(dt[i]) && isfinite(yy[i]);
        finite &= fabsf(dt[0]) <= 1e-30f && dt[3] == 1.0f;
    }
    CHECK("gelu/gelu_tanh/silu/elu/softplus: tails give 0 and 1 gradients, finite", finite);
    // torch's ELU backward on the input: x <= 0 takes the exponential branch (0 -> alpha).
    float x0 = 0.0f, g0;
    gg_act_param half = {0.5f, 0, 0};
    gg_act_backward(GG_ACT_ELU, &half, &g0, &dy0[0], &x0, &x0, 1);
    CHECK("elu backward at 0 is dy * alpha", g0 == 2.5f);
}

static void test_contract(void)
{
    gg_act_param neg = {-0.1f, 0, 0}, pos = {0.2f, 0, 0}, zero = {0.0f, 0, 0};
    CHECK("relu/sigmoid/tanh/identity need only y",
          !gg_act_needs_input(GG_ACT_RELU, NULL) && !gg_act_needs_input(GG_ACT_SIGMOID, NULL) &&
              !gg_act_needs_input(GG_ACT_TANH, NULL) && !gg_act_needs_input(GG_ACT_IDENTITY, NULL));
    CHECK("leaky_relu with slope >= 0 needs only y",
          !gg_act_needs_input(GG_ACT_LEAKY_RELU, &pos) && !gg_act_needs_input(GG_ACT_LEAKY_RELU, &zero) &&
              !gg_act_needs_input(GG_ACT_LEAKY_RELU, NULL));
    CHECK("leaky_relu with a negative slope needs x", gg_act_needs_input(GG_ACT_LEAKY_RELU, &neg));
    CHECK("gelu, gelu_tanh, elu, silu, softplus need x",
          gg_act_needs_input(GG_ACT_GELU, NULL) && gg_act_needs_input(GG_ACT_GELU_TANH, NULL) &&
              gg_act_needs_input(GG_ACT_ELU, NULL) && gg_act_needs_input(GG_ACT_SILU, NULL) &&
              gg_act_needs_input(GG_ACT_SOFTPLUS, NULL));
    gg_act_param d = gg_act_defaults(GG_ACT_LEAKY_RELU);
    CHECK("leaky_relu default slope 0.01", d.alpha == 0.01f);
    d = gg_act_defaults(GG_ACT_ELU);
    CHECK("elu default alpha 1", d.alpha == 1.0f);
    d = gg_act_defaults(GG_ACT_SOFTPLUS);
    CHECK("softplus defaults beta 1, threshold 20", d.beta == 1.0f && d.threshold == 20.0f);
    const char *what = NULL;
    gg_act_param bad = {0, 0.0f, 20.0f};
    CHECK_EQ("softplus beta 0 rejected", gg_act_check(GG_ACT_SOFTPLUS, &bad, &what), -1);
    CHECK_CONTAINS("names beta", what, "beta");
    bad.beta = 1.0f;
    bad.threshold = INFINITY;
    CHECK_EQ("softplus infinite threshold rejected", gg_act_check(GG_ACT_SOFTPLUS, &bad, &what), -1);
    CHECK_CONTAINS("names threshold", what, "threshold");
    gg_act_param nan_slope = {NAN, 0, 0};
    CHECK_EQ("leaky_relu NaN slope rejected", gg_act_check(GG_ACT_LEAKY_RELU, &nan_slope, &what), -1);
    CHECK_CONTAINS("names negative_slope", what, "negative_slope");
    CHECK_EQ("elu NaN alpha rejected", gg_act_check(GG_ACT_ELU, &nan_slope, &what), -1);
    CHECK_CONTAINS("names alpha", what, "alpha");
    CHECK_EQ("relu ignores parameters", gg_act_check(GG_ACT_RELU, &nan_slope, &what), 0);
    CHECK("what is NULL when valid", what == NULL);
    CHECK_EQ("defaults are valid", gg_act_check(GG_ACT_SOFTPLUS, NULL, NULL), 0);
}

static void test_names(void)
{
    const char *names[] = {"relu", "sigmoid", "tanh", "leaky_relu", "gelu", "gelu_tanh", "elu",
                           "silu", "softplus", "identity"};
    for (int k = 0; k < GG_ACT_COUNT; k++) {
        gg_act a = (gg_act)99;
        CHECK("gg_act_name exact", gg_act_name((gg_act)k) && strcmp(gg_act_name((gg_act)k), names[k]) == 0);
        CHECK_EQ("gg_act_parse succeeds", gg_act_parse(names[k], &a), 0);
        CHECK_EQ("gg_act_parse round-trips", a, k);
    }
    CHECK_EQ("enum values are stable (relu 0, sigmoid 1, tanh 2)",
             GG_ACT_RELU * 100 + GG_ACT_SIGMOID * 10 + GG_ACT_TANH, 12);
    gg_act a = GG_ACT_TANH;
    CHECK_EQ("unknown name gives -1", gg_act_parse("selu", &a), -1);
    CHECK_EQ("unknown name leaves *a alone", a, GG_ACT_TANH);
    CHECK_EQ("empty name gives -1", gg_act_parse("", &a), -1);
    CHECK_EQ("prefix of a name gives -1", gg_act_parse("rel", &a), -1);
    CHECK_EQ("name with a suffix gives -1", gg_act_parse("relu6", &a), -1);
    CHECK("unknown value has no name", gg_act_name((gg_act)GG_ACT_COUNT) == NULL);
    CHECK("negative value has no name", gg_act_name((gg_act)-1) == NULL);
}


/* ---- the exact GELU (core/gelu.c) ---- */

/* The implementation core/gelu.c replaced, one element at a time in double with detmath's
 * erfc and exp: the reference for accuracy. */
static float gelu_ref(float x)
{
    double xd = (double)x;
    return (float)(0.5 * xd * gg_erfc(-xd * 0.70710678118654752440));
}

static float gelu_grad_ref(float dy, float x)
{
    double xd = (double)x;
    double g = 0.5 * gg_erfc(-xd * 0.70710678118654752440) +
               xd * 0.39894228040143267794 * gg_exp(-0.5 * xd * xd);
    return (float)((double)dy * g);
}

static uint32_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bitsf(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Distance in units in the last place (floats ordered by value; -0 and +0 are one point). */
static long ulps(float a, float b)
{
    int64_t ia = fbits(a) & 0x7fffffffu, ib = fbits(b) & 0x7fffffffu;
    if (signbit(a))
        ia = -ia;
    if (signbit(b))
        ib = -ib;
    return (long)(ia > ib ? ia - ib : ib - ia);
}

/* Inputs: every 4093rd float bit pattern (1.05M: every sign, binade, subnormals, NaNs),
 * listed specials and edges, 400k points on [-10, 10] and 100k on +-[10, 1e4]. */
enum { GN = (int)((1ULL << 32) / 4093) + 1 + 64 + 400000 + 100000 };

static const float gelu_specials[] = {
    0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 1e-30f, -1e-30f, 0x1p-149f, -0x1p-149f,
    0x1.fffffcp-127f, -0x1.fffffcp-127f, 0x1p-126f, -0x1p-126f, 0x1p-26f, -0x1p-26f,
    0x1.fffffep-27f, -0x1.fffffep-27f, 0x1.000002p-26f, -0x1.000002p-26f, 27.0f, -27.0f,
    0x1.b00002p4f, -0x1.b00002p4f, 0x1.affffep4f, -0x1.affffep4f, -0x1.34d4eep+5f,
    -0x1.34d4ecp+5f, -0x1.34d4f0p+5f, -14.0f, -14.5f, -15.0f, -0.7518f, 3.4028235e38f,
    -3.4028235e38f, 1e4f, -1e4f, 1.0f, -1.0f, 0.5f, -0.5f, 2.0f, -2.0f, 5.0f, -5.0f, 10.0f,
    -10.0f, 1e-7f, -1e-7f};

static float *gelu_inputs(size_t *n)
{
    static float x[GN];
    size_t k = 0;
    for (uint64_t u = 0; u < (1ULL << 32); u += 4093)
        x[k++] = bitsf((uint32_t)u);
    for (size_t i = 0; i < sizeof gelu_specials / sizeof gelu_specials[0]; i++)
        x[k++] = gelu_specials[i];
    x[k++] = bitsf(0x7f800001u);  // a signalling NaN
    x[k++] = bitsf(0xffc12345u);  // a negative NaN with a payload
    for (int i = 0; i < 400000; i++)
        x[k++] = (float)(-10.0 + 20.0 * (double)i / 400000.0);
    for (int i = 0; i < 100000; i++) {
        double m = pow(10.0, 1.0 + 3.0 * (double)(i / 2) / 50000.0);
        x[k++] = (float)(i % 2 ? -m : m);
    }
    *n = k;
    return x;
}

/* dy for the backward: normal values, with zeros, infinities and NaNs sprinkled in. */
static float *gelu_dys(size_t n)
{
    static float d[GN];
    gg_rng r;
    gg_rng_seed(&r, 18);
    for (size_t i = 0; i < n; i++) {
        d[i] = (float)gg_rng_normal(&r);
        if (i % 997 == 0)
            d[i] = i % 4 == 0 ? 0.0f : i % 4 == 1 ? INFINITY : i % 4 == 2 ? -INFINITY : NAN;
    }
    return d;
}

static void test_gelu_paths(void)
{
    static float y0[GN], y1[GN], d0[GN], d1[GN];
    size_t n;
    const float *x = gelu_inputs(&n), *dy = gelu_dys(n);
    gg_gelu_forward(GG_ISA_GENERIC, y0, x, n);
    gg_gelu_backward(GG_ISA_GENERIC, d0, dy, x, n);
    char name[160];
    int tested = 0;
    for (int k = 0; k < GG_ISA_COUNT; k++) {
        gg_isa isa = (gg_isa)k;
        if (!gg_isa_supported(isa))
            continue;
        tested++;
        gg_gelu_forward(isa, y1, x, n);
        gg_gelu_backward(isa, d1, dy, x, n);
        long bf = 0, bb = 0;
        for (size_t i = 0; i < n; i++) {
            bf += fbits(y1[i]) != fbits(y0[i]);
            bb += fbits(d1[i]) != fbits(d0[i]);
        }
        snprintf(name, sizeof name, "gelu forward, %s path: the portable path's bits (%zu values)",
                 gg_isa_name(isa), n);
        CHECK_EQ(name, bf, 0);
        snprintf(name, sizeof name, "gelu backward, %s path: the portable path's bits", gg_isa_name(isa));
        CHECK_EQ(name, bb, 0);
        // Any split of the array: chunks of 1..19 elements (tails of every length).
        long cf = 0, cb = 0;
        for (size_t i = 0, c = 1; i < n; i += c, c = c % 19 + 1) {
            size_t m = n - i < c ? n - i : c;
            float yc[19], dc[19];
            gg_gelu_forward(isa, yc, x + i, m);
            gg_gelu_backward(isa, dc, dy + i, x + i, m);
            for (size_t j = 0; j < m; j++) {
                cf += fbits(yc[j]) != fbits(y0[i + j]);
                cb += fbits(dc[j]) != fbits(d0[i + j]);
            }
        }
        snprintf(name, sizeof name, "gelu forward, %s path: chunks of 1..19 = the whole array",
                 gg_isa_name(isa));
        CHECK_EQ(name, cf, 0);
        snprintf(name, sizeof name, "gelu backward, %s path: chunks of 1..19 = the whole array",
                 gg_isa_name(isa));
        CHECK_EQ(name, cb, 0);
        // In place (y = x, dx = dy).
        memcpy(y1, x, n * sizeof *x);
        gg_gelu_forward(isa, y1, y1, n);
        memcpy(d1, dy, n * sizeof *dy);
        gg_gelu_backward(isa, d1, d1, x, n);
        snprintf(name, sizeof name, "gelu, %s path: in place = out of place", gg_isa_name(isa));
        CHECK(name, memcmp(y1, y0, n * sizeof *y0) == 0 && memcmp(d1, d0, n * sizeof *d0) == 0);
    }
    printf("gelu: %d instruction-set path(s) compared\n", tested);
    // gg_act_forward/backward run one of the paths.
    gg_act_forward(GG_ACT_GELU, NULL, y1, x, n);
    gg_act_backward(GG_ACT_GELU, NULL, d1, dy, x, y1, n);
    CHECK("gg_act_forward/backward(gelu) = the portable path, bit for bit",
          memcmp(y1, y0, n * sizeof *y0) == 0 && memcmp(d1, d0, n * sizeof *d0) == 0);
}

static void test_gelu_accuracy(void)
{
    size_t n;
    const float *x = gelu_inputs(&n);
    static float y[GN], d[GN], ones[GN];
    for (size_t i = 0; i < n; i++)
        ones[i] = 1.0f;
    gg_gelu_forward(GG_ISA_GENERIC, y, x, n);
    gg_gelu_backward(GG_ISA_GENERIC, d, ones, x, n);
    long worst_f = 0, worst_b = 0, diff_f = 0, diff_b = 0, nan_f = 0, nan_b = 0, zsign = 0;
    double worst_rel_b = 0.0, worst_abs_tail = 0.0;
    for (size_t i = 0; i < n; i++) {
        float rf = gelu_ref(x[i]), rb = gelu_grad_ref(1.0f, x[i]);
        if (isnan(rf) || isnan(y[i])) {
            nan_f += !(isnan(rf) && isnan(y[i]));
        } else {
            long u = ulps(y[i], rf);
            worst_f = u > worst_f ? u : worst_f;
            diff_f += u != 0;
            zsign += rf == 0.0f && signbit(rf) != signbit(y[i]);
            if (x[i] < -3.0f)
                worst_abs_tail = fmax(worst_abs_tail, fabs((double)y[i] - (double)rf));
        }
        if (isnan(rb) || isnan(d[i])) {
            nan_b += !(isnan(rb) && isnan(d[i]));
        } else {
            long u = ulps(d[i], rb);
            diff_b += u != 0;
            zsign += rb == 0.0f && signbit(rb) != signbit(d[i]);
            double rel = fabs((double)d[i] - (double)rb) / fabs((double)rb);
            if (u > 2 && !(rel <= 1e-6))
                printf("gelu backward: x = %a: %a, the double formula %a\n", (double)x[i],
                       (double)d[i], (double)rb);
            worst_b = u > worst_b ? u : worst_b;
            if (rb != 0.0f)
                worst_rel_b = fmax(worst_rel_b, rel);
        }
    }
    printf("gelu vs the double formula over %zu values: forward %ld differ (max %ld ulp), "
           "backward %ld differ (max %ld ulp, %.3g relative); left tail max abs %.3g\n",
           n, diff_f, worst_f, diff_b, worst_b, worst_rel_b, worst_abs_tail);
    CHECK_EQ("gelu forward: NaN exactly where the double formula gives NaN", nan_f, 0);
    CHECK_EQ("gelu backward: NaN exactly where the double formula gives NaN", nan_b, 0);
    CHECK_NEAR("gelu forward within 1 ulp of the double formula", (double)worst_f, 0.0, 1.0);
    CHECK_NEAR("gelu backward within 2 ulp of the double formula", (double)worst_b, 0.0, 2.0);
    CHECK_NEAR("gelu forward: left tail (x < -3) within 1e-7 absolute", worst_abs_tail, 0.0, 1e-7);
    CHECK_EQ("gelu: zeros have the double formula's sign", zsign, 0);
    CHECK("gelu forward: under 0.1% of the values move by an ulp", diff_f * 1000 < (long)n);
    // NaN and infinity exactly as the double formula gave them on x86-64: forward +inf is
    // +inf, -inf the default NaN, a NaN its sign flipped; backward at +-inf the default
    // NaN, at a NaN that NaN; a NaN dy passes through where x is finite; +0 gradient below
    // -38.604 (e^(-x^2/2) underflowed), so dy = inf there gives NaN.
    const float sx[] = {INFINITY, -INFINITY, bitsf(0x7fc00001u), bitsf(0xffc00002u),
                        bitsf(0x7f800003u), 1.0f, -50.0f, -20.0f, -50.0f, -0x1.34d4ecp+5f,
                        -0x1.34d4eep+5f, INFINITY, bitsf(0x7fc00001u)};
    const float sd[] = {2.0f, 2.0f, 2.0f, 2.0f, 2.0f, bitsf(0x7fc00005u), INFINITY, INFINITY,
                        bitsf(0xffc00005u), 1.0f, 1.0f, bitsf(0x7fc00005u), bitsf(0x7fc00006u)};
    const uint32_t want_y[] = {0x7f800000u, 0xffc00000u, 0xffc00001u, 0x7fc00002u, 0xffc00003u,
                               0x3f57625fu, 0x80000000u, 0x80000000u, 0x80000000u, 0x80000000u,
                               0x80000000u, 0x7f800000u, 0xffc00001u};
    const uint32_t want_d[] = {0xffc00000u, 0xffc00000u, 0x7fc00001u, 0xffc00002u, 0x7fc00003u,
                               0x7fc00005u, 0xffc00000u, 0xff800000u, 0xffc00005u, 0x80000000u,
                               0x00000000u, 0xffc00000u, 0x7fc00001u};
    enum { NS = sizeof sx / sizeof sx[0] };
    for (int k = 0; k < GG_ISA_COUNT; k++) {
        if (!gg_isa_supported((gg_isa)k))
            continue;
        float sy[NS], sdx[NS];
        gg_gelu_forward((gg_isa)k, sy, sx, NS);
        gg_gelu_backward((gg_isa)k, sdx, sd, sx, NS);
        int ok = 1;
        for (int i = 0; i < NS; i++) {
            if (fbits(sy[i]) != want_y[i] || fbits(sdx[i]) != want_d[i])
                printf("gelu special %d (x %08x, dy %08x): y %08x want %08x, dx %08x want %08x\n",
                       i, fbits(sx[i]), fbits(sd[i]), fbits(sy[i]), want_y[i], fbits(sdx[i]),
                       want_d[i]);
            ok &= fbits(sy[i]) == want_y[i] && fbits(sdx[i]) == want_d[i];
        }
        char name[128];
        snprintf(name, sizeof name, "gelu, %s path: NaN, inf and zero signs as before, bit for bit",
                 gg_isa_name((gg_isa)k));
        CHECK(name, ok);
    }
}

int main(void)
{
    test_values();
    test_backward_fd();
    test_contract();
    test_names();
    test_gelu_paths();
    test_gelu_accuracy();
    return CHECK_DONE();
}
