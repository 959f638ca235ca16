"""Mini-batches: their size, their rows and their sample weights."""

import warnings

import numpy as np
import scipy.sparse as sp

from ._safeguards import _user_stacklevel


def _normalised_weights(sample_weight, n, dtype):
    """Per-sample weights summing to one, and the total weight."""
    if sample_weight is None:
        return 1.0 / n, float(n)
    total = float(sample_weight.sum())
    return (sample_weight / total).astype(dtype, copy=False), total


def _positive_rows(sample_weight):
    """Indices of the rows of positive weight; None when every row has one.

    A row of weight 0 is absent (an integer weight ``k`` is ``k`` copies of a
    row), but inside the sums it is not harmless: if its outputs overflow,
    ``0 * inf`` is NaN and the whole loss and gradient become NaN.
    """
    if sample_weight is None:
        return None
    keep = sample_weight > 0
    return None if keep.all() else np.flatnonzero(keep)


def _select_targets(Y, sample_weight, rows):
    """``rows`` of ``Y`` and ``sample_weight`` (all of them if None)."""
    if rows is None:
        return Y, sample_weight
    Y = Y.select(rows) if hasattr(Y, "select") else Y[rows]
    return Y, None if sample_weight is None else sample_weight[rows]


def _select_rows(X, Y, sample_weight, rows):
    """``rows`` of ``X``, ``Y`` and ``sample_weight`` (all of them if None)."""
    Y, sample_weight = _select_targets(Y, sample_weight, rows)
    return (X if rows is None else X[rows]), Y, sample_weight


def _drop_weightless(X, Y, sample_weight):
    """The rows of positive weight of ``X``, ``Y`` and ``sample_weight``.

    Returns the inputs unchanged (no copy) when every weight is positive.
    """
    return _select_rows(X, Y, sample_weight, _positive_rows(sample_weight))


def _batch_size(batch_size, n_samples):
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn(
            f"batch_size={batch_size} is larger than the {n_samples} training "
            "samples; using full batches of all of them.",
            UserWarning,
            stacklevel=_user_stacklevel(),
        )
    return min(int(batch_size), n_samples)


class _Batches:
    """Gather mini-batches into reused buffers (no allocation per batch).

    Called with a slice (rows in order) it returns views; called with an
    index array it gathers rows of ``X``, ``Y`` and the weights with
    ``np.take(..., out=)``.  Sparse ``X``, and dense ``X`` that is not
    C-contiguous, are indexed normally.  Returns
    ``(X_b, Y_b, s, weight, own)``: ``s`` the batch's weights (a scalar when
    unweighted), ``weight`` what the batch's loss is multiplied by to give
    its weighted sum (0 for a batch of zero weight), and ``own`` the batch's
    total weight (its loss times ``weight / own`` is its weighted mean).

    The weights are divided by the batch's size times ``mean_weight`` (the
    training rows' mean weight), not by the batch's own total. The batch's
    gradient is then an unbiased estimate of the gradient of the weighted
    mean loss over the training set; at fixed parameters, an epoch's batch
    gradients averaged in proportion to the batches' sizes equal it. The
    price is variance: a row weighing k times the mean moves its batch's
    step k times as much.
    Normalising within each batch (as scikit-learn's MLP does) would be a
    ratio estimate, biased towards the unweighted mean; with one row per
    batch, it would drop the weights from the data term altogether.
    """

    def __init__(self, X, Y, sample_weight, batch_size, mean_weight=1.0):
        if isinstance(Y, np.ndarray) and not Y.flags.c_contiguous:
            # np.take would copy all of Y for every batch (see X below). The
            # targets are the caller's y converted (a column of a larger
            # array, a DataFrame of several outputs), so one copy here is
            # small next to X and keeps an epoch linear in the rows.
            Y = np.ascontiguousarray(Y)
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.batch_size = batch_size
        self.mean_weight = float(mean_weight)
        # np.take reads from a C-contiguous source only: given any other
        # layout (a Fortran-ordered memmap, say) it first copies all of X.
        # Fancy indexing gathers the batch from any layout.
        self.take = not sp.issparse(X) and X.flags.c_contiguous
        if self.take:
            self._X = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
        self._Y = np.empty((batch_size, Y.shape[1]), dtype=Y.dtype)
        if sample_weight is not None:
            self._sw = np.empty(batch_size, dtype=sample_weight.dtype)
        self._rows = None

    def sorted_rows(self, rows):
        """A sorted copy of the row indices ``rows``, in a reused buffer.

        Rows in ascending order make the gather read memory forward (about
        twice as fast), and a batch's gradient is a sum over its rows, so
        their order within the batch does not matter. A copy, not ``rows``
        sorted in place: that is a view of the epoch's order, which the next
        epoch's shuffle permutes (sorting it would make the shuffles depend
        on the batch size, and differ from scikit-learn's).
        """
        if self._rows is None or self._rows.dtype != rows.dtype:
            self._rows = np.empty(self.batch_size, dtype=rows.dtype)
        out = self._rows[: rows.shape[0]]
        out[...] = rows
        out.sort()
        return out

    def __call__(self, idx):
        if isinstance(idx, slice):
            X_b = self.X[idx]
            if isinstance(self.Y, np.ndarray):
                Y_b = self.Y[idx]
            else:  # class codes: their one-hot rows go into the buffer
                Y_b = self.Y.take(idx, out=self._Y[: idx.stop - idx.start])
            sw_b = None if self.sample_weight is None else self.sample_weight[idx]
        else:
            n = idx.shape[0]
            if self.take:
                X_b = self.X.take(idx, axis=0, out=self._X[:n], mode="clip")
            else:
                X_b = self.X[idx]
            Y_b = self.Y.take(idx, axis=0, out=self._Y[:n], mode="clip")
            sw_b = None
            if self.sample_weight is not None:
                sw_b = self.sample_weight.take(idx, out=self._sw[:n], mode="clip")
        n = Y_b.shape[0]
        if sw_b is None:
            return X_b, Y_b, 1.0 / n, n, n
        own = float(sw_b.sum())
        if own == 0:
            return X_b, Y_b, sw_b, 0.0, own
        unit = n * self.mean_weight
        # Divided, not multiplied by 1 / unit: that overflows for subnormal
        # weights.
        return X_b, Y_b, sw_b / unit, unit, own


def _check_weight_total(sample_weight, name):
    """Finite, non-negative weights with a positive, finite sum."""
    if not np.isfinite(sample_weight).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    if (sample_weight < 0).any():
        raise ValueError(f"{name} has negative values; weights must be >= 0.")
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
    if not total > 0:
        raise ValueError(
            f"{name} sums to zero: at least one sample needs a positive weight."
        )
    if not np.isfinite(total):
        raise ValueError(
            f"{name} is too large: the weights sum to more than the largest "
            f"{sample_weight.dtype}. Rescale them."
        )
