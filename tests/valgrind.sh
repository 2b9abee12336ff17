#!/bin/sh
# tests/valgrind.sh BUILD_DIR — every C test binary of BUILD_DIR under valgrind memcheck:
# one check per binary, failed by an invalid read or write, a use of uninitialised memory,
# a definite or indirect leak, or the test's own failure. Complements make sanitize
# (ASan/UBSan) with an uninstrumented -O2 build, as shipped. Ends with "N passed, N
# failed"; skipped, saying so, without valgrind. About 40 s (test_detmath's exhaustive
# loops take most of it).
build=${1:-build}
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not installed: skipped (apt-get install valgrind)"
    echo "0 passed, 0 failed"
    exit 0
fi
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        "$t" >"$log" 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        tail -n 60 "$log"
        echo "FAIL valgrind $(basename "$t")"
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
