"""kern's graph and string kernels beside GraKeL and a straightforward
Python spectrum kernel, in one run, on ../shared/data.

Times are for the normalised Gram matrix alone (data already in memory),
one thread on both sides, median of three. Accuracies come from kern's own
bench (10-fold CV, C by inner 5-fold CV for graphs; C = 1 for strings).
  Usage: structured_compare.py KERN_BENCH_JSON_LINES DATA_DIR
"""
import json
import os
import statistics
import sys
import time
from collections import Counter

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from grakel import Graph  # noqa: E402
from grakel.kernels import ShortestPath, VertexHistogram, WeisfeilerLehman  # noqa: E402

GRAKEL_REF = {"MUTAG": (84.7, 1.1), "PTC_MR": (61.7, 1.3), "ENZYMES": (51.9, 1.0)}
SPECTRUM_REF = {("uci_promoters.data", 3): 90.6, ("uci_promoters.data", 4): 94.4, ("uci_promoters.data", 5): 97.2,
                ("uci_splice.csv", 3): 63.0, ("uci_splice.csv", 4): 68.4, ("uci_splice.csv", 5): 72.9}


def read_tu(folder):
    name = os.path.basename(folder.rstrip("/"))
    path = lambda s: os.path.join(folder, f"{name}_{s}.txt")  # noqa: E731
    graph_of = [int(l) for l in open(path("graph_indicator")) if l.strip()]
    labels = [int(l) for l in open(path("node_labels")) if l.strip()]
    edges = [tuple(int(v) for v in l.split(",")) for l in open(path("A")) if l.strip()]
    n_graphs = max(graph_of)
    adj = [dict() for _ in range(n_graphs)]
    node_labels = [dict() for _ in range(n_graphs)]
    for node, g in enumerate(graph_of, start=1):
        node_labels[g - 1][node] = labels[node - 1]
        adj[g - 1].setdefault(node, {})
    for u, v in edges:
        adj[graph_of[u - 1] - 1][u][v] = 1.0
    return [Graph(adj[g], node_labels=node_labels[g]) for g in range(n_graphs)]


def median_time(f):
    times = []
    for _ in range(3):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def spectrum_gram(seqs, k):
    """Count k-mers per sequence, index them, one sparse product, cosine."""
    vocab, rows, cols, vals = {}, [], [], []
    for i, s in enumerate(seqs):
        for kmer, c in Counter(s[j:j + k] for j in range(len(s) - k + 1)).items():
            rows.append(i)
            cols.append(vocab.setdefault(kmer, len(vocab)))
            vals.append(c)
    x = sp.csr_matrix((vals, (rows, cols)), shape=(len(seqs), len(vocab)), dtype=np.float64)
    g = (x @ x.T).toarray()
    d = np.sqrt(np.diag(g))
    return g / np.outer(d, d)


def read_sequences(path):
    seqs = []
    with open(path) as f:
        lines = [l for l in f if l.strip()]
    if lines[0].lower().startswith("label"):
        lines = lines[1:]
    for l in lines:
        seqs.append(l.split(",")[-1].strip())
    return seqs


def main():
    kern_rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
    data = sys.argv[2]
    kern_of = {(r["data"], r["kernel"]): r for r in kern_rows}
    print("| data set | kernel | GraKeL Gram s | kern Gram s | speed-up | kern accuracy % (10-fold, C by inner CV) | GraKeL's figure |")
    print("|---|---|---|---|---|---|---|")
    for name in ["MUTAG", "PTC_MR", "ENZYMES"]:
        graphs = read_tu(os.path.join(data, "tu", name))
        for label, make in [("wl", lambda: WeisfeilerLehman(n_iter=6, normalize=True, base_graph_kernel=VertexHistogram)),
                            ("sp", lambda: ShortestPath(normalize=True, with_labels=True))]:
            t = median_time(lambda: make().fit_transform(graphs))
            r = kern_of[(name, label)]
            ref = GRAKEL_REF[name] if label == "wl" else None
            ref_text = f"{ref[0]} ± {ref[1]}" if ref else "-"
            print(f"| {name} | {label} | {t:.3f} | {r['gram_seconds']:.4f} | {t / r['gram_seconds']:.1f}x | "
                  f"{r['accuracy']:.1f} ± {r.get('accuracy_std', 0):.1f} ({r.get('repeats', 1)} x 10-fold) | {ref_text} |")
    print()
    print("| data set | spectrum k | Python (Counter + scipy.sparse) s | kern Gram s | speed-up | kern accuracy % (10-fold, C = 1) | README figure |")
    print("|---|---|---|---|---|---|---|")
    for file in ["uci_promoters.data", "uci_splice.csv"]:
        seqs = read_sequences(os.path.join(data, "strings", file))
        for k in [3, 4, 5]:
            t = median_time(lambda: spectrum_gram(seqs, k))
            r = kern_of[(file, f"spectrum k={k}")]
            print(f"| {file} | {k} | {t:.3f} | {r['gram_seconds']:.4f} | {t / r['gram_seconds']:.1f}x | "
                  f"{r['accuracy']:.1f} | {SPECTRUM_REF[(file, k)]} |")


if __name__ == "__main__":
    main()
