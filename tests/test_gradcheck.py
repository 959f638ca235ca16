"""Backprop against central finite differences, across the whole model space."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skbpnet import BPClassifier, BPRegressor, gradient_check

ACTIVATIONS = [
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "softplus",
    "maxout",
]
INITS = [
    "auto",
    "lecun_normal",
    "glorot_uniform",
    "glorot_normal",
    "he_normal",
    "he_uniform",
    "normal",
]
TOL = 1e-6


def _data(kind, n=24, n_features=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_features))
    if kind == "binary":
        return X, rng.randint(0, 2, size=n), BPClassifier
    if kind == "multiclass":
        return X, rng.choice(["a", "b", "c"], size=n), BPClassifier
    if kind == "multilabel":
        return X, rng.randint(0, 2, size=(n, 3)), BPClassifier
    if kind == "squared_error":
        return X, rng.normal(size=(n, 2)), BPRegressor
    if kind == "poisson":
        return X, rng.poisson(2.0, size=n).astype(float), BPRegressor
    raise ValueError(kind)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(
    "target", ["binary", "multiclass", "multilabel", "squared_error", "poisson"]
)
@pytest.mark.parametrize("hidden", [(), (4,), (4, 3, 5)])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_gradients_match_finite_differences(activation, target, hidden, alpha):
    X, y, Estimator = _data(target)
    params = dict(
        hidden_layer_sizes=hidden, activation=activation, alpha=alpha, random_state=0
    )
    if target == "poisson":
        params["loss"] = "poisson"
    assert gradient_check(Estimator(**params), X, y) < TOL


@pytest.mark.parametrize("init", INITS)
def test_gradients_for_every_initializer(init):
    X, y, _ = _data("multiclass")
    est = BPClassifier(
        hidden_layer_sizes=(5, 4), activation="tanh", init=init, random_state=0
    )
    assert gradient_check(est, X, y) < TOL


def test_gradients_with_mixed_layers_and_sample_weight():
    X, y, _ = _data("multiclass", n=30)
    sw = np.random.RandomState(1).uniform(0.1, 3, size=30)
    est = BPClassifier(
        hidden_layer_sizes=(6, 4, 5),
        activation=["maxout", "sigmoid", "relu"],
        maxout_pieces=3,
        alpha=0.1,
        random_state=0,
    )
    assert gradient_check(est, X, y, sample_weight=sw) < TOL


def test_gradient_check_on_fitted_model_and_dropout_is_off():
    X, y, _ = _data("binary", n=40)
    est = BPClassifier(hidden_layer_sizes=(5,), dropout=0.5, max_iter=5, random_state=0)
    with pytest.warns(Warning):  # 5 epochs do not converge
        est.fit(X, y)
    coefs = [W.copy() for W in est.coefs_]
    assert gradient_check(est, X, y) < TOL
    # The estimator is left untouched.
    for W, W0 in zip(est.coefs_, coefs):
        np.testing.assert_array_equal(W, W0)


def test_gradient_check_detects_a_wrong_gradient(monkeypatch):
    # A check that cannot fail proves nothing: break tanh's derivative.
    from skbpnet import _activations

    forward, _ = _activations.ACTIVATIONS["tanh"]
    monkeypatch.setitem(
        _activations.ACTIVATIONS, "tanh", (forward, lambda A, delta, work=None: delta)
    )
    X, y, _ = _data("binary")
    est = BPClassifier(hidden_layer_sizes=(4,), activation="tanh", random_state=0)
    assert gradient_check(est, X, y) > 1e-3


@pytest.mark.parametrize("eps", [1e-4, 1e-5, 1e-6])
def test_tiny_gradient_blocks_are_not_judged_by_rounding_noise(eps):
    # The first hidden layer has one saturated sigmoid unit: its bias
    # gradient is about 5e-7, and the relative error of that block alone is
    # central differences' rounding noise (it grew as eps shrank, to 2e-5).
    rng = np.random.RandomState(98194)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=6)
    est = BPRegressor(
        hidden_layer_sizes=(1, 4),
        activation="sigmoid",
        init="he_uniform",
        alpha=0.0,
        random_state=194,
    )
    assert gradient_check(est, X, y, eps=eps) < TOL


def test_gradient_check_detects_a_small_error_in_a_bias(monkeypatch):
    # The noise floor does not hide a 0.1 % error in one bias gradient.
    from skbpnet._network import Network

    backward = Network.backward

    def off_by_a_little(self, X, delta, l2):
        backward(self, X, delta, l2)
        self.grad_intercepts[0] *= 1.001

    monkeypatch.setattr(Network, "backward", off_by_a_little)
    X, y, _ = _data("binary")
    est = BPClassifier(hidden_layer_sizes=(4,), activation="tanh", random_state=0)
    assert gradient_check(est, X, y) > 1e-5


def test_gradient_check_keeps_a_dataframes_column_names():
    # A model fitted on a DataFrame checks the names: converting the frame to
    # an array warned (an error under this suite's filterwarnings).
    pd = pytest.importorskip("pandas")
    X, y, _ = _data("binary")
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    clf = BPClassifier(
        hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", random_state=0
    )
    clf.fit(frame, y)
    assert list(clf.feature_names_in_) == ["a", "b", "c"]
    assert gradient_check(clf, frame, y) < TOL


def test_gradient_check_says_when_finite_differences_cannot_resolve():
    # Targets of 1e12 make the loss about 1e23: central differences then
    # resolve nothing finer than the gradient itself.
    X, y, _ = _data("squared_error")
    est = BPRegressor(hidden_layer_sizes=(4,), activation="tanh", random_state=0)
    assert gradient_check(est, X, y) < TOL
    with pytest.warns(UserWarning, match="cannot resolve"):
        gradient_check(est, X, 1e12 * y)


def test_gradient_check_refuses_a_non_finite_loss():
    X, y, _ = _data("poisson")
    est = BPRegressor(hidden_layer_sizes=(), loss="poisson", random_state=0)
    with pytest.raises(ValueError, match=r"loss \(inf\) or its gradient is not finite"):
        gradient_check(est, 1e300 * X, y)


def test_gradient_check_of_a_network_that_blew_up_is_an_error():
    # Its gradients are NaN: the check returned 0.0, a perfect score.
    rng = np.random.RandomState(8)
    X, y = rng.normal(size=(4, 1)), rng.poisson(2.0, size=4).astype(float)
    reg = BPRegressor(
        (2,),
        activation="identity",
        solver="sgd",
        learning_rate_init=100.0,
        max_iter=3,
        random_state=8,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
        for _ in range(3):
            reg.partial_fit(X, y)
    with pytest.raises(ValueError, match="not finite"):
        gradient_check(reg, X, y)


def test_gradient_check_of_a_fitted_relu_network_with_dead_units():
    # Dead units upstream and biases still 0 put ReLU pre-activations exactly
    # on the kink: a correct backward pass scored 1.0.
    rng = np.random.RandomState(9)
    X, y = rng.normal(size=(23, 3)), rng.poisson(2.0, size=23).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = BPRegressor((2, 2), solver="sgd", max_iter=2, random_state=9).fit(X, y)
    coefs = [W.copy() for W in reg.intercepts_]
    assert gradient_check(reg, X, y) < TOL
    for b, b0 in zip(reg.intercepts_, coefs):  # the model is not touched
        np.testing.assert_array_equal(b, b0)


def test_gradient_check_of_a_fitted_classifier_on_some_of_its_classes():
    X, y, _ = _data("multiclass")
    clf = BPClassifier(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    # Rows of two of the three classes: nothing about warm_start.
    part = y != "c"
    assert gradient_check(clf, X[part], y[part]) < TOL
    with pytest.raises(ValueError, match=r"labels \['z'\] not in classes_") as info:
        gradient_check(clf, X[:4], ["a", "z", "a", "b"])
    assert "warm_start" not in str(info.value)
    assert "partial_fit" not in str(info.value)
