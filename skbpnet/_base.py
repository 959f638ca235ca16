"""Shared estimator code: parameters, input checks, fit and prediction.

The estimator side of skbpnet.  It validates inputs with scikit-learn's
helpers, turns targets into a matrix ``Y``, builds a :class:`~skbpnet._network.Network`
and hands it to a training loop: mini-batch SGD/Adam
(:mod:`skbpnet._stochastic`) or full-batch L-BFGS (:mod:`skbpnet._lbfgs`).
The fitted state is plain arrays (``coefs_``, ``intercepts_``) and builtins;
the network is rebuilt from them whenever it is needed, so estimators pickle
small and predict without shared work arrays.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn import exceptions as _sklearn_exceptions
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import (
    _check_sample_weight,
    assert_all_finite,
    check_is_fitted,
    validate_data,
)

from ._batches import _check_weight_total, _drop_weightless, _positive_rows
from ._callbacks import CallbackSupportMixin, _Tasks, with_callbacks
from ._lbfgs import _LbfgsTraining
from ._network import (
    PREDICT_CHUNK,
    Network,
    build_layers,
    forward_checked,
    weight_shapes,
)
from ._params import STOCHASTIC_SOLVERS, validate_params
from ._safeguards import _quiet_overflow, _warn_interrupted
from ._stochastic import _OptimizerState, _StochasticTraining
from ._threads import blas_threads, single_threaded_blas

#: How to leave a fitted structure behind; partial_fit has no warm_start.
_REFIT_HINT = "Fit a new model with fit() and warm_start=False."

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


class InconsistentVersionWarning(_sklearn_exceptions.InconsistentVersionWarning):
    """A model is loaded with another skbpnet version than the one that saved it.

    A subclass of scikit-learn's warning of the same name, so that a filter
    for that warning covers skbpnet's models too; its ``*_sklearn_version``
    attributes hold skbpnet's versions here.
    """

    def __str__(self):
        return (
            f"Loading a {self.estimator_name} saved with skbpnet "
            f"{self.original_sklearn_version} into skbpnet "
            f"{self.current_sklearn_version}: its fitted state may not mean the "
            "same there, which can break it or change its predictions silently. "
            "Load it with the version that saved it, or refit it."
        )


class BaseBP(_StochasticTraining, _LbfgsTraining, CallbackSupportMixin, BaseEstimator):
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
        from . import __version__

        state = super().__getstate__()
        if isinstance(state.get("_optimizer"), _OptimizerState):
            state = dict(state, _optimizer=state["_optimizer"].to_dict())
        # scikit-learn stamps only its own estimators' pickles with a version.
        return dict(state, _skbpnet_version=__version__)

    def __setstate__(self, state):
        from . import __version__

        state = dict(state)
        # Pickles from before the stamp carry none; nothing to compare then.
        saved = state.pop("_skbpnet_version", __version__)
        if saved != __version__:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_sklearn_version=__version__,
                    original_sklearn_version=saved,
                ),
                stacklevel=2,
            )
        if isinstance(state.get("_optimizer"), dict):
            state["_optimizer"] = _OptimizerState.from_dict(state["_optimizer"])
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
        if self._y_numeric and sp.issparse(y):
            # Regression targets are trained on densely; callbacks and
            # scorers given y need it dense too.
            y = y.toarray()
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
            maxout_pieces=config["maxout_pieces"],
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
            with np.errstate(over="ignore"):
                X = X.astype(self.coefs_[0].dtype)
            if not np.isfinite(X.data if sp.issparse(X) else X).all():
                raise ValueError(
                    "X has values too large for float32, the precision of this "
                    "model (fitted on float32 X): rescale X, or fit a new model "
                    "on float64 X."
                )
        Y, sample_weight = self._encode_y(
            y, sample_weight, fresh, classes, incremental, X.dtype
        )
        if sample_weight is not None:
            name = (
                "sample_weight * class_weight"
                if getattr(self, "class_weight", None) is not None
                else "sample_weight"
            )
            finite = np.isfinite(sample_weight).all()
            with np.errstate(over="ignore"):
                sample_weight = np.asarray(sample_weight, dtype=X.dtype)
            if finite and not np.isfinite(sample_weight).all():
                raise ValueError(
                    f"{name} has values too large for {X.dtype}, the precision "
                    "of this model: rescale them (dividing the weights and alpha "
                    "by the same factor changes nothing)."
                )
            _check_weight_total(sample_weight, name)
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
            if self.random_state is None:
                # NumPy's global generator, as in the fit before. A pickled or
                # copied model holds a frozen copy of it instead, which would
                # stop np.random.seed from reaching the loaded model's
                # shuffles and dropout masks.
                self._random_state = check_random_state(None)
            self._check_structure(config, n_outputs)
            net = self._network(config, X.dtype, X.shape[1], n_outputs, loss)
            if net.loss.out_activation != self.out_activation_:
                raise ValueError(
                    f"The loss changed since the last fit: the fitted network "
                    f"predicts through out_activation_={self.out_activation_!r}, "
                    f"the loss asks for {net.loss.out_activation!r}. "
                    f"{_REFIT_HINT}"
                )
            net.set_weights(self.coefs_, self.intercepts_)
            # Same shapes, but the activations may have changed (relu -> tanh).
            self._freeze_layers(config)
            self._continue_history()
        return net, X, y, Y, sample_weight

    def _freeze_layers(self, config):
        # The architecture predict needs, frozen at fit time so that a later
        # set_params cannot change what a fitted model computes.
        self._fitted_layers = {
            "hidden_layer_sizes": config["hidden_layer_sizes"],
            "activations": tuple(config["activations"]),
            "maxout_pieces": config["maxout_pieces"],
        }

    def _set_structure(self, config, n_outputs, net):
        self._freeze_layers(config)
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(config["hidden_layer_sizes"]) + 2
        self.out_activation_ = net.loss.out_activation
        self.coefs_, self.intercepts_ = net.get_weights()

    def _check_structure(self, config, n_outputs):
        shapes = [W.shape for W in self.coefs_]
        # The shapes alone: a Network would allocate its parameter buffers.
        expected = weight_shapes(
            self.n_features_in_,
            build_layers(
                config["hidden_layer_sizes"],
                config["activations"],
                n_outputs,
                config["maxout_pieces"],
            ),
        )
        if shapes != expected:
            raise ValueError(
                "The network's shape changed since the last fit (hidden_layer_sizes, "
                "activation, maxout_pieces or the number of outputs): the fitted "
                f"weights have shapes {shapes}, the parameters ask for {expected}. "
                f"{_REFIT_HINT}"
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
        # The early-stopping split's seed (see _fit_stochastic): a new run of
        # validation scores, a new split.
        self.__dict__.pop("_split_seed", None)
        if self._validates():
            self.best_loss_ = None
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf

    def _validates(self):
        """Whether fit holds out a validation set (early stopping, not lbfgs)."""
        return bool(self.early_stopping) and self.solver != "lbfgs"

    def _continue_history(self):
        """Keep a warm-started history consistent with today's early_stopping.

        Turning early stopping on or off starts a new run of the criterion
        it switches to (a fresh count of epochs without improvement); the
        validation scores describe a run of epochs that ends with the last
        one (see ``validation_scores_``), so a fit without early stopping
        ends that run.
        """
        if self._validates():
            if getattr(self, "validation_scores_", None) is None:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self._no_improvement_count = 0
            self.best_loss_ = None
        else:
            # best_loss_ is None with early stopping: turned off, or fresh.
            if getattr(self, "best_loss_", None) is None:
                self.best_loss_ = np.inf
                self._no_improvement_count = 0
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.__dict__.pop("_split_seed", None)

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
        # The random streams a fit may draw from (the split, the shuffles)
        # are mutated in place: keep their states too. Not NumPy's global
        # generator (random_state=None): rewinding it would also undo, and so
        # repeat, the draws of other code in the process meanwhile.
        streams = {
            id(rng): (rng, rng.get_state())
            for rng in (before.get("_random_state"), self.random_state)
            if isinstance(rng, np.random.RandomState)
            and rng is not np.random.mtrand._rand
        }
        # partial_fit continues the optimizer's state (moments, velocity,
        # schedule) in place: keep a copy (fit always starts a new one).
        optimizer = before.get("_optimizer") if incremental else None
        saved_optimizer = None if optimizer is None else optimizer.copy()
        user_weight = sample_weight
        try:
            net, X, y, Y, sample_weight = self._prepare(
                X, y, sample_weight, incremental, classes
            )
            # One root task per fit, one subtask per epoch (lbfgs: iteration).
            # Callbacks see the caller's weights, not those multiplied by
            # class_weight: a ScoringMonitor scores as ``score`` does.
            if user_weight is not None:
                user_weight = _check_sample_weight(user_weight, X, dtype=X.dtype)
            tasks = _Tasks(self, X, y, user_weight, 1 if incremental else self.max_iter)
            if self.solver == "lbfgs":
                # The stochastic optimizer's moments and schedule describe
                # weights L-BFGS is about to move (or, fresh, discard): a
                # later partial_fit starts a new one.
                self.__dict__.pop("_optimizer", None)
                X, Y, sample_weight = _drop_weightless(X, Y, sample_weight)
                self._fit_lbfgs(net, X, Y, sample_weight, tasks)
            else:
                # Mini-batches skip rows of weight 0 by index: copying the
                # others out of X would read all of a memmapped X into memory.
                rows = _positive_rows(sample_weight)
                self._fit_stochastic(
                    net, X, Y, sample_weight, incremental, tasks, rows, user_weight
                )
            self.coefs_, self.intercepts_ = net.get_weights()
            try:
                tasks.end_fit(self._reconstruction(net))
            except KeyboardInterrupt:
                # Training is complete: an interruption from the root task's
                # end hooks keeps the trained model, as one from an epoch's
                # hooks keeps the last complete epoch.
                _warn_interrupted("end", self.n_iter_)
        except BaseException:
            # The callback machinery's own state (set up after ``before`` was
            # taken) must survive, or the callbacks are never torn down.
            callback_state = {
                key: self.__dict__[key]
                for key in ("_callback_fit_ctx", "_skl_callbacks_to_teardown")
                if key in self.__dict__
            }
            self.__dict__.clear()
            self.__dict__.update(before)
            self.__dict__.update(callback_state)
            for key, length in lengths.items():
                del before[key][length:]
            for rng, state in streams.values():
                rng.set_state(state)
            if saved_optimizer is not None:
                self._optimizer = saved_optimizer
            raise
        return self

    def _reconstruction(self, net, **history):
        """Attributes that make a copy of this estimator look fitted to ``net``.

        The weights, copies of the fitted lists and arrays (a callback that
        keeps the copy must not see later epochs appear in it, nor changes
        made to the estimator's own), and ``history``: values the estimator
        holds only at the end of a fit (an L-BFGS run's iterations, the
        gradient norms), as they stand now.
        """
        coefs, intercepts = net.get_weights()
        copies = {
            key: list(value) if isinstance(value, list) else value.copy()
            for key, value in vars(self).items()
            if key.endswith("_")
            and key not in history
            and isinstance(value, (list, np.ndarray))
        }
        # Training the copy further must not move this estimator's moments
        # or momentum: the copy gets its own (a few array copies). The random
        # stream stays shared: a RandomState costs 0.2 ms to copy, per epoch.
        if isinstance(getattr(self, "_optimizer", None), _OptimizerState):
            copies["_optimizer"] = self._optimizer.copy()
        return {**copies, **history, "coefs_": coefs, "intercepts_": intercepts}

    def _current_loss(self, net, X, Y, s, l2):
        with _quiet_overflow():
            Y = np.asarray(Y)
            return float(
                net.reported_loss(net.loss_grad(X, Y, s, l2), l2 * net.penalty())
            )

    # ------------------------------------------------------------ prediction
    def _forward(self, X):
        """Validate ``X`` and return the raw outputs of the fitted network."""
        check_is_fitted(self, "coefs_")
        with _quiet_overflow():
            # Finiteness is checked on the first layer's pre-activations
            # (see ``forward_checked``), which saves a full pass over X; X
            # itself is scanned only when something is wrong.
            X = self._validate_X(X, reset=False, ensure_all_finite=False)
            if sp.issparse(X) and X.shape[0] > PREDICT_CHUNK:
                # Prediction takes row slices of PREDICT_CHUNK rows; slicing
                # rows of CSC scans every stored value, so predicting from
                # CSC was quadratic in the rows. One conversion is linear
                # (a no-op for CSR).
                X = X.tocsr()
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
                # scikit-learn's own message, with its advice for NaN.
                assert_all_finite(X, input_name="X", estimator_name=type(self).__name__)
        if not np.isfinite(Z).all():
            raise ValueError(
                "The network's outputs overflow (inf or NaN) for some rows of X. "
                "Either X is far larger than the training data (scale it as the "
                "training data were) or the weights are huge because training "
                "diverged (refit with a smaller learning_rate_init or scaled "
                "inputs)."
            )
        return Z
