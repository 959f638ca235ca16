"""Backpropagation checked against central finite differences."""

import warnings

import numpy as np

from ._batches import _drop_weightless, _normalised_weights
from ._safeguards import _quiet_overflow


def gradient_check(estimator, X, y, sample_weight=None, eps=1e-6):
    """Compare backprop gradients with central finite differences.

    The full regularised training objective (weighted mean data loss plus
    ``alpha / (2 * total weight) * ||W||^2``) is evaluated at the estimator's
    fitted weights, or at freshly initialised ones when it is not fitted, in
    float64 and with dropout off.  Every parameter is perturbed by ``+-eps``.
    An unfitted estimator gets its initial weights from ``init`` and small
    random biases (zero biases would put some pre-activations exactly on a
    ReLU kink, where no derivative exists). For the same reason, a fitted
    ReLU layer with a pre-activation exactly at 0 (dead units upstream, a
    bias still at 0) has its biases moved by at most 1e-3 on the copy that
    is checked. Rows of zero sample weight are left out, as in ``fit``.

    For every weight matrix and bias vector the relative error
    ``||g_bp - g_fd|| / max(||g_bp||, ||g_fd||, floor)`` is computed; the
    largest one is returned.  A correct backward pass gives values well below
    1e-6 (about 1e-9 for smooth activations).

    The ``floor`` is ``1e7`` times the rounding noise of the central
    differences, ``sqrt(size) * machine epsilon * max(|J|, 1) / eps`` for a
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
        Fitted or not; it is not modified.
    X : array-like of shape (n_samples, n_features)
        Data; converted to float64.
    y : array-like
        Targets, as for ``fit``.
    sample_weight : array-like of shape (n_samples,), default=None
    eps : float, default=1e-6
        Finite-difference step.

    Returns
    -------
    max_relative_error : float

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
    from sklearn.base import clone

    est = clone(estimator).set_params(dropout=0.0)
    fitted = hasattr(estimator, "coefs_")
    if fitted:
        est.set_params(warm_start=True)
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
        est.coefs_ = [np.asarray(W, dtype=np.float64) for W in estimator.coefs_]
        est.intercepts_ = [
            np.asarray(b, dtype=np.float64) for b in estimator.intercepts_
        ]
    # Any DataFrame becomes an array; the copy above does not take the
    # fitted feature_names_in_, so nothing compares column names with it.
    X = X.astype(np.float64) if hasattr(X, "tocsr") else np.asarray(X, np.float64)
    net, X, _, Y, sample_weight = est._prepare(X, y, sample_weight, incremental=False)
    X, Y, sample_weight = _drop_weightless(X, Y, sample_weight)
    Y = np.asarray(Y)
    if fitted:
        _leave_relu_kinks(net, X)
    if not fitted:
        # Fresh biases are zero, which puts every row whose inputs to a layer
        # are all zero (dead ReLUs upstream) exactly on the kink of a ReLU or
        # maxout, where finite differences are meaningless. Small random biases
        # move the check to a point where the loss is differentiable.
        rng = np.random.RandomState(0)
        for b in net.intercepts:
            b[...] = rng.uniform(-0.1, 0.1, size=b.shape)
    s, total = _normalised_weights(sample_weight, X.shape[0], np.float64)
    l2 = est.alpha / total

    def objective(theta):
        net.params[...] = theta
        # An overflow shows as a non-finite loss, reported below.
        with _quiet_overflow():
            return net.loss_grad(X, Y, s, l2) + l2 * net.penalty()

    theta = net.params.copy()
    loss = objective(theta)
    if not (np.isfinite(loss) and np.isfinite(net.grad).all()):
        raise ValueError(
            f"gradient_check: the loss ({loss}) or its gradient is not finite at "
            "these weights, so there is no gradient to check. Scale X (and y), "
            "or check another model."
        )
    analytic = net.grad.copy()
    numeric = np.empty_like(theta)
    for i in range(theta.shape[0]):
        step = np.zeros_like(theta)
        step[i] = eps
        numeric[i] = (objective(theta + step) - objective(theta - step)) / (2 * eps)
    net.params[...] = theta

    noise = np.finfo(np.float64).eps * max(abs(loss), 1.0) / eps
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
    worst = 0.0
    for block_a, block_n in zip(
        net._views(analytic)[0] + net._views(analytic)[1],
        net._views(numeric)[0] + net._views(numeric)[1],
    ):
        floor = 1e7 * noise * np.sqrt(block_a.size)
        scale = max(np.linalg.norm(block_a), np.linalg.norm(block_n), floor)
        worst = max(worst, float(np.linalg.norm(block_a - block_n) / scale))
    return worst


def _leave_relu_kinks(net, X):
    """Move a fitted network's ReLU pre-activations off exact zeros.

    A unit whose inputs are all zero (dead units upstream) and whose bias is
    still 0 sits exactly on the kink of a ReLU, where the loss has no
    derivative and finite differences report a large error for a correct
    backward pass. The biases of such layers get a small random offset.
    """
    rng = np.random.RandomState(0)
    A = X
    for layer, W, b in zip(net.layers[:-1], net.coefs, net.intercepts):
        Z = np.asarray(A @ W) + b
        if layer.activation in ("relu", "leaky_relu") and (Z == 0).any():
            b += rng.uniform(-1e-3, 1e-3, size=b.shape)
            Z = np.asarray(A @ W) + b
        A = layer.activate(Z, None)
