/* lua/lattention.c — the Lua side of GG_LAYER_ATTENTION (core/attention.h): the layer spec
 * {kind = "attention", num_heads =, causal =, dropout =, scale =, packed =,
 * key_padding_mask =, attn_mask =} that gglab.Graph:layer parses (lgraph.c calls
 * lg_attention_spec), and model:attention_stats(). The Lua API over it (gg.op.attention,
 * gg.nn.multihead_attention, the transformer layers) is lua/gglab/transformer.lua. */
#include "lgglab.h"
#include "lattention.h"

#include <math.h>

#include "../core/attention.h"

void lg_attention_spec(lua_State *L, int idx, const char *fname, gg_layer_cfg *s)
{
    static const char *const keys[] = {"kind", "num_heads", "causal", "dropout", "scale", "packed",
                                       "key_padding_mask", "attn_mask", NULL};
    lg_opts_check(L, idx, fname, keys);
    *s = gg_layer_defaults_of(GG_LAYER_ATTENTION);
    s->heads = (size_t)lg_opt_int(L, idx, fname, "num_heads", 1, 1, 1 << 20);
    s->causal = lg_opt_bool(L, idx, fname, "causal", 0);
    s->p = lg_opt_nonneg(L, idx, fname, "dropout", 0.0);
    if (!(s->p < 1.0))
        luaL_error(L, "%s: dropout must be in [0, 1), got %f", fname, s->p);
    s->scalar = lg_opt_positive(L, idx, fname, "scale", (double)NAN);
    s->attn_packed = lg_opt_bool(L, idx, fname, "packed", 0);
    s->attn_masks = (lg_opt_bool(L, idx, fname, "key_padding_mask", 0) ? GG_ATTN_KEY_PADDING : 0) |
                    (lg_opt_bool(L, idx, fname, "attn_mask", 0) ? GG_ATTN_MASK : 0);
}

/* model:attention_stats() -> {{layer = i, max_logit =, entropy =}, ...}: one entry per
 * attention layer (i its 1-based position among the model's layers), from the last
 * forward pass. */
static int model_attention_stats(lua_State *L)
{
    lg_model *lm = lg_model_check(L, 1);
    const size_t n = gg_model_layers(lm->m);
    lua_newtable(L);
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (gg_model_layer_cfg(lm->m, i).kind != GG_LAYER_ATTENTION)
            continue;
        float mx, ent;
        gg_err err;
        if (gg_model_attention_stats(lm->m, i, &mx, &ent, &err))
            return lg_fail(L, "gglab.Model:attention_stats", &err);
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, (lua_Integer)i + 1);
        lua_setfield(L, -2, "layer");
        lua_pushnumber(L, (lua_Number)mx);
        lua_setfield(L, -2, "max_logit");
        lua_pushnumber(L, (lua_Number)ent);
        lua_setfield(L, -2, "entropy");
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

void lg_open_attention(lua_State *L)
{
    luaL_getmetatable(L, GG_MODEL_MT);     /* stack: ... mt */
    lua_getfield(L, -1, "__index");        /* stack: ... mt methods */
    lua_pushcfunction(L, model_attention_stats);
    lua_setfield(L, -2, "attention_stats");
    lua_pop(L, 2);
}
