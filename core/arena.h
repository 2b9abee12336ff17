/* core/arena.h — bump allocator for per-step scratch (activations, batch buffers).
 * Model: ggml's context. Reserve once for the largest batch seen, then every step carves
 * from it with no malloc; gg_arena_reset rewinds it. Allocations are 64-byte aligned. */
#ifndef GG_ARENA_H
#define GG_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct gg_arena {
    char *base;   /* 64-byte aligned block, or NULL before the first reserve */
    void *raw;    /* pointer returned by gg_malloc, released by gg_arena_free */
    size_t cap;   /* usable bytes at base */
    size_t used;  /* bytes handed out since the last reset */
} gg_arena;

/* Ensure cap >= bytes, discarding contents if it must grow. GG_ENOMEM on failure, with
 * the arena (and what was carved from it) unchanged. */
gg_status gg_arena_reserve(gg_arena *a, size_t bytes, gg_err *err);

/* Carve n floats (64-byte aligned); NULL if the reserve was too small (a caller bug). */
float *gg_arena_floats(gg_arena *a, size_t n);

/* Carve n int32 slots (64-byte aligned; the same room as n floats); NULL if too small. */
int32_t *gg_arena_i32(gg_arena *a, size_t n);

/* Bytes a sequence of float blocks of the given sizes needs, alignment included. */
size_t gg_arena_bytes_for(size_t nfloats);

/* Forget all allocations; memory stays reserved. */
void gg_arena_reset(gg_arena *a);

/* Release the block; the arena is empty and reusable afterwards. NULL is a no-op. */
void gg_arena_free(gg_arena *a);

#endif
