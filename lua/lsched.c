/* lua/lsched.c — gg.sched: learning-rate schedulers (issue 4; being written). */
#include "lgglab.h"

void lg_open_sched(lua_State *L)
{
    (void)L;
}
