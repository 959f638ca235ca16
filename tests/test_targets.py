"""Class-code targets: dense rows on demand, and what they save in memory."""

import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelBinarizer

from skbpnet import BPClassifier
from skbpnet._targets import OneHotRows


def test_rows_match_the_dense_matrix():
    codes = np.array([2, 0, 1, 2, 2, 0], dtype=np.int32)
    Y = OneHotRows(codes, 3, np.float32)
    dense = np.eye(3, dtype=np.float32)[codes]
    assert Y.shape == (6, 3) and Y.dtype == np.float32 and len(Y) == 6
    assert_array_equal(np.asarray(Y), dense)
    assert np.asarray(Y, dtype=np.float64).dtype == np.float64
    assert_array_equal(Y[::2], dense[::2])
    assert_array_equal(Y[np.array([5, 1])], dense[[5, 1]])
    # take() overwrites every entry of a dirty buffer, and clips like NumPy.
    out = np.full((3, 3), np.nan, dtype=np.float32)
    Y.take(np.array([0, 3, 99]), axis=0, out=out, mode="clip")
    assert_array_equal(out, dense[[0, 3, 5]])
    with pytest.raises(ValueError, match="axis=0"):
        Y.take(np.array([0]), axis=1)
    with pytest.raises(IndexError):
        Y[0]


def test_binary_targets_have_one_column():
    codes = np.array([1, 0, 0, 1], dtype=np.int32)
    Y = OneHotRows(codes, 1, np.float64)
    assert_array_equal(np.asarray(Y), LabelBinarizer().fit_transform(codes))


@pytest.mark.parametrize("n_classes", [2, 50])
def test_fit_memory_does_not_grow_with_samples_times_classes(n_classes):
    # A dense one-hot matrix would be n x n_classes x 8 bytes (8 MB for 50
    # classes); with class codes the extra memory stays around the network's
    # buffers plus O(n) small arrays.
    rng = np.random.RandomState(0)
    n = 20000
    X = rng.randn(n, 5)
    y = np.arange(n) % n_classes
    clf = BPClassifier(hidden_layer_sizes=(8,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        tracemalloc.start()
        try:
            clf.fit(X, y)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    dense_targets = n * n_classes * 8
    # The generous limit: int64 index/label arrays of n entries (~160 KB
    # each) appear in validation and shuffling.
    assert peak < 1_500_000 + 0.1 * dense_targets, peak


@pytest.mark.parametrize("weighted", [False, True])
def test_column_means_count_the_codes_without_copying_them(weighted):
    # The class frequencies, at the end of every fit: bincount of all the
    # int32 codes at once would copy them to int64 (1.6 MB here).
    n = 200_000
    codes = (np.arange(n) % 7).astype(np.int32)
    rows = OneHotRows(codes, 7, np.float64)
    s = np.full(n, 1.0 / n) if weighted else 1.0 / n
    tracemalloc.start()
    try:
        means = rows.column_means(s)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_allclose(means, np.bincount(codes) / n)
    assert peak < 200_000, peak
