"""Kernel feature maps: scikit-learn's Nystroem and RBFSampler over kern's."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _kern
from ._common import _matrix, _seed, _threads, _width


class _FeatureMap(TransformerMixin, BaseEstimator):
    """A kernel feature map fitted by kern, applied by ``transform``."""

    def fit(self, X, y=None):
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, order="C")
        if not (isinstance(self.n_components, numbers.Integral) and self.n_components > 0):
            raise ValueError(f"n_components must be a positive integer, got {self.n_components!r}")
        params = _width(self.kernel, self.gamma, X)
        params.update(components=int(self.n_components), seed=_seed(self.random_state), **self._map_params())
        if params["components"] > X.shape[0] and params["approx"] == "nystroem":
            warnings.warn("n_components > n_samples: n_components was set to n_samples", UserWarning)
            params["components"] = X.shape[0]
        self._map = _kern.fit_map(_matrix(X), params, _threads(self.n_jobs))
        self.n_components_ = self._map.n_components
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = _matrix(validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False))
        return self._map.transform(X, _threads(self.n_jobs))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class Nystroem(_FeatureMap):
    """Nyström features, scikit-learn's ``Nystroem``: ``K(X, L) U Λ^(-1/2)``
    on ``n_components`` landmarks (uniform, greedy pivoted Cholesky, or ridge
    leverage scores)."""

    def __init__(self, kernel="rbf", *, gamma=None, n_components=100, landmarks="uniform", random_state=None, n_jobs=None):
        self.kernel = kernel
        self.gamma = gamma
        self.n_components = n_components
        self.landmarks = landmarks
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _map_params(self):
        return {"approx": "nystroem", "landmarks": self.landmarks}


class RandomFourierFeatures(_FeatureMap):
    """Random Fourier features of the RBF (or Matérn, Laplacian) kernel,
    scikit-learn's ``RBFSampler``; ``orthogonal`` draws the directions in
    orthogonal blocks."""

    def __init__(self, *, kernel="rbf", gamma=1.0, n_components=100, orthogonal=False, random_state=None, n_jobs=None):
        self.kernel = kernel
        self.gamma = gamma
        self.n_components = n_components
        self.orthogonal = orthogonal
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _map_params(self):
        return {"approx": "rff", "orthogonal": bool(self.orthogonal)}
