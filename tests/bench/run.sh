#!/bin/sh
# tests/bench/run.sh BUILD_DIR [SECTION] — make bench (docs/performance.md): times gglab and,
# when installed, PyTorch (Python, OpenBLAS, one thread) and libtorch C++ on issue 11's
# workloads (MLP steps, the 100-run sweep), the CNN steps (lenet, resnet: CNN.md) and the
# sequence-model steps (a 2-layer transformer and an LSTM: SEQ.md) in this one invocation,
# so every ratio compares figures taken side by side.
# SECTION (default all): seq, attn or rnn runs only the peak and the sequence-model steps
# (all of them, the transformer or the LSTM; make bench-seq, bench-attn, bench-rnn) and
# writes BUILD_DIR/bench/bench-SECTION.csv instead, leaving make bench's bench.csv alone.
# Single-core timings are pinned to core 0 (taskset); the -j2 sweep is not pinned.
# Interleaving: the gglab MLP steps alternate with the same bench built from BENCH_BASE
# (default: 8d3e96e, the last commit before the graph core; empty: skipped) and the CNN
# steps alternate gglab, libtorch, PyTorch, and the sequence-model steps gglab, libtorch, in
# BENCH_ROUNDS rounds (default 2), the order reversed every other round (A B B A,
# A B C C B A); report.lua keeps the min of the rounds' mins and the median of their
# medians. BENCH_SEQ_REPS (default 5) reps per sequence-model bench, the same for both.
# All peers (MLP, CNN, sequence models) run with the same environment: one thread, pinned,
# and OPENBLAS_CORETYPE set on AVX-512 CPUs (COOPERLAKE, or SKYLAKEX without AVX512-BF16;
# OpenBLAS 0.3.21 does not know CPU model 207 and falls back to SSE3 kernels: platform.md),
# in their commands only.
# Writes BUILD_DIR/bench/bench.csv and prints the table of targets (tests/bench/report.lua).
# Exits non-zero only when a bench crashes or a gglab figure is missing, or a model differs
# between gglab and a peer; a missed target prints MISS.
build=${1:-build}
section=${2:-all}
case $section in
all | seq | attn | rnn) ;;
*) echo "usage: run.sh BUILD_DIR [all|seq|attn|rnn]" >&2; exit 2 ;;
esac
here=$(dirname "$0")
out=$build/bench
mkdir -p "$out"
raw=$out/raw.txt
csv=$out/bench.csv
if [ "$section" != all ]; then
    raw=$out/raw-$section.txt
    csv=$out/bench-$section.csv
fi
: >"$raw"
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT
status=0

pin=
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
    pin="taskset -c 0"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
where="not pinned (no usable taskset)"
[ -n "$pin" ] && where="pinned to core 0"
echo "machine: ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?') CPUs; $where; load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# run LABEL CMD...: the command's output to the raw log and the terminal; remembers failure.
# While tag is set, a line's leading "gglab " becomes "$tag " (the base commit's build).
tag=
run() {
    label=$1
    shift
    if ! "$@" >"$tmpd/one" 2>"$tmpd/err"; then
        echo "bench failed: $label" >&2
        cat "$tmpd/err" >&2
        status=1
    fi
    if [ -n "$tag" ]; then sed "s/^gglab /$tag /" "$tmpd/one"; else cat "$tmpd/one"; fi | tee -a "$raw"
}

rounds=${BENCH_ROUNDS:-2}
base_rev=${BENCH_BASE-8d3e96e}

# 0. the peers: Python with torch, and the BLAS Debian's torch runs on (libblas.so.3)
py=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' >/dev/null 2>&1; then py=$p; break; fi
done
blas=$(update-alternatives --display libblas.so.3-x86_64-linux-gnu 2>/dev/null |
    sed -n 's/.*link currently points to //p' | head -n 1)
case $blas in
*openblas*) ;;
*)
    echo "**********************************************************************"
    echo "NOTE: libblas.so.3 is ${blas:-unknown}, not OpenBLAS: PyTorch and libtorch"
    echo "run their Linear layers on the slow reference BLAS, which flatters gglab"
    echo "(platform.md). As root, make bench-deps installs libopenblas0-serial."
    echo "**********************************************************************"
    ;;
esac
ct=${OPENBLAS_CORETYPE:-}
if [ -z "$ct" ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    if grep -qw avx512_bf16 /proc/cpuinfo; then ct=COOPERLAKE; else ct=SKYLAKEX; fi
fi
peer=$pin
[ -n "$ct" ] && peer="$pin env OPENBLAS_CORETYPE=$ct"
core=
if [ -n "$py" ]; then
    core=$(env ${ct:+OPENBLAS_CORETYPE=$ct} OPENBLAS_VERBOSE=2 "$py" -c \
        'import ctypes; ctypes.CDLL("libblas.so.3")' 2>&1 | sed -n 's/^Core: //p' | tail -n 1)
    echo "torch $("$py" -c 'import torch; print(torch.__version__)'), 1 thread; BLAS: ${blas:-unknown}${core:+, OpenBLAS core $core}${ct:+ (OPENBLAS_CORETYPE=$ct for the peers)}"
else
    echo "python3-torch not installed: no PyTorch figures (apt-get install python3-torch)"
fi
[ -x "$build/bench/bench_libtorch" ] || echo "libtorch-dev not installed: no libtorch figures (apt-get install libtorch-dev)"

# The bench of commit $1: its core library with this checkout's bench_step.c (the same
# program on both cores; its own bench_step.c if this one does not build there), built into
# $build/bench/base-<sha> from git archive. Prints the program's path, nothing on failure.
base_bench() {
    top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null)
    sha=$(git -C "$here" rev-parse --short=12 --verify -q "$1^{commit}" 2>/dev/null) || {
        echo "BENCH_BASE=$1: not a commit here (no git?): no old-vs-new MLP figures" >&2
        return 0
    }
    dir=$build/bench/base-$sha
    src=$dir/tests/bench/bench_step.c
    if [ ! -f "$src.orig" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        echo "extracting $sha ($(git -C "$here" log -1 --format=%s "$sha" | cut -c1-60)) into $dir" >&2
        if ! { git -C "$top" archive "$sha" | tar -x -C "$dir" && cp "$src" "$src.orig"; }; then
            echo "git archive $sha failed: no old-vs-new MLP figures" >&2
            return 0
        fi
    fi
    cmp -s "$here/bench_step.c" "$src" || cp "$here/bench_step.c" "$src"
    mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$dir" -j2 BUILD=build build/tests/bench_step >"$dir.log" 2>&1; }
    if ! mk; then
        echo "this bench_step.c does not build on $sha (see $dir.log); using its own" >&2
        cp "$src.orig" "$src"
        mk || { echo "building bench_step of $sha failed (see $dir.log): no old-vs-new MLP figures" >&2; return 0; }
    fi
    echo "$dir/build/tests/bench_step"
}

# 1. the CPU's measured FMA peak (again before the conv layers; report.lua takes the max)
run peak "$build/bench/bench_peak"

# 2. MLP training steps: gglab alternating with the base commit's build, then the peers
base=
if [ "$section" = all ] && [ -n "$base_rev" ]; then
    base=$(base_bench "$base_rev")
    [ -n "$base" ] && echo "base: $(git -C "$here" log -1 --format='%h %ad %s' --date=short "$base_rev" | cut -c1-90)" | tee -a "$raw"
fi
mlp_base() {
    if [ -n "$base" ]; then
        tag=gglab_base
        run "gglab base steps" $pin "$base"
        tag=
    fi
}
mlp_new() { run "gglab steps" $pin "$build/tests/bench_step"; }
r=1
while [ "$section" = all ] && [ "$r" -le "$rounds" ]; do  # odd rounds base then new, even rounds new then base
    if [ $((r % 2)) = 1 ]; then mlp_base; mlp_new; else mlp_new; mlp_base; fi
    r=$((r + 1))
done
if [ "$section" = all ] && [ -n "$py" ]; then
    run "torch" $peer "$py" "$here/bench_torch.py" 5
fi
if [ "$section" = all ] && [ -x "$build/bench/bench_libtorch" ]; then
    run "libtorch" $peer "$build/bench/bench_libtorch" 5
fi

# 3. CNN training steps, A B C C B A ...: gglab, libtorch, PyTorch; then each conv layer alone
cnn_gglab() { run "gglab cnn" $pin env BENCH_ONLY=steps "$build/bench/bench_cnn" 7; }
cnn_libtorch() {
    if [ -x "$build/bench/bench_cnn_libtorch" ]; then
        run "libtorch cnn" $peer "$build/bench/bench_cnn_libtorch" 5
    fi
}
cnn_torch() {
    if [ -n "$py" ]; then
        run "torch cnn" $peer "$py" "$here/bench_cnn_torch.py" 5
    fi
}
r=1
while [ "$section" = all ] && [ "$r" -le "$rounds" ]; do
    if [ $((r % 2)) = 1 ]; then cnn_gglab; cnn_libtorch; cnn_torch; else cnn_torch; cnn_libtorch; cnn_gglab; fi
    r=$((r + 1))
done

# 3b. sequence-model training steps (SEQ.md), A B B A ...: gglab, libtorch; the transformer
# (both activations; bench_attn also times its attention kernel alone) and the LSTM
seq_reps=${BENCH_SEQ_REPS:-5}
attn=yes rnn=yes
[ "$section" = attn ] && rnn=
[ "$section" = rnn ] && attn=
seq_gglab() {
    [ -n "$attn" ] && run "gglab transformer" $pin "$build/bench/bench_attn" "$seq_reps"
    [ -n "$rnn" ] && run "gglab lstm" $pin "$build/bench/bench_rnn" "$seq_reps"
}
seq_libtorch() {
    if [ -n "$attn" ] && [ -x "$build/bench/bench_seq_libtorch" ]; then
        run "libtorch transformer" $peer "$build/bench/bench_seq_libtorch" "$seq_reps"
    fi
    if [ -n "$rnn" ] && [ -x "$build/bench/bench_rnn_libtorch" ]; then
        run "libtorch lstm" $peer "$build/bench/bench_rnn_libtorch" "$seq_reps"
    fi
}
r=1
while [ "$r" -le "$rounds" ]; do
    if [ $((r % 2)) = 1 ]; then seq_gglab; seq_libtorch; else seq_libtorch; seq_gglab; fi
    r=$((r + 1))
done
run peak "$build/bench/bench_peak"
if [ "$section" != all ]; then
    echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
    echo
    lua5.4 "$here/report.lua" "$raw" "$csv" "$section" || status=1
    exit $status
fi
run "gglab conv" $pin env BENCH_ONLY=conv "$build/bench/bench_cnn"

# 4. whole gglab processes: each repetition writes into a fresh directory (removing a
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
# Lockstep ensembles (issue 24; off by default): the same sweep with --ensemble, and the
# kernel alone per run-step, solo vs groups of 16 on each ISA path (bench_ensemble.c).
time_runs "sweep_seed100 j1_ensemble" 7 $pin $g -j 1 --ensemble "$here/sweep_seed100.lua"
if [ -x "$build/bench/bench_ensemble" ]; then run "ensemble kernel" $pin "$build/bench/bench_ensemble"; fi
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

echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo
lua5.4 "$here/report.lua" "$raw" "$csv" || status=1
exit $status
