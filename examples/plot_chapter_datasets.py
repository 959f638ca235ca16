"""
=====================================================================
Backprop networks vs logistic regression on four 2-D data sets
=====================================================================

The chapter's four toy problems: two Gaussian blobs, two concentric circles,
two interleaving moons and the "XOR blocks" (points uniform in the square
:math:`[-1, 1]^2`, labelled by whether exactly one coordinate is positive).

Logistic regression draws a straight line: the right boundary for the two
blobs, and a useless one for the other three. A network with one small hidden
layer bends the boundary and solves the circles, the moons and the XOR blocks.
On the overlapping blobs that freedom costs a little: its boundary bends
around noise in the training points, and it scores a few points below
logistic regression on the test points (with ``alpha=3`` instead of 1e-3 it
draws a near-straight line and matches logistic regression's 0.93).
Without a hidden layer, :class:`~skbpnet.BPClassifier` *is* logistic
regression, which the last cell checks numerically.
"""

# %%
# The four data sets
# ------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_blobs, make_circles, make_moons
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skbpnet import BPClassifier

n_samples = 300


def xor_blocks(n_samples, random_state):
    rng = np.random.RandomState(random_state)
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)
    return X, y


datasets = {
    "blobs": make_blobs(
        n_samples=n_samples, centers=2, cluster_std=1.5, random_state=0
    ),
    "circles": make_circles(n_samples=n_samples, noise=0.1, factor=0.5, random_state=0),
    "moons": make_moons(n_samples=n_samples, noise=0.2, random_state=0),
    "XOR blocks": xor_blocks(n_samples, random_state=0),
}

# %%
# Fit both models and draw their decision boundaries
# --------------------------------------------------
# The network has one hidden layer of 16 tanh units and is trained with
# L-BFGS, which suits small data sets: full-batch, no learning rate to tune.
# The shading is the predicted probability of the second class; the test
# accuracy is printed in each panel.


def make_models():
    return {
        "LogisticRegression": LogisticRegression(),
        "BPClassifier (16 tanh)": BPClassifier(
            hidden_layer_sizes=(16,),
            activation="tanh",
            solver="lbfgs",
            alpha=1e-3,
            # L-BFGS stops once no gradient entry exceeds tol: 1e-3 is
            # plenty for a decision boundary (blobs needs ~300 iterations).
            tol=1e-3,
            max_iter=1000,
            random_state=0,
        ),
    }


fig, axes = plt.subplots(
    len(datasets), 2, figsize=(7, 12), sharex="row", sharey="row", layout="constrained"
)
for row, (data_name, (X, y)) in enumerate(datasets.items()):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    for col, (model_name, model) in enumerate(make_models().items()):
        ax = axes[row, col]
        model.fit(X_train, y_train)
        DecisionBoundaryDisplay.from_estimator(
            model,
            X,
            response_method="predict_proba",
            cmap="RdBu",
            alpha=0.7,
            ax=ax,
            grid_resolution=120,
        )
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu", edgecolor="k", s=15)
        accuracy = model.score(X_test, y_test)
        ax.set_title(f"{data_name}: {model_name}", fontsize=9)
        ax.text(
            0.98,
            0.03,
            f"test acc. {accuracy:.2f}",
            transform=ax.transAxes,
            ha="right",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.8},
        )
        ax.set_xlabel("")
        ax.set_ylabel("")
plt.show()

# %%
# No hidden layer: the sigmoid neuron is logistic regression
# ----------------------------------------------------------
# ``BPClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=1 / C)``
# minimises the same objective as ``LogisticRegression(C=C)``, so both reach
# the same coefficients (up to the solvers' tolerance). With three classes the
# output layer becomes a softmax and the match is with multinomial logistic
# regression.
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

C = 0.5
for name, (X, y) in {
    "moons (binary)": datasets["moons"],
    "iris (3 classes)": load_iris(return_X_y=True),
}.items():
    X = StandardScaler().fit_transform(X)
    sigmoid_neuron = BPClassifier(
        hidden_layer_sizes=(), solver="lbfgs", alpha=1 / C, tol=1e-12, max_iter=2000
    ).fit(X, y)
    logreg = LogisticRegression(C=C, tol=1e-12, max_iter=2000).fit(X, y)
    # coefs_[0] has shape (n_features, n_outputs); coef_ is its transpose.
    gap = np.abs(sigmoid_neuron.coefs_[0].T - logreg.coef_).max()
    print(f"{name:17s} max |W_bp - W_logreg| = {gap:.1e}")
