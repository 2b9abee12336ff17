/* core/graph.c — the graph builder: nodes, shape inference and validation (see graph.h).
 * Nothing here runs a kernel; model.c compiles a finished graph. */
#include "graph.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "embedding.h"
#include "graph_impl.h"
#include "loss.h"
#include "mem.h"
#include "ops.h"
#include "rnn.h"

/* ---- shapes ---- */

size_t gg_shape_sample_numel(const gg_shape *s, int batched)
{
    size_t n = 1;
    for (int i = batched ? 1 : 0; i < s->ndim; i++)
        n *= s->dim[i];
    return n;
}

size_t gg_shape_numel(const gg_shape *s, size_t B)
{
    size_t n = 1;
    for (int i = 0; i < s->ndim; i++)
        n *= s->dim[i] == GG_BATCH ? B : s->dim[i];
    return n;
}

/* "(B, 3, 8, 8)" into buf. */
static const char *shape_str(const gg_shape *s, int batched, char *buf, size_t cap)
{
    size_t at = (size_t)snprintf(buf, cap, "(");
    for (int i = 0; i < s->ndim && at < cap; i++) {
        if (i)
            at += (size_t)snprintf(buf + at, cap - at, ", ");
        if (at >= cap)
            break;
        if (i == 0 && batched)
            at += (size_t)snprintf(buf + at, cap - at, "B");
        else
            at += (size_t)snprintf(buf + at, cap - at, "%zu", s->dim[i]);
    }
    if (at < cap)
        snprintf(buf + at, cap - at, ")");
    return buf;
}

/* ---- names ---- */

static const char *const kind_names[GG_LAYER_KIND_COUNT] = {
    "linear", "activation", "batchnorm", "dropout", "input", "parameter", "constant", "conv",
    "pool", "adaptive_avg_pool", "layernorm", "groupnorm", "softmax", "view", "binary",
    "unary", "reduce", "matmul", "permute", "concat", "slice", "where", "loss", "embedding",
    "attention", "rnn",
};

const char *gg_layer_kind_name(gg_layer_kind k)
{
    return (unsigned)k < GG_LAYER_KIND_COUNT ? kind_names[k] : "?";
}

const char *gg_layer_name(const gg_layer_cfg *c)
{
    static const char *const red[] = {"sum", "mean", "max", "min", "logsumexp"};
    const int two = c->spatial == 2;
    switch (c->kind) {
    case GG_LAYER_ACT:
        return c->act == GG_ACT_GELU_TANH ? "gelu" : gg_act_name(c->act);
    case GG_LAYER_BATCHNORM:
        return two ? "batchnorm2d" : "batchnorm1d";
    case GG_LAYER_DROPOUT:
        return !c->channel_wise ? "dropout" : two ? "dropout2d" : "dropout1d";
    case GG_LAYER_CONV:
        return two ? "conv2d" : "conv1d";
    case GG_LAYER_POOL:
        return c->pool_max ? (two ? "maxpool2d" : "maxpool1d") : (two ? "avgpool2d" : "avgpool1d");
    case GG_LAYER_ADAPTIVE_AVG_POOL:
        return two ? "adaptive_avgpool2d" : "adaptive_avgpool1d";
    case GG_LAYER_SOFTMAX:
        return c->log ? "log_softmax" : "softmax";
    case GG_LAYER_BINARY:
        return gg_ops_binop_name((gg_ops_binop)c->op) ? gg_ops_binop_name((gg_ops_binop)c->op) : "?";
    case GG_LAYER_UNARY:
        return gg_ops_unop_name((gg_ops_unop)c->op) ? gg_ops_unop_name((gg_ops_unop)c->op) : "?";
    case GG_LAYER_REDUCE:
        return (unsigned)c->op < 5 ? red[c->op] : "?";
    case GG_LAYER_LOSS:
        return gg_loss_name((gg_loss_kind)c->loss) ? gg_loss_name((gg_loss_kind)c->loss) : "loss";
    case GG_LAYER_RNN:
        return gg_rnn_module_name((gg_rnn_mode)c->rnn_mode);
    default:
        return gg_layer_kind_name(c->kind);
    }
}

gg_layer_cfg gg_layer_defaults_of(gg_layer_kind kind)
{
    gg_layer_cfg c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.act = GG_ACT_RELU;
    c.ap = gg_act_defaults(GG_ACT_RELU);
    c.init = gg_init_for(GG_INIT_DEFAULT);
    c.p = 0.5;
    c.eps = 1e-5;
    c.momentum = 0.1;
    c.affine = 1;
    c.track_running_stats = 1;
    c.bias = 1;
    c.spatial = 1;
    c.kernel[0] = c.kernel[1] = 1;
    c.stride[0] = c.stride[1] = 1;
    c.dilation[0] = c.dilation[1] = 1;
    c.groups = 1;
    c.count_include_pad = 1;
    c.out_size[0] = c.out_size[1] = 1;
    c.normalized = 1;
    c.step = 1;
    c.stop = (long)(((unsigned long)-1) >> 1);
    c.trainable = 1;
    c.scalar2 = (double)NAN;
    c.padding_idx = GG_PADDING_NONE;
    for (int i = 0; i < GG_MAX_DIMS; i++)
        c.perm[i] = i;
    if (kind == GG_LAYER_POOL)
        c.stride[0] = c.stride[1] = 0;  // torch: stride=None means the kernel size
    c.heads = 1;
    if (kind == GG_LAYER_ATTENTION) {  // no dropout, scale 1/sqrt(head dim)
        c.p = 0.0;
        c.scalar = (double)NAN;
    }
    return c;
}

/* ---- lifecycle ---- */

gg_status gg_graph_new(gg_graph **out, gg_err *err)
{
    *out = gg_calloc(1, sizeof **out);
    if (!*out)
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating a graph");
    return GG_OK;
}

void gg_graph_free(gg_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        gg_free(g->nodes[i].value);
    gg_free(g->nodes);
    gg_free(g);
}

size_t gg_graph_nodes(const gg_graph *g) { return g->n; }
gg_shape gg_graph_shape(const gg_graph *g, int i) { return g->nodes[i].shape; }
int gg_graph_batched(const gg_graph *g, int i) { return g->nodes[i].batched; }
const gg_layer_cfg *gg_graph_cfg(const gg_graph *g, int i) { return &g->nodes[i].cfg; }

int gg_graph_input_of(const gg_graph *g, int node, int slot)
{
    const gg_gnode *n = &g->nodes[node];
    return slot >= 0 && slot < n->nin ? n->in[slot] : -1;
}

/* Append a node (zeroed but for cfg); NULL and GG_ENOMEM/GG_EINVAL on failure. */
static gg_gnode *push_node(gg_graph *g, const gg_layer_cfg *cfg, gg_err *err)
{
    if (g->n >= GG_GRAPH_MAX_NODES) {
        gg_err_set(err, GG_EINVAL, "a graph may have at most %d nodes", GG_GRAPH_MAX_NODES);
        return NULL;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 16;
        gg_gnode *nn = gg_realloc(g->nodes, cap, sizeof *nn);
        if (!nn) {
            gg_err_set(err, GG_ENOMEM, "out of memory growing a graph to %zu nodes", cap);
            return NULL;
        }
        g->nodes = nn;
        g->cap = cap;
    }
    gg_gnode *n = &g->nodes[g->n];
    memset(n, 0, sizeof *n);
    n->cfg = *cfg;
    n->owner = -1;
    return n;
}

/* Check a shape's dims: each >= 1 (but a leading GG_BATCH when batched), numel bounded. */
static gg_status check_dims(const gg_shape *s, int batched, const char *what, gg_err *err)
{
    if (s->ndim < 0 || s->ndim > GG_MAX_DIMS)
        return gg_err_set(err, GG_EINVAL, "%s must have 0..%d dimensions, got %d", what,
                          GG_MAX_DIMS, s->ndim);
    size_t n = 1;
    for (int i = batched ? 1 : 0; i < s->ndim; i++) {
        if (s->dim[i] == 0)
            return gg_err_set(err, GG_EINVAL, "%s: dimension %d must be >= 1, got 0", what, i);
        if (gg_mul_overflow(n, s->dim[i], &n) || n > GG_TENSOR_MAX_NUMEL)
            return gg_err_set(err, GG_EINVAL, "%s of more than %zu elements is too large", what,
                              (size_t)GG_TENSOR_MAX_NUMEL);
    }
    return GG_OK;
}

gg_status gg_graph_input(gg_graph *g, const gg_shape *sample, int requires_grad, int *node,
                         gg_err *err)
{
    if (sample->ndim < 0 || sample->ndim >= GG_MAX_DIMS)
        return gg_err_set(err, GG_EINVAL, "an input sample must have 0..%d dimensions, got %d",
                          GG_MAX_DIMS - 1, sample->ndim);
    gg_shape s = {.ndim = sample->ndim + 1};
    s.dim[0] = GG_BATCH;
    for (int i = 0; i < sample->ndim; i++)
        s.dim[i + 1] = sample->dim[i];
    gg_status st = check_dims(&s, 1, "input", err);
    if (st)
        return st;
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_INPUT);
    gg_gnode *n = push_node(g, &c, err);
    if (!n)
        return err ? err->code : GG_ENOMEM;
    n->shape = s;
    n->batched = 1;
    n->numel = gg_shape_sample_numel(&s, 1);
    n->req = requires_grad != 0;
    n->cfg.trainable = requires_grad != 0;
    *node = (int)g->n++;
    return GG_OK;
}

/* A param node of shape s (owner and role filled by the caller). */
static gg_status add_param(gg_graph *g, const gg_shape *s, const gg_init *init, int trainable,
                           int *node, gg_err *err)
{
    gg_status st = check_dims(s, 0, "parameter", err);
    if (st)
        return st;
    size_t numel = gg_shape_sample_numel(s, 0);
    if (numel > GG_TENSOR_MAX_NUMEL || g->nparams > GG_TENSOR_MAX_NUMEL - numel)
        return gg_err_set(err, GG_EINVAL, "model has more than %zu parameters",
                          (size_t)GG_TENSOR_MAX_NUMEL);
    if (init) {
        gg_err sub;
        if (gg_init_check(init, &sub))
            return gg_err_set(err, GG_EINVAL, "parameter init: %s", sub.msg);
    }
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_PARAM);
    if (init)
        c.init = *init;
    c.trainable = trainable != 0;
    gg_gnode *n = push_node(g, &c, err);
    if (!n)
        return err ? err->code : GG_ENOMEM;
    n->shape = *s;
    n->numel = numel;
    n->p_off = g->nparams;
    n->req = c.trainable;
    g->nparams += numel;
    *node = (int)g->n++;
    return GG_OK;
}

gg_status gg_graph_param(gg_graph *g, const gg_shape *s, const gg_init *init, int trainable,
                         int *node, gg_err *err)
{
    return add_param(g, s, init, trainable, node, err);
}

gg_status gg_graph_const(gg_graph *g, const gg_shape *s, const float *values, int *node,
                         gg_err *err)
{
    gg_status st = check_dims(s, 0, "constant", err);
    if (st)
        return st;
    size_t numel = gg_shape_sample_numel(s, 0);
    float *v = gg_malloc(numel, sizeof *v);
    if (!v)
        return gg_err_set(err, GG_ENOMEM, "out of memory for a constant of %zu elements", numel);
    memcpy(v, values, numel * sizeof *v);
    gg_layer_cfg c = gg_layer_defaults_of(GG_LAYER_CONST);
    gg_gnode *n = push_node(g, &c, err);
    if (!n) {
        gg_free(v);
        return err ? err->code : GG_ENOMEM;
    }
    n->shape = *s;
    n->numel = numel;
    n->value = v;
    *node = (int)g->n++;
    return GG_OK;
}

/* ---- shape inference per kind ----
 * Each infer_* fills *o (shape, batched) from the inputs x[] and the cfg, or returns an
 * error whose text follows "layer N: <name> " (added by the caller). */

typedef struct ctx {
    gg_graph *g;
    gg_layer_cfg *c;          /* mutable: resolves padding, dims */
    const gg_gnode *x[GG_NODE_MAX_IN];
    int nin;
    gg_shape s;               /* result */
    int batched;
    char pre[96];             /* "layer 3: conv2d" */
} ctx;

#define FAIL(code, ...) gg_err_set(err, (code), __VA_ARGS__)

/* Normalise a possibly negative dim against ndim; -1 when out of range. */
static int norm_dim(int d, int ndim)
{
    if (d < 0)
        d += ndim;
    return d >= 0 && d < ndim ? d : -1;
}

static gg_status need_batched(ctx *k, int ndim_lo, int ndim_hi, const char *what, gg_err *err)
{
    const gg_gnode *x = k->x[0];
    char b[96];
    if (!x->batched)
        return FAIL(GG_ESHAPE, "%s expects a batched input %s, got %s", k->pre, what,
                    shape_str(&x->shape, 0, b, sizeof b));
    if (x->shape.ndim < ndim_lo || x->shape.ndim > ndim_hi)
        return FAIL(GG_ESHAPE, "%s expects input %s, got %s", k->pre, what,
                    shape_str(&x->shape, 1, b, sizeof b));
    return GG_OK;
}

static gg_status infer_linear(ctx *k, gg_err *err)
{
    const gg_gnode *x = k->x[0];
    const gg_layer_cfg *c = k->c;
    if (c->in == 0 || c->out == 0)
        return FAIL(GG_EINVAL, "%s sizes must be >= 1, got %zu -> %zu", k->pre, c->in, c->out);
    if (x->shape.ndim < 1 || (x->batched && x->shape.ndim < 2))
        return FAIL(GG_ESHAPE, "%s needs an input with a feature dimension", k->pre);
    size_t last = x->shape.dim[x->shape.ndim - 1];
    if (last != c->in && x->batched && x->shape.ndim > 2) {
        char b[96];
        return FAIL(GG_ESHAPE, "%s expects %zu inputs on its last dim but the previous layer gives %s%s",
                    k->pre, c->in, shape_str(&x->shape, 1, b, sizeof b),
                    x->numel == c->in ? "; flatten it first (gg.nn.flatten())" : "");
    }
    if (last != c->in)
        return FAIL(GG_ESHAPE, "%s expects %zu inputs but the previous layer gives %zu", k->pre,
                    c->in, last);
    gg_status st = gg_tensor_check_size(c->out, c->in, "linear weight", err);
    if (st)
        return st;
    k->s = x->shape;
    k->s.dim[k->s.ndim - 1] = c->out;
    k->batched = x->batched;
    return GG_OK;
}

/* Conv and pool output size along one dim (torch's formulas); 0 when empty. */
static size_t conv_out(size_t in, size_t p0, size_t p1, size_t d, size_t kk, size_t s)
{
    size_t span = d * (kk - 1) + 1, padded = in + p0 + p1;
    return padded < span ? 0 : (padded - span) / s + 1;
}

/* A conv or pool input: 1-d (B, C, L) or 2-d (B, C, H, W) as cfg.spatial says. */
static gg_status need_spatial(ctx *k, gg_err *err)
{
    const int sp = k->c->spatial;
    if (sp != 1 && sp != 2)
        return FAIL(GG_EINVAL, "%s spatial must be 1 or 2, got %d", k->pre, sp);
    return need_batched(k, sp + 2, sp + 2, sp == 2 ? "(B, C, H, W)" : "(B, C, L)", err);
}

static gg_status infer_conv(ctx *k, gg_err *err)
{
    gg_layer_cfg *c = k->c;
    const int sp = c->spatial;
    gg_status st = need_spatial(k, err);
    if (st)
        return st;
    const gg_gnode *x = k->x[0];
    if (c->in == 0 || c->out == 0)
        return FAIL(GG_EINVAL, "%s channels must be >= 1, got %zu -> %zu", k->pre, c->in, c->out);
    if (c->groups == 0 || c->in % c->groups || c->out % c->groups)
        return FAIL(GG_EINVAL, "%s groups must divide in_channels %zu and out_channels %zu, got %zu",
                    k->pre, c->in, c->out, c->groups);
    if (x->shape.dim[1] != c->in)
        return FAIL(GG_ESHAPE, "%s expects %zu input channels but the previous layer gives %zu",
                    k->pre, c->in, x->shape.dim[1]);
    k->s = x->shape;
    k->s.dim[1] = c->out;
    for (int i = 2 - sp; i < 2; i++) {  // spatial dims: [0] height (2-d only), [1] width
        if (c->kernel[i] == 0 || c->stride[i] == 0 || c->dilation[i] == 0)
            return FAIL(GG_EINVAL, "%s kernel_size, stride and dilation must be >= 1", k->pre);
        if (c->pad_same) {
            if (c->stride[i] != 1)
                return FAIL(GG_EINVAL, "%s padding='same' needs stride 1, got %zu", k->pre,
                            c->stride[i]);
            size_t total = c->dilation[i] * (c->kernel[i] - 1);
            c->pad0[i] = total / 2;  // torch: left = total // 2, right = total - left
            c->pad1[i] = total - total / 2;
        }
        size_t in = x->shape.dim[2 + i - (2 - sp)];
        size_t o = conv_out(in, c->pad0[i], c->pad1[i], c->dilation[i], c->kernel[i], c->stride[i]);
        if (o == 0)
            return FAIL(GG_ESHAPE, "%s kernel %zu (dilation %zu) is larger than the padded input %zu",
                        k->pre, c->kernel[i], c->dilation[i], in + c->pad0[i] + c->pad1[i]);
        k->s.dim[2 + i - (2 - sp)] = o;
    }
    c->pad_same = 0;
    if (sp == 1)  // 1-d: the unused height dims are 1
        c->kernel[0] = c->stride[0] = c->dilation[0] = 1, c->pad0[0] = c->pad1[0] = 0;
    k->batched = 1;
    return GG_OK;
}

/* torch's pooling_output_shape. */
static size_t pool_out(size_t in, size_t pad, size_t kk, size_t s, size_t d, int ceil_mode)
{
    long num = (long)in + 2 * (long)pad - (long)d * ((long)kk - 1) - 1 + (ceil_mode ? (long)s - 1 : 0);
    if (num < 0)
        return 0;
    long o = num / (long)s + 1;
    if (ceil_mode && (o - 1) * (long)s >= (long)in + (long)pad)
        o--;
    return o < 1 ? 0 : (size_t)o;
}

static gg_status infer_pool(ctx *k, gg_err *err)
{
    gg_layer_cfg *c = k->c;
    const int sp = c->spatial;
    gg_status st = need_spatial(k, err);
    if (st)
        return st;
    const gg_gnode *x = k->x[0];
    k->s = x->shape;
    for (int i = 2 - sp; i < 2; i++) {
        if (c->stride[i] == 0)
            c->stride[i] = c->kernel[i];
        if (!c->pool_max)
            c->dilation[i] = 1;
        if (c->kernel[i] == 0 || c->stride[i] == 0 || c->dilation[i] == 0)
            return FAIL(GG_EINVAL, "%s kernel_size, stride and dilation must be >= 1", k->pre);
        if (c->pad0[i] != c->pad1[i])
            return FAIL(GG_EINVAL, "%s padding must be symmetric", k->pre);
        if (2 * c->pad0[i] > c->kernel[i])
            return FAIL(GG_EINVAL, "%s padding should be at most half of the kernel size, got padding %zu for kernel %zu",
                        k->pre, c->pad0[i], c->kernel[i]);
        size_t in = x->shape.dim[2 + i - (2 - sp)];
        size_t o = pool_out(in, c->pad0[i], c->kernel[i], c->stride[i], c->dilation[i], c->ceil_mode);
        if (o == 0)
            return FAIL(GG_ESHAPE, "%s kernel %zu is larger than the padded input %zu", k->pre,
                        c->kernel[i], in + 2 * c->pad0[i]);
        k->s.dim[2 + i - (2 - sp)] = o;
    }
    if (sp == 1)
        c->kernel[0] = c->stride[0] = c->dilation[0] = 1, c->pad0[0] = c->pad1[0] = 0;
    k->batched = 1;
    return GG_OK;
}

static gg_status infer_adaptive(ctx *k, gg_err *err)
{
    gg_layer_cfg *c = k->c;
    const int sp = c->spatial;
    gg_status st = need_spatial(k, err);
    if (st)
        return st;
    k->s = k->x[0]->shape;
    for (int i = 2 - sp; i < 2; i++) {
        if (c->out_size[i] == 0)
            return FAIL(GG_EINVAL, "%s output_size must be >= 1", k->pre);
        k->s.dim[2 + i - (2 - sp)] = c->out_size[i];
    }
    if (sp == 1)
        c->out_size[0] = 1;
    k->batched = 1;
    return GG_OK;
}

static gg_status infer_batchnorm(ctx *k, gg_err *err)
{
    gg_layer_cfg *c = k->c;
    const int sp = c->spatial;
    gg_status st = sp == 2 ? need_batched(k, 4, 4, "(B, C, H, W)", err)
                           : need_batched(k, 2, 3, "(B, C) or (B, C, L)", err);
    if (st)
        return st;
    const gg_gnode *x = k->x[0];
    if (x->shape.dim[1] != c->in)
        return FAIL(GG_ESHAPE, "%s expects %zu features but the previous layer gives %zu", k->pre,
                    c->in, x->shape.dim[1]);
    if (!(c->eps > 0.0 && isfinite(c->eps)))
        return FAIL(GG_EINVAL, "%s eps must be > 0, got %g", k->pre, c->eps);
    if (!(c->momentum >= 0.0 && c->momentum <= 1.0))
        return FAIL(GG_EINVAL, "%s momentum must be in [0, 1], got %g", k->pre, c->momentum);
    k->s = x->shape;
    k->batched = 1;
    return GG_OK;
}

static gg_status infer_layernorm(ctx *k, gg_err *err)
{
    const gg_layer_cfg *c = k->c;
    const gg_gnode *x = k->x[0];
    const int nd = c->shape.ndim, lo = x->batched ? 1 : 0;
    if (nd < 1 || nd > x->shape.ndim - lo)
        return FAIL(GG_ESHAPE, "%s normalized_shape has %d dims, the input has %d per sample",
                    k->pre, nd, x->shape.ndim - lo);
    for (int i = 0; i < nd; i++)
        if (c->shape.dim[i] != x->shape.dim[x->shape.ndim - nd + i]) {
            char a[96], b[96];
            return FAIL(GG_ESHAPE, "%s normalized_shape %s does not match the input's trailing dims of %s",
                        k->pre, shape_str(&c->shape, 0, a, sizeof a),
                        shape_str(&x->shape, x->batched, b, sizeof b));
        }
    if (!(c->eps > 0.0 && isfinite(c->eps)))
        return FAIL(GG_EINVAL, "%s eps must be > 0, got %g", k->pre, c->eps);
    k->s = x->shape;
    k->batched = x->batched;
    return GG_OK;
}

static gg_status infer_groupnorm(ctx *k, gg_err *err)
{
    const gg_layer_cfg *c = k->c;
    gg_status st = need_batched(k, 2, GG_MAX_DIMS, "(B, C, ...)", err);
    if (st)
        return st;
    const gg_gnode *x = k->x[0];
    if (x->shape.dim[1] != c->in)
        return FAIL(GG_ESHAPE, "%s expects %zu channels but the previous layer gives %zu", k->pre,
                    c->in, x->shape.dim[1]);
    if (c->groups == 0 || c->in % c->groups)
        return FAIL(GG_EINVAL, "%s num_groups must divide num_channels %zu, got %zu", k->pre, c->in,
                    c->groups);
    if (!(c->eps > 0.0 && isfinite(c->eps)))
        return FAIL(GG_EINVAL, "%s eps must be > 0, got %g", k->pre, c->eps);
    k->s = x->shape;
    k->batched = 1;
    return GG_OK;
}

static gg_status infer_same(ctx *k, gg_err *err)
{
    (void)err;
    k->s = k->x[0]->shape;
    k->batched = k->x[0]->batched;
    return GG_OK;
}

static gg_status infer_dropout(ctx *k, gg_err *err)
{
    const gg_layer_cfg *c = k->c;
    if (!(c->p >= 0.0 && c->p < 1.0))
        return FAIL(GG_EINVAL, "%s p must be in [0, 1), got %g", k->pre, c->p);
    if (c->channel_wise) {
        gg_status st = need_batched(k, 3, GG_MAX_DIMS, "(B, C, ...)", err);
        if (st)
            return st;
    }
    return infer_same(k, err);
}

static gg_status infer_act(ctx *k, gg_err *err)
{
    const char *what;
    if (!gg_act_name(k->c->act))
        return FAIL(GG_EINVAL, "%s has an unknown activation", k->pre);
    if (gg_act_check(k->c->act, &k->c->ap, &what))
        return FAIL(GG_EINVAL, "%s has an invalid %s", k->pre, what);
    return infer_same(k, err);
}

static gg_status infer_softmax(ctx *k, gg_err *err)
{
    const gg_gnode *x = k->x[0];
    int d = norm_dim(k->c->dim, x->shape.ndim);
    if (x->shape.ndim == 0 || d < 0)
        return FAIL(GG_EINVAL, "%s dim %d is out of range for a %d-d input", k->pre, k->c->dim,
                    x->shape.ndim);
    if (x->batched && d == 0)
        return FAIL(GG_EINVAL, "%s over the batch dimension (dim 0) is not supported", k->pre);
    k->c->dim = d;
    return infer_same(k, err);
}

static gg_status infer_view(ctx *k, gg_err *err)
{
    const gg_gnode *x = k->x[0];
    gg_shape s = k->c->shape;
    char a[96], b[96];
    if (s.ndim < 0 || s.ndim > GG_MAX_DIMS)
        return FAIL(GG_EINVAL, "%s shape must have 0..%d dims", k->pre, GG_MAX_DIMS);
    int infer = -1, lo = x->batched ? 1 : 0;
    if (x->batched && (s.ndim < 1 || s.dim[0] != GG_BATCH))
        return FAIL(GG_ESHAPE, "%s must keep the batch as dim 0 (got %s for input %s)", k->pre,
                    shape_str(&s, 0, a, sizeof a), shape_str(&x->shape, 1, b, sizeof b));
    size_t known = 1;
    for (int i = lo; i < s.ndim; i++) {
        if (s.dim[i] == (size_t)-1) {
            if (infer >= 0)
                return FAIL(GG_EINVAL, "%s only one dimension can be inferred (-1)", k->pre);
            infer = i;
        } else if (s.dim[i] == 0) {
            return FAIL(GG_EINVAL, "%s dimension %d must be >= 1, got 0", k->pre, i);
        } else {
            known *= s.dim[i];
        }
    }
    if (infer >= 0) {
        if (known == 0 || x->numel % known)
            return FAIL(GG_ESHAPE, "%s cannot infer a dimension: %zu elements per sample are not a multiple of %zu",
                        k->pre, x->numel, known);
        s.dim[infer] = x->numel / known;
        known = x->numel;
    }
    if (known != x->numel)
        return FAIL(GG_ESHAPE, "%s shape %s has %zu elements per sample, the input %s has %zu", k->pre,
                    shape_str(&s, x->batched, a, sizeof a), known,
                    shape_str(&x->shape, x->batched, b, sizeof b), x->numel);
    k->c->shape = s;
    k->s = s;
    k->batched = x->batched;
    return GG_OK;
}

/* Broadcast the shapes of the inputs (right-aligned); the batch stays on axis 0. */
static gg_status broadcast(ctx *k, int nin, gg_err *err)
{
    int nd = 0, batched = 0;
    for (int i = 0; i < nin; i++) {
        nd = k->x[i]->shape.ndim > nd ? k->x[i]->shape.ndim : nd;
        batched |= k->x[i]->batched;
    }
    gg_shape s = {.ndim = nd};
    for (int j = 0; j < nd; j++) {
        size_t v = 1;
        int vb = 0;  // v is the batch
        for (int i = 0; i < nin; i++) {
            const gg_gnode *x = k->x[i];
            int jj = j - (nd - x->shape.ndim);
            if (jj < 0)
                continue;
            int isb = x->batched && jj == 0;
            size_t d = x->shape.dim[jj];
            if (isb) {
                if (!vb && v != 1)
                    goto bad;
                vb = 1;
            } else if (d != 1) {
                if (vb || (v != 1 && v != d))
                    goto bad;
                v = d;
            }
        }
        s.dim[j] = vb ? GG_BATCH : v;
        if (vb && j != 0) {
            return FAIL(GG_ESHAPE, "%s would move the batch off dim 0 (an unbatched operand has more dims)",
                        k->pre);
        }
    }
    k->s = s;
    k->batched = batched;
    return GG_OK;
bad: {
        char a[96], b[96];
        return FAIL(GG_ESHAPE, "%s cannot broadcast %s with %s", k->pre,
                    shape_str(&k->x[0]->shape, k->x[0]->batched, a, sizeof a),
                    shape_str(&k->x[1]->shape, k->x[1]->batched, b, sizeof b));
    }
}

static gg_status infer_binary(ctx *k, gg_err *err)
{
    if ((unsigned)k->c->op >= GG_OPS_BINOP_COUNT)
        return FAIL(GG_EINVAL, "%s has an unknown operator %d", k->pre, k->c->op);
    return broadcast(k, 2, err);
}

static gg_status infer_unary(ctx *k, gg_err *err)
{
    if ((unsigned)k->c->op >= GG_OPS_UNOP_COUNT)
        return FAIL(GG_EINVAL, "%s has an unknown operator %d", k->pre, k->c->op);
    gg_ops_uparam up = {.c = k->c->scalar,
                        .lo = isnan(k->c->scalar) ? -INFINITY : (float)k->c->scalar,
                        .hi = isnan(k->c->scalar2) ? INFINITY : (float)k->c->scalar2};
    gg_err sub;
    if (gg_ops_unary_check((gg_ops_unop)k->c->op, &up, &sub))
        return FAIL(GG_EINVAL, "%s %s", k->pre, sub.msg);
    return infer_same(k, err);
}

static gg_status infer_reduce(ctx *k, gg_err *err)
{
    const gg_gnode *x = k->x[0];
    gg_layer_cfg *c = k->c;
    if ((unsigned)c->op > GG_RED_LOGSUMEXP)
        return FAIL(GG_EINVAL, "%s has an unknown operator %d", k->pre, c->op);
    if (c->all_dims || x->shape.ndim == 0) {
        k->s.ndim = c->keepdim ? x->shape.ndim : 0;
        for (int i = 0; i < k->s.ndim; i++)
            k->s.dim[i] = 1;
        k->batched = 0;
        c->all_dims = 1;
        return GG_OK;
    }
    int d = norm_dim(c->dim, x->shape.ndim);
    if (d < 0)
        return FAIL(GG_EINVAL, "%s dim %d is out of range for a %d-d input", k->pre, c->dim,
                    x->shape.ndim);
    c->dim = d;
    k->s = x->shape;
    k->batched = x->batched && d != 0;
    if (c->keepdim) {
        k->s.dim[d] = 1;
    } else {
        for (int i = d; i + 1 < k->s.ndim; i++)
            k->s.dim[i] = k->s.dim[i + 1];
        k->s.ndim--;
    }
    return GG_OK;
}

static gg_status infer_matmul(ctx *k, gg_err *err)
{
    const gg_gnode *a = k->x[0], *b = k->x[1];
    char sa[96], sb[96];
    if (a->shape.ndim < 2 || b->shape.ndim < 2)
        return FAIL(GG_ESHAPE, "%s needs operands of >= 2 dims, got %s @ %s", k->pre,
                    shape_str(&a->shape, a->batched, sa, sizeof sa),
                    shape_str(&b->shape, b->batched, sb, sizeof sb));
    if (b->batched && b->shape.ndim == 2)
        return FAIL(GG_ESHAPE, "%s: the right operand's inner dimension cannot be the batch", k->pre);
    size_t M = a->shape.dim[a->shape.ndim - 2], K = a->shape.dim[a->shape.ndim - 1];
    size_t K2 = b->shape.dim[b->shape.ndim - 2], N = b->shape.dim[b->shape.ndim - 1];
    if (K != K2)
        return FAIL(GG_ESHAPE, "%s %s @ %s: inner sizes %zu and %zu differ", k->pre,
                    shape_str(&a->shape, a->batched, sa, sizeof sa),
                    shape_str(&b->shape, b->batched, sb, sizeof sb), K, K2);
    if (a->batched && a->shape.ndim == 2) {  // (B, K) @ (K, N): the rows are the batch
        if (b->shape.ndim != 2)
            return FAIL(GG_ESHAPE, "%s (B, K) @ a batch of matrices is not supported", k->pre);
        k->s = a->shape;
        k->s.dim[1] = N;
        k->batched = 1;
        return GG_OK;
    }
    // Broadcast the leading dims: reuse broadcast() on shapes without the last two dims.
    gg_gnode ta = *a, tb = *b;
    ta.shape.ndim -= 2;
    tb.shape.ndim -= 2;
    ta.batched = a->batched && ta.shape.ndim > 0;
    tb.batched = b->batched && tb.shape.ndim > 0;
    ctx sub = *k;
    sub.x[0] = &ta;
    sub.x[1] = &tb;
    gg_status st = broadcast(&sub, 2, err);
    if (st)
        return st;
    k->s = sub.s;
    k->s.dim[k->s.ndim++] = M;
    k->s.dim[k->s.ndim++] = N;
    k->batched = sub.batched;
    return GG_OK;
}

static gg_status infer_permute(ctx *k, gg_err *err)
{
    const gg_gnode *x = k->x[0];
    int seen[GG_MAX_DIMS] = {0};
    for (int i = 0; i < x->shape.ndim; i++) {
        int p = k->c->perm[i];
        if (p < 0)
            p += x->shape.ndim;
        if (p < 0 || p >= x->shape.ndim || seen[p])
            return FAIL(GG_EINVAL, "%s perm must be a permutation of 0..%d", k->pre, x->shape.ndim - 1);
        seen[p] = 1;
        k->c->perm[i] = p;
        k->s.dim[i] = x->shape.dim[p];
    }
    if (x->batched && k->c->perm[0] != 0)
        return FAIL(GG_EINVAL, "%s cannot move the batch dimension (dim 0)", k->pre);
    k->s.ndim = x->shape.ndim;
    k->batched = x->batched;
    return GG_OK;
}

static gg_status infer_concat(ctx *k, gg_err *err)
{
    const gg_gnode *x = k->x[0];
    int d = norm_dim(k->c->dim, x->shape.ndim);
    if (d < 0)
        return FAIL(GG_EINVAL, "%s dim %d is out of range for a %d-d input", k->pre, k->c->dim,
                    x->shape.ndim);
    if (x->batched && d == 0)
        return FAIL(GG_EINVAL, "%s along the batch dimension (dim 0) is not supported", k->pre);
    k->c->dim = d;
    k->s = x->shape;
    size_t total = 0;
    for (int i = 0; i < k->nin; i++) {
        const gg_gnode *y = k->x[i];
        int ok = y->shape.ndim == x->shape.ndim && y->batched == x->batched;
        for (int j = 0; ok && j < x->shape.ndim; j++)
            ok = j == d || y->shape.dim[j] == x->shape.dim[j];
        if (!ok) {
            char a[96], b[96];
            return FAIL(GG_ESHAPE, "%s input %d has shape %s, input 1 %s: all but dim %d must match",
                        k->pre, i + 1, shape_str(&y->shape, y->batched, a, sizeof a),
                        shape_str(&x->shape, x->batched, b, sizeof b), d);
        }
        total += y->shape.dim[d];
    }
    k->s.dim[d] = total;
    k->batched = x->batched;
    return GG_OK;
}

static gg_status infer_slice(ctx *k, gg_err *err)
{
    const gg_gnode *x = k->x[0];
    gg_layer_cfg *c = k->c;
    int d = norm_dim(c->dim, x->shape.ndim);
    if (d < 0)
        return FAIL(GG_EINVAL, "%s dim %d is out of range for a %d-d input", k->pre, c->dim,
                    x->shape.ndim);
    if (x->batched && d == 0)
        return FAIL(GG_EINVAL, "%s along the batch dimension (dim 0) is not supported", k->pre);
    if (c->step < 1)
        return FAIL(GG_EINVAL, "%s step must be >= 1, got %ld", k->pre, c->step);
    long n = (long)x->shape.dim[d], a = c->start, b = c->stop;
    a = a < 0 ? a + n : a;
    b = b < 0 ? b + n : b;
    a = a < 0 ? 0 : a > n ? n : a;
    b = b < 0 ? 0 : b > n ? n : b;
    if (b <= a)
        return FAIL(GG_EINVAL, "%s %ld:%ld of a dim of size %ld is empty", k->pre, c->start,
                    c->stop, n);
    c->dim = d;
    c->start = a;
    c->stop = b;
    k->s = x->shape;
    k->s.dim[d] = (size_t)((b - a + c->step - 1) / c->step);
    k->batched = x->batched;
    return GG_OK;
}

static gg_status infer_embedding(ctx *k, gg_err *err)
{
    k->batched = k->x[0]->batched;
    return gg_embedding_shape(k->c->in, k->c->out, &k->c->padding_idx, &k->x[0]->shape, &k->s,
                              k->pre, err);
}

static gg_status infer_loss(ctx *k, gg_err *err)
{
    const gg_gnode *p = k->x[0], *t = k->x[1];
    if (!gg_loss_name((gg_loss_kind)k->c->loss))
        return FAIL(GG_EINVAL, "%s has an unknown loss %d", k->pre, k->c->loss);
    if (!p->batched || p->shape.ndim != 2 || !t->batched || t->shape.ndim != 2)
        return FAIL(GG_ESHAPE, "%s needs a (B, k) prediction and a (B, k) target", k->pre);
    gg_loss_cfg lc = gg_loss_defaults((gg_loss_kind)k->c->loss);
    size_t want = gg_loss_target_cols(&lc, p->shape.dim[1]);
    if (t->shape.dim[1] != want)
        return FAIL(GG_ESHAPE, "%s needs %zu target column(s) for %zu predictions, got %zu",
                    k->pre, want, p->shape.dim[1], t->shape.dim[1]);
    gg_err sub;
    if (gg_loss_check(&lc, p->shape.dim[1], &sub))
        return FAIL(GG_EINVAL, "%s %s", k->pre, sub.msg);
    k->s.ndim = 0;
    k->batched = 0;
    return GG_OK;
}

/* Inputs each kind takes: [lo, hi]. */
static void arity(gg_layer_kind kind, int *lo, int *hi)
{
    *lo = *hi = 1;
    switch (kind) {
    case GG_LAYER_BINARY:
    case GG_LAYER_MATMUL:
    case GG_LAYER_LOSS:
        *lo = *hi = 2;
        break;
    case GG_LAYER_WHERE:
        *lo = *hi = 3;
        break;
    case GG_LAYER_CONCAT:
        *hi = GG_NODE_MAX_IN;
        break;
    case GG_LAYER_ATTENTION:
        *hi = 5;
        break;
    default:
        break;
    }
}

/* The parameters a layer creates in PyTorch's order (ndim 0: none): weight and bias in
 * w = ps[0] and b = ps[1]; an RNN's four in ps[0..3]. */
static void layer_params(const gg_layer_cfg *c, const gg_shape *xs, gg_shape ps[4])
{
    gg_shape *w = &ps[0], *b = &ps[1];
    w->ndim = b->ndim = ps[2].ndim = ps[3].ndim = 0;
    switch (c->kind) {
    case GG_LAYER_LINEAR:
        *w = (gg_shape){.ndim = 2, .dim = {c->out, c->in}};
        if (c->bias)
            *b = (gg_shape){.ndim = 1, .dim = {c->out}};
        break;
    case GG_LAYER_CONV:
        if (c->spatial == 2)
            *w = (gg_shape){.ndim = 4, .dim = {c->out, c->in / c->groups, c->kernel[0], c->kernel[1]}};
        else
            *w = (gg_shape){.ndim = 3, .dim = {c->out, c->in / c->groups, c->kernel[1]}};
        if (c->bias)
            *b = (gg_shape){.ndim = 1, .dim = {c->out}};
        break;
    case GG_LAYER_EMBEDDING:
        *w = (gg_shape){.ndim = 2, .dim = {c->in, c->out}};
        break;
    case GG_LAYER_BATCHNORM:
    case GG_LAYER_GROUPNORM:
        if (c->affine) {
            *w = (gg_shape){.ndim = 1, .dim = {xs->dim[1]}};
            *b = *w;
        }
        break;
    case GG_LAYER_LAYERNORM:
        if (c->affine) {
            *w = c->shape;
            *b = c->shape;
        }
        break;
    case GG_LAYER_RNN:
        gg_rnn_param_shapes(c, ps);
        break;
    default:
        break;
    }
}

/* The `given` inputs after the data input must be param nodes of the layer's parameter
 * shapes ps (those with ndim > 0, in order). */
static gg_status check_given(const gg_graph *g, const gg_layer_cfg *c, const int *inputs, int nin,
                             int given, const gg_shape ps[4], const char *pre, gg_err *err)
{
    if (nin != 1 + given)
        return gg_err_set(err, GG_EINVAL, "%s with shared parameters takes its input and %d "
                          "parameter%s, got %d inputs", pre, given, given > 1 ? "s" : "", nin);
    for (int r = 0, j = 0; r < 4; r++) {
        if (ps[r].ndim == 0)
            continue;
        const gg_gnode *p = &g->nodes[inputs[1 + j++]];
        char what[32], a[96], b[96];
        if (c->kind == GG_LAYER_RNN || r > 1)
            snprintf(what, sizeof what, "parameter %d", j);
        else
            snprintf(what, sizeof what, "%s", r ? "bias" : "weight");
        shape_str(&ps[r], 0, a, sizeof a);
        if (p->cfg.kind != GG_LAYER_PARAM)
            return gg_err_set(err, GG_EINVAL, "%s: the given %s must be a parameter, got a %s output",
                              pre, what, gg_layer_name(&p->cfg));
        int same = p->shape.ndim == ps[r].ndim;
        for (int i = 0; same && i < ps[r].ndim; i++)
            same = p->shape.dim[i] == ps[r].dim[i];
        shape_str(&p->shape, 0, b, sizeof b);
        if (!same)
            return gg_err_set(err, GG_ESHAPE, "%s: the given %s has shape %s, the layer needs %s",
                              pre, what, b, a);
    }
    return GG_OK;
}

gg_status gg_graph_layer(gg_graph *g, const gg_layer_cfg *cfg, const int *inputs, int nin,
                         int *node, gg_err *err)
{
    gg_layer_cfg c = *cfg;
    ctx k;
    memset(&k, 0, sizeof k);
    k.g = g;
    k.c = &c;
    k.nin = nin;
    const int pos = g->nlayers + 1;
    snprintf(k.pre, sizeof k.pre, "layer %d: %s", pos, gg_layer_name(&c));
    if ((unsigned)c.kind >= GG_LAYER_KIND_COUNT || c.kind == GG_LAYER_INPUT ||
        c.kind == GG_LAYER_PARAM || c.kind == GG_LAYER_CONST)
        return gg_err_set(err, GG_EINVAL, "layer %d has an unknown kind", pos);
    int lo, hi;
    arity(c.kind, &lo, &hi);
    for (int i = 0; i < nin; i++)
        if (inputs[i] < 0 || (size_t)inputs[i] >= g->n)
            return gg_err_set(err, GG_EINVAL, "%s input %d is not a node of this graph", k.pre, i + 1);
    // Given parameters ride after the data input: count them off before the arity check.
    int given = 0;
    gg_shape ps[4];
    if (c.shared_params) {
        if (nin < 1)
            return gg_err_set(err, GG_EINVAL, "%s takes %d..%d inputs, got %d", k.pre, lo, hi, nin);
        layer_params(&c, &g->nodes[inputs[0]].shape, ps);
        for (int r = 0; r < 4; r++)
            given += ps[r].ndim > 0;
        if (!given)
            return gg_err_set(err, GG_EINVAL, "%s has no parameters to share", k.pre);
        gg_status st0 = check_given(g, &c, inputs, nin, given, ps, k.pre, err);
        if (st0)
            return st0;
        nin -= given;
        k.nin = nin;
    }
    if (nin < lo || nin > hi)
        return gg_err_set(err, GG_EINVAL, "%s takes %d..%d inputs, got %d", k.pre, lo, hi, nin);
    for (int i = 0; i < nin; i++)
        k.x[i] = &g->nodes[inputs[i]];
    gg_status st;
    switch (c.kind) {
    case GG_LAYER_LINEAR: st = infer_linear(&k, err); break;
    case GG_LAYER_ACT: st = infer_act(&k, err); break;
    case GG_LAYER_BATCHNORM: st = infer_batchnorm(&k, err); break;
    case GG_LAYER_DROPOUT: st = infer_dropout(&k, err); break;
    case GG_LAYER_CONV: st = infer_conv(&k, err); break;
    case GG_LAYER_POOL: st = infer_pool(&k, err); break;
    case GG_LAYER_ADAPTIVE_AVG_POOL: st = infer_adaptive(&k, err); break;
    case GG_LAYER_LAYERNORM: st = infer_layernorm(&k, err); break;
    case GG_LAYER_GROUPNORM: st = infer_groupnorm(&k, err); break;
    case GG_LAYER_SOFTMAX: st = infer_softmax(&k, err); break;
    case GG_LAYER_VIEW: st = infer_view(&k, err); break;
    case GG_LAYER_BINARY: st = infer_binary(&k, err); break;
    case GG_LAYER_UNARY: st = infer_unary(&k, err); break;
    case GG_LAYER_REDUCE: st = infer_reduce(&k, err); break;
    case GG_LAYER_MATMUL: st = infer_matmul(&k, err); break;
    case GG_LAYER_PERMUTE: st = infer_permute(&k, err); break;
    case GG_LAYER_CONCAT: st = infer_concat(&k, err); break;
    case GG_LAYER_SLICE: st = infer_slice(&k, err); break;
    case GG_LAYER_WHERE: st = broadcast(&k, 3, err); break;
    case GG_LAYER_LOSS: st = infer_loss(&k, err); break;
    case GG_LAYER_ATTENTION:
        st = gg_attention_infer(k.x, nin, &c, &k.s, k.pre, err);
        k.batched = 1;
        break;
    case GG_LAYER_EMBEDDING: st = infer_embedding(&k, err); break;
    case GG_LAYER_RNN:
        st = gg_rnn_infer(&c, &k.x[0]->shape, k.x[0]->batched, &k.s, k.pre, err);
        k.batched = 1;
        break;
    default: st = gg_err_set(err, GG_EINVAL, "%s is not supported", k.pre); break;
    }
    if (st)
        return st;
    if ((st = check_dims(&k.s, k.batched, k.pre, err)))
        return st;
    // Parameters first (PyTorch's order: weight, bias), initialised later by this node —
    // unless they were given (their creators initialise them).
    int in[GG_NODE_MAX_IN];
    memcpy(in, inputs, (size_t)(nin + given) * sizeof *in);
    const size_t n0 = g->n, np0 = g->nparams;
    int nparams = given;
    if (!given)
        layer_params(&c, &k.x[0]->shape, ps);
    for (int r = 0; r < 4 && !given; r++) {
        if (ps[r].ndim == 0)
            continue;
        int pn = 0;
        if ((st = add_param(g, &ps[r], NULL, !c.frozen, &pn, err))) {
            g->n = n0;  // drop the params this layer added
            g->nparams = np0;
            return st;
        }
        g->nodes[pn].role = r;
        in[nin + nparams++] = pn;
    }
    if (c.kind == GG_LAYER_LINEAR || c.kind == GG_LAYER_CONV || c.kind == GG_LAYER_EMBEDDING) {
        gg_err sub;
        if (gg_init_check(&c.init, &sub)) {
            g->n = n0;
            g->nparams = np0;
            return gg_err_set(err, GG_EINVAL, "%s init: %s", k.pre, sub.msg);
        }
    }
    gg_gnode *n = push_node(g, &c, err);
    if (!n) {
        g->n = n0;
        g->nparams = np0;
        return err ? err->code : GG_ENOMEM;
    }
    n->nin = nin + nparams;
    memcpy(n->in, in, (size_t)n->nin * sizeof *in);
    n->shape = k.s;
    n->batched = k.batched;
    n->numel = gg_shape_sample_numel(&k.s, k.batched);
    n->layer = pos;
    for (int i = 0; i < n->nin; i++)
        n->req |= g->nodes[n->in[i]].req;
    if (c.kind == GG_LAYER_BATCHNORM && c.track_running_stats) {
        n->b_off = g->nbufs;
        n->b_n = 2 * c.in;
        g->nbufs += n->b_n;
    }
    for (int i = nin; i < n->nin && !given; i++)
        g->nodes[n->in[i]].owner = (int)g->n;
    *node = (int)g->n++;
    g->nlayers++;
    return GG_OK;
}
