"""kern's sample weights against scikit-learn's `sample_weight` on
breast_cancer (see weights_compare.sh): SVC, NuSVC, OneClassSVM, SVR,
NuSVR and KernelRidge fitted on the same weighted data by both; prints
nSV side by side, how many predicted classes agree, and the largest
difference of predicted values."""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.kernel_ridge import KernelRidge
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM


def write_libsvm(path, y, x):
    with open(path, "w") as f:
        for label, row in zip(y, x):
            f.write(f"{label:.17g} " + " ".join(f"{j + 1}:{v:.17g}" for j, v in enumerate(row)) + "\n")


def kern_fit(kern, tmp, data, weights, args):
    model = os.path.join(tmp, "model")
    subprocess.run([kern, "fit", data, "--weights", weights, "-o", model, "-q", *args], check=True)
    info = json.loads(subprocess.run([kern, "info", model, "--json"], check=True, capture_output=True, text=True).stdout)
    out = os.path.join(tmp, "pred.txt")
    subprocess.run([kern, "predict", model, data, "-o", out, "-q"], check=True)
    return info["params"].get("n_support", "-"), np.loadtxt(out)


def main():
    kern = sys.argv[1]
    x, y = load_breast_cancer(return_X_y=True)
    x = (x - x.mean(0)) / x.std(0)
    rng = np.random.default_rng(0)
    w = rng.choice([0.0, 0.5, 1.0, 3.0], len(y))
    gamma = 1 / x.shape[1]
    target = x[:, 0] + 0.5 * np.sin(x[:, 1])
    with tempfile.TemporaryDirectory() as tmp:
        classes, values = os.path.join(tmp, "classes"), os.path.join(tmp, "values")
        write_libsvm(classes, 2 * y - 1, x)
        write_libsvm(values, target, x)
        weights = os.path.join(tmp, "weights")
        np.savetxt(weights, w, fmt="%g")
        g = ["-g", repr(gamma)]
        cases = [
            ("svc", SVC(C=1.0, gamma=gamma), classes, ["-c", "1", *g]),
            ("nusvc", NuSVC(nu=0.3, gamma=gamma), classes, ["--task", "nusvc", "--nu", "0.3", *g]),
            ("oneclass", OneClassSVM(nu=0.2, gamma=gamma), classes, ["--task", "oneclass", "--nu", "0.2", *g]),
            ("svr", SVR(C=1.0, epsilon=0.1, gamma=gamma), values, ["--task", "svr", "-c", "1", "--epsilon", "0.1", *g]),
            ("nusvr", NuSVR(C=1.0, nu=0.4, gamma=gamma), values, ["--task", "nusvr", "-c", "1", "--nu", "0.4", *g]),
            ("krr", KernelRidge(alpha=0.1, kernel="rbf", gamma=gamma), values, ["--task", "krr", "--alpha", "0.1", *g]),
        ]
        print(f"{'estimator':10} {'nSV sklearn/kern':>17} {'same predictions':>17} {'max |difference|':>17}")
        for name, est, data, args in cases:
            yy = 2 * y - 1 if data == classes else target
            est.fit(x, None if name == "oneclass" else yy, sample_weight=w)
            n_sv, ours = kern_fit(kern, tmp, data, weights, args)
            theirs = est.predict(x)
            sk_sv = int(est.n_support_.sum()) if hasattr(est, "n_support_") else "-"
            if name in ("svc", "nusvc", "oneclass"):
                same, diff = f"{int((ours == theirs).sum())}/{len(y)}", "-"
            else:
                same, diff = "-", f"{np.abs(ours - theirs).max():.3g}"
            print(f"{name:10} {str(sk_sv) + '/' + str(n_sv):>17} {same:>17} {diff:>17}", flush=True)


if __name__ == "__main__":
    main()
