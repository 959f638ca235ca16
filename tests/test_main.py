"""Tests for the command line, ``python -m skbpnet`` (skbpnet/_cli.py)."""

import io
import os
import subprocess
import sys
import warnings
from contextlib import redirect_stderr, redirect_stdout
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from skbpnet._cli import (
    DATASETS,
    DATASETS_2D,
    format_table,
    load_csv,
    load_dataset,
    main,
    plot_decision_boundaries,
    run_comparison,
)

MODELS = ("BPClassifier", "LogisticRegression", "MLPClassifier")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _write_csv(path, header, rows):
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _blob_rows(n_per_class=20, labels=("cat", "dog", "eel"), n_features=3, seed=0):
    """Rows of well-separated Gaussian clusters with a string label last."""
    rng = np.random.RandomState(seed)
    rows = []
    for k, label in enumerate(labels):
        centre = np.full(n_features, 4.0 * k)
        for x in rng.normal(centre, 0.5, size=(n_per_class, n_features)):
            rows.append([f"{v:.4f}" for v in x] + [label])
    return rows


def _parse_table(text):
    """Map data set name -> {model: mean accuracy} from the printed table."""
    result = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(" | ")]
        if len(parts) != 1 + len(MODELS) or not parts[0]:
            continue
        name = parts[0].split()[0]
        try:
            accs = [float(p.split("±")[0]) for p in parts[1:]]
        except ValueError:  # the header lines
            continue
        result[name] = dict(zip(MODELS, accs))
    return result


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """The one full default run (with --plot), shared by several tests."""
    png = tmp_path_factory.mktemp("plot") / "boundaries.png"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--plot", str(png)])
    return SimpleNamespace(code=code, out=out.getvalue(), err=err.getvalue(), png=png)


@pytest.fixture(scope="module")
def small_rows():
    # A cheap comparison for tests that only look at the result structure.
    return run_comparison(
        {"xor": load_dataset("xor"), "blobs": load_dataset("blobs")}, cv=2
    )


# ------------------------------------------------------------ default run
def test_default_run_prints_table(default_run):
    assert default_run.code == 0, default_run.err
    for name in (*DATASETS, *MODELS):
        assert name in default_run.out
    table = _parse_table(default_run.out)
    assert list(table) == list(DATASETS)
    assert table["digits"]["BPClassifier"] > 0.9
    assert "decision boundaries written to" in default_run.out


def test_bp_beats_logistic_regression_on_nonlinear_sets(default_run):
    table = _parse_table(default_run.out)
    for name in ("circles", "moons", "xor"):
        bp, lr, mlp = (table[name][m] for m in MODELS)
        assert bp > lr + 0.05, name
        # Same architecture and optimiser: BP and MLP should agree closely.
        assert abs(bp - mlp) < 0.05, name
    for model in MODELS:
        assert table["blobs"][model] > 0.97


def test_default_run_writes_png(default_run):
    data = default_run.png.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000


def test_result_rows_have_documented_shape(small_rows):
    assert [r["dataset"] for r in small_rows] == ["xor", "blobs"]
    row = small_rows[0]
    assert row["n_samples"] == 200 and row["n_features"] == 2
    assert row["n_classes"] == 2 and row["cv"] == 2
    for model in MODELS:
        s = row["scores"][model]
        assert 0 <= s["mean"] <= 1 and s["std"] >= 0 and s["fit_time"] > 0


def test_format_table_is_aligned(small_rows):
    text = format_table(small_rows, plus_minus="+/-")
    lines = text.splitlines()
    assert len(lines) == 3 + len(small_rows)
    # Every column separator sits at the same offset on every line.
    bars = {tuple(i for i, c in enumerate(line) if c == "|") for line in lines[:2]}
    bars |= {tuple(i for i, c in enumerate(line) if c == "|") for line in lines[3:]}
    assert len(bars) == 1
    assert "+/-" in lines[3]


def test_plot_function_on_a_subset(small_rows, tmp_path):
    png = tmp_path / "xor.png"
    plot_decision_boundaries({"xor": load_dataset("xor")}, small_rows, str(png))
    assert png.read_bytes().startswith(PNG_MAGIC)


def test_csv_figure_names_its_axes_and_classes(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    saved = []
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: saved.append(fig))
    path = _write_csv(
        tmp_path / "pets.csv",
        ["weight", "height", "kind"],
        _blob_rows(labels=("cat", "dog", "eel"), n_features=2),
    )
    assert main(["--data", path, "--target", "kind", "--plot", "f.png"]) == 0
    axes = saved[0].axes
    assert [ax.get_xlabel() for ax in axes] == ["weight"] * 3
    assert all(ax.get_ylabel().endswith("\nheight") for ax in axes)
    legends = [ax.get_legend() for ax in axes if ax.get_legend() is not None]
    assert len(legends) == 1
    assert [t.get_text() for t in legends[0].get_texts()] == ["cat", "dog", "eel"]
    # The legend's colours are those of the points.
    scatter = axes[-1].collections[-1]
    points = scatter.to_rgba(scatter.get_array())
    codes = np.searchsorted(["cat", "dog", "eel"], load_csv(path, "kind")[1])
    legend = legends[0]
    # legendHandles before matplotlib 3.7.
    handles = getattr(legend, "legend_handles", None) or legend.legendHandles
    for code, handle in enumerate(handles):
        np.testing.assert_allclose(
            handle.get_markerfacecolor(), points[np.flatnonzero(codes == code)[0]]
        )


def test_builtin_data_sets():
    for name in DATASETS_2D:
        X, y = load_dataset(name)
        assert X.shape == (200, 2)
        np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(X.std(axis=0), 1)
        assert set(np.unique(y)) == {0, 1}
    X, y = load_dataset("xor")
    X2, y2 = load_dataset("xor")
    np.testing.assert_array_equal(X, X2)  # fixed seed
    with pytest.raises(ValueError, match="unknown data set"):
        load_dataset("spirals")


def test_help_in_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "skbpnet", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    for option in ("--plot", "--data", "--target", "--cv"):
        assert option in proc.stdout
    assert "LogisticRegression" in proc.stdout


@pytest.mark.parametrize(
    "encoding, shown",
    [
        ("ascii", "caf\\xe9"),
        # The stream's own handlers: the widths count what they write.
        ("ascii:xmlcharrefreplace", "caf&#233;"),
        ("ascii:replace", "caf?"),
    ],
)
def test_a_non_ascii_file_name_on_an_ascii_console(tmp_path, encoding, shown):
    # The data set's name comes from the file name; a console that cannot
    # encode it (cp1252, LC_ALL=C) used to end the run with a traceback.
    path = _write_csv(
        tmp_path / "café.csv",
        ["a", "b", "label"],
        _blob_rows(n_per_class=10, n_features=2),
    )
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    proc = subprocess.run(
        [sys.executable, "-m", "skbpnet", "--data", path, "--target", "label"]
        + ["--plot", str(tmp_path / "plot.png")],
        capture_output=True,
        text=True,
        encoding="ascii",
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert shown in proc.stdout
    assert "+/-" in proc.stdout
    table = [line for line in proc.stdout.splitlines() if " | " in line]
    assert len(table) == 3
    assert len({line.index("|") for line in table}) == 1
    assert (tmp_path / "plot.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")
def test_a_file_name_that_is_not_utf8_under_the_c_locale(tmp_path):
    # Its name holds a surrogate (surrogateescape), which matplotlib cannot
    # draw: the run used to end with a traceback after the whole comparison.
    text = _write_csv(
        tmp_path / "tmp.csv",
        ["a", "b", "label"],
        _blob_rows(n_per_class=10, n_features=2),
    )
    path = os.path.join(os.fsencode(tmp_path), b"caf\xe9.csv")
    os.rename(text, path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIO"))}
    env.update(LC_ALL="C", PYTHONUTF8="0")
    proc = subprocess.run(
        [sys.executable, "-m", "skbpnet", b"--data", path, "--target", "label"]
        + ["--plot", str(tmp_path / "plot.png")],
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert (tmp_path / "plot.png").read_bytes().startswith(PNG_MAGIC)


def test_help_in_process(capsys):
    assert main(["--help"]) == 0
    assert "usage:" in capsys.readouterr().out


# -------------------------------------------------------------------- CSV
def test_csv_with_string_target(tmp_path, capsys):
    path = _write_csv(tmp_path / "animals.csv", ["a", "b", "c", "kind"], _blob_rows())
    assert main(["--data", path, "--target", "kind"]) == 0
    captured = capsys.readouterr()
    table = _parse_table(captured.out)
    assert list(table) == ["animals"]
    for model in MODELS:
        assert table["animals"][model] > 0.9
    for name in DATASETS:  # the built-in sets are not run with --data
        assert name not in table
    assert "note:" not in captured.err


def test_csv_target_in_middle_and_numeric_labels(tmp_path):
    rows = [[r[0], r[2], r[1]] for r in _blob_rows(labels=("0", "1"), n_features=2)]
    path = _write_csv(tmp_path / "d.csv", ["x", "label", "z"], rows)
    X, y, names = load_csv(path, "label")
    assert names == ["x", "z"]
    assert X.shape == (40, 2) and X.dtype == np.float64
    assert y.dtype.kind == "i" and set(y.tolist()) == {0, 1}


@pytest.mark.parametrize(
    "labels, expected",
    [
        # Distinct as integers, equal as float64: read exactly from the text.
        (("9007199254740993", "9007199254740992"), {2**53 + 1, 2**53}),
        # Written differently, the same number: one class.
        (("10000000000000000", "1e16", "3"), {10**16, 3}),
        (("9007199254740993", "5", "5.0"), {2**53 + 1, 5}),
        # Beyond int64: one text per number, not wrapped around by a cast.
        (("1e300", "-1e300"), {"1E+300", "-1E+300"}),
        (("100000000000000000000", "0", "1e20"), {"1E+20", "0"}),
        # Longer than Decimal's 28 digits, and mixed with a fraction.
        (
            ("100000000000000000000000000001", "100000000000000000000000000002"),
            {"100000000000000000000000000001", "100000000000000000000000000002"},
        ),
        (
            ("9007199254740993", "9007199254740992", "0.5"),
            {"9007199254740993", "9007199254740992", "0.5"},
        ),
    ],
)
def test_csv_with_huge_integer_labels_keeps_them_apart(tmp_path, labels, expected):
    rows = _blob_rows(labels=labels, n_features=2)
    path = _write_csv(tmp_path / "ids.csv", ["x", "z", "id"], rows)
    _, y, _ = load_csv(path, "id")
    assert set(y.tolist()) == expected


def test_csv_with_non_integral_numeric_labels(tmp_path, capsys):
    """Grades such as 0.5 / 1.5 are classes, not a continuous target."""
    rows = _blob_rows(labels=("0.5", "1.5"), n_features=2)
    rows[0][-1] = "0.50"  # the same number written differently: one class
    path = _write_csv(tmp_path / "grades.csv", ["x", "z", "grade"], rows)
    X, y, _ = load_csv(path, "grade")
    assert sorted(set(y.tolist())) == ["0.5", "1.5"]
    assert main(["--data", path, "--target", "grade"]) == 0
    table = _parse_table(capsys.readouterr().out)
    for model in MODELS:
        assert table["grades"][model] > 0.9


def test_csv_with_two_features_can_be_plotted(tmp_path, capsys):
    path = _write_csv(
        tmp_path / "two.csv", ["x", "y", "label"], _blob_rows(n_features=2)
    )
    png = tmp_path / "two.png"
    assert main(["--data", path, "--target", "label", "--plot", str(png)]) == 0
    assert png.read_bytes().startswith(PNG_MAGIC)
    assert "two.png" in capsys.readouterr().out


def test_small_class_falls_back_to_fewer_folds(tmp_path, capsys):
    rows = _blob_rows(n_per_class=10, labels=("a", "b"))
    rows += _blob_rows(n_per_class=3, labels=("rare",), seed=1)
    path = _write_csv(tmp_path / "rare.csv", ["p", "q", "r", "t"], rows)
    assert main(["--data", path, "--target", "t"]) == 0
    captured = capsys.readouterr()
    assert "3-fold" in captured.err and "rare" in captured.err
    assert "over 3 stratified" in captured.out


def _header_only(tmp_path):
    return _write_csv(tmp_path / "h.csv", ["a", "t"], [])


def _empty(tmp_path):
    (tmp_path / "empty.csv").write_text("\n\n", encoding="utf-8")
    return str(tmp_path / "empty.csv")


def _rows_csv(header, rows):
    return lambda tmp_path: _write_csv(tmp_path / "bad.csv", header, rows)


_GOOD = _blob_rows(n_per_class=10, labels=("a", "b"), n_features=2)

ERROR_CASES = {
    "missing file": (
        lambda tmp_path: str(tmp_path / "nope.csv"),
        "t",
        ["file not found", "nope.csv"],
    ),
    "missing target": (
        _rows_csv(["x", "y", "t"], _GOOD),
        "label",
        ["no column 'label'", "available columns: x, y, t"],
    ),
    "empty file": (_empty, "t", ["is empty"]),
    "header only": (_header_only, "t", ["no data rows"]),
    "non-numeric feature": (
        _rows_csv(["x", "colour", "t"], [[r[0], "red", r[2]] for r in _GOOD]),
        "t",
        ["non-numeric", "colour", "'red'"],
    ),
    "nan feature": (
        _rows_csv(["x", "y", "t"], [_GOOD[0][:1] + ["nan", "a"]] + _GOOD[1:]),
        "t",
        ["missing", "y (1 row)"],
    ),
    "empty feature cell": (
        _rows_csv(["x", "y", "t"], [["", "1", "a"]] + _GOOD[1:]),
        "t",
        ["missing", "x (1 row)"],
    ),
    "single class": (
        _rows_csv(["x", "y", "t"], [r[:2] + ["a"] for r in _GOOD]),
        "t",
        ["single class", "'a'"],
    ),
    "class with one row": (
        _rows_csv(["x", "y", "t"], _GOOD + [["0", "0", "lonely"]]),
        "t",
        ["lonely", "single row"],
    ),
    "continuous target": (
        _rows_csv(
            ["x", "y", "t"],
            [
                r[:2] + [f"{i * 0.37:.2f}"]
                for i, r in enumerate(_blob_rows(labels=("a", "b"), n_features=2))
            ],
        ),
        "t",
        ["looks continuous", "classifiers"],
    ),
    "continuous target with repeats": (
        # 30 distinct values in 60 rows: not over half, but 2 rows per value.
        _rows_csv(
            ["x", "y", "t"],
            [[str(i), str(-i), str(i if i < 25 else 100 + i % 5)] for i in range(60)],
        ),
        "t",
        ["looks continuous", "30 distinct values in 60 rows"],
    ),
    "missing target value": (
        _rows_csv(["x", "y", "t"], [r[:2] + [""] for r in _GOOD[:2]] + _GOOD[2:]),
        "t",
        ["missing value", "'t'"],
    ),
    "ragged row": (
        _rows_csv(["x", "y", "t"], _GOOD + [["1", "a"]]),
        "t",
        ["line 22", "2 fields"],
    ),
    "no feature column": (
        _rows_csv(["t"], [[r[-1]] for r in _GOOD]),
        "t",
        ["no feature columns"],
    ),
    "unnamed column": (
        _rows_csv(["", "y", "t"], _GOOD),
        "t",
        ["column 1", "no name", "index column"],
    ),
    "trailing commas": (
        _rows_csv(["x", "y", "t", ""], [r + [""] for r in _GOOD]),
        "t",
        ["column 4", "no name", "comma at the end of every line"],
    ),
    "target in another case": (
        _rows_csv(["x", "y", "Species"], _GOOD),
        "species",
        ["no column 'species'", "did you mean 'Species'?"],
    ),
    "target misspelt": (
        _rows_csv(["x", "y", "species"], _GOOD),
        "specie",
        ["no column 'specie'", "did you mean 'species'?"],
    ),
    "values whose squares overflow": (
        # Finite, but StandardScaler's variance would be inf.
        _rows_csv(["x", "y", "t"], [["9.4e+299"] + _GOOD[0][1:]] + _GOOD[1:]),
        "t",
        ["x (e.g. 9.4e+299)", "overflow", "rescale"],
    ),
    "no header row": (
        _rows_csv(_GOOD[0], _GOOD[1:]),
        "t",
        ["no column 't'", "lack a header row"],
    ),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_csv_errors_exit_2_with_message(case, tmp_path, capsys):
    make_path, target, fragments = ERROR_CASES[case]
    code = main(["--data", make_path(tmp_path), "--target", target])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "Traceback" not in captured.err
    for fragment in fragments:
        assert fragment in captured.err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--data", "x.csv"], "--data and --target must be given together"),
        (["--target", "t"], "--data and --target must be given together"),
        (["--cv", "1"], "--cv must be at least 2"),
        (["--cv", "150"], "'xor' has a class of 95 rows; use --cv 95 or fewer"),
        (["--cv", "five"], "invalid int value"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_argument_errors_exit_2(argv, fragment, capsys):
    assert main(argv) == 2
    assert fragment in capsys.readouterr().err


def test_plot_with_more_than_two_csv_features_errors(tmp_path, capsys):
    path = _write_csv(tmp_path / "three.csv", ["a", "b", "c", "k"], _blob_rows())
    png = tmp_path / "out.png"
    assert main(["--data", path, "--target", "k", "--plot", str(png)]) == 2
    assert "exactly 2 feature columns" in capsys.readouterr().err
    assert not png.exists()


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("missing_dir/out.png", "directory does not exist"),
        ("out.xyz", "'xyz'"),
        ("a_dir.png", "is a directory"),
        ("a_dir", "a_dir.png is a directory"),  # savefig would add .png
        # Was written to "a_dir.png/.png.png" and reported as ".png".
        ("a_dir.png/", "is a directory"),
        ("new_dir/", "names a directory, not a file"),
        (".", "is a directory"),
    ],
)
def test_bad_plot_path_fails_before_running(name, fragment, tmp_path, capsys):
    (tmp_path / "a_dir.png").mkdir()
    path = os.path.join(str(tmp_path), name)  # keeps a trailing slash
    assert main(["--plot", path]) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err
    assert captured.out == ""  # nothing was computed


def test_empty_plot_path_is_an_error(capsys):
    assert main(["--plot", ""]) == 2
    assert "--plot: the file name is empty" in capsys.readouterr().err


def test_plot_name_without_extension_reports_the_file_written(tmp_path, capsys):
    path = _write_csv(
        tmp_path / "two.csv", ["x", "y", "label"], _blob_rows(n_features=2)
    )
    stem = tmp_path / "figure"
    assert main(["--data", path, "--target", "label", "--plot", str(stem)]) == 0
    written = tmp_path / "figure.png"
    assert written.read_bytes().startswith(PNG_MAGIC)
    assert f"written to {written}\n" in capsys.readouterr().out


def test_plot_write_failure_after_the_run_is_one_line(tmp_path, capsys, monkeypatch):
    # A file system that refuses the figure only when it is written.
    import skbpnet._cli as cli

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli, "plot_decision_boundaries", refuse)
    path = _write_csv(
        tmp_path / "two.csv", ["x", "y", "label"], _blob_rows(n_features=2)
    )
    png = tmp_path / "out.png"
    assert main(["--data", path, "--target", "label", "--plot", str(png)]) == 2
    err = capsys.readouterr().err
    assert "--plot: cannot write" in err and "Permission denied" in err
    assert "Traceback" not in err


def test_first_row_of_numbers_read_as_header_is_noted(tmp_path, capsys):
    rows = _blob_rows(n_per_class=10, labels=("a", "b"), n_features=2)
    path = _write_csv(tmp_path / "nohead.csv", rows[0][:2] + ["t"], rows[1:])
    assert main(["--data", path, "--target", "t"]) == 0
    err = capsys.readouterr().err
    assert "are numbers" in err and "no header row" in err


def test_ctrl_c_ends_the_command_quietly(capsys, monkeypatch):
    import skbpnet._cli as cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_comparison", interrupted)
    assert main([]) == 130
    assert capsys.readouterr().err.strip().endswith("interrupted")


@pytest.mark.parametrize("model", ["BPClassifier", "MLPClassifier"])
def test_ctrl_c_inside_a_fit_ends_the_command(model, tmp_path, capsys, monkeypatch):
    # The estimators catch a Ctrl-C in fit and keep their weights with a
    # warning; the command must stop rather than print a part-trained fold.
    import skbpnet._cli as cli

    path = _write_csv(tmp_path / "d.csv", ["a", "b", "c", "k"], _blob_rows())
    models = cli.make_models()
    estimator = models[model][-1]
    fit = type(estimator)._fit_stochastic if model == "MLPClassifier" else None
    calls = {"n": 0}

    def interrupting(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second fold
            raise KeyboardInterrupt
        if fit is not None:
            return fit(self, *args, **kwargs)
        return loss_grad(self, *args, **kwargs)

    if model == "MLPClassifier":
        models[model][-1].set_params(solver="adam")
        target, name = type(estimator), "_fit_stochastic"
    else:
        from skbpnet._network import Network

        loss_grad = Network.loss_grad
        target, name = Network, "loss_grad"
    monkeypatch.setattr(target, name, interrupting)
    monkeypatch.setattr(cli, "make_models", lambda: {model: models[model]})
    assert main(["--data", path, "--target", "k"]) == 130
    captured = capsys.readouterr()
    assert captured.err.strip().endswith("interrupted")
    assert "0.0" not in captured.out  # the header only: no scores, no times


@pytest.mark.parametrize(
    "message, code",
    [
        ("training interrupted by user.", 130),  # any case, as the filter
        ("Training interrupted by the user (KeyboardInterrupt): kept.", 130),
        ("Training interrupted while loading a plugin", 0),  # someone else's
    ],
)
def test_only_the_estimators_interruption_warnings_end_the_command(
    message, code, capsys, monkeypatch
):
    import skbpnet._cli as cli

    def warns(*args, **kwargs):
        warnings.warn(message, UserWarning, stacklevel=2)
        return []

    monkeypatch.setattr(cli, "run_comparison", warns)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert main([]) == code
    if code == 0:  # a plain warning, shown as usual
        assert [str(w.message) for w in record] == [message]


def test_more_than_ten_classes_get_distinct_colours(tmp_path):
    # tab10 would give classes 9, 10 and 11 one colour.
    from matplotlib.figure import Figure

    from skbpnet._cli import _draw_panel

    rng = np.random.RandomState(0)
    centers = rng.uniform(-10, 10, size=(12, 2))
    X = np.repeat(centers, 5, axis=0) + rng.normal(scale=0.1, size=(60, 2))
    y = np.repeat(np.arange(12), 5)
    ax = Figure().subplots()
    _draw_panel(ax, KNeighborsClassifier(n_neighbors=1), X, y)
    points = ax.collections[-1]
    colours = {tuple(c) for c in points.to_rgba(points.get_array())}
    assert len(colours) == 12


def test_plot_without_matplotlib(tmp_path, capsys, monkeypatch):
    # A None entry in sys.modules makes the import raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    assert main(["--plot", str(tmp_path / "out.png")]) == 2
    assert "pip install 'skbpnet[plot]'" in capsys.readouterr().err
