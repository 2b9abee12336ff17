/* core/arena.c — bump allocator (see arena.h). */
#include "arena.h"

#include <stdint.h>

#include "assert.h"
#include "mem.h"

#define ALIGN 64

size_t gg_arena_bytes_for(size_t nfloats)
{
    size_t b = nfloats * sizeof(float);
    return (b + ALIGN - 1) / ALIGN * ALIGN;
}

gg_status gg_arena_reserve(gg_arena *a, size_t bytes, gg_err *err)
{
    if (bytes <= a->cap)
        return GG_OK;
    // The old block is released only once the new one exists: on failure the arena, and
    // the pointers its owner carved from it, stay valid.
    void *raw = bytes <= SIZE_MAX - ALIGN ? gg_malloc(1, bytes + ALIGN) : NULL;
    if (!raw)
        return gg_err_set(err, GG_ENOMEM, "out of memory reserving %zu bytes of scratch", bytes);
    gg_arena_free(a);
    uintptr_t p = ((uintptr_t)raw + ALIGN - 1) / ALIGN * ALIGN;
    a->raw = raw;
    a->base = (char *)p;  // NOLINT(performance-no-int-to-ptr): aligning a malloc block
    a->cap = bytes;
    a->used = 0;
    return GG_OK;
}

float *gg_arena_floats(gg_arena *a, size_t n)
{
    size_t b = gg_arena_bytes_for(n);
    GG_ASSERT(b <= a->cap - a->used);  // reserve sized every block carved from it
    if (b > a->cap - a->used)
        return NULL;
    float *p = (float *)(void *)(a->base + a->used);
    a->used += b;
    return p;
}

int32_t *gg_arena_i32(gg_arena *a, size_t n)
{
    size_t b = gg_arena_bytes_for(n);  // int32 and float have the same size
    GG_ASSERT(b <= a->cap - a->used);
    if (b > a->cap - a->used)
        return NULL;
    int32_t *p = (int32_t *)(void *)(a->base + a->used);
    a->used += b;
    return p;
}

void gg_arena_reset(gg_arena *a)
{
    a->used = 0;
}

void gg_arena_free(gg_arena *a)
{
    if (!a)
        return;
    gg_free(a->raw);
    *a = (gg_arena){0};
}
