"""kern --approx against scikit-learn's Nystroem/RBFSampler + LinearSVC on
a9a -> a9a.t (RBF gamma 0.05, C = 1, squared hinge, tol 1e-4; both fit an
intercept as a regularised constant feature).

Usage: python approx_compare.py KERN LIBSVM_DATA_DIR [M ...]   (default 1000 3000)

SEEDS=S (environment) fits each map with seeds 0..S-1 on both sides and
reports the summed times and the mean (± standard deviation) accuracy: one
random map's accuracy moves by about 0.1 point from seed to seed, more than
the differences being compared. "rff-orthogonal" is kern's --orthogonal
against the same RBFSampler (scikit-learn has no orthogonal features).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.kernel_approximation import Nystroem, RBFSampler
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC


def main():
    kern, data = sys.argv[1], sys.argv[2]
    sizes = [int(a) for a in sys.argv[3:]] or [1000, 3000]
    train, test = os.path.join(data, "a9a"), os.path.join(data, "a9a.t")
    x, y = load_svmlight_file(train, n_features=123)
    xt, yt = load_svmlight_file(test, n_features=123)
    seeds = range(int(os.environ.get("SEEDS", "1")))
    tmp = tempfile.mkdtemp()
    print(f"{'method':<16}{'M':>6}{'seeds':>6}{'sklearn s':>11}{'kern s':>9}{'speed-up':>10}"
          "  accuracy % sklearn / kern")
    for m in sizes:
        for name in ["nystroem", "rff", "rff-orthogonal"]:
            sk_times, kern_times, sk_accs, kern_accs = [], [], [], []
            for seed in seeds:
                sk_map = (Nystroem(gamma=0.05, n_components=m, random_state=seed) if name == "nystroem"
                          else RBFSampler(gamma=0.05, n_components=m, random_state=seed))
                model = make_pipeline(sk_map, LinearSVC(C=1.0, tol=1e-4, max_iter=1000))
                t = time.perf_counter()
                model.fit(x, y)
                sk_times.append(time.perf_counter() - t)
                sk_accs.append(100 * np.mean(model.predict(xt) == yt))
                path = os.path.join(tmp, f"{name}{m}.model")
                extra = ["--orthogonal"] if name == "rff-orthogonal" else []
                t = time.perf_counter()
                subprocess.run([kern, "fit", train, "-g", "0.05", "-c", "1", "--tol", "1e-4",
                                "--approx", name.split("-")[0], "--components", str(m), "--seed", str(seed),
                                *extra, "-o", path, "-q"], check=True)
                kern_times.append(time.perf_counter() - t)
                out = subprocess.run([kern, "predict", path, test, "-o", os.path.join(tmp, "p.txt"), "--json", "-q"],
                                     capture_output=True, text=True, check=True)
                kern_accs.append(100 * json.loads(out.stdout)["accuracy"])
            sk, ks = sum(sk_times), sum(kern_times)
            spread = lambda a: f" ± {np.std(a):.3f}" if len(a) > 1 else ""
            print(f"{name:<16}{m:>6}{len(seeds):>6}{sk:>11.2f}{ks:>9.2f}{sk / ks:>9.2f}x  "
                  f"{np.mean(sk_accs):.3f}{spread(sk_accs)} / {np.mean(kern_accs):.3f}{spread(kern_accs)}",
                  flush=True)

if __name__ == "__main__":
    main()
