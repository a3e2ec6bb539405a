"""kern: scalable kernel methods with scikit-learn's estimator API.

The estimators keep scikit-learn's names, parameters and attributes; every
fit and prediction runs in kern's engine (Rust), with the GIL released.

>>> import kern
>>> sorted(e.__name__ for e in (kern.SVC, kern.NuSVC, kern.SVR, kern.NuSVR, kern.OneClassSVM, kern.KernelRidge))
['KernelRidge', 'NuSVC', 'NuSVR', 'OneClassSVM', 'SVC', 'SVR']
"""

from ._approx import Nystroem, RandomFourierFeatures
from ._gp import GaussianProcessClassifier, GaussianProcessRegressor
from ._ridge import FalkonClassifier, FalkonRegressor, KernelRidge
from ._svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM
from ._kern import Fitted, __version__

__all__ = [
    "SVC",
    "NuSVC",
    "SVR",
    "NuSVR",
    "OneClassSVM",
    "KernelRidge",
    "GaussianProcessRegressor",
    "GaussianProcessClassifier",
    "FalkonRegressor",
    "FalkonClassifier",
    "Nystroem",
    "RandomFourierFeatures",
    "Fitted",
    "load_model",
    "__version__",
]


def load_model(path):
    """Reads a model file written by ``kern fit`` (or ``est.save_model``):
    the engine's fitted model, with ``predict``, ``decision_values`` and
    ``class_names``."""
    return Fitted.load(str(path))
