"""tests/parity/gen_optim.py — PyTorch 1.13 fixtures for the optimizers (make fixtures).

Each case trains a small tanh MLP (4-8-3, MSE on a smooth regression target) for 120 steps
on mini-batches of 8 drawn from fresh per-epoch permutations, and records losses, the lr
of each step and the final parameters (format: fixture.py). Configurations are chosen to
converge smoothly so a step-by-step comparison is meaningful.

Keras Adam (gg.optim.keras_adam) has no torch class. Its reference is KerasAdam below, a
torch.optim.Optimizer written from the formula of tf.keras 2.x Adam (docs/semantics.md):
m, v as torch.optim.Adam, alpha_t = lr*sqrt(1 - b2^t)/(1 - b1^t) in Python floats, and
p <- p - alpha_t * m / (sqrt(v) + eps), eps added before the bias correction. Its float32
operations follow torch's Adam (mul_/add_/addcmul_/addcdiv_), so the fixture checks the
formula, not TensorFlow's own rounding (tf computes m += (g - m)(1 - b1)).
"""
import math

import torch

import fixture

STEPS = 120


def data(gen):
    x = torch.randn(64, 4, generator=gen)
    w = torch.randn(4, 3, generator=gen)
    y = torch.tanh(x @ w) + 0.1 * torch.randn(64, 3, generator=gen)
    return x, y


class KerasAdam(torch.optim.Optimizer):
    """Reference for gg.optim.keras_adam: tf.keras 2.x Adam, eps before bias correction."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-7):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["m"] = torch.zeros_like(p)
                    st["v"] = torch.zeros_like(p)
                st["step"] += 1
                t, m, v = st["step"], st["m"], st["v"]
                m.mul_(b1).add_(p.grad, alpha=1 - b1)
                v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                alpha = group["lr"] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                p.addcdiv_(m, v.sqrt().add_(group["eps"]), value=-alpha)


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
run("adamw", lambda p: O.AdamW(p, lr=0.01), {"optimizer": "adamw", "lr": 0.01})
run("adamw_wd_amsgrad", lambda p: O.AdamW(p, lr=0.01, betas=(0.85, 0.995), weight_decay=0.1, amsgrad=True),
    {"optimizer": "adamw", "lr": 0.01, "betas": [0.85, 0.995], "weight_decay": 0.1, "amsgrad": True})
run("rmsprop", lambda p: O.RMSprop(p, lr=0.002), {"optimizer": "rmsprop", "lr": 0.002})
run("rmsprop_centered_momentum_wd",
    lambda p: O.RMSprop(p, lr=0.001, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.5, centered=True),
    {"optimizer": "rmsprop", "lr": 0.001, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01, "momentum": 0.5,
     "centered": True})
run("adagrad", lambda p: O.Adagrad(p, lr=0.05), {"optimizer": "adagrad", "lr": 0.05})
run("adagrad_decay_init_wd",
    lambda p: O.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1),
    {"optimizer": "adagrad", "lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1})
run("keras_adam", lambda p: KerasAdam(p, lr=0.01), {"optimizer": "keras_adam", "lr": 0.01})
# eps 1e-3 is comparable to sqrt(v) here, so PyTorch's eps placement would not match this run.
run("keras_adam_eps_betas", lambda p: KerasAdam(p, lr=0.005, betas=(0.8, 0.99), eps=1e-3),
    {"optimizer": "keras_adam", "lr": 0.005, "betas": [0.8, 0.99], "eps": 1e-3})
