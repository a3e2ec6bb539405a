"""`kern cv` (WL h = 5, C-SVC C = 1, 10 folds) beside GraKeL's WL Gram and
scikit-learn's SVC on a precomputed kernel, on the same folds, in one run.

The data: 4,110 graphs (NCI1's count, mean ~30 nodes, 37 node labels),
generated with a fixed seed: random trees with a few ring closures; class 1
carries a labelled six-ring more often than class 0. Both sides are timed
as whole jobs: read the folder, compute WL, fit and score ten folds.
  Usage: cv_compare.py KERN FOLDS_EXAMPLE [OTHER_KERN]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
from grakel.kernels import VertexHistogram, WeisfeilerLehman  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import structured_compare  # noqa: E402

N_GRAPHS, N_LABELS, SEED = 4110, 37, 0


def generate(folder):
    """Writes a TU folder; returns nothing (both sides read the files)."""
    rng = np.random.default_rng(SEED)
    name = os.path.basename(folder)
    os.makedirs(folder, exist_ok=True)
    freq = 1.0 / np.arange(1, N_LABELS + 1) ** 1.2
    freq /= freq.sum()
    a, indicator, node_labels, graph_labels = [], [], [], []
    offset = 0
    for g in range(N_GRAPHS):
        label = int(rng.random() < 0.5)
        n = int(rng.integers(12, 48))
        labels = rng.choice(N_LABELS, size=n, p=freq)
        edges = [(v, int(rng.integers(0, v))) for v in range(1, n)]
        edges += [(int(rng.integers(0, n)), int(rng.integers(0, n))) for _ in range(int(rng.integers(0, 3)))]
        if rng.random() < (0.65 if label else 0.35):
            start = int(rng.integers(0, n - 6))
            ring = list(range(start, start + 6))
            labels[ring] = [3, 3, 5, 3, 3, 7]
            edges += [(ring[i], ring[(i + 1) % 6]) for i in range(6)]
        edges = {(min(u, v), max(u, v)) for u, v in edges if u != v}
        for u, v in sorted(edges):
            a += [(u + offset + 1, v + offset + 1), (v + offset + 1, u + offset + 1)]
        indicator += [g + 1] * n
        node_labels += [int(l) for l in labels]
        graph_labels.append(label)
        offset += n
    write = lambda suffix, rows: open(os.path.join(folder, f"{name}_{suffix}.txt"), "w").write(  # noqa: E731
        "".join(f"{r}\n" for r in rows))
    write("A", [f"{u}, {v}" for u, v in a])
    write("graph_indicator", indicator)
    write("node_labels", node_labels)
    write("graph_labels", graph_labels)


def read_tu(folder):
    """The graphs (structured_compare's reader) and the graph labels."""
    name = os.path.basename(folder.rstrip("/"))
    y = np.array([int(l) for l in open(os.path.join(folder, f"{name}_graph_labels.txt")) if l.strip()])
    return structured_compare.read_tu(folder), y


def grakel_cv(folder, folds):
    graphs, y = read_tu(folder)
    gram = WeisfeilerLehman(n_iter=6, normalize=True, base_graph_kernel=VertexHistogram).fit_transform(graphs)
    correct = 0
    for f in range(max(folds) + 1):
        test, train = np.where(folds == f)[0], np.where(folds != f)[0]
        svc = SVC(kernel="precomputed", C=1.0).fit(gram[np.ix_(train, train)], y[train])
        correct += int((svc.predict(gram[np.ix_(test, train)]) == y[test]).sum())
    return correct / len(y)


def kern_cv(kern, folder):
    args = [kern, "cv", folder, "--kernel", "wl", "--h", "5", "-c", "1", "--folds", "10", "--json", "-q"]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)["accuracy"]


def timed(f):
    start = time.perf_counter()
    value = f()
    return value, time.perf_counter() - start


def main():
    kern, folds_example = sys.argv[1], sys.argv[2]
    others = sys.argv[3:]
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "GEN4110")
        generate(folder)
        folds = np.array([int(l) for l in subprocess.check_output([folds_example, folder, "10", "0"]).split()])
        ours, t_kern = timed(lambda: kern_cv(kern, folder))
        theirs, t_grakel = timed(lambda: grakel_cv(folder, folds))
        rows = [("GraKeL WL Gram + scikit-learn SVC", t_grakel, theirs), ("kern cv", t_kern, ours)]
        for other in others:
            acc, t = timed(lambda: kern_cv(other, folder))
            rows.append((f"kern cv ({other})", t, acc))
    print(f"| WL h = 5 + C-SVC C = 1, 10-fold CV, {N_GRAPHS} generated graphs | seconds | accuracy % | speed-up over GraKeL |")
    print("|---|---|---|---|")
    for what, t, acc in rows:
        print(f"| {what} | {t:.2f} | {100 * acc:.2f} | {t_grakel / t:.1f}x |")


if __name__ == "__main__":
    main()
