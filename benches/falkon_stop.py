"""Falkon's stopping rule on several data sets: test error after k
conjugate-gradient iterations (run to k, --tol 0), beside the default rule
(where it stops, and what it scores).

Data: a generated 300,000 x 28 (make_classification, 20 informative,
flip_y 0.05, class_sep 0.7) with M = 3000; a9a -> a9a.t (sparse) with
M = 2000; abalone, elevators, pol, bike (standardised, 80 % train / 20 %
test, seeded) with M = 1000, each at a small and a large alpha.

Usage: python falkon_stop.py KERN WORKDIR [--only NAME,...]  (or benches/falkon_stop.sh)
"""

import json
import os
import subprocess
import sys
import time

import numpy as np

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
STEPS = [3, 5, 8, 12, 20, 30, 50, 100]


def write_csv(path, x, y, fmt="%.8g"):
    with open(path, "w") as out:
        out.write(",".join(f"x{j}" for j in range(x.shape[1])) + ",label\n")
        np.savetxt(out, np.column_stack([x, y]), fmt=fmt, delimiter=",")


def regression(work, name, x, y):
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    cut = int(0.8 * len(y))
    tr, te = order[:cut], order[cut:]
    mu, sd = x[tr].mean(0), x[tr].std(0)
    sd[sd == 0] = 1
    ym, ys = y[tr].mean(), y[tr].std()
    z = lambda a: (a - mu) / sd
    write_csv(f"{work}/{name}.train.csv", z(x[tr]), (y[tr] - ym) / ys)
    write_csv(f"{work}/{name}.test.csv", z(x[te]), (y[te] - ym) / ys)


def prepare(work):
    from sklearn.datasets import load_svmlight_file, make_classification

    if not os.path.exists(f"{work}/gen300k.train.csv"):
        x, y = make_classification(n_samples=400_000, n_features=28, n_informative=20, flip_y=0.05,
                                   class_sep=0.7, random_state=0)
        write_csv(f"{work}/gen300k.train.csv", x[:300_000], y[:300_000], fmt=["%.6g"] * 28 + ["%d"])
        write_csv(f"{work}/gen300k.test.csv", x[300_000:], y[300_000:], fmt=["%.6g"] * 28 + ["%d"])
    if not os.path.exists(f"{work}/abalone.train.csv"):
        x, y = load_svmlight_file(f"{SHARED}/libsvm/abalone_scale")
        regression(work, "abalone", x.toarray(), y)
        for name in ["elevators", "pol", "bike"]:
            data = np.loadtxt(f"{SHARED}/uci/{name}.csv", delimiter=",")
            regression(work, name, data[:, :-1], data[:, -1])


def cases(work):
    a9a = (f"{SHARED}/libsvm/a9a", f"{SHARED}/libsvm/a9a.t")
    yield "gen300k", (f"{work}/gen300k.train.csv", f"{work}/gen300k.test.csv"), "svc", 3000, 0.02, 1e-8
    yield "a9a", a9a, "svc", 2000, 0.05, 1e-3
    for name, d in [("abalone", 8), ("elevators", 18), ("pol", 26), ("bike", 17)]:
        files = (f"{work}/{name}.train.csv", f"{work}/{name}.test.csv")
        for alpha in [1e-3, 10.0]:
            yield f"{name} a={alpha:g}", files, "krr", 1000, 1.0 / d, alpha


def run(kern, work, files, task, m, gamma, alpha, extra):
    model = f"{work}/model"
    cmd = [kern, "fit", files[0], "--task", task, "--approx", "falkon", "--components", str(m), "-g", str(gamma),
           "--alpha", str(alpha), "-o", model, "--json", *extra]
    t = time.perf_counter()
    fit = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    secs = time.perf_counter() - t
    out = subprocess.run([kern, "predict", model, files[1], "-o", f"{work}/pred", "--json"], capture_output=True,
                         text=True, check=True)
    score = json.loads(out.stdout)
    metric = score.get("accuracy", score.get("r2"))
    return fit["iterations"], fit.get("stopped_because"), secs, metric


def main():
    kern, work = sys.argv[1], sys.argv[2]
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None
    os.makedirs(work, exist_ok=True)
    prepare(work)
    print("test accuracy (svc) or R² (krr) after k iterations, and the default rule's stop")
    print(f"{'case':<18}" + "".join(f"{k:>9}" for k in STEPS) + f"{'default':>10}{'its':>5}{'why':>10}{'s':>7}")
    for name, files, task, m, gamma, alpha in cases(work):
        if only and name.split()[0] not in only:
            continue
        row = [run(kern, work, files, task, m, gamma, alpha, ["--max-iter", str(k), "--tol", "0"])[3] for k in STEPS]
        its, why, secs, metric = run(kern, work, files, task, m, gamma, alpha, [])
        print(f"{name:<18}" + "".join(f"{v:>9.5f}" for v in row) + f"{metric:>10.5f}{its:>5}{why:>10}{secs:>7.1f}",
              flush=True)


if __name__ == "__main__":
    main()
