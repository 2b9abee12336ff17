/* core/rnn.c — recurrent layers: RNN (tanh/relu), LSTM and GRU cells over a sequence, BPTT,
 * torch's init and a spectral-norm estimate of W_hh (see rnn.h). */
#include "rnn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "graph_impl.h"
#include "linear.h"
#include "mem.h"
#include "simd.h"
#include "tensor.h"

static const char *const mode_names[GG_RNN_MODE_COUNT] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};

size_t gg_rnn_gates(gg_rnn_mode mode)
{
    switch (mode) {
    case GG_RNN_TANH:
    case GG_RNN_RELU:
        return 1;
    case GG_RNN_LSTM:
        return 4;
    case GG_RNN_GRU:
        return 3;
    default:
        return 0;
    }
}

const char *gg_rnn_mode_name(gg_rnn_mode mode)
{
    return (unsigned)mode < GG_RNN_MODE_COUNT ? mode_names[mode] : NULL;
}

const char *gg_rnn_module_name(gg_rnn_mode mode)
{
    return mode == GG_RNN_LSTM ? "lstm" : mode == GG_RNN_GRU ? "gru" : "rnn";
}

int gg_rnn_mode_parse(const char *name, gg_rnn_mode *mode)
{
    for (unsigned i = 0; i < GG_RNN_MODE_COUNT; i++)
        if (!strcmp(name, mode_names[i])) {
            *mode = (gg_rnn_mode)i;
            return 0;
        }
    return -1;
}

gg_status gg_rnn_check(const gg_rnn_shape *s, gg_err *err)
{
    const size_t G = gg_rnn_gates(s->mode);
    if (!G)
        return gg_err_set(err, GG_EINVAL, "mode must be rnn_tanh, rnn_relu, lstm or gru, got %d",
                          (int)s->mode);
    if (s->in == 0)
        return gg_err_set(err, GG_EINVAL, "input_size must be >= 1, got 0");
    if (s->hidden == 0)
        return gg_err_set(err, GG_EINVAL, "hidden_size must be >= 1, got 0");
    if (s->len == 0)
        return gg_err_set(err, GG_EINVAL, "the sequence length must be >= 1, got 0");
    size_t gh;
    if (gg_mul_overflow(G, s->hidden, &gh))
        return gg_err_set(err, GG_EINVAL, "hidden_size %zu is too large", s->hidden);
    gg_status st = gg_tensor_check_size(gh, s->in, "weight_ih", err);
    if (!st)
        st = gg_tensor_check_size(gh, s->hidden, "weight_hh", err);
    return st;
}

/* ---- memory ---- */

/* Sub-buffers start on 16-float boundaries. */
static size_t pad16(size_t n) { return (n + 15) / 16 * 16; }

size_t gg_rnn_aux(const gg_rnn_shape *s, size_t B)
{
    const size_t G = gg_rnn_gates(s->mode), BLH = B * s->len * s->hidden;
    switch (s->mode) {
    case GG_RNN_LSTM:
        return (G + 2) * BLH;  // gates i, f, g, o; c; tanh(c)
    case GG_RNN_GRU:
        return (G + 1) * BLH;  // gates r, z, n; the hidden n-block r_n
    default:
        return G * BLH;        // the input projection (not read by backward)
    }
}

/* Scratch layout: forward and backward use the same block, each its own carving. */
typedef struct fwd_scr {
    float *xt_in;   /* gg_linear_scratch(B*L, I): the input GEMM's transposed x */
    float *hc;      /* B*H: h_{t-1} contiguous */
    float *xt_h;    /* gg_linear_scratch(B, H) */
    float *hp;      /* B*G*H: h_{t-1} W_hh^T + b_hh */
} fwd_scr;

typedef struct bwd_scr {
    float *dG;      /* B*L*G*H: pre-activation gradients, input side (batch-major) */
    float *dGh;     /* B*L*G*H: hidden side (GRU: the n-block times r); = dG otherwise */
    float *hprev;   /* B*L*H: h_{t-1} rows, zero at t = 0 */
    float *WhhT;    /* H*G*H: W_hh transposed */
    float *dGt;     /* B*G*H: step t's hidden-side rows, contiguous */
    float *xt_g;    /* gg_linear_scratch(B, G*H) */
    float *dh;      /* B*H: dL/dh_{t-1} carried back */
    float *dc;      /* B*H: dL/dc_{t-1} (LSTM) */
    float *dhd;     /* B*H: the direct term z * dh of h_{t-1} (GRU) */
    float *sink_w;  /* G*H*max(I, H): dW of a frozen weight */
    float *sink_b;  /* G*H: db of a missing or frozen bias */
} bwd_scr;

static size_t carve_fwd(const gg_rnn_shape *s, size_t B, float *base, fwd_scr *f)
{
    const size_t H = s->hidden, GH = gg_rnn_gates(s->mode) * H;
    const size_t sizes[4] = {gg_linear_scratch(B * s->len, s->in), B * H, gg_linear_scratch(B, H),
                             B * GH};
    float **dst[4] = {&f->xt_in, &f->hc, &f->xt_h, &f->hp};
    size_t at = 0;
    for (int k = 0; k < 4; k++) {
        *dst[k] = base ? base + at : NULL;
        at += pad16(sizes[k]);
    }
    return at;
}

static size_t carve_bwd(const gg_rnn_shape *s, size_t B, float *base, bwd_scr *b)
{
    const size_t H = s->hidden, GH = gg_rnn_gates(s->mode) * H, BL = B * s->len;
    const size_t wide = s->in > H ? s->in : H;
    const size_t sizes[11] = {BL * GH, s->mode == GG_RNN_GRU ? BL * GH : 0, BL * H, H * GH,
                              B * GH, gg_linear_scratch(B, GH), B * H, B * H, B * H,
                              GH * wide, GH};
    float **dst[11] = {&b->dG, &b->dGh, &b->hprev, &b->WhhT, &b->dGt, &b->xt_g, &b->dh,
                       &b->dc, &b->dhd, &b->sink_w, &b->sink_b};
    size_t at = 0;
    for (int k = 0; k < 11; k++) {
        *dst[k] = base ? base + at : NULL;
        at += pad16(sizes[k]);
    }
    if (base && s->mode != GG_RNN_GRU)
        b->dGh = b->dG;
    return at;
}

size_t gg_rnn_scratch(const gg_rnn_shape *s, size_t B)
{
    fwd_scr f;
    bwd_scr b;
    const size_t nf = carve_fwd(s, B, NULL, &f), nb = carve_bwd(s, B, NULL, &b);
    return nf > nb ? nf : nb;
}

/* ---- forward ---- */

void gg_rnn_forward(gg_isa isa, float *y, float *aux, const float *x, const float *W_ih,
                    const float *W_hh, const float *b_ih, const float *b_hh, float *scratch,
                    const gg_rnn_shape *s, size_t B)
{
    const size_t L = s->len, I = s->in, H = s->hidden, GH = gg_rnn_gates(s->mode) * H;
    fwd_scr f;
    carve_fwd(s, B, scratch, &f);
    float *A = aux;                        // (B, L, GH): x W_ih^T + b_ih, then the gates
    float *extra = aux + B * L * GH;       // (B, L, H): LSTM c, GRU r_n
    gg_linear_forward(isa, A, x, W_ih, b_ih, B * L, I, GH, 0, f.xt_in, 0, NULL);
    memset(f.hc, 0, B * H * sizeof *f.hc);
    for (size_t t = 0; t < L; t++) {
        gg_linear_forward(isa, f.hp, f.hc, W_hh, b_hh, B, H, GH, 0, f.xt_h, 0, NULL);
        for (size_t b = 0; b < B; b++) {
            const size_t row = b * L + t;
            float *a = A + row * GH, *h = y + row * H;
            const float *r = f.hp + b * GH, *hprev = f.hc + b * H;
            switch (s->mode) {
            case GG_RNN_TANH:
                for (size_t j = 0; j < H; j++)
                    a[j] = a[j] + r[j];
                gg_tanhf_n(h, a, H);
                break;
            case GG_RNN_RELU:
                for (size_t j = 0; j < H; j++) {
                    const float v = a[j] + r[j];
                    h[j] = v > 0.0f ? v : 0.0f;
                }
                break;
            case GG_RNN_LSTM: {
                float *c = extra + row * H, *tc = extra + (B * L + row) * H;
                const float *cprev = t ? c - H : NULL;
                for (size_t j = 0; j < GH; j++)
                    a[j] = a[j] + r[j];
                gg_sigmoidf_n(a, a, 2 * H);               // i, f
                gg_tanhf_n(a + 2 * H, a + 2 * H, H);      // g
                gg_sigmoidf_n(a + 3 * H, a + 3 * H, H);   // o
                for (size_t j = 0; j < H; j++) {
                    const float fc = cprev ? a[H + j] * cprev[j] : 0.0f;
                    const float ic = a[j] * a[2 * H + j];
                    c[j] = fc + ic;
                }
                gg_tanhf_n(tc, c, H);
                for (size_t j = 0; j < H; j++)
                    h[j] = a[3 * H + j] * tc[j];
                break;
            }
            case GG_RNN_GRU: {
                float *rn = extra + row * H;
                for (size_t j = 0; j < 2 * H; j++)
                    a[j] = a[j] + r[j];
                gg_sigmoidf_n(a, a, 2 * H);               // r, z
                for (size_t j = 0; j < H; j++) {
                    rn[j] = r[2 * H + j];
                    a[2 * H + j] = a[2 * H + j] + rn[j] * a[j];
                }
                gg_tanhf_n(a + 2 * H, a + 2 * H, H);      // n
                for (size_t j = 0; j < H; j++)
                    h[j] = (hprev[j] - a[2 * H + j]) * a[H + j] + a[2 * H + j];
                break;
            }
            }
        }
        for (size_t b = 0; b < B; b++)
            memcpy(f.hc + b * H, y + (b * L + t) * H, H * sizeof *f.hc);
    }
}

/* ---- backward ---- */

void gg_rnn_backward(gg_isa isa, float *dx, float *dW_ih, float *dW_hh, float *db_ih,
                     float *db_hh, const float *dy, const float *x, const float *y,
                     const float *aux, const float *W_ih, const float *W_hh, float *scratch,
                     const gg_rnn_shape *s, size_t B)
{
    const size_t L = s->len, I = s->in, H = s->hidden, GH = gg_rnn_gates(s->mode) * H;
    bwd_scr w;
    carve_bwd(s, B, scratch, &w);
    const float *A = aux, *extra = aux + B * L * GH;
    for (size_t o = 0; o < GH; o++)
        for (size_t k = 0; k < H; k++)
            w.WhhT[k * GH + o] = W_hh[o * H + k];
    memset(w.dh, 0, B * H * sizeof *w.dh);
    memset(w.dc, 0, B * H * sizeof *w.dc);
    for (size_t t = L; t-- > 0;) {
        for (size_t b = 0; b < B; b++) {
            const size_t row = b * L + t;
            const float *a = A + row * GH, *h = y + row * H, *dyt = dy + row * H;
            const float *carry = w.dh + b * H;
            float *g = w.dG + row * GH, *gt = w.dGt + b * GH;
            switch (s->mode) {
            case GG_RNN_TANH:
                for (size_t j = 0; j < H; j++) {
                    const float d = dyt[j] + carry[j];
                    gt[j] = g[j] = d * (1.0f - h[j] * h[j]);
                }
                break;
            case GG_RNN_RELU:
                for (size_t j = 0; j < H; j++) {
                    const float d = dyt[j] + carry[j];
                    gt[j] = g[j] = h[j] > 0.0f ? d : 0.0f;
                }
                break;
            case GG_RNN_LSTM: {
                const float *c = extra + row * H, *cprev = t ? c - H : NULL;
                const float *tcs = extra + (B * L + row) * H;
                float *dc = w.dc + b * H;
                for (size_t j = 0; j < H; j++) {
                    const float d = dyt[j] + carry[j];
                    const float ig = a[j], fg = a[H + j], gg = a[2 * H + j], og = a[3 * H + j];
                    const float tc = tcs[j];
                    const float dog = d * tc;
                    const float dcn = d * og * (1.0f - tc * tc) + dc[j];
                    const float cp = cprev ? cprev[j] : 0.0f;
                    g[j] = dcn * gg * (ig * (1.0f - ig));
                    g[H + j] = dcn * cp * (fg * (1.0f - fg));
                    g[2 * H + j] = dcn * ig * (1.0f - gg * gg);
                    g[3 * H + j] = dog * (og * (1.0f - og));
                    dc[j] = dcn * fg;
                }
                memcpy(gt, g, GH * sizeof *gt);
                break;
            }
            case GG_RNN_GRU: {
                const float *rn = extra + row * H, *hp = t ? h - H : h;  // h_{t-1} (t > 0)
                float *gh = w.dGh + row * GH, *dd = w.dhd + b * H;
                for (size_t j = 0; j < H; j++) {
                    const float d = dyt[j] + carry[j];
                    const float rg = a[j], zg = a[H + j], ng = a[2 * H + j];
                    const float hpv = t ? hp[j] : 0.0f;
                    const float dn = d * (1.0f - zg);
                    const float dan = dn * (1.0f - ng * ng);
                    const float dar = dan * rn[j] * (rg * (1.0f - rg));
                    const float daz = d * (hpv - ng) * (zg * (1.0f - zg));
                    g[j] = gh[j] = dar;
                    g[H + j] = gh[H + j] = daz;
                    g[2 * H + j] = dan;
                    gh[2 * H + j] = dan * rg;
                    dd[j] = d * zg;
                }
                memcpy(gt, gh, GH * sizeof *gt);
                break;
            }
            }
        }
        if (t == 0)
            break;
        // dL/dh_{t-1} = dG_t W_hh (+ the GRU's direct term).
        gg_linear_forward(isa, w.dh, w.dGt, w.WhhT, NULL, B, GH, H, 0, w.xt_g, 0, NULL);
        if (s->mode == GG_RNN_GRU)
            for (size_t k = 0; k < B * H; k++)
                w.dh[k] += w.dhd[k];
    }
    // Parameter gradients and dx: one product each over the B*L rows, batch-major.
    if (!dW_ih || !dW_hh)
        memset(w.sink_w, 0, GH * (I > H ? I : H) * sizeof *w.sink_w);
    memset(w.sink_b, 0, GH * sizeof *w.sink_b);
    for (size_t b = 0; b < B; b++) {
        memset(w.hprev + b * L * H, 0, H * sizeof *w.hprev);
        if (L > 1)
            memcpy(w.hprev + (b * L + 1) * H, y + b * L * H, (L - 1) * H * sizeof *w.hprev);
    }
    gg_linear_backward(isa, NULL, dW_hh ? dW_hh : w.sink_w, db_hh ? db_hh : w.sink_b, w.dGh,
                       w.hprev, W_hh, NULL, B * L, H, GH);
    gg_linear_backward(isa, dx, dW_ih ? dW_ih : w.sink_w, db_ih ? db_ih : w.sink_b, w.dG, x,
                       W_ih, NULL, B * L, I, GH);
}

/* ---- init ---- */

void gg_rnn_init(float *W_ih, float *W_hh, float *b_ih, float *b_hh, const gg_rnn_shape *s,
                 gg_rng *rng)
{
    const size_t GH = gg_rnn_gates(s->mode) * s->hidden;
    const double k = 1.0 / sqrt((double)s->hidden);
    float *p[4] = {W_ih, W_hh, b_ih, b_hh};
    const size_t n[4] = {GH * s->in, GH * s->hidden, GH, GH};
    for (int q = 0; q < 4; q++)
        for (size_t j = 0; p[q] && j < n[q]; j++)
            p[q][j] = (float)(-k + 2.0 * k * gg_rng_uniform(rng));  // uniform_(-k, k)
}

/* ---- spectral norm ---- */

double gg_rnn_spectral_norm(const float *W, size_t rows, size_t cols, int iters,
                            double *scratch)
{
    return gg_rnn_power_iteration(W, rows, cols, iters, scratch + rows, 1, scratch);
}

double gg_rnn_power_iteration(const float *W, size_t rows, size_t cols, int iters, double *v,
                              int start, double *scratch)
{
    for (size_t k = 0; k < rows * cols; k++)
        if (!isfinite(W[k]))
            return (double)NAN;
    double *u = scratch;
    double nv = 0.0;
    if (start) {
        gg_rng r;
        gg_rng_seed(&r, 0x5eed0517ULL);      // the fixed start vector: positive entries, not
        for (size_t k = 0; k < cols; k++)    // orthogonal to the dominant singular vector
            v[k] = 0.5 + gg_rng_uniform(&r); // of a non-negative matrix
    }
    for (size_t k = 0; k < cols; k++)
        nv += v[k] * v[k];
    double sigma = 0.0;
    for (int it = 0; it < iters || it == 0; it++) {
        nv = sqrt(nv);
        if (nv == 0.0)
            return 0.0;
        for (size_t k = 0; k < cols; k++)
            v[k] /= nv;
        double nu = 0.0;
        for (size_t i = 0; i < rows; i++) {  // u = W v
            double acc = 0.0;
            for (size_t k = 0; k < cols; k++)
                acc += (double)W[i * cols + k] * v[k];
            u[i] = acc;
            nu += acc * acc;
        }
        sigma = sqrt(nu);
        for (size_t k = 0; k < cols; k++)  // v = W^T u
            v[k] = 0.0;
        for (size_t i = 0; i < rows; i++)
            for (size_t k = 0; k < cols; k++)
                v[k] += (double)W[i * cols + k] * u[i];
        nv = 0.0;
        for (size_t k = 0; k < cols; k++)
            nv += v[k] * v[k];
    }
    return sigma;
}

/* ---- graph hooks ---- */

/* "(B, 5, 16)" of a node shape. */
static const char *shape_text(const gg_shape *x, int batched, char *buf, size_t cap)
{
    size_t at = (size_t)snprintf(buf, cap, "(");
    for (int i = 0; i < x->ndim && at < cap; i++) {
        if (i)
            at += (size_t)snprintf(buf + at, cap - at, ", ");
        if (at >= cap)
            break;
        at += (size_t)(i == 0 && batched ? snprintf(buf + at, cap - at, "B")
                                         : snprintf(buf + at, cap - at, "%zu", x->dim[i]));
    }
    if (at < cap)
        snprintf(buf + at, cap - at, ")");
    return buf;
}

gg_status gg_rnn_infer(const gg_layer_cfg *c, const gg_shape *x, int batched, gg_shape *y,
                       const char *pre, gg_err *err)
{
    char b[96];
    if (!gg_rnn_gates((gg_rnn_mode)c->rnn_mode))
        return gg_err_set(err, GG_EINVAL, "%s has an unknown mode %d (allowed: rnn_tanh, rnn_relu, lstm, gru)",
                          pre, c->rnn_mode);
    if (c->in == 0 || c->out == 0)
        return gg_err_set(err, GG_EINVAL, "%s %s must be >= 1, got 0", pre,
                          c->in == 0 ? "input_size" : "hidden_size");
    if (!batched || x->ndim != 3)
        return gg_err_set(err, GG_ESHAPE, "%s expects a batch-first input (B, L, %zu), got %s",
                          pre, c->in, shape_text(x, batched, b, sizeof b));
    if (x->dim[2] != c->in)
        return gg_err_set(err, GG_ESHAPE, "%s expects input_size %zu but the input %s has %zu features per step",
                          pre, c->in, shape_text(x, batched, b, sizeof b), x->dim[2]);
    gg_rnn_shape s = {(gg_rnn_mode)c->rnn_mode, c->in, c->out, x->dim[1]};
    gg_err sub;
    if (gg_rnn_check(&s, &sub))
        return gg_err_set(err, GG_EINVAL, "%s %s", pre, sub.msg);
    *y = *x;
    y->dim[2] = c->out;
    return GG_OK;
}

void gg_rnn_param_shapes(const gg_layer_cfg *c, gg_shape ps[4])
{
    const size_t GH = gg_rnn_gates((gg_rnn_mode)c->rnn_mode) * c->out;
    ps[0] = (gg_shape){.ndim = 2, .dim = {GH, c->in}};
    ps[1] = (gg_shape){.ndim = 2, .dim = {GH, c->out}};
    ps[2] = ps[3] = (gg_shape){.ndim = 0};
    if (c->bias)
        ps[2] = ps[3] = (gg_shape){.ndim = 1, .dim = {GH}};
}

void gg_rnn_init_node(gg_model *m, int i, const gg_init *all, gg_rng *rng)
{
    const gg_gnode *n = &m->g->nodes[i];
    float *p[4] = {NULL, NULL, NULL, NULL};
    for (int q = 1; q < n->nin && q <= 4; q++) {
        const gg_gnode *pn = &m->g->nodes[n->in[q]];
        if (pn->owner == i)
            p[q - 1] = m->params + pn->p_off;
    }
    const gg_rnn_shape s = {(gg_rnn_mode)n->cfg.rnn_mode, n->cfg.in, n->cfg.out, n->shape.dim[1]};
    if (!all) {
        gg_rnn_init(p[0], p[1], p[2], p[3], &s, rng);
        return;
    }
    const size_t GH = gg_rnn_gates(s.mode) * s.hidden;
    if (p[0])  // weight_ih with bias_ih, then weight_hh with bias_hh, torch's fans of each
        gg_init_fill_fans(all, p[0], GH * s.in, p[2], p[2] ? GH : 0, s.in, GH, rng);
    if (p[1])
        gg_init_fill_fans(all, p[1], GH * s.hidden, p[3], p[3] ? GH : 0, s.hidden, GH, rng);
}
