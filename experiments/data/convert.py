"""experiments/data/convert.py — writes the small real datasets gglab ships, as plain CSV
with a header row (feature names, then `target` holding the class name), from the copies
in Debian's python3-sklearn (sklearn.datasets.load_*). Run once by a developer
(`/usr/bin/python3 experiments/data/convert.py`); gglab itself never needs Python.
Values are written exactly as sklearn loads them (repr of the float64 value).
"""
import csv
import os

from sklearn import datasets

HERE = os.path.dirname(os.path.abspath(__file__))


def clean(name):
    return name.strip().replace(" ", "_").replace("(", "").replace(")", "").replace("/", "_")


def write(fname, bunch, names=None):
    names = names or [clean(n) for n in bunch.feature_names]
    labels = list(bunch.target_names) if hasattr(bunch, "target_names") else None
    with open(os.path.join(HERE, fname), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names + ["target"])
        for x, y in zip(bunch.data, bunch.target):
            w.writerow([repr(float(v)) if float(v) != int(v) else str(int(v)) for v in x]
                       + [labels[int(y)] if labels is not None else y])


write("iris.csv", datasets.load_iris())
write("wine.csv", datasets.load_wine())
write("breast_cancer.csv", datasets.load_breast_cancer())
digits = datasets.load_digits()
write("digits.csv", digits, ["pixel_%d_%d" % (i // 8, i % 8) for i in range(64)])
