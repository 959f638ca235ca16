"""Bad constructor parameters fail in fit with an error naming the parameter."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from skbpnet import BPClassifier, BPRegressor

X = np.random.RandomState(0).normal(size=(20, 3))
y = np.arange(20) % 2

BAD = [
    ("hidden_layer_sizes", (10, 0), ValueError),
    ("hidden_layer_sizes", "10", ValueError),
    ("hidden_layer_sizes", 2.5, TypeError),
    ("activation", "swish", ValueError),
    ("activation", ["relu"], ValueError),  # one name for two hidden layers
    ("maxout_pieces", 1, ValueError),
    ("maxout_pieces", 2.0, TypeError),
    ("init", "xavier", ValueError),
    ("solver", "newton", ValueError),
    ("alpha", -1.0, ValueError),
    ("alpha", "big", TypeError),
    ("batch_size", 0, ValueError),
    ("batch_size", "large", TypeError),
    ("learning_rate", "cosine", ValueError),
    ("learning_rate_init", 0.0, ValueError),
    ("decay_rate", 0.0, ValueError),
    ("decay_rate", 1.5, ValueError),
    ("power_t", -1.0, ValueError),
    ("max_iter", 0, ValueError),
    ("max_iter", 10.5, TypeError),
    ("shuffle", "yes", TypeError),
    ("tol", -1e-3, ValueError),
    ("warm_start", 1, TypeError),
    ("momentum", 1.5, ValueError),
    ("nesterovs_momentum", None, TypeError),
    ("dropout", 1.0, ValueError),
    ("dropout", -0.1, ValueError),
    ("dropout", [0.1, 0.2, 0.3], ValueError),
    ("early_stopping", "no", TypeError),
    ("validation_fraction", 1.0, ValueError),
    ("validation_fraction", -0.1, ValueError),
    ("n_iter_no_change", 2.5, TypeError),
    ("n_iter_no_change", -np.inf, TypeError),
    ("verbose", -1, ValueError),
    ("verbose", "yes", TypeError),
    ("class_weight", "uniform", ValueError),
    ("n_iter_no_change", 0, ValueError),
    ("beta_1", 1.0, ValueError),
    ("beta_2", -0.1, ValueError),
    ("epsilon", 0.0, ValueError),
    ("max_fun", 0, ValueError),
    ("alpha", float("nan"), ValueError),
    ("random_state", "seed", TypeError),
    ("random_state", 1.5, TypeError),
    ("random_state", -1, ValueError),
    ("random_state", 2**32, ValueError),
]


@pytest.mark.parametrize("name, value, error", BAD)
def test_bad_parameter_is_named(name, value, error):
    params = {name: value}
    if name == "activation" and isinstance(value, list):
        params["hidden_layer_sizes"] = (4, 4)
    clf = BPClassifier(**params)  # __init__ stores, never validates
    assert clf.get_params()[name] is value
    with pytest.raises(error, match=name):
        clf.fit(X, y)


@pytest.mark.parametrize("name, value, error", BAD)
def test_bad_parameter_is_both_value_and_type_error(name, value, error):
    # As scikit-learn's InvalidParameterError (the class raised): code that
    # catches ValueError, or TypeError, around MLPClassifier keeps working.
    params = {name: value}
    if name == "activation" and isinstance(value, list):
        params["hidden_layer_sizes"] = (4, 4)
    with pytest.raises(InvalidParameterError, match=name) as info:
        BPClassifier(**params).fit(X, y)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize(
    "params",
    [
        {"n_iter_no_change": np.inf},
        {"validation_fraction": 0.0},
        {"verbose": np.True_},
        {"verbose": 0},
    ],
)
def test_values_scikit_learn_accepts_are_accepted(params):
    clf = BPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0, **params)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.n_iter_ == 3


def test_n_iter_no_change_inf_never_stops_early():
    # A constant target: the loss stops improving at once, and tol=1e3 makes
    # every epoch "no improvement"; with np.inf training still runs max_iter.
    clf = BPRegressor(
        hidden_layer_sizes=(3,), max_iter=15, tol=1e3, n_iter_no_change=np.inf
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, np.ones(20))
    assert clf.n_iter_ == 15
    # With 2: the first epoch improves on inf, the next three do not, and
    # training stops after more than 2 of them.
    stopping = clf.set_params(n_iter_no_change=2).fit(X, np.ones(20))
    assert stopping.n_iter_ == 4


def test_validation_fraction_zero_with_early_stopping_is_explained():
    clf = BPClassifier(early_stopping=True, validation_fraction=0.0)
    with pytest.raises(ValueError, match="validation_fraction"):
        clf.fit(X, y)


def test_dropout_with_lbfgs_is_an_error():
    with pytest.raises(ValueError, match="dropout must be 0 with solver='lbfgs'"):
        BPClassifier(solver="lbfgs", dropout=0.1).fit(X, y)


def test_hidden_layer_sizes_iterator_is_refused_not_used_up():
    # tuple() of an iterator empties it: a second fit (or a clone's) would
    # read () and silently train a model without hidden layers.
    for sizes in (iter([4]), (size for size in [4])):
        clf = BPClassifier(hidden_layer_sizes=sizes, max_iter=2)
        with pytest.raises(ValueError, match="hidden_layer_sizes .*iterator"):
            clf.fit(X, y)
    # Sequences with a length are read afresh by every fit.
    clf = BPClassifier(hidden_layer_sizes=range(4, 6), max_iter=2, random_state=0)
    for _ in range(2):
        with pytest.warns(ConvergenceWarning):
            clf.fit(X, y)
        assert [W.shape[1] for W in clf.coefs_] == [4, 5, 1]


def test_per_layer_parameters_may_be_arrays():
    # As hidden_layer_sizes may be: a 1-D array gives one entry per layer,
    # exactly as the list of the same values does.
    fitted = []
    for make in (list, np.array):
        clf = BPClassifier(
            hidden_layer_sizes=(5, 4),
            activation=make(["relu", "tanh"]),
            dropout=make([0.1, 0.2]),
            max_iter=5,
            random_state=0,
        )
        with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
            fitted.append(clf.fit(X, y))
    for ours, want in zip(fitted[1].coefs_, fitted[0].coefs_):
        np.testing.assert_array_equal(ours, want)
    with pytest.raises(ValueError, match="dropout has 3 entries"):
        BPClassifier(hidden_layer_sizes=(5, 4), dropout=np.array([0.1] * 3)).fit(X, y)
    with pytest.raises(ValueError, match="activation has 1 entries"):
        BPClassifier(hidden_layer_sizes=(5, 4), activation=np.array(["tanh"])).fit(X, y)
    # 2-D is not one entry per layer.
    with pytest.raises(TypeError, match="dropout"):
        BPClassifier(hidden_layer_sizes=(5, 4), dropout=np.zeros((1, 2))).fit(X, y)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"dropout": 5.0}, ValueError, "dropout"),
        ({"dropout": "half"}, TypeError, "dropout"),
        ({"dropout": 0.5, "solver": "lbfgs"}, ValueError, "solver='lbfgs'"),
    ],
)
def test_dropout_is_checked_without_hidden_layers(params, error, match):
    # With no hidden layer there is no per-layer list to check the value in.
    with pytest.raises(error, match=match):
        BPClassifier(hidden_layer_sizes=(), **params).fit(X, y)


# random_state=None draws a new start each run; on this tiny data set an
# unlucky one ends L-BFGS abnormally (a ConvergenceWarning), which is beside
# the point here.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "seed", [None, 0, 2**32 - 1, np.int64(3), np.random.RandomState(0)]
)
def test_valid_random_states_are_accepted(seed):
    clf = BPClassifier(hidden_layer_sizes=(3,), solver="lbfgs", random_state=seed)
    assert clf.fit(X, y).n_iter_ >= 1


def test_class_weight_and_loss_validated():
    with pytest.raises(ValueError, match="class_weight"):
        BPClassifier(class_weight="uniform").fit(X, y)
    with pytest.raises(ValueError, match="loss"):
        BPRegressor(loss="huber").fit(X, y.astype(float))


def test_callable_init_is_checked():
    def wrong_shape(fan_in, fan_out, rng, dtype):
        return np.zeros((fan_out, fan_in), dtype=dtype)

    with pytest.raises(ValueError, match="init returned an array of shape"):
        BPClassifier(hidden_layer_sizes=(4,), init=wrong_shape).fit(X, y)


@pytest.mark.parametrize(
    "init",
    [
        lambda shape, rng=None: np.zeros(shape),  # Keras-style init(shape)
        lambda fan_in, fan_out: np.zeros((fan_in, fan_out)),
    ],
)
def test_callable_init_of_another_signature_is_named(init):
    clf = BPClassifier(hidden_layer_sizes=(4,), init=init)
    with pytest.raises(TypeError, match=r"init must be callable as init\(fan_in"):
        clf.fit(X, y)


def test_callable_init_adapter_made_with_functools_wraps_is_accepted():
    # inspect.signature follows __wrapped__ by default, which would report
    # the wrapped Keras-style init(shape), not the adapter's four arguments.
    import functools

    def keras_init(shape):
        return np.full(shape, 0.1)

    @functools.wraps(keras_init)
    def adapter(fan_in, fan_out, rng, dtype):
        return keras_init((fan_in, fan_out)).astype(dtype)

    clf = BPClassifier(hidden_layer_sizes=(4,), init=adapter, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == 2


def test_callable_init_keeps_its_own_type_errors():
    # A TypeError raised inside a callable that takes the four arguments is
    # the caller's own bug: it propagates as it is.
    def init(fan_in, fan_out, rng, dtype):
        return np.zeros((fan_in, fan_out)) + "a"

    with pytest.raises(TypeError) as info:
        BPClassifier(hidden_layer_sizes=(4,), init=init).fit(X, y)
    assert "init must be callable" not in str(info.value)


@pytest.mark.parametrize(
    "values, dtype, error, match",
    [
        # Finite in float64, infinite once cast into a float32 network.
        (1e300, np.float32, ValueError, "not finite in float32"),
        (np.nan, np.float64, ValueError, "not finite in float64"),
        ("a", np.float64, TypeError, "real numbers"),
        (1j, np.float64, TypeError, "real numbers"),  # would drop its imaginary part
    ],
)
def test_callable_init_values_are_checked_in_the_network_dtype(
    values, dtype, error, match
):
    def init(fan_in, fan_out, rng, dtype):
        return np.full((fan_in, fan_out), values)

    clf = BPClassifier(hidden_layer_sizes=(4,), init=init)
    with pytest.raises(error, match=match):
        clf.fit(X.astype(dtype), y)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("Estimator", [BPClassifier, BPRegressor])
def test_numpy_scalar_parameters_act_as_python_numbers(Estimator, early_stopping):
    # np.uint8 pieces would wrap around in units * pieces (100 * 3 = 44), and
    # scikit-learn's splitter refuses a NumPy float validation_fraction.
    X_big = np.random.RandomState(1).normal(size=(60, 3))
    y_big = np.arange(60) % 2
    common = dict(
        hidden_layer_sizes=(100,),
        activation="maxout",
        early_stopping=early_stopping,
        max_iter=3,
        random_state=0,
    )
    numpy_params = Estimator(
        maxout_pieces=np.uint8(3), validation_fraction=np.float32(0.25), **common
    )
    python_params = Estimator(maxout_pieces=3, validation_fraction=0.25, **common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        numpy_params.fit(X_big, y_big)
        python_params.fit(X_big, y_big)
    assert numpy_params.coefs_[0].shape == (3, 300)
    np.testing.assert_array_equal(
        numpy_params.predict(X_big), python_params.predict(X_big)
    )
    # Stored unchanged, as scikit-learn requires.
    assert type(numpy_params.maxout_pieces) is np.uint8


def test_warm_start_with_changed_architecture_is_an_error():
    clf = BPClassifier(
        hidden_layer_sizes=(4,), solver="lbfgs", warm_start=True, random_state=0
    ).fit(X, y)
    clf.set_params(hidden_layer_sizes=(5,))
    with pytest.raises(ValueError, match="shape changed"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "name, interval",
    [("learning_rate_init", "(0, inf)"), ("alpha", "[0, inf)"), ("tol", "[0, inf)")],
)
def test_infinity_is_reported_outside_an_open_interval(name, interval):
    # The message must not offer "inf]" while refusing inf.
    with pytest.raises(ValueError) as info:
        BPClassifier(**{name: np.inf}).fit(X, y)
    assert f"{name} must be a real number in {interval}; got inf." in str(info.value)


@pytest.mark.parametrize("activation", [None, 3, "swish"])
def test_activation_is_checked_without_hidden_layers(activation):
    with pytest.raises(InvalidParameterError, match="activation"):
        BPClassifier(hidden_layer_sizes=(), activation=activation).fit(X, y)


def test_toggling_early_stopping_in_warm_starts_restarts_each_criterion():
    # off -> on -> off: the third fit must not inherit the first fit's best
    # loss or the validation run's count of epochs without improvement.
    import warnings

    from sklearn.datasets import make_classification

    from skbpnet import BPClassifier

    X, y = make_classification(200, 5, random_state=0)
    clf = BPClassifier(
        hidden_layer_sizes=(5,), max_iter=20, warm_start=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
        assert clf.validation_scores_ is None and clf.best_loss_ is not None
        clf.set_params(early_stopping=True, n_iter_no_change=2, max_iter=50).fit(X, y)
        assert clf.best_loss_ is None and clf.validation_scores_
        clf.set_params(
            early_stopping=False, n_iter_no_change=5, tol=10.0, max_iter=20
        ).fit(X, y)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert np.isfinite(clf.best_loss_)
    # A fresh criterion: the first epoch sets best_loss_, the next 6 do not
    # improve it by tol=10, which is more than n_iter_no_change=5 epochs;
    # the old code, continuing the validation run's count, stopped after 3.
    assert clf.n_iter_ == 7


def test_numpy_float_validation_fraction_is_counted_as_it_is_split():
    # np.float32(0.8) is 0.8000000119: 5 of 5 rows, which leaves none to train
    # on. The estimator's own check must say so, not scikit-learn's splitter.
    X5, y5 = X[:5], np.arange(5, dtype=float)
    reg = BPRegressor(early_stopping=True, validation_fraction=np.float32(0.8))
    with pytest.raises(ValueError, match="needs at least 2 for validation and 1"):
        reg.fit(X5, y5)


def test_real_parameters_beyond_numpy_are_checked_as_floats():
    from fractions import Fraction

    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    # Real numbers NumPy cannot convert: compared as Python floats.
    clf = BPClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=Fraction(1, 10))
    assert clf.fit(X, y).alpha == Fraction(1, 10)
    clf.set_params(alpha=10**20)
    # So strong a penalty leaves the weights at 0: the fit is the constant.
    with pytest.warns(ConvergenceWarning, match="did no better than"):
        assert clf.fit(X, y).alpha == 10**20
    assert np.abs(clf.coefs_[0]).max() < 1e-12
    with pytest.raises(InvalidParameterError, match="alpha must be a real number"):
        BPClassifier(alpha=10**400).fit(X, y)


def test_class_weight_beyond_float_is_an_invalid_parameter():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    with pytest.raises(InvalidParameterError, match="class_weight values"):
        BPClassifier(class_weight={0: 10**400, 1: 1}).fit(X, y)
