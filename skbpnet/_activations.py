"""Hidden-layer activations: each forward sits next to its derivative.

Every activation works in place on a pre-activation buffer ``Z`` (turning it into
the activation ``A``) and multiplies an upstream gradient ``delta`` in place by
the derivative.  Both take an optional ``work`` pair ``(floats, flags)`` of
scratch arrays shaped like ``Z`` (float and bool), so that the activations
allocate nothing in a training step; without it they allocate what they
need.  The derivative is
always computed from the *output* ``A``, so the engine never has to keep ``Z``
around:

.. math::

    \\sigma'(z) = a (1 - a), \\quad \\tanh'(z) = 1 - a^2, \\quad
    \\mathrm{relu}'(z) = [a > 0], \\quad \\mathrm{elu}'(z) = a + 1 \\; (a < 0),
    \\quad \\mathrm{softplus}'(z) = 1 - e^{-a}.

This module imports NumPy and SciPy only.
"""

import numpy as np
from scipy.special import expit

#: Slope of leaky ReLU for negative inputs (Keras and PyTorch use 0.01 too).
LEAKY_SLOPE = 0.01


def _floats(work, A):
    """A float scratch shaped like ``A``: the caller's, or a new one."""
    return np.empty_like(A) if work is None else work[0]


def _flags(work, A):
    """A boolean scratch shaped like ``A``: the caller's, or a new one."""
    return np.empty(A.shape, dtype=bool) if work is None else work[1]


def _identity(Z, work=None):
    return Z


def _identity_grad(A, delta, work=None):
    return delta


def _sigmoid(Z, work=None):
    return expit(Z, out=Z)


def _sigmoid_grad(A, delta, work=None):
    # sigma' = a (1 - a)
    one_minus = np.subtract(1.0, A, out=_floats(work, A))
    delta *= A
    delta *= one_minus
    return delta


def _tanh(Z, work=None):
    return np.tanh(Z, out=Z)


def _tanh_grad(A, delta, work=None):
    # tanh' = 1 - a^2
    slope = np.square(A, out=_floats(work, A))
    np.subtract(1.0, slope, out=slope)
    delta *= slope
    return delta


def _relu(Z, work=None):
    return np.maximum(Z, 0, out=Z)


def _relu_grad(A, delta, work=None):
    # Multiplying by the boolean (a > 0) is cheaper than masked assignment
    # (np.copyto with where= is ten times slower) or than np.sign(a).
    positive = np.greater(A, 0, out=_flags(work, A))
    np.multiply(delta, positive, out=delta)
    return delta


def _leaky_relu(Z, work=None):
    # max(z, slope * z) is leaky ReLU for 0 < slope < 1.
    scaled = np.multiply(Z, LEAKY_SLOPE, out=_floats(work, Z))
    return np.maximum(Z, scaled, out=Z)


def _leaky_relu_grad(A, delta, work=None):
    negative = np.less(A, 0, out=_flags(work, A))
    np.multiply(delta, LEAKY_SLOPE, out=delta, where=negative)
    return delta


def _elu(Z, work=None):
    negative = np.less(Z, 0, out=_flags(work, Z))
    np.expm1(Z, out=Z, where=negative)
    return Z


def _elu_grad(A, delta, work=None):
    # For z < 0, elu(z) = exp(z) - 1, so its derivative exp(z) is a + 1; for
    # z >= 0 it is 1. Both are min(a + 1, 1).
    slope = np.add(A, 1.0, out=_floats(work, A))
    np.minimum(slope, 1.0, out=slope)
    delta *= slope
    return delta


def _softplus(Z, work=None):
    # logaddexp(0, z) = log(1 + e^z) without overflow for large z.
    return np.logaddexp(0, Z, out=Z)


def _softplus_grad(A, delta, work=None):
    # softplus'(z) = sigmoid(z) = 1 - exp(-softplus(z)) = -expm1(-a).
    slope = np.negative(A, out=_floats(work, A))
    np.expm1(slope, out=slope)
    delta *= slope
    np.negative(delta, out=delta)
    return delta


#: name -> (forward in place, derivative applied to delta in place).
ACTIVATIONS = {
    "identity": (_identity, _identity_grad),
    "sigmoid": (_sigmoid, _sigmoid_grad),
    "tanh": (_tanh, _tanh_grad),
    "relu": (_relu, _relu_grad),
    "leaky_relu": (_leaky_relu, _leaky_relu_grad),
    "elu": (_elu, _elu_grad),
    "softplus": (_softplus, _softplus_grad),
}

#: Accepted spellings that map onto a canonical name.
ALIASES = {"logistic": "sigmoid"}

#: Every name a user may pass; 'maxout' is a layer kind, not an elementwise map.
ACTIVATION_NAMES = tuple(ACTIVATIONS) + tuple(ALIASES) + ("maxout",)


def canonical_activation(name):
    """Return the canonical activation name for ``name`` (resolving aliases)."""
    return ALIASES.get(name, name)
