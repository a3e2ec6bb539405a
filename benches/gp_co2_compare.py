"""kern's GP with a kernel expression beside scikit-learn's CO2 example.

The data and kernel are those of scikit-learn's "Forecasting of CO2 level on
Mona Loa dataset using Gaussian process regression": monthly means of the
weekly series, time in decimal years, targets centred, normalize_y=False.
Both start from the example's kernel; scikit-learn runs its optimiser once
(n_restarts_optimizer=0, the example's), kern with --restarts 0 and with
RESTARTS (default 5) seeded restarts."""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ExpSineSquared, RationalQuadratic, WhiteKernel
from statsmodels.datasets import co2

kern_bin = sys.argv[1]
restarts = int(sys.argv[2]) if len(sys.argv) > 2 else 5

monthly = co2.load_pandas().data.resample("ME").mean().dropna()
X = (monthly.index.year + monthly.index.month / 12).to_numpy().reshape(-1, 1)
y = monthly["co2"].to_numpy()
y = y - y.mean()
print(f"Mauna Loa CO2, statsmodels: {len(y)} monthly means, {X[0, 0]:.2f}-{X[-1, 0]:.2f}")

kernel = (
    50.0**2 * RBF(length_scale=50.0)
    + 2.0**2 * RBF(length_scale=100.0) * ExpSineSquared(length_scale=1.0, periodicity=1.0, periodicity_bounds="fixed")
    + 0.5**2 * RationalQuadratic(length_scale=1.0, alpha=1.0)
    + 0.1**2 * RBF(length_scale=0.1)
    + WhiteKernel(noise_level=0.1**2, noise_level_bounds=(1e-5, 1e5))
)
expression = "2500*rbf(ls=50) + 4*rbf(ls=100)*periodic(ls=1,p=1!) + 0.25*rq(ls=1,a=1) + 0.01*rbf(ls=0.1) + white(0.01)"

start = time.perf_counter()
sk = GaussianProcessRegressor(kernel=kernel, normalize_y=False).fit(X, y)
sk_seconds = time.perf_counter() - start
sk_lml = sk.log_marginal_likelihood_value_
print(f"{'':24} {'log marginal lik.':>18} {'fit s':>8}")
print(f"{'scikit-learn':24} {sk_lml:18.3f} {sk_seconds:8.2f}   {sk.kernel_}")

with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "co2.csv")
    np.savetxt(data, np.column_stack([X[:, 0], y]), delimiter=",", header="year,co2", comments="", fmt="%.17g")
    for r in sorted({0, restarts}):
        cmd = [kern_bin, "fit", data, "--task", "gp", "--kernel", expression, "--normalize-y", "off",
               "--restarts", str(r), "-o", os.path.join(tmp, "m.kern"), "--json", "-q"]
        start = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        seconds = time.perf_counter() - start
        report = json.loads(out)
        lml = report["log_marginal_likelihood"]
        verdict = ">=" if lml >= sk_lml - 1e-6 * abs(sk_lml) else "<"
        print(f"{'kern --restarts ' + str(r):24} {lml:18.3f} {seconds:8.2f}   {report['kernel_expression']}")
        print(f"{'':24} {verdict} scikit-learn's by {lml - sk_lml:+.2e}; time ratio scikit-learn/kern {sk_seconds / seconds:.2f}x")
