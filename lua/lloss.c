/* lua/lloss.c — gglab.Loss: gg.loss.mse/cross_entropy/bce_with_logits(pred, target, opts).
 * A Loss holds its value and d loss / d pred; when pred came from model:forward,
 * loss:backward() sends that gradient into the model (like PyTorch's loss.backward()). */
#include "lgglab.h"

typedef struct lg_loss {
    double value;       /* float32 loss value */
    unsigned long gen;  /* forward pass of the model that produced pred (0: none) */
} lg_loss;
/* user values: 1 = model userdata or nil, 2 = gradient tensor (B, k) */

static int loss_compute(lua_State *L, gg_loss_kind kind, const char *fname)
{
    static const char *const allowed[] = {"reduction", NULL};
    static const char *const reds[] = {"mean", "sum", NULL};
    gg_tensor *pred = lg_tensor_check(L, 1);
    gg_tensor *target = lg_tensor_check(L, 2);
    lg_opts_check(L, 3, fname, allowed);
    gg_reduction red = (gg_reduction)lg_opt_enum(L, 3, fname, "reduction", "mean", reds);
    size_t tc = gg_loss_target_cols(kind, pred->cols);
    if (target->rows != pred->rows || target->cols != tc)
        return luaL_error(L, "%s: target must be %dx%d for a %dx%d prediction, got %dx%d", fname,
                          (int)pred->rows, (int)tc, (int)pred->rows, (int)pred->cols,
                          (int)target->rows, (int)target->cols);
    if (kind == GG_LOSS_CROSS_ENTROPY && pred->cols < 2)
        return luaL_error(L, "%s: prediction needs >= 2 columns (one logit per class), got %d",
                          fname, (int)pred->cols);
    gg_err err;
    if (gg_loss_check_targets(kind, target->data, target->rows, pred->cols, &err))
        return lg_fail(L, fname, &err);
    lg_loss *ls = lua_newuserdatauv(L, sizeof *ls, 2);       /* stack: pred target opts loss */
    *ls = (lg_loss){0};
    luaL_setmetatable(L, GG_LOSS_MT);
    gg_tensor *g = lg_tensor_push(L, pred->rows, pred->cols, fname);  /* ... loss grad */
    ls->value = (double)gg_loss_forward(kind, red, g->data, pred->data, target->data,
                                        pred->rows, pred->cols);
    lua_setiuservalue(L, -2, 2);                             /* stack: ... loss */
    if (lua_getiuservalue(L, 1, 1) == LUA_TTABLE) {          /* ... loss link */
        lua_getfield(L, -1, "gen");                          /* ... loss link gen */
        ls->gen = (unsigned long)lua_tointeger(L, -1);
        lua_pop(L, 1);
        lua_getfield(L, -1, "model");                        /* ... loss link model */
        lua_setiuservalue(L, -3, 1);                         /* ... loss link */
    }
    lua_pop(L, 1);                                           /* stack: ... loss */
    return 1;
}

static int loss_mse(lua_State *L) { return loss_compute(L, GG_LOSS_MSE, "gg.loss.mse"); }
static int loss_ce(lua_State *L) { return loss_compute(L, GG_LOSS_CROSS_ENTROPY, "gg.loss.cross_entropy"); }
static int loss_bce(lua_State *L) { return loss_compute(L, GG_LOSS_BCE_LOGITS, "gg.loss.bce_with_logits"); }

static lg_loss *check_loss(lua_State *L)
{
    return luaL_checkudata(L, 1, GG_LOSS_MT);
}

static int loss_item(lua_State *L)
{
    lua_pushnumber(L, check_loss(L)->value);
    return 1;
}

/* loss:grad() → d loss / d pred (the tensor itself, not a copy) */
static int loss_grad(lua_State *L)
{
    check_loss(L);
    lua_getiuservalue(L, 1, 2);
    return 1;
}

static int loss_backward(lua_State *L)
{
    lg_loss *ls = check_loss(L);
    if (lua_getiuservalue(L, 1, 1) != LUA_TUSERDATA)         /* stack: loss model */
        return luaL_error(L, "gglab.Loss:backward: the prediction did not come from model:forward");
    lg_model *lm = lg_model_check(L, -1);
    if (lm->gen != ls->gen)
        return luaL_error(L, "gglab.Loss:backward: the model has run forward again since this loss was computed");
    lua_getiuservalue(L, 1, 2);                              /* stack: loss model grad */
    gg_tensor *g = lg_tensor_check(L, -1);                   // the user may have closed it
    gg_model_backward(lm->m, g->data);
    return 0;
}

static int loss_tostring(lua_State *L)
{
    lua_pushfstring(L, "gglab.Loss(%f)", (lua_Number)check_loss(L)->value);
    return 1;
}

static const luaL_Reg loss_methods[] = {
    {"item", loss_item}, {"grad", loss_grad}, {"backward", loss_backward}, {NULL, NULL},
};

static const luaL_Reg loss_funcs[] = {
    {"mse", loss_mse}, {"cross_entropy", loss_ce}, {"bce_with_logits", loss_bce}, {NULL, NULL},
};

void lg_open_loss(lua_State *L)
{
    luaL_newmetatable(L, GG_LOSS_MT);     /* stack: gg mt */
    luaL_newlib(L, loss_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, loss_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    luaL_newlib(L, loss_funcs);           /* stack: gg loss */
    lua_setfield(L, -2, "loss");
}
