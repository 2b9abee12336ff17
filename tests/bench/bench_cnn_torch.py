"""tests/bench/bench_cnn_torch.py — the CNN training steps of tests/bench/CNN.md in PyTorch.

Workloads (gglab builds the identical models):
  lenet   input 1x8x8, batch 64, 10 classes, SGD lr 0.01 momentum 0.9:
          Conv2d(1,6,3,p1) ReLU MaxPool2d(2) Conv2d(6,16,3,p1) ReLU MaxPool2d(2) Flatten
          Linear(64,120) ReLU Linear(120,84) ReLU Linear(84,10)
  resnet  input 3x32x32, batch 32, 10 classes, SGD lr 0.05 momentum 0.9:
          stem Conv2d(3,16,3,p1,no bias) BN ReLU; BasicBlocks (16->16,s1) (16->32,s2)
          (32->32,s1) (32->64,s2); AdaptiveAvgPool2d(1) Flatten Linear(64,10)
One step is: zero_grad (in place), forward, CrossEntropyLoss (mean), backward, optimizer
step, on fresh batches sliced sequentially from a pool of standard normal inputs and uniform
labels (each rep uses every batch once); every rep restarts from the same initial
parameters and BatchNorm buffers with a new optimizer; one warm-up rep. Prints per workload
  torch <name> model: params P, buffers U, conv+linear MACs/sample M, FLOP/step F
  torch <name> bs<B> sgd: min X us/step, median Y us/step, Z GFLOP/s
  torch <name> bs<B> sgd cpu: min X us/step, median Y us/step   (the process's CPU time, all threads)
FLOP/step counts conv and Linear layers only: forward 2*MACs, backward twice the forward
(dx and dW), so F = 3 * 2 * B * M, even where no dx is computed (the first conv); GFLOP/s
at the min. BatchNorm, ReLU, pooling, the loss and SGD are not counted.
Usage: bench_cnn_torch.py [reps] (default 7). Run pinned, one thread (CNN.md).
"""
import statistics
import sys
import time

import torch
from torch import nn


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return torch.relu(h + self.shortcut(x))


def resnet():
    blocks = [BasicBlock(i, o, s) for i, o, s in ((16, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2))]
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        *blocks,
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


# name, constructor, input shape (C, H, W), batch, steps per rep, lr
WORKLOADS = [
    ("lenet", lenet, (1, 8, 8), 64, 400, 0.01),
    ("resnet", resnet, (3, 32, 32), 32, 20, 0.05),
]


def macs_per_sample(model, shape):
    """Multiply-adds of the Conv2d and Linear layers for one sample, from their output shapes."""
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        if isinstance(mod, nn.Conv2d):
            k = mod.weight[0].numel()  # Cin/groups * kh * kw
            total += out[0].numel() * k  # Cout * Hout * Wout outputs
        else:
            total += mod.in_features * mod.out_features
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model.eval()
        model(torch.zeros(1, *shape))
        model.train()
    for h in hs:
        h.remove()
    return total


def bench(name, make, shape, batch, steps, lr, reps):
    g = torch.Generator().manual_seed(2024)
    X = torch.randn(steps * batch, *shape, generator=g)
    Y = torch.randint(10, (steps * batch,), generator=g)
    torch.manual_seed(1)
    model = make()
    state = {k: v.clone() for k, v in model.state_dict().items()}  # parameters and BN buffers
    params = sum(p.numel() for p in model.parameters())
    buffers = sum(b.numel() for b in model.buffers() if b.is_floating_point())
    macs = macs_per_sample(model, shape)
    flops = 3 * 2 * batch * macs
    print(f"torch {name} model: params {params}, buffers {buffers}, conv+linear MACs/sample {macs}, "
          f"FLOP/step {flops}", flush=True)
    loss_fn = nn.CrossEntropyLoss()

    def rep():
        model.load_state_dict(state)
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
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
    print(f"torch {name} bs{batch} sgd: min {t[0]:.2f} us/step, "
          f"median {statistics.median(t):.2f} us/step, {flops / (t[0] * 1e3):.2f} GFLOP/s",
          flush=True)
    print(f"torch {name} bs{batch} sgd cpu: min {c[0]:.2f} us/step, median {statistics.median(c):.2f} us/step",
          flush=True)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    torch.set_num_threads(1)
    for w in WORKLOADS:
        bench(*w, reps)


if __name__ == "__main__":
    main()
