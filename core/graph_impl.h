/* core/graph_impl.h — the graph's node records, shared by the builder (graph.c), the
 * compiled model (model.c) and the op kernels' adapters (exec.c). Not a public header:
 * nothing outside core/ includes it. */
#ifndef GG_GRAPH_IMPL_H
#define GG_GRAPH_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "graph.h"
#include "isa.h"
#include "model.h"
#include "rng.h"

/* One node as the builder records it. */
typedef struct gg_gnode {
    gg_layer_cfg cfg;          /* kind and options; conv/pool padding resolved ('same') */
    int nin;
    int in[GG_NODE_MAX_IN];    /* input nodes (earlier indices) */
    gg_shape shape;            /* output shape; dim[0] = GG_BATCH when batched */
    int batched;
    size_t numel;              /* elements per sample when batched, else in all */
    int layer;                 /* 1-based position among non-leaf nodes (messages); 0 leaves */
    int req;                   /* requires grad: a trainable param, or fed by one */
    /* param nodes */
    size_t p_off;              /* offset in the flat parameter buffer */
    int owner;                 /* the layer node that created and initialises it, or -1 */
    int role;                  /* 0 weight, 1 bias (layer-owned params); an RNN's 0..3:
                                * W_ih, W_hh, b_ih, b_hh */
    /* layers with buffers (BatchNorm running statistics) */
    size_t b_off, b_n;         /* offset and count in the flat buffer array */
    /* const nodes */
    float *value;              /* numel floats (gg_malloc, owned by the graph/model) */
} gg_gnode;

struct gg_graph {
    gg_gnode *nodes;
    size_t n, cap;
    size_t nparams;            /* floats in the flat parameter buffer */
    size_t nbufs;              /* floats in the flat buffer array */
    int nlayers;               /* non-leaf nodes */
};

/* Elements per sample (batched) or in all, of a shape. */
size_t gg_shape_sample_numel(const gg_shape *s, int batched);

/* ---- the compiled model (model.c) ---- */

/* Per-node plan and run-time buffers. */
typedef struct gg_mnode {
    int live;                  /* the outputs depend on it */
    int root;                  /* node whose y and dy this one shares (itself, or for a view
                                * and a fused ReLU the node it aliases) */
    int consumers;             /* live nodes reading it */
    int acc[GG_NODE_MAX_IN];   /* backward adds into input slot i's gradient (else writes) */
    int skip_fwd, skip_bwd;    /* nothing to run (views; a ReLU fused into its Linear) */
    int fuse_relu;             /* Linear: its single consumer, a ReLU, is applied in the
                                * epilogue and aliases this node */
    int mask_in;               /* Linear: its input is a fused ReLU whose mask this node's dx
                                * applies (the ReLU's only consumer) */
    int yt_to;                 /* Linear: node whose xt receives this output transposed, -1 */
    int zero_dy;               /* dy is never written by a consumer: zero it before backward */
    size_t rows;               /* Linear: rows of the matrix product per batch row */
    float *y;                  /* output (B * numel floats, or numel when unbatched) */
    float *dy;                 /* gradient of the output (same size), NULL when not needed */
    float *aux;                /* per-kind saved state (BatchNorm statistics, dropout mask) */
    float *xt;                 /* Linear: transposed input for the vector paths */
    int xt_ready;              /* xt was filled by the producer in this forward */
    int32_t *idx;              /* max pool argmax, reduce arg-extremum */
    float *pending;            /* Dropout: keep mask for the next forward */
    size_t pending_B;
} gg_mnode;

struct gg_model {
    gg_graph *g;               /* owned */
    gg_mnode *mn;              /* one per graph node */
    int ninputs;
    int inputs[GG_NODE_MAX_IN];/* input nodes, in creation order */
    int output;                /* the output node */
    int *layer_node;           /* layer i (0-based, creation order) -> node */
    int nlayers;
    int *tensor_node;          /* parameter tensor k -> param node */
    int *fwd, *bwd, *zero;     /* the step's schedule: nodes to run forward (in order), backward
                                * (in reverse order), gradients to zero first */
    int nfwd, nbwd, nzero;
    size_t ntensors;
    size_t nparams;
    float *params, *grads;     /* flat, PyTorch's order */
    size_t nbufs;
    float *bufs;               /* BatchNorm running statistics */
    int training, fwd_training;
    int has_dropout;
    size_t bn_min_spatial;     /* smallest per-channel count per batch row among batch-stat
                                * BatchNorms (0: none); B * this must exceed 1 in training */
    gg_isa isa;
    gg_rng drop_rng;
    gg_arena arena;
    size_t cap, B;             /* batch rows reserved; of the last forward */
    float *tmp;                /* scratch of the largest node output, for accumulating adds */
    float *zeros;              /* zeros of the widest layer output (a missing bias) */
    float *scratch;            /* shared kernel scratch (conv im2col), the largest need */
    float *dummy;              /* gradient sink for frozen Linear weights and missing biases */
    size_t dummy_n;
    size_t zero_count;         /* gg_model_zero_grad calls so far (gg_model_zero_count) */
    int fault_node;            /* the embedding node that met a bad index in the last run, -1 */
    size_t fault_at;           /* that index's position in the node's input */
    float fault_val;           /* and its value */
};

/* Per-kind kernels (exec.c): forward computes node i's y from its inputs; backward
 * accumulates parameter gradients and writes/adds (mn.acc) its inputs' gradients. */
void gg_exec_forward(gg_model *m, int i, size_t B);
void gg_exec_backward(gg_model *m, int i, size_t B);

/* Whether exec.c can run node n (compile refuses the others, naming them). */
int gg_exec_supported(const gg_gnode *n);

/* Floats of per-node saved state (mn.aux) a node of this graph needs for batch B. */
size_t gg_exec_aux(const gg_model *m, int i, size_t B);

/* int32 slots of per-node saved indices (mn.idx: max pool argmax) for batch B. */
size_t gg_exec_idx(const gg_model *m, int i, size_t B);

/* Floats of the model's shared scratch (m->scratch) node i's kernels need for batch B. */
size_t gg_exec_scratch(const gg_model *m, int i, size_t B);

/* GG_LAYER_ATTENTION (attention.c): shape inference of a node with inputs x[0..nin) (pre
 * names it in errors), the inputs it takes, whether input slot s gets no gradient (the
 * masks), and the model adapters exec.c dispatches to. */
gg_status gg_attention_infer(const gg_gnode *const *x, int nin, const gg_layer_cfg *c,
                             gg_shape *out, const char *pre, gg_err *err);
int gg_attention_inputs(const gg_layer_cfg *c);
int gg_attention_nondiff(const gg_layer_cfg *c, int slot);
size_t gg_attention_exec_aux(const gg_model *m, int i, size_t B);
size_t gg_attention_exec_scratch(const gg_model *m, int i);
void gg_attention_exec_forward(gg_model *m, int i, size_t B);
void gg_attention_exec_backward(gg_model *m, int i, size_t B);

/* Initialise the parameters RNN node i owns (rnn.c): torch's uniform, or `all` when given. */
void gg_rnn_init_node(gg_model *m, int i, const gg_init *all, gg_rng *rng);

#endif
