"""BPClassifier behaviour: targets, inputs, solvers, schedules, errors."""

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_moons
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.fixes import parse_version

from skbpnet import BPClassifier

# Short fits here are meant to stop at max_iter; tests that check the warning
# itself use pytest.warns, which records it regardless of this filter.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=200, noise=0.15, random_state=0)


def fast(**params):
    base = dict(
        hidden_layer_sizes=(16,), learning_rate_init=0.02, max_iter=300, random_state=0
    )
    base.update(params)
    return BPClassifier(**base)


def test_learns_moons_with_every_solver(moons):
    X, y = moons
    for solver in ["sgd", "adam", "lbfgs"]:
        clf = fast(solver=solver, learning_rate_init=0.1 if solver == "sgd" else 0.02)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        assert clf.score(X, y) > 0.95, solver


def test_string_labels_and_probabilities(moons):
    X, y = moons
    labels = np.array(["left", "right"])[y]
    clf = fast().fit(X, labels)
    assert_array_equal(clf.classes_, ["left", "right"])
    assert set(clf.predict(X)) <= {"left", "right"}
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 2)
    assert_allclose(proba.sum(axis=1), 1)
    assert_allclose(clf.predict_log_proba(X), np.log(proba), atol=1e-10)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("y_kind", ["binary", "multiclass", "multilabel"])
def test_log_proba_is_minus_inf_exactly_where_proba_underflows(y_kind):
    # Far-apart classes drive some probabilities below float64's range: there
    # predict_log_proba is -inf, as np.log(predict_proba) is in scikit-learn;
    # elsewhere it keeps the digits a log of a tiny probability loses.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    if y_kind == "multiclass":
        y = y + (X[:, 1] > 0)
    elif y_kind == "multilabel":
        y = np.c_[y, X[:, 1] > 0].astype(int)
    clf = BPClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=0.0, max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    X_far = np.r_[X, 1e4 * X[:5]]
    proba = clf.predict_proba(X_far)
    log_proba = clf.predict_log_proba(X_far)
    zero = proba == 0
    assert zero.any(), "the test needs an underflowing probability"
    assert_array_equal(np.isneginf(log_proba), zero)
    assert np.isfinite(log_proba[~zero]).all()
    assert_allclose(np.exp(log_proba), proba, rtol=1e-9, atol=1e-15)
    # The likely class's probability rounds to 1 long before the other one
    # underflows: 1 - p would be 0 there, the computed one is not.
    if y_kind == "binary":
        tiny = (proba > 0) & (proba < 1e-17)
        assert tiny.sum() > 5
        assert_allclose(proba[tiny].sum(), np.exp(log_proba[tiny]).sum(), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_proba_is_zero_exactly_where_proba_rounds_to_one(dtype):
    # In float32 a probability rounds to 1 within 6e-8 of it; its log must
    # then be 0, as np.log(predict_proba) is (scikit-learn's check compares).
    X = np.linspace(-3, 3, 40, dtype=dtype)[:, None]
    y = (X[:, 0] > 0).astype(int)
    clf = BPClassifier(
        hidden_layer_sizes=(), solver="lbfgs", max_iter=500, random_state=0
    ).fit(X, y)
    X_new = np.linspace(-40, 40, 201, dtype=dtype)[:, None]
    proba = clf.predict_proba(X_new)
    log_proba = clf.predict_log_proba(X_new)
    assert (proba == 1).sum() > 50, "the test needs probabilities that round to 1"
    assert_array_equal(log_proba == 0, proba == 1)
    # Elsewhere they differ by the rounding of proba near 1 (6e-8 in float32).
    with np.errstate(divide="ignore"):  # -inf where a probability is 0
        assert_allclose(log_proba, np.log(proba), rtol=1e-6, atol=np.finfo(dtype).eps)


def test_check_classifiers_train_with_lbfgs():
    # scikit-learn's check compares predict_log_proba with np.log(predict_proba),
    # infinities included; lbfgs fits its blobs so well that some underflow.
    from sklearn.utils.estimator_checks import check_classifiers_train

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_classifiers_train("BPClassifier", BPClassifier(solver="lbfgs"))


def test_multiclass_softmax():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = fast(hidden_layer_sizes=(32,), max_iter=50, learning_rate_init=0.01)
    clf.fit(X, y)
    assert clf.out_activation_ == "softmax"
    assert clf.n_outputs_ == 10
    assert clf.score(X, y) > 0.97
    assert_allclose(clf.predict_proba(X).sum(axis=1), 1)
    assert_allclose(clf.predict_log_proba(X), np.log(clf.predict_proba(X)), atol=1e-9)


def test_multilabel_indicator():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] > 0.5]).astype(int)
    clf = fast(max_iter=400).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    pred = clf.predict(X)
    assert pred.shape == Y.shape
    assert set(np.unique(pred)) <= {0, 1}
    assert (pred == Y).mean() > 0.95
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    assert np.all((proba >= 0) & (proba <= 1))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_matches_dense(moons, fmt):
    X, y = moons
    dense = fast(max_iter=20).set_params(tol=0, n_iter_no_change=100)
    sparse = fast(max_iter=20).set_params(tol=0, n_iter_no_change=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense.fit(X, y)
        sparse.fit(sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X), y)
    for W_d, W_s in zip(dense.coefs_, sparse.coefs_):
        assert_allclose(W_d, W_s, rtol=1e-10, atol=1e-12)
    assert_allclose(dense.predict_proba(X), sparse.predict_proba(sp.csr_matrix(X)))


def test_chunked_prediction_from_csc_slices_rows_of_csr(moons, monkeypatch):
    # Prediction runs in chunks of PREDICT_CHUNK rows; a row slice of CSC
    # scans every stored value, which made CSC prediction quadratic (1 s vs
    # 0.075 s for CSR on 400k rows). The chunks must come from CSR.
    from skbpnet import _network

    X, y = moons
    clf = fast(max_iter=20).fit(X, y)
    rng = np.random.RandomState(0)
    X_big = rng.normal(size=(3 * _network.PREDICT_CHUNK + 17, 2))
    X_big[rng.rand(*X_big.shape) < 0.3] = 0
    dense, dense_labels = clf.predict_proba(X_big), clf.predict(X_big)

    formats = []
    forward_chunk = _network._forward_chunk

    def spy(layers, X, coefs, intercepts):
        formats.append(X.format if sp.issparse(X) else "dense")
        return forward_chunk(layers, X, coefs, intercepts)

    monkeypatch.setattr(_network, "_forward_chunk", spy)
    for to_sparse in (sp.csc_matrix, sp.csc_array, sp.csr_matrix):
        formats.clear()
        X_sparse = to_sparse(X_big)
        assert_allclose(clf.predict_proba(X_sparse), dense, rtol=1e-12)
        assert_array_equal(clf.predict(X_sparse), dense_labels)
        assert formats == ["csr"] * 8  # 4 chunks each for proba and predict


def test_float32_end_to_end(moons):
    X, y = moons
    clf = fast().fit(X.astype(np.float32), y)
    assert all(W.dtype == np.float32 for W in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert clf.score(X.astype(np.float32), y) > 0.95
    assert fast().fit(X, y).coefs_[0].dtype == np.float64


def test_pandas_feature_names(moons):
    X, y = moons
    df = pd.DataFrame(X, columns=["a", "b"])
    clf = fast().fit(df, pd.Series(y))
    assert_array_equal(clf.feature_names_in_, ["a", "b"])
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


def test_early_stopping_restores_best_weights(moons, monkeypatch):
    X, y = moons
    split = {}
    original = BPClassifier._split_validation

    def spy(self, Y, rng):
        split["train"], split["val"] = original(self, Y, rng)
        return split["train"], split["val"]

    monkeypatch.setattr(BPClassifier, "_split_validation", spy)
    clf = fast(
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=5,
        learning_rate_init=0.05,
        max_iter=500,
    )
    clf.fit(X, y)
    assert clf.best_loss_ is None
    assert len(clf.validation_scores_) == clf.n_iter_ < 500
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    val = split["val"]
    assert clf.score(X[val], y[val]) == pytest.approx(clf.best_validation_score_)


def test_max_iter_gives_convergence_warning(moons):
    X, y = moons
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        fast(max_iter=3).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="lbfgs"):
        fast(solver="lbfgs", max_iter=3).fit(X, y)


def test_tol_and_n_iter_no_change_stop_training(moons):
    X, y = moons
    clf = fast(tol=10.0, n_iter_no_change=3).fit(X, y)
    # No epoch improves the loss by 10, so training stops after 1 + 3 + 1 epochs.
    assert clf.n_iter_ == 5


def test_learning_rate_schedules(moons):
    X, y = moons
    common = dict(max_iter=5, tol=0, n_iter_no_change=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        exp = fast(
            solver="sgd",
            learning_rate="exponential",
            decay_rate=0.5,
            learning_rate_init=0.1,
            **common,
        ).fit(X, y)
        assert exp._optimizer.optimizer.learning_rate == pytest.approx(0.1 * 0.5**5)
        adam = fast(learning_rate="exponential", decay_rate=0.9, **common).fit(X, y)
        assert adam._optimizer.optimizer.learning_rate == pytest.approx(0.02 * 0.9**5)
        inv = fast(
            solver="sgd",
            learning_rate="invscaling",
            power_t=0.5,
            learning_rate_init=0.1,
            **common,
        ).fit(X, y)
        assert inv._optimizer.optimizer.learning_rate == pytest.approx(
            0.1 / (inv.t_ + 1) ** 0.5
        )
        assert inv.t_ == 5 * 200
    adaptive = fast(
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.1,
        tol=10.0,
        n_iter_no_change=2,
        max_iter=30,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        adaptive.fit(X, y)
    # Every 3 epochs without improvement divides the rate by 5, until 1e-6.
    assert adaptive._optimizer.optimizer.learning_rate <= 1e-6


def test_warm_start_refit_needs_the_same_classes():
    # As in scikit-learn: fit sets classes_ from y, so a warm start on y with
    # fewer (or other) classes is refused and leaves the model as it was.
    X = np.random.RandomState(0).normal(size=(60, 3))
    y = np.arange(60) % 3
    clf = BPClassifier(
        hidden_layer_sizes=(4,), solver="lbfgs", warm_start=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    coefs = [W.copy() for W in clf.coefs_]
    for other in (y % 2, np.where(y == 2, 5, y)):
        with pytest.raises(ValueError, match=r"warm_start=True.*same classes"):
            clf.fit(X, other)
        assert_array_equal(clf.classes_, [0, 1, 2])
        for W, W0 in zip(clf.coefs_, coefs):
            assert_array_equal(W, W0)
    # partial_fit batches may lack classes.
    sgd = BPClassifier(hidden_layer_sizes=(4,), random_state=0)
    sgd.partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X[y < 2], y[y < 2])
    assert_array_equal(sgd.classes_, [0, 1, 2])


def test_warm_start_continues(moons):
    X, y = moons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = fast(max_iter=10, warm_start=True).fit(X, y)
        first = list(clf.loss_curve_)
        clf.fit(X, y)
    assert len(clf.loss_curve_) == 20
    assert clf.loss_curve_[:10] == first
    assert clf.loss_curve_[10] < first[0]
    # Without warm start, a refit starts over.
    cold = fast(max_iter=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cold.fit(X, y)
        cold.fit(X, y)
    assert len(cold.loss_curve_) == 10


def test_partial_fit(moons):
    X, y = moons
    clf = BPClassifier(
        hidden_layer_sizes=(16,), learning_rate_init=0.02, random_state=0
    )
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:100], y[:100], classes=[0, 1])
    losses = []
    for _ in range(30):
        clf.partial_fit(X, y)
        losses.append(clf.loss_)
    assert losses[-1] < losses[0]
    assert clf.score(X, y) > 0.85
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:5], [0, 1, 2, 0, 1])
    with pytest.raises(ValueError, match="not the same"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert not hasattr(BPClassifier(solver="lbfgs"), "partial_fit")


def test_partial_fit_is_absent_with_balanced_class_weight():
    # One batch does not know the class frequencies 'balanced' needs: the
    # method is absent, as with lbfgs, and the error says what to pass.
    X, y = make_classification(n_samples=60, random_state=0)
    clf = BPClassifier(class_weight="balanced")
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError) as info:
        clf.partial_fit(X, y, classes=[0, 1])
    # scikit-learn's available_if raises its own message from the reason.
    assert "Pass a dict" in str(info.value) + str(info.value.__cause__)
    clf.set_params(class_weight={0: 1.0, 1: 3.0}).partial_fit(X, y, classes=[0, 1])
    assert clf.n_iter_ == 1
    # A partial_fit bound before the change still refuses.
    bound = clf.partial_fit
    clf.set_params(class_weight="balanced")
    with pytest.raises(ValueError, match="Pass a dict"):
        bound(X, y)
    assert clf.n_iter_ == 1


def test_class_weight_balanced_equals_sample_weight():
    X, y = make_classification(n_samples=200, weights=[0.85], random_state=0)
    a = fast(class_weight="balanced", max_iter=50)
    b = fast(max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X, y)
        b.fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    for W_a, W_b in zip(a.coefs_, b.coefs_):
        assert_array_equal(W_a, W_b)


def test_class_weight_dict_multiplies_sample_weight():
    X, y = make_classification(n_samples=100, random_state=1)
    sw = np.random.RandomState(0).uniform(0.5, 2, size=100)
    a = fast(class_weight={0: 3.0, 1: 0.5}, solver="lbfgs", max_iter=30)
    b = fast(solver="lbfgs", max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X, y, sample_weight=sw)
        b.fit(X, y, sample_weight=sw * np.where(y == 0, 3.0, 0.5))
    assert_allclose(a.coefs_[0], b.coefs_[0])


def test_inputs_are_not_modified(moons):
    X, y = moons
    X = X.copy()
    X_orig, y_orig = X.copy(), y.copy()
    sw = np.ones(200)
    clf = fast(max_iter=20, early_stopping=True)
    clf.fit(X, y, sample_weight=sw)
    clf.predict_proba(X)
    assert_array_equal(X, X_orig)
    assert_array_equal(y, y_orig)
    assert_array_equal(sw, np.ones(200))


def test_t_counts_only_rows_of_positive_weight():
    # Rows of weight 0 are dropped before training, so t_ (and with it the
    # 'invscaling' learning rate) counts the 60 rows trained on per epoch;
    # MLPClassifier counts all 100 rows.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(100, 3)), rng.randint(0, 2, size=100)
    sw = np.ones(100)
    sw[rng.permutation(100)[:40]] = 0
    params = dict(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate="invscaling",
        max_iter=3,
        random_state=0,
    )
    clf = BPClassifier(**params).fit(X, y, sample_weight=sw)
    assert clf.n_iter_ == 3
    assert clf.t_ == 180
    assert clf._optimizer.optimizer.learning_rate == pytest.approx(
        clf.learning_rate_init / (180 + 1) ** clf.power_t, rel=1e-12
    )
    if "sample_weight" in inspect.signature(MLPClassifier.fit).parameters:
        # scikit-learn >= 1.7.
        mlp = MLPClassifier(**params).fit(X, y, sample_weight=sw)
        assert mlp.t_ == 300


def test_bad_input_errors(moons):
    X, y = moons
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fast().fit(X, y[:-1])
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fast().fit(X_nan, y)
    with pytest.raises(ValueError, match="Unknown label type.*BPRegressor"):
        fast().fit(X, np.linspace(0, 1, 200))
    for labels in ([1, "b"], [0, 1], [0.5, 1.5]):
        as_objects = np.array(labels, dtype=object)[y]
        with pytest.raises(ValueError, match="dtype object: convert it"):
            fast().fit(X, as_objects)
    with pytest.raises(ValueError, match="one-hot encode them"):
        fast().fit(X, np.c_[y, 2 * y + (X[:, 0] > 0)])
    with pytest.raises(TypeError, match="cannot be sorted.*mixed types or None"):
        fast().fit(X, np.array(["a", None], dtype=object)[y])
    if parse_version(sklearn.__version__) >= parse_version("1.7"):
        # Bytes sort fine and are one type: scikit-learn's advice (an error
        # from 1.7, a FutureWarning before) is the right one.
        with pytest.raises(TypeError, match="Convert the labels") as bytes_error:
            fast().fit(X, np.array([b"a", b"b"])[y])
        assert "mixed types" not in str(bytes_error.value)
    with pytest.raises(ValueError, match="at least 2"):
        fast().fit(X, np.zeros(200))
    # scikit-learn >= 1.9 checks this first; skbpnet itself before that.
    with pytest.raises(ValueError, match="non-zero|sums to zero"):
        fast().fit(X, y, sample_weight=np.zeros(200))
    with pytest.raises(ValueError, match="(?i)negative"):
        fast().fit(X, y, sample_weight=-np.ones(200))
    with pytest.raises(NotFittedError):
        fast().predict(X)
    clf = fast(max_iter=50).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(np.ones((3, 5)))


def test_same_parameters_as_mlpclassifier():
    ours = BPClassifier().get_params()
    theirs = MLPClassifier().get_params()
    for name, default in theirs.items():
        assert name in ours, name
        assert ours[name] == default, name


def test_partial_fit_in_mlpclassifiers_positional_order_fails_loudly(moons):
    # partial_fit(X, y, classes, sample_weight) is SGDClassifier's order (and
    # the contract's); MLPClassifier 1.9 takes sample_weight first. Code
    # written for it that passes both by position must not train on the
    # swapped values (migrating.rst).
    X, y = moons
    w = np.ones(len(y))
    with pytest.raises(ValueError, match="sample_weight"):
        BPClassifier().partial_fit(X, y, None, [0, 1])
    with pytest.raises(ValueError):
        BPClassifier().partial_fit(X, y, w, [0, 1])
    clf = BPClassifier(random_state=0).partial_fit(X, y, classes=[0, 1])
    before = [c.copy() for c in clf.coefs_]
    with pytest.raises(ValueError, match="sample_weight"):
        clf.partial_fit(X, y, None, [0, 1])
    for ours, old in zip(clf.coefs_, before):
        assert_array_equal(ours, old)


def test_random_state_reproducible(moons):
    X, y = moons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = fast(max_iter=30, dropout=0.2).fit(X, y)
        b = fast(max_iter=30, dropout=0.2).fit(X, y)
        c = fast(max_iter=30, dropout=0.2, random_state=1).fit(X, y)
    for W_a, W_b in zip(a.coefs_, b.coefs_):
        assert_array_equal(W_a, W_b)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


def test_batch_size_larger_than_data_warns_and_clips(moons):
    X, y = moons
    with pytest.warns(UserWarning, match="batch_size=500 is larger"):
        clf = fast(batch_size=500, max_iter=5).fit(X, y)
    assert clf.n_iter_ == 5


def test_lbfgs_ignores_early_stopping_like_scikit_learn(moons):
    X, y = moons
    clf = fast(solver="lbfgs", early_stopping=True, max_iter=50).fit(X, y)
    plain = fast(solver="lbfgs", max_iter=50).fit(X, y)
    # All rows are used (no held-out split) and no validation history is kept.
    assert_array_equal(clf.coefs_[0], plain.coefs_[0])
    assert clf.validation_scores_ is None
    assert clf.best_validation_score_ is None
    assert clf.best_loss_ == min(clf.loss_curve_)


def test_warm_start_with_new_activation_and_early_stopping(moons):
    X, y = moons
    clf = fast(max_iter=20, warm_start=True).fit(X, y)
    clf.set_params(activation="tanh", early_stopping=True)
    clf.fit(X, y)
    assert clf._fitted_layers["activations"] == ("tanh",)
    assert len(clf.validation_scores_) == clf.n_iter_
    # predict uses the activation the weights were last trained with
    hidden = np.tanh(X @ clf.coefs_[0] + clf.intercepts_[0])
    logits = hidden @ clf.coefs_[1] + clf.intercepts_[1]
    assert_allclose(clf.predict_proba(X)[:, 1], 1 / (1 + np.exp(-logits.ravel())))


@pytest.mark.parametrize(
    "y",
    [
        np.array([1, 0, 1, 1, 0, 0]),
        np.array(["b", "a", "c", "a", "c", "b"]),
        np.array(["yes", "no", "no", "yes", "no", "no"], dtype=object),
        np.array([2.0, -1.0, 2.0, 7.0, -1.0, 7.0]),
        np.array([True, False, False, True, True, False]),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_targets_are_encoded_as_label_binarizer_does(y, dtype):
    from sklearn.preprocessing import LabelBinarizer

    X = np.arange(12, dtype=dtype).reshape(6, 2)
    clf = BPClassifier(hidden_layer_sizes=(3,), max_iter=1, random_state=0)
    _, _, _, Y, _ = clf._prepare(X, y, None, incremental=False)
    expected = LabelBinarizer().fit_transform(y)
    assert Y.dtype == dtype and Y.shape == expected.shape
    assert_array_equal(np.asarray(Y), expected)
    # Row access as the training loop does it: slices, index arrays, take.
    rows = np.array([4, 0, 3])
    assert_array_equal(Y[1:4], expected[1:4])
    assert_array_equal(Y[rows], expected[rows])
    out = np.full((3, expected.shape[1]), 7.0, dtype=dtype)
    assert Y.take(rows, axis=0, out=out) is out
    assert_array_equal(out, expected[rows])


def test_partial_fit_targets_cover_declared_classes():
    from sklearn.preprocessing import LabelBinarizer

    X = np.zeros((4, 2))
    y = np.array([3, 1, 3, 1])
    clf = BPClassifier(hidden_layer_sizes=(3,), random_state=0)
    _, _, _, Y, _ = clf._prepare(X, y, None, incremental=True, classes=[1, 2, 3])
    assert_array_equal(np.asarray(Y), LabelBinarizer().fit([1, 2, 3]).transform(y))
    assert Y.shape == (4, 3)


@pytest.mark.parametrize("max_fun", [5, 12])
def test_lbfgs_honours_max_fun(max_fun):
    """L-BFGS stops at max_fun loss evaluations, long before max_iter."""
    X, y = load_digits(return_X_y=True)
    clf = BPClassifier(
        hidden_layer_sizes=(8,),
        solver="lbfgs",
        max_fun=max_fun,
        max_iter=1000,
        tol=0.0,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="EVALUATIONS EXCEEDS LIMIT"):
        clf.fit(X / 16.0, y)
    assert 1 <= clf.n_iter_ <= max_fun
    assert len(clf.loss_curve_) == clf.n_iter_


def test_class_weight_balanced_counts_sample_weights():
    # Integer weights k must equal k copies of each row, balanced or not:
    # the class counts are weighted (as scikit-learn's compute_class_weight
    # does with sample_weight).
    X, y = make_classification(
        n_samples=120,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        random_state=0,
    )
    k = np.random.RandomState(0).randint(0, 4, 120)
    params = dict(
        hidden_layer_sizes=(),
        solver="lbfgs",
        alpha=0.5,
        tol=1e-12,
        max_iter=5000,
        class_weight="balanced",
        # The same start for every fit: unseeded, L-BFGS stops (ftol) where
        # the models still differ by up to ~1e-5 in probability.
        random_state=0,
    )
    weighted = BPClassifier(**params).fit(X, y, sample_weight=k)
    repeated = BPClassifier(**params).fit(np.repeat(X, k, 0), np.repeat(y, k))
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-5)
    counts = np.bincount(y, weights=k)
    by_hand = BPClassifier(**{**params, "class_weight": None}).fit(
        X, y, sample_weight=k * (k.sum() / (3 * counts))[y]
    )
    assert_allclose(weighted.coefs_[0], by_hand.coefs_[0], atol=1e-5)


def test_partial_fit_class_weight_dict_with_classes_missing_from_a_batch():
    # The dict is looked up in classes_, not in the batch's labels: a batch
    # without class 0 trains, with class 1's rows weighted 3.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 2))
    y = np.arange(30) % 2 + 1
    weighted = BPClassifier(
        hidden_layer_sizes=(3,), class_weight={0: 2.0, 1: 3.0}, random_state=0
    ).partial_fit(X, y, classes=[0, 1, 2])
    by_hand = BPClassifier(hidden_layer_sizes=(3,), random_state=0).partial_fit(
        X, y, classes=[0, 1, 2], sample_weight=np.where(y == 1, 3.0, 1.0)
    )
    for W, W_ref in zip(weighted.coefs_, by_hand.coefs_):
        assert_allclose(W, W_ref, rtol=1e-12)
    with pytest.raises(ValueError, match=r"class_weight has label\(s\) \[5\]"):
        BPClassifier(class_weight={5: 1.0}).partial_fit(X, y, classes=[0, 1, 2])
    # A dict for more classes than y has (a fold without a rare class) is
    # fine when it weighs every class of y, as in scikit-learn.
    fold = BPClassifier(
        hidden_layer_sizes=(3,), class_weight={1: 3.0, 2: 1.0, 7: 5.0}, random_state=0
    ).partial_fit(X, y, classes=[1, 2])
    plain = BPClassifier(hidden_layer_sizes=(3,), random_state=0).partial_fit(
        X, y, classes=[1, 2], sample_weight=np.where(y == 1, 3.0, 1.0)
    )
    assert_allclose(fold.coefs_[0], plain.coefs_[0], rtol=1e-12)


def test_early_stopping_splits_at_random_where_stratifying_is_impossible():
    # MLPClassifier never stratifies multiclass targets, so it trains on these;
    # a swap to BPClassifier must too.  Stratified where possible, though.
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    for rows in [np.r_[0:50, 50:100, 100:101], np.r_[0:7, 50:57, 100:106]]:
        clf = BPClassifier(
            hidden_layer_sizes=(4,), early_stopping=True, max_iter=3, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X[rows], y[rows])
        assert len(clf.validation_scores_) == clf.n_iter_ >= 1
    # 20 samples, 3 classes and a validation share of 2: no stratified split
    # can hold every class, so this one is random, and it trains.
    X20 = np.random.RandomState(0).normal(size=(20, 2))
    clf = BPClassifier(hidden_layer_sizes=(3,), early_stopping=True, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X20, np.arange(20) % 3)
    assert clf.n_iter_ == 2


def test_early_stopping_stratifies_when_it_can():
    # Class 1 is a tenth of the data: every stratified 20 % share holds
    # exactly 8 of its 40 rows, whatever the seed.
    X = np.random.RandomState(0).normal(size=(400, 2))
    y = (np.arange(400) % 10 == 0).astype(int)
    clf = BPClassifier(hidden_layer_sizes=(2,), max_iter=1).fit(X, y)
    clf.set_params(validation_fraction=0.2)
    for seed in range(5):
        _, val_idx = clf._split_validation(
            y[:, None].astype(float), np.random.RandomState(seed)
        )
        assert val_idx.shape[0] == 80
        assert (y[val_idx] == 1).sum() == 8


def test_multilabel_partial_fit_checks_classes_against_the_columns():
    X = np.random.RandomState(0).normal(size=(6, 2))
    Y = np.array([[1, 0, 1], [0, 1, 0]] * 3)
    with pytest.raises(ValueError, match=r"3 columns .* classes=\[0, 1, 2\]"):
        BPClassifier(hidden_layer_sizes=(3,)).partial_fit(X, Y, classes=[0, 1])
    clf = BPClassifier(hidden_layer_sizes=(3,)).partial_fit(X, Y, classes=[0, 1, 2])
    assert_array_equal(clf.classes_, [0, 1, 2])


@pytest.mark.parametrize("class_weight", [None, "balanced", {0: 1.0, 1: 2.0}])
def test_multi_label_tag_says_what_fit_accepts(class_weight):
    from sklearn.utils import get_tags

    clf = BPClassifier(
        hidden_layer_sizes=(3,), solver="lbfgs", class_weight=class_weight
    )
    Y = np.array([[0, 1], [1, 0], [1, 1], [0, 0]] * 5)
    X = np.arange(40.0).reshape(20, 2) / 40
    if get_tags(clf).classifier_tags.multi_label:
        clf.fit(X, Y)
    else:
        assert class_weight is not None
        with pytest.raises(ValueError, match="multilabel"):
            clf.fit(X, Y)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_stopping_lines_are_mlpclassifiers(early_stopping, capsys):
    # A rate too small to improve anything: both lower it at the same epochs
    # ('adaptive', 1e-5 -> 2e-6 -> 4e-7) and then stop, and say so in the
    # same words, so logs parse alike.
    X, y = make_moons(n_samples=60, noise=0.2, random_state=0)
    settings = dict(
        hidden_layer_sizes=(4,),
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=1e-5,
        n_iter_no_change=2,
        early_stopping=early_stopping,
        max_iter=50,
        verbose=True,
        random_state=0,
    )
    said = []
    for Estimator in (MLPClassifier, BPClassifier):
        Estimator(**settings).fit(X, y)
        lines = capsys.readouterr().out.splitlines()
        said.append([line for line in lines if not line.startswith("Iteration")])
    # MLP prints the validation score on a line of its own; skbpnet puts it
    # on the epoch's line (migrating.rst).
    mlp = [line for line in said[0] if not line.startswith("Validation score: ")]
    assert len(mlp) == 3 and mlp[-1].endswith("Learning rate too small. Stopping.")
    assert said[1] == mlp
    with pytest.warns(ConvergenceWarning, match="^Stochastic Optimizer: Maximum"):
        BPClassifier(**{**settings, "verbose": False, "max_iter": 2}).fit(X, y)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 10.0}])
def test_validation_scores_are_accuracy_whatever_the_class_weight(class_weight):
    # class_weight shapes training only: the held-out share is scored by
    # accuracy, as score() scores it, so each score is a count of correct
    # rows over the 30 held out (a class-weighted accuracy would not be).
    X, y = make_classification(n_samples=300, weights=[0.8], flip_y=0.1, random_state=0)
    clf = BPClassifier(
        hidden_layer_sizes=(4,),
        class_weight=class_weight,
        early_stopping=True,
        validation_fraction=0.1,
        learning_rate_init=0.01,
        max_iter=8,
        n_iter_no_change=100,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    counts = np.asarray(clf.validation_scores_) * 30
    assert_allclose(counts, np.round(counts), atol=1e-9)
    # The caller's own weights still count, as in score(X, y, sample_weight).
    w = np.where(np.arange(300) % 3 == 0, 3.0, 1.0)
    with pytest.warns(ConvergenceWarning):
        weighted = clone(clf).fit(X, y, sample_weight=w)
    sums = np.asarray(weighted.validation_scores_)
    assert not np.allclose(sums * 30, np.round(sums * 30), atol=1e-9)


def test_float32_lbfgs_with_a_small_tol_stops_without_a_line_search_failure():
    # A float32 loss stops changing at a relative 1e-7 or so: with SciPy's
    # ftol at tol**2 its line search failed instead ("ABNORMAL", a
    # ConvergenceWarning). A float32 model keeps SciPy's default ftol.
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)[:500].astype(np.float32)
    clf = BPClassifier(
        hidden_layer_sizes=(16,),
        activation="tanh",
        solver="lbfgs",
        alpha=2.0,
        tol=1e-7,
        max_iter=5000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y[:500])
    assert clf.coefs_[0].dtype == np.float32
