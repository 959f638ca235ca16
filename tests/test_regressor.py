"""BPRegressor behaviour: outputs, losses, dtypes."""

import inspect

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.neural_network import MLPRegressor

from skbpnet import BPClassifier, BPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def sine():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(300, 2))
    y = np.sin(3 * X[:, 0]) + 0.5 * X[:, 1]
    return X, y


def test_fits_a_smooth_function(sine):
    X, y = sine
    reg = BPRegressor(
        hidden_layer_sizes=(32,), activation="tanh", solver="lbfgs", random_state=0
    ).fit(X, y)
    assert reg.out_activation_ == "identity"
    assert reg.predict(X).shape == (300,)
    assert reg.score(X, y) > 0.99


def test_multi_output(sine):
    X, y = sine
    Y = np.column_stack([y, -2 * y, X[:, 0] ** 2])
    reg = BPRegressor(
        hidden_layer_sizes=(32,),
        activation="tanh",
        solver="lbfgs",
        tol=1e-8,
        random_state=0,
    ).fit(X, Y)
    assert reg.n_outputs_ == 3
    assert reg.predict(X).shape == (300, 3)
    assert reg.score(X, Y) > 0.98
    # A (n, 1) target predicts 1-D, as in scikit-learn (which warns too).
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = BPRegressor(max_iter=5).fit(X, y[:, None])
    assert column.predict(X).shape == (300,)


def test_squared_error_loss_value(sine):
    X, y = sine
    reg = BPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=0.0).fit(X, y)
    # loss_ is 0.5 * mean squared residual.
    assert reg.loss_ == pytest.approx(
        0.5 * np.mean((reg.predict(X) - y) ** 2), rel=1e-6
    )


def test_poisson_matches_poisson_glm():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    y = rng.poisson(np.exp(0.3 * X[:, 0] - 0.5 * X[:, 1] + 0.2))
    glm = PoissonRegressor(alpha=1.0 / 400, tol=1e-12, max_iter=10_000).fit(X, y)
    # Both minimise the mean half Poisson deviance plus a penalty:
    # PoissonRegressor alpha_glm / 2 * ||w||^2, ours alpha / (2 n) * ||w||^2,
    # so alpha = n * alpha_glm gives the same model.
    reg = BPRegressor(
        hidden_layer_sizes=(),
        loss="poisson",
        solver="lbfgs",
        alpha=1.0,
        tol=1e-15,
        max_iter=10_000,
    ).fit(X, y)
    assert reg.out_activation_ == "exp"
    assert_allclose(reg.coefs_[0].ravel(), glm.coef_, rtol=1e-5, atol=1e-6)
    assert_allclose(reg.intercepts_[0], [glm.intercept_], rtol=1e-5, atol=1e-6)
    assert np.all(reg.predict(X) > 0)


def test_poisson_rejects_negative_targets():
    with pytest.raises(ValueError, match="non-negative"):
        BPRegressor(loss="poisson").fit(np.ones((4, 1)), [1.0, -1.0, 2.0, 0.0])
    with pytest.raises(ValueError, match="loss must be one of"):
        BPRegressor(loss="absolute_error").fit(np.ones((4, 1)), [1.0, 1.0, 2.0, 0.0])


def test_float32(sine):
    X, y = sine
    reg = BPRegressor(hidden_layer_sizes=(8,), max_iter=20).fit(X.astype(np.float32), y)
    assert reg.coefs_[0].dtype == np.float32
    assert reg.predict(X.astype(np.float32)).dtype == np.float32


def test_partial_fit_streams(sine):
    X, y = sine
    reg = BPRegressor(
        hidden_layer_sizes=(16,),
        activation="tanh",
        learning_rate_init=0.01,
        random_state=0,
    )
    for _ in range(20):
        for chunk in np.array_split(np.arange(300), 6):
            reg.partial_fit(X[chunk], y[chunk])
    assert reg.score(X, y) > 0.8
    assert not hasattr(BPRegressor(solver="lbfgs"), "partial_fit")


def test_partial_fit_signature_is_the_contracts(sine):
    # API.md: partial_fit(X, y, classes=None, sample_weight=None) for both
    # estimators. A regressor has no classes: sample weights passed third,
    # by position as MLPRegressor takes them, are refused before training.
    for est in (BPClassifier, BPRegressor):
        names = list(inspect.signature(est.partial_fit).parameters)
        assert names == ["self", "X", "y", "classes", "sample_weight"], est
    X, y = sine
    w = np.linspace(0.5, 2.0, len(y))
    reg = BPRegressor(hidden_layer_sizes=(4,), random_state=0)
    with pytest.raises(TypeError, match="classes must be None"):
        reg.partial_fit(X, y, w)
    assert not hasattr(reg, "coefs_")
    keyword = clone(reg).partial_fit(X, y, sample_weight=w)
    explicit = clone(reg).partial_fit(X, y, classes=None, sample_weight=w)
    unweighted = clone(reg).partial_fit(X, y)
    for ours, want in zip(explicit.coefs_, keyword.coefs_):
        assert_array_equal(ours, want)
    assert not np.array_equal(explicit.coefs_[0], unweighted.coefs_[0])
    # classes is not metadata a router could send to a regressor.
    with config_context(enable_metadata_routing=True):
        with pytest.raises(TypeError, match="classes"):
            BPRegressor().set_partial_fit_request(classes=True)
        BPRegressor().set_partial_fit_request(sample_weight=True)


def test_same_parameters_as_mlpregressor():
    ours = BPRegressor().get_params()
    for name, default in MLPRegressor().get_params().items():
        assert ours[name] == default, name


@pytest.mark.skipif(
    "loss" not in MLPRegressor().get_params(),
    reason="MLPRegressor has a loss parameter from scikit-learn 1.7",
)
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("alpha", [0.0, 5.0])
def test_multi_output_step_is_mlpregressors(loss, alpha):
    # From the same weights, one full-batch SGD step without momentum moves
    # every weight exactly as MLPRegressor's does: the same data gradient
    # (summed over the 4 outputs) and the same penalty gradient.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3))
    Y = rng.normal(size=(50, 4))
    if loss == "poisson":
        Y = rng.poisson(2.0, size=(50, 4)).astype(float)
    W = [0.3 * rng.normal(size=(3, 5)), 0.3 * rng.normal(size=(5, 4))]
    b = [0.1 * rng.normal(size=5), 0.1 * rng.normal(size=4)]
    settings = dict(
        hidden_layer_sizes=(5,),
        activation="tanh",
        solver="sgd",
        momentum=0.0,
        alpha=alpha,
        batch_size=50,
        shuffle=False,
        learning_rate_init=0.1,
        loss=loss,
    )
    stepped = []
    for est in (MLPRegressor(**settings), BPRegressor(**settings)):
        est.partial_fit(X, Y)  # builds the network; its weights are replaced
        est.coefs_ = [w.copy() for w in W]
        est.intercepts_ = [v.copy() for v in b]
        est.partial_fit(X, Y)
        stepped.append(est)
    mlp, bp = stepped
    for ours, theirs in zip(bp.coefs_ + bp.intercepts_, mlp.coefs_ + mlp.intercepts_):
        assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    # The reported loss too (averaged over the outputs for the squared error,
    # summed for Poisson, as scikit-learn reports them), penalty included: a
    # full batch's penalty is counted at the weights before the step by both.
    assert bp.loss_ == pytest.approx(mlp.loss_, rel=1e-12)
    assert bp.loss_curve_[-1] == pytest.approx(mlp.loss_curve_[-1], rel=1e-12)


def test_full_batch_loss_curve_and_stopping_epoch_are_mlpregressors():
    # From the same weights, with a penalty large enough to matter, every
    # epoch's loss and so the epoch the tol rule stops at are MLPRegressor's.
    # (Counting the penalty at the weights after the epoch's step, as skbpnet
    # once did, stopped this fit one epoch later, and others much later.)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y = X @ [1.0, -2.0, 0.5, 0.0]
    settings = dict(
        hidden_layer_sizes=(4,),
        activation="tanh",
        solver="sgd",
        batch_size=60,
        shuffle=False,
        alpha=5.0,
        learning_rate_init=0.01,
        tol=1e-3,
        n_iter_no_change=2,
        random_state=0,
        max_iter=300,
    )
    W = [0.5 * rng.normal(size=(4, 4)), 0.5 * rng.normal(size=(4, 1))]
    b = [np.zeros(4), np.zeros(1)]
    fitted = []
    for est in (MLPRegressor(**settings), BPRegressor(**settings)):
        est.set_params(max_iter=1)
        with pytest.warns(ConvergenceWarning):
            est.fit(X, y)  # builds the network; its weights are replaced
        est.coefs_ = [w.copy() for w in W]
        est.intercepts_ = [v.copy() for v in b]
        est.loss_curve_, est.best_loss_, est._no_improvement_count = [], np.inf, 0
        est.set_params(warm_start=True, max_iter=300).fit(X, y)
        fitted.append(est)
    mlp, bp = fitted
    assert bp.n_iter_ == mlp.n_iter_ < 300
    assert_allclose(bp.loss_curve_, mlp.loss_curve_, rtol=1e-12)
    for ours, theirs in zip(bp.coefs_ + bp.intercepts_, mlp.coefs_ + mlp.intercepts_):
        assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch_size", [16, 32])
def test_shuffled_epochs_follow_mlpregressors_row_order(batch_size):
    # From the same weights and the same random stream, several shuffled
    # epochs of SGD visit the rows as MLPRegressor does: each epoch shuffles
    # the previous epoch's order. (Sorting each batch's rows in place once
    # reordered that order by batch, so from the second epoch on the rows,
    # and the losses, differed.)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 5))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    W = [0.5 * rng.normal(size=(5, 7)), 0.5 * rng.normal(size=(7, 1))]
    b = [0.1 * rng.normal(size=7), 0.1 * rng.normal(size=1)]
    settings = dict(
        hidden_layer_sizes=(7,),
        solver="sgd",
        momentum=0.0,
        alpha=0.0,
        batch_size=batch_size,
        learning_rate_init=0.05,
        max_iter=6,
        tol=0.0,
        warm_start=True,
        random_state=3,
    )
    curves = []
    for est in (MLPRegressor(**settings), BPRegressor(**settings)):
        est.partial_fit(X, y)  # builds the network; its weights are replaced
        est.coefs_ = [w.copy() for w in W]
        est.intercepts_ = [v.copy() for v in b]
        est.loss_curve_ = []
        # MLPRegressor draws its shuffles from a new RandomState(3) in every
        # fit; skbpnet goes on with its stream, so start it at the same place.
        est._random_state = np.random.RandomState(3)
        with pytest.warns(ConvergenceWarning):
            est.fit(X, y)
        curves.append(est.loss_curve_)
    assert len(curves[1]) == 6
    assert_allclose(curves[1], curves[0], rtol=1e-12)


def test_multi_output_loss_is_reported_as_scikit_learn_does():
    # Trained on the squared error summed over the 3 outputs; loss_ averages
    # the data term over them (plus the penalty), for every solver.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    Y = rng.normal(size=(40, 3))
    for solver in ("lbfgs", "adam"):
        reg = BPRegressor(
            hidden_layer_sizes=(4,),
            solver=solver,
            alpha=2.0,
            max_iter=5,
            random_state=0,
        )
        with pytest.warns(Warning):
            reg.fit(X, Y)
        residual = 0.5 * np.mean((reg.predict(X) - Y) ** 2)
        penalty = 2.0 / (2 * 40) * sum((W**2).sum() for W in reg.coefs_)
        if solver == "lbfgs":  # loss_ is that of the final weights
            assert reg.loss_ == pytest.approx(residual + penalty, rel=1e-10)
        assert len(reg.loss_curve_) == reg.n_iter_
        assert reg.loss_curve_[-1] == pytest.approx(reg.loss_, rel=1e-12)


def test_lbfgs_with_a_large_tol_still_trains():
    # tol is L-BFGS's gtol, and its ftol is never above SciPy's default: with
    # ftol = tol = 1e-2 the fit stopped after its first, short step (R^2 near
    # 0, no warning); MLPRegressor trains on, and so does BPRegressor.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    Y = X @ rng.normal(size=(5, 3)) + 0.01 * rng.normal(size=(200, 3))
    reg = BPRegressor(
        hidden_layer_sizes=(20,),
        solver="lbfgs",
        tol=1e-2,
        max_iter=2000,
        random_state=1,
    ).fit(X, Y)
    assert reg.n_iter_ > 5
    assert reg.score(X, Y) > 0.99


@pytest.mark.parametrize("container", ["ndarray", "DataFrame"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_column_vector_y_warns_like_mlpregressor(sine, container, method):
    # MLPRegressor (and BPClassifier) warn that a (n, 1) y should be 1-D;
    # the fit itself is the one of the 1-D y: one output, 1-D predictions.
    X, y = sine
    column = y.reshape(-1, 1)
    if container == "DataFrame":
        pd = pytest.importorskip("pandas")
        column = pd.DataFrame(column, columns=["target"])
    params = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    flat = getattr(BPRegressor(**params), method)(X, y)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        reg = getattr(BPRegressor(**params), method)(X, column)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        getattr(MLPRegressor(**params), method)(X, column)
    assert reg.n_outputs_ == flat.n_outputs_ == 1
    assert reg.predict(X).shape == (X.shape[0],)
    for got, want in zip(reg.coefs_ + reg.intercepts_, flat.coefs_ + flat.intercepts_):
        assert_allclose(got, want, rtol=0, atol=0)


def test_sparse_y_is_densified(sine):
    X, y = sine
    Y = np.c_[y, 2 * y]
    params = dict(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=20, random_state=0)
    dense = BPRegressor(**params).fit(X, Y)
    sparse = BPRegressor(**params).fit(X, sp.csr_matrix(Y))
    np.testing.assert_array_equal(sparse.predict(X), dense.predict(X))


def test_y_beyond_float32_range_with_float32_X_is_an_error(sine):
    X, y = sine
    with pytest.raises(ValueError, match="too large for float32"):
        BPRegressor(hidden_layer_sizes=(3,)).fit(X.astype(np.float32), y * 1e39)


def test_float32_overflow_of_y_in_a_float32_model_names_the_model(sine):
    # A model fitted in float32 continues in float32 on float64 X.
    X, y = sine
    reg = BPRegressor(hidden_layer_sizes=(3,)).partial_fit(X.astype(np.float32), y)
    with pytest.raises(ValueError, match="model fitted in float32"):
        reg.partial_fit(X, y * 1e39)


def test_float32_lbfgs_ended_by_an_overflowing_trial_step_says_so():
    # exp overflows float32 at a trial step of the line search, and L-BFGS-B
    # stops at once; the warning points at float64 rather than only at
    # scaling (X is standard normal here).
    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.RandomState(0)
    rng.normal(size=15000)  # an outside audit's draws, whose data hit it
    rng.randint(0, 300, 1500)
    X = rng.normal(size=(400, 5))
    y = rng.poisson(100 * np.exp(2 + 1.5 * X[:, 0].astype(np.float32)))
    reg = BPRegressor(
        hidden_layer_sizes=(8,),
        loss="poisson",
        solver="lbfgs",
        max_iter=50,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="fitting on float64 X"):
        reg.fit(X.astype(np.float32), y)
