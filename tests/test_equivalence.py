"""Exact equivalences: logistic regression, ridge, integer sample weights."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge

from skbpnet import BPClassifier, BPRegressor

TIGHT = dict(solver="lbfgs", tol=1e-15, max_iter=10_000, random_state=0)

# At tol=1e-15 L-BFGS-B may end its line search at the limit of float64
# ("ABNORMAL"), which it reports as a failure; how close it got is what the
# tests assert. Whether it happens depends on rounding (the BLAS, the CPU).
pytestmark = pytest.mark.filterwarnings(
    "ignore:lbfgs failed to converge.*ABNORMAL:sklearn.exceptions.ConvergenceWarning"
)


# tol=1e-10: L-BFGS's relative-decrease test (ftol = tol**2 there) must not
# stop it at a gradient near sqrt(tol), as ftol = tol did.
@pytest.mark.parametrize("tol", [1e-10, 1e-15])
@pytest.mark.parametrize("n_classes", [2, 3, 4])
@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_no_hidden_layer_is_logistic_regression(n_classes, C, tol):
    X, y = make_classification(
        n_samples=150,
        n_features=5,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        random_state=0,
    )
    lr = LogisticRegression(C=C, tol=1e-14, max_iter=10_000).fit(X, y)
    bp = BPClassifier(hidden_layer_sizes=(), alpha=1 / C, **{**TIGHT, "tol": tol})
    bp.fit(X, y)
    assert bp.out_activation_ == ("logistic" if n_classes == 2 else "softmax")
    assert_allclose(bp.coefs_[0].T, lr.coef_, rtol=1e-5, atol=1e-5)
    assert_allclose(bp.intercepts_[0], lr.intercept_, rtol=1e-5, atol=1e-5)
    assert_allclose(bp.predict_proba(X), lr.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("alpha", [0.01, 1.0, 30.0])
def test_no_hidden_layer_is_ridge(alpha):
    X, y = make_regression(n_samples=80, n_features=6, noise=5.0, random_state=0)
    ridge = Ridge(alpha=alpha).fit(X, y)
    bp = BPRegressor(hidden_layer_sizes=(), alpha=alpha, **TIGHT).fit(X, y)
    assert_allclose(bp.coefs_[0].ravel(), ridge.coef_, rtol=1e-6, atol=1e-6)
    assert_allclose(bp.intercepts_[0], [ridge.intercept_], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n_targets", [2, 3])
def test_no_hidden_layer_multi_output_is_ridge_with_the_same_alpha(n_targets):
    # The squared error is summed over the k columns, as in Ridge (and in the
    # gradient of MLPRegressor): Ridge(alpha=a) is BPRegressor(alpha=a).
    X, y = make_regression(
        n_samples=80, n_features=6, n_targets=n_targets, noise=5.0, random_state=0
    )
    ridge = Ridge(alpha=3.0).fit(X, y)
    bp = BPRegressor(hidden_layer_sizes=(), alpha=3.0, **TIGHT).fit(X, y)
    assert_allclose(bp.coefs_[0].T, ridge.coef_, rtol=1e-6, atol=1e-6)
    assert_allclose(bp.intercepts_[0], ridge.intercept_, rtol=1e-6, atol=1e-6)


def test_default_tol_stops_lbfgs_short_of_the_ridge_minimum():
    # What the docs warn about: the default tol (L-BFGS's gtol) stops
    # measurably early, so the equivalence needs a small tol.
    X, y = make_regression(n_samples=80, n_features=6, noise=5.0, random_state=0)
    ridge = Ridge(alpha=1.0).fit(X, y)
    loose = BPRegressor(
        hidden_layer_sizes=(), solver="lbfgs", alpha=1.0, random_state=0
    )
    tight = BPRegressor(hidden_layer_sizes=(), alpha=1.0, **TIGHT)
    err_loose = np.abs(loose.fit(X, y).coefs_[0].ravel() - ridge.coef_).max()
    err_tight = np.abs(tight.fit(X, y).coefs_[0].ravel() - ridge.coef_).max()
    assert err_tight < 1e-6 < err_loose


def test_weighted_logistic_regression():
    X, y = make_classification(n_samples=120, n_features=4, random_state=1)
    sw = np.random.RandomState(0).uniform(0.2, 4, size=120)
    lr = LogisticRegression(C=2.0, tol=1e-12, max_iter=10_000).fit(
        X, y, sample_weight=sw
    )
    bp = BPClassifier(hidden_layer_sizes=(), alpha=0.5, **TIGHT)
    bp.fit(X, y, sample_weight=sw)
    # LogisticRegression scales its penalty by the total weight exactly as alpha does.
    assert_allclose(bp.coefs_[0].T, lr.coef_, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "Estimator, make_y",
    [
        (BPClassifier, lambda rng, n: rng.randint(0, 3, size=n)),
        (BPRegressor, lambda rng, n: rng.normal(size=n)),
    ],
)
def test_integer_weights_equal_repeated_rows_lbfgs(Estimator, make_y):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4))
    y = make_y(rng, 30)
    sw = rng.randint(0, 4, size=30)
    params = dict(hidden_layer_sizes=(5,), activation="tanh", alpha=1.0, **TIGHT)
    weighted = Estimator(**params).fit(X, y, sample_weight=sw)
    repeated = Estimator(**params).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    for W_w, W_r in zip(weighted.coefs_, repeated.coefs_):
        assert_allclose(W_w, W_r, rtol=1e-5, atol=1e-5)
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("block", [20, 60])
def test_partial_fit_stream_with_alpha_times_block_over_n_is_one_epoch_of_fit(
    solver, block
):
    # A partial_fit call's training set is its own data, so its penalty is
    # alpha / (2 * the call's weight) * ||W||^2. Streaming N rows in blocks of
    # B with alpha * B / N regularises exactly like fit with alpha; with
    # alpha itself it is N / B times stronger.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    alpha, n = 3.0, X.shape[0]
    params = dict(
        hidden_layer_sizes=(7,),
        solver=solver,
        shuffle=False,
        batch_size=20,
        learning_rate="constant",
        learning_rate_init=0.01,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        full = BPClassifier(alpha=alpha, max_iter=1, **params).fit(X, y)

    def stream(alpha):
        clf = BPClassifier(alpha=alpha, **params)
        for start in range(0, n, block):
            rows = slice(start, start + block)
            clf.partial_fit(X[rows], y[rows], classes=[0, 1])
        return clf

    scaled = stream(alpha * block / n)
    assert scaled.t_ == full.t_ == n
    for got, want in zip(
        scaled.coefs_ + scaled.intercepts_, full.coefs_ + full.intercepts_
    ):
        assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    unscaled = stream(alpha)
    assert not np.allclose(unscaled.coefs_[0], full.coefs_[0], rtol=1e-3)


@pytest.mark.parametrize("batch_size", [1, 7, 30])
def test_an_epoch_of_weighted_batch_gradients_adds_up_to_the_full_gradient(
    batch_size,
):
    # Each row's weight is divided by its batch's size times the mean weight,
    # so, at fixed weights, the batches' gradients average to the gradient of
    # the weighted mean loss over all rows (an unbiased estimate per batch).
    # Normalising within each batch would not: with one row per batch it
    # ignores the weights.
    from sklearn.utils import gen_batches

    from skbpnet._batches import _Batches
    from skbpnet._network import Network

    rng = np.random.RandomState(0)
    n = 60
    X = rng.normal(size=(n, 4))
    Y = np.eye(3)[rng.randint(0, 3, size=n)]
    w = rng.uniform(0.1, 5.0, size=n)
    net = Network(4, (5,), ["tanh"], 3, "softmax_cross_entropy")
    net.initialize("lecun_normal", rng)
    full_loss = net.loss_grad(X, Y, w / w.sum(), 0.0)
    full = net.grad.copy()
    batches = _Batches(X, Y, w, batch_size, w.mean())
    order = rng.permutation(n)
    summed, losses = np.zeros_like(full), 0.0
    for batch in gen_batches(n, batch_size):
        X_b, Y_b, s, weight, own = batches(order[batch])
        assert own == pytest.approx(w[order[batch]].sum(), rel=1e-12)
        losses += net.loss_grad(X_b, Y_b, s, 0.0) * weight
        summed += net.grad * (Y_b.shape[0] / n)
    assert_allclose(summed, full, rtol=1e-12, atol=1e-15)
    assert losses / w.sum() == pytest.approx(full_loss, rel=1e-12)


def test_class_weight_counts_with_one_row_per_batch():
    X, y = make_classification(
        200, 4, n_informative=2, weights=[0.7], flip_y=0.2, random_state=0
    )
    params = dict(
        hidden_layer_sizes=(), solver="sgd", batch_size=1, max_iter=5, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        plain = BPClassifier(**params).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        weighted = BPClassifier(class_weight={0: 1, 1: 20}, **params).fit(X, y)
    assert (weighted.predict(X) == 1).mean() > (plain.predict(X) == 1).mean() + 0.2


@pytest.mark.parametrize("batch_size", [1, 5])
def test_weighted_sgd_with_small_batches_reaches_the_weighted_minimum(batch_size):
    # Every solver minimises the same weighted objective: small-batch sgd
    # with a decaying rate ends near lbfgs's weighted solution. (Normalised
    # within each batch, the weights would pull it 0.1-0.5 away, towards the
    # unweighted solution.)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.5 * rng.normal(size=300) + 2 * (X[:, 0] > 0)
    w = np.where(X[:, 0] > 0, 10.0, 1.0)
    exact = BPRegressor(
        hidden_layer_sizes=(), alpha=1e-4, tol=1e-12, max_iter=10_000, solver="lbfgs"
    ).fit(X, y, sample_weight=w)
    sgd = BPRegressor(
        hidden_layer_sizes=(),
        solver="sgd",
        momentum=0.0,
        alpha=1e-4,
        batch_size=batch_size,
        learning_rate="invscaling",
        learning_rate_init=0.01 * batch_size,
        max_iter=300,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        sgd.fit(X, y, sample_weight=w)
    assert_allclose(sgd.coefs_[0], exact.coefs_[0], atol=0.05)
    assert_allclose(sgd.intercepts_[0], exact.intercepts_[0], atol=0.05)


@pytest.mark.parametrize(
    "solver, batch_size", [("sgd", 1), ("adam", 16), ("lbfgs", 120)]
)
def test_scaling_all_weights_and_alpha_together_changes_nothing(solver, batch_size):
    # The objective is the weighted mean loss plus alpha / (2 * total weight)
    # * ||W||^2: multiplying every weight and alpha by c leaves it, and (c a
    # power of two, so exactly) every step, unchanged.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(120, 4)), rng.randint(0, 3, size=120)
    w = rng.uniform(0.1, 3.0, size=120)
    params = dict(
        hidden_layer_sizes=(5,),
        solver=solver,
        batch_size=batch_size,
        max_iter=5,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        base = BPClassifier(alpha=1e-2, **params).fit(X, y, sample_weight=w)
        scaled = BPClassifier(alpha=8e-2, **params).fit(X, y, sample_weight=8 * w)
    for a, b in zip(base.coefs_ + base.intercepts_, scaled.coefs_ + scaled.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert base.loss_curve_ == scaled.loss_curve_
