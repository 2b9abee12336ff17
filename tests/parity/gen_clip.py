"""tests/parity/gen_clip.py — PyTorch 1.13 fixtures for gradient clipping and explicit L1/L2
penalties (make fixtures).

Each case trains the 4-8-3 tanh MLP of gen_optim.py with SGD (lr 0.1) for 120 steps on
batches of 8; a deliberately large target scale makes the raw gradients exceed the clip
thresholds, so clipping is active on most steps. extra.norms holds the total gradient
norm clip_grad_norm_ returned at each step (pre-clip).
"""
import torch

import fixture

STEPS = 120


def run(name, config, seed=3):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    x = torch.randn(64, 4, generator=gen)
    w = torch.randn(4, 3, generator=gen)
    y = 4.0 * torch.tanh(x @ w) + 0.1 * torch.randn(64, 3, generator=gen)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    init = fixture.params(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    bs = fixture.batches(64, 8, STEPS, gen)
    losses, lrs, norms = [], [], []
    for b in bs:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x[b]), y[b])
        if config.get("l1"):
            loss = loss + config["l1"] * sum(p.abs().sum() for p in model.parameters())
        if config.get("l2"):
            loss = loss + config["l2"] * sum((p * p).sum() for p in model.parameters())
        loss.backward()
        if "clip_norm" in config:
            p = config.get("clip_norm_type", 2.0)
            norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), config["clip_norm"],
                                                        norm_type=p).item())
        if "clip_value" in config:
            torch.nn.utils.clip_grad_value_(model.parameters(), config["clip_value"])
        lrs.append(0.1)
        opt.step()
        losses.append(loss.item())
    fixture.write("clip", name, {
        "layers": fixture.layer_specs(model), "params": init, "x": x, "y": y,
        "batches": fixture.one_based(bs), "losses": losses, "lrs": lrs,
        "final": fixture.params(model), "config": dict(config, loss="mse", optimizer="sgd", lr=0.1),
        "extra": {"norms": norms},
    })


run("norm_l2", {"clip_norm": 1.0})
run("norm_l1", {"clip_norm": 2.0, "clip_norm_type": 1.0})
run("norm_linf", {"clip_norm": 0.25, "clip_norm_type": float("inf")})
run("norm_p3", {"clip_norm": 0.8, "clip_norm_type": 3.0})
run("value", {"clip_value": 0.05})
run("norm_and_value", {"clip_norm": 1.0, "clip_value": 0.1})
run("penalty_l1", {"l1": 1e-3})
run("penalty_l2", {"l2": 1e-2})
run("penalty_l1_l2_clip", {"l1": 5e-4, "l2": 5e-3, "clip_norm": 1.5})
