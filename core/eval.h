/* core/eval.h — one evaluation pass over a dataset: the loss a full-batch forward would
 * give and the accuracy, in evaluation mode, in chunks of rows (no gradients). gg_evaluate
 * (train.h) and gg_diag_accuracy (diag.h) are this pass asking for one of the two. */
#ifndef GG_EVAL_H
#define GG_EVAL_H

#include <stddef.h>

#include "data.h"
#include "loss.h"
#include "model.h"
#include "status.h"

typedef struct gg_eval_result {
    double loss;      /* the mean (or sum) over all rows, as one full batch; NaN if not asked */
    double accuracy;  /* share of correct predictions (gg_accuracy_count); NaN if not asked
                       * or for a non-classification loss */
} gg_eval_result;

/* Evaluate m on ds in evaluation mode (the mode restored after), chunk rows at a time
 * (0 = 256): the loss when want_loss, the accuracy when want_accuracy. Rows are visited in
 * order, so results do not depend on chunk. GG_EINVAL when the accuracy is asked of a
 * non-classification loss, GG_ENOMEM. */
gg_status gg_eval(gg_model *m, const gg_dataset *ds, const gg_loss_cfg *loss, size_t chunk,
                  int want_loss, int want_accuracy, gg_eval_result *out, gg_err *err);

/* The most classes gg_eval_confusion counts (conf needs classes * classes doubles). */
#define GG_CONFUSION_MAX_CLASSES 1024

/* Confusion counts of m on ds in evaluation mode: conf[t * classes + p] = rows of true class
 * t predicted p (read as gg_accuracy_count does; bce with one output: classes 0 and 1).
 * *classes gets their number, gg_confusion_classes(gg_loss_for_model(loss, m), outputs): conf
 * must hold its square of doubles. GG_EINVAL for a non-classification loss, a multi-output
 * bce or more than GG_CONFUSION_MAX_CLASSES classes. */
gg_status gg_eval_confusion(gg_model *m, const gg_dataset *ds, const gg_loss_cfg *loss,
                            size_t chunk, double *conf, size_t *classes, gg_err *err);

/* The number of classes gg_eval_confusion counts for a loss over k model outputs (0: none). */
size_t gg_confusion_classes(const gg_loss_cfg *loss, size_t k);

/* 1 for the losses whose predictions are classes (cross_entropy, nll, bce, bce_with_logits,
 * keras_categorical_crossentropy), else 0. */
int gg_loss_is_classification(gg_loss_kind kind);

/* Adds to *correct and *total the batch's correct predictions: cross_entropy/nll/keras cce:
 * argmax of the row (first on ties) equals the class (rows with ignore_index skipped; with
 * loss->classes set every position is a row); bce: (p > 0.5) == (y > 0.5) per element;
 * bce_with_logits: (x > 0) == (y > 0.5). pred (B, k). */
void gg_accuracy_count(const gg_loss_cfg *loss, const float *pred, const float *y, size_t B,
                       size_t k, double *correct, double *total);

/* The loss m's output asks for: *c with classes taken from a (B, ..., V) output
 * (gg_loss_classes) when c leaves it 0 — how training and evaluation apply a class-index
 * loss to every position of a sequence model. */
gg_loss_cfg gg_loss_for_model(const gg_loss_cfg *c, const gg_model *m);

#endif
