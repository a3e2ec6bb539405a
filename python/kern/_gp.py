"""Gaussian processes: exact regression and Laplace classification,
hyperparameters by the (approximate) log marginal likelihood."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _kern
from ._common import _matrix, _seed, _threads, _width


class GaussianProcessRegressor(RegressorMixin, BaseEstimator):
    """Exact GP regression: ``amplitude × kernel + noise``, every
    hyperparameter left ``None`` fitted by the log marginal likelihood
    (L-BFGS-B from ``n_restarts_optimizer`` extra seeded starts). ``alpha`` is
    the noise variance (of the normalised targets); ``predict(X,
    return_std=True)`` gives the standard deviation of a new observation,
    noise included (scikit-learn's with a ``WhiteKernel``)."""

    def __init__(
        self,
        kernel="rbf",
        *,
        gamma=None,
        amplitude=None,
        alpha=None,
        normalize_y=True,
        n_restarts_optimizer=5,
        random_state=None,
        n_jobs=None,
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.amplitude = amplitude
        self.alpha = alpha
        self.normalize_y = normalize_y
        self.n_restarts_optimizer = n_restarts_optimizer
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64, order="C", y_numeric=True)
        params = _width(self.kernel, self.gamma, X)
        params.update(
            noise=None if self.alpha is None else float(self.alpha),
            amplitude=None if self.amplitude is None else float(self.amplitude),
            normalize_y=bool(self.normalize_y),
            restarts=int(self.n_restarts_optimizer),
            seed=_seed(self.random_state),
        )
        y = np.ascontiguousarray(y, dtype=np.float64)
        self._fitted = _kern.fit("gp", _matrix(X), y, [], None, params, _threads(self.n_jobs))
        a = self._fitted.gp_attributes()
        self.log_marginal_likelihood_value_ = a["log_marginal_likelihood"]
        self.noise_ = a["noise"]
        self.kernel_ = a["kernel"]
        self.hyperparameters_ = dict(a["hyperparameters"])
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
    by the approximate log marginal likelihood unless given."""

    def __init__(self, kernel="rbf", *, gamma=None, amplitude=None, n_restarts_optimizer=0, random_state=None, n_jobs=None):
        self.kernel = kernel
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
        params = _width(self.kernel, self.gamma, X)
        params.update(
            amplitude=None if self.amplitude is None else float(self.amplitude),
            restarts=int(self.n_restarts_optimizer),
            seed=_seed(self.random_state),
        )
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
