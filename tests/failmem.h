/* tests/failmem.h — fault injection for the core's allocator (SQLite's test-suite idea).
 * tests/failmem.c defines gg_malloc, gg_calloc, gg_realloc and gg_free; a test program
 * linked with it uses them instead of core/mem.c (link-time substitution, see core/mem.h),
 * so the core needs no hook. State is process-wide, which is fine in a test program. */
#ifndef GG_TEST_FAILMEM_H
#define GG_TEST_FAILMEM_H

/* From now on, the n-th allocation call (1 = the next) fails; with persistent, every
 * later one fails too. n <= 0 disarms. Resets the call and failure counters. */
void failmem_arm(long n, int persistent);

/* No allocation fails any more (counters are kept). */
void failmem_disarm(void);

/* Allocation calls (gg_malloc, gg_calloc, gg_realloc) since the last arm. */
long failmem_calls(void);

/* Allocation calls that were made to fail since the last arm. */
long failmem_fails(void);

/* Blocks allocated and not yet freed: a leak check is "live is back to where it was". */
long failmem_live(void);

#endif
