"""Every chapter script runs, and its figures are checked as data plus drawing.

Each figure in ``docs/assets/figures`` is two files: ``name.json`` (the numbers it
shows, and the function that draws them) and ``name.svg``. Two checks:

- *drawn*: the committed SVG is the drawing of the committed JSON, byte for byte,
  with the pinned matplotlib (with another version, a skip that says so);
- *reproduced*: a fresh run of the chapter script gives data equal to the committed
  data within the tolerance stated per figure in ``figure_tolerances.py``.

The fresh run is the site build's execution of the labs (the same scripts, as
notebooks), or, with ``GRADBOOK_FIGURES_FROM=scripts`` (as in ``make test-foreign``),
each script run by itself as a reader runs it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

from gradbook.figures import redraw
from gradbook.figures.compare import Ignore, Tol, compare, rule_for
from tests.figure_tolerances import TOLERANCES
from tests.helpers import DOCS, ROOT, SNIPPETS

FIGURES = DOCS / "assets" / "figures"
FIGURE_DATA = sorted(FIGURES.glob("*.json"))


def _pinned(package: str) -> str | None:
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == package:
            return version.strip()
    return None


def _chapter(name: str) -> str:
    return re.match(r"(ch\d\d)_", name).group(1)


def test_there_are_snippets_and_figures():
    assert SNIPPETS and FIGURE_DATA


@pytest.mark.parametrize("script", SNIPPETS, ids=lambda p: p.name)
def test_snippet_is_a_percent_notebook(script):
    text = script.read_text(encoding="utf-8")
    assert "format_name: percent" in text
    assert text.count("# %%") >= 2


def test_every_figure_is_data_plus_drawing_with_a_stated_tolerance():
    svgs = {p.stem for p in FIGURES.glob("*.svg")}
    data = {p.stem for p in FIGURE_DATA}
    assert svgs == data, "every figure is name.svg beside name.json (save it with save_figure)"
    assert set(TOLERANCES) == data, "every figure states its tolerance in tests/figure_tolerances.py"
    for name, spec in TOLERANCES.items():
        assert "*" in spec, f"{name}: a rule for every key ('*')"
        for key, rule in spec.items():
            assert rule.why, f"{name}.{key}: a tolerance states its reason"
            if isinstance(rule, Tol):
                assert rule.rtol >= 2e-5 or rule.atol > 0, f"{name}.{key}: tighter than the stored digits"


# ---------------------------------------------------------------- drawn


def drawn_problem(json_path: Path, svg: bytes) -> str | None:
    """Why ``svg`` is not the drawing of ``json_path``'s data, or None when it is."""
    fresh = redraw(json_path)
    if fresh == svg:
        return None
    at = next((i for i, (a, b) in enumerate(zip(fresh, svg)) if a != b), min(len(fresh), len(svg)))
    return (
        f"{json_path.stem}.svg is not the drawing of {json_path.name} (first difference at "
        f"byte {at}); run the chapter script and commit both files"
    )


@pytest.mark.parametrize("data", FIGURE_DATA, ids=lambda p: p.stem)
def test_figure_is_the_drawing_of_its_data(data):
    pinned, installed = _pinned("matplotlib"), matplotlib.__version__
    if installed != pinned:
        pytest.skip(
            f"matplotlib {installed} is installed; the figures are drawn with the pinned "
            f"{pinned}, and other versions draw other bytes (`make install` pins it)"
        )
    problem = drawn_problem(data, data.with_suffix(".svg").read_bytes())
    assert problem is None, problem


def test_drawn_check_fails_on_one_changed_byte():
    data = FIGURE_DATA[0]
    svg = bytearray(data.with_suffix(".svg").read_bytes())
    svg[len(svg) // 2] ^= 0x01
    assert drawn_problem(data, bytes(svg)) is not None


# ---------------------------------------------------------------- reproduced


def _first_number(tree, spec, path=""):
    """(path, value) of the first number in ``tree`` that ``spec`` compares."""
    if isinstance(tree, dict):
        items = [(f"{path}.{k}" if path else k, v) for k, v in tree.items()]
    elif isinstance(tree, list):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(tree)]
    else:
        ok = isinstance(tree, (int, float)) and not isinstance(tree, bool)
        return (path, tree) if ok and isinstance(rule_for(spec, path), Tol) else None
    for sub, value in items:
        found = _first_number(value, spec, sub)
        if found:
            return found
    return None


def _moved(tree, path, delta):
    """A copy of ``tree`` with the number at ``path`` moved by ``delta``."""
    tree = json.loads(json.dumps(tree))
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    node = tree
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    last = parts[-1]
    key = int(last[1:-1]) if last.startswith("[") else last
    node[key] = node[key] + delta
    return tree


@pytest.mark.parametrize("data", FIGURE_DATA, ids=lambda p: p.stem)
def test_reproduced_check_fails_beyond_the_tolerance(data):
    committed = json.loads(data.read_text(encoding="utf-8"))["data"]
    spec = TOLERANCES[data.stem]
    path, value = _first_number(committed, spec)
    allowed = rule_for(spec, path).allowance(value)
    assert compare(_moved(committed, path, 0.5 * allowed), committed, spec).ok
    report = compare(_moved(committed, path, 2 * allowed + 1e-300), committed, spec)
    assert not report.ok and path in report.problems[0]


def test_reproduced_check_compares_structure_and_text_exactly():
    spec = {"*": Tol(0.1, 0.1, "loose")}
    assert not compare({"a": [1, 2]}, {"a": [1, 2, 3]}, spec).ok
    assert not compare({"a": "x"}, {"a": "y"}, spec).ok
    assert not compare({"b": 1}, {"a": 1}, spec).ok
    assert compare({"a": "x", "n": 1.05}, {"a": "x", "n": 1.0}, spec).ok
    assert compare({"s": [9]}, {"s": [1]}, {**spec, "s": Ignore("a sample")}).ok


def _fresh_figures_from_scripts(script: Path, tmp_path: Path) -> Path:
    figures = tmp_path / "figures"
    env = {**os.environ, "GRADBOOK_FIGURES_DIR": str(figures), "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip(), "a chapter script prints what the chapter shows"
    assert "Traceback" not in proc.stderr
    return figures


@pytest.fixture(scope="module")
def fresh_figures(request):
    """A function: script -> the folder its fresh run wrote figures into."""
    if os.environ.get("GRADBOOK_FIGURES_FROM", "labs") == "scripts":

        def from_script(script: Path) -> Path:
            return _fresh_figures_from_scripts(
                script, request.getfixturevalue("tmp_path_factory").mktemp(script.stem)
            )

        return from_script
    build = request.getfixturevalue("site_build")  # the labs ran while the site was built
    return lambda script: build.lab_figures


@pytest.mark.slow
@pytest.mark.parametrize("script", SNIPPETS, ids=lambda p: p.name)
def test_snippet_reproduces_its_figures(script, fresh_figures):
    figures = fresh_figures(script)
    chapter = _chapter(script.name)
    written = sorted(p.name for p in figures.glob(f"{chapter}_*")) if figures.exists() else []
    committed = sorted(p.name for p in FIGURES.glob(f"{chapter}_*"))
    assert written == committed, "the script's figures and the committed ones differ in name"
    report_to = os.environ.get("GRADBOOK_FIGURE_REPORT")
    failures = []
    for name in written:
        fresh, kept = figures / name, FIGURES / name
        if name.endswith(".mmd"):  # diagrams drawn as text, with rounded numbers
            if fresh.read_bytes() != kept.read_bytes():
                failures.append(f"{name} differs; run the chapter script and commit it")
        elif name.endswith(".json"):
            new, old = (json.loads(p.read_text(encoding="utf-8")) for p in (fresh, kept))
            if new["drawing"] != old["drawing"]:
                failures.append(f"{name}: drawn by {new['drawing']}, committed {old['drawing']}")
                continue
            report = compare(new["data"], old["data"], TOLERANCES[kept.stem])
            failures += [f"{kept.stem}: {p}" for p in report.problems[:5]]
            if report_to:
                with open(report_to, "a", encoding="utf-8") as out:
                    out.write(
                        json.dumps(
                            {
                                "figure": kept.stem,
                                "worst_ratio": report.worst_ratio,
                                "where": report.worst_where,
                                "worst_abs": report.worst_abs,
                            }
                        )
                        + "\n"
                    )
    assert not failures, "\n".join(failures)
