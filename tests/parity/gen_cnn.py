"""tests/parity/gen_cnn.py — PyTorch 1.13 fixtures for the CNN layers, the composed custom ops
and CNN training (make fixtures). Replayed by tests/lua/test_parity_cnn.lua.

Four kinds of fixture under fixtures/cnn/ (format: fixture.py; tensors are written as
(dim0, rest) rows, so a conv weight (out, in/groups, kh, kw) is its (out, rest) view and
x (B, C, H, W) is (B, C*H*W)):

  layer_<case>  one forward and one backward of a small torch.nn.Sequential (usually one
                layer) on a random batch: layers (gg.nn.sequential specs), input (the
                per-sample shape), mode ("train" | "eval"), x, params (PyTorch order),
                buffers_in (BatchNorm running stats loaded before the pass), then torch's
                y, dy (a random upstream gradient: backward is y.backward(dy)), dx, grads
                (every parameter gradient) and buffers (the running stats after the pass).
  loss_<case>   the same with a loss on the model's output instead of dy: config.loss (a
                gg.loss / gg.train name), target, loss (its value), dx and grads. Keras'
                categorical_crossentropy (on probabilities, class indices) has no torch
                function; keras_cce below is its formula: q = p / sum p, clipped to
                [1e-7, 1 - 1e-7], -log q_y, mean over the batch, the gradient through the
                clip as TensorFlow's clip_by_value (zero outside, passed on the bounds) —
                which is torch.clamp's.
  custom_ops    a model with a custom layer written from primitive ops (matmul, add, mul,
                exp, log, softmax, log_softmax, sum/mean over a dim, reshape, transpose,
                concat, slice, where), and a custom loss from the same ops; torch's loss,
                dx and grads. The Lua test writes the same computation with gg.nn.custom and
                gg.train{loss = function ...}.
  train_<case>  100 steps of training on sklearn's 8x8 digits (scaled by 1/16): batch rows,
                per-step losses, final parameters, running stats and the eval-mode output:
                a small CNN with SGD momentum, a small ResNet with BatchNorm2d and Adam.

Everything runs on CPU in float32 with fixed seeds and one thread, so the files regenerate
byte for byte.
"""
import warnings

import torch
from sklearn.datasets import load_digits

import fixture

torch.set_num_threads(1)
# padding='same' with an even kernel: torch warns that it pads a copy of the input.
warnings.filterwarnings("ignore", message="Using padding='same'")
F = torch.nn.functional
N = torch.nn
AREA = "cnn"


# ---- module + gg spec pairs: each helper returns (torch module, gg.nn.sequential spec) ----

def _pair(v):
    return list(v) if isinstance(v, (tuple, list)) else v


def conv(n, cin, cout, k, **kw):
    m = (N.Conv1d if n == 1 else N.Conv2d)(cin, cout, k, **kw)
    spec = {"kind": "conv%dd" % n, "in": cin, "out": cout, "kernel_size": _pair(k)}
    for key, v in kw.items():
        spec[key] = _pair(v)
    return m, spec


def maxpool(n, k, **kw):
    m = (N.MaxPool1d if n == 1 else N.MaxPool2d)(k, **kw)
    spec = {"kind": "maxpool%dd" % n, "kernel_size": _pair(k)}
    for key, v in kw.items():
        spec[key] = _pair(v)
    return m, spec


def avgpool(n, k, **kw):
    m = (N.AvgPool1d if n == 1 else N.AvgPool2d)(k, **kw)
    spec = {"kind": "avgpool%dd" % n, "kernel_size": _pair(k)}
    for key, v in kw.items():
        spec[key] = _pair(v)
    return m, spec


def adaptive(n, out):
    m = (N.AdaptiveAvgPool1d if n == 1 else N.AdaptiveAvgPool2d)(out)
    return m, {"kind": "adaptive_avgpool%dd" % n, "output_size": _pair(out)}


def batchnorm(n, c, **kw):
    m = (N.BatchNorm1d if n == 1 else N.BatchNorm2d)(c, **kw)
    spec = {"kind": "batchnorm%dd" % n, "num_features": c}
    spec.update(kw)
    return m, spec


def layernorm(shape, **kw):
    m = N.LayerNorm(shape, **kw)
    spec = {"kind": "layernorm", "normalized_shape": list(shape)}
    spec.update(kw)
    return m, spec


def groupnorm(g, c, **kw):
    m = N.GroupNorm(g, c, **kw)
    spec = {"kind": "groupnorm", "num_groups": g, "num_channels": c}
    spec.update(kw)
    return m, spec


def linear(i, o, **kw):
    spec = {"kind": "linear", "in": i, "out": o}
    spec.update(kw)
    return N.Linear(i, o, **kw), spec


class Reshape(N.Module):
    """Keras-style Reshape: the per-sample shape, the batch kept."""

    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


def reshape(shape):
    return Reshape(shape), {"kind": "reshape", "shape": list(shape)}


def flatten(start_dim=1, end_dim=-1):
    spec = {"kind": "flatten"}
    if start_dim != 1:
        spec["start_dim"] = start_dim
    if end_dim != -1:
        spec["end_dim"] = end_dim
    return N.Flatten(start_dim, end_dim), spec


def softmax(dim, log=False):
    return (N.LogSoftmax if log else N.Softmax)(dim=dim), {"kind": "log_softmax" if log else "softmax", "dim": dim}


def dropout(n, p):
    return (N.Dropout1d if n == 1 else N.Dropout2d)(p), {"kind": "dropout%dd" % n, "p": p}


def act(name):
    return {"relu": N.ReLU, "sigmoid": N.Sigmoid, "tanh": N.Tanh}[name](), {"kind": name}


# ---- common pieces ----

def randomize_norms(model, gen):
    """Affine weights and biases, and running stats, away from their 1/0 defaults, so each
    one shows in the output."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (N.BatchNorm1d, N.BatchNorm2d, N.LayerNorm, N.GroupNorm)):
                w = getattr(m, "weight", None)
                if w is not None:
                    w.copy_(1 + 0.5 * torch.randn(w.shape, generator=gen))
                    m.bias.copy_(0.5 * torch.randn(m.bias.shape, generator=gen))
            if isinstance(m, (N.BatchNorm1d, N.BatchNorm2d)) and m.track_running_stats:
                m.running_mean.copy_(0.3 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))


def params(model):
    return [p.detach().clone() for p in model.parameters()]


def grads(model):
    return [p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p) for p in model.parameters()]


def buffers(model):
    return [b.detach().clone() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked")]


def build(pairs, seed):
    """The modules as a Sequential, their parameters drawn afresh after seeding (the modules
    were created before: their construction-time draws depend on earlier cases)."""
    torch.manual_seed(seed)
    model = N.Sequential(*[m for m, _ in pairs])
    for m in model.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    return model, [s for _, s in pairs]


# ---- (1) layers: forward and backward with a random upstream gradient ----

def layer_case(name, pairs, shape, B=3, mode="train", seed=1, note=None):
    model, specs = build(pairs, seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    randomize_norms(model, gen)
    p0, b0 = params(model), buffers(model)
    model.train(mode == "train")
    x = torch.randn(B, *shape, generator=gen).requires_grad_(True)
    y = model(x)
    dy = torch.randn(y.shape, generator=gen)
    y.backward(dy)
    table = {"kind": "layer", "layers": specs, "input": list(shape), "mode": mode, "x": x, "params": p0,
             "buffers_in": b0, "y": y, "dy": dy, "dx": x.grad, "grads": grads(model), "buffers": buffers(model),
             "out_shape": list(y.shape[1:])}
    if note:
        table["note"] = note
    fixture.write(AREA, "layer_" + name, table)


def layers():
    L = layer_case
    # Conv1d
    L("conv1d", [conv(1, 2, 3, 3)], (2, 10))
    L("conv1d_stride_pad_dil", [conv(1, 2, 4, 3, stride=2, padding=2, dilation=2)], (2, 11))
    L("conv1d_groups_nobias", [conv(1, 4, 6, 3, groups=2, bias=False)], (4, 9))
    L("conv1d_depthwise", [conv(1, 3, 3, 5, groups=3, padding=2)], (3, 8))
    L("conv1d_same_even", [conv(1, 2, 3, 4, padding="same")], (2, 9))
    L("conv1d_same_dilation", [conv(1, 2, 2, 3, padding="same", dilation=3)], (2, 10))
    L("conv1d_valid", [conv(1, 2, 3, 4, padding="valid")], (2, 9))
    # Conv2d
    L("conv2d", [conv(2, 2, 3, 3)], (2, 7, 6))
    L("conv2d_stride", [conv(2, 2, 3, 3, stride=2)], (2, 9, 8))
    L("conv2d_stride_rect", [conv(2, 2, 3, (2, 3), stride=(2, 1))], (2, 7, 8))
    L("conv2d_padding", [conv(2, 2, 4, 3, padding=1)], (2, 6, 5))
    L("conv2d_padding_pair", [conv(2, 2, 3, 3, padding=(2, 0))], (2, 5, 6))
    L("conv2d_same_even", [conv(2, 2, 3, 4, padding="same")], (2, 7, 6))
    L("conv2d_same_rect", [conv(2, 2, 3, (2, 3), padding="same")], (2, 6, 7))
    L("conv2d_same_dilation", [conv(2, 2, 3, 2, padding="same", dilation=(2, 3))], (2, 7, 8))
    L("conv2d_valid", [conv(2, 3, 2, 3, padding="valid")], (3, 6, 6))
    L("conv2d_dilation", [conv(2, 2, 3, 3, dilation=2, padding=1)], (2, 9, 8))
    L("conv2d_dilation_rect", [conv(2, 2, 3, 3, dilation=(2, 1), stride=(1, 2))], (2, 9, 8))
    L("conv2d_groups", [conv(2, 4, 6, 3, groups=2, padding=1)], (4, 5, 5))
    L("conv2d_depthwise", [conv(2, 3, 3, 3, groups=3, padding=1)], (3, 6, 6))
    L("conv2d_depthwise_mult", [conv(2, 3, 6, 3, groups=3, stride=2, bias=False)], (3, 7, 7))
    L("conv2d_nobias", [conv(2, 3, 4, 3, bias=False)], (3, 6, 5))
    L("conv2d_1x1", [conv(2, 5, 4, 1)], (5, 4, 3), B=2)
    L("conv2d_batch1", [conv(2, 2, 3, 3, padding=1)], (2, 5, 5), B=1)
    # MaxPool1d / MaxPool2d
    L("maxpool1d", [maxpool(1, 2)], (3, 9))
    L("maxpool1d_stride_pad", [maxpool(1, 3, stride=2, padding=1)], (2, 10))
    L("maxpool1d_dilation_ceil", [maxpool(1, 3, stride=2, padding=1, dilation=2, ceil_mode=True)], (2, 12))
    L("maxpool1d_ceil", [maxpool(1, 2, ceil_mode=True)], (2, 9))
    L("maxpool2d", [maxpool(2, 2)], (2, 8, 8))
    L("maxpool2d_stride_pad", [maxpool(2, 3, stride=2, padding=1)], (2, 7, 8))
    L("maxpool2d_dilation", [maxpool(2, 2, stride=1, dilation=2)], (2, 6, 7))
    L("maxpool2d_ceil", [maxpool(2, 3, stride=2, ceil_mode=True)], (2, 8, 7))
    L("maxpool2d_ceil_pad", [maxpool(2, 3, stride=2, padding=1, ceil_mode=True)], (2, 6, 8))
    # ceil_mode's rule: a last window starting in the right padding is dropped (4 -> 2, not 3)
    L("maxpool1d_ceil_drop", [maxpool(1, 4, stride=3, padding=2, ceil_mode=True)], (2, 4))
    L("maxpool2d_ceil_drop", [maxpool(2, 4, stride=3, padding=2, ceil_mode=True)], (2, 4, 7))
    L("maxpool2d_rect", [maxpool(2, (2, 3), stride=(2, 1), padding=(1, 1), dilation=(1, 2))], (2, 7, 9))
    # AvgPool1d / AvgPool2d
    L("avgpool1d", [avgpool(1, 3)], (2, 10))
    L("avgpool1d_pad", [avgpool(1, 3, stride=2, padding=1)], (2, 10))
    L("avgpool1d_pad_exclude", [avgpool(1, 3, stride=2, padding=1, count_include_pad=False)], (2, 10))
    L("avgpool1d_ceil", [avgpool(1, 3, stride=2, padding=1, ceil_mode=True)], (2, 10))
    L("avgpool1d_ceil_exclude", [avgpool(1, 4, stride=3, padding=1, ceil_mode=True, count_include_pad=False)],
      (2, 11))
    L("avgpool2d", [avgpool(2, 2)], (2, 6, 8))
    L("avgpool2d_pad", [avgpool(2, 3, stride=2, padding=1)], (2, 7, 6))
    L("avgpool2d_pad_exclude", [avgpool(2, 3, stride=2, padding=1, count_include_pad=False)], (2, 7, 6))
    L("avgpool2d_ceil", [avgpool(2, 3, stride=2, ceil_mode=True)], (2, 8, 6))
    L("avgpool2d_ceil_pad", [avgpool(2, 3, stride=2, padding=1, ceil_mode=True)], (2, 8, 6))
    L("avgpool2d_ceil_pad_exclude", [avgpool(2, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)],
      (2, 8, 6))
    L("avgpool1d_ceil_drop", [avgpool(1, 4, stride=3, padding=2, ceil_mode=True)], (2, 4))
    L("avgpool2d_ceil_drop_exclude", [avgpool(2, 4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)],
      (2, 4, 7))
    L("avgpool2d_rect", [avgpool(2, (2, 3), stride=(1, 2), padding=(1, 1))], (2, 5, 8))
    # AdaptiveAvgPool1d / 2d
    L("adaptive1d_global", [adaptive(1, 1)], (3, 7))
    L("adaptive1d_nondiv", [adaptive(1, 3)], (2, 7))
    L("adaptive1d_grow", [adaptive(1, 5)], (2, 3))
    L("adaptive2d_global", [adaptive(2, 1)], (3, 5, 6))
    L("adaptive2d_nondiv", [adaptive(2, (3, 4))], (2, 7, 9))
    L("adaptive2d_square", [adaptive(2, 3)], (2, 8, 5))
    # Flatten, Reshape (between layers that see the shape)
    L("flatten_linear", [conv(2, 2, 3, 3), flatten(), linear(3 * 4 * 3, 5)], (2, 6, 5))
    L("flatten_start2", [flatten(2), conv(1, 3, 2, 3)], (3, 4, 5))
    L("flatten_end2", [flatten(1, 2), conv(1, 6, 2, 2)], (2, 3, 5))
    L("reshape", [linear(12, 24), reshape((2, 3, 4)), conv(2, 2, 3, 2)], (12,))
    L("reshape_infer", [reshape((3, -1)), conv(1, 3, 2, 3)], (3, 2, 4))
    # BatchNorm2d / BatchNorm1d on (B, C, L)
    L("batchnorm2d_train", [batchnorm(2, 3)], (3, 4, 5), B=4)
    L("batchnorm2d_eval", [batchnorm(2, 3)], (3, 4, 5), B=4, mode="eval")
    L("batchnorm2d_momentum_eps", [batchnorm(2, 3, momentum=0.3, eps=1e-3)], (3, 3, 4), B=4)
    L("batchnorm2d_no_affine", [batchnorm(2, 3, affine=False)], (3, 4, 4), B=3)
    L("batchnorm2d_no_affine_eval", [batchnorm(2, 3, affine=False)], (3, 4, 4), B=3, mode="eval")
    L("batchnorm2d_no_stats", [batchnorm(2, 3, track_running_stats=False)], (3, 4, 5), B=3)
    L("batchnorm2d_no_stats_eval", [batchnorm(2, 3, track_running_stats=False)], (3, 4, 5), B=3, mode="eval",
      note="without running stats, eval mode normalises with the batch statistics too")
    L("batchnorm2d_after_conv", [conv(2, 2, 4, 3, padding=1, bias=False), batchnorm(2, 4), act("relu")], (2, 5, 5),
      B=4)
    L("batchnorm2d_batch1", [batchnorm(2, 2)], (2, 3, 4), B=1)
    L("batchnorm1d_bcl", [batchnorm(1, 3)], (3, 6), B=4)
    L("batchnorm1d_bcl_eval", [batchnorm(1, 3)], (3, 6), B=4, mode="eval")
    L("batchnorm1d_bcl_no_affine", [batchnorm(1, 3, affine=False, momentum=0.5)], (3, 5), B=3)
    # LayerNorm: 1 and 2 trailing dims, no affine
    L("layernorm_1", [layernorm((6,))], (3, 6))
    L("layernorm_1_4d", [layernorm((5,))], (2, 3, 5))
    L("layernorm_2", [layernorm((4, 5))], (3, 4, 5))
    L("layernorm_2_no_affine", [layernorm((4, 5), elementwise_affine=False)], (3, 4, 5))
    L("layernorm_1_no_affine_eps", [layernorm((7,), elementwise_affine=False, eps=1e-3)], (2, 7))
    # GroupNorm: G = 1, G = C, a middle G
    L("groupnorm_g1", [groupnorm(1, 4)], (4, 3, 3))
    L("groupnorm_gc", [groupnorm(4, 4)], (4, 3, 3))
    L("groupnorm_g2", [groupnorm(2, 6)], (6, 2, 3))
    L("groupnorm_g3_1d", [groupnorm(3, 6, eps=1e-3)], (6, 5))
    L("groupnorm_no_affine", [groupnorm(2, 4, affine=False)], (4, 3, 2))
    # Dropout1d / Dropout2d: identity in eval mode, and with p = 0
    L("dropout2d_eval", [conv(2, 2, 3, 3), dropout(2, 0.5)], (2, 5, 5), mode="eval")
    L("dropout2d_p0", [conv(2, 2, 3, 3), dropout(2, 0.0)], (2, 5, 5))
    L("dropout1d_eval", [conv(1, 2, 3, 3), dropout(1, 0.3)], (2, 8), mode="eval")
    L("dropout1d_p0", [conv(1, 2, 3, 3), dropout(1, 0.0)], (2, 8))
    # Softmax / LogSoftmax as layers
    L("softmax_dim1_4d", [softmax(1)], (4, 3, 2))
    L("softmax_dimlast_4d", [softmax(-1)], (2, 3, 5))
    L("softmax_dim1_3d", [softmax(1)], (4, 5))
    L("log_softmax_dim1_4d", [softmax(1, log=True)], (4, 3, 2))
    L("log_softmax_dimlast_3d", [softmax(-1, log=True)], (3, 6))
    L("softmax_output", [conv(2, 1, 2, 3), flatten(), linear(2 * 3 * 3, 4), softmax(1)], (1, 5, 5))
    L("log_softmax_output", [conv(2, 1, 2, 3), flatten(), linear(2 * 3 * 3, 4), softmax(-1, log=True)], (1, 5, 5))
    L("softmax_one_unit", [flatten(), linear(8, 1), softmax(1)], (2, 4),
      note="a softmax over one unit: output 1, gradient 0")
    L("log_softmax_one_unit", [flatten(), linear(8, 1), softmax(1, log=True)], (2, 4))


# ---- (1) losses on the output layer ----

EPS = 1e-7


def keras_cce(p, cls):
    """tf.keras categorical_crossentropy(from_logits=False) with one-hot targets."""
    q = p / p.sum(-1, keepdim=True)
    q = q.clamp(EPS, 1 - EPS)
    return -torch.log(q.gather(1, cls.view(-1, 1))).mean()


def loss_case(name, pairs, shape, loss, target_fn, B=4, seed=1, scale_last=None, note=None):
    model, specs = build(pairs, seed)
    gen = torch.Generator().manual_seed(seed + 2000)
    if scale_last:
        with torch.no_grad():
            lin = [m for m in model if isinstance(m, N.Linear)][-1]
            lin.weight.mul_(scale_last)
            lin.bias.mul_(scale_last)
    p0 = params(model)
    x = torch.randn(B, *shape, generator=gen).requires_grad_(True)
    y = model(x)
    target = target_fn(y.detach(), gen)
    if loss == "bce":
        value = F.binary_cross_entropy(y, target)
    elif loss == "nll":
        value = F.nll_loss(y, target.view(-1).long())
    elif loss == "categorical_crossentropy":
        value = keras_cce(y, target.view(-1).long())
    elif loss == "mse":
        value = F.mse_loss(y, target)
    elif loss == "l1":
        value = F.l1_loss(y, target)
    else:
        raise ValueError(loss)
    value.backward()
    table = {"kind": "loss", "layers": specs, "input": list(shape), "mode": "train", "x": x, "params": p0,
             "y": y, "target": target, "loss": value.item(), "dx": x.grad, "grads": grads(model),
             "config": {"loss": loss}}
    if note:
        table["note"] = note
    fixture.write(AREA, "loss_" + name, table)


def head(k, last=None):
    """conv -> relu -> flatten -> linear(k) [-> last] on a 1x6x6 input."""
    pairs = [conv(2, 1, 2, 3), act("relu"), flatten(), linear(2 * 4 * 4, k)]
    return pairs + ([last] if last else [])


def classes(k):
    return lambda y, gen: torch.randint(0, k, (y.shape[0], 1), generator=gen).float()


def cce_targets(y, gen):
    """Random classes, except that the first row whose largest probability clips at
    1 - 1e-7 targets it and the first other row whose smallest clips at 1e-7 targets that:
    both get no gradient. At least two rows must not clip."""
    q = y / y.sum(-1, keepdim=True)
    t = torch.randint(0, q.shape[1], (q.shape[0], 1), generator=gen)
    hi = [r for r in range(q.shape[0]) if q[r].max() > 1 - EPS]
    lo = [r for r in range(q.shape[0]) if q[r].min() < EPS and r not in hi[:1]]
    assert hi and lo, "cce fixture: needs a row clipping high and one clipping low"
    t[hi[0], 0] = q[hi[0]].argmax()
    t[lo[0], 0] = q[lo[0]].argmin()
    inside = [r for r in range(q.shape[0]) if EPS < q[r, t[r, 0]] < 1 - EPS]
    assert len(inside) >= 2, "cce fixture: needs rows that do not clip"
    return t.float()


def losses():
    LC = loss_case
    LC("bce_sigmoid", head(3, act("sigmoid")), (1, 6, 6), "bce",
       lambda y, gen: (torch.rand(y.shape, generator=gen) > 0.5).float())
    LC("bce_sigmoid_soft", head(2, act("sigmoid")), (1, 6, 6), "bce",
       lambda y, gen: torch.rand(y.shape, generator=gen), seed=2)
    LC("nll_log_softmax", head(4, softmax(1, log=True)), (1, 6, 6), "nll", classes(4))
    LC("nll_log_softmax_last", head(5, softmax(-1, log=True)), (1, 6, 6), "nll", classes(5), B=5, seed=3)
    LC("cce_softmax", head(4, softmax(1)), (1, 6, 6), "categorical_crossentropy", classes(4), B=5)
    LC("cce_softmax_clipped", head(4, softmax(1)), (1, 6, 6), "categorical_crossentropy", cce_targets, B=6,
       seed=4, scale_last=40.0, note="rows whose target probability clips (> 1-1e-7, < 1e-7) get no gradient")
    LC("mse_softmax", head(4, softmax(1)), (1, 6, 6), "mse",
       lambda y, gen: F.one_hot(torch.randint(0, 4, (y.shape[0],), generator=gen), 4).float())
    LC("l1_softmax", head(3, softmax(1)), (1, 6, 6), "l1", lambda y, gen: torch.rand(y.shape, generator=gen), seed=5)
    LC("l1_log_softmax", head(3, softmax(1, log=True)), (1, 6, 6), "l1",
       lambda y, gen: -3 * torch.rand(y.shape, generator=gen), seed=6)


# ---- (2) composed custom ops: the same computation as the Lua test's gg.nn.custom / loss ----

class Custom(N.Module):
    """x (B, 3, 8) -> (B, 48): the Lua test's custom layer, op for op. The where's two
    branches agree at h = 0 up to the second derivative (exp(h/2) and 1 + h/2 +
    log(1 + h^2/8)), so the Lua test's central differences are not spoiled where a step
    crosses h = 0."""

    def __init__(self, gen):
        super().__init__()
        self.w = N.Parameter(0.4 * torch.randn(8, 5, generator=gen))
        self.b = N.Parameter(0.2 * torch.randn(5, generator=gen))
        self.g = N.Parameter(1 + 0.3 * torch.randn(3, 1, generator=gen))

    def forward(self, x):
        h = torch.matmul(x, self.w) + self.b          # (B,3,5) matmul + broadcast add
        h = h * self.g                                 # (B,3,5) * (3,1)
        e = torch.exp(h * 0.5)
        s = torch.softmax(h, -1)
        ls = torch.log_softmax(h, 1)
        t = h.transpose(1, 2)                          # (B,5,3)
        tm = t.mean(2, keepdim=True)                   # (B,5,1)
        u = t - tm                                     # (B,5,3)
        c = torch.cat([s, ls, u.transpose(1, 2)], 2)   # (B,3,15)
        sl = c[:, :, 1:14:2]                           # (B,3,7)
        w = torch.where(torch.relu(h) != 0, e, (h * 0.5 + 1) + torch.log(h * h * 0.125 + 1))  # (B,3,5)
        r = sl.sum(2, keepdim=True) * 0.1              # (B,3,1)
        out = torch.cat([sl + r, w + 0.5 * torch.log(e + 1)], 2)  # (B,3,12)
        m = out.mean(1).reshape(-1, 1, 12)             # (B,1,12)
        return torch.cat([out, m], 1).reshape(x.shape[0], -1)  # (B, 48)


def custom_loss(pred, target):
    """pred (B, 4), target (B, 4) soft labels with some zeros: the Lua test's custom loss."""
    lp = torch.log_softmax(pred, 1)
    p = torch.softmax(pred, 1)
    pick = torch.where(target != 0, lp, torch.log(1 - p + 1e-3))   # cond: target != 0
    ce = -(pick * (target + 0.5)).sum(1).mean()
    d = p - target
    sq = (d * d).mean()
    lse = torch.log(torch.exp(pred).sum(1)).mean()
    return ce + 0.5 * sq + 0.01 * lse


def custom():
    gen = torch.Generator().manual_seed(7)
    torch.manual_seed(7)
    B = 4
    cust = Custom(gen)
    lin = N.Linear(48, 4)
    model = N.Sequential(cust, lin)
    p0 = params(model)
    x = torch.randn(B, 3, 8, generator=gen).requires_grad_(True)
    pred = model(x)
    target = torch.rand(B, 4, generator=gen)
    target[target < 0.35] = 0.0
    target[0, 1] = 0.0
    target[1, 2] = 0.0
    value = custom_loss(pred, target)
    value.backward()
    fixture.write(AREA, "custom_ops", {
        "kind": "custom", "input": [3, 8], "mode": "train", "x": x, "params": p0, "y": pred, "target": target,
        "loss": value.item(), "dx": x.grad, "grads": grads(model),
    })


# ---- (3) training parity: 100 steps on the digits ----

STEPS = 100


def digits(n):
    d = load_digits()
    x = torch.tensor(d.data[:n], dtype=torch.float32).reshape(n, 1, 8, 8) / 16
    y = torch.tensor(d.target[:n], dtype=torch.float32).reshape(n, 1)
    return x, y


class ResidualBlock(N.Module):
    """torchvision's BasicBlock (conv-BN-relu-conv-BN, + shortcut, relu), as
    gg.nn.residual{conv, bn, relu, conv, bn, projection = {conv 1x1, bn}, activation = relu}."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = N.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = N.BatchNorm2d(cout)
        self.conv2 = N.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = N.BatchNorm2d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = N.Sequential(N.Conv2d(cin, cout, 1, stride=stride, bias=False), N.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


def train_case(name, model, make_opt, config, n=320, batch=32, seed=1):
    gen = torch.Generator().manual_seed(seed)
    x, y = digits(n)
    p0 = params(model)
    opt = make_opt(model)
    bs = fixture.batches(n, batch, STEPS, gen)
    losses = []
    model.train()
    for b in bs:
        opt.zero_grad()
        loss = F.cross_entropy(model(x[b]), y[b].view(-1).long())
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        eval_out = model(x[:16])
    fixture.write(AREA, "train_" + name, {
        "kind": "train", "input": [1, 8, 8], "params": p0, "x": x, "y": y, "batches": fixture.one_based(bs),
        "losses": losses, "final": params(model), "config": config,
        "extra": {"buffers": buffers(model), "eval_out": eval_out},
    })


def training():
    torch.manual_seed(11)
    cnn = N.Sequential(N.Conv2d(1, 4, 3, padding=1), N.ReLU(), N.MaxPool2d(2), N.Conv2d(4, 8, 3, padding=1),
                       N.ReLU(), N.Flatten(), N.Linear(8 * 4 * 4, 10))
    train_case("cnn_sgd_momentum", cnn, lambda m: torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9),
               {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "loss": "cross_entropy"})
    torch.manual_seed(12)
    resnet = N.Sequential(N.Conv2d(1, 8, 3, padding=1, bias=False), N.BatchNorm2d(8), N.ReLU(),
                          ResidualBlock(8, 8, 1), ResidualBlock(8, 16, 2),
                          N.AdaptiveAvgPool2d(1), N.Flatten(), N.Linear(16, 10))
    train_case("resnet_adam", resnet, lambda m: torch.optim.Adam(m.parameters(), lr=0.01),
               {"optimizer": "adam", "lr": 0.01, "loss": "cross_entropy"}, seed=2)


layers()
losses()
custom()
training()
