/* tests/test_model.c — the sequential MLP: whole-model finite-difference gradient checks
 * of the flat gradient buffer for 3-8-4-2 models with relu/sigmoid/tanh mixes (against a
 * double-precision reference forward written here, and loosely through the float32 model),
 * spec validation, PyTorch's init and parameter layout, zero_grad, and arena growth. */
#define _POSIX_C_SOURCE 200809L  // fork/waitpid for the huge-layer check

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "loss.h"
#include "model.h"
#include "rng.h"
#include "tensor.h"

/* A loss config for the tests: kind and reduction, PyTorch's other defaults. */
#define LC(k, r) (&(gg_loss_cfg){.kind = (k), .reduction = (r), .ignore_index = -100})

#define LIN(i, o) {GG_LAYER_LINEAR, (i), (o), GG_ACT_RELU}
#define ACT(a) {GG_LAYER_ACT, 0, 0, (a)}
#define BN(n) {GG_LAYER_BATCHNORM, (n), (n), GG_ACT_RELU}
#define DROP() {GG_LAYER_DROPOUT, 0, 0, GG_ACT_RELU}

/* ---- double-precision reference ---- */

static const double PI = 3.14159265358979323846;

static double ref_act(const gg_layer_cfg *c, double z)
{
    const double al = (double)c->ap.alpha, be = (double)c->ap.beta;
    switch (c->act) {
    case GG_ACT_RELU:       return z > 0.0 ? z : 0.0;
    case GG_ACT_SIGMOID:    return 1.0 / (1.0 + exp(-z));
    case GG_ACT_TANH:       return tanh(z);
    case GG_ACT_LEAKY_RELU: return z > 0.0 ? z : al * z;
    case GG_ACT_GELU:       return 0.5 * z * erfc(-z / sqrt(2.0));
    case GG_ACT_GELU_TANH:  return 0.5 * z * (1.0 + tanh(sqrt(2.0 / PI) * (z + 0.044715 * z * z * z)));
    case GG_ACT_ELU:        return z > 0.0 ? z : al * expm1(z);
    case GG_ACT_SILU:       return z / (1.0 + exp(-z));
    case GG_ACT_SOFTPLUS:   return z * be > (double)c->ap.threshold ? z : log1p(exp(be * z)) / be;
    case GG_ACT_IDENTITY:   return z;
    }
    return NAN;
}

/* Fixed dropout keep mask used by the reference and replayed into the model (row-major
 * (B, width) of the model's one Dropout layer). */
static float g_keep[16 * 64];

/* Forward of m's architecture with parameters P (double, flat, the model's layout), in the
 * model's current mode (BatchNorm eval uses the model's running stats; Dropout in training
 * applies g_keep); out receives (B, out). Returns the mean-squared error against t if t is
 * non-NULL. */
static double ref_forward(gg_model *m, const double *P, const float *x, size_t B,
                          const float *t, double *out)
{
    enum { MAXW = 64 };
    double a[16 * MAXW], b[16 * MAXW];
    double *cur = a, *nxt = b;
    size_t w = gg_model_in(m), tensor = 0, buffer = 0;
    const int training = gg_model_training(m);
    for (size_t i = 0; i < B * w; i++)
        cur[i] = (double)x[i];
    for (size_t l = 0; l < gg_model_layers(m); l++) {
        gg_layer_cfg s = gg_model_layer_cfg(m, l);
        if (s.kind == GG_LAYER_LINEAR) {
            size_t wo, wr, wc, bo, br, bc;
            gg_model_tensor_info(m, tensor, &wo, &wr, &wc);
            gg_model_tensor_info(m, tensor + 1, &bo, &br, &bc);
            tensor += 2;
            for (size_t r = 0; r < B; r++)
                for (size_t o = 0; o < wr; o++) {
                    double acc = P[bo + o];
                    for (size_t i = 0; i < wc; i++)
                        acc += cur[r * wc + i] * P[wo + o * wc + i];
                    nxt[r * wr + o] = acc;
                }
            w = wr;
            double *tmp = cur;
            cur = nxt;
            nxt = tmp;
        } else if (s.kind == GG_LAYER_BATCHNORM) {
            size_t go = 0, bo = 0, rows, cols, mo = 0;
            if (s.affine) {
                gg_model_tensor_info(m, tensor, &go, &rows, &cols);
                gg_model_tensor_info(m, tensor + 1, &bo, &rows, &cols);
                tensor += 2;
            }
            if (s.track_running_stats) {
                gg_model_buffer_info(m, buffer, &mo, &rows, &cols);
                buffer += 2;
            }
            const float *buf = gg_model_buffers(m);
            for (size_t j = 0; j < w; j++) {
                double mean = 0.0, var = 0.0;
                if (training || !s.track_running_stats) {
                    for (size_t r = 0; r < B; r++)
                        mean += cur[r * w + j];
                    mean /= (double)B;
                    for (size_t r = 0; r < B; r++)
                        var += (cur[r * w + j] - mean) * (cur[r * w + j] - mean);
                    var /= (double)B;
                } else {
                    mean = (double)buf[mo + j];
                    var = (double)buf[mo + w + j];
                }
                for (size_t r = 0; r < B; r++) {
                    double xh = (cur[r * w + j] - mean) / sqrt(var + s.eps);
                    cur[r * w + j] = s.affine ? P[go + j] * xh + P[bo + j] : xh;
                }
            }
        } else if (s.kind == GG_LAYER_DROPOUT) {
            if (training && s.p > 0.0)
                for (size_t i = 0; i < B * w; i++)
                    cur[i] = g_keep[i] != 0.0f ? cur[i] / (1.0 - s.p) : 0.0;
        } else {
            for (size_t i = 0; i < B * w; i++)
                cur[i] = ref_act(&s, cur[i]);
        }
    }
    double L = 0.0;
    for (size_t i = 0; i < B * w; i++) {
        if (out)
            out[i] = cur[i];
        if (t)
            L += (cur[i] - (double)t[i]) * (cur[i] - (double)t[i]);
    }
    return L / (double)(B * w);
}

static gg_model *build(const gg_layer_spec *s, size_t n, uint64_t seed)
{
    gg_model *m = NULL;
    gg_err err;
    if (gg_model_new(&m, s, n, &err) != GG_OK) {
        printf("gg_model_new failed: %s\n", err.msg);
        return NULL;
    }
    gg_rng r;
    gg_rng_seed(&r, seed);
    gg_model_init_default(m, &r);
    return m;
}

static gg_model *build_cfg(const gg_layer_cfg *c, size_t n, uint64_t seed)
{
    gg_model *m = NULL;
    gg_err err;
    if (gg_model_new_cfg(&m, c, n, &err) != GG_OK) {
        printf("gg_model_new_cfg failed: %s\n", err.msg);
        return NULL;
    }
    gg_rng r;
    gg_rng_seed(&r, seed);
    gg_model_init_default(m, &r);
    return m;
}

/* Before each forward: replay g_keep into the model's dropout layer (if any), so the
 * float model and the reference use the same mask. */
static void replay_mask(gg_model *m, size_t B)
{
    for (size_t l = 0; l < gg_model_layers(m); l++) {
        gg_layer_spec s = gg_model_layer(m, l);
        gg_err err;
        if (s.kind == GG_LAYER_DROPOUT)
            gg_model_dropout_mask(m, l, g_keep, B, &err);
    }
}

static const float *fwd(gg_model *m, const float *x, size_t B)
{
    const float *y = NULL;
    gg_err err;
    replay_mask(m, B);
    if (gg_model_forward(m, x, B, &y, &err) != GG_OK)
        printf("forward failed: %s\n", err.msg);
    return y;
}

/* Analytic flat gradient of the mean MSE vs central differences, in the model's mode
 * (eval: set eval before calling through mode = 0). */
static void gradcheck_model(const char *what, gg_model *m, uint64_t seed)
{
    enum { B = 5 };
    CHECK("model builds", m != NULL);
    if (!m)
        return;
    gg_rng r;
    gg_rng_seed(&r, seed + 100);
    const size_t in = gg_model_in(m), out = gg_model_out(m), np = gg_model_nparams(m);
    float x[B * 8], t[B * 8];
    for (size_t i = 0; i < B * in; i++)
        x[i] = (float)gg_rng_normal(&r);
    for (size_t i = 0; i < B * out; i++)
        t[i] = (float)gg_rng_normal(&r);
    for (size_t i = 0; i < sizeof g_keep / sizeof g_keep[0]; i++)
        g_keep[i] = gg_rng_uniform(&r) < 0.7 ? 1.0f : 0.0f;
    // Make the parameters a little larger than the default init so no unit is dead
    // (BatchNorm's gamma = 1 and beta = 0 are perturbed instead).
    float *P = gg_model_params(m);
    for (size_t k = 0; k < np; k++)
        P[k] = P[k] == 1.0f ? (float)(1.0 + 0.3 * gg_rng_normal(&r))
             : P[k] == 0.0f ? (float)(0.3 * gg_rng_normal(&r)) : 2.0f * P[k];

    const float *y;
    float dy[B * 8], dy_copy[B * 8];
    gg_model_zero_grad(m);
    y = fwd(m, x, B);
    float L = gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), dy, y, t, B, out);
    memcpy(dy_copy, dy, sizeof dy);
    gg_model_backward(m, dy);
    CHECK("backward does not write the caller's dy", memcmp(dy, dy_copy, B * out * sizeof *dy) == 0);
    float *G = malloc(np * sizeof *G);
    memcpy(G, gg_model_grads(m), np * sizeof *G);

    double *Pd = calloc(np, sizeof *Pd);
    for (size_t k = 0; k < np; k++)
        Pd[k] = (double)P[k];
    double yd[B * 8];
    double Ld = ref_forward(m, Pd, x, B, t, yd);
    double yerr = 0.0;
    for (size_t i = 0; i < B * out; i++)
        yerr = fmax(yerr, fabs((double)y[i] - yd[i]));
    char name[160];
    snprintf(name, sizeof name, "%s: forward output vs double reference", what);
    CHECK_NEAR(name, yerr, 0.0, 2e-5);
    snprintf(name, sizeof name, "%s: loss vs double reference", what);
    CHECK_REL(name, L, Ld, 1e-5);

    // Central differences: tight in double (h = 1e-6), loose through the float model (h = 1e-3).
    double *num = malloc(np * sizeof *num), *numf = malloc(np * sizeof *numf), gmax = 0.0;
    for (size_t k = 0; k < np; k++) {
        const double h = 1e-6;
        double keep = Pd[k];
        Pd[k] = keep + h;
        double Lp = ref_forward(m, Pd, x, B, t, NULL);
        Pd[k] = keep - h;
        double Lm = ref_forward(m, Pd, x, B, t, NULL);
        Pd[k] = keep;
        num[k] = (Lp - Lm) / (2.0 * h);
        gmax = fmax(gmax, fabs(num[k]));

        const float pk = P[k];
        P[k] = (float)((double)pk + 1e-3);
        double hp = (double)P[k];
        y = fwd(m, x, B);
        double Lpf = (double)gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), NULL, y, t, B, out);
        P[k] = (float)((double)pk - 1e-3);
        double hm = (double)P[k];
        y = fwd(m, x, B);
        double Lmf = (double)gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), NULL, y, t, B, out);
        P[k] = pk;
        numf[k] = (Lpf - Lmf) / (hp - hm);
    }
    double tight = 0.0, loose = 0.0;
    size_t worst = 0;
    for (size_t k = 0; k < np; k++) {
        // Relative error, with a floor of 1% of the largest gradient for tiny entries.
        double e = fabs((double)G[k] - num[k]) / (fabs(num[k]) + 0.01 * gmax);
        if (e > tight)
            tight = e, worst = k;
        loose = fmax(loose, fabs((double)G[k] - numf[k]) / (fabs(numf[k]) + 0.01 * gmax));
    }
    snprintf(name, sizeof name, "%s: %zu gradients vs central differences in double (worst at %zu)",
             what, np, worst);
    CHECK_NEAR(name, tight, 0.0, 1e-4);
    snprintf(name, sizeof name, "%s: gradients vs central differences of the float model", what);
    CHECK_NEAR(name, loose, 0.0, 2e-2);
    snprintf(name, sizeof name, "%s: gradient is not trivially zero", what);
    CHECK(name, gmax > 1e-3);
    free(G), free(Pd), free(num), free(numf);
}

static void gradcheck(const char *what, const gg_layer_spec *spec, size_t nspec, uint64_t seed)
{
    gg_model *m = build(spec, nspec, seed);
    gradcheck_model(what, m, seed);
    gg_model_free(m);
}

static void test_gradcheck(void)
{
    const gg_layer_spec a[] = {LIN(3, 8), ACT(GG_ACT_RELU), LIN(8, 4), ACT(GG_ACT_TANH), LIN(4, 2)};
    const gg_layer_spec b[] = {LIN(3, 8), ACT(GG_ACT_SIGMOID), LIN(8, 4), ACT(GG_ACT_RELU), LIN(4, 2),
                               ACT(GG_ACT_TANH)};
    const gg_layer_spec c[] = {LIN(3, 8), ACT(GG_ACT_TANH), LIN(8, 4), ACT(GG_ACT_SIGMOID), LIN(4, 2),
                               ACT(GG_ACT_SIGMOID)};
    const gg_layer_spec lin_only[] = {LIN(3, 8), LIN(8, 4), LIN(4, 2)};
    // Two activations in a row are a valid spec (only Linear sizes must chain).
    const gg_layer_spec stacked[] = {LIN(3, 8), ACT(GG_ACT_TANH), ACT(GG_ACT_SIGMOID), LIN(8, 4),
                                     ACT(GG_ACT_RELU), LIN(4, 2)};
    const gg_layer_spec stacked2[] = {LIN(3, 8), ACT(GG_ACT_RELU), ACT(GG_ACT_TANH), LIN(8, 4),
                                      ACT(GG_ACT_TANH), LIN(4, 2)};
    gradcheck("3-8-4-2 relu/tanh", a, 5, 1);
    gradcheck("3-8-4-2 sigmoid/relu/tanh out", b, 6, 2);
    gradcheck("3-8-4-2 tanh/sigmoid/sigmoid out", c, 6, 3);
    gradcheck("3-8-4-2 linear only", lin_only, 3, 4);
    gradcheck("3-8-4-2 tanh,sigmoid stacked", stacked, 6, 5);
    gradcheck("3-8-4-2 relu,tanh stacked", stacked2, 6, 6);

    // Every new activation after a Linear (input-needing ones keep the pre-activation),
    // as output activation, and stacked after an output-only one and before one.
    const gg_act news[] = {GG_ACT_LEAKY_RELU, GG_ACT_GELU, GG_ACT_GELU_TANH, GG_ACT_ELU,
                           GG_ACT_SILU, GG_ACT_SOFTPLUS, GG_ACT_IDENTITY};
    for (size_t k = 0; k < sizeof news / sizeof news[0]; k++) {
        char name[96];
        const gg_layer_spec s1[] = {LIN(3, 8), ACT(news[k]), LIN(8, 4), ACT(news[k]), LIN(4, 2), ACT(news[k])};
        snprintf(name, sizeof name, "3-8-4-2 %s everywhere", gg_act_name(news[k]));
        gradcheck(name, s1, 6, 10 + k);
        const gg_layer_spec s2[] = {LIN(3, 8), ACT(GG_ACT_TANH), ACT(news[k]), ACT(GG_ACT_RELU), LIN(8, 2)};
        snprintf(name, sizeof name, "3-8-2 tanh,%s,relu stacked", gg_act_name(news[k]));
        gradcheck(name, s2, 5, 20 + k);
    }
    // Non-default parameters, including a negative leaky slope (backward needs x).
    gg_layer_cfg pc[] = {gg_layer_defaults((gg_layer_spec)LIN(3, 8)), gg_layer_defaults((gg_layer_spec)ACT(GG_ACT_LEAKY_RELU)),
                         gg_layer_defaults((gg_layer_spec)LIN(8, 4)), gg_layer_defaults((gg_layer_spec)ACT(GG_ACT_ELU)),
                         gg_layer_defaults((gg_layer_spec)LIN(4, 2)), gg_layer_defaults((gg_layer_spec)ACT(GG_ACT_SOFTPLUS))};
    pc[1].ap.alpha = -0.3f;
    pc[3].ap.alpha = 0.4f;
    pc[5].ap.beta = 2.0f;
    pc[5].ap.threshold = 5.0f;  // softplus jumps at the threshold; keep it far from the data
    gg_model *// Seed chosen so no pre-activation falls within the float check's +-1e-3 of the kinks
    // at 0 (leaky_relu(-0.3) and elu(0.4) have derivative jumps of 1.3 and 0.6 there).
    m = build_cfg(pc, 6, 33);
    gradcheck_model("leaky_relu(-0.3), elu(0.4), softplus(2, 5)", m, 33);
    gg_model_free(m);

    // BatchNorm1d in training mode (gamma and beta gradients included), before and after
    // an activation, affine or not, without running stats.
    const gg_layer_spec bn1[] = {LIN(3, 8), BN(8), ACT(GG_ACT_RELU), LIN(8, 4), BN(4), ACT(GG_ACT_TANH), LIN(4, 2)};
    gradcheck("3-8-4-2 bn,relu / bn,tanh (train)", bn1, 7, 40);
    const gg_layer_spec bn2[] = {LIN(3, 8), ACT(GG_ACT_GELU), BN(8), LIN(8, 2), BN(2)};
    gradcheck("3-8-2 gelu,bn / bn out (train)", bn2, 5, 41);
    gg_layer_cfg bc[] = {gg_layer_defaults((gg_layer_spec)LIN(3, 8)), gg_layer_defaults((gg_layer_spec)BN(8)),
                         gg_layer_defaults((gg_layer_spec)ACT(GG_ACT_SIGMOID)), gg_layer_defaults((gg_layer_spec)LIN(8, 2))};
    bc[1].affine = 0;
    bc[1].eps = 0.1;
    m = build_cfg(bc, 4, 42);
    gradcheck_model("3-8-2 bn(affine=false, eps=0.1),sigmoid (train)", m, 42);
    gg_model_free(m);
    bc[1].affine = 1;
    bc[1].track_running_stats = 0;
    m = build_cfg(bc, 4, 43);
    if (m)
        gg_model_set_training(m, 0);
    gradcheck_model("3-8-2 bn(track_running_stats=false) in eval mode (batch stats)", m, 43);
    gg_model_free(m);
    // Evaluation mode: running statistics (set to non-trivial values) are constants.
    m = build(bn1, 7, 44);
    if (m) {
        gg_rng r;
        gg_rng_seed(&r, 45);
        float *buf = gg_model_buffers(m);
        for (size_t k = 0; k < gg_model_nbuffer_tensors(m); k++) {
            size_t off, rows, cols;
            gg_model_buffer_info(m, k, &off, &rows, &cols);
            for (size_t j = 0; j < cols; j++)
                buf[off + j] = k % 2 ? (float)(0.5 + gg_rng_uniform(&r)) : (float)(0.3 * gg_rng_normal(&r));
        }
        gg_model_set_training(m, 0);
    }
    gradcheck_model("3-8-4-2 bn in eval mode (running stats)", m, 44);
    gg_model_free(m);

    // Dropout with a fixed (replayed) mask, after an output-only and an input-needing act.
    const gg_layer_spec d1[] = {LIN(3, 8), ACT(GG_ACT_RELU), DROP(), LIN(8, 2)};
    gradcheck("3-8-2 relu,dropout (fixed mask)", d1, 4, 50);
    const gg_layer_spec d2[] = {LIN(3, 8), ACT(GG_ACT_SILU), DROP(), ACT(GG_ACT_TANH), LIN(8, 2)};
    gradcheck("3-8-2 silu,dropout,tanh (fixed mask)", d2, 5, 51);
    m = build(d2, 5, 52);
    if (m)
        gg_model_set_training(m, 0);
    gradcheck_model("3-8-2 silu,dropout,tanh in eval mode (identity)", m, 52);
    gg_model_free(m);
}

/* ---- specs ---- */

/* Runs gg_model_new in a child process, so a core that tries a huge allocation (and is
 * killed by the sanitizer's allocator) cannot take the test binary down; returns the
 * status the child got, or -1 if it did not exit normally. */
static int status_in_child(const gg_layer_spec *s, size_t n)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(100);
        gg_model *m = NULL;
        gg_err err;
        gg_status st = gg_model_new(&m, s, n, &err);
        gg_model_free(m);
        _exit((int)st);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws))
        return -1;
    return WEXITSTATUS(ws);
}

/* Runs a 0-row forward on a fresh model (nothing reserved yet) in a child process, so
 * undefined behaviour caught by a sanitizer cannot take the test binary down; returns the
 * child's status, or -1 if it did not exit normally. */
static int empty_forward_in_child(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        const gg_layer_spec s[] = {LIN(3, 2)};
        gg_model *m = NULL;
        gg_err err;
        const float x[3] = {0, 0, 0}, *y = NULL;
        if (gg_model_new(&m, s, 1, &err) != GG_OK)
            _exit(100);
        gg_status st = gg_model_forward(m, x, 0, &y, &err);
        gg_model_free(m);
        _exit((int)st);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws))
        return -1;
    return WEXITSTATUS(ws);
}

static void test_specs(void)
{
    gg_model *m;
    gg_err err;

    const gg_layer_spec chain[] = {LIN(3, 8), ACT(GG_ACT_RELU), LIN(5, 2)};
    memset(&err, 0, sizeof err);
    m = (gg_model *)&err;
    CHECK_EQ("shape chain mismatch is GG_ESHAPE", gg_model_new(&m, chain, 3, &err), GG_ESHAPE);
    CHECK("shape chain mismatch: *out NULL", m == NULL);
    CHECK_EQ("err.code set", err.code, GG_ESHAPE);
    CHECK_CONTAINS("chain message names the layer", err.msg, "layer 3");
    CHECK_CONTAINS("chain message names the expected width", err.msg, "5");
    CHECK_CONTAINS("chain message names the given width", err.msg, "8");

    const gg_layer_spec zero_out[] = {LIN(3, 0), LIN(0, 2)};
    CHECK_EQ("0-unit layer is GG_EINVAL", gg_model_new(&m, zero_out, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("0-unit message names the layer", err.msg, "layer 1");
    const gg_layer_spec zero_in[] = {LIN(0, 3)};
    CHECK_EQ("0-input layer is GG_EINVAL", gg_model_new(&m, zero_in, 1, &err), GG_EINVAL);
    const gg_layer_spec zero_mid[] = {LIN(3, 4), ACT(GG_ACT_RELU), LIN(4, 0)};
    CHECK_EQ("0-unit later layer is GG_EINVAL", gg_model_new(&m, zero_mid, 3, &err), GG_EINVAL);
    CHECK_CONTAINS("0-unit later layer message names it", err.msg, "layer 3");

    const gg_layer_spec act_first[] = {ACT(GG_ACT_RELU), LIN(3, 2)};
    CHECK_EQ("activation first is GG_EINVAL", gg_model_new(&m, act_first, 2, &err), GG_EINVAL);
    CHECK_EQ("no layers is GG_EINVAL", gg_model_new(&m, act_first, 0, &err), GG_EINVAL);
    const gg_layer_spec bad_act[] = {LIN(3, 2), {GG_LAYER_ACT, 0, 0, (gg_act)77}};
    CHECK_EQ("unknown activation is GG_EINVAL", gg_model_new(&m, bad_act, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("unknown activation message names the layer", err.msg, "layer 2");
    const gg_layer_spec bad_kind[] = {LIN(3, 2), {(gg_layer_kind)9, 2, 2, GG_ACT_RELU}};
    CHECK_EQ("unknown layer kind is GG_EINVAL", gg_model_new(&m, bad_kind, 2, &err), GG_EINVAL);
    gg_layer_spec many[GG_MODEL_MAX_LAYERS + 1];
    many[0] = (gg_layer_spec)LIN(2, 2);
    for (size_t i = 1; i <= GG_MODEL_MAX_LAYERS; i++)
        many[i] = (gg_layer_spec)ACT(GG_ACT_TANH);
    CHECK_EQ("too many layers is GG_EINVAL", gg_model_new(&m, many, GG_MODEL_MAX_LAYERS + 1, &err), GG_EINVAL);
    CHECK_EQ("max layers accepted", gg_model_new(&m, many, GG_MODEL_MAX_LAYERS, &err), GG_OK);
    gg_model_free(m);

    // Absurd sizes are rejected before allocating (an attempt would abort under ASan).
    const gg_layer_spec huge[] = {LIN(3, (size_t)1000000000000ULL)};
    m = (gg_model *)&err;
    CHECK_EQ("10^12-unit layer is GG_EINVAL", gg_model_new(&m, huge, 1, &err), GG_EINVAL);
    CHECK("10^12-unit layer: *out NULL", m == NULL);
    CHECK_CONTAINS("10^12-unit message says too large", err.msg, "too large");
    const gg_layer_spec huge2[] = {LIN(3, 4), LIN(4, (size_t)1000000000000ULL), LIN((size_t)1000000000000ULL, 1)};
    CHECK_EQ("10^12-unit hidden layer is GG_EINVAL", gg_model_new(&m, huge2, 3, &err), GG_EINVAL);
    const gg_layer_spec ovf[] = {LIN((size_t)1 << 40, (size_t)1 << 40)};
    CHECK_EQ("weight count overflowing size_t is GG_EINVAL", gg_model_new(&m, ovf, 1, &err), GG_EINVAL);
    // Every tensor fits the GG_TENSOR_MAX_NUMEL limit but the model's total does not:
    // across two layers, and within one layer where the weight fits but weight + bias does
    // not. Run in a child: a core that misses this would try to allocate gigabytes.
    const size_t lim = GG_TENSOR_MAX_NUMEL;
    const gg_layer_spec tot[] = {LIN(1, lim / 2), LIN(lim / 2, 1)};
    CHECK_EQ("parameters over the limit across two layers is GG_EINVAL", status_in_child(tot, 2), GG_EINVAL);
    const gg_layer_spec wb[] = {LIN(3, lim / 3)};
    CHECK_EQ("3 -> limit/3 layer (weight fits, weight + bias does not) is GG_EINVAL",
             status_in_child(wb, 1), GG_EINVAL);
}

/* ---- init and layout ---- */

static void test_layout_init(void)
{
    const gg_layer_spec s[] = {LIN(3, 8), ACT(GG_ACT_RELU), LIN(8, 4), ACT(GG_ACT_SIGMOID), LIN(4, 2)};
    gg_model *m = NULL;
    gg_err err;
    CHECK_EQ("3-8-4-2 builds", gg_model_new(&m, s, 5, &err), GG_OK);
    if (!m)
        return;
    CHECK_EQ("layers", gg_model_layers(m), 5);
    CHECK_EQ("in", gg_model_in(m), 3);
    CHECK_EQ("out", gg_model_out(m), 2);
    CHECK_EQ("nparams = 24+8+32+4+8+2", gg_model_nparams(m), 78);
    CHECK_EQ("ntensors", gg_model_ntensors(m), 6);
    CHECK_EQ("batch before any forward", gg_model_batch(m), 0);
    // PyTorch order: W1 (8,3), b1 (1,8), W2 (4,8), b2 (1,4), W3 (2,4), b3 (1,2).
    static const size_t want[6][3] = {{0, 8, 3}, {24, 1, 8}, {32, 4, 8}, {64, 1, 4}, {68, 2, 4}, {76, 1, 2}};
    for (size_t k = 0; k < 6; k++) {
        size_t off, rows, cols;
        gg_model_tensor_info(m, k, &off, &rows, &cols);
        char name[64];
        snprintf(name, sizeof name, "tensor %zu offset", k);
        CHECK_EQ(name, off, want[k][0]);
        snprintf(name, sizeof name, "tensor %zu rows", k);
        CHECK_EQ(name, rows, want[k][1]);
        snprintf(name, sizeof name, "tensor %zu cols", k);
        CHECK_EQ(name, cols, want[k][2]);
    }
    gg_layer_spec l1 = gg_model_layer(m, 1), l3 = gg_model_layer(m, 3), l4 = gg_model_layer(m, 4);
    CHECK("layer 1 is relu of width 8", l1.kind == GG_LAYER_ACT && l1.act == GG_ACT_RELU && l1.in == 8 && l1.out == 8);
    CHECK("layer 3 is sigmoid of width 4", l3.kind == GG_LAYER_ACT && l3.act == GG_ACT_SIGMOID && l3.in == 4 && l3.out == 4);
    CHECK("layer 4 is linear 4 -> 2", l4.kind == GG_LAYER_LINEAR && l4.in == 4 && l4.out == 2);

    float *P = gg_model_params(m);
    int zero = 1;
    for (size_t k = 0; k < 78; k++)
        zero &= P[k] == 0.0f && gg_model_grads(m)[k] == 0.0f;
    CHECK("parameters and gradients are zero before init", zero);

    gg_rng r;
    gg_rng_seed(&r, 99);
    gg_model_init_default(m, &r);
    // Bounds 1/sqrt(in) per layer, for W and b; and the values span most of the range.
    static const size_t fan[6] = {3, 3, 8, 8, 4, 4};
    int in_bounds = 1;
    double reach[3] = {0, 0, 0};
    for (size_t k = 0; k < 6; k++) {
        size_t off, rows, cols;
        gg_model_tensor_info(m, k, &off, &rows, &cols);
        float bound = (float)(1.0 / sqrt((double)fan[k]));
        for (size_t i = 0; i < rows * cols; i++) {
            in_bounds &= fabsf(P[off + i]) <= bound;
            reach[k / 2] = fmax(reach[k / 2], fabs((double)P[off + i]) / (double)bound);
        }
    }
    CHECK("init: all |w|, |b| <= 1/sqrt(in)", in_bounds);
    CHECK("init: layer 1 values reach 80% of the bound", reach[0] > 0.8);
    CHECK("init: layer 2 values reach 80% of the bound", reach[1] > 0.8);
    // Draw order: for each Linear, W row-major then b, each (2u - 1) / sqrt(in).
    gg_rng_seed(&r, 99);
    int same = 1;
    for (size_t k = 0; k < 6; k++) {
        size_t off, rows, cols;
        gg_model_tensor_info(m, k, &off, &rows, &cols);
        double bound = 1.0 / sqrt((double)fan[k]);
        for (size_t i = 0; i < rows * cols; i++)
            same &= P[off + i] == (float)((2.0 * gg_rng_uniform(&r) - 1.0) * bound);
    }
    CHECK("init: W then b per layer, row-major, from the rng stream", same);
    // Statistical: over a wide layer the weights look uniform (mean 0, var bound^2/3).
    gg_model_free(m);
    const gg_layer_spec wide[] = {LIN(100, 200)};
    m = build(wide, 1, 5);
    if (m) {
        double s1 = 0.0, s2 = 0.0;
        for (size_t k = 0; k < 20000; k++) {
            s1 += (double)gg_model_params(m)[k];
            s2 += (double)gg_model_params(m)[k] * (double)gg_model_params(m)[k];
        }
        // bound 0.1: var 0.01/3; se(mean) = sqrt(0.01/3/20000) = 4.1e-4.
        CHECK_NEAR("init: weight mean 0 (5 se)", s1 / 20000, 0.0, 2.1e-3);
        CHECK_REL("init: weight variance bound^2/3", s2 / 20000, 0.01 / 3.0, 0.03);
    }
    gg_model_free(m);
    gg_model_free(NULL);
}

/* ---- operations ---- */

static void test_operations(void)
{
    // A 0-row forward is not forbidden by model.h: it must not crash (no memcpy to the
    // not-yet-reserved NULL input buffer); GG_OK or GG_EINVAL are both acceptable. First,
    // while this process holds no model: the child's leak check (valgrind) sees no
    // inherited blocks it cannot reach.
    int st0 = empty_forward_in_child();
    char name0[96];
    snprintf(name0, sizeof name0, "0-row forward on a fresh model exits cleanly with GG_OK or GG_EINVAL (got %d)", st0);
    CHECK(name0, st0 == GG_OK || st0 == GG_EINVAL);

    const gg_layer_spec s[] = {LIN(3, 8), ACT(GG_ACT_TANH), LIN(8, 4), ACT(GG_ACT_RELU), LIN(4, 2)};
    gg_model *m = build(s, 5, 7);
    if (!m)
        return;
    gg_err err;
    enum { BIG = 50 };
    float x[BIG * 3], xc[BIG * 3];
    gg_rng r;
    gg_rng_seed(&r, 8);
    for (size_t i = 0; i < BIG * 3; i++)
        x[i] = (float)gg_rng_normal(&r);
    memcpy(xc, x, sizeof x);

    // Row-by-row outputs (B = 1) as the reference.
    float y1[BIG * 2];
    const float *y;
    for (size_t row = 0; row < BIG; row++) {
        gg_model_forward(m, x + row * 3, 1, &y, &err);
        memcpy(y1 + row * 2, y, 2 * sizeof(float));
    }
    CHECK_EQ("batch of the last forward", gg_model_batch(m), 1);
    // Small, then bigger (arena growth), then small again.
    CHECK_EQ("forward B=2", gg_model_forward(m, x, 2, &y, &err), GG_OK);
    CHECK("B=2 rows equal B=1 rows", memcmp(y, y1, 4 * sizeof(float)) == 0);
    CHECK_EQ("forward B=50 after B=2", gg_model_forward(m, x, BIG, &y, &err), GG_OK);
    CHECK("B=50 rows equal B=1 rows", memcmp(y, y1, sizeof y1) == 0);
    CHECK_EQ("batch is 50", gg_model_batch(m), BIG);
    CHECK_EQ("forward B=3 after B=50", gg_model_forward(m, x + 3, 3, &y, &err), GG_OK);
    CHECK("B=3 rows equal B=1 rows", memcmp(y, y1 + 2, 6 * sizeof(float)) == 0);
    CHECK("forward does not modify x", memcmp(x, xc, sizeof x) == 0);

    // gg_model_input + gg_model_run is the same as gg_model_forward.
    CHECK_EQ("reserve 10", gg_model_reserve(m, 10, &err), GG_OK);
    memcpy(gg_model_input(m, 10), x, 10 * 3 * sizeof(float));
    y = gg_model_run(m, 10);
    CHECK("input + run equals forward", memcmp(y, y1, 20 * sizeof(float)) == 0);

    // Absurd reserve fails cleanly; the model keeps working.
    CHECK("reserve of 10^15 rows fails", gg_model_reserve(m, (size_t)1000000000000000ULL, &err) != GG_OK);
    CHECK_EQ("forward still works after a failed reserve", gg_model_forward(m, x, 4, &y, &err), GG_OK);
    CHECK("and gives the same rows", memcmp(y, y1, 8 * sizeof(float)) == 0);

    // Gradients: accumulate across backward calls, zero_grad clears, growth keeps them right.
    const size_t np = gg_model_nparams(m);
    float dy[BIG * 2], *G1 = malloc(np * sizeof(float)), *Gsum = malloc(np * sizeof(float));
    for (size_t i = 0; i < BIG * 2; i++)
        dy[i] = (float)gg_rng_normal(&r);
    gg_model_zero_grad(m);
    gg_model_forward(m, x, 4, &y, &err);
    gg_model_backward(m, dy);
    memcpy(G1, gg_model_grads(m), np * sizeof(float));
    int nonzero = 0;
    for (size_t k = 0; k < np; k++)
        nonzero += G1[k] != 0.0f;
    CHECK("backward fills gradients", nonzero > (int)np / 2);
    gg_model_backward(m, dy);
    double worst = 0.0;
    for (size_t k = 0; k < np; k++)
        worst = fmax(worst, fabs((double)gg_model_grads(m)[k] - 2.0 * (double)G1[k]) /
                                (1e-6 + fabs((double)G1[k])));
    CHECK_NEAR("second backward accumulates (2x)", worst, 0.0, 1e-5);
    gg_model_zero_grad(m);
    int allzero = 1;
    for (size_t k = 0; k < np; k++)
        allzero &= gg_model_grads(m)[k] == 0.0f;
    CHECK("zero_grad zeroes every gradient", allzero);

    // Gradient of a 60-row batch (grows the arena) = sum of 4 + 56-row pieces' gradients.
    enum { B2 = 60 };
    float xb[B2 * 3], dyb[B2 * 2];
    for (size_t i = 0; i < B2 * 3; i++)
        xb[i] = (float)gg_rng_normal(&r);
    for (size_t i = 0; i < B2 * 2; i++)
        dyb[i] = (float)gg_rng_normal(&r);
    gg_model_zero_grad(m);
    gg_model_forward(m, xb, 4, &y, &err);
    gg_model_backward(m, dyb);
    gg_model_forward(m, xb + 4 * 3, B2 - 4, &y, &err);
    gg_model_backward(m, dyb + 4 * 2);
    memcpy(Gsum, gg_model_grads(m), np * sizeof(float));
    gg_model_zero_grad(m);
    CHECK_EQ("forward B=60 grows the arena", gg_model_forward(m, xb, B2, &y, &err), GG_OK);
    gg_model_backward(m, dyb);
    double gmax = 0.0;
    worst = 0.0;
    for (size_t k = 0; k < np; k++)
        gmax = fmax(gmax, fabs((double)Gsum[k]));
    for (size_t k = 0; k < np; k++)
        worst = fmax(worst, fabs((double)gg_model_grads(m)[k] - (double)Gsum[k]) / gmax);
    CHECK_NEAR("full-batch gradient = sum of piece gradients", worst, 0.0, 1e-5);
    free(G1), free(Gsum);
    gg_model_free(m);
}

/* ---- BatchNorm1d, Dropout, modes ---- */

static void test_batchnorm(void)
{
    // Linear(2,2) = identity, then BatchNorm1d(2): the BN sees x itself.
    const gg_layer_spec s[] = {LIN(2, 2), BN(2)};
    gg_model *m = build(s, 2, 1);
    if (!m)
        return;
    CHECK_EQ("bn: nparams = 6 + gamma, beta", gg_model_nparams(m), 10);
    CHECK_EQ("bn: 4 parameter tensors", gg_model_ntensors(m), 4);
    size_t off, rows, cols;
    gg_model_tensor_info(m, 2, &off, &rows, &cols);
    CHECK("bn: gamma is tensor 3 at 6, (1,2)", off == 6 && rows == 1 && cols == 2);
    gg_model_tensor_info(m, 3, &off, &rows, &cols);
    CHECK("bn: beta is tensor 4 at 8, (1,2)", off == 8 && rows == 1 && cols == 2);
    CHECK_EQ("bn: 2 buffer tensors", gg_model_nbuffer_tensors(m), 2);
    CHECK_EQ("bn: 4 buffer floats", gg_model_nbuffers(m), 4);
    gg_model_buffer_info(m, 1, &off, &rows, &cols);
    CHECK("bn: running_var is buffer 2 at 2, (1,2)", off == 2 && rows == 1 && cols == 2);
    float *P = gg_model_params(m), *buf = gg_model_buffers(m);
    CHECK("bn: gamma = 1, beta = 0 after init", P[6] == 1.0f && P[7] == 1.0f && P[8] == 0.0f && P[9] == 0.0f);
    CHECK("bn: running mean 0, var 1 after init", buf[0] == 0.0f && buf[1] == 0.0f && buf[2] == 1.0f && buf[3] == 1.0f);
    const float W[6] = {1, 0, 0, 1, 0, 0};
    memcpy(P, W, sizeof W);
    P[6] = 2.0f, P[7] = 0.5f, P[8] = 1.0f, P[9] = -1.0f;  // gamma, beta
    const float x[8] = {1, 10, 2, 20, 4, 40, 5, 30};
    const float *y;
    gg_err err;
    CHECK("bn: training mode after construction", gg_model_training(m) == 1);
    CHECK_EQ("bn: train forward", gg_model_forward(m, x, 4, &y, &err), GG_OK);
    // Column 0: mean 3, biased var (4+1+1+4)/4 = 2.5, unbiased 10/3.
    // Column 1: mean 25, biased var (225+25+225+25)/4 = 125, unbiased 500/3.
    double worst = 0.0;
    for (int r = 0; r < 4; r++) {
        double y0 = 2.0 * ((double)x[2 * r] - 3.0) / sqrt(2.5 + 1e-5) + 1.0;
        double y1 = 0.5 * ((double)x[2 * r + 1] - 25.0) / sqrt(125.0 + 1e-5) - 1.0;
        worst = fmax(worst, fmax(fabs((double)y[2 * r] - y0), fabs((double)y[2 * r + 1] - y1)));
    }
    CHECK_NEAR("bn: train output = gamma (x - mean)/sqrt(biased var + eps) + beta", worst, 0.0, 1e-6);
    CHECK_NEAR("bn: running_mean = 0.9*0 + 0.1*3", buf[0], 0.3, 1e-7);
    CHECK_NEAR("bn: running_mean = 0.9*0 + 0.1*25", buf[1], 2.5, 2e-7);
    CHECK_NEAR("bn: running_var = 0.9*1 + 0.1*10/3 (unbiased)", buf[2], 0.9 + 1.0 / 3.0, 1e-7);
    CHECK_NEAR("bn: running_var = 0.9*1 + 0.1*500/3", buf[3], 0.9 + 50.0 / 3.0, 2e-6);
    CHECK_EQ("bn: second train forward", gg_model_forward(m, x, 4, &y, &err), GG_OK);
    CHECK_NEAR("bn: running_mean after two steps 0.9*0.3 + 0.3", buf[0], 0.57, 1e-7);
    CHECK_NEAR("bn: running_var after two steps", buf[2], 0.9 * (0.9 + 1.0 / 3.0) + 1.0 / 3.0, 2e-7);
    // Evaluation: running stats, no update.
    float keep[4];
    memcpy(keep, buf, sizeof keep);
    gg_model_set_training(m, 0);
    CHECK("bn: eval mode", gg_model_training(m) == 0);
    CHECK_EQ("bn: eval forward with one row is allowed", gg_model_forward(m, x, 1, &y, &err), GG_OK);
    double e0 = 2.0 * (1.0 - (double)buf[0]) / sqrt((double)buf[2] + 1e-5) + 1.0;
    double e1 = 0.5 * (10.0 - (double)buf[1]) / sqrt((double)buf[3] + 1e-5) - 1.0;
    CHECK_NEAR("bn: eval output uses running stats (col 1)", y[0], e0, 1e-6);
    CHECK_NEAR("bn: eval output uses running stats (col 2)", y[1], e1, 1e-6);
    CHECK("bn: eval leaves running stats alone", memcmp(keep, buf, sizeof keep) == 0);
    gg_model_set_training(m, 1);
    CHECK_EQ("bn: one-row batch in training is GG_EINVAL", gg_model_forward(m, x, 1, &y, &err), GG_EINVAL);
    CHECK_CONTAINS("bn: message says more than 1 row", err.msg, "more than 1 row");
    // gg_model_run with one row (no status) leaves the running stats alone.
    memcpy(gg_model_input(m, 1), x, 2 * sizeof(float));
    y = gg_model_run(m, 1);
    CHECK("bn: one-row gg_model_run does not touch running stats", memcmp(keep, buf, sizeof keep) == 0);
    CHECK("bn: one-row output is beta", y[0] == 1.0f && y[1] == -1.0f);
    // init resets gamma, beta and the running stats.
    gg_rng r;
    gg_rng_seed(&r, 3);
    gg_model_init_default(m, &r);
    CHECK("bn: init resets gamma/beta", P[6] == 1.0f && P[7] == 1.0f && P[8] == 0.0f && P[9] == 0.0f);
    CHECK("bn: init resets running stats", buf[0] == 0.0f && buf[1] == 0.0f && buf[2] == 1.0f && buf[3] == 1.0f);
    gg_model_free(m);

    // momentum 0 keeps the running stats; momentum 1 replaces them.
    gg_layer_cfg c[] = {gg_layer_defaults((gg_layer_spec)LIN(2, 2)), gg_layer_defaults((gg_layer_spec)BN(2))};
    c[1].momentum = 1.0;
    m = build_cfg(c, 2, 1);
    if (m) {
        memcpy(gg_model_params(m), W, sizeof W);
        gg_model_forward(m, x, 4, &y, &err);
        CHECK_NEAR("bn momentum 1: running_var = unbiased var", gg_model_buffers(m)[2], 10.0 / 3.0, 3e-7);
        CHECK_NEAR("bn momentum 1: running_mean = mean", gg_model_buffers(m)[1], 25.0, 0);
    }
    gg_model_free(m);
}

static void test_dropout(void)
{
    enum { B = 50, W = 40 };
    const gg_layer_spec s[] = {LIN(W, W), DROP()};
    gg_model *m = build(s, 2, 9);
    if (!m)
        return;
    CHECK_EQ("dropout: no parameters of its own", gg_model_nparams(m), W * W + W);
    float *P = gg_model_params(m);
    memset(P, 0, (W * W + W) * sizeof(float));
    for (size_t i = 0; i < W; i++)
        P[i * W + i] = 1.0f;  // identity
    static float x[B * W], y1[B * W];
    for (size_t i = 0; i < B * W; i++)
        x[i] = (float)(i % 7) + 1.0f;  // never 0
    const float *y;
    gg_err err;
    gg_model_forward(m, x, B, &y, &err);
    memcpy(y1, y, sizeof y1);
    size_t kept = 0;
    int exact = 1;
    const float scale = 1.0f / 0.5f;
    for (size_t i = 0; i < B * W; i++) {
        kept += y[i] != 0.0f;
        exact &= y[i] == 0.0f || y[i] == x[i] * scale;
    }
    // p = 0.5 over 2000 elements: sd of the kept fraction 0.011; 5 sd.
    CHECK_NEAR("dropout(0.5): kept fraction ~ 0.5", (double)kept / (B * W), 0.5, 0.056);
    CHECK("dropout: kept units scaled by 1/(1-p) exactly (float)", exact);
    // Backward uses the same mask.
    static float dy[B * W];
    for (size_t i = 0; i < B * W; i++)
        dy[i] = 1.0f;
    gg_model_zero_grad(m);
    gg_model_backward(m, dy);
    // db = column sums of the upstream gradient = sum over rows of mask.
    const float *db = gg_model_grads(m) + W * W;
    int same_mask = 1;
    for (size_t j = 0; j < W; j++) {
        float want = 0.0f;
        for (size_t r = 0; r < B; r++)
            want += y1[r * W + j] != 0.0f ? scale : 0.0f;
        same_mask &= db[j] == want;
    }
    CHECK("dropout: backward applies the forward's mask", same_mask);
    // A new forward draws a new mask; reseeding reproduces one.
    gg_model_forward(m, x, B, &y, &err);
    CHECK("dropout: the next forward draws another mask", memcmp(y, y1, sizeof y1) != 0);
    gg_model_seed_dropout(m, 77);
    gg_model_forward(m, x, B, &y, &err);
    memcpy(y1, y, sizeof y1);
    gg_model_seed_dropout(m, 77);
    gg_model_forward(m, x, B, &y, &err);
    CHECK("dropout: seed_dropout reproduces the mask", memcmp(y, y1, sizeof y1) == 0);
    // Mask from the documented rule: keep when u < 1 - p, one uniform per element, row-major.
    gg_rng r;
    gg_rng_seed(&r, 77);
    int rule = 1;
    for (size_t i = 0; i < B * W; i++)
        rule &= (y1[i] != 0.0f) == (gg_rng_uniform(&r) < 0.5);
    CHECK("dropout: keep iff u < 1 - p, row-major draws", rule);
    // Eval: identity, no draws.
    gg_model_set_training(m, 0);
    gg_model_forward(m, x, B, &y, &err);
    CHECK("dropout: eval is the identity", memcmp(y, x, sizeof x) == 0);
    gg_model_zero_grad(m);
    gg_model_backward(m, dy);
    CHECK("dropout: eval backward passes dy", gg_model_grads(m)[W * W] == (float)B);
    gg_model_set_training(m, 1);
    gg_model_seed_dropout(m, 77);
    gg_model_forward(m, x, B, &y, &err);
    CHECK("dropout: eval forward drew nothing", memcmp(y, y1, sizeof y1) == 0);
    // Replayed masks.
    static float keep[B * W];
    for (size_t i = 0; i < B * W; i++)
        keep[i] = (float)(i % 3 == 0);
    CHECK_EQ("dropout_mask on a dropout layer", gg_model_dropout_mask(m, 1, keep, B, &err), GG_OK);
    gg_model_forward(m, x, B, &y, &err);
    int replayed = 1;
    for (size_t i = 0; i < B * W; i++)
        replayed &= y[i] == (i % 3 == 0 ? x[i] * scale : 0.0f);
    CHECK("dropout_mask: the next forward uses it", replayed);
    gg_model_forward(m, x, B, &y, &err);
    CHECK("dropout_mask: only once", memcmp(y, y1, sizeof y1) != 0);
    CHECK_EQ("dropout_mask on a linear layer is GG_EINVAL", gg_model_dropout_mask(m, 0, keep, B, &err), GG_EINVAL);
    keep[3] = 0.5f;
    CHECK_EQ("dropout_mask with a 0.5 is GG_EINVAL", gg_model_dropout_mask(m, 1, keep, B, &err), GG_EINVAL);
    gg_model_free(m);

    // p = 0: identity in training, no draws.
    gg_layer_cfg c[] = {gg_layer_defaults((gg_layer_spec)LIN(W, W)), gg_layer_defaults((gg_layer_spec)DROP())};
    c[1].p = 0.0;
    m = build_cfg(c, 2, 9);
    if (m) {
        gg_model_forward(m, x, B, &y, &err);
        const float *yy = y;
        int nz = 1;
        for (size_t i = 0; i < B * W; i++)
            nz &= yy[i] != 0.0f || x[i] == 0.0f;
        CHECK("dropout(0): nothing dropped", nz);
    }
    gg_model_free(m);
    // p = 0.2: kept fraction.
    c[1].p = 0.2;
    m = build_cfg(c, 2, 10);
    if (m) {
        memset(gg_model_params(m), 0, (W * W + W) * sizeof(float));
        for (size_t i = 0; i < W; i++)
            gg_model_params(m)[i * W + i] = 1.0f;
        kept = 0;
        for (int rep = 0; rep < 10; rep++) {
            gg_model_forward(m, x, B, &y, &err);
            for (size_t i = 0; i < B * W; i++)
                kept += y[i] != 0.0f;
        }
        // 20000 draws, sd of the fraction 0.0028; 5 sd.
        CHECK_NEAR("dropout(0.2): kept fraction ~ 0.8", (double)kept / (10.0 * B * W), 0.8, 0.0142);
    }
    gg_model_free(m);

    // The init stream: one extra u64 draw after the parameters only when there is a dropout.
    const gg_layer_spec plain[] = {LIN(3, 4)};
    const gg_layer_spec withd[] = {LIN(3, 4), DROP()};
    gg_model *a = build(plain, 1, 1), *b = NULL;
    gg_err e2;
    gg_model_new(&b, withd, 2, &e2);
    if (a && b) {
        gg_rng ra, rb, rc;
        gg_rng_seed(&ra, 5);
        gg_rng_seed(&rb, 5);
        gg_rng_seed(&rc, 5);
        gg_model_init_default(a, &ra);
        gg_model_init_default(b, &rb);
        for (int k = 0; k < 16; k++)
            gg_rng_uniform(&rc);
        CHECK_EQ_U64("no dropout: init takes exactly one uniform per parameter", gg_rng_u64(&ra), gg_rng_u64(&rc));
        gg_rng_seed(&rc, 5);
        for (int k = 0; k < 16; k++)
            gg_rng_uniform(&rc);
        uint64_t seed = gg_rng_u64(&rc);
        CHECK_EQ_U64("dropout: init takes one more u64 after the parameters", gg_rng_u64(&rb), gg_rng_u64(&rc));
        gg_model_seed_dropout(a, 0);  // harmless without dropout layers
        gg_rng dr;
        gg_rng_seed(&dr, seed);
        float xx[4] = {1, 1, 1, 1};
        const float *yy;
        memset(gg_model_params(b), 0, 16 * sizeof(float));
        for (int i = 0; i < 4; i++)
            gg_model_params(b)[12 + i] = 1.0f;  // bias 1: y = mask * 2
        gg_model_forward(b, xx, 1, &yy, &e2);
        int ok = 1;
        for (int i = 0; i < 4; i++)
            ok &= (yy[i] != 0.0f) == (gg_rng_uniform(&dr) < 0.5);
        CHECK("dropout generator seeded with that u64", ok);
    }
    gg_model_free(a);
    gg_model_free(b);
}

static void test_new_specs(void)
{
    gg_model *m = NULL;
    gg_err err;
    const gg_layer_spec bnw[] = {LIN(3, 4), BN(5)};
    CHECK_EQ("bn width mismatch is GG_ESHAPE", gg_model_new(&m, bnw, 2, &err), GG_ESHAPE);
    CHECK_CONTAINS("bn width message", err.msg, "batchnorm1d expects 5 features but the previous layer gives 4");
    gg_layer_cfg c[] = {gg_layer_defaults((gg_layer_spec)LIN(3, 4)), gg_layer_defaults((gg_layer_spec)BN(4))};
    c[1].eps = 0.0;
    CHECK_EQ("bn eps 0 is GG_EINVAL", gg_model_new_cfg(&m, c, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("bn eps message", err.msg, "layer 2: batchnorm1d eps must be > 0, got 0");
    c[1].eps = 1e-5;
    c[1].momentum = 1.5;
    CHECK_EQ("bn momentum 1.5 is GG_EINVAL", gg_model_new_cfg(&m, c, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("bn momentum message", err.msg, "momentum must be in [0, 1], got 1.5");
    c[1] = gg_layer_defaults((gg_layer_spec)DROP());
    c[1].p = 1.0;
    CHECK_EQ("dropout p = 1 is GG_EINVAL", gg_model_new_cfg(&m, c, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("dropout message", err.msg, "layer 2: dropout p must be in [0, 1), got 1");
    c[1].p = -0.1;
    CHECK_EQ("dropout p < 0 is GG_EINVAL", gg_model_new_cfg(&m, c, 2, &err), GG_EINVAL);
    c[1] = gg_layer_defaults((gg_layer_spec)ACT(GG_ACT_SOFTPLUS));
    c[1].ap.beta = 0.0f;
    CHECK_EQ("softplus beta 0 is GG_EINVAL", gg_model_new_cfg(&m, c, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("softplus message names beta", err.msg, "layer 2: softplus has an invalid beta");
    c[1] = gg_layer_defaults((gg_layer_spec)ACT(GG_ACT_RELU));
    c[0].init = gg_init_for(GG_INIT_NORMAL);
    c[0].init.std = -1.0;
    CHECK_EQ("init std < 0 is GG_EINVAL", gg_model_new_cfg(&m, c, 2, &err), GG_EINVAL);
    CHECK_CONTAINS("init message", err.msg, "layer 1: linear init: std must be >= 0, got -1");
    c[0].init = gg_init_for(GG_INIT_UNIFORM);
    c[0].init.a = 2.0;
    CHECK_EQ("uniform a > b is GG_EINVAL", gg_model_new_cfg(&m, c, 2, &err), GG_EINVAL);
    c[0].init = gg_init_for(GG_INIT_DEFAULT);
    CHECK_EQ("defaults build", gg_model_new_cfg(&m, c, 2, &err), GG_OK);
    gg_layer_cfg back = gg_model_layer_cfg(m, 0);
    CHECK("layer_cfg round-trips the init", back.init.kind == GG_INIT_DEFAULT && back.init.scale == 1.0);
    gg_model_free(m);
    gg_layer_cfg d = gg_layer_defaults((gg_layer_spec)BN(7));
    CHECK("bn defaults: eps 1e-5, momentum 0.1, affine, running stats",
          d.eps == 1e-5 && d.momentum == 0.1 && d.affine && d.track_running_stats && d.in == 7);
    d = gg_layer_defaults((gg_layer_spec)DROP());
    CHECK("dropout default p 0.5", d.p == 0.5);
    d = gg_layer_defaults((gg_layer_spec)ACT(GG_ACT_LEAKY_RELU));
    CHECK("leaky_relu default slope 0.01", d.ap.alpha == 0.01f);
    // affine = false, no running stats: no parameters, no buffers.
    gg_layer_cfg e[] = {gg_layer_defaults((gg_layer_spec)LIN(3, 4)), gg_layer_defaults((gg_layer_spec)BN(4))};
    e[1].affine = 0;
    e[1].track_running_stats = 0;
    CHECK_EQ("bn without affine/stats builds", gg_model_new_cfg(&m, e, 2, &err), GG_OK);
    CHECK("bn without affine/stats: 16 params, 2 tensors, no buffers",
          gg_model_nparams(m) == 16 && gg_model_ntensors(m) == 2 && gg_model_nbuffers(m) == 0 &&
              gg_model_nbuffer_tensors(m) == 0);
    gg_model_free(m);
}

/* ---- initialisations ---- */

typedef struct moments {
    double mean, sd, maxabs, bmean, bsd;
    int in_bounds;
} moments;

/* Moments of the weights and biases of a Linear(in, out) initialised with init. */
static moments draw(const gg_init *init, size_t in, size_t out, uint64_t seed, double bound)
{
    gg_layer_cfg c = gg_layer_defaults((gg_layer_spec)LIN(in, out));
    c.init = *init;
    gg_model *m = NULL;
    gg_err err;
    moments mo = {0, 0, 0, 0, 0, 1};
    if (gg_model_new_cfg(&m, &c, 1, &err) != GG_OK) {
        printf("build failed: %s\n", err.msg);
        return mo;
    }
    gg_rng r;
    gg_rng_seed(&r, seed);
    gg_model_init(m, NULL, &r);
    const float *P = gg_model_params(m);
    double s1 = 0, s2 = 0, b1 = 0, b2 = 0;
    const size_t nw = in * out;
    for (size_t k = 0; k < nw; k++) {
        s1 += (double)P[k], s2 += (double)P[k] * (double)P[k];
        mo.maxabs = fmax(mo.maxabs, fabs((double)P[k]));
        mo.in_bounds &= bound <= 0 || fabs((double)P[k]) <= bound;
    }
    for (size_t k = 0; k < out; k++)
        b1 += (double)P[nw + k], b2 += (double)P[nw + k] * (double)P[nw + k];
    mo.mean = s1 / (double)nw;
    mo.sd = sqrt(s2 / (double)nw - mo.mean * mo.mean);
    mo.bmean = b1 / (double)out;
    mo.bsd = sqrt(fmax(0.0, b2 / (double)out - mo.bmean * mo.bmean));
    gg_model_free(m);
    return mo;
}

typedef struct initcase {
    const char *name;
    gg_init init;
    double mean, sd, bound;
} initcase;

static void test_inits(void)
{
    // Gains (torch.nn.init.calculate_gain).
    CHECK("gain linear 1", gg_init_gain(GG_NONLIN_LINEAR, 0) == 1.0);
    CHECK("gain sigmoid 1", gg_init_gain(GG_NONLIN_SIGMOID, 0) == 1.0);
    CHECK_NEAR("gain tanh 5/3", gg_init_gain(GG_NONLIN_TANH, 0), 5.0 / 3.0, 0);
    CHECK_NEAR("gain relu sqrt 2", gg_init_gain(GG_NONLIN_RELU, 0), sqrt(2.0), 0);
    CHECK_NEAR("gain leaky_relu(0.2) sqrt(2/1.04)", gg_init_gain(GG_NONLIN_LEAKY_RELU, 0.2), sqrt(2.0 / 1.04), 1e-15);
    CHECK_NEAR("gain selu 3/4", gg_init_gain(GG_NONLIN_SELU, 0), 0.75, 0);
    gg_init_kind k;
    CHECK("parse kaiming_normal", gg_init_parse("kaiming_normal", &k) == 0 && k == GG_INIT_KAIMING_NORMAL);
    CHECK("parse unknown init fails", gg_init_parse("he_normal", &k) == -1);
    CHECK("init names", gg_init_name(GG_INIT_GLOROT_UNIFORM) && strcmp(gg_init_name(GG_INIT_GLOROT_UNIFORM), "glorot_uniform") == 0);

    // Each init over a 200x100 layer (20000 weights): mean within 5 se, sd within 3%.
    const size_t in = 200, out = 100;
    const double n = (double)(in * out);
    initcase cases[8];
    size_t nc = 0;
    gg_init g;
    g = gg_init_for(GG_INIT_DEFAULT);
    cases[nc++] = (initcase){"default U(+-1/sqrt(in))", g, 0, (1 / sqrt(200.0)) / sqrt(3.0), 1 / sqrt(200.0)};
    g = gg_init_for(GG_INIT_XAVIER_UNIFORM);
    g.gain = 2.0;
    cases[nc++] = (initcase){"xavier_uniform gain 2", g, 0, 2.0 * sqrt(2.0 / 300.0), 2.0 * sqrt(6.0 / 300.0) * (1 + 1e-12)};
    g = gg_init_for(GG_INIT_XAVIER_NORMAL);
    cases[nc++] = (initcase){"xavier_normal", g, 0, sqrt(2.0 / 300.0), 0};
    g = gg_init_for(GG_INIT_KAIMING_UNIFORM);
    g.nonlinearity = GG_NONLIN_RELU;
    cases[nc++] = (initcase){"kaiming_uniform relu", g, 0, sqrt(2.0) / sqrt(200.0), sqrt(6.0 / 200.0) * (1 + 1e-12)};
    g = gg_init_for(GG_INIT_KAIMING_NORMAL);
    g.nonlinearity = GG_NONLIN_TANH;
    g.fan_out = 1;
    cases[nc++] = (initcase){"kaiming_normal tanh fan_out", g, 0, (5.0 / 3.0) / sqrt(100.0), 0};
    g = gg_init_for(GG_INIT_NORMAL);
    g.mean = 0.5, g.std = 0.2;
    cases[nc++] = (initcase){"normal(0.5, 0.2)", g, 0.5, 0.2, 0};
    g = gg_init_for(GG_INIT_UNIFORM);
    g.a = -1.0, g.b = 3.0;
    cases[nc++] = (initcase){"uniform(-1, 3)", g, 1.0, 4.0 / sqrt(12.0), 0};
    g = gg_init_for(GG_INIT_GLOROT_UNIFORM);
    cases[nc++] = (initcase){"glorot_uniform (Keras)", g, 0, sqrt(2.0 / 300.0), sqrt(6.0 / 300.0) * (1 + 1e-12)};
    for (size_t i = 0; i < nc; i++) {
        moments mo = draw(&cases[i].init, in, out, 100 + i, cases[i].bound);
        char name[128];
        snprintf(name, sizeof name, "%s: weight mean (5 se)", cases[i].name);
        CHECK_NEAR(name, mo.mean, cases[i].mean, 5.0 * cases[i].sd / sqrt(n));
        snprintf(name, sizeof name, "%s: weight sd (3%%)", cases[i].name);
        CHECK_REL(name, mo.sd, cases[i].sd, 0.03);
        if (cases[i].bound > 0) {
            snprintf(name, sizeof name, "%s: |w| <= bound and reaches 99%% of it", cases[i].name);
            CHECK(name, mo.in_bounds && mo.maxabs > 0.99 * cases[i].bound / (1 + 1e-12));
        }
        // Bias: torch's U(+-1/sqrt(in)) except glorot (zeros).
        snprintf(name, sizeof name, "%s: bias", cases[i].name);
        if (cases[i].init.kind == GG_INIT_GLOROT_UNIFORM)
            CHECK(name, mo.bmean == 0.0 && mo.bsd == 0.0);
        else
            CHECK(name, mo.bsd > 0.5 * (1 / sqrt(200.0)) / sqrt(3.0) && mo.bsd < 1.5 * (1 / sqrt(200.0)) / sqrt(3.0));
    }
    // scale multiplies the weights (not the bias): same draws, 3x the weights.
    g = gg_init_for(GG_INIT_KAIMING_NORMAL);
    moments base = draw(&g, in, out, 7, 0);
    g.scale = 3.0;
    moments big = draw(&g, in, out, 7, 0);
    CHECK_REL("scale 3: weight sd x3", big.sd, 3.0 * base.sd, 1e-6);
    CHECK("scale 3: bias unchanged", big.bsd == base.bsd && big.bmean == base.bmean);
    g.scale = 0.01;
    moments tiny = draw(&g, in, out, 7, 0);
    CHECK_REL("scale 0.01: weight sd /100", tiny.sd, 0.01 * base.sd, 1e-6);
    // zeros, constant; bias zeros/constant.
    g = gg_init_for(GG_INIT_CONSTANT);
    g.value = 0.25;
    g.bias = GG_BIAS_CONSTANT;
    g.bias_value = -2.0;
    moments cst = draw(&g, 10, 5, 1, 0);
    CHECK("constant(0.25) weights, bias constant(-2)", cst.mean == 0.25 && cst.sd == 0.0 && cst.bmean == -2.0 && cst.bsd == 0.0);
    g = gg_init_for(GG_INIT_ZEROS);
    g.bias = GG_BIAS_ZEROS;
    moments z = draw(&g, 10, 5, 1, 0);
    CHECK("zeros weights and bias", z.maxabs == 0.0 && z.bmean == 0.0 && z.bsd == 0.0);
    // Draw order: W row-major then b, from the stream; normals one gg_rng_normal each.
    gg_layer_cfg c = gg_layer_defaults((gg_layer_spec)LIN(3, 2));
    c.init = gg_init_for(GG_INIT_NORMAL);
    c.init.std = 2.0;
    gg_model *m = NULL;
    gg_err err;
    if (gg_model_new_cfg(&m, &c, 1, &err) == GG_OK) {
        gg_rng r, r2;
        gg_rng_seed(&r, 4);
        gg_rng_seed(&r2, 4);
        gg_model_init(m, NULL, &r);
        int same = 1;
        for (int i = 0; i < 6; i++)
            same &= gg_model_params(m)[i] == (float)(0.0 + 2.0 * gg_rng_normal(&r2));
        for (int i = 0; i < 2; i++)
            same &= gg_model_params(m)[6 + i] == (float)((2.0 * gg_rng_uniform(&r2) - 1.0) / sqrt(3.0));
        CHECK("normal init: W row-major (one gg_rng_normal each) then default bias", same);
        // A model-wide override replaces every layer's init for one draw.
        gg_init all = gg_init_for(GG_INIT_ZEROS);
        gg_model_init(m, &all, &r);
        CHECK("gg_model_init with an override", gg_model_params(m)[0] == 0.0f && gg_model_params(m)[6] != 0.0f);
        CHECK("the override does not change the layer's spec", gg_model_layer_cfg(m, 0).init.kind == GG_INIT_NORMAL);
    }
    gg_model_free(m);
}

int main(void)
{
    test_gradcheck();
    test_specs();
    test_layout_init();
    test_operations();
    test_batchnorm();
    test_dropout();
    test_new_specs();
    test_inits();
    return CHECK_DONE();
}
