"""scikit-learn's callback protocol and the verbose output."""

import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbpnet import BPClassifier, BPRegressor
from skbpnet._network import Network

callback = pytest.importorskip("sklearn.callback")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=120, noise=0.2, random_state=0)


class Recorder:
    """Records hook calls; optionally asks to stop after ``stop_after`` epochs."""

    max_propagation_depth = None  # auto-propagated from meta-estimators

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.events = []

    def setup(self, estimator, context):
        self.events.append(("setup", type(estimator).__name__, context.task_name))

    def on_fit_task_begin(self, estimator, context):
        self.events.append(("begin", type(estimator).__name__, context.task_name))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", type(estimator).__name__, context.task_name))
        if context.task_name == "epoch" and isinstance(estimator, BPClassifier):
            self.last_fitted = fitted_estimator
            epochs = sum(e == ("end", "BPClassifier", "epoch") for e in self.events)
            return self.stop_after is not None and epochs >= self.stop_after
        return False

    def teardown(self, estimator, context):
        self.events.append(("teardown", type(estimator).__name__, context.task_name))


def _epochs(rec):
    return sum(e == ("end", "BPClassifier", "epoch") for e in rec.events)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_one_task_per_epoch(moons, solver):
    X, y = moons
    rec = Recorder()
    clf = BPClassifier(
        hidden_layer_sizes=(8,), solver=solver, max_iter=15, random_state=0
    )
    clf.set_callbacks(rec).fit(X, y)
    assert rec.events[0] == ("setup", "BPClassifier", "fit")
    assert rec.events[-1] == ("teardown", "BPClassifier", "fit")
    assert _epochs(rec) == clf.n_iter_ == 15
    # The fitted estimator handed to callbacks predicts with that epoch's weights.
    np.testing.assert_allclose(rec.last_fitted.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_callback_returning_true_stops_training(moons, solver):
    X, y = moons
    clf = BPClassifier(
        hidden_layer_sizes=(8,), solver=solver, max_iter=100, random_state=0
    )
    clf.set_callbacks(Recorder(stop_after=3)).fit(X, y)
    assert clf.n_iter_ == 3
    assert len(clf.loss_curve_) == 3
    assert np.all(np.isfinite(clf.predict_proba(X)))


def test_callbacks_set_on_a_pipeline_propagate(moons):
    X, y = moons
    rec = Recorder()
    pipe = make_pipeline(
        StandardScaler(),
        BPClassifier(hidden_layer_sizes=(8,), max_iter=7, random_state=0),
    )
    pipe.set_callbacks(rec).fit(X, y)
    assert _epochs(rec) == 7
    assert ("setup", "Pipeline", "fit") in rec.events


def test_scoring_monitor_gets_a_sparse_regression_y_dense():
    import scipy.sparse as sp

    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Y = np.c_[y, -y] / 100
    monitor = callback.ScoringMonitor(scoring="r2")
    reg = BPRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.set_callbacks(monitor).fit(X, sp.csr_matrix(Y))
    epochs = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert len(epochs) == 3
    assert epochs[-1]["r2"] == pytest.approx(reg.score(X, Y))


def test_scoring_monitor_records_every_epoch(moons):
    X, y = moons
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = BPClassifier(
        hidden_layer_sizes=(8,), max_iter=12, learning_rate_init=0.05, random_state=0
    )
    clf.set_callbacks(monitor).fit(X, y)
    rows = monitor.get_logs().data
    epochs = [row for row in rows if row["task_name"] == "epoch"]
    assert len(epochs) == 12
    accuracies = [row["accuracy"] for row in epochs]
    assert all(0 <= a <= 1 for a in accuracies)
    # The score of the final root task is the fitted model's.
    final = [row for row in rows if row["task_name"] == "fit"][-1]
    assert final["accuracy"] == pytest.approx(clf.score(X, y))
    assert accuracies[-1] == pytest.approx(clf.score(X, y))


def test_progress_bar_runs(moons, capsys):
    pytest.importorskip("rich")
    X, y = moons
    reg = BPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    reg.set_callbacks(callback.ProgressBar()).fit(X, y.astype(float))
    assert reg.n_iter_ == 5


def test_partial_fit_reports_one_epoch(moons):
    X, y = moons
    rec = Recorder()
    clf = BPClassifier(hidden_layer_sizes=(8,), random_state=0).set_callbacks(rec)
    clf.partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y)
    assert _epochs(rec) == 2


def test_verbose_prints_one_line_per_epoch(moons, capsys):
    X, y = moons
    BPClassifier(
        hidden_layer_sizes=(8,),
        max_iter=4,
        verbose=True,
        early_stopping=True,
        n_iter_no_change=50,
        random_state=0,
    ).fit(X, y)
    lines = [
        line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("Iteration")
    ]
    assert len(lines) == 4
    # The start of each line is scikit-learn's MLP's, so logs parse alike.
    assert re.match(r"Iteration 1, loss = \d+\.\d{8}", lines[0])
    assert lines[3].startswith("Iteration 4, ")
    assert "validation score = " in lines[0]
    assert "elapsed = " in lines[0]


class StopAfter(Recorder):
    """Stops any estimator after ``stop_after`` epochs (or iterations)."""

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", context.task_name))
        epochs = sum(e == ("end", "epoch") for e in self.events)
        return context.task_name == "epoch" and epochs >= self.stop_after


def test_lbfgs_stopped_by_a_callback_does_not_warn_of_a_stall():
    # Unscaled Poisson diabetes stalls in its second iteration (a
    # ConvergenceWarning without callbacks); a callback that stops the fit
    # there asked for the stop, so no warning.
    X, y = load_diabetes(return_X_y=True, scaled=False)
    reg = BPRegressor(loss="poisson", solver="lbfgs", random_state=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*constant prediction")
        reg.set_callbacks(StopAfter(stop_after=2)).fit(X, y)
    assert reg.n_iter_ == 2


def test_verbose_lbfgs_prints_loss_and_elapsed_per_iteration(moons, capsys):
    X, y = moons
    clf = BPClassifier(
        hidden_layer_sizes=(8,),
        solver="lbfgs",
        max_iter=5,
        verbose=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    lines = [
        line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("Iteration")
    ]
    assert len(lines) == clf.n_iter_ > 0
    assert all("loss = " in line and "elapsed = " in line for line in lines)


def test_without_sklearn_callback_module_everything_still_works():
    # Simulate a scikit-learn without sklearn.callback in a fresh interpreter.
    code = textwrap.dedent(
        """
        import sys
        # scikit-learn itself imports sklearn.callback; load what skbpnet needs
        # first, then hide the module from skbpnet's own import.
        import sklearn.base, sklearn.metrics, sklearn.model_selection
        import sklearn.preprocessing, sklearn.utils.class_weight
        import sklearn.utils.metaestimators, sklearn.utils.multiclass
        sys.modules["sklearn.callback"] = None
        import numpy as np
        from skbpnet import BPClassifier
        from skbpnet._callbacks import HAS_CALLBACKS
        assert not HAS_CALLBACKS
        X = np.random.RandomState(0).normal(size=(40, 2))
        y = (X[:, 0] > 0).astype(int)
        clf = BPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
        clf.set_callbacks(object()).fit(X, y)
        assert clf.n_iter_ == 3
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "ok"


# ------------------------------------------------ failures and unfinished tasks
class Raises(Recorder):
    """Raises ``exc`` from the end hook of the task named ``where``."""

    def __init__(self, exc, where):
        super().__init__()
        self.exc, self.where = exc, where

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", type(estimator).__name__, context.task_name))
        if context.task_name == self.where:
            raise self.exc


def _balanced(rec):
    """Every epoch task that began has ended, and teardown follows setup.

    (The root task ends only when the fit succeeds, as in scikit-learn.)
    """
    begins = sum(e[0] == "begin" and e[-1] == "epoch" for e in rec.events)
    ends = sum(e[0] == "end" and e[-1] == "epoch" for e in rec.events)
    setups = sum(e[0] == "setup" for e in rec.events)
    teardowns = sum(e[0] == "teardown" for e in rec.events)
    return begins == ends and setups == teardowns == 1


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_failing_fit_still_tears_the_callbacks_down(moons, solver):
    # A fit that fails after the callbacks are set up (here: a callback
    # raising) must still call teardown; ProgressBar's thread otherwise kept
    # the interpreter from exiting. The estimator is left as it was.
    X, y = moons
    rec = Raises(RuntimeError("boom"), "epoch")
    clf = BPClassifier(hidden_layer_sizes=(4,), solver=solver, random_state=0)
    with pytest.raises(RuntimeError, match="boom"):
        clf.set_callbacks(rec).fit(X, y)
    assert _balanced(rec)
    assert not hasattr(clf, "coefs_")


def test_a_fit_failing_in_validation_tears_the_callbacks_down():
    # early stopping on 5 rows: the validation split fails after setup.
    X = np.random.RandomState(0).normal(size=(5, 3))
    rec = Recorder()
    with pytest.raises(ValueError):
        BPClassifier(early_stopping=True).set_callbacks(rec).fit(X, np.arange(5) % 2)
    assert _balanced(rec)


def test_progress_bar_does_not_hang_the_interpreter_after_a_failed_fit():
    pytest.importorskip("rich")
    code = textwrap.dedent(
        """
        import numpy as np
        from sklearn.callback import ProgressBar
        from skbpnet import BPClassifier
        X = np.random.RandomState(0).normal(size=(5, 3))
        try:
            BPClassifier(early_stopping=True).set_callbacks(ProgressBar()).fit(
                X, np.arange(5) % 2
            )
        except ValueError:
            print("failed as expected")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "failed as expected" in out.stdout


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_interrupt_from_the_root_end_hook_keeps_the_trained_model(moons, solver):
    X, y = moons
    rec = Raises(KeyboardInterrupt(), "fit")
    clf = BPClassifier(
        hidden_layer_sizes=(4,), solver=solver, max_iter=3, random_state=0
    )
    with pytest.warns(UserWarning, match="after training had completed"):
        clf.set_callbacks(rec).fit(X, y)
    reference = BPClassifier(
        hidden_layer_sizes=(4,), solver=solver, max_iter=3, random_state=0
    ).fit(X, y)
    for W, W_ref in zip(clf.coefs_, reference.coefs_):
        np.testing.assert_array_equal(W, W_ref)
    assert clf.n_iter_ == reference.n_iter_
    assert _balanced(rec)


def test_error_from_the_root_end_hook_leaves_the_estimator_as_it_was(moons):
    X, y = moons
    clf = BPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with pytest.raises(RuntimeError, match="root"):
        clf.set_callbacks(Raises(RuntimeError("root"), "fit")).fit(X, y)
    assert not hasattr(clf, "coefs_") and not hasattr(clf, "n_iter_")


class EmptyEnds(Recorder):
    """Counts end hooks called without a fitted estimator (unfinished tasks)."""

    empty = 0

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch" and fitted_estimator is None:
            self.empty += 1
        return super().on_fit_task_end(
            estimator, context, fitted_estimator=fitted_estimator
        )


def _diverging():
    """A regressor that diverges in its first epoch on unscaled diabetes."""
    X, y = load_diabetes(return_X_y=True)
    reg = BPRegressor(
        hidden_layer_sizes=(50, 50),
        solver="sgd",
        learning_rate_init=1e3,
        max_iter=20,
        random_state=0,
    )
    return reg, X, y


def test_a_diverging_epoch_still_ends_its_task():
    reg, X, y = _diverging()
    rec = EmptyEnds()
    with pytest.warns(UserWarning, match="diverged"):
        reg.set_callbacks(rec).fit(X * 100, y * 100)
    assert _balanced(rec)
    assert rec.empty == 1  # the diverging epoch: begun, ended without a model


class FragileEnd(Recorder):
    """An end hook that assumes a fitted estimator (a bug, but a common one)."""

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        super().on_fit_task_end(estimator, context, fitted_estimator=fitted_estimator)
        return fitted_estimator.coefs_ is None  # AttributeError on None


def test_a_callback_failing_on_an_unfinished_epoch_does_not_lose_the_fit():
    reg, X, y = _diverging()
    with pytest.warns(UserWarning) as record:
        reg.set_callbacks(FragileEnd()).fit(X * 100, y * 100)
    messages = [str(w.message) for w in record]
    assert any("diverged" in m for m in messages)
    assert any("callback failed" in m and "AttributeError" in m for m in messages)
    assert hasattr(reg, "coefs_")


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_interrupted_epoch_still_ends_its_task(moons, solver, monkeypatch):
    # A Ctrl-C inside an epoch (here: the third loss evaluation).
    X, y = moons
    calls = {"n": 0}
    loss_grad = Network.loss_grad

    def interrupting(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return loss_grad(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_grad", interrupting)
    rec = Recorder()
    clf = BPClassifier(
        hidden_layer_sizes=(4,), solver=solver, batch_size=40, random_state=0
    )
    with pytest.warns(UserWarning, match="interrupted"):
        clf.set_callbacks(rec).fit(X, y)
    assert _balanced(rec)


class EpochOpen(Recorder):
    """Knows whether an epoch (an L-BFGS iteration) task is open."""

    open = False

    def on_fit_task_begin(self, estimator, context):
        super().on_fit_task_begin(estimator, context)
        if context.task_name == "epoch":
            self.open = True

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch":
            self.open = False
        return super().on_fit_task_end(
            estimator, context, fitted_estimator=fitted_estimator
        )


def test_lbfgs_iteration_tasks_cover_the_iterations_work(monkeypatch):
    # An iteration's task begins with its first loss evaluation, not after
    # the work: every evaluation runs inside an iteration's task.
    X, y = make_moons(n_samples=400, noise=0.2, random_state=0)
    rec = EpochOpen()
    inside = []
    loss_grad = Network.loss_grad

    def watched(self, *args, **kwargs):
        inside.append(rec.open)
        return loss_grad(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_grad", watched)
    clf = BPClassifier(
        hidden_layer_sizes=(16,), solver="lbfgs", max_iter=15, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        clf.set_callbacks(rec).fit(X, y)
    assert clf.n_iter_ == 15
    assert len(inside) > 15 and all(inside)
    assert _balanced(rec)


def test_scoring_monitor_sees_the_callers_weights_not_class_weights():
    from sklearn.datasets import make_classification

    X, y = make_classification(400, 5, weights=[0.9], flip_y=0.1, random_state=0)
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = BPClassifier(
        hidden_layer_sizes=(5,), max_iter=20, class_weight="balanced", random_state=0
    ).set_callbacks(monitor)
    clf.fit(X, y)
    rows = monitor.get_logs().data
    final = [row for row in rows if row["task_name"] == "fit"][-1]
    assert final["accuracy"] == pytest.approx(clf.score(X, y))


class RaisesOnBegin(Recorder):
    """Raises KeyboardInterrupt from the begin hook of epoch ``at``."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_fit_task_begin(self, estimator, context):
        super().on_fit_task_begin(estimator, context)
        begun = sum(e[0] == "begin" and e[-1] == "epoch" for e in self.events)
        if context.task_name == "epoch" and begun == self.at:
            raise KeyboardInterrupt


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_interrupt_in_a_begin_hook_still_ends_the_other_callbacks_task(moons, solver):
    X, y = moons
    first = Recorder()
    clf = BPClassifier(hidden_layer_sizes=(4,), solver=solver, random_state=0)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.set_callbacks(first, RaisesOnBegin(at=2)).fit(X, y)
    assert _balanced(first)
    assert clf.n_iter_ == 1


class InterruptsEmptyEnd(Recorder):
    """Raises KeyboardInterrupt from an end hook without a fitted estimator."""

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        super().on_fit_task_end(estimator, context, fitted_estimator=fitted_estimator)
        if context.task_name == "epoch" and fitted_estimator is None:
            raise KeyboardInterrupt
        return False


def test_ctrl_c_while_ending_a_diverged_epoch_keeps_the_fit():
    reg, X, y = _diverging()
    with pytest.warns(UserWarning) as record:
        reg.set_callbacks(InterruptsEmptyEnd()).fit(X * 100, y * 100)
    messages = [str(w.message) for w in record]
    assert any("diverged" in m for m in messages)
    assert any("KeyboardInterrupt" in m for m in messages)
    assert hasattr(reg, "coefs_")


def test_a_callback_error_on_an_lbfgs_left_over_task_propagates(moons):
    # A converged model refitted warm: one evaluation, no accepted
    # iteration, so the iteration's task is left over when L-BFGS returns
    # normally. Nothing else is pending: the callback's error propagates.
    X, y = moons
    clf = BPClassifier(
        hidden_layer_sizes=(4,),
        solver="lbfgs",
        tol=1e-3,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    # The premise: the warm refit runs no iteration.
    assert clf.set_params(max_iter=200).fit(X, y).n_iter_ == 0
    with pytest.raises(AttributeError):
        clf.set_callbacks(FragileEnd()).fit(X, y)


def test_ctrl_c_ending_an_lbfgs_left_over_task_keeps_the_fit(moons):
    # Ended by its line search (tol far below what float64 resolves), the
    # run leaves an iteration's task open; a Ctrl-C while it is ended is an
    # interruption like any other: the fit is kept.
    X, y = make_moons(200, noise=0.2, random_state=0)
    clf = BPClassifier(
        hidden_layer_sizes=(8,),
        solver="lbfgs",
        tol=1e-14,
        max_iter=3000,
        random_state=5,
    )
    with pytest.warns(UserWarning, match="interrupted"):
        clf.set_callbacks(InterruptsEmptyEnd()).fit(X, y)
    assert clf.n_iter_ > 0 and hasattr(clf, "coefs_")


class Snapshots(Recorder):
    """Keeps every epoch's fitted_estimator."""

    def __init__(self):
        super().__init__()
        self.kept = []

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch" and fitted_estimator is not None:
            self.kept.append(fitted_estimator)
        return False


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_fitted_estimator_of_an_epoch_has_that_epochs_history(moons, solver):
    # The copy a callback gets looks like a fit stopped after that epoch
    # (lbfgs: iteration), and later epochs do not appear in a kept copy.
    X, y = moons
    snapshots = Snapshots()
    clf = BPClassifier(
        hidden_layer_sizes=(8,), solver=solver, max_iter=4, random_state=0
    )
    clf.set_callbacks(snapshots).fit(X, y)
    assert len(snapshots.kept) == clf.n_iter_ == 4
    for k, kept in enumerate(snapshots.kept, start=1):
        assert kept.n_iter_ == k
        assert kept.loss_curve_ == clf.loss_curve_[:k]
        assert kept.loss_ == clf.loss_curve_[k - 1]
        np.testing.assert_array_equal(kept.gradient_norms_, clf.gradient_norms_[:k])
        if solver == "lbfgs":
            assert kept.best_loss_ == min(clf.loss_curve_[:k])
    # The fitted history is the estimator's own: changing it leaves the
    # kept copies alone. Theirs are read-only (later copies are built from
    # them).
    last = snapshots.kept[-1].gradient_norms_.copy()
    clf.gradient_norms_[...] = -1.0
    np.testing.assert_array_equal(snapshots.kept[-1].gradient_norms_, last)
    with pytest.raises(ValueError, match="read-only"):
        snapshots.kept[0].gradient_norms_[...] = -1.0


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_the_fit_tasks_copy_does_not_share_the_fitted_arrays(moons, solver):
    X, y = moons

    class AtTheEnd(Recorder):
        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            if context.task_name == "fit":
                self.kept = fitted_estimator
            return False

    rec = AtTheEnd()
    clf = BPClassifier(hidden_layer_sizes=(8,), solver=solver, max_iter=4)
    clf.set_callbacks(rec).fit(X, y)
    kept = rec.kept.gradient_norms_.copy()
    np.testing.assert_array_equal(kept, clf.gradient_norms_)
    clf.gradient_norms_[...] = -1.0
    np.testing.assert_array_equal(rec.kept.gradient_norms_, kept)


def test_a_kept_fitted_estimator_has_its_own_optimizer_state(moons):
    X, y = moons
    snapshots = Snapshots()
    clf = BPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    clf.set_callbacks(snapshots).fit(X, y)
    moments = clf._optimizer.optimizer.m.copy()
    snapshots.kept[0].set_callbacks().partial_fit(X, y)
    np.testing.assert_array_equal(clf._optimizer.optimizer.m, moments)


def test_a_failed_partial_fit_leaves_the_optimizer_as_it_was(moons):
    # A partial_fit that a callback makes fail restores the moments and the
    # schedule's epoch count along with the weights: retrying the same block
    # continues the stream as if the failure had not happened.
    X, y = moons

    class Failing(Recorder):
        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            if context.task_name == "epoch":
                raise RuntimeError("callback failed")
            return False

    streams = [BPClassifier(hidden_layer_sizes=(8,), random_state=0) for _ in range(2)]
    for clf in streams:
        clf.partial_fit(X[:60], y[:60], classes=[0, 1])
    streams[1].set_callbacks(Failing())
    with pytest.raises(RuntimeError, match="callback failed"):
        streams[1].partial_fit(X[60:], y[60:])
    streams[1].set_callbacks()
    for clf in streams:
        clf.partial_fit(X[60:], y[60:])
    for W_a, W_b in zip(streams[0].coefs_, streams[1].coefs_):
        np.testing.assert_array_equal(W_a, W_b)
