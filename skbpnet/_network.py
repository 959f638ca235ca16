"""The backpropagation engine: a layered network on one flat parameter vector.

Notation (the chapter's): layer ``l`` computes ``Z_l = A_{l-1} W_l + b_l`` and
``A_l = f_l(Z_l)``; ``A_0 = X`` (the input layer does nothing) and the output
layer is linear, its link being part of the loss.  Backpropagation is the chain
rule run backwards:

.. math::

    \\delta_L = s \\odot (g^{-1}(Z_L) - Y), \\qquad
    \\frac{\\partial J}{\\partial W_l} = A_{l-1}^T \\delta_l + \\lambda W_l, \\qquad
    \\frac{\\partial J}{\\partial b_l} = \\mathbf{1}^T \\delta_l, \\qquad
    \\delta_{l-1} = (\\delta_l W_l^T) \\odot f'_{l-1}(Z_{l-1}),

with ``s`` the normalised sample weights and ``lambda = alpha / total weight``.

Every weight and bias is a view into one flat vector ``params`` and every
gradient a view into ``grad``; optimizers and L-BFGS act on the flat vectors.
Work arrays are allocated once per batch size and reused.

This module imports NumPy and SciPy only, never scikit-learn.
"""

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from ._initializers import resolve_initializer
from ._layers import Dense, make_layer
from ._losses import LOSSES

#: Dropout draws its uniforms in float64 blocks of this many values:
#: ``RandomState`` has neither float32 draws nor ``out=``, so one draw for a
#: whole batch x width mask would allocate a float64 array of that size.
#: Consecutive draws continue one stream, so the masks do not depend on it.
_DRAW_BLOCK = 8192


def _draw_mask(rng, p, mask):
    """Fill ``mask`` with 1 where a uniform draw is >= ``p``, else 0."""
    if not mask.flags.c_contiguous:  # reshape would copy: fill it whole
        mask[...] = rng.random_sample(mask.shape) >= p
        return
    flat = mask.reshape(-1)
    for start in range(0, flat.shape[0], _DRAW_BLOCK):
        block = flat[start : start + _DRAW_BLOCK]
        np.greater_equal(rng.random_sample(block.shape[0]), p, out=block)


def build_layers(hidden_layer_sizes, activations, n_outputs, maxout_pieces=2):
    """Hidden layer objects followed by the linear output layer."""
    layers = [
        make_layer(units, act, maxout_pieces)
        for units, act in zip(hidden_layer_sizes, activations)
    ]
    layers.append(Dense(n_outputs, "identity"))
    return layers


def weight_shapes(n_features, layers):
    """``(fan_in, columns)`` of each layer's weight matrix."""
    fan_ins = [n_features] + [layer.units for layer in layers[:-1]]
    return [(fi, layer.n_cols) for fi, layer in zip(fan_ins, layers)]


#: Entries per BLAS dot in a sum of squares.  OpenBLAS runs a dot of up to
#: 10000 entries on the calling thread; longer ones wake its other threads,
#: which on a busy machine costs more than the sum itself.
_DOT_CHUNK = 8192

#: Rows per chunk in prediction: hidden activations of a chunk stay in cache
#: and are small enough to be recycled by the allocator without page faults.
PREDICT_CHUNK = 1024


def forward(layers, X, coefs, intercepts, workers=1):
    """Raw outputs ``Z_L`` of a network given as layers and weight lists.

    Large inputs are processed in chunks of :data:`PREDICT_CHUNK` rows.  It
    allocates its own arrays (no shared work buffers), so concurrent calls on
    one fitted model are safe.  See :func:`forward_checked` for ``workers``.
    """
    return forward_checked(layers, X, coefs, intercepts, workers)[0]


def forward_checked(layers, X, coefs, intercepts, workers=1):
    """Raw outputs, and whether every row of ``X`` was finite.

    A NaN or infinity anywhere in a row of ``X`` makes *every* entry of that
    row of ``X W_1 + b_1`` non-finite (``inf * w`` is infinite or, for
    ``w = 0``, NaN, and a sum with a non-finite term stays non-finite), so
    summing one column of the first pre-activation detects bad input at the
    cost of a column instead of a pass over ``X``.  The sum may also overflow
    for huge finite inputs: ``False`` therefore means "check ``X``", not "``X``
    is not finite".

    Parameters
    ----------
    layers, coefs, intercepts : lists
        The network, layer by layer.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    workers : int, default=1
        Threads that share the chunks, taking them one at a time.  Use more
        than one only with a single-threaded BLAS (NumPy releases the GIL in
        ``matmul``, so the threads' products run in parallel).

    Returns
    -------
    Z : ndarray of shape (n_samples, n_outputs)
    finite : bool
    """
    n = X.shape[0]
    if n <= PREDICT_CHUNK:
        return _forward_chunk(layers, X, coefs, intercepts)
    dtype = np.result_type(X.dtype, coefs[-1].dtype)
    out = np.empty((n, coefs[-1].shape[1]), dtype=dtype)

    starts = range(0, n, PREDICT_CHUNK)
    workers = max(1, min(int(workers), len(starts)))
    # Chunks are handed out one at a time, so a thread that the (shared)
    # machine slows down simply takes fewer of them.
    queue = iter(starts)
    lock = threading.Lock()
    # Set when a thread fails (an error, Ctrl-C in the calling thread): the
    # others then stop at their next chunk instead of computing all the rest
    # before the exception can leave the call.
    failed = threading.Event()
    errstate = np.geterr()

    def run():
        # NumPy's error state is per thread: take the caller's, so that an
        # ``np.errstate`` around the call covers every chunk.
        finite = True
        try:
            with np.errstate(**errstate):
                while True:
                    with lock:
                        start = None if failed.is_set() else next(queue, None)
                    if start is None:
                        return finite
                    stop = min(start + PREDICT_CHUNK, n)
                    out[start:stop], ok = _forward_chunk(
                        layers, X[start:stop], coefs, intercepts
                    )
                    finite = finite and ok
        except BaseException:
            failed.set()
            raise

    if workers == 1:
        return out, run()
    with ThreadPoolExecutor(workers - 1) as pool:
        others = [pool.submit(run) for _ in range(workers - 1)]
        finite = run()
        finite = all([f.result() for f in others]) and finite
    return out, finite


def _forward_chunk(layers, X, coefs, intercepts):
    A = X
    finite = True
    for i, (layer, W, b) in enumerate(zip(layers, coefs, intercepts)):
        Z = A @ W
        Z += b
        if i == 0:
            finite = bool(np.isfinite(np.add.reduce(Z[:, 0])))
        A = layer.activate(Z, None)
    return A, finite


class Network:
    """A feed-forward network with flat parameter and gradient buffers.

    Parameters
    ----------
    n_features : int
        Width of the input layer.
    hidden_layer_sizes : sequence of int
        Units per hidden layer.
    activations : sequence of str
        One canonical activation name per hidden layer (``'maxout'`` included).
    n_outputs : int
        Width of the (linear) output layer.
    loss : str
        A key of :data:`skbpnet._losses.LOSSES`.
    maxout_pieces : int, default=2
        Pieces per maxout unit.
    dropout : sequence of float, optional
        Drop probability per hidden layer (training only).
    dtype : dtype, default=np.float64
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        activations,
        n_outputs,
        loss,
        maxout_pieces=2,
        dropout=None,
        dtype=np.float64,
    ):
        self.dtype = np.dtype(dtype)
        self.loss = LOSSES[loss]
        self.layers = build_layers(
            hidden_layer_sizes, activations, n_outputs, maxout_pieces
        )
        self.dropout = [float(p) for p in dropout] if dropout is not None else []
        self.dropout += [0.0] * (len(self.layers) - 1 - len(self.dropout))

        self.shapes = weight_shapes(n_features, self.layers)
        # Layout: every weight matrix first, then every bias vector, so that
        # the L2 penalty and its gradient act on one contiguous slice.
        self.n_weights = int(sum(fi * fo for fi, fo in self.shapes))
        self.n_params = self.n_weights + int(sum(fo for _, fo in self.shapes))
        self.params = np.zeros(self.n_params, dtype=self.dtype)
        self.grad = np.zeros(self.n_params, dtype=self.dtype)
        self.coefs, self.intercepts = self._views(self.params)
        #: Factor from the trained data loss to the reported one (``loss_``).
        self.report_scale = self.loss.report_scale(n_outputs)
        self.grad_coefs, self.grad_intercepts = self._views(self.grad)
        self._grad_flat = [g.reshape(-1) for g in self.grad_coefs]
        #: Scratch of the weights' size for the L2 term; allocated on first
        #: use unless the caller lends one (the training loop lends the
        #: optimizer's).
        self.l2_scratch = None
        self._n_buffer = 0

    def _views(self, flat):
        """Per-layer (W, b) views into a flat vector of this layout."""
        coefs, intercepts = [], []
        w_start, b_start = 0, self.n_weights
        for fan_in, fan_out in self.shapes:
            w_stop = w_start + fan_in * fan_out
            coefs.append(flat[w_start:w_stop].reshape(fan_in, fan_out))
            intercepts.append(flat[b_start : b_start + fan_out])
            w_start, b_start = w_stop, b_start + fan_out
        return coefs, intercepts

    # ------------------------------------------------------------------ state
    def initialize(self, init, rng):
        """Draw every weight matrix with ``init`` and zero the biases.

        ``init`` is called once per weight matrix, in layer order, output layer
        last, as ``init(fan_in, fan_out, rng, dtype)``.
        """
        for layer, (fan_in, fan_out), W, b in zip(
            self.layers, self.shapes, self.coefs, self.intercepts
        ):
            activation = None if layer is self.layers[-1] else layer.activation
            initializer = resolve_initializer(init, activation)
            values = np.asarray(initializer(fan_in, fan_out, rng, self.dtype))
            if values.shape != (fan_in, fan_out):
                raise ValueError(
                    f"init returned an array of shape {values.shape}; expected "
                    f"(fan_in, fan_out) = {(fan_in, fan_out)}."
                )
            if values.dtype.kind not in "biuf":
                # Complex values would lose their imaginary part in the cast.
                raise TypeError(
                    f"init must return real numbers; it returned an array of "
                    f"dtype {values.dtype}."
                )
            with np.errstate(over="ignore", invalid="ignore"):
                W[...] = values
            # Checked after the cast: finite float64 values can overflow a
            # float32 network's weights.
            if not np.all(np.isfinite(W)):
                raise ValueError(
                    f"init returned weights that are not finite in {self.dtype.name}."
                )
            b.fill(0)

    def set_weights(self, coefs, intercepts):
        """Copy lists of weight matrices and bias vectors into ``params``."""
        for W, b, W_new, b_new in zip(self.coefs, self.intercepts, coefs, intercepts):
            W[...] = W_new
            b[...] = b_new

    def get_weights(self):
        """Return independent copies of the weights and biases."""
        return [W.copy() for W in self.coefs], [b.copy() for b in self.intercepts]

    def penalty(self, params=None):
        """Half the sum of squared weights (biases excluded).

        Of the network's parameters, or of a flat vector ``params`` laid out
        like them (an L-BFGS iterate).
        """
        # Accumulated in float64 (einsum's dtype): a float32 BLAS dot, as in
        # _square_sum, would round loss_ for large float32 layers. Once per
        # epoch or evaluation, so its speed hardly matters.
        W = (self.params if params is None else params)[: self.n_weights]
        return 0.5 * float(np.einsum("i,i->", W, W, dtype=np.float64))

    def reported_loss(self, data_loss, penalty):
        """``loss_`` for a data loss and a penalty term: as scikit-learn's MLP
        reports it (the squared error of several outputs averaged over them),
        which is the trained objective for every other loss."""
        if self.report_scale == 1.0:
            return data_loss + penalty
        return data_loss * self.report_scale + penalty

    def output_losses(self, X, Y, s, rows=None):
        """Data loss of the current weights, output by output, on whole data.

        What the loss's ``output_losses`` gives, summed over chunks of
        :data:`PREDICT_CHUNK` rows of ``X`` and ``Y`` (``rows`` of them, an
        index array, or all), so the memory used is a chunk's, whatever the
        data's size. ``s`` are the weights of
        those rows in that order (summing to one), or a scalar. No dropout.
        """
        n = X.shape[0] if rows is None else rows.shape[0]
        total = 0.0
        for start in range(0, n, PREDICT_CHUNK):
            chunk = slice(start, start + PREDICT_CHUNK)
            idx = chunk if rows is None else rows[chunk]
            Z = forward(self.layers, X[idx], self.coefs, self.intercepts)
            s_chunk = s[chunk] if isinstance(s, np.ndarray) else s
            total = total + self.loss.output_losses(Z, Y[idx], s_chunk)
        return total

    # ------------------------------------------------------------- prediction
    def predict(self, X):
        """Outputs after the loss's inverse link, without the work arrays.

        What training scores its validation rows with. Rows whose raw outputs
        are not finite are NaN (so they score as wrong), although the sigmoid
        maps +-inf to a finite 0 or 1; the estimators' own predictions
        (:func:`forward_checked`) raise on them instead.
        """
        raw = forward(self.layers, X, self.coefs, self.intercepts)
        # Before the link, which works in place.
        overflow = ~np.isfinite(raw).all(axis=1)
        out = self.loss.inverse_link(raw)
        out[overflow] = np.nan
        return out

    # --------------------------------------------------------------- training
    def _ensure_buffers(self, n):
        if n <= self._n_buffer:
            return
        dt = self.dtype
        self._Z = [np.empty((n, layer.n_cols), dtype=dt) for layer in self.layers]
        self._dA = [np.empty((n, layer.units), dtype=dt) for layer in self.layers[:-1]]
        self._drop = [
            (np.empty((n, layer.units), dtype=dt), np.empty((n, layer.units), dtype=dt))
            if p > 0
            else None
            for layer, p in zip(self.layers, self.dropout)
        ]
        self._delta_out = np.empty((n, self.layers[-1].n_cols), dtype=dt)
        self._loss_scratch = (
            np.empty_like(self._delta_out) if self.loss.needs_scratch else None
        )
        # Column sums as ones @ delta: a BLAS product, 2-3 times faster than
        # np.add.reduce(delta, axis=0) at batch shapes.
        self._ones = np.ones(n, dtype=dt)
        self._caches = [{} for _ in self.layers]
        self._n_buffer = n

    def forward(self, X, rng=None):
        """Forward pass on a batch into the work arrays; returns raw ``Z_L``.

        With ``rng`` given, inverted dropout is applied to hidden outputs.
        """
        n = X.shape[0]
        self._ensure_buffers(n)
        sparse = sp.issparse(X)
        self._A_pre, self._A_out, self._masks = [], [], []
        A = X
        last = len(self.layers) - 1
        for i, (layer, W, b) in enumerate(
            zip(self.layers, self.coefs, self.intercepts)
        ):
            Z = self._Z[i][:n]
            if i == 0 and sparse:
                Z[...] = A @ W
            else:
                np.matmul(A, W, out=Z)
            Z += b
            if i == last:
                return Z
            A = layer.activate(Z, self._caches[i])
            self._A_pre.append(A)
            mask = None
            p = self.dropout[i]
            if rng is not None and p > 0:
                D, mask = (buf[:n] for buf in self._drop[i])
                # Inverted dropout: keep with prob 1-p and scale by 1/(1-p) so
                # the expected output equals the deterministic one at predict.
                _draw_mask(rng, p, mask)
                mask *= 1.0 / (1.0 - p)
                np.multiply(A, mask, out=D)
                A = D
            self._masks.append(mask)
            self._A_out.append(A)
        return A  # pragma: no cover - the loop always returns

    def backward(self, X, delta):
        """Fill ``grad`` from the output delta of the last :meth:`forward`."""
        n = X.shape[0]
        sparse = sp.issparse(X)
        for i in range(len(self.layers) - 1, -1, -1):
            W, gW, gb = self.coefs[i], self.grad_coefs[i], self.grad_intercepts[i]
            A_prev = X if i == 0 else self._A_out[i - 1]
            if i == 0 and sparse:
                gW[...] = A_prev.T @ delta
            else:
                np.matmul(A_prev.T, delta, out=gW)
            np.matmul(self._ones[:n], delta, out=gb)
            if i == 0:
                break  # no gradient for the input layer
            dA = self._dA[i - 1][:n]
            np.matmul(delta, W.T, out=dA)
            if self._masks[i - 1] is not None:
                dA *= self._masks[i - 1]
            delta = self.layers[i - 1].backward(
                dA, self._A_pre[i - 1], self._caches[i - 1]
            )

    def loss_grad(self, X, Y, s, l2, rng=None):
        """Data loss on a batch and the gradient of the regularised loss.

        The returned value excludes the penalty ``l2 * penalty()`` (the
        callers add it once per epoch or per L-BFGS evaluation); the gradient
        in ``grad`` includes it.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n, n_features)
        Y : ndarray of shape (n, n_outputs)
        s : float or ndarray of shape (n,)
            Sample weights of the batch: normalised to sum to one, or those
            of a weighted mini-batch as :class:`_Batches
            <skbpnet._batches._Batches>` scales them.
        l2 : float
            ``alpha / total sample weight of the training set``.
        rng : RandomState or None
            Source of dropout masks; ``None`` disables dropout.
        """
        Z = self.forward(X, rng)
        delta = self._delta_out[: X.shape[0]]
        loss = self.loss.value_and_delta(Z, Y, s, delta, self._scratch_rows(X.shape[0]))
        self.backward(X, delta)
        if l2:
            # The penalty's gradient, l2 * W, added to all weights at once.
            if self.l2_scratch is None:
                self.l2_scratch = np.empty(self.n_weights, dtype=self.dtype)
            scaled = np.multiply(self.params[: self.n_weights], l2, out=self.l2_scratch)
            self.grad[: self.n_weights] += scaled
        return loss

    def loss_value(self, X, Y, s):
        """Data loss on a batch without the backward pass.

        The same arithmetic as :meth:`loss_grad`'s value (so the same bits),
        for callers that need many losses and no gradient: the finite
        differences of :func:`skbpnet.gradient_check`.
        """
        Z = self.forward(X)
        n = X.shape[0]
        return self.loss.value_and_delta(
            Z, Y, s, self._delta_out[:n], scratch=self._scratch_rows(n)
        )

    def _scratch_rows(self, n):
        """The loss's scratch for ``n`` rows (None for a loss without one)."""
        return None if self._loss_scratch is None else self._loss_scratch[:n]

    def gradient_norms(self, out=None):
        """Root mean square of each weight matrix's gradient."""
        if out is None:
            out = np.empty(len(self.grad_coefs))
        for i, g in enumerate(self._grad_flat):
            square_sum = _square_sum(g)
            # math.isfinite: a fifth of np.isfinite's cost on a scalar, which
            # counts for small networks (this runs once per batch).
            if math.isfinite(square_sum):
                out[i] = math.sqrt(square_sum / g.shape[0])
            else:
                out[i] = _scaled_rms(g)
        return out


def _scaled_rms(g):
    """Root mean square of ``g`` without overflow in its squares.

    Squares overflow for entries from about 1e19 in float32 and 1e154 in
    float64 (an exploding network), while the root mean square itself is
    representable: scaling by the largest entry keeps every square <= 1.
    Slower, so only the fallback of :meth:`Network.gradient_norms`.
    """
    largest = float(np.max(np.abs(g)))
    if not math.isfinite(largest) or largest == 0.0:
        return largest  # inf or NaN entries; or all zero
    scaled = g.astype(np.float64) / largest
    return largest * math.sqrt(float(scaled @ scaled) / g.shape[0])


def _square_sum(g):
    """``g . g`` as single-threaded BLAS dots over chunks of ``g``.

    Two to four times faster than ``np.einsum("i,i->", g, g)``, without waking
    BLAS threads (see ``_DOT_CHUNK``).
    """
    if g.shape[0] <= _DOT_CHUNK:
        return g.dot(g)
    total = 0.0
    for start in range(0, g.shape[0], _DOT_CHUNK):
        part = g[start : start + _DOT_CHUNK]
        total += float(part.dot(part))
    return total
