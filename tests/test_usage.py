"""skbpnet as a new user drops it into existing scikit-learn code."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skbpnet import BPClassifier, BPRegressor

#: GridSearchCV makes an array of each parameter's values; NumPy < 1.24 warns
#: when they mix strings and tuples (scikit-learn then falls back to a list).
RAGGED_VALUES = pytest.mark.filterwarnings(
    "ignore:Creating an ndarray from ragged nested sequences"
)


@RAGGED_VALUES
def test_grid_search_over_activation_and_sizes_in_pipeline():
    X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("net", BPClassifier(solver="lbfgs", max_iter=300, random_state=0)),
        ]
    )
    grid = GridSearchCV(
        pipe,
        {
            "net__activation": ["relu", "tanh", "sigmoid", "maxout", ("relu", "tanh")],
            "net__hidden_layer_sizes": [(8, 8), (16, 8)],
        },
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    assert grid.best_score_ > 0.9
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert len(grid.cv_results_["params"]) == 10


def test_cross_validate_next_to_logistic_regression():
    X, y = make_moons(n_samples=200, noise=0.2, random_state=1)
    bp = make_pipeline(
        StandardScaler(),
        BPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0),
    )
    lr = make_pipeline(StandardScaler(), LogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        bp_scores = cross_validate(bp, X, y, cv=5)["test_score"]
    lr_scores = cross_validate(lr, X, y, cv=5)["test_score"]
    assert bp_scores.mean() > lr_scores.mean() + 0.05


@pytest.mark.parametrize("Estimator", [MLPClassifier, BPClassifier])
def test_swap_mlpclassifier_for_bpclassifier(Estimator):
    # The same code, with the same parameter names, runs on both classes.
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)[:600]
    y = y[:600]
    clf = Estimator(
        hidden_layer_sizes=(50,),
        activation="relu",
        solver="adam",
        alpha=1e-4,
        batch_size=64,
        learning_rate="constant",
        learning_rate_init=1e-3,
        max_iter=60,
        shuffle=True,
        random_state=0,
        tol=1e-4,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.score(X, y) > 0.9
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_regressor_in_grid_search():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(150, 2))
    y = X[:, 0] ** 2 + X[:, 1]
    grid = GridSearchCV(
        BPRegressor(solver="lbfgs", random_state=0),
        {"alpha": [1e-4, 1e-1], "activation": ["tanh", "relu"]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    assert grid.best_score_ > 0.9


@RAGGED_VALUES
def test_grid_over_activations_and_inits_on_digits():
    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "net",
                BPClassifier(
                    hidden_layer_sizes=(32, 16),
                    batch_size=32,
                    max_iter=60,
                    learning_rate_init=0.01,
                    random_state=0,
                ),
            ),
        ]
    )
    grid = GridSearchCV(
        pipe,
        {
            "net__activation": ["relu", "tanh", "sigmoid", "maxout", ("relu", "tanh")],
            "net__init": ["auto", "lecun_normal", "glorot_uniform"],
        },
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert len(scores) == 15
    # Every configuration learns digits far above chance (0.1); the best is on
    # par with MLPClassifier and LogisticRegression here (both 0.86-0.87).
    assert scores.min() > 0.75
    assert grid.best_score_ > 0.85


def test_unattended_search_with_diverging_candidates_finishes():
    # Absurd learning rates make some fits diverge. The search finishes
    # without an error, the divergences are reported, and the sensible
    # candidates get finite scores and win.
    X, y = load_digits(return_X_y=True)
    X, y = X[:500], y[:500].astype(float)
    pipe = make_pipeline(
        StandardScaler(), BPRegressor(solver="sgd", max_iter=30, random_state=0)
    )
    grid = GridSearchCV(
        pipe,
        {
            "bpregressor__learning_rate_init": [1e-3, 1e-2, 1e4, 1e6],
            "bpregressor__activation": ["relu", "tanh"],
            "bpregressor__hidden_layer_sizes": [(16,), (16, 16)],
        },
        cv=2,
        error_score="raise",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grid.fit(X, y)
    assert sum("diverged" in str(w.message) for w in caught) >= 4
    results = grid.cv_results_
    rates = np.array(results["param_bpregressor__learning_rate_init"], dtype=float)
    sensible = rates < 1
    assert sensible.sum() == 8
    assert np.all(np.isfinite(results["mean_test_score"][sensible]))
    assert grid.best_params_["bpregressor__learning_rate_init"] < 1
    assert grid.best_score_ > 0.3
    assert np.all(np.isfinite(grid.predict(X)))


def test_float64_X_overflowing_a_float32_model_is_an_error():
    # partial_fit keeps a float32 model's precision: X beyond float32's range
    # is refused with a message, not trained on as inf.
    from sklearn.datasets import make_classification

    from skbpnet import BPClassifier

    X, y = make_classification(60, 4, random_state=0)
    clf = BPClassifier(hidden_layer_sizes=(4,), random_state=0)
    clf.partial_fit(X.astype(np.float32), y, classes=[0, 1])
    X_big = X.copy()
    X_big[0, 0] = 1e39
    with pytest.raises(ValueError, match="too large for float32"):
        clf.partial_fit(X_big, y)
