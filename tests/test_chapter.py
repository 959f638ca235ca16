"""The chapter's lessons as tests: vanishing gradients, dropout, maxout."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning

from skbpnet import BPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=400, n_features=20, n_informative=10, random_state=0
    )
    return (X - X.mean(0)) / X.std(0), y


def _first_to_last_ratios(X, y, seeds=range(5), **params):
    """First-layer over last-layer RMS gradient at the start of training."""
    ratios = []
    for seed in seeds:
        net = BPClassifier(
            max_iter=1,
            solver="sgd",
            learning_rate_init=1e-6,
            random_state=seed,
            **params,
        ).fit(X, y)
        norms = net.gradient_norms_[0]  # first epoch, one value per weight matrix
        ratios.append(norms[0] / norms[-1])
    return np.median(ratios)


@pytest.fixture(scope="module")
def digits01():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def test_sigmoid_with_naive_init_vanishes(digits01):
    # Six hidden sigmoid layers with plain N(0, 1) weights: the units saturate,
    # each layer multiplies the delta by sigma' <= 1/4, and the first layer
    # receives orders of magnitude less gradient than the last. ReLU with He
    # initialisation keeps the backward signal at the same scale.
    X, y = digits01
    deep = dict(hidden_layer_sizes=(8,) * 6)
    sigmoid = _first_to_last_ratios(X, y, activation="sigmoid", init="normal", **deep)
    relu = _first_to_last_ratios(X, y, activation="relu", init="he_normal", **deep)
    assert sigmoid < relu / 100
    assert relu > 0.1


def test_sigmoid_vanishes_with_small_weights_at_any_width(digits01):
    # With lecun_normal the weights no longer make up for sigma' <= 1/4, so a
    # deep sigmoid net loses about four orders of magnitude even when wide.
    # (Wide layers with N(0, 1) weights partly compensate: each delta is a sum
    # over more, larger weights.)
    X, y = digits01
    wide = dict(hidden_layer_sizes=(64,) * 6, seeds=range(2))
    sigmoid = _first_to_last_ratios(
        X, y, activation="sigmoid", init="lecun_normal", **wide
    )
    relu = _first_to_last_ratios(X, y, activation="relu", init="he_normal", **wide)
    assert sigmoid < relu / 1000


def test_gradient_norms_shape_and_meaning(data):
    X, y = data
    clf = BPClassifier(
        hidden_layer_sizes=(8, 6), max_iter=4, batch_size=100, random_state=0
    ).fit(X, y)
    assert clf.gradient_norms_.shape == (4, 3)
    assert np.all(clf.gradient_norms_ > 0)
    lbfgs = BPClassifier(
        hidden_layer_sizes=(8,), solver="lbfgs", max_iter=7, random_state=0
    ).fit(X, y)
    assert lbfgs.gradient_norms_.shape == (lbfgs.n_iter_, 2)


@pytest.mark.parametrize("batch_size", [400, 100])
def test_gradient_norms_are_rms_of_batch_gradients(data, monkeypatch, batch_size):
    # Each epoch's norm is the mean over its batches of the RMS of each
    # batch's gradient with respect to each weight matrix (one batch: that
    # batch's RMS; four: their mean, neither their sum nor the last one).
    X, y = data
    assert X.shape[0] == 400
    from skbpnet._network import Network

    seen = []
    original = Network.loss_grad

    def spy(self, *args, **kwargs):
        loss = original(self, *args, **kwargs)
        seen.append([np.sqrt(np.mean(g**2)) for g in self.grad_coefs])
        return loss

    monkeypatch.setattr(Network, "loss_grad", spy)
    clf = BPClassifier(
        hidden_layer_sizes=(5,), batch_size=batch_size, max_iter=3, random_state=0
    ).fit(X, y)
    per_epoch = np.reshape(seen, (3, 400 // batch_size, -1)).mean(axis=1)
    np.testing.assert_allclose(clf.gradient_norms_, per_epoch)


def test_dropout_changes_training_but_predict_is_deterministic(data):
    X, y = data
    base = dict(
        hidden_layer_sizes=(32, 32),
        max_iter=50,
        learning_rate_init=0.01,
        random_state=0,
    )
    plain = BPClassifier(**base).fit(X, y)
    dropped = BPClassifier(dropout=0.3, **base).fit(X, y)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])
    assert_array_equal(dropped.predict_proba(X), dropped.predict_proba(X))
    assert dropped.score(X, y) > 0.85
    per_layer = BPClassifier(dropout=[0.5, 0.0], **base).fit(X, y)
    assert not np.allclose(per_layer.coefs_[0], dropped.coefs_[0])


def test_dropout_is_drawn_from_random_state(data):
    X, y = data
    a = BPClassifier(hidden_layer_sizes=(16,), dropout=0.5, max_iter=3, random_state=3)
    b = BPClassifier(hidden_layer_sizes=(16,), dropout=0.5, max_iter=3, random_state=3)
    assert_array_equal(a.fit(X, y).coefs_[0], b.fit(X, y).coefs_[0])


def test_maxout_layer_shapes_and_mixing(data):
    X, y = data
    clf = BPClassifier(
        hidden_layer_sizes=(10, 6),
        activation=["maxout", "tanh"],
        maxout_pieces=3,
        solver="lbfgs",
        max_iter=200,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert [W.shape for W in clf.coefs_] == [(20, 30), (10, 6), (6, 1)]
    assert [b.shape for b in clf.intercepts_] == [(30,), (6,), (1,)]
    assert clf.score(X, y) > 0.95


def test_maxout_output_is_max_of_pieces():
    X = np.random.RandomState(0).normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = BPClassifier(
        hidden_layer_sizes=(4,),
        activation="maxout",
        maxout_pieces=3,
        max_iter=5,
        random_state=0,
    ).fit(X, y)
    W, b = clf.coefs_[0], clf.intercepts_[0]
    pieces = (X @ W + b).reshape(50, 4, 3)
    hidden = pieces.max(axis=2)
    logits = hidden @ clf.coefs_[1] + clf.intercepts_[1]
    expected = 1 / (1 + np.exp(-logits.ravel()))
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], expected)
