"""The data the command line compares models on: built-in sets and CSV files.

The chapter's four 2-D problems (blobs, circles, moons, XOR blocks) and
digits ship with scikit-learn or are drawn here with a fixed seed.  A user's
CSV file is parsed with the standard library's ``csv`` module, and every
problem with it (a missing column, text in a feature, a continuous target, a
class too small to cross-validate) becomes a :class:`CLIError` that names it.
"""

import csv
import decimal
import difflib
import math
import sys
from collections import Counter

import numpy as np
from sklearn.datasets import load_digits, make_blobs, make_circles, make_moons
from sklearn.preprocessing import StandardScaler

#: The chapter's 2-D toy problems, in the order they are shown.
DATASETS_2D = ("blobs", "circles", "moons", "xor")
#: Everything the default run compares on.
DATASETS = (*DATASETS_2D, "digits")

N_SAMPLES_2D = 200
RANDOM_STATE = 0

# Textual spellings of a missing value in a CSV cell (compared lower-cased).
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none"})
# A numeric target with more distinct values than this (and than a third of the rows)
# looks like a regression target rather than class labels.
_MAX_CONTINUOUS_CLASSES = 20


class CLIError(Exception):
    """A problem with the user's input, reported as a usage error (exit 2)."""


# ---------------------------------------------------------------- data sets
def _xor_blocks(n_samples, random_state):
    # Uniform points in [-1, 1]^2, labelled by the quadrant parity: the
    # classic problem that no linear model can solve.
    rng = np.random.RandomState(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)
    return X, y


def load_dataset(name):
    """Return one of the built-in data sets.

    The 2-D sets have 200 points and are standardised, so every panel of the
    decision-boundary figure uses the same scale. All draws use a fixed seed.

    Parameters
    ----------
    name : {'blobs', 'circles', 'moons', 'xor', 'digits'}
        The data set.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Integer class labels.

    Examples
    --------
    >>> from skbpnet._cli import load_dataset
    >>> X, y = load_dataset("moons")
    >>> X.shape, sorted(set(y.tolist()))
    ((200, 2), [0, 1])
    """
    n, seed = N_SAMPLES_2D, RANDOM_STATE
    if name == "blobs":
        # Seed 1 places the two centres far apart: a linearly separable
        # baseline on which every model should be perfect.
        X, y = make_blobs(n_samples=n, centers=2, random_state=1)
    elif name == "circles":
        X, y = make_circles(n_samples=n, noise=0.1, factor=0.5, random_state=seed)
    elif name == "moons":
        X, y = make_moons(n_samples=n, noise=0.2, random_state=seed)
    elif name == "xor":
        X, y = _xor_blocks(n, seed)
    elif name == "digits":
        return load_digits(return_X_y=True)
    else:
        raise ValueError(f"unknown data set {name!r}; choose from {DATASETS}")
    return StandardScaler().fit_transform(X), y


# ---------------------------------------------------------------------- CSV
def _read_rows(path):
    """Read a CSV file into (header, [(line_number, cells), ...])."""
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs write.
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            lines = [(reader.line_num, cells) for cells in reader]
    except FileNotFoundError:
        raise CLIError(f"--data: file not found: {path}") from None
    except UnicodeDecodeError:
        raise CLIError(f"--data: {path} is not UTF-8 text") from None
    except csv.Error as exc:
        raise CLIError(f"--data: {path} is not valid CSV: {exc}") from None
    except OSError as exc:
        raise CLIError(f"--data: cannot read {path}: {exc.strerror}") from None
    # Blank lines carry no data; a trailing one is common.
    lines = [(n, cells) for n, cells in lines if any(c.strip() for c in cells)]
    if not lines:
        raise CLIError(f"--data: {path} is empty")
    header = [h.strip() for h in lines[0][1]]
    return header, lines[1:]


def _check_header(path, header, target):
    if "" in header:
        column = header.index("") + 1
        guess = (
            # Some exports end every line with a comma.
            "a comma at the end of every line? remove the trailing commas"
            if column == len(header)
            else "an unnamed index column? remove it"
        )
        raise CLIError(
            f"--data: column {column} of {path} has no name in the header row ({guess})"
        )
    dup = sorted(name for name, c in Counter(header).items() if c > 1)
    if dup:
        raise CLIError(f"--data: duplicate column names in {path}: {', '.join(dup)}")
    if target not in header:
        hint = ""
        close = [h for h in header if h.casefold() == target.casefold()]
        close = close or difflib.get_close_matches(target, header, n=1, cutoff=0.8)
        if close:
            hint = f" (did you mean {close[0]!r}?)"
        elif len(header) == 1 and any(sep in header[0] for sep in ";\t"):
            hint = " (the file must be comma-separated)"
        elif _numbers_among(header):
            hint = " (numbers among the names: does the file lack a header row?)"
        raise CLIError(
            f"--target: no column {target!r} in {path}; available columns: "
            + ", ".join(header)
            + hint
        )
    if len(header) < 2:
        raise CLIError(
            f"--data: {path} has no feature columns besides the target {target!r}"
        )
    numbers = _numbers_among(header)
    if numbers:
        # Likely a first data row read as the header; the run can go on.
        print(
            f"note: column names {', '.join(numbers[:3])} of {path} are numbers; "
            "if the file has no header row, its first row was taken as one",
            file=sys.stderr,
        )


def _numbers_among(header):
    """The column names that read as finite numbers."""
    numbers = []
    for name in header:
        try:
            if math.isfinite(float(name)):
                numbers.append(name)
        except ValueError:
            pass
    return numbers


#: The comparison standardises the features, which sums their squares. A
#: single square overflows float64 only above 1.3e154; this bound leaves
#: headroom for the sum over the rows.
_HUGE = 1e150


def _parse_float(cell):
    """Return a float, NaN for a missing value, or None if not a number."""
    if cell.lower() in _MISSING:
        return math.nan
    try:
        return float(cell)
    except ValueError:
        return None


def _parse_features(columns, names):
    """Turn feature columns of strings into a float matrix, or explain why not."""
    bad, missing, huge = [], [], []
    values = []
    for name, col in zip(names, columns):
        parsed = [_parse_float(c) for c in col]
        if any(v is None for v in parsed):
            example = col[parsed.index(None)]
            bad.append(f"{name} (e.g. {example!r})")
            continue
        arr = np.array(parsed, dtype=float)
        n_bad = int(np.sum(~np.isfinite(arr)))
        if n_bad:
            missing.append(f"{name} ({n_bad} row{'s' if n_bad > 1 else ''})")
        elif arr.size and np.abs(arr).max() > _HUGE:
            huge.append(f"{name} (e.g. {arr[np.argmax(np.abs(arr))]:.3g})")
        values.append(arr)
    if bad:
        raise CLIError(
            "--data: feature columns must be numeric; non-numeric column(s): "
            + ", ".join(bad)
            + ". Encode or drop them, or choose one as --target."
        )
    if missing:
        raise CLIError(
            "--data: missing (NaN/empty) or infinite values in feature column(s): "
            + ", ".join(missing)
            + ". Drop or impute those rows first."
        )
    if huge:
        raise CLIError(
            f"--data: values beyond +-{_HUGE:.0e} in feature column(s): "
            + ", ".join(huge)
            + ". Standardising sums their squares, which can overflow at this "
            "size; rescale those columns (for example take their logarithm) "
            "first."
        )
    return np.column_stack(values)


def _parse_target(cells, target):
    """Return class labels: numbers if every cell is numeric, else strings."""
    n_missing = sum(c.lower() in _MISSING for c in cells)
    if n_missing:
        raise CLIError(
            f"--target: column {target!r} has {n_missing} missing value(s); "
            "every row needs a class label"
        )
    numbers = [_parse_float(c) for c in cells]
    if any(v is None or not math.isfinite(v) for v in numbers):
        return np.array(cells)
    y = np.array(numbers)
    n_unique = np.unique(y).size
    # Many distinct values with fewer than 3 rows each on average mean a
    # measurement, not a label (diabetes' progression scores: 214 values in
    # 442 rows); cross-validated accuracy would be meaningless for it.
    if n_unique > _MAX_CONTINUOUS_CLASSES and n_unique > y.size / 3:
        raise CLIError(
            f"--target: column {target!r} looks continuous ({n_unique} distinct "
            f"values in {y.size} rows); this command compares classifiers and "
            "needs class labels"
        )
    if np.abs(y).max() < 2**53:  # every integer this small is exact in float64
        if np.all(y == np.round(y)):
            return y.astype(np.int64)
        # Few distinct non-integral numbers (grades such as 3.5) are classes,
        # but scikit-learn reads a float array with fractions as a continuous
        # target. Their shortest decimal text keeps them as labels, with 1.5
        # and 1.50 one.
        return np.array([repr(v) for v in numbers])
    # Larger labels (IDs, say) collide as floats: 2**53 + 1 reads as 2**53.
    # Read them exactly from the text (1e16 and 10000000000000000 are one
    # number); beyond int64, or with fractions, keep one text per number
    # (but -0 and 0 stay two).
    try:
        exact = [decimal.Decimal(c.strip()) for c in cells]
    except decimal.InvalidOperation:  # pragma: no cover - float read them all
        return np.array([c.strip() for c in cells])
    if all(d == d.to_integral_value() for d in exact):
        ints = [int(d) for d in exact]
        if all(-(2**63) <= v < 2**63 for v in ints):
            return np.array(ints, dtype=np.int64)
    return np.array([_exact_text(d) for d in exact])


def _exact_text(number):
    """``number``'s shortest text, all its digits kept (1.50 -> 1.5, 1E+20)."""
    # normalize() rounds to the context's precision (28 digits by default):
    # give it every digit, so that long IDs stay apart.
    digits = max(1, len(number.as_tuple().digits))
    return str(number.normalize(decimal.Context(prec=digits)))


def load_csv(path, target):
    """Read a CSV file with a header row into features and class labels.

    Parameters
    ----------
    path : str
        Comma-separated file whose first row names the columns.
    target : str
        Column holding the class labels (strings or numbers). Every other
        column is a feature and must be numeric without missing values.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features as float64.
    y : ndarray of shape (n_samples,)
        Class labels: int64 if all are integral numbers, strings otherwise
        (non-integral numbers as their shortest decimal text, such as
        ``'0.5'``).
    feature_names : list of str
        Names of the feature columns, in file order.

    Raises
    ------
    CLIError
        When the file or its content cannot be used, with a message that
        names the problem.
    """
    header, lines = _read_rows(path)
    _check_header(path, header, target)
    if not lines:
        raise CLIError(f"--data: {path} has a header row but no data rows")
    for line_number, cells in lines:
        if len(cells) != len(header):
            raise CLIError(
                f"--data: line {line_number} of {path} has {len(cells)} fields, "
                f"the header has {len(header)}"
            )
    columns = [[c.strip() for c in col] for col in zip(*(cells for _, cells in lines))]
    t = header.index(target)
    names = [h for i, h in enumerate(header) if i != t]
    X = _parse_features([c for i, c in enumerate(columns) if i != t], names)
    y = _parse_target(columns[t], target)
    return X, y, names


def _choose_folds(y, cv, target):
    """Number of folds stratified CV can use; fewer than asked if a class is tiny."""
    labels, counts = np.unique(y, return_counts=True)
    if labels.size < 2:
        raise CLIError(
            f"--target: column {target!r} has a single class ({labels[0].item()!r}); "
            "a classifier needs at least two"
        )
    smallest = int(counts.min())
    if smallest < 2:
        rare = [str(v) for v, c in zip(labels, counts) if c < 2]
        shown = ", ".join(rare[:5]) + (
            f" and {len(rare) - 5} more" if len(rare) > 5 else ""
        )
        raise CLIError(
            f"--target: class(es) {shown} of column {target!r} have a single row; "
            "cross-validation needs at least 2 rows per class"
        )
    if smallest < cv:
        rare = labels[int(np.argmin(counts))]
        print(
            f"note: the smallest class ({rare!s}) has {smallest} rows, fewer than "
            f"--cv {cv}; using {smallest}-fold cross-validation",
            file=sys.stderr,
        )
        return smallest
    return cv
