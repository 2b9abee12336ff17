"""tests/parity/gen_loss.py — PyTorch 1.13 fixtures for the losses (make fixtures).

Two kinds of fixture (format: fixture.py), both under fixtures/loss/:

- batch_<case>.lua: one prediction/target pair per loss and option set, with torch's loss
  value and gradient w.r.t. the prediction for reduction 'mean' and 'sum'
  (extra = {pred, target, mean = {value, grad}, sum = {value, grad}}; config = {loss,
  opts}). The data put some elements on the kinks (|d| = 0, beta, delta) and clamps
  (BCE at p = 0 and 1, logits +-100) where torch's branch choice shows.
- train_<case>.lua: a small tanh MLP trained for 120 SGD steps on mini-batches of 8 with
  that loss (config = {loss, opts, optimizer, lr}); configurations converge smoothly so a
  step-by-step comparison is meaningful.

Run with Debian's python3 (the one with torch): /usr/bin/python3 tests/parity/gen_loss.py.
"""
import torch

import fixture

F = torch.nn.functional
STEPS = 120
B, K, C = 8, 3, 4


# ---- the losses, as torch calls them: (pred, target, opts, reduction) -> loss ----

def weight_t(opts, key):
    return torch.tensor(opts[key], dtype=torch.float32) if key in opts else None


def torch_loss(name, pred, target, opts, reduction):
    if name == "mse":
        return F.mse_loss(pred, target, reduction=reduction)
    if name == "l1":
        return F.l1_loss(pred, target, reduction=reduction)
    if name == "smooth_l1":
        return F.smooth_l1_loss(pred, target, reduction=reduction, beta=opts.get("beta", 1.0))
    if name == "huber":
        return F.huber_loss(pred, target, reduction=reduction, delta=opts.get("delta", 1.0))
    if name == "bce":
        return F.binary_cross_entropy(pred, target, weight=weight_t(opts, "weight"), reduction=reduction)
    if name == "bce_with_logits":
        return F.binary_cross_entropy_with_logits(pred, target, weight=weight_t(opts, "weight"),
                                                  pos_weight=weight_t(opts, "pos_weight"),
                                                  reduction=reduction)
    cls = target.reshape(-1).long()  # class indices travel as floats in (B, 1)
    if name == "cross_entropy":
        return F.cross_entropy(pred, cls, weight=weight_t(opts, "weight"), reduction=reduction,
                               ignore_index=opts.get("ignore_index", -100),
                               label_smoothing=opts.get("label_smoothing", 0.0))
    if name == "nll":
        return F.nll_loss(pred, cls, weight=weight_t(opts, "weight"), reduction=reduction,
                          ignore_index=opts.get("ignore_index", -100))
    raise ValueError(name)


# ---- (a) single batches ----

def regression_batch(gen, kinks):
    """pred (B,K), target (B,K); the first row's differences are exactly the kinks."""
    target = torch.randn(B, K, generator=gen)
    pred = target + 1.5 * torch.randn(B, K, generator=gen)
    for j, d in enumerate(kinks[:K]):
        pred[0, j] = target[0, j] + d
    for j, d in enumerate(kinks[K:]):
        pred[1, j] = target[1, j] + d
    return pred, target


def prob_batch(gen, edges):
    pred = torch.rand(B, K, generator=gen) * 0.9 + 0.05
    target = (torch.rand(B, K, generator=gen) > 0.5).float()
    target[2] = torch.rand(K, generator=gen)  # one row of soft targets
    if edges:  # p at 0 and 1, right and wrong: each log clamped at -100
        pred[0] = torch.tensor([0.0, 1.0, 0.0])
        target[0] = torch.tensor([1.0, 0.0, 0.0])
        pred[1] = torch.tensor([1.0, 1e-30, 1e-8])
        target[1] = torch.tensor([1.0, 1.0, 0.0])
    return pred, target


def logit_batch(gen, extreme):
    pred = 2.0 * torch.randn(B, K, generator=gen)
    target = (torch.rand(B, K, generator=gen) > 0.5).float()
    target[2] = torch.rand(K, generator=gen)
    if extreme:
        pred[0] = torch.tensor([100.0, -100.0, 100.0])
        target[0] = torch.tensor([1.0, 1.0, 0.0])
    return pred, target


def class_batch(gen, logp, ignore=None):
    pred = 2.0 * torch.randn(B, C, generator=gen)
    if logp:
        pred = torch.log_softmax(pred, dim=1)
    target = torch.randint(0, C, (B,), generator=gen).float().reshape(B, 1)
    if ignore is not None:
        target[1, 0] = ignore
        target[5, 0] = ignore
    return pred, target


def batch(case, name, opts, pred, target):
    out = {"pred": pred, "target": target}
    for red in ("mean", "sum"):
        p = pred.clone().requires_grad_(True)
        loss = torch_loss(name, p, target, opts, red)
        loss.backward()
        out[red] = {"value": loss.item(), "grad": p.grad}
    fixture.write("loss", "batch_" + case, {"config": {"loss": name, "opts": opts}, "extra": out})


def batches():
    gen = torch.Generator().manual_seed(7)
    kinks1 = [0.0, 1.0, -1.0, 0.5, -2.0, 1e-3]
    batch("mse", "mse", {}, *regression_batch(gen, kinks1))
    batch("l1", "l1", {}, *regression_batch(gen, kinks1))
    batch("smooth_l1", "smooth_l1", {}, *regression_batch(gen, kinks1))
    batch("smooth_l1_beta0.5", "smooth_l1", {"beta": 0.5}, *regression_batch(gen, [0.0, 0.5, -0.5, 0.25, -1.0, 2.0]))
    batch("smooth_l1_beta0", "smooth_l1", {"beta": 0.0}, *regression_batch(gen, kinks1))
    batch("huber", "huber", {}, *regression_batch(gen, kinks1))
    batch("huber_delta2", "huber", {"delta": 2.0}, *regression_batch(gen, [0.0, 2.0, -2.0, 1.0, -3.0, 0.5]))
    batch("huber_delta0.25", "huber", {"delta": 0.25}, *regression_batch(gen, [0.0, 0.25, -0.25, 0.125, -1.0, 3.0]))
    batch("bce", "bce", {}, *prob_batch(gen, False))
    batch("bce_clamp", "bce", {}, *prob_batch(gen, True))
    batch("bce_weight", "bce", {"weight": [0.5, 2.0, 1.25]}, *prob_batch(gen, True))
    batch("bce_with_logits", "bce_with_logits", {}, *logit_batch(gen, False))
    batch("bce_with_logits_extreme", "bce_with_logits", {"pos_weight": [3.0, 2.0, 0.5]}, *logit_batch(gen, True))
    batch("bce_with_logits_pos_weight", "bce_with_logits", {"pos_weight": [3.0, 0.5, 1.0]}, *logit_batch(gen, False))
    batch("bce_with_logits_weight", "bce_with_logits", {"weight": [0.5, 2.0, 1.25]}, *logit_batch(gen, False))
    batch("bce_with_logits_pos_weight_weight", "bce_with_logits",
          {"pos_weight": [3.0, 0.5, 1.0], "weight": [0.5, 2.0, 1.25]}, *logit_batch(gen, False))
    batch("cross_entropy", "cross_entropy", {}, *class_batch(gen, False))
    batch("cross_entropy_weight", "cross_entropy", {"weight": [1.0, 2.0, 0.5, 3.0]}, *class_batch(gen, False))
    batch("cross_entropy_label_smoothing", "cross_entropy", {"label_smoothing": 0.2}, *class_batch(gen, False))
    batch("cross_entropy_ignore_index", "cross_entropy", {"ignore_index": 2}, *class_batch(gen, False, 2))
    batch("cross_entropy_weight_ls_ignore", "cross_entropy",
          {"weight": [1.0, 2.0, 0.5, 3.0], "label_smoothing": 0.15, "ignore_index": -100},
          *class_batch(gen, False, -100))
    batch("nll", "nll", {}, *class_batch(gen, True))
    batch("nll_weight", "nll", {"weight": [1.0, 2.0, 0.5, 3.0]}, *class_batch(gen, True))
    batch("nll_weight_ignore_index", "nll", {"weight": [1.0, 2.0, 0.5, 3.0], "ignore_index": 1},
          *class_batch(gen, True, 1))


# ---- (b) training runs ----

def train_data(gen, kind):
    x = torch.randn(64, 4, generator=gen)
    w = torch.randn(4, 3, generator=gen)
    z = torch.tanh(x @ w)
    if kind == "regression":
        return x, z + 0.1 * torch.randn(64, 3, generator=gen)
    if kind == "binary":
        y = (z + 0.3 * torch.randn(64, 3, generator=gen) > 0).float()
        y[::5, 1] = torch.rand(13, generator=gen)  # some soft targets
        return x, y
    y = (x @ w + 0.5 * torch.randn(64, 3, generator=gen)).argmax(dim=1).float().reshape(64, 1)
    y[::9, 0] = -100.0  # rows the default ignore_index skips
    return x, y


def train(case, name, opts, kind, lr, sigmoid_out=False):
    gen = torch.Generator().manual_seed(3)
    torch.manual_seed(3)
    x, y = train_data(gen, kind)
    layers = [torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)]
    if sigmoid_out:
        layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    init = fixture.params(model)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    bs = fixture.batches(64, 8, STEPS, gen)
    losses, lrs = [], []
    for b in bs:
        opt.zero_grad()
        loss = torch_loss(name, model(x[b]), y[b], opts, "mean")
        loss.backward()
        lrs.append(lr)
        opt.step()
        losses.append(loss.item())
    fixture.write("loss", "train_" + case, {
        "layers": fixture.layer_specs(model), "params": init, "x": x, "y": y,
        "batches": fixture.one_based(bs), "losses": losses, "lrs": lrs,
        "final": fixture.params(model),
        "config": {"loss": name, "opts": opts, "optimizer": "sgd", "lr": lr},
    })


def trains():
    train("mse", "mse", {}, "regression", 0.05)
    train("l1", "l1", {}, "regression", 0.05)
    train("huber", "huber", {"delta": 0.5}, "regression", 0.1)
    train("smooth_l1", "smooth_l1", {"beta": 0.5}, "regression", 0.1)
    train("bce_with_logits", "bce_with_logits", {"pos_weight": [2.0, 0.5, 1.0], "weight": [1.0, 1.5, 0.75]},
          "binary", 0.1)
    train("bce", "bce", {"weight": [1.0, 1.5, 0.75]}, "binary", 0.1, sigmoid_out=True)
    train("cross_entropy", "cross_entropy", {"weight": [1.0, 2.0, 0.5], "label_smoothing": 0.1}, "classes", 0.1)


batches()
trains()
