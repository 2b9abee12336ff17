/* lua/lrnn.c — model:recurrent_spectral_norms(): the spectral norm of every recurrent
 * layer's W_hh (core/rnn.h's power iteration), for diagnosing exploding or vanishing
 * recurrences (a norm well above 1 can explode, well below 1 forgets). */
#include "lgglab.h"

#include <string.h>

/* model:recurrent_spectral_norms([iters = 50]) -> list, one entry per recurrent layer in
 * model order: {layer = i (its 1-based position in model:layers()), kind = "rnn" | "lstm" |
 * "gru", mode = "rnn_tanh" | "rnn_relu" | "lstm" | "gru", norm = sigma(W_hh (G*H, H)),
 * gates = {sigma of each gate's (H, H) block, torch's gate order}}. Deterministic: a fixed
 * start vector and iters steps of power iteration on W^T W. */
int lg_model_recurrent_spectral_norms(lua_State *L)
{
    const char *f = "gglab.Model:recurrent_spectral_norms";
    gg_model *m = lg_model_check(L, 1)->m;
    lua_Integer iters = luaL_optinteger(L, 2, 50);
    if (iters < 1 || iters > 100000)
        return luaL_error(L, "%s: iters must be in 1..100000, got %d", f, (int)iters);
    const gg_graph *g = gg_model_graph(m);
    const float *P = gg_model_params(m);
    lua_newtable(L);
    int n = 0;
    for (size_t i = 0; i < gg_model_layers(m); i++) {
        const int node = gg_model_layer_node(m, i);
        const gg_layer_cfg *c = gg_graph_cfg(g, node);
        if (c->kind != GG_LAYER_RNN)
            continue;
        size_t off = 0, rows = 0, cols = 0;
        for (size_t k = 0; k < gg_model_ntensors(m); k++) {
            int role;
            if (gg_model_tensor_owner(m, k, &role) == node && role == 1)
                gg_model_tensor_info(m, k, &off, &rows, &cols);
        }
        const size_t H = c->out, G = gg_rnn_gates((gg_rnn_mode)c->rnn_mode);
        if (rows != G * H || cols != H)
            return luaL_error(L, "%s: layer %d has no weight_hh", f, (int)i + 1);
        double *scr = lua_newuserdatauv(L, (rows + cols) * sizeof *scr, 0);
        lua_createtable(L, 0, 5);
        lua_pushinteger(L, (lua_Integer)i + 1);
        lua_setfield(L, -2, "layer");
        lua_pushstring(L, gg_rnn_module_name((gg_rnn_mode)c->rnn_mode));
        lua_setfield(L, -2, "kind");
        lua_pushstring(L, gg_rnn_mode_name((gg_rnn_mode)c->rnn_mode));
        lua_setfield(L, -2, "mode");
        lua_pushnumber(L, gg_rnn_spectral_norm(P + off, rows, cols, (int)iters, scr));
        lua_setfield(L, -2, "norm");
        lua_createtable(L, (int)G, 0);
        for (size_t q = 0; q < G; q++) {
            lua_pushnumber(L, gg_rnn_spectral_norm(P + off + q * H * H, H, H, (int)iters, scr));
            lua_rawseti(L, -2, (lua_Integer)q + 1);
        }
        lua_setfield(L, -2, "gates");
        lua_rawseti(L, -3, ++n);  /* stack: list scr entry */
        lua_pop(L, 1);
    }
    return 1;
}
