/* lua/ltrain.c — gg.train_epoch and gg.evaluate: one C call per epoch, so the per-step
 * loop never returns to Lua (gg.train in lua/gglab/train.lua is built on these). */
#include "lgglab.h"

/* The options gg.train_epoch takes (lgglab.h); gg.train_epoch_ensemble's calls take the same. */
const char *const lg_train_epoch_options[] = {"loss", "batch_size", "shuffle", "drop_last", "reduction",
                                              "seed", "rng", "order", "l1", "l2", "clip_norm",
                                              "clip_norm_type", "clip_value", "scheduler",
                                              "grad_norms", "lrs", "diagnostics", "check_targets",
                                              NULL};

/* lg_read_order (lgglab.h): gg.train_epoch's option order, also read by lensemble.c. */
size_t lg_read_order(lua_State *L, int opts, size_t n, size_t **idx, size_t **counts, const char *f)
{
    lua_getfield(L, opts, "order");                          /* stack: ... order */
    int ord = lua_gettop(L);
    if (!lua_istable(L, ord) || luaL_len(L, ord) < 1)
        luaL_error(L, "%s: order must be a non-empty list of batches (lists of row numbers), got %s",
                   f, lg_describe(L, ord));
    size_t nb = (size_t)luaL_len(L, ord), total = 0;
    for (size_t s = 1; s <= nb; s++) {
        if (lua_geti(L, ord, (lua_Integer)s) != LUA_TTABLE || luaL_len(L, -1) < 1)
            luaL_error(L, "%s: order[%d] must be a non-empty list of row numbers", f, (int)s);
        total += (size_t)luaL_len(L, -1);
        lua_pop(L, 1);
    }
    *counts = lua_newuserdatauv(L, nb * sizeof **counts, 0); /* stack: ... order counts */
    *idx = lua_newuserdatauv(L, total * sizeof **idx, 0);    /* stack: ... order counts idx */
    size_t k = 0;
    for (size_t s = 1; s <= nb; s++) {
        lua_geti(L, ord, (lua_Integer)s);                    /* stack: ... batch */
        size_t len = (size_t)luaL_len(L, -1);
        (*counts)[s - 1] = len;
        for (size_t j = 1; j <= len; j++) {
            lua_geti(L, -1, (lua_Integer)j);
            int isint = 0;
            lua_Integer row = lua_tointegerx(L, -1, &isint);
            if (!isint || row < 1 || (size_t)row > n)
                luaL_error(L, "%s: order[%d][%d] must be a row number in 1..%d, got %s", f, (int)s,
                           (int)j, (int)n, lg_describe(L, -1));
            (*idx)[k++] = (size_t)row - 1;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    return nb;
}

/* lg_push_numbers (lgglab.h): per-step lists of gg.train_epoch and gg.train_epoch_ensemble. */
void lg_push_numbers(lua_State *L, const float *f, const double *d, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t s = 0; s < n; s++) {
        // cppcheck-suppress nullPointer ; every caller passes exactly one of f and d
        lua_pushnumber(L, f ? (lua_Number)f[s] : (lua_Number)d[s]);
        lua_rawseti(L, -2, (lua_Integer)s + 1);
    }
}

/* gg.train_epoch(model, opt, data, {loss=, batch_size=32, shuffle=true, drop_last=false,
 *                reduction="mean", seed=|rng=, order=, l1=0, l2=0, clip_norm=0,
 *                clip_norm_type=2, clip_value=0, scheduler=, grad_norms=false, lrs=false,
 *                diagnostics=, check_targets=true})
 *   → step_losses, diverged, mean_loss [, info]
 * check_targets = false skips checking every target of data against the loss (O(rows));
 * gg.train's step-by-step epochs check at each epoch's first step only. 
 * info = {grad_norm = {...}, lr = {...}} when grad_norms / lrs ask for them; with
 * diagnostics (a gglab.Diag of model) also info.diagnostics (its records) and info.acc
 * (the running training accuracy, classification losses only). With order (a
 * list of batches of 1-based rows) those batches run in that order instead of
 * batch_size/shuffle/drop_last: how a run replays a given data order exactly. A scheduler
 * is stepped after every optimizer step, in the core loop (a lambda_lr's function is called
 * back from there). */
static int train_epoch(lua_State *L)
{
    const char *const *allowed = lg_train_epoch_options;
    static const char *const reds[] = {"mean", "sum", NULL};
    const char *f = "gg.train_epoch";
    lg_model *lm = lg_model_check(L, 1);
    gg_optim *o = lg_optim_check(L, 2);
    gg_dataset *ds = lg_dataset_check(L, 3);
    lg_opts_table(L, 4, f, allowed);
    gg_train_cfg c = {0};
    lua_getfield(L, 4, "loss");                              /* stack: m o ds opts loss */
    lg_loss_spec(L, -1, f, "mse", lm->m, &c.loss);  /* ... loss weight */
    lua_remove(L, -2);                                       /* stack: m o ds opts weight */
    c.batch_size = (size_t)lg_opt_int(L, 4, f, "batch_size", 32, 1, (lua_Integer)GG_TENSOR_MAX_NUMEL);
    c.shuffle = lg_opt_bool(L, 4, f, "shuffle", 1);
    c.drop_last = lg_opt_bool(L, 4, f, "drop_last", 0);
    if (lua_getfield(L, 4, "reduction") != LUA_TNIL)         // the older spelling
        c.loss.reduction = (gg_reduction)lg_opt_enum(L, 4, f, "reduction", "mean", reds);
    lua_pop(L, 1);
    c.l1 = lg_opt_nonneg(L, 4, f, "l1", 0.0);
    c.l2 = lg_opt_nonneg(L, 4, f, "l2", 0.0);
    c.clip_norm = lg_opt_nonneg(L, 4, f, "clip_norm", 0.0);
    c.clip_value = lg_opt_nonneg(L, 4, f, "clip_value", 0.0);
    c.clip_norm_type = 2.0;
    if (lua_getfield(L, 4, "clip_norm_type") != LUA_TNIL) {  // may be math.huge
        if (!lua_isnumber(L, -1) || !(lua_tonumber(L, -1) > 0.0))
            return luaL_error(L, "%s: clip_norm_type must be a positive number or math.huge, got %s",
                              f, lg_describe(L, -1));
        c.clip_norm_type = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    int want_norms = lg_opt_bool(L, 4, f, "grad_norms", 0);
    int want_lrs = lg_opt_bool(L, 4, f, "lrs", 0);
    c.skip_target_check = !lg_opt_bool(L, 4, f, "check_targets", 1);
    gg_diag *dg = NULL;
    if (lua_getfield(L, 4, "diagnostics") != LUA_TNIL) {     /* stack: ... diag */
        if (!luaL_testudata(L, -1, GG_DIAG_MT))
            return luaL_error(L, "%s: diagnostics must be a gglab.Diag (gg.diag.new), got %s", f,
                              lg_describe(L, -1));
        dg = lg_diag_check(L, -1);
        lua_getiuservalue(L, -1, 1);                         /* ... diag dmodel */
        if (lua_touserdata(L, -1) != (void *)lm)
            return luaL_error(L, "%s: the diagnostics were made for another model", f);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lg_sched_call call = {L, 0};
    if (lua_getfield(L, 4, "scheduler") != LUA_TNIL) {       /* stack: ... sched */
        if (!luaL_testudata(L, -1, GG_SCHED_MT))
            return luaL_error(L, "%s: scheduler must be a gglab.Sched (gg.sched.*), got %s", f,
                              lg_describe(L, -1));
        lua_getfield(L, -1, "optimizer");                    /* ... sched method */
        lua_pushvalue(L, -2);
        lua_call(L, 1, 1);                                   /* ... sched its_optimizer */
        if (lua_touserdata(L, -1) != lua_touserdata(L, 2))
            return luaL_error(L, "%s: the scheduler was built for another optimizer", f);
        lua_pop(L, 1);
        c.sched = lg_sched_bind(L, -1, &call);               /* ... sched [its functions] */
    }
    lua_getiuservalue(L, 2, 1);                              /* stack: ... omodel */
    if (lua_touserdata(L, -1) != (void *)lm)
        return luaL_error(L, "%s: the optimizer was built for another model", f);
    lua_pop(L, 1);
    gg_err err;
    if (gg_train_check(&c, lm->m, o, ds, &err))
        return lg_fail(L, f, &err);

    // The epoch's batches: given by order, or planned exactly as gg_train_epoch would.
    size_t *idx, *counts, nb;
    if (lua_getfield(L, 4, "order") != LUA_TNIL) {
        lua_pop(L, 1);
        nb = lg_read_order(L, 4, gg_dataset_n(ds), &idx, &counts, f);  /* ... counts idx */
    } else {
        lua_pop(L, 1);
        size_t n = gg_dataset_n(ds), steps = gg_train_steps_per_epoch(&c, n);
        gg_rng *r = c.shuffle ? lg_rng_for(L, 4, f) : NULL;  /* ... [rng] */
        counts = lua_newuserdatauv(L, (steps ? steps : 1) * sizeof *counts, 0);
        idx = lua_newuserdatauv(L, n * sizeof *idx, 0);
        nb = gg_train_plan(&c, n, r, idx, counts);
    }
    if (dg && gg_diag_begin(dg, lm->m, ds, &c, nb, &err))
        return lg_fail(L, f, &err);
    gg_train_hooks hooks = dg ? gg_diag_hooks(dg) : (gg_train_hooks){0};
    gg_step_log log = {.hooks = dg ? &hooks : NULL};
    log.loss = lua_newuserdatauv(L, (nb ? nb : 1) * sizeof(float), 0);
    log.grad_norm = want_norms ? lua_newuserdatauv(L, (nb ? nb : 1) * sizeof(float), 0) : NULL;
    log.lr = want_lrs ? lua_newuserdatauv(L, (nb ? nb : 1) * sizeof(double), 0) : NULL;
    gg_epoch_result res = {0};
    if (gg_train_batches(lm->m, o, ds, &c, idx, counts, nb, &log, &res, &err))
        return lg_sched_fail(L, &call, f, &err);
    lm->gen++;  // earlier forward outputs no longer match the model's saved activations
    lg_push_numbers(L, log.loss, NULL, res.steps);
    lua_pushboolean(L, res.diverged);
    lua_pushnumber(L, res.mean_loss);
    if (!want_norms && !want_lrs && !dg)
        return 3;
    lua_createtable(L, 0, 4);
    if (want_norms) {  // a diverged step stops before clipping: it has no norm
        lg_push_numbers(L, log.grad_norm, NULL, res.diverged ? res.steps - 1 : res.steps);
        lua_setfield(L, -2, "grad_norm");
    }
    if (want_lrs) {
        lg_push_numbers(L, NULL, log.lr, res.steps);
        lua_setfield(L, -2, "lr");
    }
    if (dg) {
        double acc;
        lg_diag_push_records(L, dg);
        lua_setfield(L, -2, "diagnostics");
        if (gg_diag_train_accuracy(dg, &acc)) {
            lua_pushnumber(L, acc);
            lua_setfield(L, -2, "acc");
        }
    }
    return 4;
}

lg_model *lg_eval_args(lua_State *L, const char *f, const char *def, gg_dataset **ds, gg_loss_cfg *loss)
{
    static const char *const allowed[] = {"loss", NULL};
    lg_model *lm = lg_model_check(L, 1);
    *ds = lg_dataset_check(L, 2);
    lg_opts_check(L, 3, f, allowed);
    gg_train_cfg c = {.batch_size = 1};
    if (lua_istable(L, 3))
        lua_getfield(L, 3, "loss");                          /* stack: m ds opts loss */
    else
        lua_pushnil(L);
    lg_loss_spec(L, -1, f, def, lm->m, &c.loss);
    gg_err err;
    int training = gg_model_training(lm->m);
    gg_model_set_training(lm->m, 0);
    gg_status st = gg_train_check(&c, lm->m, NULL, *ds, &err);
    gg_model_set_training(lm->m, training);
    if (st)
        lg_fail(L, f, &err);
    *loss = c.loss;
    return lm;
}

/* gg.evaluate(model, data, {loss=}) → mean loss over all rows, no gradients */
static int train_evaluate(lua_State *L)
{
    const char *f = "gg.evaluate";
    gg_dataset *ds;
    gg_loss_cfg loss;
    lg_model *lm = lg_eval_args(L, f, "mse", &ds, &loss);
    gg_err err;
    double v;
    if (gg_evaluate(lm->m, ds, &loss, 256, &v, &err))
        return lg_fail(L, f, &err);
    lm->gen++;
    lua_pushnumber(L, v);
    return 1;
}

/* gg.train_plan(data, {batch_size=32, shuffle=true, drop_last=false, seed=|rng=, order=})
 *   → list of batches (lists of 1-based rows): the batches gg.train_epoch would run with
 *   these options, drawing the same numbers from the generator (gg.train's on_step_end
 *   runs them one by one as `order`); with order, that order checked as gg.train_epoch
 *   checks it, and copied. */
static int train_plan(lua_State *L)
{
    static const char *const allowed[] = {"batch_size", "shuffle", "drop_last", "seed", "rng", "order", NULL};
    const char *f = "gg.train_plan";
    gg_dataset *ds = lg_dataset_check(L, 1);
    lg_opts_table(L, 2, f, allowed);
    gg_train_cfg c = {0};
    c.batch_size = (size_t)lg_opt_int(L, 2, f, "batch_size", 32, 1, (lua_Integer)GG_TENSOR_MAX_NUMEL);
    c.shuffle = lg_opt_bool(L, 2, f, "shuffle", 1);
    c.drop_last = lg_opt_bool(L, 2, f, "drop_last", 0);
    const size_t n = gg_dataset_n(ds), steps = gg_train_steps_per_epoch(&c, n);
    size_t *counts, *idx, nb;
    if (lua_getfield(L, 2, "order") != LUA_TNIL) {
        lua_pop(L, 1);
        nb = lg_read_order(L, 2, n, &idx, &counts, f);          /* stack: data opts order counts idx */
    } else {
        lua_pop(L, 1);
        if (c.drop_last && c.batch_size > n)
            return luaL_error(L, "%s: batch_size %d with drop_last leaves no batch of %d rows", f,
                              (int)c.batch_size, (int)n);
        gg_rng *r = c.shuffle ? lg_rng_for(L, 2, f) : NULL; /* stack: data opts [rng] */
        counts = lua_newuserdatauv(L, (steps ? steps : 1) * sizeof *counts, 0);
        idx = lua_newuserdatauv(L, (n ? n : 1) * sizeof *idx, 0);
        nb = gg_train_plan(&c, n, r, idx, counts);
    }
    lua_createtable(L, (int)nb, 0);                          /* ... counts idx plan */
    for (size_t s = 0, k = 0; s < nb; s++) {
        lua_createtable(L, (int)counts[s], 0);
        for (size_t j = 0; j < counts[s]; j++, k++) {
            lua_pushinteger(L, (lua_Integer)idx[k] + 1);
            lua_rawseti(L, -2, (lua_Integer)j + 1);
        }
        lua_rawseti(L, -2, (lua_Integer)s + 1);
    }
    return 1;
}

/* gg.confusion(model, data [, {loss = "cross_entropy"}]) → counts: counts[t][p] = rows of
 * true class t - 1 predicted as class p - 1, in evaluation mode (bce with one output:
 * classes 0 and 1); the loss names how outputs are read, as for gg.accuracy. */
static int train_confusion(lua_State *L)
{
    const char *f = "gg.confusion";
    gg_dataset *ds;
    gg_loss_cfg loss;
    lg_model *lm = lg_eval_args(L, f, "cross_entropy", &ds, &loss);
    gg_loss_cfg lc = gg_loss_for_model(&loss, lm->m);
    size_t classes = gg_confusion_classes(&lc, gg_model_out(lm->m));
    if (classes > GG_CONFUSION_MAX_CLASSES)
        classes = 0;  // gg_eval_confusion reports it
    double *conf = lua_newuserdatauv(L, (classes ? classes * classes : 1) * sizeof *conf, 0);
    gg_err err;
    if (gg_eval_confusion(lm->m, ds, &loss, 256, conf, &classes, &err))
        return lg_fail(L, f, &err);
    lm->gen++;
    lua_createtable(L, (int)classes, 0);
    for (size_t t = 0; t < classes; t++) {
        lua_createtable(L, (int)classes, 0);
        for (size_t p = 0; p < classes; p++) {
            lua_pushinteger(L, (lua_Integer)conf[t * classes + p]);
            lua_rawseti(L, -2, (lua_Integer)p + 1);
        }
        lua_rawseti(L, -2, (lua_Integer)t + 1);
    }
    return 1;
}

static const luaL_Reg train_funcs[] = {
    {"train_epoch", train_epoch}, {"evaluate", train_evaluate}, {"train_plan", train_plan},
    {"confusion", train_confusion}, {NULL, NULL},
};

void lg_open_train(lua_State *L)
{
    luaL_setfuncs(L, train_funcs, 0);
}
