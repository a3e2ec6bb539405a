"""kern grid against a LIBSVM grid.py loop, side by side (see grid_compare.sh)."""

import json
import os
import subprocess
import sys
import tempfile
import time

from libsvm.svmutil import svm_read_problem, svm_train

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "libsvm")
# grid.py's defaults; --log2c and --log2g take grid.py's "begin,end,step" too.
LOG2C = (-5, 15, 2)
LOG2G = (3, -15, -2)


def steps(begin, end, step):
    return list(range(begin, end + (1 if step > 0 else -1), step))


def dataset(name, tmp):
    if name == "heart":
        return os.path.join(DATA, "heart_scale")
    if name == "a9a10k":
        path = os.path.join(tmp, "a9a10k")
        with open(os.path.join(DATA, "a9a")) as src, open(path, "w") as dst:
            for i, line in enumerate(src):
                if i == 10_000:
                    break
                dst.write(line)
        return path
    sys.exit(f"unknown data set {name}")


def libsvm_grid(path, log2c, log2g):
    """What grid.py does, in-process: 5-fold CV accuracy at every (C, gamma)."""
    y, x = svm_read_problem(path)
    best = (-1.0, None, None)
    start = time.perf_counter()
    for c in log2c:
        for g in log2g:
            rate = svm_train(y, x, f"-c {2.0 ** c} -g {2.0 ** g} -v 5 -q")
            # grid.py keeps the first best, preferring smaller C on a tie at the same gamma.
            if rate > best[0]:
                best = (rate, c, g)
    return time.perf_counter() - start, best


def kern_grid(kern, path, log2c, log2g):
    start = time.perf_counter()
    c = ",".join(f"2^{v}" for v in log2c)
    g = ",".join(f"2^{v}" for v in log2g)
    out = subprocess.run(
        [kern, "grid", path, "--folds", "5", "--grid", f"c={c}", "--grid", f"gamma={g}", "--json", "-q"],
        check=True, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    report = json.loads(out.stdout)
    p = report["best_params"]
    import math
    return seconds, (100 * report["best_accuracy"], round(math.log2(p["c"])), round(math.log2(p["gamma"])))


def main():
    kern, args = sys.argv[1], sys.argv[2:]
    log2c, log2g, names = LOG2C, LOG2G, []
    while args:
        a = args.pop(0)
        if a in ("--log2c", "--log2g"):
            value = tuple(int(v) for v in args.pop(0).split(","))
            log2c, log2g = (value, log2g) if a == "--log2c" else (log2c, value)
        else:
            names.append(a)
    log2c, log2g = steps(*log2c), steps(*log2g)
    print(f"grid: log2 C in {log2c}, log2 gamma in {log2g}, 5-fold")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'data':8} {'LIBSVM loop':>12} {'kern grid':>10} {'ratio':>7}  best LIBSVM (acc, log2c, log2g) | best kern")
        for name in names:
            path = dataset(name, tmp)
            kt, kb = kern_grid(kern, path, log2c, log2g)
            lt, lb = libsvm_grid(path, log2c, log2g)
            print(f"{name:8} {lt:11.2f}s {kt:9.2f}s {lt / kt:6.2f}x  {lb[0]:.2f} % {lb[1]} {lb[2]} | {kb[0]:.2f} % {kb[1]} {kb[2]}",
                  flush=True)


if __name__ == "__main__":
    main()
