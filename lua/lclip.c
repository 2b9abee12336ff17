/* lua/lclip.c — gg.clip.grad_norm / grad_value, gg.grad_norm and gg.penalty: operations on
 * a model's gradients between backward and the optimizer step (core/clip.h). */
#include "lgglab.h"

#include <math.h>

#include "../core/clip.h"

/* gg.clip.grad_norm(model, max_norm [, {norm_type=2}]) → total norm before clipping
 * (torch.nn.utils.clip_grad_norm_; norm_type may be math.huge for the max norm) */
static int clip_grad_norm(lua_State *L)
{
    static const char *const allowed[] = {"norm_type", NULL};
    const char *f = "gg.clip.grad_norm";
    lg_model *lm = lg_model_check(L, 1);
    double max_norm = luaL_checknumber(L, 2);
    lg_opts_check(L, 3, f, allowed);
    double p = lua_istable(L, 3) && lua_getfield(L, 3, "norm_type") == LUA_TNUMBER
                   ? lua_tonumber(L, -1) : 2.0;
    gg_err err;
    if (gg_clip_check(max_norm, p, &err))
        return lg_fail(L, f, &err);
    lua_pushnumber(L, (lua_Number)gg_clip_grad_norm(lm->m, max_norm, p));
    return 1;
}

/* gg.clip.grad_value(model, v): clamp every gradient to [-v, v] (clip_grad_value_) */
static int clip_grad_value(lua_State *L)
{
    lg_model *lm = lg_model_check(L, 1);
    double v = luaL_checknumber(L, 2);
    if (!(v >= 0.0) || isinf(v))
        return luaL_error(L, "gg.clip.grad_value: clip_value must be a non-negative number, got %f",
                          (lua_Number)v);
    gg_clip_grad_value(lm->m, (float)v);
    return 0;
}

/* gg.grad_norm(model [, norm_type=2]) → the total gradient norm, nothing changed */
static int grad_norm(lua_State *L)
{
    lg_model *lm = lg_model_check(L, 1);
    double p = luaL_optnumber(L, 2, 2.0);
    gg_err err;
    if (gg_clip_check(1.0, p, &err))
        return lg_fail(L, "gg.grad_norm", &err);
    lua_pushnumber(L, (lua_Number)gg_grad_norm(lm->m, p));
    return 1;
}

/* gg.penalty(model, {l1=0, l2=0}) → l1*sum|w| + l2*sum w^2, and adds its gradient to the
 * model's gradients (like loss:backward, it accumulates: call it after zero_grad) */
static int penalty(lua_State *L)
{
    static const char *const allowed[] = {"l1", "l2", NULL};
    const char *f = "gg.penalty";
    lg_model *lm = lg_model_check(L, 1);
    lg_opts_table(L, 2, f, allowed);
    double l1 = lg_opt_nonneg(L, 2, f, "l1", 0.0), l2 = lg_opt_nonneg(L, 2, f, "l2", 0.0);
    lua_pushnumber(L, (lua_Number)gg_penalty(lm->m, l1, l2, 1));
    return 1;
}

static const luaL_Reg clip_funcs[] = {
    {"grad_norm", clip_grad_norm}, {"grad_value", clip_grad_value}, {NULL, NULL},
};

void lg_open_clip(lua_State *L)
{
    luaL_newlib(L, clip_funcs);           /* stack: gg clip */
    lua_setfield(L, -2, "clip");
    lua_pushcfunction(L, grad_norm);
    lua_setfield(L, -2, "grad_norm");
    lua_pushcfunction(L, penalty);
    lua_setfield(L, -2, "penalty");
}
