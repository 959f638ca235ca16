"""Scale-out on a real engine: a dask.distributed cluster of worker processes.

The tests start a LocalCluster (2 worker processes, one thread each, no
dashboard) and check that

* GridSearchCV under joblib's dask backend runs its fits on the workers and
  picks the same parameters, with the same scores, as a local search;
* dask_ml's ``Incremental`` wrapper trains a BPClassifier/BPRegressor through
  ``partial_fit`` on a chunked dask array, on the workers, to exactly the model
  a local loop of ``partial_fit`` calls produces, and scores well above chance.

Needs the ``dask`` extra (pulled in by ``test``); run alone with ``pytest -m dask``.
"""

import dask.array as da
import joblib
import numpy as np
import pytest
from dask_ml.wrappers import Incremental
from distributed import Client, LocalCluster, get_task_stream
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbpnet import BPClassifier, BPRegressor

pytestmark = [
    pytest.mark.dask,
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

CHUNK = 500


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            # No dashboard. dashboard_address=None would not do it: the
            # scheduler's HTTP server still takes port 8787 and warns (an
            # error here) when that port is in use (dask/distributed#8136).
            # So the server gets any free loopback port (":0" would listen on
            # every interface) and serves no dashboard pages.
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _workers_used(task_stream):
    return {task["worker"] for task in task_stream.data}


def test_grid_search_under_joblib_dask_backend_matches_local(client):
    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=5, random_state=0
    )
    search = GridSearchCV(
        make_pipeline(
            StandardScaler(),
            BPClassifier(solver="lbfgs", max_iter=50, random_state=0),
        ),
        {
            "bpclassifier__alpha": [1e-4, 3.0],
            "bpclassifier__hidden_layer_sizes": [(4,), (16,)],
            "bpclassifier__activation": ["relu", "tanh"],
        },
        cv=3,
    )
    local = GridSearchCV(search.estimator, search.param_grid, cv=3, n_jobs=1)
    local.fit(X, y)

    with get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        search.fit(X, y)

    # The 8 candidates x 3 folds ran on the cluster, on both workers.
    assert len(tasks.data) >= 2
    assert _workers_used(tasks) == set(client.scheduler_info()["workers"])
    assert search.best_params_ == local.best_params_
    assert_array_equal(
        search.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert search.best_score_ == local.best_score_ > 0.8
    best, best_local = search.best_estimator_[-1], local.best_estimator_[-1]
    for W, W_local in zip(best.coefs_, best_local.coefs_):
        assert_array_equal(W, W_local)


def _dask_classification(n_samples, seed):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=10,
        n_informative=6,
        class_sep=1.2,
        random_state=seed,
    )
    return X, y, da.from_array(X, chunks=(CHUNK, 10)), da.from_array(y, chunks=CHUNK)


def _local_partial_fit(est, X, y, n_passes, **kwargs):
    for _ in range(n_passes):
        for start in range(0, X.shape[0], CHUNK):
            stop = start + CHUNK
            est.partial_fit(X[start:stop], y[start:stop], **kwargs)
    return est


def test_incremental_classifier_on_dask_array(client):
    X, y, Xd, yd = _dask_classification(4000, seed=0)
    # Train on the first 3000 rows (6 blocks), score on the 1000 held out.
    Xd_train, yd_train, Xd_test, yd_test = Xd[:3000], yd[:3000], Xd[3000:], yd[3000:]
    X_test, y_test = X[3000:], y[3000:]
    params = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)

    inc = Incremental(BPClassifier(**params), scoring="accuracy", shuffle_blocks=False)
    with get_task_stream(client) as tasks:
        inc.fit(Xd_train, yd_train, classes=[0, 1])
        inc.partial_fit(Xd_train, yd_train, classes=[0, 1])  # a second pass
    assert _workers_used(tasks), "nothing ran on the cluster"

    est = inc.estimator_
    assert isinstance(est, BPClassifier)
    assert est.t_ == 2 * 3000  # every sample seen once per pass, via partial_fit
    assert_array_equal(est.classes_, [0, 1])

    # Exactly the model of a local partial_fit loop over the same blocks.
    local = _local_partial_fit(
        BPClassifier(**params), X[:3000], y[:3000], n_passes=2, classes=[0, 1]
    )
    for W, W_local in zip(
        est.coefs_ + est.intercepts_, local.coefs_ + local.intercepts_
    ):
        assert_array_equal(W, W_local)

    pred = inc.predict(Xd_test)
    assert isinstance(pred, da.Array)
    pred = pred.compute()
    assert pred.shape == (1000,)
    assert_array_equal(pred, local.predict(X_test))
    proba = inc.predict_proba(Xd_test).compute()
    assert proba.shape == (1000, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    score = inc.score(Xd_test, yd_test)
    assert score > 0.8, f"accuracy {score:.3f} is not well above chance (0.5)"
    assert score == pytest.approx(np.mean(pred == y_test))


def test_incremental_regressor_on_dask_array(client):
    X, y = make_regression(n_samples=3000, n_features=10, noise=1.0, random_state=0)
    y = y / y.std()
    Xd = da.from_array(X, chunks=(CHUNK, 10))
    yd = da.from_array(y, chunks=CHUNK)
    params = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    inc = Incremental(BPRegressor(**params), scoring="r2", shuffle_blocks=False)
    for _ in range(3):
        inc.partial_fit(Xd[:2500], yd[:2500])
    local = _local_partial_fit(BPRegressor(**params), X[:2500], y[:2500], n_passes=3)
    for W, W_local in zip(inc.estimator_.coefs_, local.coefs_):
        assert_array_equal(W, W_local)
    pred = inc.predict(Xd[2500:])
    assert isinstance(pred, da.Array)
    pred = pred.compute()
    assert_array_equal(pred, local.predict(X[2500:]))
    # (dask_ml's own r2 scorer trips over dask's unknown chunk sizes here.)
    assert r2_score(y[2500:], pred) > 0.9
