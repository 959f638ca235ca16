"""Full-batch training with SciPy's L-BFGS-B (``solver='lbfgs'``).

The network's flat parameter vector is the optimisation variable and
:meth:`~skbpnet._network.Network.loss_grad` supplies the regularised loss and
its gradient in one pass.  ``tol`` is SciPy's ``gtol``, and it sets SciPy's
``ftol`` (the relative decrease of the loss below which L-BFGS stops) to
``tol**2``, clipped to ``[machine epsilon, SciPy's default of about
2.2e-9]`` (see ``_ftol``), so a tiny ``tol`` really converges tightly
in float64.
"""

import time
import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from ._batches import _normalised_weights
from ._callbacks import _GrowingRows
from ._safeguards import (
    _deferred_interrupt,
    _quiet_overflow,
    _stalled,
    _user_stacklevel,
    _warn_diverged,
    _warn_if_stalled,
    _warn_interrupted,
)
from ._threads import single_threaded_foreign_blas

#: SciPy's default ``ftol`` for L-BFGS-B (``factr = 1e7`` times the machine
#: epsilon), the relative loss decrease below which it stops.
_SCIPY_FTOL = 1e7 * np.finfo(np.float64).eps


def _ftol(tol, dtype=np.float64):
    """SciPy's ``ftol`` for the estimators' ``tol``: ``tol**2``, clipped.

    Near a minimum an L-BFGS step lowers the loss by about the squared
    gradient (times the inverse curvature), so the relative-decrease test
    stops a run once the gradient is about ``sqrt(ftol)``. With ``ftol =
    tol**2`` the gradient can get down to about ``tol`` (scipy's ``gtol``)
    first; a literal ``ftol = tol`` stopped fits with ``tol=1e-12`` at
    gradients near ``1e-7``, coefficients ``1e-5`` from LogisticRegression's.
    Never above SciPy's default: with ``ftol = 1e-4`` (``tol=1e-2``), L-BFGS
    would stop after a first short step that lowered the loss by less than
    that, with the network barely trained and no warning, where
    scikit-learn's MLP (``gtol = tol`` and SciPy's default ``ftol``) trains
    on. Never below the machine epsilon of the network's dtype, under which
    no decrease is representable and the line search fails instead (with a
    warning): a float32 network, whose epsilon is about 1.2e-7, keeps
    SciPy's default.
    """
    return min(_SCIPY_FTOL, max(float(np.finfo(dtype).eps), tol * tol))


class _LbfgsTraining:
    """The L-BFGS training loop of :class:`~skbpnet._base.BaseBP`.

    A mixin: it reads the estimator's hyperparameters and writes its fitted
    history (``n_iter_``, ``loss_``, ``best_loss_``, ``loss_curve_``,
    ``gradient_norms_``).
    """

    def _fit_lbfgs(self, net, X, Y, sample_weight, tasks):
        """Train on all rows at once with SciPy's L-BFGS-B, then judge the end."""
        Y = np.asarray(Y)  # full batch: every evaluation needs all rows
        s, total = _normalised_weights(sample_weight, X.shape[0], X.dtype)
        l2 = float(self.alpha) / total
        run = _LbfgsRun(self, net, X, Y, s, l2, tasks)
        result = None
        try:
            # SciPy's own BLAS on one thread: see single_threaded_foreign_blas.
            with single_threaded_foreign_blas():
                result = scipy.optimize.minimize(
                    run.objective,
                    run.accepted_x.copy(),
                    method="L-BFGS-B",
                    jac=True,
                    callback=run.record,
                    options={
                        "maxiter": self.max_iter,
                        "maxfun": self.max_fun,
                        "gtol": self.tol,
                        "ftol": _ftol(float(self.tol), net.dtype),
                    },
                )
            # A normal end: nothing else is pending, so the hooks' errors
            # propagate, and a Ctrl-C is handled below, as in any iteration.
            run.close_left_over(pending=False)
        except KeyboardInterrupt:
            _warn_interrupted("lbfgs" if run.losses else "before", len(run.losses))
        finally:
            # An interruption or an error is pending (or nothing is left).
            run.close_left_over(pending=True)
        if (
            result is not None
            and np.isfinite(result.fun)
            and np.isfinite(result.x).all()
        ):
            x, nit = result.x, int(result.nit)
        else:
            # Interrupted, or L-BFGS ended on a non-finite point: keep the
            # last iterate with a finite loss (the start if there is none).
            x, nit = run.accepted_x, len(run.losses)
        # The loss of the weights returned, not result.fun: after an
        # abnormal end that is the value at a rejected trial point.
        if not (run.last_x is not None and np.array_equal(run.last_x, x)):
            run.objective(x)
        net.params[...] = x
        self.n_iter_ = nit
        fun = run.last_loss
        self.loss_ = (
            run.reported(x, fun)
            if np.isfinite(fun)
            else self._current_loss(net, X, Y, s, l2)
        )
        self.loss_curve_ = list(self.loss_curve_) + run.losses
        # Over the whole warm-started history, as loss_curve_ and the
        # stochastic solvers' best_loss_.
        self.best_loss_ = min([self.best_loss_, self.loss_] + run.losses)
        self.gradient_norms_ = run.norms.final()
        if not np.isfinite(self.loss_):
            _warn_diverged(self.n_iter_ + 1, self.solver, "lbfgs")
            return
        if result is not None:
            self._judge_lbfgs_end(net, X, Y, s, l2, fun, result)

    def _judge_lbfgs_end(self, net, X, Y, s, l2, fun, result):
        """Warn if SciPy's run failed, or "converged" without training.

        ``fun`` is the objective at the weights ``net`` has now (finite),
        ``s`` the normalised sample weights and ``result`` SciPy's.
        """
        stopped_by_callback = "callback" in str(result.message)
        if result.status != 0 and not stopped_by_callback:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iterations "
                f"(status={result.status}): {result.message}. Increase max_iter "
                "or max_fun, or scale the data.",
                ConvergenceWarning,
                stacklevel=_user_stacklevel(),
            )
        elif not stopped_by_callback:
            data_loss = fun - l2 * net.penalty()
            constants = net.loss.constant_losses(Y, s)
            # Both judgements below need their condition on every output,
            # which needs it on the sum: only then (rarely) a forward pass
            # splits the loss by output.
            if not _stalled([data_loss], [constants.sum()]):
                return
            losses = np.array([data_loss])
            if len(constants) > 1:
                with _quiet_overflow():
                    losses = net.output_losses(X, Y, s)
            if not _warn_if_untrained(losses, constants, self, result):
                _warn_if_stalled(
                    losses,
                    constants,
                    f"after {self.n_iter_} iterations, when SciPy's L-BFGS-B converged",
                    len(net.layers) - 1,
                    net.report_scale,
                )


def _warn_if_untrained(data_losses, constants, estimator, result):
    """Warn when L-BFGS "converged" with a data loss above a constant's.

    All weights zero and suitable biases predict a constant at no penalty, so
    at the best regularised fit the data loss (penalty excluded) is never
    above that constant's loss.  SciPy still reports convergence when an
    iteration cannot lower the loss, also when every step tried overflowed
    or was too short to matter (unscaled inputs, after a huge first
    gradient): a fit that never trained would end silently.  The losses
    are output by output (as ``_stalled`` judges them: every output must be
    at least 1 % above its constant's), in the
    units training minimises.  A constant target is not judged.  Returns
    whether it warned.
    """
    if not _stalled(data_losses, constants, factor=1.01):
        return False
    data_loss, constant = float(np.sum(data_losses)), float(np.sum(constants))
    float32 = ""
    if estimator.coefs_[0].dtype == np.float32:
        # float32 overflows much sooner (exp beyond 88): one trial step that
        # overflows can end the run where float64 would step back.
        float32 = (
            " In float32 a single trial step whose loss overflows can end the "
            "run: fitting on float64 X avoids that."
        )
    cause = ""
    if "PROJECTED" in str(result.message).upper():
        # The gradient test stopped it: either tol is large, or the
        # gradient is flat (saturated units, on unscaled data).
        cause = (
            f"That test stops once no gradient entry exceeds tol="
            f"{estimator.tol:g}: lower tol if it is that large. Otherwise, this"
        )
    warnings.warn(
        f"lbfgs stopped after {estimator.n_iter_} iteration(s) with a training "
        f"data loss of {data_loss:.6g} (penalty excluded), above the "
        f"{constant:.6g} of the best constant prediction: the network did not train, "
        f"though SciPy's L-BFGS-B reported {result.message!r}. "
        f"{cause or 'This'} happens with unscaled data: scale the inputs (e.g. "
        f"StandardScaler) and, for regression, the targets.{float32}",
        ConvergenceWarning,
        stacklevel=_user_stacklevel(),
    )
    return True


class _LbfgsRun:
    """One L-BFGS minimisation: SciPy's objective and callback, and what
    they keep between calls (the last point evaluated, the last iterate
    accepted, the history, and the callback task of the iteration).

    ``s`` are the normalised sample weights, ``l2`` is ``alpha`` over the
    total sample weight.
    """

    def __init__(self, est, net, X, Y, s, l2, tasks):
        self.est, self.net, self.tasks = est, net, tasks
        self.X, self.Y, self.s, self.l2 = X, Y, s, l2
        #: The last point evaluated (None: none yet) and its objective value
        #: (inf where it or the gradient was not finite); the gradient norms
        #: of the last point whose value and gradient were finite.
        self.last_x = self.last_loss = self.last_norms = None
        #: The last iterate L-BFGS accepted with a finite loss, and its loss
        #: (the starting point's until one is accepted).
        self.accepted_x = net.params.astype(np.float64)
        self.accepted_fun = None
        self.losses, self.norms = [], _GrowingRows(est.gradient_norms_)
        self.start_time = time.time()
        # The iteration task in progress: it begins with the first
        # evaluation of an iteration, so that callbacks time its work, and
        # ends in ``record`` when L-BFGS accepts the iterate.
        self.task, self.open, self.recorded = None, True, False

    def reported(self, x, fun):
        """The objective as ``loss_`` reports it: what L-BFGS minimises is
        rescaled as scikit-learn reports the data term (see
        ``Network.reported_loss``)."""
        net = self.net
        if net.report_scale == 1.0 or not np.isfinite(fun):
            return fun
        penalty = self.l2 * net.penalty(x)
        return net.reported_loss(fun - penalty, penalty)

    def objective(self, x):
        """SciPy's objective: the regularised loss at ``x`` and its gradient."""
        if self.open and self.task is None:
            self.task = self.tasks.begin_epoch()
        net, l2 = self.net, self.l2
        net.params[...] = x
        with _quiet_overflow():
            loss = net.loss_grad(self.X, self.Y, self.s, l2) + l2 * net.penalty()
        grad = net.grad.astype(np.float64)
        self.last_x, self.last_loss = x.copy(), loss
        if self.accepted_fun is None:
            self.accepted_fun = float(loss)  # the starting point's
        if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
            # An infinite value makes the line search step back.
            self.last_loss = np.inf
            return np.inf, np.zeros_like(grad)
        with _quiet_overflow():
            self.last_norms = net.gradient_norms()
        return loss, grad

    def snapshot(self):
        """For callbacks: the model as if fit had stopped at this iterate
        (the estimator's n_iter_ and histories are set only when the run
        ends)."""
        est, losses = self.est, self.losses
        history = {"n_iter_": len(losses), "loss_curve_": est.loss_curve_ + losses}
        if losses:
            history["loss_"] = losses[-1]
            history["best_loss_"] = min([est.best_loss_] + losses)
            history["gradient_norms_"] = self.norms.stack()
        return est._reconstruction(self.net, **history)

    def record(self, intermediate_result):
        """SciPy's callback, once per accepted iterate."""
        x = intermediate_result.x
        if np.isfinite(intermediate_result.fun) and np.isfinite(x).all():
            self.accepted_x = np.array(x)
            self.accepted_fun = float(intermediate_result.fun)
        # Both histories or neither (see _deferred_interrupt).
        with _deferred_interrupt():
            self.losses.append(self.reported(self.accepted_x, self.accepted_fun))
            norms = self.last_norms
            if norms is None:
                norms = np.full(len(self.net.coefs), np.nan)
            self.norms.append(norms)
            self.recorded = True
        if self.est.verbose:
            print(
                f"Iteration {len(self.losses)}, loss = {self.losses[-1]:.8f}, "
                f"elapsed = {time.time() - self.start_time:.2f}s"
            )
        task = self.task or self.tasks.begin_epoch()
        self.task, self.recorded = None, False
        self.net.params[...] = self.accepted_x
        if self.tasks.end_epoch(task, self.snapshot):
            raise StopIteration  # scipy ends the minimisation cleanly

    def close_left_over(self, pending):
        """End the iteration task left open, if any.

        No task for the evaluations after the minimisation; one that began
        (evaluations after the last accepted iterate: a line search that
        ended the run, an interruption) ends here, with the model only if
        its iterate was recorded (a Ctrl-C held until it was).
        """
        task, self.task = self.task, None
        self.open = False
        if task is None:
            return
        reconstruction = None
        if self.recorded:
            self.net.params[...] = self.accepted_x
            reconstruction = self.snapshot
        self.tasks.close_epoch(task, reconstruction, pending=pending)
