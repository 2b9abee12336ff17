/* tests/check.h — the tiny check framework of the C unit tests (idea of Redis testhelp.h).
 * Each test program is one translation unit, so the counters are plain statics. A check
 * never stops the program: a failure prints file:line, the check's name and the values
 * involved, and counts. main ends with `return CHECK_DONE();`, which prints exactly
 * "N passed, N failed" as the last line and gives a non-zero exit status on any failure.
 *
 *   CHECK(name, cond)               cond is true
 *   CHECK_NEAR(name, a, b, tol)     |a - b| <= tol (absolute), a and b compared in double
 *   CHECK_REL(name, a, b, rtol)     |a - b| <= rtol * max(|a|, |b|)
 *   CHECK_EQ(name, a, b)            integers equal (as long long)
 *   CHECK_EQ_U64(name, a, b)        64-bit unsigned integers equal (printed in hex too)
 *   CHECK_CONTAINS(name, s, sub)    string s contains sub
 * Every macro is an expression giving 1 on pass and 0 on failure. Equal values (including
 * equal infinities) always pass; a NaN on either side always fails CHECK_NEAR/CHECK_REL. */
#ifndef GG_TEST_CHECK_H
#define GG_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed_;
static int check_failed_;

static inline int check_report_(int ok, const char *file, int line, const char *name)
{
    if (ok) {
        check_passed_++;
        return 1;
    }
    check_failed_++;
    printf("FAIL %s:%d: %s\n", file, line, name);
    return 0;
}

static inline int check_bool_(const char *file, int line, const char *name, int ok,
                              const char *expr)
{
    if (!check_report_(ok, file, line, name))
        printf("    condition false: %s\n", expr);
    return ok;
}

static inline int check_near_(const char *file, int line, const char *name, double a, double b,
                              double tol, int relative)
{
    double diff = fabs(a - b);
    double lim = relative ? tol * fmax(fabs(a), fabs(b)) : tol;
    int ok = a == b || diff <= lim;  // NaN fails both comparisons
    if (!check_report_(ok, file, line, name))
        printf("    got %.17g, expected %.17g (|diff| %.3g, %s tol %.3g)\n", a, b, diff,
               relative ? "relative" : "absolute", tol);
    return ok;
}

static inline int check_eq_(const char *file, int line, const char *name, long long a,
                            long long b)
{
    int ok = a == b;
    if (!check_report_(ok, file, line, name))
        printf("    got %lld, expected %lld\n", a, b);
    return ok;
}

static inline int check_eq_u64_(const char *file, int line, const char *name,
                                unsigned long long a, unsigned long long b)
{
    int ok = a == b;
    if (!check_report_(ok, file, line, name))
        printf("    got %llu (0x%016llx), expected %llu (0x%016llx)\n", a, a, b, b);
    return ok;
}

static inline int check_contains_(const char *file, int line, const char *name, const char *s,
                                  const char *sub)
{
    int ok = s && sub && strstr(s, sub) != NULL;
    if (!check_report_(ok, file, line, name))
        printf("    \"%s\" does not contain \"%s\"\n", s ? s : "(null)", sub ? sub : "(null)");
    return ok;
}

static inline int check_done_(void)
{
    printf("%d passed, %d failed\n", check_passed_, check_failed_);
    fflush(stdout);
    return check_failed_ ? 1 : 0;
}

#define CHECK(name, cond) check_bool_(__FILE__, __LINE__, (name), (cond) ? 1 : 0, #cond)
#define CHECK_NEAR(name, a, b, tol) \
    check_near_(__FILE__, __LINE__, (name), (double)(a), (double)(b), (double)(tol), 0)
#define CHECK_REL(name, a, b, rtol) \
    check_near_(__FILE__, __LINE__, (name), (double)(a), (double)(b), (double)(rtol), 1)
#define CHECK_EQ(name, a, b) \
    check_eq_(__FILE__, __LINE__, (name), (long long)(a), (long long)(b))
#define CHECK_EQ_U64(name, a, b) \
    check_eq_u64_(__FILE__, __LINE__, (name), (unsigned long long)(a), (unsigned long long)(b))
#define CHECK_CONTAINS(name, s, sub) check_contains_(__FILE__, __LINE__, (name), (s), (sub))
#define CHECK_DONE() check_done_()

#endif
