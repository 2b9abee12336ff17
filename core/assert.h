/* core/assert.h — GG_ASSERT: internal invariants (arena carving, indices, batch capacity).
 * It catches our bugs, never user input (house style rule 15): user mistakes are gg_status
 * errors. Active when GG_DEBUG is defined (the sanitizer build, `make sanitize`); otherwise
 * it compiles to nothing and does not evaluate its argument. */
#ifndef GG_ASSERT_H
#define GG_ASSERT_H

#ifdef GG_DEBUG
/* Print "core bug: <cond> at file:line" to stderr and abort. */
_Noreturn void gg_assert_fail(const char *cond, const char *file, int line);
#define GG_ASSERT(c) ((c) ? (void)0 : gg_assert_fail(#c, __FILE__, __LINE__))
#else
#define GG_ASSERT(c) ((void)0)
#endif

#endif
