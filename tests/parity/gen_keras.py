"""tests/parity/gen_keras.py — fixtures for gglab's Keras preset (make fixtures).

TensorFlow is not in Debian, so the reference is Keras 2's model.fit re-implemented in
torch following its documented semantics (this file is that reference):
  - Dense layers: glorot_uniform kernels, zero biases;
  - validation_split: the LAST fraction of the rows, split off before any shuffling
    (split_at = int(n * (1 - validation_split)));
  - each epoch reshuffles the training rows and takes batches of 32 (the last smaller);
  - the epoch's "loss" in History is the batch-size-weighted mean of its batch losses;
    val_loss is the loss over all validation rows after the epoch;
  - keras.optimizers.Adam: epsilon 1e-7 added before bias correction
    (alpha_t = lr * sqrt(1 - b2^t) / (1 - b1^t); p -= alpha_t * m / (sqrt(v) + eps));
  - binary_crossentropy on probabilities: p clipped to [1e-7, 1 - 1e-7], then
    -(y log(p + 1e-7) + (1 - y) log(1 - p + 1e-7)), mean over the batch.
Cases mirror the seed write-ups' Keras examples: Dense(64, relu) -> Dense(1), Adam, mse,
10 epochs; and a sigmoid-output binary classifier with binary_crossentropy.
"""
import math

import torch

import fixture

EPS = 1e-7


class KerasAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
        super().__init__(params, dict(lr=lr, b1=b1, b2=b2, eps=eps))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                st = self.state[p]
                if not st:
                    st["t"], st["m"], st["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                st["t"] += 1
                t = st["t"]
                st["m"].mul_(g["b1"]).add_(p.grad, alpha=1 - g["b1"])
                st["v"].mul_(g["b2"]).addcmul_(p.grad, p.grad, value=1 - g["b2"])
                alpha = g["lr"] * math.sqrt(1 - g["b2"] ** t) / (1 - g["b1"] ** t)
                p.add_(-alpha * st["m"] / (st["v"].sqrt() + g["eps"]))


def keras_bce(p, y):
    p = p.clamp(EPS, 1 - EPS)
    return -(y * torch.log(p + EPS) + (1 - y) * torch.log(1 - p + EPS)).mean()


def glorot_(model, gen):
    for m in model:
        if isinstance(m, torch.nn.Linear):
            bound = math.sqrt(6.0 / (m.in_features + m.out_features))
            with torch.no_grad():
                m.weight.copy_((torch.rand(m.weight.shape, generator=gen) * 2 - 1) * bound)
                m.bias.zero_()


def run(name, x, y, model, loss_fn, loss_name, lr, epochs, val_split, gen):
    glorot_(model, gen)
    init = fixture.params(model)
    n = x.shape[0]
    split_at = int(n * (1.0 - val_split))
    xt, yt, xv, yv = x[:split_at], y[:split_at], x[split_at:], y[split_at:]
    opt = KerasAdam(model.parameters(), lr=lr)
    orders, losses, epoch_loss, val_loss = [], [], [], []
    for _ in range(epochs):
        perm = torch.randperm(split_at, generator=gen).tolist()
        batches = [perm[i:i + 32] for i in range(0, split_at, 32)]
        orders.append(fixture.one_based(batches))
        total = 0.0
        for b in batches:
            opt.zero_grad()
            loss = loss_fn(model(xt[b]), yt[b])
            loss.backward()
            opt.step()
            losses.append(loss.item())
            total += loss.item() * len(b)
        epoch_loss.append(total / split_at)
        with torch.no_grad():
            val_loss.append(loss_fn(model(xv), yv).item())
    fixture.write("keras", name, {
        "layers": fixture.layer_specs(model), "params": init, "x": x, "y": y,
        "batches": [b for o in orders for b in o], "losses": losses,
        "final": fixture.params(model),
        "config": {"loss": loss_name, "lr": lr, "epochs": epochs, "validation_split": val_split},
        "extra": {"orders": orders, "epoch_loss": epoch_loss, "val_loss": val_loss},
    })


gen = torch.Generator().manual_seed(7)
torch.manual_seed(7)
# Seed write-up 002, first example but at a learning rate that trains: y = X w + noise.
x = torch.randn(200, 10, generator=gen)
y = x @ torch.randn(10, 1, generator=gen) + 0.1 * torch.randn(200, 1, generator=gen)
model = torch.nn.Sequential(torch.nn.Linear(10, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
run("dense_relu_mse", x, y, model, torch.nn.functional.mse_loss, "mse", 0.01, 10, 0.2, gen)

x = torch.randn(160, 4, generator=gen)
y = (x[:, :1] - 0.5 * x[:, 1:2] + 0.3 * torch.randn(160, 1, generator=gen) > 0).float()
model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1),
                            torch.nn.Sigmoid())
run("sigmoid_bce", x, y, model, keras_bce, "bce", 0.01, 8, 0.25, gen)
