"""tests/parity/gen_layers.py — PyTorch 1.13 fixtures for activations, BatchNorm1d, Dropout
and the initialisations (make fixtures).

Training cases (format: fixture.py) train a small MLP (4-8-3, MSE on a smooth regression
target, SGD lr 0.1) for 60 steps on mini-batches of 8 from fresh per-epoch permutations:
  act_<name>    Linear → <activation> → Linear, one per activation (and parameter choice);
  batchnorm     Linear → BatchNorm1d → ReLU → Linear in train mode; extra.buffers holds the
                running stats after training and extra.eval_out the eval-mode output on x;
  dropout       Linear → ReLU → Dropout(0.3) → Linear in train mode. Dropout masks come
                from each framework's own generator, so they cannot match: extra.masks
                records torch's keep mask (B x 8, 0/1) of every step, captured by drawing
                the same bernoulli_ from a saved RNG state, and the Lua test replays them
                (model:dropout_mask). extra.eval_out is the eval-mode output (identity).
init_moments: different generators give different bits, so the initialisations are
compared as distributions: mean, standard deviation and max |w| of a 200x100 weight (and
the default bias) per torch.nn.init function, which the Lua test compares with gg's.
"""
import math

import torch

import fixture

STEPS = 60
LR = 0.1


def data(gen):
    x = torch.randn(64, 4, generator=gen)
    w = torch.randn(4, 3, generator=gen)
    y = torch.tanh(x @ w) + 0.1 * torch.randn(64, 3, generator=gen)
    return x, y


class MaskRecorder:
    """Forward pre-hook on an nn.Dropout: draws the mask F.dropout is about to draw
    (empty_like(x).bernoulli_(1 - p) from the same generator state) and restores the state."""

    def __init__(self, module):
        self.masks = []
        self.module = module
        module.register_forward_pre_hook(self.pre)
        module.register_forward_hook(self.post)

    def pre(self, mod, inputs):
        if not mod.training:
            return
        state = torch.get_rng_state()
        self.masks.append(torch.empty_like(inputs[0]).bernoulli_(1 - mod.p))
        torch.set_rng_state(state)

    def post(self, mod, inputs, output):
        if mod.training:  # the recorded mask is the one torch used
            want = inputs[0] * (self.masks[-1] / (1 - mod.p))
            assert torch.equal(output, want), "dropout mask capture failed"


def run(name, middle, seed=1, extra_fn=None):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    x, y = data(gen)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), *middle, torch.nn.Linear(8, 3))
    rec = None
    for m in model:
        if isinstance(m, torch.nn.Dropout):
            rec = MaskRecorder(m)
    init = fixture.params(model)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    bs = fixture.batches(64, 8, STEPS, gen)
    losses, lrs = [], []
    model.train()
    for b in bs:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x[b]), y[b])
        loss.backward()
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        losses.append(loss.item())
    extra = {}
    if rec is not None:
        extra["masks"] = rec.masks
    if any(isinstance(m, (torch.nn.BatchNorm1d, torch.nn.Dropout)) for m in model):
        extra["buffers"] = fixture.buffers(model)
        model.eval()
        with torch.no_grad():
            extra["eval_out"] = model(x)
    fixture.write("layers", name, {
        "layers": fixture.layer_specs(model), "params": init, "x": x, "y": y,
        "batches": fixture.one_based(bs), "losses": losses, "lrs": lrs,
        "final": fixture.params(model), "config": {"optimizer": "sgd", "lr": LR, "loss": "mse"},
        "extra": extra,
    })


N = torch.nn
run("act_relu", [N.ReLU()])
run("act_sigmoid", [N.Sigmoid()])
run("act_tanh", [N.Tanh()])
run("act_leaky_relu", [N.LeakyReLU()])
run("act_leaky_relu_0.2", [N.LeakyReLU(0.2)])
run("act_gelu", [N.GELU()])
run("act_gelu_tanh", [N.GELU(approximate="tanh")])
run("act_elu", [N.ELU()])
run("act_elu_0.5", [N.ELU(alpha=0.5)])
run("act_silu", [N.SiLU()])
run("act_softplus", [N.Softplus()])
run("act_softplus_beta2_thr1", [N.Softplus(beta=2.0, threshold=1.0)])
run("act_identity", [N.Identity()])
run("batchnorm", [N.BatchNorm1d(8), N.ReLU()])
run("batchnorm_momentum_eps", [N.BatchNorm1d(8, eps=1e-3, momentum=0.3), N.Tanh()], seed=2)
run("dropout", [N.ReLU(), N.Dropout(0.3)])


def init_moments():
    """Moments of torch.nn.init draws on a (200, 100) weight: fan_in 100, fan_out 200."""
    torch.manual_seed(0)
    I = torch.nn.init
    cases = [
        ("default", {}, lambda w: I.kaiming_uniform_(w, a=math.sqrt(5))),
        ("xavier_uniform", {"gain": 2.0}, lambda w: I.xavier_uniform_(w, gain=2.0)),
        ("xavier_normal", {}, lambda w: I.xavier_normal_(w)),
        ("kaiming_uniform", {"nonlinearity": "relu"}, lambda w: I.kaiming_uniform_(w, nonlinearity="relu")),
        ("kaiming_uniform", {"a": 0.2, "nonlinearity": "leaky_relu"},
         lambda w: I.kaiming_uniform_(w, a=0.2, nonlinearity="leaky_relu")),
        ("kaiming_normal", {"mode": "fan_out", "nonlinearity": "tanh"},
         lambda w: I.kaiming_normal_(w, mode="fan_out", nonlinearity="tanh")),
        ("kaiming_normal", {}, lambda w: I.kaiming_normal_(w)),
        ("normal", {"mean": 0.5, "std": 0.2}, lambda w: I.normal_(w, 0.5, 0.2)),
        ("uniform", {"a": -1.0, "b": 3.0}, lambda w: I.uniform_(w, -1.0, 3.0)),
        ("constant", {"value": 0.25}, lambda w: I.constant_(w, 0.25)),
        ("zeros", {}, lambda w: I.zeros_(w)),
        ("glorot_uniform", {}, lambda w: I.xavier_uniform_(w)),  # Keras' glorot = xavier gain 1
    ]
    out = []
    for name, opts, fn in cases:
        w = torch.empty(200, 100)
        fn(w)
        out.append({"init": name, "opts": opts, "mean": w.mean().item(), "std": w.std(unbiased=False).item(),
                    "maxabs": w.abs().max().item(), "n": w.numel()})
    lin = torch.nn.Linear(100, 200)  # default bias: U(-1/sqrt(100), 1/sqrt(100))
    b = lin.bias.detach()
    fixture.write("layers", "init_moments", {
        "inits": out, "default_bias": {"mean": b.mean().item(), "std": b.std(unbiased=False).item(),
                                        "maxabs": b.abs().max().item()},
        "gains": {n: torch.nn.init.calculate_gain(n) for n in ("linear", "sigmoid", "tanh", "relu", "selu")},
        "gain_leaky_0.2": torch.nn.init.calculate_gain("leaky_relu", 0.2),
    })


init_moments()
