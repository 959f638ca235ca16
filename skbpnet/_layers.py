"""Hidden-layer kinds: how a layer turns its pre-activation into its output.

A layer owns no weights; the network stores every weight in one flat vector.
A layer says how many columns its weight matrix has (``n_cols``), how many
values it outputs (``units``), and how to map pre-activations ``Z`` to outputs
``A`` and an output gradient back to a pre-activation gradient.  The two
directions sit side by side, one class per kind.

This module imports NumPy, and SciPy through its activations.
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
        return self._forward(Z, _work(cache, Z))

    def backward(self, dA, A, cache):
        """Return ``dZ = dA * f'(.)`` computed from ``A``, overwriting ``dA``."""
        return self._derivative(A, dA, _work(cache, A))


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
        if cache is None:
            return Z3.max(axis=2)
        # Piece by piece rather than argmax/max along the short last axis:
        # NumPy reduces along a short axis slowly, and this way nothing is
        # allocated. A strict comparison keeps the first of tied pieces.
        A = _scratch(cache, "A", (n, self.units), Z.dtype)
        winner = _scratch(cache, "winner", (n, self.units), np.intp)
        better = _scratch(cache, "better", (n, self.units), bool)
        np.copyto(A, Z3[:, :, 0])
        winner.fill(0)
        for piece in range(1, self.pieces):
            np.greater(Z3[:, :, piece], A, out=better)
            np.copyto(winner, piece, where=better)
            np.maximum(A, Z3[:, :, piece], out=A)
        return A

    def backward(self, dA, A, cache):
        n = dA.shape[0]
        dZ3 = _scratch(cache, "dZ", (n, self.n_cols), dA.dtype).reshape(
            n, self.units, self.pieces
        )
        won = _scratch(cache, "better", (n, self.units), bool)
        winner = cache["winner"][:n]
        # Only the winning piece of each unit receives the gradient.
        for piece in range(self.pieces):
            np.equal(winner, piece, out=won)
            np.multiply(dA, won, out=dZ3[:, :, piece])
        return dZ3.reshape(n, self.n_cols)


def _scratch(cache, key, shape, dtype):
    """The first ``shape[0]`` rows of a work array kept in ``cache``.

    The array is allocated on first use and again only when a larger batch
    comes, so training steps reuse it.
    """
    buf = cache.get(key)
    if buf is None or buf.shape[0] < shape[0] or buf.dtype != dtype:
        buf = cache[key] = np.empty(shape, dtype=dtype)
    return buf[: shape[0]]


def _work(cache, Z):
    """The activations' ``(floats, flags)`` scratch pair for ``Z``, or None."""
    if cache is None:
        return None
    return (
        _scratch(cache, "floats", Z.shape, Z.dtype),
        _scratch(cache, "flags", Z.shape, bool),
    )


def make_layer(units, activation, maxout_pieces):
    """Build the layer object for one hidden layer."""
    if activation == "maxout":
        return Maxout(units, maxout_pieces)
    return Dense(units, activation)
