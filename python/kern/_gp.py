"""Gaussian processes: exact regression and Laplace classification,
hyperparameters by the (approximate) log marginal likelihood."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _kern
from ._common import KERNELS, _matrix, _PredictInterval, _seed, _threads, _width


def _kernel_params(kernel, gamma, amplitude, X):
    """The kernel parameters of a GP: a kernel name with its width, or a
    kernel expression (a string, or a scikit-learn kernel object turned into
    one) that carries its own amplitudes and widths."""
    if isinstance(kernel, str) and kernel in KERNELS:
        return _width(kernel, gamma, X)
    expression = kernel if isinstance(kernel, str) else _sklearn_expression(kernel)
    if gamma is not None or amplitude is not None:
        raise ValueError("gamma and amplitude do not apply to a kernel expression: write the values in it")
    return {"kernel_expression": expression}


def _noise(alpha, n):
    """The noise variance and sample weights of ``alpha``: None (fitted), a
    number (held), or one positive number per sample (scikit-learn's
    per-sample noise, held: variance 1 and weights 1/alpha)."""
    if alpha is None:
        return None, None
    a = np.asarray(alpha, dtype=np.float64)
    if a.ndim == 0:
        return float(a), None
    if a.shape != (n,) or not np.all(np.isfinite(a) & (a > 0)):
        raise ValueError(f"alpha must be a positive number or {n} positive numbers, one per sample")
    return 1.0, np.ascontiguousarray(1.0 / a)


def _held(kernel, name):
    """'!' when scikit-learn holds the hyperparameter ``name`` (bounds "fixed")."""
    bounds = getattr(kernel, f"{name}_bounds", None)
    return "!" if isinstance(bounds, str) and bounds == "fixed" else ""


def _sklearn_expression(kernel):
    """A scikit-learn kernel (``sklearn.gaussian_process.kernels``) as a kern
    kernel expression: sums, products, ConstantKernel, RBF, Matern (nu 0.5,
    1.5, 2.5), ExpSineSquared, RationalQuadratic, DotProduct, WhiteKernel.
    Fixed bounds become held values."""
    from sklearn.gaussian_process import kernels as k

    def scalar(value, what):
        value = np.asarray(value, dtype=np.float64)
        if value.size != 1:
            raise ValueError(f"{what}: kern takes one value (no anisotropic length scales in an expression)")
        return float(value.reshape(-1)[0])

    def walk(node, in_product=False):
        if isinstance(node, k.Sum):
            text = f"{walk(node.k1)} + {walk(node.k2)}"
            return f"({text})" if in_product else text
        if isinstance(node, k.Product):
            return f"{walk(node.k1, True)}*{walk(node.k2, True)}"
        if isinstance(node, k.ConstantKernel):
            return f"{scalar(node.constant_value, 'ConstantKernel')!r}{_held(node, 'constant_value')}"
        if isinstance(node, k.WhiteKernel):
            return f"white({scalar(node.noise_level, 'WhiteKernel')!r}{_held(node, 'noise_level')})"
        if isinstance(node, k.Matern):
            names = {0.5: "matern12", 1.5: "matern32", 2.5: "matern52"}
            if node.nu not in names:
                raise ValueError(f"Matern nu={node.nu}: kern has nu 0.5, 1.5 and 2.5")
            ls = scalar(node.length_scale, "Matern")
            return f"{names[node.nu]}(ls={ls!r}{_held(node, 'length_scale')})"
        if isinstance(node, k.RBF):
            return f"rbf(ls={scalar(node.length_scale, 'RBF')!r}{_held(node, 'length_scale')})"
        if isinstance(node, k.ExpSineSquared):
            ls, p = scalar(node.length_scale, "ExpSineSquared"), scalar(node.periodicity, "ExpSineSquared")
            return f"periodic(ls={ls!r}{_held(node, 'length_scale')}, p={p!r}{_held(node, 'periodicity')})"
        if isinstance(node, k.RationalQuadratic):
            ls, a = scalar(node.length_scale, "RationalQuadratic"), scalar(node.alpha, "RationalQuadratic")
            return f"rq(ls={ls!r}{_held(node, 'length_scale')}, a={a!r}{_held(node, 'alpha')})"
        if isinstance(node, k.DotProduct):
            return f"dot(sigma0={scalar(node.sigma_0, 'DotProduct')!r}{_held(node, 'sigma_0')})"
        raise ValueError(
            f"kernel {node!r}: kern takes a kernel name ({', '.join(KERNELS)}), a kern kernel expression, "
            "or a scikit-learn kernel built from Sum, Product, ConstantKernel, RBF, Matern, ExpSineSquared, "
            "RationalQuadratic, DotProduct and WhiteKernel"
        )

    return walk(kernel)


class GaussianProcessRegressor(_PredictInterval, RegressorMixin, BaseEstimator):
    """Exact GP regression: ``amplitude × kernel + noise``, every
    hyperparameter left ``None`` fitted by the log marginal likelihood
    (L-BFGS-B from ``n_restarts_optimizer`` extra seeded starts; ``None``: 5
    for an exact GP, none for an approximate one). ``alpha`` is
    the noise variance (of the normalised targets), held; an array gives each
    sample its own (scikit-learn's per-sample ``alpha``); ``predict(X,
    return_std=True)`` gives the standard deviation of a new observation,
    noise included (scikit-learn's with a ``WhiteKernel``).

    ``kernel`` is a name, or the whole covariance: a kern kernel expression
    (``"2500*rbf(ls=50) + 4*rbf(ls=100)*periodic(ls=1,p=1!) + white(0.01)"``,
    values marked ``!`` held) or a scikit-learn kernel object
    (``50.0**2 * RBF(50.0) + WhiteKernel(0.01)``), whose fixed bounds are held.
    ``kernel_`` is the fitted expression.

    ``ard=True`` gives ``rbf``, ``matern32`` and ``matern52`` one lengthscale
    per feature. ``n_components=M`` fits a sparse GP on M inducing points
    instead (Titsias' collapsed bound, ``O(n M²)``; ``inducing`` chooses them,
    ``learn_inducing`` moves them too, ``posterior_components=M'`` puts the
    posterior, mean and intervals, on M' inducing points (the fit's and more
    samples; the kernel kept, the noise re-fitted by the bound), closer to
    the exact GP's at one more ``O(n M'²)`` pass; ``fit_samples=N`` learns the hyperparameters on N rows, 50,000 by
    default); ``log_marginal_likelihood_value_`` is then the bound and
    ``inducing_points_`` the points. ``approx="rff"`` or ``"nystroem"`` with
    ``n_components=M`` fits the GP on M random Fourier or Nyström features
    instead, its hyperparameters by its own evidence (``O(n M²)``)."""

    def __init__(
        self,
        kernel="rbf",
        *,
        gamma=None,
        amplitude=None,
        alpha=None,
        normalize_y=True,
        n_restarts_optimizer=None,
        ard=False,
        n_components=None,
        approx="sgpr",
        inducing="uniform",
        learn_inducing=False,
        posterior_components=None,
        fit_samples=None,
        random_state=None,
        n_jobs=None,
    ):
        self.kernel = kernel
        self.ard = ard
        self.n_components = n_components
        self.approx = approx
        self.inducing = inducing
        self.learn_inducing = learn_inducing
        self.posterior_components = posterior_components
        self.fit_samples = fit_samples
        self.gamma = gamma
        self.amplitude = amplitude
        self.alpha = alpha
        self.normalize_y = normalize_y
        self.n_restarts_optimizer = n_restarts_optimizer
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64, order="C", y_numeric=True)
        params = _kernel_params(self.kernel, self.gamma, self.amplitude, X)
        noise, weights = _noise(self.alpha, X.shape[0])
        params.update(
            noise=noise,
            amplitude=None if self.amplitude is None else float(self.amplitude),
            normalize_y=bool(self.normalize_y),
            restarts=None if self.n_restarts_optimizer is None else int(self.n_restarts_optimizer),
            seed=_seed(self.random_state),
            ard=bool(self.ard),
        )
        if self.n_components is not None:
            params.update(approx=str(self.approx), components=int(self.n_components), landmarks=str(self.inducing),
                          learn_inducing=bool(self.learn_inducing))
            if self.posterior_components is not None:
                params.update(posterior_components=int(self.posterior_components))
            if self.fit_samples is not None:
                params.update(fit_samples=int(self.fit_samples))
        y = np.ascontiguousarray(y, dtype=np.float64)
        self._fitted = _kern.fit("gp", _matrix(X), y, [], weights, params, _threads(self.n_jobs))
        a = self._fitted.gp_attributes()
        self.log_marginal_likelihood_value_ = a["log_marginal_likelihood"]
        self.noise_ = a["noise"]
        self.kernel_ = a["kernel"]
        self.hyperparameters_ = dict(a["hyperparameters"])
        if "inducing_points" in a:
            self.inducing_points_ = a["inducing_points"]
        return self

    def _X(self, X):
        check_is_fitted(self)
        return _matrix(validate_data(self, X, dtype=np.float64, reset=False))

    def predict(self, X, return_std=False, return_cov=False):
        """The posterior mean, and with ``return_std`` the standard deviation
        of a new observation (noise included)."""
        if return_cov:
            raise ValueError("return_cov is not supported by kern's GaussianProcessRegressor; use return_std")
        X = self._X(X)
        mean, _, std = self._fitted.predict_gp(X, _threads(self.n_jobs))
        return (mean, std) if return_std else mean

    def sample_y(self, X, n_samples=1, random_state=0):
        """Draws of the latent function at X from the posterior, ``(n, n_samples)``."""
        X = self._X(X)
        return self._fitted.sample_gp(X, int(n_samples), _seed(random_state), _threads(self.n_jobs))


class GaussianProcessClassifier(ClassifierMixin, BaseEstimator):
    """GP classification by the Laplace approximation (one-vs-rest beyond
    two classes): ``amplitude × kernel``, ``gamma`` and ``amplitude`` fitted
    by the approximate log marginal likelihood unless given. With
    ``n_components=M`` the Laplace approximation is in weight space on M
    Nyström (``approx="nystroem"``, landmarks by ``inducing``) or random
    Fourier (``approx="rff"``) features, ``O(n M²)``, for data too large for
    the exact one (hyperparameters on ``fit_samples`` rows, 50,000 by default)."""

    def __init__(
        self,
        kernel="rbf",
        *,
        gamma=None,
        amplitude=None,
        n_restarts_optimizer=0,
        n_components=None,
        approx="nystroem",
        inducing="uniform",
        fit_samples=None,
        random_state=None,
        n_jobs=None,
    ):
        self.kernel = kernel
        self.n_components = n_components
        self.approx = approx
        self.inducing = inducing
        self.fit_samples = fit_samples
        self.gamma = gamma
        self.amplitude = amplitude
        self.n_restarts_optimizer = n_restarts_optimizer
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"The number of classes has to be greater than one; got {len(self.classes_)} class")
        params = _kernel_params(self.kernel, self.gamma, self.amplitude, X)
        params.update(
            amplitude=None if self.amplitude is None else float(self.amplitude),
            restarts=int(self.n_restarts_optimizer),
            seed=_seed(self.random_state),
        )
        if self.n_components is not None:
            params.update(approx=str(self.approx), components=int(self.n_components), landmarks=str(self.inducing))
            if self.fit_samples is not None:
                params.update(fit_samples=int(self.fit_samples))
        classes = [str(c) for c in self.classes_]
        self._fitted = _kern.fit("gpc", _matrix(X), codes.astype(np.float64), classes, None, params, _threads(self.n_jobs))
        self.log_marginal_likelihood_value_ = self._fitted.gpc_log_marginal_likelihood()
        return self

    def _X(self, X):
        check_is_fitted(self)
        return _matrix(validate_data(self, X, dtype=np.float64, reset=False))

    def predict(self, X):
        X = self._X(X)
        return self.classes_[self._fitted.predict(X, _threads(self.n_jobs)).astype(np.intp)]

    def predict_proba(self, X):
        """Class probabilities (the Laplace approximation's averaged predictive)."""
        X = self._X(X)
        return self._fitted.predict_proba(X, _threads(self.n_jobs))
