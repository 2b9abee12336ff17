/* lua/lclip.c — gg.clip: gradient clipping (issue 4; being written). */
#include "lgglab.h"

void lg_open_clip(lua_State *L)
{
    (void)L;
}
