/* tests/test_clip.c — gradient norms, clip_grad_norm_/clip_grad_value_ and L1/L2 penalties
 * on a tiny model with hand-set gradients, against values computed by hand. */
#include <math.h>

#include "check.h"
#include "clip.h"
#include "model.h"

/* Linear(2,1): parameters W (1x2) then b (1), i.e. 3 floats in two tensors. */
static gg_model *tiny(void)
{
    gg_layer_spec s = {.kind = GG_LAYER_LINEAR, .in = 2, .out = 1};
    gg_model *m = NULL;
    gg_model_new(&m, &s, 1, NULL);
    return m;
}

static void set(float *dst, float a, float b, float c)
{
    dst[0] = a, dst[1] = b, dst[2] = c;
}

int main(void)
{
    gg_model *m = tiny();
    if (!m)
        return 1;
    float *g = gg_model_grads(m), *p = gg_model_params(m);

    // Grads: W = (3, -4), b = (12): per-tensor 2-norms 5 and 12, total 13.
    set(g, 3, -4, 12);
    CHECK_NEAR("2-norm of (5, 12) = 13", gg_grad_norm(m, 2.0), 13.0, 1e-6);
    CHECK_NEAR("1-norm = 19", gg_grad_norm(m, 1.0), 19.0, 1e-6);
    CHECK_NEAR("inf-norm = 12", gg_grad_norm(m, INFINITY), 12.0, 0);
    // p = 3: per tensor (27+64)^(1/3) and 12, then the 3-norm of those.
    double t1 = cbrt(91.0), want3 = cbrt(t1 * t1 * t1 + 1728.0);
    CHECK_REL("3-norm of per-tensor 3-norms", gg_grad_norm(m, 3.0), want3, 1e-6);
    CHECK("grad_norm leaves the gradients alone", g[0] == 3 && g[1] == -4 && g[2] == 12);

    float total = gg_clip_grad_norm(m, 6.5, 2.0);
    CHECK_NEAR("clip returns the pre-clip norm", total, 13.0, 1e-6);
    float coef = 6.5f / (13.0f + 1e-6f);
    CHECK("clip scales by max_norm / (norm + 1e-6)", g[0] == 3 * coef && g[1] == -4 * coef && g[2] == 12 * coef);
    CHECK_NEAR("clipped norm is max_norm", gg_grad_norm(m, 2.0), 6.5, 1e-5);

    set(g, 0.3f, -0.4f, 0);
    gg_clip_grad_norm(m, 10.0, 2.0);
    CHECK("below max_norm the coefficient clamps to 1", g[0] == 0.3f && g[1] == -0.4f);

    set(g, 0.5f, -2.0f, 0.1f);
    gg_clip_grad_value(m, 0.25f);
    CHECK("clip_value clamps both ways", g[0] == 0.25f && g[1] == -0.25f && g[2] == 0.1f);

    // Penalty: w = (1, -2), b = 0: l1 * 3 + l2 * 5; grads l1*sign(w) + 2*l2*w, sign(0) = 0.
    set(p, 1, -2, 0);
    set(g, 0, 0, 0);
    CHECK_NEAR("penalty value", gg_penalty(m, 0.1, 0.01, 0), 0.1 * 3 + 0.01 * 5, 1e-7);
    CHECK("penalty without grads leaves them", g[0] == 0 && g[1] == 0 && g[2] == 0);
    gg_penalty(m, 0.1, 0.01, 1);
    CHECK_NEAR("penalty grad w1", g[0], 0.1 + 0.02 * 1, 1e-7);
    CHECK_NEAR("penalty grad w2", g[1], -0.1 + 0.02 * -2, 1e-7);
    CHECK("penalty grad at 0 is 0 (sign(0) = 0)", g[2] == 0.0f);

    gg_err err;
    CHECK_EQ("max_norm 0 rejected", gg_clip_check(0.0, 2.0, &err), GG_EINVAL);
    CHECK_CONTAINS("message names max_norm", err.msg, "max_norm");
    CHECK_EQ("norm_type -1 rejected", gg_clip_check(1.0, -1.0, &err), GG_EINVAL);
    CHECK_CONTAINS("message names norm_type", err.msg, "norm_type");
    CHECK_EQ("norm_type inf accepted", gg_clip_check(1.0, INFINITY, &err), GG_OK);
    gg_model_free(m);
    return CHECK_DONE();
}
