"""scikit-learn's callback protocol (``sklearn.callback``), when it exists.

scikit-learn 1.9 added callbacks: ``est.set_callbacks(ProgressBar())``, with
hooks called at the start and end of each fit task.  The estimators report
one root task per ``fit`` and one subtask per epoch (L-BFGS: per iteration);
a callback whose ``on_fit_task_end`` returns True stops training after that
epoch.  On an older scikit-learn the same calls exist and do nothing, so the
estimators run unchanged.
"""

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
        task.call_on_fit_task_begin(
            estimator=self.est, X=self.X, y=self.y, metadata=self.metadata
        )
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

    def abandon_epoch(self, task):
        """End a subtask that did not complete (divergence, interruption).

        Every begin hook gets its end hook; without the data and the
        reconstruction the callbacks record nothing for it (scikit-learn's
        own L-BFGS bridge ends its left-over task the same way).
        """
        task.call_on_fit_task_end(estimator=self.est)

    def end_fit(self, reconstruction):
        self.root.call_on_fit_task_end(
            estimator=self.est,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=reconstruction,
        )


__all__ = ["HAS_CALLBACKS", "CallbackSupportMixin", "with_callbacks"]
