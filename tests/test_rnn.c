/* tests/test_rnn.c — recurrent layers (core/rnn.h): RNN tanh/relu, LSTM, GRU.
 * The float kernels against a double reference of torch's equations (forward), and their
 * gradients against central finite differences of that reference (objective
 * L = sum(c * y), so dL/dy = c), with and without biases; every ISA bit for bit against
 * the portable path; a batch in one call against one sample per call (dW, db accumulated
 * call after call) bit for bit; the graph node (parameter order and shapes, torch's init
 * bounds, the compiled model's forward and backward = the kernels', bit for bit; a frozen
 * layer); error messages; a long sequence (L = 1000) whose saved state and scratch grow
 * linearly in L; the spectral-norm estimate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "detmath.h"
#include "graph.h"
#include "model.h"
#include "rng.h"
#include "rnn.h"

static float *randv(gg_rng *r, size_t n, double scale)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(scale * gg_rng_normal(r));
    return v;
}

static float *zerov(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

static int same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* ---- the double reference: torch's equations, h0 = c0 = 0 ---- */

static double sigm(double v) { return 1.0 / (1.0 + exp(-v)); }

/* y (B, L, H) in double; parameters as double copies of the float ones (b's may be NULL). */
static void ref_forward(double *y, const gg_rnn_shape *s, size_t B, const double *x,
                        const double *Wih, const double *Whh, const double *bih,
                        const double *bhh)
{
    const size_t L = s->len, I = s->in, H = s->hidden, G = gg_rnn_gates(s->mode), GH = G * H;
    double *h = calloc(H, sizeof *h), *c = calloc(H, sizeof *c), *a = malloc(GH * sizeof *a),
           *r = malloc(GH * sizeof *r);
    for (size_t b = 0; b < B; b++) {
        memset(h, 0, H * sizeof *h);
        memset(c, 0, H * sizeof *c);
        for (size_t t = 0; t < L; t++) {
            const double *xt = x + (b * L + t) * I;
            for (size_t o = 0; o < GH; o++) {
                double sa = bih ? bih[o] : 0.0, sr = bhh ? bhh[o] : 0.0;
                for (size_t k = 0; k < I; k++)
                    sa += Wih[o * I + k] * xt[k];
                for (size_t k = 0; k < H; k++)
                    sr += Whh[o * H + k] * h[k];
                a[o] = sa;
                r[o] = sr;
            }
            for (size_t j = 0; j < H; j++) {
                double hn;
                switch (s->mode) {
                case GG_RNN_TANH: hn = tanh(a[j] + r[j]); break;
                case GG_RNN_RELU: hn = a[j] + r[j] > 0 ? a[j] + r[j] : 0.0; break;
                case GG_RNN_LSTM: {
                    double i = sigm(a[j] + r[j]), f = sigm(a[H + j] + r[H + j]);
                    double g = tanh(a[2 * H + j] + r[2 * H + j]), o = sigm(a[3 * H + j] + r[3 * H + j]);
                    c[j] = f * c[j] + i * g;
                    hn = o * tanh(c[j]);
                    break;
                }
                default: {
                    double rg = sigm(a[j] + r[j]), z = sigm(a[H + j] + r[H + j]);
                    double n = tanh(a[2 * H + j] + rg * r[2 * H + j]);
                    hn = (1 - z) * n + z * h[j];
                    break;
                }
                }
                y[(b * L + t) * H + j] = hn;
            }
            for (size_t j = 0; j < H; j++)
                h[j] = y[(b * L + t) * H + j];
        }
    }
    free(h), free(c), free(a), free(r);
}

static double *todouble(const float *v, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = v[i];
    return d;
}

/* One test problem: float tensors and sizes. */
typedef struct prob {
    gg_rnn_shape s;
    size_t B, nx, ny, nwi, nwh, GH;
    int bias;
    float *x, *Wih, *Whh, *bih, *bhh, *c;
} prob;

static prob mkprob(gg_rnn_mode mode, size_t B, size_t L, size_t I, size_t H, int bias, uint64_t seed)
{
    prob p = {.s = {mode, I, H, L}, .B = B, .bias = bias};
    gg_rng r;
    gg_rng_seed(&r, seed);
    p.GH = gg_rnn_gates(mode) * H;
    p.nx = B * L * I, p.ny = B * L * H, p.nwi = p.GH * I, p.nwh = p.GH * H;
    const double ws = mode == GG_RNN_RELU ? 0.3 : 0.5;
    p.x = randv(&r, p.nx, 1.0);
    p.Wih = randv(&r, p.nwi, ws);
    p.Whh = randv(&r, p.nwh, ws);
    p.bih = bias ? randv(&r, p.GH, 0.3) : NULL;
    p.bhh = bias ? randv(&r, p.GH, 0.3) : NULL;
    p.c = randv(&r, p.ny, 1.0);
    return p;
}

static void freeprob(prob *p)
{
    free(p->x), free(p->Wih), free(p->Whh), free(p->bih), free(p->bhh), free(p->c);
}

/* The kernels' results for one problem on one ISA. */
typedef struct run {
    float *y, *dx, *dWih, *dWhh, *dbih, *dbhh;
} run;

static run do_run(const prob *p, gg_isa isa)
{
    run o = {zerov(p->ny), zerov(p->nx), zerov(p->nwi), zerov(p->nwh), zerov(p->GH), zerov(p->GH)};
    float *aux = zerov(gg_rnn_aux(&p->s, p->B)), *scr = zerov(gg_rnn_scratch(&p->s, p->B));
    gg_rnn_forward(isa, o.y, aux, p->x, p->Wih, p->Whh, p->bih, p->bhh, scr, &p->s, p->B);
    gg_rnn_backward(isa, o.dx, o.dWih, o.dWhh, p->bias ? o.dbih : NULL, p->bias ? o.dbhh : NULL,
                    p->c, p->x, o.y, aux, p->Wih, p->Whh, scr, &p->s, p->B);
    free(aux), free(scr);
    return o;
}

static void freerun(run *o)
{
    free(o->y), free(o->dx), free(o->dWih), free(o->dWhh), free(o->dbih), free(o->dbhh);
}

/* sum(c * y) of the double reference with tensor `which` (0 x, 1 Wih, 2 Whh, 3 bih, 4 bhh)
 * element k moved by d. */
static double ref_loss(const prob *p, int which, size_t k, double d)
{
    double *x = todouble(p->x, p->nx), *wi = todouble(p->Wih, p->nwi), *wh = todouble(p->Whh, p->nwh);
    double *bi = p->bias ? todouble(p->bih, p->GH) : NULL, *bh = p->bias ? todouble(p->bhh, p->GH) : NULL;
    double *t[5] = {x, wi, wh, bi, bh};
    t[which][k] += d;
    double *y = malloc(p->ny * sizeof *y);
    ref_forward(y, &p->s, p->B, x, wi, wh, bi, bh);
    double L = 0.0;
    for (size_t i = 0; i < p->ny; i++)
        L += (double)p->c[i] * y[i];
    free(x), free(wi), free(wh), free(bi), free(bh), free(y);
    return L;
}

/* ---- tests ---- */

static const char *const MODE[] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};

/* Forward against the double reference; every gradient against central differences. */
static void test_gradients(void)
{
    for (int mode = 0; mode < GG_RNN_MODE_COUNT; mode++)
        for (int bias = 0; bias <= 1; bias++) {
            prob p = mkprob((gg_rnn_mode)mode, 2, 5, 3, 4, bias, 100 + (uint64_t)(mode * 2 + bias));
            run o = do_run(&p, GG_ISA_GENERIC);
            double *x = todouble(p.x, p.nx), *wi = todouble(p.Wih, p.nwi), *wh = todouble(p.Whh, p.nwh);
            double *bi = bias ? todouble(p.bih, p.GH) : NULL, *bh = bias ? todouble(p.bhh, p.GH) : NULL;
            double *y = malloc(p.ny * sizeof *y);
            ref_forward(y, &p.s, p.B, x, wi, wh, bi, bh);
            double wf = 0.0;
            for (size_t i = 0; i < p.ny; i++)
                wf = fmax(wf, fabs((double)o.y[i] - y[i]));
            char name[128];
            snprintf(name, sizeof name, "%s bias=%d: forward vs double reference (abs)", MODE[mode], bias);
            CHECK_NEAR(name, wf, 0.0, 2e-6);
            // Gradients: every element of every tensor, |g - fd| / max(|fd|, 1e-2).
            const float *got[5] = {o.dx, o.dWih, o.dWhh, o.dbih, o.dbhh};
            const size_t n[5] = {p.nx, p.nwi, p.nwh, bias ? p.GH : 0, bias ? p.GH : 0};
            static const char *const what[5] = {"dx", "dW_ih", "dW_hh", "db_ih", "db_hh"};
            for (int q = 0; q < 5; q++) {
                if (!n[q])
                    continue;
                double worst = 0.0;
                for (size_t k = 0; k < n[q]; k++) {
                    const double hstep = 1e-6;
                    double fd = (ref_loss(&p, q, k, hstep) - ref_loss(&p, q, k, -hstep)) / (2 * hstep);
                    worst = fmax(worst, fabs((double)got[q][k] - fd) / fmax(fabs(fd), 1e-2));
                }
                snprintf(name, sizeof name, "%s bias=%d: %s vs central differences", MODE[mode], bias, what[q]);
                CHECK_NEAR(name, worst, 0.0, 1e-4);
            }
            free(x), free(wi), free(wh), free(bi), free(bh), free(y);
            freerun(&o);
            freeprob(&p);
        }
}

/* Every ISA gives the portable path's bits; one call of B = one call per sample. */
static void test_isa_and_split(void)
{
    static const size_t H[] = {5, 16, 37};
    for (int mode = 0; mode < GG_RNN_MODE_COUNT; mode++)
        for (size_t q = 0; q < 3; q++) {
            prob p = mkprob((gg_rnn_mode)mode, 19, 6, 7, H[q], 1, 200 + (uint64_t)(mode * 3) + q);
            run ref = do_run(&p, GG_ISA_GENERIC);
            for (int isa = 1; isa < GG_ISA_COUNT; isa++) {
                if (!gg_isa_supported((gg_isa)isa))
                    continue;
                run o = do_run(&p, (gg_isa)isa);
                char name[128];
                snprintf(name, sizeof name, "%s H=%zu: %s = generic bit for bit (y, dx, dW, db)", MODE[mode],
                         H[q], gg_isa_name((gg_isa)isa));
                CHECK(name, same_bits(o.y, ref.y, p.ny) && same_bits(o.dx, ref.dx, p.nx) &&
                                same_bits(o.dWih, ref.dWih, p.nwi) && same_bits(o.dWhh, ref.dWhh, p.nwh) &&
                                same_bits(o.dbih, ref.dbih, p.GH) && same_bits(o.dbhh, ref.dbhh, p.GH));
                freerun(&o);
            }
            // One sample per call, gradients accumulated, on the best ISA.
            const gg_isa best = gg_isa_best();
            run one = {zerov(p.ny), zerov(p.nx), zerov(p.nwi), zerov(p.nwh), zerov(p.GH), zerov(p.GH)};
            const size_t L = p.s.len, I = p.s.in, Hh = p.s.hidden;
            float *aux = zerov(gg_rnn_aux(&p.s, 1)), *scr = zerov(gg_rnn_scratch(&p.s, 1));
            for (size_t b = 0; b < p.B; b++) {
                gg_rnn_forward(best, one.y + b * L * Hh, aux, p.x + b * L * I, p.Wih, p.Whh, p.bih, p.bhh,
                               scr, &p.s, 1);
                gg_rnn_backward(best, one.dx + b * L * I, one.dWih, one.dWhh, one.dbih, one.dbhh,
                                p.c + b * L * Hh, p.x + b * L * I, one.y + b * L * Hh, aux, p.Wih, p.Whh,
                                scr, &p.s, 1);
            }
            char name[128];
            snprintf(name, sizeof name, "%s H=%zu: batch of 19 = 19 calls of 1, bit for bit", MODE[mode], H[q]);
            CHECK(name, same_bits(one.y, ref.y, p.ny) && same_bits(one.dx, ref.dx, p.nx) &&
                            same_bits(one.dWih, ref.dWih, p.nwi) && same_bits(one.dWhh, ref.dWhh, p.nwh) &&
                            same_bits(one.dbih, ref.dbih, p.GH) && same_bits(one.dbhh, ref.dbhh, p.GH));
            free(aux), free(scr);
            freerun(&one);
            freerun(&ref);
            freeprob(&p);
        }
}

/* A graph with one RNN node on x (B, L, I). */
static int build(gg_graph **g, gg_rnn_mode mode, size_t L, size_t I, size_t H, int bias, int frozen,
                 int *out, gg_err *err)
{
    gg_graph_new(g, err);
    gg_shape s = {.ndim = 2, .dim = {L, I}};
    int x;
    gg_graph_input(*g, &s, 1, &x, err);
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_RNN);
    c.rnn_mode = (int)mode;
    c.in = I;
    c.out = H;
    c.bias = bias;
    c.frozen = frozen;
    return (int)gg_graph_layer(*g, &c, &x, 1, out, err);
}

static void test_model(void)
{
    for (int mode = 0; mode < GG_RNN_MODE_COUNT; mode++)
        for (int bias = 0; bias <= 1; bias++) {
            const size_t B = 3, L = 4, I = 5, H = 6, G = gg_rnn_gates((gg_rnn_mode)mode);
            gg_graph *g;
            gg_err err;
            int out;
            char name[128];
            snprintf(name, sizeof name, "%s bias=%d: builds", MODE[mode], bias);
            CHECK(name, build(&g, (gg_rnn_mode)mode, L, I, H, bias, 0, &out, &err) == 0);
            gg_model *m;
            CHECK("compiles", gg_model_compile(&m, g, out, &err) == GG_OK);
            snprintf(name, sizeof name, "%s bias=%d: parameter tensors", MODE[mode], bias);
            CHECK_EQ(name, gg_model_ntensors(m), bias ? 4 : 2);
            size_t total = 0;
            for (size_t k = 0; k < gg_model_ntensors(m); k++) {
                gg_shape ps = gg_model_tensor_shape(m, k);
                const size_t want0 = G * H, want1 = k == 0 ? I : H;
                int ok = k < 2 ? ps.ndim == 2 && ps.dim[0] == want0 && ps.dim[1] == want1
                               : ps.ndim == 1 && ps.dim[0] == want0;
                size_t off, r, cc;
                gg_model_tensor_info(m, k, &off, &r, &cc);
                ok &= off == total;  // torch's order: W_ih, W_hh, b_ih, b_hh
                total += r * cc;
                snprintf(name, sizeof name, "%s bias=%d: tensor %zu shape and offset", MODE[mode], bias, k);
                CHECK(name, ok);
            }
            CHECK_EQ("all parameters counted", gg_model_nparams(m), total);
            gg_rng r;
            gg_rng_seed(&r, 5);
            gg_model_init_default(m, &r);
            const float *P = gg_model_params(m);
            const double bound = 1.0 / sqrt((double)H);
            double lo = 1, hi = -1;
            for (size_t k = 0; k < total; k++)
                lo = fmin(lo, P[k]), hi = fmax(hi, P[k]);
            snprintf(name, sizeof name, "%s bias=%d: init within +-1/sqrt(H) and spread", MODE[mode], bias);
            CHECK(name, lo >= -bound && hi <= bound && hi - lo > bound);
            // The model's forward and backward are the kernels', bit for bit.
            CHECK("reserve", gg_model_reserve(m, B, &err) == GG_OK);
            gg_rng_seed(&r, 6);
            float *x = randv(&r, B * L * I, 1.0), *dy = randv(&r, B * L * H, 1.0);
            memcpy(gg_model_input(m, B), x, B * L * I * sizeof *x);
            const float *y = gg_model_run(m, B);
            gg_model_zero_grad(m);
            gg_model_backward(m, dy);
            prob p = {.s = {(gg_rnn_mode)mode, I, H, L}, .B = B, .bias = bias, .GH = G * H};
            p.nx = B * L * I, p.ny = B * L * H, p.nwi = G * H * I, p.nwh = G * H * H;
            p.x = x, p.c = dy;
            p.Wih = (float *)P, p.Whh = (float *)P + p.nwi;
            p.bih = bias ? (float *)P + p.nwi + p.nwh : NULL;
            p.bhh = bias ? p.bih + p.GH : NULL;
            run o = do_run(&p, gg_model_isa(m));
            const float *gr = gg_model_grads(m);
            int ok = same_bits(y, o.y, p.ny) && same_bits(gg_model_input_grad(m, 0), o.dx, p.nx) &&
                     same_bits(gr, o.dWih, p.nwi) && same_bits(gr + p.nwi, o.dWhh, p.nwh);
            if (bias)
                ok &= same_bits(gr + p.nwi + p.nwh, o.dbih, p.GH) &&
                      same_bits(gr + p.nwi + p.nwh + p.GH, o.dbhh, p.GH);
            snprintf(name, sizeof name, "%s bias=%d: model forward/backward = kernels bit for bit", MODE[mode], bias);
            CHECK(name, ok);
            CHECK_CONTAINS("layer name", gg_layer_name(gg_graph_cfg(gg_model_graph(m), out)),
                           mode == GG_RNN_LSTM ? "lstm" : mode == GG_RNN_GRU ? "gru" : "rnn");
            freerun(&o);
            free(x), free(dy);
            gg_model_free(m);
        }
    // A frozen layer: no gradients, the input's still computed.
    gg_graph *g;
    gg_err err;
    int out;
    build(&g, GG_RNN_LSTM, 3, 2, 3, 1, 1, &out, &err);
    gg_model *m;
    CHECK("frozen lstm compiles", gg_model_compile(&m, g, out, &err) == GG_OK);
    gg_rng r;
    gg_rng_seed(&r, 9);
    gg_model_init_default(m, &r);
    gg_model_reserve(m, 2, &err);
    float *x = randv(&r, 2 * 3 * 2, 1.0), *dy = randv(&r, 2 * 3 * 3, 1.0);
    memcpy(gg_model_input(m, 2), x, sizeof(float) * 12);
    gg_model_run(m, 2);
    gg_model_zero_grad(m);
    gg_model_backward(m, dy);
    double gsum = 0.0, dxs = 0.0;
    for (size_t k = 0; k < gg_model_nparams(m); k++)
        gsum += fabs(gg_model_grads(m)[k]);
    for (size_t k = 0; k < 12; k++)
        dxs += fabs(gg_model_input_grad(m, 0)[k]);
    CHECK("frozen lstm: parameter gradients stay 0", gsum == 0.0);
    CHECK("frozen lstm: the input gradient is computed", dxs > 0.0);
    free(x), free(dy);
    gg_model_free(m);
}

static void test_errors(void)
{
    gg_err err;
    gg_rnn_shape s = {GG_RNN_LSTM, 3, 0, 4};
    CHECK("hidden 0 rejected", gg_rnn_check(&s, &err) == GG_EINVAL);
    CHECK_CONTAINS("hidden 0 message", err.msg, "hidden_size must be >= 1, got 0");
    s = (gg_rnn_shape){(gg_rnn_mode)7, 3, 2, 4};
    CHECK("bad mode rejected", gg_rnn_check(&s, &err) == GG_EINVAL);
    CHECK_CONTAINS("bad mode message", err.msg, "rnn_tanh, rnn_relu, lstm or gru");
    s = (gg_rnn_shape){GG_RNN_GRU, 3, (size_t)1 << 40, 4};
    CHECK("huge hidden rejected", gg_rnn_check(&s, &err) == GG_EINVAL);
    gg_rnn_mode md;
    CHECK("parse gru", gg_rnn_mode_parse("gru", &md) == 0 && md == GG_RNN_GRU);
    CHECK("parse unknown", gg_rnn_mode_parse("lstmx", &md) == -1);
    CHECK("gates", gg_rnn_gates(GG_RNN_TANH) == 1 && gg_rnn_gates(GG_RNN_LSTM) == 4 &&
                       gg_rnn_gates(GG_RNN_GRU) == 3 && gg_rnn_gates((gg_rnn_mode)9) == 0);

    gg_graph *g;
    int out;
    CHECK("graph: an lstm builds", build(&g, GG_RNN_LSTM, 5, 16, 8, 1, 0, &out, &err) == GG_OK);
    gg_graph_free(g);
    gg_graph_new(&g, &err);
    gg_shape sh = {.ndim = 2, .dim = {5, 16}};
    int x;
    gg_graph_input(g, &sh, 0, &x, &err);
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_RNN);
    c.rnn_mode = GG_RNN_LSTM;
    c.in = 32;
    c.out = 8;
    CHECK("graph: wrong input_size rejected", gg_graph_layer(g, &c, &x, 1, &out, &err) == GG_ESHAPE);
    CHECK_CONTAINS("message names the layer", err.msg, "layer 1: lstm");
    CHECK_CONTAINS("message names both sizes", err.msg, "expects input_size 32 but the input (B, 5, 16) has 16");
    c.in = 16;
    c.out = 0;
    CHECK("graph: hidden 0 rejected", gg_graph_layer(g, &c, &x, 1, &out, &err) == GG_EINVAL);
    CHECK_CONTAINS("hidden 0 message", err.msg, "layer 1: lstm hidden_size must be >= 1, got 0");
    c.out = 8;
    c.rnn_mode = 11;
    CHECK("graph: unknown mode rejected", gg_graph_layer(g, &c, &x, 1, &out, &err) == GG_EINVAL);
    CHECK_CONTAINS("unknown mode message", err.msg, "unknown mode 11");
    c.rnn_mode = GG_RNN_GRU;
    CHECK_EQ("no node added by the failures", gg_graph_nodes(g), 1);
    gg_shape s2 = {.ndim = 1, .dim = {16}};
    int x2;
    gg_graph_input(g, &s2, 0, &x2, &err);
    CHECK("graph: 2-d input rejected", gg_graph_layer(g, &c, &x2, 1, &out, &err) == GG_ESHAPE);
    CHECK_CONTAINS("2-d input message", err.msg, "gru expects a batch-first input (B, L, 16), got (B, 16)");
    CHECK("graph: good gru builds", gg_graph_layer(g, &c, &x, 1, &out, &err) == GG_OK);
    gg_shape ys = gg_graph_shape(g, out);
    CHECK("gru output (B, 5, 8)", ys.ndim == 3 && ys.dim[1] == 5 && ys.dim[2] == 8);
    gg_graph_free(g);
}

/* L = 1000: the saved state and scratch are linear in L (O(B L H)), the run is finite and
 * matches the double reference. */
static void test_long(void)
{
    const size_t B = 2, L = 1000, I = 3, H = 8;
    for (int mode = 0; mode < GG_RNN_MODE_COUNT; mode++) {
        gg_rnn_shape s = {(gg_rnn_mode)mode, I, H, L};
        const size_t G = gg_rnn_gates(s.mode);
        const size_t per = mode == GG_RNN_LSTM ? (G + 2) * H : mode == GG_RNN_GRU ? (G + 1) * H : G * H;
        char name[128];
        snprintf(name, sizeof name, "%s L=1000: aux = B L (%zu) floats", MODE[mode], per);
        CHECK_EQ(name, gg_rnn_aux(&s, B), B * L * per);
        // Scratch: at most a constant number of (B L G H)-sized blocks plus the weights.
        const size_t bound = 4 * B * L * (G * H + 16) + 4 * G * H * (I + H + 16) + 256;
        snprintf(name, sizeof name, "%s L=1000: scratch %zu <= 4 B L (GH + 16) + O(weights) = %zu", MODE[mode],
                 gg_rnn_scratch(&s, B), bound);
        CHECK(name, gg_rnn_scratch(&s, B) <= bound);
        prob p = mkprob((gg_rnn_mode)mode, B, L, I, H, 1, 300 + (uint64_t)mode);
        run o = do_run(&p, gg_isa_best());
        double *y = malloc(p.ny * sizeof *y);
        double *x = todouble(p.x, p.nx), *wi = todouble(p.Wih, p.nwi), *wh = todouble(p.Whh, p.nwh);
        double *bi = todouble(p.bih, p.GH), *bh = todouble(p.bhh, p.GH);
        ref_forward(y, &p.s, B, x, wi, wh, bi, bh);
        double worst = 0.0;
        int finite = 1;
        for (size_t i = 0; i < p.ny; i++) {
            worst = fmax(worst, fabs((double)o.y[i] - y[i]) / fmax(1.0, fabs(y[i])));
            finite &= isfinite(o.y[i]) && isfinite(p.c[i]);
        }
        for (size_t i = 0; i < p.nwh; i++)
            finite &= isfinite(o.dWhh[i]);
        snprintf(name, sizeof name, "%s L=1000: forward and dW_hh finite", MODE[mode]);
        CHECK(name, finite);
        snprintf(name, sizeof name, "%s L=1000: forward vs double reference", MODE[mode]);
        CHECK_NEAR(name, worst, 0.0, mode == GG_RNN_RELU ? 1e-3 : 1e-4);
        free(y), free(x), free(wi), free(wh), free(bi), free(bh);
        freerun(&o);
        freeprob(&p);
    }
}

static void test_spectral(void)
{
    double scr[64];
    float D[3 * 3] = {2, 0, 0, 0, -5, 0, 0, 0, 1};
    CHECK_NEAR("diagonal: largest |d|", gg_rnn_spectral_norm(D, 3, 3, 50, scr), 5.0, 1e-9);
    float R[4 * 3];  // u v^T: norm |u| |v|
    const float u[4] = {1, 2, -2, 4}, v[3] = {3, 0, -4};
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 3; k++)
            R[i * 3 + k] = u[i] * v[k];
    CHECK_NEAR("rank one (4x3): |u| |v|", gg_rnn_spectral_norm(R, 4, 3, 5, scr), 5.0 * 5.0, 1e-9);
    float Z[6] = {0};
    CHECK("zero matrix: 0", gg_rnn_spectral_norm(Z, 2, 3, 10, scr) == 0.0);
    gg_rng r;
    gg_rng_seed(&r, 4);
    float *W = randv(&r, 12 * 4, 1.0);
    double a = gg_rnn_spectral_norm(W, 12, 4, 30, scr), b = gg_rnn_spectral_norm(W, 12, 4, 30, scr);
    CHECK("deterministic", memcmp(&a, &b, sizeof a) == 0);
    double fro = 0.0;
    for (int k = 0; k < 48; k++)
        fro += (double)W[k] * (double)W[k];
    CHECK("between max column norm and Frobenius", a <= sqrt(fro) * (1 + 1e-12) && a > 0.5 * sqrt(fro / 4));
    W[7] = INFINITY;
    CHECK("inf entry: NaN", isnan(gg_rnn_spectral_norm(W, 12, 4, 30, scr)));
    free(W);
}

/* The array sigmoid and tanh give gg_sigmoidf's and gg_tanhf's bits: on random floats of
 * every scale, the branch boundaries (1e-4 and 10 for tanh), signed zeros, subnormals,
 * infinities; NaN in, NaN out. Lengths that are not a multiple of 8 exercise the tails. */
static void test_activations(void)
{
    enum { N = 200003 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *tmp = malloc(N * sizeof *tmp);
    gg_rng r;
    gg_rng_seed(&r, 77);
    static const float special[] = {0.0f, -0.0f, 1e-4f, -1e-4f, 0x1.a36e2cp-14f, 0x1.a36e2ep-14f, 10.0f,
                                    -10.0f, 0x1.400002p3f, 0x1.3ffffep3f, 1e-45f, -1e-45f, 1e-38f,
                                    INFINITY, -INFINITY, 88.0f, -88.0f, 89.5f, -104.5f, 0.5f, -0.5f};
    const size_t ns = sizeof special / sizeof special[0];
    for (size_t i = 0; i < N; i++)
        x[i] = i < ns ? special[i] : (float)(gg_rng_normal(&r) * pow(10.0, 4.0 * gg_rng_uniform(&r) - 3.0));
    size_t bad = 0;
    gg_tanhf_n(y, x, N);
    for (size_t i = 0; i < N; i++) {
        float w = gg_tanhf(x[i]);
        bad += memcmp(&w, &y[i], sizeof w) != 0;
    }
    CHECK_EQ("tanh over arrays = gg_tanhf bit for bit (200003 values)", bad, 0);
    bad = 0;
    gg_sigmoidf_n(y, x, N);
    for (size_t i = 0; i < N; i++) {
        float w = gg_sigmoidf(x[i]);
        bad += memcmp(&w, &y[i], sizeof w) != 0;
    }
    CHECK_EQ("sigmoid over arrays = gg_sigmoidf bit for bit", bad, 0);
    float nx[11] = {1, 2, 3, 4, 5, 6, NAN, 8, 9, 10, 11}, ny[11];
    gg_tanhf_n(ny, nx, 11);
    CHECK("tanh: NaN in a vector gives NaN, the other lanes their values",
          isnan(ny[6]) && ny[0] == gg_tanhf(1.0f) && ny[7] == gg_tanhf(8.0f) && ny[10] == gg_tanhf(11.0f));
    gg_sigmoidf_n(ny, nx, 11);
    CHECK("sigmoid: NaN gives NaN", isnan(ny[6]) && ny[5] == gg_sigmoidf(6.0f));
    free(x), free(y), free(tmp);
}

int main(void)
{
    test_activations();
    test_gradients();
    test_isa_and_split();
    test_model();
    test_errors();
    test_long();
    test_spectral();
    return CHECK_DONE();
}
