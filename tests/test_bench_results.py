"""Benchmark tables on the pages are generated from results files, never typed by hand."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from conftest import ROOT

RESULTS = sorted((ROOT / "benchmarks" / "results").glob("*.json"))


def _run_module():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def test_there_are_results():
    assert RESULTS, "run `make bench` and commit benchmarks/results/"


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.stem)
def test_table_is_rendered_from_its_results(path):
    report = json.loads(path.read_text(encoding="utf-8"))
    table = path.with_suffix(".md").read_text(encoding="utf-8")
    assert table == _run_module().render_table(report)
    assert (ROOT / "benchmarks" / f"{path.stem}.py").is_file()
    for r in report.get("results", []):
        assert r["speedup"] == pytest.approx(r["reference_s"] / r["ours_s"])


def test_a_tampered_table_is_caught(tmp_path):
    report = {"machine": {"processor": "x", "platform": "y", "python": "3", "numpy": "2"},
              "results": [{"name": "n", "reference": "r", "ours_s": 1.0, "reference_s": 2.0,
                           "speedup": 2.0}]}
    table = _run_module().render_table(report)
    assert "2.0×" in table and table.replace("2.0×", "9.0×") != table


def test_a_tampered_column_table_is_caught():
    report = {"machine": {"processor": "x", "platform": "y", "python": "3", "numpy": "2",
                          "torch": "2"},
              "columns": [["run", "name", "{}"], ["tokens/s", "rate", "{:,.0f}"]],
              "rows": [{"name": "one", "rate": 1234.5}]}
    table = _run_module().render_table(report)
    assert "| one | 1,234 |" in table or "| one | 1,235 |" in table
    assert table != _run_module().render_table({**report, "rows": [{"name": "one", "rate": 9}]})
