"""tests/parity/gen_optim.py — PyTorch 1.13 fixtures for the optimizers (make fixtures).

Each case trains a small tanh MLP (4-8-3, MSE on a smooth regression target) for 120 steps
on mini-batches of 8 drawn from fresh per-epoch permutations, and records losses, the lr
of each step and the final parameters (format: fixture.py). Configurations are chosen to
converge smoothly so a step-by-step comparison is meaningful.
"""
import torch

import fixture

STEPS = 120


def data(gen):
    x = torch.randn(64, 4, generator=gen)
    w = torch.randn(4, 3, generator=gen)
    y = torch.tanh(x @ w) + 0.1 * torch.randn(64, 3, generator=gen)
    return x, y


def run(name, make_opt, config, seed=1):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    x, y = data(gen)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    init = fixture.params(model)
    opt = make_opt(model.parameters())
    bs = fixture.batches(64, 8, STEPS, gen)
    losses, lrs = [], []
    for b in bs:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x[b]), y[b])
        loss.backward()
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        losses.append(loss.item())
    fixture.write("optim", name, {
        "layers": fixture.layer_specs(model), "params": init, "x": x, "y": y,
        "batches": fixture.one_based(bs), "losses": losses, "lrs": lrs,
        "final": fixture.params(model), "config": dict(config, loss="mse"),
    })


O = torch.optim
run("sgd", lambda p: O.SGD(p, lr=0.05), {"optimizer": "sgd", "lr": 0.05})
run("sgd_momentum", lambda p: O.SGD(p, lr=0.02, momentum=0.9),
    {"optimizer": "sgd", "lr": 0.02, "momentum": 0.9})
run("sgd_dampening_wd", lambda p: O.SGD(p, lr=0.02, momentum=0.8, dampening=0.3, weight_decay=0.01),
    {"optimizer": "sgd", "lr": 0.02, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01})
run("sgd_nesterov", lambda p: O.SGD(p, lr=0.02, momentum=0.9, nesterov=True),
    {"optimizer": "sgd", "lr": 0.02, "momentum": 0.9, "nesterov": True})
run("adam", lambda p: O.Adam(p, lr=0.01), {"optimizer": "adam", "lr": 0.01})
run("adam_wd_betas", lambda p: O.Adam(p, lr=0.005, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01),
    {"optimizer": "adam", "lr": 0.005, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.01})
run("amsgrad", lambda p: O.Adam(p, lr=0.01, amsgrad=True), {"optimizer": "adam", "lr": 0.01, "amsgrad": True})
