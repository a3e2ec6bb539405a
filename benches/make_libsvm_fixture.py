"""Writes tests/fixtures/libsvm/: small data sets, models trained by LIBSVM
(libsvm-official) for each of its five SVM types and four kernels, and
LIBSVM's own predictions (and a C-SVC on a precomputed RBF Gram), so that `cargo test` checks that kern predicts what
LIBSVM predicts from LIBSVM's model files. Run with benches/.venv/bin/python
(see libsvm_compare.sh for the venv); the output is committed.
"""

import math
import multiprocessing
import os
import random

from libsvm.svmutil import svm_predict, svm_problem, svm_save_model, svm_train

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "libsvm")


def write(path, y, x, keep_zeros=False):
    with open(path, "w") as f:
        for label, row in zip(y, x):
            kept = [(j, v) for j, v in sorted(row.items()) if v != 0 or keep_zeros]
            f.write(f"{label:.17g} " + " ".join(f"{j}:{v:.17g}" for j, v in kept) + "\n")


def rbf(a, b, gamma):
    keys = set(a) | set(b)
    return math.exp(-gamma * sum((a.get(k, 0.0) - b.get(k, 0.0)) ** 2 for k in keys))


def main():
    os.makedirs(OUT, exist_ok=True)
    rnd = random.Random(5)
    # Three classes in 4-D, sparse-ish rows, and a regression target.
    x, cls, reg = [], [], []
    for i in range(150):
        k = i % 3
        row = {j + 1: round(rnd.gauss(k * (j % 2) - 1.0, 0.8), 6) for j in range(4) if rnd.random() > 0.2}
        x.append(row)
        cls.append([2, 5, 7][k])
        reg.append(sum(row.values()) + 0.1 * rnd.gauss(0, 1))
    write(os.path.join(OUT, "classes.txt"), cls, x)
    write(os.path.join(OUT, "targets.txt"), reg, x)
    kernels = {"linear": "-t 0", "poly": "-t 1 -d 2 -g 0.5 -r 1", "rbf": "-t 2 -g 0.7", "sigmoid": "-t 3 -g 0.05 -r -0.2"}
    types = {"c_svc": ("-s 0 -c 2", cls), "nu_svc": ("-s 1 -n 0.3", cls), "one_class": ("-s 2 -n 0.2", cls),
             "epsilon_svr": ("-s 3 -c 2 -p 0.2", reg), "nu_svr": ("-s 4 -c 2 -n 0.4", reg)}
    # With probability outputs (-b 1): LIBSVM's probabilities, and for SVR the
    # model's Laplace scale.
    cases = [(f"{t}_{k}", f"{ta} {ka} -q", y) for t, (ta, y) in types.items() for k, ka in kernels.items()]
    cases += [("c_svc_rbf_prob", f"{types['c_svc'][0]} {kernels['rbf']} -b 1 -q", cls),
              ("epsilon_svr_rbf_prob", f"{types['epsilon_svr'][0]} {kernels['rbf']} -b 1 -q", reg)]
    # A precomputed kernel (-t 4): the RBF Gram of the first 60 rows, `0:i` first.
    gram = [{0: i + 1, **{j + 1: rbf(a, b, 0.7) for j, b in enumerate(x[:60])}} for i, a in enumerate(x[:60])]
    write(os.path.join(OUT, "classes_gram.txt"), cls[:60], gram, keep_zeros=True)
    cases.append(("c_svc_precomputed", f"{types['c_svc'][0]} -t 4 -q", cls[:60]))
    for name, args, y in cases:
        if name == "c_svc_precomputed":
            x = gram
        # A child process each: LIBSVM's Python wrapper can crash (it does
        # predicting every nu_svc model here); that fixture is skipped.
        child = multiprocessing.Process(target=one, args=(name, args, y, x))
        child.start()
        child.join()
        if child.exitcode != 0:
            print(f"skipped {name}: LIBSVM exited with {child.exitcode}")
            for ext in (".model", ".predictions"):
                if os.path.exists(os.path.join(OUT, name + ext)):
                    os.remove(os.path.join(OUT, name + ext))


def one(name, args, y, x):
    problem = svm_problem(y, x)  # the model points into this
    model = svm_train(problem, args)
    svm_save_model(os.path.join(OUT, name + ".model"), model)
    prob = "-b 1" in args and "-s 0" in args
    pred, _, values = svm_predict(y, x, model, "-b 1 -q" if prob else "-q")
    with open(os.path.join(OUT, name + ".predictions"), "w") as f:
        if prob:
            f.write("labels " + " ".join(str(l) for l in model.get_labels()) + "\n")
            f.writelines(f"{p:.17g} " + " ".join(f"{v:.17g}" for v in row) + "\n" for p, row in zip(pred, values))
        else:
            f.writelines(f"{p:.17g}\n" for p in pred)


if __name__ == "__main__":
    main()
