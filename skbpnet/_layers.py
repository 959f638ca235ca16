"""Hidden-layer kinds: how a layer turns its pre-activation into its output.

A layer owns no weights; the network stores every weight in one flat vector.
A layer says how many columns its weight matrix has (``n_cols``), how many
values it outputs (``units``), and how to map pre-activations ``Z`` to outputs
``A`` and an output gradient back to a pre-activation gradient.  The two
directions sit side by side, one class per kind.

This module imports NumPy only.
"""

import numpy as np

from ._activations import ACTIVATIONS


class Dense:
    """A fully connected layer followed by an elementwise activation.

    The activation is applied in place, so the output ``A`` is the buffer that
    held ``Z``; the derivative is computed from ``A``.
    """

    kind = "dense"

    def __init__(self, units, activation):
        self.units = units
        self.n_cols = units
        self.activation = activation
        self._forward, self._derivative = ACTIVATIONS[activation]

    def activate(self, Z, cache):
        """Return ``A = f(Z)``, overwriting ``Z``."""
        return self._forward(Z)

    def backward(self, dA, A, cache):
        """Return ``dZ = dA * f'(.)`` computed from ``A``, overwriting ``dA``."""
        return self._derivative(A, dA)


class Maxout:
    """Maxout units: each of ``units`` outputs is the max of ``pieces`` linear maps.

    The weight matrix has ``units * pieces`` columns; the pieces of one unit are
    adjacent columns.  The forward pass remembers which piece won for every
    sample and unit, and the backward pass routes the gradient to that piece
    only (the max is linear in the winning piece).
    """

    kind = "maxout"

    def __init__(self, units, pieces):
        self.units = units
        self.pieces = pieces
        self.n_cols = units * pieces
        self.activation = "maxout"

    def activate(self, Z, cache):
        n = Z.shape[0]
        Z3 = Z.reshape(n, self.units, self.pieces)
        winner = Z3.argmax(axis=2)[..., None]
        if cache is None:
            return np.take_along_axis(Z3, winner, axis=2)[..., 0]
        cache["winner"] = winner
        A = cache.setdefault("A", np.empty((n, self.units), dtype=Z.dtype))
        if A.shape[0] < n:
            A = cache["A"] = np.empty((n, self.units), dtype=Z.dtype)
        A = A[:n]
        A[...] = np.take_along_axis(Z3, winner, axis=2)[..., 0]
        return A

    def backward(self, dA, A, cache):
        n = dA.shape[0]
        dZ = cache.get("dZ")
        if dZ is None or dZ.shape[0] < n:
            dZ = cache["dZ"] = np.empty((n, self.n_cols), dtype=dA.dtype)
        dZ = dZ[:n]
        dZ.fill(0)
        np.put_along_axis(
            dZ.reshape(n, self.units, self.pieces), cache["winner"], dA[..., None], 2
        )
        return dZ


def make_layer(units, activation, maxout_pieces):
    """Build the layer object for one hidden layer."""
    if activation == "maxout":
        return Maxout(units, maxout_pieces)
    return Dense(units, activation)
