/* core/graph.h — a static computation graph over N-D float32 tensors, built once and then
 * compiled into a gg_model (model.h) that runs forward, backward and the optimizer step in C.
 *
 * A graph is a list of nodes in construction order, which is a topological order: every
 * node's inputs are earlier nodes. Three kinds of leaves:
 *   input  — a batched tensor the caller fills before each forward (the data);
 *   param  — a learnable tensor in the model's one flat parameter buffer (PyTorch's
 *            named_parameters order is the creation order: a Linear creates its weight then
 *            its bias, exactly as torch registers them), trainable or frozen;
 *   const  — a fixed tensor (a mask, a constant), not trained.
 * Every other node is a layer or a primitive op applied to earlier nodes; its options are
 * one plain gg_layer_cfg (gg_layer_defaults fills PyTorch's defaults), so the Lua glue and
 * the C tests build any model through the one function gg_graph_layer.
 *
 * Shapes are full PyTorch shapes. A batched tensor's dim[0] is the batch, written GG_BATCH
 * (0) because the batch size is only known when the model runs; the batch stays on axis 0
 * (ops that would move it are rejected), and reducing over it gives an unbatched tensor.
 * Layers own their parameters as param nodes they create (weight at input slot 1, bias at
 * slot 2), so one param can also feed several layers (weight tying).
 *
 * Errors name the node ("layer 3 (conv2d): input has 3 channels, the layer expects 4"): the
 * node's 1-based position among layers, its kind, and the problem. */
#ifndef GG_GRAPH_H
#define GG_GRAPH_H

#include <limits.h>
#include <stddef.h>

#include "act.h"
#include "init.h"
#include "status.h"
#include "tensor.h"

/* The batch dimension in a shape (its size is known only at run time). */
#define GG_BATCH 0

/* Most inputs a node takes (concat takes up to this many tensors). */
#define GG_NODE_MAX_IN 8

/* Most nodes a graph may have. */
#define GG_GRAPH_MAX_NODES 65536

typedef struct gg_shape {
    int ndim;                  /* 0 (a scalar) .. GG_MAX_DIMS */
    size_t dim[GG_MAX_DIMS];   /* sizes, row-major; dim[0] = GG_BATCH on batched tensors */
} gg_shape;

/* Node kinds. Values are stable: new kinds are appended. */
typedef enum gg_layer_kind {
    GG_LAYER_LINEAR,     /* y = x W^T + b over the last dim; inputs x, W (out,in), b (out) */
    GG_LAYER_ACT,        /* element-wise activation (act.h) */
    GG_LAYER_BATCHNORM,  /* BatchNorm1d over (B,C) or (B,C,L); BatchNorm2d over (B,C,H,W) */
    GG_LAYER_DROPOUT,    /* Dropout (element-wise), or channel-wise with channel_wise (Dropout1d/2d) */
    GG_LAYER_INPUT,      /* leaf: data */
    GG_LAYER_PARAM,      /* leaf: a learnable tensor */
    GG_LAYER_CONST,      /* leaf: a fixed tensor */
    GG_LAYER_CONV,       /* Conv1d (B,C,L) / Conv2d (B,C,H,W); inputs x, W (out, in/groups, k..), b */
    GG_LAYER_POOL,       /* MaxPool/AvgPool 1d/2d */
    GG_LAYER_ADAPTIVE_AVG_POOL, /* AdaptiveAvgPool1d/2d */
    GG_LAYER_LAYERNORM,  /* LayerNorm over the last `normalized` dims; inputs x, gamma, beta */
    GG_LAYER_GROUPNORM,  /* GroupNorm (B,C,...); inputs x, gamma, beta */
    GG_LAYER_SOFTMAX,    /* Softmax / LogSoftmax over one dim */
    GG_LAYER_VIEW,       /* Reshape / Flatten: same data, another shape (no copy) */
    GG_LAYER_BINARY,     /* a op b with broadcasting (gg_binary_op) */
    GG_LAYER_UNARY,      /* op(x) element-wise, with an optional scalar (gg_unary_op) */
    GG_LAYER_REDUCE,     /* sum/mean/max/min/logsumexp over one dim or all (gg_reduce_op) */
    GG_LAYER_MATMUL,     /* a (..., M, K) @ b (..., K, N) */
    GG_LAYER_PERMUTE,    /* axes reordered (transpose) */
    GG_LAYER_CONCAT,     /* inputs joined along a dim */
    GG_LAYER_SLICE,      /* start:stop:step along a dim */
    GG_LAYER_WHERE,      /* cond != 0 ? a : b with broadcasting */
    GG_LAYER_LOSS,       /* a built-in loss of (pred, target) as a scalar node (loss.h) */
    GG_LAYER_EMBEDDING = 23, /* nn.Embedding: ids (B, ...) as floats -> (B, ..., out); inputs
                              * ids, W (in = num_embeddings, out = embedding_dim) */
    GG_LAYER_ATTENTION = 24, /* scaled-dot-product attention (attention.h); inputs q, k, v
                              * (or one packed (B, L, 3E) with attn_packed), then the masks
                              * attn_masks names */
    GG_LAYER_RNN = 25        /* RNN/LSTM/GRU layer over (B, L, in) -> (B, L, out); inputs x, W_ih,
                              * W_hh, b_ih, b_hh (rnn.h) */
} gg_layer_kind;

#define GG_LAYER_KIND_COUNT 26

/* GG_LAYER_EMBEDDING's cfg.padding_idx when there is none (the default). */
#define GG_PADDING_NONE LONG_MIN

/* GG_LAYER_BINARY's cfg.op is a gg_ops_binop and GG_LAYER_UNARY's a gg_ops_unop (ops.h:
 * the kernels and their gradients); the unary scalar is cfg.scalar, clamp's bounds
 * cfg.scalar (min) and cfg.scalar2 (max), NaN for none. */

/* GG_LAYER_REDUCE operators. */
typedef enum gg_reduce_op {
    GG_RED_SUM, GG_RED_MEAN, GG_RED_MAX, GG_RED_MIN, GG_RED_LOGSUMEXP
} gg_reduce_op;

/* A node with all its options. gg_layer_defaults gives PyTorch's defaults; fields a kind
 * does not use are ignored. Sizes of the input are never given here: they come from the
 * input node (a Linear's `in` and a conv's `in` are checked against it). */
typedef struct gg_layer_cfg {
    gg_layer_kind kind;
    size_t in, out;          /* Linear in/out features; conv in/out channels; BatchNorm,
                              * GroupNorm: num_channels in `in`; embedding: num_embeddings,
                              * embedding_dim */
    gg_act act;              /* GG_LAYER_ACT */
    gg_act_param ap;         /* GG_LAYER_ACT: parameters (gg_act_defaults) */
    gg_init init;            /* Linear, conv, embedding, param: initialisation (PyTorch's
                              * default; an embedding's is N(0, 1)) */
    double p;                /* Dropout: drop probability in [0, 1) (0.5) */
    double eps;              /* norms: > 0 (1e-5) */
    double momentum;         /* BatchNorm: in [0, 1] (0.1) */
    int affine;              /* norms: learnable gamma and beta (1) */
    int track_running_stats; /* BatchNorm: keep running stats (1); without, evaluation
                              * mode normalises with batch statistics too */
    int bias;                /* Linear, conv: a bias parameter (1) */
    int frozen;              /* the layer's parameters have requires_grad = False (0) */
    int spatial;             /* conv, pools, BatchNorm: 1 (…1d) or 2 (…2d) (BatchNorm: 1) */
    size_t kernel[2];        /* conv, pools: kernel (height, width); 1-d uses [1] */
    size_t stride[2];        /* conv (1), pools (0 = the kernel size, torch's default) */
    size_t dilation[2];      /* conv, max pool (1) */
    size_t pad0[2], pad1[2]; /* zero padding before / after per spatial dim (0); pools
                              * require pad0 == pad1 */
    int pad_same;            /* conv: padding='same' (stride must be 1); pad0/pad1 ignored */
    size_t groups;           /* conv: groups (1); GroupNorm: num_groups */
    int pool_max;            /* pools: 1 max, 0 average */
    int ceil_mode;           /* pools (0) */
    int count_include_pad;   /* average pools (1) */
    size_t out_size[2];      /* adaptive average pool output (height, width); 1-d uses [1] */
    int dim;                 /* softmax, reduce, concat, slice: the dim (negative counts from
                              * the end); reduce with all_dims ignores it */
    int all_dims;            /* reduce over every element (a scalar result) */
    int keepdim;             /* reduce: keep the reduced dim as size 1 (0) */
    int log;                 /* softmax: LogSoftmax (0) */
    int channel_wise;        /* Dropout1d/2d: whole channels (0) */
    size_t normalized;       /* LayerNorm: how many trailing dims are normalised (1) */
    gg_shape shape;          /* view: the new shape (dim[0] = GG_BATCH on batched inputs;
                              * one entry may be (size_t)-1 to be inferred) */
    int op;                  /* binary, unary, reduce: the operator */
    double scalar, scalar2;  /* unary scalar operands */
    long start, stop, step;  /* slice: python-style start/stop (negative from the end),
                              * step >= 1 */
    int perm[GG_MAX_DIMS];   /* permute: output axis i takes input axis perm[i] */
    int trainable;           /* param: 1 learnable, 0 frozen */
    const float *value;      /* const: the values (numel of shape), copied at creation */
    int loss;                /* GG_LAYER_LOSS: a gg_loss_kind */
    long padding_idx;        /* embedding: the row kept at zero that gets no gradient
                              * (negative counts from the end), or GG_PADDING_NONE */
    int shared_params;       /* layers with parameters: they are given, not created — after
                              * the data input, the inputs are the weight then the bias (when
                              * the layer has one) as existing param nodes of the shapes the
                              * layer would create; their creators initialise them (weight
                              * tying, or torch's registration order) (0) */
    size_t heads;            /* attention: number of heads (1) */
    int causal;              /* attention: key j > query i is masked (0) */
    int attn_packed;         /* attention: one input (B, L, 3E) holding q, k, v (0) */
    int attn_masks;          /* attention: GG_ATTN_KEY_PADDING | GG_ATTN_MASK, the optional
                              * inputs after q, k, v in that order (0); dropout is cfg.p
                              * (0), the scale cfg.scalar (NaN: 1/sqrt(head dim)) */
    int rnn_mode;            /* GG_LAYER_RNN: a gg_rnn_mode (rnn.h); in = input_size, out =
                              * hidden_size, bias */
} gg_layer_cfg;

/* GG_LAYER_ATTENTION's optional inputs: a key padding mask (B, Lk), nonzero = ignore that
 * key (torch's bool key_padding_mask), and an additive float attn_mask (Lq, Lk). */
#define GG_ATTN_KEY_PADDING 1
#define GG_ATTN_MASK 2

typedef struct gg_graph gg_graph;

/* ---- lifecycle ---- */

/* New empty graph. GG_ENOMEM. */
gg_status gg_graph_new(gg_graph **out, gg_err *err);

/* Free; NULL is a no-op. */
void gg_graph_free(gg_graph *g);

/* ---- building ---- */

/* PyTorch's defaults for a node of this kind (kind set, everything else default). */
gg_layer_cfg gg_layer_defaults_of(gg_layer_kind kind);

/* A batched input of per-sample shape `sample` (0..GG_MAX_DIMS-1 dims; the node's shape is
 * (B, sample...)); with requires_grad, backward computes its gradient (a custom loss's
 * prediction input). GG_EINVAL on a zero or oversized dimension. */
gg_status gg_graph_input(gg_graph *g, const gg_shape *sample, int requires_grad, int *node,
                         gg_err *err);

/* A free parameter (for user-defined layers) of shape s, initialised by init with PyTorch's
 * fan rules for that shape (fan_in = dim[1] * receptive field, fan_out = dim[0] * receptive
 * field; 1-d tensors: both dim[0]), trainable or frozen. */
gg_status gg_graph_param(gg_graph *g, const gg_shape *s, const gg_init *init, int trainable,
                         int *node, gg_err *err);

/* A constant of shape s holding a copy of values (numel floats). */
gg_status gg_graph_const(gg_graph *g, const gg_shape *s, const float *values, int *node,
                         gg_err *err);

/* Apply the layer or op cfg to the nin input nodes (most take 1; binary, matmul 2; where 3;
 * concat 1..GG_NODE_MAX_IN; loss 2: prediction and target). Layers with parameters create
 * their param nodes first (weight, then bias), or with cfg->shared_params take them as
 * the inputs after the data input. Checks every option and shape;
 * GG_EINVAL/GG_ESHAPE naming the layer, GG_ENOMEM. */
gg_status gg_graph_layer(gg_graph *g, const gg_layer_cfg *cfg, const int *inputs, int nin,
                         int *node, gg_err *err);

/* ---- queries ---- */

/* Number of nodes; the shape of node i (dim[0] = GG_BATCH when batched). */
size_t gg_graph_nodes(const gg_graph *g);
gg_shape gg_graph_shape(const gg_graph *g, int node);

/* Whether node i's dim[0] is the batch. */
int gg_graph_batched(const gg_graph *g, int node);

/* The configuration node i was built with (kind LEAF kinds included). */
const gg_layer_cfg *gg_graph_cfg(const gg_graph *g, int node);

/* The node feeding input slot `slot` (0-based; a layer's parameters follow its data
 * inputs) of node, or -1 when there is no such slot. */
int gg_graph_input_of(const gg_graph *g, int node, int slot);

/* Name of a kind ("linear", "conv2d" needs the cfg: see gg_layer_name). */
const char *gg_layer_kind_name(gg_layer_kind k);

/* A node's display name as PyTorch names the module ("linear", "conv2d", "maxpool2d",
 * "batchnorm1d", "relu", "add", ...). */
const char *gg_layer_name(const gg_layer_cfg *cfg);

/* Number of elements of a shape, the batch counted as B. */
size_t gg_shape_numel(const gg_shape *s, size_t B);

#endif
