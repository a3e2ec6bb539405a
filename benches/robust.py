"""`kern fit` (--auto kernel ridge) with the squared loss and with Huber's
on a curve whose training targets carry gross errors, beside --auto's
ε-SVR search (`kern fit --auto --task svr`) and ε-SVR at LIBSVM's
defaults (`kern fit --task svr`, LIBSVM's answers): test R² against the
clean curve and seconds, one run each.

Usage: robust.py KERN_BINARY [ROWS ...] (default 500 5000). The curve is
x₁² + sin 3x₁ on [-1, 1]², the second feature irrelevant, noise 0.1; test:
2,000 clean rows."""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

kern = sys.argv[1]
sizes = [int(a) for a in sys.argv[2:]] or [500, 5000]
KINDS = {
    "clean": "clean",
    "pm50": "3 % off by ±50",
    "one10": "10 % off by +20",
    "cauchy": "Cauchy noise (0.1)",
    "t2": "Student's t2 noise (0.1)",
}


def make(n, kind, rng):
    x = rng.uniform(-1, 1, (n, 2))
    f = x[:, 0] ** 2 + np.sin(3 * x[:, 0])
    y = f + 0.1 * rng.normal(size=n)
    if kind == "pm50":
        m = rng.random(n) < 0.03
        y[m] += rng.choice([-50, 50], m.sum())
    elif kind == "one10":
        y[rng.random(n) < 0.10] += 20
    elif kind == "cauchy":
        y = f + 0.1 * rng.standard_cauchy(n)
    elif kind == "t2":
        y = f + 0.1 * rng.standard_t(2, n)
    return x, y, f


def write(path, x, y):
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header="a,b,y", comments="", fmt="%.6f")


def run(tmp, train, test, truth, options):
    model = os.path.join(tmp, "m.model")
    start = time.perf_counter()
    subprocess.run([kern, "fit", train, "--label-col", "y", "-o", model, "-q", *options], check=True)
    seconds = time.perf_counter() - start
    out = os.path.join(tmp, "p.txt")
    subprocess.run([kern, "predict", model, test, "--label-col", "y", "-o", out, "-q"], check=True)
    p = np.loadtxt(out)
    return 1 - np.mean((p - truth) ** 2) / np.var(truth), seconds


print(f"{'targets':26} {'rows':>6} {'squared R2':>11} {'s':>6} {'Huber R2':>11} {'s':>6} {'auto SVR R2':>11} {'s':>6}"
      f" {'eps-SVR R2':>11} {'s':>6}")
for n in sizes:
    for kind, name in KINDS.items():
        rng = np.random.default_rng(1)
        x, y, _ = make(n, kind, rng)
        xt, _, ft = make(2000, "clean", rng)
        with tempfile.TemporaryDirectory() as tmp:
            train, test = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
            write(train, x, y)
            write(test, xt, ft)
            squared = run(tmp, train, test, ft, ["--auto-robust", "never"])
            huber = run(tmp, train, test, ft, ["--auto-robust", "detect"])
            auto_svr = run(tmp, train, test, ft, ["--auto", "--task", "svr"])
            svr = run(tmp, train, test, ft, ["--task", "svr"])
        cells = " ".join(f"{r:11.4f} {s:6.1f}" for r, s in (squared, huber, auto_svr, svr))
        print(f"{name:26} {n:6d} {cells}", flush=True)
