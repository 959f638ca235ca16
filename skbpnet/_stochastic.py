"""Mini-batch training with SGD or Adam, and early stopping.

The epoch loop shuffles the training rows, runs one forward/backward pass and
one optimizer step per mini-batch, records the loss and gradient norms, and
applies the learning-rate schedule and the stopping rules.  What happens when
training diverges or is interrupted is decided in :mod:`skbpnet._safeguards`.
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import gen_batches

from ._batches import (
    _batch_size,
    _Batches,
    _normalised_weights,
    _select_rows,
    _select_targets,
)
from ._callbacks import _GrowingRows
from ._network import _square_sum
from ._optimizers import SGD, Adam
from ._safeguards import (
    _blown_up,
    _Checkpoints,
    _deferred_interrupt,
    _quiet_overflow,
    _user_stacklevel,
    _warn_diverged,
    _warn_if_blown_up,
    _warn_if_stalled,
    _warn_interrupted,
    _warn_overflowing_outputs,
    _warn_unscored,
)

#: Rows per chunk when scoring a validation set by index (bounds memory).
_CHUNK = 2048


class _StochasticTraining:
    """The SGD/Adam training loop of :class:`~skbpnet._base.BaseBP`.

    A mixin: it reads the estimator's hyperparameters and writes its fitted
    history.  Subclasses provide ``_validation_score`` (and, for classifiers,
    ``_stratify``).
    """

    def _make_optimizer(self, net):
        if self.solver == "sgd":
            return SGD(
                net.n_params,
                net.dtype,
                self.learning_rate_init,
                self.momentum,
                self.nesterovs_momentum,
            )
        return Adam(
            net.n_params,
            net.dtype,
            self.learning_rate_init,
            self.beta_1,
            self.beta_2,
            self.epsilon,
        )

    def _fit_stochastic(
        self,
        net,
        X,
        Y,
        sample_weight,
        incremental,
        tasks,
        rows=None,
        score_weight=None,
    ):
        """Train for one call (``max_iter`` epochs, or one for partial_fit).

        ``rows`` are the rows to train on (those of positive weight), None for
        all of them. Batches are gathered through them from ``X``, ``Y`` and
        ``sample_weight`` as given, which training never copies whole; only
        the rare divergence and fallback paths gather the training rows of
        ``X`` into one array. ``score_weight`` are the caller's sample weights
        (without ``class_weight``), which the validation score uses, as
        ``score`` would.
        """
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True.")
        early_stopping = self.early_stopping and not incremental
        self._best_weights = None
        # The training loss of the epoch whose weights _best_weights holds
        # (None for a warm start's previous best, trained in another call).
        self._best_epoch_loss = None
        if early_stopping and np.isfinite(self.best_validation_score_):
            # A warm start begins at the last fit's best validation weights:
            # they stay the model unless an epoch of this fit scores higher,
            # and the count of epochs without improvement starts over.
            self._best_weights = net.get_weights()
        if not incremental:
            # Every fit, warm-started or not, gets n_iter_no_change epochs of
            # its own: a warm start after a converged fit would otherwise
            # usually stop after one epoch (as scikit-learn's MLP does).
            # partial_fit keeps the count ('adaptive' uses it).
            self._no_improvement_count = 0
        optimizer = self._stochastic_optimizer(net, incremental)
        order, val_idx = self._training_order(X, Y, rows, early_stopping)
        call = _Call(
            X, Y, sample_weight, rows, order, val_idx, score_weight, self.alpha
        )
        # The L2 term is added before the optimizer's step, which is the only
        # other user of its scratch vector: share it instead of another copy
        # of the weights' size.
        scratch = optimizer.optimizer.scratch
        if scratch.dtype == net.dtype:
            net.l2_scratch = scratch[: net.n_weights]
        outcome = self._run_epochs(net, optimizer, call, tasks, incremental)
        restore_best, unscored, kept = self._keep_weights(net, call, outcome)
        # With early stopping the model is the best validation epoch's: judge
        # that epoch's training loss (validation rows can score well while
        # the training loss blew up), not the last one's.
        best_epoch_loss = self.__dict__.pop("_best_epoch_loss", None)
        if unscored:
            optimizer.optimizer.reset()
            _warn_unscored(kept, self.solver, call.weight_ratio)
        elif outcome.diverged:
            # The diverging steps left inf/NaN in the momentum or moments; a
            # later partial_fit reusing them would diverge at once.
            optimizer.optimizer.reset()
            _warn_diverged(self.n_iter_ + 1, self.solver, kept, call.weight_ratio)
        elif outcome.interrupted:
            _warn_interrupted(kept, self.n_iter_)
        elif outcome.start_loss is not None and not (
            restore_best and best_epoch_loss is None
        ):
            kept_loss = best_epoch_loss if restore_best else self.loss_
            self._judge_kept_weights(
                net, call, outcome, kept_loss, restore_best, incremental
            )
        if not hasattr(self, "loss_"):
            # Kept the weights the call started from (diverged or interrupted
            # in the first epoch, or the fallback above): report their loss.
            X_all, Y_all, sw_all = _select_rows(X, Y, sample_weight, rows)
            s_all, total_all = _normalised_weights(sw_all, call.n, X.dtype)
            self.loss_ = self._current_loss(
                net, X_all, Y_all, s_all, float(self.alpha) / total_all
            )

    def _keep_weights(self, net, call, outcome):
        """Choose the weights the call ends with.

        The best validation epoch's with early stopping; after divergence,
        an interrupt or a fit that never scored, the last checkpoint that is
        sound. Returns ``restore_best``, ``unscored`` and ``kept`` (what
        the warnings call the kept weights; None for the last epoch's).
        """
        early_stopping = call.val_idx is not None
        kept = None
        restore_best = early_stopping and self._best_weights is not None
        # Early stopping that never scored in this call: the outputs
        # overflowed on the validation set after every epoch (the weights are
        # finite but huge). A warm start then still has the previous fit's
        # best weights; otherwise the weights are chosen as after divergence.
        unscored = (
            early_stopping
            and outcome.n_scored == 0
            and self.n_iter_ > 0
            and not (outcome.diverged or outcome.interrupted)
        )
        if restore_best:
            net.set_weights(*self._best_weights)
            kept = "validation"
        elif outcome.diverged or outcome.interrupted or unscored:
            check = outcome.diverged or unscored
            # Only these rare paths need the training rows of X as one array.
            X_train = (
                (call.X if call.rows is None else call.X[call.rows]) if check else None
            )
            kept = outcome.checkpoints.restore(net, X_train, check_outputs=check)
            if kept == "start":
                # loss_ described the last finite epoch's weights.
                del self.loss_
        self._best_weights = None
        return restore_best, unscored, kept

    def _run_epochs(self, net, optimizer, call, tasks, incremental):
        """The epoch loop of one call: train, record, schedule, stop.

        Returns an ``_Outcome``. Each epoch's history is written whole
        or not at all; a Ctrl-C ends the loop, with the epoch it interrupted
        dropped.
        """
        early_stopping = call.val_idx is not None
        rng = self._random_state
        order = call.order
        dropout_rng = rng if any(net.dropout) else None
        batches = _Batches(
            call.X,
            call.Y,
            call.sample_weight,
            _batch_size(self.batch_size, call.n_train),
            call.total / call.n_train,
        )
        norm_rows = _GrowingRows(self.gradient_norms_)
        start_time = time.time()
        max_epochs = 1 if incremental else self.max_iter
        # Without shuffling or a held-out split the batches are plain slices,
        # which are views: X is never gathered or copied.
        contiguous = not self.shuffle and not early_stopping and call.rows is None
        outcome = _Outcome(_Checkpoints(net.params))
        # The loss training starts from (penalty included, as in loss_): the
        # first batch's loss before any update, plus the initial penalty.
        start_penalty = call.l2 * net.penalty()
        task = None  # the epoch task whose begin hooks ran and end hooks not

        def snapshot():
            # For callbacks: the model as if fit had stopped after this epoch.
            return self._reconstruction(net, gradient_norms_=norm_rows.stack())

        recorded = None  # the last task whose epoch is in the history
        try:
            self.n_iter_ = 0
            for _ in range(max_epochs):
                task = tasks.begin_epoch()
                if self.shuffle:
                    rng.shuffle(order)
                with _quiet_overflow():
                    accumulated, penalties, norms, first_loss = self._run_epoch(
                        net, optimizer, batches, order, contiguous, call.l2, dropout_rng
                    )
                    penalty = call.l2 * penalties / call.total
                    loss = net.reported_loss(accumulated / call.total, penalty)
                if outcome.start_loss is None and first_loss is not None:
                    outcome.start_loss = net.reported_loss(first_loss, start_penalty)
                if not (np.isfinite(loss) and np.isfinite(net.params.sum())):
                    outcome.diverged = True
                    break
                score = None
                if early_stopping:
                    # Scored before any history is written: a Ctrl-C while
                    # scoring drops the whole epoch.  Finite but huge weights
                    # (a network about to diverge) may overflow in the score:
                    # that epoch then scores NaN, which counts as no
                    # improvement.
                    with _quiet_overflow():
                        score = self._score_indices(
                            net,
                            call.X,
                            call.Y,
                            call.sample_weight,
                            call.val_idx,
                            call.score_weight,
                        )
                # The epoch's history is written whole or not at all, so
                # that n_iter_, loss_curve_, validation_scores_,
                # gradient_norms_ and the kept weights always agree.
                with _deferred_interrupt():
                    if early_stopping:
                        self.validation_scores_.append(score)
                        outcome.n_scored += bool(np.isfinite(score))
                    self.n_iter_ += 1
                    outcome.checkpoints.epoch_done(net.params)
                    self.t_ += call.n_train
                    optimizer.epoch += 1
                    self.loss_ = loss
                    self.loss_curve_.append(loss)
                    norm_rows.append(norms)
                    self._update_no_improvement(net, early_stopping)
                    recorded = task
                if self.verbose:
                    self._print_progress(start_time, early_stopping)
                outcome.converged = stop = self._schedule(optimizer)
                ending, task = task, None
                if tasks.end_epoch(ending, snapshot) or stop:
                    break
            else:
                if not incremental:
                    warnings.warn(
                        # scikit-learn's MLP's words, which code may match.
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=_user_stacklevel(),
                    )
        except KeyboardInterrupt:
            outcome.interrupted = True
        finally:
            self.gradient_norms_ = norm_rows.final()
            if task is not None:
                # Diverged or interrupted: the epoch's end hooks still run
                # (once), with the model if the epoch was recorded.
                tasks.close_epoch(
                    task,
                    snapshot if recorded is task else None,
                )
        return outcome

    def _judge_kept_weights(
        self, net, call, outcome, kept_loss, restore_best, incremental
    ):
        """Warn if the kept weights blew up, or if a converged fit did no
        better than a constant, on the training rows."""
        Y_all, sw_all = _select_targets(call.Y, call.sample_weight, call.rows)
        s_all, _ = _normalised_weights(sw_all, call.n, call.X.dtype)
        reference = net.loss.constant_loss(Y_all, s_all) * net.report_scale
        if restore_best and _blown_up(kept_loss, reference, outcome.start_loss):
            # Rare: only on this suspicion.
            losses, _ = call.training_losses(net)
            kept_loss = net.reported_loss(float(losses.sum()), call.l2 * net.penalty())
        blown_up = _warn_if_blown_up(
            kept_loss,
            reference,
            outcome.start_loss,
            self.solver,
            restore_best,
            call.weight_ratio,
        )
        # partial_fit ignores the stopping rule (as MLP's does). A converged
        # fit costs one more pass over its rows, forward only.
        if not outcome.converged or incremental or blown_up:
            return
        losses, constants = call.training_losses(net)
        if not np.isfinite(losses).all():
            _warn_overflowing_outputs(self.solver)
            return
        what = "validation score" if call.val_idx is not None else "training loss"
        _warn_if_stalled(
            losses,
            constants,
            f"after {self.n_iter_} epochs, when its {what} stopped improving",
            len(net.layers) - 1,
            net.report_scale,
        )

    def _stochastic_optimizer(self, net, incremental):
        """The optimizer of this call: the stream's own for ``partial_fit``
        (with the current hyperparameters), a new one otherwise."""
        optimizer = getattr(self, "_optimizer", None)
        if (
            optimizer is None
            or not incremental
            or optimizer.optimizer.n_params != net.n_params
            or not optimizer.matches(self)
        ):
            optimizer = self._optimizer = _OptimizerState(
                self._make_optimizer(net), self.learning_rate_init, self.learning_rate
            )
            rate = self._scheduled_rate(optimizer.epoch)
            if rate is not None:
                # A warm start, or a new optimizer within a stream (the solver
                # or Nesterov changed): 'invscaling' goes on from the samples
                # seen so far (t_ is 0 in a fresh fit, so this is the initial
                # rate there).
                optimizer.optimizer.learning_rate = rate
        else:
            optimizer.follow(self)
        return optimizer

    def _training_order(self, X, Y, rows, early_stopping):
        """The training rows (to shuffle in place each epoch) and the held-out
        validation rows (None without early stopping), as indices into ``X``.

        ``rows`` are the rows of positive weight (None: all of them).
        """
        n = X.shape[0] if rows is None else rows.shape[0]
        # Row indices in int32 when they fit: half the memory, same shuffles.
        index_dtype = np.int32 if X.shape[0] < 2**31 else np.intp
        if not early_stopping:
            return (np.arange(n) if rows is None else rows).astype(index_dtype), None
        # The split has a seed of its own, drawn once per run of validation
        # scores: a warm-started fit on the same data holds out the rows the
        # fit before it held out, so the best score it carries over is
        # compared on the same rows, and rows trained on are never validated
        # on. (scikit-learn's MLP restarts its stream in every fit, so its
        # second fit holds out other rows than the first.)
        seed = getattr(self, "_split_seed", None)
        if seed is None:
            seed = self._split_seed = int(
                self._random_state.randint(np.iinfo(np.int32).max)
            )
        # Split the training rows as if the others were not there.
        train_idx, val_idx = self._split_validation(
            _select_targets(Y, None, rows)[0], np.random.RandomState(seed)
        )
        if rows is not None:
            train_idx, val_idx = rows[train_idx], rows[val_idx]
        return train_idx.astype(index_dtype), val_idx

    def _run_epoch(self, net, optimizer, batches, order, contiguous, l2, dropout_rng):
        """One pass over the training rows.

        Returns the weighted sums of the batch losses and of the penalty
        terms ``penalty()`` (each at the weights the batch's step starts
        from, as scikit-learn's MLP counts both), the mean gradient norms and
        the first batch's loss (computed before any update of the epoch).
        """
        accumulated = penalties = 0.0
        # A view of the weights for BLAS dots, 2-4 times faster than
        # penalty()'s float64 einsum (about 12 us per batch on 80,000 float64
        # weights), where float32 rounds like the float32 data loss.
        weights = net.params[: net.n_weights] if l2 else None
        first_loss = None
        norms = np.zeros(len(net.coefs))
        batch_norms = np.empty(len(net.coefs))
        n_batches = 0
        for batch in gen_batches(order.shape[0], batches.batch_size):
            if not contiguous:
                batch = batches.sorted_rows(order[batch])
            X_b, Y_b, s, weight, own = batches(batch)
            if weight == 0:
                continue  # rows of zero weight carry no information
            if l2:
                penalties += 0.5 * float(_square_sum(weights)) * weight
            batch_loss = net.loss_grad(X_b, Y_b, s, l2, rng=dropout_rng)
            if first_loss is None:
                # The batch's weighted mean loss: its loss estimates the
                # training set's, and a heavy row would inflate that.
                first_loss = batch_loss if weight == own else batch_loss * weight / own
            norms += net.gradient_norms(out=batch_norms)
            optimizer.step(net.params, net.grad)
            accumulated += batch_loss * weight
            n_batches += 1
        return accumulated, penalties, norms / max(n_batches, 1), first_loss

    def _split_validation(self, Y, rng):
        n = Y.shape[0]
        # One Python float for the count and the split: a NumPy float32
        # computes 0.8 * 5 as 4.0, scikit-learn's splitter as 4.0000001.
        fraction = float(self.validation_fraction)
        n_val = int(np.ceil(fraction * n))
        if n_val < 2 or n - n_val < 1:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of the {n} samples ({n_val}), but "
                "needs at least 2 for validation and 1 for training. Increase "
                "validation_fraction or give more data."
            )
        stratify = self._stratify(Y)
        if stratify is not None:
            codes, counts = np.unique(stratify, return_counts=True)
            if counts.min() < 2 or min(n_val, n - n_val) < codes.size:
                # A stratified split needs two samples of every class and room
                # for each class in both parts.  Where it cannot be had, the
                # split is a plain random one, which is what MLPClassifier
                # always uses for multiclass targets: data it trains on is
                # never refused here.
                stratify = None
        train_idx, val_idx = train_test_split(
            np.arange(n),
            test_size=fraction,  # scikit-learn refuses NumPy float scalars
            random_state=rng,
            stratify=stratify,
        )
        if val_idx.shape[0] < 2:
            raise ValueError(
                f"The validation set has {val_idx.shape[0]} sample(s): increase "
                "validation_fraction or give more data for early_stopping."
            )
        return train_idx, val_idx

    def _stratify(self, Y):
        return None

    def _score_indices(self, net, X, Y, sample_weight, idx, score_weight=None):
        """Validation score on rows ``idx``, predicted chunk by chunk.

        Weighted by ``score_weight``, the caller's weights: ``class_weight``
        shapes training, while the score is ``score``'s (as a ScoringMonitor's).
        """
        if sample_weight is not None:
            # Rows of weight 0 count for nothing in the score; their outputs
            # must not make it NaN either.
            idx = idx[sample_weight[idx] > 0]
        outputs = [
            net.predict(X[idx[chunk]]) for chunk in gen_batches(idx.shape[0], _CHUNK)
        ]
        Y_pred = np.vstack(outputs)
        if not np.isfinite(Y_pred).all():
            # Outputs that overflow cannot be scored (a classifier would turn
            # NaN probabilities into a class): NaN, never an improvement.
            return float("nan")
        sw = None if score_weight is None else score_weight[idx]
        return float(self._validation_score(Y[idx], Y_pred, sw))

    def _update_no_improvement(self, net, early_stopping):
        if early_stopping:
            score = self.validation_scores_[-1]
            # Written so that a NaN score counts as no improvement.
            if not score >= self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_weights = net.get_weights()
                self._best_epoch_loss = self.loss_curve_[-1]
        else:
            loss = self.loss_curve_[-1]
            if loss > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if loss < self.best_loss_:
                self.best_loss_ = loss

    def _scheduled_rate(self, epoch):
        """The rate 'exponential' and 'invscaling' give now; None for the others.

        'exponential' is a function of the current optimizer's epochs (they
        restart when a new optimizer is made), 'invscaling' of the samples
        the whole stream has seen.
        """
        if self.learning_rate == "exponential":
            return self.learning_rate_init * self.decay_rate**epoch
        if self.solver == "sgd" and self.learning_rate == "invscaling":
            return self.learning_rate_init / (self.t_ + 1) ** self.power_t
        return None

    def _schedule(self, optimizer):
        """Update the learning rate after an epoch; return True to stop."""
        opt = optimizer.optimizer
        rate = self._scheduled_rate(optimizer.epoch)
        if rate is not None:
            opt.learning_rate = rate
        if self._no_improvement_count <= self.n_iter_no_change:
            return False
        # The verbose lines are scikit-learn's MLP's, word for word.
        what = "Validation score" if self.early_stopping else "Training loss"
        reason = (
            f"{what} did not improve more than tol={self.tol:f} for "
            f"{self.n_iter_no_change} consecutive epochs."
        )
        adaptive = self.solver == "sgd" and self.learning_rate == "adaptive"
        if adaptive and opt.learning_rate > 1e-6:
            opt.learning_rate /= 5.0
            self._no_improvement_count = 0
            if self.verbose:
                print(f"{reason} Setting learning rate to {opt.learning_rate:f}")
            return False
        if self.verbose:
            if adaptive:
                reason += " Learning rate too small."
            print(f"{reason} Stopping.")
        return True

    def _print_progress(self, start_time, early_stopping):
        # "Iteration" as scikit-learn's MLP prints it (an iteration is an
        # epoch there too), so logs parse the same way.
        line = f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}"
        if early_stopping:
            line += f", validation score = {self.validation_scores_[-1]:.6f}"
        line += f", elapsed = {time.time() - start_time:.2f}s"
        print(line)


class _OptimizerState:
    """An optimizer with the epoch counter the learning-rate schedule needs.

    ``learning_rate_init`` is the estimator's value when the optimizer was
    made: ``partial_fit`` keeps the optimizer (its momentum or moments) from
    call to call, and :meth:`follow` applies a ``learning_rate_init`` changed
    by ``set_params`` since, without undoing what a schedule did otherwise.
    """

    def __init__(self, optimizer, learning_rate_init=None, schedule=None):
        self.optimizer = optimizer
        self.epoch = 0
        if learning_rate_init is None:
            learning_rate_init = optimizer.learning_rate
        self.learning_rate_init = float(learning_rate_init)
        #: The ``learning_rate`` schedule the rate was last set by (None: unknown).
        self.schedule = schedule

    def matches(self, est):
        """Whether the optimizer is of the kind ``est``'s parameters ask for."""
        opt = self.optimizer
        if est.solver == "sgd":
            return isinstance(opt, SGD) and opt.nesterov == bool(est.nesterovs_momentum)
        return isinstance(opt, Adam)

    def follow(self, est):
        """Take ``est``'s current hyperparameters, keeping the state."""
        opt = self.optimizer
        changed = self.schedule is not None and est.learning_rate != self.schedule
        rate = est._scheduled_rate(self.epoch)
        if changed or float(est.learning_rate_init) != self.learning_rate_init:
            # A new schedule takes over at once: 'constant' after
            # 'exponential' must not keep the decayed rate, and 'exponential'
            # or 'invscaling' give their scheduled rate at once (not
            # learning_rate_init for one call, then that rate).
            self.learning_rate_init = float(est.learning_rate_init)
            opt.learning_rate = self.learning_rate_init if rate is None else rate
        elif rate is not None:
            # The same schedule, but decay_rate or power_t may have changed:
            # the scheduled rate at once too. (Unchanged, it is the rate
            # _schedule set after the last epoch.)
            opt.learning_rate = rate
        self.schedule = est.learning_rate
        if isinstance(opt, SGD):
            opt.momentum = float(est.momentum)
        else:
            opt.set_betas(est.beta_1, est.beta_2)
            opt.epsilon = float(est.epsilon)

    def step(self, params, grad):
        self.optimizer.step(params, grad)

    def to_dict(self):
        """Plain-data state (builtins and arrays): what skops trusts."""
        return {
            "kind": type(self.optimizer).__name__,
            "epoch": self.epoch,
            "learning_rate_init": self.learning_rate_init,
            "schedule": self.schedule,
            "state": self.optimizer.state(),
        }

    def copy(self):
        """An independent copy of the state (its own moments or velocity)."""
        data = self.to_dict()
        data["state"] = {
            key: value.copy() if isinstance(value, np.ndarray) else value
            for key, value in data["state"].items()
        }
        return _OptimizerState.from_dict(data)

    @classmethod
    def from_dict(cls, data):
        kind = {"SGD": SGD, "Adam": Adam}[data["kind"]]
        opt = kind.from_state(data["state"])
        out = cls(opt, data.get("learning_rate_init"), data.get("schedule"))
        out.epoch = data["epoch"]
        return out


class _Call:
    """What one call of the training loop trains on.

    The data as given (never copied whole), the rows of positive weight
    (``rows``, None for all), the training rows (``order``, shuffled in place
    each epoch) and the validation rows (``val_idx``, None without early
    stopping), with the totals the loss is scaled by.
    """

    def __init__(self, X, Y, sample_weight, rows, order, val_idx, score_weight, alpha):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.rows, self.order, self.val_idx = rows, order, val_idx
        #: The caller's weights (without class_weight), for the validation score.
        self.score_weight = score_weight
        self.n = X.shape[0] if rows is None else rows.shape[0]
        self.n_train = order.shape[0]
        sw_train = sample_weight
        if sample_weight is not None and (val_idx is not None or rows is not None):
            # Every weight in ``order`` is positive, so both parts of a split
            # have a positive total.
            sw_train = sample_weight[order]
        self.total = float(self.n_train if sw_train is None else sw_train.sum())
        #: The heaviest training row against the mean weight (None: unweighted).
        self.weight_ratio = (
            None
            if sw_train is None
            else float(sw_train.max()) * self.n_train / self.total
        )
        #: The L2 coefficient per unit of weight: alpha over the total weight.
        self.l2 = float(alpha) / self.total
        self._measured = None

    def training_losses(self, net):
        """The network's data loss on the training rows, output by output,
        and the best constant's, each as an array of one value per output.

        An epoch's loss averages over moving weights (and, with dropout,
        thinned networks); this measures the weights ``net`` has now. One
        forward pass, chunk by chunk, X not copied; computed once per call.
        """
        if self._measured is None:
            split = self.rows is not None or self.val_idx is not None
            Y_t, sw_t = (
                _select_targets(self.Y, self.sample_weight, self.order)
                if split
                else (self.Y, self.sample_weight)
            )
            s_t, _ = _normalised_weights(sw_t, self.n_train, self.X.dtype)
            with _quiet_overflow():
                losses = net.output_losses(
                    self.X, self.Y, s_t, rows=self.order if split else None
                )
            self._measured = (losses, net.loss.constant_losses(Y_t, s_t))
        return self._measured


class _Outcome:
    """How the epoch loop of one call ended."""

    def __init__(self, checkpoints):
        #: The weights at the start and after recent epochs (_Checkpoints).
        self.checkpoints = checkpoints
        self.n_scored = 0  # epochs with a finite validation score
        self.interrupted = self.diverged = self.converged = False
        #: The loss training started from (None: no batch was trained).
        self.start_loss = None
