"""Divergence, interruption and out-of-core training."""

import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import xlogy
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from skbpnet import BPClassifier, BPRegressor
from skbpnet._network import Network


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X, y


def test_exploding_network_stops_and_restores_finite_weights(digits):
    X, y = digits
    X = StandardScaler().fit_transform(X)
    X, y = X[:1347], y[:1347]
    clf = BPClassifier(
        (32,) * 6,
        activation="relu",
        init="normal",
        solver="sgd",
        learning_rate_init=0.05,
        batch_size=64,
        max_iter=30,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="diverged") as record:
        clf.fit(X, y)
    assert "learning_rate_init" in str(record[0].message)
    assert clf.n_iter_ < 30
    assert all(np.all(np.isfinite(W)) for W in clf.coefs_ + clf.intercepts_)
    assert np.all(np.isfinite(clf.loss_curve_)) and np.isfinite(clf.loss_)
    assert len(clf.loss_curve_) == clf.gradient_norms_.shape[0] == clf.n_iter_
    proba = clf.predict_proba(X)
    assert np.all(np.isfinite(proba))
    assert_allclose(proba.sum(axis=1), 1)


def test_divergence_restores_the_last_finite_epoch(digits):
    # Fitting for exactly the epochs that stayed finite gives the same model.
    X, y = digits
    params = dict(
        hidden_layer_sizes=(16,),
        solver="sgd",
        learning_rate_init=10.0,
        momentum=0.0,
        max_iter=50,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="diverged"):
        diverged = BPRegressor(**params).fit(X * 100, y * 1e6)
    good_epochs = diverged.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = BPRegressor(**{**params, "max_iter": good_epochs}).fit(
            X * 100, y * 1e6
        )
    for W_d, W_r in zip(diverged.coefs_, reference.coefs_):
        assert_array_equal(W_d, W_r)
    assert np.all(np.isfinite(diverged.predict(X)))


def _recording_normal(recorded):
    """init="normal" as a callable that keeps a copy of every matrix it draws."""

    def init(fan_in, fan_out, rng, dtype):
        W = rng.standard_normal((fan_in, fan_out)).astype(dtype)
        recorded.append(W.copy())
        return W

    return init


def test_divergence_whose_last_finite_weights_overflow_falls_back(digits):
    # N(0, 1) maxout weights and a step of 10: epoch 2 ends with finite
    # weights whose outputs overflow on the training data, epoch 3 with
    # non-finite ones. The weights from before training are restored.
    X, y = digits
    train, _ = next(StratifiedKFold(3).split(X[:900], y[:900]))
    X, y = X[train], y[train]
    initial = []
    clf = BPClassifier(
        hidden_layer_sizes=(32, 32),
        activation="maxout",
        init=_recording_normal(initial),
        solver="sgd",
        learning_rate_init=10.0,
        max_iter=15,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="weights from before this call were"):
        clf.fit(X, y)
    assert clf.n_iter_ == 2
    for W_fit, W_0 in zip(clf.coefs_, initial, strict=True):
        assert_array_equal(W_fit, W_0)
    assert np.all(np.isfinite(clf.predict_proba(X)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_divergence_checks_the_logits_not_only_the_probabilities(dtype):
    # The sigmoid of an infinite output is a finite 0 or 1, but predict
    # refuses infinite outputs: last finite weights whose outputs overflow on
    # the training data must not be kept as usable.
    X = np.random.RandomState(0).randn(40, 3)
    y = (X[:, 0] > 0).astype(int)
    X = (X * 1e10).astype(dtype)
    clf = BPClassifier(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate_init=1e-3 if dtype == np.float32 else 1e12,
        max_iter=20,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="diverged"):
        clf.fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()
    assert clf.predict(X).shape == y.shape


def test_poisson_divergence_checks_the_predictions_not_the_logits():
    # exp(Z) overflows long before Z does: the fallback must see that.
    rng = np.random.RandomState(1)
    X = rng.normal(size=(400, 5)) * 10
    y = rng.poisson(np.exp(0.03 * X[:, 0] + 1))
    reg = BPRegressor(
        loss="poisson",
        solver="sgd",
        learning_rate_init=1.0,
        batch_size=200,
        max_iter=30,
        random_state=1,
    )
    with pytest.warns(ConvergenceWarning, match="weights from before this call were"):
        reg.fit(X, y)
    assert np.all(np.isfinite(reg.predict(X)))
    # loss_ is that of the restored start weights, not of the last epoch.
    mu = reg.predict(X)
    deviance = np.mean(mu - y * np.log(mu) + xlogy(y, y) - y)
    assert reg.loss_ == pytest.approx(deviance, rel=1e-3)
    assert reg.loss_ != reg.loss_curve_[-1]


def test_divergence_that_overflows_with_any_weights_says_so(digits, monkeypatch):
    # When the start weights overflow on the training data too (forced here:
    # with real data the first epoch would then diverge), the last finite
    # weights are kept and the warning says predictions overflow.
    import skbpnet._safeguards

    monkeypatch.setattr(skbpnet._safeguards, "_finite_outputs", lambda net, X: False)
    X, y = digits
    params = dict(
        hidden_layer_sizes=(16,),
        solver="sgd",
        learning_rate_init=10.0,
        momentum=0.0,
        max_iter=50,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="outputs overflow on the training"):
        diverged = BPRegressor(**params).fit(X * 100, y * 1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = BPRegressor(**{**params, "max_iter": diverged.n_iter_}).fit(
            X * 100, y * 1e6
        )
    for W_d, W_r in zip(diverged.coefs_, reference.coefs_):
        assert_array_equal(W_d, W_r)


def test_lbfgs_that_never_gets_finite_warns():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3)) * 1e3
    y = rng.poisson(1e6, size=50).astype(float)
    reg = BPRegressor(
        hidden_layer_sizes=(4,),
        loss="poisson",
        solver="lbfgs",
        init="normal",
        max_iter=10,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="diverged"):
        reg.fit(X, y)
    assert all(np.all(np.isfinite(W)) for W in reg.coefs_)


def test_lbfgs_that_stalls_on_unscaled_data_warns():
    # Unscaled diabetes with a Poisson loss: L-BFGS's line search cannot lower
    # the loss after a step or two, and SciPy calls that convergence.
    X, y = load_diabetes(return_X_y=True, scaled=False)
    reg = BPRegressor(loss="poisson", solver="lbfgs", random_state=0)
    with pytest.warns(
        ConvergenceWarning, match="best constant prediction: the network did not train"
    ):
        reg.fit(X, y)
    assert reg.n_iter_ < 5
    # Scaled, the same model trains, without that warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaled = BPRegressor(
            loss="poisson", solver="lbfgs", max_iter=2000, random_state=0
        ).fit(StandardScaler().fit_transform(X), y)
    assert scaled.n_iter_ > 5


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lbfgs_classifier_stopped_above_the_class_frequencies_warns(n_classes):
    # 5 % of one class: predicting the frequencies costs far less than
    # uniform probabilities. A large tol stops L-BFGS after a step, above
    # the frequencies' loss though below the uniform one: no training.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    y = (rng.uniform(size=400) < 0.05).astype(int)
    if n_classes == 3:
        y[:200] += 2 * (rng.uniform(size=200) < 0.05)
    clf = BPClassifier(
        hidden_layer_sizes=(5,),
        activation="tanh",
        solver="lbfgs",
        tol=0.3,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="the network did not train"):
        clf.fit(X, y)
    counts = np.bincount(y) / y.size
    frequencies_loss = -xlogy(counts, counts).sum()
    data_loss = log_loss(y, clf.predict_proba(X))
    assert frequencies_loss * 1.01 < data_loss < np.log(n_classes)
    # Trained properly, the same model does not warn.
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*the network did not train")
        clf.set_params(tol=1e-4, max_iter=500).fit(X, y)


def test_lbfgs_did_not_train_is_judged_output_by_output():
    # Two labels: a rare one (5 %, unlearnable) and one the inputs give. A
    # large tol stops L-BFGS after a step: the rare label is still far above
    # its frequencies' loss, the other is learned. Summed over the labels the
    # loss is more than 1 % above the constants' sum, but the fit did train:
    # "did not train" needs every label above its own constant.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    Y = np.c_[rng.uniform(size=400) < 0.05, X[:, 0] > 0].astype(int)
    clf = BPClassifier(
        hidden_layer_sizes=(5,),
        activation="tanh",
        solver="lbfgs",
        tol=0.3,
        random_state=0,
    )

    def label_losses():
        P = clf.predict_proba(X)
        return np.array([log_loss(Y[:, j], P[:, j]) for j in range(2)])

    frequencies = Y.mean(axis=0)
    constants = -xlogy(frequencies, frequencies) - xlogy(
        1 - frequencies, 1 - frequencies
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clf.fit(X, Y)
    assert [str(w.message) for w in record] == []
    losses = label_losses()
    assert losses[0] > 1.01 * constants[0]  # the rare label did not train
    assert losses[1] < 0.95 * constants[1]  # the other one did
    assert losses.sum() > 1.01 * constants.sum()  # summed, it looks untrained
    # A larger tol stops it at the start, where neither label is trained:
    # warned, with the sums over the labels.
    clf.set_params(tol=0.5)
    with pytest.warns(ConvergenceWarning, match="the network did not train") as record:
        clf.fit(X, Y)
    losses = label_losses()
    assert clf.n_iter_ == 0 and np.all(losses > 1.01 * constants)
    (message,) = [str(w.message) for w in record]
    assert f"data loss of {losses.sum():.6g} (penalty excluded)" in message
    assert f"above the {constants.sum():.6g} of the best constant" in message
    # Trained properly, both labels are learned or at their constant: silent.
    clf.set_params(tol=1e-4, max_iter=500)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X, Y)
    assert label_losses()[1] < 0.5 * constants[1]


def test_lbfgs_whose_every_step_overflows_warns_and_keeps_the_start():
    X, y = make_regression(300, 10, noise=1, random_state=0)
    start = []

    def init(fan_in, fan_out, rng, dtype):
        start.append(rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in))
        return start[-1]

    reg = BPRegressor(
        hidden_layer_sizes=(32,), solver="lbfgs", init=init, random_state=0
    )
    with pytest.warns(
        ConvergenceWarning, match="best constant prediction: the network did not train"
    ):
        reg.fit(X * 1e100, y)
    assert np.isfinite(reg.loss_curve_).all()
    assert reg.loss_ == reg.loss_curve_[-1]
    for W, W_start in zip(reg.coefs_, start):
        assert_array_equal(W, W_start)


@pytest.mark.parametrize(
    "case",
    [
        "float32_linear",
        "float64_loss_near_zero",
        "float32_standardised",
        "relu_kink",
        "penalty_above_constant_loss",
    ],
)
def test_lbfgs_converged_fits_that_end_on_a_stall_do_not_warn(case):
    # Converged fits often end on an iteration that cannot lower the loss at
    # the dtype's precision, or at a ReLU kink with a gradient far above tol;
    # that is no failure.
    if case == "penalty_above_constant_loss":
        # A near-perfect fit (R^2 0.99997) of a target far from 0: the big
        # output bias needs big weights, whose penalty alone exceeds the loss
        # of a constant prediction. Only the data loss is judged.
        X, y0 = make_regression(200, 5, noise=1, random_state=0)
        y = 1e6 + y0 / y0.std()
        est = BPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0)
        with warnings.catch_warnings():
            # Only the "did not train" judgement is tested here (the
            # iteration limit is reached with some seeds).
            warnings.filterwarnings("ignore", message="lbfgs failed to converge")
            warnings.filterwarnings("error", message=".*constant prediction")
            assert est.fit(X, y).score(X, y) > 0.999
        return
    if case == "relu_kink":
        X, y = make_classification(
            400,
            20,
            n_informative=3,
            n_redundant=0,
            n_clusters_per_class=1,
            flip_y=0.05,
            random_state=3,
        )
        X = StandardScaler().fit_transform(X)
        est = BPClassifier(hidden_layer_sizes=(8,), tol=0.0, max_iter=1000)
        est.set_params(solver="lbfgs", random_state=3)
    elif case == "float32_linear":
        X, y = make_regression(300, 8, noise=5, random_state=1)
        est, X = BPRegressor(hidden_layer_sizes=()), X.astype(np.float32)
    elif case == "float64_loss_near_zero":
        X, y = load_iris(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        est = BPClassifier(hidden_layer_sizes=(32,), alpha=0.0, tol=0.0, max_iter=300)
    else:
        X, y = load_breast_cancer(return_X_y=True)
        X = StandardScaler().fit_transform(X).astype(np.float32)
        est = BPClassifier(hidden_layer_sizes=(32,), alpha=10.0, tol=0.0)
    if case != "relu_kink":
        est.set_params(solver="lbfgs", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("error", message=".*constant prediction")
        est.fit(X, y)


def test_lbfgs_loss_is_that_of_the_weights_returned(digits):
    # An abnormal end: SciPy's final value is that of a rejected trial point,
    # not of the weights it returns.
    X, y = digits
    X = X * 1e10
    clf = BPClassifier(
        hidden_layer_sizes=(32,), solver="lbfgs", max_iter=50, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="status=2"):
        clf.fit(X, y)
    Z = clf._forward(X)
    log_p = Z - np.logaddexp.reduce(Z, axis=1, keepdims=True)
    data = -log_p[np.arange(len(y)), np.searchsorted(clf.classes_, y)].mean()
    penalty = clf.alpha / (2 * len(y)) * sum((W**2).sum() for W in clf.coefs_)
    assert_allclose(clf.loss_, data + penalty, rtol=1e-9)
    assert clf.loss_ == clf.loss_curve_[-1] == clf.best_loss_


class InterruptAfter:
    """A callback that raises KeyboardInterrupt at the end of an epoch."""

    def __init__(self, epochs):
        self.epochs, self.seen = epochs, 0

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            self.seen += 1
            if self.seen == self.epochs:
                raise KeyboardInterrupt

    def teardown(self, estimator, context):
        pass


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_keyboard_interrupt_from_a_callback(digits, solver):
    pytest.importorskip("sklearn.callback")
    X, y = digits
    params = dict(hidden_layer_sizes=(16,), solver=solver, max_iter=40, random_state=0)
    clf = BPClassifier(**params).set_callbacks(InterruptAfter(3))
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X / 16, y)
    assert clf.n_iter_ == 3
    assert len(clf.loss_curve_) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        three = BPClassifier(**{**params, "max_iter": 3}).fit(X / 16, y)
    assert_allclose(clf.predict_proba(X / 16), three.predict_proba(X / 16))


def _interrupt_at_call(monkeypatch, call, owner=Network, name="loss_grad"):
    """Make the ``call``-th call of ``owner.name`` (by default, the
    ``call``-th batch gradient) raise KeyboardInterrupt."""
    calls = {"n": 0}
    original = getattr(owner, name)

    def interrupting(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, interrupting)


def test_keyboard_interrupt_mid_epoch_keeps_the_last_complete_epoch(
    digits, monkeypatch
):
    # Plain SGD with a large step: the averaged loss of epoch 5 is above that
    # of epoch 4, yet the weights at the end of epoch 5 are the better ones
    # (an epoch's loss is averaged before each of its steps, so it lags the
    # weights). The last complete epoch is kept.
    X, y = digits
    X = X / 16
    params = dict(
        hidden_layer_sizes=(16,),
        solver="sgd",
        learning_rate_init=1.0,
        momentum=0.0,
        batch_size=100,
        max_iter=40,
        random_state=0,
    )
    n_batches = int(np.ceil(len(X) / 100))
    with monkeypatch.context() as patch:
        _interrupt_at_call(patch, 5 * n_batches + 3)  # in the middle of epoch 6
        with pytest.warns(UserWarning, match=r"last complete epoch \(epoch 5\)"):
            clf = BPClassifier(**params).fit(X, y)
    assert clf.n_iter_ == 5
    assert clf.loss_curve_[4] > clf.loss_curve_[3]
    refits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epochs in (4, 5):
            refits[epochs] = BPClassifier(**{**params, "max_iter": epochs}).fit(X, y)
    for W_i, W_5 in zip(clf.coefs_, refits[5].coefs_):
        assert_array_equal(W_i, W_5)
    assert log_loss(y, refits[5].predict_proba(X)) < log_loss(
        y, refits[4].predict_proba(X)
    )


def test_keyboard_interrupt_before_any_epoch_keeps_the_previous_weights(
    digits, monkeypatch
):
    X, y = digits
    clf = BPClassifier(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X / 16, y)
    before = [W.copy() for W in clf.coefs_]
    with monkeypatch.context() as patch:
        _interrupt_at_call(patch, 3)
        with pytest.warns(UserWarning, match="before this call: no epoch or iteration"):
            clf.partial_fit(X / 16, y)
    for W_after, W_before in zip(clf.coefs_, before):
        assert_array_equal(W_after, W_before)


def test_keyboard_interrupt_with_early_stopping_restores_best(digits, monkeypatch):
    X, y = digits
    # 17 batches per epoch; epochs 19 and 20 score no better than epoch 18.
    # Ctrl-C in epoch 21.
    _interrupt_at_call(monkeypatch, 20 * 17 + 5)
    clf = BPClassifier(
        hidden_layer_sizes=(16,), batch_size=100, early_stopping=True, random_state=0
    )
    with pytest.warns(UserWarning, match="best validation score"):
        clf.fit(X / 16, y)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert np.all(np.isfinite(clf.predict_proba(X / 16)))
    # The weights are those of the best epoch, not of the last one: the same
    # fit stopped after the best epoch has them.
    best = int(np.argmax(clf.validation_scores_)) + 1
    assert best < clf.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        refit = clone(clf).set_params(max_iter=best).fit(X / 16, y)
    for W_i, W_best in zip(
        clf.coefs_ + clf.intercepts_, refit.coefs_ + refit.intercepts_
    ):
        assert_array_equal(W_i, W_best)


def test_keyboard_interrupt_while_scoring_keeps_the_histories_aligned(
    digits, monkeypatch
):
    # Ctrl-C while the validation set of epoch 4 is scored drops that epoch
    # whole: its loss is not kept without its score.
    from skbpnet._stochastic import _StochasticTraining

    X, y = digits
    _interrupt_at_call(monkeypatch, 4, _StochasticTraining, "_score_indices")
    clf = BPClassifier(
        hidden_layer_sizes=(16,), early_stopping=True, max_iter=50, random_state=0
    )
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X / 16, y)
    assert clf.n_iter_ == 3
    assert len(clf.loss_curve_) == len(clf.validation_scores_) == 3
    assert clf.gradient_norms_.shape[0] == 3


def test_ctrl_c_during_an_epochs_bookkeeping_waits_for_it(digits, monkeypatch):
    # A real SIGINT in the middle of writing epoch 4's history: the epoch is
    # written whole, then training stops.
    import signal

    from skbpnet._safeguards import _Checkpoints

    X, y = digits
    calls = {"n": 0}
    original = _Checkpoints.epoch_done

    def epoch_done(self, params):
        calls["n"] += 1
        if calls["n"] == 4:
            signal.raise_signal(signal.SIGINT)
        return original(self, params)

    monkeypatch.setattr(_Checkpoints, "epoch_done", epoch_done)
    clf = BPClassifier(
        hidden_layer_sizes=(16,), early_stopping=True, max_iter=50, random_state=0
    )
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X / 16, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == len(clf.validation_scores_) == 4
    assert clf.gradient_norms_.shape[0] == 4
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_held_ctrl_c_wins_over_another_error_in_the_block():
    import signal

    from skbpnet._safeguards import _deferred_interrupt

    with pytest.raises(KeyboardInterrupt):
        with _deferred_interrupt():
            signal.raise_signal(signal.SIGINT)
            raise ValueError("something else failed too")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("zero_weights", [False, True])
@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("order", ["C", "F"])
def test_memmap_is_read_batch_by_batch(tmp_path, early_stopping, order, zero_weights):
    # Fortran order too: np.take would copy such an X whole for every batch.
    # Rows of weight 0 (a mask, say) are skipped by index, not copied out.
    X, y = make_classification(n_samples=20_000, n_features=200, random_state=0)
    sample_weight = None
    if zero_weights:
        sample_weight = np.ones(X.shape[0])
        sample_weight[::10] = 0
    path = tmp_path / "X.dat"
    X_mm = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape, order=order)
    X_mm[:] = X
    X_mm.flush()
    X_mm = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape, order=order)
    params = dict(
        hidden_layer_sizes=(32,),
        max_iter=2,
        early_stopping=early_stopping,
        random_state=0,
    )

    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        from_disk = BPClassifier(**params).fit(X_mm, y, sample_weight=sample_weight)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # X is 32 MB; the batch buffers, activations and the targets are far smaller.
    assert peak < 0.2 * X.nbytes, peak

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        in_memory = BPClassifier(**params).fit(X, y, sample_weight=sample_weight)
    for W_d, W_m in zip(from_disk.coefs_, in_memory.coefs_):
        assert_array_equal(W_d, W_m)


def test_c_contiguous_input_is_not_copied(monkeypatch):
    # The array the engine trains on is the caller's array itself.
    X, y = make_classification(n_samples=300, n_features=10, random_state=0)
    seen = []
    original = Network.forward

    def spy(self, X_batch, rng=None):
        seen.append(X_batch)
        return original(self, X_batch, rng)

    monkeypatch.setattr(Network, "forward", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        BPClassifier(
            hidden_layer_sizes=(4,), shuffle=False, batch_size=100, max_iter=1
        ).fit(X, y)
    assert all(np.shares_memory(batch, X) for batch in seen)


def test_checkpoints_restore_the_last_epoch_or_the_start():
    from skbpnet._safeguards import _Checkpoints

    class Net:
        params = np.zeros(3)

    net = Net()
    checkpoints = _Checkpoints(net.params)
    net.params[...] = 9.0
    assert checkpoints.restore(net, None, check_outputs=False) == "before"
    assert_array_equal(net.params, [0.0, 0.0, 0.0])
    for epoch in (1, 2):
        checkpoints.epoch_done(np.full(3, float(epoch)))
    net.params[...] = np.nan
    assert checkpoints.restore(net, None, check_outputs=False) == "last"
    assert_array_equal(net.params, [2.0, 2.0, 2.0])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_blow_up_without_overflow_warns(digits, solver):
    # The example: a huge step on unscaled data. The weights stay
    # finite (nothing to restore), but the model is far worse than a constant.
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="blew up") as record:
        clf = BPClassifier(solver=solver, learning_rate_init=1e3, random_state=0)
        clf.fit(X, y)
    message = str(record[0].message)
    assert "learning_rate_init" in message and "StandardScaler" in message
    # One diagnosis: a blow-up is not also reported as a stall.
    assert not any("did no better than" in str(w.message) for w in record)
    assert clf.loss_ > 100 * np.log(10)
    assert clf.score(X, y) < 0.2


def _stalled(record):
    return [str(w.message) for w in record if "did no better than" in str(w.message)]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_fit_that_stalls_at_the_constant_warns(early_stopping):
    # The user guide's deep sigmoid network: its gradients vanish, the loss
    # stops improving at the class frequencies' entropy, accuracy is chance.
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    deep = BPClassifier(
        hidden_layer_sizes=(32,) * 6,
        activation="sigmoid",
        init="lecun_normal",
        solver="sgd",
        early_stopping=early_stopping,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        deep.fit(X, y)
    (message,) = _stalled(record)
    assert "gradient_norms_" in message and "activation='relu'" in message
    assert deep.n_iter_ < deep.max_iter
    assert deep.score(X, y) < 0.2
    # The same network with ReLU units trains, and is not warned about.
    deep.set_params(activation="relu", init="auto", max_iter=1000)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        deep.fit(X, y)
    assert _stalled(record) == [] and deep.score(X, y) > 0.9


def _xor_corners():
    X = np.tile([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]], (50, 1))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def test_a_linear_model_at_the_constant_warns_that_it_is_linear():
    # XOR: no linear model beats the class frequencies (the chapter's point);
    # on the four corners the best one is exactly the constant.
    X, y = _xor_corners()
    for solver in ("lbfgs", "adam"):
        clf = BPClassifier(
            hidden_layer_sizes=(), solver=solver, max_iter=2000, random_state=0
        )
        with pytest.warns(ConvergenceWarning, match="did no better than") as record:
            clf.fit(X, y)
        (message,) = _stalled(record)
        assert "no hidden layer the model is linear" in message
        assert "gradient_norms_" not in message
    # With a hidden layer the same data is learned, silently.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = BPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0)
        assert clf.fit(X, y).score(X, y) == 1.0


def test_dropout_losses_above_the_constant_are_not_a_stall():
    # Heavy dropout: the thinned networks' epoch loss ends above the constant
    # prediction's, but the full network predict uses has learned. The
    # suspicion is checked on the kept weights' own training loss.
    X, y = make_classification(400, 10, n_informative=5, random_state=0)
    clf = BPClassifier(hidden_layer_sizes=(64,), dropout=0.95, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X, y)
    assert clf.n_iter_ < clf.max_iter
    assert clf.loss_ > np.log(2) > log_loss(y, clf.predict_proba(X))
    assert clf.score(X, y) > 0.85


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_a_stall_is_judged_output_by_output(solver):
    # Summed, an unlearnable output in large units hid one that was learned
    # exactly (R^2 1.0): each output is judged against its own constant.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2000, 1))
    noise = rng.normal(size=2000)
    reg = BPRegressor(hidden_layer_sizes=(), solver=solver, max_iter=2000)
    reg.set_params(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg.fit(X, np.c_[X[:, 0], 100 * noise])
    assert reg.score(X, np.c_[X[:, 0], 100 * noise]) > 0.49
    # Both outputs unlearnable (inputs all 0): warned, in the units of loss_
    # (the mean over the outputs of half their variances).
    Y = np.c_[noise, 100 * rng.normal(size=2000)]
    with pytest.warns(ConvergenceWarning, match="on every output") as record:
        reg.fit(np.zeros_like(X), Y)
    (message,) = _stalled(record)
    assert f"the {0.25 * np.var(Y, axis=0).sum():.6g} of the best constant" in message


def test_a_stall_is_judged_against_the_training_rows_constant():
    # With early stopping the validation rows are no part of the training
    # loss, nor of the constant it is judged against: a network whose inputs
    # are all 0 (it can only learn a constant) is always reported.
    for seed in range(5):
        y = np.random.RandomState(seed).normal(size=60)
        reg = BPRegressor(hidden_layer_sizes=(4,), early_stopping=True, max_iter=3000)
        reg.set_params(random_state=seed)
        with pytest.warns(ConvergenceWarning, match="did no better than"):
            reg.fit(np.zeros((60, 2)), y)


def test_a_fit_worse_than_the_constant_is_reported_though_its_epochs_were_not():
    # Rows sorted by an unlearnable target, no shuffling, large plain SGD
    # steps: every epoch ends on the largest targets. The epochs' average loss
    # (0.41) is below the constant's (0.43), but the weights kept have a
    # training loss of 1.2 (R^2 -1.8): they are what is judged.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(400, 2)), np.sort(rng.normal(size=400))
    reg = BPRegressor(
        hidden_layer_sizes=(8,),
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.3,
        batch_size=20,
        shuffle=False,
        random_state=0,
        max_iter=500,
    )
    with pytest.warns(ConvergenceWarning, match="did no better than"):
        reg.fit(X, y)
    assert reg.loss_ < 0.5 * np.var(y) and reg.score(X, y) < -1


def test_a_converged_fit_whose_last_step_overflows_says_so():
    # Full batches: each epoch's loss is measured at the weights its one
    # step starts from, so the step of the last epoch is never measured. The
    # loss rises for two epochs (126, 134, 6988: less than 100 times the
    # start, so no blow-up), n_iter_no_change=1 ends the fit as converged,
    # and that last step sends exp() of the outputs past float64 on some
    # training rows.
    rng = np.random.RandomState(1)
    X = rng.normal(size=(10, 1)) * 2
    y = rng.poisson(10, size=10).astype(float)
    reg = BPRegressor(
        hidden_layer_sizes=(),
        loss="poisson",
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.01,
        batch_size=10,
        n_iter_no_change=1,
        random_state=1,
    )
    with pytest.warns(ConvergenceWarning) as record:
        reg.fit(X, y)
    (message,) = [str(w.message) for w in record]
    assert message.startswith(
        "Training converged, but the loss of the weights it ended with "
        "overflows (inf or NaN) on some training rows"
    )
    assert "use solver='adam' instead of 'sgd'" in message
    assert reg.n_iter_ == 3 < reg.max_iter
    assert np.isfinite(reg.loss_curve_).all() and reg.loss_ == reg.loss_curve_[-1]
    start = reg.loss_curve_[0]  # full batches: the loss before training
    assert start < reg.loss_curve_[1] < reg.loss_ < 100 * start
    assert all(np.isfinite(W).all() for W in reg.coefs_ + reg.intercepts_)
    # As the warning says, predict refuses those rows.
    with pytest.raises(ValueError, match="overflow"):
        reg.predict(X)


def test_constant_targets_are_not_judged_whatever_the_rounding():
    # A constant target's best constant fits it exactly. Computed with
    # weights, its loss rounded to 5e-49 (squared error) or 3e-17 (Poisson),
    # and every fit looked worse than the constant.
    rng = np.random.RandomState(0)
    X, w = rng.normal(size=(1000, 3)), rng.uniform(size=1000)
    fits = [
        (BPRegressor(tol=1e-3, random_state=0), w),
        (BPRegressor(loss="poisson", tol=1e-3, random_state=0), None),
    ]
    for est, sample_weight in fits:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            est.fit(X, np.full(1000, 0.1), sample_weight=sample_weight)
        assert est.n_iter_ < est.max_iter  # converged: judged


def test_a_fit_just_better_than_the_constant_is_not_a_stall():
    # A weak but real signal (R^2 about 0.02): the loss ends about 2 % below
    # the constant's, which is learning, however little.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4000, 1))
    y = 0.15 * X[:, 0] + rng.normal(size=4000)
    for solver in ("lbfgs", "adam"):
        reg = BPRegressor(hidden_layer_sizes=(), solver=solver, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            reg.fit(X, y)
        assert 0.01 < reg.score(X, y) < 0.05


def test_partial_fit_never_reports_a_stall():
    # partial_fit ignores the stopping rule, so a stream whose loss stays at
    # the constant for more than n_iter_no_change calls is not judged.
    X, y = _xor_corners()
    clf = BPClassifier(hidden_layer_sizes=(), tol=1.0, n_iter_no_change=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(10):
            clf.partial_fit(X, y, classes=[0, 1])
    assert clf._no_improvement_count > clf.n_iter_no_change
    # fit with the same settings stops by that rule, and is judged.
    with pytest.warns(ConvergenceWarning, match="did no better than"):
        clf.fit(X, y)
    # (the first epoch improves on no loss at all)
    assert clf.n_iter_ == clf.n_iter_no_change + 2


def test_blow_up_on_a_one_class_partial_fit_batch_warns(digits):
    # The best constant's loss on a batch of one class is 0; the loss before
    # training is then the scale the blow-up is judged against.
    X, y = digits
    rows = y == 0
    # Several batches: an epoch's loss is measured at the weights each step
    # starts from, so a single batch's blow-up would show in the next call.
    clf = BPClassifier(
        solver="sgd", learning_rate_init=1e3, batch_size=50, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="blew up"):
        clf.partial_fit(X[rows], y[rows], classes=np.arange(10))
    assert clf.loss_ > 100 * np.log(10)


def test_far_from_converged_is_not_a_blow_up():
    # Unscaled inputs and a few small Adam steps: the loss is still far above
    # a constant prediction's, but it fell from where training started.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4)) * 30
    y = 0.1 * rng.normal(size=60)
    reg = BPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        reg.fit(X, y)
    assert reg.loss_ > 100 * 0.5 * np.var(y)  # what the first condition sees
    assert reg.loss_ < reg.loss_curve_[0]
    assert not [w for w in record if "blew up" in str(w.message)]


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_warnings_point_at_the_calling_code(digits, solver):
    # Not at skbpnet's internals, nor at scikit-learn's callback wrapper.
    X, y = digits
    with pytest.warns(ConvergenceWarning) as record:
        BPClassifier(hidden_layer_sizes=(8,), solver=solver, max_iter=2).fit(X / 16, y)
    assert {w.filename for w in record} == {__file__}


def test_strong_l2_whose_loss_falls_is_not_a_blow_up():
    # loss_ includes the penalty; so must the loss training started from.
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = BPClassifier(hidden_layer_sizes=(100,), alpha=1000.0, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clf.fit(X, y)
    assert clf.loss_ > 100 * np.log(3)  # the penalty alone is that large
    assert np.all(np.diff(clf.loss_curve_) < 0)
    assert not [w for w in record if "blew up" in str(w.message)]


def test_early_stopping_model_is_not_called_blown_up():
    # The last epochs blow up, but early stopping returns the best validation
    # epoch's weights, which are fine: no blow-up warning about them.
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = BPClassifier(
        solver="sgd",
        learning_rate_init=2.0,
        activation="maxout",
        early_stopping=True,
        max_iter=60,
        random_state=3,
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clf.fit(X, y)
    assert max(clf.loss_curve_) > 100 * clf.loss_curve_[0]  # it did blow up
    assert clf.score(X, y) > 0.9
    assert not [w for w in record if "blew up" in str(w.message)]


def test_divergence_with_early_stopping_names_the_weights_it_keeps():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    reg = BPRegressor(
        solver="sgd",
        learning_rate_init=0.03,
        early_stopping=True,
        max_iter=100,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="best validation score were") as rec:
        reg.fit(X, y)
    assert "last finite epoch" not in str(rec[0].message)
    assert reg.n_iter_ >= 1
    assert np.all(np.isfinite(reg.predict(X)))


def test_lbfgs_interrupted_before_any_iteration(monkeypatch):
    X, y = load_iris(return_X_y=True)
    with monkeypatch.context() as patch:
        _interrupt_at_call(patch, 1)
        with pytest.warns(UserWarning, match="no epoch or iteration completed"):
            clf = BPClassifier(solver="lbfgs", random_state=0).fit(X, y)
    assert clf.n_iter_ == 0


def test_partial_fit_after_divergence_starts_a_fresh_optimizer(digits):
    # The diverging steps fill the momentum with inf/NaN; reused by the next
    # partial_fit it would make every later call diverge at its first batch.
    X, y = digits
    train, _ = next(StratifiedKFold(3).split(X[:900], y[:900]))
    X, y = X[train], y[train]
    clf = BPClassifier(
        hidden_layer_sizes=(32, 32),
        activation="maxout",
        init="normal",
        solver="sgd",
        learning_rate_init=10.0,
        random_state=0,
    )
    diverged = False
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for _ in range(3):
            clf.partial_fit(X, y, classes=np.arange(10))
            diverged = any("diverged" in str(w.message) for w in record)
            if diverged:
                break
    assert diverged
    optimizer = clf._optimizer.optimizer
    assert_array_equal(optimizer.velocity, np.zeros_like(optimizer.velocity))
    assert optimizer.learning_rate == 10.0  # only the state is forgotten


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_optimizer_reset_forgets_its_state(solver):
    from skbpnet._optimizers import SGD, Adam

    opt = SGD(4, np.float64, 0.1) if solver == "sgd" else Adam(4, np.float64, 0.1)
    params = np.zeros(4)
    with np.errstate(all="ignore"):
        opt.step(params, np.array([np.inf, 1.0, -2.0, np.nan]))
    opt.reset()
    fresh = SGD(4, np.float64, 0.1) if solver == "sgd" else Adam(4, np.float64, 0.1)
    for name in ("velocity", "m", "v", "t"):
        if hasattr(fresh, name):
            assert_array_equal(getattr(opt, name), getattr(fresh, name))


def test_early_stopping_never_restores_weights_that_overflow_on_validation():
    # A Poisson network whose validation predictions overflow (exp of a huge
    # output) in epoch 2: that epoch scores NaN instead of crashing inside
    # r2_score, and the best epoch, which predicts finite values, is kept.
    X = np.array(
        [[-0.83], [2.20], [-5.0], [-1.98], [-3.53], [-4.08], [-3.14], [-1.54],
         [-1.03], [0.39], [-0.81]]
    )  # fmt: skip
    y = np.array([3.0, 2.0, 5.0, 1.0, 0.0, 0.0, 7.0, 1.0, 3.0, 3.0, 5.0])
    reg = BPRegressor(
        hidden_layer_sizes=(1,),
        activation="identity",
        loss="poisson",
        solver="sgd",
        learning_rate_init=0.01,
        momentum=0.0,
        early_stopping=True,
        max_iter=5,
        random_state=1,
    )
    with pytest.warns(ConvergenceWarning, match="best validation score"):
        reg.fit(X, y)
    assert np.isnan(reg.validation_scores_[-1])
    assert np.isfinite(reg.best_validation_score_)
    assert np.isfinite(reg.predict(X)).all()


def test_early_stopping_that_never_scores_says_so_and_keeps_usable_weights():
    # Every epoch's validation outputs overflow: NaN probabilities used to
    # become predictions of classes_[0], score 0.5 and be "restored" as the
    # best weights (about 1e120), with which predict then failed.
    rng = np.random.RandomState(2)
    X = rng.normal(scale=50, size=(20, 1))
    y = np.arange(20) % 2
    clf = BPClassifier(
        hidden_layer_sizes=(4, 4),
        activation="identity",
        solver="sgd",
        batch_size=1,
        learning_rate_init=0.01,
        momentum=1.0,
        early_stopping=True,
        validation_fraction=0.2,
        max_iter=1,
        random_state=8,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    messages = [str(w.message) for w in caught]
    assert any("on the validation set after every epoch" in m for m in messages)
    assert np.isnan(clf.validation_scores_).all()
    assert np.isfinite(clf.predict_proba(X)).all()


def test_divergence_says_when_even_the_start_weights_overflow():
    X = np.array([[88.202614]], dtype=np.float32)
    reg = BPRegressor(
        hidden_layer_sizes=(),
        loss="poisson",
        solver="sgd",
        init="glorot_uniform",
        max_iter=1,
        random_state=4,
    )
    with pytest.warns(ConvergenceWarning, match="overflow on the training data even"):
        reg.fit(X, [3.0])


def _zero_weight_giants():
    # Half the rows are huge (their outputs overflow) and weigh nothing.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 2))
    y = X @ [1.0, 2.0]
    X[:25] = 1e308
    return X, y, np.r_[np.zeros(25), np.ones(25)]


def test_zero_weight_validation_rows_do_not_spoil_the_score():
    X, y, sw = _zero_weight_giants()
    reg = BPRegressor(
        hidden_layer_sizes=(),
        solver="sgd",
        batch_size=1,
        early_stopping=True,
        max_iter=5,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg.fit(X, y, sample_weight=sw)
    assert not [w for w in caught if "diverged" in str(w.message)]
    assert np.isfinite(reg.validation_scores_).all()
    assert reg.best_validation_score_ > 0  # better than a constant


def test_interrupt_while_no_epoch_scored_keeps_the_last_epoch(monkeypatch):
    # Unscored epochs and Ctrl-C together ended in a KeyError.
    import skbpnet._safeguards

    X, y, sw = _zero_weight_giants()
    X, y = X[25:], y[25:]
    monkeypatch.setattr(BPRegressor, "_score_indices", lambda self, *args: float("nan"))
    monkeypatch.setattr(skbpnet._safeguards, "_finite_outputs", lambda net, X: False)
    _interrupt_at_call(monkeypatch, 60)  # in epoch 3 of 25 batches
    reg = BPRegressor(
        hidden_layer_sizes=(),
        solver="sgd",
        batch_size=1,
        early_stopping=True,
        max_iter=5,
        random_state=0,
    )
    with pytest.warns(UserWarning, match=r"interrupted.*last complete epoch"):
        reg.fit(X, y)
    assert reg.n_iter_ == 2


def test_warm_start_whose_epochs_all_fail_to_score_says_so(monkeypatch):
    X, y, sw = _zero_weight_giants()
    X, y = X[25:], y[25:]
    reg = BPRegressor(
        hidden_layer_sizes=(),
        solver="sgd",
        early_stopping=True,
        warm_start=True,
        max_iter=3,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        reg.fit(X, y)
    best = [W.copy() for W in reg.coefs_]
    monkeypatch.setattr(BPRegressor, "_score_indices", lambda self, *args: float("nan"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg.fit(X, y)
    assert any("previous fit (warm start)" in str(w.message) for w in caught)
    assert_array_equal(reg.coefs_[0], best[0])


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_a_zero_weight_row_that_overflows_is_simply_absent(solver):
    # Its loss overflowed and 0 * inf made the whole loss NaN: every solver
    # "diverged" at once. Weight 0 now means the row is not there.
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = rng.poisson(np.exp(X[:, 0])).astype(float)
    X[0] = 5000.0
    sw = np.ones(40)
    sw[0] = 0.0
    params = dict(hidden_layer_sizes=(), loss="poisson", solver=solver, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = BPRegressor(max_iter=20, **params).fit(X, y, sample_weight=sw)
        dropped = BPRegressor(max_iter=20, **params).fit(X[1:], y[1:])
    assert np.isfinite(weighted.loss_)
    assert weighted.n_iter_ == dropped.n_iter_ > 0
    assert_allclose(weighted.coefs_[0], dropped.coefs_[0], rtol=1e-10)


def test_early_stopping_that_keeps_a_blown_up_epoch_warns():
    # The validation rows happen to score the last epoch best although its
    # training loss blew up (exp(-huge) is 0 on them): the kept model must be
    # called blown up, as it would be without early stopping.
    rng = np.random.RandomState(21)
    X, y = rng.randn(20, 2), rng.poisson(2, size=20).astype(float)
    reg = BPRegressor(
        hidden_layer_sizes=(),
        loss="poisson",
        solver="sgd",
        learning_rate_init=1.0,
        max_iter=3,
        early_stopping=True,
        validation_fraction=0.2,
        random_state=21,
    )
    with pytest.warns(ConvergenceWarning) as record:
        reg.fit(X, y)
    blown = [str(w.message) for w in record if "blew up" in str(w.message)]
    assert len(blown) == 1 and "weights early stopping kept" in blown[0]
    assert reg.loss_curve_[int(np.argmax(reg.validation_scores_))] > 1e6
    # The kept weights cannot even predict their own training rows.
    with pytest.raises(ValueError, match="overflow"):
        reg.predict(X)


def test_early_stopping_remeasures_a_kept_epoch_whose_loss_looks_blown_up(
    monkeypatch,
):
    # A tenth of the rows have an input 100 times the others'. The first
    # batch has none of them, so the loss before training is small; the
    # epoch's loss averages batches measured while the weights still fit
    # those rows badly, and is more than 100 times it. By the end of the
    # epoch the weights fit the data well (R^2 0.95), and they are what early
    # stopping keeps: measured on the training rows, they did not blow up.
    import skbpnet._stochastic as stochastic

    seen = {}
    warn = stochastic._warn_if_blown_up

    def spy(loss, reference, start_loss, *args):
        # Only records what is judged; the judgement itself runs unchanged.
        seen.update(loss=loss, reference=reference, start=start_loss)
        return warn(loss, reference, start_loss, *args)

    monkeypatch.setattr(stochastic, "_warn_if_blown_up", spy)
    rng = np.random.RandomState(7)
    X = rng.normal(size=(200, 1))
    X[:20] *= 100
    y = 0.05 * X[:, 0] + 0.3 * rng.normal(size=200)
    reg = BPRegressor(
        hidden_layer_sizes=(),
        solver="sgd",
        momentum=0.0,
        learning_rate_init=3e-4,
        batch_size=8,
        early_stopping=True,
        max_iter=1,
        random_state=7,
    )
    with pytest.warns(ConvergenceWarning) as record:
        reg.fit(X, y)
    # max_iter=1 is all that is said: not that training blew up.
    messages = [str(w.message) for w in record]
    assert not [m for m in messages if "blew up" in m]
    (message,) = messages
    assert "Maximum iterations (1) reached" in message
    scale = max(seen["reference"], seen["start"])
    # The kept (only) epoch's loss is what raised the suspicion...
    assert reg.loss_ == reg.loss_curve_[0] > 100 * scale
    # ...but the loss judged is the kept weights' own on the training rows.
    train, _ = reg._split_validation(y, np.random.RandomState(reg._split_seed))
    residual = y[train] - reg.predict(X[train])
    penalty = reg.alpha / (2 * len(train)) * sum((W**2).sum() for W in reg.coefs_)
    assert seen["loss"] == pytest.approx(0.5 * np.mean(residual**2) + penalty)
    assert seen["loss"] < scale
    assert reg.score(X, y) > 0.9


def test_lbfgs_stopped_by_a_large_tol_says_so():
    X = StandardScaler().fit_transform(np.random.RandomState(0).randn(30, 3))
    y = np.arange(30) % 3
    clf = BPClassifier(
        hidden_layer_sizes=(4,), init="normal", solver="lbfgs", tol=1.0, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="exceeds tol=1: lower tol"):
        clf.fit(X, y)
    assert clf.n_iter_ == 0


def test_lbfgs_best_loss_spans_warm_starts_as_loss_curve_does():
    X = np.random.RandomState(0).randn(30, 3)
    y = np.arange(30) % 3
    clf = BPClassifier(
        (3,), solver="lbfgs", max_iter=20, alpha=0.0, warm_start=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        clf.set_params(alpha=5.0).fit(X, y)
    assert clf.best_loss_ == min(clf.loss_curve_) < min(clf.loss_curve_[20:])


def test_a_heavy_first_row_does_not_inflate_the_blow_up_reference(monkeypatch):
    # The reference is the first batch's own weighted mean loss; its
    # unbiased estimate of the training set's loss scales with a heavy row's
    # weight over the mean, and would hide a real blow-up.
    import skbpnet._stochastic as stochastic

    seen = {}
    warn = stochastic._warn_if_blown_up

    def spy(loss, reference, start_loss, *args):
        seen.update(reference=reference, start=start_loss)
        return warn(loss, reference, start_loss, *args)

    monkeypatch.setattr(stochastic, "_warn_if_blown_up", spy)
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 3)), np.arange(200) % 2
    sw = np.ones(200)
    sw[0] = 1e4
    clf = BPClassifier(
        hidden_layer_sizes=(4,),
        solver="sgd",
        batch_size=1,
        shuffle=False,
        learning_rate_init=1e-12,
        max_iter=1,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        clf.fit(X, y, sample_weight=sw)
    # One row's log loss at the start, near log(2), not 1e4 / 50 times it.
    assert seen["start"] < 5 * np.log(2)
    # The constant reference: the entropy of the weighted class frequencies.
    p = sw[y == 1].sum() / sw.sum()
    assert seen["reference"] == pytest.approx(-xlogy(p, p) - xlogy(1 - p, 1 - p))


def test_subnormal_uniform_weights_train_as_unweighted():
    # 1 / (batch size * mean weight) would overflow; the weights are divided.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), np.arange(40) % 2
    params = dict(
        hidden_layer_sizes=(4,), solver="sgd", batch_size=1, alpha=0.0, max_iter=3
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = BPClassifier(random_state=0, **params).fit(X, y)
        tiny = BPClassifier(random_state=0, **params).fit(
            X, y, sample_weight=np.full(40, 1e-310)
        )
    for a, b in zip(plain.coefs_, tiny.coefs_):
        assert_allclose(a, b, rtol=1e-12)


def test_divergence_advice_mentions_uneven_weights_only_when_uneven():
    X, y = load_digits(return_X_y=True)
    heavy = np.ones(len(y))
    heavy[0] = 100 * (len(y) - 1) / (len(y) - 100)  # 100 times the mean
    cases = [("sgd", None), ("sgd", np.full(len(y), 3.0)), ("sgd", heavy)]
    for solver, sample_weight in cases + [("adam", heavy)]:
        # (Adam normalises its steps: a heavy row's are not larger.)
        clf = BPClassifier(solver=solver, learning_rate_init=1e3, random_state=0)
        with pytest.warns(ConvergenceWarning, match="blew up") as record:
            clf.fit(X, y, sample_weight=sample_weight)
        message = next(str(w.message) for w in record if "blew up" in str(w.message))
        expected = solver == "sgd" and sample_weight is heavy
        assert ("is 100 times the mean" in message) == expected
