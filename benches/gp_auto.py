"""`kern fit --task gp --auto` on sets of different shapes: the three UCI
regression sets of the GP literature (the split of sgpr_uci.py: seeded
64/16/20, standardised with training statistics) and four generated ones
(seeded): Friedman 1 (30,000 x 10, five features irrelevant), a sum of
sines (30,000 x 8), an interaction among 60 features (20,000 x 60) and a
bump times a cosine (20,000 x 4). Prints, per set, the seconds of fit plus
predict, test RMSE, NLL and 95 % coverage, and the covariance `--auto` chose.

Usage: gp_auto.py KERN_BINARY DATA_DIR [SET ...]; FLAGS adds options to `kern fit`;
TRAIN_ROWS=N trains on a seeded N of the training rows (the same test rows),
where `--auto` fits an exact GP (N <= 2,000)."""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from regression_splits import generated_sets, uci, write_parts

kern_bin, data_dir = sys.argv[1], sys.argv[2]
UCI = ["elevators", "pol", "bike"]
GENERATED = ["friedman", "sines", "interaction", "bump"]
sets = sys.argv[3:] or UCI + GENERATED


print(f"{'set':12} {'n x d':>12} {'seconds':>8} {'RMSE':>7} {'NLL':>7} {'cover':>8}  covariance")
made = generated_sets() if any(name in GENERATED for name in sets) else {}
for name in sets:
    train, test = uci(data_dir, name) if name in UCI else made[name]
    if os.environ.get("TRAIN_ROWS"):
        keep = np.random.default_rng(11).permutation(len(train))[: int(os.environ["TRAIN_ROWS"])]
        train = train[np.sort(keep)]
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_parts(tmp, train, test)
        model, out = os.path.join(tmp, "m.kern"), os.path.join(tmp, "p.txt")
        cmd = [kern_bin, "fit", paths["train"], "--label-col", "y", "--task", "gp", "--auto", "-o", model, "--json", "-q"]
        start = time.perf_counter()
        report = json.loads(subprocess.run(cmd + os.environ.get("FLAGS", "").split(), check=True,
                                           capture_output=True, text=True).stdout)
        subprocess.run([kern_bin, "predict", model, paths["test"], "--label-col", "y", "--std", "-o", out, "-q"], check=True)
        seconds = time.perf_counter() - start
        pred, y = np.loadtxt(out), test[:, -1]
        mu, sd = pred[:, 0], pred[:, 1]
        rmse = np.sqrt(np.mean((y - mu) ** 2))
        nll = np.mean(0.5 * np.log(2 * np.pi * sd**2) + (y - mu) ** 2 / (2 * sd**2))
        cover = 100 * np.mean(np.abs(y - mu) <= 1.959964 * sd)
        shape = f"{len(train)}x{train.shape[1] - 1}"
        chosen = report.get("auto", {}).get("covariance", report.get("kernel", ""))
        print(f"{name:12} {shape:>12} {seconds:8.1f} {rmse:7.3f} {nll:7.3f} {cover:7.2f} %  {chosen}", flush=True)
