"""tests/parity/gen_seq.py — PyTorch 1.13 fixtures for embeddings, positional encodings and
the sequence losses (make fixtures). Replayed by tests/lua/test_parity_seq.lua, which builds
the matching gglab models itself (the case names say which).

Fixtures under fixtures/seq/ (format: fixture.py; a (B, L, E) tensor is written as its
(B, L*E) rows):

  embed_<case>     one forward and backward of nn.Embedding on ids with repeats: x (the ids
                   as floats), params (the weight), dy, then y and grads (dW: rows summed
                   over repeated ids, none for padding_idx). config: V, E, padding_idx, the
                   per-sample shape of the ids.
  positional       a learned position table (nn.Embedding(context, E)(arange(L)), GPT's
                   wpe) added to a (B, L, E) input: y and the table's gradient.
  sinusoidal_<L>x<E>  the table of "Attention is all you need" in float64, rounded once to
                   float32 (odd E: the last column is a sin).
  loss_<case>      Linear(E, V) on a (B, L, E) input, then a loss over every position
                   (cross_entropy(logits.view(-1, V), y.view(-1), ...) or nll of the
                   log_softmax), with ignore_index rows; loss (value) and grads (W, b).
                   config.loss is the gg.train loss. z_loss cases add coef * mean over the
                   rows not ignored of logsumexp(logits)^2 (the formula, written here).
  tied             nn.Embedding(V, E) whose weight is also a Linear(E, V, bias=False)'s
                   (lm_head.weight = wte.weight) with cross-entropy over positions: the
                   tied weight's gradient is the sum of both uses.
  train_tiny       100 Adam steps of embedding -> + learned positions -> tied linear head on
                   random token sequences (cross-entropy over positions, some targets
                   ignored): batches, per-step losses, final parameters.

Everything runs on CPU in float32 (the sinusoidal table in float64) with fixed seeds and one
thread, so the files regenerate byte for byte.
"""
import math

import torch

import fixture

torch.set_num_threads(1)
F = torch.nn.functional
N = torch.nn
AREA = "seq"


def rows(t):
    """(d0, rest) view of a tensor, as fixture.lua writes it."""
    return t.detach().clone().reshape(t.shape[0], -1)


def ids(gen, shape, V):
    return torch.randint(0, V, shape, generator=gen)


# ---- nn.Embedding forward/backward ----

def embed_case(name, seed, V, E, sample, B, padding_idx=None, force=()):
    gen = torch.Generator().manual_seed(seed)
    emb = N.Embedding(V, E, padding_idx=padding_idx)
    with torch.no_grad():
        emb.weight.copy_(torch.randn(V, E, generator=gen))
        if padding_idx is not None:
            emb.weight[padding_idx].zero_()
    x = ids(gen, (B,) + tuple(sample), V)
    flat = x.view(-1)
    for pos, v in force:  # repeated ids and the padding id at known places
        flat[pos] = v
    w0 = emb.weight.detach().clone()
    y = emb(x)
    dy = torch.randn(y.shape, generator=gen)
    y.backward(dy)
    fixture.write(AREA, "embed_" + name, {
        "config": {"V": V, "E": E, "sample": list(sample),
                   "padding_idx": padding_idx if padding_idx is not None else False},
        "x": rows(x.float()), "params": [w0], "dy": rows(dy), "y": rows(y),
        "grads": [emb.weight.grad.detach().clone()],
    })


# ---- positional encodings ----

def positional():
    gen = torch.Generator().manual_seed(11)
    context, E, B, L = 8, 4, 3, 5
    wpe = N.Embedding(context, E)
    with torch.no_grad():
        wpe.weight.copy_(torch.randn(context, E, generator=gen))
    x = torch.randn(B, L, E, generator=gen)
    p0 = wpe.weight.detach().clone()
    y = x + wpe(torch.arange(L))
    dy = torch.randn(y.shape, generator=gen)
    y.backward(dy)
    fixture.write(AREA, "positional", {
        "config": {"context": context, "E": E, "L": L},
        "x": rows(x), "params": [p0], "dy": rows(dy), "y": rows(y),
        "grads": [wpe.weight.grad.detach().clone()],
    })


def sinusoidal(L, E):
    pe = torch.zeros(L, E, dtype=torch.float64)
    for p in range(L):
        for i in range(0, E, 2):
            a = p / math.pow(10000.0, i / E)
            pe[p, i] = math.sin(a)
            if i + 1 < E:
                pe[p, i + 1] = math.cos(a)
    fixture.write(AREA, "sinusoidal_%dx%d" % (L, E), {
        "config": {"L": L, "E": E}, "y": pe.to(torch.float32)})


# ---- losses over positions ----

def z_term(logits, target, coef, ignore_index, reduction):
    lse = torch.logsumexp(logits, dim=-1)
    keep = target != ignore_index
    z = (lse[keep] ** 2)
    return coef * (z.mean() if reduction == "mean" else z.sum())


def loss_case(name, seed, loss, opts, B=3, L=5, E=4, V=6, ignore=((1, 2), (2, 4))):
    gen = torch.Generator().manual_seed(seed)
    lin = N.Linear(E, V)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(V, E, generator=gen) * 0.5)
        lin.bias.copy_(torch.randn(V, generator=gen) * 0.1)
    x = torch.randn(B, L, E, generator=gen)
    y = ids(gen, (B, L), V)
    ii = opts.get("ignore_index", -100)
    for b, t in ignore:
        y[b, t] = ii
    params = [lin.weight.detach().clone(), lin.bias.detach().clone().reshape(1, -1)]
    logits = lin(x)
    red = opts.get("reduction", "mean")
    weight = torch.tensor(opts["weight"], dtype=torch.float32) if "weight" in opts else None
    if loss == "nll":
        value = F.nll_loss(F.log_softmax(logits, -1).view(-1, V), y.view(-1), weight=weight,
                           ignore_index=ii, reduction=red)
    else:
        value = F.cross_entropy(logits.view(-1, V), y.view(-1), weight=weight, ignore_index=ii,
                                reduction=red, label_smoothing=opts.get("label_smoothing", 0.0))
    if opts.get("z_loss"):
        value = value + z_term(logits, y, opts["z_loss"], ii, red)
    value.backward()
    fixture.write(AREA, "loss_" + name, {
        "config": {"loss": [loss], "options": opts, "B": B, "L": L, "E": E, "V": V,
                   "log_softmax": loss == "nll"},
        "x": rows(x), "y": rows(y.float()), "params": params, "loss": value.item(),
        "grads": [lin.weight.grad.detach().clone(), lin.bias.grad.detach().clone().reshape(1, -1)],
    })


# ---- weight tying ----

class Tied(N.Module):
    """GPT's arrangement: token and position embeddings, a head sharing the token weight."""

    def __init__(self, V, E, context):
        super().__init__()
        self.wte = N.Embedding(V, E)
        self.wpe = N.Embedding(context, E)
        self.head = N.Linear(E, V, bias=False)
        self.head.weight = self.wte.weight

    def forward(self, x):
        return self.head(self.wte(x) + self.wpe(torch.arange(x.shape[1])))


def init_tied(m, gen):
    with torch.no_grad():
        m.wte.weight.copy_(torch.randn(m.wte.weight.shape, generator=gen) * 0.5)
        m.wpe.weight.copy_(torch.randn(m.wpe.weight.shape, generator=gen) * 0.5)


def tied():
    gen = torch.Generator().manual_seed(21)
    V, E, C, B, L = 7, 4, 6, 3, 5
    m = Tied(V, E, C)
    init_tied(m, gen)
    x = ids(gen, (B, L), V)
    y = ids(gen, (B, L), V)
    y[0, 1] = -100
    params = [p.detach().clone() for p in m.parameters()]  # wte (= head), wpe
    assert len(params) == 2
    value = F.cross_entropy(m(x).view(-1, V), y.view(-1))
    value.backward()
    fixture.write(AREA, "tied", {
        "config": {"V": V, "E": E, "context": C, "L": L},
        "x": rows(x.float()), "y": rows(y.float()), "params": params, "loss": value.item(),
        "grads": [p.grad.detach().clone() for p in m.parameters()],
    })


def train_tiny():
    gen = torch.Generator().manual_seed(5)
    V, E, C, L, n, bs, steps = 16, 8, 8, 6, 48, 8, 100
    m = Tied(V, E, C)
    init_tied(m, gen)
    x = ids(gen, (n, L), V)
    y = torch.roll(x, -1, dims=1)  # next token; the last position is ignored
    y[:, -1] = -100
    params = [p.detach().clone() for p in m.parameters()]
    opt = torch.optim.Adam(m.parameters(), lr=0.01)
    batches = fixture.batches(n, bs, steps, gen)
    losses = []
    for b in batches:
        opt.zero_grad()
        loss = F.cross_entropy(m(x[b]).view(-1, V), y[b].reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    fixture.write(AREA, "train_tiny", {
        "config": {"V": V, "E": E, "context": C, "L": L, "lr": 0.01},
        "x": rows(x.float()), "y": rows(y.float()), "params": params,
        "batches": fixture.one_based(batches), "losses": losses,
        "final": [p.detach().clone() for p in m.parameters()],
    })


def main():
    # ids (3, 6): id 2 three times, padding_idx 1 twice
    embed_case("padding", 1, 10, 4, (6,), 3, padding_idx=1,
               force=((0, 2), (3, 2), (7, 2), (4, 1), (10, 1)))
    embed_case("negative_padding", 2, 9, 3, (4,), 2, padding_idx=-2,
               force=((1, 7), (5, 7), (2, 3), (6, 3)))
    embed_case("grid", 3, 12, 5, (2, 3), 4, force=((0, 11), (1, 11), (23, 0)))
    positional()
    sinusoidal(7, 6)
    sinusoidal(50, 16)
    sinusoidal(5, 5)
    loss_case("ce_mean", 31, "cross_entropy", {})
    loss_case("ce_sum", 32, "cross_entropy", {"reduction": "sum"})
    loss_case("ce_ignore_7", 33, "cross_entropy", {"ignore_index": 7})
    loss_case("ce_smoothing", 34, "cross_entropy", {"label_smoothing": 0.1})
    loss_case("ce_weight", 35, "cross_entropy", {"weight": [1.0, 2.0, 0.5, 1.0, 3.0, 0.25]})
    loss_case("nll_mean", 36, "nll", {})
    loss_case("z_mean", 37, "cross_entropy", {"z_loss": 0.01})
    loss_case("z_sum", 38, "cross_entropy", {"z_loss": 0.5, "reduction": "sum"})
    loss_case("z_smoothing", 39, "cross_entropy", {"z_loss": 0.001, "label_smoothing": 0.2})
    tied()
    train_tiny()


if __name__ == "__main__":
    main()
