"""tests/parity/gen_rnn.py — PyTorch 1.13 fixtures for the recurrent layers (make fixtures).
Replayed by tests/lua/test_parity_rnn.lua.

Two kinds of fixture under fixtures/rnn/ (format: fixture.py; x (B, L, I) is written as its
(B, L*I) rows, a weight (G*H, in) as itself):

  layer_<case>  one forward and one backward of torch.nn.RNN / LSTM / GRU (batch_first=True)
                on a random batch: config (mode = "rnn" | "lstm" | "gru", input_size,
                hidden_size, num_layers, bias, nonlinearity, ret = "sequence" | "last": the
                gg.nn constructor's arguments), input ({L, I}), x, params (torch's order:
                weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._l1), then torch's y
                (output, or h_n[-1] for "last" — checked here to equal output[:, -1]), dy (a
                random upstream gradient: backward is y.backward(dy)), dx and grads.
  train_<case>  100 steps of training a classifier (last hidden state -> Linear ->
                cross_entropy) on a synthetic sequence task: x (n, L, 3) ~ N(0, 1), the class
                is the channel with the largest sum over time. Batch rows, per-step losses,
                final parameters: a 2-layer LSTM with Adam, a GRU with SGD momentum.

Everything runs on CPU in float32 with fixed seeds and one thread, so the files regenerate
byte for byte.
"""
import torch

import fixture

torch.set_num_threads(1)
N = torch.nn
F = torch.nn.functional
AREA = "rnn"
MODULES = {"rnn": N.RNN, "lstm": N.LSTM, "gru": N.GRU}


def module(mode, i, h, layers, bias, nonlinearity):
    kw = {"num_layers": layers, "bias": bias, "batch_first": True}
    if mode == "rnn":
        kw["nonlinearity"] = nonlinearity
    return MODULES[mode](i, h, **kw)


def params(model):
    return [p.detach().clone() for p in model.parameters()]


def grads(model):
    return [p.grad.detach().clone() for p in model.parameters()]


def layer_case(name, mode, i=4, h=6, layers=1, bias=True, ret="sequence", nonlinearity="tanh", B=3, L=5, seed=1):
    torch.manual_seed(seed)
    model = module(mode, i, h, layers, bias, nonlinearity)
    gen = torch.Generator().manual_seed(seed + 1000)
    p0 = params(model)
    x = torch.randn(B, L, i, generator=gen).requires_grad_(True)
    out, hn = model(x)
    if mode == "lstm":
        hn = hn[0]
    assert torch.equal(hn[-1], out[:, -1]), "h_n[-1] must be output[:, -1]"
    y = out if ret == "sequence" else hn[-1]
    dy = torch.randn(y.shape, generator=gen)
    y.backward(dy)
    config = {"mode": mode, "input_size": i, "hidden_size": h, "num_layers": layers, "bias": bias, "ret": ret}
    if mode == "rnn":
        config["nonlinearity"] = nonlinearity
    fixture.write(AREA, "layer_" + name, {
        "kind": "layer", "config": config, "input": [L, i], "x": x, "params": p0, "y": y, "dy": dy,
        "dx": x.grad, "grads": grads(model), "out_shape": list(y.shape[1:]),
    })


def layers():
    seed = 1
    for mode, nl in (("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")):
        tag = "rnn_" + nl if mode == "rnn" else mode
        for nlayers in (1, 2):
            for bias in (True, False):
                for ret in ("sequence", "last"):
                    name = "%s_l%d%s_%s" % (tag, nlayers, "" if bias else "_nobias", ret)
                    layer_case(name, mode, layers=nlayers, bias=bias, ret=ret, nonlinearity=nl, seed=seed)
                    seed += 1
    # Other sizes: one step, a batch of one, input wider than hidden, a longer sequence.
    layer_case("lstm_one_step", "lstm", i=3, h=5, L=1, seed=50)
    layer_case("gru_batch1_wide", "gru", i=9, h=4, B=1, L=6, seed=51)
    layer_case("lstm_long", "lstm", i=2, h=3, L=40, B=2, ret="last", seed=52)
    layer_case("rnn_relu_long", "rnn", i=2, h=4, L=30, B=2, nonlinearity="relu", seed=53)


# ---- training: last state -> Linear -> cross_entropy ----

STEPS = 100


class Classifier(N.Module):
    def __init__(self, rnn, h, k):
        super().__init__()
        self.rnn = rnn
        self.head = N.Linear(h, k)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def task(n, L, gen):
    x = torch.randn(n, L, 3, generator=gen)
    y = x.sum(1).argmax(1).float().reshape(n, 1)
    return x, y


def train_case(name, model, make_opt, config, L=8, n=256, batch=32, seed=1):
    gen = torch.Generator().manual_seed(seed)
    x, y = task(n, L, gen)
    p0 = params(model)
    opt = make_opt(model)
    bs = fixture.batches(n, batch, STEPS, gen)
    losses = []
    for b in bs:
        opt.zero_grad()
        loss = F.cross_entropy(model(x[b]), y[b].view(-1).long())
        loss.backward()
        opt.step()
        losses.append(loss.item())
    fixture.write(AREA, "train_" + name, {
        "kind": "train", "input": [L, 3], "params": p0, "x": x, "y": y, "batches": fixture.one_based(bs),
        "losses": losses, "final": params(model), "config": config,
    })


def training():
    torch.manual_seed(21)
    lstm = Classifier(N.LSTM(3, 16, num_layers=2, batch_first=True), 16, 3)
    train_case("lstm2_adam", lstm, lambda m: torch.optim.Adam(m.parameters(), lr=0.01),
               {"mode": "lstm", "hidden_size": 16, "num_layers": 2, "optimizer": "adam", "lr": 0.01,
                "loss": "cross_entropy"}, seed=3)
    torch.manual_seed(22)
    gru = Classifier(N.GRU(3, 12, batch_first=True), 12, 3)
    train_case("gru_sgd_momentum", gru, lambda m: torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9),
               {"mode": "gru", "hidden_size": 12, "num_layers": 1, "optimizer": "sgd", "lr": 0.05,
                "momentum": 0.9, "loss": "cross_entropy"}, seed=4)


layers()
training()
