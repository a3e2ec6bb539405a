"""kern against LIBSVM, side by side (see libsvm_compare.sh)."""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from libsvm.svmutil import svm_predict, svm_problem, svm_read_problem, svm_train, svm_parameter

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "libsvm")


def write_libsvm(path, y, x):
    with open(path, "w") as f:
        for label, row in zip(y, x):
            feats = " ".join(f"{j + 1}:{v:.17g}" for j, v in enumerate(row) if v != 0)
            f.write(f"{label:g} {feats}\n")


def digits(tmp):
    """Digits-sized multi-class data: 10 classes, 64 features, 1,797 + 1,000 points."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1.0, (10, 64))
    def sample(n):
        y = rng.integers(0, 10, n)
        return y, centres[y] + rng.normal(0, 1.6, (n, 64))
    ytr, xtr = sample(1797)
    yte, xte = sample(1000)
    train, test = os.path.join(tmp, "digits.train"), os.path.join(tmp, "digits.test")
    write_libsvm(train, ytr, xtr)
    write_libsvm(test, yte, xte)
    return train, test


def dense(tmp):
    """A dense binary problem of ijcnn1's shape (50,000 x 22, 10 % positives):
    features are a smooth map of three latent variables, the label a
    nonlinear function of them with 0.2 % of labels flipped; at C = 32,
    gamma = 2 about 5 % of the samples are support vectors. 50,000 more
    points to test."""
    rng = np.random.default_rng(0)
    n = 100_000
    z = rng.standard_normal((n, 3))
    x = np.tanh(0.5 * (z @ rng.standard_normal((3, 22))) + 0.05 * rng.standard_normal((n, 22)))
    f = z[:, 0] + 0.5 * np.sin(2 * z[:, 1]) + 0.3 * z[:, 2] ** 2
    y = np.where(f > np.quantile(f, 0.90), 1, -1)
    y[rng.random(n) < 0.002] *= -1
    train, test = os.path.join(tmp, "dense.train"), os.path.join(tmp, "dense.test")
    write_libsvm(train, y[:50_000], x[:50_000])
    write_libsvm(test, y[50_000:], x[50_000:])
    return train, test


def wide(tmp):
    """A wide dense binary problem (20,000 x 100, 10,000 more to test): the
    features a noisy linear map of eight latent variables, the label a
    nonlinear function of four of them with 2 % of labels flipped. Fitted at
    LIBSVM's defaults (C = 1, gamma = 1 / features)."""
    rng = np.random.default_rng(1)
    n = 30_000
    z = rng.standard_normal((n, 8))
    x = z @ rng.standard_normal((8, 100)) / np.sqrt(8) + 0.3 * rng.standard_normal((n, 100))
    f = np.sin(z[:, 0]) + z[:, 1] * z[:, 2] + 0.5 * z[:, 3]
    y = np.where(f > 0, 1, -1)
    y[rng.random(n) < 0.02] *= -1
    train, test = os.path.join(tmp, "wide.train"), os.path.join(tmp, "wide.test")
    write_libsvm(train, y[:20_000], x[:20_000])
    write_libsvm(test, y[20_000:], x[20_000:])
    return train, test


def libsvm_run(train, test, c, g):
    y, x = svm_read_problem(train)
    prob = svm_problem(y, x)
    param = svm_parameter(f"-s 0 -t 2 -c {c} -g {g} -q")
    start = time.perf_counter()
    model = svm_train(prob, param)
    seconds = time.perf_counter() - start
    yt, xt = svm_read_problem(test)
    _, (acc, _, _), _ = svm_predict(yt, xt, model, "-q")
    return seconds, model.get_nr_sv(), acc


def kern_run(kern, train, test, c, g, tmp, extra=()):
    model = os.path.join(tmp, "kern.model")
    start = time.perf_counter()
    threads = ["--threads", os.environ["THREADS"]] if "THREADS" in os.environ else []
    subprocess.run([kern, "fit", train, "-c", str(c), "-g", str(g), "-o", model, "-q", *threads, *extra], check=True)
    seconds = time.perf_counter() - start
    info = subprocess.run([kern, "info", model, "--json"], check=True, capture_output=True, text=True).stdout
    import json
    n_sv = json.loads(info)["params"]["n_support"]
    out = os.path.join(tmp, "pred.txt")
    rep = subprocess.run([kern, "predict", model, test, "-o", out, "--json", "-q"], check=True, capture_output=True, text=True).stdout
    return seconds, n_sv, 100 * json.loads(rep)["accuracy"]


def main():
    kern = sys.argv[1]
    wanted = sys.argv[2:] or ["heart", "digits", "a9a"]
    with tempfile.TemporaryDirectory() as tmp:
        sets = {
            "heart": (os.path.join(DATA, "heart_scale"), os.path.join(DATA, "heart_scale"), 1, 1 / 13),
            "a9a": (os.path.join(DATA, "a9a"), os.path.join(DATA, "a9a.t"), 1, 0.05),
        }
        if "digits" in wanted:
            train, test = digits(tmp)
            sets["digits"] = (train, test, 10, 1 / 64)
        if "dense" in wanted:
            train, test = dense(tmp)
            sets["dense"] = (train, test, 32, 2)
        if "wide" in wanted:
            train, test = wide(tmp)
            sets["wide"] = (train, test, 1, 1 / 100)
        print(f"{'data':8} {'LIBSVM fit s':>13} {'kern process s':>15} {'speed-up':>9} {'nSV libsvm/kern':>16} {'accuracy % libsvm/kern':>23}")
        for name in wanted:
            train, test, c, g = sets[name]
            ls, lnsv, lacc = libsvm_run(train, test, c, g)
            ks, knsv, kacc = kern_run(kern, train, test, c, g, tmp)
            print(f"{name:8} {ls:13.3f} {ks:15.3f} {ls / ks:8.2f}x {lnsv:>7}/{knsv:<8} {lacc:>11.3f}/{kacc:<11.3f}", flush=True)


if __name__ == "__main__":
    main()
