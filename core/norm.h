/* core/norm.h — normalisation and softmax kernels (PyTorch 1.13 CPU semantics):
 * BatchNorm{1d,2d}, LayerNorm, GroupNorm, Softmax and LogSoftmax over one dimension.
 *
 * Shapes are row-major. BatchNorm and GroupNorm see x as (B, C, S), S the product of the
 * spatial sizes (S = 1 for BatchNorm1d on (B, C), L on (B, C, L), H*W for NCHW images);
 * LayerNorm sees it as (R, D), D the product of normalized_shape; softmax over a dim of
 * size n sees it as (outer, n, inner). Sizes are >= 1. Buffers are the caller's and are
 * borrowed for the call; nothing is allocated, nothing fails (validate with the _check
 * functions first).
 *
 * Backward convention: dx (acc = 0) is overwritten or (acc = 1) added into; dx == NULL
 * skips it. Parameter gradients dgamma/dbeta ACCUMULATE (+=) and may be NULL (frozen or
 * absent); each gets one float addition per call, of a sum formed in double.
 *
 * Summation orders. Every sum is formed in double in a fixed order, so results are
 * bit-identical on every CPU and build (vector loops run over lanes whose order the code
 * fixes; independent sums may run side by side, which changes no result):
 * - BatchNorm, per channel c, over its n = B*S values in 16 lanes: value (b, s) goes to
 *   lane s mod 16, each lane a sequential chain from +0 over its values in sample-major
 *   then spatial order (b = 0..B-1, then s), and the lanes are combined by halving:
 *   l[j] += l[j + h] for h = 8, 4, 2, 1 (j < h), the sum being l[0]. For S = 1 this is one
 *   chain over b (the other lanes stay +0, and a chain from +0 is never -0, so adding
 *   them changes nothing): core/model.c's BatchNorm1d formulas, kept bit for bit.
 *   mean = (float)(sum x / n); var_sum = (float)(sum (double)((x - mean)^2 in float));
 *   invstd = (float)(1 / sqrt(var_sum / n + eps)) in double. Backward: sum = sum dy and
 *   dotp = sum (double)((x - mean) * dy in float), same order. (PyTorch sums the forward
 *   in one chain and the backward in float vector lanes; see the forward for the
 *   ulp-level differences.)
 * - LayerNorm, per row, and GroupNorm, per (b, g) over its D*S contiguous values
 *   (D = C/G channels): mean_d = sum x / n, then var = sum ((double)x - mean_d)^2 / n,
 *   each in the 16 lanes above over the contiguous vector (value i in lane i mod 16,
 *   combined by halving) (torch: a float Welford pass with vector lanes).
 *   LayerNorm backward per row: db = sum dy*gamma and dc = sum dy*gamma*(x - mean)
 *   (products in double), in lanes over j; dgamma[j], dbeta[j]: over rows in row order.
 *   GroupNorm backward: per plane (b, c), P_db = sum_s dy and P_dot = sum_s dy*(x - mean),
 *   in lanes over s; per (b, g), sdb = sum gamma_c*P_db and sdot = sum gamma_c*P_dot over
 *   the group's channels in order; dgamma[c] from sum_b P_dot*rstd and dbeta[c] from
 *   sum_b P_db, in sample order.
 * - Softmax, per (outer, inner), over the n values of the dim in index order (the max is
 *   exact and needs no order).
 * PyTorch sums in float with vector lanes for LayerNorm, GroupNorm, softmax and the
 * BatchNorm backward, and its build fuses some multiply-adds, so results agree with
 * torch to a few float ulps, not bit for bit. */
#ifndef GG_NORM_H
#define GG_NORM_H

#include <stddef.h>

#include "status.h"

/* ---- validation ---- */

/* GG_OK when a BatchNorm over (B, C, S) may run: eps > 0, momentum in [0, 1], and in
 * training more than one value per channel (B*S > 1, torch's rule). GG_EINVAL otherwise,
 * err naming the value ("batchnorm needs more than 1 value per channel in training,
 * got 1"). */
gg_status gg_batchnorm_check(size_t B, size_t S, int training, double eps, double momentum,
                             gg_err *err);

/* GG_OK when eps > 0 (finite); GG_EINVAL otherwise. */
gg_status gg_layernorm_check(double eps, gg_err *err);

/* GG_OK when G >= 1 divides C and eps > 0 (finite); GG_EINVAL otherwise ("num_channels
 * must be divisible by num_groups, got 6 channels and 4 groups"). */
gg_status gg_groupnorm_check(size_t C, size_t G, double eps, gg_err *err);

/* ---- BatchNorm (torch.nn.BatchNorm1d / BatchNorm2d, functional batch_norm) ---- */

/* y (B,C,S) = (x - mean_c) * invstd_c * gamma_c + beta_c, computed as torch does:
 * alpha = invstd*gamma, beta' = beta - mean*alpha, y = x*alpha + beta' (float).
 * The batch's statistics are used when training or running_mean == NULL (torch's
 * bn_training); otherwise running_mean/var (C each, both or neither) with
 * invstd = 1/sqrtf(var + eps) in float. In training with running stats and n = B*S > 1
 * they are updated in double: rm = m*mean + (1-m)*rm, rv = m*var_sum/(n-1) + (1-m)*rv
 * (unbiased), m = momentum; n = 1 leaves them (torch refuses it: gg_batchnorm_check).
 * save_mean/save_invstd (C each, may be NULL) receive the mean and invstd used, for the
 * backward. gamma/beta (C each) NULL mean 1 and 0 (affine=False). y may alias x.
 * Torch 1.13 differs by an ulp at times: it divides var_sum by n in float, updates the
 * running stats with a float momentum, and fuses x*alpha + beta' into an fma. */
void gg_batchnorm_forward(float *y, float *save_mean, float *save_invstd, float *running_mean,
                          float *running_var, const float *x, const float *gamma,
                          const float *beta, size_t B, size_t C, size_t S, int training,
                          double eps, double momentum);

/* Backward of the forward above; batch_stats is whether it used the batch's statistics
 * (training || running_mean == NULL). With batch statistics, per channel:
 * k = (float)dotp*invstd*invstd/n, gm = (float)(sum/n),
 * dx = (dy - gm - (x - mean)*k) * invstd * gamma; else dx = dy * invstd * gamma (float).
 * dgamma[c] += (float)(dotp*invstd), dbeta[c] += (float)sum. dx may alias dy (acc = 0). */
void gg_batchnorm_backward(float *dx, int acc, float *dgamma, float *dbeta, const float *dy,
                           const float *x, const float *save_mean, const float *save_invstd,
                           const float *gamma, size_t B, size_t C, size_t S, int batch_stats);

/* ---- LayerNorm (torch.nn.LayerNorm over the last D elements) ---- */

/* Per row r of x (R,D): mean, biased variance var (float), rstd = 1/sqrtf(var + eps) in
 * float; y = (x*rstd + (-rstd*mean)) * gamma_j + beta_j in float (torch's order), gamma and
 * beta (D each) NULL meaning 1 and 0. save_mean/save_rstd (R each) may be NULL. y may
 * alias x. */
void gg_layernorm_forward(float *y, float *save_mean, float *save_rstd, const float *x,
                          const float *gamma, const float *beta, size_t R, size_t D, double eps);

/* dx = a*dy*gamma + b*x + c per row (torch's formula: a = rstd, b = -dc*a^3/D,
 * c = -b*mean - db*a/D, b and c formed in double and rounded once);
 * dgamma[j] += sum_r dy*xhat with xhat = x*rstd + (-rstd*mean) as in the forward;
 * dbeta[j] += sum_r dy. dx may alias dy (acc = 0). */
void gg_layernorm_backward(float *dx, int acc, float *dgamma, float *dbeta, const float *dy,
                           const float *x, const float *save_mean, const float *save_rstd,
                           const float *gamma, size_t R, size_t D);

/* ---- GroupNorm (torch.nn.GroupNorm) ---- */

/* x (B,C,S), G groups of D = C/G consecutive channels: per (b, g) the mean and biased
 * variance of its D*S values, rstd = 1/sqrtf(var + eps) in float. Affine (gamma and beta,
 * C each): y = scale*x + bias with scale = rstd*gamma_c, bias = -scale*mean + beta_c
 * (float); both NULL: y = (x - mean)*rstd (torch's two paths). save_mean/save_rstd
 * (B*G each, (b, g) order) may be NULL. y may alias x. */
void gg_groupnorm_forward(float *y, float *save_mean, float *save_rstd, const float *x,
                          const float *gamma, const float *beta, size_t B, size_t C, size_t S,
                          size_t G, double eps);

/* dx = c1*dy + c2*x + c3 (torch's formula: c1 = rstd*gamma_c, c2 = -sdot*rstd^3/(D*S),
 * c3 = -c2*mean - sdb*rstd/(D*S), c2 and c3 in double rounded once);
 * dgamma[c] += sum_b P_dot*rstd; dbeta[c] += sum_b P_db (see the top of this file).
 * dx may alias dy (acc = 0). */
void gg_groupnorm_backward(float *dx, int acc, float *dgamma, float *dbeta, const float *dy,
                           const float *x, const float *save_mean, const float *save_rstd,
                           const float *gamma, size_t B, size_t C, size_t S, size_t G);

/* ---- Softmax and LogSoftmax over one dim (torch.softmax / log_softmax) ---- */

/* x and y (outer, n, inner), the dim of size n >= 1. With m the max over the dim and
 * e = gg_expf(x - m), s = sum e in double: softmax y = (float)(e * (1/s)) in double
 * (torch too multiplies by the reciprocal); log_softmax y = (x - m) - (float)gg_log(s) in
 * float. A row holding NaN or +inf, or only -inf, gives NaN (as torch); n = 1 gives
 * exactly 1 (log: 0). y must not overlap x. */
void gg_softmax_forward(float *y, const float *x, size_t outer, size_t n, size_t inner, int log);

/* From the forward's output y: softmax dx = y*(dy - t), t = (float)sum dy*y (exact
 * products, double sum); log_softmax dx = dy - gg_expf(y)*t, t = (float)sum dy. dx may
 * alias dy when acc = 0; never y. */
void gg_softmax_backward(float *dx, int acc, const float *dy, const float *y, size_t outer,
                         size_t n, size_t inner, int log);

#endif
