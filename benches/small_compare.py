"""A small problem end to end: the whole `kern fit` process beside Debian's
`svm-train` process (libsvm-tools), C-SVC -c 1 -g 1/13 on heart_scale, each
timed from spawn to exit, alternated, median of RUNS (default 20) after 3
warm-up runs of each; the nSV of both.

Usage: python small_compare.py KERN DATA
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    kern, data = sys.argv[1], sys.argv[2]
    runs = int(os.environ.get("RUNS", "20"))
    tmp = tempfile.mkdtemp()
    lib_model, kern_model = os.path.join(tmp, "libsvm.model"), os.path.join(tmp, "kern.model")
    libsvm = ["svm-train", "-c", "1", "-g", "0.0769231", "-q", data, lib_model]
    ours = [kern, "fit", data, "-c", "1", "-g", "0.0769231", "-q", "-o", kern_model]
    times = {"svm-train": [], "kern": []}
    for i in range(runs + 3):
        for name, cmd in [("svm-train", libsvm), ("kern", ours)]:
            t = timed(cmd)
            if i >= 3:
                times[name].append(t)
    lib, k = statistics.median(times["svm-train"]), statistics.median(times["kern"])
    nsv_lib = next(int(l.split()[1]) for l in open(lib_model) if l.startswith("total_sv"))
    info = json.loads(subprocess.run([kern, "info", kern_model, "--json"], capture_output=True, text=True).stdout)
    print(f"{os.path.basename(data)}, median of {runs}: svm-train {1000 * lib:.2f} ms, kern {1000 * k:.2f} ms, "
          f"ratio {lib / k:.2f}x (kern / svm-train time {k / lib:.2f}); nSV {nsv_lib} / {info['params']['n_support']}")


if __name__ == "__main__":
    main()
