/* core/diag.h — training diagnostics: the quantities published failure detectors read
 * from a run (AUTOTRAINER, DeepDiagnosis, the edge-of-stability work; docs/diagnostics.md
 * gives each formula and the rule that uses it), computed from a model after backward and
 * around the optimizer step, and the sharpness (top Hessian eigenvalue) by power iteration
 * on finite-difference Hessian-vector products.
 *
 * A gg_diag belongs to one model and owns every scratch buffer it uses (a parameter
 * snapshot, the preconditioner, the power-iteration vectors, the fixed sharpness batch,
 * the records), sized by gg_diag_new and gg_diag_begin; the per-step hooks never allocate.
 * The training loop (core/train.c) calls the hooks through the observer interface of
 * train.h (gg_diag_hooks gives it; gg_step_log.hooks); with none the loop pays one pointer
 * test per step. Sums run in double in a fixed order, so
 * records are bit-reproducible. The hooks and gg_diag_sharpness restore everything they
 * perturb (parameters, gradients, BatchNorm running statistics, the dropout generator):
 * training with diagnostics on follows the same trajectory as with them off. */
#ifndef GG_DIAG_H
#define GG_DIAG_H

#include <stddef.h>

#include "data.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "status.h"
#include "eval.h"
#include "train.h"

/* Pre-activations beyond +-GG_DIAG_SATURATION count as saturated (DeepDiagnosis). */
#define GG_DIAG_SATURATION 5.0f

typedef struct gg_diag_cfg {
    size_t every;            /* record every n-th optimizer step, >= 1 (e.g. 10) */
    size_t sharpness_every;  /* also estimate the sharpness every k-th step; 0 = never */
    size_t sharpness_rows;   /* rows of the fixed sharpness batch, evenly strided over the
                              * data (row floor(j n / rows) for j < rows); 0 = all rows */
    int sharpness_iters;     /* power-iteration steps at most, >= 1 (20) */
    double sharpness_tol;    /* stop once the estimate moves by <= tol relative, >= 0 (1e-3) */
} gg_diag_cfg;

/* A sharpness estimate (gg_diag_sharpness, or a record's fields). */
typedef struct gg_sharpness {
    double value;  /* top eigenvalue (largest |.|, sign kept) of P^-1/2 H P^-1/2: H the
                    * Hessian of the training loss on the fixed batch, P the optimizer's
                    * preconditioner (gg_optim_precond; P = I for SGD or without optimizer) */
    double limit;  /* gg_optim_stability / lr_t: 2/lr for SGD, 38/lr for Adam (NaN without
                    * an optimizer) */
    int iters;     /* Hessian-vector products used (2 gradient evaluations each) */
} gg_sharpness;

/* One recorded step. NaN marks a value the model cannot have (no sigmoid/tanh, no ReLU). */
typedef struct gg_diag_record {
    long step;                 /* optimizer step, 1-based, counted by the hooks since new */
    float grad_norm;           /* total gradient norm before clipping (clip_norm_type's
                                * p-norm when clipping by norm, else 2), as gg_grad_norm */
    float grad_norm_clipped;   /* the same norm of the gradients the optimizer used */
    float grad_ratio;          /* ||dL/dW first Linear|| / ||dL/dW last Linear|| (2-norms,
                                * pre-clip; AUTOTRAINER's r) */
    float update_ratio;        /* max over Linear layers of ||W_after - W_before|| / ||W_before||
                                * (NaN layers ignored) */
    float mean_abs_update;     /* mean |W_after - W_before| over all Linear weights */
    float eff_lr;              /* mean over parameters with P > 0 of lr_t / P */
    float saturated_frac;      /* share of sigmoid/tanh units (rows x width) with |pre-act| > 5 */
    float relu_zero_frac;      /* share of ReLU outputs <= 0 */
    float dead_relu_frac;      /* share of ReLU units whose output is <= 0 on every row */
    float zero_grad_frac;      /* share of gradient entries (all parameters) exactly 0 */
    float nonfinite;           /* 1 if a gradient (pre-clip) or a weight (after the step) is
                                * NaN or +-inf, else 0 */
    float recurrent_norm;      /* max over recurrent layers of the spectral norm of W_hh after
                                * the step (rnn.h; power iteration warm-started from the last
                                * record's vector); NaN without recurrent layers */
    float logit_norm;          /* cross-entropy runs: mean over the output's rows (a row is the
                                * classes of one sample or, for (B, L, V) outputs, of one
                                * position) of the logits' 2-norm, this step's forward (output-
                                * logit growth, Wortsman et al. 2023); NaN for other losses */
    int has_sharpness;         /* 1 on sharpness steps */
    gg_sharpness sharpness;
    const float *layer_grad_norm;    /* per Linear layer (model order): ||dL/dW||, pre-clip */
    const float *layer_update_ratio; /* ||dW|| / ||W_before|| */
    const float *layer_weight_var;   /* population variance of W after the step */
    const float *layer_attn_max_logit; /* per attention layer (model order): the largest
                                        * attention logit of this step's forward
                                        * (gg_model_attention_stats) */
    const float *layer_attn_entropy;   /* and its mean attention entropy */
} gg_diag_record;

typedef struct gg_diag gg_diag;

/* Defaults: every 1, no sharpness, all rows, 20 iterations, tol 1e-3. */
gg_diag_cfg gg_diag_defaults(void);

/* New diagnostics for model m (retains nothing; m must outlive its use with this diag).
 * GG_EINVAL naming a bad field, GG_ENOMEM. */
gg_status gg_diag_new(gg_diag **out, const gg_model *m, const gg_diag_cfg *cfg, gg_err *err);

/* Free; NULL is a no-op. */
void gg_diag_free(gg_diag *d);

/* Number of Linear layers (the length of each per-layer record array). */
size_t gg_diag_linear_layers(const gg_diag *d);

/* Number of attention layers (the length of the layer_attn_* record arrays). */
size_t gg_diag_attention_layers(const gg_diag *d);

/* Prepare for up to nsteps training steps over ds with cfg: clears the records and the
 * accuracy counts, makes room for the records those steps can produce and, with
 * sharpness_every > 0, picks the fixed batch and reserves the model for it. All
 * allocation happens here. GG_ENOMEM. */
gg_status gg_diag_begin(gg_diag *d, gg_model *m, const gg_dataset *ds, const gg_train_cfg *cfg,
                        size_t nsteps, gg_err *err);

/* ---- hooks (core/train.c): after backward and penalty, before clipping; after the step ---- */

/* The observer the training loop calls (train.h), with d as its context. */
gg_train_hooks gg_diag_hooks(gg_diag *d);

/* Counts the step, adds the batch's correct predictions to the accuracy counts (y: the
 * batch targets (B, k)) and, on a recorded step, reads the gradients, the cached
 * activations and snapshots the parameters. */
void gg_diag_after_backward(gg_diag *d, gg_model *m, const gg_train_cfg *cfg, const float *y,
                            size_t B);

/* On a recorded step: clipped norm, updates, weights, effective lr and, when due, the
 * sharpness on ds. Completes the record. */
void gg_diag_after_step(gg_diag *d, gg_model *m, const gg_optim *o, const gg_dataset *ds,
                        const gg_train_cfg *cfg);

/* ---- results ---- */

/* Records since gg_diag_begin, in step order; record i < gg_diag_nrecords. */
size_t gg_diag_nrecords(const gg_diag *d);
const gg_diag_record *gg_diag_record_at(const gg_diag *d, size_t i);

/* Running training accuracy since gg_diag_begin (the share of correct predictions of the
 * batches as they were trained on, Keras's epoch "accuracy"): 1 and *acc when the loss is
 * a classification loss and rows were seen, else 0. */
int gg_diag_train_accuracy(const gg_diag *d, double *acc);

/* ---- standalone ---- */

/* Sharpness of the training loss of cfg (loss, l1, l2) on the fixed batch of ds (rows as
 * cfg->sharpness_rows of d's config), preconditioned by o's current state (o may be NULL:
 * the plain Hessian). The model's state is left as found. GG_ENOMEM, GG_ESHAPE/GG_EINVAL
 * from gg_train_check. */
gg_status gg_diag_sharpness(gg_diag *d, gg_model *m, const gg_optim *o, const gg_dataset *ds,
                            const gg_train_cfg *cfg, gg_sharpness *out, gg_err *err);

/* Accuracy of the model over ds in evaluation mode (chunks of chunk rows; 0 = 256), the
 * mode restored after. GG_EINVAL for a non-classification loss, GG_ENOMEM. */
gg_status gg_diag_accuracy(gg_model *m, const gg_dataset *ds, const gg_loss_cfg *loss,
                           size_t chunk, double *out, gg_err *err);

/* Smallest and largest of x[0..n) (NaN if any is NaN; n >= 1). */
void gg_diag_range(const float *x, size_t n, float *lo, float *hi);

#endif
