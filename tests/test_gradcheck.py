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


def test_gradient_check_of_a_fitted_model_checks_the_network_predict_uses(monkeypatch):
    # set_params without a refit changes nothing predict computes, so the
    # check must not rebuild the layers from the new parameters either. Break
    # tanh's derivative: checking a tanh network would then fail.
    from skbpnet import _activations

    forward, _ = _activations.ACTIVATIONS["tanh"]
    monkeypatch.setitem(
        _activations.ACTIVATIONS, "tanh", (forward, lambda A, delta, work=None: delta)
    )
    X, y, _ = _data("binary", n=40)
    est = BPClassifier(hidden_layer_sizes=(5,), activation="relu", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_params(max_iter=20).fit(X, y)
    est.set_params(activation="tanh")
    assert gradient_check(est, X, y) < TOL
    assert est.get_params()["activation"] == "tanh"

    maxout = BPRegressor((3,), activation="maxout", maxout_pieces=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        maxout.set_params(max_iter=20).fit(X, X[:, 0])
    maxout.set_params(maxout_pieces=3, hidden_layer_sizes=(7,))
    assert gradient_check(maxout, X, X[:, 0]) < TOL


def test_gradient_check_of_a_fitted_regressor_uses_its_fitted_loss():
    X, Y, _ = _data("squared_error", n=30)
    reg = BPRegressor((4,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, Y)
    before = gradient_check(reg, X, Y)
    reg.set_params(loss="poisson")  # predict still goes through the identity
    assert gradient_check(reg, X, Y) == before
    with pytest.raises(ValueError, match="y has 1 output.* fitted on 2"):
        gradient_check(reg, X, Y[:, 0])


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

    def off_by_a_little(self, X, delta):
        backward(self, X, delta)
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


def _moons(n=40):
    from sklearn.datasets import make_moons

    return make_moons(n, noise=0.2, random_state=0)


def _fit_quietly(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _assert_checked_untouched(est, X, y):
    # The check moves biases on its own copy only.
    coefs = [W.copy() for W in est.coefs_]
    intercepts = [b.copy() for b in est.intercepts_]
    error = gradient_check(est, X, y)
    for W, W0 in zip(est.coefs_, coefs):
        np.testing.assert_array_equal(W, W0)
    for b, b0 in zip(est.intercepts_, intercepts):
        np.testing.assert_array_equal(b, b0)
    return error


def test_gradient_check_of_an_lbfgs_relu_fit_on_a_kink():
    # lbfgs left one pre-activation 4e-8 from the kink, closer than a step of
    # eps=1e-6 can move it: a correct backward pass scored 0.72.
    X, y = _moons()
    clf = _fit_quietly(
        BPClassifier(
            hidden_layer_sizes=(8,),
            activation="relu",
            solver="lbfgs",
            random_state=0,
            max_iter=200,
        ),
        X,
        y,
    )
    assert _assert_checked_untouched(clf, X, y) < TOL


@pytest.mark.parametrize(
    "activation, seed",
    [
        ("relu", 2),
        ("relu", 4),
        ("leaky_relu", 0),
        ("leaky_relu", 2),
        ("leaky_relu", 4),
        ("maxout", 1),
        ("maxout", 2),
        ("maxout", 3),
    ],
)
def test_gradient_check_of_lbfgs_fits_with_kinks(activation, seed):
    # Each of these scored between 0.06 and 1.7 before pre-activations (and
    # maxout gaps) within a step of a kink were moved away from it.
    X, y = _moons()
    clf = BPClassifier(
        hidden_layer_sizes=(8,),
        activation=activation,
        solver="lbfgs",
        random_state=seed,
        max_iter=200,
    )
    assert _assert_checked_untouched(_fit_quietly(clf, X, y), X, y) < TOL


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_gradient_check_of_adam_maxout_fits_on_all_zero_rows(seed):
    # On an all-zero row a maxout piece computes its bias alone; the pieces'
    # biases start tied at 0 and Adam moves them by nearly equal steps, so
    # they end up within a step of each other (the check scored up to 1.3e-3).
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4))
    X[:6] = 0
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    y[:6] = [0, 1, 0, 1, 0, 1]
    clf = BPClassifier(
        hidden_layer_sizes=(16,),
        activation="maxout",
        solver="adam",
        random_state=seed,
        max_iter=3,
    )
    assert _assert_checked_untouched(_fit_quietly(clf, X, y), X, y) < TOL


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_check_of_adam_fits_on_a_row_near_a_kink(activation, seed):
    # A row whose pre-activation of one unit is 3e-8, inside the 1e-6 a
    # weight step moves it: the check scored 0.02 to 0.1.
    X, y = _moons()
    clf = BPClassifier(
        hidden_layer_sizes=(8,), activation=activation, random_state=seed
    )
    clf = _fit_quietly(clf, X, y)
    # Move a copy of row 0 along the unit's weights to put Z at 3e-8.
    w, b = clf.coefs_[0][:, 3], clf.intercepts_[0][3]
    row = X[0] - (X[0] @ w + b - 3e-8) / (w @ w) * w
    assert abs(row @ w + b - 3e-8) < 1e-12
    X_near, y_near = np.vstack([X, row]), np.r_[y, y[0]]
    assert _assert_checked_untouched(clf, X_near, y_near) < TOL


@pytest.mark.parametrize("gap", [0.0, 6.6e-7])
def test_gradient_check_of_tied_maxout_pieces(gap):
    # Two pieces of a unit that are equal (or whose biases differ by 6.6e-7,
    # as Adam left them on an all-zero row) tie on every row: the check
    # scored 0.14 (0.1 with the gap).
    X, y = _moons()
    X = np.vstack([X, np.zeros((2, 2))])
    y = np.r_[y, 0, 1]
    clf = _fit_quietly(
        BPClassifier(hidden_layer_sizes=(8,), activation="maxout", random_state=0),
        X,
        y,
    )
    clf.coefs_[0][:, 1] = clf.coefs_[0][:, 0]
    clf.intercepts_[0][1] = clf.intercepts_[0][0] + gap
    assert _assert_checked_untouched(clf, X, y) < TOL


def test_gradient_check_moves_only_units_near_a_kink(monkeypatch):
    # The check is made at a nearby point: biases of units far from a kink
    # keep their values, and the moved ones move little.
    from skbpnet import _gradcheck

    X, y = _moons()
    clf = _fit_quietly(
        BPClassifier(
            hidden_layer_sizes=(8,),
            activation="relu",
            solver="lbfgs",
            random_state=0,
            max_iter=200,
        ),
        X,
        y,
    )
    moved = []
    leave_kinks = _gradcheck._leave_kinks

    def spy(net, X, eps):
        before = [b.copy() for b in net.intercepts]
        leave_kinks(net, X, eps)
        moved.extend(b - b0 for b, b0 in zip(net.intercepts, before))

    monkeypatch.setattr(_gradcheck, "_leave_kinks", spy)
    gradient_check(clf, X, y)
    Z = X @ clf.coefs_[0] + clf.intercepts_[0]
    near = np.abs(Z).min(axis=0) < 1e-4
    assert near.any()
    np.testing.assert_array_equal(moved[0][~near], 0.0)
    assert 0 < np.abs(moved[0][near]).max() < 1e-4
    np.testing.assert_array_equal(moved[1], 0.0)  # the output layer


@pytest.mark.parametrize(
    "activations", [["tanh", "relu", "maxout"], ["maxout", "sigmoid", "leaky_relu"]]
)
def test_kink_margin_is_the_largest_move_of_one_parameter_step(activations):
    # The margin is built on _reach: the largest derivative of each
    # pre-activation with respect to any single parameter. Compare it with
    # forward differences, parameter by parameter.
    from skbpnet._gradcheck import _reach

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(15, 3)), rng.randint(0, 3, size=15)
    clf = BPClassifier(
        hidden_layer_sizes=(4, 5, 3),
        activation=activations,
        maxout_pieces=3,
        random_state=0,
    )
    net, X, _, _, _ = clf._prepare(X, y, None, incremental=False)
    for b in net.intercepts:
        b[...] = rng.uniform(-0.5, 0.5, size=b.shape)

    def pre_activations(theta):
        net.params[...] = theta
        A, out = X, []
        for layer, W, b in zip(net.layers[:-1], net.coefs, net.intercepts):
            Z = A @ W + b
            out.append(Z.copy())
            A = layer.activate(Z, None)
        return out

    theta = net.params.copy()
    base = pre_activations(theta)
    largest = [np.zeros_like(Z) for Z in base]
    for k in range(theta.size):
        step = theta.copy()
        step[k] += 1e-7
        for most, Z, Z0 in zip(largest, pre_activations(step), base):
            np.maximum(most, np.abs(Z - Z0) / 1e-7, out=most)
    net.params[...] = theta
    A, steps, slopes = X, [], []
    for index, layer in enumerate(net.layers[:-1]):
        steps.append(np.maximum(np.abs(A).max(axis=1), 1.0))
        np.testing.assert_allclose(
            _reach(net, steps, slopes, index), largest[index], rtol=1e-5
        )
        cache = {}
        A = layer.activate(base[index].copy(), cache)
        slopes.append(np.abs(layer.backward(np.ones_like(A), A, cache)))


def test_kink_offset_is_the_smallest_that_clears_every_row():
    from skbpnet._gradcheck import _offset_from_zero

    margin = np.full(4, 0.1)
    # No row within the margin: nothing moves.
    assert _offset_from_zero(np.array([0.15, -0.3, 1.0, 2.0]), margin) == 0.0
    # Row 0 is on the kink; the nearer end of (-0.2, 0.2) clears all rows.
    assert _offset_from_zero(np.array([0.0, 0.5, -1.0, 3.0]), margin) == -0.2
    # Overlapping forbidden intervals merge: (-0.25, 0.15) and (-0.45, -0.05).
    D = np.array([0.05, 0.25])
    offset = _offset_from_zero(D, margin[:2])
    assert offset == pytest.approx(0.15)
    assert (np.abs(D + offset) >= 0.2 - 1e-12).all()
    # A margin that overflowed cannot be cleared: no infinite bias.
    assert _offset_from_zero(np.array([0.0]), np.array([np.inf])) == 0.0


def _unscaled_twin():
    """A fitted ReLU net, and the same net given an extra unscaled column
    (around 2e5) that it ignores (zero weights)."""
    from sklearn.datasets import make_moons

    X, y = make_moons(300, noise=0.2, random_state=0)
    X3 = np.c_[X, 2e5 + np.random.RandomState(0).uniform(0, 1, 300)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = BPClassifier((4,), activation="relu", random_state=0).fit(X, y)
        twin = BPClassifier((4,), activation="relu", random_state=0).fit(X3, y)
    twin.coefs_ = [np.r_[ref.coefs_[0], np.zeros((1, 4))], ref.coefs_[1].copy()]
    twin.intercepts_ = [b.copy() for b in ref.intercepts_]
    return twin, X3, y


def test_units_that_cannot_leave_a_kink_are_not_pushed_into_a_linear_net(
    monkeypatch,
):
    # A step of eps on a weight of the unscaled column moves every
    # pre-activation by ~0.2: every row is "near the kink". Moving the
    # biases until no row is (by up to 6.9) made every unit active on every
    # row, and a wrong ReLU derivative then passed the check.
    from skbpnet import _activations

    twin, X3, y = _unscaled_twin()
    with pytest.warns(UserWarning, match="4 unit.*kink"):
        gradient_check(twin, X3, y)
    forward, _ = _activations.ACTIVATIONS["relu"]
    monkeypatch.setitem(
        _activations.ACTIVATIONS, "relu", (forward, lambda A, delta, work=None: delta)
    )
    with pytest.warns(UserWarning, match="kink"):
        assert gradient_check(twin, X3, y) > 1e-2


def test_maxout_pieces_crossing_among_dense_rows_are_left_with_a_warning():
    # Four pieces crossing at x = 0 among 382 rows in [-1, 1]: moving one
    # piece off a crossing brings it onto another; the sweeps ran out and
    # kept their partial moves, and the check scored 4e-4 with no warning.
    rng = np.random.RandomState(37)
    n = rng.randint(50, 400)
    X = rng.uniform(-1, 1, size=(n, 1))
    y = np.abs(X[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = BPRegressor(
            (1,), activation="maxout", maxout_pieces=4, random_state=0, max_iter=1
        ).fit(X, y)
    reg.coefs_[0] = 1e-3 * rng.normal(size=(1, 4))
    reg.intercepts_[0][:] = 0
    with pytest.warns(UserWarning, match="1 unit.*kink"):
        gradient_check(reg, X, y)


def test_a_steep_deep_network_is_checked_to_the_documented_tolerance():
    # Six ReLU layers fitted without a penalty: the loss is so steep in
    # single weights that second-order differences erred by 4.7e-5
    # (truncation, proportional to eps**2); the fourth-order stencil is
    # below 1e-6.
    from sklearn.datasets import make_moons

    X, y = make_moons(80, noise=0.2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = BPClassifier(
            (6,) * 6,
            activation="relu",
            solver="lbfgs",
            alpha=0.0,
            random_state=1,
            max_iter=500,
        ).fit(X, y)
    assert gradient_check(clf, X, y) < 1e-6


def test_a_unit_near_its_kink_on_one_row_is_still_moved_off_it():
    # One row of unit 7 lies within the kink margin at eps=1e-5; moving it
    # off needs 0.011 but switches no other row. A cap on the move's size
    # left it on the kink (4.8e-4 with a warning); judged by the rows it
    # switches, the move is made and the check passes silently.
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    idx = np.random.RandomState(0).choice(len(X), 200, replace=False)
    X, y = StandardScaler().fit_transform(X[idx]), y[idx]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = BPClassifier(
            (16,), activation="maxout", random_state=0, max_iter=100
        ).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradient_check(clf, X, y, eps=1e-5) < 1e-6


def test_loss_value_is_loss_grads_value_bit_for_bit():
    from skbpnet._network import Network

    rng = np.random.RandomState(0)
    net = Network(5, (7, 6), ["tanh", "maxout"], 3, "softmax_cross_entropy")
    net.initialize("glorot_uniform", rng)
    X = rng.normal(size=(20, 5))
    Y = np.eye(3)[rng.randint(0, 3, 20)]
    s = rng.uniform(size=20)
    s /= s.sum()
    assert net.loss_value(X, Y, s) == net.loss_grad(X, Y, s, 0.1)


@pytest.mark.parametrize("eps", [0.0, -1e-6, float("nan"), float("inf")])
def test_gradient_check_refuses_a_step_that_is_not_positive(eps):
    # A negative step would turn the kink margins negative too.
    X = np.random.RandomState(0).normal(size=(10, 3))
    y = np.arange(10) % 2
    with pytest.raises(ValueError, match="eps must be a real number in \\(0, inf\\)"):
        gradient_check(BPClassifier(hidden_layer_sizes=(3,)), X, y, eps=eps)
