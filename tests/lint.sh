#!/bin/sh
# tests/lint.sh — cppcheck and clang-tidy over the product C code (core/, lua/); any
# finding fails. Ends with "N passed, N failed" (one check per tool). A tool that is not
# installed is skipped, saying so. clang-tidy's configuration and its reasons are in
# .clang-tidy at the top of the repository.
#
# The configuration, and why (docs/reliability.md):
#   --enable=warning,style,performance,portability
#       every category but 'information' (which only lists headers it did not open) and
#       unusedFunction (the public C API is called from the Lua glue and from tests, which
#       cppcheck sees only in part);
#   --std=c11 -I core, no system headers
#       cppcheck knows libc from its own library file; parsing Lua's and glibc's headers
#       adds time and false positives (its manual advises against it);
#   --suppress=missingIncludeSystem  follows from that;
#   --inline-suppr
#       a false positive is silenced on its line with "// cppcheck-suppress <id> ; why";
#   not tests/
#       cppcheck 2.10 reports false errors there (invalidLifetime when a function's enum
#       constant shares a name with another function's local array).
passed=0
failed=0
if ! command -v cppcheck >/dev/null 2>&1; then
    echo "cppcheck not installed: skipped (apt-get install cppcheck)"
else
    out=$(cppcheck --std=c11 --enable=warning,style,performance,portability \
        --suppress=missingIncludeSystem --inline-suppr --error-exitcode=1 -q \
        -I core -I build/gen core lua/*.c 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
        echo "cppcheck $(cppcheck --version | cut -d' ' -f2): core/ and lua/ clean"
        passed=$((passed + 1))
    else
        printf '%s\n' "$out"
        echo "FAIL cppcheck: findings above (fix them, or suppress a false positive inline)"
        failed=$((failed + 1))
    fi
fi

# clang-tidy, two files at a time, with the build's include paths: -Icore for core/,
# -Ilua for lua/ (which reaches core/ as "../core/..."; -Icore there would make
# <sched.h> find core/sched.h).
if ! command -v clang-tidy >/dev/null 2>&1; then
    echo "clang-tidy not installed: skipped (apt-get install clang-tidy)"
else
    lua_cflags=$(pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
    out=$(ls core/*.c lua/*.c | xargs -P 2 -I{} sh -c \
        'case "$1" in core/*) inc=-Icore ;; *) inc="-Ilua -Ibuild/gen" ;; esac
         clang-tidy -quiet "$1" -- -std=c11 $inc '"$lua_cflags"' 2>/dev/null' _ {})
    if [ -z "$(printf '%s' "$out" | grep -E 'warning:|error:')" ]; then
        echo "clang-tidy $(clang-tidy --version | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -n 1): core/ and lua/ clean"
        passed=$((passed + 1))
    else
        printf '%s\n' "$out"
        echo "FAIL clang-tidy: findings above (fix them, or NOLINT(check) a false positive on its line, saying why)"
        failed=$((failed + 1))
    fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
