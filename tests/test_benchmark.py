"""The benchmark script runs and reports what issue #4 asks for.

A smoke run on small data: it checks the script still works and that its
numbers are consistent (ratio = sklearn time / skbpnet time, equal epochs,
accuracies of both libraries), never how fast anything is.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_mlp.py"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.json"
    cmd = [
        sys.executable,
        str(SCRIPT),
        "--quick",
        "--no-torch",
        "--repeats",
        "3",
        "--case",
        "a64",
        "c",
        "d",
        "e",
        "--json",
        str(out),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout, json.loads(out.read_text())


def test_every_requested_case_is_reported(report):
    stdout, data = report
    assert [r["case"] for r in data["results"]] == ["a64", "c", "d", "e"]
    assert "| case | sklearn s | skbpnet s | ratio |" in stdout


def test_ratios_are_medians_of_interleaved_rounds(report):
    _, data = report
    for r in data["results"]:
        times = r["times"]
        assert len(times["sklearn"]) == len(times["skbpnet"]) == 3
        assert r["sklearn_s"] == pytest.approx(np.median(times["sklearn"]))
        assert r["skbpnet_s"] == pytest.approx(np.median(times["skbpnet"]))
        assert r["ratio"] == pytest.approx(r["sklearn_s"] / r["skbpnet_s"])


def test_both_libraries_train_the_same_epochs(report):
    _, data = report
    for r in data["results"]:
        if r["case"] in ("a64", "c"):
            assert r["n_iter"]["sklearn"] == r["n_iter"]["skbpnet"] >= 1
            assert r["gemm_bound_s"] > 0
        if r["case"] != "d":
            assert 0 <= r["acc_sk"] <= 1 and 0 <= r["acc_bp"] <= 1
