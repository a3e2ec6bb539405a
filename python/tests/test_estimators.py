"""kern's scikit-learn estimators: scikit-learn's own estimator checks, the
same answers as scikit-learn's libsvm-based estimators on the same data,
sparse input, sample weights and round trips."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.svm
from sklearn.datasets import load_breast_cancer, load_digits, make_regression
from sklearn.kernel_ridge import KernelRidge as SkKernelRidge
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import kern

ESTIMATORS = [
    kern.SVC(),
    kern.NuSVC(),
    kern.SVR(),
    kern.NuSVR(),
    kern.OneClassSVM(),
    kern.KernelRidge(),
    kern.GaussianProcessRegressor(n_restarts_optimizer=1),
    kern.GaussianProcessClassifier(),
    kern.GaussianProcessClassifier(n_components=20),
    kern.GaussianProcessRegressor(n_components=20, approx="rff", n_restarts_optimizer=0),
    kern.FalkonRegressor(n_centers=50),
    kern.FalkonClassifier(n_centers=50),
    kern.Nystroem(n_components=10),
    kern.RandomFourierFeatures(n_components=10),
]

# The checks that fail, and why. scikit-learn expects the same two to fail
# for its own libsvm estimators: an SVM solved to a tolerance stops at a
# different point within it when a sample's weight 2 replaces a repeated
# sample, so the two fits agree to the tolerance (1e-3), not to 1e-7.
WEIGHTS_NOT_REPEATS = "solved to tol, a weighted fit and a fit on repeated samples agree to tol, not 1e-7 (as scikit-learn's SVC)"
XFAIL = {
    name: {
        "check_sample_weight_equivalence_on_dense_data": WEIGHTS_NOT_REPEATS,
        "check_sample_weight_equivalence_on_sparse_data": WEIGHTS_NOT_REPEATS,
    }
    for name in ("SVC", "NuSVC", "SVR", "NuSVR", "OneClassSVM")
}
# kern's NuSVC multiplies each sample's bound by its class weight; the
# check's weights (1000 against 0.0001) leave no feasible ν = 0.5, which
# kern reports. scikit-learn's NuSVC ignores class_weight and fails it too.
XFAIL["NuSVC"]["check_class_weight_classifiers"] = "weights 1000 and 0.0001 make nu = 0.5 infeasible (a ValueError)"
# Falkon draws its centres from the samples: repeating or removing samples
# draws other centres, so the fits differ by more than 1e-7.
CENTRES = "the centres are drawn from the samples, so repeated or removed samples give other centres"
XFAIL["FalkonRegressor"] = {
    "check_sample_weight_equivalence_on_dense_data": CENTRES,
    "check_sample_weight_equivalence_on_sparse_data": CENTRES,
}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: XFAIL.get(type(est).__name__, {}))
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def scaled(X):
    return StandardScaler().fit_transform(X)


@pytest.mark.parametrize("data", ["breast_cancer", "digits"])
@pytest.mark.parametrize("name", ["SVC", "NuSVC"])
def test_classifiers_give_scikit_learns_answers(data, name):
    X, y = (load_breast_cancer if data == "breast_cancer" else load_digits)(return_X_y=True)
    X = scaled(X)
    params = {"gamma": 1.0 / X.shape[1]}
    if name == "NuSVC":
        params["nu"] = 0.1
    ours, theirs = getattr(kern, name)(**params).fit(X, y), getattr(sklearn.svm, name)(**params).fit(X, y)
    np.testing.assert_array_equal(ours.n_support_, theirs.n_support_)
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X), atol=1e-6)


def test_regressors_and_one_class_give_scikit_learns_answers():
    X, y = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)
    X, y = scaled(X), y / y.std()
    # Solved to a tight tolerance, both reach the one optimum (at LIBSVM's
    # default 1e-3 they stop at different points within it).
    for name, params in [("SVR", {"C": 3.0, "epsilon": 0.05}), ("NuSVR", {"C": 3.0, "nu": 0.3})]:
        params["tol"] = 1e-9
        ours, theirs = getattr(kern, name)(**params).fit(X, y), getattr(sklearn.svm, name)(**params).fit(X, y)
        np.testing.assert_array_equal(ours.support_, theirs.support_)
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-6)
    ours, theirs = kern.OneClassSVM(nu=0.2).fit(X), sklearn.svm.OneClassSVM(nu=0.2).fit(X)
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X), atol=1e-6)
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X), atol=1e-6)


def test_working_sets_reach_scikit_learns_optimum():
    """working_set= (SVC, SVR, OneClassSVM): another path to the same optimum,
    so at a tight tolerance the same support and decision values."""
    X, y = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=1)
    X, y = scaled(X), y / y.std()
    labels = np.where(y > 0, 1, -1)
    cases = [
        ("SVC", {"C": 3.0}, labels),
        ("SVR", {"C": 3.0, "epsilon": 0.05}, y),
        ("OneClassSVM", {"nu": 0.2}, None),
    ]
    for name, params, target in cases:
        theirs = getattr(sklearn.svm, name)(tol=1e-9, **params).fit(X, target)
        ours = getattr(kern, name)(tol=1e-9, working_set=32, **params).fit(X, target)
        np.testing.assert_array_equal(ours.support_, theirs.support_)
        np.testing.assert_allclose(ours.decision_function(X) if name != "SVR" else ours.predict(X),
                                   theirs.decision_function(X) if name != "SVR" else theirs.predict(X), atol=1e-6)
    with pytest.raises(ValueError, match="working_set"):
        kern.SVC(working_set=1).fit(X, labels)


def test_kernel_ridge_gives_scikit_learns_answers_with_weights():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=1)
    w = np.random.default_rng(0).choice([0.0, 0.5, 1.0, 3.0], len(y))
    for kernel in ["rbf", "linear", "poly"]:
        params = {"alpha": 0.3, "kernel": kernel, "gamma": 0.1}
        ours = kern.KernelRidge(**params).fit(X, y, sample_weight=w)
        theirs = SkKernelRidge(**params).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-8, atol=1e-8 * np.abs(y).max())
        np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, rtol=1e-6, atol=1e-8)


def test_sample_weights_and_class_weights_give_scikit_learns_svc():
    X, y = load_breast_cancer(return_X_y=True)
    X = scaled(X)
    w = np.random.default_rng(1).choice([0.0, 0.5, 1.0, 3.0], len(y))
    for params in [{}, {"class_weight": "balanced"}, {"class_weight": {0: 3.0}}]:
        ours = kern.SVC(**params).fit(X, y, sample_weight=w)
        theirs = sklearn.svm.SVC(**params).fit(X, y, sample_weight=w)
        np.testing.assert_array_equal(ours.n_support_, theirs.n_support_)
        # scikit-learn's support_ counts only the samples of positive weight;
        # kern's indexes X, so X[support_] are the support vectors.
        np.testing.assert_array_equal(ours.support_vectors_, theirs.support_vectors_)
        np.testing.assert_array_equal(X[ours.support_], ours.support_vectors_)
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_sparse_input_fits_the_dense_model_and_text_labels_work():
    X, y = load_digits(return_X_y=True)
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y]
    dense = kern.SVC(gamma=0.001).fit(X, labels)
    sparse = kern.SVC(gamma=0.001).fit(sp.csr_matrix(X), labels)
    np.testing.assert_array_equal(dense.support_, sparse.support_)
    np.testing.assert_array_equal(dense.predict(X), sparse.predict(sp.csc_matrix(X)))
    assert set(dense.predict(X)) <= set(labels)
    assert sp.issparse(sparse.support_vectors_)


def test_models_pickle_and_save_as_kern_model_files(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    X = scaled(X)
    model = kern.SVC(probability=True, random_state=3).fit(X, y)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.decision_function(X), model.decision_function(X))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    path = tmp_path / "svc.model"
    model.save_model(path)
    loaded = kern.load_model(path)
    assert loaded.task == "svc" and loaded.class_names() == ["0", "1"]
    np.testing.assert_array_equal(loaded.predict(X).astype(int), model.predict(X))


def test_bad_input_is_a_value_error_not_a_crash():
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    with pytest.raises(ValueError):
        kern.SVC(kernel="nope").fit(X, y)
    with pytest.raises(ValueError):
        kern.SVC(C=-1.0).fit(X, y)
    with pytest.raises(ValueError):
        kern.SVC(gamma=-2.0).fit(X, y)
    with pytest.raises(ValueError):
        kern.SVC().fit(X, y, sample_weight=-np.ones(20))
    with pytest.raises(ValueError):
        kern.KernelRidge(alpha="many").fit(X, y.astype(float))
    with pytest.raises(ValueError):
        kern.SVC().fit(X, y).predict(np.ones((2, 5)))


def test_gp_regression_reaches_scikit_learns_likelihood():
    from sklearn.gaussian_process import GaussianProcessRegressor as SkGPR
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    rng = np.random.default_rng(4)
    X = rng.uniform(-3, 3, size=(150, 3))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 / 9 + 0.1 * rng.normal(size=150)
    # The same model: amplitude × RBF + white noise, normalised targets,
    # every hyperparameter fitted within (1e-5, 1e5), three starts.
    theirs = SkGPR(
        ConstantKernel(1.0) * RBF(1.0) + WhiteKernel(1.0), normalize_y=True, n_restarts_optimizer=2, random_state=0
    ).fit(X, y)
    ours = kern.GaussianProcessRegressor(n_restarts_optimizer=2, random_state=0).fit(X, y)
    assert ours.log_marginal_likelihood_value_ >= theirs.log_marginal_likelihood_value_ - 1e-6 * abs(
        theirs.log_marginal_likelihood_value_
    )
    mean, std = ours.predict(X[:10], return_std=True)
    their_mean, their_std = theirs.predict(X[:10], return_std=True)
    np.testing.assert_allclose(mean, their_mean, atol=0.02)
    np.testing.assert_allclose(std, their_std, rtol=0.05)
    assert ours.sample_y(X[:10], n_samples=3).shape == (10, 3)


def test_gp_kernel_expressions_and_scikit_learn_kernels_fit_the_same_model():
    from sklearn.gaussian_process import GaussianProcessRegressor as SkGPR
    from sklearn.gaussian_process.kernels import RBF, ExpSineSquared, RationalQuadratic, WhiteKernel

    rng = np.random.default_rng(8)
    t = np.arange(120) / 12.0
    y = 0.3 * t + 1.5 * np.sin(2 * np.pi * t) + 0.2 * rng.normal(size=120)
    y = y - y.mean()
    X = t[:, None]
    sk_kernel = (
        2.0**2 * RBF(10.0)
        + 1.0**2 * RBF(10.0) * ExpSineSquared(1.0, 1.0, periodicity_bounds="fixed")
        + 0.5**2 * RationalQuadratic(1.0, 1.0)
        + WhiteKernel(0.1)
    )
    text = "4*rbf(ls=10) + 1*rbf(ls=10)*periodic(ls=1, p=1!) + 0.25*rq(ls=1, a=1) + white(0.1)"
    by_text = kern.GaussianProcessRegressor(kernel=text, normalize_y=False, n_restarts_optimizer=0).fit(X, y)
    by_object = kern.GaussianProcessRegressor(kernel=sk_kernel, normalize_y=False, n_restarts_optimizer=0).fit(X, y)
    assert by_text.kernel_ == by_object.kernel_
    assert by_text.hyperparameters_["sum.1.product.1.periodic.period"] == 1.0
    # From the same start, as likely as scikit-learn's fit (trend + seasonal + noise).
    sk_kernel = 2.0**2 * RBF(10.0) + 1.0**2 * RBF(10.0) * ExpSineSquared(1.0, 1.0, periodicity_bounds="fixed") + WhiteKernel(0.1)
    ours = kern.GaussianProcessRegressor(kernel=sk_kernel, normalize_y=False, n_restarts_optimizer=0).fit(X, y)
    theirs = SkGPR(sk_kernel, normalize_y=False).fit(X, y)
    assert ours.log_marginal_likelihood_value_ >= theirs.log_marginal_likelihood_value_ - 1e-6 * abs(
        theirs.log_marginal_likelihood_value_
    )
    with pytest.raises(ValueError, match="column"):
        kern.GaussianProcessRegressor(kernel="rbf(ls=1) +").fit(X, y)
    with pytest.raises(ValueError, match="noise once"):
        kern.GaussianProcessRegressor(kernel="rbf + white(1)", alpha=0.1).fit(X, y)


def test_gp_per_sample_alpha_gives_scikit_learns_posterior():
    from sklearn.gaussian_process import GaussianProcessRegressor as SkGPR
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel

    rng = np.random.default_rng(9)
    X = rng.uniform(-2, 2, size=(60, 2))
    y = np.sin(X[:, 0]) + X[:, 1] + 0.1 * rng.normal(size=60)
    alpha = rng.uniform(0.01, 0.5, size=60)
    sk_kernel = ConstantKernel(1.3, "fixed") * RBF(0.9, "fixed")
    theirs = SkGPR(sk_kernel, alpha=alpha, optimizer=None, normalize_y=False).fit(X, y)
    ours = kern.GaussianProcessRegressor(kernel="1.3!*rbf(ls=0.9!)", alpha=alpha, normalize_y=False).fit(X, y)
    np.testing.assert_allclose(ours.predict(X[:20]), theirs.predict(X[:20]), atol=1e-8)
    with pytest.raises(ValueError, match="one per sample"):
        kern.GaussianProcessRegressor(alpha=alpha[:10]).fit(X, y)


def test_sparse_gp_with_ard_kmeans_inducing_points_and_a_wider_posterior():
    rng = np.random.default_rng(12)
    X = rng.uniform(-2, 2, size=(2500, 3))
    y = 3 * np.sin(X[:, 0]) + 0.5 * X[:, 1] + 0.05 * rng.normal(size=2500)
    train, test = slice(0, 2000), slice(2000, None)
    gp = kern.GaussianProcessRegressor(
        kernel="matern32", ard=True, n_components=40, inducing="kmeans", posterior_components=400,
        n_restarts_optimizer=0,
    ).fit(X[train], y[train])
    # The fit's 40 points, then 360 more samples: the posterior's.
    assert gp.inducing_points_.shape == (400, 3)
    ls = [gp.hyperparameters_[f"ard_matern32.lengthscale.{j}"] for j in range(3)]
    assert ls[2] > 5 * max(ls[:2]), gp.hyperparameters_
    mean, std = gp.predict(X[test], return_std=True)
    assert np.mean((mean - y[test]) ** 2) < 0.01 * np.var(y[test])
    assert std.shape == mean.shape and np.all(std > 0)
    again = pickle.loads(pickle.dumps(gp))
    np.testing.assert_array_equal(again.predict(X[test]), mean)
    with pytest.raises(ValueError, match="kmeans"):
        kern.GaussianProcessRegressor(n_components=10, inducing="nearest").fit(X[train], y[train])


def test_gps_on_features_match_scikit_learns_exact_gps():
    from sklearn.gaussian_process import GaussianProcessClassifier as SkGpc
    from sklearn.gaussian_process import GaussianProcessRegressor as SkGpr
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    rng = np.random.default_rng(13)
    X = rng.normal(size=(1500, 2))
    y = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] + 0.1 * rng.normal(size=1500)
    labels = np.where(X[:, 0] ** 2 + X[:, 1] ** 2 + 0.4 * rng.normal(size=1500) > 1.4, "out", "in")
    train, test = slice(0, 1000), slice(1000, None)
    theirs = SkGpr(ConstantKernel() * RBF() + WhiteKernel(), normalize_y=True).fit(X[train], y[train])
    best = np.mean((theirs.predict(X[test]) - y[test]) ** 2)
    for approx in ["rff", "nystroem"]:
        gp = kern.GaussianProcessRegressor(n_components=200, approx=approx, n_restarts_optimizer=0).fit(X[train], y[train])
        mean, std = gp.predict(X[test], return_std=True)
        assert np.mean((mean - y[test]) ** 2) < 1.1 * best, approx
        assert 0.93 <= np.mean(np.abs(mean - y[test]) <= 1.96 * std) <= 0.97, approx
    sk = SkGpc(ConstantKernel() * RBF()).fit(X[train], labels[train])
    sk_accuracy = np.mean(sk.predict(X[test]) == labels[test])
    for approx in ["rff", "nystroem"]:
        gpc = kern.GaussianProcessClassifier(n_components=100, approx=approx).fit(X[train], labels[train])
        assert np.mean(gpc.predict(X[test]) == labels[test]) >= sk_accuracy - 0.02, approx
        p = gpc.predict_proba(X[test])
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
        # Probabilities as calibrated as scikit-learn's exact ones (log loss within 5 %).
        ours = -np.mean(np.log(p[np.arange(len(p)), (labels[test] == gpc.classes_[1]).astype(int)]))
        pk = sk.predict_proba(X[test])
        theirs_loss = -np.mean(np.log(pk[np.arange(len(pk)), (labels[test] == sk.classes_[1]).astype(int)]))
        assert ours < 1.05 * theirs_loss, (approx, ours, theirs_loss)
        assert np.isfinite(gpc.log_marginal_likelihood_value_)


def test_every_regressor_gives_intervals_that_cover_new_targets():
    rng = np.random.default_rng(10)
    X = rng.uniform(-1, 1, size=(1600, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 + 0.3 * rng.normal(size=1600)
    train, test = slice(0, 600), slice(600, None)
    for est in [
        kern.SVR(C=4.0, gamma=1.0, conformal=0.5, random_state=1),
        kern.NuSVR(gamma=1.0, conformal=0.5, random_state=1),
        kern.KernelRidge(alpha=0.1, kernel="rbf", gamma=1.0),
        kern.GaussianProcessRegressor(n_restarts_optimizer=0),
        kern.FalkonRegressor(alpha=1e-3, gamma=1.0, n_centers=100, conformal=0.5, random_state=1),
    ]:
        est.fit(X[train], y[train])
        pred, lower, upper = est.predict_interval(X[test], level=0.9)
        np.testing.assert_allclose(pred, est.predict(X[test]), atol=1e-9)
        coverage = np.mean((lower <= y[test]) & (y[test] <= upper))
        assert 0.85 <= coverage <= 0.95, (type(est).__name__, coverage)
    svr = kern.SVR(C=4.0, gamma=1.0, conformal=0.5, random_state=1).fit(X[train], y[train])
    np.testing.assert_allclose(svr.support_vectors_, X[train][svr.support_])
    with pytest.raises(ValueError, match="conformal"):
        kern.SVR().fit(X[train], y[train]).predict_interval(X[test])


def test_falkon_with_every_sample_a_centre_is_kernel_ridge():
    X, y = make_regression(n_samples=120, n_features=4, noise=2.0, random_state=2)
    X, y = scaled(X), y / y.std()
    falkon = kern.FalkonRegressor(alpha=1e-3, gamma=0.2, n_centers=120, tol=1e-9, max_iter=500).fit(X, y)
    ridge = kern.KernelRidge(alpha=1e-3, kernel="rbf", gamma=0.2).fit(X, y)
    np.testing.assert_allclose(falkon.predict(X), ridge.predict(X), atol=1e-4)
    # Centred, both fit targets far from zero as they fit the targets about zero.
    far = y + 1e4
    centred = kern.KernelRidge(alpha=1e-3, kernel="rbf", gamma=0.2, centre_targets=True).fit(X, y)
    shifted = kern.KernelRidge(alpha=1e-3, kernel="rbf", gamma=0.2, centre_targets=True).fit(X, far)
    np.testing.assert_allclose(shifted.predict(X) - 1e4, centred.predict(X), atol=1e-7)
    assert abs(shifted.target_mean_ - far.mean()) < 1e-9
    # The dual coefficients fit the targets less their mean.
    from sklearn.metrics.pairwise import rbf_kernel

    K = rbf_kernel(X, X, gamma=0.2)
    np.testing.assert_allclose(K @ shifted.dual_coef_ + shifted.target_mean_, shifted.predict(X), atol=1e-6)
    falkon = kern.FalkonRegressor(alpha=1e-3, gamma=0.2, n_centers=120, tol=1e-9, max_iter=500, centre_targets=True)
    np.testing.assert_allclose(falkon.fit(X, far).predict(X), shifted.predict(X), atol=1e-4)
    uncentred = kern.KernelRidge(alpha=1e-3, kernel="rbf", gamma=0.2).fit(X, far)
    assert uncentred.target_mean_ == 0.0
    assert np.abs(uncentred.predict(X) - far).max() > 10 * np.abs(shifted.predict(X) - far).max()
    classes = (y > 0).astype(int)
    clf = kern.FalkonClassifier(alpha=1e-3, gamma=0.2, n_centers=60, random_state=1).fit(X, classes)
    assert clf.score(X, classes) > 0.9


def test_feature_maps_approximate_the_kernel():
    from sklearn.metrics.pairwise import rbf_kernel

    X = np.random.default_rng(5).normal(size=(80, 4))
    K = rbf_kernel(X, gamma=0.3)
    # Every sample a landmark: Nyström's features reproduce K.
    phi = kern.Nystroem(gamma=0.3, n_components=80, random_state=0).fit_transform(X)
    np.testing.assert_allclose(phi @ phi.T, K, atol=1e-6)
    # Random Fourier features: K on average; 4,000 of them within 0.06.
    phi = kern.RandomFourierFeatures(gamma=0.3, n_components=4000, random_state=0).fit_transform(X)
    assert np.abs(phi @ phi.T - K).max() < 0.06
    again = pickle.loads(pickle.dumps(kern.Nystroem(gamma=0.3, n_components=20, random_state=0).fit(X)))
    np.testing.assert_array_equal(again.transform(X), kern.Nystroem(gamma=0.3, n_components=20, random_state=0).fit(X).transform(X))


def test_gp_classification_is_calibrated_and_loads_libsvm_model_files():
    from sklearn.gaussian_process import GaussianProcessClassifier as SkGPC

    X, y = load_breast_cancer(return_X_y=True)
    X = scaled(X)[:300]
    y = y[:300]
    ours = kern.GaussianProcessClassifier(gamma=0.02).fit(X, y)
    theirs = SkGPC().fit(X, y)
    assert ours.score(X, y) >= theirs.score(X, y) - 0.02
    p = ours.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(ours.classes_[p.argmax(axis=1)], ours.predict(X))


def test_libsvm_model_files_load():
    import pathlib

    fixtures = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "libsvm"
    model = kern.load_model(fixtures / "c_svc_rbf.model")
    assert model.task == "svc" and len(model.class_names()) >= 2


def test_string_and_graph_kernels_fit_lists():
    rng = np.random.default_rng(6)
    letters = np.array(list("ACGT"))
    seqs, labels = [], []
    for i in range(80):
        s = "".join(rng.choice(letters, 30))
        if i % 2:
            p = rng.integers(0, 23)
            s = s[:p] + "GATTACA" + s[p + 7 :]
        seqs.append(s)
        labels.append("motif" if i % 2 else "none")
    model = kern.SVC(kernel="spectrum", k=5, C=10).fit(seqs[:60], labels[:60])
    assert model.score(seqs[60:], labels[60:]) >= 0.9
    assert model.decision_function(seqs[:3]).shape == (3,)
    assert all(seqs[i] == sv for i, sv in zip(model.support_, model.support_vectors_))
    # Rings against chains, labelled nodes: the Weisfeiler-Lehman kernel.
    ring = lambda n: ([1] * n, [(i, (i + 1) % n) for i in range(n)])
    chain = lambda n: ([1] * n, [(i, i + 1) for i in range(n - 1)])
    graphs = [ring(n) for n in range(4, 14)] + [chain(n) for n in range(4, 14)]
    y = [1] * 10 + [0] * 10
    graph_model = kern.SVC(kernel="wl", C=100, kernel_params={"h": 3}).fit(graphs, y)
    assert graph_model.score(graphs, y) == 1.0


def kern_binary():
    """The kern command line built by cargo (CI builds it before these tests)."""
    import os
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    for candidate in [os.environ.get("KERN_BIN"), root / "target" / "release" / "kern", root / "target" / "debug" / "kern"]:
        if candidate and pathlib.Path(candidate).is_file():
            return str(candidate)
    pytest.skip("no kern binary (cargo build) to round-trip model files with")


def test_model_files_round_trip_between_the_command_line_and_python(tmp_path):
    import subprocess

    kern_cli = kern_binary()
    X, y = load_breast_cancer(return_X_y=True)
    X = scaled(X)
    data = tmp_path / "train.libsvm"
    data.write_text("".join(f"{label} " + " ".join(f"{j + 1}:{v:.17g}" for j, v in enumerate(row)) + "\n" for label, row in zip(y, X)))
    # Written by `kern fit`, predicted in Python.
    subprocess.run([kern_cli, "fit", str(data), "-c", "2", "-g", "0.03", "-o", str(tmp_path / "cli.model"), "-q"], check=True)
    cli = subprocess.run([kern_cli, "predict", str(tmp_path / "cli.model"), str(data), "-q"], check=True, capture_output=True, text=True)
    from_cli = np.array([float(v) for v in cli.stdout.split()])
    loaded = kern.load_model(tmp_path / "cli.model")
    names = np.array([float(c) for c in loaded.class_names()])
    np.testing.assert_array_equal(names[loaded.predict(X).astype(int)], from_cli)
    # Written by Python, predicted by `kern predict`: the same classes.
    model = kern.SVC(C=2, gamma=0.03).fit(X, y)
    model.save_model(tmp_path / "py.model")
    out = subprocess.run([kern_cli, "predict", str(tmp_path / "py.model"), str(data), "-q"], check=True, capture_output=True, text=True)
    np.testing.assert_array_equal(np.array([float(v) for v in out.stdout.split()]), model.predict(X))
    np.testing.assert_array_equal(model.predict(X), from_cli)


def test_a_precomputed_kernel_gives_scikit_learns_answers():
    from sklearn.metrics.pairwise import rbf_kernel

    X, y = load_breast_cancer(return_X_y=True)
    X = scaled(X)
    train, test = X[:400], X[400:]
    K, K_test = rbf_kernel(train, gamma=0.03), rbf_kernel(test, train, gamma=0.03)
    ours = kern.SVC(kernel="precomputed", C=2).fit(K, y[:400])
    theirs = sklearn.svm.SVC(kernel="precomputed", C=2).fit(K, y[:400])
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    np.testing.assert_array_equal(ours.predict(K_test), theirs.predict(K_test))
    np.testing.assert_allclose(ours.decision_function(K_test), theirs.decision_function(K_test), atol=1e-6)
    # The same as the rbf kernel computed inside.
    inside = kern.SVC(kernel="rbf", gamma=0.03, C=2).fit(train, y[:400])
    np.testing.assert_allclose(ours.decision_function(K_test), inside.decision_function(test), atol=1e-6)
