"""Backpropagation checked against central finite differences."""

import warnings

import numpy as np
import scipy.sparse as sp

from ._batches import _drop_weightless, _normalised_weights
from ._losses import LOSS_OF_OUTPUT
from ._safeguards import _quiet_overflow


def gradient_check(estimator, X, y, sample_weight=None, eps=1e-6):
    """Compare backprop gradients with central finite differences.

    The full regularised training objective (weighted mean data loss plus
    ``alpha / (2 * total weight) * ||W||^2``) is evaluated at the estimator's
    fitted weights, through the layers and the loss its ``predict`` uses (those
    of the last fit, even after a ``set_params``), or at freshly initialised
    ones when it is not fitted, in float64 and with dropout off.  Every parameter is
    perturbed by ``+-eps`` and ``+-2 eps``: the fourth-order central difference
    ``(8 (J(+eps) - J(-eps)) - (J(+2 eps) - J(-2 eps))) / (12 eps)``, whose
    truncation error is of order ``eps**4``, so that steep networks (deep,
    with large weights) are checked as tightly as flat ones.
    An unfitted estimator gets its initial weights from ``init`` and small
    random biases (zero biases would put some pre-activations exactly on a
    ReLU kink, where no derivative exists). Rows of zero sample weight are
    left out, as in ``fit``.

    ReLU, leaky ReLU and maxout have kinks, where the loss has no derivative
    and a difference quotient whose step crosses the kink mixes two slopes:
    a correct backward pass would score up to about 1. Networks often sit on
    or next to kinks (lbfgs settles there; a dead unit upstream and an
    untrained bias put a pre-activation exactly at 0; two maxout pieces may
    tie). So the check is made at a nearby differentiable point. On the copy
    that is checked (fitted or fresh), layer by layer from the input, the
    margin of a pre-activation is ``20 * eps`` times its largest derivative
    with respect to any single parameter, so that no step of the check can
    move it by more than a tenth of the margin. A ReLU or leaky ReLU unit
    whose pre-activation is within its margin of 0 on some row, or a maxout
    piece within the sum of both margins of the largest of its unit's other
    pieces, has its bias moved by the smallest offset that puts every row at
    least twice as far away; later layers see the moved activations. Other
    units, and smooth activations, keep their biases, and the moves are
    usually far below 1e-3. A unit whose move would be large (above 1e-3
    times its largest pre-activation, and 1e-3) and would put more than 5 %
    of the rows (and more than 3) on the other side of its kink, or give
    them another winning maxout piece, because many rows lie within its
    margin (unscaled inputs, or an eps too large for the data), or whose
    maxout pieces cannot be separated, is left on its kink with a
    ``UserWarning``:
    the result may then show a false error, but a wrong backward pass is not
    hidden by a network pushed into one linear piece.

    For every weight matrix and bias vector the relative error
    ``||g_bp - g_fd|| / max(||g_bp||, ||g_fd||, floor)`` is computed; the
    largest one is returned.  A correct backward pass gives values well below
    1e-6 (about 1e-9 to 1e-7 for smooth activations).

    The ``floor`` is ``1e7`` times the rounding noise of the central
    differences, ``1.5 * sqrt(size) * machine epsilon * max(|J|, 1) / eps`` for a
    block of ``size`` entries and a loss ``J``.  Without it, a block whose
    gradient is tiny (a saturated layer's bias, say) would be measured against
    that noise rather than against backprop, and a correct pass could score
    1e-5.  With it, rounding noise contributes at most 1e-7, while a real error
    in the block is still reported unless it is below about ``1e-9``, finite
    differences' own resolution. When the loss is so large that even an
    error as large as the whole gradient would go unreported (wildly unscaled
    data, say), a ``UserWarning`` says that the result means nothing; a
    non-finite loss is an error.

    Parameters
    ----------
    estimator : BPClassifier or BPRegressor
        Fitted or not; it is not modified (biases are moved on a copy).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Data; converted to float64.
    y : array-like
        Targets, as for ``fit``.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights of the rows in the objective, as for ``fit``;
        None weighs every row 1.
    eps : float, default=1e-6
        Finite-difference step; a positive, finite number.

    Returns
    -------
    max_relative_error : float
        The largest relative error over the weight matrices and bias vectors;
        below 1e-6 for a correct backward pass.

    Examples
    --------
    >>> import numpy as np
    >>> from skbpnet import BPClassifier, gradient_check
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(20, 3)), rng.randint(0, 3, size=20)
    >>> clf = BPClassifier(hidden_layer_sizes=(4,), activation="tanh", random_state=0)
    >>> gradient_check(clf, X, y) < 1e-6
    True
    """
    from ._params import check_real

    # A negative step would also turn the kink margins negative (and their
    # protection off); zero divides by zero.
    eps = check_real("eps", eps, 0, closed="neither")
    fitted = hasattr(estimator, "coefs_")
    est = _copy_to_check(estimator, y)
    # Any DataFrame becomes an array; the copy above does not take the
    # fitted feature_names_in_, so nothing compares column names with it.
    X = X.astype(np.float64) if hasattr(X, "tocsr") else np.asarray(X, np.float64)
    net, X, _, Y, sample_weight = est._prepare(X, y, sample_weight, incremental=False)
    X, Y, sample_weight = _drop_weightless(X, Y, sample_weight)
    Y = np.asarray(Y)
    if not fitted:
        # Fresh biases are zero, which puts every row whose inputs to a layer
        # are all zero (dead ReLUs upstream) exactly on the kink of a ReLU or
        # maxout, where finite differences are meaningless. Small random biases
        # move the check to a point where the loss is differentiable.
        rng = np.random.RandomState(0)
        for b in net.intercepts:
            b[...] = rng.uniform(-0.1, 0.1, size=b.shape)
    # Fitted weights sit on kinks more often than chance (lbfgs settles
    # there), and random biases only make a kink within a step unlikely.
    # Inputs so large that they overflow are reported by the loss check.
    with _quiet_overflow():
        _leave_kinks(net, X, eps)
    s, total = _normalised_weights(sample_weight, X.shape[0], np.float64)
    l2 = est.alpha / total

    def objective(theta):
        net.params[...] = theta
        # An overflow shows as a non-finite loss, reported below.
        with _quiet_overflow():
            return net.loss_grad(X, Y, s, l2) + l2 * net.penalty()

    def loss_only(theta):
        # The finite differences need no gradient: half the work.
        net.params[...] = theta
        with _quiet_overflow():
            return net.loss_value(X, Y, s) + l2 * net.penalty()

    theta = net.params.copy()
    loss = objective(theta)
    if not (np.isfinite(loss) and np.isfinite(net.grad).all()):
        raise ValueError(
            f"gradient_check: the loss ({loss}) or its gradient is not finite at "
            "these weights, so there is no gradient to check. Scale X (and y), "
            "or check another model."
        )
    analytic = net.grad.copy()
    numeric = _central_differences(loss_only, theta, eps)
    net.params[...] = theta

    # The stencil's weights sum to (8 + 8 + 1 + 1) / 12 = 1.5 in absolute
    # value: rounding noise of that many loss values, divided by eps.
    noise = 1.5 * np.finfo(np.float64).eps * max(abs(loss), 1.0) / eps
    # Errors below 1e-6 times the floor are not reported; warn when that
    # would hide an error as large as the whole gradient.
    blind_to = 1e-6 * 1e7 * noise * np.sqrt(theta.shape[0])
    if np.linalg.norm(analytic) < blind_to:
        warnings.warn(
            f"gradient_check: with a loss of {loss:.3g} and eps={eps:g}, central "
            "differences cannot resolve gradients this small (their norm is "
            f"{np.linalg.norm(analytic):.3g}), so the result means nothing. "
            "Scale X and y, or use another eps.",
            UserWarning,
            stacklevel=2,
        )
    if not np.isfinite(numeric).all():
        raise ValueError(
            "gradient_check: a finite difference is not finite (the loss "
            f"overflows within eps={eps:g} of these weights); use a smaller eps."
        )
    return _largest_block_error(net, analytic, numeric, noise)


def _copy_to_check(estimator, y):
    """A clone of ``estimator`` to check, without dropout: for a fitted one,
    with its fitted network, layers and loss (float64 copies of the weights),
    whatever ``set_params`` changed since."""
    from sklearn.base import clone

    est = clone(estimator).set_params(dropout=0.0)
    if hasattr(estimator, "coefs_"):
        # The network predict computes, frozen at fit time: a set_params
        # since then (activation='tanh') has not changed the fitted model.
        layers = estimator._fitted_layers
        est.set_params(
            warm_start=True,
            hidden_layer_sizes=layers["hidden_layer_sizes"],
            activation=list(layers["activations"]),
            maxout_pieces=layers["maxout_pieces"],
        )
        if "loss" in est.get_params():
            # A regressor's loss, too, is the one its output link was fitted
            # with (the classifiers' follows from their targets).
            est.set_params(loss=LOSS_OF_OUTPUT[estimator.out_activation_])
            shape = y.shape if hasattr(y, "shape") else np.shape(y)
            n_outputs = shape[1] if len(shape) == 2 else 1
            if n_outputs != estimator.n_outputs_:
                raise ValueError(
                    f"y has {n_outputs} output(s) but the model was fitted on "
                    f"{estimator.n_outputs_}; check it with targets like those "
                    "it was fitted on."
                )
        # Not a user's warm start: y may hold any of the fitted classes.
        est._any_classes = True
        for name in (
            "coefs_",
            "intercepts_",
            "n_features_in_",
            "_label_binarizer",
            "classes_",
            "n_outputs_",
            "n_layers_",
            "out_activation_",
            "_fitted_layers",
        ):
            if hasattr(estimator, name):
                setattr(est, name, getattr(estimator, name))
        # Copies: the network below copies them again, but nothing done to
        # the checked point may ever reach the user's model.
        est.coefs_ = [np.array(W, dtype=np.float64) for W in estimator.coefs_]
        est.intercepts_ = [np.array(b, dtype=np.float64) for b in estimator.intercepts_]
    return est


def _central_differences(loss_only, theta, eps):
    """Fourth-order central differences of ``loss_only`` at ``theta``."""
    numeric = np.empty_like(theta)
    for i in range(theta.shape[0]):
        step = np.zeros_like(theta)
        step[i] = eps
        near = loss_only(theta + step) - loss_only(theta - step)
        far = loss_only(theta + 2 * step) - loss_only(theta - 2 * step)
        # Fourth order: the eps**2 terms of the two differences cancel.
        numeric[i] = (8 * near - far) / (12 * eps)
    return numeric


def _largest_block_error(net, analytic, numeric, noise):
    """The largest relative error over the weight matrices and bias vectors,
    each measured against a floor of ``1e7`` times its rounding ``noise``."""
    worst = 0.0
    for block_a, block_n in zip(
        net._views(analytic)[0] + net._views(analytic)[1],
        net._views(numeric)[0] + net._views(numeric)[1],
    ):
        floor = 1e7 * noise * np.sqrt(block_a.size)
        scale = max(np.linalg.norm(block_a), np.linalg.norm(block_n), floor)
        worst = max(worst, float(np.linalg.norm(block_a - block_n) / scale))
    return worst


#: How many times its largest first-order move under one finite-difference
#: step a pre-activation must stay away from a kink.  The move is computed to
#: first order; the factor covers the rest (activations upstream are smooth
#: or linear within a step once their own kinks are cleared).
KINK_SAFETY = 10.0

#: Sweeps over a maxout layer's pieces before giving up: moving one piece can
#: bring it close to another; in practice one or two sweeps suffice.
_MAX_SWEEPS = 50

#: Entries of the per-row Jacobians held at once by :func:`_reach`.
_JACOBIAN_ENTRIES = 2**21

#: A unit's bias move still checks "the same network" when it is small
#: (at most ``_MAX_MOVE`` times the unit's largest ``|Z|``, and at least 1:
#: then no output moves by more than that), or when it puts few rows on the
#: other side of the kink (for maxout: gives them another winning piece): at
#: most ``_MAX_SWITCHED`` of the rows, and at least 3.  A unit whose move is
#: both large and switches many rows (its margin spans most rows: unscaled
#: inputs, or an eps far too large for the data) is left on its kink, with a
#: warning, rather than pushed until it is linear on every row, where a
#: wrong derivative would go unnoticed.
_MAX_MOVE = 1e-3
_MAX_SWITCHED = 0.05


def _leave_kinks(net, X, eps):
    """Move a network's biases until no pre-activation is within a step of a kink.

    Central differences step one parameter at a time by up to ``+-2 eps``.  When a
    step moves a ReLU or leaky ReLU pre-activation across 0, or changes which
    piece of a maxout unit is largest, the difference quotient mixes the
    slopes of two linear pieces, and a correct backward pass scores up to
    about 1 (lbfgs, in particular, settles with pre-activations on kinks).
    So, layer by layer from the input, a unit whose pre-activation is within
    a margin of a kink on some row gets its bias moved by the smallest offset
    that puts every row at least twice the margin away; for maxout, a piece's
    bias is moved so that it stays that far from the largest of the unit's
    other pieces.  Activations downstream are then recomputed from the moved
    ones.  Units away from kinks, and smooth or continuously differentiable
    activations (elu), are left alone.

    The margin of ``Z[i, j]`` is ``KINK_SAFETY * 2 * eps`` times the largest
    derivative of ``Z[i, j]`` with respect to a single parameter (see
    :func:`_reach`), so that no step of the check can carry it across.  A
    unit whose move is both large (see ``_MAX_MOVE``) and would switch the
    side of the kink (maxout: the winning piece) of more than
    ``_MAX_SWITCHED`` of the rows (and more than 3), and a maxout unit whose
    pieces still crowd after ``_MAX_SWEEPS`` sweeps, is left as it is, and a
    warning says that the result may show a false error.

    Parameters
    ----------
    net : Network
        Float64 network; its biases are modified in place.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The rows the check evaluates the loss on.
    eps : float
        The finite-difference step.
    """
    A = X
    steps, slopes = [], []
    stuck = []  # (layer, unit) left on a kink
    hidden = zip(net.layers[:-1], net.coefs, net.intercepts)
    for index, (layer, W, b) in enumerate(hidden):
        # A step of one of this layer's parameters moves one column of Z by
        # eps (a bias) or eps * |A[row, k]| (a weight).
        largest = abs(A).max(axis=1)
        largest = largest.toarray() if sp.issparse(largest) else largest
        steps.append(np.maximum(np.asarray(largest, np.float64).reshape(-1), 1.0))
        Z = np.asarray(A @ W) + b
        # The widest step of the check is 2 eps.
        margin = KINK_SAFETY * 2 * eps * _reach(net, steps, slopes, index)
        allowed = max(3, _MAX_SWITCHED * Z.shape[0])
        if layer.kind == "maxout":
            offsets = _separate_pieces(Z, margin, layer.units, layer.pieces)
            shape = (Z.shape[0], layer.units, layer.pieces)
            moved = np.nan_to_num(offsets.reshape(shape[1:]), nan=0.0)
            switched = (
                Z.reshape(shape).argmax(axis=2)
                != (Z.reshape(shape) + moved).argmax(axis=2)
            ).sum(axis=0)
            unseparated = ~np.isfinite(offsets.reshape(shape[1:])).all(axis=1)
            large = np.abs(moved).max(axis=1) > _MAX_MOVE * np.maximum(
                np.abs(Z).reshape(shape).max(axis=(0, 2)), 1.0
            )
            too_far = unseparated | (large & (switched > allowed))
            offsets.reshape(shape[1:])[too_far] = 0.0
        elif layer.activation in ("relu", "leaky_relu"):
            offsets = np.array(
                [_offset_from_zero(Z[:, j], margin[:, j]) for j in range(Z.shape[1])]
            )
            switched = ((Z > 0) != (Z + offsets > 0)).sum(axis=0)
            large = np.abs(offsets) > _MAX_MOVE * np.maximum(np.abs(Z).max(axis=0), 1.0)
            too_far = large & (switched > allowed)
            offsets[too_far] = 0.0
        else:
            offsets, too_far = None, np.zeros(0, dtype=bool)
        stuck += [(index + 1, int(j) + 1) for j in np.flatnonzero(too_far)]
        if offsets is not None:
            b += offsets
            Z += offsets
        cache = {}
        A = layer.activate(Z, cache)
        # dA/dZ at the point: 0 or 1 for ReLU, a one-hot over each maxout
        # unit's pieces (the winner), f' for smooth activations.
        slopes.append(np.abs(layer.backward(np.ones_like(A), A, cache)))
    if stuck:
        where = ", ".join(f"layer {i} unit {j}" for i, j in stuck[:5])
        more = f" and {len(stuck) - 5} more" if len(stuck) > 5 else ""
        warnings.warn(
            f"gradient_check: {len(stuck)} unit(s) ({where}{more}) lie within "
            f"a step of eps={eps:g} of a kink (ReLU's 0, or two tied maxout "
            "pieces) and cannot be moved off it without changing the side of "
            "the kink of many rows (or the network's pieces cannot be "
            "separated), so the result may show a false error for them. Scale "
            "X, or use a smaller eps.",
            UserWarning,
            stacklevel=3,
        )


def _reach(net, steps, slopes, index):
    """Largest first-order move of a layer's pre-activations per parameter step.

    A unit step of one parameter of layer ``m`` moves one column ``c`` of
    ``Z_m`` by at most ``steps[m][i]`` on row ``i`` (its bias by 1, a weight
    by ``|A_{m-1}[i, k]|``); that reaches ``Z[i, j]`` of layer ``index``
    multiplied by the Jacobian entry ``G[i, c, j] = dZ[i, j] / dZ_m[i, c]``,
    the product of the slopes and weights in between.  The result is the
    maximum over ``m <= index`` of ``steps[m] * max_c |G|``: exactly the
    largest derivative of ``Z[i, j]`` with respect to any single parameter.

    Parameters
    ----------
    net : Network
        The network.
    steps : list of ndarray of shape (n_samples,)
        Per layer up to ``index``, the largest move of one column of its
        ``Z`` by a unit step of one of its parameters.
    slopes : list of ndarray of shape (n_samples, n_cols_m)
        Per layer before ``index``, ``|dA_m / dZ_m|`` column by column (for
        maxout, 1 at each unit's winning piece and 0 elsewhere).
    index : int
        The layer.

    Returns
    -------
    reach : ndarray of shape (n_samples, n_cols)
        Computed in row chunks, which bounds the memory of ``G``.
    """
    n = steps[index].shape[0]
    reach = np.repeat(steps[index][:, None], net.layers[index].n_cols, axis=1)
    if index == 0:
        return reach
    # Weights from layer m's columns to layer m + 1's: a maxout unit's row
    # of W serves each of its pieces, and the slope picks the winner.
    W_cols = [
        np.repeat(W, getattr(layer, "pieces", 1), axis=0)
        for layer, W in zip(net.layers[:index], net.coefs[1 : index + 1])
    ]
    widest = max(W.shape[0] for W in W_cols)
    rows = max(1, _JACOBIAN_ENTRIES // (widest * reach.shape[1]))
    for start in range(0, n, rows):
        chunk = slice(start, start + rows)
        G = None
        for m in range(index - 1, -1, -1):
            G = W_cols[m] if G is None else np.matmul(W_cols[m], G)
            G = slopes[m][chunk, :, None] * G
            moved = steps[m][chunk, None] * np.abs(G).max(axis=1)
            np.maximum(reach[chunk], moved, out=reach[chunk])
    return reach


def _offset_from_zero(D, margin):
    """Smallest offset ``d`` with ``|D + d| >= 2 * margin`` on every row.

    Returns 0 when no ``|D|`` is below ``margin``.  Each row forbids the open
    interval ``(-D - 2 margin, -D + 2 margin)``; the offset is the nearer end
    of the union of overlapping intervals that contains 0.
    """
    if not (np.abs(D) < margin).any():
        return 0.0
    lo, hi = -D - 2 * margin, -D + 2 * margin
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    ends = np.maximum.accumulate(hi)
    # An interval opens a new run when it starts at or after every earlier
    # one ends (the intervals are open, so a shared end point is allowed).
    starts = np.r_[True, lo[1:] >= ends[:-1]]
    run_lo = lo[starts]
    run_hi = np.maximum.reduceat(hi, np.flatnonzero(starts))
    # A row with |D| < margin has 0 strictly inside its interval, so exactly
    # one run contains 0.
    k = np.flatnonzero((run_lo < 0) & (run_hi > 0))[0]
    offset = float(run_hi[k] if run_hi[k] < -run_lo[k] else run_lo[k])
    # A margin that overflowed (absurdly large inputs) cannot be cleared;
    # an infinite bias would only turn the check into a non-finite loss.
    return offset if np.isfinite(offset) else 0.0


def _separate_pieces(Z, margin, units, pieces):
    """Bias offsets that keep each maxout piece away from its unit's others.

    Piece by piece, the piece's bias gets the smallest offset that puts it at
    least ``2 * (its margin + the rival's margin)`` from the largest of the
    unit's other pieces on every row where it is closer than the sum of the
    margins; sweeps repeat until no piece moves.  A unit whose pieces still
    move after ``_MAX_SWEEPS`` sweeps (pieces crossing among dense rows can
    chase each other) gets NaN offsets: it cannot be separated.
    """
    n = Z.shape[0]
    Z3 = Z.reshape(n, units, pieces)
    M3 = margin.reshape(n, units, pieces)
    offsets = np.zeros((units, pieces))
    for u in range(units):
        for _ in range(_MAX_SWEEPS):
            changed = False
            for q in range(pieces):
                Zu = Z3[:, u, :] + offsets[u]
                others = np.delete(np.arange(pieces), q)
                rival = others[Zu[:, others].argmax(axis=1)]
                rows = np.arange(n)
                gap = Zu[:, q] - Zu[rows, rival]
                step = _offset_from_zero(gap, M3[:, u, q] + M3[rows, u, rival])
                if step:
                    offsets[u, q] += step
                    changed = True
            if not changed:
                break
        else:
            offsets[u] = np.nan
    return offsets.reshape(-1)
