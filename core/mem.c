/* core/mem.c — allocation wrappers (see mem.h). */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>

int gg_mul_overflow(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 1;
    *out = a * b;
    return 0;
}

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

void gg_free(void *p)
{
    free(p);
}
