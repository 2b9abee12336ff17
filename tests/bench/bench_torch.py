"""tests/bench/bench_torch.py — the loop of bench_step.c in PyTorch, for make bench.

One step: zero_grad, forward, CrossEntropyLoss (mean), backward, Adam(lr=1e-3) step, on
fresh batches: steps*10 random rows and labels are generated once and sliced sequentially,
each rep using every row once. Usage: bench_torch.py [reps [steps]] (default 7 x 2000 after
one warm-up rep). Prints, per workload:
  torch <name> bs10 adam: min X us/step, median Y us/step, Z GFLOP/s
GFLOP/s as in bench_step.c: matmul FLOPs only, forward 2*B*sum(in*out), backward twice that.
"""
import statistics
import sys
import time

import torch

BATCH = 10


def bench(name, sizes, X, Y, reps, steps):
    torch.manual_seed(1)
    layers = []
    for i in range(len(sizes) - 1):
        if i:
            layers.append(torch.nn.ReLU())
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    model = torch.nn.Sequential(*layers)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    flops = 3 * sum(2 * BATCH * a * b for a, b in zip(sizes, sizes[1:]))

    def rep():
        t0 = time.perf_counter()
        for s in range(steps):
            xb = X[s * BATCH:(s + 1) * BATCH]
            yb = Y[s * BATCH:(s + 1) * BATCH]
            opt.zero_grad(set_to_none=False)  # as gglab: grads zeroed in place
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        return (time.perf_counter() - t0) * 1e6 / steps

    rep()  # warm-up
    t = sorted(rep() for _ in range(reps))
    print(f"torch {name} bs{BATCH} adam: min {t[0]:.2f} us/step, "
          f"median {statistics.median(t):.2f} us/step, {flops / (t[0] * 1e3):.2f} GFLOP/s",
          flush=True)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(2024)
    rows = steps * BATCH
    X = torch.randn(rows, 10, generator=g)
    signs = torch.tensor([1.0, -1.0] * 5)
    Y = (X @ signs > 0).long()
    flip = torch.rand(rows, generator=g) < 0.1
    Y = torch.where(flip, 1 - Y, Y)
    bench("mlp_10_50_100_2", [10, 50, 100, 2], X, Y, reps, steps)
    bench("linear_10_2", [10, 2], X, Y, reps, steps)


if __name__ == "__main__":
    main()
