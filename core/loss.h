/* core/loss.h — loss functions: value and gradient w.r.t. the prediction in one pass.
 * Matches torch.nn.MSELoss, CrossEntropyLoss (class indices) and BCEWithLogitsLoss with
 * reduction 'mean' (divide by the element count; by the batch size for cross-entropy) or
 * 'sum'. The value is accumulated in double in index order and rounded to float32 once,
 * so it overflows to inf exactly where a float32 loss would. */
#ifndef GG_LOSS_H
#define GG_LOSS_H

#include <stddef.h>

#include "status.h"

typedef enum gg_loss_kind {
    GG_LOSS_MSE,            /* pred (B,k), target (B,k) */
    GG_LOSS_CROSS_ENTROPY,  /* pred logits (B,C), target (B,1) class indices 0..C-1 */
    GG_LOSS_BCE_LOGITS      /* pred logits (B,k), target (B,k) in [0,1] */
} gg_loss_kind;

typedef enum gg_reduction {
    GG_REDUCE_MEAN,
    GG_REDUCE_SUM
} gg_reduction;

/* A loss and its options (torch.nn.*Loss constructor arguments). Pointers are borrowed
 * for each call. */
typedef struct gg_loss_cfg {
    gg_loss_kind kind;
    gg_reduction reduction;  /* GG_REDUCE_MEAN (default) or GG_REDUCE_SUM */
    const float *weight;     /* cross-entropy: one weight per class (C), or NULL */
    float label_smoothing;   /* cross-entropy, in [0, 1); default 0 */
    long ignore_index;       /* cross-entropy: rows with this target are skipped; default -100 */
} gg_loss_cfg;

/* Defaults of a loss kind, as PyTorch's constructor gives them. */
gg_loss_cfg gg_loss_defaults(gg_loss_kind kind);

/* Name ("mse", "cross_entropy", "bce_with_logits"); NULL for an unknown value. */
const char *gg_loss_name(gg_loss_kind k);

/* Parse a loss name into *k; 0 on success, -1 if unknown. */
int gg_loss_parse(const char *name, gg_loss_kind *k);

/* Columns the target must have for a prediction with pred_cols columns. */
size_t gg_loss_target_cols(const gg_loss_cfg *c, size_t pred_cols);

/* Check a config against the prediction width (option ranges, cross-entropy needs >= 2
 * columns). GG_EINVAL/GG_ESHAPE naming the option. */
gg_status gg_loss_check(const gg_loss_cfg *c, size_t pred_cols, gg_err *err);

/* Validate targets before a kernel call: class indices integral and in [0,C) (or the
 * ignore_index) for cross-entropy, values in [0,1] for BCE, finite for MSE.
 * GG_EINVAL naming the 1-based row and the value. */
gg_status gg_loss_check_targets(const gg_loss_cfg *c, const float *target, size_t B,
                                size_t pred_cols, gg_err *err);

/* Loss value for pred (B,k) against target; when dpred is non-NULL it receives
 * d loss / d pred (B,k), overwritten. Config and targets must have passed the checks. */
float gg_loss_forward(const gg_loss_cfg *c, float *dpred, const float *pred,
                      const float *target, size_t B, size_t k);

/* For evaluating a dataset in chunks: adds the chunk's summed loss to *sum and the
 * divisor a 'mean' reduction uses (elements, rows, or summed class weights) to *denom,
 * so the dataset's mean is sum/denom whatever the chunking. */
void gg_loss_accumulate(const gg_loss_cfg *c, const float *pred, const float *target,
                        size_t B, size_t k, double *sum, double *denom);

#endif
