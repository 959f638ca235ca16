"""Sequences of calls: a failed fit, warm starts and partial_fit after set_params."""

import copy
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skbpnet import BPClassifier, BPRegressor
from skbpnet._network import Network


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def _quiet_fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


@pytest.mark.parametrize(
    "bad_fit",
    [
        lambda X, y: (X, np.full(len(y), 7)),  # one class
        lambda X, y: (X[:, :10], np.zeros(len(y))),  # new width, one class
    ],
)
def test_a_failed_refit_leaves_the_fitted_model_as_it_was(digits, bad_fit):
    X, y = digits
    clf = _quiet_fit(
        BPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0), X, y
    )
    before = clf.predict_proba(X[:5])
    state = dict(vars(clf))
    with pytest.raises(ValueError):
        clf.fit(*bad_fit(X, y))
    assert set(vars(clf)) == set(state)
    assert_array_equal(clf.classes_, np.arange(10))
    assert clf.n_features_in_ == 64
    assert_array_equal(clf.predict_proba(X[:5]), before)


def test_a_failed_first_partial_fit_leaves_the_estimator_unfitted(digits):
    X, y = digits
    clf = BPClassifier(early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support"):
        clf.partial_fit(X, y, classes=np.arange(10))
    assert not hasattr(clf, "coefs_") and not hasattr(clf, "classes_")


def test_changing_the_loss_of_a_fitted_regressor_needs_a_refit():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(100, 3))
    y = rng.poisson(np.exp(1 + X[:, 0])).astype(float)
    reg = _quiet_fit(
        BPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0), X, y
    )
    reg.set_params(loss="poisson", warm_start=True)
    with pytest.raises(ValueError, match="The loss changed since the last fit"):
        reg.fit(X, y)
    with pytest.raises(ValueError, match="The loss changed since the last fit"):
        reg.partial_fit(X, y)
    assert reg.out_activation_ == "identity"
    reg.set_params(warm_start=False)
    assert _quiet_fit(reg, X, y).out_activation_ == "exp"


def test_a_fresh_refit_that_diverges_at_once_reports_its_own_loss(digits):
    X, y = digits
    reg = BPRegressor(hidden_layer_sizes=(32,), max_iter=50, random_state=0)
    old_loss = _quiet_fit(reg, X, y.astype(float)).loss_
    reg.set_params(
        activation="identity", init="normal", solver="sgd", learning_rate_init=10.0
    )
    with pytest.warns(ConvergenceWarning, match="diverged in epoch 1"):
        reg.fit(X * 16, y.astype(float))
    assert reg.n_iter_ == 0
    # loss_ describes the kept (initial) weights, not the previous fit.
    half_mse = 0.5 * np.mean((reg.predict(X * 16) - y) ** 2)
    assert reg.loss_ == pytest.approx(half_mse, rel=0.01)
    assert reg.loss_ > 100 * old_loss


def test_warm_start_with_early_stopping_keeps_the_best_weights(digits):
    X, y = digits
    clf = _quiet_fit(
        BPClassifier(
            hidden_layer_sizes=(32,),
            early_stopping=True,
            learning_rate_init=0.01,
            tol=1e-3,
            max_iter=300,
            random_state=0,
        ),
        X,
        y,
    )
    best, n_before = clf.best_validation_score_, len(clf.validation_scores_)
    start = [W.copy() for W in clf.coefs_]
    _quiet_fit(clf.set_params(warm_start=True), X, y)
    new_scores = clf.validation_scores_[n_before:]
    # The count of epochs without improvement started over ...
    assert len(new_scores) >= clf.n_iter_no_change
    if max(new_scores) <= best:
        # ... and when no epoch beat the old best, its weights are kept.
        for W, W0 in zip(clf.coefs_, start):
            assert_array_equal(W, W0)
    assert clf.best_validation_score_ == max(best, max(new_scores))


def test_lbfgs_that_never_gets_finite_names_lbfgs_not_epochs():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 5)
    y = X @ rng.randn(5)
    reg = BPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", init="normal")
    with pytest.warns(ConvergenceWarning, match="solver='lbfgs'") as record:
        reg.fit(X * 1e160, y)
    message = str(record[0].message)
    assert "epoch" not in message and "learning_rate_init" not in message


def test_multilabel_model_refuses_single_label_y(digits):
    X, y = digits
    Y = np.column_stack([y % 2, y > 4]).astype(int)
    clf = _quiet_fit(BPClassifier(hidden_layer_sizes=(8,), max_iter=3), X, Y)
    with pytest.raises(ValueError, match="fitted on a multilabel-indicator"):
        clf.partial_fit(X, y % 2)
    with pytest.raises(ValueError, match="fitted on a multilabel-indicator"):
        clf.set_params(warm_start=True).fit(X, y % 2)


def test_a_fitted_model_keeps_its_dtype(digits):
    X, y = digits
    clf = _quiet_fit(BPClassifier(hidden_layer_sizes=(8,), max_iter=3), X, y)
    clf.partial_fit(X.astype(np.float32), y)
    assert all(W.dtype == np.float64 for W in clf.coefs_ + clf.intercepts_)
    clf32 = _quiet_fit(
        BPClassifier(hidden_layer_sizes=(8,), max_iter=3), X.astype(np.float32), y
    )
    clf32.partial_fit(X, y)
    assert all(W.dtype == np.float32 for W in clf32.coefs_ + clf32.intercepts_)
    assert clf32._optimizer.optimizer.m.dtype == np.float32


def test_partial_fit_follows_set_params(digits):
    X, y = digits
    clf = BPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01)
    clf.partial_fit(X, y, classes=np.arange(10))
    clf.set_params(learning_rate_init=1e-4, beta_1=0.5)
    clf.partial_fit(X, y)
    adam = clf._optimizer.optimizer
    assert adam.learning_rate == 1e-4 and adam.beta_1 == 0.5
    assert adam.t > 0  # the moments were kept
    clf.set_params(solver="sgd", momentum=0.5, learning_rate_init=0.1)
    clf.partial_fit(X, y)
    sgd = clf._optimizer.optimizer
    assert type(sgd).__name__ == "SGD"
    assert sgd.learning_rate == 0.1 and sgd.momentum == 0.5


def test_partial_fit_keeps_a_schedule_s_learning_rate(digits):
    # learning_rate='adaptive' lowers the optimizer's rate; an unchanged
    # learning_rate_init must not undo that.
    X, y = digits
    clf = BPClassifier(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.1)
    clf.partial_fit(X, y, classes=np.arange(10))
    clf._optimizer.optimizer.learning_rate = 0.02  # as a schedule would
    clf.partial_fit(X, y)
    assert clf._optimizer.optimizer.learning_rate == 0.02


def test_an_error_in_the_middle_of_training_restores_the_history(digits, monkeypatch):
    from skbpnet._network import Network

    X, y = digits
    clf = _quiet_fit(BPClassifier(hidden_layer_sizes=(8,), max_iter=3), X, y)
    curve, coefs = list(clf.loss_curve_), [W.copy() for W in clf.coefs_]
    calls = {"n": 0}
    original = Network.loss_grad

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 30:  # in the second epoch of the partial_fit below
            raise MemoryError("simulated")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_grad", failing)
    with pytest.raises(MemoryError):
        clf.set_params(max_iter=5, warm_start=True).fit(X, y)
    assert clf.loss_curve_ == curve
    for W, W0 in zip(clf.coefs_, coefs):
        assert_array_equal(W, W0)


def test_a_failed_fit_leaves_the_random_stream_where_it_was(monkeypatch):
    # A fit that fails after the validation split and the first shuffle drew
    # from the stream; the next fit then differed from an untouched copy's.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 2)), np.arange(20) % 2
    clf = BPClassifier(
        hidden_layer_sizes=(3,),
        early_stopping=True,
        validation_fraction=0.2,
        warm_start=True,
        max_iter=3,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    twin = copy.deepcopy(clf)

    def failing(self, *args, **kwargs):
        raise RuntimeError("a failure in the middle of training")

    with monkeypatch.context() as patch:
        patch.setattr(Network, "loss_grad", failing)
        with pytest.raises(RuntimeError, match="middle of training"):
            clf.fit(X, y)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    with pytest.warns(ConvergenceWarning):
        twin.fit(X, y)
    for W, W_twin in zip(clf.coefs_, twin.coefs_):
        assert_array_equal(W, W_twin)


def test_a_failed_fit_does_not_rewind_numpys_global_generator(monkeypatch):
    # With random_state=None the stream is NumPy's global generator, which the
    # rest of the process shares: rewinding it would make other code repeat
    # the numbers it drew meanwhile.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 2)), np.arange(20) % 2
    clf = BPClassifier(hidden_layer_sizes=(3,), warm_start=True, max_iter=3)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)

    def failing(self, *args, **kwargs):
        np.random.random_sample()  # noqa: NPY002 (another user of the global one)
        raise RuntimeError("a failure in the middle of training")

    def position():
        _, keys, pos, *_ = np.random.get_state()  # noqa: NPY002
        return keys.copy(), pos

    keys, pos = position()
    with monkeypatch.context() as patch:
        patch.setattr(Network, "loss_grad", failing)
        with pytest.raises(RuntimeError, match="middle of training"):
            clf.fit(X, y)
    keys_after, pos_after = position()
    assert pos_after != pos or not np.array_equal(keys_after, keys)


def test_adam_keeps_training_when_exponential_decay_reaches_zero():
    # 0.01**epoch underflows to exactly 0.0 after about 160 epochs; Adam
    # then takes no step instead of dividing by zero.
    X, y = load_digits(n_class=2, return_X_y=True)
    clf = _quiet_fit(
        BPClassifier(
            hidden_layer_sizes=(4,),
            learning_rate="exponential",
            decay_rate=0.01,
            n_iter_no_change=np.inf,
            max_iter=200,
            random_state=0,
        ),
        X / 16,
        y,
    )
    assert clf.n_iter_ == 200
    assert clf._optimizer.optimizer.learning_rate == 0.0
    before = [w.copy() for w in clf.coefs_]
    clf.partial_fit(X / 16, y)
    for old, new in zip(before, clf.coefs_):
        assert_array_equal(old, new)


def test_a_fresh_lbfgs_fit_forgets_the_previous_optimizer(digits):
    # The first fit of ``reused`` is discarded by the lbfgs refit, so a
    # partial_fit afterwards must behave as on a model that never had it.
    X, y = digits[0][:300], digits[1][:300]
    params = dict(hidden_layer_sizes=(8,), learning_rate="exponential", random_state=0)
    reused = _quiet_fit(BPClassifier(max_iter=20, **params), X, y)
    _quiet_fit(reused.set_params(solver="lbfgs"), X, y)
    fresh = _quiet_fit(BPClassifier(solver="lbfgs", max_iter=20, **params), X, y)
    for est in (reused, fresh):
        est.set_params(solver="adam").partial_fit(X, y)
    for a, b in zip(reused.coefs_, fresh.coefs_):
        assert_array_equal(a, b)


def test_a_warm_lbfgs_fit_also_forgets_the_stochastic_optimizer(digits):
    # L-BFGS moves the weights, so Adam's moments and the decayed rate no
    # longer describe them: the next partial_fit starts a new optimizer.
    X, y = digits[0][:300], digits[1][:300]
    clf = _quiet_fit(
        BPClassifier(
            hidden_layer_sizes=(8,),
            learning_rate="exponential",
            max_iter=20,
            random_state=0,
        ),
        X,
        y,
    )
    _quiet_fit(clf.set_params(solver="lbfgs", warm_start=True), X, y)
    assert not hasattr(clf, "_optimizer")
    expected = copy.deepcopy(clf)
    for est in (clf, expected):
        est.set_params(solver="adam").partial_fit(X, y)
    assert clf._optimizer.epoch == 1
    for a, b in zip(clf.coefs_, expected.coefs_):
        assert_array_equal(a, b)


def test_a_warm_start_after_convergence_gets_its_own_patience(digits):
    X, y = digits
    clf = _quiet_fit(
        BPClassifier(
            hidden_layer_sizes=(8,), tol=1e-2, n_iter_no_change=3, random_state=0
        ),
        X,
        y,
    )
    assert clf.n_iter_ < clf.max_iter  # stopped by the tol criterion
    _quiet_fit(clf.set_params(warm_start=True), X, y)
    # At least n_iter_no_change + 1 epochs without improvement, not one.
    assert clf.n_iter_ >= 4


def test_invscaling_warm_start_goes_on_with_the_scheduled_rate(digits):
    # With momentum 0 the optimizer's only state is its rate, so a one-epoch
    # warm start and one partial_fit take the same step if, and only if, the
    # warm start uses learning_rate_init / (t_ + 1) ** power_t.
    X, y = digits[0][:300], digits[1][:300]
    clf = _quiet_fit(
        BPClassifier(
            hidden_layer_sizes=(8,),
            solver="sgd",
            learning_rate="invscaling",
            learning_rate_init=0.1,
            momentum=0.0,
            shuffle=False,
            max_iter=5,
            random_state=0,
        ),
        X,
        y,
    )
    streamed = copy.deepcopy(clf).partial_fit(X, y)
    warm = _quiet_fit(clf.set_params(warm_start=True, max_iter=1), X, y)
    for a, b in zip(warm.coefs_, streamed.coefs_):
        assert_array_equal(a, b)


@pytest.fixture
def held_out(monkeypatch):
    """The validation rows of every epoch scored, sorted, as they are scored."""
    from skbpnet._stochastic import _StochasticTraining

    rows = []
    score_indices = _StochasticTraining._score_indices

    def spy(self, net, X, Y, sample_weight, idx, *args):
        rows.append(np.sort(idx))
        return score_indices(self, net, X, Y, sample_weight, idx, *args)

    monkeypatch.setattr(_StochasticTraining, "_score_indices", spy)
    return rows


def test_warm_starts_with_early_stopping_hold_out_the_same_rows(digits, held_out):
    # The best score a warm start carries over was measured on the rows held
    # out before; scoring this fit on other rows (some of them trained on)
    # would compare unlike things. A new run of validation scores (early
    # stopping turned off, then on) may draw a new split.
    X, y = digits
    clf = BPClassifier(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        max_iter=2,
        n_iter_no_change=50,
        warm_start=True,
        random_state=0,
    )
    splits = []
    for _ in range(3):
        held_out.clear()
        _quiet_fit(clf, X, y)
        assert_array_equal(held_out[0], held_out[-1])
        splits.append(held_out[0])
    assert_array_equal(splits[1], splits[0])
    assert_array_equal(splits[2], splits[0])
    # A fresh fit with the same random_state holds out the same rows again.
    held_out.clear()
    _quiet_fit(clf.set_params(warm_start=False), X, y)
    assert_array_equal(held_out[0], splits[0])


def test_a_new_run_of_validation_scores_draws_a_new_split(digits, held_out):
    # Unseeded fresh fits, a refit with another random_state, and early
    # stopping turned off and on again each start a new run of validation
    # scores, with a split of its own.
    X, y = digits

    def split_of(clf, **params):
        held_out.clear()
        _quiet_fit(clf.set_params(**params), X, y)
        return held_out[0]

    common = dict(hidden_layer_sizes=(4,), early_stopping=True, max_iter=1)
    unseeded = BPClassifier(**common)
    assert not np.array_equal(split_of(unseeded), split_of(unseeded))
    seeded = BPClassifier(**common, random_state=0)
    split_of(seeded)
    assert_array_equal(
        split_of(seeded, random_state=1),
        split_of(BPClassifier(**common, random_state=1)),
    )
    first = split_of(seeded, warm_start=True)
    _quiet_fit(seeded.set_params(early_stopping=False), X, y)
    assert not np.array_equal(split_of(seeded, early_stopping=True), first)
