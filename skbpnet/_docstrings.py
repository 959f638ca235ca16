"""Docstring fragments shared by the classifier and the regressor.

Written once here and substituted into both class docstrings, so the two can
never drift apart.
"""

PARAMETERS = """\
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units per hidden layer. ``()`` means no hidden layer: the network is
        then a generalised linear model (logistic, softmax or linear
        regression).

    activation : str or list of str, default='relu'
        Hidden-layer activation: 'identity', 'sigmoid' (alias 'logistic'),
        'tanh', 'relu', 'leaky_relu' (slope 0.01), 'elu', 'softplus' or
        'maxout'; or one name per hidden layer (a list, tuple or 1-D
        array).

    maxout_pieces : int, default=2
        Linear pieces per maxout unit (>= 2). A maxout layer of ``h`` units has
        a weight matrix with ``h * maxout_pieces`` columns.

    init : str or callable, default='auto'
        Weight initializer: 'lecun_normal' (std ``1/sqrt(fan_in)``, truncated
        normal), 'glorot_uniform', 'glorot_normal' (std
        ``sqrt(2/(fan_in+fan_out))``), 'he_normal', 'he_uniform' (std
        ``sqrt(2/fan_in)``), 'normal' (plain N(0, 1)), or a callable
        ``init(fan_in, fan_out, rng, dtype) -> ndarray``. 'auto' picks
        'he_normal' for relu, leaky_relu, elu and maxout layers and
        'lecun_normal' otherwise. ``fan_in`` and ``fan_out`` are the shape of
        the weight matrix: for a maxout layer ``fan_out`` is ``units *
        maxout_pieces``, for the named initializers and a callable alike.
        Biases start at zero.

    solver : {'sgd', 'adam', 'lbfgs'}, default='adam'
        'sgd' is mini-batch SGD with (Nesterov) momentum, 'adam' the Adam
        method, 'lbfgs' scipy's L-BFGS-B on the full batch.

    alpha : float, default=1e-4
        L2 penalty. Every solver minimises the weighted mean data loss plus
        ``alpha / (2 * total sample weight) * sum of squared weights`` (biases
        are not penalised). Unlike scikit-learn's MLP, sgd and adam use the
        total weight of the training set, not of the mini-batch, so the
        regularisation of ``fit`` does not depend on ``batch_size``. For
        ``partial_fit`` the training set is the data of the call: to
        regularise a stream of N rows in blocks of B as ``fit`` does, pass
        ``alpha * B / N``.

    batch_size : int or 'auto', default='auto'
        Mini-batch size for sgd and adam; 'auto' is ``min(200, n_samples)``.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'exponential'}, \
default='constant'
        Learning-rate schedule. 'invscaling' (``learning_rate_init / (t+1) **
        power_t``, t the samples seen) and 'adaptive' (divide by 5 when more
        than ``n_iter_no_change`` epochs bring no improvement) apply to sgd, as in
        scikit-learn. 'exponential' (``learning_rate_init * decay_rate **
        epoch``) applies to sgd and adam.

    learning_rate_init : float, default=1e-3
        Initial step size of sgd and adam.

    decay_rate : float, default=0.96
        Factor per epoch for ``learning_rate='exponential'``.

    power_t : float, default=0.5
        Exponent of ``learning_rate='invscaling'``.

    max_iter : int, default=200
        Epochs (sgd, adam) or iterations (lbfgs).

    shuffle : bool, default=True
        Shuffle the samples every epoch (sgd, adam).

    random_state : int, RandomState instance or None, default=None
        The only source of randomness: weight initialisation, shuffling, the
        early-stopping split and dropout masks.

    tol : float, default=1e-4
        Improvement threshold for sgd/adam (see ``n_iter_no_change``). With
        lbfgs it bounds both the projected gradient (scipy's ``gtol``) and
        the relative decrease of the loss (scipy's ``ftol``, set to
        ``tol**2`` clipped to between the machine epsilon of the model's
        dtype and scipy's default of about 2.2e-9, since the decrease per
        step scales with the squared gradient), so a tiny ``tol`` converges
        tightly in float64. A float32 model keeps scipy's default ``ftol``.

    verbose : bool, default=False
        Print one line per epoch: epoch, loss, validation score, elapsed time.

    warm_start : bool, default=False
        Start ``fit`` from the weights of the previous fit.

    momentum : float, default=0.9
        Momentum of sgd, in [0, 1].

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with sgd.

    dropout : float or list of float, default=0.0
        Probability of dropping each hidden output while training with sgd or
        adam (inverted dropout: kept outputs are scaled by ``1/(1-p)``, so
        prediction needs no rescaling and is deterministic). One value for all
        hidden layers or one per hidden layer (a list, tuple or 1-D array).
        Must be 0 with lbfgs.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop when its
        score has not improved by ``tol`` for more than ``n_iter_no_change``
        consecutive epochs and
        restore the weights of the best epoch. Only with 'sgd' and 'adam';
        'lbfgs' ignores it (and then leaves ``validation_scores_`` and
        ``best_validation_score_`` at None), as in scikit-learn. Warm-started
        fits on the same data hold out the same rows as the fit before them.

    validation_fraction : float in [0, 1), default=0.1
        Share of the training data held out for early stopping (unused
        without it). A classifier's held-out share is stratified by class when
        every class has at least two samples and fits in both parts, and a
        plain random share otherwise (scikit-learn stratifies binary targets
        only).

    n_iter_no_change : int or inf, default=10
        Training stops after more than this many consecutive epochs without an
        improvement of at least ``tol`` (as in scikit-learn). ``np.inf`` never
        stops early: training runs ``max_iter`` epochs.

    beta_1 : float, default=0.9
        Adam's decay of the first moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Adam's decay of the second moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    max_fun : int, default=15000
        Maximum number of loss evaluations of lbfgs."""

ATTRIBUTES = """\
    loss_ : float
        Regularised training loss after the last epoch (or iteration).

    best_loss_ : float or None
        Lowest training loss reached, over warm starts too, back to the last
        fit with early stopping (whose epochs ``loss_curve_`` still lists);
        None with early stopping.

    loss_curve_ : list of float
        Training loss (penalty included) of every epoch: the weighted mean
        over its mini-batches of the loss at the weights each step started
        from, as scikit-learn's MLP reports it (lbfgs: the loss of every
        iteration's weights). With dropout, the loss of the dropped-out
        networks the batches trained (usually above that of the full network
        ``predict`` uses).

    validation_scores_ : list of float or None
        Validation score after every epoch with early stopping, else None.
        With ``warm_start`` or ``partial_fit`` the scores cover the epochs
        since early stopping was last turned on, which end with the last
        epoch of ``loss_curve_``; a fit without early stopping sets it to
        None.

    best_validation_score_ : float or None
        Best validation score with early stopping, else None.

    t_ : int
        Training samples seen by the stochastic solvers: the rows trained on
        in every epoch, summed. Rows of sample weight 0 are dropped before
        training and are not counted, whereas scikit-learn's MLP counts them
        (neither counts an early-stopping validation share), so
        with zero weights ``t_``, and the ``'invscaling'`` learning rate
        ``learning_rate_init / (t_ + 1) ** power_t`` that depends on it,
        differ from MLPClassifier's and MLPRegressor's.

    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape (fan_in, fan_out); a maxout
        layer's has ``units * maxout_pieces`` columns.

    intercepts_ : list of ndarray
        Bias vectors, ``intercepts_[i]`` of shape (fan_out,).

    gradient_norms_ : ndarray of shape (n_epochs, n_layers_ - 1)
        Root mean square of each weight matrix's loss gradient, averaged over
        each epoch's batches (lbfgs: one row per iteration). Small values in
        the first columns show vanishing gradients.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X was a DataFrame with string column names.

    n_iter_ : int
        Epochs (or lbfgs iterations) run by the last call to fit.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Output activation implied by the loss."""
