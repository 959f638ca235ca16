"""
==========================================
Recognising handwritten digits
==========================================

The 8x8 digits that ship with scikit-learn: 1,797 images, 64 pixel features,
10 classes. A softmax output on top of one hidden layer, trained with Adam on
standardised pixels, compared with multinomial logistic regression and with
scikit-learn's :class:`~sklearn.neural_network.MLPClassifier` given the same
settings.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbpnet import BPClassifier, LossCurveDisplay

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)

# The same settings for both networks. Adam stops when the training loss has
# not improved by ``tol`` for more than ``n_iter_no_change`` (10) epochs.
settings = {
    "hidden_layer_sizes": (64,),
    "alpha": 1e-3,
    "learning_rate_init": 3e-3,
    "max_iter": 300,
    "random_state": 0,
}
models = {
    "LogisticRegression": LogisticRegression(max_iter=2000),
    "MLPClassifier": MLPClassifier(**settings),
    "BPClassifier": BPClassifier(**settings),
}
pipelines = {}
for name, model in models.items():
    pipelines[name] = make_pipeline(StandardScaler(), model).fit(X_train, y_train)
    print(f"{name:20s} test accuracy {pipelines[name].score(X_test, y_test):.3f}")

# %%
# Training history
# ----------------
# :class:`~skbpnet.LossCurveDisplay` reads ``loss_curve_`` from the last step
# of the pipeline. (With ``early_stopping=True`` it would also draw the
# validation scores; see :ref:`sphx_glr_auto_examples_plot_early_stopping.py`.)
clf = pipelines["BPClassifier"]
display = LossCurveDisplay.from_estimator(clf)
display.ax_.set_title(f"stopped after {clf[-1].n_iter_} epochs")
plt.show()

# %%
# Which digits are confused?
# --------------------------
ConfusionMatrixDisplay.from_estimator(clf, X_test, y_test, colorbar=False)
plt.show()

# %%
# What the hidden units look at
# -----------------------------
# Each column of the first weight matrix ``coefs_[0]`` (shape (64, 64)) holds
# the 64 input weights of one hidden unit; shown as an 8x8 image it is the
# pixel pattern the unit responds to. Red is positive, blue negative.
W = clf[-1].coefs_[0]
fig, axes = plt.subplots(4, 8, figsize=(8, 4.4), layout="constrained")
scale = np.abs(W).max()
for unit, ax in enumerate(axes.ravel()):
    ax.imshow(W[:, unit].reshape(8, 8), cmap="RdBu_r", vmin=-scale, vmax=scale)
    ax.set_axis_off()
fig.suptitle("input weights of the first 32 hidden units")
plt.show()
