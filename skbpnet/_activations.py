"""Hidden-layer activations: each forward sits next to its derivative.

Every activation works in place on a pre-activation buffer ``Z`` (turning it into
the activation ``A``) and multiplies an upstream gradient ``delta`` in place by
the derivative.  The derivative is always computed from the *output* ``A``, so
the engine never has to keep ``Z`` around:

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


def _identity(Z):
    return Z


def _identity_grad(A, delta):
    return delta


def _sigmoid(Z):
    return expit(Z, out=Z)


def _sigmoid_grad(A, delta):
    # sigma' = a (1 - a); written as delta * a - delta * a^2 to stay in place.
    delta *= A
    delta -= delta * A
    return delta


def _tanh(Z):
    return np.tanh(Z, out=Z)


def _tanh_grad(A, delta):
    delta *= 1.0 - A * A
    return delta


def _relu(Z):
    return np.maximum(Z, 0, out=Z)


def _relu_grad(A, delta):
    # Multiplying by the boolean (a > 0) is cheaper than masked assignment.
    np.multiply(delta, A > 0, out=delta)
    return delta


def _leaky_relu(Z):
    # max(z, slope * z) is leaky ReLU for 0 < slope < 1.
    return np.maximum(Z, LEAKY_SLOPE * Z, out=Z)


def _leaky_relu_grad(A, delta):
    delta[A < 0] *= LEAKY_SLOPE
    return delta


def _elu(Z):
    neg = Z < 0
    Z[neg] = np.expm1(Z[neg])
    return Z


def _elu_grad(A, delta):
    # For z < 0, elu(z) = exp(z) - 1, so its derivative exp(z) is a + 1.
    neg = A < 0
    delta[neg] *= A[neg] + 1.0
    return delta


def _softplus(Z):
    # logaddexp(0, z) = log(1 + e^z) without overflow for large z.
    return np.logaddexp(0, Z, out=Z)


def _softplus_grad(A, delta):
    # softplus'(z) = sigmoid(z) = 1 - exp(-softplus(z)).
    delta *= -np.expm1(-A)
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
