#!/bin/sh
# tests/fuzz/run.sh FUZZER SECONDS — one libFuzzer harness as a test suite.
#   1. replay: every input of tests/fuzz/<name>_seeds and tests/fuzz/<name>_regressions
#      (each crash found so far, kept as a regression test) runs once and must pass;
#   2. fuzz: SECONDS of fuzzing (skipped when 0), growing build/fuzz/corpus/<name>; a crash
#      is written to build/fuzz/artifacts/<name>-crash-* and fails the suite.
# <name> is FUZZER's file name without "fuzz_". Ends with "N passed, N failed".
# FUZZ_LOG=- shows libFuzzer's output (make fuzz); otherwise it is shown only on failure.
fuzzer=$1
seconds=${2:-20}
name=$(basename "$fuzzer")
name=${name#fuzz_}
here=$(dirname "$0")
dir=$(dirname "$fuzzer")
corpus=$dir/corpus/$name
artifacts=$dir/artifacts
mkdir -p "$corpus" "$artifacts"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0
failed=0
opts="-timeout=10 -rss_limit_mb=2048 -max_len=4096"

dirs=
for d in "$here/${name}_seeds" "$here/${name}_regressions"; do
    [ -d "$d" ] && dirs="$dirs $d"
done

show() {
    if [ "$FUZZ_LOG" = - ]; then cat "$log"; else tail -n 40 "$log"; fi
}

# 1. Replay: -runs=0 executes every input of the given directories once, then stops.
# shellcheck disable=SC2086  # $dirs is a list of paths without spaces
if "$fuzzer" $opts -runs=0 $dirs >"$log" 2>&1; then
    passed=$((passed + 1))
    n=$(find $dirs -type f | wc -l)
    echo "replay: $n seed and regression inputs pass"
else
    failed=$((failed + 1))
    show
    echo "FAIL $name: a seed or regression input fails"
fi

# 2. Fuzz.
if [ "$seconds" -gt 0 ]; then
    if "$fuzzer" $opts -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$artifacts/$name-" "$corpus" $dirs >"$log" 2>&1; then
        passed=$((passed + 1))
        [ "$FUZZ_LOG" = - ] && cat "$log"
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz: $runs inputs in ${seconds}s, no crash; corpus $(ls "$corpus" | wc -l) inputs"
    else
        failed=$((failed + 1))
        show
        echo "FAIL $name: crash found, input in $artifacts/ (add it to $here/${name}_regressions/)"
    fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
