"""Kernel ridge: scikit-learn's KernelRidge, and Falkon (Nyström kernel
ridge by preconditioned conjugate gradient) for regression and
classification."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _kern
from ._common import _matrix, _PredictInterval, _positive, _seed, _threads, _weights, _width


class KernelRidge(_PredictInterval, RegressorMixin, BaseEstimator):
    """Kernel ridge regression, scikit-learn's ``KernelRidge`` over kern's
    engine (Cholesky refined to double accuracy); ``alpha="auto"`` chooses
    α by exact leave-one-out error. ``centre_targets=True`` takes each
    target's mean out before the fit and adds it to every prediction (kernel
    ridge has no intercept; ``dual_coef_`` then fits the targets less
    ``target_mean_``, which is 0 when they were fitted as given).

    >>> import numpy as np, kern
    >>> X = np.linspace(0, 3, 20)[:, None]; y = np.sin(X[:, 0])
    >>> m = kern.KernelRidge(alpha=1e-6, kernel="rbf", gamma=1.0).fit(X, y)
    >>> bool(abs(m.predict([[1.5]])[0] - np.sin(1.5)) < 1e-3)
    True
    """

    def __init__(
        self, alpha=1.0, *, kernel="linear", gamma=None, degree=3, coef0=1, centre_targets=False, n_jobs=None
    ):
        self.alpha = alpha
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.centre_targets = centre_targets
        self.n_jobs = n_jobs

    def _params(self, X):
        params = {
            **_width(self.kernel, self.gamma, X),
            "degree": self.degree,
            "coef0": float(self.coef0),
            "centre_targets": bool(self.centre_targets),
        }
        if isinstance(self.alpha, str):
            params["alpha"] = self.alpha
        elif isinstance(self.alpha, numbers.Real):
            params["alpha"] = float(self.alpha)
        else:
            raise ValueError("alpha must be a positive float or 'auto' (one alpha for every target)")
        return params

    def fit(self, X, y, sample_weight=None):
        """Fits the dual coefficients (K + α W⁻¹) a = y, one solve per target column."""
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=np.float64, order="C", multi_output=True, y_numeric=True
        )
        sample_weight = _weights(sample_weight, X)
        params = self._params(X)
        ys = y.reshape(len(y), -1)
        keep = _positive(sample_weight)
        if keep is not None:
            X, ys, sample_weight = X[keep], ys[keep], sample_weight[keep]
        threads = _threads(self.n_jobs)
        self._fitted = [
            _kern.fit("krr", _matrix(X), np.ascontiguousarray(ys[:, t], dtype=np.float64), [], sample_weight, params, threads)
            for t in range(ys.shape[1])
        ]
        dual = np.column_stack([f.ridge_dual_coef() for f in self._fitted])
        if keep is not None:
            full = np.zeros((len(y), dual.shape[1]))
            full[keep] = dual
            dual = full
        self.dual_coef_ = dual[:, 0] if y.ndim == 1 else dual
        self.alpha_ = self._fitted[0].ridge_alpha()
        means = np.array([f.ridge_target_mean() for f in self._fitted])
        self.target_mean_ = means[0] if y.ndim == 1 else means
        self.X_fit_ = X
        return self

    def predict(self, X):
        """K(X, X_fit) a."""
        check_is_fitted(self)
        X = _matrix(validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False))
        threads = _threads(self.n_jobs)
        out = np.column_stack([f.predict(X, threads) for f in self._fitted])
        return out[:, 0] if self.dual_coef_.ndim == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags



class _Falkon(BaseEstimator):
    """Falkon: Nyström kernel ridge on `n_centers` centres by preconditioned
    conjugate gradient (Rudi, Carratino & Rosasco 2017), kern's solver."""

    def __init__(
        self,
        alpha=1e-6,
        *,
        kernel="rbf",
        gamma="scale",
        n_centers=1000,
        landmarks="uniform",
        max_iter=None,
        tol=1e-3,
        random_state=None,
        n_jobs=None,
    ):
        self.alpha = alpha
        self.kernel = kernel
        self.gamma = gamma
        self.n_centers = n_centers
        self.landmarks = landmarks
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _params(self, X):
        if not (isinstance(self.n_centers, numbers.Integral) and self.n_centers > 0):
            raise ValueError(f"n_centers must be a positive integer, got {self.n_centers!r}")
        params = _width(self.kernel, self.gamma, X)
        params.update(
            approx="falkon",
            components=int(min(self.n_centers, X.shape[0])),
            landmarks=self.landmarks,
            alpha=float(self.alpha),
            tol=float(self.tol),
            max_iter=-1 if self.max_iter is None else int(self.max_iter),
            seed=_seed(self.random_state),
        )
        return params

    def _predict_codes(self, X):
        check_is_fitted(self)
        X = _matrix(validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False))
        return self._fitted.predict(X, _threads(self.n_jobs))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class FalkonRegressor(_PredictInterval, RegressorMixin, _Falkon):
    """Kernel ridge regression at scale by Falkon: ``alpha`` on kernel ridge's
    scale (λ = alpha / n), ``n_centers`` Nyström centres; ``conformal=SHARE``
    holds that share of the samples out to calibrate ``predict_interval``;
    ``centre_targets=True`` fits the targets about their mean (Falkon has no
    intercept)."""

    def __init__(
        self,
        alpha=1e-6,
        *,
        kernel="rbf",
        gamma="scale",
        n_centers=1000,
        landmarks="uniform",
        max_iter=None,
        tol=1e-3,
        conformal=None,
        centre_targets=False,
        random_state=None,
        n_jobs=None,
    ):
        super().__init__(
            alpha,
            kernel=kernel,
            gamma=gamma,
            n_centers=n_centers,
            landmarks=landmarks,
            max_iter=max_iter,
            tol=tol,
            random_state=random_state,
            n_jobs=n_jobs,
        )
        self.conformal = conformal
        self.centre_targets = centre_targets

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, order="C", y_numeric=True)
        w = _weights(sample_weight, X)
        keep = _positive(w)
        if keep is not None:
            X, y, w = X[keep], y[keep], w[keep]
        y = np.ascontiguousarray(y, dtype=np.float64)
        params = self._params(X)
        params["conformal"] = None if self.conformal is None else float(self.conformal)
        params["centre_targets"] = bool(self.centre_targets)
        self._fitted = _kern.fit("krr", _matrix(X), y, [], w, params, _threads(self.n_jobs))
        self.n_iter_ = self._fitted.falkon_iterations()
        return self

    def predict(self, X):
        return self._predict_codes(X)


class FalkonClassifier(ClassifierMixin, _Falkon):
    """Classification at scale by Falkon on ±1 targets (one column for two
    classes, one per class beyond), predicting the largest score."""

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, order="C")
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"The number of classes has to be greater than one; got {len(self.classes_)} class")
        w = _weights(sample_weight, X)
        keep = _positive(w)
        if keep is not None:
            X, codes, w = X[keep], codes[keep], w[keep]
        classes = [str(c) for c in self.classes_]
        params = self._params(X)
        self._fitted = _kern.fit("svc", _matrix(X), codes.astype(np.float64), classes, w, params, _threads(self.n_jobs))
        self.n_iter_ = self._fitted.falkon_iterations()
        return self

    def predict(self, X):
        codes = self._predict_codes(X).astype(np.intp)
        return self.classes_[codes]
