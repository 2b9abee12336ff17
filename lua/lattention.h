/* lua/lattention.h — attention's Lua glue (lattention.c). */
#ifndef LG_ATTENTION_H
#define LG_ATTENTION_H

#include "lgglab.h"

/* Parse an {kind = "attention", ...} spec at idx into *s (errors name fname). */
void lg_attention_spec(lua_State *L, int idx, const char *fname, gg_layer_cfg *s);

/* Add model:attention_stats to the gglab.Model methods (after lg_open_nn). */
void lg_open_attention(lua_State *L);

#endif
