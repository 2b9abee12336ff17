"""tests/parity/gen_safetensors.py — PyTorch 1.13 side of the safetensors round trip (make
fixtures). Replayed by tests/lua/test_parity_safetensors.lua.

Cases (the gglab models of tests/parity/gglab_safetensors.lua, module for module): mlp
(Linear, ReLU, Linear), bn (Linear, BatchNorm1d, ReLU, Linear), cnn (Conv2d, BatchNorm2d,
ReLU, MaxPool2d, Flatten, Linear on 1x8x8), lstm (a 2-layer LSTM, batch_first, its last
output, then Linear), gru (a GRU, then Linear) and transformer (a Post-LN
TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0, batch_first=True), then Linear
on every position). Under fixtures/safetensors/:

  torch_<case>.safetensors  torch -> gglab: the module's state_dict (seeded init; the
                            BatchNorm ones after three training forwards), written by
                            write_safetensors below.
  gglab_<case>.safetensors  gglab -> torch: written by the gglab script (run here with
                            lua5.4 and build/gglab.so; checked in; the test rewrites it and
                            requires the same bytes). Loaded into the torch module with
                            load_state_dict(strict=True); every tensor is checked equal, byte
                            for byte, to the file's data.
  <case>.lua                x (a fixed batch, (B, rest) rows), torch_out (the torch
                            module's eval-mode output with its own weights), gglab_out (its
                            eval-mode output with the gglab file's weights), names (the
                            state_dict keys in torch's order).

python3-safetensors is not packaged in Debian 12: the format (8-byte little-endian header
length, JSON header, raw little-endian data) is written and read here directly, the same
way the reference implementation lays it out (keys sorted, header padded with spaces to 8
bytes). Everything runs on CPU in float32 with fixed seeds, so the files regenerate byte
for byte.
"""
import json
import os
import struct
import subprocess

import torch

import fixture

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(fixture.OUT, "safetensors")

DTYPES = {torch.float32: "F32", torch.int64: "I64"}
TORCH = {v: k for k, v in DTYPES.items()}


def write_safetensors(path, state):
    header, blobs, off = {}, [], 0
    for name, t in state.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    """name -> (tensor, raw bytes) of every tensor of the file."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        data = raw[8 + n + b:8 + n + end]
        t = torch.frombuffer(bytearray(data), dtype=TORCH[e["dtype"]]).reshape(e["shape"])
        out[name] = (t, data)
    return out


class RecurrentHead(torch.nn.Module):
    """An LSTM/GRU (batch_first) whose last output feeds a Linear, registered as "0" and "1"
    so that the state_dict names are nn.Sequential's."""

    def __init__(self, rnn, linear):
        super().__init__()
        self.add_module("0", rnn)
        self.add_module("1", linear)

    def forward(self, x):
        out, _ = self._modules["0"](x)
        return self._modules["1"](out[:, -1])


def build(name):
    nn = torch.nn
    if name == "mlp":
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)), (4,)
    if name == "bn":
        return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)), (4,)
    if name == "cnn":
        return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(36, 3)), (1, 8, 8)
    if name == "lstm":
        return RecurrentHead(nn.LSTM(3, 5, num_layers=2, batch_first=True), nn.Linear(5, 2)), (4, 3)
    if name == "gru":
        return RecurrentHead(nn.GRU(3, 5, batch_first=True), nn.Linear(5, 2)), (4, 3)
    if name == "transformer":
        return nn.Sequential(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True),
                             nn.Linear(8, 3)), (5, 8)
    raise ValueError(name)


NAMES = ["mlp", "bn", "cnn", "lstm", "gru", "transformer"]


def main():
    os.makedirs(OUT, exist_ok=True)
    env = dict(os.environ, LUA_CPATH=os.path.join(ROOT, "build", "?.so") + ";;")
    subprocess.run(["lua5.4", os.path.join(HERE, "gglab_safetensors.lua"), OUT], check=True, env=env, cwd=ROOT)
    for i, name in enumerate(NAMES):
        torch.manual_seed(100 + i)
        model, shape = build(name)
        gen = torch.Generator().manual_seed(200 + i)
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn((6,) + shape, generator=gen) * 2 + 0.5)
        model.eval()
        x = torch.randn((5,) + shape, generator=gen)
        with torch.no_grad():
            torch_out = model(x)
        write_safetensors(os.path.join(OUT, "torch_%s.safetensors" % name), model.state_dict())
        names = list(model.state_dict().keys())

        # gglab -> torch: strict load, byte-for-byte weights, the output on x
        other, _ = build(name)
        loaded = read_safetensors(os.path.join(OUT, "gglab_%s.safetensors" % name))
        other.load_state_dict({k: t for k, (t, _) in loaded.items()}, strict=True)
        for k, v in other.state_dict().items():
            assert v.contiguous().numpy().tobytes() == loaded[k][1], "%s: %s differs after load" % (name, k)
        other.eval()
        with torch.no_grad():
            gglab_out = other(x)
        fixture.write("safetensors", name, {
            "x": x.reshape(x.shape[0], -1), "torch_out": torch_out, "gglab_out": gglab_out, "names": names,
            "input": list(shape)})


if __name__ == "__main__":
    main()
