"""
==============================================================
Vanishing and exploding gradients: activations and init
==============================================================

Backpropagation multiplies the output error by one weight matrix and one
activation derivative per layer,

.. math::

    \\delta_{l-1} = (\\delta_l W_l^T) \\odot f'(Z_{l-1}),

so in a deep network the gradient that reaches the first layers is a product
of many factors. If they are smaller than one the gradient *vanishes* and the
first layers barely learn; if they are larger it *explodes*.

``gradient_norms_`` records, for every epoch, the root mean square of each
weight matrix's gradient, and :class:`~skbpnet.GradientNormDisplay` plots it.
This example first repeats the chapter's learning-speed argument on a network
with one hidden layer, then trains a network with six hidden layers with three
combinations of activation and initialisation.
"""

# %%
# Data
# ----
# The digits, standardised, so that every input has variance 1 (but three of
# the 64 pixels, which are always 0 and stay 0).
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skbpnet import BPClassifier, GradientNormDisplay, LossCurveDisplay

# Thirty epochs are enough to see the effects; the runs are not meant to
# converge.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    StandardScaler().fit_transform(X), y, test_size=0.25, random_state=0
)
sgd = {"solver": "sgd", "learning_rate_init": 0.05, "batch_size": 64, "max_iter": 30}

# %%
# One hidden layer: saturation slows learning
# -------------------------------------------
# With :math:`N(0, 1)` weights, a hidden unit with :math:`m = 64` inputs, 61 of
# them standardised, has a pre-activation :math:`z = \sum_j w_j x_j` of standard
# deviation about :math:`\sqrt{61} \approx 7.8`: most sigmoids start saturated, where
# :math:`\sigma'(z) \approx 0`, and the gradient of their weights is small. The
# chapter's :math:`N(0, 1/m)` (``init="lecun_normal"``) gives :math:`z` a
# standard deviation of 1, where the sigmoid is responsive, and the same
# network learns faster.
fig, ax = plt.subplots(layout="constrained")
for init in ["normal", "lecun_normal"]:
    shallow = BPClassifier(
        hidden_layer_sizes=(30,), activation="sigmoid", init=init, random_state=0, **sgd
    ).fit(X_train, y_train)
    LossCurveDisplay.from_estimator(shallow, ax=ax, label=f"init={init!r}")
    print(f"init={init!r:15s} test accuracy {shallow.score(X_test, y_test):.3f}")
ax.set_yscale("log")
ax.set_title("sigmoid, one hidden layer of 30 units")
plt.show()

# %%
# Six hidden layers: the product of the derivatives
# -------------------------------------------------
# The same network with six hidden layers of 32 units, three ways:
#
# * sigmoid with :math:`N(0, 1)` weights (``init="normal"``): saturated units,
#   but the large weights partly make up for the small derivatives;
# * sigmoid with :math:`N(0, 1/m)` (``init="lecun_normal"``): no saturation,
#   but :math:`\sigma' \le 1/4`, so every layer shrinks the gradient by a
#   factor of about four;
# * ReLU with He initialisation (:math:`N(0, 2/m)`, ``init="he_normal"``): the
#   derivative is 0 or 1 and the weights keep the signal's size, so every layer
#   gets a gradient of the same order.
settings = {
    "sigmoid, N(0, 1)": {"activation": "sigmoid", "init": "normal"},
    "sigmoid, lecun_normal": {"activation": "sigmoid", "init": "lecun_normal"},
    "relu, he_normal": {"activation": "relu", "init": "he_normal"},
}
models = {
    name: BPClassifier(hidden_layer_sizes=(32,) * 6, random_state=0, **sgd, **params)
    for name, params in settings.items()
}
for model in models.values():
    model.fit(X_train, y_train)

# %%
# Gradient norms per layer
# ------------------------
# Layer 1 is the input, so "layer 1 → 2" is the first weight matrix, the one
# farthest from the output (the legend counts layers as scikit-learn's
# ``n_layers_`` does; in the user guide's notation, where the input is layer 0,
# it is :math:`W_1`). The panels share their y axis.
fig, axes = plt.subplots(1, 3, figsize=(13, 4.5), sharey=True, layout="constrained")
for ax, (name, model) in zip(axes, models.items()):
    GradientNormDisplay.from_estimator(model, ax=ax)
    ax.set_title(name)
    ax.legend(fontsize=7, ncol=2)
plt.show()

# %%
# How much smaller is the first layer's gradient than the last one's?
# -------------------------------------------------------------------
# The ratio of the first to the last column of ``gradient_norms_`` in the first
# epoch, and what each network learned in 30 epochs.
print(f"{'setting':24s} {'first/last':>12s} {'test accuracy':>14s}")
for name, model in models.items():
    first_epoch = model.gradient_norms_[0]
    ratio = first_epoch[0] / first_epoch[-1]
    print(f"{name:24s} {ratio:12.1e} {model.score(X_test, y_test):14.3f}")

# %%
# With sigmoids and :math:`N(0, 1/m)` weights the first layer's gradient is
# thousands of times smaller than the last one's, close to the
# :math:`4^{-6}` the bound :math:`\sigma' \le 1/4` predicts: the classic
# vanishing gradient, and plain SGD makes no progress in 30 epochs (an
# adaptive method such as Adam, which rescales every weight's step, copes
# better). ReLU with He initialisation keeps the gradients of all layers
# within a small factor of each other and learns fastest.
#
# The opposite failure, exploding gradients, appears with ReLU and
# :math:`N(0, 1)` weights: each layer then multiplies the signal by about
# :math:`\sqrt{m/2} = 4`, and SGD diverges within the first epoch. skbpnet
# stops training, keeps the last finite weights (here: the initial ones) and
# says so with a ``ConvergenceWarning``:
exploding = BPClassifier(
    hidden_layer_sizes=(32,) * 6,
    activation="relu",
    init="normal",
    random_state=0,
    **sgd,
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    exploding.fit(X_train, y_train)
print(caught[0].message)
print(f"complete epochs: {exploding.n_iter_}")

# %%
# Loss curves
# -----------
fig, ax = plt.subplots(layout="constrained")
for name, model in models.items():
    LossCurveDisplay.from_estimator(model, ax=ax, label=name)
ax.set_yscale("log")
plt.show()
