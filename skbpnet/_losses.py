"""Losses paired with their output activation (canonical links).

Each loss works on the raw output-layer values ``Z`` (logits for the
classifiers) rather than on probabilities, which keeps it finite: the log loss
of a sigmoid output is ``softplus(z) - y z`` and softmax cross-entropy is
``logsumexp(z) - z_y``, so ``log(0)`` can never occur.  With a canonical link
the output delta is simply

.. math::

    \\delta^{(L)} = s \\odot (g^{-1}(Z) - Y),

where ``s`` holds the per-sample weights: normalised to sum to one (over
the training set with L-BFGS, over the batch in an unweighted mini-batch),
or a weighted mini-batch's weights divided by its size times the training
set's mean weight (see :class:`skbpnet._batches._Batches`).  Every
loss is a weighted mean over samples of a per-sample loss summed over the
outputs, which is what scikit-learn's MLP minimises for all of its losses.

This module imports NumPy and SciPy only.
"""

import functools

import numpy as np
from scipy.special import expit, xlogy


def _weighted_sum(per_sample, s):
    """Sum of ``per_sample`` weighted by ``s`` (an array or a scalar).

    NumPy's pairwise sum of the products, not a BLAS dot, which accumulates
    float32 in float32 one term at a time (4e-7 relative over a million rows).
    """
    if not isinstance(s, np.ndarray):
        return float(per_sample.sum() * s)
    return float((per_sample * s).sum())


def _weighted_mean(Y, s):
    """Column means of ``Y`` weighted by ``s`` (an array or a scalar 1/n).

    ``Y`` may also be targets kept as class codes (``column_means``), whose
    dense matrix is not built for this.
    """
    if hasattr(Y, "column_means"):
        return Y.column_means(s)
    # In float64: float32 sums can leave a column of ones with a mean just
    # above 1, whose binary entropy is NaN. Both reductions cast in buffers
    # (s @ Y would copy all of a float32 Y to float64 first).
    if not isinstance(s, np.ndarray):
        return Y.mean(axis=0, dtype=np.float64)
    return np.einsum("i,ij->j", s, Y, dtype=np.float64)


def _non_negative(values):
    """Constants' losses that rounding left just below 0 are 0 (NaN stays)."""
    return np.where(values < 0, 0.0, values)


def _row_max(Z, scratch):
    """The maximum of each row of ``Z`` (n, k), using ``scratch`` (n * k values).

    NumPy reduces across rows (a vector operation over n) several times faster
    than along a short row: for 200 x 10 logits, copying them transposed into
    the scratch and reducing over its first axis takes 5 us against 23 us.
    """
    n, k = Z.shape
    T = scratch.reshape(-1)[: n * k].reshape(k, n)
    np.copyto(T, Z.T)
    return np.maximum.reduce(T, axis=0)


@functools.lru_cache(maxsize=64)
def _ones(k, dtype):
    ones = np.ones(k, dtype=dtype)
    ones.flags.writeable = False
    return ones


#: OpenBLAS computes a matrix-vector product with fewer entries than this on
#: the calling thread; a larger one wakes its thread pool, whose threads then
#: spin for a while and slow down whatever runs next on the other core (the
#: Python threads of a parallel prediction, for instance).
_ONE_THREAD_GEMV = 9216


def _row_sum(Z):
    """The sum of each row of ``Z``.

    For a training batch this is a matrix-vector product, 3 times faster than
    ``Z.sum(axis=1)`` for short rows; larger inputs use NumPy's sum, which
    never touches the BLAS threads (see ``_ONE_THREAD_GEMV``).
    """
    if Z.size < _ONE_THREAD_GEMV:
        return Z @ _ones(Z.shape[1], Z.dtype)
    return Z.sum(axis=1)


def _scale_rows(delta, s):
    if not isinstance(s, np.ndarray):
        delta *= s
    else:
        delta *= s[:, None]
    return delta


def _row_dot(Y, Z):
    """The dot product of each row of ``Y`` with the same row of ``Z``."""
    return np.einsum("ij,ij->i", Y, Z)


def _work(scratch, delta):
    """``scratch``, or a new array shaped like ``delta`` when there is none."""
    return np.empty_like(delta) if scratch is None else scratch


def _weighted_total(L, s):
    """Weighted sum of the per-entry losses ``L`` over rows and outputs.

    Unweighted (a scalar ``s``), one whole-array sum without the per-row
    vector: for a small batch that is a few microseconds less.
    """
    if isinstance(s, np.ndarray):
        return _weighted_sum(_row_sum(L), s)
    return float(L.sum() * s)


class _Loss:
    """A loss and its output activation.

    Subclasses define ``inverse_link`` (in place) and ``value_and_delta``,
    which computes the loss and the output delta together in the delta
    buffer and a scratch buffer of its shape: no array of the batch's size
    is allocated (with many outputs, a batch x outputs temporary is as large
    as a hidden layer's). The losses other than softmax cross-entropy are
    summed from their per-entry values: sums of the separate terms
    (softplus(z) and y z, say) would cancel, and their rounding error would
    swamp the loss of a well-fitted model.
    """

    name = None
    out_activation = None
    #: Whether ``value_and_delta`` uses a ``scratch`` array.
    needs_scratch = True
    #: Whether the loss is a sum of one independent term per output (all
    #: but softmax cross-entropy, whose outputs are one distribution).
    separable = True

    def inverse_link(self, Z):
        raise NotImplementedError

    def report_scale(self, n_outputs):
        """Factor from the trained data loss to the one ``loss_`` reports.

        1 but for the squared error with several outputs (see
        :class:`SquaredError`).
        """
        return 1.0

    def constant_loss(self, Y, s):
        """Weighted loss of the best constant prediction, which ignores the inputs.

        The scale against which a trained network's loss is judged: a network
        far worse than a constant has blown up.
        """
        return float(self.constant_losses(Y, s).sum())

    def constant_losses(self, Y, s):
        """``constant_loss`` output by output (float64, never below 0): one
        entry per output, or a single one if the loss is not ``separable``.

        Exactly 0 for a constant target, which its constant fits exactly:
        computed, the loss can round to 1e-49 or 1e-17 (weighted means of
        equal values need not equal them), and a fit judged against that
        would look worse than the constant.
        """
        losses = _non_negative(np.asarray(self._constant_losses(Y, s), np.float64))
        if hasattr(Y, "codes"):  # class codes: one group, or one column
            fixed = np.full(losses.shape, Y.codes.min() == Y.codes.max())
        else:
            fixed = np.ptp(Y, axis=0) == 0
            if not self.separable:
                fixed = np.full(losses.shape, fixed.all())
        return np.where(fixed, 0.0, losses)

    def _constant_losses(self, Y, s):
        raise NotImplementedError

    def entry_losses(self, Z, Y, out, work):
        """The loss of every entry of ``Z`` (written into ``out``; ``work`` is
        scratch of the same shape), for the ``separable`` losses."""
        raise NotImplementedError

    def output_losses(self, Z, Y, s):
        """The weighted data loss ``value_and_delta`` sums, output by output
        as ``constant_losses`` splits it.

        For judging a fitted model on whole data sets (in chunks), not for
        training: it allocates its work arrays.
        """
        if not self.separable:
            return np.array([self.value_and_delta(Z, Y, s, np.empty_like(Z))])
        L = self.entry_losses(Z, Y, np.empty_like(Z), np.empty_like(Z))
        if isinstance(s, np.ndarray):
            return np.einsum("i,ij->j", s, L, dtype=np.float64)
        return L.sum(axis=0, dtype=np.float64) * s

    def value_and_delta(self, Z, Y, s, delta, scratch=None):
        """Weighted loss and output delta.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_outputs)
            Raw outputs of the last (linear) layer; left unchanged.
        Y : ndarray of shape (n_samples, n_outputs)
            Targets (one-hot / indicator for the classifiers).
        s : float or ndarray of shape (n_samples,)
            Per-sample weights (see the module docstring); those of a
            weighted mini-batch need not sum to one.
        delta : ndarray of shape (n_samples, n_outputs)
            Output buffer for :math:`\\partial L / \\partial Z`.
        scratch : ndarray of the shape of ``delta``, optional
            Work array for the loss value; allocated when not given.

        Returns
        -------
        loss : float
        """
        raise NotImplementedError


class BinaryLogLoss(_Loss):
    """Log loss of independent sigmoid outputs (binary and multilabel)."""

    out_activation = "logistic"

    def inverse_link(self, Z):
        return expit(Z, out=Z)

    def entry_losses(self, Z, Y, out, work):
        # -[y log p + (1-y) log(1-p)] with p = sigmoid(z) is softplus(z) - y z.
        YZ = np.multiply(Y, Z, out=work)
        per_entry = np.logaddexp(0, Z, out=out)
        per_entry -= YZ
        return per_entry

    def value_and_delta(self, Z, Y, s, delta, scratch=None):
        per_entry = self.entry_losses(Z, Y, delta, _work(scratch, delta))
        loss = _weighted_total(per_entry, s)
        expit(Z, out=delta)
        delta -= Y
        _scale_rows(delta, s)
        return loss

    def _constant_losses(self, Y, s):
        # The best constant, each output's weighted frequency p of 1s: the
        # binary entropy of p. (Probability 1/2, log 2 per output, would let
        # a network that stopped far above the best constant on imbalanced
        # labels pass as trained.)
        p = np.clip(_weighted_mean(Y, s), 0.0, 1.0)
        return -(xlogy(p, p) + xlogy(1 - p, 1 - p))


class SoftmaxCrossEntropy(_Loss):
    """Cross-entropy of a softmax output against one-hot targets."""

    out_activation = "softmax"
    needs_scratch = False  # the fused pass works in the delta buffer alone
    separable = False

    def inverse_link(self, Z):
        # Whole predictions: NumPy's own max, with no scratch copy of Z (an
        # extra array of Z's size slowed the next prediction by about 7 %).
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= _row_sum(Z)[:, None]
        return Z

    def _constant_losses(self, Y, s):
        # The best constant, the weighted class frequencies: their entropy.
        p = np.clip(_weighted_mean(Y, s), 0.0, 1.0)
        return np.array([-xlogy(p, p).sum()])

    def value_and_delta(self, Z, Y, s, delta, scratch=None):
        # Fused: the shifted logits, their exponentials and the row sums
        # serve both the probabilities and the loss, in a few passes.
        # The delta buffer is the scratch of the row maxima: it is
        # overwritten with the shifted logits right after.
        shift = _row_max(Z, delta)[:, None]
        np.subtract(Z, shift, out=delta)
        weighted = isinstance(s, np.ndarray)
        # Sum (or per-row values) of z_y - max over the batch.
        target_logit = _row_dot(Y, delta) if weighted else np.vdot(Y, delta)
        np.exp(delta, out=delta)
        norm = _row_sum(delta)
        delta /= norm[:, None]
        # -log p_y = log(sum exp(z - max)) - (z_y - max); never log(0).
        log_norm = np.log(norm, out=norm)
        if weighted:
            log_norm -= target_logit
            loss = _weighted_sum(log_norm, s)
        else:
            loss = float((log_norm.sum() - target_logit) * s)
        delta -= Y
        _scale_rows(delta, s)
        return loss


class SquaredError(_Loss):
    """Half the squared residual, summed over the outputs.

    With one output this is scikit-learn's squared error exactly.  With
    ``k`` outputs it is the objective scikit-learn's ``MLPRegressor`` descends
    (its gradient sums over the outputs) and Ridge's, so
    ``BPRegressor(alpha=a)`` without hidden layers is ``Ridge(alpha=a)`` for
    any ``k``.  ``MLPRegressor`` *reports* the data loss averaged over the
    outputs instead (plus the penalty) and applies ``tol`` to that value;
    :meth:`report_scale` lets ``loss_`` do the same.
    """

    out_activation = "identity"

    def report_scale(self, n_outputs):
        return 1.0 / n_outputs

    def inverse_link(self, Z):
        return Z

    def entry_losses(self, Z, Y, out, work):
        # As value_and_delta computes them (there the residual is the delta).
        np.square(np.subtract(Z, Y, out=work), out=out)
        out *= 0.5
        return out

    def value_and_delta(self, Z, Y, s, delta, scratch=None):
        R = np.subtract(Z, Y, out=delta)  # the residual is the delta
        # Summed by NumPy (pairwise): a BLAS dot (vdot) would accumulate a
        # large float32 batch in float32, one term at a time.
        squares = np.square(R, out=_work(scratch, delta))
        loss = 0.5 * _weighted_total(squares, s)
        _scale_rows(delta, s)
        return loss

    def _constant_losses(self, Y, s):
        # The best constant, the weighted mean: half the variances.
        # One residual array in Y's dtype (a float64 one would double the
        # memory of a float32 Y), from the mean rounded to it; the variance
        # about the exact mean is then mean(R^2) - mean(R)^2, the squares
        # summed in float64 without an array of them.
        R = Y - _weighted_mean(Y, s).astype(Y.dtype, copy=False)
        d = _weighted_mean(R, s)
        if isinstance(s, np.ndarray):
            q = np.einsum("i,ij,ij->j", s, R, R, dtype=np.float64)
        else:
            q = np.einsum("ij,ij->j", R, R, dtype=np.float64) / R.shape[0]
        return 0.5 * (q - d * d)


class PoissonLoss(_Loss):
    """Half the Poisson deviance with a log link, summed over the outputs.

    The per-sample value is ``y log(y / mu) - y + mu`` with ``mu = exp(z)``, so
    a perfect fit has zero loss, as in scikit-learn.
    """

    out_activation = "exp"

    def inverse_link(self, Z):
        return np.exp(Z, out=Z)

    def entry_losses(self, Z, Y, out, work):
        # mu - y z + y log y - y, entry by entry, as scikit-learn's half
        # Poisson deviance.
        per_entry = np.exp(Z, out=out)
        per_entry -= np.multiply(Y, Z, out=work)
        per_entry += xlogy(Y, Y, out=work)
        per_entry -= Y
        return per_entry

    def value_and_delta(self, Z, Y, s, delta, scratch=None):
        per_entry = self.entry_losses(Z, Y, delta, _work(scratch, delta))
        loss = _weighted_total(per_entry, s)
        np.exp(Z, out=delta)
        delta -= Y
        _scale_rows(delta, s)
        return loss

    def _constant_losses(self, Y, s):
        # The best constant, mu = the weighted mean: per output, the mean of
        # y log y - y log mu - y + mu is mean(y log y) - mu log mu.
        mu = _weighted_mean(Y, s)
        return _weighted_mean(xlogy(Y, Y), s) - xlogy(mu, mu)


LOSSES = {
    "binary_log_loss": BinaryLogLoss(),
    "softmax_cross_entropy": SoftmaxCrossEntropy(),
    "squared_error": SquaredError(),
    "poisson": PoissonLoss(),
}

#: The name of the loss of each output activation: every loss has its own
#: canonical link, so a fitted model's ``out_activation_`` names its loss.
LOSS_OF_OUTPUT = {loss.out_activation: name for name, loss in LOSSES.items()}
