/* core/eval.c — the evaluation pass (see eval.h). */
#include "eval.h"

#include <math.h>

#include "mem.h"

int gg_loss_is_classification(gg_loss_kind kind)
{
    return kind == GG_LOSS_CROSS_ENTROPY || kind == GG_LOSS_NLL || kind == GG_LOSS_BCE ||
           kind == GG_LOSS_BCE_LOGITS || kind == GG_LOSS_KERAS_CCE;
}

void gg_accuracy_count(const gg_loss_cfg *loss, const float *pred, const float *y, size_t B,
                       size_t k, double *correct, double *total)
{
    if (loss->kind == GG_LOSS_CROSS_ENTROPY || loss->kind == GG_LOSS_NLL ||
        loss->kind == GG_LOSS_KERAS_CCE) {
        if (loss->classes && !loss->custom && k % loss->classes == 0) {  // one row a position
            B *= k / loss->classes;
            k = loss->classes;
        }
        for (size_t b = 0; b < B; b++) {
            if ((long)y[b] == loss->ignore_index)
                continue;
            const float *row = pred + b * k;
            size_t best = 0;
            for (size_t c = 1; c < k; c++)
                best = row[c] > row[best] ? c : best;
            *correct += (double)((size_t)y[b] == best);
            *total += 1.0;
        }
        return;
    }
    const float cut = loss->kind == GG_LOSS_BCE ? 0.5f : 0.0f;
    for (size_t i = 0; i < B * k; i++)
        *correct += (double)((pred[i] > cut) == (y[i] > 0.5f));
    *total += (double)(B * k);
}

gg_loss_cfg gg_loss_for_model(const gg_loss_cfg *c, const gg_model *m)
{
    gg_loss_cfg r = *c;
    if (!r.classes && !r.custom) {
        const gg_shape s = gg_model_output_shape(m);
        r.classes = gg_loss_classes(r.kind, s.dim, s.ndim);
    }
    return r;
}

size_t gg_confusion_classes(const gg_loss_cfg *loss, size_t k)
{
    if (loss->kind == GG_LOSS_CROSS_ENTROPY || loss->kind == GG_LOSS_NLL ||
        loss->kind == GG_LOSS_KERAS_CCE)
        return loss->classes && !loss->custom && k % loss->classes == 0 ? loss->classes : k;
    if (loss->kind == GG_LOSS_BCE || loss->kind == GG_LOSS_BCE_LOGITS)
        return k == 1 ? 2 : 0;
    return 0;
}

/* Adds the batch's rows to conf (classes x classes, true class by row): the same reading of
 * the outputs as gg_accuracy_count; a label outside 0..classes-1 is skipped. */
static void confusion_count(const gg_loss_cfg *loss, const float *pred, const float *y, size_t B,
                            size_t k, size_t classes, double *conf)
{
    if (loss->kind == GG_LOSS_BCE || loss->kind == GG_LOSS_BCE_LOGITS) {
        const float cut = loss->kind == GG_LOSS_BCE ? 0.5f : 0.0f;
        for (size_t b = 0; b < B; b++)
            conf[(size_t)(y[b] > 0.5f) * 2 + (size_t)(pred[b] > cut)] += 1.0;
        return;
    }
    if (classes == 0)
        return;
    if (k != classes) {  // one row a position
        B *= k / classes;
        k = classes;
    }
    for (size_t b = 0; b < B; b++) {
        if ((long)y[b] == loss->ignore_index || !(y[b] >= 0.0f) || (size_t)y[b] >= classes)
            continue;
        const float *row = pred + b * k;
        size_t best = 0;
        for (size_t c = 1; c < k; c++)
            best = row[c] > row[best] ? c : best;
        conf[(size_t)y[b] * classes + best] += 1.0;
    }
}

/* The evaluation pass behind gg_eval and gg_eval_confusion: conf (or NULL) gets the
 * confusion counts over classes classes. */
static gg_status eval_pass(gg_model *m, const gg_dataset *ds, const gg_loss_cfg *loss_in, size_t chunk,
                           int want_loss, int want_accuracy, double *conf, size_t classes,
                           gg_eval_result *out, gg_err *err)
{
    const gg_loss_cfg lc = gg_loss_for_model(loss_in, m), *loss = &lc;
    out->loss = out->accuracy = (double)NAN;
    if ((want_accuracy || conf) && !gg_loss_is_classification(loss->kind))
        return gg_err_set(err, GG_EINVAL, "%s a classification loss (cross_entropy, nll, bce, bce_with_logits), got %s",
                          conf ? "per-class counts need" : "accuracy needs", gg_loss_name(loss->kind));
    const size_t n = gg_dataset_n(ds), k = gg_dataset_k(ds), mo = gg_model_out(m);
    if (chunk == 0)
        chunk = 256;
    if (chunk > n)
        chunk = n;
    gg_status st = gg_model_reserve(m, chunk, err);
    if (!st && want_loss)
        st = gg_loss_reserve(loss, chunk, err);
    if (st)
        return st;
    size_t *idx = gg_malloc(chunk, sizeof *idx);
    float *y = gg_malloc(chunk, k * sizeof *y);
    if (!idx || !y) {
        gg_free(idx);
        gg_free(y);
        return gg_err_set(err, GG_ENOMEM, "out of memory evaluating %zu rows", n);
    }
    double total = 0.0, denom = 0.0, correct = 0.0, seen = 0.0;
    const int was_training = gg_model_training(m);
    gg_model_set_training(m, 0);  // evaluation: running BatchNorm stats, no dropout
    for (size_t start = 0; start < n; start += chunk) {
        size_t B = n - start < chunk ? n - start : chunk;
        for (size_t r = 0; r < B; r++)
            idx[r] = start + r;
        gg_dataset_gather(ds, idx, B, gg_model_input(m, B), y);
        const float *pred = gg_model_run(m, B);
        if ((st = gg_model_run_check(m, idx, err)))
            break;
        if (want_loss)
            gg_loss_accumulate(loss, pred, y, B, mo, &total, &denom);
        if (want_accuracy)
            gg_accuracy_count(loss, pred, y, B, mo, &correct, &seen);
        if (conf)
            confusion_count(loss, pred, y, B, mo, classes, conf);
    }
    gg_model_set_training(m, was_training);
    gg_free(idx);
    gg_free(y);
    if (st)
        return st;
    if (want_loss)
        out->loss = loss->reduction == GG_REDUCE_SUM ? (double)(float)total
                                                     : (double)(float)(total / denom);
    if (want_accuracy)
        out->accuracy = seen > 0.0 ? correct / seen : (double)NAN;
    return GG_OK;
}

gg_status gg_eval(gg_model *m, const gg_dataset *ds, const gg_loss_cfg *loss, size_t chunk,
                  int want_loss, int want_accuracy, gg_eval_result *out, gg_err *err)
{
    return eval_pass(m, ds, loss, chunk, want_loss, want_accuracy, NULL, 0, out, err);
}

gg_status gg_eval_confusion(gg_model *m, const gg_dataset *ds, const gg_loss_cfg *loss_in,
                            size_t chunk, double *conf, size_t *classes, gg_err *err)
{
    const gg_loss_cfg lc = gg_loss_for_model(loss_in, m);
    *classes = gg_confusion_classes(&lc, gg_model_out(m));
    if (gg_loss_is_classification(lc.kind) && *classes == 0)
        return gg_err_set(err, GG_EINVAL, "per-class counts of %s need one model output (2 classes), got %zu",
                          gg_loss_name(lc.kind), gg_model_out(m));
    if (*classes > GG_CONFUSION_MAX_CLASSES)
        return gg_err_set(err, GG_EINVAL, "per-class counts take at most %d classes, got %zu",
                          GG_CONFUSION_MAX_CLASSES, *classes);
    for (size_t i = 0; i < *classes * *classes; i++)
        conf[i] = 0.0;
    gg_eval_result r;
    return eval_pass(m, ds, &lc, chunk, 0, 0, conf, *classes, &r, err);
}
