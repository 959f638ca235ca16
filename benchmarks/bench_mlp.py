"""Benchmark skbpnet against scikit-learn's MLP (and PyTorch, when installed).

Both estimators are trained in one process on the same data, architecture,
solver, batch size, dtype and number of epochs.  ``tol=0`` with a huge
``n_iter_no_change`` makes the stochastic solvers run exactly ``max_iter``
epochs.  Runs are interleaved in rounds whose order rotates (round r starts at
contender r mod k: sklearn, skbpnet, torch, GEMM bound, then skbpnet, torch,
GEMM bound, sklearn, ...) and the medians of ``--repeats`` rounds are
reported; the JSON keeps each round's order.  The headline is
``ratio = sklearn time / skbpnet time``: above 1 means skbpnet is faster.

The "GEMM bound" times only the matrix products one training epoch needs at
the real shapes (forward ``A @ W``, weight gradients ``A.T @ delta``, and
``delta @ W.T`` for every layer but the first), into preallocated arrays.
``% of bound = bound / skbpnet time``: 100% would mean skbpnet spends nothing
outside the BLAS calls it cannot avoid.

Run ``python benchmarks/bench_mlp.py --help`` for the options and see
``benchmarks/README.md`` for how to read the table.
"""

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
import warnings
from functools import cache

import numpy as np
import scipy
import sklearn
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

import skbpnet
from skbpnet import BPClassifier
from skbpnet._network import PREDICT_CHUNK

try:  # PyTorch is optional: its column says "n/a" without it.
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

#: A patience no run reaches: with tol=0 every epoch is trained.
NO_STOP = 10**9

#: Rounds of one contender spreading more than this (max/min - 1) get a note
#: under the table: their median rests on few undisturbed runs.
NOISY_SPREAD = 0.20

#: The accuracy target: skbpnet's training accuracy after the same epochs
#: within this many points of scikit-learn's.
ACC_TARGET_PTS = 1.0

#: Fewest timed rounds: the targets are stated for medians of >= 3 runs.
MIN_REPEATS = 3

#: scikit-learn's (and torch's) L2 strength, MLPClassifier's default.
#: skbpnet gets the equivalent per-step value, see bp_alpha().
ALPHA = 1e-4

#: Datasets: name -> (n_samples, n_features, make_classification extras).
DATASETS = {
    "wide": (60000, 784, {"n_informative": 50, "n_classes": 10}),
    "deep": (20000, 100, {"n_informative": 30, "n_classes": 10}),
    "small": (20000, 20, {"n_informative": 10, "n_classes": 2}),
}

#: The cases.  ``epochs`` is per timed fit; ``quick_*`` are the --quick sizes.
CASES = {
    "a64": {
        "title": "(a) {rows}x784 (100,) relu adam b200 float64",
        "kind": "train",
        "data": "wide",
        "dtype": "float64",
        "hidden": (100,),
        "solver": "adam",
        "batch": 200,
        "lr": 1e-3,
        "epochs": 3,
        "quick_rows": 6000,
        "quick_epochs": 1,
    },
    "a32": {
        "title": "(a) {rows}x784 (100,) relu adam b200 float32",
        "kind": "train",
        "data": "wide",
        "dtype": "float32",
        "hidden": (100,),
        "solver": "adam",
        "batch": 200,
        "lr": 1e-3,
        "epochs": 3,
        "quick_rows": 6000,
        "quick_epochs": 1,
    },
    "b": {
        "title": "(b) {rows}x100 (256,256,256) relu adam b200 float64",
        "kind": "train",
        "data": "deep",
        "dtype": "float64",
        "hidden": (256, 256, 256),
        "solver": "adam",
        "batch": 200,
        "lr": 1e-3,
        "epochs": 3,
        "quick_rows": 4000,
        "quick_epochs": 1,
    },
    "c": {
        "title": "(c) {rows}x20 (32,) relu sgd-nesterov b32 float64",
        "kind": "train",
        "data": "small",
        "dtype": "float64",
        "hidden": (32,),
        "solver": "sgd",
        "batch": 32,
        "lr": 1e-2,
        "epochs": 10,
        "quick_rows": 4000,
        "quick_epochs": 2,
    },
    "d": {
        "title": "(d) digits (64,) relu lbfgs max_iter={max_iter}",
        "kind": "lbfgs",
        "dtype": "float64",
        "hidden": (64,),
        "max_iter": 200,
        "quick_max_iter": 50,
    },
    "e": {
        "title": "(e) predict_proba {rows}x784 (100,) float64",
        "kind": "predict",
        "data": "wide",
        "dtype": "float64",
        "hidden": (100,),
        "solver": "adam",
        "batch": 200,
        "lr": 1e-3,
        "calls": 5,
        "quick_rows": 6000,
    },
    "mem": {
        "title": "(a) {rows}x784 float64, fit 1 epoch",
        "kind": "memory",
        "data": "wide",
        "dtype": "float64",
        "hidden": (100,),
        "solver": "adam",
        "batch": 200,
        "lr": 1e-3,
        "quick_rows": 6000,
    },
}

ALIASES = {"a": ["a64", "a32"], "all": list(CASES)}

UNITS = {"train": "s/epoch", "lbfgs": "s/fit", "predict": "s/call"}


# --------------------------------------------------------------------- utils
def log(msg):
    print(msg, file=sys.stderr, flush=True)


def blas_threads():
    """Threads of the BLAS NumPy uses (threadpoolctl), or the core count."""
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    for info in infos:
        if "numpy" in info.get("filepath", ""):
            return int(info["num_threads"])
    return int(infos[0]["num_threads"]) if infos else os.cpu_count() or 1


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def quiet_fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


#: Seconds to wait before each timed call.  After a multithreaded call,
#: OpenBLAS's worker threads keep spinning for about 0.1 s before they sleep,
#: so without a pause the next contender would share the cores with the
#: previous one's idle threads.  That cost skbpnet's parallel prediction
#: (Python threads on single-threaded BLAS) about 20 % when it ran right after
#: scikit-learn's predict_proba.
SETTLE_S = 0.3

#: The pause in use: ``--settle`` sets it.  Only the smoke test lowers it
#: (to 0), because it checks the report's consistency, never a timing.
settle_s = SETTLE_S


def timed(fn, *args):
    gc.collect()
    time.sleep(settle_s)
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def interleave(key, contenders, repeats, times, unit):
    """Run ``repeats`` rounds of every contender; return each round's order.

    ``contenders`` maps a name (a key of ``times``) to a callable that times
    one run and appends to ``times[name]``.  Round ``r`` starts at contender
    ``r mod k`` and keeps the cyclic order (sklearn, skbpnet, torch, gemm
    -> skbpnet, torch, gemm, sklearn -> ...).  With a fixed order, whatever
    one contender leaves behind (a warm or cold cache, a CPU clock changed by
    the previous load, memory to give back) always falls on the same next
    contender; rotating changes which contender leads a round (not who
    follows whom within one, as the cycle is kept).  Every contender leads
    equally often when ``repeats`` is a multiple of ``k``.
    """
    names = list(contenders)
    orders = []
    for r in range(repeats):
        start = r % len(names)
        order = names[start:] + names[:start]
        for name in order:
            contenders[name]()
        orders.append(order)
        log(
            f"  {key} round {r + 1}/{repeats} ({' > '.join(order)}): "
            + " ".join(f"{name} {times[name][-1]:.4g}" for name in names)
            + f" {unit}"
        )
    return orders


@cache
def dataset(name, n_rows, dtype):
    n_samples, n_features, extra = DATASETS[name]
    if dtype != "float64":
        X, y = dataset(name, n_rows, "float64")
        return X.astype(dtype), y
    X, y = make_classification(
        n_samples=n_rows or n_samples, n_features=n_features, random_state=0, **extra
    )
    return X, y


def bp_alpha(n_train, batch):
    """skbpnet's ``alpha`` whose per-step L2 equals sklearn's at ``ALPHA``.

    scikit-learn's sgd/adam add ``alpha * W / m`` to each step's gradient, m
    being the rows of that mini-batch; skbpnet adds ``alpha * W / n_train``
    (its penalty is spread over the whole training set).  With the same
    ``alpha`` skbpnet would thus regularise ``n_train / batch`` times less per
    step (300x on (a)).  Scaling skbpnet's alpha by ``n_train / batch`` makes
    the weight decay of every full batch equal.  A last, partial batch of
    ``m < batch`` rows still differs (sklearn: ``ALPHA / m``, skbpnet and
    torch: ``ALPHA / batch``); every case here has ``batch`` dividing
    ``n_train``, so it does not arise, and ``last_batch_rows`` in the JSON says
    so.
    """
    return ALPHA * n_train / batch


def alpha_record(case, n_train):
    """The L2 settings of a stochastic case as the report and JSON state them."""
    batch = case["batch"]
    return {
        "sklearn": ALPHA,
        "skbpnet": bp_alpha(n_train, batch),
        "torch_weight_decay": ALPHA / batch,
        "n_train": int(n_train),
        "batch": batch,
        "last_batch_rows": int(n_train % batch or batch),
        "rule": "skbpnet alpha = sklearn alpha * n_train / batch",
    }


def pair(case, max_iter, n_train, bp_init="glorot_uniform"):
    """The sklearn and skbpnet estimators of a stochastic case, same settings.

    ``bp_init='glorot_uniform'`` draws the weights from the distribution
    MLPClassifier uses for relu networks, so that accuracies compare like with
    like; skbpnet's own default ('auto' = he_normal for relu) trains this
    unscaled data more slowly in the first epochs.  ``alpha`` differs so that
    the L2 term per step is the same (see :func:`bp_alpha`).
    """
    params = {
        "hidden_layer_sizes": case["hidden"],
        "activation": "relu",
        "solver": case["solver"],
        "alpha": ALPHA,
        "batch_size": case["batch"],
        "learning_rate_init": case["lr"],
        "max_iter": max_iter,
        "shuffle": True,
        "random_state": 0,
        "tol": 0.0,
        "n_iter_no_change": NO_STOP,
        "momentum": 0.9,
        "nesterovs_momentum": True,
        "early_stopping": False,
    }
    bp_params = dict(params, alpha=bp_alpha(n_train, case["batch"]))
    return MLPClassifier(**params), BPClassifier(init=bp_init, **bp_params)


# ----------------------------------------------------------------- GEMM bound
class GemmBound:
    """Only the matrix products of one training epoch, at the real shapes.

    Per batch: ``A_{l-1} @ W_l`` for every layer, ``A_{l-1}.T @ delta_l`` for
    every layer and ``delta_l @ W_l.T`` for every layer but the first, all with
    ``out=`` into arrays allocated here once.  Batches are contiguous slices of
    ``X`` (gathering shuffled rows is not a matrix product).
    """

    def __init__(self, X, hidden, n_outputs, batch):
        rng = np.random.default_rng(0)
        dt = X.dtype
        sizes = [X.shape[1], *hidden, n_outputs]
        self.X, self.batch = X, batch
        self.W = [
            (rng.standard_normal((fi, fo)) / np.sqrt(fi)).astype(dt)
            for fi, fo in zip(sizes[:-1], sizes[1:])
        ]
        # Filled with real numbers: garbage from np.empty may hold denormals.
        self.A = [rng.standard_normal((batch, fo)).astype(dt) for fo in sizes[1:]]
        self.D = [rng.standard_normal((batch, fo)).astype(dt) for fo in sizes[1:]]
        self.G = [np.empty_like(W) for W in self.W]
        self.dA = [np.empty((batch, fi), dtype=dt) for fi in sizes[1:-1]]

    def epoch(self):
        X, W, A, D, G, dA = self.X, self.W, self.A, self.D, self.G, self.dA
        n, L = X.shape[0], len(self.W)
        for start in range(0, n, self.batch):
            stop = min(start + self.batch, n)
            m = stop - start
            Xb = X[start:stop]
            inp = Xb
            for i in range(L):
                np.matmul(inp, W[i], out=A[i][:m])
                inp = A[i][:m]
            for i in range(L - 1, -1, -1):
                prev = Xb if i == 0 else A[i - 1][:m]
                np.matmul(prev.T, D[i][:m], out=G[i])
                if i > 0:
                    np.matmul(D[i][:m], W[i].T, out=dA[i - 1][:m])

    def prepare_predict(self):
        """Allocate the outputs of :meth:`predict` for all rows of ``X``.

        Called before any timed call: allocating (and first touching) these
        n x width arrays inside the first timed call used to inflate the
        bound's first round of (e).  Kept out of ``__init__`` because the
        training cases never need them (60000 x 100 float64 is 46 MiB).
        """
        n = self.X.shape[0]
        # np.empty (like np.zeros, which gets lazily zeroed pages) leaves the
        # first write to each page to pay a page fault: run_predict's untimed
        # warm-up call writes them all once, so that is not timed either.
        self._full = [np.empty((n, W.shape[1]), dtype=self.X.dtype) for W in self.W]

    def predict(self, rows=slice(None)):
        """The forward products of one predict call on all of ``X`` at once."""
        # No lazy allocation here, so none can slip into a timed call.
        inp = self.X[rows]
        for W, out in zip(self.W, self._full):
            np.matmul(inp, W, out=out[rows])
            inp = out[rows]

    def predict_split(self, workers, chunk=PREDICT_CHUNK):
        """The same products in chunks of rows over ``workers`` Python threads.

        Each thread multiplies chunks of ``chunk`` rows with a single-threaded
        BLAS, as skbpnet's prediction does.  For a narrow output (100 columns)
        this can beat OpenBLAS's own threading on this kind of machine, so the
        bound of (e) is the faster of the two.
        """
        n = self.X.shape[0]
        starts = iter(range(0, n, chunk))
        lock = threading.Lock()

        def work():
            while True:
                with lock:
                    start = next(starts, None)
                if start is None:
                    return
                self.predict(slice(start, min(start + chunk, n)))

        with threadpool_limits(1, user_api="blas"):
            threads = [threading.Thread(target=work) for _ in range(workers - 1)]
            for t in threads:
                t.start()
            work()
            for t in threads:
                t.join()


# ---------------------------------------------------------------------- torch
def torch_model(n_features, hidden, n_classes, dtype):
    nn = torch.nn
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    sizes = [n_features, *hidden]
    layers = []
    for fi, fo in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fi, fo, dtype=tdtype), nn.ReLU()]
    n_out = 1 if n_classes == 2 else n_classes
    layers.append(nn.Linear(sizes[-1], n_out, dtype=tdtype))
    return nn.Sequential(*layers)


def torch_train(case, X, y, epochs):
    """Train the equivalent nn.Sequential; returns (model, X tensor, y tensor).

    The L2 penalty is weight decay ``ALPHA / batch_size`` on the weights only,
    which is what scikit-learn's mini-batch objective adds to the gradient of
    a full batch.
    """
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    n_classes = int(y.max()) + 1
    Xt = torch.from_numpy(X)
    binary = n_classes == 2
    yt = torch.from_numpy(y.astype(X.dtype if binary else np.int64))
    model = torch_model(X.shape[1], case["hidden"], n_classes, X.dtype)
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    groups = [
        {"params": weights, "weight_decay": ALPHA / case["batch"]},
        {"params": biases, "weight_decay": 0.0},
    ]
    if case["solver"] == "adam":
        opt = torch.optim.Adam(groups, lr=case["lr"], betas=(0.9, 0.999), eps=1e-8)
    else:
        opt = torch.optim.SGD(groups, lr=case["lr"], momentum=0.9, nesterov=True)
    if binary:
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        loss_fn = torch.nn.CrossEntropyLoss()
    n, bs = X.shape[0], case["batch"]
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, bs):
            idx = perm[start : start + bs]
            xb, yb = Xt[idx], yt[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out[:, 0] if binary else out, yb)
            loss.backward()
            opt.step()
    return model, Xt, yt


def torch_predict_proba(model, Xt):
    with torch.inference_mode():
        Z = model(Xt)
        P = torch.sigmoid(Z) if Z.shape[1] == 1 else torch.softmax(Z, dim=1)
    return P.numpy()


def torch_accuracy(model, Xt, y):
    P = torch_predict_proba(model, Xt)
    pred = (P[:, 0] > 0.5).astype(int) if P.shape[1] == 1 else P.argmax(axis=1)
    return float(np.mean(pred == y))


# ---------------------------------------------------------------------- cases
def with_title(case, args):
    """A copy of ``case`` whose title names the rows / max_iter actually used."""
    max_iter = case.get("quick_max_iter" if args.quick else "max_iter")
    title = case["title"].format(rows=rows_for(case, args.quick), max_iter=max_iter)
    return dict(case, title=title)


def rows_for(case, quick):
    if "data" not in case:
        return None
    return case["quick_rows"] if quick else DATASETS[case["data"]][0]


def run_train(key, case, args):
    epochs = args.epochs or (case["quick_epochs"] if args.quick else case["epochs"])
    X, y = dataset(case["data"], rows_for(case, args.quick), case["dtype"])
    n_classes = len(np.unique(y))
    sk0, bp0 = pair(case, epochs, X.shape[0], args.bp_init)
    n_out = 1 if n_classes == 2 else n_classes
    bound = GemmBound(X, case["hidden"], n_out, case["batch"])
    use_torch = torch is not None and not args.no_torch

    # Warm-up: one short fit of each on a slice (imports, code paths, pages).
    warm = slice(0, min(X.shape[0], 2000))
    for est in (clone(sk0).set_params(max_iter=1), clone(bp0).set_params(max_iter=1)):
        quiet_fit(est, X[warm], y[warm])
    if use_torch:
        torch_train(case, X[warm], y[warm], 1)
    bound.epoch()

    times = {"sklearn": [], "skbpnet": [], "torch": [], "gemm": []}
    fitted = {}  # the last fit of each; every round's fit is the same

    def run_sklearn():
        t, fitted["sklearn"] = timed(quiet_fit, clone(sk0), X, y)
        times["sklearn"].append(t / epochs)

    def run_skbpnet():
        t, fitted["skbpnet"] = timed(quiet_fit, clone(bp0), X, y)
        times["skbpnet"].append(t / epochs)

    def run_torch():
        t, fitted["torch"] = timed(torch_train, case, X, y, epochs)
        times["torch"].append(t / epochs)

    def run_gemm():
        t, _ = timed(bound.epoch)
        times["gemm"].append(t)

    contenders = {"sklearn": run_sklearn, "skbpnet": run_skbpnet}
    if use_torch:
        contenders["torch"] = run_torch
    contenders["gemm"] = run_gemm
    orders = interleave(key, contenders, args.repeats, times, "s/epoch")
    sk, bp = fitted["sklearn"], fitted["skbpnet"]
    if use_torch:
        model, Xt, _ = fitted["torch"]
    res = summarise(key, case, times, orders)
    res.update(
        n_samples=int(X.shape[0]),
        epochs=epochs,
        alpha=alpha_record(case, X.shape[0]),
        n_iter={"sklearn": int(sk.n_iter_), "skbpnet": int(bp.n_iter_)},
        dtype_fitted={
            "sklearn": str(sk.coefs_[0].dtype),
            "skbpnet": str(bp.coefs_[0].dtype),
        },
        acc_sk=float(sk.score(X, y)),
        acc_bp=float(bp.score(X, y)),
        acc_torch=torch_accuracy(model, Xt, y) if use_torch else None,
        loss={"sklearn": float(sk.loss_), "skbpnet": float(bp.loss_)},
    )
    return res


def run_lbfgs(key, case, args):
    max_iter = case["quick_max_iter"] if args.quick else case["max_iter"]
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    params = {
        "hidden_layer_sizes": case["hidden"],
        "activation": "relu",
        "solver": "lbfgs",
        # Full batch: both divide the penalty by the training-set size
        # (sklearn's lbfgs by n_samples, skbpnet by the total weight), so the
        # same alpha is the same objective and needs no mapping.
        "alpha": ALPHA,
        "max_iter": max_iter,
        "random_state": 0,
    }  # default tol (1e-4) on both
    sk0 = MLPClassifier(**params)
    bp0 = BPClassifier(init=args.bp_init, **params)
    quiet_fit(clone(sk0).set_params(max_iter=5), X_tr, y_tr)
    quiet_fit(clone(bp0).set_params(max_iter=5), X_tr, y_tr)
    times = {"sklearn": [], "skbpnet": [], "torch": [], "gemm": []}
    fitted = {}

    def contender(name, est0):
        def run_one():
            t, fitted[name] = timed(quiet_fit, clone(est0), X_tr, y_tr)
            times[name].append(t)

        return run_one

    contenders = {
        "sklearn": contender("sklearn", sk0),
        "skbpnet": contender("skbpnet", bp0),
    }
    orders = interleave(key, contenders, args.repeats, times, "s/fit")
    sk, bp = fitted["sklearn"], fitted["skbpnet"]
    res = summarise(key, case, times, orders)
    res.update(
        n_samples=int(X_tr.shape[0]),
        max_iter=max_iter,
        alpha={
            "sklearn": ALPHA,
            "skbpnet": ALPHA,
            "rule": "same alpha: full batch, both divide the penalty by n_samples",
        },
        n_iter={"sklearn": int(sk.n_iter_), "skbpnet": int(bp.n_iter_)},
        acc_sk=float(sk.score(X_tr, y_tr)),
        acc_bp=float(bp.score(X_tr, y_tr)),
        test_acc_sk=float(sk.score(X_te, y_te)),
        test_acc_bp=float(bp.score(X_te, y_te)),
        loss={"sklearn": float(sk.loss_), "skbpnet": float(bp.loss_)},
        note="torch and GEMM bound not measured for lbfgs",
    )
    return res


def run_predict(key, case, args):
    X, y = dataset(case["data"], rows_for(case, args.quick), case["dtype"])
    sk, bp = pair(case, 1, X.shape[0], args.bp_init)
    quiet_fit(sk, X, y)
    quiet_fit(bp, X, y)
    use_torch = torch is not None and not args.no_torch
    if use_torch:
        model, Xt, _ = torch_train(case, X, y, 1)
        model.eval()
    bound = GemmBound(X, case["hidden"], len(sk.classes_), case["batch"])
    bound.prepare_predict()
    calls = case["calls"]

    def many(fn, *a):
        for _ in range(calls):
            out = fn(*a)
        return out

    # Warm-up: one untimed call of every contender, the bound included, so
    # that no first round pays for first-touch costs the others have paid.
    sk.predict_proba(X), bp.predict_proba(X)
    if use_torch:
        torch_predict_proba(model, Xt)
    bound.predict()
    workers = blas_threads()
    if workers > 1:
        bound.predict_split(workers)
    times = {"sklearn": [], "skbpnet": [], "torch": [], "gemm": []}
    times.update(gemm_one_call=[], gemm_split=[])
    probas = {}

    def run_sklearn():
        t, probas["sklearn"] = timed(many, sk.predict_proba, X)
        times["sklearn"].append(t / calls)

    def run_skbpnet():
        t, probas["skbpnet"] = timed(many, bp.predict_proba, X)
        times["skbpnet"].append(t / calls)

    def run_torch():
        t, _ = timed(many, torch_predict_proba, model, Xt)
        times["torch"].append(t / calls)

    def run_gemm():
        # Both ways of the bound form one contender: they are one floor.
        t_one, _ = timed(many, bound.predict)
        t = t_one
        if workers > 1:
            t_split, _ = timed(many, bound.predict_split, workers)
            times["gemm_split"].append(t_split / calls)
            t = min(t_one, t_split)
        times["gemm_one_call"].append(t_one / calls)
        times["gemm"].append(t / calls)

    contenders = {"sklearn": run_sklearn, "skbpnet": run_skbpnet}
    if use_torch:
        contenders["torch"] = run_torch
    contenders["gemm"] = run_gemm
    orders = interleave(key, contenders, args.repeats, times, "s/call")
    P_sk, P_bp = probas["sklearn"], probas["skbpnet"]
    res = summarise(key, case, times, orders)
    classes = sk.classes_
    res.update(
        n_samples=int(X.shape[0]),
        calls_per_timing=calls,
        alpha=alpha_record(case, X.shape[0]),
        proba_dtype={"sklearn": str(P_sk.dtype), "skbpnet": str(P_bp.dtype)},
        acc_sk=float(np.mean(classes[P_sk.argmax(axis=1)] == y)),
        acc_bp=float(np.mean(classes[P_bp.argmax(axis=1)] == y)),
        acc_torch=torch_accuracy(model, Xt, y) if use_torch else None,
    )
    return res


def peak_fit_memory(est, X, y):
    """Peak traced bytes allocated during ``est.fit`` (the data is not counted)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        quiet_fit(est, X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base


def run_memory(key, case, args):
    X, y = dataset(case["data"], rows_for(case, args.quick), case["dtype"])
    sk, bp = pair(case, 1, X.shape[0], args.bp_init)
    mib = 2.0**20
    res = {
        "case": key,
        "title": case["title"],
        "unit": "MiB",
        "n_samples": int(X.shape[0]),
        "alpha": alpha_record(case, X.shape[0]),
        "data_mib": (X.nbytes + y.nbytes) / mib,
        "sklearn_mib": peak_fit_memory(sk, X, y) / mib,
        "skbpnet_mib": peak_fit_memory(bp, X, y) / mib,
    }
    log(
        f"  {key}: sklearn {res['sklearn_mib']:.1f} MiB, "
        f"skbpnet {res['skbpnet_mib']:.1f} MiB beyond {res['data_mib']:.1f} MiB data"
    )
    return res


def accuracy_gap(res):
    """The accuracy target's check: skbpnet - sklearn, in points.

    Training accuracy after the same epochs (for (d) the training part of the
    split, for (e) the argmax of the timed probabilities).  ``acc_gap_flag``
    is set when the gap exceeds the target either way: much better than
    sklearn after the same epochs is as suspicious as much worse.
    """
    gap = 100.0 * (res["acc_bp"] - res["acc_sk"])
    return {"acc_gap_pts": gap, "acc_gap_flag": bool(abs(gap) > ACC_TARGET_PTS)}


def summarise(key, case, times, orders):
    sk, bp = median(times["sklearn"]), median(times["skbpnet"])
    tt, gemm = median(times["torch"]), median(times["gemm"])
    # max/min - 1 of each contender's rounds: how far apart its runs were.
    spread = {
        name: max(times[name]) / min(times[name]) - 1.0
        for name in ("sklearn", "skbpnet", "torch", "gemm")
        if times[name] and min(times[name]) > 0
    }
    return {
        "case": key,
        "title": case["title"],
        "unit": UNITS[case["kind"]],
        "sklearn_s": sk,
        "skbpnet_s": bp,
        "ratio": sk / bp,
        "torch_s": tt,
        "gemm_bound_s": gemm,
        "pct_of_bound": 100.0 * gemm / bp if gemm is not None else None,
        "times": times,
        # The contenders in the order each round ran them (see interleave).
        "round_orders": orders,
        "spread": spread,
    }


RUNNERS = {
    "train": run_train,
    "lbfgs": run_lbfgs,
    "predict": run_predict,
    "memory": run_memory,
}


# ------------------------------------------------------------------- profile
def profile_case(key, case, args, top):
    """cProfile one skbpnet fit of a training case; print the top entries."""
    if case["kind"] == "train":
        epochs = args.epochs or (case["quick_epochs"] if args.quick else case["epochs"])
        X, y = dataset(case["data"], rows_for(case, args.quick), case["dtype"])
        est = pair(case, epochs, X.shape[0], args.bp_init)[1]
    elif case["kind"] == "lbfgs":
        X, y = load_digits(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        est = BPClassifier(
            case["hidden"], solver="lbfgs", init=args.bp_init, random_state=0
        )
    else:
        log(f"  {key}: nothing to profile (only training cases)")
        return None
    quiet_fit(clone(est).set_params(max_iter=1), X[:2000], y[:2000])
    prof = cProfile.Profile()
    prof.enable()
    quiet_fit(est, X, y)
    prof.disable()
    texts = []
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(order).print_stats(top)
        text = out.getvalue().strip()
        print(f"\n### cProfile, skbpnet, {case['title']} (top {top} by {order})\n")
        print("```")
        print(text)
        print("```")
        texts.append(text)
    return "\n\n".join(texts)


# ----------------------------------------------------------------- reporting
def environment():
    env = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "skbpnet": skbpnet.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "skbpnet_path": skbpnet_source()[0],
        "skbpnet_git": skbpnet_source()[1],
        "blas_threads": blas_threads(),
        "loadavg_before": loadavg(),
        "threadpools": [
            {k: v for k, v in info.items() if k != "filepath"}
            | {"file": os.path.basename(info.get("filepath", ""))}
            for info in threadpool_info()
        ],
        "env_vars": {
            k: os.environ[k]
            for k in (
                "OPENBLAS_CORETYPE",
                "OPENBLAS_L2_SIZE",
                "OPENBLAS_NUM_THREADS",
                "OMP_NUM_THREADS",
                "MKL_NUM_THREADS",
            )
            if k in os.environ
        },
    }
    if torch is not None:
        env["torch_threads"] = torch.get_num_threads()
    return env


def skbpnet_source():
    """Where skbpnet was imported from, and its git commit if it is a checkout."""
    path = os.path.dirname(os.path.abspath(skbpnet.__file__))
    try:
        sha = subprocess.run(
            ["git", "-C", path, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if sha.returncode != 0:
            return path, None
        dirty = subprocess.run(
            ["git", "-C", path, "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return path, sha.stdout.strip() + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return path, None


def loadavg():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_environment(env):
    print("## Environment\n")
    print(f"- python {env['python']} on {env['platform']}")
    print(f"- cpu: {env['cpu']}, {env['cpu_count']} logical cores")
    versions = ", ".join(
        f"{name} {env[name]}" for name in ("numpy", "scipy", "sklearn", "skbpnet")
    )
    print(f"- {versions}, torch {env['torch'] or 'not installed'}")
    print(
        f"- skbpnet from {env['skbpnet_path']}"
        + (f" (git {env['skbpnet_git']})" if env["skbpnet_git"] else "")
    )
    if env["torch"]:
        print(f"- torch threads: {env['torch_threads']}")
    print(f"- BLAS threads (numpy): {env['blas_threads']}")
    for info in env["threadpools"]:
        print(
            f"- threadpool: {info.get('user_api')}/{info.get('internal_api')} "
            f"{info.get('version')} arch={info.get('architecture', '-')} "
            f"threads={info.get('num_threads')} ({info['file']})"
        )
    if env["env_vars"]:
        print(f"- env: {env['env_vars']}")
    if {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"} & set(env["env_vars"]):
        print(
            "- WARNING: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set and may slow "
            "BLAS; see benchmarks/README.md"
        )
    print()


def fmt(value, kind="s"):
    if value is None:
        return "n/a"
    if kind == "s":
        return f"{value:.4g}"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "pct":
        return f"{value:.0f}%"
    if kind == "acc":
        return f"{value:.4f}"
    return str(value)


def print_table(results, torch_note, quick):
    rows = [r for r in results if r["unit"] != "MiB"]
    mem = [r for r in results if r["unit"] == "MiB"]
    if rows:
        print("## Results\n")
        print(
            "| case | sklearn s | skbpnet s | ratio | torch s | GEMM bound s "
            "| % of bound | acc sk | acc bp | acc gap pts |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            acc_sk, acc_bp = fmt(r.get("acc_sk"), "acc"), fmt(r.get("acc_bp"), "acc")
            if "test_acc_sk" in r:  # lbfgs: train/test
                acc_sk += "/" + fmt(r["test_acc_sk"], "acc")
                acc_bp += "/" + fmt(r["test_acc_bp"], "acc")
            print(
                f"| {r['title']} [{r['unit']}] | {fmt(r['sklearn_s'])} "
                f"| {fmt(r['skbpnet_s'])} | {fmt(r['ratio'], 'ratio')} "
                f"| {fmt(r['torch_s'])} | {fmt(r['gemm_bound_s'])} "
                f"| {fmt(r['pct_of_bound'], 'pct')} | {acc_sk} | {acc_bp} "
                f"| {fmt_gap(r)} |"
            )
        print()
        print(
            "ratio = sklearn s / skbpnet s (>1: skbpnet faster); "
            "% of bound = GEMM bound / skbpnet s; medians of the rounds."
        )
        if torch_note:
            print(torch_note)
        for r in rows:
            extras = []
            if "alpha" in r:
                a = r["alpha"]
                extras.append(f"alpha sk/bp {a['sklearn']:.4g}/{a['skbpnet']:.4g}")
            if "n_iter" in r:
                n_it = r["n_iter"]
                extras.append(f"n_iter sk/bp {n_it['sklearn']}/{n_it['skbpnet']}")
            if "dtype_fitted" in r:
                d = r["dtype_fitted"]
                extras.append(f"coefs dtype sk/bp {d['sklearn']}/{d['skbpnet']}")
            if "proba_dtype" in r:
                d = r["proba_dtype"]
                extras.append(f"proba dtype sk/bp {d['sklearn']}/{d['skbpnet']}")
            if r.get("acc_torch") is not None:
                extras.append(f"acc torch {r['acc_torch']:.4f}")
            if "loss" in r:
                loss = r["loss"]
                extras.append(
                    f"final loss sk/bp {loss['sklearn']:.4f}/{loss['skbpnet']:.4f}"
                )
            best_sk, best_bp = min(r["times"]["sklearn"]), min(r["times"]["skbpnet"])
            extras.append(
                f"best of rounds sk/bp {best_sk:.4g}/{best_bp:.4g} "
                f"(ratio {best_sk / best_bp:.2f})"
            )
            if r["times"].get("gemm_split"):
                one = median(r["times"]["gemm_one_call"])
                split = median(r["times"]["gemm_split"])
                extras.append(
                    f"GEMM bound as one BLAS call {one:.4g} s, rows split over "
                    f"Python threads {split:.4g} s"
                )
            if "n_samples" in r:
                extras.append(f"rows {r['n_samples']}")
            print(f"- {r['case']}: " + "; ".join(extras))
        print()
        print_noisy(rows)
        print_accuracy(rows, quick)
    for r in mem:
        print("## Peak extra memory during fit (tracemalloc)\n")
        print("| case | data MiB | sklearn MiB | skbpnet MiB | sklearn/skbpnet |")
        print("|---|---|---|---|---|")
        ratio = r["sklearn_mib"] / r["skbpnet_mib"] if r["skbpnet_mib"] else None
        print(
            f"| {r['title']} | {r['data_mib']:.1f} "
            f"| {r['sklearn_mib']:.1f} | {r['skbpnet_mib']:.1f} "
            f"| {fmt(ratio, 'ratio')} |"
        )
        print()


def fmt_gap(r):
    if "acc_gap_pts" not in r:
        return "n/a"
    return f"{r['acc_gap_pts']:+.2f}" + (" (!)" if r["acc_gap_flag"] else "")


def print_accuracy(rows, quick):
    """The accuracy target, checked per case rather than left to the reader."""
    checked = [r for r in rows if "acc_gap_pts" in r]
    if not checked:
        return
    flagged = [r for r in checked if r["acc_gap_flag"]]
    if not flagged:
        print(
            f"Accuracy: skbpnet within {ACC_TARGET_PTS:g} point of sklearn "
            "(training accuracy after the same epochs) in every case."
        )
    else:
        print(
            f"**Accuracy gap** (training accuracy after the same epochs, "
            f"target |skbpnet - sklearn| <= {ACC_TARGET_PTS:g} point):\n"
        )
        for r in flagged:
            print(
                f"- ACCURACY: {r['case']} {r['title']}: skbpnet - sklearn = "
                f"{r['acc_gap_pts']:+.2f} points ({r['acc_bp']:.4f} against "
                f"{r['acc_sk']:.4f})"
            )
    if quick:
        # One epoch (two for c) on a few thousand rows: the two libraries'
        # different initial weight draws alone can move the accuracies by
        # more than a point, so a quick run can flag a case that a full
        # run does not; it cannot show the target met or missed.
        print(
            "(--quick trains 1-2 epochs on a few thousand rows: too short to "
            "judge the accuracy target, since different random initial weights "
            "alone can open a gap above 1 point. Judge it on a full run.)"
        )
    print()


def noisy_rounds(r):
    """(contender, spread) of a result whose rounds spread > NOISY_SPREAD."""
    return [(name, s) for name, s in r["spread"].items() if s > NOISY_SPREAD]


def print_noisy(rows):
    """A visible note for each contender whose rounds disagree a lot.

    The table shows medians only; a median of rounds 30 % apart moves with the
    next disturbance on a shared machine, and the reader should know which
    figures those are without opening the JSON.
    """
    noisy = [(r, name, s) for r in rows for name, s in noisy_rounds(r)]
    if not noisy:
        print(
            f"Rounds: every contender's rounds within {NOISY_SPREAD:.0%} "
            "(max/min - 1).\n"
        )
        return
    print(
        f"**Noisy rounds** (max/min - 1 > {NOISY_SPREAD:.0%}: the median is "
        "fragile; rerun with more --repeats or on a quieter machine):\n"
    )
    for r, name, s in noisy:
        t = r["times"][name]
        print(
            f"- NOISY: {r['case']} {r['title']}, {name}: rounds spread "
            f"{s:.0%} ({min(t):.4g} to {max(t):.4g} {r['unit']})"
        )
    print()


# ---------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="skbpnet vs scikit-learn MLP (vs PyTorch) benchmark",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--case",
        nargs="+",
        default=["all"],
        help="cases to run: a (= a64 a32), a64, a32, b, c, d, e, mem, all; "
        "comma-separated works too",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=MIN_REPEATS,
        help=f"timed rounds (median), at least {MIN_REPEATS}",
    )
    p.add_argument(
        "--epochs", type=int, default=None, help="epochs per timed fit (train cases)"
    )
    p.add_argument("--quick", action="store_true", help="few rows/epochs: smoke run")
    p.add_argument(
        "--settle",
        type=float,
        default=SETTLE_S,
        metavar="SECONDS",
        help="pause before each timed call so that no contender shares the cores "
        "with the previous one's spinning BLAS threads; lower it only for smoke "
        "runs whose timings do not matter",
    )
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP threads (threadpoolctl) and torch to N; "
        "default: leave the libraries' own setting",
    )
    p.add_argument(
        "--bp-init",
        default="glorot_uniform",
        help="skbpnet's init; glorot_uniform is what MLPClassifier draws for relu "
        "nets, 'auto' is skbpnet's own default (he_normal for relu)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="instead of timing, cProfile one skbpnet fit per selected case",
    )
    p.add_argument("--profile-top", type=int, default=15, help="rows of the profile")
    args = p.parse_args(argv)
    keys = []
    for item in args.case:
        for name in filter(None, item.split(",")):
            expanded = ALIASES.get(name, [name])
            for k in expanded:
                if k not in CASES:
                    p.error(f"unknown case {name!r}; choose from {list(CASES)}, a, all")
                if k not in keys:
                    keys.append(k)
    args.keys = [k for k in CASES if k in keys]  # canonical order
    if args.repeats < MIN_REPEATS:
        # The median of 1 or 2 rounds is one round or a mean of two: the
        # targets are stated for medians of at least 3 runs.  --quick keeps
        # this minimum too (it shrinks the data, never the rounds).
        p.error(f"--repeats must be >= {MIN_REPEATS}, got {args.repeats}")
    if args.settle < 0:
        p.error("--settle must be >= 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads is None:
        return run(args)
    # threadpoolctl's API, not environment variables: BLAS and OpenMP pools.
    with threadpool_limits(limits=args.threads):
        return run(args)


def run(args):
    global settle_s
    settle_s = args.settle
    env = environment()
    print("# skbpnet vs scikit-learn MLP benchmark\n")
    print_environment(env)
    if torch is None:
        torch_note = "torch not installed"
    elif args.no_torch:
        torch_note = "torch skipped (--no-torch)"
    else:
        torch.set_num_threads(env["blas_threads"])
        env["torch_threads"] = torch.get_num_threads()
        torch_note = f"torch eager CPU, {env['torch_threads']} threads"
    print(torch_note + "\n")
    mode = "quick" if args.quick else "full"
    print(
        f"mode: {mode}, repeats: {args.repeats}, cases: {' '.join(args.keys)}, "
        f"skbpnet init: {args.bp_init}, pause before each timed call: "
        f"{args.settle:g} s, load average before: {loadavg()}\n"
    )
    print(
        f"L2: sklearn alpha={ALPHA:g} (adds alpha*W/batch per step); skbpnet "
        f"alpha = {ALPHA:g} * n_train / batch in the stochastic cases (it adds "
        f"alpha*W/n_train per step), the same per-step decay; torch weight_decay "
        f"= {ALPHA:g}/batch; lbfgs (d): alpha={ALPHA:g} on both (full batch).\n"
    )

    if args.profile:
        profiles = {
            k: profile_case(k, with_title(CASES[k], args), args, args.profile_top)
            for k in args.keys
        }
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"env": env, "profiles": profiles}, f, indent=2)
        return 0

    results = []
    t_start = time.perf_counter()
    for key in args.keys:
        case = with_title(CASES[key], args)
        log(f"running {key}: {case['title']}")
        res = RUNNERS[case["kind"]](key, case, args)
        if "acc_sk" in res:
            res.update(accuracy_gap(res))
        results.append(res)
    elapsed = time.perf_counter() - t_start
    print_table(results, torch_note, args.quick)
    env["loadavg_after"] = loadavg()
    print(f"total benchmark time: {elapsed:.0f} s, load average after: {loadavg()}")
    if args.json:
        payload = {
            "env": env,
            "args": {
                "cases": args.keys,
                "repeats": args.repeats,
                "epochs": args.epochs,
                "quick": args.quick,
                "threads": args.threads,
                "bp_init": args.bp_init,
                "settle_s": args.settle,
            },
            "results": results,
            "elapsed_s": elapsed,
        }
        with open(args.json, "w") as f:
            json.dump(payload, f, indent=2)
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
