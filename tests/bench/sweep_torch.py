"""tests/bench/sweep_torch.py — the 200 runs of tests/bench/sweep_mlp.lua as a plain PyTorch
loop (one process, one thread): for each point, fresh Gaussian-blob data (1000 rows),
MLP 10-50-100-2, Adam, batch 10, 100 steps, per-step loss read with .item() as a logging
loop would. Prints "torch sweep_mlp 200 runs: X s".
"""
import time

import torch

torch.set_num_threads(1)
t0 = time.perf_counter()
for seed in range(1, 11):
    for i in range(20):
        lr = 10 ** (-4 + 3 * i / 19)
        g = torch.Generator().manual_seed(seed)
        centres = 3 * torch.randn(2, 10, generator=g)
        y = torch.arange(1000) % 2
        x = centres[y] + torch.randn(1000, 10, generator=g)
        model = torch.nn.Sequential(torch.nn.Linear(10, 50), torch.nn.ReLU(), torch.nn.Linear(50, 100),
                                    torch.nn.ReLU(), torch.nn.Linear(100, 2))
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        perm = torch.randperm(1000, generator=g)
        losses = []
        for s in range(100):
            b = perm[s * 10:(s + 1) * 10]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[b]), y[b])
            loss.backward()
            opt.step()
            losses.append(loss.item())
print(f"torch sweep_mlp 200 runs: {time.perf_counter() - t0:.3f} s", flush=True)
