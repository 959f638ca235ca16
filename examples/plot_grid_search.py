"""
===========================================================
Choosing the activation and the layers with GridSearchCV
===========================================================

:class:`~skbpnet.BPClassifier` is an ordinary scikit-learn estimator, so it
goes into a :class:`~sklearn.pipeline.Pipeline` after a scaler and its
parameters are tuned with :class:`~sklearn.model_selection.GridSearchCV`,
using the ``step__parameter`` names. Here we search over the hidden-layer
activation and the shape of the hidden layers on the noisy moons.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skbpnet import BPClassifier, LossCurveDisplay

# Some of the larger candidates could use more iterations than we give them;
# the comparison is still fair because every candidate gets the same budget.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_moons(n_samples=400, noise=0.3, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)

pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        (
            "net",
            BPClassifier(
                solver="lbfgs", alpha=1e-2, tol=1e-3, max_iter=300, random_state=0
            ),
        ),
    ]
)
param_grid = {
    "net__activation": ["sigmoid", "tanh", "relu", "maxout"],
    "net__hidden_layer_sizes": [(), (4,), (16,), (16, 16)],
}
search = GridSearchCV(pipe, param_grid, cv=5).fit(X_train, y_train)

print("best parameters:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"test accuracy:            {search.score(X_test, y_test):.3f}")

# %%
# The cross-validation scores of all candidates
# ---------------------------------------------
# ``hidden_layer_sizes=()`` is logistic regression whatever the activation
# (there is no hidden layer to apply it to), hence the identical first column.
activations = param_grid["net__activation"]
sizes = param_grid["net__hidden_layer_sizes"]
scores = np.empty((len(activations), len(sizes)))
for params, score in zip(
    search.cv_results_["params"], search.cv_results_["mean_test_score"]
):
    i = activations.index(params["net__activation"])
    j = sizes.index(params["net__hidden_layer_sizes"])
    scores[i, j] = score

fig, ax = plt.subplots(layout="constrained")
image = ax.imshow(scores, cmap="viridis")
ax.set_xticks(range(len(sizes)), labels=[str(s) for s in sizes])
ax.set_yticks(range(len(activations)), labels=activations)
ax.set_xlabel("hidden_layer_sizes")
ax.set_ylabel("activation")
for i in range(len(activations)):
    for j in range(len(sizes)):
        ax.text(j, i, f"{scores[i, j]:.3f}", ha="center", va="center", color="w")
fig.colorbar(image, ax=ax, label="mean CV accuracy")
plt.show()

# %%
# The refitted best model's training history
# ------------------------------------------
# :class:`~skbpnet.LossCurveDisplay` reads a fitted search through its
# ``best_estimator_`` (here a Pipeline, read through its last step): the
# L-BFGS iterations of the refit on the whole training set.
fig, ax = plt.subplots(layout="constrained")
LossCurveDisplay.from_estimator(search, ax=ax)
ax.set_yscale("log")
plt.show()
