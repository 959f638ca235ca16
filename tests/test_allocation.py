"""A training step allocates no array of the batch's or the network's size.

The work arrays are sized once; what an epoch may still allocate is small
vectors of one value per row (row maxima, index arrays), NumPy's own
iteration buffers for broadcast operations (at most 8192 values) and dropout's
uniform draws (blocks of 8192). Measured with
tracemalloc, which sees every NumPy allocation, over whole epochs after the
first (which sizes the buffers).
"""

import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skbpnet import BPClassifier, BPRegressor
from skbpnet._stochastic import _StochasticTraining

BATCH, WIDTH = 200, 1000


def _epoch_peaks(monkeypatch, est, X, y, **fit_params):
    """Peak traced allocation of each epoch, beyond what was allocated before."""
    peaks = []
    run_epoch = _StochasticTraining._run_epoch

    def traced(self, *args, **kwargs):
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = run_epoch(self, *args, **kwargs)
        peaks.append(tracemalloc.get_traced_memory()[1] - before)
        return result

    monkeypatch.setattr(_StochasticTraining, "_run_epoch", traced)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # not converged in 3 epochs
            est.fit(X, y, **fit_params)
    finally:
        tracemalloc.stop()
    return peaks


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=3 * BATCH,
        n_features=30,
        n_informative=10,
        n_classes=3,
        random_state=0,
    )
    return X, y


@pytest.mark.parametrize(
    "activation",
    ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus", "identity", "maxout"],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_training_epochs_allocate_nothing_batch_sized(
    monkeypatch, data, activation, dtype
):
    X, y = data
    est = BPClassifier(
        hidden_layer_sizes=(WIDTH,),
        activation=activation,
        batch_size=BATCH,
        max_iter=3,
        random_state=0,
    )
    peaks = _epoch_peaks(monkeypatch, est, X.astype(dtype), y)
    one_array = BATCH * WIDTH * np.dtype(dtype).itemsize
    # The first epoch sizes the work arrays: several batch x width arrays.
    assert peaks[0] > 2 * one_array
    # Later epochs stay far below a single batch x width array.
    assert max(peaks[1:]) < one_array / 8, peaks


@pytest.mark.parametrize(
    "make, params, fit_params",
    [
        (BPClassifier, {"solver": "sgd"}, {}),
        (BPClassifier, {"hidden_layer_sizes": (WIDTH, WIDTH)}, {}),
        (BPClassifier, {}, {"sample_weight": np.linspace(0.5, 2, 3 * BATCH)}),
        (BPRegressor, {}, {}),
        (BPRegressor, {"loss": "poisson"}, {}),
    ],
)
def test_other_solvers_and_losses_allocate_nothing_batch_sized(
    monkeypatch, data, make, params, fit_params
):
    X, y = data
    kwargs = {"hidden_layer_sizes": (WIDTH,), "batch_size": BATCH, "max_iter": 3}
    est = make(**{**kwargs, **params, "random_state": 0})
    peaks = _epoch_peaks(monkeypatch, est, X, y.astype(float), **fit_params)
    assert max(peaks[1:]) < BATCH * WIDTH * 8 / 8, peaks


@pytest.mark.parametrize("labels", ["binary", "multilabel"])
def test_sigmoid_outputs_allocate_nothing_batch_sized(monkeypatch, data, labels):
    X, y = data
    Y = (y % 2) if labels == "binary" else np.column_stack([y == 0, y == 1])
    est = BPClassifier(
        hidden_layer_sizes=(WIDTH,), batch_size=BATCH, max_iter=3, random_state=0
    )
    peaks = _epoch_peaks(monkeypatch, est, X, Y)
    assert max(peaks[1:]) < BATCH * WIDTH * 8 / 8, peaks


N_OUT = WIDTH // 2


@pytest.mark.parametrize(
    "make, params, target",
    [
        (BPRegressor, {}, "values"),
        (BPRegressor, {"loss": "poisson"}, "counts"),
        (BPClassifier, {}, "multilabel"),
        (BPClassifier, {}, "classes"),
        (BPClassifier, {"shuffle": False}, "classes"),  # batches are slices
        # Column-major targets (a DataFrame's values, say): np.take copied
        # all of them for every batch.
        (BPRegressor, {}, "values, Fortran order"),
        (BPClassifier, {}, "multilabel, Fortran order"),
    ],
)
def test_many_outputs_allocate_nothing_batch_sized(
    monkeypatch, data, make, params, target
):
    # With half as many outputs as hidden units, a batch x outputs temporary
    # in the loss or the targets is half a hidden layer's size: four times
    # this test's limit.
    X, _ = data
    rng = np.random.RandomState(0)
    n = X.shape[0]
    y = {
        "values": rng.normal(size=(n, N_OUT)),
        "counts": rng.poisson(1.0, size=(n, N_OUT)).astype(float),
        "multilabel": rng.randint(0, 2, size=(n, N_OUT)),
        "classes": np.arange(n) % N_OUT,
    }[target.split(",")[0]]
    if target.endswith("Fortran order"):
        y = np.asfortranarray(y)
    kwargs = {"hidden_layer_sizes": (WIDTH,), "batch_size": BATCH, "max_iter": 3}
    est = make(**{**kwargs, **params, "random_state": 0})
    peaks = _epoch_peaks(monkeypatch, est, X, y)
    assert max(peaks[1:]) < BATCH * WIDTH * 8 / 8, peaks


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dropout_masks_are_drawn_in_small_blocks(monkeypatch, data, dtype):
    # RandomState draws float64 and has no out=: one draw per mask would
    # allocate a float64 batch x width array, twice a float32 layer's size.
    X, y = data
    est = BPClassifier(
        hidden_layer_sizes=(WIDTH, WIDTH),
        dropout=0.5,
        batch_size=BATCH,
        max_iter=3,
        random_state=0,
    )
    peaks = _epoch_peaks(monkeypatch, est, X.astype(dtype), y)
    assert max(peaks[1:]) < BATCH * WIDTH * np.dtype(dtype).itemsize / 8, peaks
