"""The SVMs: scikit-learn's SVC, NuSVC, SVR, NuSVR and OneClassSVM over
kern's engine (LIBSVM's problems, solved by kern's SMO)."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, OutlierMixin, RegressorMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _ovr_decision_function, check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _kern
from ._common import (
    GRAPH_KERNELS,
    STRING_KERNELS,
    _matrix,
    _PredictInterval,
    _positive,
    _seed,
    _structured,
    _threads,
    _weights,
    _width,
)


class _KernSVM(BaseEstimator):
    """What the SVMs share: the kernel, the solver options, fitting through kern."""

    _task = None

    def _kernel_params(self, X):
        if self.kernel == "precomputed":
            return {"kernel": "precomputed"}
        return {**_width(self.kernel, self.gamma, X), "degree": self.degree, "coef0": float(self.coef0)}

    def _solver_params(self):
        # working_set (SVC, SVR, OneClassSVM): working sets of that many
        # variables instead of LIBSVM's pairs.
        working_set = getattr(self, "working_set", None)
        if working_set is None:
            return {}
        if not (isinstance(working_set, numbers.Integral) and working_set >= 2):
            raise ValueError(f"working_set must be an integer of at least 2 or None, got {working_set!r}")
        return {"working_set": int(working_set)}

    def _fit(self, X, y, classes, sample_weight, extra):
        params = self._kernel_params(X)
        params.update(
            tol=float(self.tol),
            cache_size=float(self.cache_size),
            shrinking=bool(self.shrinking),
            max_iter=int(self.max_iter),
        )
        params.update(self._solver_params())
        params.update(extra)
        keep = _positive(sample_weight)
        if keep is not None:
            X, sample_weight = X[keep], sample_weight[keep]
            y = None if y is None else y[keep]
        self._fitted = _kern.fit(self._task, self._samples(X, keep), y, classes, sample_weight, params, _threads(self.n_jobs))
        a = self._fitted.svm_attributes()
        support = np.asarray(a["support"], dtype=np.int32)
        if extra.get("conformal") is not None:
            # Fitted on the rows the calibration share left.
            rows = np.asarray(_kern.fit_rows(X.shape[0], extra["conformal"], extra["seed"]), dtype=np.int32)
            support = rows[support]
        self.support_ = support if keep is None else keep[support].astype(np.int32)
        sv = a["support_vectors"]
        if self.kernel == "precomputed":
            sv = np.empty((0, 0))  # as scikit-learn: the Gram matrix holds them
        self.support_vectors_ = sp.csr_matrix(sv) if sp.issparse(X) else sv
        self._dual_coef = a["dual_coef"]
        self._rho = np.asarray(a["rho"])
        self._n_support = np.asarray(a["n_support"], dtype=np.int32)
        self.n_iter_ = np.asarray(a["n_iter"], dtype=np.int32)
        self.fit_status_ = 0
        self.shape_fit_ = X.shape
        self._prob_a, self._prob_b = np.asarray(a["prob_a"]), np.asarray(a["prob_b"])
        return self

    def save_model(self, path):
        """Writes a model file that ``kern predict`` reads (classes as text)."""
        check_is_fitted(self)
        self._fitted.save(str(path))

    def _samples(self, X, keep=None):
        """X as the engine reads it; with a precomputed kernel, the Gram
        matrix's rows behind a column of sample numbers (kern's precomputed
        layout, LIBSVM's `0:i`): the training rows numbered 1..n (the
        columns of the Gram matrix they keep), new rows 0."""
        if self.kernel != "precomputed":
            return _matrix(X)
        X = X.toarray() if sp.issparse(X) else np.asarray(X)
        ids = np.zeros(X.shape[0]) if keep is False else (np.arange(1, X.shape[0] + 1) if keep is None else keep + 1.0)
        return np.ascontiguousarray(np.hstack([np.asarray(ids, dtype=np.float64)[:, None], X]))

    def _check_X(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        return self._samples(X, False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _KernClassifier(ClassifierMixin, _KernSVM):
    """SVC and NuSVC: classes by scikit-learn's conventions over kern's fit.
    With a string kernel X is a list of str (or bytes), with a graph kernel a
    list of ``(node_labels, edges)`` pairs."""

    def _is_structured(self):
        return self.kernel in STRING_KERNELS + GRAPH_KERNELS

    def _fit_structured(self, X, y, sample_weight):
        y = np.asarray(y)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"The number of classes has to be greater than one; got {len(self.classes_)} class")
        samples = _structured(X, self.kernel)
        w = _weights(sample_weight, samples)
        keep = _positive(w)
        if keep is not None:
            samples, codes, w = [samples[i] for i in keep], codes[keep], w[keep]
        params = {"kernel": self.kernel, "k": self.k, **(self.kernel_params or {})}
        params.update(tol=float(self.tol), cache_size=float(self.cache_size), shrinking=bool(self.shrinking))
        params.update(max_iter=int(self.max_iter), probability=bool(self.probability), seed=_seed(self.random_state))
        params.update(self._solver_params())
        params.update(self._problem_params(y))
        classes = [str(c) for c in self.classes_]
        codes = codes.astype(np.float64)
        self._fitted = _kern.fit_structured(self._task, samples, codes, classes, w, params, _threads(self.n_jobs))
        support, dual_coef, rho, n_support = self._fitted.structured_svm()
        support = np.asarray(support, dtype=np.int32)
        self.support_ = support if keep is None else keep[support].astype(np.int32)
        self.support_vectors_ = [X[i] for i in self.support_]
        self._dual_coef, self._rho = np.asarray(dual_coef), np.asarray(rho)
        self._n_support = np.asarray(n_support, dtype=np.int32)
        self._prob_a = self._prob_b = np.array([])
        return self

    def fit(self, X, y, sample_weight=None):
        """Fits the classifier on X (dense or sparse; sequences or graphs
        for their kernels) and labels y."""
        if self._is_structured():
            return self._fit_structured(X, y, sample_weight)
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, order="C")
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"The number of classes has to be greater than one; got {len(self.classes_)} class"
            )
        sample_weight = _weights(sample_weight, X)
        extra = {"probability": bool(self.probability), "seed": _seed(self.random_state)}
        extra.update(self._problem_params(y))
        sample_weight = self._class_sample_weight(codes, sample_weight)
        classes = [str(c) for c in self.classes_]
        return self._fit(X, codes.astype(np.float64), classes, sample_weight, extra)

    def _problem_params(self, y):
        return {}

    def _class_sample_weight(self, codes, sample_weight):
        return sample_weight

    @property
    def n_support_(self):
        check_is_fitted(self)
        return self._n_support

    @property
    def dual_coef_(self):
        """scikit-learn's sign: negated for two classes, so that a positive
        decision value means classes_[1]."""
        check_is_fitted(self)
        return -self._dual_coef if len(self.classes_) == 2 else self._dual_coef

    @property
    def intercept_(self):
        check_is_fitted(self)
        return self._rho.copy() if len(self.classes_) == 2 else -self._rho

    @property
    def probA_(self):
        return self._prob_a

    @property
    def probB_(self):
        return self._prob_b

    def _ovo(self, X):
        if self._is_structured():
            check_is_fitted(self)
            return self._fitted.decision_structured(_structured(X, self.kernel), _threads(self.n_jobs))
        X = self._check_X(X)
        return self._fitted.decision_values(X, _threads(self.n_jobs))

    def decision_function(self, X):
        """Decision values: (n,) for two classes (positive for classes_[1]),
        else one column per class ('ovr') or per pair ('ovo')."""
        dec = self._ovo(X)
        if len(self.classes_) == 2:
            return -dec[:, 0]
        if self.decision_function_shape == "ovr":
            return _ovr_decision_function(dec < 0, -dec, len(self.classes_))
        return dec

    def predict(self, X):
        """The class of each sample: one-vs-one votes (LIBSVM's), or with
        break_ties the largest 'ovr' decision value."""
        if self.break_ties and self.decision_function_shape == "ovo":
            raise ValueError("break_ties must be False when decision_function_shape is 'ovo'")
        if self.break_ties and self.decision_function_shape == "ovr" and len(self.classes_) > 2:
            return self.classes_[np.argmax(self.decision_function(X), axis=1)]
        if self._is_structured():
            check_is_fitted(self)
            codes = self._fitted.predict_structured(_structured(X, self.kernel), _threads(self.n_jobs))
            return self.classes_[codes.astype(np.intp)]
        X = self._check_X(X)
        codes = self._fitted.predict(X, _threads(self.n_jobs)).astype(np.intp)
        return self.classes_[codes]

    def _check_proba(self):
        if not self.probability:
            raise AttributeError("predict_proba is not available when probability=False")
        return True

    @available_if(_check_proba)
    def predict_proba(self, X):
        """Class probabilities by Platt scaling and pairwise coupling (LIBSVM's)."""
        X = self._check_X(X)
        return self._fitted.predict_proba(X, _threads(self.n_jobs))

    @available_if(_check_proba)
    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))


class SVC(_KernClassifier):
    """C-support vector classification (LIBSVM's C-SVC), scikit-learn's
    ``SVC`` over kern's engine.

    >>> import numpy as np, kern
    >>> X = np.array([[0.0], [0.2], [1.0], [1.2]]); y = np.array([0, 0, 1, 1])
    >>> kern.SVC(C=10).fit(X, y).predict([[0.1], [1.1]]).tolist()
    [0, 1]
    """

    _task = "svc"

    def __init__(
        self,
        *,
        C=1.0,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        shrinking=True,
        probability=False,
        tol=1e-3,
        cache_size=200,
        class_weight=None,
        verbose=False,
        max_iter=-1,
        decision_function_shape="ovr",
        break_ties=False,
        random_state=None,
        n_jobs=None,
        k=None,
        kernel_params=None,
        working_set=None,
    ):
        self.working_set = working_set
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.probability = probability
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.verbose = verbose
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.k = k
        self.kernel_params = kernel_params

    def _problem_params(self, y):
        if not (isinstance(self.C, numbers.Real) and self.C > 0):
            raise ValueError(f"C must be a positive float, got {self.C!r}")
        params = {"C": float(self.C)}
        if self.class_weight is not None:
            self.class_weight_ = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            params["class_weight"] = [float(w) for w in self.class_weight_]
        else:
            self.class_weight_ = np.ones(len(self.classes_))
        return params


class NuSVC(_KernClassifier):
    """ν-support vector classification (LIBSVM's ν-SVC), scikit-learn's ``NuSVC``."""

    _task = "nusvc"

    def __init__(
        self,
        *,
        nu=0.5,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        shrinking=True,
        probability=False,
        tol=1e-3,
        cache_size=200,
        class_weight=None,
        verbose=False,
        max_iter=-1,
        decision_function_shape="ovr",
        break_ties=False,
        random_state=None,
        n_jobs=None,
        k=None,
        kernel_params=None,
    ):
        self.nu = nu
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.probability = probability
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.verbose = verbose
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.k = k
        self.kernel_params = kernel_params

    def _problem_params(self, y):
        # ν-SVC bounds each α_i by its sample weight: a class weight multiplies
        # the weights of the class's samples (_class_sample_weight).
        self.class_weight_ = (
            np.ones(len(self.classes_))
            if self.class_weight is None
            else compute_class_weight(self.class_weight, classes=self.classes_, y=y)
        )
        return {"nu": float(self.nu)}

    def _class_sample_weight(self, codes, sample_weight):
        if self.class_weight is None:
            return sample_weight
        w = self.class_weight_[codes]
        return w if sample_weight is None else sample_weight * w


class _KernRegressor(_PredictInterval, RegressorMixin, _KernSVM):
    """SVR and NuSVR; ``conformal=SHARE`` holds that share of the samples out
    (seeded by ``random_state``) to calibrate ``predict_interval``."""

    def _interval_X(self, X):
        return self._check_X(X)

    def fit(self, X, y, sample_weight=None):
        """Fits the regressor on X (dense or sparse) and targets y."""
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, order="C", y_numeric=True)
        sample_weight = _weights(sample_weight, X)
        conformal = None if self.conformal is None else float(self.conformal)
        extra = {"C": float(self.C), "seed": _seed(self.random_state), "conformal": conformal}
        extra.update(self._problem_params())
        return self._fit(X, y.astype(np.float64), [], sample_weight, extra)

    @property
    def n_support_(self):
        check_is_fitted(self)
        return np.array([len(self.support_)], dtype=np.int32)

    @property
    def dual_coef_(self):
        check_is_fitted(self)
        return self._dual_coef

    @property
    def intercept_(self):
        check_is_fitted(self)
        return -self._rho

    def predict(self, X):
        """The regression function at each sample."""
        X = self._check_X(X)
        return self._fitted.predict(X, _threads(self.n_jobs))


class SVR(_KernRegressor):
    """ε-support vector regression (LIBSVM's ε-SVR), scikit-learn's ``SVR``."""

    _task = "svr"

    def __init__(
        self,
        *,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        tol=1e-3,
        C=1.0,
        epsilon=0.1,
        shrinking=True,
        cache_size=200,
        verbose=False,
        max_iter=-1,
        conformal=None,
        random_state=None,
        n_jobs=None,
        working_set=None,
    ):
        self.working_set = working_set
        self.conformal = conformal
        self.random_state = random_state
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.C = C
        self.epsilon = epsilon
        self.shrinking = shrinking
        self.cache_size = cache_size
        self.verbose = verbose
        self.max_iter = max_iter
        self.n_jobs = n_jobs

    def _problem_params(self):
        return {"epsilon": float(self.epsilon)}


class NuSVR(_KernRegressor):
    """ν-support vector regression (LIBSVM's ν-SVR), scikit-learn's ``NuSVR``."""

    _task = "nusvr"

    def __init__(
        self,
        *,
        nu=0.5,
        C=1.0,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        shrinking=True,
        tol=1e-3,
        cache_size=200,
        verbose=False,
        max_iter=-1,
        conformal=None,
        random_state=None,
        n_jobs=None,
    ):
        self.conformal = conformal
        self.random_state = random_state
        self.nu = nu
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.tol = tol
        self.cache_size = cache_size
        self.verbose = verbose
        self.max_iter = max_iter
        self.n_jobs = n_jobs

    def _problem_params(self):
        return {"nu": float(self.nu)}


class OneClassSVM(OutlierMixin, _KernSVM):
    """Unsupervised outlier detection (LIBSVM's one-class SVM), scikit-learn's ``OneClassSVM``."""

    _task = "oneclass"

    def __init__(
        self,
        *,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        tol=1e-3,
        nu=0.5,
        shrinking=True,
        cache_size=200,
        verbose=False,
        max_iter=-1,
        n_jobs=None,
        working_set=None,
    ):
        self.working_set = working_set
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.nu = nu
        self.shrinking = shrinking
        self.cache_size = cache_size
        self.verbose = verbose
        self.max_iter = max_iter
        self.n_jobs = n_jobs

    def fit(self, X, y=None, sample_weight=None):
        """Fits the support of the distribution of X."""
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, order="C")
        sample_weight = _weights(sample_weight, X)
        self._fit(X, None, [], sample_weight, {"nu": float(self.nu), "seed": 0})
        self.offset_ = self._rho[0]
        return self

    @property
    def n_support_(self):
        check_is_fitted(self)
        return np.array([len(self.support_)], dtype=np.int32)

    @property
    def dual_coef_(self):
        check_is_fitted(self)
        return self._dual_coef

    @property
    def intercept_(self):
        check_is_fitted(self)
        return -self._rho

    def decision_function(self, X):
        """Signed distance to the boundary: positive inside, negative for outliers."""
        X = self._check_X(X)
        return self._fitted.decision_values(X, _threads(self.n_jobs))[:, 0]

    def score_samples(self, X):
        """The unshifted scoring function, Σ α k(x_i, x)."""
        return self.decision_function(X) + self.offset_

    def predict(self, X):
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) > 0, 1, -1)
