/* tests/test_graph.c — the graph core (core/graph.h, core/model.c): whole-graph gradients by
 * central finite differences for residual, convolutional, normalisation and primitive-op
 * graphs (every parameter, and an input that requires grad), the gradient write-then-add
 * plan (a node read twice, a ReLU with two readers, views, weight sharing through a param),
 * frozen parameters, bit-identical results on every instruction-set path, shape errors
 * naming the layer, and compile-time checks. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "gglab.h"

#define MAXP 20000

static gg_shape S1(size_t a) { return (gg_shape){.ndim = 1, .dim = {a}}; }
static gg_shape S3(size_t a, size_t b, size_t c) { return (gg_shape){.ndim = 3, .dim = {a, b, c}}; }

/* A node from a cfg on inputs; fails the test (and returns -1) on an error. */
static int add(gg_graph *g, gg_layer_cfg c, int a, int b)
{
    int in[2] = {a, b}, out = -1;
    gg_err err;
    if (gg_graph_layer(g, &c, in, b < 0 ? 1 : 2, &out, &err)) {
        printf("gg_graph_layer: %s\n", err.msg);
        CHECK("building the graph", 0);
        return -1;
    }
    return out;
}

static gg_layer_cfg L(gg_layer_kind k) { return gg_layer_defaults_of(k); }

static gg_layer_cfg LIN(size_t in, size_t out)
{
    gg_layer_cfg c = L(GG_LAYER_LINEAR);
    c.in = in;
    c.out = out;
    return c;
}

static gg_layer_cfg ACTC(gg_act a)
{
    gg_layer_cfg c = L(GG_LAYER_ACT);
    c.act = a;
    c.ap = gg_act_defaults(a);
    return c;
}

static gg_layer_cfg BIN(int op)
{
    gg_layer_cfg c = L(GG_LAYER_BINARY);
    c.op = op;
    return c;
}

static gg_layer_cfg CONV2(size_t in, size_t out, size_t k, size_t stride, size_t pad)
{
    gg_layer_cfg c = L(GG_LAYER_CONV);
    c.spatial = 2;
    c.in = in;
    c.out = out;
    c.kernel[0] = c.kernel[1] = k;
    c.stride[0] = c.stride[1] = stride;
    c.pad0[0] = c.pad0[1] = c.pad1[0] = c.pad1[1] = pad;
    return c;
}

static gg_model *compile(gg_graph *g, int out, uint64_t seed)
{
    gg_model *m = NULL;
    gg_err err;
    if (gg_model_compile(&m, g, out, &err)) {
        printf("compile: %s\n", err.msg);
        CHECK("compiling the graph", 0);
        gg_graph_free(g);
        return NULL;
    }
    gg_rng r;
    gg_rng_seed(&r, seed);
    gg_model_init_default(m, &r);
    return m;
}

static void fill(float *x, size_t n, uint64_t seed, float scale)
{
    gg_rng r;
    gg_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((double)scale * (2.0 * gg_rng_uniform(&r) - 1.0));
}

/* L = sum_i w_i y_i over the output of a forward on x (B rows), in double. */
static double objective(gg_model *m, const float *x, size_t B, const float *w)
{
    memcpy(gg_model_input(m, B), x, B * gg_model_in(m) * sizeof(float));
    const float *y = gg_model_run(m, B);
    const size_t n = gg_model_output_batched(m) ? B * gg_model_out(m) : gg_model_out(m);
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)w[i] * (double)y[i];
    return s;
}

/* Every parameter's gradient of objective() against central differences of step h
 * (training-mode batch statistics are recomputed each time, as autograd differentiates
 * them). Returns the worst error relative to max(|g|, scale of all g). */
static double grad_check(const char *name, gg_model *m, const float *x, size_t B, double h)
{
    static float w[1 << 16], g[MAXP];
    gg_err err;
    CHECK("reserve", gg_model_reserve(m, B, &err) == GG_OK);
    const size_t nout = gg_model_output_batched(m) ? B * gg_model_out(m) : gg_model_out(m);
    fill(w, nout, 99, 1.0f);
    const size_t np = gg_model_nparams(m);
    float *p = gg_model_params(m);
    float *bufs = gg_model_buffers(m);
    static float saved[4096];
    const size_t nb = gg_model_nbuffers(m);
    memcpy(saved, bufs, nb * sizeof(float));
    gg_model_zero_grad(m);
    objective(m, x, B, w);
    gg_model_backward(m, w);
    memcpy(g, gg_model_grads(m), np * sizeof(float));
    double gmax = 0.0;
    for (size_t i = 0; i < np; i++)
        gmax = fmax(gmax, fabs((double)g[i]));
    double worst = 0.0;
    for (size_t i = 0; i < np; i++) {
        const float p0 = p[i];
        p[i] = (float)((double)p0 + h);
        const double hp = (double)p[i] - (double)p0;
        double lp = objective(m, x, B, w);
        p[i] = (float)((double)p0 - h);
        const double hm = (double)p0 - (double)p[i];
        double lm = objective(m, x, B, w);
        p[i] = p0;
        double fd = (lp - lm) / (hp + hm);
        double e = fabs(fd - (double)g[i]) / fmax(fmax(fabs(fd), fabs((double)g[i])), 0.05 * gmax + 1e-6);
        if (e > worst) {
            worst = e;
            if (e > 1e-2)
                printf("#   parameter %zu: finite difference %.6g, gradient %.6g\n", i, fd, (double)g[i]);
        }
    }
    memcpy(bufs, saved, nb * sizeof(float));
    printf("# %s: %zu parameters, worst relative error %.2e\n", name, np, worst);
    return worst;
}

/* ---- graphs ---- */

/* x (8) -> linear 8 -> tanh -> linear 8 -> + x -> relu read by two linears, added. */
static gg_model *residual_mlp(void)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x;
    gg_shape s = S1(8);
    gg_graph_input(g, &s, 0, &x, &err);
    int h = add(g, LIN(8, 8), x, -1);
    h = add(g, ACTC(GG_ACT_TANH), h, -1);
    h = add(g, LIN(8, 8), h, -1);
    int r = add(g, BIN(GG_OPS_ADD), h, x);
    int a = add(g, LIN(8, 8), r, -1);
    int rl = add(g, ACTC(GG_ACT_RELU), a, -1);  // fused into its Linear, read twice
    int u = add(g, LIN(8, 3), rl, -1);
    int v = add(g, LIN(8, 3), rl, -1);
    int o = add(g, BIN(GG_OPS_ADD), u, v);
    int sq = add(g, BIN(GG_OPS_MUL), o, o);  // one node read twice by one op
    return compile(g, sq, 5);
}

/* (1, 9, 9) -> conv 3x3 s2 p1 -> BN2d -> tanh -> pool 2 s1 (average: a max pool's argmax
 * flips within a finite-difference step; test_maxpool_chain checks it exactly) -> conv 2x2
 * groups 2 (no bias)
 * -> groupnorm -> avgpool 2 (ceil, pad 1) -> flatten -> linear 3 -> log_softmax. */
static gg_model *conv_net(int max_pool)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x;
    gg_shape s = S3(1, 9, 9);
    gg_graph_input(g, &s, 0, &x, &err);
    int h = add(g, CONV2(1, 4, 3, 2, 1), x, -1);  // (4, 5, 5)
    gg_layer_cfg bn = L(GG_LAYER_BATCHNORM);
    bn.spatial = 2;
    bn.in = 4;
    h = add(g, bn, h, -1);
    h = add(g, ACTC(GG_ACT_TANH), h, -1);
    gg_layer_cfg mp = L(GG_LAYER_POOL);
    mp.spatial = 2;
    mp.pool_max = max_pool;
    mp.kernel[0] = mp.kernel[1] = 2;
    mp.stride[0] = mp.stride[1] = 1;
    h = add(g, mp, h, -1);                       // (4, 4, 4)
    gg_layer_cfg c2 = CONV2(4, 6, 2, 1, 0);
    c2.groups = 2;
    c2.bias = 0;
    h = add(g, c2, h, -1);                       // (6, 3, 3)
    gg_layer_cfg gn = L(GG_LAYER_GROUPNORM);
    gn.in = 6;
    gn.groups = 3;
    h = add(g, gn, h, -1);
    gg_layer_cfg ap = L(GG_LAYER_POOL);
    ap.spatial = 2;
    ap.kernel[0] = ap.kernel[1] = 2;
    ap.pad0[0] = ap.pad0[1] = ap.pad1[0] = ap.pad1[1] = 1;
    ap.ceil_mode = 1;
    h = add(g, ap, h, -1);                       // (6, 2, 2)
    gg_layer_cfg fl = L(GG_LAYER_VIEW);
    fl.shape = (gg_shape){.ndim = 2, .dim = {GG_BATCH, 24}};
    h = add(g, fl, h, -1);
    h = add(g, LIN(24, 3), h, -1);
    gg_layer_cfg sm = L(GG_LAYER_SOFTMAX);
    sm.dim = 1;
    sm.log = 1;
    h = add(g, sm, h, -1);
    return compile(g, h, 7);
}

/* Primitive ops: x (4, 5) @ W (5, 6) + b (6) -> exp -> layernorm over 6 -> transpose ->
 * slice -> concat with itself -> where(mask, ., 0.5 * .) -> sum over dim 1 -> mean. */
static gg_model *ops_net(int *xnode)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x;
    gg_shape s = (gg_shape){.ndim = 2, .dim = {4, 5}};
    gg_graph_input(g, &s, 0, &x, &err);
    *xnode = x;
    int W, b;
    gg_shape ws = (gg_shape){.ndim = 2, .dim = {5, 6}}, bs = S1(6);
    gg_init in = gg_init_for(GG_INIT_DEFAULT);
    gg_graph_param(g, &ws, &in, 1, &W, &err);
    gg_graph_param(g, &bs, &in, 1, &b, &err);
    int h = add(g, L(GG_LAYER_MATMUL), x, W);
    h = add(g, BIN(GG_OPS_ADD), h, b);
    gg_layer_cfg sc = L(GG_LAYER_UNARY);
    sc.op = GG_OPS_MUL_SCALAR;
    sc.scalar = 0.3;
    h = add(g, sc, h, -1);
    gg_layer_cfg ex = L(GG_LAYER_UNARY);
    ex.op = GG_OPS_EXP;
    h = add(g, ex, h, -1);
    gg_layer_cfg ln = L(GG_LAYER_LAYERNORM);
    ln.shape = S1(6);
    h = add(g, ln, h, -1);                      // (B, 4, 6)
    gg_layer_cfg tp = L(GG_LAYER_PERMUTE);
    tp.perm[0] = 0, tp.perm[1] = 2, tp.perm[2] = 1;
    h = add(g, tp, h, -1);                      // (B, 6, 4)
    gg_layer_cfg sl = L(GG_LAYER_SLICE);
    sl.dim = 1;
    sl.start = 1;
    sl.stop = 6;
    sl.step = 2;
    h = add(g, sl, h, -1);                      // (B, 3, 4)
    gg_layer_cfg cc = L(GG_LAYER_CONCAT);
    cc.dim = 2;
    int in2[2] = {h, h}, cat;
    gg_graph_layer(g, &cc, in2, 2, &cat, &err); // (B, 3, 8)
    float mask[8] = {1, 0, 1, 1, 0, 0, 1, 0};
    int mk;
    gg_shape ms = S1(8);
    gg_graph_const(g, &ms, mask, &mk, &err);
    gg_layer_cfg half = L(GG_LAYER_UNARY);
    half.op = GG_OPS_MUL_SCALAR;
    half.scalar = 0.5;
    int hh = add(g, half, cat, -1);
    int in3[3] = {mk, cat, hh}, wh;
    gg_layer_cfg wc = L(GG_LAYER_WHERE);
    CHECK("where builds", gg_graph_layer(g, &wc, in3, 3, &wh, &err) == GG_OK);
    gg_layer_cfg sm = L(GG_LAYER_REDUCE);
    sm.op = GG_RED_SUM;
    sm.dim = 1;
    h = add(g, sm, wh, -1);                     // (B, 8)
    gg_layer_cfg mx = L(GG_LAYER_REDUCE);
    mx.op = GG_RED_LOGSUMEXP;
    mx.dim = -1;
    mx.keepdim = 1;
    h = add(g, mx, h, -1);                      // (B, 1)
    return compile(g, h, 11);
}

static void test_gradients(void)
{
    static float x[4096];
    gg_model *m = residual_mlp();
    fill(x, 5 * 8, 1, 1.0f);
    CHECK("residual MLP gradients", grad_check("residual mlp", m, x, 5, 1e-2) < 2e-3);
    gg_model_free(m);

    m = conv_net(0);
    fill(x, 6 * 81, 2, 1.0f);
    CHECK("conv net gradients (BN2d training, groups, pools)", grad_check("conv net", m, x, 6, 2e-3) < 1e-2);
    gg_model_set_training(m, 0);
    CHECK("conv net gradients in eval mode", grad_check("conv net eval", m, x, 6, 2e-3) < 1e-2);
    gg_model_free(m);

    int xn;
    m = ops_net(&xn);
    fill(x, 3 * 20, 3, 1.0f);
    CHECK("primitive ops gradients", grad_check("ops", m, x, 3, 1e-2) < 1e-2);
    gg_model_free(m);
}

/* A loss graph: pred (B, 3) requires grad, target (B, 3): mean((softmax(pred) - t)^2). */
static void test_input_grad(void)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int p, t;
    gg_shape s = S1(3);
    gg_graph_input(g, &s, 1, &p, &err);
    gg_graph_input(g, &s, 0, &t, &err);
    gg_layer_cfg sm = L(GG_LAYER_SOFTMAX);
    sm.dim = -1;
    int h = add(g, sm, p, -1);
    h = add(g, BIN(GG_OPS_SUB), h, t);
    gg_layer_cfg sq = L(GG_LAYER_UNARY);
    sq.op = GG_OPS_SQUARE;
    h = add(g, sq, h, -1);
    gg_layer_cfg mean = L(GG_LAYER_REDUCE);
    mean.op = GG_RED_MEAN;
    mean.all_dims = 1;
    h = add(g, mean, h, -1);
    gg_model *m = compile(g, h, 1);
    CHECK("loss graph has 2 inputs", gg_model_ninputs(m) == 2);
    CHECK("loss graph output is a scalar", !gg_model_output_batched(m) && gg_model_output_shape(m).ndim == 0);
    const size_t B = 4;
    gg_model_reserve(m, B, &err);
    float pred[12], tgt[12];
    fill(pred, 12, 5, 2.0f);
    fill(tgt, 12, 6, 1.0f);
    gg_loss_cfg lc = gg_loss_defaults(GG_LOSS_MSE);
    lc.custom = m;
    float grad[12];
    float v = gg_loss_forward(&lc, grad, pred, tgt, B, 3);
    double worst = 0.0;
    for (int i = 0; i < 12; i++) {
        const float p0 = pred[i];
        pred[i] = p0 + 1e-2f;
        double lp = gg_loss_forward(&lc, NULL, pred, tgt, B, 3);
        double hp = (double)pred[i] - (double)p0;
        pred[i] = p0 - 1e-2f;
        double lm = gg_loss_forward(&lc, NULL, pred, tgt, B, 3);
        double hm = (double)p0 - (double)pred[i];
        pred[i] = p0;
        double fd = (lp - lm) / (hp + hm);
        worst = fmax(worst, fabs(fd - (double)grad[i]) / fmax(fabs(fd), 1e-3));
    }
    printf("# custom loss input gradient: worst relative error %.2e (value %g)\n", worst, (double)v);
    CHECK("custom loss: the gradient of its prediction input", worst < 1e-2);
    CHECK("custom loss: target columns from the graph", gg_loss_target_cols(&lc, 3) == 3);
    CHECK("custom loss checks", gg_loss_check(&lc, 3, &err) == GG_OK && gg_loss_check(&lc, 4, &err) == GG_ESHAPE);
    gg_model_free(m);
}

/* Frozen parameters: their gradient stays zero and the optimizer leaves them alone. */
static void test_frozen(void)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x;
    gg_shape s = S1(4);
    gg_graph_input(g, &s, 0, &x, &err);
    gg_layer_cfg a = LIN(4, 5);
    a.frozen = 1;
    int h = add(g, a, x, -1);
    h = add(g, ACTC(GG_ACT_RELU), h, -1);
    h = add(g, LIN(5, 2), h, -1);
    gg_model *m = compile(g, h, 3);
    CHECK("4 tensors, 2 trainable", gg_model_ntensors(m) == 4 && gg_model_tensor_trainable(m, 2) &&
                                         !gg_model_tensor_trainable(m, 0) && !gg_model_tensor_trainable(m, 1));
    CHECK("trainable count", gg_model_ntrainable(m) == 12);
    size_t ranges[8];
    size_t nr = gg_model_trainable_ranges(m, ranges);
    CHECK("one trainable range after the frozen layer", nr == 1 && ranges[0] == 25 && ranges[1] == 12);
    gg_optim *o;
    gg_adam_cfg ac = gg_adamw_defaults();
    gg_optim_new(&o, GG_OPTIM_ADAMW, &ac, gg_model_nparams(m), &err);
    gg_optim_set_ranges(o, ranges, nr, &err);
    float before[40], x4[12];
    memcpy(before, gg_model_params(m), gg_model_nparams(m) * sizeof(float));
    fill(x4, 12, 8, 1.0f);
    const float *y;
    gg_model_zero_grad(m);
    gg_model_forward(m, x4, 3, &y, &err);
    float dy[6] = {1, -1, 0.5f, 2, -0.3f, 1};
    gg_model_backward(m, dy);
    int zero = 1;
    for (size_t i = 0; i < 25; i++)
        zero &= gg_model_grads(m)[i] == 0.0f;
    CHECK("frozen layer gets no gradient", zero);
    gg_optim_step(o, gg_model_params(m), gg_model_grads(m));
    int same = 1, moved = 0;
    for (size_t i = 0; i < 25; i++)
        same &= gg_model_params(m)[i] == before[i];
    for (size_t i = 25; i < 37; i++)
        moved |= gg_model_params(m)[i] != before[i];
    CHECK("AdamW (weight decay) leaves frozen weights exactly", same);
    CHECK("trainable weights move", moved);
    gg_optim_free(o);
    gg_model_free(m);
}

/* Every instruction-set path gives the same bits on the conv net and the ops net. */
static void test_isa_bits(void)
{
    static float x[6 * 81], y0[64], g0[MAXP], y1[64], g1[MAXP];
    fill(x, 6 * 81, 4, 1.0f);
    float dy[18];
    fill(dy, 18, 9, 1.0f);
    int first = 1;
    size_t np = 0;
    for (int isa = 0; isa < GG_ISA_COUNT; isa++) {
        if (!gg_isa_supported((gg_isa)isa))
            continue;
        gg_model *m = conv_net(1);
        gg_err err;
        gg_model_set_isa(m, (gg_isa)isa, &err);
        const float *y;
        gg_model_zero_grad(m);
        gg_model_forward(m, x, 6, &y, &err);
        gg_model_backward(m, dy);
        np = gg_model_nparams(m);
        memcpy(first ? y0 : y1, y, 18 * sizeof(float));
        memcpy(first ? g0 : g1, gg_model_grads(m), np * sizeof(float));
        if (!first) {
            char name[64];
            snprintf(name, sizeof name, "conv net output bits on %s", gg_isa_name((gg_isa)isa));
            CHECK(name, memcmp(y0, y1, 18 * sizeof(float)) == 0);
            snprintf(name, sizeof name, "conv net gradient bits on %s", gg_isa_name((gg_isa)isa));
            CHECK(name, memcmp(g0, g1, np * sizeof(float)) == 0);
        }
        first = 0;
        gg_model_free(m);
    }
}

/* where(cond, a, b) with cond computed from parameters: no gradient flows into cond, and
 * the layer feeding only cond gets exactly zero (its gradient buffer is zeroed, never
 * left uninitialised). */
static void test_where_cond(void)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x;
    gg_shape s = S1(4);
    gg_graph_input(g, &s, 0, &x, &err);
    int c = add(g, LIN(4, 4), x, -1);          // feeds only the condition
    c = add(g, ACTC(GG_ACT_RELU), c, -1);
    int a = add(g, LIN(4, 4), x, -1);
    gg_layer_cfg half = L(GG_LAYER_UNARY);
    half.op = GG_OPS_MUL_SCALAR;
    half.scalar = 0.5;
    int b = add(g, half, a, -1);
    int in3[3] = {c, a, b}, w;
    gg_layer_cfg wc = L(GG_LAYER_WHERE);
    gg_graph_layer(g, &wc, in3, 3, &w, &err);
    gg_model *m = compile(g, w, 2);
    float xin[12], dy[12];
    fill(xin, 12, 1, 1.0f);
    fill(dy, 12, 2, 1.0f);
    const float *y;
    for (int rep = 0; rep < 2; rep++) {  // twice: stale memory would show the second time
        gg_model_zero_grad(m);
        gg_model_forward(m, xin, 3, &y, &err);
        gg_model_backward(m, dy);
    }
    int zero = 1, some = 0;
    for (size_t i = 0; i < 20; i++)
        zero &= gg_model_grads(m)[i] == 0.0f;
    for (size_t i = 20; i < 40; i++)
        some |= gg_model_grads(m)[i] != 0.0f;
    CHECK("where: no gradient reaches the layer computing the condition", zero);
    CHECK("where: the selected branch gets its gradient", some);
    gg_model_free(m);
}

/* conv -> max pool (overlapping windows) -> backward equals the kernels chained by hand. */
static void test_maxpool_chain(void)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x;
    gg_shape s = S3(1, 9, 9);
    gg_graph_input(g, &s, 0, &x, &err);
    int c = add(g, CONV2(1, 4, 3, 1, 0), x, -1);
    gg_layer_cfg pc = L(GG_LAYER_POOL);
    pc.spatial = 2;
    pc.pool_max = 1;
    pc.kernel[0] = pc.kernel[1] = 2;
    pc.stride[0] = pc.stride[1] = 1;
    int p = add(g, pc, c, -1);
    gg_model *m = compile(g, p, 1);
    const size_t B = 2;
    static float xin[162], dy[288], yref[392], pref[288], dyc[392], dW[40], scratch[1 << 16];
    static int32_t idx[288];
    fill(xin, 162, 3, 1.0f);
    fill(dy, 288, 4, 1.0f);
    const float *y;
    gg_model_zero_grad(m);
    gg_model_forward(m, xin, B, &y, &err);
    gg_model_backward(m, dy);
    gg_conv_shape cs = {.cin = 1, .cout = 4, .groups = 1, .ih = 9, .iw = 9, .kh = 3, .kw = 3,
                        .sh = 1, .sw = 1, .dh = 1, .dw = 1};
    gg_pool_shape ps = {.kind = GG_POOL_MAX, .c = 4, .ih = 7, .iw = 7, .kh = 2, .kw = 2, .sh = 1,
                        .sw = 1, .dh = 1, .dw = 1, .count_include_pad = 1};
    CHECK("shapes", gg_conv_check(&cs, &err) == GG_OK && gg_pool_check(&ps, &err) == GG_OK &&
                        gg_conv_scratch(&cs, B) <= (1 << 16));
    const float *P = gg_model_params(m);
    gg_conv_forward(GG_ISA_GENERIC, yref, xin, P, P + 36, scratch, &cs, B);
    gg_pool_forward(pref, idx, yref, &ps, B);
    gg_pool_backward(dyc, 0, dy, idx, &ps, B);
    memset(dW, 0, sizeof dW);
    gg_conv_backward(GG_ISA_GENERIC, NULL, 0, dW, dW + 36, dyc, xin, P, scratch, &cs, B);
    CHECK("max pool graph output = the kernels chained", memcmp(pref, y, sizeof pref) == 0);
    CHECK("max pool graph gradients = the kernels chained", memcmp(dW, gg_model_grads(m), sizeof dW) == 0);
    gg_model_free(m);
}

static void test_errors(void)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x, out;
    gg_shape s = S3(3, 8, 8);
    gg_graph_input(g, &s, 0, &x, &err);
    gg_layer_cfg c = CONV2(4, 8, 3, 1, 0);
    CHECK("conv channel mismatch", gg_graph_layer(g, &c, &x, 1, &out, &err) == GG_ESHAPE);
    CHECK_CONTAINS("names the layer and both sizes", err.msg,
                   "layer 1: conv2d expects 4 input channels but the previous layer gives 3");
    c = CONV2(3, 8, 11, 1, 0);
    CHECK("kernel larger than the input", gg_graph_layer(g, &c, &x, 1, &out, &err) == GG_ESHAPE);
    CHECK_CONTAINS("kernel message", err.msg, "kernel 11 (dilation 1) is larger than the padded input 8");
    c = CONV2(3, 8, 3, 2, 0);
    c.pad_same = 1;
    CHECK("'same' needs stride 1", gg_graph_layer(g, &c, &x, 1, &out, &err) == GG_EINVAL);
    CHECK_CONTAINS("same message", err.msg, "padding='same' needs stride 1");
    gg_layer_cfg l = LIN(5, 2);
    CHECK("linear on the wrong width", gg_graph_layer(g, &l, &x, 1, &out, &err) == GG_ESHAPE);
    CHECK_CONTAINS("linear message", err.msg,
                   "linear expects 5 inputs on its last dim but the previous layer gives (B, 3, 8, 8)");
    gg_layer_cfg v = L(GG_LAYER_VIEW);
    v.shape = (gg_shape){.ndim = 2, .dim = {GG_BATCH, 100}};
    CHECK("a view of the wrong size", gg_graph_layer(g, &v, &x, 1, &out, &err) == GG_ESHAPE);
    CHECK_CONTAINS("view message", err.msg, "has 100 elements per sample, the input (B, 3, 8, 8) has 192");
    gg_layer_cfg p = L(GG_LAYER_PERMUTE);
    p.perm[0] = 1, p.perm[1] = 0, p.perm[2] = 2, p.perm[3] = 3;
    CHECK("the batch stays on dim 0", gg_graph_layer(g, &p, &x, 1, &out, &err) == GG_EINVAL);
    CHECK_CONTAINS("permute message", err.msg, "cannot move the batch dimension");
    gg_layer_cfg b = BIN(GG_OPS_ADD);
    int w;
    gg_shape ws = S1(5);
    gg_graph_param(g, &ws, NULL, 1, &w, &err);
    int in[2] = {x, w};
    CHECK("broadcast mismatch", gg_graph_layer(g, &b, in, 2, &out, &err) == GG_ESHAPE);
    CHECK_CONTAINS("broadcast message", err.msg, "cannot broadcast (B, 3, 8, 8) with (5)");
    gg_model *m = NULL;
    CHECK("compiling a leaf fails", gg_model_compile(&m, g, x, &err) == GG_EINVAL && !m);
    gg_graph_free(g);
}

/* Channel-wise dropout zeroes whole channels and scales the rest by 1/(1-p). */
static void test_dropout2d(void)
{
    gg_graph *g;
    gg_err err;
    gg_graph_new(&g, &err);
    int x;
    gg_shape s = S3(8, 3, 3);
    gg_graph_input(g, &s, 0, &x, &err);
    gg_layer_cfg d = L(GG_LAYER_DROPOUT);
    d.channel_wise = 1;
    d.spatial = 2;
    d.p = 0.5;
    int h = add(g, d, x, -1);
    gg_model *m = compile(g, h, 1);
    static float in[4 * 72];
    for (size_t i = 0; i < 4 * 72; i++)
        in[i] = 1.0f;
    const float *y;
    gg_model_forward(m, in, 4, &y, &err);
    int whole = 1, dropped = 0;
    for (size_t c = 0; c < 32; c++) {
        for (size_t j = 0; j < 9; j++)
            whole &= y[c * 9 + j] == y[c * 9] && (y[c * 9] == 0.0f || y[c * 9] == 2.0f);
        dropped += y[c * 9] == 0.0f;
    }
    CHECK("dropout2d drops whole channels, scales the rest by 2", whole);
    CHECK("dropout2d drops some but not all of 32 channels", dropped > 4 && dropped < 28);
    gg_model_set_training(m, 0);
    gg_model_forward(m, in, 4, &y, &err);
    CHECK("dropout2d is the identity in eval mode", y[0] == 1.0f && y[4 * 72 - 1] == 1.0f);
    gg_model_free(m);
}

int main(void)
{
    test_gradients();
    test_input_grad();
    test_frozen();
    test_isa_bits();
    test_maxpool_chain();
    test_where_cond();
    test_errors();
    test_dropout2d();
    return CHECK_DONE();
}
