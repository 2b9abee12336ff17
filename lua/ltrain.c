/* lua/ltrain.c — gg.train_epoch and gg.evaluate: one C call per epoch, so the per-step
 * loop never returns to Lua (gg.train in lua/gglab/train.lua is built on these). */
#include "lgglab.h"

#include "../core/mem.h"

static const char *const loss_names[] = {"mse", "cross_entropy", "bce_with_logits", NULL};

/* gg.train_epoch(model, opt, data, {loss=, batch_size=32, shuffle=true, drop_last=false,
 *                reduction="mean", seed=|rng=}) → step_losses, diverged, mean_loss */
static int train_epoch(lua_State *L)
{
    static const char *const allowed[] = {"loss", "batch_size", "shuffle", "drop_last",
                                          "reduction", "seed", "rng", NULL};
    static const char *const reds[] = {"mean", "sum", NULL};
    const char *f = "gg.train_epoch";
    lg_model *lm = lg_model_check(L, 1);
    gg_optim *o = lg_optim_check(L, 2);
    gg_dataset *ds = lg_dataset_check(L, 3);
    luaL_checktype(L, 4, LUA_TTABLE);
    lg_opts_check(L, 4, f, allowed);
    gg_train_cfg c = {0};
    c.loss = (gg_loss_kind)lg_opt_enum(L, 4, f, "loss", "mse", loss_names);
    c.batch_size = (size_t)lg_opt_int(L, 4, f, "batch_size", 32, 1, (lua_Integer)GG_TENSOR_MAX_NUMEL);
    c.shuffle = lg_opt_bool(L, 4, f, "shuffle", 1);
    c.drop_last = lg_opt_bool(L, 4, f, "drop_last", 0);
    c.reduction = (gg_reduction)lg_opt_enum(L, 4, f, "reduction", "mean", reds);
    lua_getiuservalue(L, 2, 1);                              /* stack: m o ds opts omodel */
    if (lua_touserdata(L, -1) != (void *)lm)
        return luaL_error(L, "%s: the optimizer was built for another model", f);
    lua_pop(L, 1);
    gg_err err;
    if (gg_train_check(&c, lm->m, o, ds, &err))
        return lg_fail(L, f, &err);
    gg_rng *r = lg_rng_for(L, 4, f);                         /* stack: ... rng */
    size_t steps = gg_train_steps_per_epoch(&c, gg_dataset_n(ds));
    float *losses = lua_newuserdatauv(L, (steps ? steps : 1) * sizeof(float), 0);  /* ... rng buf */
    gg_epoch_result res;
    if (gg_train_epoch(lm->m, o, ds, &c, r, losses, &res, &err))
        return lg_fail(L, f, &err);
    lm->gen++;  // earlier forward outputs no longer match the model's saved activations
    lua_createtable(L, (int)res.steps, 0);                   /* ... rng buf list */
    for (size_t s = 0; s < res.steps; s++) {
        lua_pushnumber(L, (lua_Number)losses[s]);
        lua_rawseti(L, -2, (lua_Integer)s + 1);
    }
    lua_pushboolean(L, res.diverged);
    lua_pushnumber(L, res.mean_loss);
    return 3;
}

/* gg.evaluate(model, data, {loss=}) → mean loss over all rows, no gradients */
static int train_evaluate(lua_State *L)
{
    static const char *const allowed[] = {"loss", NULL};
    const char *f = "gg.evaluate";
    lg_model *lm = lg_model_check(L, 1);
    gg_dataset *ds = lg_dataset_check(L, 2);
    lg_opts_check(L, 3, f, allowed);
    gg_train_cfg c = {.batch_size = 1};
    c.loss = (gg_loss_kind)lg_opt_enum(L, 3, f, "loss", "mse", loss_names);
    gg_err err;
    double v;
    if (gg_train_check(&c, lm->m, NULL, ds, &err) || gg_evaluate(lm->m, ds, c.loss, 256, &v, &err))
        return lg_fail(L, f, &err);
    lm->gen++;
    lua_pushnumber(L, v);
    return 1;
}

static const luaL_Reg train_funcs[] = {
    {"train_epoch", train_epoch}, {"evaluate", train_evaluate}, {NULL, NULL},
};

void lg_open_train(lua_State *L)
{
    luaL_setfuncs(L, train_funcs, 0);
}
