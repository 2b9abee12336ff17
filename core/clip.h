/* core/clip.h — gradient clipping and explicit weight penalties on a model's gradients.
 * Clipping follows torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (1.13); penalties
 * are the L1/L2 terms the seed write-ups add to the loss by hand,
 * loss + l1 * sum|w| + l2 * sum w^2 over every parameter. */
#ifndef GG_CLIP_H
#define GG_CLIP_H

#include "model.h"
#include "status.h"

/* Check clip_grad_norm's options: max_norm a finite number > 0, norm_type > 0 or +inf.
 * GG_EINVAL naming the option. */
gg_status gg_clip_check(double max_norm, double norm_type, gg_err *err);

/* Total norm of the gradients (the norm_type-norm of the per-tensor norms; the max |g|
 * for norm_type = inf), computed before clipping, then every gradient multiplied by
 * min(1, max_norm / (total + 1e-6)) — also when that is 1, as torch 1.13 does. Returns
 * the total norm. */
float gg_clip_grad_norm(gg_model *m, double max_norm, double norm_type);

/* The total gradient norm alone (no clipping): for logging. */
float gg_grad_norm(gg_model *m, double norm_type);

/* Clamp every gradient to [-v, v] (v >= 0). */
void gg_clip_grad_value(gg_model *m, float v);

/* Penalty l1 * sum|w| + l2 * sum w^2 over all parameters (float32 value); when grads is
 * set, also adds its gradient l1 * sign(w) + 2 l2 w into the model's gradients. */
float gg_penalty(gg_model *m, double l1, double l2, int grads);

#endif
