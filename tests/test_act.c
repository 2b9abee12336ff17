/* tests/test_act.c — activations: values at known points, finite-difference checks of the
 * backward kernels (difference quotients in double over the float32 forward), the
 * overwrite/aliasing contract, and name parsing. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "act.h"
#include "check.h"
#include "rng.h"

static double ref_f(gg_act a, double x)
{
    switch (a) {
    case GG_ACT_RELU:    return x > 0.0 ? x : 0.0;
    case GG_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case GG_ACT_TANH:    return tanh(x);
    }
    return NAN;
}

static double ref_df(gg_act a, double x)
{
    switch (a) {
    case GG_ACT_RELU:    return x > 0.0 ? 1.0 : 0.0;
    case GG_ACT_SIGMOID: { double s = 1.0 / (1.0 + exp(-x)); return s * (1.0 - s); }
    case GG_ACT_TANH:    { double t = tanh(x); return 1.0 - t * t; }
    }
    return NAN;
}

static void test_values(void)
{
    const float x[] = {-1000.0f, -100.0f, -2.0f, -0.5f, 0.0f, 0.5f, 1.0f, 2.0f, 100.0f, 1000.0f};
    enum { N = sizeof x / sizeof x[0] };
    float y[N];
    const gg_act acts[] = {GG_ACT_RELU, GG_ACT_SIGMOID, GG_ACT_TANH};
    for (int k = 0; k < 3; k++) {
        char name[64];
        gg_act_forward(acts[k], y, x, N);
        for (int i = 0; i < N; i++) {
            snprintf(name, sizeof name, "%s(%g)", gg_act_name(acts[k]), (double)x[i]);
            CHECK("activation value is finite", isfinite(y[i]));
            CHECK_NEAR(name, y[i], ref_f(acts[k], (double)x[i]), 1e-7);
        }
    }
    // Exact values.
    float v[4] = {-3.0f, 0.0f, 2.5f, -0.0f};
    gg_act_forward(GG_ACT_RELU, v, v, 4);  // in place
    CHECK("relu(-3) = 0", v[0] == 0.0f);
    CHECK("relu(0) = 0", v[1] == 0.0f);
    CHECK("relu(2.5) = 2.5 in place", v[2] == 2.5f);
    CHECK("relu(-0) = +0", v[3] == 0.0f && !signbit(v[3]));
    float s[3] = {0.0f, 2.0f, -2.0f};
    gg_act_forward(GG_ACT_SIGMOID, s, s, 3);
    CHECK("sigmoid(0) = 0.5 exactly", s[0] == 0.5f);
    CHECK_NEAR("sigmoid(2)", s[1], 0.8807970779778823, 6e-8);
    CHECK_NEAR("sigmoid(2) + sigmoid(-2) = 1", (double)s[1] + (double)s[2], 1.0, 1.2e-7);
    float t[3] = {0.0f, 1.0f, -20.0f};
    gg_act_forward(GG_ACT_TANH, t, t, 3);
    CHECK("tanh(0) = 0", t[0] == 0.0f);
    CHECK_NEAR("tanh(1)", t[1], 0.7615941559557649, 6e-8);
    CHECK("tanh(-20) = -1", t[2] == -1.0f);
    // n = 0 touches nothing.
    float z = 7.0f;
    gg_act_forward(GG_ACT_TANH, &z, &z, 0);
    CHECK("n = 0 leaves memory alone", z == 7.0f);
}

/* L(x) = sum c_i f(x_i) with the float32 forward, in double. */
static double objective(gg_act a, const float *x, const float *c, size_t n)
{
    float y[64];
    gg_act_forward(a, y, x, n);
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)c[i] * (double)y[i];
    return s;
}

static void test_backward_fd(void)
{
    enum { N = 40 };
    const gg_act acts[] = {GG_ACT_RELU, GG_ACT_SIGMOID, GG_ACT_TANH};
    gg_rng r;
    gg_rng_seed(&r, 2024);
    for (int k = 0; k < 3; k++) {
        gg_act a = acts[k];
        float x[N], c[N], y[N], dx[N];
        for (int i = 0; i < N; i++) {
            double u = 6.0 * gg_rng_uniform(&r) - 3.0;
            if (fabs(u) < 0.05)  // keep relu's kink out of the +-h window
                u = u < 0 ? -0.5 : 0.5;
            x[i] = (float)u;
            c[i] = (float)gg_rng_normal(&r);
        }
        gg_act_forward(a, y, x, N);
        for (int i = 0; i < N; i++)
            dx[i] = 1e30f;  // overwritten, not accumulated
        gg_act_backward(a, dx, c, y, N);
        double worst_fd = 0.0, worst_an = 0.0;
        const double h = 1e-2;
        for (int i = 0; i < N; i++) {
            float xp[N], xm[N];
            memcpy(xp, x, sizeof x);
            memcpy(xm, x, sizeof x);
            xp[i] = (float)((double)x[i] + h);
            xm[i] = (float)((double)x[i] - h);
            double num = (objective(a, xp, c, N) - objective(a, xm, c, N)) /
                         ((double)xp[i] - (double)xm[i]);
            // Central differences have O(h^2 f''') error (~1e-5 here) plus float rounding
            // of the forward (~1e-7/h); scale by |c_i|.
            double err = fabs((double)dx[i] - num) / (1.0 + fabs((double)c[i]));
            worst_fd = fmax(worst_fd, err);
            double an = (double)c[i] * ref_df(a, (double)x[i]);
            worst_an = fmax(worst_an, fabs((double)dx[i] - an) / (1e-6 + fabs(an)));
        }
        char name[96];
        snprintf(name, sizeof name, "%s backward vs central difference", gg_act_name(a));
        CHECK_NEAR(name, worst_fd, 0.0, 1e-4);
        snprintf(name, sizeof name, "%s backward vs analytic derivative in double (rel)",
                 gg_act_name(a));
        CHECK_NEAR(name, worst_an, 0.0, 1e-5);
        // dx may alias dy.
        float g[N];
        memcpy(g, c, sizeof c);
        gg_act_backward(a, g, g, y, N);
        snprintf(name, sizeof name, "%s backward in place equals out of place", gg_act_name(a));
        CHECK(name, memcmp(g, dx, sizeof g) == 0);
    }
    // relu's gradient at 0 is 0 (torch threshold_backward uses y > 0).
    float y0[2] = {0.0f, 1.0f}, dy0[2] = {5.0f, 5.0f}, dx0[2];
    gg_act_backward(GG_ACT_RELU, dx0, dy0, y0, 2);
    CHECK("relu backward at y = 0 is 0", dx0[0] == 0.0f);
    CHECK("relu backward at y > 0 passes dy", dx0[1] == 5.0f);
    // Saturated sigmoid/tanh give zero (not NaN) gradients.
    float ys[2] = {1.0f, 0.0f}, dxs[2];
    gg_act_backward(GG_ACT_SIGMOID, dxs, dy0, ys, 2);
    CHECK("sigmoid backward saturated is 0", dxs[0] == 0.0f && dxs[1] == 0.0f);
    float yt[2] = {1.0f, -1.0f};
    gg_act_backward(GG_ACT_TANH, dxs, dy0, yt, 2);
    CHECK("tanh backward saturated is 0", dxs[0] == 0.0f && dxs[1] == 0.0f);
}

static void test_names(void)
{
    const char *names[] = {"relu", "sigmoid", "tanh"};
    const gg_act acts[] = {GG_ACT_RELU, GG_ACT_SIGMOID, GG_ACT_TANH};
    for (int k = 0; k < 3; k++) {
        gg_act a = (gg_act)99;
        CHECK_CONTAINS("gg_act_name", gg_act_name(acts[k]), names[k]);
        CHECK("gg_act_name exact", gg_act_name(acts[k]) && strcmp(gg_act_name(acts[k]), names[k]) == 0);
        CHECK_EQ("gg_act_parse succeeds", gg_act_parse(names[k], &a), 0);
        CHECK_EQ("gg_act_parse round-trips", a, acts[k]);
    }
    gg_act a = GG_ACT_TANH;
    CHECK_EQ("unknown name gives -1", gg_act_parse("gelu", &a), -1);
    CHECK_EQ("unknown name leaves *a alone", a, GG_ACT_TANH);
    CHECK_EQ("empty name gives -1", gg_act_parse("", &a), -1);
    CHECK_EQ("prefix of a name gives -1", gg_act_parse("rel", &a), -1);
    CHECK_EQ("name with a suffix gives -1", gg_act_parse("relu6", &a), -1);
    CHECK("unknown value has no name", gg_act_name((gg_act)3) == NULL);
    CHECK("negative value has no name", gg_act_name((gg_act)-1) == NULL);
}

int main(void)
{
    test_values();
    test_backward_fd();
    test_names();
    return CHECK_DONE();
}
