/* tests/failmem.c — the core's allocation functions with fault injection (see failmem.h).
 * Replaces core/mem.c at link time: it must define the same four functions. */
#include "failmem.h"

#include <stdlib.h>

#include "../core/mem.h"

static long fail_at;     // call number that fails first (0: none)
static int persist;      // every call after fail_at fails too
static long calls;       // allocation calls since the last arm
static long fails;       // of which failed
static long live;        // blocks allocated and not freed

void failmem_arm(long n, int persistent)
{
    fail_at = n > 0 ? n : 0;
    persist = persistent;
    calls = 0;
    fails = 0;
}

void failmem_disarm(void)
{
    fail_at = 0;
}

long failmem_calls(void)
{
    return calls;
}

long failmem_fails(void)
{
    return fails;
}

long failmem_live(void)
{
    return live;
}

/* 1 if this allocation call must fail. */
static int should_fail(void)
{
    calls++;
    if (fail_at && (calls == fail_at || (persist && calls > fail_at))) {
        fails++;
        return 1;
    }
    return 0;
}

void *gg_malloc(size_t n, size_t size)
{
    size_t bytes;
    if (should_fail() || gg_mul_overflow(n, size, &bytes))
        return NULL;
    void *p = malloc(bytes ? bytes : 1);
    live += p != NULL;
    return p;
}

void *gg_calloc(size_t n, size_t size)
{
    size_t bytes;
    if (should_fail() || gg_mul_overflow(n, size, &bytes))
        return NULL;
    void *p = calloc(bytes ? bytes : 1, 1);
    live += p != NULL;
    return p;
}

void *gg_realloc(void *p, size_t n, size_t size)
{
    size_t bytes;
    if (should_fail() || gg_mul_overflow(n, size, &bytes))
        return NULL;
    void *q = realloc(p, bytes ? bytes : 1);
    live += q != NULL && p == NULL;
    return q;
}

void gg_free(void *p)
{
    live -= p != NULL;
    free(p);
}
