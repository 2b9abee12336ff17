/* core/loss.h — loss functions: value and gradient w.r.t. the prediction in one pass.
 * Matches PyTorch 1.13's MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss,
 * BCEWithLogitsLoss, CrossEntropyLoss (class indices) and NLLLoss, with reduction 'mean'
 * (divide by the element count; by the summed target weights — the row count without
 * weights — for cross-entropy and NLL) or 'sum'. The value is accumulated in double in
 * index order and rounded to float32 once, so it overflows to inf exactly where a
 * float32 loss would. The gradient follows torch's backward formulas, including their
 * branches at kinks (SmoothL1/Huber at |d| = beta/delta) and clamps (BCE). */
#ifndef GG_LOSS_H
#define GG_LOSS_H

#include <stddef.h>

#include "status.h"

/* Values are stable: new kinds are appended. */
typedef enum gg_loss_kind {
    GG_LOSS_MSE,            /* pred (B,k), target (B,k) */
    GG_LOSS_CROSS_ENTROPY,  /* pred logits (B,C), target (B,1) class indices 0..C-1 */
    GG_LOSS_BCE_LOGITS,     /* pred logits (B,k), target (B,k) in [0,1] */
    GG_LOSS_L1,             /* pred (B,k), target (B,k): |d| */
    GG_LOSS_SMOOTH_L1,      /* pred (B,k), target (B,k): 0.5 d^2/beta if |d| < beta, else |d| - beta/2 */
    GG_LOSS_HUBER,          /* pred (B,k), target (B,k): 0.5 d^2 if |d| < delta, else delta (|d| - delta/2) */
    GG_LOSS_BCE,            /* pred probabilities (B,k) in [0,1], target (B,k) in [0,1] */
    GG_LOSS_NLL,            /* pred log-probabilities (B,C), target (B,1) class indices */
    GG_LOSS_KERAS_CCE       /* Keras categorical_crossentropy: pred probabilities (B,C),
                             * renormalised per row and clipped to [1e-7, 1-1e-7], target
                             * (B,1) class indices; -log q_y */
} gg_loss_kind;

typedef struct gg_model gg_model;  /* model.h: a custom loss is a compiled graph */

typedef enum gg_reduction {
    GG_REDUCE_MEAN,
    GG_REDUCE_SUM
} gg_reduction;

/* A loss and its options (torch.nn.*Loss constructor arguments). Options a kind does not
 * take must keep their defaults (gg_loss_check rejects a weight, pos_weight or
 * label_smoothing given to a kind without it). Pointers are borrowed for each call. */
typedef struct gg_loss_cfg {
    gg_loss_kind kind;
    gg_reduction reduction;   /* GG_REDUCE_MEAN (default) or GG_REDUCE_SUM */
    const float *weight;      /* NULL (default) or finite >= 0 numbers: cross_entropy, nll:
                               * one per class (C), and 'mean' divides by the summed weights
                               * of the targets; bce, bce_with_logits: one per column (k),
                               * broadcast over rows like torch's (k,) weight — it scales each
                               * element and leaves the 'mean' divisor B*k unchanged */
    const float *pos_weight;  /* bce_with_logits: NULL (default) or one finite >= 0 weight per
                               * column (k) multiplying the positive term y log sigmoid(x) */
    float label_smoothing;    /* cross_entropy, in [0, 1); default 0 */
    long ignore_index;        /* cross_entropy, nll: rows with this target are skipped (no
                               * loss, no gradient, not counted by 'mean'); default -100 */
    float beta;               /* smooth_l1: finite >= 0, default 1; 0 gives the L1 value (and
                               * torch's gradient -1 at d = 0, from its d <= -beta branch) */
    float delta;              /* huber: finite > 0, default 1 */
    gg_model *custom;         /* NULL (default), or a loss graph (model.h) with inputs prediction
                               * (B, k) — created requiring its gradient — and target (B, t) and
                               * a scalar output; then the kind and options above are ignored,
                               * the value is the graph's output and the gradient its input
                               * gradient; evaluation in chunks takes it as a mean over rows.
                               * Borrowed; gg_loss_reserve it for the batch first. */
    int keras;                /* bce: 1 gives Keras's binary_crossentropy on probabilities —
                               * p clipped to [1e-7, 1 - 1e-7], then -(y log(p + 1e-7) +
                               * (1 - y) log(1 - p + 1e-7)), no gradient where clipped */
    size_t classes;           /* cross_entropy, nll, categorical_crossentropy: 0 (default) —
                               * the prediction's k columns are the classes, one target per
                               * row; else every `classes` consecutive columns are one position's
                               * scores: a (B, L, V) prediction (k = L*V) is B*L rows of V
                               * classes with a (B, L) target, as torch's
                               * cross_entropy(logits.view(-1, V), y.view(-1)); 'mean' divides
                               * by the positions not ignored. gg_loss_classes gives it from a
                               * model's output shape (train and eval derive it themselves) */
    float z_loss;             /* cross_entropy: >= 0, default 0 (off): adds z_loss times the
                               * mean over rows not ignored ('sum': the sum) of (log Z)^2, log Z
                               * the logsumexp of the row's logits (PaLM's output z-loss), with
                               * gradient 2 z_loss log Z softmax; a training term only:
                               * gg_loss_accumulate (evaluation) leaves it out */
} gg_loss_cfg;

/* Defaults of a loss kind, as PyTorch's constructor gives them. */
gg_loss_cfg gg_loss_defaults(gg_loss_kind kind);

/* Name ("mse", "cross_entropy", "bce_with_logits", "l1", "smooth_l1", "huber", "bce",
 * "nll", "categorical_crossentropy"); NULL for an unknown value. */
const char *gg_loss_name(gg_loss_kind k);

/* Parse a loss name into *k; 0 on success, -1 if unknown (*k unchanged). */
int gg_loss_parse(const char *name, gg_loss_kind *k);

/* The classes a loss takes from a model output of per-sample shape dims[0..ndim): for the
 * class-index kinds (cross_entropy, nll, categorical_crossentropy) with ndim >= 2 its last
 * dim (every other position is a row), else 0 (the output's columns, as a (B, C) output). */
size_t gg_loss_classes(gg_loss_kind k, const size_t *dims, int ndim);

/* Columns the target must have for a prediction with pred_cols columns (1 for class
 * indices, pred_cols / classes with classes set, pred_cols otherwise). */
size_t gg_loss_target_cols(const gg_loss_cfg *c, size_t pred_cols);

/* Check a config against the prediction width: option ranges and applicability,
 * cross-entropy needs >= 2 classes, nll >= 1, classes must divide pred_cols. GG_EINVAL/
 * GG_ESHAPE naming the option. */
gg_status gg_loss_check(const gg_loss_cfg *c, size_t pred_cols, gg_err *err);

/* Validate targets before a kernel call: class indices integral and in [0,C) (or the
 * ignore_index) for cross_entropy and nll, values in [0,1] for bce and bce_with_logits,
 * finite for mse, l1, smooth_l1 and huber. GG_EINVAL naming the 1-based row and the value. */
gg_status gg_loss_check_targets(const gg_loss_cfg *c, const float *target, size_t B,
                                size_t pred_cols, gg_err *err);

/* Validate predictions before a kernel call, as torch does: bce's probabilities must be in
 * [0,1] (NaN rejected); every other kind accepts any value (NaN/inf give a NaN/inf loss).
 * pred (B,k). GG_EINVAL naming the 1-based row, column and the value. */
gg_status gg_loss_check_pred(const gg_loss_cfg *c, const float *pred, size_t B, size_t k,
                             gg_err *err);

/* Make room in a custom loss graph for batches of B rows (a no-op for built-in kinds).
 * GG_ENOMEM. */
gg_status gg_loss_reserve(const gg_loss_cfg *c, size_t B, gg_err *err);

/* Loss value for pred (B,k) against target; when dpred is non-NULL it receives
 * d loss / d pred (B,k), overwritten. Config and targets must have passed the checks;
 * unchecked bce predictions outside [0,1] give NaN, never a crash. */
float gg_loss_forward(const gg_loss_cfg *c, float *dpred, const float *pred,
                      const float *target, size_t B, size_t k);

/* For evaluating a dataset in chunks: adds the chunk's summed loss to *sum and the
 * divisor a 'mean' reduction uses (elements, or summed target weights) to *denom,
 * so the dataset's mean is sum/denom whatever the chunking. */
void gg_loss_accumulate(const gg_loss_cfg *c, const float *pred, const float *target,
                        size_t B, size_t k, double *sum, double *denom);

#endif
