"""kern against Intel's oneDAL SVC, side by side (see onedal_compare.sh)."""

import json
import os
import subprocess
import sys
import tempfile
import time

from sklearn.datasets import load_svmlight_file

from libsvm_compare import DATA, dense, kern_run


def onedal_run(train, test, c, g):
    from sklearnex import patch_sklearn

    patch_sklearn(verbose=False)
    from sklearn.svm import SVC

    xtr, ytr = load_svmlight_file(train)
    xte, yte = load_svmlight_file(test, n_features=xtr.shape[1])
    model = SVC(C=c, gamma=g, kernel="rbf")
    start = time.perf_counter()
    model.fit(xtr, ytr)
    seconds = time.perf_counter() - start
    assert type(model).__module__.startswith("sklearnex"), "oneDAL did not take the fit"
    return seconds, int(model.n_support_.sum()), 100 * model.score(xte, yte)


def main():
    kern = sys.argv[1]
    wanted = sys.argv[2:] or ["a9a", "dense"]
    with tempfile.TemporaryDirectory() as tmp:
        sets = {"a9a": (os.path.join(DATA, "a9a"), os.path.join(DATA, "a9a.t"), 1, 0.05)}
        if "dense" in wanted:
            train, test = dense(tmp)
            sets["dense"] = (train, test, 32, 2)
        print(f"{'data':8} {'oneDAL fit s':>13} {'kern process s':>15} {'speed-up':>9} {'nSV oneDAL/kern':>16} {'accuracy % oneDAL/kern':>23}")
        for name in wanted:
            train, test, c, g = sets[name]
            os_, onsv, oacc = onedal_run(train, test, c, g)
            # kern in its two modes: LIBSVM's pairs (the default) and
            # working sets of 1024 (oneDAL's kind of solver).
            for mode, extra in [("", ()), (" ws", ("--working-set", "1024"))]:
                ks, knsv, kacc = kern_run(kern, train, test, c, g, tmp, extra)
                label = name + mode
                print(f"{label:8} {os_:13.3f} {ks:15.3f} {os_ / ks:8.2f}x {onsv:>7}/{knsv:<8} {oacc:>11.3f}/{kacc:<11.3f}", flush=True)


if __name__ == "__main__":
    main()
