"""Validation of constructor parameters, run at the start of ``fit``.

Each check raises an :class:`InvalidParameterError` whose message names the
parameter, what it got, and what it accepts.  Like scikit-learn's error of the
same name (which it subclasses), it is both a ``ValueError`` and a
``TypeError``, so code written for ``MLPClassifier`` catches it either way.
The result is a small dict of normalised settings (tuples of layer sizes,
per-layer activations and dropout rates) that the training code uses instead
of re-reading the raw parameters.
"""

import math
import numbers

import numpy as np

try:  # the class scikit-learn's own parameter validation raises
    from sklearn.utils._param_validation import (
        InvalidParameterError as _SklearnInvalidParameterError,
    )
except ImportError:  # pragma: no cover - it moved in some scikit-learn release

    class _SklearnInvalidParameterError(ValueError, TypeError):
        pass


from ._activations import ACTIVATION_NAMES, canonical_activation
from ._initializers import INITIALIZERS

SOLVERS = ("sgd", "adam", "lbfgs")
STOCHASTIC_SOLVERS = ("sgd", "adam")
LEARNING_RATES = ("constant", "invscaling", "adaptive", "exponential")
INIT_NAMES = ("auto",) + tuple(INITIALIZERS)


class InvalidParameterError(_SklearnInvalidParameterError):
    """A constructor parameter has a wrong type or value.

    A ``ValueError`` and a ``TypeError`` at once, as scikit-learn's
    ``InvalidParameterError`` (its base class), so ``except ValueError`` and
    ``except TypeError`` both catch it.
    """


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_int(name, value, low):
    """Check that ``value`` is an integer ``>= low``."""
    if not _is_int(value):
        raise InvalidParameterError(
            f"{name} must be an integer >= {low}; got {value!r} of type "
            f"{type(value).__name__}."
        )
    if value < low:
        raise InvalidParameterError(
            f"{name} must be an integer >= {low}; got {value!r}."
        )
    return int(value)


def check_real(name, value, low=None, high=None, closed="both"):
    """Check that ``value`` is a finite real number in a range.

    ``closed`` is one of 'both', 'left', 'right', 'neither' and says which ends
    of ``[low, high]`` are allowed.
    """
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") else ")"
    # Infinity itself is never accepted, so an open end shows as "(-inf" or
    # "inf)".
    interval = f"{'(-inf' if low is None else left + str(low)}, "
    interval += f"{'inf)' if high is None else str(high) + right}"
    if not _is_real(value):
        raise InvalidParameterError(
            f"{name} must be a real number in {interval}; got {value!r} of type "
            f"{type(value).__name__}."
        )
    try:
        # Python ints outside [-2**63, 2**64) and Fractions are Real, but NumPy cannot
        # convert them: compare as a float, and refuse what has none.
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        number = math.nan
    ok = math.isfinite(number)
    if low is not None:
        ok = ok and (number >= low if left == "[" else number > low)
    if high is not None:
        ok = ok and (number <= high if right == "]" else number < high)
    if not ok:
        raise InvalidParameterError(
            f"{name} must be a real number in {interval}; got {value!r}."
        )
    return number


def check_option(name, value, options):
    """Check that ``value`` is one of the strings in ``options``."""
    if not isinstance(value, str) or value not in options:
        raise InvalidParameterError(
            f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}."
        )
    return value


def check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def _is_per_layer(value):
    """Whether a per-layer parameter gives one entry per layer: a list, a
    tuple or a 1-D array (as ``hidden_layer_sizes`` may be)."""
    return isinstance(value, (list, tuple)) or (
        isinstance(value, np.ndarray) and value.ndim == 1
    )


def _per_layer(name, value, n_hidden):
    """Return ``value`` as a list with one entry per hidden layer."""
    if _is_per_layer(value):
        if len(value) != n_hidden:
            raise InvalidParameterError(
                f"{name} has {len(value)} entries but hidden_layer_sizes has "
                f"{n_hidden} hidden layers; give one entry per hidden layer or a "
                "single value for all."
            )
        return list(value)
    return [value] * n_hidden


def check_random_seed(value):
    """Check that ``value`` can seed NumPy: None, an int seed or a RandomState."""
    if value is None or isinstance(value, np.random.RandomState):
        return
    accepts = "None, an int in [0, 2**32 - 1] or a numpy.random.RandomState"
    if not _is_int(value):
        raise InvalidParameterError(
            f"random_state must be {accepts}; got {value!r} of type "
            f"{type(value).__name__}."
        )
    if not 0 <= value < 2**32:
        raise InvalidParameterError(f"random_state must be {accepts}; got {value!r}.")


def check_hidden_layer_sizes(value):
    if _is_int(value):
        value = (value,)
    if hasattr(value, "__next__"):
        # An iterator or a generator: the first fit would use it up, and
        # the next one (a refit, a clone in a search) would read it as ().
        raise InvalidParameterError(
            "hidden_layer_sizes must be an int or a sequence of positive ints; "
            f"got the iterator {value!r}, which the first fit would use up. "
            "Pass a list or a tuple."
        )
    try:
        sizes = tuple(value)
    except TypeError:
        raise InvalidParameterError(
            "hidden_layer_sizes must be an int or a sequence of positive ints; "
            f"got {value!r}."
        ) from None
    for size in sizes:
        if not _is_int(size) or size < 1:
            raise InvalidParameterError(
                "hidden_layer_sizes must contain positive integers only; got "
                f"{value!r}."
            )
    return tuple(int(s) for s in sizes)


def validate_params(est):
    """Validate the constructor parameters of a BP estimator.

    Returns
    -------
    config : dict
        ``hidden_layer_sizes`` (tuple), ``activations`` (list of canonical
        names), ``dropout`` (list of floats), one entry per hidden layer, and
        ``maxout_pieces`` (int).
    """
    sizes = check_hidden_layer_sizes(est.hidden_layer_sizes)
    n_hidden = len(sizes)

    activations = []
    for act in _per_layer("activation", est.activation, n_hidden):
        activations.append(
            canonical_activation(check_option("activation", act, ACTIVATION_NAMES))
        )
    if not _is_per_layer(est.activation):
        # Checked even without hidden layers, where it is unused.
        check_option("activation", est.activation, ACTIVATION_NAMES)

    # The checked Python int is what builds the layers: a narrow NumPy
    # integer (np.uint8(3)) would wrap around in units * pieces.
    pieces = check_int("maxout_pieces", est.maxout_pieces, 2)
    if not callable(est.init):
        check_option("init", est.init, INIT_NAMES)
    solver = check_option("solver", est.solver, SOLVERS)
    check_real("alpha", est.alpha, 0)
    if not (isinstance(est.batch_size, str) and est.batch_size == "auto"):
        if not _is_int(est.batch_size):
            raise InvalidParameterError(
                "batch_size must be 'auto' or a positive integer; got "
                f"{est.batch_size!r}."
            )
        check_int("batch_size", est.batch_size, 1)
    check_option("learning_rate", est.learning_rate, LEARNING_RATES)
    check_real("learning_rate_init", est.learning_rate_init, 0, closed="right")
    check_real("decay_rate", est.decay_rate, 0, 1, closed="right")
    check_real("power_t", est.power_t, 0)
    check_int("max_iter", est.max_iter, 1)
    check_bool("shuffle", est.shuffle)
    check_random_seed(est.random_state)
    check_real("tol", est.tol, 0)
    if not isinstance(est.verbose, (bool, np.bool_, numbers.Integral)) or (
        est.verbose < 0
    ):
        raise InvalidParameterError(
            f"verbose must be a bool or an int >= 0; got {est.verbose!r}."
        )
    check_bool("warm_start", est.warm_start)
    check_real("momentum", est.momentum, 0, 1)
    check_bool("nesterovs_momentum", est.nesterovs_momentum)
    check_bool("early_stopping", est.early_stopping)
    # 0 is allowed without early stopping, as in scikit-learn; with it, the
    # split itself explains that the validation set would be empty.
    check_real("validation_fraction", est.validation_fraction, 0, 1, closed="left")
    if not (_is_real(est.n_iter_no_change) and est.n_iter_no_change == math.inf):
        # math.inf (as in scikit-learn): never stop for lack of improvement.
        check_int("n_iter_no_change", est.n_iter_no_change, 1)
    check_real("beta_1", est.beta_1, 0, 1, closed="left")
    check_real("beta_2", est.beta_2, 0, 1, closed="left")
    check_real("epsilon", est.epsilon, 0, closed="neither")
    check_int("max_fun", est.max_fun, 1)

    per_layer = _is_per_layer(est.dropout)
    # A single rate is checked even without hidden layers, where it is unused.
    rates = [
        check_real("dropout", p, 0, 1, closed="left")
        for p in (est.dropout if per_layer else [est.dropout])
    ]
    dropout = _per_layer("dropout", rates if per_layer else rates[0], n_hidden)
    if solver == "lbfgs" and any(rates):
        raise InvalidParameterError(
            "dropout must be 0 with solver='lbfgs': L-BFGS needs a deterministic "
            "objective. Use solver='adam' or 'sgd' for dropout."
        )
    return {
        "hidden_layer_sizes": sizes,
        "activations": activations,
        "maxout_pieces": pieces,
        "dropout": dropout,
    }
