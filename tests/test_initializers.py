"""Initializer scales, measured on wide layers."""

import numpy as np
import pytest

from skbpnet import BPClassifier
from skbpnet._initializers import INITIALIZERS, resolve_initializer

FAN_IN, FAN_OUT = 400, 600  # 240,000 draws: the std is estimated to ~0.15 %

EXPECTED_STD = {
    "lecun_normal": np.sqrt(1 / FAN_IN),
    "glorot_normal": np.sqrt(2 / (FAN_IN + FAN_OUT)),
    "glorot_uniform": np.sqrt(2 / (FAN_IN + FAN_OUT)),
    "he_normal": np.sqrt(2 / FAN_IN),
    "he_uniform": np.sqrt(2 / FAN_IN),
    "normal": 1.0,
}


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_standard_deviation(name):
    W = INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.RandomState(0), np.float64)
    assert W.shape == (FAN_IN, FAN_OUT)
    assert W.std() == pytest.approx(EXPECTED_STD[name], rel=0.01)
    assert abs(W.mean()) < 0.01 * EXPECTED_STD[name]


@pytest.mark.parametrize("name", ["lecun_normal", "glorot_normal", "he_normal"])
def test_normals_are_truncated_at_two_std(name):
    W = INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.RandomState(0), np.float64)
    # Truncation at 2 std of the underlying normal, which is wider than the
    # final std by 1 / 0.8796.
    bound = 2 * EXPECTED_STD[name] / 0.87962566103423978
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.99 * bound


@pytest.mark.parametrize("name", ["glorot_uniform", "he_uniform"])
def test_uniforms_have_sqrt3_limits(name):
    W = INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.RandomState(0), np.float64)
    limit = np.sqrt(3) * EXPECTED_STD[name]
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.999 * limit


def test_plain_normal_is_not_truncated():
    W = INITIALIZERS["normal"](FAN_IN, FAN_OUT, np.random.RandomState(0), np.float64)
    assert np.abs(W).max() > 4


@pytest.mark.parametrize(
    "activation, expected",
    [
        ("relu", "he_normal"),
        ("leaky_relu", "he_normal"),
        ("elu", "he_normal"),
        ("maxout", "he_normal"),
        ("sigmoid", "lecun_normal"),
        ("tanh", "lecun_normal"),
        ("softplus", "lecun_normal"),
        ("identity", "lecun_normal"),
        (None, "lecun_normal"),
    ],
)
def test_auto_choice(activation, expected):
    assert resolve_initializer("auto", activation) is INITIALIZERS[expected]


def test_estimator_uses_init_per_layer_and_zero_biases():
    X = np.random.RandomState(0).normal(size=(30, 300))
    y = np.arange(30) % 3
    calls = []

    def spy(fan_in, fan_out, rng, dtype):
        calls.append((fan_in, fan_out, dtype))
        return np.full((fan_in, fan_out), 0.01, dtype=dtype)

    clf = BPClassifier(
        hidden_layer_sizes=(7, 5),
        activation=["maxout", "tanh"],
        maxout_pieces=3,
        init=spy,
        max_iter=1,
        solver="lbfgs",
    )
    with pytest.warns(Warning):
        clf.fit(X, y)
    # Once per weight matrix, in the order of coefs_, output layer included.
    assert calls == [(300, 21, np.float64), (7, 5, np.float64), (5, 3, np.float64)]

    fresh = BPClassifier(
        hidden_layer_sizes=(500, 400), activation=["relu", "tanh"], random_state=0
    )
    fresh.set_params(max_iter=1, solver="sgd", learning_rate_init=1e-12)
    with pytest.warns(Warning):
        fresh.fit(X, y)
    W1, W2, W3 = fresh.coefs_
    assert W1.std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)  # he_normal
    assert W2.std() == pytest.approx(np.sqrt(1 / 500), rel=0.02)  # lecun_normal
    assert all(np.allclose(b, 0, atol=1e-9) for b in fresh.intercepts_)


@pytest.mark.parametrize("init", ["glorot_normal", "glorot_uniform"])
def test_glorot_counts_every_maxout_piece_in_the_fan_out(init):
    # A maxout layer's weight matrix has units * pieces columns, and that is
    # its fan_out (initialisation.rst): std sqrt(2 / (300 + 50 * 4)), not
    # sqrt(2 / (300 + 50)).
    X = np.random.RandomState(0).normal(size=(30, 300))
    y = np.arange(30) % 3
    clf = BPClassifier(
        hidden_layer_sizes=(50,),
        activation="maxout",
        maxout_pieces=4,
        init=init,
        solver="sgd",
        learning_rate_init=1e-12,
        max_iter=1,
        random_state=0,
    )
    with pytest.warns(Warning):
        clf.fit(X, y)
    assert clf.coefs_[0].shape == (300, 200)
    assert clf.coefs_[0].std() == pytest.approx(np.sqrt(2 / (300 + 200)), rel=0.02)


def test_dtype_is_respected():
    for name, init in INITIALIZERS.items():
        W = init(10, 20, np.random.RandomState(0), np.float32)
        assert W.dtype == np.float32, name
