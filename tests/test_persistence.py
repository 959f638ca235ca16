"""Persistence, determinism and thread safety.

* pickle, joblib and skops round trips predict identically (bitwise) and keep
  training identically with ``partial_fit``;
* skops reports no untrusted types besides skbpnet's estimator classes: the
  fitted state is plain arrays and builtins;
* the same ``random_state`` gives bitwise-identical weights across fits and
  across processes;
* concurrent predictions from threads on one fitted estimator agree with the
  serial ones.
"""

import json
import os
import pickle
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import skops.io as sio
from numpy.testing import assert_array_equal
from sklearn.base import clone, is_classifier
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, InconsistentVersionWarning

from skbpnet import BPClassifier, BPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATOR_TYPES = {
    "skbpnet._classifier.BPClassifier",
    "skbpnet._regressor.BPRegressor",
}


def _classification(n_classes=2, seed=0):
    return make_classification(
        n_samples=120,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        random_state=seed,
    )


def _cases():
    """(name, unfitted estimator, X, y) covering the kinds of fitted state."""
    X, y = _classification()
    X3, y3 = _classification(n_classes=3, seed=1)
    Xr, yr = make_regression(n_samples=120, n_features=6, n_targets=2, random_state=0)
    labels = np.array(["ant", "bee", "cat"])[y3]
    Y_multi = np.column_stack([y, X[:, 0] > 0, X[:, 1] > 0.5]).astype(int)
    small = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
    return [
        ("binary-adam", BPClassifier(**small), X, y),
        ("strings-sgd", BPClassifier(solver="sgd", **small), X3, labels),
        ("multilabel", BPClassifier(**small), X, Y_multi),
        ("lbfgs", BPClassifier(solver="lbfgs", **small), X3, y3),
        (
            "maxout-dropout-es",
            BPClassifier(
                activation="maxout", dropout=0.2, early_stopping=True, **small
            ),
            X3,
            y3,
        ),
        ("float32", BPClassifier(**small), X.astype(np.float32), y),
        ("sparse", BPClassifier(**small), sp.csr_matrix(np.maximum(X, 0)), y),
        ("dataframe", BPClassifier(**small), pd.DataFrame(X).add_prefix("f"), y),
        ("class-weight", BPClassifier(class_weight="balanced", **small), X, y),
        ("regressor-2out", BPRegressor(**small), Xr, yr),
        ("regressor-lbfgs", BPRegressor(solver="lbfgs", **small), Xr, yr[:, 0]),
        (
            "poisson",
            BPRegressor(loss="poisson", activation="tanh", **small),
            Xr,
            np.abs(yr[:, 0]) / 50,
        ),
    ]


CASES = _cases()
IDS = [case[0] for case in CASES]


@pytest.fixture(scope="module")
def fitted():
    return {name: (clone(est).fit(X, y), X, y) for name, est, X, y in CASES}


def outputs(est, X):
    out = {"predict": est.predict(X)}
    if is_classifier(est):
        out["predict_proba"] = est.predict_proba(X)
        out["predict_log_proba"] = est.predict_log_proba(X)
    return out


def assert_same_model(a, b, X):
    assert type(a) is type(b)
    assert a.get_params() == b.get_params()
    assert len(a.coefs_) == len(b.coefs_)
    for Wa, Wb, ba, bb in zip(a.coefs_, b.coefs_, a.intercepts_, b.intercepts_):
        assert Wa.dtype == Wb.dtype
        assert Wa.tobytes() == Wb.tobytes() and ba.tobytes() == bb.tobytes()
    for name, value in outputs(a, X).items():
        other = outputs(b, X)[name]
        assert value.dtype == other.dtype, name
        assert_array_equal(value, other, err_msg=name)
    for attr in ["n_features_in_", "n_outputs_", "n_layers_", "out_activation_"]:
        assert getattr(a, attr) == getattr(b, attr)
    if hasattr(a, "classes_"):
        assert_array_equal(a.classes_, b.classes_)
    if hasattr(a, "feature_names_in_"):
        assert_array_equal(a.feature_names_in_, b.feature_names_in_)


def _pickle(est, tmp_path):
    return pickle.loads(pickle.dumps(est, protocol=pickle.HIGHEST_PROTOCOL))


def _joblib(est, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(est, path, compress=3)
    return joblib.load(path)


def _skops(est, tmp_path):
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))


ROUND_TRIPS = {"pickle": _pickle, "joblib": _joblib, "skops": _skops}


# ------------------------------------------------------------- round trips
@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("name", IDS)
def test_round_trip_predicts_identically(fitted, tmp_path, how, name):
    est, X, _ = fitted[name]
    loaded = ROUND_TRIPS[how](est, tmp_path)
    assert loaded is not est
    assert_same_model(est, loaded, X)


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("name", ["binary-adam", "strings-sgd", "regressor-2out"])
def test_round_trip_keeps_training_identically(fitted, tmp_path, how, name):
    """The optimizer state and the random stream survive the round trip."""
    est, X, y = fitted[name]
    original = clone(est).set_params(shuffle=True)
    kwargs = {"classes": np.unique(y)} if is_classifier(est) else {}
    original.partial_fit(X[:60], y[:60], **kwargs)
    copy = ROUND_TRIPS[how](original, tmp_path)
    for est_ in (original, copy):
        est_.partial_fit(X[60:], y[60:])
        est_.partial_fit(X[:60], y[:60])
    assert_same_model(original, copy, X)


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_round_trip_with_random_state_none_keeps_drawing_from_numpy(tmp_path, how):
    # random_state=None means NumPy's global generator, before a round trip
    # and after it: a loaded model must not keep a frozen copy of it, which
    # np.random.seed would no longer reach (as with MLPClassifier).
    X = np.random.RandomState(0).normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    np.random.seed(0)  # noqa: NPY002 (the global generator is the point)
    original = BPClassifier(hidden_layer_sizes=(4,), max_iter=2, batch_size=8)
    with pytest.warns(ConvergenceWarning):
        original.fit(X, y)
    loaded = ROUND_TRIPS[how](original, tmp_path)
    for est in (original, loaded):
        np.random.seed(123)  # noqa: NPY002
        est.partial_fit(X, y)
    assert_same_model(original, loaded, X)
    # A warm start too, and the stream really is the global one: reseeding
    # it differently changes the result.
    fits = []
    for seed in (5, 5, 6):
        est = ROUND_TRIPS[how](original, tmp_path).set_params(warm_start=True)
        np.random.seed(seed)  # noqa: NPY002
        with pytest.warns(ConvergenceWarning):
            fits.append(est.fit(X, y).coefs_[0])
    assert_array_equal(fits[0], fits[1])
    assert not np.array_equal(fits[0], fits[2])


@pytest.mark.parametrize("name", IDS)
def test_skops_reports_only_skbpnet_estimators_as_untrusted(fitted, tmp_path, name):
    est, X, y = fitted[name]
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    untrusted = sio.get_untrusted_types(file=path)
    extra = sorted(set(untrusted) - ESTIMATOR_TYPES)
    assert not extra, f"fitted state holds non-plain objects: {extra}"
    assert f"{type(est).__module__}.{type(est).__name__}" in untrusted
    # Without trusting them, skops refuses to load.
    with pytest.raises(Exception, match=r"(?i)untrusted"):
        sio.load(path)


@pytest.mark.parametrize("name", ["binary-adam", "strings-sgd", "regressor-2out"])
def test_skops_after_partial_fit(fitted, name):
    """partial_fit keeps optimizer state for the next call: as plain data too."""
    est, X, y = fitted[name]
    kwargs = {"classes": np.unique(y)} if is_classifier(est) else {}
    est = clone(est).partial_fit(X, y, **kwargs)
    untrusted = sio.get_untrusted_types(data=sio.dumps(est))
    assert set(untrusted) <= ESTIMATOR_TYPES, sorted(untrusted)


def _saved_by(version, how, est, tmp_path, monkeypatch):
    """Save ``est`` as skbpnet ``version`` would, load it with this one."""
    import skbpnet

    path = tmp_path / "model"
    with monkeypatch.context() as m:
        m.setattr(skbpnet, "__version__", version)
        if how == "pickle":
            data = pickle.dumps(est)
        elif how == "joblib":
            joblib.dump(est, path)
        else:
            sio.dump(est, path)
    if how == "pickle":
        return pickle.loads(data)
    if how == "joblib":
        return joblib.load(path)
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_loading_with_another_skbpnet_version_warns(fitted, tmp_path, how, monkeypatch):
    import skbpnet

    est, X, _ = fitted["binary-adam"]
    # The same version loads silently (warnings are errors here).
    same = _saved_by(skbpnet.__version__, how, est, tmp_path, monkeypatch)
    assert not hasattr(same, "_skbpnet_version")
    match = rf"saved with skbpnet 0\.0\.1 into skbpnet {skbpnet.__version__}"
    with pytest.warns(InconsistentVersionWarning, match=match):
        loaded = _saved_by("0.0.1", how, est, tmp_path, monkeypatch)
    assert not hasattr(loaded, "_skbpnet_version")
    assert_same_model(est, loaded, X)


def test_unfitted_round_trip():
    est = BPClassifier(hidden_layer_sizes=(3, 2), activation=["tanh", "relu"])
    for loaded in [
        pickle.loads(pickle.dumps(est)),
        sio.loads(sio.dumps(est), trusted=sio.get_untrusted_types(data=sio.dumps(est))),
    ]:
        assert loaded.get_params() == est.get_params()
        assert not hasattr(loaded, "coefs_")


# ------------------------------------------------------------- determinism
def _weights_bytes(est):
    return [W.tobytes() for W in est.coefs_] + [b.tobytes() for b in est.intercepts_]


@pytest.mark.parametrize("name", IDS)
def test_same_random_state_gives_bitwise_identical_fits(name):
    _, est, X, y = next(case for case in CASES if case[0] == name)
    a = clone(est).fit(X, y)
    b = clone(est).fit(X, y)
    assert _weights_bytes(a) == _weights_bytes(b)
    assert a.loss_curve_ == b.loss_curve_
    assert a.n_iter_ == b.n_iter_
    # Refitting the same object starts afresh from the same seed.
    a.fit(X, y)
    assert _weights_bytes(a) == _weights_bytes(b)
    # ... and the seed matters.
    c = clone(est).set_params(random_state=1).fit(X, y)
    assert _weights_bytes(c) != _weights_bytes(b)


def test_random_state_instance_equals_int():
    X, y = _classification()
    params = dict(hidden_layer_sizes=(8,), dropout=0.1, max_iter=20)
    a = BPClassifier(random_state=3, **params).fit(X, y)
    b = BPClassifier(random_state=np.random.RandomState(3), **params).fit(X, y)
    assert _weights_bytes(a) == _weights_bytes(b)


_SUBPROCESS_SCRIPT = """
import json, sys, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter("ignore", ConvergenceWarning)
sys.path.insert(0, {tests_dir!r})
from test_persistence import CASES
out = {{}}
for name, est, X, y in CASES:
    est.fit(X, y)
    out[name] = [W.tobytes().hex() for W in est.coefs_ + est.intercepts_]
json.dump(out, sys.stdout)
"""


def test_same_random_state_across_processes():
    """A fresh interpreter (another hash seed) trains bitwise-identical weights."""
    script = _SUBPROCESS_SCRIPT.format(tests_dir=os.path.dirname(__file__))
    env = dict(os.environ, PYTHONHASHSEED="12345")
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    theirs = json.loads(result.stdout)
    assert set(theirs) == set(IDS)
    for name, est, X, y in CASES:
        est = clone(est).fit(X, y)
        ours = [W.tobytes().hex() for W in est.coefs_ + est.intercepts_]
        assert ours == theirs[name], f"{name}: weights differ across processes"


# ------------------------------------------------------------- concurrency
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_concurrent_predict_from_threads(kind):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3000, 20))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) if kind == "classifier" else X[:, 0]
    Est = BPClassifier if kind == "classifier" else BPRegressor
    est = Est(hidden_layer_sizes=(64, 32), max_iter=3, random_state=0).fit(X, y)
    methods = ["predict"] + (
        ["predict_proba", "predict_log_proba"] if kind == "classifier" else []
    )
    chunks = [X[i::4] for i in range(4)]
    jobs = [(m, i) for m in methods for i in range(len(chunks))]
    expected = {(m, i): getattr(est, m)(chunks[i]) for m, i in jobs}

    n_threads = 8
    barrier = threading.Barrier(n_threads)
    results = [[] for _ in range(n_threads)]

    def work(t):
        order = np.random.RandomState(t).permutation(len(jobs))
        barrier.wait(timeout=30)  # start every thread at once
        for _ in range(3):
            for j in order:
                method, i = jobs[j]
                results[t].append(((method, i), getattr(est, method)(chunks[i])))

    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        for future in [pool.submit(work, t) for t in range(n_threads)]:
            future.result()
    for per_thread in results:
        assert len(per_thread) == 3 * len(jobs)
        for job, value in per_thread:
            assert_array_equal(value, expected[job], err_msg=str(job))


def test_concurrent_fits_of_clones_match_serial_fits():
    """No shared global state: threads fitting clones get the serial weights."""
    X, y = _classification(n_classes=3)
    base = BPClassifier(hidden_layer_sizes=(16,), dropout=0.1, max_iter=15)
    seeds = list(range(6))
    serial = [
        _weights_bytes(clone(base).set_params(random_state=s).fit(X, y)) for s in seeds
    ]

    def fit(seed):
        return _weights_bytes(clone(base).set_params(random_state=seed).fit(X, y))

    with ThreadPoolExecutor(max_workers=6) as pool:
        threaded = list(pool.map(fit, seeds))
    assert threaded == serial
