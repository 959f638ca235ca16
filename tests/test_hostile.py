"""Hostile inputs.

Every input here gets either a ``ValueError``/``TypeError`` whose message names
the problem, or a correct, finite result.  Never an exception from deep inside
NumPy (pyproject turns RuntimeWarnings such as "overflow encountered in matmul"
into errors, so those count as crashes), and never silent NaN output.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning

from skbpnet import BPClassifier, BPRegressor

# Short fits stop at max_iter on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

KINDS = ["classifier", "regressor"]
SOLVERS = ["sgd", "adam", "lbfgs"]
# What an error about overflowing magnitudes may say.
MAGNITUDE = (
    r"(?i)too large|too small|overflow|magnitude|scale|not finite|non-finite|diverg"
)


def _data(n=40, p=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, p))
    y_cls = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    y_reg = 2.0 * X[:, 0] - X[:, 1]
    return X, y_cls, y_reg


X, Y_CLS, Y_REG = _data()


def make(kind, **params):
    base = dict(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    base.update(params)
    return (BPClassifier if kind == "classifier" else BPRegressor)(**base)


def target(kind):
    return Y_CLS if kind == "classifier" else Y_REG


def fitted(kind, **params):
    return make(kind, **params).fit(X, target(kind))


def assert_finite_state(est, diverged=False):
    """Finite weights always; a non-finite loss_ only if a warning said so."""
    for W, b in zip(est.coefs_, est.intercepts_):
        assert np.isfinite(W).all() and np.isfinite(b).all(), "non-finite weights"
    if not diverged:
        assert np.isfinite(est.loss_), f"loss_ is {est.loss_} without a warning"


def assert_well_formed(est, X_new):
    """Finite predictions of the right shape; valid probabilities."""
    n = X_new.shape[0]
    pred = est.predict(X_new)
    assert pred.shape[0] == n
    if is_classifier(est):
        assert set(np.unique(pred)) <= set(est.classes_)
        proba = est.predict_proba(X_new)
        assert proba.shape == (n, len(est.classes_))
        assert np.isfinite(proba).all(), "non-finite probabilities"
        assert ((proba >= 0) & (proba <= 1)).all()
        assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
        log_proba = est.predict_log_proba(X_new)
        assert not np.isnan(log_proba).any()
    else:
        assert np.isfinite(pred).all(), "non-finite predictions"


def well_formed_or_clear_error(est, X_new):
    """Predicting may refuse overflowing outputs with a clear ValueError."""
    try:
        assert_well_formed(est, X_new)
    except ValueError as exc:
        assert re.search(MAGNITUDE, str(exc)), f"unclear error message: {exc}"


def fit_or_clear_error(est, X_fit, y_fit, pattern, **fit_params):
    """Fit; a ValueError is allowed if its message matches ``pattern``.

    Returns "error" after such a ValueError, "diverged" when the fit warned
    (ConvergenceWarning) that training diverged, else "fitted".  Any other
    warning, e.g. NumPy's RuntimeWarning, is still an error (pyproject).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            est.fit(X_fit, y_fit, **fit_params)
        except ValueError as exc:
            assert re.search(pattern, str(exc)), f"unclear error message: {exc}"
            return "error"
    diverged = any(
        issubclass(w.category, ConvergenceWarning)
        and re.search(r"(?i)diverg", str(w.message))
        for w in caught
    )
    return "diverged" if diverged else "fitted"


def predict_methods(est):
    names = ["predict", "score"]
    if is_classifier(est):
        names += ["predict_proba", "predict_log_proba"]
    return names


def call(est, name, X_new, y_new):
    method = getattr(est, name)
    return method(X_new, y_new) if name == "score" else method(X_new)


# --------------------------------------------------------------- NaN / inf
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
def test_non_finite_X_in_fit(kind, bad, container):
    X_bad = X.copy()
    X_bad[3, 1] = bad
    with pytest.raises(ValueError, match=r"X contains (NaN|infinity)"):
        make(kind).fit(container(X_bad), target(kind))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_X_in_partial_fit(kind, bad):
    X_bad = X.copy()
    X_bad[0, 0] = bad
    kwargs = {"classes": [0, 1]} if kind == "classifier" else {}
    with pytest.raises(ValueError, match=r"X contains (NaN|infinity)"):
        make(kind).partial_fit(X_bad, target(kind), **kwargs)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_X_at_predict(kind, bad):
    est = fitted(kind)
    X_bad = X.copy()
    X_bad[5, 2] = bad
    for name in predict_methods(est):
        with pytest.raises(ValueError, match=r"X contains (NaN|infinity)") as info:
            call(est, name, X_bad, target(kind))
        if np.isnan(bad):
            # scikit-learn's advice for NaN, naming the estimator, as in fit.
            assert f"{type(est).__name__} does not accept missing values" in str(
                info.value
            )


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_regression_target(bad):
    y_bad = Y_REG.copy()
    y_bad[7] = bad
    with pytest.raises(ValueError, match=r"y contains (NaN|infinity)"):
        make("regressor").fit(X, y_bad)
    with pytest.raises(ValueError, match=r"y contains (NaN|infinity)"):
        make("regressor").fit(X, np.column_stack([Y_REG, y_bad]))


def test_missing_labels():
    y_nan = Y_CLS.astype(float)
    y_nan[4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make("classifier").fit(X, y_nan)
    # None among string labels: a clear message about y, not a failed sort.
    y_none = np.array(["a", "b"], dtype=object)[Y_CLS]
    y_none[4] = None
    with pytest.raises((ValueError, TypeError), match=r"(?i)\by\b|\blabels?\b"):
        make("classifier").fit(X, y_none)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_sample_weight(kind, bad):
    sw = np.ones(len(X))
    sw[2] = bad
    with pytest.raises(ValueError, match="sample_weight"):
        make(kind).fit(X, target(kind), sample_weight=sw)


# ------------------------------------------------------------ empty arrays
@pytest.mark.parametrize("kind", KINDS)
def test_empty_training_data(kind):
    with pytest.raises(ValueError, match="0 sample"):
        make(kind).fit(np.empty((0, 3)), np.empty(0))
    with pytest.raises(ValueError, match="0 feature"):
        make(kind).fit(np.empty((40, 0)), target(kind))
    with pytest.raises(ValueError, match=r"0 sample|inconsistent numbers of samples"):
        make(kind).fit(X, [])


@pytest.mark.parametrize("kind", KINDS)
def test_empty_partial_fit(kind):
    kwargs = {"classes": [0, 1]} if kind == "classifier" else {}
    with pytest.raises(ValueError, match="0 sample"):
        make(kind).partial_fit(np.empty((0, 3)), np.empty(0), **kwargs)


@pytest.mark.parametrize(
    "kind, method",
    [
        ("classifier", "predict"),
        ("classifier", "predict_proba"),
        ("classifier", "predict_log_proba"),
        ("regressor", "predict"),
    ],
)
def test_predict_on_empty_input(kind, method):
    est = fitted(kind)
    try:
        out = getattr(est, method)(np.empty((0, 3)))
    except ValueError as exc:
        assert "0 sample" in str(exc)
    else:
        assert out.shape[0] == 0
    with pytest.raises(ValueError, match="0 feature"):
        getattr(est, method)(np.empty((4, 0)))


# ------------------------------------------------------------ single sample
def test_single_sample_classifier():
    with pytest.raises(ValueError, match="class"):
        make("classifier").fit(X[:1], Y_CLS[:1])
    # With the classes given up front one sample is a valid batch.
    clf = make("classifier").partial_fit(X[:1], Y_CLS[:1], classes=[0, 1])
    assert_finite_state(clf)
    assert_well_formed(clf, X)
    assert clf.predict(X[:1]).shape == (1,)


@pytest.mark.parametrize("solver", SOLVERS)
def test_single_sample_regressor(solver):
    reg = make("regressor", solver=solver).fit(X[:1], Y_REG[:1])
    assert_finite_state(reg)
    assert_well_formed(reg, X)
    assert reg.predict(X[:1]).shape == (1,)


def test_single_sample_linear_regressor_interpolates():
    reg = BPRegressor(hidden_layer_sizes=(), solver="lbfgs", tol=1e-12, random_state=0)
    reg.fit(X[:1], Y_REG[:1])
    assert_allclose(reg.predict(X[:1]), Y_REG[:1], atol=1e-3)


@pytest.mark.parametrize("kind", KINDS)
def test_single_sample_early_stopping_names_the_problem(kind):
    y = np.array([0]) if kind == "classifier" else Y_REG[:1]
    with pytest.raises(ValueError, match=r"class|validation|early_stopping"):
        make(kind, early_stopping=True).fit(X[:1], y)
    # Three samples: too few for a validation split of at least two samples.
    y = np.array([0, 1, 0]) if kind == "classifier" else Y_REG[:3]
    with pytest.raises(ValueError, match=r"validation|early_stopping|too few"):
        make(kind, early_stopping=True).fit(X[:3], y)


# ------------------------------------------------------------- single class
@pytest.mark.parametrize("labels", [np.zeros(40, int), np.full(40, "only")])
def test_single_class(labels):
    for solver in SOLVERS:
        with pytest.raises(ValueError, match=r"at least 2|1 class"):
            make("classifier", solver=solver).fit(X, labels)
    with pytest.raises(ValueError, match=r"at least 2|1 class"):
        make("classifier").partial_fit(X, labels, classes=labels[:1])


def test_single_class_batch_with_known_classes():
    clf = make("classifier").partial_fit(X[Y_CLS == 0], Y_CLS[Y_CLS == 0], [0, 1])
    assert_array_equal(clf.classes_, [0, 1])
    assert_well_formed(clf, X)
    clf.partial_fit(X[Y_CLS == 1], Y_CLS[Y_CLS == 1])
    assert_well_formed(clf, X)


def test_constant_label_column_in_multilabel():
    Y = np.column_stack([Y_CLS, np.zeros(len(X), int)])
    clf = make("classifier", solver="lbfgs", max_iter=200).fit(X, Y)
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 2)
    assert np.isfinite(proba).all()
    assert (proba[:, 1] < 0.5).all()
    assert (clf.predict(X)[:, 1] == 0).all()


# -------------------------------------------------------- constant features
@pytest.mark.parametrize("value", [0.0, 5.0])
def test_constant_features_classifier_learns_the_prior(value):
    X_const = np.full((40, 3), value)
    y = np.arange(40) % 3 * (np.arange(40) > 10)
    prior = np.bincount(y) / len(y)
    for hidden in [(), (4,)]:
        clf = BPClassifier(
            hidden, solver="lbfgs", alpha=1e-6, tol=1e-10, max_iter=500, random_state=0
        ).fit(X_const, y)
        proba = clf.predict_proba(X_const)
        assert_allclose(proba, np.tile(prior, (40, 1)), atol=1e-3)


@pytest.mark.parametrize("value", [0.0, 5.0])
def test_constant_features_regressor_learns_the_mean(value):
    X_const = np.full((40, 3), value)
    for hidden in [(), (4,)]:
        reg = BPRegressor(
            hidden, solver="lbfgs", alpha=1e-6, tol=1e-10, max_iter=500, random_state=0
        ).fit(X_const, Y_REG)
        assert_allclose(reg.predict(X_const), np.full(40, Y_REG.mean()), atol=1e-3)


def test_constant_column_next_to_informative_ones():
    X_mixed = np.column_stack([X, np.full(len(X), 3.0), np.zeros(len(X))])
    clf = BPClassifier((8,), solver="lbfgs", random_state=0).fit(X_mixed, Y_CLS)
    assert clf.score(X_mixed, Y_CLS) > 0.95
    all_zero = sp.csr_matrix((40, 3))
    clf = make("classifier").fit(all_zero, Y_CLS)
    assert_well_formed(clf, all_zero)


# ---------------------------------------------------- huge / tiny magnitudes
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("scale", [1e150, 1e300])
def test_huge_X(kind, solver, scale):
    X_big = X * scale
    est = make(kind, solver=solver)
    outcome = fit_or_clear_error(est, X_big, target(kind), MAGNITUDE)
    if outcome != "error":
        assert_finite_state(est, diverged=outcome == "diverged")
        well_formed_or_clear_error(est, X_big)


def test_huge_float32_X():
    X_big = (X * 1e30).astype(np.float32)
    est = make("classifier")
    outcome = fit_or_clear_error(est, X_big, Y_CLS, MAGNITUDE)
    if outcome != "error":
        assert_finite_state(est, diverged=outcome == "diverged")
        well_formed_or_clear_error(est, X_big)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("scale", [1e150, 1e300])
def test_huge_regression_targets(solver, scale):
    reg = make("regressor", solver=solver)
    outcome = fit_or_clear_error(reg, X, Y_REG * scale, MAGNITUDE)
    if outcome != "error":
        assert_finite_state(reg, diverged=outcome == "diverged")
        well_formed_or_clear_error(reg, X)


@pytest.mark.parametrize("kind", KINDS)
def test_early_stopping_score_of_a_blowing_up_network(kind):
    # Huge but still finite weights overflow in the validation score before
    # the loss becomes infinite: no NumPy warning may escape (the suite turns
    # warnings into errors), and such an epoch counts as no improvement.
    X_big = X * 1e3
    y_big = Y_REG * 1e3 if kind == "regressor" else Y_CLS
    est = make(
        kind, solver="sgd", learning_rate_init=1e3, max_iter=50, early_stopping=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X_big, y_big)
    assert_finite_state(est, diverged=True)
    scores = np.asarray(est.validation_scores_)
    assert np.all(np.isfinite(scores) | np.isnan(scores) | (scores == -np.inf))
    if not np.all(np.isfinite(scores)):
        assert est.best_validation_score_ == np.nanmax(scores)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fraction", [1e-8, 0.5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_huge_X_at_predict(kind, fraction, dtype):
    """Overflowing activations must not come back as NaN predictions."""
    X_wide, y_cls, y_reg = _data(n=60, p=10, seed=1)
    y = y_cls if kind == "classifier" else y_reg
    est = make(kind, hidden_layer_sizes=(20, 20)).fit(X_wide.astype(dtype), y)
    X_big = (np.clip(X_wide, -1, 1) * (fraction * np.finfo(dtype).max)).astype(dtype)
    well_formed_or_clear_error(est, X_big)


@pytest.mark.parametrize("scale", [1e3, 1e100])
def test_poisson_predictions_that_overflow(scale):
    """exp() of a large log-prediction: a clear error, never inf or NaN."""
    y = np.exp(X[:, 0])
    reg = make("regressor", loss="poisson", solver="lbfgs").fit(X, y)
    try:
        pred = reg.predict(X * scale)
    except ValueError as exc:
        assert re.search(MAGNITUDE, str(exc)), f"unclear error message: {exc}"
    else:
        assert np.isfinite(pred).all() and (pred >= 0).all()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("scale", [1e-300, 1e-310])
def test_tiny_X(kind, solver, scale):
    X_small = X * scale
    est = make(kind, solver=solver).fit(X_small, target(kind))
    assert_finite_state(est)
    assert_well_formed(est, X_small)


@pytest.mark.parametrize("solver", SOLVERS)
def test_tiny_regression_targets(solver):
    reg = make("regressor", solver=solver).fit(X, Y_REG * 1e-300)
    assert_finite_state(reg)
    assert_well_formed(reg, X)
    # Nothing to learn at this scale: predictions stay close to zero.
    assert np.abs(reg.predict(X)).max() < 10


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("weight", [1e-300, 1e307])
def test_extreme_sample_weight_magnitudes(kind, solver, weight):
    sw = np.full(len(X), weight)
    est = make(kind, solver=solver)
    outcome = fit_or_clear_error(
        est, X, target(kind), MAGNITUDE + "|sample_weight", sample_weight=sw
    )
    if outcome != "error":
        assert_finite_state(est, diverged=outcome == "diverged")
        well_formed_or_clear_error(est, X)


# -------------------------------------------------------- object / strings
@pytest.mark.parametrize("kind", KINDS)
def test_numeric_object_X_equals_float_X(kind):
    ref = fitted(kind)
    est = make(kind).fit(X.astype(object), target(kind))
    for W_ref, W in zip(ref.coefs_, est.coefs_):
        assert_array_equal(W_ref, W)
    assert_array_equal(est.predict(X.astype(object)), ref.predict(X))


@pytest.mark.parametrize("kind", KINDS)
def test_string_X(kind):
    X_str = np.array([["a", "b", "c"]] * 40)
    with pytest.raises(ValueError, match=r"(?i)string|convert"):
        make(kind).fit(X_str, target(kind))
    est = fitted(kind)
    with pytest.raises(ValueError, match=r"(?i)string|convert"):
        est.predict(X_str[:2])
    frame = pd.DataFrame({"a": X[:, 0], "b": ["x"] * 40, "c": X[:, 2]})
    with pytest.raises(ValueError, match=r"(?i)string|convert"):
        make(kind).fit(frame, target(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_numeric_strings_X(kind):
    """Digits as strings: refused clearly, or read as the numbers they spell."""
    est = make(kind)
    outcome = fit_or_clear_error(est, X.astype(str), target(kind), r"(?i)string|conv")
    if outcome != "error":
        assert_allclose(est.predict(X.astype(str)), fitted(kind).predict(X))


@pytest.mark.parametrize("kind", KINDS)
def test_object_X_with_none(kind):
    X_obj = X.astype(object)
    X_obj[3, 0] = None
    with pytest.raises(ValueError, match=r"NaN"):
        make(kind).fit(X_obj, target(kind))


def test_string_regression_target():
    with pytest.raises(ValueError, match=r"(?i)string|convert"):
        make("regressor").fit(X, np.array(["a", "b"])[Y_CLS])


def test_mixed_type_labels():
    y_mixed = np.array([1, "a"] * 20, dtype=object)
    with pytest.raises((ValueError, TypeError), match=r"(?i)\by\b|\blabels?\b"):
        make("classifier").fit(X, y_mixed)


# ------------------------------------------------------------- complex data
@pytest.mark.parametrize("kind", KINDS)
def test_complex_X(kind):
    with pytest.raises(ValueError, match=r"(?i)complex"):
        make(kind).fit(X + 1j, target(kind))
    with pytest.raises(ValueError, match=r"(?i)complex"):
        make(kind).fit(X + 0j, target(kind))
    est = fitted(kind)
    for name in predict_methods(est):
        with pytest.raises(ValueError, match=r"(?i)complex"):
            call(est, name, X + 1j, target(kind))


def test_complex_targets_and_weights():
    with pytest.raises(ValueError, match=r"(?i)complex"):
        make("regressor").fit(X, Y_REG + 1j)
    with pytest.raises(ValueError, match=r"(?i)complex"):
        make("classifier").fit(X, Y_CLS + 1j)
    with pytest.raises(ValueError, match=r"(?i)complex"):
        make("classifier").fit(X, Y_CLS, sample_weight=np.ones(40) + 1j)


# ------------------------------------------------------- mismatched lengths
@pytest.mark.parametrize("kind", KINDS)
def test_mismatched_lengths(kind):
    y = target(kind)
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples.*40.*30"):
        make(kind).fit(X, y[:30])
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples"):
        make(kind).fit(X[:30], y)
    with pytest.raises(ValueError, match=r"sample_weight"):
        make(kind).fit(X, y, sample_weight=np.ones(30))
    kwargs = {"classes": [0, 1]} if kind == "classifier" else {}
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples"):
        make(kind).partial_fit(X, y[:30], **kwargs)
    est = fitted(kind)
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples"):
        est.score(X, y[:30])


def test_mismatched_multioutput_rows():
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples"):
        make("regressor").fit(X, np.column_stack([Y_REG, Y_REG])[:35])


# ----------------------------------------------------- wrong feature count
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n_features", [2, 4])
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
def test_wrong_feature_count_at_predict(kind, n_features, container):
    est = fitted(kind)
    X_bad = container(_data(p=n_features)[0])
    for name in predict_methods(est):
        with pytest.raises(
            ValueError, match=rf"{n_features} features.*expecting 3 features"
        ):
            call(est, name, X_bad, target(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_one_dimensional_X_at_predict(kind):
    est = fitted(kind)
    with pytest.raises(ValueError, match=r"Expected 2D array"):
        est.predict(X[0])


@pytest.mark.parametrize("kind", KINDS)
def test_renamed_columns_at_predict(kind):
    est = make(kind).fit(pd.DataFrame(X, columns=["a", "b", "c"]), target(kind))
    with pytest.raises(ValueError, match=r"feature names"):
        est.predict(pd.DataFrame(X, columns=["a", "b", "d"]))


# ---------------------------------------------------------- sample weights
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_all_zero_sample_weight(kind, solver):
    with pytest.raises(ValueError, match=r"(?i)sample.weight"):
        make(kind, solver=solver).fit(X, target(kind), sample_weight=np.zeros(40))


@pytest.mark.parametrize("kind", KINDS)
def test_all_zero_sample_weight_partial_fit(kind):
    kwargs = {"classes": [0, 1]} if kind == "classifier" else {}
    with pytest.raises(ValueError, match=r"(?i)sample.weight"):
        make(kind).partial_fit(X, target(kind), sample_weight=np.zeros(40), **kwargs)


@pytest.mark.parametrize("kind", KINDS)
def test_negative_sample_weight(kind):
    sw = np.ones(40)
    sw[3] = -0.5
    with pytest.raises(ValueError, match=r"(?i)negative"):
        make(kind).fit(X, target(kind), sample_weight=sw)
    with pytest.raises(ValueError, match=r"(?i)negative"):
        make(kind).fit(X, target(kind), sample_weight=-np.ones(40))


def test_two_dimensional_sample_weight():
    with pytest.raises(ValueError, match=r"(?i)sample.weights? must be 1D|1D"):
        make("classifier").fit(X, Y_CLS, sample_weight=np.ones((40, 1)))


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "class_weight",
    [{0: 0.0, 1: 0.0}, {0: -1.0, 1: 1.0}, {0: np.nan, 1: 1.0}, {0: np.inf, 1: 1.0}],
)
def test_class_weight_that_makes_weights_invalid(solver, class_weight):
    """class_weight multiplies the sample weights: the product is checked too."""
    clf = make("classifier", solver=solver, class_weight=class_weight)
    with pytest.raises(ValueError, match=r"(?i)class_weight|sample.weight"):
        clf.fit(X, Y_CLS)


def test_class_weight_times_sample_weight_all_zero():
    clf = make("classifier", class_weight={0: 0.0, 1: 1.0})
    with pytest.raises(ValueError, match=r"(?i)class_weight|sample.weight"):
        clf.fit(X, Y_CLS, sample_weight=(Y_CLS == 0).astype(float))
    clf = make("classifier", class_weight={0: 0.0, 1: 0.0})
    with pytest.raises(ValueError, match=r"(?i)class_weight|sample.weight"):
        clf.partial_fit(X, Y_CLS, classes=[0, 1])


@pytest.mark.parametrize("kind", KINDS)
def test_weights_too_large_for_a_float32_model_are_named(kind):
    # A float32 model continued on float64 X trains in float32: weights
    # beyond its range are the caller's sample_weight (no class_weight here).
    est = make(kind, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X.astype(np.float32), target(kind))
    kwargs = {"classes": [0, 1]} if kind == "classifier" else {}
    with pytest.raises(ValueError) as info:
        est.partial_fit(X, target(kind), sample_weight=np.full(40, 1e39), **kwargs)
    message = str(info.value)
    assert message.startswith("sample_weight has values too large for float32")
    assert "class_weight" not in message


@pytest.mark.parametrize("kind", KINDS)
def test_zero_weight_rows_are_dropped(kind):
    """A correct result: zero-weight rows change nothing (a convex model)."""
    sw = np.ones(40)
    sw[::3] = 0
    kept = sw > 0
    params = dict(
        hidden_layer_sizes=(), solver="lbfgs", alpha=1e-2, tol=1e-12, max_iter=1000
    )
    weighted = make(kind, **params).fit(X, target(kind), sample_weight=sw)
    dropped = make(kind, **params).fit(X[kept], target(kind)[kept])
    for W1, W2 in zip(weighted.coefs_, dropped.coefs_):
        assert_allclose(W1, W2, rtol=1e-5, atol=1e-7)


def test_zero_weight_for_a_whole_class():
    sw = (Y_CLS == 0).astype(float)
    clf = make("classifier", solver="lbfgs").fit(X, Y_CLS, sample_weight=sw)
    assert_array_equal(clf.classes_, [0, 1])
    assert_well_formed(clf, X)
    assert (clf.predict(X) == 0).all()


# ---------------------------------------------------------------- partial_fit
def test_partial_fit_unseen_class():
    clf = make("classifier").partial_fit(X, Y_CLS, classes=[0, 1])
    with pytest.raises(ValueError, match=r"\[2\].*not in classes_"):
        clf.partial_fit(X, Y_CLS + Y_CLS * (np.arange(40) % 2))
    with pytest.raises(ValueError, match=r"not in classes_"):
        make("classifier").partial_fit(X, Y_CLS + 1, classes=[0, 1])
    # The failed call did not change the model.
    before = [W.copy() for W in clf.coefs_]
    with pytest.raises(ValueError):
        clf.partial_fit(X, np.full(40, 7))
    for W0, W1 in zip(before, clf.coefs_):
        assert_array_equal(W0, W1)


def test_partial_fit_needs_classes_first():
    with pytest.raises(ValueError, match=r"classes must be passed"):
        make("classifier").partial_fit(X, Y_CLS)


def test_partial_fit_changed_classes():
    clf = make("classifier").partial_fit(X, Y_CLS, classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes=.*not the same"):
        clf.partial_fit(X, Y_CLS, classes=[0, 1, 2])


def test_partial_fit_same_classes_in_another_order():
    """classes is a set of labels: the order it is given in does not matter."""
    labels = np.array(["a", "b"])[Y_CLS]
    clf = make("classifier").partial_fit(X, labels, classes=["b", "a"])
    assert_array_equal(clf.classes_, ["a", "b"])
    clf.partial_fit(X, labels, classes=["b", "a"])
    clf.partial_fit(X, labels, classes=np.array(["a", "b"]))
    assert clf.n_iter_ == 1 and clf.t_ == 120


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("first", ["fit", "partial_fit"])
def test_partial_fit_changed_feature_count(kind, first):
    kwargs = {"classes": [0, 1]} if kind == "classifier" else {}
    est = make(kind)
    getattr(est, first)(X, target(kind), **({} if first == "fit" else kwargs))
    for p in [2, 4]:
        with pytest.raises(ValueError, match=rf"{p} features.*expecting 3 features"):
            est.partial_fit(_data(p=p)[0], target(kind))
    assert est.n_features_in_ == 3
    assert est.coefs_[0].shape[0] == 3


def test_partial_fit_changed_output_count():
    reg = make("regressor").partial_fit(X, Y_REG)
    with pytest.raises(ValueError, match=r"number of outputs"):
        reg.partial_fit(X, np.column_stack([Y_REG, Y_REG]))


def test_partial_fit_multilabel_with_label_indices():
    """As in scikit-learn: classes of a multilabel target are the column indices."""
    Y = (X > 0).astype(int)
    clf = make("classifier").partial_fit(X, Y, classes=np.arange(3))
    clf.partial_fit(X, Y)
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict(X).shape == (40, 3)
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 3) and np.isfinite(proba).all()
    with pytest.raises(ValueError, match=r"(?i)labels?|columns|outputs|classes"):
        clf.partial_fit(X, np.column_stack([Y, Y[:, :1]]))


@pytest.mark.parametrize(
    "weight", ["x", None, [1.0], True, np.nan, np.inf, np.longdouble("1e4000")]
)
def test_class_weight_values_must_be_numbers(weight):
    clf = make("classifier", class_weight={0: weight, 1: 1.0})
    with pytest.raises(ValueError, match=r"class_weight values must be finite real"):
        clf.fit(X, Y_CLS)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_partial_fit_classes_with_nan_or_inf(bad):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy cast warning on the way
        with pytest.raises(ValueError, match="classes contains NaN or infinity"):
            make("classifier").partial_fit(X, Y_CLS, classes=[0, 1, bad])


def test_early_stopping_with_a_class_of_one_sample_splits_at_random():
    # No stratified split exists; MLPClassifier would train, and so do we.
    X3 = np.random.RandomState(0).rand(3, 2)
    clf = make("classifier", early_stopping=True, validation_fraction=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X3, ["no", "yes", "no"])
    assert len(clf.validation_scores_) == clf.n_iter_ >= 1


def test_early_stopping_splits_the_rows_of_positive_weight():
    # Rows of weight 0 are dropped before the split, so neither part can be
    # made of them only; 3 weighted rows are too few for a validation set.
    X60 = np.random.RandomState(0).rand(60, 2)
    sw = np.r_[np.ones(3), np.zeros(57)]
    reg = BPRegressor(hidden_layer_sizes=(4,), early_stopping=True, random_state=0)
    with pytest.raises(ValueError, match=r"of the 3 samples \(1\)"):
        reg.fit(X60, X60[:, 0], sample_weight=sw)


def test_softmax_of_logits_whose_differences_overflow_is_quiet_and_exact():
    # 3e38 - (-3e38) overflows float32, but the probabilities are exactly 1
    # and 0: no RuntimeWarning (an error under this suite's filters).
    X = np.zeros((4, 3), np.float32)
    with pytest.warns(ConvergenceWarning):
        clf = BPClassifier((2,), max_iter=1, random_state=0).fit(X, np.arange(4) % 3)
    clf.coefs_[-1][:] = 0
    clf.intercepts_[-1][:] = np.array([3e38, -3e38, 0], np.float32)
    assert_array_equal(clf.predict_proba(X), np.tile([1.0, 0.0, 0.0], (4, 1)))
    log_proba = clf.predict_log_proba(X)
    assert_array_equal(log_proba[:, :2], np.tile([0.0, -np.inf], (4, 1)))
    assert (log_proba[:, 2] == -np.inf).all()
