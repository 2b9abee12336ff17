#!/bin/sh
# tests/bench/run.sh BUILD_DIR — make bench: µs per training step of gglab (bench_step) and,
# when PyTorch is importable, of the same loop in PyTorch (bench_torch.py), alternating
# gglab, torch, gglab, torch in this one invocation so both see the same machine state.
# Each process is pinned to core 0 when taskset works; torch runs single-threaded.
# Ends with the ratio torch/gglab per workload (best min and best median over the rounds).
build=${1:-build}
here=$(dirname "$0")
rounds=2
out=$(mktemp)
trap 'rm -f "$out"' EXIT

pin=
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
    pin="taskset -c 0"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
simd=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | tr ' ' '\n' | grep -xE 'avx2|fma|avx512f' | tr '\n' ' ' | sed 's/ $//')
where="pinned to core 0 (taskset)"
[ -z "$pin" ] && where="not pinned (no usable taskset)"
echo "machine: ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?') CPUs, ${simd:-no avx2}; $where"

py=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' >/dev/null 2>&1; then
        py=$p
        break
    fi
done
if [ -n "$py" ]; then
    tv=$("$py" -c 'import torch; print(torch.__version__)' 2>/dev/null)
    blas=$(update-alternatives --display libblas.so.3-x86_64-linux-gnu 2>/dev/null |
        sed -n 's/.*link currently points to //p' | head -n 1)
    echo "torch $tv ($py), 1 thread, BLAS: ${blas:-unknown}"
fi
echo "timing is noisy (shared machine): min and median of 7 reps x 2000 fresh batches; GFLOP/s at the min, matmul FLOPs fwd 2*B*sum(in*out) + bwd 2x fwd"

status=0
one=$(mktemp)
trap 'rm -f "$out" "$one"' EXIT
show() {  # append one bench's lines to $out and print them; remember a failure
    rc=$1
    cat "$one"
    cat "$one" >>"$out"
    [ "$rc" -eq 0 ] || status=1
}
r=1
while [ "$r" -le "$rounds" ]; do
    $pin "$build/tests/bench_step" >"$one"
    show $?
    if [ -n "$py" ]; then
        OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
            $pin "$py" "$here/bench_torch.py" >"$one"
        show $?
    else
        break # without torch one gglab round is enough
    fi
    r=$((r + 1))
done

# ---- sweeps through the gglab executable (whole process: start, runs, CSVs, manifest) ----
tmpd=$(mktemp -d)
trap 'rm -f "$out" "$one"; rm -rf "$tmpd"' EXIT
best() {  # best wall time in seconds of 5 runs of a command, each into a fresh $tmpd/out
    b=
    for _ in 1 2 3 4 5; do
        rm -rf "$tmpd/out"
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || { echo "bench command failed: $*" >&2; status=1; }
        t1=$(date +%s.%N)
        t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
        if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN { exit !(t < b) }'; then b=$t; fi
    done
    echo "$b"
}
e1=$(best $build/gglab run -q -j 1 --out "$tmpd/out" "$here/sweep_empty.lua")
awk -v e="$e1" 'BEGIN { printf "gglab sweep_empty 100 runs -j1: %.1f ms total, %.3f ms per run\n", e * 1000, e * 10 }'
m1=$(best $build/gglab run -q -j 1 --out "$tmpd/out" "$here/sweep_mlp.lua")
m2=$(best $build/gglab run -q -j 2 --out "$tmpd/out" "$here/sweep_mlp.lua")
awk -v a="$m1" -v b="$m2" 'BEGIN { printf "gglab sweep_mlp 200 runs: -j1 %.3f s, -j2 %.3f s, speed-up %.2fx\n", a, b, a / b }'
if [ -n "$py" ]; then
    tt=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $pin "$py" "$here/sweep_torch.py" | sed -n 's/.*: \([0-9.]*\) s/\1/p')
    awk -v t="$tt" -v a="$m1" -v b="$m2" 'BEGIN { printf "torch sweep_mlp 200 runs (plain loop, 1 thread): %.3f s; gglab -j1 is %.1fx faster, -j2 %.1fx\n", t, t / a, t / b }'
fi

if [ -z "$py" ]; then
    echo "python3-torch not installed: skipping the PyTorch comparison (apt-get install python3-torch)"
    exit $status
fi

# Lines: "<impl> <name> bs10 adam: min X us/step, median Y us/step, Z GFLOP/s".
awk '
$1 == "gglab" || $1 == "torch" {
    k = $1 SUBSEP $2
    if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
    if (!(k in mn) || $6 + 0 < mn[k]) mn[k] = $6 + 0
    if (!(k in md) || $9 + 0 < md[k]) md[k] = $9 + 0
}
END {
    for (i = 1; i <= n; i++) {
        w = order[i]; g = "gglab" SUBSEP w; t = "torch" SUBSEP w
        if ((g in mn) && (t in mn) && mn[g] > 0 && md[g] > 0)
            printf "ratio torch/gglab %s: %.1fx (min), %.1fx (median)\n", w, mn[t] / mn[g], md[t] / md[g]
    }
}' "$out"
exit $status
