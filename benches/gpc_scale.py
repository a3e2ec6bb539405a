"""GP classification at scale, one run each: kern's Laplace approximation
on M Nyström features (`--task gpc --approx nystroem --components M`,
hyperparameters by its evidence) beside scikit-learn's exact
GaussianProcessClassifier (1.0 * RBF(1.0), its defaults, no restarts),
which is O(n³) and so runs on a seeded subsample of the training rows.

For each set: both on the same subsample (the speed ratio at equal data),
then kern on every training row. Test accuracy, mean log loss of the
predicted probabilities, and seconds (kern: the fit and predict processes;
scikit-learn: fit and predict_proba).

Sets: a9a (32,561 x 123 sparse, its own test file) from DATA_DIR/libsvm,
and a generated dense 100,000 x 10 (two classes, a nonlinear boundary,
5 % flipped labels; 20 % held out).

Usage: gpc_scale.py KERN_BINARY DATA_DIR [M] [SUBSAMPLE]"""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.gaussian_process import GaussianProcessClassifier
from sklearn.gaussian_process.kernels import RBF, ConstantKernel

kern_bin, data_dir = sys.argv[1], sys.argv[2]
m = int(sys.argv[3]) if len(sys.argv) > 3 else 512
subsample = int(sys.argv[4]) if len(sys.argv) > 4 else 3000


def generated(n=100_000, d=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    score = np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.5 * x[:, 3] ** 2 - 0.5
    y = np.where(score > 0, 1, -1)
    flip = rng.random(n) < 0.05
    y[flip] = -y[flip]
    cut = int(0.8 * n)
    return x[:cut], y[:cut], x[cut:], y[cut:]


def a9a():
    path = os.path.join(data_dir, "libsvm")
    x, y = load_svmlight_file(os.path.join(path, "a9a"), n_features=123)
    tx, ty = load_svmlight_file(os.path.join(path, "a9a.t"), n_features=123)
    return x.toarray(), y.astype(int), tx.toarray(), ty.astype(int)


def log_loss(y, p1):
    p = np.clip(np.where(y > 0, p1, 1 - p1), 1e-15, 1)
    return float(-np.mean(np.log(p)))


def write_libsvm(path, x, y):
    with open(path, "w") as f:
        for row, label in zip(x, y):
            cols = np.nonzero(row)[0]
            f.write(f"{label} " + " ".join(f"{j + 1}:{row[j]:.10g}" for j in cols) + "\n")


def kern(x, y, tx, ty, tmp):
    train, test = os.path.join(tmp, "train.txt"), os.path.join(tmp, "test.txt")
    write_libsvm(train, x, y)
    write_libsvm(test, tx, ty)
    model, out = os.path.join(tmp, "m.kern"), os.path.join(tmp, "p.txt")
    start = time.perf_counter()
    subprocess.run([kern_bin, "fit", train, "--task", "gpc", "--approx", "nystroem", "--components", str(m),
                    "--restarts", "0", "-o", model, "-q"], check=True)
    subprocess.run([kern_bin, "predict", model, test, "--proba", "-o", out, "-q"], check=True)
    seconds = time.perf_counter() - start
    lines = open(out).read().split("\n")
    labels = lines[0].split()[1:]
    rows = np.array([[float(v) for v in line.split()[1:]] for line in lines[1:] if line])
    p1 = rows[:, labels.index("1")]
    return seconds, float(np.mean(np.where(p1 > 0.5, 1, -1) == ty)), log_loss(ty, p1)


def sklearn_gpc(x, y, tx, ty):
    start = time.perf_counter()
    gpc = GaussianProcessClassifier(ConstantKernel() * RBF(1.0)).fit(x, y)
    p1 = gpc.predict_proba(tx)[:, list(gpc.classes_).index(1)]
    return time.perf_counter() - start, float(np.mean(np.where(p1 > 0.5, 1, -1) == ty)), log_loss(ty, p1)


print(f"{'set':10} {'who':28} {'n train':>8} {'seconds':>8} {'accuracy':>9} {'log loss':>9}")
for name, (x, y, tx, ty) in [("a9a", a9a()), ("generated", generated())]:
    rows = np.sort(np.random.default_rng(1).choice(len(x), min(subsample, len(x)), replace=False))
    with tempfile.TemporaryDirectory() as tmp:
        ks, ka, kl = kern(x[rows], y[rows], tx, ty, tmp)
        ss, sa, sl = sklearn_gpc(x[rows], y[rows], tx, ty)
        print(f"{name:10} {'kern nystroem M=' + str(m):28} {len(rows):8d} {ks:8.1f} {100 * ka:8.2f} % {kl:9.4f}")
        print(f"{name:10} {'scikit-learn exact':28} {len(rows):8d} {ss:8.1f} {100 * sa:8.2f} % {sl:9.4f}"
              f"  kern {ss / ks:.1f}x as fast")
        fs, fa, fl = kern(x, y, tx, ty, tmp)
        print(f"{name:10} {'kern nystroem M=' + str(m):28} {len(x):8d} {fs:8.1f} {100 * fa:8.2f} % {fl:9.4f}")
    sys.stdout.flush()
