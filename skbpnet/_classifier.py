"""BPClassifier: a backpropagation network for classification."""

import math
import numbers

import numpy as np
from scipy.special import expit, log_expit, log_softmax
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import BaseBP, _stochastic_only
from ._docstrings import ATTRIBUTES, PARAMETERS
from ._losses import LOSS_OF_OUTPUT, LOSSES
from ._params import InvalidParameterError
from ._targets import OneHotRows


def _partial_fit_available(est):
    """partial_fit exists for the stochastic solvers, without 'balanced'.

    'balanced' needs the class frequencies of the whole training set, which
    one call's batch does not know: like partial_fit with 'lbfgs', the method
    is then absent (so ``hasattr`` and scikit-learn's checks can tell).
    """
    _stochastic_only(est)
    cw = est.class_weight
    if isinstance(cw, str) and cw == "balanced":
        raise AttributeError(_NO_BALANCED_PARTIAL_FIT)
    return True


_NO_BALANCED_PARTIAL_FIT = (
    "partial_fit is not available with class_weight='balanced': one batch "
    "does not know the class frequencies. Pass a dict, e.g. from "
    "sklearn.utils.class_weight.compute_class_weight on all the labels."
)


class BPClassifier(ClassifierMixin, BaseBP):
    __doc__ = f"""Backpropagation neural-network classifier.

    A feed-forward network trained by backpropagation. Binary and multilabel
    targets use sigmoid outputs with the log loss, multiclass targets a softmax
    output with cross-entropy. With ``hidden_layer_sizes=()`` and
    ``solver='lbfgs'`` it is exactly (multinomial) logistic regression with
    ``C = 1 / alpha``.

    Parameters
    ----------
{PARAMETERS}

    class_weight : dict, 'balanced' or None, default=None
        Weights per class that multiply the sample weights: a dict ``label ->
        weight``, or 'balanced' for ``n_samples / (n_classes * count)``; with
        ``sample_weight``, the counts and ``n_samples`` are sums of sample
        weights (as in scikit-learn), so that an integer weight ``k`` still
        equals ``k`` copies of the row. Classes a dict does not name weigh 1;
        it may name labels that are not classes only if it names every class
        (as in scikit-learn), and a ``partial_fit`` batch need not contain
        the classes it names. With 'balanced' there is no ``partial_fit``
        (one batch does not know the class frequencies). Single-label
        targets only. It weighs the
        training loss only: the early-stopping validation score is accuracy
        weighted by ``sample_weight`` alone, as ``score`` computes it.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel targets, the column indices).

{ATTRIBUTES}

    See Also
    --------
    BPRegressor : The regression counterpart.
    sklearn.neural_network.MLPClassifier : The scikit-learn network whose
        parameters these mirror.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from skbpnet import BPClassifier
    >>> X, y = make_moons(n_samples=200, noise=0.1, random_state=0)
    >>> clf = BPClassifier(hidden_layer_sizes=(16,), max_iter=500,
    ...                    learning_rate_init=0.01, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).tolist() == y[:3].tolist()
    True
    >>> clf.score(X, y) > 0.95
    True
    """

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
        class_weight=None,
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
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # class_weight is refused for multilabel targets.
        tags.classifier_tags.multi_label = self.class_weight is None
        return tags

    # ------------------------------------------------------------- targets
    def _encode_y(self, y, sample_weight, fresh, classes, incremental, dtype):
        """Check ``y`` against the model's classes (setting them for a new
        model); return the encoded targets and the sample weights with
        ``class_weight`` applied."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target_type = _target_type(y)
        if fresh:
            self._fit_labels(y, target_type, classes, incremental)
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), np.asarray(self.classes_)
        ):
            raise ValueError(
                f"classes={classes!r} is not the same as on the first call to "
                f"partial_fit, which was {self.classes_!r}."
            )
        self._check_labels_known(y, target_type, fresh, incremental)
        Y = self._one_hot(y, dtype)
        sample_weight = self._apply_class_weight(
            y, sample_weight, target_type, incremental
        )
        return Y, sample_weight

    def _fit_labels(self, y, target_type, classes, incremental):
        """Set ``classes_`` (and the label binarizer) for a new model."""
        self._label_binarizer = LabelBinarizer()
        if incremental:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            if target_type == "multilabel-indicator":
                self._label_binarizer.fit(y)
                columns = np.arange(y.shape[1])
                if not np.array_equal(np.unique(np.asarray(classes)), columns):
                    # A multilabel model's classes are its columns.
                    raise ValueError(
                        f"classes={classes!r} does not match the {y.shape[1]} "
                        f"columns of the multilabel y; pass classes="
                        f"{columns.tolist()}."
                    )
            else:
                self._label_binarizer.fit(_check_classes(classes))
        else:
            self._label_binarizer.fit(y)
        self.classes_ = self._label_binarizer.classes_
        if (
            len(self.classes_) < 2
            and self._label_binarizer.y_type_ != "multilabel-indicator"
        ):
            raise ValueError(
                "The number of classes has to be at least 2 to train a "
                f"classifier; got 1 class: {self.classes_.tolist()}."
            )

    def _check_labels_known(self, y, target_type, fresh, incremental):
        """Refuse labels of another kind, or not among ``classes_``."""
        fitted_multilabel = self._label_binarizer.y_type_ == "multilabel-indicator"
        if target_type != "multilabel-indicator" and fitted_multilabel:
            raise ValueError(
                f"y is {target_type} but the model was fitted on a "
                "multilabel-indicator matrix; pass y of shape (n_samples, "
                f"{len(self.classes_)})."
            )
        if target_type != "multilabel-indicator":
            present = np.unique(y)
            unseen = np.setdiff1d(present, self.classes_)
            if (
                not fresh
                and not incremental
                and not getattr(self, "_any_classes", False)  # gradient_check
                and (unseen.size or present.size < len(self.classes_))
            ):
                # fit (warm start) sets the model's classes from y, as in
                # scikit-learn: a y with other classes is a mistake there,
                # while partial_fit batches may lack some classes.
                raise ValueError(
                    "warm_start=True: y has to contain the same classes as on the "
                    f"previous fit, {self.classes_.tolist()}; it has "
                    f"{present.tolist()}. Refit with warm_start=False, or use "
                    "partial_fit to train on batches without some classes."
                )
            if unseen.size:
                hint = (
                    "; pass every class to the first partial_fit (classes=...)"
                    if incremental
                    else ""
                )
                raise ValueError(
                    f"y contains labels {unseen.tolist()} not in classes_ "
                    f"{self.classes_.tolist()}{hint}."
                )
        elif not fitted_multilabel:
            raise ValueError(
                "y is multilabel-indicator but the model was fitted on labels."
            )

    def _one_hot(self, y, dtype):
        """The binarized targets in the training dtype.

        The values of ``LabelBinarizer.transform``: one column for binary
        labels, one per class otherwise.  Multiclass targets come back as
        :class:`~skbpnet._targets.OneHotRows` (a class code per sample; dense
        rows are written per mini-batch); binary and multilabel targets as a
        matrix.
        """
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return np.asarray(self._label_binarizer.transform(y), dtype=dtype)
        classes = self.classes_
        # classes_ is sorted and every label of y is in it (checked above).
        idx = _label_codes(classes, y)
        if idx is None:
            return np.asarray(self._label_binarizer.transform(y), dtype=dtype)
        if len(classes) == 2:
            # One column, as small as y itself: a plain array is simplest.
            return (idx == 1).astype(dtype).reshape(-1, 1)
        return OneHotRows(idx.astype(np.int32), len(classes), dtype)

    def _apply_class_weight(self, y, sample_weight, target_type, incremental):
        cw = self.class_weight
        if cw is None:
            return sample_weight
        if not (isinstance(cw, dict) or (isinstance(cw, str) and cw == "balanced")):
            raise InvalidParameterError(
                f"class_weight must be None, 'balanced' or a dict label -> weight; "
                f"got {cw!r}."
            )
        if isinstance(cw, dict):
            for label, weight in cw.items():
                try:
                    # A Python int beyond float's range is Real but raises;
                    # a longdouble beyond it becomes inf.
                    representable = math.isfinite(float(weight))
                except (OverflowError, TypeError, ValueError):
                    representable = False
                if (
                    isinstance(weight, (bool, np.bool_))
                    or not isinstance(weight, numbers.Real)
                    or not representable
                ):
                    raise InvalidParameterError(
                        "class_weight values must be finite real numbers; got "
                        f"{weight!r} for class {label!r}."
                    )
        if target_type == "multilabel-indicator":
            raise ValueError("class_weight is not supported for multilabel targets.")
        if incremental and cw == "balanced":
            # Reached through a partial_fit bound before a set_params.
            raise ValueError(_NO_BALANCED_PARTIAL_FIT)
        if isinstance(cw, dict):
            weights = _dict_class_weights(cw, self.classes_, y)
        elif sample_weight is not None:
            weights = _balanced_weights(y, sample_weight)
        else:
            weights = compute_sample_weight(cw, y)
        if sample_weight is not None:
            weights = weights * sample_weight
        return weights

    def _loss_name(self, Y):
        if Y.shape[1] > 1 and self._label_binarizer.y_type_ == "multiclass":
            return "softmax_cross_entropy"
        return "binary_log_loss"

    def _stratify(self, Y):
        # Stratify single-label targets so every class reaches the validation set.
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return None
        if isinstance(Y, OneHotRows):
            return Y.codes
        return Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]

    def _validation_score(self, Y_true, P, sample_weight):
        return accuracy_score(Y_true, self._indicator(P), sample_weight=sample_weight)

    def _indicator(self, P):
        if self._label_binarizer.y_type_ == "multiclass":
            out = np.zeros_like(P)
            out[np.arange(P.shape[0]), P.argmax(axis=1)] = 1
            return out
        return (P > 0.5).astype(P.dtype)

    # ----------------------------------------------------------------- API
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data ``X`` and labels ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 input trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; multiplied by ``class_weight``.

        Returns
        -------
        self : BPClassifier
            The fitted classifier.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_partial_fit_available)
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
        weigh the same (a single row, or rows of one class under
        ``class_weight``) trains as if unweighted, apart from the L2 penalty,
        which is divided by the call's total weight. Give weights effect by
        mixing rows of different weights (classes) within each call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All classes that will ever appear; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : BPClassifier
            The updated classifier.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels (indicator matrix for multilabel targets).
        """
        P = self._probabilities(X)
        if self._label_binarizer.y_type_ == "binary":
            P = P.ravel()
        return self._label_binarizer.inverse_transform(P)

    def _probabilities(self, X):
        check_is_fitted(self)
        Z = self._forward(X)
        # Finite logits whose differences overflow (3e38 and -3e38 in
        # float32) give exact probabilities of 0 and 1: nothing to warn about.
        with np.errstate(over="ignore"):
            return LOSSES[LOSS_OF_OUTPUT[self.out_activation_]].inverse_link(Z)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; for multilabel
            targets, the probability of each label. With binary targets the
            first column is ``expit(-z)`` rather than ``1 - expit(z)``, so a
            small probability of the first class keeps its digits instead of
            rounding to 0.
        """
        check_is_fitted(self)
        if self._label_binarizer.y_type_ != "binary":
            return self._probabilities(X)
        Z = self._forward(X)
        return np.hstack([expit(-Z), expit(Z, out=Z)])

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Computed from the logits (``log_softmax``, ``log_expit``), so it is
        accurate where a probability is tiny. Where :meth:`predict_proba`
        underflows to exactly 0 it is ``-inf``, as ``np.log(predict_proba(X))``
        is in scikit-learn, and where it rounds to exactly 1 it is 0, so the
        two methods always agree on which outcomes are impossible or certain
        (in float32 a probability rounds to 1 already within 6e-8 of it).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Natural logarithm of each class's probability, columns in the
            order of ``classes_``; float32 for float32 input.
        """
        check_is_fitted(self)
        Z = self._forward(X)
        if self.out_activation_ == "softmax":
            # Logit differences can overflow (see _probabilities) and give
            # -inf, which the probability 0 below confirms.
            with np.errstate(over="ignore"):
                log_proba = log_softmax(Z, axis=1)
                # predict_proba's own arithmetic, so the zeros and ones are
                # the same.
                proba = LOSSES["softmax_cross_entropy"].inverse_link(Z)
        else:
            if self._label_binarizer.y_type_ == "binary":
                Z = np.hstack([-Z, Z])
            log_proba = log_expit(Z)
            proba = expit(Z)
        # Where the probability itself rounds to 0 or 1, the log of that.
        log_proba[proba == 0] = -np.inf
        log_proba[proba == 1] = 0
        return log_proba


def _check_classes(classes):
    """The ``classes`` of a first ``partial_fit``, with NaN and inf refused."""
    values = np.asarray(classes)
    if values.dtype.kind in "fc" and not np.isfinite(values).all():
        raise ValueError(
            f"classes contains NaN or infinity ({classes!r}); every class must be "
            "a finite label."
        )
    return classes


def _dict_class_weights(class_weight, classes, y):
    """Per-sample weights from a dict ``label -> weight`` (1 for other classes).

    Looked up in the model's ``classes_``, not in the labels of ``y``: a
    ``partial_fit`` batch may lack some of the classes the dict names.  Labels
    that are not classes are ignored when the dict weighs every class (a
    cross-validation fold may lack a rare class), and are an error otherwise
    (most likely a misspelt label), as in scikit-learn.
    """
    index = {label: i for i, label in enumerate(classes.tolist())}
    unknown = [label for label in class_weight if label not in index]
    unweighted = [label for label in index if label not in class_weight]
    if unknown and unweighted:
        raise ValueError(
            f"class_weight has label(s) {unknown!r} that are not classes, and "
            f"gives no weight to class(es) {unweighted!r}; the classes are "
            f"{classes.tolist()}."
        )
    per_class = np.ones(len(classes))
    for label, weight in class_weight.items():
        if label in index:
            per_class[index[label]] = weight
    codes = _label_codes(classes, y)
    if codes is None:
        codes = np.array([index[label] for label in y.tolist()], dtype=np.intp)
    return per_class[codes]


def _label_codes(classes, y):
    """Position of each label of ``y`` in the sorted ``classes``.

    None when a binary search cannot find them all (labels whose order and
    equality disagree, such as NaN); the callers then look them up one by one.
    """
    codes = np.searchsorted(classes, y)
    if np.array_equal(classes[np.minimum(codes, len(classes) - 1)], y):
        return codes
    return None


def _balanced_weights(y, sample_weight):
    """'balanced' class weights from weighted class counts, one per sample.

    ``total weight / (n_classes * weight of the sample's class)``: what
    recent scikit-learn's ``compute_class_weight`` does with
    ``sample_weight``, a parameter that not every release this package
    supports has.
    """
    classes, codes = np.unique(y, return_inverse=True)
    counts = np.bincount(codes, weights=sample_weight, minlength=classes.size)
    with np.errstate(divide="ignore"):
        per_class = np.where(
            counts > 0, sample_weight.sum() / (classes.size * counts), 0.0
        )
    return per_class[codes]


def _target_type(y):
    """``type_of_target(y)``, refused unless a classifier can train on it."""
    try:
        target_type = type_of_target(y, input_name="y")
    except TypeError as exc:
        if "Convert the labels" in str(exc):
            # scikit-learn's own advice (bytes labels) says what to do.
            raise
        raise TypeError(
            f"The labels in y cannot be sorted ({exc}): mixed types or None? "
            "Use labels of one type."
        ) from exc
    if target_type not in ("binary", "multiclass", "multilabel-indicator"):
        if target_type == "multiclass-multioutput":
            hint = (
                "several multiclass outputs: one-hot encode them into a "
                "multilabel indicator matrix, or use MultiOutputClassifier"
            )
        elif target_type == "unknown" and y.dtype == object:
            # type_of_target reads object arrays only when they hold
            # strings: object integers, bools, Decimals and mixed types
            # end up here.
            hint = (
                "y has dtype object: convert it to labels of one type, "
                "e.g. y.astype(int) or y.astype(str), or to floats for "
                "BPRegressor if it is continuous"
            )
        else:
            hint = "use BPRegressor for continuous targets"
        raise ValueError(
            f"Unknown label type: y is {target_type!r}; BPClassifier needs "
            f"binary, multiclass or multilabel-indicator targets ({hint})."
        )
    return target_type
