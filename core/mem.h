/* core/mem.h — the one allocation path of the core.
 * Every long-lived allocation goes through gg_malloc/gg_calloc/gg_free, so a test build
 * can make them fail on purpose in one place. Sizes are checked for overflow here. */
#ifndef GG_MEM_H
#define GG_MEM_H

#include <stddef.h>

/* Allocate n*size bytes (uninitialised); NULL on overflow or failure. */
void *gg_malloc(size_t n, size_t size);

/* Allocate n*size zeroed bytes; NULL on overflow or failure. */
void *gg_calloc(size_t n, size_t size);

/* Release memory from gg_malloc/gg_calloc; NULL is a no-op. */
void gg_free(void *p);

/* 1 if a*b overflows size_t (then *out is untouched), else 0 and *out = a*b. */
int gg_mul_overflow(size_t a, size_t b, size_t *out);

#endif
