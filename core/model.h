/* core/model.h — a sequential model: Linear, activation, BatchNorm1d and Dropout layers
 * over one flat parameter buffer and one gradient buffer with the same layout (llm.c).
 * Parameters are stored in PyTorch's order and layout: for each Linear, weight (out,in)
 * row-major, then bias (out); for each affine BatchNorm1d, weight (gamma) then bias (beta).
 * Non-trainable state (BatchNorm running_mean and running_var) lives in a separate flat
 * buffer, PyTorch's "buffers".
 *
 * Like torch.nn.Module a model is in training mode after construction; gg_model_set_training
 * switches it (BatchNorm: batch vs running statistics; Dropout: masks vs identity).
 * Dropout draws from a generator the model owns (seeded by gg_model_init from the init
 * stream; gg_model_seed_dropout reseeds it): one uniform per element, row-major, per
 * training forward; an element is kept when u < 1 - p.
 *
 * Scratch (the batch input, layer outputs, BatchNorm statistics, Dropout masks and two
 * gradient buffers) comes from the model's arena, reserved for the largest batch seen: no
 * malloc in forward or backward. Activations whose backward needs only their output run in
 * place over a Linear's output; the others keep their input. The output pointer of a
 * forward pass stays valid until the next forward. */
#ifndef GG_MODEL_H
#define GG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "act.h"
#include "graph.h"
#include "init.h"
#include "isa.h"
#include "rng.h"
#include "status.h"

/* Largest number of layers a sequential model may have (gg_model_new_cfg). */
#define GG_MODEL_MAX_LAYERS 256

/* A layer by kind and widths; gg_model_new gives every layer PyTorch's default options. */
typedef struct gg_layer_spec {
    gg_layer_kind kind;
    size_t in, out;  /* Linear: in and out features; BatchNorm1d: in = num_features;
                      * others: ignored (the width of the previous layer) */
    gg_act act;      /* GG_LAYER_ACT only */
} gg_layer_spec;

typedef struct gg_model gg_model;

/* The configuration of spec s with PyTorch's defaults for everything else. */
gg_layer_cfg gg_layer_defaults(gg_layer_spec s);

/* Compile graph g (graph.h) into a model computing node `output` from g's input nodes (in
 * creation order). Takes ownership of g on success (freed with the model); on failure g
 * stays the caller's. Nodes the output does not depend on are dropped. Parameters are
 * zero until gg_model_init; norms start at gamma = 1, beta = 0, running mean 0 and variance
 * 1. The Linear/conv kernels use gg_isa_best() until gg_model_set_isa. GG_EINVAL (an output
 * that is a leaf), GG_ENOMEM. */
gg_status gg_model_compile(gg_model **out, gg_graph *g, int output, gg_err *err);

/* Build a sequential model from n layer configurations (Linear, activations, BatchNorm1d,
 * Dropout; every kind gg_graph_layer takes with one input); the first layer must be Linear
 * (it fixes the input width) and widths must chain. As gg_model_compile otherwise.
 * GG_EINVAL/GG_ESHAPE naming the layer, GG_ENOMEM. */
gg_status gg_model_new_cfg(gg_model **out, const gg_layer_cfg *cfgs, size_t n, gg_err *err);

/* gg_model_new_cfg with gg_layer_defaults of each spec. */
gg_status gg_model_new(gg_model **out, const gg_layer_spec *specs, size_t n, gg_err *err);

/* Free; NULL is a no-op. */
void gg_model_free(gg_model *m);

/* Initialise every layer, in layer order, from rng: each Linear draws W row-major then b
 * (gg_init_fill) with its spec's init, or with *all if all is non-NULL; each BatchNorm
 * resets gamma = 1, beta = 0 and its running stats (mean 0, var 1). Then, only if the
 * model has Dropout layers, one more gg_rng_u64 draw seeds the dropout generator. all
 * must pass gg_init_check. */
void gg_model_init(gg_model *m, const gg_init *all, gg_rng *rng);

/* gg_model_init(m, NULL, rng); with default specs, PyTorch's nn.Linear init: W then b ~
 * U(-1/sqrt(in), 1/sqrt(in)) per Linear. */
void gg_model_init_default(gg_model *m, gg_rng *rng);

/* Reseed the dropout generator (model:seed_dropout). */
void gg_model_seed_dropout(gg_model *m, uint64_t seed);

/* Training (1, the initial mode) or evaluation (0) mode; the query returns the mode. */
void gg_model_set_training(gg_model *m, int training);
int gg_model_training(const gg_model *m);

/* ---- queries ---- */

/* Number of layers, input features, output features, total parameter count. */
size_t gg_model_layers(const gg_model *m);
size_t gg_model_in(const gg_model *m);
size_t gg_model_out(const gg_model *m);
size_t gg_model_nparams(const gg_model *m);

/* Spec and full configuration of layer i (< layers), widths filled in. */
gg_layer_spec gg_model_layer(const gg_model *m, size_t i);
gg_layer_cfg gg_model_layer_cfg(const gg_model *m, size_t i);

/* Flat parameter and gradient buffers (nparams floats each), owned by the model. */
float *gg_model_params(gg_model *m);
float *gg_model_grads(gg_model *m);

/* Number of parameter tensors (2 per Linear and per affine BatchNorm) and the offset/shape
 * of tensor k in the flat buffer (bias, gamma and beta tensors are shape (1,n)). */
size_t gg_model_ntensors(const gg_model *m);
void gg_model_tensor_info(const gg_model *m, size_t k, size_t *offset, size_t *rows, size_t *cols);

/* Non-trainable buffers: per BatchNorm with running stats, running_mean then running_var,
 * each (1,n), in layer order. Count of floats, the flat buffer (owned by the model), the
 * number of buffer tensors and the offset/shape of tensor k. */
size_t gg_model_nbuffers(const gg_model *m);
float *gg_model_buffers(gg_model *m);
size_t gg_model_nbuffer_tensors(const gg_model *m);
void gg_model_buffer_info(const gg_model *m, size_t k, size_t *offset, size_t *rows, size_t *cols);

/* ---- operations ---- */

/* Make room for batches of up to B rows (grows the arena). GG_ENOMEM on failure. */
gg_status gg_model_reserve(gg_model *m, size_t B, gg_err *err);

/* Writable input buffer (B, in) for the next gg_model_run; B must have been reserved. */
float *gg_model_input(gg_model *m, size_t B);

/* Forward pass on the input buffer filled through gg_model_input; returns the output
 * (B, out), valid until the next forward. An embedding meeting a bad index outputs zeros
 * there and the run is marked failed: see gg_model_run_check. */
const float *gg_model_run(gg_model *m, size_t B);

/* GG_OK when the last gg_model_run met no bad embedding index, else GG_EINVAL naming the
 * layer, the value and where it is ("layer 1 (embedding): index 70 at sample 3, position 5
 * is outside 0..64"); rows (or NULL) maps batch row b to the 0-based sample number to report
 * (the dataset row), printed 1-based. */
gg_status gg_model_run_check(const gg_model *m, const size_t *rows, gg_err *err);

/* Forward pass copying x (B, in) into the input buffer first; reserves as needed.
 * GG_EINVAL for B == 0, for B == 1 in training mode when the model has a BatchNorm
 * (PyTorch: "Expected more than 1 value per channel when training"; gg_model_run leaves
 * the running statistics alone for such a batch), and for a bad embedding index
 * (gg_model_run_check). */
gg_status gg_model_forward(gg_model *m, const float *x, size_t B, const float **y, gg_err *err);

/* Backward pass for the last forward (in the mode that forward ran in): dy (B, out) is
 * d loss / d output; parameter gradients accumulate into the gradient buffer. */
void gg_model_backward(gg_model *m, const float *dy);

/* Set every gradient to zero (PyTorch 1.13 zero_grad(set_to_none=False)). */
void gg_model_zero_grad(gg_model *m);

/* How many times gg_model_zero_grad has run on m (a hand-written loop that never zeroes its
 * gradients steps on their running sum: gglab.Optim:stale_steps). */
size_t gg_model_zero_count(const gg_model *m);

/* Scratch buffer of B*out floats in the model's arena for the loss gradient; valid until
 * the next forward. */
float *gg_model_dout(gg_model *m);

/* Batch size of the last forward (0 before any). */
size_t gg_model_batch(const gg_model *m);

/* Instruction set of the model's Linear and conv kernels: gg_isa_best() at construction;
 * the caller chooses another with gg_model_set_isa (the Lua host from GGLAB_ISA). Every
 * path gives the same bits; only speed differs. */
gg_isa gg_model_isa(const gg_model *m);

/* Switch the Linear kernels to isa; GG_EINVAL when this CPU or build lacks it. */
gg_status gg_model_set_isa(gg_model *m, gg_isa isa, gg_err *err);

/* Output (B, out of layer i) of layer i in the last forward, as backward reads it; NULL
 * before any reserve. An output-only activation runs in place over the previous layer's
 * buffer, so that layer's pointer then shows the activation's output. Diagnostics only. */
const float *gg_model_layer_output(const gg_model *m, size_t i);

/* The dropout generator: diagnostics save and restore it around extra forward passes so
 * that they leave training's masks unchanged. */
gg_rng *gg_model_dropout_rng(gg_model *m);

/* Test hook for parity with other frameworks' dropout masks: the next training forward
 * of Dropout layer `layer` (0-based layer index) with batch B uses keep (B * width values,
 * 1 keep / 0 drop, row-major) instead of drawing; the generator is not advanced. keep is
 * copied. GG_EINVAL if layer is not a Dropout or a value is not 0/1; GG_ENOMEM. */
gg_status gg_model_dropout_mask(gg_model *m, size_t layer, const float *keep, size_t B,
                                gg_err *err);

/* ---- graph view (any model; sequential ones too) ---- */

/* The model's graph (nodes, shapes, cfgs: graph.h queries), owned by the model. */
const gg_graph *gg_model_graph(const gg_model *m);

/* Node of layer i (0-based among non-leaf nodes, creation order) and of the output. */
int gg_model_layer_node(const gg_model *m, size_t i);
int gg_model_output_node(const gg_model *m);

/* Output of node `node` in the last forward (its batch rows as that forward ran), NULL
 * before any reserve or for a node the output does not depend on. A ReLU fused into a
 * Linear and a view share their input's buffer. Diagnostics only. */
const float *gg_model_node_output(const gg_model *m, int node);

/* Number of input nodes; the input buffer k (< ninputs) for the next gg_model_run, B
 * reserved. gg_model_input is input 0. */
int gg_model_ninputs(const gg_model *m);
float *gg_model_input_at(gg_model *m, int k, size_t B);

/* Elements per sample of input k; the gradient of input k after backward (B * numel
 * floats), for an input created requiring it (gg_graph_input), else NULL. */
size_t gg_model_input_numel(const gg_model *m, int k);
const float *gg_model_input_grad(const gg_model *m, int k);

/* Per-sample shapes (without the batch) of input 0 and of the output; for an unbatched
 * output (a loss graph's scalar) the whole shape. */
gg_shape gg_model_input_shape(const gg_model *m);
gg_shape gg_model_output_shape(const gg_model *m);
int gg_model_output_batched(const gg_model *m);

/* Full shape of parameter tensor k, its param node, and whether it is trainable. */
gg_shape gg_model_tensor_shape(const gg_model *m, size_t k);
int gg_model_tensor_node(const gg_model *m, size_t k);
int gg_model_tensor_trainable(const gg_model *m, size_t k);

/* The layer node that owns parameter tensor k (-1 for a free parameter of a custom layer)
 * and, in *role, 0 for its weight (or gamma) and 1 for its bias (or beta); a recurrent
 * layer's are 0..3: weight_ih, weight_hh, bias_ih, bias_hh. */
int gg_model_tensor_owner(const gg_model *m, size_t k, int *role);

/* Number of trainable parameter floats (frozen tensors excluded). */
size_t gg_model_ntrainable(const gg_model *m);

/* The trainable parameters as (offset, length) pairs of adjacent trainable tensors merged,
 * into ranges (room for 2 * gg_model_ntensors pairs); returns the number of pairs (for
 * gg_optim_set_ranges). */
size_t gg_model_trainable_ranges(const gg_model *m, size_t *ranges);

#endif
