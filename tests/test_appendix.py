"""The appendix "How fast is it?" shows every benchmark table, each generated, none typed.

The page may explain the tables in prose, but every table on it must come from
``benchmarks/results/`` (or from a recorded run, such as the GPU check's) through an
include: a table typed into the page would go stale the next time ``make bench`` runs.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import DOCS, ROOT

PAGE = DOCS / "appendix" / "benchmarks.md"
RESULTS = ROOT / "benchmarks" / "results"
INCLUDE = re.compile(r'^--8<--\s+"([^"]+)"\s*$')
# Tables rendered from a recorded run rather than by `make bench`, each checked by its own
# test: the GPU check's (tests/test_gpu_check.py).
RECORD_TABLES = ("docs/assets/runs/gpu_table.md",)


def problems(page: str, results: list[str], root: Path) -> list[str]:
    """What is wrong with an appendix page, given the results tables that exist."""
    found = []
    included: list[str] = []
    for lineno, line in enumerate(page.splitlines(), start=1):
        if line.lstrip().startswith("|"):
            found.append(f"line {lineno}: a table typed into the page: {line.strip()[:60]}")
        if "--8<--" in line:
            match = INCLUDE.match(line.strip())
            if match is None:
                found.append(f"line {lineno}: an include must stand on a line of its own")
                continue
            target = match.group(1)
            if target in RECORD_TABLES:
                if not (root / target).is_file():
                    found.append(f"line {lineno}: includes {target}, which does not exist")
                continue
            if not (target.startswith("benchmarks/results/") and target.endswith(".md")):
                found.append(f"line {lineno}: includes {target}, not a benchmark results table")
            elif not (root / target).is_file():
                found.append(f"line {lineno}: includes {target}, which does not exist")
            included.append(target)
    for name in results:
        count = included.count(name)
        if count != 1:
            found.append(f"{name} is included {count} times, not once")
    return found


def results_tables() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in RESULTS.glob("*.md"))


def test_there_are_results_tables():
    assert results_tables()


def test_the_appendix_includes_every_table_once_and_types_none():
    assert problems(PAGE.read_text(encoding="utf-8"), results_tables(), ROOT) == []


# The check itself must be able to fail.

GOOD = '# How fast is it?\n\nSome prose.\n\n--8<-- "benchmarks/results/bench_ch01_manual.md"\n'


def test_a_good_page_passes():
    assert problems(GOOD, ["benchmarks/results/bench_ch01_manual.md"], ROOT) == []


def test_a_typed_table_is_caught():
    page = GOOD + "\n| benchmark | ours |\n|---|---:|\n| fast | 1.0 ms |\n"
    found = problems(page, ["benchmarks/results/bench_ch01_manual.md"], ROOT)
    assert len(found) == 3 and all("typed into the page" in p for p in found)


def test_a_missing_or_repeated_table_is_caught():
    tables = ["benchmarks/results/bench_ch01_manual.md", "benchmarks/results/bench_ch10_gpt.md"]
    assert problems(GOOD, tables, ROOT) == [
        "benchmarks/results/bench_ch10_gpt.md is included 0 times, not once"
    ]
    twice = GOOD + '\n--8<-- "benchmarks/results/bench_ch01_manual.md"\n'
    assert problems(twice, tables[:1], ROOT) == [
        "benchmarks/results/bench_ch01_manual.md is included 2 times, not once"
    ]


def test_an_include_of_a_missing_or_wrong_file_is_caught():
    missing = '--8<-- "benchmarks/results/bench_ch99_nothing.md"\n'
    assert any("does not exist" in p for p in problems(missing, [], ROOT))
    other = '--8<-- "src/gradbook/gpt/flops.py:flops"\n'
    assert any("not a benchmark results table" in p for p in problems(other, [], ROOT))
    inline = 'See --8<-- "benchmarks/results/bench_ch01_manual.md" here.\n'
    assert any("line of its own" in p for p in problems(inline, [], ROOT))
