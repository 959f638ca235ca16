"""Shared estimator code: parameters, input checks and the training loops.

The estimator side of skbpnet.  It validates inputs with scikit-learn's
helpers, turns targets into a matrix ``Y``, builds a :class:`~skbpnet._network.Network`
and drives it with a stochastic optimizer or L-BFGS.  The fitted state is plain
arrays (``coefs_``, ``intercepts_``) and builtins; the network is rebuilt from
them whenever it is needed, so estimators pickle small and predict without
shared work arrays.
"""

import time
import warnings

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils.validation import (
    _check_sample_weight,
    assert_all_finite,
    check_is_fitted,
    validate_data,
)

from ._batches import _batch_size, _Batches, _normalised_weights
from ._callbacks import CallbackSupportMixin, with_callbacks
from ._network import PREDICT_CHUNK, Network, build_layers, forward_checked
from ._optimizers import SGD, Adam
from ._params import STOCHASTIC_SOLVERS, validate_params
from ._safeguards import (
    _Checkpoints,
    _quiet_overflow,
    _user_stacklevel,
    _warn_diverged,
    _warn_if_blown_up,
    _warn_interrupted,
)
from ._threads import (
    blas_threads,
    single_threaded_blas,
    single_threaded_foreign_blas,
)

#: Rows per chunk when scoring a validation set by index (bounds memory).
_CHUNK = 2048

#: From this many dense rows, prediction runs on as many Python threads as the
#: BLAS may use, each with a single-threaded BLAS (see ``_threads``); below it,
#: starting threads costs more than it saves.
PARALLEL_PREDICT_ROWS = 4 * PREDICT_CHUNK


def _stochastic_only(est):
    if est.solver not in STOCHASTIC_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic solvers ('sgd', 'adam'); "
            f"solver={est.solver!r} is not stochastic."
        )
    return True


class BaseBP(CallbackSupportMixin, BaseEstimator):
    """Base class of :class:`BPClassifier` and :class:`BPRegressor`.

    Subclasses define ``_loss_name(Y)`` (which loss to train), ``_encode_y``
    (targets to a float matrix) and ``_validation_score`` (early stopping).
    """

    _y_numeric = False

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        maxout_pieces=2,
        init="auto",
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-3,
        decay_rate=0.96,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        dropout=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        max_fun=15000,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.maxout_pieces = maxout_pieces
        self.init = init
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.decay_rate = decay_rate
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.dropout = dropout
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.max_fun = max_fun

    # ----------------------------------------------------------- persistence
    def __getstate__(self):
        state = super().__getstate__()
        if isinstance(state.get("_optimizer"), _OptimizerState):
            state = dict(state, _optimizer=state["_optimizer"].to_dict())
        return state

    def __setstate__(self, state):
        if isinstance(state.get("_optimizer"), dict):
            opt = _OptimizerState.from_dict(state["_optimizer"])
            state = dict(state, _optimizer=opt)
        super().__setstate__(state)

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ----------------------------------------------------------------- input
    def _validate_X(self, X, reset, ensure_all_finite=True):
        return validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            reset=reset,
            ensure_all_finite=ensure_all_finite,
        )

    def _validate_fit_data(self, X, y, sample_weight, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=self._y_numeric,
            reset=reset,
        )
        if sp.issparse(X):
            # Row batches are gathered by index: CSR makes that cheap.
            X = X.tocsr()
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
            _check_weight_total(sample_weight, "sample_weight")
        return X, y, sample_weight

    # -------------------------------------------------------------- training
    def _network(self, config, dtype, n_features, n_outputs, loss):
        return Network(
            n_features,
            config["hidden_layer_sizes"],
            config["activations"],
            n_outputs,
            loss,
            maxout_pieces=self.maxout_pieces,
            dropout=config["dropout"],
            dtype=dtype,
        )

    def _prepare(self, X, y, sample_weight, incremental, classes=None):
        """Validate everything and return ``(net, X, y, Y, sample_weight)``.

        Builds the network, initialised afresh or loaded from the fitted
        ``coefs_`` (warm start, partial_fit).  Also used by ``gradient_check``.
        """
        config = validate_params(self)
        fresh = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight, reset=fresh)
        if not fresh and X.dtype != self.coefs_[0].dtype:
            # A fitted model keeps its precision: a float64 model continues
            # in float64 on float32 X (and the reverse) rather than turning
            # its weights float32 next to a float64 optimizer state.
            X = X.astype(self.coefs_[0].dtype)
        Y, sample_weight = self._encode_y(
            y, sample_weight, fresh, classes, incremental, X.dtype
        )
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=X.dtype)
            _check_weight_total(sample_weight, "sample_weight * class_weight")
        if isinstance(Y, np.ndarray):
            Y = np.asarray(Y, dtype=X.dtype)
        loss = self._loss_name(Y)
        n_outputs = Y.shape[1]
        if fresh:
            self._random_state = check_random_state(self.random_state)
            net = self._network(config, X.dtype, X.shape[1], n_outputs, loss)
            net.initialize(self.init, self._random_state)
            self._set_structure(config, n_outputs, net)
            self._reset_history()
        else:
            self._check_structure(config, n_outputs)
            net = self._network(config, X.dtype, X.shape[1], n_outputs, loss)
            if net.loss.out_activation != self.out_activation_:
                raise ValueError(
                    f"The loss changed since the last fit: the fitted network "
                    f"predicts through out_activation_={self.out_activation_!r}, "
                    f"the loss asks for {net.loss.out_activation!r}. Set "
                    "warm_start=False or refit from scratch."
                )
            net.set_weights(self.coefs_, self.intercepts_)
            # Same shapes, but the activations may have changed (relu -> tanh).
            self._freeze_layers(config)
            self._continue_history()
        self._config = config
        return net, X, y, Y, sample_weight

    def _freeze_layers(self, config):
        # The architecture predict needs, frozen at fit time so that a later
        # set_params cannot change what a fitted model computes.
        self._fitted_layers = {
            "hidden_layer_sizes": config["hidden_layer_sizes"],
            "activations": tuple(config["activations"]),
            "maxout_pieces": self.maxout_pieces,
        }

    def _set_structure(self, config, n_outputs, net):
        self._freeze_layers(config)
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(config["hidden_layer_sizes"]) + 2
        self.out_activation_ = net.loss.out_activation
        self.coefs_, self.intercepts_ = net.get_weights()

    def _check_structure(self, config, n_outputs):
        shapes = [W.shape for W in self.coefs_]
        expected = Network(
            self.n_features_in_,
            config["hidden_layer_sizes"],
            config["activations"],
            n_outputs,
            "squared_error",
            self.maxout_pieces,
        ).shapes
        if shapes != expected:
            raise ValueError(
                "The network's shape changed since the last fit (hidden_layer_sizes, "
                "activation, maxout_pieces or the number of outputs): the fitted "
                f"weights have shapes {shapes}, the parameters ask for {expected}. "
                "Set warm_start=False or refit from scratch."
            )

    def _reset_history(self):
        # A fresh fit that diverges or is interrupted in its first epoch
        # computes loss_ for the weights it keeps; none may linger.
        self.__dict__.pop("loss_", None)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.gradient_norms_ = np.empty((0, self.n_layers_ - 1))
        self._no_improvement_count = 0
        self.best_loss_ = np.inf
        self.validation_scores_ = None
        self.best_validation_score_ = None
        if self._validates():
            self.best_loss_ = None
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf

    def _validates(self):
        """Whether fit holds out a validation set (early stopping, not lbfgs)."""
        return bool(self.early_stopping) and self.solver != "lbfgs"

    def _continue_history(self):
        """Keep a warm-started history consistent with today's early_stopping."""
        if self._validates() and getattr(self, "validation_scores_", None) is None:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self._no_improvement_count = 0
        if not self._validates() and getattr(self, "best_loss_", None) is None:
            self.best_loss_ = np.inf
            self._no_improvement_count = 0

    @with_callbacks
    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        # A fit that fails (bad y, bad parameters, an error in a callback)
        # leaves the estimator as it was: validation replaces classes_ and
        # n_features_in_ before it can fail, and a fitted model must not be
        # left with new classes_ and old weights.
        # Lists such as loss_curve_ grow in place during training: their
        # lengths are kept (not copies: a long stream of partial_fit calls
        # would copy an ever longer loss_curve_ each time).
        before = dict(self.__dict__)
        lengths = {k: len(v) for k, v in before.items() if isinstance(v, list)}
        try:
            net, X, y, Y, sample_weight = self._prepare(
                X, y, sample_weight, incremental, classes
            )
            # One root task per fit, one subtask per epoch (lbfgs: iteration).
            tasks = _Tasks(
                self, X, y, sample_weight, 1 if incremental else self.max_iter
            )
            if self.solver == "lbfgs":
                self._fit_lbfgs(net, X, Y, sample_weight, tasks)
            else:
                self._fit_stochastic(net, X, Y, sample_weight, incremental, tasks)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            for key, length in lengths.items():
                del before[key][length:]
            raise
        self.coefs_, self.intercepts_ = net.get_weights()
        tasks.end_fit(self._reconstruction(net))
        return self

    def _reconstruction(self, net):
        """Attributes that make a copy of this estimator predict like ``net``."""
        coefs, intercepts = net.get_weights()
        return {"coefs_": coefs, "intercepts_": intercepts}

    # -- L-BFGS -------------------------------------------------------------
    def _fit_lbfgs(self, net, X, Y, sample_weight, tasks):
        Y = np.asarray(Y)  # full batch: every evaluation needs all rows
        s, total = _normalised_weights(sample_weight, X.shape[0], X.dtype)
        l2 = float(self.alpha) / total
        last = {}
        accepted = {"x": net.params.astype(np.float64), "fun": np.inf}
        losses, norms = [], []
        start_time = time.time()

        def objective(x):
            net.params[...] = x
            with _quiet_overflow():
                loss = net.loss_grad(X, Y, s, l2) + l2 * net.penalty()
            grad = net.grad.astype(np.float64)
            if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
                # An infinite value makes the line search step back.
                return np.inf, np.zeros_like(grad)
            with _quiet_overflow():
                last["norms"] = net.gradient_norms()
            return loss, grad

        def record(intermediate_result):
            if (
                np.isfinite(intermediate_result.fun)
                and np.isfinite(intermediate_result.x).all()
            ):
                accepted["x"] = np.array(intermediate_result.x)
                accepted["fun"] = float(intermediate_result.fun)
            losses.append(accepted["fun"])
            norms.append(last["norms"])
            if self.verbose:
                print(
                    f"Iteration {len(losses)}, loss = {losses[-1]:.8f}, "
                    f"elapsed = {time.time() - start_time:.2f}s"
                )
            task = tasks.begin_epoch()
            net.params[...] = intermediate_result.x
            if tasks.end_epoch(task, lambda: self._reconstruction(net)):
                raise StopIteration  # scipy ends the minimisation cleanly

        result = None
        try:
            # SciPy's own BLAS on one thread: see single_threaded_foreign_blas.
            with single_threaded_foreign_blas():
                result = scipy.optimize.minimize(
                    objective,
                    accepted["x"].copy(),
                    method="L-BFGS-B",
                    jac=True,
                    callback=record,
                    options={
                        "maxiter": self.max_iter,
                        "maxfun": self.max_fun,
                        "gtol": self.tol,
                        "ftol": self.tol,
                    },
                )
        except KeyboardInterrupt:
            _warn_interrupted("lbfgs" if losses else "before", len(losses))
        if result is not None and np.isfinite(result.fun):
            x, fun, nit = result.x, float(result.fun), int(result.nit)
        else:
            # Interrupted, or no finite point was ever reached beyond the start.
            x, fun, nit = accepted["x"], accepted["fun"], len(losses)
        net.params[...] = x
        self.n_iter_ = nit
        self.loss_ = fun if np.isfinite(fun) else self._current_loss(net, X, Y, s, l2)
        self.loss_curve_ = list(self.loss_curve_) + losses
        self.best_loss_ = min([self.loss_] + losses)
        if norms:
            self.gradient_norms_ = np.vstack([self.gradient_norms_, np.array(norms)])
        if not np.isfinite(self.loss_):
            _warn_diverged(self.n_iter_ + 1, self.solver, "lbfgs")
            return
        if result is None:
            return
        stopped_by_callback = "callback" in str(result.message)
        if result.status != 0 and not stopped_by_callback:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iterations "
                f"(status={result.status}): {result.message}. Increase max_iter "
                "or max_fun, or scale the data.",
                ConvergenceWarning,
                stacklevel=_user_stacklevel(),
            )

    def _current_loss(self, net, X, Y, s, l2):
        with _quiet_overflow():
            Y = np.asarray(Y)
            return float(net.loss_grad(X, Y, s, l2) + l2 * net.penalty())

    # -- SGD / Adam -----------------------------------------------------------
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

    def _fit_stochastic(self, net, X, Y, sample_weight, incremental, tasks):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True.")
        early_stopping = self.early_stopping and not incremental
        self._best_weights = None
        if early_stopping and np.isfinite(self.best_validation_score_):
            # A warm start begins at the last fit's best validation weights:
            # they stay the model unless an epoch of this fit scores higher,
            # and the count of epochs without improvement starts over.
            self._best_weights = net.get_weights()
            self._no_improvement_count = 0
        optimizer = getattr(self, "_optimizer", None)
        if (
            optimizer is None
            or not incremental
            or optimizer.velocity_size() != net.n_params
            or not optimizer.matches(self)
        ):
            optimizer = self._optimizer = _OptimizerState(
                self._make_optimizer(net), self.learning_rate_init
            )
        else:
            optimizer.follow(self)
        rng = self._random_state

        n = X.shape[0]
        # Row indices in int32 when they fit: half the memory, same shuffles.
        index_dtype = np.int32 if n < 2**31 else np.intp
        if early_stopping:
            train_idx, val_idx = self._split_validation(Y, rng)
            order = train_idx.astype(index_dtype)
        else:
            val_idx = None
            order = np.arange(n, dtype=index_dtype)
        n_train = order.shape[0]
        sw_train = sample_weight
        if sample_weight is not None and val_idx is not None:
            sw_train = sample_weight[order]
            for part, weight in (
                ("validation", sample_weight[val_idx].sum()),
                ("training", sw_train.sum()),
            ):
                if not weight > 0:
                    raise ValueError(
                        f"early_stopping=True: every sample of the {part} split "
                        f"(validation_fraction={self.validation_fraction}) has "
                        "zero sample_weight, so it cannot be used. Give more "
                        "samples a positive weight or change validation_fraction."
                    )
        total = float(n_train if sw_train is None else sw_train.sum())
        l2 = float(self.alpha) / total
        batch_size = _batch_size(self.batch_size, n_train)
        dropout_rng = rng if any(self._config["dropout"]) else None
        batches = _Batches(X, Y, sample_weight, batch_size)
        norm_rows = [self.gradient_norms_]
        start_time = time.time()
        max_epochs = 1 if incremental else self.max_iter
        # Without shuffling or a held-out split the batches are plain slices,
        # which are views: X is never gathered or copied.
        contiguous = not self.shuffle and val_idx is None
        # The L2 term is added before the optimizer's step, which is the only
        # other user of its scratch vector: share it instead of another copy
        # of the weights' size.
        scratch = optimizer.optimizer._scratch
        if scratch.dtype == net.dtype:
            net.l2_scratch = scratch[: net.n_weights]

        checkpoints = _Checkpoints(net.params)
        interrupted = diverged = False
        # The loss training starts from (penalty included, as in loss_): the
        # first batch's loss before any update, plus the initial penalty.
        start_loss, start_penalty = None, l2 * net.penalty()
        try:
            self.n_iter_ = 0
            for _ in range(max_epochs):
                task = tasks.begin_epoch()
                if self.shuffle:
                    rng.shuffle(order)
                with _quiet_overflow():
                    accumulated, norms, first_loss = self._run_epoch(
                        net, optimizer, batches, order, contiguous, l2, dropout_rng
                    )
                    loss = accumulated / total + l2 * net.penalty()
                if start_loss is None and first_loss is not None:
                    start_loss = first_loss + start_penalty
                if not (np.isfinite(loss) and np.isfinite(net.params.sum())):
                    diverged = True
                    break
                self.n_iter_ += 1
                checkpoints.epoch_done(net.params)
                self.t_ += n_train
                optimizer.epoch += 1
                self.loss_ = loss
                self.loss_curve_.append(loss)
                norm_rows.append(norms[None, :])
                if early_stopping:
                    # Finite but huge weights (a network about to diverge)
                    # may overflow in the score: that epoch then scores NaN
                    # or -inf, which counts as no improvement.
                    with _quiet_overflow():
                        score = self._score_indices(net, X, Y, sample_weight, val_idx)
                    self.validation_scores_.append(score)
                self._update_no_improvement(net, early_stopping)
                if self.verbose:
                    self._print_progress(start_time, early_stopping)
                stop = self._schedule(optimizer)
                if tasks.end_epoch(task, lambda: self._reconstruction(net)) or stop:
                    break
            else:
                if not incremental:
                    warnings.warn(
                        f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=_user_stacklevel(),
                    )
        except KeyboardInterrupt:
            interrupted = True
        finally:
            self.gradient_norms_ = np.vstack(norm_rows)
        restore_best = early_stopping and self._best_weights is not None
        if restore_best:
            net.set_weights(*self._best_weights)
            kept = "validation"
        elif diverged or interrupted:
            kept = checkpoints.restore(net, X, check_outputs=diverged)
            if kept == "start":
                # loss_ described the last finite epoch's weights.
                del self.loss_
        self._best_weights = None
        if diverged:
            # The diverging steps left inf/NaN in the momentum or moments; a
            # later partial_fit reusing them would diverge at once.
            optimizer.optimizer.reset()
            _warn_diverged(self.n_iter_ + 1, self.solver, kept)
        elif interrupted:
            _warn_interrupted(kept, self.n_iter_)
        elif not restore_best and start_loss is not None:
            # (With early stopping the model is the best validation epoch's,
            # whatever the last epochs did.)
            s_all, _ = _normalised_weights(sample_weight, n, X.dtype)
            reference = net.loss.constant_loss(Y, s_all)
            _warn_if_blown_up(self.loss_, reference, start_loss, self.solver)
        if not hasattr(self, "loss_"):
            # Kept the weights the call started from (diverged or interrupted
            # in the first epoch, or the fallback above): report their loss.
            s_all, total_all = _normalised_weights(sample_weight, n, X.dtype)
            self.loss_ = self._current_loss(
                net, X, Y, s_all, float(self.alpha) / total_all
            )

    def _run_epoch(self, net, optimizer, batches, order, contiguous, l2, dropout_rng):
        """One pass over the training rows.

        Returns the weighted sum of the batch losses, the mean gradient norms
        and the first batch's loss (computed before any update of the epoch).
        """
        accumulated = 0.0
        first_loss = None
        norms = np.zeros(len(net.coefs))
        batch_norms = np.empty(len(net.coefs))
        n_batches = 0
        for batch in gen_batches(order.shape[0], batches.batch_size):
            if not contiguous:
                batch = order[batch]
                # Rows in ascending order make the gather read memory forward
                # (about twice as fast); a batch's gradient is a sum over its
                # rows, so their order within the batch does not matter.
                batch.sort()
            X_b, Y_b, s, weight = batches(batch)
            if weight == 0:
                continue  # rows of zero weight carry no information
            batch_loss = net.loss_grad(X_b, Y_b, s, l2, rng=dropout_rng)
            if first_loss is None:
                first_loss = batch_loss
            norms += net.gradient_norms(out=batch_norms)
            optimizer.step(net.params, net.grad)
            accumulated += batch_loss * weight
            n_batches += 1
        return accumulated, norms / max(n_batches, 1), first_loss

    def _split_validation(self, Y, rng):
        n = Y.shape[0]
        n_val = int(np.ceil(self.validation_fraction * n))
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
            if counts.min() < 2:
                # train_test_split would name the class by its internal code.
                rare = [self._label_name(c) for c in codes[counts < 2]]
                raise ValueError(
                    f"early_stopping=True holds out a stratified validation set, "
                    f"which needs at least 2 samples of every class; class(es) "
                    f"{rare} have 1. Give more data or set early_stopping=False."
                )
        train_idx, val_idx = train_test_split(
            np.arange(n),
            test_size=self.validation_fraction,
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

    def _label_name(self, code):
        """The user's label for a stratification code (classifiers only)."""
        return code

    def _score_indices(self, net, X, Y, sample_weight, idx):
        """Validation score on rows ``idx``, predicted chunk by chunk."""
        outputs = [
            net.predict(X[idx[chunk]]) for chunk in gen_batches(idx.shape[0], _CHUNK)
        ]
        Y_pred = np.vstack(outputs)
        sw = None if sample_weight is None else sample_weight[idx]
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
        else:
            loss = self.loss_curve_[-1]
            if loss > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if loss < self.best_loss_:
                self.best_loss_ = loss

    def _schedule(self, optimizer):
        """Update the learning rate after an epoch; return True to stop."""
        opt = optimizer.optimizer
        if self.learning_rate == "exponential":
            opt.learning_rate = (
                self.learning_rate_init * self.decay_rate**optimizer.epoch
            )
        elif self.solver == "sgd" and self.learning_rate == "invscaling":
            opt.learning_rate = self.learning_rate_init / (self.t_ + 1) ** self.power_t
        if self._no_improvement_count <= self.n_iter_no_change:
            return False
        if (
            self.solver == "sgd"
            and self.learning_rate == "adaptive"
            and opt.learning_rate > 1e-6
        ):
            opt.learning_rate /= 5.0
            self._no_improvement_count = 0
            if self.verbose:
                print(f"Setting learning rate to {opt.learning_rate:f}")
            return False
        if self.verbose:
            what = "Validation score" if self.early_stopping else "Training loss"
            print(
                f"{what} did not improve more than tol={self.tol} for "
                f"{self.n_iter_no_change} consecutive epochs. Stopping."
            )
        return True

    def _print_progress(self, start_time, early_stopping):
        line = f"Epoch {self.n_iter_}, loss = {self.loss_:.8f}"
        if early_stopping:
            line += f", validation score = {self.validation_scores_[-1]:.6f}"
        line += f", elapsed = {time.time() - start_time:.2f}s"
        print(line)

    # ------------------------------------------------------------ prediction
    def _forward(self, X):
        """Validate ``X`` and return the raw outputs of the fitted network."""
        check_is_fitted(self, "coefs_")
        with _quiet_overflow():
            # Finiteness is checked on the first layer's pre-activations
            # (see ``forward_checked``), which saves a full pass over X; X
            # itself is scanned only when something is wrong.
            X = self._validate_X(X, reset=False, ensure_all_finite=False)
            layers = build_layers(
                self._fitted_layers["hidden_layer_sizes"],
                self._fitted_layers["activations"],
                self.n_outputs_,
                self._fitted_layers["maxout_pieces"],
            )
            args = (layers, X, self.coefs_, self.intercepts_)
            workers = 1
            if not sp.issparse(X) and X.shape[0] >= PARALLEL_PREDICT_ROWS:
                workers = blas_threads()
            if workers > 1:
                with single_threaded_blas():
                    Z, inputs_finite = forward_checked(*args, workers=workers)
            else:
                Z, inputs_finite = forward_checked(*args)
            if not inputs_finite:
                assert_all_finite(X, input_name="X")
        if not np.isfinite(Z).all():
            raise ValueError(
                "The network's outputs overflow (inf or NaN) for some rows of X. "
                "Either X is far larger than the training data (scale it as the "
                "training data were) or the weights are huge because training "
                "diverged (refit with a smaller learning_rate_init or scaled "
                "inputs)."
            )
        return Z


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

    def end_fit(self, reconstruction):
        self.root.call_on_fit_task_end(
            estimator=self.est,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=reconstruction,
        )


class _OptimizerState:
    """An optimizer with the epoch counter the learning-rate schedule needs.

    ``learning_rate_init`` is the estimator's value when the optimizer was
    made: ``partial_fit`` keeps the optimizer (its momentum or moments) from
    call to call, and :meth:`follow` applies a ``learning_rate_init`` changed
    by ``set_params`` since, without undoing what a schedule did otherwise.
    """

    def __init__(self, optimizer, learning_rate_init=None):
        self.optimizer = optimizer
        self.epoch = 0
        if learning_rate_init is None:
            learning_rate_init = optimizer.learning_rate
        self.learning_rate_init = float(learning_rate_init)

    def matches(self, est):
        """Whether the optimizer is of the kind ``est``'s parameters ask for."""
        opt = self.optimizer
        if est.solver == "sgd":
            return isinstance(opt, SGD) and opt.nesterov == bool(est.nesterovs_momentum)
        return isinstance(opt, Adam)

    def follow(self, est):
        """Take ``est``'s current hyperparameters, keeping the state."""
        opt = self.optimizer
        if float(est.learning_rate_init) != self.learning_rate_init:
            self.learning_rate_init = float(est.learning_rate_init)
            opt.learning_rate = self.learning_rate_init
        if isinstance(opt, SGD):
            opt.momentum = float(est.momentum)
        else:
            opt.beta_1, opt.beta_2 = float(est.beta_1), float(est.beta_2)
            opt.epsilon = float(est.epsilon)

    def step(self, params, grad):
        self.optimizer.step(params, grad)

    def to_dict(self):
        """Plain-data state (builtins and arrays): what skops trusts."""
        opt = self.optimizer
        state = {k: v for k, v in vars(opt).items() if not k.startswith("_")}
        return {
            "kind": type(opt).__name__,
            "epoch": self.epoch,
            "learning_rate_init": self.learning_rate_init,
            "state": state,
        }

    @classmethod
    def from_dict(cls, data):
        kind = {"SGD": SGD, "Adam": Adam}[data["kind"]]
        opt = kind.__new__(kind)
        vars(opt).update(data["state"])
        ref = opt.velocity if kind is SGD else opt.m
        opt._scratch = np.empty_like(ref)
        if kind is SGD:
            opt._scratch2 = np.empty_like(ref) if opt.nesterov else None
        out = cls(opt, data.get("learning_rate_init"))
        out.epoch = data["epoch"]
        return out

    def velocity_size(self):
        opt = self.optimizer
        return (opt.velocity if isinstance(opt, SGD) else opt.m).shape[0]


def _check_weight_total(sample_weight, name):
    """Finite, non-negative weights with a positive, finite sum."""
    if not np.isfinite(sample_weight).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    if (sample_weight < 0).any():
        raise ValueError(f"{name} has negative values; weights must be >= 0.")
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
    if not total > 0:
        raise ValueError(
            f"{name} sums to zero: at least one sample needs a positive weight."
        )
    if not np.isfinite(total):
        raise ValueError(
            f"{name} is too large: the weights sum to more than the largest "
            f"{sample_weight.dtype}. Rescale them."
        )
