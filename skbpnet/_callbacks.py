"""scikit-learn's callback protocol (``sklearn.callback``), when it exists.

scikit-learn 1.9 added callbacks: ``est.set_callbacks(ProgressBar())``, with
hooks called at the start and end of each fit task.  The estimators report
one root task per ``fit`` and one subtask per epoch (L-BFGS: per iteration);
a callback whose ``on_fit_task_end`` returns True stops training after that
epoch.  On an older scikit-learn the same calls exist and do nothing, so the
estimators run unchanged.
"""

import warnings

import numpy as np

from ._safeguards import _user_stacklevel

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    HAS_CALLBACKS = True
except ImportError:  # pragma: no cover - exercised only on older scikit-learn
    HAS_CALLBACKS = False

    class _NullContext:
        """Stands in for ``CallbackContext``: every hook is a no-op."""

        def subcontext(self, *args, **kwargs):
            return self

        def call_on_fit_task_begin(self, **kwargs):
            return self

        def call_on_fit_task_end(self, **kwargs):
            return False

    class CallbackSupportMixin:
        """Fallback: accepts callbacks and never calls them."""

        def set_callbacks(self, *callbacks):
            """Store callbacks; this scikit-learn has no callback protocol."""
            self._skl_callbacks = list(callbacks)
            return self

        def _init_callback_context(self, *args, **kwargs):
            return _NullContext()

    def with_callbacks(method):
        return method


class _Tasks:
    """The callback tasks of one fit: a root task and one subtask per epoch."""

    def __init__(self, est, X, y, sample_weight, max_epochs):
        self.est, self.X, self.y = est, X, y
        self.metadata = (
            {} if sample_weight is None else {"sample_weight": sample_weight}
        )
        self.root = est._init_callback_context(max_subtasks=max_epochs)
        self.root.call_on_fit_task_begin(
            estimator=est, X=X, y=y, metadata=self.metadata
        )

    def begin_epoch(self):
        task = self.root.subcontext(task_name="epoch")
        try:
            task.call_on_fit_task_begin(
                estimator=self.est, X=self.X, y=self.y, metadata=self.metadata
            )
        except BaseException:
            # A begin hook raised (a Ctrl-C during a progress bar's update,
            # say): the callbacks whose begin hooks ran still get their end.
            # A context cannot end some of its callbacks only, so those whose
            # begin hooks did not run get an end without data too, which
            # the protocol allows (scikit-learn's ProgressBar counts it as
            # one more step).
            self.close_epoch(task)
            raise
        return task

    def end_epoch(self, task, reconstruction):
        """Run the end hooks; True when a callback asks to stop."""
        return task.call_on_fit_task_end(
            estimator=self.est,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=reconstruction,
        )

    def close_epoch(self, task, reconstruction=None, pending=True):
        """End a subtask that the training loop left open.

        A divergence, a Ctrl-C or an error can leave an epoch (L-BFGS:
        iteration) whose begin hooks ran and end hooks not; so can an L-BFGS
        run that ends in the middle of an iteration's line search.  Its end
        hooks run here: with the ``reconstruction`` when the epoch made it
        into the history (a Ctrl-C held until its bookkeeping was done), else
        without data, so that the callbacks record nothing for it
        (scikit-learn's L-BFGS bridge ends its left-over task the same way).

        With ``pending`` the fit is already ending for another reason (that
        divergence, interruption or error), and a callback failing or
        interrupted here gives a warning instead of replacing that outcome;
        otherwise its exception propagates as from any other epoch.
        """
        try:
            if reconstruction is None:
                task.call_on_fit_task_end(estimator=self.est)
            else:
                self.end_epoch(task, reconstruction)
        except (Exception, KeyboardInterrupt) as exc:
            if not pending:
                raise
            warnings.warn(
                "A callback failed while ending an epoch that training left "
                f"unfinished (divergence, interruption or error): {exc!r}",
                UserWarning,
                stacklevel=_user_stacklevel(),
            )

    def end_fit(self, reconstruction):
        self.root.call_on_fit_task_end(
            estimator=self.est,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=reconstruction,
        )


__all__ = ["HAS_CALLBACKS", "CallbackSupportMixin", "with_callbacks"]


class _GrowingRows:
    """A history matrix that grows by a row per epoch, stacked on demand.

    The training loops hand callbacks a snapshot of ``gradient_norms_`` after
    every epoch. Each :meth:`stack` extends the previous stack by the rows
    added since: one copy per snapshot instead of re-stacking every row, and
    a stack handed out is never changed afterwards.

    Parameters
    ----------
    start : ndarray of shape (n_rows, n_columns)
        The rows before training (a warm start's history, or none).
    """

    def __init__(self, start):
        self._stacked = start
        self._pending = []

    def append(self, row):
        """Add one row (a 1-D array)."""
        self._pending.append(row)

    def stack(self):
        """All the rows as one matrix, read-only: callbacks' snapshots share
        it, and the next stack is built from it."""
        if self._pending:
            self._stacked = np.vstack([self._stacked, np.array(self._pending)])
            self._stacked.flags.writeable = False
            self._pending = []
        return self._stacked

    def final(self):
        """All the rows as a matrix of its own: the fitted attribute, which
        the user may change without changing a callback's snapshot."""
        return self.stack().copy()
