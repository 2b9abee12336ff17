"""tests/parity/gen_attn.py — PyTorch 1.13 fixtures for attention, nn.MultiheadAttention,
nn.TransformerEncoderLayer and transformer training (make fixtures). Replayed by
tests/lua/test_parity_attn.lua.

Fixtures under fixtures/attn/ (format: fixture.py; a tensor (B, L, E) is written as its
(B, L*E) rows):

  sdpa_<case>   the attention math alone, as torch 1.13's MultiheadAttention runs it after
                in_proj (F._scaled_dot_product_attention: q / sqrt(D) — or q * scale —,
                baddbmm with the float mask, softmax, bmm; heads split as (B*H, L, D)):
                config (B, Lq, Lk, H, E, Ev, causal, scale), q, k, v, kpm (B, Lk, 1 =
                ignore) and amask (Lq, Lk, -inf allowed) when used, y, dy (upstream
                gradient), dq, dk, dv.
  mha_<case>    nn.MultiheadAttention(batch_first=True, need_weights=False) forward and
                backward: config (E, H, L, bias, causal, kdim, vdim, qk_norm, cross), inputs
                (x, or query/key/value), kpm, params (named_parameters order), y, dy, dx
                (one per input), grads. qk_norm has no torch module: QKNormMHA below is its
                formula (LayerNorm(head_dim) of q and k per head before the product).
  enc_<case>    nn.TransformerEncoderLayer(batch_first=True, dropout=0) in training mode
                (torch's slow path): config (d, H, F, activation, norm_first, causal), x,
                kpm, params, y, dy, dx, grads. causal: src_mask = the square subsequent mask.
  train_<case>  100 Adam steps (lr 1e-3) of Linear(4, 16) -> 2 encoder layers -> Linear(16,
                1) per position, MSE against a per-position target (the running mean of
                the first feature: it needs attention), Post-LN and Pre-LN: the batch rows,
                losses, final parameters, and (extra.grad0) every gradient of step 1.
                train_gpt_copy: gg.nn.gpt's model (token embedding + learned positions, 2
                Pre-LN causal GELU blocks, final LayerNorm, tied head) on a copy task (predict
                the previous token; position 0 ignored), cross-entropy over the positions.

CPU, float32, one thread, fixed seeds: the files regenerate byte for byte.
"""
import math

import torch

import fixture

torch.set_num_threads(1)
F = torch.nn.functional
N = torch.nn
AREA = "attn"


def flat(t):
    return t.detach().reshape(t.shape[0], -1).clone()


def causal_mask(L):
    return torch.triu(torch.full((L, L), float("-inf")), diagonal=1)


def kpm_rand(B, L, gen, frac=0.3):
    m = torch.rand(B, L, generator=gen) < frac
    m[:, 0] = False  # every query keeps a key
    return m


# ---- (1) the attention math ----

def sdpa(q, k, v, H, kpm=None, amask=None, causal=False, scale=None):
    """torch 1.13 multi_head_attention_forward after in_proj, batch_first inputs."""
    B, Lq, E = q.shape
    Lk, Ev = k.shape[1], v.shape[2]
    D, Dv = E // H, Ev // H
    qh = q.reshape(B, Lq, H, D).transpose(1, 2).reshape(B * H, Lq, D)
    kh = k.reshape(B, Lk, H, D).transpose(1, 2).reshape(B * H, Lk, D)
    vh = v.reshape(B, Lk, H, Dv).transpose(1, 2).reshape(B * H, Lk, Dv)
    mask = None
    if causal:
        mask = causal_mask(Lq) if Lq == Lk else torch.triu(torch.full((Lq, Lk), float("-inf")), 1)
    if amask is not None:
        mask = amask if mask is None else mask + amask
    if kpm is not None:
        pad = kpm.view(B, 1, 1, Lk).expand(-1, H, -1, -1).reshape(B * H, 1, Lk)
        m = torch.zeros(B * H, 1, Lk).masked_fill(pad, float("-inf"))
        mask = m if mask is None else mask + m
    qh = qh / math.sqrt(D) if scale is None else qh * scale
    if mask is not None:
        att = torch.baddbmm(mask, qh, kh.transpose(-2, -1))
    else:
        att = torch.bmm(qh, kh.transpose(-2, -1))
    att = F.softmax(att, dim=-1)
    out = torch.bmm(att, vh)
    return out.reshape(B, H, Lq, Dv).transpose(1, 2).reshape(B, Lq, Ev)


def sdpa_case(name, B, Lq, Lk, H, E, Ev, causal=False, kpm=False, amask=False, scale=None, seed=1):
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(B, Lq, E, generator=gen).requires_grad_(True)
    k = torch.randn(B, Lk, E, generator=gen).requires_grad_(True)
    v = torch.randn(B, Lk, Ev, generator=gen).requires_grad_(True)
    m = kpm_rand(B, Lk, gen) if kpm else None
    am = None
    if amask:
        am = 0.5 * torch.randn(Lq, Lk, generator=gen)
        am[torch.rand(Lq, Lk, generator=gen) < 0.15] = float("-inf")
        am[:, 0] = 0.0
    y = sdpa(q, k, v, H, m, am, causal, scale)
    dy = torch.randn(y.shape, generator=gen)
    y.backward(dy)
    t = {"kind": "sdpa", "config": {"B": B, "Lq": Lq, "Lk": Lk, "H": H, "E": E, "Ev": Ev, "causal": causal},
         "q": flat(q), "k": flat(k), "v": flat(v), "y": flat(y), "dy": flat(dy),
         "dq": flat(q.grad), "dk": flat(k.grad), "dv": flat(v.grad)}
    if scale is not None:
        t["config"]["scale"] = scale
    if m is not None:
        t["kpm"] = m.float()
    if am is not None:
        t["amask"] = am
    fixture.write(AREA, "sdpa_" + name, t)


def sdpa_cases():
    sdpa_case("basic", 2, 5, 5, 2, 8, 8)
    sdpa_case("one_head", 3, 4, 4, 1, 6, 6)
    sdpa_case("causal", 2, 6, 6, 2, 8, 8, causal=True)
    sdpa_case("key_padding", 3, 5, 7, 2, 8, 6, kpm=True)
    sdpa_case("causal_padding", 3, 7, 7, 4, 16, 16, causal=True, kpm=True)
    sdpa_case("attn_mask", 2, 4, 6, 2, 6, 4, amask=True)
    sdpa_case("all_masks", 2, 6, 6, 2, 8, 8, causal=True, kpm=True, amask=True)
    sdpa_case("scale", 2, 5, 5, 2, 8, 8, scale=0.7)
    sdpa_case("scale_causal", 2, 9, 9, 3, 12, 9, causal=True, scale=0.2)


# ---- (2) nn.MultiheadAttention ----

class QKNormMHA(N.Module):
    """MultiheadAttention with LayerNorm(head_dim) on q and k per head (Dehghani et al.)."""

    def __init__(self, E, H, bias=True):
        super().__init__()
        self.E, self.H, self.D = E, H, E // H
        self.in_proj_weight = N.Parameter(torch.empty(3 * E, E))
        self.in_proj_bias = N.Parameter(torch.zeros(3 * E)) if bias else None
        self.out_proj = N.Linear(E, E, bias=bias)
        self.q_norm = N.LayerNorm(self.D)
        self.k_norm = N.LayerNorm(self.D)
        N.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, x, kpm=None, causal=False):
        B, L, E = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        q, k, v = qkv.split(E, dim=-1)
        q = self.q_norm(q.reshape(B, L, self.H, self.D)).reshape(B, L, E)
        k = self.k_norm(k.reshape(B, L, self.H, self.D)).reshape(B, L, E)
        return self.out_proj(sdpa(q, k, v, self.H, kpm, None, causal))


def randomize(model, gen):
    """LayerNorm gammas/betas and zero-initialised biases get random values (a test of
    their gradients and uses, not of the init)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name or name.endswith("bias"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.3 + (1.0 if name.endswith("weight") else 0.0))


def params(model):
    return [p.detach().clone() for p in model.parameters()]


def grads(model):
    return [p.grad.detach().clone() for p in model.parameters()]


def mha_case(name, E, H, L=6, B=3, bias=True, causal=False, kpm=False, kdim=None, vdim=None, qk_norm=False,
             cross=False, Lk=None, seed=1):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 100)
    if qk_norm:
        model = QKNormMHA(E, H, bias=bias)
    else:
        model = N.MultiheadAttention(E, H, bias=bias, batch_first=True, kdim=kdim, vdim=vdim)
    randomize(model, gen)
    p0 = params(model)
    Lk = Lk or L
    x = torch.randn(B, L, E, generator=gen).requires_grad_(True)
    inputs = [x]
    m = kpm_rand(B, Lk, gen) if kpm else None
    if qk_norm:
        y = model(x, m, causal)
    else:
        mask = causal_mask(L) if causal else None
        if cross or kdim or vdim:
            key = torch.randn(B, Lk, kdim or E, generator=gen).requires_grad_(True)
            value = torch.randn(B, Lk, vdim or E, generator=gen).requires_grad_(True)
            inputs += [key, value]
            y, _ = model(x, key, value, key_padding_mask=m, attn_mask=mask, need_weights=False)
        else:
            y, _ = model(x, x, x, key_padding_mask=m, attn_mask=mask, need_weights=False)
    dy = torch.randn(y.shape, generator=gen)
    y.backward(dy)
    cfg = {"E": E, "H": H, "L": L, "Lk": Lk, "bias": bias, "causal": causal, "qk_norm": qk_norm,
           "cross": bool(cross or kdim or vdim)}
    if kdim:
        cfg["kdim"] = kdim
    if vdim:
        cfg["vdim"] = vdim
    t = {"kind": "mha", "config": cfg, "inputs": [flat(i) for i in inputs], "params": p0, "y": flat(y),
         "dy": flat(dy), "dx": [flat(i.grad) for i in inputs], "grads": grads(model)}
    if m is not None:
        t["kpm"] = m.float()
    fixture.write(AREA, "mha_" + name, t)


def mha_cases():
    mha_case("basic", 8, 2)
    mha_case("no_bias", 8, 2, bias=False)
    mha_case("one_head", 6, 1, L=5)
    mha_case("causal", 8, 4, L=7, causal=True)
    mha_case("key_padding", 8, 2, kpm=True)
    mha_case("causal_padding", 12, 3, L=8, causal=True, kpm=True)
    mha_case("cross", 8, 2, L=5, Lk=7, cross=True, kpm=True)
    mha_case("kdim_vdim", 8, 2, L=4, Lk=6, kdim=5, vdim=3)
    mha_case("qk_norm", 8, 2, L=6, qk_norm=True)
    mha_case("qk_norm_causal_padding", 12, 3, L=7, causal=True, kpm=True, qk_norm=True)


# ---- (3) nn.TransformerEncoderLayer ----

def enc_case(name, d, H, Fd, activation="relu", norm_first=False, causal=False, kpm=False, L=6, B=3, seed=1):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 200)
    model = N.TransformerEncoderLayer(d, H, dim_feedforward=Fd, dropout=0.0, activation=activation,
                                      norm_first=norm_first, batch_first=True)
    randomize(model, gen)
    model.train()
    p0 = params(model)
    x = torch.randn(B, L, d, generator=gen).requires_grad_(True)
    m = kpm_rand(B, L, gen) if kpm else None
    y = model(x, src_mask=causal_mask(L) if causal else None, src_key_padding_mask=m)
    dy = torch.randn(y.shape, generator=gen)
    y.backward(dy)
    t = {"kind": "enc", "config": {"d": d, "H": H, "F": Fd, "L": L, "activation": activation,
                                   "norm_first": norm_first, "causal": causal},
         "inputs": [flat(x)], "params": p0, "y": flat(y), "dy": flat(dy), "dx": [flat(x.grad)],
         "grads": grads(model)}
    if m is not None:
        t["kpm"] = m.float()
    fixture.write(AREA, "enc_" + name, t)


def enc_cases():
    enc_case("post_relu", 8, 2, 16)
    enc_case("post_gelu", 8, 2, 16, activation="gelu")
    enc_case("pre_relu", 8, 2, 16, norm_first=True)
    enc_case("pre_gelu", 8, 2, 16, activation="gelu", norm_first=True)
    enc_case("post_gelu_causal_padding", 12, 3, 24, activation="gelu", causal=True, kpm=True, L=7)
    enc_case("pre_relu_causal", 8, 4, 16, norm_first=True, causal=True, L=8)


# ---- (4) training ----

STEPS = 100


def train_case(name, norm_first, causal, seed):
    L, din, d, H, Fd, n, batch = 8, 4, 16, 2, 32, 256, 16
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 300)
    enc = [N.TransformerEncoderLayer(d, H, dim_feedforward=Fd, dropout=0.0, norm_first=norm_first,
                                     batch_first=True) for _ in range(2)]
    head = N.Linear(d, 1)
    model = N.Sequential(N.Linear(din, d), *enc, head, N.Flatten())
    x = torch.randn(n, L, din, generator=gen)
    # per position: the running mean of feature 0 up to it
    y = torch.cumsum(x[:, :, 0], dim=1) / torch.arange(1, L + 1, dtype=torch.float32)
    p0 = params(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    bs = fixture.batches(n, batch, STEPS, gen)
    mask = causal_mask(L) if causal else None
    losses = []
    model.train()

    def run(xb):
        h = model[0](xb)
        for layer in model[1:3]:
            h = layer(h, src_mask=mask)
        return model[4](model[3](h))

    grad0 = None
    for b in bs:
        opt.zero_grad()
        loss = F.mse_loss(run(x[b]), y[b])
        loss.backward()
        if grad0 is None:
            grad0 = grads(model)
        opt.step()
        losses.append(loss.item())
    fixture.write(AREA, "train_" + name, {
        "kind": "train", "config": {"L": L, "din": din, "d": d, "H": H, "F": Fd, "norm_first": norm_first,
                                    "causal": causal, "optimizer": "adam", "lr": 1e-3, "loss": "mse"},
        "params": p0, "x": flat(x), "y": y, "batches": fixture.one_based(bs), "losses": losses,
        "final": params(model), "extra": {"grad0": grad0},
    })


class PosParam(N.Module):
    """GPT's learned positions as a module of its own, so named_parameters lists it after
    the token embedding (a Parameter set on the model itself would come first)."""

    def __init__(self, T, d):
        super().__init__()
        self.weight = N.Parameter(torch.randn(T, d))


class Gpt(N.Module):
    """gg.nn.gpt's model: token embedding (N(0, 1)) + learned positions, Pre-LN causal GELU
    blocks, final LayerNorm, head tied to the token embedding (no bias)."""

    def __init__(self, V, T, d, H, layers):
        super().__init__()
        self.tok = N.Embedding(V, d)
        self.pos = PosParam(T, d)
        self.blocks = N.ModuleList([N.TransformerEncoderLayer(d, H, dim_feedforward=4 * d, dropout=0.0,
                                                              activation="gelu", norm_first=True,
                                                              batch_first=True) for _ in range(layers)])
        self.ln_f = N.LayerNorm(d)
        self.mask = causal_mask(T)

    def forward(self, ids):
        x = self.tok(ids) + self.pos.weight
        for b in self.blocks:
            x = b(x, src_mask=self.mask)
        return F.linear(self.ln_f(x), self.tok.weight)


def train_gpt(name, seed):
    V, T, d, H, layers, n, batch = 16, 8, 16, 2, 2, 256, 16
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 300)
    model = Gpt(V, T, d, H, layers)
    x = torch.randint(V, (n, T), generator=gen)
    y = torch.full((n, T), -100, dtype=torch.long)  # copy task: predict the previous token
    y[:, 1:] = x[:, :-1]
    p0 = params(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    bs = fixture.batches(n, batch, STEPS, gen)
    losses, grad0 = [], None
    model.train()
    for b in bs:
        opt.zero_grad()
        logits = model(x[b])
        loss = F.cross_entropy(logits.reshape(-1, V), y[b].reshape(-1), ignore_index=-100)
        loss.backward()
        if grad0 is None:
            grad0 = grads(model)
        opt.step()
        losses.append(loss.item())
    fixture.write(AREA, "train_" + name, {
        "kind": "train", "config": {"vocab": V, "context": T, "d": d, "H": H, "layers": layers, "gpt": True,
                                    "optimizer": "adam", "lr": 1e-3, "loss": "cross_entropy"},
        "params": p0, "x": x.float(), "y": y.float(), "batches": fixture.one_based(bs), "losses": losses,
        "final": params(model), "extra": {"grad0": grad0},
    })


def training():
    train_case("post_ln", False, False, 21)
    train_case("pre_ln_causal", True, True, 22)
    train_gpt("gpt_copy", 23)


sdpa_cases()
mha_cases()
enc_cases()
training()
