"""Benchmark tables on the pages are generated from results files, never typed by hand."""

from __future__ import annotations

import json

import pytest

from tests.helpers import ROOT, import_script

RESULTS = sorted((ROOT / "benchmarks" / "results").glob("*.json"))


@pytest.fixture(scope="module")
def bench_run():
    """``benchmarks/run.py``, which renders every table."""
    return import_script(ROOT / "benchmarks" / "run.py", "bench_run")


def test_there_are_results():
    assert RESULTS, "run `make bench` and commit benchmarks/results/"


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.stem)
def test_table_is_rendered_from_its_results(path, bench_run):
    report = json.loads(path.read_text(encoding="utf-8"))
    table = path.with_suffix(".md").read_text(encoding="utf-8")
    assert table == bench_run.render_table(report)
    assert (ROOT / "benchmarks" / f"{path.stem}.py").is_file()
    for r in report.get("results", []):
        assert r["speedup"] == pytest.approx(r["reference_s"] / r["ours_s"])


def test_a_tampered_table_is_caught(bench_run):
    report = {
        "machine": {"processor": "x", "platform": "y", "python": "3", "numpy": "2"},
        "results": [{"name": "n", "reference": "r", "ours_s": 1.0, "reference_s": 2.0, "speedup": 2.0}],
    }
    table = bench_run.render_table(report)
    assert "2.0×" in table and table.replace("2.0×", "9.0×") != table


def test_a_tampered_column_table_is_caught(bench_run):
    report = {
        "machine": {"processor": "x", "platform": "y", "python": "3", "numpy": "2", "torch": "2"},
        "columns": [["run", "name", "{}"], ["tokens/s", "rate", "{:,.0f}"]],
        "rows": [{"name": "one", "rate": 1234.5}],
    }
    table = bench_run.render_table(report)
    assert "| one | 1,234 |" in table or "| one | 1,235 |" in table
    assert table != bench_run.render_table({**report, "rows": [{"name": "one", "rate": 9}]})


def test_the_two_timings_of_a_scalar_step_agree():
    """Chapter 3 times a 100-step run of the scalar engine; Chapter 4 times the same
    steps, one run of 100 on each engine, per step. Measured the same way on the same
    machine, the two must tell the same story (within the noise of a single run)."""
    ch03 = json.loads((ROOT / "benchmarks" / "results" / "bench_ch03_scalar_mlp.json").read_text())
    ch04 = json.loads((ROOT / "benchmarks" / "results" / "bench_ch04_vectorise.json").read_text())
    run = next(r for r in ch03["results"] if "100 SGD steps" in r["name"])
    step = next(r for r in ch04["results"] if "mean of 100" in r["name"])
    assert ch03["machine"] == ch04["machine"], "re-run both: `benchmarks/run.py ch03 ch04`"
    per_step_in_ch03 = run["ours_s"] / 100
    assert 0.75 < step["reference_s"] / per_step_in_ch03 < 1.33, (step, run)


def test_every_table_is_in_a_chapter_and_in_the_appendix():
    """The appendix collects the tables; each also stands beside the idea it measures."""
    chapters = "".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs" / "chapters").glob("*.md"))
    )
    appendix = (ROOT / "docs" / "appendix" / "benchmarks.md").read_text(encoding="utf-8")
    for path in RESULTS:
        line = f'--8<-- "benchmarks/results/{path.stem}.md"'
        assert line in chapters, f"{path.stem}: in no chapter"
        assert line in appendix, f"{path.stem}: not in the appendix"
