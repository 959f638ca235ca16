"""BPRegressor: a backpropagation network for regression."""

import numpy as np
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils import metadata_routing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import BaseBP, _stochastic_only
from ._docstrings import ATTRIBUTES, PARAMETERS
from ._losses import LOSS_OF_OUTPUT, LOSSES
from ._params import check_option

_REGRESSION_LOSSES = ("squared_error", "poisson")


class BPRegressor(MultiOutputMixin, RegressorMixin, BaseBP):
    __doc__ = f"""Backpropagation neural-network regressor.

    A feed-forward network trained by backpropagation with a linear output
    layer and the squared error, or an exponential output (log link) with the
    half Poisson deviance. With ``hidden_layer_sizes=()``, ``solver='lbfgs'`` and
    the squared error it is exactly ridge regression, ``Ridge(alpha=alpha)``,
    for any number of target columns; use a small ``tol`` to reach its
    minimum.

    Parameters
    ----------
{PARAMETERS}

    loss : {{'squared_error', 'poisson'}}, default='squared_error'
        'squared_error' is half the squared residual, averaged over the
        samples. With several outputs, training sums it over them (the
        objective scikit-learn's MLPRegressor descends, and Ridge's), while
        ``loss_``, ``loss_curve_`` and ``tol`` use its mean over them, as
        scikit-learn reports it. 'poisson' is half the Poisson deviance with a
        log link, for non-negative targets such as counts, summed over the
        outputs.

    Attributes
    ----------
{ATTRIBUTES}

    See Also
    --------
    BPClassifier : The classification counterpart.
    sklearn.neural_network.MLPRegressor : The scikit-learn network whose
        parameters these mirror.

    Examples
    --------
    >>> import numpy as np
    >>> from skbpnet import BPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(200, 1))
    >>> y = np.sin(3 * X[:, 0])
    >>> reg = BPRegressor(hidden_layer_sizes=(32,), activation="tanh",
    ...                   solver="lbfgs", random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.99
    True
    """

    # partial_fit takes ``classes`` only to share the classifier's signature
    # (it must be None): keep it out of metadata routing, which would
    # otherwise offer to route it here.
    __metadata_request__partial_fit = {"classes": metadata_routing.UNUSED}

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
        loss="squared_error",
    ):
        super().__init__(
            hidden_layer_sizes,
            activation=activation,
            maxout_pieces=maxout_pieces,
            init=init,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            decay_rate=decay_rate,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            dropout=dropout,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            max_fun=max_fun,
        )
        self.loss = loss

    _y_numeric = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags

    def _encode_y(self, y, sample_weight, fresh, classes, incremental, dtype):
        check_option("loss", self.loss, _REGRESSION_LOSSES)
        with np.errstate(over="ignore"):
            y = np.asarray(y, dtype=dtype)
        if not np.all(np.isfinite(y)):
            # y was checked finite before; only the cast to float32 (the
            # precision of float32 X) can have overflowed.
            raise ValueError(
                f"y has values too large for {np.dtype(dtype).name}, the "
                "precision of this fit (float32 X, or a model fitted in "
                "float32): rescale y, or fit a new model on float64 X."
            )
        if y.ndim == 2 and y.shape[1] == 1:
            # A column vector is one output, as a 1-D y is (the fit is the
            # same); warn that it was probably meant as 1-D, as MLPRegressor
            # and BPClassifier do.
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "loss='poisson' requires non-negative targets y; some are negative."
            )
        return (y.reshape(-1, 1) if y.ndim == 1 else y), sample_weight

    def _loss_name(self, Y):
        return self.loss

    def _validation_score(self, Y_true, Y_pred, sample_weight):
        return r2_score(Y_true, Y_pred, sample_weight=sample_weight)

    def fit(self, X, y, sample_weight=None):
        """Fit the network to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 input trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : BPRegressor
            The fitted regressor.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_stochastic_only)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one epoch over the given batch.

        The call's data is its training set: the L2 penalty is ``alpha / (2 *
        total sample weight of this call) * sum of squared weights``, so a
        stream of N rows in blocks of B with a fixed ``alpha`` is regularised
        N / B times more strongly than ``fit`` on all N rows. To regularise a
        stream of N rows in blocks of B as ``fit`` does, pass ``alpha * B /
        N`` (B and N the total sample weights of a block and of the stream).

        Sample weights count relative to the call's own mean weight, as the
        call's weighted mean loss is what it trains on: a call whose rows all
        weigh the same (a single row, say) trains as if unweighted, apart
        from the L2 penalty, which is divided by the call's total weight.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        classes : None
            Must be None: a regressor has no classes. It is there so that
            both estimators take ``partial_fit(X, y, classes=None,
            sample_weight=None)``; pass ``sample_weight`` by keyword
            (``MLPRegressor`` takes it third).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : BPRegressor
            The updated regressor.
        """
        if classes is not None:
            # Most likely sample weights passed by position, in
            # MLPRegressor's order: refused before anything is trained.
            raise TypeError(
                "BPRegressor.partial_fit got classes of type "
                f"{type(classes).__name__}, but a regressor has no classes: "
                "classes must be None. If these are sample weights passed "
                "third by position, as MLPRegressor takes them, pass "
                "sample_weight=w instead."
            )
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions; 1-D when the model has a single output.
        """
        check_is_fitted(self)
        link = LOSSES[LOSS_OF_OUTPUT[self.out_activation_]].inverse_link
        with np.errstate(over="ignore"):
            Y = link(self._forward(X))
        if not np.isfinite(Y).all():
            raise ValueError(
                "Poisson predictions overflow: exp() of the network's output is "
                "too large for some rows of X. Scale X as the training data were."
            )
        return Y.ravel() if Y.shape[1] == 1 else Y
