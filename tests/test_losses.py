"""Losses: values, output deltas and numerical stability."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import xlogy
from sklearn.metrics import log_loss, mean_poisson_deviance, mean_squared_error

from skbpnet._losses import LOSSES


def _targets(name, rng, n, k):
    if name == "binary_log_loss":
        return rng.randint(0, 2, size=(n, k)).astype(float)
    if name == "softmax_cross_entropy":
        return np.eye(k)[rng.randint(0, k, size=n)]
    if name == "poisson":
        return rng.poisson(2.0, size=(n, k)).astype(float)
    return rng.normal(size=(n, k))


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("weighted", [False, True])
def test_delta_is_gradient_of_loss(name, weighted):
    rng = np.random.RandomState(0)
    n, k = 12, 3
    Z = rng.normal(size=(n, k))
    Y = _targets(name, rng, n, k)
    s = rng.uniform(size=n) if weighted else np.full(n, 1.0)
    s = s / s.sum()
    loss = LOSSES[name]
    delta = np.empty_like(Z)
    loss.value_and_delta(Z, Y, s, delta)
    h = 1e-6
    numeric = np.empty_like(Z)
    scratch = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[idx] += h
        Zm[idx] -= h
        numeric[idx] = (
            loss.value_and_delta(Zp, Y, s, scratch)
            - loss.value_and_delta(Zm, Y, s, scratch)
        ) / (2 * h)
    assert_allclose(delta, numeric, rtol=1e-6, atol=1e-9)


def test_values_match_scikit_learn_metrics():
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(20, 4))
    labels = rng.randint(0, 4, size=20)
    Y = np.eye(4)[labels]
    delta = np.empty_like(Z)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    ce = LOSSES["softmax_cross_entropy"].value_and_delta(Z, Y, 1 / 20, delta)
    assert ce == pytest.approx(log_loss(labels, P))

    z = Z[:, :1]
    yb = (labels[:, None] % 2).astype(float)
    bll = LOSSES["binary_log_loss"].value_and_delta(z, yb, 1 / 20, delta[:, :1])
    assert bll == pytest.approx(log_loss(yb.ravel(), 1 / (1 + np.exp(-z.ravel()))))

    counts = rng.poisson(3.0, size=(20, 1)).astype(float)
    pois = LOSSES["poisson"].value_and_delta(z, counts, 1 / 20, delta[:, :1])
    # Our value is half of scikit-learn's mean Poisson deviance.
    assert pois == pytest.approx(
        0.5 * mean_poisson_deviance(counts.ravel(), np.exp(z.ravel()))
    )

    R = rng.normal(size=(20, 4))
    se = LOSSES["squared_error"].value_and_delta(R, np.zeros_like(R), 1 / 20, delta)
    # Half the squared residual summed over the outputs, averaged over the
    # samples: what MLPRegressor descends (and Ridge minimises per column).
    assert se == pytest.approx(0.5 * np.mean(np.sum(R**2, axis=1)))
    se1 = LOSSES["squared_error"].value_and_delta(
        R[:, :1], np.zeros_like(R[:, :1]), 1 / 20, delta[:, :1]
    )
    # With one output it is half scikit-learn's mean squared error.
    assert se1 == pytest.approx(0.5 * mean_squared_error(np.zeros(20), R[:, 0]))


@pytest.mark.parametrize("name", ["binary_log_loss", "softmax_cross_entropy"])
def test_log_losses_never_overflow_or_take_log_zero(name):
    Z = np.array([[-1e4, 1e4], [800.0, -800.0], [0.0, 0.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    delta = np.empty_like(Z)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value = LOSSES[name].value_and_delta(Z, Y, 1 / 3, delta)
    assert np.isfinite(value) and value > 1000  # confidently wrong costs a lot
    assert np.all(np.isfinite(delta))
    assert np.all(np.abs(delta) <= 1 / 3 + 1e-12)


def test_inverse_links():
    Z = np.array([[0.0, np.log(3.0)]])
    assert_allclose(
        LOSSES["softmax_cross_entropy"].inverse_link(Z.copy()), [[0.25, 0.75]]
    )
    assert_allclose(LOSSES["binary_log_loss"].inverse_link(Z.copy()), [[0.5, 0.75]])
    assert_allclose(LOSSES["poisson"].inverse_link(Z.copy()), [[1.0, 3.0]])
    assert_allclose(LOSSES["squared_error"].inverse_link(Z.copy()), Z)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_scalar_and_array_weights_agree(name):
    # A scalar s takes a faster path (one dot for the whole batch) than
    # per-sample weights; equal weights must give the same loss and delta.
    rng = np.random.RandomState(1)
    n, k = 30, 5
    Z = rng.normal(size=(n, k))
    Y = _targets(name, rng, n, k)
    loss = LOSSES[name]
    d_scalar, d_array = np.empty_like(Z), np.empty_like(Z)
    v_scalar = loss.value_and_delta(Z, Y, 1 / n, d_scalar)
    v_array = loss.value_and_delta(Z, Y, np.full(n, 1 / n), d_array)
    assert v_scalar == pytest.approx(v_array, rel=1e-12)
    assert_allclose(d_scalar, d_array, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(200, 10), (7, 1), (3, 100), (1, 4), (1000, 10)])
def test_row_reductions_match_numpy(shape, dtype):
    from skbpnet._losses import _row_max, _row_sum

    Z = np.random.RandomState(2).normal(size=shape).astype(dtype)
    before = Z.copy()
    scratch = np.full(shape, np.nan, dtype=dtype)
    assert_allclose(_row_max(Z, scratch), Z.max(axis=1))
    assert _row_sum(Z).dtype == dtype
    assert_allclose(
        _row_sum(Z), Z.sum(axis=1), rtol=1e-5 if dtype == np.float32 else 1e-12
    )
    assert_allclose(Z, before)  # the input is left alone


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "name", ["binary_log_loss", "softmax_cross_entropy", "squared_error", "poisson"]
)
def test_constant_loss_is_the_loss_of_the_documented_constant(name, weighted):
    """The best constant: class frequencies, or the (weighted) mean."""
    rng = np.random.default_rng(0)
    loss = LOSSES[name]
    n, k = 40, 3
    if name == "softmax_cross_entropy":
        Y = np.eye(k)[rng.integers(0, k, n)]
    elif name == "binary_log_loss":
        Y = (rng.random((n, k)) < 0.3).astype(float)
    elif name == "poisson":
        Y = rng.poisson(2.0, (n, k)).astype(float)
        Y[:, 0] = 0.0  # an all-zero output: its best constant is mu = 0
    else:
        Y = rng.normal(3.0, 2.0, (n, k))
    s = rng.random(n) if weighted else np.ones(n)
    s /= s.sum()
    s_arg = s if weighted else 1.0 / n
    value = loss.constant_loss(Y, s_arg)

    def loss_of(z):
        Z = np.broadcast_to(z, Y.shape).copy()
        return loss.value_and_delta(Z, Y, s, np.empty_like(Y))

    mean = s @ Y
    if name == "softmax_cross_entropy":
        best = np.log(mean)
    elif name == "binary_log_loss":
        best = np.log(mean / (1 - mean))
    elif name == "poisson":
        best = np.log(np.where(mean > 0, mean, 1e-300))
    else:
        best = mean
    assert value == pytest.approx(loss_of(best), rel=1e-10)
    # Output by output, as the judge of a finished fit splits it: the
    # constant's own losses on each output (one group for softmax).
    per_output = loss.constant_losses(Y, s_arg)
    Z_best = np.broadcast_to(best, Y.shape).copy()
    assert_allclose(
        per_output, loss.output_losses(Z_best, Y, s), rtol=1e-10, atol=1e-300
    )
    assert per_output.shape == ((1,) if name == "softmax_cross_entropy" else (k,))
    for j in range(1, k):  # any other constant does worse
        moved = best.copy()
        moved[j] += 0.1
        assert loss_of(moved) > value
    if name != "poisson":  # (whose first output's best constant is mu = 0)
        assert loss_of(np.zeros(k)) > value  # zero logits / outputs


def test_constant_loss_of_float32_constant_columns_is_finite():
    # A float32 weighted mean of a column of ones came out just above 1,
    # whose binary entropy is NaN, and that turned the training checks off.
    n = 1000
    Y = np.zeros((n, 3), np.float32)
    Y[:, 0] = 1
    Y[::3, 1] = 1
    for seed in range(20):
        s = np.random.default_rng(seed).random(n)
        s = (s / s.sum()).astype(np.float32)
        p = float(s.astype(np.float64) @ Y[:, 1])
        value = LOSSES["binary_log_loss"].constant_loss(Y, s)
        assert value == pytest.approx(-xlogy(p, p) - xlogy(1 - p, 1 - p), rel=1e-6)


@pytest.mark.parametrize("name", ["binary_log_loss", "squared_error", "poisson"])
def test_constant_loss_does_not_copy_float32_targets_to_float64(name):
    # It runs at the end of every fit: s @ Y in float64 copied all of Y.
    import tracemalloc

    rng = np.random.default_rng(0)
    n, k = 100_000, 10
    Y = (rng.random((n, k)) < 0.5).astype(np.float32)
    s = rng.random(n)
    s /= s.sum()
    tracemalloc.start()
    try:
        value = LOSSES[name].constant_loss(Y, s.astype(np.float32))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.isfinite(value) and value > 0
    # The squared error's residuals, the Poisson loss's y log y, in float32;
    # no float64 copy of Y.
    limit = {"squared_error": 1.3, "poisson": 1.3, "binary_log_loss": 0.2}[name]
    limit *= Y.nbytes
    assert peak < limit, (peak, Y.nbytes)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_constant_loss_of_class_codes_equals_that_of_dense_rows(n_classes, weighted):
    """Targets kept as class codes give the dense matrix's constant loss."""
    from skbpnet._targets import OneHotRows

    rng = np.random.default_rng(1)
    n = 50
    codes = rng.integers(0, n_classes, n)
    codes[:3] = np.arange(3) % n_classes  # every class present
    columns = 1 if n_classes == 2 else n_classes
    rows = OneHotRows(codes, columns, np.float64)
    s = rng.random(n) if weighted else None
    if weighted:
        s /= s.sum()
    s_arg = s if weighted else 1.0 / n
    name = "binary_log_loss" if n_classes == 2 else "softmax_cross_entropy"
    dense = LOSSES[name].constant_loss(np.asarray(rows), s_arg)
    assert LOSSES[name].constant_loss(rows, s_arg) == pytest.approx(dense, rel=1e-12)
    assert dense > 0.1


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "name", ["squared_error", "binary_log_loss", "poisson", "softmax_cross_entropy"]
)
def test_float32_loss_of_a_large_batch_is_summed_accurately(name, weighted):
    # A float32 BLAS dot over a million squares erred by about 8e-7; pairwise sums
    # of the per-entry losses stay near float32's own resolution.
    import math

    rng = np.random.RandomState(0)
    n = 1_000_000
    Z = rng.normal(size=(n, 1)).astype(np.float32)
    if name == "softmax_cross_entropy":
        Z = rng.normal(size=(n, 3)).astype(np.float32)
        Y = np.eye(3, dtype=np.float32)[rng.randint(0, 3, n)]
        z = Z.astype(float)
        exact = np.logaddexp.reduce(z, axis=1, keepdims=True) - (Y * z).sum(
            1, keepdims=True
        )
    elif name == "squared_error":
        Y = (Z + rng.normal(size=(n, 1))).astype(np.float32)
        exact = 0.5 * (Z.astype(float) - Y) ** 2
    elif name == "binary_log_loss":
        Y = (rng.uniform(size=(n, 1)) < 0.5).astype(np.float32)
        z = Z.astype(float)
        exact = np.logaddexp(0, z) - Y * z
    else:
        Y = rng.poisson(1.0, size=(n, 1)).astype(np.float32)
        z, y = Z.astype(float), Y.astype(float)
        exact = np.exp(z) - y * z + xlogy(y, y) - y
    if weighted:
        s = rng.uniform(0.5, 1.5, size=n).astype(np.float32)
        s /= s.sum(dtype=np.float64)
        reference = math.fsum((exact.sum(axis=1) * s).tolist())
    else:
        s = 1 / n
        reference = math.fsum(exact.ravel()) / n
    value = LOSSES[name].value_and_delta(
        Z, Y, s, np.empty_like(Z), scratch=np.empty_like(Z)
    )
    # A BLAS dot's running float32 sum was 8e-7 off for the unweighted squared
    # error and about 4e-7 for weighted sums. Pairwise sums stay within 6.7e-8
    # on NumPy 2.4 but reach 2.2e-7 on NumPy 1.23 (its exp and log1p round
    # differently), hence the two bounds.
    bound = 2.4e-7 if name == "squared_error" and not weighted else 3.5e-7
    assert abs(value - reference) / reference < bound


def test_constant_loss_of_float32_targets_is_about_the_exact_mean():
    # Residuals from the mean rounded to float32 would add (m64 - m32)^2 to
    # each variance: +82 % for targets a few float32 steps apart.
    rng = np.random.default_rng(0)
    y = (2.0**24 + 2 * rng.integers(0, 2, 1001)).astype(np.float32)[:, None]
    s = rng.random(1001)
    s /= s.sum()
    exact = 0.5 * float(s @ (y[:, 0].astype(np.float64) - s @ y[:, 0]) ** 2)
    value = LOSSES["squared_error"].constant_loss(y, s.astype(np.float32))
    assert value == pytest.approx(exact, rel=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["squared_error", "poisson"])
def test_constant_loss_of_a_constant_target_is_zero_not_negative(name, dtype):
    rng = np.random.default_rng(1)
    for value in (0.3, 7.0, 123.456):
        Y = np.full((500, 2), value, dtype=dtype)
        s = rng.random(500)
        s /= s.sum()
        loss = LOSSES[name].constant_loss(Y, s.astype(dtype))
        assert 0.0 <= loss < 1e-4


@pytest.mark.parametrize(
    "name", ["binary_log_loss", "softmax_cross_entropy", "squared_error", "poisson"]
)
def test_constant_targets_have_a_constant_loss_of_exactly_zero(name):
    # Weighted means of equal values need not equal them: computed, the
    # losses round to about 1e-49 (squared error) or 1e-17, not 0.
    from skbpnet._targets import OneHotRows

    rng = np.random.default_rng(0)
    s = rng.random(1000)
    s /= s.sum()
    value = 1.0 if name in ("binary_log_loss", "softmax_cross_entropy") else 0.1
    Y = np.c_[np.full(1000, value), (rng.random(1000) < 0.5).astype(float)]
    if name == "softmax_cross_entropy":
        Y = np.c_[np.ones(1000), np.zeros(1000)]
    losses = LOSSES[name].constant_losses(Y, s)
    if name == "softmax_cross_entropy":
        assert losses.tolist() == [0.0]
        codes = OneHotRows(np.zeros(1000, dtype=np.int32), 2, np.float64)
        assert LOSSES[name].constant_losses(codes, s).tolist() == [0.0]
    else:
        assert losses[0] == 0.0 and losses[1] > 0.1
