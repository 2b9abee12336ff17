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

/* ---- double-precision reference ---- */

/* Forward of m's architecture with parameters P (double, flat, the model's layout);
 * out receives (B, out). Returns the mean-squared error against t if t is non-NULL. */
static double ref_forward(const gg_model *m, const double *P, const float *x, size_t B,
                          const float *t, double *out)
{
    enum { MAXW = 64 };
    double a[16 * MAXW], b[16 * MAXW];
    double *cur = a, *nxt = b;
    size_t w = gg_model_in(m), lin = 0;
    for (size_t i = 0; i < B * w; i++)
        cur[i] = (double)x[i];
    for (size_t l = 0; l < gg_model_layers(m); l++) {
        gg_layer_spec s = gg_model_layer(m, l);
        if (s.kind == GG_LAYER_LINEAR) {
            size_t wo, wr, wc, bo, br, bc;
            gg_model_tensor_info(m, 2 * lin, &wo, &wr, &wc);
            gg_model_tensor_info(m, 2 * lin + 1, &bo, &br, &bc);
            lin++;
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
        } else {
            for (size_t i = 0; i < B * w; i++) {
                double z = cur[i];
                cur[i] = s.act == GG_ACT_RELU      ? (z > 0.0 ? z : 0.0)
                         : s.act == GG_ACT_SIGMOID ? 1.0 / (1.0 + exp(-z))
                                                   : tanh(z);
            }
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

/* Analytic flat gradient of the mean MSE vs central differences. */
static void gradcheck(const char *what, const gg_layer_spec *spec, size_t nspec, uint64_t seed)
{
    enum { B = 5 };
    gg_model *m = build(spec, nspec, seed);
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
    // Make the parameters a little larger than the default init so no unit is dead.
    float *P = gg_model_params(m);
    for (size_t k = 0; k < np; k++)
        P[k] *= 2.0f;

    gg_err err;
    const float *y;
    float dy[B * 8], dy_copy[B * 8];
    gg_model_zero_grad(m);
    CHECK_EQ("forward ok", gg_model_forward(m, x, B, &y, &err), GG_OK);
    float L = gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), dy, y, t, B, out);
    memcpy(dy_copy, dy, sizeof dy);
    gg_model_backward(m, dy);
    CHECK("backward does not write the caller's dy", memcmp(dy, dy_copy, sizeof dy) == 0);
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
    CHECK_NEAR(name, yerr, 0.0, 1e-5);
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
        gg_model_forward(m, x, B, &y, &err);
        double Lpf = (double)gg_loss_forward(LC(GG_LOSS_MSE, GG_REDUCE_MEAN), NULL, y, t, B, out);
        P[k] = (float)((double)pk - 1e-3);
        double hm = (double)P[k];
        gg_model_forward(m, x, B, &y, &err);
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
    const gg_layer_spec bad_act[] = {LIN(3, 2), {GG_LAYER_ACT, 0, 0, (gg_act)7}};
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

    // A 0-row forward is not forbidden by model.h: it must not crash (no memcpy to the
    // not-yet-reserved NULL input buffer); GG_OK or GG_EINVAL are both acceptable.
    int st0 = empty_forward_in_child();
    char name0[96];
    snprintf(name0, sizeof name0, "0-row forward on a fresh model exits cleanly with GG_OK or GG_EINVAL (got %d)", st0);
    CHECK(name0, st0 == GG_OK || st0 == GG_EINVAL);

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

int main(void)
{
    test_gradcheck();
    test_specs();
    test_layout_init();
    test_operations();
    return CHECK_DONE();
}
