"""BPRegressor behaviour: outputs, losses, dtypes."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import PoissonRegressor
from sklearn.neural_network import MLPRegressor

from skbpnet import BPRegressor

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
    # A (n, 1) target predicts 1-D, as in scikit-learn.
    assert BPRegressor(max_iter=5).fit(X, y[:, None]).predict(X).shape == (300,)


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


def test_same_parameters_as_mlpregressor():
    ours = BPRegressor().get_params()
    for name, default in MLPRegressor().get_params().items():
        assert ours[name] == default, name
