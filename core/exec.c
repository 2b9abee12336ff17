/* core/exec.c — each node kind's forward and backward over the compiled model's buffers
 * (graph_impl.h). These adapters only find the node's buffers and sizes and call the
 * kernels of the kind's module (linear.h, act.h, ...); the kernels define the numbers.
 *
 * Gradient contract (model.c plans it): a node's backward reads its dy; it accumulates into
 * parameter gradients (param nodes' dy is the flat gradient buffer) and writes (acc 0) or
 * adds (acc 1) its inputs' gradients; acc -1 means the input needs none. */
#include <math.h>
#include <string.h>

#include "assert.h"
#include "graph_impl.h"
#include "conv.h"
#include "embedding.h"
#include "linear.h"
#include "loss.h"
#include "mem.h"
#include "norm.h"
#include "ops.h"
#include "rnn.h"

/* ---- buffers ---- */

static const gg_gnode *node(const gg_model *m, int i) { return &m->g->nodes[i]; }

/* Output and gradient buffers of input slot s of node i (the gradient NULL when that input
 * needs none). */
static float *in_y(const gg_model *m, int i, int s)
{
    const int in = node(m, i)->in[s];
    return m->mn[m->mn[in].root].y;
}

static float *in_dy(const gg_model *m, int i, int s)
{
    const int in = node(m, i)->in[s];
    return m->mn[i].acc[s] < 0 ? NULL : m->mn[m->mn[in].root].dy;
}

/* Elements of node i's output for batch B. */
static size_t count(const gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    return n->batched ? B * n->numel : n->numel;
}

/* dst[k] += src[k]: the second contribution to a gradient. */
static void add_into(float *dst, const float *src, size_t n)
{
    for (size_t k = 0; k < n; k++)
        dst[k] += src[k];
}

/* Where a backward writing its input gradient should write: the gradient itself (acc 0) or
 * the model's scratch, added afterwards by finish_dx (acc 1). NULL when not needed. */
static float *dx_target(gg_model *m, int i, int s)
{
    float *dx = in_dy(m, i, s);
    return dx && m->mn[i].acc[s] == 1 ? m->tmp : dx;
}

static void finish_dx(gg_model *m, int i, int s, size_t n)
{
    float *dx = in_dy(m, i, s);
    if (dx && m->mn[i].acc[s] == 1)
        add_into(dx, m->tmp, n);
}

/* ---- Linear ---- */

static void linear_forward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    gg_mnode *mn = &m->mn[i];
    const size_t rows = node(m, n->in[0])->batched ? B * mn->rows : mn->rows;
    const float *W = in_y(m, i, 1);
    const float *b = n->cfg.bias ? in_y(m, i, 2) : m->zeros;
    float *yt = NULL;
    if (mn->yt_to >= 0 &&
        gg_linear_uses_xt(m->isa, rows, n->cfg.out, node(m, mn->yt_to)->cfg.out)) {
        yt = m->mn[mn->yt_to].xt;
        m->mn[mn->yt_to].xt_ready = 1;
    }
    gg_linear_forward(m->isa, mn->y, in_y(m, i, 0), W, b, rows, n->cfg.in, n->cfg.out,
                      mn->fuse_relu, mn->xt, mn->xt_ready, yt);
    mn->xt_ready = 0;
}

static void linear_backward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    const gg_mnode *mn = &m->mn[i];
    const size_t in = n->cfg.in, out = n->cfg.out;
    const size_t rows = node(m, n->in[0])->batched ? B * mn->rows : mn->rows;
    // A frozen weight or a missing bias still gets the kernel's sums, into a sink.
    float *dW = in_dy(m, i, 1);
    float *db = n->cfg.bias ? in_dy(m, i, 2) : NULL;
    GG_ASSERT(m->dummy_n >= out + (dW ? 0 : in * out));
    if (!db) {
        db = m->dummy;
        memset(db, 0, out * sizeof *db);
    }
    if (!dW)
        dW = m->dummy + out;
    const float *mask = mn->mask_in ? in_y(m, i, 0) : NULL;
    float *dx = dx_target(m, i, 0);
    gg_linear_backward(m->isa, dx, dW, db, mn->dy, in_y(m, i, 0), in_y(m, i, 1), mask, rows,
                       in, out);
    finish_dx(m, i, 0, rows * in);
}

/* ---- activations ---- */

static void act_forward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    gg_act_forward(c->act, &c->ap, m->mn[i].y, in_y(m, i, 0), count(m, i, B));
}

static void act_backward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    gg_mnode *mn = &m->mn[i];
    const size_t cnt = count(m, i, B);
    if (mn->root != i) {  // a ReLU fused into its Linear: mask the shared gradient in place
        gg_act_backward(c->act, &c->ap, mn->dy, mn->dy, NULL, mn->y, cnt);
        return;
    }
    float *dx = dx_target(m, i, 0);
    if (!dx)
        return;
    const float *x = gg_act_needs_input(c->act, &c->ap) ? in_y(m, i, 0) : NULL;
    gg_act_backward(c->act, &c->ap, dx, mn->dy, x, mn->y, cnt);
    finish_dx(m, i, 0, cnt);
}

/* ---- norms (norm.h) ---- */

/* (B, C, S) of a node's input: channels on dim 1, S the rest per sample. */
static void bcs(const gg_gnode *x, size_t *C, size_t *S)
{
    *C = x->shape.dim[1];
    *S = x->numel / *C;
}

/* aux: mean (C) then invstd (C). */
static void bn_forward(gg_model *m, int i, size_t B)
{
    const gg_gnode *nd = node(m, i);
    const gg_layer_cfg *c = &nd->cfg;
    size_t C, S;
    bcs(nd, &C, &S);
    float *rm = c->track_running_stats ? m->bufs + nd->b_off : NULL;
    gg_batchnorm_forward(m->mn[i].y, m->mn[i].aux, m->mn[i].aux + C, rm, rm ? rm + C : NULL,
                         in_y(m, i, 0), c->affine ? in_y(m, i, 1) : NULL,
                         c->affine ? in_y(m, i, 2) : NULL, B, C, S, m->training, c->eps,
                         c->momentum);
}

static void bn_backward(gg_model *m, int i, size_t B)
{
    const gg_gnode *nd = node(m, i);
    const gg_layer_cfg *c = &nd->cfg;
    size_t C, S;
    bcs(nd, &C, &S);
    float *dx = dx_target(m, i, 0);
    gg_batchnorm_backward(dx, 0, c->affine ? in_dy(m, i, 1) : NULL,
                          c->affine ? in_dy(m, i, 2) : NULL, m->mn[i].dy, in_y(m, i, 0),
                          m->mn[i].aux, m->mn[i].aux + C, c->affine ? in_y(m, i, 1) : NULL, B,
                          C, S, m->fwd_training || !c->track_running_stats);
    finish_dx(m, i, 0, B * nd->numel);
}

/* LayerNorm over the last D = prod(normalized_shape) elements; aux: mean (R), rstd (R). */
static void ln_sizes(const gg_model *m, int i, size_t B, size_t *R, size_t *D)
{
    const gg_gnode *nd = node(m, i);
    *D = gg_shape_sample_numel(&nd->cfg.shape, 0);
    *R = count(m, i, B) / *D;
}

static void ln_forward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    size_t R, D;
    ln_sizes(m, i, B, &R, &D);
    gg_layernorm_forward(m->mn[i].y, m->mn[i].aux, m->mn[i].aux + R, in_y(m, i, 0),
                         c->affine ? in_y(m, i, 1) : NULL, c->affine ? in_y(m, i, 2) : NULL, R, D,
                         c->eps);
}

static void ln_backward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    size_t R, D;
    ln_sizes(m, i, B, &R, &D);
    // A second gradient contribution is added by the kernel itself (acc): the same sums
    // as writing it to m->tmp and adding that, without the pass.
    gg_layernorm_backward(in_dy(m, i, 0), m->mn[i].acc[0] == 1,
                          c->affine ? in_dy(m, i, 1) : NULL,
                          c->affine ? in_dy(m, i, 2) : NULL, m->mn[i].dy, in_y(m, i, 0),
                          m->mn[i].aux, m->mn[i].aux + R, c->affine ? in_y(m, i, 1) : NULL, R, D);
}

/* GroupNorm; aux: mean (B*G), rstd (B*G). */
static void gn_forward(gg_model *m, int i, size_t B)
{
    const gg_gnode *nd = node(m, i);
    const gg_layer_cfg *c = &nd->cfg;
    size_t C, S;
    bcs(nd, &C, &S);
    gg_groupnorm_forward(m->mn[i].y, m->mn[i].aux, m->mn[i].aux + B * c->groups, in_y(m, i, 0),
                         c->affine ? in_y(m, i, 1) : NULL, c->affine ? in_y(m, i, 2) : NULL, B, C,
                         S, c->groups, c->eps);
}

static void gn_backward(gg_model *m, int i, size_t B)
{
    const gg_gnode *nd = node(m, i);
    const gg_layer_cfg *c = &nd->cfg;
    size_t C, S;
    bcs(nd, &C, &S);
    gg_groupnorm_backward(dx_target(m, i, 0), 0, c->affine ? in_dy(m, i, 1) : NULL,
                          c->affine ? in_dy(m, i, 2) : NULL, m->mn[i].dy, in_y(m, i, 0),
                          m->mn[i].aux, m->mn[i].aux + B * c->groups,
                          c->affine ? in_y(m, i, 1) : NULL, B, C, S, c->groups);
    finish_dx(m, i, 0, B * nd->numel);
}

/* Softmax / LogSoftmax over cfg.dim: (outer, n, inner). */
static void sm_sizes(const gg_model *m, int i, size_t B, size_t *outer, size_t *n, size_t *inner)
{
    const gg_gnode *nd = node(m, i);
    const int d = nd->cfg.dim;
    *n = nd->shape.dim[d];
    *inner = 1;
    for (int k = d + 1; k < nd->shape.ndim; k++)
        *inner *= nd->shape.dim[k];
    *outer = count(m, i, B) / (*n * *inner);
}

static void sm_forward(gg_model *m, int i, size_t B)
{
    size_t o, n, in;
    sm_sizes(m, i, B, &o, &n, &in);
    gg_softmax_forward(m->mn[i].y, in_y(m, i, 0), o, n, in, node(m, i)->cfg.log);
}

static void sm_backward(gg_model *m, int i, size_t B)
{
    size_t o, n, in;
    sm_sizes(m, i, B, &o, &n, &in);
    float *dx = in_dy(m, i, 0);
    if (dx)
        gg_softmax_backward(dx, m->mn[i].acc[0], m->mn[i].dy, m->mn[i].y, o, n, in,
                            node(m, i)->cfg.log);
}

/* ---- conv and pools (conv.h) ---- */

/* Height and width of a (B, C, H, W) or (B, C, L) shape (H = 1 for 1-d). */
static void hw(const gg_gnode *n, size_t *h, size_t *w)
{
    *h = n->shape.ndim == 4 ? n->shape.dim[2] : 1;
    *w = n->shape.dim[n->shape.ndim - 1];
}

static gg_conv_shape conv_shape(const gg_model *m, int i)
{
    const gg_gnode *n = node(m, i), *x = node(m, n->in[0]);
    const gg_layer_cfg *c = &n->cfg;
    gg_conv_shape s = {.cin = c->in, .cout = c->out, .groups = c->groups,
                       .kh = c->kernel[0], .kw = c->kernel[1], .sh = c->stride[0],
                       .sw = c->stride[1], .ph0 = c->pad0[0], .ph1 = c->pad1[0],
                       .pw0 = c->pad0[1], .pw1 = c->pad1[1], .dh = c->dilation[0],
                       .dw = c->dilation[1]};
    hw(x, &s.ih, &s.iw);
    gg_err err;
    gg_status st = gg_conv_check(&s, &err);  // validated when the node was built
    GG_ASSERT(st == GG_OK);
    (void)st;
    return s;
}

static void conv_forward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    gg_conv_shape s = conv_shape(m, i);
    gg_conv_forward(m->isa, m->mn[i].y, in_y(m, i, 0), in_y(m, i, 1),
                    n->cfg.bias ? in_y(m, i, 2) : NULL, m->scratch, &s, B);
}

static void conv_backward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    gg_conv_shape s = conv_shape(m, i);
    float *dx = in_dy(m, i, 0);
    gg_conv_backward(m->isa, dx, dx ? m->mn[i].acc[0] : 0, in_dy(m, i, 1),
                     n->cfg.bias ? in_dy(m, i, 2) : NULL, m->mn[i].dy, in_y(m, i, 0),
                     in_y(m, i, 1), m->scratch, &s, B);
}

static gg_pool_shape pool_shape(const gg_model *m, int i)
{
    const gg_gnode *n = node(m, i), *x = node(m, n->in[0]);
    const gg_layer_cfg *c = &n->cfg;
    gg_pool_shape s = {.kind = c->pool_max ? GG_POOL_MAX : GG_POOL_AVG, .c = x->shape.dim[1],
                       .kh = c->kernel[0], .kw = c->kernel[1], .sh = c->stride[0],
                       .sw = c->stride[1], .ph = c->pad0[0], .pw = c->pad0[1],
                       .dh = c->dilation[0], .dw = c->dilation[1], .ceil_mode = c->ceil_mode,
                       .count_include_pad = c->count_include_pad};
    hw(x, &s.ih, &s.iw);
    gg_err err;
    gg_status st = gg_pool_check(&s, &err);
    GG_ASSERT(st == GG_OK);
    (void)st;
    return s;
}

static void pool_forward(gg_model *m, int i, size_t B)
{
    gg_pool_shape s = pool_shape(m, i);
    gg_pool_forward(m->mn[i].y, s.kind == GG_POOL_MAX ? m->mn[i].idx : NULL, in_y(m, i, 0), &s, B);
}

static void pool_backward(gg_model *m, int i, size_t B)
{
    gg_pool_shape s = pool_shape(m, i);
    float *dx = in_dy(m, i, 0);
    if (dx)
        gg_pool_backward(dx, m->mn[i].acc[0], m->mn[i].dy, m->mn[i].idx, &s, B);
}

static void apool_sizes(const gg_model *m, int i, size_t *c, size_t *ih, size_t *iw, size_t *oh,
                        size_t *ow)
{
    const gg_gnode *n = node(m, i), *x = node(m, n->in[0]);
    *c = x->shape.dim[1];
    hw(x, ih, iw);
    hw(n, oh, ow);
}

static void apool_forward(gg_model *m, int i, size_t B)
{
    size_t c, ih, iw, oh, ow;
    apool_sizes(m, i, &c, &ih, &iw, &oh, &ow);
    gg_adaptive_avg_pool_forward(m->mn[i].y, in_y(m, i, 0), B, c, ih, iw, oh, ow);
}

static void apool_backward(gg_model *m, int i, size_t B)
{
    size_t c, ih, iw, oh, ow;
    apool_sizes(m, i, &c, &ih, &iw, &oh, &ow);
    float *dx = in_dy(m, i, 0);
    if (dx)
        gg_adaptive_avg_pool_backward(dx, m->mn[i].acc[0], m->mn[i].dy, B, c, ih, iw, oh, ow);
}

/* ---- primitive ops (ops.h) ---- */

/* Full shape of input slot s (or of the node itself, s < 0) with the batch as B. */
static gg_dims dims_of(const gg_model *m, int i, int s, size_t B)
{
    const gg_gnode *n = s < 0 ? node(m, i) : node(m, node(m, i)->in[s]);
    gg_dims d = {.n = n->shape.ndim};
    for (int k = 0; k < d.n; k++)
        d.d[k] = n->batched && k == 0 ? B : n->shape.dim[k];
    return d;
}

static void binary_forward(gg_model *m, int i, size_t B)
{
    gg_dims as = dims_of(m, i, 0, B), bs = dims_of(m, i, 1, B);
    gg_ops_binary_forward((gg_ops_binop)node(m, i)->cfg.op, m->mn[i].y, in_y(m, i, 0),
                          in_y(m, i, 1), &as, &bs);
}

static void binary_backward(gg_model *m, int i, size_t B)
{
    gg_dims as = dims_of(m, i, 0, B), bs = dims_of(m, i, 1, B);
    const gg_mnode *mn = &m->mn[i];
    gg_ops_binary_backward((gg_ops_binop)node(m, i)->cfg.op, in_dy(m, i, 0), in_dy(m, i, 1),
                           mn->dy, in_y(m, i, 0), in_y(m, i, 1), &as, &bs, mn->acc[0] == 1,
                           mn->acc[1] == 1, m->scratch);
}

static gg_ops_uparam uparam(const gg_layer_cfg *c)
{
    return (gg_ops_uparam){.c = c->scalar, .lo = isnan(c->scalar) ? -INFINITY : (float)c->scalar,
                           .hi = isnan(c->scalar2) ? INFINITY : (float)c->scalar2};
}

static void unary_forward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    gg_ops_uparam p = uparam(c);
    gg_ops_unary_forward((gg_ops_unop)c->op, &p, m->mn[i].y, in_y(m, i, 0), count(m, i, B));
}

static void unary_backward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    gg_ops_uparam p = uparam(c);
    float *dx = in_dy(m, i, 0);
    if (dx)
        gg_ops_unary_backward((gg_ops_unop)c->op, &p, dx, m->mn[i].dy, in_y(m, i, 0), m->mn[i].y,
                              count(m, i, B), m->mn[i].acc[0] == 1);
}

/* The (outer, n, inner) view of a reduction node's input. */
static void reduce_view(const gg_model *m, int i, size_t B, size_t *o, size_t *n, size_t *in)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    gg_dims x = dims_of(m, i, 0, B), y;
    gg_err err;
    gg_status st = gg_ops_reduce_shape(&y, o, n, in, &x, c->all_dims ? GG_OPS_DIM_ALL : c->dim,
                                       c->keepdim, 0, &err);
    GG_ASSERT(st == GG_OK);
    (void)st;
}

static void reduce_forward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    size_t o, n, in;
    reduce_view(m, i, B, &o, &n, &in);
    float *y = m->mn[i].y;
    const float *x = in_y(m, i, 0);
    uint32_t *idx = (uint32_t *)(void *)m->mn[i].idx;
    switch (c->op) {
    case GG_RED_SUM: gg_ops_sum_forward(y, x, o, n, in); break;
    case GG_RED_MEAN: gg_ops_mean_forward(y, x, o, n, in); break;
    case GG_RED_MAX: gg_ops_max_forward(y, idx, x, o, n, in); break;
    case GG_RED_MIN: gg_ops_min_forward(y, idx, x, o, n, in); break;
    default: gg_ops_logsumexp_forward(y, x, o, n, in); break;
    }
}

static void reduce_backward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    size_t o, n, in;
    reduce_view(m, i, B, &o, &n, &in);
    float *dx = in_dy(m, i, 0);
    if (!dx)
        return;
    const int acc = m->mn[i].acc[0] == 1;
    const float *dy = m->mn[i].dy;
    const uint32_t *idx = (const uint32_t *)(const void *)m->mn[i].idx;
    switch (c->op) {
    case GG_RED_SUM: gg_ops_sum_backward(dx, dy, o, n, in, acc); break;
    case GG_RED_MEAN: gg_ops_mean_backward(dx, dy, o, n, in, acc); break;
    case GG_RED_MAX:
    case GG_RED_MIN: gg_ops_argext_backward(dx, dy, idx, o, n, in, acc); break;
    default: gg_ops_logsumexp_backward(dx, dy, in_y(m, i, 0), m->mn[i].y, o, n, in, acc); break;
    }
}

static void matmul_forward(gg_model *m, int i, size_t B)
{
    gg_dims as = dims_of(m, i, 0, B), bs = dims_of(m, i, 1, B);
    gg_ops_matmul_forward(m->mn[i].y, in_y(m, i, 0), in_y(m, i, 1), &as, &bs);
}

static void matmul_backward(gg_model *m, int i, size_t B)
{
    gg_dims as = dims_of(m, i, 0, B), bs = dims_of(m, i, 1, B);
    const gg_mnode *mn = &m->mn[i];
    gg_ops_matmul_backward(in_dy(m, i, 0), in_dy(m, i, 1), mn->dy, in_y(m, i, 0), in_y(m, i, 1),
                           &as, &bs, mn->acc[0] == 1, mn->acc[1] == 1, m->scratch);
}

static void permute_forward(gg_model *m, int i, size_t B)
{
    gg_dims xs = dims_of(m, i, 0, B);
    gg_ops_permute_forward(m->mn[i].y, in_y(m, i, 0), &xs, node(m, i)->cfg.perm);
}

static void permute_backward(gg_model *m, int i, size_t B)
{
    gg_dims xs = dims_of(m, i, 0, B);
    float *dx = in_dy(m, i, 0);
    if (dx)
        gg_ops_permute_backward(dx, m->mn[i].dy, &xs, node(m, i)->cfg.perm, m->mn[i].acc[0] == 1);
}

static void concat_forward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    gg_dims xs[GG_NODE_MAX_IN];
    const float *x[GG_NODE_MAX_IN];
    for (int s = 0; s < n->nin; s++) {
        xs[s] = dims_of(m, i, s, B);
        x[s] = in_y(m, i, s);
    }
    gg_ops_concat_forward(m->mn[i].y, x, xs, n->nin, n->cfg.dim);
}

static void concat_backward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    gg_dims xs[GG_NODE_MAX_IN];
    float *dx[GG_NODE_MAX_IN];
    int acc[GG_NODE_MAX_IN];
    for (int s = 0; s < n->nin; s++) {
        xs[s] = dims_of(m, i, s, B);
        dx[s] = in_dy(m, i, s);
        acc[s] = m->mn[i].acc[s] == 1;
    }
    gg_ops_concat_backward(dx, m->mn[i].dy, xs, n->nin, n->cfg.dim, acc);
}

static void slice_forward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    gg_dims xs = dims_of(m, i, 0, B);
    gg_ops_slice_forward(m->mn[i].y, in_y(m, i, 0), &xs, n->cfg.dim, (size_t)n->cfg.start,
                         n->shape.dim[n->cfg.dim], (size_t)n->cfg.step);
}

static void slice_backward(gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    gg_dims xs = dims_of(m, i, 0, B);
    float *dx = in_dy(m, i, 0);
    if (dx)
        gg_ops_slice_backward(dx, m->mn[i].dy, &xs, n->cfg.dim, (size_t)n->cfg.start,
                              n->shape.dim[n->cfg.dim], (size_t)n->cfg.step, m->mn[i].acc[0] == 1);
}

static void where_forward(gg_model *m, int i, size_t B)
{
    gg_dims cs = dims_of(m, i, 0, B), as = dims_of(m, i, 1, B), bs = dims_of(m, i, 2, B);
    gg_ops_where_forward(m->mn[i].y, in_y(m, i, 0), in_y(m, i, 1), in_y(m, i, 2), &cs, &as, &bs);
}

static void where_backward(gg_model *m, int i, size_t B)
{
    gg_dims cs = dims_of(m, i, 0, B), as = dims_of(m, i, 1, B), bs = dims_of(m, i, 2, B);
    const gg_mnode *mn = &m->mn[i];
    gg_ops_where_backward(in_dy(m, i, 1), in_dy(m, i, 2), mn->dy, in_y(m, i, 0), &cs, &as, &bs,
                          mn->acc[1] == 1, mn->acc[2] == 1, m->scratch);
}

/* A built-in loss of (pred (B, k), target (B, t)) as a scalar node. */
static void loss_forward(gg_model *m, int i, size_t B)
{
    const gg_loss_cfg c = gg_loss_defaults((gg_loss_kind)node(m, i)->cfg.loss);
    const size_t k = node(m, node(m, i)->in[0])->numel;
    m->mn[i].y[0] = gg_loss_forward(&c, NULL, in_y(m, i, 0), in_y(m, i, 1), B, k);
}

static void loss_backward(gg_model *m, int i, size_t B)
{
    float *dx = dx_target(m, i, 0);
    if (!dx)
        return;
    const gg_loss_cfg c = gg_loss_defaults((gg_loss_kind)node(m, i)->cfg.loss);
    const size_t k = node(m, node(m, i)->in[0])->numel;
    gg_loss_forward(&c, dx, in_y(m, i, 0), in_y(m, i, 1), B, k);
    const float g = m->mn[i].dy[0];
    for (size_t j = 0; j < B * k; j++)
        dx[j] *= g;
    finish_dx(m, i, 0, B * k);
}

/* ---- Embedding (embedding.h) ---- */

static void embedding_forward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    const size_t n = count(m, node(m, i)->in[0], B);
    const float *ids = in_y(m, i, 0);
    const size_t bad = gg_embedding_forward(m->mn[i].y, ids, in_y(m, i, 1), n, c->in, c->out);
    if (bad < n && m->fault_node < 0) {  // the first in schedule order is reported
        m->fault_node = i;
        m->fault_at = bad;
        m->fault_val = ids[bad];
    }
}

static void embedding_backward(gg_model *m, int i, size_t B)
{
    const gg_layer_cfg *c = &node(m, i)->cfg;
    float *dW = in_dy(m, i, 1);
    if (dW)
        gg_embedding_backward(dW, m->mn[i].dy, in_y(m, i, 0), count(m, node(m, i)->in[0], B),
                              c->in, c->out, c->padding_idx);
}

/* ---- Dropout ---- */

/* torch _dropout_impl: training with p > 0 keeps an element when a uniform draw u < 1 - p
 * and scales kept ones by 1/(1-p) (in float, as noise.div_(1-p)); otherwise the identity
 * without draws. aux holds the scaled mask. */
static void dropout_forward(gg_model *m, int i, size_t B)
{
    const gg_gnode *nd = node(m, i);
    gg_mnode *mn = &m->mn[i];
    const size_t cnt = count(m, i, B);
    const double p = nd->cfg.p;
    const float *x = in_y(m, i, 0);
    if (!m->training || p == 0.0) {
        memcpy(mn->y, x, cnt * sizeof *x);
        return;
    }
    const float scale = 1.0f / (float)(1.0 - p);
    if (nd->cfg.channel_wise) {  // Dropout1d/2d: one draw per (sample, channel), row-major
        const size_t C = nd->shape.dim[1], S = nd->numel / C;
        for (size_t bc = 0; bc < B * C; bc++) {
            const float v = gg_rng_uniform(&m->drop_rng) < 1.0 - p ? scale : 0.0f;
            for (size_t j = 0; j < S; j++) {
                mn->aux[bc * S + j] = v;
                mn->y[bc * S + j] = x[bc * S + j] * v;
            }
        }
        return;
    }
    const float *keep = mn->pending && mn->pending_B == B ? mn->pending : NULL;
    for (size_t k = 0; k < cnt; k++) {
        int kept = keep ? keep[k] != 0.0f : gg_rng_uniform(&m->drop_rng) < 1.0 - p;
        mn->aux[k] = kept ? scale : 0.0f;
        mn->y[k] = x[k] * mn->aux[k];
    }
    gg_free(mn->pending);
    mn->pending = NULL;
}

static void dropout_backward(gg_model *m, int i, size_t B)
{
    const gg_mnode *mn = &m->mn[i];
    const size_t cnt = count(m, i, B);
    float *dx = dx_target(m, i, 0);
    if (!dx)
        return;
    if (m->fwd_training && node(m, i)->cfg.p != 0.0)
        for (size_t k = 0; k < cnt; k++)
            dx[k] = mn->dy[k] * mn->aux[k];
    else
        memcpy(dx, mn->dy, cnt * sizeof *dx);
    finish_dx(m, i, 0, cnt);
}

/* ---- recurrent layers (rnn.h): inputs x, W_ih, W_hh [, b_ih, b_hh] ---- */

static gg_rnn_shape rnn_shape(const gg_model *m, int i)
{
    const gg_gnode *n = node(m, i);
    return (gg_rnn_shape){(gg_rnn_mode)n->cfg.rnn_mode, n->cfg.in, n->cfg.out, n->shape.dim[1]};
}

static void rnn_forward(gg_model *m, int i, size_t B)
{
    const gg_rnn_shape s = rnn_shape(m, i);
    const int bias = node(m, i)->cfg.bias;
    gg_rnn_forward(m->isa, m->mn[i].y, m->mn[i].aux, in_y(m, i, 0), in_y(m, i, 1), in_y(m, i, 2),
                   bias ? in_y(m, i, 3) : NULL, bias ? in_y(m, i, 4) : NULL, m->scratch, &s, B);
}

static void rnn_backward(gg_model *m, int i, size_t B)
{
    const gg_rnn_shape s = rnn_shape(m, i);
    const int bias = node(m, i)->cfg.bias;
    gg_rnn_backward(m->isa, dx_target(m, i, 0), in_dy(m, i, 1), in_dy(m, i, 2),
                    bias ? in_dy(m, i, 3) : NULL, bias ? in_dy(m, i, 4) : NULL, m->mn[i].dy,
                    in_y(m, i, 0), m->mn[i].y, m->mn[i].aux, in_y(m, i, 1), in_y(m, i, 2),
                    m->scratch, &s, B);
    finish_dx(m, i, 0, B * s.len * s.in);
}

/* ---- dispatch ---- */

size_t gg_exec_aux(const gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    switch (n->cfg.kind) {
    case GG_LAYER_BATCHNORM:
        return 2 * n->shape.dim[1];
    case GG_LAYER_LAYERNORM:
        return 2 * (count(m, i, B) / gg_shape_sample_numel(&n->cfg.shape, 0));
    case GG_LAYER_GROUPNORM:
        return 2 * B * n->cfg.groups;
    case GG_LAYER_DROPOUT:
        return count(m, i, B);
    case GG_LAYER_ATTENTION:
        return gg_attention_exec_aux(m, i, B);
    case GG_LAYER_RNN: {
        const gg_rnn_shape s = rnn_shape(m, i);
        return gg_rnn_aux(&s, B);
    }
    default:
        return 0;
    }
}

size_t gg_exec_idx(const gg_model *m, int i, size_t B)
{
    const gg_gnode *n = node(m, i);
    if (n->cfg.kind == GG_LAYER_POOL) {
        gg_pool_shape ps = pool_shape(m, i);
        return gg_pool_index_scratch(&ps, B);
    }
    if (n->cfg.kind == GG_LAYER_REDUCE && (n->cfg.op == GG_RED_MAX || n->cfg.op == GG_RED_MIN))
        return count(m, i, B);
    return 0;
}

size_t gg_exec_scratch(const gg_model *m, int i, size_t B)
{
    switch (node(m, i)->cfg.kind) {
    case GG_LAYER_CONV: {
        gg_conv_shape cs = conv_shape(m, i);
        return gg_conv_scratch(&cs, B);
    }
    case GG_LAYER_BINARY: {
        gg_dims as = dims_of(m, i, 0, B), bs = dims_of(m, i, 1, B);
        return gg_ops_binary_scratch(&as, &bs);
    }
    case GG_LAYER_MATMUL: {
        gg_dims as = dims_of(m, i, 0, B), bs = dims_of(m, i, 1, B);
        return gg_ops_matmul_scratch(&as, &bs);
    }
    case GG_LAYER_WHERE: {
        gg_dims cs = dims_of(m, i, 0, B), as = dims_of(m, i, 1, B), bs = dims_of(m, i, 2, B);
        return gg_ops_where_scratch(&cs, &as, &bs);
    }
    case GG_LAYER_ATTENTION:
        return gg_attention_exec_scratch(m, i);
    case GG_LAYER_RNN: {
        const gg_rnn_shape s = rnn_shape(m, i);
        return gg_rnn_scratch(&s, B);
    }
    default:
        return 0;
    }
}

int gg_exec_supported(const gg_gnode *n)
{
    switch (n->cfg.kind) {
    case GG_LAYER_LINEAR:
    case GG_LAYER_ACT:
    case GG_LAYER_VIEW:
    case GG_LAYER_INPUT:
    case GG_LAYER_PARAM:
    case GG_LAYER_CONST:
    case GG_LAYER_BATCHNORM:
    case GG_LAYER_LAYERNORM:
    case GG_LAYER_GROUPNORM:
    case GG_LAYER_SOFTMAX:
    case GG_LAYER_CONV:
    case GG_LAYER_POOL:
    case GG_LAYER_ADAPTIVE_AVG_POOL:
    case GG_LAYER_DROPOUT:
    case GG_LAYER_BINARY:
    case GG_LAYER_UNARY:
    case GG_LAYER_REDUCE:
    case GG_LAYER_MATMUL:
    case GG_LAYER_PERMUTE:
    case GG_LAYER_CONCAT:
    case GG_LAYER_SLICE:
    case GG_LAYER_WHERE:
    case GG_LAYER_LOSS:
    case GG_LAYER_ATTENTION:
    case GG_LAYER_EMBEDDING:
    case GG_LAYER_RNN:
        return 1;
    default:
        return 0;
    }
}

void gg_exec_forward(gg_model *m, int i, size_t B)
{
    switch (node(m, i)->cfg.kind) {
    case GG_LAYER_LINEAR: linear_forward(m, i, B); break;
    case GG_LAYER_ACT: act_forward(m, i, B); break;
    case GG_LAYER_BATCHNORM: bn_forward(m, i, B); break;
    case GG_LAYER_LAYERNORM: ln_forward(m, i, B); break;
    case GG_LAYER_GROUPNORM: gn_forward(m, i, B); break;
    case GG_LAYER_SOFTMAX: sm_forward(m, i, B); break;
    case GG_LAYER_CONV: conv_forward(m, i, B); break;
    case GG_LAYER_POOL: pool_forward(m, i, B); break;
    case GG_LAYER_ADAPTIVE_AVG_POOL: apool_forward(m, i, B); break;
    case GG_LAYER_BINARY: binary_forward(m, i, B); break;
    case GG_LAYER_UNARY: unary_forward(m, i, B); break;
    case GG_LAYER_REDUCE: reduce_forward(m, i, B); break;
    case GG_LAYER_MATMUL: matmul_forward(m, i, B); break;
    case GG_LAYER_PERMUTE: permute_forward(m, i, B); break;
    case GG_LAYER_CONCAT: concat_forward(m, i, B); break;
    case GG_LAYER_SLICE: slice_forward(m, i, B); break;
    case GG_LAYER_WHERE: where_forward(m, i, B); break;
    case GG_LAYER_LOSS: loss_forward(m, i, B); break;
    case GG_LAYER_DROPOUT: dropout_forward(m, i, B); break;
    case GG_LAYER_ATTENTION: gg_attention_exec_forward(m, i, B); break;
    case GG_LAYER_EMBEDDING: embedding_forward(m, i, B); break;
    case GG_LAYER_RNN: rnn_forward(m, i, B); break;
    default: GG_ASSERT(!"forward of an unsupported kind"); break;
    }
}

void gg_exec_backward(gg_model *m, int i, size_t B)
{
    switch (node(m, i)->cfg.kind) {
    case GG_LAYER_LINEAR: linear_backward(m, i, B); break;
    case GG_LAYER_ACT: act_backward(m, i, B); break;
    case GG_LAYER_BATCHNORM: bn_backward(m, i, B); break;
    case GG_LAYER_LAYERNORM: ln_backward(m, i, B); break;
    case GG_LAYER_GROUPNORM: gn_backward(m, i, B); break;
    case GG_LAYER_SOFTMAX: sm_backward(m, i, B); break;
    case GG_LAYER_CONV: conv_backward(m, i, B); break;
    case GG_LAYER_POOL: pool_backward(m, i, B); break;
    case GG_LAYER_ADAPTIVE_AVG_POOL: apool_backward(m, i, B); break;
    case GG_LAYER_BINARY: binary_backward(m, i, B); break;
    case GG_LAYER_UNARY: unary_backward(m, i, B); break;
    case GG_LAYER_REDUCE: reduce_backward(m, i, B); break;
    case GG_LAYER_MATMUL: matmul_backward(m, i, B); break;
    case GG_LAYER_PERMUTE: permute_backward(m, i, B); break;
    case GG_LAYER_CONCAT: concat_backward(m, i, B); break;
    case GG_LAYER_SLICE: slice_backward(m, i, B); break;
    case GG_LAYER_WHERE: where_backward(m, i, B); break;
    case GG_LAYER_LOSS: loss_backward(m, i, B); break;
    case GG_LAYER_DROPOUT: dropout_backward(m, i, B); break;
    case GG_LAYER_ATTENTION: gg_attention_exec_backward(m, i, B); break;
    case GG_LAYER_EMBEDDING: embedding_backward(m, i, B); break;
    case GG_LAYER_RNN: rnn_backward(m, i, B); break;
    default: GG_ASSERT(!"backward of an unsupported kind"); break;
    }
}
