#!/bin/sh
# tests/bench/run.sh BUILD_DIR — make bench (docs/performance.md): times gglab and, when
# installed, PyTorch (Python, OpenBLAS, one thread) and libtorch C++ on issue 11's
# workloads in this one invocation, so every ratio compares figures taken side by side.
# Single-core timings are pinned to core 0 (taskset); the -j2 sweep is not pinned.
# Writes BUILD_DIR/bench/bench.csv and prints the table of targets (tests/bench/report.lua).
# Exits non-zero only when a bench crashes or a gglab figure is missing; a missed target
# prints MISS.
build=${1:-build}
here=$(dirname "$0")
out=$build/bench
mkdir -p "$out"
raw=$out/raw.txt
: >"$raw"
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT
status=0

pin=
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
    pin="taskset -c 0"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
echo "machine: ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?') CPUs; ${pin:+pinned to core 0}${pin:-not pinned (no usable taskset)}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# run LABEL CMD...: the command's output to the raw log and the terminal; remembers failure
run() {
    label=$1
    shift
    if ! "$@" >"$tmpd/one" 2>"$tmpd/err"; then
        echo "bench failed: $label" >&2
        cat "$tmpd/err" >&2
        status=1
    fi
    cat "$tmpd/one" | tee -a "$raw"
}

# 1. the CPU's measured FMA peak
run peak "$build/bench/bench_peak"

# 2. training steps: gglab, PyTorch, libtorch
py=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' >/dev/null 2>&1; then py=$p; break; fi
done
run "gglab steps" $pin "$build/tests/bench_step"
if [ -n "$py" ]; then
    blas=$(update-alternatives --display libblas.so.3-x86_64-linux-gnu 2>/dev/null |
        sed -n 's/.*link currently points to //p' | head -n 1)
    echo "torch $("$py" -c 'import torch; print(torch.__version__)'), 1 thread, BLAS: ${blas:-unknown}"
    run "torch" $pin "$py" "$here/bench_torch.py" 5
else
    echo "python3-torch not installed: no PyTorch figures (apt-get install python3-torch)"
fi
if [ -x "$build/bench/bench_libtorch" ]; then
    run "libtorch" $pin "$build/bench/bench_libtorch" 5
else
    echo "libtorch-dev not installed: no libtorch figures (apt-get install libtorch-dev)"
fi

# 3. whole gglab processes: each repetition writes into a fresh directory (removing a
# folder of thousands of files first would make the next creations slower on ext4)
# time_runs VARIANT N CMD...: min and median wall seconds of N runs of CMD --out <fresh>
time_runs() {
    variant=$1 n=$2
    shift 2
    i=0
    : >"$tmpd/times"
    while [ "$i" -lt "$n" ]; do
        d=$(mktemp -d "${TIMING_DIR:-/tmp}/gglab-bench.XXXXXX")
        t0=$(date +%s.%N)
        "$@" --out "$d/out" >/dev/null 2>"$tmpd/err" || { echo "bench failed: $*" >&2; cat "$tmpd/err" >&2; status=1; }
        t1=$(date +%s.%N)
        echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }' >>"$tmpd/times"
        echo "$d" >>"$tmpd/dirs"
        i=$((i + 1))
    done
    sort -n "$tmpd/times" | awk -v v="$variant" '{ t[NR] = $1 } END {
        m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
        printf "gglab %s: min %.4f s, median %.4f s\n", v, t[1], m }' | tee -a "$raw"
}
g="$build/gglab run -q"
time_runs "sweep_seed100 j1" 7 $pin $g -j 1 "$here/sweep_seed100.lua"
time_runs "sweep_seed100 j2" 7 $g -j 2 "$here/sweep_seed100.lua"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    TIMING_DIR=/dev/shm time_runs "sweep_seed100 j1_tmpfs" 5 $pin $g -j 1 "$here/sweep_seed100.lua"
fi
sed 's/flush_denormal = false/flush_denormal = true/' "$here/sweep_seed100.lua" >"$tmpd/sweep_flush.lua"
time_runs "sweep_seed100 j1_flush" 5 $pin $g -j 1 "$tmpd/sweep_flush.lua"
time_runs "sweep_empty j1" 7 $pin $g -j 1 "$here/sweep_empty.lua"
d=$(mktemp -d)
echo "$d" >>"$tmpd/dirs"
run "peak rss" "$build/bench/peak_rss" $g -j 2 --out "$d/out" "$here/sweep_seed100.lua"
while read -r d; do rm -rf "$d"; done <"$tmpd/dirs"

echo
lua5.4 "$here/report.lua" "$raw" "$out/bench.csv" || status=1
exit $status
