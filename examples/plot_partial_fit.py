"""
==========================================
Learning from a stream with partial_fit
==========================================

When the data arrive in chunks, or do not fit in memory, the stochastic
solvers ('sgd' and 'adam') can learn incrementally: every call to
``partial_fit`` runs one epoch over the chunk it is given and keeps the
weights and the optimizer's state (momentum, Adam's moments) for the next
call. The classifier must know all classes from the start, so the first call
passes ``classes=``.

We feed a stream of 30 chunks of 100 samples and measure, after every chunk,

* the accuracy on the *next* chunk before training on it ("test-then-train",
  an honest estimate that uses every sample once for testing and once for
  training), and
* the accuracy on a fixed held-out test set.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from skbpnet import BPClassifier

X, y = make_classification(
    n_samples=4000,
    n_features=20,
    n_informative=10,
    n_classes=3,
    n_clusters_per_class=2,
    random_state=0,
)
X_stream, X_test, y_stream, y_test = train_test_split(
    X, y, test_size=1000, random_state=0
)
classes = np.unique(y)
chunks = np.array_split(np.arange(X_stream.shape[0]), 30)

models = {
    "sgd (momentum 0.9)": BPClassifier(
        hidden_layer_sizes=(32,), solver="sgd", learning_rate_init=0.02, random_state=0
    ),
    "adam": BPClassifier(
        hidden_layer_sizes=(32,), solver="adam", learning_rate_init=0.01, random_state=0
    ),
}
history = {name: {"seen": [], "next": [], "held_out": []} for name in models}
for name, model in models.items():
    for i, chunk in enumerate(chunks):
        X_chunk, y_chunk = X_stream[chunk], y_stream[chunk]
        if i > 0:
            # Score the new chunk before the model has seen it.
            history[name]["next"].append(model.score(X_chunk, y_chunk))
        # classes= is required on the first call and may be repeated later.
        model.partial_fit(X_chunk, y_chunk, classes=classes if i == 0 else None)
        history[name]["seen"].append(model.t_)
        history[name]["held_out"].append(model.score(X_test, y_test))
    print(
        f"{name:20s} after {model.t_} samples: "
        f"held-out accuracy {history[name]['held_out'][-1]:.3f}"
    )

# %%
# Accuracy along the stream
# -------------------------
# ``t_`` counts the training samples seen so far.
fig, ax = plt.subplots(layout="constrained")
for (name, h), color in zip(history.items(), ["C0", "C1"]):
    ax.plot(h["seen"], h["held_out"], color=color, label=f"{name}: held-out")
    ax.plot(
        h["seen"][:-1],
        h["next"],
        color=color,
        linestyle=":",
        label=f"{name}: next chunk",
    )
ax.set(xlabel="training samples seen", ylabel="accuracy")
ax.legend()
plt.show()

# %%
# Each chunk is seen once here. Going over the stream several times (several
# epochs) would improve both models further, exactly as ``fit`` with a larger
# ``max_iter`` would. ``loss_curve_`` has one entry per ``partial_fit`` call:
# the loss on that chunk.
print(len(models["adam"].loss_curve_), "entries in loss_curve_")
