"""The command-line main job behind ``python -m skbpnet``.

It cross-validates :class:`~skbpnet.BPClassifier` against scikit-learn's
``LogisticRegression`` and ``MLPClassifier`` on the chapter's four 2-D data sets
(blobs, circles, moons, XOR blocks) and on digits, prints an aligned table and
optionally draws the decision boundaries. ``--data FILE.csv --target COLUMN``
runs the same comparison on a user's CSV file.

The functions are importable so that tests (and curious users) can run a
reduced comparison without going through the command line.
"""

import argparse
import os
import re
import sys
import textwrap
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler

from ._classifier import BPClassifier
from ._cli_data import (
    DATASETS,
    DATASETS_2D,
    RANDOM_STATE,
    CLIError,
    _choose_folds,
    load_csv,
    load_dataset,
)

__all__ = [
    "DATASETS",
    "DATASETS_2D",
    "format_table",
    "load_csv",
    "load_dataset",
    "main",
    "make_models",
    "plot_decision_boundaries",
    "run_comparison",
]

# One set of network settings for both networks so that the comparison is
# about the implementation, not the tuning. Adam with 10x the default step
# stops on tol in every fold of every built-in data set (moons, the slowest,
# needs about 420 epochs), so the fits are short and the numbers stable.
NETWORK_PARAMS = {
    "hidden_layer_sizes": (32,),
    "solver": "adam",
    "learning_rate_init": 0.01,
    "max_iter": 1000,
    "random_state": RANDOM_STATE,
}


# ------------------------------------------------------------------- models
def make_models(random_state=RANDOM_STATE):
    """Build the three compared models, each behind a ``StandardScaler``.

    Parameters
    ----------
    random_state : int, default=0
        Seed for both networks.

    Returns
    -------
    models : dict of str to Pipeline
        ``{'BPClassifier': ..., 'LogisticRegression': ..., 'MLPClassifier': ...}``.
    """
    params = {**NETWORK_PARAMS, "random_state": random_state}
    return {
        "BPClassifier": make_pipeline(StandardScaler(), BPClassifier(**params)),
        # max_iter raised so lbfgs converges on the 64-feature digits.
        "LogisticRegression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000)
        ),
        "MLPClassifier": make_pipeline(StandardScaler(), MLPClassifier(**params)),
    }


# --------------------------------------------------------------- comparison
def _compare_one(name, X, y, models, cv):
    """Cross-validate every model on one data set and return its result row."""
    splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=RANDOM_STATE)
    scores = {}
    for model_name, model in models.items():
        # error_score='raise': a failing fit is a bug to see, not a NaN to print.
        result = cross_validate(model, X, y, cv=splitter, error_score="raise")
        scores[model_name] = {
            "mean": float(np.mean(result["test_score"])),
            "std": float(np.std(result["test_score"])),
            "fit_time": float(np.mean(result["fit_time"])),
        }
    return {
        "dataset": name,
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_classes": int(np.unique(y).size),
        "cv": cv,
        "scores": scores,
    }


def run_comparison(datasets, cv=5, models=None, on_row=None):
    """Cross-validate the models on several data sets.

    Parameters
    ----------
    datasets : iterable of str, or dict of str to (X, y)
        Names of built-in data sets (see :data:`DATASETS`), or a mapping from a
        display name to the data.
    cv : int, default=5
        Number of stratified, shuffled folds (``random_state=0``).
    models : dict of str to estimator, default=None
        The models to compare; :func:`make_models` if None.
    on_row : callable, default=None
        Called with each result row as soon as it is ready (the command line
        prints rows as they come).

    Returns
    -------
    rows : list of dict
        One dict per data set with keys ``dataset``, ``n_samples``,
        ``n_features``, ``n_classes``, ``cv`` and ``scores``; ``scores`` maps a
        model name to ``{'mean', 'std', 'fit_time'}`` (accuracy mean and
        standard deviation over the folds, mean fit time per fold in seconds).
    """
    if models is None:
        models = make_models()
    if not isinstance(datasets, dict):
        datasets = {name: load_dataset(name) for name in datasets}
    rows = []
    # The built-in sets converge, but a user's CSV may not, and a warning per
    # fold would bury the table; the accuracies show a poor fit anyway.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        for name, (X, y) in datasets.items():
            row = _compare_one(name, X, y, models, cv)
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


# -------------------------------------------------------------------- table
def _plus_minus():
    # Fall back to ASCII where stdout cannot encode the plus-minus sign. A
    # stream without an encoding (io.StringIO) takes any text.
    encoding = getattr(sys.stdout, "encoding", None)
    try:
        "±".encode(encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "+/-"
    return "±"


def _printable(text):
    """``text`` with what stdout cannot encode backslash-escaped.

    A data set's name comes from its file name (``café.csv``), and a
    ``--plot`` path may hold any character: on an ASCII or cp1252 console
    print would raise UnicodeEncodeError halfway through the table. Python
    escapes such characters on stderr; this does the same on stdout, unless
    the stream's own error handler (``PYTHONIOENCODING=ascii:replace``,
    surrogateescape under ``LC_ALL=C``) already copes.
    """
    encoding = getattr(sys.stdout, "encoding", None)
    if not encoding:
        return text
    try:
        # What the stream will write, read back: its own handler may change
        # the length (xmlcharrefreplace), which the table's widths must see.
        written = text.encode(encoding, getattr(sys.stdout, "errors", None) or "strict")
        return written.decode(encoding, "surrogateescape")
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        return text


def _say(text=""):
    """Print a line to stdout (see :func:`_printable`) and flush it."""
    print(_printable(text), flush=True)


class _Table:
    """Fixed-width table layout, so rows can be printed as they are computed."""

    def __init__(self, model_names, name_width, pm):
        self.model_names = list(model_names)
        self.name_width = max(name_width, len("data set"))
        self.pm = pm
        self.acc_width = len(f"0.000{pm}0.000")
        self.fit_width = len("fit [s]")
        self.block = max(self.acc_width + 2 + self.fit_width, *map(len, model_names))

    def _lead(self, name, n, p, k):
        return f"{name:<{self.name_width}} {n:>6} {p:>5} {k:>7}"

    def header(self):
        blank = " " * len(self._lead("", "", "", ""))
        top = blank + "".join(f" | {m:<{self.block}}" for m in self.model_names)
        sub = f"{'accuracy':<{self.acc_width}}  {'fit [s]':>{self.fit_width}}"
        second = self._lead("data set", "rows", "feat", "classes")
        second += "".join(f" | {sub:<{self.block}}" for _ in self.model_names)
        # rstrip: the padding of the last block would leave trailing blanks.
        return [top.rstrip(), second.rstrip(), "-" * len(second)]

    def row(self, row):
        line = self._lead(
            _printable(row["dataset"]),
            row["n_samples"],
            row["n_features"],
            row["n_classes"],
        )
        for m in self.model_names:
            s = row["scores"][m]
            acc = f"{s['mean']:.3f}{self.pm}{s['std']:.3f}"
            cell = f"{acc:<{self.acc_width}}  {s['fit_time']:>{self.fit_width}.2f}"
            line += f" | {cell:<{self.block}}"
        return line.rstrip()


def format_table(rows, plus_minus="±"):
    """Format result rows from :func:`run_comparison` as an aligned table.

    Parameters
    ----------
    rows : list of dict
        Result rows.
    plus_minus : str, default='±'
        Separator between mean and standard deviation.

    Returns
    -------
    table : str
        Header, separator and one line per data set.
    """
    models = list(rows[0]["scores"]) if rows else list(make_models())
    width = max((len(_printable(r["dataset"])) for r in rows), default=0)
    table = _Table(models, width, plus_minus)
    return "\n".join(table.header() + [table.row(r) for r in rows])


def _describe_settings(cv):
    settings = ", ".join(f"{k}={v!r}" for k, v in NETWORK_PARAMS.items())
    text = (
        f"accuracy: mean {_plus_minus()} std over {cv} stratified shuffled folds; "
        "fit [s]: mean fit time per fold. All models run after a StandardScaler. "
        f"BPClassifier and MLPClassifier: {settings}."
    )
    return textwrap.wrap(text, width=88)


# --------------------------------------------------------------------- plot
def _import_figure():
    """Import matplotlib lazily: it is an optional dependency."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise CLIError(
            "--plot needs matplotlib, which is not installed; install it with "
            "`pip install 'skbpnet[plot]'` (or `pip install matplotlib`)"
        ) from None
    return Figure


def _check_plot_path(path):
    """Return the file the figure will be written to, or explain why it can't.

    Fails before the comparison runs, not after it.
    """
    Figure = _import_figure()
    if not path:
        raise CLIError("--plot: the file name is empty")
    if os.path.isdir(path):
        raise CLIError(f"--plot: {path} is a directory")
    if not os.path.basename(path) or os.path.basename(path) in (".", ".."):
        raise CLIError(f"--plot: {path} names a directory, not a file")
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    if not ext:
        # What matplotlib's savefig does with a name without extension.
        from matplotlib import rcParams

        ext = rcParams["savefig.format"]
        path = f"{path}.{ext}"
    formats = Figure().canvas.get_supported_filetypes()
    if ext not in formats:
        raise CLIError(
            f"--plot: unsupported file type {ext!r}; use one of "
            + ", ".join(sorted(formats))
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CLIError(f"--plot: directory does not exist: {folder}")
    if os.path.isdir(path):
        raise CLIError(f"--plot: {path} is a directory")
    if not os.access(folder, os.W_OK) or (
        os.path.exists(path) and not os.access(path, os.W_OK)
    ):
        raise CLIError(f"--plot: cannot write to {path} (permission denied)")
    return path


def _draw_panel(ax, model, X, y):
    """Fit ``model`` on (X, y) and draw its decision regions and the points.

    Returns one legend handle per class, in the order of the sorted labels.
    """
    from matplotlib import colormaps
    from matplotlib.lines import Line2D

    encoder = LabelEncoder()
    codes = encoder.fit_transform(y)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (hi - lo) + 0.1
    xx, yy = np.meshgrid(
        np.linspace(lo[0] - pad[0], hi[0] + pad[0], 150),
        np.linspace(lo[1] - pad[1], hi[1] + pad[1], 150),
    )
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    model = clone(model).fit(X, codes)
    n_classes = int(codes.max()) + 1
    if n_classes == 2:
        # Probability of the second class shows how confident the model is,
        # the 0.5 contour is the decision boundary itself.
        zz = model.predict_proba(grid)[:, 1].reshape(xx.shape)
        ax.contourf(xx, yy, zz, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7)
        ax.contour(xx, yy, zz, levels=[0.5], colors="k", linewidths=1)
        cmap, vmax = "RdBu_r", 1
    else:
        zz = model.predict(grid).reshape(xx.shape)
        levels = np.arange(n_classes + 1) - 0.5
        # One distinct colour per class: tab10 and tab20 have 10 and 20.
        if n_classes <= 10:
            cmap, vmax = "tab10", 9
        elif n_classes <= 20:
            cmap, vmax = "tab20", 19
        else:
            cmap, vmax = "turbo", n_classes - 1
        ax.contourf(xx, yy, zz, levels=levels, cmap=cmap, vmin=0, vmax=vmax, alpha=0.5)
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=codes,
        cmap=cmap,
        vmin=0,
        vmax=vmax,
        s=12,
        edgecolors="k",
        linewidths=0.4,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    colours = colormaps[cmap]
    return [
        Line2D(
            [],
            [],
            linestyle="",
            marker="o",
            markeredgecolor="k",
            markerfacecolor=colours(code / vmax),
            label=str(label),
        )
        for code, label in enumerate(encoder.classes_)
    ]


def plot_decision_boundaries(datasets, rows, path, models=None, feature_names=None):
    """Draw every model's decision regions on every 2-D data set to a file.

    One row of panels per model, one column per data set; each panel shows
    the model fitted on the whole data set and is titled with the model's
    cross-validated accuracy from ``rows``. Rendering uses matplotlib's
    ``Figure`` directly (no pyplot), so it works headless and leaves the
    caller's pyplot backend alone.

    Parameters
    ----------
    datasets : dict of str to (X, y)
        Data sets with exactly two features each.
    rows : list of dict
        Results of :func:`run_comparison` on the same data sets.
    path : str
        Output file; the format follows its extension (PNG if none).
    models : dict of str to estimator, default=None
        The models; :func:`make_models` if None.
    feature_names : dict of str to (str, str), default=None
        The two feature names of some data sets (a user's CSV columns): their
        panels get axis labels, and the bottom one a legend of the classes.
    """
    Figure = _import_figure()
    feature_names = feature_names or {}
    if models is None:
        models = make_models()
    accuracy = {r["dataset"]: r["scores"] for r in rows}
    n_rows, n_cols = len(models), len(datasets)
    fig = Figure(figsize=(2.8 * n_cols, 2.8 * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        for j, (data_name, (X, y)) in enumerate(datasets.items()):
            for i, (model_name, model) in enumerate(models.items()):
                ax = axes[i, j]
                handles = _draw_panel(ax, model, X, y)
                score = accuracy[data_name][model_name]
                ax.set_title(
                    f"{data_name}: CV accuracy {score['mean']:.3f}", fontsize=9
                )
                names = feature_names.get(data_name)
                if names is not None:
                    ax.set_xlabel(names[0], fontsize=8)
                    if j > 0:
                        ax.set_ylabel(names[1], fontsize=8)
                if j == 0:
                    # The model's name, and the vertical feature's if known.
                    ax.set_ylabel(
                        model_name if names is None else f"{model_name}\n{names[1]}"
                    )
                if names is not None and i == n_rows - 1:
                    ax.legend(
                        handles=handles,
                        fontsize=7,
                        title_fontsize=7,
                        title="class",
                        loc="best",
                    )
    fig.savefig(path, dpi=100)


# --------------------------------------------------------------------- main
def _build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m skbpnet",
        description=textwrap.dedent(
            """\
            Cross-validate skbpnet's BPClassifier against scikit-learn's
            LogisticRegression and MLPClassifier (same network settings) and
            print each model's accuracy (mean and standard deviation over
            stratified folds) and fit time.

            Without --data it uses data that ships with scikit-learn: the
            chapter's four standardised 2-D problems with 200 points each
            (blobs, circles, moons, XOR blocks) and the 8x8 digits. Expect the
            two networks to agree and to beat logistic regression on circles,
            moons and xor."""
        ),
        epilog=(
            "examples:\n"
            "  python -m skbpnet\n"
            "  python -m skbpnet --plot boundaries.png\n"
            "  python -m skbpnet --data iris.csv --target species --cv 10"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--plot",
        metavar="FILE",
        help=(
            "also write the decision-boundary figure (one row per model, one "
            "column per 2-D data set; digits is not drawn) to FILE, e.g. a .png; "
            "needs matplotlib (pip install 'skbpnet[plot]'). With --data it works "
            "only if the CSV has exactly two feature columns."
        ),
    )
    parser.add_argument(
        "--data",
        metavar="FILE.csv",
        help=(
            "compare on your own comma-separated file with a header row instead "
            "of the built-in data; every column but --target must be numeric "
            "with no missing values"
        ),
    )
    parser.add_argument(
        "--target",
        metavar="COLUMN",
        help="name of the class-label column of --data (strings or numbers)",
    )
    parser.add_argument(
        "--cv",
        type=int,
        default=5,
        metavar="N",
        help=(
            "number of stratified cross-validation folds (default: 5); at "
            "most 95 on the built-in data sets, and with --data, fewer if the "
            "smallest class has fewer than N rows"
        ),
    )
    return parser


def _check_args(parser, args):
    if (args.data is None) != (args.target is None):
        parser.error("--data and --target must be given together")
    if args.cv < 2:
        parser.error(f"--cv must be at least 2, got {args.cv}")


def _load_inputs(args):
    """Return ({name: (X, y)}, names of the sets to plot, folds, {name:
    feature names} of a CSV's data set) for the run."""
    if args.data is None:
        datasets = {name: load_dataset(name) for name in DATASETS}
        smallest, name = min(
            (int(np.unique(y, return_counts=True)[1].min()), name)
            for name, (_, y) in datasets.items()
        )
        if args.cv > smallest:
            raise CLIError(
                f"--cv {args.cv}: stratified cross-validation needs at least as "
                f"many rows per class as folds, and the built-in data set {name!r} "
                f"has a class of {smallest} rows; use --cv {smallest} or fewer"
            )
        return datasets, DATASETS_2D, args.cv, {}
    X, y, names = load_csv(args.data, args.target)
    if args.plot is not None and X.shape[1] != 2:
        raise CLIError(
            f"--plot with --data needs exactly 2 feature columns; {args.data} has "
            f"{X.shape[1]}. Run without --data to plot the built-in 2-D data sets."
        )
    name = os.path.splitext(os.path.basename(args.data))[0] or "data"
    # A file name that is not valid in the file system's encoding holds
    # surrogates (LC_ALL=C), which matplotlib cannot draw in a title.
    fs = sys.getfilesystemencoding()
    name = name.encode(fs, "surrogateescape").decode(fs, "replace")
    cv = _choose_folds(y, args.cv, args.target)
    return {name: (X, y)}, (name,), cv, {name: names}


def _run(args):
    plot_path = None if args.plot is None else _check_plot_path(args.plot)
    datasets, plotted, cv, feature_names = _load_inputs(args)
    models = make_models()
    # The widths of the names as printed (escaped where stdout cannot show
    # them; see _printable).
    width = max(len(_printable(name)) for name in datasets)
    table = _Table(models, width, _plus_minus())
    start = time.perf_counter()
    for line in table.header():
        _say(line)
    # Print each row as soon as its data set is done: the run takes a while.
    rows = run_comparison(datasets, cv, models, on_row=lambda r: _say(table.row(r)))
    _say()
    for line in _describe_settings(cv):
        _say(line)
    if plot_path is not None:
        try:
            plot_decision_boundaries(
                {name: datasets[name] for name in plotted},
                [r for r in rows if r["dataset"] in plotted],
                plot_path,
                models,
                feature_names,
            )
        except OSError as exc:
            raise CLIError(f"--plot: cannot write {plot_path}: {exc}") from None
        _say(f"decision boundaries written to {plot_path}")
    _say(f"total time: {time.perf_counter() - start:.1f} s")


#: The start of the warnings with which the estimators' fits report a Ctrl-C:
#: skbpnet's "... by the user (KeyboardInterrupt)", scikit-learn's MLP's
#: "... by user.".
_INTERRUPTED = "Training interrupted by (the )?user"


def main(argv=None):
    """Run the command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` if None.

    Returns
    -------
    code : int
        Exit code: 0 on success, 2 on a usage or input error (the message goes
        to stderr).
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        _check_args(parser, args)
        try:
            with warnings.catch_warnings():
                # BPClassifier and MLPClassifier catch a Ctrl-C in fit, keep
                # their weights and only warn: here that would leave one fold
                # (part-)trained and print its accuracy as if nothing happened.
                warnings.filterwarnings(
                    "error", message=_INTERRUPTED, category=UserWarning
                )
                _run(args)
        except CLIError as exc:
            parser.error(str(exc))
        except (KeyboardInterrupt, UserWarning) as exc:
            # (The warnings filter matched case-insensitively; so does this.)
            if isinstance(exc, UserWarning) and not re.match(
                _INTERRUPTED, str(exc), re.IGNORECASE
            ):
                raise
            print("interrupted", file=sys.stderr)
            return 130  # 128 + SIGINT, as shells report it
        except BrokenPipeError:
            # The reader went away (``| head``): stop quietly like Unix tools,
            # pointing stdout at devnull so the interpreter's final flush
            # does not fail again (the recipe from Python's signal docs).
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
    except SystemExit as exc:
        # argparse exits on --help and on errors; return the code instead so
        # that callers (and tests) can run main() in-process.
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else 1
    return 0
