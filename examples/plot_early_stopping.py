"""
==================================================
Early stopping and learning-rate schedules
==================================================

Two ways to control how long and how fast a network learns, both visible in
the training history that :class:`~skbpnet.LossCurveDisplay` draws:

* **early stopping** holds out part of the training data, tracks the
  validation score after every epoch, stops when it has not improved for
  more than ``n_iter_no_change`` epochs and restores the weights of the best
  epoch;
* **learning-rate schedules** change the step size of the stochastic solvers
  over time: ``'exponential'`` multiplies it by ``decay_rate`` every epoch
  (sgd and adam), ``'adaptive'`` divides it by five whenever the training loss
  stalls, and ``'invscaling'`` shrinks it with the number of samples seen (sgd
  only, as in scikit-learn).
"""

# %%
# Early stopping
# --------------
# A wide network without weight decay on a small, noisy problem (a quarter of
# the labels are flipped): it keeps lowering the training loss long after the
# validation accuracy (right axis) has stopped improving.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skbpnet import BPClassifier, LossCurveDisplay

X, y = make_classification(
    n_samples=1000, n_features=50, n_informative=5, flip_y=0.25, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

settings = {
    "hidden_layer_sizes": (128,),
    "alpha": 0.0,
    "learning_rate_init": 0.01,
    "max_iter": 300,
    "random_state": 0,
}
stopped = BPClassifier(
    early_stopping=True, validation_fraction=0.2, n_iter_no_change=20, **settings
).fit(X_train, y_train)
# Without early stopping, training stops when the training loss stalls.
full = BPClassifier(**settings).fit(X_train, y_train)

display = LossCurveDisplay.from_estimator(stopped)
best_epoch = int(np.argmax(stopped.validation_scores_)) + 1
display.ax_.axvline(best_epoch, color="0.5", linestyle=":")
display.ax_.set_title(
    f"stopped after {stopped.n_iter_} epochs, best epoch {best_epoch}"
)
plt.show()

for name, model in [("early stopping", stopped), ("no early stopping", full)]:
    print(
        f"{name:18s} {model.n_iter_:3d} epochs, "
        f"test accuracy {model.score(X_test, y_test):.3f}"
    )

# %%
# The restored weights are those of the best epoch (dotted line), so the
# model's test accuracy reflects the peak of the validation curve, not its end.
# Early stopping reaches a test accuracy comparable to the full run's in far
# fewer epochs, although it trains on 80% of the training data only.
#
# Learning-rate schedules with Adam
# ---------------------------------
# On the standardised digits, Adam with ``learning_rate_init=0.1`` makes fast
# progress at first, but the step is too large near a minimum and the loss
# bounces around. ``learning_rate='exponential'`` with ``decay_rate=0.9`` makes
# the step :math:`\eta_t = \eta_0 \cdot 0.9^t` after epoch :math:`t`: big steps
# first, ever finer ones later, and the loss settles. The constant run stops
# early, after more than ``n_iter_no_change=10`` epochs (the eleventh) without
# a new lowest loss.
# (Runs that reach ``max_iter`` end with a ConvergenceWarning, silenced here.)
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

warnings.filterwarnings("ignore", category=ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    StandardScaler().fit_transform(X), y, random_state=0
)
common = {"hidden_layer_sizes": (64,), "max_iter": 60, "tol": 0.0, "random_state": 0}
adam_runs = {
    "constant": BPClassifier(learning_rate_init=0.1, **common),
    "exponential, decay_rate=0.9": BPClassifier(
        learning_rate="exponential", decay_rate=0.9, learning_rate_init=0.1, **common
    ),
}

fig, (ax_loss, ax_rate) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
epochs = np.arange(common["max_iter"])
for name, model in adam_runs.items():
    model.fit(X_train, y_train)
    LossCurveDisplay.from_estimator(model, ax=ax_loss, label=name)
    # The step used during epoch t + 1 (the schedule updates after each epoch).
    if model.learning_rate == "exponential":
        rate = model.learning_rate_init * model.decay_rate**epochs
    else:
        rate = np.full(epochs.shape, model.learning_rate_init)
    ax_rate.plot(epochs + 1, rate, label=name)
    print(
        f"adam, {name:28s} final training loss {model.loss_:.5f}, "
        f"test accuracy {model.score(X_test, y_test):.3f}"
    )
ax_loss.set(yscale="log", title="adam: training loss")
ax_rate.set(xlabel="epoch", ylabel="learning rate", yscale="log", title="step size")
ax_rate.legend()
plt.show()

# %%
# Schedules with SGD
# ------------------
# With SGD and momentum the same data train smoothly at a constant
# ``learning_rate_init=0.1``. ``'adaptive'`` keeps that rate while the
# training loss improves by at least ``tol`` per epoch; after more than
# ``n_iter_no_change`` epochs without such an improvement it divides the rate
# by five, and it stops once the rate has fallen below :math:`10^{-6}`. The
# flat end of its curve is that series of ever smaller steps.
# ``'exponential'`` shrinks the step from the first epoch on, which here slows
# training down more than it helps. (``'invscaling'``, which decays the rate as
# :math:`\eta_0 / (t + 1)^{\text{power\_t}}` with :math:`t` the number of
# samples seen, makes the steps tiny after the first epoch on a data set this
# small, so it is left out.)
sgd = {"hidden_layer_sizes": (64,), "solver": "sgd", "max_iter": 100, "random_state": 0}
sgd_runs = {
    "constant": BPClassifier(learning_rate_init=0.1, tol=0.0, **sgd),
    "adaptive": BPClassifier(
        learning_rate="adaptive", learning_rate_init=0.1, n_iter_no_change=5, **sgd
    ),
    "exponential, decay_rate=0.95": BPClassifier(
        learning_rate="exponential",
        decay_rate=0.95,
        learning_rate_init=0.1,
        tol=0.0,
        **sgd,
    ),
}
fig, ax = plt.subplots(layout="constrained")
for name, model in sgd_runs.items():
    model.fit(X_train, y_train)
    LossCurveDisplay.from_estimator(model, ax=ax, label=name)
    print(
        f"sgd, {name:29s} {model.n_iter_:3d} epochs, final training loss "
        f"{model.loss_:.5f}, test accuracy {model.score(X_test, y_test):.3f}"
    )
ax.set(yscale="log", title="sgd: training loss")
plt.show()
