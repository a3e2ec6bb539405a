"""`kern fit` under --auto on targets moved far from zero and scaled far
from one: test R² and seconds, one run each, for this kern and, when
given, another binary (an older build) side by side.

Usage: target_scale.py KERN [OTHER_KERN]. The curve is x₁² + sin 3x₁ on
[-1, 1]², the second feature irrelevant, noise 0.1, 500 training rows and
2,000 clean test rows, its targets moved by a shift or multiplied by a
scale; then `--auto --task svr` and `--auto` (kernel ridge) on 1,500
training rows of UCI elevators, pol and bike, and LIBSVM's abalone, and
Falkon (beyond 10,000 rows) on 12,000 rows of pol, when ../shared/data holds them."""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

binaries = sys.argv[1:]
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


def write(path, x, y):
    names = ",".join([f"x{j}" for j in range(x.shape[1])] + ["y"])
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header=names, comments="", fmt="%.17g")


def r2(truth, p):
    return 1 - ((truth - p) ** 2).sum() / ((truth - truth.mean()) ** 2).sum()


def run(kern, tmp, train, test, truth, options):
    model, out = os.path.join(tmp, "m.model"), os.path.join(tmp, "p.txt")
    started = time.time()
    subprocess.run([kern, "fit", train, "--label-col", "y", "-o", model, "-q", *options], check=True)
    seconds = time.time() - started
    subprocess.run([kern, "predict", model, test, "--label-col", "y", "-o", out, "-q"], check=True)
    return r2(truth, np.loadtxt(out)), seconds


def row(name, tmp, train, test, truth, options):
    cells = [f"{name:<34}"]
    for kern in binaries:
        score, seconds = run(kern, tmp, train, test, truth, options)
        cells.append(f"{score:>12.4f} {seconds:6.1f}")
    print(" ".join(cells), flush=True)


def curve(tmp):
    rng = np.random.default_rng(1)
    x, xt = rng.uniform(-1, 1, (500, 2)), rng.uniform(-1, 1, (2000, 2))
    f = lambda x: x[:, 0] ** 2 + np.sin(3 * x[:, 0])
    y, ft = f(x) + 0.1 * rng.normal(size=500), f(xt)
    cases = [("shift", s, 1.0) for s in (0.0, 1e2, 1e4, 1e6, 1e9)] + [("scale", 0.0, s) for s in (1e-4, 1e5)]
    for kind, shift, scale in cases:
        train, test = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
        write(train, x, shift + scale * y)
        write(test, xt, shift + scale * ft)
        for task in ([] if kind == "scale" else [[]]) + [["--task", "svr"]]:
            label = f"curve, {kind} {shift if kind == 'shift' else scale:g}, {'svr' if task else 'krr'}"
            row(label, tmp, train, test, shift + scale * ft, ["--auto", *task])


def real(tmp):
    sets = [(n, os.path.join(DATA, "uci", f"{n}.csv")) for n in ("elevators", "pol", "bike")]
    sets.append(("abalone", os.path.join(DATA, "libsvm", "abalone_scale")))
    for name, path in sets:
        if not os.path.exists(path):
            print(f"{name}: {path} absent, skipped")
            continue
        if name == "abalone":
            from sklearn.datasets import load_svmlight_file

            x, y = load_svmlight_file(path)
            x = x.toarray()
        else:
            a = np.loadtxt(path, delimiter=",")
            x, y = a[:, :-1], a[:, -1]
        order = np.random.default_rng(0).permutation(len(y))
        sizes = [1500] + ([12000] if name == "pol" else [])
        for n in sizes:
            tr, te = order[:n], order[n : n + 3000]
            train, test = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
            write(train, x[tr], y[tr])
            write(test, x[te], y[te])
            for task in [[]] + ([["--task", "svr"]] if n == 1500 else []):
                row(f"{name} {n}, {'svr' if task else 'krr'} (std {y[tr].std():.3g})", tmp, train, test, y[te], ["--auto", *task])


names = ["now", "other"][: len(binaries)]
print(f"{'case':<34} " + " ".join(f"{n + ' R2':>12} {'s':>6}" for n in names))
with tempfile.TemporaryDirectory() as tmp:
    curve(tmp)
    real(tmp)
