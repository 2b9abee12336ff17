/* core/model.h — a sequential MLP: Linear layers and activations over one flat parameter
 * buffer and one gradient buffer with the same layout (llm.c). Parameters are stored in
 * PyTorch's order and layout: for each Linear, weight (out,in) row-major, then bias (out).
 *
 * Scratch (the batch input, every layer's output and two gradient buffers) comes from the
 * model's arena, reserved for the largest batch seen: no malloc in forward or backward.
 * The output pointer of a forward pass stays valid until the next forward. */
#ifndef GG_MODEL_H
#define GG_MODEL_H

#include <stddef.h>

#include "act.h"
#include "rng.h"
#include "status.h"

/* Largest number of layers a model may have. */
#define GG_MODEL_MAX_LAYERS 256

typedef enum gg_layer_kind {
    GG_LAYER_LINEAR,
    GG_LAYER_ACT
} gg_layer_kind;

typedef struct gg_layer_spec {
    gg_layer_kind kind;
    size_t in, out;  /* Linear: in and out features; ignored for activations */
    gg_act act;      /* GG_LAYER_ACT only */
} gg_layer_spec;

typedef struct gg_model gg_model;

/* Build a model from n layer specs; consecutive Linear sizes must chain. Parameters are
 * zero until gg_model_init_default. GG_EINVAL/GG_ESHAPE naming the layer, GG_ENOMEM. */
gg_status gg_model_new(gg_model **out, const gg_layer_spec *specs, size_t n, gg_err *err);

/* Free; NULL is a no-op. */
void gg_model_free(gg_model *m);

/* PyTorch's default Linear init: for each Linear in order, W then b ~ U(-1/sqrt(in), 1/sqrt(in)),
 * drawn row-major from rng. */
void gg_model_init_default(gg_model *m, gg_rng *rng);

/* ---- queries ---- */

/* Number of layers, input features, output features, total parameter count. */
size_t gg_model_layers(const gg_model *m);
size_t gg_model_in(const gg_model *m);
size_t gg_model_out(const gg_model *m);
size_t gg_model_nparams(const gg_model *m);

/* Spec of layer i (< layers). */
gg_layer_spec gg_model_layer(const gg_model *m, size_t i);

/* Flat parameter and gradient buffers (nparams floats each), owned by the model. */
float *gg_model_params(gg_model *m);
float *gg_model_grads(gg_model *m);

/* Number of parameter tensors (2 per Linear) and the offset/shape of tensor k in the flat
 * buffer (bias tensors are shape (1,out)). */
size_t gg_model_ntensors(const gg_model *m);
void gg_model_tensor_info(const gg_model *m, size_t k, size_t *offset, size_t *rows, size_t *cols);

/* ---- operations ---- */

/* Make room for batches of up to B rows (grows the arena). GG_ENOMEM on failure. */
gg_status gg_model_reserve(gg_model *m, size_t B, gg_err *err);

/* Writable input buffer (B, in) for the next gg_model_run; B must have been reserved. */
float *gg_model_input(gg_model *m, size_t B);

/* Forward pass on the input buffer filled through gg_model_input; returns the output
 * (B, out), valid until the next forward. */
const float *gg_model_run(gg_model *m, size_t B);

/* Forward pass copying x (B, in) into the input buffer first; reserves as needed.
 * GG_EINVAL for B == 0. */
gg_status gg_model_forward(gg_model *m, const float *x, size_t B, const float **y, gg_err *err);

/* Backward pass for the last forward: dy (B, out) is d loss / d output; parameter
 * gradients accumulate into the gradient buffer. */
void gg_model_backward(gg_model *m, const float *dy);

/* Set every gradient to zero (PyTorch 1.13 zero_grad(set_to_none=False)). */
void gg_model_zero_grad(gg_model *m);

/* Scratch buffer of B*out floats in the model's arena for the loss gradient; valid until
 * the next forward. */
float *gg_model_dout(gg_model *m);

/* Batch size of the last forward (0 before any). */
size_t gg_model_batch(const gg_model *m);

#endif
