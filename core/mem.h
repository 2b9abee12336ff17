/* core/mem.h — the one allocation path of the core.
 * Every long-lived allocation goes through gg_malloc/gg_calloc/gg_realloc/gg_free, so a
 * test build can make them fail on purpose in one place. Sizes are checked for overflow
 * here.
 *
 * Fault injection without a hook: core/mem.c is the only translation unit defining these
 * functions and holds nothing else, so a test program links its own definitions instead
 * (tests/failmem.c: "make the n-th allocation fail", a live-block count for leak checks).
 * The linker then never pulls mem.o out of libgglabcore.a. The core keeps no allocator
 * pointer and no mutable global (docs/reliability.md). */
#ifndef GG_MEM_H
#define GG_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Allocate n*size bytes (uninitialised); NULL on overflow or failure. */
void *gg_malloc(size_t n, size_t size);

/* Allocate n*size zeroed bytes; NULL on overflow or failure. */
void *gg_calloc(size_t n, size_t size);

/* Resize p (NULL: allocate) to n*size bytes, like realloc; on overflow or failure NULL
 * and p is untouched (still owned by the caller). */
void *gg_realloc(void *p, size_t n, size_t size);

/* Release memory from gg_malloc/gg_calloc/gg_realloc; NULL is a no-op. */
void gg_free(void *p);

/* 1 if a*b overflows size_t (then *out is untouched), else 0 and *out = a*b. Inline, so
 * that a replacement of mem.c needs to define only the four allocation functions. */
static inline int gg_mul_overflow(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 1;
    *out = a * b;
    return 0;
}

#endif
