"""
==========================================
Count data with the Poisson loss
==========================================

``BPRegressor(loss="poisson")`` puts an exponential on the output unit (a log
link) and minimises the Poisson deviance, the natural loss for counts: the
predictions are always positive and the loss weighs errors relative to the
size of the mean.

Without a hidden layer this is exactly scikit-learn's
:class:`~sklearn.linear_model.PoissonRegressor`, a generalised linear model.
With a hidden layer the log of the mean can be any smooth function of the
features. We simulate counts whose log-mean is not linear in the features and
compare the two.
"""

# %%
# Simulated counts
# ----------------
# :math:`\log \mu(x) = 0.5 + \sin(\pi x_0) + 0.5 x_1^2` and
# :math:`y \sim \mathrm{Poisson}(\mu(x))` for :math:`x` uniform in the square
# :math:`[-1, 1]^2`.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import d2_tweedie_score, mean_poisson_deviance
from sklearn.model_selection import train_test_split

from skbpnet import BPRegressor


def log_mean(X):
    return 0.5 + np.sin(np.pi * X[:, 0]) + 0.5 * X[:, 1] ** 2


rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, size=(1500, 2))
y = rng.poisson(np.exp(log_mean(X)))
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
print(f"counts from {y.min()} to {y.max()}, mean {y.mean():.2f}")

# %%
# A linear model and a network with the same loss
# -----------------------------------------------
# :class:`~sklearn.linear_model.PoissonRegressor` minimises
# ``mean deviance / 2 + alpha / 2 * ||w||^2``; skbpnet's penalty is
# ``alpha / (2 * n_samples) * ||W||^2`` (see :ref:`regularisation`), so the
# same model needs ``alpha`` multiplied by the number of training samples.
glm_alpha = 1e-3
n_train = X_train.shape[0]
models = {
    "PoissonRegressor": PoissonRegressor(alpha=glm_alpha, tol=1e-8),
    "BPRegressor, no hidden layer": BPRegressor(
        hidden_layer_sizes=(),
        loss="poisson",
        solver="lbfgs",
        alpha=glm_alpha * n_train,
        tol=1e-8,
    ),
    "BPRegressor, 16 tanh units": BPRegressor(
        hidden_layer_sizes=(16,),
        activation="tanh",
        loss="poisson",
        solver="lbfgs",
        alpha=1e-2,
        tol=1e-3,  # L-BFGS stops once no gradient entry exceeds it
        max_iter=1000,
        random_state=0,
    ),
}
for model in models.values():
    model.fit(X_train, y_train)

glm, linear_net = models["PoissonRegressor"], models["BPRegressor, no hidden layer"]
print(
    "PoissonRegressor coefficients:",
    np.round(glm.coef_, 5),
    np.round(glm.intercept_, 5),
)
print(
    "BPRegressor(hidden=())        :",
    np.round(linear_net.coefs_[0].ravel(), 5),
    np.round(linear_net.intercepts_[0], 5),
)

# %%
# Test scores
# -----------
# The mean Poisson deviance (lower is better) and the fraction of deviance
# explained, :math:`D^2` (the Poisson analogue of :math:`R^2`; higher is
# better).
print(f"{'model':30s} {'deviance':>9s} {'D^2':>6s}")
for name, model in models.items():
    pred = model.predict(X_test)
    deviance = mean_poisson_deviance(y_test, pred)
    d2 = d2_tweedie_score(y_test, pred, power=1)
    print(f"{name:30s} {deviance:9.3f} {d2:6.3f}")

# %%
# The fitted means along :math:`x_0`
# ----------------------------------
# A slice through the feature space at :math:`x_1 = 0`, with the observed
# counts of the test points whose :math:`|x_1| < 0.2`. The log link keeps every
# prediction positive; the linear model in the log can only follow the trend.
grid = np.column_stack([np.linspace(-1, 1, 200), np.zeros(200)])
near = np.abs(X_test[:, 1]) < 0.2
fig, ax = plt.subplots(layout="constrained")
ax.scatter(X_test[near, 0], y_test[near], s=10, color="0.6", label="test counts")
ax.plot(grid[:, 0], np.exp(log_mean(grid)), "k--", label="true mean")
for name in ["PoissonRegressor", "BPRegressor, 16 tanh units"]:
    ax.plot(grid[:, 0], models[name].predict(grid), label=name)
ax.set(xlabel="$x_0$ (with $x_1 = 0$)", ylabel="count")
ax.legend()
plt.show()
