/* tests/test_act.c — activations: values at known points against double references
 * (libm is fine here: it is the reference, not the code under test), finite-difference and
 * analytic checks of every backward kernel (difference quotients in double over the
 * float32 forward), the input/output contract of backward (gg_act_needs_input), the
 * overwrite/aliasing contract, parameters, and name parsing. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "act.h"
#include "check.h"
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

int main(void)
{
    test_values();
    test_backward_fd();
    test_contract();
    test_names();
    return CHECK_DONE();
}
