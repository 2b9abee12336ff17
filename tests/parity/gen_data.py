"""tests/parity/gen_data.py — reference fixtures for gglab's data transforms (make fixtures):
sklearn's StandardScaler and MinMaxScaler fitted on a training split and applied to both
splits, and Keras's validation_split sizes (split_at = int(n * (1 - validation_split))).

Features are float32 values spanning wildly different scales (like breast_cancer's); the
scalers run in float64 as sklearn does, and the expected outputs are rounded to float32
once, which is what gglab stores.
"""
import numpy as np
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import fixture

rng = np.random.default_rng(11)
n, d = 120, 5
scales = np.array([1e-3, 1.0, 50.0, 1e4, 3e6])
x = (rng.standard_normal((n, d)) * scales + rng.standard_normal(d) * scales).astype(np.float32)
x[:, 1] = 7.0                       # a constant column: sklearn scales it by 1
split_at = int(n * (1.0 - 0.25))
train, val = x[:split_at], x[split_at:]

for name, cls in (("standard", StandardScaler), ("minmax", MinMaxScaler)):
    s = cls().fit(train.astype(np.float64))
    shift = s.mean_ if name == "standard" else s.data_min_
    scale = s.scale_ if name == "standard" else s.data_range_
    scale = np.where(scale == 0, 1.0, scale)
    fixture.write("data", "scaler_" + name, {
        "x": fixture.torch.tensor(x), "split_at": split_at,
        "extra": {
            # exact text: fixture floats keep only float32's 9 digits
            "shift": ["%.17g" % v for v in shift], "scale": ["%.17g" % v for v in scale],
            "train": fixture.torch.tensor(s.transform(train.astype(np.float64)).astype(np.float32)),
            "val": fixture.torch.tensor(s.transform(val.astype(np.float64)).astype(np.float32)),
        },
    })

# Keras's validation_split sizes, including fractions whose product rounds down.
cases = []
for rows in (10, 64, 100, 150, 178, 569, 1797):
    for vs in (0.1, 0.15, 0.2, 0.25, 0.3, 1 / 3, 0.5, 0.9):
        # vs as exact text (17 digits): fixture floats keep only float32's 9 digits
        cases.append({"rows": rows, "fraction": "%.17g" % vs, "train": int(rows * (1.0 - vs))})
fixture.write("data", "keras_split", {"extra": {"cases": cases}})
