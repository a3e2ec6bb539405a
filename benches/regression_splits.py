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


def generated_sets():
    """The four generated sets, each split 64/16/20 and standardised, drawn
    in this order from one seeded generator."""
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, (30000, 10))
    f = 10 * np.sin(np.pi * x[:, 0] * x[:, 1]) + 20 * (x[:, 2] - 0.5) ** 2 + 10 * x[:, 3] + 5 * x[:, 4]
    out = {"friedman": split(np.column_stack([x, f + rng.normal(0, 1, len(x))]), rng)}
    x = rng.uniform(-1, 1, (30000, 8))
    f = np.sin(4 * x).sum(1) + 2 * x[:, 0] * x[:, 1]
    out["sines"] = split(np.column_stack([x, f + rng.normal(0, 0.1, len(x))]), rng)
    x = rng.normal(0, 1, (20000, 60))
    f = np.tanh(x[:, 0] * x[:, 1]) + np.sin(2 * x[:, 2]) + 0.5 * x[:, 3] ** 2 + 0.1 * x[:, 4:24].sum(1)
    out["interaction"] = split(np.column_stack([x, f + rng.normal(0, 0.3, len(x))]), rng)
    x = rng.uniform(-1, 1, (20000, 4))
    f = np.exp(-3 * ((x - 0.2) ** 2).sum(1)) * np.cos(6 * x[:, 0])
    out["bump"] = split(np.column_stack([x, f + rng.normal(0, 0.05, len(x))]), rng)
    return out


def folded_surface():
    """A surface folded many times across two features, a bowl in a third,
    a cosine of two more and a slope in a sixth (50,000 x 8 in [-2, 2]^8,
    noise 0.1), split 64/16/20: fine structure that 2,000 kernel centres
    cannot resolve."""
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, (50000, 8))
    f = np.sin(2 * x[:, 0] * x[:, 1]) + x[:, 2] ** 2 - np.cos(x[:, 3] + x[:, 4]) + 0.5 * x[:, 5]
    return split(np.column_stack([x, f + rng.normal(0, 0.1, len(x))]), rng)


def write_parts(folder, train, test):
    """`train.csv` and `test.csv` in `folder`: their paths by part."""
    paths = {}
    for part, rows in [("train", train), ("test", test)]:
        paths[part] = os.path.join(folder, f"{part}.csv")
        header = ",".join([f"x{j}" for j in range(rows.shape[1] - 1)] + ["y"])
        np.savetxt(paths[part], rows, delimiter=",", header=header, comments="", fmt="%.17g")
    return paths
