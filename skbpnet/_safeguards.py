"""What training does when it goes wrong, and how it tells the user.

* **Divergence:** an epoch that makes the loss or a weight non-finite stops
  training, and :class:`_Checkpoints` restores the last finite weights (or,
  when those overflow on the training data, the lowest-loss epoch's).
* **Blow-up without overflow:** a final loss far above both a constant
  prediction's and the loss before training gets a warning.
* **Interruption:** Ctrl-C keeps the best weights so far.

The warnings point at the user's code (:func:`_user_stacklevel`).
"""

import os
import sys
import warnings

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


def _warn_diverged(epoch, solver, fallback=None):
    if fallback is None:
        restored = "the weights of the last finite epoch were restored"
    else:
        # The last finite weights overflow on the training data (see
        # _fit_stochastic): say which weights replaced them.
        restored = (
            "the weights of the last finite epoch overflow on the training data, "
            + (
                f"so those of its lowest-loss epoch ({fallback}) were restored"
                if fallback
                else "so the weights from before training were restored"
            )
        )
    warnings.warn(
        f"Training diverged in epoch {epoch}: the loss or the weights became "
        f"non-finite (inf or NaN). Training stopped and {restored}. Try a smaller "
        "learning_rate_init, scale the inputs (e.g. StandardScaler)"
        + (", or use solver='adam' instead of 'sgd'." if solver == "sgd" else "."),
        ConvergenceWarning,
        stacklevel=_user_stacklevel(),
    )


#: A training loss that ends this many times above both the loss of a
#: constant prediction and the loss training started from means that the
#: network blew up (without overflowing, else it would have diverged). The
#: second condition spares a network that is merely far from converged.
_EXPLODED = 100.0


def _warn_if_blown_up(loss, reference, start_loss, solver):
    """Warn when the final ``loss`` is far above both references.

    ``reference`` is the loss of a constant prediction (``constant_loss`` of
    the loss object), ``start_loss`` the first batch's loss before training.
    """
    if not (reference > 0 and loss > _EXPLODED * max(reference, start_loss)):
        return
    warnings.warn(
        f"Training blew up: the training loss ended at {loss:.3g}, more than "
        f"{_EXPLODED:.0f} times both the loss of a constant prediction "
        f"({reference:.3g}) and the loss before training ({start_loss:.3g}). "
        "The weights stayed finite, so training was not stopped. Try a smaller "
        "learning_rate_init, scale the inputs (e.g. StandardScaler)"
        + (", or use solver='adam' instead of 'sgd'." if solver == "sgd" else "."),
        ConvergenceWarning,
        stacklevel=_user_stacklevel(),
    )


def _warn_interrupted(kept):
    """Say which weights an interrupted fit kept.

    ``kept`` is ``"validation"`` (early stopping's best), ``"lbfgs"`` (the
    last accepted iterate, also the lowest loss) or the number of this
    call's lowest-loss epoch, 0 when no epoch completed.
    """
    if kept == "validation":
        weights = "the weights of its best validation score"
    elif kept == "lbfgs":
        weights = "the weights of its last accepted (lowest-loss) iteration"
    elif kept:
        weights = f"the weights of its lowest-loss epoch so far (epoch {kept})"
    else:
        weights = "the weights it had before this call: no epoch completed"
    warnings.warn(
        "Training interrupted by the user (KeyboardInterrupt): the estimator is "
        f"fitted with {weights}.",
        UserWarning,
        stacklevel=_user_stacklevel(),
    )


class _Checkpoints:
    """Weights to fall back on during one call to fit.

    ``last`` holds the weights after the last complete, finite epoch
    (restored when an epoch diverges); the best weights are those after the
    call's lowest-loss epoch (restored on Ctrl-C, or when the last finite
    weights overflow on the training data). Before the first epoch both are
    the weights the call started from. While the last epoch is also the best
    (the usual case) they share one copy: the second copy is made only once
    the loss fails to improve.
    """

    def __init__(self, params):
        self.last = params.copy()
        self.best = None
        self.best_is_last = True
        self.best_loss = np.inf
        self.best_epoch = 0  # 0: the weights the call started from

    def epoch_done(self, params, loss, epoch):
        if loss < self.best_loss:
            self.best_loss, self.best_epoch = loss, epoch
            self.best_is_last = True
        elif self.best_is_last:
            # ``last`` is the best so far and is about to be overwritten.
            if self.best is None:
                self.best = self.last.copy()
            else:
                np.copyto(self.best, self.last)
            self.best_is_last = False
        np.copyto(self.last, params)

    def restore_last(self, net):
        net.params[...] = self.last

    def restore_best(self, net):
        """Put the best weights back into ``net``; return their epoch."""
        net.params[...] = self.last if self.best_is_last else self.best
        return self.best_epoch


def _finite_outputs(net, X):
    """Whether the network's raw outputs are finite on every row of ``X``."""
    with _quiet_overflow():
        Z, _ = forward_checked(net.layers, X, net.coefs, net.intercepts)
        return bool(np.isfinite(Z).all())
