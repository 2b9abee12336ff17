/* core/mem.c — allocation wrappers (see mem.h). This file must define exactly the four
 * allocation functions of mem.h and nothing else: tests/failmem.c replaces it at link
 * time. */
#include "mem.h"

#include <stdlib.h>

void *gg_malloc(size_t n, size_t size)
{
    size_t bytes;
    if (gg_mul_overflow(n, size, &bytes))
        return NULL;
    return malloc(bytes ? bytes : 1);
}

void *gg_calloc(size_t n, size_t size)
{
    size_t bytes;
    if (gg_mul_overflow(n, size, &bytes))
        return NULL;
    return calloc(bytes ? bytes : 1, 1);
}

void *gg_realloc(void *p, size_t n, size_t size)
{
    size_t bytes;
    if (gg_mul_overflow(n, size, &bytes))
        return NULL;
    return realloc(p, bytes ? bytes : 1);
}

void gg_free(void *p)
{
    free(p);
}
