"""What kern's estimators share: reading X for the engine, scikit-learn's
conventions for gamma, n_jobs, random_state and sample weights."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import _check_sample_weight

KERNELS = ("rbf", "linear", "poly", "sigmoid", "laplacian", "matern12", "matern32", "matern52")
STRING_KERNELS = ("spectrum", "mismatch", "wd", "ssk")
GRAPH_KERNELS = ("wl", "sp", "rw")


def _structured(X, kernel):
    """Sequences (str or bytes) or graphs ((node_labels, edges) pairs) as
    the engine takes them."""
    if kernel in STRING_KERNELS:
        return [x.encode() if isinstance(x, str) else bytes(x) for x in X]
    return [([int(v) for v in labels], [(int(u), int(v)) for u, v in edges]) for labels, edges in X]


def _matrix(X):
    """X as the engine reads it: a C-contiguous float64 array (no copy when
    it is one), or the parts of a CSR matrix with sorted, unique indices."""
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float64, copy=True)
        X.sum_duplicates()
        X.sort_indices()
        return (
            np.ascontiguousarray(X.data, dtype=np.float64),
            X.indices.astype(np.int64),
            X.indptr.astype(np.int64),
            X.shape[1],
        )
    return np.ascontiguousarray(X, dtype=np.float64)


def _threads(n_jobs):
    """kern's thread count for scikit-learn's n_jobs (None or -1: all cores)."""
    if n_jobs is None or n_jobs == -1:
        return 0
    if isinstance(n_jobs, numbers.Integral) and n_jobs > 0:
        return int(n_jobs)
    raise ValueError(f"n_jobs must be None, -1 or a positive integer, got {n_jobs!r}")


def _seed(random_state):
    """An integer seed for kern from scikit-learn's random_state."""
    if random_state is None:
        return 0
    if isinstance(random_state, numbers.Integral):
        return int(random_state) & 0xFFFFFFFFFFFFFFFF
    return int(np.random.RandomState(random_state).randint(0, 2**31 - 1))


def _gamma(gamma, X):
    """gamma as scikit-learn resolves it: 'scale' is 1 / (n_features Var(X)),
    'auto' 1 / n_features."""
    if isinstance(gamma, str):
        if gamma == "scale":
            if sp.issparse(X):
                var = X.multiply(X).mean() - X.mean() ** 2
            else:
                var = X.var()
            return 1.0 / (X.shape[1] * var) if var != 0 else 1.0
        if gamma == "auto":
            return 1.0 / X.shape[1]
        raise ValueError(f"gamma must be 'scale', 'auto' or a positive float, got {gamma!r}")
    if isinstance(gamma, numbers.Real) and gamma > 0:
        return float(gamma)
    raise ValueError(f"gamma must be 'scale', 'auto' or a positive float, got {gamma!r}")


def _weights(sample_weight, X):
    """Checked sample weights (None when not given)."""
    if sample_weight is None:
        return None
    w = _check_sample_weight(sample_weight, X, dtype=np.float64)
    if np.any(w < 0):
        raise ValueError("sample_weight must be non-negative")
    return w



def _positive(sample_weight):
    """The rows of positive weight, or None when every row has one (or no
    weights are given): samples of weight zero take no part, as in
    scikit-learn's libsvm."""
    if sample_weight is None or np.all(sample_weight > 0):
        return None
    keep = np.flatnonzero(sample_weight > 0)
    if len(keep) == 0:
        raise ValueError("Invalid input - all samples have zero or negative weights.")
    return keep


def _width(kernel, gamma, X):
    """The parameters of a vector kernel and its width: gamma as
    scikit-learn resolves it, a Matérn lengthscale 1/√(2γ); None leaves
    kern's default (1/n_features, as LIBSVM's)."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    params = {"kernel": kernel}
    if gamma is None:
        return params
    g = _gamma(gamma, X)
    if kernel.startswith("matern"):
        params["lengthscale"] = 1.0 / np.sqrt(2.0 * g)
    elif kernel != "linear":
        params["gamma"] = g
    return params


class _PredictInterval:
    """``predict_interval`` for the regressors: split-conformal for a model
    fitted with ``conformal=SHARE``, jackknife+ for exact kernel ridge,
    Gaussian for a GP."""

    def _interval_X(self, X):
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        return _matrix(validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False))

    def predict_interval(self, X, level=0.9):
        """``(prediction, lower, upper)``: intervals meant to hold a new
        target with probability ``level``."""
        X = self._interval_X(X)
        fitted = self._fitted
        if isinstance(fitted, list):
            if len(fitted) != 1:
                raise ValueError("predict_interval takes one target; this model has several")
            fitted = fitted[0]
        return fitted.predict_interval(X, float(level), _threads(self.n_jobs))
