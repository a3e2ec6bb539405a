"""Falkon at scale beside exact kernel ridge on a subset.

The problem: x ~ N(0, I) in 28 dimensions, y = sign(sin(2 x0) + x1 x2 - 0.5 x3^2
+ 0.3 * mean(x4..x27) * sqrt(24) + 0.3 * noise), seeded. RBF gamma 1/28,
alpha 1 (Falkon's lambda = alpha / n). Falkon classifies by +-1 targets;
exact KRR regresses on +-1 and classifies by the sign.

Usage: python falkon_scale.py KERN [N [M]]
"""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def problem(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 28))
    f = np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] - 0.5 * x[:, 3] ** 2 + 0.3 * x[:, 4:].mean(axis=1) * np.sqrt(24)
    y = np.where(f + 0.3 * rng.standard_normal(n) > 0, 1, -1)
    return x, y


def write_csv(path, x, y):
    with open(path, "w") as out:
        out.write(",".join(f"x{j}" for j in range(x.shape[1])) + ",label\n")
        for start in range(0, len(y), 100_000):
            block = np.column_stack([x[start:start + 100_000], y[start:start + 100_000]])
            np.savetxt(out, block, fmt=["%.6g"] * x.shape[1] + ["%d"], delimiter=",")


def timed(cmd):
    """Runs cmd under /usr/bin/time: (wall seconds, peak RSS in MiB)."""
    t = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=True)
    return time.perf_counter() - t, int(out.stderr.strip().splitlines()[-1]) / 1024


def main():
    kern = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    m = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    tmp = tempfile.mkdtemp()
    x, y = problem(n, 0)
    xt, yt = problem(100_000, 1)
    train, subset, test = (os.path.join(tmp, f) for f in ("train.csv", "subset.csv", "test.csv"))
    write_csv(train, x, y)
    write_csv(subset, x[:20_000], y[:20_000])
    write_csv(test, xt, yt)
    common = ["-g", str(1 / 28), "--alpha", "1", "-q"]
    print(f"{'method':<34}{'fit s':>9}{'peak MiB':>10}{'test accuracy':>15}")
    model = os.path.join(tmp, "falkon.model")
    secs, mib = timed([kern, "fit", train, "--task", "svc", "--approx", "falkon", "--components", str(m),
                       "--max-iter", "10", *common, "-o", model])
    pred = os.path.join(tmp, "falkon.out")
    subprocess.run([kern, "predict", model, test, "-o", pred, "-q"], check=True)
    acc = np.mean(np.loadtxt(pred) == yt)
    print(f"{f'falkon n={n} M={m}':<34}{secs:>9.1f}{mib:>10.0f}{100 * acc:>14.2f}%", flush=True)
    model = os.path.join(tmp, "krr.model")
    secs, mib = timed([kern, "fit", subset, "--task", "krr", *common, "-o", model])
    subprocess.run([kern, "predict", model, test, "-o", pred, "-q"], check=True)
    acc = np.mean(np.sign(np.loadtxt(pred)) == yt)
    print(f"{'exact krr n=20000':<34}{secs:>9.1f}{mib:>10.0f}{100 * acc:>14.2f}%", flush=True)


if __name__ == "__main__":
    main()
