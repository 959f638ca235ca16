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


def test_adam_with_betas_changed_midway():
    # partial_fit follows set_params(beta_1=..., beta_2=...): the moments
    # keep their values and decay at the new rates from then on.
    rng = np.random.RandomState(1)
    theta = rng.normal(size=4)
    expected = theta.copy()
    m = v = np.zeros(4)
    opt = Adam(4, np.float64, 0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    b1, b2 = 0.9, 0.999
    for t in range(1, 9):
        if t == 5:
            b1, b2 = 0.5, 0.9
            opt.set_betas(b1, b2)
        g = rng.normal(size=4)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        lr = 0.01 * np.sqrt(1 - b2**t) / (1 - b1**t)
        expected -= lr * m / (np.sqrt(v) + 1e-8)
        opt.step(theta, g)
        assert_allclose(theta, expected, rtol=1e-12)


def test_float32_state():
    opt = Adam(3, np.float32, 0.1)
    theta = np.ones(3, dtype=np.float32)
    opt.step(theta, np.ones(3, dtype=np.float32))
    assert theta.dtype == np.float32 and opt.m.dtype == np.float32


def _float32_adam_reference(theta, m, v, grads, lr, b1, b2, eps):
    """Adam.step's own formulation, every operation in float32."""
    f = np.float32
    root = np.sqrt(1 - b2)
    for t, g in enumerate(grads, start=1):
        eta = lr * np.sqrt(1 - b2**t) / (1 - b1**t) * (1 - b1) / root
        m = m * f(b1) + g
        v = v * f(b2) + np.square(g)
        den = (np.sqrt(v) + f(eps / root)) * f(1.0 / eta)
        theta = theta - m / den
    return theta


@pytest.mark.parametrize("scalar", [float, np.float64])
def test_float32_updates_stay_in_float32(scalar):
    # NumPy float64 scalars (for example from a parameter grid built with
    # np.logspace) must not turn the float32 passes into float64 arithmetic:
    # the result must be bitwise what float32 arithmetic gives.
    rng = np.random.RandomState(0)
    n = 5000
    theta = rng.normal(size=n).astype(np.float32)
    grads = [rng.normal(size=n).astype(np.float32) for _ in range(5)]
    opt = Adam(
        n,
        np.float32,
        scalar(0.003),
        beta_1=scalar(0.85),
        beta_2=scalar(0.995),
        epsilon=scalar(1e-3),
    )
    params = theta.copy()
    for g in grads:
        opt.step(params, g)
    zeros = np.zeros(n, dtype=np.float32)
    expected = _float32_adam_reference(
        theta, zeros, zeros, grads, 0.003, 0.85, 0.995, 1e-3
    )
    assert params.dtype == np.float32
    np.testing.assert_array_equal(params, expected)


@pytest.mark.parametrize("scalar", [float, np.float64])
def test_float32_sgd_stays_in_float32(scalar):
    rng = np.random.RandomState(1)
    n = 5000
    params = rng.normal(size=n).astype(np.float32)
    g = rng.normal(size=n).astype(np.float32)
    opt = SGD(n, np.float32, scalar(0.1), momentum=scalar(0.7), nesterov=True)
    expected = params.copy()
    opt.step(params, g)
    step = g * np.float32(0.1)
    v = -step  # the velocity starts at zero
    expected += v * np.float32(0.7) - step
    np.testing.assert_array_equal(params, expected)


def test_switching_the_schedule_mid_stream_restarts_from_learning_rate_init():
    # 'constant' after 'exponential' must not keep training at the decayed rate.
    from sklearn.datasets import make_classification

    from skbpnet import BPClassifier

    X, y = make_classification(100, 5, random_state=0)
    clf = BPClassifier(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate="exponential",
        decay_rate=0.5,
        learning_rate_init=0.01,
        random_state=0,
    )
    for _ in range(5):
        clf.partial_fit(X, y, classes=[0, 1])
    assert clf._optimizer.optimizer.learning_rate == pytest.approx(0.01 * 0.5**5)
    clf.set_params(learning_rate="constant").partial_fit(X, y)
    assert clf._optimizer.optimizer.learning_rate == 0.01


def _sgd_rates(train):
    """The learning rate of every SGD step that ``train()`` takes."""
    rates = []
    step = SGD.step

    def record_rate(self, params, grad):
        rates.append(self.learning_rate)
        return step(self, params, grad)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SGD, "step", record_rate)
        train()
    return rates


@pytest.mark.parametrize("before", ["constant", "invscaling", "adaptive"])
def test_switching_to_exponential_mid_stream_gives_the_streams_rate(before):
    # Not learning_rate_init for one call and then the decayed rate: the
    # rate of the stream's age at once, decreasing from there.
    from sklearn.datasets import make_classification

    from skbpnet import BPClassifier

    X, y = make_classification(100, 5, random_state=0)
    clf = BPClassifier(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate=before,
        decay_rate=0.5,
        learning_rate_init=0.01,
        random_state=0,
    )
    for _ in range(4):
        clf.partial_fit(X, y, classes=[0, 1])
    clf.set_params(learning_rate="exponential")
    rates = _sgd_rates(lambda: [clf.partial_fit(X, y) for _ in range(2)])
    # One batch per call (100 rows).
    assert rates == pytest.approx([0.01 * 0.5**4, 0.01 * 0.5**5])


@pytest.mark.parametrize(
    "schedule, change, expected",
    [
        # After 3 one-batch calls: 0.1 * 0.9**3, not 0.1 * 0.5**3 for a call.
        ("exponential", {"decay_rate": 0.9}, 0.1 * 0.9**3),
        # After 300 samples: 0.1 / 301**0.25, not 0.1 / 301**0.5.
        ("invscaling", {"power_t": 0.25}, 0.1 / 301**0.25),
    ],
)
def test_a_changed_decay_rate_or_power_t_applies_at_once(schedule, change, expected):
    from sklearn.datasets import make_classification

    from skbpnet import BPClassifier

    X, y = make_classification(100, 5, random_state=0)
    clf = BPClassifier(
        hidden_layer_sizes=(4,),
        solver="sgd",
        learning_rate=schedule,
        decay_rate=0.5,
        power_t=0.5,
        learning_rate_init=0.1,
        random_state=0,
    )
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    rates = _sgd_rates(lambda: clf.set_params(**change).partial_fit(X, y))
    assert rates == pytest.approx([expected])


def test_a_new_optimizer_mid_stream_goes_on_with_invscalings_rate():
    # Nesterov toggled: a new SGD, but the rate is that of the samples seen,
    # not learning_rate_init for one call.
    from sklearn.datasets import make_classification

    from skbpnet import BPClassifier

    X, y = make_classification(100, 5, random_state=0)
    clf = BPClassifier(
        hidden_layer_sizes=(4,),
        solver="sgd",
        learning_rate="invscaling",
        learning_rate_init=0.01,
        random_state=0,
    )
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    rates = _sgd_rates(
        lambda: clf.set_params(nesterovs_momentum=False).partial_fit(X, y)
    )
    assert clf._optimizer.optimizer.nesterov is False
    # One batch, trained after 300 samples.
    assert rates == pytest.approx([0.01 / 301**0.5])


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(7, np.float32, 0.1, nesterov=True),
        lambda: SGD(7, np.float64, 0.1, nesterov=False),
        lambda: Adam(7, np.float64, 0.01),
    ],
)
def test_state_round_trip_continues_bit_identically(make):
    rng = np.random.RandomState(0)
    opt = make()
    dtype = opt.scratch.dtype
    params = rng.normal(size=7).astype(dtype)
    for _ in range(3):
        opt.step(params, rng.normal(size=7).astype(dtype))
    state = opt.state()
    assert not any(key.startswith("_") for key in state)  # no work buffers
    copy = type(opt).from_state(
        {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in state.items()}
    )
    assert copy.n_params == 7 and copy.scratch is not opt.scratch
    grad = rng.normal(size=7).astype(dtype)
    a, b = params.copy(), params.copy()
    opt.step(a, grad)
    copy.step(b, grad)
    np.testing.assert_array_equal(a, b)
