"""Optimizer updates against their textbook formulas."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skbpnet._optimizers import SGD, Adam


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum(nesterov):
    rng = np.random.RandomState(0)
    theta = rng.normal(size=5)
    expected = theta.copy()
    v = np.zeros(5)
    opt = SGD(5, np.float64, 0.1, momentum=0.9, nesterov=nesterov)
    for _ in range(4):
        g = rng.normal(size=5)
        v = 0.9 * v - 0.1 * g
        expected += 0.9 * v - 0.1 * g if nesterov else v
        opt.step(theta, g)
        assert_allclose(theta, expected)


def test_adam():
    rng = np.random.RandomState(0)
    theta = rng.normal(size=4)
    expected = theta.copy()
    m = v = np.zeros(4)
    opt = Adam(4, np.float64, 0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7)
    for t in range(1, 6):
        g = rng.normal(size=4)
        m = 0.8 * m + 0.2 * g
        v = 0.99 * v + 0.01 * g**2
        lr = 0.01 * np.sqrt(1 - 0.99**t) / (1 - 0.8**t)
        expected -= lr * m / (np.sqrt(v) + 1e-7)
        opt.step(theta, g)
        assert_allclose(theta, expected)


def test_float32_state():
    opt = Adam(3, np.float32, 0.1)
    theta = np.ones(3, dtype=np.float32)
    opt.step(theta, np.ones(3, dtype=np.float32))
    assert theta.dtype == np.float32 and opt.m.dtype == np.float32
