"""kern's sparse GP (--approx sgpr) on the UCI regression sets of the
published exact-vs-approximate GP comparison (Wang et al. 2019): features
and target standardised with training statistics, a seeded 64/16/20 split,
test RMSE and negative log likelihood in standardised units, beside the
published exact-GP and SGPR (512 inducing points) RMSE.

Usage: sgpr_uci.py KERN_BINARY DATA_DIR [M] [RESTARTS] [SET ...]; KERNEL=matern32 (or
any --kernel) and LANDMARKS=greedy or kmeans in the environment change the kernel (rbf)
and how the inducing points are chosen (uniform); FLAGS adds options to
`kern fit` (e.g. FLAGS="--ard --learn-inducing"). PEER=gpytorch also runs
GPyTorch's SGPR on the same split, same M, kernel (ARD when FLAGS has --ard)
and uniformly chosen starting inducing points, by its documented training
loop (50 Adam steps at lr 0.1; it learns the inducing locations), on
THREADS (2) CPU threads, and prints kern's speed as a ratio. FROZEN=1
holds GPyTorch's inducing points where they start, as kern's are without
--learn-inducing.

APPROX=rff or APPROX=nystroem fits kern's GP on M random Fourier or
Nyström features instead (hyperparameters by the evidence on them); with
PEER=gpytorch and APPROX=rff the peer is GPyTorch's exact GP on its
RFFKernel with M features (M/2 frequencies, a cosine and a sine each), by
the same training loop."""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from regression_splits import uci, write_parts

PUBLISHED = {"elevators": (0.394, 0.437), "pol": (0.151, 0.217), "bike": (0.220, 0.362)}

kern_bin, data_dir = sys.argv[1], sys.argv[2]
m = int(sys.argv[3]) if len(sys.argv) > 3 else 512
restarts = int(sys.argv[4]) if len(sys.argv) > 4 else 0
sets = sys.argv[5:] or list(PUBLISHED)
approx = os.environ.get("APPROX", "sgpr")



def scores(y, mu, sd):
    """Test RMSE, mean negative log likelihood and 95 % coverage."""
    rmse = float(np.sqrt(np.mean((y - mu) ** 2)))
    nll = float(np.mean(0.5 * np.log(2 * np.pi * sd**2) + (y - mu) ** 2 / (2 * sd**2)))
    cover = float(np.mean(np.abs(y - mu) <= 1.959964 * sd))
    return rmse, nll, cover


def gpytorch_rff(train, test, m, seed=0):
    """GPyTorch's exact GP on its RFF kernel (M features), its training
    loop: the seconds of fit and predict, and the predictive mean and sd."""
    import gpytorch
    import torch

    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    torch.manual_seed(seed)
    x, y = torch.tensor(train[:, :-1], dtype=torch.float32), torch.tensor(train[:, -1], dtype=torch.float32)
    tx = torch.tensor(test[:, :-1], dtype=torch.float32)

    class Rff(gpytorch.models.ExactGP):
        def __init__(self, likelihood):
            super().__init__(x, y, likelihood)
            self.mean_module = gpytorch.means.ConstantMean()
            self.covar_module = gpytorch.kernels.ScaleKernel(gpytorch.kernels.RFFKernel(num_samples=m // 2))

        def forward(self, z):
            return gpytorch.distributions.MultivariateNormal(self.mean_module(z), self.covar_module(z))

    return train_and_predict(Rff, x, y, tx)


def train_and_predict(model_class, x, y, tx):
    """GPyTorch's documented loop (50 Adam steps at lr 0.1), then the
    predictive mean and sd of a new observation at `tx`; and the seconds."""
    import gpytorch
    import torch

    likelihood = gpytorch.likelihoods.GaussianLikelihood()
    model = model_class(likelihood)
    start = time.perf_counter()
    model.train()
    likelihood.train()
    if os.environ.get("FROZEN") and hasattr(model.covar_module, "inducing_points"):
        model.covar_module.inducing_points.requires_grad_(False)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.1)
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(likelihood, model)
    for _ in range(50):
        optimizer.zero_grad()
        loss = -mll(model(x), y)
        loss.backward()
        optimizer.step()
    model.eval()
    likelihood.eval()
    with torch.no_grad(), gpytorch.settings.fast_pred_var():
        p = likelihood(model(tx))
        mu, sd = p.mean.numpy().astype(np.float64), p.variance.sqrt().numpy().astype(np.float64)
    return time.perf_counter() - start, mu, sd


def gpytorch_sgpr(train, test, m, kernel, ard, seed=0):
    """GPyTorch's SGPR example (InducingPointKernel), its training loop:
    the seconds of fit and predict, and the predictive mean and sd."""
    import gpytorch
    import torch

    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    torch.manual_seed(seed)
    x, y = torch.tensor(train[:, :-1], dtype=torch.float32), torch.tensor(train[:, -1], dtype=torch.float32)
    tx = torch.tensor(test[:, :-1], dtype=torch.float32)
    d = x.shape[1] if ard else None
    base = {"rbf": lambda: gpytorch.kernels.RBFKernel(ard_num_dims=d),
            "matern32": lambda: gpytorch.kernels.MaternKernel(nu=1.5, ard_num_dims=d),
            "matern52": lambda: gpytorch.kernels.MaternKernel(nu=2.5, ard_num_dims=d)}[kernel]()
    start_points = x[np.sort(np.random.default_rng(seed).choice(len(x), m, replace=False))].clone()

    class Sgpr(gpytorch.models.ExactGP):
        def __init__(self, likelihood):
            super().__init__(x, y, likelihood)
            self.mean_module = gpytorch.means.ConstantMean()
            self.covar_module = gpytorch.kernels.InducingPointKernel(
                gpytorch.kernels.ScaleKernel(base), inducing_points=start_points, likelihood=likelihood)

        def forward(self, z):
            return gpytorch.distributions.MultivariateNormal(self.mean_module(z), self.covar_module(z))

    return train_and_predict(Sgpr, x, y, tx)


print(f"{'set':10} {'n train':>8} {'M':>5} {'seconds':>8} {'RMSE':>7} {'NLL':>7} {'95 % cover':>10}  published exact / SGPR RMSE")
for name in sets:
    train, test = uci(data_dir, name)
    n_train = len(train)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_parts(tmp, train, test)
        model = os.path.join(tmp, "m.kern")
        cmd = [kern_bin, "fit", paths["train"], "--label-col", "y", "--task", "gp", "--approx", approx,
               "--components", str(m), "--restarts", str(restarts), "--normalize-y", "off", "-o", model, "--json", "-q",
               "--kernel", os.environ.get("KERNEL", "rbf")]
        if approx != "rff":
            cmd += ["--landmarks", os.environ.get("LANDMARKS", "uniform")]
        cmd += os.environ.get("FLAGS", "").split()
        start = time.perf_counter()
        report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        out = os.path.join(tmp, "p.txt")
        subprocess.run([kern_bin, "predict", model, paths["test"], "--label-col", "y", "--std", "-o", out, "-q"], check=True)
        seconds = time.perf_counter() - start
        pred = np.loadtxt(out)
        mu, sd = pred[:, 0], pred[:, 1]
        y = test[:, -1]
        rmse, nll, cover = scores(y, mu, sd)
        exact, sgpr = PUBLISHED.get(name, (float("nan"), float("nan")))
        print(f"{name:10} {n_train:8d} {m:5d} {seconds:8.1f} {rmse:7.4f} {nll:7.3f} {100 * cover:9.2f} %  {exact} / {sgpr}")
        print(f"{'':10} {report['kernel_expression'][:200]}")
        if os.environ.get("PEER") == "gpytorch":
            ard = "--ard" in os.environ.get("FLAGS", "")
            if approx == "rff":
                peer_seconds, pmu, psd = gpytorch_rff(train, test, m)
            else:
                peer_seconds, pmu, psd = gpytorch_sgpr(train, test, m, os.environ.get("KERNEL", "rbf"), ard)
            prmse, pnll, pcover = scores(y, pmu, psd)
            print(f"{'  gpytorch':10} {n_train:8d} {m:5d} {peer_seconds:8.1f} {prmse:7.4f} {pnll:7.3f} {100 * pcover:9.2f} %"
                  f"  kern {peer_seconds / seconds:.2f}x as fast (each: fit and predict; kern's two processes read and write files)")
