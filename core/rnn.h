/* core/rnn.h — recurrent layers (torch.nn.RNN / LSTM / GRU, PyTorch 1.13): one layer in one
 * direction over a batch-first sequence x (B, L, I) giving every hidden state, y (B, L, H).
 *
 * Parameters in torch's layout and order: W_ih (G*H, I), W_hh (G*H, H), b_ih (G*H),
 * b_hh (G*H), G = 1 (RNN), 4 (LSTM: gates i, f, g, o), 3 (GRU: r, z, n). Initial states
 * h_0 = c_0 = 0. With a = x_t W_ih^T + b_ih and r = h_{t-1} W_hh^T + b_hh (both (B, G*H)):
 *   RNN   h = tanh(a + r)  (or relu)
 *   LSTM  i, f, o = sigmoid(a + r) of their blocks, g = tanh(a_g + r_g);
 *         c = f*c_{t-1} + i*g;  h = o * tanh(c)
 *   GRU   r_ = sigmoid(a_r + r_r), z = sigmoid(a_z + r_z), n = tanh(a_n + r_ * r_n);
 *         h = (h_{t-1} - n) * z + n   (torch's float operations, = (1-z) n + z h_{t-1})
 * sigmoid and tanh are act.h's kernels (gg_sigmoidf, gg_tanhf), so values match the
 * element-wise layers bit for bit.
 *
 * Fixed summation order (results are bit-identical on every ISA and for any split of the
 * batch into calls, dW and db accumulated call after call): every matrix product is a
 * linear.h kernel. Forward: a = one gg_linear_forward over the B*L rows of x; per step,
 * r = gg_linear_forward over the B rows of h_{t-1}. Backward (BPTT in reverse time): per
 * step the pre-activation gradient dG_t (B, G*H) and dh_{t-1} = dG_t W_hh (a
 * gg_linear_forward against W_hh^T: a sum over o = 0..G*H-1 in order); after the loop one
 * gg_linear_backward over the B*L rows (batch-major: sample by sample, time in order) for
 * dW_ih, db_ih and dx, and one for dW_hh, db_hh with the rows h_{t-1} (zero at t = 0).
 * (The per-step alternative for dW_hh would sum time-major and differ between batch
 * splits.) Element-wise terms are plain float operations in a fixed order.
 *
 * Memory: the saved state (aux) is O(B L H): RNN G*H, LSTM 6H (gates, c and tanh c), GRU 4H
 * (gates and the hidden n-block r_n) floats per (sample, step); the scratch is
 * O(B L G H + G H max(I, H)). */
#ifndef GG_RNN_H
#define GG_RNN_H

#include <stddef.h>

#include "graph.h"
#include "isa.h"
#include "rng.h"
#include "status.h"

/* Cell types (gg_layer_cfg.rnn_mode). Values are stable. */
typedef enum gg_rnn_mode {
    GG_RNN_TANH,  /* torch.nn.RNN(nonlinearity='tanh') */
    GG_RNN_RELU,  /* torch.nn.RNN(nonlinearity='relu') */
    GG_RNN_LSTM,  /* torch.nn.LSTM */
    GG_RNN_GRU    /* torch.nn.GRU */
} gg_rnn_mode;
#define GG_RNN_MODE_COUNT 4

/* One layer's sizes. */
typedef struct gg_rnn_shape {
    gg_rnn_mode mode;
    size_t in;      /* I: input features per step */
    size_t hidden;  /* H */
    size_t len;     /* L: steps */
} gg_rnn_shape;

/* Gate blocks G of a mode (1, 1, 4, 3); 0 for an unknown mode. */
size_t gg_rnn_gates(gg_rnn_mode mode);

/* The mode's name: "rnn_tanh", "rnn_relu", "lstm", "gru"; NULL for an unknown value. */
const char *gg_rnn_mode_name(gg_rnn_mode mode);

/* torch's module name of a mode: "rnn", "rnn", "lstm", "gru" ("rnn" for unknown values). */
const char *gg_rnn_module_name(gg_rnn_mode mode);

/* Parse a mode name into *mode: 0, or -1 for an unknown name. */
int gg_rnn_mode_parse(const char *name, gg_rnn_mode *mode);

/* Check a shape: a known mode, sizes >= 1, matrices within the tensor limits. GG_EINVAL
 * naming the field ("hidden_size must be >= 1, got 0"). */
gg_status gg_rnn_check(const gg_rnn_shape *s, gg_err *err);

/* Floats of saved state (aux) and of scratch the kernels need for batch B. */
size_t gg_rnn_aux(const gg_rnn_shape *s, size_t B);
size_t gg_rnn_scratch(const gg_rnn_shape *s, size_t B);

/* y (B, L, H) = every hidden state of the layer over x (B, L, I); aux (gg_rnn_aux floats)
 * gets what backward reads. b_ih, b_hh NULL: no biases. scratch: gg_rnn_scratch floats.
 * No buffer may overlap another. */
void gg_rnn_forward(gg_isa isa, float *y, float *aux, const float *x, const float *W_ih,
                    const float *W_hh, const float *b_ih, const float *b_hh, float *scratch,
                    const gg_rnn_shape *s, size_t B);

/* Backward of the forward that produced y and aux, for the output gradient dy (B, L, H):
 * dW_ih, dW_hh, db_ih, db_hh += the parameter gradients (each may be NULL: not needed);
 * dx (B, L, I) = the input gradient (written; NULL: not needed). */
void gg_rnn_backward(gg_isa isa, float *dx, float *dW_ih, float *dW_hh, float *db_ih,
                     float *db_hh, const float *dy, const float *x, const float *y,
                     const float *aux, const float *W_ih, const float *W_hh, float *scratch,
                     const gg_rnn_shape *s, size_t B);

/* torch's RNNBase.reset_parameters: W_ih, W_hh, b_ih, b_hh (b's NULL when absent) in that
 * order, each ~ U(-1/sqrt(H), 1/sqrt(H)), from rng. */
void gg_rnn_init(float *W_ih, float *W_hh, float *b_ih, float *b_hh, const gg_rnn_shape *s,
                 gg_rng *rng);

/* Largest singular value of W (rows, cols) row-major by `iters` steps of power iteration
 * on W^T W from a fixed start vector (deterministic; sums in double in a fixed order);
 * scratch holds rows + cols doubles. 0 for an all-zero W; NaN if W has a NaN or inf. */
double gg_rnn_spectral_norm(const float *W, size_t rows, size_t cols, int iters,
                            double *scratch);

/* The same from the vector v (cols doubles; start != 0: the fixed start vector is written
 * there first), left in v for a warm start of the next call; scratch holds rows doubles.
 * A zero or non-finite v restarts nothing: 0 or NaN is returned. */
double gg_rnn_power_iteration(const float *W, size_t rows, size_t cols, int iters, double *v,
                              int start, double *scratch);

/* Graph hooks (graph.c): check node cfg c on input x (batched (B, L, I), I = c->in) and
 * give the output shape (B, L, H = c->out); pre names the node ("layer 3: lstm"). */
gg_status gg_rnn_infer(const gg_layer_cfg *c, const gg_shape *x, int batched, gg_shape *y,
                       const char *pre, gg_err *err);

/* Graph hook: the parameter shapes of node cfg c in torch's order (ps[2], ps[3] ndim 0
 * without bias). */
void gg_rnn_param_shapes(const gg_layer_cfg *c, gg_shape ps[4]);

#endif
