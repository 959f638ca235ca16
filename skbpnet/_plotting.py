"""Training diagnostics as scikit-learn style Displays.

A Display holds the numbers to draw (here the training history of a fitted
network), draws them with :meth:`plot` and keeps the matplotlib objects it
created (``ax_``, ``figure_``, lines) so that users can restyle them later.
``from_estimator`` reads the history from a fitted estimator and plots it in
one call.

matplotlib is optional: it is imported inside ``plot`` only, so importing
skbpnet never imports it.
"""

import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._safeguards import _user_stacklevel

__all__ = ["GradientNormDisplay", "LossCurveDisplay"]


def _check_matplotlib(caller_name):
    """Raise an ImportError that says how to install matplotlib."""
    try:
        from sklearn.utils._optional_dependencies import check_matplotlib_support
    except ImportError:  # pragma: no cover - private helper moved or removed
        check_matplotlib_support = None
    try:
        if check_matplotlib_support is not None:
            check_matplotlib_support(caller_name)
        else:  # pragma: no cover
            import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib. Install it with "
            "`pip install matplotlib` or `pip install 'skbpnet[plot]'`."
        ) from exc


def _axes(ax):
    """Return ``(ax, figure)``, creating both when ``ax`` is None."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax, ax.figure


def _final_estimator(estimator):
    """The estimator that was trained: a search's refitted best estimator,
    and then a Pipeline's last step."""
    estimator = getattr(estimator, "best_estimator_", estimator)
    return getattr(estimator, "_final_estimator", estimator)


def _x_label(estimator):
    return "iteration" if getattr(estimator, "solver", None) == "lbfgs" else "epoch"


def _history(estimator, attribute, caller_name):
    """Fitted ``estimator``'s training-history ``attribute``, checked."""
    estimator = _final_estimator(estimator)
    check_is_fitted(estimator)
    values = getattr(estimator, attribute, None)
    if values is None:
        raise ValueError(
            f"{caller_name} needs a fitted estimator with a {attribute} attribute; "
            f"{type(estimator).__name__} has none. Pass a fitted BPClassifier or "
            "BPRegressor, a Pipeline that ends in one, or a search refitted on "
            "one."
        )
    return estimator, values


def _one_dimensional(values, name):
    """``values`` as a 1-D float array, or a ValueError naming them."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D, one value per epoch; got shape {array.shape}."
        )
    return array


# Default of the deprecated ``estimator_name`` argument, as in scikit-learn's
# Displays (a string, so that the signature reads well).
_DEPRECATED = "deprecated"


def _name(name, estimator_name, cls_name):
    """``name``, or the deprecated ``estimator_name`` given in its place."""
    if isinstance(estimator_name, str) and estimator_name == _DEPRECATED:
        return name
    if name is not None:
        raise ValueError(
            f"{cls_name} got both name={name!r} and estimator_name="
            f"{estimator_name!r}; pass name only (estimator_name is deprecated)."
        )
    warnings.warn(
        f"{cls_name}'s estimator_name is deprecated and will be removed in "
        "skbpnet 0.3; pass name= instead.",
        FutureWarning,
        stacklevel=3,
    )
    return estimator_name


class _NamedDisplay:
    """The ``estimator_name`` attribute, deprecated in favour of ``name``."""

    def _warn_estimator_name(self):
        warnings.warn(
            f"{type(self).__name__}.estimator_name is deprecated and will be "
            "removed in skbpnet 0.3; use .name instead.",
            FutureWarning,
            stacklevel=3,
        )

    @property
    def estimator_name(self):
        """Deprecated alias of ``name``."""
        self._warn_estimator_name()
        return self.name

    @estimator_name.setter
    def estimator_name(self, value):
        self._warn_estimator_name()
        self.name = value

    def __setstate__(self, state):
        # A display pickled before the rename stored estimator_name.
        state = dict(state)
        if "estimator_name" in state:
            state.setdefault("name", state.pop("estimator_name"))
        self.__dict__.update(state)


def _twin(ax):
    """The twin axes (shared x, own y) that ``twinx`` made for ``ax``, or None."""
    # Shared x alone is not enough: subplots made with sharex=True share it
    # too. A twin also sits exactly on ax.
    position = ax.get_position().bounds
    for other in ax.figure.axes:
        if (
            other is not ax
            and ax.get_shared_x_axes().joined(ax, other)
            and other.get_position().bounds == position
        ):
            return other
    return None


class LossCurveDisplay(_NamedDisplay):
    """Training loss per epoch, with the validation score on a second y axis.

    Build it with :meth:`from_estimator` from a fitted :class:`BPClassifier` or
    :class:`BPRegressor` (or any estimator with a ``loss_curve_``, such as
    scikit-learn's MLP), or directly from the numbers. Calling :meth:`plot`
    draws it.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss after every epoch (lbfgs: every iteration), usually the
        estimator's ``loss_curve_``.
    validation_scores : array-like of shape (n_scored_epochs,), default=None
        Validation score after every epoch, usually ``validation_scores_`` of
        an estimator fitted with ``early_stopping=True``. When given it is
        drawn on a twin y axis labelled "validation score". Scores fewer than
        the losses belong to the last epochs (early stopping turned on for a
        warm-started fit; see ``validation_scores_``), and are drawn against
        those.
    estimator_name : str, default="deprecated"
        Deprecated alias of ``name`` (as scikit-learn's RocCurveDisplay and
        PrecisionRecallDisplay renamed it); it will be removed in skbpnet 0.3.
    name : str, default=None
        Name used in the legend; the lines are labelled "training loss" and
        "validation score" when None.
    xlabel : str, default="epoch"
        Label of the x axis ("iteration" for lbfgs).

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training-loss line.
    validation_line_ : matplotlib Line2D or None
        The validation-score line, or None without validation scores.
    ax_ : matplotlib Axes
        Axes of the training loss.
    validation_ax_ : matplotlib Axes or None
        Twin axes of the validation score, or None.
    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    GradientNormDisplay : Per-layer gradient sizes during training.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import make_moons
    >>> from skbpnet import BPClassifier, LossCurveDisplay
    >>> X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    >>> clf = BPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01,
    ...                    early_stopping=True, random_state=0).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(clf)
    >>> display.ax_.get_xlabel(), display.ax_.get_ylabel()
    ('epoch', 'training loss')
    >>> display.validation_ax_.get_ylabel()
    'validation score'
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        loss_curve,
        validation_scores=None,
        estimator_name=_DEPRECATED,
        *,
        name=None,
        xlabel="epoch",
    ):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.name = _name(name, estimator_name, type(self).__name__)
        self.xlabel = xlabel

    def plot(self, ax=None, *, name=None, **kwargs):
        """Draw the loss curve (and the validation scores, if any).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None. The validation
            scores go to a twin of this axes.
        name : str, default=None
            Legend label of the training-loss line (the validation line gets
            "<name> (validation)"); the display's ``name`` when None.
        **kwargs : dict
            Passed to ``ax.plot`` for the training-loss line.

        Returns
        -------
        display : LossCurveDisplay
            The object itself, with ``ax_``, ``figure_`` and the lines set.
        """
        _check_matplotlib(f"{type(self).__name__}.plot")
        loss = _one_dimensional(self.loss_curve, "loss_curve")
        scores = None
        if self.validation_scores is not None:
            scores = _one_dimensional(self.validation_scores, "validation_scores")
            if scores.shape[0] > loss.shape[0]:
                raise ValueError(
                    f"validation_scores has {scores.shape[0]} values but "
                    f"loss_curve only {loss.shape[0]}: there is at most one "
                    "score per epoch."
                )
        ax, figure = _axes(ax)
        epochs = np.arange(1, loss.shape[0] + 1)
        name = self.name if name is None else name
        line_kw = {"label": "training loss" if name is None else name}
        line_kw.update(kwargs)
        # A label= given for the training line names the validation line too.
        name = kwargs.get("label", name)
        (self.line_,) = ax.plot(epochs, loss, **line_kw)
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel("training loss")

        self.validation_line_ = None
        self.validation_ax_ = None
        if scores is not None:
            # Right-aligned: scores fewer than losses are the last epochs'.
            first = loss.shape[0] - scores.shape[0] + 1
            # One twin per axes: several displays on one axes share its
            # validation scale instead of stacking twins with clashing ticks.
            self.validation_ax_ = _twin(ax) or ax.twinx()
            label = "validation score" if name is None else f"{name} (validation)"
            (self.validation_line_,) = self.validation_ax_.plot(
                np.arange(first, first + scores.shape[0]),
                scores,
                linestyle="--",
                color=self.line_.get_color(),
                label=label,
            )
            self.validation_ax_.set_ylabel("validation score")
        # One legend for everything drawn on these axes (several displays may
        # share them) plus the validation line, which lives on the twin axes.
        handles, _ = ax.get_legend_handles_labels()
        twin = _twin(ax)
        if twin is not None:
            handles += twin.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="best")

        self.ax_ = ax
        self.figure_ = figure
        return self

    @classmethod
    def from_estimator(cls, estimator, ax=None, *, name=None, **kwargs):
        """Plot the training history of a fitted estimator.

        Parameters
        ----------
        estimator : estimator, Pipeline or search
            A fitted estimator with a ``loss_curve_`` attribute (a Pipeline is
            read through its last step, a search such as GridSearchCV through
            its ``best_estimator_``). ``validation_scores_`` is drawn too
            when it is not None (``early_stopping=True``).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None.
        name : str, default=None
            Legend label, to tell several estimators on one axes apart; the
            estimator's class name when None.
        **kwargs : dict
            Passed to ``ax.plot`` for the training-loss line.

        Returns
        -------
        display : LossCurveDisplay
            The plotted display.

        Raises
        ------
        NotFittedError
            If the estimator is not fitted.
        """
        caller = f"{cls.__name__}.from_estimator"
        _check_matplotlib(caller)
        est, loss_curve = _history(estimator, "loss_curve_", caller)
        display = cls(
            loss_curve,
            validation_scores=getattr(est, "validation_scores_", None),
            name=type(est).__name__ if name is None else name,
            xlabel=_x_label(est),
        )
        return display.plot(ax=ax, **kwargs)


class GradientNormDisplay(_NamedDisplay):
    """Size of each weight matrix's gradient per epoch, on a log scale.

    One line per weight matrix: line ``i`` (counting from 1) is column
    ``i - 1`` of ``gradient_norms_``, the gradient of ``coefs_[i - 1]``,
    which connects layer ``i`` to layer ``i + 1`` when the input counts as
    layer 1 (the chapter's :math:`W_i`). Lines of the first layers far below
    the last ones show vanishing gradients; lines that grow epoch after epoch
    show exploding ones.

    Parameters
    ----------
    gradient_norms : array-like of shape (n_epochs, n_weight_matrices)
        Root mean square of each weight matrix's gradient per epoch, usually
        the estimator's ``gradient_norms_``.
    estimator_name : str, default="deprecated"
        Deprecated alias of ``name`` (as scikit-learn's RocCurveDisplay and
        PrecisionRecallDisplay renamed it); it will be removed in skbpnet 0.3.
    name : str, default=None
        Used as the title of the axes when given.
    xlabel : str, default="epoch"
        Label of the x axis ("iteration" for lbfgs).

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One line per weight matrix, input side first.
    ax_ : matplotlib Axes
        Axes of the plot.
    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    LossCurveDisplay : Training loss and validation score per epoch.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import make_moons
    >>> from skbpnet import BPClassifier, GradientNormDisplay
    >>> X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    >>> clf = BPClassifier(hidden_layer_sizes=(8, 8), activation="sigmoid",
    ...                    solver="lbfgs", max_iter=1000, random_state=0).fit(X, y)
    >>> display = GradientNormDisplay.from_estimator(clf)
    >>> [line.get_label() for line in display.lines_]
    ['layer 1 → 2', 'layer 2 → 3', 'layer 3 → 4']
    >>> display.ax_.get_yscale()
    'log'
    >>> plt.close(display.figure_)
    """

    def __init__(
        self, gradient_norms, estimator_name=_DEPRECATED, *, name=None, xlabel="epoch"
    ):
        self.gradient_norms = gradient_norms
        self.name = _name(name, estimator_name, type(self).__name__)
        self.xlabel = xlabel

    def plot(self, ax=None, *, name=None, **kwargs):
        """Draw one line per weight matrix on a log-scale y axis.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None.
        name : str, default=None
            Prefix of each line's label ("<name>: layer 1 → 2"), so that the
            lines of several estimators on one axes can be told apart, and the
            title of the axes. When None, the lines are not prefixed and the
            title is the display's ``name``. A title the axes already has is kept.
        **kwargs : dict
            Passed to ``ax.plot`` for every line. A ``label`` is a prefix as
            ``name`` is (and wins over it).

        Returns
        -------
        display : GradientNormDisplay
            The object itself, with ``ax_``, ``figure_`` and ``lines_`` set.
        """
        _check_matplotlib(f"{type(self).__name__}.plot")
        norms = np.asarray(self.gradient_norms, dtype=float)
        if norms.ndim != 2:
            raise ValueError(
                "gradient_norms must be 2-D, (n_epochs, n_weight_matrices); got "
                f"shape {norms.shape}."
            )
        zero = [
            f"{i + 1} → {i + 2}"
            for i in range(norms.shape[1])
            if (norms[:, i] == 0).any()
        ]
        if zero:
            # A log scale cannot show them: say so rather than draw nothing.
            warnings.warn(
                f"The gradient of layer(s) {', '.join(zero)} is exactly zero in "
                "some epochs (dead units?); those points cannot be drawn on the "
                "log scale and are left out.",
                UserWarning,
                stacklevel=_user_stacklevel(),
            )
        ax, figure = _axes(ax)
        epochs = np.arange(1, norms.shape[0] + 1)
        # An explicit name labels the lines, as in scikit-learn's Displays.
        prefix = kwargs.pop("label", name)
        self.lines_ = []
        for i in range(norms.shape[1]):
            label = f"layer {i + 1} → {i + 2}"
            if prefix is not None:
                label = f"{prefix}: {label}"
            (line,) = ax.plot(epochs, norms[:, i], label=label, **kwargs)
            self.lines_.append(line)
        # mask: zeros (warned about above) leave gaps instead of lines that
        # plunge off the bottom of the axes.
        ax.set_yscale("log", nonpositive="mask")
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel("RMS gradient")
        title = self.name if name is None else name
        if title is not None and not ax.get_title():
            # Several displays on one axes: the first one's title stays.
            ax.set_title(title)
        ax.legend(loc="best")

        self.ax_ = ax
        self.figure_ = figure
        return self

    @classmethod
    def from_estimator(cls, estimator, ax=None, *, name=None, **kwargs):
        """Plot the per-layer gradient norms of a fitted estimator.

        Parameters
        ----------
        estimator : BPClassifier, BPRegressor, Pipeline or search
            A fitted estimator with a ``gradient_norms_`` attribute (a
            Pipeline is read through its last step, a search such as
            GridSearchCV through its ``best_estimator_``).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None.
        name : str, default=None
            Prefix of each line's label and title of the axes (see
            :meth:`plot`); when None, the title is the estimator's class name.
        **kwargs : dict
            Passed to ``ax.plot`` for every line; a ``label`` prefixes each
            line's own label.

        Returns
        -------
        display : GradientNormDisplay
            The plotted display.

        Raises
        ------
        NotFittedError
            If the estimator is not fitted.
        """
        caller = f"{cls.__name__}.from_estimator"
        _check_matplotlib(caller)
        est, norms = _history(estimator, "gradient_norms_", caller)
        display = cls(
            norms,
            name=type(est).__name__ if name is None else name,
            xlabel=_x_label(est),
        )
        return display.plot(ax=ax, name=name, **kwargs)
