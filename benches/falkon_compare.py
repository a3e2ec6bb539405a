"""Falkon beside scikit-learn's Nystroem + RidgeClassifier (see
falkon_compare.sh). kern: --alpha 1e-8 (the ridge penalty on the scale of
RidgeClassifier's alpha), default stopping; scikit-learn: RidgeClassifier's
defaults. Both draw the M centres uniformly.

Usage: python falkon_compare.py KERN [N [M]]
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import RidgeClassifier
from sklearn.pipeline import make_pipeline


def write_csv(path, x, y):
    with open(path, "w") as out:
        out.write(",".join(f"x{j}" for j in range(x.shape[1])) + ",label\n")
        np.savetxt(out, np.column_stack([x, y]), fmt=["%.17g"] * x.shape[1] + ["%d"], delimiter=",")


def main():
    kern = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
    m = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    x, y = make_classification(n_samples=n + 100_000, n_features=28, n_informative=20, flip_y=0.05,
                               class_sep=0.7, random_state=0)
    x, y, xt, yt = x[:n], y[:n], x[n:], y[n:]
    tmp = tempfile.mkdtemp()
    train, test, model = (os.path.join(tmp, f) for f in ("train.csv", "test.csv", "falkon.model"))
    write_csv(train, x, y)
    write_csv(test, xt, yt)

    pipeline = make_pipeline(Nystroem(gamma=0.02, n_components=m, random_state=0), RidgeClassifier())
    t = time.perf_counter()
    pipeline.fit(x, y)
    sk_secs = time.perf_counter() - t
    sk_acc = 100 * np.mean(pipeline.predict(xt) == yt)

    cmd = [kern, "fit", train, "--task", "svc", "--approx", "falkon", "--landmarks", "uniform", "--components",
           str(m), "-g", "0.02", "--alpha", "1e-8", "-o", model, "--json"]
    t = time.perf_counter()
    fit = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    kern_secs = time.perf_counter() - t
    out = subprocess.run([kern, "predict", model, test, "-o", os.path.join(tmp, "pred"), "--json"],
                         capture_output=True, text=True, check=True)
    kern_acc = 100 * json.loads(out.stdout)["accuracy"]
    print(f"{n} x 28, M = {m}: kern {fit['iterations']} CG iterations ({fit['stopped_because']})")
    print(f"{'sklearn s':>10}{'kern s':>9}{'speed-up':>10}  test accuracy % sklearn / kern")
    print(f"{sk_secs:>10.2f}{kern_secs:>9.2f}{sk_secs / kern_secs:>9.2f}x  {sk_acc:.3f} / {kern_acc:.3f}")


if __name__ == "__main__":
    main()
