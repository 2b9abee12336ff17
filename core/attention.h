/* core/attention.h — fused scaled-dot-product attention over heads packed in the last dim
 * (PyTorch 1.13 nn.MultiheadAttention's math after in_proj, batch_first).
 *
 * Per sample b and head h (head h uses columns h*D .. h*D+D-1 of q and k, h*Dv .. of v):
 *   Qs = scale * Q_h (Lq, D)        S = Qs K_h^T (Lq, Lk)
 *   S[i,j] = -inf where the key padding mask (B, Lk) is nonzero at (b, j), or causal and
 *            j > i; then S += attn_mask (Lq, Lk) (an additive float mask, -inf allowed)
 *   P = softmax(S) per row           Pd = P * dropout mask (training, p > 0)
 *   O_h = Pd V_h (Lq, Dv), written to y[b, i, h*Dv ..] of y (B, Lq, H*Dv).
 * torch scales q before the product too (q / sqrt(D); scale defaults to 1/sqrt(D)).
 *
 * A row whose keys are all masked has no softmax: torch 1.13 gives NaN there (softmax of
 * all -inf); gglab gives P = 0, so that row of the output and every gradient through it is
 * 0 (what later torch versions give for fully masked rows), and such a row is left out of
 * the entropy statistic.
 *
 * Fixed order (bit-identical on every ISA and batch split): every product element is one
 * fmaf chain from 0 over its terms in increasing index order, as ops.h's matmul, over the
 * keys a causal mask keeps (query i: keys j < keep(i) = min(i + 1, Lk); the masked terms
 * are zeros, so for finite values leaving them out changes no bit, and values at causally
 * masked positions cannot reach an output; padded keys stay in the chains with P = 0):
 *   S[i,j] = chain over d of Qs[i,d] K[j,d], Qs = (float)(q * scale);
 *   softmax row: m = max (exact), e_j = gg_expf(S_j - m), s = sum e_j in double in index
 *     order, P_j = (float)(e_j * (1/s)) in double (norm.h's softmax);
 *   O[i,d] = chain over j of Pd[i,j] V[j,d];
 *   backward: dV[j,d] = chain over i of Pd[i,j] dO[i,d]; dPd[i,j] = chain over d of
 *     dO[i,d] V[j,d]; dP = dPd * mask; dS = P (dP - t), t = (float) sum_j dP_j P_j in
 *     double (norm.h's softmax backward); dQ = scale * (chain over j of dS[i,j] K[j,d]);
 *     dK[j,d] = chain over i of dS[i,j] Qs[i,d].
 *
 * Statistics of each forward (cheap: one compare and one product-sum per logit):
 *   max_logit — the largest scaled logit S[i,j] = scale q_i.k_j over the entries the key
 *     padding / causal masks keep (before the additive attn_mask), over batch and heads;
 *     -inf when everything is masked;
 *   entropy — the mean over rows (b, h, i) with a key left of -sum_j P log P (natural log,
 *     of the softmax before dropout), computed as log s - sum_j e_j (S_j - m) / s in double.
 */
#ifndef GG_ATTENTION_H
#define GG_ATTENTION_H

#include <stddef.h>

#include "rng.h"
#include "status.h"

/* Sizes and options of one attention call. q, k, v rows are `*_stride` floats apart (E for
 * separate tensors, 3E for a packed (B, L, 3E) in_proj output); a sample's rows are
 * contiguous (sample stride = L * row stride). */
typedef struct gg_attn_shape {
    size_t Lq, Lk;          /* query and key/value lengths (>= 1) */
    size_t H, D, Dv;        /* heads, per-head width of q and k, of v (>= 1) */
    size_t q_stride, k_stride, v_stride;
    int causal;             /* key j > query i is masked */
    float scale;            /* multiplies q (1/sqrt(D) by default) */
    double p;               /* dropout on P in training, [0, 1) */
} gg_attn_shape;

/* Statistics of the last forward (see the file comment). */
typedef struct gg_attn_stats {
    float max_logit;
    float entropy;
} gg_attn_stats;

/* GG_OK when the shape is usable; GG_EINVAL naming the bad size (a zero size, strides
 * narrower than the heads, p outside [0, 1), a scale that is not finite and > 0). */
gg_status gg_attention_check(const gg_attn_shape *s, gg_err *err);

/* Floats of saved state a forward keeps for backward for batch B: P, and the dropout mask
 * when p > 0. */
size_t gg_attention_aux(const gg_attn_shape *s, size_t B);

/* Floats of scratch gg_attention_forward / _backward need (independent of B); the scratch
 * must be 8-byte aligned (malloc's, the model arena's). */
size_t gg_attention_scratch(const gg_attn_shape *s);

/* Forward of B samples: y (B, Lq, H*Dv) from q, k, v (pointers to sample 0's first
 * column of each), kpm (B, Lk: nonzero = ignore that key) or NULL, amask (Lq, Lk) or NULL.
 * aux (gg_attention_aux floats) receives P (B, H, Lq, Lk) then the dropout mask; with
 * rng non-NULL and p > 0 the dropout mask is drawn (one gg_rng_uniform per element of P,
 * in (b, h, i, j) order, kept when u < 1 - p, kept values scaled by 1/(1-p) in float), else
 * no dropout. stats (may be NULL) receives the statistics. */
void gg_attention_forward(const gg_attn_shape *s, size_t B, float *y, float *aux,
                          const float *q, const float *k, const float *v, const float *kpm,
                          const float *amask, gg_rng *rng, float *scratch,
                          gg_attn_stats *stats);

/* Backward for the forward whose aux is given (dropped: whether that forward drew a
 * dropout mask): from dy (B, Lq, H*Dv), writes (acc 0) or adds (acc 1) dq, dk, dv (each
 * may be NULL: not needed), laid out as q, k, v. dq, dk, dv may be the same buffer (packed
 * q/k/v, or self-attention on one tensor): per sample, dq is written (or added) first,
 * then dk, then dv. */
void gg_attention_backward(const gg_attn_shape *s, size_t B, float *dq, int acc_q, float *dk,
                           int acc_k, float *dv, int acc_v, const float *dy, const float *aux,
                           int dropped, const float *q, const float *k, const float *v,
                           float *scratch);

/* The statistics of attention layer `layer` (0-based among the model's layers, as
 * gg_model_layer_cfg counts) in the model's last forward pass. GG_EINVAL when that layer
 * is not an attention layer or no forward has run since the buffers were (re)made. */
typedef struct gg_model gg_model;
gg_status gg_model_attention_stats(const gg_model *m, size_t layer, float *max_logit,
                                   float *entropy, gg_err *err);

#endif
