"""kern against scikit-learn: GaussianProcessRegressor (C * RBF + White,
normalize_y=True, n_restarts_optimizer=5) on abalone_scale, exact KernelRidge,
and GaussianProcessClassifier (C * RBF, n_restarts_optimizer=5) on heart_scale
and the first rows of a9a. Prints fit times, (approximate) log marginal
likelihoods, the ratio, the largest relative difference of KRR predictions,
and the classifiers' accuracies.

Usage: python gp_compare.py KERN ABALONE [N ...]   (N: rows to use, default 2000 4177)
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.kernel_ridge import KernelRidge


def kern_fit(kern, path, args):
    out = subprocess.run([kern, "fit", path, *args, "--json", "-q"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    kern, abalone = sys.argv[1], sys.argv[2]
    sizes = [int(a) for a in sys.argv[3:]] or [2000, 4177]
    x, y = load_svmlight_file(abalone)
    x = x.toarray()
    tmp = tempfile.mkdtemp()
    print(f"{'task':<22}{'sklearn s':>12}{'kern s':>10}{'speed-up':>10}  {'LML sklearn / kern':>26}")
    for n in sizes:
        path = os.path.join(tmp, f"abalone{n}")
        with open(abalone) as f, open(path, "w") as g:
            g.writelines(line for _, line in zip(range(n), f))
        xn, yn = x[:n], y[:n]
        # sklearn's defaults: C=1, length_scale=1, noise_level=1, bounds (1e-5, 1e5).
        kernel = ConstantKernel() * RBF() + WhiteKernel()
        t = time.perf_counter()
        gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=5, random_state=0).fit(xn, yn)
        sk = time.perf_counter() - t
        t = time.perf_counter()
        fit = kern_fit(kern, path, ["--task", "gp", "-o", os.path.join(tmp, "gp.model")])
        ks = time.perf_counter() - t
        print(f"{'gp n=' + str(n):<22}{sk:>12.2f}{ks:>10.2f}{sk / ks:>9.2f}x  "
              f"{gp.log_marginal_likelihood_value_:>12.3f} / {fit['log_marginal_likelihood']:<12.3f}", flush=True)
    # Exact KRR at n = 10,000 (abalone rows repeated with a small jitter to reach the size).
    n = 10_000
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(y), n)
    xk = x[idx] + 1e-3 * rng.standard_normal((n, x.shape[1]))
    yk = y[idx]
    path = os.path.join(tmp, "krr10k")
    with open(path, "w") as g:
        for row, label in zip(xk, yk):
            g.write(f"{label:.17g} " + " ".join(f"{j + 1}:{v:.17g}" for j, v in enumerate(row)) + "\n")
    t = time.perf_counter()
    kr = KernelRidge(alpha=1.0, kernel="rbf", gamma=0.125).fit(xk, yk)
    sk = time.perf_counter() - t
    t = time.perf_counter()
    kern_fit(kern, path, ["--task", "krr", "-g", "0.125", "--alpha", "1", "-o", os.path.join(tmp, "krr.model")])
    ks = time.perf_counter() - t
    subprocess.run([kern, "predict", os.path.join(tmp, "krr.model"), path, "-o", os.path.join(tmp, "krr.out"), "-q"], check=True)
    ours = np.loadtxt(os.path.join(tmp, "krr.out"))
    theirs = kr.predict(xk)
    rel = np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-12))
    print(f"{'krr n=10000':<22}{sk:>12.2f}{ks:>10.2f}{sk / ks:>9.2f}x  max relative prediction difference {rel:.2e}")
    classification(kern, os.path.dirname(abalone), tmp)


def classification(kern, data, tmp):
    """Binary GP classification: heart_scale on itself, a9a's first 1,000 rows against a9a.t."""
    # a9a's first rows miss its last feature: an explicit `123:0` fixes the
    # width to a9a.t's (the quirk a9a.t itself has).
    cases = [("heart_scale", None, None, None), ("a9a", 1000, "a9a.t", 123)]
    print(f"{'task':<22}{'sklearn s':>12}{'kern s':>10}{'speed-up':>10}  {'LML sklearn / kern':>26}  accuracy sklearn / kern")
    for name, n, test, width in cases:
        train = os.path.join(data, name)
        if n is not None:
            train = os.path.join(tmp, f"{name}{n}")
            with open(os.path.join(data, name)) as f:
                lines = [line for _, line in zip(range(n), f)]
            if width:
                lines[0] = lines[0].rstrip("\n").rstrip() + f" {width}:0\n"
            with open(train, "w") as g:
                g.writelines(lines)
        test_path = os.path.join(data, test) if test else train
        x, y = load_svmlight_file(train)
        xt, yt = load_svmlight_file(test_path, n_features=x.shape[1])
        x, xt = x.toarray(), xt.toarray()
        t = time.perf_counter()
        gpc = GaussianProcessClassifier(ConstantKernel() * RBF(), n_restarts_optimizer=5, random_state=0).fit(x, y)
        sk = time.perf_counter() - t
        sk_acc = np.mean(gpc.predict(xt) == yt)
        t = time.perf_counter()
        fit = kern_fit(kern, train, ["--task", "gp", "-o", os.path.join(tmp, "gpc.model")])
        ks = time.perf_counter() - t
        out = subprocess.run([kern, "predict", os.path.join(tmp, "gpc.model"), test_path, "-o", os.path.join(tmp, "gpc.out"),
                              "--json", "-q"], capture_output=True, text=True, check=True)
        kern_acc = json.loads(out.stdout)["accuracy"]
        label = f"gpc {name}" + (f" n={n}" if n else "")
        print(f"{label:<22}{sk:>12.2f}{ks:>10.2f}{sk / ks:>9.2f}x  "
              f"{gpc.log_marginal_likelihood_value_:>12.3f} / {fit['log_marginal_likelihood']:<12.3f}  "
              f"{100 * sk_acc:.2f} / {100 * kern_acc:.2f} %", flush=True)


if __name__ == "__main__":
    main()
