"""kern's sparse GP (--approx sgpr) on the UCI regression sets of the
published exact-vs-approximate GP comparison (Wang et al. 2019): features
and target standardised with training statistics, a seeded 64/16/20 split,
test RMSE and negative log likelihood in standardised units, beside the
published exact-GP and SGPR (512 inducing points) RMSE.

Usage: sgpr_uci.py KERN_BINARY DATA_DIR [M] [RESTARTS] [SET ...]; KERNEL=matern32 (or
any --kernel) and LANDMARKS=greedy in the environment change the kernel (rbf)
and how the inducing points are chosen (uniform)."""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

PUBLISHED = {"elevators": (0.394, 0.437), "pol": (0.151, 0.217), "bike": (0.220, 0.362)}

kern_bin, data_dir = sys.argv[1], sys.argv[2]
m = int(sys.argv[3]) if len(sys.argv) > 3 else 512
restarts = int(sys.argv[4]) if len(sys.argv) > 4 else 0
sets = sys.argv[5:] or list(PUBLISHED)

print(f"{'set':10} {'n train':>8} {'M':>5} {'fit s':>8} {'RMSE':>7} {'NLL':>7} {'95 % cover':>10}  published exact / SGPR RMSE")
for name in sets:
    data = np.loadtxt(os.path.join(data_dir, f"{name}.csv"), delimiter=",")
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data))
    n_train = int(0.64 * len(data))
    n_val = int(0.16 * len(data))
    train, test = data[order[:n_train]], data[order[n_train + n_val :]]
    mean, std = train.mean(axis=0), train.std(axis=0)
    std[std == 0] = 1.0
    train, test = (train - mean) / std, (test - mean) / std
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for part, rows in [("train", train), ("test", test)]:
            paths[part] = os.path.join(tmp, f"{part}.csv")
            header = ",".join([f"x{j}" for j in range(rows.shape[1] - 1)] + ["y"])
            np.savetxt(paths[part], rows, delimiter=",", header=header, comments="", fmt="%.17g")
        model = os.path.join(tmp, "m.kern")
        cmd = [kern_bin, "fit", paths["train"], "--label-col", "y", "--task", "gp", "--approx", "sgpr",
               "--components", str(m), "--restarts", str(restarts), "--normalize-y", "off", "-o", model, "--json", "-q",
               "--kernel", os.environ.get("KERNEL", "rbf"), "--landmarks", os.environ.get("LANDMARKS", "uniform")]
        start = time.perf_counter()
        report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        seconds = time.perf_counter() - start
        out = os.path.join(tmp, "p.txt")
        subprocess.run([kern_bin, "predict", model, paths["test"], "--label-col", "y", "--std", "-o", out, "-q"], check=True)
        pred = np.loadtxt(out)
        mu, sd = pred[:, 0], pred[:, 1]
        y = test[:, -1]
        rmse = float(np.sqrt(np.mean((y - mu) ** 2)))
        nll = float(np.mean(0.5 * np.log(2 * np.pi * sd**2) + (y - mu) ** 2 / (2 * sd**2)))
        cover = float(np.mean(np.abs(y - mu) <= 1.959964 * sd))
        exact, sgpr = PUBLISHED.get(name, (float("nan"), float("nan")))
        print(f"{name:10} {n_train:8d} {m:5d} {seconds:8.1f} {rmse:7.3f} {nll:7.3f} {100 * cover:9.2f} %  {exact} / {sgpr}")
        print(f"{'':10} {report['kernel_expression']}")
