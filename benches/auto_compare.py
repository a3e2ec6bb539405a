"""`kern fit DATA` (--auto) beside `kern grid` over grid.py's whole default
grid (log2 C = -5..15 step 2, log2 gamma = 3..-15 step -2; C alone for string
and graph kernels, alpha = 1/C for kernel ridge), on nine data sets of
different shapes, in one run. Auto reads the raw training file (it scales
itself); the grid reads the file scaled onto [-1, 1] from the training rows
(svm-scale's map, as grid.py's users run it) and refits its best point.
Both are timed as whole processes and scored on the same held-out rows.

  Usage: auto_compare.py KERN [OLD_KERN] [--only NAME,...]
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_svmlight_file

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
WORK = "/tmp/kern_auto_compare"
C_GRID = ["--grid", "c=2^-5..2^15:4"]
G_GRID = ["--grid", "gamma=2^3..2^-15:0.25"]


def write_svmlight(path, x, y):
    with open(path, "w") as f:
        for row, label in zip(x, y):
            feats = " ".join(f"{j + 1}:{v:.6g}" for j, v in enumerate(row) if v != 0)
            f.write(f"{label:g} {feats}\n")


def scaled(train, test):
    lo, hi = train.min(axis=0), train.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    # Constant features map to 0, as svm-scale leaves them out.
    return [(2 * (m - lo) / span - 1) * (hi > lo) for m in (train, test)]


def split(n, seed=0, test_fraction=1 / 3):
    order = np.random.default_rng(seed).permutation(n)
    cut = int(n * (1 - test_fraction))
    return np.sort(order[:cut]), np.sort(order[cut:])


def vector_set(name, x, y, train, test):
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    write_svmlight(f"{d}/train", x[train], y[train])
    write_svmlight(f"{d}/test", x[test], y[test])
    a, b = scaled(x[train], x[test])
    write_svmlight(f"{d}/train.scaled", a, y[train])
    write_svmlight(f"{d}/test.scaled", b, y[test])
    return d


def rare_bumps(n, seed):
    """As tests/auto.rs: ~7 % positives near five centres of a 3-d latent space."""
    fixed = np.random.default_rng(0)
    centres = fixed.uniform(-0.7, 0.7, size=(5, 3))
    a, b = fixed.normal(size=(3, 22)), fixed.normal(0, 0.5, size=22)
    r = np.random.default_rng(seed)
    z = r.uniform(-1, 1, size=(n, 3))
    x = np.tanh(z @ a + b) + r.normal(0, 0.02, size=(n, 22))
    near = np.min(np.linalg.norm(z[:, None] - centres[None], axis=2), axis=1) < 0.3
    return x, np.where(near, 1, -1)


def tu_subset(src, name, dst, graphs):
    """Writes the graphs `graphs` (0-based) of TU folder `src` as folder `dst`."""
    os.makedirs(dst, exist_ok=True)
    read = lambda s: open(f"{src}/{name}_{s}.txt").read().split("\n")
    indicator = [int(v) for v in read("graph_indicator") if v.strip()]
    keep = set(g + 1 for g in graphs)
    new_id, nodes = {}, []
    for v, g in enumerate(indicator, 1):
        if g in keep:
            new_id[v] = len(new_id) + 1
            nodes.append(v)
    gmap = {g + 1: k + 1 for k, g in enumerate(sorted(graphs))}
    base = os.path.basename(dst)
    with open(f"{dst}/{base}_graph_indicator.txt", "w") as f:
        f.writelines(f"{gmap[indicator[v - 1]]}\n" for v in nodes)
    labels = [v for v in read("graph_labels") if v.strip()]
    with open(f"{dst}/{base}_graph_labels.txt", "w") as f:
        f.writelines(f"{labels[g]}\n" for g in sorted(graphs))
    node_labels = [v for v in read("node_labels") if v.strip()]
    with open(f"{dst}/{base}_node_labels.txt", "w") as f:
        f.writelines(f"{node_labels[v - 1]}\n" for v in nodes)
    edges = [e for e in read("A") if e.strip()]
    with open(f"{dst}/{base}_A.txt", "w") as f:
        for e in edges:
            u, v = (int(t) for t in e.split(","))
            if u in new_id and v in new_id:
                f.write(f"{new_id[u]}, {new_id[v]}\n")


def prepare():
    """(name, dir, train, test, grid-train, grid-test, grid args, metric)."""
    sets = []
    x, y = load_svmlight_file(f"{DATA}/libsvm/heart_scale")
    x = x.toarray()
    tr, te = split(len(y))
    d = vector_set("heart", x, y, tr, te)
    sets.append(("heart_scale", d, "train", "test", "train.scaled", "test.scaled", C_GRID + G_GRID, "accuracy"))
    d = os.path.join(WORK, "a9a")
    os.makedirs(d, exist_ok=True)
    with open(f"{DATA}/libsvm/a9a") as f, open(f"{d}/train", "w") as g:
        g.writelines(line for _, line in zip(range(10000), f))
    # Feature 123 never occurs in the first 10,000 rows, and a model with
    # kern's stored scaling refuses features it never saw: drop it from a9a.t.
    with open(f"{DATA}/libsvm/a9a.t") as f, open(f"{d}/test", "w") as g:
        g.writelines(" ".join(t for t in line.split() if not t.startswith("123:")) + "\n" for line in f)
    sets.append(("a9a (first 10,000)", d, "train", "test", "train", "test", C_GRID + G_GRID, "accuracy"))
    digits = load_digits()
    tr, te = split(len(digits.target))
    d = vector_set("digits", digits.data, digits.target, tr, te)
    sets.append(("digits 10-class", d, "train", "test", "train.scaled", "test.scaled", C_GRID + G_GRID, "accuracy"))
    bc = load_breast_cancer()
    tr, te = split(len(bc.target))
    d = vector_set("breast_cancer", bc.data, bc.target, tr, te)
    sets.append(("breast_cancer", d, "train", "test", "train.scaled", "test.scaled", C_GRID + G_GRID, "accuracy"))
    xa, ya = rare_bumps(20000, 2)
    xb, yb = rare_bumps(5000, 3)
    x, y = np.vstack([xa, xb]), np.concatenate([ya, yb])
    d = vector_set("rare_bumps", x, y, np.arange(20000), np.arange(20000, 25000))
    sets.append(("imbalanced (7 %, 20,000)", d, "train", "test", "train.scaled", "test.scaled", C_GRID + G_GRID, "accuracy"))
    d = os.path.join(WORK, "splice")
    os.makedirs(d, exist_ok=True)
    rows = open(f"{DATA}/strings/uci_splice.csv").read().strip().split("\n")
    tr, te = split(len(rows) - 1)
    for part, idx in (("train.csv", tr), ("test.csv", te)):
        with open(f"{d}/{part}", "w") as f:
            f.write(rows[0] + "\n")
            f.writelines(rows[i + 1] + "\n" for i in idx)
    sets.append(("uci_splice (spectrum)", d, "train.csv", "test.csv", "train.csv", "test.csv",
                 C_GRID + ["--kernel", "spectrum"], "accuracy"))
    d = os.path.join(WORK, "mutag")
    n = len([v for v in open(f"{DATA}/tu/MUTAG/MUTAG_graph_labels.txt") if v.strip()])
    tr, te = split(n)
    tu_subset(f"{DATA}/tu/MUTAG", "MUTAG", f"{d}/train", tr)
    tu_subset(f"{DATA}/tu/MUTAG", "MUTAG", f"{d}/test", te)
    sets.append(("MUTAG (WL)", d, "train", "test", "train", "test", C_GRID + ["--kernel", "wl"], "accuracy"))
    x, y = load_svmlight_file(f"{DATA}/libsvm/abalone_scale")
    x = x.toarray()
    tr, te = split(len(y))
    d = vector_set("abalone", x, y, tr, te)
    sets.append(("abalone (krr)", d, "train", "test", "train.scaled", "test.scaled",
                 ["--grid", "alpha=2^5..2^-15:0.25", *G_GRID, "--task", "krr"], "r2"))
    pol = np.loadtxt(f"{DATA}/uci/pol.csv", delimiter=",", max_rows=6000)
    d = vector_set("pol", pol[:, :-1], pol[:, -1], np.arange(4000), np.arange(4000, 6000))
    sets.append(("pol first 4,000 → next 2,000 (krr)", d, "train", "test", "train.scaled", "test.scaled",
                 ["--grid", "alpha=2^5..2^-15:0.25", *G_GRID, "--task", "krr"], "r2"))
    return sets


def run(cmd):
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return json.loads(out.stdout) if out.stdout.strip().startswith("{") else {}, seconds, out.stderr


def score(kern, model, test, metric):
    out, _, _ = run([kern, "predict", model, test, "-o", os.path.join(WORK, "p.txt"), "--json"])
    return out["accuracy"] if metric == "accuracy" else out["r2"]


def main():
    kern = sys.argv[1]
    old = sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else None
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None
    rows = []
    for name, d, train, test, gtrain, gtest, grid, metric in prepare():
        if only and not any(o in name for o in only):
            continue
        j = lambda f: os.path.join(d, f)
        auto, t_auto, said = run([kern, "fit", j(train), "-o", j("auto.model"), "--json", "-q"])
        s_auto = score(kern, j("auto.model"), j(test), metric)
        s_old = t_old = None
        if old:
            _, t_old, _ = run([old, "fit", j(train), "-o", j("old.model"), "--json", "-q"])
            s_old = score(old, j("old.model"), j(test), metric)
        _, t_grid, _ = run([kern, "grid", j(gtrain), *grid, "--refit", "-o", j("grid.model"), "--json", "-q"])
        s_grid = score(kern, j("grid.model"), j(gtest), metric)
        a = auto.get("auto", {})
        chosen = {k: a[k] for k in ("c", "gamma") if k in a}
        rows.append((name, metric, s_auto, s_grid, t_auto, t_grid, s_old, t_old, chosen, a.get("baseline")))
        print(json.dumps(rows[-1]), flush=True)
    print()
    unit = lambda m, v: f"{100 * v:.2f} %" if m == "accuracy" else f"R² {v:.4f}"
    print("| data | auto held-out | grid held-out | gap | auto time | grid time | time ratio | old auto |")
    print("|---|---|---|---|---|---|---|---|")
    for name, metric, sa, sg, ta, tg, so, to, _, _ in rows:
        gap = (sg - sa) * (100 if metric == "accuracy" else 1)
        old_cell = f"{unit(metric, so)} in {to:.1f} s" if so is not None else "-"
        print(f"| {name} | {unit(metric, sa)} | {unit(metric, sg)} | {gap:+.2f} | {ta:.2f} s | {tg:.2f} s | "
              f"{ta / tg:.3f} | {old_cell} |")


if __name__ == "__main__":
    main()
