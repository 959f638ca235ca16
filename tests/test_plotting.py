"""Tests of the training-diagnostics Displays (skbpnet._plotting)."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbpnet import BPClassifier, BPRegressor
from skbpnet._plotting import GradientNormDisplay, LossCurveDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DISPLAYS = [LossCurveDisplay, GradientNormDisplay]
# Short runs on purpose: the histories only need a few epochs.
short_run = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=120, n_features=4, n_informative=3, n_redundant=0, random_state=0
    )


def _adam(data, **params):
    X, y = data
    params = {"hidden_layer_sizes": (5, 4), "max_iter": 15, "random_state": 0} | params
    return BPClassifier(**params).fit(X, y)


def _lbfgs(data):
    X, y = data
    return BPClassifier(
        hidden_layer_sizes=(5,), solver="lbfgs", max_iter=500, random_state=0
    ).fit(X, y)


# --------------------------------------------------------------- LossCurve
@short_run
def test_loss_curve_from_estimator(data):
    clf = _adam(data)
    display = LossCurveDisplay.from_estimator(clf)

    assert isinstance(display, LossCurveDisplay)
    assert display.ax_ is display.line_.axes
    assert display.figure_ is display.ax_.figure
    assert display.name == "BPClassifier"
    n = len(clf.loss_curve_)
    np.testing.assert_array_equal(display.line_.get_ydata(), clf.loss_curve_)
    np.testing.assert_array_equal(display.line_.get_xdata(), np.arange(1, n + 1))
    assert display.ax_.get_xlabel() == "epoch"
    assert display.ax_.get_ylabel() == "training loss"
    assert display.line_.get_label() == "BPClassifier"
    # Without early stopping there are no validation scores and no twin axes.
    assert clf.validation_scores_ is None
    assert display.validation_line_ is None
    assert display.validation_ax_ is None
    assert len(display.figure_.axes) == 1


@short_run
def test_loss_curve_validation_line_with_early_stopping(data):
    clf = _adam(data, early_stopping=True, max_iter=30)
    display = LossCurveDisplay.from_estimator(clf)

    line = display.validation_line_
    assert line is not None
    np.testing.assert_array_equal(line.get_ydata(), clf.validation_scores_)
    assert line.axes is display.validation_ax_
    assert display.validation_ax_ is not display.ax_
    assert display.validation_ax_.get_ylabel() == "validation score"
    # A twin axes shares the x axis of the loss axes.
    assert display.validation_ax_.get_shared_x_axes().joined(
        display.validation_ax_, display.ax_
    )
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == ["BPClassifier", "BPClassifier (validation)"]


def test_loss_curve_lbfgs_counts_iterations(data):
    clf = _lbfgs(data)
    display = LossCurveDisplay.from_estimator(clf)
    assert display.ax_.get_xlabel() == "iteration"
    np.testing.assert_array_equal(display.line_.get_ydata(), clf.loss_curve_)


@short_run
def test_loss_curve_draws_on_given_axes_and_forwards_kwargs(data):
    clf = _adam(data)
    fig, (ax_left, ax_right) = plt.subplots(1, 2)
    display = LossCurveDisplay.from_estimator(clf, ax=ax_right, color="red", lw=3)

    assert display.ax_ is ax_right
    assert display.figure_ is fig
    assert display.line_ in ax_right.lines
    assert not ax_left.lines
    assert display.line_.get_color() == "red"
    assert display.line_.get_linewidth() == 3


@short_run
def test_loss_curves_share_axes_and_legend(data):
    fig, ax = plt.subplots()
    first = LossCurveDisplay.from_estimator(_adam(data), ax=ax, label="first")
    second = LossCurveDisplay.from_estimator(
        _adam(data, learning_rate_init=0.01), ax=ax, label="second"
    )
    assert first.ax_ is second.ax_ is ax
    assert list(ax.lines) == [first.line_, second.line_]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["first", "second"]


def test_loss_curve_from_arrays():
    display = LossCurveDisplay([3.0, 2.0, 1.5], validation_scores=[0.5, 0.7, 0.8])
    assert display.plot() is display
    np.testing.assert_array_equal(display.line_.get_ydata(), [3.0, 2.0, 1.5])
    np.testing.assert_array_equal(display.validation_line_.get_ydata(), [0.5, 0.7, 0.8])
    assert display.line_.get_label() == "training loss"
    assert display.validation_line_.get_label() == "validation score"


@short_run
def test_loss_curve_regressor_and_pipeline():
    X, y = make_regression(n_samples=80, n_features=3, noise=1.0, random_state=0)
    pipe = make_pipeline(
        StandardScaler(),
        BPRegressor(hidden_layer_sizes=(4,), max_iter=10, random_state=0),
    ).fit(X, y)
    display = LossCurveDisplay.from_estimator(pipe)
    assert display.name == "BPRegressor"
    np.testing.assert_array_equal(display.line_.get_ydata(), pipe[-1].loss_curve_)


@short_run
def test_displays_read_a_search_through_its_best_estimator():
    from sklearn.model_selection import GridSearchCV

    X, y = make_regression(n_samples=60, n_features=3, noise=1.0, random_state=0)
    pipe = make_pipeline(
        StandardScaler(),
        BPRegressor(hidden_layer_sizes=(4,), max_iter=10, random_state=0),
    )
    grid = {"bpregressor__alpha": [1e-4, 10.0]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    best = search.best_estimator_[-1]
    display = LossCurveDisplay.from_estimator(search)
    np.testing.assert_array_equal(display.line_.get_ydata(), best.loss_curve_)
    norms = GradientNormDisplay.from_estimator(search)
    assert norms.name == "BPRegressor"
    # Without a refitted best estimator, the message says what to pass.
    search = GridSearchCV(pipe, grid, cv=2, refit=False).fit(X, y)
    with pytest.raises(ValueError, match="a search refitted on one"):
        LossCurveDisplay.from_estimator(search)


@short_run
def test_loss_curve_works_with_sklearn_mlp(data):
    from sklearn.neural_network import MLPClassifier

    X, y = data
    mlp = MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0)
    mlp.fit(X, y)
    display = LossCurveDisplay.from_estimator(mlp)
    np.testing.assert_array_equal(display.line_.get_ydata(), mlp.loss_curve_)


# ------------------------------------------------------------ GradientNorm
@short_run
def test_gradient_norm_from_estimator(data):
    clf = _adam(data)
    display = GradientNormDisplay.from_estimator(clf)

    assert isinstance(display, GradientNormDisplay)
    assert display.figure_ is display.ax_.figure
    norms = clf.gradient_norms_
    assert len(display.lines_) == clf.n_layers_ - 1 == norms.shape[1]
    for i, line in enumerate(display.lines_):
        assert line.axes is display.ax_
        np.testing.assert_array_equal(line.get_ydata(), norms[:, i])
        np.testing.assert_array_equal(
            line.get_xdata(), np.arange(1, norms.shape[0] + 1)
        )
    labels = [line.get_label() for line in display.lines_]
    assert labels == ["layer 1 → 2", "layer 2 → 3", "layer 3 → 4"]
    assert display.ax_.get_yscale() == "log"
    assert display.ax_.get_ylabel() == "RMS gradient"
    assert display.ax_.get_xlabel() == "epoch"
    assert display.ax_.get_title() == "BPClassifier"
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == labels


def test_gradient_norm_lbfgs_counts_iterations(data):
    clf = _lbfgs(data)
    display = GradientNormDisplay.from_estimator(clf)
    assert display.ax_.get_xlabel() == "iteration"
    assert len(display.lines_) == 2


@short_run
def test_gradient_norm_draws_on_given_axes(data):
    clf = _adam(data)
    fig, axes = plt.subplots(1, 2)
    display = GradientNormDisplay.from_estimator(clf, ax=axes[0])
    assert display.ax_ is axes[0]
    assert display.figure_ is fig
    assert len(axes[0].lines) == len(display.lines_)
    assert not axes[1].lines


def test_gradient_norm_from_arrays():
    norms = np.array([[1e-3, 1e-1], [2e-3, 5e-2]])
    display = GradientNormDisplay(norms).plot(linestyle=":")
    assert display.ax_.get_title() == ""
    assert [line.get_linestyle() for line in display.lines_] == [":", ":"]
    np.testing.assert_array_equal(display.lines_[1].get_ydata(), norms[:, 1])


def test_gradient_norm_rejects_1d():
    with pytest.raises(ValueError, match="must be 2-D"):
        GradientNormDisplay(np.ones(3)).plot()


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("Display", DISPLAYS)
@pytest.mark.parametrize("Estimator", [BPClassifier, BPRegressor])
def test_unfitted_estimator_raises(Display, Estimator):
    with pytest.raises(NotFittedError):
        Display.from_estimator(Estimator())


@pytest.mark.parametrize("Display", DISPLAYS)
def test_estimator_without_history_raises(Display, data):
    X, y = data
    logreg = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="attribute"):
        Display.from_estimator(logreg)


@pytest.mark.parametrize("Display", DISPLAYS)
def test_missing_matplotlib_message(Display, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"skbpnet\[plot\]"):
        Display(np.ones((2, 2))).plot()


def test_import_skbpnet_does_not_import_matplotlib():
    code = "import sys, skbpnet; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@short_run
def test_validation_scores_after_a_warm_start_are_drawn_at_their_epochs(data):
    # 10 epochs without early stopping, then 10 with: the 10 scores belong
    # to epochs 11-20.
    X, y = data
    clf = BPClassifier(
        hidden_layer_sizes=(5,), max_iter=10, warm_start=True, random_state=0
    ).fit(X, y)
    clf.set_params(early_stopping=True, n_iter_no_change=100).fit(X, y)
    assert len(clf.loss_curve_) == 20 and len(clf.validation_scores_) == 10
    display = LossCurveDisplay.from_estimator(clf)
    np.testing.assert_array_equal(
        display.validation_line_.get_xdata(), np.arange(11, 21)
    )
    np.testing.assert_array_equal(display.line_.get_xdata(), np.arange(1, 21))


@short_run
def test_name_tells_estimators_on_one_axes_apart(data):
    fig, ax = plt.subplots()
    LossCurveDisplay.from_estimator(_adam(data), ax=ax, name="relu")
    display = LossCurveDisplay.from_estimator(
        _adam(data, activation="tanh"), ax=ax, name="tanh"
    )
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["relu", "tanh"]
    assert display.name == "tanh"
    # plot(name=...) overrides the stored name.
    display.plot(name="again")
    assert display.line_.get_label() == "again"


@short_run
def test_gradient_norm_label_prefixes_each_line_and_the_first_title_stays(data):
    fig, ax = plt.subplots()
    clf = _adam(data)
    first = GradientNormDisplay.from_estimator(clf, ax=ax, label="relu")
    assert [line.get_label() for line in first.lines_] == [
        "relu: layer 1 → 2",
        "relu: layer 2 → 3",
        "relu: layer 3 → 4",
    ]
    second = GradientNormDisplay.from_estimator(clf, ax=ax, name="two nets")
    assert ax.get_title() == "BPClassifier"  # the first display's
    assert second.lines_[0].get_label() == "two nets: layer 1 → 2"
    assert len(ax.lines) == 6


@short_run
def test_a_fit_without_early_stopping_ends_the_run_of_scores(data):
    # Scores of epochs 1-3, then 4 epochs without early stopping: the old
    # scores no longer describe the epochs that end loss_curve_.
    X, y = data
    clf = BPClassifier(
        hidden_layer_sizes=(5,),
        max_iter=3,
        warm_start=True,
        early_stopping=True,
        n_iter_no_change=100,
        random_state=0,
    ).fit(X, y)
    assert len(clf.validation_scores_) == 3
    clf.set_params(early_stopping=False, max_iter=4).fit(X, y)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert LossCurveDisplay.from_estimator(clf).validation_line_ is None
    # On again: a new run of scores, drawn at its epochs.
    clf.set_params(early_stopping=True, max_iter=2).fit(X, y)
    assert len(clf.validation_scores_) == 2
    display = LossCurveDisplay.from_estimator(clf)
    np.testing.assert_array_equal(display.validation_line_.get_xdata(), [8, 9])


def test_more_scores_than_losses_is_an_error():
    with pytest.raises(ValueError, match="at most one score per epoch"):
        LossCurveDisplay([1.0, 0.5], validation_scores=[0.1, 0.2, 0.3]).plot()


def test_the_length_error_draws_nothing():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError):
        LossCurveDisplay([1.0], validation_scores=[0.1, 0.2]).plot(ax=ax)
    assert not ax.lines


@short_run
def test_two_early_stopping_fits_share_one_validation_axis(data):
    # A second display on the same axes reuses the twin axis (no clashing
    # tick labels) and the legend lists both validation lines.
    fits = [
        _adam(data, early_stopping=True, max_iter=15, random_state=seed)
        for seed in (0, 1)
    ]
    fig, ax = plt.subplots()
    first = LossCurveDisplay.from_estimator(fits[0], ax=ax, name="a")
    second = LossCurveDisplay.from_estimator(fits[1], ax=ax, name="b")
    assert second.validation_ax_ is first.validation_ax_
    assert len(fig.axes) == 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["a", "b", "a (validation)", "b (validation)"]


@short_run
def test_label_keyword_names_the_validation_line_too(data):
    clf = _adam(data, early_stopping=True, max_iter=5)
    display = LossCurveDisplay.from_estimator(clf, label="mine")
    assert display.validation_line_.get_label() == "mine (validation)"


@short_run
def test_gradient_norm_name_prefixes_the_lines_and_keeps_a_title(data):
    fits = [_adam(data, max_iter=3, random_state=seed) for seed in (0, 1)]
    fig, ax = plt.subplots()
    GradientNormDisplay.from_estimator(fits[0], ax=ax, name="a")
    GradientNormDisplay.from_estimator(fits[1], ax=ax, name="b")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0].startswith("a: ") and labels[-1].startswith("b: ")
    assert ax.get_title() == "a"


def test_exactly_zero_gradients_are_reported_not_silently_dropped():
    norms = np.array([[1e-3, 0.0], [1e-3, 0.0]])
    with pytest.warns(UserWarning, match=r"layer\(s\) 2 → 3 is exactly zero"):
        GradientNormDisplay(norms).plot()


@pytest.mark.parametrize(
    "make",
    [
        lambda: LossCurveDisplay(np.ones((3, 2))),
        lambda: LossCurveDisplay(5.0),
        lambda: LossCurveDisplay(np.ones(3), validation_scores=np.ones((2, 2))),
        lambda: GradientNormDisplay(np.ones(3)),
    ],
)
def test_wrong_shapes_are_errors_that_draw_nothing(make):
    with pytest.raises(ValueError, match="must be"):
        make().plot()
    assert plt.get_fignums() == []


@short_run
def test_validation_scores_stay_on_their_own_subplot_with_sharex(data):
    # Subplots sharing x are not twins: each gets its own validation axis.
    clf = _adam(data, early_stopping=True, max_iter=5)
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True)
    LossCurveDisplay.from_estimator(clf, ax=bottom)
    display = LossCurveDisplay.from_estimator(clf, ax=top)
    assert display.validation_ax_.get_position().bounds == top.get_position().bounds
    assert len(fig.axes) == 4


@short_run
def test_zero_gradient_warning_points_at_the_callers_line(data):
    clf = _adam(data, max_iter=2)
    clf.gradient_norms_ = np.array([[1e-3, 0.0, 1e-2], [1e-3, 1e-4, 1e-2]])
    with pytest.warns(UserWarning, match="exactly zero") as record:
        display = GradientNormDisplay.from_estimator(clf, name="n")
    assert record[0].filename == __file__
    assert display.name == "n"


@pytest.mark.parametrize(
    "cls, values",
    [(LossCurveDisplay, np.ones(3)), (GradientNormDisplay, np.ones((3, 2)))],
)
def test_estimator_name_is_a_deprecated_alias_of_name(cls, values):
    # scikit-learn's Displays take name=; estimator_name still works, warns
    # (at the caller's line), and gives the same display.
    assert cls(values, name="net").name == "net"
    with pytest.warns(FutureWarning, match="estimator_name is deprecated") as rec:
        by_keyword = cls(values, estimator_name="net")
    assert rec[0].filename == __file__
    with pytest.warns(FutureWarning, match="estimator_name is deprecated"):
        by_position = cls(values, *([None] if cls is LossCurveDisplay else []), "net")
    assert by_keyword.name == by_position.name == "net"
    with pytest.warns(FutureWarning, match="use .name instead") as rec:
        assert by_keyword.estimator_name == "net"
    assert rec[0].filename == __file__
    with pytest.warns(FutureWarning, match="use .name instead") as rec:
        by_position.estimator_name = "renamed"
    assert rec[0].filename == __file__
    assert by_position.name == "renamed"
    with pytest.raises(ValueError, match="both name='a' and estimator_name='b'"):
        cls(values, name="a", estimator_name="b")
    # A display pickled before the rename stored estimator_name.
    legacy = cls(values, name="old")
    legacy.__dict__["estimator_name"] = legacy.__dict__.pop("name")
    revived = pickle.loads(pickle.dumps(legacy))
    assert revived.name == "old" and "estimator_name" not in vars(revived)
    assert revived.plot().ax_ is not None
    drawn = by_keyword.plot()
    labels = (
        [drawn.line_.get_label()]
        if cls is LossCurveDisplay
        else [drawn.ax_.get_title()]
    )
    assert labels == ["net"]
