"""`kern fit DATA` (--auto) on regression sets beyond 10,000 training rows,
where it fits Falkon with centres, gamma and alpha chosen on held-out rows,
beside `kern fit DATA --task svr` (--auto's exact epsilon-SVR, its choice
before). Sets: UCI elevators and bike (the split of sgpr_uci.py), the
generated friedman, sines, interaction and bump of gp_auto.py, and a folded
surface (32,000 x 8 training rows). Prints, per set and side, the seconds of
the fit, test R^2 and the centres (Falkon), and the time ratio.

Usage: auto_regression.py KERN_BINARY DATA_DIR [SET ...];
SIDES=falkon (or svr) runs one side only."""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from regression_splits import folded_surface, generated_sets, uci, write_parts

kern_bin, data_dir = sys.argv[1], sys.argv[2]
UCI = ["elevators", "bike"]
GENERATED = ["friedman", "sines", "interaction", "bump"]
sets = sys.argv[3:] or UCI + GENERATED + ["folded"]
sides = os.environ.get("SIDES", "falkon,svr").split(",")
ARGS = {"falkon": [], "svr": ["--task", "svr"]}


def run(paths, side, tmp):
    """Seconds of the fit, test R^2 and the centres of one side."""
    model, out = os.path.join(tmp, f"{side}.kern"), os.path.join(tmp, "p.txt")
    cmd = [kern_bin, "fit", paths["train"], "--label-col", "y", "-o", model, "--json", "-q"] + ARGS[side]
    start = time.perf_counter()
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    seconds = time.perf_counter() - start
    subprocess.run([kern_bin, "predict", model, paths["test"], "--label-col", "y", "-o", out, "-q"], check=True)
    y = np.loadtxt(paths["test"], delimiter=",", skiprows=1)[:, -1]
    r2 = 1 - np.mean((np.loadtxt(out) - y) ** 2) / np.var(y)
    return seconds, r2, report.get("auto", {}).get("components", "")


print(f"{'set':12} {'n x d':>10} " + " ".join(f"{s + ' s':>9} {s + ' R2':>10}" for s in sides) + "  centres  ratio")
made = generated_sets() if any(name in GENERATED for name in sets) else {}
for name in sets:
    train, test = uci(data_dir, name) if name in UCI else folded_surface() if name == "folded" else made[name]
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_parts(tmp, train, test)
        got = {side: run(paths, side, tmp) for side in sides}
    cells = " ".join(f"{got[s][0]:9.1f} {got[s][1]:10.4f}" for s in sides)
    centres = got.get("falkon", (0, 0, ""))[2]
    ratio = f"{got['falkon'][0] / got['svr'][0]:.3f}" if len(got) == 2 else ""
    print(f"{name:12} {len(train):>6}x{train.shape[1] - 1:<3} {cells}  {centres!s:>7}  {ratio}", flush=True)
