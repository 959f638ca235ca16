"""Each activation's derivative, computed from its output, against the truth."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skbpnet._activations import ACTIVATIONS, canonical_activation


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_central_difference(name):
    forward, derivative = ACTIVATIONS[name]
    rng = np.random.RandomState(0)
    Z = rng.uniform(-4, 4, size=(50, 7))
    Z = Z[np.abs(Z) > 1e-3].reshape(-1, 1)  # stay off the kink at 0
    h = 1e-6
    numeric = (forward(Z + h) - forward(Z - h)) / (2 * h)
    A = forward(Z.copy())
    delta = np.ones_like(A)
    assert_allclose(derivative(A, delta), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_and_derivative_work_in_place(name):
    forward, derivative = ACTIVATIONS[name]
    Z = np.linspace(-3, 3, 13)
    out = forward(Z)
    assert np.shares_memory(out, Z)
    delta = np.full_like(Z, 2.0)
    assert np.shares_memory(derivative(out, delta), delta)


def test_values():
    Z = np.array([-2.0, 0.0, 3.0])
    f = {name: ACTIVATIONS[name][0] for name in ACTIVATIONS}
    assert_allclose(f["relu"](Z.copy()), [0, 0, 3])
    assert_allclose(f["leaky_relu"](Z.copy()), [-0.02, 0, 3])
    assert_allclose(f["sigmoid"](Z.copy()), 1 / (1 + np.exp(-Z)))
    assert_allclose(f["elu"](Z.copy()), [np.exp(-2) - 1, 0, 3])
    assert_allclose(f["softplus"](Z.copy()), np.log1p(np.exp(Z)))
    assert_allclose(f["tanh"](Z.copy()), np.tanh(Z))


def test_extreme_inputs_stay_finite():
    Z = np.array([-1e4, -50.0, 50.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for name, (forward, derivative) in ACTIVATIONS.items():
            A = forward(Z.copy())
            assert np.all(np.isfinite(A)), name
            assert np.all(np.isfinite(derivative(A, np.ones_like(A)))), name


def test_logistic_is_an_alias_of_sigmoid():
    assert canonical_activation("logistic") == "sigmoid"
    assert canonical_activation("relu") == "relu"


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_work_buffers_give_the_same_values(name):
    # Training passes scratch arrays; prediction and these tests pass none.
    forward, derivative = ACTIVATIONS[name]
    rng = np.random.RandomState(1)
    Z = rng.uniform(-4, 4, size=(20, 6))
    Z[0, :3] = 0.0  # the kink itself
    work = (np.full_like(Z, np.nan), np.ones(Z.shape, dtype=bool))
    A = forward(Z.copy())
    assert_allclose(forward(Z.copy(), work), A, rtol=1e-15, atol=0)
    delta = rng.normal(size=Z.shape)
    expected = derivative(A, delta.copy())
    assert_allclose(derivative(A, delta.copy(), work), expected, rtol=1e-15, atol=0)
