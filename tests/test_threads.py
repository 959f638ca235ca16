"""Prediction on several threads, and the finiteness check fused into it."""

import os
import threading

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from threadpoolctl import threadpool_info, threadpool_limits

from skbpnet import BPClassifier, BPRegressor
from skbpnet._base import PARALLEL_PREDICT_ROWS
from skbpnet._network import PREDICT_CHUNK, Network, forward, forward_checked
from skbpnet._threads import (
    _numpy_owns,
    blas_threads,
    single_threaded_blas,
    single_threaded_foreign_blas,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

HAS_BLAS = any(info["user_api"] == "blas" for info in threadpool_info())
needs_blas = pytest.mark.skipif(not HAS_BLAS, reason="no BLAS seen by threadpoolctl")

rng = np.random.RandomState(0)
N_BIG = PARALLEL_PREDICT_ROWS + 777  # not a multiple of the chunk size
X_BIG = rng.randn(N_BIG, 12)
y_BIG = (X_BIG[:, 0] + X_BIG[:, 1] ** 2 > 1).astype(int)


def _net(activation="relu", hidden=(9, 7)):
    net = Network(12, hidden, [activation] * len(hidden), 3, "softmax_cross_entropy")
    net.initialize("glorot_uniform", np.random.RandomState(1))
    return net


def _blas_limits():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def _limits_by_owner():
    """({numpy's BLAS threads}, {other BLAS libraries' threads})."""
    infos = [i for i in threadpool_info() if i["user_api"] == "blas"]
    mine = {i["num_threads"] for i in infos if _numpy_owns(i["filepath"])}
    other = {i["num_threads"] for i in infos if not _numpy_owns(i["filepath"])}
    return mine, other


@pytest.mark.parametrize("workers", [2, 3, 8, 1000])
@pytest.mark.parametrize("activation", ["relu", "tanh", "maxout"])
def test_workers_give_the_same_outputs(workers, activation):
    net = _net(activation)
    args = (net.layers, X_BIG, net.coefs, net.intercepts)
    serial, ok1 = forward_checked(*args, workers=1)
    parallel, ok2 = forward_checked(*args, workers=workers)
    assert ok1 and ok2
    # The same chunks are computed the same way, whichever thread runs them.
    assert_array_equal(parallel, serial)
    # And the chunked result is the plain matrix formula.
    Z = X_BIG
    for i, (W, b) in enumerate(zip(net.coefs, net.intercepts)):
        Z = Z @ W + b
        if i < len(net.coefs) - 1:
            Z = net.layers[i].activate(Z, None)
    assert_allclose(serial, Z, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("workers", [2, 4])
def test_a_failing_chunk_stops_the_other_threads(monkeypatch, workers):
    # An error (or Ctrl-C) in one thread used to leave the call only after the
    # other threads had computed every remaining chunk. Now each other thread
    # finishes at most the chunk it is on.
    from skbpnet import _network

    net = _net()
    X = np.tile(X_BIG[:PREDICT_CHUNK], (200, 1))
    calls = []
    lock = threading.Lock()
    original = _network._forward_chunk

    def failing(*args):
        with lock:
            calls.append(None)
            if len(calls) == 3:
                raise RuntimeError("chunk failed")
        return original(*args)

    monkeypatch.setattr(_network, "_forward_chunk", failing)
    with pytest.raises(RuntimeError, match="chunk failed"):
        forward_checked(net.layers, X, net.coefs, net.intercepts, workers=workers)
    assert len(calls) <= 3 + (workers - 1)


def test_small_inputs_stay_on_one_thread_and_are_checked():
    net = _net()
    X = X_BIG[: PREDICT_CHUNK // 2].copy()
    Z, ok = forward_checked(net.layers, X, net.coefs, net.intercepts, workers=4)
    assert ok and Z.shape == (X.shape[0], 3)
    X[7, 3] = np.nan
    with np.errstate(invalid="ignore"):
        _, ok = forward_checked(net.layers, X, net.coefs, net.intercepts, workers=4)
    assert not ok


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("row", [0, PREDICT_CHUNK + 5, N_BIG - 1])
def test_one_bad_entry_anywhere_is_detected(bad, workers, row):
    net = _net()
    X = X_BIG.copy()
    X[row, 11] = bad
    with np.errstate(invalid="ignore", over="ignore"):
        _, ok = forward_checked(
            net.layers, X, net.coefs, net.intercepts, workers=workers
        )
    assert not ok


def test_infinity_is_caught_even_when_relu_would_hide_it():
    # Every hidden unit sees -inf, so relu turns the row into zeros and the
    # output is finite: only the pre-activation check can notice the input.
    net = Network(3, (4,), ["relu"], 2, "softmax_cross_entropy")
    net.coefs[0][...] = -1.0
    net.coefs[1][...] = 1.0
    X = np.ones((5, 3))
    X[2, 0] = np.inf
    with np.errstate(invalid="ignore"):
        Z, ok = forward_checked(net.layers, X, net.coefs, net.intercepts)
    assert np.isfinite(Z).all()
    assert not ok


@pytest.mark.parametrize("Est", [BPClassifier, BPRegressor])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_estimators_report_bad_rows_of_big_inputs(Est, bad):
    est = Est(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    est.fit(X_BIG[:300], y_BIG[:300])
    X = X_BIG.copy()
    X[N_BIG - 3, 4] = bad
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        est.predict(X)
    assert np.isfinite(X_BIG).all()


def test_huge_finite_inputs_are_not_called_infinite():
    # The first layer overflows although X is finite: the check then scans X,
    # finds nothing, and the error is the overflow one.
    est = BPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    est.fit(X_BIG[:200], X_BIG[:200, 0])
    est.coefs_[0][...] = 1.0
    X = np.full((10, 12), 1e308)
    with pytest.raises(ValueError, match="outputs overflow") as info:
        est.predict(X)
    assert "Input X" not in str(info.value)


def test_sparse_input_is_checked_too():
    est = BPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    est.fit(X_BIG[:300], y_BIG[:300])
    X = sp.csr_matrix(X_BIG[:50])
    X.data[10] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict_proba(X)


@needs_blas
def test_predict_uses_threads_and_matches_single_thread(monkeypatch):
    import skbpnet._base as base

    est = BPClassifier(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    est.fit(X_BIG[:500], y_BIG[:500])
    workers = []

    def spy(*args, **kwargs):
        workers.append(kwargs.get("workers", 1))
        return forward_checked(*args, **kwargs)

    monkeypatch.setattr(base, "forward_checked", spy)
    with threadpool_limits(1, user_api="blas"):
        assert blas_threads() == 1
        serial = est.predict_proba(X_BIG)
    with threadpool_limits(2, user_api="blas"):
        assert blas_threads() == 2
        parallel = est.predict_proba(X_BIG)
        # The BLAS limit is given back after the call.
        assert blas_threads() == 2
    assert workers == [1, 2]
    assert_allclose(parallel, serial, rtol=1e-12, atol=1e-15)


@needs_blas
def test_single_threaded_blas_nests_and_restores():
    with threadpool_limits(2, user_api="blas"):
        before = _blas_limits()
        with single_threaded_blas():
            assert set(_blas_limits()) == {1}
            with single_threaded_blas():
                assert set(_blas_limits()) == {1}
            # The inner exit must not restore while the outer still runs.
            assert set(_blas_limits()) == {1}
        assert _blas_limits() == before


@needs_blas
def test_a_library_already_on_one_thread_is_left_alone(monkeypatch):
    # Nothing to set means nothing to restore: a limit another thread sets
    # meanwhile cannot be undone by skbpnet's exit.
    from skbpnet._threads import _blas_libs

    calls = []
    for lib in _blas_libs():
        monkeypatch.setattr(lib, "set_num_threads", lambda n, lib=lib: calls.append(n))
    with threadpool_limits(limits=1, user_api="blas"):
        with single_threaded_blas():
            pass
        with single_threaded_foreign_blas():
            pass
    assert calls == []


@needs_blas
def test_concurrent_predictions_restore_the_limits():
    est = BPRegressor(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    est.fit(X_BIG[:400], X_BIG[:400, 0])
    expected = est.predict(X_BIG)
    errors, results = [], []

    def work():
        try:
            for _ in range(3):
                results.append(est.predict(X_BIG))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with threadpool_limits(2, user_api="blas"):
        before = _blas_limits()
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert _blas_limits() == before
    assert not errors
    assert len(results) == 12
    for r in results:
        assert_allclose(r, expected, rtol=1e-12, atol=1e-12)


def test_forward_without_check_matches():
    net = _net()
    Z1 = forward(net.layers, X_BIG, net.coefs, net.intercepts, workers=2)
    Z2, _ = forward_checked(net.layers, X_BIG, net.coefs, net.intercepts)
    assert_array_equal(Z1, Z2)


@needs_blas
def test_foreign_blas_is_limited_and_numpy_blas_is_not():
    import scipy.linalg  # noqa: F401 (loads SciPy's own BLAS, if it has one)

    infos = [i for i in threadpool_info() if i["user_api"] == "blas"]
    if not any(_numpy_owns(i["filepath"]) for i in infos):
        pytest.skip("NumPy's BLAS cannot be told apart here")  # pragma: no cover
    if all(_numpy_owns(i["filepath"]) for i in infos):
        pytest.skip("no BLAS library but NumPy's: nothing foreign")  # pragma: no cover
    with threadpool_limits(2, user_api="blas"):
        before = _blas_limits()
        with single_threaded_foreign_blas():
            mine, other = _limits_by_owner()
            assert mine == {2}
            assert other == {1}
            # Mixed nesting with the all-BLAS limit restores per library.
            with single_threaded_blas():
                assert set(_blas_limits()) == {1}
            mine, other = _limits_by_owner()
            assert mine == {2} and other == {1}
        assert _blas_limits() == before


def test_numpy_owns_its_vendored_library_only():
    root = os.path.dirname(np.__file__)
    assert _numpy_owns(os.path.join(root + ".libs", "libopenblas.so"))
    assert _numpy_owns(os.path.join(root, ".dylibs", "libopenblas.dylib"))
    assert not _numpy_owns(os.path.join(root + "_extra", "libopenblas.so"))
    assert not _numpy_owns("/usr/lib/libopenblas.so")


@needs_blas
def test_lbfgs_gives_the_same_fit_and_restores_the_limits():
    X, y = X_BIG[:400], y_BIG[:400]
    with threadpool_limits(1, user_api="blas"):
        ref = BPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0)
        ref.fit(X, y)
    with threadpool_limits(2, user_api="blas"):
        before = _blas_limits()
        est = BPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0)
        est.fit(X, y)
        assert _blas_limits() == before
    assert est.n_iter_ == ref.n_iter_
    assert_allclose(est.coefs_[0], ref.coefs_[0], rtol=1e-7, atol=1e-10)


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_big_sparse_and_float32_inputs_predict_like_dense(dtype):
    X = X_BIG.astype(dtype)
    est = BPClassifier(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    est.fit(X[:500], y_BIG[:500])
    with threadpool_limits(2, user_api="blas"):
        dense = est.predict_proba(X)
        sparse = est.predict_proba(sp.csr_matrix(X))
    assert dense.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert_allclose(sparse, dense, rtol=tol, atol=tol)


@needs_blas
def test_limits_set_and_restored_from_different_live_threads():
    # Thread A enters first (sets one thread), B enters, A leaves but stays
    # alive, B leaves last and restores. threadpoolctl >= 3.8 lets only one
    # live thread change OpenBLAS's count, and dropped B's restore silently
    # (and, with the main thread in control, A's limit too).
    a_entered, b_entered, a_left, b_left = (threading.Event() for _ in range(4))
    seen = {}

    def a():
        with single_threaded_blas():
            seen["a"] = set(_blas_limits())
            a_entered.set()
            b_entered.wait(10)
        a_left.set()
        b_left.wait(10)  # alive until B has left

    def b():
        a_entered.wait(10)
        with single_threaded_blas():
            seen["b"] = set(_blas_limits())
            b_entered.set()
            a_left.wait(10)
        b_left.set()

    with threadpool_limits(2, user_api="blas"):  # the main thread in control
        before = _blas_limits()
        threads = [threading.Thread(target=f) for f in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert seen == {"a": {1}, "b": {1}}
        assert _blas_limits() == before
