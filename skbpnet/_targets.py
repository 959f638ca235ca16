"""Single-label classification targets kept as class codes.

A one-hot target matrix has ``n_samples x n_classes`` floats: 4.8 MB for
60000 samples and 10 classes, more than all of a network's working buffers.
:class:`OneHotRows` stores one int32 code per sample and writes one-hot rows
only for the rows a mini-batch asks for, into the batch's own buffer, so the
targets cost memory in proportion to ``y`` rather than ``y x n_classes``.

It answers the few array operations the training loop uses on targets
(``shape``, ``dtype``, ``take(..., out=)``, indexing by a slice or an index
array) and turns into the dense matrix with ``np.asarray`` where a whole
matrix is needed (L-BFGS, which works on all rows at once anyway).

This module imports NumPy only.
"""

import numpy as np

#: Codes per chunk where a whole-array operation would copy them.
_CHUNK = 8192


class OneHotRows:
    """One-hot (or, with one column, 0/1) targets stored as class codes.

    Parameters
    ----------
    codes : ndarray of int of shape (n_samples,)
        The class index of every sample.
    n_columns : int
        Columns of the dense matrix: the number of classes, or 1 for binary
        targets (whose single column is 1 for class 1).
    dtype : dtype
        dtype of the dense rows.
    """

    ndim = 2

    def __init__(self, codes, n_columns, dtype):
        self.codes = np.asarray(codes)
        self.shape = (self.codes.shape[0], int(n_columns))
        self.dtype = np.dtype(dtype)

    def __len__(self):
        return self.shape[0]

    def _fill(self, codes, out):
        out.fill(0)
        if self.shape[1] == 1:
            out[:, 0] = codes
        else:
            out[np.arange(codes.shape[0]), codes] = 1
        return out

    def take(self, indices, axis=0, out=None, mode="raise"):
        """Dense rows ``indices`` (an index array or a slice; ``axis`` must
        be 0), written into ``out``."""
        if axis != 0:
            raise ValueError("OneHotRows.take supports axis=0 only.")
        if isinstance(indices, slice):
            codes = self.codes[indices]
        else:
            codes = self.codes.take(indices, mode=mode)
        if out is None:
            out = np.empty((codes.shape[0], self.shape[1]), dtype=self.dtype)
        return self._fill(codes, out)

    def __getitem__(self, rows):
        """Dense rows for a slice or an index array."""
        codes = self.codes[rows]
        if codes.ndim != 1:
            raise IndexError("OneHotRows supports row selection only.")
        out = np.empty((codes.shape[0], self.shape[1]), dtype=self.dtype)
        return self._fill(codes, out)

    def select(self, rows):
        """The targets of ``rows`` (an index array), still as class codes."""
        return OneHotRows(self.codes[rows], self.shape[1], self.dtype)

    def column_means(self, s):
        """Column means of the dense matrix, weighted by ``s``.

        ``s`` is an array of row weights summing to one, or a scalar (equal
        weights).  Counted from the codes: the dense matrix is not built.
        """
        weights = s if isinstance(s, np.ndarray) else None
        freq = np.zeros(max(self.shape[1], 2))
        # In chunks: bincount copies int32 codes to int64, all at once, and
        # this runs at the end of every fit (the training checks' reference).
        for start in range(0, self.shape[0], _CHUNK):
            rows = slice(start, start + _CHUNK)
            freq += np.bincount(
                self.codes[rows],
                weights=None if weights is None else weights[rows],
                minlength=freq.shape[0],
            )
        if weights is None:
            freq /= self.shape[0]
        # One column holds the indicator of class 1.
        return freq[1:2] if self.shape[1] == 1 else freq

    def __array__(self, dtype=None, copy=None):
        dense = self[:]
        return dense if dtype is None else dense.astype(dtype, copy=False)
