/* core/train.h — the mini-batch training loop, so a whole epoch runs in C.
 * Each step does what a PyTorch loop does, in the same order: zero_grad, forward, loss,
 * backward, optimizer step. An epoch stops at the first non-finite loss (divergence). */
#ifndef GG_TRAIN_H
#define GG_TRAIN_H

#include <stddef.h>

#include "data.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "sched.h"
#include "status.h"

typedef struct gg_train_cfg {
    gg_loss_cfg loss;       /* e.g. gg_loss_defaults(GG_LOSS_MSE); pointers borrowed */
    size_t batch_size;      /* >= 1; the last batch of an epoch may be smaller */
    int shuffle;            /* 1: a fresh permutation from rng each epoch (DataLoader shuffle=True) */
    int drop_last;          /* 1: skip a final partial batch */
    double l1, l2;          /* >= 0: penalty l1*sum|w| + l2*sum w^2 added to each step's loss */
    double clip_norm;       /* > 0: clip_grad_norm_ to this after backward; 0 = off */
    double clip_norm_type;  /* its p (2 when 0); may be +inf */
    double clip_value;      /* > 0: clip_grad_value_ to this (after clip_norm); 0 = off */
    gg_sched *sched;        /* borrowed, or NULL: stepped after every optimizer step */
    int skip_target_check;  /* 1: gg_train_check leaves the targets alone (a caller running an
                               epoch step by step checked them at its first step) */
} gg_train_cfg;

/* An observer of the training loop: called on every step, after backward and the L1/L2
 * penalty (before clipping), and after the optimizer step. core/diag.c implements it
 * (gg_diag_hooks); the loop knows nothing of what an observer does with the model. */
typedef struct gg_train_hooks {
    void *ctx;
    void (*after_backward)(void *ctx, gg_model *m, const gg_train_cfg *cfg, const float *y,
                           size_t B);  /* y: the batch's targets (B, k) */
    void (*after_step)(void *ctx, gg_model *m, const gg_optim *o, const gg_dataset *ds,
                       const gg_train_cfg *cfg);
} gg_train_hooks;

/* Optional per-step outputs of a training call (each NULL or one float per step). */
typedef struct gg_step_log {
    float *loss;       /* the step's loss (penalty included), before its update */
    float *grad_norm;  /* the total 2-norm (clip_norm_type-norm when clipping) before clipping */
    double *lr;        /* the learning rate the step used */
    const gg_train_hooks *hooks;  /* an observer (diagnostics: gg_diag_hooks), or NULL: off */
} gg_step_log;

typedef struct gg_epoch_result {
    size_t steps;      /* optimizer steps taken (including a diverging one) */
    int diverged;      /* 1 if a loss was NaN or +-inf; the epoch stopped there */
    double mean_loss;  /* batch-size-weighted mean of the step losses (Keras's epoch loss) */
} gg_epoch_result;

/* Number of steps one epoch takes over n rows. */
size_t gg_train_steps_per_epoch(const gg_train_cfg *cfg, size_t n);

/* Check a config against a model and a dataset (widths, targets for the loss, batch size).
 * GG_EINVAL/GG_ESHAPE with a message naming the mismatch. */
gg_status gg_train_check(const gg_train_cfg *cfg, const gg_model *m, const gg_optim *o,
                         const gg_dataset *ds, gg_err *err);

/* One epoch. log (or NULL) receives per-step values, arrays of gg_train_steps_per_epoch
 * floats. Each step: zero_grad, forward, loss, backward, penalty, clipping, optimizer
 * step, scheduler step. rng is used only when shuffling. GG_ENOMEM if scratch cannot be
 * had; a scheduler's error (one-cycle stepped past its end) stops the epoch with it. */
gg_status gg_train_epoch(gg_model *m, gg_optim *o, const gg_dataset *ds,
                         const gg_train_cfg *cfg, gg_rng *rng, const gg_step_log *log,
                         gg_epoch_result *res, gg_err *err);

/* The batches gg_train_epoch runs: idx (n rows, 0-based) gets the epoch's row order (a
 * permutation from rng when shuffling, else 0..n-1) and counts (gg_train_steps_per_epoch
 * entries) the batch sizes. Returns the number of batches. */
size_t gg_train_plan(const gg_train_cfg *cfg, size_t n, gg_rng *rng, size_t *idx, size_t *counts);

/* Train on explicit batches: step s uses rows idx[off_s .. off_s + counts[s]) where off_s
 * is the sum of the earlier counts (0-based rows, validated by the caller: each < n, each
 * count >= 1). Like gg_train_epoch otherwise; cfg->batch_size must be >= the largest count
 * and shuffle/drop_last are ignored. */
gg_status gg_train_batches(gg_model *m, gg_optim *o, const gg_dataset *ds,
                           const gg_train_cfg *cfg, const size_t *idx, const size_t *counts,
                           size_t nsteps, const gg_step_log *log, gg_epoch_result *res,
                           gg_err *err);

/* Loss of the model over the whole dataset in chunks of chunk rows (no gradients), with the
 * mean taken over all rows (or elements), as a full-batch evaluation would give. */
gg_status gg_evaluate(gg_model *m, const gg_dataset *ds, const gg_loss_cfg *loss,
                      size_t chunk, double *out, gg_err *err);

#endif
