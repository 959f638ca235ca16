"""Stochastic optimizers acting in place on one flat parameter vector.

Each optimizer keeps its state (velocity, moments) as flat arrays of the same
length as the parameters, plus one scratch vector, so an update is a handful of
in-place vector operations and allocates nothing.  The learning rate is a plain
attribute; the training loop sets it from the schedule.

This module imports NumPy only.
"""

import math

import numpy as np


class _Optimizer:
    """State as plain data, and the work buffers rebuilt from it.

    Public attributes are the state (hyperparameters, counters, the velocity
    or moments); attributes starting with ``_`` are work buffers, made by
    ``_make_buffers`` and never saved.
    """

    def state(self):
        """The state as builtins and arrays (what pickles and skops save)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    @classmethod
    def from_state(cls, state):
        """The optimizer whose :meth:`state` is ``state``, with new buffers."""
        opt = cls.__new__(cls)
        vars(opt).update(state)
        opt._make_buffers()
        return opt

    @property
    def n_params(self):
        """Length of the parameter vector the optimizer updates."""
        return self.scratch.shape[0]

    @property
    def scratch(self):
        """A work vector of the parameters' length, free between steps."""
        return self._scratch


class SGD(_Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum.

    .. math::

        v \\leftarrow \\mu v - \\eta g, \\qquad
        \\theta \\leftarrow \\theta + v \\;\\text{(classical)}, \\qquad
        \\theta \\leftarrow \\theta + \\mu v - \\eta g \\;\\text{(Nesterov)}.
    """

    def __init__(self, n_params, dtype, learning_rate, momentum=0.9, nesterov=True):
        self.learning_rate = float(learning_rate)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.velocity = np.zeros(n_params, dtype=dtype)
        self._make_buffers()

    def _make_buffers(self):
        self._scratch = np.empty_like(self.velocity)
        self._scratch2 = np.empty_like(self.velocity) if self.nesterov else None

    def step(self, params, grad):
        """Apply one update to ``params`` in place."""
        # Python floats (see Adam.step): a NumPy float64 scalar would run the
        # float32 updates in float64 with casts, several times slower.
        lr, mu = float(self.learning_rate), float(self.momentum)
        step = np.multiply(grad, lr, out=self._scratch)  # eta g
        v = self.velocity
        v *= mu
        v -= step
        if self.nesterov:
            look = np.multiply(v, mu, out=self._scratch2)
            look -= step
            params += look
        else:
            params += v

    def reset(self):
        """Forget the velocity (after a divergence filled it with inf/NaN)."""
        self.velocity[...] = 0


class Adam(_Optimizer):
    """Adam (Kingma & Ba, 2014) with bias correction folded into the step size.

    .. math::

        m \\leftarrow \\beta_1 m + (1-\\beta_1) g, \\quad
        v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2, \\quad
        \\theta \\leftarrow \\theta - \\eta
        \\frac{\\sqrt{1-\\beta_2^t}}{1-\\beta_1^t} \\frac{m}{\\sqrt{v} + \\epsilon}.
    """

    def __init__(
        self, n_params, dtype, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        self.learning_rate = float(learning_rate)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.t = 0
        # Unnormalised first and second moments (see ``step``).
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)
        self._make_buffers()

    def _make_buffers(self):
        self._scratch = np.empty_like(self.m)

    def step(self, params, grad):
        """Apply one update to ``params`` in place."""
        # The moments are stored unnormalised, m' = m / (1 - beta_1) and
        # v' = v / (1 - beta_2), so that updating them needs no multiply by
        # (1 - beta); the constants are folded into the step size and epsilon.
        # That saves two passes over the parameters per step (10 instead of
        # 12), which matters because Adam is memory-bound.
        self.t += 1
        b1, b2 = float(self.beta_1), float(self.beta_2)
        # Every scalar is a Python float: NumPy treats those as "weak" and
        # keeps float32 arrays in float32, whereas a np.float64 scalar (what
        # np.sqrt returns) would make each float32 pass compute in float64
        # and cast back, about 9 times slower for the two passes below.
        root = math.sqrt(1 - b2)
        lr = float(self.learning_rate)
        eta = lr * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        eta *= (1 - b1) / root
        tmp = self._scratch
        m, v = self.m, self.v
        m *= b1
        m += grad
        v *= b2
        np.square(grad, out=tmp)  # 2.5 times faster than multiply(g, g)
        v += tmp
        if eta == 0.0:
            # A schedule decayed to exactly 0.0 ('exponential' after enough
            # epochs): no step, and no division by zero below.
            return
        np.sqrt(v, out=tmp)
        tmp += float(self.epsilon) / root
        tmp *= 1.0 / eta
        np.divide(m, tmp, out=tmp)
        params -= tmp

    def set_betas(self, beta_1, beta_2):
        """Change the decay rates, keeping the moments' values.

        The moments are stored divided by ``1 - beta`` (see :meth:`step`), so
        new betas rescale them.
        """
        beta_1, beta_2 = float(beta_1), float(beta_2)
        if beta_1 != self.beta_1:
            self.m *= (1.0 - self.beta_1) / (1.0 - beta_1)
            self.beta_1 = beta_1
        if beta_2 != self.beta_2:
            self.v *= (1.0 - self.beta_2) / (1.0 - beta_2)
            self.beta_2 = beta_2

    def reset(self):
        """Forget the moments (after a divergence filled them with inf/NaN)."""
        self.m[...] = 0
        self.v[...] = 0
        self.t = 0
