"""The split of the published exact-vs-approximate GP comparison (Wang et
al. 2019), shared by the GP benchmarks: a seeded 64/16/20 train /
validation / test split, standardised with the training part's statistics,
written as CSV files kern reads (a header, the target last, named y)."""

import os

import numpy as np


def standardised(train, test):
    """Both parts standardised with the training part's statistics."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    std[std == 0] = 1.0
    return (train - mean) / std, (test - mean) / std


def split(data, rng):
    """The 64 % train and 20 % test parts of `data` (rows in `rng`'s order), standardised."""
    order = rng.permutation(len(data))
    n_train, n_val = int(0.64 * len(data)), int(0.16 * len(data))
    return standardised(data[order[:n_train]], data[order[n_train + n_val :]])


def uci(data_dir, name):
    """A UCI set (CSV, no header, the target last) split with seed 0."""
    data = np.loadtxt(os.path.join(data_dir, f"{name}.csv"), delimiter=",")
    return split(data, np.random.default_rng(0))


def write_parts(folder, train, test):
    """`train.csv` and `test.csv` in `folder`: their paths by part."""
    paths = {}
    for part, rows in [("train", train), ("test", test)]:
        paths[part] = os.path.join(folder, f"{part}.csv")
        header = ",".join([f"x{j}" for j in range(rows.shape[1] - 1)] + ["y"])
        np.savetxt(paths[part], rows, delimiter=",", header=header, comments="", fmt="%.17g")
    return paths
