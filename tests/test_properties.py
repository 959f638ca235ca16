"""Property-based tests: random shapes, dtypes, label sets and settings.

Whatever hypothesis draws, ``fit``/``predict`` either raise a ValueError that
names the problem, or return finite, well-formed output: labels from
``classes_``, probabilities in [0, 1] that sum to one where they must, the right
shapes and dtypes, and predictions that do not depend on which other rows are
in the batch.  Examples are derandomized, so the suite is reproducible.
"""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from skbpnet import BPClassifier, BPRegressor

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # A drawn batch_size may exceed the drawn number of samples: clipped, with
    # a warning that is tested elsewhere.
    pytest.mark.filterwarnings("ignore:batch_size=.* is larger:UserWarning"),
    # A drawn regression target may be a (n, 1) column on purpose: its
    # DataConversionWarning is tested in test_regressor.py.
    pytest.mark.filterwarnings(
        "ignore:A column-vector y was passed:sklearn.exceptions.DataConversionWarning"
    ),
]

PROPERTY = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ACTIVATIONS = [
    "identity",
    "logistic",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "softplus",
    "maxout",
]
X_DTYPES = [np.float64, np.float32, np.int64, np.bool_]
# What a clear error about too few classes / too few samples may say.
CLEAR_FIT_ERROR = r"(?i)class|validation|early_stopping|too few|least populated"
# Training may diverge (e.g. one large SGD step on the Poisson loss); that may
# be refused with a clear ValueError, at fit or at predict, but never be NaN.
DIVERGED = r"(?i)diverg|overflow|not finite|non-finite|too large"


# ---------------------------------------------------------------- strategies
@st.composite
def feature_matrices(draw, n_rows=None, n_features=None, dtype=None):
    n = draw(st.integers(1, 25)) if n_rows is None else n_rows
    p = draw(st.integers(1, 5)) if n_features is None else n_features
    dtype = draw(st.sampled_from(X_DTYPES)) if dtype is None else dtype
    if dtype == np.bool_:
        elements = st.booleans()
    elif np.issubdtype(dtype, np.integer):
        elements = st.integers(-20, 20)
    else:
        width = 32 if dtype == np.float32 else 64
        elements = st.floats(-10, 10, allow_nan=False, width=width)
    return draw(arrays(dtype, (n, p), elements=elements))


def _trained_dtype(X):
    return np.float32 if X.dtype == np.float32 else np.float64


label_sets = st.one_of(
    st.lists(st.integers(-1000, 1000), min_size=1, max_size=4, unique=True).map(
        lambda v: np.array(v, dtype=np.int64)
    ),
    st.lists(
        st.text("abcxyz", min_size=1, max_size=3), min_size=1, max_size=4, unique=True
    ).map(np.array),
    st.lists(
        st.text("abc", min_size=1, max_size=2), min_size=1, max_size=3, unique=True
    ).map(lambda v: np.array(v, dtype=object)),
    st.just(np.array([False, True])),
    st.just(np.array([3, 1], dtype=np.int8)),
)


@st.composite
def settings_(draw, regressor=False):
    params = dict(
        hidden_layer_sizes=draw(st.sampled_from([(), (3,), (4, 2)])),
        activation=draw(st.sampled_from(ACTIVATIONS)),
        solver=draw(st.sampled_from(["sgd", "adam", "lbfgs"])),
        alpha=draw(st.sampled_from([0.0, 1e-4, 1.0])),
        batch_size=draw(st.sampled_from(["auto", 1, 7])),
        max_iter=draw(st.integers(1, 5)),
        shuffle=draw(st.booleans()),
        random_state=draw(st.integers(0, 2**31 - 1)),
    )
    if regressor:
        params["loss"] = draw(st.sampled_from(["squared_error", "poisson"]))
    return params


# ------------------------------------------------------------------- checks
def check_fitted_state(est, X):
    dtype = _trained_dtype(X)
    assert est.n_features_in_ == X.shape[1]
    assert len(est.coefs_) == len(est.intercepts_) == est.n_layers_ - 1
    assert est.coefs_[0].shape[0] == X.shape[1]
    assert est.coefs_[-1].shape[1] == est.n_outputs_
    for W, b in zip(est.coefs_, est.intercepts_):
        assert W.dtype == dtype and b.dtype == dtype
        assert np.isfinite(W).all() and np.isfinite(b).all()
    assert np.isfinite(est.loss_)


def check_batch_invariance(values, predict, X_new):
    """Row i's output does not depend on the other rows of the batch."""
    if X_new.shape[0] < 2:
        return
    half = X_new.shape[0] // 2
    parts = np.concatenate([predict(X_new[:half]), predict(X_new[half:])])
    tol = 1e-4 if values.dtype == np.float32 else 1e-9
    assert_allclose(parts, values, rtol=tol, atol=tol)


def check_classifier_outputs(clf, X_new, multilabel):
    m = X_new.shape[0]
    dtype = _trained_dtype(X_new)
    proba = clf.predict_proba(X_new)
    pred = clf.predict(X_new)
    log_proba = clf.predict_log_proba(X_new)
    n_out = clf.n_outputs_ if multilabel else len(clf.classes_)
    assert proba.shape == log_proba.shape == (m, n_out)
    assert proba.dtype == dtype
    assert np.isfinite(proba).all()
    # -inf exactly where a probability underflowed to 0, finite elsewhere.
    assert_array_equal(np.isneginf(log_proba), proba == 0)
    assert np.isfinite(log_proba[proba > 0]).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    assert (log_proba <= 0).all()
    atol = 1e-5 if dtype == np.float32 else 1e-12
    assert_allclose(np.exp(log_proba), proba, rtol=1e-4, atol=atol)
    if multilabel:
        assert pred.shape == (m, n_out)
        assert set(np.unique(pred)) <= {0, 1}
        assert_array_equal(pred, (proba > 0.5).astype(pred.dtype))
    else:
        assert pred.shape == (m,)
        assert pred.dtype == clf.classes_.dtype
        assert set(pred.tolist()) <= set(clf.classes_.tolist())
        assert_allclose(proba.sum(axis=1), 1, rtol=0, atol=10 * atol + 1e-6)
        top2 = np.sort(proba, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 1e-6
        assert_array_equal(pred[clear], clf.classes_[proba.argmax(axis=1)][clear])
    check_batch_invariance(proba, clf.predict_proba, X_new)


def check_clear_error(exc, expected):
    """A ValueError is fine if expected and clear, or if it reports divergence."""
    message = str(exc)
    if re.search(DIVERGED, message):
        return
    assert expected, f"unexpected error: {exc!r}"
    assert re.search(CLEAR_FIT_ERROR, message), f"unclear error: {message}"


def fit_or_clear_error(est, X, y, expect_error=False, **fit_params):
    """Fit; return False after an allowed ValueError with a clear message.

    ``expect_error``: True (the fit must fail), False (it must not, unless it
    reports divergence) or None (it may fail with a clear message).
    """
    try:
        est.fit(X, y, **fit_params)
    except ValueError as exc:
        check_clear_error(exc, expect_error is not False)
        return False
    assert expect_error is not True, "fit accepted fewer than 2 classes"
    return True


def outputs_or_clear_error(check, *args, **kwargs):
    """Run an output check; predict may refuse overflowing outputs clearly."""
    try:
        check(*args, **kwargs)
    except ValueError as exc:
        assert re.search(DIVERGED, str(exc)), f"unclear error: {exc}"


# -------------------------------------------------------------------- tests
@PROPERTY
@given(data=st.data(), labels=label_sets, params=settings_())
def test_classifier_single_label(data, labels, params):
    X = data.draw(feature_matrices())
    n, p = X.shape
    y = labels[data.draw(arrays(np.int64, n, elements=st.integers(0, len(labels) - 1)))]
    n_classes = len(np.unique(y))
    clf = BPClassifier(**params)
    if not fit_or_clear_error(clf, X, y, expect_error=n_classes < 2):
        return
    check_fitted_state(clf, X)
    assert_array_equal(clf.classes_, np.unique(y))
    assert clf.out_activation_ == ("softmax" if n_classes > 2 else "logistic")
    X_new = data.draw(feature_matrices(n_features=p, dtype=X.dtype))
    outputs_or_clear_error(check_classifier_outputs, clf, X_new, multilabel=False)


@PROPERTY
@given(data=st.data(), params=settings_())
def test_classifier_multilabel(data, params):
    X = data.draw(feature_matrices())
    n, p = X.shape
    k = data.draw(st.integers(2, 4))
    Y = data.draw(arrays(np.int64, (n, k), elements=st.integers(0, 1)))
    clf = BPClassifier(**params)
    if not fit_or_clear_error(clf, X, Y):
        return
    check_fitted_state(clf, X)
    assert clf.n_outputs_ == k and clf.out_activation_ == "logistic"
    X_new = data.draw(feature_matrices(n_features=p, dtype=X.dtype))
    outputs_or_clear_error(check_classifier_outputs, clf, X_new, multilabel=True)


def check_regressor_outputs(reg, X_new, k, poisson):
    pred = reg.predict(X_new)
    m = X_new.shape[0]
    # A single output column predicts 1-D, as in scikit-learn's MLPRegressor.
    shapes = [(m,)] if k is None else [(m, k)] + ([(m,)] if k == 1 else [])
    assert pred.shape in shapes
    assert pred.dtype == _trained_dtype(X_new)
    assert np.isfinite(pred).all(), "non-finite predictions"
    if poisson:
        assert (pred >= 0).all()
    check_batch_invariance(pred, reg.predict, X_new)


@PROPERTY
@given(data=st.data(), params=settings_(regressor=True))
def test_regressor(data, params):
    X = data.draw(feature_matrices())
    n, p = X.shape
    k = data.draw(st.sampled_from([None, 1, 3]))
    shape = n if k is None else (n, k)
    poisson = params["loss"] == "poisson"
    y = data.draw(
        arrays(np.float64, shape, elements=st.floats(0 if poisson else -50, 50))
    )
    reg = BPRegressor(**params)
    if not fit_or_clear_error(reg, X, y):
        return
    check_fitted_state(reg, X)
    assert reg.n_outputs_ == (1 if k is None else k)
    X_new = data.draw(feature_matrices(n_features=p, dtype=X.dtype))
    outputs_or_clear_error(check_regressor_outputs, reg, X_new, k, poisson)


@PROPERTY
@given(data=st.data(), labels=label_sets, params=settings_())
def test_classifier_partial_fit_stream(data, labels, params):
    """Batches of any size, each holding any subset of the classes."""
    params["solver"] = data.draw(st.sampled_from(["sgd", "adam"]))
    p = data.draw(st.integers(1, 4))
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    clf = BPClassifier(**params)
    classes = np.unique(labels)
    n_batches = data.draw(st.integers(1, 4))
    for i in range(n_batches):
        X = data.draw(feature_matrices(n_features=p, dtype=dtype))
        idx = data.draw(
            arrays(np.int64, X.shape[0], elements=st.integers(0, len(labels) - 1))
        )
        try:
            clf.partial_fit(X, labels[idx], classes=classes if i == 0 else None)
        except ValueError as exc:
            check_clear_error(exc, expected=len(classes) < 2)
            return
    assert len(classes) >= 2, "partial_fit accepted fewer than 2 classes"
    assert clf.n_iter_ == 1
    assert_array_equal(clf.classes_, classes)
    check_fitted_state(clf, X)
    outputs_or_clear_error(check_classifier_outputs, clf, X, multilabel=False)


@PROPERTY
@given(data=st.data(), params=settings_())
def test_early_stopping_clear_error_or_result(data, params):
    params.update(
        solver=data.draw(st.sampled_from(["sgd", "adam"])),
        early_stopping=True,
        validation_fraction=data.draw(st.sampled_from([0.1, 0.3, 0.5])),
    )
    X = data.draw(feature_matrices())
    y = data.draw(arrays(np.int64, X.shape[0], elements=st.integers(0, 2)))
    clf = BPClassifier(**params)
    # Too few samples for the split is a legitimate, clearly reported error.
    if not fit_or_clear_error(clf, X, y, expect_error=None):
        return
    check_fitted_state(clf, X)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert all(0 <= s <= 1 for s in clf.validation_scores_)
    outputs_or_clear_error(check_classifier_outputs, clf, X, multilabel=False)


@PROPERTY
@given(data=st.data(), params=settings_())
def test_sample_weight(data, params):
    """Non-negative weights with a positive sum always fit."""
    X = data.draw(feature_matrices(dtype=np.float64))
    n = X.shape[0]
    y = np.arange(n) % 2
    sw = data.draw(arrays(np.float64, n, elements=st.sampled_from([0.0, 1e-3, 1, 5])))
    if n < 2 or not sw.sum() > 0:
        with pytest.raises(ValueError, match=r"(?i)sample.weight|class"):
            BPClassifier(**params).fit(X, y, sample_weight=sw)
        return
    clf = BPClassifier(**params)
    if not fit_or_clear_error(clf, X, y, sample_weight=sw):
        return
    check_fitted_state(clf, X)
    outputs_or_clear_error(check_classifier_outputs, clf, X, multilabel=False)
