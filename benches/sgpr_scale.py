"""A sparse GP at scale: a generated N x 8 regression (seeded), kern fit
--task gp --approx sgpr --components M (RBF, its amplitude, lengthscale and
noise learnt on the default --fit-samples rows, the posterior on all N);
wall time, peak memory (RSS), bound evaluations, and on 100,000 new rows the
RMSE and the share of targets inside their 95 % intervals.

The problem: x ~ U(-2, 2)^8, y = sin(2 x0) + x1 x2 - 0.5 x3^2 + 0.3 (x4 + x5
+ x6 + x7) / 2 + 0.2 noise, noise ~ N(0, 1).

Usage: python sgpr_scale.py KERN [N [M]]   (default 1000000 1000)
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def problem(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, 8))
    f = np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] - 0.5 * x[:, 3] ** 2 + 0.15 * x[:, 4:].sum(axis=1)
    return x, f + 0.2 * rng.standard_normal(n)


def write_csv(path, x, y):
    with open(path, "w") as out:
        out.write(",".join(f"x{j}" for j in range(x.shape[1])) + ",y\n")
        for start in range(0, len(y), 100_000):
            block = np.column_stack([x[start:start + 100_000], y[start:start + 100_000]])
            np.savetxt(out, block, fmt="%.8g", delimiter=",")


def main():
    kern = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    m = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    tmp = tempfile.mkdtemp()
    train, test = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
    x, y = problem(n, 0)
    write_csv(train, x, y)
    xt, yt = problem(100_000, 1)
    write_csv(test, xt, yt)
    del x, y
    model = os.path.join(tmp, "m.kern")
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M", kern, "fit", train, "--task", "gp", "--approx", "sgpr",
                          "--components", str(m), "--restarts", "0", "-o", model, "--json", "-q"],
                         capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    mib = int(out.stderr.strip().splitlines()[-1]) / 1024
    report = json.loads(out.stdout)
    pred = os.path.join(tmp, "p.txt")
    subprocess.run([kern, "predict", model, test, "--interval", "0.95", "-o", pred, "-q"], check=True)
    p = np.loadtxt(pred)
    rmse = float(np.sqrt(np.mean((p[:, 0] - yt) ** 2)))
    cover = float(np.mean((p[:, 1] <= yt) & (yt <= p[:, 2])))
    print(f"{'n':>9} {'M':>6} {'fit s':>8} {'peak MiB':>9} {'evaluations':>12} {'test RMSE':>10} {'95 % cover':>11}")
    print(f"{n:9d} {m:6d} {seconds:8.1f} {mib:9.0f} {report['evaluations']:12d} {rmse:10.4f} {100 * cover:10.2f} %")
    print(f"noise std of the targets: 0.2; fitted {report['kernel_expression']}")


if __name__ == "__main__":
    main()
