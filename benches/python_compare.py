"""kern's scikit-learn estimators against scikit-learn's, in one Python
process (see python_compare.sh): fit times, nSV and test accuracy on a9a
(a SciPy sparse matrix) and digits, the import time of kern."""

import os
import subprocess
import sys
import time

import numpy as np
import sklearn.svm
from sklearn.datasets import load_digits, load_svmlight_file
from sklearn.model_selection import train_test_split

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "libsvm")


def timed(fit):
    start = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - start


def row(name, x, y, xt, yt, params):
    import kern

    theirs, ts = timed(lambda: sklearn.svm.SVC(**params).fit(x, y))
    ours, ks = timed(lambda: kern.SVC(**params).fit(x, y))
    acc = lambda m: 100 * np.mean(m.predict(xt) == yt)
    print(
        f"{name:8} {ts:12.3f} {ks:10.3f} {ts / ks:8.2f}x {theirs.n_support_.sum():>8}/{ours.n_support_.sum():<8}"
        f" {acc(theirs):9.3f}/{acc(ours):<9.3f}",
        flush=True,
    )


def main():
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import kern"], check=True)
    import_seconds = time.perf_counter() - start
    print(f"python -c 'import kern' (a fresh process): {import_seconds:.3f} s")
    print(f"{'data':8} {'sklearn s':>12} {'kern s':>10} {'speed-up':>9} {'nSV sklearn/kern':>17} {'accuracy % sklearn/kern':>20}")
    wanted = sys.argv[1:] or ["a9a", "digits", "gp"]
    if "a9a" in wanted:
        x, y = load_svmlight_file(os.path.join(DATA, "a9a"))
        xt, yt = load_svmlight_file(os.path.join(DATA, "a9a.t"), n_features=x.shape[1])
        for m in (x, xt):  # scikit-learn's SVC takes 32-bit sparse indices only
            m.indices, m.indptr = m.indices.astype(np.int32), m.indptr.astype(np.int32)
        row("a9a", x, y, xt, yt, {"C": 1.0, "gamma": 0.05})
    if "digits" in wanted:
        x, y = load_digits(return_X_y=True)
        x, xt, y, yt = train_test_split(x / 16.0, y, test_size=0.3, random_state=0)
        row("digits", x, y, xt, yt, {"C": 10.0, "gamma": 1.0 / 64})
    if "gp" in wanted:
        gp_row()


def gp_row(n=2000):
    """abalone's first n rows: GP regression (amplitude × RBF + noise,
    normalised targets, two restarts) by scikit-learn and by kern."""
    import kern
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    x, y = load_svmlight_file(os.path.join(DATA, "abalone_scale"))
    x, y = x[:n].toarray(), y[:n]
    kernel = ConstantKernel(1.0) * RBF(1.0) + WhiteKernel(1.0)
    theirs, ts = timed(lambda: GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=2, random_state=0).fit(x, y))
    ours, ks = timed(lambda: kern.GaussianProcessRegressor(n_restarts_optimizer=2, random_state=0).fit(x, y))
    print(
        f"abalone GP n={n}: scikit-learn {ts:.2f} s (log marginal likelihood {theirs.log_marginal_likelihood_value_:.4f}),"
        f" kern {ks:.2f} s ({ours.log_marginal_likelihood_value_:.4f}): {ts / ks:.2f}x",
        flush=True,
    )


if __name__ == "__main__":
    main()
