"""What training does when it goes wrong, and how it tells the user.

* **Divergence:** an epoch that makes the loss or a weight non-finite stops
  training, and :class:`_Checkpoints` restores the last finite weights (or,
  when those overflow on the training data, the weights training started
  from).
* **Blow-up without overflow:** a final loss far above both a constant
  prediction's and the loss before training gets a warning.
* **Stalling:** a fit that converged no better than a constant prediction
  (vanishing gradients, typically) gets a warning.
* **Interruption:** Ctrl-C keeps the best weights so far (see
  :class:`_Checkpoints` for what that means without a validation set);
  ``_deferred_interrupt`` keeps it out of an epoch's bookkeeping.

The warnings point at the user's code (:func:`_user_stacklevel`).
"""

import os
import signal
import sys
import threading
import warnings
from contextlib import contextmanager

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._network import forward_checked

_INTERNAL_DIRS = (
    os.path.dirname(os.path.abspath(__file__)) + os.sep,
    # scikit-learn's callback support wraps fit and partial_fit.
    os.path.join("sklearn", "callback", ""),
)


def _user_stacklevel():
    """``stacklevel`` that points a warning at the code that called skbpnet.

    Counted from the function that calls ``warnings.warn``, the first frame
    outside this package and scikit-learn's callback wrapper: a fixed number
    would point into that wrapper when it is present.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and any(
        d in os.path.abspath(frame.f_code.co_filename) for d in _INTERNAL_DIRS
    ):
        frame, level = frame.f_back, level + 1
    return level


def _quiet_overflow():
    """Silence NumPy's overflow warnings: divergence is detected and reported."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")


#: From this ratio of the largest sample weight to the mean, the advice
#: after a divergence mentions the weights.
_UNEVEN = 10.0


def _advice(solver, weight_ratio=None):
    """What to try when training diverges or blows up.

    ``weight_ratio`` is the largest sample weight (times class_weight) over
    the mean; with 'sgd' a heavy row takes a proportionally larger step
    (Adam normalises its steps).
    """
    uneven = ""
    if solver == "sgd" and weight_ratio is not None and weight_ratio >= _UNEVEN:
        uneven = (
            f" The heaviest row's sample weight (times class_weight) is "
            f"{weight_ratio:.3g} times the mean, and its steps are that much "
            "larger: such uneven weights need a smaller rate or larger batches."
        )
    return (
        "Try a smaller learning_rate_init, scale the inputs (e.g. StandardScaler)"
        + (", or use solver='adam' instead of 'sgd'." if solver == "sgd" else ".")
        + uneven
    )


def _warn_diverged(epoch, solver, kept="last", weight_ratio=None):
    """Say that training diverged, which weights were kept, and what to try.

    ``kept`` is what :meth:`_Checkpoints.restore` returned,
    ``"validation"`` when early stopping's best weights were kept, or
    ``"lbfgs"`` when L-BFGS never reached a finite loss.
    """
    if kept == "lbfgs":
        warnings.warn(
            "Training diverged: with solver='lbfgs' the loss was non-finite (inf "
            "or NaN) at every point tried, so the weights from before this call "
            "were kept. Scale the inputs (e.g. StandardScaler), or start from "
            "smaller weights (init='auto').",
            ConvergenceWarning,
            stacklevel=_user_stacklevel(),
        )
        return
    restored = {
        "before": "the weights from before this call were restored",
        "before_overflow": (
            "the weights from before this call were restored, but the "
            "network's outputs overflow on the training data even with them: "
            "the inputs are too large for them"
        ),
        "last": "the weights of the last finite epoch were restored",
        "start": (
            "the weights of the last finite epoch overflow on the training data, "
            "so the weights from before this call were restored"
        ),
        "overflow": (
            "the weights of the last finite epoch were restored, but the "
            "network's outputs overflow on the training data with them (and "
            "with the weights from before this call)"
        ),
        "validation": "the weights of the best validation score were restored",
    }[kept]
    warnings.warn(
        f"Training diverged in epoch {epoch}: the loss or the weights became "
        f"non-finite (inf or NaN). Training stopped and {restored}. "
        + _advice(solver, weight_ratio),
        ConvergenceWarning,
        stacklevel=_user_stacklevel(),
    )


def _warn_unscored(kept, solver, weight_ratio=None):
    """Early stopping found no epoch whose validation outputs were finite.

    ``kept`` is what :meth:`_Checkpoints.restore` returned, or
    ``"validation"`` when a warm start kept the previous fit's best weights.
    """
    restored = {
        "validation": ("the best weights of the previous fit (warm start) were kept"),
        "last": "the weights of the last epoch were kept",
        "start": "the weights from before this call were restored",
        "overflow": (
            "the weights of the last epoch were kept, although the network's "
            "outputs overflow on the training data with them (and with the "
            "weights from before this call)"
        ),
    }[kept]
    warnings.warn(
        "Training diverged: the network's outputs overflowed (inf or NaN) on the "
        "validation set after every epoch of this call, so early stopping had "
        f"no best weights from it; {restored}. " + _advice(solver, weight_ratio),
        ConvergenceWarning,
        stacklevel=_user_stacklevel(),
    )


#: A training loss that ends this many times above both the loss of a
#: constant prediction and the loss training started from means that the
#: network blew up (without overflowing, else it would have diverged). The
#: second condition spares a network that is merely far from converged.
_EXPLODED = 100.0


def _blown_up(loss, reference, start_loss):
    """Whether ``loss`` is far above both references (see below).

    The best constant's loss can be 0 (a batch of one class, say); the start
    is then the scale.
    """
    scale = max(reference, start_loss)
    return scale > 0 and loss > _EXPLODED * scale


def _warn_if_blown_up(
    loss, reference, start_loss, solver, best_epoch=False, weight_ratio=None
):
    """Warn when the kept weights' ``loss`` is far above both references.

    ``reference`` is the loss of the best constant prediction (``constant_loss`` of
    the loss object), ``start_loss`` the first batch's loss before training.
    ``best_epoch``: early stopping kept the best validation epoch's weights,
    and ``loss`` is their training loss. Returns whether it warned.
    """
    if not _blown_up(loss, reference, start_loss):
        return False
    which = (
        "the training loss of the weights early stopping kept (the best "
        f"validation epoch's) is {loss:.3g}"
        if best_epoch
        else f"the training loss ended at {loss:.3g}"
    )
    warnings.warn(
        f"Training blew up: {which}, more than "
        f"{_EXPLODED:.0f} times both the loss of the best constant prediction "
        f"({reference:.3g}) and the loss before training ({start_loss:.3g}). "
        "The weights stayed finite, so training was not stopped. "
        + _advice(solver, weight_ratio),
        ConvergenceWarning,
        stacklevel=_user_stacklevel(),
    )
    return True


#: A converged fit whose data loss is within this fraction of the best
#: constant prediction's (or above it) did no better than that constant.
_STALLED = 1e-3


def _stalled(data_losses, references, factor=1.0 - _STALLED):
    """Whether a converged fit did no better than the best constant.

    Output by output (see ``constant_losses`` of the losses): only if every
    output that the constant does not fit exactly (reference > 0) ends with
    a data loss of at least ``factor`` times its constant's (by default: not
    clearly below it). Summed, a large-scale output that cannot be learned
    would hide a small one that was.
    """
    data_losses = np.asarray(data_losses, dtype=float)
    references = np.asarray(references, dtype=float)
    judged = references > 0
    return bool(judged.any()) and bool(
        np.all(data_losses[judged] >= factor * references[judged])
    )


def _warn_overflowing_outputs(solver):
    """Say that the weights a converged fit kept overflow on training rows.

    An epoch's loss is measured before each step, so its last steps can move
    the weights that far unseen. The loss is what overflows: with squared
    error it does so long before the outputs (which ``predict`` then returns,
    huge), while overflowing outputs make ``predict`` raise.
    """
    warnings.warn(
        "Training converged, but the loss of the weights it ended with "
        "overflows (inf or NaN) on some training rows: the network's outputs "
        "there are huge or overflow, and predict may raise on them. " + _advice(solver),
        ConvergenceWarning,
        stacklevel=_user_stacklevel(),
    )


def _warn_if_stalled(data_losses, references, stopped_by, n_hidden, scale=1.0):
    """Warn when a fit converged no better than a constant prediction.

    ``data_losses`` and ``references`` are those of :func:`_stalled`, the
    data losses of the weights kept on the training rows (penalty excluded:
    a near-perfect fit can carry a penalty above the constant's loss) in
    the units training minimises; ``scale`` turns their sums into the units
    of ``loss_``. ``stopped_by`` says what ended the fit, ``n_hidden`` is the
    number of hidden layers. Deep sigmoid or tanh networks end this way when
    their gradients vanish; scikit-learn's MLP ends such fits silently.
    """
    if not _stalled(data_losses, references):
        return
    if n_hidden == 0:
        hint = (
            "With no hidden layer the model is linear: these targets may not "
            "be predictable linearly from the inputs (or alpha is large)."
        )
    else:
        hint = (
            "Look at gradient_norms_: vanishing gradients (deep sigmoid or tanh "
            "layers) do this; try activation='relu', fewer layers or "
            "solver='adam'. Otherwise try another learning_rate_init or scale "
            "the inputs (e.g. StandardScaler); a large alpha does it too."
        )
    every = " on every output" if len(references) > 1 else ""
    warnings.warn(
        f"Training stopped ({stopped_by}) at a training data loss of "
        f"{scale * float(np.sum(data_losses)):.6g} (penalty excluded), not below "
        f"the {scale * float(np.sum(references)):.6g} of the best constant "
        "prediction (the weighted class frequencies, or the mean target)"
        f"{every}: judged by its loss, the network did no better than that "
        f"constant. {hint}",
        ConvergenceWarning,
        stacklevel=_user_stacklevel(),
    )


def _warn_interrupted(kept, n_done):
    """Say which weights a fit interrupted by the user kept.

    ``kept`` is ``"validation"`` (early stopping's best), ``"lbfgs"`` (the
    last accepted iterate, which has the lowest loss), ``"last"`` (the last
    complete epoch, number ``n_done``), ``"before"`` (nothing completed) or
    ``"end"`` (training had ended: the interruption came from a callback at
    the end of the fit).
    """
    weights = {
        "end": (
            "the weights its training ended with: the interruption came after "
            f"training had completed ({n_done} epoch(s) or iteration(s))"
        ),
        "validation": "the weights of its best validation score",
        "lbfgs": "the weights of its last accepted (lowest-loss) iteration",
        "last": f"the weights of its last complete epoch (epoch {n_done})",
        "before": (
            "the weights it had before this call: no epoch or iteration completed"
        ),
    }[kept]
    warnings.warn(
        "Training interrupted by the user (KeyboardInterrupt): the estimator is "
        f"fitted with {weights}.",
        UserWarning,
        stacklevel=_user_stacklevel(),
    )


@contextmanager
def _deferred_interrupt():
    """Hold a Ctrl-C that arrives inside the block until the block is done.

    Python raises KeyboardInterrupt between any two statements; an epoch's
    bookkeeping (history lists, counters, checkpoint) must not be cut in
    half.  Only in the main thread, and only while Python's default SIGINT
    handler is installed: a program with its own handler keeps it.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    received = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if received:
            # Raised even when the block failed otherwise: Ctrl-C was pressed.
            raise KeyboardInterrupt


class _Checkpoints:
    """The weights to go back to when one call to fit diverges or is stopped.

    ``last`` holds the weights after the last complete, finite epoch and
    ``start`` those the call started from. The last finite weights can be
    finite yet so large that the network's outputs overflow even on the
    training data; then the start weights are the fallback.

    Without a validation set the last complete epoch is also the best
    estimate of the best weights so far: an epoch's entry in ``loss_curve_``
    averages batch losses taken *before* each of its steps, so it lags the
    weights at the epoch's end, and comparing epochs by it can pick worse
    weights than the last ones.
    """

    def __init__(self, params):
        self.last = params.copy()
        self.start = params.copy()
        self.n_epochs = 0

    def epoch_done(self, params):
        np.copyto(self.last, params)
        self.n_epochs += 1

    def restore(self, net, X, check_outputs):
        """Put the fallback weights into ``net``; return which ones.

        Returns ``"before"`` (no epoch completed: the start weights;
        ``"before_overflow"`` when even those overflow on ``X``), ``"last"``,
        ``"start"`` (the last finite weights overflow on ``X``) or
        ``"overflow"`` (both overflow on ``X``; the last finite weights are
        kept). ``X`` is only read when ``check_outputs`` is true.
        """
        if self.n_epochs == 0:
            net.params[...] = self.start
            if check_outputs and not _finite_outputs(net, X):
                return "before_overflow"
            return "before"
        net.params[...] = self.last
        if not check_outputs or _finite_outputs(net, X):
            return "last"
        net.params[...] = self.start
        if _finite_outputs(net, X):
            return "start"
        net.params[...] = self.last
        return "overflow"


def _finite_outputs(net, X):
    """Whether the network's predictions are finite on every row of ``X``."""
    with _quiet_overflow():
        Z, _ = forward_checked(net.layers, X, net.coefs, net.intercepts)
        # Both: predict refuses non-finite raw outputs, although the sigmoid
        # maps +-inf to a finite 0 or 1, and exp(Z) overflows for Poisson
        # while Z is finite.
        return bool(
            np.isfinite(Z).all() and np.isfinite(net.loss.inverse_link(Z)).all()
        )
