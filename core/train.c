/* core/train.c — epoch loop and evaluation (see train.h). */
#include "train.h"

#include <math.h>
#include <stdio.h>

#include "clip.h"
#include "eval.h"
#include "mem.h"

/* The smallest number of values per channel a batch row gives any batch-statistics
 * BatchNorm of m (0: none); training needs more than one per channel per batch. */
static size_t bn_values_per_row(const gg_model *m)
{
    const gg_graph *g = gg_model_graph(m);
    size_t best = 0;
    for (size_t i = 0; i < gg_model_layers(m); i++) {
        const int node = gg_model_layer_node(m, i);
        if (gg_graph_cfg(g, node)->kind != GG_LAYER_BATCHNORM)
            continue;
        gg_shape s = gg_graph_shape(g, node);
        size_t per = 1;
        for (int d = 2; d < s.ndim; d++)
            per *= s.dim[d];
        best = !best || per < best ? per : best;
    }
    return best;
}

size_t gg_train_steps_per_epoch(const gg_train_cfg *cfg, size_t n)
{
    return cfg->drop_last ? n / cfg->batch_size : (n + cfg->batch_size - 1) / cfg->batch_size;
}

gg_status gg_train_check(const gg_train_cfg *cfg_in, const gg_model *m, const gg_optim *o,
                         const gg_dataset *ds, gg_err *err)
{
    gg_train_cfg c = *cfg_in;  // a class-index loss over positions: classes from the output
    c.loss = gg_loss_for_model(&cfg_in->loss, m);
    const gg_train_cfg *cfg = &c;
    size_t n = gg_dataset_n(ds), d = gg_dataset_d(ds), k = gg_dataset_k(ds);
    if (cfg->batch_size == 0)
        return gg_err_set(err, GG_EINVAL, "batch_size must be >= 1, got 0");
    if (cfg->drop_last && cfg->batch_size > n)
        return gg_err_set(err, GG_EINVAL, "batch_size %zu with drop_last leaves no batch of %zu rows",
                          cfg->batch_size, n);
    if (!(cfg->l1 >= 0.0) || !(cfg->l2 >= 0.0) || isinf(cfg->l1) || isinf(cfg->l2))
        return gg_err_set(err, GG_EINVAL, "l1 and l2 must be non-negative numbers, got %g and %g",
                          cfg->l1, cfg->l2);
    if (cfg->clip_norm != 0.0) {
        gg_status cs = gg_clip_check(cfg->clip_norm,
                                     cfg->clip_norm_type > 0.0 ? cfg->clip_norm_type : 2.0, err);
        if (cs)
            return cs;
    }
    if (!(cfg->clip_value >= 0.0) || isinf(cfg->clip_value))
        return gg_err_set(err, GG_EINVAL, "clip_value must be a non-negative number, got %g",
                          cfg->clip_value);
    if (gg_model_training(m) && bn_values_per_row(m) == 1) {
        size_t bs = cfg->batch_size < n ? cfg->batch_size : n;
        if (bs == 1 || (!cfg->drop_last && n % bs == 1))
            return gg_err_set(err, GG_EINVAL,
                              "a batch of 1 row with BatchNorm in training mode (batch_size %zu over %zu rows); "
                              "change batch_size or set drop_last", cfg->batch_size, n);
    }
    if (d != gg_model_in(m))
        return gg_err_set(err, GG_ESHAPE, "data has %zu features but the model takes %zu inputs",
                          d, gg_model_in(m));
    // Same count, other shape (NHWC images into an NCHW model): refuse. A model taking flat
    // rows (an MLP) takes any sample shape, and flat rows go into any model.
    size_t dims[GG_DATASET_MAX_DIMS];
    const int nd = gg_dataset_shape(ds, dims);
    const gg_shape ms = gg_model_input_shape(m);
    int same = nd == ms.ndim;
    for (int i = 0; same && i < nd; i++)
        same = dims[i] == ms.dim[i];
    if (nd > 1 && ms.ndim > 1 && !same) {
        char a[64], b[64];
        size_t at = 0, bt = 0;
        for (int i = 0; i < nd && at < sizeof a; i++)
            at += (size_t)snprintf(a + at, sizeof a - at, i ? "x%zu" : "%zu", dims[i]);
        for (int i = 0; i < ms.ndim && bt < sizeof b; i++)
            bt += (size_t)snprintf(b + bt, sizeof b - bt, i ? "x%zu" : "%zu", ms.dim[i]);
        return gg_err_set(err, GG_ESHAPE, "data samples have shape %s but the model takes %s",
                          a, ms.ndim ? b : "scalars");
    }
    if (o && gg_optim_size(o) != gg_model_nparams(m))
        return gg_err_set(err, GG_EINVAL, "optimizer was built for %zu parameters, model has %zu",
                          gg_optim_size(o), gg_model_nparams(m));
    size_t want = gg_loss_target_cols(&cfg->loss, gg_model_out(m));
    if (k != want)
        return gg_err_set(err, GG_ESHAPE, "loss %s needs %zu target column(s) for %zu model outputs, data has %zu",
                          gg_loss_name(cfg->loss.kind), want, gg_model_out(m), k);
    gg_status st = gg_loss_check(&cfg->loss, gg_model_out(m), err);
    if (st || cfg->skip_target_check)
        return st;
    gg_tensor Y = gg_dataset_y((gg_dataset *)ds);
    return gg_loss_check_targets(&cfg->loss, Y.data, n, gg_model_out(m), err);
}

/* Clipping (logging the pre-clip norm of step s) and the optimizer step. */
static void clip_and_step(gg_model *m, gg_optim *o, const gg_train_cfg *cfg, double norm_type,
                          const gg_step_log *log, size_t s)
{
    if (cfg->clip_norm > 0.0) {
        float norm = gg_clip_grad_norm(m, cfg->clip_norm, norm_type);
        if (log && log->grad_norm)
            log->grad_norm[s] = norm;
    } else if (log && log->grad_norm) {
        log->grad_norm[s] = gg_grad_norm(m, 2.0);
    }
    if (cfg->clip_value > 0.0)
        gg_clip_grad_value(m, (float)cfg->clip_value);
    gg_optim_step(o, gg_model_params(m), gg_model_grads(m));
}

/* The steps of one pass over given batches (see gg_train_batches); y is scratch for the
 * largest batch's targets, the model already reserved for it. */
static gg_status run_batches(gg_model *m, gg_optim *o, const gg_dataset *ds,
                             const gg_train_cfg *cfg, const size_t *idx, const size_t *counts,
                             size_t nsteps, float *y, const gg_step_log *log,
                             gg_epoch_result *res, gg_err *err)
{
    const size_t out = gg_model_out(m);
    const double norm_type = cfg->clip_norm_type > 0.0 ? cfg->clip_norm_type : 2.0;
    const gg_train_hooks *hk = log ? log->hooks : NULL;
    double weighted = 0.0;
    size_t seen = 0;
    for (size_t s = 0; s < nsteps; s++) {
        size_t B = counts[s];
        gg_dataset_gather(ds, idx, B, gg_model_input(m, B), y);
        gg_model_zero_grad(m);
        const float *pred = gg_model_run(m, B);
        gg_status rs = gg_model_run_check(m, idx, err);  // a bad embedding index
        if (rs) {
            res->mean_loss = seen ? weighted / (double)seen : (double)NAN;
            return rs;
        }
        idx += B;
        float *dout = gg_model_dout(m);
        float l = gg_loss_forward(&cfg->loss, dout, pred, y, B, out);
        if (isfinite(l)) {
            gg_model_backward(m, dout);
            if (cfg->l1 != 0.0 || cfg->l2 != 0.0)
                l += gg_penalty(m, cfg->l1, cfg->l2, 1);
        }
        if (log && log->loss)
            log->loss[s] = l;
        if (log && log->lr)
            log->lr[s] = gg_optim_lr(o);
        res->steps = s + 1;
        weighted += (double)l * (double)B;
        seen += B;
        if (!isfinite(l)) {
            res->diverged = 1;
            break;
        }
        if (hk) {  // the one test an observer costs when there is none
            hk->after_backward(hk->ctx, m, cfg, y, B);
            clip_and_step(m, o, cfg, norm_type, log, s);
            hk->after_step(hk->ctx, m, o, ds, cfg);
        } else {
            clip_and_step(m, o, cfg, norm_type, log, s);
        }
        if (cfg->sched) {
            gg_status st = gg_sched_step(cfg->sched, o, (double)NAN, err);
            if (st) {
                res->mean_loss = weighted / (double)seen;
                return st;
            }
        }
    }
    res->mean_loss = seen ? weighted / (double)seen : (double)NAN;
    return GG_OK;
}

size_t gg_train_plan(const gg_train_cfg *cfg, size_t n, gg_rng *rng, size_t *idx, size_t *counts)
{
    const size_t bs = cfg->batch_size < n ? cfg->batch_size : n;
    const size_t steps = gg_train_steps_per_epoch(cfg, n);
    if (cfg->shuffle)
        gg_rng_permutation(rng, idx, n);
    else
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
    for (size_t s = 0; s < steps; s++)
        counts[s] = n - s * bs < bs ? n - s * bs : bs;
    return steps;
}

gg_status gg_train_batches(gg_model *m, gg_optim *o, const gg_dataset *ds,
                           const gg_train_cfg *cfg, const size_t *idx, const size_t *counts,
                           size_t nsteps, const gg_step_log *log, gg_epoch_result *res,
                           gg_err *err)
{
    *res = (gg_epoch_result){0};
    size_t maxb = 1;
    for (size_t s = 0; s < nsteps; s++)
        maxb = counts[s] > maxb ? counts[s] : maxb;
    gg_status st = gg_model_reserve(m, maxb, err);
    if (!st)
        st = gg_loss_reserve(&cfg->loss, maxb, err);
    if (st)
        return st;
    float *y = gg_malloc(maxb, gg_dataset_k(ds) * sizeof *y);
    if (!y)
        return gg_err_set(err, GG_ENOMEM, "out of memory for a batch of %zu rows", maxb);
    gg_train_cfg c = *cfg;
    c.loss = gg_loss_for_model(&cfg->loss, m);
    st = run_batches(m, o, ds, &c, idx, counts, nsteps, y, log, res, err);
    gg_free(y);
    return st;
}

gg_status gg_train_epoch(gg_model *m, gg_optim *o, const gg_dataset *ds,
                         const gg_train_cfg *cfg, gg_rng *rng, const gg_step_log *log,
                         gg_epoch_result *res, gg_err *err)
{
    *res = (gg_epoch_result){0};
    const size_t n = gg_dataset_n(ds), bs = cfg->batch_size < n ? cfg->batch_size : n;
    const size_t steps = gg_train_steps_per_epoch(cfg, n);
    gg_status st = gg_model_reserve(m, bs, err);
    if (!st)
        st = gg_loss_reserve(&cfg->loss, bs, err);
    if (st)
        return st;
    size_t *idx = gg_malloc(n, sizeof *idx);
    size_t *counts = gg_malloc(steps ? steps : 1, sizeof *counts);
    float *y = gg_malloc(bs, gg_dataset_k(ds) * sizeof *y);
    if (!idx || !counts || !y) {
        gg_free(idx);
        gg_free(counts);
        gg_free(y);
        return gg_err_set(err, GG_ENOMEM, "out of memory for an epoch over %zu rows", n);
    }
    gg_train_plan(cfg, n, rng, idx, counts);
    gg_train_cfg c = *cfg;
    c.loss = gg_loss_for_model(&cfg->loss, m);
    st = run_batches(m, o, ds, &c, idx, counts, steps, y, log, res, err);
    gg_free(idx);
    gg_free(counts);
    gg_free(y);
    return st;
}

gg_status gg_evaluate(gg_model *m, const gg_dataset *ds, const gg_loss_cfg *loss,
                      size_t chunk, double *out, gg_err *err)
{
    gg_eval_result r;
    gg_status st = gg_eval(m, ds, loss, chunk, 1, 0, &r, err);
    *out = r.loss;
    return st;
}
