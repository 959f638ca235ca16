"""Weight initializers ``init(fan_in, fan_out, rng, dtype) -> W``.

Why the scale matters: the backward pass multiplies the output delta by one
weight matrix and one activation derivative per layer.  If the weights are too
large the pre-activations saturate a sigmoid (derivative near 0) or the products
grow without bound; if they are too small the signal dies.  Choosing
``Var(W) = c / fan_in`` keeps the variance of each pre-activation close to that
of its inputs, so gradients keep their size from layer to layer.

================  ==============================  ===============================
name              standard deviation              distribution
================  ==============================  ===============================
lecun_normal      1 / sqrt(fan_in)                normal truncated at 2 std
glorot_normal     sqrt(2 / (fan_in + fan_out))    normal truncated at 2 std
he_normal         sqrt(2 / fan_in)                normal truncated at 2 std
glorot_uniform    sqrt(2 / (fan_in + fan_out))    uniform on +-sqrt(3) std
he_uniform        sqrt(2 / fan_in)                uniform on +-sqrt(3) std
normal            1                               plain N(0, 1)
================  ==============================  ===============================

``fan_in`` and ``fan_out`` are the shape of the weight matrix, so a maxout
layer's ``fan_out`` is ``units * pieces`` (one column per piece).
``lecun_normal`` is the chapter's N(0, 1/m) with m the fan-in.  The truncated
draws are rescaled so that the standard deviation is exactly the one in the
table (as Keras does).  ``normal`` is the naive choice that makes deep sigmoid
networks saturate, which shows vanishing gradients.

This module imports NumPy only.
"""

import inspect

import numpy as np

#: Standard deviation of a standard normal truncated to [-2, 2].
_TRUNC2_STD = 0.87962566103423978


def _truncated_normal(shape, rng, std):
    """Normal draws truncated at two standard deviations, rescaled to ``std``."""
    W = rng.standard_normal(size=shape)
    outside = np.abs(W) > 2.0
    while outside.any():
        W[outside] = rng.standard_normal(size=int(outside.sum()))
        outside = np.abs(W) > 2.0
    W *= std / _TRUNC2_STD
    return W


def lecun_normal(fan_in, fan_out, rng, dtype=np.float64):
    """Truncated normal with std ``1 / sqrt(fan_in)`` (the chapter's choice)."""
    std = np.sqrt(1.0 / fan_in)
    return _truncated_normal((fan_in, fan_out), rng, std).astype(dtype, copy=False)


def glorot_normal(fan_in, fan_out, rng, dtype=np.float64):
    """Truncated normal with std ``sqrt(2 / (fan_in + fan_out))``."""
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return _truncated_normal((fan_in, fan_out), rng, std).astype(dtype, copy=False)


def he_normal(fan_in, fan_out, rng, dtype=np.float64):
    """Truncated normal with std ``sqrt(2 / fan_in)``, for ReLU-like layers."""
    std = np.sqrt(2.0 / fan_in)
    return _truncated_normal((fan_in, fan_out), rng, std).astype(dtype, copy=False)


def _uniform(fan_in, fan_out, rng, std, dtype):
    limit = np.sqrt(3.0) * std
    W = rng.uniform(-limit, limit, size=(fan_in, fan_out))
    return W.astype(dtype, copy=False)


def glorot_uniform(fan_in, fan_out, rng, dtype=np.float64):
    """Uniform on ``+-sqrt(6 / (fan_in + fan_out))``."""
    return _uniform(fan_in, fan_out, rng, np.sqrt(2.0 / (fan_in + fan_out)), dtype)


def he_uniform(fan_in, fan_out, rng, dtype=np.float64):
    """Uniform on ``+-sqrt(6 / fan_in)``."""
    return _uniform(fan_in, fan_out, rng, np.sqrt(2.0 / fan_in), dtype)


def normal(fan_in, fan_out, rng, dtype=np.float64):
    """Plain N(0, 1): the naive initialisation."""
    return rng.standard_normal(size=(fan_in, fan_out)).astype(dtype, copy=False)


INITIALIZERS = {
    "lecun_normal": lecun_normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "normal": normal,
}

#: Activations whose 'auto' initializer is he_normal; every other one uses
#: lecun_normal (so does the linear output layer).
_HE_ACTIVATIONS = frozenset({"relu", "leaky_relu", "elu", "maxout"})


def resolve_initializer(init, activation):
    """Return the initializer callable for one layer.

    Parameters
    ----------
    init : str or callable
        A name from :data:`INITIALIZERS`, ``'auto'`` or a callable.
    activation : str or None
        The layer's activation (``None`` for the output layer).
    """
    if callable(init):
        _check_signature(init)
        return init
    if init == "auto":
        init = "he_normal" if activation in _HE_ACTIVATIONS else "lecun_normal"
    return INITIALIZERS[init]


def _check_signature(init):
    """Refuse a callable ``init`` that cannot take ``(fan_in, fan_out, rng,
    dtype)``, naming the parameter, rather than let the call fail with a
    TypeError about a lambda's arguments (a Keras-style ``init(shape)``, say).
    Callables whose signature Python cannot read are simply called."""
    try:
        # Not follow_wrapped: an adapter made with functools.wraps around a
        # Keras-style init(shape) reports the wrapped function's signature.
        signature = inspect.signature(init, follow_wrapped=False)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(1, 1, None, np.float64)
    except TypeError as exc:
        raise TypeError(
            f"init must be callable as init(fan_in, fan_out, rng, dtype) and "
            f"return an array of shape (fan_in, fan_out); {init!r} cannot "
            f"take those four arguments ({exc})."
        ) from None
