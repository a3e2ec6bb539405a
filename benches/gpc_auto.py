"""`kern fit --task gpc --auto` at several training sizes on binary and
multi-class sets of different shapes: auto_compare.py's generated rare
bumps (22 features, about 7 % positives), UCI pol and elevators labelled by
whether the target exceeds its median (26 and 18 features), a9a (123
binary features) and scikit-learn's digits (10 classes, 64 features).
Each size trains on a seeded sample of the rows and tests on the same
held-out rows (2,000, or a third of digits). Prints, per set and size,
the seconds of fit plus predict, test accuracy and log loss, and whether
`--auto` fitted the exact GP or the one on Nyström features.

Usage: gpc_auto.py KERN_BINARY DATA_DIR [SIZES] [SET ...]   (SIZES e.g. 1000,2000;
FLAGS adds options to `kern fit`)
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from auto_compare import rare_bumps
from sklearn.datasets import load_digits, load_svmlight_file

kern_bin, data_dir = sys.argv[1], sys.argv[2]
sizes = [int(s) for s in (sys.argv[3] if len(sys.argv) > 3 else "1000,2000").split(",")]
sets = sys.argv[4:] or ["bumps", "pol", "a9a", "elevators", "digits"]


def load(name):
    if name == "bumps":
        return rare_bumps(20000, 1)
    if name == "a9a":
        x, y = load_svmlight_file(os.path.join(data_dir, "libsvm", "a9a"), n_features=123)
        return x.toarray(), y
    if name == "digits":
        d = load_digits()
        return d.data, d.target
    data = np.loadtxt(os.path.join(data_dir, "uci", f"{name}.csv"), delimiter=",")
    return data[:, :-1], np.where(data[:, -1] > np.median(data[:, -1]), 1, -1)


def write_csv(path, x, y):
    """Dense CSV with a header, the label last (named y): every part has
    every feature, even one a small sample leaves at zero."""
    header = ",".join([f"x{j}" for j in range(x.shape[1])] + ["y"])
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header=header, comments="", fmt="%.6g")


def run(tmp, train, test, y_test, flags):
    """Seconds of fit plus predict, test accuracy (%), log loss and the fit's report."""
    model, out = os.path.join(tmp, "m.kern"), os.path.join(tmp, "p.txt")
    start = time.perf_counter()
    fit = subprocess.run([kern_bin, "fit", train, "--label-col", "y", "--task", "gpc", "--auto", "-o", model, "--json", "-q",
                          *flags],
                         check=True, capture_output=True, text=True)
    subprocess.run([kern_bin, "predict", model, test, "--label-col", "y", "--proba", "-o", out, "-q"], check=True)
    seconds = time.perf_counter() - start
    lines = open(out).read().split("\n")
    labels = lines[0].split()[1:]
    rows = [line.split() for line in lines[1:] if line.strip()]
    predicted = np.array([float(r[0]) for r in rows])
    proba = np.array([[float(v) for v in r[1:]] for r in rows])
    truth = np.array([labels.index(str(int(v))) for v in y_test])
    loss = -np.mean(np.log(np.clip(proba[np.arange(len(truth)), truth], 1e-15, 1)))
    return seconds, 100 * np.mean(predicted == y_test), loss, json.loads(fit.stdout)


print(f"{'set':10} {'rows':>6} {'seconds':>8} {'accuracy':>9} {'log loss':>9}  fitted")
for name in sets:
    x, y = load(name)
    order = np.random.default_rng(5).permutation(len(y))
    n_test = min(2000, len(y) // 3)
    with tempfile.TemporaryDirectory() as tmp:
        test = os.path.join(tmp, "test.csv")
        write_csv(test, x[order[:n_test]], y[order[:n_test]])
        for n in sizes:
            rows = order[n_test : n_test + n]
            if len(rows) < n:
                continue
            train = os.path.join(tmp, "train.csv")
            write_csv(train, x[rows], y[rows])
            seconds, accuracy, loss, report = run(tmp, train, test, y[order[:n_test]], os.environ.get("FLAGS", "").split())
            fitted = report.get("auto", {}).get("approx") or "exact"
            print(f"{name:10} {n:6d} {seconds:8.1f} {accuracy:8.2f} % {loss:9.4f}  {fitted}", flush=True)
