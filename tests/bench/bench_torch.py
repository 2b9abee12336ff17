"""tests/bench/bench_torch.py — the loops of bench_step.c, and the 100-run sweep, in PyTorch.

Per workload one step is: zero_grad, forward, CrossEntropyLoss (mean), backward, optimizer
step (Adam lr 1e-3 for the seed MLP and Linear 10-2, SGD lr 0.01 momentum 0.9 for the
larger MLPs), on fresh batches sliced sequentially from a pool (each rep uses every row
once); every rep restarts from the same initial parameters with a new optimizer; one
warm-up rep. Prints per workload:
  torch <name> bs<B> <opt>: min X us/step, median Y us/step, Z GFLOP/s
  torch <name> bs<B> <opt> cpu: min X us/step, median Y us/step   (the process's CPU time, all threads)
GFLOP/s as in bench_step.c: matmul FLOPs only, forward 2*B*sum(in*out), backward twice that.

Then the sweep of tests/bench/sweep_seed100.lua: 100 runs (10 lrs log-spaced in
[1e-4, 1e-1] x 10 seeds) of 100 Adam steps of the seed MLP on 1000 fresh Gaussian-blob
rows each, batch 10, every step's loss kept:
  torch sweep_seed100 loop: min X s, median Y s        (one run after another)
  torch sweep_seed100 ensemble: min X s, median Y s    (all 100 runs as one batched
      computation: bmm over a leading run dimension, Adam over the stacked parameters with
      a per-run learning rate; the fastest way to run this sweep in PyTorch we found)
Usage: bench_torch.py [reps] (default 7; the sweeps run 3 times after a warm-up).
"""
import math
import statistics
import sys
import time

import torch

WORKLOADS = [
    ("mlp_10_50_100_2", [10, 50, 100, 2], 10, 2000, "adam"),
    ("linear_10_2", [10, 2], 10, 2000, "adam"),
    ("mlp_64_256_256_10", [64, 256, 256, 10], 64, 400, "sgd"),
    ("mlp_784_512_512_10", [784, 512, 512, 10], 128, 100, "sgd"),
]


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        if i:
            layers.append(torch.nn.ReLU())
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    return torch.nn.Sequential(*layers)


def bench(name, sizes, batch, steps, kind, reps):
    g = torch.Generator().manual_seed(2024)
    rows = steps * batch
    X = torch.randn(rows, sizes[0], generator=g)
    Y = torch.randint(sizes[-1], (rows,), generator=g)
    torch.manual_seed(1)
    model = mlp(sizes)
    init = [p.detach().clone() for p in model.parameters()]
    loss_fn = torch.nn.CrossEntropyLoss()
    flops = 3 * sum(2 * batch * a * b for a, b in zip(sizes, sizes[1:]))

    def rep():
        with torch.no_grad():
            for p, q in zip(model.parameters(), init):
                p.copy_(q)
        if kind == "adam":
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        else:
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        t0, c0 = time.perf_counter(), time.process_time()
        for s in range(steps):
            xb = X[s * batch:(s + 1) * batch]
            yb = Y[s * batch:(s + 1) * batch]
            opt.zero_grad(set_to_none=False)  # as gglab: grads zeroed in place
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        t1, c1 = time.perf_counter(), time.process_time()
        return (t1 - t0) * 1e6 / steps, (c1 - c0) * 1e6 / steps

    rep()  # warm-up
    tc = [rep() for _ in range(reps)]
    t, c = sorted(x[0] for x in tc), sorted(x[1] for x in tc)
    print(f"torch {name} bs{batch} {kind}: min {t[0]:.2f} us/step, "
          f"median {statistics.median(t):.2f} us/step, {flops / (t[0] * 1e3):.2f} GFLOP/s",
          flush=True)
    print(f"torch {name} bs{batch} {kind} cpu: min {c[0]:.2f} us/step, median {statistics.median(c):.2f} us/step",
          flush=True)


LRS = [10 ** (-4 + 3 * i / 9) for i in range(10)]
SEEDS = range(1, 11)


def blobs(seed):
    g = torch.Generator().manual_seed(seed)
    centres = 3 * torch.randn(2, 10, generator=g)
    y = torch.arange(1000) % 2
    x = centres[y] + torch.randn(1000, 10, generator=g)
    return x, y, torch.randperm(1000, generator=g)


def sweep_loop():
    t0 = time.perf_counter()
    for seed in SEEDS:
        for lr in LRS:
            x, y, perm = blobs(seed)
            torch.manual_seed(seed)
            model = mlp([10, 50, 100, 2])
            opt = torch.optim.Adam(model.parameters(), lr=lr)
            losses = []
            for s in range(100):
                b = perm[s * 10:(s + 1) * 10]
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(x[b]), y[b])
                loss.backward()
                opt.step()
                losses.append(loss.item())
    return time.perf_counter() - t0


def sweep_ensemble():
    """All 100 runs at once: parameters stacked over a leading run dimension R."""
    t0 = time.perf_counter()
    R = len(SEEDS) * len(LRS)
    xs, ys, perms, lrs = [], [], [], []
    for seed in SEEDS:
        x, y, perm = blobs(seed)
        for lr in LRS:
            xs.append(x)
            ys.append(y)
            perms.append(perm)
            lrs.append(lr)
    X, Yl, P = torch.stack(xs), torch.stack(ys), torch.stack(perms)   # (R,1000,10) (R,1000) (R,1000)
    lr = torch.tensor(lrs)
    params = []
    for a, b in zip([10, 50, 100], [50, 100, 2]):                     # torch.nn.Linear's init
        bound = 1 / math.sqrt(a)
        params.append((torch.rand(R, b, a) * 2 - 1) * bound)           # W (R,out,in)
        params.append((torch.rand(R, 1, b) * 2 - 1) * bound)           # b (R,1,out)
    for p in params:
        p.requires_grad_(True)
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    rows = torch.arange(R)[:, None]
    losses = []
    for s in range(100):
        idx = P[:, s * 10:(s + 1) * 10]                                # (R,10)
        xb, yb = X[rows, idx], Yl[rows, idx]                           # (R,10,10) (R,10)
        h = xb
        for i in range(3):
            h = torch.baddbmm(params[2 * i + 1], h, params[2 * i].transpose(1, 2))
            if i < 2:
                h = torch.relu(h)
        loss = torch.nn.functional.cross_entropy(h.reshape(-1, 2), yb.reshape(-1),
                                                 reduction="none").view(R, 10).mean(1)
        for p in params:
            p.grad = None
        loss.sum().backward()                                          # runs are independent
        losses.append(loss.detach())
        t = s + 1
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        with torch.no_grad():
            for p, mm, vv in zip(params, m, v):
                g = p.grad
                mm.mul_(b1).add_(g, alpha=1 - b1)
                vv.mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = (vv.sqrt() / math.sqrt(bc2)).add_(eps)
                p.addcdiv_(mm, denom * (bc1 / lr).view(R, 1, 1), value=-1.0)
    torch.stack(losses).tolist()
    return time.perf_counter() - t0


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    torch.set_num_threads(1)
    for w in WORKLOADS:
        bench(*w, reps)
    for name, fn in (("loop", sweep_loop), ("ensemble", sweep_ensemble)):
        fn()  # warm-up
        t = sorted(fn() for _ in range(3))
        print(f"torch sweep_seed100 {name}: min {t[0]:.4f} s, median {statistics.median(t):.4f} s",
              flush=True)


if __name__ == "__main__":
    main()
