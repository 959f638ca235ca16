"""The engine: a hand-worked training step, buffers and dropout."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from skbpnet._network import Network, build_layers, forward
from skbpnet._optimizers import SGD


def _two_two_one():
    """The 2-2-1 sigmoid network of the hand-worked example."""
    net = Network(2, (2,), ["sigmoid"], 1, "squared_error")
    net.coefs[0][...] = [[0.1, 0.2], [0.3, 0.4]]
    net.intercepts[0][...] = [0.0, 0.0]
    net.coefs[1][...] = [[0.5], [-0.6]]
    net.intercepts[1][...] = [0.1]
    return net


def test_hand_worked_step_2_2_1():
    # One sample x = (1, 2), target y = 1, squared error 0.5 (yhat - y)^2.
    #
    # Forward:
    #   z1 = x W1 = (1*0.1 + 2*0.3, 1*0.2 + 2*0.4) = (0.7, 1.0)
    #   a1 = sigmoid(z1) = (0.668187772, 0.731058579)
    #   yhat = 0.5*0.668187772 - 0.6*0.731058579 + 0.1 = -0.004541261
    #   loss = 0.5 * (-1.004541261)^2 = 0.504551573
    # Backward:
    #   delta2 = yhat - y = -1.004541261
    #   dW2 = a1^T delta2 = (-0.671222187, -0.734378507),  db2 = -1.004541261
    #   delta1 = delta2 * W2^T * a1 (1 - a1)
    #          = (-1.004541261*0.5*0.221712873, -1.004541261*(-0.6)*0.196611933)
    #          = (-0.111359865, 0.118502880)
    #   dW1 = x^T delta1 = ((-0.111359865, 0.118502880),
    #                       (-0.222719729, 0.237005759)),  db1 = delta1
    # SGD step (learning rate 0.1, no momentum): W <- W - 0.1 dW.
    net = _two_two_one()
    X = np.array([[1.0, 2.0]])
    Y = np.array([[1.0]])
    loss = net.loss_grad(X, Y, 1.0, l2=0.0)

    assert loss == pytest.approx(0.504551573, abs=1e-9)
    assert_allclose(net.grad_coefs[1].ravel(), [-0.671222187, -0.734378507], atol=1e-9)
    assert_allclose(net.grad_intercepts[1], [-1.004541261], atol=1e-9)
    assert_allclose(
        net.grad_coefs[0],
        [[-0.111359865, 0.118502880], [-0.222719729, 0.237005759]],
        atol=1e-9,
    )
    assert_allclose(net.grad_intercepts[0], [-0.111359865, 0.118502880], atol=1e-9)

    SGD(net.n_params, np.float64, 0.1, momentum=0.0, nesterov=False).step(
        net.params, net.grad
    )
    assert_allclose(
        net.coefs[0],
        [
            [0.1 + 0.0111359865, 0.2 - 0.0118502880],
            [0.3 + 0.0222719729, 0.4 - 0.0237005759],
        ],
        atol=1e-9,
    )
    assert_allclose(
        net.coefs[1].ravel(), [0.5 + 0.0671222187, -0.6 + 0.0734378507], atol=1e-9
    )
    assert_allclose(net.intercepts[1], [0.1 + 0.1004541261], atol=1e-9)
    # The step lowered the loss.
    assert net.loss_grad(X, Y, 1.0, l2=0.0) < loss


def test_params_are_views_of_one_flat_vector():
    net = Network(3, (4, 5), ["relu", "maxout"], 2, "binary_log_loss", maxout_pieces=3)
    assert [W.shape for W in net.coefs] == [(3, 4), (4, 15), (5, 2)]
    assert net.n_params == 3 * 4 + 4 + 4 * 15 + 15 + 5 * 2 + 2
    net.params[:] = np.arange(net.n_params)
    for W in net.coefs + net.intercepts:
        assert np.shares_memory(W, net.params)
    # weights first (W1, W2, W3), then biases
    assert net.coefs[1][0, 0] == 3 * 4
    assert net.intercepts[0][0] == 3 * 4 + 4 * 15 + 5 * 2


def test_penalty_and_l2_gradient():
    rng = np.random.RandomState(0)
    net = Network(3, (4,), ["tanh"], 1, "squared_error")
    net.initialize("lecun_normal", rng)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    net.loss_grad(X, Y, 1 / 6, l2=0.0)
    g0 = net.grad.copy()
    net.loss_grad(X, Y, 1 / 6, l2=0.5)
    for W, gW0, gW in zip(net.coefs, net._views(g0)[0], net.grad_coefs):
        assert_allclose(gW - gW0, 0.5 * W)
    # biases are not penalised
    for gb0, gb in zip(net._views(g0)[1], net.grad_intercepts):
        assert_allclose(gb, gb0)
    expected = 0.5 * sum((W**2).sum() for W in net.coefs)
    assert net.penalty() == pytest.approx(expected)


def test_sparse_input_matches_dense():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(8, 5)) * (rng.uniform(size=(8, 5)) > 0.5)
    Y = np.eye(3)[rng.randint(0, 3, size=8)]
    net = Network(5, (4,), ["relu"], 3, "softmax_cross_entropy")
    net.initialize("he_normal", rng)
    dense_loss = net.loss_grad(X, Y, 1 / 8, 0.1)
    dense_grad = net.grad.copy()
    sparse_loss = net.loss_grad(sp.csr_matrix(X), Y, 1 / 8, 0.1)
    assert sparse_loss == pytest.approx(dense_loss)
    assert_allclose(net.grad, dense_grad)


def test_work_arrays_are_reused_across_batches():
    rng = np.random.RandomState(0)
    net = Network(4, (6,), ["relu"], 1, "squared_error")
    net.initialize("he_normal", rng)
    net.loss_grad(rng.normal(size=(10, 4)), rng.normal(size=(10, 1)), 0.1, 0)
    buffers = [id(Z) for Z in net._Z]
    net.loss_grad(rng.normal(size=(7, 4)), rng.normal(size=(7, 1)), 1 / 7, 0)
    assert [id(Z) for Z in net._Z] == buffers


def test_predict_matches_training_forward():
    rng = np.random.RandomState(1)
    net = Network(3, (5, 4), ["elu", "maxout"], 2, "binary_log_loss")
    net.initialize("auto", rng)
    X = rng.normal(size=(9, 3))
    Z_train = net.forward(X).copy()
    layers = build_layers((5, 4), ["elu", "maxout"], 2)
    assert_allclose(forward(layers, X, net.coefs, net.intercepts), Z_train)


def test_dropout_masks_are_inverted_and_seeded():
    rng = np.random.RandomState(0)
    net = Network(20, (400,), ["relu"], 1, "squared_error", dropout=[0.25])
    net.initialize("he_normal", rng)
    X = np.abs(rng.normal(size=(50, 20)))
    net.forward(X, rng=np.random.RandomState(3))
    mask = net._masks[0]
    kept = mask > 0
    assert_allclose(mask[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.01
    # Same seed, same masks; no rng, no dropout.
    mask_copy = mask.copy()
    net.forward(X, rng=np.random.RandomState(3))
    assert_allclose(net._masks[0], mask_copy)
    net.forward(X)
    assert net._masks[0] is None


def test_chunked_prediction_equals_one_pass(monkeypatch):
    import skbpnet._network as engine

    rng = np.random.RandomState(2)
    net = Network(4, (6, 5), ["tanh", "maxout"], 3, "softmax_cross_entropy")
    net.initialize("auto", rng)
    X = rng.normal(size=(1000, 4))
    whole = net.predict(X)
    monkeypatch.setattr(engine, "PREDICT_CHUNK", 64)
    assert_allclose(net.predict(X), whole)
    assert net.predict(X[:10]).shape == (10, 3)


def test_gradient_norms_survive_float32_overflow():
    net = Network(3, (4,), ["relu"], 1, "squared_error", dtype=np.float32)
    net.grad_coefs[0][...] = 1e25  # squares overflow float32
    net.grad_coefs[1][...] = 2.0
    with np.errstate(over="ignore"):
        norms = net.gradient_norms()
    assert_allclose(norms, [1e25, 2.0], rtol=1e-6)


@pytest.mark.parametrize("n", [1, 8191, 8192, 8193, 3 * 8192 + 5])
def test_square_sum_over_chunks(n):
    from skbpnet._network import _square_sum

    g = np.random.RandomState(0).normal(size=n)
    assert _square_sum(g) == pytest.approx(float(np.sum(g**2)), rel=1e-12)


#: The engine (docs/engine.rst): NumPy and SciPy only, never scikit-learn.
ENGINE_MODULES = [
    "_activations",
    "_initializers",
    "_layers",
    "_losses",
    "_network",
    "_optimizers",
    "_targets",
    "_threads",
]


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_never_imports_scikit_learn(module):
    """The engine depends on NumPy and SciPy only, and on engine modules."""
    import ast
    import pathlib

    import skbpnet

    path = pathlib.Path(skbpnet.__file__).with_name(module + ".py")
    imported = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))
    assert imported  # the walk did see the imports
    for name in imported:
        if name.startswith("."):
            assert name[1:] in ENGINE_MODULES, f"{module} imports {name}"
        else:
            assert name.split(".")[0] not in ("sklearn", "skbpnet"), name


def test_gradient_norms_do_not_overflow_when_the_rms_is_finite():
    # Squares of 1e200 overflow float64; their root mean square does not.
    net = Network(2, (), [], 1, "squared_error")
    net.grad_coefs[0][...] = [[3e200], [4e200]]
    # (Training calls it with overflow warnings off: divergence is reported.)
    with np.errstate(over="ignore", invalid="ignore"):
        rms = net.gradient_norms()
        assert_allclose(rms, [np.sqrt((9 + 16) / 2) * 1e200], rtol=1e-12)
        net.grad_coefs[0][0, 0] = np.inf
        assert net.gradient_norms()[0] == np.inf
    net.grad_coefs[0][...] = 0.0
    assert net.gradient_norms()[0] == 0.0


def test_maxout_ties_go_to_the_first_piece_and_the_gradient_to_the_winner():
    from skbpnet._layers import Maxout

    layer = Maxout(units=2, pieces=3)
    Z = np.array([[1.0, 3.0, 3.0, -1.0, -2.0, -1.0], [5.0, 5.0, 5.0, 0.0, 2.0, 1.0]])
    cache = {}
    A = layer.activate(Z.copy(), cache)
    np.testing.assert_array_equal(A, [[3.0, -1.0], [5.0, 2.0]])
    np.testing.assert_array_equal(A, layer.activate(Z.copy(), None))
    # np.argmax's convention: the first of tied pieces wins.
    np.testing.assert_array_equal(cache["winner"][:2], [[1, 0], [0, 1]])
    dZ = layer.backward(np.array([[10.0, 20.0], [30.0, 40.0]]), A, cache)
    np.testing.assert_array_equal(dZ, [[0, 10, 0, 20, 0, 0], [30, 0, 0, 0, 40, 0]])


@pytest.mark.parametrize(
    "loss", ["binary_log_loss", "softmax_cross_entropy", "squared_error"]
)
def test_predict_marks_rows_whose_raw_outputs_overflow(loss):
    # The sigmoid maps an infinite output to a finite 0 or 1, yet the
    # estimators' predict refuses it: validation scores and the divergence
    # fallback must not take such weights for usable ones.
    net = Network(1, (1,), ["identity"], 2, loss)
    net.coefs[0][...] = [[1e200]]
    net.intercepts[0][...] = [0.0]
    net.coefs[1][...] = [[1e200, -1e200]]
    net.intercepts[1][...] = [0.0, 0.0]
    with np.errstate(over="ignore", invalid="ignore"):
        out = net.predict(np.array([[1.0], [0.0]]))
    assert np.isnan(out[0]).all()
    assert np.isfinite(out[1]).all()


def test_the_engine_imports_without_scikit_learn():
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    import skbpnet

    # A fresh interpreter where importing sklearn fails, and where the
    # package's __init__ (which imports the estimators) is not run.
    code = textwrap.dedent(
        f"""
        import importlib, sys, types

        class NoSklearn:
            def find_spec(self, name, path=None, target=None):
                if name == "sklearn" or name.startswith("sklearn."):
                    raise ImportError("the engine imported " + name)

        sys.meta_path.insert(0, NoSklearn())
        package = types.ModuleType("skbpnet")
        package.__path__ = [{str(Path(skbpnet.__file__).parent)!r}]
        sys.modules["skbpnet"] = package
        for name in {ENGINE_MODULES!r}:
            importlib.import_module("skbpnet." + name)
        print(sorted(m for m in sys.modules if m.startswith("skbpnet.")))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(sorted("skbpnet." + m for m in ENGINE_MODULES))


@pytest.mark.parametrize(
    "loss, n_outputs",
    [
        ("squared_error", 3),
        ("poisson", 2),
        ("binary_log_loss", 3),
        ("softmax_cross_entropy", 4),
    ],
)
def test_output_losses_split_the_training_loss_by_output(loss, n_outputs):
    # The judge of a finished fit: output by output (one group for softmax),
    # chunk by chunk over a subset of rows, the data loss training computes.
    import tracemalloc

    from skbpnet._network import PREDICT_CHUNK

    rng = np.random.RandomState(0)
    n = 20 * PREDICT_CHUNK + 17
    X = rng.normal(size=(n, 50))
    if loss == "softmax_cross_entropy":
        Y = np.eye(n_outputs)[rng.randint(0, n_outputs, size=n)]
    elif loss == "poisson":
        Y = rng.poisson(2.0, size=(n, n_outputs)).astype(float)
    else:
        Y = (rng.uniform(size=(n, n_outputs)) > 0.5).astype(float)
    net = Network(50, (5,), ["tanh"], n_outputs, loss)
    net.initialize("auto", rng)
    rows = rng.permutation(n)[: n - 500]
    s = rng.uniform(0.5, 2.0, size=rows.shape[0])
    s /= s.sum()
    tracemalloc.start()
    losses = net.output_losses(X, Y, s, rows=rows)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    X_rows, Y_rows = X[rows], Y[rows]
    # A chunk's memory, not the rows': X[rows] is 8 times the limit.
    assert peak < X_rows.nbytes / 8
    assert losses.shape == ((1,) if loss == "softmax_cross_entropy" else (n_outputs,))
    assert losses.sum() == pytest.approx(net.loss_grad(X_rows, Y_rows, s, 0), rel=1e-9)
    if losses.shape[0] > 1:
        Z = forward(net.layers, X_rows, net.coefs, net.intercepts)
        for j in range(n_outputs):
            column = net.loss.value_and_delta(
                Z[:, [j]], Y_rows[:, [j]], s, np.empty((rows.shape[0], 1))
            )
            assert losses[j] == pytest.approx(column, rel=1e-9)
