"""Writes tests/fixtures/weights/: a small generated classification and
regression problem, per-sample weights in {0, 0.5, 1, 3}, and what
scikit-learn fits with them (SVC, NuSVC, OneClassSVM, SVR, NuSVR with
`sample_weight`, KernelRidge with `sample_weight`, GaussianProcessRegressor
at fixed hyperparameters with the per-sample noise `alpha = noise / w`), so that `cargo test`
checks kern's weighted fits against scikit-learn's. Run with
benches/.venv/bin/python (see weights_compare.sh for the venv); the output
is committed.
"""

import json
import os

import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel
from sklearn.kernel_ridge import KernelRidge
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "weights")
GAMMA = 0.5
TOL = 1e-10


def write_libsvm(path, y, x):
    with open(path, "w") as f:
        for label, row in zip(y, x):
            feats = " ".join(f"{j + 1}:{v:.17g}" for j, v in enumerate(row))
            f.write(f"{label:.17g} {feats}\n")


def write_weights(path, w):
    with open(path, "w") as f:
        f.write("".join(f"{v:g}\n" for v in w))


def per_class(model):
    return {str(int(c)): int(n) for c, n in zip(model.classes_, model.n_support_)}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(28)
    n, n_test, d = 240, 100, 4
    centres = np.array([[0.0, 0.0, 0, 0], [1.2, 0.4, 0, 0], [0.3, 1.3, 0, 0]])
    cls = rng.integers(0, 3, n + n_test)
    x = np.round(centres[cls] + rng.normal(0, 0.7, (n + n_test, d)), 6)
    labels = np.array([1, 2, 3])[cls]
    target = np.round(np.sin(2 * x[:, 0]) + 0.5 * x[:, 1] ** 2 + 0.2 * rng.normal(size=n + n_test), 6)
    w = rng.choice([0.0, 0.5, 1.0, 3.0], n)
    xtr, xte = x[:n], x[n:]
    write_libsvm(os.path.join(OUT, "classes.train"), labels[:n], xtr)
    write_libsvm(os.path.join(OUT, "classes.test"), labels[n:], xte)
    write_libsvm(os.path.join(OUT, "values.train"), target[:n], xtr)
    write_libsvm(os.path.join(OUT, "values.test"), target[n:], xte)
    write_weights(os.path.join(OUT, "weights.txt"), w)

    expected = {"gamma": GAMMA, "tol": TOL}
    for name, model in [
        ("svc", SVC(C=2.0, gamma=GAMMA, tol=TOL)),
        ("nusvc", NuSVC(nu=0.3, gamma=GAMMA, tol=TOL)),
    ]:
        model.fit(xtr, labels[:n], sample_weight=w)
        expected[name] = {
            "n_support": per_class(model),
            "predict": [int(v) for v in model.predict(xte)],
        }
    one = OneClassSVM(nu=0.2, gamma=GAMMA, tol=TOL).fit(xtr, sample_weight=w)
    expected["oneclass"] = {"n_support": int(one.n_support_.sum()), "decision": one.decision_function(xte).tolist()}
    for name, model in [
        ("svr", SVR(C=2.0, epsilon=0.1, gamma=GAMMA, tol=TOL)),
        ("nusvr", NuSVR(C=2.0, nu=0.4, gamma=GAMMA, tol=TOL)),
    ]:
        model.fit(xtr, target[:n], sample_weight=w)
        expected[name] = {"n_support": int(model.n_support_.sum()), "predict": model.predict(xte).tolist()}
    krr = KernelRidge(alpha=0.1, kernel="rbf", gamma=GAMMA).fit(xtr, target[:n], sample_weight=w)
    expected["krr"] = {"dual_coef": krr.dual_coef_.tolist(), "predict": krr.predict(xte).tolist()}
    # A GP's weight divides its sample's noise; weight 0 leaves the sample out.
    kernel = ConstantKernel(1.5, "fixed") * RBF(length_scale=(2 * GAMMA) ** -0.5, length_scale_bounds="fixed")
    kept = w > 0
    gp = GaussianProcessRegressor(kernel=kernel, alpha=0.1 / w[kept], optimizer=None, normalize_y=False)
    gp.fit(xtr[kept], target[:n][kept])
    mean, std = gp.predict(xte, return_std=True)
    expected["gp"] = {"amplitude": 1.5, "noise": 0.1, "predict": mean.tolist(), "std": std.tolist()}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
