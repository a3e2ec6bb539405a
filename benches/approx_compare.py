"""kern --approx against scikit-learn's Nystroem/RBFSampler + LinearSVC on
a9a -> a9a.t (RBF gamma 0.05, C = 1, squared hinge, tol 1e-4; both fit an
intercept as a regularised constant feature).

Usage: python approx_compare.py KERN LIBSVM_DATA_DIR [M ...]   (default 1000 3000)
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
    tmp = tempfile.mkdtemp()
    print(f"{'method':<18}{'M':>6}{'sklearn s':>11}{'kern s':>9}{'speed-up':>10}  accuracy sklearn / kern")
    for m in sizes:
        for name, sk_map in [("nystroem", Nystroem(gamma=0.05, n_components=m, random_state=0)),
                             ("rff", RBFSampler(gamma=0.05, n_components=m, random_state=0))]:
            model = make_pipeline(sk_map, LinearSVC(C=1.0, tol=1e-4, max_iter=1000))
            t = time.perf_counter()
            model.fit(x, y)
            sk = time.perf_counter() - t
            sk_acc = np.mean(model.predict(xt) == yt)
            path = os.path.join(tmp, f"{name}{m}.model")
            t = time.perf_counter()
            subprocess.run([kern, "fit", train, "-g", "0.05", "-c", "1", "--tol", "1e-4", "--approx", name,
                            "--components", str(m), "-o", path, "-q"], check=True)
            ks = time.perf_counter() - t
            out = subprocess.run([kern, "predict", path, test, "-o", os.path.join(tmp, "p.txt"), "--json", "-q"],
                                 capture_output=True, text=True, check=True)
            acc = json.loads(out.stdout)["accuracy"]
            print(f"{name:<18}{m:>6}{sk:>11.2f}{ks:>9.2f}{sk / ks:>9.2f}x  {100 * sk_acc:.3f} / {100 * acc:.3f} %",
                  flush=True)


if __name__ == "__main__":
    main()
