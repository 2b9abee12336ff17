#!/bin/sh
# tests/run.sh BUILD_DIR — run every test suite against the binaries in BUILD_DIR and add up
# their closing "N passed, N failed" lines. A suite that crashes or prints no such line
# counts as one failure. Ends with the total line; exits non-zero on any failure.
# SANITIZE=1: Lua suites run in lua5.4 with the sanitizer runtimes preloaded.
build=${1:-build}
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_suite() {  # name, command...
    name=$1
    shift
    "$@" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        cat "$log"
        echo "FAIL $name: no summary line (exit $rc)"
        total_fail=$((total_fail + 1))
        return
    fi
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed*}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    [ "$f" -ne 0 ] && cat "$log"
    printf '%-28s %s\n' "$name" "$line"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}

for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    run_suite "$(basename "$t")" "$t"
done

# libFuzzer harnesses, when clang could build them: replay the seeds and regressions,
# then fuzz each for FUZZ_SECONDS (default 20; 0 replays only). tests/fuzz/run.sh.
for t in "$build"/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    run_suite "$(basename "$t")" sh tests/fuzz/run.sh "$t" "${FUZZ_SECONDS:-20}"
done

# cppcheck over core/ and lua/, and the C tests under valgrind (not in a sanitizer build,
# whose binaries valgrind cannot run). Each skips itself without its tool.
if [ -z "$SANITIZE" ]; then
    run_suite cppcheck sh tests/lint.sh
    run_suite valgrind sh tests/valgrind.sh "$build"
fi

# A build with baseline-only kernels, when there is one, for cross-build determinism.
generic=
[ -x build/generic/gglab ] && generic=build/generic/gglab
preload=
if [ -n "$SANITIZE" ]; then
    preload="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)"
    export ASAN_OPTIONS=detect_leaks=0
fi
for t in tests/lua/test_*.lua; do
    run_suite "$(basename "$t")" env LD_PRELOAD="$preload" LUA_CPATH="$build/?.so;;" \
        LUA_PATH="tests/lua/?.lua;;" GGLAB="$build/gglab" GGLAB_GENERIC="$generic" lua5.4 "$t"
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
